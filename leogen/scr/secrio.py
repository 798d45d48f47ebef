"""secr's DENSITY text formats, read and written (Efford, secr vignette *secr-datainput*).

* **Trap layout**: one detector per line, ``detector x y [usage]``; usage is a string of 0/1
  codes (``0011111``) or whitespace-separated numeric effort, one per occasion; anything after
  a ``/`` (detector covariates) is ignored. Lines starting with ``#`` are comments.
* **Capture file**: one detection per line, ``session ID occasion detector`` (trapID format)
  or ``session ID occasion x y`` (XY format; the coordinates must match a detector exactly).
  Further columns are individual covariates (secr's ``read.capthist(covnames = ...)``), one
  value per detection row, ``NA`` where missing; they are kept as text
  (:attr:`CaptureRecords.covariates`) and one of them is taken as the animals' sex by
  :func:`leogen.scr.sexes.sex_from_captures`. Their names, when the file has them, come from
  the column-header comment that ``secr::write.capthist`` and :func:`write_captures` write
  (``# Session ID Occasion Detector sex``). A negative occasion (death on capture) is read as
  its absolute value.

The detector type (proximity, count, multi) is not stored in these files: the user names it,
as with ``read.capthist(detector = ...)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leogen.errors import InputError
from leogen.io.atomic import PRIVATE, atomic_open

FORMATS = ("trapID", "XY")


@dataclass
class TrapLayout:
    """Detectors of a DENSITY trap file.

    Attributes
    ----------
    ids : list of str (K,)
    xy : float array (K, 2)
    usage : float array (K, S) or None
        None when the file has no usage column.
    """

    ids: list
    xy: np.ndarray
    usage: np.ndarray | None


def _data_lines(path, header: list | None = None):
    """(line number, text) of the data lines; with ``header`` (a list), the fields of the
    last column-header comment before the first data line (``# Session ID Occasion ...``)
    are put in it."""
    from leogen.io.tables import read_text
    text = read_text(path)
    seen_data = False
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("#"):
            words = raw.lstrip()[1:].replace(",", " ").split()
            if (header is not None and not seen_data and len(words) >= 3
                    and [w.lower() for w in words[:3]] == ["session", "id", "occasion"]):
                header[:] = words
            continue
        line = raw.split("#", 1)[0].strip()
        if line:
            seen_data = True
            yield n, line


def _number(token: str, path, line: int, column: str) -> float:
    try:
        v = float(token)
    except ValueError:
        raise InputError(f"{column} '{token}' is not a number", path, line, column) from None
    if not np.isfinite(v):
        raise InputError(f"{column} '{token}' is not a finite number", path, line, column)
    return v


def read_traps(path) -> TrapLayout:
    """Read a DENSITY trap-layout file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    TrapLayout

    Raises
    ------
    InputError
        A line with fewer than 3 fields, a coordinate that is not a number, a duplicate
        detector id, usage of a different length than on other lines or negative.
    """
    ids, xy, usage = [], [], []
    where = {}
    for n, line in _data_lines(path):
        main = line.split("/", 1)[0].replace(",", " ")
        tok = main.split()
        if len(tok) < 3:
            raise InputError(f"expected 'detector x y [usage]', got '{line}'", path, n)
        if tok[0] in where:
            raise InputError(f"detector '{tok[0]}' is listed again (first on line "
                             f"{where[tok[0]]})", path, n, "detector")
        where[tok[0]] = n
        ids.append(tok[0])
        xy.append((_number(tok[1], path, n, "x"), _number(tok[2], path, n, "y")))
        rest = tok[3:]
        if len(rest) == 1 and re.fullmatch(r"[01]+", rest[0]) and len(rest[0]) > 1:
            u = [float(c) for c in rest[0]]
        else:
            u = [_number(t, path, n, "usage") for t in rest]
        if any(v < 0 for v in u):
            raise InputError("usage must not be negative", path, n, "usage")
        usage.append((u, n))
    if not ids:
        raise InputError("no detectors", path)
    lengths = {len(u) for u, _ in usage}
    if lengths == {0}:
        use = None
    else:
        first = len(usage[0][0])
        bad = next(((u, n) for u, n in usage if len(u) != first), None)
        if bad is not None:
            raise InputError(f"usage has {len(bad[0])} occasions, the first detector has "
                             f"{first}", path, bad[1], "usage")
        use = np.array([u for u, _ in usage], dtype=float)
    return TrapLayout(ids, np.array(xy, dtype=float), use)


@dataclass
class CaptureRecords:
    """Detections of a DENSITY capture file (one row per detection).

    Attributes
    ----------
    session, animal, detector : list of str (n_records,)
    occasion : int array (n_records,), 1-based
    line : int array (n_records,) or None
        Line of each record in the file (None for records not read from a file).
    covariates : list (n_records,) of tuple of str or None
        The individual-covariate fields of each record (after the detector, or x y), as
        written (``NA`` included); rows may differ in length.
    covnames : list of str or None
        Names of the covariate columns from the file's column-header comment, None when it
        has none.
    """

    session: list
    animal: list
    occasion: np.ndarray
    detector: list
    line: np.ndarray | None = None
    covariates: list | None = None
    covnames: list | None = None


def read_captures(path, traps: TrapLayout, fmt: str | None = None) -> CaptureRecords:
    """Read a DENSITY capture file against its trap layout.

    Parameters
    ----------
    path : str or Path
    traps : TrapLayout
        :func:`read_traps` of the matching layout.
    fmt : {'trapID', 'XY'}, optional
        Default: XY when the 4th and 5th fields of the first line are numbers matching a
        detector's coordinates, else trapID.

    Returns
    -------
    CaptureRecords

    Raises
    ------
    InputError
        Too few fields; an occasion that is not a whole number >= 1; a detector id not in the
        layout (trapID) or coordinates matching no detector (XY).
    """
    header: list = []
    lines = list(_data_lines(path, header))
    if not lines:
        raise InputError("no detections", path)
    index = {d: i for i, d in enumerate(traps.ids)}
    xykey = {(float(x), float(y)): traps.ids[i] for i, (x, y) in enumerate(traps.xy)}
    if fmt is None:
        tok = lines[0][1].split()
        fmt = "trapID"
        if len(tok) >= 5:
            try:
                if (float(tok[3]), float(tok[4])) in xykey:
                    fmt = "XY"
            except ValueError:
                pass
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    need = 5 if fmt == "XY" else 4
    sess, ani, occ, det, where, cov = [], [], [], [], [], []
    for n, line in lines:
        tok = line.replace(",", " ").split()
        if len(tok) < need:
            cols = "session ID occasion x y" if fmt == "XY" else "session ID occasion detector"
            raise InputError(f"expected '{cols}', got '{line}'", path, n)
        try:
            o = abs(int(tok[2]))
        except ValueError:
            raise InputError(f"occasion '{tok[2]}' is not a whole number", path, n,
                             "occasion") from None
        if o < 1:
            raise InputError(f"occasion {tok[2]} must be at least 1", path, n, "occasion")
        if fmt == "XY":
            key = (_number(tok[3], path, n, "x"), _number(tok[4], path, n, "y"))
            if key not in xykey:
                raise InputError(f"no detector at x={tok[3]} y={tok[4]} in the trap layout",
                                 path, n, "x")
            d = xykey[key]
        else:
            d = tok[3]
            if d not in index:
                raise InputError(f"detector '{d}' is not in the trap layout", path, n,
                                 "detector")
        sess.append(tok[0])
        ani.append(tok[1])
        occ.append(o)
        det.append(d)
        where.append(n)
        cov.append(tuple(tok[need:]))
    names = header[need:] if len(header) > need else None
    return CaptureRecords(sess, ani, np.array(occ, dtype=int), det,
                          np.array(where, dtype=int), cov, names)


def covariate_column(records: CaptureRecords, column, path=None):
    """One individual-covariate column of a capture file.

    Parameters
    ----------
    records : CaptureRecords
        From :func:`read_captures`.
    column : int or str
        A 1-based position among the covariate columns (1 is the first column after the
        detector, or after x y: the first name of ``read.capthist``'s ``covnames``), given
        as a number or a string of digits, or a name of the file's column-header comment
        (case-insensitive).
    path : str or Path, optional
        The capture file, for messages.

    Returns
    -------
    values : object array (n_records,) of str
        As written (``NA`` included).
    label : str
        The column's name for messages (its header name, else ``covariate <j>``).

    Raises
    ------
    InputError
        A name the header comment does not have (or no header comment); a record without
        that column.
    """
    if records.covariates is None:
        raise ValueError("these records carry no covariate fields (not read from a file)")
    text = str(column).strip()
    names = records.covnames or []
    if text.isdigit():
        j = int(text) - 1
        if j < 0:
            raise ValueError("covariate positions start at 1")
        label = names[j] if j < len(names) else f"covariate {j + 1}"
    else:
        low = [c.lower() for c in names]
        if text.lower() not in low:
            got = (f"its header comment names {', '.join(names)}" if names else
                   "it has no column-header comment (# Session ID Occasion Detector ...)")
            raise InputError(f"no individual covariate column named '{text}': {got}; give "
                             "the column's position instead (1 = the first column after "
                             "the detector, or x y)", path, None, text)
        j = low.index(text.lower())
        label = names[j]
    width = np.array([len(c) for c in records.covariates], dtype=int)
    short = np.flatnonzero(width <= j)
    if len(short):
        i = int(short[0])
        line = int(records.line[i]) if records.line is not None else None
        what = label if label == f"covariate {j + 1}" else f"'{label}' (covariate {j + 1})"
        raise InputError(f"the detection has {width[i]} covariate field(s), no {what}; "
                         "write NA where it is missing", path, line, label)
    return np.array([c[j] for c in records.covariates], dtype=object), label


def capture_array(records: CaptureRecords, traps: TrapLayout, session: str,
                  n_occasions: int, detector_type: str, path=None):
    """Detections of one session as an ``(n_animals, S, K)`` array.

    Parameters
    ----------
    records : CaptureRecords
    traps : TrapLayout
    session : str
    n_occasions : int
    detector_type : {'proximity', 'count', 'multi'}
        Proximity detections are 0/1 (repeats at one detector and occasion are kept once,
        as secr does); multi-catch allows one detection per animal and occasion.
    path : str or Path, optional
        The capture file, for messages.

    Returns
    -------
    animals : list of str (n_animals,), in order of first appearance
    y : int64 array (n_animals, S, K)

    Raises
    ------
    InputError
        Multi-catch data with two detections of an animal in one occasion; an occasion
        beyond ``n_occasions``.
    """
    sel = [i for i, s in enumerate(records.session) if s == session]
    animals = list(dict.fromkeys(records.animal[i] for i in sel))
    ai = {a: i for i, a in enumerate(animals)}
    ki = {d: i for i, d in enumerate(traps.ids)}
    y = np.zeros((len(animals), n_occasions, len(traps.ids)), dtype=np.int64)
    for i in sel:
        o = int(records.occasion[i])
        if o > n_occasions:
            raise InputError(f"occasion {o} is beyond the {n_occasions} occasions of the "
                             "trap layout's usage", path, None, "occasion")
        y[ai[records.animal[i]], o - 1, ki[records.detector[i]]] += 1
    if detector_type == "proximity":
        y = np.minimum(y, 1)
    if detector_type == "multi":
        twice = np.argwhere(y.sum(-1) > 1)
        if len(twice):
            a, o = twice[0]
            raise InputError(f"animal '{animals[a]}' of session '{session}' is caught twice "
                             f"on occasion {o + 1}: multi-catch traps catch an animal at most "
                             "once per occasion", path, None, "occasion")
    return animals, y


def _write(path, lines) -> None:
    # detector coordinates are exact locations of an endangered species' range: private file
    with atomic_open(Path(path), "w", permissions=PRIVATE, encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def write_traps(path, ids, xy, usage=None, binary: bool | None = None) -> None:
    """Write a DENSITY trap-layout file (atomically).

    Parameters
    ----------
    path : str or Path
    ids : sequence (K,) of str
    xy : float array (K, 2), metres
    usage : float array (K, S), optional
    binary : bool, optional
        Usage as a 0/1 string (default: when every value is 0 or 1).
    """
    xy = np.asarray(xy, dtype=float)
    lines = ["# Detector X Y" + (" Usage" if usage is not None else "")]
    if usage is not None:
        usage = np.asarray(usage, dtype=float)
        if binary is None:
            binary = bool(np.isin(usage, (0.0, 1.0)).all())
    for k, d in enumerate(ids):
        row = f"{d} {xy[k, 0]:.2f} {xy[k, 1]:.2f}"
        if usage is not None:
            row += " " + ("".join(str(int(v)) for v in usage[k]) if binary
                          else " ".join(f"{v:.6g}" for v in usage[k]))
        lines.append(row)
    _write(path, lines)


def write_captures(path, session, animals, occasions, detectors, fmt: str = "trapID",
                   xy=None, covariates: dict | None = None, comments=()) -> None:
    """Write a DENSITY capture file (atomically).

    Parameters
    ----------
    path : str or Path
    session, animals, detectors : sequences (n_records,) of str
    occasions : sequence (n_records,) of int, 1-based
    fmt : {'trapID', 'XY'}
    xy : float array (n_records, 2), needed for XY
    covariates : dict of str to sequence (n_records,), optional
        Individual covariates, one column each after the detector (or x y) columns, in the
        dict's order and named in the column-header comment (the names for
        ``read.capthist(covnames = ...)``); a missing value (None, empty or NA) is written
        ``NA``, secr's missing value.
    comments : sequence of str
        Lines written first, each as a ``#`` comment.

    Raises
    ------
    ValueError
        A covariate value or name with whitespace, ``,`` or ``#`` (the file's separators).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    covariates = dict(covariates or {})
    cols = []
    for name, values in covariates.items():
        v = np.array(["NA" if x is None or (isinstance(x, float) and np.isnan(x))
                      or str(x) == "" else str(x) for x in values], dtype=object)
        if len(v) != len(animals):
            raise ValueError(f"covariate '{name}' has {len(v)} values for {len(animals)} "
                             "records")
        for t in (name, *v):
            if re.search(r"[\s,#]", t):
                raise ValueError(f"covariate '{name}': '{t}' holds whitespace, ',' or '#'")
        cols.append(v)
    rows = [f"# {c}" for c in comments]
    rows.append("# Session ID Occasion " + ("X Y" if fmt == "XY" else "Detector")
                + "".join(f" {n}" for n in covariates))
    for i, (s, a, o) in enumerate(zip(session, animals, occasions, strict=True)):
        where = f"{xy[i][0]:.2f} {xy[i][1]:.2f}" if fmt == "XY" else str(detectors[i])
        rows.append(f"{s} {a} {int(o)} {where}" + "".join(f" {c[i]}" for c in cols))
    _write(path, rows)
