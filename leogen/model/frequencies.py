"""Allele frequencies and expected heterozygosity: the one implementation every stage uses.

Frequencies come from :meth:`leogen.model.genotypes.Genotypes.allele_frequencies`
(scikit-allel allele counts over typed genotypes); this module turns them into gene
diversity. Orientation: frequencies are ``(n_loci, n_alleles)`` (any leading shape works,
alleles on the last axis).
"""

from __future__ import annotations

import numpy as np


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
