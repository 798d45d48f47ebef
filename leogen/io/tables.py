"""Delimited text tables: reading with errors that name file, line and column, and the
declarations (:class:`Table`) through which every stage writes and reads its outputs."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from leogen.errors import InputError

if TYPE_CHECKING:  # pandas is imported by the readers: writing a table needs none
    import pandas as pd

# a sheet may hold long free-text cells (notes, comments): the csv module's default limit of
# 131,072 characters per field would stop any reader of the package (tables, GenAlEx) on them
csv.field_size_limit(2**31 - 1)


def sniff_delimiter(path: str | Path, text: str) -> str:
    """Tab for .tsv/.tab/.txt, comma for .csv; otherwise whichever the header line uses more
    (tab on a tie).

    Parameters
    ----------
    path : str or Path
        The file name (its extension decides when it is one of those).
    text : str
        The file's text (its first line is the header).

    Returns
    -------
    str
        ``"\\t"`` or ``","``.

    Examples
    --------
    >>> sniff_delimiter("a.csv", "x\\ty"), sniff_delimiter("a.dat", "x,y,z")
    (',', ',')
    """
    name = str(path).lower()
    header = text.splitlines()[0] if text else ""
    if name.endswith(".csv"):
        return ","
    if name.endswith((".tsv", ".tab", ".txt")):
        return "\t"
    return "\t" if header.count("\t") >= header.count(",") else ","


def read_text(path: str | Path) -> str:
    """The whole text of a UTF-8 file (a byte-order mark is dropped).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str

    Raises
    ------
    InputError
        The file does not exist, is a directory, is not UTF-8, or holds only whitespace.
    """
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
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Read a table as strings, checking the header.

    The header is the first non-blank line not starting with ``#``; blank rows and rows whose
    first cell starts with ``#`` are skipped; cells are stripped of surrounding whitespace.

    Parameters
    ----------
    path : str or Path
        The table file.
    required : list of str
        Columns the header must have.
    optional : list of str
        Accepted for symmetry with ``required``; not checked (every column of the file is
        returned anyway).
    delimiter : str, optional
        Field separator (default :func:`sniff_delimiter`).
    allow_empty : bool
        Accept a header without data rows (an empty frame is returned).

    Returns
    -------
    DataFrame (n_rows, n_columns + 1)
        Every column of the file as str (missing cells are ''), in file order, and a
        ``_line`` column holding each row's 1-based line number in the file, for error
        messages.

    Raises
    ------
    InputError
        An empty or unreadable file (:func:`read_text`), no header line, the other
        delimiter than expected, missing required columns, duplicate columns, rows with the
        wrong number of fields, or no data rows (unless ``allow_empty``).
    """
    text = read_text(path)
    delim = delimiter or sniff_delimiter(path, text)
    lines = text.splitlines()
    header_line = next((i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")), None)
    if header_line is None:
        raise InputError("file has no header line", path)
    reader = csv.reader(io.StringIO("\n".join(lines[header_line:])), delimiter=delim)
    try:
        rows = list(reader)
    except csv.Error as e:
        raise InputError(f"cannot be read as a delimited table ({e})", path,
                         header_line + reader.line_num) from None
    header = [h.strip() for h in rows[0]]
    # nameless columns with no data (a trailing tab or comma of a spreadsheet export) are
    # dropped; a nameless column holding data is an error
    nameless = [k for k, h in enumerate(header) if not h]
    if nameless:
        for k in nameless:
            for n, row in enumerate(rows[1:], start=header_line + 2):
                if k < len(row) and row[k].strip() and not row[0].startswith("#"):
                    raise InputError(f"column {k + 1} has data ('{row[k].strip()[:40]}') but "
                                     "no name in the header", path, n)
        keep = [k for k in range(len(header)) if header[k]]
        rows = [rows[0]] + [[r[k] for k in keep if k < len(r)]
                            if len(r) == len(header) else r for r in rows[1:]]
        header = [header[k] for k in keep]
    other = "," if delim == "\t" else "\t"
    missing_cols = [c for c in required if c not in header]
    if missing_cols:
        name = "tab" if delim == "\t" else "comma"
        if len(header) == 1 and other in header[0]:
            oname = "comma" if other == "," else "tab"
            raise InputError(
                f"expected {name}-separated columns but the header is {oname}-separated",
                path, header_line + 1)
        if len(header) == 1 and ";" in header[0]:
            raise InputError(f"expected {name}-separated columns but the header is "
                             "separated by ';'", path, header_line + 1)
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
    if not records and not allow_empty:
        raise InputError("has a header but no data rows", path)
    import pandas as pd

    df = pd.DataFrame(records, columns=header, dtype=object)
    df["_line"] = line_numbers
    return df


# ------------------------------------------------------------------ stage table declarations
#: The one set of tokens read as "no value" in any table leogen reads (inputs and stage
#: outputs alike). Stage outputs are written with ``NA``.
NA_TOKENS = frozenset({"", "NA", "na", "N/A", "nan", "NaN", "<NA>"})

#: Column types of a declared table and what a cell of each must look like.
COLUMN_TYPES = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "True or False",
    "date": "a date YYYY-MM-DD",
}
#: The largest magnitude of an ``int`` cell: every whole number up to it is exact in float64
#: (2**53 is about 9.007e15), so no cell is silently rounded or wrapped around.
MAX_INT = 10**15
_TRUE = {"True", "true", "TRUE", "1"}
_FALSE = {"False", "false", "FALSE", "0"}


@dataclass(frozen=True)
class Column:
    """One column of a declared table.

    ``dtype`` is a key of :data:`COLUMN_TYPES`; ``na`` says whether the cell may be empty
    (written ``NA``); an empty cell of a column with ``na=False`` is an error when read.
    """

    name: str
    dtype: str = "str"
    na: bool = True
    description: str = ""
    #: the only values a non-empty cell may hold (None: any value of the type); a status
    #: column read with another word would otherwise be silently treated as "not this"
    choices: tuple[str, ...] | None = None

    def __post_init__(self):
        if self.dtype not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: unknown dtype {self.dtype!r}")
        if self.choices is not None and self.dtype != "str":
            raise ValueError(f"column {self.name}: choices are for str columns")


@dataclass(frozen=True)
class Table:
    """A stage's output table, declared once: its file, columns, types and NA rule.

    ``path`` is relative to the results folder. ``optional`` are declared columns a file may
    lack (written only with some inputs, e.g. SNP columns), after the required ones and in
    that order; ``extra`` describes further undeclared columns (e.g. one per occasion), and
    ``None`` means there are none. The stage writes the table with :meth:`write` and every
    later stage reads it with :meth:`read`, so a damaged cell is the same clear error
    wherever it is read.
    """

    path: str
    description: str
    columns: tuple[Column, ...]
    extra: str | None = None
    optional: tuple[Column, ...] = ()

    @property
    def names(self) -> list[str]:
        """The required columns, in order."""
        return [c.name for c in self.columns]

    @property
    def optional_names(self) -> list[str]:
        return [c.name for c in self.optional]

    def column(self, name: str) -> Column:
        """The declaration of column ``name`` (required or optional).

        Parameters
        ----------
        name : str
            A declared column.

        Returns
        -------
        Column

        Raises
        ------
        KeyError
            ``name`` is not declared.
        """
        for c in (*self.columns, *self.optional):
            if c.name == name:
                return c
        raise KeyError(name)

    def check_frame(self, df) -> None:
        """The table about to be written has the declared columns, in order (a bug if not).

        Parameters
        ----------
        df : DataFrame, or mapping of column name -> 1-D array
            Its columns (a mapping's keys) must be the required ones in declared order, then
            any optional ones in declared order, then (only when ``extra`` is set) undeclared
            ones.

        Raises
        ------
        ValueError
            The columns differ from the declaration.
        """
        from leogen.io.atomic import column_names

        names = column_names(df)
        head, rest = names[: len(self.columns)], names[len(self.columns):]
        opt = [c for c in rest if c in self.optional_names]
        ok = head == self.names and opt == [c for c in self.optional_names if c in opt]
        if self.extra is None:
            ok = ok and opt == rest
        if not ok:
            raise ValueError(f"{self.path}: columns {names} differ from the declaration "
                             f"{self.names} + optional {self.optional_names}"
                             f"{' + ' + self.extra if self.extra else ''}")

    def write(self, df, path: str | Path, float_format: str = "%.6g",
              permissions: int | None = None) -> None:
        """Write ``df`` atomically as this table (columns checked against the declaration).

        Parameters
        ----------
        df : DataFrame (n_rows, n_columns), or mapping of column name -> 1-D array (n_rows,)
            Columns as :meth:`check_frame` requires; a mapping of numpy arrays is written
            without importing pandas, as :func:`leogen.io.atomic.write_table` says.
        path : str or Path
            The output file (tab-separated, NA for missing; :func:`leogen.io.atomic.write_table`).
        float_format : str
            printf format of float cells (default six significant digits).
        permissions : int, optional
            As in :func:`leogen.io.atomic.write_table` (``PRIVATE`` for a table that may
            carry exact coordinates).

        Raises
        ------
        ValueError
            The columns differ from the declaration.
        """
        from leogen.io.atomic import write_table

        self.check_frame(df)
        write_table(df, path, float_format=float_format, permissions=permissions)

    def read(self, path: str | Path, columns: list[str] | None = None,
             if_present: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
        """Read this table back strictly, each cell parsed to its declared type.

        Parameters
        ----------
        path : path of the table file.
        columns : the declared columns the caller needs; each must be in the file. Default:
            the required columns, plus the optional ones the file has.
        if_present : declared columns read when the file has them (and left out when not).

        Returns
        -------
        DataFrame with the columns typed (``str`` cells as str with NA as '', ``int`` as
        int64, or pandas ``Int64`` when NA is allowed, ``float`` as float64 with NA as NaN,
        ``bool`` as bool or pandas ``boolean``, ``date`` as datetime64), undeclared
        ``extra`` columns as text, and a ``_line`` column holding each row's line number. A
        cell that is not of its type, or empty where the declaration forbids it, raises
        :class:`InputError` naming the file, line and column.
        """
        if columns is None:
            wanted, maybe = self.names, [*self.optional_names, *if_present]
        else:
            wanted, maybe = list(columns), list(if_present)
        unknown = [c for c in (*wanted, *maybe) if c not in self.names + self.optional_names]
        if unknown:
            raise ValueError(f"{self.path}: no declared column(s) {unknown}")
        import pandas as pd

        # a header without rows is a valid stage output (no runs of homozygosity, say)
        raw = read_delimited(path, wanted, allow_empty=True)
        present = list(dict.fromkeys(
            [*wanted, *(c for c in maybe if c in raw.columns and c not in wanted)]))
        out = pd.DataFrame(index=raw.index)
        for name in present:
            out[name] = parse_column(raw[name], self.column(name), path, raw["_line"])
        if self.extra is not None and columns is None:
            declared = set(self.names) | set(self.optional_names)
            for name in raw.columns:
                if name not in declared and name != "_line":
                    out[name] = raw[name]
        out["_line"] = raw["_line"].to_numpy()
        return out.reset_index(drop=True)

    def markdown(self) -> str:
        """One line of docs/data-contract.md: the file, what it is, its columns."""
        cols = ", ".join(self.names)
        if self.optional:
            cols += ", [" + ", ".join(self.optional_names) + "]"
        if self.extra:
            cols += f", {self.extra}"
        note = " Columns in brackets are optional (written only with the inputs they need)." \
            if self.optional else ""
        return f"- `{self.path}`: {self.description} Columns: `{cols}`.{note}"


def parse_column(values: pd.Series, column: Column, path, lines) -> pd.Series:
    """Parse one column of strings to its declared type; errors name file, line, column.

    Parameters
    ----------
    values : Series (n,) of str
        The raw cells; tokens of :data:`NA_TOKENS` are missing.
    column : Column
        The declaration (dtype and NA rule).
    path : str or Path
        The file, for the messages.
    lines : Series (n,) of int
        Line number of each cell.

    Returns
    -------
    Series (n,)
        ``str``: str with missing as ''; ``int``: int64, or pandas ``Int64`` when a cell is
        missing; ``float``: float64 with NaN; ``bool``: bool, or pandas ``boolean`` when a
        cell is missing (True/true/TRUE/1, False/false/FALSE/0); ``date``: datetime64
        (``YYYY-MM-DD``) with NaT.

    Raises
    ------
    InputError
        The first cell that is empty where ``column.na`` is False, not of its type, or
        (``str`` with ``choices``) not one of the choices.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.Series([2, 3, 4])
    >>> parse_column(pd.Series(["1", "NA", "3"]), Column("n", "int"), "t.tsv", lines).tolist()
    [1, <NA>, 3]
    >>> parse_column(pd.Series(["1", "x", "3"]), Column("n", "int"), "t.tsv", lines)
    Traceback (most recent call last):
    ...
    leogen.errors.InputError: t.tsv line 3: column n: 'x' is not a whole number
    >>> parse_column(pd.Series(["target", "maybe"]), Column("status", choices=("target",
    ...              "unassigned")), "species.tsv", lines)
    Traceback (most recent call last):
    ...
    leogen.errors.InputError: species.tsv line 3: column status: 'maybe' is not one of target, unassigned
    """
    import pandas as pd

    raw = values.astype(str)
    na = raw.isin(NA_TOKENS).to_numpy()
    if not column.na and na.any():
        k = int(np.flatnonzero(na)[0])
        raise InputError(f"column {column.name}: is empty, expected "
                         f"{COLUMN_TYPES[column.dtype]}", path,
                         int(lines.iloc[k]), column.name)
    if column.dtype == "str":
        if column.choices is not None:
            other = ~na & ~raw.isin(column.choices).to_numpy()
            if other.any():
                k = int(np.flatnonzero(other)[0])
                raise InputError(f"column {column.name}: '{raw.iloc[k]}' is not one of "
                                 f"{', '.join(column.choices)}", path, int(lines.iloc[k]),
                                 column.name)
        return raw.where(~na, "")
    if column.dtype == "bool":
        good = raw.isin(_TRUE | _FALSE).to_numpy() | na
        _fail_first(~good, raw, column, path, lines)
        vals = raw.isin(_TRUE)
        if na.any():
            return vals.astype("boolean").where(~na, pd.NA)
        return vals.astype(bool)
    if column.dtype == "date":
        parsed = pd.to_datetime(raw.where(~na, None), format="%Y-%m-%d", errors="coerce")
        _fail_first(parsed.isna().to_numpy() & ~na, raw, column, path, lines)
        return parsed
    num = pd.to_numeric(raw.where(~na, None), errors="coerce")
    bad = num.isna().to_numpy() & ~na
    if column.dtype == "int":
        x = num.to_numpy(dtype=float)
        given = num.notna().to_numpy()
        huge = given & ~(np.abs(np.where(given, x, 0)) <= MAX_INT)  # inf too
        if huge.any():
            k = int(np.flatnonzero(huge)[0])
            raise InputError(f"column {column.name}: '{raw.iloc[k]}' is too large (whole "
                             f"numbers up to {MAX_INT:.0e} are read)", path,
                             int(lines.iloc[k]), column.name)
        frac = np.zeros(len(num), dtype=bool)
        frac[given] = np.mod(x[given], 1) != 0
        bad |= frac
        _fail_first(bad, raw, column, path, lines)
        return num.astype("Int64") if na.any() else num.astype(np.int64)
    _fail_first(bad, raw, column, path, lines)
    return num.astype(float)


def _fail_first(bad: np.ndarray, raw: pd.Series, column: Column, path, lines) -> None:
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"column {column.name}: '{raw.iloc[k]}' is not "
                         f"{COLUMN_TYPES[column.dtype]}", path,
                         int(lines.iloc[k]), column.name)
