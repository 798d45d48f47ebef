"""``leogen ne``: effective population size (LDNe, heterozygote excess), overall and per year."""

from __future__ import annotations

from leogen.commands._args import positive_int


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ne",
        help="effective population size by the LD method (LDNe) and heterozygote excess",
        description="Ne from one genotype per individual: LD method of Waples (2006) / "
                    "Waples & Do (2008) at lowest-allele-frequency cut-offs 0.05/0.02/0.01/0+, "
                    "parametric and jackknife-over-loci CIs; Pudovkin et al. (1996) "
                    "heterozygote excess. Overall and, with --by-year, for the animals "
                    "detected each year. Writes ne.tsv.")
    p.add_argument("--genotypes", required=True, metavar="FILE",
                   help="one genotype per individual (identify/individual_genotypes.tsv or "
                        "any format leogen reads)")
    p.add_argument("--format", default=None, metavar="F", help="genotype file format")
    p.add_argument("--by-year", action="store_true",
                   help="also per year (needs --sample-individual and --samples)")
    p.add_argument("--sample-individual", default=None, metavar="TSV",
                   help="identify/sample_individual.tsv (years of the animals, for per-year Ne)")
    p.add_argument("--samples", default=None, metavar="TSV",
                   help="the sample sheet (dates of the samples, for per-year Ne)")
    p.add_argument("--abundance", default=None, metavar="TSV",
                   help="abundance.tsv: the selected N-hat per year is put beside Ne")
    p.add_argument("--p-crit", default="0.05,0.02,0.01,0+", metavar="LIST",
                   help="lowest allele frequencies (default 0.05,0.02,0.01,0+)")
    p.add_argument("--sex-locus", default="AMEL", metavar="LOCUS",
                   help="sex marker left out of Ne and Ho/He (default AMEL; '' for none)")
    p.add_argument("--temporal", action="store_true",
                   help="also the temporal method between animals first detected in the first "
                   "and in the last period (needs --sample-individual and --samples)")
    p.add_argument("--period-years", type=positive_int, default=4, metavar="N",
                   help="length of the first-detection periods of --temporal [%(default)s]")
    p.add_argument("--generation-years", type=float, default=5.0, metavar="Y",
                   help="generation time in years, to turn years into generations "
                   "(Amur leopard about 5) [%(default)s]")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="folder for ne.tsv")
    p.set_defaults(func=run)


def _p_crits(text: str):
    from leogen.errors import InputError

    out = []
    for tok in text.split(","):
        tok = tok.strip()
        if tok == "0+":
            out.append(0.0)
            continue
        try:
            v = float(tok)
        except ValueError:
            v = -1.0
        if not (0 < v < 0.5):
            raise InputError(f"--p-crit '{tok}' is not a frequency in (0, 0.5) or 0+")
        out.append(v)
    return tuple(out)


def run(args) -> int:
    from leogen.errors import InputError
    from leogen.monitoring.ne import run

    p_crits = _p_crits(args.p_crit)
    if args.by_year and not (args.sample_individual and args.samples):
        raise InputError("--by-year needs --sample-individual and --samples")
    if args.temporal and not (args.sample_individual and args.samples):
        raise InputError("--temporal needs --sample-individual and --samples")
    run(args.genotypes, args.format, args.by_year, args.sample_individual, args.samples,
        args.abundance, p_crits, args.sex_locus, args.temporal, args.period_years,
        args.generation_years, out_dir=args.out_dir)
    return 0
