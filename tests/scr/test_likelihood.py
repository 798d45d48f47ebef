"""SECR likelihood: hand-computed tiny cases and secr's demonstration data (captdata)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from leogen.scr import fit as F
from leogen.scr import likelihood as L
from leogen.scr import mask as mk
from leogen.scr import secrio

DATA = Path(__file__).resolve().parent / "data"

# 1 animal, 2 detectors, 3 mask points of 1 ha each; two occasions
DET = np.array([[0.0, 0.0], [100.0, 0.0]])
MASK = np.array([[0.0, 50.0], [50.0, 0.0], [150.0, 0.0]])
G0, SIGMA, D = 0.3, 60.0, 0.4


def _g(m, k):
    d2 = (MASK[m][0] - DET[k][0]) ** 2 + (MASK[m][1] - DET[k][1]) ** 2
    return G0 * math.exp(-d2 / (2 * SIGMA ** 2))


def _session(kind, y):
    s = L.DetectorSet(DET, kind, np.ones((2, 2)), np.asarray(y)[None])
    return L.Session([s], MASK, 1.0)


def _components(sess, detection="hn", g0=G0):
    link = {"detectors": np.array([math.log(g0)])}
    return sess.components(link, np.array([math.log(SIGMA)]), np.array([0.0]), detection)


def test_proximity_by_hand():
    # detected at detector 0 on occasion 1, at detector 1 on occasion 2
    y = [[1, 0], [0, 1]]
    pw, pdot = 0.0, 0.0
    for m in range(3):
        g0_, g1_ = _g(m, 0), _g(m, 1)
        pw += (g0_ * (1 - g1_)) * ((1 - g0_) * g1_)
        pdot += 1 - ((1 - g0_) * (1 - g1_)) ** 2
    cond, a, _ = _components(_session("proximity", y))
    assert cond == pytest.approx(math.log(pw) - math.log(pdot), rel=1e-10)
    assert a == pytest.approx(pdot, rel=1e-12)
    full = cond + L.poisson_n_term(1, D, a)
    assert full == pytest.approx(math.log(pw / pdot) + math.log(D * pdot) - D * pdot, rel=1e-10)


def test_count_by_hand():
    # Poisson counts with mean lambda(d) = lambda0 exp(-d^2 / 2 sigma^2) (hhn)
    y = [[2, 0], [0, 1]]
    pw, pdot = 0.0, 0.0
    for m in range(3):
        lam = [_g(m, 0), _g(m, 1)]
        p = 1.0
        for s in range(2):
            for k in range(2):
                p *= math.exp(-lam[k]) * lam[k] ** y[s][k] / math.factorial(y[s][k])
        pw += p
        pdot += 1 - math.exp(-2 * (lam[0] + lam[1]))
    cond, a, _ = _components(_session("count", y), "hhn")
    assert cond == pytest.approx(math.log(pw) - math.log(pdot), rel=1e-10)


def test_multi_catch_by_hand():
    # competing hazards h = -log(1 - g); caught at detector 1 on occasion 1, not on occasion 2
    y = [[0, 1], [0, 0]]
    pw, pdot = 0.0, 0.0
    for m in range(3):
        h = [-math.log(1 - _g(m, 0)), -math.log(1 - _g(m, 1))]
        big = h[0] + h[1]
        pw += (1 - math.exp(-big)) * h[1] / big * math.exp(-big)
        pdot += 1 - math.exp(-2 * big)
    cond, a, _ = _components(_session("multi", y))
    assert cond == pytest.approx(math.log(pw) - math.log(pdot), rel=1e-10)


def test_usage_scales_the_hazard():
    # usage 2 on one occasion = two occasions of usage 1 for a proximity detector's p.
    s1 = L.DetectorSet(DET, "proximity", np.array([[2.0], [2.0]]), np.array([[[1, 0]]]))
    s2 = L.DetectorSet(DET, "proximity", np.ones((2, 2)), np.array([[[1, 0], [0, 0]]]))
    a1 = _components(L.Session([s1], MASK, 1.0))[1]
    a2 = _components(L.Session([s2], MASK, 1.0))[1]
    assert a1 == pytest.approx(a2, rel=1e-12)


def test_far_mask_points_stay_finite():
    far = np.array([[1e6, 1e6], [0.0, 10.0]])
    s = L.DetectorSet(DET, "proximity", np.ones((2, 2)), np.array([[[1, 0], [0, 1]]]))
    cond, a, pdot = _components(L.Session([s], far, 1.0))
    assert np.isfinite(cond) and pdot[0] == 0.0 and a > 0


def _captdata():
    traps = secrio.read_traps(DATA / "captdata_trap.txt")
    rec = secrio.read_captures(DATA / "captdata_capt.txt", traps)
    animals, y = secrio.capture_array(rec, traps, "1", 5, "multi")
    mask = mk.make_mask(traps.xy, 100.0)
    s = L.DetectorSet(traps.xy, "multi", np.ones((100, 5)), y)
    return F.session_from_arrays([s], mask), animals, y


def test_captdata_loglik_matches_secr():
    # secr tests/testthat/test-initial.R ("correct likelihood (single session 'single')"):
    # secr.fit(captdata, buffer = 100, detectfn = 'HN', start = list(D = 5.4798,
    # g0 = 0.2732, sigma = 29.3658), details = list(LLonly = TRUE)) gives -759.02575
    sess, animals, y = _captdata()
    assert len(animals) == 76 and int(y.sum()) == 235
    cond, a, _ = sess.components(
        {"detectors": np.array([math.log(0.2732)])}, np.array([math.log(29.3658)]),
        np.array([0.0]), "hn")
    ll = cond + L.poisson_n_term(sess.n, 5.4798, a)
    assert ll == pytest.approx(-759.02575, abs=1e-4)


@pytest.mark.slow
def test_captdata_fit_reproduces_secr():
    # MLE of the null multi-catch half-normal model, buffer 100 m (secrdemo.0): D = 5.4798/ha,
    # g0 = 0.2732, sigma = 29.3658 m (the start values at the optimum in secr's
    # tests/testthat/test-initial.R, LL -759.02575); conditional likelihood derived D
    # (secrdemo.CL, tests/testthat/test-derived.R): 5.4798074, SE 0.6445541,
    # 95% CI 4.3549957-6.8951365
    sess, _, _ = _captdata()
    full = F.fit([sess])
    est = F.estimates(full).set_index("parameter")["estimate"]
    assert est["density_per_km2"] / 100 == pytest.approx(5.4798, rel=1e-3)
    assert est["g0[detectors]"] == pytest.approx(0.2732, rel=1e-3)
    assert est["sigma"] == pytest.approx(29.3658, rel=1e-3)
    assert full.loglik == pytest.approx(-759.02575, abs=1e-3)
    cl = F.estimates(F.fit([sess], F.Model(cl=True))).set_index("parameter")
    d = cl.loc["density_per_km2", ["estimate", "se", "lo", "hi"]].astype(float) / 100
    assert d["estimate"] == pytest.approx(5.4798074, rel=1e-3)
    assert d["se"] == pytest.approx(0.6445541, rel=1e-2)
    assert d["lo"] == pytest.approx(4.3549957, rel=1e-2)
    assert d["hi"] == pytest.approx(6.8951365, rel=1e-2)


def test_mixture_of_identical_classes_is_the_single_class_model():
    y = [[1, 0], [0, 1]]
    sess = _session("proximity", y)
    one = _components(sess)
    two = sess.components({"detectors": np.full(2, math.log(G0))},
                          np.full(2, math.log(SIGMA)), np.log([0.3, 0.7]), "hn")
    assert two[0] == pytest.approx(one[0], rel=1e-12)
    assert two[1] == pytest.approx(one[1], rel=1e-12)


def test_two_session_trend_is_a_reparameterisation():
    # with two sessions D_t = exp(b0 + b1 t) has as many parameters as one D per session:
    # the same maximum, and exp(b1) = D_2 / D_1
    from leogen.scr.simulate import draw_captures
    rng = np.random.default_rng(5)
    det = np.array([[x, y] for x in range(0, 300, 60) for y in range(0, 300, 60)], float)
    mask = mk.make_mask(det, 120.0, spacing=15.0)
    sessions = []
    for k, n in enumerate((40, 60)):
        c = rng.uniform(-120, 420, (n, 2))
        y = draw_captures(c, det, "proximity", 0.3, 30.0, np.ones((25, 4)), rng)
        seen = y.sum((1, 2)) > 0
        sessions.append(F.session_from_arrays(
            [L.DetectorSet(det, "proximity", np.ones((25, 4)), y[seen])], mask, str(k)))
    per = F.fit(sessions)
    tr = F.fit(sessions, F.Model(density="trend"))
    assert tr.loglik == pytest.approx(per.loglik, abs=1e-4)
    d = F.estimates(per).query("parameter == 'density_per_km2'")["estimate"].to_numpy()
    assert F.trend(tr)["lambda"] == pytest.approx(d[1] / d[0], rel=1e-3)
