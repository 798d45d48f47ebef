"""``leogen relatedness``: pairwise relatedness of every pair of individuals.

Writes to ``--out-dir``: ``pairs.tsv`` (id1, id2, n_loci, qg, lr, ritland, wang, li, ml,
relationship, loglik_po, loglik_fs, loglik_hs, loglik_u, lr_best_vs_next [, king, ibs0,
n_snps with --vcf]), ``matrix_<estimator>.tsv``, ``estimator_choice.tsv``,
``allele_freqs.tsv`` (the reference frequencies used), ``heatmap.png`` and ``network.png``
(recommended estimator). The work is :func:`leogen.popgen.relatedness.run`.
"""

from __future__ import annotations

import sys

from leogen.commands._args import non_negative_int, probability
from leogen.commands._popgen_args import (
    add_genotype_args,
    add_vcf_args,
    check_snp_args,
    load_genotypes,
    read_sample_map,
    read_snp_tables,
)
from leogen.errors import InputError


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
    p.add_argument("--simulate-pairs", type=non_negative_int, default=100,
                   help="simulated pairs per relationship class for the estimator choice "
                        "(0 = skip) [%(default)s]")
    p.add_argument("--seed", type=non_negative_int, default=1, help="random seed [%(default)s]")
    p.add_argument("--error-rate", type=probability, default=0.01,
                   help="genotyping error rate per genotype for the relationship "
                        "likelihoods [%(default)s]")
    p.add_argument("--threshold", type=float, default=0.2,
                   help="network edges for r >= this [%(default)s]")
    p.add_argument("--qg", choices=("pooled", "mean"), default="pooled",
                   help="Queller & Goodnight: pool both directions' sums as R related and "
                        "COANCESTRY (pooled, default) or average the two directional "
                        "estimates (mean)")
    p.add_argument("--wang-small-sample", action="store_true",
                   help="Wang (2002): small-sample corrected a2..a4 (default: plain sums, "
                        "as R related)")
    add_vcf_args(p)
    p.set_defaults(func=main)


def _check_args(args) -> None:
    if args.min_loci < 1:
        raise InputError(f"--min-loci must be at least 1, got {args.min_loci}")
    if args.simulate_pairs < 0:
        raise InputError(f"--simulate-pairs must be 0 or more, got {args.simulate_pairs}")
    if not 0 <= args.error_rate < 1:
        raise InputError(f"--error-rate must be in [0, 1), got {args.error_rate}")
    check_snp_args(args)


def main(args) -> int:
    from leogen.popgen import relatedness as rel

    _check_args(args)
    g = load_genotypes(args.genotypes, args.format, args.exclude_loci, args.sex_locus)
    af = rel.read_allele_freqs(args.allele_freqs, g) if args.allele_freqs else None
    king = read_snp_tables(args.snp_dir, ("king",))[0] if args.snp_dir else None
    res = rel.run(g, args.out_dir, allele_freqs=af, min_loci=args.min_loci,
                  error_rate=args.error_rate, n_simulated_pairs=args.simulate_pairs,
                  seed=args.seed, network_threshold=args.threshold, king=king, vcf=args.vcf,
                  sample_map=read_sample_map(args.sample_map), qg=args.qg,
                  wang_small_sample=args.wang_small_sample)
    if res.n_pairs_snp is not None:
        print(f"SNP kinship for {res.n_pairs_snp} of {len(res.pairs)} pairs"
              + ("" if res.n_pairs_snp or args.sample_map else
                 " (VCF sample names are not individual ids: give --sample-map)"),
              file=sys.stderr)
    print(f"{len(res.pairs)} pairs of {g.n_samples} individuals, {res.n_pairs_min_loci} with "
          f">= {args.min_loci} loci; allele frequencies from {res.allele_freqs.source}; "
          f"recommended estimator: {res.recommended}")
    return 0
