"""Maximum-likelihood fitting of SECR models (Borchers & Efford 2008; secr's ``secr.fit``).

Parameters are estimated on link scales - ``log D`` (animals/ha), ``logit g0`` (``hn``) or
``log lambda0`` (``hhn``) per detector group (e.g. cameras and scat cells), ``log sigma``,
``logit`` of the mixing proportion of a two-class latent mixture - by L-BFGS-B
(:func:`scipy.optimize.minimize`); standard errors come from the inverse of the numerical
Hessian of the negative log-likelihood (:func:`statsmodels.tools.numdiff.approx_hess`), Wald
intervals on the link scale back-transformed. Real-scale SEs follow secr: ``est sqrt(exp(se^2)
- 1)`` for log links, the delta method for logit links.

Density models over sessions (``density=``):

* ``session``: one ``D`` per density label (default the session name; sessions sharing a
  label - e.g. a camera data set and a scat data set of one year whose animals are not linked
  - share ``D``);
* ``constant``: one ``D`` for all sessions;
* ``trend``: ``D_s = exp(b0 + b1 (t_s - t_0))`` (secr's log-linear trend; ``exp(b1)`` is the
  finite rate of change per unit of ``t``, e.g. per year).

Class models (``n_classes=2``): a latent two-class mixture (secr's ``h2``; Pledger 2000) with
class-specific ``g0``/``lambda0`` and ``sigma``, or with ``hcov='sex'`` the known-class
(hybrid) mixture of secr's ``hcov``: animals of known sex (:attr:`Session.known_class`) are
restricted to their class, the others keep the mixture, ``pmix`` is estimated
(:mod:`leogen.scr.likelihood`). ``class_detection=False`` shares ``g0`` and ``sigma`` between
the classes (secr's ``hcov`` model without ``h2`` terms: ``pmix`` is then estimated from the
known animals' sex ratio alone).

With ``cl=True`` the conditional likelihood is maximised (no ``D``); density is derived as
``D = n / a`` with ``var = n / a^2 + n^2 var(a) / a^4`` (Poisson ``n``, delta-method ``a``)
and a log-normal interval, as secr's ``derived``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, logit
from scipy.stats import norm

from leogen.scr.likelihood import Session, poisson_n_term
from leogen.scr.mask import rpsv
from leogen.scr.sexes import SEXES

DENSITY_MODELS = ("session", "constant", "trend")
HA_PER_KM2 = 100.0


@dataclass
class Model:
    """What to fit.

    Attributes
    ----------
    detection : {'hn', 'hhn'} or dict of str to {'hn', 'hhn'}
        One detection function, or one per detector group (e.g. ``{'camera': 'hn',
        'scat': 'hhn'}``: g0 for cameras, lambda0 per km for scat cells).
    cl : bool
        Conditional likelihood.
    density : {'session', 'constant', 'trend'}
    n_classes : {1, 2}
        Two classes (e.g. sexes) with their own ``g0``/``lambda0`` and ``sigma``.
    hcov : {None, 'sex'}
        ``'sex'``: the classes are the sexes (:data:`leogen.scr.sexes.SEXES`), known for the
        animals whose :attr:`Session.known_class` is set (secr's ``hcov``); needs
        ``n_classes=2``. None: latent classes.
    class_detection : bool
        Class-specific ``g0``/``lambda0`` and ``sigma`` (default); False shares them, leaving
        only ``pmix`` (with ``hcov``).
    """

    detection: str | dict = "hn"
    cl: bool = False
    density: str = "session"
    n_classes: int = 1
    hcov: str | None = None
    class_detection: bool = True

    def __post_init__(self):
        if self.n_classes not in (1, 2):
            raise ValueError("n_classes must be 1 or 2")
        if self.hcov not in (None, "sex"):
            raise ValueError("hcov must be None or 'sex'")
        if self.hcov is not None and self.n_classes != 2:
            raise ValueError("a known-class (hcov) model needs n_classes=2")
        if not self.class_detection and self.hcov is None:
            raise ValueError("class_detection=False needs hcov (a latent mixture of identical "
                             "classes is not identifiable)")

    @property
    def n_detection_classes(self) -> int:
        """Number of values of each detection parameter (1 when shared by the classes)."""
        return self.n_classes if self.class_detection else 1

    @property
    def class_labels(self) -> list:
        """Suffixes of class-specific parameters: ``['1', '2']`` (latent), ``['F', 'M']``
        (sex), ``[]`` (one class)."""
        if self.n_classes == 1:
            return []
        return list(SEXES) if self.hcov == "sex" else [str(k + 1) for k in
                                                       range(self.n_classes)]

    @property
    def name(self) -> str:
        """Short label, e.g. ``D~session g0~1 sigma~1 (hn, full)``, ``D~session g0~sex
        sigma~sex pmix~sex (hn, full)``."""
        dets = (set(self.detection.values()) if isinstance(self.detection, dict)
                else {self.detection})
        det = "+".join(sorted("g0" if d == "hn" else "lambda0" for d in dets))
        if self.n_classes == 1 or not self.class_detection:
            h = "1"
        else:
            h = self.hcov or "h2"
        pm = f" pmix~{self.hcov}" if self.hcov else ""
        dpart = "" if self.cl else f"D~{self.density} "
        fn = "+".join(sorted(dets))
        return f"{dpart}{det}~{h} sigma~{h}{pm} ({fn}, {'CL' if self.cl else 'full'})"

    def detection_of(self, group: str) -> str:
        """Detection function of a detector group."""
        return self.detection[group] if isinstance(self.detection, dict) else self.detection


@dataclass
class Fit:
    """A fitted model.

    Attributes
    ----------
    model : Model
    names : list of str (p,)
        Link-scale parameter names.
    theta : float array (p,)
    cov : float array (p, p)
        Inverse Hessian (NaN when singular).
    loglik : float
    n_par : int
    aic : float
    converged : bool
    density_labels : list of str
        Density label of each session.
    """

    model: Model
    names: list
    theta: np.ndarray
    cov: np.ndarray
    loglik: float
    n_par: int
    aic: float
    converged: bool
    density_labels: list
    sessions: list = field(repr=False, default_factory=list)
    times: dict = field(repr=False, default_factory=dict)
    groups: list = field(default_factory=list)
    message: str = ""

    def se(self) -> np.ndarray:
        """Link-scale standard errors (p,)."""
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(self.cov))


class _Layout:
    """Parameter vector layout of a model on a list of sessions."""

    def __init__(self, model: Model, sessions: list, density_labels: list, times: dict):
        self.model = model
        self.groups = sorted({s.group for sess in sessions for s in sess.sets})
        self.labels = list(dict.fromkeys(density_labels))
        self.density_labels = density_labels
        self.times = times
        names = []
        if not model.cl:
            if model.density == "session":
                names += [f"log_D[{lab}]" for lab in self.labels]
            elif model.density == "constant":
                names += ["log_D"]
            else:
                names += ["trend_b0", "trend_b1"]
        c = model.n_classes
        lab = model.class_labels if model.class_detection else [""]
        suf = [f"[{x}]" if x else "" for x in lab] or [""]
        for g in self.groups:
            det = "logit_g0" if model.detection_of(g) == "hn" else "log_lambda0"
            names += [f"{det}[{g}]{x}" for x in suf]
        names += [f"log_sigma{x}" for x in suf]
        if c > 1:
            names += [f"logit_pmix[{model.class_labels[1]}]"]
        self.names = names
        self.cache = {}
        self.nD = 0 if model.cl else (len(self.labels) if model.density == "session" else
                                      1 if model.density == "constant" else 2)

    def unpack(self, theta):
        m, c = self.model, self.model.n_detection_classes
        i = self.nD
        log_g0 = {}
        for g in self.groups:
            v = theta[i:i + c]
            log_g0[g] = (-np.logaddexp(0.0, -v) if m.detection_of(g) == "hn" else v)
            i += c
        log_sigma = theta[i:i + c]
        i += c
        if m.n_classes > 1:
            p2 = expit(theta[i])
            log_pi = np.log(np.array([1 - p2, p2]))
        else:
            log_pi = np.array([0.0])
        return log_g0, log_sigma, log_pi

    def log_density(self, theta) -> dict:
        """{density label: log D (per ha)} (full likelihood only)."""
        m = self.model
        if m.density == "session":
            return {lab: theta[k] for k, lab in enumerate(self.labels)}
        if m.density == "constant":
            return {lab: theta[0] for lab in self.labels}
        t0 = min(self.times[lab] for lab in self.labels)
        return {lab: theta[0] + theta[1] * (self.times[lab] - t0) for lab in self.labels}


def _neg_loglik(theta, layout: _Layout, sessions: list):
    # the sessions' conditional parts depend only on the detection parameters: cached, so
    # finite differences in the density parameters (gradient, Hessian) cost next to nothing
    key = np.asarray(theta[layout.nD:], dtype=float).tobytes()
    parts = layout.cache.get(key)
    if parts is None:
        log_g0, log_sigma, log_pi = layout.unpack(theta)
        known = layout.model.hcov is not None
        parts = [sess.components(log_g0, log_sigma, log_pi, layout.model.detection, known)[:2]
                 for sess in sessions]
        if len(layout.cache) > 5000:
            layout.cache.clear()
        layout.cache[key] = parts
    ll = 0.0
    logd = None if layout.model.cl else layout.log_density(theta)
    for sess, lab, (cond, a) in zip(sessions, layout.density_labels, parts, strict=True):
        ll += cond
        if logd is not None:
            ll += poisson_n_term(sess.n, float(np.exp(logd[lab])), a)
    return -ll if np.isfinite(ll) else 1e300


def _start(layout: _Layout, sessions: list) -> np.ndarray:
    """Starting values: sigma from RPSV of the detections (per sex from the animals of known
    sex in a sex model), g0 0.1 or lambda0 0.1 per unit usage, pmix from the known animals'
    sex ratio, D from n / a at those values."""
    pts = []
    cls = []
    spacing = []
    for sess in sessions:
        for s in sess.sets:
            ii, _, kk = np.nonzero(s.captures)
            for i in np.unique(ii):
                pts.append(s.xy[kk[ii == i]])
                cls.append(sess.known_class[i])
            if len(s.xy) > 1:
                d = np.sqrt(((s.xy[:, None] - s.xy[None]) ** 2).sum(-1))
                d[d == 0] = np.inf
                spacing.append(np.median(d.min(1)))
    sig = rpsv(pts)
    if not np.isfinite(sig) or sig <= 0:
        sig = float(np.median(spacing)) if spacing else 1000.0
    m = layout.model
    c = m.n_detection_classes
    cls = np.asarray(cls, dtype=int)
    known = m.hcov is not None and (cls >= 0).any()
    theta = np.zeros(len(layout.names))
    i = layout.nD
    for g in layout.groups:
        mean_u = np.mean([s.usage[s.usage > 0].mean() for sess in sessions for s in sess.sets
                          if s.group == g and (s.usage > 0).any()] or [1.0])
        v = min(0.1, 0.1 / mean_u)
        base = logit(v) if layout.model.detection_of(g) == "hn" else np.log(v)
        theta[i:i + c] = base if c == 1 or known else [base + 0.3, base - 0.3]
        i += c
    if c == 1:
        theta[i] = np.log(sig)
    elif known:
        for x in range(c):
            sx = rpsv([p for p, k in zip(pts, cls, strict=True) if k == x])
            theta[i + x] = np.log(sx if np.isfinite(sx) and sx > 0 else sig)
    else:
        theta[i:i + c] = [np.log(sig * 0.75), np.log(sig * 1.3)]
    if m.n_classes > 1:
        n_known = np.bincount(cls[cls >= 0], minlength=2) if known else np.ones(2)
        theta[i + c] = logit(np.clip((n_known[1] + 0.5) / (n_known.sum() + 1.0), 0.05, 0.95))
    if layout.nD:
        lg, ls, lp = layout.unpack(theta)
        dens = {}
        for sess, lab in zip(sessions, layout.density_labels, strict=True):
            _, a, _ = sess.components(lg, ls, lp, layout.model.detection, known)
            dens.setdefault(lab, []).append(max(sess.n, 1) / a)
        ld = {lab: np.log(np.mean(v)) for lab, v in dens.items()}
        if layout.model.density == "session":
            theta[:layout.nD] = [ld[lab] for lab in layout.labels]
        elif layout.model.density == "constant":
            theta[0] = np.mean(list(ld.values()))
        else:
            theta[0] = ld[min(layout.labels, key=lambda lab: layout.times[lab])]
            theta[1] = 0.0
    return theta


def fit(sessions: list, model: Model | None = None, density_labels: list | None = None,
        times: dict | None = None, start: np.ndarray | None = None) -> Fit:
    """Fit one SECR model by maximum likelihood.

    Parameters
    ----------
    sessions : list of Session
    model : Model, optional
        Default: full likelihood, half-normal, density per session.
    density_labels : list of str, optional
        Density label per session (default each session's name).
    times : dict of str to float, optional
        Time of each density label for ``density='trend'`` (default 0, 1, 2, ...).
    start : float array (p,), optional
        Link-scale starting values.

    Returns
    -------
    Fit

    Raises
    ------
    ValueError
        An unknown density model, or no animal detected at all.
    """
    model = model or Model()
    if model.density not in DENSITY_MODELS:
        raise ValueError(f"density must be one of {', '.join(DENSITY_MODELS)}")
    if sum(s.n for s in sessions) == 0:
        raise ValueError("no animal was detected in any session")
    labels = list(density_labels or [s.name for s in sessions])
    if times is None:
        times = {lab: float(k) for k, lab in enumerate(dict.fromkeys(labels))}
    layout = _Layout(model, sessions, labels, times)
    if model.density == "trend" and len(layout.labels) < 2:
        raise ValueError("a density trend needs at least two sessions")
    theta0 = _start(layout, sessions) if start is None else np.asarray(start, dtype=float)
    fun = lambda th: _neg_loglik(th, layout, sessions)  # noqa: E731
    bounds = [(-30.0, 30.0)] * len(theta0)
    res = minimize(fun, theta0, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 2000, "ftol": 1e-9, "gtol": 1e-5})
    theta = res.x
    cov, theta, fmin = _newton_polish(fun, theta, float(res.fun))
    ll = -fmin
    p = len(theta)
    return Fit(model, layout.names, theta, cov, ll, p, 2 * p - 2 * ll, bool(res.success),
               labels, sessions, times, layout.groups, str(res.message))


def _newton_polish(fun, theta, fmin):
    """Newton steps from the quasi-Newton optimum with the numerical Hessian (which also
    gives the covariance), accepted while they lower the objective."""
    from statsmodels.tools.numdiff import approx_hess
    h = approx_hess(theta, fun)
    for _ in range(3):
        try:
            step = np.linalg.solve(h, _gradient(fun, theta))
        except np.linalg.LinAlgError:
            break
        cand = theta - step
        fc = fun(cand)
        if not fc < fmin - 1e-10:
            break
        theta, fmin = cand, float(fc)
        if np.max(np.abs(step)) < 1e-3:   # the Hessian is unchanged for so small a step
            break
        h = approx_hess(theta, fun)
    try:
        cov = np.linalg.inv(h)
        if not np.all(np.isfinite(cov)) or (np.diag(cov) <= 0).any():
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        warnings.warn("the Hessian is singular: standard errors are not available",
                      RuntimeWarning, stacklevel=3)
        cov = np.full_like(h, np.nan)
    return cov, theta, fmin


def _row(session, parameter, est, se, lo, hi, n, ndet):
    return {"session": session, "parameter": parameter, "estimate": est, "se": se, "lo": lo,
            "hi": hi, "n_animals": n, "n_detections": ndet}


def _log_link_row(beta, se_beta, z):
    est = float(np.exp(beta))
    se = est * float(np.sqrt(np.expm1(se_beta ** 2))) if np.isfinite(se_beta) else np.nan
    return est, se, float(np.exp(beta - z * se_beta)), float(np.exp(beta + z * se_beta))


def _gradient(f, theta, eps=1e-5):
    g = np.zeros(len(theta))
    for j in range(len(theta)):
        e = np.zeros(len(theta))
        e[j] = eps * max(1.0, abs(theta[j]))
        g[j] = (f(theta + e) - f(theta - e)) / (2 * e[j])
    return g


def estimates(result: Fit, alpha: float = 0.05, region_km2: float | None = None) -> pd.DataFrame:
    """Real-scale estimates per session.

    Parameters
    ----------
    result : Fit
    alpha : float
        1 - interval coverage.
    region_km2 : float, optional
        Area of a region for ``n_hat_region`` (else only ``n_hat`` in the mask).

    Returns
    -------
    DataFrame
        ``session, parameter, estimate, se, lo, hi, n_animals, n_detections``; parameters
        ``density_per_km2``, ``density_per_100km2``, ``n_hat`` (expected number in the mask
        ``D A``), ``n_hat_region``, ``g0[<group>]`` or ``lambda0[<group>]``, ``sigma``
        (metres), each with a class suffix in class models (``g0[camera][2]``,
        ``sigma[2]`` latent; ``g0[camera][F]``, ``sigma[M]`` sex), and the mixing proportion:
        ``pmix[2]`` (latent) or ``pmix[F]`` and ``pmix[M]`` (sex; the same link parameter,
        so the same SE). The full-likelihood sex model adds the density and expected number
        of each sex, ``density_per_km2[F]``, ``n_hat[F]`` (``n_hat_region[F]``), ... =
        ``D pmix_x`` (delta method on ``log D + log pmix_x``, log-normal interval).
    """
    z = float(norm.ppf(1 - alpha / 2))
    m = result.model
    layout = _Layout(m, result.sessions, result.density_labels, result.times)
    theta, cov, se = result.theta, result.cov, result.se()
    lg, ls, lp = layout.unpack(theta)
    known = m.hcov is not None
    rows = []
    for sess, lab in zip(result.sessions, result.density_labels, strict=True):
        n = sess.n
        ndet = int(sum(s.captures.sum() for s in sess.sets))
        _, a, _ = sess.components(lg, ls, lp, m.detection, known)
        if m.cl:
            def a_of(th, sess=sess):
                return sess.components(*layout.unpack(th), m.detection, known)[1]
            ga = _gradient(a_of, theta)
            var_a = float(ga @ cov @ ga) if np.all(np.isfinite(cov)) else np.nan
            d = n / a
            cv2 = 1.0 / max(n, 1) + var_a / a ** 2
            se_d = d * np.sqrt(cv2)
            c = np.exp(z * np.sqrt(np.log1p(cv2)))
            dd = (d, se_d, d / c, d * c)
        else:
            logd = layout.log_density(theta)[lab]
            x = np.zeros(len(theta))
            if m.density == "session":
                x[layout.labels.index(lab)] = 1.0
            elif m.density == "constant":
                x[0] = 1.0
            else:
                x[0], x[1] = 1.0, result.times[lab] - min(result.times[k] for k in layout.labels)
            se_b = float(np.sqrt(x @ cov @ x)) if np.all(np.isfinite(cov)) else np.nan
            dd = _log_link_row(logd, se_b, z)
        name = sess.name
        dkm = [v * HA_PER_KM2 for v in dd]
        rows.append(_row(name, "density_per_km2", *dkm, n, ndet))
        rows.append(_row(name, "density_per_100km2", *[v * 100 for v in dkm], n, ndet))
        area_km2 = sess.area_ha / HA_PER_KM2
        rows.append(_row(name, "n_hat", *[v * area_km2 for v in dkm], n, ndet))
        if region_km2 is not None:
            rows.append(_row(name, "n_hat_region", *[v * region_km2 for v in dkm], n, ndet))
        i = layout.nD
        c = m.n_detection_classes
        labels = m.class_labels if m.class_detection else []
        csuf = [f"[{x}]" for x in labels] or [""]
        for g in layout.groups:
            hn = m.detection_of(g) == "hn"
            det = "g0" if hn else "lambda0"
            for k in range(c):
                b, sb = theta[i], se[i]
                suffix = f"[{g}]" + csuf[k]
                if hn:
                    p = float(expit(b))
                    rows.append(_row(name, det + suffix, p, sb * p * (1 - p),
                                     float(expit(b - z * sb)), float(expit(b + z * sb)),
                                     n, ndet))
                else:
                    rows.append(_row(name, det + suffix, *_log_link_row(b, sb, z), n, ndet))
                i += 1
        for k in range(c):
            rows.append(_row(name, "sigma" + csuf[k], *_log_link_row(theta[i], se[i], z), n,
                             ndet))
            i += 1
        if m.n_classes > 1:
            b, sb = theta[i], se[i]
            p = float(expit(b))
            lo, hi = float(expit(b - z * sb)), float(expit(b + z * sb))
            first, second = m.class_labels
            if m.hcov is not None:
                rows.append(_row(name, f"pmix[{first}]", 1 - p, sb * p * (1 - p), 1 - hi,
                                 1 - lo, n, ndet))
            rows.append(_row(name, f"pmix[{second}]", p, sb * p * (1 - p), lo, hi, n, ndet))
            if m.hcov is not None and not m.cl:
                # density of each sex D_x = D pmix_x: delta method on log D_x, whose gradient
                # is x (log D) plus d log pmix_x / d logit pmix[second] = -p (first), 1 - p
                for lab_x, dlog in ((first, -p), (second, 1 - p)):
                    gx = x.copy()
                    gx[i] += dlog
                    se_x = float(np.sqrt(gx @ cov @ gx)) if np.all(np.isfinite(cov)) else np.nan
                    share = (1 - p) if lab_x == first else p
                    vals = [v * HA_PER_KM2 for v in
                            _log_link_row(logd + np.log(share), se_x, z)]
                    rows.append(_row(name, f"density_per_km2[{lab_x}]", *vals, n, ndet))
                    rows.append(_row(name, f"n_hat[{lab_x}]", *[v * area_km2 for v in vals],
                                     n, ndet))
                    if region_km2 is not None:
                        rows.append(_row(name, f"n_hat_region[{lab_x}]",
                                         *[v * region_km2 for v in vals], n, ndet))
    return pd.DataFrame(rows)


def trend(result: Fit, alpha: float = 0.05) -> dict:
    """Finite rate of change of density per unit time of a ``density='trend'`` fit.

    Parameters
    ----------
    result : Fit
    alpha : float

    Returns
    -------
    dict
        ``b1, b1_se, lambda, lambda_lo, lambda_hi`` (``lambda = exp(b1)``, Wald interval
        on ``b1``).
    """
    if result.model.density != "trend" or result.model.cl:
        raise ValueError("not a density-trend fit")
    z = float(norm.ppf(1 - alpha / 2))
    b1, sb = float(result.theta[1]), float(result.se()[1])
    return {"b1": b1, "b1_se": sb, "lambda": float(np.exp(b1)),
            "lambda_lo": float(np.exp(b1 - z * sb)), "lambda_hi": float(np.exp(b1 + z * sb))}


def session_from_arrays(sets: list, mask, name: str = "1", animals=None,
                        known_class=None) -> Session:
    """A :class:`~leogen.scr.likelihood.Session` on a :class:`~leogen.scr.mask.Mask`.

    Parameters
    ----------
    sets : list of DetectorSet
    mask : Mask
    name : str
    animals : list of str, optional
    known_class : int array (n,), optional
        Known class per animal (-1 unknown; :class:`~leogen.scr.likelihood.Session`).

    Returns
    -------
    Session
    """
    return Session(sets, mask.xy, mask.cell_area_ha, name, animals, known_class)
