"""Sheet facts and the age prior of parentage: windows by hand, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.io.sheets import read_samples
from leogen.pedigree.priors import AgeSettings, age_prior, animal_info

HEADER = "sample_id\tsample_type\tdate\tsite\tlat\tlon\tsex\tage_class"


def _sheet(tmp_path, rows, extra=()):
    path = tmp_path / "samples.tsv"
    head = HEADER + "".join(f"\t{c}" for c in extra)
    path.write_text(head + "\n" + "\n".join("\t".join(r) for r in rows) + "\n")
    return path, read_samples(path)


def _row(sid, date, sex="", age="", *extra):
    return (sid, "scat", date, "S1", "43.1", "131.2", sex, age, *extra)


def test_windows_from_age_class_and_detections(tmp_path):
    rows = [_row("a1", "2020-05-01", "F", "cub"), _row("a2", "2022-03-01", "F"),
            _row("b1", "2020-05-01", "M", "juvenile"), _row("c1", "2020-05-01", "", "subadult"),
            _row("d1", "2019-01-01", "", ""), _row("d2", "2020-01-01", "", "adult"),
            _row("e1", "2021-07-01", "", "")]
    path, sheet = _sheet(tmp_path, rows)
    links = pd.DataFrame({"sample_id": ["a1", "a2", "b1", "c1", "d1", "d2", "e1"],
                          "individual_id": ["A", "A", "B", "C", "D", "D", "E"]})
    info = animal_info(["A", "B", "C", "D", "E"], sheet, links, path=path)
    # cub in 2020 (age < 1): born 2020; juvenile (1-2): 2019; subadult (2-3): 2018
    # adult (>= 3) in 2020: 2000..2017; no age class, first seen 2021: 2001..2021
    assert info.birth_lo.tolist() == [2020, 2019, 2018, 2000, 2001]
    assert info.birth_hi.tolist() == [2020, 2019, 2018, 2017, 2021]
    assert info.first_year.tolist() == [2020, 2020, 2020, 2019, 2021]
    assert info.last_year.tolist() == [2022, 2020, 2020, 2020, 2021]
    assert info.sex.tolist() == ["F", "M", "U", "U", "U"]
    assert info.open_window.tolist() == [False, False, False, True, True]
    # the genetic sex marker wins where it is called
    info2 = animal_info(["A", "B", "C", "D", "E"], sheet, links,
                        genetic_sex=np.array(["U", "F", "M", "U", "U"]))
    assert info2.sex.tolist() == ["F", "F", "M", "U", "U"]


def test_age_prior_by_hand(tmp_path):
    # P born 2010 (birth_year), O born 2014, Q born 2013; P last seen 2011:
    # P -> O: 4 years older (>= 2) but O is born 2 years after 2011 + 1: factor 0.5^2 = 0.25
    # P -> Q: factor 0.5; O, Q cannot be P's parents (younger); Q -> O: 1 year < 2: 0
    rows = [_row("p1", "2011-01-01", "F", "", "2010"), _row("o1", "2016-01-01", "", "", "2014"),
            _row("q1", "2016-01-01", "", "", "2013")]
    path, sheet = _sheet(tmp_path, rows, extra=("birth_year",))
    info = animal_info(["p1", "o1", "q1"], sheet, None, path=path)
    a = age_prior(info, AgeSettings(min_breeding_age=2, last_seen_decay=0.5))
    assert a.round(6).tolist() == [[0.0, 0.25, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_inconsistent_sexes(tmp_path):
    rows = [_row("a1", "2020-05-01", "F"), _row("a2", "2021-05-01", "M")]
    path, sheet = _sheet(tmp_path, rows)
    links = pd.DataFrame({"sample_id": ["a1", "a2"], "individual_id": ["A", "A"]})
    with pytest.raises(InputError) as e:
        animal_info(["A"], sheet, links, path=path)
    assert e.value.line == 3 and e.value.column == "sex"
    assert "samples.tsv line 3" in e.value.format() and "'a1'" in e.value.format()


@pytest.mark.parametrize("birth, date, what", [
    ("2021", "2020-05-01", "after the sample's date"),
    ("1990", "2020-05-01", "maximum age"),
    ("20x5", "2020-05-01", "not a year"),
    ("2015.5", "2020-05-01", "whole year"),
])
def test_impossible_birth_years(tmp_path, birth, date, what):
    path, sheet = _sheet(tmp_path, [_row("a1", "2019-01-01", "F", "", "2015"),
                                    _row("b1", date, "", "", birth)], extra=("birth_year",))
    with pytest.raises(InputError, match=what) as e:
        animal_info(["a1", "b1"], sheet, None, path=path)
    assert e.value.line == 3 and e.value.column == "birth_year"


def test_two_birth_years_of_one_animal(tmp_path):
    rows = [_row("a1", "2019-01-01", "F", "", "2015"), _row("a2", "2020-01-01", "F", "", "2016")]
    path, sheet = _sheet(tmp_path, rows, extra=("birth_year",))
    links = pd.DataFrame({"sample_id": ["a1", "a2"], "individual_id": ["A", "A"]})
    with pytest.raises(InputError, match="differs from 2015") as e:
        animal_info(["A"], sheet, links, path=path)
    assert e.value.line == 3


def test_parent_younger_than_offspring(tmp_path):
    rows = [_row("m1", "2020-01-01", "F", "", "2012", ""),
            _row("c1", "2020-01-01", "", "", "2011", "m1")]
    path, sheet = _sheet(tmp_path, rows, extra=("birth_year", "dam"))
    with pytest.raises(InputError, match="not at least 2 years older") as e:
        animal_info(["m1", "c1"], sheet, None, path=path)
    assert (e.value.line, e.value.column) == (3, "dam")


def test_known_parent_unknown_id_and_wrong_sex(tmp_path):
    rows = [_row("m1", "2020-01-01", "M", "", ""), _row("c1", "2020-01-01", "", "", "X9")]
    path, sheet = _sheet(tmp_path, rows, extra=("dam",))
    with pytest.raises(InputError, match="'X9' is not a genotyped animal") as e:
        animal_info(["m1", "c1"], sheet, None, path=path)
    assert (e.value.line, e.value.column) == (3, "dam")
    rows = [_row("m1", "2020-01-01", "M", "", ""), _row("c1", "2020-01-01", "", "", "m1")]
    path, sheet = _sheet(tmp_path, rows, extra=("dam",))
    with pytest.raises(InputError, match="a dam must be F"):
        animal_info(["m1", "c1"], sheet, None, path=path)
