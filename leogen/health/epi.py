"""The serological-epidemiology tables of the health stage, from the linked tests.

* :func:`foi_table` (``force_of_infection.tsv``): per pathogen, the constant and reversible
  catalytic models (:mod:`leogen.health.serology`) fitted to one antibody result per animal
  (its first antibody test with a known age), ages from the sample's age class through
  :data:`DEFAULT_AGE_YEARS` (or the configured mapping);
* :func:`mixture_table` (``mixture.tsv``): per pathogen and antibody assay, the
  two-component mixture on log2 titres and its cut-off, beside the configured one;
* :func:`survey_table` (``survey_design.tsv``): per pathogen, animals to test to estimate
  the prevalence to +/- ``precision`` and to claim freedom at the design prevalence.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from leogen.health import serology
from leogen.health.triage import is_agent_assay

#: Age (years) assumed for an age class when fitting force of infection: the midpoints of
#: leopard age classes (cub < 1 year, juvenile 1-2, subadult 2-3). ``adult`` (3 to ~15
#: years) has no usable midpoint and is left out unless configured.
DEFAULT_AGE_YEARS = {"cub": 0.5, "juvenile": 1.5, "subadult": 2.5}

FOI_COLUMNS = ["pathogen", "model", "n", "n_positive", "n_ages", "foi", "foi_lo", "foi_hi",
               "reversion", "reversion_lo", "reversion_hi", "loglik", "ages", "note"]
MIXTURE_COLUMNS = ["pathogen", "assay", "n", "pi", "pi_lo", "pi_hi", "mu_neg", "mu_neg_lo",
                   "mu_neg_hi", "mu_pos", "mu_pos_lo", "mu_pos_hi", "sd_neg", "sd_pos",
                   "cutoff_log2", "cutoff_titre", "configured_cutoff", "n_disagree", "note"]
SURVEY_COLUMNS = ["pathogen", "sensitivity", "specificity", "se_sp_source",
                  "expected_prevalence", "precision", "n_prevalence", "design_prevalence",
                  "n_freedom", "cut_point", "population_sensitivity",
                  "population_specificity", "n_animals_known", "n_freedom_finite", "note"]


def _serology(tests: pd.DataFrame) -> pd.DataFrame:
    t = tests[(tests["individual_id"] != "") & ~tests["assay"].map(is_agent_assay)]
    return t[t["result"].isin(["positive", "negative"])]


def foi_table(tests: pd.DataFrame, samples: pd.DataFrame,
              age_years: dict | None = None) -> pd.DataFrame:
    """Force of infection per pathogen (constant; with seroreversion).

    Parameters
    ----------
    tests : linked tests; samples : the sample sheet (``age_class``).
    age_years : age class -> age in years (default :data:`DEFAULT_AGE_YEARS`).

    Returns
    -------
    DataFrame with :data:`FOI_COLUMNS`, two rows per pathogen.
    """
    ages_map = {str(k).lower(): float(v) for k, v in (age_years or DEFAULT_AGE_YEARS).items()}
    s = _serology(tests)
    cls = samples.set_index("sample_id")["age_class"] if "age_class" in samples else None
    rows = []
    desc = ", ".join(f"{k} {v:g}" for k, v in sorted(ages_map.items(), key=lambda kv: kv[1]))
    for pat, g in s.groupby("pathogen", sort=True):
        g = g.sort_values(["date", "line"], kind="stable")
        g = g.assign(age_class=g["sample_id"].map(cls) if cls is not None else "")
        g["age"] = g["age_class"].map(lambda c: ages_map.get(str(c).strip().lower(), math.nan))
        first = g[g["age"].notna()].drop_duplicates("individual_id")
        age = first["age"].to_numpy(float)
        pos = (first["result"] == "positive").to_numpy(float)
        note = ""
        if np.unique(age).size < 2:
            note = (f"not fitted: {np.unique(age).size} distinct age(s) among {len(age)} "
                    "animals of known age class (needs 2 or more)")
        for model in ("constant", "reversion"):
            if note:
                r = {"n": len(age), "n_positive": int(pos.sum()),
                     "n_ages": int(np.unique(age).size), "note": note}
            elif model == "constant":
                r = serology.catalytic_constant(age, pos)
            else:
                r = serology.catalytic_reversion(age, pos)
            rows.append({"pathogen": pat, "model": model, "ages": desc, **{
                k: r.get(k, math.nan) for k in FOI_COLUMNS if k not in ("pathogen", "model",
                                                                        "ages")}})
    return pd.DataFrame(rows, columns=FOI_COLUMNS)


def mixture_table(tests: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mixture cut-offs per pathogen and antibody assay, and the per-test posteriors.

    Parameters
    ----------
    tests : linked tests (exact and censored titres are used at their reciprocal value).

    Returns
    -------
    (table, posteriors) : :data:`MIXTURE_COLUMNS`; and ``line, pathogen, assay,
    p_seropositive`` per test with a titre of a fitted assay.
    """
    rows, post = [], []
    t = tests[tests["titer_value"].notna() & ~tests["assay"].map(is_agent_assay)]
    for (pat, assay), g in t.groupby(["pathogen", "assay"], sort=True):
        r = serology.mixture_cutoff(g["titer_value"].to_numpy(float))
        cut = g["cutoff"].dropna()
        configured = float(cut.iloc[0]) if len(cut) and cut.nunique() == 1 else math.nan
        n_dis = math.nan
        if math.isfinite(r["cutoff"]) and math.isfinite(configured):
            mix_pos = r["posterior"] >= 0.5
            cfg_pos = g["titer_value"].to_numpy(float) >= configured
            n_dis = int(np.sum(mix_pos != cfg_pos))
        rows.append({"pathogen": pat, "assay": assay, "cutoff_log2": r["cutoff"],
                     "cutoff_titre": r["cutoff_value"], "configured_cutoff": configured,
                     "n_disagree": n_dis, **{k: r[k] for k in MIXTURE_COLUMNS if k in r}})
        if math.isfinite(r["pi"]):
            post.append(pd.DataFrame({"line": g["line"].to_numpy(), "pathogen": pat,
                                      "assay": assay, "p_seropositive": r["posterior"]}))
    table = pd.DataFrame(rows, columns=MIXTURE_COLUMNS)
    table["n_disagree"] = table["n_disagree"].astype("Int64") if len(table) else table[
        "n_disagree"]
    posteriors = (pd.concat(post, ignore_index=True) if post else
                  pd.DataFrame(columns=["line", "pathogen", "assay", "p_seropositive"]))
    return table, posteriors


def survey_table(prevalence: pd.DataFrame, se_sp: dict, n_known: int,
                 precision: float = 0.1, design_prevalence: float = 0.1) -> pd.DataFrame:
    """Serosurvey sample sizes per pathogen.

    Parameters
    ----------
    prevalence : ``prevalence.tsv`` (the overall row gives the expected prevalence; 0.5,
        the most demanding, when it is not estimable).
    se_sp : pathogen -> (se, sp, source) (Se = Sp = 1 assumed when not given, and said).
    n_known : animals identified (the finite population of the hypergeometric FreeCalc
        freedom sample size, imperfect Se and Sp; a lower bound of the true population).
    precision : absolute half-width wanted for the prevalence.
    design_prevalence : P* for freedom from disease.

    Returns
    -------
    DataFrame with :data:`SURVEY_COLUMNS`.
    """
    rows = []
    ov = prevalence[prevalence["stratum"] == "overall"]
    for r in ov.itertuples(index=False):
        se, sp, src = se_sp.get(r.pathogen, (None, None, ""))
        note = ""
        if se is None or sp is None:
            se, sp, src = 1.0, 1.0, "none given: a perfect test assumed"
            note = "Se/Sp not given: sample sizes assume a perfect test (too small)"
        p = r.apparent if isinstance(r.apparent, float) and math.isfinite(r.apparent) else 0.5
        p = min(max(p, 0.01), 0.99)
        try:
            n_p = serology.n_prevalence(p, precision, se, sp)
        except ValueError:
            n_p = math.nan
        fr = serology.n_freedom_imperfect(design_prevalence, se, sp)
        n_fin = math.nan
        if n_known > 0:
            n_fin = serology.n_freedom_freecalc(n_known, design_prevalence, se, sp)["n"]
            if not math.isfinite(n_fin):
                note = "; ".join(filter(None, [note, (
                    f"freedom at P* = {design_prevalence:g} cannot be shown by testing all "
                    f"{n_known} known animals with this test")]))
        rows.append({"pathogen": r.pathogen, "sensitivity": se, "specificity": sp,
                     "se_sp_source": src, "expected_prevalence": p, "precision": precision,
                     "n_prevalence": n_p, "design_prevalence": design_prevalence,
                     "n_freedom": fr["n"], "cut_point": fr["c"],
                     "population_sensitivity": fr["sep"], "population_specificity": fr["spp"],
                     "n_animals_known": n_known, "n_freedom_finite": n_fin, "note": note})
    out = pd.DataFrame(rows, columns=SURVEY_COLUMNS)
    for c in ("n_prevalence", "n_freedom", "cut_point", "n_freedom_finite"):
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    return out
