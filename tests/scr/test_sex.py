"""Known-sex SECR models (secr's hybrid mixture ``hcov = "sex"``): a hand-computed tiny case,
secr's own likelihood on its ovenbird data, reduction to the latent mixture, the sex table's
reader and the commands."""

from __future__ import annotations

import math
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from leogen.errors import InputError
from leogen.scr import fit as F
from leogen.scr import likelihood as L
from leogen.scr import mask as mk
from leogen.scr import outputs as out
from leogen.scr import secrio
from leogen.scr.sexes import known_classes, read_sex
from leogen.scr.simulate import draw_captures

DATA = Path(__file__).resolve().parent / "data"

# 2 animals, 3 detectors, 3 mask points of 2 ha each, 2 occasions, 2 classes (F, M)
DET = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]])
MASK = np.array([[0.0, 50.0], [50.0, 0.0], [120.0, 80.0]])
CELL_HA = 2.0
G0 = (0.4, 0.25)          # F, M
SIGMA = (50.0, 90.0)
PI = (0.45, 0.55)
D_HA = 0.3
# animal 0 (a male): detector 1 on occasion 1; animal 1 (sex unknown): detectors 0 and 2
Y = np.array([[[0, 1, 0], [0, 0, 0]],
              [[1, 0, 0], [0, 0, 1]]])


def _p(m, k, x):
    d2 = sum((MASK[m][j] - DET[k][j]) ** 2 for j in range(2))
    return G0[x] * math.exp(-d2 / (2 * SIGMA[x] ** 2))


def _pw(i, x):
    """sum over mask points of P(detections of animal i | centre m, class x), by hand."""
    tot = 0.0
    for m in range(3):
        pr = 1.0
        for s, k in product(range(2), range(3)):
            g = _p(m, k, x)
            pr *= g if Y[i, s, k] else 1 - g
        tot += pr
    return tot


def _pdot(x):
    return sum(1 - math.prod((1 - _p(m, k, x)) ** 2 for k in range(3)) for m in range(3))


def _session(known):
    s = L.DetectorSet(DET, "proximity", np.ones((3, 2)), Y)
    return L.Session([s], MASK, CELL_HA, known_class=known)


def _params():
    return ({"detectors": np.log(np.array(G0))}, np.log(np.array(SIGMA)), np.log(np.array(PI)))


def test_known_sex_likelihood_by_hand():
    sess = _session([1, -1])
    cond, a, _ = sess.components(*_params(), "hn", known=True)
    mix_pdot = PI[0] * _pdot(0) + PI[1] * _pdot(1)
    # the known male's term keeps only class M; the unknown animal sums over both classes;
    # the two histories differ, so the multinomial constant is log 2!
    direct = (math.log(PI[1] * _pw(0, 1))
              + math.log(PI[0] * _pw(1, 0) + PI[1] * _pw(1, 1))
              - 2 * math.log(mix_pdot) + math.log(2))
    assert cond == pytest.approx(direct, rel=1e-12)
    # secr's way of writing it: the known animal conditional on its class, plus the
    # class-membership term n_M log(pi_M p.(M) / sum_x pi_x p.(x))
    secr_form = (math.log(_pw(0, 1) / _pdot(1))
                 + math.log((PI[0] * _pw(1, 0) + PI[1] * _pw(1, 1)) / mix_pdot)
                 + math.log(PI[1] * _pdot(1) / mix_pdot) + math.log(2))
    assert cond == pytest.approx(secr_form, rel=1e-12)
    # the effective area mixes the classes: a = c sum_x pi_x p.(x)
    assert a == pytest.approx(CELL_HA * mix_pdot, rel=1e-12)
    full = cond + L.poisson_n_term(2, D_HA, a)
    mu = D_HA * CELL_HA * mix_pdot
    assert full == pytest.approx(direct + 2 * math.log(mu) - mu - math.log(2), rel=1e-12)


def test_known_classes_off_is_the_latent_mixture():
    sess = _session([1, 0])
    latent = sess.components(*_params(), "hn", known=False)[0]
    direct = (sum(math.log(PI[0] * _pw(i, 0) + PI[1] * _pw(i, 1)) for i in range(2))
              - 2 * math.log(PI[0] * _pdot(0) + PI[1] * _pdot(1)) + math.log(2))
    assert latent == pytest.approx(direct, rel=1e-12)
    # and every sex missing: the known-class likelihood is the latent mixture's
    assert _session([-1, -1]).components(*_params(), "hn", known=True)[0] == \
        pytest.approx(latent, rel=1e-14)


def test_class_mask_shape_and_bad_class():
    sess = _session([0, -1])
    cm = sess.class_mask(2)
    assert cm.shape == (2, 2, 1)
    assert cm[:, 0, 0].tolist() == [0.0, -np.inf] and cm[:, 1, 0].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="known class"):
        _session([2, -1]).class_mask(2)
    with pytest.raises(ValueError, match="known_class"):
        _session([0])


def _oven(drop_f_2006=False, captures=DATA / "ovenCH_capt.txt", sex_of=None):
    """secr's ovenCH, sessions 2005-2006 (tests/scr/data/README.md), with the sex of each
    bird; the mask of secr's test: make.mask(traps, buffer = 200, nx = 20, 'trapbuffer').
    ``sex_of(records)`` gives the sex Series (default: the sex table ovenCH_sex.tsv)."""
    traps = secrio.read_traps(DATA / "ovenCH_trap.txt")
    rec = secrio.read_captures(captures, traps)
    sex = read_sex(DATA / "ovenCH_sex.tsv") if sex_of is None else sex_of(rec)
    mask = mk.make_mask(traps.xy, 200.0, nx=20)
    sessions = []
    for name, n_occ in (("2005", 9), ("2006", 10)):
        animals, y = secrio.capture_array(rec, traps, name, n_occ, "multi")
        kc = known_classes(animals, sex)
        if drop_f_2006 and name == "2006":
            kc[kc == 0] = -1
        s = L.DetectorSet(traps.xy, "multi", np.ones((len(traps.ids), n_occ)), y)
        sessions.append(F.session_from_arrays([s], mask, name, animals, kc))
    return sessions


# secr tests/testthat/test-initial.R ("pmix bug 2022-01-16"): secr.fit(subset(ovenCH,
# sessions = 1:2), mask = msk2, detectfn = 'HN', CL = TRUE, model = sigma ~ h2,
# hcov = 'Sex', start = c(-3.5387, 4.1798, 0.3418, 0.1656), details = list(LLonly = TRUE))
OVEN_BETA = (-3.5387, 4.1798, 0.3418, 0.1656)     # logit g0, log sigma (F), h2 (M), logit pmix


def _oven_loglik(sessions):
    b = OVEN_BETA
    lg = {"detectors": np.log(np.full(2, expit(b[0])))}
    ls = np.array([b[1], b[1] + b[2]])
    lp = np.log([1 - expit(b[3]), expit(b[3])])
    return sum(s.components(lg, ls, lp, "hn", known=True)[0] for s in sessions), (lg, ls, lp)


def test_ovenbird_hcov_conditional_loglik_matches_secr():
    sessions = _oven()
    assert [s.n for s in sessions] == [20, 22]
    assert [int((s.known_class == 0).sum()) for s in sessions] == [7, 10]
    ll, _ = _oven_loglik(sessions)
    assert ll == pytest.approx(-393.62886, abs=1e-4)      # secr: LL1


def test_ovenbird_one_sex_missing_differs_from_secr_by_its_class_term():
    """With the females of 2006 set to NA secr gives -379.08746 (LL2): when one class has
    no known animal in a session, secr leaves the class-membership term of that session out
    (it drops the missing class, so the term is n_M log 1 = 0). leogen keeps the term
    n_M log(pi_M p.(M) / sum_x pi_x p.(x)) of the model; adding secr's rule back gives
    secr's number."""
    sessions = _oven(drop_f_2006=True)
    ll, (lg, ls, lp) = _oven_loglik(sessions)
    s06 = sessions[1]
    _, logp0 = s06._log_probs(lg, ls, "hn")
    pdot_x = (-np.expm1(logp0)).sum(1)
    n_m = int((s06.known_class == 1).sum())
    term = n_m * math.log(math.exp(lp[1]) * pdot_x[1] / (np.exp(lp) * pdot_x).sum())
    assert term < -1.0
    assert ll - term == pytest.approx(-379.08746, abs=1e-4)


def _small_session(seed, known_share=0.7):
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(5) * 400.0, np.arange(5) * 400.0)
    det = np.column_stack([gx.ravel(), gy.ravel()])
    mask = mk.make_mask(det, 1200.0, spacing=200.0)
    n = 40
    centres = rng.uniform(mask.xy.min(0), mask.xy.max(0), (n, 2))
    male = rng.random(n) < 0.5
    sig = np.where(male, 450.0, 250.0)
    y = draw_captures(centres, det, "proximity", 0.3, sig, np.ones((25, 5)), rng)
    seen = y.sum((1, 2)) > 0
    kc = np.where(rng.random(n) < known_share, male.astype(int), -1)[seen]
    s = L.DetectorSet(det, "proximity", np.ones((25, 5)), y[seen])
    return F.session_from_arrays([s], mask, "1", None, kc)


def test_shared_detection_hcov_adds_the_binomial_sex_ratio():
    """g0~1 sigma~1 with pmix~sex (secr's hcov model without h2 terms): pmix is the known
    animals' sex ratio and the log-likelihood is the null model's plus sum n_x log(n_x / n)."""
    sess = _small_session(5)
    null = F.fit([sess])
    shared = F.fit([sess], F.Model(n_classes=2, hcov="sex", class_detection=False))
    n_x = np.bincount(sess.known_class[sess.known_class >= 0], minlength=2)
    binom = float((n_x * np.log(n_x / n_x.sum())).sum())
    assert shared.loglik == pytest.approx(null.loglik + binom, abs=1e-4)
    assert shared.n_par == null.n_par + 1
    est = F.estimates(shared).set_index("parameter")["estimate"]
    assert est["pmix[M]"] == pytest.approx(n_x[1] / n_x.sum(), abs=1e-4)
    assert est["pmix[F]"] == pytest.approx(n_x[0] / n_x.sum(), abs=1e-4)
    ne = F.estimates(null).set_index("parameter")["estimate"]
    assert est["density_per_km2"] == pytest.approx(ne["density_per_km2"], rel=1e-4)


def test_every_sex_missing_fits_as_the_latent_mixture():
    sess = _small_session(6, known_share=0.0)
    assert (sess.known_class == -1).all()
    latent = F.fit([sess], F.Model(n_classes=2))
    hcov = F.fit([sess], F.Model(n_classes=2, hcov="sex"))
    assert hcov.loglik == pytest.approx(latent.loglik, abs=1e-6)
    assert np.allclose(hcov.theta, latent.theta, atol=1e-6)


def test_sex_model_names_its_rows_by_sex():
    sess = _small_session(7)
    res = F.fit([sess], F.Model(n_classes=2, hcov="sex"))
    assert res.names == ["log_D[1]", "logit_g0[detectors][F]", "logit_g0[detectors][M]",
                         "log_sigma[F]", "log_sigma[M]", "logit_pmix[M]"]
    est = F.estimates(res).set_index("parameter")
    assert {"g0[detectors][F]", "g0[detectors][M]", "sigma[F]", "sigma[M]", "pmix[F]",
            "pmix[M]"} <= set(est.index)
    assert est.loc["pmix[F]", "estimate"] + est.loc["pmix[M]", "estimate"] == \
        pytest.approx(1.0)
    assert est.loc["sigma[M]", "estimate"] > est.loc["sigma[F]", "estimate"]
    assert res.model.name == "D~session g0~sex sigma~sex pmix~sex (hn, full)"
    # density and number of each sex: D pmix_x, adding up to the total
    for par in ("density_per_km2", "n_hat"):
        assert est.loc[f"{par}[F]", "estimate"] + est.loc[f"{par}[M]", "estimate"] == \
            pytest.approx(est.loc[par, "estimate"], rel=1e-10)
    # its SE: the delta method on log D_F = log D + log(1 - pmix_M), gradient by central
    # differences here, real-scale SE est sqrt(exp(var) - 1) as secr's log link
    def log_df(th):
        return th[0] + math.log(1 - expit(th[-1]))
    g = np.zeros(len(res.theta))
    for j in range(len(g)):
        e = np.zeros(len(g))
        e[j] = 1e-6
        g[j] = (log_df(res.theta + e) - log_df(res.theta - e)) / 2e-6
    d_f = est.loc["density_per_km2[F]", "estimate"]
    assert d_f == pytest.approx(math.exp(log_df(res.theta)) * 100, rel=1e-10)
    assert est.loc["density_per_km2[F]", "se"] == pytest.approx(
        d_f * math.sqrt(math.expm1(g @ res.cov @ g)), rel=1e-6)
    assert est.loc["density_per_km2[F]", "lo"] < d_f < est.loc["density_per_km2[F]", "hi"]


def test_model_rejects_inconsistent_class_options():
    with pytest.raises(ValueError, match="n_classes=2"):
        F.Model(hcov="sex")
    with pytest.raises(ValueError, match="hcov"):
        F.Model(n_classes=2, class_detection=False)


# ------------------------------------------------------------------ the sex table
def _write(path, text):
    path.write_text(text)
    return path


def test_read_sex_codes_and_unknowns(tmp_path):
    p = _write(tmp_path / "sex.tsv", "individual_id\tsex\tother\nA\tF\tx\nB\tm\tx\nC\tU\tx\n"
                                     "D\tNA\tx\nE\t\tx\n")
    s = read_sex(p)
    assert s.to_dict() == {"A": "F", "B": "M", "C": "", "D": "", "E": ""}
    # an animal of the captures absent from the table is of unknown sex
    assert known_classes(["B", "A", "Z", "C"], s).tolist() == [1, 0, -1, -1]


def test_read_sex_bad_value_names_file_line_column(tmp_path):
    p = _write(tmp_path / "sex.tsv", "individual_id\tsex\nA\tF\nB\tfemale\n")
    with pytest.raises(InputError) as e:
        read_sex(p)
    assert e.value.line == 3 and e.value.column == "sex" and str(p) in str(e.value)
    assert "'female'" in str(e.value)


def test_read_sex_repeated_animal_and_missing_column(tmp_path):
    p = _write(tmp_path / "sex.tsv", "individual_id\tsex\nA\tF\nA\tM\n")
    with pytest.raises(InputError) as e:
        read_sex(p)
    assert e.value.line == 3 and e.value.column == "individual_id"
    q = _write(tmp_path / "nosex.tsv", "individual_id\tgender\nA\tF\n")
    with pytest.raises(InputError, match="sex"):
        read_sex(q)


# ------------------------------------------------------------------ the commands
def test_fit_command_with_sex_covariate(tmp_path):
    from tests.scr.test_pipeline import cmd_args
    args = cmd_args(["fit", "--detectors", DATA / "ovenCH_trap.txt", "--captures",
                     DATA / "ovenCH_capt.txt", "--detector-type", "multi", "--buffer", "200",
                     "--spacing", "50", "--no-mask-check", "--sex-covariate",
                     DATA / "ovenCH_sex.tsv", "--out-dir", tmp_path])
    assert args.func(args) == 0
    m = out.MODELS.read(tmp_path / "models.tsv").set_index("model")
    names = list(m.index)
    sexm = "D~session g0~sex sigma~sex pmix~sex (hn, full)"
    shared = "D~session g0~1 sigma~1 pmix~sex (hn, full)"
    assert sexm in names and shared in names
    # delta AIC: within the models without known sexes and within those with them
    assert m.loc["D~session g0~1 sigma~1 (hn, full)", "delta_aic"] == 0.0
    assert min(m.loc[sexm, "delta_aic"], m.loc[shared, "delta_aic"]) == 0.0
    assert m.loc[sexm, "n_par"] == m.loc[shared, "n_par"] + 2
    est = out.read_estimates(tmp_path / "estimates.tsv")
    sx = est[est["model"] == sexm].set_index(["session", "parameter"])
    assert {"sigma[F]", "sigma[M]", "g0[detectors][F]", "pmix[F]", "pmix[M]",
            "density_per_km2"} <= set(sx.loc["2005"].index)
    # the null model's rows come first and keep their names
    first = est[est["model"] == est["model"].iloc[0]]
    assert "sigma" in set(first["parameter"]) and "sigma[F]" not in set(first["parameter"])


def test_run_command_with_sex_from_the_individuals_table(tmp_path):
    from leogen.identify.outputs import INDIVIDUALS
    from tests.scr.test_pipeline import cmd_args, write_inputs
    p = write_inputs(tmp_path)
    si = pd.read_csv(p["sample_individual"], sep="\t", dtype=str)
    ids = sorted(set(si["individual_id"].dropna()))
    rng = np.random.default_rng(1)
    ind = pd.DataFrame({"individual_id": ids, "n_samples": 1, "sample_types": "scat",
                        "sex": rng.choice(["F", "M", "U"], len(ids)), "sex_source": "genetic",
                        "first_seen": "2020-01-10", "last_seen": "2020-10-10",
                        "n_loci_typed": 10, "sites": "S00", "individual_hints": pd.NA})
    INDIVIDUALS.write(ind[INDIVIDUALS.names], tmp_path / "individuals.tsv")
    o = tmp_path / "out"
    args = cmd_args(["run", "--stations", p["stations"], "--search-effort",
                     p["search_effort"], "--samples", p["samples"], "--sample-individual",
                     p["sample_individual"], "--camera-traps", p["camera_traps"],
                     "--aliases", p["aliases"], "--buffer", "8000", "--spacing", "1000",
                     "--no-mask-check", "--sex-covariate", tmp_path / "individuals.tsv",
                     "--out-dir", o])
    assert args.func(args) == 0
    est = out.read_estimates(o / "estimates.tsv")
    sexm = [m for m in est["model"].unique() if "sigma~sex" in m]
    assert len(sexm) == 1
    rows = set(est.loc[est["model"] == sexm[0], "parameter"])
    assert {"g0[camera][F]", "g0[camera][M]", "lambda0[scat][F]", "sigma[F]",
            "sigma[M]", "pmix[F]", "pmix[M]"} <= rows
