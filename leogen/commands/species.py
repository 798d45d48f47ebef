"""``leogen species``: species check of scat mtDNA barcodes against a reference panel."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "species", help="assign each scat's mtDNA barcode to a species (PairwiseAligner)",
        description="Align each barcode (global alignment, free end gaps) to a reference panel "
                    "(ids <Genus_species>|<haplotype>); report best and second species, "
                    "identity, margin and a status (target|other_species|unassigned|"
                    "no_sequence) for every sample of the sheet.")
    p.add_argument("--fasta", required=True, help="barcodes, record id = sample_id")
    p.add_argument("--reference", required=True, help="reference panel FASTA")
    p.add_argument("--samples", required=True, help="sample sheet (samples.tsv)")
    p.add_argument("--target", default="Panthera_pardus", help="target species [%(default)s]")
    p.add_argument("--min-identity", type=float, default=0.97,
                   help="minimum identity to the best species [%(default)s]")
    p.add_argument("--min-margin", type=float, default=0.02,
                   help="minimum identity margin to the second species [%(default)s]")
    p.add_argument("--assume-types", default="blood,tissue",
                   help="sample types taken as the target species without a barcode "
                        "[%(default)s]")
    p.add_argument("--out", required=True, help="output species.tsv")
    p.set_defaults(func=main)


def main(args) -> int:
    from leogen.qc.species import run

    assumed = tuple(t.strip() for t in args.assume_types.split(",") if t.strip())
    run(args.fasta, args.reference, args.samples, args.target, args.min_identity,
        args.min_margin, assumed, out=args.out)
    return 0
