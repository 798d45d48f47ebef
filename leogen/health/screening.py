"""Pathogen screening results: normalisation, titres, cut-offs, linking to animals, timelines.

Rules (REFERENCES.md "Health and disease screening"):

* Results are normalised to ``positive | negative | equivocal`` (``inconclusive``,
  ``indeterminate``, ``doubtful`` and ``suspect`` are equivocal).
* End-point titres ``1:64``, ``<1:8``, ``>=1:128`` or a bare reciprocal ``64`` become a
  reciprocal number (``titer_value``) and a qualifier (``titer_qualifier``: ``<``, ``<=``,
  ``>``, ``>=`` or empty for an exact end point). The raw text is kept.
* A positivity cut-off (reciprocal titre, positive when titre >= cut-off) is looked up in this
  order: the user's cut-off file (pathogen/assay), the row's own ``cutoff`` column (the lab's),
  the built-in defaults (:data:`DEFAULT_CUTOFFS`). When a titre is present and a cut-off is
  known, the interpretation comes from the cut-off (the lab's call is kept in ``lab_result``
  and a disagreement is flagged). When no cut-off is known the lab's call is kept and the
  row is flagged ``missing_cutoff``. A censored titre that straddles the cut-off (``<1:32``
  with cut-off 16) is ``equivocal``. An exposure cut-off is not a protection cut-off.
* Animals are counted, not samples: :func:`animal_timelines` gives one row per animal and
  pathogen, :func:`animal_period_status` one per animal, pathogen and period. An animal is
  positive in a period if any test in it is positive; otherwise negative if any test is
  negative; otherwise (only equivocal results) equivocal. Equivocal animals are left out of
  prevalence denominators and reported separately.
* Seroconversion is a negative followed later by a positive result on the same pathogen,
  assay and cut-off; reversion is the opposite (antibodies wane: "ever positive" is not
  "immune now"). Equivocal results are skipped in these sequences, and so is a day with
  both a positive and a negative result (a conflict, :func:`conflicting_days`, not a
  reversion or a conversion).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.io.tables import NA_TOKENS

RESULTS = ("positive", "negative", "equivocal")
_RESULT_WORDS = {
    "positive": "positive", "pos": "positive", "+": "positive", "detected": "positive",
    "reactive": "positive", "seropositive": "positive",
    "negative": "negative", "neg": "negative", "-": "negative", "not detected": "negative",
    "non-reactive": "negative", "nonreactive": "negative", "seronegative": "negative",
    "equivocal": "equivocal", "inconclusive": "equivocal", "indeterminate": "equivocal",
    "doubtful": "equivocal", "suspect": "equivocal", "borderline": "equivocal",
}

#: Built-in positivity cut-offs (reciprocal titre, positive when titre >= cut-off), keyed by
#: (pathogen, assay). Only values with a source we could check are shipped; all others must
#: come from the lab (``cutoff`` column) or the user's cut-off file, otherwise the lab's call
#: is kept and flagged ``missing_cutoff``. A commonly quoted CDV virus-neutralisation
#: threshold is 1:16, but we found no primary source for leopards, so it is NOT a default:
#: put it in the cut-off file if your laboratory uses it.
DEFAULT_CUTOFFS: dict[tuple[str, str], dict] = {
    ("Bartonella", "ifa"): {
        "cutoff": 64.0, "sensitivity": None, "specificity": None,
        "source": "IFA positive at titre >= 1:64 (Goodrich et al. 2012 J Wildl Dis 48:186)",
    },
}

SCREENING_COLUMNS = ["date", "pathogen", "assay", "result"]
SCREENING_OPTIONAL = ["sample_id", "individual_id", "titer", "sensitivity", "specificity", "lab",
                      "cutoff"]

#: Upper-cased spellings of "no value" in a cell of an input table: leogen's NA tokens in any
#: letter case (lab exports and hand-made sheets write ``na``, ``N/a``, ``None``, ...).
_MISSING_UPPER = frozenset({t.upper() for t in NA_TOKENS} | {"NONE"})

_TITER_RE = re.compile(r"^\s*(<=|>=|<|>|≤|≥)?\s*(?:1\s*:\s*)?([0-9]+(?:\.[0-9]+)?)\s*$")


def is_missing(value) -> bool:
    """Whether a cell of an input table means "no value".

    Parameters
    ----------
    value : a cell (str, number, None, NaN or NaT).

    Returns
    -------
    bool
        True for None, NaN, NaT and text that is one of :data:`leogen.io.tables.NA_TOKENS`
        (or ``None``) in any letter case, after stripping.

    Examples
    --------
    >>> [is_missing(v) for v in ("", " NA ", "n/a", "None", float("nan"), "0", "Nala")]
    [True, True, True, True, True, False, False]
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return True
    return str(value).strip().upper() in _MISSING_UPPER


def parse_titer(text) -> tuple[str, float]:
    """Parse an end-point titre into ``(qualifier, reciprocal value)``.

    Parameters
    ----------
    text : the titre cell: ``1:64``, ``<1:8``, ``>=1:128``, ``≤1:8``, a bare reciprocal
        ``64``; missing (:func:`is_missing`) or ``.`` for no titre.

    Returns
    -------
    (qualifier, value) : qualifier one of '', '<', '<=', '>', '>=' (≤/≥ become <=/>=) and
        the reciprocal dilution; ``('', nan)`` for no titre.

    Raises
    ------
    ValueError for text that is not a titre or a non-positive dilution.

    Examples
    --------
    >>> parse_titer("1:64"), parse_titer("<1:8"), parse_titer(">= 1:128"), parse_titer("64")
    (('', 64.0), ('<', 8.0), ('>=', 128.0), ('', 64.0))
    >>> parse_titer("NA")
    ('', nan)
    """
    if is_missing(text) or str(text).strip() == ".":
        return "", math.nan
    s = str(text).strip()
    m = _TITER_RE.match(s)
    if not m:
        raise ValueError(f"titer '{s}' is not an end-point titre like 1:64, <1:8, >=1:128 or 64")
    q = {"≤": "<=", "≥": ">="}.get(m.group(1) or "", m.group(1) or "")
    value = float(m.group(2))
    if value <= 0:
        raise ValueError(f"titer '{s}' must be a positive reciprocal dilution (end-point titre)")
    return q, value


def format_titer(qualifier: str, value: float) -> str:
    """Format a parsed titre back as ``<1:8`` (empty for a missing titre).

    Parameters
    ----------
    qualifier : str
        ``<``, ``>=``... or empty for an exact titre.
    value : float
        Reciprocal titre; None or NaN for missing.

    Returns
    -------
    str
        The titre text.

    Examples
    --------
    >>> format_titer("<", 8.0), format_titer("", 12.5), format_titer("", float("nan"))
    ('<1:8', '1:12.5', '')
    """
    if value is None or math.isnan(value):
        return ""
    v = int(value) if float(value).is_integer() else value
    return f"{qualifier}1:{v}"


def normalise_result(text) -> str | None:
    """Map a lab's result word to positive/negative/equivocal.

    Parameters
    ----------
    text : the result cell (any letter case; ``pos``, ``detected``, ``reactive``,
        ``inconclusive``, ... are recognised).

    Returns
    -------
    str or None : ``positive``, ``negative`` or ``equivocal``; None for a missing cell.

    Raises
    ------
    ValueError for a word that is not a known result.

    Examples
    --------
    >>> normalise_result("Pos"), normalise_result("not detected"), normalise_result("suspect")
    ('positive', 'negative', 'equivocal')
    >>> normalise_result("NA") is None
    True
    """
    if is_missing(text):
        return None
    s = str(text).strip().lower()
    if s in _RESULT_WORDS:
        return _RESULT_WORDS[s]
    raise ValueError(f"result '{text}' is not one of positive, negative, equivocal")


def interpret_titer(qualifier: str, value: float, cutoff: float) -> str | None:
    """Interpret a (possibly censored) titre against a cut-off (positive when titre >= cut-off).

    Parameters
    ----------
    qualifier : '', '<', '<=', '>' or '>=' (from :func:`parse_titer`).
    value : reciprocal titre; cutoff : reciprocal cut-off.

    Returns
    -------
    str or None
        ``positive``/``negative``; ``equivocal`` for a censored titre whose range contains
        both sides of the cut-off; None when there is no titre or no cut-off.

    Examples
    --------
    >>> interpret_titer("", 64, 16), interpret_titer("<", 8, 16), interpret_titer("<", 32, 16)
    ('positive', 'negative', 'equivocal')
    >>> interpret_titer("", 64, float("nan")) is None
    True
    """
    if value is None or cutoff is None or math.isnan(value) or math.isnan(cutoff):
        return None
    if qualifier == "":
        return "positive" if value >= cutoff else "negative"
    if qualifier == ">=":
        return "positive" if value >= cutoff else "equivocal"
    if qualifier == ">":
        return "positive" if value >= cutoff else "equivocal"
    if qualifier == "<":
        return "negative" if value <= cutoff else "equivocal"
    if qualifier == "<=":
        return "negative" if value < cutoff else "equivocal"
    raise ValueError(f"unknown titre qualifier {qualifier!r}")


def _cutoff_number(value, where: str, path) -> float:
    try:
        q, v = parse_titer(value)
    except ValueError:
        q, v = "x", math.nan
    if q or math.isnan(v):
        raise InputError(f"{where}: cut-off {value!r} is not a titre like 1:16 or 16", path)
    return v


def _prob(value, where: str, path) -> float | None:
    if value is None or value == "":
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not (0 < v <= 1):
        raise InputError(f"{where}: {value!r} is not a proportion in (0, 1]", path)
    return v


def _prob_cell(text: str, col: str, path, line: int, errors: ErrorCollector) -> float | None:
    if is_missing(text):
        return None
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (0 < v <= 1):
        errors.add(f"{col} '{text}' is not a proportion in (0, 1]", path, line, col)
        return None
    return v


def load_cutoffs(path: str | Path | None) -> dict[tuple[str, str], dict]:
    """Read a YAML cut-off file: ``{(pathogen, assay): {cutoff, sensitivity, specificity,
    source}}``.

    Format (the top-level ``cutoffs:`` key is optional; a whole leogen ``config.yaml`` with
    ``health: cutoffs:`` works too)::

        cutoffs:
          CDV:
            vnt: {cutoff: "1:16", sensitivity: 0.9, specificity: 0.95, source: "lab SOP 2021"}
            elisa: 1:100          # shorthand: the cut-off only

    Parameters
    ----------
    path : str or Path or None
        The YAML file; None gives no cut-offs.

    Returns
    -------
    dict
        (pathogen, assay) -> cut-off entry.

    Raises
    ------
    InputError
        When the file is missing, not valid YAML or not of this form.
    """
    if path is None:
        return {}
    import yaml

    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise InputError(f"not valid YAML ({getattr(e, 'problem', e)})", path,
                         None if line is None else line + 1) from None
    if doc is None:
        return {}
    if isinstance(doc, dict) and isinstance(doc.get("health"), dict):
        doc = doc["health"].get("cutoffs") or {}  # a whole leogen config.yaml
    elif isinstance(doc, dict) and "cutoffs" in doc:
        doc = doc["cutoffs"] or {}
    if not isinstance(doc, dict):
        raise InputError("expected a mapping pathogen -> assay -> cut-off", path)
    out = {}
    for pathogen, assays in doc.items():
        if not isinstance(assays, dict):
            raise InputError(f"{pathogen}: expected a mapping assay -> cut-off", path)
        for assay, spec in assays.items():
            where = f"{pathogen}/{assay}"
            if not isinstance(spec, dict):
                spec = {"cutoff": spec}
            unknown = set(spec) - {"cutoff", "sensitivity", "specificity", "source"}
            if unknown:
                raise InputError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                                 "expected cutoff, sensitivity, specificity, source", path)
            entry = {
                "cutoff": (None if spec.get("cutoff") in (None, "")
                           else _cutoff_number(spec["cutoff"], where, path)),
                "sensitivity": _prob(spec.get("sensitivity"), f"{where} sensitivity", path),
                "specificity": _prob(spec.get("specificity"), f"{where} specificity", path),
                "source": str(spec.get("source") or f"cut-off file {path.name}"),
            }
            out[(str(pathogen), str(assay).lower())] = entry
    return out


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.array([""] * len(df), dtype=object)
    return np.array(["" if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT)
                     else str(v).strip() for v in df[name].to_numpy(dtype=object)], dtype=object)


def _lines(df: pd.DataFrame) -> np.ndarray:
    if "_line" in df.columns:
        return df["_line"].to_numpy().astype(int)
    return np.arange(len(df)) + 2


def _parse_dates(df: pd.DataFrame, path, errors: ErrorCollector, col: str = "date") -> pd.Series:
    raw = df[col]
    if pd.api.types.is_datetime64_any_dtype(raw):
        dates = pd.to_datetime(raw)
    else:
        text = pd.Series(_col(df, col), index=df.index)
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        for line, v in zip(_lines(df)[dates.isna().to_numpy()], text[dates.isna()], strict=True):
            errors.add(f"{col} '{v}' is not a date YYYY-MM-DD", path, int(line), col)
    return dates.astype("datetime64[ns]")


def read_screening(path: str | Path) -> pd.DataFrame:
    """Read the screening sheet as text.

    Parameters
    ----------
    path : the screening sheet (tab- or comma-separated), with :data:`SCREENING_COLUMNS`
        and a ``sample_id`` or an ``individual_id`` column (or both).

    Returns
    -------
    DataFrame of str (dates still text; cells are checked by :func:`normalise_screening`)
    with ``_line``, each row's line number.
    """
    # The one reader of the screening sheet (its JSON schema, as `leogen validate` and the
    # workflow check it); normalise_screening then interprets titres and cut-offs.
    from leogen.io.sheets import read_screening as read_screening_sheet

    df = read_screening_sheet(path)
    if "sample_id" not in df.columns and "individual_id" not in df.columns:
        raise InputError("needs a sample_id or an individual_id column (or both)", path, 1)
    return df


def _check_spellings(values, lines, column: str, path, errors: ErrorCollector) -> None:
    """Values that differ only in case or surrounding spaces (``CDV`` and ``cdv``) would be
    counted as two pathogens: each later spelling is reported with the first one's line."""
    vals = pd.Series(np.asarray(values, dtype=str))
    key = vals.str.strip().str.casefold()
    first = pd.DataFrame({"v": vals, "k": key, "line": np.asarray(lines)}).drop_duplicates("v")
    canon = first.drop_duplicates("k").set_index("k")
    for v, k, line in first[first.duplicated("k")].itertuples(index=False):
        errors.add(f"{column} '{v}' differs from '{canon.loc[k, 'v']}' (line "
                   f"{canon.loc[k, 'line']}) only in case or spaces; write one spelling",
                   path, int(line), column)


def normalise_screening(df: pd.DataFrame, cutoffs: dict | None = None,
                        path: str | Path | None = "screening.tsv") -> pd.DataFrame:
    """Normalise raw screening rows: result words, titres, cut-offs, interpretation.

    Parameters
    ----------
    df : DataFrame of n raw screening rows (:func:`read_screening`; ``date`` as text or
        datetime), with ``_line`` (else rows are numbered from line 2).
    cutoffs : ``{(pathogen, assay): {...}}`` from :func:`load_cutoffs` (first choice of
        cut-off and Se/Sp; then the row's own ``cutoff``/``sensitivity``/``specificity``,
        then :data:`DEFAULT_CUTOFFS`).
    path : file name for the messages.

    Returns
    -------
    DataFrame
        n rows, one per test: ``line, sample_id, individual_id, date, pathogen, assay, lab,
        lab_result, titer, titer_qualifier, titer_value, cutoff, cutoff_source, result,
        basis (cutoff|lab), missing_cutoff, lab_disagrees, sensitivity, specificity,
        se_sp_source``.

    Raises
    ------
    InputError listing every bad cell together (also a pathogen written in two spellings
    that differ only in case, ``CDV`` and ``cdv``, which would count as two pathogens).
    """
    cutoffs = cutoffs or {}
    errors = ErrorCollector()
    lines = _lines(df)
    n = len(df)
    sample = _col(df, "sample_id")
    indiv = _col(df, "individual_id")
    pathogen = _col(df, "pathogen")
    assay = np.array([a.lower() for a in _col(df, "assay")], dtype=object)
    dates = _parse_dates(df, path, errors)
    lab_res, q_arr, v_arr = [], [], np.full(n, np.nan)
    cut_arr, cut_src, final, basis = np.full(n, np.nan), [], [], []
    se_arr, sp_arr, sesp_src = np.full(n, np.nan), np.full(n, np.nan), []
    raw_titer = _col(df, "titer")
    raw_cut = _col(df, "cutoff")
    raw_se, raw_sp = _col(df, "sensitivity"), _col(df, "specificity")
    for i in range(n):
        line = int(lines[i])
        if not sample[i] and not indiv[i]:
            errors.add("needs a sample_id or an individual_id", path, line, "sample_id")
        if not pathogen[i]:
            errors.add("pathogen is empty", path, line, "pathogen")
        if not assay[i]:
            errors.add("assay is empty (e.g. vnt, elisa, pcr, ifa, hi, mat)", path, line, "assay")
        try:
            r = normalise_result(df["result"].iloc[i] if "result" in df.columns else "")
        except ValueError as e:
            errors.add(str(e), path, line, "result")
            r = None
        try:
            q, v = parse_titer(raw_titer[i])
        except ValueError as e:
            errors.add(str(e), path, line, "titer")
            q, v = "", math.nan
        lab_res.append(r or "")
        q_arr.append(q)
        v_arr[i] = v
        key = (pathogen[i], assay[i])
        cfg = cutoffs.get(key) or {}
        cut, src = None, ""
        if cfg.get("cutoff") is not None:
            cut, src = cfg["cutoff"], f"config: {cfg.get('source', '')}".rstrip(": ")
        elif raw_cut[i]:
            try:
                cut, src = _cutoff_number(raw_cut[i], "cutoff", path), "lab"
            except InputError:
                errors.add(f"cutoff '{raw_cut[i]}' is not a titre like 1:16 or 16", path, line,
                           "cutoff")
        elif key in DEFAULT_CUTOFFS:
            cut, src = DEFAULT_CUTOFFS[key]["cutoff"], "default: " + DEFAULT_CUTOFFS[key]["source"]
        cut_arr[i] = np.nan if cut is None else cut
        cut_src.append(src)
        interp = interpret_titer(q, v, cut_arr[i]) if not math.isnan(v) else None
        if interp is not None:
            final.append(interp)
            basis.append("cutoff")
        else:
            if r is None:
                errors.add("result is empty and there is no titre with a cut-off to interpret",
                           path, line, "result")
            final.append(r or "equivocal")
            basis.append("lab")
        # sensitivity / specificity: config first, then the row
        se = cfg.get("sensitivity")
        sp = cfg.get("specificity")
        s_src = f"config: {cfg.get('source', '')}" if se is not None and sp is not None else ""
        if not s_src:
            se_row = _prob_cell(raw_se[i], "sensitivity", path, line, errors)
            sp_row = _prob_cell(raw_sp[i], "specificity", path, line, errors)
            if se_row is not None and sp_row is not None:
                se, sp, s_src = se_row, sp_row, "screening table"
            else:
                se = sp = None
        se_arr[i] = np.nan if se is None else se
        sp_arr[i] = np.nan if sp is None else sp
        sesp_src.append(s_src)
    _check_spellings(pathogen, lines, "pathogen", path, errors)
    errors.raise_if_any()
    out = pd.DataFrame({
        "line": lines,
        "sample_id": sample,
        "individual_id": indiv,
        "date": dates.to_numpy(),
        "pathogen": pathogen,
        "assay": assay,
        "lab": _col(df, "lab"),
        "lab_result": np.array(lab_res, dtype=object),
        "titer": raw_titer,
        "titer_qualifier": np.array(q_arr, dtype=object),
        "titer_value": v_arr,
        "cutoff": cut_arr,
        "cutoff_source": np.array(cut_src, dtype=object),
        "result": np.array(final, dtype=object),
        "basis": np.array(basis, dtype=object),
    })
    out["missing_cutoff"] = ~np.isnan(v_arr) & np.isnan(cut_arr)
    out["lab_disagrees"] = (out["basis"] == "cutoff") & (out["lab_result"] != "") & (
        out["lab_result"] != out["result"])
    out["sensitivity"] = se_arr
    out["specificity"] = sp_arr
    out["se_sp_source"] = np.array(sesp_src, dtype=object)
    return out


def link_tests(tests: pd.DataFrame, sample_individual: pd.DataFrame | None,
               path: str | Path | None = "screening.tsv") -> pd.DataFrame:
    """Attach each test to an animal: its own ``individual_id`` or its sample's animal.

    Parameters
    ----------
    tests : normalised tests (:func:`normalise_screening`), n rows.
    sample_individual : DataFrame with ``sample_id, individual_id`` (the identification;
        rows with a missing individual are unassigned), or None.
    path : file name of the screening sheet for the messages.

    Returns
    -------
    DataFrame
        ``tests`` with ``individual_id`` resolved ('' when unlinked) and ``link`` =
        ``direct | sample | unlinked``.

    Raises
    ------
    InputError for a row whose individual_id contradicts its sample's identification, or
    differs from an identified animal's id only in case or spaces (``leo007`` for
    ``LEO007``: it would be counted as another animal).
    """
    mapping = {}
    if sample_individual is not None and len(sample_individual):
        sid = _col(sample_individual, "sample_id")
        iid = _col(sample_individual, "individual_id")
        mapping = {s: i for s, i in zip(sid, iid, strict=True) if not is_missing(i)}
    errors = ErrorCollector()
    # an animal tested by its id alone may be unknown to the identification, but an id that
    # differs from a known one only in case or spaces is that animal misspelt, not another
    folded = {}
    for k in sorted(set(mapping.values())):
        folded.setdefault(k.strip().casefold(), k)
    resolved, link = [], []
    for line, s, i in zip(tests["line"], tests["sample_id"], tests["individual_id"], strict=True):
        via = mapping.get(s, "") if s else ""
        near = folded.get(i.strip().casefold()) if i else None
        if near is not None and near != i:
            errors.add(f"individual_id '{i}' differs from the identified animal '{near}' only "
                       "in case or spaces; write its id exactly", path, int(line),
                       "individual_id")
        if i and via and i != via:
            errors.add(f"individual_id '{i}' contradicts the identification of sample '{s}' "
                       f"as '{via}' (sample_individual.tsv)", path, int(line), "individual_id")
        if i:
            resolved.append(i)
            link.append("direct")
        elif via:
            resolved.append(via)
            link.append("sample")
        else:
            resolved.append("")
            link.append("unlinked")
    errors.raise_if_any()
    out = tests.copy()
    out["individual_id"] = np.array(resolved, dtype=object)
    out["link"] = np.array(link, dtype=object)
    return out


def combine_status(results) -> str:
    """One status from several results: positive if any positive, else negative if any
    negative, else equivocal (only equivocal results).

    Parameters
    ----------
    results : iterable of str
        ``positive``, ``negative`` or ``equivocal`` results.

    Returns
    -------
    str
        The combined status.

    Examples
    --------
    >>> combine_status(["negative", "positive"]), combine_status(["equivocal", "negative"])
    ('positive', 'negative')
    >>> combine_status(["equivocal"])
    'equivocal'
    """
    s = set(results)
    if "positive" in s:
        return "positive"
    if "negative" in s:
        return "negative"
    return "equivocal"


def _day_status(results) -> str:
    """``conflict`` when one day's results hold both a positive and a negative, else the
    :func:`combine_status` of them."""
    s = set(results)
    return "conflict" if {"positive", "negative"} <= s else combine_status(s)


def conflicting_days(tests: pd.DataFrame) -> pd.DataFrame:
    """Days on which one animal has both a positive and a negative result of the same
    pathogen, assay and cut-off: conflicts to resolve, never read as a conversion.

    Parameters
    ----------
    tests : DataFrame
        Linked tests (:func:`link_tests`): ``individual_id, pathogen, assay, cutoff, date,
        result``.

    Returns
    -------
    DataFrame (n_conflicts, 4)
        ``individual_id, pathogen, assay, date``, sorted.

    Examples
    --------
    >>> t = pd.DataFrame({"individual_id": ["A", "A", "A"], "pathogen": ["CDV"] * 3,
    ...                   "assay": ["vnt"] * 3, "cutoff": [16.0] * 3,
    ...                   "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-01"]),
    ...                   "result": ["negative", "positive", "negative"]})
    >>> conflicting_days(t).astype(str).values.tolist()
    [['A', 'CDV', 'vnt', '2020-01-01']]
    """
    linked = tests[tests["individual_id"] != ""]
    keys = ["individual_id", "pathogen", "assay", "date"]
    cut = linked["cutoff"].fillna(-1.0).rename("_cut")
    pos = (linked["result"] == "positive").groupby([linked[k] for k in keys] + [cut]).any()
    neg = (linked["result"] == "negative").groupby([linked[k] for k in keys] + [cut]).any()
    both = (pos & neg)
    out = both[both].reset_index()[keys].drop_duplicates()
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _conversions(g: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First seroconversion and first reversion date over same-assay, same-cut-off sequences."""
    conv, rev = None, None
    for _, seq in g.groupby(["assay", g["cutoff"].fillna(-1.0)], sort=True):
        seq = seq[seq["result"] != "equivocal"].sort_values("date", kind="stable")
        # one status per date; a day with both a positive and a negative result of the same
        # assay is a conflict (a mix-up or a repeat), not evidence of a change: skipped
        per_day = seq.groupby("date", sort=True)["result"].agg(_day_status)
        prev = None
        for date, res in per_day.items():
            if res == "conflict":
                continue
            if prev == "negative" and res == "positive" and (conv is None or date < conv):
                conv = date
            if prev == "positive" and res == "negative" and (rev is None or date < rev):
                rev = date
            prev = res
    return conv, rev


def animal_timelines(tests: pd.DataFrame) -> pd.DataFrame:
    """One row per animal and pathogen (linked tests only): the test timeline (``status.tsv``).

    Parameters
    ----------
    tests : linked tests (:func:`link_tests`).

    Returns
    -------
    DataFrame
        Columns individual_id, pathogen, n_tests, n_samples, first_test, last_test,
        ever_positive, n_positive_tests, n_equivocal_tests, status (:func:`combine_status`
        over all tests), latest_result, latest_assay, latest_titer, seroconversion,
        seroconversion_date, reversion, reversion_date, missing_cutoff, lab_disagrees,
        assays (see :data:`leogen.health.outputs.STATUS`).
    """
    linked = tests[tests["individual_id"] != ""]
    rows = []
    for (iid, pat), g in linked.groupby(["individual_id", "pathogen"], sort=True):
        g = g.sort_values(["date", "line"], kind="stable")
        last_date = g["date"].max()
        last = g[g["date"] == last_date]
        latest = combine_status(last["result"])
        latest_row = last[last["result"] == latest].iloc[-1]
        conv, rev = _conversions(g)
        samples = {s for s in g["sample_id"] if s}
        rows.append({
            "individual_id": iid, "pathogen": pat,
            "n_tests": len(g), "n_samples": len(samples),
            "first_test": g["date"].min(), "last_test": last_date,
            "ever_positive": bool((g["result"] == "positive").any()),
            "n_positive_tests": int((g["result"] == "positive").sum()),
            "n_equivocal_tests": int((g["result"] == "equivocal").sum()),
            "status": combine_status(g["result"]),
            "latest_result": latest, "latest_assay": latest_row["assay"],
            "latest_titer": latest_row["titer"],
            "seroconversion": conv is not None, "seroconversion_date": conv,
            "reversion": rev is not None, "reversion_date": rev,
            "missing_cutoff": bool(g["missing_cutoff"].any()),
            "lab_disagrees": bool(g["lab_disagrees"].any()),
            "assays": ",".join(sorted(set(g["assay"]))),
        })
    cols = ["individual_id", "pathogen", "n_tests", "n_samples", "first_test", "last_test",
            "ever_positive", "n_positive_tests", "n_equivocal_tests", "status", "latest_result",
            "latest_assay", "latest_titer", "seroconversion", "seroconversion_date", "reversion",
            "reversion_date", "missing_cutoff", "lab_disagrees", "assays"]
    return pd.DataFrame(rows, columns=cols)


def period_of(dates: pd.Series, period: str) -> pd.Series:
    """Label of each date's period: ``year`` -> '2021'; ``all`` -> 'all'.

    Parameters
    ----------
    dates : Series of datetime64 (length n).
    period : ``year`` or ``all``.

    Returns
    -------
    Series of str, length n.

    Examples
    --------
    >>> period_of(pd.Series(pd.to_datetime(["2021-03-01", "2022-01-09"])), "year").tolist()
    ['2021', '2022']
    """
    if period == "year":
        return dates.dt.year.astype("Int64").astype(str)
    if period == "all":
        return pd.Series(["all"] * len(dates), index=dates.index, dtype=object)
    raise ValueError(f"period must be 'year' or 'all', got {period!r}")


def animal_period_status(tests: pd.DataFrame, period: str = "year") -> pd.DataFrame:
    """One status per animal, pathogen and period (never per sample).

    Parameters
    ----------
    tests : linked tests (:func:`link_tests`).
    period : ``year`` or ``all`` (:func:`period_of`).

    Returns
    -------
    DataFrame
        Columns individual_id, pathogen, period, status (:func:`combine_status`), n_tests,
        n_samples, last_test, and ``last_sample_id``, the last tested sample (to attach
        site / age class).
    """
    linked = tests[tests["individual_id"] != ""].copy()
    linked["period"] = period_of(linked["date"], period).to_numpy()
    rows = []
    for (iid, pat, per), g in linked.groupby(["individual_id", "pathogen", "period"], sort=True):
        g = g.sort_values(["date", "line"], kind="stable")
        with_sample = g[g["sample_id"] != ""]
        rows.append({
            "individual_id": iid, "pathogen": pat, "period": per,
            "status": combine_status(g["result"]), "n_tests": len(g),
            "n_samples": len(set(with_sample["sample_id"])),
            "last_test": g["date"].max(),
            "last_sample_id": with_sample["sample_id"].iloc[-1] if len(with_sample) else "",
        })
    return pd.DataFrame(rows, columns=["individual_id", "pathogen", "period", "status", "n_tests",
                                       "n_samples", "last_test", "last_sample_id"])
