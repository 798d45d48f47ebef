"""The workflow with hostile and partial configs: config values and paths reach the shell
quoted (no injection, spaces work), a user's config is complete on its own (the bundled
example's is not merged in), and what `leogen validate` passes the workflow accepts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from workflow.test_workflow import copy_project, snakemake

pytestmark = pytest.mark.slow

# shell metacharacters of every kind: quotes, ;, $(), backticks, spaces
HOSTILE_DIR = "in put's \"dir\" $(touch PWNED1) `touch PWNED2`; touch PWNED3 #"
HOSTILE_RESULTS = "res ults 'q' \"q\" ;$(touch PWNED4) `touch PWNED5`"
# a species name has no whitespace (FASTA ids), but may hold every other metacharacter
HOSTILE_SPECIES = "Panthera_pardus;touch${IFS}PWNED6;$(touch${IFS}PWNED7)`touch${IFS}PWNED8`'\""
INPUT_KEYS = ("samples", "genotypes", "screening", "mtdna", "mtdna_reference", "snps")


def files_outside(work: Path, results: str) -> dict[str, int]:
    """Every file of the project except the results and snakemake's own state."""
    return {p.relative_to(work).as_posix(): p.stat().st_mtime_ns for p in work.rglob("*")
            if p.is_file() and not p.relative_to(work).as_posix().startswith(
                (results + "/", ".snakemake/"))}


def pwned(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("PWNED*"))


def hostile_project(root: Path, target: str) -> tuple[Path, Path]:
    work = copy_project(root / "pro ject $(touch PWNED0) `x`")
    data = work / HOSTILE_DIR
    data.mkdir()
    for p in (work / "config/example").iterdir():
        if p.is_file():
            shutil.copy2(p, data / p.name)
    ref = data / "mtdna_reference.fasta"
    ref.write_text(ref.read_text().replace(">Panthera_pardus|", f">{HOSTILE_SPECIES}|"))
    config = yaml.safe_load((work / "config/config.yaml").read_text())
    for key in INPUT_KEYS:
        config[key] = config[key].replace("config/example", HOSTILE_DIR)
    config["results"] = HOSTILE_RESULTS
    config["target_species"] = target
    cfg = work / "hostile config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    return work, cfg


def test_hostile_paths_and_strings_run_without_injection(tmp_path):
    work, cfg = hostile_project(tmp_path, HOSTILE_SPECIES)
    before = files_outside(work, HOSTILE_RESULTS)
    snakemake(work, "--cores", "2", "--configfile", cfg.name)
    assert pwned(tmp_path) == []
    assert files_outside(work, HOSTILE_RESULTS) == before  # nothing created or touched
    res = work / HOSTILE_RESULTS
    for rel in ("species/species.tsv", "identify/individuals.tsv", "snp/king.tsv",
                "health/population.html", "report/state_of_population.html"):
        assert (res / rel).stat().st_size > 0, rel
    species = (res / "species/species.tsv").read_text()
    assert HOSTILE_SPECIES in species  # the value reached the command intact


def test_hostile_target_species_fails_with_a_clear_message(tmp_path):
    target = "Panthera_pardus --help >/dev/null; touch PWNED; echo"
    work, cfg = hostile_project(tmp_path, target)
    before = files_outside(work, HOSTILE_RESULTS)
    proc = snakemake(work, "--cores", "2", "--configfile", cfg.name, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (f"the target species '{target}' (config target_species) has no haplotype in the "
            "reference panel") in text
    assert pwned(tmp_path) == []
    assert files_outside(work, HOSTILE_RESULTS) == before
    assert not (work / HOSTILE_RESULTS).exists()  # refused before any job ran


def user_config(work: Path, **keys) -> str:
    cfg = {"samples": "config/example/samples.tsv", "genotypes": "config/example/genotypes.tsv"}
    cfg.update(keys)
    (work / "my.yaml").write_text(yaml.safe_dump(cfg))
    return "my.yaml"


def dry_run(work: Path, *args) -> str:
    proc = snakemake(work, "-n", "--cores", "1", *args)
    return proc.stdout + proc.stderr


def test_user_config_is_not_merged_with_the_example(tmp_path):
    work = copy_project(tmp_path / "partial")
    text = dry_run(work, "--configfile", user_config(work))
    assert "leogen: config " in text and "my.yaml" in text
    assert ("leogen: skipping species check (no 'mtdna' in the config); SNP statistics (no "
            "'snps' in the config); health (no 'screening' in the config)") in text
    for rule in ("snp_region", "snp_gather", "snp_roh", "health", "health_cutoffs", "species"):
        assert f"rule {rule}:" not in text, rule
    for rule in ("consensus", "identify", "diversity", "summary"):
        assert f"rule {rule}:" in text, rule


def test_user_config_without_snps_runs_no_snp_rule(tmp_path):
    work = copy_project(tmp_path / "nosnp")
    text = dry_run(work, "--configfile", user_config(
        work, screening="config/example/screening.tsv", mtdna="config/example/mtdna.fasta",
        mtdna_reference="config/example/mtdna_reference.fasta"))
    assert "SNP statistics (no 'snps' in the config)" in text
    assert "rule snp_" not in text
    assert "rule health:" in text and "rule species:" in text


def test_user_config_without_screening_runs_no_health_rule(tmp_path):
    work = copy_project(tmp_path / "noscreen")
    text = dry_run(work, "--configfile", user_config(work, snps="config/example/snps.vcf.gz"))
    assert "health (no 'screening' in the config)" in text
    assert "rule health" not in text
    assert "rule snp_gather:" in text


def test_no_config_given_runs_the_bundled_example(tmp_path):
    work = copy_project(tmp_path / "default")
    text = dry_run(work)
    assert "config/config.yaml (the bundled example; no --configfile given)" in text
    for rule in ("species", "snp_gather", "health"):
        assert f"rule {rule}:" in text


def test_hash_inside_a_sheet_field_passes_validate_and_workflow(tmp_path):
    """A '#' inside a cell is data for `leogen validate` and for the workflow alike (it was
    cut off as a comment by a second, different check of the sheets)."""
    from leogen.cli import main

    work = copy_project(tmp_path / "hash")
    sheet = work / "config/example/samples.tsv"
    lines = sheet.read_text().splitlines()
    site = lines[0].split("\t").index("site")
    row = lines[1].split("\t")
    row[site] += "#2"
    lines[1] = "\t".join(row)
    sheet.write_text("\n".join(lines) + "\n")
    cfg = user_config(work, samples=str(sheet))
    assert main(["validate", "--config", str(work / cfg)]) == 0
    text = dry_run(work, "--configfile", cfg)
    assert "rule identify:" in text


def test_config_problems_are_one_line_each(tmp_path):
    work = copy_project(tmp_path / "badcfg")
    cfg = user_config(work, health={"grid_km": "abc"}, speling=1)
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", cfg, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "my.yaml: health.grid_km: 'abc' is not of type 'number'" in text
    assert "unknown key 'speling'" in text


def test_config_typo_fails_fast_with_a_suggestion(tmp_path):
    work = copy_project(tmp_path / "typo")
    cfg = user_config(work, identfy={"method": "likelihood"})
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", cfg, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "unknown key 'identfy'; did you mean 'identify'?" in text
    assert "rule " not in text  # refused before any job is planned
