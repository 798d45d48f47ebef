"""Parentage exclusion power of the panel: Jamieson & Taylor's formulae against an
enumeration of every genotype, CERVUS's published example, and the panel table."""

from __future__ import annotations

import numpy as np
import pytest

from leogen.model.genotypes import Genotypes
from leogen.pedigree.power import EXCLUSION, exclusion_probabilities, panel_table


def _enumerated(p):
    """Exclusion probabilities by summing over every parent, offspring and candidate
    genotype under Hardy-Weinberg proportions (independent of the closed forms)."""
    k = len(p)
    genotypes = [(i, j) for i in range(k) for j in range(i, k)]
    freq = {g: p[g[0]] ** 2 if g[0] == g[1] else 2 * p[g[0]] * p[g[1]] for g in genotypes}

    def offspring(a, b):
        out = {}
        for x in a:
            for y in b:
                g = tuple(sorted((x, y)))
                out[g] = out.get(g, 0.0) + 0.25
        return out

    first = second = pair = 0.0
    for m in genotypes:
        for f in genotypes:
            for o, p_o in offspring(m, f).items():
                w = freq[m] * freq[f] * p_o
                for c in genotypes:
                    first += w * freq[c] * (o[0] not in c and o[1] not in c)
                    second += w * freq[c] * (o not in offspring(m, c))
                    for c2 in genotypes:
                        pair += w * freq[c] * freq[c2] * (o not in offspring(c, c2))
    return first, second, pair


@pytest.mark.parametrize("p", [[0.5, 0.5], [0.2, 0.3, 0.5], [0.1, 0.2, 0.3, 0.4],
                               [0.05, 0.05, 0.1, 0.8]])
def test_exclusion_formulae_agree_with_enumeration(p):
    e = exclusion_probabilities(np.array([p]))
    got = [float(e[c][0]) for c in EXCLUSION]
    assert got == pytest.approx(_enumerated(p), abs=1e-12)


def test_cervus_published_locus():
    # CERVUS 2.0's allele-frequency summary of locus OSM1 (allele counts 1 2 2 1 1 2 4 3 4 2
    # in 11 animals): PIC 0.863, Excl(1) 0.598, Excl(2) 0.750
    counts = np.array([1, 2, 2, 1, 1, 2, 4, 3, 4, 2], float)
    e = exclusion_probabilities((counts / counts.sum())[None, :])
    assert round(float(e["pic"][0]), 3) == 0.863
    assert round(float(e["excl_first_parent"][0]), 3) == 0.598
    assert round(float(e["excl_second_parent"][0]), 3) == 0.750


def test_panel_table_combines_the_loci():
    # locus A: alleles 0/1 equally common; locus B: one allele (no power); locus C: untyped
    calls = np.array([[[0, 1], [0, 0], [-1, -1]], [[0, 0], [0, 0], [-1, -1]],
                      [[1, 1], [0, 0], [-1, -1]], [[0, 1], [-1, -1], [-1, -1]]])
    g = Genotypes(calls, ["a", "b", "c", "d"], ["A", "B", "C"],
                  (np.array([100, 102]), np.array([150]), np.array([200])))
    t = panel_table(g).set_index("locus")
    assert t.index.tolist() == ["A", "B", "C", "all"]
    assert t.loc["A", "excl_first_parent"] == pytest.approx(0.125)
    assert t.loc["B", "excl_first_parent"] == pytest.approx(0.0)
    assert np.isnan(t.loc["C", "excl_first_parent"])
    for col in EXCLUSION:  # 1 - prod(1 - P) over the loci with frequencies
        assert t.loc["all", col] == pytest.approx(1 - (1 - t.loc["A", col]) * (1 - t.loc["B", col]))
    assert t.loc["all", "n_typed"] == 4 and t.loc["all", "n_alleles"] == 3
    assert t.loc["A", "n_typed"] == 4 and t.loc["B", "n_typed"] == 3
