"""``leogen abundance``: detection histories, closed-population abundance per year, trend."""

from __future__ import annotations

from leogen.commands._args import non_negative_int, positive_int, probability
from leogen.monitoring.occasions import OCCASIONS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "abundance",
        help="detection histories, abundance per year (capwire, log-linear) and trend",
        description="Build one detection history per animal and year from identified samples "
                    "(and camera-trap detections), estimate abundance per year with capwire "
                    "(ECM/TIRM) and log-linear closed-population models (M0, Mt, Mh, Mth), "
                    "and test the yearly trend. Writes detection_history.tsv, abundance.tsv, "
                    "trend.tsv, trend_test.tsv.")
    p.add_argument("--sample-individual", required=True, metavar="TSV",
                   help="identify/sample_individual.tsv")
    p.add_argument("--samples", required=True, metavar="TSV", help="sample sheet")
    p.add_argument("--camera-traps", default=None, metavar="TSV",
                   help="camera-trap detections (date, station, individual_id, lat, lon)")
    p.add_argument("--aliases", default=None, metavar="TSV",
                   help="alias table camera_id -> individual_id (genetic id)")
    p.add_argument("--occasion", choices=OCCASIONS, default="month",
                   help="sampling occasion within a year (default month; 'session' uses the "
                        "session column; 'year' = one occasion, capwire only)")
    p.add_argument("--study-start", default=None, metavar="YYYY-MM-DD",
                   help="start of the study (default: first date of the sample sheet)")
    p.add_argument("--study-end", default=None, metavar="YYYY-MM-DD",
                   help="end of the study (default: last date of the sample sheet)")
    p.add_argument("--bootstraps", type=non_negative_int, default=1000,
                   help="parametric bootstraps for capwire CIs and the LRT (default 1000)")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="random seed of the bootstraps (same seed, same output) [%(default)s]")
    p.add_argument("--max-pop", type=positive_int, default=None,
                   help="upper end of the capwire search for N (default max(1000, 20 n))")
    p.add_argument("--ci", choices=("profile", "lognormal"), default="profile",
                   help="log-linear interval: multinomial profile likelihood (default) or "
                        "Chao's log-normal interval")
    p.add_argument("--select", choices=("average", "aic"), default="average",
                   help="log-linear estimate used for the trend: AIC-weighted model average "
                        "(default) or the lowest-AIC model")
    p.add_argument("--ne", default=None, metavar="TSV",
                   help="ne.tsv of 'leogen ne --by-year' to put Ne beside N-hat in trend.tsv")
    p.add_argument("--power-decline", type=probability, default=0.05,
                   help="yearly decline for the power of the trend test (default 0.05)")
    p.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for abundance.tsv, the trend tables and the capture histories")
    p.set_defaults(func=run)


def run(args) -> int:
    from leogen.errors import InputError
    from leogen.monitoring.abundance import run

    if args.bootstraps < 1:
        raise InputError(f"--bootstraps must be at least 1, got {args.bootstraps}")
    run(args.sample_individual, args.samples, args.camera_traps, args.aliases, args.occasion,
        args.study_start, args.study_end, args.bootstraps, args.seed, args.max_pop, args.ci,
        args.select, args.ne, args.power_decline, out_dir=args.out_dir)
    return 0
