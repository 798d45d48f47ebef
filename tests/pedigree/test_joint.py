"""Parentage and sibships jointly (leogen.pedigree.reconstruct, docs/pedigree.md Method 5-7):
the unsampled-parent likelihood from dummy sibships, a sibship's parent tested on the whole
sibship, the FS-or-HS probability from the partition, the relatives-of-the-dummy alternative,
and the pedigree-conditioned age prior. Families are built here by a few lines of Mendelian
transmission, independently of the code under test."""

from __future__ import annotations

import numpy as np
import pytest

from leogen.model.genotypes import Genotypes
from leogen.pedigree import likelihood as lk
from leogen.pedigree import reconstruct as rc
from leogen.pedigree.priors import AgeSettings, AnimalInfo, age_prior, pedigree_age_prior

N_LOCI, N_ALLELES = 40, 6


def _family(seed: int):
    """Founders: sire S, dams D1-D4, unrelated U, grandsire G (S's father, with a random
    mate). Offspring: O1, O2 of S x D1 (full sibs), O3 of S x D2, O4 of S x D3, O5 of
    S x D4 (paternal half sibs). Rows in that order; (genotypes (n, L, 2), the allele
    frequencies (L, K) the founders were drawn from)."""
    rng = np.random.default_rng(seed)
    freqs = rng.dirichlet(np.full(N_ALLELES, 2.0), N_LOCI)

    def founder():
        return np.stack([[rng.choice(N_ALLELES, p=f) for f in freqs] for _ in range(2)], 1)

    def child(s, d):
        pick = rng.integers(0, 2, (2, N_LOCI))
        return np.stack([s[np.arange(N_LOCI), pick[0]], d[np.arange(N_LOCI), pick[1]]], 1)

    g_ = founder()
    s = child(g_, founder())
    d1, d2, d3, d4, u = (founder() for _ in range(5))
    kids = [child(s, d1), child(s, d1), child(s, d2), child(s, d3), child(s, d4)]
    names = ["S", "D1", "D2", "D3", "D4", "U", "G", "O1", "O2", "O3", "O4", "O5"]
    calls = np.stack([s, d1, d2, d3, d4, u, g_, *kids])
    return names, (np.sort(calls, axis=2), freqs)


def _evidence(names, data, keep):
    calls, freqs = data
    idx = [names.index(x) for x in keep]
    g = Genotypes(calls[idx], keep, [f"L{j}" for j in range(N_LOCI)],
                  tuple(np.arange(N_ALLELES) + 100 for _ in range(N_LOCI)))
    return lk.build_evidence(g, ado=1e-4, fa=1e-4, locus_error=0.0, frequencies=freqs)


def _sibship(ev, members, log_odds=-2.0):
    n = ev.n
    mem = np.asarray(members)
    other = rc.other_parent_transmission(ev, mem, np.full(n, -1))
    return rc.cluster_sibships(ev, mem, other, log_odds)


def _info(n, sex):
    lo = np.full(n, 2000)
    hi = np.full(n, 2010)
    z = np.full(n, -1)
    return AnimalInfo(np.array([f"a{i}" for i in range(n)]), np.asarray(sex), lo, hi,
                      np.full(n, 2012), np.full(n, 2012), np.zeros(n, bool), z, z)


@pytest.mark.parametrize("seed", [1, 2])
def test_unsampled_parent_likelihood_rises_for_a_half_sib_of_a_sibship(seed):
    names, calls = _family(seed)
    keep = ["U", "O3", "O4", "O5", "O1"]  # S unsampled: O3-O5 a paternal sibship
    ev = _evidence(names, calls, keep)
    sib = _sibship(ev, [1, 2, 3])
    assert sib.n_clusters == 1 and (sib.cluster[1:4] == 0).all()
    other = lk.parent_transmission(ev, np.full(ev.n, -1))
    b = rc.unsampled_parent_loglik(ev, sib, other, share_prob=0.05)
    # O1 (a fourth paternal half sib, not clustered) fits the sibship's dummy sire: its
    # sire may well be unsampled (B ~ gain + log w with w = 0.05); U (unrelated) fits no
    # sibship and is never penalised
    assert b[4] > 1.0
    assert b[0] == 0.0
    assert (b >= 0).all()
    # no sibship: no evidence either way
    empty = rc.Sibships(np.full(ev.n, -1), np.zeros(ev.n), [], 0, np.zeros(0, np.int64), [])
    assert (rc.unsampled_parent_loglik(ev, empty, other, 0.05) == 0).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_sibship_whose_sampled_parent_fits_all_members_is_not_unsampled(seed):
    names, calls = _family(seed)
    keep = ["S", "U", "O3", "O4", "O5", "O1"]
    ev = _evidence(names, calls, keep)
    sib = _sibship(ev, [2, 3, 4])
    assert sib.n_clusters == 1
    sex = ["M", "M", "U", "U", "U", "U"]
    cand = rc.candidate_priors(_info(ev.n, sex), np.ones((ev.n, ev.n)) - np.eye(ev.n))[2]
    q, post = rc.sibship_parent_posterior(ev, sib, cand, theta=0.5)
    # S, sampled, is the parent of the whole sibship; U is not
    assert q[0] < 0.01
    assert post[0, 0] > 0.99 and post[1, 0] < 0.01
    other = lk.parent_transmission(ev, np.full(ev.n, -1))
    b = rc.unsampled_parent_loglik(ev, sib, other, 0.05, cand, 0.5)
    assert b[5] < 0.05  # O1's "unsampled sire" gains nothing: the sibship's sire is S
    # without S among the candidates the same sibship's parent is unsampled
    no_s = cand.copy()
    no_s[:, 0] = 0.0
    assert rc.sibship_parent_posterior(ev, sib, no_s, theta=0.5)[0][0] > 0.99


def test_sibs_of_one_dummy_parent_are_not_parent_and_offspring():
    sire, dam = np.array([-1, 0, -1]), np.array([-1, -1, -1])
    par = rc.Parentage(np.zeros((3, 4)), np.zeros((3, 4)), (0.5, 0.5), np.full(4, 0.25),
                       np.zeros((3, 3, 4)))
    par.dam_post[2, 0] = 0.6  # animal 0 probably animal 2's dam
    f = rc.not_sibs(sire, dam, par)
    assert f[0, 1] and f[1, 0] and f[0, 2] and f[2, 0] and not f[1, 2]
    po = rc.po_probability(par, sire, dam)
    assert po[0, 1] == 1.0 and po[0, 2] == pytest.approx(0.6) and po[1, 2] == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_full_or_half_sib_from_the_partition(seed):
    # S sampled and shared; O1, O2 full sibs (same unsampled dam), O3, O4 half sibs
    names, calls = _family(seed)
    keep = ["S", "O1", "O2", "O3", "O4"]
    ev = _evidence(names, calls, keep)
    n = ev.n
    sire = np.array([-1, 0, 0, 0, 0])
    mem = np.arange(1, 5)
    other = rc.other_parent_transmission(ev, mem, sire)
    sib_d = rc.cluster_sibships(ev, mem, other, rc.full_sib_log_odds(
        np.array([0.03, 0.01, 0.08, 0.88])))
    same = rc.sharing_probability(ev, sib_d, rc.full_sib_log_odds(
        np.array([0.03, 0.01, 0.08, 0.88])))
    assert same.shape == (n, n) and np.allclose(same, same.T)
    assert same[1, 2] > 0.5       # full sibs more probably share the dam than not
    assert same[3, 4] < 0.1       # half sibs do not
    assert same[1, 3] < 0.1


@pytest.mark.parametrize("keep", [["O3", "O4"], ["G", "O3"]])
def test_relatives_of_the_dummy_lower_a_pair_sibship(keep):
    # a pair sibship: half sibs O3, O4, or G and its grandson O3 (kinship 1/8 too, and the
    # same IBD sharing: genotypes cannot tell them apart). Without the relatives
    # alternative the pair's membership is the logistic of its gain; with it, the
    # grandparent-or-aunt reading takes a share.
    names, calls = _family(4)
    ev = _evidence(names, calls, keep)
    mem = np.array([0, 1])
    other = lk.parent_transmission(ev, np.full(2, -1))
    plain = rc.cluster_sibships(ev, mem, other, 2.0, relatives=False)
    joint = rc.cluster_sibships(ev, mem, other, 2.0, relatives=True)
    assert plain.n_clusters == joint.n_clusters == 1
    assert joint.prob[0] < plain.prob[0]
    assert 0 < joint.prob[0] < 1


def test_dummy_relative_loglik_by_hand():
    # one biallelic locus, p = (0.5, 0.5); the sibship's summed log v favours dummy
    # genotype 0/0 certainly; o is 0/0 (error-free). R1(o, g) for g = 0/0 is 1/p(0) = 2:
    # parent of the dummy LR 2, half sib 1/2 + 1/2 * 2 = 1.5; the average 1.75
    g = Genotypes(np.array([[[0, 0]], [[0, 1]]]), ["o", "x"], ["L1"], (np.array([1, 2]),))
    ev = lk.build_evidence(g, ado=1e-12, fa=1e-12, locus_error=0.0,
                           frequencies=np.array([[0.5, 0.5]]))
    sums = [np.array([[[0.0, -200.0, -200.0]]])]
    p0 = ev.groups[0].freqs[0, 0]
    r1 = 1.0 / p0  # the floored frequency (close to 1/2)
    expected = np.log((r1 + (0.5 + 0.5 * r1)) / 2)
    # (error rates are floored at 1e-6 per call)
    assert rc.dummy_relative_loglik(ev, sums, 0) == pytest.approx(expected, rel=1e-4)


def test_pedigree_age_prior_by_hand():
    # c born 2010; b 2005-2010; a 2000-2007 (uniform). a as b's parent: alone
    # (4 + 5 + 6 + 7 + 8 + 8) / 48; with b -> c sure: (4 + 5 + 6 + 7) / 32; with b -> c of
    # probability 1/2 the message is 1/2 M + 1/2 (b's weights 1, 1, 1, 1, 1/2, 1/2):
    # (22 + 4 + 4) / 40. The link b -> c itself, and c -> b, are not their own evidence.
    info = AnimalInfo(np.array(["a", "b", "c"]), np.array(["F", "M", "U"]),
                      np.array([2000, 2005, 2010]), np.array([2007, 2010, 2010]),
                      np.array([2012, 2012, 2012]), np.array([2012, 2012, 2012]),
                      np.zeros(3, bool), np.array([-1, -1, -1]), np.array([-1, -1, -1]))
    ages = AgeSettings(min_breeding_age=2, age_decay=1.0)
    none = np.full(3, -1)
    assert np.allclose(pedigree_age_prior(info, none, none, ages), age_prior(info, ages))
    sire = np.array([-1, -1, 1])
    a = pedigree_age_prior(info, sire, none, ages)
    base = age_prior(info, ages)
    assert a[0, 1] == pytest.approx(22 / 32)
    assert base[0, 1] == pytest.approx(38 / 48)
    assert a[1, 2] == pytest.approx(base[1, 2]) and a[2, 1] == pytest.approx(base[2, 1])
    half = pedigree_age_prior(info, sire, none, ages, sire_p=np.array([0, 0, 0.5]))
    assert half[0, 1] == pytest.approx(30 / 40)


def test_joint_parentage_rounds_zero_is_parentage():
    names, calls = _family(5)
    keep = ["S", "D1", "U", "O1", "O2", "O3"]
    ev = _evidence(names, calls, keep)
    info = _info(ev.n, ["M", "F", "M", "U", "U", "U"])
    a = rc.joint_parentage(ev, info, rounds=0)
    b = rc.parentage(ev, info)
    assert np.allclose(a.sire_post, b.sire_post) and np.allclose(a.dam_post, b.dam_post)
    j = rc.joint_parentage(ev, info, rounds=2)
    assert np.allclose(j.sire_post.sum(axis=1), 1.0)
    # S is the sire of O1-O3 and D1 the dam of O1, O2 in every version
    for post in (b, j):
        assert (np.argmax(post.sire_post[3:, :6], axis=1) == 0).all()
        assert (np.argmax(post.dam_post[3:5, :6], axis=1) == 1).all()


def _aged_info(keep, sex):
    """Birth windows that order the generations: G 1990-1992, the dams and U 1998-2002,
    S's offspring 2008-2010 (so G cannot be an offspring of S)."""
    born = {"G": (1990, 1992), "O": (2008, 2010)}
    lo = np.array([born.get(x, born.get(x[0], (1998, 2002)))[0] for x in keep])
    hi = np.array([born.get(x, born.get(x[0], (1998, 2002)))[1] for x in keep])
    z = np.full(len(keep), -1)
    return AnimalInfo(np.asarray(keep), np.asarray(sex), lo, hi, np.full(len(keep), 2012),
                      np.full(len(keep), 2012), np.zeros(len(keep), bool), z, z)


@pytest.mark.parametrize("seed", [1, 2])
def test_dummy_parent_gets_its_sampled_father(seed):
    # S is not sampled: his five offspring form a dummy sibship, and his father G is found
    # as the dummy's sire (even prior odds that a parent was sampled); with S sampled the
    # sibship's parent is S, and the dummy is not an unsampled animal (q ~ 0)
    from dataclasses import replace

    names, data = _family(seed)
    kid_names = ("O1", "O2", "O3", "O4", "O5")
    for sampled in (False, True):
        keep = [x for x in names if sampled or x != "S"]
        ev = _evidence(names, data, keep)
        sex = ["M" if x in ("S", "G", "U") else "F" if x.startswith("D") else "U"
               for x in keep]
        info = _aged_info(keep, sex)
        par = replace(rc.parentage(ev, info), theta=(0.5, 0.5))
        kids = np.array([keep.index(x) for x in kid_names])
        sib = _sibship(ev, kids)
        none = np.full(ev.n, -1)
        sums = [v[np.searchsorted(sib.members, kids)].sum(axis=0, keepdims=True)
                for v in sib.vec]
        sire_post, dam_post, q = rc.dummy_parentage(
            ev, info, par, none, none, np.zeros(ev.n), np.zeros(ev.n), np.array([0]),
            [kids], [np.ones(len(kids))], sums)
        assert sire_post.shape == dam_post.shape == (1, ev.n + 1)
        assert np.allclose(sire_post.sum(axis=1), 1.0)
        assert sire_post[0, kids].sum() == 0.0  # its offspring are never its parents
        if not sampled:
            assert sib.n_clusters == 1 and (sib.cluster[kids] == 0).all()
            assert sire_post[0, keep.index("G")] > 0.9, sire_post[0]
            assert q[0] > 0.9, q
        else:
            assert q[0] < 0.1, q


def test_grandparents_are_read_off_the_pedigree():
    # animal 0's sire is animal 1 (link 0.9), whose dam is animal 2 (0.8): 0 and 2 are
    # GP/AV with probability >= 0.72, taken from U; without the link they split by likelihood
    p = np.zeros((3, 3, 5))
    p[..., 3], p[..., 4] = 0.1, 0.9
    sire, dam = np.array([1, -1, -1]), np.array([-1, 2, -1])
    sp, dp = np.array([0.9, np.nan, np.nan]), np.array([np.nan, 0.8, np.nan])
    out = rc.configuration_sibships(p, sire, dam, sp, dp)
    assert out[0, 2, 3] == pytest.approx(0.72 + 0.28 * 0.1)
    assert out[0, 2].sum() == pytest.approx(1.0)
    assert out[2, 0, 3] == pytest.approx(out[0, 2, 3])
    none = rc.configuration_sibships(p, np.full(3, -1), np.full(3, -1), np.full(3, np.nan),
                                     np.full(3, np.nan))
    assert none[0, 2, 3] == pytest.approx(0.1)


def test_different_mtdna_haplotypes_are_no_maternal_sibship():
    # full sibs O1, O2 (parents unsampled) among unrelated animals: one paternal and one
    # maternal sibship; with different mtDNA haplotypes they cannot share a mother, and
    # still share a father
    names, data = _family(3)
    keep = ["O1", "O2", "U", "D2", "D3", "G"]
    ev = _evidence(names, data, keep)
    none = np.full(len(keep), -1)
    sib_s, sib_d = rc.dummy_sibships(ev, none, none, -2.0)
    assert sib_s.cluster[0] >= 0 and sib_s.cluster[0] == sib_s.cluster[1]
    assert sib_d.cluster[0] >= 0 and sib_d.cluster[0] == sib_d.cluster[1]
    hap = np.array(["H1", "H2", "", "", "", ""], dtype=object)
    sib_s, sib_d = rc.dummy_sibships(ev, none, none, -2.0, haplotypes=hap)
    assert sib_s.cluster[0] >= 0 and sib_s.cluster[0] == sib_s.cluster[1]
    assert sib_d.cluster[0] < 0 or sib_d.cluster[0] != sib_d.cluster[1]
