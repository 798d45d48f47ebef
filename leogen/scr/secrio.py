"""secr's DENSITY text formats, read and written (Efford, secr vignette *secr-datainput*).

* **Trap layout**: one detector per line, ``detector x y [usage]``; usage is a string of 0/1
  codes (``0011111``) or whitespace-separated numeric effort, one per occasion; anything after
  a ``/`` (detector covariates) is ignored. Lines starting with ``#`` are comments.
* **Capture file**: one detection per line, ``session ID occasion detector`` (trapID format)
  or ``session ID occasion x y`` (XY format; the coordinates must match a detector exactly).
  Further columns (individual covariates) are ignored; a negative occasion (death on capture)
  is read as its absolute value.

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


def _data_lines(path):
    from leogen.io.tables import read_text
    text = read_text(path)
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
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
    """

    session: list
    animal: list
    occasion: np.ndarray
    detector: list


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
    lines = list(_data_lines(path))
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
    sess, ani, occ, det = [], [], [], []
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
    return CaptureRecords(sess, ani, np.array(occ, dtype=int), det)


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
                   xy=None) -> None:
    """Write a DENSITY capture file (atomically).

    Parameters
    ----------
    path : str or Path
    session, animals, detectors : sequences (n_records,) of str
    occasions : sequence (n_records,) of int, 1-based
    fmt : {'trapID', 'XY'}
    xy : float array (n_records, 2), needed for XY
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}")
    head = "# Session ID Occasion " + ("X Y" if fmt == "XY" else "Detector")
    rows = [head]
    for i, (s, a, o) in enumerate(zip(session, animals, occasions, strict=True)):
        where = f"{xy[i][0]:.2f} {xy[i][1]:.2f}" if fmt == "XY" else str(detectors[i])
        rows.append(f"{s} {a} {int(o)} {where}")
    _write(path, rows)
