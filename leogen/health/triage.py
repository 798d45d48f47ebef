"""Triage of one animal: a status per pathogen with a severity colour, and ranked alerts.

The severity scale (:data:`LEVELS`, shown as the legend on every page):

* ``urgent`` (red): evidence of current or recent infection at the animal's latest test of
  the pathogen: the agent detected (PCR, culture, flotation), a fourfold or greater titre
  rise between paired samples of the same assay (:func:`leogen.health.serology.titre_rises`),
  or a positive result in an animal last known negative (seroconversion / new detection).
* ``attention`` (amber): antibodies at the latest test (exposure, not necessarily current
  infection), an equivocal latest result, or testing overdue: more than ``untested_years``
  between the animal's last test of the pathogen and its own last detection (an animal not
  seen since its last test is not overdue: it may be gone).
* ``clear`` (green): negative at the latest test and not overdue.
* ``no data`` (grey): never tested for the pathogen.

Alerts carry a rank (1 urgent, 2 attention, 3 information); urgent events that are not at
the animal's latest test of the pathogen are ranked 2 (they are history, not the present).
"""

from __future__ import annotations

import math

import pandas as pd

from leogen.report.html import fmt, format_date

#: level -> (rank, colour, meaning) for the legend.
LEVELS = {
    "urgent": (1, "#c62828", "current or recent infection at the latest test (agent "
               "detected, fourfold titre rise, or positive after a negative): act now"),
    "attention": (2, "#e08a00", "antibodies at the latest test (exposure), equivocal result, "
                  "or testing overdue"),
    "clear": (3, "#2e7d32", "negative at the latest test and tested recently enough"),
    "no data": (4, "#8c8c8c", "never tested for this pathogen"),
}
RANK_NAMES = {1: "urgent", 2: "attention", 3: "information"}
AGENT_ASSAYS = ("pcr", "flotation", "culture", "antigen", "elisa_ag")


def is_agent_assay(assay: str) -> bool:
    """Whether an assay detects the agent itself (PCR, culture, antigen) rather than
    antibodies.

    Parameters
    ----------
    assay : str
        Assay name.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_agent_assay("pcr"), is_agent_assay("elisa_ag"), is_agent_assay("vnt")
    (True, True, False)
    """
    a = str(assay).lower()
    return any(k in a for k in AGENT_ASSAYS)


def animal_triage(iid: str, tests: pd.DataFrame, status: pd.DataFrame, rises: pd.DataFrame,
                  pathogens: list[str], last_seen, untested_years: float) -> dict:
    """The status box and ranked alerts of one animal.

    Parameters
    ----------
    iid : the animal.
    tests : its linked tests (any order).
    status : its rows of ``status.tsv`` (:func:`leogen.health.screening.animal_timelines`).
    rises : its rows of :func:`leogen.health.serology.titre_rises`.
    pathogens : every pathogen screened in the data set (never-tested ones get ``no data``).
    last_seen : date of the animal's last detection (any sample or record), or None.
    untested_years : testing is overdue after this many years (see the module text).

    Returns
    -------
    dict ``status`` (list per pathogen: ``pathogen, level, colour, evidence, last_test,
    latest_result, latest_assay, latest_titer``), ``alerts`` (list of ``rank, level,
    kind, pathogen, date, text``, most severe and most recent first), ``level`` (the worst
    level of the animal).
    """
    st = status.set_index("pathogen") if len(status) else pd.DataFrame()
    seen = pd.Timestamp(last_seen) if last_seen not in (None, "") and not pd.isna(
        last_seen) else None
    alerts, boxes = [], []
    for pat in pathogens:
        if pat not in st.index:
            boxes.append({"pathogen": pat, "level": "no data", "colour": LEVELS["no data"][1],
                          "evidence": "never tested", "last_test": "", "latest_result": "",
                          "latest_assay": "", "latest_titer": ""})
            alerts.append((3, "untested", pat, None, f"{pat}: never tested."))
            continue
        s = st.loc[pat]
        t = tests[tests["pathogen"] == pat].sort_values(["date", "line"], kind="stable")
        last = pd.Timestamp(s["last_test"])
        at_last = t[t["date"] == last]
        agent_pos_last = bool(((at_last["result"] == "positive")
                               & at_last["assay"].map(is_agent_assay)).any())
        latest = s["latest_result"]
        r = rises[rises["pathogen"] == pat]
        rise_last = r[r["date_2"] == last]
        conv = bool(s["seroconversion"])
        conv_last = conv and pd.Timestamp(s["seroconversion_date"]) == last
        overdue = seen is not None and (seen - last).days > 365.25 * untested_years
        # alerts
        agent_pos = t[(t["result"] == "positive") & t["assay"].map(is_agent_assay)]
        for row in agent_pos.itertuples(index=False):
            rank = 1 if row.date == last else 2
            extra = ("; active infection: notify the veterinary team" if pat.upper() == "CDV"
                     else "")
            alerts.append((rank, "agent_detected", pat, row.date,
                           f"{pat}: agent detected by {row.assay} on {format_date(row.date)}"
                           f"{extra}."))
        for row in r.itertuples(index=False):
            rank = 1 if row.date_2 == last else 2
            alerts.append((rank, "fourfold_rise", pat, row.date_2,
                           f"{pat}: titre rose at least {fmt(row.fold_rise, 3)}-fold "
                           f"({row.titer_1} on {format_date(row.date_1)} to {row.titer_2} on "
                           f"{format_date(row.date_2)}, {row.assay}, {row.days} days apart): "
                           "seroconversion by the fourfold-rise standard."))
        if conv:
            agent = bool(len(t)) and t["assay"].map(is_agent_assay).all()
            what = ("new detection (negative then positive, same assay)" if agent else
                    "positive after a negative result (same assay and cut-off)")
            alerts.append((1 if conv_last else 2, "seroconversion", pat,
                           s["seroconversion_date"],
                           f"{pat}: {what} on {format_date(s['seroconversion_date'])}."))
        if latest == "positive" and not agent_pos_last:
            alerts.append((2, "seropositive", pat, last,
                           f"{pat}: antibodies at the latest test ({format_date(last)}, "
                           f"{s['latest_assay']}"
                           + (f", {s['latest_titer']}" if s["latest_titer"] else "")
                           + "): exposure, not proof of current infection or of immunity."))
        elif latest == "equivocal":
            alerts.append((2, "equivocal", pat, last,
                           f"{pat}: equivocal at the latest test ({format_date(last)}): retest."))
        elif s["ever_positive"]:
            why = ("shedding is intermittent, so a negative test does not rule out infection"
                   if t["assay"].map(is_agent_assay).all() else
                   "antibodies wane, so this is not proof of immunity")
            alerts.append((3, "positive_earlier", pat, last,
                           f"{pat}: positive earlier, {latest} at the latest test "
                           f"({format_date(last)}); {why}."))
        if s["reversion"]:
            alerts.append((3, "reversion", pat, s["reversion_date"],
                           f"{pat}: positive then negative on "
                           f"{format_date(s['reversion_date'])}."))
        if overdue:
            yrs = (seen - last).days / 365.25
            alerts.append((2, "overdue", pat, seen,
                           f"{pat}: testing overdue: last test {format_date(last)}, but the "
                           f"animal was detected {yrs:.1f} years later ({format_date(seen)}; "
                           f"limit {untested_years:g} years)."))
        if s["missing_cutoff"]:
            alerts.append((3, "missing_cutoff", pat, None,
                           f"{pat}: a titre without a known cut-off; the lab's call was kept."))
        if s["lab_disagrees"]:
            alerts.append((3, "lab_disagrees", pat, None,
                           f"{pat}: the lab's call differs from the configured cut-off for at "
                           "least one test."))
        # status box
        if agent_pos_last:
            level, evidence = "urgent", "agent detected"
        elif len(rise_last) or conv_last:
            level, evidence = "urgent", ("fourfold titre rise" if len(rise_last)
                                         else "positive after negative")
        elif latest == "positive":
            level, evidence = "attention", "antibodies (exposure)"
        elif latest == "equivocal":
            level, evidence = "attention", "equivocal"
        else:
            level, evidence = "clear", "negative"
        if overdue:
            evidence += "; testing overdue"
            if level == "clear":
                level = "attention"
        boxes.append({"pathogen": pat, "level": level, "colour": LEVELS[level][1],
                      "evidence": evidence, "last_test": format_date(last),
                      "latest_result": latest, "latest_assay": s["latest_assay"],
                      "latest_titer": s["latest_titer"]})
    far = pd.Timestamp("1900-01-01")
    alerts.sort(key=lambda a: (a[0], -(a[3] if a[3] is not None and not pd.isna(a[3])
                                       else far).value, a[2], a[1]))
    worst = min((LEVELS[b["level"]][0] for b in boxes), default=4)
    level = next(k for k, v in LEVELS.items() if v[0] == worst)
    return {"status": boxes, "level": level,
            "alerts": [{"rank": a[0], "level": RANK_NAMES[a[0]], "kind": a[1], "pathogen": a[2],
                        "date": format_date(a[3]) if a[3] is not None else "", "text": a[4]}
                       for a in alerts]}


def relationship_posteriors(pairs: pd.DataFrame) -> pd.DataFrame:
    """Posterior probabilities of the relationship classes of each pair, equal priors.

    ``P(k) = L_k / sum_j L_j`` over PO, FS, HS and U from the class log-likelihoods of
    ``relatedness/pairs.tsv`` (``loglik_po`` ...), assuming each class equally likely a
    priori. This ignores the rest of the pedigree and the population's background
    relatedness, so it is a lead, not a fact.

    Parameters
    ----------
    pairs : ``pairs.tsv`` rows with ``loglik_po, loglik_fs, loglik_hs, loglik_u``.

    Returns
    -------
    DataFrame with ``p_po, p_fs, p_hs, p_u``, ``best`` (most probable related class) and
    ``p_best`` (its probability); NaN rows where a log-likelihood is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"loglik_po": [-10.0], "loglik_fs": [-12.0], "loglik_hs": [-13.0],
    ...                    "loglik_u": [-14.0]})
    >>> round(float(relationship_posteriors(df)["p_po"].iloc[0]), 3)
    0.831
    """
    cls = ["po", "fs", "hs", "u"]
    cols = [f"loglik_{c}" for c in cls]
    if not set(cols) <= set(pairs.columns):
        out = pd.DataFrame(index=pairs.index, columns=[f"p_{c}" for c in cls], dtype=float)
        out["best"], out["p_best"] = "", math.nan
        return out
    ll = pairs[cols].to_numpy(float)
    m = ll.max(axis=1, keepdims=True)
    import numpy as np

    w = np.exp(ll - m)
    p = w / w.sum(axis=1, keepdims=True)
    out = pd.DataFrame(p, index=pairs.index, columns=[f"p_{c}" for c in cls])
    rel = p[:, :3]
    j = np.nanargmax(np.where(np.isnan(rel), -1, rel), axis=1)
    out["best"] = np.array(["PO", "FS", "HS"], dtype=object)[j]
    out["p_best"] = rel[np.arange(len(rel)), j]
    return out
