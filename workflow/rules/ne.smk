# leogen ne: effective population size (LDNe, temporal).


rule ne:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
        sample_individual=res("identify/sample_individual.tsv"),
        samples=SAMPLES_SHEET,
    output:
        ne=res("monitoring/ne.tsv"),
    log:
        log("ne"),
    benchmark:
        bench("ne")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 100),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
        sex_locus=lambda wc: config["sex_marker"]["locus"],
        generation_years=config["monitoring"]["generation_years"],
    shell:
        "leogen ne --genotypes {input.genotypes:q} --by-year"
        " --sample-individual {input.sample_individual:q} --samples {input.samples:q}"
        " --sex-locus {params.sex_locus:q} --temporal"
        " --generation-years {params.generation_years:q} --out-dir {params.outdir:q} > {log:q} 2>&1"
