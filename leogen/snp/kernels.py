"""Compiled kernels of the SNP engine (numba, ``nogil``, cached): GT decoding, bit-packing and
the KING pair counts by popcount.

Genotypes of a chunk are packed per sample into four bit planes of 64 variants per word
(as PLINK 2 packs them, Chang et al. 2015 GigaScience 4:7): ``hom_ref``, ``het``, ``hom_alt``
and ``missing``; bit ``k`` of word ``w`` is variant ``64 w + k`` of the chunk, padding bits are
0 in every plane. Over the variants of a chunk the KING counts of a pair (i, j) are then

* ``HetHet = popcount(het_i & het_j)``,
* ``IBS0 = popcount((hom_ref_i & hom_alt_j) | (hom_alt_i & hom_ref_j))``,
* ``H'M[i, j] = popcount(het_i & missing_j)`` (i heterozygous where j is missing),
* ``M'M = popcount(missing_i & missing_j)``,

the counts :func:`leogen.snp.stats.king_counts` turns into Manichaikul et al.'s (2010)
KING-robust kinship. Only pairs ``i < j`` are computed (into row ``i``, contiguous), so the
accumulators are upper triangles; :func:`fold_upper` adds them into full matrices once.

The functions are compiled on first use and cached next to this file (or, when that folder
is read-only, in numba's user cache / ``NUMBA_CACHE_DIR``); they release the GIL, so the
worker threads of :func:`leogen.snp.stats.compute_stats` run them in parallel.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _popcount(typingctx, x):
    """LLVM ``ctpop`` of a uint64 (one instruction where the CPU has it)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(cache=True, nogil=True)
def variant_counts(gt):
    """Per variant: heterozygous calls, missing calls and alt alleles (over called genotypes).

    Parameters
    ----------
    gt : int8 (m, n)
        Alt-allele counts, -1 missing.

    Returns
    -------
    (het, missing, alt) : int64 arrays (m,).
    """
    m, n = gt.shape
    het = np.zeros(m, np.int64)
    miss = np.zeros(m, np.int64)
    alt = np.zeros(m, np.int64)
    for v in range(m):
        h = 0
        mi = 0
        s2 = 0
        for s in range(n):
            g = gt[v, s]
            h += g == 1
            mi += g < 0
            s2 += g
        het[v] = h
        miss[v] = mi
        alt[v] = s2 + mi
    return het, miss, alt


@njit(cache=True, nogil=True)
def pack_planes(gt, nei, poly, planes, s_counts, s_miss_nei):
    """Pack a chunk into bit planes and add per-sample counts.

    Parameters
    ----------
    gt : int8 (m, n)
        Alt-allele counts, -1 missing.
    nei : float64 (m,)
        Weight per variant summed over each sample's missing calls (E(HOM) terms of
        polymorphic variants, 0 for monomorphic ones).
    poly : uint8 (m,)
        1 for the variants whose missing calls row 1 of ``s_miss_nei`` counts.
    planes : uint64 (4, n, ceil(m / 64))
        Written: hom_ref, het, hom_alt, missing bits (module docstring).
    s_counts : int64 (4, n)
        Added: hom_ref, het, hom_alt, missing calls per sample.
    s_miss_nei : float64 (2, n)
        Added: row 0 the sum of ``nei`` over each sample's missing calls, in variant order;
        row 1 the number of missing calls at variants with ``poly``.
    """
    m, n = gt.shape
    n_words = (m + 63) // 64
    for w in range(n_words):
        v0 = 64 * w
        v1 = min(m, v0 + 64)
        for s in range(n):
            r = np.uint64(0)
            h = np.uint64(0)
            a = np.uint64(0)
            mi = np.uint64(0)
            for v in range(v0, v1):
                g = gt[v, s]
                bit = np.uint64(1) << np.uint64(v - v0)
                r |= bit if g == 0 else np.uint64(0)
                h |= bit if g == 1 else np.uint64(0)
                a |= bit if g == 2 else np.uint64(0)
                mi |= bit if g < 0 else np.uint64(0)
            planes[0, s, w] = r
            planes[1, s, w] = h
            planes[2, s, w] = a
            planes[3, s, w] = mi
            s_counts[0, s] += _popcount(r)
            s_counts[1, s] += _popcount(h)
            s_counts[2, s] += _popcount(a)
            s_counts[3, s] += _popcount(mi)
            x = mi
            while x:  # missing calls are few: visit their bits
                low = x & (~x + np.uint64(1))
                v = v0 + _popcount(low - np.uint64(1))
                if poly[v]:
                    s_miss_nei[0, s] += nei[v]
                    s_miss_nei[1, s] += 1
                x ^= low


@njit(cache=True, nogil=True)
def king_pairs(planes, n_words, acc, missing):
    """Add the KING counts of every pair i < j of packed variants (module docstring).

    Rows are taken two at a time (i and i + 1 share the loads of row j).

    Parameters
    ----------
    planes : uint64 (4, n, max_words)
        :func:`pack_planes` output (several chunks side by side).
    n_words : int
        Words of ``planes`` in use (the rest is ignored).
    acc : int32 or int64 (5, n, n)
        Added in the upper triangle (i < j): HetHet, IBS0, H'M[i, j], H'M[j, i] (stored at
        [i, j]) and M'M.
    missing : bool
        Whether a variant has a missing call (otherwise only HetHet and IBS0 are counted).
    """
    n = planes.shape[1]
    ref = planes[0]
    het = planes[1]
    alt = planes[2]
    mis = planes[3]
    z = np.uint64(0)
    for i0 in range(0, n - 1, 2):
        i1 = i0 + 1
        for j in range(i1, n):
            hh0 = ib0 = hm0 = mh0 = mm0 = z
            hh1 = ib1 = hm1 = mh1 = mm1 = z
            if missing:
                for w in range(n_words):
                    rj = ref[j, w]
                    hj = het[j, w]
                    aj = alt[j, w]
                    mj = mis[j, w]
                    h0 = het[i0, w]
                    m0 = mis[i0, w]
                    h1 = het[i1, w]
                    m1 = mis[i1, w]
                    hh0 += _popcount(h0 & hj)
                    ib0 += _popcount((ref[i0, w] & aj) | (alt[i0, w] & rj))
                    hm0 += _popcount(h0 & mj)
                    mh0 += _popcount(m0 & hj)
                    mm0 += _popcount(m0 & mj)
                    hh1 += _popcount(h1 & hj)
                    ib1 += _popcount((ref[i1, w] & aj) | (alt[i1, w] & rj))
                    hm1 += _popcount(h1 & mj)
                    mh1 += _popcount(m1 & hj)
                    mm1 += _popcount(m1 & mj)
            else:
                for w in range(n_words):
                    rj = ref[j, w]
                    hj = het[j, w]
                    aj = alt[j, w]
                    hh0 += _popcount(het[i0, w] & hj)
                    ib0 += _popcount((ref[i0, w] & aj) | (alt[i0, w] & rj))
                    hh1 += _popcount(het[i1, w] & hj)
                    ib1 += _popcount((ref[i1, w] & aj) | (alt[i1, w] & rj))
            acc[0, i0, j] += hh0
            acc[1, i0, j] += ib0
            acc[2, i0, j] += hm0
            acc[3, i0, j] += mh0
            acc[4, i0, j] += mm0
            if j > i1:
                acc[0, i1, j] += hh1
                acc[1, i1, j] += ib1
                acc[2, i1, j] += hm1
                acc[3, i1, j] += mh1
                acc[4, i1, j] += mm1


def fold_upper(acc: np.ndarray, hethet: np.ndarray, ibs0: np.ndarray, het_miss: np.ndarray,
               miss_miss: np.ndarray) -> None:
    """Add upper-triangle accumulators of :func:`king_pairs` into full matrices, in place.

    Parameters
    ----------
    acc : int (5, n, n)
        Upper triangles (i < j) of HetHet, IBS0, H'M[i, j], H'M[j, i], M'M; the rest 0.
    hethet, ibs0, het_miss, miss_miss : int64 (n, n)
        Full matrices added to (symmetric ones on both sides; ``het_miss[i, j]`` counts i
        heterozygous where j is missing). Diagonals are not touched.
    """
    for k, out in ((0, hethet), (1, ibs0), (4, miss_miss)):
        out += acc[k]
        out += acc[k].T
    het_miss += acc[2]
    het_miss += acc[3].T


@njit(cache=True, nogil=True)
def roh_runs(het_bits, miss_bits, n, pos, window, window_het, window_missing, threshold,
             min_snps, min_len, max_bp_per_snp, max_gap, eps):
    """Runs of homozygosity of one chromosome, sample by sample (PLINK 1.9 ``--homozyg``;
    the rules are in :mod:`leogen.snp.roh`).

    Parameters
    ----------
    het_bits, miss_bits : uint8 (m, ceil(n / 8))
        Heterozygous and missing calls, ``np.packbits(..., axis=1)`` (big-endian bits).
    n : int
        Samples.
    pos : int64 (m,)
        Sorted positions.
    window, window_het, window_missing : int
        Scanning window in SNPs and its largest heterozygous and missing counts.
    threshold : float
        Share of a SNP's windows that must be homozygous (``floor(k t + 1 - eps)`` of k).
    min_snps, min_len : int
        Smallest run in SNPs and in bp (last - first + 1).
    max_bp_per_snp : float
        Largest length per SNP (bp, ``density_kb * 1000 + eps``).
    max_gap : float
        A gap between neighbouring SNPs longer than this (bp) ends a run.
    eps : float
        PLINK's EPSILON.

    Returns
    -------
    int64 (n_runs, 5)
        ``sample, first_snp, last_snp, n_het, n_missing`` by sample, then position.
    """
    m = pos.size
    out = np.empty((16, 5), np.int64)
    n_out = 0
    if m < window or n == 0:
        return out[:0]
    n_win = m - window + 1
    need = np.empty(m, np.int64)
    for j in range(m):
        lo = max(0, j - window + 1)
        hi = min(j, n_win - 1)
        need[j] = np.int64(np.floor((hi - lo + 1) * threshold + 1.0 - eps))
    het8 = np.empty(8 * m, np.int32)  # 8 samples' calls, one after the other
    mis8 = np.empty(8 * m, np.int32)
    hom_w = np.empty(n_win, np.int32)
    flag = np.empty(m, np.bool_)
    # a run kept has at least min_snps SNPs, and runs are disjoint
    found = np.empty((m // max(1, min_snps) + 1, 2), np.int64)
    for s in range(n):
        r = s & 7
        if r == 0:  # unpack the next 8 samples (one byte column) at once
            byte = s >> 3
            for v in range(m):
                x = het_bits[v, byte]
                y = miss_bits[v, byte]
                for k in range(8):
                    het8[k * m + v] = (x >> (7 - k)) & 1
                    mis8[k * m + v] = (y >> (7 - k)) & 1
        het = het8[r * m:(r + 1) * m]
        mis = mis8[r * m:(r + 1) * m]
        ch = 0
        cm = 0
        for v in range(window):
            ch += het[v]
            cm += mis[v]
        hom_w[0] = (ch <= window_het) & (cm <= window_missing)
        for k in range(1, n_win):
            ch += het[k + window - 1] - het[k - 1]
            cm += mis[k + window - 1] - mis[k - 1]
            hom_w[k] = (ch <= window_het) & (cm <= window_missing)
        hits = 0  # homozygous windows among those holding SNP j
        for j in range(m):
            if j < n_win:
                hits += hom_w[j]
            if j - window >= 0:
                hits -= hom_w[j - window]
            flag[j] = hits >= need[j]
        k = 0  # kept runs of this sample, into ``found``
        first = -1
        for j in range(m):
            if flag[j] and first < 0:
                first = j
            if first >= 0 and (j + 1 == m or not flag[j + 1]
                               or pos[j + 1] - pos[j] > max_gap):
                n_snps = j - first + 1
                length = pos[j] + 1 - pos[first]
                if (n_snps >= min_snps and length >= min_len
                        and n_snps * max_bp_per_snp >= length):
                    found[k, 0] = first
                    found[k, 1] = j
                    k += 1
                first = -1
        if n_out + k > out.shape[0]:
            bigger = np.empty((2 * (n_out + k), 5), np.int64)
            bigger[:n_out] = out[:n_out]
            out = bigger
        for q in range(k):
            nh = 0
            nm = 0
            for v in range(found[q, 0], found[q, 1] + 1):
                nh += het[v]
                nm += mis[v]
            out[n_out, 0] = s
            out[n_out, 1] = found[q, 0]
            out[n_out, 2] = found[q, 1]
            out[n_out, 3] = nh
            out[n_out, 4] = nm
            n_out += 1
    return out[:n_out]
