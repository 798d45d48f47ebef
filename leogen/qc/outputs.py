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
        Column("status", "str", na=False,
               choices=("target", "other_species", "unassigned", "no_sequence")),
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
    "called genotypes (long format, replicate = consensus): by default the most probable "
    "genotype under the maximum-likelihood error model, left missing when its posterior is "
    "below consensus.min_posterior; with method consensus the multiple-tubes consensus. "
    "posterior = the posterior probability of the written genotype under the fitted model "
    "(Miller et al. 2002), empty where no genotype is written.",
    (*LONG_COLUMNS, Column("posterior", "float")),
)

QUALITY = Table(
    "consensus/quality.tsv",
    "per sample: status, loci typed, quality index (Miquel et al. 2006), amplification "
    "failure rate over identity loci and the DNA-quality class it gives (good / medium / "
    "poor: tertiles per sample type, all for small types, empty for blood/tissue), ADO/FA "
    "against the consensus and against a blood/tissue reference, sex.",
    (
        Column("sample_id", "str", na=False),
        Column("sample_type", "str"),
        Column("status", "str", na=False),
        Column("n_loci", "int"),
        Column("n_loci_typed", "int"),
        Column("max_replicates", "int"),
        Column("quality_index", "float"),
        Column("amplification_failure", "float"),
        Column("dna_quality", "str"),
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
             "the replicates were compared with (consensus, reference), or likelihood: maximum-"
             "likelihood rates with the true genotypes unknown (Johnson & Haydon 2007; expected "
             "counts rounded, 95% Wald/likelihood-ratio intervals)") if not after_identify else
        says("ADO and FA per locus", "; likelihood: maximum-likelihood rates (expected counts "
             "rounded)"),
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
        says("ADO and FA per sample type and (basis likelihood) per DNA-quality class "
             "(dna_quality good/medium/poor by amplification-failure tertile; all = the whole "
             "type)", ", individual_extrapolated (unlinked samples' expected counts added from "
             "the failure-rate regression) and likelihood (maximum-likelihood rates)"),
        (Column("sample_type", "str", na=False), Column("dna_quality", "str", na=False),
         Column("basis", "str", na=False),
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
    """Write ``species.tsv`` (checked against :data:`SPECIES`).

    Parameters
    ----------
    table : DataFrame
        The species table.
    path : str or Path
        The output file.

    Returns
    -------
    None
    """
    SPECIES.write(table, path)


def write_consensus(tables: dict, out_dir, linked: bool = False) -> None:
    """Write the tables of :func:`leogen.qc.consensus.run` into ``out_dir``.

    ``linked``: the run had samples linked to animals (the ``error_rates/`` declarations,
    whose type table holds expected counts).

    Parameters
    ----------
    tables : dict
        Table name -> table, from :func:`leogen.qc.consensus.run`.
    out_dir : str or Path
        Output directory.
    linked : bool
        The run had samples linked to animals.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        When the posteriors do not match the consensus genotypes.
    """
    from leogen.io.longtable import replicates_to_frame

    out = Path(out_dir)
    frame = replicates_to_frame(tables["consensus"])
    # one row per sample and locus, in (sample, locus) order
    post = tables["posterior"]
    if len(frame) != post.size:
        raise ValueError("posterior does not match the consensus genotypes")
    frame["posterior"] = post.ravel()
    CONSENSUS.write(frame, out / "consensus.tsv")
    for name, spec in (LINKED_TABLES if linked else CONSENSUS_TABLES).items():
        spec.write(tables[name], out / f"{name}.tsv")


# ------------------------------------------------------------------------------ readers
def read_species_status(path) -> pd.DataFrame:
    """``species.tsv``: ``sample_id, status`` and ``_line`` (the species check of each
    sample, read strictly).

    Parameters
    ----------
    path : str or Path
        The ``species.tsv``.

    Returns
    -------
    DataFrame

    Raises
    ------
    InputError
        When a column is missing or a cell is malformed.
    """
    return SPECIES.read(path, ["sample_id", "status"])


def read_quality_status(path) -> pd.DataFrame:
    """``quality.tsv``: ``sample_id, status`` and ``_line``.

    Parameters
    ----------
    path : str or Path
        The ``quality.tsv``.

    Returns
    -------
    DataFrame

    Raises
    ------
    InputError
        When a column is missing or a cell is malformed.
    """
    return QUALITY.read(path, ["sample_id", "status"])


#: Columns of ``error_rates_sample.tsv`` the automatic mismatch threshold of identify uses.
SAMPLE_RATE_COLUMNS = ["sample_id", "sample_type", "basis", "n_het_amplifications",
                       "n_dropouts", "n_amplifications", "n_false_alleles", "max_replicates"]


def read_sample_error_rates(path) -> pd.DataFrame:
    """Per-sample error counts of ``error_rates_sample.tsv`` (:data:`SAMPLE_RATE_COLUMNS`)
    against each sample's own consensus (basis ``consensus``).

    Parameters
    ----------
    path : str or Path
        The ``error_rates_sample.tsv``.

    Returns
    -------
    DataFrame
        The ``consensus`` rows.

    Raises
    ------
    InputError
        When a column is missing or a cell is malformed.
    """
    df = ERROR_RATES_SAMPLE.read(path, SAMPLE_RATE_COLUMNS)
    return df[df["basis"] == "consensus"].reset_index(drop=True)


TABLES = [SPECIES, CONSENSUS, QUALITY, ERROR_RATES_LOCUS, ERROR_RATES_SAMPLE, ERROR_RATES_TYPE,
          LINKED_ERROR_RATES_LOCUS, LINKED_ERROR_RATES_SAMPLE, LINKED_ERROR_RATES_TYPE]
