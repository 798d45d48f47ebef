"""The vets' workbook (``animals.xlsx``) and table (``animals.csv``), made for people.

Sheets ``animals`` (one row per animal), ``tests`` (one row per test: real date cells, the
titre as text and as its reciprocal number), ``prevalence`` and ``alerts``. Every sheet has a
bold, frozen header row, an autofilter, column widths fitted to the content (capped) and
wrapped text in long columns. Text cells that a spreadsheet would run as a formula (starting
with ``= + - @``, or a tab / carriage return) are prefixed with an apostrophe
(:func:`defuse`); empty cells stay empty. Timestamps inside the file are fixed, so the same
tables give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import zipfile

import numpy as np
import pandas as pd

#: First characters that make a spreadsheet read a text cell as a formula (OWASP "CSV
#: injection"): such cells get a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60
WRAP_WIDTH = 40


def defuse(value):
    """A cell value safe for a spreadsheet: text starting like a formula gets a leading
    apostrophe; anything else (including empty text) is returned unchanged.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        The value, text prefixed with ``'`` when it starts like a formula.

    Examples
    --------
    >>> defuse("=HYPERLINK(1)"), defuse("A1"), defuse(""), defuse("-3 dB"), defuse(3)
    ("'=HYPERLINK(1)", 'A1', '', "'-3 dB", 3)
    """
    if isinstance(value, str) and value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def defuse_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`defuse` on every text cell of a table (a copy).

    Parameters
    ----------
    df : DataFrame
        The table.

    Returns
    -------
    DataFrame
    """
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(defuse)
    return out


def _cell(v):
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().date()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, str):
        return defuse(v) if v != "" else None
    return v


def _sheet(wb, name: str, df: pd.DataFrame, date_columns=()) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    ws.append([str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = "A2"
    if len(df.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(len(df) + 1, 1)}"
    for j, col in enumerate(df.columns, start=1):
        letter = get_column_letter(j)
        texts = [str(col)] + ["" if v is None else str(v) for v in df[col].map(_cell)]
        width = min(MAX_WIDTH, max(8, max(len(t) for t in texts) + 2))
        wrap = width > WRAP_WIDTH
        ws.column_dimensions[letter].width = WRAP_WIDTH if wrap else width
        if col in date_columns:
            for cell in ws[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        if wrap:
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_workbook(sheets: dict[str, pd.DataFrame], path, date_columns: dict | None = None
                   ) -> None:
    """Write ``{sheet name: table}`` as a formatted workbook with fixed timestamps.

    Parameters
    ----------
    sheets : sheet name -> DataFrame (dates as Timestamps become date cells).
    path : the .xlsx to write (use an atomic temporary path).
    date_columns : sheet name -> columns given the ``yyyy-mm-dd`` number format.
    """
    import openpyxl

    date_columns = date_columns or {}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        _sheet(wb, name, df, date_columns.get(name, ()))
    fixed = _dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    raw = io.BytesIO()  # in memory: nothing is left behind if the process is killed
    wb.save(raw)
    raw.seek(0)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<",
                              rb"<dcterms:\1\2>2000-01-01T00:00:00Z<", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0)),
                         data, compress_type=zipfile.ZIP_DEFLATED)
