"""Tables of the monitoring stage (Ne, detection histories, abundance, trend), declared once,
with their writers and the readers later stages use (``leogen summary``, ``leogen abundance``
reading ``ne.tsv``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leogen.io.tables import Column, Table

NE = Table(
    "monitoring/ne.tsv",
    "LDNe per group (all, years) and allele-frequency cut-off, with parametric and jackknife "
    "intervals; heterozygote-excess and temporal Ne.",
    (
        Column("group", "str", na=False, description="all, a year, or <period>_vs_<period>"),
        Column("method", "str", na=False, description="ld|het_excess|temporal"),
        Column("p_crit", "str", description="lowest allele frequency kept (0+: singletons "
                                            "dropped); empty for the other methods"),
        Column("n_individuals", "int"),
        Column("harmonic_s", "float"),
        Column("n_loci", "int"),
        Column("n_locus_pairs", "int"),
        Column("n_independent_comparisons", "float"),
        Column("r2", "float"),
        Column("r2_expected", "float"),
        Column("r2_drift", "float"),
        Column("ne", "float", description="inf when no drift signal"),
        Column("ne_lo", "float"),
        Column("ne_hi", "float"),
        Column("ne_jack_lo", "float"),
        Column("ne_jack_hi", "float"),
        Column("n_hat", "float"),
        Column("ne_n_ratio", "float"),
        Column("mean_ho", "float"),
        Column("mean_he", "float"),
        Column("note", "str"),
    ),
)

DETECTION_HISTORY = Table(
    "monitoring/detection_history.tsv",
    "detection history per animal and year, with its sources.",
    (
        Column("year", "int", na=False),
        Column("individual_id", "str", na=False),
        Column("history", "str", na=False, description="0/1 per occasion of the year"),
        Column("n_occasions", "int", na=False),
        Column("n_occasions_detected", "int", na=False),
        Column("n_detections", "int", na=False),
        Column("n_genetic", "int", na=False),
        Column("n_camera", "int", na=False),
        Column("sources", "str", na=False),
        Column("n_places", "int", na=False),
        Column("first_date", "date", na=False),
        Column("last_date", "date", na=False),
        Column("occasion_labels", "str", na=False),
    ),
)

ABUNDANCE = Table(
    "monitoring/abundance.tsv",
    "abundance per year by method and model, the selected estimate flagged.",
    (
        Column("year", "int", na=False),
        Column("method", "str", na=False),
        Column("model", "str", na=False),
        Column("n_detected", "int"),
        Column("n_occasions", "int"),
        Column("n_detections", "int"),
        Column("n_hat", "float"),
        Column("n_hat_lo", "float"),
        Column("n_hat_hi", "float"),
        Column("se", "float"),
        Column("aic", "float"),
        Column("loglik", "float"),
        Column("p_value", "float"),
        Column("ci_method", "str"),
        Column("selected", "bool", na=False),
        Column("note", "str"),
    ),
)

#: Columns of ``trend.tsv`` present only when an Ne table was given.
TREND_NE_COLUMNS = (Column("ne", "float"), Column("ne_lo", "float"), Column("ne_hi", "float"),
                    Column("mean_ho", "float"), Column("mean_he", "float"),
                    Column("ne_n_ratio", "float"))

TREND = Table(
    "monitoring/trend.tsv",
    "per-year N-hat, Ne, Ho, He.",
    (
        Column("year", "int", na=False),
        Column("method", "str"),
        Column("n_hat_model", "str"),
        Column("n_detected", "int"),
        Column("n_hat", "float"),
        Column("n_hat_lo", "float"),
        Column("n_hat_hi", "float"),
        Column("se", "float"),
        Column("var_log_n_hat", "float"),
    ),
    optional=TREND_NE_COLUMNS,
)

TREND_TEST = Table(
    "monitoring/trend_test.tsv",
    "trend of log N-hat over years (WLS) with its power for a 5% yearly decline.",
    (
        Column("n_years", "int", na=False),
        Column("first_year", "int"),
        Column("last_year", "int"),
        Column("slope_log", "float"),
        Column("slope_log_se", "float"),
        Column("annual_change", "float"),
        Column("annual_change_lo", "float"),
        Column("annual_change_hi", "float"),
        Column("p_value", "float"),
        Column("scale", "float"),
        Column("note", "str"),
        Column("power_decline", "float"),
        Column("power_cv", "float"),
        Column("power", "float"),
    ),
)

#: Columns of trend.tsv written when an Ne table is given (declared for readers).

SURVIVAL = Table(
    "monitoring/survival.tsv",
    "apparent survival (phi) and recapture (p) per model, interval and year from yearly "
    "Cormack-Jolly-Seber models, with logit-scale intervals.",
    (
        Column("model", "str", na=False, description="phi(.)p(.), phi(t)p(.), phi(.)p(t), "
                                                     "phi(t)p(t)"),
        Column("parameter", "str", na=False, description="phi|p|phi_x_p"),
        Column("interval", "str", na=False, description="<year>-<year> (phi), <year> (p), "
                                                        "all (constant)"),
        Column("estimate", "float"),
        Column("se", "float"),
        Column("lo", "float"),
        Column("hi", "float"),
        Column("ci_method", "str", na=False, description="wald|profile (logit scale)"),
        Column("note", "str"),
    ),
)

SURVIVAL_MODELS = Table(
    "monitoring/survival_models.tsv",
    "Cormack-Jolly-Seber models: parameters, log-likelihood, AICc and weights, bootstrap "
    "goodness of fit (c-hat).",
    (
        Column("model", "str", na=False),
        Column("k", "int", na=False),
        Column("loglik", "float"),
        Column("deviance", "float"),
        Column("n_eff", "int", na=False),
        Column("aicc", "float"),
        Column("delta", "float"),
        Column("weight", "float"),
        Column("c_hat", "float"),
        Column("qaicc", "float"),
        Column("gof_p_value", "float"),
        Column("note", "str"),
    ),
)


# ------------------------------------------------------------------------------ writers
def write_ne(table: pd.DataFrame, out_dir) -> None:
    """Write ``ne.tsv`` into ``out_dir`` through its declaration :data:`NE`.

    Parameters
    ----------
    table : DataFrame (n_rows, 21)
        :func:`leogen.monitoring.ne.ne_table` (columns ``NE_COLUMNS`` in order).
    out_dir : str or Path
        The output folder (``results/monitoring``).

    Raises
    ------
    ValueError
        The columns differ from the declaration.
    """
    NE.write(table, Path(out_dir) / "ne.tsv")


def write_abundance(tables: dict, out_dir) -> None:
    """Write the tables of :func:`leogen.monitoring.abundance.run` into ``out_dir``:
    ``detection_history.tsv``, ``abundance.tsv``, ``trend.tsv`` and ``trend_test.tsv``.

    Parameters
    ----------
    tables : dict of DataFrames
        Keys ``detection_history``, ``abundance``, ``trend``, ``trend_test``, columns as
        declared in :data:`DETECTION_HISTORY`, :data:`ABUNDANCE`, :data:`TREND`,
        :data:`TREND_TEST`.
    out_dir : str or Path
        The output folder.

    Raises
    ------
    ValueError
        A table's columns differ from its declaration.
    """
    out = Path(out_dir)
    DETECTION_HISTORY.write(tables["detection_history"], out / "detection_history.tsv")
    ABUNDANCE.write(tables["abundance"], out / "abundance.tsv")
    TREND.write(tables["trend"], out / "trend.tsv")
    TREND_TEST.write(tables["trend_test"], out / "trend_test.tsv")


def write_survival(tables: dict, out_dir) -> None:
    """Write ``survival.tsv`` and ``survival_models.tsv`` of
    :func:`leogen.monitoring.survival.run` into ``out_dir``.

    Parameters
    ----------
    tables : dict of DataFrames
        Keys ``survival``, ``survival_models``, columns as declared in :data:`SURVIVAL`,
        :data:`SURVIVAL_MODELS`.
    out_dir : str or Path
        The output folder.

    Raises
    ------
    ValueError
        A table's columns differ from its declaration.
    """
    out = Path(out_dir)
    SURVIVAL.write(tables["survival"], out / "survival.tsv")
    SURVIVAL_MODELS.write(tables["survival_models"], out / "survival_models.tsv")


# ------------------------------------------------------------------------------ readers
def read_ne(path, columns: list[str] | None = None, optional=()) -> pd.DataFrame:
    """``ne.tsv`` read strictly (default columns: all).

    Parameters
    ----------
    path : str or Path
        A ``monitoring/ne.tsv``.
    columns : list of str, optional
        Declared columns needed (each must be in the file).
    optional : sequence of str
        Declared columns read when the file has them.

    Returns
    -------
    DataFrame (n_rows, len(columns) + 1)
        Typed as declared (:meth:`leogen.io.tables.Table.read`), plus ``_line``.

    Raises
    ------
    InputError
        A missing column or a cell not of its declared type (file, line, column).
    """
    return NE.read(path, columns, if_present=optional)


def read_detection_history(path) -> pd.DataFrame:
    """``detection_history.tsv``: ``year, individual_id`` (the animals detected each year).

    Parameters
    ----------
    path : str or Path
        A ``monitoring/detection_history.tsv``.

    Returns
    -------
    DataFrame (n_animal_years, 3)
        ``year`` (int64), ``individual_id`` (str), ``_line``.

    Raises
    ------
    InputError
        As :func:`read_ne`.
    """
    return DETECTION_HISTORY.read(path, ["year", "individual_id"])


def read_abundance(path, columns: list[str] | None = None) -> pd.DataFrame:
    """``abundance.tsv`` read strictly (default columns: all).

    Parameters
    ----------
    path : str or Path
        A ``monitoring/abundance.tsv``.
    columns : list of str, optional
        Declared columns needed.

    Returns
    -------
    DataFrame (n_rows, len(columns) + 1)
        Typed as declared (``selected`` bool), plus ``_line``.

    Raises
    ------
    InputError
        As :func:`read_ne`.
    """
    return ABUNDANCE.read(path, columns)


def read_trend(path, columns: list[str], optional=()) -> pd.DataFrame:
    """``trend.tsv``: ``columns`` and those of ``optional`` present, typed.

    Parameters
    ----------
    path : str or Path
        A ``monitoring/trend.tsv``.
    columns : list of str
        Declared columns needed.
    optional : sequence of str
        Declared columns read when present (e.g. :data:`TREND_NE_COLUMNS`, written only
        with an Ne table).

    Returns
    -------
    DataFrame (n_years, ...)
        Typed as declared, plus ``_line``.

    Raises
    ------
    InputError
        As :func:`read_ne`.
    """
    return TREND.read(path, columns, if_present=optional)


def read_trend_test(path, columns: list[str], optional=()) -> pd.DataFrame:
    """``trend_test.tsv``: ``columns`` and those of ``optional`` present, typed.

    Parameters
    ----------
    path : str or Path
        A ``monitoring/trend_test.tsv``.
    columns : list of str
        Declared columns needed.
    optional : sequence of str
        Declared columns read when present.

    Returns
    -------
    DataFrame (1, ...)
        Typed as declared, plus ``_line``.

    Raises
    ------
    InputError
        As :func:`read_ne`.
    """
    return TREND_TEST.read(path, columns, if_present=optional)


def read_survival(path, columns: list[str] | None = None) -> pd.DataFrame:
    """``survival.tsv`` read strictly (default columns: all).

    Parameters
    ----------
    path : str or Path
        A ``monitoring/survival.tsv``.
    columns : list of str, optional
        Declared columns needed.

    Returns
    -------
    DataFrame (n_rows, len(columns) + 1)
        Typed as declared, plus ``_line``.

    Raises
    ------
    InputError
        As :func:`read_ne`.
    """
    return SURVIVAL.read(path, columns)


def read_survival_models(path, columns: list[str] | None = None) -> pd.DataFrame:
    """``survival_models.tsv`` read strictly (default columns: all).

    Parameters
    ----------
    path : str or Path
        A ``monitoring/survival_models.tsv``.
    columns : list of str, optional
        Declared columns needed.

    Returns
    -------
    DataFrame (n_models, len(columns) + 1)
        Typed as declared, plus ``_line``.

    Raises
    ------
    InputError
        As :func:`read_ne`.
    """
    return SURVIVAL_MODELS.read(path, columns)


TABLES = [NE, DETECTION_HISTORY, ABUNDANCE, TREND, TREND_TEST, SURVIVAL, SURVIVAL_MODELS]
