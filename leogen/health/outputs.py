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

ALERTS = Table(
    "health/alerts.tsv",
    "per animal: the alerts of its page, most severe first (rank 1 urgent, 2 attention, "
    "3 information; see docs/health.md for the scale).",
    (
        Column("individual_id", "str", na=False),
        Column("rank", "int", na=False),
        Column("level", "str", na=False, description="urgent|attention|information"),
        Column("kind", "str", na=False, description="agent_detected|fourfold_rise|"
               "seroconversion|seropositive|equivocal|overdue|positive_earlier|reversion|"
               "untested|missing_cutoff|lab_disagrees|inbreeding"),
        Column("pathogen", "str", description="empty for alerts about the animal"),
        Column("date", "date", description="date of the event; NA when not dated"),
        Column("text", "str", na=False),
    ),
)

TRIAGE = Table(
    "health/triage.tsv",
    "per animal and pathogen: the status box of the page (current evidence, last test and "
    "the severity level of the legend).",
    (
        Column("individual_id", "str", na=False),
        Column("pathogen", "str", na=False),
        Column("level", "str", na=False, description="urgent|attention|clear|no data"),
        Column("evidence", "str", na=False),
        Column("last_test", "date"),
        Column("latest_result", "str"),
        Column("latest_assay", "str"),
        Column("latest_titer", "str"),
    ),
)

RISES = Table(
    "health/titre_rises.tsv",
    "fourfold (or greater) titre rises between paired samples of the same animal, pathogen "
    "and assay (censored titres count only when the rise is certain).",
    (
        Column("individual_id", "str", na=False),
        Column("pathogen", "str", na=False),
        Column("assay", "str", na=False),
        Column("date_1", "date", na=False),
        Column("titer_1", "str", na=False),
        Column("date_2", "date", na=False),
        Column("titer_2", "str", na=False),
        Column("fold_rise", "float", na=False, description="certain lower bound of the rise"),
        Column("days", "int", na=False),
    ),
)

FORCE_OF_INFECTION = Table(
    "health/force_of_infection.tsv",
    "per pathogen: catalytic models of age-specific seroprevalence (constant force of "
    "infection; with seroreversion) by maximum likelihood with profile-likelihood 95% "
    "intervals (Hens et al. 2010), one antibody result per animal.",
    (
        Column("pathogen", "str", na=False),
        Column("model", "str", na=False, description="constant|reversion"),
        Column("n", "int", na=False),
        Column("n_positive", "int", na=False),
        Column("n_ages", "int", na=False),
        Column("foi", "float", description="per year; NA when not fitted"),
        Column("foi_lo", "float"),
        Column("foi_hi", "float"),
        Column("reversion", "float", description="per year (reversion model only)"),
        Column("reversion_lo", "float"),
        Column("reversion_hi", "float"),
        Column("loglik", "float"),
        Column("ages", "str", na=False, description="age (years) assumed per age class"),
        Column("note", "str"),
    ),
)

MIXTURE = Table(
    "health/mixture.tsv",
    "per pathogen and antibody assay: two-component normal mixture on log2 titres (EM, Wald "
    "95% intervals), its cut-off and the configured one.",
    (
        Column("pathogen", "str", na=False),
        Column("assay", "str", na=False),
        Column("n", "int", na=False),
        Column("pi", "float", description="share of the seropositive component"),
        Column("pi_lo", "float"),
        Column("pi_hi", "float"),
        Column("mu_neg", "float", description="log2 titre"),
        Column("mu_neg_lo", "float"),
        Column("mu_neg_hi", "float"),
        Column("mu_pos", "float"),
        Column("mu_pos_lo", "float"),
        Column("mu_pos_hi", "float"),
        Column("sd_neg", "float"),
        Column("sd_pos", "float"),
        Column("cutoff_log2", "float", description="posterior 0.5"),
        Column("cutoff_titre", "float", description="reciprocal titre"),
        Column("configured_cutoff", "float"),
        Column("n_disagree", "int", description="tests classified differently by the two"),
        Column("note", "str"),
    ),
)

SURVEY_DESIGN = Table(
    "health/survey_design.tsv",
    "per pathogen: animals to test to estimate the prevalence to +/- precision (Humphry et "
    "al. 2004, as epiR epi.sssimpleestb) and to claim freedom at the design prevalence with "
    "imperfect Se/Sp (binomial FreeCalc, Cameron & Baldock 1998).",
    (
        Column("pathogen", "str", na=False),
        Column("sensitivity", "float", na=False),
        Column("specificity", "float", na=False),
        Column("se_sp_source", "str", na=False),
        Column("expected_prevalence", "float", na=False),
        Column("precision", "float", na=False),
        Column("n_prevalence", "int"),
        Column("design_prevalence", "float", na=False),
        Column("n_freedom", "int"),
        Column("cut_point", "int", description="positives at which freedom is rejected"),
        Column("population_sensitivity", "float"),
        Column("population_specificity", "float"),
        Column("n_animals_known", "int", na=False),
        Column("n_freedom_finite", "int", description="hypergeometric FreeCalc with the "
               "test's Se and Sp, N = animals known; NA when testing all N is not enough"),
        Column("note", "str"),
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


TABLES = [ALERTS, FORCE_OF_INFECTION, HFC, MIXTURE, PREVALENCE, RISES, STATUS,
          SURVEY_DESIGN, TRIAGE, WDDS]
