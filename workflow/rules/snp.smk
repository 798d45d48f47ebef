# SNP statistics scattered over genome regions and gathered by summing (KING kinship, IBS0,
# per-sample heterozygosity and F, allele frequencies, HWE), and runs of homozygosity.


rule snp_region:
    input:
        vcf=config.get("snps") or [],
    output:
        temp(res("snp/regions/{region}.npz")),
    log:
        log("snp_region_{region}"),
    benchmark:
        bench("snp_region_{region}")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 20),
        runtime=runtime_for(10, 1),
    params:
        region=lambda wc: REGIONS[wc.region],
        chunk=config["snp"]["chunk_size"],
    shell:
        "leogen snp stats --vcf {input.vcf:q} --region {params.region:q}"
        " --chunk-size {params.chunk:q} --threads {threads:q} --out {output:q} > {log:q} 2>&1"


rule snp_gather:
    input:
        expand(res("snp/regions/{region}.npz"), region=sorted(REGIONS)),
    output:
        king=res("snp/king.tsv"),
        het=res("snp/het.tsv"),
        freq=res("snp/freq.tsv"),
        hwe=res("snp/hwe.tsv"),
    log:
        log("snp_gather"),
    benchmark:
        bench("snp_gather")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 10),
        runtime=runtime_for(10, 1),
    params:
        outdir=out_dir,
    shell:
        "leogen snp gather {input:q} --out-dir {params.outdir:q} > {log:q} 2>&1"


rule snp_roh:
    input:
        vcf=config.get("snps") or [],
    output:
        froh=res("snp/froh.tsv"),
    log:
        log("snp_roh"),
    benchmark:
        bench("snp_roh")
    conda:
        "../envs/leogen.yaml"
    threads: 1
    resources:
        mem_mb=mem_for(1000, 50),
        runtime=runtime_for(10, 2),
    params:
        outdir=out_dir,
    shell:
        "leogen snp roh --vcf {input.vcf:q} --out-dir {params.outdir:q} > {log:q} 2>&1"
