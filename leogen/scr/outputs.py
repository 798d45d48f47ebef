"""Tables of the scr stage (spatially explicit capture-recapture), declared once, with their
readers. None holds coordinates: the density map is drawn on the generalised grid and secr
exports (which do hold projected detector coordinates) are private files.
"""

from __future__ import annotations

from leogen.io.tables import Column, Table

ESTIMATES = Table(
    "scr/estimates.tsv",
    "SECR estimates per session: density (per km^2 and per 100 km^2), expected number in the "
    "mask (and a region), g0 or lambda0 per detector group, sigma (m), with SE and 95% "
    "interval.",
    (
        Column("session", "str", na=False),
        Column("parameter", "str", na=False,
               description="density_per_km2|density_per_100km2|n_hat|n_hat_region|"
                           "g0[<group>]|lambda0[<group>]|sigma|pmix[2] (class suffix [1], "
                           "[2] in latent mixture models; [F], [M] and pmix[F], pmix[M] in "
                           "the known-sex model)"),
        Column("estimate", "float"),
        Column("se", "float"),
        Column("lo", "float"),
        Column("hi", "float"),
        Column("n_animals", "int", na=False),
        Column("n_detections", "int", na=False),
        Column("model", "str", na=False,
               description="the model of the row: the null model's rows first, then the "
                           "known-sex model's when fitted"),
        Column("crs", "str", description="projection of the detector coordinates"),
    ),
)

MODELS = Table(
    "scr/models.tsv",
    "every SECR model fitted, with its log-likelihood and AIC.",
    (
        Column("model", "str", na=False),
        Column("detection_function", "str", na=False, description="hn|hhn per group"),
        Column("likelihood", "str", na=False, description="full|conditional"),
        Column("n_par", "int", na=False),
        Column("loglik", "float"),
        Column("aic", "float"),
        Column("delta_aic", "float",
               description="among models of the same likelihood and the same known classes "
                           "(the known-sex models, pmix~sex, among themselves)"),
        Column("converged", "bool", na=False),
    ),
)

TREND = Table(
    "scr/trend.tsv",
    "log-linear density trend D_t = exp(b0 + b1 t) over sessions: finite rate of change per "
    "year with its 95% interval.",
    (
        Column("parameter", "str", na=False, description="lambda (= exp(b1)) or b1"),
        Column("estimate", "float"),
        Column("se", "float"),
        Column("lo", "float"),
        Column("hi", "float"),
        Column("first_session", "str"),
        Column("last_session", "str"),
        Column("n_sessions", "int", na=False),
    ),
)

MASK_CHECK = Table(
    "scr/mask_check.tsv",
    "density refitted with wider buffers (secr's mask.check): stable when the change is "
    "below 1%.",
    (
        Column("buffer_m", "float", na=False),
        Column("spacing_m", "float", na=False),
        Column("n_mask_points", "int", na=False),
        Column("density_per_km2", "float"),
        Column("relative_change", "float",
               description="relative to the buffer used for the estimates"),
        Column("used", "bool", na=False),
        Column("stable", "bool", na=False),
    ),
)


def read_estimates(path, columns: list[str] | None = None):
    """Read ``scr/estimates.tsv`` (see :data:`ESTIMATES`).

    Parameters
    ----------
    path : str or Path
    columns : list of str, optional
        Declared columns to return (default all).

    Returns
    -------
    DataFrame
        Typed as declared, plus ``_line``.
    """
    return ESTIMATES.read(path, columns)


def read_trend(path):
    """Read ``scr/trend.tsv`` (see :data:`TREND`).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    DataFrame
    """
    return TREND.read(path)


TABLES = [ESTIMATES, MODELS, TREND, MASK_CHECK]
