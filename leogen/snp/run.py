"""The snp stage end to end: scatter regions, per-region statistics, gather, ROH.

Each function is one step of the workflow (and one ``leogen snp`` subcommand): it reads the
VCF or the statistics parts and writes the stage's outputs.
"""

from __future__ import annotations

from pathlib import Path

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.io.vcfstream import list_regions
from leogen.snp.stats import STATS_TABLES, SnpStats, compute_stats


def regions(vcf_path, size: int | None = 10_000_000, out=None) -> str:
    """The regions to scatter the SNP work over (:func:`leogen.io.vcfstream.list_regions`),
    one per line; written atomically to ``out`` when given.

    Returns
    -------
    The text of the list.
    """
    text = "".join(r + "\n" for r in list_regions(vcf_path, size or None))
    if out:
        with atomic_open(out) as fh:
            fh.write(text)
    return text


def stats(vcf_path, out, region: str | None = None, chunk_size: int | None = None,
          grm: bool = True, small_sample: bool = False, threads: int = 2) -> SnpStats:
    """Additive statistics of one VCF or region (:func:`~leogen.snp.stats.compute_stats`),
    saved as ``out`` (.npz) for :func:`gather`."""
    st = compute_stats(vcf_path, region=region, chunk_size=chunk_size, grm=grm,
                       small_sample=small_sample, threads=threads)
    st.save(out)
    return st


def gather(parts, out_dir, tables=STATS_TABLES) -> list[Path]:
    """Sum the statistics parts (.npz of :func:`stats`) and write the tables.

    Returns
    -------
    The paths written.
    """
    from leogen.snp.tables import write_outputs

    total = None
    for part in parts:
        if not Path(part).exists():
            raise InputError("file not found", part)
        st = SnpStats.load(part)
        try:
            total = st if total is None else total + st
        except InputError as e:
            raise InputError(e.message, part) from None
    if total is None:
        raise InputError("no statistics parts to gather")
    return write_outputs(total, out_dir, tables)


def all_tables(vcf_path, out_dir, tables=STATS_TABLES, region: str | None = None,
               chunk_size: int | None = None, grm: bool = True, small_sample: bool = False,
               threads: int = 2) -> list[Path]:
    """Statistics and tables in one process: only what the requested tables need is
    computed (the GRM when ``grm`` and asked for, per-variant counts for freq/hwe).

    Returns
    -------
    The paths written.
    """
    from leogen.snp.tables import write_outputs

    tables = list(tables)
    st = compute_stats(vcf_path, region=region, chunk_size=chunk_size,
                       grm=grm and "grm" in tables, small_sample=small_sample,
                       threads=threads, variants=bool({"freq", "hwe"} & set(tables)))
    return write_outputs(st, out_dir, tables)


def roh(vcf_path, out_dir, params=None, region: str | None = None,
        chunk_size: int | None = None) -> list[Path]:
    """Runs of homozygosity and F_ROH (:func:`leogen.snp.roh.call_roh`), written as
    ``roh_segments.tsv`` and ``froh.tsv`` in ``out_dir``.

    Returns
    -------
    The paths written.
    """
    from leogen.snp.outputs import FROH, ROH_SEGMENTS
    from leogen.snp.roh import RohParams, call_roh

    segments, froh = call_roh(vcf_path, params=params or RohParams(), region=region,
                              chunk_size=chunk_size)
    out = Path(out_dir)
    written = [out / Path(ROH_SEGMENTS.path).name, out / Path(FROH.path).name]
    ROH_SEGMENTS.write(segments, written[0])
    FROH.write(froh, written[1])
    return written
