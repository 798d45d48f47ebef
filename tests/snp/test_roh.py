"""Tests of leogen.snp.roh: the PLINK 1.9 --homozyg sliding-window caller and F_ROH."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.snp.roh import RohParams, call_roh, call_roh_block, froh_table

SMALL = RohParams(window_snps=5, window_het=0, window_missing=0, window_threshold=0.05,
                  min_snps=6, min_kb=10, density_kb=50, gap_kb=1000)


def _with(**kw) -> RohParams:
    return RohParams(**{**SMALL.__dict__, **kw})


def test_block_by_hand():
    # 20 SNPs 1 kb apart; sample 0 heterozygous at 0-4 (every other) and at 17
    m = 20
    het = np.zeros((m, 2), bool)
    het[[0, 2, 4, 17], 0] = True
    het[::2, 1] = True  # sample 1: never 5 homozygous SNPs in a row
    miss = np.zeros_like(het)
    pos = np.arange(m) * 1000 + 1
    si, first, last, nh, nm = call_roh_block(het, miss, pos, SMALL)
    # windows of 5 without a het: starts 5..12 -> SNPs 5..16 are each in >= 1 of them
    # (the threshold is floor(k * 0.05 + 1 - eps) = 1 hit for k <= 19 windows)
    assert list(si) == [0] and (first[0], last[0]) == (5, 16)
    assert (nh[0], nm[0]) == (0, 0)
    # 12 SNPs, length pos[16] + 1 - pos[5] = 11001 bp >= 10 kb: kept; 12 kb needed: dropped
    assert call_roh_block(het, miss, pos, _with(min_kb=12))[0].size == 0
    # a gap > 1000 kb between SNP 10 and 11 splits the run into 6 + 6 SNPs of 5001 bp each
    pos2 = pos.copy()
    pos2[11:] += 2_000_000
    si, first, last, *_ = call_roh_block(het, miss, pos2, _with(min_kb=5))
    assert list(zip(first, last, strict=True)) == [(5, 10), (11, 16)]
    assert call_roh_block(het, miss, pos2, _with(min_kb=5.002))[0].size == 0
    si, *_ = call_roh_block(het, miss, pos2, _with(min_kb=5, min_snps=7))
    assert si.size == 0
    # density: 12 SNPs over 11 kb is 0.92 kb/SNP; a 0.5 kb/SNP limit drops it
    dens = _with(density_kb=0.5)
    assert call_roh_block(het, miss, pos, dens)[0].size == 0


def test_window_threshold_counts_windows():
    # one het at SNP 10 of 30: windows (size 5, 0 hets allowed) containing SNP 10 fail;
    # SNP 10 lies in 5 windows, none homozygous -> not in a run; the run is split there
    m = 30
    het = np.zeros((m, 1), bool)
    het[10] = True
    miss = np.zeros_like(het)
    pos = np.arange(m) * 1000 + 1
    _, first, last, *_ = call_roh_block(het, miss, pos, _with(min_kb=9))
    assert list(zip(first, last, strict=True)) == [(0, 9), (11, 29)]  # 9001 and 18001 bp
    # one het allowed per window: one run through it, with n_het = 1
    one = _with(window_het=1)
    _, first, last, nh, _ = call_roh_block(het, miss, pos, one)
    assert list(zip(first, last, strict=True)) == [(0, 29)] and nh[0] == 1


def write_roh_vcf(path, seed=5, n=30, chroms=3, m=1500):
    """HWE genotypes with long homozygous stretches planted in some animals."""
    rng = np.random.default_rng(seed)
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID=chr{c + 1}>" for c in range(chroms)]
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    samples = [f"a{i:02d}" for i in range(n)]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                            "FORMAT", *samples]))
    for c in range(chroms):
        pos = np.cumsum(rng.integers(2000, 8000, m))
        if c == 1:
            pos[m // 2:] += 1_500_000  # a gap of > 1000 kb
        p = rng.uniform(0.2, 0.5, m)
        hap = (rng.random((m, n, 2)) < p[:, None, None]).astype(int)
        for i in range(0, n, 3):  # plant ROH
            for _ in range(rng.integers(1, 3)):
                a = int(rng.integers(0, m - 400))
                b = a + int(rng.integers(150, 700))
                hap[a:b, i, 1] = hap[a:b, i, 0]
                if rng.random() < 0.5:  # one het inside
                    k = int(rng.integers(a, b))
                    hap[k, i] = [0, 1]
        miss = rng.random((m, n)) < 0.01
        for v in range(m):
            cells = ["./." if miss[v, i] else f"{hap[v, i, 0]}/{hap[v, i, 1]}"
                     for i in range(n)]
            lines.append("\t".join([f"chr{c + 1}", str(pos[v]), f"s{c}_{v}", "A", "G", ".",
                                    ".", ".", "GT", *cells]))
    lines.append("\t".join(["chrX", "100", "x1", "A", "G", ".", ".", ".", "GT",
                            *(["0/0"] * n)]))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def rohvcf(tmp_path_factory):
    return write_roh_vcf(tmp_path_factory.mktemp("roh") / "roh.vcf")


@pytest.mark.peer
def test_matches_plink19_homozyg(rohvcf, tmp_path, peer):
    plink = peer("plink1.9")
    subprocess.run([plink, "--vcf", str(rohvcf), "--homozyg", "--allow-extra-chr",
                    "--snps-only", "--biallelic-only", "strict", "--out", "r"], cwd=tmp_path,
                   check=True, stdout=subprocess.DEVNULL)
    p = pd.read_csv(tmp_path / "r.hom", sep=r"\s+")
    seg, froh = call_roh(rohvcf, chunk_size=333)
    assert len(p) > 5
    mine = set(zip(seg.sample_id, seg.start, seg.end, seg.n_snps, strict=True))
    theirs = set(zip(p.IID, p.POS1, p.POS2, p.NSNP, strict=True))
    assert mine == theirs
    pi = pd.read_csv(tmp_path / "r.hom.indiv", sep=r"\s+").set_index("IID")
    f = froh.set_index("sample_id")
    np.testing.assert_array_equal(f.n_roh, pi.loc[f.index, "NSEG"])
    # .hom.indiv prints KB with 6 significant digits
    np.testing.assert_allclose(f.length_roh / 1000, pi.loc[f.index, "KB"], rtol=1e-6, atol=6e-3)


def test_chunking_and_froh(rohvcf):
    a_seg, a = call_roh(rohvcf, chunk_size=100_000)
    b_seg, b = call_roh(rohvcf, chunk_size=7)
    pd.testing.assert_frame_equal(a_seg, b_seg)
    pd.testing.assert_frame_equal(a, b)
    # F_ROH = total ROH length / length covered by the autosomes' SNPs (chrX not counted)
    assert (a.length_covered > 0).all()
    np.testing.assert_allclose(a.f_roh, a.length_roh / a.length_covered)
    assert a.loc[a.sample_id == "a01", "n_roh"].item() == 0
    g = froh_table(rohvcf, genome_length=1e9)
    np.testing.assert_allclose(g.f_roh, a.length_roh / 1e9)


def test_cli_roh(rohvcf, tmp_path):
    assert main(["snp", "roh", "--vcf", str(rohvcf), "--out-dir", str(tmp_path)]) == 0
    seg = pd.read_csv(tmp_path / "roh_segments.tsv", sep="\t")
    fr = pd.read_csv(tmp_path / "froh.tsv", sep="\t")
    assert list(seg.columns) == ["sample_id", "chrom", "start", "end", "length", "n_snps",
                                 "n_het", "n_missing"]
    assert list(fr.columns) == ["sample_id", "n_roh", "length_roh", "length_covered", "f_roh"]
    assert len(fr) == 30 and fr.n_roh.sum() == len(seg)


def test_cli_roh_bad_vcf(tmp_path, capsys):
    bad = tmp_path / "bad.vcf"
    bad.write_text("hello\n")
    assert main(["snp", "roh", "--vcf", str(bad), "--out-dir", str(tmp_path)]) == 2
    assert "not a VCF" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="measured r(F_ROH, pedigree F) 0.73 / 0.72 / 0.79 / 0.93 "
                   "on seeds 1-4 (pooled 0.79 over 1-3) since the simulator captures animals "
                   "by their use of the searched cells: F_ROH also counts autozygosity older "
                   "than the simulated pedigree's founders (mean F_ROH - F_ped = 0.048); "
                   "against realised IBD r > 0.95 (test_truth_from_simulated_pedigree)")
def test_froh_tracks_pedigree_f(tmp_path):
    simulate = pytest.importorskip("leogen.simulate")
    simulate.simulate({"n_captured": 40, "n_snps": 40000}, 1, tmp_path)
    truth = pd.read_csv(tmp_path / "truth" / "snp_truth.tsv", sep="\t")
    fr = froh_table(tmp_path / "snps.vcf.gz").merge(truth, on="sample_id")
    assert np.corrcoef(fr.f_roh, fr.f_pedigree)[0, 1] > 0.8


@pytest.mark.slow
def test_truth_from_simulated_pedigree(tmp_path):
    simulate = pytest.importorskip("leogen.simulate")
    from leogen.snp.tables import king_table

    simulate.simulate({"n_captured": 40, "n_snps": 40000}, 1, tmp_path)
    vcf = tmp_path / "snps.vcf.gz"
    truth = pd.read_csv(tmp_path / "truth" / "snp_truth.tsv", sep="\t")
    fr = froh_table(vcf).merge(truth, on="sample_id")
    assert len(fr) >= 30
    assert np.corrcoef(fr.f_roh, fr.f_ibd)[0, 1] > 0.95  # realised IBD
    king = king_table(vcf)
    ids = dict(zip(truth.sample_id, truth.individual_id, strict=True))
    king["a"], king["b"] = king.id1.map(ids), king.id2.map(ids)
    kin = pd.read_csv(tmp_path / "truth" / "kinship.tsv", sep="\t")
    both = pd.concat([king.merge(kin, left_on=["a", "b"], right_on=["id1", "id2"]),
                      king.merge(kin, left_on=["b", "a"], right_on=["id1", "id2"])])
    assert len(both) == len(king)
    assert np.corrcoef(both.kinship_x, both.kinship_y)[0, 1] > 0.5
    by = both.groupby("relationship").kinship_x.mean()
    # KING-robust is relative to the sampled population, so unrelated pairs sit near 0
    assert by["PO"] == pytest.approx(0.25, abs=0.05)
    assert by["PO"] > by["HS"] > by["U"] and abs(by["U"]) < 0.05
