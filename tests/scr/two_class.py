"""Two classes of animals (sex-like: class 1 ranges twice as wide and is detected less at the
centre) on the design of tests/scr/test_recovery.py: 30 scat-search cells (4 searches of
1-3 km each, count detectors), 8 cameras (12 monthly occasions, proximity), linked animals;
centres a Poisson process of density ``D_KM2`` on the mask. Shared by the latent-mixture and
the known-sex recovery tests.
"""

from __future__ import annotations

import numpy as np

from leogen.scr.likelihood import DetectorSet, Session
from leogen.scr.simulate import draw_captures

D_KM2 = 0.06
SIGMA = (1500.0, 3000.0)        # class 0 (F), class 1 (M)
G0_CAM = (0.35, 0.2)
LAMBDA0_SCAT = (0.6, 0.3)


def design():
    """(scat-search cell coordinates (30, 2), camera coordinates (8, 2)) in metres."""
    rng = np.random.default_rng(0)
    gx, gy = np.meshgrid(np.arange(6) * 3000.0, np.arange(5) * 3000.0)
    cells = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0, 300, (30, 2))
    cx, cy = np.meshgrid(np.linspace(2000, 13000, 4), [3000.0, 9000.0])
    return cells, np.column_stack([cx.ravel(), cy.ravel()])


def simulate(seed, mask, cells, cams, p_class1=0.5, known_share=None):
    """One replicate.

    Parameters
    ----------
    seed : int
    mask : leogen.scr.mask.Mask
    cells, cams : float arrays (30, 2), (8, 2)
        From :func:`design`.
    p_class1 : float
        Probability that an animal is of class 1 (the wide-ranging one).
    known_share : float or None
        None: no class is known (a latent mixture); else each detected animal's class is
        known with this probability (missing at random), -1 for the others.

    Returns
    -------
    (Session, int, int)
        The session, the realised number of centres in the mask, of them of class 0.
    """
    rng = np.random.default_rng(seed)
    n = rng.poisson(D_KM2 * mask.area_km2)
    centres = (mask.xy[rng.integers(0, len(mask.xy), n)]
               + rng.uniform(-0.5, 0.5, (n, 2)) * mask.spacing)
    cls = (rng.random(n) < p_class1).astype(int)
    sig = np.asarray(SIGMA)[cls]
    u_scat = rng.uniform(1.0, 3.0, (len(cells), 4))
    u_cam = np.ones((len(cams), 12))
    ys = draw_captures(centres, cells, "count", np.asarray(LAMBDA0_SCAT)[cls], sig, u_scat,
                       rng)
    yc = draw_captures(centres, cams, "proximity", np.asarray(G0_CAM)[cls], sig, u_cam, rng)
    seen = (ys.sum((1, 2)) + yc.sum((1, 2))) > 0
    known = None
    if known_share is not None:
        known = np.where(rng.random(n) < known_share, cls, -1)[seen]
    sets = [DetectorSet(cells, "count", u_scat, ys[seen], "scat"),
            DetectorSet(cams, "proximity", u_cam, yc[seen], "camera")]
    return (Session(sets, mask.xy, mask.cell_area_ha, str(seed), known_class=known), n,
            int((cls == 0).sum()))
