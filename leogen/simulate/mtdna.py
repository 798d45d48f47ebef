"""mtDNA: a synthetic cytb-like reference panel, maternal haplotypes and scat barcodes.

A species tree of substitutions (leopard-tiger ~9%, leopard-lynx ~12%, felid-canid ~20%
divergent; haplotypes 0.5-2% apart within a species) with 70% transitions; leopards
inherit the dam's haplotype; other species' barcodes are panel haplotypes with 0-3 extra
substitutions; every barcode gets sequencing errors and end trimming, and some fail (no
record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.io.atomic import atomic_open
from leogen.pedigree.kinship import pedigree_frame_indices
from leogen.simulate.genotyping import beta_moments
from leogen.simulate.params import BASES, TARGET_SPECIES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams

#: the transition partner of each base (purine <-> purine, pyrimidine <-> pyrimidine)
_TRANSITION = {"A": "G", "G": "A", "C": "T", "T": "C"}


def mutate(seq: np.ndarray, fraction: float, rng, n: int | None = None) -> np.ndarray:
    """Substitute distinct sites of a sequence; 70% transitions, the rest transversions.

    Parameters
    ----------
    seq : str array (length,)
        Bases, one per element.
    fraction : float
        Share of sites to substitute (used when ``n`` is None).
    rng : numpy Generator
    n : int, optional
        Number of sites to substitute (default ``round(fraction * length)``).

    Returns
    -------
    str array (length,)
        A mutated copy, exactly ``min(n, length)`` sites different.

    Examples
    --------
    >>> seq = np.array(list("ACGTACGTAC"))
    >>> int((mutate(seq, 0.3, np.random.default_rng(1)) != seq).sum())
    3
    """
    seq = seq.copy()
    n = int(round(fraction * seq.size)) if n is None else n
    sites = rng.choice(seq.size, size=min(n, seq.size), replace=False)
    for s in sites:
        if rng.random() < 0.7:
            seq[s] = _TRANSITION[seq[s]]
        else:
            seq[s] = rng.choice([x for x in "ACGT" if x != seq[s] and x != _TRANSITION[seq[s]]])
    return seq


def mtdna_panel(p: SimParams, seed) -> dict[str, list[np.ndarray]]:
    """Synthetic cytb-like reference haplotypes per species, along a fixed species tree.

    A root sequence (G-poor, as mammalian cytb) mutates along the tree felid/canid ->
    Panthera -> species, giving leopard-tiger ~9%, leopard-lynx ~12% and felid-canid ~20%
    divergence; each species gets haplotypes 0.25-1% from its species sequence (0.5-2%
    apart).

    Parameters
    ----------
    p : SimParams
        ``mtdna_length``, ``n_haplotypes_target``, ``n_haplotypes_other``.
    seed : int, SeedSequence or Generator

    Returns
    -------
    dict of species -> list of str arrays (mtdna_length,)
        Haplotypes of each species (``n_haplotypes_target`` for the study species).
    """
    rng = np.random.default_rng(seed)
    root = rng.choice(BASES, size=p.mtdna_length, p=[0.30, 0.30, 0.13, 0.27])
    felid = mutate(root, 0.05, rng)
    canid = mutate(root, 0.05, rng)
    panthera = mutate(felid, 0.02, rng)
    species = {
        "Panthera_pardus": mutate(panthera, 0.045, rng),
        "Panthera_tigris": mutate(panthera, 0.045, rng),
        "Lynx_lynx": mutate(felid, 0.06, rng),
        "Prionailurus_bengalensis": mutate(felid, 0.06, rng),
        "Canis_familiaris": mutate(canid, 0.05, rng),
        "Vulpes_vulpes": mutate(canid, 0.05, rng),
    }
    panel = {}
    for sp, seq in species.items():
        k = p.n_haplotypes_target if sp == TARGET_SPECIES else p.n_haplotypes_other
        panel[sp] = [mutate(seq, rng.uniform(0.0025, 0.01), rng) for _ in range(k)]
    return panel


def maternal_haplotypes(ped: pd.DataFrame, n_haplotypes: int, seed) -> np.ndarray:
    """mtDNA haplotype of every animal: founders at random, offspring their dam's.

    Founder haplotype frequencies ~ Dirichlet(1, ..., 1); maternal inheritance.

    Parameters
    ----------
    ped : DataFrame
        Pedigree (parents precede offspring).
    n_haplotypes : int
        Haplotypes of the study species in the panel.
    seed : int, SeedSequence or Generator

    Returns
    -------
    int array (n_individuals,)
        Haplotype index (0-based) into the species' panel.
    """
    rng = np.random.default_rng(seed)
    s, d = pedigree_frame_indices(ped)
    freqs = rng.dirichlet(np.ones(n_haplotypes))
    h = np.zeros(len(ped), dtype=np.int64)
    for i in range(len(ped)):
        h[i] = h[d[i]] if d[i] >= 0 else rng.choice(n_haplotypes, p=freqs)
    return h


def barcodes(samples: pd.DataFrame, hap_of: dict, panel: dict, quality: np.ndarray,
             p: SimParams, seed) -> dict[str, str]:
    """Observed barcode of every scat; failed ones are absent.

    A scat fails with probability ``mtdna_fail_scat * (1 - q) / E[1 - q]`` (more often at
    low DNA quality q). Otherwise the read is the animal's haplotype (other species: a
    random panel haplotype of the species with 0-3 extra substitutions), with
    Binomial(length, ``mtdna_error_rate``) sequencing errors and 0-``mtdna_max_trim``
    bases trimmed at each end.

    Parameters
    ----------
    samples : DataFrame
        Samples of ``sample_animals``.
    hap_of : dict
        Animal id -> haplotype index (``maternal_haplotypes``).
    panel : dict
        ``mtdna_panel``.
    quality : float array (n_samples,)
        DNA quality of each sample.
    p : SimParams
    seed : int, SeedSequence or Generator

    Returns
    -------
    dict of sample_id -> str
        Reads, in sample order.
    """
    rng = np.random.default_rng(seed)
    out = {}
    mean_h = beta_moments(p.quality_beta_a, p.quality_beta_b)[0]
    for k, row in enumerate(samples.itertuples(index=False)):
        if row.sample_type != "scat":
            continue
        if rng.random() < min(1.0, p.mtdna_fail_scat * (1 - quality[k]) / mean_h):
            continue
        if row.species == TARGET_SPECIES:
            seq = panel[TARGET_SPECIES][hap_of[row.individual_id]]
        else:
            seq = panel[row.species][int(rng.integers(len(panel[row.species])))]
            seq = mutate(seq, 0.0, rng, n=int(rng.integers(0, 4)))
        n_err = rng.binomial(seq.size, p.mtdna_error_rate)
        seq = mutate(seq, 0.0, rng, n=int(n_err))
        t1, t2 = rng.integers(0, p.mtdna_max_trim + 1, 2)
        out[row.sample_id] = "".join(seq[t1:seq.size - t2])
    return out


def write_fasta(records: dict[str, str], path, width: int = 60) -> None:
    """Write FASTA records, sequences wrapped at ``width``, in the given order, atomically.

    Parameters
    ----------
    records : dict of name -> sequence
    path : path-like
    width : int
        Bases per line.
    """
    with atomic_open(path, "w", encoding="utf-8") as fh:
        for name, seq in records.items():
            fh.write(f">{name}\n")
            for i in range(0, len(seq), width):
                fh.write(seq[i:i + width] + "\n")


def reference_records(panel: dict[str, list[np.ndarray]]) -> dict[str, str]:
    """FASTA records of the reference panel, named ``species|H1``, ``species|H2``, ...

    Parameters
    ----------
    panel : dict of species -> list of str arrays
        ``mtdna_panel``.

    Returns
    -------
    dict of name -> sequence
        Species in sorted order, haplotypes in panel order.

    Examples
    --------
    >>> reference_records({"B_b": [np.array(list("AC"))], "A_a": [np.array(list("GT"))]})
    {'A_a|H1': 'GT', 'B_b|H1': 'AC'}
    """
    return {f"{sp}|H{k + 1}": "".join(seq) for sp in sorted(panel)
            for k, seq in enumerate(panel[sp])}
