"""Genetic management numbers: Lacy's (1989) published example, hand-computed tiny pedigrees,
and the simulator's truth pedigree with the simulator's own (independent) gene drop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leogen.errors import InputError
from leogen.pedigree.kinship import kinship_matrix, parent_indices
from leogen.pedigree.management import (
    ANIMAL_COLUMNS,
    PAIR_COLUMNS,
    SUMMARY_COLUMNS,
    KinshipSource,
    complete_pedigree,
    exact_drops,
    exact_retention,
    founder_contributions,
    founder_genome_equivalents,
    gene_drop,
    genedrop_diversity,
    kinship_table_source,
    management_tables,
    mean_kinship,
    merge_pedigrees,
    mk_rank,
    molecular_kinship,
    pedigree_completeness,
    pedigree_source,
    proposed_pairs,
    retention,
)

ROOT = Path(__file__).resolve().parents[2]

# Lacy (1989) Zoo Biol 8:111: founders A, B, E; C, D = A x B; F, G = D x E; living C, D, F, G
LACY_IDS = ["A", "B", "C", "D", "E", "F", "G"]
LACY_SIRE = ["", "", "A", "A", "", "D", "D"]
LACY_DAM = ["", "", "B", "B", "", "E", "E"]
LACY_REF = ["C", "D", "F", "G"]


def _lacy(**kw):
    s, d = parent_indices(LACY_IDS, LACY_SIRE, LACY_DAM)
    return management_tables(LACY_IDS, s, d, LACY_REF, **kw)


# --------------------------------------------------------------------------- Lacy's example
def test_lacy_published_numbers():
    res = _lacy(n_replicates=20000, seed=11)
    row = res.summary.iloc[0]
    assert list(res.summary.columns) == list(SUMMARY_COLUMNS)
    assert row["fe"] == pytest.approx(32 / 11)           # 2.909, Lacy 1989
    assert row["fge_exact"] == pytest.approx(24 / 11)    # every founder allele kept w.p. 3/4
    assert row["fge"] == pytest.approx(2.18, abs=0.03)   # gene drop ~2.18
    assert row["fge_lo"] < 24 / 11 < row["fge_hi"]
    assert row["fge_hi"] - row["fge_lo"] < 0.1
    # mean kinship with self-kinship included: sum of the 4 x 4 matrix = 4.5, / 16
    assert row["mean_kinship"] == pytest.approx(9 / 32)
    assert row["fge_kinship"] == pytest.approx(16 / 9)   # 1.778
    assert row["gd_retained"] == pytest.approx(23 / 32)
    assert row["gd_genedrop"] == pytest.approx(23 / 32, abs=0.005)
    assert row["n_founders"] == 3 and row["n_unknown_parents"] == 0
    assert row["n_reference"] == 4 and row["basis"] == "pedigree"


def test_lacy_per_animal_table():
    a = _lacy(n_replicates=4000, seed=2).animals.set_index("individual_id")
    assert list(a.reset_index().columns) == list(ANIMAL_COLUMNS)
    # MK: C = (1/2 + 1/4 + 1/8 + 1/8) / 4; D = (1/4 + 1/2 + 1/4 + 1/4) / 4; F = G = 1.125 / 4
    assert a.loc[["C", "D", "F", "G"], "mean_kinship"].tolist() == pytest.approx(
        [1 / 4, 5 / 16, 9 / 32, 9 / 32])
    assert a.loc[["C", "F", "G", "D"], "mk_rank"].tolist() == [1, 2, 2, 4]
    assert a.loc[["A", "B", "E"], "mk_rank"].isna().all()   # not in the reference
    # founders A, B: (1/2 + 1/2 + 1/4 + 1/4) / 4 = 3/8 each; E: (1/2 + 1/2) / 4 = 1/4
    assert a.loc[["A", "B", "E"], "founder_contribution"].tolist() == pytest.approx(
        [3 / 8, 3 / 8, 1 / 4])
    assert a.loc[["A", "B", "E"], "founder_retention"].tolist() == pytest.approx(
        [0.75] * 3, abs=0.03)
    assert a.loc[["C", "D"], "founder_contribution"].isna().all()
    assert a["n_offspring"].to_dict() == {"A": 2, "B": 2, "C": 0, "D": 2, "E": 2, "F": 0, "G": 0}
    assert a["founder"].tolist() == [True, True, False, False, True, False, False]
    # MK is defined for animals outside the reference too: A's kinship with C, D is 1/4,
    # with F, G 1/8 -> 3/16
    assert a.loc["A", "mean_kinship"] == pytest.approx(3 / 16)


def test_gene_drop_is_seeded():
    s, d = parent_indices(LACY_IDS, LACY_SIRE, LACY_DAM)
    a1, a2 = gene_drop(s, d, 300, seed=4), gene_drop(s, d, 300, seed=4)
    assert np.array_equal(a1, a2)
    assert not np.array_equal(a1, gene_drop(s, d, 300, seed=5))
    t1 = _lacy(n_replicates=500, seed=9).summary
    t2 = _lacy(n_replicates=500, seed=9).summary
    pd.testing.assert_frame_equal(t1, t2)


# --------------------------------------------------------------------------- hand cases
def test_two_unrelated_founders():
    res = management_tables(["A", "B"], [-1, -1], [-1, -1], n_replicates=100)
    row = res.summary.iloc[0]
    # p = 1/2, 1/2; both founders keep both alleles; kinship matrix diag(1/2)
    assert row["fe"] == pytest.approx(2.0)
    assert row["fge"] == pytest.approx(2.0) and row["fge_exact"] == pytest.approx(2.0)
    assert row["mean_kinship"] == pytest.approx(0.25)
    assert row["fge_kinship"] == pytest.approx(2.0)
    assert row["gd_retained"] == pytest.approx(0.75)
    assert row["gd_genedrop"] == pytest.approx(0.75)


def test_single_offspring_reference():
    # one offspring of A x B: p = 1/2, 1/2 (fe = 2); each founder allele survives w.p. 1/2,
    # so fge = 1 / (2 * (1/4) / (1/2)) = 1; MK = 1/2, GD = 1/2
    res = management_tables(["A", "B", "C"], [-1, -1, 0], [-1, -1, 1], ["C"],
                            n_replicates=4000, seed=3)
    row = res.summary.iloc[0]
    assert row["fe"] == pytest.approx(2.0)
    assert row["fge_exact"] == pytest.approx(1.0)
    assert row["fge"] == pytest.approx(1.0, abs=0.05)
    assert row["gd_retained"] == pytest.approx(0.5)
    assert row["gd_genedrop"] == pytest.approx(0.5)  # 2 distinct genes in every drop


def test_inbred_offspring_of_full_sibs():
    # C, D = A x B; E = C x D, the reference. A given allele of A reaches E through C with
    # probability 1/2 * 1/2 and through D likewise: r = 1 - (3/4)^2 = 7/16 for every founder
    # allele, p = 1/2, 1/2, so fge = 1 / (2 * (1/4) / (7/16)) = 7/8. F_E = 1/4, phi_EE = 5/8.
    res = management_tables(["A", "B", "C", "D", "E"], [-1, -1, 0, 0, 2], [-1, -1, 1, 1, 3],
                            ["E"], n_replicates=8000, seed=1)
    row = res.summary.iloc[0]
    assert row["fe"] == pytest.approx(2.0)
    assert row["fge_exact"] == pytest.approx(7 / 8)
    assert row["fge"] == pytest.approx(7 / 8, abs=0.03)
    assert row["mean_kinship"] == pytest.approx(5 / 8)
    assert row["gd_retained"] == pytest.approx(3 / 8)
    # the two genes of E are identical with probability F = 1/4: 1 - (1/4 + 3/4 * 1/2)
    assert row["gd_genedrop"] == pytest.approx(3 / 8, abs=0.015)
    assert res.animals["f_pedigree"].tolist() == pytest.approx([0, 0, 0, 0, 0.25])


def test_phantom_founder_for_a_missing_parent():
    s, d, n = complete_pedigree([-1, 0, -1], [-1, -1, 1])  # B has sire A only; C has dam B only
    assert n == 3
    assert s.tolist() == [-1, 0, 4, -1, -1] and d.tolist() == [-1, 3, 1, -1, -1]
    founders, c = founder_contributions([-1, 0], [-1, -1])
    # B = A x phantom: half of B's genome is A's, half the phantom's
    assert founders.tolist() == [0, 2]
    assert c[1].tolist() == [0.5, 0.5]
    res = management_tables(["A", "B"], [-1, 0], [-1, -1], ["B"], n_replicates=0)
    row = res.summary.iloc[0]
    assert row["fe"] == pytest.approx(2.0)
    assert row["n_founders"] == 1 and row["n_unknown_parents"] == 1
    assert np.isnan(row["fge"]) and row["fge_exact"] == pytest.approx(1.0)
    assert row["pedigree_completeness"] == pytest.approx(0.5)


def test_exact_enumeration_limit_and_retention_values():
    assert exact_drops([-1, -1, 0, 0], [-1, -1, 1, 1], max_meioses=3) is None
    a = exact_drops([-1, -1, 0, 0], [-1, -1, 1, 1])
    assert a.shape == (16, 4, 2)
    # two full sibs C, D: a founder allele is lost only if neither gets it: r = 3/4
    assert retention(a, [2, 3], [0, 1]).mean(axis=0).tolist() == [0.75, 0.75]
    assert founder_genome_equivalents([0.5, 0.5], [0.75, 0.75]) == pytest.approx(1.5)
    # E[sum q^2] over the 4 genes of C, D = mean kinship (1/2 + 1/4 + 1/4 + 1/2) / 4
    assert genedrop_diversity(a, [2, 3]) == pytest.approx(1 - 3 / 8)


def test_exact_retention_founder_by_founder():
    # two families of five: A x B -> 5 kids, C x D -> 5 kids (20 meioses in all, but 5 per
    # founder). A founder allele is lost only if none of its 5 offspring gets it:
    # r = 1 - (1/2)^5 = 31/32; p = 1/4 each, so fe = 4 and fge = 1 / (4 (1/16) / (31/32))
    s = [-1, -1, -1, -1] + [0] * 5 + [2] * 5
    d = [-1, -1, -1, -1] + [1] * 5 + [3] * 5
    assert exact_drops(s, d) is None
    ids = [f"a{i}" for i in range(14)]
    res = management_tables(ids, s, d, ids[4:], n_replicates=4000, seed=8)
    row = res.summary.iloc[0]
    assert row["fe"] == pytest.approx(4.0)
    assert row["fge_exact"] == pytest.approx(31 / 8)
    assert row["fge"] == pytest.approx(31 / 8, abs=0.05)
    assert np.isnan(exact_retention(s, d, np.arange(4, 14), max_meioses=4)).all()
    # a founder that is itself in the reference keeps both alleles; one with no descendant in
    # the reference keeps none
    assert exact_retention(s, d, [0, 9]).tolist() == [1.0, 0.0, 0.5, 0.5]


def test_mean_kinship_rank_and_completeness_by_hand():
    k = np.array([[0.5, 0.25, np.nan], [0.25, 0.5, 0.1], [np.nan, 0.1, 0.5]])
    assert mean_kinship(k, [0, 1, 2]).tolist() == pytest.approx([0.375, 0.85 / 3, 0.3])
    assert mean_kinship(k, np.array([True, False, True])).tolist() == pytest.approx(
        [0.5, (0.25 + 0.1) / 2, 0.5])
    assert mk_rank([0.3, 0.2, 0.2, 0.9], [0, 1, 2]).tolist() == [3, 1, 1, 0]
    dummy = np.array([False, True, False, False])
    # C's parents A (sampled) and dummy B; D's parent A, dam unknown -> 2 of 4
    assert pedigree_completeness([-1, -1, 0, 0], [-1, -1, 1, -1], [2, 3], dummy) == 0.5


def test_molecular_basis():
    ids = ["A", "B", "C", "D"]
    r = np.array([[np.nan, 0.5, 0.0, 0.1], [0.5, np.nan, 0.2, 0.0],
                  [0.0, 0.2, np.nan, 0.4], [0.1, 0.0, 0.4, np.nan]])
    mol = molecular_kinship(r, f=[0.0, 0.2, np.nan, 0.0])
    assert np.diag(mol).tolist() == [0.5, 0.6, 0.5, 0.5]
    assert mol[0, 1] == 0.25 and mol[2, 3] == 0.2
    # an all-founder pedigree is shallow: 'auto' takes the molecular matrix
    res = management_tables(ids, [-1] * 4, [-1] * 4, molecular=(ids[::-1], mol[::-1, ::-1]),
                            basis="auto", n_replicates=0)
    row = res.summary.iloc[0]
    assert row["basis"] == "molecular" and row["pedigree_completeness"] == 0.0
    mk = res.animals["mean_kinship"].to_numpy()
    assert mk == pytest.approx([(0.5 + 0.25 + 0 + 0.05) / 4, (0.25 + 0.6 + 0.1 + 0) / 4,
                                (0 + 0.1 + 0.5 + 0.2) / 4, (0.05 + 0 + 0.2 + 0.5) / 4])
    assert row["mean_kinship"] == pytest.approx(mk.mean())
    assert (res.animals["basis"] == "molecular").all()
    # fe is a pedigree number whatever the basis: four founders of equal contribution
    assert row["fe"] == pytest.approx(4.0)
    # a complete pedigree keeps the pedigree basis under 'auto'
    s, d = parent_indices(LACY_IDS, LACY_SIRE, LACY_DAM)
    k = kinship_matrix(s, d)
    res = management_tables(LACY_IDS, s, d, LACY_REF, molecular=(LACY_IDS, k), basis="auto",
                            n_replicates=0)
    assert res.summary.iloc[0]["basis"] == "pedigree"


# --------------------------------------------------------------------------- proposed pairs
WILD = pd.DataFrame({"individual_id": ["A", "B", "C", "D", "W"],
                     "sire": ["", "", "A", "A", ""], "dam": ["", "", "B", "B", ""]})
# captive studbook: Z1 is the son of wild-born A (exported) and captive ZD; Z2 of ZS x ZD
ZOO = pd.DataFrame({"individual_id": ["Z1", "Z2", "ZS"], "sire": ["A", "ZS", ""],
                    "dam": ["ZD", "ZD", ""], "_line": [2, 3, 4]})


def test_proposed_pairs_across_wild_and_captive_pedigrees():
    ped = merge_pedigrees([WILD, ZOO])
    assert ped["individual_id"].tolist() == ["A", "B", "C", "D", "W", "Z1", "Z2", "ZS", "ZD"]
    assert ped["source"].tolist() == [0, 0, 0, 0, 0, 1, 1, 1, -1]
    pairs = pd.DataFrame({"id1": ["Z1", "Z2", "C", "Z1"], "id2": ["C", "W", "D", "Z2"]})
    out = proposed_pairs(pairs, [pedigree_source(ped)], reference=["C", "D", "W"])
    assert list(out.columns) == list(PAIR_COLUMNS)
    # Z1 (son of A) x C (daughter of A): paternal half sibs, 1/8; Z2 x W unrelated;
    # C x D full sibs 1/4; Z1 x Z2 maternal half sibs 1/8
    assert out["kinship"].tolist() == pytest.approx([0.125, 0.0, 0.25, 0.125])
    assert out["offspring_f"].tolist() == out["kinship"].tolist()
    assert (out["basis"] == "pedigree").all()
    # offspring MK with the reference C, D, W: MK_Z1 = (1/8 + 1/8 + 0) / 3,
    # MK_C = (1/2 + 1/4 + 0) / 3 -> their offspring (1/4 + 3/4) / 6 = 1/6
    assert out["offspring_mean_kinship"][0] == pytest.approx((0.25 / 3 + 0.75 / 3) / 2)
    assert out["kinship_molecular"].isna().all()


def test_proposed_pairs_fall_back_to_molecular_and_supplied_kinship():
    ped = pedigree_source(WILD)
    mol = KinshipSource("molecular", ["C", "X"], np.array([[0.5, 0.06], [0.06, 0.5]]))
    sup = kinship_table_source(pd.DataFrame({"id1": ["X", "Y"], "id2": ["Y", "W"],
                                             "kinship": ["0.25", "0.0"]}))
    pairs = pd.DataFrame({"id1": ["C", "X", "W"], "id2": ["D", "C", "Y"]})
    out = proposed_pairs(pairs, [ped, sup, mol])
    assert out["basis"].tolist() == ["pedigree", "molecular", "supplied"]
    assert out["kinship"].tolist() == pytest.approx([0.25, 0.06, 0.0])
    assert out["kinship_pedigree"].tolist()[0] == 0.25
    assert np.isnan(out["kinship_pedigree"][1]) and out["kinship_molecular"][1] == 0.06


# --------------------------------------------------------------------------- bad input
def test_bad_reference_and_basis():
    s, d = parent_indices(LACY_IDS, LACY_SIRE, LACY_DAM)
    with pytest.raises(InputError, match="'Q' is not in the pedigree") as e:
        management_tables(LACY_IDS, s, d, ["C", "Q"], reference_path="living.tsv")
    assert e.value.path == "living.tsv" and e.value.column == "individual_id"
    with pytest.raises(InputError, match="listed twice"):
        management_tables(LACY_IDS, s, d, ["C", "C"])
    with pytest.raises(InputError, match="needs a molecular kinship"):
        management_tables(LACY_IDS, s, d, LACY_REF, basis="molecular")
    with pytest.raises(InputError, match="expected pedigree, molecular or auto"):
        management_tables(LACY_IDS, s, d, LACY_REF, basis="genomic")
    with pytest.raises(InputError, match="expected 2 x 2"):
        management_tables(LACY_IDS, s, d, LACY_REF, molecular=(["A", "B"], np.eye(3)),
                          basis="molecular")
    with pytest.raises(InputError, match="appears twice"):
        management_tables(LACY_IDS, s, d, LACY_REF, molecular=(["A", "A"], np.eye(2)),
                          basis="molecular")


def test_bad_pairs():
    src = [pedigree_source(WILD)]
    with pytest.raises(InputError, match="'C' with itself") as e:
        proposed_pairs(pd.DataFrame({"id1": ["C"], "id2": ["C"], "_line": [5]}), src,
                       path="pairs.tsv")
    assert (e.value.path, e.value.line, e.value.column) == ("pairs.tsv", 5, "id2")
    with pytest.raises(InputError, match="'Q' is in no kinship source") as e:
        proposed_pairs(pd.DataFrame({"id1": ["C", "Q"], "id2": ["D", "A"],
                                     "_line": [2, 3]}), src, path="pairs.tsv")
    assert (e.value.line, e.value.column) == (3, "id1")
    two = src + [KinshipSource("molecular", ["X"], np.array([[0.5]]))]
    with pytest.raises(InputError, match="no kinship source holds both 'C' and 'X'"):
        proposed_pairs(pd.DataFrame({"id1": ["C"], "id2": ["X"]}), two)
    with pytest.raises(InputError, match="missing column id2"):
        proposed_pairs(pd.DataFrame({"id1": ["C"]}), src)


def test_bad_kinship_table_and_conflicting_pedigrees():
    t = pd.DataFrame({"id1": ["X", "X"], "id2": ["Y", "Z"], "kinship": ["0.2", "high"],
                      "_line": [2, 3]})
    with pytest.raises(InputError, match="'high' is not a number") as e:
        kinship_table_source(t, path="zoo_kinship.tsv")
    assert (e.value.path, e.value.line, e.value.column) == ("zoo_kinship.tsv", 3, "kinship")
    t = pd.DataFrame({"id1": ["X", "Y"], "id2": ["Y", "X"], "kinship": ["0.2", "0.3"],
                      "_line": [2, 3]})
    with pytest.raises(InputError, match="listed twice with different kinship") as e:
        kinship_table_source(t, path="zoo_kinship.tsv")
    assert e.value.line == 3
    with pytest.raises(InputError, match="missing column kinship"):
        kinship_table_source(t.drop(columns="kinship"))
    zoo = pd.DataFrame({"individual_id": ["C"], "sire": ["W"], "dam": ["B"], "_line": [7]})
    with pytest.raises(InputError, match="'C' has sire 'W' here but 'A'") as e:
        merge_pedigrees([WILD, zoo], ["wild.tsv", "zoo.tsv"])
    assert (e.value.path, e.value.line, e.value.column) == ("zoo.tsv", 7, "sire")
    with pytest.raises(InputError, match="missing column dam"):
        merge_pedigrees([WILD.drop(columns="dam")])


# --------------------------------------------------------------------------- simulated truth
def _truth():
    ped = pd.read_csv(ROOT / "config/example/truth/pedigree.tsv", sep="\t", dtype=str,
                      keep_default_na=False)
    s, d = parent_indices(ped["individual_id"], ped["sire"], ped["dam"])
    alive = ped["death_year"].isin(["NA", ""]).to_numpy()  # alive at the end of the study
    return ped, s, d, np.flatnonzero(alive)


def test_simulated_truth_pedigree_against_the_simulators_gene_drop():
    """On the bundled truth pedigree (20 founders, 248 animals; reference = the animals alive
    at the end), the gene drop agrees with the simulator's own Mendelian dropping of unique
    founder alleles (leogen.simulate.microsatellites.drop_alleles, one 'locus' per
    replicate), and its gene diversity with 1 - mean kinship."""
    from leogen.simulate.microsatellites import drop_alleles

    ped, s, d, ref = _truth()
    n = len(ped)
    R = 3000
    res = management_tables(ped["individual_id"], s, d, ped["individual_id"].to_numpy()[ref],
                            n_replicates=R, seed=7)
    row = res.summary.iloc[0]
    assert row["n_founders"] + row["n_unknown_parents"] <= 20
    assert res.animals["founder"].sum() == 20
    assert 1.0 <= row["fge"] <= row["fe"] <= 20.0
    p = res.animals["founder_contribution"].dropna()
    assert p.sum() == pytest.approx(1.0)
    # the truth's own pedigree F (from the simulator's truth table) is the table's f_pedigree
    assert res.animals["f_pedigree"].to_numpy() == pytest.approx(
        ped["f_pedigree"].astype(float).to_numpy(), abs=1e-6)  # written to 6 digits
    # independent drop: founder i carries alleles 2i, 2i + 1 at every one of R loci
    founders = np.flatnonzero(s < 0)
    fa = np.zeros((n, R, 2), dtype=np.int64)
    fa[founders, :, 0] = 2 * founders[:, None]
    fa[founders, :, 1] = 2 * founders[:, None] + 1
    g = drop_alleles(s, d, fa, seed=123)                  # (n, R, 2), birth order
    alleles = np.transpose(g, (1, 0, 2))                   # (R, n, 2) as gene_drop
    r_sim = retention(alleles, ref, founders).mean(axis=0)
    r_ours = res.animals["founder_retention"].to_numpy()[founders]
    se = np.sqrt(np.maximum(r_sim * (1 - r_sim), 0.01) / R)
    assert np.all(np.abs(r_sim - r_ours) < 5 * se + 1e-9)
    fge_sim = founder_genome_equivalents(res.animals["founder_contribution"].to_numpy()[founders],
                                         r_sim)
    assert abs(fge_sim - row["fge"]) < 4 * (row["fge_hi"] - row["fge_lo"]) / 3.92 * np.sqrt(2)
    gd_sim = genedrop_diversity(alleles, ref)
    assert gd_sim == pytest.approx(row["gd_retained"], abs=0.005)
    assert row["gd_genedrop"] == pytest.approx(row["gd_retained"], abs=0.005)
    # mean kinship ranks: the reference animal with the lowest MK has rank 1
    a = res.animals
    inref = a[a["in_reference"]]
    assert inref.loc[inref["mean_kinship"].idxmin(), "mk_rank"] == 1
    assert a.loc[~a["in_reference"], "mk_rank"].isna().all()


# --------------------------------------------------------------------------- file entry points
def test_relatedness_matrix_file_to_molecular_mean_kinship(tmp_path):
    from leogen.pedigree.management import pedigree_table_indices, read_relatedness_matrix

    p = tmp_path / "matrix_wang.tsv"
    p.write_text("id\tA\tB\tC\nA\tNA\t0.5\t-0.1\nB\t0.5\tNA\tNA\nC\t-0.1\tNA\tNA\n")
    ids, r = read_relatedness_matrix(p)
    assert ids == ["A", "B", "C"]
    assert np.isnan(r[1, 2]) and r[0, 2] == -0.1
    ped = pd.DataFrame({"individual_id": ["A", "B", "C", "*M001"], "sire": ["", "", "", ""],
                        "dam": ["", "", "", ""], "sampled": [True, True, True, False]})
    pid, s, d, dummy = pedigree_table_indices(ped)
    res = management_tables(pid, s, d, dummy=dummy, molecular=(ids, molecular_kinship(r)),
                            basis="auto", n_replicates=0)
    a = res.animals.set_index("individual_id")
    # reference = the sampled animals; pairs a matrix could not compare are left out
    assert a.loc[["A", "B", "C"], "mean_kinship"].tolist() == pytest.approx(
        [(0.5 + 0.25 - 0.05) / 3, (0.25 + 0.5) / 2, (-0.05 + 0.5) / 2])
    assert np.isnan(a.loc["*M001", "mean_kinship"]) and not a.loc["*M001", "in_reference"]
    assert res.summary.iloc[0]["basis"] == "molecular"


@pytest.mark.parametrize("text, match, line, column", [
    ("id\tA\tB\nA\tNA\tx\nB\t0.5\tNA\n", "'x' is not a number", 2, "B"),
    ("id\tA\tB\nA\tNA\t0.4\nB\t0.5\tNA\n", "not symmetric: A-B is 0.4 but B-A is 0.5", 2, "B"),
    ("id\tA\tC\nA\tNA\t0.4\nB\t0.4\tNA\n", "column 3 is 'C', expected", 1, "C"),
])
def test_relatedness_matrix_bad(tmp_path, text, match, line, column):
    from leogen.pedigree.management import read_relatedness_matrix

    p = tmp_path / "m.tsv"
    p.write_text(text)
    with pytest.raises(InputError, match=match) as e:
        read_relatedness_matrix(p)
    assert (e.value.path, e.value.line, e.value.column) == (str(p), line, column)


def test_exact_retention_agrees_with_the_gene_drop_on_the_truth():
    ped, s, d, ref = _truth()
    r_exact = exact_retention(s, d, ref)
    r_drop = retention(gene_drop(s, d, 4000, seed=2), ref,
                       founder_contributions(s, d)[0]).mean(axis=0)
    ok = np.isfinite(r_exact)
    assert ok.sum() >= 5                      # founders with few relevant meioses
    assert np.abs(r_exact[ok] - r_drop[ok]).max() < 5 * np.sqrt(0.25 / 4000)
