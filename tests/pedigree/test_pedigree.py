"""Pedigree kinship, inbreeding and relationship classes on hand-checked pedigrees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.pedigree.kinship import (
    EXPECTED_KINSHIP,
    inbreeding_coefficients,
    kinship_matrix,
    kinship_pairs,
    parent_indices,
    pedigree_inbreeding,
    relationship_matrix,
    topological_order,
)

# Founders A (M), B (F), C (M), D (F), unrelated.
#   E, F = A x B (full sibs)          G = C x B (half sib of E and F through B)
#   H = E x F (full-sib mating)       I = E x G (half-sib mating)
#   J = E x D, L = C x F  (J and L are first cousins: their parents E, F are full sibs)
#   M = A x D (half sib of E/F through A; F's half-sib)
PED = pd.DataFrame(
    [("A", "", ""), ("B", "", ""), ("C", "", ""), ("D", "", ""),
     ("E", "A", "B"), ("F", "A", "B"), ("G", "C", "B"),
     ("H", "E", "F"), ("I", "E", "G"), ("J", "E", "D"), ("L", "C", "F"), ("M", "A", "D")],
    columns=["individual_id", "sire", "dam"])


def _kin():
    s, d = parent_indices(PED["individual_id"], PED["sire"], PED["dam"])
    return kinship_matrix(s, d), s, d


def _at(k, a, b):
    ids = list(PED["individual_id"])
    return k[ids.index(a), ids.index(b)]


def test_kinship_hand_values():
    k, s, d = _kin()
    assert _at(k, "A", "B") == 0.0                 # founders unrelated
    assert _at(k, "A", "E") == pytest.approx(0.25)  # parent-offspring
    assert _at(k, "E", "F") == pytest.approx(0.25)  # full sibs
    assert _at(k, "E", "G") == pytest.approx(0.125)  # half sibs
    assert _at(k, "A", "J") == pytest.approx(0.125)  # grandparent
    assert _at(k, "F", "J") == pytest.approx(0.125)  # avuncular (F full sib of J's sire E)
    assert _at(k, "J", "L") == pytest.approx(0.0625)  # first cousins
    # inbred H (F = 1/4): self-kinship (1 + F)/2, and kinship with its parent E:
    # phi(H, E) = (phi(E, E) + phi(F, E)) / 2 = (0.5 + 0.25) / 2
    assert _at(k, "H", "H") == pytest.approx(0.625)
    assert _at(k, "H", "E") == pytest.approx(0.375)
    assert np.allclose(k, k.T)


def test_inbreeding_hand_values():
    k, s, d = _kin()
    f = inbreeding_coefficients(s, d)
    byid = dict(zip(PED["individual_id"], f, strict=True))
    assert byid["H"] == pytest.approx(0.25)   # full-sib mating
    assert byid["I"] == pytest.approx(0.125)  # half-sib mating
    for x in "ABCDEFGJLM":
        assert byid[x] == 0.0
    assert np.allclose(np.diag(k), (1 + f) / 2)
    assert np.allclose(pedigree_inbreeding(PED), f)


def test_parent_offspring_mating_and_deeper_inbreeding():
    # A x B -> C (F); A x C -> D: father-daughter, F_D = phi(A, C) = 1/4;
    # C x D -> E: phi(C, D) = (phi(C, A) + phi(C, C)) / 2 = (1/4 + 1/2) / 2 = 3/8
    ids = ["A", "B", "C", "D", "E"]
    s, d = parent_indices(ids, ["", "", "A", "A", "C"], ["", "", "B", "C", "D"])
    f = inbreeding_coefficients(s, d)
    assert f[3] == pytest.approx(0.25)
    assert f[4] == pytest.approx(0.375)


def test_order_independent():
    k, s, d = _kin()
    perm = np.random.default_rng(3).permutation(len(PED))
    p2 = PED.iloc[perm].reset_index(drop=True)
    s2, d2 = parent_indices(p2["individual_id"], p2["sire"], p2["dam"])
    k2 = kinship_matrix(s2, d2)
    assert np.allclose(k2, k[np.ix_(perm, perm)])
    order = topological_order(s2, d2)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    has = s2 >= 0
    assert (rank[has] > rank[s2[has]]).all()


def test_relationship_classes():
    _, s, d = _kin()
    rel = relationship_matrix(s, d)
    ids = list(PED["individual_id"])

    def r(a, b):
        return rel[ids.index(a), ids.index(b)]

    assert r("A", "E") == "PO" and r("E", "A") == "PO"
    assert r("E", "F") == "FS"
    assert r("E", "G") == "HS"
    assert r("E", "M") == "HS"
    assert r("A", "J") == "GP" and r("J", "A") == "GP"
    assert r("F", "J") == "AV" and r("J", "F") == "AV"
    assert r("J", "L") == "FC"
    assert r("A", "B") == "U"
    assert r("H", "H") == "self"
    # H's parents are full sibs: H is PO with E (first class wins over GP via A)
    assert r("H", "E") == "PO"
    assert r("H", "A") == "GP"


def test_kinship_pairs_table():
    k, s, d = _kin()
    rel = relationship_matrix(s, d)
    t = kinship_pairs(PED["individual_id"], k, rel, subset=[0, 4, 5])
    assert list(t.columns) == ["id1", "id2", "kinship", "relatedness", "relationship"]
    assert list(zip(t["id1"], t["id2"], strict=True)) == [("A", "E"), ("A", "F"), ("E", "F")]
    assert np.allclose(t["relatedness"], 2 * t["kinship"])
    for code, kin in zip(t["relationship"], t["kinship"], strict=True):
        assert kin == pytest.approx(EXPECTED_KINSHIP[code])


def test_bad_pedigrees():
    with pytest.raises(InputError, match="sire 'X' of 'B' is not listed"):
        parent_indices(["A", "B"], ["", "X"], ["", ""])
    with pytest.raises(InputError, match="appears more than once"):
        parent_indices(["A", "A"], ["", ""], ["", ""])
    with pytest.raises(InputError, match="its own dam"):
        parent_indices(["A"], [""], ["A"])
    s, d = parent_indices(["A", "B"], ["B", "A"], ["", ""])
    with pytest.raises(ValueError, match="cycle"):
        kinship_matrix(s, d)
