"""Apparent survival per year: Cormack-Jolly-Seber models of the animals' yearly histories.

The occasions are the study years with sampling effort; an animal is "captured" in a year
when it has at least one detection (an identified scat or blood sample, or a camera
photograph linked to its genetic id by the alias table: the detections of
:func:`leogen.monitoring.captures.build_histories`). The Cormack-Jolly-Seber (CJS) model
conditions on each animal's first capture and estimates apparent survival phi_i between
occasions i and i + 1 (death and permanent emigration from the study area are not
distinguished) and recapture probabilities p_j (Cormack 1964; Jolly 1965; Seber 1965;
Lebreton, Burnham, Clobert & Anderson 1992 Ecol Monogr 62:67).

**Likelihood (m-array).** With R_i animals released at occasion i, m_ij of them first
recaptured at j > i and r_i = R_i - sum_j m_ij never seen again, the likelihood is the product
of multinomials (Burnham et al. 1987 Am Fish Soc Monogr 5; Lebreton et al. 1992)

    pi_ij = phi_i ... phi_{j-1} p_j (1 - p_{i+1}) ... (1 - p_{j-1}),
    chi_i = 1 - sum_j pi_ij,
    log L = sum_ij m_ij log pi_ij + sum_i r_i log chi_i,

which equals the likelihood of the individual histories (the multinomial coefficients are left
out, as MARK does). Parameters are fitted on the logit scale (scipy L-BFGS-B); standard errors
come from the inverse of the numerical Hessian of -log L on the logit scale; intervals are
Wald intervals on the logit scale (or profile-likelihood intervals) back-transformed, and the
real-scale SE is the delta-method ``se_logit * theta (1 - theta)``, as in MARK.

**Models.** phi(.)p(.), phi(t)p(.), phi(.)p(t) and phi(t)p(t) (constant or time-specific,
in MARK/RMark notation). In phi(t)p(t) the last survival and the last recapture probability
are confounded: only their product beta = phi_{T-1} p_T is identifiable; the model is fitted
with p_T = 1, the product is reported as parameter ``phi_x_p`` and the two are reported as
not estimable (Lebreton et al. 1992 p. 80). Model selection: AICc with the effective sample
size of MARK for CJS data, the number of releases sum_{i < T} R_i (Burnham & Anderson 2002).

**Goodness of fit.** A parametric bootstrap of the most general model phi(t)p(t) (White &
Burnham 1999 Bird Study 46:S120, MARK's bootstrap GOF): histories are simulated from each
animal's first capture under the fitted parameters, refitted, and c-hat = observed deviance /
mean bootstrap deviance (deviance against the saturated model of the individual histories
given first capture, as in MARK); the p-value is the share of bootstrap deviances at least as
large as the observed one. With c-hat > 1 the table also gives QAICc = -2 log L / c-hat +
2K + 2K(K+1)/(n - K - 1) with K = k + 1 (c-hat counted as a parameter, as MARK does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from leogen.errors import InputError

#: the models fitted, in MARK/RMark notation: (name, phi time-varying, p time-varying)
MODELS = (("phi(.)p(.)", False, False), ("phi(t)p(.)", True, False),
          ("phi(.)p(t)", False, True), ("phi(t)p(t)", True, True))
_BOUND = 15.0  # logit bounds: probabilities within about 3e-7 of 0 and 1


# ---------------------------------------------------------------------------- data
def capture_matrix_from_years(individual_ids, years, occasions) -> tuple[list, np.ndarray]:
    """0/1 yearly capture matrix from detections.

    Parameters
    ----------
    individual_ids : sequence (n_detections,) of str
    years : sequence (n_detections,) of int
        Year of each detection; detections in years not in ``occasions`` are ignored.
    occasions : sequence (T,) of int
        The study years with sampling effort, in order.

    Returns
    -------
    animals : list of str (n_animals,)
        Sorted ids of the animals detected in at least one occasion.
    ch : int64 array (n_animals, T)

    Examples
    --------
    >>> ids, ch = capture_matrix_from_years(["A", "B", "A", "A"], [2020, 2021, 2022, 2020],
    ...                                     [2020, 2021, 2022])
    >>> ids, ch.tolist()
    (['A', 'B'], [[1, 0, 1], [0, 1, 0]])
    """
    occ = pd.Index(list(occasions))
    col = occ.get_indexer(list(years))
    ids = np.asarray(list(individual_ids), dtype=object)[col >= 0]
    col = col[col >= 0]
    animals = sorted(set(ids))
    row = pd.Index(animals).get_indexer(ids)
    ch = np.zeros((len(animals), len(occ)), dtype=np.int64)
    ch[row, col] = 1
    return animals, ch


def m_array(ch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The m-array of capture histories (Burnham et al. 1987; Lebreton et al. 1992).

    Parameters
    ----------
    ch : int array (n_animals, T)
        0/1 capture histories (every capture is followed by a release).

    Returns
    -------
    m : int64 array (T - 1, T - 1)
        ``m[i, j - 1]``: animals released at occasion i and next recaptured at occasion j
        (0-based occasions, j > i; zero below the diagonal).
    released : int64 array (T - 1,)
        R_i, animals captured (released) at occasions 0 .. T - 2.
    never : int64 array (T - 1,)
        r_i = R_i - sum_j m_ij, released at i and never seen again.

    Examples
    --------
    >>> m, R, r = m_array(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0]]))
    >>> m.tolist(), R.tolist(), r.tolist()
    ([[1, 1], [0, 1]], [3, 2], [1, 1])
    """
    ch = np.asarray(ch) > 0
    t = ch.shape[1]
    rows, cols = np.nonzero(ch)                     # sorted by animal, then occasion
    nxt = np.flatnonzero(rows[1:] == rows[:-1])     # consecutive captures of one animal
    m = np.zeros((t - 1, t - 1), dtype=np.int64)
    np.add.at(m, (cols[nxt], cols[nxt + 1] - 1), 1)
    released = ch[:, :-1].sum(axis=0).astype(np.int64)
    return m, released, released - m.sum(axis=1)


def cell_probabilities(phi: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """m-array cell probabilities pi_ij and never-again probabilities chi_i.

    Parameters
    ----------
    phi : float array (T - 1,)
        Survival from occasion i to i + 1.
    p : float array (T - 1,)
        Recapture probability at occasions 1 .. T - 1 (0-based).

    Returns
    -------
    pi : float array (T - 1, T - 1)
        ``pi[i, j - 1]`` for j > i, 0 elsewhere.
    chi : float array (T - 1,)

    Examples
    --------
    >>> pi, chi = cell_probabilities(np.array([0.5, 0.8]), np.array([0.5, 0.25]))
    >>> pi.round(12).tolist(), chi.round(12).tolist()
    ([[0.25, 0.05], [0.0, 0.2]], [0.7, 0.8])
    """
    phi, p = np.asarray(phi, float), np.asarray(p, float)
    t1 = phi.size
    lphi = np.concatenate([[0.0], np.cumsum(np.log(phi))])           # sum_{k < a} log phi_k
    with np.errstate(divide="ignore"):
        lq = np.concatenate([[0.0], np.cumsum(np.log1p(-p))])
    i = np.arange(t1)[:, None]
    j = np.arange(1, t1 + 1)[None, :]                                 # recapture occasion
    upper = j > i
    # log pi_ij = sum_{k=i}^{j-1} log phi_k + log p_j + sum_{k=i+1}^{j-1} log(1 - p_k)
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    jj = np.broadcast_to(j, (t1, t1))
    ii = np.broadcast_to(i, (t1, t1))
    lpi = lphi[jj] - lphi[ii] + logp[jj - 1] + lq[np.maximum(jj - 1, 0)] - lq[ii]
    pi = np.where(upper, np.exp(np.where(upper, lpi, 0.0)), 0.0)
    return pi, np.clip(1.0 - pi.sum(axis=1), 0.0, 1.0)


def m_array_loglik(phi, p, m, released, never) -> float:
    """CJS log-likelihood of an m-array (module docstring; no multinomial constants).

    Parameters
    ----------
    phi, p : float arrays (T - 1,)
        ``cell_probabilities``.
    m, released, never : arrays of ``m_array``.

    Returns
    -------
    float
    """
    pi, chi = cell_probabilities(phi, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(m > 0, m * np.log(np.where(pi > 0, pi, 1.0)), 0.0)
        a = np.where((m > 0) & (pi <= 0), -np.inf, a)
        b = np.where(never > 0, never * np.log(np.where(chi > 0, chi, 1.0)), 0.0)
        b = np.where((never > 0) & (chi <= 0), -np.inf, b)
    return float(a.sum() + b.sum())


def _indicators(t1: int) -> dict:
    """Index arrays of the m-array triangle for T - 1 = ``t1`` releases (cached per t1)."""
    if t1 not in _IND:
        i = np.arange(t1)[:, None, None]
        c = np.arange(t1)[None, :, None]            # column c: recapture occasion c + 1
        q = np.arange(t1)[None, None, :]
        upper = (c >= i)
        _IND[t1] = {"upper": upper[:, :, 0],
                    "phi": (upper & (q >= i) & (q <= c)).astype(float),   # phi_q in pi_ic
                    "p_eq": (upper & (q == c)).astype(float),             # p of occasion c+1
                    "p_mid": (upper & (q >= i) & (q < c)).astype(float)}  # (1 - p) factors
    return _IND[t1]


_IND: dict = {}


def loglik_and_gradient(phi, p, m, never) -> tuple[float, np.ndarray, np.ndarray]:
    """CJS m-array log-likelihood and its gradient on the logit scale of each phi_k and p_l.

    With W_ij = m_ij - r_i pi_ij / chi_i: d log L / d logit phi_k = (1 - phi_k) sum over
    cells whose path survives interval k of W_ij; d log L / d logit p_l = (1 - p_l) sum of
    W over cells recaptured at l, minus p_l times the sum over cells passing l unseen.

    Parameters
    ----------
    phi, p : float arrays (T - 1,)
        As in ``cell_probabilities``.
    m, never : arrays of ``m_array``.

    Returns
    -------
    loglik : float
        -inf when an observed cell has probability 0.
    grad_phi, grad_p : float arrays (T - 1,)
    """
    phi, p = np.asarray(phi, float), np.asarray(p, float)
    ind = _indicators(phi.size)
    pi, chi = cell_probabilities(phi, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_cells = np.where(m > 0, m * np.log(pi), 0.0).sum()
        ll_never = np.where(never > 0, never * np.log(chi), 0.0).sum()
        w = np.where(ind["upper"], m - (never / np.where(chi > 0, chi, np.inf))[:, None] * pi,
                     0.0)
    ll = float(ll_cells + ll_never)
    if not np.isfinite(ll):
        return -np.inf, np.zeros_like(phi), np.zeros_like(p)
    g_phi = (1 - phi) * np.einsum("ic,icq->q", w, ind["phi"])
    g_p = (1 - p) * np.einsum("ic,icq->q", w, ind["p_eq"]) - \
        p * np.einsum("ic,icq->q", w, ind["p_mid"])
    return ll, g_phi, g_p


def saturated_loglik_histories(ch: np.ndarray) -> float:
    """Log-likelihood of the saturated model of individual histories, conditional on first
    capture (each distinct history gets its observed share among the animals first captured
    on the same occasion; MARK's saturated model for CJS deviances).

    Parameters
    ----------
    ch : int array (n_animals, T)

    Returns
    -------
    float

    Examples
    --------
    >>> round(saturated_loglik_histories(np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]])), 4)
    -1.3863
    """
    ch = np.asarray(ch) > 0
    has = ch.any(axis=1)
    ch = ch[has]
    first = np.argmax(ch, axis=1)
    keys = pd.Series(["".join(map(str, r)) for r in ch.astype(int)])
    n_first = pd.Series(first).value_counts()
    vc = pd.DataFrame({"first": first, "h": keys}).value_counts().sort_index()
    counts = vc.to_numpy(float)
    nf = n_first.loc[vc.index.get_level_values(0)].to_numpy(float)
    return float((counts * np.log(counts / nf)).sum())


# ------------------------------------------------------------------------- fitting
@dataclass
class CJSFit:
    """One fitted CJS model.

    Attributes
    ----------
    model : str
        ``phi(.)p(.)`` etc.
    phi, p : float arrays (T - 1,)
        Fitted survival per interval and recapture per occasion 1 .. T - 1 (NaN where not
        estimable).
    theta : float array (k,)
        Estimates on the logit scale.
    cov : float array (k, k)
        Covariance of ``theta`` (inverse Hessian of -log L).
    loglik : float
    k : int
        Number of estimable parameters.
    beta : float or None
        phi_{T-1} p_T of phi(t)p(t) (None for the other models).
    """

    model: str
    phi: np.ndarray
    p: np.ndarray
    theta: np.ndarray
    cov: np.ndarray
    loglik: float
    k: int
    beta: float | None
    phi_time: bool
    p_time: bool


def _objective(m, never, t1: int, phi_time: bool, p_time: bool):
    """(-log L, gradient) of the model's logit parameters, for scipy."""

    def f(theta):
        phi, p = _expand(theta, t1, phi_time, p_time)
        ll, gphi, gp = loglik_and_gradient(phi, p, m, never)
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(theta)
        n_phi = t1 if phi_time else 1
        g = np.empty(theta.size)
        g[:n_phi] = gphi if phi_time else gphi.sum()
        if p_time:
            g[n_phi:] = gp[:theta.size - n_phi]     # the fixed last p of phi(t)p(t) dropped
        else:
            g[n_phi] = gp.sum()
        return -ll, -g
    return f


def _expand(theta, t1: int, phi_time: bool, p_time: bool):
    """(phi (T-1,), p (T-1,)) from logit parameters; in phi(t)p(t) the last p is 1."""
    q = special.expit(theta)
    n_phi = t1 if phi_time else 1
    phi = q[:n_phi] if phi_time else np.full(t1, q[0])
    rest = q[n_phi:]
    if p_time and phi_time:
        p = np.concatenate([rest, [1.0]])
    elif p_time:
        p = rest
    else:
        p = np.full(t1, rest[0])
    return phi, p


def n_parameters(t: int, phi_time: bool, p_time: bool) -> int:
    """Estimable parameters of a CJS model with T occasions.

    Parameters
    ----------
    t : int
        Occasions (T >= 3).
    phi_time, p_time : bool

    Returns
    -------
    int
        2, T, T or 2T - 3 (phi(t)p(t): the last phi and p only as their product).

    Examples
    --------
    >>> [n_parameters(7, a, b) for a, b in [(False, False), (True, False), (False, True),
    ...                                     (True, True)]]
    [2, 7, 7, 11]
    """
    t1 = t - 1
    n = (t1 if phi_time else 1) + (t1 if p_time else 1)
    return n - 1 if (phi_time and p_time) else n


def gradient_hessian(grad, x: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of an analytic gradient, symmetrised.

    Parameters
    ----------
    grad : callable
        grad(x) -> float array (k,).
    x : float array (k,)
    step : float

    Returns
    -------
    float array (k, k)

    Examples
    --------
    >>> gradient_hessian(lambda v: np.array([2 * v[0] + 3 * v[1], 3 * v[0]]),
    ...                  np.zeros(2)).round(6).tolist()
    [[2.0, 3.0], [3.0, 0.0]]
    """
    x = np.asarray(x, float)
    e = np.eye(x.size) * step
    h = np.stack([(grad(x + e[a]) - grad(x - e[a])) / (2 * step) for a in range(x.size)])
    return 0.5 * (h + h.T)


def fit_cjs(m, released, never, phi_time: bool = False, p_time: bool = False,
            name: str | None = None, se: bool = True) -> CJSFit:
    """Maximum-likelihood fit of one CJS model to an m-array (module docstring).

    Parameters
    ----------
    m, released, never : arrays of ``m_array`` (T - 1 releases).
    phi_time, p_time : bool
        Time-specific survival / recapture.
    name : str, optional
        Model name (default from the flags).
    se : bool
        Compute the Hessian and covariance (False: ``cov`` is NaN; faster, for bootstraps).

    Returns
    -------
    CJSFit

    Raises
    ------
    ValueError
        Fewer than 3 occasions (T - 1 < 2).
    """
    t1 = len(released)
    if t1 < 2:
        raise ValueError("a CJS model needs at least 3 occasions")
    n_phi = t1 if phi_time else 1
    n_p = (t1 - 1 if phi_time else t1) if p_time else 1
    k = n_phi + n_p

    obj = _objective(m, never, t1, phi_time, p_time)
    best = None
    for start in ((0.0, 1.5, -1.0) if se else (0.5,)):
        r = optimize.minimize(obj, np.full(k, start), jac=True, method="L-BFGS-B",
                              bounds=[(-_BOUND, _BOUND)] * k)
        if best is None or r.fun < best.fun - 1e-9:
            best = r
    theta = best.x
    if se:
        cov = np.linalg.pinv(gradient_hessian(lambda x: obj(x)[1], np.clip(
            theta, -_BOUND + 1e-3, _BOUND - 1e-3)))
    else:
        cov = np.full((k, k), np.nan)
    phi, p = _expand(theta, t1, phi_time, p_time)
    beta = None
    if phi_time and p_time:
        beta = float(phi[-1])
        phi = phi.copy()
        p = p.copy()
        phi[-1] = np.nan
        p[-1] = np.nan
    label = name or next(nm for nm, a, b in MODELS if a == phi_time and b == p_time)
    return CJSFit(label, phi, p, theta, cov, -float(best.fun), k, beta, phi_time, p_time)


def aicc(loglik: float, k: int, n: int) -> float:
    """AICc = -2 log L + 2k + 2k(k + 1)/(n - k - 1) (Hurvich & Tsai 1989); inf when n <= k + 1.

    Parameters
    ----------
    loglik : float
    k : int
        Parameters.
    n : int
        Effective sample size.

    Returns
    -------
    float

    Examples
    --------
    >>> round(aicc(-10.0, 2, 23), 4)
    24.6
    """
    if n - k - 1 <= 0:
        return float("inf")
    return -2.0 * loglik + 2 * k + 2.0 * k * (k + 1) / (n - k - 1)


def profile_interval(m, released, never, fit: CJSFit, index: int,
                     level: float = 0.95) -> tuple[float, float]:
    """Profile-likelihood interval of one logit parameter, back-transformed.

    The bounds are where 2 (log L_max - log L_profile) = chi2_1(level), the other
    parameters maximised; a bound at the logit limit is returned as 0 or 1.

    Parameters
    ----------
    m, released, never : arrays of ``m_array``.
    fit : CJSFit
    index : int
        Position in ``fit.theta``.
    level : float

    Returns
    -------
    (lo, hi) : float
    """
    t1 = len(released)
    obj = _objective(m, never, t1, fit.phi_time, fit.p_time)
    crit = stats.chi2.ppf(level, 1) / 2.0
    k = fit.theta.size

    def prof(v):
        if k == 1:
            th = np.array([v])
            phi, p = _expand(th, t1, fit.phi_time, fit.p_time)
            return m_array_loglik(phi, p, m, released, never)
        others = [a for a in range(k) if a != index]

        def nll(z):
            th = fit.theta.copy()
            th[others] = z
            th[index] = v
            val, g = obj(th)
            return val, g[others]
        r = optimize.minimize(nll, fit.theta[others], jac=True, method="L-BFGS-B",
                              bounds=[(-_BOUND, _BOUND)] * len(others))
        return -r.fun

    g = lambda v: fit.loglik - prof(v) - crit  # noqa: E731
    x0 = float(fit.theta[index])
    out = []
    for lim in (-_BOUND, _BOUND):
        if g(lim) < 0:
            out.append(float(special.expit(lim)))        # flat to the bound: 0 or 1
        else:
            out.append(float(special.expit(optimize.brentq(g, min(x0, lim), max(x0, lim),
                                                           xtol=1e-6))))
    return out[0], out[1]


# ---------------------------------------------------------------------- bootstrap GOF
def simulate_histories(first: np.ndarray, phi: np.ndarray, p: np.ndarray, seed) -> np.ndarray:
    """Capture histories simulated forward from each animal's first capture.

    Parameters
    ----------
    first : int array (n,)
        First-capture occasion of each animal (0-based, < T).
    phi : float array (T - 1,)
    p : float array (T - 1,)
        Recapture probabilities of occasions 1 .. T - 1.
    seed : int, SeedSequence or Generator

    Returns
    -------
    int64 array (n, T)
    """
    rng = np.random.default_rng(seed)
    n, t = first.size, phi.size + 1
    ch = np.zeros((n, t), dtype=np.int64)
    ch[np.arange(n), first] = 1
    alive = np.zeros(n, dtype=bool)
    u_s = rng.random((n, t))
    u_p = rng.random((n, t))
    for j in range(t):
        alive = (first == j) | (alive & (u_s[:, j] < (phi[j - 1] if j else 0.0)))
        seen = alive & (first < j) & (u_p[:, j] < (p[j - 1] if j else 0.0))
        ch[seen, j] = 1
    return ch


def bootstrap_gof(ch: np.ndarray, n_boot: int, seed) -> dict:
    """Parametric-bootstrap goodness of fit of phi(t)p(t) (module docstring).

    Parameters
    ----------
    ch : int array (n_animals, T)
    n_boot : int
        Bootstrap replicates (0: no test).
    seed : int, SeedSequence or Generator

    Returns
    -------
    dict
        ``deviance``, ``mean_boot_deviance``, ``c_hat`` (at least 1 is not imposed),
        ``p_value``, ``n_boot``; NaN values when ``n_boot`` is 0.
    """
    m, rel, nev = m_array(ch)
    fit = fit_cjs(m, rel, nev, True, True, se=False)
    dev = 2.0 * (saturated_loglik_histories(ch) - fit.loglik)
    if n_boot <= 0:
        return {"deviance": dev, "mean_boot_deviance": np.nan, "c_hat": np.nan,
                "p_value": np.nan, "n_boot": 0}
    phi = fit.phi.copy()
    p = fit.p.copy()
    phi[-1], p[-1] = fit.beta, 1.0
    has = ch.sum(axis=1) > 0
    first = np.argmax(ch[has] > 0, axis=1)
    first = first[first < ch.shape[1] - 1]      # animals first seen last carry no information
    seeds = np.random.SeedSequence(seed if not isinstance(seed, np.random.Generator)
                                   else int(seed.integers(2**63))).spawn(n_boot)
    devs = np.empty(n_boot)
    for b in range(n_boot):
        sim = simulate_histories(first, phi, p, seeds[b])
        mb, rb, nb = m_array(sim)
        fb = fit_cjs(mb, rb, nb, True, True, se=False)
        devs[b] = 2.0 * (saturated_loglik_histories(sim) - fb.loglik)
    mean = float(devs.mean())
    return {"deviance": dev, "mean_boot_deviance": mean,
            "c_hat": dev / mean if mean > 0 else np.nan,
            "p_value": float((devs >= dev).mean()), "n_boot": n_boot}


# --------------------------------------------------------------------------- tables
def _labels(occasions):
    occ = [str(o) for o in occasions]
    return [f"{a}-{b}" for a, b in zip(occ[:-1], occ[1:], strict=True)], occ[1:]


def survival_tables(ch: np.ndarray, occasions, ci: str = "wald", level: float = 0.95,
                    n_boot: int = 100, seed=1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the four CJS models and tabulate estimates and model selection.

    Parameters
    ----------
    ch : int array (n_animals, T)
        Yearly 0/1 capture histories (``capture_matrix_from_years``).
    occasions : sequence (T,)
        Occasion labels (years).
    ci : {'wald', 'profile'}
        Interval on the logit scale.
    level : float
        Interval level.
    n_boot : int
        Bootstrap replicates of the goodness-of-fit test (0: none).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    estimates : DataFrame
        ``model, parameter (phi | p | phi_x_p), interval (a-b for phi, the year for p,
        'all' for a constant), estimate, se, lo, hi, ci_method, note`` (survival.tsv).
    models : DataFrame
        ``model, k, loglik, deviance, n_eff, aicc, delta, weight, c_hat, qaicc,
        gof_p_value, note`` sorted by AICc (survival_models.tsv).

    Raises
    ------
    InputError
        Fewer than 3 occasions, or no animal seen in two occasions.
    """
    occasions = list(occasions)
    t = len(occasions)
    if t < 3:
        raise InputError(f"apparent survival needs at least 3 years with sampling, got {t} "
                         f"({', '.join(map(str, occasions))})")
    m, rel, nev = m_array(ch)
    if m.sum() == 0:
        raise InputError("no animal was detected in two different years: apparent survival "
                         "cannot be estimated")
    z = stats.norm.ppf(0.5 + level / 2)
    intervals, years = _labels(occasions)
    n_eff = int(rel.sum())
    sat = saturated_loglik_histories(ch)
    gof = bootstrap_gof(ch, n_boot, seed)
    c_hat = gof["c_hat"]
    est_rows, mod_rows = [], []
    for name, a, b in MODELS:
        fit = fit_cjs(m, rel, nev, a, b, name)
        se_logit = np.sqrt(np.clip(np.diag(fit.cov), 0, None))
        q = special.expit(fit.theta)
        n_phi = t - 1 if a else 1
        names = ([("phi", intervals[i] if a else "all") for i in range(n_phi)]
                 + [("p", years[i] if b else "all") for i in range(fit.theta.size - n_phi)])
        if a and b:
            names[n_phi - 1] = ("phi_x_p", f"{intervals[-1]} x {years[-1]}")
        for idx, (par, lab) in enumerate(names):
            est, s = float(q[idx]), float(se_logit[idx])
            at_bound = abs(fit.theta[idx]) > _BOUND - 0.5
            if ci == "profile":
                lo, hi = profile_interval(m, rel, nev, fit, idx, level)
            else:
                lo = float(special.expit(fit.theta[idx] - z * s))
                hi = float(special.expit(fit.theta[idx] + z * s))
            note = "estimate at the boundary (0 or 1): SE and interval unreliable" \
                if at_bound else ""
            if par == "phi_x_p":
                note = ("product of the last survival and the last recapture probability "
                        "(each alone not identifiable)")
            est_rows.append({"model": name, "parameter": par, "interval": lab,
                             "estimate": est, "se": s * est * (1 - est), "lo": lo, "hi": hi,
                             "ci_method": ci, "note": note})
        if a and b:
            for par, lab in (("phi", intervals[-1]), ("p", years[-1])):
                est_rows.append({"model": name, "parameter": par, "interval": lab,
                                 "estimate": np.nan, "se": np.nan, "lo": np.nan, "hi": np.nan,
                                 "ci_method": ci, "note": "not identifiable (see phi_x_p)"})
        ai = aicc(fit.loglik, fit.k, n_eff)
        qa = (aicc(fit.loglik / c_hat, fit.k + 1, n_eff)
              if np.isfinite(c_hat) and c_hat > 1 else np.nan)
        mod_rows.append({"model": name, "k": fit.k, "loglik": fit.loglik,
                         "deviance": 2.0 * (sat - fit.loglik), "n_eff": n_eff, "aicc": ai,
                         "c_hat": c_hat, "qaicc": qa, "gof_p_value": gof["p_value"],
                         "note": f"bootstrap GOF of phi(t)p(t), {gof['n_boot']} replicates"
                         if gof["n_boot"] else ""})
    models = pd.DataFrame(mod_rows)
    finite = np.isfinite(models["aicc"])
    best = models.loc[finite, "aicc"].min() if finite.any() else np.nan
    models["delta"] = models["aicc"] - best
    w = np.where(finite, np.exp(-0.5 * models["delta"].fillna(np.inf)), 0.0)
    models["weight"] = w / w.sum() if w.sum() > 0 else np.nan
    models = models.sort_values(["aicc", "model"], kind="stable").reset_index(drop=True)
    cols = ["model", "k", "loglik", "deviance", "n_eff", "aicc", "delta", "weight", "c_hat",
            "qaicc", "gof_p_value", "note"]
    return pd.DataFrame(est_rows), models[cols]


def run(sample_individual_path, samples_path, camera_path=None, aliases_path=None,
        ci: str = "wald", n_boot: int = 100, seed: int = 1, study_start=None, study_end=None,
        out_dir=None) -> dict:
    """``leogen survival``: yearly histories of identified animals -> CJS tables.

    Parameters
    ----------
    sample_individual_path : path-like
        ``identify/sample_individual.tsv``.
    samples_path : path-like
        The sample sheet.
    camera_path, aliases_path : path-like, optional
        Camera-trap detections and their alias table.
    ci : {'wald', 'profile'}
    n_boot : int
        Bootstrap replicates of the goodness-of-fit test.
    seed : int
    study_start, study_end : str, optional
        ``YYYY-MM-DD`` limits of the study (camera dates; default the sheet's range).
    out_dir : path-like, optional
        Where ``survival.tsv`` and ``survival_models.tsv`` are written (nothing written
        when None).

    Returns
    -------
    dict
        ``survival`` and ``survival_models`` DataFrames, ``occasions`` (years),
        ``n_animals``.

    Raises
    ------
    InputError
        Bad inputs (readers of :mod:`leogen.monitoring.captures`), fewer than 3 years, no
        recapture.
    """
    from leogen.monitoring.captures import build_histories

    det, _, occ = build_histories(sample_individual_path, samples_path, camera_path,
                                  aliases_path, "year", study_start, study_end)
    years = sorted(occ)
    animals, ch = capture_matrix_from_years(det["individual_id"], det["year"], years)
    est, models = survival_tables(ch, years, ci=ci, n_boot=n_boot, seed=seed)
    if out_dir is not None:
        from leogen.monitoring.outputs import write_survival

        write_survival({"survival": est, "survival_models": models}, out_dir)
    return {"survival": est, "survival_models": models, "occasions": years,
            "n_animals": len(animals)}
