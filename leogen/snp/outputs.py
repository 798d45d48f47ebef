"""Tables of the snp stage, declared once (columns, types, NA rule), with their readers.

The snp stage writes its tables into one folder (``results/snp``); later stages (relatedness,
inbreeding) read ``king.tsv``, ``het.tsv`` and ``froh.tsv`` only through the readers below.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from leogen.io.tables import Column, Table

if TYPE_CHECKING:  # the readers return DataFrames; declaring and writing needs no pandas
    import pandas as pd

FREQ = Table(
    "snp/freq.tsv",
    "allele frequencies (= plink2 --freq).",
    (
        Column("chrom", "str", na=False),
        Column("pos", "int", na=False),
        Column("id", "str"),
        Column("ref", "str", na=False),
        Column("alt", "str", na=False),
        Column("alt_freq", "float", description="NA when no genotype is called"),
        Column("n_alleles", "int", na=False),
    ),
)

FROH = Table(
    "snp/froh.tsv",
    "runs of homozygosity per sample and F_ROH.",
    (
        Column("sample_id", "str", na=False),
        Column("n_roh", "int", na=False),
        Column("length_roh", "int", na=False),
        Column("length_covered", "int", na=False),
        Column("f_roh", "float", description="NA when no chromosome could be scanned"),
    ),
)

GRM = Table(
    "snp/grm.tsv",
    "genomic relationship matrix (Yang et al. 2011).",
    (
        Column("id1", "str", na=False),
        Column("id2", "str", na=False),
        Column("n_snps", "int", na=False),
        Column("grm", "float", description="NA when no variant is called in both"),
    ),
)

HET = Table(
    "snp/het.tsv",
    "per-sample counts and method-of-moments F (= plink --het).",
    (
        Column("sample_id", "str", na=False),
        Column("n_hom_ref", "int", na=False),
        Column("n_het", "int", na=False),
        Column("n_hom_alt", "int", na=False),
        Column("n_missing", "int", na=False),
        Column("o_hom", "int", na=False),
        Column("e_hom", "float", description="NA when n_called is 0"),
        Column("n_called", "int", na=False),
        Column("f_mom", "float", description="NA when n_called is 0"),
    ),
)

HWE = Table(
    "snp/hwe.tsv",
    "per-variant HWE exact test (Wigginton et al. 2005; = plink2 --hardy).",
    (
        Column("chrom", "str", na=False),
        Column("pos", "int", na=False),
        Column("id", "str"),
        Column("ref", "str", na=False),
        Column("alt", "str", na=False),
        Column("n_hom_ref", "int", na=False),
        Column("n_het", "int", na=False),
        Column("n_hom_alt", "int", na=False),
        Column("n_missing", "int", na=False),
        Column("o_het", "float", description="NA when no genotype is called"),
        Column("e_het", "float", description="NA when no genotype is called"),
        Column("p_hwe", "float", description="NA when no genotype is called"),
    ),
)

KING = Table(
    "snp/king.tsv",
    "KING-robust kinship and IBS0 of every pair of SNP-typed samples "
    "(= plink2 --make-king-table).",
    (
        Column("id1", "str", na=False),
        Column("id2", "str", na=False),
        Column("n_snps", "int", na=False, description="variants called in both"),
        Column("hethet", "float", description="share of n_snps; NA when n_snps is 0"),
        Column("ibs0", "float", description="share of n_snps; NA when n_snps is 0"),
        Column("kinship", "float",
               description="NA when either sample has no heterozygous call among n_snps"),
    ),
)

ROH_SEGMENTS = Table(
    "snp/roh_segments.tsv",
    "every run of homozygosity (= plink1.9 --homozyg segments).",
    (
        Column("sample_id", "str", na=False),
        Column("chrom", "str", na=False),
        Column("start", "int", na=False),
        Column("end", "int", na=False),
        Column("length", "int", na=False),
        Column("n_snps", "int", na=False),
        Column("n_het", "int", na=False),
        Column("n_missing", "int", na=False),
    ),
)

SUMMARY = Table(
    "snp/summary.tsv",
    "variants read and skipped.",
    (
        Column("n_sites", "int", na=False),
        Column("n_biallelic_snps", "int", na=False),
        Column("n_multiallelic_skipped", "int", na=False),
        Column("n_other_skipped", "int", na=False),
        Column("n_autosomal_snps", "int", na=False),
        Column("n_polymorphic_autosomal", "int", na=False),
        Column("n_samples", "int", na=False),
    ),
)

#: The tables written from the additive statistics, by name (see leogen.snp.stats).
STATS_OUTPUTS = {"king": KING, "het": HET, "freq": FREQ, "hwe": HWE, "grm": GRM,
                 "summary": SUMMARY}

TABLES = [FREQ, FROH, GRM, HET, HWE, KING, ROH_SEGMENTS, SUMMARY]


def _read(table: Table, snp_dir, columns) -> pd.DataFrame:
    return table.read(Path(snp_dir) / Path(table.path).name, list(columns))


def read_king(snp_dir, columns=("id1", "id2", "n_snps", "ibs0", "kinship")) -> pd.DataFrame:
    """Read ``king.tsv`` of the snp stage strictly (see :data:`KING`).

    Parameters
    ----------
    snp_dir : the folder the snp stage wrote its tables in (``results/snp``).
    columns : declared columns to return.

    Returns
    -------
    DataFrame (n_pairs, len(columns) + 1): the columns typed (``n_snps`` int64, the
    proportions and ``kinship`` float64 with NA as NaN) and ``_line``.
    """
    return _read(KING, snp_dir, columns)


def read_het(snp_dir, columns=("sample_id", "n_called", "f_mom")) -> pd.DataFrame:
    """Read ``het.tsv`` of the snp stage strictly (see :data:`HET`).

    Parameters
    ----------
    snp_dir : the folder the snp stage wrote its tables in (``results/snp``).
    columns : declared columns to return.

    Returns
    -------
    DataFrame (n_samples, len(columns) + 1): counts int64, ``e_hom`` and ``f_mom`` float64
    with NA as NaN, and ``_line``.
    """
    return _read(HET, snp_dir, columns)


def read_froh(snp_dir, columns=("sample_id", "n_roh", "length_roh", "f_roh")) -> pd.DataFrame:
    """Read ``froh.tsv`` of the snp stage strictly (see :data:`FROH`).

    Parameters
    ----------
    snp_dir : the folder the snp stage wrote its tables in (``results/snp``).
    columns : declared columns to return.

    Returns
    -------
    DataFrame (n_samples, len(columns) + 1): counts and lengths int64, ``f_roh`` float64
    with NA as NaN, and ``_line``.
    """
    return _read(FROH, snp_dir, columns)
