"""Tables of the identify stage, declared once (columns, types, NA rule), with their readers.

Later stages read identify's outputs only through these declarations; the reader of
``sample_individual.tsv`` below is the one rule for which samples count as detections of an
animal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leogen.io.tables import Column, Table
from leogen.qc.outputs import LONG_COLUMNS

#: Statuses of samples that are not a detection of a known animal.
NOT_IDENTIFIED = frozenset({"ambiguous", "insufficient_loci", "insufficient_information",
                            "no_consensus"})

SAMPLE_INDIVIDUAL = Table(
    "identify/sample_individual.tsv",
    "the animal of each sample; status matched|unique|ambiguous|weak_match|"
    "unverified_no_match|insufficient_information|insufficient_loci|no_consensus.",
    (
        Column("sample_id", "str", na=False),
        Column("individual_id", "str", description="NA when the sample is not assigned"),
        Column("n_loci_compared", "int"),
        Column("n_mismatches", "int"),
        Column("status", "str", na=False),
        Column("n_loci_typed", "int"),
        Column("n_dropout_like", "int"),
        Column("pid_sib_matched", "float"),
        Column("closest_sample", "str"),
        Column("candidate_individuals", "str"),
        Column("sample_type", "str"),
        Column("assignment_probability", "float",
               description="posterior probability that the sample is individual_id's animal "
                           "(likelihood method; NA otherwise or when not assigned)"),
        Column("log10_lr_same_vs_sib", "float",
               description="log10 LR one animal vs full siblings against its animal's other "
                           "samples (or its best candidate)"),
        Column("log10_information", "float",
               description="log10 LR one animal vs full siblings the sample could reach "
                           "against an error-free reference of its own genotype"),
    ),
)


def read_sample_individual(path, identified_only: bool = True,
                           columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``sample_individual.tsv`` strictly (see :data:`SAMPLE_INDIVIDUAL`).

    Parameters
    ----------
    path : the table written by ``leogen identify``.
    identified_only : keep only samples that are a detection of an animal: an individual id
        and a status other than those in :data:`NOT_IDENTIFIED`.
    columns : declared columns to return (default ``sample_id, individual_id, status``).

    Returns
    -------
    DataFrame with the requested columns and ``_line``; ``individual_id`` is '' for samples
    without an animal.
    """
    columns = list(columns or ["sample_id", "individual_id", "status"])
    need = list(dict.fromkeys(columns + (["individual_id", "status"] if identified_only else [])))
    df = SAMPLE_INDIVIDUAL.read(path, need)
    if identified_only:
        ok = (df["individual_id"] != "") & ~df["status"].isin(NOT_IDENTIFIED)
        df = df.loc[ok]
    return df[columns + ["_line"]].reset_index(drop=True)


def sample_links(path) -> pd.Series:
    """sample_id -> individual_id of every sample assigned to an animal (any status).

    Parameters
    ----------
    path : str or Path
        The ``sample_individual.tsv``.

    Returns
    -------
    Series
        Individual id per sample id.

    Raises
    ------
    InputError
        When a column is missing or a cell is malformed.
    """
    df = read_sample_individual(path, identified_only=False,
                                columns=["sample_id", "individual_id"])
    df = df[df["individual_id"] != ""]
    return df.set_index("sample_id")["individual_id"]


INDIVIDUALS = Table(
    "identify/individuals.tsv",
    "one row per animal (site names, no coordinates).",
    (
        Column("individual_id", "str", na=False),
        Column("n_samples", "int", na=False),
        Column("sample_types", "str"),
        Column("sex", "str"),
        Column("sex_source", "str"),
        Column("first_seen", "date"),
        Column("last_seen", "date"),
        Column("n_loci_typed", "int", na=False),
        Column("sites", "str"),
        Column("individual_hints", "str"),
    ),
)

INDIVIDUAL_GENOTYPES = Table(
    "identify/individual_genotypes.tsv",
    "one consensus genotype per animal (long format).",
    LONG_COLUMNS,
)

CAPTURES = Table(
    "identify/captures.tsv",
    "capture history, animal x occasion (also captures.inp for MARK).",
    (Column("individual_id", "str", na=False),),
    extra="<one column per occasion>",
)

PID = Table(
    "identify/pid.tsv",
    "PID and PIDsib per locus and cumulative (Waits et al. 2001), loci from the most "
    "informative.",
    (
        Column("rank", "int", na=False),
        Column("locus", "str", na=False),
        Column("n_typed", "int", na=False),
        Column("n_alleles", "int", na=False),
        Column("he", "float"),
        Column("pid", "float"),
        Column("pid_sib", "float"),
        Column("cum_pid", "float"),
        Column("cum_pid_sib", "float"),
    ),
)

PID_SUMMARY = Table(
    "identify/pid_summary.tsv",
    "loci needed for PIDsib < 0.01 and < 0.001.",
    (Column("statistic", "str", na=False), Column("value", "float")),
)

MISMATCH_THRESHOLD = Table(
    "identify/mismatch_threshold.tsv",
    "how the automatic mismatch threshold k was chosen.",
    (
        Column("k", "int", na=False),
        Column("p_more_than_k", "float", na=False),
        Column("chosen", "bool", na=False),
    ),
)

MISMATCH_BINS = Table(
    "identify/mismatch_bins.tsv",
    "error-rate bins behind the automatic k.",
    (
        Column("bin", "str", na=False),
        Column("n_samples", "int", na=False),
        Column("ado_rate", "float"),
        Column("fa_rate", "float"),
        Column("n_replicates", "int"),
        Column("p_error_heterozygote", "float"),
        Column("p_error_homozygote", "float"),
        Column("p_consensus_error", "float"),
    ),
)

MATCH_THRESHOLD = Table(
    "identify/match_threshold.tsv",
    "likelihood method: the threshold on the LR one animal vs full siblings, chosen so that "
    "the simulated false-match rate per pair of full siblings is at most the target, and the "
    "rate at that threshold for simulated full-sib, unrelated and same-animal pairs.",
    (
        Column("relationship", "str", na=False),
        Column("n_pairs", "int", na=False),
        Column("log10_lr_threshold", "float", na=False),
        Column("p_at_or_above", "float", na=False),
        Column("target", "float"),
        Column("chosen_by", "str", na=False),
    ),
)

PRIORS = Table(
    "identify/priors.tsv",
    "likelihood method: the priors of the assignment probabilities, estimated from this run's "
    "data by EM (leogen.identify.likelihood): the chance that a sample's animal has no other "
    "sample (new_animal), and the shares of full sibs and parent-offspring among pairs of "
    "animals, used at no less than the relative-prior floor.",
    (
        Column("parameter", "str", na=False,
               description="new_animal | full_sib | parent_offspring | same_animal_groups"),
        Column("estimate", "float", description="EM estimate; NA with fewer than two animals"),
        Column("used", "float", description="the value the probabilities use; NA: not a prior"),
        Column("floor", "float", description="the smallest value allowed (relative priors)"),
        Column("n", "int", na=False,
               description="samples (new_animal) or pairs of groups the estimate rests on"),
    ),
)

#: Registry columns a user may edit; leogen carries them over unchanged from run to run.
REGISTRY_USER_COLUMNS = ("name", "camera_trap_id", "notes")

REGISTRY = Table(
    "identify/registry.tsv",
    "every known animal, carried from run to run (give it back with the identify registry "
    "setting; docs/identify.md): status seen|new|not_seen|would_merge, the samples that define "
    "it, its reference genotype (one column per locus, `allele1/allele2`, NA untyped) with its "
    "quality reference_sample|replicated|single_sample; name, camera_trap_id and notes are the "
    "user's and are kept unchanged.",
    (
        Column("individual_id", "str", na=False),
        Column("status", "str", na=False),
        Column("name", "str"),
        Column("camera_trap_id", "str"),
        Column("notes", "str"),
        Column("sex", "str"),
        Column("first_seen", "date"),
        Column("last_seen", "date"),
        Column("n_samples", "int", na=False),
        Column("samples", "str", na=False,
               description="comma-separated sample ids that define the animal"),
        Column("n_loci_typed", "int", na=False),
        Column("genotype_quality", "str"),
        Column("min_locus_support", "int",
               description="fewest samples agreeing with the reference call at a typed locus"),
    ),
    extra="<one column per locus: allele1/allele2>",
)

REGISTRY_CHANGES = Table(
    "identify/registry_changes.tsv",
    "what this run changed against the previous registry: new|matched_by_genotype|"
    "would_merge|sample_moved|sample_unassigned|genotype_changed|not_seen (ids are never "
    "renamed or merged silently).",
    (
        Column("change", "str", na=False),
        Column("individual_id", "str", na=False),
        Column("other_individual_id", "str"),
        Column("n_samples", "int", na=False),
        Column("sample_ids", "str"),
        Column("detail", "str"),
    ),
)


def individual_replicates(genotypes):
    """The individual genotypes as a long table's ``Replicates`` (replicate id
    ``individual``), for :data:`INDIVIDUAL_GENOTYPES`.

    Parameters
    ----------
    genotypes : Genotypes
        One genotype per individual.

    Returns
    -------
    Replicates
        One replicate per individual and locus.
    """
    from leogen.model.genotypes import Replicates

    shape = (genotypes.n_samples, genotypes.n_loci, 1)
    return Replicates(genotypes.calls[:, :, None, :], np.ones(shape, bool), genotypes.samples,
                      genotypes.loci, genotypes.alleles,
                      np.full(shape, "individual", dtype=object))


def write_identify(tables: dict, out_dir) -> None:
    """Write the tables of :func:`leogen.identify.matching.run` into ``out_dir``: the
    declared TSVs, ``individual_genotypes.tsv`` and the MARK ``captures.inp``; the automatic-k
    tables only when k was chosen automatically.

    Parameters
    ----------
    tables : dict
        Table name -> table, from :func:`leogen.identify.matching.run`.
    out_dir : str or Path
        Output directory.

    Returns
    -------
    None
    """
    from leogen.io.atomic import atomic_open
    from leogen.io.longtable import replicates_to_frame
    from leogen.monitoring.captures import mark_inp

    out = Path(out_dir)
    for name, spec in (("sample_individual", SAMPLE_INDIVIDUAL), ("individuals", INDIVIDUALS),
                       ("captures", CAPTURES), ("pid", PID), ("pid_summary", PID_SUMMARY)):
        spec.write(tables[name], out / f"{name}.tsv")
    INDIVIDUAL_GENOTYPES.write(
        replicates_to_frame(individual_replicates(tables["individual_genotypes"])),
        out / "individual_genotypes.tsv")
    with atomic_open(out / "captures.inp", "w", encoding="utf-8") as fh:
        fh.write(mark_inp(tables["captures"]))
    if tables.get("registry") is not None:
        REGISTRY.write(tables["registry"], out / "registry.tsv")
        REGISTRY_CHANGES.write(tables["registry_changes"], out / "registry_changes.tsv")
    if tables.get("match_threshold") is not None:
        MATCH_THRESHOLD.write(tables["match_threshold"], out / "match_threshold.tsv")
    if tables.get("priors") is not None:
        PRIORS.write(tables["priors"], out / "priors.tsv")
    if tables.get("auto_table") is not None:
        MISMATCH_THRESHOLD.write(tables["auto_table"]["tail"], out / "mismatch_threshold.tsv")
        MISMATCH_BINS.write(tables["auto_table"]["bins"], out / "mismatch_bins.tsv")


TABLES = [SAMPLE_INDIVIDUAL, INDIVIDUALS, INDIVIDUAL_GENOTYPES, CAPTURES, PID, PID_SUMMARY,
          MISMATCH_THRESHOLD, MISMATCH_BINS, MATCH_THRESHOLD, PRIORS, REGISTRY, REGISTRY_CHANGES]
