# leogen species: the species of every scat from its mtDNA barcode.


rule species:
    input:
        fasta=config.get("mtdna") or [],
        reference=config.get("mtdna_reference") or [],
        samples=SAMPLES_SHEET,
    output:
        res("species/species.tsv"),
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
        target=lambda wc: config["target_species"],  # a function: no {wildcard} expansion
        min_identity=config["species"]["min_identity"],
        min_margin=config["species"]["min_margin"],
    shell:
        "leogen species --fasta {input.fasta:q} --reference {input.reference:q}"
        " --samples {input.samples:q} --target {params.target:q}"
        " --min-identity {params.min_identity:q} --min-margin {params.min_margin:q}"
        " --out {output:q} > {log:q} 2>&1"
