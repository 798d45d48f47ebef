"""Serological epidemiology: titre rises, catalytic models, mixture cut-offs, sample sizes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from leogen.health import serology as sero


def _tests(rows):
    df = pd.DataFrame(rows, columns=["individual_id", "pathogen", "assay", "date", "titer"])
    df["date"] = pd.to_datetime(df["date"])
    from leogen.health.screening import parse_titer

    parsed = [parse_titer(t) for t in df["titer"]]
    df["titer_qualifier"] = [q for q, _ in parsed]
    df["titer_value"] = [v for _, v in parsed]
    return df


def test_fourfold_rise_by_hand():
    t = _tests([("A", "FPV", "hi", "2020-07-10", "1:40"), ("A", "FPV", "hi", "2021-08-25", "1:320"),
                ("B", "FPV", "hi", "2020-01-01", "1:40"), ("B", "FPV", "hi", "2021-01-01", "1:80"),
                ("C", "CDV", "vnt", "2020-01-01", "<1:8"), ("C", "CDV", "vnt", "2021-01-01", "1:32"),
                ("D", "CDV", "vnt", "2020-01-01", "1:8"), ("D", "CDV", "vnt", "2021-01-01", ">=1:16"),
                ("E", "CDV", "vnt", "2020-01-01", "1:8"), ("E", "CDV", "elisa", "2021-01-01", "1:64")])
    r = sero.titre_rises(t)
    assert r["individual_id"].tolist() == ["A", "C"]        # B 2-fold, D uncertain, E other assay
    assert r["fold_rise"].tolist() == [8.0, 4.0] and r["days"].iloc[0] == 411


def test_catalytic_constant_by_hand():
    # all animals of one age: pi = x/n, lambda = -log(1 - pi) / a
    r = sero.catalytic_constant([2.0] * 10, [1] * 4 + [0] * 6)
    assert r["foi"] == pytest.approx(-math.log(0.6) / 2, rel=1e-6)
    assert r["foi_lo"] < r["foi"] < r["foi_hi"]
    z = sero.catalytic_constant([1, 2, 3], [0, 0, 0])
    assert z["foi"] == 0 and z["foi_lo"] == 0 and z["foi_hi"] > 0


def test_mixture_posterior_and_cutoff():
    rng = np.random.default_rng(2)
    x = np.r_[rng.normal(2, 0.8, 200), rng.normal(7, 0.8, 100)]
    r = sero.mixture_cutoff(2.0 ** x)
    assert 3.5 < r["cutoff"] < 5.5 and r["posterior"].shape == (300,)
    assert r["posterior"][:200].mean() < 0.05 and r["posterior"][200:].mean() > 0.95
    assert "not fitted" in sero.mixture_cutoff([1, 2, 3])["note"]


# epiR vignette "Sample size calculations using epiR" (Stevenson): 545 cows for a
# seroprevalence of 15% within 20% relative error; 480 when the population is 4000.
def test_prevalence_sample_size_equals_epir_worked_example():
    assert sero.n_prevalence(0.15, 0.20, relative=True) == 545
    assert sero.n_prevalence(0.15, 0.20, relative=True, population=4000) == 480


def test_prevalence_sample_size_with_imperfect_test_is_larger():
    assert sero.n_prevalence(0.15, 0.03, se=0.9, sp=0.95) > sero.n_prevalence(0.15, 0.03)


# Cannon & Roe (1982) / RSurveillance n.freedom(NA, sep = 0.95, pstar = 0.01, se = 1): 299.
def test_freedom_sample_size_equals_published_value():
    assert sero.n_freedom(0.01) == 299
    # by hand: log(0.05) / log(1 - 0.05 * 0.9) = 65.06 -> 66
    assert sero.n_freedom(0.05, se=0.9) == 66
    # hypergeometric approximation, N = 500, D = 5: 500 (1 - 0.05^(1/5)) = 225.3 -> 226
    assert sero.n_freedom(0.01, population=500) == 226


def test_freedom_with_imperfect_specificity_meets_both_targets():
    from scipy import stats

    r = sero.n_freedom_imperfect(0.05, 0.9, 0.98)
    p1 = 0.05 * 0.9 + 0.95 * 0.02
    assert stats.binom.sf(r["c"] - 1, r["n"], p1) >= 0.95
    assert stats.binom.cdf(r["c"] - 1, r["n"], 0.02) >= 0.95
    smaller = sero.n_freedom_imperfect(0.05, 0.9, 0.98, max_n=r["n"] - 1)
    assert math.isnan(smaller["n"])           # n is the smallest that works
    assert sero.n_freedom_imperfect(0.05, 0.9, 1.0)["n"] == sero.n_freedom(0.05, se=0.9)


@pytest.mark.slow
def test_catalytic_models_recover_simulated_rates():
    hits_c = hits_f = hits_r = 0
    reps = 60
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        age = rng.uniform(0.5, 12, 300)
        y = rng.random(300) < sero.catalytic_prob(age, 0.2)
        c = sero.catalytic_constant(age, y)
        hits_c += c["foi_lo"] <= 0.2 <= c["foi_hi"]
        age2 = np.r_[age, rng.uniform(0.5, 12, 100)]
        y2 = rng.random(400) < sero.catalytic_prob(age2, 0.3, 0.1)
        r = sero.catalytic_reversion(age2, y2)
        hits_f += r["foi_lo"] <= 0.3 <= r["foi_hi"]
        hits_r += r["reversion_lo"] <= 0.1 <= r["reversion_hi"]
    assert hits_c / reps >= 0.9 and hits_f / reps >= 0.9 and hits_r / reps >= 0.9


@pytest.mark.slow
def test_mixture_recovers_simulated_parameters():
    reps, hits = 100, np.zeros(3)
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        pos = rng.random(300) < 0.3
        x = np.where(pos, rng.normal(6, 1, 300), rng.normal(2, 1, 300))
        r = sero.mixture_cutoff(2.0 ** x)
        hits += [r["pi_lo"] <= 0.3 <= r["pi_hi"], r["mu_neg_lo"] <= 2 <= r["mu_neg_hi"],
                 r["mu_pos_lo"] <= 6 <= r["mu_pos_hi"]]
    assert (hits / reps >= 0.9).all(), hits / reps
