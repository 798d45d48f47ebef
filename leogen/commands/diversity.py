"""``leogen diversity``: heterozygosity, allelic richness, F-statistics, HWE, null alleles, LD."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leogen.errors import InputError

OUTPUTS = ("per_locus.tsv", "summary.tsv", "pairwise_fst.tsv", "ld.tsv", "allele_freqs.tsv")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "diversity",
        help="genetic diversity per locus and population (Ho, He, Ar, F_IS, F_ST, HWE, LD)",
        description="Per-locus and per-population diversity of one genotype per individual: "
                    "Ho, He (Nei), allelic richness, private alleles, WC84 F_IS/F_ST, exact HWE "
                    "tests, null-allele estimates and genotypic LD. Writes per_locus.tsv, "
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
    p.add_argument("--exclude-loci", default="AMEL", metavar="LOCI",
                   help="comma-separated loci to leave out, e.g. the sex marker [%(default)s]")
    p.add_argument("--group-by", choices=("none", "site", "period"), default="none",
                   help="populations of identified animals from their samples: the site with "
                   "most of its samples, or the period of first detection (needs "
                   "--sample-individual and --samples; written to populations.tsv)")
    p.add_argument("--sample-individual", metavar="TSV",
                   help="identify/sample_individual.tsv (for --group-by)")
    p.add_argument("--samples", metavar="TSV", help="the sample sheet (for --group-by)")
    p.add_argument("--period-years", type=int, default=4,
                   help="length of the periods of --group-by period (default 4)")
    p.add_argument("--out-dir", required=True, metavar="DIR")
    p.add_argument("--permutations", type=int, default=1000,
                   help="permutations for pairwise F_ST and LD p-values (default 1000)")
    p.add_argument("--bootstraps", type=int, default=1000,
                   help="bootstrap resamplings of loci for the F_IS CI (default 1000)")
    p.add_argument("--hwe-monte-carlo", type=int, default=10000,
                   help="Monte Carlo draws for HWE tests that cannot be enumerated (default 10000)")
    p.add_argument("--null-threshold", type=float, default=0.05,
                   help="flag null alleles above this Brookfield estimate (default 0.05)")
    p.add_argument("--rarefaction", choices=("locus", "global"), default="locus",
                   help="allelic richness rarefied to the smallest sample per locus (FSTAT, "
                        "default) or over all loci (hierfstat allelic.richness)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-ld", action="store_true", help="skip linkage disequilibrium")
    p.add_argument("--ld-window", type=int, default=10, metavar="N",
                   help="SNP data: r^2 between variants at most N apart (default 10)")
    p.add_argument("--plots", action="store_true", help="also write ho_he.png and allele_freqs.png")
    p.set_defaults(func=run)


def run(args) -> int:
    from leogen.io.atomic import write_table
    from leogen.io.tables import read_delimited
    from leogen.popgen.diversity import assign_populations, diversity

    if args.ld_window < 1:
        raise InputError("--ld-window must be >= 1")
    for name in ("permutations", "bootstraps", "hwe_monte_carlo"):
        if getattr(args, name) < 0:
            raise InputError(f"--{name.replace('_', '-')} must be >= 0")
    from leogen.io.formats import read_individual_genotypes

    g = read_individual_genotypes(args.genotypes, args.format)
    drop = {x.strip() for x in args.exclude_loci.split(",") if x.strip()}
    g = g.without_loci(drop)
    if g.n_loci == 0:
        raise InputError("no loci left after --exclude-loci", args.genotypes)
    groups = None
    if args.group_by != "none":
        from leogen.io.sheets import read_samples
        from leogen.popgen.diversity import individual_populations

        if args.populations:
            raise InputError("give populations either with --populations or --group-by")
        if not (args.sample_individual and args.samples):
            raise InputError("--group-by needs --sample-individual and --samples")
        links = read_delimited(args.sample_individual, ["sample_id", "individual_id"])
        groups = individual_populations(links, read_samples(args.samples), args.group_by,
                                        args.period_years)
        g = assign_populations(g, groups.assign(_line=0), "population",
                               args.sample_individual)
    elif args.populations:
        table = read_delimited(args.populations, [])
        g = assign_populations(g, table, args.population_column, args.populations)
    res = diversity(g, n_permutations=args.permutations, n_bootstraps=args.bootstraps,
                    seed=args.seed, n_hwe_monte_carlo=args.hwe_monte_carlo,
                    ld=not args.no_ld, null_threshold=args.null_threshold,
                    snp_ld_window=args.ld_window, rarefaction=args.rarefaction)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if groups is not None:
        write_table(groups, out / "populations.tsv")
    for fname, df in zip(OUTPUTS, (res.per_locus, res.summary, res.pairwise_fst, res.ld,
                                   res.allele_freqs), strict=True):
        write_table(df, out / fname)
    if args.plots:
        plot_ho_he(res.per_locus, out / "ho_he.png")
        plot_allele_freqs(res.allele_freqs, out / "allele_freqs.png")
    return 0


def plot_ho_he(per_locus, path) -> None:
    """Observed vs expected heterozygosity per locus and population (1:1 line)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from leogen.io.atomic import atomic_path

    fig, ax = plt.subplots(figsize=(5.5, 5))
    for pop, d in per_locus.groupby("population", sort=False):
        ax.scatter(d["he_unbiased"], d["ho"], s=18, alpha=0.8, label=str(pop))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("He (unbiased, Nei 1987)")
    ax.set_ylabel("Ho")
    ax.set_title("Observed vs expected heterozygosity per locus")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, metadata={"Software": None})
    plt.close(fig)


def plot_allele_freqs(freqs, path, max_loci: int = 30) -> None:
    """Allele frequency bars per locus in the pooled sample (first ``max_loci`` loci)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from leogen.io.atomic import atomic_path

    d = freqs[freqs["population"] == "all"]
    loci = list(dict.fromkeys(d["locus"]))[:max_loci]
    ncol = min(5, max(1, len(loci)))
    nrow = max(1, int(np.ceil(len(loci) / ncol)))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3 * ncol, 2.2 * nrow), squeeze=False)
    for ax, locus in zip(axes.ravel(), loci, strict=False):
        x = d[d["locus"] == locus]
        ax.bar(range(len(x)), x["freq"].to_numpy(dtype=float), color="#4477aa")
        ax.set_xticks(range(len(x)))
        ax.set_xticklabels(x["allele"], rotation=90, fontsize=6)
        ax.set_ylim(0, 1)
        ax.set_title(str(locus), fontsize=8)
    for ax in axes.ravel()[len(loci):]:
        ax.axis("off")
    fig.suptitle("Allele frequencies (pooled sample)", fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
