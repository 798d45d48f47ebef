"""``leogen inbreeding``: individual heterozygosity/inbreeding and identity disequilibrium.

Writes to ``--out-dir``: ``individuals.tsv`` (individual_id, n_loci, smlh, ir, hl,
f_ritland [, f_mom, f_roh, n_snps_called, n_roh, length_roh with --vcf or --snp-dir]) and
``g2.tsv`` (g2, g2_se, g2_lo, g2_hi, p_value, n_individuals, n_loci, n_bootstraps,
n_permutations, r2_hf, var_smlh). The work is :func:`leogen.popgen.inbreeding.run`.
"""

from __future__ import annotations

import sys

from leogen.commands._args import non_negative_int
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
        "inbreeding", help="sMLH, IR, HL, Ritland F per individual; g2 identity disequilibrium",
        description="Per individual: standardised multilocus heterozygosity (sMLH), internal "
                    "relatedness (IR), homozygosity by locus (HL), Ritland's F; for the "
                    "population: g2 (David et al. 2007, as inbreedR g2_microsats) with a "
                    "bootstrap CI and a permutation p-value, and the expected r2 between "
                    "sMLH and inbreeding.")
    add_genotype_args(p)
    p.add_argument("--out-dir", required=True, help="output directory")
    p.add_argument("--bootstraps", type=int, default=1000,
                   help="bootstrap resamples of individuals for g2 [%(default)s]")
    p.add_argument("--permutations", type=non_negative_int, default=1000,
                   help="permutations for the g2 p-value [%(default)s]")
    p.add_argument("--seed", type=non_negative_int, default=1, help="random seed [%(default)s]")
    add_vcf_args(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from leogen.popgen import inbreeding as inb

    if args.bootstraps < 0 or args.permutations < 0:
        raise InputError("--bootstraps and --permutations must be 0 or more")
    check_snp_args(args)
    g = load_genotypes(args.genotypes, args.format, args.exclude_loci, args.sex_locus)
    het = froh = None
    if args.snp_dir:
        het, froh = read_snp_tables(args.snp_dir, ("het", "froh"))
    res = inb.run(g, args.out_dir, n_bootstraps=args.bootstraps,
                  n_permutations=args.permutations, seed=args.seed, het=het, froh=froh,
                  vcf=args.vcf, sample_map=read_sample_map(args.sample_map))
    if res.n_individuals_snp is not None:
        print(f"SNP data for {res.n_individuals_snp} of {len(res.individuals)} individuals",
              file=sys.stderr)
    g2 = res.g2
    print(f"{g.n_samples} individuals, {g.n_loci} loci; g2 = {g2['g2']:.4g} "
          f"(p = {g2['p_value']:.3g}, {g2['n_permutations']} permutations)")
    return 0
