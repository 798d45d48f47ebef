# Genetic diversity of the identified animals.


rule diversity:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
        sample_individual=res("identify/sample_individual.tsv"),
        samples=SAMPLES_SHEET,
    output:
        per_locus=res("diversity/per_locus.tsv"),
        summary=res("diversity/summary.tsv"),
        fst=res("diversity/pairwise_fst.tsv"),
        ld=res("diversity/ld.tsv"),
        ho_he=report(
            res("diversity/ho_he.png"),
            caption="../report/ho_he.rst",
            category="3. Diversity",
            subcategory="Plots",
        ),
    log:
        log("diversity"),
    benchmark:
        bench("diversity")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
        permutations=config["diversity"]["permutations"],
        bootstraps=config["diversity"]["bootstraps"],
        seed=SEED,
        group_by=config["diversity"]["group_by"],
        period_years=config["diversity"]["period_years"],
        sex_locus=lambda wc: config["sex_marker"]["locus"],
    shell:
        "leogen diversity --genotypes {input.genotypes:q} --out-dir {params.outdir:q}"
        " --permutations {params.permutations:q} --bootstraps {params.bootstraps:q}"
        " --seed {params.seed:q} --plots --sex-locus {params.sex_locus:q}"
        " --group-by {params.group_by:q} --period-years {params.period_years:q}"
        " --sample-individual {input.sample_individual:q} --samples {input.samples:q}"
        " > {log:q} 2>&1"
