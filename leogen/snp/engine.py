"""Genome-scale SNP statistics from a VCF/BCF, streamed in chunks of variants.

The engine reads a (bgzipped) VCF in blocks of whole lines and decodes only the ``GT`` field,
vectorised with numpy on the raw bytes:

* fast path: lines whose FORMAT is exactly ``GT`` and whose genotypes are all 3 characters
  (``0/1``, ``1|0``, ``./.``): the genotype block is the last ``4 * n_samples`` bytes of the
  line, so it is taken at a fixed stride without splitting;
* tab path: any other line (``GT:AD:DP...``, a lone ``.`` for missing) is split on tabs,
  vectorised over the block, and the ``GT`` sub-field (first, as the VCF spec requires) is read.

The calling thread decompresses (zlib-ng, without the GIL) and hands blocks of lines in turn
to worker threads, each of which parses its blocks and adds them to its own partial sums
(numpy and a single-threaded BLAS release the GIL, so the workers run in parallel); the
partial sums are added at the end. Regions (``chr1`` or ``chr1:1-10000000``) are read through
the tabix or CSI index with pysam; BCF files through ``pysam.VariantFile``. Only variants
whose POS lies in the region are kept, so adjacent regions never count a variant twice.

Only biallelic SNPs enter the statistics; multi-allelic sites and other variants (indels,
symbolic alleles) are skipped and counted. PLINK 2 by default keeps multi-allelic sites (as
REF versus the other alleles) and indels: ``--snps-only --max-alleles 2`` makes it use the
same variants. Pairwise and per-sample statistics use autosomes only (contigs other than
X, Y, XY, W, Z, M/MT with or without a ``chr`` prefix), as PLINK's ``--het`` and
``--make-king-table`` do; allele frequencies and HWE cover every contig.

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
  Counts are matrix products of indicator matrices per chunk: with H = heterozygous,
  M = missing, D = +1 / -1 for the two homozygotes (0 for heterozygous or missing) and
  C = 1 - H - M (homozygous calls), ``HetHet = H'H``, ``N = m - miss_i - miss_j + M'M``,
  ``Het_i = h_i - H'M`` and ``IBS0 = (C'C - D'D) / 2`` (a pair of opposite homozygotes gives
  C C = 1 and D D = -1), where
  ``C'C = m - (h_i + miss_i) - (h_j + miss_j) + H'H + H'M + M'H + M'M``. Common variants are
  multiplied with float32 BLAS (exact: counts per chunk stay below 2^24). Variants whose minor
  allele and missing calls are in few samples (most of a large sample's variants) are summed
  as pairs of their few non-zero entries (as PLINK 2 treats rare variants separately): with
  P = 2 Q + H + M (Q homozygous for the minor allele), D = P - 1 up to sign, so
  ``D'D = P'P - p_i - p_j + m``; missing calls of variants missing in few samples likewise;
* allele frequencies (``plink2 --freq``) and genotype counts per variant, and the Wigginton
  et al. (2005) exact HWE test on them (``leogen.popgen.hwe.snp_hwe_exact``, as ``plink2 --hardy``);
* the genomic relationship matrix of Yang et al. (2011) as GCTA computes it, over polymorphic
  autosomal variants: off-diagonal ``A_jk = sum_v z_vj z_vk / N_jk`` with
  ``z = (x - 2p) / sqrt(2p(1-p))`` over variants called in both; diagonal
  ``A_jj = 1 + sum_v (x^2 - (1 + 2p) x + 2p^2) / (2p(1-p)) / N_j``.

Memory: a few chunks of text and genotypes (``chunk_size`` variants each), four
``n_samples x n_samples`` count matrices per worker thread, and per-variant identifiers and
counts for the frequency/HWE tables (about 100 bytes per variant; ``variants=False`` drops
them, which ``leogen snp all --tables king,het`` does).

Whole-file reading decompresses large blocks in C; region reading goes through pysam's
tabix iterator (one Python string per line, slower) and BCF through ``pysam.VariantFile``
(each record converted to VCF text).
"""

from __future__ import annotations

import contextlib
import gzip
import queue
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from zlib_ng import gzip_ng, zlib_ng

from leogen.errors import InputError
from leogen.io.atomic import atomic_path

if TYPE_CHECKING:
    import pandas as pd

_NON_AUTOSOMES = {"X", "Y", "XY", "W", "Z", "M", "MT"}
_TERMINATORS = (9, 10, 13, 58)  # tab, newline, CR, ':'
_RARE_FRACTION = 0.05  # sparse products when minor-allele carriers < this share of samples


def is_autosome(chrom: str) -> bool:
    """True unless the contig is a sex chromosome or mitochondrial (X, Y, XY, W, Z, M, MT)."""
    c = str(chrom)
    if c[:3].lower() == "chr":
        c = c[3:]
    return c.upper() not in _NON_AUTOSOMES


def default_chunk_size(n_samples: int) -> int:
    """Variants per chunk: about 2 million genotypes (8 MB of VCF text), 256 to 16384
    variants (smaller chunks measured as fast, with less memory and fewer page faults)."""
    return int(max(256, min(16384, 2**21 // max(1, n_samples))))


# --------------------------------------------------------------------------- header / files


@dataclass
class VcfHeader:
    samples: np.ndarray
    contigs: list  # [(name, length or None)]
    n_header_lines: int
    kind: str  # "vcf.gz", "vcf" or "bcf"


def _file_kind(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path) from None
    if magic == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(5)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"not a readable gzip/bgzip file ({e})", path) from None
        if head.startswith(b"BCF"):
            return "bcf"
        return "vcf.gz"
    return "vcf"


def _open_text(path: Path, kind: str):
    # zlib-ng inflates the same gzip/BGZF stream about 3x faster than the standard zlib
    # (0.11 s vs 0.36 s for the 300 MB of the 500-sample benchmark VCF)
    return gzip_ng.open(path, "rb") if kind == "vcf.gz" else open(path, "rb")


def read_header(vcf_path) -> VcfHeader:
    """Sample names and contigs of a VCF/BCF; InputError if it is not a VCF with samples."""
    path = Path(vcf_path)
    kind = _file_kind(path)
    if kind == "bcf":
        import pysam

        try:
            with pysam.VariantFile(str(path)) as vf:
                samples = np.array(list(vf.header.samples), dtype=str)
                contigs = [(c.name, c.length) for c in vf.header.contigs.values()]
                if "GT" not in vf.header.formats:
                    raise InputError("no GT field declared in the header (FORMAT=<ID=GT>)", path)
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read BCF ({e})", path) from None
        if samples.size == 0:
            raise InputError("the VCF has no sample columns", path)
        return VcfHeader(samples, contigs, 0, kind)
    contigs = []
    n = 0
    try:
        with _open_text(path, kind) as fh:
            for raw in fh:
                n += 1
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if n == 1 and not line.startswith("##fileformat=VCF"):
                    raise InputError(
                        "not a VCF: the first line must be '##fileformat=VCFv4.x'", path, 1)
                if line.startswith("##contig="):
                    m = re.search(r"ID=([^,>]+)", line)
                    ln = re.search(r"length=(\d+)", line)
                    if m:
                        contigs.append((m.group(1), int(ln.group(1)) if ln else None))
                elif line.startswith("#CHROM"):
                    cols = line.split("\t")
                    if len(cols) < 10 or cols[8] != "FORMAT":
                        raise InputError("the #CHROM line has no FORMAT and sample columns",
                                         path, n)
                    samples = np.array(cols[9:], dtype=str)
                    if len(set(cols[9:])) != len(cols[9:]):
                        raise InputError("duplicate sample names in the #CHROM line", path, n)
                    return VcfHeader(samples, contigs, n, kind)
                elif not line.startswith("##"):
                    raise InputError("expected a '##' meta line or the '#CHROM' header line",
                                     path, n)
    except (EOFError, zlib.error, zlib_ng.error, gzip.BadGzipFile) as e:
        raise InputError(f"truncated or corrupt gzip data ({e})", path) from None
    raise InputError("no '#CHROM' header line", path)


def parse_region(region: str) -> tuple[str, int | None, int | None]:
    """``chr1`` or ``chr1:1000-2000`` (1-based, inclusive) -> (contig, start, end)."""
    m = re.fullmatch(r"([^:]+)(?::([\d,]+)?-?([\d,]+)?)?", region.strip())
    if not m or not m.group(1):
        raise InputError(f"region '{region}' is not 'contig' or 'contig:start-end'")
    start = int(m.group(2).replace(",", "")) if m.group(2) else None
    end = int(m.group(3).replace(",", "")) if m.group(3) else None
    if start is not None and end is not None and end < start:
        raise InputError(f"region '{region}': end is before start")
    return m.group(1), start, end


# --------------------------------------------------------------------------- raw line blocks


@dataclass
class _Block:
    data: bytes | memoryview | np.ndarray  # whole lines, each ending in '\n'
    first_line: int | None  # 1-based file line number of the first line (None in region mode)
    rows: np.ndarray | None = None  # line offsets of the non-blank lines, when some are blank
    newlines: np.ndarray | None = None  # positions of the '\n's, when the reader found them


def _line_blocks(path: Path, header: VcfHeader, block_lines: int,
                 est_line: int) -> Iterator[_Block]:
    """Blocks of whole lines (about ``block_lines`` lines of ``est_line`` bytes) of the whole
    file after the header, each with its first line number; decompression runs in C without
    the GIL, so other threads parse and multiply meanwhile."""
    try:
        with _open_text(path, header.kind) as fh:
            for _ in range(header.n_header_lines):
                fh.readline()
            line_no = header.n_header_lines + 1
            rest = b""
            read_size = max(4096, block_lines * est_line)
            while True:
                buf = fh.read(read_size)
                if not buf:
                    break
                cut = buf.rfind(b"\n") + 1
                if cut == 0:
                    rest += buf
                    continue
                # join the previous block's partial last line and this block's whole lines
                # with numpy copies and find the newlines (for the parser too) with numpy:
                # both release the GIL, which the parsing threads need (bytes + bytes and
                # bytes.count hold it for milliseconds per block)
                data = np.empty(len(rest) + cut, np.uint8)
                data[:len(rest)] = np.frombuffer(rest, np.uint8)
                data[len(rest):] = np.frombuffer(buf, np.uint8, count=cut)
                rest = buf[cut:]
                newlines = np.flatnonzero(data == 10)  # here, where the cores have time
                yield _Block(data, line_no, newlines=newlines)
                line_no += newlines.size
            if rest.strip():
                yield _Block(rest if rest.endswith(b"\n") else rest + b"\n", line_no)
    except (EOFError, zlib.error, zlib_ng.error, gzip.BadGzipFile, OSError) as e:
        raise InputError(f"truncated or corrupt gzip data ({e})", path) from None


def _prefetch(items: Iterator, depth: int = 3) -> Iterator:
    """Run the iterator ``items`` in a background thread, ``depth`` items ahead."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def producer():
        try:
            for item in items:
                if not put(item):
                    return
            put(done)
        except Exception as e:  # noqa: BLE001 - re-raised in the consuming thread
            put(e)

    t = threading.Thread(target=producer, daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is done:
                break
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                q.get_nowait()
        t.join(timeout=5)


def _round_robin(items: Iterator, work, n_workers: int) -> None:
    """Call ``work(worker, k, item)`` for the k-th item on worker thread ``k % n_workers``
    (a fixed assignment, so each worker's floating-point sums are the same on every run),
    while this thread draws the items. The exception of the earliest failing item is
    raised once the workers have stopped; items after it are not processed."""
    queues = [queue.Queue(maxsize=2) for _ in range(n_workers)]
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


def _region_blocks(path: Path, header: VcfHeader, region: str,
                   block_lines: int) -> Iterator[_Block]:
    import pysam

    contig, start, end = parse_region(region)
    names = [c for c, _ in header.contigs]
    try:
        if header.kind == "bcf":
            handle = pysam.VariantFile(str(path))
            it = handle.fetch(contig, None if start is None else start - 1, end)
            lines = (str(rec) for rec in it)
        else:
            handle = pysam.TabixFile(str(path))
            if contig not in handle.contigs:
                raise InputError(
                    f"unknown region '{region}': contig '{contig}' has no variants in the index"
                    + (f" (contigs: {', '.join(handle.contigs[:10])})" if handle.contigs else ""),
                    path)
            it = handle.fetch(contig, None if start is None else start - 1, end)
            lines = (s + "\n" for s in it)
    except (OSError, ValueError) as e:
        if names and contig not in names:
            raise InputError(f"unknown region '{region}': no contig '{contig}' in the header",
                             path) from None
        raise InputError(f"cannot read region '{region}' ({e}); is the file indexed "
                         f"(tabix -p vcf / bcftools index)?", path) from None
    try:
        batch: list[str] = []
        for s in lines:
            batch.append(s)
            if len(batch) >= block_lines:
                yield _Block("".join(batch).encode(), None)
                batch = []
        if batch:
            yield _Block("".join(batch).encode(), None)
    finally:
        handle.close()


# --------------------------------------------------------------------------- block parser


@dataclass
class GenotypeChunk:
    """Biallelic SNPs of one block: ``gt`` is (n_variants, n_samples) int8 alt-allele count
    (0, 1, 2; -1 missing), as scikit-allel's ``to_n_alt`` but with missing kept."""

    chrom: np.ndarray
    pos: np.ndarray
    vid: np.ndarray | None  # ID, REF, ALT: None when parsed with ids=False
    ref: np.ndarray | None
    alt: np.ndarray | None
    gt: np.ndarray
    n_sites: int = 0
    n_multiallelic: int = 0
    n_other: int = 0


def _where(path, block: _Block, line_idx: int, chrom=None, pos=None) -> tuple:
    if block.first_line is not None:
        offset = int(block.rows[line_idx]) if block.rows is not None else line_idx
        return path, block.first_line + offset
    return f"{path} ({chrom}:{pos})" if chrom is not None else path, None


def _gather(a: np.ndarray, starts: np.ndarray, ends: np.ndarray, sep: int = 10) -> bytes:
    """Concatenate a[starts[k]:ends[k]] with ``sep`` after each, vectorised."""
    lens = ends - starts + 2
    total = int(lens.sum())
    offs = np.cumsum(lens) - lens
    idx = np.arange(total, dtype=np.int64) - np.repeat(offs - starts, lens)
    out = a[np.minimum(idx, a.size - 1)]
    out[offs + lens - 1] = sep
    return out.tobytes()


def parse_block(block: _Block, n_samples: int, path, region=None,
                ids: bool = True) -> GenotypeChunk:
    """Decode CHROM/POS/ID/REF/ALT and GT of every line of a block (see module docstring);
    ``ids=False`` leaves ID, REF and ALT out (None) when no per-variant table needs them."""
    a = np.frombuffer(block.data, np.uint8)
    nl = block.newlines if block.newlines is not None else np.flatnonzero(a == 10)
    starts = np.empty_like(nl)
    starts[0:1] = 0
    starts[1:] = nl[:-1] + 1
    nonempty = nl > starts
    if not nonempty.all():
        nl, starts = nl[nonempty], starts[nonempty]
        block = _Block(block.data, block.first_line, rows=np.flatnonzero(nonempty))
    n_lines = nl.size
    if n_lines == 0:  # blank lines only
        no = np.zeros(0, str)
        return GenotypeChunk(no, np.zeros(0, np.int64), no, no, no,
                             np.zeros((0, n_samples), np.int8))
    W = 4 * n_samples
    gs = nl - W + 1  # start of the genotype block on the fast path
    cand = gs - 5 >= starts
    gi = np.where(cand, gs, 4)
    cand &= ((a[gi - 4] == 9) & (a[gi - 3] == 71) & (a[gi - 2] == 84) & (a[gi - 1] == 9))
    fast = cand
    fast_gt = None
    fast_bad = np.zeros(n_lines, bool)
    if cand.any():
        view = np.lib.stride_tricks.sliding_window_view(a, W)
        blk = view[gs[cand]]  # (k, 4 n) bytes: 'A', sep, 'B', tab per sample
        # one little-endian word per sample; '0'/'1' alleles, '/' or '|', tab (newline last)
        x = blk.view("<u4") & 0xFFFEFFFE
        x[:, -1] ^= 0x03000000  # newline -> tab
        simple = ((x == 0x09302F30) | (x == 0x09307C30)).all(axis=1)
        del x
        fast_gt = (blk[:, 0::4] + blk[:, 2::4] - 96).view(np.int8)  # alt count if simple
        if not simple.all():  # missing or odd alleles: decode those lines by lookup tables
            odd = np.flatnonzero(~simple)
            words = blk[odd].view("<u2")  # (k, 2 n): A|sep<<8, B|tab<<8 per sample
            fast_gt[odd] = _LUT_FINAL[_LUT_A[words[:, 0::2]] + _LUT_B[words[:, 1::2]]]
            fast_bad[np.flatnonzero(cand)[odd]] = (fast_gt[odd] == -2).any(axis=1)
    slow = np.flatnonzero(~fast)
    prefix_end = np.where(fast, gs - 4, 0)
    tabs_slow = None
    if slow.size:
        tabs_slow = _split_slow(a, starts, nl, slow, n_samples, path, block)
        prefix_end[slow] = tabs_slow[:, 7]
    # ---- fixed columns
    chrom, pos, vid, ref, alt, snp, multi = _parse_fixed(a, starts, prefix_end, path, block,
                                                         ids)
    keep_region = np.ones(n_lines, bool)
    if region is not None:
        _, rs, re_ = region
        if rs is not None:
            keep_region &= pos >= rs
        if re_ is not None:
            keep_region &= pos <= re_
    use = keep_region & ~multi & snp
    n_sites = int(keep_region.sum())
    n_multi = int((keep_region & multi).sum())
    n_other = int((keep_region & ~multi & ~snp).sum())
    # ---- genotypes
    redo = np.flatnonzero(fast_bad & use)  # odd lines that only looked fixed-width
    if not slow.size and not redo.size:
        gt = fast_gt
    else:
        gt = np.empty((n_lines, n_samples), np.int8)
        fidx = np.flatnonzero(fast)
        if fidx.size:
            gt[fidx] = fast_gt
        if slow.size:
            gt[slow] = _decode_slow(a, tabs_slow, nl[slow], n_samples)
        if redo.size:
            t = _split_slow(a, starts, nl, redo, n_samples, path, block)
            gt[redo] = _decode_slow(a, t, nl[redo], n_samples)
    bad = (gt == -2) & use[:, None]
    if bad.any():
        li = int(np.flatnonzero(bad.any(axis=1))[0])
        si = int(np.flatnonzero(bad[li])[0])
        raise InputError(
            f"sample {si + 1}: GT is not a diploid genotype of alleles 0/1 at a biallelic site",
            *_where(path, block, li, chrom[li], pos[li]), column="GT")
    if use.all():
        return GenotypeChunk(chrom, pos, vid, ref, alt, gt, n_sites, n_multi, n_other)
    sel = np.flatnonzero(use)
    vid, ref, alt = (None if x is None else x[sel] for x in (vid, ref, alt))
    return GenotypeChunk(chrom[sel], pos[sel], vid, ref, alt, gt[sel], n_sites, n_multi,
                         n_other)


def _field_strings(a: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Byte ranges a[s:e] as a numpy str array, vectorised (padded to the longest field)."""
    lens = e - s
    w = max(1, int(lens.max()) if lens.size else 1)
    k = np.arange(w)
    idx = np.minimum(s[:, None] + k[None, :], a.size - 1)
    out = np.where(k[None, :] < lens[:, None], a[idx], 0).astype(np.uint8)
    raw = np.ascontiguousarray(out).view(f"S{w}").ravel()
    try:
        return raw.astype(str)  # ASCII, in C
    except UnicodeDecodeError:
        return np.char.decode(raw, "utf-8", errors="replace").astype(str)


def _parse_fixed(a, starts, prefix_end, path, block, ids: bool = True):
    """CHROM, POS, ID, REF, ALT (the last three None unless ``ids``), whether each line is a
    SNP (one-base REF and ALT, ALT not '*') and whether it is multi-allelic (a ',' in ALT),
    from the bytes before the FORMAT column: each line's prefix must hold exactly 8
    tab-separated fields."""
    seg = _gather(a, starts, prefix_end - 1, sep=9)  # each prefix + a closing tab
    b = np.frombuffer(seg, np.uint8)
    tabs = np.flatnonzero(b == 9)
    n = starts.size
    lens = prefix_end - starts + 1
    ends = np.cumsum(lens) - 1  # the closing tab of each prefix in ``seg``
    if tabs.size != 8 * n or not np.array_equal(tabs.reshape(n, 8)[:, 7], ends):
        line_of_tab = np.searchsorted(ends, tabs)
        cnt = np.bincount(line_of_tab, minlength=n)
        k = int(np.flatnonzero(cnt != 8)[0])
        raise InputError(f"expected 8 fixed columns CHROM..INFO before FORMAT, found {cnt[k]}",
                         *_where(path, block, k))
    t = tabs.reshape(n, 8)
    f_start = np.empty((n, 5), np.int64)
    f_start[:, 0] = ends - lens + 1
    f_start[:, 1:] = t[:, :4] + 1
    f_end = t[:, :5]
    chrom = _field_strings(b, f_start[:, 0], f_end[:, 0])
    vid = ref = alt = None
    if ids:
        vid = _field_strings(b, f_start[:, 2], f_end[:, 2])
        ref = _field_strings(b, f_start[:, 3], f_end[:, 3])
        alt = _field_strings(b, f_start[:, 4], f_end[:, 4])
    ref_len, alt_len = f_end[:, 3] - f_start[:, 3], f_end[:, 4] - f_start[:, 4]
    snp = (ref_len == 1) & (alt_len == 1) & (b[f_start[:, 4]] != 42)  # '*'
    multi = np.zeros(n, bool)
    commas = np.flatnonzero(b == 44)
    if commas.size:
        line = np.searchsorted(ends, commas)
        in_alt = (commas >= f_start[line, 4]) & (commas < f_end[line, 4])
        multi[line[in_alt]] = True
    # POS: right-aligned digits -> integer
    ps, pe = f_start[:, 1], f_end[:, 1]
    plen = pe - ps
    w = int(plen.max()) if n else 1
    k = np.arange(w)
    idx = np.minimum(pe[:, None] - w + k[None, :], b.size - 1)
    dig = b[idx].astype(np.int64) - 48
    valid = k[None, :] >= (w - plen)[:, None]
    dig = np.where(valid, dig, 0)
    bad = ((dig < 0) | (dig > 9)).any(axis=1) | (plen == 0) | (plen > 18)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"POS '{_field_strings(b, ps[i:i + 1], pe[i:i + 1])[0]}' is not a "
                         "whole number", *_where(path, block, i), column="POS")
    pos = dig @ (10 ** np.arange(w - 1, -1, -1, dtype=np.int64))
    return chrom, pos, vid, ref, alt, snp, multi


def _make_luts():
    """Lookup tables decoding a 'A/B<TAB>' field from its two little-endian 16-bit halves."""
    codes = {48: 0, 49: 1, 46: 8}  # '0', '1', '.'
    lut_a = np.full(65536, 64, np.uint8)
    lut_b = np.full(65536, 64, np.uint8)
    for b, v in codes.items():
        for sep in (47, 124):  # '/', '|'
            lut_a[b | sep << 8] = v
        for term in (9, 10):  # tab, newline
            lut_b[b | term << 8] = v
    final = np.full(256, -2, np.int8)
    final[[0, 1, 2]] = [0, 1, 2]
    final[[8, 9, 16]] = -1
    return lut_a, lut_b, final


_LUT_A, _LUT_B, _LUT_FINAL = _make_luts()


def _decode_pairs(b0: np.ndarray, b2: np.ndarray, single_missing) -> np.ndarray:
    """Allele bytes -> alt count; -1 missing ('.'), -2 invalid (other bytes)."""
    ok0 = (b0 == 48) | (b0 == 49)
    ok2 = (b2 == 48) | (b2 == 49)
    miss = (b0 == 46) | (b2 == 46)
    g = (b0.astype(np.int8) - 48) + (b2.astype(np.int8) - 48)
    g = np.where(ok0 & ok2, g, np.where(miss & (ok0 | (b0 == 46)) & (ok2 | (b2 == 46)), -1, -2))
    if single_missing is not None:
        g = np.where(single_missing, -1, g)
    return g.astype(np.int8)


def _split_slow(a, starts, nl, slow, n_samples, path, block) -> np.ndarray:
    """Tab positions (k, n_samples + 8) of the lines that are not on the fast path."""
    st, en = starts[slow], nl[slow]
    if slow.size * 4 < starts.size:  # few lines: look for tabs in their bytes only
        lens = en - st
        idx = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens - st,
                                                                    lens)
        tabs = idx[a[idx] == 9]
    else:
        tabs = np.flatnonzero(a == 9)
    lo = np.searchsorted(tabs, starts[slow])
    hi = np.searchsorted(tabs, nl[slow])
    cnt = hi - lo
    need = n_samples + 8
    wrong = np.flatnonzero(cnt != need)
    if wrong.size:
        k = int(wrong[0])
        got = int(cnt[k]) + 1
        msg = (f"expected {need + 1} tab-separated columns (8 fixed, FORMAT and "
               f"{n_samples} samples), found {got}")
        if got < 9:
            msg += "; is this a VCF with a FORMAT column?"
        raise InputError(msg, *_where(path, block, int(slow[k])))
    t = tabs[lo[:, None] + np.arange(need)[None, :]]
    f0 = t[:, 7] + 1
    ok = (a[f0] == 71) & (a[f0 + 1] == 84) & np.isin(a[f0 + 2], (9, 58))
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise InputError("FORMAT does not start with GT (no genotype field)",
                         *_where(path, block, int(slow[k])), column="FORMAT")
    return t


def _decode_slow(a, t, line_end, n_samples) -> np.ndarray:
    fs = t[:, 8:] + 1  # first byte of each sample field
    ext = np.concatenate([a, np.full(4, 10, np.uint8)])
    b0, b1, b2, b3 = ext[fs], ext[fs + 1], ext[fs + 2], ext[fs + 3]
    term1 = np.isin(b1, _TERMINATORS)
    single_missing = (b0 == 46) & term1  # '.'
    diploid = np.isin(b1, (47, 124)) & np.isin(b3, _TERMINATORS)
    g = _decode_pairs(b0, b2, single_missing)
    return np.where(diploid | single_missing, g, -2).astype(np.int8)


def _blocks(path: Path, header: VcfHeader, region: str | None, chunk_size: int | None):
    """(raw line blocks, parsed region or None) for the whole file or one region."""
    chunk_size = int(chunk_size or default_chunk_size(header.samples.size))
    if chunk_size < 1:
        raise InputError("chunk size must be at least 1")
    if region is not None:
        return _region_blocks(path, header, region, chunk_size), parse_region(region)
    if header.kind == "bcf":
        return _bcf_all_blocks(path, chunk_size), None
    return _line_blocks(path, header, chunk_size, 4 * header.samples.size + 64), None


def iter_genotype_chunks(vcf_path, region: str | None = None, chunk_size: int | None = None,
                         header: VcfHeader | None = None) -> Iterator[GenotypeChunk]:
    """Stream a VCF/BCF as :class:`GenotypeChunk` s of at most ``chunk_size`` variant lines
    (read and parsed in a background thread, a few chunks ahead)."""
    path = Path(vcf_path)
    header = header or read_header(path)
    blocks, reg = _blocks(path, header, region, chunk_size)
    n = header.samples.size
    yield from _prefetch(parse_block(b, n, path, reg) for b in blocks)


def _bcf_all_blocks(path: Path, block_lines: int) -> Iterator[_Block]:
    import pysam

    with pysam.VariantFile(str(path)) as vf:
        batch = []
        for rec in vf:
            batch.append(str(rec))
            if len(batch) >= block_lines:
                yield _Block("".join(batch).encode(), None)
                batch = []
        if batch:
            yield _Block("".join(batch).encode(), None)


# --------------------------------------------------------------------------- additive stats

_PAIR_FIELDS = ("hethet", "dd", "het_miss", "miss_miss")
_SAMPLE_FIELDS = ("hom_ref", "het", "hom_alt", "missing", "miss_poly", "e_hom", "rare_p")
_VARIANT_FIELDS = ("chrom", "pos", "vid", "ref", "alt", "v_hom_ref", "v_het", "v_hom_alt",
                   "v_missing")


@dataclass(eq=False)
class SnpStats:
    """Sums over variants; ``a + b`` combines two disjoint sets of variants (same samples).

    Per sample (autosomes): ``hom_ref, het, hom_alt, missing``; for ``--het``
    ``miss_poly, e_hom`` over polymorphic variants (a monomorphic variant has no
    heterozygote, so ``het`` counts the polymorphic variants' too).
    ``dd`` holds D'D of common variants plus P'P of the ``n_rare`` variants summed as sparse
    pairs, whose D'D is P'P - p_i - p_j + n_rare with ``rare_p`` = p per sample.
    Per pair (n x n): ``hethet`` (H'H), ``dd`` (D'D), ``het_miss`` (H'M: [i, j] counts
    variants where i is heterozygous and j missing), ``miss_miss`` (M'M).
    GRM (optional): ``grm_num`` (Z Z'), ``grm_diag``, ``grm_miss`` per sample and
    ``grm_miss_miss``. Per variant: identifiers and genotype counts (all contigs).
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
    n_rare: int = 0
    hom_ref: np.ndarray = None
    het: np.ndarray = None
    hom_alt: np.ndarray = None
    missing: np.ndarray = None
    miss_poly: np.ndarray = None
    e_hom: np.ndarray = None
    rare_p: np.ndarray = None
    hethet: np.ndarray = None
    dd: np.ndarray = None
    het_miss: np.ndarray = None
    miss_miss: np.ndarray = None
    grm_num: np.ndarray | None = None
    grm_diag: np.ndarray | None = None
    grm_miss: np.ndarray | None = None
    grm_miss_miss: np.ndarray | None = None
    variants: dict | None = field(default_factory=dict)

    @classmethod
    def empty(cls, samples, grm: bool = True, small_sample: bool = False,
              variants: bool = True) -> SnpStats:
        samples = np.asarray(samples, dtype=str)
        n = samples.size
        s = cls(samples=samples, small_sample=small_sample)
        for f in _SAMPLE_FIELDS:
            setattr(s, f, np.zeros(n, np.float64 if f == "e_hom" else np.int64))
        for f in _PAIR_FIELDS:
            setattr(s, f, np.zeros((n, n), np.int64))
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
        out = SnpStats(samples=self.samples, small_sample=self.small_sample)
        for f in fields(self):
            if f.name in ("samples", "small_sample", "variants"):
                continue
            a, b = getattr(self, f.name), getattr(other, f.name)
            setattr(out, f.name, None if a is None else a + b)
        if self.variants is None or other.variants is None:
            out.variants = None
        else:
            va, vb = self._variant_arrays(), other._variant_arrays()
            out.variants = {f: np.concatenate([va[f], vb[f]]) for f in _VARIANT_FIELDS}
        return out

    def __radd__(self, other):
        if other == 0:  # sum([...])
            return self
        return NotImplemented

    # ------------------------------------------------------------------ accumulate
    def add_chunk(self, ch: GenotypeChunk) -> dict | None:
        """Add one chunk's sums in place (see the module docstring for the products).

        Returns the chunk's per-variant identifiers and genotype counts (None when it holds
        no biallelic SNP); they are also kept here unless ``variants=False``."""
        rec = self._add_sums(ch)
        if rec is not None and self.variants is not None:
            v = self.variants
            if not isinstance(v.get("chrom"), list):
                v = {f: [x] for f, x in self._variant_arrays().items()}
                self.variants = v
            for f in _VARIANT_FIELDS:
                v[f].append(rec[f])
        return rec

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
        is1 = g == 1
        ism = g < 0
        vhet = np.count_nonzero(is1, axis=1)
        vmiss = np.count_nonzero(ism, axis=1)
        ac = g.sum(axis=1, dtype=np.int64) + vmiss  # alt alleles (missing counted -1)
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
            g, is1, ism = g[sel], is1[sel], ism[sel]
            vhet, vhr, vha, vmiss, ac = vhet[sel], vhr[sel], vha[sel], vmiss[sel], ac[sel]
        m = g.shape[0]
        self.n_auto += m
        any_missing = bool(vmiss.any())
        if any_missing:  # (variant, sample) of every missing call
            miss_v, miss_s = np.divmod(np.flatnonzero(ism), n)
            s_miss = np.bincount(miss_s, minlength=n)
        else:
            s_miss = np.zeros(n, np.int64)
        # ---- KING counts (module docstring): H'H, D'D, H'M, M'M
        an = 2 * (vhet + vhr + vha)
        flip = 2 * ac > an  # the alt allele is the minor one
        carriers = vhet + np.where(flip, vhr, vha)  # samples carrying the minor allele
        rare = carriers + vmiss < _RARE_FRACTION * n
        if not rare.all():
            gd = g if not rare.any() else g[~rare]
            h = (gd == 1).astype(np.float32)
            d = np.subtract(1, gd, dtype=np.float32)  # D = 1 - g: +1, 0, -1
            if any_missing:
                d[gd < 0] = 0
            _add_exact(self.hethet, h.T @ h)  # float32 syrk
            _add_exact(self.dd, d.T @ d)
        if rare.any():
            self.n_rare += int(rare.sum())
            self.rare_p += _add_rare_products(self.hethet, self.dd, g[rare], flip[rare])
        s_het = np.count_nonzero(is1, axis=0)
        if any_missing:
            _add_missing_products(self.het_miss, self.miss_miss, g, ism, vmiss, miss_v,
                                  miss_s)
        s_alt = g.sum(axis=0, dtype=np.int64) + s_miss
        s_ha = (s_alt - s_het) // 2
        self.het += s_het
        self.missing += s_miss
        self.hom_alt += s_ha
        self.hom_ref += m - s_miss - s_het - s_ha
        # ---- PLINK 1.9 --het (polymorphic variants, p from all samples)
        poly = (ac > 0) & (ac < an)
        if poly.any():
            p = ac[poly] / an[poly]
            if self.small_sample:
                nei = 1.0 - 2.0 * p * (1.0 - p) * an[poly] / (an[poly] - 1.0)
            else:
                nei = 1.0 - 2.0 * p * (1.0 - p)
            self.n_poly += int(poly.sum())
            called_nei = np.full(n, nei.sum())
            mp = None
            if any_missing:
                nei_all = np.zeros(m)
                nei_all[poly] = nei
                self.miss_poly += np.bincount(miss_s[poly[miss_v]], minlength=n)
                called_nei -= np.bincount(miss_s, weights=nei_all[miss_v], minlength=n)
                if self.has_grm:
                    mp = ism[poly]
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
        """Write as .npz (atomic): every array, plus the scalars, no pickled objects."""
        arrs = {"samples": self.samples.astype(str),
                "scalars": np.array([self.small_sample, self.n_sites, self.n_multiallelic,
                                     self.n_other, self.n_auto, self.n_poly, self.n_grm,
                                     self.has_grm, self.n_biallelic,
                                     self.variants is not None, self.n_rare], np.int64)}
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
            s.n_rare = int(sc[10])
            s.variants = {f: z["v_" + f if not f.startswith("v_") else f]
                          for f in _VARIANT_FIELDS} if sc[9] else None
        except (OSError, KeyError, IndexError, ValueError) as e:
            raise InputError(f"not a leogen SNP statistics file (.npz from 'leogen snp stats'):"
                             f" {e}", path) from None
        return s


@contextlib.contextmanager
def blas_threads(n: int):
    """Limit OpenBLAS (as bundled with numpy) to ``n`` threads inside the block, via ctypes;
    a no-op where the library or its symbols are not found (threadpoolctl does the same)."""
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


_PAIR_BATCH = 2_000_000  # pairs per np.add.at call in _add_pair_sums (bounds memory)


def _add_pair_sums(acc: np.ndarray, row: np.ndarray, col: np.ndarray, val: np.ndarray,
                   n_rows: int) -> None:
    """``acc += A'A`` for a sparse matrix A given by its non-zero entries (``row`` sorted,
    ``col``, ``val``): every ordered pair of entries of a row adds ``val_a * val_b`` at
    ``(col_a, col_b)``. Rows are grouped by their number of entries, rounded up by at most a
    quarter (padding entries have value 0), and each group's pairs are formed at once by
    broadcasting, so the work follows the number of pairs, not n_samples^2 per chunk."""
    n = acc.shape[0]
    flat = acc.reshape(-1)
    cnt = np.bincount(row, minlength=n_rows)
    start = np.cumsum(cnt) - cnt
    sizes = np.unique(cnt[cnt > 0])
    # padded widths: sizes up to 8 as they are, larger ones rounded up to a power of 1.25
    grid = np.ceil(1.25 ** np.ceil(np.log(sizes) / np.log(1.25) - 1e-9)).astype(np.int64)
    widths = np.unique(np.where(sizes <= 8, sizes, np.maximum(grid, sizes)))
    lower = 0
    col_pad = np.append(col, 0)  # index -1 + 1 = the padding slot (value 0)
    val_pad = np.append(val, 0).astype(np.int64)
    for w in widths:
        rows = np.flatnonzero((cnt > lower) & (cnt <= w))
        lower = w
        if rows.size == 0:
            continue
        step = max(1, _PAIR_BATCH // int(w * w))
        for s in range(0, rows.size, step):
            rs = rows[s:s + step]
            k = np.arange(w)
            idx = start[rs][:, None] + k[None, :]
            idx = np.where(k[None, :] < cnt[rs][:, None], idx, col.size)
            c, v = col_pad[idx], val_pad[idx]
            key = (c[:, :, None] * n + c[:, None, :]).ravel()
            np.add.at(flat, key, (v[:, :, None] * v[:, None, :]).ravel())


def _add_rare_products(hh: np.ndarray, dd: np.ndarray, g: np.ndarray,
                       flip: np.ndarray) -> np.ndarray:
    """Add H'H and P'P of variants whose minor allele and missing calls are in few samples,
    as sparse products, where P = 2 Q + H + M (Q: homozygous for the minor allele); return
    p, the column sums of P. D = P - 1 elementwise (up to each variant's sign, which D'D
    ignores), so their D'D = P'P - p_i - p_j + n_variants: that rank-one part is applied once,
    in :func:`king_counts`, not to an n x n matrix per chunk."""
    k, n = g.shape
    p = np.abs(g).view(np.uint8)  # P when alt is the minor allele: 0, 1, 2; missing -1 -> 1
    if flip.any():
        pf = 2 - g[flip]
        pf[pf == 3] = 1  # missing
        p[flip] = pf
    flat = np.flatnonzero(p)
    r, c = np.divmod(flat, n)
    val = p.reshape(-1)[flat]
    _add_pair_sums(dd, r, c, val, k)
    het = g.reshape(-1)[flat] == 1
    _add_pair_sums(hh, r[het], c[het], np.ones(int(het.sum()), np.uint8), k)
    return np.bincount(c, weights=val, minlength=n).astype(np.int64)


def _add_exact(acc: np.ndarray, x: np.ndarray) -> None:
    """``acc += x`` in place for an int64 count matrix and a float32 product of 0/1/-1
    matrices (whole numbers, exact below 2^24: chunks are smaller), without temporaries."""
    np.add(acc, x, out=acc, casting="unsafe")


def _add_missing_products(het_miss: np.ndarray, miss_miss: np.ndarray, g: np.ndarray,
                          ism: np.ndarray, vmiss: np.ndarray, miss_v: np.ndarray,
                          miss_s: np.ndarray) -> None:
    """Add H'M and M'M: BLAS for variants missing in many samples; for the others, pair
    sums of missing calls (M'M) and scipy's sparse x dense product (H'M). ``miss_v, miss_s``
    locate the missing calls."""
    from scipy import sparse

    n = g.shape[1]
    many = vmiss >= _RARE_FRACTION * n
    few = (vmiss > 0) & ~many
    if many.any():
        h = (g[many] == 1).astype(np.float32)
        mf = ism[many].astype(np.float32)
        _add_exact(het_miss, h.T @ mf)
        _add_exact(miss_miss, mf.T @ mf)
    if few.any():
        rows = np.flatnonzero(few)
        keep = few[miss_v]
        rank = np.cumsum(few) - 1  # row of each few-missing variant among them
        _add_pair_sums(miss_miss, rank[miss_v[keep]], miss_s[keep],
                       np.ones(int(keep.sum()), np.uint8), rows.size)
        indptr = np.zeros(rows.size + 1, np.int64)
        np.cumsum(vmiss[rows], out=indptr[1:])
        ms = sparse.csr_matrix((np.ones(int(indptr[-1]), np.float32), miss_s[keep], indptr),
                               shape=(rows.size, n))
        h = (g[rows] == 1).astype(np.float32)
        _add_exact(het_miss, np.asarray(ms.T @ h).T)


# --------------------------------------------------------------------------- drivers


def compute_stats(vcf_path, region: str | None = None, chunk_size: int | None = None,
                  grm: bool = True, small_sample: bool = False, threads: int = 2,
                  variants: bool = True) -> SnpStats:
    """Stream a VCF/BCF (optionally one region) and return its additive :class:`SnpStats`.

    The calling thread decompresses (zlib-ng, in C without the GIL) and hands blocks of lines
    to ``threads`` worker threads in turn; each parses its blocks and adds them to its own
    partial sums with a single-threaded BLAS, and the partials are added at the end (the
    statistics are sums over variants). Chunk k always goes to worker k mod ``threads``, so
    the floating-point sums, and the output, are the same on every run with the same
    settings. ``variants=False`` keeps no per-variant counts (no frequency/HWE tables), so
    memory no longer grows with the number of variants.
    """
    path = Path(vcf_path)
    header = read_header(path)
    n_workers = max(1, int(threads))
    blocks, reg = _blocks(path, header, region, chunk_size)
    parts = [SnpStats.empty(header.samples, grm=grm, small_sample=small_sample,
                            variants=False) for _ in range(n_workers)]
    records: dict[int, dict] = {}
    n = header.samples.size

    def work(w: int, k: int, block: _Block) -> None:
        rec = parts[w].add_chunk(parse_block(block, n, path, reg, ids=variants))
        if variants and rec is not None:
            records[k] = rec

    with blas_threads(1):
        _round_robin(blocks, work, n_workers)
    stats = parts[0]
    for part in parts[1:]:
        stats = stats + part
    if variants:
        stats.variants = {f: [records[k][f] for k in sorted(records)] for f in _VARIANT_FIELDS}
        stats._variant_arrays()
    return stats


def _as_stats(src, region=None, chunk_size=None, grm=False) -> SnpStats:
    if isinstance(src, SnpStats):
        return src
    return compute_stats(src, region=region, chunk_size=chunk_size, grm=grm)


def _frame(cols: dict, as_dict: bool = False):
    """Columns as a DataFrame (pandas imported only here), or as the dict itself."""
    if as_dict:
        return cols
    import pandas as pd

    return pd.DataFrame(cols)


def king_counts(stats: SnpStats) -> dict:
    """Per-pair matrices n_snps, hethet, ibs0, het_i (i's hets where j is called).

    With C = 1 - H - M (homozygous calls), IBS0 = (C'C - D'D) / 2 and
    C'C = m - (h_i + miss_i) - (h_j + miss_j) + H'H + H'M + M'H + M'M."""
    s = stats
    hom_i = s.n_auto - s.het - s.missing  # homozygous calls per sample
    dd = s.dd + s.n_rare - s.rare_p[:, None] - s.rare_p[None, :]
    cc = (hom_i[:, None] + hom_i[None, :] - s.n_auto + s.hethet + s.het_miss + s.het_miss.T
          + s.miss_miss)
    n_snps = s.n_auto - s.missing[:, None] - s.missing[None, :] + s.miss_miss
    ibs0 = (cc - dd) // 2
    het_i = s.het[:, None] - s.het_miss  # [i, j]: i het, j called
    return {"n_snps": n_snps, "hethet": s.hethet, "ibs0": ibs0, "het_i": het_i}


def king_table(vcf_path, region: str | None = None, chunk_size: int | None = None,
               stats: SnpStats | None = None, as_dict: bool = False) -> pd.DataFrame:
    """KING-robust kinship for every pair, as ``plink2 --make-king-table``.

    Columns ``id1, id2, n_snps, hethet, ibs0, kinship``: ``hethet`` and ``ibs0`` are
    proportions of ``n_snps`` (variants called in both), as PLINK 2's HETHET and IBS0 columns;
    kinship by Manichaikul et al. (2010) between-family formula (module docstring). Pairs in
    sample order, ``id1`` before ``id2``; kinship is NaN when either sample has no
    heterozygous call among the shared variants.
    """
    s = stats if stats is not None else _as_stats(vcf_path, region, chunk_size)
    k = king_counts(s)
    i, j = np.triu_indices(s.samples.size, k=1)
    n = k["n_snps"][i, j].astype(np.float64)
    hh = k["hethet"][i, j].astype(np.float64)
    ib = k["ibs0"][i, j].astype(np.float64)
    hi = k["het_i"][i, j].astype(np.float64)
    hj = k["het_i"][j, i].astype(np.float64)
    mn = np.minimum(hi, hj)
    with np.errstate(divide="ignore", invalid="ignore"):
        kin = (2 * hh - 4 * ib - hi - hj + 2 * mn) / (4 * mn)
        kin = np.where(mn > 0, kin, np.nan)
        fr_hh = np.where(n > 0, hh / n, np.nan)
        fr_ib = np.where(n > 0, ib / n, np.nan)
    return _frame({"id1": s.samples[i], "id2": s.samples[j], "n_snps": n.astype(np.int64),
                         "hethet": fr_hh, "ibs0": fr_ib, "kinship": kin}, as_dict)


def het_table(vcf_path, region: str | None = None, chunk_size: int | None = None,
              stats: SnpStats | None = None, as_dict: bool = False) -> pd.DataFrame:
    """Per-sample genotype counts and PLINK 1.9 ``--het`` method-of-moments F.

    Columns ``sample_id, n_hom_ref, n_het, n_hom_alt, n_missing`` (autosomal biallelic SNPs)
    and, over polymorphic variants, ``o_hom`` (= O(HOM)), ``e_hom`` (E(HOM)), ``n_called``
    (N(NM)) and ``f_mom = (o_hom - e_hom) / (n_called - e_hom)`` (PLINK 1.9 ``het_report``).
    """
    s = stats if stats is not None else _as_stats(vcf_path, region, chunk_size)
    n_called = s.n_poly - s.miss_poly
    o_hom = n_called - s.het  # monomorphic variants have no heterozygote
    with np.errstate(divide="ignore", invalid="ignore"):
        e_hom = np.where(n_called > 0, s.e_hom, np.nan)
        f = (o_hom - e_hom) / (n_called - e_hom)
    return _frame({"sample_id": s.samples, "n_hom_ref": s.hom_ref, "n_het": s.het,
                         "n_hom_alt": s.hom_alt, "n_missing": s.missing, "o_hom": o_hom,
                         "e_hom": e_hom, "n_called": n_called, "f_mom": f}, as_dict)


def freq_table(stats: SnpStats, as_dict: bool = False) -> pd.DataFrame:
    """ALT allele frequency per variant over called genotypes (``plink2 --freq``)."""
    v = stats._variant_arrays()
    an = 2 * (v["v_hom_ref"] + v["v_het"] + v["v_hom_alt"])
    ac = v["v_het"] + 2 * v["v_hom_alt"]
    with np.errstate(divide="ignore", invalid="ignore"):
        fr = np.where(an > 0, ac / an, np.nan)
    return _frame({"chrom": v["chrom"], "pos": v["pos"], "id": v["vid"], "ref": v["ref"],
                         "alt": v["alt"], "alt_freq": fr, "n_alleles": an}, as_dict)


def hwe_table(stats: SnpStats, as_dict: bool = False) -> pd.DataFrame:
    """Genotype counts and the Wigginton et al. (2005) exact HWE p per variant
    (``plink2 --hardy``; computed by ``leogen.popgen.hwe.snp_hwe_exact`` on the distinct counts)."""
    from leogen.popgen.hwe import snp_hwe_exact

    v = stats._variant_arrays()
    trip = np.stack([v["v_het"], v["v_hom_ref"], v["v_hom_alt"]], axis=1).astype(np.int64)
    uniq, inv = np.unique(trip, axis=0, return_inverse=True) if len(trip) else (trip, trip)
    p = snp_hwe_exact(uniq[:, 0], uniq[:, 1], uniq[:, 2])[0][np.ravel(inv)] if len(trip) \
        else np.zeros(0)
    n = trip.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (v["v_het"] + 2 * v["v_hom_alt"]) / (2.0 * n)
        o_het = np.where(n > 0, v["v_het"] / n, np.nan)
        e_het = np.where(n > 0, 2 * q * (1 - q), np.nan)
    return _frame({"chrom": v["chrom"], "pos": v["pos"], "id": v["vid"], "ref": v["ref"],
                         "alt": v["alt"], "n_hom_ref": v["v_hom_ref"], "n_het": v["v_het"],
                         "n_hom_alt": v["v_hom_alt"], "n_missing": v["v_missing"],
                         "o_het": o_het, "e_het": e_het, "p_hwe": p}, as_dict)


def grm_matrix(stats: SnpStats) -> np.ndarray:
    """Yang et al. (2011) GRM as GCTA computes it (module docstring); NaN where no variant."""
    s = stats
    if not s.has_grm:
        raise InputError("these SNP statistics were computed without the GRM")
    n_pair = s.n_grm - s.grm_miss[:, None] - s.grm_miss[None, :] + s.grm_miss_miss
    n_self = s.n_grm - s.grm_miss
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(n_pair > 0, s.grm_num / n_pair, np.nan)
        np.fill_diagonal(a, np.where(n_self > 0, 1.0 + s.grm_diag / n_self, np.nan))
    return a


def grm_table(stats: SnpStats, as_dict: bool = False) -> pd.DataFrame:
    """GRM as a long table ``id1, id2, n_snps, grm`` (pairs with id1 <= id2, diagonal first)."""
    s = stats
    a = grm_matrix(s)
    n_pair = s.n_grm - s.grm_miss[:, None] - s.grm_miss[None, :] + s.grm_miss_miss
    np.fill_diagonal(n_pair, s.n_grm - s.grm_miss)
    i, j = np.triu_indices(s.samples.size)
    return _frame({"id1": s.samples[i], "id2": s.samples[j], "n_snps": n_pair[i, j],
                         "grm": a[i, j]}, as_dict)


def summary_table(stats: SnpStats, as_dict: bool = False) -> pd.DataFrame:
    """Counts of sites read and skipped (one row)."""
    s = stats
    return _frame({"n_sites": [s.n_sites], "n_biallelic_snps": [s.n_biallelic],
                         "n_multiallelic_skipped": [s.n_multiallelic],
                         "n_other_skipped": [s.n_other], "n_autosomal_snps": [s.n_auto],
                         "n_polymorphic_autosomal": [s.n_poly], "n_samples": [s.samples.size]}, as_dict)


TABLES = ("king", "het", "freq", "hwe", "grm", "summary")


def write_tsv(df, path) -> None:
    """Write a table (DataFrame or dict of columns) exactly as ``leogen.io.atomic.write_table``
    does (tab-separated, floats ``%.6g``, NaN as ``NA``, atomic), several times faster for
    millions of rows."""
    from leogen.io.atomic import atomic_open

    names = list(df.keys())
    arrays = [np.asarray(df[name]) for name in names]

    def fmt(x):
        if x.dtype.kind == "f":
            out = list(map("%.6g".__mod__, x.tolist()))  # = f"{v:.6g}", faster
            for i in np.flatnonzero(np.isnan(x)).tolist():
                out[i] = "NA"
            return out
        if x.dtype.kind in "iub":
            return list(map(str, x.tolist()))
        if x.dtype.kind == "U":
            return x.tolist()
        return ["NA" if v is None or v != v else str(v) for v in x.tolist()]

    n = len(arrays[0]) if arrays else 0
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join(map(str, names)) + "\n")
        step = 100_000  # format a slice of rows at a time: bounded memory
        for s in range(0, n, step):
            cols = [fmt(x[s:s + step]) for x in arrays]
            fh.write("\n".join(map("\t".join, zip(*cols, strict=True))) + "\n")


def write_outputs(stats: SnpStats, out_dir, tables=TABLES) -> list[Path]:
    """Write ``<table>.tsv`` for each of king, het, freq, hwe, grm (if computed), summary."""
    write_table = write_tsv

    makers = {"king": lambda: king_table(None, stats=stats, as_dict=True),
              "het": lambda: het_table(None, stats=stats, as_dict=True),
              "freq": lambda: freq_table(stats, as_dict=True),
              "hwe": lambda: hwe_table(stats, as_dict=True),
              "grm": lambda: grm_table(stats, as_dict=True),
              "summary": lambda: summary_table(stats, as_dict=True)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in tables:
        if name not in makers:
            raise InputError(f"unknown table '{name}' (choose from {', '.join(TABLES)})")
        if name == "grm" and not stats.has_grm:
            continue
        write_table(makers[name](), out / f"{name}.tsv")
        written.append(out / f"{name}.tsv")
    return written


def list_regions(vcf_path, size: int | None = 10_000_000) -> list[str]:
    """Regions for scattering: each contig (from the index, else the header), cut into
    ``size``-bp windows ``contig:start-end`` when its length is known and ``size`` is set
    (the last window of a contig is open-ended, ``contig:start-``)."""
    path = Path(vcf_path)
    header = read_header(path)
    lengths = dict(header.contigs)
    names = [c for c, _ in header.contigs]
    import pysam

    with contextlib.suppress(OSError, ValueError):
        if header.kind == "bcf":
            with pysam.VariantFile(str(path)) as vf:
                idx = list(vf.index.keys()) if vf.index is not None else []
        else:
            with pysam.TabixFile(str(path)) as tf:
                idx = list(tf.contigs)
        if idx:
            order = {c: k for k, c in enumerate(names)}
            names = sorted(idx, key=lambda c: order.get(c, len(order)))
    if not names:
        raise InputError("no contigs in the header (##contig) or index; index the file with "
                         "'tabix -p vcf'", path)
    out = []
    for c in names:
        ln = lengths.get(c)
        if size and ln:
            starts = list(range(1, ln + 1, size))
            for s in starts[:-1]:
                out.append(f"{c}:{s}-{s + size - 1}")
            out.append(f"{c}:{starts[-1]}-")  # open-ended: nothing lost if the length is short
        else:
            out.append(c)
    return out
