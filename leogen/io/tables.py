"""Reading delimited text tables with errors that name file, line and column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from leogen.errors import InputError


def sniff_delimiter(path: str | Path, text: str) -> str:
    """Tab for .tsv/.txt, comma for .csv; otherwise whichever the header line uses."""
    name = str(path).lower()
    header = text.splitlines()[0] if text else ""
    if name.endswith(".csv"):
        return ","
    if name.endswith((".tsv", ".tab", ".txt")):
        return "\t"
    return "\t" if header.count("\t") >= header.count(",") else ","


def read_text(path: str | Path) -> str:
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    if path.is_dir():
        raise InputError("is a directory, expected a file", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text (byte {e.start})", path) from None
    if not text.strip():
        raise InputError("file is empty", path)
    return text


def read_delimited(
    path: str | Path,
    required: list[str],
    optional: list[str] = (),
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Read a table as strings, checking the header.

    Returns a DataFrame of str (missing cells are '') with a ``_line`` column holding each
    row's 1-based line number in the file, for error messages. Raises InputError for an
    empty file, a wrong delimiter, missing required columns, duplicate columns and rows
    with the wrong number of fields.
    """
    text = read_text(path)
    delim = delimiter or sniff_delimiter(path, text)
    lines = text.splitlines()
    header_line = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")), None)
    if header_line is None:
        raise InputError("file has no header line", path)
    rows = list(csv.reader(io.StringIO("\n".join(lines[header_line:])), delimiter=delim))
    header = [h.strip() for h in rows[0]]
    other = "," if delim == "\t" else "\t"
    missing_cols = [c for c in required if c not in header]
    if missing_cols:
        if len(header) == 1 and other in header[0]:
            name = "tab" if delim == "\t" else "comma"
            oname = "comma" if other == "," else "tab"
            raise InputError(
                f"expected {name}-separated columns but the header is {oname}-separated",
                path, header_line + 1)
        raise InputError(
            f"missing column(s) {', '.join(missing_cols)}; expected {', '.join(required)}",
            path, header_line + 1)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError(f"duplicate column(s) {', '.join(dup)}", path, header_line + 1)
    records, line_numbers = [], []
    for k, row in enumerate(rows[1:], start=header_line + 2):
        if not row or all(not c.strip() for c in row):
            continue
        if row[0].startswith("#"):
            continue
        if len(row) != len(header):
            raise InputError(
                f"has {len(row)} fields, the header has {len(header)}", path, k)
        records.append([c.strip() for c in row])
        line_numbers.append(k)
    if not records:
        raise InputError("has a header but no data rows", path)
    df = pd.DataFrame(records, columns=header, dtype=object)
    df["_line"] = line_numbers
    return df
