"""Readers of the pipeline's inputs, secr's text formats both ways, bad input, and the
``leogen scr`` commands on a small simulated data set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.commands import scr as cmd
from leogen.errors import InputError
from leogen.identify.outputs import SAMPLE_INDIVIDUAL
from leogen.scr import detectors as dt
from leogen.scr import geo, run, secrio
from leogen.scr import outputs as out
from leogen.scr.simulate import draw_captures

LAT0, LON0 = 43.3, 131.4


def _lonlat(proj, xy):
    lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
    return lat, lon


def write_inputs(tmp, seed=3, cam_ids="linked"):
    """A one-year data set: 16 scat cells (count), 6 cameras (proximity), ~30 animals."""
    rng = np.random.default_rng(seed)
    proj = geo.Projection(LAT0, LON0)
    gx, gy = np.meshgrid(np.arange(4) * 3000.0 - 4500, np.arange(4) * 3000.0 - 4500)
    cells = np.column_stack([gx.ravel(), gy.ravel()])
    cams = np.array([[-3000.0, -3000], [0, -3000], [3000, -3000], [-3000, 3000], [0, 3000],
                     [3000, 3000]])
    n = 30
    centres = rng.uniform(-12000, 12000, (n, 2))
    months = [1, 4, 7, 10]
    eff = rng.uniform(1, 3, (16, 4))
    ys = draw_captures(centres, cells, "count", 0.2, 2000.0, eff, rng, "hhn")
    yc = draw_captures(centres, cams, "proximity", 0.3, 2000.0, np.ones((6, 12)), rng)
    lat, lon = _lonlat(proj, cells)
    effort = pd.DataFrame({"detector_id": [f"S{k:02d}" for k in range(16) for _ in months],
                           "lat": np.repeat(lat, 4), "lon": np.repeat(lon, 4),
                           "date": [f"2020-{m:02d}-10" for _ in range(16) for m in months],
                           "effort_km": eff.ravel()})
    effort.to_csv(tmp / "search_effort.tsv", sep="\t", index=False)
    clat, clon = _lonlat(proj, cams)
    stations = pd.DataFrame({"station": [f"CAM{k}" for k in range(6)], "lat": clat,
                             "lon": clon, "start_date": "2020-01-01",
                             "end_date": "2020-12-31"})
    stations.to_csv(tmp / "camera_stations.tsv", sep="\t", index=False)
    rows, si = [], []
    ii, ss, kk = np.nonzero(ys)
    for j, (i, s, k) in enumerate(zip(ii, ss, kk, strict=True)):
        for r in range(ys[i, s, k]):
            sid = f"SC{j:04d}_{r}"
            rows.append({"sample_id": sid, "sample_type": "scat",
                         "date": f"2020-{months[s]:02d}-10", "site": f"S{k:02d}",
                         "lat": lat[k], "lon": lon[k]})
            si.append({"sample_id": sid, "individual_id": f"L{i:03d}", "status": "unique"})
    pd.DataFrame(rows).to_csv(tmp / "samples.tsv", sep="\t", index=False)
    sidf = pd.DataFrame(si)
    for c in SAMPLE_INDIVIDUAL.names:
        if c not in sidf:
            sidf[c] = pd.NA
    SAMPLE_INDIVIDUAL.write(sidf[SAMPLE_INDIVIDUAL.names], tmp / "sample_individual.tsv")
    ii, ss, kk = np.nonzero(yc)
    cam = pd.DataFrame({"date": [f"2020-{s + 1:02d}-15" for s in ss],
                        "station": [f"CAM{k}" for k in kk],
                        "individual_id": [f"CT-{i:03d}" for i in ii],
                        "lat": clat[kk], "lon": clon[kk]})
    cam.to_csv(tmp / "camera_traps.tsv", sep="\t", index=False)
    # camera animals never genotyped keep their camera id (camera-only animals)
    both = [i for i in np.unique(ii) if f"L{i:03d}" in set(sidf["individual_id"])]
    al = pd.DataFrame({"camera_id": [f"CT-{i:03d}" for i in both],
                       "individual_id": [f"L{i:03d}" for i in both]})
    al.to_csv(tmp / "aliases.tsv", sep="\t", index=False)
    return {"stations": tmp / "camera_stations.tsv", "search_effort": tmp / "search_effort.tsv",
            "samples": tmp / "samples.tsv", "sample_individual": tmp / "sample_individual.tsv",
            "camera_traps": tmp / "camera_traps.tsv", "aliases": tmp / "aliases.tsv"}


def test_build_linked_sessions(tmp_path):
    p = write_inputs(tmp_path)
    data = dt.build(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                    p["camera_traps"], p["aliases"], "month")
    assert data.linked and len(data.years) == 1
    yd = data.years[0]
    assert set(yd.sets) == {"camera", "scat"}
    assert yd.occasions == [f"2020-{m:02d}" for m in range(1, 13)]
    # usage: cameras a full share of each month, scat effort only in searched months
    assert np.allclose(yd.sets["camera"].usage, 1.0)
    assert (yd.sets["scat"].usage[:, [1, 2, 4]] == 0).all()
    ids = pd.read_csv(p["samples"], sep="\t")
    assert int(yd.sets["scat"].captures.sum()) == len(ids)
    assert "+proj=laea" in data.projection.crs


def test_camera_alias_to_an_animal_known_only_from_blood(tmp_path):
    """A camera animal linked to a genetic id that has a blood sample but no scat is a
    camera-only animal of the SCR data (not an unknown individual)."""
    p = write_inputs(tmp_path)
    sheet = pd.read_csv(p["samples"], sep="\t")
    blood = sheet.iloc[[0]].assign(sample_id="BL001", sample_type="blood")
    pd.concat([sheet, blood]).to_csv(p["samples"], sep="\t", index=False)
    si = pd.read_csv(p["sample_individual"], sep="\t", dtype=str)
    si = pd.concat([si, si.iloc[[0]].assign(sample_id="BL001", individual_id="L999")])
    SAMPLE_INDIVIDUAL.write(si[SAMPLE_INDIVIDUAL.names], p["sample_individual"])
    cam = pd.read_csv(p["camera_traps"], sep="\t")
    cam_id = cam["individual_id"].iloc[0]
    al = pd.read_csv(p["aliases"], sep="\t")
    al = pd.concat([al[al["camera_id"] != cam_id],
                    pd.DataFrame({"camera_id": [cam_id], "individual_id": ["L999"]})])
    al.to_csv(p["aliases"], sep="\t", index=False)
    data = dt.build(p["stations"], p["search_effort"], p["samples"],
                    p["sample_individual"], p["camera_traps"], p["aliases"], "month")
    assert any("non-scat" in n for n in data.notes)
    yd = data.years[0]
    k = yd.animals.index("L999")
    assert yd.sets["scat"].captures[k].sum() == 0
    assert yd.sets["camera"].captures[k].sum() == (cam["individual_id"] == cam_id).sum()


def test_run_command_writes_tables(tmp_path):
    p = write_inputs(tmp_path)
    o = tmp_path / "out"
    args = cmd_args(["run", "--stations", p["stations"], "--search-effort",
                     p["search_effort"], "--samples", p["samples"], "--sample-individual",
                     p["sample_individual"], "--camera-traps", p["camera_traps"],
                     "--aliases", p["aliases"], "--buffer", "8000", "--spacing", "1000",
                     "--no-mask-check", "--out-dir", o])
    assert args.func(args) == 0
    est = out.read_estimates(o / "estimates.tsv").set_index("parameter")
    assert set(est.index) >= {"density_per_km2", "n_hat", "g0[camera]", "lambda0[scat]",
                              "sigma"}
    # one simulated data set: estimates within broad limits of the truth
    assert 500 < est.loc["sigma", "estimate"] < 8000
    assert est.loc["sigma", "lo"] < est.loc["sigma", "estimate"] < est.loc["sigma", "hi"]
    assert "+proj=laea" in (o / "projection.txt").read_text()
    assert (o / "detection_function.png").stat().st_size > 1000
    assert (o / "density_map.png").stat().st_size > 1000


def test_density_map_on_the_configured_grid(tmp_path, monkeypatch):
    # --grid-km reaches the map (drawn on the generalised grid); finer than the 1 km floor
    # is refused by the parser
    from leogen.scr import run as scr_run
    seen = []
    monkeypatch.setattr(scr_run, "_density_map",
                        lambda result, projection, path, grid_km: seen.append(grid_km))
    p = write_inputs(tmp_path)
    args = cmd_args(["run", "--stations", p["stations"], "--search-effort",
                     p["search_effort"], "--samples", p["samples"], "--sample-individual",
                     p["sample_individual"], "--camera-traps", p["camera_traps"],
                     "--aliases", p["aliases"], "--buffer", "8000", "--spacing", "2000",
                     "--no-mask-check", "--grid-km", "25", "--out-dir", tmp_path / "out"])
    assert args.func(args) == 0 and seen == [25.0]
    with pytest.raises(SystemExit):
        cmd_args(["run", "--grid-km", "0.5", "--out-dir", tmp_path / "o2"])


def cmd_args(argv):
    import argparse
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cmd.register(sub)
    return parser.parse_args(["scr", *map(str, argv)])


def test_export_roundtrip(tmp_path):
    p = write_inputs(tmp_path)
    files = run.export(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                       p["camera_traps"], p["aliases"], "month", tmp_path / "secr")
    traps = secrio.read_traps(tmp_path / "secr" / "2020_scat_traps.txt")
    rec = secrio.read_captures(tmp_path / "secr" / "2020_scat_captures.txt", traps)
    data = dt.build(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                    p["camera_traps"], p["aliases"], "month")
    s = data.years[0].sets["scat"]
    assert np.allclose(traps.usage, s.usage, atol=1e-5)
    animals, y = secrio.capture_array(rec, traps, "2020", s.usage.shape[1], "count")
    order = [data.years[0].animals.index(a) for a in animals]
    assert (y == s.captures[order]).all() and int(y.sum()) == int(s.captures.sum())
    assert (files[0].stat().st_mode & 0o077) == 0


def test_secr_files_both_ways(tmp_path):
    ids = ["A1", "A2", "B1"]
    xy = np.array([[0.0, 0.0], [30.0, 0.0], [0.0, 30.0]])
    use = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float)
    secrio.write_traps(tmp_path / "t.txt", ids, xy, use)
    assert "A1 0.00 0.00 110" in (tmp_path / "t.txt").read_text()
    t = secrio.read_traps(tmp_path / "t.txt")
    assert t.ids == ids and np.allclose(t.xy, xy) and np.allclose(t.usage, use)
    secrio.write_captures(tmp_path / "c.txt", ["s", "s"], ["7", "8"], [1, 3], ["A2", "B1"])
    r = secrio.read_captures(tmp_path / "c.txt", t)
    assert r.animal == ["7", "8"] and list(r.occasion) == [1, 3] and r.detector == ["A2", "B1"]
    secrio.write_captures(tmp_path / "xy.txt", ["s"], ["7"], [2], None, "XY", [[30.0, 0.0]])
    assert secrio.read_captures(tmp_path / "xy.txt", t).detector == ["A2"]


def test_fit_command_on_captdata(tmp_path):
    from pathlib import Path
    data = Path(__file__).resolve().parent / "data"
    args = cmd_args(["fit", "--detectors", data / "captdata_trap.txt", "--captures",
                     data / "captdata_capt.txt", "--detector-type", "multi", "--buffer",
                     "100", "--no-mask-check", "--out-dir", tmp_path])
    assert args.func(args) == 0
    m = out.MODELS.read(tmp_path / "models.tsv")
    # secrdemo.0: log-likelihood -759.026, 3 parameters, AIC 1524.05
    assert m["aic"].iloc[0] == pytest.approx(1524.051, abs=0.01)


# ------------------------------------------------------------------------- bad input
def _expect(exc, *parts):
    msg = str(exc.value)
    for part in parts:
        assert part in msg, msg


def test_unknown_station(tmp_path):
    p = write_inputs(tmp_path)
    df = pd.read_csv(p["camera_traps"], sep="\t")
    df.loc[1, "station"] = "CAM99"
    df.to_csv(p["camera_traps"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.build(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                 p["camera_traps"], p["aliases"])
    _expect(e, "camera_traps.tsv", "line 3", "CAM99", "not in the camera stations")


def test_station_without_coordinates(tmp_path):
    p = write_inputs(tmp_path)
    df = pd.read_csv(p["stations"], sep="\t", dtype=str)
    df.loc[2, "lat"] = ""
    df.to_csv(p["stations"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.read_stations(p["stations"])
    _expect(e, "camera_stations.tsv", "line 4", "lat is empty")


def test_detection_when_camera_not_operating(tmp_path):
    p = write_inputs(tmp_path)
    st = pd.read_csv(p["stations"], sep="\t")
    cam = pd.read_csv(p["camera_traps"], sep="\t")
    station = cam.loc[0, "station"]
    st.loc[st["station"] == station, "start_date"] = "2020-12-20"
    st.to_csv(p["stations"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.build(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                 p["camera_traps"], p["aliases"])
    _expect(e, "camera_traps.tsv", "line 2", "column date", "not operating")


def test_coordinates_outside_projection_area(tmp_path):
    p = write_inputs(tmp_path)
    df = pd.read_csv(p["search_effort"], sep="\t")
    df.loc[5, "lat"] = 63.3                     # a mistyped latitude, 2,000 km north
    df.to_csv(p["search_effort"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.build(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                 p["camera_traps"], p["aliases"])
    _expect(e, "search_effort.tsv", "line 7", "lat", "projection is valid within")
    df.loc[5, "lat"], df.loc[5, "lon"] = df.loc[5, "lon"], LAT0   # swapped lat and lon
    df.to_csv(p["search_effort"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.read_search_effort(p["search_effort"])
    _expect(e, "search_effort.tsv", "line 7", "is outside -90 to 90 degrees")


def test_non_numeric_coordinate(tmp_path):
    p = write_inputs(tmp_path)
    df = pd.read_csv(p["search_effort"], sep="\t", dtype=str)
    df.loc[0, "lon"] = "131,4E"
    df.to_csv(p["search_effort"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.read_search_effort(p["search_effort"])
    _expect(e, "line 2", "lon '131,4E' is not a number")


def test_scat_at_unknown_cell_and_bad_effort(tmp_path):
    p = write_inputs(tmp_path)
    df = pd.read_csv(p["samples"], sep="\t")
    df.loc[0, "site"] = "X1"
    df.to_csv(p["samples"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.build(None, p["search_effort"], p["samples"], p["sample_individual"])
    _expect(e, "samples.tsv", "line 2", "site 'X1'")
    ef = pd.read_csv(p["search_effort"], sep="\t")
    ef.loc[3, "effort_km"] = -1
    ef.to_csv(p["search_effort"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.read_search_effort(p["search_effort"])
    _expect(e, "line 5", "effort_km")


def test_scat_in_occasion_without_effort(tmp_path):
    p = write_inputs(tmp_path)
    df = pd.read_csv(p["samples"], sep="\t")
    df.loc[0, "date"] = "2020-02-10"
    df.to_csv(p["samples"], sep="\t", index=False)
    with pytest.raises(InputError) as e:
        dt.build(None, p["search_effort"], p["samples"], p["sample_individual"])
    _expect(e, "samples.tsv", "line 2", "no effort")


def test_habitat_polygon_clipping_detectors(tmp_path):
    import json
    p = write_inputs(tmp_path)
    poly = {"type": "Polygon", "coordinates": [[[LON0 - 0.01, LAT0 - 0.01],
                                                [LON0 + 0.2, LAT0 - 0.01],
                                                [LON0 + 0.2, LAT0 + 0.2],
                                                [LON0 - 0.01, LAT0 - 0.01]]]}
    (tmp_path / "h.geojson").write_text(json.dumps(poly))
    with pytest.raises(InputError) as e:
        run.run_pipeline(p["stations"], p["search_effort"], p["samples"],
                         p["sample_individual"], p["camera_traps"], p["aliases"],
                         buffer=8000, out_dir=tmp_path / "o", habitat=tmp_path / "h.geojson")
    _expect(e, "h.geojson", "clips")


def test_secr_file_errors(tmp_path):
    (tmp_path / "t.txt").write_text("A 0 0\nB 1 x\n")
    with pytest.raises(InputError) as e:
        secrio.read_traps(tmp_path / "t.txt")
    _expect(e, "line 2", "y 'x' is not a number")
    (tmp_path / "t.txt").write_text("A 0 0\nB 30 0\n")
    t = secrio.read_traps(tmp_path / "t.txt")
    (tmp_path / "c.txt").write_text("1 a 1 A\n1 b 2 Z\n")
    with pytest.raises(InputError) as e:
        secrio.read_captures(tmp_path / "c.txt", t, "trapID")
    _expect(e, "c.txt", "line 2", "detector 'Z' is not in the trap layout")
    (tmp_path / "c.txt").write_text("1 a 1 A\n1 a 1 B\n")
    rec = secrio.read_captures(tmp_path / "c.txt", t, "trapID")
    with pytest.raises(InputError) as e:
        secrio.capture_array(rec, t, "1", 2, "multi", tmp_path / "c.txt")
    _expect(e, "caught twice")
