# Disease screening linked to the animals: prevalence, heterozygosity-disease models and
# one health summary per animal for veterinarians.


rule health_cutoffs:
    output:
        res("health/cutoffs.yaml"),
    log:
        log("health_cutoffs"),
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        # no input: Snakemake's default disk request for such a rule is 50 GB
        mem_mb=200,
        runtime=2,
        disk_mb=10,
    params:
        cutoffs=config["health"]["cutoffs"],
    script:
        "../scripts/write_cutoffs.py"


rule health:
    input:
        cutoffs=res("health/cutoffs.yaml"),
        screening=config.get("screening") or [],
        samples=SAMPLES_SHEET,
        sample_individual=res("identify/sample_individual.tsv"),
        individuals=res("identify/individuals.tsv"),
        inbreeding=res("inbreeding/individuals.tsv"),
        g2=res("inbreeding/g2.tsv"),
        pairs=res("relatedness/pairs.tsv"),
        relationships=res("pedigree/relationships.tsv"),
        pedigree=res("pedigree/pedigree.tsv"),
        pedigree_inbreeding=res("pedigree/inbreeding.tsv"),
    output:
        prevalence=res("health/prevalence.tsv"),
        status=res("health/status.tsv"),
        wdds=res("health/wdds.tsv"),
        table=res("health/animals.csv"),
        xlsx=res("health/animals.xlsx"),
        triage=res("health/triage.tsv"),
        alerts=res("health/alerts.tsv"),
        rises=res("health/titre_rises.tsv"),
        foi=res("health/force_of_infection.tsv"),
        mixture=res("health/mixture.tsv"),
        survey=res("health/survey_design.tsv"),
        printable=res("health/animals_print.html"),
        hfc=res("health/hfc.tsv"),
        population=report(
            res("health/population.html"),
            caption="../report/population.rst",
            category="8. Health",
            subcategory="Population health",
            labels={"page": "population health (every animal's page inside)"},
        ),
        animals=report(
            directory(res("health/animals")),
            patterns=["{name}.html"],
            caption="../report/animals.rst",
            category="8. Health",
            subcategory="Animal health pages",
            labels={"animal": "{name}", "page": "health summary"},
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
        locations=(
            ["--exact-locations"]
            if config["health"]["exact_locations"]
            else ["--grid-km", str(config["health"]["grid_km"])]
        ),
        untested=config["health"]["untested_years"],
        relatives=config["health"].get("relative_min_prob", 0.9),
        ages=",".join(
            f"{k}={v}"
            for k, v in config["health"]
            .get("age_class_years", {"cub": 0.5, "juvenile": 1.5, "subadult": 2.5})
            .items()
        ),
        design=config["health"].get("design_prevalence", 0.1),
        precision=config["health"].get("precision", 0.1),
    shell:
        "leogen health --screening {input.screening:q} --samples {input.samples:q}"
        " --sample-individual {input.sample_individual:q} --individuals {input.individuals:q}"
        " --inbreeding {input.inbreeding:q} --g2 {input.g2:q} --pairs {input.pairs:q}"
        " --relationships {input.relationships:q} --pedigree {input.pedigree:q}"
        " --pedigree-inbreeding {input.pedigree_inbreeding:q}"
        " --cutoffs {input.cutoffs:q} {params.locations:q} --untested-years {params.untested:q}"
        " --relative-min-prob {params.relatives:q} --age-years {params.ages:q}"
        " --design-prevalence {params.design:q} --precision {params.precision:q}"
        " --out-dir {params.outdir:q} > {log:q} 2>&1"
