"""Allele frequencies and expected heterozygosity: the one implementation every stage uses.

Frequencies of a sample come from :meth:`leogen.model.genotypes.Genotypes.allele_frequencies`
(scikit-allel allele counts over typed genotypes), or, where a stage already holds allele
counts (per population, per year), from :func:`frequencies_from_counts`; :class:`AlleleFreqs`
carries a set of reference frequencies with the number of genes they were counted from. This
module turns them into gene diversity. Orientation: frequencies are ``(n_loci, n_alleles)``
(any leading shape works, alleles on the last axis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from leogen.model.genotypes import Genotypes


def expected_heterozygosity(freqs: np.ndarray) -> np.ndarray:
    """Gene diversity ``He = 1 - sum_k p_k^2`` per locus (Nei 1987; adegenet's Hexp).

    Parameters
    ----------
    freqs : array (..., n_alleles)
        Allele frequencies, alleles on the last axis (padding alleles have frequency 0).
        NaN frequencies (a locus typed in no one) give NaN.

    Returns
    -------
    array (...)
        He of each locus.

    Examples
    --------
    >>> expected_heterozygosity(np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]))
    array([0.5  , 0.   , 0.375])
    """
    freqs = np.asarray(freqs, dtype=float)
    return 1.0 - (freqs ** 2).sum(axis=-1)


def unbiased_expected_heterozygosity(freqs: np.ndarray, n_typed: np.ndarray) -> np.ndarray:
    """Nei's unbiased gene diversity ``2N / (2N - 1) (1 - sum_k p_k^2)`` (Nei 1987 eq. 8.4;
    GenAlEx uHe), N the number of typed individuals at the locus.

    Parameters
    ----------
    freqs : array (..., n_alleles)
        Allele frequencies, alleles on the last axis.
    n_typed : array (...)
        Typed individuals per locus.

    Returns
    -------
    array (...)
        Unbiased He; NaN where fewer than 2 individuals are typed.

    Examples
    --------
    >>> unbiased_expected_heterozygosity(np.array([[0.5, 0.5], [0.5, 0.5]]), np.array([2, 1]))
    array([0.66666667,        nan])
    """
    n = np.asarray(n_typed, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, 2 * n / (2 * n - 1) * expected_heterozygosity(freqs), np.nan)


def allele_tallies(calls: np.ndarray, n_alleles: int):
    """Per-locus allele tallies of a call array, vectorised (one ``bincount``).

    The counting behind per-group frequencies (diversity per population, Ne per year), where
    the heterozygote counts are needed too; for one sample as a whole,
    :meth:`Genotypes.allele_frequencies` gives the same frequencies.

    Parameters
    ----------
    calls : int array (n_individuals, n_loci, 2)
        Allele indices, -1 missing (a genotype is typed when its first allele is >= 0).
    n_alleles : int
        Allele indices run over ``0 .. n_alleles - 1`` (the widest locus).

    Returns
    -------
    n_typed : (n_loci,) typed individuals.
    counts : (n_loci, n_alleles) allele copies.
    het_carriers : (n_loci, n_alleles) heterozygous individuals carrying each allele.
    n_het : (n_loci,) heterozygous individuals.

    Examples
    --------
    >>> calls = np.array([[[0, 1]], [[1, 1]], [[-1, -1]]])  # 3 individuals, 1 locus
    >>> n_typed, counts, het_carriers, n_het = allele_tallies(calls, 2)
    >>> n_typed, counts, het_carriers, n_het
    (array([2]), array([[1, 3]]), array([[1, 1]]), array([1]))
    """
    n, n_loci, _ = calls.shape
    k = max(int(n_alleles), 1)
    ok = calls >= 0
    typed = ok[..., 0]
    het = typed & (calls[..., 0] != calls[..., 1])
    flat = np.arange(n_loci)[None, :, None] * k + calls
    counts = np.bincount(flat[ok], minlength=n_loci * k).reshape(n_loci, k)
    hsel = ok & het[..., None]
    het_carriers = np.bincount(flat[hsel], minlength=n_loci * k).reshape(n_loci, k)
    return typed.sum(axis=0), counts, het_carriers, het.sum(axis=0)


def frequencies_from_counts(counts: np.ndarray) -> np.ndarray:
    """Allele frequencies ``p_k = N_k / sum_k N_k`` from allele copy counts.

    Parameters
    ----------
    counts : array (..., n_alleles)
        Copies of each allele (alleles on the last axis), e.g. ``(n_loci, n_alleles)``.

    Returns
    -------
    array (..., n_alleles)
        Frequencies; NaN rows where no allele was counted (a locus typed in no one).

    Examples
    --------
    >>> frequencies_from_counts(np.array([[3, 1], [0, 0]]))
    array([[0.75, 0.25],
           [ nan,  nan]])
    """
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / total, np.nan)


@dataclass(frozen=True)
class AlleleFreqs:
    """Reference allele frequencies, ``freqs[l, a]`` for allele index ``a`` of locus ``l``.

    Attributes
    ----------
    freqs : array (n_loci, n_alleles)
        Frequencies; allele indices as in :class:`~leogen.model.genotypes.Genotypes`
        (alleles listed in a reference but not observed come after the observed ones).
    n_genes : array (n_loci,) of int, or None
        Genes the frequencies were counted from (None when supplied by the user: small-sample
        corrections such as Wang's (2002) are then not applied).
    source : str
        Where they came from (for messages).
    """

    freqs: np.ndarray
    n_genes: np.ndarray | None
    source: str

    @property
    def n_alleles(self) -> np.ndarray:
        """Alleles with a non-zero frequency, per locus, shape (n_loci,)."""
        return (self.freqs > 0).sum(axis=1)

    @property
    def polymorphic(self) -> np.ndarray:
        """Loci with at least two alleles of non-zero frequency, bool (n_loci,)."""
        return self.n_alleles >= 2

    def expected_heterozygosity(self) -> np.ndarray:
        """Gene diversity ``1 - sum p^2`` per locus, (n_loci,) (:func:`expected_heterozygosity`)."""
        return expected_heterozygosity(self.freqs)


def allele_frequencies(g: Genotypes) -> AlleleFreqs:
    """Allele frequencies of the typed genotypes of all samples in ``g``.

    Parameters
    ----------
    g : Genotypes
        One genotype per individual, (n_samples, n_loci, 2) calls.

    Returns
    -------
    AlleleFreqs
        ``freqs`` (n_loci, n_alleles) from :meth:`Genotypes.allele_frequencies` (rows of
        untyped loci all 0), ``n_genes`` = 2 x typed individuals per locus.
    """
    n_genes = 2 * (~g.missing()).sum(axis=0)
    return AlleleFreqs(g.allele_frequencies(), n_genes.astype(int),
                       f"the {g.n_samples} genotyped individuals")
