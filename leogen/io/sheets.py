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


@cache
def load_schema(name: str) -> dict:
    """A schema from workflow/schemas (installed as the ``leogen.schemas`` package data)."""
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
    """Validate every row of a string table against a row schema; collect all problems."""
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

    Returns the typed DataFrame (numbers as float, dates as datetime64, text as str, absent
    optional columns as ''), with ``_line`` holding each row's line number in the file.
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
    """The sample sheet: ``sample_id, sample_type, date, site, lat, lon`` (+ optional columns)."""
    return read_sheet(path, "samples", collector)


def read_screening(path: str | Path, collector: ErrorCollector | None = None) -> pd.DataFrame:
    """The screening sheet: ``sample_id``/``individual_id, date, pathogen, assay, result, titer``."""
    return read_sheet(path, "screening", collector)


def check_known_ids(ids, known, path, column: str, lines=None, what="sample sheet",
                    collector: ErrorCollector | None = None) -> ErrorCollector:
    """Report ids (e.g. sample ids of a genotype file) that the sample sheet does not list."""
    errors = collector if collector is not None else ErrorCollector()
    ids = np.asarray(ids, dtype=str)
    known = set(map(str, known))
    unknown = np.array([i not in known and i != "" for i in ids], dtype=bool)
    seen = set()
    for k in np.flatnonzero(unknown):
        if ids[k] in seen:
            continue
        seen.add(ids[k])
        line = None if lines is None else int(lines[k])
        errors.add(f"{column} '{ids[k]}' is not in the {what}", path, line, column)
    return errors
