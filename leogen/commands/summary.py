"""``leogen summary``: the one-page "state of the population" (abundance, Ne, trend,
diversity, seroprevalence per year)."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "summary", help="one-page state of the population: N-hat, Ne, trend, health per year",
        description="Gather the monitoring outputs into one per-year table "
                    "(state_of_population.tsv) and a self-contained page "
                    "(state_of_population.html) with N-hat, Ne and seroprevalence per year "
                    "with their 95% intervals and the abundance trend. Nothing is "
                    "re-estimated; no coordinates are shown.")
    p.add_argument("--abundance", required=True, metavar="TSV", help="monitoring/abundance.tsv")
    p.add_argument("--ne", required=True, metavar="TSV", help="monitoring/ne.tsv")
    p.add_argument("--trend", required=True, metavar="TSV", help="monitoring/trend.tsv")
    p.add_argument("--trend-test", required=True, metavar="TSV",
                   help="monitoring/trend_test.tsv")
    p.add_argument("--diversity-summary", metavar="TSV", help="diversity/summary.tsv")
    p.add_argument("--prevalence", metavar="TSV", help="health/prevalence.tsv")
    p.add_argument("--inbreeding", metavar="TSV",
                   help="inbreeding/individuals.tsv (sMLH; per year with --detection-history)")
    p.add_argument("--detection-history", metavar="TSV",
                   help="monitoring/detection_history.tsv (which animals were seen each year)")
    p.add_argument("--genotypes", metavar="FILE",
                   help="identify/individual_genotypes.tsv: Ho, He and allelic richness (rarefied "
                   "to a common size) of each year's animals, with SEs (needs "
                   "--detection-history)")
    p.add_argument("--scr-estimates", metavar="TSV",
                   help="scr/estimates.tsv: with it N-hat is the spatial capture-recapture "
                   "estimate (and the page says so); without it the non-spatial models'")
    p.add_argument("--scr-trend", metavar="TSV", help="scr/trend.tsv: the density trend")
    p.add_argument("--survival", metavar="TSV",
                   help="monitoring/survival.tsv: apparent survival (best constant-phi model)")
    p.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for state_of_population.tsv and .html")
    p.set_defaults(func=run)


def run(args) -> int:
    from leogen.report.summary import run

    run(args.abundance, args.ne, args.trend, args.trend_test, args.diversity_summary,
        args.prevalence, args.inbreeding, args.detection_history, args.genotypes,
        out_dir=args.out_dir, scr_estimates=args.scr_estimates, scr_trend=args.scr_trend,
        survival=args.survival)
    return 0
