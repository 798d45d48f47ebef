"""Simulated, seeded VCFs for the SNP benchmarks (msprime coalescent + mutations).

Usage::

    python benchmarks/make_vcf.py --samples 500 --snps 150000 --out benchmarks/data/s500.vcf.gz
    python benchmarks/make_vcf.py --samples 2000 --snps 500000 --out benchmarks/data/s2000.vcf.gz

Writes a bgzipped, tabix-indexed VCF of diploid animals (``GT`` only, phased ``0|1``), several
chromosomes (``chr1``, ...), biallelic sites plus the occasional multi-allelic one (a site hit
by two mutations: PLINK and leogen skip those). ``--inbred`` animals get long runs of
homozygosity (the second haplotype copies the first over random segments), so ROH callers have
something to find; ``--missing`` sets a share of genotypes to ``./.``. Same arguments and seed
give the same bytes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

NE = 10_000
MU = 1e-8
RHO = 1e-8


def simulate_chromosome(n_samples: int, length: int, seed: int):
    """Haplotype allele indices (n_sites, 2 * n_samples), positions (1-based), REF/ALT."""
    import msprime

    ts = msprime.sim_ancestry(samples=n_samples, ploidy=2, population_size=NE,
                              sequence_length=length, recombination_rate=RHO, random_seed=seed)
    ts = msprime.sim_mutations(ts, rate=MU, random_seed=seed + 1, model=msprime.JC69())
    n_sites = ts.num_sites
    haps = np.empty((n_sites, 2 * n_samples), dtype=np.int8)
    pos = np.empty(n_sites, dtype=np.int64)
    alleles = []
    for k, var in enumerate(ts.variants()):
        haps[k] = var.genotypes
        pos[k] = int(var.site.position) + 1
        alleles.append(var.alleles)
    return haps, pos, alleles


def make_inbred(haps: np.ndarray, pos: np.ndarray, inbred: np.ndarray, rng) -> None:
    """Copy haplotype 1 onto haplotype 2 over random 1-15 Mb segments of the inbred animals."""
    lo, hi = pos[0], pos[-1]
    for i in inbred:
        n_seg = rng.integers(1, 4)
        for _ in range(n_seg):
            seg = rng.uniform(1e6, 15e6)
            start = rng.uniform(lo, max(lo + 1, hi - seg))
            sel = (pos >= start) & (pos < start + seg)
            haps[sel, 2 * i + 1] = haps[sel, 2 * i]


def vcf_lines(chrom: str, haps, pos, alleles, missing: float, rng, first_id: int) -> bytes:
    n_sites, n_hap = haps.shape
    n = n_hap // 2
    if n_sites == 0:
        return b""
    cells = np.empty((n_sites, n, 4), dtype=np.uint8)
    cells[:, :, 0] = haps[:, 0::2] + 48
    cells[:, :, 1] = ord("|")
    cells[:, :, 2] = haps[:, 1::2] + 48
    cells[:, :, 3] = ord("\t")
    if missing > 0:
        miss = rng.random((n_sites, n)) < missing
        cells[miss, 0] = ord(".")
        cells[miss, 1] = ord("/")
        cells[miss, 2] = ord(".")
    cells[:, -1, 3] = ord("\n")
    out = []
    body = cells.reshape(n_sites, -1)
    for k in range(n_sites):  # one line per variant only when writing the benchmark file
        a = alleles[k]
        ref, alt = a[0], ",".join(x for x in a[1:] if x is not None) or "."
        out.append(f"{chrom}\t{pos[k]}\tsnp{first_id + k}\t{ref}\t{alt}\t.\tPASS\t.\tGT\t".encode())
        out.append(body[k].tobytes())
    return b"".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--snps", type=int, default=150_000, help="approximate number of sites")
    ap.add_argument("--chromosomes", type=int, default=4)
    ap.add_argument("--inbred", type=float, default=0.1, help="share of animals with long ROH")
    ap.add_argument("--missing", type=float, default=0.0, help="share of missing genotypes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    # expected segregating sites: 4 Ne mu L sum_{k<2n} 1/k
    a_n = np.sum(1.0 / np.arange(1, 2 * args.samples))
    length = int(args.snps / (4 * NE * MU * a_n) / args.chromosomes)
    inbred = np.sort(rng.choice(args.samples, int(round(args.inbred * args.samples)),
                                replace=False))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = [f"leo{i + 1:05d}" for i in range(args.samples)]
    header = ["##fileformat=VCFv4.2", "##source=leogen benchmarks/make_vcf.py (msprime)"]
    header += [f"##contig=<ID=chr{c + 1},length={length}>" for c in range(args.chromosomes)]
    header.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    header.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                             "FORMAT", *names]))
    tmp = out.with_name(out.name + ".tmp")
    n_total = 0
    with open(tmp, "wb") as fh:
        bg = subprocess.Popen(["bgzip", "-c"], stdin=subprocess.PIPE, stdout=fh)
        bg.stdin.write(("\n".join(header) + "\n").encode())
        for c in range(args.chromosomes):
            haps, pos, alleles = simulate_chromosome(args.samples, length, args.seed * 100 + c)
            # msprime positions are distinct on a discrete genome; keep them sorted
            make_inbred(haps, pos, inbred, rng)
            for s in range(0, len(pos), 20_000):
                sl = slice(s, s + 20_000)
                bg.stdin.write(vcf_lines(f"chr{c + 1}", haps[sl], pos[sl], alleles[sl],
                                         args.missing, rng, n_total + s))
            n_total += len(pos)
            print(f"chr{c + 1}: {len(pos)} sites", file=sys.stderr)
        bg.stdin.close()
        if bg.wait() != 0:
            raise SystemExit("bgzip failed")
    tmp.replace(out)
    subprocess.run(["tabix", "-f", "-p", "vcf", str(out)], check=True)
    truth = out.with_name(out.name.replace(".vcf.gz", "") + ".inbred.txt")
    truth.write_text("".join(names[i] + "\n" for i in inbred))
    print(f"{out}: {args.samples} samples, {n_total} sites", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
