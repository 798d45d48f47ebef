"""Generalising the coordinates of a poaching-sensitive species before anything is shared.

GBIF "Current Best Practices for Generalizing Sensitive Species Occurrence Data" (Chapman
2020): generalise to a grid, never randomise or jitter (jittered points average back to the
truth and mislead analyses); state the generalisation in Darwin Core ``dataGeneralizations``,
raise ``coordinateUncertaintyInMeters`` and set ``coordinatePrecision``. Poaching-targeted big
cats belong in category 1 or 2 (0.1 degree ~ 10 km or coarser).

The grid here is in kilometres: latitude bands ``km / 111.32`` degrees high; within a band,
longitude cells ``km / (111.32 cos(band centre latitude))`` degrees wide, so cells are about
``km x km`` everywhere. A point is replaced by the centre of its cell, rounded to the
fewest decimals that keep the rounding under a tenth of a cell (:func:`decimals_for`: 2 for the
default 10 km grid), so a published coordinate never carries the exact one's finer digits; the
same point always maps to the same centre (deterministic).

The grid has a floor, :data:`MIN_GRID_KM` (1 km): a finer grid would publish coordinates
that locate a den or a kill site to a few hundred metres, i.e. exact ones behind a
"generalised" label. Below the floor :func:`check_grid` refuses; only an explicit request for
exact locations (authorised outputs, which then say so and are not world-readable) goes
below it.
"""

from __future__ import annotations

import math

import numpy as np

KM_PER_DEGREE = 111.32
DEFAULT_GRID_KM = 10.0
#: The finest grid (km) coordinates may be generalised to (see the module text).
MIN_GRID_KM = 1.0


def check_grid(grid_km: float) -> float:
    """The grid side if it may be used for shareable outputs, else ValueError.

    Parameters
    ----------
    grid_km : side of the generalisation grid in km.

    Returns
    -------
    float : ``grid_km``.

    Raises
    ------
    ValueError when ``grid_km`` is not a finite number >= :data:`MIN_GRID_KM`.

    Examples
    --------
    >>> check_grid(10)
    10
    >>> check_grid(0.001)
    Traceback (most recent call last):
    ...
    ValueError: grid_km 0.001 is finer than the 1 km floor for a poaching-sensitive species; use exact locations (authorised outputs only) to show exact coordinates
    """
    try:
        ok = math.isfinite(float(grid_km)) and float(grid_km) >= MIN_GRID_KM
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"grid_km {grid_km:g} is finer than the {MIN_GRID_KM:g} km floor for "
                         "a poaching-sensitive species; use exact locations (authorised "
                         "outputs only) to show exact coordinates" if isinstance(
                             grid_km, (int, float)) else f"grid_km {grid_km!r} is not a number")
    return grid_km


def decimals_for(grid_km: float) -> int:
    """Decimals of a published cell centre: the fewest whose rounding (half a unit of the last
    digit) stays under a tenth of the cell height: 2 for 10 km, 3 for 1 km.

    Parameters
    ----------
    grid_km : float
        Side of the generalisation grid in km.

    Returns
    -------
    int
        Number of decimals.
    """
    dlat = grid_km / KM_PER_DEGREE
    return max(0, math.ceil(-math.log10(dlat / 5)))


def generalise(lat, lon, grid_km: float = DEFAULT_GRID_KM) -> tuple[np.ndarray, np.ndarray]:
    """Snap coordinates to the centre of their ``grid_km`` x ``grid_km`` cell (NaN stays NaN).

    ``grid_km`` must be at least :data:`MIN_GRID_KM` (:func:`check_grid`).

    Parameters
    ----------
    lat, lon : float array-like (n,)
        Coordinates in decimal degrees.
    grid_km : float
        Side of the grid cell in km.

    Returns
    -------
    lat, lon : float array (n,)
        Cell centres.

    Raises
    ------
    ValueError
        When ``grid_km`` is not positive or finer than :data:`MIN_GRID_KM`.
    """
    if not (grid_km > 0):
        raise ValueError("grid_km must be > 0")
    check_grid(grid_km)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    dlat = grid_km / KM_PER_DEGREE
    lat_c = (np.floor(lat / dlat) + 0.5) * dlat
    lat_c = np.clip(lat_c, -90 + dlat / 2, 90 - dlat / 2)
    cos = np.maximum(np.cos(np.radians(lat_c)), 1e-6)
    dlon = np.minimum(grid_km / (KM_PER_DEGREE * cos), 360.0)
    lon_c = (np.floor((lon + 180.0) / dlon) + 0.5) * dlon - 180.0
    lon_c = np.clip(lon_c, -180.0, 180.0)
    d = decimals_for(grid_km)
    return np.round(lat_c, d), np.round(lon_c, d)


def uncertainty_m(grid_km: float = DEFAULT_GRID_KM) -> int:
    """Darwin Core ``coordinateUncertaintyInMeters`` of a published cell centre: the half
    diagonal plus the rounding of the centre, rounded up to the metre.

    Parameters
    ----------
    grid_km : float
        Side of the grid cell in km.

    Returns
    -------
    int
        Uncertainty in metres.
    """
    rounding = 0.5 * 10 ** -decimals_for(grid_km) * KM_PER_DEGREE * 1000 * math.sqrt(2)
    return int(math.ceil(grid_km * 1000 * math.sqrt(2) / 2 + rounding))


def data_generalizations(grid_km: float | None = DEFAULT_GRID_KM, exact: bool = False) -> str:
    """Darwin Core ``dataGeneralizations`` wording for every shareable output: the grid
    actually used, or that exact coordinates are shown.

    Parameters
    ----------
    grid_km : float or None
        Side of the grid cell in km (unused when ``exact``).
    exact : bool
        Exact coordinates are shown.

    Returns
    -------
    str
        The wording.

    Raises
    ------
    ValueError
        When not ``exact`` and ``grid_km`` is not allowed (:func:`check_grid`).
    """
    if exact:
        return ("Exact coordinates shown (exact_locations: true): no generalisation grid. "
                "This species is poaching-sensitive: do not share this output beyond "
                "authorised staff (files holding coordinates are readable by their owner "
                "only).")
    check_grid(grid_km)
    return (f"Coordinates generalised to the centre of a {grid_km:g} km x {grid_km:g} km grid "
            f"cell (coordinateUncertaintyInMeters {uncertainty_m(grid_km)}); exact locations "
            "withheld because the species is poaching-sensitive (GBIF best practice: "
            "generalised, not randomised).")


def information_withheld(exact: bool = False) -> str:
    """Darwin Core ``informationWithheld`` wording.

    Parameters
    ----------
    exact : bool
        Exact coordinates are shown.

    Returns
    -------
    str
        The wording; empty when ``exact``.
    """
    if exact:
        return ""
    return "Exact coordinates withheld; available from the data custodian on justified request."


def location_columns(lat, lon, grid_km: float = DEFAULT_GRID_KM,
                     exact: bool = False) -> dict[str, np.ndarray]:
    """``latitude, longitude, coordinate_uncertainty_m`` to publish: generalised unless exact.

    Parameters
    ----------
    lat, lon : float array-like (n,)
        Coordinates in decimal degrees.
    grid_km : float
        Side of the grid cell in km.
    exact : bool
        Publish exact coordinates (uncertainty NaN).

    Returns
    -------
    dict of str to float array (n,)
        The three columns.

    Raises
    ------
    ValueError
        When not ``exact`` and ``grid_km`` is not allowed (:func:`check_grid`).
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if exact:
        return {"latitude": lat, "longitude": lon,
                "coordinate_uncertainty_m": np.full(lat.shape, np.nan)}
    check_grid(grid_km)
    glat, glon = generalise(lat, lon, grid_km)
    unc = np.where(np.isnan(glat), np.nan, float(uncertainty_m(grid_km)))
    return {"latitude": glat, "longitude": glon, "coordinate_uncertainty_m": unc}
