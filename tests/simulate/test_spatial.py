"""The simulator's spatial truth: state space and activity centres, dated searches with
effort, camera operating periods, scats and photographs as SCR detections (their expected
numbers recomputed from the written files), the density truth, and bad spatial parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from leogen.cli import main
from leogen.simulate import SimParams, simulate
from leogen.simulate.space import Projection, reflect

SEED = 13


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    out = tmp_path_factory.mktemp("spatial")
    summary = simulate({"n_snps": 0}, SEED, out)
    return out, summary


def _read(path):
    return pd.read_csv(path, sep="\t")


def _eligible(ped, years, min_age=1):
    b = ped["birth_year"].to_numpy()[:, None]
    d = ped["death_year"].fillna(10**6).to_numpy()[:, None]
    y = np.asarray(years)[None, :]
    return (b <= y) & (d >= y) & (y - b >= min_age)


def test_input_tables_have_the_contract_columns(sim):
    out, summary = sim
    eff = _read(out / "search_effort.tsv")
    assert list(eff.columns) == ["detector_id", "lat", "lon", "date", "effort_km"]
    assert len(eff) == summary["n_searches"]
    st = _read(out / "camera_stations.tsv")
    assert list(st.columns) == ["station", "lat", "lon", "start_date", "end_date"]
    sites = _read(out / "truth" / "sites.tsv")
    assert set(eff["detector_id"]) <= set(sites["site"])
    p = SimParams()
    assert eff["effort_km"].between(p.effort_km_min, p.effort_km_max).all()
    months = pd.to_datetime(eff["date"]).dt.month
    assert set(months) == {1, 4, 7, 10}                      # 4 rounds a year
    # each cell searched at most once per round, p_visit 0.9 of the cell-rounds
    key = eff.assign(y=eff["date"].str[:4], m=months)
    assert not key.duplicated(["detector_id", "y", "m"]).any()
    assert 0.8 < len(eff) / (30 * 8 * 4) < 0.97


def test_scats_are_dated_on_searches_of_their_cell(sim):
    out, _ = sim
    eff = _read(out / "search_effort.tsv")
    s = _read(out / "samples.tsv")
    scat = s[s["sample_type"] == "scat"]
    searched = set(zip(eff["detector_id"], eff["date"], strict=True))
    assert all((a, b) in searched for a, b in zip(scat["site"], scat["date"], strict=True))


def test_camera_photographs_on_operating_days(sim):
    out, _ = sim
    st = _read(out / "camera_stations.tsv")
    cam = _read(out / "camera_traps.tsv")
    st["start"], st["end"] = pd.to_datetime(st["start_date"]), pd.to_datetime(st["end_date"])
    # operating periods of a station do not overlap and some stations failed for a while
    for _, g in st.groupby("station"):
        g = g.sort_values("start")
        assert (g["start"].iloc[1:].to_numpy() > g["end"].iloc[:-1].to_numpy()).all()
        assert (g[["lat", "lon"]].nunique() == 1).all()
    assert (st.groupby("station").size() > 1).any()
    d = pd.to_datetime(cam["date"])
    ok = [((st["station"] == k) & (st["start"] <= t) & (st["end"] >= t)).any()
          for k, t in zip(cam["station"], d, strict=True)]
    assert all(ok)


def test_state_space_and_centres(sim):
    out, _ = sim
    meta = yaml.safe_load((out / "truth" / "params.yaml").read_text())["derived"]
    ss = meta["state_space"]
    assert ss["crs"].startswith("+proj=laea")
    area = (ss["xmax"] - ss["xmin"]) * (ss["ymax"] - ss["ymin"]) / 1e6
    assert ss["area_km2"] == pytest.approx(area)
    # the box is about 66.7 km (0.6 deg lat) by 64.7 km (0.8 deg lon at 43.3 N), widened
    # by 12 km on every side
    assert 88 * 90 < area < 90 * 92 and 4200 < ss["study_box_km2"] < 4450
    ac = _read(out / "truth" / "activity_centres.tsv")
    ped = _read(out / "truth" / "pedigree.tsv")
    assert list(ac["individual_id"]) == list(ped["individual_id"])
    assert ac["x_m"].between(ss["xmin"], ss["xmax"]).all()
    assert ac["y_m"].between(ss["ymin"], ss["ymax"]).all()
    inside = ac["lat"].between(43.0, 43.6) & ac["lon"].between(131.0, 131.8)
    assert (inside.astype(int) == ac["in_study_box"]).all()
    assert 0.2 < inside.mean() < 0.8                         # some live in the buffer
    # lat/lon and metres agree through the study projection
    pr = Projection(SimParams())
    x, y = pr.to_xy(ac["lat"].to_numpy(), ac["lon"].to_numpy())
    assert np.abs(x - ac["x_m"]).max() < 2 and np.abs(y - ac["y_m"]).max() < 2


def test_offspring_settle_near_their_mother(sim):
    out, _ = sim
    ac = _read(out / "truth" / "activity_centres.tsv").set_index("individual_id")
    ped = _read(out / "truth" / "pedigree.tsv")
    kids = ped[ped["dam"].notna()]
    d = np.hypot(*(ac.loc[kids["individual_id"], ["x_m", "y_m"]].to_numpy()
                   - ac.loc[kids["dam"], ["x_m", "y_m"]].to_numpy()).T) / 1000
    female = (kids["sex"] == "F").to_numpy()
    p = SimParams()
    # 2-d normal displacement: mean distance sd * sqrt(pi / 2) (reflection only shortens it)
    assert np.mean(d[female]) < 1.2 * p.dispersal_km_female * np.sqrt(np.pi / 2)
    assert np.mean(d[female]) > 0.6 * p.dispersal_km_female * np.sqrt(np.pi / 2)
    assert np.mean(d[~female]) > np.mean(d[female])


def test_reflection_keeps_points_inside():
    v = np.linspace(-25.0, 35.0, 601)
    r = reflect(v, 0.0, 10.0)
    assert r.min() >= 0 and r.max() <= 10
    assert reflect(np.array([12.0, -3.0, 27.0]), 0.0, 10.0).tolist() == [8.0, 3.0, 7.0]


def test_scat_counts_follow_the_count_detector(sim):
    """Leopard scats = Poisson(lambda0 effort exp(-d^2/2 sigma^2)) summed over animals alive
    and >= 1 year old, cells and searches: the total is within 4 SD of its expectation
    recomputed from the written files."""
    out, _ = sim
    p = SimParams()
    ac = _read(out / "truth" / "activity_centres.tsv")
    ped = _read(out / "truth" / "pedigree.tsv")
    eff = _read(out / "search_effort.tsv")
    pr = Projection(p)
    cx, cy = pr.to_xy(eff["lat"].to_numpy(), eff["lon"].to_numpy())
    years = np.arange(2017, 2025)
    elig = _eligible(ped, years)
    col = pd.Index(years).get_indexer(eff["date"].str[:4].astype(int))
    d2 = (ac["x_m"].to_numpy()[:, None] - cx[None]) ** 2 + \
        (ac["y_m"].to_numpy()[:, None] - cy[None]) ** 2          # (animals, searches)
    lam = p.lambda0_scat * eff["effort_km"].to_numpy()[None] * np.exp(-d2 / (2 * p.sigma_m ** 2))
    expected = (lam * elig[:, col]).sum()
    st = _read(out / "truth" / "samples_truth.tsv")
    observed = ((st["sample_type"] == "scat") & st["individual_id"].notna()).sum()
    assert abs(observed - expected) < 4 * np.sqrt(expected), (observed, expected)
    # animals whose centre is far from every cell are (almost) never found
    dmin = np.sqrt(d2.min(axis=1))
    found = ac["individual_id"].isin(st["individual_id"].dropna()).to_numpy()
    ever = elig.any(axis=1)
    assert np.median(dmin[found & ever]) < np.median(dmin[~found & ever])


def test_photographs_follow_the_proximity_detector(sim):
    """Photographs: Bernoulli(1 - (1 - g0 exp(-d^2/2 sigma^2))^usage) per animal, station and
    month, usage = share of the month's days the station operated; the total is within 4 SD
    of its expectation recomputed from the files."""
    out, _ = sim
    p = SimParams()
    ac = _read(out / "truth" / "activity_centres.tsv")
    ped = _read(out / "truth" / "pedigree.tsv")
    st = _read(out / "camera_stations.tsv")
    names = sorted(set(st["station"]))
    first, last = pd.to_datetime(st["start_date"]).min(), pd.to_datetime(st["end_date"]).max()
    days = pd.date_range(first, last)
    op = np.zeros((len(names), days.size), bool)
    for k, s0, s1 in zip(pd.Index(names).get_indexer(st["station"]), st["start_date"],
                         st["end_date"], strict=True):
        op[k, (days >= s0) & (days <= s1)] = True
    s = _read(out / "samples.tsv")
    assert days[0] >= pd.Timestamp(s["date"].min()) and days[-1] <= pd.Timestamp(s["date"].max())
    month = np.asarray(days.year * 12 + days.month - 1)
    months = np.unique(month)
    ndays = np.array([pd.Period(f"{m // 12}-{m % 12 + 1:02d}").days_in_month for m in months])
    usage = np.stack([op[:, month == m].sum(1) for m in months], 1) / ndays    # (K, M)
    xy = st.drop_duplicates("station").set_index("station").loc[names]
    sx, sy = Projection(p).to_xy(xy["lat"].to_numpy(), xy["lon"].to_numpy())
    d2 = (ac["x_m"].to_numpy()[:, None] - sx[None]) ** 2 + \
        (ac["y_m"].to_numpy()[:, None] - sy[None]) ** 2
    g = p.g0_camera * np.exp(-d2 / (2 * p.sigma_m ** 2))                    # (n, K)
    elig = _eligible(ped, np.unique(months // 12))[:, pd.Index(np.unique(months // 12))
                                                    .get_indexer(months // 12)]   # (n, M)
    prob = 1 - (1 - g[:, :, None]) ** usage[None]                           # (n, K, M)
    prob = prob * elig[:, None, :]
    expected, var = prob.sum(), (prob * (1 - prob)).sum()
    observed = len(_read(out / "camera_traps.tsv"))
    assert abs(observed - expected) < 4 * np.sqrt(var), (observed, expected)


def test_density_truth(sim):
    out, summary = sim
    dens = _read(out / "truth" / "density.tsv")
    ped = _read(out / "truth" / "pedigree.tsv")
    ac = _read(out / "truth" / "activity_centres.tsv")
    assert list(dens["year"]) == list(range(2017, 2025))
    elig = _eligible(ped, dens["year"])
    assert (dens["n_state_space"] == elig.sum(0)).all()
    assert (dens["n_study_box"] == (elig & (ac["in_study_box"] == 1).to_numpy()[:, None])
            .sum(0)).all()
    np.testing.assert_allclose(dens["density_per_km2"],
                               dens["n_state_space"] / dens["area_km2"], rtol=1e-5)
    np.testing.assert_allclose(dens["density_per_100km2"], 100 * dens["density_per_km2"],
                               rtol=1e-5)
    assert (dens["n_detected"] <= dens["n_state_space"]).all()
    assert (dens["n_detected"] >= dens[["n_detected_scat", "n_detected_camera"]].max(axis=1)).all()
    census = _read(out / "truth" / "census.tsv").set_index("year")
    assert (census.loc[dens["year"], "n_sampleable_age"].to_numpy()
            == dens["n_state_space"].to_numpy()).all()
    assert summary["mean_density_per_100km2"] == pytest.approx(
        dens["density_per_100km2"].mean(), rel=1e-5)


def test_non_spatial_heterogeneity_is_an_option(tmp_path):
    base = simulate({"n_snps": 0, "n_camera_stations": 0}, 4, tmp_path / "a")
    never = simulate({"n_snps": 0, "n_camera_stations": 0, "p_never_sampled": 0.6}, 4,
                     tmp_path / "b")
    gamma = simulate({"n_snps": 0, "n_camera_stations": 0, "scat_rate_shape": 0.5}, 4,
                     tmp_path / "c")
    assert never["n_sampled"] < base["n_sampled"]
    assert gamma["n_scats"] > 0
    assert SimParams().p_never_sampled == 0 and SimParams().scat_rate_shape == 0


@pytest.mark.parametrize("argv,message", [
    (["--sigma-m", "0"], "sigma_m = 0.0: must be positive"),
    (["--buffer-km", "-1"], "buffer_km = -1.0: must not be negative"),
    (["--visits-per-year", "13"], "visits_per_year = 13: must be 1 to 12"),
    (["--g0-camera", "1.5"], "g0_camera = 1.5: must be a probability"),
    (["--lambda0-scat", "-0.1"], "lambda0_scat = -0.1: must not be negative"),
])
def test_bad_spatial_parameters_exit_2(tmp_path, capsys, argv, message):
    assert main(["simulate", "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("text,message", [
    ("effort_km_min: 5\neffort_km_max: 2\n", "effort_km_max = 2.0: must be at least"),
    ("camera_failure_days_max: 400\n", "camera_failure_days_max = 400"),
    ("lat_min: 40\nlat_max: 47\n", "span at most 5 degrees"),
    ("home_range_sd_km: 6\n", "unknown simulation parameter(s) home_range_sd_km"),
])
def test_bad_spatial_params_file_exit_2(tmp_path, capsys, text, message):
    pf = tmp_path / "bad.yaml"
    pf.write_text(text)
    assert main(["simulate", "--out", str(tmp_path / "o"), "--params", str(pf)]) == 2
    assert message in capsys.readouterr().err
