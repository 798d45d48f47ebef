"""Individual identification (leogen.identify.matching, `leogen identify`) and truth recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import simulate_and_identify

from leogen.cli import main
from leogen.identify.matching import (
    compare,
    consensus_error_probability,
    genotype_codes,
    identify,
    match_pairs,
    poisson_binomial_tail,
)
from leogen.io.longtable import write_long
from leogen.model.genotypes import Genotypes
from leogen.monitoring.captures import mark_inp
from leogen.monitoring.occasions import occasion_labels

N_LOCI = 12


def _animal(rng, n_loci=N_LOCI, n_alleles=10):
    return np.sort(100 + 2 * rng.integers(0, n_alleles, size=(n_loci, 2)), axis=1)


def _geno(samples: dict) -> Genotypes:
    ids = list(samples)
    labels = np.stack([samples[s] for s in ids])
    loci = [f"L{j:02d}" for j in range(labels.shape[1])]
    return Genotypes.from_labels(labels, ids, loci)


def _sheet(rows) -> pd.DataFrame:
    """rows: (sample_id, sample_type, date)."""
    df = pd.DataFrame(rows, columns=["sample_id", "sample_type", "date"])
    df["date"] = pd.to_datetime(df["date"])
    df["site"] = "A"
    df["individual_hint"] = ""
    df["sex"] = ""
    return df


def test_match_pairs_equals_brute_force():
    rng = np.random.default_rng(3)
    n, n_loci = 150, 12
    lab = 100 + 2 * rng.integers(0, 3, size=(n, n_loci, 2))
    lab[rng.random((n, n_loci)) < 0.2] = -1
    g = Genotypes.from_labels(lab, [f"s{i}" for i in range(n)], [f"L{j}" for j in range(n_loci)])
    codes = genotype_codes(g)
    got = match_pairs(codes, max_mismatches=3, min_loci=4, chunk=37)
    expect = []
    s = np.sort(lab, axis=2)
    for i in range(n):  # brute force reference, one pair at a time
        for j in range(i + 1, n):
            both = (s[i, :, 0] >= 0) & (s[j, :, 0] >= 0)
            mism = int((both & (s[i] != s[j]).any(axis=1)).sum())
            if both.sum() >= 4 and mism <= 3:
                expect.append((i, j, int(both.sum()), mism))
    got_t = sorted(map(tuple, got[["i", "j", "n_compared", "n_mismatches"]].to_numpy().tolist()))
    assert got_t == sorted(expect)
    assert len(expect) > 50


def test_compare_missing_never_matches():
    a = np.array([5, -1, 7, -1])
    b = np.array([5, 3, -1, -1])
    assert compare(a, b) == (1, 0)


def _planted(rng):
    animals = [_animal(rng) for _ in range(5)]
    samples, rows = {}, []
    for k, a in enumerate(animals):
        for r in range(3):
            sid = f"A{k}_{r}"
            samples[sid] = a.copy()
            rows.append((sid, "scat", f"2021-0{k + 1}-1{r}"))
    # one planted mismatch in A0_2 (a genotype no one has)
    samples["A0_2"][3] = [198, 198]
    return samples, rows


def test_planted_mismatch_grouping():
    rng = np.random.default_rng(11)
    samples, rows = _planted(rng)
    g, sheet = _geno(samples), _sheet(rows)
    out = identify(g, sheet, max_mismatches=1, min_loci=8)
    si = out["sample_individual"].set_index("sample_id")
    assert (si["status"] == "matched").all()
    for k in range(5):
        assert si.loc[[f"A{k}_{r}" for r in range(3)], "individual_id"].nunique() == 1
    assert si["individual_id"].nunique() == 5
    # ids follow the first sampling date: A0 sampled first -> LEO001
    assert si.loc["A0_0", "individual_id"] == "LEO001"
    assert si.loc["A4_0", "individual_id"] == "LEO005"
    assert si.loc["A0_2", "n_mismatches"] == 1 and si.loc["A0_2", "n_loci_compared"] == 12
    assert si.loc["A0_2", "n_dropout_like"] == 0  # 198/198 shares no allele
    # k = 0: the planted sample matches nobody and becomes an individual of its own
    out0 = identify(g, sheet, max_mismatches=0, min_loci=8)
    si0 = out0["sample_individual"].set_index("sample_id")
    assert si0.loc["A0_2", "status"] == "unique"
    assert si0["individual_id"].nunique() == 6
    # individual genotype: conflict at locus 3 -> missing under k = 1
    ig = out["individual_genotypes"]
    row = list(ig.samples).index("LEO001")
    assert (ig.calls[row, 3] < 0).all() and (ig.calls[row, [0, 1, 2, 4]] >= 0).all()
    ind = out["individuals"].set_index("individual_id")
    assert ind.loc["LEO001", "n_samples"] == 3 and ind.loc["LEO001", "n_loci_typed"] == 11


def test_ambiguous_sample_is_not_merged():
    rng = np.random.default_rng(5)
    a = _animal(rng)
    b = a.copy()
    b[0] = [190, 190]
    b[1] = [192, 192]  # A and B differ at exactly two loci
    s = a.copy()
    s[1] = b[1]  # one mismatch to A (locus 1) and one to B (locus 0)
    s[11] = [-1, -1]  # fewer loci typed: visited after A and B
    samples = {"A1": a, "A2": a.copy(), "B1": b, "B2": b.copy(), "S": s}
    for k in range(6):  # unrelated others for allele frequencies
        samples[f"O{k}"] = _animal(rng)
    rows = [(x, "scat", "2021-05-01") for x in samples]
    out = identify(_geno(samples), _sheet(rows), max_mismatches=1, min_loci=8)
    si = out["sample_individual"].set_index("sample_id")
    assert si.loc["A1", "individual_id"] == si.loc["A2", "individual_id"]
    assert si.loc["B1", "individual_id"] == si.loc["B2", "individual_id"]
    assert si.loc["A1", "individual_id"] != si.loc["B1", "individual_id"]
    assert si.loc["S", "status"] == "ambiguous" and pd.isna(si.loc["S", "individual_id"])
    cands = set(si.loc["S", "candidate_individuals"].split(","))
    assert cands == {si.loc["A1", "individual_id"], si.loc["B1", "individual_id"]}
    assert si.loc["S", "n_mismatches"] == 1


def test_insufficient_weak_and_disjoint_samples():
    rng = np.random.default_rng(8)
    a = _animal(rng)
    few = a.copy()
    few[5:] = -1  # 5 loci typed < min_loci 8
    weak = a.copy()
    weak[8:] = -1  # 8 typed, one of them wrong -> 7 agreeing loci < 8: weak match
    weak[0] = [198, 198]
    half1, half2 = a.copy(), a.copy()
    half1[6:] = -1
    half2[:6] = -1
    samples = {"A1": a, "A2": a.copy(), "F": few, "W": weak}
    for k in range(6):
        samples[f"O{k}"] = _animal(rng)
    rows = [(x, "scat", "2021-05-01") for x in samples]
    out = identify(_geno(samples), _sheet(rows), max_mismatches=1, min_loci=8)
    si = out["sample_individual"].set_index("sample_id")
    assert si.loc["F", "status"] == "insufficient_loci" and pd.isna(si.loc["F", "individual_id"])
    assert si.loc["W", "status"] == "weak_match" and pd.isna(si.loc["W", "individual_id"])
    assert si.loc["A1", "status"] == "matched"
    # disjoint typed loci: nothing compared, so no match (missing never matches)
    samples2 = {"H1": half1, "H2": half2}
    for k in range(6):
        samples2[f"O{k}"] = _animal(rng)
    rows2 = [(x, "scat", "2021-05-01") for x in samples2]
    out2 = identify(_geno(samples2), _sheet(rows2), max_mismatches=1, min_loci=4)
    si2 = out2["sample_individual"].set_index("sample_id")
    assert si2.loc["H1", "individual_id"] != si2.loc["H2", "individual_id"]


def test_blood_anchors_and_captures():
    rng = np.random.default_rng(9)
    a, b = _animal(rng), _animal(rng)
    blood = a.copy()
    blood[10:] = -1  # fewer loci than the scats, still visited first
    samples = {"SC1": a, "SC2": a.copy(), "BL1": blood, "SC3": b, "SC4": b.copy()}
    for k in range(6):
        samples[f"O{k}"] = _animal(rng)
    rows = [("SC1", "scat", "2020-12-05"), ("SC2", "scat", "2022-03-01"),
            ("BL1", "blood", "2021-06-01"), ("SC3", "scat", "2019-02-01"),
            ("SC4", "scat", "2019-02-03")] + [(f"O{k}", "scat", "2023-01-01") for k in range(6)]
    out = identify(_geno(samples), _sheet(rows), max_mismatches=0, min_loci=8, occasion="year")
    si = out["sample_individual"].set_index("sample_id")
    assert si.loc["SC1", "individual_id"] == si.loc["BL1", "individual_id"]
    ind = out["individuals"].set_index("individual_id")
    a_id, b_id = si.loc["SC1", "individual_id"], si.loc["SC3", "individual_id"]
    assert b_id == "LEO001"  # first seen 2019
    assert ind.loc[a_id, "sample_types"] == "blood,scat"
    assert ind.loc[a_id, "first_seen"] == "2020-12-05"
    assert ind.loc[a_id, "last_seen"] == "2022-03-01"
    caps = out["captures"].set_index("individual_id")
    assert list(caps.columns) == ["2019", "2020", "2021", "2022", "2023"]
    assert caps.loc[a_id].tolist() == [0, 1, 1, 1, 0]
    assert caps.loc[b_id].tolist() == [1, 0, 0, 0, 0]
    inp = mark_inp(out["captures"])
    assert f"/* {a_id} */ 01110 1;\n" in inp and inp.count(";\n") == len(caps)
    # seasons: December belongs to the next year's winter (the one definition of monitoring)
    lab = occasion_labels(pd.Series(pd.to_datetime(["2020-12-05", "2021-01-10",
                                                    "2021-04-01"])), "season")
    assert lab.tolist() == ["2021-1_winter", "2021-1_winter", "2021-2_spring"]
    lab = occasion_labels(pd.Series(pd.to_datetime(["2020-12-05"])), "month")
    assert lab.tolist() == ["2020-12"]
    seasons = identify(_geno(samples), _sheet(rows), max_mismatches=0, min_loci=8,
                       occasion="season")["captures"]
    cols = [c for c in seasons.columns if c != "individual_id"]
    assert cols == sorted(cols) and "2021-1_winter" in cols


def test_no_eligible_sample():
    rng = np.random.default_rng(1)
    samples = {f"x{i}": _animal(rng) for i in range(3)}
    for v in samples.values():
        v[4:] = -1
    out = identify(_geno(samples), _sheet([(k, "scat", "2021-01-01") for k in samples]), 1, 8)
    assert (out["sample_individual"]["status"] == "insufficient_loci").all()
    assert out["individuals"].empty and out["captures"].empty
    assert mark_inp(out["captures"]) == ""


def test_auto_k_pieces():
    # two loci each mismatching with probability 1/2: P(X>0) = 3/4, P(X>1) = 1/4, P(X>2) = 0
    assert poisson_binomial_tail([0.5, 0.5]).tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert consensus_error_probability(0.0, 0.0, 4, 0.6) == 0.0
    lo = consensus_error_probability(0.1, 0.01, 4, 0.6, seed=2)
    hi = consensus_error_probability(0.4, 0.05, 4, 0.6, seed=2)
    assert 0 <= lo < hi < 0.5


# ------------------------------------------------------------------------------ CLI
def _write_cli(tmp_path, samples: dict, rows):
    g = _geno(samples)
    path = tmp_path / "consensus.tsv"
    write_long(g, path)
    sh = tmp_path / "samples.tsv"
    sh.write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\n" + "".join(
        f"{s}\t{t}\t{d}\tA\t43.1\t131.2\n" for s, t, d in rows))
    return path, sh


def test_cli_end_to_end(tmp_path):
    rng = np.random.default_rng(11)
    samples, rows = _planted(rng)
    cons, sh = _write_cli(tmp_path, samples, rows + [("NOGT", "scat", "2021-01-01")])
    out = tmp_path / "id"
    assert main(["identify", "--consensus", str(cons), "--samples", str(sh), "--out-dir",
                 str(out), "--max-mismatches", "1", "--method", "mismatch"]) == 0
    si = pd.read_csv(out / "sample_individual.tsv", sep="\t")
    assert list(si.columns[:5]) == ["sample_id", "individual_id", "n_loci_compared",
                                    "n_mismatches", "status"]
    assert si.set_index("sample_id").loc["NOGT", "status"] == "no_consensus"
    ind = pd.read_csv(out / "individuals.tsv", sep="\t")
    assert list(ind.columns[:4]) == ["individual_id", "n_samples", "sample_types", "sex"]
    assert len(ind) == 5
    ig = pd.read_csv(out / "individual_genotypes.tsv", sep="\t", keep_default_na=False)
    assert set(ig["replicate"]) == {"individual"} and set(ig["sample_id"]) == set(ind.individual_id)
    assert (out / "captures.tsv").exists() and (out / "pid.tsv").exists()
    assert (out / "captures.inp").read_text().splitlines()[0].endswith(" 1;")
    # every table written reads back through its declaration
    from pathlib import Path

    from leogen.identify.outputs import TABLES

    for table in TABLES:
        path = out / Path(table.path).name
        if table.path.startswith(("identify/mismatch", "identify/match_threshold",
                                  "identify/priors")):
            assert not path.exists()  # written only with k = auto / the likelihood method
            continue
        assert len(table.read(path)) > 0


def test_cli_bad_inputs(tmp_path, capsys):
    rng = np.random.default_rng(11)
    samples, rows = _planted(rng)
    cons, sh = _write_cli(tmp_path, samples, rows[1:])  # A0_0 missing from the sheet
    base = ["identify", "--consensus", str(cons), "--samples", str(sh), "--out-dir",
            str(tmp_path / "o"), "--method", "mismatch"]
    assert main(base + ["--max-mismatches", "1"]) == 2
    err = capsys.readouterr().err
    assert "sample_id 'A0_0' is not in the sample sheet" in err and "line 2" in err
    cons, sh = _write_cli(tmp_path, samples, rows)
    for opt, msg in [(["--max-mismatches", "-1"], "must be 'auto' or a whole number"),
                     (["--max-mismatches", "two"], "must be 'auto' or a whole number"),
                     (["--max-mismatches", "1", "--min-loci", "13"], "larger than the 12"),
                     (["--max-mismatches", "1", "--min-loci", "0"], "min_loci 0 is out"),
                     (["--max-mismatches", "1", "--max-pid-sib", "0"], "max_pid_sib 0.0"),
                     (["--max-mismatches", "auto"], "error_rates_sample.tsv")]:
        assert main(base + opt) == 2, opt
        assert msg in capsys.readouterr().err
    # several replicates per sample: not a consensus table
    txt = cons.read_text().splitlines()
    cons.write_text("\n".join(txt + [txt[1].replace("\tconsensus\t", "\tr2\t")
                                     .replace("\t1\t", "\tr2\t")]) + "\n")
    assert main(base + ["--max-mismatches", "1"]) == 2
    assert "several replicates per sample" in capsys.readouterr().err


# ------------------------------------------------------------------ truth recovery
def _run_pipeline(tmp_path, params, seed):
    d, r = simulate_and_identify(tmp_path, params, seed)
    # second pass: error rates against each animal's pooled replicates
    assert main(["consensus", "--genotypes", str(d / "genotypes.tsv"), "--samples",
                 str(d / "samples.tsv"), "--species", str(r / "species.tsv"),
                 "--out-dir", str(r / "consensus2"), "--links",
                 str(r / "identify" / "sample_individual.tsv")]) == 0
    return d, r


def _check_truth(d, r):
    truth = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t")
    sp = pd.read_csv(r / "species.tsv", sep="\t")
    m = truth.merge(sp[["sample_id", "status"]], on="sample_id")
    # species: among samples given a species call, >= 99% right
    called = m[m["status"].isin(["target", "other_species"])]
    right = (called["status"] == "target") == (called["species"] == "Panthera_pardus")
    assert right.mean() >= 0.99
    assert (m.loc[m["species"] != "Panthera_pardus", "status"] != "target").all()
    # identification: every inferred individual's majority true animal; >= 99% of the
    # target samples given an individual belong to it, and no inferred individual holds
    # two true animals (a merge)
    si = pd.read_csv(r / "identify" / "sample_individual.tsv", sep="\t")
    j = si.merge(truth.rename(columns={"individual_id": "true_id"}), on="sample_id")
    assert j.loc[j["species"] != "Panthera_pardus", "individual_id"].isna().all()
    a = j[(j["species"] == "Panthera_pardus") & j["individual_id"].notna()]
    majority = a.groupby("individual_id")["true_id"].agg(lambda s: s.value_counts().index[0])
    correct = (a["true_id"] == a["individual_id"].map(majority)).mean()
    assert correct >= 0.99
    assert (a.groupby("individual_id")["true_id"].nunique() == 1).all()
    target = j[j["species"] == "Panthera_pardus"]
    assigned = target["individual_id"].notna().mean()
    assert assigned >= 0.6  # the rest: insufficient loci, ambiguous, weak, no barcode
    # error rates: scat ADO and FA within 0.03 of the realised ones
    er_true = pd.read_csv(d / "truth" / "error_rates.tsv", sep="\t").set_index("sample_type")
    er = pd.read_csv(r / "consensus2" / "error_rates_type.tsv", sep="\t")
    est = er[(er["sample_type"] == "scat") & (er["basis"] == "individual_extrapolated")].iloc[0]
    assert abs(est["ado_rate"] - er_true.loc["scat", "ado_rate"]) <= 0.03
    assert abs(est["fa_rate"] - er_true.loc["scat", "fa_rate"]) <= 0.03
    # PID table is consistent with a hand computation from the individual genotypes
    from leogen.io.longtable import read_long

    ig = read_long(r / "identify" / "individual_genotypes.tsv").single()
    pid = pd.read_csv(r / "identify" / "pid.tsv", sep="\t").set_index("locus")
    lab = ig.labels()
    for j_, loc in enumerate(ig.loci[:3]):
        if loc == "AMEL":
            continue
        x = lab[:, j_][lab[:, j_, 0] >= 0].ravel()
        _, cnt = np.unique(x, return_counts=True)
        p = cnt / cnt.sum()
        s2, s4 = (p**2).sum(), (p**4).sum()
        assert pid.loc[loc, "pid"] == pytest.approx(2 * s2**2 - s4, rel=1e-5)
        assert pid.loc[loc, "pid_sib"] == pytest.approx(
            0.25 + 0.5 * s2 + 0.5 * s2**2 - 0.25 * s4, rel=1e-5)
    return correct, assigned


@pytest.mark.slow
def test_truth_recovery_example(tmp_path):
    sim = pytest.importorskip("leogen.simulate")
    seed = getattr(sim, "DEFAULT_SEED", 1)  # `leogen simulate` without --seed uses 1
    d, r = _run_pipeline(tmp_path, {"n_snps": 0}, seed)
    _check_truth(d, r)


@pytest.mark.slow
def test_truth_recovery_bundled_example(tmp_path):
    """The bundled example (seed 2): scats whose barcode failed are still genotyped and join
    their animal, so nearly all leopard samples are identified, all correctly."""
    d, r = _run_pipeline(tmp_path, {"n_snps": 0}, 2)
    correct, assigned = _check_truth(d, r)
    assert correct == 1.0
    assert assigned >= 0.95
    q = pd.read_csv(r / "consensus" / "quality.tsv", sep="\t")
    no_seq = set(q.loc[q["status"] == "no_sequence", "sample_id"])
    si = pd.read_csv(r / "identify" / "sample_individual.tsv", sep="\t")
    rescued = si[si["sample_id"].isin(no_seq) & si["individual_id"].notna()]
    assert len(no_seq) > 0 and len(rescued) > 0
    # they have a consensus but stay out of the error-rate estimates
    cons = pd.read_csv(r / "consensus" / "consensus.tsv", sep="\t")
    assert no_seq <= set(cons["sample_id"])
    ers = pd.read_csv(r / "consensus" / "error_rates_sample.tsv", sep="\t")
    assert not no_seq & set(ers["sample_id"])


def test_unverified_species_joins_but_never_founds():
    rng = np.random.default_rng(11)
    samples, rows = _planted(rng)
    newcomer = _animal(rng)
    samples["NEW"] = newcomer
    rows = list(rows) + [("NEW", "scat", "2021-06-01")]
    g, sheet = _geno(samples), _sheet(rows)
    # A1_1 has no barcode but matches animal A1; NEW has none and matches nobody
    out = identify(g, sheet, max_mismatches=1, min_loci=8,
                   unverified_species=("A1_1", "NEW"))
    si = out["sample_individual"].set_index("sample_id")
    assert si.loc["A1_1", "individual_id"] == si.loc["A1_0", "individual_id"]
    assert si.loc["A1_1", "status"] == "matched"
    assert si.loc["NEW", "status"] == "unverified_no_match"
    assert pd.isna(si.loc["NEW", "individual_id"])
    # verified, the same newcomer founds an individual of its own
    si2 = identify(g, sheet, max_mismatches=1, min_loci=8)["sample_individual"]
    assert si2.set_index("sample_id").loc["NEW", "status"] == "unique"


@pytest.mark.slow
@pytest.mark.parametrize("seed, params", [
    (2, {"n_snps": 0, "ado_scat": 0.3, "fa_scat": 0.05, "fail_scat": 0.2}),
    (3, {"n_snps": 0, "ado_scat": 0.3, "fa_scat": 0.06, "fail_scat": 0.2}),
])
def test_truth_recovery_harsh_errors(tmp_path, seed, params):
    d, r = _run_pipeline(tmp_path, params, seed)
    _check_truth(d, r)
