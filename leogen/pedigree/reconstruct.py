"""Pedigree reconstruction: parentage with posterior probabilities, sibships of dummy parents,
relationship probabilities of every pair.

Method (a CERVUS/COLONY hybrid, stated so its probabilities can be read):

1. **Pairwise classes.** Log-likelihood ratios of PO, FS, HS (= GP = AV) and U for every pair
   (:func:`leogen.pedigree.likelihood.pair_loglik`) and the share of each class among the
   pairs by EM on their mixture (an empirical-Bayes prior, as in the relationship-mixture
   approach of Anderson & Weir 2007 Genetics 176:421).
2. **Parentage** (Jones & Wang 2010 Mol Ecol Resour 10:551; Huisman 2017 Mol Ecol Resour
   17:1009). For each animal o, hypotheses (sire, dam) with each parent a sampled candidate
   of the right sex and age or "not sampled". A candidate p that is *not* o's parent is
   still some relative (FS, HS/GP/AV or U, with the EM shares), so its evidence is the
   likelihood ratio ``LR(PO) / M(o, p)`` with ``M = sum_c pi_c LR_c / sum_c pi_c`` over the
   non-parent classes: a full sib that happens to share an allele at every locus is not
   taken for a parent. A candidate pair (s, d) has the trio ratio
   ``LR(o | s, d)`` over the non-parent evidence of both, each also taken given the other as
   the parent (:func:`conditional_nonparent_loglik`; the two orders of the chain rule
   averaged). Priors: P(parent not sampled) = theta (estimated by EM over animals, per sex,
   under the pairwise evidence), and a sampled parent p gets ``(1 - theta) A[p, o] / Z_o`` with
   the age prior ``A`` (:func:`leogen.pedigree.priors.age_prior`), ``Z_o`` its sum over the
   candidates (at least 1). Posteriors are normalised over all hypotheses of o; the marginal
   of each sire or dam is reported. Parents given in the sample sheet are fixed.
3. **Sibships of unsampled parents** (COLONY's dummy parents, Wang 2004 Genetics 166:1963).
   Animals without an assigned sire are clustered best-first into paternal sibships by the
   likelihood that they share an unsampled parent (:func:`leogen.pedigree.likelihood.
   cluster_loglik`, the other parent's transmission given), merging while the log
   likelihood gain plus the prior log odds of sharing (from the EM shares) is positive; then
   the same for dams, with a dummy sire's transmission (leave-one-out) as the other parent.
   Sibs of one dummy parent are not parent and offspring (:func:`not_sibs`). With both
   parents unsampled the sex of a shared parent is not identifiable from genotypes: half
   sibs are put in a paternal sibship first (the kinship is the same). Each member's
   probability weighs sharing the dummy parent against being a relative of it
   (:func:`dummy_relative_loglik`) and unrelated.
4. **Relationships** of every pair from the parent posteriors: PO = P(i parent of j) + P(j
   parent of i); sharing a sire (dam) = sum over parents of the product of the two animals'
   posteriors (and a shared dummy's memberships); FS = share both, HS = share one; the rest
   is split between GP/AV and U by the pairwise HS-vs-U likelihood and the EM shares.
   :func:`configuration_sibships` then reads FS and HS off the reconstructed pedigree, the
   FS-or-HS question of a pair with an unassigned parent answered by the sibship partition
   (:func:`sharing_probability`).
5. **Jointly** (:func:`joint_parentage`; Wang & Santure 2009 Genetics 181:1579): parentage
   again, with "parent not sampled" scored against the dummy sibships
   (:func:`unsampled_parent_loglik`: the sibship o fits, unless a sampled candidate is the
   parent of that whole sibship, :func:`sibship_parent_posterior`) and the age prior
   conditioned on the pedigree so far (:func:`leogen.pedigree.priors.pedigree_age_prior`).
6. **Parents of dummy parents** (:func:`dummy_parentage`; sequoia's grandparents of a
   sibship, Huisman 2017): each dummy parent, its genotype posterior that of its sibship,
   gets the parentage of step 2 among the sampled animals, with its birth year bounded by
   its offspring's through the pedigree age prior.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import logsumexp

from leogen.pedigree import kinship as kin
from leogen.pedigree import likelihood as lk
from leogen.pedigree.priors import (
    DEFAULT_AGES,
    AgeSettings,
    AnimalInfo,
    age_prior,
    maternal_haplotype_loglik,
    pedigree_age_prior,
)

REL_CLASSES = ("PO", "FS", "HS", "GPAV", "U")
_NEG = -1e300
_TINY_LR = 1e-300


@dataclass
class Parentage:
    """Posterior parentage of n animals.

    Attributes
    ----------
    sire_post, dam_post : float arrays (n, n + 1); ``[o, p]`` P(p is o's sire/dam), the last
        column P(not sampled).
    theta : (sire, dam) estimated shares of unsampled parents.
    class_share : float array (4,), EM shares of PO, FS, HS, U among pairs.
    pair_ll : float array (n, n, 4), :func:`leogen.pedigree.likelihood.pair_loglik`.
    """

    sire_post: np.ndarray
    dam_post: np.ndarray
    theta: tuple
    class_share: np.ndarray
    pair_ll: np.ndarray


#: prior shares of PO, FS, HS (incl. GP, AV), U among pairs of a small population, the
#: Dirichlet prior of :func:`class_shares` (HS/GP/AV are hard to tell from U with a few loci)
PRIOR_SHARES = np.array([0.03, 0.01, 0.08, 0.88])


def class_shares(pair_ll: np.ndarray, n_iter: int = 200, prior=PRIOR_SHARES,
                 prior_pairs: float = 500.0) -> np.ndarray:
    """Shares of PO, FS, HS, U among all pairs by EM on their likelihood mixture, with a
    Dirichlet prior (posterior mode; ``prior_pairs`` pseudo-pairs with the shares ``prior``).

    Parameters
    ----------
    pair_ll : float array (n, n, 4), log LRs of each class against U.
    n_iter : EM iterations.
    prior : float array (4,), prior shares; prior_pairs : their weight in pairs (0 = ML).

    Returns
    -------
    float array (4,), summing to 1 (each at least 1e-4).

    Examples
    --------
    Ten pairs clearly PO and thirty clearly U:

    >>> ll = np.zeros((1, 40, 4)); ll[0, :10, 0] = 50.0; ll[0, 10:, :3] = -50.0
    >>> class_shares(ll, prior_pairs=0).round(2).tolist()
    [0.25, 0.0, 0.0, 0.75]
    """
    n = pair_ll.shape[0]
    if pair_ll.shape[0] == pair_ll.shape[1] and n > 1:
        i, j = np.triu_indices(n, k=1)
        ll = pair_ll[i, j]
    else:
        ll = pair_ll.reshape(-1, 4)
    pi = np.full(4, 0.25)
    prior = np.asarray(prior, float) / np.sum(prior)
    for _ in range(n_iter):  # EM iterations, vectorised over pairs
        lw = ll + np.log(pi)[None, :]
        w = np.exp(lw - lw.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        pi = np.maximum((w.sum(axis=0) + prior_pairs * prior) / (len(ll) + prior_pairs), 1e-4)
        pi /= pi.sum()
    return pi


def nonparent_loglik(pair_ll: np.ndarray, share: np.ndarray,
                     mt: np.ndarray | None = None) -> np.ndarray:
    """``log M``: log LR against U of "some relative other than parent", (n, n).

    Parameters
    ----------
    pair_ll : float array (n, n, 4); share : float array (4,), :func:`class_shares`.
    mt : float array (n, n), optional; ``[o, p]`` log LR of the two animals' mtDNA under
        "p is of o's maternal line" (:func:`leogen.pedigree.priors.maternal_haplotype_loglik`):
        a full sib is, a half sib (grandparent, aunt, uncle) is with probability 1/2.

    Returns
    -------
    float array (n, n)
    """
    w = share[1:] / share[1:].sum()
    q_fs = np.zeros(pair_ll.shape[:2]) if mt is None else mt
    q_hs = np.logaddexp(np.log(0.5) + q_fs, np.log(0.5))
    return np.logaddexp(np.logaddexp(np.log(w[0]) + pair_ll[..., 1] + q_fs,
                                     np.log(w[1]) + pair_ll[..., 2] + q_hs), np.log(w[2]))


def conditional_nonparent_loglik(ev: lk.PedigreeEvidence, o: np.ndarray, s: np.ndarray,
                                 d: np.ndarray, share: np.ndarray,
                                 trio_loci: np.ndarray | None = None,
                                 mt_s: np.ndarray | None = None,
                                 mt_d: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """log M of each candidate of a pair hypothesis (s, d) *given the other* as o's parent.

    Given the sire s, o's maternal allele is nearly known, so the evidence that candidate d
    is a relative of o's (then unsampled) dam rather than the dam is sharper than the
    pairwise mixture :func:`nonparent_loglik` says. A full sib of o, and a half sib,
    grandparent, aunt or uncle through the dam (half of the second-degree relatives), is a
    first-degree relative of the dam: o's maternal allele is IBD with a random allele of d
    with probability 1/2, ``X = prod_loci (1/2 + 1/2 LR_l(o | s, d) / LR_l(o | s, -))``;
    through the sire, d says nothing given s (1). So ``M(d | s) = a1 X + a0``, ``a1 = w_FS
    + w_HS / 2``, ``a0 = w_HS / 2 + w_U`` (``w`` the non-parent shares of ``share``), and
    the same for s given d (Thompson 1975 Ann Hum Genet 39:173 for the IBD probabilities;
    a step toward COLONY's joint likelihood, which weighs each candidate within the whole
    configuration, Jones & Wang 2010 Mol Ecol Resour 10:551).

    Parameters
    ----------
    ev : PedigreeEvidence.
    o, s, d : int arrays (m,), offspring, sire and dam, all sampled.
    share : float array (4,), :func:`class_shares`.
    trio_loci : float array (m, L), optional; :func:`leogen.pedigree.likelihood.
        trio_locus_loglik` of the trios, if already computed.
    mt_s, mt_d : float arrays (m,), optional; the mtDNA log LR of (o, s) and (o, d) under
        "of o's maternal line" (:func:`leogen.pedigree.priors.maternal_haplotype_loglik`):
        o's full sibs and its relatives through the dam share it, those through the sire
        do not, so ``M(d | s) = q_d a1 X + a0`` and ``M(s | d) = (w_FS q_s + w_HS / 2) X +
        w_HS / 2 q_s + w_U`` (q = e^mt; 1 without).

    Returns
    -------
    (log M(s | d), log M(d | s)) : float arrays (m,).

    Examples
    --------
    One locus, p = (0.5, 0.5), error-free: o 0/1, sire 0/0, dam 1/1: given the sire, the
    dam explains o's allele 1 twice as well as the frequencies (X = 1.5); given the dam, the
    sire too. With shares PO 0.1, FS 0.1, HS 0.2, U 0.6, a1 = 2/9, a0 = 7/9:

    >>> from leogen.model.genotypes import Genotypes
    >>> g = Genotypes(np.array([[[0, 1]], [[0, 0]], [[1, 1]]]), ["o", "s", "d"], ["L1"],
    ...               (np.array([1, 2]),))
    >>> ev = lk.build_evidence(g, ado=1e-9, fa=1e-9, locus_error=0.0)
    >>> share = np.array([0.1, 0.1, 0.2, 0.6])
    >>> [np.exp(x).round(4).tolist() for x in conditional_nonparent_loglik(
    ...     ev, np.array([0]), np.array([1]), np.array([2]), share)]
    [[1.1111], [1.1111]]
    """
    none = np.full(len(o), -1)
    l_sd = lk.trio_locus_loglik(ev, o, s, d) if trio_loci is None else trio_loci
    log_half = np.log(0.5)
    x_s = np.logaddexp(log_half, log_half + l_sd - lk.trio_locus_loglik(ev, o, none, d))
    x_d = np.logaddexp(log_half, log_half + l_sd - lk.trio_locus_loglik(ev, o, s, none))
    w = share[1:] / share[1:].sum()  # FS, HS, U among non-parents
    q_s = np.exp(np.zeros(len(o)) if mt_s is None else mt_s)
    q_d = np.exp(np.zeros(len(o)) if mt_d is None else mt_d)
    a1_s, a0_s = w[0] * q_s + 0.5 * w[1], 0.5 * w[1] * q_s + w[2]
    a1_d, a0_d = (w[0] + 0.5 * w[1]) * q_d, 0.5 * w[1] + w[2]
    return (np.logaddexp(np.log(a1_s) + x_s.sum(axis=1), np.log(a0_s)),
            np.logaddexp(np.log(a1_d) + x_d.sum(axis=1), np.log(a0_d)))


def info_has_mt(info: AnimalInfo) -> bool:
    """Whether any animal of ``info`` has an mtDNA haplotype."""
    h = np.asarray(info.mt_haplotype, dtype=object)
    return bool(len(h)) and bool((h != "").any())


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k highest scores per row (n, k), -1 where the score is -inf."""
    k = min(k, score.shape[1])
    idx = np.argsort(-score, axis=1, kind="stable")[:, :k]
    ok = np.take_along_axis(score, idx, axis=1) > _NEG / 2
    return np.where(ok, idx, -1)


def candidate_priors(info: AnimalInfo, a: np.ndarray) -> tuple[np.ndarray, ...]:
    """Which animals may be each animal's sire and dam, and the prior of each candidate
    given that the parent was sampled (module docstring, 2).

    Parameters
    ----------
    info : AnimalInfo of n animals.
    a : float array (n, n), the age prior transposed, ``[o, p]`` (:func:`leogen.pedigree.
        priors.age_prior`).

    Returns
    -------
    ok_s, ok_d : bool arrays (n, n), ``[o, p]`` p may be o's sire / dam (sex, age, a parent
        given in the sheet is the only candidate of its role).
    ps, pd : float arrays (n, n), ``A[p, o] / Z_o`` over the allowed candidates.
    """
    n = len(info.ids)
    sex = np.asarray(info.sex)
    ok_s = np.broadcast_to(sex != "F", (n, n)) & (a > 0)
    ok_d = np.broadcast_to(sex != "M", (n, n)) & (a > 0)
    np.fill_diagonal(ok_s, False)
    np.fill_diagonal(ok_d, False)
    # parents given in the sheet: the only candidate of that role
    for known, ok in ((info.known_sire, ok_s), (info.known_dam, ok_d)):
        rows = np.flatnonzero(known >= 0)
        ok[rows] = False
        ok[rows, known[rows]] = True
    zs = np.maximum(np.where(ok_s, a, 0.0).sum(axis=1), 1.0)
    zd = np.maximum(np.where(ok_d, a, 0.0).sum(axis=1), 1.0)
    ps = np.where(ok_s, a, 0.0) / zs[:, None]
    pd_ = np.where(ok_d, a, 0.0) / zd[:, None]
    return ok_s, ok_d, ps, pd_


def parentage(ev: lk.PedigreeEvidence, info: AnimalInfo, ages: AgeSettings = DEFAULT_AGES,
              max_candidates: int = 6, n_em: int = 30, theta0: float = 0.5,
              pair_ll: np.ndarray | None = None, n_direction: int = 1,
              unsampled_ll: np.ndarray | None = None,
              theta: tuple | None = None, age: np.ndarray | None = None,
              share: np.ndarray | None = None, exclusive: bool = True,
              conditional: bool = True) -> Parentage:
    """Posterior probabilities of every sire and dam of every animal (module docstring, 2).

    Parameters
    ----------
    ev : PedigreeEvidence of n animals; info : their AnimalInfo (same order).
    ages : AgeSettings (age prior).
    max_candidates : candidates per sex kept for the joint (sire, dam) hypotheses, by their
        single-parent evidence and prior (the rest have negligible posterior).
    n_em : EM iterations of the unsampled-parent shares.
    theta0 : starting share of unsampled parents.
    pair_ll : :func:`leogen.pedigree.likelihood.pair_loglik`, if already computed.
    n_direction : rounds of the direction competition (module docstring).
    unsampled_ll : float array (n, 2), optional; log LR of "the sire (dam) of o was not
        sampled" against an unrelated unsampled parent, from the dummy-parent sibships
        (:func:`unsampled_parent_loglik`; module docstring, 5); default 0.
    theta : (sire, dam) shares of unsampled parents to use as given (not estimated), optional.
    age : float array (n, n), ``A[p, o]``, optional; default :func:`leogen.pedigree.priors.
        age_prior` (e.g. :func:`leogen.pedigree.priors.pedigree_age_prior` instead).
    share : float array (4,), :func:`class_shares` of ``pair_ll`` if already computed.
    exclusive : make the two directions of each pair exclusive
        (:func:`exclusive_directions`).
    conditional : in a hypothesis naming both parents, each one's non-parent evidence is
        also taken given the other (:func:`conditional_nonparent_loglik`; module docstring,
        2), and the unsampled-parent shares, when estimated, are those of the pairwise
        evidence alone; False: the pairwise non-parent evidence only.

    Returns
    -------
    Parentage
    """
    n = ev.n
    pl = lk.pair_loglik(ev) if pair_ll is None else pair_ll
    share = class_shares(pl) if share is None else share
    mt = maternal_haplotype_loglik(info)  # [o, p], the mtDNA of o and p's maternal lines
    m = nonparent_loglik(pl, share, mt)
    a = (age_prior(info, ages) if age is None else age).T  # [o, p]
    ok_s, ok_d, ps, pd_ = candidate_priors(info, a)

    def reverse(ps_, pd_, th_s, th_d):
        """Prior that o is p's parent, [o, p], and the log LR of the reverse direction: the
        pair's PO evidence, plus the mtDNA evidence when o would be p's dam."""
        ws, wd = (1 - th_s) * ps_.T, (1 - th_d) * pd_.T
        rev = np.clip(ws + wd, 0.0, 0.99)
        tot = ws + wd
        with np.errstate(divide="ignore", invalid="ignore"):
            mt_rev = np.where(tot > 0, np.log((ws + wd * np.exp(mt.T)) / tot), 0.0)
        return rev, pl[..., 0] + mt_rev

    def m_dir(th_s, th_d):
        """log LR of "p is not o's parent" for every [o, p]: o may be p's parent (prior of
        that direction), else a non-parent relative (M)."""
        rev, rev_ll = reverse(ps, pd_, th_s, th_d)  # o parent of p
        with np.errstate(divide="ignore"):
            return np.logaddexp(np.log(rev) + rev_ll, np.log1p(-rev) + m)

    single0 = pl[..., 0] - m_dir(theta0, theta0)
    with np.errstate(divide="ignore"):
        la = np.log(a)
    score_s = np.where(ok_s, single0 + la, _NEG)
    score_d = np.where(ok_d, single0 + la + mt, _NEG)
    cs = _top(score_s, max_candidates)  # (n, C)
    cd = _top(score_d, max_candidates)
    # joint options: sire in cs + none (-1), dam in cd + none
    sopt = np.concatenate([cs, np.full((n, 1), -1)], axis=1)  # (n, C+1)
    dopt = np.concatenate([cd, np.full((n, 1), -1)], axis=1)
    ns, nd = sopt.shape[1], dopt.shape[1]
    o = np.repeat(np.arange(n), ns * nd)
    s = np.repeat(sopt, nd, axis=1).ravel()
    d = np.tile(dopt, (1, ns)).ravel()
    # padded candidate slots (-1 from _top) duplicate "none": drop them, keep the real none
    slot_s = np.tile(np.repeat(np.arange(ns), nd), n)
    slot_d = np.tile(np.tile(np.arange(nd), ns), n)
    valid = ~((s < 0) & (slot_s < ns - 1)) & ~((d < 0) & (slot_d < nd - 1))
    valid &= ~((s >= 0) & (s == d))
    both = valid & (s >= 0) & (d >= 0)
    trio = np.zeros(len(o))
    trio_loci = lk.trio_locus_loglik(ev, o[both], s[both], d[both])
    trio[both] = trio_loci.sum(axis=1)
    cond = (conditional_nonparent_loglik(ev, o[both], s[both], d[both], share, trio_loci,
                                         mt[o[both], s[both]], mt[o[both], d[both]])
            if conditional and both.any() else None)
    trio[valid & (s >= 0) & (d < 0)] = pl[o, np.maximum(s, 0), 0][valid & (s >= 0) & (d < 0)]
    trio[valid & (d >= 0) & (s < 0)] = pl[o, np.maximum(d, 0), 0][valid & (d >= 0) & (s < 0)]
    trio += np.where(d >= 0, mt[o, np.maximum(d, 0)], 0.0)
    if unsampled_ll is not None:  # the unsampled parent may be a sibship's dummy parent
        trio += np.where(s < 0, unsampled_ll[o, 0], 0.0) + np.where(d < 0, unsampled_ll[o, 1], 0.0)
    fixed_s = info.known_sire[o] >= 0
    fixed_d = info.known_dam[o] >= 0
    valid &= ~(fixed_s & (s < 0)) & ~(fixed_d & (d < 0))
    shape = (n, ns * nd)
    free_s, free_d = info.known_sire < 0, info.known_dam < 0

    def posterior(ps_, pd_, th_s, th_d, given_co_parent=True):
        """EM on the unsampled-parent shares; the weights of all joint hypotheses (a pair's
        non-parent evidence conditioned on the co-parent when ``given_co_parent``)."""
        with np.errstate(divide="ignore"):
            la_s = np.where(s >= 0, np.log(ps_[o, np.maximum(s, 0)]), 0.0)
            la_d = np.where(d >= 0, np.log(pd_[o, np.maximum(d, 0)]), 0.0)
        for _ in range(max(n_em, 1)):  # EM iterations
            rev, rev_ll = reverse(ps_, pd_, th_s, th_d)
            with np.errstate(divide="ignore"):
                md = np.logaddexp(np.log(rev) + rev_ll, np.log1p(-rev) + m)
            ll = (trio - np.where(s >= 0, md[o, np.maximum(s, 0)], 0.0)
                  - np.where(d >= 0, md[o, np.maximum(d, 0)], 0.0))
            if cond is not None and given_co_parent:
                # the two orders of the chain rule, averaged: s's evidence alone and d's
                # given s as the sire, d's alone and s's given d as the dam
                ob, sb, db = o[both], s[both], d[both]
                rs, rd = rev[ob, sb], rev[ob, db]
                with np.errstate(divide="ignore"):
                    mc_s = np.logaddexp(np.log(rs) + rev_ll[ob, sb], np.log1p(-rs) + cond[0])
                    mc_d = np.logaddexp(np.log(rd) + rev_ll[ob, db], np.log1p(-rd) + cond[1])
                ll[both] = trio[both] - 0.5 * (md[ob, sb] + md[ob, db] + mc_s + mc_d)
            lp = (np.where(s >= 0, np.log1p(-th_s) + la_s, np.log(th_s))
                  + np.where(d >= 0, np.log1p(-th_d) + la_d, np.log(th_d)))
            lw = np.where(valid, ll + lp, -np.inf).reshape(shape)
            w = np.exp(lw - lw.max(axis=1, keepdims=True))
            w = (w / w.sum(axis=1, keepdims=True)).ravel()
            none_s = np.bincount(o, weights=w * (s < 0), minlength=n)
            none_d = np.bincount(o, weights=w * (d < 0), minlength=n)
            if theta is not None:  # shares given: no EM
                break
            th_s = float(np.clip(none_s[free_s].mean() if free_s.any() else theta0, 0.02, 0.98))
            th_d = float(np.clip(none_d[free_d].mean() if free_d.any() else theta0, 0.02, 0.98))
        return w, th_s, th_d

    if theta is None and cond is not None:
        # the unsampled-parent shares by EM under the pairwise evidence, then held: the
        # conditional evidence lowers the pair hypotheses, and re-estimating the shares from
        # them would feed back (measured: the share of unsampled sires 0.57 -> 0.73 and two
        # thirds of the right links lost on a leogen.simulate population)
        _, th_s0, th_d0 = posterior(ps, pd_, theta0, theta0, given_co_parent=False)
        theta = (th_s0, th_d0)
    w, th_s, th_d = posterior(ps, pd_, *((theta0, theta0) if theta is None else theta))
    for _ in range(n_direction):  # direction competition of parent-offspring pairs
        both_dir = (np.bincount(o * n + np.where(s >= 0, s, 0), weights=w * (s >= 0),
                                minlength=n * n)
                    + np.bincount(o * n + np.where(d >= 0, d, 0), weights=w * (d >= 0),
                                  minlength=n * n)).reshape(n, n)  # P(p parent of o) [o, p]
        delta = ((both_dir + 0.01) / (both_dir + both_dir.T + 0.02))
        w, th_s, th_d = posterior(ps * delta, pd_ * delta, th_s, th_d)
    sire_post = np.zeros((n, n + 1))
    dam_post = np.zeros((n, n + 1))
    np.add.at(sire_post, (o, np.where(s >= 0, s, n)), w)
    np.add.at(dam_post, (o, np.where(d >= 0, d, n)), w)
    if exclusive:
        sire_post, dam_post = exclusive_directions(sire_post, dam_post)
    return Parentage(sire_post, dam_post, (th_s, th_d), share, pl)


def exclusive_directions(sire_post: np.ndarray, dam_post: np.ndarray) -> tuple[np.ndarray, ...]:
    """Parent posteriors with "p is o's parent" and "o is p's parent" made exclusive.

    Each animal's posterior is computed from its own hypotheses, so a parent-offspring pair
    can be claimed in both directions (a = P(p parent of o) from o's row, b = P(o parent of
    p) from p's row). Conditioning the two on "not both" gives P(p parent of o) =
    ``a (1 - b) / (1 - a b)``: a pair both rows claim with 0.95 is 0.49 each way, one
    claimed 0.99 against 0.9 is 0.91 one way. The probability removed goes to "parent not
    sampled".

    Parameters
    ----------
    sire_post, dam_post : float arrays (n, n + 1), :class:`Parentage`.

    Returns
    -------
    sire_post, dam_post : float arrays (n, n + 1), new.

    Examples
    --------
    >>> s = np.array([[0.0, 0.95, 0.05], [0.0, 0.0, 1.0]])
    >>> d = np.array([[0.0, 0.0, 1.0], [0.95, 0.0, 0.05]])
    >>> [x.round(3).tolist() for x in exclusive_directions(s, d)]
    [[[0.0, 0.487, 0.513], [0.0, 0.0, 1.0]], [[0.0, 0.0, 1.0], [0.487, 0.0, 0.513]]]
    """
    n = sire_post.shape[0]
    a = sire_post[:, :n] + dam_post[:, :n]  # [o, p] P(p parent of o)
    b = a.T
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(a > 0, (1 - np.minimum(b, 1.0)) / np.maximum(1 - a * b, 1e-12), 1.0)
    f = np.clip(f, 0.0, 1.0)
    out = []
    for post in (sire_post, dam_post):
        q = post.copy()
        q[:, :n] = post[:, :n] * f
        q[:, n] += (post[:, :n] - q[:, :n]).sum(axis=1)
        out.append(q)
    return out[0], out[1]


def _ancestor(sire: np.ndarray, dam: np.ndarray, a: int, b: int) -> bool:
    """Is a an ancestor of b (or b itself) in the pedigree so far?"""
    seen = np.zeros(len(sire), bool)
    front = np.array([b])
    while front.size:  # generations upwards (vectorised within a generation)
        if (front == a).any():
            return True
        seen[front] = True
        nxt = np.concatenate([sire[front], dam[front]])
        nxt = np.unique(nxt[nxt >= 0])
        front = nxt[~seen[nxt]]
    return False


def assign_best_first(links: list, sire: np.ndarray, dam: np.ndarray) -> list:
    """Assign parent links best first, skipping each that would make an animal its own
    ancestor given the links already in ``sire`` and ``dam`` (changed in place).

    Parameters
    ----------
    links : list of (probability, role, child, parent), role 0 sire, 1 dam.
    sire, dam : int arrays (N,), parent rows (-1 none).

    Returns
    -------
    list of the links assigned, in the order taken.

    Examples
    --------
    1 is 0's sire (0.9); 0 as 1's dam (0.8) would close a cycle and is skipped:

    >>> s, d = np.full(2, -1), np.full(2, -1)
    >>> assign_best_first([(0.8, 1, 1, 0), (0.9, 0, 0, 1)], s, d)
    [(0.9, 0, 0, 1)]
    >>> s.tolist(), d.tolist()
    ([1, -1], [-1, -1])
    """
    taken = []
    for link in sorted(links, key=lambda t: (-t[0], t[1], t[2])):  # at most one per role
        _, role, child, parent = link                               # and child
        if _ancestor(sire, dam, child, parent):
            continue
        (sire if role == 0 else dam)[child] = parent
        taken.append(link)
    return taken


def map_parents(par: Parentage, min_probability: float = 0.5) -> tuple[np.ndarray, ...]:
    """Sampled parents assigned: each animal's most probable sire and dam when its posterior
    is at least ``min_probability``, links taken best first and skipped when they would make an
    animal its own ancestor.

    Parameters
    ----------
    par : Parentage of n animals.
    min_probability : smallest posterior of an assigned parent.

    Returns
    -------
    sire, dam : int arrays (n,), -1 not assigned; sire_p, dam_p : float arrays (n,), the
    posterior of the reported parent (of "not sampled" where none is assigned).
    """
    n = par.sire_post.shape[0]
    sire = np.full(n, -1, np.int64)
    dam = np.full(n, -1, np.int64)
    links = []
    for role, post in ((0, par.sire_post), (1, par.dam_post)):
        best = np.argmax(post[:, :n], axis=1) if n else np.zeros(0, np.int64)
        p = post[np.arange(n), best]
        for o in np.flatnonzero(p >= min_probability):
            links.append((p[o], role, o, best[o]))
    assign_best_first(links, sire, dam)
    rows = np.arange(n)
    sire_p = np.where(sire >= 0, par.sire_post[rows, np.maximum(sire, 0)], par.sire_post[:, n])
    dam_p = np.where(dam >= 0, par.dam_post[rows, np.maximum(dam, 0)], par.dam_post[:, n])
    return sire, dam, sire_p, dam_p


@dataclass
class Sibships:
    """Dummy-parent sibships of one role.

    Attributes
    ----------
    cluster : int array (n,), sibship of each animal (-1 none).
    prob : float array (n,), probability that the animal belongs to its sibship (0 if none).
    sums : list per locus group of float arrays (c, Lg, G), summed ``log v`` of each sibship.
    n_clusters : int, c.
    members : int array (m,), the animals that were clustered.
    vec : list per group of float arrays (m, Lg, G), their ``log v``.
    """

    cluster: np.ndarray
    prob: np.ndarray
    sums: list
    n_clusters: int
    members: np.ndarray
    vec: list


def _pair_gain(ev, sums, logl, a_idx, b_idx):
    """log L(A u B) - log L(A) - log L(B) for cluster index arrays a_idx (ka,), b_idx (kb,),
    (ka, kb)."""
    tot = np.zeros((len(a_idx), len(b_idx)))
    for grp, acc in zip(ev.groups, sums, strict=True):  # groups of equal allele number
        sa, sb = acc[a_idx], acc[b_idx]
        ma, mb = sa.max(axis=2), sb.max(axis=2)
        ea = np.exp(sa - ma[..., None]) * grp.prior[None]
        eb = np.exp(sb - mb[..., None])
        prod = np.einsum("alg,blg->abl", ea, eb)
        tot += (np.log(np.maximum(prod, 1e-300)) + ma[:, None] + mb[None]).sum(axis=2)
    return tot - logl[a_idx][:, None] - logl[b_idx][None, :]


def cluster_sibships(ev: lk.PedigreeEvidence, members: np.ndarray, other: list,
                     log_odds: float, forbid: np.ndarray | None = None,
                     relatives: bool = True) -> Sibships:
    """Best-first clustering of ``members`` into sibships of unsampled parents.

    Parameters
    ----------
    ev : PedigreeEvidence of n animals.
    members : int array (m,), animals without an assigned parent of this role.
    other : list (per group) of float arrays (m, Lg, K), their other parent's transmission.
    log_odds : prior log odds that two of them share the parent.
    forbid : bool array (n, n), optional; pairs that may not be sibs (e.g. parent and
        offspring).
    relatives : a member's probability weighs sharing the dummy parent (gain G for joining
        the rest) against being a relative of it instead (:func:`dummy_relative_loglik`,
        A) and unrelated, each of the first two with the prior odds:
        ``e^(G + lo) / (e^(G + lo) + e^(A + lo) + 1)``; False: ``logistic(G + lo)``.
        Genotypes cannot tell a half sib from a grandparent or an aunt; only the sibship's
        other members can.

    Returns
    -------
    Sibships; ``cluster`` (n,) numbers clusters of at least two members 0, 1, ...
    """
    n = ev.n
    m = len(members)
    cluster = np.full(n, -1, np.int64)
    prob = np.zeros(n)
    vec = lk.sibship_vectors(ev, members, other)  # per group (m, Lg, G)
    if m < 2:
        return Sibships(cluster, prob, [v[:0] for v in vec], 0, members, vec)
    sums = [v.copy() for v in vec]
    logl = lk.cluster_loglik(ev, sums)
    single = logl.copy()
    label = np.arange(m)
    alive = np.ones(m, bool)
    gain = _pair_gain(ev, sums, logl, np.arange(m), np.arange(m))
    bad = np.eye(m, dtype=bool)
    if forbid is not None:
        bad |= forbid[np.ix_(members, members)]
    gain[bad] = -np.inf
    block = bad.copy()  # cluster-level forbidden merges
    for _ in range(m - 1):  # one merge per step, at most m - 1
        flat = int(np.argmax(gain))
        ia, ib = divmod(flat, m)
        if not np.isfinite(gain[ia, ib]) or gain[ia, ib] + log_odds <= 0:
            break
        for k in range(len(sums)):  # per locus group
            sums[k][ia] += sums[k][ib]
        alive[ib] = False
        label[label == ib] = ia
        block[ia] |= block[ib]
        block[:, ia] |= block[:, ib]
        logl[ia] = lk.cluster_loglik(ev, [s[ia:ia + 1] for s in sums])[0]
        gain[ib, :] = -np.inf
        gain[:, ib] = -np.inf
        idx = np.flatnonzero(alive)
        row = _pair_gain(ev, sums, logl, np.array([ia]), idx)[0]
        row[block[ia, idx] | (idx == ia)] = -np.inf
        gain[ia, idx] = row
        gain[idx, ia] = row
    # clusters of >= 2, numbered in order of their first member
    sizes = np.bincount(label, minlength=m)
    keep = [c for c in dict.fromkeys(label.tolist()) if sizes[c] >= 2]
    renum = {c: k for k, c in enumerate(keep)}
    out_sums = [s[keep] for s in sums]
    for i, c in enumerate(label):  # one member at a time (m)
        if c in renum:
            cluster[members[i]] = renum[c]
            loo = [s[c:c + 1] - v[i:i + 1] for s, v in zip(sums, vec, strict=True)]
            g = (logl[c] - lk.cluster_loglik(ev, loo)[0] - single[i])
            if relatives:  # or a relative of the dummy parent (GP / AV of the members)
                a = dummy_relative_loglik(ev, loo, members[i])
                lp = np.logaddexp(np.logaddexp(g + log_odds, a + log_odds), 0.0)
                prob[members[i]] = np.exp(g + log_odds - lp)
            else:
                prob[members[i]] = 1.0 / (1.0 + np.exp(-(g + log_odds)))
    return Sibships(cluster, prob, out_sums, len(keep), members, vec)


def dummy_relative_loglik(ev: lk.PedigreeEvidence, sums: list, o: int) -> float:
    """log LR (against unrelated) that animal o is a parent or a half sib of the dummy
    parent of a sibship (so grandparent, aunt or uncle of its members), the dummy's genotype
    given the members: ``prod_loci sum_g P(g | C) (k0 + k1 R1(o, g))`` averaged over
    parent (k1 = 1) and half sib (k0 = k1 = 1/2) of the dummy.

    Parameters
    ----------
    ev : PedigreeEvidence; sums : list per group of float arrays (1, Lg, G), the sibship's
        summed ``log v`` (:func:`leogen.pedigree.likelihood.cluster_loglik`); o : int.

    Returns
    -------
    float
    """
    tot_po, tot_hs = 0.0, 0.0
    for grp, acc in zip(ev.groups, sums, strict=True):  # groups of equal allele number
        lw = acc[0] + np.log(grp.prior)
        w = np.exp(lw - lw.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)  # P(g | C), (Lg, G)
        r1 = np.einsum("lh,lhg->lg", grp.post[o], grp.k1)  # R1 of o and a genotype g
        e1 = np.maximum((w * r1).sum(axis=1), _TINY_LR)
        tot_po += np.log(e1).sum()
        tot_hs += np.log(0.5 + 0.5 * e1).sum()
    return float(np.logaddexp(tot_po, tot_hs) - np.log(2.0))


def other_parent_transmission(ev: lk.PedigreeEvidence, animals: np.ndarray,
                              parent: np.ndarray, sib: Sibships | None = None) -> list:
    """Transmission of the other parent of ``animals``: the assigned sampled parent, else
    the dummy parent of the animal's sibship in ``sib`` estimated without the animal
    (leave-one-out), else the allele frequencies.

    Parameters
    ----------
    ev : PedigreeEvidence of n animals; animals : int array (m,).
    parent : int array (n,), assigned sampled parent of that role (-1 none).
    sib : Sibships of that role, optional.

    Returns
    -------
    list per locus group of float arrays (m, Lg, K).
    """
    animals = np.asarray(animals, np.int64)
    out = lk.parent_transmission(ev, parent[animals])
    if sib is None or sib.n_clusters == 0:
        return out
    pos = {int(a): k for k, a in enumerate(sib.members)}
    rows = np.array([k for k, a in enumerate(animals)
                     if parent[a] < 0 and sib.cluster[a] >= 0], dtype=np.int64)
    if rows.size == 0:
        return out
    mi = np.array([pos[int(animals[k])] for k in rows])
    c = sib.cluster[animals[rows]]
    loo = [s[c] - v[mi] for s, v in zip(sib.sums, sib.vec, strict=True)]
    dummy = lk.dummy_transmission(ev, loo)
    for t, d in zip(out, dummy, strict=True):  # per locus group
        t[rows] = d
    return out


def sibship_log_odds(share: np.ndarray) -> float:
    """Prior log odds that two animals share a parent of one role, from the EM class shares
    (FS plus half of HS/GP/AV), the prior of every merge of :func:`cluster_sibships`.

    Parameters
    ----------
    share : float array (4,), :func:`class_shares`.

    Returns
    -------
    float

    Examples
    --------
    >>> round(sibship_log_odds(np.array([0.03, 0.01, 0.08, 0.88])), 3)  # p = 0.05
    -2.944
    """
    p = float(np.clip(share[1] + 0.5 * share[2], 1e-3, 0.5))
    return float(np.log(p / (1 - p)))


def po_probability(par: Parentage, sire: np.ndarray, dam: np.ndarray) -> np.ndarray:
    """Probability that each pair is parent and offspring (either way, either role): the
    parent posteriors, 1 for assigned links.

    Parameters
    ----------
    par : Parentage of n animals; sire, dam : int arrays (n,), assigned parents (-1 none).

    Returns
    -------
    float array (n, n) in [0, 1], symmetric.
    """
    n = len(sire)
    po = par.sire_post[:, :n] + par.dam_post[:, :n]
    po = po + po.T
    rows = np.arange(n)
    for par_idx in (sire, dam):
        ok = par_idx >= 0
        po[rows[ok], par_idx[ok]] = po[par_idx[ok], rows[ok]] = 1.0
    return np.clip(po, 0.0, 1.0)


def not_sibs(sire: np.ndarray, dam: np.ndarray, par: Parentage | None = None,
             max_po: float = 0.5) -> np.ndarray:
    """Pairs that may not be sibs of one dummy parent: assigned parent and offspring, and
    pairs whose posterior of being parent and offspring (either way, either role) is at
    least ``max_po``.

    Parameters
    ----------
    sire, dam : int arrays (n,), assigned sampled parents (-1 none).
    par : Parentage of the n animals, optional.
    max_po : see above.

    Returns
    -------
    bool array (n, n), symmetric.
    """
    n = len(sire)
    forbid = np.zeros((n, n), bool)
    if par is not None:
        po = par.sire_post[:, :n] + par.dam_post[:, :n]
        forbid |= (po + po.T) >= max_po
    rows = np.arange(n)
    for par_idx in (sire, dam):
        ok = par_idx >= 0
        forbid[rows[ok], par_idx[ok]] = True
    return forbid | forbid.T


def full_sib_log_odds(share: np.ndarray) -> float:
    """Prior log odds that two animals sharing a parent of one role share the other too:
    FS against the half of HS/GP/AV that shares a parent of that role, from the EM class
    shares (the prior of :func:`sharing_probability` for the FS-or-HS question).

    Parameters
    ----------
    share : float array (4,), :func:`class_shares`.

    Returns
    -------
    float

    Examples
    --------
    >>> round(full_sib_log_odds(np.array([0.03, 0.01, 0.08, 0.88])), 3)  # 0.01 : 0.04
    -1.386
    """
    fs, hs = max(float(share[1]), 1e-4), max(0.5 * float(share[2]), 1e-4)
    return float(np.log(fs / hs))


def dummy_sibships(ev: lk.PedigreeEvidence, sire: np.ndarray, dam: np.ndarray,
                   log_odds: float, par: Parentage | None = None,
                   max_po: float = 0.5,
                   haplotypes: np.ndarray | None = None) -> tuple[Sibships, Sibships]:
    """Paternal then maternal dummy-parent sibships of the animals without an assigned
    sampled parent of that role (module docstring, 3). Sibs of one dummy parent are not
    parent and offspring of each other: assigned parent-offspring pairs, and pairs whose
    posterior of being parent and offspring (either way, either role) is at least
    ``max_po``, are never put in one sibship.

    Parameters
    ----------
    ev : PedigreeEvidence of n animals.
    sire, dam : int arrays (n,), assigned sampled parents (-1 none), :func:`map_parents`.
    log_odds : prior log odds of sharing a parent (:func:`sibship_log_odds`).
    par : Parentage of the n animals, optional (the parent-offspring posteriors).
    max_po : see above.
    haplotypes : str array (n,), the animals' mtDNA haplotypes ('' unknown), optional: two
        animals of different haplotypes are not put in one maternal sibship.

    Returns
    -------
    sire_sibships, dam_sibships : Sibships
    """
    forbid = not_sibs(sire, dam, par, max_po)
    mem = np.flatnonzero(sire < 0)
    sib_s = cluster_sibships(ev, mem, other_parent_transmission(ev, mem, dam), log_odds, forbid)
    mem = np.flatnonzero(dam < 0)
    forbid_d = forbid
    if haplotypes is not None and len(haplotypes):
        h = np.asarray(haplotypes, dtype=object)
        forbid_d = forbid | ((h[:, None] != h[None, :]) & (h != "")[:, None]
                             & (h != "")[None, :])
    sib_d = cluster_sibships(ev, mem, other_parent_transmission(ev, mem, sire, sib_s),
                             log_odds, forbid_d)
    return sib_s, sib_d


def unsampled_parent_loglik(ev: lk.PedigreeEvidence, sib: Sibships, other: list,
                            share_prob: float, cand_prior: np.ndarray | None = None,
                            theta: float = 0.5, po: np.ndarray | None = None,
                            chunk: int = 64) -> np.ndarray:
    """log LR that an animal's parent of one role is unsampled *and possibly the dummy
    parent of one of the sibships*, against an unsampled parent unrelated to the others.

    The unsampled parent of o is the dummy parent of sibship C with prior w each (``w =
    min(share_prob, 0.9 / c)`` over the c sibships), else a parent of nobody else. A sibship
    whose members all fit one sampled candidate p is not a sibship of an unsampled parent:
    its probability of an unsampled parent is
    ``q_C = theta / (theta + (1 - theta) sum_p a_pC LR(p | C))`` with the family likelihood
    ratio ``LR(p | C) = prod_loci sum_g pi_p(g) prod_{m in C} v_m(g) / L(C)`` (p's genotype
    in place of the dummy's, for the whole sibship jointly) and ``a_pC`` the geometric mean
    over the members of p's candidate prior (0 when p cannot be the parent of one of them).
    So::

        B_o = max(1, 1 + w sum_C q_C (L(C u {o}) / (L(C) L({o})) - 1))

    B is not let fall below 1: the sibships found are a fraction of the true ones (with a
    few microsatellites most half-sib families are not found), so not fitting any of them
    is no evidence against an unsampled parent (measured before the age part of
    :func:`joint_parentage`: without the floor 94.8% of the gene drop's links are right,
    with it 95.3%).

    Parameters
    ----------
    ev : PedigreeEvidence of n animals.
    sib : Sibships of the role (:func:`cluster_sibships`).
    other : list per locus group of float arrays (n, Lg, K), the transmission of every
        animal's other parent (:func:`other_parent_transmission` of all n animals).
    share_prob : prior probability that o shares the parent of a given sibship.
    cand_prior : float array (n, n), optional; ``[o, p]`` prior of p as o's parent of this
        role given that it was sampled (:func:`candidate_priors`); None: every sibship's
        parent is unsampled (``q_C = 1``).
    theta : prior probability that a parent of this role was not sampled.
    po : float array (n, n), optional, probability that each pair is parent and offspring
        (:func:`po_probability`): sibship C is o's with prior ``w prod_{m in C} (1 - po[o,
        m])`` (sibs of one dummy parent are not parent and offspring).
    chunk : animals per vectorised block (memory: chunk x c x Lg x G).

    Returns
    -------
    float array (n,), ``log B_o`` (0 when there is no sibship).
    """
    n = ev.n
    c = sib.n_clusters
    if c == 0:
        return np.zeros(n)
    w = min(float(share_prob), 0.9 / c)
    vec = lk.sibship_vectors(ev, np.arange(n), other)  # per group (n, Lg, G)
    pos = np.full(n, -1, np.int64)
    pos[sib.members] = np.arange(len(sib.members))
    gain = np.zeros((n, c))
    for a in range(0, n, chunk):  # blocks of animals, all sibships at once
        rows = np.arange(a, min(a + chunk, n))
        own = sib.cluster[rows]  # own sibship (-1 none): scored leave-one-out
        tot = np.zeros((len(rows), c))
        for grp, acc, v, mv in zip(ev.groups, sib.sums, vec, sib.vec, strict=True):
            lp = np.log(grp.prior)[None, None]
            base = np.broadcast_to(acc[None], (len(rows),) + acc.shape).copy()
            mine = np.flatnonzero(own >= 0)
            base[mine, own[mine]] -= mv[pos[rows[mine]]]
            joint = logsumexp(base + v[rows][:, None] + lp, axis=3).sum(axis=2)
            alone = logsumexp(base + lp, axis=3).sum(axis=2)
            single = logsumexp(v[rows] + lp[0], axis=2).sum(axis=1)
            tot += joint - alone - single[:, None]
        gain[rows] = tot
    if po is not None:  # o joins C only if no member is its parent or offspring
        member = np.zeros((n, c))
        rows_m = np.flatnonzero(sib.cluster >= 0)
        member[rows_m, sib.cluster[rows_m]] = 1.0
        gain = gain + np.log1p(-np.clip(po, 0.0, 1.0 - 1e-12)) @ member
    q = np.ones(c) if cand_prior is None else sibship_parent_posterior(ev, sib, cand_prior, theta)[0]
    # B = 1 + w sum_C q_C (e^gain - 1), in logs: (1 - w sum q) + w sum q e^gain
    top = np.maximum(gain.max(axis=1), 0.0)
    with np.errstate(invalid="ignore"):
        e = np.where(np.isfinite(gain), np.exp(gain - top[:, None]), 0.0)
    mix = (1 - w * q.sum()) * np.exp(-top) + w * (q[None] * e).sum(axis=1)
    return np.maximum(np.log(mix) + top, 0.0)


def sibship_parent_posterior(ev: lk.PedigreeEvidence, sib: Sibships, cand_prior: np.ndarray,
                     theta: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior of the parent of each whole sibship: unsampled (``q_C`` of
    :func:`unsampled_parent_loglik`) or one sampled candidate p, by the family likelihood
    ``LR(p | C) = prod_loci sum_g pi_p(g) prod_{m in C} v_m(g) / L(C)`` (Wang & Santure
    2009 Genetics 181:1579: a candidate tested on the sibship jointly, not per offspring).

    Parameters
    ----------
    ev : PedigreeEvidence of n animals; sib : Sibships (c sibships).
    cand_prior : float array (n, n), ``[o, p]`` (:func:`candidate_priors`); p's prior for
        the sibship is the geometric mean over its members (0 if 0 for one of them).
    theta : prior probability that the parent was not sampled.

    Returns
    -------
    q : float array (c,), P(unsampled); post : float array (n, c), P(p is C's parent).
    """
    n, c = ev.n, sib.n_clusters
    fam = np.zeros((n, c))
    for grp, acc in zip(ev.groups, sib.sums, strict=True):  # groups of equal allele number
        top = acc.max(axis=2, keepdims=True)
        e = np.exp(acc - top)
        fit = np.einsum("plg,clg->pcl", grp.post, e)
        dummy = np.einsum("lg,clg->cl", grp.prior, e)
        fam += (np.log(np.maximum(fit, 1e-300)) - np.log(dummy)[None]).sum(axis=2)
    member = np.zeros((c, n))
    rows = np.flatnonzero(sib.cluster >= 0)
    member[sib.cluster[rows], rows] = 1.0
    size = member.sum(axis=1)
    with np.errstate(divide="ignore"):
        lcp = np.log(np.maximum(cand_prior, 1e-300))  # [o, p]
    log_a = (member @ lcp).T / size[None]  # (n_p, c), geometric mean over the members
    log_a[(member @ (cand_prior <= 0)).T > 0] = -np.inf
    lw = np.log1p(-theta) + log_a + fam  # (n_p, c)
    top = np.maximum(lw.max(axis=0), np.log(theta))
    e = np.exp(lw - top[None])
    den = np.exp(np.log(theta) - top) + e.sum(axis=0)
    return np.exp(np.log(theta) - top) / den, e / den[None]


def joint_parentage(ev: lk.PedigreeEvidence, info: AnimalInfo, ages: AgeSettings = DEFAULT_AGES,
                    max_candidates: int = 6, min_probability: float = 0.7,
                    rounds: int = 2, pedigree_ages: bool = True) -> Parentage:
    """Parentage and sibships jointly: parentage (:func:`parentage`), the dummy-parent
    sibships of the animals left without a parent (:func:`dummy_sibships`), then parentage
    again with every "parent not sampled" hypothesis scored against those sibships
    (:func:`unsampled_parent_loglik`), ``rounds`` times.

    Parameters
    ----------
    ev : PedigreeEvidence of n animals; info : their AnimalInfo.
    ages, max_candidates : as :func:`parentage`.
    min_probability : posterior of an assigned parent (:func:`map_parents`).
    rounds : sibship-to-parentage rounds (0: :func:`parentage` alone).
    pedigree_ages : in each round the age prior is conditioned on the descendants in the
        pedigree so far (:func:`leogen.pedigree.priors.pedigree_age_prior`).

    Returns
    -------
    Parentage
    """
    pl = lk.pair_loglik(ev)
    par = parentage(ev, info, ages, max_candidates=max_candidates, pair_ll=pl)
    log_odds = sibship_log_odds(par.class_share)
    p_share = 1.0 / (1.0 + np.exp(-log_odds))
    n = ev.n
    _, _, ps, pd_ = candidate_priors(info, age_prior(info, ages).T)
    theta = par.theta  # the shares of unsampled parents stay those of the first round
    for _ in range(rounds):  # parentage <-> sibship rounds
        sire, dam, sire_p, dam_p = map_parents(par, min_probability)
        sib_s, sib_d = dummy_sibships(ev, sire, dam, log_odds, par,
                                      haplotypes=info.mt_haplotype)
        a_ped = (pedigree_age_prior(info, sire, dam, ages, np.where(sire >= 0, sire_p, 0.0),
                                    np.where(dam >= 0, dam_p, 0.0)) if pedigree_ages else None)
        if a_ped is not None:
            _, _, ps, pd_ = candidate_priors(info, a_ped.T)
        po = po_probability(par, sire, dam)
        b = np.stack([
            unsampled_parent_loglik(ev, sib_s, other_parent_transmission(ev, np.arange(n), dam),
                                    p_share, ps, theta[0], po),
            unsampled_parent_loglik(ev, sib_d,
                                    other_parent_transmission(ev, np.arange(n), sire, sib_s),
                                    p_share, pd_, theta[1], po)], axis=1)
        par = parentage(ev, info, ages, max_candidates=max_candidates, pair_ll=pl,
                        unsampled_ll=b, theta=theta, age=a_ped, share=par.class_share)
    return par


def sharing_probability(ev: lk.PedigreeEvidence, sib: Sibships, log_odds: float,
                        par: Parentage | None = None, role: int = 0,
                        assigned: np.ndarray | None = None) -> np.ndarray:
    """Probability that two animals have the same parent of one role, from the sibship
    clustering's partition (the FS-or-HS question of a pair whose parents of this role are
    not both assigned).

    Members of one sibship share its dummy parent with probability ``pi_i pi_j`` (their
    membership probabilities); members of two different units of the partition (sibships
    or animals left alone) share with the posterior of merging the two units,
    ``logistic(log L(A u B) - log L(A) - log L(B) + log_odds)`` (COLONY's sibship
    likelihood, Wang 2004 Genetics 166:1963, with each member's other parent given). An
    animal with an assigned sampled parent p and one without share it with the latter's
    posterior of p (``par``).

    Parameters
    ----------
    ev : PedigreeEvidence of n animals.
    sib : Sibships of the role, before members below the assignment threshold are removed.
    log_odds : prior log odds of sharing (:func:`sibship_log_odds`; for two animals that
        share the other parent, :func:`full_sib_log_odds`).
    par : Parentage, optional; role : 0 sire, 1 dam; assigned : int array (n,), assigned
        sampled parents of the role (-1 none), optional.

    Returns
    -------
    float array (n, n), symmetric, zero diagonal.
    """
    n = ev.n
    out = np.zeros((n, n))
    mem = sib.members
    if len(mem) >= 2 and sib.vec:
        pos = np.full(n, -1, np.int64)
        pos[mem] = np.arange(len(mem))
        clu = sib.cluster[mem]
        alone = np.flatnonzero(clu < 0)
        unit = np.where(clu >= 0, clu, sib.n_clusters + np.searchsorted(alone, np.arange(len(mem))))
        sums = [np.concatenate([acc, v[alone]]) for acc, v in zip(sib.sums, sib.vec, strict=True)]
        logl = lk.cluster_loglik(ev, sums)
        k = len(logl)
        gain = _pair_gain(ev, sums, logl, np.arange(k), np.arange(k))
        p_unit = 1.0 / (1.0 + np.exp(-np.clip(gain + log_odds, -700, 700)))
        pm = p_unit[np.ix_(unit, unit)]
        same = unit[:, None] == unit[None, :]
        pr = sib.prob[mem]
        pm = np.where(same, np.outer(pr, pr), pm)
        out[np.ix_(mem, mem)] = pm
    if par is not None and assigned is not None:
        post = (par.sire_post if role == 0 else par.dam_post)[:, :n]
        have = assigned >= 0
        cross = post[:, np.maximum(assigned, 0)] * have[None, :]  # [j, i] = P(j's parent = i's)
        cross = np.where(have[:, None], 0.0, cross)  # only for j without an assigned parent
        out = np.maximum(out, np.maximum(cross, cross.T))
    np.fill_diagonal(out, 0.0)
    return out


def relationship_probabilities(par: Parentage, sire: Sibships, dam: Sibships) -> np.ndarray:
    """Probabilities of PO, FS, HS, GP/AV, U for every pair (module docstring, 4).

    Parameters
    ----------
    par : Parentage of n animals; sire, dam : dummy sibships of each role.

    Returns
    -------
    float array (n, n, 5) in the order of :data:`REL_CLASSES`; rows sum to 1 off the
    diagonal.
    """
    n = par.sire_post.shape[0]
    s, d = par.sire_post[:, :n], par.dam_post[:, :n]
    po = s + d
    po = po + po.T
    share = []
    for post, sib in ((s, sire), (d, dam)):
        sh = post @ post.T
        c = sib.cluster
        same = (c[:, None] == c[None, :]) & (c[:, None] >= 0)
        sh = sh + np.where(same, np.minimum.outer(sib.prob, sib.prob), 0.0)
        share.append(np.clip(sh, 0.0, 1.0))
    fs = share[0] * share[1]
    hs = share[0] + share[1] - 2 * fs
    tot = po + fs + hs
    scale = np.where(tot > 1, 1.0 / np.maximum(tot, 1e-300), 1.0)
    po, fs, hs = po * scale, fs * scale, hs * scale
    rest = np.clip(1.0 - po - fs - hs, 0.0, 1.0)
    pi = par.class_share
    lh = np.log(pi[2]) + par.pair_ll[..., 2]
    lu = np.full_like(lh, np.log(pi[3]))
    q = 1.0 / (1.0 + np.exp(np.clip(lu - lh, -700, 700)))
    out = np.stack([po, fs, hs, rest * q, rest * (1 - q)], axis=-1)
    idx = np.arange(n)
    out[idx, idx] = np.nan
    return out


def configuration_sibships(probs: np.ndarray, sire: np.ndarray, dam: np.ndarray,
                           sire_p: np.ndarray, dam_p: np.ndarray,
                           same_sire: np.ndarray | None = None,
                           same_dam: np.ndarray | None = None) -> np.ndarray:
    """Full- and half-sib probabilities read off the reconstructed pedigree.

    Two animals share a sire (dam) when the pedigree gives them the same sampled or dummy
    sire, with probability ``p_i p_j`` (the two links' probabilities); they are FS when they
    share both parents and HS when they share one and their parents of the other role are
    both assigned and differ (Jones & Wang 2010: sibships are read off the best pedigree
    configuration, not off independent pair posteriors). When the other parent is unassigned
    for one of them, the shared-parent probability is split between FS and HS by the
    probability that the two share the other parent too, ``same_sire`` / ``same_dam``
    (:func:`sharing_probability`: the sibship partition), or without it in the ratio of
    ``probs`` (the marginal model). Pairs without a shared assigned parent are neither FS nor HS (their
    sibship evidence is what the clustering of dummy parents rejected). PO is kept; the rest
    is divided between GP/AV and U in the ratio of ``probs``.

    Parameters
    ----------
    probs : float array (n, n, 5), :func:`relationship_probabilities`.
    sire, dam : int arrays (N >= n,), parent rows of the pedigree (dummy parents included),
        -1 none; the first n rows are the genotyped animals.
    sire_p, dam_p : float arrays (N,), probability of each link (NaN none).
    same_sire, same_dam : float arrays (n, n), optional, :func:`sharing_probability`.

    Returns
    -------
    float array (n, n, 5), rows summing to 1 off the diagonal.

    Examples
    --------
    Animals 0 and 1 share sire 3 (links 0.9 and 0.8) and have different dams 4, 5 (links 1):
    HS with probability 0.72; animal 2 shares nothing with them:

    >>> p = np.full((3, 3, 5), 0.2)
    >>> out = configuration_sibships(p, np.array([3, 3, -1, -1, -1, -1]),
    ...                              np.array([4, 5, -1, -1, -1, -1]),
    ...                              np.array([0.9, 0.8, np.nan, np.nan, np.nan, np.nan]),
    ...                              np.array([1.0, 1.0, np.nan, np.nan, np.nan, np.nan]))
    >>> out[0, 1].round(3).tolist()  # PO 0.2 kept, FS 0, HS 0.72, rest split 1:1
    [0.2, 0.0, 0.72, 0.04, 0.04]
    >>> out[0, 2].round(3).tolist()
    [0.2, 0.0, 0.0, 0.4, 0.4]
    """
    n = probs.shape[0]
    s, d = np.asarray(sire)[:n], np.asarray(dam)[:n]
    ps = np.nan_to_num(np.asarray(sire_p, float)[:n])
    pd_ = np.nan_to_num(np.asarray(dam_p, float)[:n])

    def shared(par, p):
        same = (par[:, None] == par[None, :]) & (par[:, None] >= 0)
        return np.where(same, np.outer(p, p), 0.0)

    def differ(par):
        return (par[:, None] >= 0) & (par[None, :] >= 0) & (par[:, None] != par[None, :])

    sh_s, sh_d = shared(s, ps), shared(d, pd_)
    fs = sh_s * sh_d
    one_s, one_d = sh_s * (1 - sh_d), sh_d * (1 - sh_s)  # one shared, the other not
    hs = one_s * differ(d) + one_d * differ(s)
    sib = probs[..., 1] + probs[..., 2]
    q_fs = np.where(sib > 0, probs[..., 1] / np.where(sib > 0, sib, 1.0), 0.0)
    amb_s, amb_d = one_s * ~differ(d), one_d * ~differ(s)
    q_s = q_fs if same_dam is None else same_dam  # sire shared: is the dam too?
    q_d = q_fs if same_sire is None else same_sire
    fs = fs + amb_s * q_s + amb_d * q_d
    hs = hs + amb_s * (1 - q_s) + amb_d * (1 - q_d)
    po = probs[..., 0]
    tot = po + fs + hs
    scale = np.where(tot > 1, 1.0 / np.maximum(tot, 1e-300), 1.0)
    po, fs, hs = po * scale, fs * scale, hs * scale
    rest = np.clip(1.0 - po - fs - hs, 0.0, 1.0)
    gp = np.minimum(pedigree_grandparents(sire, dam, sire_p, dam_p)[:n, :n], rest)
    far = probs[..., 3] + probs[..., 4]
    q = np.where(far > 0, probs[..., 3] / np.where(far > 0, far, 1.0), 0.5)
    out = np.stack([po, fs, hs, gp + (rest - gp) * q, (rest - gp) * (1 - q)], axis=-1)
    idx = np.arange(n)
    out[idx, idx] = np.nan
    return out


def pedigree_grandparents(sire: np.ndarray, dam: np.ndarray, sire_p: np.ndarray,
                          dam_p: np.ndarray) -> np.ndarray:
    """Probability that each pair is grandparent and grandoffspring through the
    reconstructed pedigree: an animal's parent (sampled or dummy) and that parent's parent,
    the product of the two links' probabilities (the larger over the paths).

    Parameters
    ----------
    sire, dam : int arrays (N,), parent rows (-1 none); sire_p, dam_p : float arrays (N,),
        the links' probabilities (NaN none).

    Returns
    -------
    float array (N, N), symmetric.

    Examples
    --------
    Animal 0's sire is the dummy 2 (link 0.9), whose dam is animal 1 (0.8):

    >>> pedigree_grandparents(np.array([2, -1, -1]), np.array([-1, -1, 1]),
    ...                       np.array([0.9, np.nan, np.nan]),
    ...                       np.array([np.nan, np.nan, 0.8]))[0].round(2).tolist()
    [0.0, 0.72, 0.0]
    """
    sire, dam = np.asarray(sire, np.int64), np.asarray(dam, np.int64)
    n_all = len(sire)
    link_p = (np.nan_to_num(np.asarray(sire_p, float)), np.nan_to_num(np.asarray(dam_p, float)))
    out = np.zeros((n_all, n_all))
    for parent, p1 in zip((sire, dam), link_p, strict=True):  # the animal's parent
        o = np.flatnonzero(parent >= 0)
        mid = parent[o]
        for grand, p2 in zip((sire, dam), link_p, strict=True):  # and that parent's parent
            g = grand[mid]
            ok = g >= 0
            np.maximum.at(out, (o[ok], g[ok]), p1[o[ok]] * p2[mid[ok]])
    return np.maximum(out, out.T)


def dummy_parentage(ev: lk.PedigreeEvidence, info: AnimalInfo, par: Parentage,
                    sire: np.ndarray, dam: np.ndarray, sire_p: np.ndarray, dam_p: np.ndarray,
                    roles: np.ndarray, offspring: list, link_p: list, sums: list,
                    ages: AgeSettings = DEFAULT_AGES,
                    max_candidates: int = 6) -> tuple[np.ndarray, ...]:
    """Posterior sire and dam, among the sampled animals, of each dummy (unsampled) parent:
    the grandparents of its offspring (sequoia's parents of dummy individuals, Huisman 2017
    Mol Ecol Resour 17:1009).

    A dummy's genotype posterior is that of its offspring's shared parent,
    ``P(g) prod_o v_o(g)`` (:func:`leogen.pedigree.likelihood.with_dummy_animals`), so the
    parentage of :func:`parentage` applies to it unchanged: the trio ratio of a candidate
    pair (s, d) is the family likelihood ``sum_g P(g | s, d) prod_o v_o(g) / L(C)`` (a
    grandparent pair that cannot have transmitted one offspring's allele from the dummy is
    excluded as a parent pair is), each candidate's evidence is weighed against its being
    another relative of the dummy, with the class shares and the shares of unsampled
    parents of the genotyped animals (held). The dummy's birth year has no window of its
    own: the pedigree age prior (:func:`leogen.pedigree.priors.pedigree_age_prior`) bounds
    it by its offspring's, and no descendant of a dummy is its candidate. A genotyped
    animal without an assigned parent of the dummy's role may be the dummy's offspring
    instead (the reverse direction, with its age prior). And the dummy may not be
    unsampled at all: ``q``, the probability that no sampled candidate is the parent of
    the whole sibship (:func:`sibship_parent_posterior`), is returned beside.

    Parameters
    ----------
    ev : PedigreeEvidence of n genotyped animals; info : their AnimalInfo.
    par : Parentage of the n animals (class shares and shares of unsampled parents).
    sire, dam : int arrays (n,), assigned sampled parents (-1 none); sire_p, dam_p : float
        arrays (n,), their posteriors.
    roles : int array (c,), 0 a dummy sire, 1 a dummy dam.
    offspring : list of c int arrays, each dummy's offspring (genotyped animals without an
        assigned parent of its role).
    link_p : list of c float arrays, the probability of each of those links.
    sums : list (per locus group) of float arrays (c, Lg, G), each dummy's summed
        ``log v_o(g)`` over its offspring (:class:`Sibships` ``vec``).
    ages : AgeSettings; max_candidates : as :func:`parentage`.

    Returns
    -------
    sire_post, dam_post : float arrays (c, n + 1), ``[k, p]`` P(p is dummy k's sire / dam |
        the dummy is unsampled), the last column P(not sampled).
    q : float array (c,), P(the dummy is unsampled).
    """
    n, c = ev.n, len(roles)
    if c == 0:
        return np.zeros((0, n + 1)), np.zeros((0, n + 1)), np.zeros(0)
    ext = lk.with_dummy_animals(ev, np.array([f"_dummy{k}" for k in range(c)], object), sums)
    none = np.full(c, -1, np.int64)
    info_ext = AnimalInfo(
        ext.ids, np.concatenate([np.asarray(info.sex, object),
                                 np.where(np.asarray(roles) == 0, "M", "F")]).astype(str),
        np.concatenate([info.birth_lo, none]), np.concatenate([info.birth_hi, none]),
        np.concatenate([info.first_year, none]), np.concatenate([info.last_year, none]),
        np.concatenate([info.open_window, np.zeros(c, bool)]),
        np.concatenate([info.known_sire, none]), np.concatenate([info.known_dam, none]))
    if info_has_mt(info):  # a dummy dam carries her offspring's haplotype (one per sibship)
        h = np.asarray(info.mt_haplotype, dtype=object)
        dummy_h = np.full(c, "", dtype=object)
        for k in np.flatnonzero(np.asarray(roles) == 1):
            known = [x for x in h[offspring[k]] if x]
            dummy_h[k] = known[0] if known else ""
        info_ext = replace(info_ext, mt_haplotype=np.concatenate([h, dummy_h]))
    s_ext, d_ext = with_dummy_links(sire, dam, roles, offspring)
    sp, dp = with_dummy_links(np.where(sire >= 0, sire_p, 0.0), np.where(dam >= 0, dam_p, 0.0),
                              roles, offspring, link_p)
    a = pedigree_age_prior(info_ext, s_ext, d_ext, ages, sp, dp)  # [p, o]
    # a dummy may be the parent of a genotyped animal without a parent of its role (the
    # reverse direction of its own parentage), of no other
    a[n:][(roles == 0)[:, None] & (s_ext >= 0)[None]] = 0.0
    a[n:][(roles == 1)[:, None] & (d_ext >= 0)[None]] = 0.0
    a[n:, n:] = 0.0
    a[kin.ancestor_matrix(s_ext, d_ext)] = 0.0  # no animal is a parent of its ancestor
    post = parentage(ext, info_ext, ages, max_candidates=max_candidates,
                     pair_ll=lk.pair_loglik(ext), age=a, share=par.class_share,
                     theta=par.theta)
    cols = np.append(np.arange(n), n + c)
    q = np.ones(c)
    _, _, ps, pd_ = candidate_priors(info, age_prior(info, ages).T)
    for role, cand in ((0, ps), (1, pd_)):  # P(unsampled) of the sibships of each role
        rows = np.flatnonzero(np.asarray(roles) == role)
        if rows.size:
            cluster = np.full(n, -1, np.int64)
            for j, k in enumerate(rows):
                cluster[offspring[k]] = j
            sib = Sibships(cluster, np.zeros(n), [x[rows] for x in sums], len(rows),
                           np.zeros(0, np.int64), [])
            q[rows] = sibship_parent_posterior(ev, sib, cand, par.theta[role])[0]
    return post.sire_post[n:][:, cols], post.dam_post[n:][:, cols], q


def with_dummy_links(sire: np.ndarray, dam: np.ndarray, roles: np.ndarray, offspring: list,
                     values: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The n genotyped animals' parents with c dummy parents appended (rows n, n + 1, ...):
    each dummy the parent of its role of its offspring.

    Parameters
    ----------
    sire, dam : arrays (n,), parent rows (-1 none), or a per-link value (e.g. probabilities).
    roles : int array (c,), 0 a dummy sire, 1 a dummy dam; offspring : list of c int arrays.
    values : list of c float arrays, optional; with it, the offspring's links get these
        values instead of the dummies' rows (and the dummies' own entries are 0).

    Returns
    -------
    sire, dam : arrays (n + c,), the dummies' own parents unknown (-1; 0 with ``values``).

    Examples
    --------
    >>> with_dummy_links(np.array([-1, -1]), np.array([-1, 5]), np.array([0]), [np.array([0, 1])])
    (array([ 2,  2, -1]), array([-1,  5, -1]))
    """
    fill = -1 if values is None else 0
    out = [np.concatenate([np.asarray(x), np.full(len(roles), fill, np.asarray(x).dtype)])
           for x in (sire, dam)]
    n = len(sire)
    for k, (role, kids) in enumerate(zip(roles, offspring, strict=True)):
        out[role][kids] = n + k if values is None else values[k]
    return out[0], out[1]
