"""Coordinate generalisation for a poaching-sensitive species."""

from __future__ import annotations

import math

import numpy as np
import pytest

from leogen.io import locations as loc


def test_snaps_to_cell_centre_by_hand():
    # 10 km: latitude band height 10 / 111.32 degrees
    dlat = 10 / 111.32
    lat, lon = 43.123456, 131.654321
    band = math.floor(lat / dlat)
    lat_c = (band + 0.5) * dlat
    dlon = 10 / (111.32 * math.cos(math.radians(lat_c)))
    lon_c = (math.floor((lon + 180) / dlon) + 0.5) * dlon - 180
    glat, glon = loc.generalise([lat], [lon], 10)
    assert glat[0] == round(lat_c, 2) and glon[0] == round(lon_c, 2)


def test_decimals_follow_the_grid():
    # rounding of half a last digit must stay under a tenth of the cell (10 km: 0.0898 deg)
    assert loc.decimals_for(10) == 2 and loc.decimals_for(1) == 3 and loc.decimals_for(100) == 1
    for km in (0.5, 1, 5, 10, 25, 100):
        assert 0.5 * 10 ** -loc.decimals_for(km) <= km / 111.32 / 10


def test_same_cell_same_centre_and_within_half_a_cell():
    rng = np.random.default_rng(1)
    lat = 42.5 + rng.random(2000) * 1.5
    lon = 130.5 + rng.random(2000) * 2.0
    glat, glon = loc.generalise(lat, lon, 10)
    # within half a cell (plus centre rounding) of the truth, in km
    dy = np.abs(glat - lat) * 111.32
    dx = np.abs(glon - lon) * 111.32 * np.cos(np.radians(glat))
    assert dy.max() <= 5.0 + 0.6 and dx.max() <= 5.0 + 0.6
    # generalisation, not jitter: far fewer distinct points, and deterministic
    assert len(set(zip(glat, glon, strict=True))) < 400
    g2 = loc.generalise(lat, lon, 10)
    np.testing.assert_array_equal(g2[0], glat)
    np.testing.assert_array_equal(g2[1], glon)
    # two points a few metres apart inside one cell share the centre
    a = loc.generalise([43.0001], [131.0001], 10)
    b = loc.generalise([43.0002], [131.0002], 10)
    assert (a[0][0], a[1][0]) == (b[0][0], b[1][0])


def test_coarser_grid_and_missing():
    glat, glon = loc.generalise([43.1, np.nan], [131.2, np.nan], 50)
    assert np.isnan(glat[1]) and np.isnan(glon[1])
    assert abs(glat[0] - 43.1) <= 25 / 111.32 + 1e-3
    with pytest.raises(ValueError, match="grid_km"):
        loc.generalise([1.0], [1.0], 0)


def test_wording():
    text = loc.data_generalizations(10)
    assert "generalised to the centre of a 10 km x 10 km grid cell" in text
    assert "not randomised" in text and str(loc.uncertainty_m(10)) in text
    assert loc.uncertainty_m(10) >= 7072      # half diagonal of a 10 km cell, plus rounding
    assert "Exact coordinates shown" in loc.data_generalizations(10, exact=True)
    assert "withheld" in loc.information_withheld()


def test_location_columns():
    out = loc.location_columns([43.123456], [131.654321], 10)
    assert out["latitude"][0] != 43.123456 and out["coordinate_uncertainty_m"][0] > 7000
    exact = loc.location_columns([43.123456], [131.654321], 10, exact=True)
    assert exact["latitude"][0] == 43.123456


def test_grid_has_a_floor():
    assert loc.MIN_GRID_KM == 1.0 and loc.check_grid(1.0) == 1.0
    for bad in (0.999, 0.000001, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            loc.location_columns([43.35993], [131.46824], bad)
    with pytest.raises(ValueError, match="floor"):
        loc.generalise([43.35993], [131.46824], 0.5)
    with pytest.raises(ValueError, match="floor"):
        loc.data_generalizations(0.000001)
    # exact locations bypass the grid and say so
    out = loc.location_columns([43.35993], [131.46824], 0.000001, exact=True)
    assert out["latitude"][0] == 43.35993
    assert "no generalisation grid" in loc.data_generalizations(0.000001, exact=True)


def test_wording_states_the_grid_actually_used():
    assert "25 km x 25 km" in loc.data_generalizations(25)
    assert "1 km x 1 km" in loc.data_generalizations(1)
