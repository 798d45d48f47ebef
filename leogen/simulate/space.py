"""Space: the projection, the state space, activity centres and the true density.

Every animal has an activity centre for life (the centre of its home range: the point of the
spatially explicit capture-recapture models, Efford 2004 Oikos 106:598; Borchers & Efford
2008 Biometrics 64:377). Centres live in a **state space**: the study box (``lat_min`` ..
``lon_max``) projected to metres by a local Lambert azimuthal equal-area projection centred on
the box, enclosed in its bounding rectangle and widened by ``buffer_km`` on every side, so
some animals live at the edge of the searched area and are rarely or never detected.

* founders: centres uniform on the state space (a binomial point process);
* offspring settle near their mother: centre = the dam's centre + an isotropic normal
  displacement with sd ``dispersal_km_female`` or ``dispersal_km_male`` per axis (sex-biased
  natal dispersal, males farther, as in most felids), reflected at the state-space edges
  (reflection keeps a uniform density uniform).

The true density of a year is the number of animals of sampleable age alive in the state
space divided by its area (``truth/density.tsv``), beside the number whose centre lies in the
study box (the detector region).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from leogen.simulate.demography import alive_matrix

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def study_crs(p: SimParams) -> CRS:
    """Local Lambert azimuthal equal-area projection (metres, WGS84) centred on the study box.

    Parameters
    ----------
    p : SimParams
        The study box ``lat_min``, ``lat_max``, ``lon_min``, ``lon_max``.

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> from leogen.simulate.params import SimParams
    >>> study_crs(SimParams()).srs.split()[:3]
    ['+proj=laea', '+lat_0=43.3', '+lon_0=131.4']
    """
    lat0 = round(0.5 * (p.lat_min + p.lat_max), 6)
    lon0 = round(0.5 * (p.lon_min + p.lon_max), 6)
    return CRS.from_proj4(f"+proj=laea +lat_0={lat0:g} +lon_0={lon0:g} +x_0=0 +y_0=0 "
                          "+datum=WGS84 +units=m +no_defs")


class Projection:
    """Forward and inverse transforms between decimal degrees and the study's metres.

    Parameters
    ----------
    p : SimParams
        The study box (``study_crs``).

    Examples
    --------
    >>> from leogen.simulate.params import SimParams
    >>> pr = Projection(SimParams())
    >>> x, y = pr.to_xy(43.3, 131.4)
    >>> abs(float(x)) < 1e-6 and abs(float(y)) < 1e-6
    True
    >>> x, y = pr.to_xy(43.4, 131.4)
    >>> round(float(y) / 1000, 1)
    11.1
    """

    def __init__(self, p: SimParams):
        self.crs = study_crs(p)
        geo = CRS.from_epsg(4326)
        self._fwd = Transformer.from_crs(geo, self.crs, always_xy=True)
        self._inv = Transformer.from_crs(self.crs, geo, always_xy=True)

    def to_xy(self, lat, lon):
        """Metres (x east, y north) of decimal-degree coordinates.

        Parameters
        ----------
        lat, lon : float arrays (n,) or scalars

        Returns
        -------
        (x, y) : float arrays (n,)
        """
        return self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))

    def to_latlon(self, x, y):
        """Decimal degrees of projected coordinates.

        Parameters
        ----------
        x, y : float arrays (n,) or scalars
            Metres.

        Returns
        -------
        (lat, lon) : float arrays (n,)
        """
        lon, lat = self._inv.transform(np.asarray(x, float), np.asarray(y, float))
        return lat, lon


def box_outline(p: SimParams, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """The study box's boundary, densified: ``4 n`` (lat, lon) vertices, counter-clockwise.

    Parameters
    ----------
    p : SimParams
    n : int
        Vertices per side.

    Returns
    -------
    (lat, lon) : float arrays (4 n,)
    """
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    la0, la1, lo0, lo1 = p.lat_min, p.lat_max, p.lon_min, p.lon_max
    lat = np.concatenate([np.full(n, la0), la0 + t * (la1 - la0), np.full(n, la1),
                          la1 - t * (la1 - la0)])
    lon = np.concatenate([lo0 + t * (lo1 - lo0), np.full(n, lo1), lo1 - t * (lo1 - lo0),
                          np.full(n, lo0)])
    return lat, lon


def polygon_area(x, y) -> float:
    """Area of a simple polygon by the shoelace formula.

    Parameters
    ----------
    x, y : float arrays (n,)
        Vertices in order (not repeated at the end).

    Returns
    -------
    float
        Area in the squared unit of x, y.

    Examples
    --------
    >>> polygon_area(np.array([0.0, 2.0, 2.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    2.0
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def state_space(p: SimParams, proj: Projection | None = None) -> dict:
    """The state space: the projected study box's bounding rectangle widened by ``buffer_km``.

    Parameters
    ----------
    p : SimParams
        Study box and ``buffer_km``.
    proj : Projection, optional
        (default: ``Projection(p)``).

    Returns
    -------
    dict
        ``crs`` (PROJ string), ``xmin, xmax, ymin, ymax`` (metres), ``area_km2`` (the
        rectangle), ``study_box_km2`` (area of the lat/lon study box, exact on the
        equal-area projection up to the densified outline).
    """
    proj = proj or Projection(p)
    lat, lon = box_outline(p)
    x, y = proj.to_xy(lat, lon)
    b = 1000.0 * p.buffer_km
    xmin, xmax = float(x.min()) - b, float(x.max()) + b
    ymin, ymax = float(y.min()) - b, float(y.max()) + b
    return {"crs": proj.crs.srs, "xmin": xmin, "xmax": xmax, "ymin": ymin,
            "ymax": ymax, "area_km2": (xmax - xmin) * (ymax - ymin) / 1e6,
            "study_box_km2": polygon_area(x, y) / 1e6}


def reflect(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Fold values into [lo, hi] by reflection at the edges (any number of times).

    Parameters
    ----------
    v : float array (n,)
    lo, hi : float
        lo < hi.

    Returns
    -------
    float array (n,)

    Examples
    --------
    >>> reflect(np.array([-1.0, 0.5, 2.5, 4.5]), 0.0, 2.0).tolist()
    [1.0, 0.5, 1.5, 0.5]
    """
    w = hi - lo
    u = np.mod(np.asarray(v, float) - lo, 2.0 * w)
    return lo + np.where(u > w, 2.0 * w - u, u)


def activity_centres(ped: pd.DataFrame, p: SimParams, space: dict, seed) -> np.ndarray:
    """Activity centre of every animal (module docstring): founders uniform, offspring near
    their dam with sex-biased normal dispersal reflected into the state space.

    Parameters
    ----------
    ped : DataFrame (n_individuals rows, parents before offspring)
        Pedigree of ``simulate_pedigree`` (``dam``, ``sex``).
    p : SimParams
        ``dispersal_km_female``, ``dispersal_km_male``.
    space : dict
        ``state_space``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    float array (n_individuals, 2)
        x, y in metres on the study projection.
    """
    rng = np.random.default_rng(seed)
    n = len(ped)
    x0, x1, y0, y1 = space["xmin"], space["xmax"], space["ymin"], space["ymax"]
    uni = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    step = rng.normal(0.0, 1.0, (n, 2))
    sd = 1000.0 * np.where(ped["sex"].to_numpy() == "M", p.dispersal_km_male,
                           p.dispersal_km_female)
    row_of = pd.Series(np.arange(n), index=ped["individual_id"].to_numpy())
    dam = ped["dam"].to_numpy()
    has_dam = pd.notna(dam)
    dam_row = np.full(n, -1, dtype=np.int64)
    dam_row[has_dam] = row_of[dam[has_dam]].to_numpy()
    xy = uni.copy()
    # a dam is born in an earlier year than her offspring: settle cohort by cohort
    births = ped["birth_year"].to_numpy()
    for year in np.unique(births[has_dam]):
        k = np.flatnonzero(has_dam & (births == year))
        moved = xy[dam_row[k]] + sd[k, None] * step[k]
        xy[k, 0] = reflect(moved[:, 0], x0, x1)
        xy[k, 1] = reflect(moved[:, 1], y0, y1)
    return xy


def in_box(lat, lon, p: SimParams) -> np.ndarray:
    """Whether points lie in the study box (decimal degrees).

    Parameters
    ----------
    lat, lon : float arrays (n,)
    p : SimParams

    Returns
    -------
    bool array (n,)
    """
    lat, lon = np.asarray(lat), np.asarray(lon)
    return (lat >= p.lat_min) & (lat <= p.lat_max) & (lon >= p.lon_min) & (lon <= p.lon_max)


def density_truth(ped: pd.DataFrame, centres_latlon: tuple, p: SimParams, space: dict,
                  detected: np.ndarray) -> pd.DataFrame:
    """True numbers and density of animals of sampleable age per study year (truth/density.tsv).

    Parameters
    ----------
    ped : DataFrame (n_individuals rows)
    centres_latlon : (lat, lon) float arrays (n_individuals,)
        Activity centres in decimal degrees.
    p : SimParams
    space : dict
        ``state_space``.
    detected : dict of str to bool array (n_individuals, study_years)
        ``scat`` and ``camera``: detected (true animal) by that source in that year.

    Returns
    -------
    DataFrame (study_years rows)
        ``year, n_state_space, area_km2, density_per_km2, density_per_100km2, n_study_box,
        study_box_km2, density_study_box_per_km2, n_adults_state_space, n_detected_scat,
        n_detected_camera, n_detected``.
    """
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    alive = alive_matrix(ped, years)
    ok = alive & (age >= p.min_age_sampled)
    box = in_box(*centres_latlon, p)[:, None]
    n = ok.sum(axis=0)
    nbox = (ok & box).sum(axis=0)
    a, abox = space["area_km2"], space["study_box_km2"]
    scat, cam = detected["scat"], detected["camera"]
    return pd.DataFrame({
        "year": years, "n_state_space": n, "area_km2": a, "density_per_km2": n / a,
        "density_per_100km2": 100.0 * n / a, "n_study_box": nbox, "study_box_km2": abox,
        "density_study_box_per_km2": nbox / abox,
        "n_adults_state_space": (alive & (age >= p.adult_age)).sum(axis=0),
        "n_detected_scat": scat.sum(axis=0), "n_detected_camera": cam.sum(axis=0),
        "n_detected": (scat | cam).sum(axis=0)})
