"""The vet page's relatives from the reconstructed pedigree (pedigree/relationships.tsv)."""

from __future__ import annotations

import math

import pandas as pd

from leogen.health.report import _relatives


def _rels():
    return pd.DataFrame({
        "id1": ["A", "A", "B", "A", "C"],
        "id2": ["B", "C", "C", "D", "D"],
        "relationship": ["PO", "HS", "FS", "U", "GPAV"],
        "probability": [0.97, 0.85, 0.99, 0.99, 0.95],
        "p_u": [0.01, 0.1, 0.0, 0.99, 0.02]})


def test_pedigree_relatives_above_the_threshold_most_probable_first():
    pairs = pd.DataFrame({"id1": ["A", "A"], "id2": ["B", "C"], "n_loci": [15, 14],
                          "wang": [0.52, 0.2]})
    out, note = _relatives(pairs, "A", 0.9, _rels())
    assert note == "probabilities from the reconstructed pedigree"
    assert [(r["id"], r["code"], r["probability"]) for r in out] == [("B", "PO", 0.97)]
    assert out[0]["relationship"] == "parent-offspring" and out[0]["r"] == 0.52
    out, _ = _relatives(pairs, "A", 0.8, _rels())
    assert [r["id"] for r in out] == ["B", "C"]  # U pairs are never named
    out, _ = _relatives(None, "C", 0.9, _rels())
    assert [(r["id"], r["code"]) for r in out] == [("B", "FS"), ("D", "GPAV")]
    assert math.isnan(out[0]["r"])


def test_without_a_pedigree_the_note_says_pairwise():
    pairs = pd.DataFrame({"id1": ["A"], "id2": ["B"], "n_loci": [15], "loglik_po": [-10.0],
                          "loglik_fs": [-14.0], "loglik_hs": [-15.0], "loglik_u": [-20.0]})
    out, note = _relatives(pairs, "A", 0.9)
    assert [r["code"] for r in out] == ["PO"] and "pairwise" in note
