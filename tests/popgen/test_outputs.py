"""Declared tables of the popgen stage: what the commands write reads back with its
declaration, the readers later stages use, and the commands' shape (no command imports
another, no library message names a CLI flag)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import REPO

from leogen.cli import main
from leogen.errors import InputError
from leogen.io.longtable import write_long
from leogen.model.genotypes import Genotypes
from leogen.popgen import outputs


def _genotypes(n=12, n_loci=8, n_alleles=5, seed=4, missing=0.05) -> Genotypes:
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, n_alleles, (n, n_loci, 2))
    calls[rng.random((n, n_loci)) < missing] = -1
    return Genotypes(calls, [f"i{k}" for k in range(n)], [f"L{j}" for j in range(n_loci)],
                     tuple(np.arange(100, 100 + 2 * n_alleles, 2) for _ in range(n_loci)))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder with diversity (grouped by site), relatedness and inbreeding."""
    tmp = tmp_path_factory.mktemp("popgen")
    g = _genotypes()
    geno = tmp / "g.tsv"
    write_long(g, geno)
    links = tmp / "sample_individual.tsv"
    links.write_text("sample_id\tindividual_id\tstatus\n" + "".join(
        f"s{k}\t{i}\tunique\n" for k, i in enumerate(g.samples)))
    sheet = tmp / "samples.tsv"
    sheet.write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\n" + "".join(
        f"s{k}\tscat\t{2017 + k // 4}-01-01\tS{k % 2}\t43.1\t131.2\n" for k in range(len(g.samples))))
    res = tmp / "results"
    assert main(["diversity", "--genotypes", str(geno), "--out-dir", str(res / "diversity"),
                 "--group-by", "site", "--sample-individual", str(links), "--samples",
                 str(sheet), "--permutations", "10", "--bootstraps", "10",
                 "--exclude-loci", ""]) == 0
    assert main(["relatedness", "--genotypes", str(geno), "--out-dir",
                 str(res / "relatedness"), "--simulate-pairs", "5", "--exclude-loci", ""]) == 0
    assert main(["inbreeding", "--genotypes", str(geno), "--out-dir", str(res / "inbreeding"),
                 "--bootstraps", "5", "--permutations", "5", "--exclude-loci", ""]) == 0
    return res


def test_every_output_reads_back_with_its_declaration(results):
    for table in outputs.TABLES:
        if table is outputs.MATRIX:
            paths = sorted((results / "relatedness").glob("matrix_*.tsv"))
            assert len(paths) == 6  # five moment estimators and ML
        else:
            paths = [results / table.path]
        for path in paths:
            df = table.read(path)
            assert len(df) > 0, path
            assert list(df.columns[:len(table.names)]) == table.names


def test_readers_type_the_columns(results):
    summary = outputs.read_diversity_summary(results / "diversity/summary.tsv",
                                             ["population", "n_individuals", "mean_he"])
    assert summary["population"].tolist() == ["S0", "S1", "all"]
    assert summary["n_individuals"].dtype == np.int64
    assert outputs.read_populations(results / "diversity/populations.tsv").shape == (12, 3)
    pairs = outputs.read_pairs(results / "relatedness/pairs.tsv")
    assert len(pairs) == 66 and pairs["wang"].dtype == float
    assert "king" not in pairs.columns  # no SNP data in this run
    inb = outputs.read_individual_inbreeding(results / "inbreeding/individuals.tsv",
                                             ["individual_id", "smlh"])
    assert list(inb.columns) == ["individual_id", "smlh", "_line"]
    g2 = outputs.read_g2(results / "inbreeding/g2.tsv")
    assert g2["n_individuals"] == 12 and isinstance(g2["n_individuals"], int)


def test_a_requested_snp_column_that_is_absent_is_an_input_error(results):
    with pytest.raises(InputError, match="f_mom"):
        outputs.read_individual_inbreeding(results / "inbreeding/individuals.tsv",
                                           ["individual_id", "f_mom"])


def test_optional_snp_columns_are_typed_and_bad_cells_named(tmp_path):
    path = tmp_path / "pairs.tsv"
    head = "\t".join(outputs.PAIRS.names + ["king", "ibs0", "n_snps"])
    row = ["a", "b", "7"] + ["0.1"] * 6 + ["U"] + ["-1"] * 5
    path.write_text(head + "\n" + "\t".join(row + ["0.25", "0.01", "400"]) + "\n"
                    + "\t".join(["a", "c"] + row[2:] + ["NA", "NA", "NA"]) + "\n")
    pairs = outputs.read_pairs(path)
    assert pairs["king"].tolist()[0] == 0.25 and np.isnan(pairs["king"].iloc[1])
    assert str(pairs["n_snps"].dtype) == "Int64"
    path.write_text(head + "\n" + "\t".join(row + ["high", "0.01", "400"]) + "\n")
    with pytest.raises(InputError) as e:
        outputs.read_pairs(path)
    assert str(e.value).startswith(f"{path} line 2: column king: ")


def test_writers_refuse_undeclared_columns(tmp_path):
    with pytest.raises(ValueError, match="differ from the declaration"):
        outputs.G2.write(pd.DataFrame({"g2": [0.1]}), tmp_path / "g2.tsv")


def test_sample_map_reads_the_identify_table(tmp_path):
    from leogen.commands._popgen_args import read_sample_map

    path = tmp_path / "si.tsv"
    path.write_text("sample_id\tindividual_id\tstatus\nBL1\tLEO1\tunique\n"
                    "BL2\tNA\tno_consensus\nBL3\tLEO1\tmatched\n")
    assert read_sample_map(str(path)) == {"BL1": "LEO1", "BL3": "LEO1"}
    assert read_sample_map(None) == {}


def test_no_command_imports_another_command():
    for path in (REPO / "leogen" / "commands").glob("*.py"):
        for name in re.findall(r"from leogen\.commands\.(\w+) import", path.read_text()):
            assert name.startswith("_"), f"{path.name} imports the command {name}"


def test_library_messages_name_no_cli_flag():
    flag = re.compile(r"(?:Error|warn)\(\s*f?[\"'][^\"']*--[a-z]")
    for path in list((REPO / "leogen" / "popgen").glob("*.py")) + [
            REPO / "leogen" / "model" / "frequencies.py"]:
        assert not flag.search(path.read_text()), path
