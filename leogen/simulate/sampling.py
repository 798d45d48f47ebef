"""Sampling: scat-search cells with dated visits and effort, scats as spatial count
detections, blood captures.

Scat-search cells (the sites, detectors) are spread over the study box on a jittered grid.
Each study year has ``visits_per_year`` search rounds, one per evenly spaced month (4: January,
April, July, October); in each round every cell is searched with probability ``p_visit`` on
a random day of that month, over ``effort_km`` ~ Uniform(``effort_km_min``,
``effort_km_max``) km (``search_effort.tsv``). An animal alive and at least
``min_age_sampled`` old leaves Poisson(lambda0_scat x effort_km x exp(-d^2 / 2 sigma^2))
found scats per cell and visit, d = distance from its activity centre to the cell (the
half-normal count detector of spatial capture-recapture with effort: Efford, Borchers & Byrom
2009 in Modeling Demographic Processes in Marked Populations p. 255; Efford, Dawson & Borchers
2009 J Agric Biol Environ Stat 14:520), drawn by the SCR stage's one implementation
``leogen.scr.simulate.draw_captures``; a scat's date is its visit's day. Optional
non-spatial heterogeneity (off by default): a share ``p_never_sampled`` never leaves a found
scat, and lambda0 varies between animals as Gamma(``scat_rate_shape``) when that is positive.
Other species' scats are found on the same visits. Captured animals give blood, again at
recaptures in later years.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.simulate.demography import age_class, alive_matrix
from leogen.simulate.params import OTHER_SPECIES, TARGET_SPECIES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def jittered_grid(n: int, p: SimParams, rng, inset: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points spread over the study box: a jittered grid (the usual SCR design, detectors
    about 2 sigma apart), rows of the grid south to north, points sorted by latitude band then
    longitude.

    The grid has ``ceil(sqrt(n))`` columns and as many rows as needed; when it has more cells
    than ``n`` a random subset is kept. Each point is its cell's centre plus a uniform jitter
    of up to 30% of the cell size, within the box shrunk by ``inset`` on every side.

    Parameters
    ----------
    n : int
        Number of points (0 allowed).
    p : SimParams
        The study box.
    rng : numpy Generator
    inset : float
        Share of the box left empty at each edge.

    Returns
    -------
    (lat, lon) : float arrays (n,)
    """
    if n == 0:
        return np.zeros(0), np.zeros(0)
    nx = int(np.ceil(np.sqrt(n)))
    ny = int(np.ceil(n / nx))
    keep = np.sort(rng.choice(nx * ny, n, replace=False))
    iy, ix = np.divmod(keep, nx)
    jit = rng.uniform(-0.3, 0.3, (n, 2))
    fy = inset + (1 - 2 * inset) * (iy + 0.5 + jit[:, 0]) / ny
    fx = inset + (1 - 2 * inset) * (ix + 0.5 + jit[:, 1]) / nx
    return (p.lat_min + fy * (p.lat_max - p.lat_min), p.lon_min + fx * (p.lon_max - p.lon_min))


def make_sites(p: SimParams, seed) -> pd.DataFrame:
    """Scat-search cells (sites) spread over the study box (``jittered_grid``).

    Parameters
    ----------
    p : SimParams
        ``n_sites`` and the study box ``lat_min``, ``lat_max``, ``lon_min``, ``lon_max``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (n_sites rows)
        ``site`` (S01, ...: the detector ids of ``search_effort.tsv``), ``lat``, ``lon``
        (decimal degrees, inside the box).
    """
    rng = np.random.default_rng(seed)
    lat, lon = jittered_grid(p.n_sites, p, rng)
    width = max(2, len(str(p.n_sites)))
    return pd.DataFrame({"site": [f"S{i + 1:0{width}d}" for i in range(p.n_sites)],
                         "lat": lat, "lon": lon})


def hn_weights(centres_xy: np.ndarray, detectors_xy: np.ndarray, sigma_m: float) -> np.ndarray:
    """Half-normal use of each detector by each animal, ``exp(-d^2 / (2 sigma^2))``.

    The bivariate normal home range of spatial capture-recapture (Efford 2004 Oikos
    106:598), unnormalised.

    Parameters
    ----------
    centres_xy : float array (n_animals, 2)
        Activity centres (metres).
    detectors_xy : float array (n_detectors, 2)
        Detector positions (metres).
    sigma_m : float
        Scale of the home range (``sigma_m``).

    Returns
    -------
    float array (n_animals, n_detectors)
        In (0, 1].

    Examples
    --------
    >>> hn_weights(np.zeros((1, 2)), np.array([[0.0, 0.0], [4000.0, 0.0]]), 4000.0).round(3)
    array([[1.   , 0.607]])
    """
    c = np.asarray(centres_xy, float)
    t = np.asarray(detectors_xy, float)
    d2 = ((c[:, None, :] - t[None, :, :]) ** 2).sum(axis=-1)
    return np.exp(-0.5 * d2 / sigma_m ** 2)


def visit_months(visits_per_year: int) -> np.ndarray:
    """Months (1-12) of the search rounds of a year: evenly spaced from January.

    Parameters
    ----------
    visits_per_year : int
        1 to 12.

    Returns
    -------
    int array (visits_per_year,)

    Examples
    --------
    >>> visit_months(4).tolist(), visit_months(6).tolist()
    ([1, 4, 7, 10], [1, 3, 5, 7, 9, 11])
    """
    return np.floor(np.arange(visits_per_year) * 12 / visits_per_year).astype(np.int64) + 1


def search_visits(sites: pd.DataFrame, p: SimParams, seed) -> pd.DataFrame:
    """Dated searches of the scat-search cells, with their effort (module docstring).

    Parameters
    ----------
    sites : DataFrame (n_sites rows)
        ``make_sites``.
    p : SimParams
        ``study_years``, ``end_year``, ``visits_per_year``, ``p_visit``, ``effort_km_min``,
        ``effort_km_max``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (one row per search, by date then cell)
        ``site_idx`` (row of ``sites``), ``year``, ``visit`` (0 .. visits_per_year - 1),
        ``date`` (ISO), ``effort_km`` (rounded to 0.01 km, as written).
    """
    rng = np.random.default_rng(seed)
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    months = visit_months(p.visits_per_year)
    k, ny, nv = len(sites), years.size, months.size
    searched = rng.random((ny, nv, k)) < p.p_visit
    day_u = rng.random((ny, nv, k))
    effort = np.round(rng.uniform(p.effort_km_min, p.effort_km_max, (ny, nv, k)), 2)
    yi, vi, ki = np.nonzero(searched)
    start = pd.to_datetime([f"{y}-{m:02d}-01" for y, m in zip(years[yi], months[vi],
                                                                 strict=True)])
    ndays = np.asarray(start.days_in_month)
    day = np.floor(day_u[yi, vi, ki] * ndays).astype(np.int64)
    dates = (start + pd.to_timedelta(day, unit="D")).strftime("%Y-%m-%d")
    out = pd.DataFrame({"site_idx": ki, "year": years[yi], "visit": vi, "date": dates,
                        "effort_km": np.maximum(effort[yi, vi, ki], 0.01)})
    return out.sort_values(["date", "site_idx"], kind="stable").reset_index(drop=True)


def usage_matrix(visits: pd.DataFrame, year: int, n_sites: int, n_visits: int) -> np.ndarray:
    """Effort (km) of every cell and search round of one year; 0 where not searched.

    Parameters
    ----------
    visits : DataFrame
        ``search_visits``.
    year : int
    n_sites, n_visits : int

    Returns
    -------
    float array (n_sites, n_visits)

    Examples
    --------
    >>> v = pd.DataFrame({"site_idx": [0, 1], "year": [2020, 2020], "visit": [1, 0],
    ...                   "date": ["2020-04-02", "2020-01-09"], "effort_km": [2.5, 3.0]})
    >>> usage_matrix(v, 2020, 2, 2).tolist()
    [[0.0, 2.5], [3.0, 0.0]]
    """
    u = np.zeros((n_sites, n_visits))
    v = visits[visits["year"] == year]
    u[v["site_idx"].to_numpy(), v["visit"].to_numpy()] = v["effort_km"].to_numpy()
    return u


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


def sample_animals(ped: pd.DataFrame, sites: pd.DataFrame, visits: pd.DataFrame,
                   centres_xy: np.ndarray, sites_xy: np.ndarray, p: SimParams,
                   seed) -> pd.DataFrame:
    """Scat and blood samples of the study window, with their truth (module docstring).

    Scats: per study year, the animals alive and at least ``min_age_sampled`` old are
    count-detected at the cells by ``leogen.scr.simulate.draw_captures`` (lambda0 =
    ``lambda0_scat`` per km searched, sigma = ``sigma_m``, usage = the year's effort in km
    per cell and round); each scat is dated on its visit's day. Other species' scats are
    added so that they make ``other_species_fraction`` of all scats, each on a random visit.
    ``n_captured`` animals alive at age >= 2 in the study window, drawn with probability
    proportional to their summed half-normal use of the cells (animals near the transect
    are caught), give blood at a first capture and, with probability ``p_recapture`` each
    time, at recaptures in later years, at a cell drawn by their use and on a random day.
    Coordinates are the cell's plus a small jitter (up to 0.004 degrees).

    Parameters
    ----------
    ped : DataFrame (n_individuals rows)
        Pedigree of ``simulate_pedigree``.
    sites : DataFrame (n_sites rows)
        ``make_sites``.
    visits : DataFrame
        ``search_visits``.
    centres_xy : float array (n_individuals, 2)
        Activity centres (metres; ``leogen.simulate.space.activity_centres``).
    sites_xy : float array (n_sites, 2)
        The cells projected the same way.
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
    from leogen.scr.simulate import draw_captures

    rng = np.random.default_rng(seed)
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    alive = alive_matrix(ped, years)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    eligible = alive & (age >= p.min_age_sampled)
    n, k, nv = len(ped), len(sites), p.visits_per_year
    lam0 = np.full(n, p.lambda0_scat)
    if p.scat_rate_shape > 0:
        lam0 = lam0 * rng.gamma(p.scat_rate_shape, 1.0 / p.scat_rate_shape, n)
    lam0[rng.random(n) < p.p_never_sampled] = 0.0
    vdate = {(int(y), int(v), int(s)): d for y, v, s, d in
             zip(visits["year"], visits["visit"], visits["site_idx"], visits["date"],
                 strict=True)}
    parts = []
    for j, year in enumerate(years):
        year_seed = int(rng.integers(0, 2**63 - 1))
        rows = np.flatnonzero(eligible[:, j])
        if rows.size == 0:
            continue
        usage = usage_matrix(visits, int(year), k, nv)
        counts = np.asarray(draw_captures(centres_xy[rows], sites_xy, "count", lam0[rows],
                                          p.sigma_m, usage, year_seed))
        a, v, s = np.nonzero(counts)
        reps = counts[a, v, s]
        a, v, s = np.repeat(a, reps), np.repeat(v, reps), np.repeat(s, reps)
        parts.append(pd.DataFrame({"ind": rows[a], "year": int(year), "site_idx": s,
                                   "date": [vdate[(int(year), int(vv), int(ss))]
                                            for vv, ss in zip(v, s, strict=True)]}))
    det = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame({"ind": [], "year": [], "site_idx": [], "date": []})
    ids = ped["individual_id"].to_numpy()
    m = len(det)
    scats = pd.DataFrame({
        "sample_type": ["scat"] * m, "year": det["year"].to_numpy(dtype=np.int64),
        "site_idx": det["site_idx"].to_numpy(dtype=np.int64),
        "individual_id": list(ids[det["ind"].to_numpy(dtype=np.int64)]),
        "species": [TARGET_SPECIES] * m, "sex": [""] * m, "age_class": [""] * m,
        "collector": list(rng.choice(["team_1", "team_2", "team_3"], m)),
        "date": det["date"].to_numpy(dtype=object)})
    # other species' scats found on the same searches
    n_other = int(round(p.other_species_fraction * m / (1 - p.other_species_fraction)))
    pick = rng.integers(0, len(visits), n_other) if len(visits) else np.zeros(0, np.int64)
    other = pd.DataFrame({
        "sample_type": ["scat"] * n_other,
        "year": visits["year"].to_numpy(dtype=np.int64)[pick],
        "site_idx": visits["site_idx"].to_numpy(dtype=np.int64)[pick],
        "individual_id": [None] * n_other,
        "species": list(rng.choice(OTHER_SPECIES, n_other)),
        "sex": [""] * n_other, "age_class": [""] * n_other,
        "collector": list(rng.choice(["team_1", "team_2", "team_3"], n_other)),
        "date": visits["date"].to_numpy(dtype=object)[pick]})
    # captures near the transect: blood at first capture and at recaptures in later years
    use = hn_weights(centres_xy, sites_xy, p.sigma_m)
    cap_ok = alive & (age >= 2)
    candidates = np.flatnonzero(cap_ok.any(axis=1))
    n_cap = min(p.n_captured, candidates.size)
    captured = []
    if n_cap:
        w = use[candidates].sum(axis=1) + 1e-12
        captured = np.sort(rng.choice(candidates, n_cap, replace=False, p=w / w.sum()))
    brows = []
    for i in captured:
        ys = np.flatnonzero(cap_ok[i])
        kk = int(rng.choice(ys))
        wi = use[i] + 1e-12
        while True:
            a = int(age[i, kk])
            site_i = int(rng.choice(k, p=wi / wi.sum()))
            brows.append({"sample_type": "blood", "year": int(years[kk]), "site_idx": site_i,
                          "individual_id": ids[i], "species": TARGET_SPECIES,
                          "sex": ped["sex"].iloc[i],
                          "age_class": str(age_class(np.array([a]), p.adult_age)[0]),
                          "collector": "vet_team"})
            later = ys[ys > kk]
            if later.size == 0 or rng.random() >= p.p_recapture:
                break
            kk = int(rng.choice(later))
    blood = pd.DataFrame(brows, columns=[c for c in scats.columns if c != "date"])
    blood["date"] = random_dates(rng, blood["year"].to_numpy())
    out = pd.concat([scats, other, blood], ignore_index=True)
    jit = rng.uniform(-0.004, 0.004, size=(len(out), 2))
    out["site"] = sites["site"].to_numpy()[out["site_idx"].to_numpy()]
    out["lat"] = sites["lat"].to_numpy()[out["site_idx"].to_numpy()] + jit[:, 0]
    out["lon"] = sites["lon"].to_numpy()[out["site_idx"].to_numpy()] + jit[:, 1]
    # ids in collection order
    out = out.sort_values(["sample_type", "date", "site", "individual_id"],
                          kind="stable", na_position="last").reset_index(drop=True)
    is_scat = (out["sample_type"] == "scat").to_numpy()
    sid = np.empty(len(out), dtype=object)
    sid[is_scat] = [f"SC{i + 1:04d}" for i in range(int(is_scat.sum()))]
    sid[~is_scat] = [f"BL{i + 1:03d}" for i in range(int((~is_scat).sum()))]
    out.insert(0, "sample_id", sid)
    return out.drop(columns=["site_idx"]).sort_values("sample_id").reset_index(drop=True)
