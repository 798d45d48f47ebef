"""Tests for leogen.popgen.relatedness and ``leogen relatedness``.

Hand-computed cases follow the papers' formulas (arithmetic written out below), then edge
cases (duplicates, monomorphic loci, missing data, one pair, too few loci), then truth
recovery on pedigrees dropped in this file from known allele frequencies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import founder_genotypes, offspring

from leogen.cli import main
from leogen.io.longtable import write_long
from leogen.model.frequencies import AlleleFreqs, allele_frequencies
from leogen.model.genotypes import Genotypes
from leogen.popgen import relatedness as rel

# locus 1: alleles 0, 1, 2 with p = .5, .3, .2; locus 2: alleles 0, 1 with p = .6, .4
FREQS = np.array([[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]])
AF = AlleleFreqs(FREQS, None, "test")
# x = (0,1) (0,0); y = (0,2) (0,1)
X = np.array([[[0, 1], [0, 0]]])
Y = np.array([[[0, 2], [0, 1]]])


def est(x=X, y=Y, af=AF, **kw):
    kw.setdefault("min_loci", 1)
    return rel.estimate_pairs(np.asarray(x), np.asarray(y), af, **kw).iloc[0]


# ----------------------------------------------------------------------- hand computed
def test_queller_goodnight_by_hand():
    # r_xy = sum[(S_ac+S_ad+S_bc+S_bd)/2 - pa - pb] / sum[1 + S_ab - pa - pb]
    # locus 1 (x = 0/1, y = 0/2): shared 1 -> 0.5 - .5 - .3 = -.3 ; den 1 - .8 = .2
    # locus 2 (x = 0/0, y = 0/1): shared 2 -> 1 - .6 - .6 = -.2 ; den 2 - 1.2 = .8
    r_xy = (-0.3 - 0.2) / (0.2 + 0.8)
    # r_yx: locus 1 (y = 0/2): .5 - .5 - .2 = -.2 ; den 1 - .7 = .3
    #       locus 2 (y = 0/1): 1 - .6 - .4 = 0 ; den 1 - 1 = 0
    r_yx = (-0.2 + 0.0) / (0.3 + 0.0)
    # default: R related / COANCESTRY pool both directions' sums (this changed from the
    # mean of the two directions, kept as qg="mean")
    assert est()["qg"] == pytest.approx((-0.5 - 0.2) / (1.0 + 0.3))  # -0.5385
    assert est(qg="mean")["qg"] == pytest.approx((r_xy + r_yx) / 2)  # -0.5833


def test_queller_goodnight_pooled_as_related_fortran():
    """related 1.0 (SUBROUTINE RITLAND): num = #matches(a|b vs c|d) - (pa + pb + pc + pd),
    den = 2 + S_ab + S_cd - (pa + pb + pc + pd), each summed over loci, r = num / den."""
    rng = np.random.default_rng(4)
    f = rng.dirichlet(np.ones(4), size=6)
    af = AlleleFreqs(f, None, "t")
    x = rng.integers(0, 4, (30, 6, 2))
    y = rng.integers(0, 4, (30, 6, 2))
    loc = np.arange(6)[None, :]
    p = [f[loc, x[..., 0]], f[loc, x[..., 1]], f[loc, y[..., 0]], f[loc, y[..., 1]]]
    matches = sum((x[..., i] == y[..., j]).astype(float) for i in (0, 1) for j in (0, 1))
    num = (matches - sum(p)).sum(axis=1)
    den = (2 + (x[..., 0] == x[..., 1]) + (y[..., 0] == y[..., 1]) - sum(p)).sum(axis=1)
    out = rel.estimate_pairs(x, y, af, classify=False, estimators=("qg",))
    assert out["qg"].to_numpy() == pytest.approx(num / den)
    # identical genotypes: both conventions give 1
    dup = rel.estimate_pairs(x[:3], x[:3], af, classify=False, estimators=("qg",), qg="mean")
    assert dup["qg"].to_numpy() == pytest.approx(1.0)


def test_lynch_ritland_by_hand():
    def direction(pa, pb, sab, sbc, sbd, sac, sad):
        num = pa * (sbc + sbd) + pb * (sac + sad) - 4 * pa * pb
        den = (1 + sab) * (pa + pb) - 4 * pa * pb
        w = den / (2 * pa * pb)
        return num / den, w

    # x -> y. locus 1: a=0 b=1 c=0 d=2: Sbc=0 Sbd=0 Sac=1 Sad=0
    r1, w1 = direction(0.5, 0.3, 0, 0, 0, 1, 0)
    # locus 2: a=b=0, c=0, d=1: Sbc=1 Sbd=0 Sac=1 Sad=0, Sab=1
    r2, w2 = direction(0.6, 0.6, 1, 1, 0, 1, 0)
    r_xy = (w1 * r1 + w2 * r2) / (w1 + w2)
    # y -> x. locus 1: y = (0, 2) vs x = (0, 1): S_d,a=0 S_d,b=0 S_c,a=1 S_c,b=0
    q1, v1 = direction(0.5, 0.2, 0, 0, 0, 1, 0)
    # locus 2: y = (0, 1) vs x = (0, 0): S_d,a=0 S_d,b=0 S_c,a=1 S_c,b=1; den = 1 - .96 = .04
    q2, v2 = direction(0.6, 0.4, 0, 0, 0, 1, 1)
    r_yx = (v1 * q1 + v2 * q2) / (v1 + v2)
    assert est()["lr"] == pytest.approx((r_xy + r_yx) / 2)


def test_ritland_by_hand():
    # r_l = 2/(n-1) (sum_i x_i y_i / (4 p_i) - 1), mean over loci (as COANCESTRY/related)
    # locus 1 (n = 3): x = 0/1, y = 0/2 share allele 0 once: 1/(4 * .5) = .5
    # locus 2 (n = 2): x = 0/0, y = 0/1: allele 0, x has 2 copies, y 1: 2/(4 * .6)
    r1 = 2 / 2 * (1 / (4 * 0.5) - 1)
    r2 = 2 / 1 * (2 / (4 * 0.6) - 1)
    assert est()["ritland"] == pytest.approx((r1 + r2) / 2)


def test_wang_biallelic_loci_only_is_finite():
    # all loci biallelic: P3 impossible, f = g = 0 -> COANCESTRY sets them to 1e-50
    af = AlleleFreqs(np.array([[0.3, 0.7]] * 8), None, "t")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, (50, 8, 2))
    y = rng.integers(0, 2, (50, 8, 2))
    out = rel.estimate_pairs(x, y, af, min_loci=1)
    assert np.isfinite(out["wang"]).all()
    dup = rel.estimate_pairs(x[:1], x[:1], af, min_loci=1).iloc[0]
    assert dup["wang"] == pytest.approx(1.0, abs=1e-6)


def test_li_by_hand():
    # S: locus 1 het-het one shared = 1/2; locus 2 hom-het shared = 3/4; S0 = 2 a2 - a3
    s0_1 = 2 * (0.25 + 0.09 + 0.04) - (0.125 + 0.027 + 0.008)  # 0.6
    s0_2 = 2 * (0.36 + 0.16) - (0.216 + 0.064)  # 0.76
    r = ((0.5 - s0_1) + (0.75 - s0_2)) / ((1 - s0_1) + (1 - s0_2))
    assert est()["li"] == pytest.approx(r)


def _wang_coefs(p):
    a2, a3, a4 = (p ** 2).sum(), (p ** 3).sum(), (p ** 4).sum()
    return dict(b=2 * a2 ** 2 - a4, c=a2 - 2 * a2 ** 2 + a4, d=4 * (a3 - a4),
                e=2 * (a2 - 3 * a3 + 2 * a4), f=4 * (a2 - a2 ** 2 - 2 * a3 + 2 * a4),
                g=1 - 7 * a2 + 4 * a2 ** 2 + 10 * a3 - 8 * a4, u=2 * a2 - a3)


def test_wang_coefficients_are_expected_similarities():
    """b, d, f are P(identical), P(AiAi-AiAj), P(AiAj-AiAk) for unrelated genotypes:
    check them by enumerating all genotype pairs under Hardy-Weinberg."""
    p = np.array([0.5, 0.3, 0.2])
    genos = [(i, j) for i in range(3) for j in range(i, 3)]
    prob = {gt: (p[gt[0]] ** 2 if gt[0] == gt[1] else 2 * p[gt[0]] * p[gt[1]]) for gt in genos}
    tot = np.zeros(4)
    for gx in genos:
        for gy in genos:
            shared = sum(min(gx.count(a), gy.count(a)) for a in range(3))
            homs = (gx[0] == gx[1]) + (gy[0] == gy[1])
            if shared == 2:
                k = 0
            elif shared == 1 and homs == 1:
                k = 1
            elif shared == 1:
                k = 2
            else:
                k = 3
            tot[k] += prob[gx] * prob[gy]
    c = _wang_coefs(p)
    assert tot[:3] == pytest.approx([c["b"], c["d"], c["f"]])


@pytest.mark.parametrize("k1,k2", [(0, 0), (1, 0), (0.5, 0.25), (0.5, 0), (0, 1), (0.3, 0.1)])
def test_wang_solution_recovers_expected_coefficients(k1, k2):
    """Wang (2002) eqs. 9-11 return (phi, Delta) exactly when P1..P3 equal their
    expectations E(P1) = b + c phi + (1-b) Delta, E(P2) = d + e phi - d Delta,
    E(P3) = f + g phi - f Delta."""
    c = _wang_coefs(np.array([0.1, 0.2, 0.3, 0.4]))
    p1 = c["b"] + c["c"] * k1 + (1 - c["b"]) * k2
    p2 = c["d"] + c["e"] * k1 - c["d"] * k2
    p3 = c["f"] + c["g"] * k1 - c["f"] * k2
    phi, delta = rel.wang_solve(p1, p2, p3, c["b"], c["c"], c["d"], c["e"], c["f"], c["g"])
    assert (phi, delta) == pytest.approx((k1, k2), abs=1e-12)


def test_wang_by_hand():
    # weights 1/u per locus; P1 = 0 at both loci, P2 = 1 at locus 2, P3 = 1 at locus 1
    c1, c2 = _wang_coefs(FREQS[0]), _wang_coefs(FREQS[1, :2])
    w1, w2 = 1 / c1["u"], 1 / c2["u"]
    w1, w2 = w1 / (w1 + w2), w2 / (w1 + w2)
    avg = {k: w1 * c1[k] + w2 * c2[k] for k in "bcdefg"}
    phi, delta = rel.wang_solve(0.0, w2, w1, *(avg[k] for k in "bcdefg"))
    assert est()["wang"] == pytest.approx(phi / 2 + delta)


def test_wang_uses_plain_sums_as_related_and_small_sample_as_option():
    # related 1.0 (DataProcess) computes a2, a3, a4 as plain sums of the frequencies,
    # also when they were counted in the sample; the small-sample a_m is an option
    f = np.array([[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]])
    counted = AlleleFreqs(f, np.array([10, 10]), "counted in 5 animals")
    plain = AlleleFreqs(f, None, "given")
    assert est(af=counted)["wang"] == pytest.approx(est(af=plain)["wang"])
    assert est(af=counted, wang_small_sample=True)["wang"] != pytest.approx(
        est(af=plain)["wang"])


def test_wang_small_sample_correction():
    # N = 10 genes, p = (.5, .5): S2 = .5 -> a2 = (10 * .5 - 1) / 9 = 4/9
    af = AlleleFreqs(np.array([[0.5, 0.5]]), np.array([10]), "test")
    a2, a3, a4 = rel._power_sums(af, corrected=True)
    assert a2[0] == pytest.approx(4 / 9)
    # a3 = (N^2 S3 - 3 (N-1) a2 - 1) / ((N-1)(N-2)) = (100 * .25 - 27 * 4/9 - 1) / 72 = 1/6
    assert a3[0] == pytest.approx((25 - 12 - 1) / 72)


def test_ibd_likelihoods_by_hand():
    # x = 0/0, y = 0/1 at a locus with p0 = .6, p1 = .4 (locus 2 only)
    af = AlleleFreqs(np.array([[0.6, 0.4]]), None, "t")
    p = rel._make_pairs(np.array([[[0, 0]]]), np.array([[[0, 1]]]), af)
    lik = rel.ibd_likelihoods(p)[0, 0]
    assert lik[0] == pytest.approx(0.36 * 0.48)  # P(00) P(01)
    assert lik[1] == pytest.approx(0.36 * 0.4)  # p0^2 p1: shared 0, y's other allele 1
    assert lik[2] == 0.0
    # het-het identical: L1 = p0 p1 (p0 + p1), L2 = 2 p0 p1
    p = rel._make_pairs(np.array([[[0, 1]]]), np.array([[[0, 1]]]), af)
    lik = rel.ibd_likelihoods(p)[0, 0]
    assert lik[1] == pytest.approx(0.24 * 1.0)
    assert lik[2] == pytest.approx(0.48)


def test_opposite_homozygotes_exclude_parentage_without_error():
    af = AlleleFreqs(np.array([[0.5, 0.5]] * 3), None, "t")
    x = np.array([[[0, 0], [0, 0], [0, 1]]])
    y = np.array([[[1, 1], [0, 1], [0, 1]]])
    r0 = est(x, y, af, error_rate=0.0)
    assert r0["loglik_po"] == -np.inf
    r1 = est(x, y, af, error_rate=0.01)
    assert np.isfinite(r1["loglik_po"])
    # with error e, locus 1: P = (1-e)^2 * 0 + (1 - (1-e)^2) * L0, L0 = .25 * .25
    e = 0.01
    keep = (1 - e) ** 2
    loc1 = np.log((1 - keep) * 0.25 * 0.25)
    # locus 2: x = 0/0, y = 0/1: L1 = p0^2 p1 = .125
    loc2 = np.log(keep * 0.125 + (1 - keep) * 0.25 * 0.5)
    # locus 3: x = y = 0/1: L1 = p0 p1 (p0 + p1) = .25
    loc3 = np.log(keep * 0.25 + (1 - keep) * 0.5 * 0.5)
    assert r1["loglik_po"] == pytest.approx(loc1 + loc2 + loc3)
    assert r1["loglik_u"] == pytest.approx(np.log(0.0625) + np.log(0.125) + np.log(0.25))


# ----------------------------------------------------------------------- edge cases
def _random_genotypes(n, n_loci, n_alleles, seed, missing=0.0):
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, n_alleles, (n, n_loci, 2))
    calls[rng.random((n, n_loci)) < missing] = -1
    return Genotypes(calls, [f"i{k}" for k in range(n)], [f"L{j}" for j in range(n_loci)],
                     tuple(np.arange(100, 100 + 2 * n_alleles, 2) for _ in range(n_loci)))


def test_duplicates_have_r_one():
    g = _random_genotypes(20, 12, 6, seed=2)
    calls = g.calls.copy()
    calls[1] = calls[0]  # a duplicate sample / identical twin
    g = Genotypes(calls, g.samples, g.loci, g.alleles)
    row = rel.pairwise_relatedness(g).iloc[0]
    assert (row["id1"], row["id2"]) == ("i0", "i1")
    for name in ("qg", "lr", "li"):
        assert row[name] == pytest.approx(1.0)  # r = 2 x kinship 0.5
    assert row["ml"] == pytest.approx(1.0, abs=1e-3)
    assert row["wang"] > 0.8
    assert row["relationship"] in ("FS", "PO")


def test_monomorphic_loci_drop_out():
    g = _random_genotypes(15, 8, 5, seed=3)
    calls = np.concatenate([g.calls, np.zeros((15, 2, 2), dtype=np.int32)], axis=1)
    g2 = Genotypes(calls, g.samples, list(g.loci) + ["M1", "M2"],
                   g.alleles + (np.array([150]), np.array([150])))
    a = rel.pairwise_relatedness(g, min_loci=1)
    b = rel.pairwise_relatedness(g2, min_loci=1)
    assert (b["n_loci"] == a["n_loci"]).all()
    for name in rel.ESTIMATORS:
        assert np.isfinite(b[name]).all()
        np.testing.assert_allclose(b[name], a[name], rtol=1e-12)


def test_missing_loci_drop_out_per_pair():
    g = _random_genotypes(10, 9, 5, seed=4)
    af = allele_frequencies(g)
    calls = g.calls.copy()
    calls[0, [2, 5]] = -1
    gm = Genotypes(calls, g.samples, g.loci, g.alleles)
    out = rel.pairwise_relatedness(gm, af, min_loci=1)
    row = out.iloc[0]  # i0 - i1
    assert row["n_loci"] == 7
    keep = [j for j in range(9) if j not in (2, 5)]
    af_sub = AlleleFreqs(af.freqs[keep], af.n_genes[keep], "sub")
    ref = rel.estimate_pairs(g.calls[[0]][:, keep], g.calls[[1]][:, keep], af_sub,
                             min_loci=1).iloc[0]
    for name in rel.ESTIMATORS:
        assert row[name] == pytest.approx(ref[name], rel=1e-9)


def test_single_pair():
    g = _random_genotypes(2, 10, 4, seed=5)
    out = rel.pairwise_relatedness(g)
    assert len(out) == 1
    assert list(out.columns[:3]) == ["id1", "id2", "n_loci"]


def test_too_few_loci_gives_nan_not_zero():
    g = _random_genotypes(4, 6, 4, seed=6)
    calls = g.calls.copy()
    calls[0, :3] = -1
    calls[1, 3:] = -1
    g = Genotypes(calls, g.samples, g.loci, g.alleles)
    out = rel.pairwise_relatedness(g, min_loci=1)
    first = out.iloc[0]
    assert first["n_loci"] == 0
    assert all(np.isnan(first[name]) for name in rel.ESTIMATORS)
    assert first["relationship"] is None
    out = rel.pairwise_relatedness(g, min_loci=7)  # more loci than there are: all NaN
    assert out[list(rel.ESTIMATORS)].isna().all().all()
    assert (out["n_loci"] == [0, 3, 3, 3, 3, 6]).all()


def test_supplied_frequencies_missing_allele(tmp_path):
    g = _random_genotypes(5, 2, 3, seed=7)
    p = tmp_path / "f.tsv"
    p.write_text("locus\tallele\tfrequency\nL0\t100\t0.5\nL0\t102\t0.3\nL0\t104\t0.2\n"
                 "L1\t100\t0.5\nL1\t102\t0.5\n")
    with pytest.raises(Exception, match="allele 104 of locus 'L1'"):
        rel.read_allele_freqs(p, g)


# ----------------------------------------------------------------- truth recovery
def _gene_drop(n_families, n_loci=30, n_alleles=10, seed=11):
    """Independent pedigree gene drop: sire x dam -> 2 full sibs, sire x dam2 -> 1 half sib."""
    rng = np.random.default_rng(seed)
    freqs = rng.dirichlet(np.full(n_alleles, 2.0), size=n_loci)

    sire, dam, dam2 = (founder_genotypes(rng, n_families, freqs) for _ in range(3))
    o1 = offspring(rng, sire, dam)
    o2 = offspring(rng, sire, dam)
    o3 = offspring(rng, sire, dam2)
    sample = np.concatenate([sire, dam, dam2, o1, o2, o3])
    pairs = {"PO": (sire, o1), "FS": (o1, o2), "HS": (o1, o3),
             "U": (o1, np.roll(o2, 1, axis=0))}
    return sample, pairs


@pytest.mark.slow
def test_truth_recovery_on_pedigree():
    sample, pairs = _gene_drop(120)
    n_loci = sample.shape[1]
    g = Genotypes(sample, [f"s{k}" for k in range(len(sample))],
                  [f"L{j}" for j in range(n_loci)],
                  tuple(np.arange(10) for _ in range(n_loci)))
    af = allele_frequencies(g)  # estimated from the sampled population
    for cls, (x, y) in pairs.items():
        out = rel.estimate_pairs(x, y, af, min_loci=6)
        for name in rel.ESTIMATORS:
            assert out[name].mean() == pytest.approx(rel.EXPECTED_R[cls], abs=0.05), (cls, name)
        if cls in ("PO", "FS"):
            assert (out["relationship"] == cls).mean() > 0.7, cls
        if cls == "U":
            assert (out["relationship"] == "U").mean() > 0.7
    choice = rel.compare_estimators(af, 100, seed=3)
    best = choice.loc[choice["recommended"], "estimator"].unique()
    assert len(best) == 1
    allrows = choice[choice["relationship"] == "all"]
    assert allrows["correlation"].max() == pytest.approx(
        allrows.loc[allrows["estimator"] == best[0], "correlation"].iloc[0])
    assert (allrows["correlation"] > 0.8).all()


def test_simulated_pairs_missing_rate_and_determinism():
    af = AlleleFreqs(np.tile([0.25, 0.25, 0.25, 0.25], (10, 1)), np.full(10, 100), "t")
    x, y, r = rel.simulate_pairs(af, 50, missing_rate=np.full(10, 0.2), seed=4)
    assert x.shape == (200, 10, 2) and list(pd.unique(r)) == list(rel.CLASSES)
    assert 0.15 < (x[..., 0] < 0).mean() < 0.25
    x2, _, _ = rel.simulate_pairs(af, 50, missing_rate=np.full(10, 0.2), seed=4)
    assert np.array_equal(x, x2)
    # parent-offspring share an allele at every locus typed in both
    po_x, po_y = x[:50], y[:50]
    typed = (po_x[..., 0] >= 0) & (po_y[..., 0] >= 0)
    share = (po_x[..., :, None] == po_y[..., None, :]).any(axis=(2, 3))
    assert share[typed].all()


@pytest.mark.slow
def test_with_leogen_simulate_truth(tmp_path):
    """When ``leogen simulate`` exists: mean r per true class on its example population."""
    pytest.importorskip("leogen.simulate")
    try:
        rc = main(["simulate", "--out", str(tmp_path / "sim"), "--seed", "2", "--quiet",
                   "--n-snps", "200"])
    except (Exception, SystemExit) as e:  # the simulator is still being written
        pytest.skip(f"leogen simulate did not run: {e!r}")
    if rc != 0:
        pytest.skip("leogen simulate did not run")
    truth = tmp_path / "sim" / "truth"
    from leogen.io.longtable import read_long

    g = read_long(truth / "genotypes_true.tsv").single()
    keep = np.array([loc != "AMEL" for loc in g.loci])
    g = g.subset(loci=keep)
    kin = pd.read_csv(truth / "kinship.tsv", sep="\t").rename(
        columns={"relationship": "true_class", "relatedness": "true_r"})
    out = rel.pairwise_relatedness(g, min_loci=6)
    swapped = kin.rename(columns={"id1": "id2", "id2": "id1"})
    merged = pd.concat([out.merge(kin, on=["id1", "id2"]), out.merge(swapped, on=["id1", "id2"])])
    assert len(merged) == len(out)  # the truth has every pair of sampled animals
    means = merged.groupby("true_class")[list(rel.ESTIMATORS)].mean()
    sizes = merged.groupby("true_class").size()
    if not all(sizes.get(c, 0) >= 10 for c in ("PO", "HS", "U")):
        pytest.skip("too few PO/HS/U pairs in this simulated population")
    for name in rel.ESTIMATORS:
        # r is relative to the sampled population (itself related to the founders), so test
        # order and correlation with pedigree relatedness, and PO near 0.5 for Wang
        assert means.loc["PO", name] > means.loc["HS", name] > means.loc["U", name], name
        assert np.corrcoef(merged[name], merged["true_r"])[0, 1] > 0.4, name
    assert means.loc["PO", "wang"] == pytest.approx(0.5, abs=0.1)
    assert (merged.loc[merged["true_class"] == "PO", "relationship"] == "PO").mean() > 0.6


# ----------------------------------------------------------------------- CLI
@pytest.fixture
def genotype_file(tmp_path):
    g = _random_genotypes(12, 10, 5, seed=8, missing=0.05)
    path = tmp_path / "genotypes.tsv"
    write_long(g, path)
    return path


def test_cli_outputs(genotype_file, tmp_path):
    out = tmp_path / "rel"
    args = ["relatedness", "--genotypes", str(genotype_file), "--out-dir", str(out),
            "--simulate-pairs", "30", "--seed", "3"]
    assert main(args) == 0
    pairs = pd.read_csv(out / "pairs.tsv", sep="\t")
    assert len(pairs) == 66
    assert list(pairs.columns) == ["id1", "id2", "n_loci", "qg", "lr", "ritland", "wang", "li",
                                   "ml", "relationship", "loglik_po", "loglik_fs", "loglik_hs",
                                   "loglik_u", "lr_best_vs_next"]
    m = pd.read_csv(out / "matrix_qg.tsv", sep="\t", index_col=0)
    assert m.shape == (12, 12) and np.allclose(m.to_numpy(), m.to_numpy().T, equal_nan=True)
    choice = pd.read_csv(out / "estimator_choice.tsv", sep="\t")
    assert choice["recommended"].sum() == 5  # one estimator, 5 rows (4 classes + all)
    for name in ("heatmap.png", "network.png", "allele_freqs.tsv"):
        assert (out / name).stat().st_size > 0
    first = (out / "estimator_choice.tsv").read_bytes()
    assert main(args) == 0
    assert (out / "estimator_choice.tsv").read_bytes() == first


def test_cli_bad_min_loci(genotype_file, tmp_path, capsys):
    rc = main(["relatedness", "--genotypes", str(genotype_file), "--out-dir",
               str(tmp_path / "o"), "--min-loci", "0"])
    assert rc == 2
    assert "--min-loci must be at least 1" in capsys.readouterr().err


def test_cli_missing_file(tmp_path, capsys):
    rc = main(["relatedness", "--genotypes", str(tmp_path / "nope.tsv"), "--out-dir",
               str(tmp_path / "o")])
    assert rc == 2
    assert "file not found" in capsys.readouterr().err


def test_cli_one_individual(tmp_path, capsys):
    g = _random_genotypes(1, 5, 3, seed=9)
    path = tmp_path / "g.tsv"
    write_long(g, path)
    rc = main(["relatedness", "--genotypes", str(path), "--out-dir", str(tmp_path / "o")])
    assert rc == 2
    assert "need at least 2 individuals" in capsys.readouterr().err


def test_cli_replicates_need_consensus(tmp_path, capsys):
    path = tmp_path / "g.tsv"
    path.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\n"
                    "a\t1\tL1\t100\t102\na\t2\tL1\t100\t102\nb\t1\tL1\t100\t100\n")
    rc = main(["relatedness", "--genotypes", str(path), "--out-dir", str(tmp_path / "o")])
    assert rc == 2
    assert "several replicates" in capsys.readouterr().err


def test_cli_bad_allele_freqs(genotype_file, tmp_path, capsys):
    f = tmp_path / "freqs.tsv"
    f.write_text("locus\tallele\tfrequency\nL0\t100\tabc\n")
    rc = main(["relatedness", "--genotypes", str(genotype_file), "--out-dir",
               str(tmp_path / "o"), "--allele-freqs", str(f)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "freqs.tsv line 2" in err and "'abc' is not a number" in err


def test_cli_supplied_frequencies(genotype_file, tmp_path):
    out = tmp_path / "rel"
    assert main(["relatedness", "--genotypes", str(genotype_file), "--out-dir", str(out),
                 "--simulate-pairs", "0"]) == 0
    freqs = pd.read_csv(out / "allele_freqs.tsv", sep="\t")[["locus", "allele", "frequency"]]
    f = tmp_path / "freqs.tsv"
    freqs.to_csv(f, sep="\t", index=False)
    out2 = tmp_path / "rel2"
    assert main(["relatedness", "--genotypes", str(genotype_file), "--out-dir", str(out2),
                 "--simulate-pairs", "0", "--allele-freqs", str(f)]) == 0
    a = pd.read_csv(out / "pairs.tsv", sep="\t")
    b = pd.read_csv(out2 / "pairs.tsv", sep="\t")
    # same frequencies: all but Wang (small-sample correction needs the sample size) agree
    for name in ("qg", "lr", "ritland", "li", "ml"):
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------- SNP columns
def test_cli_merges_king_from_vcf(tmp_path, alt_count_vcf):
    snp = pytest.importorskip("leogen.snp.tables")
    rng = np.random.default_rng(12)
    gt = rng.binomial(2, rng.uniform(0.1, 0.9, 400)[:, None], (400, 5))
    gt[:, 4] = gt[:, 0]  # sample V5 duplicates V1
    vcf = tmp_path / "snps.vcf"
    alt_count_vcf(vcf, ["V1", "V2", "V3", "V4", "V5"], gt)
    smap = tmp_path / "map.tsv"
    smap.write_text("sample_id\tindividual_id\nV1\ti0\nV2\ti1\nV3\ti2\nV4\ti3\nV5\ti4\n")
    g = _random_genotypes(6, 10, 5, seed=13)
    gpath = tmp_path / "g.tsv"
    write_long(g, gpath)
    out = tmp_path / "rel"
    assert main(["relatedness", "--genotypes", str(gpath), "--out-dir", str(out),
                 "--simulate-pairs", "0", "--vcf", str(vcf), "--sample-map", str(smap)]) == 0
    pairs = pd.read_csv(out / "pairs.tsv", sep="\t")
    assert list(pairs.columns[-3:]) == ["king", "ibs0", "n_snps"]
    king = snp.king_table(str(vcf))
    row = pairs[(pairs["id1"] == "i0") & (pairs["id2"] == "i4")].iloc[0]
    ref = king[(king["id1"] == "V1") & (king["id2"] == "V5")].iloc[0]
    assert row["king"] == pytest.approx(0.5) and row["n_snps"] == 400
    assert row["king"] == pytest.approx(ref["kinship"], abs=1e-6)
    assert pairs.loc[pairs["id1"].eq("i5") | pairs["id2"].eq("i5"), "king"].isna().all()
    assert (out / "matrix_king.tsv").exists()


def test_cli_sample_map_without_vcf(genotype_file, tmp_path, capsys):
    rc = main(["relatedness", "--genotypes", str(genotype_file), "--out-dir",
               str(tmp_path / "o"), "--sample-map", str(genotype_file)])
    assert rc == 2
    assert "--sample-map is only used with --vcf" in capsys.readouterr().err
