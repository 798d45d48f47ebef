"""The drawn pedigree: rows by birth year (unknown years placed from relatives), a PNG for a
small pedigree and for the 248 animals of the bundled truth, the same bytes on a rerun."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leogen.pedigree.kinship import parent_indices
from leogen.pedigree.plots import pedigree_layout, placed_years, plot_pedigree

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"

# A (M, 2000) x B (F, 2001) -> C (F, 2005), D (M, 2005); dummy sire X (no year) x C -> E
# (2009); F (no year, no relatives with a year); G (no year) = D x B
IDS = ["A", "B", "C", "D", "X", "E", "F", "G"]
SIRE = ["", "", "A", "A", "", "X", "", "D"]
DAM = ["", "", "B", "B", "", "C", "", "B"]
SEX = ["M", "F", "F", "M", "M", "F", "", "M"]
YEAR = [2000, 2001, 2005, 2005, np.nan, 2009, np.nan, np.nan]
DUMMY = [False, False, False, False, True, False, False, False]


def _idx():
    return parent_indices(IDS, SIRE, DAM)


def test_unknown_birth_years_placed_from_relatives():
    s, d = _idx()
    y, known = placed_years(s, d, YEAR, min_gap=3)
    assert known.tolist() == [True, True, True, True, False, True, False, False]
    assert y[IDS.index("X")] == 2006          # 3 years before its offspring E (2009)
    assert y[IDS.index("G")] == 2008          # 3 years after its later-born parent D (2005)
    assert y[IDS.index("F")] == 1997          # no relative with a year: above everyone
    # no year at all: rows by generation depth
    y0, known0 = placed_years(s, d, None, min_gap=2)
    assert not known0.any()
    assert y0.tolist() == [0, 0, 2, 2, 0, 4, 0, 4]


def test_layout_rows_and_order():
    s, d = _idx()
    x, y, _ = pedigree_layout(s, d, YEAR)
    for child, par in zip(range(len(IDS)), np.c_[s, d], strict=True):
        for p in par[par >= 0]:
            assert y[p] < y[child]               # parents above their offspring
    # animals of one row are one apart and centred
    row = np.flatnonzero(y == 2005)
    assert sorted(x[row].tolist()) == [-0.5, 0.5]
    # same input, same layout
    x2, y2, _ = pedigree_layout(s, d, YEAR)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)


def test_plot_small_pedigree_writes_the_same_png(tmp_path):
    s, d = _idx()
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    kw = dict(sex=SEX, birth_year=YEAR, dummy=DUMMY,
              sire_probability=[np.nan, np.nan, 0.99, 0.6, np.nan, 0.3, np.nan, 0.95],
              dam_probability=[np.nan, np.nan, 1.0, 1.0, np.nan, 0.8, np.nan, np.nan])
    plot_pedigree(IDS, s, d, a, **kw)
    plot_pedigree(IDS, s, d, b, **kw)
    data = a.read_bytes()
    assert data[:8] == PNG and len(data) > 5000
    assert data == b.read_bytes()
    # no birth years, no sexes, no probabilities: still drawn
    plot_pedigree(IDS, s, d, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == PNG


def test_plot_rejects_arrays_of_other_lengths(tmp_path):
    s, d = _idx()
    with pytest.raises(ValueError, match="sex has shape"):
        plot_pedigree(IDS, s, d, tmp_path / "x.png", sex=SEX[:3])
    assert not (tmp_path / "x.png").exists()


def test_plot_truth_pedigree(tmp_path):
    ped = pd.read_csv(ROOT / "config/example/truth/pedigree.tsv", sep="\t", dtype=str,
                      keep_default_na=False)
    s, d = parent_indices(ped["individual_id"], ped["sire"], ped["dam"])
    year = ped["birth_year"].astype(float).to_numpy().copy()
    rng = np.random.default_rng(3)
    dummy = rng.random(len(ped)) < 0.15
    year[dummy] = np.nan
    out = tmp_path / "pedigree.png"
    plot_pedigree(ped["individual_id"], s, d, out, sex=ped["sex"], birth_year=year, dummy=dummy,
                  sire_probability=rng.random(len(ped)))
    assert out.read_bytes()[:8] == PNG
