# leogen export: the identified animals for GenAlEx, Genepop, STRUCTURE, FSTAT, COLONY and secr.

EXPORT_FILES = [
    "genalex.csv",
    "genepop.gen",
    "structure.str",
    "fstat.dat",
    "colony.dat",
    "allele_freqs.tsv",
    "animals.tsv",
    "secr_captures.txt",
    "secr_traps.txt",
    "secr_sessions.tsv",
]


rule export:
    input:
        genotypes=res("identify/individual_genotypes.tsv"),
        sample_individual=res("identify/sample_individual.tsv"),
        individuals=res("identify/individuals.tsv"),
        samples=SAMPLES_SHEET,
        camera=(
            [config["camera_traps"], config["camera_aliases"]]
            if config.get("camera_traps") and config.get("camera_aliases")
            else []
        ),
    output:
        [res(f"export/{name}") for name in EXPORT_FILES],
    log:
        log("export"),
    benchmark:
        bench("export")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 50),
        runtime=runtime_for(5, 2),
    params:
        outdir=out_dir,
        group_by=config["diversity"]["group_by"],
        period_years=config["diversity"]["period_years"],
        sex_locus=lambda wc: config["sex_marker"]["locus"],
        occasion=config["monitoring"]["occasion"],
        seed=SEED,
        camera=lambda wc, input: (
            opt("--camera-traps", input.camera[0])
            + " "
            + opt("--aliases", input.camera[1])
            if input.camera
            else ""
        ),
    shell:
        "leogen export --genotypes {input.genotypes:q} --out-dir {params.outdir:q}"
        " --group-by {params.group_by:q} --period-years {params.period_years:q}"
        " --sex-locus {params.sex_locus:q}"
        " --sample-individual {input.sample_individual:q} --samples {input.samples:q}"
        " --individuals {input.individuals:q} --occasion {params.occasion:q}"
        " {params.camera} --seed {params.seed:q} > {log:q} 2>&1"
