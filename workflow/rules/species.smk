# leogen species: the species of every scat from its mtDNA barcode.


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
