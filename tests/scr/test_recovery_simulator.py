"""Recovery of leogen's own simulator's truth (issue 18's target) by the SCR stage.

Each replicate is a ``leogen.simulate`` run (default spatial settings of the bundled
example: 30 scat-search cells, 12 cameras, sigma 5 km, lambda0 0.11 per km, g0 0.3, a
state space of the study box widened by 12 km) with ``study_years=3`` and no SNPs. The
detections are turned into the SCR stage's inputs with the TRUE sample identities
(``truth/samples_truth.tsv``) and the true camera aliases (``truth/camera_aliases_true.tsv``)
instead of ``leogen identify``: this test measures the spatial model, not the
identification (the pipeline with identification is measured in docs/scr.md).

What is compared (docs/scr.md, "Validation"):

* ``n_hat`` (the expected number of activity centres in the mask, ``D A``) against the
  realised number of centres of animals of sampleable age alive that year inside the mask
  (truth/activity_centres.tsv, truth/pedigree.tsv);
* ``density_per_km2`` against the realised density in the mask (that number / the mask
  area) and against the simulator's state-space density (truth/density.tsv). The
  simulator's centres are clustered (offspring settle near their dam): the number in the
  mask varies between replicates about 2.5 times as much as a Poisson count, so intervals
  for the Poisson model's density cover the state-space density less often than 95%; that
  bias is asserted, its coverage only reported.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import true_identity_inputs
from scipy.spatial import cKDTree

from leogen.scr import detectors as dt
from leogen.scr import fit as F
from leogen.scr import run
from leogen.simulate import simulate
from leogen.simulate.demography import alive_matrix

SEEDS = range(1, 51)
MASK_SPACING = 2500.0   # sigma / 2 (secr's advice: spacing at most sigma / 2)


def centres_in_mask(d, data, mask, years, min_age: int) -> np.ndarray:
    """Realised number of activity centres of animals of sampleable age alive per year in
    the mask's cells (truth/activity_centres.tsv, truth/pedigree.tsv).

    Returns
    -------
    int array (len(years),)
    """
    ped = pd.read_csv(d / "truth" / "pedigree.tsv", sep="\t", na_values="NA")
    ped["death_year"] = ped["death_year"].astype("Int64")
    ac = pd.read_csv(d / "truth" / "activity_centres.tsv", sep="\t").set_index(
        "individual_id").loc[ped["individual_id"]]
    years = np.asarray(years)
    ok = alive_matrix(ped, years) & (
        years[None, :] - ped["birth_year"].to_numpy()[:, None] >= min_age)
    x, y = data.projection.forward(ac["lon"].to_numpy(), ac["lat"].to_numpy())
    dist, _ = cKDTree(mask.xy).query(np.column_stack([x, y]), p=np.inf)
    inside = dist <= mask.spacing / 2
    return (ok & inside[:, None]).sum(axis=0)


def replicate(tmp, seed: int) -> pd.DataFrame:
    """One simulated data set fitted with density per year; rows per year."""
    d = tmp / f"sim{seed}"
    simulate({"study_years": 3, "n_snps": 0}, seed, d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, mask, _ = run._pipeline(**true_identity_inputs(d), occasion="month",
                                      buffer=None, spacing=MASK_SPACING, habitat_path=None)
        sessions, labels = dt.sessions_of(data, mask)
        res = F.fit(sessions, F.Model({"camera": "hn", "scat": "hhn"}), labels,
                    {lab: float(lab) for lab in labels})
    est = F.estimates(res)
    truth = pd.read_csv(d / "truth" / "density.tsv", sep="\t")
    n_mask = centres_in_mask(d, data, mask, truth["year"], 1)
    rows = []
    for j, year in enumerate(truth["year"]):
        e = est[est["session"] == str(year)].set_index("parameter")
        rows.append({"seed": seed, "year": int(year),
                     "d": e.loc["density_per_km2", "estimate"],
                     "d_lo": e.loc["density_per_km2", "lo"],
                     "d_hi": e.loc["density_per_km2", "hi"],
                     "n": e.loc["n_hat", "estimate"], "n_lo": e.loc["n_hat", "lo"],
                     "n_hi": e.loc["n_hat", "hi"], "n_mask": int(n_mask[j]),
                     "area_km2": mask.area_km2,
                     "d_state_space": float(truth["density_per_km2"].iloc[j])})
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_recovery_on_the_simulator(tmp_path):
    df = pd.concat([replicate(tmp_path, s) for s in SEEDS], ignore_index=True)
    d_real = df["n_mask"] / df["area_km2"]
    bias_n = df["n"].mean() / df["n_mask"].mean() - 1
    cov_n = ((df["n_lo"] <= df["n_mask"]) & (df["n_mask"] <= df["n_hi"])).mean()
    bias_d = df["d"].mean() / d_real.mean() - 1
    cov_d = ((df["d_lo"] <= d_real) & (d_real <= df["d_hi"])).mean()
    bias_ss = df["d"].mean() / df["d_state_space"].mean() - 1
    cov_ss = ((df["d_lo"] <= df["d_state_space"]) & (df["d_state_space"] <= df["d_hi"])).mean()
    print(f"{len(SEEDS)} seeds x 3 years: N in mask bias {bias_n:+.3f} coverage {cov_n:.2f}; "
          f"density (realised in mask) bias {bias_d:+.3f} coverage {cov_d:.2f}; "
          f"state-space density bias {bias_ss:+.3f} coverage {cov_ss:.2f}; "
          f"mean N in mask {df['n_mask'].mean():.1f}")
    assert abs(bias_n) < 0.05, bias_n
    assert abs(bias_d) < 0.05, bias_d
    assert abs(bias_ss) < 0.05, bias_ss
    assert cov_n >= 0.90, cov_n
    assert cov_d >= 0.90, cov_d
