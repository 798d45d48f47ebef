"""Runs of homozygosity (ROH) per chromosome and F_ROH per individual, from a VCF.

The caller replicates PLINK 1.9 ``--homozyg`` (Purcell et al. 2007; Chang et al. 2015;
``calc_homozyg``/``roh_update`` in plink_homozyg.c), with its default parameters:

* scanning windows of ``window_snps`` = 50 consecutive SNPs, sliding by one SNP along each
  autosome; a window is homozygous when it holds at most ``window_het`` = 1 heterozygous and
  at most ``window_missing`` = 5 missing calls (``--homozyg-window-snp 50 -het 1 -missing 5``);
* a SNP is in a candidate run when at least ``floor(k * 0.05 + 1 - 2^-30)`` of the ``k``
  windows that contain it are homozygous (``--homozyg-window-threshold 0.05``);
* consecutive candidate SNPs form a run; a gap of more than ``gap_kb`` = 1000 kb between
  neighbouring SNPs ends it (``--homozyg-gap``); a run is kept when it has at least
  ``min_snps`` = 100 SNPs, a length (last position - first position + 1) of at least
  ``min_kb`` = 1000 kb, and at most ``density_kb`` = 50 kb per SNP on average
  (``--homozyg-snp 100 --homozyg-kb 1000 --homozyg-density 50``); the number of
  heterozygous calls inside a run is not limited (``--homozyg-het`` unlimited).

Chromosomes with fewer than ``window_snps`` SNPs are skipped, as PLINK does; only autosomal
biallelic SNPs are used (see :mod:`leogen.io.vcfstream`).

F_ROH (McQuillan et al. 2008) = total ROH length / length of the autosomes covered by SNPs,
where the length covered is the sum over scanned chromosomes of (last SNP position - first
SNP position + 1); pass ``genome_length`` to use an assembly length instead.

Memory: genotypes are streamed in chunks; each chromosome is kept bit-packed (2 bits per
genotype: heterozygous, missing) and scanned sample by sample by a compiled kernel
(:func:`leogen.snp.kernels.roh_runs`), so the peak is about
``n_snps_on_chromosome * n_samples / 4`` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from leogen.errors import InputError
from leogen.io.vcfstream import is_autosome, iter_genotype_chunks, read_header
from leogen.progress import progress

if TYPE_CHECKING:  # the tables are returned as DataFrames; computing them needs no pandas
    import pandas as pd

_EPS = 2.0**-30  # PLINK 1.9's EPSILON

_SEGMENT_COLUMNS = ("sample_id", "chrom", "start", "end", "length", "n_snps", "n_het",
                    "n_missing")


@dataclass(frozen=True)
class RohParams:
    """PLINK 1.9 ``--homozyg`` defaults (see module docstring)."""

    window_snps: int = 50
    window_het: int = 1
    window_missing: int = 5
    window_threshold: float = 0.05
    min_snps: int = 100
    min_kb: float = 1000.0
    density_kb: float = 50.0
    gap_kb: float = 1000.0


def call_roh_block(het: np.ndarray, miss: np.ndarray, pos: np.ndarray,
                   params: RohParams = RohParams()) -> list:
    """ROH of one chromosome for a block of samples (PLINK 1.9 ``--homozyg``, module
    docstring).

    Parameters
    ----------
    het, miss : bool (n_snps, n_samples), heterozygous and missing calls.
    pos : int (n_snps,), sorted positions.
    params : the scanning-window and run thresholds.

    Returns
    -------
    ``[sample_index, first_snp, last_snp, n_het, n_missing]``: int arrays (n_runs,) of the
    accepted runs, sample by sample; first/last index the SNPs.

    Examples
    --------
    Sample 1 is homozygous after its heterozygote at SNP 36 (SNPs 1 kb apart); the run takes
    it in, as windows allow one heterozygote. Sample 0, heterozygous at every fourth SNP, has
    no run:

    >>> het = np.zeros((200, 2), bool)
    >>> het[::4, 0] = True
    >>> het[:40:4, 1] = True
    >>> runs = call_roh_block(het, np.zeros_like(het), np.arange(200) * 1000 + 1,
    ...                       RohParams(min_kb=100))
    >>> [r.tolist() for r in runs]
    [[1], [34], [199], [1], [0]]
    """
    het = np.asarray(het, bool)
    return _runs(np.packbits(het, axis=1), np.packbits(np.asarray(miss, bool), axis=1),
                 het.shape[1], np.asarray(pos, np.int64), params)


def _runs(het_bits: np.ndarray, miss_bits: np.ndarray, n: int, pos: np.ndarray,
          params: RohParams) -> list:
    """:func:`call_roh_block` on bit-packed calls (``np.packbits(axis=1)``, (m, ceil(n/8)))
    with the compiled scan :func:`leogen.snp.kernels.roh_runs`."""
    from leogen.snp.kernels import roh_runs

    r = roh_runs(het_bits, miss_bits, n, pos, params.window_snps, params.window_het,
                 params.window_missing, float(params.window_threshold), params.min_snps,
                 float(params.min_kb * 1000), float(params.density_kb * 1000 + _EPS),
                 float(params.gap_kb * 1000), _EPS)
    return [r[:, k].copy() for k in range(5)]


def call_roh(vcf_path, params: RohParams = RohParams(), region: str | None = None,
             chunk_size: int | None = None, genome_length: float | None = None):
    """Runs of homozygosity of every sample and F_ROH (McQuillan et al. 2008), from a VCF,
    as DataFrames: the tables of :func:`roh_columns`.

    Parameters
    ----------
    vcf_path, params, region, chunk_size, genome_length :
        As :func:`roh_columns`.

    Returns
    -------
    ``(segments, froh)`` DataFrames, (n_runs, 8) and (n_samples, 5), with the columns of
    :func:`roh_columns`.

    Raises
    ------
    InputError
        As :func:`roh_columns`.
    """
    import pandas as pd

    seg, froh = roh_columns(vcf_path, params, region, chunk_size, genome_length)
    return pd.DataFrame(seg).astype({"chrom": str}), pd.DataFrame(froh)


def roh_columns(vcf_path, params: RohParams = RohParams(), region: str | None = None,
                chunk_size: int | None = None, genome_length: float | None = None
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Runs of homozygosity of every sample and F_ROH (McQuillan et al. 2008), from a VCF,
    as numpy columns (written by the declared tables without importing pandas).

    Parameters
    ----------
    vcf_path : the VCF/BCF (autosomal biallelic SNPs are used).
    params : PLINK 1.9 ``--homozyg`` settings (default: its defaults).
    region : only this region (``contig`` or ``contig:start-end``; needs the index).
    chunk_size : variants per streamed chunk.
    genome_length : denominator of F_ROH in bp (default: the length covered by SNPs).

    Returns
    -------
    ``(segments, froh)`` dicts of column name -> 1-D array: ``segments`` (n_runs,) each,
    ``sample_id, chrom, start, end, length, n_snps, n_het, n_missing`` (positions 1-based
    inclusive, length in bp = end - start + 1), by sample; ``froh`` (n_samples,) each,
    ``sample_id, n_roh, length_roh, length_covered, f_roh``.

    Raises
    ------
    InputError
        The VCF is not sorted (a position before the previous one on its contig, or a contig
        that appears again after others): named with its line (or contig:position); or no
        autosome has ``window_snps`` SNPs (without ``genome_length``).
    """
    header = read_header(vcf_path)
    samples = header.samples
    n = samples.size
    segs = []
    covered = 0
    cur = None  # [chrom, [packed het], [packed miss], [pos]]

    def finish(state):
        nonlocal covered
        chrom, hets, misses, poss = state
        pos = np.concatenate(poss)
        if pos.size < params.window_snps:
            return
        covered += int(pos[-1] - pos[0] + 1)
        hp = np.concatenate(hets)
        mp = np.concatenate(misses)
        si, first, last, nh, nm = _runs(hp, mp, n, pos, params)
        if si.size:
            segs.append({
                "sample_idx": si, "chrom": np.full(si.size, chrom, dtype=object),
                "start": pos[first], "end": pos[last], "length": pos[last] + 1 - pos[first],
                "n_snps": last - first + 1, "n_het": nh, "n_missing": nm})

    done: set[str] = set()  # contigs already passed
    last = None  # (chrom, pos) of the previous variant

    def unsorted(message, ch, k, column="POS"):
        line = None if ch.lines is None else int(ch.lines[k])
        where = vcf_path if line is not None else f"{vcf_path} ({ch.chrom[k]}:{ch.pos[k]})"
        return InputError(f"{message}: runs of homozygosity need a VCF sorted by contig and "
                          "position (bcftools sort)", where, line, column)

    chunks = iter_genotype_chunks(vcf_path, region, chunk_size, header)
    for ch in progress(chunks, desc=f"runs of homozygosity in {Path(vcf_path).name}"
                                    f"{':' + region if region else ''}", unit="chunks"):
        if ch.gt.shape[0] == 0:
            continue
        # split the chunk at chromosome changes (contiguous runs of one contig)
        change = np.flatnonzero(ch.chrom[1:] != ch.chrom[:-1]) + 1
        bounds = np.concatenate([[0], change, [ch.chrom.size]])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            chrom = str(ch.chrom[a])
            if last is not None and last[0] != chrom:
                done.add(last[0])
            if chrom in done:
                raise unsorted(f"contig {chrom} appears again after other contigs", ch, a,
                               "CHROM")
            back = np.flatnonzero(np.diff(ch.pos[a:b]) < 0)
            if last is not None and last[0] == chrom and ch.pos[a] < last[1]:
                raise unsorted(f"position {ch.pos[a]} of {chrom} comes after {last[1]}", ch, a)
            if back.size:
                k = a + int(back[0]) + 1
                raise unsorted(f"position {ch.pos[k]} of {chrom} comes after "
                               f"{ch.pos[k - 1]}", ch, k)
            last = (chrom, int(ch.pos[b - 1]))
            if cur is not None and cur[0] != chrom:
                finish(cur)
                cur = None
            if not is_autosome(chrom):
                continue
            if cur is None:
                cur = [chrom, [], [], []]
            g = ch.gt[a:b]
            cur[1].append(np.packbits(g == 1, axis=1))
            cur[2].append(np.packbits(g < 0, axis=1))
            cur[3].append(ch.pos[a:b])
    if cur is not None:
        finish(cur)
    if segs:  # runs by sample, each sample's in contig order
        cols = {c: np.concatenate([d[c] for d in segs]) for c in segs[0]}
        order = np.argsort(cols["sample_idx"], kind="stable")
        cols = {c: x[order] for c, x in cols.items()}
    else:
        cols = {c: np.zeros(0, np.int64) for c in ("sample_idx", *_SEGMENT_COLUMNS[2:])}
        cols["chrom"] = np.zeros(0, dtype=object)
    sample_idx = cols["sample_idx"].astype(np.int64)
    cols["sample_id"] = np.asarray(samples)[sample_idx]
    seg = {c: cols[c] for c in _SEGMENT_COLUMNS}
    n_roh = np.bincount(sample_idx, minlength=n)
    length = np.bincount(sample_idx, weights=seg["length"].astype(float), minlength=n)
    if not genome_length and covered == 0:
        # every F_ROH would be NA (0 / 0), and a length of 0 looks like a measured one
        raise InputError(f"no autosome has at least {params.window_snps} biallelic SNPs (one "
                         "scanning window): no run of homozygosity can be called and F_ROH "
                         "has no denominator", vcf_path)
    denom = float(genome_length) if genome_length else float(covered)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = length / denom if denom > 0 else np.full(n, np.nan)
    froh = {"sample_id": np.asarray(samples), "n_roh": n_roh.astype(np.int64),
            "length_roh": length.astype(np.int64),
            "length_covered": np.full(n, int(denom), dtype=np.int64), "f_roh": f}
    return seg, froh


def froh_table(vcf_path, params: RohParams = RohParams(), region: str | None = None,
               chunk_size: int | None = None, genome_length: float | None = None
               ) -> pd.DataFrame:
    """F_ROH per sample (McQuillan et al. 2008): the ``froh`` table of :func:`call_roh`.

    Parameters
    ----------
    vcf_path : str or Path
        The VCF/BCF.
    params, region, chunk_size, genome_length :
        As :func:`call_roh`.

    Returns
    -------
    DataFrame (n_samples, 5)
        ``sample_id, n_roh, length_roh, length_covered, f_roh``.
    """
    return call_roh(vcf_path, params, region, chunk_size, genome_length)[1]

