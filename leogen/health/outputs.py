"""Tables of the health stage, declared once (columns, types, NA rule), with their readers.

The health stage writes these tables with ``SPEC.write``
(:func:`leogen.health.report.write_health`); later stages read them only through the
declarations or the readers below (the summary page reads the yearly prevalence with
:func:`read_yearly_prevalence`). The vets' pages and table (``health/animals/<id>.html``,
``animals.csv``, ``animals.xlsx``, ``population.html``) are reports, not tables any stage
reads, and are not declared here.
"""

from __future__ import annotations

import pandas as pd

from leogen.errors import InputError
from leogen.io.tables import Column, Table

STATUS = Table(
    "health/status.tsv",
    "per animal and pathogen: test timeline, latest status, seroconversion/reversion.",
    (
        Column("individual_id", "str", na=False),
        Column("pathogen", "str", na=False),
        Column("n_tests", "int", na=False),
        Column("n_samples", "int", na=False),
        Column("first_test", "date", na=False),
        Column("last_test", "date", na=False),
        Column("ever_positive", "bool", na=False),
        Column("n_positive_tests", "int", na=False),
        Column("n_equivocal_tests", "int", na=False),
        Column("status", "str", na=False, description="positive|negative|equivocal"),
        Column("latest_result", "str", na=False),
        Column("latest_assay", "str", na=False),
        Column("latest_titer", "str", description="empty when the latest test has no titre"),
        Column("seroconversion", "bool", na=False),
        Column("seroconversion_date", "date"),
        Column("reversion", "bool", na=False),
        Column("reversion_date", "date"),
        Column("missing_cutoff", "bool", na=False),
        Column("lab_disagrees", "bool", na=False),
        Column("assays", "str", na=False),
    ),
)

PREVALENCE = Table(
    "health/prevalence.tsv",
    "per pathogen and stratum, counted per animal: apparent prevalence with three intervals, "
    "true prevalence (Rogan-Gladen) with exact interval.",
    (
        Column("pathogen", "str", na=False),
        Column("stratum", "str", na=False, description="overall|year|sex|age_class|site"),
        Column("level", "str", na=False, description="the stratum's level (a year for year)"),
        Column("n_animals", "int", na=False),
        Column("n_positive", "int", na=False),
        Column("n_equivocal", "int", na=False),
        Column("apparent", "float", description="NA when no animal is positive or negative"),
        Column("wilson_lo", "float"),
        Column("wilson_hi", "float"),
        Column("clopper_pearson_lo", "float"),
        Column("clopper_pearson_hi", "float"),
        Column("jeffreys_lo", "float"),
        Column("jeffreys_hi", "float"),
        Column("sensitivity", "float"),
        Column("specificity", "float"),
        Column("se_sp_source", "str", na=False),
        Column("true_prev", "float"),
        Column("true_prev_lo", "float"),
        Column("true_prev_hi", "float"),
        Column("true_prev_method", "str", na=False),
        Column("true_prev_wilson_lo", "float"),
        Column("true_prev_wilson_hi", "float"),
    ),
)

HFC = Table(
    "health/hfc.tsv",
    "heterozygosity-disease models per pathogen and predictor.",
    (
        Column("pathogen", "str", na=False),
        Column("predictor", "str", na=False),
        Column("n", "int", na=False),
        Column("n_events", "int", na=False),
        Column("or_per_sd", "float", description="NA when the model is not fitted"),
        Column("or_lo", "float"),
        Column("or_hi", "float"),
        Column("p_value", "float"),
        Column("q_value_bh", "float"),
        Column("method", "str", na=False, description="glm|firth|not fitted"),
        Column("ci_method", "str"),
        Column("covariates", "str"),
        Column("events_per_parameter", "float"),
        Column("separation", "bool"),
        Column("power", "float"),
        Column("g2", "float"),
        Column("g2_p", "float"),
        Column("caveat", "str", na=False),
    ),
)

WDDS = Table(
    "health/wdds.tsv",
    "Wildlife Disease Data Standard export (generalised coordinates, negatives included).",
    (
        Column("sampleID", "str", na=False),
        Column("animalID", "str"),
        Column("latitude", "float"),
        Column("longitude", "float"),
        Column("spatialUncertainty", "float", description="metres"),
        Column("collectionDay", "int"),
        Column("collectionMonth", "int"),
        Column("collectionYear", "int"),
        Column("sampleCollectionMethod", "str"),
        Column("sampleMaterial", "str"),
        Column("hostIdentification", "str", na=False),
        Column("organismSex", "str", na=False),
        Column("liveCapture", "str", description="WDDS TRUE|FALSE, NA when unknown"),
        Column("hostLifeStage", "str"),
        Column("detectionTarget", "str", na=False),
        Column("detectionMethod", "str", na=False),
        Column("detectionOutcome", "str", na=False),
        Column("detectionMeasurement", "str"),
        Column("detectionMeasurementUnits", "str"),
        Column("parasiteIdentification", "str"),
        Column("dataGeneralizations", "str", na=False),
    ),
)

#: Columns of ``prevalence.tsv`` the yearly reader returns (besides ``year`` and ``_line``).
YEARLY_PREVALENCE_COLUMNS = ["pathogen", "n_animals", "n_positive", "apparent", "wilson_lo",
                             "wilson_hi"]


def read_prevalence(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``prevalence.tsv`` strictly (see :data:`PREVALENCE`).

    Parameters
    ----------
    path : the table written by the health stage.
    columns : declared columns to return (default: all).

    Returns
    -------
    DataFrame, one row per pathogen, stratum and level, typed as declared, with ``_line``.
    """
    return PREVALENCE.read(path, columns)


def read_yearly_prevalence(path) -> pd.DataFrame:
    """The ``year`` stratum of ``prevalence.tsv``: apparent prevalence per pathogen and year.

    Parameters
    ----------
    path : the table written by the health stage.

    Returns
    -------
    DataFrame with ``pathogen, year`` (int), ``n_animals, n_positive, apparent, wilson_lo,
    wilson_hi`` and ``_line``; one row per pathogen and year. A ``level`` of the year stratum
    that is not a year YYYY raises :class:`InputError` naming the file, line and column.
    """
    df = PREVALENCE.read(path, ["stratum", "level", *YEARLY_PREVALENCE_COLUMNS])
    df = df[df["stratum"] == "year"].reset_index(drop=True)
    ok = df["level"].str.fullmatch(r"\d{4}")
    if not ok.all():
        k = int((~ok).to_numpy().nonzero()[0][0])
        raise InputError(f"'{df['level'].iloc[k]}' is not a year (expected YYYY)", path,
                         int(df["_line"].iloc[k]), "level")
    df.insert(1, "year", df["level"].astype(int))
    return df[["pathogen", "year", *YEARLY_PREVALENCE_COLUMNS[1:], "_line"]]


TABLES = [HFC, PREVALENCE, STATUS, WDDS]
