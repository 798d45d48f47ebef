"""Microsatellites: synthetic loci, founder genotypes and Mendelian gene dropping.

Founder allele frequencies ~ Dirichlet over 3-7 alleles per locus (a small ancestral
population); alleles are dropped through the pedigree by Mendel's rules, loci unlinked.
The sex marker AMEL gives X 214 bp, Y 194 bp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.pedigree.kinship import pedigree_frame_indices
from leogen.simulate.params import AMEL_X, AMEL_Y, LOCUS_NAMES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def make_loci(p: SimParams, seed) -> list[dict]:
    """Synthetic microsatellite loci of the ancestral population.

    A share ``frac_tetranucleotide`` of the loci has 4 bp repeats, the others 2 bp; each
    locus has ``min_alleles``..``max_alleles`` alleles on a ladder of sizes in 100-300 bp
    (with a few gaps) and founder frequencies ~ Dirichlet(``founder_dirichlet_alpha``),
    floored at 0.01 so every allele is present: a small ancestral population (founder He
    about 0.4-0.6).

    Parameters
    ----------
    p : SimParams
        ``n_loci``, ``min_alleles``, ``max_alleles``, ``founder_dirichlet_alpha``,
        ``frac_tetranucleotide``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    list of dict, length n_loci
        ``name`` (FCA-style, from ``LOCUS_NAMES``), ``step`` (2 or 4), ``sizes`` (int array
        (n_alleles,), ascending), ``freqs`` (float array (n_alleles,), summing to 1).
    """
    rng = np.random.default_rng(seed)
    loci = []
    n_tetra = int(round(p.frac_tetranucleotide * p.n_loci))
    tetra = np.zeros(p.n_loci, bool)
    tetra[rng.choice(p.n_loci, n_tetra, replace=False)] = True
    for j in range(p.n_loci):
        k = int(rng.integers(p.min_alleles, p.max_alleles + 1))
        step = 4 if tetra[j] else 2
        span = k + int(rng.integers(0, 4))  # a few gaps in the ladder
        top = 300 - step * (span + 2)
        base = int(rng.integers(100 // step, max(100 // step + 1, top // step))) * step
        rungs = np.sort(rng.choice(span, k, replace=False))
        sizes = base + step * rungs
        freqs = rng.dirichlet(np.full(k, p.founder_dirichlet_alpha))
        # keep every allele present at a usable frequency in the ancestral pool
        freqs = np.maximum(freqs, 0.01)
        freqs /= freqs.sum()
        loci.append({"name": LOCUS_NAMES[j], "step": step, "sizes": sizes.astype(np.int64),
                     "freqs": freqs})
    return loci


def drop_alleles(sire_idx, dam_idx, founder_alleles: np.ndarray, seed) -> np.ndarray:
    """Mendelian gene dropping of unlinked loci through a pedigree in birth order.

    Gene dropping (MacCluer, VandeBerg, Read & Ryder 1986 Zoo Biol 5:147): each offspring
    gets a random one of its sire's two alleles (copy 0) and of its dam's (copy 1),
    independently per locus.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n_individuals,)
        Parent rows, -1 for founders; parents must precede offspring.
    founder_alleles : int array (n_individuals, n_loci, 2)
        Alleles (any integer code) with the founders' rows filled (other rows ignored).
    seed : int, SeedSequence or Generator

    Returns
    -------
    int array (n_individuals, n_loci, 2)
        Alleles of everyone.

    Examples
    --------
    >>> founders = np.array([[[1, 1]], [[2, 2]], [[0, 0]]])  # A 1/1, B 2/2, C unfilled
    >>> drop_alleles([-1, -1, 0], [-1, -1, 1], founders, seed=1)[2].tolist()
    [[1, 2]]
    """
    rng = np.random.default_rng(seed)
    g = np.array(founder_alleles, copy=True)
    n, n_l, _ = g.shape
    pick = rng.integers(0, 2, size=(n, n_l, 2))
    cols = np.arange(n_l)
    for i in range(n):
        s, d = sire_idx[i], dam_idx[i]
        if s < 0 or d < 0:
            continue
        if s >= i or d >= i:
            raise ValueError("parents must precede offspring")
        g[i, :, 0] = g[s, cols, pick[i, :, 0]]
        g[i, :, 1] = g[d, cols, pick[i, :, 1]]
    return g


def true_microsats(ped: pd.DataFrame, loci: list[dict], seed) -> np.ndarray:
    """True microsatellite genotypes of every animal of the pedigree.

    Founders draw both alleles from the locus' founder frequencies; everyone else gets
    them by ``drop_alleles``. The sex marker (AMEL) follows the sex: females X/X, males Y/X.

    Parameters
    ----------
    ped : DataFrame
        Pedigree of ``simulate_pedigree`` (parents precede offspring).
    loci : list of dict
        Loci of ``make_loci``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    int array (n_individuals, n_loci + 1, 2)
        Allele sizes in bp; the last locus is the sex marker.
    """
    rng = np.random.default_rng(seed)
    s, d = pedigree_frame_indices(ped)
    n = len(ped)
    fa = np.zeros((n, len(loci), 2), dtype=np.int64)
    founders = np.flatnonzero(s < 0)
    for j, loc in enumerate(loci):
        fa[founders, j, :] = rng.choice(len(loc["sizes"]), size=(founders.size, 2),
                                        p=loc["freqs"])
    idx = drop_alleles(s, d, fa, rng)
    sizes = np.empty((n, len(loci) + 1, 2), dtype=np.int64)
    for j, loc in enumerate(loci):
        sizes[:, j, :] = loc["sizes"][idx[:, j, :]]
    male = ped["sex"].to_numpy() == "M"
    sizes[:, -1, 0] = np.where(male, AMEL_Y, AMEL_X)
    sizes[:, -1, 1] = AMEL_X
    return sizes
