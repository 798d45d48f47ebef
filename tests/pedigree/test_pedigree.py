"""Pedigree kinship, inbreeding and relationship classes on hand-checked pedigrees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.pedigree.kinship import (
    EXPECTED_KINSHIP,
    average_kinship_matrix,
    inbreeding_coefficients,
    kinship_matrix,
    kinship_pairs,
    parent_indices,
    pedigree_inbreeding,
    relationship_matrix,
    topological_order,
    weighted_order,
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


def _one_hot(idx):
    w = np.zeros((len(idx), len(idx)))
    w[np.flatnonzero(idx >= 0), idx[idx >= 0]] = 1.0
    return w


def test_average_kinship_with_certain_parents_is_the_tabular_method():
    k, s, d = _kin()
    assert np.allclose(average_kinship_matrix(_one_hot(s), _one_hot(d)), k)


def test_average_kinship_hand_values():
    # E and F full sibs (A x B); H's sire is E with probability 0.5 (else unsampled), its
    # dam F: F_H = 0.5 * phi(E, F) = 1/8, and phi(H, E) = (0.5 * phi(E, E) + phi(F, E)) / 2
    # = (0.25 + 0.25) / 2 = 1/4; with the sire E or A at 0.5 each, F_H = 0.5 / 4 + 0.5 / 4
    ids = list(PED["individual_id"])
    _, s, d = _kin()
    h, e, a = ids.index("H"), ids.index("E"), ids.index("A")
    ws, wd = _one_hot(s), _one_hot(d)
    ws[h] = 0.0
    ws[h, e] = 0.5
    k = average_kinship_matrix(ws, wd)
    assert k[h, h] == pytest.approx(0.5 * (1 + 0.125))
    assert k[h, e] == pytest.approx(0.25)
    ws[h, a] = 0.5
    k = average_kinship_matrix(ws, wd)
    assert 2 * k[h, h] - 1 == pytest.approx(0.25)


def test_weighted_order_drops_the_weakest_link_of_a_cycle_only():
    # 0 and 1 each a possible sire of the other (0.9 / 0.2); 2 descends from both (a tail
    # whose links are weaker still, 0.1, and must stay)
    ws = np.zeros((3, 3))
    ws[1, 0], ws[0, 1], ws[2, 1] = 0.9, 0.2, 0.1
    wd = np.zeros((3, 3))
    wd[2, 0] = 0.1
    order, ws2, wd2 = weighted_order(ws, wd)
    assert order.tolist() == [0, 1, 2]
    assert ws2[0, 1] == 0.0 and ws2[1, 0] == 0.9 and ws2[2, 1] == 0.1 and wd2[2, 0] == 0.1
    assert ws[0, 1] == 0.2  # inputs untouched


def test_weighted_order_of_a_dense_tangle_is_a_valid_order():
    # every animal with three possible sires and dams anywhere (cycles everywhere): the
    # links kept point back in the order, and most of the strongest survive
    rng = np.random.default_rng(0)
    n = 200
    w = [np.zeros((n, n)), np.zeros((n, n))]
    for m in w:
        for o in range(n):
            m[o, rng.choice(n, 3, replace=False)] = rng.dirichlet(np.ones(3)) * 0.9
    order, ws, wd = weighted_order(*w)
    assert sorted(order.tolist()) == list(range(n))
    rank = np.empty(n, int)
    rank[order] = np.arange(n)
    for m in (ws, wd):
        o, p = np.nonzero(m)
        assert (rank[p] < rank[o]).all()
    kept = ws > 0
    assert np.median(w[0][kept]) > np.median(w[0][(w[0] > 0) & ~kept])


def test_average_kinship_founders_keep_their_given_kinship():
    fk = np.zeros((3, 3))
    fk[0, 1] = fk[1, 0] = 0.2
    k = average_kinship_matrix(np.zeros((3, 3)), np.zeros((3, 3)), fk,
                               np.array([1.0, 1.0, 0.0]))
    assert k[0, 1] == pytest.approx(0.2) and k[0, 2] == 0.0 and k[0, 0] == 0.5


def test_average_kinship_founder_with_candidates_by_hand():
    # 0, 1: no candidate parents (share 1), marker kinship 0.2; 2: no assigned parent, sire
    # 0 with probability 0.6, so share 0.4 of its marker kinship (0.25 with 0, 0.1 with 1)
    # counts; 3: sire 2, dam 1 assigned
    fk = np.zeros((4, 4))
    fk[0, 1] = fk[1, 0] = 0.2
    fk[0, 2] = fk[2, 0] = 0.25
    fk[1, 2] = fk[2, 1] = 0.1
    ws, wd = np.zeros((4, 4)), np.zeros((4, 4))
    ws[2, 0], ws[3, 2], wd[3, 1] = 0.6, 1.0, 1.0
    k = average_kinship_matrix(ws, wd, fk, np.array([1.0, 1.0, 0.4, 0.0]))
    assert k[2, 0] == pytest.approx(0.5 * 0.6 * 0.5 + 0.4 * 0.25)  # 0.25
    assert k[2, 1] == pytest.approx(0.5 * 0.6 * 0.2 + 0.4 * 0.1)  # 0.10
    assert k[2, 2] == pytest.approx(0.5)
    assert k[3, 3] == pytest.approx(0.5 * (1 + 0.10))  # F of 3 = kinship of 2 and 1
    assert k[3, 0] == pytest.approx(0.5 * (0.25 + 0.2))
    assert np.allclose(k, k.T)
