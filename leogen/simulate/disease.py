"""Disease: yearly infections raised by inbreeding, and imperfect pathogen tests.

Yearly infection probability ``logit^-1(logit(incidence) + inbreeding_effect F)``; FIV and
FeLV persist once acquired; antibodies (``exposed_ever``) are lifelong. Defaults give adult
seroprevalences near the Amur tiger serosurvey (Goodrich et al. 2012 J Wildl Dis 48:186).
Serology at capture (per assay sensitivity/specificity, two-fold titres) and scat PCR for
T. gondii (true state: infected that year).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.simulate.demography import alive_matrix
from leogen.simulate.params import PATHOGENS, PERSISTENT, TARGET_SPECIES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def simulate_infection(ped: pd.DataFrame, f: np.ndarray, p: SimParams, seed) -> pd.DataFrame:
    """Yearly infections of every animal-year alive (all simulated years).

    P(new infection in a year) = logistic(logit(``incidence[pathogen]``) +
    ``inbreeding_effect`` * F), a logistic model of susceptibility rising with pedigree
    inbreeding (inbreeding depression in disease resistance, e.g. Acevedo-Whitehouse et al.
    2003 Nature 422:35); FIV and FeLV persist once acquired, the others are acute;
    ``exposed_ever`` = infected in this or an earlier year (lifelong antibodies).

    Parameters
    ----------
    ped : DataFrame
        Pedigree of ``simulate_pedigree``.
    f : float array (n_individuals,)
        Pedigree inbreeding coefficients.
    p : SimParams
        ``incidence``, ``inbreeding_effect``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (one row per pathogen and animal-year alive)
        ``individual_id, pathogen, year, infected, exposed_ever`` (0/1).
    """
    rng = np.random.default_rng(seed)
    years = np.arange(p.start_year, p.end_year + 1)
    alive = alive_matrix(ped, years)
    ids = ped["individual_id"].to_numpy()
    frames = []
    for pth in PATHOGENS:
        inc = p.incidence[pth]
        if inc <= 0:
            prob = np.zeros(len(ped))
        else:
            eta = math.log(inc / (1 - inc)) + p.inbreeding_effect * f
            prob = 1.0 / (1.0 + np.exp(-eta))
        new = (rng.random(alive.shape) < prob[:, None]) & alive
        ever = np.cumsum(new, axis=1) > 0
        infected = ever if pth in PERSISTENT else new
        i, y = np.nonzero(alive)
        frames.append(pd.DataFrame({"individual_id": ids[i], "pathogen": pth,
                                    "year": years[y], "infected": infected[i, y].astype(int),
                                    "exposed_ever": ever[i, y].astype(int)}))
    return pd.concat(frames, ignore_index=True)


def _titer(x: int) -> str:
    """A titre as the lab writes it: ``1:x``."""
    return f"1:{x}"


def screening_tests(samples: pd.DataFrame, infection: pd.DataFrame, p: SimParams,
                    seed) -> pd.DataFrame:
    """Serology of every blood sample (all pathogens) and T. gondii PCR of some scats.

    The observed result is positive with probability = sensitivity when the assay's true
    state holds, 1 - specificity otherwise (an imperfect test; Greiner & Gardner 2000 Prev
    Vet Med 45:3); a share ``p_equivocal`` is equivocal (titre one dilution below the
    cut-off). Titres are two-fold dilutions: positives cut-off x 2^Poisson(1.5), negatives
    below the start dilution mostly, else one dilution under the cut-off. A share
    ``scat_pcr_fraction`` of the scats gets the ``scat_pcr`` test (other species:
    true state negative).

    Parameters
    ----------
    samples : DataFrame
        Samples of ``sample_animals``.
    infection : DataFrame
        ``simulate_infection``.
    p : SimParams
        ``assays``, ``scat_pcr``, ``scat_pcr_fraction``, ``p_equivocal``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (one row per test, sorted by sample_id and pathogen)
        ``sample_id, date, pathogen, assay, result, titer, sensitivity, specificity, lab,
        cutoff``: the screening.tsv input.
    """
    rng = np.random.default_rng(seed)
    key = infection.set_index(["individual_id", "pathogen", "year"])
    rows = []

    def state(ind, pth, year, what):
        if ind is None or (isinstance(ind, float) and np.isnan(ind)):
            return 0
        try:
            r = key.loc[(ind, pth, year)]
        except KeyError:
            return 0
        return int(r["exposed_ever"] if what == "exposed" else r["infected"])

    def result(true, a):
        if rng.random() < p.p_equivocal:
            return "equivocal"
        pos = rng.random() < (a["sensitivity"] if true else 1 - a["specificity"])
        return "positive" if pos else "negative"

    def titer(res, a):
        start, cut = int(a.get("titer_start", 0)), int(a.get("cutoff", 0))
        if not start:
            return ""
        if res == "positive":
            return _titer(cut * 2 ** int(rng.poisson(1.5)))
        if res == "equivocal":
            return _titer(max(start, cut // 2))
        if cut // 2 >= start and rng.random() < 0.3:
            return _titer(cut // 2)
        return f"<1:{start}"

    for row in samples.itertuples(index=False):
        year = int(row.date[:4])
        if row.sample_type == "blood":
            for pth in PATHOGENS:
                a = p.assays[pth]
                res = result(state(row.individual_id, pth, year, a["state"]), a)
                cut = int(a.get("cutoff", 0))
                rows.append({"sample_id": row.sample_id, "date": row.date, "pathogen": pth,
                             "assay": a["assay"], "result": res, "titer": titer(res, a),
                             "sensitivity": a["sensitivity"], "specificity": a["specificity"],
                             "lab": a.get("lab", ""), "cutoff": _titer(cut) if cut else ""})
    scats = samples[samples["sample_type"] == "scat"]
    n_pcr = int(round(p.scat_pcr_fraction * len(scats)))
    chosen = np.sort(rng.choice(len(scats), n_pcr, replace=False)) if n_pcr else []
    a = p.scat_pcr
    for k in chosen:
        row = scats.iloc[k]
        ind = row["individual_id"] if row["species"] == TARGET_SPECIES else None
        res = result(state(ind, a["pathogen"], int(row["date"][:4]), a["state"]), a)
        rows.append({"sample_id": row["sample_id"], "date": row["date"],
                     "pathogen": a["pathogen"], "assay": a["assay"], "result": res, "titer": "",
                     "sensitivity": a["sensitivity"], "specificity": a["specificity"],
                     "lab": a.get("lab", ""), "cutoff": ""})
    cols = ["sample_id", "date", "pathogen", "assay", "result", "titer", "sensitivity",
            "specificity", "lab", "cutoff"]
    return pd.DataFrame(rows, columns=cols).sort_values(["sample_id", "pathogen"],
                                                        kind="stable").reset_index(drop=True)
