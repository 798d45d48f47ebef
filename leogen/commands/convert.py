"""``leogen convert IN OUT``: convert genotype files between long, GenAlEx, Genepop,
STRUCTURE, FSTAT and VCF/BCF (library: ``leogen.io.formats.convert``)."""

from __future__ import annotations

import sys

from leogen.io.formats import FORMATS, convert


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert genotypes between long table, GenAlEx, Genepop, STRUCTURE, FSTAT and VCF",
        description="Convert a genotype file. Formats are detected from the extension and the "
                    "content (.tsv long table, .csv GenAlEx, .gen Genepop, .str STRUCTURE, "
                    ".dat FSTAT, .vcf/.vcf.gz/.bcf VCF); give --format-in/--format-out "
                    "otherwise. Populations are kept from IN where its format holds them, or "
                    "taken from --populations. The input is only read; the output is written "
                    "atomically (.vcf.gz with a tabix index).",
    )
    p.add_argument("input", metavar="IN", help="genotype file to read")
    p.add_argument("output", metavar="OUT", help="file to write")
    p.add_argument("--format-in", choices=FORMATS, help="format of IN (default: detected)")
    p.add_argument("--format-out", choices=FORMATS,
                   help="format of OUT (default: from its extension)")
    p.add_argument("--replicates", choices=("error", "split"), default="error",
                   help="a long table with several replicates per sample and locus is refused "
                        "(error, default) or written with one sample <sample_id>@<replicate> "
                        "per replicate (split); converting such a file back to a long table "
                        "restores the replicates")
    p.add_argument("--populations", metavar="TSV",
                   help="table mapping sample_id or individual_id to a population (e.g. "
                        "diversity/populations.tsv or the sample sheet); replaces the "
                        "populations of IN")
    p.add_argument("--population-column", default="population", metavar="COL",
                   help="population column of --populations (default: population; 'site' "
                        "for the sample sheet)")
    p.add_argument("--exclude-loci", default="", metavar="LOCI",
                   help="comma-separated loci to leave out, e.g. the sex marker AMEL "
                        "(default: none)")
    p.add_argument("--digits", type=int, choices=(2, 3), default=3,
                   help="Genepop allele code width: 3 (sizes, default) or 2 (alleles recoded "
                        "01..99 by rank per locus)")
    p.add_argument("--layout", choices=("onerow", "tworow"), default="onerow",
                   help="STRUCTURE layout: one row per individual (default) or two")
    p.set_defaults(func=run)


def run(args) -> int:
    from leogen.io.formats import detect_format, format_for_output

    fout = args.format_out or format_for_output(args.output)
    opts = {}
    if fout == "genepop":
        opts["digits"] = args.digits
    elif fout == "structure":
        opts["layout"] = args.layout
    populations = None
    if args.populations:
        from leogen.io.tables import read_delimited

        populations = read_delimited(args.populations, [])
    drop = [x.strip() for x in args.exclude_loci.split(",") if x.strip()]
    result = convert(args.input, args.output, args.format_in, fout, args.replicates,
                     populations=populations, population_column=args.population_column,
                     exclude_loci=drop, populations_path=args.populations, **opts)
    fin = args.format_in or detect_format(args.input)
    print(f"leogen convert: wrote {args.output} ({fin} -> {fout})", file=sys.stderr)
    if fout in ("structure", "fstat") and result:
        codes = ", ".join(f"{code}={name}" for name, code in sorted(result.items(),
                                                                    key=lambda kv: kv[1]))
        print(f"leogen convert: {fout.upper()} population codes: {codes}", file=sys.stderr)
    return 0
