"""Interactive table pages for ``snakemake --report``: one self-contained HTML file per table.

A stage table (``identify/individuals.tsv``, ``relatedness/pairs.tsv``, ...) is shown as a
sortable, filterable HTML table: click a column name to sort (numbers numerically, ``NA``
always last), type in the box above the table to keep the rows holding that text, or in a
column's box (text, or ``>0.5``, ``<=3``, ``=2``, ``1..5`` on a number column). The page is
one file with its CSS and JavaScript inline (no CDN, no network: its Content-Security-Policy
allows exactly the one inline script by hash), so it works inside the report's iframe, from a
zip report or opened on its own; the TSV itself stays downloadable from a link on the page.
Every cell is text escaped by the one Jinja2 environment (:func:`leogen.report.html.environment`),
so a hostile id such as ``<script>`` is shown, never run.

:func:`read_stage_table` reads a file through its declaration in ``leogen/<stage>/outputs.py``
(:mod:`leogen.io.contract`) when it is a known stage table, so a damaged table is the same
clear error here as anywhere else; :func:`write_table_page` writes one page;
:func:`write_table_pages` does both for a list of files.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.report.html import environment, fmt, format_date

#: Rows shown on a page at most (the downloadable TSV has them all).
MAX_ROWS = 20000

#: Stages searched for table declarations besides :data:`leogen.io.contract.STAGES`.
EXTRA_STAGES = ("scr",)

SCRIPT = r"""
(function () {
  var table = document.getElementById("table");
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  var rows = Array.prototype.slice.call(body.rows);
  var boxes = Array.prototype.slice.call(table.tHead.rows[1].querySelectorAll("input"));
  var global = document.getElementById("filter");
  var count = document.getElementById("count");
  var total = table.getAttribute("data-rows");
  var isNum = Array.prototype.map.call(heads, function (h) {
    return h.getAttribute("data-type") === "num";
  });
  function val(row, k) {
    var t = row.cells[k].textContent;
    if (!isNum[k]) { return t; }
    if (t === "NA" || t === "") { return NaN; }
    return Number(t);
  }
  rows.forEach(function (r, i) { r.setAttribute("data-i", i); });
  Array.prototype.forEach.call(heads, function (th, k) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = val(a, k), y = val(b, k), c;
        if (isNum[k]) {
          var nx = isNaN(x), ny = isNaN(y);
          if (nx || ny) { return nx === ny ? a.getAttribute("data-i") - b.getAttribute("data-i")
                                           : (nx ? 1 : -1); }
          c = x - y;
        } else {
          c = x.localeCompare(y, undefined, {numeric: true});
        }
        if (c === 0) { return a.getAttribute("data-i") - b.getAttribute("data-i"); }
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  function test(expr, row, k) {
    var m = isNum[k] ? /^\s*(<=|>=|<|>|=)\s*(-?[0-9.eE+-]+)\s*$/.exec(expr) : null;
    var r = isNum[k] ? /^\s*(-?[0-9.eE+-]+)\s*\.\.\s*(-?[0-9.eE+-]+)\s*$/.exec(expr) : null;
    if (m) {
      var v = val(row, k), q = Number(m[2]);
      if (isNaN(v)) { return false; }
      switch (m[1]) {
        case "<": return v < q;
        case "<=": return v <= q;
        case ">": return v > q;
        case ">=": return v >= q;
        default: return v === q;
      }
    }
    if (r) {
      var w = val(row, k);
      return !isNaN(w) && w >= Number(r[1]) && w <= Number(r[2]);
    }
    return row.cells[k].textContent.toLowerCase().indexOf(expr.toLowerCase()) >= 0;
  }
  function apply() {
    var g = global.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var ok = !g || row.textContent.toLowerCase().indexOf(g) >= 0;
      for (var k = 0; ok && k < boxes.length; k++) {
        if (boxes[k].value) { ok = test(boxes[k].value, row, k); }
      }
      row.style.display = ok ? "" : "none";
      if (ok) { shown++; }
    });
    count.textContent = shown + " of " + total + " rows";
  }
  global.addEventListener("input", apply);
  boxes.forEach(function (b) { b.addEventListener("input", apply); });
})();
"""


def script_hash(script: str = SCRIPT) -> str:
    """The Content-Security-Policy source (``'sha256-...'``) allowing exactly ``script``.

    Parameters
    ----------
    script : str
        The inline script, exactly as written into the page.

    Returns
    -------
    str
        The quoted CSP hash source (W3C CSP Level 2, "hash-source").

    Examples
    --------
    >>> script_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def declared_table(path):
    """The declaration of the stage table stored at ``path``, or None.

    A file is a known stage table when its last two path parts (``<folder>/<name>``) are the
    ``path`` of a table declared in a stage's ``outputs.py`` (:mod:`leogen.io.contract`).

    Parameters
    ----------
    path : str or Path
        A table file, e.g. ``results/identify/individuals.tsv``.

    Returns
    -------
    leogen.io.tables.Table or None

    Examples
    --------
    >>> declared_table("results/identify/individuals.tsv").path
    'identify/individuals.tsv'
    >>> declared_table("elsewhere/notes.tsv") is None
    True
    """
    from leogen.io.contract import STAGES

    key = "/".join(Path(path).parts[-2:])
    for stage in dict.fromkeys((*STAGES, *EXTRA_STAGES)):
        try:
            mod = importlib.import_module(f"leogen.{stage}.outputs")
        except ModuleNotFoundError as e:
            if e.name != f"leogen.{stage}.outputs":
                raise
            continue
        for table in mod.TABLES:
            if table.path == key:
                return table
    return None


def read_stage_table(path):
    """A table file as a frame: through its declared reader when it is a stage table.

    Parameters
    ----------
    path : str or Path
        A tab- or comma-separated table.

    Returns
    -------
    frame : DataFrame (n_rows, n_columns)
        Declared tables typed by their declaration (:meth:`leogen.io.tables.Table.read`),
        other tables as text; the reader's ``_line`` column dropped.
    table : leogen.io.tables.Table or None
        The declaration used (None for an undeclared table).

    Raises
    ------
    InputError
        The file is missing, empty, or a cell does not match its declared type (file, line
        and column named).
    """
    from leogen.io.tables import read_delimited

    table = declared_table(path)
    if table is not None:
        df = table.read(path)
    else:
        df = read_delimited(path, [], allow_empty=True)
    return df.drop(columns="_line"), table


def _cells(series: pd.Series) -> tuple[list[str], list[str], str]:
    """Display text and CSS class of every cell of one column, and the column's sort type."""
    s = series
    if pd.api.types.is_bool_dtype(s.dtype):
        text = ["NA" if v is pd.NA else str(bool(v)) for v in s.astype(object)]
        return text, ["na" if t == "NA" else "" for t in text], "text"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        text = [format_date(v) or "NA" for v in s]
        return text, ["na" if t == "NA" else "" for t in text], "text"
    if pd.api.types.is_integer_dtype(s.dtype):
        na = s.isna().to_numpy()
        text = np.where(na, "NA", s.astype("Float64").fillna(0).astype("int64").astype(str))
        return text.tolist(), np.where(na, "num na", "num").tolist(), "num"
    if pd.api.types.is_float_dtype(s.dtype):
        text = [fmt(v, 4) for v in s.to_numpy(dtype=float)]
        return text, ["num na" if t == "NA" else "num" for t in text], "num"
    text = ["NA" if (v is None or v is pd.NA or v == "") else str(v) for v in s.astype(object)]
    values = pd.to_numeric(pd.Series(text), errors="coerce")
    is_num = bool(len(text)) and bool(
        (values.notna() | (pd.Series(text) == "NA")).all()) and bool(values.notna().any())
    cls = [("num na" if is_num else "na") if t == "NA" else ("num" if is_num else "")
           for t in text]
    return text, cls, "num" if is_num else "text"


def render_table_page(df: pd.DataFrame, title: str, note: str | None = None,
                      tsv_name: str | None = None, tsv_bytes: bytes | None = None,
                      descriptions: dict | None = None, max_rows: int = MAX_ROWS) -> str:
    """HTML of one sortable, filterable table page (template ``table.html.j2``).

    Parameters
    ----------
    df : DataFrame (n_rows, n_columns)
        The table; numbers, booleans and dates are shown by their dtype (floats with four
        significant digits, missing values as ``NA``), other cells as text.
    title : str
        Page heading and ``<title>``.
    note : str, optional
        A paragraph under the heading (what the table is).
    tsv_name, tsv_bytes : optional
        File name and content of the download link (a ``data:`` URI, so it works inside the
        report); no link when ``tsv_bytes`` is None.
    descriptions : dict, optional
        {column: text} shown as the column header's tooltip.
    max_rows : int
        Rows written at most (the page says so when the table has more).

    Returns
    -------
    str
        The page, the same text for the same inputs.

    Examples
    --------
    >>> page = render_table_page(pd.DataFrame({"id": ["<b>"], "r": [0.123456]}), "t")
    >>> "&lt;b&gt;" in page and "<b>" not in page, ">0.1235<" in page
    (True, True)
    """
    descriptions = descriptions or {}
    shown = df.iloc[:max_rows]
    columns, cols_text, cols_cls = [], [], []
    for name in shown.columns:
        text, cls, kind = _cells(shown[name])
        columns.append({"name": str(name), "type": kind,
                        "description": descriptions.get(name, "")})
        cols_text.append(text)
        cols_cls.append(cls)
    rows = [list(r) for r in zip(*[list(zip(t, c, strict=True))
                                   for t, c in zip(cols_text, cols_cls, strict=True)],
                                 strict=True)] if columns else []
    tsv_uri = None
    if tsv_bytes is not None:
        tsv_uri = ("data:text/tab-separated-values;charset=utf-8;base64,"
                   + base64.b64encode(tsv_bytes).decode("ascii"))
    return environment().get_template("table.html.j2").render(
        title=title, note=note or "", columns=columns, rows=rows, n_rows=len(df),
        n_shown=len(shown), truncated=len(df) > len(shown), tsv_name=tsv_name or "",
        tsv_uri=tsv_uri, script=SCRIPT, script_hash=script_hash(SCRIPT))


def write_table_page(df: pd.DataFrame, title: str, path, note: str | None = None,
                     tsv_path=None, descriptions: dict | None = None,
                     max_rows: int = MAX_ROWS) -> None:
    """Write one sortable, filterable table page (atomically).

    Parameters
    ----------
    df : DataFrame (n_rows, n_columns)
        The table, as :func:`render_table_page` shows it.
    title : str
        Page heading.
    path : str or Path
        The HTML file to write.
    note : str, optional
        What the table is (a paragraph under the heading).
    tsv_path : str or Path, optional
        The table file offered for download from the page (embedded, so the link works
        inside the report). A table readable by its owner only (a private file that may
        hold exact locations) gives a private page.
    descriptions : dict, optional
        {column: header tooltip}.
    max_rows : int
        Rows shown at most.
    """
    from leogen.io.atomic import PRIVATE, atomic_open

    tsv_bytes = Path(tsv_path).read_bytes() if tsv_path is not None else None
    # a table kept from other users (it may hold exact locations) gives a page kept so too
    private = tsv_path is not None and not Path(tsv_path).stat().st_mode & 0o044
    html = render_table_page(df, title, note=note,
                             tsv_name=Path(tsv_path).name if tsv_path is not None else None,
                             tsv_bytes=tsv_bytes, descriptions=descriptions, max_rows=max_rows)
    with atomic_open(path, "w", permissions=PRIVATE if private else None, encoding="utf-8",
                     newline="\n") as fh:
        fh.write(html)


def page_name(path) -> str:
    """File name of the page of table ``path``: ``<folder>_<stem>.html``.

    Parameters
    ----------
    path : str or Path
        The table file.

    Returns
    -------
    str

    Examples
    --------
    >>> page_name("results/identify/individuals.tsv")
    'identify_individuals.html'
    """
    p = Path(path)
    folder = p.parent.name
    return f"{folder}_{p.stem}.html" if folder else f"{p.stem}.html"


def write_table_pages(paths, out_dir) -> list[Path]:
    """One interactive page per table file (:func:`write_table_page`), named by
    :func:`page_name`.

    A declared stage table is read through its declaration (typed cells; its description is
    the page's note and its columns' descriptions the header tooltips); any other file is
    shown as text.

    Parameters
    ----------
    paths : list of str or Path
        Table files.
    out_dir : str or Path
        Folder of the pages (created).

    Returns
    -------
    list of Path
        The pages written, in the order of ``paths``.

    Raises
    ------
    InputError
        A table cannot be read, or two tables would give the same page name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [page_name(p) for p in paths]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"two tables give the same page name {dup[0]}: name each table once",
                         paths[names.index(dup[0])])
    written = []
    for path, name in zip(paths, names, strict=True):
        df, table = read_stage_table(path)
        key = "/".join(Path(path).parts[-2:])
        note, desc = None, {}
        if table is not None:
            note = table.description
            desc = {c.name: c.description for c in (*table.columns, *table.optional)
                    if c.description}
        write_table_page(df, key, out / name, note=note, tsv_path=path, descriptions=desc)
        written.append(out / name)
    return written
