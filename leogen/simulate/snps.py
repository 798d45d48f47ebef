"""SNPs: founder haplotypes with LD, meiosis with recombination, exact IBD truth.

Ancestral haplotypes -> founder haplotypes as mosaics of them (linkage disequilibrium);
meiosis with the Haldane map (Poisson crossovers, mean = chromosome length in Morgans;
1 cM = 1 Mb); founder-genome labels are dropped with the alleles, so IBD (and the true runs
of homozygosity) is known exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.model.genotypes import Genotypes
from leogen.pedigree.kinship import pedigree_frame_indices
from leogen.simulate.params import BASES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def chromosome_layout(p: SimParams) -> pd.DataFrame:
    """Chromosomes with their lengths and SNP counts, longer ones first.

    Relative lengths fall linearly from 1.4 to 0.6 (first to last chromosome); map length
    ``genome_length_cm`` is shared out in proportion, at 1 cM = 1 Mb, and so are the
    ``n_snps`` SNPs (remainders to the first chromosomes).

    Parameters
    ----------
    p : SimParams
        ``n_chromosomes``, ``genome_length_cm``, ``n_snps``.

    Returns
    -------
    DataFrame (n_chromosomes rows)
        ``chrom`` (chr1, ...), ``length_cm``, ``length_bp``, ``n_snps``.

    Examples
    --------
    >>> from leogen.simulate.params import SimParams
    >>> chromosome_layout(SimParams(n_chromosomes=2, genome_length_cm=100.0, n_snps=11))
      chrom  length_cm  length_bp  n_snps
    0  chr1       70.0   70000000       8
    1  chr2       30.0   30000000       3
    """
    w = np.linspace(1.4, 0.6, p.n_chromosomes)
    w = w / w.sum()
    cm = p.genome_length_cm * w
    n = np.floor(p.n_snps * w).astype(int)
    n[: p.n_snps - n.sum()] += 1
    return pd.DataFrame({"chrom": [f"chr{i + 1}" for i in range(p.n_chromosomes)],
                         "length_cm": cm, "length_bp": np.round(cm * 1e6).astype(np.int64),
                         "n_snps": n})


def founder_haplotypes(n_genomes: int, n_snps: int, morgans_pos: np.ndarray, length_m: float,
                       n_ancestral: int, switch_per_morgan: float, seed) -> np.ndarray:
    """Founder haplotypes of one chromosome: mosaics of a few ancestral haplotypes.

    Ancestral allele frequencies ~ Beta(0.5, 0.5), every SNP made polymorphic among the
    ancestral haplotypes; switch points between ancestral sources follow a Poisson process
    with ``switch_per_morgan`` per Morgan (a copying model in the spirit of Li & Stephens
    2003 Genetics 165:2213), which gives linkage disequilibrium over a few cM.

    Parameters
    ----------
    n_genomes : int
        Founder genomes (2 per founder).
    n_snps : int
    morgans_pos : float array (n_snps,)
        Map positions in Morgans, ascending.
    length_m : float
        Chromosome length in Morgans.
    n_ancestral : int
        Ancestral haplotypes.
    switch_per_morgan : float
    seed : int, SeedSequence or Generator

    Returns
    -------
    int8 array (n_genomes, n_snps)
        Alleles 0/1.
    """
    rng = np.random.default_rng(seed)
    freq = rng.beta(0.5, 0.5, n_snps)
    anc = (rng.random((n_ancestral, n_snps)) < freq[None, :]).astype(np.int8)
    mono = (anc.sum(axis=0) == 0) | (anc.sum(axis=0) == n_ancestral)
    if mono.any():  # make every SNP polymorphic: flip one random ancestral haplotype
        rows = rng.integers(0, n_ancestral, mono.sum())
        cols = np.flatnonzero(mono)
        anc[rows, cols] = 1 - anc[rows, cols]
    out = np.empty((n_genomes, n_snps), dtype=np.int8)
    for g in range(n_genomes):
        k = rng.poisson(switch_per_morgan * length_m)
        cuts = np.sort(rng.uniform(0, length_m, k))
        src = rng.integers(0, n_ancestral, k + 1)
        seg = np.searchsorted(cuts, morgans_pos)
        out[g] = anc[src[seg], np.arange(n_snps)]
    return out


def drop_chromosome(sire_idx, dam_idx, morgans_pos: np.ndarray, length_m: float,
                    seed) -> np.ndarray:
    """Founder-genome labels of one chromosome dropped through the pedigree.

    Meiosis under the Haldane (1919 J Genet 8:299) map: Poisson(``length_m``) crossovers
    at uniform positions, the transmitted strand starting at a random parental copy.
    Founder k (in founder order) carries labels 2k and 2k + 1, so equal labels are
    identical by descent.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n_individuals,)
        Parent rows, -1 for founders; parents precede offspring.
    morgans_pos : float array (n_snps,)
        Map positions in Morgans.
    length_m : float
        Chromosome length in Morgans.
    seed : int, SeedSequence or Generator

    Returns
    -------
    int32 array (n_individuals, 2, n_snps)
        Labels; copy 0 from the sire, copy 1 from the dam.

    Examples
    --------
    >>> lab = drop_chromosome([-1, -1, 0], [-1, -1, 1], np.array([0.1, 0.5]), 1.0, seed=3)
    >>> lab[:2].tolist()
    [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]
    >>> bool(set(lab[2, 0].tolist()) <= {0, 1} and set(lab[2, 1].tolist()) <= {2, 3})
    True
    """
    rng = np.random.default_rng(seed)
    n = len(sire_idx)
    m = morgans_pos.size
    lab = np.full((n, 2, m), -1, dtype=np.int32)
    k = 0
    for i in range(n):
        if sire_idx[i] < 0:
            lab[i, 0] = 2 * k
            lab[i, 1] = 2 * k + 1
            k += 1
            continue
        for c, par in enumerate((sire_idx[i], dam_idx[i])):
            x = rng.poisson(length_m)
            cuts = np.sort(rng.uniform(0, length_m, x))
            start = rng.integers(0, 2)
            which = (start + np.searchsorted(cuts, morgans_pos)) % 2
            lab[i, c] = np.where(which == 0, lab[par, 0], lab[par, 1])
    return lab


def simulate_snps(ped: pd.DataFrame, p: SimParams, seed) -> dict:
    """Genome-wide SNPs of every animal, with the founder-genome labels (IBD truth).

    Per chromosome of ``chromosome_layout``: distinct random positions, founder haplotypes
    (``founder_haplotypes``), labels dropped through the pedigree (``drop_chromosome``);
    then random REF and ALT bases.

    Parameters
    ----------
    ped : DataFrame
        Pedigree (parents precede offspring).
    p : SimParams
    seed : int, SeedSequence or Generator

    Returns
    -------
    dict
        ``layout`` (DataFrame), ``chrom`` (str array (n_snps,)), ``pos`` (int array
        (n_snps,), 1-based bp), ``ref``, ``alt`` (str arrays (n_snps,)), ``labels`` (int
        array (n_individuals, 2, n_snps)) and ``haps`` (int8 array (n_individuals, 2,
        n_snps), 0 = REF, 1 = ALT), over the whole genome.
    """
    rng = np.random.default_rng(seed)
    s, d = pedigree_frame_indices(ped)
    lay = chromosome_layout(p)
    n_found = int((s < 0).sum())
    chrom, pos, labels, haps = [], [], [], []
    for row in lay.itertuples(index=False):
        nn = int(row.n_snps)
        if nn == 0:
            continue
        pp = np.sort(rng.choice(int(row.length_bp), nn, replace=False)) + 1
        morg = pp / row.length_bp * row.length_cm / 100.0
        length_m = row.length_cm / 100.0
        fh = founder_haplotypes(2 * n_found, nn, morg, length_m, p.n_ancestral_haplotypes,
                                p.ancestral_switch_per_morgan, rng)
        lab = drop_chromosome(s, d, morg, length_m, rng)
        chrom.append(np.full(nn, row.chrom, dtype=object))
        pos.append(pp)
        labels.append(lab)
        haps.append(fh[lab, np.arange(nn)[None, None, :]])
    n_total = int(sum(x.size for x in pos))
    ref = rng.choice(BASES, n_total)
    alt = np.array([rng.choice([b for b in "ACGT" if b != r]) for r in ref])
    return {"layout": lay, "chrom": np.concatenate(chrom) if chrom else np.array([]),
            "pos": np.concatenate(pos) if pos else np.array([], dtype=np.int64),
            "ref": ref, "alt": alt,
            "labels": np.concatenate(labels, axis=2) if labels else None,
            "haps": np.concatenate(haps, axis=2) if haps else None}


def ibd_segments(labels: np.ndarray, chrom: np.ndarray, pos: np.ndarray, ids) -> pd.DataFrame:
    """Autozygous (IBD) runs of each animal: both copies descend from one founder genome.

    These are the true runs of homozygosity by descent.

    Parameters
    ----------
    labels : int array (n_animals, 2, n_snps)
        Founder-genome labels.
    chrom : str array (n_snps,)
    pos : int array (n_snps,)
    ids : sequence of str (n_animals,)

    Returns
    -------
    DataFrame
        ``individual_id, chrom, start, end, n_snps`` of each run (start/end: first and last
        autozygous SNP).

    Examples
    --------
    >>> lab = np.array([[[0, 0, 1, 0], [0, 0, 0, 0]]])
    >>> ibd_segments(lab, np.array(["c1"] * 4), np.array([10, 20, 30, 40]), ["A"])
      individual_id chrom  start  end  n_snps
    0             A    c1     10   20       2
    1             A    c1     40   40       1
    """
    rows = []
    for i, name in enumerate(ids):
        auto = labels[i, 0] == labels[i, 1]
        for c in pd.unique(chrom):
            sel = np.flatnonzero(chrom == c)
            a = auto[sel].astype(np.int8)
            edges = np.diff(np.concatenate([[0], a, [0]]))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
            for s0, e0 in zip(starts, ends, strict=True):
                rows.append((name, c, int(pos[sel][s0]), int(pos[sel][e0]), int(e0 - s0 + 1)))
    return pd.DataFrame(rows, columns=["individual_id", "chrom", "start", "end", "n_snps"])


def snp_genotypes(snps: dict, rows: np.ndarray, sample_ids) -> Genotypes:
    """Unphased SNP genotypes of selected animals.

    Parameters
    ----------
    snps : dict
        ``simulate_snps``.
    rows : int array (n,)
        Pedigree rows of the animals.
    sample_ids : sequence of str (n,)
        Sample name of each (the VCF sample names).

    Returns
    -------
    Genotypes
        SNP genotypes (n samples x n_snps loci ``chrom:pos``; allele 0 = REF, 1 = ALT).
    """
    h = snps["haps"][rows]  # (n, 2, m)
    calls = np.sort(h.transpose(0, 2, 1), axis=-1).astype(np.int32)  # unphased: 0/1
    loci = [f"{c}:{q}" for c, q in zip(snps["chrom"], snps["pos"], strict=True)]
    alleles = tuple(np.array([r, a], dtype=object) for r, a in
                    zip(snps["ref"], snps["alt"], strict=True))
    return Genotypes(calls, sample_ids, loci, alleles)
