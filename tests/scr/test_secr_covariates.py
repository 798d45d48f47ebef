"""Sex as an individual covariate of secr's capture files, both ways (issue 18): written by
``leogen scr export --sex-covariate``, read by ``leogen scr fit --sex-column``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.scr import detectors as dt
from leogen.scr import outputs as out
from leogen.scr import run, secrio
from leogen.scr.sexes import read_sex, sex_from_captures
from tests.scr.test_pipeline import cmd_args, write_inputs
from tests.scr.test_sex import DATA, _oven, _oven_loglik

TRAPS = secrio.read_traps(DATA / "ovenCH_trap.txt")


def _oven_with_sex_column(path):
    """ovenCH_capt.txt with the sex of ovenCH_sex.tsv as a 5th column (one value per
    detection row), written by :func:`secrio.write_captures`."""
    rec = secrio.read_captures(DATA / "ovenCH_capt.txt", TRAPS)
    sex = read_sex(DATA / "ovenCH_sex.tsv")
    col = [sex[a] or "NA" for a in rec.animal]
    secrio.write_captures(path, rec.session, rec.animal, rec.occasion, rec.detector,
                          covariates={"sex": col})
    return rec, sex


def test_written_sex_column_reads_back(tmp_path):
    p = tmp_path / "oven_capt.txt"
    rec, sex = _oven_with_sex_column(p)
    lines = p.read_text().splitlines()
    assert lines[0] == "# Session ID Occasion Detector sex"
    # secr's layout: session ID occasion detector, then the covariate
    assert lines[1] == "2005 1911.52067 1 2 F"
    back = secrio.read_captures(p, TRAPS)
    assert back.covnames == ["sex"]
    assert (back.session, back.animal, back.detector) == (rec.session, rec.animal,
                                                          rec.detector)
    assert np.array_equal(back.occasion, rec.occasion)
    assert back.line.tolist() == list(range(2, len(lines) + 1))
    for column in ("sex", "SEX", 1, "1"):
        got = sex_from_captures(back, column, p)
        assert got.to_dict() == sex.loc[list(got.index)].to_dict()
    assert set(got.index) == set(rec.animal)
    assert (p.stat().st_mode & 0o077) == 0


def test_sex_column_gives_secr_hcov_loglik(tmp_path):
    """secr's hcov log-likelihood of ovenCH at its start values (test_sex.py, LL1), with
    the sex read from the capture file's column instead of the sex table."""
    p = tmp_path / "oven_capt.txt"
    _oven_with_sex_column(p)
    sessions = _oven(captures=p, sex_of=lambda r: sex_from_captures(r, "sex", p))
    assert [int((s.known_class == 0).sum()) for s in sessions] == [7, 10]
    assert [int((s.known_class == 1).sum()) for s in sessions] == [13, 12]
    ll, _ = _oven_loglik(sessions)
    assert ll == pytest.approx(-393.62886, abs=1e-4)
    ref, _ = _oven_loglik(_oven())
    assert ll == ref


def test_fit_command_sex_column_equals_sex_covariate(tmp_path):
    p = tmp_path / "oven_capt.txt"
    _oven_with_sex_column(p)
    common = ["fit", "--detectors", DATA / "ovenCH_trap.txt", "--detector-type", "multi",
              "--buffer", "200", "--spacing", "50", "--no-mask-check"]
    a = cmd_args([*common, "--captures", DATA / "ovenCH_capt.txt", "--sex-covariate",
                  DATA / "ovenCH_sex.tsv", "--out-dir", tmp_path / "table"])
    b = cmd_args([*common, "--captures", p, "--sex-column", "sex", "--out-dir",
                  tmp_path / "column"])
    assert a.func(a) == 0 and b.func(b) == 0
    ma = out.MODELS.read(tmp_path / "table" / "models.tsv")
    mb = out.MODELS.read(tmp_path / "column" / "models.tsv")
    assert len(ma) == 4 and any("sigma~sex" in m for m in ma["model"])
    assert ma["model"].tolist() == mb["model"].tolist()
    assert np.array_equal(ma["loglik"].to_numpy(), mb["loglik"].to_numpy())
    assert (tmp_path / "table" / "estimates.tsv").read_bytes() == \
        (tmp_path / "column" / "estimates.tsv").read_bytes()


def test_sex_column_and_sex_covariate_exclude_each_other(tmp_path):
    with pytest.raises(SystemExit):
        cmd_args(["fit", "--detectors", "t", "--captures", "c", "--detector-type", "multi",
                  "--buffer", "1", "--sex-covariate", "s.tsv", "--sex-column", "sex",
                  "--out-dir", tmp_path])
    with pytest.raises(ValueError, match="not both"):
        run.fit_files("t", "c", "multi", 1.0, tmp_path, sex_covariate="s.tsv",
                      sex_column="sex")


# ------------------------------------------------------------------ the export
def _individuals(tmp_path, p, seed=1):
    from leogen.identify.outputs import INDIVIDUALS
    si = pd.read_csv(p["sample_individual"], sep="\t", dtype=str)
    ids = sorted(set(si["individual_id"].dropna()))
    rng = np.random.default_rng(seed)
    ind = pd.DataFrame({"individual_id": ids, "n_samples": 1, "sample_types": "scat",
                        "sex": rng.choice(["F", "M", "U"], len(ids)), "sex_source": "genetic",
                        "first_seen": "2020-01-10", "last_seen": "2020-10-10",
                        "n_loci_typed": 10, "sites": "S00", "individual_hints": pd.NA})
    INDIVIDUALS.write(ind[INDIVIDUALS.names], tmp_path / "individuals.tsv")
    return tmp_path / "individuals.tsv", dict(zip(ind["individual_id"], ind["sex"],
                                                  strict=True))


def test_export_roundtrip_with_sex(tmp_path):
    p = write_inputs(tmp_path)
    ind, truth = _individuals(tmp_path, p)
    args = cmd_args(["export", "--stations", p["stations"], "--search-effort",
                     p["search_effort"], "--samples", p["samples"], "--sample-individual",
                     p["sample_individual"], "--camera-traps", p["camera_traps"],
                     "--aliases", p["aliases"], "--sex-covariate", ind, "--out-dir",
                     tmp_path / "secr"])
    assert args.func(args) == 0
    data = dt.build(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
                    p["camera_traps"], p["aliases"], "month")
    yd = data.years[0]
    n_known = 0
    for name, s in yd.sets.items():
        tp = tmp_path / "secr" / f"2020_{name}_traps.txt"
        cp = tmp_path / "secr" / f"2020_{name}_captures.txt"
        text = cp.read_text()
        # numeric usage (scat km) needs secr's binary.usage = FALSE, 0/1 usage does not
        numeric = ", binary.usage = FALSE" if name == "scat" else ""
        assert f"read.capthist('{cp.name}', '{tp.name}', detector = '{s.detector_type}', " \
               f"covnames = 'sex'{numeric})" in text
        assert "column 5 'sex'" in text
        assert (cp.stat().st_mode & 0o077) == 0
        traps = secrio.read_traps(tp)
        rec = secrio.read_captures(cp, traps)
        assert rec.covnames == ["sex"]
        # same captures
        animals, y = secrio.capture_array(rec, traps, "2020", s.usage.shape[1],
                                          s.detector_type)
        order = [yd.animals.index(a) for a in animals]
        assert (y == s.captures[order]).all() and int(y.sum()) == int(s.captures.sum())
        # same sexes: F/M as in the table; U and camera-only animals (not in it) unknown
        got = sex_from_captures(rec, "sex", cp)
        want = {a: (truth.get(a, "U") if truth.get(a, "U") in ("F", "M") else "")
                for a in animals}
        assert got.to_dict() == want
        n_known += sum(v != "" for v in want.values())
        # every row of an unknown animal is NA, secr's missing value
        na = [ln.split()[4] for ln in text.splitlines()
              if not ln.startswith("#") and want[ln.split()[1]] == ""]
        assert set(na) <= {"NA"}
    assert n_known > 5
    assert set(yd.sets) == {"camera", "scat"}


def test_export_without_sex_keeps_four_columns(tmp_path):
    p = write_inputs(tmp_path)
    run.export(p["stations"], p["search_effort"], p["samples"], p["sample_individual"],
               p["camera_traps"], p["aliases"], "month", tmp_path / "secr")
    lines = (tmp_path / "secr" / "2020_scat_captures.txt").read_text().splitlines()
    assert lines[0] == "# Session ID Occasion Detector"
    assert {len(ln.split()) for ln in lines[1:]} == {4}


# ------------------------------------------------------------------ bad input
def _capt(tmp_path, body, header="# Session ID Occasion Detector sex\n"):
    p = tmp_path / "capt.txt"
    p.write_text(header + body)
    return p, secrio.read_captures(p, TRAPS)


def test_inconsistent_sex_names_file_line_column(tmp_path):
    p, rec = _capt(tmp_path, "2005 a 1 2 F\n2005 b 1 3 M\n2005 a 2 4 NA\n2005 a 3 5 m\n")
    with pytest.raises(InputError) as e:
        sex_from_captures(rec, "sex", p)
    assert e.value.line == 5 and e.value.column == "sex" and str(p) in str(e.value)
    assert "'a'" in str(e.value) and "line 2" in str(e.value)


def test_na_rows_and_long_codes_follow_the_known_value(tmp_path):
    """secr keeps an animal's first non-missing value; NA rows do not contradict it."""
    p, rec = _capt(tmp_path, "2005 a 1 2 NA\n2005 a 2 4 female\n2005 b 1 3 Male\n"
                             "2005 c 1 3 NA\n2006 a 1 3 F\n")
    assert sex_from_captures(rec, "sex", p).to_dict() == {"a": "F", "b": "M", "c": ""}


@pytest.mark.parametrize("value", ["U", "1", "x"])
def test_other_sex_codes_are_errors(tmp_path, value):
    p, rec = _capt(tmp_path, f"2005 a 1 2 F\n2005 b 1 3 {value}\n")
    with pytest.raises(InputError) as e:
        sex_from_captures(rec, 1, p)
    assert e.value.line == 3 and e.value.column == "sex" and f"'{value}'" in str(e.value)


def test_secr_numeric_covariate_of_captdata_is_not_a_sex():
    """captdata's covariate column (XY format) holds secr's numeric codes 1/2."""
    traps = secrio.read_traps(DATA / "captdata_trap.txt")
    rec = secrio.read_captures(DATA / "captdata_capt.txt", traps)
    assert rec.covnames is None and rec.covariates[0] == ("2",)
    with pytest.raises(InputError) as e:
        sex_from_captures(rec, 1, DATA / "captdata_capt.txt")
    assert e.value.line == 1 and e.value.column == "covariate 1"
    with pytest.raises(InputError, match="no column-header comment"):
        sex_from_captures(rec, "sex", DATA / "captdata_capt.txt")


def test_missing_sex_field_and_unknown_name(tmp_path):
    p, rec = _capt(tmp_path, "2005 a 1 2 F\n2005 b 1 3\n")
    with pytest.raises(InputError) as e:
        sex_from_captures(rec, "sex", p)
    assert e.value.line == 3 and "NA" in str(e.value)
    with pytest.raises(InputError) as e:
        sex_from_captures(rec, "gender", p)
    assert "names sex" in str(e.value) and e.value.column == "gender"


def test_xy_format_with_sex_column(tmp_path):
    x, y = TRAPS.xy[1]
    secrio.write_captures(tmp_path / "xy.txt", ["1", "1"], ["a", "b"], [1, 2], None, "XY",
                          [[x, y], [x, y]], covariates={"sex": ["M", None]})
    lines = (tmp_path / "xy.txt").read_text().splitlines()
    assert lines[0] == "# Session ID Occasion X Y sex" and lines[2].endswith(" NA")
    rec = secrio.read_captures(tmp_path / "xy.txt", TRAPS)
    assert rec.detector == [TRAPS.ids[1]] * 2
    assert sex_from_captures(rec, "sex").to_dict() == {"a": "M", "b": ""}


def test_write_rejects_separators_in_covariates(tmp_path):
    with pytest.raises(ValueError, match="whitespace"):
        secrio.write_captures(tmp_path / "c.txt", ["1"], ["a"], [1], ["2"],
                              covariates={"sex": ["F M"]})
