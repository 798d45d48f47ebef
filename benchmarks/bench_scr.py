"""Speed of one SECR fit: 100 detectors x 4,000 mask points x 100 animals x 10 occasions.

Proximity detectors on a 10 x 10 grid (spacing 2 sigma), half-normal detection, full
likelihood, density + g0 + sigma; the mask (about 4,000 points) is a trapbuffer mask with a
4 sigma buffer. Centres are drawn on the mask at a density giving about 100 detected animals.
Reports the time of the fit (optimisation + Hessian) and of one likelihood evaluation.

Run: ``python benchmarks/bench_scr.py`` (add ``--repeat N``).

``python benchmarks/bench_scr.py --example SEED [SEED ...] [--identify] [--work DIR]``
instead measures the yearly estimates on the bundled example's settings
(config/example/truth/params.yaml, 8 years; ``n_snps`` set to 0, which leaves every other
simulated table identical) for each seed: with the true sample identities and camera aliases,
or (``--identify``) through species -> consensus -> identify and the genetic camera aliases
(:func:`leogen.simulate.genetic_camera_aliases`). Per year it prints the density and its
interval against the state-space density of truth/density.tsv, and N in the mask against the
realised number of activity centres in the mask; then the trend.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

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


def _inputs(d: Path, identify: bool) -> dict:
    """The SCR stage's inputs of a simulated folder: the true identities and camera aliases
    (tests/helpers.py ``true_identity_inputs``), or (``identify``) species -> consensus ->
    identify through the CLI as the workflow runs them, with the genetic camera aliases."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from helpers import identify_simulation, true_identity_inputs

    from leogen.simulate import genetic_camera_aliases
    inp = true_identity_inputs(d)
    if identify:
        r = identify_simulation(d)
        read = lambda p: pd.read_csv(p, sep="\t", dtype=str)  # noqa: E731
        al = genetic_camera_aliases(read(d / "truth" / "camera_aliases_true.tsv"),
                                    read(d / "truth" / "samples_truth.tsv"),
                                    read(r / "identify" / "sample_individual.tsv"))
        al.to_csv(d / "aliases_used.tsv", sep="\t", index=False)
        inp.update(sample_individual=r / "identify" / "sample_individual.tsv",
                   aliases=d / "aliases_used.tsv")
    return inp


def example(seeds, identify: bool, work: Path) -> pd.DataFrame:
    """Yearly estimates on the example's settings (module docstring); rows per seed x year."""
    import warnings

    import yaml
    from scipy.spatial import cKDTree

    from leogen.scr import detectors as dt
    from leogen.scr import run
    from leogen.simulate import simulate
    from leogen.simulate.demography import alive_matrix
    p = yaml.safe_load(open(Path(__file__).parents[1] / "config" / "example" / "truth" /
                            "params.yaml", encoding="utf-8"))
    p.pop("seed")
    p.pop("derived")
    p["n_snps"] = 0
    rows = []
    for seed in seeds:
        d = work / f"example{seed}{'_id' if identify else ''}"
        simulate(p, seed, d)
        inp = _inputs(d, identify)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data, mask, _ = run._pipeline(**inp, occasion="month", buffer=None,
                                          spacing=None, habitat_path=None)
            sessions, labels = dt.sessions_of(data, mask)
            times = {lab: float(lab) for lab in labels}
            det = {"camera": "hn", "scat": "hhn"}
            est = F.estimates(F.fit(sessions, F.Model(det), labels, times))
            tr = F.trend(F.fit(sessions, F.Model(det, False, "trend"), labels, times))
        truth = pd.read_csv(d / "truth" / "density.tsv", sep="\t")
        ped = pd.read_csv(d / "truth" / "pedigree.tsv", sep="\t", na_values="NA")
        ped["death_year"] = ped["death_year"].astype("Int64")
        ac = pd.read_csv(d / "truth" / "activity_centres.tsv", sep="\t").set_index(
            "individual_id").loc[ped["individual_id"]]
        yrs = truth["year"].to_numpy()
        ok = alive_matrix(ped, yrs) & (yrs[None, :] - ped["birth_year"].to_numpy()[:, None]
                                       >= p["min_age_sampled"])
        x, y = data.projection.forward(ac["lon"].to_numpy(), ac["lat"].to_numpy())
        dist, _ = cKDTree(mask.xy).query(np.column_stack([x, y]), p=np.inf)
        n_mask = (ok & (dist <= mask.spacing / 2)[:, None]).sum(axis=0)
        b1_true = np.polyfit(yrs - yrs[0], np.log(np.maximum(n_mask, 1)), 1)[0]
        for j, yr in enumerate(yrs):
            e = est[est["session"] == str(yr)].set_index("parameter")
            rows.append({
                "seed": seed, "year": int(yr), "d100": 100 * e.loc["density_per_km2", "estimate"],
                "d100_lo": 100 * e.loc["density_per_km2", "lo"],
                "d100_hi": 100 * e.loc["density_per_km2", "hi"],
                "d100_true": float(truth["density_per_100km2"].iloc[j]),
                "n_hat": e.loc["n_hat", "estimate"], "n_lo": e.loc["n_hat", "lo"],
                "n_hi": e.loc["n_hat", "hi"], "n_mask": int(n_mask[j]),
                "n_state_space": int(truth["n_state_space"].iloc[j]),
                "mask_km2": mask.area_km2, "lambda": tr["lambda"],
                "lambda_lo": tr["lambda_lo"], "lambda_hi": tr["lambda_hi"],
                "lambda_true_mask": float(np.exp(b1_true))})
    return pd.DataFrame(rows)


def _summary(df: pd.DataFrame) -> str:
    cov_d = (df["d100_lo"] <= df["d100_true"]) & (df["d100_true"] <= df["d100_hi"])
    cov_n = (df["n_lo"] <= df["n_mask"]) & (df["n_mask"] <= df["n_hi"])
    return (f"density bias {df['d100'].mean() / df['d100_true'].mean() - 1:+.3f}, "
            f"coverage {cov_d.mean():.2f} ({int(cov_d.sum())}/{len(df)}); N in mask bias "
            f"{df['n_hat'].mean() / df['n_mask'].mean() - 1:+.3f}, coverage {cov_n.mean():.2f} "
            f"({int(cov_n.sum())}/{len(df)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--example", type=int, nargs="+", metavar="SEED")
    ap.add_argument("--identify", action="store_true")
    ap.add_argument("--work", type=Path, default=Path("bench_scr_work"))
    a = ap.parse_args()
    if a.example:
        df = example(a.example, a.identify, a.work)
        pd.set_option("display.width", 200)
        print(df.round(3).to_string(index=False))
        for seed, g in df.groupby("seed"):
            print(f"seed {seed}: {_summary(g)}; trend lambda {g['lambda'].iloc[0]:.3f} "
                  f"({g['lambda_lo'].iloc[0]:.3f}-{g['lambda_hi'].iloc[0]:.3f}), realised in "
                  f"the mask {g['lambda_true_mask'].iloc[0]:.3f}")
        print(f"all: {_summary(df)}")
        return
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
