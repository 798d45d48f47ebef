# The one-page "state of the population" summary at the top of the report.


rule summary:
    input:
        abundance=res("monitoring/abundance.tsv"),
        ne=res("monitoring/ne.tsv"),
        trend=res("monitoring/trend.tsv"),
        trend_test=res("monitoring/trend_test.tsv"),
        history=res("monitoring/detection_history.tsv"),
        genotypes=res("identify/individual_genotypes.tsv"),
        diversity=res("diversity/summary.tsv"),
        inbreeding=res("inbreeding/individuals.tsv"),
        prevalence=res("health/prevalence.tsv") if HAS_SCREENING else [],
        scr=[res("scr/estimates.tsv"), res("scr/trend.tsv")] if HAS_SCR else [],
        survival=res("monitoring/survival.tsv"),
    output:
        html=report(
            res("report/state_of_population.html"),
            caption="../report/state_of_population.rst",
            category="0. State of the population",
        ),
        table=report(
            res("report/state_of_population.tsv"),
            caption="../report/state_of_population_table.rst",
            category="0. State of the population",
        ),
    log:
        log("summary"),
    benchmark:
        bench("summary")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 10),
        runtime=runtime_for(5, 1),
    params:
        outdir=out_dir,
        prevalence=lambda wc, input: opt("--prevalence", input.prevalence),
        scr=lambda wc, input: (
            opt("--scr-estimates", input.scr[0])
            + " "
            + opt("--scr-trend", input.scr[1])
            if input.scr
            else ""
        ),
    shell:
        "leogen summary --abundance {input.abundance:q} --ne {input.ne:q}"
        " --trend {input.trend:q} --trend-test {input.trend_test:q}"
        " --detection-history {input.history:q} --diversity-summary {input.diversity:q}"
        " --genotypes {input.genotypes:q}"
        " --inbreeding {input.inbreeding:q} {params.prevalence} {params.scr}"
        " --survival {input.survival:q}"
        " --out-dir {params.outdir:q} > {log:q} 2>&1"
