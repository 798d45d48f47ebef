"""Freedom from disease in a finite population with an imperfect test (hypergeometric
FreeCalc): RSurveillance's published example, a brute-force enumeration, and the perfect-test
limit."""

from __future__ import annotations

import math
from itertools import product

import pytest
from scipy import stats

from leogen.health import serology


def test_rsurveillance_n_freecalc_published_example():
    # RSurveillance n.freecalc(65, 0.95, c=1, se=0.95, sp=0.99, pstar=0.05, minSpH=0.9)[[1]]
    # (its documentation's example output): n 10, SeP 0.4411522, SpP 0.9043821
    sep = serology.sep_freecalc_finite(65, 10, 1, 0.05, 0.95, 0.99)[0]
    assert sep == pytest.approx(0.4411522, abs=5e-8)
    assert stats.binom.cdf(0, 10, 0.01) == pytest.approx(0.9043821, abs=5e-8)


def _sep_brute(N, n, c, pstar, se, sp):
    d = round(max(1, N * pstar))
    p_below = 0.0
    for y in range(0, min(d, n) + 1):
        h = math.comb(d, y) * math.comb(N - d, n - y) / math.comb(N, n)
        for tp, fp in product(range(y + 1), range(n - y + 1)):
            if tp + fp < c:
                p_below += (h * math.comb(y, tp) * se**tp * (1 - se)**(y - tp)
                            * math.comb(n - y, fp) * (1 - sp)**fp * sp**(n - y - fp))
    return 1 - p_below


@pytest.mark.parametrize("N,n,c,pstar,se,sp", [(30, 12, 2, 0.1, 0.9, 0.95),
                                               (20, 20, 1, 0.05, 0.8, 1.0),
                                               (50, 7, 3, 0.2, 0.7, 0.9)])
def test_sep_matches_enumeration(N, n, c, pstar, se, sp):
    assert serology.sep_freecalc_finite(N, n, c, pstar, se, sp)[0] == pytest.approx(
        _sep_brute(N, n, c, pstar, se, sp), abs=1e-12)


def test_smallest_n_and_cut_point():
    r = serology.n_freedom_freecalc(200, 0.05, 0.9, 0.98)
    n, c = r["n"], r["c"]
    assert r["sep"] >= 0.95 and r["spp"] >= 0.95
    assert r["sep"] == pytest.approx(_sep_brute(200, n, c, 0.05, 0.9, 0.98), abs=1e-10)
    c_prev = int(stats.binom.ppf(0.95, n - 1, 0.02)) + 1
    assert _sep_brute(200, n - 1, c_prev, 0.05, 0.9, 0.98) < 0.95  # n - 1 is not enough
    # a small population: even testing everyone cannot reach 95% with this test
    assert math.isnan(serology.n_freedom_freecalc(49, 0.1, 0.9, 0.96)["n"])
