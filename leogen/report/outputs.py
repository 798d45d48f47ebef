"""Tables of the report stage (``leogen summary``), declared once.

``state_of_population.html`` is the page; the table beside it holds every number the page
shows, one row per year.
"""

from __future__ import annotations

from leogen.io.tables import Column, Table

#: The columns every state-of-the-population table has, in order.
BASE_COLUMNS = ["year", "n_detected", "n_hat", "n_hat_lo", "n_hat_hi", "ne", "ne_lo", "ne_hi",
                "mean_smlh"]

STATE_OF_POPULATION = Table(
    "report/state_of_population.tsv",
    "per year: animals detected, N-hat (selected or model-averaged) and LD Ne (p_crit 0.02, "
    "jackknife interval) with 95% intervals, mean sMLH of the year's animals, their "
    "diversity and the apparent seroprevalence per pathogen (Wilson interval); nothing "
    "re-estimated.",
    (
        Column("year", "int", na=False),
        Column("n_detected", "int"),
        Column("n_hat", "float"),
        Column("n_hat_lo", "float"),
        Column("n_hat_hi", "float"),
        Column("ne", "float"),
        Column("ne_lo", "float"),
        Column("ne_hi", "float"),
        Column("mean_smlh", "float"),
        Column("n_hat_method", "str", na=False,
               description="spatial capture-recapture (scr) or the non-spatial closed-"
                           "population model (nonspatial) behind n_hat"),
    ),
    optional=(
        Column("density_per_100km2", "float", description="SCR density (with scr)"),
        Column("density_per_100km2_lo", "float"),
        Column("density_per_100km2_hi", "float"),
        Column("n_hat_nonspatial", "float", description="the non-spatial N-hat beside the SCR "
                                                        "one"),
        Column("n_hat_nonspatial_lo", "float"),
        Column("n_hat_nonspatial_hi", "float"),
    ),
    extra="mean_ho, mean_he (+ mean_ho_se, mean_he_se, mean_ar, mean_ar_se, "
          "ar_rarefaction_size with genotypes), then per pathogen seroprev_<pathogen>, "
          "seroprev_<pathogen>_lo, seroprev_<pathogen>_hi, n_tested_<pathogen>",
)

TABLES = [STATE_OF_POPULATION]
