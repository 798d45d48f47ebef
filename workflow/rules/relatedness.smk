# Pairwise relatedness between identified animals (microsatellites; KING from SNPs).


rule relatedness:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
        sample_map=res("identify/sample_individual.tsv"),
        snp=(
            [res("snp/king.tsv"), res("snp/het.tsv"), res("snp/froh.tsv")]
            if HAS_SNPS
            else []
        ),
    output:
        pairs=res("relatedness/pairs.tsv"),
        choice=res("relatedness/estimator_choice.tsv"),
        heatmap=report(
            res("relatedness/heatmap.png"),
            caption="../report/heatmap.rst",
            category="4. Relatedness and inbreeding",
            subcategory="Plots",
        ),
    log:
        log("relatedness"),
    benchmark:
        bench("relatedness")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 200),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
        min_loci=config["relatedness"]["min_loci"],
        pairs=config["relatedness"]["simulate_pairs"],
        error_rate=config["relatedness"]["error_rate"],
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
        "leogen relatedness --genotypes {input.genotypes:q} --out-dir {params.outdir:q}"
        " --sex-locus {params.sex_locus:q} {params.snp}"
        " --min-loci {params.min_loci:q} --simulate-pairs {params.pairs:q}"
        " --error-rate {params.error_rate:q} --seed {params.seed:q} > {log:q} 2>&1"
