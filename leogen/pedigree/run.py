"""The pedigree stage: parentage, sibships, relationships, kinship and inbreeding, written.

:func:`reconstruct_pedigree` is the computation (no files); :func:`run` reads nothing either
but writes the stage's tables (:mod:`leogen.pedigree.outputs`) and hands the pedigree and its
kinship matrix to the genetic-management step (``management`` argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.model.genotypes import Genotypes
from leogen.pedigree import calibrate as cb
from leogen.pedigree import kinship as kin
from leogen.pedigree import likelihood as lk
from leogen.pedigree import outputs
from leogen.pedigree import reconstruct as rc
from leogen.pedigree.power import panel_table
from leogen.pedigree.priors import (
    DEFAULT_AGES,
    AgeSettings,
    AnimalInfo,
    age_prior,
    animal_info,
    birth_posterior,
    credible_years,
    parent_born_sampled,
)

#: error rates of one consensus call when no error-rate table is given
DEFAULT_ERROR = 0.005
#: order in which an error-rate table's bases are preferred
BASES = ("individual", "likelihood", "consensus", "reference")


@dataclass
class PedigreeResult:
    """The reconstructed pedigree.

    Attributes
    ----------
    ids : str array (N,), genotyped animals (first n) then dummy parents.
    sampled : bool array (N,).
    sire_idx, dam_idx : int arrays (N,), parent rows (-1 none) in ``ids``.
    kinship : float array (N, N), pedigree kinship (:func:`leogen.pedigree.kinship.kinship_matrix`).
    pedigree, relationships, inbreeding : the tables written (DataFrames).
    parentage : :class:`leogen.pedigree.reconstruct.Parentage` of the n genotyped animals.
    relationship_probs : float array (n, n, 5), :func:`leogen.pedigree.reconstruct.relationship_probabilities`.
    calibration : :class:`leogen.pedigree.calibrate.Calibration` applied (None: none).
    kinship_expected : float array (N, N), the average kinship matrix over the parents not
        assigned (:func:`leogen.pedigree.kinship.average_kinship_matrix`; None: not made).
    panel_power : the marker panel's exclusion power (:func:`leogen.pedigree.power.
        panel_table`; None until :func:`run` writes it).
    """

    ids: np.ndarray
    sampled: np.ndarray
    sire_idx: np.ndarray
    dam_idx: np.ndarray
    kinship: np.ndarray
    pedigree: pd.DataFrame
    relationships: pd.DataFrame
    inbreeding: pd.DataFrame
    parentage: rc.Parentage
    relationship_probs: np.ndarray
    calibration: cb.Calibration | None = None
    kinship_expected: np.ndarray | None = None
    panel_power: pd.DataFrame | None = None


def consensus_error_rates(table: pd.DataFrame, loci) -> tuple[np.ndarray, np.ndarray]:
    """Per-locus error rates of one consensus genotype from the per-replicate rates of the
    error-rate table (``locus, basis, ado_rate, fa_rate[, median_replicates]``).

    A consensus of r replicates is wrong by dropout when the same allele dropped out in all r
    (``2 (a / 2)^r``) and by a false allele when one was repeated (``r (r - 1) / 2 e^2``);
    each at least 1e-3 (scoring errors, mutations). The basis is the first of :data:`BASES`
    the table has; loci it lacks get :data:`DEFAULT_ERROR`.

    Parameters
    ----------
    table : DataFrame, rows of the error-rate table.
    loci : sequence (L,) of locus names.

    Returns
    -------
    ado, fa : float arrays (L,)

    Examples
    --------
    >>> t = pd.DataFrame({"locus": ["A", "B"], "basis": ["consensus"] * 2,
    ...                   "ado_rate": [0.2, 0.1], "fa_rate": [0.02, 0.05],
    ...                   "median_replicates": [3.0, 2.0]})
    >>> [v.round(4).tolist() for v in consensus_error_rates(t, ["A", "B", "C"])]
    [[0.002, 0.005, 0.005], [0.0012, 0.0025, 0.005]]
    """
    bases = [b for b in BASES if b in set(table["basis"])]
    ado = np.full(len(loci), DEFAULT_ERROR)
    fa = np.full(len(loci), DEFAULT_ERROR)
    if not bases:
        return ado, fa
    t = table[table["basis"] == bases[0]].drop_duplicates("locus").set_index("locus")
    r = (t["median_replicates"] if "median_replicates" in t else pd.Series(1.0, t.index))
    r = r.fillna(1.0).clip(lower=1.0)
    a_eff = (2 * (t["ado_rate"].fillna(DEFAULT_ERROR) / 2) ** r).clip(lower=1e-3)
    e = t["fa_rate"].fillna(DEFAULT_ERROR)
    f_eff = np.where(r >= 2, r * (r - 1) / 2 * e ** 2, e)
    f_eff = pd.Series(f_eff, t.index).clip(lower=1e-3)
    loci = pd.Index([str(x) for x in loci])
    have = loci.isin(t.index)
    ado[have] = a_eff.reindex(loci[have]).to_numpy()
    fa[have] = f_eff.reindex(loci[have]).to_numpy()
    return ado, fa


def reconstruct_pedigree(g: Genotypes, info: AnimalInfo, ages: AgeSettings = DEFAULT_AGES,
                         ado=DEFAULT_ERROR, fa=DEFAULT_ERROR, locus_error: float = 0.01,
                         min_probability: float = 0.7, max_candidates: int = 6,
                         sibships: bool = True, calibration_replicates: int = 0,
                         seed: int = 1, joint_rounds: int = 2,
                         dummy_parents: bool = True) -> PedigreeResult:
    """Parentage, dummy-parent sibships, relationships and kinship of genotyped animals
    (:mod:`leogen.pedigree.reconstruct`; docs/pedigree.md).

    Parameters
    ----------
    g : Genotypes, one genotype per animal (n, L, 2), microsatellites or SNPs, without the
        sex marker.
    info : AnimalInfo of the n animals (order of ``g.samples``).
    ages : AgeSettings.
    ado, fa : float or float arrays (L,), error rates of one call (:func:`consensus_error_rates`).
    locus_error : per-locus probability that a call says nothing (COLONY's error).
    min_probability : a parent (or a dummy sibship) is assigned when its posterior is at
        least this.
    max_candidates : candidates per sex in the joint parent hypotheses.
    sibships : cluster animals without a sampled parent into dummy-parent sibships.
    calibration_replicates : replicates of the parametric-bootstrap calibration of the
        parent posteriors (:mod:`leogen.pedigree.calibrate`; 0: posteriors as modelled).
    seed : random seed of the calibration.
    joint_rounds : rounds of sibship evidence fed back into parentage
        (:func:`leogen.pedigree.reconstruct.joint_parentage`; 0: parentage alone).
    dummy_parents : look for the sampled parents of dummy parents
        (:func:`leogen.pedigree.reconstruct.dummy_parentage`; with ``sibships``).

    Returns
    -------
    PedigreeResult
    """
    n = g.n_samples
    if n < 2:
        raise InputError(f"need at least 2 genotyped animals for a pedigree, found {n}")
    ev = lk.build_evidence(g, ado=ado, fa=fa, locus_error=locus_error)
    if not ev.groups:
        raise InputError("no polymorphic locus: a pedigree needs genotype information")
    par = rc.joint_parentage(ev, info, ages, max_candidates=max_candidates,
                             min_probability=min_probability, rounds=joint_rounds)
    calibration = None
    if calibration_replicates > 0:  # parametric-bootstrap calibration of the posteriors
        first = _assemble(g, ev, info, par, min_probability, sibships, ages,
                          max_candidates, dummy_parents)
        calibration = cb.bootstrap_calibration(
            g, info, par, first.sire_idx, first.dam_idx, ages, ado, fa, locus_error,
            max_candidates, n_replicates=calibration_replicates, seed=seed,
            min_probability=min_probability, joint_rounds=joint_rounds)
        par = cb.calibrated_parentage(par, calibration, info)
    res = _assemble(g, ev, info, par, min_probability, sibships, ages, max_candidates,
                    dummy_parents)
    res.calibration = calibration
    return res


#: probability of the birth-year interval written to pedigree.tsv
BIRTH_YEAR_LEVEL = 0.8


def _assemble(g: Genotypes, ev: lk.PedigreeEvidence, info: AnimalInfo, par: rc.Parentage,
              min_probability: float, sibships: bool, ages: AgeSettings = DEFAULT_AGES,
              max_candidates: int = 6, dummy_parents: bool = True) -> PedigreeResult:
    """Assignment, dummy-parent sibships, relationships, kinship and the tables from the
    parent posteriors ``par`` (:func:`reconstruct_pedigree` after its parentage step)."""
    n = g.n_samples
    sire, dam, sire_p, dam_p = rc.map_parents(par, min_probability)
    empty = rc.Sibships(np.full(n, -1), np.zeros(n), [], 0, np.zeros(0, np.int64), [])
    sib_s = sib_d = empty
    if sibships:
        sib_s, sib_d = rc.dummy_sibships(ev, sire, dam, rc.sibship_log_odds(par.class_share),
                                          par, haplotypes=info.mt_haplotype)
    probs = rc.relationship_probabilities(par, sib_s, sib_d)
    same = [None, None]
    if sibships:  # FS or HS of pairs with an unassigned parent: the sibship partition
        lo = rc.full_sib_log_odds(par.class_share)
        same = [rc.sharing_probability(ev, sib, lo, par, role, parents)
                for role, (sib, parents) in enumerate(((sib_s, sire), (sib_d, dam)))]
    for sib in (sib_s, sib_d):  # sibship members below the threshold are not assigned
        low = (sib.cluster >= 0) & (sib.prob < min_probability)
        sib.cluster = np.where(low, -1, sib.cluster)
        sib.prob = np.where(low, 0.0, sib.prob)

    # the dummy parents, one per sibship (their own parents looked for among the sampled)
    specs = []  # (role, offspring, link probabilities)
    for role, sib in enumerate((sib_s, sib_d)):
        for c in sorted(set(sib.cluster[sib.cluster >= 0].tolist())):
            kids = np.flatnonzero(sib.cluster == c)
            specs.append((role, kids, sib.prob[kids]))
    gp = _dummy_grandparents(ev, info, par, sire, dam, sire_p, dam_p, specs, (sib_s, sib_d),
                             ages, max_candidates, min_probability) if dummy_parents else None
    # the pedigree with dummy parents (their parents assigned where found)
    ids = list(g.samples)
    sampled = [True] * n
    sexes = list(info.sex)
    s_all, d_all = list(sire), list(dam)
    s_prob, d_prob = list(np.where(sire >= 0, sire_p, np.nan)), list(np.where(dam >= 0, dam_p,
                                                                              np.nan))
    s_dummy, d_dummy = [False] * n, [False] * n
    s_none, d_none = list(par.sire_post[:, n]), list(par.dam_post[:, n])
    counter = [0, 0]
    for k, (role, kids, link_p) in enumerate(specs):  # one row per dummy parent
        counter[role] += 1
        row = len(ids)
        ids.append(f"{'*M' if role == 0 else '*F'}{counter[role]:03d}")
        sampled.append(False)
        sexes.append("M" if role == 0 else "F")
        for side, (lst, prob, flag, none) in enumerate(((s_all, s_prob, s_dummy, s_none),
                                                        (d_all, d_prob, d_dummy, d_none))):
            found = gp is not None and gp[side][k] >= 0
            lst.append(int(gp[side][k]) if found else -1)
            prob.append(float(gp[2 + side][k]) if found else np.nan)
            flag.append(False)
            none.append(float(gp[4 + side][k, -1]) if gp is not None else np.nan)
        for o, qo in zip(kids, link_p, strict=True):  # its offspring
            (s_all if role == 0 else d_all)[o] = row
            (s_prob if role == 0 else d_prob)[o] = qo
            (s_dummy if role == 0 else d_dummy)[o] = True
    ids = np.asarray(ids, dtype=object)
    s_all, d_all = np.asarray(s_all, np.int64), np.asarray(d_all, np.int64)
    seed = founder_kinship(probs, len(ids))
    k = kin.kinship_matrix(s_all, d_all, seed)
    f = kin.inbreeding_coefficients(s_all, d_all, k)
    n_all = len(ids)
    dummy_posts = (gp[4], gp[5]) if gp is not None else (None, None)
    w_sire, w_dam = (parent_weights(post, parents, dummy_post)
                     for post, parents, dummy_post in ((par.sire_post, s_all, dummy_posts[0]),
                                                       (par.dam_post, d_all, dummy_posts[1])))
    # a genotyped animal without assigned parents keeps its candidates' weights; the
    # marker-based kinship counts for the chance that none of its parents is a candidate
    genotyped_founder = (np.arange(n_all) < n) & (s_all < 0) & (d_all < 0)
    founder_share = np.where(genotyped_founder, np.clip(
        (1.0 - w_sire.sum(axis=1)) * (1.0 - w_dam.sum(axis=1)), 0.0, 1.0), 0.0)
    k_average = kin.average_kinship_matrix(w_sire, w_dam, seed, founder_share)
    f_expected = kin.expected_inbreeding(k_average, w_sire[:n], w_dam[:n])
    # the birth year given the window, the detection history and the assigned links
    years, b_post = birth_posterior(info, sire, dam, ages, sire_p, dam_p)
    cohort = rc.candidate_priors(info, age_prior(info, ages).T)[2:]
    f_expected += unsampled_parent_inbreeding(
        ev, par, sire, dam, s_all, d_all, kinship=k_average[:n, :n], cohort=cohort,
        cohort_sampled=parent_born_sampled(years, b_post, info.sampled_years, ages))
    lo = np.concatenate([info.birth_lo, np.full(n_all - n, -1)])
    hi = np.concatenate([info.birth_hi, np.full(n_all - n, -1)])
    unknown_birth = (hi < 0)
    estimate = np.full((3, n_all), -1, np.int64)
    interval_mass = np.full(n_all, np.nan)
    if years.size:
        *point, mass = credible_years(years, b_post, BIRTH_YEAR_LEVEL)
        estimate[:, :n] = point
        interval_mass[:n] = np.where(unknown_birth[:n], np.nan, mass)
    ped = pd.DataFrame({
        "individual_id": ids,
        "sampled": np.asarray(sampled, bool),
        "sex": np.asarray(sexes, dtype=object),
        "birth_year_lo": pd.array(np.where(unknown_birth, 0, lo), dtype="Int64"),
        "birth_year_hi": pd.array(np.where(unknown_birth, 0, hi), dtype="Int64"),
        **{col: pd.array(np.where(unknown_birth, 0, est), dtype="Int64")
           for col, est in zip(("birth_year_estimate", "birth_year_80_lo", "birth_year_80_hi"),
                               estimate, strict=True)},
        "birth_year_80_probability": interval_mass,
        "sire": np.where(s_all >= 0, ids[np.maximum(s_all, 0)], None),
        "sire_probability": np.asarray(s_prob, float),
        "sire_dummy": pd.array(np.where((np.arange(n_all) < n) | (s_all >= 0), s_dummy, pd.NA),
                               dtype="boolean"),
        "sire_unsampled_probability": np.asarray(s_none, float),
        "dam": np.where(d_all >= 0, ids[np.maximum(d_all, 0)], None),
        "dam_probability": np.asarray(d_prob, float),
        "dam_dummy": pd.array(np.where((np.arange(n_all) < n) | (d_all >= 0), d_dummy, pd.NA),
                              dtype="boolean"),
        "dam_unsampled_probability": np.asarray(d_none, float),
    })
    ped.loc[unknown_birth, ["birth_year_lo", "birth_year_hi", "birth_year_estimate",
                            "birth_year_80_lo", "birth_year_80_hi"]] = pd.NA
    probs = rc.configuration_sibships(probs, s_all, d_all, np.asarray(s_prob, float),
                                      np.asarray(d_prob, float), *same)
    rel = _relationship_table(ids[:n], par, probs)
    depth = kin.generation_depth(s_all, d_all)
    inb = pd.DataFrame({
        "individual_id": ids[:n],
        "f_pedigree": f[:n],
        "f_pedigree_expected": f_expected,
        "n_parents": ((s_all >= 0).astype(int) + (d_all >= 0))[:n],
        "n_ancestor_generations": depth[:n],
    })
    return PedigreeResult(ids, np.asarray(sampled, bool), s_all, d_all, k, ped, rel, inb,
                          par, probs, kinship_expected=k_average)


def _dummy_grandparents(ev: lk.PedigreeEvidence, info: AnimalInfo, par: rc.Parentage, sire,
                        dam, sire_p, dam_p, specs: list, sibs: tuple, ages: AgeSettings,
                        max_candidates: int, min_probability: float) -> tuple:
    """The sampled parents of the dummy parents ``specs`` (role, offspring, link
    probabilities), by :func:`leogen.pedigree.reconstruct.dummy_parentage`, assigned as
    :func:`leogen.pedigree.reconstruct.map_parents` does: a link's probability (the
    candidate's posterior given that the dummy is unsampled, times the probability that it
    is) at least ``min_probability``, best first, never making an animal its own ancestor.

    Returns
    -------
    (sire, dam, sire_probability, dam_probability, sire_posterior, dam_posterior): int or
    float arrays (c,), the assigned parent (-1 none) and its probability; float arrays
    (c, n + 1), the posterior of each dummy's parent over the sampled animals given that the
    dummy is unsampled, the last column the probability that it was not sampled.
    """
    n, c = ev.n, len(specs)
    roles = np.array([sp[0] for sp in specs], np.int64)
    sums = []
    for gi in range(len(ev.groups)):  # per locus group: each dummy's summed log v
        rows = []
        for role, kids, _ in specs:
            sib = sibs[role]
            pos = np.searchsorted(sib.members, kids)  # members are sorted positions
            rows.append(sib.vec[gi][pos].sum(axis=0))
        sums.append(np.stack(rows) if rows else np.zeros((0,) + ev.groups[gi].post.shape[1:]))
    ps, pd_, q = rc.dummy_parentage(ev, info, par, sire, dam, sire_p, dam_p, roles,
                                    [sp[1] for sp in specs], [sp[2] for sp in specs], sums,
                                    ages, max_candidates)
    # the extended pedigree, to keep the links acyclic
    s_ext, d_ext = rc.with_dummy_links(sire, dam, roles, [sp[1] for sp in specs])
    out = [np.full(c, -1, np.int64), np.full(c, -1, np.int64)]
    prob = [np.full(c, np.nan), np.full(c, np.nan)]
    links = []
    for side, post in enumerate((ps, pd_)):
        best = np.argmax(post[:, :n], axis=1) if c else np.zeros(0, np.int64)
        p = post[np.arange(c), best] * q  # and the dummy is not a sampled animal
        links += [(p[k], side, n + k, best[k]) for k in np.flatnonzero(p >= min_probability)]
    for p, side, row, cand in rc.assign_best_first(links, s_ext, d_ext):
        out[side][row - n] = cand
        prob[side][row - n] = p
    return out[0], out[1], prob[0], prob[1], ps, pd_


def parent_weights(post: np.ndarray, parents: np.ndarray,
                   dummy_post: np.ndarray | None = None) -> np.ndarray:
    """Probability of each animal of the pedigree as the parent of one role of each animal,
    for :func:`leogen.pedigree.kinship.average_kinship_matrix`: the assigned parent (sampled
    or dummy) with weight 1, else the parent posterior over the sampled candidates (the
    probability that the parent was not sampled carries no kinship); for a dummy parent,
    the posterior of its own parent (:func:`leogen.pedigree.reconstruct.dummy_parentage`).

    Parameters
    ----------
    post : float array (n, n + 1), :class:`leogen.pedigree.reconstruct.Parentage` posterior
        of the n genotyped animals.
    parents : int array (N,), assigned parent rows of the pedigree's animals (genotyped,
        then dummy parents; -1 none).
    dummy_post : float array (N - n, n + 1), optional; the dummies' parent posteriors.

    Returns
    -------
    float array (N, N), ``[o, p]`` P(p is o's parent).

    Examples
    --------
    Animal 0's sire is 1 or 2 (0.3, 0.5; 0.2 unsampled); 1 is assigned 2:

    >>> post = np.array([[0.0, 0.3, 0.5, 0.2], [0.0, 0.0, 0.6, 0.4], [0.0, 0.0, 0.0, 1.0]])
    >>> parent_weights(post, np.array([-1, 2, -1])).tolist()
    [[0.0, 0.3, 0.5], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    n, n_all = post.shape[0], len(parents)
    w = np.zeros((n_all, n_all))
    w[:n, :n] = post[:, :n]
    if dummy_post is not None and n_all > n:
        w[n:, :n] = dummy_post[:, :n]
    have = np.flatnonzero(parents >= 0)
    w[have] = 0.0
    w[have, parents[have]] = 1.0
    return w


def unsampled_parent_inbreeding(ev: lk.PedigreeEvidence, par: rc.Parentage, sire: np.ndarray,
                                dam: np.ndarray, s_all: np.ndarray, d_all: np.ndarray,
                                kinship: np.ndarray | None = None,
                                cohort: tuple | None = None,
                                cohort_sampled: np.ndarray | None = None) -> np.ndarray:
    """The inbreeding an unsampled parent brings: for an animal o without a parent of one
    role (neither sampled nor dummy, or a dummy whose parents were not found), the
    probability that this parent was not sampled times its kinship with o's other parent:
    the assigned sampled one, or else each sampled candidate, weighted by its posterior.

    That kinship has two parts. (1) The pair's own evidence: the unsampled parent is a
    founder of the reconstructed pedigree whose genotype is partly known, the gamete o did
    not get from the other parent p, ``P(g) v_o(g)`` (a one-offspring sibship,
    :func:`leogen.pedigree.likelihood.sibship_vectors` and
    :func:`leogen.pedigree.likelihood.with_dummy_animals`). Its kinship with p is seeded as
    the founders' is (:func:`founder_kinship`, Method 8 of docs/pedigree.md): the expected
    kinship over the pair classes PO, FS, HS (with grandparents and avuncular pairs), U,
    ``1/4 (P(PO) + P(FS)) + 1/8 P(HS)``, with the EM class shares as the prior. Being
    relative to the genotyped animals' allele frequencies, it says how much more related
    than the average pair the two are. (2) With ``kinship`` and ``cohort``: the average
    kinship of p with the unsampled parent's cohort, the sampled animals that could have
    been o's parent of that role (by sex and age), from the pedigree: an unknown parent
    is taken as a random member of its cohort, as VanRaden (1992 J Dairy Sci 75:3136) and
    Aguilar & Misztal (2008 J Dairy Sci 91:1669) give an unknown parent the mean
    inbreeding of the animals born in its year; in a small population that is how related
    its mates are on average. The sampled animals stand for the cohort only if it was born
    while the study sampled, so this part is weighted by ``cohort_sampled``
    (:func:`leogen.pedigree.priors.parent_born_sampled`).
    Where neither parent is assigned, the chance that both were unsampled carries the mean
    kinship between the two cohorts (the second part alone: no gamete is known). A dummy
    parent whose own parents were not found is such an unsampled parent too (with
    certainty): both parts count for each of its offspring, the cohort's weighted down by
    Bayes' rule, since a dummy born in the sampled years would have had both its parents
    unsampled for them not to be found (``par.theta``, the shares of unsampled parents).
    F of o is the kinship of its parents (Malecot 1948), so this is the part of o's
    expected F that the pedigree, with kinship 0 for a parent not sampled, leaves out.

    Parameters
    ----------
    ev : PedigreeEvidence of n genotyped animals; par : their Parentage.
    sire, dam : int arrays (n,), assigned sampled parents (-1 none).
    s_all, d_all : int arrays (N,), assigned parents in the pedigree with dummies.
    kinship : float array (n, n), optional, the genotyped animals' kinship (the average
        kinship matrix).
    cohort : (sires, dams), float arrays (n, n), optional, ``[o, x]`` the weight of x in
        the cohort of o's sire / dam, rows summing to 1 or 0
        (:func:`leogen.pedigree.reconstruct.candidate_priors`).
    cohort_sampled : float array (n,), optional, the probability that o's parents' cohort
        was born in the sampled years (default 1).

    Returns
    -------
    float array (n,), 0 where both of o's parents are assigned (sampled, or dummies with
    an assigned parent).
    """
    n = ev.n
    posts = (par.sire_post, par.dam_post)
    roles, kids, mates, weights = [], [], [], []
    for role in (0, 1):
        assigned = (s_all if role == 0 else d_all)[:n]
        other_sampled = (dam if role == 0 else sire)
        other_any = (d_all if role == 0 else s_all)[:n]
        parent = np.maximum(assigned, 0)
        dummy_founder = (assigned >= n) & (s_all[parent] < 0) & (d_all[parent] < 0)
        for o in np.flatnonzero((assigned < 0) | dummy_founder):
            if other_sampled[o] >= 0:
                cand = [(other_sampled[o], 1.0)]
            elif other_any[o] < 0:  # every sampled candidate, by its posterior
                cand = [(c, posts[1 - role][o, c])
                        for c in np.flatnonzero(posts[1 - role][o, :n] > 0)]
            else:  # the other parent is a dummy
                continue
            for mate, w in cand:
                roles.append(role)
                kids.append(o)
                mates.append(mate)
                weights.append(w)
    out = np.zeros(n)
    if not kids:
        return out
    roles, kids, mates = (np.asarray(x, np.int64) for x in (roles, kids, mates))
    is_dummy = np.where(roles == 0, s_all[kids], d_all[kids]) >= n
    vec = lk.sibship_vectors(ev, kids, lk.parent_transmission(ev, mates))
    ext = lk.with_dummy_animals(ev, np.array([f"_unsampled{j}" for j in range(len(kids))],
                                             object), vec)
    pair = lk.pair_loglik(ext, (n + np.arange(len(kids)), mates))  # (c, 4)
    log_w = np.log(par.class_share)[None, :] + pair
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    phi = 0.25 * (w[:, 0] + w[:, 1]) + 0.125 * w[:, 2]
    if kinship is not None and cohort is not None:
        mean_kin = np.zeros(len(kids))  # of each mate with the kid's cohort of that role
        for role in (0, 1):
            at = np.flatnonzero(roles == role)
            rows, pos = np.unique(kids[at], return_inverse=True)
            mean_kin[at] = (cohort[role][rows] @ kinship)[pos, mates[at]]
        share = np.ones(len(kids)) if cohort_sampled is None else cohort_sampled[kids]
        # a dummy's parents were looked for and not found: by Bayes' rule its cohort was
        # born in the sampled years only if both its parents went unsampled (theta_s theta_d)
        both_unsampled = par.theta[0] * par.theta[1]
        share = np.where(is_dummy, share * both_unsampled
                         / np.maximum(share * both_unsampled + 1.0 - share, 1e-12), share)
        phi = phi + share * mean_kin
    unsampled = np.where(roles == 0, par.sire_post[kids, n], par.dam_post[kids, n])
    unsampled = np.where(is_dummy, 1.0, unsampled)  # the dummy is there, and not sampled
    np.add.at(out, kids, unsampled * np.asarray(weights) * phi)
    if kinship is not None and cohort is not None:  # both parents unsampled: two cohorts
        open_both = np.flatnonzero((s_all[:n] < 0) & (d_all[:n] < 0))
        share = 1.0 if cohort_sampled is None else cohort_sampled[open_both]
        between = ((cohort[0][open_both] @ kinship) * cohort[1][open_both]).sum(axis=1)
        out[open_both] += (par.sire_post[open_both, n] * par.dam_post[open_both, n] * share
                           * between)
    return out


def founder_kinship(probs: np.ndarray, n_all: int) -> np.ndarray:
    """Marker-based kinship of genotyped animals, to seed the pedigree kinship of the
    founders (animals without assigned parents), so that F is not 0 for every animal whose
    grandparents are unknown.

    The posterior expected kinship of each pair over the relationship classes,
    ``1/4 (P(PO) + P(FS)) + 1/8 (P(HS) + P(GP/AV))`` (U counts 0: allele frequencies are
    those of the genotyped animals), from :func:`leogen.pedigree.reconstruct.
    relationship_probabilities`; dummy parents (no genotypes) get 0.

    Parameters
    ----------
    probs : float array (n, n, 5), relationship probabilities of the genotyped animals.
    n_all : int, animals of the pedigree (genotyped first, then dummy parents).

    Returns
    -------
    float array (n_all, n_all), zero diagonal.

    Examples
    --------
    >>> p = np.zeros((2, 2, 5)); p[0, 1] = p[1, 0] = [0.0, 0.2, 0.4, 0.0, 0.4]
    >>> founder_kinship(p, 3)[0, 1].round(4).tolist()
    0.1
    """
    n = probs.shape[0]
    out = np.zeros((n_all, n_all))
    phi = 0.25 * (probs[..., 0] + probs[..., 1]) + 0.125 * (probs[..., 2] + probs[..., 3])
    out[:n, :n] = np.nan_to_num(phi)
    np.fill_diagonal(out, 0.0)
    return out


def _relationship_table(ids: np.ndarray, par: rc.Parentage, probs: np.ndarray) -> pd.DataFrame:
    n = len(ids)
    i, j = np.triu_indices(n, k=1)
    p = probs[i, j]
    best = np.argmax(p, axis=1)
    classes = np.asarray(rc.REL_CLASSES, dtype=object)
    s, d = par.sire_post[:, :n], par.dam_post[:, :n]
    i_parent = s[j, i] + d[j, i]  # P(i is j's parent)
    j_parent = s[i, j] + d[i, j]
    is_po = best == 0
    parent = np.where(i_parent >= j_parent, ids[i], ids[j])
    return pd.DataFrame({
        "id1": ids[i], "id2": ids[j], "relationship": classes[best],
        "probability": p[np.arange(len(i)), best],
        "p_po": p[:, 0], "p_fs": p[:, 1], "p_hs": p[:, 2], "p_gpav": p[:, 3], "p_u": p[:, 4],
        "parent": np.where(is_po, parent, None),
    })


def run(g: Genotypes, samples: pd.DataFrame, out_dir, links: pd.DataFrame | None = None,
        genetic_sex: np.ndarray | None = None, error_rates: pd.DataFrame | None = None,
        marker_inbreeding: pd.DataFrame | None = None, ages: AgeSettings = DEFAULT_AGES,
        locus_error: float = 0.01, min_probability: float = 0.7, max_candidates: int = 6,
        seed: int = 1, samples_path=None, links_path=None, genotypes_path=None,
        reference=None, relatedness_matrix=None, management_basis: str = "auto",
        gene_drop: int = 5000, pairs=None, captive_pedigree=None, captive_kinship=None,
        colony_bestconfig=None, calibration_replicates: int = 0,
        species: pd.DataFrame | None = None) -> PedigreeResult:
    """The pedigree stage: reconstruct, write ``pedigree.tsv``, ``relationships.tsv``,
    ``inbreeding.tsv``, ``kinship.tsv``, the genetic-management tables
    (``management_animals.tsv``, ``management_summary.tsv``, ``proposed_pairs.tsv`` when
    ``pairs`` is given), the drawn pedigree ``pedigree.png`` and, with
    ``colony_bestconfig``, the comparison with COLONY, to ``out_dir``.

    Parameters
    ----------
    g : Genotypes, one genotype per animal (n, L, 2), without the sex marker.
    samples : the sample sheet (:func:`leogen.io.sheets.read_samples`).
    out_dir : the pedigree results folder.
    links : ``sample_id, individual_id`` of identified samples (None: sample ids are animals).
    genetic_sex : str array (n,) from the sex marker, optional.
    error_rates : the error-rate table (``locus, basis, ado_rate, fa_rate[,
        median_replicates]``), optional (default rates :data:`DEFAULT_ERROR`).
    marker_inbreeding : the inbreeding stage's ``individuals.tsv`` (``individual_id`` and
        any of ``f_ritland, smlh, ir, hl``), optional, joined beside the pedigree F.
    ages : AgeSettings; locus_error, min_probability, max_candidates : as
        :func:`reconstruct_pedigree`.
    seed : random seed of the calibration and of ``management``.
    samples_path, links_path, genotypes_path : the input files, for messages.
    reference : path of a table with ``individual_id``: the reference (e.g. living)
        population of the management numbers; default every genotyped animal.
    relatedness_matrix : path of the relatedness stage's ``matrix_<estimator>.tsv``:
        molecular kinship (r / 2) for mean kinship when the pedigree is shallow.
    management_basis : ``auto``, ``pedigree`` or ``molecular``
        (:func:`leogen.pedigree.management.management_tables`).
    gene_drop : gene-drop replicates of the management numbers (0: none).
    pairs : path of a table ``id1, id2`` of proposed pairs: ``proposed_pairs.tsv``.
    captive_pedigree : path of a studbook ``individual_id, sire, dam`` joined for ``pairs``.
    captive_kinship : path of an ``id1, id2, kinship`` table for ``pairs``.
    colony_bestconfig : COLONY's ``*.BestConfig(_Ordered)`` or run prefix of the same
        animals: ``colony_pedigree.tsv`` and ``colony_comparison.tsv``.
    calibration_replicates : replicates of the parametric-bootstrap calibration of the
        parent posteriors (:mod:`leogen.pedigree.calibrate`; 0: none).
    species : the species stage's ``species.tsv`` (``sample_id, best_species,
        best_haplotype, status``), optional: mtDNA haplotypes, maternally inherited, as
        evidence on dams and maternal sibships
        (:func:`leogen.pedigree.priors.maternal_haplotype_loglik`).

    Returns
    -------
    PedigreeResult
    """
    from leogen.io.sheets import check_known_ids

    if links is not None:
        check_known_ids(links["sample_id"], samples["sample_id"], links_path, "sample_id",
                        links["_line"] if "_line" in links else None).raise_if_any()
        have = set(links["individual_id"])
        missing = [x for x in g.samples if x not in have]
        if missing:
            raise InputError(f"animal '{missing[0]}' of the genotypes has no sample in the "
                             "sample-to-animal table (expected the identify stage's "
                             "sample_individual.tsv of these genotypes)", links_path, None,
                             "individual_id")
    else:
        check_known_ids(g.samples, samples["sample_id"], genotypes_path,
                        "sample_id").raise_if_any()
    info = animal_info(g.samples, samples, links, genetic_sex, ages, samples_path, species)
    if error_rates is not None:
        ado, fa = consensus_error_rates(error_rates, g.loci)
    else:
        ado = fa = DEFAULT_ERROR
    res = reconstruct_pedigree(g, info, ages, ado, fa, locus_error, min_probability,
                               max_candidates, calibration_replicates=calibration_replicates,
                               seed=seed)
    out = Path(out_dir)
    inb = res.inbreeding
    if marker_inbreeding is not None:
        cols = [c for c in outputs.INBREEDING.optional_names if c in marker_inbreeding.columns]
        m = marker_inbreeding[["individual_id", *cols]].drop_duplicates("individual_id")
        inb = inb.merge(m, on="individual_id", how="left")
        res.inbreeding = inb
    outputs.PEDIGREE.write(res.pedigree, out / outputs.file_name(outputs.PEDIGREE))
    outputs.RELATIONSHIPS.write(res.relationships, out / outputs.file_name(outputs.RELATIONSHIPS))
    outputs.INBREEDING.write(inb, out / outputs.file_name(outputs.INBREEDING))
    rel = kin.relationship_matrix(res.sire_idx, res.dam_idx)
    kin_pairs = kin.kinship_pairs(res.ids, res.kinship, rel,
                                  subset=np.flatnonzero(res.sampled),
                                  expected=res.kinship_expected)
    outputs.KINSHIP.write(kin_pairs, out / outputs.file_name(outputs.KINSHIP))
    res.panel_power = panel_table(g)
    outputs.PANEL_POWER.write(res.panel_power, out / outputs.file_name(outputs.PANEL_POWER))
    write_management(res.pedigree, out, reference=reference,
                     relatedness_matrix=relatedness_matrix, basis=management_basis,
                     gene_drop=gene_drop, seed=seed, pairs=pairs,
                     captive_pedigree=captive_pedigree, captive_kinship=captive_kinship,
                     colony_bestconfig=colony_bestconfig)
    return res


def write_management(ped: pd.DataFrame, out: Path, reference=None, relatedness_matrix=None,
                     basis: str = "auto", gene_drop: int = 5000, seed: int = 1, pairs=None,
                     captive_pedigree=None, captive_kinship=None,
                     colony_bestconfig=None) -> None:
    """The genetic-management tables, the drawn pedigree and the COLONY comparison of a
    reconstructed pedigree (docs/pedigree-management.md).

    Parameters
    ----------
    ped : the pedigree table (:data:`leogen.pedigree.outputs.PEDIGREE`), dummy parents
        included.
    out : the pedigree results folder.
    reference, relatedness_matrix, basis, gene_drop, seed, pairs, captive_pedigree,
    captive_kinship, colony_bestconfig : as :func:`run` (``basis`` = ``management_basis``).

    Returns
    -------
    None
    """
    from leogen.io import colony
    from leogen.io.tables import read_delimited
    from leogen.pedigree import management as mg
    from leogen.pedigree import plots

    ids, s, d, dummy = mg.pedigree_table_indices(ped)
    mol = None
    if relatedness_matrix:
        mids, r = mg.read_relatedness_matrix(relatedness_matrix)
        mol = (mids, mg.molecular_kinship(r))
    ref = (None if reference is None else
           read_delimited(reference, ["individual_id"])["individual_id"].tolist())
    res = mg.management_tables(ids, s, d, ref, dummy=dummy, molecular=mol, basis=basis,
                               n_replicates=gene_drop, seed=seed, reference_path=reference)
    outputs.MANAGEMENT_ANIMALS.write(res.animals,
                                     out / outputs.file_name(outputs.MANAGEMENT_ANIMALS))
    outputs.MANAGEMENT_SUMMARY.write(res.summary,
                                     out / outputs.file_name(outputs.MANAGEMENT_SUMMARY))
    if pairs:
        tabs, paths = [ped[["individual_id", "sire", "dam"]]], [None]
        if captive_pedigree:
            tabs.append(read_delimited(captive_pedigree, ["individual_id", "sire", "dam"]))
            paths.append(captive_pedigree)
        src = [mg.pedigree_source(mg.merge_pedigrees(tabs, paths))]
        if captive_kinship:
            src.append(mg.kinship_table_source(
                read_delimited(captive_kinship, ["id1", "id2", "kinship"]),
                path=captive_kinship))
        if mol:
            src.append(mg.KinshipSource("molecular", *mol))
        pt = read_delimited(pairs, ["id1", "id2"])
        in_ref = res.animals["in_reference"].to_numpy(bool)
        outputs.PROPOSED_PAIRS.write(mg.proposed_pairs(pt, src, ids[in_ref], pairs),
                                     out / outputs.file_name(outputs.PROPOSED_PAIRS))
    # birth year drawn only where the window is one year (else placed by the generations)
    by = ped["birth_year_lo"].where(ped["birth_year_lo"] == ped["birth_year_hi"])
    plots.plot_pedigree(ids, s, d, out / "pedigree.png", sex=ped["sex"].to_numpy(),
                        birth_year=by.astype(float).to_numpy(), dummy=dummy,
                        sire_probability=ped["sire_probability"].to_numpy(float),
                        dam_probability=ped["dam_probability"].to_numpy(float))
    if colony_bestconfig:
        col, cmp = colony.compare_with_colony(ped, colony_bestconfig,
                                              sex=dict(zip(ids, ped["sex"], strict=True)))
        outputs.COLONY_PEDIGREE.write(col, out / outputs.file_name(outputs.COLONY_PEDIGREE))
        outputs.COLONY_COMPARISON.write(cmp,
                                        out / outputs.file_name(outputs.COLONY_COMPARISON))
