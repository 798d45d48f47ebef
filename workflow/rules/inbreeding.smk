# Individual inbreeding and heterozygosity (sMLH, IR, HL, F) and identity disequilibrium g2.


rule inbreeding:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
        sample_map=res("identify/sample_individual.tsv"),
        snp=(
            [res("snp/king.tsv"), res("snp/het.tsv"), res("snp/froh.tsv")]
            if HAS_SNPS
            else []
        ),
    output:
        individuals=res("inbreeding/individuals.tsv"),
        g2=res("inbreeding/g2.tsv"),
    log:
        log("inbreeding"),
    benchmark:
        bench("inbreeding")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
        bootstraps=config["inbreeding"]["bootstraps"],
        permutations=config["inbreeding"]["permutations"],
        seed=SEED,
        sex_locus=lambda wc: config["sex_marker"]["locus"],
        snp=lambda wc, input: (
            opt("--snp-dir", os.path.dirname(input.snp[0]))
            + " "
            + opt("--sample-map", input.sample_map)
            if input.snp
            else ""
        ),
    shell:
        "leogen inbreeding --genotypes {input.genotypes:q} --out-dir {params.outdir:q}"
        " --sex-locus {params.sex_locus:q} {params.snp}"
        " --bootstraps {params.bootstraps:q} --permutations {params.permutations:q}"
        " --seed {params.seed:q} > {log:q} 2>&1"
