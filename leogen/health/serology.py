"""Serological epidemiology: paired-sample titre rises, force of infection, mixture cut-offs
and serosurvey sample sizes.

* :func:`titre_rises` finds fourfold (or greater) rises between paired samples of the same
  animal, pathogen and assay: the serological definition of seroconversion / recent
  infection (a rise of at least two doubling dilutions between acute and convalescent sera,
  e.g. OIE/WOAH Terrestrial Manual, ch. 1.1.6; Greene, Infectious Diseases of the Dog and
  Cat). Censored titres count only when the rise is certain (``<1:8`` then ``1:32`` is a
  fourfold rise; ``1:8`` then ``>=1:16`` is not).
* :func:`catalytic_constant` and :func:`catalytic_reversion` fit the catalytic models of
  age-specific seroprevalence by maximum likelihood, with profile-likelihood intervals
  (Hens, Aerts, Faes et al. 2010 Epidemiol Infect 138:802; Hens, Shkedy, Aerts et al. 2012
  *Modeling Infectious Disease Parameters Based on Serological and Social Contact Data*,
  ch. 6): constant force of infection ``pi(a) = 1 - exp(-lambda a)`` and, with
  seroreversion at rate ``rho``, ``pi(a) = lambda / (lambda + rho) (1 - exp(-(lambda +
  rho) a))`` (Muench 1959).
* :func:`mixture_cutoff` fits a two-component normal mixture to log2 titres (or log ODs)
  by EM, with Wald intervals from the observed information, the posterior probability of
  being seropositive per sample and the cut-off where that posterior is 0.5 (the
  mixture-model approach to serology without a validated cut-off: Vink, Bootsma & Wallinga
  2014 Am J Epidemiol 180:1089; Hens et al. 2012 ch. 13).
* :func:`n_prevalence`, :func:`n_freedom` and :func:`n_freedom_imperfect` are serosurvey
  sample sizes: prevalence to a given precision with an imperfect test (Humphry, Cameron &
  Gunn 2004 Prev Vet Med 65:173, as epiR ``epi.sssimpleestb``), demonstrating freedom at a
  design prevalence with a perfectly specific test (binomial or hypergeometric
  approximation, as RSurveillance ``n.freedom`` / epiR ``rsu.sssep.rs``; Cannon & Roe
  1982, MacDiarmid 1988) and with imperfect Se and Sp (the binomial FreeCalc method of
  Cameron & Baldock 1998 Prev Vet Med 34:1, as epiR ``rsu.sssep.rsfreecalc`` with
  ``method = "binomial"``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

CHI2_95 = float(stats.chi2.ppf(0.95, 1))


# --------------------------------------------------------------------------- titre rises
def titre_bounds(qualifier, value) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound of each (possibly censored) reciprocal titre.

    Parameters
    ----------
    qualifier : array of str, shape (n,): '', '<', '<=', '>', '>='.
    value : array of float, shape (n,): reciprocal titres (NaN: no titre).

    Returns
    -------
    (lo, hi) : arrays of shape (n,); ``<1:8`` is (0, 8), ``>=1:128`` is (128, inf), an
    exact ``1:64`` is (64, 64); NaN without a titre.

    Examples
    --------
    >>> lo, hi = titre_bounds(np.array(["", "<", ">="]), np.array([64.0, 8.0, 128.0]))
    >>> lo.tolist(), hi.tolist()
    ([64.0, 0.0, 128.0], [64.0, 8.0, inf])
    """
    q = np.asarray(qualifier, dtype=object)
    v = np.asarray(value, dtype=float)
    lo = np.where(np.isin(q, ["<", "<="]), 0.0, v)
    hi = np.where(np.isin(q, [">", ">="]), np.inf, v)
    return lo, hi


def titre_rises(tests: pd.DataFrame, fold: float = 4.0) -> pd.DataFrame:
    """Fourfold (or ``fold``-fold) titre rises between paired samples.

    For each animal, pathogen and assay, every pair of tests on different dates (earlier,
    later) is compared; the rise is certain when the later titre's lower bound is at least
    ``fold`` times the earlier titre's upper bound (:func:`titre_bounds`). The largest
    certain rise to each later test is kept, one row per later test.

    Parameters
    ----------
    tests : linked tests with ``individual_id, pathogen, assay, date, titer,
        titer_qualifier, titer_value`` (and ``sample_id``), n rows.
    fold : the rise that counts (4 = two doubling dilutions).

    Returns
    -------
    DataFrame with ``individual_id, pathogen, assay, date_1, titer_1, date_2, titer_2,
    fold_rise`` (the certain lower bound of the rise), ``days`` between the samples.
    """
    cols = ["individual_id", "pathogen", "assay", "date_1", "titer_1", "date_2", "titer_2",
            "fold_rise", "days"]
    t = tests[(tests["individual_id"] != "") & tests["titer_value"].notna()].copy()
    if t.empty:
        return pd.DataFrame(columns=cols)
    t["lo"], t["hi"] = titre_bounds(t["titer_qualifier"].to_numpy(), t["titer_value"])
    t = t.reset_index(drop=True)
    t["_k"] = np.arange(len(t))
    key = ["individual_id", "pathogen", "assay"]
    pairs = t.merge(t, on=key, suffixes=("_1", "_2"))
    pairs = pairs[pairs["date_2"] > pairs["date_1"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pairs["lo_2"].to_numpy(float) / pairs["hi_1"].to_numpy(float)
    pairs = pairs.assign(fold_rise=ratio)
    pairs = pairs[np.isfinite(pairs["fold_rise"]) & (pairs["fold_rise"] >= fold)]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    pairs = pairs.sort_values(["_k_2", "fold_rise", "date_1"], ascending=[True, False, True],
                              kind="stable").drop_duplicates("_k_2")
    out = pairs.assign(days=(pairs["date_2"] - pairs["date_1"]).dt.days)
    return out[cols].sort_values(key + ["date_2"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- catalytic
def _grouped(age, positive) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    age = np.asarray(age, dtype=float)
    pos = np.asarray(positive, dtype=float)
    ok = np.isfinite(age) & np.isfinite(pos) & (age > 0)
    ages, inv = np.unique(age[ok], return_inverse=True)
    n = np.bincount(inv, minlength=len(ages)).astype(float)
    x = np.bincount(inv, weights=pos[ok], minlength=len(ages))
    return ages, n, x


def _binom_ll(p: np.ndarray, n: np.ndarray, x: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.sum(x * np.log(p) + (n - x) * np.log1p(-p)))


def catalytic_prob(age, foi: float, reversion: float = 0.0) -> np.ndarray:
    """Seroprevalence at age ``a`` under the catalytic model (Muench 1959; Hens et al. 2012).

    ``pi(a) = lambda / (lambda + rho) (1 - exp(-(lambda + rho) a))``; with ``rho = 0``
    this is the constant force of infection model ``1 - exp(-lambda a)``.

    Parameters
    ----------
    age : array of shape (n,), years; foi : lambda per year; reversion : rho per year.

    Returns
    -------
    array of shape (n,)

    Examples
    --------
    >>> catalytic_prob(np.array([1.0, 5.0]), 0.2).round(4).tolist()
    [0.1813, 0.6321]
    >>> catalytic_prob(np.array([100.0]), 0.2, 0.2).round(4).tolist()   # plateau lambda/(l+r)
    [0.5]
    """
    a = np.asarray(age, dtype=float)
    s = foi + reversion
    if s <= 0:
        return np.zeros_like(a)
    return foi / s * -np.expm1(-s * a)


def _profile_limits(nll, theta_hat: float, lo_bound: float, hi_bound: float,
                    target: float) -> tuple[float, float]:
    """Where nll(theta) - nll(hat) = target/2 on each side (log scale), within bounds."""
    def f(t):
        return nll(t) - target / 2

    out = []
    for bound in (lo_bound, hi_bound):
        if f(bound) < 0:
            out.append(math.exp(bound) if bound > -30 else 0.0)
            continue
        out.append(math.exp(optimize.brentq(f, min(theta_hat, bound), max(theta_hat, bound),
                                            xtol=1e-8)))
    return out[0], out[1]


def catalytic_constant(age, positive, alpha: float = 0.05) -> dict:
    """Constant force of infection from age and serostatus by maximum likelihood.

    Model ``pi(a) = 1 - exp(-lambda a)`` (Hens et al. 2010 Epidemiol Infect 138:802, the
    simplest catalytic model), binomial likelihood over individuals (grouped by age);
    interval from the profile likelihood (likelihood-ratio test inversion).

    Parameters
    ----------
    age : array of shape (n,), age of each animal at sampling (years, > 0).
    positive : array of shape (n,), 1 seropositive / 0 seronegative.
    alpha : 1 - confidence level.

    Returns
    -------
    dict ``foi, foi_lo, foi_hi, loglik, n, n_positive, n_ages, note`` (NaN with a note when
    it cannot be fitted: fewer than 2 animals, or all positive).

    Examples
    --------
    >>> r = catalytic_constant([1, 1, 2, 2, 4, 4, 8, 8], [0, 0, 0, 1, 1, 0, 1, 1])
    >>> round(r["foi"], 4), r["foi_lo"] < r["foi"] < r["foi_hi"]
    (0.2484, True)
    """
    ages, n, x = _grouped(age, positive)
    base = {"n": int(n.sum()), "n_positive": int(x.sum()), "n_ages": len(ages)}
    nan = {"foi": math.nan, "foi_lo": math.nan, "foi_hi": math.nan, "loglik": math.nan}
    if n.sum() < 2:
        return {**nan, **base, "note": "not fitted: fewer than 2 animals of known age"}
    if x.sum() == n.sum():
        return {**nan, **base, "note": "not fitted: every animal seropositive"}
    target = float(stats.chi2.ppf(1 - alpha, 1))

    def nll(t):
        return -_binom_ll(-np.expm1(-math.exp(t) * ages), n, x)

    if x.sum() == 0:
        hat, ll = -40.0, _binom_ll(np.zeros_like(ages), n, x)
        lo = 0.0
        hi = math.exp(optimize.brentq(lambda t: nll(t) + ll - target / 2, -40, 10))
        return {"foi": 0.0, "foi_lo": lo, "foi_hi": hi, "loglik": ll, **base,
                "note": "no seropositive animal: point estimate 0"}
    res = optimize.minimize_scalar(nll, bounds=(-15, 5), method="bounded",
                                   options={"xatol": 1e-10})
    hat, ll = float(res.x), -float(res.fun)
    lo, hi = _profile_limits(lambda t: nll(t) + ll, hat, -30, 8, target)
    return {"foi": math.exp(hat), "foi_lo": lo, "foi_hi": hi, "loglik": ll, **base,
            "note": ""}


def catalytic_reversion(age, positive, alpha: float = 0.05) -> dict:
    """Constant force of infection with seroreversion, by maximum likelihood.

    Model ``pi(a) = lambda / (lambda + rho) (1 - exp(-(lambda + rho) a))`` (reversible
    catalytic model; Hens et al. 2010, 2012 ch. 6). Both rates are fitted on the log scale
    (Nelder-Mead); each interval is the profile-likelihood interval (the other rate
    re-optimised at every value). A rate whose profile stays within the limit down to 1e-6
    per year gets the lower limit 0.

    Parameters
    ----------
    age : array of shape (n,), years at sampling (> 0); positive : array of shape (n,), 0/1.
    alpha : 1 - confidence level.

    Returns
    -------
    dict ``foi, foi_lo, foi_hi, reversion, reversion_lo, reversion_hi, loglik, n,
    n_positive, n_ages, note``.
    """
    ages, n, x = _grouped(age, positive)
    base = {"n": int(n.sum()), "n_positive": int(x.sum()), "n_ages": len(ages)}
    keys = ("foi", "foi_lo", "foi_hi", "reversion", "reversion_lo", "reversion_hi", "loglik")
    nan = dict.fromkeys(keys, math.nan)
    if len(ages) < 3 or x.sum() == 0 or x.sum() == n.sum():
        return {**nan, **base, "note": "not fitted: needs positives, negatives and at "
                                       "least 3 distinct ages"}
    target = float(stats.chi2.ppf(1 - alpha, 1))

    def nll(th):
        return -_binom_ll(catalytic_prob(ages, math.exp(th[0]), math.exp(th[1])), n, x)

    start = catalytic_constant(ages.repeat(n.astype(int)), np.concatenate(
        [np.r_[np.ones(int(k)), np.zeros(int(m - k))] for k, m in zip(x, n, strict=True)]))
    l0 = math.log(max(start["foi"], 1e-3)) if math.isfinite(start["foi"]) else -1.0
    best = None
    for r0 in (-4.0, -2.0, 0.0):
        res = optimize.minimize(nll, [l0, r0], method="Nelder-Mead",
                                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
        if best is None or res.fun < best.fun:
            best = res
    hat = best.x
    ll = -float(best.fun)

    def profile(j):
        def prof(t):
            k = 1 - j

            def inner(u):
                th = [0.0, 0.0]
                th[j], th[k] = t, u
                return nll(th)

            r = optimize.minimize_scalar(inner, bounds=(-16, 6), method="bounded",
                                         options={"xatol": 1e-8})
            return float(r.fun) + ll
        return prof

    out = {}
    for j, name in enumerate(("foi", "reversion")):
        prof = profile(j)
        lo, hi = _profile_limits(prof, float(hat[j]), math.log(1e-6), 6.0, target)
        if lo <= 1.0001e-6:
            lo = 0.0
        out[name], out[name + "_lo"], out[name + "_hi"] = math.exp(hat[j]), lo, hi
    note = "" if out["reversion"] > 1e-5 else "seroreversion rate at its boundary (0)"
    return {**out, "loglik": ll, **base, "note": note}


# --------------------------------------------------------------------------- mixture
def _norm_logpdf(x, mu, sd):
    return -0.5 * ((x - mu) / sd) ** 2 - np.log(sd) - 0.5 * math.log(2 * math.pi)


def _mix_ll(theta, x) -> float:
    w = 1 / (1 + math.exp(-theta[0]))
    a = np.log1p(-w) + _norm_logpdf(x, theta[1], math.exp(theta[3]))
    b = math.log(w) + _norm_logpdf(x, theta[2], math.exp(theta[4]))
    return float(np.sum(np.logaddexp(a, b)))


def mixture_cutoff(values, log_base: float | None = 2.0, max_iter: int = 2000,
                   tol: float = 1e-10, alpha: float = 0.05) -> dict:
    """Two-component normal mixture on log titres: the cut-off where no validated one exists.

    EM from a split at the median (the component with the higher mean is "seropositive"),
    then Wald intervals from the observed information (numerical Hessian of the
    log-likelihood in ``logit(pi), mu_neg, mu_pos, log sd_neg, log sd_pos``). The cut-off is
    the value between the means where the posterior probability of the positive component
    is 0.5. End-point titres are discrete (doubling dilutions) and censored; the normal
    mixture treats them as continuous, which is an approximation for titres and exact for
    ODs (Vink et al. 2014 Am J Epidemiol 180:1089).

    Parameters
    ----------
    values : array of shape (n,), reciprocal titres or ODs (> 0 when logged).
    log_base : base of the log taken first (2 for titres: doubling dilutions); None: as is.
    max_iter, tol : EM limits.
    alpha : 1 - confidence level.

    Returns
    -------
    dict ``pi, pi_lo, pi_hi, mu_neg, mu_neg_lo, mu_neg_hi, mu_pos, mu_pos_lo, mu_pos_hi,
    sd_neg, sd_pos, cutoff`` (log scale), ``cutoff_value`` (back on the value scale),
    ``loglik, n, posterior`` (array of shape (n,): P(seropositive) per value, in input
    order), ``note``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> v = 2.0 ** np.r_[rng.normal(2, 0.7, 150), rng.normal(7, 0.7, 50)]
    >>> r = mixture_cutoff(v)
    >>> round(r["pi"], 2), 3 < r["cutoff"] < 6
    (0.25, True)
    """
    v = np.asarray(values, dtype=float)
    x = np.log(v) / math.log(log_base) if log_base else v.copy()
    ok = np.isfinite(x)
    xs = x[ok]
    n = len(xs)
    keys = ("pi", "pi_lo", "pi_hi", "mu_neg", "mu_neg_lo", "mu_neg_hi", "mu_pos", "mu_pos_lo",
            "mu_pos_hi", "sd_neg", "sd_pos", "cutoff", "cutoff_value", "loglik")
    if n < 10 or np.unique(xs).size < 4:
        return {**dict.fromkeys(keys, math.nan), "n": n, "posterior": np.full(v.shape, np.nan),
                "note": "not fitted: needs at least 10 values with 4 distinct ones"}
    med = np.median(xs)
    r = (xs > med).astype(float)
    if r.sum() in (0, n):
        r = (xs >= med).astype(float)
    floor = 1e-3 * max(np.std(xs), 1e-6)
    prev = -np.inf
    for _ in range(max_iter):
        w = float(r.mean())
        mu0 = np.sum((1 - r) * xs) / np.sum(1 - r)
        mu1 = np.sum(r * xs) / np.sum(r)
        sd0 = max(math.sqrt(np.sum((1 - r) * (xs - mu0) ** 2) / np.sum(1 - r)), floor)
        sd1 = max(math.sqrt(np.sum(r * (xs - mu1) ** 2) / np.sum(r)), floor)
        la = math.log1p(-w) + _norm_logpdf(xs, mu0, sd0)
        lb = math.log(w) + _norm_logpdf(xs, mu1, sd1)
        tot = np.logaddexp(la, lb)
        r = np.exp(lb - tot)
        ll = float(tot.sum())
        if ll - prev < tol:
            break
        prev = ll
    if mu0 > mu1:
        w, mu0, mu1, sd0, sd1 = 1 - w, mu1, mu0, sd1, sd0
    theta = np.array([math.log(w / (1 - w)), mu0, mu1, math.log(sd0), math.log(sd1)])
    # observed information by central differences
    h = 1e-4
    k = len(theta)
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            f = (_mix_ll(theta + e_i + e_j, xs) - _mix_ll(theta + e_i - e_j, xs)
                 - _mix_ll(theta - e_i + e_j, xs) + _mix_ll(theta - e_i - e_j, xs)) / (4 * h * h)
            hess[i, j] = hess[j, i] = f
    z = float(stats.norm.ppf(1 - alpha / 2))
    try:
        cov = np.linalg.inv(-hess)
        se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
        note = ""
    except np.linalg.LinAlgError:
        se = np.full(k, np.nan)
        note = "information matrix singular: no intervals"

    def logit_ci(t, s):
        return 1 / (1 + math.exp(-(t - z * s))), 1 / (1 + math.exp(-(t + z * s)))

    pi_lo, pi_hi = logit_ci(theta[0], se[0])
    # posterior for every input value; cut-off where it is 0.5
    la = math.log1p(-w) + _norm_logpdf(x, mu0, sd0)
    lb = math.log(w) + _norm_logpdf(x, mu1, sd1)
    post = np.where(ok, np.exp(lb - np.logaddexp(la, lb)), np.nan)

    def g(c):
        return (math.log(w) + _norm_logpdf(c, mu1, sd1)) - (
            math.log1p(-w) + _norm_logpdf(c, mu0, sd0))

    try:
        cut = float(optimize.brentq(g, mu0, mu1)) if g(mu0) < 0 < g(mu1) else math.nan
    except ValueError:
        cut = math.nan
    if math.isnan(cut):
        note = (note + "; " if note else "") + "components overlap: no cut-off between the means"
    return {"pi": w, "pi_lo": pi_lo, "pi_hi": pi_hi,
            "mu_neg": mu0, "mu_neg_lo": mu0 - z * se[1], "mu_neg_hi": mu0 + z * se[1],
            "mu_pos": mu1, "mu_pos_lo": mu1 - z * se[2], "mu_pos_hi": mu1 + z * se[2],
            "sd_neg": sd0, "sd_pos": sd1, "cutoff": cut,
            "cutoff_value": (log_base ** cut if log_base else cut) if math.isfinite(cut)
            else math.nan, "loglik": _mix_ll(theta, xs), "n": n, "posterior": post,
            "note": note}


# --------------------------------------------------------------------------- sample size
def n_prevalence(prevalence: float, precision: float, se: float = 1.0, sp: float = 1.0,
                 conf: float = 0.95, population: int | None = None,
                 relative: bool = False) -> int:
    """Animals to sample to estimate a prevalence to a given precision (imperfect test).

    ``n = (z / d)^2 AP (1 - AP) / (Se + Sp - 1)^2`` with ``AP = Se p + (1 - Sp)(1 - p)``
    (Humphry, Cameron & Gunn 2004 Prev Vet Med 65:173, eq. 2), then the finite population
    correction ``n N / (n + N - 1)``, rounded up: as epiR ``epi.sssimpleestb``.

    Parameters
    ----------
    prevalence : expected true prevalence; precision : half-width of the interval
        (absolute, or relative to the prevalence when ``relative``).
    se, sp : test sensitivity and specificity; conf : confidence level.
    population : population size (None: infinite).

    Returns
    -------
    int

    Examples
    --------
    >>> n_prevalence(0.15, 0.20, relative=True), n_prevalence(0.15, 0.2, relative=True,
    ...                                                       population=4000)
    (545, 480)
    """
    if not (se + sp > 1):
        raise ValueError("Se + Sp must be > 1")
    z = float(stats.norm.ppf(1 - (1 - conf) / 2))
    d = precision * prevalence if relative else precision
    ap = se * prevalence + (1 - sp) * (1 - prevalence)
    n = (z / d) ** 2 * ap * (1 - ap) / (se + sp - 1) ** 2
    if population is not None:
        n = n * population / (n + population - 1)
    return int(math.ceil(n - 1e-9))


def n_freedom(design_prevalence: float, se: float = 1.0, sep: float = 0.95,
              population: int | None = None) -> int:
    """Animals to test (all negative) to claim freedom at a design prevalence (Sp = 1).

    Binomial: ``n = log(1 - SeP) / log(1 - P* Se)`` (Cannon & Roe 1982); with a population
    size N, the hypergeometric approximation ``n = (N / Se) (1 - (1 - SeP)^(1/D))`` with
    ``D = ceil(P* N)`` infected animals (MacDiarmid 1988): as RSurveillance ``n.freedom``.

    Parameters
    ----------
    design_prevalence : P*, the prevalence to detect; se : unit sensitivity;
    sep : required population (system) sensitivity; population : N (None: infinite).

    Returns
    -------
    int (``population`` + 1 when even testing everyone is not enough).

    Examples
    --------
    >>> n_freedom(0.01), n_freedom(0.05, se=0.9)
    (299, 66)
    """
    if population is None:
        n = math.log(1 - sep) / math.log(1 - design_prevalence * se)
        return int(math.ceil(n - 1e-9))
    d = max(1, math.ceil(design_prevalence * population - 1e-9))
    n = population / se * (1 - (1 - sep) ** (1 / d))
    n = int(math.ceil(n - 1e-9))
    return n if n <= population else population + 1


def n_freedom_imperfect(design_prevalence: float, se: float, sp: float, sep: float = 0.95,
                        spp: float = 0.95, max_n: int = 32000) -> dict:
    """Sample size and cut-point to claim freedom with an imperfect test (binomial FreeCalc).

    For each n the cut-point c (the population is declared infected when c or more animals
    test positive) is the smallest with population specificity ``P(X < c | n, 1 - Sp) >=
    SpP``; n is the smallest with population sensitivity ``P(X >= c | n, P* Se + (1 - P*)
    (1 - Sp)) >= SeP`` (Cameron & Baldock 1998 Prev Vet Med 34:1, binomial version; epiR
    ``rsu.sssep.rsfreecalc(method = "binomial")``). Vectorised over n.

    Parameters
    ----------
    design_prevalence : P*; se, sp : unit sensitivity and specificity;
    sep, spp : required population sensitivity and specificity; max_n : largest n tried.

    Returns
    -------
    dict ``n, c, sep, spp`` (achieved); n = NaN when max_n is not enough.

    Examples
    --------
    >>> r = n_freedom_imperfect(0.05, 0.9, 1.0)
    >>> (r["n"], r["c"]) == (n_freedom(0.05, se=0.9), 1)
    True
    """
    ns = np.arange(1, max_n + 1)
    if sp >= 1:
        c = np.ones_like(ns)
    else:
        c = stats.binom.ppf(spp, ns, 1 - sp).astype(int) + 1
    p1 = design_prevalence * se + (1 - design_prevalence) * (1 - sp)
    sep_n = stats.binom.sf(c - 1, ns, p1)
    spp_n = stats.binom.cdf(c - 1, ns, 1 - sp)
    ok = np.flatnonzero((sep_n >= sep) & (spp_n >= spp))
    if not ok.size:
        return {"n": math.nan, "c": math.nan, "sep": math.nan, "spp": math.nan}
    k = int(ok[0])
    return {"n": int(ns[k]), "c": int(c[k]), "sep": float(sep_n[k]), "spp": float(spp_n[k])}


def sep_freecalc_finite(population: int, n, c, design_prevalence: float, se: float,
                        sp: float) -> np.ndarray:
    """Population sensitivity of testing ``n`` of ``population`` animals with an imperfect
    test, declaring the population infected at ``c`` or more positives (hypergeometric
    FreeCalc, Cameron & Baldock 1998 Prev Vet Med 34:1; RSurveillance ``sep.freecalc`` /
    epiR ``rsu.sep.rsfreecalc``).

    With ``D = round(max(1, N P*))`` infected animals, ``y`` of them in the sample
    (hypergeometric), ``x`` positives among the sample (true positives Binomial(y, Se) plus
    false positives Binomial(n - y, 1 - Sp)): ``SeP = 1 - P(x < c)``. Vectorised over n and c.

    Parameters
    ----------
    population : int
        N, the animals in the population.
    n : int or int array (m,)
        Sample sizes (<= N).
    c : int or int array (m,)
        Cut-points (>= 1).
    design_prevalence : float
        P*, as a proportion of N.
    se, sp : float
        Unit sensitivity and specificity.

    Returns
    -------
    float array (m,)

    Examples
    --------
    RSurveillance's ``n.freecalc(65, 0.95, c=1, se=0.95, sp=0.99, pstar=0.05, minSpH=0.9)``
    prints SeP 0.4411522 at n = 10:

    >>> round(float(sep_freecalc_finite(65, 10, 1, 0.05, 0.95, 0.99)[0]), 7)
    0.4411522
    """
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    c = np.broadcast_to(np.atleast_1d(np.asarray(c, dtype=np.int64)), n.shape)
    d = int(round(max(1.0, population * design_prevalence)))
    y = np.arange(d + 1)[None, :, None, None]
    x = np.arange(max(int(c.max()), 1))[None, None, :, None]
    j = np.arange(max(int(c.max()), 1))[None, None, None, :]
    nn = n[:, None, None, None]
    rest = nn - y  # uninfected animals in the sample (negative: impossible y, weight 0 below)
    p_x_given_y = (stats.binom.pmf(j, y, se)
                   * stats.binom.pmf(x - j, np.maximum(rest, 0), 1 - sp)).sum(-1)
    below = (x[..., 0] < c[:, None, None, None][..., 0])  # x < c per n
    p_below = (p_x_given_y * below).sum(-1)                # (m, d+1)
    h = stats.hypergeom.pmf(y[..., 0, 0], population, d, n[:, None])
    return 1.0 - (h * p_below).sum(-1)


def n_freedom_freecalc(population: int, design_prevalence: float, se: float, sp: float,
                       sep: float = 0.95, spp: float = 0.95) -> dict:
    """Sample size and cut-point to claim freedom in a finite population with an imperfect
    test (hypergeometric FreeCalc, Cameron & Baldock 1998; RSurveillance ``n.freecalc`` with
    the cut-point chosen per n as in epiR ``rsu.sssep.rsfreecalc``).

    For each n the cut-point c is the smallest with population specificity
    ``P(X < c | n, 1 - Sp) >= SpP`` (false positives binomial); n is the smallest with
    :func:`sep_freecalc_finite` ``>= SeP``.

    Parameters
    ----------
    population : int
        N, the animals in the population.
    design_prevalence : float
        P*.
    se, sp : float
        Unit sensitivity and specificity.
    sep, spp : float
        Required population sensitivity and specificity.

    Returns
    -------
    dict
        ``n, c, sep, spp`` (achieved); NaNs when even testing all N animals is not enough.

    Examples
    --------
    With a perfect test the cut-point is 1 and n is the exact hypergeometric freedom sample
    size (RSurveillance's ``n.hypergeo`` approximation gives 46):

    >>> r = n_freedom_freecalc(100, 0.05, 1.0, 1.0)
    >>> r["n"], r["c"]
    (45, 1)
    """
    ns = np.arange(1, population + 1)
    c = np.ones_like(ns) if sp >= 1 else stats.binom.ppf(spp, ns, 1 - sp).astype(int) + 1
    spp_n = stats.binom.cdf(c - 1, ns, 1 - sp)
    sep_n = sep_freecalc_finite(population, ns, c, design_prevalence, se, sp)
    ok = np.flatnonzero((sep_n >= sep) & (spp_n >= spp))
    if not ok.size:
        return {"n": math.nan, "c": math.nan, "sep": math.nan, "spp": math.nan}
    k = int(ok[0])
    return {"n": int(ns[k]), "c": int(c[k]), "sep": float(sep_n[k]), "spp": float(spp_n[k])}
