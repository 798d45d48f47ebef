"""Speed of one SECR fit: 100 detectors x 4,000 mask points x 100 animals x 10 occasions.

Proximity detectors on a 10 x 10 grid (spacing 2 sigma), half-normal detection, full
likelihood, density + g0 + sigma; the mask (about 4,000 points) is a trapbuffer mask with a
4 sigma buffer. Centres are drawn on the mask at a density giving about 100 detected animals.
Reports the time of the fit (optimisation + Hessian) and of one likelihood evaluation.

Run: ``python benchmarks/bench_scr.py`` (add ``--repeat N``).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from leogen.scr import fit as F
from leogen.scr import mask as mk
from leogen.scr.likelihood import DetectorSet, Session
from leogen.scr.simulate import draw_captures

SIGMA = 1000.0


def problem(seed: int = 1):
    """The benchmark data set: (Session, n_mask_points)."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(10) * 2 * SIGMA, np.arange(10) * 2 * SIGMA)
    det = np.column_stack([gx.ravel(), gy.ravel()])
    extent = 18 * SIGMA + 8 * SIGMA
    spacing = np.sqrt(extent ** 2 * 0.98 / 4000)
    mask = mk.make_mask(det, 4 * SIGMA, spacing=spacing)
    usage = np.ones((100, 10))
    n_target = 100
    centres = []
    while sum(len(c) for c in centres) < 400:
        c = mask.xy[rng.integers(0, len(mask.xy), 200)]
        centres.append(c + rng.uniform(-0.5, 0.5, c.shape) * mask.spacing)
    centres = np.concatenate(centres)
    y = draw_captures(centres, det, "proximity", 0.1, SIGMA, usage, rng)
    seen = np.flatnonzero(y.sum((1, 2)) > 0)[:n_target]
    s = DetectorSet(det, "proximity", usage, y[seen])
    return Session([s], mask.xy, mask.cell_area_ha), len(mask.xy)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sess, m = problem()
    print(f"detectors 100, mask points {m}, animals {sess.n}, occasions 10, "
          f"cpus {os.cpu_count()}, load {os.getloadavg()}")
    lg = {"detectors": np.array([np.log(0.1)])}
    t0 = time.perf_counter()
    for _ in range(10):
        sess.components(lg, np.array([np.log(SIGMA)]), np.array([0.0]), "hn")
    print(f"one likelihood evaluation: {(time.perf_counter() - t0) / 10 * 1000:.1f} ms")
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        f = F.fit([sess])
        times.append(time.perf_counter() - t0)
    est = F.estimates(f).set_index("parameter")["estimate"]
    print(f"fit: median {np.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}); "
          f"D {est['density_per_km2']:.3f}/km2, g0 {est['g0[detectors]']:.3f}, "
          f"sigma {est['sigma']:.0f} m")


if __name__ == "__main__":
    main()
