"""WC84 F-statistics and Nei's / Jost's differentiation as hierfstat computes them.

Conventions held here (hierfstat ``wc()`` and ``basic.stats``, read in its source R/nwc.R
and R/misc.R):

* a population with no typed individual at a locus is left out of that locus's variance
  components (r, nt, n_c over the populations present) and the locus is kept;
* F_IS over all populations is WC84's within-population f, ``sum b / sum (b + c)``;
* Hs, Ht, G_ST and Jost's D carry basic.stats's small-sample corrections.

The tiny data set used below (one biallelic locus; pop P1 = AA, AB; pop P2 = BB, BB) is
worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from leogen.model.genotypes import Genotypes
from leogen.popgen import diversity as dv

# allele A = 100, B = 102
P1 = [[100, 100], [100, 102]]
P2 = [[102, 102], [102, 102]]


def _geno(rows, pops, loci=None):
    sizes = np.asarray(rows, dtype=int)
    if sizes.ndim == 2:
        sizes = sizes[:, None, :]
    loci = loci or [f"L{j + 1}" for j in range(sizes.shape[1])]
    return Genotypes.from_labels(sizes, [f"i{k}" for k in range(len(sizes))], loci,
                                 np.asarray(pops, dtype=object), missing=(-1,))


def _tiny():
    return _geno(P1 + P2, ["P1", "P1", "P2", "P2"])


def test_wc84_mean_squares_by_hand():
    # allele A: copies 3 | 0, het carriers 1 | 0, n = 2 | 2; nt = 4, r = 2
    # p = .75 | 0, pbar = 3/8, n_c = (4 - 8/4)/1 = 2
    # MSG = 1 / (2 * 4) = 1/8
    # SSI = [2(.75) - 2(2)(.5625) + 1] + 0 = .25, MSI = .25 / (4 - 2) = 1/8
    # SSP = 2 [2 (3/8)^2 + 2 (3/8)^2] = 9/8, MSP = 9/8
    # sigma_w = 1/8, sigma_b = (1/8 - 1/8)/2 = 0, sigma_a = (9/8 - 1/8) / (2 * 2) = 1/4
    # allele B is the mirror image: the same three components
    g = _tiny()
    a, b, w, r = dv.wc84_locus_sums(g.calls, np.array([[1, 1, 0, 0], [0, 0, 1, 1]]), 2)
    assert (a[0], b[0], w[0], r[0]) == pytest.approx((0.5, 0.0, 0.25, 2))
    f = dv.population_fstats(g, dv.population_groups(g), n_bootstraps=0)["summary"]
    assert f["fst_wc"] == pytest.approx(2 / 3)  # 0.5 / 0.75
    assert f["fis_wc"] == pytest.approx(0.0)  # 0 / (0 + 0.25)
    assert f["fit_wc"] == pytest.approx(2 / 3)  # (0.5 + 0) / 0.75


def test_wc84_sigmas_equal_wc84_components_when_all_present():
    rng = np.random.default_rng(3)
    n = rng.integers(2, 12, size=(5, 4)).astype(float)
    counts = np.zeros((5, 4, 3))
    hets = np.zeros((5, 4, 3))
    for i in range(5):  # 5 loci x 4 populations, random genotypes
        for j in range(4):
            x = rng.integers(0, 3, size=(int(n[i, j]), 2))
            for k in range(3):
                c = (x == k).sum(axis=1)
                counts[i, j, k] = c.sum()
                hets[i, j, k] = (c == 1).sum()
    a, b, c = dv.wc84_components(n, counts, hets)
    sa, sb, sw, r = dv.wc84_sigmas(n, counts, hets)
    assert np.allclose(a, sa) and np.allclose(b, sb) and np.allclose(c, sw)
    assert (r == 4).all()


def test_population_untyped_at_a_locus_is_left_out_and_the_locus_kept():
    # locus L1 as in the tiny set, P3 untyped there; locus L2 typed everywhere
    l1 = P1 + P2 + [[-1, -1], [-1, -1]]
    l2 = [[100, 102], [100, 100], [102, 102], [100, 102], [100, 102], [102, 102]]
    g = _geno(np.stack([np.asarray(l1), np.asarray(l2)], axis=1),
              ["P1", "P1", "P2", "P2", "P3", "P3"])
    groups = dv.population_groups(g)
    res = dv.population_fstats(g, groups, n_bootstraps=0)
    per, summ = res["per_locus"], res["summary"]
    assert per["fst_wc"][0] == pytest.approx(2 / 3)  # as without P3 (hand-computed above)
    assert summ["n_loci_fst"] == 2  # L1 kept
    # multilocus: ratio of sums over both loci, L1 with P1 and P2 only
    memb = np.stack([m for _, m in groups]).astype(float)
    a, b, w, _ = dv.wc84_locus_sums(g.calls, memb, 2)
    assert summ["fst_wc"] == pytest.approx((a[0] + a[1]) / (a + b + w).sum())
    only_l2 = dv.population_fstats(g.without_loci({"L1"}), dv.population_groups(
        g.without_loci({"L1"})), n_bootstraps=0)["summary"]["fst_wc"]
    assert summ["fst_wc"] != pytest.approx(only_l2)  # the locus was not dropped
    # the summary and the pairwise table use the same rule
    out = dv.diversity(g, n_permutations=0, n_bootstraps=0, ld=False)
    assert out.summary.set_index("population").loc["all", "fst_wc"] == pytest.approx(
        summ["fst_wc"])
    pair = out.pairwise_fst.set_index(["pop1", "pop2"]).loc[("P1", "P3")]
    assert pair["n_loci"] == 1  # L1 typed in P1 only: adds its b, c (hierfstat na.rm sums)


def test_locus_typed_in_one_population_adds_only_b_and_c():
    # P2 untyped at L1: sigma_a undefined there; hierfstat sums b and c of L1 anyway
    l1 = P1 + [[-1, -1], [-1, -1]]
    l2 = [[100, 102], [100, 100], [102, 102], [102, 102]]
    g = _geno(np.stack([np.asarray(l1), np.asarray(l2)], axis=1), ["P1", "P1", "P2", "P2"])
    memb = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=float)
    a, b, w, r = dv.wc84_locus_sums(g.calls, memb, 2)
    assert np.isnan(a[0]) and r[0] == 1 and np.isfinite(b[0]) and np.isfinite(w[0])
    theta, _, _, used = dv.wc_fst_multilocus(g.calls, memb, 2)
    assert used == 1
    assert theta == pytest.approx(a[1] / (a[1] + b.sum() + w.sum()))
    per = dv.population_fstats(g, dv.population_groups(g), n_bootstraps=0)["per_locus"]
    assert np.isnan(per["fst_wc"][0])  # per locus: NA (hierfstat prints 0)


def test_nei_basic_stats_by_hand():
    # P1: n = 2, p = (.75, .25), sum p^2 = .625, Ho = .5
    #     Hs_1 = 2/1 (1 - .625 - .5/4) = .5 ; P2: sum p^2 = 1, Ho = 0, Hs_2 = 0
    # np = 2, harmonic n = 2, mean sum p^2 = .8125, mean Ho = .25
    # Hs = 2/1 (1 - .8125 - .25/4) = .25
    # pbar = (.375, .625), sum pbar^2 = .53125
    # Ht = 1 - .53125 + .25/(2*2) - .25/(2*2*2) = .5
    # Dst = .25, Dst' = 2/1 * .25 = .5, G_ST = .25/.5 = .5, D = .5 / (1 - .25) = 2/3
    g = _tiny()
    res = dv.population_fstats(g, dv.population_groups(g), n_bootstraps=0)
    per, summ = res["per_locus"], res["summary"]
    assert per["hs_pop"][:, 0] == pytest.approx([0.5, 0.0])
    assert (per["hs_nei"][0], per["ht_nei"][0]) == pytest.approx((0.25, 0.5))
    assert (per["gst_nei"][0], per["jost_d"][0]) == pytest.approx((0.5, 2 / 3))
    assert (summ["hs_nei"], summ["ht_nei"], summ["gst_nei"], summ["jost_d"]) == pytest.approx(
        (0.25, 0.5, 0.5, 2 / 3))


def test_nei_overall_is_ratio_of_means():
    # overall G_ST = mean Dst / mean Ht, D = mean Dst' / (1 - mean Hs) (basic.stats overall)
    st = {"hs": np.array([0.2, 0.4]), "ht": np.array([0.3, 0.6]), "dst": np.array([0.1, 0.2]),
          "dstp": np.array([0.2, 0.4]), "htp": np.array([0.4, 0.8])}
    ov = dv.nei_overall(st)
    assert ov["gst"] == pytest.approx(0.15 / 0.45)
    assert ov["jost_d"] == pytest.approx(0.3 / 0.7)


def test_summary_and_per_locus_columns_and_intervals():
    rng = np.random.default_rng(5)
    n, L = 60, 8
    pops = np.repeat(["A", "B", "C"], n // 3)
    shift = np.repeat([0, 1, 2], n // 3)[:, None, None]
    sizes = 100 + 2 * np.clip(rng.integers(0, 4, (n, L, 2)) + shift * rng.integers(0, 2, (n, L, 2)),
                              0, 5)
    g = _geno(sizes, pops)
    res = dv.diversity(g, n_permutations=0, n_bootstraps=200, seed=3, ld=False,
                       n_hwe_monte_carlo=50)
    s = res.summary.set_index("population").loc["all"]
    for name in ("fst_wc", "fis_wc", "fit_wc", "gst_nei", "jost_d"):
        assert s[f"{name}_lo"] <= s[name] <= s[f"{name}_hi"], name
    # F_IT = F_ST + F_IS - F_ST F_IS holds for ratios of sums (1 - F_IT = (1 - F_ST)(1 - F_IS))
    assert 1 - s["fit_wc"] == pytest.approx((1 - s["fst_wc"]) * (1 - s["fis_wc"]))
    assert s["n_loci_fst"] == L
    pl = res.per_locus
    assert pl.loc[pl["population"] != "all", "fst_wc"].isna().all()
    assert pl.loc[pl["population"] == "all", "fst_wc"].notna().all()
    assert pl["hs_nei"].notna().all()
    pops_rows = res.summary[res.summary["population"] != "all"]
    assert pops_rows["fis_wc"].isna().all()
    again = dv.diversity(g, n_permutations=0, n_bootstraps=200, seed=3, ld=False,
                         n_hwe_monte_carlo=50)
    assert again.summary.equals(res.summary)  # same seed, same intervals


def test_single_population_has_no_between_population_statistics():
    g = _geno(P1 + P2, ["P1"] * 4)
    res = dv.diversity(g, n_permutations=0, n_bootstraps=10, ld=False)
    s = res.summary.set_index("population").loc["all"]
    assert np.isnan(s["fst_wc"]) and np.isnan(s["fis_wc"]) and np.isnan(s["gst_nei"])
    assert s["n_loci_fst"] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_wc84_fst_recovers_island_model_truth(seed):
    """Populations drawn from Balding-Nichols frequencies with F = 0.1: WC84 theta and G_ST
    near 0.1, F_IS near 0 (random mating within populations)."""
    rng = np.random.default_rng(seed)
    L, r, n, K = 60, 5, 40, 4
    p0 = rng.dirichlet(np.ones(K), size=L)
    F = 0.1
    rows, pops = [], []
    for i in range(r):
        p = np.stack([rng.dirichlet(p0[j] * (1 - F) / F) for j in range(L)])
        cum = np.cumsum(p, axis=1)
        u = rng.random((n, L, 2))
        rows.append((u[..., None] > cum[None, :, None, :]).sum(-1))
        pops += [f"P{i}"] * n
    sizes = 100 + 2 * np.concatenate(rows)
    g = _geno(sizes, pops)
    f = dv.population_fstats(g, dv.population_groups(g), n_bootstraps=0)["summary"]
    assert f["fst_wc"] == pytest.approx(F, abs=0.03)
    assert f["fis_wc"] == pytest.approx(0.0, abs=0.03)
    assert f["gst_nei"] == pytest.approx(F, abs=0.04)
