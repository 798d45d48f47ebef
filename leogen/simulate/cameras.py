"""Camera traps: stations on the transect and photographs of the animals with readable coats.

Photographable animals are detected Poisson times per study year at stations chosen by the
same Gaussian home range as their scats; camera ids (``CT-01``, ...) are linked to the true
animals in ``truth/camera_aliases_true.tsv``. ``genetic_camera_aliases`` maps them to the
genetic ids that identification gives, so camera and genetic detections can be combined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.simulate.demography import alive_matrix
from leogen.simulate.sampling import site_weights

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def camera_stations(p: SimParams, seed) -> pd.DataFrame:
    """``n_camera_stations`` camera stations spread along the sampling transect.

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
    n = p.n_camera_stations
    t = (np.arange(n) + rng.uniform(0.3, 0.7, n)) / max(n, 1)
    off = rng.normal(0.0, 0.08, n)
    lat = np.clip(p.lat_min + (t + off) * (p.lat_max - p.lat_min), p.lat_min, p.lat_max)
    lon = np.clip(p.lon_min + (t - off) * (p.lon_max - p.lon_min), p.lon_min, p.lon_max)
    return pd.DataFrame({"station": [f"CAM{i + 1:02d}" for i in range(n)], "lat": lat,
                         "lon": lon})


def camera_detections(ped: pd.DataFrame, samples: pd.DataFrame, stations: pd.DataFrame,
                      p: SimParams, seed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Camera-trap detections of a subset of the animals.

    A share ``camera_fraction`` of the animals is photographable (coat pattern readable);
    each is photographed Poisson(``camera_rate``) times per study year in which it is alive
    and at least ``min_age_sampled`` old, at a station drawn by the Gaussian home-range
    weights (``home_range_sd_km``; ``leogen.simulate.sampling.site_weights``) around the
    mean position of its scats (or a random point on the transect if it left none), on a
    random day of the year within the sample sheet's date range (so detections fall inside
    the study period).

    Parameters
    ----------
    ped : DataFrame
        Pedigree of ``simulate_pedigree``.
    samples : DataFrame
        Samples of ``sample_animals`` (scat positions, date range).
    stations : DataFrame
        ``camera_stations``.
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
    rng = np.random.default_rng(seed)
    det_cols = ["date", "station", "individual_id", "lat", "lon"]
    empty = (pd.DataFrame(columns=det_cols), pd.DataFrame(columns=["camera_id", "individual_id"]))
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    eligible = alive_matrix(ped, years) & (age >= p.min_age_sampled)
    n = len(ped)
    photo = rng.random(n) < p.camera_fraction
    counts = rng.poisson(p.camera_rate * (eligible & photo[:, None]))
    if len(stations) == 0 or counts.sum() == 0:
        return empty
    ids = ped["individual_id"].to_numpy()
    leo = samples[samples["individual_id"].notna()]
    mean_xy = leo.groupby("individual_id")[["lat", "lon"]].mean()
    tt = rng.uniform(0.0, 1.0, n)
    centres = pd.DataFrame({"lat": p.lat_min + tt * (p.lat_max - p.lat_min),
                            "lon": p.lon_min + tt * (p.lon_max - p.lon_min)}, index=ids)
    have = centres.index.isin(mean_xy.index)
    centres.loc[have, ["lat", "lon"]] = mean_xy.loc[centres.index[have]].to_numpy()
    w = site_weights(centres.reset_index(drop=True), stations, p.home_range_sd_km)
    ind, yr = np.nonzero(counts)
    reps = counts[ind, yr]
    ind, yr = np.repeat(ind, reps), np.repeat(yr, reps)
    st = np.array([rng.choice(len(stations), p=w[i]) for i in ind], dtype=np.int64)
    dates = pd.to_datetime(samples["date"])
    lo_all, hi_all = dates.min(), dates.max()
    y = years[yr]
    lo = np.maximum(pd.to_datetime(pd.Series(y.astype(str)) + "-01-01").to_numpy(),
                    lo_all.to_datetime64())
    hi = np.minimum(pd.to_datetime(pd.Series(y.astype(str)) + "-12-31").to_numpy(),
                    hi_all.to_datetime64())
    span = ((hi - lo) / np.timedelta64(1, "D")).astype(np.int64) + 1
    day = np.floor(rng.random(ind.size) * np.maximum(span, 1)).astype(np.int64)
    day_dates = pd.Series(lo + day.astype("timedelta64[D]")).dt.strftime("%Y-%m-%d")
    det = pd.DataFrame({"date": day_dates.to_numpy(), "station": stations["station"].to_numpy()[st],
                        "true_id": ids[ind], "lat": stations["lat"].to_numpy()[st],
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
