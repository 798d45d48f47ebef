"""The health stage in one call: read the inputs, build every table and page, write them.

:func:`run` is what ``leogen health`` calls; :func:`log_lines` describes a run for the log.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leogen.health import report
from leogen.health.inputs import read_inputs
from leogen.io import locations


def run(screening_path: str | Path, samples_path: str | Path,
        sample_individual_path: str | Path, individuals_path: str | Path,
        out_dir: str | Path, inbreeding_path: str | Path | None = None,
        g2_path: str | Path | None = None, pairs_path: str | Path | None = None,
        cutoffs_path: str | Path | None = None, grid_km: float = locations.DEFAULT_GRID_KM,
        exact: bool = False, untested_years: float = 3.0, period: str = "year",
        seed: int = 1, power_sims: int = 400,
        relative_min_prob: float = report.RELATIVE_MIN_PROB, age_years: dict | None = None,
        design_prevalence: float = 0.1, precision: float = 0.1,
        generated: str | None = None,
        relationships_path: str | Path | None = None,
        pedigree_path: str | Path | None = None,
        pedigree_inbreeding_path: str | Path | None = None) -> dict:
    """Run the health stage and write its outputs under ``out_dir``.

    Writes the tables declared in :mod:`leogen.health.outputs` (``status.tsv``,
    ``triage.tsv``, ``alerts.tsv``, ``titre_rises.tsv``, ``prevalence.tsv``,
    ``force_of_infection.tsv``, ``mixture.tsv``, ``survey_design.tsv``, ``hfc.tsv`` when
    ``inbreeding_path`` is given, ``wdds.tsv``), ``animals/<id>.html``,
    ``animals_print.html``, ``animals.csv``, ``animals.xlsx`` and ``population.html``.

    Parameters
    ----------
    screening_path, samples_path, sample_individual_path, individuals_path, inbreeding_path,
    g2_path, pairs_path, cutoffs_path : the inputs (:func:`leogen.health.inputs.read_inputs`).
    out_dir : output folder.
    grid_km : side of the grid cell coordinates are generalised to (km; at least
        :data:`leogen.io.locations.MIN_GRID_KM`).
    exact : publish exact coordinates (only for authorised, non-shared outputs; the files
        holding them are then readable by their owner only).
    untested_years : testing is overdue when the animal was detected more than this many
        years after its last test of a pathogen.
    period : ``year`` or ``all``: period of the per-animal status of the year stratum.
    seed, power_sims : seed and number of simulations of the HFC power estimate.
    relative_min_prob : smallest relationship probability shown on a page.
    age_years : age class -> years for the force of infection (default
        :data:`leogen.health.epi.DEFAULT_AGE_YEARS`).
    design_prevalence, precision : of the serosurvey sample sizes.
    generated : the date stamped on the pages (default: ``SOURCE_DATE_EPOCH`` or today).
    relationships_path : ``pedigree/relationships.tsv``: relatives named from the
        reconstructed pedigree's probabilities (default: the pairwise likelihoods).
    pedigree_path : ``pedigree/pedigree.tsv``: each animal's estimated birth year on its
        page and in the animal table.
    pedigree_inbreeding_path : ``pedigree/inbreeding.tsv``: each animal's pedigree F on its
        page and in the animal table.

    Returns
    -------
    dict
        The result of :func:`leogen.health.report.build_health` plus ``notes`` (from
        writing) and ``log`` (:func:`log_lines`).
    """
    inputs = read_inputs(screening_path, samples_path, sample_individual_path,
                         individuals_path, inbreeding_path, g2_path, pairs_path, cutoffs_path,
                         relationships_path, pedigree_path, pedigree_inbreeding_path)
    res = report.build_health(
        inputs.tests, inputs.samples, inputs.sample_individual, inputs.individuals,
        inputs.inbreeding, inputs.g2, inputs.pairs, grid_km=grid_km, exact=exact,
        untested_years=untested_years, period=period, seed=seed, power_sims=power_sims,
        relative_min_prob=relative_min_prob, age_years=age_years,
        design_prevalence=design_prevalence, precision=precision,
        relationships=inputs.relationships, birth_years=inputs.birth_years,
        pedigree_inbreeding=inputs.pedigree_inbreeding,
        stamp=report.data_stamp([screening_path, samples_path, sample_individual_path,
                                 individuals_path, inbreeding_path, pairs_path, cutoffs_path,
                                 relationships_path, pedigree_path,
                                 pedigree_inbreeding_path],
                                generated))
    res["notes"] = report.write_health(res, out_dir)
    res["log"] = log_lines(res, out_dir)
    return res


def log_lines(res: dict, out_dir: str | Path) -> list[str]:
    """What a run did, for the log: counts, Se/Sp per pathogen, cut-offs, locations, files.

    Parameters
    ----------
    res : dict
        The health run's result.
    out_dir : str or Path
        Where its outputs were written.

    Returns
    -------
    list of str
        The log lines.
    """
    tests = res["tests"]
    n_unlinked = int((tests["individual_id"] == "").sum())
    lines = [f"leogen health: {len(tests)} tests ({n_unlinked} not linked to an animal), "
             f"{len(res['records'])} animals, {res['status']['pathogen'].nunique()} pathogens"]
    for pat in sorted(set(tests["pathogen"])):
        se, sp, src = res["se_sp"].get(
            pat, (None, None, "none given: true prevalence not computed"))
        if se is None:
            lines.append(f"  {pat}: Se/Sp {src}")
        else:
            lines.append(f"  {pat}: Se = {se:g}, Sp = {sp:g} (source: {src})")
    n_missing = int(np.sum(tests["missing_cutoff"]))
    if n_missing:
        lines.append(f"  {n_missing} test(s) have a titre but no cut-off: the lab's result was "
                     "kept (give cut-offs in a cut-off file)")
    lines.append(f"  locations: {res['generalization']}")
    lines.extend(f"  note: {note}" for note in res.get("notes", []))
    n_urgent = sum(r["level"] == "urgent" for r in res["records"])
    n_att = sum(r["level"] == "attention" for r in res["records"])
    lines.append(f"  triage: {n_urgent} animal(s) urgent, {n_att} need attention; "
                 f"{len(res['rises'])} fourfold titre rise(s)")
    lines.append(f"  data set {res['stamp']['dataset']}")
    lines.append(f"  wrote {out_dir}/status.tsv, triage.tsv, alerts.tsv, titre_rises.tsv, "
                 "prevalence.tsv, force_of_infection.tsv, mixture.tsv, survey_design.tsv, "
                 "wdds.tsv, population.html, animals/*.html, animals_print.html, animals.csv, "
                 "animals.xlsx" + (", hfc.tsv" if res["hfc"] is not None else ""))
    return lines
