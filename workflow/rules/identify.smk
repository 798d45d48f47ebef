# leogen identify: which samples come from the same animal.


rule identify:
    input:
        consensus=res("consensus/consensus.tsv"),
        quality=res("consensus/quality.tsv"),
        samples=SAMPLES_SHEET,
    output:
        sample_individual=report(
            res("identify/sample_individual.tsv"),
            caption="../report/sample_individual.rst",
            category="2. Individuals",
        ),
        individuals=report(
            res("identify/individuals.tsv"),
            caption="../report/individuals.rst",
            category="2. Individuals",
        ),
        genotypes=res("identify/individual_genotypes.tsv"),
        captures=res("identify/captures.tsv"),
        pid=report(
            res("identify/pid.tsv"),
            caption="../report/pid.rst",
            category="2. Individuals",
        ),
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
        min_loci=config["identify"]["min_loci"],
        occasion=config["identify"]["occasion"],
    shell:
        "leogen identify --consensus {input.consensus} --quality {input.quality}"
        " --samples {input.samples}"
        " --out-dir {params.outdir} --max-mismatches {params.max_mismatches}"
        " --min-loci {params.min_loci} --occasion {params.occasion} > {log} 2>&1"
