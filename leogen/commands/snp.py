"""``leogen snp``: genome-scale SNP statistics from a VCF/BCF, scattered by region.

    leogen snp regions --vcf F [--size 10000000]          # one region per line, for scattering
    leogen snp stats --vcf F [--region R] --out part.npz  # one scatter job
    leogen snp gather part1.npz ... --out-dir DIR         # sum the parts, write the tables
    leogen snp all --vcf F --out-dir DIR                  # single process
    leogen snp roh --vcf F --out-dir DIR                  # runs of homozygosity, F_ROH
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from leogen.commands._args import (
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
)
from leogen.errors import InputError
from leogen.snp.stats import STATS_TABLES as TABLES


def _add_common(p):
    p.add_argument("--threads", type=positive_int, default=2,
                   help="worker threads that parse blocks of the VCF and add up their "
                        "statistics, while one more decompresses (default 2)")
    p.add_argument("--chunk-size", type=positive_int, default=None,
                   help="variants per chunk (default: about 2 million genotypes per chunk)")
    p.add_argument("--no-grm", action="store_true", help="skip the GRM (faster)")
    p.add_argument("--small-sample", action="store_true",
                   help="E(HOM) with PLINK 1.9's '--het small-sample' correction n/(n-1)")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "snp", help="SNP statistics from a VCF/BCF: KING kinship, F, frequencies, HWE, GRM, ROH",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    sub = p.add_subparsers(dest="snp_command", metavar="SUBCOMMAND")
    sub.required = True

    r = sub.add_parser("regions", help="list regions (contigs or fixed windows) for scattering")
    r.add_argument("--vcf", required=True, metavar="FILE", help="VCF/BCF of the SNP genotypes (bgzipped and indexed for --region)")
    r.add_argument("--size", type=non_negative_int, default=10_000_000,
                   help="window size in bp (0: whole contigs) [%(default)s]")
    r.add_argument("--out", default=None, help="write the list here instead of stdout")
    r.set_defaults(func=_regions)

    s = sub.add_parser("stats", help="additive statistics of one VCF or region (.npz)")
    s.add_argument("--vcf", required=True, metavar="FILE", help="VCF/BCF of the SNP genotypes (bgzipped and indexed for --region)")
    s.add_argument("--region", default=None, help="contig or contig:start-end (needs an index)")
    s.add_argument("--out", required=True, help="output .npz")
    _add_common(s)
    s.set_defaults(func=_stats)

    g = sub.add_parser("gather", help="sum .npz parts and write the tables")
    g.add_argument("parts", nargs="+", metavar="PART",
                   help="the .npz parts written by `leogen snp stats` (one per region)")
    g.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for the tables (king.tsv, het.tsv, ...)")
    g.add_argument("--tables", default=",".join(TABLES),
                   help=f"comma-separated tables to write (default: {','.join(TABLES)})")
    g.set_defaults(func=_gather)

    a = sub.add_parser("all", help="statistics and tables in one process")
    a.add_argument("--vcf", required=True, metavar="FILE", help="VCF/BCF of the SNP genotypes (bgzipped and indexed for --region)")
    a.add_argument("--region", default=None,
                   help="only this contig or contig:start-end (needs an index); default: all")
    a.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for the tables (king.tsv, het.tsv, ...)")
    a.add_argument("--tables", default=",".join(TABLES),
                   help=f"comma-separated tables to write (default: {','.join(TABLES)})")
    _add_common(a)
    a.set_defaults(func=_all)

    h = sub.add_parser("roh", help="runs of homozygosity per chromosome and F_ROH")
    h.add_argument("--vcf", required=True, metavar="FILE", help="VCF/BCF of the SNP genotypes (bgzipped and indexed for --region)")
    h.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for roh.tsv and froh.tsv")
    h.add_argument("--region", default=None,
                   help="only this contig or contig:start-end (needs an index); default: all")
    # the thresholds of PLINK 1.9's --homozyg scanning window (Purcell et al. 2007)
    h.add_argument("--window-snps", type=positive_int, default=50,
                   help="SNPs in the scanning window (PLINK --homozyg-window-snp) "
                        "[%(default)s]")
    h.add_argument("--window-het", type=non_negative_int, default=1,
                   help="heterozygous calls allowed in a window (--homozyg-window-het) "
                        "[%(default)s]")
    h.add_argument("--window-missing", type=non_negative_int, default=5,
                   help="missing calls allowed in a window (--homozyg-window-missing) "
                        "[%(default)s]")
    h.add_argument("--window-threshold", type=probability, default=0.05,
                   help="share of homozygous windows covering a SNP for it to be in a run "
                        "(--homozyg-window-threshold) [%(default)s]")
    h.add_argument("--min-snps", type=positive_int, default=100,
                   help="fewest SNPs in a run (--homozyg-snp) [%(default)s]")
    h.add_argument("--min-kb", type=non_negative_float, default=1000.0,
                   help="shortest run in kb (--homozyg-kb) [%(default)s]")
    h.add_argument("--density-kb", type=positive_float, default=50.0,
                   help="at most one SNP per this many kb on average in a run "
                        "(--homozyg-density) [%(default)s]")
    h.add_argument("--gap-kb", type=positive_float, default=1000.0,
                   help="a gap between SNPs longer than this (kb) splits a run "
                        "(--homozyg-gap) [%(default)s]")
    h.add_argument("--chunk-size", type=positive_int, default=None,
                   help="variants per chunk (default: about 2 million genotypes per chunk)")
    h.set_defaults(func=_roh)


def _tune_malloc() -> None:
    """Keep freed chunk buffers in the heap (glibc): repeated large temporaries then cost no
    page faults (a third less system time). Process-wide, so done here, not in the library."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _check_vcf(path):
    _tune_malloc()
    # the imports are done: later garbage collections need not walk their objects again
    # (numba's typing tables; the full collections while the tables' cells are made took
    # 0.1-0.2 s of a 500-sample run)
    gc.freeze()
    if not Path(path).exists():
        raise InputError("file not found", path)


def _regions(args) -> int:
    from leogen.snp import run

    _check_vcf(args.vcf)
    text = run.regions(args.vcf, args.size, args.out)
    if not args.out:
        sys.stdout.write(text)
    return 0


def _stats(args) -> int:
    from leogen.snp import run

    _check_vcf(args.vcf)
    st = run.stats(args.vcf, args.out, region=args.region, chunk_size=args.chunk_size,
                   grm=not args.no_grm, small_sample=args.small_sample, threads=args.threads)
    print(f"{args.out}: {st.n_biallelic} biallelic SNPs of {st.n_sites} sites "
          f"({st.n_multiallelic} multi-allelic, {st.n_other} other skipped)", file=sys.stderr)
    return 0


def _gather(args) -> int:
    from leogen.snp import run

    run.gather(args.parts, args.out_dir, _tables(args))
    return 0


def _tables(args) -> list[str]:
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    bad = [t for t in tables if t not in TABLES]
    if bad:
        raise InputError(f"--tables: unknown table(s) {', '.join(bad)}; choose from "
                         f"{', '.join(TABLES)}")
    return tables


def _all(args) -> int:
    from leogen.snp import run

    _check_vcf(args.vcf)
    run.all_tables(args.vcf, args.out_dir, _tables(args), region=args.region,
                   chunk_size=args.chunk_size, grm=not args.no_grm,
                   small_sample=args.small_sample, threads=args.threads)
    return 0


def _roh(args) -> int:
    from leogen.snp import run
    from leogen.snp.roh import RohParams

    _check_vcf(args.vcf)
    params = RohParams(window_snps=args.window_snps, window_het=args.window_het,
                       window_missing=args.window_missing,
                       window_threshold=args.window_threshold, min_snps=args.min_snps,
                       min_kb=args.min_kb, density_kb=args.density_kb, gap_kb=args.gap_kb)
    run.roh(args.vcf, args.out_dir, params, region=args.region, chunk_size=args.chunk_size)
    return 0


def main(argv=None) -> int:
    """``python -m leogen.commands.snp ...``: the same subcommands without loading the other
    command modules (faster start-up for scatter jobs)."""
    import argparse

    parser = argparse.ArgumentParser(prog="leogen")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["snp", *(sys.argv[1:] if argv is None else argv)])
    from leogen.io.atomic import write_set

    try:
        with write_set():  # all of the step's outputs, or none of them
            return int(args.func(args) or 0)
    except InputError as e:
        print(f"leogen snp: error: {e.format()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    from leogen.cli import quick_exit

    quick_exit(main())
