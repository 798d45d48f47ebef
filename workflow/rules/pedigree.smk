# Pedigree reconstruction (parents, sibships with dummy parents, relationships with their
# probabilities), pedigree kinship and F, genetic management numbers.


rule pedigree:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
        links=res("identify/sample_individual.tsv"),
        samples=SAMPLES_SHEET,
        errors=res("error_rates/error_rates_locus.tsv"),
        inbreeding=res("inbreeding/individuals.tsv"),
        species=res("species/species.tsv") if HAS_MTDNA else [],
    output:
        pedigree=res("pedigree/pedigree.tsv"),
        relationships=res("pedigree/relationships.tsv"),
        inbreeding=res("pedigree/inbreeding.tsv"),
        kinship=res("pedigree/kinship.tsv"),
        panel=res("pedigree/panel_power.tsv"),
    log:
        log("pedigree"),
    benchmark:
        bench("pedigree")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 100),
        runtime=runtime_for(10, 5),
    params:
        outdir=out_dir,
        cfg=config["pedigree"],
        species=lambda wc, input: opt("--species", input.species),
        history="yes" if config["pedigree"]["detection_history"] else "no",
        sex=config["sex_marker"],
        seed=SEED,
    shell:
        "leogen pedigree --genotypes {input.genotypes:q} --samples {input.samples:q}"
        " --sample-individual {input.links:q} --error-rates {input.errors:q}"
        " --inbreeding {input.inbreeding:q} --out-dir {params.outdir:q} {params.species}"
        " --sex-locus {params.sex[locus]:q} --x-allele {params.sex[x_allele]:q}"
        " --y-allele {params.sex[y_allele]:q}"
        " --min-probability {params.cfg[min_probability]:q}"
        " --locus-error {params.cfg[locus_error]:q}"
        " --max-candidates {params.cfg[max_candidates]:q}"
        " --cub-age {params.cfg[cub_age]:q} --juvenile-age {params.cfg[juvenile_age]:q}"
        " --adult-age {params.cfg[adult_age]:q} --max-age {params.cfg[max_age]:q}"
        " --min-breeding-age {params.cfg[min_breeding_age]:q}"
        " --detectable-age {params.cfg[detectable_age]:q}"
        " --detection-history {params.history:q}"
        " --availability {params.cfg[availability]:q}"
        " --seed {params.seed:q} > {log:q} 2>&1"
