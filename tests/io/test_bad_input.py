"""docs/bad-input.md is what the code does: every row of its table is run here by its id
through the command line, and its message and exit code checked."""

from __future__ import annotations

import errno
import gzip
import importlib.util
import os
import re
from pathlib import Path

import pytest
from helpers import FORMATS_DATA, REPO

from leogen.cli import main

_spec = importlib.util.spec_from_file_location("validate_cases",
                                               Path(__file__).with_name("test_validate.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)

DOC = REPO / "docs" / "bad-input.md"


def table() -> dict[str, tuple[str, int]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[a-z][a-z0-9-]*", cells[0]) and cells[0] != "id":
            rows[cells[0]] = (cells[2], int(cells[3]))
    return rows


def _validate(**kw):
    def setup(tmp, monkeypatch):
        files = kw.get("files", {})
        extra = kw.get("extra", "")
        over = {k: (v(tmp) if callable(v) else v) for k, v in kw.get("config", {}).items()}
        cfg = V.make_project(tmp, files=files, **over)
        if extra:
            cfg.write_text(cfg.read_text() + extra)
        return ["validate", "--config", str(cfg)]
    return setup


def _out_dir_is_file(tmp, monkeypatch):
    (tmp / "afile").write_text("")
    V.make_project(tmp)
    return ["consensus", "--genotypes", str(tmp / "genotypes.tsv"), "--samples",
            str(tmp / "samples.tsv"), "--out-dir", str(tmp / "afile")]


def _out_dir_not_writable(tmp, monkeypatch):
    # as root every folder is writable: make the temporary file fail as it would for a user
    import tempfile

    def refuse(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp / "out"))
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    V.make_project(tmp)
    return ["convert", str(tmp / "genotypes.tsv"), str(tmp / "out" / "g.gen"),
            "--replicates", "split"]


def _out_is_folder(tmp, monkeypatch):
    V.make_project(tmp)
    (tmp / "folder").mkdir()
    return ["species", "--fasta", str(tmp / "mtdna.fasta"), "--reference", str(tmp / "ref.fasta"),
            "--samples", str(tmp / "samples.tsv"), "--out", str(tmp / "folder")]


def _convert_out_is_folder(tmp, monkeypatch):
    V.make_project(tmp)
    (tmp / "folder").mkdir()
    return ["convert", str(tmp / "genotypes.tsv"), str(tmp / "folder"), "--format-out",
            "genepop", "--replicates", "split"]


def _convert_in_is_folder(tmp, monkeypatch):
    (tmp / "folder").mkdir()
    return ["convert", str(tmp / "folder"), str(tmp / "x.gen")]


def _long_samples():
    rows = V.SAMPLES.splitlines()
    notes = "x" * 200_000
    return "\n".join([rows[0] + "\tnotes"] + [r + f"\t{notes}" for r in rows[1:]]) + "\n"


def _vcf(kind):
    def make(tmp):
        vcf = tmp / "snps.vcf.gz"
        if kind == "plain-gzip":
            vcf.write_bytes(gzip.compress(
                (V.VCF_TEXT + "chr1\t5\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t1/1\t0/0\n").encode()))
            return str(vcf)
        V._indexed_vcf(vcf, 7, n=3000 if kind == "foreign" else 400)
        if kind == "no-index":
            os.unlink(f"{vcf}.tbi")
        elif kind == "stale":
            later = os.stat(vcf).st_mtime + 60
            os.utime(vcf, (later, later))
        elif kind == "foreign":
            other = V._indexed_vcf(tmp / "other.vcf.gz", 3, n=200)
            os.replace(f"{other}.tbi", f"{vcf}.tbi")
        return str(vcf)
    return make


def _plain_vcf(tmp, rows, name="snps.vcf"):
    """A plain VCF (samples SC1, SC2, BL1) of ``(chrom, pos)`` rows."""
    body = "".join(f"{c}\t{p}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t1/1\t0/0\n" for c, p in rows)
    (tmp / name).write_text(V.VCF_TEXT + body)
    return str(tmp / name)


def _roh_unsorted(swap):
    def setup(tmp, monkeypatch):
        rows = [("chr1", 1000 * k) for k in range(1, 300)]
        if swap:
            rows[100], rows[101] = rows[101], rows[100]
        else:  # chr1, then chr2, then chr1 again
            rows = rows[:150] + [("chr2", 5)] + rows[150:]
        return ["snp", "roh", "--vcf", _plain_vcf(tmp, rows), "--out-dir", str(tmp)]
    return setup


def _gather(kind):
    def setup(tmp, monkeypatch):
        if kind == "twice":
            vcf = _plain_vcf(tmp, [("chr1", 1000 * k) for k in range(1, 30)])
            assert main(["snp", "stats", "--vcf", vcf, "--out", str(tmp / "p1.npz")]) == 0
            if monkeypatch is None:
                return None
            return ["snp", "gather", str(tmp / "p1.npz"), str(tmp / "p1.npz"),
                    "--out-dir", str(tmp / "out")]
        vcf = str(V._indexed_vcf(tmp / "snps.vcf.gz", 7))
        for name, region in (("a", "chr1:1-2000"), ("b", "chr1:1500-")):
            assert main(["snp", "stats", "--vcf", vcf, "--region", region,
                         "--out", str(tmp / f"{name}.npz")]) == 0
        return ["snp", "gather", str(tmp / "a.npz"), str(tmp / "b.npz"), "--out-dir",
                str(tmp / "out")]
    return setup


def _gather_copy(tmp, monkeypatch):
    import shutil

    _gather("twice")(tmp, None)
    shutil.copy(tmp / "p1.npz", tmp / "p2.npz")
    return ["snp", "gather", str(tmp / "p1.npz"), str(tmp / "p2.npz"), "--out-dir",
            str(tmp / "out")]


def _region_foreign_index(tmp, monkeypatch):
    vcf = _vcf("foreign")(tmp)
    return ["snp", "stats", "--vcf", vcf, "--region", "chr1", "--out", str(tmp / "p.npz")]


def _truncated_npz(tmp, monkeypatch):
    _gather("twice")(tmp, None)
    data = (tmp / "p1.npz").read_bytes()
    (tmp / "p1.npz").write_bytes(data[: len(data) // 2])
    return ["snp", "gather", str(tmp / "p1.npz"), "--out-dir", str(tmp / "out")]


def _consensus(genotypes):
    def setup(tmp, monkeypatch):
        V.make_project(tmp, files={"genotypes.tsv": genotypes})
        return ["consensus", "--genotypes", str(tmp / "genotypes.tsv"), "--samples",
                str(tmp / "samples.tsv"), "--out-dir", str(tmp / "out")]
    return setup


def _write(tmp, name, text):
    (tmp / name).write_text(text)
    return str(tmp / name)


def _abundance_period(tmp, monkeypatch):
    si = _write(tmp, "si.tsv", "sample_id\tindividual_id\tn_loci_compared\tn_mismatches\t"
                "status\nSC1\tA\t12\t0\tmatched\n")
    V.make_project(tmp)
    return ["abundance", "--sample-individual", si, "--samples", str(tmp / "samples.tsv"),
            "--study-start", "2021-05-01", "--study-end", "2021-02-01", "--out-dir",
            str(tmp / "out")]


def _sample_individual_twice(tmp, monkeypatch):
    argv = _abundance_period(tmp, monkeypatch)[:5]
    with open(argv[2], "a") as fh:
        fh.write("SC2\tA\t12\t0\tmatched\nSC1\tB\t12\t0\tmatched\n")
    return [*argv, "--out-dir", str(tmp / "out")]


def _health_id_case(tmp, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "health_cases", REPO / "tests" / "health" / "test_health_report.py")
    h = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(h)
    h.write_fixture(tmp, n_animals=4, evil=False)
    with open(tmp / "screening.tsv", "a") as fh:
        fh.write("\ta01\t2021-05-05\tCDV\tpcr\tnegative\t\t0.9\t0.95\tlabA\t\n")
    return h._args(tmp, tmp / "out", full=False)


def _species_status_unknown(tmp, monkeypatch):
    V.make_project(tmp)
    assert main(["species", "--fasta", str(tmp / "mtdna.fasta"), "--reference",
                 str(tmp / "ref.fasta"), "--samples", str(tmp / "samples.tsv"),
                 "--out", str(tmp / "species.tsv")]) == 0
    text = (tmp / "species.tsv").read_text()
    assert "\ttarget\tnot a scat" in text
    (tmp / "species.tsv").write_text(text.replace("\ttarget\tnot a scat", "\tmaybe\tnot a scat"))
    return ["consensus", "--genotypes", str(tmp / "genotypes.tsv"), "--samples",
            str(tmp / "samples.tsv"), "--species", str(tmp / "species.tsv"),
            "--out-dir", str(tmp / "out")]


GENEPOP = "title\nFCA8, FCA43\nFCA8\npop\nS1 , 120122 130130 128128\n"


CASES = {
    "species-status-unknown": _species_status_unknown,
    "out-dir-is-file": _out_dir_is_file,
    "out-dir-not-writable": _out_dir_not_writable,
    "out-is-folder": _out_is_folder,
    "convert-out-is-folder": _convert_out_is_folder,
    "convert-in-is-folder": _convert_in_is_folder,
    "long-field": _validate(files={"samples.tsv": _long_samples()}),
    "window-snps-0": lambda t, m: ["snp", "roh", "--vcf", "x.vcf.gz", "--out-dir", str(t),
                                   "--window-snps", "0"],
    "negative-count": lambda t, m: ["diversity", "--bootstraps", "-1"],
    "probability-above-1": lambda t, m: ["identify", "--alpha", "1.5"],
    "probability-negative": lambda t, m: ["snp", "roh", "--window-threshold", "-0.1"],
    "not-a-number": lambda t, m: ["relatedness", "--error-rate", "abc"],
    "max-errors-0": lambda t, m: ["validate", "--max-errors", "0"],
    "config-cutoff": _validate(extra="health:\n  cutoffs: {CDV: {vnt: abc}}\n"),
    "sheet-cutoff": _validate(files={"screening.tsv": (
        "sample_id\tdate\tpathogen\tassay\tresult\ttiter\tcutoff\n"
        "BL1\t2020-11-01\tCDV\tvnt\tpositive\t1:64\tabc\n")}),
    "target-species": _validate(config={"target_species": "Panthera_tigris"}),
    "aliases-no-camera": _validate(config={"camera_aliases": lambda t: str(t / "al.tsv")}),
    "vcf-plain-gzip": _validate(config={"snps": _vcf("plain-gzip")}),
    "vcf-no-index": _validate(config={"snps": _vcf("no-index")}),
    "vcf-stale-index": _validate(config={"snps": _vcf("stale")}),
    "vcf-foreign-index": _validate(config={"snps": _vcf("foreign")}),
    "hash-in-field": _validate(files={"samples.tsv": V.SAMPLES.replace(
        "\tA\t43.1", "\tA#2\t43.1", 1)}),
    "roh-unsorted": _roh_unsorted(swap=True),
    "roh-contig-again": _roh_unsorted(swap=False),
    "gather-same-part": _gather("twice"),
    "gather-copied-part": _gather_copy,
    "gather-overlap": _gather("overlap"),
    "gather-truncated-npz": _truncated_npz,
    "region-foreign-index": _region_foreign_index,
    "long-extra-column": _consensus(V.GENOTYPES.replace("allele2\n", "allele2\tallele3\n", 1)
                                    .replace("216\n", "216\t218\n")
                                    .replace("214\n", "214\t218\n")),
    "allele-too-large": _consensus(V.GENOTYPES.replace("\t216\n", "\t99999999999999999999999\n",
                                                       1)),
    "sheet-semicolons": _validate(files={"samples.tsv": V.SAMPLES.replace("\t", ";")}),
    "trailing-tabs": _validate(files={"genotypes.tsv": V.GENOTYPES.replace("\n", "\t\n"),
                                      "samples.tsv": V.SAMPLES.replace("\n", "\t\n")}),
    "nameless-column": _validate(files={"samples.tsv": V.SAMPLES.replace(
        "\tlon\n", "\tlon\t\n").replace("131.2\n", "131.2\tx\n", 1)}),
    "id-case": _consensus(V.GENOTYPES.replace("SC1", "sc1")),
    "pathogen-case": _validate(files={"screening.tsv": V.SCREENING
                                      + "SC1\t2021-03-04\tcdv\tvnt\tnegative\t1:4\n"}),
    "duplicate-locus": lambda t, m: ["convert", _write(t, "g.gen", GENEPOP),
                                     str(t / "o.csv")],
    "vcf-pos-not-a-number": lambda t, m: ["convert", _write(t, "s.vcf", V.VCF_TEXT
                                          + "chr1\t1O0\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t1/1\n"),
                                          str(t / "o.csv")],
    "structure-allele-too-large": lambda t, m: ["convert", _write(
        t, "g.str", "FCA8 FCA43\nS1 1 120 1e30 130 130\nS2 1 120 122 130 132\n"),
        str(t / "o.csv")],
    "study-end-before-start": _abundance_period,
    "roh-no-autosome-window": lambda t, m: [
        "snp", "roh", "--vcf", _plain_vcf(t, [("chr1", 1000 * k) for k in range(1, 30)]),
        "--out-dir", str(t)],
    "sample-individual-twice": _sample_individual_twice,
    "exclude-loci-unknown": lambda t, m: [
        "diversity", "--genotypes", str(FORMATS_DATA / "example.gen"), "--exclude-loci",
        "FCA999", "--out-dir", str(t)],
    "keep-loci-case": lambda t, m: [
        "export", "--genotypes", str(FORMATS_DATA / "example.gen"), "--keep-loci", "fca8",
        "--out-dir", str(t)],
    "screening-id-case": _health_id_case,
    "date-year-20": _validate(files={"screening.tsv": V.SCREENING.replace("2020-11-01",
                                                                           "0020-11-01")}),
    "vcf-header-after-records": lambda t, m: ["convert", _write(t, "s.vcf", V.VCF_TEXT
                                              + V.VCF_TEXT.splitlines()[-1] + "\n"),
                                              str(t / "o.csv")],
    "validate-allele-too-large": _validate(files={"genotypes.tsv": V.GENOTYPES.replace(
        "\t216\n", "\t99999999999999999999999\n", 1)}),
}


def test_table_and_cases_agree():
    assert sorted(table()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case(case, tmp_path, monkeypatch, capsys):
    message, code = table()[case]
    argv = CASES[case](tmp_path, monkeypatch)
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse rejects the value
        rc = e.code
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == code, text
    assert message in text, text
    assert "Traceback" not in text
