"""Every command's log says what it read, did and wrote (issue 22 item 4): a start line
with the inputs, progress of long steps, each file written with its size and rows, and the
elapsed time; a quick failure prints only its error."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.io.longtable import write_long
from leogen.model.genotypes import Genotypes
from leogen.progress import progress


def _genotypes(n=10, n_loci=5, seed=3) -> Genotypes:
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, 4, (n, n_loci, 2))
    loci = [f"L{j}" for j in range(n_loci - 1)] + ["AMEL"]
    return Genotypes(calls, [f"i{k}" for k in range(n)], loci,
                     tuple(np.arange(100, 108, 2) for _ in range(n_loci)))


@pytest.fixture
def geno(tmp_path) -> Path:
    path = tmp_path / "g.tsv"
    write_long(_genotypes(), path)
    return path


def _written(err: str) -> dict[str, tuple[str, int | None]]:
    """path -> (size text, rows) of the 'wrote' lines."""
    out = {}
    for m in re.finditer(r"wrote (\S+) \(([\d.]+ [kMG]?B)(?:, (\d+) rows?)?\)", err):
        out[m.group(1)] = (m.group(2), None if m.group(3) is None else int(m.group(3)))
    return out


def test_inbreeding_log_has_start_outputs_and_time(tmp_path, geno, capsys):
    out = tmp_path / "inb"
    assert main(["inbreeding", "--genotypes", str(geno), "--out-dir", str(out),
                 "--bootstraps", "5", "--permutations", "5"]) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith("leogen inbreeding (leogen ")
    assert f"--genotypes {geno} (" in lines[0]
    written = _written(err)
    files = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    assert sorted(written) == sorted(str(p) for p in files)
    for p in files:
        if p.suffix == ".tsv":  # rows = lines below the header, counted here independently
            assert written[str(p)][1] == len(p.read_text().splitlines()) - 1
    # one row per individual in individuals.tsv: the 10 animals of the input
    assert written[str(out / "individuals.tsv")][1] == 10
    assert re.search(rf"leogen inbreeding: done: {len(files)} files written in [\d.]+ s$",
                     lines[-1])


def test_snp_subcommand_is_named_and_row_counts_are_right(tmp_path, capsys):
    vcf = Path(__file__).resolve().parents[1] / "config" / "example" / "snps.vcf.gz"
    out = tmp_path / "regions.txt"
    assert main(["snp", "regions", "--vcf", str(vcf), "--size", "0", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("leogen snp regions (leogen ")
    n_regions = len(out.read_text().splitlines())
    assert _written(err)[str(out)][1] == n_regions > 0
    assert "leogen snp regions: done: 1 file written in" in err


def test_long_steps_report_progress_in_a_log(tmp_path, geno, capsys, monkeypatch):
    monkeypatch.setenv("LEOGEN_PROGRESS_SECONDS", "0")  # a line at every update
    assert main(["diversity", "--genotypes", str(geno), "--out-dir", str(tmp_path / "d"),
                 "--permutations", "20", "--bootstraps", "5"]) == 0
    err = capsys.readouterr().err
    # 4 autosomal loci (AMEL left out by --sex-locus): 6 pairs, each permutation-tested
    assert "leogen: LD permutation tests (20 permutations per pair): 6/6 pairs of loci" in err
    assert "leogen: diversity: 10 individuals, 4 loci, 1 population(s)" in err
    assert err.index("leogen diversity (leogen") < err.index("LD permutation")


def test_quick_bad_input_prints_only_the_error(tmp_path, geno, capsys):
    assert main(["inbreeding", "--genotypes", str(geno), "--out-dir", str(tmp_path / "o"),
                 "--exclude-loci", "NOPE"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--exclude-loci: no locus 'NOPE'" in err[0]


def test_plain_progress_lines():
    log = io.StringIO()
    with progress(total=4, desc="bootstraps", unit="replicates", stream=log,
                  interval=0) as bar:
        for _ in range(4):
            bar.update()
    lines = log.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[1].startswith("leogen: bootstraps: 2/4 replicates (50%), ~")
    assert lines[-1].startswith("leogen: bootstraps: 4/4 replicates (100%)")
    assert lines[-1].endswith("(done)")
    # a short step with the default interval writes nothing
    quiet = io.StringIO()
    assert sum(progress(range(3), desc="x", stream=quiet, interval=30)) == 3
    assert quiet.getvalue() == ""


def test_progress_can_be_silenced(monkeypatch):
    monkeypatch.setenv("LEOGEN_PROGRESS", "0")
    log = io.StringIO()
    assert list(progress(range(3), desc="x", stream=log, interval=0)) == [0, 1, 2]
    assert log.getvalue() == ""


def test_sex_marker_note_when_exclude_loci_given_alone(tmp_path, geno, capsys):
    assert main(["relatedness", "--genotypes", str(geno), "--out-dir", str(tmp_path / "r"),
                 "--exclude-loci", "L0", "--simulate-pairs", "0"]) == 0
    err = capsys.readouterr().err
    assert "the sex marker AMEL is left out by --sex-locus" in err
    pairs = pd.read_csv(tmp_path / "r" / "pairs.tsv", sep="\t")
    assert len(pairs) == 45  # 10 animals: 45 pairs
