"""COLONY interoperability: the input file's field order against COLONY's user guide, round
trips of the input file and of the best configuration, comparison of two pedigrees, and the
errors when COLONY's output does not match the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.io import colony
from leogen.model.genotypes import Genotypes

ROOT = Path(__file__).resolve().parents[2]

# five animals, three loci (0 = missing)
SIZES = np.array([
    [[150, 152], [200, 204], [98, 98]],
    [[150, 150], [204, 204], [96, 98]],
    [[152, 154], [200, 200], [0, 0]],
    [[150, 154], [200, 204], [96, 96]],
    [[152, 152], [204, 208], [98, 100]],
])
IDS = ["M1", "F1", "O1", "O2", "U1"]
SEX = ["M", "F", "M", "F", ""]
G = Genotypes.from_labels(SIZES, IDS, ["L1", "L2", "L3"])


def _values(path):
    vals = [ln.split("!")[0].strip() for ln in Path(path).read_text().splitlines()]
    return [v for v in vals if v]


# --------------------------------------------------------------------------- .dat input
def test_input_field_order_follows_the_user_guide(tmp_path):
    p = tmp_path / "c.dat"
    colony.write(G, p, dropout=np.array([0.1, 0.0, 0.05]), other_error=np.full(3, 0.02),
                 name="leo", seed=7, sex=SEX, candidate_probability=(0.6, 0.8))
    v = _values(p)
    # COLONY 2 user guide, input file: names, #offspring, #loci, seed, update freqs,
    # dioecious, inbreeding, diploid, polygamy m/f, clones, sib scaling, sibship prior,
    # known freqs, runs, run length, monitor method, interval, GUI, method, precision
    assert v[:21] == ["leo", "leo", "5", "3", "7", "0", "2", "0", "0", "0  0", "1", "1", "0",
                      "0", "1", "2", "0", "10000", "0", "1", "2"]
    assert v[21:25] == ["L1 L2 L3", "0 0 0", "0.1000 0.0000 0.0500", "0.0200 0.0200 0.0200"]
    assert v[25] == "M1 150 152 200 204 98 98"
    assert v[27] == "O1 152 154 200 200 0 0"             # missing locus written as 0 0
    assert v[30:32] == ["0.6  0.8", "2  2"]              # candidate probabilities, numbers
    assert [x.split()[0] for x in v[32:36]] == ["M1", "O1", "F1", "O2"]  # males, then females
    assert v[36:] == ["0  0", "0  0", "0", "0", "0", "0", "0", "0"]  # nothing known/excluded


def test_input_round_trip_with_candidates(tmp_path):
    p = tmp_path / "c.dat"
    ado, err = np.array([0.1, 0.0, 0.05]), np.array([0.02, 0.01, 0.03])
    colony.write(G, p, dropout=ado, other_error=err, sex=SEX)
    back = colony.read_input(p)
    assert back.name == "leogen"
    assert list(back.offspring.samples) == IDS
    assert np.array_equal(np.sort(back.offspring.sizes(), axis=2),
                          np.sort(G.sizes(), axis=2))
    assert list(back.males.samples) == ["M1", "O1"]
    assert list(back.females.samples) == ["F1", "O2"]
    assert np.array_equal(np.sort(back.males.sizes(), axis=2),
                          np.sort(G.sizes()[[0, 2]], axis=2))
    assert back.dropout.tolist() == ado.tolist() and back.other_error.tolist() == err.tolist()
    assert back.candidate_probability == (0.5, 0.5)
    assert colony.read(p).equals(back.offspring)


def test_input_without_sexes_has_no_candidates(tmp_path):
    p = tmp_path / "c.dat"
    colony.write(G, p, sex=["M", "", "", "", ""])   # males only: the mother's probability is 0
    v = _values(p)
    assert v[30:32] == ["0.5  0", "1  0"]
    colony.write(G, p)
    v = _values(p)
    assert v[30:32] == ["0  0", "0  0"]
    back = colony.read_input(p)
    assert back.males is None and back.females is None and back.candidate_probability == (0, 0)


def test_input_bad(tmp_path):
    p = tmp_path / "c.dat"
    with pytest.raises(InputError, match="starts with \\*"):
        colony.write(Genotypes.from_labels(SIZES[:1], ["*7"], ["L1", "L2", "L3"]), p)
    with pytest.raises(InputError, match="4 sexes for 5 animals"):
        colony.write(G, p, sex=SEX[:4])
    with pytest.raises(InputError, match="two values in"):
        colony.write(G, p, sex=SEX, candidate_probability=(1.5, 0.5))
    assert not p.exists()
    colony.write(G, p, sex=SEX)
    lines = p.read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if "Numbers of candidate" in ln)
    bad = tmp_path / "bad.dat"
    bad.write_text("\n".join(lines[:k] + ["3  2"] + lines[k + 1:]) + "\n")
    with pytest.raises(InputError, match="candidate female id"):  # a female row read as male
        colony.read_input(bad)
    bad.write_text("\n".join(lines[:k] + ["two 2"] + lines[k + 1:]) + "\n")
    with pytest.raises(InputError, match="numbers of candidate males") as e:
        colony.read_input(bad)
    assert e.value.line == k + 1
    j = next(i for i, ln in enumerate(lines) if "dropout" in ln)
    bad.write_text("\n".join(lines[:j] + ["0.1 0.2"] + lines[j + 1:]) + "\n")
    with pytest.raises(InputError, match="expected 3 allelic dropout rates") as e:
        colony.read_input(bad)
    assert e.value.line == j + 1
    bad.write_text("leo\nleo\n5\n")
    with pytest.raises(InputError, match="too short"):
        colony.read_input(bad)


# --------------------------------------------------------------------------- BestConfig
# as COLONY writes it (right-aligned columns; dummy fathers *k, dummy mothers #k)
BEST = """\
         OffspringID             FatherID             MotherID  ClusterIndex
                  M1                   *1                   #1             1
                  F1                   *2                   #2             1
                  O1                   M1                   F1             1
                  O2                   M1                   #3             1
                  U1                   *1                   #3             1
"""


def test_read_best_config(tmp_path):
    p = tmp_path / "run.BestConfig_Ordered"
    p.write_text(BEST)
    pat = tmp_path / "run.Paternity"
    pat.write_text("OffspringID,InferredDad1,ProbDad1\nO1,M1,0.9731\nO2,M1,0.8800\n")
    mat = tmp_path / "run.Maternity"
    mat.write_text("OffspringID,InferredMum1,ProbMum1\nO1,F1,1.0000\n")
    t = colony.read_best_config(p, ids=IDS, sex=dict(zip(IDS, SEX, strict=True)),
                                paternity=pat, maternity=mat).set_index("individual_id")
    assert list(t.reset_index().columns) == list(colony.PEDIGREE_COLUMNS)
    assert t.index.tolist() == IDS + ["colony_sire_1", "colony_dam_1", "colony_sire_2",
                                      "colony_dam_2", "colony_dam_3"]
    assert t.loc["O1", ["sire", "dam"]].tolist() == ["M1", "F1"]
    assert t.loc["U1", ["sire", "dam"]].tolist() == ["colony_sire_1", "colony_dam_3"]
    assert t["dummy"].sum() == 5 and not t.loc[IDS, "dummy"].any()
    assert t.loc["colony_dam_3", ["sex", "colony_id", "sire"]].tolist() == ["F", "#3", ""]
    assert t.loc["O1", "sire_probability"] == 0.9731 and t.loc["O1", "dam_probability"] == 1.0
    assert t.loc["O2", "sire_probability"] == 0.88 and np.isnan(t.loc["O2", "dam_probability"])
    assert np.isnan(t.loc["U1", "sire_probability"])          # dummy parents: no probability
    # the table is a complete pedigree for the kinship functions
    from leogen.pedigree.kinship import pedigree_frame_indices
    s, d = pedigree_frame_indices(t.reset_index())
    assert (s >= 0).sum() == 5 and (d >= 0).sum() == 5


def _links(ped):
    """Sampled links and the sibship partition of a pedigree table (dummy names aside)."""
    dummy = set(ped.loc[ped["dummy"], "individual_id"]) if "dummy" in ped else set()
    rows = ped[~ped["individual_id"].isin(dummy)]
    links = {(o, r, p) for r in ("sire", "dam")
             for o, p in zip(rows["individual_id"], rows[r], strict=True) if p and p not in dummy}
    groups = set()
    for r in ("sire", "dam"):
        for par, grp in rows.groupby(r)["individual_id"]:
            if par:
                groups.add((r, tuple(sorted(grp))))
    return links, groups


def test_best_config_round_trip_small(tmp_path):
    ped = pd.DataFrame({
        "individual_id": ["M1", "F1", "O1", "O2", "U1", "dS", "dD"],
        "sire": ["", "", "M1", "M1", "dS", "", ""],
        "dam": ["", "", "F1", "dD", "dD", "", ""],
        "dummy": [False, False, False, False, False, True, True]})
    p = tmp_path / "x.BestConfig"
    colony.write_best_config(ped["individual_id"], ped["sire"], ped["dam"], p, ped["dummy"])
    text = p.read_text().splitlines()
    assert text[0].split() == list(colony.BEST_CONFIG_COLUMNS)
    assert text[4].split() == ["O2", "M1", "#3", "1"]   # dD is the third dummy mother seen
    assert text[5].split() == ["U1", "*3", "#3", "1"]   # M1, F1 got *1/#1, *2/#2 of their own
    back = colony.read_best_config(p, ids=["M1", "F1", "O1", "O2", "U1"])
    la, ga = _links(ped)
    lb, gb = _links(back)
    assert la == lb
    assert ga <= gb and ("dam", ("O2", "U1")) in gb


def test_best_config_round_trip_of_the_simulated_truth(tmp_path):
    """The bundled truth pedigree with 30% of the animals unsampled: their offspring's links
    go to dummy parents, written and read back to the same sampled links and sibships."""
    ped = pd.read_csv(ROOT / "config/example/truth/pedigree.tsv", sep="\t", dtype=str,
                      keep_default_na=False)
    ped = ped.replace({"sire": {"NA": ""}, "dam": {"NA": ""}})
    rng = np.random.default_rng(5)
    unsampled = set(ped["individual_id"][rng.random(len(ped)) < 0.3])
    ped["dummy"] = ped["individual_id"].isin(unsampled)
    p = tmp_path / "truth.BestConfig"
    colony.write_best_config(ped["individual_id"], ped["sire"], ped["dam"], p, ped["dummy"])
    sampled = ped.loc[~ped["dummy"], "individual_id"].tolist()
    back = colony.read_best_config(p, ids=sampled, sex=dict(zip(ped["individual_id"],
                                                                ped["sex"], strict=True)))
    la, ga = _links(ped)
    lb, gb = _links(back)
    assert la == lb and len(la) > 100
    # every sibship of a real (sampled or unsampled) parent comes back as one sibship
    assert {g for g in ga if len(g[1]) > 1} <= gb
    r = colony.compare_links(ped, back)
    assert r["share_links_agree"] == 1.0 and r["share_sib_pairs_agree"] == 1.0


def test_compare_links_by_hand():
    a = pd.DataFrame({"individual_id": ["C", "D", "E", "X"], "sire": ["A", "A", "X", ""],
                      "dam": ["B", "B", "", ""], "dummy": [False, False, False, True]})
    b = pd.DataFrame({"individual_id": ["C", "D", "E", "*1"], "sire": ["A", "*1", "*1", ""],
                      "dam": ["B", "B", "", ""], "dummy": [False, False, False, True]})
    r = colony.compare_links(a, b)
    # links a: C-A, C-B, D-A, D-B (E's sire X is a dummy); b: C-A, C-B, D-B
    assert (r["n_offspring"], r["n_links_a"], r["n_links_b"], r["n_links_agree"]) == (3, 4, 3, 3)
    assert r["share_links_agree"] == pytest.approx(3 / 4)
    # sib pairs a: (C,D) sire, (C,D) dam; b: (D,E) sire, (C,D) dam -> 1 of 3 agree
    assert (r["n_sib_pairs_a"], r["n_sib_pairs_b"], r["n_sib_pairs_agree"]) == (2, 2, 1)
    assert r["share_sib_pairs_agree"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("text, match, line, column", [
    ("OffspringID FatherID ClusterIndex\nO1 M1 1\n", "missing column MotherID", 1, "MotherID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 M1 F1\n", "3 fields, expected 4", 2,
     None),
    ("OffspringID FatherID MotherID ClusterIndex\nO9 M1 F1 1\n", "'O9' is not an animal", 2,
     "OffspringID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 M1 F1 1\nO1 M1 F1 1\n",
     "listed twice", 3, "OffspringID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 U1 F1 1\nO2 M1 U1 1\n",
     "both a father and a mother", 3, "MotherID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 #1 F1 1\n", "named like a dummy mother",
     2, "FatherID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 M1 *2 1\n", "named like a dummy father",
     2, "MotherID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 F1 #1 1\n", "but F in the sample sheet",
     2, "FatherID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 Q7 #1 1\n", "'Q7' is not an animal", 2,
     "FatherID"),
    ("OffspringID FatherID MotherID ClusterIndex\nO1 O1 #1 1\n", "its own parent", 2,
     "FatherID"),
    ("OffspringID FatherID MotherID ClusterIndex\n*1 M1 #1 1\n", "named like a dummy parent",
     2, "OffspringID"),
    ("OffspringID FatherID MotherID ClusterIndex\n", "no offspring rows", None, None),
])
def test_best_config_bad(tmp_path, text, match, line, column):
    p = tmp_path / "bad.BestConfig"
    p.write_text(text)
    with pytest.raises(InputError, match=match) as e:
        colony.read_best_config(p, ids=IDS, sex=dict(zip(IDS, SEX, strict=True)),
                                require_all=False)
    assert e.value.path == str(p) and e.value.line == line and e.value.column == column


def test_best_config_missing_animals_and_bad_parentage_file(tmp_path):
    p = tmp_path / "run.BestConfig"
    p.write_text("OffspringID FatherID MotherID ClusterIndex\nO1 M1 F1 1\n")
    with pytest.raises(InputError, match="4 animal\\(s\\) of the data are not offspring"):
        colony.read_best_config(p, ids=IDS)
    pat = tmp_path / "run.Paternity"
    pat.write_text("OffspringID,InferredDad1,ProbDad1\nO1,M1,1.7\n")
    with pytest.raises(InputError, match="'1.7' is not a number in") as e:
        colony.read_best_config(p, ids=IDS, paternity=pat, require_all=False)
    assert (e.value.path, e.value.line) == (str(pat), 2)
    pat.write_text("Offspring;Dad;Prob\n")
    with pytest.raises(InputError, match="expected the header"):
        colony.read_parent_probabilities(pat)
    p.write_text("OffspringID FatherID MotherID ClusterIndex\ncolony_sire_1 *1 #1 1\n")
    with pytest.raises(InputError, match="choose another dummy prefix"):
        colony.read_best_config(p, dummy_prefix="colony")


def test_compare_with_colony(tmp_path):
    p = tmp_path / "run.BestConfig_Ordered"
    p.write_text(BEST)
    # leogen: O1 = M1 x F1, O2 = M1 x F1, U1 = dummy sire x F1
    ours = pd.DataFrame({"individual_id": IDS + ["d1"], "sire": ["", "", "M1", "M1", "d1", ""],
                         "dam": ["", "", "F1", "F1", "F1", ""],
                         "dummy": [False] * 5 + [True]})
    col, cmp = colony.compare_with_colony(ours, p, sex=dict(zip(IDS, SEX, strict=True)))
    row = cmp.iloc[0]
    assert list(cmp.columns) == list(colony.COMPARISON_COLUMNS)
    # leogen links: O1-M1, O1-F1, O2-M1, O2-F1, U1-F1; COLONY: O1-M1, O1-F1, O2-M1 -> 3 of 5
    assert (row["n_links_leogen"], row["n_links_colony"], row["n_links_agree"]) == (5, 3, 3)
    assert row["share_links_agree"] == pytest.approx(3 / 5)
    # sib pairs leogen: sire (O1,O2); dam (O1,O2), (O1,U1), (O2,U1). COLONY: sire (M1,U1),
    # (O1,O2); dam (O2,U1) -> agree (O1,O2) sire, (O2,U1) dam: 2 of 4 + 3 - 2 = 5
    assert (row["n_sib_pairs_leogen"], row["n_sib_pairs_colony"],
            row["n_sib_pairs_agree"]) == (4, 3, 2)
    assert row["share_sib_pairs_agree"] == pytest.approx(2 / 5)
    assert len(col) == 10
    ours_more = pd.concat([ours, pd.DataFrame({"individual_id": ["N9"], "sire": [""],
                                               "dam": [""], "dummy": [False]})])
    with pytest.raises(InputError, match="not offspring in the file, e.g. 'N9'"):
        colony.compare_with_colony(ours_more, p)


def test_compare_with_colony_reads_the_sampled_column(tmp_path):
    """leogen's pedigree.tsv marks dummies by sampled = False and names them *M001, *F001."""
    p = tmp_path / "run.BestConfig"
    p.write_text(BEST)
    ours = pd.DataFrame({"individual_id": IDS + ["*M001"],
                         "sire": ["", "", "M1", "M1", "*M001", ""],
                         "dam": ["", "", "F1", "F1", "F1", ""],
                         "sampled": [True] * 5 + [False]})
    _, cmp = colony.compare_with_colony(ours, p)
    assert cmp.iloc[0][["n_offspring", "n_links_leogen", "n_links_agree"]].tolist() == [5, 5, 3]


def test_colony_run_prefix_finds_its_files(tmp_path):
    (tmp_path / "run.BestConfig").write_text(BEST)
    (tmp_path / "run.BestConfig_Ordered").write_text(BEST)
    (tmp_path / "run.Paternity").write_text("OffspringID,InferredDad1,ProbDad1\nO1,M1,0.5\n")
    best, pat, mat = colony.colony_files(tmp_path / "run")
    assert (best.name, pat.name, mat) == ("run.BestConfig_Ordered", "run.Paternity", None)
    ours = pd.DataFrame({"individual_id": IDS, "sire": ["", "", "M1", "M1", ""],
                         "dam": ["", "", "F1", "", ""]})
    col, cmp = colony.compare_with_colony(ours, tmp_path / "run")
    assert cmp["colony_file"][0] == str(best)
    assert col.set_index("individual_id").loc["O1", "sire_probability"] == 0.5
    # given the file itself, the sibling parentage files are found too
    assert colony.colony_files(tmp_path / "run.BestConfig")[1].name == "run.Paternity"
    with pytest.raises(InputError, match="no COLONY best configuration"):
        colony.colony_files(tmp_path / "other")
