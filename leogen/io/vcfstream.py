"""Streaming VCF/BCF reader: blocks of whole lines, decoded to alt-allele counts.

The reader reads a (bgzipped) VCF in blocks of whole lines and decodes only the ``GT`` field
on the raw bytes:

* fast path: lines whose FORMAT is exactly ``GT`` and whose genotypes are all 3 characters
  (``0/1``, ``1|0``, ``./.``): the genotype block is the last ``4 * n_samples`` bytes of the
  line, so it is decoded at a fixed stride without splitting, by a compiled loop
  (:func:`decode_fixed_gt`, numba, one branch-free pass per line);
* tab path: any other line (``GT:AD:DP...``, a lone ``.`` for missing) is split on tabs,
  vectorised with numpy over the block, and the ``GT`` sub-field (first, as the VCF spec
  requires) is read.

Decompression (zlib-ng) runs in C without the GIL, so the thread that draws the blocks of
:func:`line_blocks` overlaps with threads that parse them (:func:`parse_block`). Regions
(``chr1`` or ``chr1:1-10000000``) are read through the tabix or CSI index with pysam; BCF
files through ``pysam.VariantFile``. Only variants whose POS lies in the region are kept, so
adjacent regions never count a variant twice.

Only biallelic SNPs are returned; multi-allelic sites and other variants (indels, symbolic
alleles) are skipped and counted. :func:`is_autosome` says which contigs are autosomes
(contigs other than X, Y, XY, W, Z, M/MT with or without a ``chr`` prefix).

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit
from zlib_ng import gzip_ng, zlib_ng

from leogen.errors import InputError

_NON_AUTOSOMES = {"X", "Y", "XY", "W", "Z", "M", "MT"}
_TERMINATORS = (9, 10, 13, 58)  # tab, newline, CR, ':'


def is_autosome(chrom: str) -> bool:
    """True unless the contig is a sex chromosome or mitochondrial (X, Y, XY, W, Z, M, MT),
    with or without a ``chr`` prefix (any case), as PLINK treats them.

    Parameters
    ----------
    chrom : str
        A contig name.

    Returns
    -------
    bool

    Examples
    --------
    >>> [is_autosome(c) for c in ("chr1", "7", "chrX", "MT", "scaffold_12")]
    [True, True, False, False, True]
    """
    c = str(chrom)
    if c[:3].lower() == "chr":
        c = c[3:]
    return c.upper() not in _NON_AUTOSOMES


def default_chunk_size(n_samples: int) -> int:
    """Variants per chunk: about 1 million genotypes (4 MB of VCF text), 256 to 16384
    variants. The pair kernel packs several chunks before it runs, so smaller chunks cost no
    speed (measured at 2000 samples: the same CPU time as 2 million genotypes) and hold less
    text in flight.

    Parameters
    ----------
    n_samples : int
        Samples (genotypes per variant).

    Returns
    -------
    int
        ``clip(2**20 // n_samples, 256, 16384)``.

    Examples
    --------
    >>> default_chunk_size(10), default_chunk_size(500), default_chunk_size(100_000)
    (16384, 2097, 256)
    """
    return int(max(256, min(16384, 2**20 // max(1, n_samples))))


# --------------------------------------------------------------------------- header / files


@dataclass
class VcfHeader:
    """What the reader needs from a VCF/BCF header."""

    samples: np.ndarray  # (n_samples,) str, in column order
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
    """Sample names and contigs of a VCF/BCF.

    Parameters
    ----------
    vcf_path : a VCF (plain or bgzipped) or BCF file.

    Returns
    -------
    VcfHeader with the samples (n_samples,), the ``##contig`` lines as (name, length or
    None), the number of header lines and the file kind. Raises InputError (naming the
    line) when the file is not a VCF with a FORMAT column and samples.
    """
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
    """``chr1`` or ``chr1:1000-2000`` (1-based, inclusive) -> (contig, start, end).

    Thousands separators are accepted; an open end (``chr3:5-``, or ``chr3:5`` as in
    samtools: position 5 to the end) or start (``chr3:-9``) is None.

    Parameters
    ----------
    region : str
        ``contig``, ``contig:start-end``, ``contig:start-`` or ``contig:-end``.

    Returns
    -------
    (str, int or None, int or None)
        Contig, 1-based inclusive start and end (None when not given).

    Raises
    ------
    InputError
        Not of that form, or the end before the start (no file named).

    Examples
    --------
    >>> parse_region("chr1"), parse_region("chr2:1,001-2000"), parse_region("chr3:5-")
    (('chr1', None, None), ('chr2', 1001, 2000), ('chr3', 5, None))
    """
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
class LineBlock:
    """Whole lines of VCF text after the header, as read: the unit handed to the parser."""

    data: bytes | memoryview | np.ndarray  # whole lines, each ending in '\n'
    first_line: int | None  # 1-based file line number of the first line (None in region mode)
    rows: np.ndarray | None = None  # line offsets of the non-blank lines, when some are blank
    newlines: np.ndarray | None = None  # positions of the '\n's, when the reader found them


def _file_blocks(path: Path, header: VcfHeader, block_lines: int,
                 est_line: int) -> Iterator[LineBlock]:
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
                yield LineBlock(data, line_no, newlines=newlines)
                line_no += newlines.size
            if rest.strip():
                yield LineBlock(rest if rest.endswith(b"\n") else rest + b"\n", line_no)
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



def _region_blocks(path: Path, header: VcfHeader, region: str,
                   block_lines: int) -> Iterator[LineBlock]:
    import pysam

    from leogen.io.vcfindex import check_indexed_vcf

    contig, start, end = parse_region(region)
    names = [c for c, _ in header.contigs]
    # a plain-gzip file, a missing, stale or foreign index: one message, not htslib's errors
    # (or, with another file's index, records of the wrong place read silently)
    problems = check_indexed_vcf(path, header.kind, names)
    if problems:
        raise problems[0]
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
                yield LineBlock("".join(batch).encode(), None)
                batch = []
        if batch:
            yield LineBlock("".join(batch).encode(), None)
    finally:
        handle.close()


# --------------------------------------------------------------------------- block parser


@dataclass
class GenotypeChunk:
    """Biallelic SNPs of one block: ``gt`` is (n_variants, n_samples) int8 alt-allele count
    (0, 1, 2; -1 missing), as scikit-allel's ``to_n_alt`` but with missing kept; ``chrom``,
    ``pos`` (and ``vid``, ``ref``, ``alt``) are (n_variants,). ``n_sites`` counts the block's
    sites in the region, ``n_multiallelic`` and ``n_other`` those skipped; ``lines`` is each
    variant's 1-based line in the file when known (whole-file reading; None by region)."""

    chrom: np.ndarray
    pos: np.ndarray
    vid: np.ndarray | None  # ID, REF, ALT: None when parsed with ids=False
    ref: np.ndarray | None
    alt: np.ndarray | None
    gt: np.ndarray
    n_sites: int = 0
    n_multiallelic: int = 0
    n_other: int = 0
    lines: np.ndarray | None = None  # (n_variants,) 1-based file line numbers (whole-file mode)


def _where(path, block: LineBlock, line_idx: int, chrom=None, pos=None) -> tuple:
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


def parse_block(block: LineBlock, n_samples: int, path, region=None,
                ids: bool = True) -> GenotypeChunk:
    """Decode CHROM/POS/ID/REF/ALT and GT of every line of a block (see module docstring).

    Parameters
    ----------
    block : whole VCF lines (from :func:`line_blocks`).
    n_samples : sample columns of the file.
    path : the file, for error messages.
    region : ``(contig, start, end)`` of :func:`parse_region`: only variants whose POS lies
        in it are kept (None: all).
    ids : also decode ID, REF and ALT (None otherwise, when no per-variant table needs them).

    Returns
    -------
    GenotypeChunk of the block's biallelic SNPs. A line that is not a valid VCF record, or a
    GT that is not a diploid 0/1 genotype at a biallelic SNP, raises InputError naming the
    file, line and column.
    """
    a = np.frombuffer(block.data, np.uint8)
    nl = block.newlines if block.newlines is not None else np.flatnonzero(a == 10)
    starts = np.empty_like(nl)
    starts[0:1] = 0
    starts[1:] = nl[:-1] + 1
    nonempty = nl > starts
    if not nonempty.all():
        nl, starts = nl[nonempty], starts[nonempty]
        block = LineBlock(block.data, block.first_line, rows=np.flatnonzero(nonempty))
    n_lines = nl.size
    if n_lines == 0:  # blank lines only
        no = np.zeros(0, str)
        return GenotypeChunk(no, np.zeros(0, np.int64), no, no, no,
                             np.zeros((0, n_samples), np.int8))
    W = 4 * n_samples
    gs = nl - W + 1  # start of the genotype block on the fast path
    cand = gs - 5 >= starts
    if cand.any():  # (a block of a few bytes has no candidate, and no byte 4 to look at)
        gi = np.where(cand, gs, 4)
        cand &= ((a[gi - 4] == 9) & (a[gi - 3] == 71) & (a[gi - 2] == 84) & (a[gi - 1] == 9))
    fast = cand
    fast_gt = None
    fast_bad = np.zeros(n_lines, bool)
    if cand.any():
        ci = np.flatnonzero(cand)
        fast_gt = np.empty((ci.size, n_samples), np.int8)
        fast_bad[ci] = decode_fixed_gt(a, gs[ci].astype(np.int64), n_samples, fast_gt)
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
    line_no = None
    if block.first_line is not None:
        line_no = block.first_line + (block.rows if block.rows is not None
                                      else np.arange(n_lines))
    if use.all():
        return GenotypeChunk(chrom, pos, vid, ref, alt, gt, n_sites, n_multi, n_other,
                             line_no)
    sel = np.flatnonzero(use)
    vid, ref, alt = (None if x is None else x[sel] for x in (vid, ref, alt))
    return GenotypeChunk(chrom[sel], pos[sel], vid, ref, alt, gt[sel], n_sites, n_multi,
                         n_other, None if line_no is None else line_no[sel])


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


@njit(cache=True, nogil=True)
def decode_fixed_gt(a, gs, n, out):
    """Alt-allele counts of fixed-width diploid ``GT`` fields (``A/B`` or ``A|B`` then a tab,
    the last field a newline), line by line.

    Parameters
    ----------
    a : uint8 (n_bytes,)
        The block's bytes.
    gs : int64 (k,)
        Offset of each line's first genotype field (its genotypes are the ``4 n`` bytes from
        there).
    n : int
        Samples.
    out : int8 (k, n)
        Written: 0, 1, 2 alt alleles; -1 missing (``.`` in either allele: ``./.``, ``./1``);
        -2 not a diploid 0/1 genotype of this width.

    Returns
    -------
    bool (k,)
        True for lines with a -2 (to be decoded by splitting on tabs instead).
    """
    k = gs.size
    bad = np.zeros(k, np.bool_)
    for r in range(k):
        p = gs[r]
        n_bad = 0
        for s in range(n):  # branch-free: one vectorised pass over the line
            b0 = a[p + 4 * s]
            b1 = a[p + 4 * s + 1]
            b2 = a[p + 4 * s + 2]
            b3 = a[p + 4 * s + 3]
            d0 = b0 == 46
            d2 = b2 == 46
            ok = ((((b0 | 1) == 49) | d0) & (((b2 | 1) == 49) | d2)
                  & ((b1 == 47) | (b1 == 124)) & ((b3 == 9) | (b3 == 10)))
            g = np.int8(b0 + b2 - 96)
            g = np.int8(-1) if d0 | d2 else g
            out[r, s] = g if ok else np.int8(-2)
            n_bad += not ok
        bad[r] = n_bad > 0
    return bad


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


def line_blocks(path: Path, header: VcfHeader, region: str | None, chunk_size: int | None):
    """Blocks of about ``chunk_size`` whole lines of the whole file or of one region.

    Parameters
    ----------
    path : the VCF/BCF; region reading needs its tabix/CSI index.
    header : its :func:`read_header`.
    region : ``contig`` or ``contig:start-end`` (None: the whole file).
    chunk_size : lines per block (default :func:`default_chunk_size`).

    Returns
    -------
    (iterator of LineBlock, the parsed region for :func:`parse_block` or None)
    """
    chunk_size = int(chunk_size or default_chunk_size(header.samples.size))
    if chunk_size < 1:
        raise InputError("chunk size must be at least 1")
    if region is not None:
        return _region_blocks(path, header, region, chunk_size), parse_region(region)
    if header.kind == "bcf":
        return _bcf_all_blocks(path, chunk_size), None
    return _file_blocks(path, header, chunk_size, 4 * header.samples.size + 64), None


def iter_genotype_chunks(vcf_path, region: str | None = None, chunk_size: int | None = None,
                         header: VcfHeader | None = None) -> Iterator[GenotypeChunk]:
    """Stream a VCF/BCF as :class:`GenotypeChunk` s of at most ``chunk_size`` variant lines
    (read and parsed in a background thread, a few chunks ahead).

    Parameters
    ----------
    vcf_path : the VCF/BCF.
    region : only this region (``contig`` or ``contig:start-end``; needs the index).
    chunk_size : variant lines per chunk (default :func:`default_chunk_size`).
    header : its :func:`read_header`, when already read.

    Yields
    ------
    GenotypeChunk with ``gt`` (n_variants, n_samples), in file order.
    """
    path = Path(vcf_path)
    header = header or read_header(path)
    blocks, reg = line_blocks(path, header, region, chunk_size)
    n = header.samples.size
    yield from _prefetch(_parse_in_order(blocks, lambda b: parse_block(b, n, path, reg)))


def _parse_in_order(blocks: Iterator[LineBlock], parse, workers: int = 2,
                    depth: int = 4) -> Iterator[GenotypeChunk]:
    """``parse`` each block on ``workers`` threads (the parser releases the GIL), at most
    ``depth`` blocks ahead, and yield the chunks in file order (the first error first)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pending: deque = deque()
    with ThreadPoolExecutor(workers) as pool:
        try:
            for b in blocks:
                pending.append(pool.submit(parse, b))
                if len(pending) >= depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


def _bcf_all_blocks(path: Path, block_lines: int) -> Iterator[LineBlock]:
    import pysam

    with pysam.VariantFile(str(path)) as vf:
        batch = []
        for rec in vf:
            batch.append(str(rec))
            if len(batch) >= block_lines:
                yield LineBlock("".join(batch).encode(), None)
                batch = []
        if batch:
            yield LineBlock("".join(batch).encode(), None)


def list_regions(vcf_path, size: int | None = 10_000_000) -> list[str]:
    """Regions for scattering: each contig (from the index, else the header), cut into
    ``size``-bp windows ``contig:start-end`` when its length is known and ``size`` is set
    (the last window of a contig is open-ended, ``contig:start-``).

    Parameters
    ----------
    vcf_path : the VCF/BCF.
    size : window length in bp; None or 0 for whole contigs.

    Returns
    -------
    The regions, in contig order of the header; together they cover every variant once.
    """
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
