# leogen identify: which samples come from the same animal.


rule identify:
    input:
        consensus=res("consensus/consensus.tsv"),
        quality=res("consensus/quality.tsv"),
        samples=SAMPLES_SHEET,
        # the replicates behind the consensus: the likelihood method's error model
        genotypes=GENOTYPES,
        # last run's registry (a copy kept outside the results): its ids are kept
        registry=(
            [config["identify"]["registry"]]
            if config["identify"].get("registry")
            else []
        ),
    output:
        sample_individual=res("identify/sample_individual.tsv"),
        individuals=res("identify/individuals.tsv"),
        genotypes=res("identify/individual_genotypes.tsv"),
        captures=res("identify/captures.tsv"),
        pid=res("identify/pid.tsv"),
        registry=res("identify/registry.tsv"),
        registry_changes=res("identify/registry_changes.tsv"),
    log:
        log("identify"),
    benchmark:
        bench("identify")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 100),
        runtime=runtime_for(5, 2),
    params:
        outdir=out_dir,
        max_mismatches=config["identify"]["max_mismatches"],
        min_loci=opt("--min-loci", config["identify"].get("min_loci")),
        occasion=config["identify"]["occasion"],
        method=config["identify"]["method"],
        false_match_rate=config["identify"]["false_match_rate"],
        registry=lambda wc, input: opt("--registry", *input.registry),
    shell:
        "leogen identify --consensus {input.consensus:q} --quality {input.quality:q}"
        " --samples {input.samples:q}"
        " --out-dir {params.outdir:q} --max-mismatches {params.max_mismatches:q}"
        " --method {params.method:q} --genotypes {input.genotypes:q}"
        " --false-match-rate {params.false_match_rate:q}"
        " {params.min_loci} --occasion {params.occasion:q} {params.registry}"
        " > {log:q} 2>&1"
