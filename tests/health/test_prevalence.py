"""Apparent and true prevalence: intervals against hand values and published examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leogen.health import prevalence as pv

Z = stats.norm.ppf(0.975)


def wilson_by_hand(x, n, z=Z):
    """Wilson 1927 score interval: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("x, n", [(3, 10), (0, 10), (10, 10), (7, 31), (1, 30)])
def test_wilson_matches_formula(x, n):
    got = pv.proportion_intervals(x, n)
    lo, hi = wilson_by_hand(x, n)
    assert got["wilson_lo"] == pytest.approx(max(lo, 0), abs=1e-10)
    assert got["wilson_hi"] == pytest.approx(min(hi, 1), abs=1e-10)


@pytest.mark.parametrize("x, n", [(3, 10), (7, 31), (1, 30), (29, 30)])
def test_clopper_pearson_and_jeffreys_match_beta_quantiles(x, n):
    got = pv.proportion_intervals(x, n)
    # Clopper-Pearson: Beta(x, n-x+1) and Beta(x+1, n-x) quantiles
    assert got["clopper_pearson_lo"] == pytest.approx(stats.beta.ppf(0.025, x, n - x + 1))
    assert got["clopper_pearson_hi"] == pytest.approx(stats.beta.ppf(0.975, x + 1, n - x))
    # Jeffreys: quantiles of the Beta(x + 1/2, n - x + 1/2) posterior
    assert got["jeffreys_lo"] == pytest.approx(stats.beta.ppf(0.025, x + 0.5, n - x + 0.5))
    assert got["jeffreys_hi"] == pytest.approx(stats.beta.ppf(0.975, x + 0.5, n - x + 0.5))


def test_zero_of_n_shows_its_upper_limit():
    got = pv.proportion_intervals(0, 10)
    # hand value: 1 - 0.025^(1/10)
    assert got["clopper_pearson_hi"] == pytest.approx(1 - 0.025 ** 0.1, abs=1e-12)
    assert got["clopper_pearson_hi"] == pytest.approx(0.308497, abs=1e-6)
    assert got["clopper_pearson_lo"] == 0 and got["wilson_lo"] == 0 and got["jeffreys_lo"] == 0
    assert got["wilson_hi"] > 0.2 and got["jeffreys_hi"] > 0.15   # a Wald interval would be 0
    full = pv.proportion_intervals(10, 10)
    assert full["clopper_pearson_lo"] == pytest.approx(0.025 ** 0.1, abs=1e-12)
    assert full["jeffreys_hi"] == 1.0


def test_statsmodels_documented_example_100_of_200():
    # statsmodels' test suite values for 100/200, checked there against R DescTools BinomCI
    got = pv.proportion_intervals(100, 200)
    assert [got["clopper_pearson_lo"], got["clopper_pearson_hi"]] == pytest.approx(
        [0.4286584, 0.5713416], abs=1e-7)
    assert [got["wilson_lo"], got["wilson_hi"]] == pytest.approx([0.4313609, 0.5686391], abs=1e-7)
    assert [got["jeffreys_lo"], got["jeffreys_hi"]] == pytest.approx(
        [0.4311217, 0.5688783], abs=1e-7)


def test_never_the_wald_interval():
    assert "normal" not in pv.INTERVAL_METHODS.values()


# --------------------------------------------------------------------------- Blaker
@pytest.mark.parametrize("x, n", [(0, 12), (1, 12), (3, 10), (6, 12), (12, 12), (17, 40)])
def test_blaker_inside_clopper_pearson_and_on_its_boundary(x, n):
    lo, hi = pv.blaker_interval(x, n)
    cp = pv.proportion_intervals(x, n)
    assert cp["clopper_pearson_lo"] - 1e-9 <= lo <= x / n <= hi <= cp["clopper_pearson_hi"] + 1e-9
    # at a limit the acceptability (Blaker 2000) is alpha: just outside < alpha, just inside > alpha
    if x > 0:
        assert pv._blaker_acceptability(x, n, np.array([lo - 1e-5]))[0] <= 0.05
        assert pv._blaker_acceptability(x, n, np.array([lo + 1e-5]))[0] > 0.05
    if x < n:
        assert pv._blaker_acceptability(x, n, np.array([hi + 1e-5]))[0] <= 0.05
        assert pv._blaker_acceptability(x, n, np.array([hi - 1e-5]))[0] > 0.05


def test_blaker_exact_coverage():
    """Blaker's interval keeps coverage >= 95% for every p (exact sum over outcomes)."""
    n = 15
    limits = np.array([pv.blaker_interval(x, n) for x in range(n + 1)])
    for p in np.linspace(0.01, 0.99, 99):
        pmf = stats.binom.pmf(np.arange(n + 1), n, p)
        covered = (limits[:, 0] <= p) & (p <= limits[:, 1])
        assert pmf[covered].sum() >= 0.95 - 1e-9, p


# --------------------------------------------------------------------------- true prevalence
def test_rogan_gladen_known_inputs():
    # (0.3 + 0.95 - 1) / (0.9 + 0.95 - 1) = 0.25 / 0.85
    assert pv.rogan_gladen(0.3, 0.9, 0.95) == pytest.approx(0.25 / 0.85)
    assert pv.rogan_gladen(0.02, 0.9, 0.95) == 0.0          # negative -> clipped to 0
    assert pv.rogan_gladen(0.99, 0.9, 0.95) == 1.0          # above Se -> clipped to 1
    assert pv.rogan_gladen(0.5, 1.0, 1.0) == 0.5            # perfect test: TP = AP
    assert math.isnan(pv.rogan_gladen(0.3, 0.5, 0.5))       # Se + Sp = 1: undefined
    np.testing.assert_allclose(pv.rogan_gladen(np.array([0.05, 0.5]), 0.8, 0.95),
                               [0.0, 0.45 / 0.75])


def test_true_prevalence_interval_transforms_ap_limits():
    x, n, se, sp = 6, 20, 0.85, 0.9
    got = pv.true_prevalence(x, n, se, sp)
    b_lo, b_hi = pv.blaker_interval(x, n)
    assert got["true_prev"] == pytest.approx((0.3 + 0.9 - 1) / (0.85 + 0.9 - 1))
    # limits carry 6 decimals (Blaker limits are found to 1e-7)
    assert got["true_prev_lo"] == pytest.approx(max(0, (b_lo + sp - 1) / (se + sp - 1)), abs=1e-6)
    assert got["true_prev_hi"] == pytest.approx(min(1, (b_hi + sp - 1) / (se + sp - 1)), abs=1e-6)
    w_lo, w_hi = wilson_by_hand(x, n)
    assert got["true_prev_wilson_lo"] == pytest.approx(max(0, (w_lo + sp - 1) / (se + sp - 1)),
                                                       abs=1e-6)
    assert got["true_prev_wilson_hi"] == pytest.approx(min(1, (w_hi + sp - 1) / (se + sp - 1)),
                                                       abs=1e-6)
    assert "Reiczigel" in got["true_prev_method"]


def test_true_prevalence_not_computed_without_se_sp():
    got = pv.true_prevalence(3, 10, None, None)
    assert math.isnan(got["true_prev"]) and "no sensitivity" in got["true_prev_method"]
    got = pv.true_prevalence(3, 10, 0.4, 0.5)
    assert math.isnan(got["true_prev"]) and "Se + Sp <= 1" in got["true_prev_method"]


# --------------------------------------------------------------------------- table
def test_prevalence_table_counts_animals_and_leaves_out_equivocal():
    units = pd.DataFrame({
        "pathogen": ["CDV"] * 5 + ["FPV"] * 2,
        "stratum": ["overall"] * 5 + ["overall"] * 2,
        "level": ["all"] * 7,
        "individual_id": ["A1", "A2", "A3", "A4", "A5", "A1", "A2"],
        "status": ["positive", "negative", "negative", "equivocal", "positive",
                   "negative", "negative"],
    })
    t = pv.prevalence_table(units, {"CDV": (0.9, 0.95, "kit insert")})
    cdv = t[t["pathogen"] == "CDV"].iloc[0]
    assert (cdv["n_animals"], cdv["n_positive"], cdv["n_equivocal"]) == (4, 2, 1)
    assert cdv["apparent"] == 0.5
    assert cdv["se_sp_source"] == "kit insert"
    assert cdv["true_prev"] == pytest.approx((0.5 + 0.95 - 1) / 0.85)
    fpv = t[t["pathogen"] == "FPV"].iloc[0]
    assert (fpv["n_positive"], fpv["apparent"]) == (0, 0.0)
    assert fpv["clopper_pearson_hi"] == pytest.approx(1 - 0.025 ** 0.5)
    assert fpv["se_sp_source"] == "none given" and math.isnan(fpv["true_prev"])
    assert list(t.columns) == pv.PREVALENCE_COLUMNS


def test_prevalence_table_refuses_double_counting():
    units = pd.DataFrame({"pathogen": ["CDV", "CDV"], "stratum": ["overall"] * 2,
                          "level": ["all"] * 2, "individual_id": ["A1", "A1"],
                          "status": ["positive", "negative"]})
    with pytest.raises(ValueError, match="count animals, not samples"):
        pv.prevalence_table(units)
