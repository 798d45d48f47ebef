"""The SECR likelihood, vectorised over animals, mask points and detectors.

Model (Borchers & Efford 2008, Biometrics 64:377; Efford, Borchers & Byrom 2009): activity
centres are a homogeneous Poisson process of density ``D`` on a mask of ``M`` points, each
the centre of a cell of area ``c`` (hectares here, as in secr). An animal centred at mask point
``m`` has hazard ``h_k(m)`` at detector ``k`` per unit usage
(:func:`leogen.scr.simulate.hazard`); detections are independent between detectors and
occasions given the centre. With usage ``u_ks`` of detector ``k`` in occasion ``s`` the
per-animal log-probabilities of its detections ``w_i`` are

* proximity: ``sum_s sum_k [y log(1 - exp(-u h_k)) - (1 - y) u h_k]``;
* count (Poisson): ``sum_s sum_k [y log(u h_k) - u h_k - log y!]``;
* multi-catch: ``sum_s [caught: log(1 - exp(-H_s)) + log(u h_k / H_s); not: -H_s]`` with
  ``H_s = sum_k u_ks h_k``.

Because the detection parameters are constant over occasions the sums collapse to per-animal
sufficient statistics (counts per detector, per (detector, usage) pair, per occasion caught),
so one evaluation costs ``O(animals x mask x detectors)`` matrix products, never a Python loop
over animals or mask points. In every case ``P(no detection | m) = exp(-sum_k U_k h_k(m))``
with ``U_k = sum_s u_ks``.

A session may hold several detector sets (e.g. cameras and scat-search cells) seeing the
same animals; given the centre the sets are independent, so their log-probabilities add and
each set may have its own ``g0``/``lambda0`` (one activity centre, shared ``sigma``).

Log-likelihood of a session with ``n`` detected animals (as secr, including its multinomial
constant ``log n! - sum log n_w!`` over identical histories):

``sum_i log sum_m P(w_i | m) - n log sum_m p.(m) + log n! - sum_w log n_w!``
``+ [full: n log(D a) - D a - log n!]``,  ``a = c sum_m p.(m)``,  ``p. = 1 - P(0 | m)``.

A finite mixture of latent classes (e.g. two sexes with their own ``g0`` and ``sigma``;
Pledger 2000, secr's ``h2`` models) replaces ``P(w_i | m)`` and ``p.(m)`` by their
class-weighted sums.

**Known classes** (secr's hybrid mixture ``hcov``, e.g. ``hcov = "sex"``: Efford, secr
documentation ``?hcov`` and the appendix of the vignette *secr-finitemixtures*; Pledger 2000).
Some detected animals are of known class ``x_i`` (the genetic sex marker), the others of
unknown class; whether the class is recorded is assumed independent of the class. The
detected animal's term becomes

``log sum_x pi_x P(w_i | x) - log sum_x pi_x p.(x)``           (class unknown),
``log pi_{x_i} P(w_i | x_i) - log sum_x pi_x p.(x)``           (class known),

with ``P(w_i | x) = sum_m P(w_i | m, x)`` and ``p.(x) = sum_m p.(m, x)``: the class axis of a
known animal is restricted by adding a 0/-inf mask of shape ``(C, n, 1)`` to the per-class
log-probabilities ``log pi_x + log P(w_i | m, x)`` before the log-sum over classes (no loop over
animals). This is term for term secr's ``hcov`` likelihood (``generalsecrloglikfn`` /
``fastsecrloglikfn``): secr writes a known animal's term as ``log P(w_i | x_i) / p.(x_i)``
(its per-animal ``pmixn`` is 1 for the known class, 0 for the other) and adds, for the known
animals together, the multinomial class-membership term ``sum_x n_x log(pi_x p.(x) / sum_y
pi_y p.(y))``; the two forms are identical, and the likelihood conditions on the number of
known-class animals, as secr's (AIC only compares models fitted with the same known classes).
The same holds for the conditional likelihood, where ``pi`` is estimated from the known
animals' class counts and the unknown animals' detection histories. The one difference is in
the *full* likelihood's term for ``n``: leogen uses the exact expected number detected
``D a`` with ``a = c sum_m sum_x pi_x p.(m, x)`` (a Poisson process of centres with
independent class marks), while secr uses ``D A`` times the harmonic mean of the per-animal
``p.`` (class-specific for known animals), its device for individual covariates; the two agree
when every detected animal is of known class (at the maximum over ``pi``), and are close
otherwise. Likewise the conditional likelihood's derived density is ``n / a`` here and
``sum_i 1 / a_i`` in secr's ``derived``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, logsumexp

from leogen.scr.simulate import DETECTIONS, DETECTOR_TYPES

_SMALL = 1e-8


def log_hazard(d2: np.ndarray, log_g0, log_sigma, detection: str) -> np.ndarray:
    """``log h`` finite at any distance (no underflow to ``-inf``).

    Parameters
    ----------
    d2 : float array (..., M, K)
        Squared distances (m^2).
    log_g0 : float or array broadcastable (e.g. (C, 1, 1))
        ``log g0`` (hn) or ``log lambda0`` (hhn).
    log_sigma : float or array broadcastable
        ``log sigma``.
    detection : {'hn', 'hhn'}

    Returns
    -------
    float array, the broadcast shape
        ``log(-log(1 - g))`` (hn) or ``log lambda`` (hhn).

    Examples
    --------
    >>> round(float(np.exp(log_hazard(np.array(0.0), np.log(0.5), 0.0, "hn"))), 6)
    0.693147
    """
    logg = log_g0 - d2 / (2.0 * np.exp(2.0 * np.asarray(log_sigma)))
    if detection == "hhn":
        return logg
    if detection != "hn":
        raise ValueError(f"detection must be one of {', '.join(DETECTIONS)}")
    h = -np.log1p(-np.exp(logg))
    with np.errstate(divide="ignore"):
        return np.where(h > 1e-300, np.log(h), logg)


def _log1mexp(x: np.ndarray, logx: np.ndarray) -> np.ndarray:
    """``log(1 - exp(-x))`` for ``x >= 0`` given also ``log x`` (accurate for tiny x)."""
    big = np.where(x < _SMALL, 1.0, x)
    return np.where(x < _SMALL, logx - x / 2.0, np.log(-np.expm1(-big)))


@dataclass
class DetectorSet:
    """One set of detectors of one type in a session, with the session's animals' detections.

    Parameters
    ----------
    xy : float array (K, 2)
        Detector coordinates in metres.
    detector_type : {'proximity', 'count', 'multi'}
    usage : float array (K, S)
        Effort per detector and occasion (0 = not operating).
    captures : int array (n_animals, S, K)
        Detections of the session's animals (rows aligned across the session's sets).
    group : str
        Name of the detection-parameter group (its own ``g0``/``lambda0``).
    """

    xy: np.ndarray
    detector_type: str
    usage: np.ndarray
    captures: np.ndarray
    group: str = "detectors"
    stats: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.xy = np.asarray(self.xy, dtype=float).reshape(-1, 2)
        self.usage = np.asarray(self.usage, dtype=float)
        self.captures = np.asarray(self.captures, dtype=np.int64)
        k = len(self.xy)
        if self.detector_type not in DETECTOR_TYPES:
            raise ValueError(f"detector_type must be one of {', '.join(DETECTOR_TYPES)}")
        if self.usage.ndim != 2 or self.usage.shape[0] != k:
            raise ValueError(f"usage must be (K={k}, S), got {self.usage.shape}")
        s = self.usage.shape[1]
        if self.captures.ndim != 3 or self.captures.shape[1:] != (s, k):
            raise ValueError(f"captures must be (n, S={s}, K={k}), got {self.captures.shape}")
        y = self.captures
        if (y < 0).any():
            raise ValueError("negative detection counts")
        if ((y > 0) & (self.usage.T[None] <= 0)).any():
            raise ValueError("a detection at a detector with zero usage")
        if self.detector_type == "proximity" and (y > 1).any():
            raise ValueError("proximity detections must be 0/1")
        if self.detector_type == "multi" and (y.sum(-1) > 1).any():
            raise ValueError("multi-catch: at most one detection per animal and occasion")
        st = self.stats
        st["U"] = self.usage.sum(1)                                      # (K,)
        st["N"] = y.sum(1).astype(float)                                 # (n, K)
        with np.errstate(divide="ignore"):
            logu = np.where(self.usage > 0, np.log(np.where(self.usage > 0, self.usage, 1)), 0)
        if self.detector_type == "proximity":
            ii, ss, kk = np.nonzero(y)
            pairs = np.stack([kk, self.usage[kk, ss]], axis=1)
            uniq, inv = (np.unique(pairs, axis=0, return_inverse=True) if len(pairs)
                         else (np.zeros((0, 2)), np.zeros(0, dtype=int)))
            c = np.zeros((len(y), len(uniq)))
            np.add.at(c, (ii, np.asarray(inv).ravel()), 1.0)
            st["C"], st["pair_k"], st["pair_u"] = c, uniq[:, 0].astype(int), uniq[:, 1]
            st["const"] = np.zeros(len(y))
        elif self.detector_type == "count":
            st["const"] = (y * logu.T[None]).sum((1, 2)) - gammaln(y + 1.0).sum((1, 2))
        else:
            # occasions with identical usage columns share H_s: sum their caught indicators
            ucols, inv = np.unique(self.usage, axis=1, return_inverse=True)
            caught = y.sum(-1).astype(float)                             # (n, S)
            cu = np.zeros((len(y), ucols.shape[1]))
            np.add.at(cu.T, np.asarray(inv).ravel(), caught.T)
            st["ucols"], st["caught_u"] = ucols, cu
            st["const"] = (y * logu.T[None]).sum((1, 2))

    def log_probs(self, d2: np.ndarray, log_h: np.ndarray):
        """Per-animal log P(detections | centre) and log P(no detection | centre).

        Parameters
        ----------
        d2 : float array (M, K)
            Squared distances mask x detectors (unused; kept for symmetry of callers).
        log_h : float array (C, M, K)
            Log hazards per class (:func:`log_hazard`).

        Returns
        -------
        logp : float array (C, n_animals, M)
        logp0 : float array (C, M)
        """
        st = self.stats
        h = np.exp(log_h)                                                # (C, M, K)
        hu = h @ st["U"]                                                 # (C, M)
        logp0 = -hu
        if self.detector_type == "proximity":
            k, u = st["pair_k"], st["pair_u"]
            x = h[:, :, k] * u
            f = _log1mexp(x, log_h[:, :, k] + np.log(u)) + x              # (C, M, J)
            logp = st["C"] @ f.transpose(0, 2, 1)                        # (C, n, M)
        elif self.detector_type == "count":
            logp = st["N"] @ log_h.transpose(0, 2, 1)
        else:
            hs = h @ st["ucols"]                                         # (C, M, S')
            with np.errstate(divide="ignore"):
                loghs = np.log(hs)
            g = np.where(hs > 0, _log1mexp(hs, loghs) - np.where(hs > 0, loghs, 0) + hs, 0.0)
            logp = (st["caught_u"] @ g.transpose(0, 2, 1)
                    + st["N"] @ log_h.transpose(0, 2, 1))
        return logp + logp0[:, None, :] + st["const"][None, :, None], logp0


@dataclass
class Session:
    """One closed session: its detector sets, mask and animals.

    Parameters
    ----------
    sets : list of DetectorSet
        All with the same number of animal rows.
    mask_xy : float array (M, 2)
        Mask points in metres.
    cell_area_ha : float
        Area of one mask cell in hectares.
    name : str
        Session label.
    animals : list of str, optional
        Animal id of each row.
    known_class : int array (n,), optional
        Known class of each animal row for the known-class (``hcov``) models: ``0`` or ``1``
        (for sex: :data:`leogen.scr.sexes.SEXES`, female then male), ``-1`` unknown.
        Default: every class unknown. Ignored by models without known classes.
    """

    sets: list
    mask_xy: np.ndarray
    cell_area_ha: float
    name: str = "1"
    animals: list | None = None
    known_class: np.ndarray | None = None
    d2: list = field(default_factory=list, repr=False)
    logmultinom: float = 0.0

    def __post_init__(self):
        self.mask_xy = np.asarray(self.mask_xy, dtype=float).reshape(-1, 2)
        ns = {len(s.captures) for s in self.sets}
        if len(ns) != 1:
            raise ValueError("detector sets of a session must have the same animal rows")
        self.n = ns.pop()
        kc = (np.full(self.n, -1, dtype=np.int64) if self.known_class is None
              else np.asarray(self.known_class, dtype=np.int64).reshape(-1))
        if kc.shape != (self.n,) or (kc < -1).any():
            raise ValueError(f"known_class must be (n={self.n},) with -1 for unknown, "
                             f"got shape {kc.shape}")
        self.known_class = kc
        total = sum(s.captures.reshape(self.n, -1).sum(1) for s in self.sets)
        if self.n and (np.asarray(total) == 0).any():
            raise ValueError("an animal of the session has no detection")
        self.d2 = [((self.mask_xy[:, None, :] - s.xy[None]) ** 2).sum(-1) for s in self.sets]
        # multinomial constant over identical detection histories (secr's logmultinom)
        if self.n:
            flat = np.concatenate([s.captures.reshape(self.n, -1) for s in self.sets], axis=1)
            _, counts = np.unique(flat, axis=0, return_counts=True)
            self.logmultinom = float(gammaln(self.n + 1.0) - gammaln(counts + 1.0).sum())

    @property
    def area_ha(self) -> float:
        """Mask area in hectares."""
        return len(self.mask_xy) * self.cell_area_ha

    def _log_probs(self, log_g0, log_sigma, detection):
        ls = np.asarray(log_sigma)[:, None, None]
        logp = 0.0
        logp0 = 0.0
        for s, d2 in zip(self.sets, self.d2, strict=True):
            det = detection[s.group] if isinstance(detection, dict) else detection
            lh = log_hazard(d2[None], np.asarray(log_g0[s.group])[:, None, None], ls, det)
            lp, l0 = s.log_probs(d2, lh)
            logp = logp + lp
            logp0 = logp0 + l0
        return logp, logp0

    def class_mask(self, n_classes: int) -> np.ndarray:
        """0 / -inf restriction of the class axis for animals of known class.

        Parameters
        ----------
        n_classes : int
            ``C``; known classes must be below it.

        Returns
        -------
        float array (C, n, 1)
            ``0`` where animal ``i`` may be of class ``x`` (its known class, or every class
            when unknown), ``-inf`` elsewhere; added to per-class log-probabilities
            ``(C, n, M)``.

        Examples
        --------
        >>> s = Session([DetectorSet(np.zeros((1, 2)), "count", np.ones((1, 1)),
        ...              np.ones((2, 1, 1)))], np.zeros((1, 2)), 1.0, known_class=[1, -1])
        >>> s.class_mask(2)[:, :, 0].tolist()
        [[-inf, 0.0], [0.0, 0.0]]
        """
        kc = self.known_class
        if (kc >= n_classes).any():
            raise ValueError(f"known class {int(kc.max())} of a {n_classes}-class model")
        ok = (kc[None, :] < 0) | (kc[None, :] == np.arange(n_classes)[:, None])
        return np.where(ok, 0.0, -np.inf)[:, :, None]

    def _log_joint(self, logp, lpi, known: bool):
        """``log pi_x + log P(w_i | m, x)`` (C, n, M), restricted to known classes."""
        lj = logp + np.asarray(lpi)[:, None, None]
        if known and len(lpi) > 1:
            lj = lj + self.class_mask(len(lpi))
        return lj

    def realised_surface(self, log_g0: dict, log_sigma, log_pi, detection,
                         density_ha: float, known: bool = False) -> np.ndarray:
        """Expected number of activity centres per mask cell given the data (secr's
        ``fxTotal``): each detected animal's posterior location plus the undetected animals
        ``D c (1 - p.(m))``.

        Parameters
        ----------
        log_g0, log_sigma, log_pi, detection, known
            As :meth:`components`.
        density_ha : float
            Animals per hectare.

        Returns
        -------
        float array (M,)
            Animals per cell; sums to ``n + D c sum_m (1 - p.(m))``.
        """
        logp, logp0 = self._log_probs(log_g0, log_sigma, detection)
        lpi = np.asarray(log_pi)
        pdot = (np.exp(lpi)[:, None] * -np.expm1(logp0)).sum(0)
        undetected = density_ha * self.cell_area_ha * (1.0 - pdot)
        if not self.n:
            return undetected
        lj = logsumexp(self._log_joint(logp, lpi, known), axis=0)        # (n, M)
        post = np.exp(lj - logsumexp(lj, axis=1, keepdims=True))
        return post.sum(0) + undetected

    def components(self, log_g0: dict, log_sigma: np.ndarray, log_pi: np.ndarray,
                   detection: str, known: bool = False):
        """The conditional part of the log-likelihood and ``a`` (effective area).

        Parameters
        ----------
        log_g0 : dict of str to float array (C,) or (1,)
            ``log g0``/``log lambda0`` per detector-set group and class (one value shared by
            all classes when of length 1).
        log_sigma : float array (C,) or (1,)
        log_pi : float array (C,)
            Log mixing proportions (``[0.0]`` for one class).
        detection : {'hn', 'hhn'} or dict of str to {'hn', 'hhn'}
            One for all sets or one per group. For count sets 'hn' still reads ``g0`` as a
            probability whose hazard is ``-log(1 - g)``.
        known : bool
            Restrict animals of known class (:attr:`known_class`) to their class (secr's
            ``hcov``; module docstring). Without it every class is latent.

        Returns
        -------
        cond : float
            ``sum_i log sum_m P(w_i|m) - n log sum_m p.(m) + logmultinom``.
        a_ha : float
            ``c sum_m p.(m)``, hectares.
        pdot : float array (M,)
        """
        logp, logp0 = self._log_probs(log_g0, log_sigma, detection)
        lpi = np.asarray(log_pi)
        pdot = (np.exp(lpi)[:, None] * -np.expm1(logp0)).sum(0)          # (M,)
        a = self.cell_area_ha * pdot.sum()
        if self.n:
            per_animal = logsumexp(self._log_joint(logp, lpi, known), axis=(0, 2))
            cond = float(per_animal.sum() - self.n * np.log(pdot.sum()) + self.logmultinom)
        else:
            cond = 0.0
        return cond, float(a), pdot


def poisson_n_term(n: int, density_ha: float, a_ha: float) -> float:
    """``log Poisson(n; D a)``: the full likelihood's term for the number detected.

    Parameters
    ----------
    n : int
    density_ha : float
        Animals per hectare.
    a_ha : float
        Effective sampling area (ha).

    Returns
    -------
    float

    Examples
    --------
    >>> round(poisson_n_term(2, 1.0, 2.0), 6)   # log(e^-2 2^2 / 2)
    -1.306853
    """
    mu = density_ha * a_ha
    return float(n * np.log(mu) - mu - gammaln(n + 1.0))
