"""Arguments and input reading shared by ``leogen relatedness`` and ``leogen inbreeding``.

Both take one microsatellite genotype per individual (minus excluded loci) and, optionally,
SNP results: a VCF, or the folder of gathered ``leogen snp`` tables, with a map from VCF
samples to individuals.
"""

from __future__ import annotations

import pandas as pd

from leogen.commands._args import add_sex_locus_args
from leogen.errors import InputError


def add_genotype_args(p) -> None:
    p.add_argument("--genotypes", required=True,
                   help="one genotype per individual (long table: sample_id, replicate, "
                        "locus, allele1, allele2, e.g. identify/individual_genotypes.tsv)")
    p.add_argument("--format", default="auto", help="genotype file format [%(default)s]")
    add_sex_locus_args(p, "the estimates")


def add_vcf_args(p) -> None:
    p.add_argument("--vcf", help="SNP VCF (bgzipped) of blood/tissue samples: adds SNP-based "
                                 "columns")
    p.add_argument("--sample-map", help="sample_id -> individual_id table (e.g. "
                   "identify/sample_individual.tsv) to name VCF samples by individual")
    p.add_argument("--snp-dir", help="output directory of `leogen snp gather`/`leogen snp roh` "
                   "(king.tsv, het.tsv, froh.tsv): use these SNP results instead of --vcf")


def check_snp_args(args) -> None:
    if args.sample_map and not (args.vcf or args.snp_dir):
        raise InputError("--sample-map is only used with --vcf or --snp-dir")
    if args.vcf and args.snp_dir:
        raise InputError("give SNP results either as --vcf or as --snp-dir, not both")


def check_loci_named(names, loci, flag: str, path, default=("AMEL",)) -> None:
    """Every locus a flag names must be in the genotype file (a misspelt ``--exclude-loci
    fca8`` would leave the locus in silently); the flag's default (the sex marker) may be
    absent.

    Parameters
    ----------
    names : iterable of str
        The loci given with the flag.
    loci : iterable of str
        The loci of the file.
    flag : str
        The flag, for the message.
    path : str
        The genotype file.
    default : tuple of str
        Names that may be missing from the file.

    Raises
    ------
    InputError
        ``--exclude-loci: no locus 'X' in the file (loci: ...)``, with a case hint.
    """
    have = [str(x) for x in loci]
    for name in sorted(set(names) - set(have) - set(default)):
        near = next((h for h in have if h.casefold() == name.casefold()), None)
        hint = f"; did you mean '{near}'?" if near else ""
        raise InputError(f"{flag}: no locus '{name}' in the file (loci: "
                         f"{', '.join(have[:12])}{', ...' if len(have) > 12 else ''}){hint}",
                         path)


def load_genotypes(path: str, fmt: str = "auto", exclude: str | None = None,
                   sex_locus: str = ""):
    """Genotypes of one genotype per individual, minus the sex marker (``sex_locus``, may be
    absent) and the ``exclude`` loci (comma-separated, each must be in the file);
    microsatellites only."""
    from argparse import Namespace

    from leogen.commands._args import loci_to_drop
    from leogen.io.formats import read_individual_genotypes

    g = read_individual_genotypes(path, fmt)
    drop = loci_to_drop(Namespace(exclude_loci=exclude, sex_locus=sex_locus), g.loci, path)
    g = g.without_loci(drop)
    if g.n_loci == 0:
        raise InputError("no loci left after excluding " + ", ".join(sorted(drop)), path)
    if g.is_snp:
        raise InputError("these are SNP genotypes; microsatellite estimators need allele sizes "
                         "(give SNPs with --vcf)", path)
    return g


def read_sample_map(path: str | None) -> dict:
    """VCF sample_id -> individual_id of every sample assigned to an animal (any status).

    Read through the identify stage's declaration of ``sample_individual.tsv``; only its
    ``sample_id`` and ``individual_id`` columns are needed, so a two-column map works too.
    """
    if not path:
        return {}
    from leogen.identify.outputs import read_sample_individual

    df = read_sample_individual(path, identified_only=False,
                                columns=["sample_id", "individual_id"])
    df = df[df["individual_id"] != ""]
    return dict(zip(df["sample_id"], df["individual_id"], strict=True))


def read_snp_tables(snp_dir: str, names: tuple[str, ...]) -> list[pd.DataFrame]:
    """The gathered tables of the snp stage in ``snp_dir`` that relatedness/inbreeding use.

    ``names`` among ``king``, ``het``, ``froh``; read strictly through the snp stage's
    declarations (:mod:`leogen.snp.outputs`), without the ``_line`` column.
    """
    from leogen.snp import outputs as snp_outputs

    readers = {"king": snp_outputs.read_king, "het": snp_outputs.read_het,
               "froh": snp_outputs.read_froh}
    return [readers[name](snp_dir).drop(columns="_line") for name in names]
