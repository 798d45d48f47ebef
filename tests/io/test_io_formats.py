"""Genotype file formats: GenAlEx, Genepop, STRUCTURE, VCF/BCF; detection and round trips."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    FIXTURE_LOCI,
    FIXTURE_SAMPLES,
    FIXTURE_SITES,
    FIXTURE_SIZES,
    FORMATS_DATA,
    fixture_genotypes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leogen.errors import InputError
from leogen.io import genalex, genepop, structure, vcf
from leogen.io.formats import (
    detect_format,
    grouped,
    merge_replicates,
    read_genotypes,
    split_replicates,
    write_genotypes,
)
from leogen.io.longtable import read_long, write_long
from leogen.model.genotypes import Genotypes

M = -1
SIZES, SAMPLES, LOCI, SITES = FIXTURE_SIZES, FIXTURE_SAMPLES, FIXTURE_LOCI, FIXTURE_SITES


def expected(populations=SITES) -> Genotypes:
    return fixture_genotypes(populations)


def recoded_by_rank(g: Genotypes) -> Genotypes:
    """What 2-digit Genepop codes hold: allele rank 1..k per locus instead of the size."""
    return Genotypes(g.calls, g.samples, g.loci,
                     tuple(np.arange(1, len(a) + 1) for a in g.alleles), g.populations)


# ---------------------------------------------------------------- reading the fixtures
@pytest.mark.parametrize("name, fmt, pops", [
    ("example_genalex.csv", "genalex", SITES),
    ("example.gen", "genepop", SITES),
    ("example_onerow.str", "structure", ["1"] * 3 + ["2"] * 3),
    ("example_tworow.str", "structure", ["1"] * 3 + ["2"] * 3),
])
def test_fixtures_read_to_the_hand_typed_genotypes(name, fmt, pops):
    path = FORMATS_DATA / name
    assert detect_format(path) == fmt
    g = read_genotypes(path)
    want = expected(pops)
    if name == "example_tworow.str":  # no locus-name row: loci are numbered
        assert list(g.loci) == ["L1", "L2", "L3"]
        want = Genotypes(want.calls, want.samples, g.loci, want.alleles, want.populations)
    assert g.equals(want)
    assert list(g.alleles[0]) == [214, 216, 218]


def test_two_digit_genepop_without_population_names():
    g = read_genotypes(FORMATS_DATA / "example_2digit.gen")
    # the title records no names: populations are numbered pop1, pop2
    assert list(g.populations) == ["pop1"] * 3 + ["pop2"] * 3
    assert g.equals(recoded_by_rank(expected(["pop1"] * 3 + ["pop2"] * 3)))


def test_vcf_fixture_multiallelic_snps():
    g = read_genotypes(FORMATS_DATA / "example_snps.vcf")
    assert g.is_snp
    assert list(g.samples) == ["B1", "B2", "B3"]
    assert list(g.loci) == ["rs1", "chr1:250", "rs3"]  # missing ID -> CHROM:POS
    assert [list(a) for a in g.alleles] == [["A", "G"], ["C", "T", "G"], ["T", "C"]]
    assert list(g.meta["chrom"]) == ["chr1", "chr1", "chr2"]
    assert list(g.meta["pos"]) == [101, 250, 17]
    lab = np.sort(g.labels().astype(str), axis=2)
    assert lab[:, 0].tolist() == [["A", "A"], ["A", "G"], ["G", "G"]]
    assert lab[:, 1].tolist() == [["C", "G"], ["", ""], ["G", "T"]]  # 1|2 phased is fine
    assert lab[:, 2].tolist() == [["C", "T"], ["T", "T"], ["", ""]]  # haploid '.' missing
    assert g.populations is None


def test_long_table_fixture_is_replicates():
    reps = read_genotypes(FORMATS_DATA / "example_replicates.tsv")
    assert detect_format(FORMATS_DATA / "example_replicates.tsv") == "long"
    assert reps.n_replicates.tolist() == [[2, 2], [2, 2]]


# ------------------------------------------------------------------------- detection
@pytest.mark.parametrize("name, fmt", [
    ("example_genalex.csv", "genalex"), ("example.gen", "genepop"),
    ("example_onerow.str", "structure"), ("example_tworow.str", "structure"),
    ("example_snps.vcf", "vcf"), ("example_replicates.tsv", "long"),
])
def test_content_decides_for_ambiguous_extensions(tmp_path, name, fmt):
    for ext in (".txt", ".csv", ".tsv", ".dat"):
        copy = tmp_path / (name.split(".")[0] + ext)
        shutil.copy(FORMATS_DATA / name, copy)
        assert detect_format(copy) == fmt, (name, ext)


def test_detect_gzipped_vcf_by_content(tmp_path):
    p = tmp_path / "calls.txt"
    p.write_bytes(gzip.compress((FORMATS_DATA / "example_snps.vcf").read_bytes()))
    assert detect_format(p) == "vcf"
    assert read_genotypes(p).n_loci == 3


def test_detect_errors(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("")
    with pytest.raises(InputError, match="file is empty"):
        detect_format(p)
    p.write_text("hello world\nthis is prose\n")
    with pytest.raises(InputError, match="cannot tell the genotype format"):
        detect_format(p)
    with pytest.raises(InputError, match="file not found"):
        detect_format(tmp_path / "nope.gen")


# --------------------------------------------------------------------- writing details
def test_genalex_written_layout(tmp_path):
    p = tmp_path / "g.csv"
    genalex.write(expected(), p)
    lines = p.read_text().splitlines()
    assert lines[0] == "3,6,2,3,3"
    assert lines[1] == "leogen genalex,,,siteA,siteB"
    assert lines[2] == "Sample,Pop,FCA8,,FCA43,,F53,"
    assert lines[3] == "S1,siteA,214,216,130,134,0,0"
    assert read_genotypes(p).equals(expected())


def test_genalex_groups_samples_by_population(tmp_path):
    g = expected(["B", "A", "B", "A", "B", "A"])
    p = tmp_path / "g.csv"
    genalex.write(g, p)
    back = genalex.read(p)
    assert list(back.samples) == ["S1", "S3", "S5", "S2", "S4", "S6"]
    assert back.equals(grouped(g))


def test_genepop_written_layout_and_population_names(tmp_path):
    g = expected(["site A", "b,c;d=e%"] * 3)
    p = tmp_path / "g.gen"
    genepop.write(g, p)
    lines = p.read_text().splitlines()
    assert lines[0] == "leogen genepop; populations=site A,b%2Cc%3Bd%3De%25"
    assert lines[1:4] == LOCI and lines[4] == "Pop"
    assert lines[5] == "S1 , 214216 130134 000000"
    assert genepop.read(p).equals(grouped(g))


def test_genepop_three_digits_refuse_large_sizes_and_two_digits_recode(tmp_path):
    g = Genotypes.from_labels(np.array([[[1000, 214]], [[214, 214]]]), ["a", "b"], ["L1"])
    with pytest.raises(InputError, match="allele size 1000 at locus L1 does not fit"):
        genepop.write(g, tmp_path / "x.gen")
    assert not (tmp_path / "x.gen").exists()
    genepop.write(g, tmp_path / "x.gen", digits=2)
    text = (tmp_path / "x.gen").read_text().splitlines()
    assert "recoded" in text[0]
    assert text[3:] == ["a , 0201", "b , 0101"]  # 214 -> 01, 1000 -> 02
    assert genepop.read(tmp_path / "x.gen").equals(recoded_by_rank(g))


def test_genepop_without_populations_round_trips_none(tmp_path):
    g = expected(None)
    genepop.write(g, tmp_path / "x.gen")
    assert "no populations" in (tmp_path / "x.gen").read_text().splitlines()[0]
    back = genepop.read(tmp_path / "x.gen")
    assert back.populations is None and back.equals(g)


def test_structure_codes_and_layouts(tmp_path):
    g = expected(["north"] * 3 + ["east"] * 3)
    for layout in ("onerow", "tworow"):
        for header in (True, False):
            p = tmp_path / f"{layout}{header}.str"
            codes = structure.write(g, p, layout=layout, header=header)
            assert codes == {"east": 1, "north": 2}  # sorted names -> 1..k
            back = structure.read(p)
            want = g.with_populations(["2"] * 3 + ["1"] * 3)
            if not header:  # without the locus-name row loci are numbered L1, L2, ...
                want = Genotypes(want.calls, want.samples, ["L1", "L2", "L3"], want.alleles,
                                 want.populations)
            assert back.equals(want), (layout, header)
    # integer population names keep their value
    g2 = expected(["7"] * 3 + ["12"] * 3)
    assert structure.write(g2, tmp_path / "i.str") == {"7": 7, "12": 12}
    assert structure.read(tmp_path / "i.str").equals(g2)
    first = (tmp_path / "onerowTrue.str").read_text().splitlines()
    assert first[0] == "FCA8\tFCA43\tF53"
    assert first[1] == "S1\t2\t214\t216\t130\t134\t-9\t-9"


def test_vcf_microsatellites_as_symbolic_alleles(tmp_path, peer):
    g = expected()
    p = tmp_path / "ms.vcf"
    vcf.write_vcf(g, p)
    text = p.read_text().splitlines()
    assert '##ALT=<ID=214,Description="Microsatellite allele of 214 bp">' in text
    assert '##SAMPLE=<ID=S1,Population="siteA">' in text
    rec = [ln for ln in text if ln.startswith("FCA8\t")][0].split("\t")
    assert rec[:5] == ["FCA8", "1", "FCA8", "N", "<214>,<216>,<218>"]
    assert rec[9:] == ["1/2", "2/2", "1/3", "3/3", "2/3", "./."]
    back = vcf.read(p)
    assert back.equals(g) and back.alleles[0].dtype.kind == "i"
    bcftools = peer("bcftools")
    out = subprocess.run([bcftools, "query", "-f", "%CHROM\t%ALT[\t%GT]\n", str(p)],
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[1] == "FCA43\t<130>,<134>,<138>\t1/2\t1/1\t./.\t2/3\t1/3\t2/2"


def test_vcf_gz_index_bcf_and_determinism(tmp_path, peer):
    rng = np.random.default_rng(3)
    n, n_l = 7, 40
    calls = rng.integers(0, 3, (n, n_l, 2))
    calls[rng.random((n, n_l)) < 0.1] = -1
    alleles = tuple(np.array(["A", "C", "T"], dtype=object) for _ in range(n_l))
    g = Genotypes(calls, [f"b{i}" for i in range(n)], [f"v{j}" for j in range(n_l)], alleles)
    chrom = np.repeat(["chr1", "chr2"], n_l // 2)
    pos = np.tile(np.arange(1, n_l // 2 + 1) * 1000, 2)
    p = tmp_path / "snps.vcf.gz"
    vcf.write_vcf(g, p, chrom=chrom, pos=pos)
    assert p.with_name("snps.vcf.gz.tbi").exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["snps.vcf.gz", "snps.vcf.gz.tbi"]
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    vcf.write_vcf(g, p, chrom=chrom, pos=pos)
    assert hashlib.sha256(p.read_bytes()).hexdigest() == digest
    back = vcf.read(p)
    assert back.equals(g)
    assert list(back.meta["chrom"]) == list(chrom) and list(back.meta["pos"]) == list(pos)
    # the index works: a region query returns exactly that window
    tabix = peer("tabix")
    out = subprocess.run([tabix, str(p), "chr2:3000-5000"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert [ln.split("\t")[1] for ln in out] == ["3000", "4000", "5000"]
    # BCF
    vcf.write_vcf(g, tmp_path / "snps.bcf", chrom=chrom, pos=pos)
    assert detect_format(tmp_path / "snps.bcf") == "vcf"
    assert vcf.read(tmp_path / "snps.bcf").equals(g)
    # unsorted positions cannot be indexed
    with pytest.raises(InputError, match="positions must be sorted"):
        vcf.write_vcf(g, tmp_path / "bad.vcf.gz", chrom=chrom, pos=pos[::-1])
    assert not (tmp_path / "bad.vcf.gz").exists()


def test_vcf_agrees_with_bcftools_genotypes(tmp_path, peer):
    bcftools = peer("bcftools")
    out = subprocess.run([bcftools, "query", "-f", "%ID[\t%GT]\n",
                          str(FORMATS_DATA / "example_snps.vcf")],
                         capture_output=True, text=True, check=True).stdout
    g = vcf.read(FORMATS_DATA / "example_snps.vcf")
    ours = np.where(g.calls >= 0, g.calls.astype(str), ".")
    for j, line in enumerate(out.splitlines()):
        fields = line.split("\t")[1:]
        for i, gt in enumerate(fields):
            a = sorted(gt.replace("|", "/").split("/")) if gt not in (".", "./.") else [".", "."]
            assert sorted(ours[i, j]) == a


@pytest.mark.slow
def test_write_vcf_speed_50_samples_50k_snps(tmp_path):
    rng = np.random.default_rng(1)
    n, n_l = 50, 50_000
    calls = rng.integers(0, 2, (n, n_l, 2))
    al = tuple(np.array(["A", "G"], dtype=object) for _ in range(n_l))
    g = Genotypes(calls, [f"s{i}" for i in range(n)], [f"v{j}" for j in range(n_l)], al)
    chrom = np.repeat([f"chr{k}" for k in range(1, 6)], n_l // 5)
    pos = np.tile(np.arange(1, n_l // 5 + 1) * 50, 5)
    t = time.perf_counter()
    vcf.write_vcf(g, tmp_path / "big.vcf.gz", chrom=chrom, pos=pos)
    elapsed = time.perf_counter() - t
    assert elapsed < 15, elapsed  # about 1.1 s on an idle development machine
    back = vcf.read(tmp_path / "big.vcf.gz")
    assert np.array_equal(back.calls, g.calls) and list(back.meta["pos"]) == list(pos)


def test_split_and_merge_replicates():
    reps = read_long(FORMATS_DATA / "example_replicates.tsv")
    g = split_replicates(reps)
    assert list(g.samples) == ["S1@1", "S1@2", "S2@1", "S2@2"]
    lab = g.labels()
    assert lab[1, 0].tolist() == [214, 214] and lab[2, 1].tolist() == [-1, -1]
    back = merge_replicates(g)
    assert back.samples.tolist() == reps.samples.tolist()
    assert np.array_equal(back.labels(), reps.labels())
    assert np.array_equal(back.replicate_ids, reps.replicate_ids)


# ------------------------------------------------------------ property: every format
_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_.\-]{0,7}", fullmatch=True).filter(
    lambda s: s.lower() != "pop")
_POP = st.text(alphabet="abXY ,;=%-_12", min_size=1, max_size=6).filter(
    lambda s: s == s.strip())


@st.composite
def random_genotypes(draw):
    n = draw(st.integers(1, 8))
    n_l = draw(st.integers(1, 5))
    samples = draw(st.lists(_NAME, min_size=n, max_size=n, unique=True))
    loci = draw(st.lists(_NAME, min_size=n_l, max_size=n_l, unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = np.empty((n, n_l, 2), dtype=np.int64)
    for j in range(n_l):
        pool = rng.choice(np.arange(1, 1000), size=rng.integers(1, 6), replace=False)
        sizes[:, j] = rng.choice(pool, size=(n, 2))
    sizes[rng.random((n, n_l)) < draw(st.sampled_from([0.0, 0.2, 0.6]))] = -1
    names = draw(st.one_of(st.none(), st.lists(_POP, min_size=1, max_size=3, unique=True)))
    pops = None if names is None else [names[k] for k in rng.integers(0, len(names), n)]
    return Genotypes.from_labels(sizes, samples, loci, pops)


def _round_trip(g: Genotypes, fmt: str, name: str, **opts):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        write_genotypes(g, p, fmt, **opts)
        back = read_genotypes(p, fmt)
        assert detect_format(p) == fmt
        return back


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_genotypes())
def test_every_format_round_trips(g):
    assert _round_trip(g, "genalex", "x.csv").equals(grouped(g))
    assert _round_trip(g, "genepop", "x.gen").equals(grouped(g))
    assert _round_trip(g, "genepop", "x2.gen", digits=2).equals(grouped(recoded_by_rank(g)))
    codes = None if g.populations is None else structure.population_codes(g.populations)
    g_codes = g if codes is None else g.with_populations([str(codes[p]) for p in g.populations])
    for layout in ("onerow", "tworow"):
        assert _round_trip(g, "structure", "x.str", layout=layout).equals(g_codes), layout
    assert _round_trip(g, "vcf", "x.vcf").equals(g)
    assert _round_trip(g, "vcf", "x.vcf.gz").equals(g)
    reps = _round_trip(g, "long", "x.tsv")
    assert reps.single().equals(g.with_populations(None))
    back = _round_trip(g, "fstat", "x.dat")  # FSTAT: no ids, populations numbered
    assert np.array_equal(np.sort(back.sizes(), axis=2), np.sort(g.sizes(), axis=2))


@settings(max_examples=20, deadline=None)
@given(random_genotypes(), st.sampled_from(["A", "C", "G", "T"]))
def test_snp_genotypes_round_trip_through_vcf(g, ref):
    # same calls, nucleotide labels (REF first), several chromosomes
    bases = [ref] + [b for b in "ACGT" if b != ref]
    calls = np.where(g.calls >= 0, np.minimum(g.calls, 3), -1)
    alleles = tuple(np.array(bases[:max(int(calls[:, j].max()) + 1, 1)], dtype=object)
                    for j in range(g.n_loci))
    s = Genotypes(calls, g.samples, g.loci, alleles, g.populations)
    chrom = ["chrA" if j < g.n_loci / 2 else "chrB" for j in range(g.n_loci)]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "s.vcf.gz"
        vcf.write_vcf(s, p, chrom=chrom, pos=np.arange(1, g.n_loci + 1) * 10)
        back = vcf.read(p)
    assert back.equals(s) and back.is_snp


def test_long_round_trip_keeps_replicates(tmp_path):
    reps = read_long(FORMATS_DATA / "example_replicates.tsv")
    write_long(reps, tmp_path / "r.tsv")
    again = read_long(tmp_path / "r.tsv")
    assert np.array_equal(again.labels(), reps.labels())


def test_vcf_microsatellite_with_more_than_127_alleles(tmp_path):
    # allele indices beyond int8: 150 alleles at one locus, every one used
    sizes = np.arange(100, 400, 2)[:150]
    calls = np.stack([sizes[:75], sizes[75:]], axis=1)[:, None, :]  # 75 samples, 1 locus
    g = Genotypes.from_labels(calls, [f"s{i}" for i in range(75)], ["L1"])
    assert len(g.alleles[0]) == 150
    for name in ("many.vcf.gz", "many.bcf"):
        vcf.write_vcf(g, tmp_path / name)
        back = vcf.read(tmp_path / name)
        assert back.equals(g) and back.alleles[0][-1] == sizes[149]
    with pytest.raises(InputError, match="locus L1 has 150 alleles; 2-digit Genepop"):
        genepop.write(g, tmp_path / "x.gen", digits=2)


def test_tab_separated_structure_with_numeric_ids_is_not_genalex(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("1\t1\t214\t216\t130\t134\n2\t2\t214\t214\t130\t130\n")
    assert detect_format(p) == "structure"
    g = read_genotypes(p)
    assert list(g.samples) == ["1", "2"] and list(g.populations) == ["1", "2"]


def test_vcf_without_index_removes_a_stale_index(tmp_path):
    g = expected()
    p = tmp_path / "ms.vcf.gz"
    vcf.write_vcf(g, p)
    assert (tmp_path / "ms.vcf.gz.tbi").exists()
    vcf.write_vcf(g.subset(samples=[0, 1]), p, index=False)
    assert not (tmp_path / "ms.vcf.gz.tbi").exists()
    assert vcf.read(p).equals(g.subset(samples=[0, 1]))


def test_genepop_title_cannot_fake_a_population_segment(tmp_path):
    g = expected()
    genepop.write(g, tmp_path / "t.gen", title="survey; populations=x")
    assert genepop.read(tmp_path / "t.gen").equals(g)
