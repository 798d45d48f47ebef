"""Tables of the QC stage (species check, consensus, error rates), declared once, with their
writers and the readers later stages use.

``leogen consensus`` writes ``consensus/*.tsv`` and, run again with the samples linked to
animals (``links``), the same error-rate tables under ``error_rates/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leogen.io.tables import Column, Table

SPECIES = Table(
    "species/species.tsv",
    "species of every sample from its mtDNA barcode (identity = identical columns / aligned "
    "columns incl. barcode overhang); status target|other_species|unassigned|no_sequence with "
    "the reason.",
    (
        Column("sample_id", "str", na=False),
        Column("sample_type", "str"),
        Column("best_species", "str"),
        Column("best_haplotype", "str"),
        Column("identity", "float"),
        Column("second_species", "str"),
        Column("second_identity", "float"),
        Column("margin", "float"),
        Column("n_aligned", "int", na=False),
        Column("status", "str", na=False),
        Column("reason", "str"),
    ),
)

#: The long genotype table (one row per sample, locus and replicate; missing alleles empty).
LONG_COLUMNS = (
    Column("sample_id", "str", na=False),
    Column("replicate", "str", na=False),
    Column("locus", "str", na=False),
    Column("allele1", "int"),
    Column("allele2", "int"),
)

CONSENSUS = Table(
    "consensus/consensus.tsv",
    "multiple-tubes consensus genotypes (long format, replicate = consensus).",
    LONG_COLUMNS,
)

QUALITY = Table(
    "consensus/quality.tsv",
    "per sample: status, loci typed, quality index (Miquel et al. 2006), ADO/FA against the "
    "consensus and against a blood/tissue reference, sex.",
    (
        Column("sample_id", "str", na=False),
        Column("sample_type", "str"),
        Column("status", "str", na=False),
        Column("n_loci", "int"),
        Column("n_loci_typed", "int"),
        Column("max_replicates", "int"),
        Column("quality_index", "float"),
        Column("ado_rate", "float"),
        Column("fa_rate", "float"),
        Column("n_het_amplifications", "int"),
        Column("n_dropouts", "int"),
        Column("n_amplifications", "int"),
        Column("n_false_alleles", "int"),
        Column("reference_id", "str"),
        Column("ref_ado_rate", "float"),
        Column("ref_fa_rate", "float"),
        Column("sex", "str"),
    ),
)


def _rates(count: str = "int") -> tuple[Column, ...]:
    """ADO and FA counts with their rates and 95% Wilson intervals (NA when nothing counted)."""
    return (
        Column("n_het_amplifications", count, na=False),
        Column("n_dropouts", count, na=False),
        Column("ado_rate", "float"),
        Column("ado_rate_lo", "float"),
        Column("ado_rate_hi", "float"),
        Column("n_amplifications", count, na=False),
        Column("n_false_alleles", count, na=False),
        Column("fa_rate", "float"),
        Column("fa_rate_lo", "float"),
        Column("fa_rate_hi", "float"),
    )


_AFTER_IDENTIFY = ("after identification: bases consensus, reference (the blood/tissue "
                   "genotype of the animal) and individual (pooled replicates of each animal)")


def _error_tables(folder: str, after_identify: bool) -> tuple[Table, Table, Table]:
    """The three error-rate tables of ``consensus/`` or (after identify) ``error_rates/``."""
    def says(first: str, extra: str = "") -> str:
        return f"{first} {_AFTER_IDENTIFY}{extra}." if after_identify else f"{first}."

    locus = Table(
        f"{folder}/error_rates_locus.tsv",
        says("ADO and FA per locus with binomial intervals (Broquet & Petit 2004); basis = what "
             "the replicates were compared with") if not after_identify else
        says("ADO and FA per locus"),
        (Column("locus", "str", na=False), Column("basis", "str", na=False),
         Column("n_samples", "int", na=False), *_rates(),
         Column("quality_index", "float"), Column("median_replicates", "float")),
    )
    sample = Table(
        f"{folder}/error_rates_sample.tsv",
        says("ADO and FA per sample"),
        (Column("sample_id", "str", na=False), Column("sample_type", "str"),
         Column("basis", "str", na=False), *_rates(), Column("max_replicates", "int")),
    )
    by_type = Table(
        f"{folder}/error_rates_type.tsv",
        says("ADO and FA per sample type", ", and individual_extrapolated (unlinked samples' "
             "expected counts added from the failure-rate regression)"),
        (Column("sample_type", "str", na=False), Column("basis", "str", na=False),
         Column("n_samples", "int", na=False),
         # individual_extrapolated counts are expected counts (not whole numbers)
         *_rates("float" if after_identify else "int")),
    )
    return locus, sample, by_type


ERROR_RATES_LOCUS, ERROR_RATES_SAMPLE, ERROR_RATES_TYPE = _error_tables("consensus", False)
LINKED_ERROR_RATES_LOCUS, LINKED_ERROR_RATES_SAMPLE, LINKED_ERROR_RATES_TYPE = _error_tables(
    "error_rates", True)

#: Tables written by ``leogen consensus`` under its output folder, by file name.
CONSENSUS_TABLES = {"quality": QUALITY, "error_rates_locus": ERROR_RATES_LOCUS,
                    "error_rates_sample": ERROR_RATES_SAMPLE,
                    "error_rates_type": ERROR_RATES_TYPE}
LINKED_TABLES = {"quality": QUALITY, "error_rates_locus": LINKED_ERROR_RATES_LOCUS,
                 "error_rates_sample": LINKED_ERROR_RATES_SAMPLE,
                 "error_rates_type": LINKED_ERROR_RATES_TYPE}


# ------------------------------------------------------------------------------ writers
def write_species(table: pd.DataFrame, path) -> None:
    """Write ``species.tsv`` (checked against :data:`SPECIES`)."""
    SPECIES.write(table, path)


def write_consensus(tables: dict, out_dir, linked: bool = False) -> None:
    """Write the tables of :func:`leogen.qc.consensus.run` into ``out_dir``.

    ``linked``: the run had samples linked to animals (the ``error_rates/`` declarations,
    whose type table holds expected counts).
    """
    from leogen.io.longtable import replicates_to_frame

    out = Path(out_dir)
    CONSENSUS.write(replicates_to_frame(tables["consensus"]), out / "consensus.tsv")
    for name, spec in (LINKED_TABLES if linked else CONSENSUS_TABLES).items():
        spec.write(tables[name], out / f"{name}.tsv")


# ------------------------------------------------------------------------------ readers
def read_species_status(path) -> pd.DataFrame:
    """``species.tsv``: ``sample_id, status`` and ``_line`` (the species check of each
    sample, read strictly)."""
    return SPECIES.read(path, ["sample_id", "status"])


def read_quality_status(path) -> pd.DataFrame:
    """``quality.tsv``: ``sample_id, status`` and ``_line``."""
    return QUALITY.read(path, ["sample_id", "status"])


#: Columns of ``error_rates_sample.tsv`` the automatic mismatch threshold of identify uses.
SAMPLE_RATE_COLUMNS = ["sample_id", "sample_type", "basis", "n_het_amplifications",
                       "n_dropouts", "n_amplifications", "n_false_alleles", "max_replicates"]


def read_sample_error_rates(path) -> pd.DataFrame:
    """Per-sample error counts of ``error_rates_sample.tsv`` (:data:`SAMPLE_RATE_COLUMNS`)
    against each sample's own consensus (basis ``consensus``)."""
    df = ERROR_RATES_SAMPLE.read(path, SAMPLE_RATE_COLUMNS)
    return df[df["basis"] == "consensus"].reset_index(drop=True)


TABLES = [SPECIES, CONSENSUS, QUALITY, ERROR_RATES_LOCUS, ERROR_RATES_SAMPLE, ERROR_RATES_TYPE,
          LINKED_ERROR_RATES_LOCUS, LINKED_ERROR_RATES_SAMPLE, LINKED_ERROR_RATES_TYPE]
