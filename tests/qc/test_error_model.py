"""The ML genotyping-error model (leogen.qc.error_model): hand-computed likelihood tables,
recovery of simulated rates, interval coverage and posterior calibration."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from leogen.model.genotypes import Replicates
from leogen.qc.error_model import (
    fit_error_model,
    genotype_pairs,
    genotype_posteriors,
    replicate_likelihood,
)


# ---------------------------------------------------------------------------- simulation
def simulate_replicates(seed, n=200, n_loci=10, n_reps=4, ado=0.2, fa=0.05, fail=0.1, groups=None,
             neighbour=False):
    """True genotypes under HWE, replicates with the competing-events model.
    ado/fa scalar or (n,) per sample. Returns reps, true (n, L, 2), realised dict."""
    rng = np.random.default_rng(seed)
    ado = np.broadcast_to(np.asarray(ado, float), (n,))[:, None, None]
    fa = np.broadcast_to(np.asarray(fa, float), (n,))[:, None, None]
    k = rng.integers(4, 9, n_loci)
    kmax = int(k.max()) + 2  # two extra alleles only ever seen as false
    freqs = np.zeros((n_loci, kmax))
    for j in range(n_loci):
        freqs[j, :k[j]] = rng.dirichlet(np.full(k[j], 2.0))
    u = rng.random((n, n_loci, 2))
    cdf = np.cumsum(freqs, axis=1)
    true = (u[..., None] > cdf[None, :, None, :]).sum(-1)
    true = np.sort(true, axis=-1)
    shape = (n, n_loci, n_reps)
    a = np.broadcast_to(true[:, :, None, 0], shape)
    b = np.broadcast_to(true[:, :, None, 1], shape)
    het = a != b
    r = rng.random((5,) + shape)
    drop = het & (r[0] < ado)
    false = ~drop & (r[0] >= np.where(het, ado, 0)) & (r[0] < np.where(het, ado, 0) + fa)
    keep_first = r[1] < 0.5
    c1 = np.where(drop, np.where(keep_first, a, b), a)
    c2 = np.where(drop, np.where(keep_first, a, b), b)
    # false allele: drawn from a uniform over the kmax labels, excluding the true ones
    kk = (a + 1 + (r[2] * (kmax - 1)).astype(int)) % kmax
    bad = (kk == a) | (kk == b)
    kk = np.where(bad, (np.maximum(a, b) + 1 + (r[3] * (kmax - 2)).astype(int)) % kmax, kk)
    bad = (kk == a) | (kk == b)
    kk = np.where(bad, (np.maximum(a, b) + 1) % kmax, kk)
    kk = np.where(bad & ((kk == a) | (kk == b)), (np.maximum(a, b) + 2) % kmax, kk)
    kept = np.where(het & keep_first, a, b)
    c1 = np.where(false, kept, c1)
    c2 = np.where(false, kk, c2)
    obs = np.sort(np.stack([c1, c2], -1), -1)
    failed = r[4] < fail
    obs[failed] = -1
    amp = ~failed
    in_true = (obs == a[..., None]) | (obs == b[..., None])
    n_het, n_drop = (het & amp).sum(), (drop & amp).sum()
    n_amp, n_false = amp.sum(), (amp & ~in_true.all(-1)).sum()
    realised = {"ado": n_drop / n_het, "fa": n_false / n_amp}
    reps = Replicates(obs, np.ones(shape, bool), [f"s{i}" for i in range(n)],
                      [f"L{j}" for j in range(n_loci)], tuple(np.arange(kmax) for _ in range(n_loci)))
    return reps, true, realised


# ---------------------------------------------------------------------------- the kernel
def test_table_hand_computed_three_alleles():
    # genotypes 0/0, 0/1, 0/2, 1/1, 1/2, 2/2; spectrum (0.5, 0.3, 0.2)
    s = np.array([0.5, 0.3, 0.2])
    t = replicate_likelihood(0.2, 0.1, s)
    assert genotype_pairs(3).tolist() == [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]
    # het 0/1: right 0.7, dropouts 0.1 each, false allele 2 replaces either copy (0.05 each)
    np.testing.assert_allclose(t[1], [0.1, 0.7, 0.05, 0.1, 0.05, 0.0], atol=1e-15)
    # hom 1/1: right 0.9, false 0 with 0.1 * 0.5 / 0.7, false 2 with 0.1 * 0.2 / 0.7
    np.testing.assert_allclose(t[3], [0, 0.1 * 5 / 7, 0, 0.9, 0.1 * 2 / 7, 0], atol=1e-15)
    # hom 0/0: false 1 with 0.1 * 0.3 / 0.5, false 2 with 0.1 * 0.2 / 0.5
    np.testing.assert_allclose(t[0], [0.9, 0.06, 0.04, 0, 0, 0], atol=1e-15)


def test_table_two_alleles_and_one_allele():
    t = replicate_likelihood(0.3, 0.1, np.array([0.5, 0.5]))
    # a heterozygote of a two-allele locus has no possible false allele
    np.testing.assert_allclose(t, [[0.9, 0.1, 0.0], [0.15, 0.7, 0.15], [0.0, 0.1, 0.9]])
    np.testing.assert_allclose(replicate_likelihood(0.3, 0.1, np.ones(1)), [[1.0]])


@pytest.mark.parametrize("k", [1, 2, 3, 5, 9])
def test_rows_sum_to_one(k):
    rng = np.random.default_rng(k)
    s = rng.dirichlet(np.ones(k))
    a = rng.uniform(0, 0.6, 7)
    e = rng.uniform(0, 0.4, 7)
    for junk in (0.0, 1e-3):
        t = replicate_likelihood(a, e, s, junk=junk)
        assert t.shape == (7, k * (k + 1) // 2, k * (k + 1) // 2)
        assert (t >= 0).all()
        np.testing.assert_allclose(t.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    # no error: identity
    np.testing.assert_array_equal(replicate_likelihood(0, 0, s), np.eye(k * (k + 1) // 2))


def test_posterior_hand_computed():
    # one locus, alleles 0/1 at 0.5: HWE prior (0.25, 0.5, 0.25); replicates 0/1, 0/0, 0/1
    calls = np.array([[[[0, 1], [0, 0], [0, 1]]]])
    reps = Replicates(calls, np.ones((1, 1, 3), bool), ["s1"], ["L1"], (np.array([100, 102]),))
    model = fit_error_model(reps, max_iter=1, intervals=False)
    model = replace(model, ado=np.array([[0.2]]), fa=np.array([[0.05]]), junk=0.0,
                    frequencies=(np.array([0.5, 0.5]),), spectrum=(np.array([0.5, 0.5]),))
    gp = genotype_posteriors(reps, model)
    t = replicate_likelihood(0.2, 0.05, np.array([0.5, 0.5]))
    lik = t[:, 1] * t[:, 0] * t[:, 1] * np.array([0.25, 0.5, 0.25])
    np.testing.assert_allclose(gp.posterior[0][0], lik / lik.sum(), atol=1e-15)
    assert gp.calls.calls[0, 0].tolist() == [0, 1]
    np.testing.assert_allclose(gp.probability[0, 0], (lik / lik.sum())[1])
    np.testing.assert_allclose(gp.loglik[0, 0], np.log(lik.sum()))
    assert gp.n_amplified[0, 0] == 3
    tab = gp.table()
    assert tab[["allele1", "allele2"]].iloc[0].tolist() == [100, 102]


# ---------------------------------------------------------------------------- recovery
@pytest.mark.parametrize("ado,fa", [(0.05, 0.01), (0.2, 0.05), (0.3, 0.05)])
def test_recovery_pooled_and_per_locus(ado, fa):
    reps, true, real = simulate_replicates(11, ado=ado, fa=fa)
    m = fit_error_model(reps, groups=np.repeat(["scat"], reps.n_samples), by="group")
    row = m.table.iloc[0]
    assert row["converged"] and row["basis"] == "likelihood"
    assert row["n_samples"] == 200 and row["n_replicates"] == (reps.calls[..., 0] >= 0).sum()
    assert abs(row["ado_rate"] / real["ado"] - 1) < 0.15
    assert abs(row["fa_rate"] / real["fa"] - 1) < 0.15
    assert row["ado_rate_lo"] < row["ado_rate"] < row["ado_rate_hi"]
    assert row["fa_rate_lo"] < row["fa_rate"] < row["fa_rate_hi"]
    np.testing.assert_allclose(row["ado_allele_rate"], row["ado_rate"] / (2 - row["ado_rate"]))
    per = fit_error_model(reps).table
    assert len(per) == 10 and (per["locus"] == reps.loci).all()
    assert abs(per["ado_rate"].mean() / real["ado"] - 1) < 0.15
    assert ((per["ado_rate_lo"] <= ado) & (ado <= per["ado_rate_hi"])).mean() >= 0.7


def test_groups_recover_their_own_rates():
    n = 300
    grp = np.where(np.arange(n) < 150, "good", "poor")
    ado = np.where(grp == "good", 0.05, 0.3)
    fa = np.where(grp == "good", 0.01, 0.05)
    reps, _, _ = simulate_replicates(3, n=n, ado=ado, fa=fa)
    t = fit_error_model(reps, groups=grp, by="group").table.set_index("group")
    for g, a, e in (("good", 0.05, 0.01), ("poor", 0.3, 0.05)):
        assert t.loc[g, "ado_rate_lo"] <= a <= t.loc[g, "ado_rate_hi"]
        assert t.loc[g, "fa_rate_lo"] <= e <= t.loc[g, "fa_rate_hi"]
    m = fit_error_model(reps, groups=grp)
    assert m.by == "group_locus" and m.ado.shape == (2, 10) and len(m.table) == 20
    assert m.table["ado_rate"][m.table["group"] == "poor"].mean() > 0.2


def test_posterior_calibration():
    reps, true, _ = simulate_replicates(5, ado=0.3, fa=0.05)
    m = fit_error_model(reps)
    gp = genotype_posteriors(reps, m)
    ok = (np.sort(gp.calls.calls, axis=-1) == true).all(axis=-1)
    sure = gp.probability >= 0.99
    assert sure.sum() > 1000
    assert ok[sure].mean() >= 0.99
    # posteriors are probabilities and the call is their mode
    for j, post in enumerate(gp.posterior):
        np.testing.assert_allclose(post.sum(axis=1), 1.0)
        np.testing.assert_allclose(post.max(axis=1), gp.probability[:, j])


def test_inputs_checked():
    reps, _, _ = simulate_replicates(1, n=20, n_loci=2)
    with pytest.raises(ValueError, match="by must be"):
        fit_error_model(reps, by="sample")
    with pytest.raises(ValueError, match="one label per sample"):
        fit_error_model(reps, groups=["a"])
    with pytest.raises(ValueError, match="unknown locus"):
        fit_error_model(reps, loci=["nope"])
    m = fit_error_model(reps, groups=np.repeat(["a", "b"], 10), by="group")
    with pytest.raises(ValueError, match="give the group"):
        genotype_posteriors(reps, m)


def test_failed_amplifications_carry_no_information():
    reps, _, _ = simulate_replicates(2, n=60, n_loci=3, fail=0.0)
    att = reps.attempted.copy()
    att[:, :, 3] = False  # drop the 4th replicate ...
    a = fit_error_model(Replicates(reps.calls, att, reps.samples, reps.loci, reps.alleles),
                        intervals=False)
    calls = reps.calls.copy()
    calls[:, :, 3] = -1  # ... or make it a failed amplification: same fit
    b = fit_error_model(Replicates(calls, reps.attempted, reps.samples, reps.loci,
                                   reps.alleles), intervals=False)
    np.testing.assert_allclose(a.table["ado_rate"], b.table["ado_rate"])
    np.testing.assert_allclose(a.table["loglik"], b.table["loglik"])


# ---------------------------------------------------------------------------- coverage
@pytest.mark.slow
@pytest.mark.parametrize("ado,fa", [(0.05, 0.01), (0.2, 0.05), (0.3, 0.05)])
def test_interval_coverage(ado, fa):
    """95% intervals cover the true rates in about 95% of 40 simulated data sets."""
    pooled, per_locus, rel = [], [], []
    for seed in range(40):
        reps, _, real = simulate_replicates(1000 + seed, ado=ado, fa=fa)
        t = fit_error_model(reps, groups=np.repeat(["x"], reps.n_samples), by="group").table
        pooled.append([t.ado_rate_lo[0] <= ado <= t.ado_rate_hi[0],
                       t.fa_rate_lo[0] <= fa <= t.fa_rate_hi[0]])
        rel.append([t.ado_rate[0] / real["ado"] - 1, t.fa_rate[0] / real["fa"] - 1])
        tl = fit_error_model(reps).table
        per_locus.append([((tl.ado_rate_lo <= ado) & (ado <= tl.ado_rate_hi)).mean(),
                          ((tl.fa_rate_lo <= fa) & (fa <= tl.fa_rate_hi)).mean()])
    # 40 runs: 95% coverage gives >= 35 covering with probability ~0.99
    assert (np.mean(pooled, axis=0) >= 0.85).all()
    assert (np.mean(per_locus, axis=0) >= 0.90).all()
    assert (np.abs(rel) < 0.15).all()


def test_reference_genotypes_as_known_genotypes():
    """With the true genotype of every sample given as a reference, the fit is close to the
    rates counted against the truth, and its expected counts match them."""
    reps, true, realised = simulate_replicates(21, n=150, ado=0.25, fa=0.04)
    free = fit_error_model(reps, groups=np.repeat("x", 150), by="group").table.iloc[0]
    known = fit_error_model(reps, groups=np.repeat("x", 150), by="group", reference=true,
                            reference_error=1e-6).table.iloc[0]
    for t in (free, known):
        assert abs(t["ado_rate"] / realised["ado"] - 1) < 0.1
        assert abs(t["fa_rate"] / realised["fa"] - 1) < 0.15
    # known genotypes: intervals narrower than without them
    assert known["ado_rate_hi"] - known["ado_rate_lo"] < free["ado_rate_hi"] - free["ado_rate_lo"]
    # expected counts in the table: dropouts / het amplifications ~ the realised ADO
    assert known["n_dropouts"] / known["n_het_amplifications"] == pytest.approx(
        realised["ado"], rel=0.05)
    with pytest.raises(ValueError, match="reference must be"):
        fit_error_model(reps, reference=true[:, :2])


# ------------------------------------------------------------------ stutter false alleles
def test_repeat_adjacency_and_stutter_table_by_hand():
    from leogen.qc.error_model import repeat_adjacency

    lab = [100, 102, 104, 110]  # repeat unit 2 bp: 100-102, 102-104 are neighbours
    adj = repeat_adjacency(lab)
    assert adj.astype(int).tolist() == [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    s = np.ones(4) / 4
    g = genotype_pairs(4).tolist()
    t = replicate_likelihood(0.2, 0.1, s, adjacent=adj, stutter=0.5)
    # hom 100/100: false allele replaces a 100 copy; stutter (1/2) -> 102 only, spectrum
    # (1/2) -> 102, 104, 110 with 1/3 each: 100/102 0.1 (0.5 + 0.5/3), others 0.1 * 0.5/3
    h = t[g.index([0, 0])]
    assert h[g.index([0, 0])] == pytest.approx(0.9)
    assert h[g.index([0, 1])] == pytest.approx(0.1 * (0.5 + 0.5 / 3))
    assert h[g.index([0, 2])] == pytest.approx(0.1 * 0.5 / 3)
    assert h[g.index([0, 3])] == pytest.approx(0.1 * 0.5 / 3)
    # het 102/104, stutter 1: replacing 104 (kept 102) has no neighbour outside the true
    # genotype -> spectrum over 100, 110 (1/2 each); replacing 102 (kept 104) -> 100
    t = replicate_likelihood(0.2, 0.1, s, adjacent=adj, stutter=1.0)
    r = t[g.index([1, 2])]
    assert r[g.index([1, 2])] == pytest.approx(0.7)
    assert r[g.index([1, 1])] == pytest.approx(0.1) and r[g.index([2, 2])] == pytest.approx(0.1)
    assert r[g.index([0, 1])] == pytest.approx(0.025)
    assert r[g.index([1, 3])] == pytest.approx(0.025)
    assert r[g.index([0, 2])] == pytest.approx(0.05)
    assert r[g.index([2, 3])] == 0.0
    for st in (0.0, 0.3, 1.0):  # rows sum to 1, for K = 1..7
        for k in range(1, 8):
            lab_k = 100 + 2 * np.arange(k)
            tk = replicate_likelihood(0.3, 0.05, np.ones(k) / k, junk=1e-6,
                                      adjacent=repeat_adjacency(lab_k), stutter=st)
            np.testing.assert_allclose(tk.sum(axis=-1), 1.0)


def _stutter_replicates(seed, share, n=200, ado=0.3, fa=0.05):
    """simulate_replicates, then a share of the false alleles moved to a free neighbour
    (label +-1) of the allele they replaced; returns reps, true, realised share."""
    reps, true, _ = simulate_replicates(seed, n=n, ado=ado, fa=fa)
    rng = np.random.default_rng(seed + 1000)
    obs = reps.calls.copy()
    kmax = len(reps.alleles[0])
    a = np.broadcast_to(true[:, :, None, 0], obs.shape[:3])
    b = np.broadcast_to(true[:, :, None, 1], obs.shape[:3])
    amp = obs[..., 0] >= 0
    in0 = (obs[..., 0] == a) | (obs[..., 0] == b)
    in1 = (obs[..., 1] == a) | (obs[..., 1] == b)
    false = amp & (in0 ^ in1)
    kept = np.where(in0, obs[..., 0], obs[..., 1])
    replaced = np.where(kept == a, b, a)  # the true allele not shown
    side = np.where(rng.random(obs.shape[:3]) < 0.5, -1, 1)
    nb = replaced + side
    bad = (nb < 0) | (nb >= kmax) | (nb == a) | (nb == b)
    nb = np.where(bad, replaced - side, nb)
    bad = (nb < 0) | (nb >= kmax) | (nb == a) | (nb == b)
    move = false & ~bad & (rng.random(obs.shape[:3]) < share)
    obs[..., 0] = np.where(move, np.minimum(kept, nb), obs[..., 0])
    obs[..., 1] = np.where(move, np.maximum(kept, nb), obs[..., 1])
    new_false = np.where(in0, obs[..., 1], obs[..., 0])
    is_nb = false & (np.abs(new_false - replaced) == 1)
    return replace(reps, calls=obs), true, is_nb.sum() / false.sum()


def test_stutter_share_recovered_and_calls_improve():
    reps, true, realised = _stutter_replicates(11, 0.9)
    fit = fit_error_model(reps, tol=1e-5, intervals=False)
    # estimated among false alleles whose replaced allele has a free neighbour: at least
    # the realised share of neighbours among all false alleles
    assert realised - 0.05 <= fit.stutter <= 1.0
    assert fit.stutter > 0.8
    off = fit_error_model(reps, tol=1e-5, intervals=False, stutter=0.0)
    assert off.stutter == 0.0

    def wrong(model):
        c = genotype_posteriors(reps, model).calls.calls
        ok = c[..., 0] >= 0
        return int((ok & (np.sort(c, -1) != true).any(-1)).sum())

    assert wrong(fit) < wrong(off)
    # no stutter in the data: the share stays small (only chance neighbours)
    reps0, _, realised0 = _stutter_replicates(12, 0.0)
    fit0 = fit_error_model(reps0, tol=1e-5, intervals=False)
    assert fit0.stutter < 0.3 < realised0 + 0.1
    with pytest.raises(ValueError, match="stutter"):
        fit_error_model(reps0, stutter=1.5)
