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
from helpers import REPO

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


CASES = {
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
    "camera-no-aliases": _validate(config={"camera_traps": lambda t: str(t / "cams.tsv")}),
    "vcf-plain-gzip": _validate(config={"snps": _vcf("plain-gzip")}),
    "vcf-no-index": _validate(config={"snps": _vcf("no-index")}),
    "vcf-stale-index": _validate(config={"snps": _vcf("stale")}),
    "vcf-foreign-index": _validate(config={"snps": _vcf("foreign")}),
    "hash-in-field": _validate(files={"samples.tsv": V.SAMPLES.replace(
        "\tA\t43.1", "\tA#2\t43.1", 1)}),
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
