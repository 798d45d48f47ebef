"""Everything the health stage reads: its input sheets and the upstream stage tables.

This is the one place the health stage opens files. Input sheets (sample sheet, screening
sheet, cut-off file) are read by their own readers (:mod:`leogen.io.sheets`,
:mod:`leogen.health.screening`); upstream stage tables only through their declarations
(``leogen/identify/outputs.py``, ``leogen/popgen/outputs.py``), so a damaged cell is an
:class:`~leogen.errors.InputError` naming the file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from leogen.errors import ErrorCollector
from leogen.health import screening
from leogen.identify.outputs import INDIVIDUALS, read_sample_individual
from leogen.popgen import outputs as popgen_outputs

#: Relatedness estimators of ``pairs.tsv``, in order of preference (the first with a value is
#: the one shown on an animal's page).
RELATEDNESS_ESTIMATORS = ("ml", "wang", "qg", "lr", "ritland", "li")


def check_unique(df: pd.DataFrame, column: str, path) -> None:
    """Raise :class:`InputError` for every repeated non-empty value of ``column``.

    Parameters
    ----------
    df : table as read, with a ``_line`` column.
    column : the column whose values must be unique.
    path : file name for the messages.
    """
    dup = df[column].duplicated(keep="first") & (df[column] != "")
    if dup.any():
        first = dict(zip(df.loc[~dup, column], df.loc[~dup, "_line"], strict=True))
        errors = ErrorCollector()
        for value, line in zip(df.loc[dup, column], df.loc[dup, "_line"], strict=True):
            errors.add(f"{column} '{value}' appears twice (first on line {first[value]})", path,
                       int(line), column)
        errors.raise_if_any()


def read_sample_links(path) -> pd.DataFrame:
    """``identify/sample_individual.tsv``: the animal of every sample, whatever its status.

    Parameters
    ----------
    path : the identify stage's table.

    Returns
    -------
    DataFrame with ``sample_id, individual_id`` ('' when the sample is not assigned),
    ``status`` and ``_line``; one row per sample (a repeated sample_id is an InputError).
    Every sample with an animal links its tests to that animal, so all statuses are kept.
    """
    df = read_sample_individual(path, identified_only=False)
    check_unique(df, "sample_id", path)
    return df


def read_individuals(path) -> pd.DataFrame:
    """``identify/individuals.tsv``: ``individual_id`` (unique), ``sex``, ``first_seen``,
    ``last_seen`` (dates; NaT when unknown), ``sex_source`` and ``individual_hints`` when the
    file has them, and ``_line``.

    Parameters
    ----------
    path : str or Path
        The ``individuals.tsv``.

    Returns
    -------
    DataFrame

    Raises
    ------
    InputError
        When the table is invalid or an individual_id is repeated.
    """
    df = INDIVIDUALS.read(path, ["individual_id", "sex", "first_seen", "last_seen"],
                          if_present=["sex_source", "individual_hints"])
    check_unique(df, "individual_id", path)
    return df


def read_inbreeding(path) -> pd.DataFrame:
    """``inbreeding/individuals.tsv`` (:func:`leogen.popgen.outputs.read_individual_inbreeding`):
    one row per animal (a repeated individual_id is an InputError) with sMLH, IR, HL,
    F_Ritland and, with SNP data, F_MoM and F_ROH, every measure as float (NA as NaN).

    Parameters
    ----------
    path : str or Path
        The ``inbreeding/individuals.tsv``.

    Returns
    -------
    DataFrame

    Raises
    ------
    InputError
        When the table is invalid or an individual_id is repeated.
    """
    df = popgen_outputs.read_individual_inbreeding(path)
    check_unique(df, "individual_id", path)
    # float throughout (counts too): a nullable Int64 column would turn an animal's row into
    # objects holding pd.NA where the pages expect NaN
    measures = [c for c in df.columns if c not in ("individual_id", "_line")]
    df[measures] = df[measures].astype(float)
    return df


def read_g2(path) -> dict[str, float]:
    """``inbreeding/g2.tsv`` (:func:`leogen.popgen.outputs.read_g2`) as
    ``{"g2": value, "g2_p": permutation p-value}``.

    Parameters
    ----------
    path : str or Path
        The ``g2.tsv``.

    Returns
    -------
    dict of str to float

    Raises
    ------
    InputError
        When the table is invalid or does not have exactly one row.
    """
    g2 = popgen_outputs.read_g2(path)
    return {"g2": float(g2["g2"]), "g2_p": float(g2["p_value"])}


def read_pairs(path) -> pd.DataFrame:
    """``relatedness/pairs.tsv`` (:func:`leogen.popgen.outputs.read_pairs`): ``id1, id2,
    n_loci``, the estimators of :data:`RELATEDNESS_ESTIMATORS` (float), ``relationship`` and,
    when the file has them, the class log-likelihoods ``loglik_po, loglik_fs, loglik_hs,
    loglik_u`` (for the relationship probabilities on the pages).

    Parameters
    ----------
    path : str or Path
        The ``pairs.tsv``.

    Returns
    -------
    DataFrame
        One row per pair.

    Raises
    ------
    InputError
        When a column is missing or a cell is malformed.
    """
    return popgen_outputs.PAIRS.read(
        path, ["id1", "id2", "n_loci", *RELATEDNESS_ESTIMATORS, "relationship"],
        if_present=["loglik_po", "loglik_fs", "loglik_hs", "loglik_u"])


@dataclass
class HealthInputs:
    """The health stage's inputs, read and checked.

    ``tests`` are the normalised screening tests linked to animals
    (:func:`leogen.health.screening.link_tests`); ``samples`` is the sample sheet (``date``
    datetime, ``lat``/``lon`` float); ``sample_individual`` comes from
    :func:`read_sample_links`; ``inbreeding``, ``g2`` and ``pairs`` are None when not given.
    """

    tests: pd.DataFrame
    samples: pd.DataFrame
    sample_individual: pd.DataFrame
    individuals: pd.DataFrame
    inbreeding: pd.DataFrame | None = None
    g2: dict | None = None
    pairs: pd.DataFrame | None = None
    relationships: pd.DataFrame | None = None
    birth_years: pd.DataFrame | None = None
    pedigree_inbreeding: pd.DataFrame | None = None


def read_inputs(screening_path: str | Path, samples_path: str | Path,
                sample_individual_path: str | Path, individuals_path: str | Path,
                inbreeding_path: str | Path | None = None, g2_path: str | Path | None = None,
                pairs_path: str | Path | None = None,
                cutoffs_path: str | Path | None = None,
                relationships_path: str | Path | None = None,
                pedigree_path: str | Path | None = None,
                pedigree_inbreeding_path: str | Path | None = None) -> HealthInputs:
    """Read every input of the health stage and link the tests to the animals.

    Parameters
    ----------
    screening_path : the screening sheet (one row per pathogen test).
    samples_path : the sample sheet; every sample id of the screening sheet must be in it.
    sample_individual_path : ``identify/sample_individual.tsv``.
    individuals_path : ``identify/individuals.tsv``.
    inbreeding_path, g2_path, pairs_path : optional ``inbreeding/individuals.tsv``,
        ``inbreeding/g2.tsv`` and ``relatedness/pairs.tsv``.
    cutoffs_path : optional YAML cut-off file (:func:`leogen.health.screening.load_cutoffs`).
    relationships_path : optional ``pedigree/relationships.tsv``
        (:func:`leogen.pedigree.outputs.read_relationships`): relatives named from the
        reconstructed pedigree's probabilities instead of the pairwise likelihoods.
    pedigree_path : optional ``pedigree/pedigree.tsv``
        (:func:`leogen.pedigree.outputs.read_pedigree`): each animal's birth year as the
        pedigree estimates it (median and 80% interval), for the pages.
    pedigree_inbreeding_path : optional ``pedigree/inbreeding.tsv``
        (:func:`read_pedigree_inbreeding`): each animal's pedigree F, for the pages.

    Returns
    -------
    HealthInputs
    """
    from leogen.io.sheets import check_known_ids, read_samples

    cutoffs = screening.load_cutoffs(cutoffs_path)
    raw = screening.read_screening(screening_path)
    tests = screening.normalise_screening(raw, cutoffs, screening_path)
    samples = read_samples(samples_path)
    check_known_ids(tests["sample_id"], samples["sample_id"], screening_path, "sample_id",
                    lines=tests["line"].to_numpy()).raise_if_any()
    sample_individual = read_sample_links(sample_individual_path)
    individuals = read_individuals(individuals_path)
    tests = screening.link_tests(tests, sample_individual, screening_path)
    return HealthInputs(
        tests=tests, samples=samples, sample_individual=sample_individual,
        individuals=individuals,
        inbreeding=read_inbreeding(inbreeding_path) if inbreeding_path else None,
        g2=read_g2(g2_path) if g2_path else None,
        pairs=read_pairs(pairs_path) if pairs_path else None,
        relationships=_read_relationships(relationships_path) if relationships_path else None,
        birth_years=read_birth_years(pedigree_path) if pedigree_path else None,
        pedigree_inbreeding=(read_pedigree_inbreeding(pedigree_inbreeding_path)
                             if pedigree_inbreeding_path else None))


def _read_relationships(path) -> pd.DataFrame:
    from leogen.pedigree.outputs import read_relationships

    return read_relationships(path, ["id1", "id2", "relationship", "probability", "p_u"])


def read_birth_years(path) -> pd.DataFrame:
    """The genotyped animals' birth-year estimates of ``pedigree/pedigree.tsv``:
    ``individual_id, birth_year_estimate, birth_year_80_lo, birth_year_80_hi`` (Int64, NA
    without a date)."""
    from leogen.pedigree.outputs import read_pedigree

    cols = ["individual_id", "sampled", "birth_year_estimate", "birth_year_80_lo",
            "birth_year_80_hi"]
    ped = read_pedigree(path, cols)
    return ped.loc[ped["sampled"].astype(bool), cols[:1] + cols[2:]].reset_index(drop=True)


def read_pedigree_inbreeding(path) -> pd.DataFrame:
    """The pedigree F of the genotyped animals, ``pedigree/inbreeding.tsv``:
    ``individual_id, f_pedigree, f_pedigree_expected, n_parents``
    (:func:`leogen.pedigree.outputs.read_inbreeding`)."""
    from leogen.pedigree.outputs import read_inbreeding

    cols = ["individual_id", "f_pedigree", "f_pedigree_expected", "n_parents"]
    return read_inbreeding(path, cols)[cols]
