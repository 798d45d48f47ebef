"""PID and PIDsib (leogen.identify.power), hand-computed from Waits et al. (2001) formulas."""

from __future__ import annotations

import numpy as np
import pytest

from leogen.identify.power import loci_needed, pid_per_locus, pid_summary, pid_table
from leogen.model.genotypes import Genotypes


def _pid(p):
    s2, s4 = sum(x**2 for x in p), sum(x**4 for x in p)
    return 2 * s2**2 - s4, 0.25 + 0.5 * s2 + 0.5 * s2**2 - 0.25 * s4


def test_pid_per_locus_by_hand():
    # p = (0.5, 0.5): sum p^2 = 1/2, sum p^4 = 1/8
    #   PID = 2/4 - 1/8 = 0.375; PIDsib = 1/4 + 1/4 + 1/8 - 1/32 = 0.59375
    # p = 4 x 0.25: sum p^2 = 1/4, sum p^4 = 1/64
    #   PID = 2/16 - 1/64 = 0.109375; PIDsib = 1/4 + 1/8 + 1/32 - 1/256 = 0.40234375
    pid, sib = pid_per_locus([np.array([0.5, 0.5]), np.array([0.25] * 4), np.array([])])
    assert pid[:2].tolist() == pytest.approx([0.375, 0.109375])
    assert sib[:2].tolist() == pytest.approx([0.59375, 0.40234375])
    assert np.isnan(pid[2]) and np.isnan(sib[2])
    # a monomorphic locus carries no information
    assert pid_per_locus([np.array([1.0])])[0][0] == 1.0
    assert pid_per_locus([np.array([1.0])])[1][0] == 1.0


def test_pid_table_ranked_and_cumulative():
    # 4 animals; L_a alleles 1/2 in everyone (p = .5, .5); L_b 1/2, 3/4, 1/2, 3/4
    # (p = .25 x 4); L_c 1/1, 1/1, 1/2, 2/2 (p = 5/8, 3/8); L_d nobody typed
    labels = np.array([
        [[1, 2], [1, 2], [1, 1], [-1, -1]],
        [[1, 2], [3, 4], [1, 1], [-1, -1]],
        [[1, 2], [1, 2], [1, 2], [-1, -1]],
        [[1, 2], [3, 4], [2, 2], [-1, -1]],
    ])
    g = Genotypes.from_labels(labels, ["a", "b", "c", "d"], ["L_a", "L_b", "L_c", "L_d"])
    t = pid_table(g)
    exp = {"L_a": _pid([0.5, 0.5]), "L_b": _pid([0.25] * 4), "L_c": _pid([5 / 8, 3 / 8])}
    # ranks: lowest PIDsib first: L_b (0.402), L_a (0.594), L_c (0.61), then L_d (no data)
    assert t["locus"].tolist() == ["L_b", "L_a", "L_c", "L_d"]
    assert t["rank"].tolist() == [1, 2, 3, 4]
    for loc in exp:
        row = t[t.locus == loc].iloc[0]
        assert row["pid"] == pytest.approx(exp[loc][0])
        assert row["pid_sib"] == pytest.approx(exp[loc][1])
    assert t["cum_pid_sib"].iloc[2] == pytest.approx(
        exp["L_b"][1] * exp["L_a"][1] * exp["L_c"][1])
    assert t["cum_pid"].iloc[1] == pytest.approx(exp["L_b"][0] * exp["L_a"][0])
    assert np.isnan(t["cum_pid"].iloc[3])
    assert t["n_typed"].tolist() == [4, 4, 4, 0]
    assert t.loc[0, "he"] == pytest.approx(0.75)


def test_loci_needed():
    # ten identical loci with p = 4 x 0.25: PIDsib 0.40234375 each
    # 0.40234375^k < 0.01 first at k = 6 (0.00426 ; k = 5 gives 0.0106);
    # < 0.001 first at k = 8 (0.000690; k = 7 gives 0.00171)
    labels = np.tile(np.array([[1, 2], [3, 4]])[:, None, :], (1, 10, 1))
    g = Genotypes.from_labels(labels, ["a", "b"], [f"L{i}" for i in range(10)])
    t = pid_table(g)
    assert 0.40234375**5 > 0.01 > 0.40234375**6
    assert loci_needed(t) == {0.01: 6, 0.001: 8}
    s = dict(pid_summary(t).itertuples(index=False))
    assert s["n_loci_pid_sib_below_0.01"] == "6"
    assert s["n_loci_pid_sib_below_0.001"] == "8"
    assert float(s["pid_sib"]) == pytest.approx(0.40234375**10, rel=1e-5)
    # two loci never reach 0.001
    t2 = pid_table(g.subset(loci=[0, 1]))
    assert loci_needed(t2)[0.001] is None
    assert dict(pid_summary(t2).itertuples(index=False))["n_loci_pid_sib_below_0.001"] == "NA"
