"""Recovery of the two-class latent mixture (``Model(n_classes=2)``, secr's ``h2``; Pledger
2000) on simulated data with two classes of animals (sex-like: class 2 ranges twice as wide
with a lower detection at the centre).

The design of tests/scr/test_recovery.py (30 scat-search cells, 8 cameras, linked animals);
centres as a Poisson process on the mask; each animal is of class 2 with probability 0.5.
Truth: the density, the realised number in the mask, the class-specific sigma and the mixing
proportion.
"""

from __future__ import annotations

import numpy as np
import pytest
from scr.two_class import D_KM2, SIGMA, design, simulate

from leogen.scr import fit as F
from leogen.scr import mask as mk

P2 = 0.5


@pytest.mark.slow
def test_two_class_mixture_recovery():
    cells, cams = design()
    mask = mk.make_mask(np.concatenate([cells, cams]), 4 * SIGMA[1], spacing=1500.0)
    model = F.Model({"scat": "hhn", "camera": "hn"}, n_classes=2)
    d_hat, d_cov, n_hat, n_true, s1, s2, pm = [], [], [], [], [], [], []
    for seed in range(24):
        sess, n, _ = simulate(2000 + seed, mask, cells, cams, P2)
        est = F.estimates(F.fit([sess], model)).set_index("parameter")
        d = est.loc["density_per_km2"]
        d_hat.append(d["estimate"])
        d_cov.append(d["lo"] <= D_KM2 <= d["hi"])
        n_hat.append(est.loc["n_hat", "estimate"])
        n_true.append(n)
        sa, sb = est.loc["sigma[1]", "estimate"], est.loc["sigma[2]", "estimate"]
        s1.append(min(sa, sb))
        s2.append(max(sa, sb))
        p2 = est.loc["pmix[2]", "estimate"]
        pm.append(p2 if sb >= sa else 1 - p2)     # share of the wide-ranging class
    bias_d = np.mean(d_hat) / D_KM2 - 1
    bias_n = np.mean(n_hat) / np.mean(n_true) - 1
    print(f"mixture: D bias {bias_d:+.3f} coverage {np.mean(d_cov):.2f}; N bias {bias_n:+.3f}; "
          f"sigma {np.median(s1):.0f} / {np.median(s2):.0f} m (true {SIGMA}); "
          f"share of the wide class median {np.median(pm):.2f} (true {P2})")
    assert abs(bias_d) < 0.10, bias_d
    assert abs(bias_n) < 0.10, bias_n
    assert np.mean(d_cov) >= 0.85, np.mean(d_cov)
    assert abs(np.median(s1) / SIGMA[0] - 1) < 0.15
    assert abs(np.median(s2) / SIGMA[1] - 1) < 0.15
    assert abs(np.median(pm) - P2) < 0.15
