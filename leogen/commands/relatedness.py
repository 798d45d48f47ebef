"""``leogen relatedness``: pairwise relatedness of every pair of individuals.

Writes to ``--out-dir``: ``pairs.tsv`` (id1, id2, n_loci, qg, lr, ritland, wang, li, ml,
relationship, loglik_po, loglik_fs, loglik_hs, loglik_u, lr_best_vs_next [, king, ibs0,
n_snps with --vcf]), ``matrix_<estimator>.tsv``, ``estimator_choice.tsv``,
``allele_freqs.tsv`` (the reference frequencies used), ``heatmap.png`` and ``network.png``
(recommended estimator).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.io.atomic import write_table


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "relatedness", help="pairwise relatedness (QG, LR, Ritland, Wang, Li, ML), "
                            "relationship classes and estimator choice by simulation",
        description="Relatedness of every pair of individuals from microsatellites: "
                    "Queller & Goodnight, Lynch & Ritland, Ritland, Wang, Li et al. moment "
                    "estimators and dyadic ML; PO/FS/HS/U likelihoods with genotyping error; "
                    "the estimator recommended by simulating pairs of known relationship from "
                    "the data's own allele frequencies and missing-data rate.")
    add_genotype_args(p)
    p.add_argument("--out-dir", required=True, help="output directory")
    p.add_argument("--allele-freqs", help="reference allele frequencies TSV (locus, allele, "
                   "frequency); default: all individuals in --genotypes")
    p.add_argument("--min-loci", type=int, default=6,
                   help="minimum loci typed in both members of a pair [%(default)s]")
    p.add_argument("--simulate-pairs", type=int, default=100,
                   help="simulated pairs per relationship class for the estimator choice "
                        "(0 = skip) [%(default)s]")
    p.add_argument("--seed", type=int, default=1, help="random seed [%(default)s]")
    p.add_argument("--error-rate", type=float, default=0.01,
                   help="genotyping error rate per genotype for the relationship "
                        "likelihoods [%(default)s]")
    p.add_argument("--threshold", type=float, default=0.2,
                   help="network edges for r >= this [%(default)s]")
    add_vcf_args(p)
    p.set_defaults(func=main)


def add_genotype_args(p) -> None:
    p.add_argument("--genotypes", required=True,
                   help="one genotype per individual (long table: sample_id, replicate, "
                        "locus, allele1, allele2, e.g. identify/individual_genotypes.tsv)")
    p.add_argument("--format", default="auto", help="genotype file format [%(default)s]")
    p.add_argument("--exclude-loci", default="AMEL",
                   help="comma-separated loci to leave out, e.g. the sex marker [%(default)s]")


def add_vcf_args(p) -> None:
    p.add_argument("--vcf", help="SNP VCF (bgzipped) of blood/tissue samples: adds SNP-based "
                                 "columns")
    p.add_argument("--sample-map", help="sample_id -> individual_id table (e.g. "
                   "identify/sample_individual.tsv) to name VCF samples by individual")
    p.add_argument("--snp-dir", help="output directory of `leogen snp gather`/`leogen snp roh` "
                   "(king.tsv, het.tsv, froh.tsv): use these SNP results instead of --vcf")


def load_genotypes(path: str, fmt: str = "auto", exclude: str = ""):
    """Genotypes of one genotype per individual, minus the excluded loci."""
    from leogen.io.formats import read_individual_genotypes

    g = read_individual_genotypes(path, fmt)
    drop = {s.strip() for s in exclude.split(",") if s.strip()}
    g = g.without_loci(drop)
    if g.n_loci == 0:
        raise InputError("no loci left after excluding " + ", ".join(sorted(drop)), path)
    if g.is_snp:
        raise InputError("these are SNP genotypes; microsatellite estimators need allele sizes "
                         "(give SNPs with --vcf)", path)
    return g


def read_sample_map(path: str | None) -> dict:
    """sample_id -> individual_id (rows with an empty individual_id are skipped)."""
    if not path:
        return {}
    from leogen.qc.consensus import read_links

    return read_links(path).to_dict()


def _check_args(args) -> None:
    if args.min_loci < 1:
        raise InputError(f"--min-loci must be at least 1, got {args.min_loci}")
    if args.simulate_pairs < 0:
        raise InputError(f"--simulate-pairs must be 0 or more, got {args.simulate_pairs}")
    if not 0 <= args.error_rate < 1:
        raise InputError(f"--error-rate must be in [0, 1), got {args.error_rate}")
    check_snp_args(args)


def check_snp_args(args) -> None:
    if args.sample_map and not (args.vcf or args.snp_dir):
        raise InputError("--sample-map is only used with --vcf or --snp-dir")
    if args.vcf and args.snp_dir:
        raise InputError("give SNP results either as --vcf or as --snp-dir, not both")


def read_snp_table(snp_dir: str, name: str, columns: list[str]) -> pd.DataFrame:
    """A table written by `leogen snp gather` / `leogen snp roh`, numeric columns typed."""
    from leogen.io.tables import read_delimited

    path = Path(snp_dir) / name
    df = read_delimited(path, columns).drop(columns="_line")
    for c in df.columns:
        if c not in ("id1", "id2", "sample_id"):
            df[c] = pd.to_numeric(df[c].replace("NA", np.nan), errors="coerce")
    return df


def snp_pairs(source, sample_map: dict) -> pd.DataFrame:
    """KING-robust kinship, IBS0 and n_snps per pair of individuals.

    ``source`` is a VCF path (computed with ``leogen.snp.engine.king_table``) or the DataFrame of
    a gathered ``king.tsv``.
    """
    from leogen.snp.engine import king_table

    king = source if isinstance(source, pd.DataFrame) else king_table(source)
    king = king.assign(id1=king["id1"].astype(str).map(lambda s: sample_map.get(s, s)),
                       id2=king["id2"].astype(str).map(lambda s: sample_map.get(s, s)))
    king = king[king["id1"] != king["id2"]]
    lo = np.where(king["id1"] < king["id2"], king["id1"], king["id2"])
    hi = np.where(king["id1"] < king["id2"], king["id2"], king["id1"])
    king = king.assign(_a=lo, _b=hi).sort_values(["_a", "_b", "n_snps"],
                                                  ascending=[True, True, False])
    king = king.drop_duplicates(["_a", "_b"])  # several samples of one animal: most SNPs
    return king.rename(columns={"kinship": "king"})[["_a", "_b", "king", "ibs0", "n_snps"]]


def merge_snp_pairs(pairs: pd.DataFrame, king: pd.DataFrame) -> pd.DataFrame:
    lo = np.where(pairs["id1"] < pairs["id2"], pairs["id1"], pairs["id2"])
    hi = np.where(pairs["id1"] < pairs["id2"], pairs["id2"], pairs["id1"])
    out = pairs.assign(_a=lo, _b=hi).merge(king, on=["_a", "_b"], how="left")
    out["n_snps"] = out["n_snps"].astype("Int64")
    return out.drop(columns=["_a", "_b"])


def _freq_table(g, af) -> pd.DataFrame:
    rows = []
    for j, locus in enumerate(g.loci):  # per locus
        labels = list(g.alleles[j])
        for a in range(af.freqs.shape[1]):
            if af.freqs[j, a] > 0:
                rows.append({"locus": locus,
                             "allele": labels[a] if a < len(labels) else "other",
                             "frequency": af.freqs[j, a],
                             "n_genes": af.n_genes[j] if af.n_genes is not None else np.nan})
    return pd.DataFrame(rows, columns=["locus", "allele", "frequency", "n_genes"])


def main(args) -> int:
    from leogen.popgen import relatedness as rel

    _check_args(args)
    g = load_genotypes(args.genotypes, args.format, args.exclude_loci)
    if g.n_samples < 2:
        raise InputError(f"need at least 2 individuals for relatedness, found {g.n_samples}",
                         args.genotypes)
    af = (rel.read_allele_freqs(args.allele_freqs, g) if args.allele_freqs
          else rel.allele_frequencies(g))
    pairs = rel.pairwise_relatedness(g, af, args.min_loci, args.error_rate)
    out = Path(args.out_dir)
    recommended = "wang"
    if args.simulate_pairs > 0:
        choice = rel.compare_estimators(af, args.simulate_pairs, g.missing().mean(axis=0),
                                        args.min_loci, args.error_rate, args.seed)
        rec = choice.loc[choice["recommended"], "estimator"]
        if len(rec):
            recommended = rec.iloc[0]
        write_table(choice, out / "estimator_choice.tsv")
    if args.vcf or args.snp_dir:
        source = args.vcf or read_snp_table(
            args.snp_dir, "king.tsv", ["id1", "id2", "n_snps", "ibs0", "kinship"])
        pairs = merge_snp_pairs(pairs, snp_pairs(source, read_sample_map(args.sample_map)))
        n_snp = int(pairs["king"].notna().sum())
        print(f"SNP kinship for {n_snp} of {len(pairs)} pairs"
              + ("" if n_snp or args.sample_map else
                 " (VCF sample names are not individual ids: give --sample-map)"),
              file=sys.stderr)
    write_table(pairs, out / "pairs.tsv")
    write_table(_freq_table(g, af), out / "allele_freqs.tsv")
    for name in rel.ESTIMATORS:
        write_table(rel.relatedness_matrix(pairs, name, g.samples), out / f"matrix_{name}.tsv")
    if "king" in pairs.columns:
        write_table(rel.relatedness_matrix(pairs, "king", g.samples), out / "matrix_king.tsv")
    m = rel.relatedness_matrix(pairs, recommended, g.samples)
    rel.plot_heatmap(m, out / "heatmap.png", f"relatedness ({recommended})")
    rel.plot_network(pairs, recommended, g.samples, out / "network.png", args.threshold)
    n_ok = int((pairs["n_loci"] >= args.min_loci).sum())
    print(f"{len(pairs)} pairs of {g.n_samples} individuals, {n_ok} with >= {args.min_loci} "
          f"loci; allele frequencies from {af.source}; recommended estimator: {recommended}")
    return 0
