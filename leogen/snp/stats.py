"""Additive SNP statistics: sums over variants of streamed genotype chunks.

:func:`compute_stats` streams a VCF/BCF with :mod:`leogen.io.vcfstream`: the calling thread
decompresses (zlib-ng, without the GIL) and hands blocks of lines in turn to worker threads,
each of which parses its blocks and adds them to its own partial sums (the compiled kernels
of :mod:`leogen.snp.kernels`, numpy and a single-threaded BLAS for the GRM release the GIL,
so the workers run in parallel); the partial sums are added at the end.

Only biallelic SNPs enter the statistics; multi-allelic sites and other variants (indels,
symbolic alleles) are skipped and counted. PLINK 2 by default keeps multi-allelic sites (as
REF versus the other alleles) and indels: ``--snps-only --max-alleles 2`` makes it use the
same variants. Pairwise and per-sample statistics use autosomes only
(:func:`leogen.io.vcfstream.is_autosome`), as PLINK's ``--het`` and ``--make-king-table``
do; allele frequencies and HWE cover every contig.

Every statistic is a sum over variants, so a chunk's (or a region's) result is a small
:class:`SnpStats` and results are combined with ``+`` (scatter/gather):

* per-sample genotype counts and the method-of-moments F of PLINK 1.9 ``--het``:
  ``F = (O(HOM) - E(HOM)) / (N(NM) - E(HOM))``, where over the sample's called polymorphic
  variants ``E(HOM) = sum 1 - 2 p (1 - p)`` with p the allele frequency over all samples at
  that variant (PLINK 1.9 ``het_report``; ``small_sample=True`` gives its ``--het small-sample``
  variant ``1 - 2 p (1 - p) n / (n - 1)``, n allele copies). A variant's p uses every sample,
  and a chunk holds every sample of its variants, so E(HOM) is additive over chunks;
* KING-robust kinship (Manichaikul et al. 2010, between-family estimator, exactly as
  ``plink2 --make-king-table``): over variants called in both samples,
  ``phi = (2 HetHet - 4 IBS0 - Het_i - Het_j + 2 min(Het_i, Het_j)) / (4 min(Het_i, Het_j))``.
  Each chunk is bit-packed per sample (hom-ref, het, hom-alt and missing planes, 64 variants
  a word, as PLINK 2 does) and every pair's HetHet, IBS0, H'M (i heterozygous where j is
  missing) and M'M (both missing) are popcounts of ANDs of the planes
  (:mod:`leogen.snp.kernels`); then ``N = m - miss_i - miss_j + M'M`` and
  ``Het_i = h_i - H'M[i, j]``;
* allele frequencies (``plink2 --freq``) and genotype counts per variant, and the Wigginton
  et al. (2005) exact HWE test on them (``leogen.popgen.hwe.snp_hwe_exact``, as ``plink2 --hardy``);
* the genomic relationship matrix of Yang et al. (2011) as GCTA computes it, over polymorphic
  autosomal variants: off-diagonal ``A_jk = sum_v z_vj z_vk / N_jk`` with
  ``z = (x - 2p) / sqrt(2p(1-p))`` over variants called in both; diagonal
  ``A_jj = 1 + sum_v (x^2 - (1 + 2p) x + 2p^2) / (2p(1-p)) / N_j``.

Memory: a few chunks of text and genotypes (``chunk_size`` variants each), per worker
thread a packed buffer of ``_PACKED_WORDS`` x 64 variants (4 bits a genotype) and five int32
``n_samples x n_samples`` upper-triangle counters, four int64 pair matrices for the total
(two more float/int ones with the GRM), and per-variant identifiers and
counts for the frequency/HWE tables (about 100 bytes per variant; ``variants=False`` drops
them, for runs that write only the KING and F tables).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from leogen.errors import InputError
from leogen.io.atomic import atomic_path
from leogen.io.vcfstream import (
    GenotypeChunk,
    LineBlock,
    is_autosome,
    line_blocks,
    parse_block,
    read_header,
)
from leogen.progress import progress
from leogen.snp import kernels

_PACKED_WORDS = 96  # words of 64 variants (6144) packed per sample before the pair kernel runs

_PAIR_FIELDS = ("hethet", "ibs0", "het_miss", "miss_miss")
_SAMPLE_FIELDS = ("hom_ref", "het", "hom_alt", "missing", "miss_poly", "e_hom")
_VARIANT_FIELDS = ("chrom", "pos", "vid", "ref", "alt", "v_hom_ref", "v_het", "v_hom_alt",
                   "v_missing")


@dataclass(eq=False)
class SnpStats:
    """Sums over variants; ``a + b`` combines two disjoint sets of variants (same samples).

    Per sample (autosomes): ``hom_ref, het, hom_alt, missing``; for ``--het``
    ``miss_poly, e_hom`` over polymorphic variants (a monomorphic variant has no
    heterozygote, so ``het`` counts the polymorphic variants' too).
    Per pair (n x n): ``hethet`` (both heterozygous; diagonal: heterozygous calls),
    ``ibs0`` (opposite homozygotes), ``het_miss`` ([i, j] counts variants where i is
    heterozygous and j missing), ``miss_miss`` (both missing; diagonal: missing calls).
    GRM (optional): ``grm_num`` (Z Z'), ``grm_diag``, ``grm_miss`` per sample and
    ``grm_miss_miss``. Per variant: identifiers and genotype counts (all contigs).
    ``regions``: the region of each VCF part summed in (``''`` for a whole file); adding
    parts whose regions overlap would count variants twice and raises :class:`InputError`.
    """

    samples: np.ndarray
    small_sample: bool = False
    n_sites: int = 0
    n_multiallelic: int = 0
    n_other: int = 0
    n_auto: int = 0
    n_poly: int = 0
    n_grm: int = 0
    n_biallelic: int = 0
    hom_ref: np.ndarray = None
    het: np.ndarray = None
    hom_alt: np.ndarray = None
    missing: np.ndarray = None
    miss_poly: np.ndarray = None
    e_hom: np.ndarray = None
    hethet: np.ndarray = None
    ibs0: np.ndarray = None
    het_miss: np.ndarray = None
    miss_miss: np.ndarray = None
    grm_num: np.ndarray | None = None
    grm_diag: np.ndarray | None = None
    grm_miss: np.ndarray | None = None
    grm_miss_miss: np.ndarray | None = None
    variants: dict | None = field(default_factory=dict)
    #: the region of each part summed here ('' for a whole file), to refuse overlaps
    regions: tuple = ()
    #: pair counts of chunks not yet added to the pair fields: upper triangles (i < j) of
    #: :func:`leogen.snp.kernels.king_pairs`, int32 (:meth:`fold`)
    _acc: np.ndarray | None = field(default=None, repr=False)
    _acc_rows: int = field(default=0, repr=False)
    #: packed chunks waiting for :func:`leogen.snp.kernels.king_pairs`: (planes, words used,
    #: whether a call is missing)
    _packed: list | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, samples, grm: bool = True, small_sample: bool = False,
              variants: bool = True, pairs: bool = True) -> SnpStats:
        """Zero sums for ``samples`` (n_samples,): the start of an accumulation.

        Parameters
        ----------
        samples : sequence (n_samples,) of str
            Sample names, in VCF column order.
        grm : bool
            Keep the GRM sums (two more (n_samples, n_samples) matrices).
        small_sample : bool
            E(HOM) with PLINK 1.9's ``--het small-sample`` n/(n-1) correction.
        variants : bool
            Keep per-variant identifiers and counts (frequency and HWE tables).
        pairs : bool
            Allocate the (n_samples, n_samples) pair matrices now (else at :meth:`fold`).

        Returns
        -------
        SnpStats
            Per-sample (n_samples,) and per-pair (n_samples, n_samples) sums at zero.
        """
        samples = np.asarray(samples, dtype=str)
        n = samples.size
        s = cls(samples=samples, small_sample=small_sample)
        for f in _SAMPLE_FIELDS:
            setattr(s, f, np.zeros(n, np.float64 if f == "e_hom" else np.int64))
        for f in _PAIR_FIELDS:
            setattr(s, f, np.zeros((n, n), np.int64) if pairs else None)
        if grm:
            s.grm_num = np.zeros((n, n))
            s.grm_diag = np.zeros(n)
            s.grm_miss = np.zeros(n, np.int64)
            s.grm_miss_miss = np.zeros((n, n), np.int64)
        s.variants = {f: [] for f in _VARIANT_FIELDS} if variants else None
        return s

    @property
    def has_grm(self) -> bool:
        return self.grm_num is not None

    def _variant_arrays(self) -> dict:
        if self.variants is None:
            raise InputError("these SNP statistics were computed without per-variant counts "
                             "(frequencies and HWE need them)")
        out = {}
        for f in _VARIANT_FIELDS:
            v = self.variants.get(f, [])
            if isinstance(v, list):
                if v:
                    v = np.concatenate(v)
                else:
                    v = np.zeros(0, str if f in ("chrom", "vid", "ref", "alt") else np.int64)
            out[f] = v
        self.variants = out
        return out

    def __add__(self, other: SnpStats) -> SnpStats:
        if not isinstance(other, SnpStats):
            return NotImplemented
        if not np.array_equal(self.samples, other.samples):
            raise InputError("cannot combine SNP statistics of different sample sets")
        if self.small_sample != other.small_sample or self.has_grm != other.has_grm:
            raise InputError("cannot combine SNP statistics computed with different options")
        self.fold()
        other.fold()
        clash = overlapping_regions(self.regions, other.regions)
        if clash:
            a, b = (r or "the whole file" for r in clash)
            raise InputError(f"its variants are counted already: it covers {b}, which "
                             f"overlaps {a} covered by an earlier part (gather each region "
                             "once)")
        out = SnpStats(samples=self.samples, small_sample=self.small_sample,
                       regions=(*self.regions, *other.regions))
        for f in fields(self):
            if f.name in ("samples", "small_sample", "variants", "regions") or f.name[0] == "_":
                continue
            a, b = getattr(self, f.name), getattr(other, f.name)
            setattr(out, f.name, None if a is None else a + b)
        if self.variants is None or other.variants is None:
            out.variants = None
        else:
            va, vb = self._variant_arrays(), other._variant_arrays()
            out.variants = {f: np.concatenate([va[f], vb[f]]) for f in _VARIANT_FIELDS}
        return out

    def _absorb(self, other: SnpStats) -> None:
        """``self += other`` in place for the workers' parts of :func:`compute_stats`
        (same samples and options, per-variant counts kept elsewhere); ``other``'s pending
        pair counts are folded straight into this one's pair matrices."""
        other._count_pairs()
        if other._acc is not None:
            kernels.fold_upper(other._acc, self.hethet, self.ibs0, self.het_miss,
                               self.miss_miss)
            other._acc = None
        for f in fields(self):
            if f.name in ("samples", "small_sample", "variants", "regions") or f.name[0] == "_":
                continue
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name in _PAIR_FIELDS:
                if b is not None:
                    a += b
            elif isinstance(a, np.ndarray):
                a += b
            elif a is not None:
                setattr(self, f.name, a + b)
        np.fill_diagonal(self.hethet, self.het)
        np.fill_diagonal(self.miss_miss, self.missing)

    def __radd__(self, other):
        if other == 0:  # sum([...])
            return self
        return NotImplemented

    # ------------------------------------------------------------------ accumulate
    def add_chunk(self, ch: GenotypeChunk) -> dict | None:
        """Add one chunk's sums in place (see the module docstring for the products).

        Parameters
        ----------
        ch : GenotypeChunk
            ``gt`` (n_variants, n_samples) alt-allele counts, -1 missing, of the same samples
            (:func:`leogen.io.vcfstream.parse_block`).

        Returns
        -------
        dict or None
            The chunk's per-variant identifiers and genotype counts (``chrom, pos, vid, ref,
            alt, v_hom_ref, v_het, v_hom_alt, v_missing``, arrays (n_variants,), every
            contig), None when it holds no biallelic SNP; they are also kept here unless the
            statistics were made with ``variants=False``.
        """
        rec = self._add_sums(ch)
        if rec is not None and self.variants is not None:
            v = self.variants
            if not isinstance(v.get("chrom"), list):
                v = {f: [x] for f, x in self._variant_arrays().items()}
                self.variants = v
            for f in _VARIANT_FIELDS:
                v[f].append(rec[f])
        return rec

    def fold(self) -> None:
        """Add the pending per-chunk pair counts (upper triangles) into the full pair matrices
        (``hethet``, ``ibs0``, ``het_miss``, ``miss_miss``); :meth:`__add__`, :meth:`save`
        and :func:`compute_stats` call it, so it is needed only after :meth:`add_chunk`."""
        self._count_pairs()
        n = self.samples.size
        for f in _PAIR_FIELDS:
            if getattr(self, f) is None:
                setattr(self, f, np.zeros((n, n), np.int64))
        if self._acc is not None:
            kernels.fold_upper(self._acc, self.hethet, self.ibs0, self.het_miss,
                               self.miss_miss)
            self._acc = None
            self._acc_rows = 0
        np.fill_diagonal(self.hethet, self.het)  # the diagonals are per-sample counts
        np.fill_diagonal(self.miss_miss, self.missing)

    def _count_pairs(self) -> None:
        """Run the pair kernel on the packed chunks waiting in the buffer."""
        if self._packed is None or self._packed[1] == 0:
            return
        planes, n_words, missing = self._packed
        n = planes.shape[1]
        if self._acc is None:
            self._acc = np.zeros((5, n, n), np.int32)
        kernels.king_pairs(planes, n_words, self._acc, missing)
        self._packed = [planes, 0, False]

    def _add_sums(self, ch: GenotypeChunk) -> dict | None:
        g = ch.gt
        self.n_sites += ch.n_sites
        self.n_multiallelic += ch.n_multiallelic
        self.n_other += ch.n_other
        m = g.shape[0]
        if m == 0:
            return None
        self.n_biallelic += m
        n = g.shape[1]
        vhet, vmiss, ac = kernels.variant_counts(g)  # ac: alt alleles over called genotypes
        vha = (ac - vhet) // 2
        vhr = n - vmiss - vhet - vha
        rec = dict(zip(_VARIANT_FIELDS, (ch.chrom, ch.pos, ch.vid, ch.ref, ch.alt, vhr, vhet,
                                         vha, vmiss), strict=True))
        chroms = np.unique(ch.chrom)
        auto = np.fromiter((is_autosome(c) for c in chroms), bool, len(chroms))
        if not auto.all():
            sel = np.flatnonzero(np.isin(ch.chrom, chroms[auto]))
            if sel.size == 0:
                return rec
            g = np.ascontiguousarray(g[sel])
            vhet, vhr, vha, vmiss, ac = vhet[sel], vhr[sel], vha[sel], vmiss[sel], ac[sel]
        m = g.shape[0]
        self.n_auto += m
        any_missing = bool(vmiss.any())
        # ---- PLINK 1.9 --het terms: p from all samples at polymorphic variants
        an = 2 * (vhet + vhr + vha)
        poly = (ac > 0) & (ac < an)
        nei_all = np.zeros(m)
        if poly.any():
            p = ac[poly] / an[poly]
            if self.small_sample:
                nei = 1.0 - 2.0 * p * (1.0 - p) * an[poly] / (an[poly] - 1.0)
            else:
                nei = 1.0 - 2.0 * p * (1.0 - p)
            nei_all[poly] = nei
        # ---- bit planes, per-sample counts and the KING pair counts (module docstring)
        # chunks are packed side by side into a buffer of _PACKED_WORDS words (or one
        # chunk's) and the pair kernel runs when it is full: long rows of words per pair
        n_words = (m + 63) // 64
        if self._acc_rows + m >= 2**31:  # keep the int32 counts exact
            self.fold()
        if self._packed is None or self._packed[0].shape[2] < n_words:
            self._count_pairs()
            self._packed = [np.empty((4, n, max(n_words, _PACKED_WORDS)), np.uint64), 0,
                            False]
        elif self._packed[1] + n_words > self._packed[0].shape[2]:
            self._count_pairs()
        buf, used, miss = self._packed
        s_counts = np.zeros((4, n), np.int64)
        s_miss = np.zeros((2, n))
        kernels.pack_planes(g, nei_all, poly.view(np.uint8), buf[:, :, used:used + n_words],
                            s_counts, s_miss)
        self._packed = [buf, used + n_words, miss or any_missing]
        self._acc_rows += m
        self.hom_ref += s_counts[0]
        self.het += s_counts[1]
        self.hom_alt += s_counts[2]
        self.missing += s_counts[3]
        if poly.any():
            self.n_poly += int(poly.sum())
            called_nei = np.full(n, nei.sum())
            mp = None
            if any_missing:
                self.miss_poly += s_miss[1].astype(np.int64)
                called_nei -= s_miss[0]
                if self.has_grm:
                    mp = g[poly] < 0
            self.e_hom += called_nei
            if self.has_grm:
                self._add_grm(g[poly], p, mp, any_missing)
        return rec

    def _add_grm(self, g, p, mp, any_missing):
        x = g.astype(np.float64)
        pp = p[:, None]
        denom = 2.0 * pp * (1.0 - pp)
        z = (x - 2.0 * pp) / np.sqrt(denom)
        d = (x * x - (1.0 + 2.0 * pp) * x + 2.0 * pp * pp) / denom
        if mp is not None:
            z[mp] = 0.0
            d[mp] = 0.0
            from scipy import sparse

            ms = sparse.csr_matrix(mp, dtype=np.int32)
            self.grm_miss_miss += (ms.T.tocsr() @ ms).toarray()
            self.grm_miss += np.count_nonzero(mp, axis=0)
        self.grm_num += z.T @ z
        self.grm_diag += d.sum(axis=0)
        self.n_grm += g.shape[0]

    # ------------------------------------------------------------------ save / load
    def save(self, path) -> None:
        """Write as .npz (atomic): every array, plus the scalars, no pickled objects.

        Parameters
        ----------
        path : str or Path
            The file to write (read back with :meth:`load`).
        """
        self.fold()
        arrs = {"samples": self.samples.astype(str),
                "scalars": np.array([self.small_sample, self.n_sites, self.n_multiallelic,
                                     self.n_other, self.n_auto, self.n_poly, self.n_grm,
                                     self.has_grm, self.n_biallelic,
                                     self.variants is not None], np.int64),
                "regions": np.array(self.regions, dtype=str)}
        for f in _SAMPLE_FIELDS + _PAIR_FIELDS:
            arrs[f] = getattr(self, f)
        if self.has_grm:
            for f in ("grm_num", "grm_diag", "grm_miss", "grm_miss_miss"):
                arrs[f] = getattr(self, f)
        if self.variants is not None:
            for f, x in self._variant_arrays().items():
                arrs["v_" + f if not f.startswith("v_") else f] = (
                    x.astype(str) if x.dtype.kind in "OU" else x)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrs)

    @classmethod
    def load(cls, path) -> SnpStats:
        """Read statistics written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            A ``.npz`` of :meth:`save`.

        Returns
        -------
        SnpStats

        Raises
        ------
        InputError
            ``path`` is unreadable or not such a file.
        """
        try:
            z = np.load(path, allow_pickle=False)
            sc = z["scalars"]
            s = cls(samples=z["samples"], small_sample=bool(sc[0]))
            (s.n_sites, s.n_multiallelic, s.n_other, s.n_auto, s.n_poly,
             s.n_grm) = (int(x) for x in sc[1:7])
            for f in _SAMPLE_FIELDS + _PAIR_FIELDS:
                setattr(s, f, z[f])
            if sc[7]:
                for f in ("grm_num", "grm_diag", "grm_miss", "grm_miss_miss"):
                    setattr(s, f, z[f])
            s.n_biallelic = int(sc[8])
            s.regions = tuple(str(r) for r in z["regions"]) if "regions" in z else ()
            s.variants = {f: z["v_" + f if not f.startswith("v_") else f]
                          for f in _VARIANT_FIELDS} if sc[9] else None
        except (OSError, KeyError, IndexError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise InputError(f"not a leogen SNP statistics file (the .npz of a statistics job):"
                             f" {e}", path) from None
        return s


@contextlib.contextmanager
def blas_threads(n: int):
    """Limit OpenBLAS (as bundled with numpy) to ``n`` threads inside the block, via ctypes;
    a no-op where the library or its symbols are not found (threadpoolctl does the same).

    Parameters
    ----------
    n : int
        Threads inside the ``with`` block (at least 1); the previous setting is restored on
        leaving it.
    """
    import ctypes

    pairs = []
    try:
        with open("/proc/self/maps") as fh:
            libs = sorted({ln.split()[-1] for ln in fh
                           if "openblas" in ln.lower() and ".so" in ln.split()[-1]})
    except OSError:
        libs = []
    for path in libs:
        with contextlib.suppress(OSError):
            lib = ctypes.CDLL(path)
            for pre in ("scipy_openblas", "openblas"):
                for suf in ("64_", ""):
                    get = getattr(lib, f"{pre}_get_num_threads{suf}", None)
                    put = getattr(lib, f"{pre}_set_num_threads{suf}", None)
                    if get is not None and put is not None:
                        pairs.append((get, put, get()))
    for _, put, _ in pairs:
        put(ctypes.c_int(max(1, int(n))))
    try:
        yield
    finally:
        for _, put, old in pairs:
            put(ctypes.c_int(old))


def _round_robin(items: Iterator, work, n_workers: int) -> None:
    """Call ``work(worker, k, item)`` for the k-th item on worker thread ``k % n_workers``
    (a fixed assignment, so each worker's floating-point sums are the same on every run),
    while this thread draws the items. The exception of the earliest failing item is
    raised once the workers have stopped; items after it are not processed."""
    queues = [queue.Queue(maxsize=1) for _ in range(n_workers)]
    errors: dict[int, BaseException] = {}
    first_error = [None]  # index of the earliest failed item so far
    lock = threading.Lock()
    done = object()

    def fail(k: int, e: BaseException) -> None:
        with lock:
            errors[k] = e
            if first_error[0] is None or k < first_error[0]:
                first_error[0] = k

    def worker(w: int) -> None:
        while True:
            got = queues[w].get()
            if got is done:
                return
            k, item = got
            if first_error[0] is not None and k > first_error[0]:
                continue
            try:
                work(w, k, item)
            except Exception as e:  # noqa: BLE001 - re-raised in the calling thread
                fail(k, e)

    threads = [threading.Thread(target=worker, args=(w,), daemon=True)
               for w in range(n_workers)]
    for t in threads:
        t.start()
    k = -1
    try:
        for k, item in enumerate(items):
            if first_error[0] is not None and k > first_error[0]:
                break
            queues[k % n_workers].put((k, item))
    except Exception as e:  # noqa: BLE001 - drawing item k + 1 failed
        fail(k + 1, e)
    finally:
        for q in queues:
            q.put(done)
        for t in threads:
            t.join()
    if errors:
        raise errors[min(errors)]



# --------------------------------------------------------------------------- drivers


def compute_stats(vcf_path, region: str | None = None, chunk_size: int | None = None,
                  grm: bool = True, small_sample: bool = False, threads: int = 2,
                  variants: bool = True) -> SnpStats:
    """Stream a VCF/BCF (optionally one region) and return its additive :class:`SnpStats`.

    The calling thread decompresses (zlib-ng, in C without the GIL) and hands blocks of lines
    to ``threads`` worker threads in turn; each parses its blocks and adds them to its own
    partial sums (bit-packed pair counts, :mod:`leogen.snp.kernels`; the GRM with a
    single-threaded BLAS), and the partials are added at the end (the statistics are sums
    over variants). Chunk k always goes to worker k mod ``threads``, so
    the floating-point sums, and the output, are the same on every run with the same
    settings.

    Parameters
    ----------
    vcf_path : VCF (plain or bgzipped) or BCF.
    region : only this region, ``contig`` or ``contig:start-end`` (needs the index).
    chunk_size : variants per chunk (default :func:`leogen.io.vcfstream.default_chunk_size`).
    grm : also sum the GRM (two more n_samples x n_samples matrices).
    small_sample : E(HOM) with PLINK 1.9's ``small-sample`` correction n / (n - 1).
    threads : worker threads that parse and add up blocks.
    variants : keep per-variant counts (for the frequency/HWE tables); without them memory
        no longer grows with the number of variants.

    Returns
    -------
    SnpStats with per-sample (n_samples,) and per-pair (n_samples, n_samples) sums.
    """
    path = Path(vcf_path)
    header = read_header(path)
    n_workers = max(1, int(threads))
    blocks, reg = line_blocks(path, header, region, chunk_size)
    parts = [SnpStats.empty(header.samples, grm=grm, small_sample=small_sample,
                            variants=False, pairs=False) for _ in range(n_workers)]
    records: dict[int, dict] = {}
    n = header.samples.size

    def work(w: int, k: int, block: LineBlock) -> None:
        rec = parts[w].add_chunk(parse_block(block, n, path, reg, ids=variants))
        if variants and rec is not None:
            records[k] = rec

    where = f"{path.name}{':' + region if region else ''}"
    with blas_threads(1):
        _round_robin(progress(blocks, desc=f"SNP statistics of {where}", unit="chunks"),
                     work, n_workers)
    stats = parts[0]
    stats.fold()
    for part in parts[1:]:  # in place: one set of pair matrices
        stats._absorb(part)
    if variants:
        stats.variants = {f: [records[k][f] for k in sorted(records)] for f in _VARIANT_FIELDS}
        stats._variant_arrays()
    stats.regions = (region or "",)
    return stats


def overlapping_regions(a, b) -> tuple[str, str] | None:
    """The first pair of overlapping regions between two lists, or None.

    Parameters
    ----------
    a, b : sequence of str
        Regions (``contig``, ``contig:start-end``, open ends allowed; ``''`` is a whole file,
        which overlaps every region).

    Returns
    -------
    (str, str) or None
        A region of ``a`` and one of ``b`` sharing a position.

    Examples
    --------
    >>> overlapping_regions(["chr1:1-100"], ["chr1:101-", "chr2"]) is None
    True
    >>> overlapping_regions(["chr1:1-100", "chr2"], ["chr1:50-60"])
    ('chr1:1-100', 'chr1:50-60')
    >>> overlapping_regions([""], ["chr3"])
    ('', 'chr3')
    """
    from leogen.io.vcfstream import parse_region

    def spans(rs):
        out = [(None, 1, np.inf) if not r else parse_region(r) for r in rs]
        contig = np.array(["" if c is None else c for c, _, _ in out], dtype=object)
        whole = np.array([c is None for c, _, _ in out], bool)
        start = np.array([s or 1 for _, s, _ in out], float)
        end = np.array([np.inf if e is None else e for _, _, e in out], float)
        return contig, whole, start, end

    if not len(a) or not len(b):
        return None
    ca, wa, sa, ea = spans(a)
    cb, wb, sb, eb = spans(b)
    hit = ((wa[:, None] | wb[None, :] | (ca[:, None] == cb[None, :]))
           & (sa[:, None] <= eb[None, :]) & (sb[None, :] <= ea[:, None]))
    if not hit.any():
        return None
    i, j = np.argwhere(hit)[0]
    return a[i], b[j]


def king_counts(stats: SnpStats) -> dict:
    """KING counts of every pair from the sums (module docstring; Manichaikul et al. 2010).

    ``n_snps = m - miss_i - miss_j + M'M`` and ``het_i = h_i - H'M[i, j]``.

    Parameters
    ----------
    stats : SnpStats
        Sums over the autosomal biallelic SNPs.

    Returns
    -------
    dict of int64 (n_samples, n_samples) matrices: ``n_snps`` (variants called in both),
    ``hethet``, ``ibs0`` and ``het_i`` ([i, j]: heterozygous calls of i where j is called).
    """
    s = stats
    s.fold()
    n_snps = s.n_auto - s.missing[:, None] - s.missing[None, :] + s.miss_miss
    het_i = s.het[:, None] - s.het_miss  # [i, j]: i het, j called
    return {"n_snps": n_snps, "hethet": s.hethet, "ibs0": s.ibs0, "het_i": het_i}


def grm_matrix(stats: SnpStats) -> np.ndarray:
    """Yang et al. (2011, Am J Hum Genet 88:76) GRM as GCTA computes it (module docstring):
    off-diagonal ``A_jk = sum_v z_vj z_vk / N_jk``, diagonal
    ``A_jj = 1 + sum_v (x^2 - (1 + 2p) x + 2p^2) / (2p(1-p)) / N_j``.

    Parameters
    ----------
    stats : SnpStats
        Sums with the GRM (``grm=True``).

    Returns
    -------
    float (n_samples, n_samples) matrix; NaN where no polymorphic variant is called in both.

    Raises
    ------
    InputError
        The statistics were computed without the GRM.
    """
    s = stats
    if not s.has_grm:
        raise InputError("these SNP statistics were computed without the GRM")
    n_pair = s.n_grm - s.grm_miss[:, None] - s.grm_miss[None, :] + s.grm_miss_miss
    n_self = s.n_grm - s.grm_miss
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(n_pair > 0, s.grm_num / n_pair, np.nan)
        np.fill_diagonal(a, np.where(n_self > 0, 1.0 + s.grm_diag / n_self, np.nan))
    return a


#: Tables written from a :class:`SnpStats` (declared in :mod:`leogen.snp.outputs`), in order.
STATS_TABLES = ("king", "het", "freq", "hwe", "grm", "summary")


def king_kinship(hethet, ibs0, het_i, het_j) -> np.ndarray:
    """KING-robust kinship of pairs from their counts (Manichaikul et al. 2010).

    The between-family estimator, as ``plink2 --make-king-table``:
    ``phi = (2 HetHet - 4 IBS0 - Het_i - Het_j + 2 min(Het_i, Het_j)) / (4 min(Het_i, Het_j))``.

    Parameters
    ----------
    hethet : array (n_pairs,), variants heterozygous in both samples.
    ibs0 : array (n_pairs,), variants where the two samples are opposite homozygotes.
    het_i, het_j : arrays (n_pairs,), heterozygous calls of each sample among the variants
        called in both.

    Returns
    -------
    array (n_pairs,) of float; NaN where either sample has no heterozygous call.

    Examples
    --------
    A duplicate (every het shared, no IBS0) has kinship 1/2; a pair without a het is NaN:

    >>> king_kinship([10, 1, 0], [0, 2, 0], [10, 1, 0], [10, 2, 3])
    array([ 0.5 , -1.75,   nan])
    """
    hethet, ibs0, het_i, het_j = (np.asarray(x, dtype=np.float64)
                                  for x in (hethet, ibs0, het_i, het_j))
    fewer = np.minimum(het_i, het_j)
    with np.errstate(divide="ignore", invalid="ignore"):
        kin = (2 * hethet - 4 * ibs0 - het_i - het_j + 2 * fewer) / (4 * fewer)
    return np.where(fewer > 0, kin, np.nan)


def method_of_moments_f(o_hom, e_hom, n_called) -> np.ndarray:
    """Inbreeding coefficient F by the method of moments, as PLINK 1.9 ``--het``.

    ``F = (O(HOM) - E(HOM)) / (N(NM) - E(HOM))`` (PLINK 1.9 ``het_report``).

    Parameters
    ----------
    o_hom : array (n_samples,), observed homozygous calls over polymorphic variants.
    e_hom : array (n_samples,), their expected number, ``sum 1 - 2 p (1 - p)``.
    n_called : array (n_samples,), polymorphic variants called in the sample.

    Returns
    -------
    array (n_samples,) of float; NaN for a sample without a called polymorphic variant.

    Examples
    --------
    >>> method_of_moments_f([3, 6, 0], [2.5, 3.0, 0.0], [4, 6, 0])
    array([0.33333333, 1.        ,        nan])
    """
    o_hom, e_hom, n_called = (np.asarray(x, dtype=np.float64) for x in (o_hom, e_hom, n_called))
    with np.errstate(divide="ignore", invalid="ignore"):
        e_hom = np.where(n_called > 0, e_hom, np.nan)
        return (o_hom - e_hom) / (n_called - e_hom)


def hwe_p_values(n_het, n_hom_ref, n_hom_alt) -> np.ndarray:
    """Exact HWE p-value per variant (Wigginton et al. 2005), as ``plink2 --hardy``.

    The test is :func:`leogen.popgen.hwe.snp_hwe_exact`, run once per distinct triple of
    genotype counts (variants share few triples, so this is much faster than per variant).

    Parameters
    ----------
    n_het, n_hom_ref, n_hom_alt : int arrays (n_variants,), called genotype counts.

    Returns
    -------
    array (n_variants,) of float; NaN where no genotype is called.

    Examples
    --------
    >>> hwe_p_values([3, 5, 3], [4, 5, 4], [3, 0, 3]).round(6).tolist()
    [0.245535, 1.0, 0.245535]
    """
    from leogen.popgen.hwe import snp_hwe_exact

    counts = np.stack([np.asarray(x, dtype=np.int64) for x in (n_het, n_hom_ref, n_hom_alt)],
                      axis=1)
    if not len(counts):
        return np.zeros(0)
    distinct, which = np.unique(counts, axis=0, return_inverse=True)
    return snp_hwe_exact(distinct[:, 0], distinct[:, 1], distinct[:, 2])[0][np.ravel(which)]
