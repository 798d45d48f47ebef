"""Health outputs: per-animal triage, prevalence, serology, HFC, veterinary pages, workbook.

:func:`build_health` turns normalised, linked screening tests (``leogen.health.screening``)
plus the sample sheet and the identification / inbreeding / relatedness tables into tables and
page records; :func:`write_health` writes them (atomically):

* ``status.tsv`` — one row per animal and pathogen (the test timeline);
* ``triage.tsv`` and ``alerts.tsv`` — each animal's status box (severity level per pathogen)
  and ranked alerts (:mod:`leogen.health.triage`), ``titre_rises.tsv`` — fourfold rises;
* ``prevalence.tsv`` — apparent and true prevalence per pathogen and stratum, per animal;
* ``force_of_infection.tsv``, ``mixture.tsv``, ``survey_design.tsv`` — serological
  epidemiology (:mod:`leogen.health.epi`, :mod:`leogen.health.serology`);
* ``hfc.tsv`` — heterozygosity-disease models (when inbreeding results are given);
* ``animals/<id>.html`` — one triage page per animal for veterinarians (after Species360
  ZIMS Medical and WHISPers record sheets, REFERENCES.md "Per-animal sheet"),
  ``animals_print.html`` (every animal, one per A4 page), ``animals.csv`` and
  ``animals.xlsx`` (:mod:`leogen.health.workbook`);
* ``population.html`` — animals needing attention first, prevalence, statistical detail;
* ``wdds.tsv`` — Wildlife Disease Data Standard export (negatives included).

Every page is rendered by Jinja2 (:func:`leogen.report.html.environment`) with autoescaping
on (ids are shown as text, never markup), embeds its plots as base64 PNG (self-contained),
states the coordinate generalisation actually used (Darwin Core ``dataGeneralizations``) and
carries a stamp: generation date, leogen version and a fingerprint of the input data set.
Animal pages carry no script; the population page's one inline script (table sorting) is
allowed by its hash in the Content-Security-Policy, so no injected script can run.
Coordinates are generalised unless ``exact=True``; then the files that carry coordinates are
written readable by their owner only, and the pages say so. A run removes the pages of
animals that are no longer in the data from its output folder.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from leogen.health import epi, outputs, prevalence, screening, serology, triage, workbook
from leogen.health import hfc as hfc_mod
from leogen.health.inputs import RELATEDNESS_ESTIMATORS
from leogen.io import locations
from leogen.io.atomic import atomic_open, atomic_path, remove_output
from leogen.report.html import environment, fmt, format_date, png

F_COLUMNS = ("f_roh", "f_mom", "f_ritland")
HOST = "Panthera pardus orientalis"
PATHOGEN_NAMES = {
    "CDV": "Canine distemper virus", "FPV": "Feline panleukopenia virus",
    "FIV": "Feline immunodeficiency virus", "FeLV": "Feline leukemia virus",
    "T_gondii": "Toxoplasma gondii", "Bartonella": "Bartonella henselae",
    "FCoV": "Feline coronavirus", "FHV1": "Felid alphaherpesvirus 1",
    "FCV": "Feline calicivirus",
}
SAMPLE_METHODS = {
    "scat": ("non-invasive scat collection", "faeces", "FALSE"),
    "hair": ("non-invasive hair collection", "hair", "FALSE"),
    "blood": ("blood draw", "blood", "TRUE"),
    "tissue": ("tissue sample", "tissue", "NA"),
}
WDDS_COLUMNS = [
    "sampleID", "animalID", "latitude", "longitude", "spatialUncertainty", "collectionDay",
    "collectionMonth", "collectionYear", "sampleCollectionMethod", "sampleMaterial",
    "hostIdentification", "organismSex", "liveCapture", "hostLifeStage", "detectionTarget",
    "detectionMethod", "detectionOutcome", "detectionMeasurement", "detectionMeasurementUnits",
    "parasiteIdentification", "dataGeneralizations",
]
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}
#: Default minimum posterior probability of a relationship shown on an animal's page.
RELATIVE_MIN_PROB = 0.9

#: The population page's only script: sorts a table by the clicked column header. It is
#: allowed by its SHA-256 in the page's Content-Security-Policy (no 'unsafe-inline').
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-sort') || a.cells[col].textContent;
        var y = b.cells[col].getAttribute('data-sort') || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def script_hash(script: str) -> str:
    """The CSP source ``'sha256-...'`` that allows exactly this inline script.

    Parameters
    ----------
    script : str
        The script text, exactly as inlined.

    Returns
    -------
    str
        The quoted CSP source.
    """
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# --------------------------------------------------------------------------- helpers
def safe_filename(identifier: str, suffix: str = ".html") -> str:
    """A file name safe on any file system for any id: unsafe characters become ``_`` and,
    when anything changed (or the name is reserved on Windows), a short SHA-1 of the original
    id keeps names unique.

    Parameters
    ----------
    identifier : str
        The id (e.g. an individual id).
    suffix : str
        Extension appended.

    Returns
    -------
    str
        The file name.

    Examples
    --------
    >>> safe_filename("LEO001"), safe_filename("<b>x</b>"), safe_filename("CON")
    ('LEO001.html', '_b_x__b_-e7fec28a.html', 'CON-7679a072.html')
    """
    s = str(identifier)
    base = re.sub(r"[^A-Za-z0-9._-]", "_", s)[:80].lstrip(".-") or "animal"
    if base != s or base.upper().split(".")[0] in _RESERVED:
        base = f"{base}-{hashlib.sha1(s.encode('utf-8')).hexdigest()[:8]}"
    return base + suffix


def _text(v) -> str:
    """A text cell of an input table, stripped; '' when it means "no value"."""
    return "" if screening.is_missing(v) else str(v).strip()


def _percentile(values: np.ndarray, v: float) -> float:
    values = values[~np.isnan(values)]
    if math.isnan(v) or values.size == 0:
        return math.nan
    return float(stats.percentileofscore(values, v, kind="weak"))


def _se_sp(tests: pd.DataFrame) -> dict:
    """pathogen -> (se, sp, source) when all of the pathogen's tests share one Se/Sp pair."""
    out = {}
    for pat, g in tests.groupby("pathogen", sort=True):
        pairs = {(a, b, s) for a, b, s in zip(g["sensitivity"], g["specificity"],
                                              g["se_sp_source"], strict=True)}
        given = {p for p in pairs if not (math.isnan(p[0]) or math.isnan(p[1]))}
        if len(given) == 1 and len(pairs) == 1:
            se, sp, src = next(iter(given))
            assays = ",".join(sorted(set(g["assay"])))
            out[pat] = (float(se), float(sp), f"{src} ({assays})")
        elif given:
            out[pat] = (None, None, "not combined: tests of this pathogen have different or "
                        "missing Se/Sp")
    return out


def data_stamp(paths, generated: str | None = None) -> dict:
    """The stamp of every page: generation date, leogen version, data-set fingerprint.

    Parameters
    ----------
    paths : the input files (their bytes are fingerprinted, in the order given).
    generated : the date to print (default: ``SOURCE_DATE_EPOCH`` when set, else today),
        ``YYYY-MM-DD``.

    Returns
    -------
    dict ``generated, version, dataset`` (``sha256:<12 hex>`` over the files), ``files``.
    """
    from leogen import __version__

    h = hashlib.sha256()
    names = []
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        h.update(p.name.encode("utf-8") + b"\0")
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        names.append(p.name)
    if generated is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        day = (_dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date() if epoch
               else _dt.date.today())
        generated = day.isoformat()
    return {"generated": generated, "version": __version__,
            "dataset": "sha256:" + h.hexdigest()[:12], "files": ", ".join(names)}


DEFAULT_STAMP = {"generated": "", "version": "", "dataset": "", "files": ""}


# --------------------------------------------------------------------------- build
def birth_year_text(estimate, lo, hi) -> str:
    """An animal's birth year as the page shows it: the year when the 80% interval is one
    year, else the median with the interval; empty when unknown.

    >>> birth_year_text(2015, 2013, 2016), birth_year_text(2015, 2015, 2015)
    ('about 2015 (2013-2016, 80%)', '2015')
    >>> birth_year_text(pd.NA, pd.NA, pd.NA)
    ''
    """
    if any(pd.isna(v) for v in (estimate, lo, hi)):
        return ""
    if lo == hi:
        return f"{int(estimate)}"
    return f"about {int(estimate)} ({int(lo)}-{int(hi)}, 80%)"


#: pedigree F of the matings a page compares an animal's F with (Wright 1922)
MATING_F = ((0.25, "a full-sib or parent-offspring mating"), (0.125, "a half-sib mating"),
            (0.0625, "a first-cousin mating"))


def pedigree_f_text(f_expected, n_parents) -> str:
    """An animal's pedigree F as its page shows it: the posterior-expected F of
    ``pedigree/inbreeding.tsv`` (docs/pedigree.md, Method 8), the mating whose offspring's
    F it is nearest (on a log scale; below 3/4 of a first-cousin mating's F, "less than"
    it), and how many parents the pedigree assigns; empty when unknown.

    >>> pedigree_f_text(0.14, 2)
    '0.14, about that of a half-sib mating (0.125); both parents assigned'
    >>> pedigree_f_text(0.004, 0)
    '0.004, less than that of a first-cousin mating (0.0625); no parent assigned: expected over the possible parents'
    >>> pedigree_f_text(float("nan"), 2)
    ''
    """
    if pd.isna(f_expected) or pd.isna(n_parents):
        return ""
    f = float(f_expected)
    parents = {2: "both parents assigned",
               1: "one parent assigned, the other expected over the possible parents",
               0: "no parent assigned: expected over the possible parents"}[int(n_parents)]
    value = f"{f:.2g}" if f >= 0.01 else f"{f:.1g}" if f > 0 else "0"
    if f < 0.75 * MATING_F[-1][0]:
        like = f"less than that of {MATING_F[-1][1]} ({MATING_F[-1][0]:g})"
    else:
        ref, name = min(MATING_F, key=lambda m: abs(math.log(f / m[0])))
        like = f"about that of {name} ({ref:g})"
    return f"{value}, {like}; {parents}"


def _animal_attributes(tests, samples, sample_individual, individuals) -> pd.DataFrame:
    """Per animal: sex (+ how determined), age_class, site (latest sample), aliases,
    first/last seen, n_samples."""
    si = sample_individual[["sample_id", "individual_id"]].copy()
    si = si[si["individual_id"].map(_text) != ""]
    s = samples.merge(si, on="sample_id", how="inner")
    ids = sorted(set(individuals["individual_id"]) | set(tests.loc[tests["individual_id"] != "",
                                                                   "individual_id"]))
    ind = individuals.set_index("individual_id")
    rows = []
    for iid in ids:
        own = s[s["individual_id"] == iid].sort_values("date", kind="stable")
        known = iid in ind.index
        sex = _text(ind.at[iid, "sex"]) if known and "sex" in ind.columns else ""
        how = _text(ind.at[iid, "sex_source"]) if known and "sex_source" in ind.columns else ""
        if sex in ("", "U") and len(own) and "sex" in own:
            seen = [x for x in own["sex"].map(_text) if x not in ("", "U")]
            if seen:
                sex, how = pd.Series(seen).mode().iloc[0], "field record (sample sheet)"
            else:
                sex = sex or "U"
        if sex in ("", "U"):
            how = how or "not determined"
        elif not how:
            how = "identification table"
        ages = [x for x in own.get("age_class", pd.Series(dtype=object)).map(_text)
                if x not in ("", "unknown")]
        hints = {x for x in own.get("individual_hint", pd.Series(dtype=object)).map(_text)
                 if x and x != iid}
        if known and "individual_hints" in ind.columns:
            hints |= {h.strip() for h in _text(ind.at[iid, "individual_hints"]).split(",")
                      if h.strip() and h.strip() != iid}
        first = format_date(ind.at[iid, "first_seen"]) if known and "first_seen" in ind else ""
        last = format_date(ind.at[iid, "last_seen"]) if known and "last_seen" in ind else ""
        rows.append({
            "individual_id": iid, "sex": sex or "U", "sex_source": how,
            "age_class": ages[-1] if ages else "",
            "site": _text(own["site"].iloc[-1]) if len(own) else "",
            "aliases": ", ".join(sorted(hints)),
            "first_seen": first or (format_date(own["date"].min()) if len(own) else ""),
            "last_seen": last or (format_date(own["date"].max()) if len(own) else ""),
            "n_samples": len(own),
        })
    return pd.DataFrame(rows, columns=["individual_id", "sex", "sex_source", "age_class", "site",
                                       "aliases", "first_seen", "last_seen", "n_samples"])


def prevalence_units(tests: pd.DataFrame, samples: pd.DataFrame, attrs: pd.DataFrame,
                     period: str = "year") -> pd.DataFrame:
    """Counting units for prevalence: animals, never samples.

    One status per animal (whole study) for the overall, sex, age-class and site strata (age
    class and site of the animal's latest tested sample, else its latest sample), plus one
    status per animal and year for the year stratum (when ``period`` is ``year``).

    Parameters
    ----------
    tests : linked tests (:func:`leogen.health.screening.link_tests`).
    samples : the sample sheet; attrs : per-animal attributes (sex, age_class, site).
    period : ``year`` or ``all``.

    Returns
    -------
    DataFrame with ``pathogen, stratum, level, individual_id, status`` (the input of
    :func:`leogen.health.prevalence.prevalence_table`).
    """
    whole = screening.animal_period_status(tests, "all")
    if whole.empty:
        return pd.DataFrame(columns=["pathogen", "stratum", "level", "individual_id", "status"])
    smp = samples.set_index("sample_id")
    att = attrs.set_index("individual_id")

    def sample_attr(sid, col):
        return _text(smp.at[sid, col]) if sid and sid in smp.index and col in smp.columns else ""

    parts = [whole.assign(stratum="overall", level="all")]
    for col in ("sex", "age_class", "site"):
        lev = []
        for iid, sid in zip(whole["individual_id"], whole["last_sample_id"], strict=True):
            v = "" if col == "sex" else sample_attr(sid, col)
            if not v and iid in att.index:
                v = _text(att.at[iid, col])
            lev.append(v if v and v != "unknown" else "unknown")
        parts.append(whole.assign(stratum=col, level=lev))
    if period == "year":
        yearly = screening.animal_period_status(tests, "year")
        parts.append(yearly.assign(stratum="year", level=yearly["period"]))
    units = pd.concat(parts, ignore_index=True)
    return units[["pathogen", "stratum", "level", "individual_id", "status"]]


#: names of the relationship classes on the pages
RELATIONSHIP_NAMES = {"PO": "parent-offspring", "FS": "full siblings", "HS": "half siblings",
                      "GPAV": "grandparent-grandchild or aunt/uncle-niece/nephew"}


def _relatives(pairs: pd.DataFrame | None, iid: str, min_prob: float = RELATIVE_MIN_PROB,
               relationships: pd.DataFrame | None = None) -> tuple[list[dict], str]:
    """Relatives of ``iid`` whose most probable relationship has a posterior probability of
    at least ``min_prob``, most probable first; and a note saying where the probabilities
    come from (or why there are none).

    With ``relationships`` (``pedigree/relationships.tsv``) the probabilities are the
    reconstructed pedigree's (PO, FS, HS, GPAV against U; docs/pedigree.md); otherwise the
    pairwise class likelihoods of ``pairs`` with equal priors
    (:func:`leogen.health.triage.relationship_posteriors`), which ignore the rest of the
    pedigree."""
    est = None
    if pairs is not None and not pairs.empty:
        est = next((e for e in RELATEDNESS_ESTIMATORS if e in pairs.columns
                    and pd.to_numeric(pairs[e], errors="coerce").notna().any()), None)
    if relationships is not None:
        mine = relationships[((relationships["id1"] == iid) | (relationships["id2"] == iid))
                             & (relationships["relationship"] != "U")
                             & (relationships["probability"] >= min_prob)]
        mine = mine.sort_values(["probability", "id1", "id2"], ascending=[False, True, True],
                                kind="stable")
        r_of = {}
        if est:
            pm = pairs[(pairs["id1"] == iid) | (pairs["id2"] == iid)]
            r_of = {(b if a == iid else a): (float(v), _text(n)) for a, b, v, n in zip(
                pm["id1"], pm["id2"], pd.to_numeric(pm[est], errors="coerce"),
                pm.get("n_loci", pd.Series([""] * len(pm), index=pm.index)), strict=True)}
        out = []
        for row in mine.itertuples(index=False):
            other = row.id2 if row.id1 == iid else row.id1
            r, n = r_of.get(other, (math.nan, ""))
            out.append({"id": other, "relationship": RELATIONSHIP_NAMES.get(
                row.relationship, row.relationship), "code": row.relationship,
                "probability": float(row.probability), "p_unrelated": float(row.p_u),
                "r": r, "estimator": est or "", "n_loci": n})
        return out, "probabilities from the reconstructed pedigree"
    if pairs is None or pairs.empty:
        return [], "no relatedness table given"
    mine = pairs[(pairs["id1"] == iid) | (pairs["id2"] == iid)].copy()
    post = triage.relationship_posteriors(mine)
    if post["p_best"].isna().all():
        return [], "the relatedness table has no class log-likelihoods: no probabilities"
    mine = mine.join(post)
    mine = mine[mine["p_best"] >= min_prob].sort_values(
        ["p_best", "id1", "id2"], ascending=[False, True, True], kind="stable")
    out = []
    for _, row in mine.iterrows():
        other = row["id2"] if row["id1"] == iid else row["id1"]
        out.append({"id": other, "relationship": RELATIONSHIP_NAMES[row["best"]],
                    "code": row["best"], "probability": float(row["p_best"]),
                    "p_unrelated": float(row["p_u"]),
                    "r": float(row[est]) if est else math.nan, "estimator": est or "",
                    "n_loci": _text(row.get("n_loci", ""))})
    return out, ("pairwise probabilities with equal priors (no pedigree given): a lead, "
                 "not a fact")


def build_health(tests: pd.DataFrame, samples: pd.DataFrame, sample_individual: pd.DataFrame,
                 individuals: pd.DataFrame, inbreeding: pd.DataFrame | None = None,
                 g2: dict | None = None, pairs: pd.DataFrame | None = None,
                 grid_km: float = locations.DEFAULT_GRID_KM, exact: bool = False,
                 untested_years: float = 3, period: str = "year", seed: int = 1,
                 power_sims: int = 400, relative_min_prob: float = RELATIVE_MIN_PROB,
                 age_years: dict | None = None, design_prevalence: float = 0.1,
                 precision: float = 0.1, stamp: dict | None = None,
                 relationships: pd.DataFrame | None = None,
                 birth_years: pd.DataFrame | None = None,
                 pedigree_inbreeding: pd.DataFrame | None = None) -> dict:
    """Compute every health table and page record (nothing is written).

    Parameters
    ----------
    tests : normalised, linked tests (:func:`leogen.health.screening.normalise_screening`,
        :func:`leogen.health.screening.link_tests`).
    samples : the sample sheet (``date`` datetime, ``lat``/``lon`` float).
    sample_individual : ``sample_id, individual_id, status`` of every sample
        (:func:`leogen.health.inputs.read_sample_links`).
    individuals : ``identify/individuals.tsv`` (``individual_id``, ``sex``, ``first_seen``,
        ``last_seen``; ``sex_source``, ``individual_hints`` when present).
    inbreeding : per-animal sMLH / F as numbers (:func:`leogen.health.inputs.read_inbreeding`);
        None: no HFC models and no genetics on the pages.
    g2 : ``{"g2", "g2_p"}`` (:func:`leogen.health.inputs.read_g2`) or None.
    pairs : relatedness pairs (:func:`leogen.health.inputs.read_pairs`) or None.
    relationships : ``pedigree/relationships.tsv`` rows or None: when given, relatives on the
        pages are named from the reconstructed pedigree's probabilities.
    birth_years : :func:`leogen.health.inputs.read_birth_years` or None: the pedigree's
        birth-year estimate of each animal, on its page and in the animal table.
    pedigree_inbreeding : :func:`leogen.health.inputs.read_pedigree_inbreeding` or None:
        each animal's pedigree F (:func:`pedigree_f_text`), on its page and in the table.
    grid_km, exact : coordinate generalisation (:mod:`leogen.io.locations`; a grid finer
        than :data:`leogen.io.locations.MIN_GRID_KM` is a ValueError unless ``exact``).
    untested_years : testing is overdue when an animal was detected more than this many
        years after its last test of a pathogen.
    period : ``year`` or ``all``: period of the year stratum.
    seed, power_sims : seed and simulations of the HFC power estimate.
    relative_min_prob : relatives are shown when their relationship's posterior probability
        is at least this.
    age_years : age class -> years for the force of infection
        (:data:`leogen.health.epi.DEFAULT_AGE_YEARS`).
    design_prevalence, precision : of the serosurvey sample sizes.
    stamp : :func:`data_stamp` (date, version, data-set fingerprint) for the pages.

    Returns
    -------
    dict
        ``tests, status, triage, alerts, rises, prevalence, foi, mixture, posteriors,
        survey, hfc`` (None without inbreeding), ``units, attrs, records`` (one page record
        per animal), ``wdds, se_sp, g2, inbreeding, generalization, exact, grid_km,
        untested_years, period, relative_min_prob, stamp``.
    """
    if not exact:
        locations.check_grid(grid_km)
    gen_text = locations.data_generalizations(grid_km, exact)
    attrs = _animal_attributes(tests, samples, sample_individual, individuals)
    attrs["birth_year"] = ""
    if birth_years is not None:
        by = birth_years.set_index("individual_id")
        known = attrs["individual_id"].isin(by.index)
        attrs.loc[known, "birth_year"] = [
            birth_year_text(*by.loc[i, ["birth_year_estimate", "birth_year_80_lo",
                                        "birth_year_80_hi"]])
            for i in attrs.loc[known, "individual_id"]]
    attrs["pedigree_f"], attrs["f_pedigree_expected"] = "", math.nan
    if pedigree_inbreeding is not None:
        pf = pedigree_inbreeding.set_index("individual_id")
        known = attrs["individual_id"].isin(pf.index)
        rows = pf.loc[attrs.loc[known, "individual_id"]]
        attrs.loc[known, "f_pedigree_expected"] = rows["f_pedigree_expected"].to_numpy(float)
        attrs.loc[known, "pedigree_f"] = [
            pedigree_f_text(f, k) for f, k in zip(rows["f_pedigree_expected"],
                                                  rows["n_parents"], strict=True)]
    status = screening.animal_timelines(tests)
    rises = serology.titre_rises(tests)
    units = prevalence_units(tests, samples, attrs, period)
    se_sp = _se_sp(tests)
    prev = prevalence.prevalence_table(units, se_sp)

    hfc = None
    inb = None
    if inbreeding is not None:
        inb = inbreeding.copy()
        whole = units[units["stratum"] == "overall"][["pathogen", "individual_id", "status"]]
        a = attrs.set_index("individual_id")
        cov = status[["individual_id", "pathogen", "last_test"]].copy()
        cov["year"] = pd.to_datetime(cov["last_test"]).dt.year
        model = whole.merge(cov, on=["individual_id", "pathogen"], how="left")
        model["sex"] = model["individual_id"].map(a["sex"]).replace({"U": ""})
        model["age_class"] = model["individual_id"].map(a["age_class"])
        hfc = hfc_mod.hfc_table(model, inb, g2, power_sims=power_sims, seed=seed)

    loc = locations.location_columns(samples["lat"].to_numpy(float),
                                     samples["lon"].to_numpy(float), grid_km, exact)
    pub = samples[["sample_id", "sample_type", "date", "site"]].copy()
    pub["latitude"] = loc["latitude"]
    pub["longitude"] = loc["longitude"]
    pub["uncertainty_m"] = loc["coordinate_uncertainty_m"]
    for col in ("sex", "age_class", "individual_hint"):
        pub[col] = samples[col].map(_text) if col in samples.columns else ""

    foi = epi.foi_table(tests, samples, age_years)
    mixture, posteriors = epi.mixture_table(tests)
    survey = epi.survey_table(prev, se_sp, len(attrs), precision, design_prevalence)
    records = _animal_records(tests, pub, sample_individual, attrs, status, rises, inb, pairs,
                              untested_years, relative_min_prob, relationships)
    tri = pd.DataFrame([{"individual_id": r["id"], **{k: b[k] for k in (
        "pathogen", "level", "evidence", "last_test", "latest_result", "latest_assay",
        "latest_titer")}} for r in records for b in r["status"]],
        columns=[c.name for c in outputs.TRIAGE.columns])
    alerts = pd.DataFrame([{"individual_id": r["id"], **{k: a[k] for k in (
        "rank", "level", "kind", "pathogen", "date", "text")}} for r in records
        for a in r["alerts"]], columns=[c.name for c in outputs.ALERTS.columns])
    wdds = wdds_table(tests, pub, attrs, gen_text)
    return {"tests": tests, "status": status, "triage": tri, "alerts": alerts, "rises": rises,
            "prevalence": prev, "foi": foi, "mixture": mixture, "posteriors": posteriors,
            "survey": survey, "hfc": hfc, "units": units, "attrs": attrs, "records": records,
            "wdds": wdds, "se_sp": se_sp, "g2": g2 or {}, "inbreeding": inb,
            "generalization": gen_text, "exact": exact, "grid_km": grid_km,
            "untested_years": untested_years, "period": period,
            "relative_min_prob": relative_min_prob, "stamp": stamp or dict(DEFAULT_STAMP)}


def _animal_records(tests, pub, sample_individual, attrs, status, rises, inb, pairs,
                    untested_years, relative_min_prob, relationships=None) -> list[dict]:
    si = sample_individual[["sample_id", "individual_id"] + (
        ["status"] if "status" in sample_individual.columns else [])].copy()
    si = si.rename(columns={"status": "id_status"})
    samp = pub.merge(si, on="sample_id", how="inner")
    pathogens = sorted(set(tests["pathogen"]))
    f_col = None
    pct = {}
    if inb is not None:
        f_col = next((c for c in F_COLUMNS if c in inb.columns and inb[c].notna().any()), None)
        for c in ("smlh", f_col):
            if c and c in inb.columns:
                pct[c] = inb[c].to_numpy(float)
    inb_idx = inb.set_index("individual_id") if inb is not None else None
    records = []
    for a in attrs.itertuples(index=False):
        iid = a.individual_id
        genetics = None
        extra_alerts = []
        if inb_idx is not None and iid in inb_idx.index:
            row = inb_idx.loc[iid]
            g = {"n_loci": row.get("n_loci", math.nan)}
            for c in ("smlh", "ir", "hl"):
                g[c] = float(row[c]) if c in row.index else math.nan
            g["smlh_pct"] = _percentile(pct.get("smlh", np.array([])), g["smlh"])
            g["f_name"] = f_col or "F"
            g["f"] = float(row[f_col]) if f_col else math.nan
            g["f_pct"] = _percentile(pct[f_col], g["f"]) if f_col else math.nan
            genetics = g
            inbred = (g["f_pct"] >= 90) if f_col and not math.isnan(g["f_pct"]) else (
                not math.isnan(g["smlh_pct"]) and g["smlh_pct"] <= 10)
            if inbred:
                what = (f"{f_col} = {fmt(g['f'])} ({fmt(g['f_pct'])}th percentile)" if f_col
                        else f"sMLH = {fmt(g['smlh'])} ({fmt(g['smlh_pct'])}th percentile)")
                extra_alerts.append({"rank": 3, "level": "information", "kind": "inbreeding",
                                     "pathogen": "", "date": "",
                                     "text": f"Top-decile inbreeding in this population: "
                                             f"{what}."})
        mine = tests[tests["individual_id"] == iid].sort_values(["pathogen", "date", "line"],
                                                                kind="stable")
        st = status[status["individual_id"] == iid]
        own_rises = rises[rises["individual_id"] == iid]
        seen = [pd.Timestamp(a.last_seen)] if a.last_seen else []
        seen += [d for d in mine["date"] if not pd.isna(d)]
        seen += [d for d in samp.loc[samp["individual_id"] == iid, "date"] if not pd.isna(d)]
        last_seen = max(seen) if seen else None
        tri = triage.animal_triage(iid, mine, st, own_rises, pathogens, last_seen,
                                   untested_years)
        alerts = tri["alerts"] + extra_alerts
        alerts.sort(key=lambda x: x["rank"])
        history = []
        sti = st.set_index("pathogen")
        for pat in pathogens:
            t = mine[mine["pathogen"] == pat]
            if pat not in sti.index:
                continue
            rise_dates = set(own_rises.loc[own_rises["pathogen"] == pat, "date_2"])
            history.append({
                "pathogen": pat, "summary": sti.loc[pat].to_dict(),
                "plot": titre_plot(t, rise_dates, pat),
                "tests": [{
                    "date": format_date(r.date), "sample_id": r.sample_id, "assay": r.assay,
                    "lab": r.lab, "titer": r.titer, "cutoff": (
                        screening.format_titer("", r.cutoff) if not math.isnan(r.cutoff) else ""),
                    "cutoff_source": r.cutoff_source, "lab_result": r.lab_result,
                    "result": r.result, "basis": r.basis,
                    "rise": r.date in rise_dates and not math.isnan(r.titer_value),
                } for r in t.itertuples(index=False)],
            })
        own = samp[samp["individual_id"] == iid].sort_values(["date", "sample_id"], kind="stable")
        relatives, rel_note = _relatives(pairs, iid, relative_min_prob, relationships)
        records.append({
            "id": iid, "file": safe_filename(iid), "sex": a.sex, "sex_source": a.sex_source,
            "age_class": a.age_class, "birth_year": a.birth_year, "aliases": a.aliases,
            "pedigree_f": a.pedigree_f, "f_pedigree_expected": a.f_pedigree_expected,
            "first_seen": a.first_seen,
            "last_seen": a.last_seen, "last_detection": format_date(last_seen),
            "n_samples": a.n_samples,
            "samples": [{"sample_id": r.sample_id, "sample_type": r.sample_type,
                         "date": format_date(r.date), "site": _text(r.site),
                         "latitude": fmt(r.latitude, 8), "longitude": fmt(r.longitude, 9),
                         "id_status": _text(getattr(r, "id_status", ""))}
                        for r in own.itertuples(index=False)],
            "genetics": genetics, "relatives": relatives, "relatives_note": rel_note,
            "history": history, "status": tri["status"], "level": tri["level"],
            "alerts": alerts,
        })
    return records


def titre_plot(t: pd.DataFrame, rise_dates=(), title: str = "") -> str:
    """A small time-line of one pathogen's titres (log2 scale) with the cut-off drawn.

    Exact titres are filled circles, censored ones triangles pointing the way the true
    titre lies (``<1:8`` down, ``>=1:128`` up); the second sample of a fourfold rise is
    ringed in red. Returns base64 PNG text, '' when no test has a titre.

    Parameters
    ----------
    t : DataFrame
        Tests of one animal and pathogen (``date``, ``titer_value``, ``titer_qualifier``...).
    rise_dates : iterable
        Dates of the second samples of fourfold rises.
    title : str
        Plot title.

    Returns
    -------
    str
        Base64 PNG text, or ``''``.
    """
    t = t[t["titer_value"].notna()]
    if t.empty:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.6, 1.5))
    y = np.log2(t["titer_value"].to_numpy(float))
    q = t["titer_qualifier"].to_numpy(object)
    x = t["date"].to_numpy()
    for mark, sel, label in (("o", q == "", "titre"),
                             ("v", np.isin(q, ["<", "<="]), "below (censored)"),
                             ("^", np.isin(q, [">", ">="]), "above (censored)")):
        if sel.any():
            ax.plot(x[sel], y[sel], mark, color="#1f4e79", ms=5, label=label, ls="none")
    order = np.argsort(x, kind="stable")
    ax.plot(x[order], y[order], "-", color="#1f4e79", lw=0.8, alpha=0.5)
    rise = np.array([d in rise_dates for d in t["date"]])
    if rise.any():
        ax.plot(x[rise], y[rise], "o", ms=10, mfc="none", mec="#c62828", mew=1.5,
                label="fourfold rise")
    cut = t["cutoff"].dropna()
    lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
    if len(cut):
        c = float(np.log2(cut.iloc[-1]))
        ax.axhline(c, color="#c62828", ls="--", lw=1, label=f"cut-off 1:{cut.iloc[-1]:g}")
        lo, hi = min(lo, c), max(hi, c)
    ticks = np.arange(math.floor(lo) - 1, math.ceil(hi) + 2)
    step = max(1, len(ticks) // 5)
    ax.set_yticks(ticks[::step], [f"1:{2 ** int(k):g}" for k in ticks[::step]], fontsize=6)
    ax.set_ylim(lo - 1, hi + 1)
    ax.tick_params(axis="x", labelsize=6)
    ax.set_ylabel("titre", fontsize=6)
    if title:
        ax.set_title(title, fontsize=7)
    ax.legend(fontsize=5, loc="best", frameon=False)
    fig.autofmt_xdate()
    return png(fig)


def wdds_table(tests: pd.DataFrame, pub: pd.DataFrame, attrs: pd.DataFrame,
               generalization: str) -> pd.DataFrame:
    """Wildlife Disease Data Standard (WDDS) rows, one per test, negatives included, with
    generalised coordinates (``wdds.tsv``).

    Parameters
    ----------
    tests : linked tests; pub : samples with published (generalised) coordinates;
    attrs : per-animal attributes; generalization : the ``dataGeneralizations`` text.

    Returns
    -------
    DataFrame with :data:`WDDS_COLUMNS`; tests of an animal without a sample get sampleID
    ``<animal>_<date>``.
    """
    p = pub.set_index("sample_id")
    a = attrs.set_index("individual_id")
    rows = []
    for t in tests.sort_values(["date", "line"], kind="stable").itertuples(index=False):
        has = bool(t.sample_id) and t.sample_id in p.index
        stype = _text(p.at[t.sample_id, "sample_type"]) if has else ""
        date = p.at[t.sample_id, "date"] if has else t.date
        method, material, live = SAMPLE_METHODS.get(stype, ("NA", "NA", "NA"))
        if not stype and "pcr" not in t.assay:
            method, material, live = "blood draw", "serum", "TRUE"
        iid = t.individual_id
        sex = _text(a.at[iid, "sex"]) if iid and iid in a.index else (
            _text(p.at[t.sample_id, "sex"]) if has else "")
        life = _text(p.at[t.sample_id, "age_class"]) if has else ""
        if not life and iid and iid in a.index:
            life = _text(a.at[iid, "age_class"])
        name = PATHOGEN_NAMES.get(t.pathogen, t.pathogen)
        outcome = {"equivocal": "inconclusive"}.get(t.result, t.result)
        ts = pd.Timestamp(date) if not pd.isna(date) else None
        rows.append({
            "sampleID": t.sample_id or f"{iid}_{format_date(t.date)}",
            "animalID": iid or "NA",
            "latitude": p.at[t.sample_id, "latitude"] if has else math.nan,
            "longitude": p.at[t.sample_id, "longitude"] if has else math.nan,
            "spatialUncertainty": p.at[t.sample_id, "uncertainty_m"] if has else math.nan,
            "collectionDay": ts.day if ts is not None else math.nan,
            "collectionMonth": ts.month if ts is not None else math.nan,
            "collectionYear": ts.year if ts is not None else math.nan,
            "sampleCollectionMethod": method, "sampleMaterial": material,
            "hostIdentification": HOST,
            "organismSex": {"M": "male", "F": "female"}.get(sex, "unknown"),
            "liveCapture": live, "hostLifeStage": life or "NA",
            "detectionTarget": name, "detectionMethod": t.assay,
            "detectionOutcome": outcome,
            "detectionMeasurement": t.titer or "NA",
            "detectionMeasurementUnits": "end-point titre" if t.titer else "NA",
            "parasiteIdentification": name if t.result == "positive" else "NA",
            "dataGeneralizations": generalization,
        })
    return pd.DataFrame(rows, columns=WDDS_COLUMNS)


# --------------------------------------------------------------------------- tables
def animals_table(records: list[dict], pathogens: list[str] | None = None) -> pd.DataFrame:
    """The vets' table (``animals.csv`` and the ``animals`` sheet): one row per animal.

    Columns: identity, genetics, the worst level and the top alert, then per pathogen
    ``<pathogen>_level``, ``<pathogen>_latest`` (result) and ``<pathogen>_last_test``
    (date). Dates are Timestamps (date cells in the workbook).

    Parameters
    ----------
    records : page records of :func:`build_health`.
    pathogens : column order of the pathogens (default: as in the records).

    Returns
    -------
    DataFrame
    """
    if pathogens is None:
        pathogens = [b["pathogen"] for b in records[0]["status"]] if records else []
    rows = []
    for r in records:
        g = r["genetics"] or {}
        top = r["alerts"][0] if r["alerts"] else None
        row = {"individual_id": r["id"], "aliases": r["aliases"], "sex": r["sex"],
               "sex_source": r["sex_source"], "age_class": r["age_class"],
               "birth_year": r.get("birth_year", ""),
               "first_seen": _ts(r["first_seen"]), "last_seen": _ts(r["last_seen"]),
               "n_samples": r["n_samples"], "smlh": g.get("smlh", math.nan),
               "smlh_percentile": g.get("smlh_pct", math.nan), "f_measure": g.get("f_name", ""),
               "f": g.get("f", math.nan), "f_percentile": g.get("f_pct", math.nan),
               "f_pedigree_expected": r.get("f_pedigree_expected", math.nan),
               "level": r["level"], "n_urgent": sum(a["rank"] == 1 for a in r["alerts"]),
               "n_attention": sum(a["rank"] == 2 for a in r["alerts"]),
               "top_alert": top["text"] if top and top["rank"] < 3 else ""}
        boxes = {b["pathogen"]: b for b in r["status"]}
        for p in pathogens:
            b = boxes.get(p, {})
            row[f"{p}_level"] = b.get("level", "")
            row[f"{p}_latest"] = b.get("latest_result", "")
            row[f"{p}_last_test"] = _ts(b.get("last_test", ""))
        rows.append(row)
    return pd.DataFrame(rows)


def _ts(v):
    return pd.Timestamp(v) if v not in (None, "") and not pd.isna(v) else pd.NaT


def tests_sheet(tests: pd.DataFrame) -> pd.DataFrame:
    """One row per test for the workbook: real dates, the titre as text and as its
    reciprocal number (with the qualifier of a censored titre).

    Parameters
    ----------
    tests : DataFrame
        The interpreted tests.

    Returns
    -------
    DataFrame
        One row per test, sorted by animal, pathogen and date.
    """
    t = tests.sort_values(["individual_id", "pathogen", "date", "line"], kind="stable")
    return pd.DataFrame({
        "individual_id": t["individual_id"].to_numpy(), "sample_id": t["sample_id"].to_numpy(),
        "date": t["date"].to_numpy(), "pathogen": t["pathogen"].to_numpy(),
        "assay": t["assay"].to_numpy(), "lab": t["lab"].to_numpy(),
        "titre": t["titer"].to_numpy(), "titre_qualifier": t["titer_qualifier"].to_numpy(),
        "titre_reciprocal": t["titer_value"].to_numpy(float),
        "cutoff_reciprocal": t["cutoff"].to_numpy(float),
        "cutoff_source": t["cutoff_source"].to_numpy(), "lab_result": t["lab_result"].to_numpy(),
        "result": t["result"].to_numpy(), "basis": t["basis"].to_numpy(),
        "screening_line": t["line"].to_numpy()})


def _dates_to_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]) or c.endswith(("_date", "_test")):
            out[c] = out[c].map(lambda v: format_date(v) or np.nan)
    return out


# --------------------------------------------------------------------------- plots
def _err(v: np.ndarray) -> np.ndarray:
    """Error-bar lengths: NaN -> 0 and rounding below zero -> 0."""
    return np.maximum(np.nan_to_num(v), 0.0)


def _plots(res: dict) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = {}
    prev = res["prevalence"]
    ov = prev[prev["stratum"] == "overall"]
    if len(ov):
        fig, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(ov)))
        y = np.arange(len(ov))
        ap = ov["apparent"].to_numpy(float)
        lo, hi = ov["wilson_lo"].to_numpy(float), ov["wilson_hi"].to_numpy(float)
        ax.errorbar(np.nan_to_num(ap), y, xerr=[_err(ap - lo), _err(hi - ap)],
                    fmt="o", capsize=3, color="#1f4e79")
        ax.set_yticks(y, [f"{p} ({x}/{n})" for p, x, n in
                          zip(ov["pathogen"], ov["n_positive"], ov["n_animals"], strict=True)])
        ax.set_xlim(0, 1)
        ax.set_xlabel("apparent prevalence per animal (95% Wilson CI)")
        ax.invert_yaxis()
        plots["prevalence"] = png(fig)
    yr = prev[prev["stratum"] == "year"]
    plots["prevalence_year"] = {}
    for pat, g in yr.groupby("pathogen", sort=True):
        fig, ax = plt.subplots(figsize=(3.2, 2.0))
        x = g["level"].astype(int).to_numpy()
        ap = g["apparent"].to_numpy(float)
        ax.errorbar(x, ap, yerr=[_err(ap - g["wilson_lo"].to_numpy(float)),
                                 _err(g["wilson_hi"].to_numpy(float) - ap)],
                    fmt="o", capsize=2, color="#1f4e79", lw=1)
        for xi, n in zip(x, g["n_animals"], strict=True):
            ax.annotate(f"n={n}", (xi, 1.02), ha="center", fontsize=5, color="#555")
        ax.set_ylim(0, 1.1)
        ax.set_title(pat, fontsize=8)
        ax.set_ylabel("apparent prevalence", fontsize=6)
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        plots["prevalence_year"][pat] = png(fig)
    t = res["tests"]
    if len(t):
        counts = t.assign(year=t["date"].dt.year).groupby(["year", "pathogen"]).size().unstack(
            fill_value=0).sort_index()
        fig, ax = plt.subplots(figsize=(6, 3))
        bottom = np.zeros(len(counts))
        for pat in counts.columns:
            ax.bar(counts.index.astype(int), counts[pat].to_numpy(), bottom=bottom, label=pat)
            bottom += counts[pat].to_numpy()
        ax.set_ylabel("tests")
        ax.set_xlabel("year")
        ax.legend(fontsize=7)
        plots["tests"] = png(fig)
    inb = res.get("inbreeding")
    if inb is not None and "smlh" in inb.columns and inb["smlh"].notna().any():
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(inb["smlh"].dropna().to_numpy(float), bins=15, color="#7f7f7f")
        g2 = res.get("g2") or {}
        ax.set_title(f"sMLH distribution; g2 = {fmt(g2.get('g2', math.nan))} "
                     f"(p = {fmt(g2.get('g2_p', math.nan), 2)})", fontsize=9)
        ax.set_xlabel("sMLH")
        ax.set_ylabel("animals")
        plots["smlh"] = png(fig)
    return plots


def tests_over_time(tests: pd.DataFrame) -> pd.DataFrame:
    """Per year and pathogen: tests, animals tested, animals positive.

    Parameters
    ----------
    tests : linked tests.

    Returns
    -------
    DataFrame with ``year, pathogen, n_tests, n_animals, n_positive, n_unlinked_tests``
    (unlinked tests are counted in n_tests only).
    """
    t = tests.assign(year=tests["date"].dt.year.astype("Int64").astype(str))
    rows = []
    for (year, pat), g in t.groupby(["year", "pathogen"], sort=True):
        linked = g[g["individual_id"] != ""]
        per = linked.groupby("individual_id")["result"].agg(screening.combine_status)
        rows.append({"year": year, "pathogen": pat, "n_tests": len(g),
                     "n_animals": int(len(per)), "n_positive": int((per == "positive").sum()),
                     "n_unlinked_tests": int((g["individual_id"] == "").sum())})
    return pd.DataFrame(rows, columns=["year", "pathogen", "n_tests", "n_animals", "n_positive",
                                       "n_unlinked_tests"])


# --------------------------------------------------------------------------- render / write
def _page_context(res: dict) -> dict:
    return {"generalization": res["generalization"], "exact": res["exact"],
            "grid_km": res["grid_km"], "stamp": res["stamp"], "levels": triage.LEVELS,
            "untested_years": res["untested_years"],
            "relative_min_prob": res["relative_min_prob"]}


def render_animal(record: dict, res: dict) -> str:
    """HTML of one animal's triage page (``animal.html.j2``, :mod:`leogen.report.html`).

    Parameters
    ----------
    record : one page record of :func:`build_health` (``res["records"]``).
    res : the result of :func:`build_health` (generalisation, stamp and settings).

    Returns
    -------
    str
    """
    return environment().get_template("animal.html.j2").render(
        a=record, root="../", **_page_context(res))


def render_print(res: dict) -> str:
    """HTML of every animal's page in one document, one animal per A4 page
    (``animals_print.html``).

    Parameters
    ----------
    res : dict
        The health report (``records`` and the page context).

    Returns
    -------
    str
        The HTML text.
    """
    return environment().get_template("animals_print.html.j2").render(
        animals=res["records"], root="", **_page_context(res))


def render_population(res: dict, plots: dict | None = None) -> str:
    """HTML of the population health page (``population.html.j2``).

    Parameters
    ----------
    res : the result of :func:`build_health`.
    plots : base64 PNGs by name (default: drawn from ``res``).

    Returns
    -------
    str
    """
    hfc = res["hfc"]
    plots = {"prevalence": "", "prevalence_year": {}, "tests": "", "smlh": "",
             **(plots if plots is not None else _plots(res))}
    order = {k: v[0] for k, v in triage.LEVELS.items()}
    animals = sorted(res["records"], key=lambda r: (
        order[r["level"]], -sum(a["rank"] == 1 for a in r["alerts"]), r["id"]))
    return environment().get_template("population.html.j2").render(
        prevalence=res["prevalence"].to_dict("records"),
        hfc=[] if hfc is None else hfc.to_dict("records"),
        over_time=tests_over_time(res["tests"]).to_dict("records"),
        foi=_records(res["foi"]), mixture=_records(res["mixture"]),
        survey=_records(res["survey"]),
        se_sp=res["se_sp"], plots=plots, animals=animals, level_order=order,
        pathogens=sorted(set(res["tests"]["pathogen"])),
        mixed={p: ", ".join(sorted(set(g["assay"])))
               for p, g in res["tests"].groupby("pathogen", sort=True) if g["assay"].nunique() > 1},
        g2=res["g2"], period=res["period"], sort_script=SORT_SCRIPT,
        script_hash=script_hash(SORT_SCRIPT),
        n_unlinked=int((res["tests"]["individual_id"] == "").sum()),
        n_tests=len(res["tests"]), **_page_context(res))


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts for a template, pandas NA (nullable integers) as None."""
    return [{k: (None if v is pd.NA else v) for k, v in r.items()} for r in df.to_dict("records")]


def write_xlsx(table: pd.DataFrame, path) -> None:
    """One table as a formatted one-sheet workbook (``animals``), fixed timestamps.

    Parameters
    ----------
    table : DataFrame
        The table.
    path : str or Path
        The ``.xlsx`` file.

    Returns
    -------
    None
    """
    workbook.write_workbook({"animals": table}, path)


def _write_table(spec, df: pd.DataFrame, path: Path, private: bool) -> None:
    """``spec.write``, owner-only (0600) for a file that may carry exact coordinates."""
    from leogen.io.atomic import PRIVATE

    spec.write(df, path, permissions=PRIVATE if private else None)


def _private_kwargs(private: bool) -> dict:
    from leogen.io.atomic import PRIVATE

    return {"permissions": PRIVATE} if private else {}


def write_health(res: dict, out_dir: str | Path) -> list[str]:
    """Write every output of :func:`build_health` under ``out_dir`` (atomically).

    The tables go through their declarations (:mod:`leogen.health.outputs`); then the
    animal pages (pages of animals no longer in the data are removed from ``animals/``),
    ``animals_print.html``, ``animals.csv`` / ``animals.xlsx`` (spreadsheet formulas
    defused) and ``population.html``. With exact coordinates, the files that carry them
    (``wdds.tsv``, the animal pages, ``animals_print.html``) are readable by their owner
    only.

    Parameters
    ----------
    res : the result of :func:`build_health`.
    out_dir : output folder.

    Returns
    -------
    list of str : notes for the log.
    """
    out = Path(out_dir)
    notes = []
    private = bool(res["exact"])
    outputs.STATUS.write(_dates_to_text(res["status"]), out / "status.tsv")
    outputs.TRIAGE.write(_dates_to_text(res["triage"]), out / "triage.tsv")
    outputs.ALERTS.write(res["alerts"].assign(date=res["alerts"]["date"].replace("", np.nan)),
                         out / "alerts.tsv")
    outputs.RISES.write(_dates_to_text(res["rises"]), out / "titre_rises.tsv")
    outputs.PREVALENCE.write(res["prevalence"], out / "prevalence.tsv")
    outputs.FORCE_OF_INFECTION.write(res["foi"], out / "force_of_infection.tsv")
    outputs.MIXTURE.write(res["mixture"], out / "mixture.tsv")
    outputs.SURVEY_DESIGN.write(res["survey"], out / "survey_design.tsv")
    if res["hfc"] is not None:
        outputs.HFC.write(res["hfc"], out / "hfc.tsv")
    _write_table(outputs.WDDS, res["wdds"], out / "wdds.tsv", private)
    adir = out / "animals"
    adir.mkdir(parents=True, exist_ok=True)
    kw = _private_kwargs(private)
    current = set()
    for rec in res["records"]:
        current.add(rec["file"])
        with atomic_open(adir / rec["file"], "w", encoding="utf-8", **kw) as fh:
            fh.write(render_animal(rec, res))
    stale = sorted(p for p in adir.glob("*.html") if p.name not in current)
    for p in stale:
        remove_output(p)  # deferred to the end of the command's output set
    if stale:
        notes.append(f"removed {len(stale)} page(s) of animals no longer in the data from "
                     f"{adir}")
    with atomic_open(out / "animals_print.html", "w", encoding="utf-8", **kw) as fh:
        fh.write(render_print(res))
    pathogens = sorted(set(res["tests"]["pathogen"]))
    table = animals_table(res["records"], pathogens)
    csv = workbook.defuse_frame(_dates_to_text(table))
    with atomic_open(out / "animals.csv", "w", encoding="utf-8") as fh:
        csv.to_csv(fh, index=False, float_format="%.6g", lineterminator="\n", na_rep="")
    prev_cols = ["pathogen", "stratum", "level", "n_animals", "n_positive", "n_equivocal",
                 "apparent", "wilson_lo", "wilson_hi", "true_prev", "true_prev_lo",
                 "true_prev_hi", "se_sp_source"]
    alerts = res["alerts"].assign(date=pd.to_datetime(res["alerts"]["date"].replace(
        "", np.nan)))
    sheets = {"animals": table, "tests": tests_sheet(res["tests"]),
              "prevalence": res["prevalence"][prev_cols], "alerts": alerts}
    dates = {"animals": ["first_seen", "last_seen", *(f"{p}_last_test" for p in pathogens)],
             "tests": ["date"], "alerts": ["date"]}
    with atomic_path(out / "animals.xlsx") as tmp:
        workbook.write_workbook(sheets, tmp, dates)
    with atomic_open(out / "population.html", "w", encoding="utf-8") as fh:
        fh.write(render_population(res))
    return notes
