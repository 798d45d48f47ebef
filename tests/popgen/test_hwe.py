"""Hardy-Weinberg exact tests: hand cases, enumeration vs Monte Carlo, PLINK 2 / VCFtools."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from helpers import dosage_counts, random_snp_dosages, write_dosage_vcf
from hypothesis import given, settings
from hypothesis import strategies as st

from leogen.popgen.hwe import _enumerate_tables, hwe_exact, snp_hwe_exact


def test_biallelic_hand_case():
    # n = 2 individuals AA, BB: n_A = n_B = 2. Possible heterozygote counts 0 and 2.
    # P(H=0) = 2!/(1! 0! 1!) * 2^0 * 2! 2! / 4! = 2 * 4 / 24 = 1/3
    # P(H=2) = 2!/(0! 2! 0!) * 2^2 * 2! 2! / 4! = 1 * 4 * 4 / 24 = 2/3
    p, lo, hi = snp_hwe_exact([0], [1], [1])
    assert p[0] == pytest.approx(1 / 3)  # only H=0 is as improbable as the observed
    assert lo[0] == pytest.approx(1 / 3)  # P(H <= 0)
    assert hi[0] == pytest.approx(1.0)  # P(H >= 0)
    # observed H=2 (both AB): p = P(H=2) + P(H=0) = 1
    p, lo, hi = snp_hwe_exact([2], [0], [0])
    assert p[0] == pytest.approx(1.0)
    assert lo[0] == pytest.approx(1.0)
    assert hi[0] == pytest.approx(2 / 3)


def test_biallelic_second_hand_case():
    # n = 3, 2 copies of A, 4 of B. H can be 0 (AA,BB,BB) or 2 (AB,AB,BB).
    # P(H=0) = 3!/(1! 0! 2!) * 1 * 2! 4! / 6! = 3 * 48/720 = 0.2
    # P(H=2) = 3!/(0! 2! 1!) * 4 * 48 / 720 = 3 * 4 * 48 / 720 = 0.8
    p, lo, hi = snp_hwe_exact([0, 2], [1, 0], [2, 1])
    np.testing.assert_allclose(p, [0.2, 1.0])
    np.testing.assert_allclose(lo, [0.2, 1.0])
    np.testing.assert_allclose(hi, [1.0, 0.8])


def test_snp_no_calls_is_nan():
    p, lo, hi = snp_hwe_exact([0, 1], [0, 1], [0, 1])
    assert np.isnan(p[0]) and np.isnan(lo[0]) and np.isnan(hi[0])
    assert 0 < p[1] <= 1


def test_multiallelic_enumeration_hand_case():
    # alleles A=0 (1 copy), B=1 (1 copy), C=2 (2 copies), n=2. Two possible tables:
    # {AB, CC}: P = 2! 1! 1! 2! 2^1 / (4! 1! 1!) = 8/24 = 1/3
    # {AC, BC}: P = 2! 1! 1! 2! 2^2 / (4! 1! 1!) = 16/24 = 2/3
    calls = np.array([[0, 1], [2, 2]])
    res = hwe_exact(calls)
    assert res["method"] == "exact_enumeration"
    assert res["n_draws"] == 2
    assert res["p"] == pytest.approx(1 / 3)
    assert res["p_deficit"] == pytest.approx(1 / 3)  # P(H <= 1)
    assert res["p_excess"] == pytest.approx(1.0)  # P(H >= 1)


def test_deficit_excess_use_rousset_raymond_score():
    # A x2, B x4, C x2 (n = 4). Observed BB, BB, AC, AC: H = 2, U = sum n_ii/N_i = 2/4 = 0.5.
    # Other tables with H = 2 (AA BB BC BC, CC BB AB AB) have U = 1/2 + 1/4 = 0.75, so the
    # score ordering differs from the heterozygote-count ordering here.
    from math import factorial as fact

    calls = np.array([[1, 1], [1, 1], [0, 2], [0, 2]])
    res = hwe_exact(calls)
    assert res["method"] == "exact_enumeration"
    counts = np.array([2, 4, 2])
    tables = _enumerate_tables(counts, 1000)
    prob, u = [], []
    for t in tables:
        h = t.sum() - np.trace(t)
        denom = fact(8) * np.prod([fact(int(x)) for x in t[np.triu_indices(3)]])
        prob.append(fact(4) * fact(2) * fact(4) * fact(2) * 2 ** int(h) / denom)
        u.append(t[0, 0] / 2 + t[1, 1] / 4 + t[2, 2] / 2)
    prob, u = np.array(prob), np.array(u)
    assert prob.sum() == pytest.approx(1.0)
    assert res["p_deficit"] == pytest.approx(prob[u >= 0.5 - 1e-12].sum())
    assert res["p_excess"] == pytest.approx(prob[u <= 0.5 + 1e-12].sum())
    h_all = np.array([t.sum() - np.trace(t) for t in tables])
    assert prob[u <= 0.5 + 1e-12].sum() < prob[h_all >= 2].sum() - 0.01


def test_enumerated_tables_sum_to_one_and_respect_counts():
    counts = np.array([3, 2, 4, 1])
    tables = _enumerate_tables(counts, 10_000)
    K = counts.size
    for t in tables[:50]:
        copies = t.sum(axis=0) + t.sum(axis=1)  # diagonal counted twice = homozygote copies
        np.testing.assert_array_equal(copies, counts)
        assert (np.tril(t, -1) == 0).all()
    from leogen.popgen.hwe import _log_table_prob

    lp = _log_table_prob(tables, counts, int(counts.sum() // 2))
    assert np.exp(lp).sum() == pytest.approx(1.0)
    assert len({t.tobytes() for t in tables}) == len(tables)
    assert K == 4


def test_monte_carlo_agrees_with_enumeration():
    rng = np.random.default_rng(3)
    calls = rng.integers(0, 4, size=(14, 2))
    calls[:4, 1] = calls[:4, 0]  # some extra homozygotes
    exact = hwe_exact(calls)
    assert exact["method"] == "exact_enumeration"
    mc = hwe_exact(calls, enumerate_below=0, n_monte_carlo=40_000, seed=5)
    assert mc["method"] == "monte_carlo"
    for k in ("p", "p_deficit", "p_excess"):
        se = np.sqrt(exact[k] * (1 - exact[k]) / 40_000) + 1e-4
        assert abs(mc[k] - exact[k]) < 4 * se, k


def test_monte_carlo_is_seeded():
    rng = np.random.default_rng(1)
    calls = rng.integers(0, 8, size=(40, 2))
    a = hwe_exact(calls, n_monte_carlo=2000, seed=9)
    b = hwe_exact(calls, n_monte_carlo=2000, seed=9)
    assert a == b
    assert a["method"] == "monte_carlo"
    assert 1 / 2001 <= a["p"] <= 1


def test_degenerate_loci():
    assert np.isnan(hwe_exact(np.array([[0, 0], [0, 0], [-1, -1]]))["p"])  # monomorphic
    assert np.isnan(hwe_exact(np.array([[0, 1], [-1, -1]]))["p"])  # one typed individual
    assert hwe_exact(np.array([[0, 1], [-1, -1]]))["method"] == "none"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=9),
       st.permutations([0, 1, 2, 3]), st.randoms(use_true_random=False))
def test_hwe_invariant_to_allele_labels_and_order(pairs, relabel, rnd):
    calls = np.array(pairs)
    base = hwe_exact(calls)
    relab = np.array(relabel)[calls]
    order = list(range(len(pairs)))
    rnd.shuffle(order)
    other = hwe_exact(relab[order][:, ::-1])
    if np.isnan(base["p"]):
        assert np.isnan(other["p"])
        return
    for k in ("p", "p_deficit", "p_excess"):
        assert 0 < base[k] <= 1
        assert other[k] == pytest.approx(base[k], rel=1e-9)


# ------------------------------------------------------------------ peers
@pytest.mark.peer
def test_snp_hwe_matches_plink2(tmp_path, peer):
    plink = peer("plink2")
    geno = random_snp_dosages(np.random.default_rng(11))
    vcf = tmp_path / "x.vcf"
    write_dosage_vcf(vcf, geno)
    subprocess.run([plink, "--vcf", str(vcf), "--hardy", "--allow-extra-chr", "--out",
                    str(tmp_path / "x"), "--threads", "1"], check=True, capture_output=True)
    ref = pd.read_csv(tmp_path / "x.hardy", sep="\t")
    het, hom_ref, hom_alt = dosage_counts(geno)
    p, _, _ = snp_hwe_exact(het, hom_ref, hom_alt)
    ref = ref.set_index("ID").loc[[f"v{v}" for v in range(len(geno))]]
    # plink2 prints 6 significant digits (no precision option): ours, printed the same way,
    # must be the same number; the unrounded values agree to 5e-6 relative at worst
    ours = np.array([float(f"{x:.6g}") for x in p])
    np.testing.assert_allclose(ours, ref["P"].to_numpy(dtype=float), rtol=1e-12)
    np.testing.assert_allclose(p, ref["P"].to_numpy(dtype=float), rtol=5e-6)


@pytest.mark.peer
def test_snp_hwe_matches_vcftools_including_one_sided(tmp_path, peer):
    vcftools = peer("vcftools")
    geno = random_snp_dosages(np.random.default_rng(12))
    vcf = tmp_path / "x.vcf"
    write_dosage_vcf(vcf, geno)
    subprocess.run([vcftools, "--vcf", str(vcf), "--hardy", "--out", str(tmp_path / "x")],
                   check=True, capture_output=True)
    ref = pd.read_csv(tmp_path / "x.hwe", sep="\t")
    het, hom_ref, hom_alt = dosage_counts(geno)
    p, lo, hi = snp_hwe_exact(het, hom_ref, hom_alt)
    np.testing.assert_allclose(p, ref["P_HWE"].to_numpy(dtype=float), rtol=1e-6)
    np.testing.assert_allclose(lo, ref["P_HET_DEFICIT"].to_numpy(dtype=float), rtol=1e-6)
    np.testing.assert_allclose(hi, ref["P_HET_EXCESS"].to_numpy(dtype=float), rtol=1e-6)


def test_snp_hwe_vectorised_many_variants_fast():
    import time

    rng = np.random.default_rng(2)
    n = 200
    het = rng.integers(0, n // 2, size=100_000)
    hom1 = rng.integers(0, n - het)
    hom2 = n - het - hom1
    t = time.perf_counter()
    p, lo, hi = snp_hwe_exact(het, hom1, hom2)
    assert time.perf_counter() - t < 20
    assert np.all((p > 0) & (p <= 1))
    # each variant equals its own scalar computation
    for k in (0, 17, 99_999):
        assert snp_hwe_exact([het[k]], [hom1[k]], [hom2[k]])[0][0] == pytest.approx(p[k])
