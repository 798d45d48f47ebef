"""``leogen diversity``: heterozygosity, allelic richness, F-statistics, HWE, null alleles, LD.

The work is :func:`leogen.popgen.diversity.run`; its tables are declared in
:mod:`leogen.popgen.outputs`.
"""

from __future__ import annotations

from leogen.commands._args import (
    add_sex_locus_args,
    loci_to_drop,
    non_negative_int,
    positive_int,
    probability,
    read_grouping,
)
from leogen.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "diversity",
        help="genetic diversity per locus and population (Ho, He, Ar, F_IS, F_ST, HWE, LD)",
        description="Per-locus and per-population diversity of one genotype per individual: "
                    "Ho, He (Nei), allelic richness, private alleles, WC84 F_IS/F_ST/F_IT "
                    "(hierfstat wc), Nei's Hs/Ht/G_ST and Jost's D (hierfstat basic.stats), "
                    "exact HWE tests, null-allele estimates and genotypic LD. Writes "
                    "per_locus.tsv, "
                    "summary.tsv, pairwise_fst.tsv, ld.tsv, allele_freqs.tsv.")
    p.add_argument("--genotypes", required=True, metavar="FILE",
                   help="genotype file (long table with one replicate per individual, "
                        "or any format leogen reads)")
    p.add_argument("--format", default=None, metavar="F",
                   help="input format (default: from the file name/content)")
    p.add_argument("--populations", default=None, metavar="TSV",
                   help="table mapping individual_id or sample_id to a population")
    p.add_argument("--population-column", default="site", metavar="COL",
                   help="population column of --populations (default: site)")
    add_sex_locus_args(p, "the diversity statistics")
    p.add_argument("--group-by", choices=("none", "site", "period"), default="none",
                   help="populations of identified animals from their samples: the site with "
                   "most of its samples, or the period of first detection (needs "
                   "--sample-individual and --samples; written to populations.tsv)")
    p.add_argument("--sample-individual", metavar="TSV",
                   help="identify/sample_individual.tsv (for --group-by)")
    p.add_argument("--samples", metavar="TSV", help="the sample sheet (for --group-by)")
    p.add_argument("--period-years", type=positive_int, default=4,
                   help="length of the periods of --group-by period (default 4)")
    p.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for per_locus.tsv, summary.tsv, pairwise_fst.tsv, ld.tsv, ...")
    p.add_argument("--permutations", type=int, default=1000,
                   help="permutations for pairwise F_ST and LD p-values (default 1000)")
    p.add_argument("--bootstraps", type=non_negative_int, default=1000,
                   help="bootstrap resamplings of loci for the F-statistics intervals "
                        "(default 1000)")
    p.add_argument("--hwe-monte-carlo", type=non_negative_int, default=10000,
                   help="Monte Carlo draws for HWE tests that cannot be enumerated (default 10000)")
    p.add_argument("--null-threshold", type=probability, default=0.05,
                   help="flag null alleles above this Brookfield estimate (default 0.05)")
    p.add_argument("--rarefaction", choices=("locus", "global"), default="locus",
                   help="allelic richness rarefied to the smallest sample per locus (FSTAT, "
                        "default) or over all loci (hierfstat allelic.richness)")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="random seed of the permutations and bootstraps [%(default)s]")
    p.add_argument("--no-ld", action="store_true", help="skip linkage disequilibrium")
    p.add_argument("--ld-window", type=int, default=10, metavar="N",
                   help="SNP data: r^2 between variants at most N apart (default 10)")
    p.add_argument("--plots", action="store_true", help="also write ho_he.png and allele_freqs.png")
    p.set_defaults(func=run)


def run(args) -> int:
    from leogen.io.formats import read_individual_genotypes
    from leogen.popgen.diversity import run as run_diversity

    if args.ld_window < 1:
        raise InputError("--ld-window must be >= 1")
    for name in ("permutations", "bootstraps", "hwe_monte_carlo"):
        if getattr(args, name) < 0:
            raise InputError(f"--{name.replace('_', '-')} must be >= 0")
    g = read_individual_genotypes(args.genotypes, args.format)
    g = g.without_loci(loci_to_drop(args, g.loci, args.genotypes))
    if g.n_loci == 0:
        raise InputError("no loci left after --sex-locus and --exclude-loci", args.genotypes)
    populations = None
    source = args.populations
    links, samples = read_grouping(args)
    if links is not None:
        source = args.sample_individual
    elif args.populations:
        from leogen.io.tables import read_delimited

        populations = read_delimited(args.populations, [])
    run_diversity(g, args.out_dir, populations=populations,
                  population_column=args.population_column, group_by=args.group_by,
                  sample_links=links, samples=samples, period_years=args.period_years,
                  source=source, plots=args.plots, n_permutations=args.permutations,
                  n_bootstraps=args.bootstraps, seed=args.seed,
                  n_hwe_monte_carlo=args.hwe_monte_carlo, ld=not args.no_ld,
                  null_threshold=args.null_threshold, snp_ld_window=args.ld_window,
                  rarefaction=args.rarefaction)
    return 0
