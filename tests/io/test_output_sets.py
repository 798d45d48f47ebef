"""Outputs as a set (issue 23 item 6): a command writes all of its outputs or none.

For each command family, a first run counts the files the command writes (through
``leogen.io.atomic``) and a second run, in a fresh folder, makes the last of them fail
(``ENOSPC`` raised while it is finished). The command must then exit 2 with a one-line
message, leave no output of the set and no temporary file; and a re-run over an existing
complete set that fails the same way leaves the previous set byte for byte.
"""

from __future__ import annotations

import errno
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from helpers import FORMATS_DATA

import leogen.io.atomic as atomic
from leogen.cli import main

_spec = importlib.util.spec_from_file_location("validate_cases",
                                               Path(__file__).with_name("test_validate.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)
_hspec = importlib.util.spec_from_file_location(
    "health_cases", Path(__file__).parents[1] / "health" / "test_health_report.py")
H = importlib.util.module_from_spec(_hspec)
_hspec.loader.exec_module(H)


def _snp_vcf(tmp: Path) -> str:
    rng = np.random.default_rng(3)
    rows = []
    for k in range(1, 400):
        cells = "\t".join(f"{a}/{b}" for a, b in rng.integers(0, 2, (3, 2)))
        rows.append(f"chr1\t{1000 * k}\t.\tA\tG\t.\tPASS\t.\tGT\t{cells}\n")
    (tmp / "snps.vcf").write_text(V.VCF_TEXT + "".join(rows))
    return str(tmp / "snps.vcf")


def _abundance_inputs(tmp: Path) -> list[str]:
    rng = np.random.default_rng(5)
    sheet = ["sample_id\tsample_type\tdate\tsite\tlat\tlon"]
    si = ["sample_id\tindividual_id\tn_loci_compared\tn_mismatches\tstatus"]
    k = 0
    for year in (2020, 2021, 2022):
        for i in range(25):
            for month in range(1, 6):
                if rng.random() < 0.4:
                    k += 1
                    sheet.append(f"S{k}\tscat\t{year}-{month:02d}-10\teast\t43.1\t131.2")
                    si.append(f"S{k}\tL{i:02d}\t12\t0\tmatched")
    (tmp / "samples.tsv").write_text("\n".join(sheet) + "\n")
    (tmp / "si.tsv").write_text("\n".join(si) + "\n")
    return ["--sample-individual", str(tmp / "si.tsv"), "--samples", str(tmp / "samples.tsv"),
            "--bootstraps", "20"]


def _families():
    """name -> function(input folder) returning the argv without ``--out-dir``."""
    gen = str(FORMATS_DATA / "example.gen")

    def consensus(tmp):
        V.make_project(tmp)
        return ["consensus", "--genotypes", str(tmp / "genotypes.tsv"), "--samples",
                str(tmp / "samples.tsv")]

    def health(tmp):
        H.write_fixture(tmp, n_animals=6)
        return H._args(tmp, tmp / "unused")

    return {
        "qc-consensus": consensus,
        "snp-all": lambda tmp: ["snp", "all", "--vcf", _snp_vcf(tmp), "--no-grm"],
        "snp-roh": lambda tmp: ["snp", "roh", "--vcf", _snp_vcf(tmp), "--window-snps", "5",
                                "--min-snps", "5", "--min-kb", "1"],
        "popgen-diversity": lambda tmp: ["diversity", "--genotypes", gen, "--permutations",
                                         "10"],
        "popgen-relatedness": lambda tmp: ["relatedness", "--genotypes", gen, "--min-loci",
                                           "2", "--simulate-pairs", "20"],
        "popgen-inbreeding": lambda tmp: ["inbreeding", "--genotypes", gen, "--bootstraps",
                                          "10", "--permutations", "10"],
        "export": lambda tmp: ["export", "--genotypes", gen],
        "monitoring-abundance": lambda tmp: ["abundance", *_abundance_inputs(tmp)],
        "health": health,
    }


FAMILIES = _families()


def _without_out_dir(argv):
    if "--out-dir" in argv:
        k = argv.index("--out-dir")
        return argv[:k] + argv[k + 2:]
    return argv


class _Counter:
    """Counts finished writes (``output_mode`` is called once per finished temporary) and
    fails the ``fail_at``-th one with ENOSPC."""

    def __init__(self, fail_at=None):
        self.n = 0
        self.fail_at = fail_at
        self.real = atomic.output_mode

    def __call__(self, permissions=None):
        self.n += 1
        if self.fail_at is not None and self.n == self.fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.real(permissions)


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_every_tested_family_runs_under_a_set(tmp_path):
    from leogen.cli import OUTPUT_SET_COMMANDS

    commands = set()
    for name, argv in FAMILIES.items():
        (tmp_path / name).mkdir()
        commands.add(argv(tmp_path / name)[0])
    assert commands <= OUTPUT_SET_COMMANDS


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_failed_last_write_leaves_no_partial_set(family, tmp_path, monkeypatch, capsys):
    argv = _without_out_dir(FAMILIES[family](tmp_path))
    counter = _Counter()
    monkeypatch.setattr(atomic, "output_mode", counter)
    good = tmp_path / "good"
    assert main([*argv, "--out-dir", str(good)]) == 0, capsys.readouterr().err
    n = counter.n
    complete = _files(good)
    assert n >= 2 and len(complete) >= 2, complete.keys()  # a command writing a set
    capsys.readouterr()

    # a fresh folder: nothing of the set may appear
    monkeypatch.setattr(atomic, "output_mode", _Counter(fail_at=n))
    bad = tmp_path / "bad"
    assert main([*argv, "--out-dir", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "no space left on the device" in err and "Traceback" not in err
    assert _files(bad) == {}, sorted(_files(bad))

    # over a complete set: the previous outputs stay, unchanged, and no temporary is left
    monkeypatch.setattr(atomic, "output_mode", _Counter(fail_at=n))
    assert main([*argv, "--out-dir", str(good)]) == 2
    capsys.readouterr()
    assert _files(good) == complete


def test_write_set_commits_in_order_and_nests(tmp_path):
    with atomic.write_set():
        with atomic.write_set():
            with atomic.atomic_open(tmp_path / "a.txt") as fh:
                fh.write("1")
        assert not (tmp_path / "a.txt").exists()  # the inner set joined the outer one
        with atomic.atomic_open(tmp_path / "a.txt") as fh:  # written twice: the later wins
            fh.write("2")
        with atomic.atomic_open(tmp_path / "b.txt") as fh:
            fh.write("3")
    assert _files(tmp_path) == {"a.txt": b"2", "b.txt": b"3"}


def test_interrupt_inside_a_set_removes_its_temporaries(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic.write_set():
            with atomic.atomic_open(tmp_path / "a.txt") as fh:
                fh.write("1")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_removal_of_a_stale_output_waits_for_the_commit(tmp_path):
    (tmp_path / "old.html").write_text("stale")
    with pytest.raises(ValueError):
        with atomic.write_set():
            atomic.remove_output(tmp_path / "old.html")
            raise ValueError("failed later")
    assert (tmp_path / "old.html").read_text() == "stale"  # a failed run deletes nothing
    with atomic.write_set():
        atomic.remove_output(tmp_path / "old.html")
        assert (tmp_path / "old.html").exists()
    assert not (tmp_path / "old.html").exists()
    (tmp_path / "x").write_text("1")
    atomic.remove_output(tmp_path / "x")  # outside a set: at once
    assert not (tmp_path / "x").exists()
