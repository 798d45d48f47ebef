"""``leogen inbreeding``: individual heterozygosity/inbreeding and identity disequilibrium.

Writes to ``--out-dir``: ``individuals.tsv`` (individual_id, n_loci, smlh, ir, hl,
f_ritland [, f_mom, f_roh, n_snps_called, n_roh, length_roh with --vcf; f_roh only when
leogen.snp.roh is available]) and ``g2.tsv``
(g2, g2_se, g2_lo, g2_hi, p_value, n_individuals, n_loci, n_bootstraps, n_permutations,
r2_hf, var_smlh).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.commands.relatedness import (
    add_genotype_args,
    add_vcf_args,
    check_snp_args,
    load_genotypes,
    read_sample_map,
    read_snp_table,
)
from leogen.errors import InputError
from leogen.io.atomic import write_table


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
    p.add_argument("--permutations", type=int, default=1000,
                   help="permutations for the g2 p-value [%(default)s]")
    p.add_argument("--seed", type=int, default=1, help="random seed [%(default)s]")
    add_vcf_args(p)
    p.set_defaults(func=main)


def _by_individual(df: pd.DataFrame, sample_map: dict, cols: list[str]) -> pd.DataFrame:
    df = df.assign(individual_id=df["sample_id"].astype(str).map(lambda s: sample_map.get(s, s)))
    return df.drop_duplicates("individual_id")[["individual_id"] + cols]


def snp_individuals(vcf: str | None, sample_map: dict, snp_dir: str | None = None) -> pd.DataFrame:
    """f_mom (plink --het style) and F_ROH per individual, from a VCF or gathered tables."""
    from leogen.snp.engine import het_table
    from leogen.snp.roh import froh_table

    if snp_dir:
        het = read_snp_table(snp_dir, "het.tsv", ["sample_id", "n_called", "f_mom"])
        froh = read_snp_table(snp_dir, "froh.tsv", ["sample_id", "n_roh", "length_roh", "f_roh"])
    else:
        het, froh = het_table(vcf), froh_table(vcf)
    het = het.rename(columns={"n_called": "n_snps_called"})
    het = _by_individual(het.sort_values("n_snps_called", ascending=False, kind="stable"),
                         sample_map, ["f_mom", "n_snps_called"])
    roh = _by_individual(froh, sample_map, ["f_roh", "n_roh", "length_roh"])
    return het.merge(roh, on="individual_id", how="outer")


def main(args) -> int:
    from leogen.popgen import inbreeding as inb

    if args.bootstraps < 0 or args.permutations < 0:
        raise InputError("--bootstraps and --permutations must be 0 or more")
    check_snp_args(args)
    g = load_genotypes(args.genotypes, args.format, args.exclude_loci)
    table = inb.individual_inbreeding(g)
    h = inb.heterozygosity_matrix(g)
    g2 = inb.g2_microsats(h, args.bootstraps, args.permutations, args.seed)
    smlh = table["smlh"].to_numpy(float)
    g2["r2_hf"] = inb.r2_hf(g2["g2"], smlh)
    g2["var_smlh"] = float(np.nanvar(smlh, ddof=1)) if np.isfinite(smlh).sum() > 1 else np.nan
    if args.vcf or args.snp_dir:
        snp = snp_individuals(args.vcf, read_sample_map(args.sample_map), args.snp_dir)
        table = table.merge(snp, on="individual_id", how="left")
        order = ["f_mom", "f_roh", "n_snps_called", "n_roh", "length_roh"]
        table = table[[c for c in table.columns if c not in order]
                      + [c for c in order if c in table.columns]]
        n_snp = int(table["f_mom"].notna().sum())
        print(f"SNP data for {n_snp} of {len(table)} individuals", file=sys.stderr)
        for c in ("n_snps_called", "n_roh"):
            if c in table:
                table[c] = table[c].astype("Int64")
    out = Path(args.out_dir)
    write_table(table, out / "individuals.tsv")
    write_table(pd.DataFrame([g2]), out / "g2.tsv")
    print(f"{g.n_samples} individuals, {g.n_loci} loci; g2 = {g2['g2']:.4g} "
          f"(p = {g2['p_value']:.3g}, {g2['n_permutations']} permutations)")
    return 0
