"""Apparent and true prevalence with confidence intervals, counted per animal.

* Apparent prevalence AP = x / n with three intervals from
  ``statsmodels.stats.proportion.proportion_confint``: Wilson (score), Clopper-Pearson
  (``beta``, exact) and Jeffreys. The Wald ("normal") interval is never used: it collapses at
  0/n and undercovers at n ~ 30 (Brown, Cai & DasGupta 2001 Stat Sci 16:101). 0/n is shown
  with its upper limit (Clopper-Pearson upper = 1 - (alpha/2)^(1/n)); the Jeffreys lower limit
  is set to 0 at x = 0 (and the upper to 1 at x = n) as Brown et al. recommend.
* True prevalence, Rogan & Gladen 1978 (Am J Epidemiol 107:71):
  TP = (AP + Sp - 1) / (Se + Sp - 1), clipped to [0, 1] as R epiR ``epi.prev`` does.
  Its interval: the apparent-prevalence interval limits pushed through the same monotone
  transform and clipped. ``true_prev_lo/hi`` transform Blaker's exact interval, which gives
  exact limits for TP when Se and Sp are known (Reiczigel, Foldi & Ozsvari 2010 Epidemiol
  Infect 138:1674); ``true_prev_wilson_lo/hi`` transform the Wilson limits (epiR's default
  style). Se and Sp are per *test*; when an animal is tested several times and called
  positive on any positive, its animal-level Sp is lower than the test's — say so.
  When Se/Sp are themselves estimated, Lang & Reiczigel 2014 widen the interval further;
  that is not implemented.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

INTERVAL_METHODS = {"wilson": "wilson", "clopper_pearson": "beta", "jeffreys": "jeffreys"}

PREVALENCE_COLUMNS = [
    "pathogen", "stratum", "level", "n_animals", "n_positive", "n_equivocal", "apparent",
    "wilson_lo", "wilson_hi", "clopper_pearson_lo", "clopper_pearson_hi", "jeffreys_lo",
    "jeffreys_hi", "sensitivity", "specificity", "se_sp_source", "true_prev", "true_prev_lo",
    "true_prev_hi", "true_prev_method", "true_prev_wilson_lo", "true_prev_wilson_hi",
]


def proportion_intervals(x: int, n: int, alpha: float = 0.05) -> dict[str, float]:
    """Wilson, Clopper-Pearson and Jeffreys intervals for a binomial proportion x / n.

    Wilson's score interval (Wilson 1927 JASA 22:209), the Clopper-Pearson exact interval
    (Clopper & Pearson 1934 Biometrika 26:404) and the Jeffreys interval (beta(1/2, 1/2)
    prior; Brown, Cai & DasGupta 2001 Stat Sci 16:101), computed by statsmodels
    ``proportion_confint`` and clipped to [0, 1]. At x = 0 every lower limit is 0 and at
    x = n every upper limit is 1 (Brown et al.'s modification of Jeffreys).

    Parameters
    ----------
    x : number of positives, 0 <= x <= n.
    n : number of units (animals).
    alpha : 1 - confidence level.

    Returns
    -------
    dict
        ``wilson_lo, wilson_hi, clopper_pearson_lo, clopper_pearson_hi, jeffreys_lo,
        jeffreys_hi``; all NaN when n = 0.

    Examples
    --------
    >>> ci = proportion_intervals(4, 10)
    >>> round(ci["wilson_lo"], 4), round(ci["wilson_hi"], 4)
    (0.1682, 0.6873)
    >>> ci = proportion_intervals(0, 10)
    >>> ci["clopper_pearson_lo"], round(ci["clopper_pearson_hi"], 4)  # 1 - 0.025 ** (1 / 10)
    (0.0, 0.3085)
    """
    out = {}
    for name, method in INTERVAL_METHODS.items():
        if n == 0:
            lo = hi = math.nan
        else:
            lo, hi = proportion_confint(x, n, alpha=alpha, method=method)
            lo, hi = float(max(0.0, lo)), float(min(1.0, hi))
            # exact ends (Wilson's are 0 / 1 there too, up to rounding); for Jeffreys this is
            # the Brown, Cai & DasGupta 2001 modification: 0 at x = 0, 1 at x = n
            lo = 0.0 if x == 0 else lo
            hi = 1.0 if x == n else hi
        out[f"{name}_lo"], out[f"{name}_hi"] = lo, hi
    return out


def _blaker_acceptability(x: int, n: int, p: np.ndarray) -> np.ndarray:
    """Blaker's (2000) acceptability of p for observed x: the probability, under p, of an
    outcome whose smaller tail probability is no larger than that of x.

    ``p`` has shape (m,); returns shape (m,).
    """
    k = np.arange(n + 1)
    p = np.atleast_1d(p)[:, None]
    pmf = stats.binom.pmf(k[None, :], n, p)
    lower = np.cumsum(pmf, axis=1)                     # P(X <= k)
    upper = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]   # P(X >= k)
    gamma = np.minimum(lower, upper)
    g_x = gamma[:, x][:, None]
    return (pmf * (gamma <= g_x * (1 + 1e-10))).sum(axis=1)


def blaker_interval(x: int, n: int, alpha: float = 0.05, tol: float = 1e-7) -> tuple[float, float]:
    """Blaker's exact interval (Blaker 2000 Can J Stat 28:783) for a binomial proportion.

    The set of p whose acceptability exceeds alpha; it lies inside Clopper-Pearson and keeps
    coverage >= 1 - alpha. Found by a grid scan from the Clopper-Pearson limits inwards,
    refined by bisection.

    Parameters
    ----------
    x : number of positives, 0 <= x <= n.
    n : number of trials.
    alpha : 1 - confidence level.
    tol : bisection tolerance of the limits.

    Returns
    -------
    (lo, hi) : tuple of float
        NaN, NaN when n <= 0; lo = 0 at x = 0 and hi = 1 at x = n.

    Examples
    --------
    >>> lo, hi = blaker_interval(4, 10)
    >>> round(lo, 4), round(hi, 4)   # inside Clopper-Pearson (0.1216, 0.7376)
    (0.15, 0.7171)
    """
    if n <= 0:
        return math.nan, math.nan
    cp_lo, cp_hi = proportion_confint(x, n, alpha=alpha, method="beta")
    phat = x / n

    def edge(start: float, stop: float) -> float:
        if start == stop:
            return start
        grid = np.linspace(start, stop, 2001)
        ok = _blaker_acceptability(x, n, grid) > alpha
        if not ok.any():
            return stop
        j = int(np.argmax(ok))
        if j == 0:
            return grid[0]
        a, b = grid[j - 1], grid[j]  # a fails, b passes
        while abs(b - a) > tol:
            m = 0.5 * (a + b)
            if _blaker_acceptability(x, n, np.array([m]))[0] > alpha:
                b = m
            else:
                a = m
        return b

    lo = 0.0 if x == 0 else edge(cp_lo, phat)
    hi = 1.0 if x == n else edge(cp_hi, phat)
    return float(lo), float(hi)


def rogan_gladen(ap, se: float, sp: float):
    """True prevalence from apparent prevalence (Rogan & Gladen 1978 Am J Epidemiol 107:71).

    TP = (AP + Sp - 1) / (Se + Sp - 1), clipped to [0, 1] (as R epiR ``epi.prev``).

    Parameters
    ----------
    ap : float or array of shape (m,): apparent prevalence(s).
    se, sp : sensitivity and specificity of the test.

    Returns
    -------
    float or array of shape (m,)
        NaN when Se or Sp is missing or Se + Sp <= 1 (the test is no better than chance).

    Examples
    --------
    >>> round(float(rogan_gladen(0.4, 0.9, 0.96)), 4)
    0.4186
    >>> rogan_gladen(np.array([0.0, 0.02, 1.0]), 0.9, 0.96).tolist()  # clipped below Sp
    [0.0, 0.0, 1.0]
    >>> rogan_gladen(0.3, 0.5, 0.5)
    nan
    """
    ap = np.asarray(ap, dtype=float)
    if se is None or sp is None or not (se + sp > 1):
        return np.full(ap.shape, np.nan)[()] if ap.shape else math.nan
    tp = np.clip((ap + sp - 1.0) / (se + sp - 1.0), 0.0, 1.0)
    return tp[()] if tp.shape == () else tp


def true_prevalence(x: int, n: int, se: float | None, sp: float | None,
                    alpha: float = 0.05) -> dict[str, float | str]:
    """Rogan-Gladen true prevalence with its exact and Wilson-based intervals.

    The point estimate is :func:`rogan_gladen` of x / n. ``true_prev_lo/hi`` push Blaker's
    exact interval of the apparent prevalence through the Rogan-Gladen transform, which gives
    exact limits when Se and Sp are known (Reiczigel, Foldi & Ozsvari 2010 Epidemiol Infect
    138:1674); ``true_prev_wilson_lo/hi`` transform the Wilson limits (epiR ``epi.prev``
    style). All are clipped to [0, 1]; limits are rounded to 6 decimals (Blaker limits are
    found to 1e-7).

    Parameters
    ----------
    x : positives; n : units tested (positive or negative).
    se, sp : per-test sensitivity and specificity (None or NaN: not computed).
    alpha : 1 - confidence level.

    Returns
    -------
    dict
        ``true_prev, true_prev_lo, true_prev_hi, true_prev_method, true_prev_wilson_lo,
        true_prev_wilson_hi`` (NaN and a "not computed: ..." method when impossible).

    Examples
    --------
    >>> tp = true_prevalence(4, 10, 0.9, 0.96)
    >>> round(tp["true_prev"], 4), tp["true_prev_lo"], tp["true_prev_hi"]
    (0.4186, 0.12794, 0.787285)
    >>> true_prevalence(4, 10, 0.5, 0.5)["true_prev_method"]
    'not computed: Se + Sp <= 1'
    """
    nan = {"true_prev": math.nan, "true_prev_lo": math.nan, "true_prev_hi": math.nan,
           "true_prev_wilson_lo": math.nan, "true_prev_wilson_hi": math.nan}
    if n == 0 or se is None or sp is None or (isinstance(se, float) and math.isnan(se)) or (
            isinstance(sp, float) and math.isnan(sp)):
        return {**nan, "true_prev_method": "not computed: no sensitivity/specificity"}
    if se + sp <= 1:
        return {**nan, "true_prev_method": "not computed: Se + Sp <= 1"}
    b_lo, b_hi = blaker_interval(x, n, alpha)
    w = proportion_intervals(x, n, alpha)

    def limit(ap):  # Blaker limits are found to 1e-7: 6 decimals is all they carry
        return round(float(rogan_gladen(ap, se, sp)), 6)

    return {
        "true_prev": float(rogan_gladen(x / n, se, sp)),
        "true_prev_lo": limit(b_lo),
        "true_prev_hi": limit(b_hi),
        "true_prev_method": "rogan_gladen; exact limits from Blaker AP interval (Reiczigel 2010)",
        "true_prev_wilson_lo": limit(w["wilson_lo"]),
        "true_prev_wilson_hi": limit(w["wilson_hi"]),
    }


def prevalence_row(pathogen: str, stratum: str, level: str, statuses,
                   se=None, sp=None, se_sp_source: str = "", alpha: float = 0.05) -> dict:
    """One prevalence row from per-animal statuses (positive/negative/equivocal).

    Equivocal animals are counted in ``n_equivocal`` and left out of ``n_animals``.

    Parameters
    ----------
    pathogen, stratum, level : the row's keys.
    statuses : iterable of str, one status per animal (length = animals in the cell).
    se, sp, se_sp_source : the pathogen's test sensitivity/specificity and where they come from.
    alpha : 1 - confidence level.

    Returns
    -------
    dict
        One row with the columns of :data:`PREVALENCE_COLUMNS` (intervals from
        :func:`proportion_intervals`, true prevalence from :func:`true_prevalence`).

    Examples
    --------
    >>> row = prevalence_row("CDV", "overall", "all", ["positive", "negative", "equivocal"])
    >>> row["n_animals"], row["n_positive"], row["n_equivocal"], row["apparent"]
    (2, 1, 1, 0.5)
    """
    s = pd.Series(list(statuses), dtype=object)
    x = int((s == "positive").sum())
    n = int(s.isin(["positive", "negative"]).sum())
    row = {"pathogen": pathogen, "stratum": stratum, "level": level, "n_animals": n,
           "n_positive": x, "n_equivocal": int((s == "equivocal").sum()),
           "apparent": x / n if n else math.nan}
    row.update(proportion_intervals(x, n, alpha))
    row.update({"sensitivity": math.nan if se is None else se,
                "specificity": math.nan if sp is None else sp,
                "se_sp_source": se_sp_source or "none given"})
    row.update(true_prevalence(x, n, se, sp, alpha))
    return row


def prevalence_table(units: pd.DataFrame, se_sp: dict | None = None,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Prevalence per pathogen and stratum level (``prevalence.tsv``).

    Parameters
    ----------
    units : DataFrame, one row per counting unit (an animal, or an animal in a period) with
        ``pathogen, stratum, level, individual_id, status``; a unit must not repeat within a
        (pathogen, stratum, level) — that would count an animal twice (ValueError).
    se_sp : dict pathogen -> (se, sp, source); pathogens without one get no true prevalence.
    alpha : 1 - confidence level.

    Returns
    -------
    DataFrame
        One row per pathogen, stratum and level (strata in the order overall, year, sex,
        age_class, site) with :data:`PREVALENCE_COLUMNS`.
    """
    se_sp = se_sp or {}
    dup = units.duplicated(["pathogen", "stratum", "level", "individual_id"])
    if dup.any():
        raise ValueError("an animal appears twice in one prevalence cell; count animals, "
                         "not samples")
    rows = []
    order = {"overall": 0, "year": 1, "sex": 2, "age_class": 3, "site": 4}
    keys = units[["pathogen", "stratum", "level"]].drop_duplicates()
    keys = keys.assign(_o=keys["stratum"].map(order).fillna(9)).sort_values(
        ["pathogen", "_o", "level"], kind="stable")
    groups = units.groupby(["pathogen", "stratum", "level"], sort=False)["status"]
    for pat, strat, lev in keys[["pathogen", "stratum", "level"]].itertuples(index=False):
        se, sp, src = se_sp.get(pat, (None, None, ""))
        rows.append(prevalence_row(pat, strat, lev, groups.get_group((pat, strat, lev)),
                                   se, sp, src, alpha))
    return pd.DataFrame(rows, columns=PREVALENCE_COLUMNS)
