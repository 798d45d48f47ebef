"""leogen.popgen.diversity and ``leogen diversity``: hand cases, scikit-allel / PLINK 2 agreement,
property tests, edge cases, CLI errors and truth recovery."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from helpers import dosage_counts, random_snp_dosages, write_dosage_vcf
from hypothesis import given, settings
from hypothesis import strategies as st

from leogen.cli import main
from leogen.io.longtable import write_long
from leogen.model.genotypes import Genotypes
from leogen.popgen.diversity import (
    allele_tallies,
    diversity,
    pairwise_fst,
    per_locus_table,
    population_groups,
    rarefied_richness,
    wc_fst_multilocus,
)


def make(calls, pops=None, labels=None):
    calls = np.asarray(calls)
    n, L, _ = calls.shape
    if labels is None:
        k = max(int(calls.max()) + 1, 1)
        labels = tuple(np.arange(100, 100 + 2 * k, 2) for _ in range(L))
    return Genotypes(calls, [f"i{i}" for i in range(n)], [f"L{j}" for j in range(L)],
                     labels, pops)


def random_genotypes(seed=0, n=60, L=8, K=6, missing=0.05, pops=("A", "B", "C")):
    rng = np.random.default_rng(seed)
    calls = np.stack([rng.choice(K, size=(n, 2), p=rng.dirichlet(np.ones(K)))
                      for _ in range(L)], axis=1)
    calls[rng.random((n, L)) < missing] = -1
    pop = np.array([pops[i % len(pops)] for i in range(n)]) if pops else None
    return make(calls, pop, tuple(np.arange(K) * 2 + 150 for _ in range(L)))


def row(df, locus, pop):
    r = df[(df["locus"] == locus) & (df["population"] == pop)]
    assert len(r) == 1
    return r.iloc[0]


# ------------------------------------------------------------------ hand cases
def test_hand_case_one_locus():
    # AA, AB, AB, BB: N = 4, p_A = p_B = 0.5
    g = make([[[0, 0]], [[0, 1]], [[0, 1]], [[1, 1]]])
    res = diversity(g, n_permutations=0, n_bootstraps=0)
    r = row(res.per_locus, "L0", "all")
    assert r["n_typed"] == 4 and r["n_alleles"] == 2
    assert r["ho"] == pytest.approx(0.5)  # 2 heterozygotes of 4
    assert r["he"] == pytest.approx(0.5)  # 1 - (0.25 + 0.25)
    assert r["he_unbiased"] == pytest.approx(8 / 7 * 0.5)  # 2N/(2N-1) He
    # WC84, one population, per allele k: c = h_k/2 = 0.5/2; b + c = N/(N-1) p(1-p) - h/(4(N-1))
    # = 4/3 * 0.25 - 0.5/12 = 0.291667; two alleles: sum c = 0.5, sum(b+c) = 0.583333
    assert r["fis"] == pytest.approx(1 - 0.5 / (2 * (4 / 3 * 0.25 - 0.5 / 12)))
    assert r["fis"] == pytest.approx(1 / 7)
    # null alleles with He = 4/7, Ho = 1/2: Brookfield (1/14)/(11/7) = 1/22,
    # Chakraborty (1/14)/(15/14) = 1/15
    assert r["null_allele_brookfield"] == pytest.approx(1 / 22)
    assert r["null_allele_freq"] == pytest.approx(1 / 22)
    assert r["null_allele_chakraborty"] == pytest.approx(1 / 15)
    assert r["null_allele_flag"] == False  # noqa: E712  (1/22 < 0.05)
    # HWE: n_A = n_B = 4, n = 4; P(H=h) = 4!/(nAA! h! nBB!) 2^h 4! 4! / 8!
    # H=0: 6*576/40320 = 0.085714; H=2: 12*4*576/40320 = 0.685714; H=4: 1*16*576/40320 = 0.228571
    # observed H=2 is the most probable: p = 1; deficit P(H<=2) = 0.771429; excess 0.914286
    assert r["hwe_p"] == pytest.approx(1.0)
    assert r["hwe_p_deficit"] == pytest.approx((6 + 48) * 576 / 40320)
    assert r["hwe_p_excess"] == pytest.approx((48 + 16) * 576 / 40320)
    assert r["hwe_method"] == "exact_biallelic"


def test_allelic_richness_hand_case():
    # 3 copies of allele 1, 1 copy of allele 2 (2N = 4), rarefied to g = 2 gene copies:
    # allele 1: 1 - C(1, 2)/C(4, 2) = 1 - 0 = 1; allele 2: 1 - C(3, 2)/C(4, 2) = 1 - 3/6
    assert rarefied_richness(np.array([[3, 1]]), [2])[0] == pytest.approx(1.5)
    # g = 2N gives the number of alleles; g > 2N is undefined
    assert rarefied_richness(np.array([[3, 1, 0]]), [4])[0] == pytest.approx(2)
    assert np.isnan(rarefied_richness(np.array([[3, 1]]), [5])[0])
    # 2N = 6 with copies (2, 2, 2), g = 4: each allele 1 - C(4, 4)/C(6, 4) = 1 - 1/15
    assert rarefied_richness(np.array([[2, 2, 2]]), [4])[0] == pytest.approx(3 * 14 / 15)


def test_rarefaction_to_smallest_population_and_private_alleles():
    # pop A (2 individuals): 0/0, 0/1 ; pop B (3): 1/2, 2/2, 1/1
    calls = [[[0, 0]], [[0, 1]], [[1, 2]], [[2, 2]], [[1, 1]]]
    g = make(calls, ["A", "A", "B", "B", "B"])
    res = diversity(g, n_permutations=0, n_bootstraps=0)
    a, b, al = (row(res.per_locus, "L0", p) for p in ("A", "B", "all"))
    assert a["rarefaction_size"] == 4 and b["rarefaction_size"] == 4  # min 2N = 4
    assert a["allelic_richness"] == pytest.approx(2.0)  # A: g = 2N_A, Ar = n alleles
    # B: copies allele1 = 3, allele2 = 3, 2N = 6, g = 4: 2 * (1 - C(3,4)/C(6,4)) = 2
    assert b["allelic_richness"] == pytest.approx(2.0)
    # pooled: copies (3, 4, 3), 2N = 10, g = 4:
    # 1 - C(7,4)/C(10,4) = 1 - 35/210 ; 1 - C(6,4)/C(10,4) = 1 - 15/210 ; twice the first
    assert al["allelic_richness"] == pytest.approx(2 * (1 - 35 / 210) + (1 - 15 / 210))
    assert a["private_alleles"] == 1  # allele 0 only in A
    assert b["private_alleles"] == 1  # allele 2 only in B
    assert pd.isna(al["private_alleles"])


def test_global_rarefaction_as_hierfstat():
    # L0 as above (A: 2 typed, B: 3 typed); L1 typed in all 5: per-locus g = (4, 4),
    # global g = min over loci and populations of 2N = 4 as well; make L1 bigger in A
    calls = [[[0, 0], [0, 1]], [[0, 1], [1, 1]], [[1, 2], [0, 0]], [[2, 2], [0, 1]],
             [[1, 1], [1, 1]], [[-1, -1], [0, 0]], [[-1, -1], [1, 1]]]
    g = make(calls, ["A", "A", "B", "B", "B", "A", "A"])
    loc = per_locus_table(g, n_monte_carlo=10)[0].set_index(["locus", "population"])
    glo = per_locus_table(g, n_monte_carlo=10, rarefaction="global")[0].set_index(
        ["locus", "population"])
    assert loc.loc[("L0", "A"), "rarefaction_size"] == 4  # A has 2 typed at L0
    assert loc.loc[("L1", "A"), "rarefaction_size"] == 6  # B has 3 typed at L1, A has 4
    assert (glo["rarefaction_size"] == 4).all()
    # L1 in A: genotypes 0/1, 1/1, 0/0, 1/1 -> copies allele0 = 1+0+2+0 = 3, allele1 = 5;
    # rarefied to 4 of 8: [1 - C(5,4)/C(8,4)] + [1 - C(3,4)/C(8,4)] = (1 - 5/70) + 1
    assert glo.loc[("L1", "A"), "allelic_richness"] == pytest.approx(2 - 5 / 70)


def test_wc84_fst_fixed_differences_is_one():
    # pop1 AA AA, pop2 BB BB. n = (2, 2), nbar = 2, nc = (4 - 8/4)/1 = 2; allele A:
    # pbar = 0.5, s2 = (2*0.25 + 2*0.25)/(1*2) = 0.5, hbar = 0,
    # a = 2/2 (0.5 - (0.25 - 0.5*0.5 - 0)/1) = 0.5, b = 2/1 (0.25 - 0.25 - 0) = 0, c = 0
    g = make([[[0, 0]], [[0, 0]], [[1, 1]], [[1, 1]]], ["P", "P", "Q", "Q"])
    theta, sa, sabc, used = wc_fst_multilocus(g.calls, np.array([[1, 1, 0, 0], [0, 0, 1, 1]]), 2)
    assert sa == pytest.approx(1.0)  # 0.5 per allele, two alleles
    assert theta == pytest.approx(1.0)
    fst = pairwise_fst(g, population_groups(g), n_permutations=300, seed=2)
    assert fst.loc[0, "fst_wc"] == pytest.approx(1.0)
    # only the 2 of C(4, 2) = 6 splits that keep the pairs together reach theta = 1
    assert 0.2 < fst.loc[0, "p_value"] < 0.47


def test_wc84_matches_scikit_allel():
    import allel

    g = random_genotypes(seed=4, n=75, L=10, K=7)
    groups = population_groups(g)
    memb = np.stack([m for _, m in groups]).astype(float)
    theta, _, _, _ = wc_fst_multilocus(g.calls, memb, 7)
    subpops = [list(np.flatnonzero(m)) for _, m in groups]
    a, b, c = allel.weir_cockerham_fst(g.to_allel(), subpops, max_allele=6)
    assert theta == pytest.approx(np.nansum(a) / np.nansum(a + b + c), rel=1e-10)
    res = diversity(g, n_permutations=0, n_bootstraps=0, ld=False)
    assert res.summary.set_index("population").loc["all", "fst_wc"] == pytest.approx(theta)
    # pairwise against scikit-allel on the two populations alone
    fst = pairwise_fst(g, groups, n_permutations=0)
    a, b, c = allel.weir_cockerham_fst(g.to_allel(), subpops[:2], max_allele=6)
    assert fst.loc[0, "fst_wc"] == pytest.approx(np.nansum(a) / np.nansum(a + b + c), rel=1e-10)


def test_multilocus_fis_is_ratio_of_sums_and_bootstrap():
    # L0: AA, AB, AB, BB (sum c = 0.5, sum(b+c) = 7/12, see the one-locus case)
    # L1: AA, AA, BB, BB: Ho = 0, He = 0.5: sum c = 0, sum(b+c) = 4/3 * 0.5 = 2/3
    g = make([[[0, 0], [0, 0]], [[0, 1], [0, 0]], [[0, 1], [1, 1]], [[1, 1], [1, 1]]])
    res = diversity(g, n_permutations=0, n_bootstraps=500, seed=3)
    s = res.summary.set_index("population").loc["all"]
    assert s["fis"] == pytest.approx(1 - (0.5 + 0) / (7 / 12 + 2 / 3))
    assert row(res.per_locus, "L1", "all")["fis"] == pytest.approx(1.0)
    # bootstrap over 2 loci: resamples are {L0,L0}, {L1,L1}, {L0,L1}: 1/7, 1, 0.6
    assert s["fis_lo"] == pytest.approx(1 / 7)
    assert s["fis_hi"] == pytest.approx(1.0)
    assert s["mean_ho"] == pytest.approx(0.25) and s["mean_ho_se"] == pytest.approx(0.25)
    assert s["mean_he"] == pytest.approx(0.5) and s["mean_he_se"] == pytest.approx(0.0)


# ------------------------------------------------------------------ peers
def test_ho_he_agree_with_scikit_allel():
    import allel

    g = random_genotypes(seed=5, n=50, L=12, K=5, pops=None)
    table, *_ = per_locus_table(g, n_monte_carlo=100)
    ga = g.to_allel()
    af = ga.count_alleles(max_allele=4).to_frequencies()
    np.testing.assert_allclose(table["ho"], allel.heterozygosity_observed(ga), rtol=1e-12)
    he_allel = allel.heterozygosity_expected(af, ploidy=2)
    # scikit-allel 1.3 fills NaN where the frequencies sum to 1 - 1e-16 (rounding), so compare
    # those loci with 1 - sum p^2 of its own frequencies
    ok = ~np.isnan(he_allel)
    assert ok.sum() >= 8
    np.testing.assert_allclose(table["he"][ok], he_allel[ok], rtol=1e-12)
    np.testing.assert_allclose(table["he"][~ok], 1 - (np.asarray(af)[~ok] ** 2).sum(axis=1),
                               rtol=1e-12)


@pytest.mark.peer
def test_snp_frequencies_and_hwe_match_plink2(tmp_path, peer):
    plink = peer("plink2")

    geno = random_snp_dosages(np.random.default_rng(21), n_var=40, n_s=30)
    vcf = tmp_path / "x.vcf"
    write_dosage_vcf(vcf, geno)
    subprocess.run([plink, "--vcf", str(vcf), "--freq", "counts", "--hardy", "--out",
                    str(tmp_path / "x"), "--threads", "1"], check=True, capture_output=True)
    calls = np.full(geno.T.shape + (2,), -1)
    calls[geno.T >= 0] = 0
    calls[..., 1][geno.T == 1] = 1
    calls[geno.T == 2] = 1
    g = Genotypes(calls, [f"s{i}" for i in range(geno.shape[1])],
                  [f"v{v}" for v in range(geno.shape[0])],
                  tuple(np.array(["A", "G"], dtype=object) for _ in range(geno.shape[0])))
    assert g.is_snp
    res = diversity(g, n_permutations=0, n_bootstraps=0, ld=False)
    freq = pd.read_csv(tmp_path / "x.acount", sep="\t").set_index("ID")
    alt = res.allele_freqs[(res.allele_freqs["allele"] == "G")
                           & (res.allele_freqs["population"] == "all")].set_index("locus")
    np.testing.assert_array_equal(alt["count"].to_numpy(),
                                  freq.loc[alt.index, "ALT_CTS"].to_numpy())
    np.testing.assert_array_equal(2 * alt["n_typed"].to_numpy(),
                                  freq.loc[alt.index, "OBS_CT"].to_numpy())
    hardy = pd.read_csv(tmp_path / "x.hardy", sep="\t").set_index("ID")
    pl = res.per_locus[res.per_locus["population"] == "all"].set_index("locus")
    poly = pl["n_alleles"] == 2
    np.testing.assert_allclose(pl.loc[poly, "hwe_p"].to_numpy(dtype=float),
                               hardy.loc[pl.index[poly], "P"].to_numpy(dtype=float), rtol=5e-6)
    assert pl.loc[~poly, "hwe_p"].isna().all()
    assert (pl.loc[~poly, "note"] == "monomorphic; private alleles need 2 or more populations"
            ).all()


# ------------------------------------------------------------------ properties
genotype_arrays = st.integers(2, 12).flatmap(lambda n: st.integers(1, 3).flatmap(
    lambda L: st.lists(st.lists(st.tuples(st.integers(-1, 3), st.integers(0, 3)),
                                min_size=L, max_size=L), min_size=n, max_size=n)))


def _det_columns(df):
    cols = ["locus", "population", "n_typed", "n_alleles", "allelic_richness",
            "rarefaction_size", "private_alleles", "ho", "he", "he_unbiased", "fis",
            "null_allele_brookfield", "null_allele_chakraborty", "hwe_p", "hwe_p_deficit",
            "hwe_p_excess", "note"]
    return df[cols].reset_index(drop=True)


@settings(max_examples=30, deadline=None)
@given(genotype_arrays, st.randoms(use_true_random=False))
def test_invariant_to_sample_order_and_allele_relabelling(data, rnd):
    calls = np.array(data)
    n, L, _ = calls.shape
    pops = np.array(["A" if i % 2 else "B" for i in range(n)])
    g = make(calls, pops, tuple(np.arange(4) * 2 + 100 for _ in range(L)))
    base, *_ = per_locus_table(g, n_monte_carlo=200)
    order = list(range(n))
    rnd.shuffle(order)
    relabelled = calls.copy()
    for j in range(L):
        perm = list(range(4))
        rnd.shuffle(perm)
        c = relabelled[:, j, :]
        relabelled[:, j, :] = np.where(c >= 0, np.array(perm)[np.maximum(c, 0)], -1)
    g2 = make(relabelled[order][:, :, ::-1], pops[order],
              tuple(np.arange(4) * 2 + 100 for _ in range(L)))
    other, *_ = per_locus_table(g2, n_monte_carlo=200)
    pd.testing.assert_frame_equal(_det_columns(base), _det_columns(other), rtol=1e-9)
    f1 = pairwise_fst(g, population_groups(g), n_permutations=0)
    f2 = pairwise_fst(g2, population_groups(g2), n_permutations=0)
    pd.testing.assert_frame_equal(f1, f2, rtol=1e-9)
    he = base["he"].dropna()
    assert ((he >= 0) & (he <= 1)).all()
    for col in ("ho", "he_unbiased"):
        v = base[col].dropna()
        assert ((v >= 0) & (v <= 1 + 1e-12)).all()
    # every NaN statistic has a reason
    nan_rows = base["he_unbiased"].isna() | base["fis"].isna()
    assert (base.loc[nan_rows, "note"] != "").all()


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(0, 0.6))
def test_missing_data_is_ignored_not_counted(seed, frac):
    g = random_genotypes(seed=seed, n=20, L=3, K=4, missing=0.0, pops=None)
    rng = np.random.default_rng(seed)
    calls = g.calls.copy()
    drop = rng.random(calls.shape[:2]) < frac
    calls[drop] = -1
    gm = make(calls, None, g.alleles)
    t, *_ = per_locus_table(gm, n_monte_carlo=50)
    n_typed, counts, _, n_het = allele_tallies(calls, 4)
    np.testing.assert_array_equal(t["n_typed"], (~drop).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        expect_ho = n_het / n_typed
        p = counts / (2 * n_typed[:, None])
        expect_he = 1 - (p ** 2).sum(axis=1)
    np.testing.assert_allclose(t["ho"], expect_ho)
    np.testing.assert_allclose(t["he"], expect_he)


# ------------------------------------------------------------------ edge cases
def test_monomorphic_and_all_missing_loci_and_samples():
    calls = np.array([
        [[0, 0], [-1, -1], [0, 1]],
        [[0, 0], [-1, -1], [1, 1]],
        [[0, 0], [-1, -1], [0, 0]],
        [[-1, -1], [-1, -1], [-1, -1]],  # a sample with no call
    ])
    g = make(calls, None, (np.array([120]), np.array([130, 132]), np.array([140, 142])))
    res = diversity(g, n_permutations=50, n_bootstraps=50)
    mono = row(res.per_locus, "L0", "all")
    assert mono["he"] == 0 and mono["ho"] == 0 and mono["n_alleles"] == 1
    assert np.isnan(mono["fis"]) and np.isnan(mono["hwe_p"]) and mono["hwe_method"] == "none"
    assert np.isnan(mono["null_allele_brookfield"])
    assert "monomorphic" in mono["note"]
    empty = row(res.per_locus, "L1", "all")
    assert empty["n_typed"] == 0
    assert all(np.isnan(empty[c]) for c in ("ho", "he", "he_unbiased", "fis", "hwe_p",
                                             "allelic_richness"))
    assert "no typed individuals" in empty["note"]
    s = res.summary.iloc[0]
    assert s["n_individuals"] == 4 and s["n_individuals_typed"] == 3
    assert s["n_loci"] == 2 and s["n_loci_polymorphic"] == 1
    ld = res.ld.set_index(["locus1", "locus2"])
    assert np.isnan(ld.loc[("L0", "L2"), "p_value"])
    assert "one genotype" in ld.loc[("L0", "L2"), "note"]
    assert "fewer than 3" in ld.loc[("L1", "L2"), "note"]


def test_one_individual():
    g = make([[[0, 1], [0, 0]]])
    res = diversity(g, n_permutations=10, n_bootstraps=10)
    r = row(res.per_locus, "L0", "all")
    assert r["ho"] == 1 and r["he"] == 0.5
    assert np.isnan(r["he_unbiased"]) and np.isnan(r["fis"]) and np.isnan(r["hwe_p"])
    assert "fewer than 2 typed individuals" in r["note"]
    s = res.summary.iloc[0]
    assert np.isnan(s["fis"]) and "population of size 1" in s["note"]


def test_population_of_size_one():
    g = random_genotypes(seed=8, n=21, L=4, K=4, pops=None)
    pops = np.array(["big"] * 20 + ["lone"])
    res = diversity(g.with_populations(pops), n_permutations=20, n_bootstraps=20)
    lone = res.per_locus[res.per_locus["population"] == "lone"]
    assert lone["fis"].isna().all() and lone["allelic_richness"].isna().all()
    assert lone["note"].str.contains("fewer than 2 typed individuals|no typed individuals").all()
    big = res.per_locus[res.per_locus["population"] == "big"]
    # the lone animal does not drag the rarefaction size down to 2 gene copies
    assert (big["rarefaction_size"] >= 30).all()
    fst = res.pairwise_fst.iloc[0]
    assert np.isnan(fst["fst_wc"]) and "fewer than 2" in fst["note"]
    assert "population of size 1" in res.summary.set_index("population").loc["lone", "note"]


def test_reserved_population_name():
    g = random_genotypes(seed=1, n=6, L=2, K=3, pops=("all", "x"))
    with pytest.raises(Exception, match="reserved"):
        diversity(g)


# ------------------------------------------------------------------ CLI
def _write_inputs(tmp_path, g):
    gp = tmp_path / "geno.tsv"
    write_long(g.with_populations(None), gp)
    pp = tmp_path / "pops.tsv"
    pd.DataFrame({"individual_id": g.samples, "site": g.populations}).to_csv(
        pp, sep="\t", index=False)
    return gp, pp


def test_cli_writes_all_tables_deterministically(tmp_path):
    g = random_genotypes(seed=2, n=45, L=6, K=6)
    gp, pp = _write_inputs(tmp_path, g)
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        rc = main(["diversity", "--genotypes", str(gp), "--populations", str(pp),
                   "--population-column", "site", "--out-dir", str(out),
                   "--permutations", "99", "--bootstraps", "99", "--hwe-monte-carlo", "500",
                   "--seed", "7"] + (["--plots"] if k == 0 else []))
        assert rc == 0
        outs.append(out)
    for name in ("per_locus.tsv", "summary.tsv", "pairwise_fst.tsv", "ld.tsv",
                 "allele_freqs.tsv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert (outs[0] / "ho_he.png").stat().st_size > 1000
    assert (outs[0] / "allele_freqs.png").stat().st_size > 1000
    per_locus = pd.read_csv(outs[0] / "per_locus.tsv", sep="\t")
    assert set(per_locus["population"]) == {"A", "B", "C", "all"}
    assert len(per_locus) == 6 * 4
    fst = pd.read_csv(outs[0] / "pairwise_fst.tsv", sep="\t")
    assert len(fst) == 3 and (fst["n_permutations"] == 99).all()
    ld = pd.read_csv(outs[0] / "ld.tsv", sep="\t")
    assert len(ld) == 15 * 4
    assert (ld["q_value_bh"].dropna() >= ld["p_value"].dropna() - 1e-12).all()
    assert "NA" in (outs[0] / "summary.tsv").read_text()  # fst_wc of populations is NA


def test_cli_populations_from_sample_id_column(tmp_path):
    g = random_genotypes(seed=3, n=12, L=3, K=3, pops=("x", "y"))
    gp, _ = _write_inputs(tmp_path, g)
    pp = tmp_path / "sheet.csv"
    pd.DataFrame({"sample_id": g.samples, "area": g.populations}).to_csv(pp, index=False)
    rc = main(["diversity", "--genotypes", str(gp), "--populations", str(pp),
               "--population-column", "area", "--out-dir", str(tmp_path / "o"),
               "--permutations", "9", "--bootstraps", "9", "--no-ld"])
    assert rc == 0
    s = pd.read_csv(tmp_path / "o" / "summary.tsv", sep="\t")
    assert list(s["population"]) == ["x", "y", "all"]
    assert len(pd.read_csv(tmp_path / "o" / "ld.tsv", sep="\t")) == 0


@pytest.mark.parametrize("case,expected", [
    ("missing_file", "file not found"),
    ("bad_column", "no column 'region'"),
    ("unmapped", "not in the population table"),
    ("replicates", "several replicates per sample and locus"),
    ("all_missing", "every genotype is missing"),
    ("negative", "--permutations must be >= 0"),
    ("ld_window", "--ld-window must be >= 1"),
    ("no_id_column", "expected an id column 'individual_id' or 'sample_id'"),
    ("reserved", "population name 'all' is reserved"),
    ("conflict", "has different values of 'site'"),
    ("empty_pop", "'site' is empty for 1 individual(s)"),
])
def test_cli_bad_input_exit_2(tmp_path, capsys, case, expected):
    g = random_genotypes(seed=3, n=8, L=2, K=3, pops=("x", "y"))
    gp, pp = _write_inputs(tmp_path, g)
    args = ["diversity", "--genotypes", str(gp), "--out-dir", str(tmp_path / "o")]
    if case == "missing_file":
        args[2] = str(tmp_path / "nope.tsv")
    elif case == "bad_column":
        args += ["--populations", str(pp), "--population-column", "region"]
    elif case == "unmapped":
        pd.DataFrame({"individual_id": g.samples[:5], "site": g.populations[:5]}).to_csv(
            pp, sep="\t", index=False)
        args += ["--populations", str(pp)]
    elif case == "replicates":
        text = gp.read_text().splitlines()
        extra = text[1].split("\t")
        extra[1] = "2"
        gp.write_text("\n".join(text + ["\t".join(extra)]) + "\n")
    elif case == "all_missing":
        gp.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\n"
                      "a\t1\tL0\t0\t0\nb\t1\tL0\t\t\n")
    elif case == "negative":
        args += ["--permutations", "-5"]
    elif case == "ld_window":
        args += ["--ld-window", "0"]
    elif case == "no_id_column":
        pd.DataFrame({"animal": g.samples, "site": g.populations}).to_csv(
            pp, sep="\t", index=False)
        args += ["--populations", str(pp)]
    elif case in ("reserved", "conflict", "empty_pop"):
        sites = list(g.populations)
        ids = list(g.samples)
        if case == "reserved":
            sites[0] = "all"
        elif case == "conflict":
            ids.append(ids[0])
            sites.append("elsewhere")
        else:
            sites[2] = ""
        pd.DataFrame({"individual_id": ids, "site": sites}).to_csv(pp, sep="\t", index=False)
        args += ["--populations", str(pp)]
    rc = main(args)
    err = capsys.readouterr().err
    assert rc == 2
    assert expected in err
    assert "Traceback" not in err
    if case in ("bad_column", "unmapped", "no_id_column", "conflict", "empty_pop", "reserved"):
        assert str(pp) in err


def test_cli_snp_vcf(tmp_path):
    formats = pytest.importorskip("leogen.io.formats")

    from leogen.popgen.hwe import snp_hwe_exact

    geno = random_snp_dosages(np.random.default_rng(5), n_var=30, n_s=24)
    vcf = tmp_path / "x.vcf"
    write_dosage_vcf(vcf, geno)
    g = formats.read_genotypes(vcf)
    assert g.is_snp and g.n_loci == 30
    rc = main(["diversity", "--genotypes", str(vcf), "--out-dir", str(tmp_path / "o"),
               "--ld-window", "3", "--permutations", "9", "--bootstraps", "9"])
    assert rc == 0
    pl = pd.read_csv(tmp_path / "o" / "per_locus.tsv", sep="\t")
    poly = pl["n_alleles"] == 2
    assert (pl.loc[poly, "hwe_method"] == "exact_biallelic").all()
    p, _, _ = snp_hwe_exact(*dosage_counts(geno))
    np.testing.assert_allclose(pl.loc[poly, "hwe_p"], p[poly.to_numpy()], rtol=1e-5)
    ld = pd.read_csv(tmp_path / "o" / "ld.tsv", sep="\t")
    assert (ld["method"] == "rogers_huff_r2_chi2").all()
    assert len(ld) == sum(min(3, 29 - i) for i in range(30))


# ------------------------------------------------------------------ truth recovery
@pytest.mark.slow
def test_truth_he_recovered_from_identified_individuals(tmp_path):
    """Simulated population: He of the animals' true genotypes vs He estimated from the
    individuals identified from error-prone scat/blood replicates (consensus + identify)."""
    sim = pytest.importorskip("leogen.simulate")
    pytest.importorskip("leogen.qc.consensus")
    pytest.importorskip("leogen.identify.matching")
    sim.simulate(None, 3, tmp_path / "sim")
    d = tmp_path / "sim"
    assert main(["consensus", "--genotypes", str(d / "genotypes.tsv"), "--samples",
                 str(d / "samples.tsv"), "--out-dir", str(tmp_path / "cons")]) == 0
    assert main(["identify", "--consensus", str(tmp_path / "cons" / "consensus.tsv"),
                 "--samples", str(d / "samples.tsv"), "--out-dir", str(tmp_path / "id")]) == 0
    common = ["--permutations", "49", "--bootstraps", "99", "--hwe-monte-carlo", "500",
              "--no-ld"]
    assert main(["diversity", "--genotypes", str(tmp_path / "id" / "individual_genotypes.tsv"),
                 "--out-dir", str(tmp_path / "est")] + common) == 0
    assert main(["diversity", "--genotypes", str(d / "truth" / "genotypes_true.tsv"),
                 "--out-dir", str(tmp_path / "true")] + common) == 0
    est = pd.read_csv(tmp_path / "est" / "per_locus.tsv", sep="\t").set_index("locus")
    true = pd.read_csv(tmp_path / "true" / "per_locus.tsv", sep="\t").set_index("locus")
    # He of the true genotypes equals 1 - sum p^2 of their allele frequencies
    from leogen.io.longtable import read_long

    tg = read_long(d / "truth" / "genotypes_true.tsv").single()
    tg = tg.subset(loci=tg.loci != "AMEL")  # the sex marker is left out (--exclude-loci)
    assert "AMEL" not in true.index
    from leogen.model.frequencies import expected_heterozygosity

    np.testing.assert_allclose(true.loc[tg.loci, "he"].to_numpy(),
                               expected_heterozygosity(tg.allele_frequencies()),
                               rtol=5e-6)  # %.6g
    diff = (est.loc[true.index, "he_unbiased"] - true["he_unbiased"]).abs()
    assert diff.mean() < 0.03, diff
    assert diff.max() < 0.1, diff
    s_est = pd.read_csv(tmp_path / "est" / "summary.tsv", sep="\t").iloc[0]
    s_true = pd.read_csv(tmp_path / "true" / "summary.tsv", sep="\t").iloc[0]
    assert abs(s_est["mean_he_unbiased"] - s_true["mean_he_unbiased"]) < 0.02
    # the true mean He lies inside the estimate's +- 2 SE
    assert abs(s_est["mean_he_unbiased"] - s_true["mean_he_unbiased"]) < 2 * s_est[
        "mean_he_unbiased_se"]


def test_unbiased_he_of_samples_is_unbiased():
    """Samples of 10 from a large population: mean of He_unbiased over loci and samples is
    the population He (1 - sum p^2 is biased low by the factor (2N-1)/2N)."""
    pop = random_genotypes(seed=10, n=4000, L=10, K=6, missing=0.0, pops=None)
    true = per_locus_table(pop, n_monte_carlo=10)[0]["he"].to_numpy()
    rng = np.random.default_rng(0)
    est_u, est_b = [], []
    for _ in range(40):
        idx = rng.choice(4000, size=10, replace=False)
        t, *_ = per_locus_table(pop.subset(samples=idx), n_monte_carlo=10)
        est_u.append(t["he_unbiased"].to_numpy())
        est_b.append(t["he"].to_numpy())
    bias_u = (np.array(est_u) - true).mean()
    bias_b = (np.array(est_b) - true).mean()
    assert abs(bias_u) < 0.01
    assert bias_b == pytest.approx(-true.mean() / 20, abs=0.01)  # E[He] = (2N-1)/2N He


def test_individual_populations_by_site_and_period():
    from leogen.popgen.diversity import individual_populations

    links = pd.DataFrame({
        "sample_id": ["s1", "s2", "s3", "s4", "s5", "s6", "s7"],
        "individual_id": ["A", "A", "A", "B", "B", "C", "NA"],
    })
    samples = pd.DataFrame({
        "sample_id": ["s1", "s2", "s3", "s4", "s5", "s6", "s7"],
        "site": ["X", "Y", "Y", "Z", "X", "X", "Y"],
        "date": pd.to_datetime(["2017-05-01", "2018-01-01", "2019-01-01", "2020-06-01",
                                "2019-03-01", "2021-02-01", "2017-01-01"]),
    })
    by_site = individual_populations(links, samples, "site")
    # A: two samples at Y, one at X -> Y; B: one each at X (2019, first) and Z -> X (first)
    assert dict(zip(by_site["individual_id"], by_site["population"], strict=True)) == {
        "A": "Y", "B": "X", "C": "X"}
    by_period = individual_populations(links, samples, "period", period_years=2)
    # periods from 2017 (the first sample year of an identified animal): 2017-2018, 2019-2020,
    # 2021-2022; first detections A 2017, B 2019, C 2021
    assert dict(zip(by_period["individual_id"], by_period["population"], strict=True)) == {
        "A": "2017-2018", "B": "2019-2020", "C": "2021-2022"}


def test_cli_group_by_and_excluded_sex_marker(tmp_path, capsys):
    from leogen.cli import main as cli

    geno = tmp_path / "g.tsv"
    rows = ["sample_id\treplicate\tlocus\tallele1\tallele2"]
    rng = np.random.default_rng(3)
    ids = [f"L{i}" for i in range(12)]
    for i in ids:
        for loc in ("FCA1", "FCA2", "FCA3"):
            a, b = sorted(rng.choice([100, 102, 104, 106], 2))
            rows.append(f"{i}\t1\t{loc}\t{a}\t{b}")
        rows.append(f"{i}\t1\tAMEL\t194\t214")
    geno.write_text("\n".join(rows) + "\n")
    links = tmp_path / "si.tsv"
    links.write_text("sample_id\tindividual_id\n" + "".join(f"s{k}\t{i}\n" for k, i in enumerate(ids)))
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\n" + "".join(
        f"s{k}\tscat\t{2017 + k // 4}-01-01\tS{k % 2}\t43.1\t131.2\n" for k in range(12)))
    out = tmp_path / "out"
    assert cli(["diversity", "--genotypes", str(geno), "--out-dir", str(out), "--group-by",
                "period", "--period-years", "1", "--sample-individual", str(links),
                "--samples", str(sheet), "--permutations", "10", "--bootstraps", "10"]) == 0
    per_locus = pd.read_csv(out / "per_locus.tsv", sep="\t")
    assert "AMEL" not in set(per_locus["locus"])
    pops = pd.read_csv(out / "populations.tsv", sep="\t")
    assert sorted(set(pops["population"])) == ["2017-2017", "2018-2018", "2019-2019"]
    assert cli(["diversity", "--genotypes", str(geno), "--out-dir", str(out), "--group-by",
                "site"]) == 2
    assert "--group-by needs --sample-individual and --samples" in capsys.readouterr().err


def test_yearly_diversity_hand_computed():
    """2020: A (100/102), B (100/100): Ho 1/2, p = (3/4, 1/4), uHe = 4/3 (1 - 10/16) = 1/2;
    2021: B, C (102/104): Ho 1/2, p = (1/2, 1/4, 1/4), uHe = 4/3 (1 - 6/16) = 5/6.
    Rarefied to 4 gene copies (the smallest year) Ar is the allele count: 2 and 3."""
    from leogen.popgen.diversity import yearly_diversity

    sizes = np.array([[[100, 102], [194, 214]], [[100, 100], [214, 214]],
                      [[102, 104], [194, 214]]])
    g = Genotypes.from_labels(sizes, ["A", "B", "C"], ["FCA1", "AMEL"])
    det = pd.DataFrame({"year": [2020, 2020, 2021, 2021, 2022],
                        "individual_id": ["A", "B", "B", "C", "C"]})
    y = yearly_diversity(g, det).set_index("year")
    assert y.loc[2020, "n_loci"] == 1  # AMEL left out
    assert y.loc[2020, "mean_ho"] == pytest.approx(0.5)
    assert y.loc[2020, "mean_he_unbiased"] == pytest.approx(0.5)
    assert y.loc[2021, "mean_he_unbiased"] == pytest.approx(5 / 6)
    assert y.loc[2020, "rarefaction_size"] == 4
    assert y.loc[2020, "mean_ar"] == pytest.approx(2.0)
    assert y.loc[2021, "mean_ar"] == pytest.approx(3.0)
    assert y.loc[2022, "note"] == "fewer than 2 genotyped animals"
    assert np.isnan(y.loc[2022, "mean_ho"])
