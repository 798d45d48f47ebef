"""Genetic management numbers from a pedigree, or from molecular kinship where the pedigree
is shallow (Lacy 1989 Zoo Biol 8:111; Ballou & Lacy 1995, in Ballou, Gilpin & Foose (eds)
Population Management for Survival and Recovery, pp. 76-111; PMx, Lacy, Ballou & Pollak
2012 Methods Ecol Evol 3:433).

Definitions (all over a *reference population* R of N animals, usually the living ones):

* founders: animals with both parents unknown. An animal with one known parent gets a
  *phantom* founder for the unknown one (its own unrelated, non-inbred founder), which is
  what the tabular kinship of :mod:`leogen.pedigree.kinship` assumes of an unknown parent;
  phantoms count in ``fe`` and ``fge`` but have no row of their own.
* founder contribution ``p_i``: mean over R of the expected share of an animal's genome that
  descends from founder i (``c = (c_sire + c_dam) / 2``); ``sum_i p_i = 1``.
* founder equivalents ``fe = 1 / sum_i p_i^2`` (Lacy 1989).
* retention ``r_i``: probability that a given allele of founder i is still carried by at
  least one animal of R, estimated by gene drop (MacCluer et al. 1986 Zoo Biol 5:147), and
  exactly (:func:`exact_retention`) by enumerating, founder by founder, every outcome of the
  meioses that can carry its alleles to R, when there are at most ``exact_max_meioses`` of
  them for every contributing founder; founder genome equivalents
  ``fge = 1 / sum_i p_i^2 / r_i`` (Lacy 1989), the Monte Carlo interval from batch means of
  the replicates.
* kinship ``f_ij`` (:func:`leogen.pedigree.kinship.kinship_matrix`), self-kinship
  ``f_ii = (1 + F_i) / 2`` included: mean kinship ``MK_i = (1/N) sum_{j in R} f_ij``
  (defined for any animal, in R or not), ranked within R (1 = lowest MK, the most valuable
  to breed; ties share the lowest rank).
* gene diversity retained ``GD = 1 - mean_{i,j in R} f_ij`` (relative to the founders, whose
  GD is 1), and ``fge_kinship = 1 / (2 mean MK)`` (Ballou & Lacy 1995). Because the self
  kinship of the N animals is included, these are the values of a finite population of N:
  on Lacy's seven-animal example (founders A, B, E; C, D = A x B; F, G = D x E; R = C, D, F,
  G) ``fe = 32/11 = 2.909``, ``fge = 24/11 = 2.18`` (every founder allele retained with
  probability 3/4), mean MK = 9/32 and ``fge_kinship = 16/9 = 1.778``. The gene-drop gene
  diversity ``1 - sum_k q_k^2`` (``q_k`` the frequency of founder allele k among the 2N
  genes of R) has expectation exactly ``GD`` and is reported beside it as a check.
* basis: ``pedigree`` or ``molecular`` (a kinship matrix from markers, e.g. relatedness / 2
  of the relatedness stage, with self-kinship ``(1 + F) / 2``). With ``basis='auto'`` the
  molecular matrix is used for MK and GD when the pedigree is shallow: fewer than
  ``min_completeness`` of the reference animals' parents are sampled animals (known and not
  dummy parents). ``fe``, ``fge`` are pedigree quantities whatever the basis.

Proposed pairs (breeding, translocation, release of a captive animal): the kinship of each
pair and the inbreeding of their offspring (= that kinship), from the first of several
kinship sources (:class:`KinshipSource`: the pedigree, possibly merged with a captive
studbook by :func:`merge_pedigrees`; a supplied kinship table; molecular kinship) that
holds both animals; the source is named in ``basis``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.pedigree.kinship import (
    UNKNOWN_PARENT,
    generation_depth,
    inbreeding_coefficients,
    kinship_matrix,
    parent_indices,
)

BASES = ("pedigree", "molecular")

#: columns of the per-animal table (:func:`management_tables`)
ANIMAL_COLUMNS = ("individual_id", "in_reference", "founder", "dummy", "n_offspring",
                  "f_pedigree", "mean_kinship", "mk_rank", "founder_contribution",
                  "founder_retention", "basis")
#: columns of the one-row summary
SUMMARY_COLUMNS = ("basis", "n_reference", "n_founders", "n_unknown_parents",
                   "pedigree_completeness", "fe", "fge", "fge_lo", "fge_hi", "fge_exact",
                   "fge_kinship", "mean_kinship", "gd_retained", "gd_genedrop", "n_replicates",
                   "seed")
#: columns of the proposed-pairs table
PAIR_COLUMNS = ("id1", "id2", "kinship", "offspring_f", "basis", "offspring_mean_kinship",
                "kinship_pedigree", "kinship_molecular")


# --------------------------------------------------------------------------- pedigree helpers
def complete_pedigree(sire_idx, dam_idx) -> tuple[np.ndarray, np.ndarray, int]:
    """Give every unknown parent of an animal with one known parent its own phantom founder.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.

    Returns
    -------
    sire, dam : int64 arrays (n + m,)
        The pedigree with the m phantom founders appended (positions n .. n + m - 1, in the
        order of the animals whose parent they stand for, sire before dam); every animal now
        has both parents known or both unknown.
    n : int
        The number of real animals.

    Examples
    --------
    >>> s, d, n = complete_pedigree([-1, -1, 0], [-1, -1, -1])
    >>> s.tolist(), d.tolist(), n
    ([-1, -1, 0, -1], [-1, -1, 3, -1], 3)
    """
    s = np.asarray(sire_idx, dtype=np.int64).copy()
    d = np.asarray(dam_idx, dtype=np.int64).copy()
    n = s.size
    half = (s >= 0) ^ (d >= 0)
    need_s = half & (s < 0)
    need_d = half & (d < 0)
    slots = np.flatnonzero(need_s | need_d)
    m = slots.size
    s[slots[need_s[slots]]] = n + np.flatnonzero(need_s[slots])
    d[slots[need_d[slots]]] = n + np.flatnonzero(need_d[slots])
    return (np.concatenate([s, np.full(m, -1, np.int64)]),
            np.concatenate([d, np.full(m, -1, np.int64)]), n)


def _levels(sire, dam):
    depth = generation_depth(sire, dam)
    return [np.flatnonzero(depth == k) for k in range(1, int(depth.max(initial=0)) + 1)]


def founder_contributions(sire_idx, dam_idx) -> tuple[np.ndarray, np.ndarray]:
    """Expected genome share of every founder in every animal (Lacy 1989 Zoo Biol 8:111).

    ``c_i = (c_sire(i) + c_dam(i)) / 2``, a founder contributing all of its own genome;
    phantom founders (:func:`complete_pedigree`) stand for unknown parents.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.

    Returns
    -------
    founders : int64 array (k,)
        Position of each founder in the completed pedigree; positions ``>= n`` are phantoms.
    contributions : float array (n, k)
        Rows sum to 1.

    Examples
    --------
    Founders A, B, E; C = A x B; F = C x E:

    >>> f, c = founder_contributions([-1, -1, 0, -1, 2], [-1, -1, 1, -1, 3])
    >>> f.tolist(), c[4].tolist()
    ([0, 1, 3], [0.25, 0.25, 0.5])
    """
    s, d, n = complete_pedigree(sire_idx, dam_idx)
    founders = np.flatnonzero(s < 0)
    c = np.zeros((s.size, founders.size))
    c[founders, np.arange(founders.size)] = 1.0
    for lev in _levels(s, d):  # one step per generation, vectorised over its animals
        c[lev] = 0.5 * (c[s[lev]] + c[d[lev]])
    return founders, c[:n]


def founder_equivalents(p) -> float:
    """Founder equivalents ``fe = 1 / sum p_i^2`` (Lacy 1989 Zoo Biol 8:111).

    Parameters
    ----------
    p : float array (k,)
        Founder contributions to the reference population (sum 1).

    Returns
    -------
    float (NaN when no founder contributes)

    Examples
    --------
    >>> round(founder_equivalents([3 / 8, 3 / 8, 1 / 4]), 4)  # Lacy's example, 32/11
    2.9091
    """
    p = np.asarray(p, dtype=float)
    s = float(np.sum(p ** 2))
    return 1.0 / s if s > 0 else float("nan")


def founder_genome_equivalents(p, r) -> float:
    """Founder genome equivalents ``fge = 1 / sum_i p_i^2 / r_i`` (Lacy 1989 Zoo Biol 8:111).

    Founders with ``p_i = 0`` are left out; a contributing founder whose estimated retention
    is 0 (too few gene-drop replicates to see its rare survival) is left out too, its term
    being of order ``p_i`` small.

    Parameters
    ----------
    p : float array (k,)
        Founder contributions to the reference population.
    r : float array (k,)
        Retention: probability that an allele of the founder survives in the reference
        population.

    Returns
    -------
    float (NaN when no founder contributes)

    Examples
    --------
    >>> round(founder_genome_equivalents([3 / 8, 3 / 8, 1 / 4], [0.75, 0.75, 0.75]), 4)
    2.1818
    """
    p = np.asarray(p, dtype=float)
    r = np.asarray(r, dtype=float)
    use = (p > 0) & (r > 0)
    s = float(np.sum(p[use] ** 2 / r[use]))
    return 1.0 / s if s > 0 else float("nan")


# --------------------------------------------------------------------------- gene drop
def _drop(sire, dam, pick) -> np.ndarray:
    """Founder-allele codes of every animal in every replicate; ``pick`` (R, n, 2) chooses
    which allele of the sire (copy 0) and of the dam (copy 1) each animal receives."""
    R, n = pick.shape[0], sire.size
    alleles = np.empty((R, n, 2), dtype=np.int32)
    founders = np.flatnonzero(sire < 0)
    alleles[:, founders, 0] = 2 * founders
    alleles[:, founders, 1] = 2 * founders + 1
    rows = np.arange(R)[:, None]
    for lev in _levels(sire, dam):  # one step per generation, vectorised over reps x animals
        alleles[:, lev, 0] = alleles[rows, sire[lev][None, :], pick[:, lev, 0]]
        alleles[:, lev, 1] = alleles[rows, dam[lev][None, :], pick[:, lev, 1]]
    return alleles


def gene_drop(sire_idx, dam_idx, n_replicates: int = 5000, seed: int = 1) -> np.ndarray:
    """Gene drop of unique founder alleles through the pedigree (MacCluer, VandeBerg, Read &
    Ryder 1986 Zoo Biol 5:147; Lacy 1989 Zoo Biol 8:111).

    Founder at completed-pedigree position a (:func:`complete_pedigree`) carries alleles
    ``2a`` and ``2a + 1``; each offspring gets a random one of each parent's two.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    n_replicates : int
        Independent drops.
    seed : int
        Random seed (same seed, same drops).

    Returns
    -------
    int32 array (n_replicates, n + m, 2)
        Founder-allele codes of the n animals and the m phantom founders.

    Examples
    --------
    A founder's offspring always carries one of its two alleles:

    >>> a = gene_drop([-1, -1, 0], [-1, -1, 1], n_replicates=50, seed=3)
    >>> bool(np.isin(a[:, 2, 0], [0, 1]).all() and np.isin(a[:, 2, 1], [2, 3]).all())
    True
    """
    s, d, _ = complete_pedigree(sire_idx, dam_idx)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, 2, size=(int(n_replicates), s.size, 2), dtype=np.int8)
    return _drop(s, d, pick)


def exact_drops(sire_idx, dam_idx, max_meioses: int = 16) -> np.ndarray | None:
    """Every equally likely outcome of the pedigree's meioses (exact gene drop), or None when
    there are more than ``max_meioses`` meioses (``2^m`` outcomes).

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    max_meioses : int
        Largest number of meioses enumerated.

    Returns
    -------
    int32 array (2^m, n + m_phantoms, 2) or None
        As :func:`gene_drop`, one row per outcome.

    Examples
    --------
    The four outcomes of one offspring of founders 0 (alleles 0, 1) and 1 (alleles 2, 3):

    >>> exact_drops([-1, -1, 0], [-1, -1, 1])[:, 2].tolist()
    [[0, 2], [1, 2], [0, 3], [1, 3]]
    """
    s, d, _ = complete_pedigree(sire_idx, dam_idx)
    child = np.flatnonzero(s >= 0)
    m = 2 * child.size
    if m > max_meioses:
        return None
    outcomes = np.arange(2 ** m, dtype=np.int64)
    bits = ((outcomes[:, None] >> np.arange(m)[None, :]) & 1).astype(np.int8)
    pick = np.zeros((outcomes.size, s.size, 2), dtype=np.int8)
    pick[:, child, 0] = bits[:, 0::2]
    pick[:, child, 1] = bits[:, 1::2]
    return _drop(s, d, pick)


def exact_retention(sire_idx, dam_idx, reference, max_meioses: int = 16) -> np.ndarray:
    """Exact retention of every founder's alleles in the reference population, founder by
    founder: only the meioses that can carry a copy of that founder's alleles towards the
    reference (parent = the founder or a descendant, child = a descendant that is in, or an
    ancestor of, the reference) are enumerated, all ``2^m`` outcomes equally likely.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    reference : int array (N,) or bool array (n,)
    max_meioses : int
        Largest ``m`` enumerated for one founder.

    Returns
    -------
    float array (k,)
        In the order of the founders of :func:`founder_contributions`; NaN for a founder
        with more than ``max_meioses`` relevant meioses; 0 for a founder without descendants
        in the reference.

    Examples
    --------
    Lacy's (1989) seven animals: every founder allele is kept with probability 3/4:

    >>> exact_retention([-1, -1, 0, 0, -1, 3, 3], [-1, -1, 1, 1, -1, 4, 4], [2, 3, 5, 6])
    array([0.75, 0.75, 0.75])
    """
    s, d, n = complete_pedigree(sire_idx, dam_idx)
    n_all = s.size
    founders = np.flatnonzero(s < 0)
    ref = np.zeros(n_all, dtype=bool)
    ref[_positions(reference, n)] = True
    levels = _levels(s, d)
    # relevant to the reference: in it or an ancestor of one of it (upwards, by generation)
    keep = ref.copy()
    for lev in reversed(levels):
        up = lev[keep[lev]]
        keep[s[up]] = True
        keep[d[up]] = True
    out = np.zeros(founders.size)
    for k, f in enumerate(founders):  # one small enumeration per founder
        if not keep[f]:
            continue
        desc = np.zeros(n_all, dtype=bool)
        desc[f] = True
        for lev in levels:
            desc[lev] = desc[s[lev]] | desc[d[lev]]
        sub = np.flatnonzero(desc & keep)
        child = sub[sub != f]
        slots = np.c_[desc[s[child]] & keep[s[child]], desc[d[child]] & keep[d[child]]]
        m = int(slots.sum())
        if m > max_meioses:
            out[k] = np.nan
            continue
        # sub-pedigree: f, its relevant descendants, and one stand-in for every other parent
        pos = np.full(n_all, -1, dtype=np.int64)
        pos[sub] = np.arange(sub.size)
        other = sub.size
        ss = np.full(sub.size + 1, -1, dtype=np.int64)
        dd = np.full(sub.size + 1, -1, dtype=np.int64)
        ss[pos[child]] = np.where(slots[:, 0], pos[s[child]], other)
        dd[pos[child]] = np.where(slots[:, 1], pos[d[child]], other)
        outcomes = np.arange(2 ** m, dtype=np.int64)
        bits = ((outcomes[:, None] >> np.arange(m)[None, :]) & 1).astype(np.int8)
        pick = np.zeros((outcomes.size, sub.size + 1, 2), dtype=np.int8)
        rows, cols = np.nonzero(slots)
        pick[:, pos[child[rows]], cols] = bits
        alleles = _drop(ss, dd, pick)
        genes = alleles[:, pos[sub[ref[sub]]]].reshape(outcomes.size, -1)
        f0 = 2 * pos[f]
        out[k] = 0.5 * (np.any(genes == f0, axis=1).mean() + np.any(genes == f0 + 1,
                                                                    axis=1).mean())
    return out


def retention(alleles: np.ndarray, reference, founders) -> np.ndarray:
    """Share of each founder's two alleles present in the reference population, per drop.

    Parameters
    ----------
    alleles : int array (R, n_completed, 2)
        :func:`gene_drop` or :func:`exact_drops`.
    reference : int array (N,)
        Positions of the reference animals.
    founders : int array (k,)
        Completed-pedigree positions of the founders (:func:`founder_contributions`).

    Returns
    -------
    float array (R, k)
        0, 0.5 or 1: the mean over drops is the retention ``r_i``.

    Examples
    --------
    >>> a = exact_drops([-1, -1, 0], [-1, -1, 1])
    >>> retention(a, [2], [0, 1]).mean(axis=0).tolist()
    [0.5, 0.5]
    """
    alleles = np.asarray(alleles)
    R, n_all = alleles.shape[0], alleles.shape[1]
    present = np.zeros((R, 2 * n_all), dtype=bool)
    genes = alleles[:, np.asarray(reference, dtype=np.int64)].reshape(R, -1)
    present[np.arange(R)[:, None], genes] = True
    founders = np.asarray(founders, dtype=np.int64)
    return 0.5 * (present[:, 2 * founders].astype(float) + present[:, 2 * founders + 1])


def genedrop_diversity(alleles: np.ndarray, reference) -> float:
    """Mean over drops of the gene diversity ``1 - sum_k q_k^2`` of the founder alleles in the
    reference population (Lacy 1989); its expectation is ``1 - mean kinship`` (self
    included).

    Parameters
    ----------
    alleles : int array (R, n_completed, 2)
        :func:`gene_drop` or :func:`exact_drops`.
    reference : int array (N,)
        Positions of the reference animals.

    Returns
    -------
    float

    Examples
    --------
    Two unrelated founders: four distinct alleles, GD = 1 - 4 (1/4)^2:

    >>> genedrop_diversity(exact_drops([-1, -1], [-1, -1]), [0, 1])
    0.75
    """
    alleles = np.asarray(alleles)
    R = alleles.shape[0]
    genes = alleles[:, np.asarray(reference, dtype=np.int64)].reshape(R, -1)
    counts = np.zeros((R, 2 * alleles.shape[1]))
    np.add.at(counts, (np.arange(R)[:, None], genes), 1.0)
    q = counts / genes.shape[1]
    return float(np.mean(1.0 - np.sum(q ** 2, axis=1)))


# --------------------------------------------------------------------------- mean kinship
def mean_kinship(kinship: np.ndarray, reference) -> np.ndarray:
    """Mean kinship of every animal with the reference population, self included
    (Ballou & Lacy 1995): ``MK_i = mean_{j in R} f_ij`` (NaN cells, e.g. pairs a molecular
    estimator could not compare, left out of the mean).

    Parameters
    ----------
    kinship : float array (n, n)
        Kinship matrix with self-kinship ``(1 + F) / 2`` on the diagonal.
    reference : int array (N,) or bool array (n,)
        The reference animals.

    Returns
    -------
    float array (n,)

    Examples
    --------
    >>> k = np.array([[0.5, 0.25, 0.0], [0.25, 0.5, 0.0], [0.0, 0.0, 0.5]])
    >>> mean_kinship(k, [0, 1]).tolist()
    [0.375, 0.375, 0.0]
    """
    k = np.asarray(kinship, dtype=float)[:, _positions(reference, len(kinship))]
    ok = np.isfinite(k)
    n_ok = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_ok > 0, np.where(ok, k, 0.0).sum(axis=1) / n_ok, np.nan)


def mk_rank(mk, reference) -> np.ndarray:
    """Rank of mean kinship within the reference population: 1 = lowest MK (most valuable
    to breed), ties share the lowest rank; 0 outside the reference or where MK is NaN.

    Parameters
    ----------
    mk : float array (n,)
        :func:`mean_kinship`.
    reference : int array (N,) or bool array (n,)

    Returns
    -------
    int64 array (n,)

    Examples
    --------
    >>> mk_rank([0.25, 0.3125, 0.28125, 0.28125, 0.1], [0, 1, 2, 3]).tolist()
    [1, 4, 2, 2, 0]
    """
    mk = np.asarray(mk, dtype=float)
    ref = np.zeros(mk.size, dtype=bool)
    ref[_positions(reference, mk.size)] = True
    use = ref & np.isfinite(mk)
    out = np.zeros(mk.size, dtype=np.int64)
    v = mk[use]
    # rank 'min': 1 + the number of reference animals with a strictly lower MK
    out[use] = 1 + np.searchsorted(np.sort(v), v, side="left")
    return out


def molecular_kinship(relatedness: np.ndarray, f=None) -> np.ndarray:
    """Kinship matrix from pairwise relatedness: ``f_ij = r_ij / 2``, diagonal ``(1 + F) / 2``.

    Negative estimates are kept (clipping them at 0 would bias mean kinship upwards).

    Parameters
    ----------
    relatedness : float array (n, n)
        Symmetric relatedness (e.g. ``relatedness/matrix_<estimator>.tsv``; diagonal
        ignored, NaN where not estimable).
    f : float array (n,), optional
        Inbreeding coefficient of each animal (default 0).

    Returns
    -------
    float array (n, n)

    Examples
    --------
    >>> molecular_kinship(np.array([[np.nan, 0.5], [0.5, np.nan]])).tolist()
    [[0.5, 0.25], [0.25, 0.5]]
    """
    r = np.asarray(relatedness, dtype=float)
    k = r / 2.0
    f = np.zeros(r.shape[0]) if f is None else np.asarray(f, dtype=float)
    np.fill_diagonal(k, 0.5 * (1.0 + np.where(np.isfinite(f), f, 0.0)))
    return k


def pedigree_completeness(sire_idx, dam_idx, reference, dummy=None) -> float:
    """Share of the reference animals' parents (two each) that are sampled animals: known and
    not dummy (unsampled, inferred) parents.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
    reference : int array (N,) or bool array (n,)
    dummy : bool array (n,), optional
        Animals that are inferred, unsampled parents.

    Returns
    -------
    float in [0, 1] (NaN for an empty reference)

    Examples
    --------
    >>> pedigree_completeness([-1, -1, 0, 0], [-1, -1, 1, -1], [2, 3])
    0.75
    """
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    ref = _positions(reference, s.size)
    if ref.size == 0:
        return float("nan")
    dum = np.zeros(s.size, dtype=bool) if dummy is None else np.asarray(dummy, dtype=bool)
    known = 0
    for par in (s[ref], d[ref]):
        known += int(np.sum((par >= 0) & ~dum[np.maximum(par, 0)]))
    return known / (2.0 * ref.size)


def _positions(sel, n: int) -> np.ndarray:
    sel = np.asarray(sel)
    if sel.dtype == bool:
        return np.flatnonzero(sel)
    return sel.astype(np.int64)


# --------------------------------------------------------------------------- the tables
@dataclass
class ManagementResult:
    """The tables of :func:`management_tables`: ``animals`` (one row per animal, columns
    :data:`ANIMAL_COLUMNS`), ``summary`` (one row, :data:`SUMMARY_COLUMNS`), and the kinship
    matrix (n, n) the mean kinship came from."""

    animals: pd.DataFrame
    summary: pd.DataFrame
    kinship: np.ndarray = field(repr=False)


def reference_positions(ids, reference=None, path=None, dummy=None) -> np.ndarray:
    """Positions of the reference animals given by id (default: every non-dummy animal).

    Parameters
    ----------
    ids : sequence (n,) of str
        Pedigree ids.
    reference : sequence of str, optional
        Ids of the reference (e.g. living) animals.
    path : str or Path, optional
        The file the reference came from, for messages.
    dummy : bool array (n,), optional
        Dummy (unsampled, inferred) parents, left out of the default reference.

    Returns
    -------
    int64 array (N,)

    Raises
    ------
    InputError
        A reference id that is not in the pedigree, or an empty reference.

    Examples
    --------
    >>> reference_positions(["A", "B", "C"], ["C", "A"]).tolist()
    [2, 0]
    """
    ids = pd.Index([str(x) for x in ids])
    if reference is None:
        dum = np.zeros(len(ids), dtype=bool) if dummy is None else np.asarray(dummy, bool)
        pos = np.flatnonzero(~dum)
    else:
        ref = [str(x) for x in reference]
        pos = ids.get_indexer(ref)
        if (pos < 0).any():
            k = int(np.flatnonzero(pos < 0)[0])
            raise InputError(f"reference animal {ref[k]!r} is not in the pedigree", path,
                             line=None, column="individual_id")
        if len(set(ref)) != len(ref):
            raise InputError("a reference animal is listed twice", path, column="individual_id")
    if len(pos) == 0:
        raise InputError("the reference population is empty", path)
    return pos.astype(np.int64)


def management_tables(ids, sire_idx, dam_idx, reference=None, *, dummy=None, molecular=None,
                      basis: str = "pedigree", min_completeness: float = 0.5,
                      n_replicates: int = 5000, seed: int = 1, exact_max_meioses: int = 16,
                      n_batches: int = 20, reference_path=None) -> ManagementResult:
    """Genetic management numbers of a reference population (Lacy 1989 Zoo Biol 8:111;
    Ballou & Lacy 1995; PMx): founder contributions, ``fe``, ``fge`` by gene drop (and exactly
    on small pedigrees), mean kinship and its rank, gene diversity retained.

    Parameters
    ----------
    ids : sequence (n,) of str
        Animal ids of the pedigree.
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown (:func:`leogen.pedigree.kinship.parent_indices`).
    reference : sequence of str, optional
        Reference (e.g. living) animals; default every non-dummy animal.
    dummy : bool array (n,), optional
        Dummy parents (inferred, never sampled).
    molecular : (ids (n_m,), kinship (n_m, n_m)), optional
        Molecular kinship (:func:`molecular_kinship`) for ``basis='molecular'`` or ``'auto'``.
    basis : ``'pedigree'``, ``'molecular'`` or ``'auto'``
        Where mean kinship and GD come from; ``auto`` takes the molecular matrix when
        :func:`pedigree_completeness` of the reference is below ``min_completeness``.
    min_completeness : float
        Threshold of ``auto``.
    n_replicates : int
        Gene-drop replicates (0: no gene drop).
    seed : int
        Gene-drop seed.
    exact_max_meioses : int
        Exact retention (``fge_exact``) when no contributing founder has more relevant
        meioses than this (:func:`exact_retention`).
    n_batches : int
        Batches of replicates for the Monte Carlo interval of ``fge`` (mean +- 1.96 SE).
    reference_path : str or Path, optional
        The file of the reference ids, for error messages.

    Returns
    -------
    ManagementResult
        ``animals`` (n rows): ``individual_id, in_reference, founder, dummy, n_offspring,
        f_pedigree, mean_kinship, mk_rank, founder_contribution, founder_retention, basis``
        (the founder columns NA for non-founders); ``summary`` (1 row): ``basis,
        n_reference, n_founders`` (founders contributing to the reference), ``n_unknown_parents``
        (phantom founders contributing), ``pedigree_completeness, fe, fge, fge_lo, fge_hi,
        fge_exact, fge_kinship, mean_kinship, gd_retained, gd_genedrop, n_replicates, seed``.

    Raises
    ------
    InputError
        Unknown reference ids; a molecular basis without a matrix, or a molecular matrix
        that is not square or whose ids are duplicated.

    Examples
    --------
    Lacy's (1989) seven animals:

    >>> ids = ["A", "B", "C", "D", "E", "F", "G"]
    >>> s, d = parent_indices(ids, ["", "", "A", "A", "", "D", "D"],
    ...                       ["", "", "B", "B", "", "E", "E"])
    >>> res = management_tables(ids, s, d, ["C", "D", "F", "G"], n_replicates=2000)
    >>> row = res.summary.iloc[0]
    >>> [round(float(row[c]), 3) for c in ('fe', 'fge_exact', 'fge_kinship')]
    [2.909, 2.182, 1.778]
    """
    if basis not in (*BASES, "auto"):
        raise InputError(f"basis {basis!r}: expected pedigree, molecular or auto")
    ids = np.asarray([str(x) for x in ids], dtype=object)
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    n = ids.size
    dum = np.zeros(n, dtype=bool) if dummy is None else np.asarray(dummy, dtype=bool)
    ref = reference_positions(ids, reference, reference_path, dum)
    in_ref = np.zeros(n, dtype=bool)
    in_ref[ref] = True

    k_ped = kinship_matrix(s, d)
    f_ped = inbreeding_coefficients(s, d, k_ped)
    completeness = pedigree_completeness(s, d, ref, dum)
    k_mol = None if molecular is None else _align_molecular(ids, *molecular)
    if basis == "auto":
        basis = ("molecular" if k_mol is not None and completeness < min_completeness
                 else "pedigree")
    if basis == "molecular" and k_mol is None:
        raise InputError("basis 'molecular' needs a molecular kinship matrix")
    k = k_ped if basis == "pedigree" else k_mol
    mk = mean_kinship(k, ref)
    rank = mk_rank(mk, ref)
    sub = k[np.ix_(ref, ref)]
    mean_mk = float(np.nanmean(sub)) if np.isfinite(sub).any() else float("nan")

    founders, contrib = founder_contributions(s, d)
    p = contrib[ref].mean(axis=0)
    fe = founder_equivalents(p)
    real = founders < n
    contributing = p > 0

    fge = fge_lo = fge_hi = gd_gd = float("nan")
    r_mean = np.full(founders.size, np.nan)
    if n_replicates > 0:
        alleles = gene_drop(s, d, n_replicates, seed)
        r = retention(alleles, ref, founders)
        r_mean = r.mean(axis=0)
        fge = founder_genome_equivalents(p, r_mean)
        gd_gd = genedrop_diversity(alleles, ref)
        b = max(1, min(int(n_batches), int(n_replicates)))
        if b >= 2:
            parts = np.array_split(r, b, axis=0)
            per = np.array([founder_genome_equivalents(p, x.mean(axis=0)) for x in parts])
            se = float(np.nanstd(per, ddof=1) / np.sqrt(np.isfinite(per).sum()))
            fge_lo, fge_hi = fge - 1.96 * se, fge + 1.96 * se
    r_exact = exact_retention(s, d, ref, exact_max_meioses)
    fge_exact = (founder_genome_equivalents(p, r_exact)
                 if np.all(np.isfinite(r_exact[contributing])) else float("nan"))

    fc = np.full(n, np.nan)
    fr = np.full(n, np.nan)
    fc[founders[real]] = p[real]
    fr[founders[real]] = r_mean[real]
    n_off = (np.bincount(s[s >= 0], minlength=n) + np.bincount(d[d >= 0], minlength=n))
    animals = pd.DataFrame({
        "individual_id": ids.astype(str),
        "in_reference": in_ref,
        "founder": (s < 0) & (d < 0),
        "dummy": dum,
        "n_offspring": n_off.astype(np.int64),
        "f_pedigree": f_ped,
        "mean_kinship": mk,
        "mk_rank": pd.Series(rank, dtype="Int64").where(rank > 0),
        "founder_contribution": fc,
        "founder_retention": fr,
        "basis": basis,
    })
    summary = pd.DataFrame([{
        "basis": basis,
        "n_reference": int(ref.size),
        "n_founders": int(np.sum(real & contributing)),
        "n_unknown_parents": int(np.sum(~real & contributing)),
        "pedigree_completeness": completeness,
        "fe": fe,
        "fge": fge,
        "fge_lo": fge_lo,
        "fge_hi": fge_hi,
        "fge_exact": fge_exact,
        "fge_kinship": 1.0 / (2.0 * mean_mk) if mean_mk > 0 else float("nan"),
        "mean_kinship": mean_mk,
        "gd_retained": 1.0 - mean_mk,
        "gd_genedrop": gd_gd,
        "n_replicates": int(n_replicates),
        "seed": int(seed),
    }])
    return ManagementResult(animals[list(ANIMAL_COLUMNS)], summary[list(SUMMARY_COLUMNS)], k)


def _align_molecular(ids, mol_ids, mol_k, path=None) -> np.ndarray:
    """The molecular kinship of the pedigree's animals, in pedigree order (NaN rows for
    animals without genotypes)."""
    mol_ids = [str(x) for x in mol_ids]
    mol_k = np.asarray(mol_k, dtype=float)
    if mol_k.shape != (len(mol_ids), len(mol_ids)):
        raise InputError(f"molecular kinship matrix is {mol_k.shape}, expected "
                         f"{len(mol_ids)} x {len(mol_ids)}", path)
    if len(set(mol_ids)) != len(mol_ids):
        raise InputError("an id appears twice in the molecular kinship matrix", path,
                         column="id")
    pos = pd.Index(mol_ids).get_indexer([str(x) for x in ids])
    out = np.full((len(ids), len(ids)), np.nan)
    have = pos >= 0
    out[np.ix_(have, have)] = mol_k[np.ix_(pos[have], pos[have])]
    return out


# --------------------------------------------------------------------------- proposed pairs
@dataclass
class KinshipSource:
    """One source of pairwise kinship for :func:`proposed_pairs`: a name (``pedigree``,
    ``molecular``, ``supplied``...), the ids and their (n, n) kinship matrix (NaN = not
    known for that pair)."""

    basis: str
    ids: list
    kinship: np.ndarray

    def __post_init__(self):
        self.ids = [str(x) for x in self.ids]
        self.kinship = np.asarray(self.kinship, dtype=float)
        if self.kinship.shape != (len(self.ids), len(self.ids)):
            raise InputError(f"{self.basis} kinship matrix is {self.kinship.shape}, expected "
                             f"{len(self.ids)} x {len(self.ids)}")
        if len(set(self.ids)) != len(self.ids):
            raise InputError(f"an id appears twice in the {self.basis} kinship", column="id")
        self.index = pd.Index(self.ids)


def pedigree_source(ped: pd.DataFrame, path=None) -> KinshipSource:
    """The tabular kinship of a pedigree table as a :class:`KinshipSource` (basis 'pedigree').

    Parameters
    ----------
    ped : DataFrame
        ``individual_id, sire, dam`` (:func:`merge_pedigrees` to join a wild pedigree and a
        captive studbook first).
    path : str or Path, optional
        For error messages.

    Returns
    -------
    KinshipSource

    Examples
    --------
    >>> ped = pd.DataFrame({"individual_id": ["A", "B", "C"], "sire": ["", "", "A"],
    ...                     "dam": ["", "", "B"]})
    >>> float(pedigree_source(ped).kinship[0, 2])
    0.25
    """
    s, d = parent_indices(ped["individual_id"].to_numpy(), ped["sire"].to_numpy(),
                          ped["dam"].to_numpy(), path)
    return KinshipSource("pedigree", list(ped["individual_id"].astype(str)),
                         kinship_matrix(s, d))


def kinship_table_source(table: pd.DataFrame, basis: str = "supplied",
                         path=None) -> KinshipSource:
    """A long kinship table ``id1, id2, kinship`` (e.g. a captive studbook's kinships from
    PMx, or ``truth/kinship.tsv``) as a :class:`KinshipSource`; pairs not listed are NaN,
    self-kinship 0.5 unless a row ``id, id`` gives it.

    Parameters
    ----------
    table : DataFrame
        Columns ``id1, id2, kinship`` (str or numbers; a ``_line`` column, as
        :func:`leogen.io.tables.read_delimited` adds, is used in messages).
    basis : str
        Name of the source in the pairs table.
    path : str or Path, optional
        The file, for error messages.

    Returns
    -------
    KinshipSource

    Raises
    ------
    InputError
        A missing column, a kinship that is not a number in [-1, 1], or a pair listed twice
        with different values.

    Examples
    --------
    >>> t = pd.DataFrame({"id1": ["X", "X"], "id2": ["Y", "Z"], "kinship": ["0.25", "0"]})
    >>> src = kinship_table_source(t)
    >>> src.ids, float(src.kinship[0, 1]), float(src.kinship[1, 2])
    (['X', 'Y', 'Z'], 0.25, nan)
    """
    for col in ("id1", "id2", "kinship"):
        if col not in table.columns:
            raise InputError(f"missing column {col}; expected id1, id2, kinship", path)
    lines = (table["_line"].to_numpy() if "_line" in table.columns
             else np.full(len(table), None, dtype=object))
    a = table["id1"].astype(str).str.strip().to_numpy()
    b = table["id2"].astype(str).str.strip().to_numpy()
    v = pd.to_numeric(table["kinship"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v < -1) | (v > 1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"kinship {table['kinship'].iloc[k]!r} is not a number in [-1, 1]",
                         path, _line(lines[k]), "kinship")
    ids = list(dict.fromkeys([*a.tolist(), *b.tolist()]))
    index = pd.Index(ids)
    i, j = index.get_indexer(a), index.get_indexer(b)
    k = np.full((len(ids), len(ids)), np.nan)
    np.fill_diagonal(k, 0.5)
    # the same pair twice (either order) with different values is ambiguous
    key = np.minimum(i, j) * len(ids) + np.maximum(i, j)
    order = np.argsort(key, kind="stable")
    dup = (np.diff(key[order]) == 0) & (np.diff(v[order]) != 0)
    if dup.any():
        r = int(order[np.flatnonzero(dup)[0] + 1])
        raise InputError(f"pair {a[r]} - {b[r]} is listed twice with different kinship",
                         path, _line(lines[r]), "kinship")
    k[i, j] = v
    k[j, i] = v
    return KinshipSource(basis, ids, k)


def _line(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return None


def merge_pedigrees(tables, paths=None) -> pd.DataFrame:
    """One pedigree from several (e.g. the wild pedigree and a captive studbook), parents that
    are not listed as animals added as founders.

    Parameters
    ----------
    tables : sequence of DataFrame
        Each with ``individual_id, sire, dam`` (a ``_line`` column is used in messages).
    paths : sequence of str or Path, optional
        The file of each table, for messages.

    Returns
    -------
    DataFrame
        ``individual_id, sire, dam, source`` (source: the position of the table the animal
        came from, ``-1`` for parents added as founders); '' for unknown parents.

    Raises
    ------
    InputError
        A missing column, or an animal listed in two tables with different known parents.

    Examples
    --------
    >>> wild = pd.DataFrame({"individual_id": ["A", "B"], "sire": ["", ""], "dam": ["", ""]})
    >>> zoo = pd.DataFrame({"individual_id": ["Z1", "A"], "sire": ["A", ""],
    ...                     "dam": ["ZD", ""]})
    >>> merge_pedigrees([wild, zoo])["individual_id"].tolist()
    ['A', 'B', 'Z1', 'ZD']
    """
    paths = list(paths) if paths is not None else [None] * len(tables)
    seen: dict[str, tuple] = {}
    rows = []
    for t, (tab, path) in enumerate(zip(tables, paths, strict=True)):
        for col in ("individual_id", "sire", "dam"):
            if col not in tab.columns:
                raise InputError(f"missing column {col}; expected individual_id, sire, dam",
                                 path)
        lines = (tab["_line"].tolist() if "_line" in tab.columns else [None] * len(tab))
        for iid, sire, dam, line in zip(tab["individual_id"].astype(str),
                                        _parents(tab["sire"]), _parents(tab["dam"]), lines,
                                        strict=True):  # one pass per listed animal
            if iid in seen:
                old = seen[iid]
                for col, new, prev in (("sire", sire, old[0]), ("dam", dam, old[1])):
                    if new and prev and new != prev:
                        raise InputError(f"{iid!r} has {col} {new!r} here but {prev!r} in "
                                         "another pedigree", path, _line(line), col)
                seen[iid] = (sire or old[0], dam or old[1], old[2])
            else:
                seen[iid] = (sire, dam, t)
                rows.append(iid)
    for iid in list(rows):
        for par in seen[iid][:2]:
            if par and par not in seen:
                seen[par] = ("", "", -1)
                rows.append(par)
    return pd.DataFrame({"individual_id": rows,
                         "sire": [seen[r][0] for r in rows],
                         "dam": [seen[r][1] for r in rows],
                         "source": np.array([seen[r][2] for r in rows], dtype=np.int64)})


def _parents(col) -> list[str]:
    out = []
    for p in col:
        p = "" if p is None or (isinstance(p, float) and np.isnan(p)) else str(p).strip()
        out.append("" if p in UNKNOWN_PARENT else p)
    return out


def proposed_pairs(pairs: pd.DataFrame, sources, reference=None, path=None) -> pd.DataFrame:
    """Kinship of proposed pairs (breeding, translocation, release) and the inbreeding of
    their offspring, from the first source that holds both animals.

    The offspring of i x j has inbreeding ``F = f_ij`` and mean kinship with the reference
    population ``(MK_i + MK_j) / 2`` (its kinship with any k is ``(f_ik + f_jk) / 2``).

    Parameters
    ----------
    pairs : DataFrame
        Columns ``id1, id2`` (a ``_line`` column is used in messages).
    sources : sequence of KinshipSource
        In order of preference (e.g. pedigree, then molecular).
    reference : sequence of str, optional
        Reference animals for ``offspring_mean_kinship`` (those in the chosen source).
    path : str or Path, optional
        The pairs file, for messages.

    Returns
    -------
    DataFrame (n_pairs, 8)
        ``id1, id2, kinship, offspring_f, basis, offspring_mean_kinship, kinship_pedigree,
        kinship_molecular`` (the last two from the sources of those names, NA when absent).

    Raises
    ------
    InputError
        A missing column, a pair of one animal with itself, or an animal that no source
        holds together with its partner.

    Examples
    --------
    >>> ped = pd.DataFrame({"individual_id": ["A", "B", "C", "D"], "sire": ["", "", "A", "A"],
    ...                     "dam": ["", "", "B", "B"]})
    >>> out = proposed_pairs(pd.DataFrame({"id1": ["C"], "id2": ["D"]}), [pedigree_source(ped)])
    >>> float(out.kinship[0]), float(out.offspring_f[0]), out.basis[0]
    (0.25, 0.25, 'pedigree')
    """
    for col in ("id1", "id2"):
        if col not in pairs.columns:
            raise InputError(f"missing column {col}; expected id1, id2", path)
    sources = list(sources)
    a = pairs["id1"].astype(str).str.strip().to_numpy()
    b = pairs["id2"].astype(str).str.strip().to_numpy()
    lines = (pairs["_line"].to_numpy() if "_line" in pairs.columns
             else np.full(len(pairs), None, dtype=object))
    same = a == b
    if same.any():
        k = int(np.flatnonzero(same)[0])
        raise InputError(f"pair of {a[k]!r} with itself", path, _line(lines[k]), "id2")
    n = len(pairs)
    kin = np.full(n, np.nan)
    omk = np.full(n, np.nan)
    basis = np.full(n, "", dtype=object)
    by_name = {}
    for src in sources:  # a few sources, each vectorised over the pairs
        i, j = src.index.get_indexer(a), src.index.get_indexer(b)
        both = (i >= 0) & (j >= 0)
        v = np.full(n, np.nan)
        v[both] = src.kinship[i[both], j[both]]
        by_name.setdefault(src.basis, v)
        take = np.isnan(kin) & np.isfinite(v)
        kin[take] = v[take]
        basis[take] = src.basis
        if reference is not None and take.any():
            ref = src.index.get_indexer([str(x) for x in reference])
            ref = ref[ref >= 0]
            if ref.size:
                mk = mean_kinship(src.kinship, ref)
                omk[take] = 0.5 * (mk[i[take]] + mk[j[take]])
    missing = np.isnan(kin)
    if missing.any():
        k = int(np.flatnonzero(missing)[0])
        held = {x: any(x in s.index for s in sources) for x in (a[k], b[k])}
        who = [x for x, h in held.items() if not h]
        what = (f"{who[0]!r} is in no kinship source ({', '.join(s.basis for s in sources)})"
                if who else f"no kinship source holds both {a[k]!r} and {b[k]!r}")
        raise InputError(what, path, _line(lines[k]), "id1" if a[k] in who else "id2")
    nan = np.full(n, np.nan)
    return pd.DataFrame({
        "id1": a, "id2": b, "kinship": kin, "offspring_f": kin.copy(),
        "basis": basis.astype(str), "offspring_mean_kinship": omk,
        "kinship_pedigree": by_name.get("pedigree", nan),
        "kinship_molecular": by_name.get("molecular", nan),
    })[list(PAIR_COLUMNS)]


# --------------------------------------------------------------------------- file entry points
def read_relatedness_matrix(path) -> tuple[list, np.ndarray]:
    """A square relatedness matrix of the relatedness stage (``relatedness/matrix_<estimator>
    .tsv``, :data:`leogen.popgen.outputs.MATRIX`; diagonal NA).

    Parameters
    ----------
    path : str or Path
        The matrix: column ``id`` then one column per animal, in the same order as the rows.

    Returns
    -------
    ids : list of str (n,)
    relatedness : float array (n, n)
        NaN where the file has NA.

    Raises
    ------
    InputError
        Columns that are not the row ids in order, a cell that is not a number, or a matrix
        that is not symmetric (file, line and column named).
    """
    from leogen.io.tables import NA_TOKENS
    from leogen.popgen.outputs import MATRIX

    t = MATRIX.read(path)
    ids = t["id"].astype(str).tolist()
    cols = [c for c in t.columns if c not in ("id", "_line")]
    if cols != ids:
        k = next((i for i, (a, b) in enumerate(zip(cols, ids, strict=False)) if a != b),
                 min(len(cols), len(ids)))
        what = cols[k] if k < len(cols) else "(missing)"
        raise InputError(f"column {k + 2} is {what!r}, expected the animals of the rows in "
                         f"order ({ids[k] if k < len(ids) else 'no more rows'!r})", path, 1,
                         what)
    cells = t[cols].astype(str).apply(lambda c: c.str.strip())
    na = cells.isin(list(NA_TOKENS)).to_numpy()
    val = cells.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    bad = ~na & ~np.isfinite(val)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise InputError(f"{cells.iat[i, j]!r} is not a number", path, int(t["_line"].iat[i]),
                         cols[j])
    val[na] = np.nan
    asym = ~np.isclose(val, val.T, atol=1e-6, equal_nan=True)
    if asym.any():
        i, j = (int(x[0]) for x in np.nonzero(asym))
        raise InputError(f"not symmetric: {ids[i]}-{ids[j]} is {val[i, j]:g} but "
                         f"{ids[j]}-{ids[i]} is {val[j, i]:g}", path, int(t["_line"].iat[i]),
                         cols[j])
    return ids, val


def pedigree_table_indices(ped: pd.DataFrame, path=None):
    """Ids, parent positions and dummy flags of a pedigree table (``pedigree/pedigree.tsv``
    read by ``leogen.pedigree.outputs.read_pedigree``, COLONY's pedigree of
    :func:`leogen.io.colony.read_best_config`, or any ``individual_id, sire, dam`` table).

    Parameters
    ----------
    ped : DataFrame
        ``individual_id, sire, dam`` ('' or NA unknown) and optionally ``dummy`` or
        ``sampled`` (dummies are the rows not sampled).
    path : str or Path, optional
        For error messages.

    Returns
    -------
    ids : object array (n,)
    sire_idx, dam_idx : int64 arrays (n,)
    dummy : bool array (n,)

    Raises
    ------
    InputError
        As :func:`leogen.pedigree.kinship.pedigree_frame_indices`.

    Examples
    --------
    >>> ped = pd.DataFrame({"individual_id": ["C", "*M001", "B"], "sire": ["*M001", "", ""],
    ...                     "dam": ["B", "", ""], "sampled": [True, False, True]})
    >>> ids, s, d, dummy = pedigree_table_indices(ped)
    >>> s.tolist(), d.tolist(), dummy.tolist()
    ([1, -1, -1], [2, -1, -1], [False, True, False])
    """
    from leogen.pedigree.kinship import pedigree_frame_indices

    s, d = pedigree_frame_indices(ped, path)
    if "dummy" in ped.columns:
        dummy = ped["dummy"].astype(bool).to_numpy()
    elif "sampled" in ped.columns:
        dummy = ~ped["sampled"].astype(bool).to_numpy()
    else:
        dummy = np.zeros(len(ped), dtype=bool)
    return ped["individual_id"].astype(str).to_numpy(dtype=object), s, d, dummy
