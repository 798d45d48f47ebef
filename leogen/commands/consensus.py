"""``leogen consensus``: genotype calls (maximum-likelihood error model or multiple-tubes
consensus), quality index, ADO/FA, sex."""

from __future__ import annotations

from leogen.commands._args import add_renamed, probability


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "consensus", help="consensus genotypes from PCR replicates, quality index, ADO/FA",
        description="Genotype calls from PCR replicates: by default the most probable "
                    "genotype under a maximum-likelihood error model fitted to all replicates "
                    "(Johnson & Haydon 2007; posteriors as Miller et al. 2002), or the "
                    "multiple-tubes consensus (Taberlet et al. 1996); quality index (Miquel "
                    "et al. 2006), allelic dropout and false-allele rates (Broquet & Petit "
                    "2004; and by maximum likelihood) per locus, sample type and DNA-quality "
                    "class, and sex from the sex marker.")
    p.add_argument("--genotypes", required=True, help="replicate long table (genotypes.tsv)")
    p.add_argument("--samples", required=True, help="sample sheet (samples.tsv)")
    p.add_argument("--species", help="species.tsv of `leogen species`: 'target' samples get "
                                     "a consensus; so do 'no_sequence' scats (failed barcode), "
                                     "kept out of the error rates, unless --exclude-no-sequence")
    p.add_argument("--exclude-no-sequence", action="store_true",
                   help="give scats without a barcode no consensus at all")
    p.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for consensus.tsv, quality.tsv and the error-rate tables")
    add_renamed(p, "--min-het-replicates", "--min-het-reps", type=int, default=2,
                metavar="N",
                   help="replicates in which each allele of a heterozygote must be seen "
                        "[%(default)s]")
    add_renamed(p, "--min-hom-replicates", "--min-hom-reps", type=int, default=3,
                metavar="N",
                   help="identical homozygous replicates needed for a homozygote "
                        "[%(default)s]")
    p.add_argument("--method", default="likelihood",
                   help="genotype call: likelihood (most probable genotype under the fitted "
                        "error model) or consensus (multiple-tubes rule of --min-het-replicates / "
                        "--min-hom-replicates) [%(default)s]")
    p.add_argument("--min-posterior", type=probability, default=0.95,
                   help="likelihood calls with a lower posterior probability are left "
                        "missing (0 < x <= 1) [%(default)s]")
    p.add_argument("--sex-locus", default="AMEL", metavar="LOCUS",
                   help="the sex marker (config sex_marker.locus): sex of each sample, left "
                        "out of the error rates' identification loci [%(default)s]")
    p.add_argument("--x-allele", type=int, default=214, help="X allele size [%(default)s]")
    p.add_argument("--y-allele", type=int, default=194, help="Y allele size [%(default)s]")
    p.add_argument("--reference-genotypes",
                   help="long table of blood/tissue reference genotypes (sample_id = a sample "
                        "of the sheet or an individual_hint / individual_id); default: the "
                        "blood/tissue samples of --genotypes")
    p.add_argument("--links", help="sample_individual.tsv of `leogen identify`, to link scats "
                                   "to the reference genotype of their animal (default: "
                                   "individual_hint of the sample sheet)")
    p.set_defaults(func=main)


def main(args) -> int:
    from leogen.qc.consensus import run

    run(args.genotypes, args.samples, args.species, args.min_het_replicates,
        args.min_hom_replicates,
        args.sex_locus, args.x_allele, args.y_allele, args.reference_genotypes, args.links,
        genotype_no_sequence=not args.exclude_no_sequence, out_dir=args.out_dir,
        method=args.method, min_posterior=args.min_posterior)
    return 0
