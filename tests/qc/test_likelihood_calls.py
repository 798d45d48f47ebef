"""`leogen consensus` with the maximum-likelihood error model (leogen.qc.error_model wired
into the step): likelihood rows of the error-rate tables against the simulator's realised
rates, interval coverage over harsh seeds, calibration of the written posteriors, the
multiple-tubes method kept for comparison, and bad settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import EXAMPLE

from leogen.cli import main
from leogen.io.longtable import read_long
from leogen.model.genotypes import Replicates
from leogen.qc.consensus import (
    apply_quality_classes,
    dna_quality_classes,
    posterior_of_calls,
    sizes_to_index,
)
from leogen.qc.error_model import fit_error_model, genotype_posteriors
from leogen.qc.outputs import CONSENSUS, ERROR_RATES_LOCUS, ERROR_RATES_TYPE, QUALITY


# ---------------------------------------------------------------------------- helpers
def _species(d, out):
    assert main(["species", "--fasta", str(d / "mtdna.fasta"), "--reference",
                 str(d / "mtdna_reference.fasta"), "--samples", str(d / "samples.tsv"),
                 "--out", str(out)]) == 0
    return out


def _consensus(d, species, out, *extra):
    assert main(["consensus", "--genotypes", str(d / "genotypes.tsv"), "--samples",
                 str(d / "samples.tsv"), "--species", str(species), "--out-dir", str(out),
                 *extra]) == 0
    return out


def _true_sizes(d, samples, loci) -> np.ndarray:
    """(n, n_loci, 2) sorted true allele sizes of the samples (from the truth folder)."""
    ind = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t").set_index(
        "sample_id")["individual_id"].reindex(samples).to_numpy(dtype=str)
    gt = pd.read_csv(d / "truth" / "genotypes_true.tsv", sep="\t")
    a = np.sort(gt[["allele1", "allele2"]].to_numpy(), axis=1)
    tg = pd.DataFrame(a, index=pd.MultiIndex.from_frame(gt[["sample_id", "locus"]]))
    idx = pd.MultiIndex.from_arrays([np.repeat(ind, len(loci)), np.tile(list(loci), len(ind))])
    return tg.reindex(idx).fillna(-1).to_numpy(dtype=np.int64).reshape(len(ind), len(loci), 2)


def _called(out, d):
    """Written calls with their posterior, joined with the truth: DataFrame of typed
    cells of leopard samples with columns posterior, right."""
    cons = CONSENSUS.read(out / "consensus.tsv")
    cons = cons[cons["allele1"].notna()].copy()
    truth = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t").set_index("sample_id")
    cons = cons[cons["sample_id"].map(truth["species"]) == "Panthera_pardus"]
    gt = pd.read_csv(d / "truth" / "genotypes_true.tsv", sep="\t")
    gt[["t1", "t2"]] = np.sort(gt[["allele1", "allele2"]].to_numpy(), axis=1)
    cons["individual_id"] = cons["sample_id"].map(truth["individual_id"])
    m = cons.merge(gt[["sample_id", "locus", "t1", "t2"]].rename(
        columns={"sample_id": "individual_id"}), on=["individual_id", "locus"])
    c = np.sort(m[["allele1", "allele2"]].to_numpy(dtype=np.int64), axis=1)
    m["right"] = (c == m[["t1", "t2"]].to_numpy()).all(axis=1)
    return m


def _scat_rows(out):
    t = ERROR_RATES_TYPE.read(out / "error_rates_type.tsv")
    return t[(t["sample_type"] == "scat") & (t["dna_quality"] == "all")].set_index("basis")


# ---------------------------------------------------------------------------- small units
def test_quality_classes_tertiles_and_small_types():
    fail = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0, 0.0, 0.05])
    st = np.array(["scat"] * 7 + ["hair", "blood"])
    ni = st != "blood"
    has = fail < 1
    cls, cuts = dna_quality_classes(fail, st, ni, has, min_per_class=2)
    # 6 scats with data: tertiles 0.1667, 0.3333; the one that never amplified is poor
    assert cls.tolist() == ["good", "good", "medium", "medium", "poor", "poor", "poor",
                            "all", ""]
    assert cuts["hair"] is None and cuts["scat"] == pytest.approx((1 / 6, 2 / 6))
    assert apply_quality_classes([0.0, 0.9, 0.1], ["scat", "scat", "feather"],
                                 cuts).tolist() == ["good", "poor", "all"]


def test_sizes_to_index_and_posterior_of_calls():
    alleles = (np.array([100, 102, 104]),)
    sizes = np.array([[[102, 104]], [[100, 106]], [[-1, -1]]])
    assert sizes_to_index(sizes, alleles)[:, 0].tolist() == [[1, 2], [-1, -1], [-1, -1]]
    # one locus, a heterozygote seen twice and a homozygote seen twice
    calls = np.array([[[[0, 1], [0, 1]]], [[[2, 2], [2, 2]]]], dtype=np.int32)
    reps = Replicates(calls, np.ones((2, 1, 2), bool), ["a", "b"], ["L"], alleles)
    m = fit_error_model(reps, intervals=False)
    post = genotype_posteriors(reps, m)
    p = posterior_of_calls(post, post.calls.calls)
    np.testing.assert_allclose(p, post.probability)
    other = np.array([[[0, 0]], [[-1, -1]]])
    q = posterior_of_calls(post, other)
    assert q[0, 0] == pytest.approx(post.posterior[0][0, 0]) and np.isnan(q[1, 0])


# ---------------------------------------------------------------------------- the example
@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lik")
    sp = _species(EXAMPLE, tmp / "species.tsv")
    return sp, _consensus(EXAMPLE, sp, tmp / "lik")


def test_example_likelihood_rates_within_15_percent(example_run):
    _, out = example_run
    true = pd.read_csv(EXAMPLE / "truth" / "error_rates.tsv", sep="\t").set_index(
        "sample_type").loc["scat"]
    row = _scat_rows(out).loc["likelihood"]
    for r in ("ado_rate", "fa_rate"):
        assert abs(row[r] / true[r] - 1) <= 0.15, (r, row[r], true[r])
        assert row[f"{r}_lo"] < row[r] < row[f"{r}_hi"]
    # per locus and pooled rows; the pooled one also within 15%
    loc = ERROR_RATES_LOCUS.read(out / "error_rates_locus.tsv")
    lik = loc[loc["basis"] == "likelihood"].set_index("locus")
    assert len(lik) == len(read_long(EXAMPLE / "genotypes.tsv").loci) + 1
    assert abs(lik.loc["all", "ado_rate"] / true["ado_rate"] - 1) <= 0.15
    assert (lik["ado_rate_lo"] <= lik["ado_rate"]).all()
    assert (lik["ado_rate"] <= lik["ado_rate_hi"]).all()
    # DNA-quality classes: dropout grows from good to poor samples
    t = ERROR_RATES_TYPE.read(out / "error_rates_type.tsv")
    q = t[(t["basis"] == "likelihood") & (t["sample_type"] == "scat")].set_index("dna_quality")
    assert q.loc["good", "ado_rate"] < q.loc["medium", "ado_rate"] < q.loc["poor", "ado_rate"]
    assert q.loc[["good", "medium", "poor"], "n_samples"].sum() == q.loc["all", "n_samples"]
    qual = QUALITY.read(out / "quality.tsv")
    scats = qual[(qual["sample_type"] == "scat") & (qual["status"].isin(["ok", "failed"]))]
    assert set(scats["dna_quality"]) == {"good", "medium", "poor"}


def test_example_posteriors_calibrated(example_run):
    _, out = example_run
    m = _called(out, EXAMPLE)
    assert m["posterior"].notna().all()
    assert m["posterior"].min() >= 0.95  # the default min_posterior
    hi = m[m["posterior"] >= 0.99]
    assert len(hi) > 2000 and hi["right"].mean() >= 0.99
    # the expected number of wrong calls is about the observed one
    assert (1 - m["posterior"]).sum() == pytest.approx((~m["right"]).sum(), rel=0.6, abs=5)


@pytest.mark.slow
def test_example_consensus_method_and_reader(example_run, tmp_path):
    sp, out = example_run
    cm = _consensus(EXAMPLE, sp, tmp_path / "mt", "--method", "consensus")
    a = CONSENSUS.read(cm / "consensus.tsv")
    # the multiple-tubes calls, each with its posterior under the fitted model
    assert (a["allele1"].notna() == a["posterior"].notna()).all()
    assert a["posterior"].dropna().between(0, 1).all()
    # error-rate tables do not depend on the method
    for name in ("error_rates_type.tsv", "error_rates_locus.tsv"):
        assert (cm / name).read_bytes() == (out / name).read_bytes()
    # likelihood calls: more loci typed and fewer wrong calls than multiple tubes
    lk, mt = _called(out, EXAMPLE), _called(cm, EXAMPLE)
    assert len(lk) > len(mt) and (~lk["right"]).sum() < (~mt["right"]).sum()
    # identify's reader takes the table with its posterior column
    reps = read_long(out / "consensus.tsv")
    assert reps.n_replicates.max() == 1 and reps.n_samples == len(set(a["sample_id"]))


# ---------------------------------------------------------------------------- bad settings
@pytest.mark.parametrize("extra, message, one_line", [
    (["--method", "bayes"], "method 'bayes' is not known", True),
    (["--min-posterior", "0"], "min_posterior 0.0 is out of range", True),
    # outside [0, 1]: rejected by the argument parser (usage line + the error, exit 2)
    (["--min-posterior", "1.5"], "--min-posterior: 1.5 is not a probability", False),
    (["--min-posterior", "-0.1"], "--min-posterior: -0.1 is not a probability", False),
    (["--min-posterior", "high"], "--min-posterior: 'high' is not a number", False),
])
def test_bad_settings_exit_2(tmp_path, capsys, extra, message, one_line):
    out = tmp_path / "o"
    try:
        rc = main(["consensus", "--genotypes", str(EXAMPLE / "genotypes.tsv"), "--samples",
                   str(EXAMPLE / "samples.tsv"), "--out-dir", str(out), *extra])
    except SystemExit as e:
        rc = e.code
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert message in err[-1]
    if one_line:
        assert len(err) == 1
    assert not out.exists()


# ---------------------------------------------------------------------------- harsh seeds
HARSH_SEEDS = (3, 5, 7, 11, 13, 17, 19, 23)


def _harsh(tmp, seed):
    from leogen.simulate.run import run as simulate

    d = tmp / f"sim{seed}"
    simulate(d, seed=seed, overrides={"ado_scat": 0.3, "fa_scat": 0.05, "n_snps": 0})
    sp = _species(d, tmp / f"species{seed}.tsv")
    out = _consensus(d, sp, tmp / f"cons{seed}")
    return d, sp, out


def _realised_on_fitted(d, sp):
    """Realised scat ADO and FA (Broquet & Petit 2004, against the truth) over the scats
    and identity loci that went into the fit (species-verified), as the simulator counts."""
    from leogen.simulate.genotyping import count_errors

    reps = read_long(d / "genotypes.tsv")
    st = pd.read_csv(sp, sep="\t").set_index("sample_id")
    keep = ((st["status"].reindex(reps.samples) == "target")
            & (st["sample_type"].reindex(reps.samples) == "scat")).to_numpy()
    loci = [loc for loc in reps.loci if loc != "AMEL"]
    j = [list(reps.loci).index(loc) for loc in loci]
    obs = reps.labels()[keep][:, j]
    true = _true_sizes(d, reps.samples[keep], loci)
    return count_errors(obs, true, reps.attempted[keep][:, j])


@pytest.mark.slow
def test_harsh_seeds_rates_coverage_and_calibration(tmp_path):
    """ADO 0.3, FA 0.05: the scat likelihood rates within 15% of the realised ones on every
    seed, the 95% intervals covering the realised rates on >= 7 of 8 seeds, and of the
    calls with posterior >= 0.99 at least 99% right (pooled over seeds)."""
    cover = {"ado_rate": 0, "fa_rate": 0}
    hi_right, hi_n, lk_wrong, mt_wrong = 0, 0, 0, 0
    for seed in HARSH_SEEDS:
        d, sp, out = _harsh(tmp_path, seed)
        real = _realised_on_fitted(d, sp)
        truth = pd.read_csv(d / "truth" / "error_rates.tsv", sep="\t").set_index(
            "sample_type").loc["scat"]
        row = _scat_rows(out).loc["likelihood"]
        for r in cover:
            assert abs(row[r] / truth[r] - 1) <= 0.15, (seed, r, row[r], truth[r])
            assert abs(row[r] / real[r] - 1) <= 0.15, (seed, r, row[r], real[r])
            cover[r] += int(row[f"{r}_lo"] <= real[r] <= row[f"{r}_hi"])
        m = _called(out, d)
        hi = m[m["posterior"] >= 0.99]
        hi_right += int(hi["right"].sum())
        hi_n += len(hi)
        lk_wrong += int((~m["right"]).sum())
        if seed == HARSH_SEEDS[0]:
            mt = _called(_consensus(d, sp, tmp_path / "mt", "--method", "consensus"), d)
            mt_wrong = int((~mt["right"]).sum())
            assert (~m["right"]).sum() < mt_wrong
    assert cover["ado_rate"] >= 7 and cover["fa_rate"] >= 7, cover
    assert hi_right / hi_n >= 0.99, (hi_right, hi_n)
