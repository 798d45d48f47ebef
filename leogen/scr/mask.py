"""Habitat masks: the points where activity centres may lie.

As secr's ``make.mask(type = 'trapbuffer')`` (Efford): a square grid over the detectors'
bounding box extended by ``buffer`` on every side, ``nx = 64`` points across its width
(spacing = width / 64) unless a spacing is given, points at cell centres starting half a
spacing inside the box, kept when within ``buffer`` of a detector; optionally kept only inside
a habitat polygon (GeoJSON, in the same projected coordinates or in lon/lat projected with the
study's CRS).

The buffer must be wide enough that animals centred beyond it are practically never detected.
:func:`suggest_buffer` gives a default from a scale estimate (secr's ``suggest.buffer`` aims at
a relative bias of density below 0.1%; here the simple rule of ``k sigma``, k = 4 by default,
for the half-normal); :func:`leogen.scr.fit.mask_check` refits with wider buffers and warns
when density still changes (secr's ``mask.check``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from leogen.errors import InputError

DEFAULT_NX = 64


@dataclass
class Mask:
    """Mask points and their cell size.

    Attributes
    ----------
    xy : float array (M, 2), metres
    spacing : float, metres
    buffer : float, metres
    """

    xy: np.ndarray
    spacing: float
    buffer: float

    @property
    def cell_area_ha(self) -> float:
        """Area of one cell in hectares."""
        return self.spacing ** 2 / 1e4

    @property
    def area_km2(self) -> float:
        """Mask area in km^2."""
        return len(self.xy) * self.spacing ** 2 / 1e6


def make_mask(detectors_xy, buffer: float, spacing: float | None = None,
              nx: int = DEFAULT_NX, habitat=None) -> Mask:
    """A 'trapbuffer' mask around detectors (module docstring).

    Parameters
    ----------
    detectors_xy : float array (K, 2)
        All detectors of all sets (metres).
    buffer : float
        Metres (> 0).
    spacing : float, optional
        Grid spacing in metres (default width / ``nx``).
    nx : int
        Points across the buffered width when ``spacing`` is None.
    habitat : shapely geometry, optional
        Keep only points inside it (:func:`read_habitat`).

    Returns
    -------
    Mask

    Raises
    ------
    ValueError
        No point left (buffer too small, or the habitat polygon misses the detectors).

    Examples
    --------
    >>> m = make_mask(np.array([[0.0, 0.0]]), buffer=100.0, nx=4)
    >>> m.spacing, len(m.xy)
    (50.0, 12)
    """
    t = np.asarray(detectors_xy, dtype=float).reshape(-1, 2)
    if not buffer > 0:
        raise ValueError("buffer must be positive")
    lo = t.min(0) - buffer
    hi = t.max(0) + buffer
    if spacing is None:
        spacing = float((hi[0] - lo[0]) / nx)
    x = np.arange(lo[0] + spacing / 2, hi[0] + 1e-9 * spacing, spacing)
    y = np.arange(lo[1] + spacing / 2, hi[1] + 1e-9 * spacing, spacing)
    gx, gy = np.meshgrid(x, y)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    # distance to the nearest detector, in blocks to bound memory (M x K)
    near = np.empty(len(pts))
    for b in range(0, len(pts), 20000):
        p = pts[b:b + 20000]
        near[b:b + 20000] = ((p[:, None, :] - t[None]) ** 2).sum(-1).min(1)
    pts = pts[near <= buffer ** 2 * (1 + 1e-12)]
    if habitat is not None:
        from shapely import contains_xy
        pts = pts[contains_xy(habitat, pts[:, 0], pts[:, 1])]
    if not len(pts):
        raise ValueError("the mask has no points")
    return Mask(pts, float(spacing), float(buffer))


def read_habitat(path, project=None):
    """Habitat polygon(s) from a GeoJSON file.

    Parameters
    ----------
    path : str or Path
        GeoJSON Polygon/MultiPolygon, Feature or FeatureCollection.
    project : callable, optional
        ``project(lon, lat) -> (x, y)`` applied to the coordinates (when they are lon/lat).

    Returns
    -------
    shapely geometry (the union of the polygons)

    Raises
    ------
    InputError
        Not JSON, or no polygon in it.
    """
    import shapely
    from shapely.geometry import shape
    from shapely.ops import unary_union

    from leogen.io.tables import read_text
    try:
        doc = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"not valid GeoJSON ({e.msg})", path, e.lineno) from None
    feats = doc.get("features", [doc]) if isinstance(doc, dict) else []
    geoms = []
    for f in feats:
        g = f.get("geometry", f) if isinstance(f, dict) else None
        if isinstance(g, dict) and g.get("type") in ("Polygon", "MultiPolygon"):
            geoms.append(shape(g))
    if not geoms:
        raise InputError("no Polygon or MultiPolygon geometry", path)
    geom = unary_union(geoms)
    if project is not None:
        geom = shapely.transform(geom, lambda c: np.column_stack(project(c[:, 0], c[:, 1])))
    return geom


def check_detectors_inside(detectors_xy, ids, habitat, path=None) -> None:
    """Error when the habitat polygon clips detectors (a detector outside the habitat).

    Parameters
    ----------
    detectors_xy : float array (K, 2)
    ids : sequence (K,) of str
    habitat : shapely geometry
    path : str or Path, optional
        The polygon file, for the message.

    Raises
    ------
    InputError
        Naming the first detectors outside.
    """
    from shapely import contains_xy
    t = np.asarray(detectors_xy, dtype=float).reshape(-1, 2)
    out = ~contains_xy(habitat, t[:, 0], t[:, 1])
    if out.any():
        names = ", ".join(str(ids[i]) for i in np.flatnonzero(out)[:5])
        raise InputError(f"the habitat polygon clips {int(out.sum())} detector(s) ({names}): "
                         "every detector must lie inside the habitat mask", path)


def suggest_buffer(sigma: float, k: float = 4.0) -> float:
    """Default buffer: ``k sigma`` (half-normal; 4 sigma leaves ``exp(-8)`` of ``g0``).

    Parameters
    ----------
    sigma : float, metres
    k : float

    Returns
    -------
    float, metres

    Examples
    --------
    >>> suggest_buffer(30.0)
    120.0
    """
    return float(k * sigma)


def rpsv(animal_xy: list) -> float:
    """Root pooled spatial variance of animals' detection locations (secr's ``RPSV``).

    ``sqrt( sum_i sum_j |x_ij - xbar_i|^2 / (2 sum_i (n_i - 1)) )``, a quick estimate of
    ``sigma`` used for starting values and the default buffer (Calhoun & Casby 1958 as used
    by Efford's secr with ``CC = TRUE``).

    Parameters
    ----------
    animal_xy : list of float arrays (n_i, 2)
        Detection locations of each animal (one row per detection).

    Returns
    -------
    float, metres (NaN when no animal was detected twice)

    Examples
    --------
    >>> rpsv([np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([[5.0, 5.0]])])
    1.0
    """
    ss, df = 0.0, 0
    for xy in animal_xy:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(xy) > 1:
            ss += float(((xy - xy.mean(0)) ** 2).sum())
            df += len(xy) - 1
    return float(np.sqrt(ss / (2 * df))) if df else float("nan")
