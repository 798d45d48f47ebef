# Individual inbreeding and heterozygosity (sMLH, IR, HL, F) and identity disequilibrium g2.


rule inbreeding:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
    output:
        individuals=report(
            res("inbreeding/individuals.tsv"),
            caption="../report/inbreeding.rst",
            category="4. Relatedness and inbreeding",
        ),
        g2=report(
            res("inbreeding/g2.tsv"),
            caption="../report/g2.rst",
            category="4. Relatedness and inbreeding",
        ),
    log:
        log("inbreeding"),
    benchmark:
        bench("inbreeding")
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(10, 5),
    params:
        outdir=res("inbreeding"),
        bootstraps=config["inbreeding"]["bootstraps"],
        permutations=config["inbreeding"]["permutations"],
        seed=SEED,
    shell:
        "leogen inbreeding --genotypes {input.genotypes} --out-dir {params.outdir}"
        " --bootstraps {params.bootstraps} --permutations {params.permutations}"
        " --seed {params.seed} > {log} 2>&1"
