"""Tables of the pedigree stage, declared once (columns, types, NA rule), with their readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leogen.io.tables import Column, Table

PEDIGREE = Table(
    "pedigree/pedigree.tsv",
    "the reconstructed pedigree: one row per genotyped animal, then one per dummy parent "
    "(an unsampled parent shared by a sibship, id *M001 / *F001; its own sire and dam where "
    "they are sampled animals); each parent with its posterior probability (see "
    "docs/pedigree.md).",
    (
        Column("individual_id", "str", na=False),
        Column("sampled", "bool", na=False, description="false for dummy parents"),
        Column("sex", "str", na=False, description="M, F or U (sex marker, else sheet)"),
        Column("birth_year_lo", "int", description="birth-year window used by the age prior"),
        Column("birth_year_hi", "int"),
        Column("birth_year_estimate", "int",
               description="posterior median birth year (the window, the detection history "
                           "and the assigned parents and offspring); NA for dummy parents "
                           "and animals without a date"),
        Column("birth_year_80_lo", "int", description="80% credible interval of the birth "
                                                      "year (equal tails)"),
        Column("birth_year_80_hi", "int"),
        Column("birth_year_80_probability", "float",
               description="posterior probability of that interval (at least 0.8: the years "
                           "are whole)"),
        Column("sire", "str", description="NA: no sire assigned"),
        Column("sire_probability", "float",
               description="posterior that sire is the sire (a dummy: that the animal belongs "
                           "to the dummy's sibship; of a dummy's row: that the dummy is an "
                           "unsampled animal and sire its sire); NA when no sire is assigned"),
        Column("sire_dummy", "bool", description="the sire is a dummy (unsampled) parent; NA "
                                                 "in a dummy's row without a sire"),
        Column("sire_unsampled_probability", "float",
               description="posterior that the sire is none of the sampled animals (of a "
                           "dummy's row: given that the dummy is unsampled)"),
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
    "genotyped animal, and its posterior expectation over the parents not assigned, beside "
    "the marker-based estimates of the inbreeding stage when given.",
    (
        Column("individual_id", "str", na=False),
        Column("f_pedigree", "float", na=False),
        Column("f_pedigree_expected", "float", na=False,
               description="posterior expectation of pedigree F by the average kinship "
                           "matrix: every parent not assigned (of the animal, its ancestors "
                           "and dummy parents) the mixture of its sampled candidates by "
                           "their posterior, and a parent probably not sampled related to "
                           "the other parent as its gamete's genotype and its cohort say"),
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
        Column("kinship_expected", "float", na=False,
               description="posterior expected kinship over the parents not assigned (the "
                           "average kinship matrix, as f_pedigree_expected)"),
    ),
)

MANAGEMENT_ANIMALS = Table(
    "pedigree/management_animals.tsv",
    "genetic management per animal (Lacy 1989; Ballou & Lacy 1995; PMx): mean kinship with "
    "the reference population (self-kinship included) and its rank, founder contribution and "
    "gene-drop retention of founders (docs/pedigree-management.md).",
    (
        Column("individual_id", "str", na=False),
        Column("in_reference", "bool", na=False,
               description="in the reference (e.g. living) population"),
        Column("founder", "bool", na=False, description="both parents unknown"),
        Column("dummy", "bool", na=False, description="an inferred, unsampled parent"),
        Column("n_offspring", "int", na=False),
        Column("f_pedigree", "float", na=False, description="pedigree inbreeding F"),
        Column("mean_kinship", "float",
               description="MK = mean kinship with the reference animals, self included "
                           "(NA: no kinship on the molecular basis)"),
        Column("mk_rank", "int", description="rank of MK in the reference, 1 = lowest; NA "
                                             "outside it"),
        Column("founder_contribution", "float",
               description="founders: share of the reference population's genes; NA otherwise"),
        Column("founder_retention", "float",
               description="founders: probability an allele survives in the reference (gene "
                           "drop); NA otherwise or without gene drop"),
        Column("basis", "str", na=False, description="pedigree|molecular: source of MK"),
    ),
)

MANAGEMENT_SUMMARY = Table(
    "pedigree/management_summary.tsv",
    "genetic management of the reference population (one row): founder equivalents, founder "
    "genome equivalents by gene drop with a Monte Carlo interval, exactly on small pedigrees "
    "and from mean kinship, gene diversity retained.",
    (
        Column("basis", "str", na=False, description="pedigree|molecular: source of MK and GD"),
        Column("n_reference", "int", na=False),
        Column("n_founders", "int", na=False, description="founders contributing to the "
                                                          "reference"),
        Column("n_unknown_parents", "int", na=False,
               description="phantom founders for unknown parents of animals with one known "
                           "parent (contributing)"),
        Column("pedigree_completeness", "float",
               description="share of the reference animals' parents that are sampled animals"),
        Column("fe", "float", description="founder equivalents 1 / sum p_i^2"),
        Column("fge", "float", description="founder genome equivalents 1 / sum p_i^2 / r_i "
                                           "(gene drop); NA without gene drop"),
        Column("fge_lo", "float", description="Monte Carlo 95% interval of fge"),
        Column("fge_hi", "float"),
        Column("fge_exact", "float", description="fge with exact retention (NA: too many "
                                                 "meioses to enumerate)"),
        Column("fge_kinship", "float", description="1 / (2 mean MK)"),
        Column("mean_kinship", "float", description="mean MK of the reference"),
        Column("gd_retained", "float", description="1 - mean MK, relative to the founders"),
        Column("gd_genedrop", "float", description="gene-drop gene diversity (expectation = "
                                                   "gd_retained)"),
        Column("n_replicates", "int", na=False),
        Column("seed", "int", na=False),
    ),
)

PROPOSED_PAIRS = Table(
    "pedigree/proposed_pairs.tsv",
    "kinship of proposed pairs (breeding, translocation, release) and the inbreeding of their "
    "offspring, from the first kinship source holding both animals.",
    (
        Column("id1", "str", na=False),
        Column("id2", "str", na=False),
        Column("kinship", "float", na=False),
        Column("offspring_f", "float", na=False, description="inbreeding of an offspring = "
                                                             "kinship"),
        Column("basis", "str", na=False, description="pedigree|supplied|molecular"),
        Column("offspring_mean_kinship", "float",
               description="the offspring's MK with the reference, (MK1 + MK2) / 2"),
        Column("kinship_pedigree", "float", description="NA: not both in the pedigree"),
        Column("kinship_molecular", "float", description="NA: not both genotyped"),
    ),
)

COLONY_PEDIGREE = Table(
    "pedigree/colony_pedigree.tsv",
    "COLONY's best configuration (--colony-bestconfig) as a pedigree: its dummy parents *k / "
    "#k as rows colony_sire_k / colony_dam_k.",
    (
        Column("individual_id", "str", na=False),
        Column("sire", "str"),
        Column("dam", "str"),
        Column("dummy", "bool", na=False),
        Column("sex", "str"),
        Column("sire_probability", "float", description="from COLONY's .Paternity (sampled "
                                                        "sires)"),
        Column("dam_probability", "float", description="from COLONY's .Maternity"),
        Column("cluster", "str", description="COLONY's ClusterIndex"),
        Column("colony_id", "str", na=False, description="the name in COLONY's file"),
    ),
)

COLONY_COMPARISON = Table(
    "pedigree/colony_comparison.tsv",
    "leogen's pedigree against COLONY's best configuration: agreeing parent links (offspring "
    "-> sampled parent) and sibship pairs.",
    (
        Column("colony_file", "str", na=False),
        Column("n_offspring", "int", na=False),
        Column("n_links_leogen", "int", na=False),
        Column("n_links_colony", "int", na=False),
        Column("n_links_agree", "int", na=False),
        Column("share_links_agree", "float", description="agreeing / links in either"),
        Column("n_sib_pairs_leogen", "int", na=False),
        Column("n_sib_pairs_colony", "int", na=False),
        Column("n_sib_pairs_agree", "int", na=False),
        Column("share_sib_pairs_agree", "float"),
    ),
)

PANEL_POWER = Table(
    "pedigree/panel_power.tsv",
    "parentage exclusion power of the marker panel per locus and combined (the 'all' row), as "
    "CERVUS reports it (Jamieson & Taylor 1997; leogen.pedigree.power): how often an "
    "unrelated candidate is excluded as a parent.",
    (
        Column("locus", "str", na=False, description="a locus, or all: the panel"),
        Column("n_typed", "int", na=False,
               description="animals typed (all: typed at any locus)"),
        Column("n_alleles", "int", na=False, description="alleles seen (all: their sum)"),
        Column("he", "float", description="unbiased expected heterozygosity (all: mean)"),
        Column("pic", "float", description="polymorphic information content (all: mean)"),
        Column("excl_first_parent", "float",
               description="exclusion of an unrelated candidate, the other parent unknown"),
        Column("excl_second_parent", "float",
               description="exclusion of an unrelated candidate, the other parent known"),
        Column("excl_parent_pair", "float",
               description="exclusion of an unrelated candidate pair"),
    ),
)

#: every table of the stage; :data:`CORE_TABLES` are written by every run, the others when
#: their inputs are given (proposed pairs, COLONY's output)
CORE_TABLES = (PEDIGREE, RELATIONSHIPS, INBREEDING, KINSHIP, MANAGEMENT_ANIMALS,
               MANAGEMENT_SUMMARY, PANEL_POWER)
TABLES = (*CORE_TABLES, PROPOSED_PAIRS, COLONY_PEDIGREE, COLONY_COMPARISON)


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


def read_pedigree(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``pedigree.tsv`` strictly (see :data:`PEDIGREE`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.
    columns : declared columns needed (default all).

    Returns
    -------
    DataFrame, one row per animal and dummy parent, typed, with ``_line``.
    """
    return PEDIGREE.read(path, columns)


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


def read_inbreeding(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``inbreeding.tsv`` strictly (see :data:`INBREEDING`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.
    columns : declared columns needed (default all).

    Returns
    -------
    DataFrame, one row per animal, typed, with ``_line``.
    """
    return INBREEDING.read(path, columns)


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


def read_panel_power(path) -> pd.DataFrame:
    """Read ``panel_power.tsv`` strictly (see :data:`PANEL_POWER`).

    Parameters
    ----------
    path : the table written by ``leogen pedigree``.

    Returns
    -------
    DataFrame, one row per locus and the ``all`` row, typed, with ``_line``.
    """
    return PANEL_POWER.read(path)
