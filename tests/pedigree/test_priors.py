"""Sheet facts and the age prior of parentage: windows by hand, and bad input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.io.sheets import read_samples
from leogen.pedigree.priors import (
    DEFAULT_AVAILABILITY,
    AgeSettings,
    AnimalInfo,
    age_prior,
    animal_haplotypes,
    animal_info,
    birth_distribution,
    birth_posterior,
    credible_years,
    detection_histories,
    fit_detection,
    maternal_haplotype_loglik,
    missed_weight,
    parent_born_sampled,
)

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


def test_birth_posterior_by_hand():
    # P born 2008-2012, O born 2014 and assigned to P: with breeding from age 3, P was born
    # by 2011 (each year equally likely); without the link the posterior is the prior
    info = AnimalInfo(np.array(["p", "o"]), np.array(["F", "U"]),
                      np.array([2008, 2014]), np.array([2012, 2014]),
                      np.array([2015, 2015]), np.array([2016, 2016]),
                      np.zeros(2, bool), np.array([-1, -1]), np.array([-1, -1]))
    ages = AgeSettings(min_breeding_age=3, age_decay=1.0, detection_history=False)
    years, prior = birth_posterior(info, np.array([-1, -1]), np.array([-1, -1]), ages)
    assert np.allclose(prior, birth_distribution(info, years, 1.0, ages.detectable_age))
    years, post = birth_posterior(info, np.array([-1, -1]), np.array([-1, 0]), ages)
    on = {int(y): round(float(p), 6) for y, p in zip(years, post[0], strict=True) if p > 1e-9}
    assert on == {2008: 0.25, 2009: 0.25, 2010: 0.25, 2011: 0.25}
    med, lo, hi, mass = credible_years(years, post, 0.8)
    assert (int(lo[0]), int(hi[0])) == (2008, 2011)  # the 10% and 90% quantiles
    assert (int(med[1]), int(lo[1]), int(hi[1]), float(mass[1])) == (2014, 2014, 2014, 1.0)
    # a link held with probability 0.5: the message is 0.5 M + 0.5 (M = 1 for 2008-2011, 0
    # for 2012), so P(born 2012) = 0.2 * 0.5 / (0.2 * 0.5 + 4 * 0.2) = 1 / 9
    _, half = birth_posterior(info, np.array([-1, -1]), np.array([-1, 0]), ages,
                              dam_p=np.array([0.0, 0.5]))
    p2012 = half[0, list(years).index(2012)]
    assert p2012 == pytest.approx(1 / 9)


def test_parent_born_sampled_by_hand():
    # parents 3 to 5 years old at the birth, uniform (age_decay 1); a study sampling
    # 2010-2015. Born 2014: the parent in 2011, 2010 or 2009, two of three sampled. Born 2012
    # or 2013 with probability 1/2 each: parent years 2009-2007 (none) or 2010-2008 (one)
    ages = AgeSettings(min_breeding_age=3, max_age=5, age_decay=1.0)
    years = np.arange(2011, 2015)
    post = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.5, 0.5, 0.0]])
    got = parent_born_sampled(years, post, np.arange(2010, 2016), ages)
    assert got == pytest.approx([2 / 3, 0.5 * 1 / 3])
    # older parents weigh less: age_decay 0.5 gives ages 3, 4, 5 the weights 4/7, 2/7, 1/7
    got = parent_born_sampled(years, post[:1], np.arange(2010, 2016), replace(ages, age_decay=0.5))
    assert got == pytest.approx([6 / 7])
    # no dates, or no sampled year known: nothing is known of the cohort
    assert (parent_born_sampled(np.zeros(0, int), np.zeros((2, 0)), np.arange(2010, 2016),
                                ages) == 0).all()
    assert (parent_born_sampled(years, post, np.zeros(0, int), ages) == 0).all()


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


def test_detection_histories_skip_years_without_sampling():
    # 2012 had no sampling at all: animal 0, seen 2010 and 2014, was known alive in the
    # sampled years 2011 and 2013 (seen in neither)
    t, d = detection_histories(np.array([0, 0, 1, 1, 1]), np.array([2010, 2014, 2010, 2011, 2013]),
                               np.array([2010, 2011, 2013, 2014]), 2)
    assert t.tolist() == [2, 1] and d.tolist() == [0, 1]


def test_missed_weight_uniform_detection_by_hand():
    # p ~ Beta(1, 1): E[(1 - p)^k] = 1 / (k + 1); sampled 2010-2015, first seen 2014, the
    # animal leaves samples from age 1: born 2008 -> missed 2010-2013 (k = 4), 2010 -> 3 (2011-
    # 2013), 2012 -> 1 (2013), 2013 -> 0; availability 0.6 mixes in "was elsewhere" (weight 1)
    info = AnimalInfo(np.array(["a"]), np.array(["U"]), np.array([1994]), np.array([2014]),
                      np.array([2014]), np.array([2014]), np.array([True]), np.array([-1]),
                      np.array([-1]), np.arange(2010, 2016), np.array([1.0]), np.array([1.0]))
    w = missed_weight(info, np.array([2008, 2010, 2012, 2013]))
    assert np.allclose(w, [[1 / 5, 1 / 4, 1 / 2, 1.0]])
    w = missed_weight(replace(info, availability=0.6), np.array([2008, 2010, 2012, 2013]))
    assert np.allclose(w, [[0.6 / 5 + 0.4, 0.6 / 4 + 0.4, 0.6 / 2 + 0.4, 1.0]])


@pytest.mark.parametrize("seed", range(5))
def test_fit_detection_recovers_heterogeneity(seed):
    # beta-binomial histories of 400 animals, 1-8 known-alive years each
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 9, 400)
    p = rng.beta(2.0, 3.0, 400)           # heterogeneous: mean 0.4, concentration 5
    a, b = fit_detection(t, rng.binomial(t, p))
    assert abs(a / (a + b) - 0.4) < 0.04 and 2.5 < a + b < 12, (a, b)
    p = np.full(400, 0.7)                 # one probability for all
    a, b = fit_detection(t, rng.binomial(t, p))
    assert abs(a / (a + b) - 0.7) < 0.03 and a + b > 50, (a, b)
    assert fit_detection(np.array([1, 2, 0]), np.array([1, 1, 0])) is None  # 3 years


def _yearly_sheet(tmp_path, n_resident=12, late=()):
    """Animals sampled every year 2010-2020 from their first year, one with an age class
    per year of birth 2008-2019 (known ages), and animals first seen in ``late`` years."""
    rows, links, k = [], [], 0
    for i in range(n_resident):
        born = 2008 + i
        for y in range(max(2010, born + 1), 2021):
            k += 1
            rows.append(_row(f"s{k}", f"{y}-06-01", "", "juvenile" if y == born + 1 else ""))
            links.append((f"s{k}", f"R{i}"))
    for j, y in enumerate(late):
        k += 1
        rows.append(_row(f"s{k}", f"{y}-06-01"))
        links.append((f"s{k}", f"L{j}"))
    path, sheet = _sheet(tmp_path, rows)
    link = pd.DataFrame(links, columns=["sample_id", "individual_id"])
    ids = sorted(set(link["individual_id"]))
    return ids, sheet, link, path


def test_animal_first_seen_late_in_a_well_sampled_study_is_young(tmp_path):
    ids, sheet, links, path = _yearly_sheet(tmp_path, late=(2018,))
    info = animal_info(ids, sheet, links, path=path)
    late = ids.index("L0")
    # every animal was seen in every year it was known alive: detection ~ 1, and the known
    # ages (juveniles first seen in their second year) say the animals are always there
    assert info.availability == 1.0
    years = np.arange(1990, 2021)
    b = birth_distribution(info, years, 0.8, 1)[late]
    assert b[years >= 2017].sum() > 0.9
    # without the detection history: the open window's age prior only
    off = animal_info(ids, sheet, links, ages=AgeSettings(detection_history=False), path=path)
    assert len(off.detection_a) == 0
    assert birth_distribution(off, years, 0.8, 1)[late][years >= 2017].sum() < 0.5
    # an animal first seen in the study's first year may be of any age: the history is
    # silent about it
    first = ids.index("R0")
    assert np.allclose(birth_distribution(info, years, 0.8, 1)[first],
                       birth_distribution(off, years, 0.8, 1)[first])


def test_availability_given_and_default(tmp_path):
    ids, sheet, links, path = _yearly_sheet(tmp_path, n_resident=6, late=(2018,))
    # 6 animals of known age first seen after 2010 are too few to estimate it from
    assert animal_info(ids, sheet, links, path=path).availability == DEFAULT_AVAILABILITY
    info = animal_info(ids, sheet, links, ages=AgeSettings(availability=0.0), path=path)
    assert info.availability == 0.0
    assert np.all(missed_weight(info, np.arange(1990, 2021)) == 1.0)


def test_animal_haplotypes_majority_ties_and_other_species():
    sp = pd.DataFrame({
        "sample_id": ["a1", "a2", "a3", "b1", "b2", "c1", "d1"],
        "best_species": ["P", "P", "P", "P", "P", "Lynx", "P"],
        "best_haplotype": ["H1", "H1", "H2", "H1", "H2", "L1", None],
        "status": ["target"] * 5 + ["other_species", "target"]})
    links = pd.DataFrame({"sample_id": ["a1", "a2", "a3", "b1", "b2", "c1", "d1"],
                          "individual_id": ["A", "A", "A", "B", "B", "C", "D"]})
    # A: 2 of 3 samples H1; B: one H1, one H2 (a tie: unknown); C: not the study species;
    # D: no haplotype called
    assert animal_haplotypes(["A", "B", "C", "D"], sp, links).tolist() == ["P|H1", "", "", ""]
    info = AnimalInfo(*(np.zeros(4),) * 9, mt_haplotype=np.array(["P|H1", "", "", ""],
                                                                  dtype=object))
    assert np.all(maternal_haplotype_loglik(info) == 0.0)  # one known animal: no pair
