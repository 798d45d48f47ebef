"""Parametric-bootstrap calibration of parent posteriors (leogen.pedigree.calibrate)."""

from __future__ import annotations

import numpy as np
import pytest
from pedigree.genedrop import evaluate, gene_drop
from pedigree.test_run import _cli, write_inputs

from leogen.model.genotypes import Genotypes
from leogen.pedigree import calibrate as cb
from leogen.pedigree import outputs
from leogen.pedigree import reconstruct as rc
from leogen.pedigree.run import run


def test_isotonic_map_pools_violators_and_shrinks():
    # bins of 10 links at 0.5, 0.7, 0.9 right 6, 4, 9 times: the first two pool to 0.5
    p = np.repeat([0.5, 0.7, 0.9], 10)
    right = np.concatenate([np.arange(10) < k for k in (6, 4, 9)])
    x, y = cb.isotonic_map(p, right, prior_weight=0.0, n_knots=3)
    assert x.tolist() == pytest.approx([0.5, 0.7, 0.9])
    assert y.tolist() == pytest.approx([0.5, 0.5, 0.9])
    # shrinkage: 10 links of 0.9, 5 right, 10 pseudo-links at 0.9 -> (5 + 9) / 20
    x, y = cb.isotonic_map(np.full(10, 0.9), np.arange(10) < 5, prior_weight=10.0, n_knots=1)
    assert y.tolist() == pytest.approx([0.7])
    assert [a.size for a in cb.isotonic_map(np.zeros(0), np.zeros(0, bool))] == [0, 0]


def test_calibration_is_monotone_and_never_raises():
    c = cb.Calibration(np.array([0.4, 0.6, 0.8, 0.95]), np.array([0.5, 0.5, 0.7, 0.99]), 50, 0)
    grid = np.linspace(0, 1, 101)
    q = c(grid)
    assert (q <= grid + 1e-12).all() and (np.diff(q) >= -1e-12).all() and (q >= 0).all()
    assert c(np.array([0.8]))[0] == pytest.approx(0.7)   # deficit 0.1 at the knot
    assert c(np.array([1.0]))[0] == pytest.approx(1.0)   # no deficit at the top knot
    assert (cb.Calibration(np.zeros(0), np.zeros(0), 0, 0)(grid) == grid).all()


def _trio_genotypes(n_loci=30, seed=3):
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, 4, (4, n_loci, 2))
    calls[2, :3] = -1  # missing calls are kept where the data have them
    return Genotypes(np.sort(calls, axis=2), ["s", "d", "o", "x"],
                     [f"L{j}" for j in range(n_loci)],
                     tuple(np.arange(4) * 2 + 100 for _ in range(n_loci)))


def test_simulate_down_is_mendelian_and_seeded():
    g = _trio_genotypes()
    # o = s x d; x and the parents are founders; no genotyping error
    sire = np.array([-1, -1, 0, -1])
    dam = np.array([-1, -1, 1, -1])
    sim = cb.simulate_down(g, sire, dam, 0, 0.0, 0.0, 0.0, np.random.default_rng(1))
    c = sim.calls
    typed = (c >= 0).all(axis=2)
    assert (typed == (g.calls >= 0).all(axis=2)).all()
    ok = typed[2] & typed[0] & typed[1]
    from_s = (c[2, :, :, None] == c[0, :, None, :]).any(axis=2)  # (L, 2): o's allele in s
    from_d = (c[2, :, :, None] == c[1, :, None, :]).any(axis=2)
    mendel = (from_s[:, 0] & from_d[:, 1]) | (from_s[:, 1] & from_d[:, 0])
    assert mendel[ok].all()
    again = cb.simulate_down(g, sire, dam, 0, 0.0, 0.0, 0.0, np.random.default_rng(1))
    assert (again.calls == c).all()
    # one hidden sire and dam (no generations): the founders are full sibs, so the
    # paternal alleles of the three founders come from two alleles per locus
    many = Genotypes(np.zeros((20, 5, 2), int), [f"a{k}" for k in range(20)],
                     [f"L{j}" for j in range(5)], tuple(np.arange(8) for _ in range(5)))
    many.calls[:] = np.random.default_rng(0).integers(0, 8, (20, 5, 2))
    none = np.full(20, -1)
    sib = cb.simulate_down(many, none, none, 1, 0.0, 0.0, 0.0, np.random.default_rng(2),
                           hidden_generations=0)
    distinct = np.array([len(np.unique(sib.calls[:, j])) for j in range(5)])
    assert (distinct <= 4).all()
    free = cb.simulate_down(many, none, none, 0, 0.0, 0.0, 0.0, np.random.default_rng(2))
    assert np.mean([len(np.unique(free.calls[:, j])) for j in range(5)]) > distinct.mean()


def test_sample_pedigree_follows_the_posterior_without_cycles():
    n = 3
    post = np.zeros((n, n + 1))
    post[:, n] = 1.0
    sp, dp = post.copy(), post.copy()
    # animal 1's sire is certainly 0, and 0's sire "is" 1: only the better link is kept
    sp[1] = [0.99, 0, 0, 0.01]
    sp[0] = [0, 0.98, 0, 0.02]
    par = rc.Parentage(sp, dp, (0.5, 0.5), np.full(4, 0.25), np.zeros((n, n, 4)))
    sire = np.array([-1, -1, 3, -1])  # animal 2 has the dummy sire row 3
    dam = np.full(4, -1)
    s, d = cb.sample_pedigree(par, sire, dam, np.random.default_rng(0))
    assert s.tolist() == [-1, 0, 3, -1] and (d == -1).all()


def test_run_with_calibration_lowers_only_and_is_deterministic(tmp_path):
    drop = gene_drop(3)
    raw = run(drop.g, drop.samples, tmp_path / "r", links=drop.links, genetic_sex=drop.sex,
              gene_drop=0)
    cal = run(drop.g, drop.samples, tmp_path / "c", links=drop.links, genetic_sex=drop.sex,
              gene_drop=0, calibration_replicates=3)
    assert cal.calibration is not None and cal.calibration.n_links > 50
    n = drop.g.n_samples
    for a, b in ((raw.parentage.sire_post, cal.parentage.sire_post),
                 (raw.parentage.dam_post, cal.parentage.dam_post)):
        assert (b[:, :n] <= a[:, :n] + 1e-12).all()
        assert np.allclose(b.sum(axis=1), 1.0)
    e = evaluate(cal.pedigree, cal.relationships, cal.inbreeding, drop.truth)
    assert e["assigned"] > 20 and e["right"] >= 0.9 * e["assigned"]
    geno, samples, links = write_inputs(tmp_path, drop)
    for out in ("a", "b"):
        assert _cli(geno, samples, links, tmp_path / out, "--calibration-replicates", "2",
                    "--gene-drop", "0") == 0
    name = outputs.file_name(outputs.PEDIGREE)
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_cli_rejects_negative_replicates(tmp_path):
    drop = gene_drop(2)
    geno, samples, links = write_inputs(tmp_path, drop)
    with pytest.raises(SystemExit) as exc:
        _cli(geno, samples, links, tmp_path / "o", "--calibration-replicates", "-1")
    assert exc.value.code == 2
