"""A one-page "state of the population" summary: abundance, Ne, diversity and health per year.

Gathers the monitoring outputs into one per-year table (``state_of_population.tsv``) and a
self-contained HTML page (``state_of_population.html``: Jinja2 with autoescaping, plots as
base64 PNG). Nothing is re-estimated here; every number is read from a stage output:

* ``monitoring/trend.tsv``: per-year N-hat (the selected or model-averaged abundance
  estimate) with its 95% interval, ``leogen.monitoring.trends``;
* ``monitoring/abundance.tsv``: animals detected per year (``n_detected``);
* ``monitoring/ne.tsv``: Ne per year and overall by the LD method at the lowest allele
  frequency 0.02 (as in ``trend.tsv``; Waples & Do 2008) with the jackknife-over-loci 95%
  interval (Jones, Ovenden & Wang 2016), or the parametric one when no jackknife is given;
* ``monitoring/trend_test.tsv``: the yearly change from the weighted regression of log N-hat
  on year; the plotted trend line is exp(a + b year) with b = ``slope_log`` and a the
  weighted mean of log N-hat - b year (weights 1 / Var(log N-hat)), i.e. the WLS fit;
* optional ``diversity/summary.tsv`` (Ho, He, allelic richness per population),
  ``health/prevalence.tsv`` (apparent seroprevalence per pathogen and year with the Wilson
  95% interval, Wilson 1927) and ``inbreeding/individuals.tsv`` (sMLH; averaged per year
  over the animals detected that year when ``detection_history.tsv`` is given).

No coordinate is read or written, so the page can be shared without generalisation.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.report.outputs import BASE_COLUMNS, STATE_OF_POPULATION

__all__ = ["BASE_COLUMNS", "pathogen_column", "per_year_table", "run", "state_of_population",
           "trend_line", "write_summary"]

NE_P_CRIT = "0.02"


# ------------------------------------------------------------------------------ reading
# Every table is read through the declaration of the stage that wrote it (strict types: a bad
# cell is an error naming file, line and column); numbers are taken as float here, as the
# page formats them.
def _as_float(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df:
            df[c] = df[c].astype(float)
    return df


def read_trend(path) -> pd.DataFrame:
    """``trend.tsv``: year, n_hat, n_hat_lo, n_hat_hi (+ var_log_n_hat, n_detected, mean_ho,
    mean_he when present).

    Parameters
    ----------
    path : str or Path
        The ``trend.tsv`` written by the monitoring stage.

    Returns
    -------
    DataFrame
        One row per year, numbers as float, with the ``_line`` column of the source line.

    Raises
    ------
    InputError
        When a year appears twice, or a column is missing or a cell is malformed.
    """
    from leogen.monitoring.outputs import read_trend as read

    df = read(path, ["year", "n_hat", "n_hat_lo", "n_hat_hi"],
              optional=["var_log_n_hat", "n_detected", "mean_ho", "mean_he"])
    if df["year"].duplicated().any():
        line = int(df.loc[df["year"].duplicated(), "_line"].iloc[0])
        raise InputError("year appears twice (one row per year expected)", path, line, "year")
    return _as_float(df, ["n_hat", "n_hat_lo", "n_hat_hi", "var_log_n_hat", "n_detected",
                          "mean_ho", "mean_he"])


def read_abundance(path) -> pd.DataFrame:
    """``abundance.tsv``: year, method, model, n_detected (one or more rows per year).

    Parameters
    ----------
    path : str or Path
        The ``abundance.tsv`` written by the monitoring stage.

    Returns
    -------
    DataFrame
        The rows, ``n_detected`` as float.
    """
    from leogen.monitoring.outputs import read_abundance as read

    return _as_float(read(path, ["year", "method", "model", "n_detected"]), ["n_detected"])


def read_ne(path) -> pd.DataFrame:
    """``ne.tsv``: group, method, p_crit, ne and an interval (ne_jack_lo/hi or ne_lo/hi), as
    ``ci_lo, ci_hi``.

    Parameters
    ----------
    path : str or Path
        The ``ne.tsv`` written by the monitoring stage.

    Returns
    -------
    DataFrame
        The rows, with the interval copied to ``ci_lo`` and ``ci_hi``.

    Raises
    ------
    InputError
        When neither pair of interval columns is present.
    """
    from leogen.monitoring.outputs import read_ne as read

    df = read(path, ["group", "method", "p_crit", "ne"],
              optional=["ne_lo", "ne_hi", "ne_jack_lo", "ne_jack_hi", "n_individuals", "note"])
    if not ({"ne_jack_lo", "ne_jack_hi"} <= set(df) or {"ne_lo", "ne_hi"} <= set(df)):
        raise InputError("missing column(s) ne_jack_lo, ne_jack_hi (or ne_lo, ne_hi): the "
                         "95% interval of Ne", path, 1)
    jack = {"ne_jack_lo", "ne_jack_hi"} <= set(df)
    df["ci_lo"] = df["ne_jack_lo"] if jack else df["ne_lo"]
    df["ci_hi"] = df["ne_jack_hi"] if jack else df["ne_hi"]
    return df


def read_trend_test(path) -> dict:
    """``trend_test.tsv``: the one-row trend test (slope_log, annual_change with CI, p, and
    the power of the design when present), numbers as float.

    Parameters
    ----------
    path : str or Path
        The ``trend_test.tsv`` written by the monitoring stage.

    Returns
    -------
    dict
        Column name -> value of the single row.

    Raises
    ------
    InputError
        When the table does not have exactly one row.
    """
    from leogen.monitoring.outputs import read_trend_test as read

    cols = ["n_years", "first_year", "last_year", "slope_log", "annual_change",
            "annual_change_lo", "annual_change_hi", "p_value"]
    df = read(path, cols, optional=["slope_log_se", "scale", "note", "power_decline",
                                    "power_cv", "power"])
    if len(df) != 1:
        raise InputError(f"expected one row (the trend test), found {len(df)}", path)
    df = _as_float(df, [c for c in df.columns if c not in ("note", "_line")])
    return {k: v for k, v in df.drop(columns="_line").iloc[0].items()}


def read_diversity(path) -> pd.DataFrame:
    """``diversity/summary.tsv``: population, n_individuals, mean_ho, mean_he (+ mean_ar).

    Parameters
    ----------
    path : str or Path
        The ``summary.tsv`` written by the diversity stage.

    Returns
    -------
    DataFrame
        One row per population, numbers as float.
    """
    from leogen.popgen.outputs import SUMMARY

    df = SUMMARY.read(path, ["population", "n_individuals", "mean_ho", "mean_he"],
                      if_present=["mean_ar"])
    return _as_float(df, ["n_individuals", "mean_ho", "mean_he",
                          *(["mean_ar"] if "mean_ar" in df else [])])


# ---------------------------------------------------------------------------- computing
def pathogen_column(pathogen: str) -> str:
    """``seroprev_<pathogen>`` in lower_snake_case (``T_gondii`` -> ``seroprev_t_gondii``).

    Parameters
    ----------
    pathogen : str
        Pathogen name as in ``prevalence.tsv``.

    Returns
    -------
    str
        The column name.
    """
    return "seroprev_" + re.sub(r"[^a-z0-9]+", "_", str(pathogen).lower()).strip("_")


def per_year_table(trend: pd.DataFrame, abundance: pd.DataFrame, ne: pd.DataFrame,
                   prevalence: pd.DataFrame | None = None,
                   inbreeding: pd.DataFrame | None = None,
                   detections: pd.DataFrame | None = None,
                   yearly: pd.DataFrame | None = None,
                   scr: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per year: year, n_detected, n_hat (+ lo/hi), ne (+ lo/hi), mean_smlh,
    mean_ho, mean_he (from trend.tsv when present) and per pathogen ``seroprev_<p>``,
    ``seroprev_<p>_lo``, ``seroprev_<p>_hi``, ``n_tested_<p>``.

    Parameters
    ----------
    trend : DataFrame
        From :func:`read_trend`.
    abundance : DataFrame
        From :func:`read_abundance`.
    ne : DataFrame
        From :func:`read_ne`.
    prevalence : DataFrame or None
        From :func:`leogen.health.outputs.read_yearly_prevalence`.
    inbreeding : DataFrame or None
        From :func:`leogen.popgen.outputs.read_individual_inbreeding`; used with ``detections`` for ``mean_smlh``.
    detections : DataFrame or None
        From :func:`leogen.monitoring.outputs.read_detection_history`.
    yearly : DataFrame or None
        Diversity of each year's animals (``leogen.popgen.diversity.yearly_diversity``);
        overrides ``mean_ho``/``mean_he`` and adds standard errors and ``mean_ar``.
    scr : DataFrame or None
        ``scr/estimates.tsv`` (:func:`leogen.scr.outputs.read_estimates`). When given, the
        spatial capture-recapture N-hat of each yearly session is ``n_hat``
        (``n_hat_method`` = ``scr``), its density is added and the non-spatial N-hat kept
        beside it as ``n_hat_nonspatial``.

    Returns
    -------
    DataFrame
        One row per year, sorted by year.
    """
    years = set(trend["year"]) | set(abundance["year"])
    scr_year = None
    if scr is not None and len(scr):
        # yearly sessions: "2019", or "2019/camera" and "2019/scat" when the two data sets
        # are not linked (they share density, so either row gives it)
        ses = scr["session"].astype(str)
        yearly_sessions = scr[ses.str.fullmatch(r"\d{4}(/.+)?")]
        scr_year = {par: g.assign(year=g["session"].astype(str).str[:4].astype(int))
                    .drop_duplicates("year").set_index("year")
                    for par, g in yearly_sessions.groupby("parameter")}
        if "n_hat" in scr_year:
            years |= set(scr_year["n_hat"].index)
    ld = ne[(ne["method"] == "ld") & (ne["p_crit"].astype(str) == NE_P_CRIT)]
    ld = ld[ld["group"].astype(str).str.fullmatch(r"\d{4}")]
    ld = ld.assign(year=ld["group"].astype(int))
    years |= set(ld["year"])
    if prevalence is not None:
        years |= set(prevalence["year"])
    out = pd.DataFrame({"year": sorted(int(y) for y in years)})
    det = abundance.groupby("year")["n_detected"].max()
    out["n_detected"] = out["year"].map(det)
    if "n_detected" in trend:
        tr_det = out["year"].map(trend.set_index("year")["n_detected"])
        out["n_detected"] = out["n_detected"].fillna(tr_det)
    t = trend.set_index("year")
    for c in ("n_hat", "n_hat_lo", "n_hat_hi"):
        out[c] = out["year"].map(t[c]).astype(float)
    out["n_hat_method"] = "nonspatial"
    if scr_year is not None and "n_hat" in scr_year:
        for c in ("n_hat", "n_hat_lo", "n_hat_hi"):
            out[c.replace("n_hat", "n_hat_nonspatial")] = out[c]
        nh = scr_year["n_hat"]
        for c, col in (("n_hat", "estimate"), ("n_hat_lo", "lo"), ("n_hat_hi", "hi")):
            out[c] = out["year"].map(nh[col]).astype(float)
        out["n_hat_method"] = "scr"
        dens = scr_year.get("density_per_100km2")
        if dens is not None:
            for c, col in (("", "estimate"), ("_lo", "lo"), ("_hi", "hi")):
                out["density_per_100km2" + c] = out["year"].map(dens[col]).astype(float)
    ldy = ld.drop_duplicates("year").set_index("year")
    out["ne"] = out["year"].map(ldy["ne"]).astype(float)
    out["ne_lo"] = out["year"].map(ldy["ci_lo"]).astype(float)
    out["ne_hi"] = out["year"].map(ldy["ci_hi"]).astype(float)
    out["mean_smlh"] = np.nan
    if inbreeding is not None and detections is not None:
        sm = detections[["year", "individual_id"]].drop_duplicates().merge(
            inbreeding[["individual_id", "smlh"]], on="individual_id", how="inner")
        out["mean_smlh"] = out["year"].map(sm.groupby("year")["smlh"].mean()).astype(float)
    for c in ("mean_ho", "mean_he"):
        if c in t:
            out[c] = out["year"].map(t[c]).astype(float)
    if yearly is not None and len(yearly):
        # diversity of each year's animals (leogen.popgen.diversity.yearly_diversity): unbiased He,
        # standard errors over loci, allelic richness rarefied to one size for all years
        yd = yearly.set_index("year")
        out["mean_ho"] = out["year"].map(yd["mean_ho"]).astype(float)
        out["mean_ho_se"] = out["year"].map(yd["mean_ho_se"]).astype(float)
        out["mean_he"] = out["year"].map(yd["mean_he_unbiased"]).astype(float)
        out["mean_he_se"] = out["year"].map(yd["mean_he_unbiased_se"]).astype(float)
        out["mean_ar"] = out["year"].map(yd["mean_ar"]).astype(float)
        out["mean_ar_se"] = out["year"].map(yd["mean_ar_se"]).astype(float)
        out["ar_rarefaction_size"] = out["year"].map(yd["rarefaction_size"]).astype(float)
    if prevalence is not None and len(prevalence):
        for pth, g in prevalence.groupby("pathogen", sort=True):
            g = g.drop_duplicates("year").set_index("year")
            col = pathogen_column(pth)
            out[col] = out["year"].map(g["apparent"]).astype(float)
            out[col + "_lo"] = out["year"].map(g["wilson_lo"]).astype(float)
            out[col + "_hi"] = out["year"].map(g["wilson_hi"]).astype(float)
            out["n_tested_" + col[len("seroprev_"):]] = out["year"].map(
                g["n_animals"]).astype("Int64")
    out["n_detected"] = out["n_detected"].astype("Int64")
    # the declared columns first, then the optional ones present, then the per-year extras
    base = [c.name for c in STATE_OF_POPULATION.columns]
    optional = [c.name for c in STATE_OF_POPULATION.optional if c.name in out]
    rest = [c for c in out.columns if c not in base and c not in optional]
    return out[base + optional + rest]


def trend_line(trend: pd.DataFrame, slope_log: float) -> tuple[float, float] | None:
    """(intercept, slope) of log N-hat on year of the WLS trend: the intercept makes the line
    pass through the weighted means (weights 1 / Var(log N-hat), equal when not given).

    Parameters
    ----------
    trend : DataFrame
        From :func:`read_trend`.
    slope_log : float
        Slope of log N-hat on year, from the trend test.

    Returns
    -------
    tuple of (float, float) or None
        Intercept and slope; None when no N-hat is positive or the slope is not finite.
    """
    ok = trend["n_hat"].gt(0) & np.isfinite(trend["n_hat"])
    if not ok.any() or not math.isfinite(slope_log):
        return None
    y = np.log(trend.loc[ok, "n_hat"].to_numpy(float))
    x = trend.loc[ok, "year"].to_numpy(float)
    if "var_log_n_hat" in trend:
        v = trend.loc[ok, "var_log_n_hat"].to_numpy(float)
        w = np.where(np.isfinite(v) & (v > 0), 1.0 / np.where(v > 0, v, 1.0), 0.0)
        if w.sum() == 0:
            w = np.ones_like(y)
    else:
        w = np.ones_like(y)
    a = float(np.sum(w * (y - slope_log * x)) / w.sum())
    return a, float(slope_log)


def estimate_warnings(value, lo, hi, n=None, note: str = "", small: int = 30) -> list[str]:
    """The warnings a quoted estimate must carry: a small sample, an open-ended (infinite) or
    missing limit, and the note of the table it comes from.

    Parameters
    ----------
    value, lo, hi : the estimate and its 95% limits.
    n : sample size behind it (animals), or None.
    note : the source table's note for the row.
    small : samples below this are "small" (Waples & Do 2010: LD Ne with S < 30 animals is
        imprecise and biased).

    Returns
    -------
    list of str

    Examples
    --------
    >>> estimate_warnings(2.46, 1.24, 11.1, n=15)
    ['small sample: 15 animals']
    >>> estimate_warnings(21.4, 5.9, float("inf"), n=21, note="S < 30: small-sample E(r^2)")
    ['small sample: 21 animals', 'upper limit infinite: the data are consistent with a very \
large value', 'S < 30: small-sample E(r^2)']
    """
    out = []
    nf = _num(n)
    if math.isfinite(nf) and nf < small:
        out.append(f"small sample: {int(nf)} animals")
    v, lo_, hi_ = _num(value), _num(lo), _num(hi)
    if math.isinf(v):
        out.append("estimate infinite: no signal of drift in these data")
    if math.isinf(hi_):
        out.append("upper limit infinite: the data are consistent with a very large value")
    elif math.isnan(hi_) or math.isnan(lo_):
        out.append("interval not available")
    if note and str(note).strip():
        out.append(str(note).strip())
    return out


def _num(v) -> float:
    try:
        return math.nan if v is None or v is pd.NA else float(v)
    except (TypeError, ValueError):
        return math.nan


def overall_ne(ne: pd.DataFrame) -> dict | None:
    """The overall LD Ne (group ``all``, p_crit 0.02) with its interval and warnings.

    Parameters
    ----------
    ne : DataFrame
        From :func:`read_ne`.

    Returns
    -------
    dict or None
        Keys ``ne``, ``ne_lo``, ``ne_hi``, ``warnings``; None when there is no such row.
    """
    r = ne[(ne["group"].astype(str) == "all") & (ne["method"] == "ld")
           & (ne["p_crit"].astype(str) == NE_P_CRIT)]
    if not len(r):
        return None
    r = r.iloc[0]
    return {"ne": r["ne"], "ne_lo": r["ci_lo"], "ne_hi": r["ci_hi"],
            "warnings": estimate_warnings(r["ne"], r["ci_lo"], r["ci_hi"],
                                          r.get("n_individuals"), r.get("note", ""))}


def ne_year_warnings(ne: pd.DataFrame) -> dict[int, list[str]]:
    """Year -> warnings of that year's LD Ne (p_crit 0.02) row of ``ne.tsv``.

    Parameters
    ----------
    ne : DataFrame
        From :func:`read_ne`.

    Returns
    -------
    dict of int to list of str
        The warnings of each year with an LD Ne row.
    """
    ld = ne[(ne["method"] == "ld") & (ne["p_crit"].astype(str) == NE_P_CRIT)
            & ne["group"].astype(str).str.fullmatch(r"\d{4}")]
    return {int(r["group"]): estimate_warnings(r["ne"], r["ci_lo"], r["ci_hi"],
                                               r.get("n_individuals"), r.get("note", ""))
            for _, r in ld.iterrows()}


# ------------------------------------------------------------------------------- output
def _png(fig) -> str:
    from leogen.report.html import png

    return png(fig)


def _errs(v, lo, hi):
    v, lo, hi = (np.asarray(a, float) for a in (v, lo, hi))
    return np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])


def ne_plot(year, ne, lo, hi) -> str:
    """Ne per year on a log axis; an interval whose upper limit is infinite or beyond the
    plotted range runs to the top edge and ends in an open arrow labelled with its limit, so
    one open-ended interval no longer flattens every estimate. Returns base64 PNG text.

    Parameters
    ----------
    year : array (n_years,)
        Years plotted.
    ne : array (n_years,)
        Ne estimate per year.
    lo, hi : array (n_years,)
        Lower and upper 95% limits (``hi`` may be infinite).

    Returns
    -------
    str
        Base64 PNG text.
    """
    import matplotlib.pyplot as plt

    year, ne, lo, hi = (np.asarray(a, float) for a in (year, ne, lo, hi))
    top = 4.0 * float(np.nanmax(ne))
    fin_hi = hi[np.isfinite(hi)]
    if fin_hi.size:
        top = max(top, min(float(np.nanmax(fin_hi)), 10.0 * float(np.nanmax(ne))))
    bottom = max(0.5, 0.5 * float(np.nanmin(np.where(lo > 0, lo, ne))))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    capped = ~np.isfinite(hi) | (hi > top)
    shown_hi = np.where(capped, top, hi)
    shown_lo = np.where(np.isfinite(lo) & (lo > 0), lo, bottom)
    ax.vlines(year, shown_lo, shown_hi, color="C2", lw=1.5)
    ax.plot(year, ne, "o", color="C2", label="Ne (LD, 95% CI)")
    if capped.any():
        ax.plot(year[capped], np.full(capped.sum(), top), "^", mfc="white", color="C2",
                ms=8, label="upper limit beyond the axis")
        for x, h in zip(year[capped], hi[capped], strict=True):
            ax.annotate("inf" if not np.isfinite(h) else f"{h:.0f}", (x, top),
                        textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7,
                        color="C2")
    ax.set_yscale("log")
    ax.set_ylim(bottom, top * 1.6)
    ax.set_xlabel("year")
    ax.set_ylabel("Ne (log scale)")
    ax.legend(fontsize=8, loc="lower left")
    return _png(fig)


def plots(table: pd.DataFrame, line: tuple[float, float] | None,
          pathogens: list[str]) -> dict[str, str]:
    """Base64 PNGs: N-hat with 95% intervals and the trend line; Ne with intervals;
    seroprevalence per pathogen and year with Wilson intervals.

    Parameters
    ----------
    table : DataFrame
        From :func:`per_year_table`.
    line : tuple of (float, float) or None
        Trend line from :func:`trend_line`, or None for none.
    pathogens : list of str
        Pathogens with a seroprevalence column in ``table``.

    Returns
    -------
    dict of str to str
        Keys ``n_hat``, ``ne``, ``seroprevalence``; an empty string for a plot not drawn.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {"n_hat": "", "ne": "", "seroprevalence": ""}
    yr = table["year"].to_numpy(float)
    ok = table["n_hat"].notna().to_numpy()
    if ok.any():
        fig, ax = plt.subplots(figsize=(6, 3.2))
        t = table[ok]
        hi = np.where(np.isfinite(t["n_hat_hi"]), t["n_hat_hi"], t["n_hat"])
        ax.errorbar(yr[ok], t["n_hat"], yerr=_errs(t["n_hat"], t["n_hat_lo"], hi), fmt="o",
                    capsize=3, label="N-hat (95% CI)")
        if t["n_detected"].notna().any():
            ax.plot(yr[ok], t["n_detected"].astype(float), "s", mfc="none", color="grey",
                    label="animals detected")
        if line is not None:
            xs = np.linspace(yr[ok].min(), yr[ok].max(), 50)
            ax.plot(xs, np.exp(line[0] + line[1] * xs), "-", color="C3", label="trend")
        ax.set_xlabel("year")
        ax.set_ylabel("animals")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
        out["n_hat"] = _png(fig)
    ok = (table["ne"].notna() & np.isfinite(table["ne"].astype(float))).to_numpy()
    if ok.any():
        out["ne"] = ne_plot(yr[ok], table.loc[ok, "ne"].to_numpy(float),
                            table.loc[ok, "ne_lo"].to_numpy(float),
                            table.loc[ok, "ne_hi"].to_numpy(float))
    if pathogens:
        fig, ax = plt.subplots(figsize=(6, 3.2))
        k = len(pathogens)
        for j, pth in enumerate(pathogens):
            col = pathogen_column(pth)
            ok = table[col].notna().to_numpy()
            if not ok.any():
                continue
            t = table[ok]
            ax.errorbar(yr[ok] + (j - (k - 1) / 2) * 0.1, t[col],
                        yerr=_errs(t[col], t[col + "_lo"], t[col + "_hi"]), fmt="o", capsize=2,
                        label=str(pth))
        ax.set_ylim(-0.02, 1.25)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_xlabel("year")
        ax.set_ylabel("apparent prevalence")
        ax.legend(fontsize=7, ncol=min(k, 5))
        out["seroprevalence"] = _png(fig)
    return out


def render(table: pd.DataFrame, test: dict, ne_all: dict | None,
           diversity: pd.DataFrame | None, pathogens: list[str], images: dict,
           ne_warnings: dict | None = None) -> str:
    """HTML of the summary page (template ``summary.html.j2``, autoescaped).

    Parameters
    ----------
    table : DataFrame
        From :func:`per_year_table`.
    test : dict
        The trend test (:func:`read_trend_test`, plus ``mean_smlh_all``).
    ne_all : dict or None
        From :func:`overall_ne`.
    diversity : DataFrame or None
        From :func:`read_diversity`.
    pathogens : list of str
        Pathogens shown.
    images : dict of str to str
        From :func:`plots`.
    ne_warnings : dict or None
        From :func:`ne_year_warnings`.

    Returns
    -------
    str
        The HTML text.
    """
    from leogen.report.html import environment

    latest = table[table["n_hat"].notna()].tail(1).to_dict("records")
    latest_ne = table[table["ne"].notna()].tail(1).to_dict("records")
    for rec in latest:
        rec["warnings"] = estimate_warnings(rec["n_hat"], rec["n_hat_lo"], rec["n_hat_hi"])
    for rec in latest_ne:
        rec["warnings"] = (ne_warnings or {}).get(int(rec["year"]), estimate_warnings(
            rec["ne"], rec["ne_lo"], rec["ne_hi"]))
    return environment().get_template("summary.html.j2").render(
        rows=table.to_dict("records"), test=test, ne_all=ne_all,
        latest=latest[0] if latest else None, latest_ne=latest_ne[0] if latest_ne else None,
        diversity=[] if diversity is None else diversity.drop(columns="_line").to_dict(
            "records"),
        pathogens=[{"name": p, "col": pathogen_column(p),
                    "n": "n_tested_" + pathogen_column(p)[len("seroprev_"):]}
                   for p in pathogens],
        has_smlh=bool(table["mean_smlh"].notna().any()),
        has_ar="mean_ar" in table and bool(table["mean_ar"].notna().any()), plots=images)


def survival_summary(path) -> dict:
    """Apparent survival for the page: the constant phi of the phi(.) model with the lowest
    AICc among those with constant survival, from ``monitoring/survival.tsv``.

    Parameters
    ----------
    path : str or Path
        ``monitoring/survival.tsv`` (:func:`leogen.monitoring.outputs.read_survival`); its
        models file ``survival_models.tsv`` is read from the same folder when present.

    Returns
    -------
    dict
        ``phi, phi_lo, phi_hi, phi_model`` (empty when no constant-phi model was fitted).
    """
    from leogen.monitoring.outputs import read_survival, read_survival_models

    sv = read_survival(path, ["model", "parameter", "estimate", "lo", "hi"])
    const = sv[(sv["parameter"] == "phi") & sv["model"].astype(str).str.startswith("phi(.)")]
    if not len(const):
        return {}
    models = Path(path).with_name("survival_models.tsv")
    order = list(dict.fromkeys(const["model"]))
    if models.exists():
        m = read_survival_models(models, ["model", "aicc"])
        m = m[m["model"].isin(order)].sort_values("aicc", kind="stable")
        if len(m):
            order = [str(m["model"].iloc[0])]
    r = const[const["model"] == order[0]].iloc[0]
    return {"phi": float(r["estimate"]), "phi_lo": float(r["lo"]), "phi_hi": float(r["hi"]),
            "phi_model": order[0]}


def state_of_population(abundance, ne, trend, trend_test, diversity=None, prevalence=None,
                        inbreeding=None, detection_history=None, genotypes=None,
                        scr_estimates=None, scr_trend=None, survival=None) -> dict:
    """Read the stage outputs (paths) and build the summary: ``table`` (per year),
    ``test`` (trend test), ``ne_all``, ``diversity``, ``pathogens``, ``line``.

    Parameters
    ----------
    abundance, ne, trend, trend_test : str or Path
        Paths of ``abundance.tsv``, ``ne.tsv``, ``trend.tsv`` and ``trend_test.tsv``.
    diversity, prevalence, inbreeding, detection_history : str or Path, optional
        Paths of the optional stage outputs.
    genotypes : str or Path, optional
        Individual genotypes, for the diversity of each year's animals.
    scr_estimates, scr_trend : str or Path, optional
        ``scr/estimates.tsv`` and ``scr/trend.tsv``: with them the page reports the spatial
        capture-recapture N-hat and density per year and the density trend (and says so);
        the non-spatial models otherwise.
    survival : str or Path, optional
        ``monitoring/survival_models.tsv``'s companion ``monitoring/survival.tsv``: apparent
        survival of the best model by AICc.

    Returns
    -------
    dict
        The summary, as consumed by :func:`write_summary`.

    Raises
    ------
    InputError
        When ``genotypes`` is given without ``detection_history``, or a table is invalid.
    """
    tr = read_trend(trend)
    ab = read_abundance(abundance)
    nd = read_ne(ne)
    test = read_trend_test(trend_test)
    from leogen.health.outputs import read_yearly_prevalence
    from leogen.monitoring.outputs import read_detection_history
    from leogen.popgen.outputs import read_individual_inbreeding

    prev = read_yearly_prevalence(prevalence) if prevalence else None
    inb = (read_individual_inbreeding(inbreeding, ["individual_id", "smlh"])
           if inbreeding else None)
    det = read_detection_history(detection_history) if detection_history else None
    div = read_diversity(diversity) if diversity else None
    yearly = None
    if genotypes:
        from leogen.io.formats import read_individual_genotypes
        from leogen.popgen.diversity import yearly_diversity

        if det is None:
            raise InputError("the diversity of each year's animals (genotypes) needs the "
                             "detection history (the animals of each year)")
        yearly = yearly_diversity(read_individual_genotypes(genotypes), det)
    scr = None
    test_extra = {"n_hat_method": "nonspatial"}
    if scr_estimates:
        from leogen.scr.outputs import read_estimates

        scr = read_estimates(scr_estimates)
        test_extra["n_hat_method"] = "scr"
    if scr_trend:
        from leogen.scr.outputs import read_trend as read_scr_trend

        st = read_scr_trend(scr_trend)
        lam = st[st["parameter"] == "lambda"]
        if len(lam):
            r = lam.iloc[0]
            test_extra.update(scr_lambda=float(r["estimate"]), scr_lambda_lo=float(r["lo"]),
                              scr_lambda_hi=float(r["hi"]), scr_first=str(r["first_session"]),
                              scr_last=str(r["last_session"]))
    if survival:
        test_extra.update(survival_summary(survival))
    table = per_year_table(tr, ab, nd, prev, inb, det, yearly, scr)
    pathogens = sorted(set(prev["pathogen"])) if prev is not None else []
    smlh_all = float(inb["smlh"].mean()) if inb is not None and len(inb) else math.nan
    return {"table": table, "test": {**test, "mean_smlh_all": smlh_all, **test_extra},
            "ne_all": overall_ne(nd), "ne_warnings": ne_year_warnings(nd),
            "diversity": div, "pathogens": pathogens,
            # the WLS line belongs to the non-spatial N-hat: not drawn over SCR estimates
            "line": None if scr is not None else trend_line(tr, float(test["slope_log"]))}


def write_summary(res: dict, out_dir) -> list[Path]:
    """Write ``state_of_population.tsv`` and ``state_of_population.html`` to ``out_dir``.

    Parameters
    ----------
    res : dict
        From :func:`state_of_population`.
    out_dir : str or Path
        Output directory (created when missing).

    Returns
    -------
    list of Path
        The two files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tsv, html = out / "state_of_population.tsv", out / "state_of_population.html"
    STATE_OF_POPULATION.write(res["table"], tsv)
    images = plots(res["table"], res["line"], res["pathogens"])
    text = render(res["table"], res["test"], res["ne_all"], res["diversity"], res["pathogens"],
                  images, res.get("ne_warnings"))
    with atomic_open(html, "w", encoding="utf-8") as fh:
        fh.write(text)
    return [tsv, html]


def run(abundance, ne, trend, trend_test, diversity=None, prevalence=None, inbreeding=None,
        detection_history=None, genotypes=None, out_dir=None, scr_estimates=None,
        scr_trend=None, survival=None) -> dict:
    """The ``leogen summary`` step: :func:`state_of_population`, written to ``out_dir``
    (:func:`write_summary`) when given. Parameters are the paths of the stage outputs."""
    res = state_of_population(abundance, ne, trend, trend_test, diversity, prevalence,
                              inbreeding, detection_history, genotypes, scr_estimates,
                              scr_trend, survival)
    if out_dir is not None:
        write_summary(res, out_dir)
    return res
