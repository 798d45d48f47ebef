"""Detection histories of identified animals per year and sampling occasion.

Two sources detect known animals:

* **genetic**: ``identify/sample_individual.tsv`` (``sample_id, individual_id, status, ...``)
  joined to the sample sheet (date, site). Rows whose ``individual_id`` is empty/NA or whose
  status is ``ambiguous``, ``insufficient_loci`` or ``no_consensus`` are not detections.
* **camera**: a camera-trap sheet (``date, station, individual_id, lat, lon``; schema
  ``workflow/schemas/camera_traps.schema.yaml``) whose ids are linked to genetic ids by an
  alias table (``camera_id, individual_id``). A camera id that is already a genetic id needs
  no alias. Several photographs of one animal at one station on one day count once.

The closed period is the calendar year. Within a year the sampling occasions are months,
seasons (winter = Dec, Jan, Feb of the same calendar year; spring Mar-May; summer Jun-Aug;
autumn Sep-Nov), survey sessions (a ``session`` column) or the whole year (one occasion).
The occasions of a year are those in which sampling took place: every sample of the sample
sheet (identified or not) and every camera detection marks its occasion as surveyed.

Coordinates are never written to the detection history (only counts of sites/stations), so
the table is shareable without generalisation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.io.sheets import read_sheet
from leogen.io.tables import read_delimited

EXCLUDED_STATUS = frozenset({"ambiguous", "insufficient_loci", "no_consensus"})
OCCASIONS = ("month", "season", "session", "year")
SEASONS = {12: "1_winter", 1: "1_winter", 2: "1_winter", 3: "2_spring", 4: "2_spring",
           5: "2_spring", 6: "3_summer", 7: "3_summer", 8: "3_summer", 9: "4_autumn",
           10: "4_autumn", 11: "4_autumn"}
NA_TOKENS = {"", "NA", "na", "N/A", "nan", "NaN", "<NA>"}

DETECTION_COLUMNS = ["individual_id", "date", "year", "occasion", "source", "place"]
HISTORY_COLUMNS = ["year", "individual_id", "history", "n_occasions", "n_occasions_detected",
                   "n_detections", "n_genetic", "n_camera", "sources", "n_places",
                   "first_date", "last_date", "occasion_labels"]


# ----------------------------------------------------------------------------- occasions
def occasion_labels(dates, occasion: str = "month", sessions=None) -> np.ndarray:
    """Occasion label of each date: ``YYYY-MM`` (month), ``YYYY-<n>_<season>`` (season),
    ``YYYY-<session>`` (session; needs ``sessions``) or ``YYYY`` (year)."""
    if occasion not in OCCASIONS:
        raise ValueError(f"occasion must be one of {', '.join(OCCASIONS)}")
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
    year = d.year.astype(str)
    if occasion == "year":
        return np.asarray(year, dtype=object)
    if occasion == "month":
        return np.asarray([f"{y}-{m:02d}" for y, m in zip(year, d.month, strict=True)],
                          dtype=object)
    if occasion == "season":
        return np.asarray([f"{y}-{SEASONS[m]}" for y, m in zip(year, d.month, strict=True)],
                          dtype=object)
    if sessions is None:
        raise ValueError("occasion 'session' needs a session label per detection")
    return np.asarray([f"{y}-{s}" for y, s in zip(year, sessions, strict=True)], dtype=object)


# ---------------------------------------------------------------------------- readers
def read_sample_individual(path) -> pd.DataFrame:
    """Identified samples of ``sample_individual.tsv``: ``sample_id, individual_id, status``.

    Rows without an individual or with status ambiguous/insufficient_loci/no_consensus are
    dropped (they are not detections of a known animal).
    """
    df = read_delimited(path, ["sample_id", "individual_id", "status"])
    ok = ~df["individual_id"].isin(NA_TOKENS) & ~df["status"].isin(EXCLUDED_STATUS)
    return df.loc[ok, ["sample_id", "individual_id", "status", "_line"]].reset_index(drop=True)


def read_aliases(path) -> dict[str, str]:
    """Alias table ``camera_id, individual_id`` -> {camera_id: genetic individual_id}."""
    df = read_delimited(path, ["camera_id", "individual_id"])
    errors = ErrorCollector()
    first: dict[str, tuple[str, int]] = {}
    for cam, ind, line in zip(df["camera_id"], df["individual_id"], df["_line"], strict=True):
        if cam == "":
            errors.add("camera_id is empty", path, int(line), "camera_id")
        elif ind in NA_TOKENS:
            errors.add(f"individual_id is empty for camera_id '{cam}'", path, int(line),
                       "individual_id")
        elif cam in first and first[cam][0] != ind:
            errors.add(f"camera_id '{cam}' is linked to '{first[cam][0]}' on line "
                       f"{first[cam][1]} and to '{ind}' here", path, int(line), "individual_id")
        else:
            first.setdefault(cam, (ind, int(line)))
    errors.raise_if_any()
    return {k: v[0] for k, v in first.items()}


def _parse_day(value, what: str):
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"{what} '{value}' is not a date (expected YYYY-MM-DD)") from None


def study_period(samples: pd.DataFrame, start=None, end=None):
    """(start, end) of the study: the sample sheet's date range unless given explicitly."""
    s = _parse_day(start, "--study-start") if start is not None else samples["date"].min()
    e = _parse_day(end, "--study-end") if end is not None else samples["date"].max()
    return s, e


def read_camera_traps(path, known_ids, aliases: dict[str, str] | None = None,
                      period=None) -> pd.DataFrame:
    """Camera-trap detections checked and mapped to genetic ids.

    Errors (all collected, each with file, line and column): an id that is neither a known
    genetic id nor in the alias table; a date outside ``period`` (start, end); a station
    without coordinates on any of its rows. Returns ``individual_id, camera_id, date,
    station, lat, lon, session, _line`` with one row per animal, station and day.
    """
    df = read_sheet(path, "camera_traps")
    aliases = aliases or {}
    known = set(map(str, known_ids))
    errors = ErrorCollector()
    cam = df["individual_id"].astype(str).to_numpy()
    mapped = np.array([aliases.get(c, c if c in known else "") for c in cam], dtype=object)
    for c, line in zip(cam[mapped == ""], df["_line"][mapped == ""], strict=True):
        errors.add(f"individual_id '{c}' is unknown: not in the alias table and not an "
                   "individual of the identification", path, int(line), "individual_id")
    bad_alias = np.array([m != "" and m not in known for m in mapped], dtype=bool)
    for c, m, line in zip(cam[bad_alias], mapped[bad_alias], df["_line"][bad_alias],
                          strict=True):
        errors.add(f"individual_id '{c}' is linked by the alias table to '{m}', which is not "
                   "an individual of the identification", path, int(line), "individual_id")
    if period is not None:
        lo, hi = period
        outside = ((df["date"] < lo) | (df["date"] > hi)).to_numpy()
        for d, line in zip(df["date"][outside], df["_line"][outside], strict=True):
            errors.add(f"date {d.date()} is outside the study period {lo.date()} to "
                       f"{hi.date()}", path, int(line), "date")
    has_xy = df["lat"].notna() & df["lon"].notna()
    with_xy = set(df.loc[has_xy, "station"])
    no_xy = ~df["station"].isin(with_xy)
    seen = set()
    for st, line in zip(df["station"][no_xy], df["_line"][no_xy], strict=True):
        if st not in seen:
            seen.add(st)
            errors.add(f"station '{st}' has no coordinates (lat and lon are needed on at least "
                       "one row of each station)", path, int(line), "lat")
    errors.raise_if_any()
    out = df.assign(camera_id=cam, individual_id=mapped)
    # one detection per animal, station and day
    out = out.drop_duplicates(["individual_id", "station", "date"]).reset_index(drop=True)
    return out[["individual_id", "camera_id", "date", "station", "lat", "lon", "session",
                "_line"]]


# ------------------------------------------------------------------------- detections
def genetic_detections(sample_individual: pd.DataFrame, samples: pd.DataFrame,
                       path=None) -> pd.DataFrame:
    """Join identified samples to the sample sheet: ``individual_id, sample_id, date, site,
    session``. A sample id missing from the sheet is an InputError (file, line, column)."""
    sheet = samples.set_index("sample_id")
    errors = ErrorCollector()
    missing = ~sample_individual["sample_id"].isin(sheet.index)
    for sid, line in zip(sample_individual["sample_id"][missing],
                         sample_individual["_line"][missing], strict=True):
        errors.add(f"sample_id '{sid}' is not in the sample sheet", path, int(line), "sample_id")
    errors.raise_if_any()
    rows = sheet.loc[sample_individual["sample_id"]]
    session = rows["session"].astype(str).to_numpy() if "session" in rows else \
        np.full(len(rows), "", dtype=object)
    return pd.DataFrame({
        "individual_id": sample_individual["individual_id"].to_numpy(dtype=str),
        "sample_id": sample_individual["sample_id"].to_numpy(dtype=str),
        "date": rows["date"].to_numpy(),
        "site": rows["site"].astype(str).to_numpy(),
        "session": session,
    })


def combine_detections(genetic: pd.DataFrame, camera: pd.DataFrame | None = None,
                       occasion: str = "month") -> pd.DataFrame:
    """One table of detections of both sources with year and occasion labels:
    ``individual_id, date, year, occasion, source (genetic|camera), place`` (site/station)."""
    parts = [pd.DataFrame({"individual_id": genetic["individual_id"], "date": genetic["date"],
                           "source": "genetic", "place": genetic["site"],
                           "session": genetic["session"]})]
    if camera is not None and len(camera):
        parts.append(pd.DataFrame({"individual_id": camera["individual_id"],
                                   "date": camera["date"], "source": "camera",
                                   "place": camera["station"], "session": camera["session"]}))
    det = pd.concat(parts, ignore_index=True)
    det["date"] = pd.to_datetime(det["date"])
    det["year"] = det["date"].dt.year.astype(int)
    det["occasion"] = occasion_labels(det["date"], occasion, det["session"].to_numpy())
    det = det.sort_values(["year", "individual_id", "date", "source", "place"], kind="stable")
    return det[DETECTION_COLUMNS].reset_index(drop=True)


def surveyed_occasions(samples: pd.DataFrame, camera: pd.DataFrame | None = None,
                       occasion: str = "month") -> dict[int, list[str]]:
    """Occasions with sampling effort per year: from every sample of the sheet and every
    camera detection (sorted labels)."""
    dates = [samples["date"]]
    sessions = [samples["session"].astype(str) if "session" in samples
                else pd.Series([""] * len(samples))]
    if camera is not None and len(camera):
        dates.append(camera["date"])
        sessions.append(camera["session"].astype(str))
    d = pd.to_datetime(pd.concat(dates, ignore_index=True))
    s = pd.concat(sessions, ignore_index=True).to_numpy()
    labels = occasion_labels(d, occasion, s)
    out: dict[int, set] = {}
    for y, lab in zip(d.dt.year.astype(int), labels, strict=True):
        out.setdefault(int(y), set()).add(lab)
    return {y: sorted(v) for y, v in sorted(out.items())}


def detection_histories(detections: pd.DataFrame,
                        occasions: dict[int, list[str]] | None = None) -> pd.DataFrame:
    """One row per animal and year: 0/1 history over the year's occasions, detection counts
    per source and ``sources`` (``genetic``, ``camera`` or ``genetic+camera``)."""
    if occasions is None:
        occasions = {int(y): sorted(set(g)) for y, g in detections.groupby("year")["occasion"]}
    rows = []
    for (year, ind), g in detections.groupby(["year", "individual_id"], sort=True):
        occ = occasions.get(int(year), sorted(set(detections.loc[detections["year"] == year,
                                                                 "occasion"])))
        pos = {o: k for k, o in enumerate(occ)}
        hist = np.zeros(len(occ), dtype=int)
        hist[[pos[o] for o in set(g["occasion"])]] = 1
        src = sorted(set(g["source"]), key=["genetic", "camera"].index)
        rows.append({
            "year": int(year), "individual_id": ind,
            "history": "".join(map(str, hist)), "n_occasions": len(occ),
            "n_occasions_detected": int(hist.sum()), "n_detections": len(g),
            "n_genetic": int((g["source"] == "genetic").sum()),
            "n_camera": int((g["source"] == "camera").sum()),
            "sources": "+".join(src), "n_places": g["place"].nunique(),
            "first_date": g["date"].min().strftime("%Y-%m-%d"),
            "last_date": g["date"].max().strftime("%Y-%m-%d"),
            "occasion_labels": ",".join(occ),
        })
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def history_matrix(histories: pd.DataFrame, year: int) -> np.ndarray:
    """(n_animals, n_occasions) 0/1 matrix of one year from ``detection_histories``."""
    h = histories.loc[histories["year"] == year, "history"]
    if not len(h):
        return np.zeros((0, 0), dtype=np.int8)
    return np.array([list(map(int, s)) for s in h], dtype=np.int8)


def build_histories(sample_individual_path, samples_path, camera_path=None, aliases_path=None,
                    occasion: str = "month", study_start=None, study_end=None):
    """Read the inputs and return ``(detections, histories, occasions)`` (see above)."""
    from leogen.io.sheets import read_samples

    samples = read_samples(samples_path)
    if occasion == "session" and ("session" not in samples
                                  or (samples["session"].astype(str) == "").any()):
        raise InputError("--occasion session needs a non-empty 'session' column in the "
                         "sample sheet", samples_path, None, "session")
    si = read_sample_individual(sample_individual_path)
    gen = genetic_detections(si, samples, sample_individual_path)
    cam = None
    if camera_path is not None:
        aliases = read_aliases(aliases_path) if aliases_path is not None else {}
        period = study_period(samples, study_start, study_end)
        cam = read_camera_traps(camera_path, set(si["individual_id"]), aliases, period)
        if occasion == "session" and (cam["session"].astype(str) == "").any():
            line = int(cam.loc[cam["session"].astype(str) == "", "_line"].iloc[0])
            raise InputError("session is empty (needed with --occasion session)",
                             camera_path, line, "session")
    elif aliases_path is not None:
        raise InputError("--aliases needs --camera-traps", Path(aliases_path))
    det = combine_detections(gen, cam, occasion)
    occ = surveyed_occasions(samples, cam, occasion)
    return det, detection_histories(det, occ), occ
