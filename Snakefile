# leogen workflow: scat/blood genotypes, mtDNA barcodes and screening results to consensus
# genotypes, individuals, diversity, relatedness, inbreeding and health summaries.
# Run: snakemake --cores 2   (config/config.yaml runs the bundled example)
from snakemake.utils import min_version

min_version("8.20")


# The bundled example's config is the default only for a run that names no config of its
# own: a config given with --configfile is complete on its own (not merged with this one).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# rules that only write a small file or collect targets run on the submitting host, never
# as cluster jobs
localrules:
    all,
    health_cutoffs,


include: "workflow/rules/common.smk"
include: "workflow/rules/species.smk"
include: "workflow/rules/consensus.smk"
include: "workflow/rules/identify.smk"
include: "workflow/rules/diversity.smk"
include: "workflow/rules/relatedness.smk"
include: "workflow/rules/inbreeding.smk"
include: "workflow/rules/snp.smk"
include: "workflow/rules/ne.smk"
include: "workflow/rules/abundance.smk"
include: "workflow/rules/health.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/export.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
