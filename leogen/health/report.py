"""Health outputs: per-animal status, prevalence, HFC, veterinary pages and the WDDS export.

:func:`build_health` turns normalised, linked screening tests (``leogen.health.screening``)
plus the sample sheet and the identification / inbreeding / relatedness tables into tables and page
records; :func:`write_health` writes them (atomically):

* ``status.tsv`` — one row per animal and pathogen (the test timeline);
* ``prevalence.tsv`` — apparent and true prevalence per pathogen and stratum, per animal;
* ``hfc.tsv`` — heterozygosity-disease models (when inbreeding results are given);
* ``animals/<id>.html`` — one page per animal for veterinarians (after Species360 ZIMS Medical
  and WHISPers record sheets, REFERENCES.md "Per-animal sheet"), ``animals.csv`` (and
  ``animals.xlsx`` when openpyxl is installed) with the same table;
* ``population.html`` — prevalence table and plots, tests over time, HFC results;
* ``wdds.tsv`` — Wildlife Disease Data Standard export (negatives included).

Every page is rendered by Jinja2 (:func:`leogen.report.html.environment`) with autoescaping
on (ids are shown as text, never markup), carries no script and a Content-Security-Policy that
forbids scripts, embeds its plots as base64 PNG (self-contained), and states the coordinate
generalisation (Darwin Core ``dataGeneralizations``). Coordinates are generalised unless
``exact=True``. The tables are declared in :mod:`leogen.health.outputs`; the stage's inputs
are read by :mod:`leogen.health.inputs` and :func:`leogen.health.run.run` runs it all.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from leogen.health import hfc as hfc_mod
from leogen.health import outputs, prevalence, screening
from leogen.health.inputs import RELATEDNESS_ESTIMATORS
from leogen.io import locations
from leogen.io.atomic import atomic_open, atomic_path
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


# --------------------------------------------------------------------------- helpers
def safe_filename(identifier: str, suffix: str = ".html") -> str:
    """A file name safe on any file system for any id: unsafe characters become ``_`` and,
    when anything changed (or the name is reserved on Windows), a short SHA-1 of the original
    id keeps names unique.

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


# --------------------------------------------------------------------------- build
def _animal_attributes(tests, samples, sample_individual, individuals) -> pd.DataFrame:
    """Per animal: sex, age_class, site (latest sample), aliases, first/last seen, n_samples."""
    si = sample_individual[["sample_id", "individual_id"]].copy()
    si = si[si["individual_id"].map(_text) != ""]
    s = samples.merge(si, on="sample_id", how="inner")
    ids = sorted(set(individuals["individual_id"]) | set(tests.loc[tests["individual_id"] != "",
                                                                   "individual_id"]))
    ind = individuals.set_index("individual_id")
    rows = []
    for iid in ids:
        own = s[s["individual_id"] == iid].sort_values("date", kind="stable")
        sex = _text(ind.at[iid, "sex"]) if iid in ind.index and "sex" in ind.columns else ""
        if sex in ("", "U") and len(own) and "sex" in own:
            known = [x for x in own["sex"].map(_text) if x not in ("", "U")]
            sex = pd.Series(known).mode().iloc[0] if known else (sex or "U")
        ages = [x for x in own.get("age_class", pd.Series(dtype=object)).map(_text)
                if x not in ("", "unknown")]
        known = iid in ind.index
        first = format_date(ind.at[iid, "first_seen"]) if known and "first_seen" in ind else ""
        last = format_date(ind.at[iid, "last_seen"]) if known and "last_seen" in ind else ""
        rows.append({
            "individual_id": iid, "sex": sex or "U", "age_class": ages[-1] if ages else "",
            "site": _text(own["site"].iloc[-1]) if len(own) else "",
            "aliases": ", ".join(sorted({x for x in own.get("individual_hint", pd.Series(
                dtype=object)).map(_text) if x and x != iid})),
            "first_seen": first or (format_date(own["date"].min()) if len(own) else ""),
            "last_seen": last or (format_date(own["date"].max()) if len(own) else ""),
            "n_samples": len(own),
        })
    return pd.DataFrame(rows, columns=["individual_id", "sex", "age_class", "site", "aliases",
                                       "first_seen", "last_seen", "n_samples"])


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


def _relatives(pairs: pd.DataFrame | None, iid: str, k: int = 5) -> list[dict]:
    if pairs is None or pairs.empty:
        return []
    est = next((e for e in RELATEDNESS_ESTIMATORS if e in pairs.columns
                and pd.to_numeric(pairs[e], errors="coerce").notna().any()), None)
    if est is None:
        return []
    mine = pairs[(pairs["id1"] == iid) | (pairs["id2"] == iid)].copy()
    mine["r"] = pd.to_numeric(mine[est], errors="coerce")
    mine = mine[mine["r"].notna()].sort_values(["r", "id1", "id2"], ascending=[False, True, True],
                                               kind="stable").head(k)
    out = []
    for _, row in mine.iterrows():
        other = row["id2"] if row["id1"] == iid else row["id1"]
        out.append({"id": other, "r": row["r"], "kinship": row["r"] / 2, "estimator": est,
                    "relationship": _text(row.get("relationship", "")),
                    "n_loci": _text(row.get("n_loci", ""))})
    return out


def build_health(tests: pd.DataFrame, samples: pd.DataFrame, sample_individual: pd.DataFrame,
                 individuals: pd.DataFrame, inbreeding: pd.DataFrame | None = None,
                 g2: dict | None = None, pairs: pd.DataFrame | None = None,
                 grid_km: float = locations.DEFAULT_GRID_KM, exact: bool = False,
                 untested_years: float = 3, period: str = "year", seed: int = 1,
                 power_sims: int = 400) -> dict:
    """Compute every health table and page record (nothing is written).

    Parameters
    ----------
    tests : normalised, linked tests (:func:`leogen.health.screening.normalise_screening`,
        :func:`leogen.health.screening.link_tests`).
    samples : the sample sheet (``date`` datetime, ``lat``/``lon`` float).
    sample_individual : ``sample_id, individual_id, status`` of every sample
        (:func:`leogen.health.inputs.read_sample_links`).
    individuals : ``identify/individuals.tsv`` (``individual_id``, ``sex``, ``first_seen``,
        ``last_seen``).
    inbreeding : per-animal sMLH / F as numbers (:func:`leogen.health.inputs.read_inbreeding`);
        None: no HFC models and no genetics on the pages.
    g2 : ``{"g2", "g2_p"}`` (:func:`leogen.health.inputs.read_g2`) or None.
    pairs : relatedness pairs (:func:`leogen.health.inputs.read_pairs`) or None.
    grid_km, exact : coordinate generalisation (:mod:`leogen.io.locations`).
    untested_years : flag an animal not tested for a pathogen for longer than this (years).
    period : ``year`` or ``all``: period of the year stratum.
    seed, power_sims : seed and simulations of the HFC power estimate.

    Returns
    -------
    dict
        ``tests, status, prevalence, hfc`` (None without inbreeding), ``units, attrs,
        records`` (one page record per animal), ``wdds, se_sp, g2, inbreeding,
        generalization, exact, grid_km, untested_years, period``.
    """
    gen_text = locations.data_generalizations(grid_km, exact)
    attrs = _animal_attributes(tests, samples, sample_individual, individuals)
    status = screening.animal_timelines(tests)
    units = prevalence_units(tests, samples, attrs, period)
    se_sp = _se_sp(tests)
    prev = prevalence.prevalence_table(units, se_sp)

    # HFC: one status per animal over the whole study; year = year of its latest test
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

    # sample locations to publish
    loc = locations.location_columns(samples["lat"].to_numpy(float),
                                     samples["lon"].to_numpy(float), grid_km, exact)
    pub = samples[["sample_id", "sample_type", "date", "site"]].copy()
    pub["latitude"] = loc["latitude"]
    pub["longitude"] = loc["longitude"]
    pub["uncertainty_m"] = loc["coordinate_uncertainty_m"]
    for col in ("sex", "age_class", "individual_hint"):
        pub[col] = samples[col].map(_text) if col in samples.columns else ""

    records = _animal_records(tests, pub, sample_individual, attrs, status, inb, pairs,
                              untested_years)
    wdds = wdds_table(tests, pub, attrs, gen_text)
    return {"tests": tests, "status": status, "prevalence": prev, "hfc": hfc, "units": units,
            "attrs": attrs, "records": records, "wdds": wdds, "se_sp": se_sp, "g2": g2 or {},
            "inbreeding": inb, "generalization": gen_text, "exact": exact, "grid_km": grid_km,
            "untested_years": untested_years, "period": period}


def _animal_records(tests, pub, sample_individual, attrs, status, inb, pairs,
                    untested_years) -> list[dict]:
    si = sample_individual[["sample_id", "individual_id"] + (
        ["status"] if "status" in sample_individual.columns else [])].copy()
    si = si.rename(columns={"status": "id_status"})
    samp = pub.merge(si, on="sample_id", how="inner")
    pathogens = sorted(set(tests["pathogen"]))
    dates = [d for d in list(tests["date"]) + list(pub["date"]) if not pd.isna(d)]
    ref = max(dates) if dates else None
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
        flags = []
        genetics = None
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
                flags.append(("inbreeding", f"Top-decile inbreeding in this population: {what}."))
        mine = tests[tests["individual_id"] == iid].sort_values(["pathogen", "date", "line"],
                                                                kind="stable")
        st = status[status["individual_id"] == iid].set_index("pathogen")
        history = []
        for pat in pathogens:
            t = mine[mine["pathogen"] == pat]
            if pat not in st.index:
                if ref is not None:
                    flags.append(("untested", f"{pat}: never tested."))
                continue
            srow = st.loc[pat]
            # PCR/flotation detect the agent itself, serology the antibodies: word flags so
            agent = bool(len(t)) and t["assay"].str.contains("pcr|flotation|culture").all()
            if srow["latest_result"] == "positive":
                flags.append(("seropositive" if not agent else "agent_detected",
                              f"{pat}: positive at the latest test "
                              f"({format_date(srow['last_test'])}, {srow['latest_assay']})."))
            elif srow["ever_positive"]:
                why = ("shedding is intermittent, so a negative test does not rule out infection"
                       if agent else "antibodies wane, so this is not proof of immunity")
                flags.append(("seropositive" if not agent else "agent_detected",
                              f"{pat}: positive earlier, {srow['latest_result']} at the latest "
                              f"test ({format_date(srow['last_test'])}); {why}."))
            if srow["seroconversion"]:
                what = ("new detection (negative then positive, same assay)" if agent else
                        "seroconversion (negative then positive, same assay and cut-off)")
                flags.append(("seroconversion", f"{pat}: {what} on "
                              f"{format_date(srow['seroconversion_date'])}."))
            if srow["reversion"]:
                what = ("no longer detected" if agent else "reversion")
                flags.append(("reversion", f"{pat}: {what} (positive then negative) on "
                              f"{format_date(srow['reversion_date'])}."))
            pcr = t[t["assay"].str.contains("pcr") & (t["result"] == "positive")]
            if pat.upper() == "CDV" and len(pcr):
                flags.append(("cdv_pcr", f"CDV PCR positive on {format_date(pcr['date'].iloc[0])}: "
                              "active infection; notify the veterinary team."))
            if srow["missing_cutoff"]:
                flags.append(("missing_cutoff", f"{pat}: a titre without a known cut-off; the "
                              "lab's call was kept."))
            if srow["lab_disagrees"]:
                flags.append(("lab_disagrees", f"{pat}: the lab's call differs from the "
                              "configured cut-off for at least one test."))
            if ref is not None and (ref - srow["last_test"]).days > 365.25 * untested_years:
                flags.append(("untested", f"{pat}: not tested for more than {untested_years:g} "
                              f"years (last test {format_date(srow['last_test'])})."))
            history.append({
                "pathogen": pat, "summary": srow.to_dict(),
                "tests": [{
                    "date": format_date(r.date), "sample_id": r.sample_id, "assay": r.assay,
                    "lab": r.lab, "titer": r.titer, "cutoff": (
                        screening.format_titer("", r.cutoff) if not math.isnan(r.cutoff) else ""),
                    "cutoff_source": r.cutoff_source, "lab_result": r.lab_result,
                    "result": r.result, "basis": r.basis,
                } for r in t.itertuples(index=False)],
            })
        own = samp[samp["individual_id"] == iid].sort_values(["date", "sample_id"], kind="stable")
        records.append({
            "id": iid, "file": safe_filename(iid), "sex": a.sex, "age_class": a.age_class,
            "aliases": a.aliases, "first_seen": a.first_seen, "last_seen": a.last_seen,
            "n_samples": a.n_samples,
            "samples": [{"sample_id": r.sample_id, "sample_type": r.sample_type,
                         "date": format_date(r.date), "site": _text(r.site),
                         "latitude": fmt(r.latitude, 8), "longitude": fmt(r.longitude, 9),
                         "id_status": _text(getattr(r, "id_status", ""))}
                        for r in own.itertuples(index=False)],
            "genetics": genetics, "relatives": _relatives(pairs, iid),
            "history": history, "flags": [{"kind": k, "text": v} for k, v in flags],
        })
    return records


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
def animals_table(records: list[dict]) -> pd.DataFrame:
    """The vets' table (``animals.csv``): one row per animal and pathogen (an animal never
    tested: one row, pathogen empty).

    Parameters
    ----------
    records : page records of :func:`build_health`.

    Returns
    -------
    DataFrame
    """
    rows = []
    for r in records:
        g = r["genetics"] or {}
        base = {"individual_id": r["id"], "aliases": r["aliases"], "sex": r["sex"],
                "age_class": r["age_class"], "first_seen": r["first_seen"],
                "last_seen": r["last_seen"], "n_samples": r["n_samples"],
                "smlh": g.get("smlh", math.nan), "smlh_percentile": g.get("smlh_pct", math.nan),
                "f_measure": g.get("f_name", ""), "f": g.get("f", math.nan),
                "f_percentile": g.get("f_pct", math.nan),
                "flags": " | ".join(f["text"] for f in r["flags"])}
        if not r["history"]:
            rows.append({**base, "pathogen": ""})
        for h in r["history"]:
            s = h["summary"]
            rows.append({**base, "pathogen": h["pathogen"], "n_tests": s["n_tests"],
                         "first_test": format_date(s["first_test"]),
                         "last_test": format_date(s["last_test"]),
                         "ever_positive": s["ever_positive"], "latest_result": s["latest_result"],
                         "seroconversion": s["seroconversion"], "reversion": s["reversion"]})
    cols = ["individual_id", "aliases", "sex", "age_class", "first_seen", "last_seen",
            "n_samples", "smlh", "smlh_percentile", "f_measure", "f", "f_percentile", "pathogen",
            "n_tests", "first_test", "last_test", "ever_positive", "latest_result",
            "seroconversion", "reversion", "flags"]
    return pd.DataFrame(rows, columns=cols)


def _defuse_spreadsheet(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells starting with = + - @ so a spreadsheet shows them as text (CSV
    formula injection: an id like ``=HYPERLINK(...)`` must not become a formula)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: "'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r"
                                else v)
    return out


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
    if len(yr):
        fig, ax = plt.subplots(figsize=(6, 3.2))
        for k, (pat, g) in enumerate(yr.groupby("pathogen", sort=True)):
            x = g["level"].astype(int).to_numpy() + (k - 2) * 0.08
            ap = g["apparent"].to_numpy(float)
            ax.errorbar(x, ap, yerr=[_err(ap - g["wilson_lo"].to_numpy(float)),
                                     _err(g["wilson_hi"].to_numpy(float) - ap)],
                        fmt="o-", capsize=2, alpha=0.8, lw=1, label=pat)
        ax.set_ylim(0, 1)
        ax.set_ylabel("apparent prevalence")
        ax.set_xlabel("year")
        ax.legend(fontsize=7)
        plots["prevalence_year"] = png(fig)
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
def render_animal(record: dict, res: dict) -> str:
    """HTML of one animal's health summary (``animal.html.j2``, :mod:`leogen.report.html`).

    Parameters
    ----------
    record : one page record of :func:`build_health` (``res["records"]``).
    res : the result of :func:`build_health` (for the generalisation text and settings).

    Returns
    -------
    str
    """
    return environment().get_template("animal.html.j2").render(
        a=record, generalization=res["generalization"], untested_years=res["untested_years"])


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
    plots = {"prevalence": "", "prevalence_year": "", "tests": "", "smlh": "",
             **(plots if plots is not None else _plots(res))}
    return environment().get_template("population.html.j2").render(
        prevalence=res["prevalence"].to_dict("records"),
        hfc=[] if hfc is None else hfc.to_dict("records"),
        over_time=tests_over_time(res["tests"]).to_dict("records"),
        se_sp=res["se_sp"], plots=plots,
        animals=[{"id": r["id"], "file": r["file"], "n_flags": len(r["flags"])}
                 for r in res["records"]],
        mixed={p: ", ".join(sorted(set(g["assay"])))
               for p, g in res["tests"].groupby("pathogen", sort=True) if g["assay"].nunique() > 1},
        generalization=res["generalization"], g2=res["g2"], period=res["period"],
        n_unlinked=int((res["tests"]["individual_id"] == "").sum()),
        n_tests=len(res["tests"]))


def write_xlsx(table: pd.DataFrame, path) -> None:
    """The table as an Excel workbook with fixed timestamps, so reruns give the same bytes.

    openpyxl stamps the workbook's creation time into docProps/core.xml and every zip entry;
    both are set to a constant here.
    """
    import re
    import zipfile

    import openpyxl

    fixed = _dt.datetime(2000, 1, 1)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "animals"
    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    wb.properties.created = fixed
    wb.properties.modified = fixed
    raw = Path(str(path) + ".raw")
    wb.save(raw)
    try:
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in sorted(src.infolist(), key=lambda i: i.filename):
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<",
                                  rb"<dcterms:\1\2>2000-01-01T00:00:00Z<", data)
                dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0)),
                             data, compress_type=zipfile.ZIP_DEFLATED)
    finally:
        raw.unlink(missing_ok=True)


def write_health(res: dict, out_dir: str | Path) -> list[str]:
    """Write every output of :func:`build_health` under ``out_dir`` (atomically).

    The tables go through their declarations (:mod:`leogen.health.outputs`); then the
    animal pages, ``animals.csv`` / ``animals.xlsx`` (spreadsheet formulas defused) and
    ``population.html``.

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
    status = _dates_to_text(res["status"])
    outputs.STATUS.write(status, out / "status.tsv")
    outputs.PREVALENCE.write(res["prevalence"], out / "prevalence.tsv")
    if res["hfc"] is not None:
        outputs.HFC.write(res["hfc"], out / "hfc.tsv")
    outputs.WDDS.write(res["wdds"], out / "wdds.tsv")
    adir = out / "animals"
    adir.mkdir(parents=True, exist_ok=True)
    for rec in res["records"]:
        with atomic_open(adir / rec["file"], "w", encoding="utf-8") as fh:
            fh.write(render_animal(rec, res))
    table = _defuse_spreadsheet(animals_table(res["records"]))
    with atomic_open(out / "animals.csv", "w", encoding="utf-8") as fh:
        table.to_csv(fh, index=False, float_format="%.6g", lineterminator="\n", na_rep="NA")
    with atomic_path(out / "animals.xlsx") as tmp:
        write_xlsx(table, tmp)
    with atomic_open(out / "population.html", "w", encoding="utf-8") as fh:
        fh.write(render_population(res))
    return notes
