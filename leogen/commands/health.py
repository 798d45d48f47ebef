"""``leogen health``: disease screening linked to the animals and their genetics.

Writes status.tsv, prevalence.tsv, hfc.tsv (with --inbreeding), wdds.tsv, animals/<id>.html,
animals.csv (+ animals.xlsx when openpyxl is installed) and population.html to --out-dir.
"""

from __future__ import annotations

import argparse
import math

from leogen.errors import InputError
from leogen.health.run import run as run_health


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (v > 0) or math.isinf(v):
        raise argparse.ArgumentTypeError(f"'{text}' must be > 0")
    return v


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be >= 0")
    return v


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "health", help="screening results per animal, prevalence, HFC models and vet pages",
        description="Disease screening linked to the animals and their genetics: per-animal "
        "status, prevalence with intervals, HFC models, vet pages and a WDDS export.")
    p.add_argument("--screening", required=True, help="screening.tsv (pathogen tests)")
    p.add_argument("--samples", required=True, help="the sample sheet (samples.tsv)")
    p.add_argument("--sample-individual", required=True,
                   help="identify/sample_individual.tsv (sample -> animal)")
    p.add_argument("--individuals", required=True, help="identify/individuals.tsv")
    p.add_argument("--inbreeding", help="inbreeding/individuals.tsv (sMLH, F) for HFC models")
    p.add_argument("--g2", help="inbreeding/g2.tsv (identity disequilibrium)")
    p.add_argument("--pairs", help="relatedness/pairs.tsv (closest relatives)")
    p.add_argument("--cutoffs", help="YAML: pathogen -> assay -> cut-off titre [, Se, Sp, source]")
    loc = p.add_mutually_exclusive_group()
    loc.add_argument("--grid-km", type=_positive_float, default=10.0,
                     help="generalise coordinates to this grid (km, default 10)")
    loc.add_argument("--exact-locations", action="store_true",
                     help="show exact coordinates (only for authorised, non-shared outputs)")
    p.add_argument("--untested-years", type=_nonneg_float, default=3.0,
                   help="flag animals not tested for a pathogen for more than this (default 3)")
    p.add_argument("--period", choices=["year", "all"], default="year",
                   help="period of the per-animal status for the year stratum (default year)")
    p.add_argument("--seed", type=int, default=1, help="seed of the power simulation")
    p.add_argument("--power-sims", type=int, default=400, help="simulations for power (400)")
    p.add_argument("--out-dir", required=True, help="output directory")
    p.set_defaults(func=run)


def run(args) -> int:
    res = run_health(
        args.screening, args.samples, args.sample_individual, args.individuals, args.out_dir,
        inbreeding_path=args.inbreeding, g2_path=args.g2, pairs_path=args.pairs,
        cutoffs_path=args.cutoffs, grid_km=args.grid_km, exact=args.exact_locations,
        untested_years=args.untested_years, period=args.period, seed=args.seed,
        power_sims=args.power_sims)
    print("\n".join(res["log"]))
    return 0


__all__ = ["register", "run", "InputError"]
