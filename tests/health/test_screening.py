"""Screening results: titres, cut-offs, result words, linking to animals, per-animal timelines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.health import screening as sc


# --------------------------------------------------------------------------- titres
@pytest.mark.parametrize("text, expected", [
    ("1:64", ("", 64.0)),
    ("<1:8", ("<", 8.0)),
    (">=1:128", (">=", 128.0)),
    ("64", ("", 64.0)),
    (" 1 : 32 ", ("", 32.0)),
    ("> 1:256", (">", 256.0)),
    ("<=16", ("<=", 16.0)),
    ("≥1:40", (">=", 40.0)),
])
def test_parse_titer(text, expected):
    assert sc.parse_titer(text) == expected


@pytest.mark.parametrize("text", ["", "NA", None])
def test_parse_titer_missing(text):
    q, v = sc.parse_titer(text)
    assert q == "" and math.isnan(v)


@pytest.mark.parametrize("text", ["abc", "1:0", "1/64", "64:1", "1:-4", "pos"])
def test_parse_titer_rejects(text):
    with pytest.raises(ValueError, match="titre"):
        sc.parse_titer(text)


def test_format_titer_roundtrip():
    assert sc.format_titer("<", 8.0) == "<1:8"
    assert sc.format_titer("", 16.0) == "1:16"
    assert sc.format_titer("", math.nan) == ""


@pytest.mark.parametrize("q, v, cut, expected", [
    ("", 64, 16, "positive"),
    ("", 16, 16, "positive"),      # >= cut-off is positive
    ("", 8, 16, "negative"),
    ("<", 8, 16, "negative"),      # below 8, cut-off 16
    ("<", 16, 16, "negative"),     # below 16
    ("<", 32, 16, "equivocal"),    # could be 16 or 4
    ("<=", 16, 16, "equivocal"),   # could be exactly 16
    ("<=", 8, 16, "negative"),
    (">=", 128, 16, "positive"),
    (">=", 8, 16, "equivocal"),
    (">", 16, 16, "positive"),
    (">", 8, 16, "equivocal"),
])
def test_interpret_titer(q, v, cut, expected):
    assert sc.interpret_titer(q, float(v), float(cut)) == expected


def test_interpret_titer_without_cutoff():
    assert sc.interpret_titer("", 64.0, math.nan) is None
    assert sc.interpret_titer("", math.nan, 16.0) is None


@pytest.mark.parametrize("word, expected", [
    ("positive", "positive"), ("POS", "positive"), ("Detected", "positive"),
    ("negative", "negative"), ("neg", "negative"), ("not detected", "negative"),
    ("equivocal", "equivocal"), ("inconclusive", "equivocal"), ("Indeterminate", "equivocal"),
])
def test_normalise_result(word, expected):
    assert sc.normalise_result(word) == expected


def test_normalise_result_unknown():
    assert sc.normalise_result("") is None
    with pytest.raises(ValueError, match="not one of positive, negative, equivocal"):
        sc.normalise_result("maybe")


# --------------------------------------------------------------------------- cut-off file
def test_load_cutoffs_forms(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("cutoffs:\n  CDV:\n    VNT: {cutoff: '1:16', sensitivity: 0.9, specificity: 0.95,"
                 " source: 'lab SOP'}\n    elisa: 100\n")
    c = sc.load_cutoffs(p)
    assert c[("CDV", "vnt")] == {"cutoff": 16.0, "sensitivity": 0.9, "specificity": 0.95,
                                 "source": "lab SOP"}
    assert c[("CDV", "elisa")]["cutoff"] == 100.0
    whole = tmp_path / "config.yaml"
    whole.write_text("samples: s.tsv\nhealth:\n  grid_km: 10\n  cutoffs:\n    FPV: {hi: '1:40'}\n")
    assert sc.load_cutoffs(whole)[("FPV", "hi")]["cutoff"] == 40.0
    assert sc.load_cutoffs(None) == {}


@pytest.mark.parametrize("text, message", [
    ("CDV:\n  vnt: {cutoff: 'high'}\n", "CDV/vnt: cut-off 'high' is not a titre"),
    ("CDV:\n  vnt: {cutoff: 16, sensitivity: 1.5}\n",
     "CDV/vnt sensitivity: 1.5 is not a proportion"),
    ("CDV:\n  vnt: {cutof: 16}\n", "unknown key(s) cutof"),
    ("CDV: 16\n", "CDV: expected a mapping assay -> cut-off"),
    ("CDV: [\n", "not valid YAML"),
])
def test_load_cutoffs_errors(tmp_path, text, message):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        sc.load_cutoffs(p)
    assert message in str(e.value)
    assert "c.yaml" in str(e.value)


# --------------------------------------------------------------------------- normalising
def _raw(rows):
    cols = ["sample_id", "individual_id", "date", "pathogen", "assay", "result", "titer",
            "sensitivity", "specificity", "lab", "cutoff"]
    df = pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], columns=cols, dtype=object)
    df["_line"] = np.arange(len(df)) + 2
    return df


def test_cutoff_precedence_and_flags():
    raw = _raw([
        # config cut-off 1:16 overrides the lab's 1:64 in the row
        ("S1", "", "2020-01-01", "CDV", "vnt", "negative", "1:32", "", "", "L", "1:64"),
        # the lab's own cut-off when the config has none for this assay
        ("S2", "", "2020-01-01", "FPV", "hi", "positive", "1:40", "", "", "L", "1:80"),
        # built-in default: Bartonella IFA >= 1:64
        ("S3", "", "2020-01-01", "Bartonella", "ifa", "negative", "1:64", "", "", "L", ""),
        # no cut-off anywhere: lab's call kept and flagged
        ("S4", "", "2020-01-01", "T_gondii", "mat", "positive", "1:25", "", "", "L", ""),
        # no titre (PCR): lab's call, not flagged
        ("S5", "", "2020-01-01", "CDV", "pcr", "positive", "", "", "", "L", ""),
        # empty result is fine when the titre and a cut-off decide
        ("S6", "", "2020-01-01", "CDV", "vnt", "", "<1:8", "", "", "L", ""),
    ])
    cut = {("CDV", "vnt"): {"cutoff": 16.0, "sensitivity": None, "specificity": None,
                            "source": "SOP"}}
    t = sc.normalise_screening(raw, cut, "s.tsv")
    assert list(t["result"]) == ["positive", "negative", "positive", "positive", "positive",
                                 "negative"]
    assert list(t["cutoff"].fillna(-1)) == [16, 80, 64, -1, -1, 16]
    assert t["cutoff_source"][0].startswith("config")
    assert t["cutoff_source"][1] == "lab"
    assert t["cutoff_source"][2].startswith("default")
    assert list(t["missing_cutoff"]) == [False, False, False, True, False, False]
    assert list(t["basis"]) == ["cutoff", "cutoff", "cutoff", "lab", "lab", "cutoff"]
    # the lab called S1 negative, S2 positive, S3 negative: S1, S2, S3 disagree with the cut-off
    assert list(t["lab_disagrees"]) == [True, True, True, False, False, False]
    assert t["lab_result"][0] == "negative"


def test_sensitivity_specificity_sources():
    raw = _raw([("S1", "", "2020-01-01", "FPV", "hi", "positive", "", "0.8", "0.9", "", ""),
                ("S2", "", "2020-01-01", "CDV", "vnt", "positive", "", "0.8", "0.9", "", "")])
    cut = {("CDV", "vnt"): {"cutoff": None, "sensitivity": 0.95, "specificity": 0.99,
                            "source": "validation"}}
    t = sc.normalise_screening(raw, cut)
    assert (t["sensitivity"][0], t["specificity"][0], t["se_sp_source"][0]) == (
        0.8, 0.9, "screening table")
    assert (t["sensitivity"][1], t["specificity"][1]) == (0.95, 0.99)
    assert t["se_sp_source"][1] == "config: validation"


def test_normalise_collects_all_errors():
    raw = _raw([("S1", "", "2020-13-01", "CDV", "vnt", "positive", "1:x", "", "", "", ""),
                ("", "", "2020-01-01", "CDV", "vnt", "maybe", "", "1.5", "", "", "")])
    with pytest.raises(InputError) as e:
        sc.normalise_screening(raw, {}, "s.tsv")
    msg = str(e.value)
    assert "s.tsv line 2: date '2020-13-01' is not a date YYYY-MM-DD" in msg
    assert "s.tsv line 2: titer '1:x' is not an end-point titre" in msg
    assert "s.tsv line 3: needs a sample_id or an individual_id" in msg
    assert "s.tsv line 3: result 'maybe' is not one of positive, negative, equivocal" in msg
    assert "s.tsv line 3: sensitivity '1.5' is not a proportion" in msg


# --------------------------------------------------------------------------- linking
def test_link_tests():
    raw = _raw([("S1", "", "2020-01-01", "CDV", "vnt", "positive", "", "", "", "", ""),
                ("", "A9", "2020-01-01", "CDV", "vnt", "positive", "", "", "", "", ""),
                ("S2", "", "2020-01-01", "CDV", "vnt", "positive", "", "", "", "", ""),
                ("S1", "A1", "2020-01-02", "CDV", "vnt", "positive", "", "", "", "", "")])
    si = pd.DataFrame({"sample_id": ["S1", "S2"], "individual_id": ["A1", "NA"]})
    t = sc.link_tests(sc.normalise_screening(raw), si)
    assert list(t["individual_id"]) == ["A1", "A9", "", "A1"]
    assert list(t["link"]) == ["sample", "direct", "unlinked", "direct"]


def test_link_conflict_is_an_error():
    raw = _raw([("S1", "A2", "2020-01-01", "CDV", "vnt", "positive", "", "", "", "", "")])
    si = pd.DataFrame({"sample_id": ["S1"], "individual_id": ["A1"]})
    with pytest.raises(InputError, match="line 2: individual_id 'A2' contradicts the "
                       "identification of sample 'S1' as 'A1'"):
        sc.link_tests(sc.normalise_screening(raw, path="scr.tsv"), si, "scr.tsv")


# --------------------------------------------------------------------------- per animal
def _tests(rows):
    """rows: (individual_id, sample_id, date, pathogen, assay, result)."""
    raw = _raw([(s, i, d, p, a, r, "", "", "", "", "") for i, s, d, p, a, r in rows])
    return sc.link_tests(sc.normalise_screening(raw), None)


def test_timeline_counts_animals_not_samples():
    t = _tests([
        ("A1", "S1", "2019-01-01", "CDV", "vnt", "negative"),
        ("A1", "S2", "2020-01-01", "CDV", "vnt", "positive"),
        ("A1", "S3", "2021-01-01", "CDV", "vnt", "positive"),
        ("A1", "S3", "2021-01-01", "CDV", "elisa", "positive"),
        ("A2", "S4", "2019-06-01", "CDV", "vnt", "positive"),
        ("A2", "S5", "2021-06-01", "CDV", "vnt", "negative"),
        ("A3", "S6", "2020-06-01", "CDV", "vnt", "equivocal"),
    ])
    tl = sc.animal_timelines(t).set_index("individual_id")
    assert len(tl) == 3
    a1 = tl.loc["A1"]
    assert (a1["n_tests"], a1["n_samples"], a1["ever_positive"]) == (4, 3, True)
    assert a1["seroconversion"] and str(a1["seroconversion_date"].date()) == "2020-01-01"
    assert not a1["reversion"]
    assert a1["latest_result"] == "positive"
    a2 = tl.loc["A2"]
    assert a2["reversion"] and str(a2["reversion_date"].date()) == "2021-06-01"
    assert a2["ever_positive"] and a2["latest_result"] == "negative"
    assert tl.loc["A3", "status"] == "equivocal"


def test_seroconversion_needs_same_assay():
    t = _tests([("A1", "S1", "2019-01-01", "CDV", "elisa", "negative"),
                ("A1", "S2", "2020-01-01", "CDV", "vnt", "positive"),
                ("A1", "S3", "2020-06-01", "CDV", "vnt", "equivocal")])
    tl = sc.animal_timelines(t)
    assert not tl["seroconversion"].iloc[0]


def test_period_status_one_per_animal_and_year():
    t = _tests([
        ("A1", "S1", "2019-01-01", "CDV", "vnt", "negative"),
        ("A1", "S2", "2019-05-01", "CDV", "vnt", "positive"),
        ("A1", "S3", "2019-09-01", "CDV", "vnt", "positive"),
        ("A1", "S4", "2020-01-01", "CDV", "vnt", "negative"),
        ("A2", "S5", "2019-01-01", "CDV", "vnt", "negative"),
        ("A2", "S6", "2019-03-01", "CDV", "vnt", "equivocal"),
        ("A3", "S7", "2019-03-01", "CDV", "vnt", "equivocal"),
    ])
    ps = sc.animal_period_status(t, "year")
    got = {(r.individual_id, r.period): r.status for r in ps.itertuples()}
    assert got == {("A1", "2019"): "positive", ("A1", "2020"): "negative",
                   ("A2", "2019"): "negative", ("A3", "2019"): "equivocal"}
    row = ps[(ps["individual_id"] == "A1") & (ps["period"] == "2019")].iloc[0]
    assert (row["n_tests"], row["n_samples"], row["last_sample_id"]) == (3, 3, "S3")
    whole = sc.animal_period_status(t, "all")
    assert len(whole) == 3 and set(whole["period"]) == {"all"}


def test_combine_status():
    assert sc.combine_status(["negative", "equivocal", "positive"]) == "positive"
    assert sc.combine_status(["negative", "equivocal"]) == "negative"
    assert sc.combine_status(["equivocal"]) == "equivocal"


def test_one_na_rule_for_input_cells():
    # leogen.io.tables.NA_TOKENS in any letter case (and None) mean "no value"
    for text in ("", "NA", "na", "N/A", "nan", "NaN", "<NA>", "None"):
        assert sc.is_missing(text)
        qualifier, value = sc.parse_titer(text)
        assert qualifier == "" and math.isnan(value)
        assert sc.normalise_result(text) is None
    assert not sc.is_missing("negative") and not sc.is_missing(0)
