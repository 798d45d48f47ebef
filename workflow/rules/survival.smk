# Apparent survival per year (Cormack-Jolly-Seber) from the animals' yearly detection
# histories, genetic and (linked) camera detections.


rule survival:
    input:
        sample_individual=res("identify/sample_individual.tsv"),
        samples=SAMPLES_SHEET,
        camera=(
            [config["camera_traps"], config["camera_aliases"]]
            if config.get("camera_traps") and config.get("camera_aliases")
            else []
        ),
    output:
        survival=report(
            res("monitoring/survival.tsv"),
            caption="../report/survival.rst",
            category="7. Abundance and survival",
        ),
        models=res("monitoring/survival_models.tsv"),
    log:
        log("survival"),
    benchmark:
        bench("survival")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 50),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
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
        "leogen survival --sample-individual {input.sample_individual:q}"
        " --samples {input.samples:q} {params.camera}"
        " --bootstraps {params.bootstraps:q} --seed {params.seed:q}"
        " --out-dir {params.outdir:q} > {log:q} 2>&1"
