"""Recovery of simulated truth: density and N bias within 5%, 95% interval coverage >= 90%.

Sizes like the bundled example: ~30-60 animals in the mask, 30 scat-search cells (count
detectors, effort in km, 4 searches a year) and 8 camera stations (proximity, 12 monthly
occasions), animals linked across the two sources (one activity centre); half-normal
detection, sigma 2 km. Activity centres are drawn as a Poisson process on the mask itself, so
the truth is the model's density and the realised number of centres in the mask.
"""

from __future__ import annotations

import numpy as np
import pytest

from leogen.scr import fit as F
from leogen.scr import mask as mk
from leogen.scr.likelihood import DetectorSet, Session
from leogen.scr.simulate import draw_captures

SIGMA = 2000.0
D_KM2 = 0.07          # animals per km^2 -> ~57 in the 810 km^2 mask
G0_CAM = 0.3          # per month of full operation
LAMBDA0_SCAT = 0.5    # scats per km searched at distance 0


def _design(rng):
    gx, gy = np.meshgrid(np.arange(6) * 3000.0, np.arange(5) * 3000.0)
    cells = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0, 300, (30, 2))
    cx, cy = np.meshgrid(np.linspace(2000, 13000, 4), [3000.0, 9000.0])
    cams = np.column_stack([cx.ravel(), cy.ravel()])
    return cells, cams


def simulate(seed, mask, cells, cams):
    """One replicate: (Session, true N in the mask)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(D_KM2 * mask.area_km2)
    pick = rng.integers(0, len(mask.xy), n)
    centres = mask.xy[pick] + rng.uniform(-0.5, 0.5, (n, 2)) * mask.spacing
    u_scat = rng.uniform(1.0, 3.0, (len(cells), 4))
    u_cam = np.ones((len(cams), 12))
    u_cam[0, 5:8] = 0.0                       # a camera failure
    u_cam[3, 2] = 0.4
    ys = draw_captures(centres, cells, "count", LAMBDA0_SCAT, SIGMA, u_scat, rng)
    yc = draw_captures(centres, cams, "proximity", G0_CAM, SIGMA, u_cam, rng)
    seen = (ys.sum((1, 2)) + yc.sum((1, 2))) > 0
    sets = [DetectorSet(cells, "count", u_scat, ys[seen], "scat"),
            DetectorSet(cams, "proximity", u_cam, yc[seen], "camera")]
    return Session(sets, mask.xy, mask.cell_area_ha, str(seed)), n


@pytest.mark.slow
def test_recovery_density_and_n():
    cells, cams = _design(np.random.default_rng(0))
    mask = mk.make_mask(np.concatenate([cells, cams]), 4 * SIGMA, spacing=1000.0)
    model = F.Model({"scat": "hhn", "camera": "hn"})
    d_hat, d_cov, n_hat, n_true, n_cov = [], [], [], [], []
    for seed in range(50):
        sess, n = simulate(1000 + seed, mask, cells, cams)
        est = F.estimates(F.fit([sess], model)).set_index("parameter")
        d = est.loc["density_per_km2"]
        d_hat.append(d["estimate"])
        d_cov.append(d["lo"] <= D_KM2 <= d["hi"])
        nh = est.loc["n_hat"]
        n_hat.append(nh["estimate"])
        n_true.append(n)
        n_cov.append(nh["lo"] <= n <= nh["hi"])
    bias_d = np.mean(d_hat) / D_KM2 - 1
    bias_n = np.mean(n_hat) / np.mean(n_true) - 1
    print(f"D bias {bias_d:+.3f} coverage {np.mean(d_cov):.2f}; N bias {bias_n:+.3f} "
          f"coverage {np.mean(n_cov):.2f}; mean N {np.mean(n_true):.1f}")
    assert abs(bias_d) < 0.05, bias_d
    assert abs(bias_n) < 0.05, bias_n
    assert np.mean(d_cov) >= 0.90, np.mean(d_cov)
    assert np.mean(n_cov) >= 0.90, np.mean(n_cov)
