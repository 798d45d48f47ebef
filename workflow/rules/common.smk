# Configuration and sheet validation, paths, and helpers shared by the rule files.
import os
from pathlib import Path

import pandas as pd
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from leogen.config import genotype_files, validate_inputs
from leogen.errors import ErrorCollector

validate(config, schema="../schemas/config.schema.yaml", set_default=True)
if config.get("config_version", 1) != 1:
    raise WorkflowError(
        f"config_version {config['config_version']} is not supported by this workflow; "
        "compare your config with config/config.yaml of this release"
    )


def _raw_sheet(path):
    """A sheet as pandas reads it, for snakemake.utils.validate (empty cells dropped)."""
    sep = "," if str(path).lower().endswith(".csv") else "\t"
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, comment="#")


def _check_inputs():
    # leogen's own reader gives every problem with file, line and column; then the sheets
    # are also validated with snakemake's validator against the same schemas.
    errors = ErrorCollector()
    validate_inputs(config, errors)
    if errors:
        raise WorkflowError(
            "input problems (run `leogen validate --config ...` for the same list):\n"
            + "\n".join(e.format() for e in errors.errors)
        )
    for key, schema in (("samples", "samples"), ("screening", "screening")):
        if config.get(key):
            sheet = _raw_sheet(config[key])
            for col in ("lat", "lon", "sensitivity", "specificity"):
                if col in sheet:
                    sheet[col] = pd.to_numeric(sheet[col].replace("", None))
            sheet = sheet.replace("", None)
            validate(sheet, schema=f"../schemas/{schema}.schema.yaml")


_check_inputs()

RESULTS = config["results"].rstrip("/")
SAMPLES_SHEET = config["samples"]
GENOTYPES = genotype_files(config)
HAS_MTDNA = bool(config.get("mtdna"))
HAS_SNPS = bool(config.get("snps"))
HAS_SCREENING = bool(config.get("screening"))
SEED = config["seed"]


def res(path):
    """A path under the results directory."""
    return f"{RESULTS}/{path}"


def log(name):
    return f"{RESULTS}/logs/{name}.log"


def bench(name):
    return f"{RESULTS}/benchmarks/{name}.tsv"


def out_dir(wildcards, output):
    """The directory of a rule's first output (where the CLI writes all its tables)."""
    return os.path.dirname(output[0])


def size_mb(paths):
    return sum(os.path.getsize(p) for p in paths if os.path.exists(p)) / 1e6


def mem_for(base_mb, per_input_mb):
    """Memory request that grows with the inputs and with each retry after an OOM kill."""

    def mem(wildcards, input, attempt):
        return int((base_mb + per_input_mb * size_mb(input)) * attempt)

    return mem


def runtime_for(base_min, per_input_mb_min):
    def runtime(wildcards, input, attempt):
        return int((base_min + per_input_mb_min * size_mb(input)) * attempt)

    return runtime


def snp_regions():
    """Genome regions the SNP work is scattered over (one per contig, or fixed windows)."""
    if not HAS_SNPS:
        return []
    from leogen.io.vcfstream import list_regions

    return list_regions(config["snps"], config["snp"]["region_size"])


def region_label(region):
    return region.replace(":", "_").replace("-", "_")


REGIONS = {region_label(r): r for r in snp_regions()}


def final_outputs():
    out = [
        res("consensus/consensus.tsv"),
        res("identify/sample_individual.tsv"),
        res("error_rates/error_rates_type.tsv"),
        res("diversity/per_locus.tsv"),
        res("relatedness/pairs.tsv"),
        res("inbreeding/individuals.tsv"),
        res("monitoring/abundance.tsv"),
        res("report/state_of_population.html"),
    ]
    if HAS_MTDNA:
        out.append(res("species/species.tsv"))
    if HAS_SNPS:
        out += [res("snp/king.tsv"), res("snp/froh.tsv")]
    if HAS_SCREENING:
        out += [res("health/prevalence.tsv"), res("health/population.html")]
    return out
