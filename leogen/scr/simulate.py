"""Drawing spatial capture-recapture detections: the one implementation.

Detection follows the half-normal model of Borchers & Efford (2008) as in R ``secr``
(``sim.capthist``): for an animal with activity centre ``x`` and a detector at distance ``d``

* ``detection="hn"``: ``g(d) = g0 exp(-d^2 / (2 sigma^2))``, the probability of detection
  in one occasion of unit usage; its hazard is ``h = -log(1 - g)``;
* ``detection="hhn"``: the hazard itself is ``h(d) = lambda0 exp(-d^2 / (2 sigma^2))``.

With usage (effort) ``u`` of a detector in an occasion the hazard is ``u h``, so

* ``proximity``: Bernoulli with ``p = 1 - exp(-u h)`` (``= 1 - (1 - g)^u``) per animal,
  occasion and detector;
* ``count``: Poisson with mean ``u h`` (``g0`` is then ``lambda0``: the expected count per
  unit effort at distance 0);
* ``multi``: competing hazards (multi-catch trap, Efford et al. 2009): the animal is caught
  at most once per occasion, with probability ``1 - exp(-H)``, ``H = sum_k u_k h_k``, and at
  detector ``k`` with probability ``(1 - exp(-H)) u_k h_k / H``.

:mod:`leogen.simulate` imports :func:`draw_captures` to build its spatial truth.
"""

from __future__ import annotations

import numpy as np

DETECTOR_TYPES = ("proximity", "count", "multi")
DETECTIONS = ("hn", "hhn")


def hazard(d2: np.ndarray, g0, sigma, detection: str = "hn") -> np.ndarray:
    """Detection hazard per unit usage at squared distances ``d2``.

    Parameters
    ----------
    d2 : float array (..., n_detectors)
        Squared distances in m^2; leading axes broadcast with ``g0`` and ``sigma``.
    g0 : float or float array broadcastable to ``d2``
        ``g0`` (``detection='hn'``, a probability in [0, 1)) or ``lambda0``
        (``detection='hhn'``, a hazard >= 0).
    sigma : float or float array broadcastable to ``d2``
        Spatial scale in metres (> 0).
    detection : {'hn', 'hhn'}
        Half-normal probability or hazard half-normal.

    Returns
    -------
    float array, the shape of ``d2`` broadcast with the parameters
        ``-log(1 - g(d))`` (hn) or ``lambda(d)`` (hhn).

    Examples
    --------
    >>> round(float(hazard(np.array(0.0), 0.5, 10.0)), 6)   # -log(0.5)
    0.693147
    >>> round(float(hazard(np.array(200.0), 2.0, 10.0, "hhn")), 6)   # 2 exp(-1)
    0.735759
    """
    shape = np.exp(-np.asarray(d2, dtype=float) / (2.0 * np.asarray(sigma, dtype=float) ** 2))
    if detection == "hn":
        return -np.log1p(-np.asarray(g0, dtype=float) * shape)
    if detection == "hhn":
        return np.asarray(g0, dtype=float) * shape
    raise ValueError(f"detection must be one of {', '.join(DETECTIONS)}, got {detection!r}")


def draw_captures(centres_xy, detectors_xy, detector_type: str, g0, sigma, usage, seed,
                  detection: str = "hn") -> np.ndarray:
    """Draw detections of animals with known activity centres (module docstring).

    Parameters
    ----------
    centres_xy : float array (n_animals, 2)
        Activity centres in metres.
    detectors_xy : float array (n_detectors, 2)
        Detector locations in metres (same projection).
    detector_type : {'proximity', 'count', 'multi'}
        Bernoulli per animal x occasion x detector, Poisson counts, or multi-catch traps.
    g0 : float or float array (n_animals,)
        ``g0`` (proximity/multi with ``detection='hn'``) or ``lambda0`` (count, or
        ``detection='hhn'``); per animal when an array.
    sigma : float or float array (n_animals,)
        Spatial scale in metres; per animal when an array.
    usage : float array (n_detectors, n_occasions)
        Effort of each detector in each occasion (0 = not operating; 1 = one standard
        occasion; for search cells e.g. km searched).
    seed : int or numpy Generator
        Random seed; the same inputs and seed give the same array.
    detection : {'hn', 'hhn'}
        Half-normal ``g0`` (the default for proximity and multi) or hazard half-normal.
        For ``detector_type='count'`` the value is read as ``lambda0`` whatever
        ``detection`` says (the expected count per unit effort at distance 0).

    Returns
    -------
    int64 array (n_animals, n_occasions, n_detectors)
        Detections: 0/1 (proximity), counts (count), 0/1 with at most one 1 per animal and
        occasion (multi). Undetected animals keep their all-zero rows.

    Examples
    --------
    >>> y = draw_captures(np.zeros((3, 2)), np.array([[0.0, 0.0], [1e6, 0.0]]), "proximity",
    ...                   1.0 - 1e-12, 50.0, np.ones((2, 4)), seed=1)
    >>> y.shape, int(y[:, :, 0].sum()), int(y[:, :, 1].sum())
    ((3, 4, 2), 12, 0)
    """
    if detector_type not in DETECTOR_TYPES:
        raise ValueError(f"detector_type must be one of {', '.join(DETECTOR_TYPES)}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    c = np.asarray(centres_xy, dtype=float).reshape(-1, 2)
    t = np.asarray(detectors_xy, dtype=float).reshape(-1, 2)
    u = np.asarray(usage, dtype=float)
    if u.ndim != 2 or u.shape[0] != len(t):
        raise ValueError(f"usage must be (n_detectors, n_occasions) = ({len(t)}, S), "
                         f"got {u.shape}")
    n, k, s = len(c), len(t), u.shape[1]
    d2 = ((c[:, None, :] - t[None, :, :]) ** 2).sum(-1)                  # (n, K)
    g0 = np.broadcast_to(np.asarray(g0, dtype=float), (n,))[:, None]
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (n,))[:, None]
    kind = "hhn" if detector_type == "count" else detection
    h = hazard(d2, g0, sigma, kind)                                      # (n, K)
    hu = h[:, None, :] * u.T[None, :, :]                                 # (n, S, K)
    if detector_type == "proximity":
        return (rng.random((n, s, k)) < -np.expm1(-hu)).astype(np.int64)
    if detector_type == "count":
        return rng.poisson(hu).astype(np.int64)
    total = hu.sum(-1)                                                   # (n, S)
    caught = rng.random((n, s)) < -np.expm1(-total)
    cum = np.cumsum(hu, axis=-1)
    pick = (cum < (rng.random((n, s)) * total)[..., None]).sum(-1)       # detector index
    pick = np.minimum(pick, k - 1)
    out = np.zeros((n, s, k), dtype=np.int64)
    ii, ss = np.nonzero(caught)
    out[ii, ss, pick[ii, ss]] = 1
    return out
