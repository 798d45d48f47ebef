# Interactive (sortable, filterable) table pages and the main plot of every stage, for
# `snakemake --report`. Include this file after every other rule file: a table of an
# optional stage (pedigree/, scr/) gets its page only when a rule of the workflow makes it.
from leogen.report.pages import PLOTS
from leogen.report.tables import page_name

# {table under the results folder: (its caption, its category in the report)}
_REPORT_TABLES = {
    "consensus/quality.tsv": ("quality", "1. Species and genotyping QC"),
    "consensus/error_rates_locus.tsv": ("error_rates", "1. Species and genotyping QC"),
    "error_rates/error_rates_locus.tsv": (
        "error_rates",
        "1. Species and genotyping QC",
    ),
    "error_rates/error_rates_type.tsv": (
        "error_rates_type",
        "1. Species and genotyping QC",
    ),
    "species/species.tsv": ("species", "1. Species and genotyping QC"),
    "identify/individuals.tsv": ("individuals", "2. Individuals"),
    "identify/sample_individual.tsv": ("sample_individual", "2. Individuals"),
    "identify/pid.tsv": ("pid", "2. Individuals"),
    "diversity/summary.tsv": ("diversity_summary", "3. Diversity"),
    "diversity/per_locus.tsv": ("per_locus", "3. Diversity"),
    "relatedness/pairs.tsv": ("pairs", "4. Relatedness and inbreeding"),
    "relatedness/estimator_choice.tsv": (
        "estimator_choice",
        "4. Relatedness and inbreeding",
    ),
    "inbreeding/individuals.tsv": ("inbreeding", "4. Relatedness and inbreeding"),
    "inbreeding/g2.tsv": ("g2", "4. Relatedness and inbreeding"),
    "pedigree/pedigree.tsv": ("pedigree", "5. Pedigree"),
    "pedigree/relationships.tsv": ("relationships", "5. Pedigree"),
    "pedigree/inbreeding.tsv": ("pedigree_inbreeding", "5. Pedigree"),
    "snp/king.tsv": ("king", "6. SNPs"),
    "snp/het.tsv": ("snp_het", "6. SNPs"),
    "snp/froh.tsv": ("froh", "6. SNPs"),
    "health/prevalence.tsv": ("prevalence", "8. Health"),
    "health/triage.tsv": ("triage", "8. Health"),
    "health/hfc.tsv": ("hfc", "8. Health"),
    "monitoring/abundance.tsv": ("abundance", "7. Abundance and survival"),
    "monitoring/trend.tsv": ("trend", "7. Abundance and survival"),
    "monitoring/ne.tsv": ("ne", "7. Abundance and survival"),
    "scr/estimates.tsv": ("scr_estimates", "7. Abundance and survival"),
}

# {plot file: (its caption, its category)}; a plot is drawn when its table is made
_REPORT_PLOTS = {
    "error_rates_locus.png": ("error_rates_plot", "1. Species and genotyping QC"),
    "diversity_by_population.png": ("diversity_plot", "3. Diversity"),
    "kinship_network.png": ("kinship_network", "4. Relatedness and inbreeding"),
    "prevalence_by_year.png": ("prevalence_plot", "8. Health"),
    "abundance_by_year.png": ("abundance_plot", "7. Abundance and survival"),
    "ne_by_year.png": ("ne_plot", "7. Abundance and survival"),
    "density_by_session.png": ("density_plot", "7. Abundance and survival"),
}


# every output path (without wildcards) of the rules included so far
_MADE = {str(f) for r in workflow.rules for f in r.output}
# stages whose inputs the config may leave out: their rules exist but must not be requested
_OPTIONAL_STAGE = {
    "species/": HAS_MTDNA,
    "snp/": HAS_SNPS,
    "health/": HAS_SCREENING,
    "scr/": HAS_SCR,
}
REPORT_TABLES = [
    t
    for t in _REPORT_TABLES
    if res(t) in _MADE
    and all(ok for prefix, ok in _OPTIONAL_STAGE.items() if t.startswith(prefix))
]
# the kinship network is drawn from the pedigree when there is one; its animals are
# those of identify/individuals.tsv (always in REPORT_TABLES)
REPORT_PLOTS = sorted({PLOTS[t] for t in REPORT_TABLES if t in PLOTS})
# every file of rule report_tables (for `rule all`, so `snakemake --report` shows them);
# the table pages first, then the plots
REPORT_FILES = [res(f"report/tables/{page_name(t)}") for t in REPORT_TABLES] + [
    res(f"report/plots/{p}") for p in REPORT_PLOTS
]
_REPORT_OUTPUTS = {
    page_name(t).removesuffix(".html"): report(
        res(f"report/tables/{page_name(t)}"),
        caption=f"../report/{_REPORT_TABLES[t][0]}.rst",
        category=_REPORT_TABLES[t][1],
        subcategory="Tables",
        labels={"table": t, "view": "interactive table"},
    )
    for t in REPORT_TABLES
} | {
    p.removesuffix(".png"): report(
        res(f"report/plots/{p}"),
        caption=f"../report/{_REPORT_PLOTS[p][0]}.rst",
        category=_REPORT_PLOTS[p][1],
        subcategory="Plots",
        labels={"plot": p.removesuffix(".png").replace("_", " ")},
    )
    for p in REPORT_PLOTS
}


rule report_tables:
    input:
        [res(t) for t in REPORT_TABLES],
    output:
        **_REPORT_OUTPUTS,
    log:
        log("report_tables"),
    benchmark:
        bench("report_tables")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(500, 20),
        runtime=runtime_for(5, 1),
    params:
        # the folders of the first output (a table page) and of the last (a plot)
        tables=lambda wildcards, output: os.path.dirname(output[0]),
        plots=lambda wildcards, output: os.path.dirname(output[-1]),
        seed=SEED,
    shell:
        "leogen report-tables --out-dir {params.tables:q} --plot-dir {params.plots:q}"
        " --seed {params.seed:q} {input:q} > {log:q} 2>&1"
