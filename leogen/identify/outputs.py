"""Tables of the identify stage, declared once (columns, types, NA rule), with their readers.

Later stages read identify's outputs only through these declarations; the reader of
``sample_individual.tsv`` below is the one rule for which samples count as detections of an
animal.
"""

from __future__ import annotations

import pandas as pd

from leogen.io.tables import Column, Table

#: Statuses of samples that are not a detection of a known animal.
NOT_IDENTIFIED = frozenset({"ambiguous", "insufficient_loci", "no_consensus"})

SAMPLE_INDIVIDUAL = Table(
    "identify/sample_individual.tsv",
    "the animal of each sample; status matched|unique|ambiguous|weak_match|"
    "insufficient_loci|no_consensus.",
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
    """sample_id -> individual_id of every sample assigned to an animal (any status)."""
    df = read_sample_individual(path, identified_only=False)
    df = df[df["individual_id"] != ""]
    return df.set_index("sample_id")["individual_id"]


TABLES = [SAMPLE_INDIVIDUAL]
