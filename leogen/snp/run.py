"""The snp stage end to end: scatter regions, per-region statistics, gather, ROH.

Each function is one step of the workflow (and one ``leogen snp`` subcommand): it reads the
VCF or the statistics parts and writes the stage's outputs.
"""

from __future__ import annotations

from pathlib import Path

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.io.vcfstream import list_regions
from leogen.progress import step
from leogen.snp.stats import STATS_TABLES, SnpStats, compute_stats


def _summarise(st: SnpStats) -> None:
    step(f"SNP statistics: {st.n_sites} sites of {st.samples.size} samples "
         f"({st.n_biallelic} biallelic, {st.n_auto} autosomal, {st.n_poly} polymorphic, "
         f"{st.n_multiallelic} multiallelic)")


def regions(vcf_path, size: int | None = 10_000_000, out=None) -> str:
    """The regions to scatter the SNP work over (:func:`leogen.io.vcfstream.list_regions`),
    one per line; written atomically to ``out`` when given.

    Parameters
    ----------
    vcf_path : str or Path
        The VCF/BCF (its header contigs, or its index).
    size : int, optional
        Length of a region in bp; None or 0 gives one region per contig.
    out : str or Path, optional
        File to write the list to.

    Returns
    -------
    str
        The text of the list (``contig`` or ``contig:start-end`` per line).
    """
    text = "".join(r + "\n" for r in list_regions(vcf_path, size or None))
    if out:
        with atomic_open(out) as fh:
            fh.write(text)
    return text


def stats(vcf_path, out, region: str | None = None, chunk_size: int | None = None,
          grm: bool = True, small_sample: bool = False, threads: int = 2) -> SnpStats:
    """Additive statistics of one VCF or region (:func:`~leogen.snp.stats.compute_stats`),
    saved as ``out`` (.npz, :meth:`~leogen.snp.stats.SnpStats.save`) for :func:`gather`.

    Parameters
    ----------
    vcf_path : str or Path
        The VCF/BCF.
    out : str or Path
        The ``.npz`` to write (atomically).
    region, chunk_size, grm, small_sample, threads :
        As :func:`~leogen.snp.stats.compute_stats` (per-variant counts are always kept).

    Returns
    -------
    SnpStats
        The statistics written.
    """
    st = compute_stats(vcf_path, region=region, chunk_size=chunk_size, grm=grm,
                       small_sample=small_sample, threads=threads)
    _summarise(st)
    st.save(out)
    return st


def gather(parts, out_dir, tables=STATS_TABLES) -> list[Path]:
    """Sum the statistics parts (.npz of :func:`stats`) and write the tables.

    Parameters
    ----------
    parts : iterable of str or Path
        The ``.npz`` files of disjoint regions of one VCF (same samples and options).
    out_dir : str or Path
        Folder for the tables.
    tables : sequence of str
        Names of :data:`~leogen.snp.stats.STATS_TABLES` to write.

    Returns
    -------
    list of Path
        The paths written.

    Raises
    ------
    InputError
        A part is missing, is not a statistics file, is given twice, covers a region
        another part covers too, or does not combine with the others (other samples or
        options; named in the message); no parts; an unknown table name.
    """
    from leogen.snp.tables import write_outputs

    total = None
    seen: dict = {}
    for part in parts:
        if not Path(part).exists():
            raise InputError("file not found", part)
        key = Path(part).resolve()
        if key in seen:
            raise InputError(f"given twice (also as {seen[key]}): its counts would be "
                             "added twice", part)
        seen[key] = part
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

    Parameters
    ----------
    vcf_path : str or Path
        The VCF/BCF.
    out_dir : str or Path
        Folder for the tables.
    tables : sequence of str
        Names of :data:`~leogen.snp.stats.STATS_TABLES` to write.
    region, chunk_size, grm, small_sample, threads :
        As :func:`~leogen.snp.stats.compute_stats`.

    Returns
    -------
    list of Path
        The paths written.

    Raises
    ------
    InputError
        An unreadable VCF or region, or an unknown table name.
    """
    from leogen.snp.tables import write_outputs

    tables = list(tables)
    st = compute_stats(vcf_path, region=region, chunk_size=chunk_size,
                       grm=grm and "grm" in tables, small_sample=small_sample,
                       threads=threads, variants=bool({"freq", "hwe"} & set(tables)))
    _summarise(st)
    return write_outputs(st, out_dir, tables)


def roh(vcf_path, out_dir, params=None, region: str | None = None,
        chunk_size: int | None = None) -> list[Path]:
    """Runs of homozygosity and F_ROH (:func:`leogen.snp.roh.call_roh`; PLINK 1.9
    ``--homozyg``, McQuillan et al. 2008), written as ``roh_segments.tsv`` and ``froh.tsv``
    in ``out_dir``.

    Parameters
    ----------
    vcf_path : str or Path
        The VCF/BCF.
    out_dir : str or Path
        Folder for the two tables (must exist).
    params : RohParams, optional
        Scanning-window and run thresholds (default PLINK's defaults).
    region, chunk_size :
        As :func:`leogen.snp.roh.call_roh`.

    Returns
    -------
    list of Path
        The two paths written.
    """
    from leogen.snp.outputs import FROH, ROH_SEGMENTS
    from leogen.snp.roh import RohParams, roh_columns

    # numpy columns, written without importing pandas (0.1 s of a 500-sample run)
    segments, froh = roh_columns(vcf_path, params=params or RohParams(), region=region,
                                 chunk_size=chunk_size)
    step(f"runs of homozygosity: {len(segments['sample_id'])} runs in "
         f"{len(froh['sample_id'])} samples")
    out = Path(out_dir)
    written = [out / Path(ROH_SEGMENTS.path).name, out / Path(FROH.path).name]
    ROH_SEGMENTS.write(segments, written[0])
    FROH.write(froh, written[1])
    return written
