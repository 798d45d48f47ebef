"""Checks that a VCF can be read by region through its index: bgzip (not plain gzip)
compression, an index that exists, is not older than the VCF and belongs to it.

A plain-gzip VCF, a stale index or another file's index make htslib fail deep inside region
reading (or, worse, read the wrong bytes); these checks turn each case into one message
naming the file and the fix.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from leogen.errors import InputError

#: contigs whose first record is fetched through the index (all of them for most genomes)
MAX_CONTIGS_PROBED = 200
#: an index written in the same second as its file (copies, checkouts) is not stale
STALE_TOLERANCE_S = 2.0


def is_bgzf(path: str | Path) -> bool:
    """Whether a gzip file is BGZF (blocked gzip, as written by bgzip): its first member has
    the ``BC`` extra subfield (SAM/BAM specification, section 4.1).

    Parameters
    ----------
    path : str or Path
        The gzip file.

    Returns
    -------
    bool

    >>> import gzip, tempfile, os
    >>> with tempfile.NamedTemporaryFile(suffix=".gz", delete=False) as fh:
    ...     _ = fh.write(gzip.compress(b"x"))
    >>> is_bgzf(fh.name)
    False
    >>> os.unlink(fh.name)
    """
    with open(path, "rb") as fh:
        head = fh.read(18)
    return (len(head) >= 18 and head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC")


def index_of(path: str | Path) -> Path | None:
    """The ``.tbi`` or ``.csi`` index beside a VCF/BCF, or None.

    Parameters
    ----------
    path : str or Path
        The VCF/BCF file.

    Returns
    -------
    Path or None
    """
    for suffix in (".tbi", ".csi"):
        idx = Path(f"{path}{suffix}")
        if idx.exists():
            return idx
    return None


def check_indexed_vcf(path: str | Path, kind: str, contigs: list[str]) -> list[InputError]:
    """Problems that stop a VCF/BCF from being read region by region.

    Parameters
    ----------
    path : the VCF (``kind`` 'vcf.gz' or 'vcf') or BCF ('bcf'), as :func:`leogen.io.vcfstream.
        read_header` classifies it.
    kind : the file kind.
    contigs : contig names of the header's ``##contig`` lines (may be empty).

    Returns
    -------
    list of InputError (empty when the file can be read by region).
    """
    path = Path(path)
    if kind == "vcf":
        return [InputError("is not compressed: region reading needs a bgzipped, indexed VCF "
                           "(bgzip FILE; tabix -p vcf FILE.gz)", path)]
    if kind == "vcf.gz" and not is_bgzf(path):
        return [InputError("is compressed with plain gzip, not bgzip, so it cannot be indexed: "
                           "recompress it (zcat FILE | bgzip > NEW.vcf.gz) and index it "
                           "(tabix -p vcf NEW.vcf.gz)", path)]
    idx = index_of(path)
    if idx is None:
        return [InputError("has no index (.tbi or .csi): index it with tabix -p vcf "
                           "(bcftools index for BCF)", path)]
    if idx.stat().st_mtime < path.stat().st_mtime - STALE_TOLERANCE_S:
        return [InputError(f"its index {idx.name} is older than the file (the file changed "
                           "after indexing): re-index it (tabix -f -p vcf, or bcftools index "
                           "-f)", path)]
    return _probe(path, idx, kind, set(contigs))


def _probe(path: Path, idx: Path, kind: str, header_contigs: set[str]) -> list[InputError]:
    """Fetch the first record of each indexed contig: another file's index points to the
    wrong offsets (read errors, or records of another contig)."""
    import pysam

    foreign = (f"its index {idx.name} does not belong to it (the offsets it holds do not "
               "point to this file's records): re-index it (tabix -f -p vcf, or bcftools "
               "index -f)")
    verbosity = pysam.set_verbosity(0)  # htslib's own messages would duplicate ours
    try:
        handle = (pysam.VariantFile(str(path), index_filename=str(idx)) if kind == "bcf"
                  else pysam.TabixFile(str(path), index=str(idx)))
        with contextlib.closing(handle):
            names = (list(handle.index.keys()) if kind == "bcf" else list(handle.contigs))
            unknown = sorted(set(names) - header_contigs) if header_contigs else []
            if unknown:
                return [InputError(f"{foreign}; it lists contig(s) the header does not "
                                   f"declare: {', '.join(unknown[:5])}", path)]
            for contig in names[:MAX_CONTIGS_PROBED]:
                rec = next(iter(handle.fetch(contig)), None)
                if rec is None:
                    continue
                chrom = rec.chrom if kind == "bcf" else rec.split("\t", 1)[0]
                if chrom != contig:
                    return [InputError(f"{foreign}; fetching contig '{contig}' gave a record "
                                       f"of '{chrom[:40]}'", path)]
    except (OSError, ValueError, NotImplementedError, StopIteration) as e:
        return [InputError(f"{foreign} ({e})", path)]
    finally:
        pysam.set_verbosity(verbosity)
    return []
