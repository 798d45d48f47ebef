"""Sampling: sites on a transect, home ranges, scats and blood captures with dates.

Scats are found at sites along a SW-NE transect, each animal using the sites by a Gaussian
home range around its centre (the half-normal detection model of spatial capture-recapture,
Efford 2004 Oikos 106:598); yearly scat counts are Poisson with a gamma-distributed
animal-specific rate; some animals are never found; other species' scats are picked up
too. Captured animals give blood, again at recaptures in later years.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.simulate.demography import age_class, alive_matrix
from leogen.simulate.params import OTHER_SPECIES, TARGET_SPECIES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def make_sites(p: SimParams, seed) -> pd.DataFrame:
    """Sampling sites along a SW-NE transect through the study box.

    Parameters
    ----------
    p : SimParams
        ``n_sites`` and the study box ``lat_min``, ``lat_max``, ``lon_min``, ``lon_max``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (n_sites rows)
        ``site`` (S01, ...), ``lat``, ``lon`` (decimal degrees, inside the box).
    """
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.05, 0.95, p.n_sites))
    lat = p.lat_min + t * (p.lat_max - p.lat_min)
    lon = p.lon_min + t * (p.lon_max - p.lon_min)
    off = rng.normal(0.0, 0.12, p.n_sites)  # perpendicular scatter, fraction of the box
    lat = np.clip(lat + off * (p.lat_max - p.lat_min) * 0.7, p.lat_min, p.lat_max)
    lon = np.clip(lon - off * (p.lon_max - p.lon_min) * 0.7, p.lon_min, p.lon_max)
    width = max(2, len(str(p.n_sites)))
    return pd.DataFrame({"site": [f"S{i + 1:0{width}d}" for i in range(p.n_sites)],
                         "lat": lat, "lon": lon})


def distance_km(lat1, lon1, lat2, lon2):
    """Approximate distance in km on a small study area (equirectangular projection).

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float arrays (broadcastable)
        Decimal degrees.

    Returns
    -------
    float array (broadcast shape)

    Examples
    --------
    >>> round(float(distance_km(43.0, 131.0, 43.1, 131.0)), 2)
    11.12
    """
    dy = (lat1 - lat2) * 111.2
    dx = (lon1 - lon2) * 111.2 * np.cos(np.radians(0.5 * (lat1 + lat2)))
    return np.hypot(dx, dy)


def site_weights(centres: pd.DataFrame, sites: pd.DataFrame, sd_km: float) -> np.ndarray:
    """Probability that an animal leaves a scat at each site: a Gaussian home range.

    Weight ``exp(-d^2 / (2 sd_km^2))`` of the distance d from the animal's centre to the
    site (a bivariate normal utilisation distribution, the half-normal detection function
    of spatial capture-recapture: Efford 2004 Oikos 106:598), normalised over the sites.

    Parameters
    ----------
    centres : DataFrame (n_animals rows)
        ``lat``, ``lon`` of each home-range centre.
    sites : DataFrame (n_sites rows)
        ``lat``, ``lon`` of each site.
    sd_km : float
        Home-range scale (``home_range_sd_km``).

    Returns
    -------
    float array (n_animals, n_sites)
        Rows sum to 1.

    Examples
    --------
    >>> pts = pd.DataFrame({"lat": [43.0, 43.1], "lon": [131.0, 131.0]})
    >>> site_weights(pts.iloc[:1], pts, 6.0).round(3)
    array([[0.848, 0.152]])
    """
    d = distance_km(centres["lat"].to_numpy()[:, None], centres["lon"].to_numpy()[:, None],
            sites["lat"].to_numpy()[None, :], sites["lon"].to_numpy()[None, :])
    w = np.exp(-0.5 * (d / sd_km) ** 2) + 1e-12
    return w / w.sum(axis=1, keepdims=True)


def random_dates(rng, years) -> list[str]:
    """A uniformly random day of each given year, as ISO dates.

    Parameters
    ----------
    rng : numpy Generator
    years : int array (n,)

    Returns
    -------
    list of str, length n
        ``YYYY-MM-DD``.
    """
    years = np.asarray(years)
    start = pd.to_datetime(pd.Series(years.astype(str)) + "-01-01")
    leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
    days = np.floor(rng.random(len(years)) * np.where(leap, 366, 365)).astype(int)
    dates = start + pd.to_timedelta(days, unit="D")
    return list(dates.dt.strftime("%Y-%m-%d"))


def sample_animals(ped: pd.DataFrame, sites: pd.DataFrame, p: SimParams, seed) -> pd.DataFrame:
    """Scat and blood samples of the study window, with their truth.

    Each animal has a home-range centre near the transect and a scat rate
    ``scat_rate * Gamma(scat_rate_shape, 1 / scat_rate_shape)`` (0 for a share
    ``p_never_sampled``); it leaves Poisson(rate) scats in every study year in which it is
    alive and at least ``min_age_sampled`` old, each at a site drawn by ``site_weights``.
    Other species' scats are added so that they make ``other_species_fraction`` of all
    scats. ``n_captured`` animals (alive at age >= 2 in the study window) give blood at a
    first capture and, with probability ``p_recapture`` each time, at recaptures in later
    years. Dates are random days of the year; coordinates are the site's plus a small
    jitter.

    Parameters
    ----------
    ped : DataFrame
        Pedigree of ``simulate_pedigree``.
    sites : DataFrame
        Sites of ``make_sites``.
    p : SimParams
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (one row per sample, sorted by sample_id)
        ``sample_id`` (SC0001... scats, BL001... blood, in collection order),
        ``sample_type`` (scat/blood), ``year``, ``individual_id`` (None for other species),
        ``species``, ``sex``, ``age_class`` (blood only), ``collector``, ``date``, ``site``,
        ``lat``, ``lon``.
    """
    rng = np.random.default_rng(seed)
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    alive = alive_matrix(ped, years)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    eligible = alive & (age >= p.min_age_sampled)
    n = len(ped)
    # home-range centres near the transect
    t = rng.uniform(0.0, 1.0, n)
    off = rng.normal(0.0, 0.15, n)
    centres = pd.DataFrame({
        "lat": np.clip(p.lat_min + t * (p.lat_max - p.lat_min) + off * (p.lat_max - p.lat_min),
                       p.lat_min, p.lat_max),
        "lon": np.clip(p.lon_min + t * (p.lon_max - p.lon_min) - off * (p.lon_max - p.lon_min),
                       p.lon_min, p.lon_max)})
    w = site_weights(centres, sites, p.home_range_sd_km)
    rate = p.scat_rate * rng.gamma(p.scat_rate_shape, 1.0 / p.scat_rate_shape, n)
    rate[rng.random(n) < p.p_never_sampled] = 0.0
    counts = rng.poisson(rate[:, None] * eligible)
    ind, yr = np.nonzero(counts)
    reps = counts[ind, yr]
    ind, yr = np.repeat(ind, reps), np.repeat(yr, reps)
    site_idx = np.array([rng.choice(len(sites), p=w[i]) for i in ind], dtype=np.int64)
    ids = ped["individual_id"].to_numpy()
    rows = {
        "sample_type": ["scat"] * ind.size,
        "year": years[yr],
        "site_idx": site_idx,
        "individual_id": list(ids[ind]),
        "species": [TARGET_SPECIES] * ind.size,
        "sex": [""] * ind.size,
        "age_class": [""] * ind.size,
        "collector": list(rng.choice(["team_1", "team_2", "team_3"], ind.size)),
    }
    scats = pd.DataFrame(rows)
    # other species' scats picked up on the same transects
    n_other = int(round(p.other_species_fraction * ind.size / (1 - p.other_species_fraction)))
    other = pd.DataFrame({
        "sample_type": ["scat"] * n_other,
        "year": rng.choice(years, n_other),
        "site_idx": rng.integers(0, len(sites), n_other),
        "individual_id": [None] * n_other,
        "species": list(rng.choice(OTHER_SPECIES, n_other)),
        "sex": [""] * n_other,
        "age_class": [""] * n_other,
        "collector": list(rng.choice(["team_1", "team_2", "team_3"], n_other)),
    })
    # captures: blood at first capture and at recaptures in later years
    cap_ok = alive & (age >= 2)
    candidates = np.flatnonzero(cap_ok.any(axis=1))
    n_cap = min(p.n_captured, candidates.size)
    captured = np.sort(rng.choice(candidates, n_cap, replace=False)) if n_cap else []
    brows = []
    for i in captured:
        ys = np.flatnonzero(cap_ok[i])
        k = int(rng.choice(ys))
        while True:
            a = int(age[i, k])
            site_i = int(rng.choice(len(sites), p=w[i]))
            brows.append({"sample_type": "blood", "year": int(years[k]), "site_idx": site_i,
                          "individual_id": ids[i], "species": TARGET_SPECIES,
                          "sex": ped["sex"].iloc[i],
                          "age_class": str(age_class(np.array([a]), p.adult_age)[0]),
                          "collector": "vet_team"})
            later = ys[ys > k]
            if later.size == 0 or rng.random() >= p.p_recapture:
                break
            k = int(rng.choice(later))
    blood = pd.DataFrame(brows, columns=list(rows))
    out = pd.concat([scats, other, blood], ignore_index=True)
    out["date"] = random_dates(rng, out["year"].to_numpy())
    jit = rng.uniform(-0.004, 0.004, size=(len(out), 2))
    out["site"] = sites["site"].to_numpy()[out["site_idx"].to_numpy()]
    out["lat"] = sites["lat"].to_numpy()[out["site_idx"].to_numpy()] + jit[:, 0]
    out["lon"] = sites["lon"].to_numpy()[out["site_idx"].to_numpy()] + jit[:, 1]
    # ids in collection order
    out = out.sort_values(["sample_type", "date", "site", "individual_id"],
                          kind="stable", na_position="last").reset_index(drop=True)
    is_scat = (out["sample_type"] == "scat").to_numpy()
    sid = np.empty(len(out), dtype=object)
    sid[is_scat] = [f"SC{k + 1:04d}" for k in range(int(is_scat.sum()))]
    sid[~is_scat] = [f"BL{k + 1:03d}" for k in range(int((~is_scat).sum()))]
    out.insert(0, "sample_id", sid)
    return out.drop(columns=["site_idx"]).sort_values("sample_id").reset_index(drop=True)
