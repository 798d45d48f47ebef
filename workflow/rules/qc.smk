# Species check of scat barcodes, then consensus genotypes from PCR replicates.


rule species:
    input:
        fasta=config.get("mtdna", ""),
        reference=config.get("mtdna_reference", ""),
        samples=SAMPLES_SHEET,
    output:
        report(
            res("species/species.tsv"),
            caption="../report/species.rst",
            category="1. Species and genotyping QC",
        ),
    log:
        log("species"),
    benchmark:
        bench("species")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 20),
        runtime=runtime_for(5, 1),
    params:
        target=config["target_species"],
        min_identity=config["species"]["min_identity"],
        min_margin=config["species"]["min_margin"],
    shell:
        "leogen species --fasta {input.fasta} --reference {input.reference}"
        " --samples {input.samples} --target {params.target}"
        " --min-identity {params.min_identity} --min-margin {params.min_margin}"
        " --out {output} > {log} 2>&1"


rule consensus:
    input:
        genotypes=GENOTYPES,
        samples=SAMPLES_SHEET,
        species=res("species/species.tsv") if HAS_MTDNA else [],
    output:
        consensus=res("consensus/consensus.tsv"),
        quality=report(
            res("consensus/quality.tsv"),
            caption="../report/quality.rst",
            category="1. Species and genotyping QC",
        ),
        locus_errors=report(
            res("consensus/error_rates_locus.tsv"),
            caption="../report/error_rates.rst",
            category="1. Species and genotyping QC",
        ),
        sample_errors=res("consensus/error_rates_sample.tsv"),
        type_errors=res("consensus/error_rates_type.tsv"),
    log:
        log("consensus"),
    benchmark:
        bench("consensus")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(5, 2),
    params:
        outdir=out_dir,
        species=lambda wc, input: f"--species {input.species}" if input.species else "",
        min_het=config["consensus"]["min_het_replicates"],
        min_hom=config["consensus"]["min_hom_replicates"],
        sex=config["sex_marker"],
    shell:
        "leogen consensus --genotypes {input.genotypes} --samples {input.samples}"
        " {params.species} --out-dir {params.outdir}"
        " --min-het-reps {params.min_het} --min-hom-reps {params.min_hom}"
        " --sex-locus {params.sex[locus]} --x-allele {params.sex[x_allele]}"
        " --y-allele {params.sex[y_allele]} > {log} 2>&1"
