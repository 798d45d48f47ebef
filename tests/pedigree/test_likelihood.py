"""Pedigree likelihoods on hand-computed cases: pairs, trios, sibships of a dummy parent."""

from __future__ import annotations

import numpy as np
import pytest

from leogen.model.genotypes import Genotypes
from leogen.pedigree import likelihood as lk


def _genotypes(calls, n_alleles):
    calls = np.asarray(calls)
    ids = [f"a{i}" for i in range(calls.shape[0])]
    loci = [f"L{j}" for j in range(calls.shape[1])]
    return Genotypes(calls, ids, loci, tuple(np.arange(k) + 100 for k in n_alleles))


def _exact(g, freqs=None):
    """Evidence without genotyping error (posteriors are the calls)."""
    return lk.build_evidence(g, ado=1e-12, fa=1e-12, locus_error=0.0, frequencies=freqs)


def test_trio_by_hand_two_loci():
    # locus 0: alleles (0, 1, 2) with p = (0.5, 0.3, 0.2); locus 1: p = (0.6, 0.4)
    # offspring 0/1 | 0/1, sire 0/0 | 0/1, dam 1/2 | 1/1.
    # locus 0: t_s = (1, 0, 0), t_d = (0, .5, .5); only a/b = 0/1 fits: W(0,1) = 1/(2 .5 .3)
    #   LR0 = t_s(0) t_d(1) W(0,1) = 0.5 / 0.3 = 1.6667
    # locus 1: t_s = (.5, .5), t_d = (0, 1); offspring 0/1: W = 1 / (2 .6 .4) = 2.0833
    #   LR1 = t_s(0) t_d(1) W = 0.5 * 2.0833 = 1.04167
    freqs = np.array([[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]])
    g = _genotypes([[[0, 1], [0, 1]], [[0, 0], [0, 1]], [[1, 2], [1, 1]]], (3, 2))
    ev = _exact(g, freqs)
    ll = lk.trio_loglik(ev, np.array([0]), np.array([1]), np.array([2]))
    # (the identification stage floors allele frequencies: (p + 0.001) / (1 + 0.001 K))
    p0, p1 = 0.501 / 1.003, 0.301 / 1.003
    q0, q1 = 0.601 / 1.002, 0.401 / 1.002
    expected = (0.5 / (2 * p0 * p1)) * (0.5 / (2 * q0 * q1))
    assert expected == pytest.approx(1.6667 * 1.04167, rel=2e-3)
    assert np.exp(ll[0]) == pytest.approx(expected, rel=1e-5)  # error rates floored at 1e-6
    # a dam that cannot have transmitted allele 1 at locus 1 (0/0): excluded without error
    g2 = _genotypes([[[0, 1], [1, 1]], [[0, 0], [0, 1]], [[1, 2], [0, 0]]], (3, 2))
    # (rates are floored at 1e-6 per call, so "excluded" is a ratio of about 1e-5)
    assert np.exp(lk.trio_loglik(_exact(g2, freqs), [0], [1], [2])[0]) < 1e-4


def test_trio_with_unknown_parent_is_the_pair_ratio():
    rng = np.random.default_rng(4)
    calls = rng.integers(0, 4, (6, 5, 2))
    g = _genotypes(calls, (4,) * 5)
    ev = lk.build_evidence(g)
    pl = lk.pair_loglik(ev)
    o, s = np.array([0, 1, 2]), np.array([3, 4, 5])
    assert np.allclose(lk.trio_loglik(ev, o, s, np.full(3, -1)), pl[o, s, 0])
    assert np.allclose(lk.trio_loglik(ev, o, np.full(3, -1), s), pl[o, s, 0])
    assert np.allclose(pl[..., :3], pl.transpose(1, 0, 2)[..., :3])
    assert np.allclose(lk.pair_loglik(ev, (o, s)), pl[o, s])  # listed pairs only


def test_genotyping_error_softens_an_exclusion():
    # opposite homozygotes 0/0 and 1/1 cannot be parent and offspring without error
    g = _genotypes([[[0, 0]], [[1, 1]]], (2,))
    freqs = np.array([[0.5, 0.5]])
    assert lk.pair_loglik(_exact(g, freqs))[0, 1, 0] < -12
    soft = lk.pair_loglik(lk.build_evidence(g, ado=0.01, fa=0.01, locus_error=0.01,
                                            frequencies=freqs))[0, 1, 0]
    assert -12 < soft < -2


def test_sibship_of_a_dummy_parent_by_hand():
    # one locus p = (0.5, 0.5), two offspring 0/0, other parents unknown:
    # v(g) = 2 t_g(0): (2, 1, 0) for 0/0, 0/1, 1/1; L({o}) = .25*2 + .5*1 = 1;
    # L({o1, o2}) = .25*4 + .5*1 = 1.5 (= the half-sib ratio 1/2 + R1/2 with R1 = 2)
    g = _genotypes([[[0, 0]], [[0, 0]]], (2,))
    ev = _exact(g, np.array([[0.5, 0.5]]))
    other = lk.parent_transmission(ev, np.array([-1, -1]))
    vec = lk.sibship_vectors(ev, np.array([0, 1]), other)
    assert np.allclose(np.exp(vec[0][:, 0]), [[2.0, 1.0, 0.0]] * 2, atol=1e-5)
    assert np.exp(lk.cluster_loglik(ev, vec)).tolist() == pytest.approx([1.0, 1.0], rel=1e-5)
    both = [v.sum(axis=0, keepdims=True) for v in vec]
    assert np.exp(lk.cluster_loglik(ev, both))[0] == pytest.approx(1.5, rel=1e-5)
    assert np.exp(lk.pair_loglik(ev)[0, 1, 2]) == pytest.approx(1.5, rel=1e-5)
    # the dummy's genotype given both offspring: P(g) v^2 / 1.5 = (2/3, 1/3, 0)
    # -> transmits allele 0 with 2/3 + 1/3 * 1/2 = 5/6
    t = lk.dummy_transmission(ev, both)[0]
    assert t[0, 0].tolist() == pytest.approx([5 / 6, 1 / 6], rel=1e-4)



def test_dummy_parent_as_an_animal_by_hand():
    # the two 0/0 offspring of the case above share a dummy parent (posterior (2/3, 1/3, 0));
    # as an animal, its trio with s = 0/0 and d = 0/1 is the family likelihood ratio:
    # P(g | s, d) = (1/2, 1/2, 0), V(g) = v(g)^2 = (4, 1, 0), L(C) = 1.5:
    # (1/2 * 4 + 1/2 * 1) / 1.5 = 5/3
    g = _genotypes([[[0, 0]], [[0, 0]], [[0, 0]], [[0, 1]]], (2,))
    ev = _exact(g, np.array([[0.5, 0.5]]))
    vec = lk.sibship_vectors(ev, np.array([0, 1]), lk.parent_transmission(ev, np.array([-1, -1])))
    ext = lk.with_dummy_animals(ev, np.array(["*M001"]), [v.sum(axis=0, keepdims=True)
                                                          for v in vec])
    assert ext.n == 5 and ext.ids[-1] == "*M001"
    assert ext.groups[0].post[4, 0].tolist() == pytest.approx([2 / 3, 1 / 3, 0.0], abs=1e-5)
    assert np.exp(lk.trio_loglik(ext, np.array([4]), np.array([2]), np.array([3])))[0] \
        == pytest.approx(5 / 3, rel=1e-4)
    # the genotyped animals are unchanged
    assert np.array_equal(ext.groups[0].post[:4], ev.groups[0].post)


def test_snp_genotypes():
    rng = np.random.default_rng(2)
    calls = rng.integers(0, 2, (5, 40, 2))
    g = Genotypes(calls, [f"s{i}" for i in range(5)], [f"rs{j}" for j in range(40)],
                  tuple(np.array(["A", "G"]) for _ in range(40)))
    assert g.is_snp
    ev = lk.build_evidence(g)
    assert len(ev.groups) == 1 and ev.groups[0].post.shape == (5, 40, 3)
    pl = lk.pair_loglik(ev)
    assert np.isfinite(pl).all()
