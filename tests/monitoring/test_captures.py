"""Detection histories from identified samples and camera-trap detections."""

from __future__ import annotations

import pandas as pd
import pytest

from leogen.cli import main
from leogen.errors import InputError
from leogen.monitoring.captures import build_histories, capture_histories, mark_inp
from leogen.monitoring.occasions import occasion_labels

SHEET = """sample_id\tsample_type\tdate\tsite\tlat\tlon
S1\tscat\t2021-01-10\teast\t43.1\t131.2
S2\tscat\t2021-03-02\teast\t43.1\t131.2
S3\tscat\t2021-03-20\twest\t43.2\t131.0
S4\tscat\t2021-02-14\twest\t43.2\t131.0
S5\tscat\t2021-02-15\twest\t43.2\t131.0
S6\tscat\t2022-01-05\teast\t43.1\t131.2
S7\tscat\t2021-03-21\twest\t43.2\t131.0
"""
# S4: no individual (failed), S5: ambiguous -> Feb 2021 surveyed but nobody detected
SI = """sample_id\tindividual_id\tn_loci_compared\tn_mismatches\tstatus
S1\tA\t12\t0\tmatched
S2\tA\t12\t0\tmatched
S3\tB\t12\t0\tunique
S4\tNA\t2\tNA\tinsufficient_loci
S5\tB\t12\t1\tambiguous
S6\tA\t12\t0\tmatched
S7\tA\t12\t0\tmatched
"""
CAMERA = """date\tstation\tindividual_id\tlat\tlon
2021-02-10\tC1\tCT-7\t43.15\t131.1
2021-02-10\tC1\tCT-7\t\t
2021-03-05\tC2\tB\t43.18\t131.3
"""
ALIASES = """camera_id\tindividual_id
CT-7\tA
"""


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("samples.tsv", SHEET), ("si.tsv", SI), ("camera.tsv", CAMERA),
                       ("aliases.tsv", ALIASES)):
        (tmp_path / name).write_text(text)
        paths[name] = tmp_path / name
    return paths


def test_genetic_histories_by_month(files):
    det, hist, occ = build_histories(files["si.tsv"], files["samples.tsv"])
    assert occ[2021] == ["2021-01", "2021-02", "2021-03"]
    h = hist.set_index(["year", "individual_id"])
    # A: Jan and Mar (two samples in Mar count as two detections, one occasion)
    assert h.loc[(2021, "A"), "history"] == "101"
    assert h.loc[(2021, "A"), "n_detections"] == 3
    assert h.loc[(2021, "A"), "n_occasions_detected"] == 2
    assert h.loc[(2021, "B"), "history"] == "001"  # the ambiguous Feb sample is not used
    assert h.loc[(2021, "B"), "n_places"] == 1
    assert h.loc[(2022, "A"), "history"] == "1"
    assert set(hist["sources"]) == {"genetic"}
    assert "lat" not in hist.columns and "lon" not in hist.columns


def test_camera_and_genetic_detections_combine(files):
    _, hist, _ = build_histories(files["si.tsv"], files["samples.tsv"], files["camera.tsv"],
                                 files["aliases.tsv"])
    h = hist.set_index(["year", "individual_id"])
    a = h.loc[(2021, "A")]
    assert a["history"] == "111"
    assert a["n_camera"] == 1  # two photos at one station on one day count once
    assert a["n_genetic"] == 3
    assert a["sources"] == "genetic+camera"
    b = h.loc[(2021, "B")]  # camera id that is a genetic id needs no alias
    assert b["sources"] == "genetic+camera" and b["n_detections"] == 2


def test_occasion_labels():
    d = ["2021-12-03", "2021-01-20", "2021-04-01", "2021-07-01", "2021-10-01"]
    assert list(occasion_labels(d, "season")) == [
        "2022-1_winter", "2021-1_winter", "2021-2_spring", "2021-3_summer", "2021-4_autumn"]
    assert list(occasion_labels(d, "year")) == ["2021"] * 5
    assert list(occasion_labels(d[:2], "month")) == ["2021-12", "2021-01"]
    assert list(occasion_labels(d[:2], "session", ["s1", "s2"])) == ["2021-s1", "2021-s2"]


def test_one_season_definition_for_identify_and_monitoring():
    """A winter spans the new year and is one season, labelled by the year of its January;
    identify's capture histories (built here) and monitoring's detection histories use the
    same labels and the same matrix code."""
    dates = ["2020-12-05", "2021-01-10", "2021-12-20"]
    assert list(occasion_labels(dates, "season")) == [
        "2021-1_winter", "2021-1_winter", "2022-1_winter"]
    caps = capture_histories(["A", "A", "B"], dates, dates + ["2021-04-01"], ["A", "B", "C"],
                             "season")
    assert list(caps.columns) == ["individual_id", "2021-1_winter", "2021-2_spring",
                                  "2022-1_winter"]
    assert caps.set_index("individual_id").to_numpy().tolist() == [[1, 0, 0], [0, 0, 1],
                                                                    [0, 0, 0]]
    assert mark_inp(caps).splitlines()[0] == "/* A */ 100 1;"


def _run(files, tmp_path, camera_text, capsys, extra=()):
    cam = tmp_path / "bad_camera.tsv"
    cam.write_text(camera_text)
    rc = main(["abundance", "--sample-individual", str(files["si.tsv"]), "--samples",
               str(files["samples.tsv"]), "--camera-traps", str(cam), "--aliases",
               str(files["aliases.tsv"]), "--bootstraps", "10", "--out-dir",
               str(tmp_path / "out"), *extra])
    return rc, capsys.readouterr().err


def test_unknown_individual_is_an_error(files, tmp_path, capsys):
    rc, err = _run(files, tmp_path, CAMERA + "2021-03-06\tC2\tCT-99\t43.18\t131.3\n", capsys)
    assert rc == 2
    assert "bad_camera.tsv line 5" in err
    assert "individual_id 'CT-99' is unknown" in err
    assert "Traceback" not in err


def test_date_outside_study_is_an_error(files, tmp_path, capsys):
    rc, err = _run(files, tmp_path, CAMERA + "2023-06-01\tC2\tB\t43.18\t131.3\n", capsys)
    assert rc == 2
    assert "line 5" in err and "date 2023-06-01 is outside the study period" in err
    assert "2021-01-10 to 2022-01-05" in err


def test_explicit_study_period(files, tmp_path, capsys):
    rc, err = _run(files, tmp_path, CAMERA, capsys, ["--study-start", "2021-03-01"])
    assert rc == 2
    assert "line 2" in err and "date 2021-02-10 is outside the study period 2021-03-01" in err


def test_station_without_coordinates_is_an_error(files, tmp_path, capsys):
    rc, err = _run(files, tmp_path, CAMERA + "2021-03-06\tC9\tB\t\t\n", capsys)
    assert rc == 2
    assert "bad_camera.tsv line 5: station 'C9' has no coordinates (lat and lon" in err


def test_bad_date_and_missing_column_in_camera_sheet(files, tmp_path, capsys):
    rc, err = _run(files, tmp_path, CAMERA + "2021-13-06\tC2\tB\t43.18\t131.3\n", capsys)
    assert rc == 2 and "line 5" in err and "not a date" in err
    rc, err = _run(files, tmp_path, "date\tindividual_id\n2021-02-10\tCT-7\n", capsys)
    assert rc == 2 and "missing column(s) station" in err


def test_conflicting_alias_is_an_error(files, tmp_path, capsys):
    files["aliases.tsv"].write_text(ALIASES + "CT-7\tB\n")
    rc, err = _run(files, tmp_path, CAMERA, capsys)
    assert rc == 2 and "aliases.tsv line 3" in err and "linked to 'A'" in err


def test_session_occasion_needs_session_column(files, tmp_path, capsys):
    rc = main(["abundance", "--sample-individual", str(files["si.tsv"]), "--samples",
               str(files["samples.tsv"]), "--occasion", "session", "--out-dir",
               str(tmp_path / "o")])
    assert rc == 2
    assert "needs a non-empty 'session' column" in capsys.readouterr().err


def test_cli_writes_detection_history_with_sources(files, tmp_path):
    rc = main(["abundance", "--sample-individual", str(files["si.tsv"]), "--samples",
               str(files["samples.tsv"]), "--camera-traps", str(files["camera.tsv"]),
               "--aliases", str(files["aliases.tsv"]), "--bootstraps", "10", "--out-dir",
               str(tmp_path / "o")])
    assert rc == 0
    h = pd.read_csv(tmp_path / "o" / "detection_history.tsv", sep="\t", dtype={"history": str})
    assert h.loc[(h["year"] == 2021) & (h["individual_id"] == "A"), "sources"].item() == \
        "genetic+camera"


def test_study_period_limits_genetic_samples_without_cameras(files):
    # was: --study-start/--study-end were read only when camera traps were given
    _, hist, occ = build_histories(files["si.tsv"], files["samples.tsv"],
                                   study_start="2021-02-01", study_end="2021-12-31")
    # S1 (Jan 2021) and S6 (2022) are outside: A keeps its two March samples only
    assert occ == {2021: ["2021-02", "2021-03"]}
    h = hist.set_index(["year", "individual_id"])
    assert h.loc[(2021, "A"), "history"] == "01"
    assert h.loc[(2021, "A"), "n_detections"] == 2
    assert (2022, "A") not in h.index


def test_study_end_before_start_is_an_error(files):
    with pytest.raises(InputError, match=r"starts \(2021-05-01\) after it ends \(2021-02-01\)"):
        build_histories(files["si.tsv"], files["samples.tsv"], study_start="2021-05-01",
                        study_end="2021-02-01")
