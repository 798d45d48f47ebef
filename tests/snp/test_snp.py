"""Tests of the snp stage: streaming VCF reader (leogen.io.vcfstream), additive statistics
(leogen.snp.stats), tables (leogen.snp.tables), scatter/gather and the CLI."""

from __future__ import annotations

import gzip
import subprocess

import numpy as np
import pandas as pd
import pysam
import pytest

from leogen.cli import main
from leogen.errors import InputError
from leogen.io import vcfstream
from leogen.snp import stats, tables

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=1000000>\n##contig=<ID=chr2,length=500000>\n"
    "##contig=<ID=chrX,length=300000>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
)


def write_vcf(path, samples, rows, gz=True):
    """rows: (chrom, pos, ref, alt, format, [sample fields])."""
    lines = [HEADER + "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER",
                                 "INFO", "FORMAT", *samples]) + "\n"]
    for k, (chrom, pos, ref, alt, fmt, cells) in enumerate(rows):
        lines.append("\t".join([chrom, str(pos), f"v{k}", ref, alt, ".", "PASS", ".", fmt,
                                *cells]) + "\n")
    text = "".join(lines)
    if not gz:
        path.write_text(text)
        return path
    plain = path.with_suffix("")
    plain.write_text(text)
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


TINY = [
    ("chr1", 100, "A", "G", "GT", ["0/0", "0/1", "1/1", "0/1"]),
    ("chr1", 200, "C", "T", "GT:DP", ["0/1:10", "0/1:12", "0/0:9", "./.:0"]),
    ("chr1", 300, "G", "A", "GT", ["1/1", "0/0", "0/1", "0/0"]),
    ("chr1", 400, "T", "G,C", "GT", ["0/2", "0/1", "1/1", "0/0"]),  # multi-allelic: skipped
    ("chr1", 500, "AT", "A", "GT", ["0/1", "0/0", "0/0", "0/0"]),  # indel: skipped
    ("chr2", 50, "C", "A", "GT", ["0|0", "1|1", "0|1", "1|1"]),
    ("chrX", 10, "G", "C", "GT", ["0/1", "1/1", "0/0", "."]),  # not autosomal
]


@pytest.fixture
def tiny(tmp_path):
    return write_vcf(tmp_path / "tiny.vcf.gz", ["A", "B", "C", "D"], TINY)


def test_tiny_king_by_hand(tiny):
    k = tables.king_table(tiny).set_index(["id1", "id2"])
    # A-B: shared v0 v1 v2 v5; HetHet 1 (v1); IBS0 2 (v2, v5); het_A 1, het_B 2
    ab = k.loc[("A", "B")]
    assert ab.n_snps == 4
    assert ab.hethet == pytest.approx(1 / 4)
    assert ab.ibs0 == pytest.approx(2 / 4)
    assert ab.kinship == pytest.approx((2 * 1 - 4 * 2 - 1 - 2 + 2 * 1) / (4 * 1))
    # B-D: shared v0 v2 v5 (D missing at v1); HetHet 1, IBS0 0, het 1 and 1
    bd = k.loc[("B", "D")]
    assert (bd.n_snps, bd.hethet * 3, bd.ibs0) == (3, pytest.approx(1), 0)
    assert bd.kinship == pytest.approx(0.5)
    # A-D: A has no heterozygous call where D is typed -> kinship undefined, not 0
    assert np.isnan(k.loc[("A", "D")].kinship)


def test_tiny_het_and_freq_by_hand(tiny):
    st = stats.compute_stats(tiny)
    assert (st.n_sites, st.n_multiallelic, st.n_other) == (7, 1, 1)
    h = tables.het_table(None, stats=st).set_index("sample_id")
    # p per polymorphic autosomal SNP: v0 4/8, v1 2/6, v2 3/8, v5 5/8
    nei = {0: 1 - 2 * 0.5 * 0.5, 1: 1 - 2 * (1 / 3) * (2 / 3),
           2: 1 - 2 * (3 / 8) * (5 / 8), 5: 1 - 2 * (5 / 8) * (3 / 8)}
    e_a = sum(nei.values())
    assert h.loc["A", "n_called"] == 4 and h.loc["A", "o_hom"] == 3
    assert h.loc["A", "e_hom"] == pytest.approx(e_a, rel=1e-12)
    assert h.loc["A", "f_mom"] == pytest.approx((3 - e_a) / (4 - e_a), rel=1e-12)
    e_d = nei[0] + nei[2] + nei[5]
    assert h.loc["D", "n_called"] == 3 and h.loc["D", "o_hom"] == 2
    assert h.loc["D", "f_mom"] == pytest.approx((2 - e_d) / (3 - e_d), rel=1e-12)
    assert list(h.loc["B", ["n_hom_ref", "n_het", "n_hom_alt", "n_missing"]]) == [1, 2, 1, 0]
    f = tables.freq_table(st)
    assert list(f.chrom) == ["chr1", "chr1", "chr1", "chr2", "chrX"]
    assert f.alt_freq.iloc[1] == pytest.approx(1 / 3)
    assert f.n_alleles.iloc[1] == 6
    assert f.alt_freq.iloc[4] == pytest.approx(3 / 6)  # chrX kept in frequencies


def test_tiny_grm_by_hand(tiny):
    st = stats.compute_stats(tiny, grm=True)
    a = stats.grm_matrix(st)
    x = np.array([[0, 1, 2, 1], [1, 1, 0, -1], [2, 0, 1, 0], [0, 2, 1, 2]], float)
    p = np.array([4 / 8, 2 / 6, 3 / 8, 5 / 8])
    z = (x - 2 * p[:, None]) / np.sqrt(2 * p * (1 - p))[:, None]
    z[x < 0] = 0
    called = (x >= 0).astype(float)
    expected = (z.T @ z) / (called.T @ called)
    d = np.where(x >= 0, (x**2 - (1 + 2 * p[:, None]) * x + 2 * p[:, None] ** 2)
                 / (2 * p * (1 - p))[:, None], 0)
    np.fill_diagonal(expected, 1 + d.sum(0) / called.sum(0))
    np.testing.assert_allclose(a, expected, rtol=1e-12)


def test_hwe_table_uses_exact_test(tiny):
    from leogen.popgen.hwe import snp_hwe_exact

    hw = tables.hwe_table(stats.compute_stats(tiny))
    p = snp_hwe_exact(hw.n_het, hw.n_hom_ref, hw.n_hom_alt)[0]
    np.testing.assert_allclose(hw.p_hwe, p)
    assert list(hw.loc[1, ["n_hom_ref", "n_het", "n_hom_alt", "n_missing"]]) == [1, 2, 0, 1]


# ---------------------------------------------------------------- simulated data


def simulate(path, n=40, m=600, missing=0.03, seed=3, formats=True, chroms=("chr1", "chr2"),
             relatives=True):
    """Random HWE genotypes with a few duplicates/relatives, odd lines mixed in."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, m)
    hap = (rng.random((m, n, 2)) < p[:, None, None]).astype(int)
    if relatives:
        hap[:, 1] = hap[:, 0]  # duplicate
        hap[:, 3, 0] = hap[:, 2, 0]  # parent-offspring
        hap[:, 5, 0] = hap[:, 4, 0]  # siblings-ish
        hap[:, 5, 1] = np.where(rng.random(m) < 0.5, hap[:, 4, 1], hap[:, 5, 1])
    miss = rng.random((m, n)) < missing
    rows = []
    per = m // len(chroms)
    for v in range(m):
        chrom = chroms[min(v // per, len(chroms) - 1)]
        pos = 1000 + 1000 * (v - per * chroms.index(chrom))
        sep = "|" if v % 5 == 0 else "/"
        cells = [f"{hap[v, i, 0]}{sep}{hap[v, i, 1]}" for i in range(n)]
        cells = ["./." if miss[v, i] else c for i, c in enumerate(cells)]
        fmt = "GT"
        if formats and v % 7 == 3:
            fmt = "GT:DP"
            cells = [("." if c == "./." and i % 2 else c) + f":{i}" for i, c in enumerate(cells)]
        rows.append((chrom, pos, "A", "C", fmt, cells))
        if v % 97 == 5:
            rows.append((chrom, pos, "A", "C,G", "GT", ["0/2"] * n))
    samples = [f"s{i:03d}" for i in range(n)]
    return write_vcf(path, samples, rows)


@pytest.fixture(scope="module")
def simvcf(tmp_path_factory):
    return simulate(tmp_path_factory.mktemp("sim") / "sim.vcf.gz")


def _assert_same_stats(a: stats.SnpStats, b: stats.SnpStats):
    for f in stats._SAMPLE_FIELDS + stats._PAIR_FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-12, err_msg=f)
        else:
            np.testing.assert_array_equal(x, y, err_msg=f)
    np.testing.assert_allclose(a.grm_num, b.grm_num, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a.grm_diag, b.grm_diag, rtol=1e-12, atol=1e-9)
    for f in ("grm_miss", "grm_miss_miss"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert (a.n_sites, a.n_multiallelic, a.n_auto, a.n_poly, a.n_grm) == (
        b.n_sites, b.n_multiallelic, b.n_auto, b.n_poly, b.n_grm)
    va, vb = a._variant_arrays(), b._variant_arrays()
    for f in stats._VARIANT_FIELDS:
        np.testing.assert_array_equal(va[f], vb[f])


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunked_equals_whole(simvcf, chunk):
    whole = stats.compute_stats(simvcf, chunk_size=100_000)
    chunked = stats.compute_stats(simvcf, chunk_size=chunk)
    _assert_same_stats(whole, chunked)
    pd.testing.assert_frame_equal(tables.king_table(None, stats=whole),
                                  tables.king_table(None, stats=chunked))


def test_plain_and_uncompressed_same(simvcf, tmp_path):
    plain = tmp_path / "plain.vcf"
    plain.write_bytes(gzip.decompress(simvcf.read_bytes()))
    _assert_same_stats(stats.compute_stats(simvcf), stats.compute_stats(plain))


def test_bcf_same(simvcf, tmp_path, peer):
    bcftools = peer("bcftools")
    bcf = tmp_path / "sim.bcf"
    subprocess.run([bcftools, "view", "-Ob", "-o", str(bcf), str(simvcf)], check=True)
    subprocess.run([bcftools, "index", str(bcf)], check=True)
    a = stats.compute_stats(simvcf)
    _assert_same_stats(a, stats.compute_stats(bcf))
    parts = [stats.compute_stats(bcf, region=r) for r in vcfstream.list_regions(bcf, 200_000)]
    _assert_same_stats(a, sum(parts))


def test_scatter_gather_equals_single(simvcf):
    single = stats.compute_stats(simvcf)
    regions = vcfstream.list_regions(simvcf, size=123_457)
    assert regions[0] == "chr1:1-123457" and len(regions) > 4
    parts = [stats.compute_stats(simvcf, region=r) for r in regions]
    _assert_same_stats(single, sum(parts))
    by_contig = [stats.compute_stats(simvcf, region=r) for r in vcfstream.list_regions(simvcf, None)]
    _assert_same_stats(single, sum(by_contig))


def test_cli_scatter_gather(simvcf, tmp_path, capsys):
    assert main(["snp", "regions", "--vcf", str(simvcf), "--size", "200000"]) == 0
    regions = capsys.readouterr().out.split()
    parts = []
    for k, r in enumerate(regions):
        out = tmp_path / f"part{k}.npz"
        assert main(["snp", "stats", "--vcf", str(simvcf), "--region", r, "--out",
                     str(out)]) == 0
        parts.append(str(out))
    assert main(["snp", "gather", *parts, "--out-dir", str(tmp_path / "g")]) == 0
    assert main(["snp", "all", "--vcf", str(simvcf), "--out-dir", str(tmp_path / "a")]) == 0
    for name in ("king", "het", "freq", "hwe", "grm", "summary"):
        g = (tmp_path / "g" / f"{name}.tsv").read_bytes()
        a = (tmp_path / "a" / f"{name}.tsv").read_bytes()
        assert g == a, name
    king = pd.read_csv(tmp_path / "a" / "king.tsv", sep="\t")
    assert list(king.columns) == ["id1", "id2", "n_snps", "hethet", "ibs0", "kinship"]
    dup = king[(king.id1 == "s000") & (king.id2 == "s001")].kinship.iloc[0]
    assert dup == pytest.approx(0.5, abs=0.02)


# ---------------------------------------------------------------- peers


def _plink(tool, args, cwd):
    subprocess.run([tool, *args, "--allow-extra-chr", "--threads", "1"], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)


@pytest.mark.peer
def test_king_matches_plink2(simvcf, tmp_path, peer):
    plink2 = peer("plink2")
    _plink(plink2, ["--vcf", str(simvcf), "--max-alleles", "2", "--snps-only",
                    "--make-king-table", "--out", "k"], tmp_path)
    p = pd.read_csv(tmp_path / "k.kin0", sep="\t")
    k = tables.king_table(simvcf)
    m = k.merge(p, left_on=["id2", "id1"], right_on=["#IID1", "IID2"])
    assert len(m) == len(k) == len(p)
    assert (m.n_snps == m.NSNP).all()
    # PLINK 2 prints 6 significant digits: agreement to its printed precision
    np.testing.assert_allclose(m.kinship, m.KINSHIP, rtol=5e-6, atol=1e-9)
    np.testing.assert_allclose(m.ibs0, m.IBS0, rtol=5e-6, atol=1e-9)
    np.testing.assert_allclose(m.hethet, m.HETHET, rtol=5e-6, atol=1e-9)


@pytest.mark.peer
def test_het_matches_plink(simvcf, tmp_path, peer):
    plink2, plink19 = peer("plink2"), peer("plink1.9")
    _plink(plink2, ["--vcf", str(simvcf), "--max-alleles", "2", "--snps-only", "--het",
                    "--bad-freqs",
                    "--out", "h2"], tmp_path)
    _plink(plink19, ["--vcf", str(simvcf), "--biallelic-only", "strict", "--snps-only",
                     "--het", "--out", "h1"], tmp_path)
    h = tables.het_table(simvcf)
    p2 = pd.read_csv(tmp_path / "h2.het", sep=r"\s+")
    m = h.merge(p2, left_on="sample_id", right_on="#IID")
    assert len(m) == len(h)
    assert (m.o_hom == m["O(HOM)"]).all() and (m.n_called == m.OBS_CT).all()
    np.testing.assert_allclose(m.e_hom, m["E(HOM)"], rtol=5e-6)
    np.testing.assert_allclose(m.f_mom, m.F, rtol=5e-6, atol=1e-6)
    p1 = pd.read_csv(tmp_path / "h1.het", sep=r"\s+")
    m = h.merge(p1, left_on="sample_id", right_on="IID")
    assert (m.o_hom == m["O(HOM)"]).all() and (m.n_called == m["N(NM)"]).all()
    # PLINK 1.9 prints E(HOM) and F with 4 significant digits
    np.testing.assert_allclose(m.e_hom, m["E(HOM)"], rtol=5e-4)
    np.testing.assert_allclose(m.f_mom, m.F, rtol=5e-4, atol=5e-5)


@pytest.mark.peer
def test_freq_and_hardy_match_plink2(simvcf, tmp_path, peer):
    plink2 = peer("plink2")
    _plink(plink2, ["--vcf", str(simvcf), "--max-alleles", "2", "--snps-only", "--freq",
                    "--hardy", "--out", "f"], tmp_path)
    st = stats.compute_stats(simvcf)
    f = tables.freq_table(st)
    pf = pd.read_csv(tmp_path / "f.afreq", sep="\t")
    assert list(f.id) == list(pf.ID)
    np.testing.assert_allclose(f.alt_freq, pf.ALT_FREQS, rtol=5e-6)
    assert (f.n_alleles == pf.OBS_CT).all()
    hw = tables.hwe_table(st)
    ph = pd.read_csv(tmp_path / "f.hardy", sep="\t")
    hw = hw[hw.chrom != "chrX"]
    ph = ph.set_index("ID").loc[hw.id]
    np.testing.assert_allclose(hw.p_hwe, ph.P, rtol=1e-5)


# ---------------------------------------------------------------- bad input


def _err(args, capsys):
    code = main(args)
    return code, capsys.readouterr().err


def test_not_a_vcf(tmp_path, capsys):
    bad = tmp_path / "x.vcf"
    bad.write_text("sample_id\tlocus\n")
    code, err = _err(["snp", "all", "--vcf", str(bad), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "not a VCF" in err and "line 1" in err


def test_no_gt_field(tmp_path, capsys):
    bad = write_vcf(tmp_path / "nogt.vcf.gz", ["A", "B"],
                    [("chr1", 5, "A", "C", "GT", ["0/1", "0/0"]),
                     ("chr1", 9, "A", "C", "DP", ["3", "4"])])
    code, err = _err(["snp", "stats", "--vcf", str(bad), "--out", str(tmp_path / "o.npz")],
                     capsys)
    assert code == 2 and "no genotype field" in err and "line 9" in err and "FORMAT" in err


def test_non_diploid(tmp_path, capsys):
    bad = write_vcf(tmp_path / "hap.vcf.gz", ["A", "B"],
                    [("chr1", 5, "A", "C", "GT", ["0/1", "0/0"]),
                     ("chr1", 9, "A", "C", "GT", ["1", "0"])])
    code, err = _err(["snp", "all", "--vcf", str(bad), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "not a diploid genotype" in err and "line 9" in err
    assert "sample 1" in err


def test_wrong_column_count(tmp_path, capsys):
    bad = write_vcf(tmp_path / "cols.vcf", ["A", "B"],
                    [("chr1", 5, "A", "C", "GT", ["0/1"])], gz=False)
    code, err = _err(["snp", "all", "--vcf", str(bad), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "expected 11 tab-separated columns" in err and "line 8" in err


def test_truncated_gzip(simvcf, tmp_path, capsys):
    data = simvcf.read_bytes()
    bad = tmp_path / "trunc.vcf.gz"
    bad.write_bytes(data[: len(data) // 2])
    code, err = _err(["snp", "all", "--vcf", str(bad), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "truncated or corrupt gzip" in err and "trunc.vcf.gz" in err


def test_unknown_region(simvcf, tmp_path, capsys):
    code, err = _err(["snp", "stats", "--vcf", str(simvcf), "--region", "chr9:1-100",
                      "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 2 and "unknown region 'chr9:1-100'" in err


def test_missing_file_and_bad_npz(tmp_path, capsys):
    code, err = _err(["snp", "all", "--vcf", str(tmp_path / "nope.vcf.gz"), "--out-dir",
                      str(tmp_path)], capsys)
    assert code == 2 and "file not found" in err
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an npz")
    code, err = _err(["snp", "gather", str(junk), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "not a leogen SNP statistics file" in err


def test_gather_rejects_other_samples(tmp_path, tiny, simvcf, capsys):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    stats.compute_stats(tiny).save(a)
    stats.compute_stats(simvcf).save(b)
    code, err = _err(["snp", "gather", str(a), str(b), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "different sample sets" in err


def test_single_pair_monomorphic_and_all_missing(tmp_path):
    rows = [("chr1", 10, "A", "C", "GT", ["0/0", "./.", "0/1"]),
            ("chr1", 20, "A", "C", "GT", ["0/0", "./.", "0/0"]),  # monomorphic
            ("chr1", 30, "A", "C", "GT", ["1/1", "./.", "0/1"])]
    vcf = write_vcf(tmp_path / "m.vcf.gz", ["A", "B", "C"], rows)
    st = stats.compute_stats(vcf)
    assert st.n_poly == 2  # the monomorphic SNP is left out of F, as PLINK does
    h = tables.het_table(None, stats=st).set_index("sample_id")
    assert h.loc["B", "n_called"] == 0 and np.isnan(h.loc["B", "f_mom"])
    k = tables.king_table(None, stats=st).set_index(["id1", "id2"])
    assert k.loc[("A", "B"), "n_snps"] == 0 and np.isnan(k.loc[("A", "B"), "kinship"])
    assert np.isnan(k.loc[("A", "B"), "ibs0"])
    ac = k.loc[("A", "C")]  # shared 3 SNPs; A has no het -> undefined, not 0
    assert ac.n_snps == 3 and ac.ibs0 == 0 and np.isnan(ac.kinship)
    two = write_vcf(tmp_path / "two.vcf.gz", ["A", "C"],
                    [(c, p, r, a, f, [x[0], x[2]]) for c, p, r, a, f, x in rows])
    assert len(tables.king_table(two)) == 1


def test_bad_pos(tmp_path, capsys):
    bad = write_vcf(tmp_path / "pos.vcf.gz", ["A", "B"],
                    [("chr1", 5, "A", "C", "GT", ["0/1", "0/0"]),
                     ("chr1", "9x", "A", "C", "GT", ["0/1", "0/0"])])
    code, err = _err(["snp", "all", "--vcf", str(bad), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "POS '9x' is not a whole number" in err and "line 9" in err


def test_without_variant_counts(simvcf, tmp_path):
    full = stats.compute_stats(simvcf, grm=False)
    lean = stats.compute_stats(simvcf, grm=False, variants=False)
    pd.testing.assert_frame_equal(tables.king_table(None, stats=full),
                                  tables.king_table(None, stats=lean))
    assert lean.n_biallelic == full.n_biallelic == len(full.variants["pos"])
    path = tmp_path / "lean.npz"
    lean.save(path)
    back = stats.SnpStats.load(path)
    empty = stats.SnpStats.empty(back.samples, grm=False, variants=False)
    assert back.variants is None and (back + empty).variants is None
    with pytest.raises(InputError, match="without per-variant counts"):
        tables.freq_table(back)


@pytest.mark.parametrize("threads", [1, 3])
def test_worker_threads_do_not_change_results(simvcf, threads):
    two = stats.compute_stats(simvcf, chunk_size=37)
    other = stats.compute_stats(simvcf, chunk_size=37, threads=threads)
    _assert_same_stats(two, other)
    # a chunk always goes to the same worker: the float sums are the same bits on every run
    again = stats.compute_stats(simvcf, chunk_size=37, threads=threads)
    np.testing.assert_array_equal(other.e_hom, again.e_hom)
    np.testing.assert_array_equal(other.grm_num, again.grm_num)


def test_earliest_bad_line_is_reported_with_parallel_workers(tmp_path, capsys):
    rows = [("chr1", 10 * (k + 1), "A", "C", "GT", ["0/1", "0/0"]) for k in range(40)]
    rows[25] = ("chr1", 260, "A", "C", "GT", ["1", "0"])  # haploid: an error, in a later chunk
    rows[7] = ("chr1", 80, "A", "C", "GT", ["0/1/1", "0/0"])  # the first error
    bad = write_vcf(tmp_path / "two.vcf.gz", ["A", "B"], rows)
    first_line = 6 + 1 + 7 + 1  # 6 meta lines, #CHROM, 7 good variant lines
    for _ in range(5):
        code, err = _err(["snp", "all", "--vcf", str(bad), "--out-dir", str(tmp_path / "o"),
                          "--chunk-size", "3", "--threads", "3"], capsys)
        assert code == 2 and f"line {first_line}" in err, err
    assert not (tmp_path / "o" / "king.tsv").exists()


def test_blank_lines_are_skipped(tmp_path):
    good = write_vcf(tmp_path / "g.vcf", ["A", "B", "C", "D"], TINY[:3], gz=False)
    text = good.read_text()
    blank = tmp_path / "b.vcf"
    blank.write_text(text.replace("\nchr1\t200", "\n\n\n\nchr1\t200") + "\n\n")
    for chunk in (1, 2, 100):
        a = stats.compute_stats(good, chunk_size=chunk)
        b = stats.compute_stats(blank, chunk_size=chunk)
        np.testing.assert_array_equal(a.ibs0, b.ibs0)
        np.testing.assert_array_equal(a.het_miss, b.het_miss)
    # an error after blank lines names its own line: 7 header lines, a variant, 3 blank
    # lines, a variant, then the bad one
    bad = tmp_path / "bad.vcf"
    bad.write_text(blank.read_text().replace("1/1\t0/0\t0/1\t0/0", "1/1\t0\t0/1\t0/0", 1))
    with pytest.raises(InputError, match="line 13:"):
        stats.compute_stats(bad, chunk_size=100)


def _brute_king(gt: np.ndarray) -> dict:
    """KING counts pair by pair from an (m, n) alt-count matrix with -1 missing."""
    m, n = gt.shape
    out = {k: np.zeros((n, n), np.int64) for k in ("n_snps", "hethet", "ibs0", "het_i")}
    for i in range(n):
        for j in range(n):
            both = (gt[:, i] >= 0) & (gt[:, j] >= 0)
            a, b = gt[both, i], gt[both, j]
            out["n_snps"][i, j] = both.sum()
            out["hethet"][i, j] = ((a == 1) & (b == 1)).sum()
            out["ibs0"][i, j] = (((a == 0) & (b == 2)) | ((a == 2) & (b == 0))).sum()
            out["het_i"][i, j] = (a == 1).sum()
    return out


@pytest.mark.parametrize("chunk", [1, 16, 63, 64, 65, 200])
def test_king_counts_equal_pair_by_pair_counts(tmp_path, chunk):
    """The packed popcount counts equal a direct pair-by-pair count, on variants with many
    and few missing calls, with chunks that end inside and at the edge of a 64-bit word."""
    rng = np.random.default_rng(11)
    m, n = 150, 9
    p = rng.choice([0.02, 0.1, 0.5, 0.9, 0.98], m)
    gt = (rng.random((m, n)) < p[:, None]).astype(int) + (rng.random((m, n)) < p[:, None])
    miss_rate = rng.choice([0.0, 0.05, 0.5], m)
    gt[rng.random((m, n)) < miss_rate[:, None]] = -1
    gt[:, 4] = -1  # a sample without a call
    code = {0: "0/0", 1: "0/1", 2: "1/1", -1: "./."}
    rows = [("chr1", 100 * (v + 1), "A", "C", "GT", [code[x] for x in gt[v]]) for v in range(m)]
    vcf = write_vcf(tmp_path / "b.vcf.gz", [f"s{i}" for i in range(n)], rows)
    got = stats.king_counts(stats.compute_stats(vcf, chunk_size=chunk))
    want = _brute_king(gt)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


def test_skipped_sites_counted_without_identifiers(tmp_path):
    rows = TINY[:5] + [("chr1", 600, "A", "*", "GT", ["0/1", "0/0", "0/0", "0/0"]),
                       ("chr1", 700, "A", "C,*", "GT", ["0/1", "0/0", "0/0", "0/0"])] + TINY[5:6]
    vcf = write_vcf(tmp_path / "skip.vcf.gz", ["A", "B", "C", "D"], rows)
    for variants in (True, False):
        st = stats.compute_stats(vcf, variants=variants)
        assert (st.n_sites, st.n_multiallelic, st.n_other, st.n_biallelic) == (8, 2, 2, 4)


@pytest.mark.parametrize("entry", [["-m", "leogen", "snp"], ["-m", "leogen.commands.snp"]])
def test_process_ends_with_complete_outputs_and_status(simvcf, tmp_path, entry):
    """`leogen snp` ends through cli.quick_exit (no interpreter teardown): the tables and the
    log are complete, and the exit status is the command's (0; 2 for an input error)."""
    import sys

    out = tmp_path / "out"
    done = subprocess.run([sys.executable, *entry, "all", "--vcf", str(simvcf), "--no-grm",
                           "--tables", "king,het", "--out-dir", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "king.tsv").read_bytes() == _write_king(simvcf, tmp_path).read_bytes()
    if entry[-1] == "snp":  # the full CLI's log ends with its summary line
        assert done.stderr.rstrip().splitlines()[-1].startswith("leogen snp all: done: 2 files")
    bad = subprocess.run([sys.executable, *entry, "all", "--vcf", str(tmp_path / "no.vcf.gz"),
                          "--out-dir", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith("no.vcf.gz: file not found")


def _write_king(vcf, tmp_path):
    path = tmp_path / "king_library.tsv"
    tables.STATS_OUTPUTS["king"].write(tables.king_table(vcf), path)
    return path


def test_written_tables_equal_the_library_frames_written(simvcf, tmp_path):
    """write_outputs writes numpy columns without pandas: byte for byte what writing the
    public ``*_table`` DataFrames through their declarations gives."""
    st = stats.compute_stats(simvcf, variants=True)
    written = tables.write_outputs(st, tmp_path / "out", stats.STATS_TABLES)
    assert [p.name for p in written] == [f"{t}.tsv" for t in stats.STATS_TABLES]
    frames = {"king": tables.king_table(stats=st), "het": tables.het_table(stats=st),
              "freq": tables.freq_table(st), "hwe": tables.hwe_table(st),
              "grm": tables.grm_table(st), "summary": tables.summary_table(st)}
    for name, df in frames.items():
        ref = tmp_path / f"{name}_frame.tsv"
        tables.STATS_OUTPUTS[name].write(df, ref)
        assert (tmp_path / "out" / f"{name}.tsv").read_bytes() == ref.read_bytes(), name


def test_snp_all_writes_king_and_het_without_importing_pandas(simvcf, tmp_path):
    import sys

    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "leogen.commands.snp",
                           "all", "--vcf", str(simvcf), "--no-grm", "--tables", "king,het",
                           "--out-dir", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = [ln.rsplit("|", 1)[-1].strip() for ln in done.stderr.splitlines()
                if ln.startswith("import time:")]
    assert "leogen.snp.tables" in imported
    assert [m for m in imported if m.split(".")[0] == "pandas"] == []
    assert (out / "king.tsv").read_bytes() == _write_king(simvcf, tmp_path).read_bytes()
    het = tmp_path / "het_library.tsv"
    tables.STATS_OUTPUTS["het"].write(tables.het_table(simvcf), het)
    assert (out / "het.tsv").read_bytes() == het.read_bytes()


def test_roh_columns_write_the_bytes_of_the_roh_frames(simvcf, tmp_path):
    from leogen.snp.outputs import FROH, ROH_SEGMENTS
    from leogen.snp.roh import RohParams, call_roh, roh_columns

    params = RohParams(window_snps=5, window_het=0, window_missing=1, min_snps=6, min_kb=4,
                       density_kb=5)
    seg, froh = roh_columns(simvcf, params)
    seg_df, froh_df = call_roh(simvcf, params)
    assert len(seg["sample_id"]) == len(seg_df) > 0 and len(froh["sample_id"]) == 40
    for table, cols, df in ((ROH_SEGMENTS, seg, seg_df), (FROH, froh, froh_df)):
        table.write(cols, tmp_path / "cols.tsv")
        table.write(df, tmp_path / "frame.tsv")
        assert (tmp_path / "cols.tsv").read_bytes() == (tmp_path / "frame.tsv").read_bytes()
    # runs by sample in sample order, and F_ROH's counts are the runs'
    assert np.all(np.diff(np.searchsorted(froh["sample_id"], seg["sample_id"])) >= 0)
    assert froh["n_roh"].sum() == len(seg_df)
    assert froh["length_roh"].sum() == seg_df["length"].sum()
