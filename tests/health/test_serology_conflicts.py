"""Same-day conflicting screening results: a conflict, never a seroreversion/conversion."""

from __future__ import annotations

import pandas as pd

from leogen.health.screening import animal_timelines, conflicting_days


def _tests(rows):
    df = pd.DataFrame(rows, columns=["individual_id", "date", "result"])
    n = len(df)
    return df.assign(pathogen="CDV", assay="vnt", cutoff=16.0, sample_id=[f"B{i}" for i in
                                                                          range(n)],
                     line=range(2, n + 2), titer="", missing_cutoff=False,
                     lab_disagrees=False, date=pd.to_datetime(df["date"]))


def test_same_day_negative_and_positive_is_not_a_reversion():
    # day 1: negative and positive (a mix-up); day 2: negative. Was reported as a
    # reversion on day 2 (day 1 counted as positive).
    t = _tests([("A", "2020-01-01", "negative"), ("A", "2020-01-01", "positive"),
                ("A", "2020-03-01", "negative")])
    row = animal_timelines(t).iloc[0]
    assert not row["reversion"] and pd.isna(row["reversion_date"])
    assert not row["seroconversion"]
    assert conflicting_days(t).astype(str).values.tolist() == [["A", "CDV", "vnt",
                                                                "2020-01-01"]]


def test_conversion_around_a_conflicting_day_is_kept():
    # negative, then a conflicting day, then positive: the change is seen across the conflict
    t = _tests([("A", "2020-01-01", "negative"), ("A", "2020-02-01", "positive"),
                ("A", "2020-02-01", "negative"), ("A", "2020-05-01", "positive")])
    row = animal_timelines(t).iloc[0]
    assert row["seroconversion"] and row["seroconversion_date"] == pd.Timestamp("2020-05-01")
    assert not row["reversion"]


def test_real_reversion_still_reported():
    t = _tests([("A", "2020-01-01", "positive"), ("A", "2021-01-01", "negative")])
    row = animal_timelines(t).iloc[0]
    assert row["reversion"] and row["reversion_date"] == pd.Timestamp("2021-01-01")
    assert conflicting_days(t).empty


def test_individual_id_differing_only_in_case_is_an_error():
    # 'a' for the identified animal 'A' was a second animal with its own page and counts
    import pytest

    from leogen.errors import InputError
    from leogen.health.screening import link_tests

    t = pd.DataFrame({"line": [2, 3], "sample_id": ["BL1", ""], "individual_id": ["", "a "]})
    si = pd.DataFrame({"sample_id": ["BL1"], "individual_id": ["A"]})
    with pytest.raises(InputError, match=r"line 3: individual_id 'a ' differs from the "
                                         r"identified animal 'A' only in case"):
        link_tests(t, si, "s.tsv")
    # an animal tested by an id of its own (never genotyped) stays allowed
    t.loc[1, "individual_id"] = "CAPTIVE1"
    assert link_tests(t, si, "s.tsv")["individual_id"].tolist() == ["A", "CAPTIVE1"]
