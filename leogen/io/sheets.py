"""Input sheets (sample sheet, screening sheet) checked against the workflow's JSON schemas.

The schemas in ``workflow/schemas/`` are the single definition of each sheet: the Snakemake
workflow validates with them (``snakemake.utils.validate``) and so does the CLI, here, row by
row, reporting every problem with its file, line and column rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import yaml

from leogen.errors import ErrorCollector, InputError
from leogen.io.tables import read_delimited

SCHEMA_PACKAGE = "leogen.schemas"
#: Years a sheet date may have: ``0020-11-01`` (for 2020) is a typing error, and pandas cannot
#: hold dates before 1677 at all.
MIN_YEAR, MAX_YEAR = 1900, 2100


@cache
def load_schema(name: str) -> dict:
    """A schema from workflow/schemas (installed as the ``leogen.schemas`` package data).

    Parameters
    ----------
    name : str
        ``samples``, ``screening``, ``camera_traps`` or ``config`` (read from
        ``<name>.schema.yaml``), or a file name ending in ``.yaml``.

    Returns
    -------
    dict
        The parsed schema (cached: callers must not modify it).

    Raises
    ------
    FileNotFoundError
        No such schema.
    """
    fname = name if name.endswith(".yaml") else f"{name}.schema.yaml"
    return yaml.safe_load(schema_dir().joinpath(fname).read_text(encoding="utf-8"))


def schema_dir():
    """workflow/schemas of a source checkout, else the copy installed with the package."""
    source = Path(__file__).resolve().parents[2] / "workflow" / "schemas"
    if source.is_dir():
        return source
    return resources.files(SCHEMA_PACKAGE)


def _describe(error: jsonschema.ValidationError, column: str, value) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    v = error.validator
    if v == "enum":
        allowed = ", ".join(str(x) for x in error.validator_value if x != "")
        return f"{column} '{value}' is not one of {allowed}"
    if v == "format" and error.validator_value == "date":
        return f"{column} '{value}' is not a date (expected YYYY-MM-DD)"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        lo = schema.get("minimum", schema.get("exclusiveMinimum"))
        hi = schema.get("maximum", schema.get("exclusiveMaximum"))
        return f"{column} {value} is out of range (expected {lo} to {hi})"
    if v == "pattern":
        if column == "titer":
            return f"titer '{value}' is not a titre (expected e.g. 1:64, <1:8 or 64)"
        if column.endswith("_id"):
            return f"{column} '{value}' must not contain spaces"
        return f"{column} '{value}' does not match the expected pattern {error.validator_value}"
    if v == "minLength":
        return f"{column} is empty"
    if v == "type":
        return f"{column} '{value}' is not a {error.validator_value}"
    return f"{column}: {error.message}"


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def check_rows(df: pd.DataFrame, schema: dict, path) -> ErrorCollector:
    """Validate every row of a string table against a row schema; collect all problems.

    Cells are checked as the sheet gives them: an empty cell is an error only in a required
    column (and is otherwise skipped), ``number``/``integer`` cells must parse as finite
    numbers before the schema's own rules (enum, pattern, range, date format) apply.

    Parameters
    ----------
    df : DataFrame (n_rows, n_columns) of str
        As :func:`leogen.io.tables.read_delimited` returns, with its ``_line`` column;
        columns the schema does not describe are ignored.
    schema : dict
        A row schema (:func:`load_schema`): ``properties`` and ``required``.
    path : str or Path
        The sheet, for the messages.

    Returns
    -------
    ErrorCollector
        Every problem found, each naming file, line and column (not raised).
    """
    errors = ErrorCollector()
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    columns = [c for c in df.columns if c != "_line" and c in props]
    for rec in df[columns + ["_line"]].itertuples(index=False):  # one row of a sheet, not per pair
        line = rec[-1]
        row, raw = {}, {}
        for col, value in zip(columns, rec[:-1], strict=True):
            raw[col] = value
            if value == "":
                if col in required:
                    errors.add(f"{col} is empty", path, line, col)
                continue
            kind = props[col].get("type")
            if kind in ("number", "integer"):
                try:
                    num = float(value)
                except ValueError:
                    errors.add(f"{col} '{value}' is not a number", path, line, col)
                    continue
                if not np.isfinite(num):
                    errors.add(f"{col} '{value}' is not a finite number", path, line, col)
                    continue
                row[col] = num
            else:
                row[col] = value
        for err in validator.iter_errors(row):
            if err.validator == "required":
                continue  # empty required cells are reported above
            col = err.path[0] if err.path else ""
            if err.validator == "format" and err.validator_value == "date" and _is_date(row[col]):
                continue
            errors.add(_describe(err, col, raw.get(col, row.get(col))), path, line, col)
        for col in props:
            if props[col].get("format") == "date" and col in row and not _is_date(row[col]):
                if not any(e.line == line and e.column == col for e in errors.errors):
                    errors.add(f"{col} '{row[col]}' is not a date (expected YYYY-MM-DD)", path,
                               line, col)
            elif props[col].get("format") == "date" and col in row and \
                    not MIN_YEAR <= int(row[col][:4]) <= MAX_YEAR:
                errors.add(f"{col} '{row[col]}' is not a plausible date (years {MIN_YEAR} to "
                           f"{MAX_YEAR})", path, line, col)
    return errors


def _check_unique(df: pd.DataFrame, column: str, path, errors: ErrorCollector) -> None:
    ids = df[column]
    dup = ids.duplicated(keep="first") & (ids != "")
    first_line = dict(zip(ids[~dup], df["_line"][~dup], strict=True))
    for value, line in zip(ids[dup], df["_line"][dup], strict=True):
        errors.add(f"{column} '{value}' appears twice (first on line {first_line[value]})",
                   path, int(line), column)


def _finish(df: pd.DataFrame, schema: dict) -> pd.DataFrame:
    props = schema["properties"]
    out = df.copy()
    for col, spec in props.items():
        if col not in out.columns:
            out[col] = ""
        if spec.get("type") == "number":
            out[col] = pd.to_numeric(out[col].where(out[col] != "", np.nan), errors="coerce")
        elif spec.get("format") == "date":
            out[col] = pd.to_datetime(out[col], format="%Y-%m-%d", errors="coerce")
        else:
            out[col] = out[col].astype(str)
    return out


def read_sheet(path: str | Path, schema_name: str, collector: ErrorCollector | None = None):
    """Read and check a sheet; raise (or add to ``collector``) every problem found.

    Besides the schema's rules (:func:`check_rows`): sample ids of the sample sheet must be
    unique, and every row of the screening sheet needs a ``sample_id`` or an
    ``individual_id``.

    Parameters
    ----------
    path : str or Path
        The sheet (TSV or CSV).
    schema_name : str
        The schema of :func:`load_schema` (``samples``, ``screening``, ``camera_traps``).
    collector : ErrorCollector, optional
        Collect the problems here instead of raising them (``leogen validate``).

    Returns
    -------
    DataFrame (n_rows, n_properties + 1) or None
        One column per schema property (``number`` columns as float with NaN for empty,
        ``date`` columns as datetime64 with NaT for empty or bad, the others as str, absent
        optional columns as ''), further columns of the file as str, and ``_line`` holding
        each row's line number. With a ``collector``, a best-effort frame even when there
        were problems, and None when the header could not be read.

    Raises
    ------
    InputError (or InputErrors)
        Without a ``collector``: every problem found, each with file, line and column.
    """
    schema = load_schema(schema_name)
    own = ErrorCollector()
    try:
        df = read_delimited(path, list(schema.get("required", [])))
    except InputError as e:
        own.extend([e])
        df = None
    if df is not None:
        own.extend(check_rows(df, schema, path).errors)
        if schema_name == "samples":
            _check_unique(df, "sample_id", path, own)
        if schema_name == "screening":
            sid = df["sample_id"] if "sample_id" in df else pd.Series([""] * len(df))
            iid = df["individual_id"] if "individual_id" in df else pd.Series([""] * len(df))
            if "sample_id" not in df and "individual_id" not in df:
                own.add("needs a sample_id or an individual_id column", path, 1)
            else:
                both_empty = (sid.to_numpy() == "") & (iid.to_numpy() == "")
                for line in df["_line"][both_empty]:
                    own.add("sample_id and individual_id are both empty; one is needed",
                            path, int(line), "sample_id")
    if collector is not None:
        collector.extend(own.errors)
        if df is None:
            return None
        # best effort, so ids can still be cross-checked against other files
        return _finish(df, schema)
    else:
        own.raise_if_any()
    return _finish(df, schema)


def read_samples(path: str | Path, collector: ErrorCollector | None = None) -> pd.DataFrame:
    """The sample sheet: ``sample_id, sample_type, date, site, lat, lon`` (+ optional columns).

    Parameters
    ----------
    path : str or Path
        The sample sheet (schema ``workflow/schemas/samples.schema.yaml``).
    collector : ErrorCollector, optional
        As :func:`read_sheet`.

    Returns
    -------
    DataFrame (n_samples, ...)
        :func:`read_sheet`: ``lat``/``lon`` float, ``date`` datetime64, the rest str, and
        ``_line``; sample ids unique.

    Raises
    ------
    InputError
        Without a ``collector``, every problem of the sheet.
    """
    return read_sheet(path, "samples", collector)


def read_screening(path: str | Path, collector: ErrorCollector | None = None) -> pd.DataFrame:
    """The screening sheet: ``sample_id``/``individual_id, date, pathogen, assay, result``
    (+ ``titer``, ``sensitivity``, ``specificity``, ``lab``, ``cutoff`` when given).

    Parameters
    ----------
    path : str or Path
        The screening sheet (schema ``workflow/schemas/screening.schema.yaml``; ``date``,
        ``pathogen``, ``assay`` and ``result`` are required, and one of ``sample_id`` and
        ``individual_id`` on every row).
    collector : ErrorCollector, optional
        As :func:`read_sheet`.

    Returns
    -------
    DataFrame (n_tests, ...)
        :func:`read_sheet`: ``sensitivity``/``specificity`` float, ``date`` datetime64, the
        rest str, and ``_line``.

    Raises
    ------
    InputError
        Without a ``collector``, every problem of the sheet.
    """
    return read_sheet(path, "screening", collector)


def check_known_ids(ids, known, path, column: str, lines=None, what="sample sheet",
                    collector: ErrorCollector | None = None) -> ErrorCollector:
    """Report ids (e.g. sample ids of a genotype file) that the sample sheet does not list.

    Each unknown id is reported once (at its first occurrence); empty ids are skipped.

    Parameters
    ----------
    ids : sequence (n,) of str
        The ids to check.
    known : iterable of str
        The ids that exist (e.g. the sheet's ``sample_id`` column).
    path : str or Path
        The file holding ``ids``, for the messages.
    column : str
        Its column name (named in the messages).
    lines : sequence (n,) of int, optional
        Line of each id in ``path``.
    what : str
        What ``known`` is, for the messages (default ``"sample sheet"``).
    collector : ErrorCollector, optional
        Add the problems to this collector (returned) instead of a new one.

    Returns
    -------
    ErrorCollector
        The problems (not raised).

    Examples
    --------
    >>> errs = check_known_ids(["s1", "s9", "s9", ""], {"s1"}, "geno.tsv", "sample_id", [2, 3, 4, 5])
    >>> [e.format() for e in errs.errors]
    ["geno.tsv line 3: sample_id 's9' is not in the sample sheet"]
    >>> print(check_known_ids(["A"], {"a"}, "x.tsv", "sample_id", [2]).errors[0])
    x.tsv line 2: sample_id 'A' is not in the sample sheet (did you mean 'a'? ids must match exactly)
    """
    errors = collector if collector is not None else ErrorCollector()
    ids = np.asarray(ids, dtype=str)
    known = set(map(str, known))
    unknown = ~pd.Index(ids).isin(list(known)) & (ids != "")
    folded = {}
    for k in sorted(known):
        folded.setdefault(k.casefold(), k)
    seen = set()
    for k in np.flatnonzero(unknown):
        if ids[k] in seen:
            continue
        seen.add(ids[k])
        line = None if lines is None else int(lines[k])
        near = folded.get(ids[k].strip().casefold())
        hint = f" (did you mean '{near}'? ids must match exactly)" if near is not None else ""
        errors.add(f"{column} '{ids[k]}' is not in the {what}{hint}", path, line, column)
    return errors
