# leogen abundance: detection histories and abundance per year, trend.


rule abundance:
    input:
        sample_individual=res("identify/sample_individual.tsv"),
        samples=SAMPLES_SHEET,
        ne=res("monitoring/ne.tsv"),
        camera=(
            [config["camera_traps"], config["camera_aliases"]]
            if config.get("camera_traps") and config.get("camera_aliases")
            else []
        ),
    output:
        abundance=res("monitoring/abundance.tsv"),
        history=res("monitoring/detection_history.tsv"),
        trend=res("monitoring/trend.tsv"),
        trend_test=res("monitoring/trend_test.tsv"),
    log:
        log("abundance"),
    benchmark:
        bench("abundance")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 50),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
        occasion=config["monitoring"]["occasion"],
        camera=lambda wc, input: (
            opt("--camera-traps", input.camera[0])
            + " "
            + opt("--aliases", input.camera[1])
            if input.camera
            else ""
        ),
        bootstraps=config["monitoring"]["bootstraps"],
        seed=SEED,
    shell:
        "leogen abundance --sample-individual {input.sample_individual:q}"
        " --samples {input.samples:q} --ne {input.ne:q} --occasion {params.occasion:q}"
        " {params.camera}"
        " --bootstraps {params.bootstraps:q} --seed {params.seed:q}"
        " --out-dir {params.outdir:q} > {log:q} 2>&1"
