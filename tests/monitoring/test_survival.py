"""Apparent survival (Cormack-Jolly-Seber): hand-computed m-array likelihood, the European
dipper data of Lebreton et al. (1992), recovery of known parameters and of the simulator's
true survival, the command and its bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.monitoring.outputs import read_survival, read_survival_models
from leogen.monitoring.survival import (
    bootstrap_gof,
    capture_matrix_from_years,
    cell_probabilities,
    fit_cjs,
    m_array,
    m_array_loglik,
    saturated_loglik_histories,
    simulate_histories,
    survival_tables,
)

# European dipper (Cinclus cinclus), 294 birds, 1981-1987, both sexes pooled: MARK's example
# file ed.inp (Lebreton, Burnham, Clobert & Anderson 1992 Ecol Monogr 62:67; copy read from
# github.com/kevintshoemaker/NRES-470, ed.inp), as distinct history: number of birds.
DIPPER = {
    "1111110": 1, "1111100": 1, "1111000": 2, "1101110": 1, "1100000": 6, "1010000": 2,
    "1000000": 9, "0111111": 2, "0111110": 1, "0111100": 3, "0111000": 2, "0110110": 1,
    "0110000": 11, "0100000": 29, "0011111": 2, "0011110": 2, "0011100": 6, "0011000": 12,
    "0010110": 1, "0010000": 29, "0001111": 8, "0001110": 7, "0001100": 11, "0001011": 1,
    "0001001": 2, "0001000": 16, "0000111": 16, "0000110": 9, "0000100": 16, "0000011": 23,
    "0000010": 23, "0000001": 39,
}


def dipper_histories() -> np.ndarray:
    rows = [[int(c) for c in h] for h, n in DIPPER.items() for _ in range(n)]
    return np.array(rows, dtype=np.int64)


# ------------------------------------------------------------------- hand-computed
def test_m_array_and_likelihood_by_hand():
    """Histories 110, 101, 011, 100 (3 occasions).

    Releases: occasion 1: 3 (animals 1, 2, 4); occasion 2: 2 (animals 1, 3).
    Next recaptures: from 1 -> 2 animal 1, from 1 -> 3 animal 2, from 2 -> 3 animal 3;
    never again: animal 4 (from 1) and animal 1 (from 2).
    With phi = (0.5, 0.8), p2 = 0.5, p3 = 0.25:
    pi_12 = 0.5 * 0.5 = 0.25, pi_13 = 0.5 * 0.5 * 0.8 * 0.25 = 0.05, chi_1 = 0.7;
    pi_23 = 0.8 * 0.25 = 0.2, chi_2 = 0.8.
    """
    ch = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0]])
    m, rel, nev = m_array(ch)
    assert m.tolist() == [[1, 1], [0, 1]] and rel.tolist() == [3, 2] and nev.tolist() == [1, 1]
    phi, p = np.array([0.5, 0.8]), np.array([0.5, 0.25])
    pi, chi = cell_probabilities(phi, p)
    np.testing.assert_allclose(pi, [[0.25, 0.05], [0.0, 0.2]])
    np.testing.assert_allclose(chi, [0.7, 0.8])
    expected = math.log(0.25) + math.log(0.05) + math.log(0.7) + math.log(0.2) + math.log(0.8)
    assert m_array_loglik(phi, p, m, rel, nev) == pytest.approx(expected)


def test_individual_and_m_array_likelihoods_agree():
    """The m-array likelihood is the product of the individual-history likelihoods."""
    ch = np.array([[1, 1, 0, 1], [0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 1]])
    phi, p = np.array([0.7, 0.6, 0.9]), np.array([0.5, 0.4, 0.8])
    # by hand, history by history (conditional on first capture)
    chi3 = 1.0                                                  # released at the last occasion
    chi2 = 1 - 0.9 * 0.8
    chi1 = 1 - 0.6 * 0.4 - 0.6 * 0.6 * 0.9 * 0.8
    h1 = (0.7 * 0.5) * (0.6 * 0.6 * 0.9 * 0.8) * chi3           # 1101
    h2 = chi1                                                   # 0100
    h3 = 0.7 * 0.5 * 0.6 * 0.6 * 0.9 * 0.8                      # 1001 (then released at 4)
    h4 = 0.9 * 0.8                                              # 0011
    m, rel, nev = m_array(ch)
    assert m_array_loglik(phi, p, m, rel, nev) == pytest.approx(
        math.log(h1 * h2 * h3 * h4), rel=1e-12)
    assert chi2 > 0


def test_saturated_histories_by_hand():
    """First captured at 1: histories 110 and 100 once each (share 1/2 each); at 2: 011 once."""
    ch = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]])
    assert saturated_loglik_histories(ch) == pytest.approx(2 * math.log(0.5))


def test_capture_matrix_from_years_ignores_unsurveyed_years():
    ids, ch = capture_matrix_from_years(["A", "A", "B"], [2019, 2020, 2030], [2019, 2020, 2021])
    assert ids == ["A"] and ch.tolist() == [[1, 1, 0]]


# -------------------------------------------------------------- published example
def test_dipper_phi_dot_p_dot_matches_lebreton_1992():
    """phi(.)p(.) of the dipper data: phi-hat 0.5602, p-hat 0.9026 (Lebreton et al. 1992, the
    constant model of their dipper example; the same numbers are MARK's example output)."""
    ch = dipper_histories()
    assert ch.shape == (294, 7)
    est, models = survival_tables(ch, range(1981, 1988), n_boot=0)
    dot = est[est["model"] == "phi(.)p(.)"].set_index("parameter")
    assert dot.loc["phi", "estimate"] == pytest.approx(0.5602, abs=5e-5)
    assert dot.loc["p", "estimate"] == pytest.approx(0.9026, abs=5e-5)
    # logit-scale Wald interval contains the estimate and is asymmetric on the real scale
    assert dot.loc["phi", "lo"] < 0.5602 < dot.loc["phi", "hi"]
    mod = models.set_index("model")
    # releases before the last occasion: 22 + 60 + 78 + 80 + 88 + 98 (counted from DIPPER)
    assert (mod["n_eff"] == 426).all()
    assert mod.loc["phi(.)p(.)", "k"] == 2 and mod.loc["phi(t)p(t)", "k"] == 11
    assert mod.loc["phi(t)p(.)", "k"] == 7 and mod.loc["phi(.)p(t)", "k"] == 7
    # AICc = -2 log L + 2k + 2k(k+1)/(n-k-1), from the table's own log L
    ll = mod.loc["phi(.)p(.)", "loglik"]
    assert mod.loc["phi(.)p(.)", "aicc"] == pytest.approx(-2 * ll + 4 + 12 / 423)
    assert models["delta"].min() == 0 and models["weight"].sum() == pytest.approx(1)
    # nested models: the general model has the highest likelihood
    assert mod["loglik"].idxmax() == "phi(t)p(t)"


def test_last_parameters_of_phi_t_p_t_are_confounded():
    est, _ = survival_tables(dipper_histories(), range(1981, 1988), n_boot=0)
    tt = est[est["model"] == "phi(t)p(t)"]
    last_phi = tt[(tt["parameter"] == "phi") & (tt["interval"] == "1986-1987")]
    last_p = tt[(tt["parameter"] == "p") & (tt["interval"] == "1987")]
    assert last_phi["estimate"].isna().all() and last_p["estimate"].isna().all()
    beta = tt[tt["parameter"] == "phi_x_p"]
    assert len(beta) == 1 and 0 < beta["estimate"].iloc[0] < 1
    # the product is what phi(t)p(t) gets for the last interval: the share of the birds
    # released in 1986 that were seen in 1987 (all of them first recaptured then)
    m, rel, _ = m_array(dipper_histories())
    assert beta["estimate"].iloc[0] == pytest.approx(m[5, 5] / rel[5], abs=1e-4)


def test_profile_interval_close_to_wald_for_large_sample():
    ch = dipper_histories()
    m, rel, nev = m_array(ch)
    fit = fit_cjs(m, rel, nev)
    from leogen.monitoring.survival import profile_interval

    lo, hi = profile_interval(m, rel, nev, fit, 0)
    est, _ = survival_tables(ch, range(1981, 1988), n_boot=0)
    w = est[(est["model"] == "phi(.)p(.)") & (est["parameter"] == "phi")].iloc[0]
    assert lo == pytest.approx(w["lo"], abs=0.01) and hi == pytest.approx(w["hi"], abs=0.01)
    assert lo < 0.5602 < hi


# --------------------------------------------------------------- truth recovery
def _simulated_histories(seed, n=150, t=7, phi=0.8, p=0.6):
    rng = np.random.default_rng(seed)
    first = rng.integers(0, t - 1, n)
    return simulate_histories(first, np.full(t - 1, phi), np.full(t - 1, p), rng)


def test_known_parameters_recovered_with_coverage():
    """Histories drawn from the CJS model itself (phi 0.8, p 0.6): estimates unbiased within
    a few percent and 95% intervals cover the truth in >= 88% of 60 replicates."""
    hits, est_phi, est_p = [], [], []
    for seed in range(60):
        m, rel, nev = m_array(_simulated_histories(seed))
        fit = fit_cjs(m, rel, nev)
        se = np.sqrt(np.diag(fit.cov))
        lo, hi = fit.theta - 1.96 * se, fit.theta + 1.96 * se
        truth = np.log(np.array([0.8, 0.6]) / (1 - np.array([0.8, 0.6])))
        hits.append((lo <= truth) & (truth <= hi))
        est_phi.append(fit.phi[0])
        est_p.append(fit.p[0])
    assert abs(np.mean(est_phi) - 0.8) < 0.02 and abs(np.mean(est_p) - 0.6) < 0.03
    assert np.mean(hits, axis=0).min() >= 0.88


def test_bootstrap_gof_seeded_and_near_one_under_the_model():
    ch = _simulated_histories(3, n=200)
    a = bootstrap_gof(ch, 15, seed=4)
    b = bootstrap_gof(ch, 15, seed=4)
    assert a == b
    assert 0.5 < a["c_hat"] < 2.0 and 0 <= a["p_value"] <= 1


def _truth_histories(d):
    """Yearly histories of the TRUE animals of a simulation (scats, blood, photographs)."""
    st = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t")
    s = pd.read_csv(d / "samples.tsv", sep="\t")
    gen = st.merge(s[["sample_id", "date"]], on="sample_id").dropna(subset=["individual_id"])
    cam = pd.read_csv(d / "camera_traps.tsv", sep="\t")
    al = pd.read_csv(d / "truth" / "camera_aliases_true.tsv", sep="\t")
    cam = cam.merge(al.rename(columns={"individual_id": "true_id"}),
                    left_on="individual_id", right_on="camera_id")
    ids = list(gen["individual_id"]) + list(cam["true_id"])
    years = [int(x[:4]) for x in list(gen["date"]) + list(cam["date"])]
    return ids, years


def _realised_survival(d, animals, ch, years):
    """Pooled yearly survival of the marked animals (seen at or before the year)."""
    ped = pd.read_csv(d / "truth" / "pedigree.tsv", sep="\t").set_index("individual_id")
    death = ped.loc[animals, "death_year"].fillna(10**6).to_numpy()
    marked = np.cumsum(ch, axis=1) > 0
    at_risk = survived = 0
    for j, y in enumerate(years[:-1]):
        alive = marked[:, j] & (death >= y)
        at_risk += alive.sum()
        survived += (alive & (death >= y + 1)).sum()
    return survived / at_risk


@pytest.mark.slow
def test_true_survival_of_simulated_leopards_recovered():
    """30 seeded `leogen simulate` populations: phi(.)p(.) from the animals' yearly detections
    against the realised survival of the marked animals (truth/pedigree.tsv)."""
    import tempfile
    from pathlib import Path

    from leogen.simulate import simulate

    cover, rel_err = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(200, 230):
            d = Path(tmp) / f"s{seed}"
            simulate({"n_snps": 0}, seed, d)
            ids, yrs = _truth_histories(d)
            years = list(range(2017, 2025))
            animals, ch = capture_matrix_from_years(ids, yrs, years)
            est, _ = survival_tables(ch, years, n_boot=0)
            phi = est[(est["model"] == "phi(.)p(.)") & (est["parameter"] == "phi")].iloc[0]
            truth = _realised_survival(d, animals, ch, years)
            cover.append(phi["lo"] <= truth <= phi["hi"])
            rel_err.append(phi["estimate"] / truth - 1)
    assert np.mean(cover) >= 0.85, np.mean(cover)
    assert abs(np.mean(rel_err)) < 0.05, np.mean(rel_err)


# ------------------------------------------------------------------ command, bad input
def _truth_sample_individual(d, out):
    st = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t")
    si = pd.DataFrame({"sample_id": st["sample_id"],
                       "individual_id": st["individual_id"].fillna("NA"),
                       "status": np.where(st["individual_id"].notna(), "matched",
                                          "unverified_no_match")})
    si.to_csv(out, sep="\t", index=False)
    return out


def test_command_writes_declared_tables(tmp_path):
    from leogen.commands.survival import main
    from leogen.simulate import simulate

    d = tmp_path / "sim"
    simulate({"n_snps": 0}, 5, d)
    si = _truth_sample_individual(d, tmp_path / "si.tsv")
    al = pd.read_csv(d / "truth" / "camera_aliases_true.tsv", sep="\t")
    al.to_csv(tmp_path / "aliases.tsv", sep="\t", index=False)
    assert main(["--sample-individual", str(si), "--samples", str(d / "samples.tsv"),
                 "--camera-traps", str(d / "camera_traps.tsv"), "--aliases",
                 str(tmp_path / "aliases.tsv"), "--bootstraps", "5",
                 "--out-dir", str(tmp_path / "out")]) == 0
    est = read_survival(tmp_path / "out" / "survival.tsv")
    models = read_survival_models(tmp_path / "out" / "survival_models.tsv")
    assert set(est["model"]) == {"phi(.)p(.)", "phi(t)p(.)", "phi(.)p(t)", "phi(t)p(t)"}
    assert len(models) == 4 and models["delta"].min() == 0
    dot = est[(est["model"] == "phi(.)p(.)") & (est["parameter"] == "phi")].iloc[0]
    assert 0.5 < dot["estimate"] < 1 and dot["lo"] < dot["estimate"] < dot["hi"]
    tt = est[est["model"] == "phi(t)p(.)"]
    assert list(tt.loc[tt["parameter"] == "phi", "interval"])[:2] == ["2017-2018", "2018-2019"]


def test_too_few_years_is_an_input_error():
    with pytest.raises(InputError, match="at least 3 years"):
        survival_tables(np.array([[1, 1], [1, 0]]), [2020, 2021])


def test_no_recapture_is_an_input_error():
    with pytest.raises(InputError, match="two different years"):
        survival_tables(np.array([[1, 0, 0], [0, 1, 0]]), [2020, 2021, 2022])


def test_command_bad_input_exits_2(tmp_path, capsys):
    from leogen.commands.survival import main

    (tmp_path / "si.tsv").write_text("sample_id\tindividual_id\tstatus\nX1\tA\tmatched\n")
    (tmp_path / "s.tsv").write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\n"
                                    "Y1\tscat\t2020-01-01\tS1\t43.1\t131.1\n")
    assert main(["--sample-individual", str(tmp_path / "si.tsv"), "--samples",
                 str(tmp_path / "s.tsv"), "--out-dir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "sample_id 'X1' is not in the sample sheet" in err and "Traceback" not in err
