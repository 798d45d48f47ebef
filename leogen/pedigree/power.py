"""Parentage exclusion power of the marker panel: how often an unrelated candidate is
excluded as a parent, per locus and over the panel, as CERVUS's allele-frequency summary
reports it (Marshall et al. 1998 Mol Ecol 7:639).

Per locus, with allele frequencies p_i and ``a_k = sum_i p_i^k`` (Jamieson & Taylor 1997
Anim Genet 28:397, their three formulae; Hardy-Weinberg proportions)::

    first parent (the other parent unknown)   1 - 4 a2 + 2 a2^2 + 4 a3 - 3 a4
    second parent (the other parent known)    1 - 2 a2 + a3 + 2 a4 - 3 a5 - 2 a2^2 + 3 a2 a3
    parent pair (both candidates together)    1 + 4 a4 - 4 a5 - 3 a6 - 8 a2^2 + 8 a2 a3 + 2 a3^2

and the polymorphic information content, ``PIC = 1 - a2 - (a2^2 - a4)`` (Botstein et al.
1980 Am J Hum Genet 32:314). Over independent loci an unrelated candidate escapes exclusion
with the product of ``1 - P`` (``PE = 1 - prod_l (1 - P_l)``). These are averages over
unrelated candidates without genotyping error; relatives of the true parent are excluded far
less often, and the likelihoods of docs/pedigree.md do not exclude but weigh. Still, a panel
whose combined first-parent exclusion leaves several of the candidates of an offspring
unexcluded cannot name most parents (docs/pedigree.md, how many loci the targets need).
Frequencies come from one genotype per animal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leogen.model.frequencies import unbiased_expected_heterozygosity
from leogen.model.genotypes import Genotypes

#: the exclusion columns of :func:`panel_table`
EXCLUSION = ("excl_first_parent", "excl_second_parent", "excl_parent_pair")


def exclusion_probabilities(freqs: np.ndarray) -> dict[str, np.ndarray]:
    """Exclusion probabilities and PIC of each locus (module docstring).

    Parameters
    ----------
    freqs : float array (n_loci, n_alleles), allele frequencies (rows summing to 1, zeros
        for absent alleles; a row of NaN or zeros for a locus typed in no one).

    Returns
    -------
    dict of float arrays (n_loci,): ``pic`` and the :data:`EXCLUSION` columns; NaN for a
    locus without frequencies.

    Examples
    --------
    Two equally common alleles: an unrelated candidate is excluded as the first parent with
    probability 1/8, as the second with 3/16:

    >>> e = exclusion_probabilities(np.array([[0.5, 0.5]]))
    >>> [float(e[k][0]) for k in ("pic", "excl_first_parent", "excl_second_parent")]
    [0.375, 0.125, 0.1875]
    """
    p = np.nan_to_num(np.asarray(freqs, float))
    a2, a3, a4, a5, a6 = ((p ** k).sum(axis=1) for k in range(2, 7))
    unknown = p.sum(axis=1) == 0
    out = {
        "pic": 1 - a2 - (a2 ** 2 - a4),
        "excl_first_parent": 1 - 4 * a2 + 2 * a2 ** 2 + 4 * a3 - 3 * a4,
        "excl_second_parent": 1 - 2 * a2 + a3 + 2 * a4 - 3 * a5 - 2 * a2 ** 2 + 3 * a2 * a3,
        "excl_parent_pair": (1 + 4 * a4 - 4 * a5 - 3 * a6 - 8 * a2 ** 2 + 8 * a2 * a3
                             + 2 * a3 ** 2),
    }
    return {k: np.where(unknown, np.nan, v) for k, v in out.items()}


def panel_table(g: Genotypes) -> pd.DataFrame:
    """Per-locus parentage power of the genotyped animals' panel, with a last row ``all``:
    the combined exclusion ``1 - prod (1 - P)`` over the loci with frequencies.

    Parameters
    ----------
    g : Genotypes, one genotype per animal (n, L, 2).

    Returns
    -------
    DataFrame, ``locus, n_typed, n_alleles, he, pic`` and the :data:`EXCLUSION` columns,
    L + 1 rows; on the ``all`` row ``n_typed`` counts the animals typed at any locus,
    ``n_alleles`` the alleles of all loci, and ``he`` and ``pic`` are the means over loci.
    """
    freqs = g.allele_frequencies()
    typed = (~g.missing()).sum(axis=0)
    excl = exclusion_probabilities(freqs)
    table = pd.DataFrame({
        "locus": np.asarray(g.loci, dtype=object),
        "n_typed": typed.astype(np.int64),
        "n_alleles": (freqs > 0).sum(axis=1).astype(np.int64),
        "he": unbiased_expected_heterozygosity(freqs, typed),
        **excl,
    })
    known = np.isfinite(table["excl_first_parent"].to_numpy())
    combined = {"locus": "all", "n_typed": int((~g.missing()).any(axis=1).sum()),
                "n_alleles": int(table["n_alleles"].sum()),
                "he": table["he"].mean(), "pic": table["pic"].mean()}
    for col in EXCLUSION:
        combined[col] = 1.0 - float(np.prod(1.0 - table.loc[known, col].to_numpy()))
    return pd.concat([table, pd.DataFrame([combined])], ignore_index=True)
