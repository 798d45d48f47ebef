"""The snp stage's tables, built from additive :class:`~leogen.snp.stats.SnpStats` and written
through their declarations in :mod:`leogen.snp.outputs`.

Each ``*_table`` function returns one table as a DataFrame, rows in sample (pairs: ``id1``
before ``id2`` in sample order) or variant order; formulas are in :mod:`leogen.snp.stats`.
Each is made from the table's columns as numpy arrays (the private ``_*_columns``), which
:func:`write_outputs` writes as they are, so writing the tables imports no pandas.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from leogen.errors import InputError
from leogen.snp.outputs import STATS_OUTPUTS
from leogen.snp.stats import (
    STATS_TABLES,
    SnpStats,
    compute_stats,
    grm_matrix,
    hwe_p_values,
    king_counts,
    king_kinship,
    method_of_moments_f,
)

if TYPE_CHECKING:
    import pandas as pd


def _stats_of(vcf_path, region, chunk_size, stats: SnpStats | None) -> SnpStats:
    if stats is not None:
        return stats
    return compute_stats(vcf_path, region=region, chunk_size=chunk_size, grm=False)


def _id_objects(samples: np.ndarray) -> np.ndarray:
    """Sample ids (n_samples,) as an object array of str: indexing it for millions of pairs
    copies pointers (8 bytes a cell) instead of making a str per cell."""
    return np.array(samples.tolist(), dtype=object)


def king_table(vcf_path=None, region: str | None = None, chunk_size: int | None = None,
               stats: SnpStats | None = None) -> pd.DataFrame:
    """KING-robust kinship for every pair, as ``plink2 --make-king-table``.

    Parameters
    ----------
    vcf_path : VCF/BCF to compute the statistics from, when ``stats`` is not given.
    region : only this region of the VCF (``contig`` or ``contig:start-end``).
    chunk_size : variants per chunk (default from the number of samples).
    stats : statistics already computed (then the VCF is not read).

    Returns
    -------
    DataFrame (n_samples (n_samples - 1) / 2, 6) with ``id1, id2, n_snps, hethet, ibs0,
    kinship``: ``hethet`` and ``ibs0`` are proportions of ``n_snps`` (variants called in
    both), as PLINK 2's HETHET and IBS0 columns; kinship by :func:`king_kinship` (NaN when
    either sample has no heterozygous call among the shared variants).
    """
    return _frame(_king_columns(_stats_of(vcf_path, region, chunk_size, stats)))


def _king_columns(s: SnpStats) -> dict[str, np.ndarray]:
    """The columns of :func:`king_table`, each (n_samples (n_samples - 1) / 2,)."""
    k = king_counts(s)
    i, j = np.triu_indices(s.samples.size, k=1)
    n = k["n_snps"][i, j].astype(np.float64)
    hh = k["hethet"][i, j].astype(np.float64)
    ib = k["ibs0"][i, j].astype(np.float64)
    kin = king_kinship(hh, ib, k["het_i"][i, j], k["het_i"][j, i])
    with np.errstate(divide="ignore", invalid="ignore"):
        fr_hh = np.where(n > 0, hh / n, np.nan)
        fr_ib = np.where(n > 0, ib / n, np.nan)
    ids = _id_objects(s.samples)  # every row points at the same n_samples str objects
    return {"id1": ids[i], "id2": ids[j], "n_snps": n.astype(np.int64), "hethet": fr_hh,
            "ibs0": fr_ib, "kinship": kin}


def het_table(vcf_path=None, region: str | None = None, chunk_size: int | None = None,
              stats: SnpStats | None = None) -> pd.DataFrame:
    """Per-sample genotype counts and PLINK 1.9 ``--het`` method-of-moments F.

    Parameters
    ----------
    vcf_path, region, chunk_size, stats : as :func:`king_table`.

    Returns
    -------
    DataFrame (n_samples, 9) with ``sample_id, n_hom_ref, n_het, n_hom_alt, n_missing``
    (autosomal biallelic SNPs) and, over polymorphic variants, ``o_hom`` (= O(HOM)),
    ``e_hom`` (E(HOM)), ``n_called`` (N(NM)) and ``f_mom`` (:func:`method_of_moments_f`).
    """
    return _frame(_het_columns(_stats_of(vcf_path, region, chunk_size, stats)))


def _het_columns(s: SnpStats) -> dict[str, np.ndarray]:
    """The columns of :func:`het_table`, each (n_samples,)."""
    n_called = s.n_poly - s.miss_poly
    o_hom = n_called - s.het  # monomorphic variants have no heterozygote
    e_hom = np.where(n_called > 0, s.e_hom, np.nan)
    f = method_of_moments_f(o_hom, s.e_hom, n_called)
    return {"sample_id": s.samples, "n_hom_ref": s.hom_ref, "n_het": s.het,
            "n_hom_alt": s.hom_alt, "n_missing": s.missing, "o_hom": o_hom, "e_hom": e_hom,
            "n_called": n_called, "f_mom": f}


def freq_table(stats: SnpStats) -> pd.DataFrame:
    """ALT allele frequency per variant over called genotypes (``plink2 --freq``).

    Parameters
    ----------
    stats : SnpStats
        Statistics with per-variant counts (``variants=True``).

    Returns
    -------
    DataFrame (n_variants, 7) with ``chrom, pos, id, ref, alt, alt_freq, n_alleles``
    (allele copies called); every contig, in file order.

    Raises
    ------
    InputError
        The statistics have no per-variant counts.
    """
    return _frame(_freq_columns(stats))


def _freq_columns(stats: SnpStats) -> dict[str, np.ndarray]:
    """The columns of :func:`freq_table`, each (n_variants,)."""
    v = stats._variant_arrays()
    an = 2 * (v["v_hom_ref"] + v["v_het"] + v["v_hom_alt"])
    ac = v["v_het"] + 2 * v["v_hom_alt"]
    with np.errstate(divide="ignore", invalid="ignore"):
        fr = np.where(an > 0, ac / an, np.nan)
    return {"chrom": v["chrom"], "pos": v["pos"], "id": v["vid"], "ref": v["ref"],
            "alt": v["alt"], "alt_freq": fr, "n_alleles": an}


def hwe_table(stats: SnpStats) -> pd.DataFrame:
    """Genotype counts, observed and expected heterozygosity, and the exact HWE p per
    variant (``plink2 --hardy``; p by :func:`~leogen.snp.stats.hwe_p_values`, the exact
    test of Wigginton, Cutler & Abecasis 2005 Am J Hum Genet 76:887).

    ``o_het = n_het / n``, ``e_het = 2 q (1 - q)`` with q the ALT frequency, over the n
    called genotypes (NaN when none).

    Parameters
    ----------
    stats : SnpStats
        Statistics with per-variant counts (``variants=True``).

    Returns
    -------
    DataFrame (n_variants, 12) with ``chrom, pos, id, ref, alt, n_hom_ref, n_het, n_hom_alt,
    n_missing, o_het, e_het, p_hwe``; every contig, in file order.

    Raises
    ------
    InputError
        The statistics have no per-variant counts.
    """
    return _frame(_hwe_columns(stats))


def _hwe_columns(stats: SnpStats) -> dict[str, np.ndarray]:
    """The columns of :func:`hwe_table`, each (n_variants,)."""
    v = stats._variant_arrays()
    p = hwe_p_values(v["v_het"], v["v_hom_ref"], v["v_hom_alt"])
    n = (v["v_het"] + v["v_hom_ref"] + v["v_hom_alt"]).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (v["v_het"] + 2 * v["v_hom_alt"]) / (2.0 * n)
        o_het = np.where(n > 0, v["v_het"] / n, np.nan)
        e_het = np.where(n > 0, 2 * q * (1 - q), np.nan)
    return {"chrom": v["chrom"], "pos": v["pos"], "id": v["vid"], "ref": v["ref"],
            "alt": v["alt"], "n_hom_ref": v["v_hom_ref"], "n_het": v["v_het"],
            "n_hom_alt": v["v_hom_alt"], "n_missing": v["v_missing"], "o_het": o_het,
            "e_het": e_het, "p_hwe": p}


def grm_table(stats: SnpStats) -> pd.DataFrame:
    """The GRM (:func:`~leogen.snp.stats.grm_matrix`; Yang et al. 2011) as a long table.

    Parameters
    ----------
    stats : SnpStats
        Statistics with the GRM sums.

    Returns
    -------
    DataFrame (n_samples (n_samples + 1) / 2, 4) with ``id1, id2, n_snps, grm``: pairs with
    id1 <= id2 in sample order, each sample's diagonal first.

    Raises
    ------
    InputError
        The statistics were computed without the GRM.
    """
    return _frame(_grm_columns(stats))


def _grm_columns(s: SnpStats) -> dict[str, np.ndarray]:
    """The columns of :func:`grm_table`, each (n_samples (n_samples + 1) / 2,)."""
    a = grm_matrix(s)
    n_pair = s.n_grm - s.grm_miss[:, None] - s.grm_miss[None, :] + s.grm_miss_miss
    np.fill_diagonal(n_pair, s.n_grm - s.grm_miss)
    i, j = np.triu_indices(s.samples.size)
    ids = _id_objects(s.samples)
    return {"id1": ids[i], "id2": ids[j], "n_snps": n_pair[i, j], "grm": a[i, j]}


def summary_table(stats: SnpStats) -> pd.DataFrame:
    """Counts of sites read and skipped: one row, the columns of :data:`~leogen.snp.outputs.SUMMARY`.

    Parameters
    ----------
    stats : SnpStats

    Returns
    -------
    DataFrame (1, 7)
        ``n_sites, n_biallelic_snps, n_multiallelic_skipped, n_other_skipped,
        n_autosomal_snps, n_polymorphic_autosomal, n_samples``.
    """
    return _frame(_summary_columns(stats))


def _summary_columns(s: SnpStats) -> dict[str, np.ndarray]:
    """The columns of :func:`summary_table`, each (1,) int64."""
    counts = {"n_sites": s.n_sites, "n_biallelic_snps": s.n_biallelic,
              "n_multiallelic_skipped": s.n_multiallelic, "n_other_skipped": s.n_other,
              "n_autosomal_snps": s.n_auto, "n_polymorphic_autosomal": s.n_poly,
              "n_samples": s.samples.size}
    return {k: np.array([v], dtype=np.int64) for k, v in counts.items()}


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A table's columns as a DataFrame (the public ``*_table`` functions return these)."""
    import pandas as pd

    return pd.DataFrame(columns)


_MAKERS = {"king": _king_columns, "het": _het_columns, "freq": _freq_columns,
            "hwe": _hwe_columns, "grm": _grm_columns, "summary": _summary_columns}


def write_outputs(stats: SnpStats, out_dir, tables=STATS_TABLES) -> list[Path]:
    """Write ``<table>.tsv`` into ``out_dir`` for each named table (the GRM only when the
    statistics include it), through its declaration in :mod:`leogen.snp.outputs`, from its
    columns as numpy arrays (byte for byte what writing the ``*_table`` DataFrame gives).

    Parameters
    ----------
    stats : SnpStats
        The summed statistics.
    out_dir : str or Path
        Folder for the tables (created if missing).
    tables : sequence of str
        Names of :data:`~leogen.snp.stats.STATS_TABLES` (``king, het, freq, hwe, grm,
        summary``).

    Returns
    -------
    The paths written.

    Raises
    ------
    InputError
        An unknown table name, or freq/hwe asked of statistics without per-variant counts.
    """
    bad = [t for t in tables if t not in _MAKERS]
    if bad:
        raise InputError(f"unknown table(s) {', '.join(bad)} (choose from "
                         f"{', '.join(STATS_TABLES)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in tables:
        if name == "grm" and not stats.has_grm:
            continue
        path = out / f"{name}.tsv"
        STATS_OUTPUTS[name].write(_MAKERS[name](stats), path)
        written.append(path)
    return written
