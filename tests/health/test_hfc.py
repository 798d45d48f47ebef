"""Heterozygosity-disease models: Firth against hand values, separation, BH, power, coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from leogen.health import hfc


def _two_by_two(a, b, c, d):
    """x=1: a events of a+b; x=0: c events of c+d."""
    x = np.r_[np.ones(a + b), np.zeros(c + d)]
    y = np.r_[np.ones(a), np.zeros(b), np.ones(c), np.zeros(d)]
    return np.column_stack([np.ones(len(x)), x]), y


@pytest.mark.parametrize("a, b, c, d", [(3, 7, 0, 10), (5, 5, 2, 8), (0, 6, 4, 4)])
def test_firth_equals_haldane_correction_in_a_2x2_table(a, b, c, d):
    """With one binary covariate, Firth's estimate is the log odds ratio with 1/2 added to every
    cell (Firth 1993; Heinze & Schemper 2002), and the intercept the log odds of the x=0 row."""
    X, y = _two_by_two(a, b, c, d)
    beta, _, conv = hfc.firth_fit(X, y)
    assert conv
    assert beta[1] == pytest.approx(math.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))),
                                    abs=1e-7)
    assert beta[0] == pytest.approx(math.log((c + 0.5) / (d + 0.5)), abs=1e-7)


def test_firth_profile_interval_is_on_the_chi_square_boundary():
    X, y = _two_by_two(5, 5, 2, 8)
    beta, ll, _ = hfc.firth_fit(X, y)
    lo, hi = hfc.firth_profile_ci(X, y, 1, beta, ll)
    assert lo < beta[1] < hi
    for b in (lo, hi):
        _, llb, _ = hfc.firth_fit(X, y, fixed={1: b}, start=beta)
        assert 2 * (ll - llb) == pytest.approx(3.841459, abs=1e-3)


def test_complete_separation_does_not_crash():
    rng = np.random.default_rng(5)
    z = np.sort(rng.normal(size=30))
    y = (z > 0.1).astype(float)                     # perfectly separated by z
    X = np.column_stack([np.ones(30), z])
    sep, _ = hfc.detect_separation(X, y)
    assert sep
    fit = hfc.fit_logistic(X, y)
    assert fit["method"] == "firth" and fit["separation"]
    assert math.isfinite(fit["or"]) and fit["or"] > 1
    assert fit["or_lo"] > 1 and 0 <= fit["p_value"] < 0.05


def test_glm_used_when_events_are_many():
    rng = np.random.default_rng(2)
    n = 400
    z = rng.normal(size=n)
    y = (rng.random(n) < special.expit(0.4 * z)).astype(float)
    X = np.column_stack([np.ones(n), z])
    fit = hfc.fit_logistic(X, y)
    assert fit["method"] == "glm" and fit["ci_method"] == "wald"
    assert fit["or_lo"] < fit["or"] < fit["or_hi"]


def test_design_matrix_drops_single_level_covariates():
    d = pd.DataFrame({"smlh": [0.8, 1.0, 1.2, 0.9, 1.1], "sex": ["F"] * 5,
                      "age_class": ["adult", "adult", "cub", "", "adult"],
                      "year": [2020, 2021, 2020, 2022, 2021]})
    X, names, kept = hfc.design_matrix(d, "smlh")
    assert kept == ["age_class", "year"]
    assert names == ["intercept", "z_smlh", "age_class[cub]", "age_class[unknown]", "year"]
    np.testing.assert_allclose(X[:, 1].std(ddof=1), 1.0)
    np.testing.assert_allclose(X[:, -1], np.array([2020, 2021, 2020, 2022, 2021]) - 2020.8)


def test_benjamini_hochberg_across_pathogens():
    """q-values equal hand BH: q_(i) = min_{j >= i} p_(j) m / j."""
    rng = np.random.default_rng(11)
    rows = []
    for k, pat in enumerate(["CDV", "FPV", "FIV"]):
        for i in range(60):
            s = rng.normal()
            p = special.expit(-0.3 + (1.2 if k == 0 else 0.0) * s)
            rows.append({"individual_id": f"A{i}", "pathogen": pat, "sex": "F" if i % 2 else "M",
                         "status": "positive" if rng.random() < p else "negative", "s": s})
    animals = pd.DataFrame(rows)
    # one sMLH per animal (CDV's draw); only CDV status depends on it
    inb = animals[animals["pathogen"] == "CDV"][["individual_id", "s"]].rename(
        columns={"s": "smlh"})
    t = hfc.hfc_table(animals.drop(columns="s"), inb, {"g2": 0.02, "g2_p": 0.01},
                      covariates=("sex",), power_sims=50)
    p = t["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    q_sorted = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1)
    np.testing.assert_allclose(t["q_value_bh"].to_numpy(), q)
    assert list(t.columns) == hfc.HFC_COLUMNS
    assert (t["g2"] == 0.02).all() and (t["g2_p"] == 0.01).all()
    cdv = t[t["pathogen"] == "CDV"].iloc[0]
    assert cdv["or_per_sd"] > 1 and cdv["p_value"] < 0.05
    assert "Chapman et al. 2009" in cdv["caveat"]


def test_not_fitted_without_events():
    animals = pd.DataFrame({"individual_id": [f"A{i}" for i in range(8)], "pathogen": "FIV",
                            "status": ["negative"] * 7 + ["positive"]})
    inb = pd.DataFrame({"individual_id": [f"A{i}" for i in range(8)],
                        "smlh": np.linspace(0.8, 1.2, 8)})
    t = hfc.hfc_table(animals, inb)
    assert t["method"].iloc[0] == "not fitted" and "at least 2 positive" in t["caveat"].iloc[0]


def test_power_grows_with_n_and_is_seeded():
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=30), rng.normal(size=300)
    p_small = hfc.power_logistic(small, 0.4, nsim=300, seed=3)
    p_large = hfc.power_logistic(large, 0.4, nsim=300, seed=3)
    assert p_small < 0.6 < p_large
    assert hfc.power_logistic(small, 0.4, nsim=300, seed=3) == p_small


def test_low_power_caveat_is_plain_language():
    text = hfc.caveat_text(25, 6, 0.21, 0.001, 0.6, "smlh", "firth")
    assert "about 21% of the time" in text and "not evidence" in text
    assert "g2 = 0.001" in text and "Firth" in text and "Szulkin et al. 2010" in text


def _simulate(seed, n, beta, intercept):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = (x - x.mean()) / x.std(ddof=1)       # the model's per-SD scale, exactly
    sex = (rng.random(n) < 0.5).astype(float)
    y = (rng.random(n) < special.expit(intercept + beta * z + 0.3 * sex)).astype(float)
    return np.column_stack([np.ones(n), z, sex]), y


@pytest.mark.slow
@pytest.mark.parametrize("n, method, intercept", [(150, "auto", -0.7), (40, "firth", -1.0)])
def test_ci_covers_the_simulated_effect(n, method, intercept):
    """Sweep of 100 seeds: the 95% CI of the OR per SD covers the true OR (0.5) in >= 90%."""
    beta = math.log(0.5)
    covered = 0
    used = set()
    for seed in range(100):
        X, y = _simulate(seed, n, beta, intercept)
        fit = hfc.fit_logistic(X, y, method=method)
        used.add(fit["method"])
        covered += fit["beta_lo"] <= beta <= fit["beta_hi"]
    assert covered >= 90, covered
    assert used == ({"firth"} if method == "firth" else used)


def test_one_row_per_pathogen_and_predictor():
    rng = np.random.default_rng(4)
    n = 50
    ids = [f"A{i}" for i in range(n)]
    inb = pd.DataFrame({"individual_id": ids, "smlh": rng.normal(1, 0.1, n),
                        "f_roh": rng.random(n) * 0.3, "f_mom": ["NA"] * n})
    animals = pd.DataFrame({"individual_id": ids * 2, "pathogen": ["CDV"] * n + ["FPV"] * n,
                            "status": rng.choice(["positive", "negative"], 2 * n).tolist()})
    t = hfc.hfc_table(animals, inb, power_sims=50)
    # f_mom has no values: skipped; smlh and f_roh each get a row per pathogen
    assert list(zip(t["pathogen"], t["predictor"], strict=True)) == [
        ("CDV", "smlh"), ("CDV", "f_roh"), ("FPV", "smlh"), ("FPV", "f_roh")]
    assert (t["n"] == n).all() and t["q_value_bh"].notna().all()
