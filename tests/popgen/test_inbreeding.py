"""Tests for leogen.popgen.inbreeding and ``leogen inbreeding``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import EXAMPLE, founder_genotypes, offspring

from leogen.cli import main
from leogen.io.longtable import write_long
from leogen.model.genotypes import Genotypes
from leogen.popgen import inbreeding as inb


def _tiny():
    # locus 1: i0 0/0, i1 0/1, i2 1/2 -> p = (3/6, 2/6, 1/6); Ho = 2/3
    # locus 2: i0 0/1, i1 1/1, i2 missing -> p = (1/4, 3/4); Ho = 1/2
    calls = np.array([[[0, 0], [0, 1]], [[0, 1], [1, 1]], [[1, 2], [-1, -1]]])
    return Genotypes(calls, ["i0", "i1", "i2"], ["L1", "L2"],
                     (np.array([100, 102, 104]), np.array([200, 202])))


def test_individual_measures_by_hand():
    t = inb.individual_inbreeding(_tiny()).set_index("individual_id")
    assert t["n_loci"].tolist() == [2, 2, 1]
    # sMLH = (het / typed) / mean Ho of the typed loci
    mean_ho = (2 / 3 + 1 / 2) / 2
    assert t["smlh"].tolist() == pytest.approx([0.5 / mean_ho, 0.5 / mean_ho, 1 / (2 / 3)])
    # IR = (2H - sum f) / (2N - sum f)
    f0 = 0.5 + 0.5 + 0.25 + 0.75
    f1 = 0.5 + 1 / 3 + 0.75 + 0.75
    f2 = 1 / 3 + 1 / 6
    assert t["ir"].tolist() == pytest.approx([(2 - f0) / (4 - f0), (2 - f1) / (4 - f1),
                                              (0 - f2) / (2 - f2)])
    # HL = sum E_hom / (sum E_hom + sum E_het), E = 1 - sum p^2
    e1 = 1 - (0.25 + 1 / 9 + 1 / 36)
    e2 = 1 - (1 / 16 + 9 / 16)
    assert t["hl"].tolist() == pytest.approx([e1 / (e1 + e2), e2 / (e1 + e2), 0.0])
    # Ritland F = sum_l (S_ii / p_i - 1) / sum_l (n_l - 1); n = 3 and 2 alleles
    assert t["f_ritland"].tolist() == pytest.approx([
        ((1 / 0.5 - 1) + (0 - 1)) / (2 + 1),
        ((0 - 1) + (1 / 0.75 - 1)) / (2 + 1),
        (0 - 1) / 2])


def test_untyped_individual_is_nan():
    calls = np.array([[[0, 1]], [[1, 1]], [[-1, -1]]])
    g = Genotypes(calls, ["a", "b", "c"], ["L"], (np.array([1, 2]),))
    t = inb.individual_inbreeding(g)
    assert t["n_loci"].tolist() == [1, 1, 0]
    assert t.loc[2, ["smlh", "ir", "hl", "f_ritland"]].isna().all()


def _g2_loops(h):
    """inbreedR g2_microsats written out with loops (independent of the vectorised code)."""
    n, n_loc = h.shape
    typed = ~np.isnan(h)
    num = den = 0.0
    for i in range(n_loc):
        for j in range(n_loc):
            if i == j:
                continue
            both = typed[:, i] & typed[:, j]
            if both.sum():
                num += np.sum(h[both, i] * h[both, j]) / both.sum()
            s, cnt = 0.0, 0
            for k in range(n):
                for m in range(n):
                    if k != m and typed[k, i] and typed[m, j]:
                        s += h[k, i] * h[m, j]
                        cnt += 1
            if cnt:
                den += s / cnt
    return num / den - 1


def test_g2_matches_written_out_formula_with_missing_data():
    rng = np.random.default_rng(1)
    h = (rng.random((15, 5)) < 0.6).astype(float)
    h[rng.random((15, 5)) < 0.15] = np.nan
    assert inb.g2_value(h) == pytest.approx(_g2_loops(h), rel=1e-12)


def test_g2_no_missing_by_hand():
    # 3 individuals, 2 loci: h = [[1, 1], [0, 1], [1, 0]]
    # numerator (i, j) and (j, i): mean_k h_k1 h_k2 = 1/3, twice -> 2/3
    # denominator: sum_{k != l} h_k1 h_l2 = (h1 . h2 sum) - diag = 2*2 - 1 = 3 over 6 pairs
    h = np.array([[1.0, 1], [0, 1], [1, 0]])
    assert inb.g2_value(h) == pytest.approx((2 / 3) / (2 * 3 / 6) - 1)


def test_g2_resampling_is_seeded():
    rng = np.random.default_rng(2)
    h = (rng.random((30, 6)) < 0.7).astype(float)
    a = inb.g2_microsats(h, 50, 50, seed=5)
    b = inb.g2_microsats(h, 50, 50, seed=5)
    assert a == b
    assert a["n_bootstraps"] == 50 and a["n_permutations"] == 50
    assert a["g2_lo"] <= a["g2"] <= a["g2_hi"] or np.isnan(a["g2_lo"])
    assert 0 < a["p_value"] <= 1


def test_r2_hf():
    s = np.array([0.8, 1.0, 1.2, 1.0])
    assert inb.r2_hf(0.01, s) == pytest.approx(0.01 / np.var(s, ddof=1))
    assert inb.r2_hf(-0.01, s) == 0.0


# ------------------------------------------------------------------ simulated pedigrees
def _pedigree_population(n_per_group, n_loci=25, n_alleles=8, inbred=True, seed=3):
    """Gene drop: outbred offspring (F = 0), offspring of half sibs (F = 1/8) and of full
    sibs (F = 1/4); with ``inbred=False`` all offspring of unrelated parents."""
    rng = np.random.default_rng(seed)
    freqs = rng.dirichlet(np.full(n_alleles, 2.0), size=n_loci)

    def founder(n):
        return founder_genotypes(rng, n, freqs)

    def child(p1, p2):
        return offspring(rng, p1, p2)

    n = n_per_group
    out = [child(founder(n), founder(n))]
    f = [np.zeros(n)]
    if inbred:
        s, d1, d2 = founder(n), founder(n), founder(n)
        out.append(child(child(s, d1), child(s, d2)))  # half-sib mating
        m, d = founder(n), founder(n)
        out.append(child(child(m, d), child(m, d)))  # full-sib mating
        f += [np.full(n, 1 / 8), np.full(n, 1 / 4)]
    else:
        out += [child(founder(n), founder(n)) for _ in range(2)]
        f += [np.zeros(n), np.zeros(n)]
    calls = np.concatenate(out)
    g = Genotypes(calls, [f"a{k}" for k in range(len(calls))],
                  [f"L{j}" for j in range(n_loci)], tuple(np.arange(100, 100 + 2 * n_alleles, 2)
                                                          for _ in range(n_loci)))
    return g, np.concatenate(f)


@pytest.mark.slow
def test_g2_detects_variance_in_inbreeding_and_smlh_tracks_f():
    g, f = _pedigree_population(150)
    t = inb.individual_inbreeding(g)
    assert np.corrcoef(t["smlh"], f)[0, 1] < -0.3
    assert np.corrcoef(t["f_ritland"], f)[0, 1] > 0.3
    assert np.corrcoef(t["ir"], f)[0, 1] > 0.3
    res = inb.g2_microsats(inb.heterozygosity_matrix(g), n_bootstraps=200,
                           n_permutations=200, seed=1)
    assert res["g2"] > 0 and res["p_value"] < 0.05
    assert res["g2_lo"] > 0


@pytest.mark.slow
def test_g2_near_zero_under_random_mating():
    g, _ = _pedigree_population(150, inbred=False, seed=4)
    res = inb.g2_microsats(inb.heterozygosity_matrix(g), n_bootstraps=200,
                           n_permutations=200, seed=1)
    assert abs(res["g2"]) < 0.01
    assert res["g2_lo"] < 0 < res["g2_hi"]
    assert res["p_value"] > 0.05


# ----------------------------------------------------------------------- CLI
def test_cli_outputs_and_determinism(tmp_path):
    g, _ = _pedigree_population(20, n_loci=10, seed=5)
    path = tmp_path / "g.tsv"
    write_long(g, path)
    out = tmp_path / "inb"
    args = ["inbreeding", "--genotypes", str(path), "--out-dir", str(out),
            "--bootstraps", "50", "--permutations", "50", "--seed", "2"]
    assert main(args) == 0
    ind = pd.read_csv(out / "individuals.tsv", sep="\t")
    assert list(ind.columns) == ["individual_id", "n_loci", "smlh", "ir", "hl", "f_ritland"]
    assert len(ind) == 60
    g2 = pd.read_csv(out / "g2.tsv", sep="\t")
    assert list(g2.columns) == ["g2", "g2_se", "g2_lo", "g2_hi", "p_value", "n_individuals",
                                "n_loci", "n_bootstraps", "n_permutations", "r2_hf", "var_smlh"]
    first = (out / "g2.tsv").read_bytes()
    assert main(args) == 0
    assert (out / "g2.tsv").read_bytes() == first


def test_cli_bad_bootstraps(tmp_path, capsys):
    rc = main(["inbreeding", "--genotypes", str(tmp_path / "x.tsv"), "--out-dir",
               str(tmp_path / "o"), "--bootstraps", "-1"])
    assert rc == 2
    assert "--bootstraps and --permutations must be 0 or more" in capsys.readouterr().err


def test_cli_bad_genotype_row(tmp_path, capsys):
    path = tmp_path / "g.tsv"
    path.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\n"
                    "a\t1\tL1\t100\tl02\n")
    rc = main(["inbreeding", "--genotypes", str(path), "--out-dir", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "allele2" in err


def test_cli_adds_f_mom_from_vcf(tmp_path, alt_count_vcf):
    snp = pytest.importorskip("leogen.snp.tables")
    rng = np.random.default_rng(3)
    gt = rng.binomial(2, rng.uniform(0.1, 0.9, 300)[:, None], (300, 4))
    vcf = tmp_path / "snps.vcf"
    alt_count_vcf(vcf, ["a0", "a1", "a2", "x9"], gt)
    g, _ = _pedigree_population(5, n_loci=8, seed=6)
    path = tmp_path / "g.tsv"
    write_long(g, path)
    out = tmp_path / "inb"
    assert main(["inbreeding", "--genotypes", str(path), "--out-dir", str(out),
                 "--bootstraps", "10", "--permutations", "10", "--vcf", str(vcf)]) == 0
    ind = pd.read_csv(out / "individuals.tsv", sep="\t").set_index("individual_id")
    het = snp.het_table(str(vcf)).set_index("sample_id")
    for s in ("a0", "a1", "a2"):
        assert ind.loc[s, "f_mom"] == pytest.approx(het.loc[s, "f_mom"], abs=1e-6)
    assert ind.loc["a3", ["f_mom"]].isna().all()  # no SNP data for a3
    assert "x9" not in ind.index  # VCF-only samples are not added
    cols = list(ind.reset_index().columns)
    assert cols[:7] == ["individual_id", "n_loci", "smlh", "ir", "hl", "f_ritland", "f_mom"]
    try:
        import leogen.snp.roh  # noqa: F401
    except ImportError:
        return
    assert cols[7] == "f_roh"


def test_snp_dir_equals_vcf_on_example(tmp_path):
    """Gathered SNP tables (the workflow's scatter/gather path) give the same columns as --vcf."""
    from leogen.cli import main as cli

    ex = EXAMPLE
    snp_dir = tmp_path / "snp"
    assert cli(["snp", "all", "--vcf", str(ex / "snps.vcf.gz"), "--out-dir", str(snp_dir),
                "--tables", "king,het"]) == 0
    assert cli(["snp", "roh", "--vcf", str(ex / "snps.vcf.gz"), "--out-dir", str(snp_dir)]) == 0
    common = ["--genotypes", str(ex / "truth" / "genotypes_true.tsv"), "--sample-map",
              str(ex / "truth" / "samples_truth.tsv"), "--bootstraps", "10", "--permutations", "10"]
    assert cli(["inbreeding", *common, "--vcf", str(ex / "snps.vcf.gz"),
                "--out-dir", str(tmp_path / "a")]) == 0
    assert cli(["inbreeding", *common, "--snp-dir", str(snp_dir),
                "--out-dir", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "individuals.tsv").read_text()
    assert a == (tmp_path / "b" / "individuals.tsv").read_text()
    assert "f_roh" in a.splitlines()[0]
    common = ["--genotypes", str(ex / "truth" / "genotypes_true.tsv"), "--sample-map",
              str(ex / "truth" / "samples_truth.tsv"), "--simulate-pairs", "5"]
    assert cli(["relatedness", *common, "--vcf", str(ex / "snps.vcf.gz"),
                "--out-dir", str(tmp_path / "ra")]) == 0
    assert cli(["relatedness", *common, "--snp-dir", str(snp_dir),
                "--out-dir", str(tmp_path / "rb")]) == 0
    a = (tmp_path / "ra" / "pairs.tsv").read_text()
    assert a == (tmp_path / "rb" / "pairs.tsv").read_text()
    assert "king" in a.splitlines()[0]
