"""Recovery of the known-sex model (secr's ``hcov = "sex"`` with ``g0 ~ h2, sigma ~ h2``) on
simulated data where the sexes differ in sigma and detection.

leogen's population simulator (:mod:`leogen.simulate`) gives both sexes one sigma
(``sigma_m``), so the detections are drawn here with :func:`leogen.scr.simulate.draw_captures`
and per-animal parameters: the design of tests/scr/test_recovery.py (30 scat-search cells,
4 searches of 1-3 km; 8 cameras, 12 monthly occasions; linked animals), centres a Poisson
process on the mask, each animal female with probability ``P_F``; males range twice as wide
and are detected less at the centre. The genetic sex is known for a random ``KNOWN`` share of
the detected animals (missing at random, the model's assumption), the others are of unknown
sex. Truth: the density, each sex's sigma and the female share.
"""

from __future__ import annotations

import numpy as np
import pytest
from scr.two_class import D_KM2, SIGMA, design, simulate

from leogen.scr import fit as F
from leogen.scr import mask as mk

P_F = 0.5
KNOWN = 0.8
N_REPLICATES = 40


@pytest.mark.slow
def test_known_sex_model_recovery():
    cells, cams = design()
    mask = mk.make_mask(np.concatenate([cells, cams]), 4 * SIGMA[1], spacing=1500.0)
    model = F.Model({"scat": "hhn", "camera": "hn"}, n_classes=2, hcov="sex")
    null = F.Model({"scat": "hhn", "camera": "hn"})
    rec = {k: [] for k in ("d", "d_cov", "sf", "sf_cov", "sm", "sm_cov", "pf", "pf_cov",
                           "df", "df_cov", "n_hat", "n_true", "nf_hat", "nf_true", "d_null")}
    for seed in range(N_REPLICATES):
        sess, n, n_f = simulate(3000 + seed, mask, cells, cams, 1 - P_F, KNOWN)
        est = F.estimates(F.fit([sess], model)).set_index("parameter")
        for key, par, truth in (("d", "density_per_km2", D_KM2), ("sf", "sigma[F]", SIGMA[0]),
                                ("sm", "sigma[M]", SIGMA[1]), ("pf", "pmix[F]", P_F),
                                ("df", "density_per_km2[F]", D_KM2 * P_F)):
            r = est.loc[par]
            rec[key].append(r["estimate"])
            rec[key + "_cov"].append(r["lo"] <= truth <= r["hi"])
        rec["n_hat"].append(est.loc["n_hat", "estimate"])
        rec["n_true"].append(n)
        rec["nf_hat"].append(est.loc["n_hat[F]", "estimate"])
        rec["nf_true"].append(n_f)
        e0 = F.estimates(F.fit([sess], null)).set_index("parameter")
        rec["d_null"].append(e0.loc["density_per_km2", "estimate"])
    bias = {"d": np.mean(rec["d"]) / D_KM2 - 1, "sf": np.mean(rec["sf"]) / SIGMA[0] - 1,
            "sm": np.mean(rec["sm"]) / SIGMA[1] - 1,
            "n": np.mean(rec["n_hat"]) / np.mean(rec["n_true"]) - 1,
            "df": np.mean(rec["df"]) / (D_KM2 * P_F) - 1,
            "nf": np.mean(rec["nf_hat"]) / np.mean(rec["nf_true"]) - 1,
            "d_null": np.mean(rec["d_null"]) / D_KM2 - 1}
    cov = {k: float(np.mean(rec[k + "_cov"])) for k in ("d", "sf", "sm", "pf", "df")}
    print(f"sex model, {N_REPLICATES} replicates: bias D {bias['d']:+.3f}, N {bias['n']:+.3f}, "
          f"sigma F {bias['sf']:+.3f}, sigma M {bias['sm']:+.3f}; coverage D {cov['d']:.2f}, "
          f"sigma F {cov['sf']:.2f}, sigma M {cov['sm']:.2f}, pmix F {cov['pf']:.2f}; "
          f"female density bias {bias['df']:+.3f} coverage {cov['df']:.2f}, females in the "
          f"mask {bias['nf']:+.3f} (realised share {np.sum(rec['nf_true']) / np.sum(rec['n_true']):.3f}); "
          f"mean pmix F {np.mean(rec['pf']):.3f}; null model D bias {bias['d_null']:+.3f}")
    assert abs(bias["d"]) < 0.05, bias
    assert abs(bias["sf"]) < 0.05, bias
    assert abs(bias["sm"]) < 0.05, bias
    assert abs(bias["n"]) < 0.05, bias
    assert abs(bias["df"]) < 0.10, bias
    assert abs(bias["nf"]) < 0.10, bias
    assert min(cov.values()) >= 0.9, cov
    assert abs(np.mean(rec["pf"]) - P_F) < 0.05
