"""Projection of geographic coordinates to metres for SECR.

A local Lambert azimuthal equal-area projection (pyproj, WGS84) centred on the data: areas
(and so densities) are exact, distances within a study area of a few hundred km are distorted
by well under 1%. The CRS string is written beside the outputs (``projection.txt``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leogen.errors import ErrorCollector, InputError

#: Largest distance (km) from the projection centre accepted for a local equal-area projection.
MAX_RADIUS_KM = 1500.0


@dataclass
class Projection:
    """A local LAEA projection.

    Attributes
    ----------
    lat0, lon0 : float
        Centre (degrees).
    """

    lat0: float
    lon0: float

    @property
    def crs(self) -> str:
        """PROJ string of the projection."""
        return (f"+proj=laea +lat_0={self.lat0:.6f} +lon_0={self.lon0:.6f} +x_0=0 +y_0=0 "
                "+datum=WGS84 +units=m +no_defs")

    def forward(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat (degrees) to x/y (metres).

        Parameters
        ----------
        lon, lat : float arrays (n,)

        Returns
        -------
        x, y : float arrays (n,)
        """
        from pyproj import Transformer
        t = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def inverse(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """x/y (metres) to lon/lat (degrees).

        Parameters
        ----------
        x, y : float arrays (n,)

        Returns
        -------
        lon, lat : float arrays (n,)
        """
        from pyproj import Transformer
        t = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = t.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def parse_coordinates(lat_cells, lon_cells, path, lines) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from lat/lon cells, checked to be degrees.

    Parameters
    ----------
    lat_cells, lon_cells : sequences (n,) of str
    path : str or Path
        The file, for messages.
    lines : sequence (n,) of int
        Line of each row.

    Returns
    -------
    lat, lon : float arrays (n,)

    Raises
    ------
    InputError
        Every empty, non-numeric or out-of-range (|lat| > 90, |lon| > 180) cell, with file,
        line and column.
    """
    errors = ErrorCollector()
    out = []
    for col, cells, lim in (("lat", lat_cells, 90.0), ("lon", lon_cells, 180.0)):
        vals = np.full(len(cells), np.nan)
        for j, (c, line) in enumerate(zip(cells, lines, strict=True)):
            c = str(c).strip()
            if c == "" or c.upper() in ("NA", "NAN"):
                errors.add(f"{col} is empty (coordinates are needed)", path, int(line), col)
                continue
            try:
                v = float(c)
            except ValueError:
                errors.add(f"{col} '{c}' is not a number", path, int(line), col)
                continue
            if not np.isfinite(v) or abs(v) > lim:
                errors.add(f"{col} {c} is outside -{lim:g} to {lim:g} degrees", path,
                           int(line), col)
                continue
            vals[j] = v
        out.append(vals)
    errors.raise_if_any()
    return out[0], out[1]


def local_projection(lat, lon) -> Projection:
    """LAEA centred on the mean of the points (longitudes averaged on the circle).

    Parameters
    ----------
    lat, lon : float arrays (n,), degrees

    Returns
    -------
    Projection

    Examples
    --------
    >>> p = local_projection(np.array([43.0, 44.0]), np.array([131.0, 132.0]))
    >>> round(p.lat0, 3), round(p.lon0, 3)
    (43.5, 131.5)
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.radians(np.asarray(lon, dtype=float))
    lon0 = float(np.degrees(np.arctan2(np.sin(lon).mean(), np.cos(lon).mean())))
    return Projection(float(lat.mean()), lon0)


def check_in_area(proj: Projection, lat, lon, path, lines) -> None:
    """Error for points too far from the projection centre for a local projection.

    Parameters
    ----------
    proj : Projection
    lat, lon : float arrays (n,)
    path : str or Path
    lines : sequence (n,) of int

    Raises
    ------
    InputError
        The first point farther than :data:`MAX_RADIUS_KM` (great-circle) from the centre,
        naming file, line and column ``lat``.
    """
    la, lo = np.radians(lat), np.radians(lon)
    la0, lo0 = np.radians(proj.lat0), np.radians(proj.lon0)
    c = np.sin(la) * np.sin(la0) + np.cos(la) * np.cos(la0) * np.cos(lo - lo0)
    dist = 6371.0 * np.arccos(np.clip(c, -1, 1))
    far = np.flatnonzero(dist > MAX_RADIUS_KM)
    if len(far):
        j = far[0]
        raise InputError(f"lat {lat[j]:.5f} lon {lon[j]:.5f} is {dist[j]:.0f} km from the "
                         f"centre of the study ({proj.lat0:.4f}, {proj.lon0:.4f}); the local "
                         f"equal-area projection is valid within {MAX_RADIUS_KM:.0f} km "
                         "(a swapped lat/lon or a mistyped coordinate?)", path,
                         int(lines[j]), "lat")
