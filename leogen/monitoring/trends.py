"""Yearly trend of abundance with the sampling uncertainty propagated, and its power.

* Per year: the selected abundance estimate (``leogen.monitoring.abundance``), with Ne (``leogen.monitoring.ne``)
  and mean Ho/He of the animals detected that year when given.
* Sampling variance of ``log N-hat``: from the 95% interval, ``((log hi - log lo) / (2 z))^2``
  (the profile and bootstrap intervals are roughly symmetric on the log scale), else the delta
  method ``(se / N-hat)^2``.
* Trend test: weighted least squares of ``log N-hat`` on year (statsmodels ``WLS``) with weights
  ``1 / Var(log N-hat)``; the residual scale is estimated and never taken below 1, so the
  standard error is at least the one implied by the sampling variances (extra year-to-year
  process variation widens it; Link & Sauer 1997 describe the same weighting for survey
  indices). ``annual_change = exp(slope) - 1`` with its 95% CI and the two-sided p-value.
* Power: the share of ``n_sim`` simulated series with a given yearly decline (default 5%),
  sampling CV per year and number of years in which the test finds a significant decline
  (slope < 0, p < alpha). The simulated estimates are log-normal around the true N with the
  given CV; the WLS fits are computed in closed form for all replicates at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

TREND_COLUMNS = ["n_years", "first_year", "last_year", "slope_log", "slope_log_se",
                 "annual_change", "annual_change_lo", "annual_change_hi", "p_value", "scale",
                 "note"]
Z95 = stats.norm.ppf(0.975)


def log_variance(n_hat, lo=None, hi=None, se=None) -> np.ndarray:
    """Var(log N-hat) from the 95% interval, ``((log hi - log lo) / (2 z))^2``, else from the
    standard error by the delta method, ``(se / N-hat)^2``.

    Parameters
    ----------
    n_hat : float array (n_years,)
    lo, hi : float arrays (n_years,), the 95% interval (optional).
    se : float array (n_years,) (optional).

    Returns
    -------
    float array (n_years,); NaN where neither is usable.

    Examples
    --------
    >>> log_variance([20.0], [10.0], [40.0]).round(6).tolist()
    [0.12507]
    """
    n_hat = np.asarray(n_hat, dtype=float)
    out = np.full(n_hat.shape, np.nan)
    if lo is not None and hi is not None:
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        ok = (lo > 0) & np.isfinite(hi) & (hi > lo)
        out[ok] = ((np.log(hi[ok]) - np.log(lo[ok])) / (2 * Z95)) ** 2
    if se is not None:
        se = np.asarray(se, float)
        fill = ~np.isfinite(out) & (n_hat > 0) & np.isfinite(se)
        out[fill] = (se[fill] / n_hat[fill]) ** 2
    return out


def trend_test(years, n_hat, var_log) -> dict:
    """WLS of log N-hat on year with weights 1/Var(log N-hat), residual scale never below 1
    (module docstring; Link & Sauer 1997 for the weighting).

    Parameters
    ----------
    years, n_hat, var_log : float arrays (n_years,)

    Returns
    -------
    dict: one ``trend_test.tsv`` row (TREND_COLUMNS); NaN estimates and a note with fewer
    than 3 usable years (finite N-hat > 0 with a positive variance).

    Examples
    --------
    The residual scale (0.37) is below 1, so the sampling variances alone set the standard
    error (normal quantiles):

    >>> r = trend_test([2018, 2019, 2020, 2021], [100, 80, 70, 50], [0.01] * 4)
    >>> round(float(r["annual_change"]), 3), round(float(r["slope_log_se"]), 4), r["n_years"]
    (-0.199, 0.0447, 4)
    """
    import statsmodels.api as sm

    y = np.asarray(n_hat, float)
    v = np.asarray(var_log, float)
    x = np.asarray(years, float)
    ok = np.isfinite(y) & (y > 0) & np.isfinite(v) & (v > 0)
    row = dict.fromkeys(TREND_COLUMNS, np.nan)
    row.update(n_years=int(ok.sum()), note="")
    if ok.sum() < 3:
        row["note"] = "fewer than 3 years with an estimate and its variance"
        return row
    X = sm.add_constant(x[ok] - x[ok].min())
    res = sm.WLS(np.log(y[ok]), X, weights=1 / v[ok]).fit()
    scale = float(res.scale)
    se = float(res.bse[1]) * np.sqrt(max(scale, 1.0) / scale)
    slope = float(res.params[1])
    df = int(ok.sum()) - 2
    tcrit = stats.t.ppf(0.975, df) if scale > 1 else Z95
    stat = slope / se
    p = 2 * (stats.t.sf(abs(stat), df) if scale > 1 else stats.norm.sf(abs(stat)))
    row.update(first_year=int(x[ok].min()), last_year=int(x[ok].max()), slope_log=slope,
               slope_log_se=se, annual_change=np.expm1(slope),
               annual_change_lo=np.expm1(slope - tcrit * se),
               annual_change_hi=np.expm1(slope + tcrit * se), p_value=float(p), scale=scale)
    return row


def trend_power(n0: float, n_years: int, decline: float = 0.05, cv: float = 0.15,
                n_sim: int = 2000, alpha: float = 0.05, seed=1) -> dict:
    """Power of ``trend_test`` to detect a yearly ``decline`` (simulation; module docstring).

    Each simulated series is ``log N_t = log n0 + t log(1 - decline) + e_t`` with
    ``e_t ~ N(0, log(1 + cv^2))`` (log-normal sampling error with the given CV), fitted by
    the WLS of :func:`trend_test` (equal weights, residual scale not below 1) in closed form
    for all series at once.

    Parameters
    ----------
    n0 : float
        N in the first year.
    n_years : int
        Years in the series (>= 3).
    decline : float
        Yearly decline (0.05 = 5% a year).
    cv : float
        Sampling CV of N-hat per year (e.g. median se/N-hat).
    n_sim : int
        Simulated series.
    alpha : float
        Level of the two-sided test; a decline is found when p < alpha and the slope < 0.
    seed : int or sequence of int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict
        ``n0, n_years, decline, cv, n_sim, alpha`` and ``power`` (share of the series in
        which the decline is found).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_years, dtype=float)
    v = np.log1p(cv ** 2)
    mu = np.log(n0) + t * np.log1p(-decline)
    y = mu[None, :] + rng.normal(0, np.sqrt(v), (n_sim, n_years))
    # WLS with equal weights 1/v: closed form per replicate
    tc = t - t.mean()
    sxx = np.sum(tc ** 2)
    slope = (y - y.mean(axis=1, keepdims=True)) @ tc / sxx
    resid = y - y.mean(axis=1, keepdims=True) - slope[:, None] * tc[None, :]
    df = n_years - 2
    scale = np.sum(resid ** 2, axis=1) / df / v
    se = np.sqrt(v / sxx * np.maximum(scale, 1.0))
    z = slope / se
    p = np.where(scale > 1, 2 * stats.t.sf(np.abs(z), df), 2 * stats.norm.sf(np.abs(z)))
    power = float(np.mean((p < alpha) & (slope < 0)))
    return {"n0": n0, "n_years": n_years, "decline": decline, "cv": cv, "n_sim": n_sim,
            "alpha": alpha, "power": power}


def per_year_table(selected: pd.DataFrame, ne: pd.DataFrame | None = None,
                   diversity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-year table: N-hat with its interval and model, Var(log N-hat) (:func:`log_variance`);
    Ne and mean Ho/He of the year when given.

    Parameters
    ----------
    selected : DataFrame (n_years, 8)
        :func:`leogen.monitoring.abundance.selected_estimates`.
    ne : DataFrame, optional
        ``ne.tsv`` (``group, method, p_crit, ne, ne_jack_lo, ne_jack_hi`` and optionally
        ``mean_ho, mean_he``): the LD rows with p_crit 0.02 of the year groups are used.
    diversity : DataFrame, optional
        Further per-year columns, merged on ``year``.

    Returns
    -------
    DataFrame (n_years, ...)
        ``year, method, n_hat_model, n_detected, n_hat, n_hat_lo, n_hat_hi, se,
        var_log_n_hat``; with ``ne``, also ``ne``, ``ne_lo``/``ne_hi`` (the jackknife
        interval), ``mean_ho``, ``mean_he`` when present and ``ne_n_ratio``.
    """
    df = selected.rename(columns={"model": "n_hat_model"}).copy()
    df["var_log_n_hat"] = log_variance(df["n_hat"], df["n_hat_lo"], df["n_hat_hi"], df["se"])
    if ne is not None and len(ne):
        sub = ne[(ne["method"] == "ld") & (ne["p_crit"].astype(str) == "0.02")].copy()
        sub = sub[sub["group"].astype(str) != "all"]
        sub["year"] = sub["group"].astype(int)
        extra = [c for c in ("mean_ho", "mean_he") if c in sub.columns]
        df = df.merge(sub[["year", "ne", "ne_jack_lo", "ne_jack_hi", *extra]].rename(
            columns={"ne_jack_lo": "ne_lo", "ne_jack_hi": "ne_hi"}), on="year", how="left")
        df["ne_n_ratio"] = df["ne"] / df["n_hat"]
    if diversity is not None and len(diversity):
        df = df.merge(diversity, on="year", how="left")
    return df


def trend_tables(selected: pd.DataFrame, ne=None, diversity=None):
    """(per-year table, one-row trend test table) for ``selected`` abundance estimates.

    Parameters
    ----------
    selected : DataFrame (n_years, 8)
        :func:`leogen.monitoring.abundance.selected_estimates`.
    ne, diversity : DataFrame, optional
        As :func:`per_year_table`.

    Returns
    -------
    per_year : DataFrame (n_years, ...)
        :func:`per_year_table`.
    test : DataFrame (1, TREND_COLUMNS)
        :func:`trend_test` of log N-hat on year.
    """
    per_year = per_year_table(selected, ne, diversity)
    test = trend_test(per_year["year"], per_year["n_hat"], per_year["var_log_n_hat"])
    return per_year, pd.DataFrame([test], columns=TREND_COLUMNS)
