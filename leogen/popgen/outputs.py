"""Tables of the population-genetics stage (diversity, relatedness, inbreeding), declared once.

Each output TSV of ``leogen diversity``, ``leogen relatedness`` and ``leogen inbreeding`` is a
:class:`~leogen.io.tables.Table` here (path relative to ``results/``, columns, types, NA rule);
the stage writes them with ``SPEC.write`` and later stages read them only through the readers
at the bottom (``read_diversity_summary``, ``read_individual_inbreeding``, ``read_g2``,
``read_pairs``, ``read_populations``), so a damaged cell is an InputError naming file, line
and column wherever it is read.

Two tables carry optional SNP columns, present only when SNP data were given:
``relatedness/pairs.tsv`` (:data:`PAIR_SNP_COLUMNS`) and ``inbreeding/individuals.tsv``
(:data:`INDIVIDUAL_SNP_COLUMNS`). They are declared as ``optional`` columns, typed when present. ``relatedness/matrix_<estimator>.tsv`` are square matrices
(``id`` then one column per animal), one per estimator: :data:`MATRIX` with
:func:`matrix_path`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leogen.errors import InputError
from leogen.io.tables import Column, Table

# --------------------------------------------------------------------------- diversity
PER_LOCUS = Table(
    "diversity/per_locus.tsv",
    "per locus and population ('all' pooled).",
    (
        Column("locus", "str", na=False),
        Column("population", "str", na=False),
        Column("n_typed", "int", na=False),
        Column("n_alleles", "int", na=False),
        Column("allelic_richness", "float"),
        Column("rarefaction_size", "int", description="gene copies rarefied to"),
        Column("private_alleles", "int"),
        Column("ho", "float"),
        Column("he", "float"),
        Column("he_unbiased", "float"),
        Column("fis", "float"),
        Column("hwe_p", "float"),
        Column("hwe_p_deficit", "float"),
        Column("hwe_p_excess", "float"),
        Column("hwe_q_bh", "float"),
        Column("hwe_method", "str", na=False),
        Column("null_allele_freq", "float"),
        Column("null_allele_brookfield", "float"),
        Column("null_allele_chakraborty", "float"),
        Column("null_allele_flag", "bool"),
        Column("fst_wc", "float", description="WC84 F_ST of the locus over the populations "
               "typed at it (hierfstat wc per.loc; 'all' rows)"),
        Column("fis_wc", "float", description="WC84 within-population F_IS, b/(b+c) ('all' "
               "rows)"),
        Column("fit_wc", "float", description="WC84 F_IT, (a+b)/(a+b+c) ('all' rows)"),
        Column("hs_nei", "float", description="hierfstat basic.stats Hs: of the population, "
               "or the mean over populations ('all' rows)"),
        Column("ht_nei", "float", description="hierfstat basic.stats Ht ('all' rows)"),
        Column("gst_nei", "float", description="Nei's G_ST = Dst/Ht, hierfstat Fst ('all' "
               "rows)"),
        Column("jost_d", "float", description="Jost's D, hierfstat Dest ('all' rows)"),
        Column("note", "str"),
    ),
)

SUMMARY = Table(
    "diversity/summary.tsv",
    "population means over loci with SE; multilocus F_IS with bootstrap interval; WC84 and "
    "Nei F-statistics and Jost's D over the populations on the 'all' row.",
    (
        Column("population", "str", na=False),
        Column("n_individuals", "int", na=False),
        Column("n_individuals_typed", "int", na=False),
        Column("n_loci", "int", na=False),
        Column("n_loci_polymorphic", "int", na=False),
        Column("mean_n_alleles", "float"),
        Column("mean_n_alleles_se", "float"),
        Column("mean_ar", "float"),
        Column("mean_ar_se", "float"),
        Column("mean_ho", "float"),
        Column("mean_ho_se", "float"),
        Column("mean_he", "float"),
        Column("mean_he_se", "float"),
        Column("mean_he_unbiased", "float"),
        Column("mean_he_unbiased_se", "float"),
        Column("fis", "float"),
        Column("fis_lo", "float"),
        Column("fis_hi", "float"),
        Column("n_bootstraps", "int", na=False),
        Column("n_loci_hwe_tested", "int", na=False),
        Column("n_loci_hwe_deviation", "int", na=False),
        Column("n_loci_hwe_deviation_bh", "int", na=False),
        Column("n_loci_null_allele_flag", "int", na=False),
        Column("fst_wc", "float", description="WC84 theta over all populations ('all' row)"),
        Column("fst_wc_lo", "float", description="2.5% bootstrap over loci"),
        Column("fst_wc_hi", "float", description="97.5% bootstrap over loci"),
        Column("fis_wc", "float", description="WC84 within-population F_IS over all "
               "populations, sum b / sum (b + c) (hierfstat wc FIS; 'all' row)"),
        Column("fis_wc_lo", "float"),
        Column("fis_wc_hi", "float"),
        Column("fit_wc", "float", description="WC84 F_IT ('all' row)"),
        Column("fit_wc_lo", "float"),
        Column("fit_wc_hi", "float"),
        Column("n_loci_fst", "int", na=False,
               description="loci typed in 2 or more populations"),
        Column("hs_nei", "float", description="hierfstat basic.stats overall Hs ('all' row)"),
        Column("ht_nei", "float", description="hierfstat basic.stats overall Ht ('all' row)"),
        Column("gst_nei", "float", description="Nei's G_ST, hierfstat overall Fst ('all' row)"),
        Column("gst_nei_lo", "float"),
        Column("gst_nei_hi", "float"),
        Column("jost_d", "float", description="Jost's D, hierfstat overall Dest ('all' row)"),
        Column("jost_d_lo", "float"),
        Column("jost_d_hi", "float"),
        Column("note", "str"),
    ),
)

PAIRWISE_FST = Table(
    "diversity/pairwise_fst.tsv",
    "Weir & Cockerham F_ST between populations with permutation p-values.",
    (
        Column("pop1", "str", na=False),
        Column("pop2", "str", na=False),
        Column("n1", "int", na=False),
        Column("n2", "int", na=False),
        Column("n_loci", "int", na=False),
        Column("fst_wc", "float"),
        Column("p_value", "float"),
        Column("n_permutations", "int", na=False),
        Column("note", "str"),
    ),
)

LD = Table(
    "diversity/ld.tsv",
    "genotypic linkage disequilibrium of every pair of loci, BH q-values.",
    (
        Column("locus1", "str", na=False),
        Column("locus2", "str", na=False),
        Column("population", "str", na=False),
        Column("n", "int", na=False),
        Column("statistic", "float"),
        Column("p_value", "float"),
        Column("q_value_bh", "float"),
        Column("method", "str", na=False),
        Column("n_permutations", "int", na=False),
        Column("note", "str"),
    ),
)

ALLELE_FREQS = Table(
    "diversity/allele_freqs.tsv",
    "allele frequencies per locus and population.",
    (
        Column("locus", "str", na=False),
        Column("population", "str", na=False),
        Column("allele", "str", na=False),
        Column("count", "int", na=False),
        Column("n_typed", "int", na=False),
        Column("freq", "float", description="NA where no individual is typed"),
    ),
)

POPULATIONS = Table(
    "diversity/populations.tsv",
    "the population of each animal (grouping by site or by period of first detection).",
    (
        Column("individual_id", "str", na=False),
        Column("population", "str", na=False),
    ),
)

# --------------------------------------------------------------------------- relatedness
#: Columns of ``relatedness/pairs.tsv`` present only when SNP data were given.
PAIR_SNP_COLUMNS = (
    Column("king", "float", description="KING-robust kinship from SNPs"),
    Column("ibs0", "float"),
    Column("n_snps", "int"),
)

PAIRS = Table(
    "relatedness/pairs.tsv",
    "every pair: loci compared, five moment estimators + dyadic ML, most likely relationship "
    "and the log-likelihood of each class; KING/IBS0 from SNPs where typed.",
    (
        Column("id1", "str", na=False),
        Column("id2", "str", na=False),
        Column("n_loci", "int", na=False),
        Column("qg", "float"),
        Column("lr", "float"),
        Column("ritland", "float"),
        Column("wang", "float"),
        Column("li", "float"),
        Column("ml", "float"),
        Column("relationship", "str", description="PO|FS|HS|U; NA with too few loci"),
        Column("loglik_po", "float"),
        Column("loglik_fs", "float"),
        Column("loglik_hs", "float"),
        Column("loglik_u", "float"),
        Column("lr_best_vs_next", "float"),
    ),
    optional=PAIR_SNP_COLUMNS,
)

ESTIMATOR_CHOICE = Table(
    "relatedness/estimator_choice.tsv",
    "estimator performance on simulated pairs of known relationship; the recommended one.",
    (
        Column("estimator", "str", na=False),
        Column("relationship", "str", na=False),
        Column("expected_r", "float", description="NA on the 'all' rows"),
        Column("n_pairs", "int", na=False),
        Column("mean", "float"),
        Column("bias", "float"),
        Column("variance", "float"),
        Column("rmse", "float"),
        Column("correlation", "float"),
        Column("recommended", "bool", na=False),
        Column("classification_accuracy", "float"),
    ),
)

REFERENCE_FREQS = Table(
    "relatedness/allele_freqs.tsv",
    "the reference allele frequencies used.",
    (
        Column("locus", "str", na=False),
        Column("allele", "str", na=False),
        Column("frequency", "float", na=False),
        Column("n_genes", "int", description="NA when the frequencies were supplied"),
    ),
)

MATRIX = Table(
    "relatedness/matrix_<estimator>.tsv",
    "square symmetric matrix of one estimator (diagonal NA).",
    (Column("id", "str", na=False),),
    extra="one column per animal",
)

# --------------------------------------------------------------------------- inbreeding
#: Columns of ``inbreeding/individuals.tsv`` present only when SNP data were given
#: (``f_roh, n_roh, length_roh`` only when runs of homozygosity could be called).
INDIVIDUAL_SNP_COLUMNS = (
    Column("f_mom", "float"),
    Column("f_roh", "float"),
    Column("n_snps_called", "int"),
    Column("n_roh", "int"),
    Column("length_roh", "float"),
)

INDIVIDUALS = Table(
    "inbreeding/individuals.tsv",
    "per animal: sMLH, IR, HL, Ritland F; f_mom and f_roh from SNPs.",
    (
        Column("individual_id", "str", na=False),
        Column("n_loci", "int", na=False),
        Column("smlh", "float"),
        Column("ir", "float"),
        Column("hl", "float"),
        Column("f_ritland", "float"),
    ),
    optional=INDIVIDUAL_SNP_COLUMNS,
)

G2 = Table(
    "inbreeding/g2.tsv",
    "identity disequilibrium g2 with bootstrap interval and permutation p.",
    (
        Column("g2", "float"),
        Column("g2_se", "float"),
        Column("g2_lo", "float"),
        Column("g2_hi", "float"),
        Column("p_value", "float"),
        Column("n_individuals", "int", na=False),
        Column("n_loci", "int", na=False),
        Column("n_bootstraps", "int", na=False),
        Column("n_permutations", "int", na=False),
        Column("r2_hf", "float"),
        Column("var_smlh", "float"),
    ),
)

TABLES = [PER_LOCUS, SUMMARY, PAIRWISE_FST, LD, ALLELE_FREQS, POPULATIONS,
          PAIRS, ESTIMATOR_CHOICE, REFERENCE_FREQS, MATRIX, INDIVIDUALS, G2]


def file_name(table: Table) -> str:
    """The file name of a declared table inside its stage folder (``summary.tsv``).

    Parameters
    ----------
    table : Table
        The declared table.

    Returns
    -------
    str
        The file name.
    """
    return Path(table.path).name


def matrix_path(out_dir, estimator: str) -> Path:
    """Path of the square matrix of ``estimator`` in the relatedness folder ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The relatedness folder.
    estimator : str
        Relatedness estimator name.

    Returns
    -------
    Path
    """
    return Path(out_dir) / file_name(MATRIX).replace("<estimator>", estimator)


# --------------------------------------------------------------------------- readers
def read_diversity_summary(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``diversity/summary.tsv`` strictly (see :data:`SUMMARY`).

    Parameters
    ----------
    path : the table written by ``leogen diversity``.
    columns : declared columns needed (default all).

    Returns
    -------
    DataFrame, one row per population then the pooled 'all' row, columns typed, plus ``_line``.
    """
    return SUMMARY.read(path, columns)


def read_populations(path) -> pd.DataFrame:
    """Read ``diversity/populations.tsv``: ``individual_id, population`` (+ ``_line``).

    Parameters
    ----------
    path : str or Path
        The ``populations.tsv``.

    Returns
    -------
    DataFrame

    Raises
    ------
    InputError
        When a column is missing or a cell is malformed.
    """
    return POPULATIONS.read(path)


def read_individual_inbreeding(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``inbreeding/individuals.tsv`` strictly (see :data:`INDIVIDUALS`).

    Parameters
    ----------
    path : the table written by ``leogen inbreeding``.
    columns : columns needed, declared or SNP ones (default: all declared plus the SNP
        columns the file has). A requested SNP column missing from the file is an error.

    Returns
    -------
    DataFrame, one row per animal, columns typed (SNP counts as pandas ``Int64``), plus
    ``_line``.
    """
    return INDIVIDUALS.read(path, columns)


def read_g2(path) -> dict:
    """Read ``inbreeding/g2.tsv`` (one row) as ``{column: value}`` (see :data:`G2`).

    Parameters
    ----------
    path : str or Path
        The ``g2.tsv``.

    Returns
    -------
    dict
        Column name -> value.

    Raises
    ------
    InputError
        When the table is invalid or does not have exactly one row.
    """
    df = G2.read(path)
    if len(df) != 1:
        raise InputError(f"expected one row of g2, found {len(df)}", path)
    return {name: df[name].iloc[0].item() for name in G2.names}


def read_pairs(path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``relatedness/pairs.tsv`` strictly (see :data:`PAIRS`).

    Parameters
    ----------
    path : the table written by ``leogen relatedness``.
    columns : columns needed, declared or SNP ones (``king, ibs0, n_snps``; default: all
        declared plus the SNP columns the file has).

    Returns
    -------
    DataFrame, one row per pair of animals, estimators as float (NaN for pairs with too few
    loci), plus ``_line``.
    """
    return PAIRS.read(path, columns)
