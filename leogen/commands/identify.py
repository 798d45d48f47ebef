"""``leogen identify``: group samples into individuals, PID/PIDsib, capture histories."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "identify", help="match consensus genotypes into individuals; PID; capture histories",
        description="Pairwise mismatch counts over all samples (vectorised), deterministic "
                    "grouping that flags ambiguous samples instead of merging, individual "
                    "genotypes, PID/PIDsib (Waits et al. 2001) and capture histories "
                    "(captures.tsv and MARK captures.inp).")
    p.add_argument("--consensus", required=True, help="consensus.tsv of `leogen consensus`")
    p.add_argument("--samples", required=True, help="sample sheet (samples.tsv)")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--max-mismatches", default="auto",
                   help="mismatching loci allowed within an individual, or 'auto' (from the "
                        "error rates, see docs) [%(default)s]")
    p.add_argument("--min-loci", type=int, default=8,
                   help="minimum identity loci typed / compared [%(default)s]")
    p.add_argument("--occasion", default="year", choices=["year", "season", "month"],
                   help="sampling occasion of the capture histories [%(default)s]")
    p.add_argument("--error-rates", help="error_rates_sample.tsv for --max-mismatches auto "
                                         "(default: beside --consensus)")
    p.add_argument("--min-het-reps", type=int, default=2,
                   help="consensus rule used upstream, for auto [%(default)s]")
    p.add_argument("--min-hom-reps", type=int, default=3,
                   help="consensus rule used upstream, for auto [%(default)s]")
    p.add_argument("--alpha", type=float, default=0.01,
                   help="auto: allowed probability that two samples of one animal exceed k "
                        "mismatches [%(default)s]")
    p.add_argument("--max-pid-sib", type=float, default=0.01,
                   help="a match needs >= min-loci agreeing loci with a PIDsib product "
                        "<= this [%(default)s]")
    p.add_argument("--sex-locus", default="AMEL", help="sex marker, not used for matching "
                                                        "[%(default)s]")
    p.add_argument("--x-allele", type=int, default=214)
    p.add_argument("--y-allele", type=int, default=194)
    p.add_argument("--id-prefix", default="LEO", help="prefix of individual ids [%(default)s]")
    p.add_argument("--seed", type=int, default=1, help="seed of the auto-k simulation")
    p.add_argument("--quality", help="quality.tsv of `leogen consensus` (default: beside "
                   "--consensus): scats listed as no_sequence only join animals they match "
                   "strongly and never found a new one")
    p.set_defaults(func=main)


def main(args) -> int:
    from leogen.identify.matching import run

    run(args.consensus, args.samples, args.max_mismatches, args.min_loci, args.occasion,
        args.sex_locus, args.x_allele, args.y_allele, args.error_rates, args.min_het_reps,
        args.min_hom_reps, args.alpha, args.id_prefix, args.seed, args.max_pid_sib,
        args.quality, out_dir=args.out_dir)
    return 0
