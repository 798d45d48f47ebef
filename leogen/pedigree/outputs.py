"""Tables of the pedigree stage, declared once (columns, types, NA rule), with their readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leogen.io.tables import Column, Table

PEDIGREE = Table(
    "pedigree/pedigree.tsv",
    "the reconstructed pedigree: one row per genotyped animal, then one per dummy parent "
    "(an unsampled parent shared by a sibship, id *M001 / *F001); each parent with its "
    "posterior probability (see docs/pedigree.md).",
    (
        Column("individual_id", "str", na=False),
        Column("sampled", "bool", na=False, description="false for dummy parents"),
        Column("sex", "str", na=False, description="M, F or U (sex marker, else sheet)"),
        Column("birth_year_lo", "int", description="birth-year window used by the age prior"),
        Column("birth_year_hi", "int"),
        Column("sire", "str", description="NA: no sire assigned"),
        Column("sire_probability", "float",
               description="posterior that sire is the sire (a dummy: that the animal belongs "
                           "to the dummy's sibship); NA when no sire is assigned"),
        Column("sire_dummy", "bool", description="the sire is a dummy (unsampled) parent"),
        Column("sire_unsampled_probability", "float",
               description="posterior that the sire is none of the sampled animals"),
        Column("dam", "str"),
        Column("dam_probability", "float"),
        Column("dam_dummy", "bool"),
        Column("dam_unsampled_probability", "float"),
    ),
)

RELATIONSHIPS = Table(
    "pedigree/relationships.tsv",
    "every pair of genotyped animals: the most probable of PO (parent-offspring), FS, HS, "
    "GPAV (grandparent or avuncular) and U (unrelated or more distant), with the posterior "
    "probability of each.",
    (
        Column("id1", "str", na=False),
        Column("id2", "str", na=False),
        Column("relationship", "str", na=False),
        Column("probability", "float", na=False, description="of the most probable class"),
        Column("p_po", "float", na=False),
        Column("p_fs", "float", na=False),
        Column("p_hs", "float", na=False),
        Column("p_gpav", "float", na=False),
        Column("p_u", "float", na=False),
        Column("parent", "str", description="for PO: the more probable parent of the two"),
    ),
)

INBREEDING = Table(
    "pedigree/inbreeding.tsv",
    "pedigree inbreeding F (kinship of the assigned parents, tabular method) of every "
    "genotyped animal, beside the marker-based estimates of the inbreeding stage when given.",
    (
        Column("individual_id", "str", na=False),
        Column("f_pedigree", "float", na=False),
        Column("n_parents", "int", na=False, description="assigned parents (0-2)"),
        Column("n_ancestor_generations", "int", na=False,
               description="generations of assigned ancestry above the animal"),
    ),
    optional=(
        Column("f_ritland", "float", description="from inbreeding/individuals.tsv"),
        Column("smlh", "float"),
        Column("ir", "float"),
        Column("hl", "float"),
    ),
)

KINSHIP = Table(
    "pedigree/kinship.tsv",
    "pedigree kinship (coancestry) of every pair of genotyped animals in the reconstructed "
    "pedigree (dummy parents included as founders), and the relationship it implies.",
    (
        Column("id1", "str", na=False),
        Column("id2", "str", na=False),
        Column("kinship", "float", na=False),
        Column("relatedness", "float", na=False, description="2 x kinship"),
        Column("relationship", "str", na=False,
               description="PO, FS, HS, GP, AV, FC or U in the reconstructed pedigree"),
    ),
)

TABLES = (PEDIGREE, RELATIONSHIPS, INBREEDING, KINSHIP)


def file_name(table: Table) -> str:
    """The table's file name inside the pedigree folder.

    Parameters
    ----------
    table : one of :data:`TABLES`.

    Returns
    -------
    str

    Examples
    --------
    >>> file_name(PEDIGREE)
    'pedigree.tsv'
    """
    return Path(table.path).name


def read_pedigree(path) -> pd.DataFrame:
    """Read ``pedigree.tsv`` strictly (see :data:`PEDIGREE`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.

    Returns
    -------
    DataFrame, one row per animal and dummy parent, typed, with ``_line``.
    """
    return PEDIGREE.read(path)


def read_relationships(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``relationships.tsv`` strictly (see :data:`RELATIONSHIPS`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.
    columns : declared columns needed (default all).

    Returns
    -------
    DataFrame, one row per pair, typed, with ``_line``.
    """
    return RELATIONSHIPS.read(path, columns)


def read_inbreeding(path) -> pd.DataFrame:
    """Read ``inbreeding.tsv`` strictly (see :data:`INBREEDING`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.

    Returns
    -------
    DataFrame, one row per animal, typed, with ``_line``.
    """
    return INBREEDING.read(path)


def read_kinship(path) -> pd.DataFrame:
    """Read ``kinship.tsv`` strictly (see :data:`KINSHIP`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.

    Returns
    -------
    DataFrame, one row per pair, typed, with ``_line``.
    """
    return KINSHIP.read(path)
