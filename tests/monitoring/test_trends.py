"""Trend of abundance over years: WLS on log N-hat with propagated sampling variance; power."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leogen.monitoring.abundance import loglinear
from leogen.monitoring.trends import log_variance, trend_power, trend_tables, trend_test


def test_log_variance_from_interval_and_se():
    v = log_variance([100, 50], lo=[80, np.nan], hi=[125, np.nan], se=[10, 5])
    assert v[0] == pytest.approx(((math.log(125) - math.log(80)) / (2 * 1.959964)) ** 2)
    assert v[1] == pytest.approx((5 / 50) ** 2)  # delta method when no interval


def test_trend_test_exact_decline_by_hand():
    # a noiseless 5% decline over 5 years, Var(log N) = 0.01 each year:
    # slope = log 0.95; residual scale 0 < 1 so se = sqrt(v / sum (t - mean t)^2) = sqrt(0.001)
    years = np.arange(2019, 2024)
    n = 100 * 0.95 ** np.arange(5)
    r = trend_test(years, n, np.full(5, 0.01))
    assert r["slope_log"] == pytest.approx(math.log(0.95))
    assert r["annual_change"] == pytest.approx(-0.05)
    assert r["slope_log_se"] == pytest.approx(math.sqrt(0.001))
    z = math.log(0.95) / math.sqrt(0.001)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert r["annual_change_lo"] == pytest.approx(math.expm1(math.log(0.95) - 1.959964 *
                                                             math.sqrt(0.001)), rel=1e-5)


def test_trend_test_weights_precise_years_more():
    years = np.arange(2019, 2024)
    n = np.array([100, 95, 200, 86, 81.0])  # 2021 is an outlier with a huge variance
    v = np.array([0.01, 0.01, 10.0, 0.01, 0.01])
    r = trend_test(years, n, v)
    assert r["annual_change"] == pytest.approx(-0.05, abs=0.01)


def test_trend_test_needs_three_years():
    r = trend_test([2020, 2021], [10, 9], [0.01, 0.01])
    assert r["n_years"] == 2 and "fewer than 3 years" in r["note"]


def test_power_bounds():
    strong = trend_power(80, 10, 0.05, cv=0.05, n_sim=2000, seed=1)
    assert strong["power"] > 0.99
    null = trend_power(80, 10, 0.0, cv=0.15, n_sim=4000, seed=1)
    assert null["power"] <= 0.05  # false "decline" rate at alpha = 0.05 (one tail of two)
    assert trend_power(80, 6, 0.05, 0.1, seed=3) == trend_power(80, 6, 0.05, 0.1, seed=3)


def test_trend_tables_per_year_and_test():
    sel = pd.DataFrame({"year": [2020, 2021, 2022], "method": "loglinear", "model": "M0",
                        "n_detected": [40, 38, 35], "n_hat": [50.0, 47.0, 45.0],
                        "n_hat_lo": [44.0, 41.0, 39.0], "n_hat_hi": [58.0, 55.0, 53.0],
                        "se": [3.5, 3.4, 3.5]})
    ne = pd.DataFrame({"group": ["all", "2020", "2021"], "method": "ld", "p_crit": "0.02",
                       "ne": [20.0, 18.0, 15.0], "ne_jack_lo": [10.0, 9.0, 8.0],
                       "ne_jack_hi": [40.0, 35.0, 30.0]})
    per_year, test = trend_tables(sel, ne)
    assert per_year["ne"].tolist()[:2] == [18.0, 15.0] and np.isnan(per_year["ne"].iloc[2])
    assert per_year["ne_n_ratio"].iloc[0] == pytest.approx(18 / 50)
    assert test["n_years"].iloc[0] == 3


@pytest.mark.slow
def test_power_to_detect_a_5_percent_decline_at_example_sizes():
    """Full simulation: N = 80 declining 5%/year over 6 years, 6 monthly occasions, detection
    probability 0.3 per occasion (the example's scale). Stated power, measured over 40 seeded
    series (model-averaged log-linear N-hat, WLS test, alpha 0.05): 0.65; ``trend_power`` with
    the median CV (0.079) predicts 0.56, and 0.95 / 1.00 with 8 / 10 years of monitoring."""
    rng = np.random.default_rng(12)
    detected, cvs = 0, []
    years = np.arange(6)
    for _ in range(40):
        est, lo, hi, se = [], [], [], []
        for N in np.round(80 * 0.95 ** years).astype(int):
            H = (rng.random((N, 6)) < 0.3).astype(int)
            H = H[H.sum(axis=1) > 0]
            s = next(r for r in loglinear(H, models=("M0", "Mt", "Mh_chao", "Mh_darroch"))
                     if r["selected"])
            est.append(s["n_hat"])
            lo.append(s["n_hat_lo"])
            hi.append(s["n_hat_hi"])
            se.append(s["se"])
        est = np.array(est)
        res = trend_test(2018 + years, est, log_variance(est, lo, hi, se))
        detected += res["p_value"] < 0.05 and res["slope_log"] < 0
        cvs.append(np.median(np.array(se) / est))
    power = detected / 40
    predicted = trend_power(80, 6, 0.05, float(np.median(cvs)), seed=1)["power"]
    assert power >= 0.55
    assert abs(power - predicted) < 0.15
