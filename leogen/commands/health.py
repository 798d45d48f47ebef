"""``leogen health``: disease screening linked to the animals and their genetics.

Writes the health tables (status, triage, alerts, titre rises, prevalence, force of infection,
mixture cut-offs, survey design, hfc with --inbreeding, wdds), animals/<id>.html,
animals_print.html, animals.csv, animals.xlsx and population.html to --out-dir.
"""

from __future__ import annotations

import argparse
import math

from leogen.commands._args import grid_km, non_negative_int, positive_int
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


def _probability(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (0 < v <= 1):
        raise argparse.ArgumentTypeError(f"'{text}' must be in (0, 1]")
    return v


def _age_years(text: str) -> dict:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, val = part.partition("=")
        try:
            years = float(val)
        except ValueError:
            years = math.nan
        if not name.strip() or not (years > 0) or math.isinf(years):
            raise argparse.ArgumentTypeError(
                f"'{part}' is not CLASS=YEARS with YEARS > 0 (e.g. cub=0.5,juvenile=1.5)")
        out[name.strip()] = years
    return out


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
    p.add_argument("--relationships", metavar="TSV",
                   help="pedigree/relationships.tsv: relatives named from the reconstructed "
                        "pedigree's probabilities (default: the pairwise likelihoods of "
                        "--pairs)")
    p.add_argument("--pedigree", metavar="TSV",
                   help="pedigree/pedigree.tsv: each animal's birth year as the pedigree "
                        "estimates it, on its page and in the animal table")
    p.add_argument("--pedigree-inbreeding", metavar="TSV",
                   help="pedigree/inbreeding.tsv: each animal's pedigree F (posterior "
                        "expectation), on its page and in the animal table")
    p.add_argument("--cutoffs", help="YAML: pathogen -> assay -> cut-off titer [, Se, Sp, source]")
    loc = p.add_mutually_exclusive_group()
    loc.add_argument("--grid-km", type=grid_km, default=10.0,
                     help="generalise coordinates to this grid (km, default 10, at least 1)")
    loc.add_argument("--exact-locations", action="store_true",
                     help="show exact coordinates (only for authorised, non-shared outputs)")
    p.add_argument("--untested-years", type=_nonneg_float, default=3.0,
                   help="testing is overdue when an animal was detected more than this many "
                   "years after its last test of a pathogen (default 3)")
    p.add_argument("--relative-min-prob", type=_probability, default=0.9,
                   help="show relatives whose relationship probability is at least this (0.9)")
    p.add_argument("--age-years", type=_age_years, default=None, metavar="CLASS=YEARS,...",
                   help="age in years of each age class for the force of infection "
                   "(default cub=0.5,juvenile=1.5,subadult=2.5)")
    p.add_argument("--design-prevalence", type=_probability, default=0.1,
                   help="design prevalence of the freedom-from-disease sample size (0.1)")
    p.add_argument("--precision", type=_probability, default=0.1,
                   help="absolute precision of the prevalence sample size (0.1)")
    p.add_argument("--period", choices=["year", "all"], default="year",
                   help="period of the per-animal status for the year stratum (default year)")
    p.add_argument("--seed", type=non_negative_int, default=1, help="seed of the power simulation")
    p.add_argument("--power-sims", type=positive_int, default=400, help="simulations for power (400)")
    p.add_argument("--out-dir", required=True, help="output directory")
    p.set_defaults(func=run)


def run(args) -> int:
    res = run_health(
        args.screening, args.samples, args.sample_individual, args.individuals, args.out_dir,
        inbreeding_path=args.inbreeding, g2_path=args.g2, pairs_path=args.pairs,
        relationships_path=args.relationships, pedigree_path=args.pedigree,
        pedigree_inbreeding_path=args.pedigree_inbreeding,
        cutoffs_path=args.cutoffs, grid_km=args.grid_km, exact=args.exact_locations,
        untested_years=args.untested_years, period=args.period, seed=args.seed,
        power_sims=args.power_sims, relative_min_prob=args.relative_min_prob,
        age_years=args.age_years, design_prevalence=args.design_prevalence,
        precision=args.precision)
    print("\n".join(res["log"]))
    return 0


__all__ = ["register", "run", "InputError"]
