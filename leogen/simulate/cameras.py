"""Camera traps: stations with operating dates, and photographs as spatial proximity
detections.

Stations are spread over the study box. Each operates from the first to the last date of the
sample sheet (the study period), except failures: in each study year a station fails with
probability ``camera_failure_prob``, from a random day for Uniform(``camera_failure_days_min``,
``camera_failure_days_max``) days (the input ``camera_stations.tsv``: one row per operating
period, ``station, lat, lon, start_date, end_date``). The occasions are calendar months; the
usage of a station in a month is the share of the month's days it operated. A photographable
animal (a share ``camera_fraction``; its coat pattern is read) alive and at least
``min_age_sampled`` old is photographed at a station in a month with probability
``1 - (1 - g)^usage``, g = ``g0_camera`` exp(-d^2 / 2 sigma^2) (the half-normal proximity
detector of spatial capture-recapture, Efford, Borchers & Byrom 2009), drawn by
``leogen.scr.simulate.draw_captures``; a detection is one photograph on a random day of that
month on which the station operated. Camera ids (``CT-01``, ...) are linked to the true
animals in ``truth/camera_aliases_true.tsv``; ``genetic_camera_aliases`` maps them to the
genetic ids that identification gives, so camera and genetic detections can be combined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.simulate.demography import alive_matrix
from leogen.simulate.sampling import jittered_grid

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def camera_stations(p: SimParams, seed) -> pd.DataFrame:
    """``n_camera_stations`` camera stations spread over the study box (a jittered grid,
    ``leogen.simulate.sampling.jittered_grid``, inset 10%).

    Parameters
    ----------
    p : SimParams
        ``n_camera_stations`` and the study box.
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (n_camera_stations rows)
        ``station`` (CAM01, ...), ``lat``, ``lon``.
    """
    rng = np.random.default_rng(seed)
    lat, lon = jittered_grid(p.n_camera_stations, p, rng, inset=0.1)
    return pd.DataFrame({"station": [f"CAM{i + 1:02d}" for i in range(p.n_camera_stations)],
                         "lat": lat, "lon": lon})


def camera_operation(stations: pd.DataFrame, period: tuple, p: SimParams,
                     seed) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Which stations operated on which days of the study period (module docstring).

    Parameters
    ----------
    stations : DataFrame (n_stations rows)
        ``camera_stations``.
    period : (str, str)
        First and last day (ISO dates) of the study period.
    p : SimParams
        ``camera_failure_prob``, ``camera_failure_days_min``, ``camera_failure_days_max``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    days : DatetimeIndex (n_days,)
        Every day of the period.
    operating : bool array (n_stations, n_days)
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(period[0], period[1], freq="D")
    k = len(stations)
    op = np.ones((k, days.size), dtype=bool)
    years = np.unique(np.asarray(days.year))
    fails = rng.random((k, years.size)) < p.camera_failure_prob
    start_u = rng.random((k, years.size))
    length = rng.integers(p.camera_failure_days_min, p.camera_failure_days_max + 1,
                          (k, years.size))
    yr = np.asarray(days.year)
    for j, y in enumerate(years):
        in_y = np.flatnonzero(yr == y)
        for s in np.flatnonzero(fails[:, j]):
            first = in_y[0] + int(start_u[s, j] * in_y.size)
            op[s, first:first + int(length[s, j])] = False
    return days, op


def operating_periods(stations: pd.DataFrame, days: pd.DatetimeIndex,
                      operating: np.ndarray) -> pd.DataFrame:
    """The ``camera_stations.tsv`` input: one row per uninterrupted operating period.

    Parameters
    ----------
    stations : DataFrame (n_stations rows)
        ``station, lat, lon``.
    days : DatetimeIndex (n_days,)
    operating : bool array (n_stations, n_days)

    Returns
    -------
    DataFrame
        ``station, lat, lon, start_date, end_date`` (ISO; both days included), by station and
        start date; a station that never operated has no row.

    Examples
    --------
    >>> st = pd.DataFrame({"station": ["C1"], "lat": [43.1], "lon": [131.2]})
    >>> d = pd.date_range("2020-01-01", periods=5)
    >>> operating_periods(st, d, np.array([[1, 1, 0, 1, 1]], bool))[["start_date",
    ...                                                                "end_date"]].values.tolist()
    [['2020-01-01', '2020-01-02'], ['2020-01-04', '2020-01-05']]
    """
    pad = np.zeros((operating.shape[0], 1), dtype=np.int8)
    edges = np.diff(np.hstack([pad, operating.astype(np.int8), pad]), axis=1)
    s_idx, start = np.nonzero(edges == 1)
    e_idx, stop = np.nonzero(edges == -1)
    iso = np.asarray(days.strftime("%Y-%m-%d"), dtype=object)
    return pd.DataFrame({"station": stations["station"].to_numpy()[s_idx],
                         "lat": stations["lat"].to_numpy()[s_idx],
                         "lon": stations["lon"].to_numpy()[s_idx],
                         "start_date": iso[start], "end_date": iso[stop - 1]})


def camera_detections(ped: pd.DataFrame, stations: pd.DataFrame, days: pd.DatetimeIndex,
                      operating: np.ndarray, centres_xy: np.ndarray,
                      stations_xy: np.ndarray, p: SimParams,
                      seed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Camera-trap photographs: monthly proximity detections (module docstring).

    Parameters
    ----------
    ped : DataFrame (n_individuals rows)
        Pedigree of ``simulate_pedigree``.
    stations : DataFrame (n_stations rows)
        ``camera_stations``.
    days, operating : DatetimeIndex (n_days,), bool array (n_stations, n_days)
        ``camera_operation``.
    centres_xy : float array (n_individuals, 2)
        Activity centres (metres).
    stations_xy : float array (n_stations, 2)
        Stations on the same projection.
    p : SimParams
    seed : int, SeedSequence or Generator

    Returns
    -------
    detections : DataFrame (one row per photograph)
        ``date, station, individual_id`` (camera id ``CT-01``, ... in order of first
        detection), ``lat, lon``: the camera_traps.tsv input.
    aliases : DataFrame (one row per photographed animal)
        ``camera_id, individual_id`` (the true animal id).
    """
    from leogen.scr.simulate import draw_captures

    rng = np.random.default_rng(seed)
    det_cols = ["date", "station", "individual_id", "lat", "lon"]
    empty = (pd.DataFrame(columns=det_cols), pd.DataFrame(columns=["camera_id", "individual_id"]))
    n = len(ped)
    photo = rng.random(n) < p.camera_fraction
    if len(stations) == 0 or days.size == 0:
        return empty
    month = np.asarray(days.year) * 12 + np.asarray(days.month) - 1
    months = np.unique(month)
    ndays = np.asarray(pd.DatetimeIndex([f"{m // 12}-{m % 12 + 1:02d}-01"
                                         for m in months]).days_in_month)
    # usage: share of each month's days on which the station operated
    op_days = np.stack([operating[:, month == m].sum(axis=1) for m in months], axis=1)
    usage = op_days / ndays[None, :]
    years = np.unique(months // 12)
    alive = alive_matrix(ped, years)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    eligible = alive & (age >= p.min_age_sampled) & photo[:, None]
    found = []
    for j, year in enumerate(years):
        year_seed = int(rng.integers(0, 2**63 - 1))
        rows = np.flatnonzero(eligible[:, j])
        cols = np.flatnonzero(months // 12 == year)
        if rows.size == 0:
            continue
        hits = np.asarray(draw_captures(centres_xy[rows], stations_xy, "proximity",
                                        p.g0_camera, p.sigma_m, usage[:, cols], year_seed))
        a, o, s = np.nonzero(hits)
        found.append(np.column_stack([rows[a], cols[o], s]))
    if not found or sum(len(f) for f in found) == 0:
        return empty
    ind, mo, st = np.concatenate(found).T
    # one photograph on a random operating day of the month
    u = rng.random(ind.size)
    date_idx = np.empty(ind.size, dtype=np.int64)
    for r in range(ind.size):
        ok = np.flatnonzero(operating[st[r]] & (month == months[mo[r]]))
        date_idx[r] = ok[int(u[r] * ok.size)]
    ids = ped["individual_id"].to_numpy()
    det = pd.DataFrame({"date": np.asarray(days[date_idx].strftime("%Y-%m-%d")),
                        "station": stations["station"].to_numpy()[st], "true_id": ids[ind],
                        "lat": stations["lat"].to_numpy()[st],
                        "lon": stations["lon"].to_numpy()[st]})
    det = det.sort_values(["date", "station", "true_id"], kind="stable").reset_index(drop=True)
    order = pd.unique(det["true_id"])
    width = max(2, len(str(order.size)))
    cam = {a: f"CT-{k + 1:0{width}d}" for k, a in enumerate(order)}
    det["individual_id"] = det["true_id"].map(cam)
    aliases = pd.DataFrame({"camera_id": [cam[a] for a in order], "individual_id": order})
    return det[det_cols], aliases


def genetic_camera_aliases(aliases_true: pd.DataFrame, samples_truth: pd.DataFrame,
                           sample_individual: pd.DataFrame) -> pd.DataFrame:
    """Alias table ``camera_id, individual_id`` with GENETIC ids, for the abundance stage's
    camera aliases on simulated data.

    Each true animal gets the genetic id most of its samples were assigned
    (``identify/sample_individual.tsv``; ties: the first id in sort order); camera ids of
    animals never identified genetically are left out (their camera rows must be dropped
    from the detection sheet, as the abundance stage rejects unknown ids).

    Parameters
    ----------
    aliases_true : DataFrame
        ``truth/camera_aliases_true.tsv``: ``camera_id, individual_id`` (true ids).
    samples_truth : DataFrame
        ``truth/samples_truth.tsv``: at least ``sample_id, individual_id`` (true ids).
    sample_individual : DataFrame
        ``identify/sample_individual.tsv``: ``sample_id, individual_id`` (genetic ids;
        empty or NA when unassigned).

    Returns
    -------
    DataFrame
        ``camera_id, individual_id`` (genetic id), camera ids in ``aliases_true`` order.

    Examples
    --------
    >>> al = pd.DataFrame({"camera_id": ["CT-01"], "individual_id": ["L001"]})
    >>> truth = pd.DataFrame({"sample_id": ["s1", "s2"], "individual_id": ["L001", "L001"]})
    >>> si = pd.DataFrame({"sample_id": ["s1", "s2"], "individual_id": ["LEO002", "LEO002"]})
    >>> genetic_camera_aliases(al, truth, si).to_dict("records")
    [{'camera_id': 'CT-01', 'individual_id': 'LEO002'}]
    """
    si = sample_individual[["sample_id", "individual_id"]].rename(
        columns={"individual_id": "genetic_id"})
    si = si[si["genetic_id"].notna() & ~si["genetic_id"].astype(str).isin(["", "NA"])]
    m = samples_truth[["sample_id", "individual_id"]].dropna().merge(si, on="sample_id")
    counts = m.groupby(["individual_id", "genetic_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["individual_id", "n", "genetic_id"],
                                ascending=[True, False, True], kind="stable")
    best = counts.drop_duplicates("individual_id").set_index("individual_id")["genetic_id"]
    out = aliases_true[["camera_id"]].assign(
        individual_id=aliases_true["individual_id"].map(best))
    return out.dropna().reset_index(drop=True)
