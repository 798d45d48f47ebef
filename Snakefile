# leogen workflow: scat/blood genotypes, mtDNA barcodes, camera traps and screening results to
# identified animals, population genetics, pedigree, abundance and health summaries.
# Run: snakemake --cores 2   (config/config.yaml runs the bundled example)
# The workflow is workflow/Snakefile (the snakemake-workflows layout, usable as a module);
# this file only includes it, so `snakemake` works from the repository's top level.


include: "workflow/Snakefile"


# an included file's `default_target` does not make its rule the default of the including
# Snakefile: name it here
localrules:
    default,


rule default:
    default_target: True
    input:
        rules.all.input,
