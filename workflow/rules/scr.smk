# Spatially explicit capture-recapture: density, N and sigma per year from the scat searches
# (count detectors with effort) and the camera stations (proximity detectors), with a
# log-linear trend in density; with scr.sex_model the known-sex models (secr's hcov = "sex")
# from the genetic sex of identify/individuals.tsv.


rule scr:
    input:
        sample_individual=res("identify/sample_individual.tsv"),
        individuals=res("identify/individuals.tsv"),
        samples=SAMPLES_SHEET,
        search_effort=config.get("search_effort") or [],
        stations=config.get("camera_stations") or [],
        camera=config.get("camera_traps") or [],
        aliases=config.get("camera_aliases") or [],
    output:
        estimates=report(
            res("scr/estimates.tsv"),
            caption="../report/scr_estimates.rst",
            category="7. Abundance and survival",
        ),
        density_map=report(
            res("scr/density_map.png"),
            caption="../report/scr_density_map.rst",
            category="7. Abundance and survival",
        ),
        detection_function=report(
            res("scr/detection_function.png"),
            caption="../report/scr_detection_function.rst",
            category="7. Abundance and survival",
        ),
        models=res("scr/models.tsv"),
        trend=res("scr/trend.tsv"),
        mask_check=res("scr/mask_check.tsv"),
    log:
        log("scr"),
    benchmark:
        bench("scr")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(2000, 100),
        runtime=runtime_for(20, 10),
    params:
        outdir=out_dir,
        occasion=config["scr"]["occasion"],
        effort=lambda wc, input: opt("--search-effort", input.search_effort),
        stations=lambda wc, input: opt("--stations", input.stations),
        camera=lambda wc, input: opt("--camera-traps", input.camera),
        aliases=lambda wc, input: opt("--aliases", input.aliases),
        buffer=lambda wc: opt("--buffer", config["scr"]["buffer_m"]),
        spacing=lambda wc: opt("--spacing", config["scr"]["spacing_m"]),
        habitat=lambda wc: opt("--habitat", config["scr"]["habitat"]),
        sex=lambda wc, input: (
            opt("--sex-covariate", input.individuals)
            if config["scr"]["sex_model"]
            else ""
        ),
        grid=config["health"]["grid_km"],
        seed=SEED,
    shell:
        "leogen scr run --sample-individual {input.sample_individual:q}"
        " --samples {input.samples:q} {params.effort} {params.stations}"
        " {params.camera} {params.aliases} --occasion {params.occasion:q}"
        " {params.buffer} {params.spacing} {params.habitat} {params.sex}"
        " --grid-km {params.grid:q} --seed {params.seed:q} --out-dir {params.outdir:q}"
        " > {log:q} 2>&1"
