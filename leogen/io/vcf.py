"""VCF / BCF genotype files (Danecek et al. 2011; VCF 4.2 specification, samtools/hts-specs).

Reading goes through scikit-allel (``allel.read_vcf``: samples, calldata/GT, variants CHROM,
POS, ID, REF, ALT; multi-allelic sites keep every ALT); BCF is decoded with pysam first.
Allele labels of a SNP locus are ``REF, ALT1, ALT2, ...``, so VCF allele indices are the
``Genotypes`` indices. Locus names are the ID column (``CHROM:POS`` when IDs are missing or
repeated); CHROM and POS are kept in ``Genotypes.meta['chrom'|'pos']``.

Microsatellites are written as symbolic alleles: one record per locus with CHROM = ID =
locus name, POS = 1, REF ``N`` and ALT ``<214>,<216>`` (declared in ``##ALT`` header lines).
A file whose records all have REF ``N`` and only ``<size>`` ALT alleles is read back as
microsatellites with integer sizes. Populations travel in ``##SAMPLE=<ID=..,Population="..">``
header lines (VCF 4.2 sec. 1.4.8).

``write_vcf`` builds the records with numpy (no Python loop over samples x variants), writes
plain text (``.vcf``), BGZF (``.vcf.gz``, Biopython ``BgzfWriter``, byte-identical for the
same input) with a tabix index, or BCF (``.bcf``, via pysam, not indexed). Every file is
written to a temporary name and renamed; the index is renamed after its data file.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tempfile
import warnings
import zlib
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.io.atomic import atomic_path
from leogen.io.formats import check_unique_samples, require_clean_names
from leogen.model.genotypes import MISSING, Genotypes

FIELDS = ["samples", "calldata/GT", "variants/CHROM", "variants/POS", "variants/ID",
          "variants/REF", "variants/ALT", "variants/numalt"]
_SYMBOLIC = re.compile(r"<(\d+)>")
_SAMPLE_POP = re.compile(r'^##SAMPLE=<ID=([^,>]+),(?:.*,)?Population=(?:"((?:[^"\\]|\\.)*)"|([^,>]*))')


# ----------------------------------------------------------------------------- read
def _open_text(path: Path) -> bytes | None:
    """The file's bytes when it is BCF (decoded to VCF text by pysam), else None."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    head = b""
    if magic == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(5)
        except (OSError, EOFError) as e:
            raise InputError(f"cannot read as (b)gzipped VCF, the gzip data is truncated or "
                             f"corrupt: {e}", path) from None
    else:
        with open(path, "rb") as fh:
            head = fh.read(5)
    if head.startswith(b"BCF"):
        import pysam

        quiet = pysam.set_verbosity(0)  # no "could not retrieve index" chatter
        try:
            with pysam.VariantFile(str(path)) as vf:
                buf = io.BytesIO()
                buf.write(str(vf.header).encode())
                for rec in vf:
                    buf.write(str(rec).encode())
            return buf.getvalue()
        except (OSError, ValueError) as e:
            raise InputError(f"not a readable BCF file: {e}", path) from None
        finally:
            pysam.set_verbosity(quiet)
    if not head.startswith(b"##fil") and not head.startswith(b"#CHRO"):
        raise InputError("not a VCF file: it should start with '##fileformat=VCF'", path)
    return None


def _stream(path: Path, data: bytes | None):
    if data is not None:
        return io.BytesIO(data)
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _header(path: Path, data: bytes | None) -> tuple[list[str], list[str], int]:
    """(meta lines, sample names, number of columns) from the header."""
    meta = []
    with _stream(path, data) as fh:
        for raw in fh:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if line.startswith("##"):
                meta.append(line)
            elif line.startswith("#CHROM"):
                cols = line.split("\t")
                return meta, cols[9:], len(cols)
            else:
                break
    raise InputError("not a VCF file: no '#CHROM' header line", path)


def _check_columns(path: Path, data: bytes | None, n_cols: int, n_header: int = 0) -> None:
    """Every record must have as many tab-separated fields as the #CHROM line.

    scikit-allel crashes on records with extra fields, so they are found here first, in
    16 MB blocks counted with numpy (no Python loop per record).
    """
    def block_check(block: bytes, line0: int) -> None:
        arr = np.frombuffer(block, dtype=np.uint8)
        nl = np.flatnonzero(arr == 10)
        starts = np.r_[0, nl[:-1] + 1]
        tabs = np.r_[0, np.cumsum(arr == 9)]
        n_fields = tabs[nl + 1] - tabs[starts] + 1
        hashed = arr[np.minimum(starts, arr.size - 1)] == ord("#")
        late = np.flatnonzero(hashed & (line0 + np.arange(nl.size) + 1 > n_header))
        if late.size:
            raise InputError("a '#' header line after the #CHROM line (records must follow "
                             "it)", path, line0 + int(late[0]) + 1)
        is_record = (nl > starts) & ~hashed
        bad = np.flatnonzero(is_record & (n_fields != n_cols))
        if bad.size:
            k = int(bad[0])
            raise InputError(f"has {n_fields[k]} tab-separated fields, but the #CHROM header "
                             f"line has {n_cols}", path, line0 + k + 1)
        try:
            block.decode("utf-8")
        except UnicodeDecodeError as e:
            k = int(np.searchsorted(nl, e.start))
            raise InputError(f"not UTF-8 text (byte {e.start - int(starts[k]) + 1} of the "
                             "line)", path, line0 + k + 1) from None
        # POS (between the first and second tab) must be a whole number >= 1: scikit-allel
        # reports it without the line
        rec = np.flatnonzero(is_record)
        if rec.size and n_cols >= 2:
            tab_at = np.flatnonzero(arr == 9)
            first = tab_at[tabs[starts[rec]]]
            second = tab_at[tabs[starts[rec]] + 1]
            nondigit = np.r_[0, np.cumsum((arr < 48) | (arr > 57))]
            n_bad = nondigit[second] - nondigit[first + 1]
            lead = arr[np.minimum(first + 1, arr.size - 1)]
            wrong = (n_bad > 0) | (second == first + 1) | (lead == 48)
            if wrong.any():
                k = int(rec[np.flatnonzero(wrong)[0]])
                text = bytes(arr[first[wrong][0] + 1:second[wrong][0]]).decode("utf-8",
                                                                               "replace")
                raise InputError(f"POS '{text[:30]}' is not a whole number >= 1", path,
                                 line0 + k + 1, "POS")

    line0, carry = 0, b""
    with _stream(path, data) as fh:
        while True:
            chunk = fh.read(1 << 24)
            if not chunk:
                break
            buf = carry + chunk
            cut = buf.rfind(b"\n")
            if cut < 0:
                carry = buf
                continue
            block, carry = buf[:cut + 1], buf[cut + 1:]
            block_check(block, line0)
            line0 += block.count(b"\n")
    if carry.strip():
        block_check(carry + b"\n", line0)


def _populations(meta: list[str], samples: np.ndarray):
    pops = {}
    for line in meta:
        m = _SAMPLE_POP.match(line)
        if m:
            value = m.group(2) if m.group(2) is not None else m.group(3)
            pops[m.group(1)] = re.sub(r"\\(.)", r"\1", value)
    if not pops:
        return None
    return np.array([pops.get(s, "NA") for s in samples], dtype=object)


def read(path) -> Genotypes:
    """Read a VCF, bgzipped VCF or BCF file into ``Genotypes`` (see the module docstring).

    Parameters
    ----------
    path : str or Path
        ``.vcf``, ``.vcf.gz`` (gzip or BGZF) or ``.bcf``; the kind is found from the bytes.

    Returns
    -------
    Genotypes
        ``calls`` (n_samples, n_variants, 2), -1 missing: VCF allele indices for SNPs
        (labels ``REF, ALT1, ...``), or indices into the sorted sizes for a microsatellite
        file; ``loci`` the IDs (``CHROM:POS`` when missing, ``#2``, ``#3``... on repeats);
        ``meta['chrom']`` (str) and ``meta['pos']`` (int64), (n_variants,); populations from
        ``##SAMPLE`` lines (``NA`` for samples without one), else None. This is the
        transpose of scikit-allel's variants x samples orientation.

    Raises
    ------
    InputError
        The file is missing, empty, a directory, not VCF/BCF, or malformed: a record with
        another number of fields than the ``#CHROM`` line (with its line), a value
        scikit-allel cannot parse, repeated or empty sample names, no GT field, POS < 1, or a
        microsatellite record whose call uses the placeholder REF allele.
    """
    import allel

    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    if path.is_dir():
        raise InputError("is a directory, expected a file", path)
    if path.stat().st_size == 0:
        raise InputError("file is empty", path)
    data = _open_text(path)
    meta, header_samples, n_cols = _header(path, data)
    _check_columns(path, data, n_cols, len(meta) + 1)

    def load(fields, alt_number=1):
        # allele indices above 127 (many microsatellite alleles) need 16-bit calls
        types = {"calldata/GT": "i1" if alt_number < 127 else "i2"}
        try:
            with _stream(path, data) as fh, warnings.catch_warnings():
                # scikit-allel only warns about unparsable values (and reads them as missing)
                warnings.filterwarnings("error", message=r".*(pars|empty)", category=UserWarning)
                warnings.filterwarnings("ignore", message=r".*header not found",
                                        category=UserWarning)
                return allel.read_vcf(fh, fields=fields, alt_number=alt_number, types=types)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            raise InputError(f"gzip data truncated or corrupt ({e})", path) from None
        except Exception as e:  # scikit-allel raises many kinds on malformed input
            # its record index (0-based after the header) gives the line, its field the
            # column; index -1 is before the first record (e.g. a broken #CHROM line)
            m = re.search(r"variant: (-?\d+)", str(e))
            line = len(meta) + 2 + int(m.group(1)) if m and int(m.group(1)) >= 0 else None
            field = re.search(r"field: (\w+)", str(e))
            raise InputError(f"cannot read as VCF: {e} (expected a tab-separated #CHROM header "
                             "line and records)", path, line,
                             field.group(1) if field else None) from None

    # a cheap first pass for the largest number of ALT alleles, then one full read
    first = load(["variants/numalt"])
    top = int(first["variants/numalt"].max()) if first is not None else 1
    d = None if first is None else load(FIELDS, max(top, 1))
    samples = np.asarray(header_samples, dtype=object)
    check_unique_samples(samples.astype(str), np.full(len(samples), len(meta) + 1), path)
    populations = _populations(meta, samples)
    if d is None:  # header only, no records
        return Genotypes(np.zeros((len(samples), 0, 2), np.int32), samples, [], (),
                         populations, {"chrom": np.array([], object), "pos": np.array([], int)})
    if "calldata/GT" not in d:
        raise InputError("has no GT (genotype) field", path)
    gt = np.asarray(d["calldata/GT"]).astype(np.int32)
    chrom = d["variants/CHROM"].astype(str)
    pos = d["variants/POS"].astype(np.int64)
    ids = d["variants/ID"].astype(str)
    ref = d["variants/REF"].astype(str)
    alt = d["variants/ALT"].astype(str)
    if alt.ndim == 1:
        alt = alt[:, None]
    numalt = d["variants/numalt"].astype(int)
    if (pos < 1).any():
        k = int(np.argmin(pos))
        raise InputError(f"record {k + 1} ({chrom[k]}): POS {pos[k]} is not a 1-based position",
                         path)
    n_v = len(chrom)
    over = np.flatnonzero((gt > numalt[:, None, None]).any(axis=(1, 2)))
    if over.size:  # a call such as 0/2 at a site with one ALT allele
        v = int(over[0])
        s_ = int(np.flatnonzero((gt[v] > numalt[v]).any(axis=1))[0])
        raise InputError(f"sample {samples[s_]}: GT uses allele {int(gt[v, s_].max())} but the "
                         f"record has {numalt[v]} ALT allele(s)", path, len(meta) + 2 + v, "GT")
    present = alt != ""
    sym = np.asarray(pd.Series(alt[present]).str.fullmatch(r"<\d+>"), dtype=bool)
    micro = n_v > 0 and bool((ref == "N").all()) and bool(sym.all())
    # locus names: the ID, else CHROM:POS; repeats get '#2', '#3', ...
    loci = np.where(ids != ".", ids, np.char.add(np.char.add(chrom, ":"), pos.astype(str)))
    dup = pd.Series(loci).groupby(loci).cumcount().to_numpy()
    if dup.any():
        loci = np.where(dup > 0, np.char.add(np.char.add(loci, "#"), (dup + 1).astype(str)),
                        loci)
    if micro:
        if (gt == 0).any():
            v, s = np.argwhere((gt == 0).any(axis=2))[0]
            raise InputError(f"sample {samples[s]} at locus {loci[v]} uses the REF allele 'N' "
                             "of a microsatellite record (only <size> alleles are calls)", path)
        calls = np.where(gt > 0, gt - 1, MISSING)
        alleles = []
        for v in range(n_v):  # per microsatellite locus (tens of loci)
            sizes = np.array([int(a[1:-1]) for a in alt[v, :numalt[v]]], dtype=np.int64)
            order = np.argsort(sizes, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(order.size)
            c = calls[v]
            calls[v] = np.where(c >= 0, rank[np.clip(c, 0, None)] if order.size else c, c)
            alleles.append(sizes[order])
    else:
        calls = np.where(gt >= 0, gt, MISSING)
        labels = np.column_stack([ref, alt]).astype(object)
        alleles = [labels[v, :numalt[v] + 1] for v in range(n_v)]
    try:
        return Genotypes(calls.transpose(1, 0, 2), samples, loci, tuple(alleles), populations,
                         {"chrom": chrom, "pos": pos})
    except ValueError as e:
        raise InputError(f"inconsistent VCF records: {e}", path) from None


# ---------------------------------------------------------------------------- write
def _per_locus(value, n: int, name: str):
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(n, arr.item())
    if arr.shape != (n,):
        raise ValueError(f"{name} must have one value per locus ({n}), got shape {arr.shape}")
    return arr


def _quote(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _gt_rows(idx: np.ndarray) -> np.ndarray:
    """Tab-joined GT fields of each variant plus newline, as bytes (n_variants,).

    ``idx`` is (n_variants, n_samples, 2) VCF allele indices, -1 missing. Indices < 10
    (SNPs) are built as one byte matrix; larger ones are joined per record.
    """
    n_v, n_s, _ = idx.shape
    top = int(idx.max()) if idx.size else 0
    if top < 10:  # fixed width: 'a/b' + tab for every call, built as a byte matrix
        u8 = np.empty((n_v, n_s, 4), dtype=np.uint8)
        u8[..., 0] = np.where(idx[..., 0] >= 0, idx[..., 0] + 48, ord("."))
        u8[..., 1] = ord("/")
        u8[..., 2] = np.where(idx[..., 1] >= 0, idx[..., 1] + 48, ord("."))
        u8[..., 3] = ord("\t")
        u8[:, -1, 3] = ord("\n")
        return np.ascontiguousarray(u8).reshape(n_v, n_s * 4).view(f"S{n_s * 4}").ravel()
    lut = np.array(["."] + [str(i) for i in range(top + 1)], dtype=object)
    gt = lut[idx[..., 0] + 1] + "/" + lut[idx[..., 1] + 1]  # (n_v, n_s) of str objects
    # many alleles (microsatellites): one C-level join per record, tens of records
    return np.array([("\t".join(r) + "\n").encode("utf-8") for r in gt.tolist()],
                    dtype=object)


def positions(g: Genotypes, chrom=None, pos=None) -> tuple[np.ndarray, np.ndarray]:
    """CHROM and POS of each locus: the arguments (one per locus, or one value for all),
    else ``g.meta['chrom'|'pos']`` when it has one per locus, else the locus name and 1.

    Parameters
    ----------
    g : Genotypes
        (n_samples, n_loci) genotypes.
    chrom : str or sequence (n_loci,) of str, optional
        Chromosome of each locus, or one for all.
    pos : int or sequence (n_loci,) of int, optional
        1-based position of each locus, or one for all.

    Returns
    -------
    chrom : str array (n_loci,)
    pos : int64 array (n_loci,)

    Raises
    ------
    ValueError
        ``chrom`` or ``pos`` has neither one value nor one per locus.
    InputError
        A position below 1 (no file named).

    Examples
    --------
    >>> g = Genotypes(np.zeros((1, 2, 2), int), ["s1"], ["L1", "L2"], ([214], [180]))
    >>> [x.tolist() for x in positions(g)]
    [['L1', 'L2'], [1, 1]]
    """
    n_l = g.n_loci
    chrom = _per_locus(chrom, n_l, "chrom")
    pos = _per_locus(pos, n_l, "pos")
    meta = g.meta if isinstance(g.meta, dict) else {}
    if chrom is None:
        c = meta.get("chrom")
        chrom = np.asarray(c) if c is not None and len(c) == n_l else g.loci
    if pos is None:
        p = meta.get("pos")
        pos = np.asarray(p) if p is not None and len(p) == n_l else np.ones(n_l, np.int64)
    chrom = np.asarray(chrom).astype(str)
    pos = np.asarray(pos).astype(np.int64)
    if n_l and pos.min() < 1:
        raise InputError(f"VCF positions are 1-based: locus {g.loci[int(np.argmin(pos))]} has "
                         f"position {pos.min()}")
    return chrom, pos


def vcf_text(g: Genotypes, chrom=None, pos=None) -> bytes:
    """The whole VCF 4.2 text (header and records) of ``g`` as bytes; see ``write_vcf``.

    Records are in locus order with ``QUAL``, ``FILTER``, ``INFO`` ``.`` and FORMAT ``GT``
    (unphased ``a/b``, ``./.`` missing); microsatellites become symbolic ``<size>`` ALT
    alleles with REF ``N`` (module docstring).

    Parameters
    ----------
    g : Genotypes
        (n_samples, n_loci, 2) calls; SNP labels (REF first) or microsatellite sizes.
    chrom, pos : optional
        As :func:`positions`.

    Returns
    -------
    bytes
        UTF-8 text, ``\\n`` line ends; the same bytes for the same input.

    Raises
    ------
    InputError
        A sample id, locus name or chromosome with a character VCF does not allow
        (whitespace; ``;`` in IDs; ``,<>`` in CHROM; ``,<>="`` in sample ids written to
        ``##SAMPLE`` lines) or empty, or a position below 1.

    Examples
    --------
    >>> g = Genotypes(np.array([[[0, 1]], [[1, 1]]]), ["s1", "s2"], ["L1"], ([214, 216],))
    >>> print(vcf_text(g).decode().splitlines()[-1])
    L1  1  L1  N  <214>,<216>  .  .  .  GT  1/2  2/2
    """
    n_l = g.n_loci
    chrom, pos = positions(g, chrom, pos)
    require_clean_names(g.samples, "sample id", " \t\n\r", None)
    require_clean_names(g.loci, "locus name (VCF ID)", " \t\n\r;", None)
    require_clean_names(np.unique(chrom), "chromosome (VCF CHROM)", " \t\n\r,<>", None)
    micro = not g.is_snp
    lines = ["##fileformat=VCFv4.2", "##source=leogen"]
    lines += [f"##contig=<ID={c}>" for c in pd.unique(chrom)]
    if micro:
        sizes = (np.unique(np.concatenate([np.asarray(a, dtype=np.int64) for a in g.alleles]))
                 if n_l else np.array([], dtype=np.int64))
        lines.append("##leogen_alleles=microsatellite sizes in bp as symbolic ALT alleles "
                     "<size>; REF N is a placeholder")
        lines += [f'##ALT=<ID={s},Description="Microsatellite allele of {s} bp">' for s in sizes]
        ref = np.full(n_l, "N", dtype=object)
        alt = np.array([",".join(f"<{int(s)}>" for s in a) or "." for a in g.alleles],
                       dtype=object)
        offset = 1
    else:
        ref = np.array([str(a[0]) if len(a) else "N" for a in g.alleles], dtype=object)
        alt = np.array([",".join(str(x) for x in a[1:]) or "." for a in g.alleles], dtype=object)
        offset = 0
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    if g.populations is not None:
        require_clean_names(g.samples, "sample id (##SAMPLE line)", ",<>=\"", None)
        lines += [f"##SAMPLE=<ID={s},Population={_quote(p)}>"
                  for s, p in zip(g.samples, g.populations, strict=True)]
    cols = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if g.n_samples:
        cols += ["FORMAT", *g.samples.astype(str)]
    head = ("\n".join(lines + ["\t".join(cols)]) + "\n").encode("utf-8")
    if n_l == 0:
        return head
    prefix = reduce(lambda x, y: np.char.add(np.char.add(x, "\t"), y),
                    [chrom, pos.astype(str), g.loci.astype(str), ref.astype(str),
                     alt.astype(str)])
    if g.n_samples:
        prefix = np.char.add(prefix, "\t.\t.\t.\tGT\t")
        idx = np.where(g.calls >= 0, g.calls + offset, -1).transpose(1, 0, 2)
        rows = _gt_rows(idx)
        pre = np.char.encode(prefix, "utf-8")
        body = np.char.add(pre, rows) if rows.dtype.kind == "S" else pre.astype(object) + rows
    else:
        body = np.char.encode(np.char.add(prefix, "\t.\t.\t.\n"), "utf-8")
    return head + b"".join(body.tolist())


def _check_sorted(chrom: np.ndarray, pos: np.ndarray, path) -> None:
    if chrom.size == 0:
        return
    change = np.r_[True, chrom[1:] != chrom[:-1]]
    blocks = chrom[change]
    if len(set(blocks.tolist())) != len(blocks):
        again = pd.Series(blocks)[pd.Series(blocks).duplicated()].iloc[0]
        raise InputError(f"records of a chromosome must be contiguous to index the VCF "
                         f"(chromosome {again} appears in two blocks); sort the records "
                         "(bcftools sort) or write an unindexed .vcf", path)
    back = (np.diff(pos) < 0) & ~change[1:]
    if back.any():
        k = int(np.argmax(back)) + 1
        raise InputError(f"positions must be sorted within each chromosome to index the VCF "
                         f"({chrom[k]}:{pos[k]} follows {chrom[k - 1]}:{pos[k - 1]}); sort the "
                         "records (bcftools sort) or write an unindexed .vcf", path)


def write_vcf(genotypes: Genotypes, path, chrom=None, pos=None, index: bool = True) -> Path:
    """Write ``genotypes`` as VCF; a name ending in ``.gz``/``.bgz`` is BGZF with a tabix
    index (``index``), ``.bcf`` is BCF (pysam, not indexed), anything else plain text.

    Records must be sorted by position within contiguous chromosomes to be indexed. Output
    is deterministic for the same input; each file is written under a temporary name and
    renamed (the index after its data). Without ``index``, a stale ``<path>.tbi`` is removed.

    Parameters
    ----------
    genotypes : Genotypes
        (n_samples, n_loci, 2) calls.
    path : str or Path
        The output file.
    chrom, pos : optional
        Chromosome and 1-based position of each locus (one value per locus, or one value
        for all); by default ``meta['chrom'|'pos']`` if it has one per locus, else
        CHROM = locus name and POS = 1 (microsatellites); see :func:`positions`.
    index : bool
        Write ``<path>.tbi`` next to a BGZF file.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    InputError
        As :func:`vcf_text`; for an indexed file also records that are not sorted within
        contiguous chromosomes (naming ``path``).
    """
    g = genotypes
    path = Path(path)
    name = path.name.lower()
    text = vcf_text(g, chrom, pos)
    if name.endswith(".bcf"):
        _write_bcf(text, path)
        return path
    if not name.endswith((".gz", ".bgz")):
        with atomic_path(path) as tmp:
            tmp.write_bytes(text)
        return path
    if not index:
        with atomic_path(path) as tmp:
            _bgzip(text, tmp)
        # an index left from an earlier file would no longer match
        path.with_name(path.name + ".tbi").unlink(missing_ok=True)
        return path
    _check_sorted(*positions(g, chrom, pos), path)
    import pysam

    # data renamed first, then its index (so the index is never older than the data)
    with atomic_path(path.with_name(path.name + ".tbi")) as tmp_index, \
            atomic_path(path) as tmp:
        _bgzip(text, tmp)
        pysam.tabix_index(str(tmp), preset="vcf", force=True, keep_original=True,
                          index=str(tmp_index))
    return path


def _bgzip(data: bytes, path: Path) -> None:
    from Bio.bgzf import BgzfWriter

    with open(path, "wb") as fh:
        writer = BgzfWriter(fileobj=fh)
        writer.write(data)
        writer.close()


def _write_bcf(text: bytes, path: Path) -> None:
    import pysam

    fd, tmp_vcf = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".vcf", dir=path.parent)
    os.close(fd)
    # pysam/htslib add INFO/END to records with symbolic alleles when writing BCF; the key
    # must be declared or the BCF cannot be read back
    end = b'##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the record">\n'
    first = text.index(b"\n") + 1
    try:
        Path(tmp_vcf).write_bytes(text[:first] + end + text[first:])
        with atomic_path(path) as tmp, pysam.VariantFile(tmp_vcf) as vin, \
                pysam.VariantFile(str(tmp), "wb", header=vin.header) as vout:
            for rec in vin:  # records pass through htslib; no Python work per record
                vout.write(rec)
    finally:
        Path(tmp_vcf).unlink(missing_ok=True)


def write(g: Genotypes, path, chrom=None, pos=None, index: bool = True):
    """:func:`write_vcf` under the common writer name used by ``leogen.io.formats``.

    Parameters
    ----------
    g : Genotypes
        (n_samples, n_loci, 2) calls.
    path : str or Path
        The output file (extension picks VCF, BGZF or BCF).
    chrom, pos, index :
        As :func:`write_vcf`.

    Returns
    -------
    Path
        The path written.
    """
    return write_vcf(g, path, chrom=chrom, pos=pos, index=index)
