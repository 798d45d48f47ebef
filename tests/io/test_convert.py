"""``leogen convert``: conversions, replicates, bad input (message + exit 2), atomic outputs."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import FORMATS_DATA, fixture_genotypes

from leogen.cli import main
from leogen.io.formats import grouped, read_genotypes
from leogen.io.longtable import read_long

M = -1
EXPECTED = fixture_genotypes()


def run_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("leogen convert: error: ")
    assert "Traceback" not in err
    return err


# --------------------------------------------------------------------------- success
@pytest.mark.parametrize("out, fmt", [
    ("o.csv", "genalex"), ("o.gen", "genepop"), ("o.vcf", "vcf"), ("o.vcf.gz", "vcf"),
    ("o.bcf", "vcf"),
])
def test_convert_genepop_to_each_format_keeps_everything(tmp_path, capsys, out, fmt):
    src = FORMATS_DATA / "example.gen"
    assert main(["convert", str(src), str(tmp_path / out)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert read_genotypes(tmp_path / out).equals(EXPECTED)


def test_convert_chain_through_every_format_back_to_genalex(tmp_path):
    src = FORMATS_DATA / "example_genalex.csv"
    chain = ["a.gen", "b.vcf.gz", "c.csv"]
    prev = src
    for name in chain:
        assert main(["convert", str(prev), str(tmp_path / name)]) == 0
        prev = tmp_path / name
    assert read_genotypes(prev).equals(EXPECTED)
    # the GenAlEx file written is the fixture, byte for byte except the title
    ours = (tmp_path / "c.csv").read_text().splitlines()
    theirs = src.read_text().splitlines()
    assert ours[0] == theirs[0] and ours[2:] == theirs[2:]


def test_convert_to_structure_prints_population_codes(tmp_path, capsys):
    out = tmp_path / "o.str"
    assert main(["convert", str(FORMATS_DATA / "example_genalex.csv"), str(out),
                 "--layout", "tworow"]) == 0
    err = capsys.readouterr().err
    assert "STRUCTURE population codes: 1=siteA, 2=siteB" in err
    g = read_genotypes(out)
    assert g.equals(EXPECTED.with_populations(["1"] * 3 + ["2"] * 3))


def test_convert_genepop_two_digits_and_explicit_formats(tmp_path):
    out = tmp_path / "o.txt"
    assert main(["convert", str(FORMATS_DATA / "example_genalex.csv"), str(out),
                 "--format-out", "genepop", "--digits", "2"]) == 0
    text = out.read_text().splitlines()
    assert text[5] == "S1 , 0102 0102 0000"
    copy = tmp_path / "in.txt"
    shutil.copy(FORMATS_DATA / "example_onerow.str", copy)
    assert main(["convert", str(copy), str(tmp_path / "o.vcf"), "--format-in", "structure"]) == 0
    assert read_genotypes(tmp_path / "o.vcf").equals(
        EXPECTED.with_populations(["1"] * 3 + ["2"] * 3))


def test_convert_vcf_to_long_and_back(tmp_path):
    assert main(["convert", str(FORMATS_DATA / "example.gen"), str(tmp_path / "l.tsv")]) == 0
    reps = read_long(tmp_path / "l.tsv")
    assert reps.single().equals(EXPECTED.with_populations(None))
    assert main(["convert", str(tmp_path / "l.tsv"), str(tmp_path / "g.csv")]) == 0
    assert read_genotypes(tmp_path / "g.csv").equals(
        EXPECTED.with_populations(None))


# ------------------------------------------------------------------------ replicates
def test_replicates_refused_then_split_then_restored(tmp_path, capsys):
    src = FORMATS_DATA / "example_replicates.tsv"
    err = run_error(capsys, ["convert", str(src), str(tmp_path / "o.csv")])
    assert "has up to 2 replicates per sample and locus" in err
    assert "split the replicates" in err
    assert not (tmp_path / "o.csv").exists()
    assert main(["convert", str(src), str(tmp_path / "o.csv"), "--replicates", "split"]) == 0
    g = read_genotypes(tmp_path / "o.csv")
    assert list(g.samples) == ["S1@1", "S1@2", "S2@1", "S2@2"]
    assert main(["convert", str(tmp_path / "o.csv"), str(tmp_path / "back.tsv")]) == 0
    back, orig = read_long(tmp_path / "back.tsv"), read_long(src)
    assert back.samples.tolist() == orig.samples.tolist()
    assert back.loci.tolist() == orig.loci.tolist()
    assert np.array_equal(back.labels(), orig.labels())
    assert np.array_equal(back.attempted, orig.attempted)
    assert np.array_equal(back.replicate_ids, orig.replicate_ids)


# ------------------------------------------------------------------------ bad input
def _write(tmp_path, name, text) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GEN = """bad file
L1
L2
L3
Pop
a , 214216 130130 152156
b , 214216 130130 21a216
"""


def test_non_numeric_allele_genepop(tmp_path, capsys):
    p = _write(tmp_path, "x.gen", GEN)
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.csv")])
    assert f"{p} line 7: allele '21a' at locus L3 is not a number" in err


def test_non_numeric_allele_genalex_and_structure(tmp_path, capsys):
    p = _write(tmp_path, "x.csv", "2,2,1,2\nt,,,A\nSample,Pop,L1,,L2,\n"
                                  "a,A,214,216,130,13O\nb,A,214,214,130,130\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 4: allele '13O' at locus L2 is not a number" in err
    p = _write(tmp_path, "x.str", "L1 L2\na 214 216 130 x\nb 214 214 130 130\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 2: allele 'x' at locus L2 is not a number" in err


def test_odd_number_of_allele_columns(tmp_path, capsys):
    p = _write(tmp_path, "x.csv", "2,2,1,2\nt,,,A\nSample,Pop,L1,,L2,\n"
                                  "a,A,214,216,130\nb,A,214,214,130\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 4: odd number of allele columns (3)" in err
    p = _write(tmp_path, "x.str", "L1 L2 L3\na 214 216 130 130 150\nb 214 214 130 130 150\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 2: odd number of allele columns (5 after the sample id) for 3 loci" in err


def test_locus_count_in_header_differs_from_columns(tmp_path, capsys):
    p = _write(tmp_path, "x.csv", "2,2,1,2\nt,,,A\nSample,Pop,L1,,L2,\n"
                                  "a,A,214,216,130,130,1,2\nb,A,214,214,130,130,1,2\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 4: has 6 allele columns (3 loci) but line 1 declares 2 loci" in err
    p = _write(tmp_path, "y.csv", "3,1,1,1\nt,,,A\nSample,Pop,L1,,L2,\na,A,214,216,130,130\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 3: no locus name in column 7" in err
    p = _write(tmp_path, "x.str", "L1 L2\na 214 216 130 130 150 150\nb 214 214 130 130 150 150\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 2: has 6 columns after the sample id, but the header names 2 loci" in err


def test_sample_count_in_genalex_header_differs_from_rows(tmp_path, capsys):
    p = _write(tmp_path, "x.csv", "1,3,1,3\nt,,,A\nSample,Pop,L1,\na,A,214,216\nb,A,214,214\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 1: the header says 3 samples but the file has 2 sample rows" in err
    p = _write(tmp_path, "y.csv", "1,2,1,3\nt,,,A\nSample,Pop,L1,\na,A,214,216\nb,A,214,214\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert "population sizes add up to 3, but the number of samples is 2" in err


@pytest.mark.parametrize("name, text, line", [
    ("x.csv", "1,2,1,2\nt,,,A\nSample,Pop,L1,\na,A,214,216\na,A,214,214\n", 5),
    ("x.gen", "t\nL1\nPop\na , 214216\nPop\na , 214214\n", 6),
    ("x.str", "L1\na 214 216\nb 214 214\na 216 216\n", 4),
])
def test_duplicate_sample_ids(tmp_path, capsys, name, text, line):
    p = _write(tmp_path, name, text)
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.vcf")])
    assert f"{p} line {line}: sample id 'a' appears more than once" in err


def test_duplicate_sample_ids_vcf(tmp_path, capsys):
    text = (FORMATS_DATA / "example_snps.vcf").read_text().replace("\tB3\n", "\tB1\n")
    p = _write(tmp_path, "d.vcf", text)
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.vcf.gz")])
    assert "sample id 'B1' appears more than once" in err


def test_two_row_structure_with_three_rows(tmp_path, capsys):
    p = _write(tmp_path, "x.str", "a 214 130\na 216 130\na 218 132\nb 214 130\nb 214 130\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert "sample 'a' is on 3 consecutive rows" in err


@pytest.mark.parametrize("name", ["x.csv", "x.gen", "x.str", "x.vcf", "x.tsv", "x.txt"])
def test_empty_file(tmp_path, capsys, name):
    p = _write(tmp_path, name, "")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p}: file is empty" in err


@pytest.mark.parametrize("sep, word", [("\t", "tabs"), (";", "semicolons")])
def test_genalex_with_the_wrong_delimiter(tmp_path, capsys, sep, word):
    text = (FORMATS_DATA / "example_genalex.csv").read_text().replace(",", sep)
    p = _write(tmp_path, "x.csv", text)
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.gen")])
    assert f"{p} line 1: GenAlEx CSV must be comma-separated, but line 1 is separated by {word}" \
        in err


def test_truncated_genepop_line(tmp_path, capsys):
    p = _write(tmp_path, "x.gen", GEN.replace("b , 214216 130130 21a216", "b , 214216 1301"))
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.csv")])
    assert f"{p} line 7: sample 'b' has 2 genotypes but the file names 3 loci; the line " \
           "looks truncated" in err
    p = _write(tmp_path, "y.gen", GEN.replace("b , 214216 130130 21a216", "b , 214216 130130 15"))
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.csv")])
    assert f"{p} line 7: genotype '15' at locus L3 has 2 characters" in err
    p = _write(tmp_path, "z.gen", GEN.replace("21a216", "152152 130130"))
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.csv")])
    assert f"{p} line 7: sample 'b' has 4 genotypes but the file names 3 loci" in err


def test_unreadable_vcf(tmp_path, capsys):
    p = _write(tmp_path, "x.vcf", "this is not a vcf\n")
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.csv")])
    assert f"{p}: not a VCF file" in err
    p = tmp_path / "y.vcf.gz"
    p.write_bytes(gzip.compress((FORMATS_DATA / "example_snps.vcf").read_bytes())[:60])
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.csv")])
    assert f"{p}: cannot read as" in err
    # a genotype naming an allele the record does not have
    text = (FORMATS_DATA / "example_snps.vcf").read_text().replace("0/1\t1/1", "0/5\t1/1")
    p = _write(tmp_path, "z.vcf", text)
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.vcf")])
    # (the first record, line 6, has one ALT allele: B2's 0/5 is named with its line)
    assert f"{p} line 6: sample B2: GT uses allele 5 but the record has 1 ALT allele(s)" in err
    # a record with an extra field (scikit-allel would crash on it) and an unparsable call
    text = (FORMATS_DATA / "example_snps.vcf").read_text()
    p = _write(tmp_path, "f.vcf", text.replace("0/0\t0/1\t1/1", "0/0\t0/1\t1/1\t0/0"))
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.vcf")])
    assert f"{p} line 6: has 13 tab-separated fields, but the #CHROM header line has 12" in err
    p = _write(tmp_path, "g.vcf", text.replace("0/0\t0/1\t1/1", "0/0\t0/x\t1/1"))
    err = run_error(capsys, ["convert", str(p), str(tmp_path / "o.vcf")])
    # with the line of the record (scikit-allel names only its index)
    assert f"{p} line 6: cannot read as VCF: error parsing integer value" in err


def test_output_problems(tmp_path, capsys):
    err = run_error(capsys, ["convert", str(FORMATS_DATA / "example.gen"), str(tmp_path / "o.xyz")])
    assert "cannot tell the output format from the file name" in err
    err = run_error(capsys, ["convert", str(FORMATS_DATA / "example_snps.vcf"), str(tmp_path / "o.gen")])
    assert "Genepop codes alleles as numbers" in err
    big = _write(tmp_path, "big.csv", "1,1,1,1\nt,,,A\nSample,Pop,L1,\na,A,1024,216\n")
    err = run_error(capsys, ["convert", str(big), str(tmp_path / "o.gen")])
    assert "allele size 1024 at locus L1 does not fit Genepop's 3-digit codes" in err
    err = run_error(capsys, ["convert", str(big), str(big)])
    assert "output would overwrite the input" in err


# ------------------------------------------------------- inputs kept, outputs atomic
def test_input_never_modified_and_outputs_atomic(tmp_path, capsys):
    good = tmp_path / "in.gen"
    shutil.copy(FORMATS_DATA / "example.gen", good)
    bad = _write(tmp_path, "bad.gen", GEN)
    os.utime(good, (1_000_000_000, 1_000_000_000))
    os.utime(bad, (1_000_000_000, 1_000_000_000))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (good, bad)}
    out = tmp_path / "out.csv"
    # a failing conversion writes nothing
    run_error(capsys, ["convert", str(bad), str(out)])
    assert not out.exists()
    # a successful one writes the output
    assert main(["convert", str(good), str(out)]) == 0
    capsys.readouterr()
    written = out.read_bytes()
    # a failing conversion leaves the existing output untouched
    run_error(capsys, ["convert", str(bad), str(out)])
    assert out.read_bytes() == written
    # also when the failure happens while writing (size too large for Genepop)
    gz = tmp_path / "o.gen"
    gz.write_text("keep me\n")
    big = _write(tmp_path, "big.csv", "1,1,1,1\nt,,,A\nSample,Pop,L1,\na,A,1024,216\n")
    run_error(capsys, ["convert", str(big), str(gz)])
    assert gz.read_text() == "keep me\n"
    for p, (data, mtime) in before.items():
        assert p.read_bytes() == data and p.stat().st_mtime_ns == mtime
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_vcf_output_and_index_are_replaced_together(tmp_path):
    out = tmp_path / "o.vcf.gz"
    assert main(["convert", str(FORMATS_DATA / "example.gen"), str(out)]) == 0
    tbi = tmp_path / "o.vcf.gz.tbi"
    assert tbi.exists() and tbi.stat().st_mtime_ns >= out.stat().st_mtime_ns
    assert grouped(read_genotypes(out)).equals(EXPECTED)
