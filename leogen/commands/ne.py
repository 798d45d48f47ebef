"""``leogen ne``: effective population size (LDNe, heterozygote excess), overall and per year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ne",
        help="effective population size by the LD method (LDNe) and heterozygote excess",
        description="Ne from one genotype per individual: LD method of Waples (2006) / "
                    "Waples & Do (2008) at lowest-allele-frequency cut-offs 0.05/0.02/0.01/0+, "
                    "parametric and jackknife-over-loci CIs; Pudovkin et al. (1996) "
                    "heterozygote excess. Overall and, with --by-year, for the animals "
                    "detected each year. Writes ne.tsv.")
    p.add_argument("--genotypes", required=True, metavar="FILE",
                   help="one genotype per individual (identify/individual_genotypes.tsv or "
                        "any format leogen reads)")
    p.add_argument("--format", default=None, metavar="F", help="genotype file format")
    p.add_argument("--by-year", action="store_true",
                   help="also per year (needs --sample-individual and --samples)")
    p.add_argument("--sample-individual", default=None, metavar="TSV")
    p.add_argument("--samples", default=None, metavar="TSV")
    p.add_argument("--abundance", default=None, metavar="TSV",
                   help="abundance.tsv: the selected N-hat per year is put beside Ne")
    p.add_argument("--p-crit", default="0.05,0.02,0.01,0+", metavar="LIST",
                   help="lowest allele frequencies (default 0.05,0.02,0.01,0+)")
    p.add_argument("--sex-locus", default="AMEL", metavar="LOCUS",
                   help="sex marker left out of Ne and Ho/He (default AMEL; '' for none)")
    p.add_argument("--temporal", action="store_true",
                   help="also the temporal method between animals first detected in the first "
                   "and in the last period (needs --sample-individual and --samples)")
    p.add_argument("--period-years", type=int, default=4, metavar="N",
                   help="length of the first-detection periods of --temporal [%(default)s]")
    p.add_argument("--generation-years", type=float, default=5.0, metavar="Y",
                   help="generation time in years, to turn years into generations "
                   "(Amur leopard about 5) [%(default)s]")
    p.add_argument("--out-dir", required=True, metavar="DIR")
    p.set_defaults(func=run)


def _p_crits(text: str):
    from leogen.errors import InputError

    out = []
    for tok in text.split(","):
        tok = tok.strip()
        if tok == "0+":
            out.append(0.0)
            continue
        try:
            v = float(tok)
        except ValueError:
            v = -1.0
        if not (0 < v < 0.5):
            raise InputError(f"--p-crit '{tok}' is not a frequency in (0, 0.5) or 0+")
        out.append(v)
    return tuple(out)


def run(args) -> int:
    from leogen.errors import InputError
    from leogen.io.atomic import write_table
    from leogen.io.formats import read_individual_genotypes
    from leogen.io.sheets import read_samples
    from leogen.io.tables import read_delimited
    from leogen.monitoring.captures import read_sample_individual
    from leogen.monitoring.ne import ne_table

    p_crits = _p_crits(args.p_crit)
    g = read_individual_genotypes(args.genotypes, args.format)
    if args.sex_locus:
        g = g.without_loci([args.sex_locus])
    groups = {"all": g}
    if args.by_year:
        if not (args.sample_individual and args.samples):
            raise InputError("--by-year needs --sample-individual and --samples")
        si = read_sample_individual(args.sample_individual)
        sheet = read_samples(args.samples).set_index("sample_id")
        si = si[si["sample_id"].isin(sheet.index)]
        years = sheet.loc[si["sample_id"], "date"].dt.year.to_numpy()
        for y in sorted(set(years.tolist())):
            ids = set(si["individual_id"].to_numpy()[years == y])
            mask = np.isin(g.samples, list(ids))
            if mask.sum() >= 2:
                groups[str(int(y))] = g.subset(samples=mask)
    n_hat = {}
    if args.abundance:
        ab = read_delimited(args.abundance, ["year", "n_hat", "selected"])
        sel = ab[ab["selected"] == "true"]
        n_hat = {str(y): float(v) for y, v in zip(sel["year"], sel["n_hat"], strict=True)
                 if v not in ("", "NA")}
    table = ne_table(groups, p_crits, n_hat)
    if args.temporal:
        table = pd.concat([table, temporal_row(g, args)], ignore_index=True)
    write_table(table, Path(args.out_dir) / "ne.tsv")
    return 0


def temporal_row(g, args) -> pd.DataFrame:
    """The temporal-method row of ne.tsv: cohorts of first detection, first vs last period."""
    from leogen.errors import InputError
    from leogen.io.sheets import read_samples
    from leogen.io.tables import read_delimited
    from leogen.monitoring.ne import NE_COLUMNS, temporal_ne
    from leogen.popgen.diversity import individual_populations

    if not (args.sample_individual and args.samples):
        raise InputError("--temporal needs --sample-individual and --samples")
    if not args.generation_years > 0:
        raise InputError(f"--generation-years must be positive, got {args.generation_years}")
    links = read_delimited(args.sample_individual, ["sample_id", "individual_id"])
    sheet = read_samples(args.samples)
    cohorts = individual_populations(links, sheet, "period", args.period_years)
    cohorts = cohorts[cohorts["individual_id"].isin(set(g.samples))]
    periods = sorted(set(cohorts["population"]))
    name = "temporal"
    if len(periods) < 2:
        res = {"method": "temporal", "ne": np.nan, "note": "one period of first detection only"}
    else:
        early, late = periods[0], periods[-1]
        name = f"{early}_vs_{late}"
        pop = dict(zip(cohorts["individual_id"], cohorts["population"], strict=True))
        first = np.array([pop.get(s) == early for s in g.samples])
        last = np.array([pop.get(s) == late for s in g.samples])
        start = [int(p.split("-")[0]) for p in (early, late)]
        generations = (start[1] - start[0]) / args.generation_years
        res = temporal_ne(g, first, last, generations)
        res["note"] = (f"cohorts by first detection, {generations:.2g} generations apart "
                       f"({args.generation_years:g}-year generations); overlapping generations "
                       "bias the temporal method (Jorde & Ryman 1995)")
    return pd.DataFrame([{"group": name, **res}]).reindex(columns=NE_COLUMNS)
