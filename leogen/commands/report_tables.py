"""``leogen report-tables``: interactive (sortable, filterable) HTML pages of stage tables
and the main plot of each stage, for ``snakemake --report``."""

from __future__ import annotations


def register(subparsers) -> None:
    from leogen.report.pages import NETWORK_MIN_PROB

    p = subparsers.add_parser(
        "report-tables", help="sortable, filterable HTML pages of tables and each stage's plot",
        description="Write one self-contained HTML page per table (click a column to sort, "
                    "filter rows by text or by number; the TSV downloadable from the page; no "
                    "network access) and the main plot of every known stage table given "
                    "(diversity per population, error rates per locus, abundance, Ne and "
                    "prevalence by year, SECR density per session, kinship network). Stage "
                    "tables are read through their declarations, so a damaged table is an "
                    "error naming its file, line and column.")
    p.add_argument("tables", nargs="+", metavar="TSV",
                   help="table files, e.g. results/identify/individuals.tsv; the page of "
                        "<folder>/<name>.tsv is <folder>_<name>.html")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="folder of the table pages")
    p.add_argument("--plot-dir", metavar="DIR",
                   help="folder of the plots (default: the --out-dir folder)")
    p.add_argument("--network-min-prob", type=float, default=NETWORK_MIN_PROB, metavar="P",
                   help="least probability of the relationship of a kinship-network edge "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of the kinship-network layout (default: %(default)s)")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys
    import time

    from leogen.report.pages import write_report_pages

    t0 = time.perf_counter()
    written = write_report_pages(args.tables, args.out_dir, plot_dir=args.plot_dir,
                                 network_min_prob=args.network_min_prob, seed=args.seed)
    pages = [p for p in written if p.suffix == ".html"]
    plots = [p for p in written if p.suffix == ".png"]
    print(f"leogen report-tables: read {len(args.tables)} tables; wrote {len(pages)} table "
          f"pages to {args.out_dir} and {len(plots)} plots "
          f"({', '.join(p.name for p in plots) or 'none'}) to {args.plot_dir or args.out_dir} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
