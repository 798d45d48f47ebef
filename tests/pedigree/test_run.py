"""``leogen pedigree`` end to end on an independent gene drop: tables, determinism, age
constraints, bad input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
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


def test_cli_tables_and_determinism(tmp_path, capsys):
    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    assert _cli(geno, samples, links, tmp_path / "a") == 0
    # the panel's exclusion power: the log line and its table (15 loci of 5-10 alleles)
    err = capsys.readouterr().err
    assert "marker panel: an unrelated candidate is excluded as a parent with probability" in err
    panel = outputs.read_panel_power(tmp_path / "a" / "panel_power.tsv")
    assert panel["locus"].tolist() == [*drop.g.loci, "all"]
    assert 0.99 < panel["excl_first_parent"].iloc[-1] < panel["excl_second_parent"].iloc[-1]
    assert (panel["excl_first_parent"].iloc[:-1] < panel["excl_first_parent"].iloc[-1]).all()
    assert _cli(geno, samples, links, tmp_path / "b") == 0
    for t in outputs.CORE_TABLES:  # written by every run (same seed: same bytes)
        name = outputs.file_name(t)
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "pedigree.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "a" / "proposed_pairs.tsv").exists()
    ped = outputs.read_pedigree(tmp_path / "a" / "pedigree.tsv")
    n = drop.g.n_samples
    assert ped["sampled"].sum() == n and list(ped["individual_id"][:n]) == list(drop.g.samples)
    dummies = ped.loc[~ped["sampled"], "individual_id"]
    assert dummies.str.match(r"^\*[MF]\d{3}$").all()
    # birth-year estimates: inside their interval, the interval inside the window's reach,
    # none for dummy parents
    est = ped[ped["sampled"]]
    assert (est["birth_year_80_lo"] <= est["birth_year_estimate"]).all()
    assert (est["birth_year_estimate"] <= est["birth_year_80_hi"]).all()
    assert (est["birth_year_80_probability"] >= 0.8 - 1e-9).all()
    assert (est["birth_year_80_hi"] <= est["birth_year_hi"]).all()
    assert ped.loc[~ped["sampled"], ["birth_year_estimate", "birth_year_80_probability"]
                   ].isna().all().all()
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


def _trio(clone_of_dam: bool = False) -> Genotypes:
    """30 unrelated founders (15 M, 15 F), then a cub of founders 0 (M) and 1 (F) (A30);
    with ``clone_of_dam`` also A31, a female with the genotype of founder 1; 20 loci."""
    rng = np.random.default_rng(11)
    n_loci, k = 20, 8
    freqs = rng.dirichlet(np.full(k, 2.0), n_loci)
    founders = np.stack([[rng.choice(k, 2, p=f) for f in freqs] for _ in range(30)])
    pick = rng.integers(0, 2, (2, n_loci))
    cub = np.stack([founders[0, np.arange(n_loci), pick[0]],
                    founders[1, np.arange(n_loci), pick[1]]], axis=1)
    calls = np.concatenate([founders, cub[None]] + ([founders[1][None]] if clone_of_dam else []))
    return Genotypes(calls, [f"A{i:02d}" for i in range(len(calls))],
                     [f"L{j}" for j in range(n_loci)],
                     tuple(np.arange(k) * 2 + 100 for _ in range(n_loci)))


def test_parents_found_in_a_trio_and_a_parent_that_fails_on_age():
    g = _trio()
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


def _families(n_families: int = 12, n_loci: int = 20):
    """30 unrelated genotyped animals born 2005, then per family a sire S born 2010 and its
    cub born 2015, the cub's dam not sampled: in the inbred families she is S's full sister
    (the cub's F is 1/4), in the others an unrelated animal (F 0)."""
    rng = np.random.default_rng(5)
    k = 8
    freqs = rng.dirichlet(np.full(k, 2.0), n_loci)

    def animal():
        return np.stack([rng.choice(k, 2, p=f) for f in freqs])

    def cub(a, b):
        pick = rng.integers(0, 2, (2, n_loci))
        return np.stack([a[np.arange(n_loci), pick[0]], b[np.arange(n_loci), pick[1]]], axis=1)

    calls = [animal() for _ in range(30)]
    inbred = []
    for j in range(2 * n_families):
        gp_m, gp_f = animal(), animal()
        sire = cub(gp_m, gp_f)
        dam = cub(gp_m, gp_f) if j % 2 == 0 else animal()
        calls += [sire, cub(sire, dam)]
        inbred.append(j % 2 == 0)
    n = len(calls)
    g = Genotypes(np.stack(calls), [f"A{i:02d}" for i in range(n)],
                  [f"L{j}" for j in range(n_loci)], tuple(np.arange(k) * 2 + 100 for _ in
                                                          range(n_loci)))
    born = np.array([2005] * 30 + [2010, 2015] * (2 * n_families))
    sex = np.array(["M", "F"] * 15 + ["M", "U"] * (2 * n_families))
    info = AnimalInfo(g.samples, sex, born, born.copy(), born + 1, np.full(n, 2020),
                      np.zeros(n, bool), np.full(n, -1), np.full(n, -1))
    return g, info, np.arange(31, n, 2), np.array(inbred)


def test_unsampled_dam_related_to_the_sire_raises_expected_f():
    # the cub's unsampled dam is the sire's full sister in half the families: her gamete in
    # the cub is like the sire's, which the expected F counts (the point F, with no dam
    # assigned, is 0 for every cub)
    g, info, cubs, inbred = _families()
    res = reconstruct_pedigree(g, info, AgeSettings())
    ped = res.pedigree.set_index("individual_id")
    found = ped.loc[g.samples[cubs], "sire"].to_numpy() == g.samples[cubs - 1]
    assert found[~inbred].all() and found[inbred].sum() >= 6  # an inbred cub's sire is
    cubs, inbred = cubs[found], inbred[found]  # found less often (its aunt competes)
    inb = res.inbreeding.set_index("individual_id")
    f_exp = inb.loc[g.samples[cubs], "f_pedigree_expected"].to_numpy()
    assert (inb.loc[g.samples[cubs], "f_pedigree"] == 0).all()
    # measured: 0.10 (0.01-0.21 over 7 cubs) against 0.002
    assert f_exp[inbred].mean() > 0.05 and f_exp[~inbred].mean() < 0.02
    assert (f_exp <= 0.25 + 1e-9).all()


def test_unsampled_dam_counts_through_a_sire_not_assigned():
    # the same families with no sire assigned (as when the sire's posterior is below the
    # threshold): the sire candidates stand in, each weighted by its posterior, so the
    # increment is about that of the assigned case times the true sire's posterior
    from leogen.pedigree import likelihood as lk
    from leogen.pedigree.run import DEFAULT_ERROR, unsampled_parent_inbreeding

    g, info, cubs, inbred = _families()
    res = reconstruct_pedigree(g, info, AgeSettings())
    ev = lk.build_evidence(g, ado=DEFAULT_ERROR, fa=DEFAULT_ERROR, locus_error=0.01)
    par = res.parentage
    n = g.n_samples
    sire = np.where(res.sire_idx[:n] < n, res.sire_idx[:n], -1)  # the sampled sires
    assert (sire[cubs[inbred]] >= 0).sum() >= 6
    found = cubs[(sire[cubs] == cubs - 1)]
    full = unsampled_parent_inbreeding(ev, par, sire, np.full(n, -1), res.sire_idx,
                                       np.full(len(res.ids), -1))
    none = np.full(n, -1)
    open_ = unsampled_parent_inbreeding(ev, par, none, np.full(n, -1), np.full(len(res.ids), -1),
                                        np.full(len(res.ids), -1))
    w = par.sire_post[found, found - 1]
    assert np.allclose(open_[found], w * full[found], atol=0.02)
    assert (full[found] > 0).all()


def test_unsampled_dam_cohort_kinship_by_hand():
    # the cohort part: the cub's open dam role gets the mean kinship of its sire with the
    # females that could have been the dam, times the probability that the dam was not
    # sampled and that her cohort was born while the study sampled; the pair's own
    # (marker-based) part is the call without a cohort
    from leogen.pedigree import likelihood as lk
    from leogen.pedigree.run import DEFAULT_ERROR, unsampled_parent_inbreeding

    g, info, cubs, _ = _families()
    res = reconstruct_pedigree(g, info, AgeSettings())
    ev = lk.build_evidence(g, ado=DEFAULT_ERROR, fa=DEFAULT_ERROR, locus_error=0.01)
    par, n = res.parentage, g.n_samples
    sire = np.where(res.sire_idx[:n] < n, res.sire_idx[:n], -1)
    cub = cubs[sire[cubs] == cubs - 1][0]
    s = cub - 1
    no_dam = np.full(n, -1)
    args = (ev, par, sire, no_dam, res.sire_idx, np.full(len(res.ids), -1))
    own = unsampled_parent_inbreeding(*args)
    kinship = np.zeros((n, n))
    kinship[[1, 3], s] = kinship[s, [1, 3]] = [0.25, 0.125]  # two of the sire's relatives
    dams = np.zeros((n, n))
    dams[cub, [1, 3, 5, 7]] = 0.25  # the cub's dam cohort: four females, a quarter each
    sampled = np.full(n, 0.5)
    both = unsampled_parent_inbreeding(*args, kinship=kinship, cohort=(np.zeros((n, n)), dams),
                                       cohort_sampled=sampled)
    q = par.dam_post[cub, n]
    assert q > 0.5
    assert both[cub] - own[cub] == pytest.approx(q * 0.5 * (0.25 * 0.25 + 0.25 * 0.125))
    others = np.arange(n) != cub
    assert np.allclose(both[others], own[others])  # no cohort given for the other cubs
    none = unsampled_parent_inbreeding(*args, kinship=kinship, cohort=(np.zeros((n, n)), dams),
                                       cohort_sampled=np.zeros(n))
    assert np.allclose(none, own)  # a cohort born before the study counts nothing
    # the same cub with a dummy dam whose parents were not found: the dummy is unsampled for
    # sure, the gamete part counts whole, and the cohort's share is weighed by Bayes' rule
    # with the chance theta_s theta_d that both parents of a dummy born in the sampled years
    # went unsampled
    s_ext = np.append(sire, -1)
    d_ext = np.full(n + 1, -1)
    d_ext[cub] = n  # the dummy, row n, has no parents
    dummy = unsampled_parent_inbreeding(ev, par, sire, no_dam, s_ext, d_ext, kinship=kinship,
                                        cohort=(np.zeros((n, n)), dams),
                                        cohort_sampled=sampled)
    t = par.theta[0] * par.theta[1]
    assert 0 < t < 1
    weight = 0.5 * t / (0.5 * t + 0.5)
    assert dummy[cub] == pytest.approx(own[cub] / q + weight * (0.25 * 0.25 + 0.25 * 0.125))
    # founder 0, no parent assigned: its sire's cohort is animal 2, its dam's 1 and 3 (half
    # each). Each open role takes the cohort's kinship with the other role's sampled
    # candidates (by posterior), and both unsampled the kinship between the cohorts
    a = 0
    assert res.sire_idx[a] < 0 and res.dam_idx[a] < 0
    k = np.zeros((n, n))
    k[2, [1, 3]] = k[[1, 3], 2] = [0.2, 0.1]
    k[2, 5] = k[5, 2] = 0.3
    sires, dams = np.zeros((n, n)), np.zeros((n, n))
    sires[a, 2] = 1.0
    dams[a, [1, 3]] = 0.5
    founder_args = (ev, par, np.full(n, -1), np.full(n, -1), np.full(len(res.ids), -1),
                    np.full(len(res.ids), -1))
    base = unsampled_parent_inbreeding(*founder_args)
    got = unsampled_parent_inbreeding(*founder_args, kinship=k, cohort=(sires, dams),
                                      cohort_sampled=sampled)
    qs, qd = par.sire_post[a, n], par.dam_post[a, n]
    via_dams = qs * 0.5 * (par.dam_post[a, :n] @ k[2])          # sire unsampled
    via_sires = qd * 0.5 * (par.sire_post[a, :n] @ (0.5 * k[1] + 0.5 * k[3]))  # dam unsampled
    between = qs * qd * 0.5 * (0.5 * 0.2 + 0.5 * 0.1)
    assert got[a] - base[a] == pytest.approx(via_dams + via_sires + between)
    assert between > 0.01


def test_mtdna_tells_apart_two_genetically_equal_dams():
    # the cub A30 of founders 0 (M) and 1 (F), and A31 a female with the genotype of 1 (a
    # clone: the nuclear loci cannot tell the two dams apart); the cub and 1 carry mtDNA
    # haplotype H1, 31 carries H2
    g = _trio(clone_of_dam=True)
    n = 32
    sex = np.array(["M", "F"] * 15 + ["U", "F"])
    lo = np.full(n, 2005)
    lo[30] = 2015
    info = AnimalInfo(g.samples, sex, lo, lo.copy(), lo + 1, np.full(n, 2020),
                      np.zeros(n, bool), np.full(n, -1), np.full(n, -1))
    post = reconstruct_pedigree(g, info, AgeSettings()).parentage.dam_post
    assert abs(post[30, 1] - post[30, 31]) < 0.05  # the clones share the dam's posterior
    hap = np.array(["H3", "H1"] * 15 + ["H1", "H2"], dtype=object)
    res = reconstruct_pedigree(g, replace(info, mt_haplotype=hap), AgeSettings())
    ped = res.pedigree.set_index("individual_id")
    # the mismatch speaks against the clone as the dam, and as the cub's full sib or
    # maternal half sib alike, so it is not excluded outright (a clone of the dam with
    # another haplotype fits no hypothesis well); the dam with the matching haplotype wins
    p_true, p_clone = res.parentage.dam_post[30, 1], res.parentage.dam_post[30, 31]
    assert ped.loc["A30", "dam"] == "A01" and p_true > 0.6 and p_true > 3 * p_clone, (
        p_true, p_clone)
    assert ped.loc["A30", "sire"] == "A00"  # the sire is not touched by the mtDNA


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
    assert list(inb.columns[:7]) == ["individual_id", "f_pedigree", "f_pedigree_expected",
                                     "n_parents", "n_ancestor_generations", "f_ritland", "smlh"]
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


def test_cli_detection_history_options(tmp_path, capsys):
    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    with pytest.raises(SystemExit) as e:
        _cli(geno, samples, links, tmp_path / "o", "--availability", "most")
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "'most' is neither 'auto' nor a probability in [0, 1]" in err
    assert "Traceback" not in err
    # off, a given availability, auto: all run; turning the history off changes the priors
    outs = {}
    for name, more in (("off", ("--detection-history", "no")),
                       ("given", ("--availability", "1")), ("auto", ())):
        assert _cli(geno, samples, links, tmp_path / name, *more) == 0
        outs[name] = (tmp_path / name / "pedigree.tsv").read_bytes()
    assert outs["given"] == outs["auto"]  # the gene drop's own estimate is 1 (closed area)
    assert outs["off"] != outs["auto"]


def test_cli_species_haplotypes(tmp_path, capsys):
    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    # each animal's mtDNA: its true dam's line (founders by their own id)
    t = drop.truth.set_index("individual_id")

    def line(x):
        while isinstance(t.loc[x, "dam"], str) and t.loc[x, "dam"]:
            x = t.loc[x, "dam"]
        return x

    animal = dict(zip(drop.links["sample_id"], drop.links["individual_id"], strict=True))
    sp = pd.DataFrame({"sample_id": drop.samples["sample_id"], "sample_type": "scat",
                       "best_species": "Panthera_pardus",
                       "best_haplotype": [line(animal[x]) for x in drop.samples["sample_id"]],
                       "identity": 1.0, "second_species": "NA", "second_identity": "NA",
                       "margin": "NA", "n_aligned": 500, "status": "target", "reason": "NA"})
    species = tmp_path / "species.tsv"
    sp.to_csv(species, sep="\t", index=False)
    assert _cli(geno, samples, links, tmp_path / "mt", "--species", str(species)) == 0
    assert _cli(geno, samples, links, tmp_path / "no_mt") == 0
    ped = outputs.read_pedigree(tmp_path / "mt" / "pedigree.tsv")
    truth_dam = ped["individual_id"].map(t["dam"])
    named = ped["sampled"] & (ped["dam"] != "") & ~ped["dam"].str.startswith("*")
    assert (ped.loc[named, "dam"] == truth_dam[named]).mean() >= 0.95
    # a species table without the haplotype column: file and column named, exit 2
    sp.drop(columns="best_haplotype").to_csv(species, sep="\t", index=False)
    assert _cli(geno, samples, links, tmp_path / "bad", "--species", str(species)) == 2
    err = capsys.readouterr().err
    assert "species.tsv" in err and "best_haplotype" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()


def test_cli_management_pairs_and_colony(tmp_path):
    """Every table of the stage and the PNG through ``main()``: the management numbers on a
    reference of the animals, proposed pairs, and COLONY's best configuration (here the
    simulated truth of the sampled animals written in COLONY's format)."""
    from pedigree.genedrop import evaluate

    from leogen.io import colony

    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    ids = list(drop.g.samples)
    ref = tmp_path / "reference.tsv"
    pd.DataFrame({"individual_id": ids[-20:]}).to_csv(ref, sep="\t", index=False)
    t = drop.truth.set_index("individual_id")
    # a proposed pair of true full sibs (kinship >= 1/4 if both their parents are found)
    sib_pairs = [(a, b) for a in ids for b in ids if a < b and t.loc[a, "sire"] is not None
                 and t.loc[a, "sire"] == t.loc[b, "sire"] and t.loc[a, "dam"] == t.loc[b, "dam"]]
    pairs = tmp_path / "pairs.tsv"
    pd.DataFrame({"id1": [sib_pairs[0][0], ids[0]], "id2": [sib_pairs[0][1], ids[1]]}).to_csv(
        pairs, sep="\t", index=False)
    # COLONY's view = the truth: sampled parents by name, unsampled ones as dummies
    sampled = set(ids)
    tr = drop.truth[drop.truth["individual_id"].isin(sampled)
                    | drop.truth["individual_id"].isin(set(t.loc[ids, "sire"].dropna())
                                                       | set(t.loc[ids, "dam"].dropna()))]
    tr = tr.assign(sire=tr["sire"].fillna(""), dam=tr["dam"].fillna(""))
    tr.loc[~tr["individual_id"].isin(sampled), ["sire", "dam"]] = ""
    best = tmp_path / "truth.BestConfig"
    colony.write_best_config(tr["individual_id"], tr["sire"], tr["dam"], best,
                             ~tr["individual_id"].isin(sampled))
    out = tmp_path / "o"
    assert _cli(geno, samples, links, out, "--reference", str(ref), "--pairs", str(pairs),
                "--colony-bestconfig", str(best), "--gene-drop", "200") == 0
    for tab in outputs.TABLES:  # every declared table is written and reads back
        back = tab.read(out / outputs.file_name(tab))
        assert len(back) > 0, tab.path
    assert (out / "pedigree.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ped = outputs.read_pedigree(out / "pedigree.tsv")
    animals = outputs.MANAGEMENT_ANIMALS.read(out / "management_animals.tsv")
    assert len(animals) == len(ped)
    assert animals["in_reference"].sum() == 20
    assert set(animals.loc[animals["in_reference"], "individual_id"]) == set(ids[-20:])
    summary = outputs.MANAGEMENT_SUMMARY.read(out / "management_summary.tsv").iloc[0]
    assert summary["n_reference"] == 20 and summary["n_replicates"] == 200
    # gene diversity retained is 1 - mean MK of the reference (its definition)
    mk = animals.loc[animals["in_reference"], "mean_kinship"].mean()
    assert summary["gd_retained"] == pytest.approx(1 - mk, abs=1e-5)  # 6 digits written
    prop = outputs.PROPOSED_PAIRS.read(out / "proposed_pairs.tsv")
    assert len(prop) == 2 and (prop["offspring_f"] == prop["kinship"]).all()
    # COLONY = truth: agreeing links are leogen's right links to sampled parents
    e = evaluate(ped, outputs.read_relationships(out / "relationships.tsv"),
                 outputs.read_inbreeding(out / "inbreeding.tsv"), drop.truth)
    cmp = outputs.COLONY_COMPARISON.read(out / "colony_comparison.tsv").iloc[0]
    assert cmp["n_links_leogen"] == e["assigned"]
    assert cmp["n_links_colony"] == e["true_links"]
    assert cmp["n_links_agree"] == e["right"]


def test_cli_management_bad_input(tmp_path, capsys):
    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    ref = tmp_path / "reference.tsv"
    ref.write_text("individual_id\n" + drop.g.samples[0] + "\nNOT_AN_ANIMAL\n")
    assert _cli(geno, samples, links, tmp_path / "o", "--reference", str(ref),
                "--gene-drop", "0") == 2
    assert "reference animal 'NOT_AN_ANIMAL' is not in the pedigree" in capsys.readouterr().err
    # a COLONY file of other animals
    best = tmp_path / "other.BestConfig"
    best.write_text("OffspringID FatherID MotherID ClusterIndex\nX1 *1 #1 1\n")
    assert _cli(geno, samples, links, tmp_path / "o2", "--colony-bestconfig", str(best),
                "--gene-drop", "0") == 2
    err = capsys.readouterr().err
    assert "other.BestConfig" in err and "X1" in err
