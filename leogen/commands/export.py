"""``leogen export``: the identified animals in the formats of the field's tools.

Writes to ``--out-dir`` ``genalex.csv``, ``genepop.gen``, ``structure.str``, ``fstat.dat``,
``colony.dat``, ``allele_freqs.tsv``, ``animals.tsv`` and, with ``--sample-individual`` and
``--samples``, ``secr_captures.txt``, ``secr_traps.txt`` (not world-readable) and
``secr_sessions.tsv``. The work is :func:`leogen.export.run.run`.
"""

from __future__ import annotations

import sys

from leogen.commands._args import (
    add_sex_locus_args,
    loci_to_drop,
    non_negative_int,
    positive_int,
    read_grouping,
)
from leogen.commands._popgen_args import check_loci_named
from leogen.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="export the identified animals for GenAlEx, Genepop, STRUCTURE, FSTAT/hierfstat, "
             "COLONY and secr",
        description="One row per identified animal, populations from --populations "
                    "(diversity/populations.tsv), the sex marker left out unless "
                    "--keep-loci names it: GenAlEx, Genepop, STRUCTURE, FSTAT and COLONY "
                    "input files, an allele-frequency table, and secr capture and trap files "
                    "from the detections.")
    p.add_argument("--genotypes", required=True, metavar="FILE",
                   help="one genotype per animal (identify/individual_genotypes.tsv)")
    p.add_argument("--format", default=None, metavar="F", help="format of --genotypes")
    p.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for the input files of the other programs")
    p.add_argument("--populations", metavar="TSV",
                   help="individual_id -> population table (diversity/populations.tsv); "
                        "default: one population")
    p.add_argument("--group-by", choices=("none", "site", "period"), default="none",
                   help="populations as `leogen diversity --group-by` makes them (needs "
                        "--sample-individual and --samples)")
    p.add_argument("--period-years", type=positive_int, default=4,
                   help="length of the periods of --group-by period [%(default)s]")
    p.add_argument("--population-column", default="population", metavar="COL",
                   help="population column of --populations [%(default)s]")
    add_sex_locus_args(p, "the exported genotypes")
    p.add_argument("--keep-loci", default="", metavar="LOCI",
                   help="loci of --sex-locus or --exclude-loci to export anyway (e.g. AMEL) "
                        "[none]")
    p.add_argument("--individuals", metavar="TSV",
                   help="identify/individuals.tsv: the sex of each animal for animals.tsv")
    p.add_argument("--error-rates", metavar="TSV",
                   help="error_rates/error_rates_locus.tsv: per-locus dropout and error rates "
                        "for the COLONY file (default 0 and 0.01)")
    p.add_argument("--sample-individual", metavar="TSV",
                   help="identify/sample_individual.tsv (for the secr files)")
    p.add_argument("--samples", metavar="TSV", help="the sample sheet (for the secr files)")
    p.add_argument("--camera-traps", metavar="TSV", help="camera-trap detections (secr)")
    p.add_argument("--aliases", metavar="TSV", help="camera id -> individual id table")
    p.add_argument("--occasion", default="month",
                   help="secr occasions within a year: month, season, session or year "
                        "[%(default)s]")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="COLONY's random seed (0 is written as 1) [%(default)s]")
    p.set_defaults(func=run)


def run(args) -> int:
    from leogen.export import run as exports
    from leogen.io.formats import read_individual_genotypes
    from leogen.io.tables import read_delimited

    if bool(args.sample_individual) != bool(args.samples):
        raise InputError("the secr files need both --sample-individual and --samples")
    if args.camera_traps and not args.samples:
        raise InputError("--camera-traps is used for the secr files, with --sample-individual "
                         "and --samples")
    g = read_individual_genotypes(args.genotypes, args.format)
    keep = {x.strip() for x in args.keep_loci.split(",") if x.strip()}
    drop = loci_to_drop(args, g.loci, args.genotypes)
    check_loci_named(keep, g.loci, "--keep-loci", args.genotypes, default=())
    drop -= keep
    populations = None
    if args.populations:
        populations = read_delimited(args.populations, [args.population_column])
        if args.population_column != "population":
            populations = populations.rename(columns={args.population_column: "population"})
    individuals = None
    if args.individuals:
        from leogen.identify.outputs import INDIVIDUALS

        individuals = INDIVIDUALS.read(args.individuals, ["individual_id", "sex"])
    rates = None
    if args.error_rates:
        from leogen.qc.outputs import LINKED_ERROR_RATES_LOCUS

        rates = LINKED_ERROR_RATES_LOCUS.read(args.error_rates,
                                              ["locus", "basis", "ado_rate", "fa_rate"])
    links, samples = read_grouping(args)
    detections = None
    if args.sample_individual:
        from leogen.io.sheets import read_samples
        from leogen.monitoring.captures import build_histories, read_aliases, read_camera_traps

        det, _, occ = build_histories(args.sample_individual, args.samples, args.camera_traps,
                                      args.aliases, args.occasion)
        samples = read_samples(args.samples)
        camera = None
        if args.camera_traps:
            aliases = read_aliases(args.aliases) if args.aliases else {}
            camera = read_camera_traps(args.camera_traps, set(det["individual_id"]), aliases)
        detections = (det, occ, samples, camera)
    res = exports.run(g, args.out_dir, populations=populations, exclude_loci=drop,
                      individuals=individuals, error_rates=rates, detections=detections,
                      seed=args.seed, source=args.populations or args.sample_individual,
                      group_by=args.group_by, sample_links=links, samples=samples,
                      period_years=args.period_years)
    codes = ", ".join(f"{c}={n}" for n, c in sorted(res.codes.items(), key=lambda kv: kv[1]))
    print(f"leogen export: {len(res.animals)} animals, {len(res.files)} files in "
          f"{args.out_dir}; population codes (STRUCTURE, FSTAT): {codes}", file=sys.stderr)
    return 0
