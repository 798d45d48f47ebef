"""Detection histories of identified animals per year and sampling occasion.

Two sources detect known animals:

* **genetic**: ``identify/sample_individual.tsv`` (``sample_id, individual_id, status, ...``)
  joined to the sample sheet (date, site), read with
  :func:`leogen.identify.outputs.read_sample_individual`, whose rule decides which samples
  are detections of an animal (an individual id and a status that identifies).
* **camera**: a camera-trap sheet (``date, station, individual_id, lat, lon``; schema
  ``workflow/schemas/camera_traps.schema.yaml``) whose ids are linked to genetic ids by an
  alias table (``camera_id, individual_id``). A camera id that is already a genetic id needs
  no alias. Several photographs of one animal at one station on one day count once.

The closed period is the calendar year. Within a year the sampling occasions are months,
seasons, survey sessions (a ``session`` column) or the whole year (one occasion), labelled by
:func:`leogen.monitoring.occasions.occasion_labels` (a winter is labelled by the year of its
January, so the December of a year is an occasion of its own, ``<year + 1>-1_winter``, sorted
last among that year's occasions).
The occasions of a year are those in which sampling took place: every sample of the sample
sheet (identified or not) and every camera detection marks its occasion as surveyed.

Coordinates are never written to the detection history (only counts of sites/stations), so
the table is shareable without generalisation.

The same matrix code (:func:`capture_matrix`) builds the per-year histories and the whole-study
capture histories of ``identify/captures.tsv`` with their MARK export (:func:`mark_inp`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.io.sheets import read_sheet
from leogen.io.tables import NA_TOKENS, read_delimited
from leogen.monitoring.occasions import OCCASIONS, occasion_labels

__all__ = ["OCCASIONS", "build_histories", "capture_histories", "capture_matrix",
           "combine_detections", "detection_histories", "genetic_detections", "mark_inp",
           "read_aliases", "read_camera_traps", "study_period", "surveyed_occasions"]

DETECTION_COLUMNS = ["individual_id", "date", "year", "occasion", "source", "place"]
HISTORY_COLUMNS = ["year", "individual_id", "history", "n_occasions", "n_occasions_detected",
                   "n_detections", "n_genetic", "n_camera", "sources", "n_places",
                   "first_date", "last_date", "occasion_labels"]


# ---------------------------------------------------------------------------- readers
def read_aliases(path) -> dict[str, str]:
    """Alias table ``camera_id, individual_id`` -> {camera_id: genetic individual_id}.

    Parameters
    ----------
    path : str or Path
        TSV/CSV with columns ``camera_id, individual_id``; a camera id may be listed more
        than once only with the same genetic id.

    Returns
    -------
    dict of str to str
        Camera id -> genetic individual id, in file order.

    Raises
    ------
    InputError
        Collected over the file, each with line and column: an empty ``camera_id``, an empty
        (NA) ``individual_id``, a camera id linked to two different animals; and the header
        problems of :func:`leogen.io.tables.read_delimited`.
    """
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
    """(start, end) of the study: the sample sheet's date range unless given explicitly.

    Parameters
    ----------
    samples : DataFrame
        The sample sheet (:func:`leogen.io.sheets.read_samples`; ``date`` datetime64).
    start, end : str or date, optional
        ``YYYY-MM-DD`` limits (anything ``pandas.Timestamp`` reads).

    Returns
    -------
    (start, end) : pandas.Timestamp

    Raises
    ------
    InputError
        ``start`` or ``end`` is not a date (no file named).

    Examples
    --------
    >>> sheet = pd.DataFrame({"date": pd.to_datetime(["2020-03-02", "2021-01-10"])})
    >>> [str(d.date()) for d in study_period(sheet, end="2021-12-31")]
    ['2020-03-02', '2021-12-31']
    """
    s = _parse_day(start, "study start") if start is not None else samples["date"].min()
    e = _parse_day(end, "study end") if end is not None else samples["date"].max()
    return s, e


def within(dates: pd.Series, period) -> np.ndarray:
    """Which dates lie in the study period (both ends included).

    Parameters
    ----------
    dates : Series (n,) of datetime64
        Dates (NaT is outside).
    period : (Timestamp, Timestamp)
        :func:`study_period`.

    Returns
    -------
    ndarray (n,) of bool

    Examples
    --------
    >>> d = pd.Series(pd.to_datetime(["2020-01-01", "2020-06-30", "2021-01-01"]))
    >>> within(d, (pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-31"))).tolist()
    [True, True, False]
    """
    return ((dates >= period[0]) & (dates <= period[1])).to_numpy(dtype=bool)


def read_camera_traps(path, known_ids, aliases: dict[str, str] | None = None,
                      period=None) -> pd.DataFrame:
    """Camera-trap detections checked and mapped to genetic ids.

    Parameters
    ----------
    path : str or Path
        The camera-trap sheet (schema ``workflow/schemas/camera_traps.schema.yaml``:
        ``date, station, individual_id, lat, lon`` and optionally ``session``).
    known_ids : iterable of str
        Genetic individual ids of the identification; a camera id that is one of them
        needs no alias.
    aliases : dict of str to str, optional
        :func:`read_aliases`.
    period : (Timestamp, Timestamp), optional
        Study start and end (:func:`study_period`); detections outside are errors.

    Returns
    -------
    DataFrame (n_detections, 8)
        ``individual_id`` (genetic), ``camera_id`` (as in the sheet), ``date``, ``station``,
        ``lat``, ``lon``, ``session``, ``_line``: the first row of each animal, station and
        day, in file order.

    Raises
    ------
    InputError
        All collected, each with file, line and column: the sheet's schema problems
        (:func:`leogen.io.sheets.read_sheet`); an id that is neither a known genetic id nor
        in the alias table, or whose alias is not a known id; a date outside ``period``; a
        station without coordinates on any of its rows.
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
    """Join identified samples to the sample sheet.

    Parameters
    ----------
    sample_individual : DataFrame (n_identified, ...)
        :func:`leogen.identify.outputs.read_sample_individual`: ``sample_id,
        individual_id, _line`` of the samples that are detections of an animal.
    samples : DataFrame
        The sample sheet (:func:`leogen.io.sheets.read_samples`): ``sample_id, date, site``
        and optionally ``session``.
    path : str or Path, optional
        The sample_individual file, for the messages.

    Returns
    -------
    DataFrame (n_identified, 5)
        ``individual_id, sample_id, date, site, session`` (``''`` without a session
        column), in the order of ``sample_individual``.

    Raises
    ------
    InputError
        Every sample id missing from the sheet, and every one listed twice (file, line,
        column ``sample_id``).
    """
    sheet = samples.set_index("sample_id")
    errors = ErrorCollector()
    # a sample listed twice would be two detections (of one animal, or of two)
    ids = sample_individual["sample_id"]
    dup = ids.duplicated(keep="first").to_numpy()
    first = dict(zip(ids[~dup], sample_individual["_line"][~dup], strict=True))
    for sid, line in zip(ids[dup], sample_individual["_line"][dup], strict=True):
        errors.add(f"sample_id '{sid}' appears twice (first on line {first[sid]}): one sample "
                   "is one detection of one animal", path, int(line), "sample_id")
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
    """One table of detections of both sources with year and occasion labels.

    The year is the calendar year (the closed period); the occasion comes from
    :func:`leogen.monitoring.occasions.occasion_labels`, so a December detection has the
    next year's winter label within its own calendar year (module docstring).

    Parameters
    ----------
    genetic : DataFrame
        :func:`genetic_detections` (``individual_id, date, site, session``).
    camera : DataFrame, optional
        :func:`read_camera_traps` (``individual_id, date, station, session``).
    occasion : str
        One of :data:`leogen.monitoring.occasions.OCCASIONS`.

    Returns
    -------
    DataFrame (n_detections, DETECTION_COLUMNS)
        ``individual_id, date, year, occasion, source`` (``genetic`` or ``camera``),
        ``place`` (site or station), sorted by year, individual, date, source and place.

    Examples
    --------
    >>> gen = pd.DataFrame({"individual_id": ["A", "B"], "site": ["s1", "s2"],
    ...                     "date": pd.to_datetime(["2020-12-05", "2021-01-10"]),
    ...                     "session": ["", ""]})
    >>> combine_detections(gen, occasion="season")[["year", "occasion"]].values.tolist()
    [[2020, '2021-1_winter'], [2021, '2021-1_winter']]
    """
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
    """Occasions with sampling effort per calendar year: from every sample of the sheet
    (identified or not) and every camera detection.

    Parameters
    ----------
    samples : DataFrame
        The sample sheet (``date``, optionally ``session``).
    camera : DataFrame, optional
        :func:`read_camera_traps` (``date``, ``session``).
    occasion : str
        One of :data:`leogen.monitoring.occasions.OCCASIONS`.

    Returns
    -------
    dict of int to list of str
        {year: sorted occasion labels}, years in order.

    Examples
    --------
    >>> sheet = pd.DataFrame({"date": pd.to_datetime(["2020-12-05", "2021-01-10",
    ...                                               "2020-03-02"])})
    >>> surveyed_occasions(sheet, occasion="season")
    {2020: ['2020-2_spring', '2021-1_winter'], 2021: ['2021-1_winter']}
    """
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


def capture_matrix(individual_ids, detected_occasions, individuals,
                   occasions) -> np.ndarray:
    """0/1 capture matrix: 1 where an animal was detected at least once in an occasion.

    Parameters
    ----------
    individual_ids : sequence (n_detections,) of str
        Animal of each detection.
    detected_occasions : sequence (n_detections,) of str
        Occasion label of each detection; every label must be in ``occasions``.
    individuals : sequence (n_animals,) of str
        Row order; animals without detection get a row of zeros.
    occasions : sequence (n_occasions,) of str
        Column order.

    Returns
    -------
    int64 array (n_animals, n_occasions)

    Examples
    --------
    >>> capture_matrix(["A", "B", "A"], ["2020", "2021", "2020"], ["A", "B", "C"],
    ...                ["2020", "2021"]).tolist()
    [[1, 0], [0, 1], [0, 0]]
    """
    mat = np.zeros((len(individuals), len(occasions)), dtype=np.int64)
    rows = pd.Index(list(individuals)).get_indexer(list(individual_ids))
    cols = pd.Index(list(occasions)).get_indexer(list(detected_occasions))
    if (cols < 0).any():
        raise ValueError("a detection falls in an occasion that is not listed")
    hit = rows >= 0
    mat[rows[hit], cols[hit]] = 1
    return mat


def detection_histories(detections: pd.DataFrame,
                        occasions: dict[int, list[str]] | None = None) -> pd.DataFrame:
    """One row per animal and year: 0/1 history over the year's occasions, detection counts
    per source and ``sources`` (``genetic``, ``camera`` or ``genetic+camera``).

    Parameters
    ----------
    detections : DataFrame (n_detections, DETECTION_COLUMNS) of :func:`combine_detections`.
    occasions : {year: sorted occasion labels}, as :func:`surveyed_occasions` returns
        (default: the occasions with a detection).

    Returns
    -------
    DataFrame (n_animal_years, HISTORY_COLUMNS), ordered by year and individual id.
    """
    if occasions is None:
        occasions = {int(y): sorted(set(g)) for y, g in detections.groupby("year")["occasion"]}
    rows = []
    for year, dy in detections.groupby("year", sort=True):  # one closed period at a time
        occ = occasions.get(int(year), sorted(set(dy["occasion"])))
        by_animal = list(dy.groupby("individual_id", sort=True))
        animals = [ind for ind, _ in by_animal]
        hist = capture_matrix(dy["individual_id"], dy["occasion"], animals, occ)
        for k, (ind, g) in enumerate(by_animal):
            src = sorted(set(g["source"]), key=["genetic", "camera"].index)
            rows.append({
                "year": int(year), "individual_id": ind,
                "history": "".join(map(str, hist[k])), "n_occasions": len(occ),
                "n_occasions_detected": int(hist[k].sum()), "n_detections": len(g),
                "n_genetic": int((g["source"] == "genetic").sum()),
                "n_camera": int((g["source"] == "camera").sum()),
                "sources": "+".join(src), "n_places": g["place"].nunique(),
                "first_date": g["date"].min().strftime("%Y-%m-%d"),
                "last_date": g["date"].max().strftime("%Y-%m-%d"),
                "occasion_labels": ",".join(occ),
            })
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def capture_histories(individual_ids, dates, survey_dates, individuals,
                      occasion: str = "year") -> pd.DataFrame:
    """Whole-study capture histories: one row per animal, one 0/1 column per occasion.

    The occasions are those in which any sampling took place (``survey_dates``, e.g. every
    date of the sample sheet), in time order; this is ``identify/captures.tsv``.

    Parameters
    ----------
    individual_ids : sequence (n_detections,) of str
        Animal of each detection (an identified sample).
    dates : sequence (n_detections,) of dates; detections without a date are left out.
    survey_dates : sequence (n_samples,) of dates with sampling effort (missing dates skipped).
    individuals : sequence (n_animals,) of str, the row order (all animals, even undetected).
    occasion : ``year``, ``season`` or ``month`` (see :mod:`leogen.monitoring.occasions`).

    Returns
    -------
    DataFrame (n_animals, 1 + n_occasions): ``individual_id`` then int64 0/1 columns.
    """
    surveyed = pd.to_datetime(pd.Series(survey_dates)).dropna()
    occ = sorted(set(occasion_labels(surveyed, occasion)))
    when = pd.to_datetime(pd.Series(dates))
    ok = when.notna().to_numpy()
    ids = np.asarray(individual_ids, dtype=object)[ok]
    mat = capture_matrix(ids, occasion_labels(when[ok], occasion), individuals, occ)
    caps = pd.DataFrame(mat, index=list(individuals), columns=occ)
    caps.index.name = "individual_id"
    return caps.reset_index()


def mark_inp(captures: pd.DataFrame) -> str:
    """Capture histories in MARK/RMark ``.inp`` format: ``/* id */ 0101 1;`` per animal.

    Parameters
    ----------
    captures : DataFrame of :func:`capture_histories` (``individual_id`` + 0/1 columns).

    Returns
    -------
    str, one line per animal (White & Burnham 1999, MARK's encounter-history input).

    Examples
    --------
    >>> print(mark_inp(pd.DataFrame({"individual_id": ["A"], "2020": [1], "2021": [0]})), end="")
    /* A */ 10 1;
    """
    occ = [c for c in captures.columns if c != "individual_id"]
    mat = captures[occ].to_numpy(dtype=np.int64).astype(str)
    hist = ["".join(row) for row in mat]
    return "".join(f"/* {i} */ {h} 1;\n" for i, h in
                   zip(captures["individual_id"], hist, strict=True))


def build_histories(sample_individual_path, samples_path, camera_path=None, aliases_path=None,
                    occasion: str = "month", study_start=None, study_end=None):
    """Read the inputs and return ``(detections, histories, occasions)`` (see above).

    Parameters
    ----------
    sample_individual_path : ``identify/sample_individual.tsv``.
    samples_path : the sample sheet.
    camera_path, aliases_path : camera-trap detections and their alias table (optional).
    occasion : one of :data:`leogen.monitoring.occasions.OCCASIONS`.
    study_start, study_end : ``YYYY-MM-DD`` limits of the study (default: the sheet's date
        range). When given, only samples dated within them are detections or survey effort,
        and camera detections outside them are errors.

    Returns
    -------
    (detections DataFrame (n_detections, DETECTION_COLUMNS), histories DataFrame
    (n_animal_years, HISTORY_COLUMNS), {year: occasion labels}).
    """
    from leogen.identify.outputs import read_sample_individual
    from leogen.io.sheets import read_samples

    samples = read_samples(samples_path)
    if occasion == "session" and ("session" not in samples
                                  or (samples["session"].astype(str) == "").any()):
        raise InputError("occasion 'session' needs a non-empty 'session' column in the "
                         "sample sheet", samples_path, None, "session")
    si = read_sample_individual(sample_individual_path)
    gen = genetic_detections(si, samples, sample_individual_path)
    period = study_period(samples, study_start, study_end)
    if period[0] > period[1]:
        raise InputError(f"the study starts ({period[0].date()}) after it ends "
                         f"({period[1].date()})")
    if study_start is not None or study_end is not None:
        # an explicit study period limits the genetic samples too, not only camera dates
        gen = gen[within(gen["date"], period)].reset_index(drop=True)
        samples = samples[within(samples["date"], period)].reset_index(drop=True)
    cam = None
    if camera_path is not None:
        aliases = read_aliases(aliases_path) if aliases_path is not None else {}
        cam = read_camera_traps(camera_path, set(si["individual_id"]), aliases, period)
        if occasion == "session" and (cam["session"].astype(str) == "").any():
            line = int(cam.loc[cam["session"].astype(str) == "", "_line"].iloc[0])
            raise InputError("session is empty (needed for occasion 'session')",
                             camera_path, line, "session")
    elif aliases_path is not None:
        raise InputError("an alias table is given without camera-trap detections",
                         Path(aliases_path))
    det = combine_detections(gen, cam, occasion)
    occ = surveyed_occasions(samples, cam, occasion)
    return det, detection_histories(det, occ), occ
