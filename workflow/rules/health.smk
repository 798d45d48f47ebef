# Disease screening linked to the animals: prevalence, heterozygosity-disease models and
# one health summary per animal for veterinarians.


rule health_cutoffs:
    output:
        res("health/cutoffs.yaml"),
    log:
        log("health_cutoffs"),
    conda:
        "../envs/leogen.yaml"
    params:
        cutoffs=config["health"]["cutoffs"],
    script:
        "../scripts/write_cutoffs.py"


rule health:
    input:
        cutoffs=res("health/cutoffs.yaml"),
        screening=config.get("screening", ""),
        samples=SAMPLES_SHEET,
        sample_individual=res("identify/sample_individual.tsv"),
        individuals=res("identify/individuals.tsv"),
        inbreeding=res("inbreeding/individuals.tsv"),
        g2=res("inbreeding/g2.tsv"),
        pairs=res("relatedness/pairs.tsv"),
    output:
        prevalence=report(
            res("health/prevalence.tsv"),
            caption="../report/prevalence.rst",
            category="6. Health",
        ),
        status=res("health/status.tsv"),
        wdds=res("health/wdds.tsv"),
        table=res("health/animals.csv"),
        xlsx=res("health/animals.xlsx"),
        hfc=report(
            res("health/hfc.tsv"), caption="../report/hfc.rst", category="6. Health"
        ),
        population=report(
            res("health/population.html"),
            caption="../report/population.rst",
            category="6. Health",
        ),
        animals=report(
            directory(res("health/animals")),
            patterns=["{name}.html"],
            caption="../report/animals.rst",
            category="6. Health",
        ),
    log:
        log("health"),
    benchmark:
        bench("health")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(10, 2),
    params:
        outdir=out_dir,
        grid=config["health"]["grid_km"],
        exact="--exact-locations" if config["health"]["exact_locations"] else "",
        untested=config["health"]["untested_years"],
    shell:
        "leogen health --screening {input.screening} --samples {input.samples}"
        " --sample-individual {input.sample_individual} --individuals {input.individuals}"
        " --inbreeding {input.inbreeding} --g2 {input.g2} --pairs {input.pairs}"
        " --cutoffs {input.cutoffs} --grid-km {params.grid} {params.exact} --untested-years {params.untested}"
        " --out-dir {params.outdir} > {log} 2>&1"
