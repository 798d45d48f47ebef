"""``leogen simulate``: a population with known truth, written as workflow inputs + truth/."""

from __future__ import annotations

import sys
import time

# flag -> parameter name (the main rates; every other parameter via --params)
FLAGS = {
    "n_loci": (int, "autosomal microsatellite loci (1-20)"),
    "n_founders": (int, "founders drawn from the ancestral population"),
    "carrying_capacity": (int, "adults at which breeding stops (density regulation)"),
    "start_year": (int, "first simulated year"),
    "end_year": (int, "last simulated year (end of the study)"),
    "study_years": (int, "years of scat/blood sampling, ending at end_year"),
    "sigma_m": (float, "half-normal home-range scale sigma (metres)"),
    "buffer_km": (float, "state space = study box + this buffer (km) on every side"),
    "lambda0_scat": (float, "expected scats found per km searched at the activity centre"),
    "g0_camera": (float, "monthly photo probability of a camera at the activity centre"),
    "visits_per_year": (int, "search rounds of every scat-search cell per year (1-12)"),
    "n_camera_stations": (int, "camera stations (0: no camera traps)"),
    "p_never_sampled": (float, "share of animals never found by scat (non-spatial option; "
                               "default 0)"),
    "n_captured": (int, "animals captured (blood sampled)"),
    "p_recapture": (float, "probability of a further capture in a later year"),
    "other_species_fraction": (float, "share of scats from other species"),
    "n_replicates_scat": (int, "PCR replicates per scat and locus"),
    "n_replicates_blood": (int, "PCR replicates per blood sample and locus"),
    "ado_scat": (float, "mean allelic dropout rate of scat (per heterozygous amplification)"),
    "fa_scat": (float, "mean false-allele rate of scat (per amplification)"),
    "fail_scat": (float, "mean amplification failure rate of scat (per replicate)"),
    "n_snps": (int, "SNPs in the VCF (0 for none)"),
    "n_chromosomes": (int, "chromosomes of the SNP genome"),
    "inbreeding_effect": (float, "true log-odds of yearly infection per unit pedigree F"),
}


def run(args) -> int:
    from leogen.simulate.run import run as simulate_run

    t0 = time.perf_counter()
    summary = simulate_run(args.out, params_path=args.params, seed=args.seed,
                           overrides={name: getattr(args, name) for name in FLAGS})
    dt = time.perf_counter() - t0
    if not args.quiet:
        e = summary["errors"].set_index("sample_type")
        print(f"leogen simulate: {summary['n_animals']} animals ever alive, "
              f"{summary['n_sampled']} sampled, {summary['n_scats']} scats "
              f"({summary['n_other_species']} other species), "
              f"{summary['n_blood_animals']} blood-sampled animals, "
              f"{summary['n_camera_detections']} camera photographs of "
              f"{summary['n_camera_animals']} animals; true density "
              f"{summary['mean_density_per_100km2']:.2f} per 100 km2; "
              f"realised scat ADO {e.loc['scat', 'ado_rate']:.3f}, "
              f"FA {e.loc['scat', 'fa_rate']:.3f}; max F {summary['f_max']:.3f}; "
              f"{dt:.1f} s -> {args.out}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="simulate a population with known truth (example inputs + truth/)",
        description="Simulate an isolated leopard-like population (pedigree, activity centres, "
        "scat searches and camera traps as spatial detectors, blood sampling, genotyping "
        "errors, mtDNA barcodes, SNPs, infections) and "
        "write the workflow inputs and the truth. Parameters: defaults, then --params YAML, "
        "then the flags below. See docs/simulate.md.",
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: the params file's seed, else 1)")
    p.add_argument("--params", default=None,
                   help="YAML of parameters (e.g. a previous run's truth/params.yaml)")
    p.add_argument("--quiet", action="store_true", help="no summary on stderr")
    for name, (typ, helptext) in FLAGS.items():
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=typ, default=None,
                       help=helptext)
    p.set_defaults(func=run)
