"""Genotype likelihoods of relatives: pairs, parent-offspring trios and sibships of a dummy parent.

Every animal's genotype at a locus is uncertain: its genotype posterior ``pi_i(g)`` comes from
the identification stage's error model (:func:`leogen.identify.likelihood.build_evidence`:
per-locus dropout and false-allele rates, Wang 2004 Genetics 166:1963, and the per-locus
"anything" error of COLONY, Jones & Wang 2010 Mol Ecol Resour 10:551), with Hardy-Weinberg
priors ``P(g)``. All likelihoods below are ratios against "unrelated" (the animals' data
independent), per locus, and multiply over unlinked loci.

Pairs (Thompson 1975 Ann Hum Genet 39:173; as :mod:`leogen.identify.likelihood`)::

    R2 = sum_g pi_i(g) pi_j(g) / P(g)                 (two genes IBD: one genotype)
    R1 = sum_{g,h} pi_i(g) K1(g, h) pi_j(h)            (one gene IBD)
    LR(k0, k1, k2) = k0 + k1 R1 + k2 R2

with PO (0, 1, 0), FS (1/4, 1/2, 1/4), HS = GP = AV (1/2, 1/2, 0) and U (1, 0, 0).

Trios. ``t_i(a) = sum_g pi_i(g) c_a(g) / 2`` is the probability that i transmits allele a
(``c_a(g)`` copies of a in g); an unknown parent transmits with the allele frequencies p.
With ``W_o(a, b) = pi_o(g_ab) / P(g_ab)`` the offspring's evidence for genotype a/b,
the likelihood ratio of "s and d are o's parents" against three unrelated animals is::

    LR(o | s, d) = t_s' W_o t_d          (Mendelian transmission, Elston & Stewart 1971)

and with d unknown ``t_s' W_o p = R1(s, o)`` (the parent-offspring ratio).

Sibships of a dummy (unsampled) parent (COLONY's sibship likelihood, Wang 2004): members o
of a cluster C, each with its other parent's transmission ``u_o`` (a sampled parent's t,
or p), share an unknown parent of genotype g::

    v_o(g) = t_g' W_o u_o,     L(C) = sum_g P(g) prod_{o in C} v_o(g)

``L({o}) = 1`` when ``u_o = p``; ``log L(A u B) - log L(A) - log L(B)`` is the evidence
that two clusters share the parent.

Loci are processed in groups of equal allele number (one group for SNPs, a few for
microsatellites), vectorised over animals and loci within a group.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import logsumexp

from leogen.model.genotypes import Genotypes, Replicates

_TINY = 1e-300
#: IBD-sharing probabilities (k0, k1, k2) of the pairwise classes
IBD = {"PO": (0.0, 1.0, 0.0), "FS": (0.25, 0.5, 0.25), "HS": (0.5, 0.5, 0.0),
       "U": (1.0, 0.0, 0.0)}
PAIR_CLASSES = ("PO", "FS", "HS", "U")


@dataclass(frozen=True)
class LocusGroup:
    """Loci with the same number of alleles K (G = K (K + 1) / 2 genotypes).

    Attributes
    ----------
    loci : int array (Lg,), positions among the kept loci.
    post : float array (n, Lg, G), genotype posteriors.
    prior : float array (Lg, G), Hardy-Weinberg genotype probabilities.
    freqs : float array (Lg, K), allele frequencies (floored, summing to 1).
    k1 : float array (Lg, G, G), :func:`leogen.identify.likelihood.ibd1_ratio`.
    gam : float array (G, K), ``c_a(g) / 2``: allele transmission of each genotype.
    pidx : int array (K, K), genotype index of the allele pair (a, b).
    """

    loci: np.ndarray
    post: np.ndarray
    prior: np.ndarray
    freqs: np.ndarray
    k1: np.ndarray
    gam: np.ndarray
    pidx: np.ndarray

    @property
    def transmission(self) -> np.ndarray:
        """``t_i(a)`` (n, Lg, K): probability that animal i transmits allele a."""
        return np.einsum("ilg,gk->ilk", self.post, self.gam)

    @property
    def evidence(self) -> np.ndarray:
        """``W_i(a, b) = pi_i(g_ab) / P(g_ab)`` (n, Lg, K, K)."""
        w = self.post / self.prior[None]
        return w[:, :, self.pidx]


@dataclass(frozen=True)
class PedigreeEvidence:
    """Genotype posteriors of n animals, grouped by allele number (module docstring).

    Attributes
    ----------
    ids : str array (n,); loci : str array (L,), the informative loci kept.
    groups : tuple of :class:`LocusGroup`.
    n_typed : int array (n,), loci with data per animal.
    """

    ids: np.ndarray
    loci: np.ndarray
    groups: tuple
    n_typed: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)


def gamete_matrix(n_alleles: int) -> np.ndarray:
    """Allele transmission ``c_a(g) / 2`` of every genotype, (G, K) in
    :func:`leogen.qc.error_model.genotype_pairs` order.

    Parameters
    ----------
    n_alleles : int, K.

    Returns
    -------
    float array (G, K); rows sum to 1.

    Examples
    --------
    >>> gamete_matrix(2).tolist()  # 0/0, 0/1, 1/1
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    """
    from leogen.qc.error_model import genotype_pairs

    g = genotype_pairs(n_alleles)
    m = np.zeros((len(g), n_alleles))
    rows = np.arange(len(g))
    np.add.at(m, (rows, g[:, 0]), 0.5)
    np.add.at(m, (rows, g[:, 1]), 0.5)
    return m


def build_evidence(g: Genotypes, ado=0.005, fa=0.005, locus_error: float = 0.01,
                   frequencies: np.ndarray | None = None) -> PedigreeEvidence:
    """Genotype posteriors of one genotype per animal under the error model.

    Each call is treated as one PCR replicate with per-locus dropout ``ado`` and false-allele
    rate ``fa`` and the per-locus error ``locus_error``
    (:func:`leogen.identify.likelihood.build_evidence`, the identification stage's model).
    Monomorphic and untyped loci carry no information and are dropped.

    Parameters
    ----------
    g : Genotypes, calls (n, n_loci, 2) (microsatellites or SNPs).
    ado, fa : float or float array (n_loci,), error rates of one call per locus.
    locus_error : probability that a call says nothing about the genotype.
    frequencies : float array (n_loci, n_alleles), optional; default: those of ``g``.

    Returns
    -------
    PedigreeEvidence
    """
    from leogen.identify.likelihood import build_evidence as identify_evidence
    from leogen.identify.likelihood import ibd1_ratio, pair_index

    freqs = g.allele_frequencies() if frequencies is None else np.asarray(frequencies)
    n_all = np.array([len(a) for a in g.alleles])
    poly = ((freqs > 0).sum(axis=1) >= 2) & (n_all >= 2)
    keep = np.flatnonzero(poly)
    sub = g.subset(loci=keep) if len(keep) < g.n_loci else g
    reps = Replicates(sub.calls[:, :, None, :], np.ones(sub.calls.shape[:2] + (1,), bool),
                      sub.samples, sub.loci, sub.alleles)
    ado = np.broadcast_to(np.asarray(ado, float), (g.n_loci,))[keep][None, :]
    fa = np.broadcast_to(np.asarray(fa, float), (g.n_loci,))[keep][None, :]
    f = [np.asarray(freqs[j][: n_all[j]], float) for j in keep]
    ev = identify_evidence(reps, sub.loci, np.zeros(g.n_samples, np.int64), ado, fa, f, f,
                           locus_error=locus_error)
    post = ev.posterior()
    sizes = ev.sizes
    groups = []
    n_k = np.array([len(p) for p in ev.frequencies])
    for k in np.unique(n_k):  # groups of equal allele number
        idx = np.flatnonzero(n_k == k)
        cols = (ev.offsets[idx][:, None] + np.arange(sizes[idx[0]])[None, :])
        groups.append(LocusGroup(
            loci=idx, post=post[:, cols], prior=ev.prior[cols],
            freqs=np.stack([ev.frequencies[j] for j in idx]),
            k1=np.stack([ibd1_ratio(ev.frequencies[j]) for j in idx]),
            gam=gamete_matrix(int(k)), pidx=pair_index(int(k))))
    return PedigreeEvidence(np.asarray(g.samples), np.asarray(ev.loci), tuple(groups),
                            ev.n_amplified.astype(bool).sum(axis=1) if ev.n_amplified.size
                            else np.zeros(g.n_samples, np.int64))


def _chunks(n_loci: int, n: int, budget: float = 2e7):
    step = max(1, int(budget // max(n * n, 1)))
    for a in range(0, n_loci, step):
        yield slice(a, min(a + step, n_loci))


def pair_loglik(ev: PedigreeEvidence, pairs: tuple | None = None) -> np.ndarray:
    """Log-likelihood ratios against unrelated of every pair, classes PO, FS, HS, U.

    Parameters
    ----------
    ev : PedigreeEvidence of n animals.
    pairs : (a, b) int arrays (P,), optional: only these pairs.

    Returns
    -------
    float array (n, n, 4), symmetric in the first two axes; natural logs in the order of
    :data:`PAIR_CLASSES` (U is 0); the diagonal is meaningless. With ``pairs``: (P, 4).

    Examples
    --------
    Two animals certainly 0/1 at a locus with p = (0.5, 0.5): R1 = 1, R2 = 2, so
    PO 1, FS 1/4 + 1/2 + 1/2 = 1.25, HS 1:

    >>> g = Genotypes(np.array([[[0, 1]], [[0, 1]]]), ["a", "b"], ["L1"], (np.array([1, 2]),))
    >>> ev = build_evidence(g, ado=1e-9, fa=1e-9, locus_error=0.0)
    >>> np.exp(pair_loglik(ev)[0, 1]).round(4).tolist()
    [1.0, 1.25, 1.0, 1.0]
    """
    n = ev.n
    if pairs is not None:
        a_idx, b_idx = (np.asarray(x, np.int64) for x in pairs)
    out = np.zeros((n, n, 4) if pairs is None else (len(a_idx), 4))
    for grp in ev.groups:  # groups of equal allele number
        for sl in _chunks(len(grp.loci), n):  # loci in chunks, all pairs at once
            post = grp.post[:, sl]
            q = np.einsum("ilg,lgh->ilh", post, grp.k1[sl])
            if pairs is None:
                r1 = np.einsum("ilg,jlg->ijl", q, post)
                r2 = np.einsum("ilg,jlg->ijl", post / grp.prior[None, sl], post)
            else:
                r1 = np.einsum("plg,plg->pl", q[a_idx], post[b_idx])
                r2 = np.einsum("plg,plg->pl", (post / grp.prior[None, sl])[a_idx], post[b_idx])
            r1 = np.maximum(r1, _TINY)
            out[..., 0] += np.log(r1).sum(axis=-1)
            out[..., 1] += np.log(0.25 + 0.5 * r1 + 0.25 * r2).sum(axis=-1)
            out[..., 2] += np.log(0.5 + 0.5 * r1).sum(axis=-1)
    return out


def trio_loglik(ev: PedigreeEvidence, o: np.ndarray, s: np.ndarray,
                d: np.ndarray) -> np.ndarray:
    """log LR(o | s, d) of m trios against unrelated animals (module docstring).

    Parameters
    ----------
    ev : PedigreeEvidence.
    o, s, d : int arrays (m,), offspring, sire and dam positions; -1 = unknown parent
        (transmits with the allele frequencies).

    Returns
    -------
    float array (m,)

    Examples
    --------
    One locus, p = (0.5, 0.5), error-free: offspring 0/1 of parents 0/0 and 1/1.
    ``t_s = (1, 0)``, ``t_d = (0, 1)``, ``W_o(0, 1) = 1 / P(0/1) = 2``, so LR = 2; with the
    dam unknown LR = t_s' W_o p = 1 (= R1 of a homozygous parent and a heterozygous child):

    >>> g = Genotypes(np.array([[[0, 1]], [[0, 0]], [[1, 1]]]), ["o", "s", "d"], ["L1"],
    ...               (np.array([1, 2]),))
    >>> ev = build_evidence(g, ado=1e-9, fa=1e-9, locus_error=0.0)
    >>> np.exp(trio_loglik(ev, np.array([0, 0]), np.array([1, 1]), np.array([2, -1]))).round(4)
    array([2., 1.])
    """
    return trio_locus_loglik(ev, o, s, d).sum(axis=1)


def trio_locus_loglik(ev: PedigreeEvidence, o: np.ndarray, s: np.ndarray,
                     d: np.ndarray) -> np.ndarray:
    """Per-locus terms of :func:`trio_loglik`: log LR(o | s, d) at each kept locus.

    Parameters
    ----------
    ev : PedigreeEvidence.
    o, s, d : int arrays (m,), as :func:`trio_loglik`.

    Returns
    -------
    float array (m, L), loci in the order of ``ev.loci``; rows sum to :func:`trio_loglik`.
    """
    o, s, d = (np.asarray(x, np.int64) for x in (o, s, d))
    out = np.zeros((len(o), len(ev.loci)))
    for grp in ev.groups:  # groups of equal allele number
        t = grp.transmission
        t_s = np.where((s >= 0)[:, None, None], t[np.maximum(s, 0)], grp.freqs[None])
        t_d = np.where((d >= 0)[:, None, None], t[np.maximum(d, 0)], grp.freqs[None])
        w = (grp.post / grp.prior[None])[o][:, :, grp.pidx]
        lr = np.einsum("mlk,mlkj,mlj->ml", t_s, w, t_d)
        out[:, grp.loci] = np.log(np.maximum(lr, _TINY))
    return out


def parent_transmission(ev: PedigreeEvidence, idx: np.ndarray) -> list:
    """Allele transmission ``t`` of animals ``idx`` (-1: an unknown parent, the allele
    frequencies), per locus group.

    Parameters
    ----------
    ev : PedigreeEvidence.
    idx : int array (m,), positions of the animals, -1 unknown.

    Returns
    -------
    list (one per locus group) of float arrays (m, Lg, K).
    """
    idx = np.asarray(idx, np.int64)
    out = []
    for grp in ev.groups:  # groups of equal allele number
        t = grp.transmission
        out.append(np.where((idx >= 0)[:, None, None], t[np.maximum(idx, 0)], grp.freqs[None]))
    return out


def sibship_vectors(ev: PedigreeEvidence, o: np.ndarray, other: list) -> list:
    """``log v_o(g)`` of offspring o given their other parent's transmission, per group.

    Parameters
    ----------
    ev : PedigreeEvidence.
    o : int array (m,), offspring positions.
    other : list (per group) of float arrays (m, Lg, K), the other parent's transmission
        (:func:`parent_transmission`, or a dummy's :func:`dummy_transmission`).

    Returns
    -------
    list (one per locus group) of float arrays (m, Lg, G): log of the likelihood ratio of
    o's data given that the shared (dummy) parent has genotype g.
    """
    o = np.asarray(o, np.int64)
    out = []
    for grp, u in zip(ev.groups, other, strict=True):  # groups of equal allele number
        w = (grp.post / grp.prior[None])[o][:, :, grp.pidx]
        wu = np.einsum("mlkj,mlj->mlk", w, u)
        v = np.einsum("mlk,gk->mlg", wu, grp.gam)
        out.append(np.log(np.maximum(v, _TINY)))
    return out


def cluster_loglik(ev: PedigreeEvidence, sums: list) -> np.ndarray:
    """log L(C) of clusters from the summed ``log v`` of their members.

    Parameters
    ----------
    ev : PedigreeEvidence.
    sums : list (per locus group) of float arrays (c, Lg, G), ``sum_{o in C} log v_o(g)``.

    Returns
    -------
    float array (c,), ``sum_loci log sum_g P(g) prod_o v_o(g)``.
    """
    total = 0.0
    for grp, acc in zip(ev.groups, sums, strict=True):  # groups of equal allele number
        total = total + logsumexp(acc + np.log(grp.prior)[None], axis=2).sum(axis=1)
    return np.asarray(total, float)


def dummy_transmission(ev: PedigreeEvidence, sums: list) -> list:
    """Allele transmission of the dummy parent of clusters (its genotype posterior given the
    members, ``P(g) prod v_o(g)`` normalised, times the gamete matrix).

    Parameters
    ----------
    ev : PedigreeEvidence.
    sums : as :func:`cluster_loglik`.

    Returns
    -------
    list (per group) of float arrays (c, Lg, K).
    """
    out = []
    for grp, acc in zip(ev.groups, sums, strict=True):  # groups of equal allele number
        lw = acc + np.log(grp.prior)[None]
        w = np.exp(lw - lw.max(axis=2, keepdims=True))
        w /= w.sum(axis=2, keepdims=True)
        out.append(np.einsum("clg,gk->clk", w, grp.gam))
    return out


def with_dummy_animals(ev: PedigreeEvidence, ids, sums: list) -> PedigreeEvidence:
    """The evidence with dummy parents appended as animals: each dummy's genotype posterior
    is its sibship's, ``P(g) prod_{o in C} v_o(g)`` normalised (:func:`dummy_transmission`),
    so every pair, trio and parentage likelihood of this module applies to it as to a
    genotyped animal (``t' W_D t`` of a dummy is the family likelihood ratio
    ``sum_g P(g | s, d) prod v_o(g) / L(C)`` of its parents s, d).

    Parameters
    ----------
    ev : PedigreeEvidence of n animals.
    ids : str array (c,), names of the dummies.
    sums : list (per locus group) of float arrays (c, Lg, G), ``sum_{o in C} log v_o(g)``.

    Returns
    -------
    PedigreeEvidence of n + c animals (the n first, unchanged).
    """
    groups = []
    for grp, acc in zip(ev.groups, sums, strict=True):  # groups of equal allele number
        lw = acc + np.log(grp.prior)[None]
        w = np.exp(lw - lw.max(axis=2, keepdims=True))
        w /= w.sum(axis=2, keepdims=True)
        groups.append(replace(grp, post=np.concatenate([grp.post, w])))
    typed = np.full(len(ids), len(ev.loci), np.int64)
    return PedigreeEvidence(np.concatenate([np.asarray(ev.ids, object), np.asarray(ids, object)]),
                            ev.loci, tuple(groups), np.concatenate([ev.n_typed, typed]))
