"""Abundance: capwire ECM/TIRM and log-linear closed-population models.

Hand cases use the published closed forms (Lincoln-Petersen for Mt with two occasions,
Chao's lower bound, the ECM likelihood of Miller et al. 2005); truth recovery uses seeded
simulated populations of known size.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leogen.cli import main
from leogen.monitoring.abundance import (
    abundance_table,
    capwire,
    fit_ecm,
    fit_tirm,
    history_table,
    loglinear,
    lognormal_interval,
)


def _histories(freq: dict[str, int]) -> np.ndarray:
    rows = []
    for h, n in freq.items():
        rows += [list(map(int, h))] * n
    return np.array(rows)


def _by_model(rows):
    return {r["model"]: r for r in rows}


# --------------------------------------------------------------------------- capwire
def test_ecm_matches_brute_force_likelihood():
    # Miller et al. 2005: L(N) = N!/(N-t)! N^-s; counts 1,1,1,2,3 -> s = 8, t = 5
    counts = [1, 1, 1, 2, 3]
    s, t = 8, 5
    ll = [math.lgamma(n + 1) - math.lgamma(n - t + 1) - s * math.log(n) for n in range(t, 500)]
    expected = t + int(np.argmax(ll))
    assert fit_ecm(counts)["n_hat"] == expected
    # by hand, l(N+1) - l(N) = log(N+1) - log(N+1-t) - s log((N+1)/N):
    # l(7) - l(6) = log 7 - log 2 - 8 log(7/6) = 0.0196 > 0 > l(8) - l(7) = -0.0875
    assert expected == 7


def test_ecm_all_singletons_is_uninformative():
    r = fit_ecm([1, 1, 1, 1], max_pop=300)
    assert r["n_hat"] == 300
    assert "uninformative" in r["note"]


def test_tirm_recovers_two_classes_and_lrt_prefers_it():
    rng = np.random.default_rng(3)
    # 20 easy animals at 6x the rate of 30 hard ones, 250 detections
    w = np.r_[np.full(20, 6.0), np.ones(30)]
    counts = rng.multinomial(250, w / w.sum())
    ecm, tirm = capwire(counts, n_bootstraps=200, seed=1)
    assert tirm["selected"] and not ecm["selected"]
    assert tirm["p_value"] < 0.05
    assert abs(tirm["n_hat"] - 50) <= 10
    assert tirm["n_hat_lo"] <= 50 <= tirm["n_hat_hi"]
    assert tirm["alpha"] > 2


def test_capwire_is_deterministic_for_a_seed():
    counts = [1, 1, 2, 2, 3, 1, 4, 1, 1, 2]
    a = capwire(counts, 100, seed=5)
    b = capwire(counts, 100, seed=5)
    assert [r["n_hat_lo"] for r in a] == [r["n_hat_lo"] for r in b]
    assert [r["p_value"] for r in a] == [r["p_value"] for r in b]


def test_tirm_equals_ecm_when_every_animal_has_the_same_count():
    r = fit_tirm([2, 2, 2, 2])
    assert r["n_hat"] == fit_ecm([2, 2, 2, 2])["n_hat"]


@pytest.mark.slow
def test_capwire_truth_recovery():
    """50 seeded populations, N = 40, 100 scat samples, equal detectability."""
    N, s = 40, 100
    rng = np.random.default_rng(7)
    cover, est = [], []
    for r in range(50):
        counts = rng.multinomial(s, np.full(N, 1 / N))
        sel = next(x for x in capwire(counts, 200, seed=r) if x["selected"])
        cover.append(sel["n_hat_lo"] <= N <= sel["n_hat_hi"])
        est.append(sel["n_hat"])
    assert np.mean(cover) >= 0.90
    assert abs(np.mean(est) / N - 1) < 0.10


# ------------------------------------------------------------------------ log-linear
def test_history_table_counts_every_observable_history():
    H = _histories({"10": 3, "01": 2, "11": 4})
    all_h, freq = history_table(H)
    assert all_h.tolist() == [[0, 1], [1, 0], [1, 1]]
    assert freq.tolist() == [2, 3, 4]


def test_mt_two_occasions_is_lincoln_petersen():
    f10, f01, f11 = 30, 20, 10
    H = _histories({"10": f10, "01": f01, "11": f11})
    r = _by_model(loglinear(H, models=("M0", "Mt"), ci="lognormal"))
    n = f10 + f01 + f11
    # Lincoln-Petersen: n1 n2 / m = (40 * 30) / 10 = 120 = n + f10 f01 / f11
    assert r["Mt"]["n_hat"] == pytest.approx(n + f10 * f01 / f11, rel=1e-6)
    assert r["Mt"]["n_hat"] == pytest.approx(120, rel=1e-6)
    # M0: mu_1 = (f10 + f01)/2 per history, mu_2 = f11, mu_0 = mu_1^2 / mu_2
    assert r["M0"]["n_hat"] == pytest.approx(n + ((f10 + f01) / 2) ** 2 / f11, rel=1e-6)


def test_mh_chao_is_chaos_lower_bound():
    # t = 3: f1 = 30, f2 = 12, f3 = 10 (f3 large so its coefficient is positive)
    H = _histories({"100": 10, "010": 10, "001": 10, "110": 4, "101": 4, "011": 4, "111": 10})
    r = _by_model(loglinear(H, models=("Mh_chao",), ci="lognormal"))["Mh_chao"]
    f1, f2, t, n = 30, 12, 3, 52
    assert r["n_hat"] == pytest.approx(n + (t - 1) / t * f1 ** 2 / (2 * f2), rel=1e-6)
    assert r["note"] == ""


def test_lognormal_interval_formula():
    # Chao 1987: C = exp(1.96 sqrt(log(1 + var / f0^2)))
    n, f0, var = 50, 20.0, 64.0
    C = math.exp(stats.norm.ppf(0.975) * math.sqrt(math.log(1 + 64 / 400)))
    lo, hi = lognormal_interval(n, f0, var)
    assert lo == pytest.approx(50 + 20 / C)
    assert hi == pytest.approx(50 + 20 * C)


def test_profile_limits_are_where_the_deviance_is_chi2():
    """At the limits the multinomial profile log-likelihood is 1.92 below its maximum,
    recomputed here with statsmodels on the completed table."""
    import statsmodels.api as sm
    from scipy.special import gammaln

    rng = np.random.default_rng(2)
    H = (rng.random((70, 4)) < 0.35).astype(int)
    H = H[H.sum(axis=1) > 0]
    r = _by_model(loglinear(H, models=("M0",)))["M0"]
    assert r["ci_method"] == "profile"
    all_h, freq = history_table(H)
    n = len(H)
    k = all_h.sum(axis=1)

    def lp(N):
        y = np.r_[N - n, freq]
        X = np.column_stack([np.ones(len(y)), np.r_[0, k]])
        mu = sm.GLM(y, X, family=sm.families.Poisson()).fit().fittedvalues
        ll = np.sum(np.where(y > 0, y * np.log(mu), 0) - mu - gammaln(y + 1))
        return ll - (N * np.log(N) - N - gammaln(N + 1))

    grid = np.linspace(n + 0.5, r["n_hat_hi"] * 1.5, 400)
    top = max(lp(v) for v in grid)
    assert lp(r["n_hat_lo"]) == pytest.approx(top - stats.chi2.ppf(0.95, 1) / 2, abs=0.02)
    assert lp(r["n_hat_hi"]) == pytest.approx(top - stats.chi2.ppf(0.95, 1) / 2, abs=0.02)


def test_no_recapture_gives_no_estimate():
    H = _histories({"100": 3, "010": 2, "001": 4})
    rows = loglinear(H)
    assert all(np.isnan(r["n_hat"]) for r in rows)
    assert not any(r["selected"] for r in rows)


def _simulate(rng, N, t, p, time_sd=0.0):
    lp = np.log(p / (1 - p)) + rng.normal(0, time_sd, t)[None, :]
    H = (rng.random((N, t)) < 1 / (1 + np.exp(-lp))).astype(int)
    return H[H.sum(axis=1) > 0]


@pytest.mark.slow
@pytest.mark.parametrize("time_sd", [0.0, 0.5])
def test_loglinear_truth_recovery(time_sd):
    """60 seeded populations (N = 60, 6 occasions, p = 0.3; constant or varying by occasion):
    the AIC-selected model's 95% interval covers N in >= 90%, |bias| < 10%."""
    N = 60
    rng = np.random.default_rng(1)
    cover, est = [], []
    for _ in range(60):
        sel = next(r for r in loglinear(_simulate(rng, N, 6, 0.3, time_sd)) if r["selected"])
        cover.append(sel["n_hat_lo"] <= N <= sel["n_hat_hi"])
        est.append(sel["n_hat"])
    assert np.mean(cover) >= 0.90
    assert abs(np.mean(est) / N - 1) < 0.10


def test_abundance_table_selects_one_row_per_year():
    rng = np.random.default_rng(4)
    rows = []
    for year in (2020, 2021):
        H = _simulate(rng, 50, 5, 0.35)
        for k, h in enumerate(H):
            rows.append({"year": year, "individual_id": f"A{k}", "history": "".join(map(str, h)),
                         "n_detections": int(h.sum())})
    ab = abundance_table(pd.DataFrame(rows), n_bootstraps=50, seed=1)
    assert (ab.groupby("year")["selected"].apply(lambda s: (s == "true").sum()) == 1).all()
    assert set(ab["method"]) == {"capwire", "loglinear"}
    sel = ab[ab["selected"] == "true"]
    assert (sel["method"] == "loglinear").all()


# ------------------------------------------------------------------------------- CLI
def write_study(tmp_path, n_per_year=(50, 45, 40), p=0.35, months=6, seed=5):
    """Sample sheet and sample_individual.tsv of a simulated scat survey."""
    rng = np.random.default_rng(seed)
    sheet, si = [], []
    k = 0
    for y, N in zip(range(2020, 2020 + len(n_per_year)), n_per_year, strict=True):
        for i in range(N):
            for m in range(1, months + 1):
                if rng.random() < p:
                    k += 1
                    sheet.append((f"S{k}", "scat", f"{y}-{m:02d}-{rng.integers(1, 28):02d}",
                                  "east", 43.1, 131.2))
                    si.append((f"S{k}", f"L{i:03d}", 12, 0, "matched"))
    k += 1
    sheet.append((f"S{k}", "scat", "2020-01-05", "east", 43.1, 131.2))
    si.append((f"S{k}", "NA", 3, "NA", "insufficient_loci"))
    pd.DataFrame(sheet, columns=["sample_id", "sample_type", "date", "site", "lat", "lon"]).to_csv(
        tmp_path / "samples.tsv", sep="\t", index=False)
    pd.DataFrame(si, columns=["sample_id", "individual_id", "n_loci_compared", "n_mismatches",
                              "status"]).to_csv(tmp_path / "si.tsv", sep="\t", index=False)
    return tmp_path / "si.tsv", tmp_path / "samples.tsv"


def test_cli_abundance_writes_tables_deterministically(tmp_path):
    si, samples = write_study(tmp_path)
    args = ["abundance", "--sample-individual", str(si), "--samples", str(samples),
            "--bootstraps", "50", "--seed", "3"]
    assert main(args + ["--out-dir", str(tmp_path / "a")]) == 0
    assert main(args + ["--out-dir", str(tmp_path / "b")]) == 0
    for f in ("detection_history.tsv", "abundance.tsv", "trend.tsv", "trend_test.tsv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    ab = pd.read_csv(tmp_path / "a" / "abundance.tsv", sep="\t")
    for col in ("year", "method", "model", "n_detected", "n_occasions", "n_hat", "n_hat_lo",
                "n_hat_hi", "se", "aic", "selected", "note"):
        assert col in ab.columns
    assert sorted(ab["year"].unique()) == [2020, 2021, 2022]
    trend = pd.read_csv(tmp_path / "a" / "trend_test.tsv", sep="\t")
    assert trend["n_years"].iloc[0] == 3
    assert 0 <= trend["power"].iloc[0] <= 1


def test_cli_abundance_bad_bootstraps(tmp_path, capsys):
    si, samples = write_study(tmp_path)
    rc = main(["abundance", "--sample-individual", str(si), "--samples", str(samples),
               "--bootstraps", "0", "--out-dir", str(tmp_path / "o")])
    assert rc == 2
    assert "--bootstraps must be at least 1" in capsys.readouterr().err


def test_cli_abundance_sample_not_in_sheet(tmp_path, capsys):
    si, samples = write_study(tmp_path)
    with open(si, "a") as fh:
        fh.write("GHOST\tL001\t12\t0\tmatched\n")
    n_lines = len(si.read_text().splitlines())
    rc = main(["abundance", "--sample-individual", str(si), "--samples", str(samples),
               "--out-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"line {n_lines}" in err and "sample_id 'GHOST' is not in the sample sheet" in err


def test_cli_one_occasion_per_year_uses_capwire(tmp_path):
    si, samples = write_study(tmp_path, n_per_year=(40, 40, 40))
    rc = main(["abundance", "--sample-individual", str(si), "--samples", str(samples),
               "--occasion", "year", "--bootstraps", "30", "--out-dir", str(tmp_path / "o")])
    assert rc == 0
    ab = pd.read_csv(tmp_path / "o" / "abundance.tsv", sep="\t")
    assert set(ab["method"]) == {"capwire"}
    assert (ab.groupby("year")["selected"].sum() == 1).all()
    hist = pd.read_csv(tmp_path / "o" / "detection_history.tsv", sep="\t", dtype={"history": str})
    assert set(hist["history"]) == {"1"}


def test_model_average_by_hand():
    from leogen.monitoring.abundance import model_average

    z = stats.norm.ppf(0.975)
    base = {"method": "loglinear", "n_detected": 40, "n_occasions": 5, "n_detections": 90,
            "note": ""}
    rows = [{**base, "model": "M0", "n_hat": 50.0, "n_hat_lo": 45.0, "n_hat_hi": 60.0,
             "se": 4.0, "aic": 100.0},
            {**base, "model": "Mh_darroch", "n_hat": 60.0, "n_hat_lo": 40.0,
             "n_hat_hi": 90.0, "se": 8.0, "aic": 101.0},
            {**base, "model": "Mh_poisson2", "n_hat": 45.0, "n_hat_lo": 42.0, "n_hat_hi": 50.0,
             "se": 3.0, "aic": 99.0,
             "note": "eta < 0: no heterogeneity of the expected kind; not selected"}]
    avg = model_average(rows, 40)
    w1, w2 = 1 / (1 + math.exp(-0.5)), math.exp(-0.5) / (1 + math.exp(-0.5))
    # M0: f0 = 10, interval 5..20 on f0; Darroch: f0 = 20, lower limit = n -> Chao's variance
    v1 = ((math.log(20) - math.log(5)) / (2 * z)) ** 2
    v2 = math.log(1 + 64 / 400)
    m = w1 * math.log(10) + w2 * math.log(20)
    V = w1 * (v1 + (math.log(10) - m) ** 2) + w2 * (v2 + (math.log(20) - m) ** 2)
    assert avg["n_hat"] == pytest.approx(40 + math.exp(m))
    assert avg["n_hat_lo"] == pytest.approx(40 + math.exp(m - z * math.sqrt(V)))
    assert avg["n_hat_hi"] == pytest.approx(40 + math.exp(m + z * math.sqrt(V)))
    assert avg["se"] == pytest.approx(math.exp(m) * math.sqrt(V))
    assert avg["note"].startswith("AIC weights M0 0.62, Mh_darroch 0.38")


def test_cli_select_aic_and_model_average(tmp_path):
    si, samples = write_study(tmp_path, n_per_year=(40, 40, 40))
    base = ["abundance", "--sample-individual", str(si), "--samples", str(samples),
            "--bootstraps", "20"]
    assert main(base + ["--out-dir", str(tmp_path / "avg")]) == 0
    assert main(base + ["--select", "aic", "--out-dir", str(tmp_path / "aic")]) == 0
    avg = pd.read_csv(tmp_path / "avg" / "abundance.tsv", sep="\t")
    aic = pd.read_csv(tmp_path / "aic" / "abundance.tsv", sep="\t")
    assert set(avg.loc[avg["selected"], "model"]) == {"model_average"}
    chosen = aic[aic["selected"]]
    assert "model_average" not in set(chosen["model"])
    for _, r in chosen.iterrows():  # the lowest AIC among the eligible models of its year
        yr = aic[(aic["year"] == r["year"]) & (aic["method"] == "loglinear")]
        eligible = yr[yr["aic"].notna() & ~yr["note"].fillna("").str.contains("not selected")]
        assert r["aic"] == eligible["aic"].min()


def test_cli_abundance_study_period_without_cameras(tmp_path):
    # --study-start/--study-end were read only with camera traps; now they limit the samples
    si, samples = write_study(tmp_path)
    assert main(["abundance", "--sample-individual", str(si), "--samples", str(samples),
                 "--bootstraps", "20", "--study-start", "2021-01-01", "--study-end",
                 "2021-12-31", "--out-dir", str(tmp_path / "o")]) == 0
    ab = pd.read_csv(tmp_path / "o" / "abundance.tsv", sep="\t")
    assert sorted(ab["year"].unique()) == [2021]
