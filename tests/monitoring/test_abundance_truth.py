"""Abundance against the simulator's truth, through the whole pipeline (issue 11).

50 seeded `leogen simulate` populations in which every animal can leave scats
(p_never_sampled = 0, 4 scats per animal-year on average), run through consensus,
identification and `leogen abundance`; the selected N-hat of each study year is compared with
the true number of animals alive and old enough to leave samples (census n_sampleable_age).
Measured when written: 400 study-years, coverage 0.94-0.95, bias -2% to -5%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.simulate import simulate

# the non-spatial model these estimators assume: detection that does not depend on where an
# animal lives (a huge sigma), with gamma heterogeneity in the scat rate; ~4 scats per
# animal-year
PARAMS = {"n_snps": 0, "sigma_m": 1e7, "lambda0_scat": 0.0031, "visits_per_year": 12,
          "scat_rate_shape": 1.5, "p_never_sampled": 0.0, "other_species_fraction": 0.0,
          "n_camera_stations": 0}


def one_population(seed: int, d) -> pd.DataFrame:
    simulate(PARAMS, seed, d)
    r = d / "r"
    assert main(["consensus", "--genotypes", str(d / "genotypes.tsv"), "--samples",
                 str(d / "samples.tsv"), "--out-dir", str(r / "c")]) == 0
    assert main(["identify", "--consensus", str(r / "c" / "consensus.tsv"), "--samples",
                 str(d / "samples.tsv"), "--out-dir", str(r / "i")]) == 0
    assert main(["abundance", "--sample-individual", str(r / "i" / "sample_individual.tsv"),
                 "--samples", str(d / "samples.tsv"), "--bootstraps", "100", "--out-dir",
                 str(r / "a")]) == 0
    ab = pd.read_csv(r / "a" / "abundance.tsv", sep="\t")
    ab = ab[ab["selected"].astype(str).str.lower() == "true"]
    census = pd.read_csv(d / "truth" / "census.tsv", sep="\t").set_index("year")
    return ab.assign(truth=census.loc[ab["year"], "n_sampleable_age"].to_numpy(), seed=seed)


@pytest.mark.slow
def test_n_hat_covers_simulated_truth(tmp_path):
    res = pd.concat([one_population(seed, tmp_path / f"s{seed}") for seed in range(100, 150)])
    assert res["seed"].nunique() == 50
    covered = (res["n_hat_lo"] <= res["truth"]) & (res["truth"] <= res["n_hat_hi"])
    bias = float(np.mean(res["n_hat"] / res["truth"] - 1))
    assert covered.mean() >= 0.90, covered.mean()
    assert abs(bias) < 0.10, bias
