"""The long replicate table: one row per sample, PCR replicate and locus.

Columns ``sample_id, replicate, locus, allele1, allele2`` (TSV, or CSV by extension).
Alleles are whole numbers (sizes in bp); an empty cell, ``0``, ``-9``, ``NA`` or ``?``
marks a failed amplification. A sample/locus may have any number of replicates; a sample
genotyped once (blood, consensus) has one replicate per locus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import MAX_ALLELE
from leogen.io.tables import NA_TOKENS, read_delimited
from leogen.model.genotypes import MISSING, Genotypes, Replicates, encode_sizes

COLUMNS = ["sample_id", "replicate", "locus", "allele1", "allele2"]
#: Further columns a long table may have: the consensus posterior of ``consensus.tsv`` and
#: free-text notes. Any other column (``allele3``, a misspelt ``alelle2``) is an error rather
#: than data silently left out.
EXTRA_COLUMNS = ("posterior", "notes", "comment")
MISSING_TOKENS = NA_TOKENS | {"0", "-9", "-1", "?", "."}


def _parse_alleles(df: pd.DataFrame, path, errors: ErrorCollector) -> np.ndarray:
    out = np.full((len(df), 2), MISSING, dtype=np.int64)
    given = np.zeros((len(df), 2), dtype=bool)
    for k, col in enumerate(("allele1", "allele2")):
        values = df[col].to_numpy(dtype=object)
        is_missing = np.isin(values, list(MISSING_TOKENS))
        given[:, k] = ~is_missing
        numeric = pd.to_numeric(pd.Series(values[~is_missing]), errors="coerce").to_numpy(
            dtype=float, copy=True)
        huge = numeric > MAX_ALLELE  # NaN compares False
        if huge.any():
            lines = df["_line"].to_numpy()[~is_missing][huge]
            for line, v in zip(lines[:20], values[~is_missing][huge], strict=False):
                errors.add(f"{col} '{v}' is too large for an allele size in bp (at most "
                           f"{MAX_ALLELE:,})", path, int(line), col)
            numeric[huge] = MISSING
        bad = ~huge & (np.isnan(numeric) | (numeric != np.round(numeric)) | (numeric < 0))
        if bad.any():
            lines = df["_line"].to_numpy()[~is_missing][bad]
            for line, v in zip(lines, values[~is_missing][bad], strict=True):
                errors.add(f"{col} '{v}' is not a whole number (allele size in bp; empty or 0 for missing)",
                           path, int(line), col)
            numeric[bad] = MISSING
        out[~is_missing, k] = numeric.astype(np.int64)
    half = given[:, 0] != given[:, 1]
    for line in df["_line"].to_numpy()[half][:20]:
        errors.add("only one of allele1/allele2 is given; a diploid call needs both or neither",
                   path, int(line), "allele2")
    return out


def _header_line(path) -> int:
    """1-based line of the header (the first non-blank line not starting with '#')."""
    from leogen.io.tables import read_text

    for k, line in enumerate(read_text(path).splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            return k
    return 1


def read_long(path: str | Path) -> Replicates:
    """Read a long replicate table into ``Replicates`` (checks every row, reports all problems).

    Parameters
    ----------
    path : str or Path
        TSV or CSV with columns ``sample_id, replicate, locus, allele1, allele2``
        (module docstring); tokens of :data:`MISSING_TOKENS` are a failed amplification.

    Returns
    -------
    Replicates
        ``calls`` (n_samples, n_loci, n_replicates, 2) allele indices, -1 missing, with
        samples and loci in first-seen file order; a sample/locus's replicate slots follow
        the file order of its rows (``replicate_ids`` keeps their labels) and slots beyond its
        replicate count are not ``attempted``.

    Raises
    ------
    InputError
        Collected over the whole file, each with line and column (at most 200 in all, and
        the first 20 rows of each of the empty, half-call and duplicate checks): an empty
        ``sample_id``, ``locus`` or ``replicate``; an allele that is not a whole number >= 0
        or is larger than :data:`MAX_ALLELE`; a column not in :data:`COLUMNS` or
        :data:`EXTRA_COLUMNS` (raised first, with the header line);
        only one of the two alleles given; a sample/locus/replicate listed twice. Header
        problems are raised first, by :func:`leogen.io.tables.read_delimited`.
    """
    df = read_delimited(path, COLUMNS)
    unknown = [c for c in df.columns if c not in COLUMNS and c not in EXTRA_COLUMNS
               and c != "_line"]
    if unknown:
        raise InputError(
            f"unknown column(s) {', '.join(unknown)}: a long genotype table has one diploid "
            f"call per row, columns {', '.join(COLUMNS)} (and optionally "
            f"{', '.join(EXTRA_COLUMNS)})", path, _header_line(path), unknown[0])
    errors = ErrorCollector()
    for col in ("sample_id", "locus", "replicate"):
        empty = df[col] == ""
        for line in df.loc[empty, "_line"][:20]:
            errors.add(f"{col} is empty", path, int(line), col)
    alleles = _parse_alleles(df, path, errors)
    key = df[["sample_id", "locus", "replicate"]].astype(str)
    dup = key.duplicated(keep="first").to_numpy()
    for line, (s, loc, r) in zip(df.loc[dup, "_line"][:20], key[dup].itertuples(index=False), strict=False):
        errors.add(f"sample '{s}' locus '{loc}' replicate '{r}' appears twice", path, int(line),
                   "replicate")
    errors.raise_if_any()
    # keep first-seen order of samples and loci, as the lab wrote them
    s_order = pd.unique(df["sample_id"].to_numpy(dtype=str))
    l_order = pd.unique(df["locus"].to_numpy(dtype=str))
    s_pos = pd.Index(s_order).get_indexer(df["sample_id"].to_numpy(dtype=str))
    l_pos = pd.Index(l_order).get_indexer(df["locus"].to_numpy(dtype=str))
    # replicate slot: rank of the replicate within its sample/locus, in file order
    slot = df.groupby(["sample_id", "locus"], sort=False).cumcount().to_numpy()
    n_rep = int(slot.max()) + 1
    n_s, n_l = len(s_order), len(l_order)
    calls = np.full((n_s, n_l, n_rep, 2), MISSING, dtype=np.int32)
    attempted = np.zeros((n_s, n_l, n_rep), dtype=bool)
    rep_ids = np.full((n_s, n_l, n_rep), "", dtype=object)
    allele_labels = []
    for j in range(n_l):
        rows = l_pos == j
        idx, uniq = encode_sizes(alleles[rows])
        calls[s_pos[rows], j, slot[rows]] = idx
        allele_labels.append(uniq)
    attempted[s_pos, l_pos, slot] = True
    rep_ids[s_pos, l_pos, slot] = df["replicate"].to_numpy(dtype=str)
    return Replicates(calls, attempted, s_order, l_order, tuple(allele_labels), rep_ids)


def replicates_to_frame(reps: Replicates) -> pd.DataFrame:
    """The long table of a ``Replicates`` (failed amplifications keep their row, alleles empty).

    Parameters
    ----------
    reps : Replicates
        (n_samples, n_loci, n_replicates, 2) calls with allele sizes as labels.

    Returns
    -------
    DataFrame (n_attempted, 5)
        ``sample_id, replicate, locus, allele1, allele2`` as str, one row per attempted
        replicate in sample, locus, replicate-slot order; the smaller allele first, ``''``
        for a failed amplification.
    """
    s, l_, r = np.nonzero(reps.attempted)
    sizes = reps.labels()[s, l_, r]
    a1 = np.where(sizes[:, 0] >= 0, sizes[:, 0].astype(str), "")
    a2 = np.where(sizes[:, 1] >= 0, sizes[:, 1].astype(str), "")
    # write the smaller allele first, as labs do
    swap = (sizes[:, 0] > sizes[:, 1]) & (sizes[:, 1] >= 0)
    a1, a2 = np.where(swap, a2, a1), np.where(swap, a1, a2)
    return pd.DataFrame({
        "sample_id": reps.samples[s],
        "replicate": reps.replicate_ids[s, l_, r],
        "locus": reps.loci[l_],
        "allele1": a1,
        "allele2": a2,
    })


def write_long(data: Replicates | Genotypes, path: str | Path) -> None:
    """Write a long replicate table (TSV, or CSV if the name ends in .csv), atomically.

    Parameters
    ----------
    data : Replicates or Genotypes
        Microsatellite calls; a ``Genotypes`` is written as one replicate per sample and
        locus (:meth:`Replicates.from_genotypes`).
    path : str or Path
        The output file (rows of :func:`replicates_to_frame`).

    Raises
    ------
    ValueError
        ``data`` holds SNP alleles.
    """
    if isinstance(data, Genotypes):
        if data.is_snp:
            raise ValueError("the long replicate table holds microsatellite sizes, not SNP alleles")
        data = Replicates.from_genotypes(data)
    df = replicates_to_frame(data)
    sep = "," if str(path).lower().endswith(".csv") else "\t"
    with atomic_open(path, "w", encoding="utf-8") as fh:
        df.to_csv(fh, sep=sep, index=False, lineterminator="\n")
