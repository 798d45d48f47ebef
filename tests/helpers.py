"""Helpers shared by the test modules (importable as ``helpers``: pytest puts tests/ on the path).

Paths of the repository, the bundled example and the format fixtures; peer-tool lookup (skips
when a tool is absent on a user's machine, fails under LEOGEN_REQUIRE_PEERS=1 as in CI); small
file writers used by several stages' tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "config" / "example"
FORMATS_DATA = Path(__file__).resolve().parent / "io" / "data" / "formats"


def require_tool(name: str) -> str:
    """Path of an OS tool; skip (or fail under LEOGEN_REQUIRE_PEERS=1) when it is absent."""
    path = shutil.which(name)
    if path is None:
        msg = f"peer tool '{name}' is not installed"
        if os.environ.get("LEOGEN_REQUIRE_PEERS") == "1":
            pytest.fail(msg + " and LEOGEN_REQUIRE_PEERS=1")
        pytest.skip(msg)
    return path


def write_alt_count_vcf(path, samples, gt, chrom="chr1", step=10, id_prefix="snp") -> None:
    """Plain VCF of biallelic A/G SNPs on one chromosome.

    gt (n_snps, n_samples) of 0/1/2 alt counts, -1 missing; variant v at 1000 + step * v
    with ID ``{id_prefix}{v}``.
    """
    code = {-1: "./.", 0: "0/0", 1: "0/1", 2: "1/1"}
    lines = ["##fileformat=VCFv4.2", f"##contig=<ID={chrom},length=10000000>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    for v in range(gt.shape[0]):
        lines.append(f"{chrom}\t{1000 + step * v}\t{id_prefix}{v}\tA\tG\t.\tPASS\t.\tGT\t"
                     + "\t".join(code[int(c)] for c in gt[v]))
    path.write_text("\n".join(lines) + "\n")


def write_dosage_vcf(path, geno) -> None:
    """geno (n_variants, n_samples) of 0/1/2/-1 alt dosage; samples s0.., chromosome 1."""
    write_alt_count_vcf(path, [f"s{i}" for i in range(geno.shape[1])], geno, chrom="1",
                        step=100, id_prefix="v")


def random_snp_dosages(rng, n_var=60, n_s=37):
    """(n_var, n_s) alt dosages with per-variant inbreeding/excess, 5% missing, one
    monomorphic and one all-heterozygous variant."""
    p = rng.uniform(0.02, 0.6, size=n_var)
    f = rng.choice([0.0, 0.3, -0.2], size=n_var)
    q = 1 - p
    probs = np.stack([q * q + f * p * q, 2 * p * q * (1 - f), p * p + f * p * q], axis=1)
    probs = np.clip(probs, 0, None)
    probs /= probs.sum(axis=1, keepdims=True)
    geno = np.array([rng.choice(3, size=n_s, p=pr) for pr in probs])
    geno[rng.random(geno.shape) < 0.05] = -1
    geno[0] = 0  # monomorphic variant
    geno[1, :] = 1  # all heterozygous
    return geno


def dosage_counts(geno):
    """(het, hom_ref, hom_alt) counts per variant of a dosage matrix."""
    return (geno == 1).sum(axis=1), (geno == 0).sum(axis=1), (geno == 2).sum(axis=1)


# ------------------------------------------------------------ the format fixture data set
#: The genotypes behind tests/io/data/formats/*, typed in by hand: sizes in bp, -1 missing;
#: (samples, loci, 2) for FIXTURE_SAMPLES x FIXTURE_LOCI, two sites of three samples.
FIXTURE_SIZES = [
    [[214, 216], [130, 134], [-1, -1]],
    [[216, 216], [130, 130], [152, 156]],
    [[214, 218], [-1, -1], [152, 152]],
    [[218, 218], [134, 138], [156, 160]],
    [[216, 218], [130, 138], [-1, -1]],
    [[-1, -1], [134, 134], [152, 160]],
]
FIXTURE_SAMPLES = ["S1", "S2", "S3", "S4", "S5", "S6"]
FIXTURE_LOCI = ["FCA8", "FCA43", "F53"]
FIXTURE_SITES = ["siteA"] * 3 + ["siteB"] * 3


def fixture_genotypes(populations=FIXTURE_SITES):
    """The format fixture data set as Genotypes (populations = sites unless given)."""
    from leogen.model.genotypes import Genotypes

    return Genotypes.from_labels(np.array(FIXTURE_SIZES), FIXTURE_SAMPLES, FIXTURE_LOCI,
                                 populations)


# ------------------------------------------------------------------------- gene drop
def founder_genotypes(rng, n, freqs):
    """(n, n_loci, 2) allele indices of unrelated founders drawn from ``freqs``
    (n_loci, n_alleles) under Hardy-Weinberg."""
    out = np.empty((n, len(freqs), 2), dtype=np.int32)
    for j, f in enumerate(freqs):
        out[:, j, :] = rng.choice(len(f), size=(n, 2), p=f)
    return out


def meiosis(rng, parent):
    """One gamete per individual of ``parent`` (n, n_loci, 2): a random allele per locus
    (unlinked loci, Mendel's first law)."""
    pick = rng.integers(0, 2, parent.shape[:2])
    return np.where(pick == 0, parent[..., 0], parent[..., 1])


def offspring(rng, sire, dam):
    """(n, n_loci, 2) offspring of sire x dam, pairwise."""
    return np.stack([meiosis(rng, sire), meiosis(rng, dam)], axis=2)


# ------------------------------------------------------------ simulated identification run
def simulate_and_identify(tmp_path, params, seed):
    """Simulate a population (``leogen simulate`` with ``params``) and run species, consensus
    and identify on it through the CLI; returns (simulation folder, results folder)."""
    from leogen.simulate import simulate

    d = tmp_path / f"sim{seed}"
    simulate(params, seed, d)
    return d, identify_simulation(d)


def identify_simulation(d):
    """Run species, consensus and identify through the CLI (as the workflow does) on the
    simulation folder ``d``; returns its results folder ``d / "results"``."""
    from leogen.cli import main

    r = d / "results"
    assert main(["species", "--fasta", str(d / "mtdna.fasta"), "--reference",
                 str(d / "mtdna_reference.fasta"), "--samples", str(d / "samples.tsv"),
                 "--out", str(r / "species.tsv")]) == 0
    assert main(["consensus", "--genotypes", str(d / "genotypes.tsv"), "--samples",
                 str(d / "samples.tsv"), "--species", str(r / "species.tsv"),
                 "--out-dir", str(r / "consensus")]) == 0
    assert main(["identify", "--consensus", str(r / "consensus" / "consensus.tsv"),
                 "--genotypes", str(d / "genotypes.tsv"), "--samples", str(d / "samples.tsv"),
                 "--out-dir", str(r / "identify")]) == 0
    return r


def true_identity_inputs(d) -> dict:
    """The SCR stage's inputs of a simulated folder, with the TRUE identities.

    ``sample_individual`` is written from truth/samples_truth.tsv (leopard samples only);
    camera aliases are the true ones, kept for animals with a genetic sample (the others
    are camera-only animals under their camera id, as in the pipeline).

    Parameters
    ----------
    d : Path
        Output folder of :func:`leogen.simulate.simulate`.

    Returns
    -------
    dict
        Keyword arguments of :func:`leogen.scr.run._pipeline` / ``run_pipeline``.
    """
    import pandas as pd

    from leogen.identify.outputs import SAMPLE_INDIVIDUAL

    st = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t", dtype=str)
    st = st[st["species"] == "Panthera_pardus"]
    si = pd.DataFrame({"sample_id": st["sample_id"], "individual_id": st["individual_id"],
                       "status": "unique"})
    for c in SAMPLE_INDIVIDUAL.names:
        if c not in si:
            si[c] = pd.NA
    SAMPLE_INDIVIDUAL.write(si[SAMPLE_INDIVIDUAL.names], d / "sample_individual_true.tsv")
    al = pd.read_csv(d / "truth" / "camera_aliases_true.tsv", sep="\t", dtype=str)
    al = al[al["individual_id"].isin(set(si["individual_id"]))]
    al.to_csv(d / "aliases_true.tsv", sep="\t", index=False)
    return {"stations": d / "camera_stations.tsv", "search_effort": d / "search_effort.tsv",
            "samples": d / "samples.tsv",
            "sample_individual": d / "sample_individual_true.tsv",
            "camera_traps": d / "camera_traps.tsv", "aliases": d / "aliases_true.tsv"}
