"""``leogen pedigree`` end to end on an independent gene drop: tables, determinism, age
constraints, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pedigree.genedrop import gene_drop

from leogen.cli import main
from leogen.io.formats import write_genotypes
from leogen.model.genotypes import Genotypes
from leogen.pedigree import outputs
from leogen.pedigree.priors import AgeSettings, AnimalInfo
from leogen.pedigree.run import consensus_error_rates, reconstruct_pedigree

SHEET_COLUMNS = ["sample_id", "sample_type", "date", "site", "lat", "lon", "sex", "age_class"]


def write_inputs(tmp_path, drop, extra: dict | None = None):
    """Genotypes (long table), sample sheet and sample_individual.tsv of a gene drop."""
    geno = tmp_path / "genotypes.tsv"
    write_genotypes(drop.g, geno, "long")
    sheet = drop.samples[SHEET_COLUMNS].copy()
    sheet["date"] = sheet["date"].dt.strftime("%Y-%m-%d")
    for col, values in (extra or {}).items():
        sheet[col] = values
    samples = tmp_path / "samples.tsv"
    sheet.to_csv(samples, sep="\t", index=False)
    links = tmp_path / "sample_individual.tsv"
    drop.links.assign(status="matched")[["sample_id", "individual_id", "status"]].to_csv(
        links, sep="\t", index=False)
    return geno, samples, links


def _cli(geno, samples, links, out, *more):
    return main(["pedigree", "--genotypes", str(geno), "--samples", str(samples),
                 "--sample-individual", str(links), "--out-dir", str(out), *more])


def test_cli_tables_and_determinism(tmp_path):
    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    assert _cli(geno, samples, links, tmp_path / "a") == 0
    assert _cli(geno, samples, links, tmp_path / "b") == 0
    for t in outputs.TABLES:
        name = outputs.file_name(t)
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    ped = outputs.read_pedigree(tmp_path / "a" / "pedigree.tsv")
    n = drop.g.n_samples
    assert ped["sampled"].sum() == n and list(ped["individual_id"][:n]) == list(drop.g.samples)
    dummies = ped.loc[~ped["sampled"], "individual_id"]
    assert dummies.str.match(r"^\*[MF]\d{3}$").all()
    for role in ("sire", "dam"):
        has = ped[role] != ""
        p = ped.loc[has, f"{role}_probability"]
        assert ((p >= 0.7) & (p <= 1)).all()  # assigned at the default min-probability
        assert ped.loc[has & ped[f"{role}_dummy"].fillna(False).astype(bool),
                       role].str.startswith("*").all()
        # every parent is listed as an individual
        assert set(ped.loc[has, role]) <= set(ped["individual_id"])
    rel = outputs.read_relationships(tmp_path / "a" / "relationships.tsv")
    assert len(rel) == n * (n - 1) // 2
    probs = rel[["p_po", "p_fs", "p_hs", "p_gpav", "p_u"]].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert (rel["probability"].to_numpy() == probs.max(axis=1)).all()
    kin = outputs.read_kinship(tmp_path / "a" / "kinship.tsv")
    assert len(kin) == n * (n - 1) // 2
    po = kin[kin["relationship"] == "PO"]
    assert (po["kinship"] >= 0.25 - 1e-12).all() and len(po) > 0
    inb = outputs.read_inbreeding(tmp_path / "a" / "inbreeding.tsv")
    assert len(inb) == n and ((inb["f_pedigree"] >= 0) & (inb["f_pedigree"] < 1)).all()


def test_parents_found_in_a_trio_and_a_parent_that_fails_on_age():
    # 30 unrelated founders (15 M, 15 F), then a cub of founders 0 (M) and 1 (F); 20 loci
    rng = np.random.default_rng(11)
    n_loci, k = 20, 8
    freqs = rng.dirichlet(np.full(k, 2.0), n_loci)
    founders = np.stack([[rng.choice(k, 2, p=f) for f in freqs] for _ in range(30)])
    pick = rng.integers(0, 2, (2, n_loci))
    cub = np.stack([founders[0, np.arange(n_loci), pick[0]],
                    founders[1, np.arange(n_loci), pick[1]]], axis=1)
    calls = np.concatenate([founders, cub[None]])
    g = Genotypes(calls, [f"A{i:02d}" for i in range(31)], [f"L{j}" for j in range(n_loci)],
                  tuple(np.arange(k) * 2 + 100 for _ in range(n_loci)))
    n = 31
    sex = np.array(["M", "F"] * 15 + ["U"])

    def info(dam_birth):
        lo = np.full(n, 2005)
        lo[1], lo[30] = dam_birth, 2015
        return AnimalInfo(g.samples, sex, lo, lo.copy(), lo + 1, np.full(n, 2020),
                          np.zeros(n, bool), np.full(n, -1), np.full(n, -1))

    res = reconstruct_pedigree(g, info(2005), AgeSettings())
    ped = res.pedigree.set_index("individual_id")
    assert ped.loc["A30", "sire"] == "A00" and ped.loc["A30", "dam"] == "A01"
    assert ped.loc["A30", "sire_probability"] > 0.9 and ped.loc["A30", "dam_probability"] > 0.9
    # the same dam born in 2016, after the cub: she cannot be its mother
    res = reconstruct_pedigree(g, info(2016), AgeSettings())
    ped = res.pedigree.set_index("individual_id")
    assert res.parentage.dam_post[30, 1] == 0.0
    assert ped.loc["A30", "dam"] != "A01"  # (its allele sharing may make them dummy half sibs)
    assert ped.loc["A30", "sire"] == "A00"


def test_error_rate_table_and_marker_inbreeding(tmp_path):
    drop = gene_drop(3)
    geno, samples, links = write_inputs(tmp_path, drop)
    rates = tmp_path / "error_rates_locus.tsv"
    pd.DataFrame({"locus": list(drop.g.loci), "basis": "individual", "n_samples": 10,
                  "n_het_amplifications": 10, "n_dropouts": 1, "ado_rate": 0.2,
                  "ado_rate_lo": 0.1, "ado_rate_hi": 0.3, "n_amplifications": 20,
                  "n_false_alleles": 1, "fa_rate": 0.02, "fa_rate_lo": 0.01, "fa_rate_hi": 0.05,
                  "quality_index": 0.7, "median_replicates": 4.0}).to_csv(rates, sep="\t",
                                                                          index=False)
    marker = tmp_path / "individuals.tsv"
    pd.DataFrame({"individual_id": list(drop.g.samples), "n_loci": 15, "smlh": 1.0,
                  "ir": 0.0, "hl": 0.3, "f_ritland": 0.05}).to_csv(marker, sep="\t", index=False)
    assert _cli(geno, samples, links, tmp_path / "o", "--error-rates", str(rates),
                "--inbreeding", str(marker)) == 0
    inb = outputs.read_inbreeding(tmp_path / "o" / "inbreeding.tsv")
    assert list(inb.columns[:6]) == ["individual_id", "f_pedigree", "n_parents",
                                     "n_ancestor_generations", "f_ritland", "smlh"]
    assert (inb["f_ritland"] == 0.05).all()
    # per replicate ADO 0.2 and FA 0.02 over 4 replicates -> 2 (0.1)^4 (floored 1e-3), 6 e^2
    ado, fa = consensus_error_rates(pd.read_csv(rates, sep="\t"), drop.g.loci)
    assert np.allclose(ado, 1e-3) and np.allclose(fa, 6 * 0.02 ** 2)


def test_cli_bad_input(tmp_path, capsys):
    drop = gene_drop(2)
    first = drop.links.groupby("individual_id").head(2)
    twice = first[first.duplicated("individual_id", keep=False)]
    a, b = twice["sample_id"].iloc[0], twice["sample_id"].iloc[1]
    sexes = np.where(drop.samples["sample_id"] == a, "M",
                     np.where(drop.samples["sample_id"] == b, "F", ""))
    drop.samples["sex"] = sexes
    geno, samples, links = write_inputs(tmp_path, drop)
    assert _cli(geno, samples, links, tmp_path / "o") == 2
    err = capsys.readouterr().err
    line = int(np.flatnonzero(drop.samples["sample_id"] == b)[0]) + 2
    assert f"samples.tsv line {line}: sex 'F' of sample '{b}'" in err
    # a sample of sample_individual.tsv that the sheet does not list
    drop2 = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop2)
    text = links.read_text().splitlines()
    links.write_text("\n".join(text + ["X_UNKNOWN\t" + text[1].split("\t")[1] + "\tmatched"])
                     + "\n")
    assert _cli(geno, samples, links, tmp_path / "o2") == 2
    err = capsys.readouterr().err
    assert f"sample_individual.tsv line {len(text) + 1}: sample_id 'X_UNKNOWN'" in err
