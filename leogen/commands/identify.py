"""``leogen identify``: group samples into individuals, PID/PIDsib, capture histories."""

from __future__ import annotations

from leogen.commands._args import add_renamed, non_negative_int, positive_int, probability


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "identify", help="match consensus genotypes into individuals; PID; capture histories",
        description="Likelihood ratios one animal vs unrelated vs full siblings from the "
                    "replicates and an ML error model (or mismatch counts), a threshold from "
                    "a simulated false-match rate, grouping with an assignment probability "
                    "per sample that flags ambiguous samples instead of merging, individual "
                    "genotypes, PID/PIDsib (Waits et al. 2001) and capture histories "
                    "(captures.tsv and MARK captures.inp).")
    p.add_argument("--consensus", required=True, help="consensus.tsv of `leogen consensus`")
    p.add_argument("--samples", required=True, help="sample sheet (samples.tsv)")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="folder for the identify "
                   "tables")
    p.add_argument("--max-mismatches", default="auto",
                   help="mismatching loci allowed within an individual, or 'auto' (from the "
                        "error rates, see docs) [%(default)s]")
    p.add_argument("--method", default="likelihood", choices=["likelihood", "mismatch"],
                   help="likelihood: likelihood ratios from the replicates, a threshold from "
                        "a simulated false-match rate of full siblings and an assignment "
                        "probability per sample; mismatch: the mismatch-count rules "
                        "(docs/identify.md) [%(default)s]")
    p.add_argument("--genotypes", help="likelihood: the replicate genotypes (genotypes.tsv) "
                   "behind --consensus; without them each consensus call counts as one "
                   "replicate with error rate --consensus-error")
    p.add_argument("--false-match-rate", type=probability, default=1e-3,
                   help="likelihood: simulated false-match rate allowed per pair of full "
                        "siblings [%(default)s]")
    p.add_argument("--min-lr", type=float, default=100.0,
                   help="likelihood: smallest likelihood ratio one animal vs full siblings "
                        "that can join samples [%(default)s]")
    p.add_argument("--relative-prior", type=probability, default=0.05,
                   help="likelihood: smallest prior that a new animal is a full sibling (or "
                        "parent/offspring) of a given candidate animal; the share estimated "
                        "from the data is used when larger [%(default)s]")
    p.add_argument("--ambiguity", type=probability, default=0.05,
                   help="likelihood: a sample another animal explains with at least this "
                        "posterior is ambiguous [%(default)s]")
    p.add_argument("--quality-classes", type=positive_int, default=3,
                   help="likelihood: DNA-quality classes of the error model per sample type "
                        "[%(default)s]")
    p.add_argument("--consensus-error", type=probability, default=0.01,
                   help="likelihood without --genotypes: error rate of a consensus call "
                        "[%(default)s]")
    p.add_argument("--min-loci", type=int, default=None,
                   help="mismatch: minimum identity loci typed / compared (default 8); "
                        "likelihood: optional floor on the loci with an amplified replicate "
                        "(default 1: the information against a sibling decides)")
    p.add_argument("--occasion", default="year", choices=["year", "season", "month"],
                   help="sampling occasion of the capture histories [%(default)s]")
    p.add_argument("--error-rates", help="error_rates_sample.tsv for --max-mismatches auto "
                                         "(default: beside --consensus)")
    add_renamed(p, "--min-het-replicates", "--min-het-reps", type=positive_int, default=2,
                help="consensus rule used upstream, for auto [%(default)s]")
    add_renamed(p, "--min-hom-replicates", "--min-hom-reps", type=positive_int, default=3,
                help="consensus rule used upstream, for auto [%(default)s]")
    p.add_argument("--alpha", type=probability, default=0.01,
                   help="auto: allowed probability that two samples of one animal exceed k "
                        "mismatches [%(default)s]")
    p.add_argument("--max-pid-sib", type=probability, default=0.01,
                   help="a match needs >= min-loci agreeing loci with a PIDsib product "
                        "<= this [%(default)s]")
    p.add_argument("--sex-locus", default="AMEL", help="sex marker, not used for matching "
                                                        "[%(default)s]")
    p.add_argument("--x-allele", type=int, default=214,
                   help="X allele size of the sex marker [%(default)s]")
    p.add_argument("--y-allele", type=int, default=194,
                   help="Y allele size of the sex marker [%(default)s]")
    p.add_argument("--accept-probability", type=probability, default=0.99,
                   help="likelihood: assign a sample whose LR against its group's full sib "
                        "is below the threshold when its posterior membership reaches this "
                        "(1: threshold only) [%(default)s]")
    p.add_argument("--id-prefix", default="LEO", help="prefix of individual ids [%(default)s]")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="seed of the auto-k and false-match-rate simulations")
    p.add_argument("--quality", help="quality.tsv of `leogen consensus` (default: beside "
                   "--consensus): scats listed as no_sequence only join animals they match "
                   "strongly and never found a new one")
    p.add_argument("--registry", help="last run's registry.tsv (a copy kept outside the "
                   "results): its animal ids are kept, new animals get new ids, and the "
                   "changes are listed in registry_changes.tsv (docs/identify.md)")
    p.set_defaults(func=main)


def main(args) -> int:
    from leogen.identify.matching import run

    run(args.consensus, args.samples, args.max_mismatches, args.min_loci, args.occasion,
        args.sex_locus, args.x_allele, args.y_allele, args.error_rates, args.min_het_replicates,
        args.min_hom_replicates, args.alpha, args.id_prefix, args.seed, args.max_pid_sib,
        args.quality, out_dir=args.out_dir, registry=args.registry, method=args.method,
        genotypes=args.genotypes, false_match_rate=args.false_match_rate,
        relative_prior=args.relative_prior, ambiguity=args.ambiguity, min_lr=args.min_lr,
        quality_classes=args.quality_classes, consensus_error=args.consensus_error,
        accept_probability=args.accept_probability)
    return 0
