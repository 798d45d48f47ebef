"""Heterozygosity-fitness correlations for disease: logistic models of infection status.

Model (REFERENCES.md "HFC recipe"): one row per animal and pathogen,
``status ~ z(predictor) + sex + age_class + year`` where the predictor is sMLH (Coltman et al.
1999) or an F (F_ROH, F_MoM) standardised to mean 0, SD 1 over the animals in the model, so
``exp(beta)`` is the odds ratio per SD. Sex and age class are categorical (missing ->
``unknown``; reference level = the most common), year is numeric and centred (a linear trend);
a covariate with a single level is dropped.

Fitting: a binomial GLM (statsmodels, Wald 95% CI) unless events are few (fewer than 10 events
per non-intercept parameter, counting the rarer outcome) or separation is detected; then Firth's
penalised logistic regression (Firth 1993 Biometrika 80:27; Heinze & Schemper 2002 Stat Med
21:2409), fitted here by Newton-Raphson on the penalised log-likelihood
``l*(b) = l(b) + 0.5 log det I(b)`` with the modified score
``U*_j = sum_i (y_i - p_i + h_i (1/2 - p_i)) x_ij`` (h = diagonal of the weighted hat matrix),
step-halving and a step cap, as R logistf does. statsmodels has no Firth fit. Its CI is the
profile penalised-likelihood interval and its p-value the penalised likelihood-ratio test
(both as logistf's defaults).

p-values are adjusted across pathogens (per predictor) with Benjamini-Hochberg
(``multipletests(method="fdr_bh")``). Power is estimated by simulating the simple logistic model
at the observed N and prevalence with OR = 2 per SD (seeded). Caveats: HFCs are usually weak
(Chapman et al. 2009 Mol Ecol 18:2746: they explain < 1% of fitness variance on average;
Szulkin, Bierne & David 2010 Evolution 64:1202), and without identity disequilibrium (g2 ~ 0,
David et al. 2007) none is expected from genome-wide inbreeding.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

HFC_COLUMNS = [
    "pathogen", "predictor", "n", "n_events", "or_per_sd", "or_lo", "or_hi", "p_value",
    "q_value_bh", "method", "ci_method", "covariates", "events_per_parameter", "separation",
    "power", "g2", "g2_p", "caveat",
]

PREDICTORS = ("smlh", "f_roh", "f_mom")


# --------------------------------------------------------------------------- Firth
def _penalised_loglik(beta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Firth's penalised log-likelihood l(b) + 0.5 log det I(b); beta (k,), X (n, k), y (n,)."""
    eta = X @ beta
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    p = special.expit(eta)
    w = p * (1 - p)
    sign, logdet = np.linalg.slogdet(X.T @ (w[:, None] * X))
    if sign <= 0:
        return -math.inf
    return ll + 0.5 * logdet


def firth_fit(X: np.ndarray, y: np.ndarray, fixed: dict[int, float] | None = None,
              start: np.ndarray | None = None, max_iter: int = 200, tol: float = 1e-9,
              max_step: float = 5.0) -> tuple[np.ndarray, float, bool]:
    """Firth-penalised logistic regression by Newton-Raphson on the modified score.

    Maximises l*(b) = l(b) + 0.5 log det I(b) (Firth 1993 Biometrika 80:27; for logistic
    regression and separation, Heinze & Schemper 2002 Stat Med 21:2409) with the modified
    score U*_j = sum_i (y_i - p_i + h_i (1/2 - p_i)) x_ij, step-halving and a step cap, as R
    logistf. The estimates are finite even under complete separation.

    Parameters
    ----------
    X : array of shape (n, k), the design matrix (first column the intercept).
    y : array of shape (n,), 0/1 outcomes.
    fixed : {column index: value} of coefficients kept at given values (profile likelihood
        and the likelihood-ratio test; the penalty still uses the full information matrix,
        as logistf).
    start : array of shape (k,), starting values (default zeros).
    max_iter, tol, max_step : iteration limit, convergence tolerance, largest step.

    Returns
    -------
    (beta, loglik, converged) : array of shape (k,), float, bool
        Coefficients, penalised log-likelihood at them, whether the iteration converged.

    Examples
    --------
    In a 2 x 2 table the Firth estimate is the log odds ratio with 1/2 added to every cell
    (here 3/1 vs 0/4 events/non-events: no event in one group, where maximum likelihood
    diverges, yet a finite estimate):

    >>> X = np.column_stack([np.ones(8), [0, 0, 0, 0, 1, 1, 1, 1]])
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 0])
    >>> beta, ll, ok = firth_fit(X, y)
    >>> round(float(beta[1]), 4), round(math.log(3.5 / 1.5) - math.log(0.5 / 4.5), 4), ok
    (3.0445, 3.0445, True)
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    k = X.shape[1]
    beta = np.zeros(k) if start is None else np.array(start, float)
    fixed = fixed or {}
    for j, v in fixed.items():
        beta[j] = v
    free = np.array([j for j in range(k) if j not in fixed])
    ll = _penalised_loglik(beta, X, y)
    converged = False
    for _ in range(max_iter):
        p = special.expit(X @ beta)
        w = p * (1 - p)
        info = X.T @ (w[:, None] * X)
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            break
        h = w * np.einsum("ij,jk,ik->i", X, inv, X)
        score = X.T @ (y - p + h * (0.5 - p))
        step = np.zeros(k)
        step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        mx = np.max(np.abs(step))
        if mx > max_step:
            step *= max_step / mx
        new_ll = -math.inf
        for _half in range(30):
            cand = beta + step
            new_ll = _penalised_loglik(cand, X, y)
            if new_ll >= ll - 1e-12:
                break
            step /= 2
        beta = beta + step
        delta = abs(new_ll - ll)
        ll = new_ll
        small_score = np.max(np.abs(score[free])) < 1e-9
        if np.max(np.abs(step)) < tol or (delta < tol * 1e-3 and small_score):
            converged = True
            break
    return beta, ll, converged


def firth_profile_ci(X, y, j: int, beta_hat: np.ndarray, ll_hat: float,
                     alpha: float = 0.05) -> tuple[float, float]:
    """Profile penalised-likelihood interval of coefficient j (Heinze & Schemper 2002):
    {b : 2 (l*(beta_hat) - max l*(beta | beta_j = b)) <= chi2_1(1 - alpha)}.

    Parameters
    ----------
    X : array of shape (n, k); y : array of shape (n,), 0/1.
    j : index of the coefficient.
    beta_hat : array of shape (k,), the Firth estimate; ll_hat : its penalised log-likelihood.
    alpha : 1 - confidence level.

    Returns
    -------
    (lo, hi) : limits on the coefficient (log-odds) scale; +-inf when not bracketed.
    """
    crit = stats.chi2.ppf(1 - alpha, 1)

    def f(b):
        _, ll, _ = firth_fit(X, y, fixed={j: b}, start=beta_hat)
        return 2 * (ll_hat - ll) - crit

    p = special.expit(X @ beta_hat)
    info = X.T @ ((p * (1 - p))[:, None] * X)
    se = math.sqrt(max(np.linalg.inv(info)[j, j], 1e-12))
    out = []
    for sign in (-1, 1):
        step = 2 * se
        b = beta_hat[j] + sign * step
        tries = 0
        while f(b) < 0 and tries < 30:
            step *= 2
            b = beta_hat[j] + sign * step
            tries += 1
        if tries >= 30:
            out.append(sign * math.inf)
            continue
        a, c = sorted((beta_hat[j], b))
        out.append(optimize.brentq(f, a, c, xtol=1e-6))
    return out[0], out[1]


def firth_lrt_p(X, y, j: int, ll_hat: float, beta_hat: np.ndarray) -> float:
    """Penalised likelihood-ratio test of beta_j = 0 (chi-square, 1 df; as logistf).

    Parameters
    ----------
    X : array of shape (n, k); y : array of shape (n,), 0/1.
    j : index of the coefficient tested.
    ll_hat, beta_hat : the Firth fit (penalised log-likelihood, coefficients of shape (k,)).

    Returns
    -------
    float : the p-value.
    """
    start = beta_hat.copy()
    start[j] = 0.0
    _, ll0, _ = firth_fit(X, y, fixed={j: 0.0}, start=start)
    return float(stats.chi2.sf(max(0.0, 2 * (ll_hat - ll0)), 1))


# --------------------------------------------------------------------------- design
def design_matrix(df: pd.DataFrame, predictor: str,
                  covariates=("sex", "age_class", "year"),
                  ) -> tuple[np.ndarray, list[str], list[str]]:
    """Design matrix: intercept, z(predictor), then covariates with more than one level.

    The predictor is standardised to mean 0, SD 1 (``ddof=1``) so its coefficient is the log
    odds ratio per SD. ``year`` enters centred and numeric; other covariates as indicator
    columns against their most common level (ties: the first in sort order), missing
    values as ``unknown``.

    Parameters
    ----------
    df : DataFrame of n rows with the predictor and covariate columns.
    predictor : name of the predictor column.
    covariates : candidate covariate columns (absent ones are skipped).

    Returns
    -------
    (X, names, kept) : array of shape (n, k), k column names, covariates used.

    Examples
    --------
    >>> df = pd.DataFrame({"smlh": [0.8, 1.0, 1.2], "sex": ["F", "F", "M"],
    ...                    "year": [2020, 2020, 2020]})
    >>> X, names, kept = design_matrix(df, "smlh")
    >>> names, kept, X[:, 1].round(3).tolist()
    (['intercept', 'z_smlh', 'sex[M]'], ['sex'], [-1.0, 0.0, 1.0])
    """
    x = df[predictor].to_numpy(float)
    sd = x.std(ddof=1) if len(x) > 1 else 0.0
    cols = [np.ones(len(df)), (x - x.mean()) / sd if sd > 0 else np.zeros(len(df))]
    names = ["intercept", f"z_{predictor}"]
    kept = []
    for cov in covariates:
        if cov not in df.columns:
            continue
        if cov == "year":
            v = pd.to_numeric(df[cov], errors="coerce").to_numpy(float)
            if np.isnan(v).any() or np.unique(v).size < 2:
                continue
            cols.append(v - v.mean())
            names.append("year")
            kept.append("year")
            continue
        v = df[cov].astype(object).where(df[cov].notna() & (df[cov].astype(str) != ""), "unknown")
        v = v.astype(str)
        counts = v.value_counts()
        if len(counts) < 2:
            continue
        ref = sorted(counts[counts == counts.max()].index)[0]
        for level in sorted(set(counts.index) - {ref}):
            cols.append((v == level).to_numpy(float))
            names.append(f"{cov}[{level}]")
        kept.append(cov)
    return np.column_stack(cols), names, kept


def detect_separation(X: np.ndarray, y: np.ndarray) -> tuple[bool, object]:
    """Fit the ordinary binomial GLM and tell whether the data look separated.

    Separation when the fit fails, warns of perfect separation, does not converge, or gives
    fitted probabilities within 1e-6 of 0 or 1, coefficients beyond |15| or non-finite
    standard errors (Heinze & Schemper 2002: ML estimates diverge under separation).

    Parameters
    ----------
    X : array of shape (n, k); y : array of shape (n,), 0/1.

    Returns
    -------
    (separated, fit) : bool and the statsmodels GLM result (None when the fit failed).
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
        except (PerfectSeparationError, PerfectSeparationWarning, ConvergenceWarning,
                np.linalg.LinAlgError, ValueError):
            return True, None
    mu = np.asarray(res.fittedvalues)
    if (np.abs(res.params) > 15).any() or ((mu < 1e-6) | (mu > 1 - 1e-6)).any() or not np.all(
            np.isfinite(res.bse)):
        return True, res
    return False, res


def fit_logistic(X: np.ndarray, y: np.ndarray, j: int = 1, method: str = "auto",
                 alpha: float = 0.05, min_epv: float = 10.0) -> dict:
    """Fit ``y ~ X`` by logistic regression; coefficient j as an odds ratio, CI and p-value.

    ``glm``: binomial GLM with the Wald interval and test. ``firth``: :func:`firth_fit`
    with the profile penalised-likelihood interval (:func:`firth_profile_ci`) and the
    penalised likelihood-ratio test (:func:`firth_lrt_p`). ``auto`` uses Firth when the
    events per parameter (rarer outcome / non-intercept parameters; Peduzzi et al. 1996
    J Clin Epidemiol 49:1373) are below ``min_epv`` or separation is detected, else the GLM.

    Parameters
    ----------
    X : array of shape (n, k), intercept first; y : array of shape (n,), 0/1.
    j : index of the reported coefficient.
    method : ``auto``, ``glm`` or ``firth``.
    alpha : 1 - confidence level; min_epv : events-per-parameter threshold of ``auto``.

    Returns
    -------
    dict
        ``beta, or, or_lo, or_hi, beta_lo, beta_hi, p_value, method, ci_method, n, n_events,
        events_per_parameter, separation``.
    """
    y = np.asarray(y, float)
    n_events = int(y.sum())
    rarer = min(n_events, len(y) - n_events)
    n_par = X.shape[1] - 1
    epv = rarer / n_par if n_par else math.inf
    separation, glm = detect_separation(X, y)
    use = method
    if method == "auto":
        use = "firth" if (epv < min_epv or separation) else "glm"
    if use == "glm":
        if glm is None:
            raise ValueError("GLM failed (separation); use method='firth'")
        b = float(glm.params[j])
        lo, hi = (float(v) for v in np.asarray(glm.conf_int(alpha))[j])
        p = float(glm.pvalues[j])
        ci_method = "wald"
    else:
        beta, ll, conv = firth_fit(X, y)
        b = float(beta[j])
        lo, hi = firth_profile_ci(X, y, j, beta, ll, alpha)
        p = firth_lrt_p(X, y, j, ll, beta)
        ci_method = "profile_penalised_likelihood"
    return {"beta": b, "or": math.exp(b), "or_lo": math.exp(lo) if lo > -700 else 0.0,
            "or_hi": math.exp(hi) if hi < 700 else math.inf, "beta_lo": lo, "beta_hi": hi,
            "p_value": p, "method": use, "ci_method": ci_method, "n": len(y),
            "n_events": n_events, "events_per_parameter": epv, "separation": separation}


# --------------------------------------------------------------------------- power
def power_logistic(z: np.ndarray, prevalence: float, odds_ratio: float = 2.0, nsim: int = 400,
                   alpha: float = 0.05, seed: int = 1) -> float:
    """Power of the HFC test by simulation: the share of simulated data sets in which the
    Wald test of the slope has p < alpha.

    Data are simulated from logit p = a + log(OR) z at the observed z values, with a set so
    that the mean of p is the observed prevalence (Monte Carlo power of a logistic
    regression, e.g. Landau & Stahl 2013 Stat Methods Med Res 22:324). All simulations are
    fitted at once by vectorised Newton-Raphson; non-converged (separated) fits count as
    misses.

    Parameters
    ----------
    z : array of shape (n,), the standardised predictor of the animals in the model.
    prevalence : observed share of positive animals, in (0, 1).
    odds_ratio : effect per SD to detect.
    nsim : number of simulated data sets; alpha : test level; seed : random seed.

    Returns
    -------
    float : power in [0, 1]; NaN when n < 3 or the prevalence is 0 or 1.

    Examples
    --------
    >>> power_logistic(np.linspace(-1.5, 1.5, 30), 0.3, nsim=200, seed=1)
    0.22
    """
    z = np.asarray(z, float)
    n = len(z)
    if n < 3 or not (0 < prevalence < 1):
        return math.nan
    rng = np.random.default_rng(seed)
    b1 = math.log(odds_ratio)
    # intercept giving the observed mean prevalence
    a = optimize.brentq(lambda a: special.expit(a + b1 * z).mean() - prevalence, -30, 30)
    y = (rng.random((nsim, n)) < special.expit(a + b1 * z)[None, :]).astype(float)
    X = np.column_stack([np.ones(n), z])
    beta = np.zeros((nsim, 2))
    for _ in range(30):
        p = special.expit(beta @ X.T)
        w = p * (1 - p)
        info = np.einsum("sn,ni,nj->sij", w, X, X)
        score = (y - p) @ X
        det = info[:, 0, 0] * info[:, 1, 1] - info[:, 0, 1] ** 2
        det = np.where(det > 1e-12, det, np.nan)
        inv = np.stack([np.stack([info[:, 1, 1], -info[:, 0, 1]], -1),
                        np.stack([-info[:, 1, 0], info[:, 0, 0]], -1)], 1) / det[:, None, None]
        step = np.einsum("sij,sj->si", inv, score)
        step = np.nan_to_num(np.clip(step, -5, 5))
        beta = beta + step
    p = special.expit(beta @ X.T)
    w = p * (1 - p)
    info = np.einsum("sn,ni,nj->sij", w, X, X)
    det = info[:, 0, 0] * info[:, 1, 1] - info[:, 0, 1] ** 2
    var = np.where(det > 1e-12, info[:, 0, 0] / np.where(det > 1e-12, det, 1), np.nan)
    zstat = beta[:, 1] / np.sqrt(var)
    pv = 2 * stats.norm.sf(np.abs(zstat))
    ok = np.isfinite(pv) & (np.abs(beta[:, 1]) < 10)
    return float(np.mean(ok & (pv < alpha)))


# --------------------------------------------------------------------------- table
def caveat_text(n: int, n_events: int, power: float, g2: float, g2_p: float,
                predictor: str, method: str) -> str:
    """Plain-language caveat for a vet or manager reading the HFC row.

    Mentions low power (< 0.8), the absence of identity disequilibrium (g2 not different
    from zero, so no genome-wide inbreeding effect is detectable with these markers; David
    et al. 2007 Mol Ecol 16:2474, Szulkin et al. 2010), a Firth fit, and that HFCs are
    usually weak (Chapman et al. 2009).

    Parameters
    ----------
    n, n_events : animals in the model and positives among them.
    power : from :func:`power_logistic`; g2, g2_p : identity disequilibrium and its p-value.
    predictor : predictor name; method : ``glm`` or ``firth``.

    Returns
    -------
    str
    """
    parts = []
    if not math.isnan(power) and power < 0.8:
        parts.append(
            f"Low power: with {n} animals and {n_events} positive, this test would detect an "
            f"odds ratio of 2 per SD of {predictor} only "
            + (f"about {power:.0%} of the time" if power >= 0.01 else "in under 1% of simulations")
            + ", so a "
            "non-significant result is not evidence that inbreeding has no effect.")
    if not math.isnan(g2_p) and g2_p >= 0.05:
        parts.append(
            f"g2 = {g2:.3g} (p = {g2_p:.2g}) is not different from zero: the markers show no "
            "identity disequilibrium, so a genome-wide inbreeding effect cannot be detected "
            "with them (David et al. 2007).")
    if method == "firth":
        parts.append("Few events or separation: Firth-penalised estimate with "
                     "profile-likelihood CI.")
    parts.append("Heterozygosity-fitness correlations are usually weak, explaining < 1% of "
                 "variance (Chapman et al. 2009; Szulkin et al. 2010); genotyping errors such "
                 "as allelic dropout can fake them.")
    return " ".join(parts)


def hfc_table(animals: pd.DataFrame, inbreeding: pd.DataFrame, g2: dict | None = None,
              covariates=("sex", "age_class", "year"), predictors=PREDICTORS,
              power_sims: int = 400, seed: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """Heterozygosity-disease models (``hfc.tsv``): one row per pathogen and predictor.

    Each row is ``status ~ z(predictor) + covariates`` fitted by :func:`fit_logistic`, with
    its power (:func:`power_logistic`, OR = 2 per SD) and caveat (:func:`caveat_text`);
    p-values are adjusted across pathogens per predictor by Benjamini-Hochberg (1995 JRSS B
    57:289). A model needs at least 5 animals with 2 positive and 2 negative, else the row
    says "not fitted". Predictors with fewer than 3 values are skipped.

    Parameters
    ----------
    animals : DataFrame, one row per animal and pathogen with ``individual_id, pathogen,
        status`` (equivocal rows are dropped) and the covariate columns.
    inbreeding : DataFrame with ``individual_id`` and the predictor columns (numbers).
    g2 : ``{"g2": value, "g2_p": p}`` of the markers (identity disequilibrium), or None.
    covariates, predictors : columns used as covariates and predictors.
    power_sims, seed : simulations and seed of the power estimate.
    alpha : 1 - confidence level.

    Returns
    -------
    DataFrame with :data:`HFC_COLUMNS`.
    """
    from statsmodels.stats.multitest import multipletests

    g2 = g2 or {}
    g2v = float(g2.get("g2", math.nan))
    g2p = float(g2.get("g2_p", math.nan))
    inb = inbreeding.copy()
    # callers may pass predictor columns as text with NA (a predictor without values is skipped)
    preds = [p for p in predictors if p in inb.columns
             and pd.to_numeric(inb[p], errors="coerce").notna().sum() >= 3]
    for p in preds:
        inb[p] = pd.to_numeric(inb[p], errors="coerce")
    data = animals[animals["status"].isin(["positive", "negative"])].merge(
        inb[["individual_id", *preds]], on="individual_id", how="inner")
    rows = []
    for pathogen in sorted(data["pathogen"].unique()):
        d0 = data[data["pathogen"] == pathogen]
        for k, pred in enumerate(preds):
            d = d0[d0[pred].notna()].sort_values("individual_id", kind="stable")
            y = (d["status"] == "positive").to_numpy(float)
            row = {"pathogen": pathogen, "predictor": pred, "n": len(d),
                   "n_events": int(y.sum()), "g2": g2v, "g2_p": g2p}
            if len(d) < 5 or y.sum() < 2 or (len(y) - y.sum()) < 2:
                row.update({"method": "not fitted", "ci_method": "", "covariates": "",
                            "caveat": (
                    f"Not fitted: {len(d)} animals with {int(y.sum())} positive; at least 2 "
                    "positive and 2 negative animals are needed.")})
                rows.append(row)
                continue
            X, names, kept = design_matrix(d, pred, covariates)
            fit = fit_logistic(X, y, j=1, alpha=alpha)
            x = d[pred].to_numpy(float)
            z = (x - x.mean()) / x.std(ddof=1)
            power = power_logistic(z, y.mean(), 2.0, power_sims, alpha,
                                   seed=seed + 1000 * k + len(rows))
            row.update({
                "or_per_sd": fit["or"], "or_lo": fit["or_lo"], "or_hi": fit["or_hi"],
                "p_value": fit["p_value"], "method": fit["method"], "ci_method": fit["ci_method"],
                "covariates": ",".join(kept) if kept else "none",
                "events_per_parameter": fit["events_per_parameter"],
                "separation": fit["separation"], "power": power,
                "caveat": caveat_text(len(d), int(y.sum()), power, g2v, g2p, pred, fit["method"]),
            })
            rows.append(row)
    out = pd.DataFrame(rows, columns=HFC_COLUMNS)
    out["q_value_bh"] = np.nan
    for _pred, idx in out.groupby("predictor").groups.items():
        pv = out.loc[idx, "p_value"].astype(float)
        ok = pv.notna()
        if ok.any():
            out.loc[pv.index[ok], "q_value_bh"] = multipletests(pv[ok], method="fdr_bh")[1]
    return out
