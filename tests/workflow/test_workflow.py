"""The Snakemake workflow end to end on the bundled example: local, on SLURM, killed and
resumed, lint-clean, and rerunning only what a changed parameter affects."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO, require_tool

pytestmark = pytest.mark.slow

# files whose content depends on the run itself, not on the analysis
VOLATILE = ("logs/", "benchmarks/", ".snakemake")


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest / "Snakefile")
    shutil.copytree(REPO / "workflow", dest / "workflow")
    shutil.copytree(REPO / "config", dest / "config")
    return dest


def snakemake(workdir: Path, *args, timeout=900, check=True):
    cmd = [sys.executable, "-m", "snakemake", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def digests(results: Path) -> dict[str, str]:
    out = {}
    for p in sorted(results.rglob("*")):
        rel = p.relative_to(results).as_posix()
        if p.is_file() and not rel.startswith(VOLATILE):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    work = copy_project(tmp_path_factory.mktemp("local"))
    snakemake(work, "--cores", "2")
    return work


def test_lint_and_format_clean():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint", "--cores", "1"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr
    fmt = shutil.which("snakefmt")
    assert fmt, "snakefmt is a test dependency"
    proc = subprocess.run([fmt, "--check", "Snakefile", "workflow/Snakefile", "workflow/rules"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_local_run_produces_every_stage_and_report(local_run):
    res = local_run / "results"
    for rel in ["species/species.tsv", "consensus/consensus.tsv", "identify/sample_individual.tsv",
                "diversity/per_locus.tsv", "relatedness/pairs.tsv", "inbreeding/individuals.tsv",
                "snp/king.tsv", "snp/froh.tsv", "health/prevalence.tsv", "health/population.html",
                "monitoring/abundance.tsv", "monitoring/ne.tsv", "error_rates/error_rates_type.tsv",
                "report/state_of_population.html", "report/state_of_population.tsv"]:
        assert (res / rel).stat().st_size > 0, rel
    assert list((res / "health" / "animals").glob("*.html"))
    for rel in ["pedigree/pedigree.tsv", "pedigree/relationships.tsv",
                "pedigree/management_summary.tsv", "pedigree/pedigree.png", "scr/estimates.tsv",
                "scr/trend.tsv", "monitoring/survival.tsv"]:
        assert (res / rel).stat().st_size > 0, rel
    # every rule left a log that says what it did, and a benchmark
    logs = sorted((res / "logs").glob("*.log"))
    assert len(logs) >= 20
    empty = [p.name for p in logs if p.stat().st_size == 0]
    assert not empty, f"empty rule logs: {empty}"
    for p in logs:
        if p.name != "health_cutoffs.log":  # a script rule: it says what it wrote itself
            assert "written in" in p.read_text(), p.name
    assert len(list((res / "benchmarks").glob("*.tsv"))) >= 8
    # the state of the population names its abundance method (SCR: detectors are given)
    page = (res / "report/state_of_population.html").read_text()
    assert "by spatially explicit capture-recapture" in page
    snakemake(local_run, "--report", "report.html")
    html = (local_run / "report.html").read_text(errors="replace")
    assert "Prevalence per pathogen" in html or "prevalence" in html


def test_every_stage_table_is_declared_and_reads_back(local_run):
    """Each TSV a stage writes is declared in its stage's outputs.py, and reads back through
    that declaration (columns, types, NA rule), so the data contract is what the code writes."""
    from leogen.io.contract import all_tables

    res = local_run / "results"
    declared = {t.path: t for t in all_tables()}
    written = sorted(p.relative_to(res).as_posix() for p in res.rglob("*.tsv")
                     if not p.relative_to(res).as_posix().startswith(VOLATILE))
    # square matrices are documented in the contract as matrices, not row tables
    undeclared = [w for w in written if w not in declared
                  and not w.startswith("relatedness/matrix_")]
    assert not undeclared, undeclared
    for rel in written:
        if rel in declared:
            df = declared[rel].read(res / rel)
            assert len(df) > 0, rel


def test_nothing_to_do_after_a_complete_run(local_run):
    proc = snakemake(local_run, "-n", "--cores", "1")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changed_parameter_reruns_only_affected_rules(local_run):
    override = local_run / "override.yaml"
    override.write_text("diversity:\n  permutations: 99\n")
    proc = snakemake(local_run, "-n", "--cores", "1", "--configfile", "config/config.yaml",
                     str(override))
    text = proc.stdout + proc.stderr
    assert "rule diversity:" in text
    for other in ("rule consensus:", "rule identify:", "rule relatedness:", "rule health:"):
        assert other not in text


def test_kill_and_resume_gives_identical_outputs(local_run, tmp_path):
    work = copy_project(tmp_path / "killed")
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    # kill once the identification stage is done and later stages are running
    while time.time() < deadline and not (work / "results/identify/individuals.tsv").exists():
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # a hard kill (power loss, node failure) leaves snakemake's lock and/or incomplete outputs:
    # a plain rerun refuses and says what to do; unlock, then resume
    refused = snakemake(work, "--cores", "2", check=False)
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0 and ("--unlock" in said or "--rerun-incomplete" in said)
    snakemake(work, "--unlock")
    snakemake(work, "--cores", "2", "--rerun-incomplete")
    assert digests(work / "results") == digests(local_run / "results")


def test_failing_job_keeps_and_names_its_log(tmp_path):
    work = copy_project(tmp_path / "failing")
    snakemake(work, "--cores", "2", "--until", "identify")
    # a corrupted intermediate table makes the diversity job fail with a user error
    bad = work / "results/identify/individual_genotypes.tsv"
    bad.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\nLEO001\t1\tFCA1\t21x\t214\n")
    proc = snakemake(work, "--cores", "1", "--until", "diversity", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "results/logs/diversity.log" in text
    log = (work / "results/logs/diversity.log").read_text()
    assert "allele2" in log or "allele1" in log
    assert "Traceback" not in log


def readme_slurm_command() -> list[str]:
    """The command of the README's "Running on a SLURM cluster" section, word by word."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Running on a SLURM cluster"):]
    block = section[section.index("```bash") + 7:]
    return shlex.split(block[:block.index("```")].strip())


def configure_slurm_profile(work: Path, account: str = "root", partition: str = "main") -> None:
    """Edit the copied profile as the README tells a user to (account, partition, no
    accounting), plus the CI cluster's short status-check delay."""
    prof = work / "workflow/profiles/slurm/config.yaml"
    text = prof.read_text()
    for commented, line in (('  # slurm_account: "\'ACCOUNT\'"', f'  slurm_account: "{account}"'),
                            ('  # slurm_partition: "\'PARTITION\'"', f'  slurm_partition: "{partition}"'),
                            ("# slurm-no-account: true", "slurm-no-account: true"),
                            ("# slurm-status-command: squeue", "slurm-status-command: squeue")):
        assert commented in text, f"the profile no longer has the README's line {commented!r}"
        text = text.replace(commented, line)
    prof.write_text(text + "slurm-init-seconds-before-status-checks: 1\nlatency-wait: 10\n")


def test_readme_slurm_command_dry_run_shows_every_rules_resources(tmp_path):
    cmd = readme_slurm_command()
    assert cmd[0] == "snakemake" and "--default-resources" not in cmd
    work = copy_project(tmp_path / "slurm_dry")
    configure_slurm_profile(work)
    text = snakemake(work, *cmd[1:], "-n").stdout
    blocks = [b for b in text.split("\nrule ")[1:]]
    rules = {b.split(":", 1)[0] for b in blocks}
    assert {"identify", "snp_region", "relatedness", "health"} <= rules
    local = (REPO / "workflow/Snakefile").read_text().split("localrules:")[1].split("\n\n")[0]
    assert "all," in local and "health_cutoffs," in local
    for b in blocks:
        name = b.split(":", 1)[0]
        res_line = next(line for line in b.splitlines() if "resources:" in line)
        for key in ("mem_mb=", "runtime=", "slurm_account=root", "slurm_partition=main"):
            assert key in res_line, (name, res_line)
        assert "disk_mb=50000" not in res_line


def test_slurm_run_equals_local_run(local_run, tmp_path):
    require_tool("sbatch")
    sinfo = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    if sinfo.returncode != 0 or not sinfo.stdout.strip():
        msg = "no SLURM cluster answers (run .ci/slurm-up.sh)"
        if os.environ.get("LEOGEN_REQUIRE_PEERS") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    work = copy_project(tmp_path / "slurm")
    configure_slurm_profile(work)
    # the README's command exactly as written
    snakemake(work, *readme_slurm_command()[1:], timeout=1800)
    assert digests(work / "results") == digests(local_run / "results")




def test_dot_test_config_runs(tmp_path):
    """The snakemake-workflows test configuration (.test/) runs as its README says."""
    work = copy_project(tmp_path / "dottest")
    shutil.copytree(REPO / ".test", work / ".test")
    snakemake(work, "--cores", "2", "--directory", ".test", "-s", str(work / "Snakefile"))
    results = work / ".test/results"
    assert (results / "identify/sample_individual.tsv").exists()
    assert (results / "report/state_of_population.html").exists()
    assert not (results / "snp").exists()  # the config names no VCF: the stage is skipped


def test_usable_as_a_module(tmp_path):
    """A deploying project's Snakefile with a `module` statement (what snakedeploy writes)
    plans the whole workflow from its own config."""
    work = tmp_path / "deploy"
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / ".test/data", work / "data")
    shutil.copy(REPO / ".test/config/config.yaml", work / "config/config.yaml")
    (work / "Snakefile").write_text(
        'configfile: "config/config.yaml"\n\n\n'
        "module leogen:\n"
        f'    snakefile:\n        "{REPO / "workflow/Snakefile"}"\n'
        "    config:\n        config\n\n\n"
        "use rule * from leogen as leogen_*\n")
    text = snakemake(work, "-n", "--cores", "1").stdout
    for rule in ("leogen_identify", "leogen_health", "leogen_summary", "leogen_all"):
        assert rule in text
    assert "leogen_snp_region" not in text
