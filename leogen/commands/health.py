"""``leogen health``: disease screening linked to the animals and their genetics.

Writes status.tsv, prevalence.tsv, hfc.tsv (with --inbreeding), wdds.tsv, animals/<id>.html,
animals.csv (+ animals.xlsx when openpyxl is installed) and population.html to --out-dir.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.health import report as health_report
from leogen.health import screening
from leogen.io.tables import read_delimited


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (v > 0) or math.isinf(v):
        raise argparse.ArgumentTypeError(f"'{text}' must be > 0")
    return v


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be >= 0")
    return v


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "health", help="screening results per animal, prevalence, HFC models and vet pages",
        description="Disease screening linked to the animals and their genetics: per-animal "
        "status, prevalence with intervals, HFC models, vet pages and a WDDS export.")
    p.add_argument("--screening", required=True, help="screening.tsv (pathogen tests)")
    p.add_argument("--samples", required=True, help="the sample sheet (samples.tsv)")
    p.add_argument("--sample-individual", required=True,
                   help="identify/sample_individual.tsv (sample -> animal)")
    p.add_argument("--individuals", required=True, help="identify/individuals.tsv")
    p.add_argument("--inbreeding", help="inbreeding/individuals.tsv (sMLH, F) for HFC models")
    p.add_argument("--g2", help="inbreeding/g2.tsv (identity disequilibrium)")
    p.add_argument("--pairs", help="relatedness/pairs.tsv (closest relatives)")
    p.add_argument("--cutoffs", help="YAML: pathogen -> assay -> cut-off titre [, Se, Sp, source]")
    loc = p.add_mutually_exclusive_group()
    loc.add_argument("--grid-km", type=_positive_float, default=10.0,
                     help="generalise coordinates to this grid (km, default 10)")
    loc.add_argument("--exact-locations", action="store_true",
                     help="show exact coordinates (only for authorised, non-shared outputs)")
    p.add_argument("--untested-years", type=_nonneg_float, default=3.0,
                   help="flag animals not tested for a pathogen for more than this (default 3)")
    p.add_argument("--period", choices=["year", "all"], default="year",
                   help="period of the per-animal status for the year stratum (default year)")
    p.add_argument("--seed", type=int, default=1, help="seed of the power simulation")
    p.add_argument("--power-sims", type=int, default=400, help="simulations for power (400)")
    p.add_argument("--out-dir", required=True, help="output directory")
    p.set_defaults(func=run)


def _numeric(df: pd.DataFrame, cols, path) -> pd.DataFrame:
    errors = ErrorCollector()
    out = df.copy()
    for c in cols:
        if c not in out.columns:
            continue
        raw = out[c].astype(str).str.strip()
        missing = raw.isin(["", "NA", "na", "nan", "NaN"])
        num = pd.to_numeric(raw.where(~missing), errors="coerce")
        bad = num.isna() & ~missing
        for line, v in zip(out.loc[bad, "_line"], raw[bad], strict=True):
            errors.add(f"{c} '{v}' is not a number (or NA)", path, int(line), c)
        out[c] = num.astype(float)
    errors.raise_if_any()
    return out


def _unique(df: pd.DataFrame, col: str, path) -> None:
    dup = df[col].duplicated(keep="first") & (df[col] != "")
    if dup.any():
        first = dict(zip(df.loc[~dup, col], df.loc[~dup, "_line"], strict=True))
        errors = ErrorCollector()
        for v, line in zip(df.loc[dup, col], df.loc[dup, "_line"], strict=True):
            errors.add(f"{col} '{v}' appears twice (first on line {first[v]})", path, int(line),
                       col)
        errors.raise_if_any()


def _read_samples(path) -> pd.DataFrame:
    try:
        from leogen.io.sheets import read_samples
    except ImportError:  # pragma: no cover - sheets.py is part of the package
        df = read_delimited(path, ["sample_id", "sample_type", "date", "site", "lat", "lon"])
        df = _numeric(df, ["lat", "lon"], path)
        df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
        return df
    return read_samples(path)


def _read_g2(path) -> dict:
    df = _numeric(read_delimited(path, ["g2"], ["p_value"]), ["g2", "p_value"], path)
    return {"g2": float(df["g2"].iloc[0]),
            "g2_p": float(df["p_value"].iloc[0]) if "p_value" in df.columns else math.nan}


def run(args) -> int:
    from leogen.io.sheets import check_known_ids

    cutoffs = screening.load_cutoffs(args.cutoffs)
    raw = screening.read_screening(args.screening)
    tests = screening.normalise_screening(raw, cutoffs, args.screening)
    samples = _read_samples(args.samples)
    check_known_ids(tests["sample_id"], samples["sample_id"], args.screening, "sample_id",
                    lines=tests["line"].to_numpy()).raise_if_any()
    si = read_delimited(args.sample_individual, ["sample_id", "individual_id"])
    si["individual_id"] = si["individual_id"].where(~si["individual_id"].isin(["NA", "na"]), "")
    _unique(si, "sample_id", args.sample_individual)
    individuals = read_delimited(args.individuals, ["individual_id"])
    _unique(individuals, "individual_id", args.individuals)
    tests = screening.link_tests(tests, si, args.screening)
    inbreeding = g2 = pairs = None
    if args.inbreeding:
        inbreeding = read_delimited(args.inbreeding, ["individual_id", "smlh"])
        _unique(inbreeding, "individual_id", args.inbreeding)
        inbreeding = _numeric(inbreeding, [c for c in inbreeding.columns
                                           if c not in ("individual_id", "_line")], args.inbreeding)
    if args.g2:
        g2 = _read_g2(args.g2)
    if args.pairs:
        pairs = read_delimited(args.pairs, ["id1", "id2"])
        pairs = _numeric(pairs, [c for c in health_report.RELATEDNESS_ESTIMATORS
                                 if c in pairs.columns], args.pairs)
    res = health_report.build_health(
        tests, samples, si, individuals, inbreeding, g2, pairs,
        grid_km=args.grid_km, exact=args.exact_locations, untested_years=args.untested_years,
        period=args.period, seed=args.seed, power_sims=args.power_sims)
    notes = health_report.write_health(res, args.out_dir)
    n_unlinked = int((tests["individual_id"] == "").sum())
    print(f"leogen health: {len(tests)} tests ({n_unlinked} not linked to an animal), "
          f"{len(res['records'])} animals, {res['status']['pathogen'].nunique()} pathogens")
    for pat in sorted(set(tests["pathogen"])):
        se, sp, src = res["se_sp"].get(pat, (None, None, "none given: true prevalence not computed"))
        if se is None:
            print(f"  {pat}: Se/Sp {src}")
        else:
            print(f"  {pat}: Se = {se:g}, Sp = {sp:g} (source: {src})")
    n_missing = int(np.sum(tests["missing_cutoff"]))
    if n_missing:
        print(f"  {n_missing} test(s) have a titre but no cut-off: the lab's result was kept "
              "(give cut-offs with --cutoffs)")
    print(f"  locations: {res['generalization']}")
    for note in notes:
        print(f"  note: {note}")
    print(f"  wrote {args.out_dir}/status.tsv, prevalence.tsv, wdds.tsv, population.html, "
          f"animals/*.html, animals.csv" + (", hfc.tsv" if res["hfc"] is not None else ""))
    return 0


__all__ = ["register", "run", "InputError"]
