"""Parametric-bootstrap calibration of the parent posteriors.

The parent posteriors of :func:`leogen.pedigree.reconstruct.parentage` are exact only under
their model (unrelated founders, Hardy-Weinberg frequencies, relatives other than
PO/FS/HS/GP/AV absent). In an inbred population animals are more alike than the model
expects and a sib or cousin can out-score the true (often unsampled) parent. The remedy here
is the parametric bootstrap (Efron & Tibshirani 1993, An Introduction to the Bootstrap,
ch. 6; for parentage confidence CERVUS's simulation of critical values, Marshall et al. 1998
Mol Ecol 7:639, and Kalinowski et al. 2007 Mol Ecol 16:1099):

1. **Simulate** genotypes down the reconstructed pedigree (sampled parents and dummy parents
   as assigned): every parent that the pedigree leaves unknown is a *hidden* animal drawn
   from a pool of ``H`` males and ``H`` females whose genotypes come from the data's allele
   frequencies, so that animals without assigned parents are related as often as the data
   say (two animals whose parents are both hidden have expected kinship ``1 / (4 H)``;
   ``H`` is set from the background kinship, :func:`background_kinship`). Errors with the
   fitted per-locus dropout, false-allele and locus error rates; the data's missing calls.
2. **Re-run** the parentage on each replicate (same sexes, ages, settings) and record, for
   every animal and role, the posterior of its best sampled candidate and whether it is the
   simulated parent.
3. **Map** a posterior to the observed accuracy by isotonic regression (pool-adjacent-
   violators, Barlow et al. 1972), each block shrunk toward its mean posterior with
   ``prior_weight`` pseudo-links (few data: little change), and report
   ``min(p, f(p))`` (:class:`Calibration`): the calibration only ever lowers a probability
   (conservative). The probability taken from a candidate goes to "parent not sampled".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from leogen.model.genotypes import Genotypes
from leogen.pedigree import kinship as kin
from leogen.pedigree import likelihood as lk
from leogen.pedigree import reconstruct as rc
from leogen.pedigree.priors import DEFAULT_AGES, AgeSettings, AnimalInfo


@dataclass
class Calibration:
    """Monotone map of a raw parent posterior to its bootstrap accuracy.

    At the knots (mean posteriors of the isotonic blocks) the calibrated value is
    ``q_k = min(x_k, accuracy_k)`` (made non-decreasing); between knots it is interpolated,
    and outside them the deficit ``x - q`` of the nearest knot is subtracted (beyond the
    bootstrap's data the correction is carried, not invented). The result never exceeds
    the raw posterior.

    Attributes
    ----------
    knots : float array (k,), raw posteriors (increasing).
    accuracy : float array (k,), shrunk isotonic accuracy at the knots (non-decreasing).
    n_links : int, bootstrap links the map was fitted on.
    hidden : int, hidden parents per sex of the simulation (0: founders unrelated).

    Examples
    --------
    >>> c = Calibration(np.array([0.5, 0.9]), np.array([0.4, 0.8]), 100, 0)
    >>> c(np.array([0.3, 0.5, 0.7, 0.9, 0.99])).round(2).tolist()
    [0.2, 0.4, 0.6, 0.8, 0.89]
    """

    knots: np.ndarray
    accuracy: np.ndarray
    n_links: int
    hidden: int

    def __call__(self, p: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw posteriors ``p`` (any shape)."""
        p = np.asarray(p, float)
        if len(self.knots) == 0:
            return p.copy()
        x = self.knots
        q = np.maximum.accumulate(np.minimum(x, self.accuracy))
        out = np.interp(p, x, q)
        out = np.where(p < x[0], p - (x[0] - q[0]), out)
        out = np.where(p > x[-1], p - (x[-1] - q[-1]), out)
        return np.clip(np.minimum(out, p), 0.0, None)


def isotonic_map(p: np.ndarray, right: np.ndarray, prior_weight: float = 10.0,
                 n_knots: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic (non-decreasing) accuracy of links as a function of their posterior, each
    block shrunk toward its mean posterior.

    Pool-adjacent-violators on the links sorted by posterior (Barlow et al. 1972,
    Statistical Inference under Order Restrictions); a block of m links, k right, with mean
    posterior pbar gets ``(k + w pbar) / (m + w)`` (``w = prior_weight``), and the result
    is made non-decreasing again. Links are first pooled into at most ``n_knots`` bins of
    equal count.

    Parameters
    ----------
    p : float array (m,), posteriors of the links.
    right : bool array (m,), whether each link was right.
    prior_weight : pseudo-links of the shrinkage toward the posterior.
    n_knots : bins of equal count before the isotonic fit.

    Returns
    -------
    knots, accuracy : float arrays (k,), k <= n_knots; empty when ``m == 0``.

    Examples
    --------
    Forty links of posterior 0.95 of which 30 right, forty of 0.6 of which 24 right:

    >>> p = np.r_[np.full(40, 0.6), np.full(40, 0.95)]
    >>> r = np.r_[np.arange(40) < 24, np.arange(40) < 30]
    >>> x, y = isotonic_map(p, r, prior_weight=0.0, n_knots=2)
    >>> x.round(2).tolist(), y.round(3).tolist()
    ([0.6, 0.95], [0.6, 0.75])
    """
    p = np.asarray(p, float)
    right = np.asarray(right, float)
    if len(p) == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(p, kind="stable")
    p, right = p[order], right[order]
    bins = np.array_split(np.arange(len(p)), min(n_knots, len(p)))
    x = np.array([p[b].mean() for b in bins])
    y = np.array([right[b].mean() for b in bins])
    w = np.array([len(b) for b in bins], float)
    # pool adjacent violators over the bins (at most n_knots blocks)
    blocks = [[x[0] * w[0], y[0] * w[0], w[0], 1]]
    for k in range(1, len(x)):  # k <= n_knots bins, not per link
        blocks.append([x[k] * w[k], y[k] * w[k], w[k], 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] > blocks[-1][1] / blocks[-1][2]:
            a = blocks.pop()
            for j in range(4):
                blocks[-1][j] += a[j]
    acc = np.concatenate([np.full(b[3], (b[1] + prior_weight * b[0] / b[2]) / (b[2] + prior_weight))
                          for b in blocks])
    return x, np.maximum.accumulate(acc)


def background_kinship(par: rc.Parentage, sire: np.ndarray, dam: np.ndarray) -> float:
    """Mean kinship of the genotyped animals that the reconstructed pedigree does not explain.

    The marker-based mean kinship (posterior expected kinship of each pair over the classes
    with the EM shares, ``1/4 (P(PO) + P(FS)) + 1/8 P(HS)``) minus the mean kinship the
    assigned pedigree gives the same pairs (founders unrelated), at least 0.

    Parameters
    ----------
    par : Parentage of n animals.
    sire, dam : int arrays (N,), parent rows of the pedigree (first n genotyped).

    Returns
    -------
    float
    """
    n = par.pair_ll.shape[0]
    if n < 2:
        return 0.0
    i, j = np.triu_indices(n, k=1)
    lw = par.pair_ll[i, j] + np.log(par.class_share)[None]
    w = np.exp(lw - lw.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    marker = float((0.25 * (w[:, 0] + w[:, 1]) + 0.125 * w[:, 2]).mean())
    ped = float(kin.kinship_matrix(sire, dam)[i, j].mean())
    return max(marker - ped, 0.0)


def _draw_alleles(cum: np.ndarray, rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Allele indices (shape + (L,)) drawn from per-locus cumulative frequencies (L, K)."""
    u = rng.random(shape + (cum.shape[0],))
    idx = (u[..., None] > cum).sum(axis=-1)
    return np.minimum(idx, cum.shape[1] - 1)


def sample_pedigree(par: rc.Parentage, sire: np.ndarray, dam: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A pedigree drawn from the parent posteriors (module docstring, 1).

    Each animal's sire and dam are drawn from its posterior (a sampled candidate or "not
    sampled"); a parent drawn "not sampled" is the dummy parent of the reconstructed pedigree
    where it has one, else unknown. Links are kept best posterior first and skipped when they
    would make an animal its own ancestor.

    Parameters
    ----------
    par : Parentage of n animals.
    sire, dam : int arrays (N,), the reconstructed pedigree (rows n.. dummy parents).
    rng : numpy Generator.

    Returns
    -------
    sire, dam : int arrays (N,), the drawn pedigree (dummy rows unchanged).
    """
    n = par.sire_post.shape[0]
    new = [sire.copy(), dam.copy()]
    links = []
    for role, post, recon in ((0, par.sire_post, sire), (1, par.dam_post, dam)):
        cum = np.cumsum(post / post.sum(axis=1, keepdims=True), axis=1)
        pick = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), n)
        dummy = recon[:n] >= n
        new[role][:n] = np.where(pick < n, -1, np.where(dummy, recon[:n], -1))
        for o in np.flatnonzero(pick < n):  # the drawn sampled parents, at most n per role
            links.append((post[o, pick[o]], role, o, pick[o]))
    rc.assign_best_first(links, new[0], new[1])
    return new[0], new[1]


def simulate_down(g: Genotypes, sire: np.ndarray, dam: np.ndarray, hidden: int, ado, fa,
                  locus_error: float, rng: np.random.Generator,
                  hidden_generations: int = 3) -> Genotypes:
    """Genotypes of the genotyped animals simulated down a pedigree (module docstring, 1).

    Parameters
    ----------
    g : Genotypes of the n genotyped animals (allele frequencies and missing calls are
        taken from it).
    sire, dam : int arrays (N,), parent rows (-1 unknown); rows n.. are dummy parents.
    hidden : hidden parents per sex standing in for unknown parents (0: unknown parents
        transmit independently with the allele frequencies).
    hidden_generations : generations of random mating of the hidden population (from the
        allele frequencies) before it parents the pedigree's founders.
    ado, fa : float or float arrays (L,), dropout and false-allele rates of one call.
    locus_error : probability that a call is a random genotype.
    rng : numpy Generator.

    Returns
    -------
    Genotypes (n, L, 2) with ``g``'s ids, loci, alleles and missing calls.
    """
    n, n_loci = g.n_samples, g.n_loci
    n_all = len(sire)
    freqs = g.allele_frequencies()
    cum = np.cumsum(freqs, axis=1)
    cum[:, -1] = 1.0
    geno = np.full((n_all, n_loci, 2), -1, np.int64)
    loci = np.arange(n_loci)
    pool = None
    if hidden > 0:  # the hidden population: random mating for hidden_generations
        pool = np.moveaxis(_draw_alleles(cum, rng, (2, hidden, 2)), 3, 2)  # (sex, H, L, 2)
        for _ in range(hidden_generations):  # generations of the hidden population
            nxt = np.empty_like(pool)
            for side in (0, 1):  # gamete from a random hidden sire, then dam
                par_h = rng.integers(0, hidden, (2, hidden))
                pick = rng.integers(0, 2, (2, hidden, n_loci))
                nxt[:, :, :, side] = pool[side, par_h[:, :, None], loci[None, None, :], pick]
            pool = nxt
    depth = kin.generation_depth(sire, dam)
    for lev in range(int(depth.max()) + 1 if n_all else 0):  # generations, vectorised within
        rows = np.flatnonzero(depth == lev)
        for side, parents in ((0, sire), (1, dam)):
            par = parents[rows]
            known = par >= 0
            pick = rng.integers(0, 2, (len(rows), n_loci))
            allele = geno[np.maximum(par, 0)[:, None], loci[None, :], pick]
            if pool is not None:
                h = rng.integers(0, hidden, len(rows))
                pick_h = rng.integers(0, 2, (len(rows), n_loci))
                other = pool[side, h[:, None], loci[None, :], pick_h]
            else:
                other = _draw_alleles(cum, rng, (len(rows),))
            geno[rows, :, side] = np.where(known[:, None], allele, other)
    calls = geno[:n].copy()
    ado = np.broadcast_to(np.asarray(ado, float), (n_loci,))
    fa = np.broadcast_to(np.asarray(fa, float), (n_loci,))
    het = calls[..., 0] != calls[..., 1]
    drop = het & (rng.random((n, n_loci)) < ado[None])
    keep = rng.integers(0, 2, (n, n_loci))
    kept = np.take_along_axis(calls, keep[..., None], axis=2)[..., 0]
    calls[drop] = kept[drop][:, None]
    false = rng.random((n, n_loci)) < fa[None]
    which = rng.integers(0, 2, (n, n_loci))
    repl = _draw_alleles(cum, rng, (n,))
    cur = np.take_along_axis(calls, which[..., None], axis=2)[..., 0]
    np.put_along_axis(calls, which[..., None], np.where(false, repl, cur)[..., None], axis=2)
    anything = rng.random((n, n_loci)) < locus_error
    rand = np.stack([_draw_alleles(cum, rng, (n,)), _draw_alleles(cum, rng, (n,))], axis=2)
    calls = np.where(anything[..., None], rand, calls)
    calls = np.sort(calls, axis=2)
    calls[(g.calls < 0).any(axis=2)] = -1
    return Genotypes(calls, g.samples, g.loci, g.alleles)


def bootstrap_calibration(g: Genotypes, info: AnimalInfo, par: rc.Parentage, sire: np.ndarray,
                          dam: np.ndarray, ages: AgeSettings = DEFAULT_AGES, ado=0.005,
                          fa=0.005, locus_error: float = 0.01, max_candidates: int = 6,
                          n_replicates: int = 5, seed: int = 1, floor: float = 0.3,
                          prior_weight: float = 10.0, min_probability: float = 0.7,
                          joint_rounds: int = 2) -> Calibration:
    """Fit the calibration map of parent posteriors by parametric bootstrap (module docstring).

    Parameters
    ----------
    g : Genotypes of the n genotyped animals; info : their AnimalInfo.
    par : Parentage of the data (for the background kinship).
    sire, dam : int arrays (N,), the reconstructed pedigree (dummy parents after the n).
    ages, ado, fa, locus_error, max_candidates : the reconstruction's settings.
    n_replicates : simulated data sets.
    seed : random seed.
    floor : best links with a posterior below this are not recorded.
    prior_weight : shrinkage of :func:`isotonic_map`.
    min_probability, joint_rounds : the reconstruction's settings
        (:func:`leogen.pedigree.reconstruct.joint_parentage`).

    Returns
    -------
    Calibration
    """
    n = g.n_samples
    # the replicates simulate genotypes only: the real animals' mtDNA haplotypes do not
    # follow a replicate's pedigree, so they are left out of its reconstruction
    info = replace(info, mt_haplotype=np.zeros(0, dtype=object))
    rng = np.random.default_rng(seed)
    phi = background_kinship(par, sire, dam)
    hidden = int(np.clip(round(1.0 / (4.0 * phi)), 2, 10 * n)) if phi > 1e-4 else 0
    ps, rs = [], []
    rows = np.arange(n)
    for _ in range(n_replicates):  # replicates (each fully vectorised)
        s_draw, d_draw = sample_pedigree(par, sire, dam, rng)
        truth = (np.where(s_draw[:n] < n, s_draw[:n], -1), np.where(d_draw[:n] < n, d_draw[:n], -1))
        sim = simulate_down(g, s_draw, d_draw, hidden, ado, fa, locus_error, rng)
        ev = lk.build_evidence(sim, ado=ado, fa=fa, locus_error=locus_error)
        if not ev.groups:
            continue
        p_sim = rc.joint_parentage(ev, info, ages, max_candidates=max_candidates,
                                   min_probability=min_probability, rounds=joint_rounds)
        for post, t in ((p_sim.sire_post, truth[0]), (p_sim.dam_post, truth[1])):
            best = np.argmax(post[:, :n], axis=1)
            p = post[rows, best]
            fixed = (info.known_sire if post is p_sim.sire_post else info.known_dam) >= 0
            use = (p >= floor) & ~fixed
            ps.append(p[use])
            rs.append(best[use] == t[use])
    p_all = np.concatenate(ps) if ps else np.zeros(0)
    r_all = np.concatenate(rs) if rs else np.zeros(0, bool)
    x, y = isotonic_map(p_all, r_all, prior_weight)
    return Calibration(x, y, len(p_all), hidden)


def calibrated_parentage(par: rc.Parentage, cal: Calibration,
                         info: AnimalInfo | None = None) -> rc.Parentage:
    """Parentage with every sampled candidate's posterior mapped by ``cal``; the probability
    removed goes to "parent not sampled" (last column). Parents given in the sample sheet
    (``info.known_sire``, ``known_dam``) are kept.

    Parameters
    ----------
    par : Parentage of n animals; cal : Calibration; info : their AnimalInfo, optional.

    Returns
    -------
    Parentage (a copy).
    """
    out = []
    n = par.sire_post.shape[0]
    for post, role in ((par.sire_post, "known_sire"), (par.dam_post, "known_dam")):
        fixed = (getattr(info, role) >= 0) if info is not None else np.zeros(n, bool)
        q = post.copy()
        q[:, :-1] = cal(post[:, :-1])
        q[:, -1] += (post[:, :-1] - q[:, :-1]).sum(axis=1)
        q[fixed] = post[fixed]
        out.append(q)
    return rc.Parentage(out[0], out[1], par.theta, par.class_share, par.pair_ll)
