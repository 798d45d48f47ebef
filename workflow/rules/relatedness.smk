# Pairwise relatedness between identified animals (microsatellites; KING from SNPs).


rule relatedness:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
    output:
        pairs=report(
            res("relatedness/pairs.tsv"),
            caption="../report/pairs.rst",
            category="4. Relatedness and inbreeding",
        ),
        choice=report(
            res("relatedness/estimator_choice.tsv"),
            caption="../report/estimator_choice.rst",
            category="4. Relatedness and inbreeding",
        ),
        heatmap=report(
            res("relatedness/heatmap.png"),
            caption="../report/heatmap.rst",
            category="4. Relatedness and inbreeding",
        ),
    log:
        log("relatedness"),
    benchmark:
        bench("relatedness")
    threads: 1
    resources:
        mem_mb=mem_for(500, 200),
        runtime=runtime_for(10, 5),
    params:
        outdir=res("relatedness"),
        min_loci=config["relatedness"]["min_loci"],
        pairs=config["relatedness"]["simulate_pairs"],
        error_rate=config["relatedness"]["error_rate"],
        seed=SEED,
    shell:
        "leogen relatedness --genotypes {input.genotypes} --out-dir {params.outdir}"
        " --min-loci {params.min_loci} --simulate-pairs {params.pairs}"
        " --error-rate {params.error_rate} --seed {params.seed} > {log} 2>&1"
