# leogen consensus: consensus genotypes, error rates and sex from PCR replicates;
# error_rates re-runs it once the animals are known (reference and pooled-animal bases).


rule consensus:
    input:
        genotypes=GENOTYPES,
        samples=SAMPLES_SHEET,
        species=res("species/species.tsv") if HAS_MTDNA else [],
    output:
        consensus=res("consensus/consensus.tsv"),
        quality=res("consensus/quality.tsv"),
        locus_errors=res("consensus/error_rates_locus.tsv"),
        sample_errors=res("consensus/error_rates_sample.tsv"),
        type_errors=res("consensus/error_rates_type.tsv"),
    log:
        log("consensus"),
    benchmark:
        bench("consensus")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(5, 2),
    params:
        outdir=out_dir,
        species=lambda wc, input: opt("--species", input.species),
        min_het=config["consensus"]["min_het_replicates"],
        min_hom=config["consensus"]["min_hom_replicates"],
        method=config["consensus"]["method"],
        min_posterior=config["consensus"]["min_posterior"],
        sex=config["sex_marker"],
    shell:
        "leogen consensus --genotypes {input.genotypes:q} --samples {input.samples:q}"
        " {params.species} --out-dir {params.outdir:q}"
        " --min-het-replicates {params.min_het:q} --min-hom-replicates {params.min_hom:q}"
        " --method {params.method:q} --min-posterior {params.min_posterior:q}"
        " --sex-locus {params.sex[locus]:q} --x-allele {params.sex[x_allele]:q}"
        " --y-allele {params.sex[y_allele]:q} > {log:q} 2>&1"


rule error_rates:
    # With samples linked to animals, dropout and false-allele rates are re-estimated against
    # all replicates of each animal (and its blood/tissue reference where it has one), which
    # is less biased than against each sample's own consensus.
    input:
        genotypes=GENOTYPES,
        samples=SAMPLES_SHEET,
        species=res("species/species.tsv") if HAS_MTDNA else [],
        links=res("identify/sample_individual.tsv"),
    output:
        locus=res("error_rates/error_rates_locus.tsv"),
        sample=res("error_rates/error_rates_sample.tsv"),
        by_type=res("error_rates/error_rates_type.tsv"),
        consensus=temp(res("error_rates/consensus.tsv")),
        quality=temp(res("error_rates/quality.tsv")),
    log:
        log("error_rates"),
    benchmark:
        bench("error_rates")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(5, 2),
    params:
        outdir=out_dir,
        species=lambda wc, input: opt("--species", input.species),
        min_het=config["consensus"]["min_het_replicates"],
        min_hom=config["consensus"]["min_hom_replicates"],
        method=config["consensus"]["method"],
        min_posterior=config["consensus"]["min_posterior"],
        sex=config["sex_marker"],
    shell:
        "leogen consensus --genotypes {input.genotypes:q} --samples {input.samples:q}"
        " {params.species} --links {input.links:q} --out-dir {params.outdir:q}"
        " --min-het-replicates {params.min_het:q} --min-hom-replicates {params.min_hom:q}"
        " --method {params.method:q} --min-posterior {params.min_posterior:q}"
        " --sex-locus {params.sex[locus]:q} --x-allele {params.sex[x_allele]:q}"
        " --y-allele {params.sex[y_allele]:q} > {log:q} 2>&1"
