"""Linkage disequilibrium: genotypic G permutation test, BH q-values, SNP Rogers-Huff r^2."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leogen.popgen.ld import bh_qvalues, genotype_codes, genotypic_ld, ld_table, snp_ld_windows


def test_perfect_association_hand_case():
    # 6 individuals, two genotype classes per locus, identical at both loci:
    # table [[3, 0], [0, 3]], E = 3 * 3 / 6 = 1.5 per cell,
    # G = 2 (3 ln(3/1.5) + 3 ln(3/1.5)) = 12 ln 2
    a = np.array([0, 0, 0, 1, 1, 1])
    res = genotypic_ld(a, a.copy(), n_permutations=20_000, seed=1)
    assert res["n"] == 6
    assert res["statistic"] == pytest.approx(12 * np.log(2))
    # a permutation reaches G = 12 ln 2 only as the diagonal or anti-diagonal table:
    # 2 of C(6, 3) = 20 equally likely splits, so p -> 0.1
    assert res["p_value"] == pytest.approx(0.1, abs=4 * np.sqrt(0.09 / 20_000))


def test_independent_loci_hand_case():
    # table [[1, 1], [1, 1]]: O = E everywhere, G = 0 and every permutation is >= 0: p = 1
    res = genotypic_ld(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), n_permutations=99)
    assert res["statistic"] == pytest.approx(0.0)
    assert res["p_value"] == 1.0


def test_missing_and_degenerate():
    res = genotypic_ld(np.array([0, -1, 1, 1]), np.array([0, 1, -1, 1]), n_permutations=9)
    assert res["n"] == 2 and np.isnan(res["p_value"]) and "fewer than 3" in res["note"]
    res = genotypic_ld(np.array([0, 0, 0, 0]), np.array([0, 1, 0, 1]), n_permutations=9)
    assert np.isnan(res["statistic"]) and "one genotype" in res["note"]


def test_genotype_codes_unordered():
    calls = np.array([[[0, 1], [2, 2]], [[1, 0], [-1, -1]]])
    c = genotype_codes(calls)
    assert c[0, 0] == c[1, 0]
    assert c[1, 1] == -1


def test_null_p_values_roughly_uniform_and_linked_pairs_detected():
    rng = np.random.default_rng(4)
    n, L = 80, 6
    calls = rng.integers(0, 4, size=(n, L, 2))
    calls[:, 5, :] = calls[:, 4, :]  # locus 5 duplicates locus 4: complete LD
    df = ld_table(calls, [f"L{j}" for j in range(L)], [("all", np.ones(n, bool))],
                  n_permutations=199, seed=3)
    assert len(df) == L * (L - 1) // 2
    linked = df[(df.locus1 == "L4") & (df.locus2 == "L5")].iloc[0]
    assert linked["p_value"] == pytest.approx(1 / 200)
    others = df.drop(linked.name)
    assert 0.25 < others["p_value"].mean() < 0.75
    assert (df["q_value_bh"] >= df["p_value"] - 1e-12).all()
    # seeded per pair: same result when run alone or in another order
    again = ld_table(calls[:, [4, 5]], ["L4", "L5"], [("all", np.ones(n, bool))],
                     n_permutations=199, seed=3)
    assert again.iloc[0]["statistic"] == pytest.approx(linked["statistic"])


def test_bh_qvalues_hand_case():
    # p sorted (0.01, 0.02, 0.03, 0.5), m = 4: q_i = min_{j>=i} p_j m / j
    # = (0.04, 0.04, 0.04, 0.5); NaN stays NaN
    q = bh_qvalues([0.03, np.nan, 0.01, 0.5, 0.02])
    np.testing.assert_allclose(q[[0, 2, 3, 4]], [0.04, 0.04, 0.5, 0.04])
    assert np.isnan(q[1])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.permutations(list(range(4))))
def test_g_statistic_invariant_to_relabelling_and_order(seed, relabel):
    rng = np.random.default_rng(seed)
    a = rng.integers(-1, 4, size=25)
    b = rng.integers(-1, 3, size=25)
    base = genotypic_ld(a, b, n_permutations=0)
    order = rng.permutation(25)
    ra = np.where(a >= 0, np.array(relabel)[np.maximum(a, 0)], -1)
    other = genotypic_ld(ra[order], b[order], n_permutations=0)
    assert base["n"] == other["n"]
    if np.isnan(base["statistic"]):
        assert np.isnan(other["statistic"])
    else:
        assert other["statistic"] == pytest.approx(base["statistic"])
        assert base["statistic"] >= -1e-12


def test_snp_windows_match_scikit_allel():
    import allel

    rng = np.random.default_rng(7)
    n, L = 40, 23
    hap = rng.integers(0, 2, size=(n, L, 2))
    hap[:, 1, :] = hap[:, 0, :]  # r = 1 between the first two SNPs
    hap[rng.random((n, L)) < 0.05] = -1
    df = snp_ld_windows(hap, [f"v{j}" for j in range(L)], [("all", np.ones(n, bool))],
                        window=5)
    # every pair at most 5 variants apart, once
    assert len(df) == sum(min(5, L - 1 - i) for i in range(L))
    assert ((df["locus2"].str[1:].astype(int) - df["locus1"].str[1:].astype(int)) <= 5).all()
    gn = np.where(hap[..., 0] >= 0, hap.sum(axis=2), -1).T.astype("i1")
    r = allel.rogers_huff_r(gn)
    full = np.full((L, L), np.nan)
    iu = np.triu_indices(L, 1)
    full[iu] = r
    for _, x in df.iterrows():
        i, j = int(x["locus1"][1:]), int(x["locus2"][1:])
        assert x["statistic"] == pytest.approx(full[i, j] ** 2, nan_ok=True)
    first = df.iloc[0]
    assert first["statistic"] == pytest.approx(1.0) and first["p_value"] < 1e-6
    assert first["method"] == "rogers_huff_r2_chi2"
