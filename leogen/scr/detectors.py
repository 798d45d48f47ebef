"""Detectors and detections of the pipeline, as SECR sessions.

Inputs
------
* camera stations ``station, lat, lon[, start_date, end_date]`` (``camera_stations.tsv``):
  one row per operating period (a station may have several rows); without dates a station
  operates throughout the study (the first to the last date of the camera-trap sheet and the
  search effort). Usage of a station in an occasion is the share of the occasion's days on
  which it operated (0 = not operating): a proximity detector with ``g0`` per occasion of
  full operation, ``p = 1 - (1 - g)^usage``.
* scat-search effort ``detector_id, lat, lon, date, effort_km`` (``search_effort.tsv``): one
  row per search of a cell or segment on a date; the usage of a cell in an occasion is the km
  searched in it - a count detector (Poisson scats, mean ``lambda0 effort exp(-d^2/2 s^2)``).
  A scat sample's ``site`` (sample sheet) is the ``detector_id`` of the cell it was found in.
* genetic detections: ``identify/sample_individual.tsv`` (read with
  :func:`leogen.identify.outputs.read_sample_individual`) joined to the sample sheet
  (:func:`leogen.monitoring.captures.genetic_detections`); only samples of type ``scat`` (or
  every sample when the sheet has no ``sample_type``) are detections of the search cells.
* camera detections: the camera-trap sheet (:func:`leogen.monitoring.captures.read_camera_traps`)
  with the alias table camera id -> genetic id (:func:`leogen.monitoring.captures.read_aliases`).

Sessions are calendar years (closed periods); occasions within a year come from
:func:`leogen.monitoring.occasions.occasion_labels` (month, season or year). When camera and
genetic ids are linked (an alias table, or camera ids that are genetic ids) each year is one
session with both detector sets (one activity centre per animal, ``g0`` for cameras and
``lambda0`` for scat cells, shared ``sigma``); otherwise camera and scat data of a year are two
sessions sharing the year's density and ``sigma``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.io.tables import read_delimited
from leogen.monitoring.occasions import occasion_labels
from leogen.scr import geo
from leogen.scr.likelihood import DetectorSet

#: Occasion kinds SCR accepts (``session`` labels need a session column: not supported).
SCR_OCCASIONS = ("month", "season", "year")


def _dates(cells, path, lines, column, errors, allow_empty=False):
    out = []
    for c, line in zip(cells, lines, strict=True):
        c = str(c).strip()
        if c == "" or c in ("NA", "na"):
            if not allow_empty:
                errors.add(f"{column} is empty (expected YYYY-MM-DD)", path, int(line), column)
            out.append(pd.NaT)
            continue
        try:
            out.append(pd.Timestamp(dt_strict(c)))
        except ValueError:
            errors.add(f"{column} '{c}' is not a date (expected YYYY-MM-DD)", path, int(line),
                       column)
            out.append(pd.NaT)
    return pd.to_datetime(pd.Series(out, dtype="datetime64[ns]"))


def dt_strict(text: str):
    """A ``YYYY-MM-DD`` date (other layouts are errors).

    Parameters
    ----------
    text : str

    Returns
    -------
    datetime.date

    Raises
    ------
    ValueError
        Not an ISO date.

    Examples
    --------
    >>> dt_strict("2020-02-29")
    datetime.date(2020, 2, 29)
    """
    import datetime as dt
    return dt.date.fromisoformat(text)


def read_stations(path) -> pd.DataFrame:
    """Camera stations (module docstring).

    Parameters
    ----------
    path : str or Path
        TSV/CSV ``station, lat, lon[, start_date, end_date]``.

    Returns
    -------
    DataFrame (n_rows, 6)
        ``station, lat, lon, start_date, end_date, _line`` (dates NaT when not given).

    Raises
    ------
    InputError
        All collected with file, line and column: an empty station, missing or bad
        coordinates, bad dates, an end before the start, only one of the two dates.
    """
    df = read_delimited(path, ["station", "lat", "lon"])
    errors = ErrorCollector()
    lines = df["_line"].to_numpy()
    for st, line in zip(df["station"], lines, strict=True):
        if st == "":
            errors.add("station is empty", path, int(line), "station")
    try:
        lat, lon = geo.parse_coordinates(df["lat"], df["lon"], path, lines)
    except InputError as e:
        errors.extend([e])
        lat = lon = np.full(len(df), np.nan)
    has_dates = "start_date" in df and "end_date" in df
    if ("start_date" in df) != ("end_date" in df):
        errors.add("give both start_date and end_date columns, or neither", path, None,
                   "start_date" if "start_date" not in df else "end_date")
    start = end = pd.Series(pd.NaT, index=range(len(df)), dtype="datetime64[ns]")
    if has_dates:
        start = _dates(df["start_date"], path, lines, "start_date", errors)
        end = _dates(df["end_date"], path, lines, "end_date", errors)
        bad = (end < start).to_numpy()
        for line in lines[bad]:
            errors.add("end_date is before start_date", path, int(line), "end_date")
    errors.raise_if_any()
    return pd.DataFrame({"station": df["station"].to_numpy(), "lat": lat, "lon": lon,
                         "start_date": start.to_numpy(), "end_date": end.to_numpy(),
                         "_line": lines})


def read_search_effort(path) -> pd.DataFrame:
    """Scat-search effort (module docstring).

    Parameters
    ----------
    path : str or Path
        TSV/CSV ``detector_id, lat, lon, date, effort_km``.

    Returns
    -------
    DataFrame (n_rows, 6)
        ``detector_id, lat, lon, date, effort_km, _line``.

    Raises
    ------
    InputError
        All collected with file, line and column: an empty id, missing or bad coordinates,
        a bad date, an effort that is not a positive number.
    """
    df = read_delimited(path, ["detector_id", "lat", "lon", "date", "effort_km"])
    errors = ErrorCollector()
    lines = df["_line"].to_numpy()
    for d, line in zip(df["detector_id"], lines, strict=True):
        if d == "":
            errors.add("detector_id is empty", path, int(line), "detector_id")
    try:
        lat, lon = geo.parse_coordinates(df["lat"], df["lon"], path, lines)
    except InputError as e:
        errors.extend([e])
        lat = lon = np.full(len(df), np.nan)
    date = _dates(df["date"], path, lines, "date", errors)
    eff = np.full(len(df), np.nan)
    for j, (c, line) in enumerate(zip(df["effort_km"], lines, strict=True)):
        try:
            v = float(c)
        except ValueError:
            v = np.nan
        if not (np.isfinite(v) and v > 0):
            errors.add(f"effort_km '{c}' is not a positive number", path, int(line),
                       "effort_km")
        eff[j] = v
    errors.raise_if_any()
    return pd.DataFrame({"detector_id": df["detector_id"].to_numpy(), "lat": lat, "lon": lon,
                         "date": date.to_numpy(), "effort_km": eff, "_line": lines})


@dataclass
class YearData:
    """One year's detector sets before they become sessions.

    Attributes
    ----------
    year : int
    occasions : list of str (S,)
    animals : list of str
    sets : dict of str to DetectorSet (``camera``, ``scat``)
    set_ids : dict of str to list of str (detector ids of each set)
    """

    year: int
    occasions: list
    animals: list
    sets: dict = field(default_factory=dict)
    set_ids: dict = field(default_factory=dict)


@dataclass
class PipelineData:
    """Detectors and detections of the pipeline, projected.

    Attributes
    ----------
    projection : geo.Projection
    years : list of YearData
    linked : bool
        Camera and genetic ids are the same animals (one session per year).
    detector_xy : float array (K_all, 2)
        Every detector of every year (for the mask).
    detector_ids : list of str (K_all,)
    notes : list of str
    """

    projection: geo.Projection
    years: list
    linked: bool
    detector_xy: np.ndarray
    detector_ids: list
    notes: list = field(default_factory=list)


def _xy_by_id(ids, lat, lon, proj):
    first = pd.DataFrame({"id": ids, "lat": lat, "lon": lon}).drop_duplicates("id")
    x, y = proj.forward(first["lon"].to_numpy(), first["lat"].to_numpy())
    return {i: (a, b) for i, a, b in zip(first["id"], x, y, strict=True)}


def build(stations_path=None, effort_path=None, samples_path=None,
          sample_individual_path=None, camera_path=None, aliases_path=None,
          occasion: str = "month") -> PipelineData:
    """Read the pipeline inputs and build per-year detector sets (module docstring).

    Parameters
    ----------
    stations_path : str or Path, optional
        Camera stations; needed with ``camera_path``.
    effort_path : str or Path, optional
        Search effort; needed with ``sample_individual_path``.
    samples_path, sample_individual_path : str or Path, optional
        The sample sheet and ``identify/sample_individual.tsv``.
    camera_path, aliases_path : str or Path, optional
        Camera-trap sheet and alias table.
    occasion : {'month', 'season', 'year'}

    Returns
    -------
    PipelineData

    Raises
    ------
    InputError
        Missing companions (e.g. detections without detectors), a camera detection at a
        station not in the stations file or on a day it did not operate, a scat sample at a
        site that is no search cell or in an occasion without effort there, coordinates
        outside the projection's valid area; each with file, line and column.
    """
    from leogen.identify.outputs import read_sample_individual
    from leogen.io.sheets import read_samples
    from leogen.monitoring.captures import genetic_detections, read_aliases, read_camera_traps

    if occasion not in SCR_OCCASIONS:
        raise InputError(f"occasion must be one of {', '.join(SCR_OCCASIONS)} for SCR")
    if camera_path is not None and stations_path is None:
        raise InputError("camera-trap detections need the camera stations file (station, "
                         "lat, lon[, start_date, end_date])", camera_path)
    if sample_individual_path is not None and (effort_path is None or samples_path is None):
        raise InputError("genetic detections need the sample sheet and the search-effort "
                         "file (detector_id, lat, lon, date, effort_km)",
                         sample_individual_path)
    if camera_path is None and sample_individual_path is None:
        raise InputError("no detections: give camera-trap detections and/or identified "
                         "samples")
    notes = []
    stations = read_stations(stations_path) if camera_path is not None else None
    effort = read_search_effort(effort_path) if sample_individual_path is not None else None
    # one projection for everything
    lat = np.concatenate([d["lat"].to_numpy() for d in (stations, effort) if d is not None])
    lon = np.concatenate([d["lon"].to_numpy() for d in (stations, effort) if d is not None])
    proj = geo.local_projection(lat, lon)
    for d, p in ((stations, stations_path), (effort, effort_path)):
        if d is not None:
            geo.check_in_area(proj, d["lat"].to_numpy(), d["lon"].to_numpy(), p,
                              d["_line"].to_numpy())
    errors = ErrorCollector()
    gen = None
    if sample_individual_path is not None:
        samples = read_samples(samples_path)
        si = read_sample_individual(sample_individual_path)
        gen = genetic_detections(si, samples, sample_individual_path)
        # every identified animal (also one known only from blood) can carry a camera alias
        identified = set(gen["individual_id"])
        sheet = samples.set_index("sample_id")
        gen["_line"] = sheet.loc[gen["sample_id"], "_line"].to_numpy()
        if "sample_type" in sheet:
            types = sheet.loc[gen["sample_id"], "sample_type"].astype(str).to_numpy()
            other = types != "scat"
            if other.any():
                notes.append(f"{int(other.sum())} identified non-scat samples (e.g. blood) are "
                             "not detections of the search cells and were left out")
            gen = gen.loc[~other].reset_index(drop=True)
        cells = set(effort["detector_id"])
        unknown = ~gen["site"].isin(cells).to_numpy()
        for site, line in zip(gen["site"][unknown], gen["_line"][unknown], strict=True):
            errors.add(f"site '{site}' is not a detector_id of the search-effort file",
                       samples_path, int(line), "site")
    cam = None
    if camera_path is not None:
        aliases = read_aliases(aliases_path) if aliases_path is not None else {}
        genetic_ids = identified if gen is not None else set()
        raw = read_delimited(camera_path, ["individual_id"])["individual_id"]
        known = genetic_ids | {c for c in raw if c not in aliases}
        cam = read_camera_traps(camera_path, known, aliases)
        known_st = set(stations["station"])
        unknown = ~cam["station"].isin(known_st).to_numpy()
        for st, line in zip(cam["station"][unknown], cam["_line"][unknown], strict=True):
            errors.add(f"station '{st}' is not in the camera stations file", camera_path,
                       int(line), "station")
    elif aliases_path is not None:
        raise InputError("an alias table is given without camera-trap detections",
                         aliases_path)
    errors.raise_if_any()
    linked = cam is not None and gen is not None and (
        aliases_path is not None or bool(set(cam["individual_id"]) & set(gen["individual_id"])))
    # the study period: all dates of detections and effort
    all_dates = [pd.to_datetime(d) for d in
                 ([cam["date"]] if cam is not None else [])
                 + ([effort["date"], gen["date"]] if gen is not None else [])]
    dates = pd.concat(all_dates, ignore_index=True)
    study = (dates.min().normalize(), dates.max().normalize())
    years = sorted(set(dates.dt.year.astype(int)))
    # camera operation: stations x days
    cam_xy = eff_xy = {}
    if cam is not None:
        cam_xy = _xy_by_id(stations["station"], stations["lat"], stations["lon"], proj)
        st_ids = list(cam_xy)
        first = min(study[0], stations["start_date"].min()) if stations["start_date"].notna(
        ).any() else study[0]
        last = max(study[1], stations["end_date"].max()) if stations["end_date"].notna(
        ).any() else study[1]
        days = pd.date_range(first, last, freq="D")
        start = stations["start_date"].fillna(study[0]).to_numpy()
        end = stations["end_date"].fillna(study[1]).to_numpy()
        d = days.to_numpy()
        rows_on = (d[None, :] >= start[:, None]) & (d[None, :] <= end[:, None])
        sidx = pd.Index(st_ids).get_indexer(stations["station"])
        operating = np.zeros((len(st_ids), len(days)), dtype=bool)
        np.logical_or.at(operating, sidx, rows_on)
        di = days.get_indexer(pd.to_datetime(cam["date"]).dt.normalize())
        ki = pd.Index(st_ids).get_indexer(cam["station"])
        off = (di < 0) | ~operating[ki, np.maximum(di, 0)]
        for st, dd, line in zip(cam["station"][off], cam["date"][off], cam["_line"][off],
                                strict=True):
            errors.add(f"station '{st}' was not operating on {pd.Timestamp(dd).date()} "
                       "(no operating period of the stations file covers that day)",
                       camera_path, int(line), "date")
        errors.raise_if_any()
    if gen is not None:
        eff_xy = _xy_by_id(effort["detector_id"], effort["lat"], effort["lon"], proj)
        cell_ids = list(eff_xy)
    out_years = []
    for year in years:
        ydays = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        ylab = occasion_labels(ydays, occasion)
        occ_all = sorted(set(ylab))
        ndays = pd.Series(ylab).value_counts()
        sets, set_ids = {}, {}
        usage = {}
        if cam is not None:
            sel = (days.year == year)
            lab = occasion_labels(days[sel], occasion)
            u = np.zeros((len(st_ids), len(occ_all)))
            for j, o in enumerate(occ_all):
                cols = np.flatnonzero(sel)[lab == o]
                u[:, j] = operating[:, cols].sum(1) / ndays[o]
            usage["camera"] = u
        if gen is not None:
            ey = effort.loc[pd.to_datetime(effort["date"]).dt.year == year]
            u = np.zeros((len(cell_ids), len(occ_all)))
            if len(ey):
                lab = occasion_labels(ey["date"], occasion)
                np.add.at(u, (pd.Index(cell_ids).get_indexer(ey["detector_id"]),
                              pd.Index(occ_all).get_indexer(lab)), ey["effort_km"].to_numpy())
            usage["scat"] = u
        used = np.zeros(len(occ_all), dtype=bool)
        for u in usage.values():
            used |= u.sum(0) > 0
        occ = [o for o, k in zip(occ_all, used, strict=True) if k]
        if not occ:
            continue
        det = {}
        if cam is not None:
            cy = cam.loc[pd.to_datetime(cam["date"]).dt.year == year]
            det["camera"] = (cy["individual_id"].to_numpy(), cy["station"].to_numpy(),
                             occasion_labels(cy["date"], occasion), st_ids, cy["_line"])
        if gen is not None:
            gy = gen.loc[pd.to_datetime(gen["date"]).dt.year == year]
            det["scat"] = (gy["individual_id"].to_numpy(), gy["site"].to_numpy(),
                           occasion_labels(gy["date"], occasion), cell_ids, gy["_line"])
        animals = sorted(set().union(*[set(v[0]) for v in det.values()]))
        for name, (ind, where, lab, ids, lines) in det.items():
            u = usage[name][:, used]
            keep = u.sum(1) > 0
            kept_ids = [i for i, k in zip(ids, keep, strict=True) if k]
            ai = pd.Index(animals).get_indexer(ind)
            oi = pd.Index(occ).get_indexer(lab)
            ki = pd.Index(kept_ids).get_indexer(where)
            bad = (ki < 0) | (oi < 0)
            if not bad.any():
                bad = u[keep][ki, oi] <= 0
            src = samples_path if name == "scat" else camera_path
            for w, lb, line in zip(where[bad], lab[bad], np.asarray(lines)[bad], strict=True):
                errors.add(f"detection at '{w}' in occasion {lb}, when it has no "
                           "effort (no search or camera operation then)", src, int(line),
                           "date")
            if bad.any():
                continue
            y = np.zeros((len(animals), len(occ), len(kept_ids)), dtype=np.int64)
            np.add.at(y, (ai, oi, ki), 1)
            if name == "camera":
                y = np.minimum(y, 1)
            xy_of = cam_xy if name == "camera" else eff_xy
            xy = np.array([xy_of[i] for i in kept_ids], dtype=float).reshape(-1, 2)
            sets[name] = DetectorSet(xy, "proximity" if name == "camera" else "count",
                                     u[keep], y, group=name)
            set_ids[name] = kept_ids
        errors.raise_if_any()
        out_years.append(YearData(year, occ, animals, sets, set_ids))
    all_xy, all_ids = [], []
    for d in (cam_xy, eff_xy):
        for k, v in d.items():
            all_ids.append(k)
            all_xy.append(v)
    if gen is not None and cam is not None and not linked:
        notes.append("camera and genetic ids are not linked (no alias table): camera and scat "
                     "data of a year are separate data sets sharing density and sigma")
    return PipelineData(proj, out_years, linked, np.array(all_xy, dtype=float), all_ids, notes)


def sessions_of(data: PipelineData, mask) -> tuple[list, list]:
    """Sessions for the likelihood and their density labels.

    Parameters
    ----------
    data : PipelineData
    mask : leogen.scr.mask.Mask

    Returns
    -------
    sessions : list of Session
        Named ``<year>`` (linked) or ``<year>/camera``, ``<year>/scat``.
    labels : list of str
        Density label (the year) of each session.
    """
    from leogen.scr.likelihood import Session
    sessions, labels = [], []
    for yd in data.years:
        if data.linked or len(yd.sets) == 1:
            sessions.append(Session(list(yd.sets.values()), mask.xy, mask.cell_area_ha,
                                    str(yd.year), yd.animals))
            labels.append(str(yd.year))
            continue
        for name, s in yd.sets.items():
            seen = s.captures.reshape(len(s.captures), -1).sum(1) > 0
            sub = DetectorSet(s.xy, s.detector_type, s.usage, s.captures[seen], s.group)
            sessions.append(Session([sub], mask.xy, mask.cell_area_ha, f"{yd.year}/{name}",
                                    [a for a, k in zip(yd.animals, seen, strict=True) if k]))
            labels.append(str(yd.year))
    if not sessions:
        warnings.warn("no session with effort", RuntimeWarning, stacklevel=2)
    return sessions, labels
