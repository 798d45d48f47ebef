# Configuration and sheet validation, paths, and helpers shared by the rule files.
import os
import shlex
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from leogen.config import check_config, genotype_files, validate_inputs
from leogen.errors import ErrorCollector


def _check_config():
    # the config checks of `leogen validate` (one line per problem), then snakemake's
    # validator fills the schema's defaults in
    # (unknown keys are errors there, with the closest known key suggested)
    errors = ErrorCollector()
    source = ", ".join(map(str, workflow.configfiles)) or "config"
    check_config(config, source, errors)
    if errors:
        raise WorkflowError(
            "config problems:\n" + "\n".join(e.format() for e in errors.errors)
        )
    validate(config, schema="../schemas/config.schema.yaml", set_default=True)


_check_config()


def _check_inputs():
    # the check behind `leogen validate`: every input read by the readers the stages use
    # (the sheets against workflow/schemas/), every problem with file, line and column
    errors = ErrorCollector()
    validate_inputs(config, errors)
    if errors:
        raise WorkflowError(
            "input problems (run `leogen validate --config ...` for the same list):\n"
            + "\n".join(e.format() for e in errors.errors)
        )


_check_inputs()

RESULTS = config["results"].rstrip("/")
SAMPLES_SHEET = config["samples"]
GENOTYPES = genotype_files(config)
HAS_MTDNA = bool(config.get("mtdna"))
HAS_SNPS = bool(config.get("snps"))
HAS_SCREENING = bool(config.get("screening"))
# spatial capture-recapture runs when detector locations are given
HAS_SCR = bool(config.get("search_effort") or config.get("camera_stations"))
SEED = config["seed"]

# optional stages run only when the config names their input (the bundled example's config
# is never merged into a user's): say which ones this run skips
_SKIPPED = [
    f"{stage} (no '{key}' in the config)"
    for stage, key in (
        ("species check", "mtdna"),
        ("SNP statistics", "snps"),
        ("health", "screening"),
        ("camera traps", "camera_traps"),
    )
    if not config.get(key)
]
if not HAS_SCR:
    _SKIPPED.append(
        "spatial capture-recapture (no 'search_effort' or 'camera_stations' in the config)"
    )
if config.get("camera_traps") and not config.get("camera_aliases"):
    logger.info(
        "leogen: camera animals are not linked to genetic ids (no 'camera_aliases'):"
        " abundance and survival use genetic detections; SCR fits the cameras as a data set"
        " of their own"
    )
logger.info(
    "leogen: config "
    + (
        ", ".join(map(str, workflow.overwrite_configfiles))
        if workflow.overwrite_configfiles
        else "config/config.yaml (the bundled example; no --configfile given)"
    )
)
if _SKIPPED:
    logger.info("leogen: skipping " + "; ".join(_SKIPPED))


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


def opt(flag, *values):
    """``flag`` followed by its values, each quoted for the shell; "" when no value is given.

    For params that add an optional option to a ``shell:`` command (used there unquoted);
    every other config value or path is quoted in the command itself with ``{...:q}``.
    """
    flat = []
    for v in values:  # an optional input is an empty list when absent
        flat.extend(v if isinstance(v, (list, tuple)) else [v])
    values = [str(v) for v in flat if v is not None and str(v) != ""]
    return " ".join([flag, *map(shlex.quote, values)]) if values else ""


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
        res("pedigree/pedigree.tsv"),
        res("monitoring/abundance.tsv"),
        res("monitoring/survival.tsv"),
        res("report/state_of_population.html"),
    ]
    if HAS_SCR:
        out.append(res("scr/estimates.tsv"))
    if HAS_MTDNA:
        out.append(res("species/species.tsv"))
    if HAS_SNPS:
        out += [res("snp/king.tsv"), res("snp/froh.tsv")]
    if HAS_SCREENING:
        out += [res("health/prevalence.tsv"), res("health/population.html")]
    # EXPORT_FILES: the files for the field's other tools, named in export.smk
    out += [res(f"export/{name}") for name in EXPORT_FILES]
    return out
