"""Recovery of simulated pedigrees (issue 17 targets): an independent gene drop
(tests/pedigree/genedrop.py) and the bundled example's simulator, truth known.

Targets: of the parent links assigned to sampled animals >= 95% right; >= 80% of the true
links whose parent was sampled found; FS and HS labels >= 90% precision; pedigree F vs true F
r >= 0.8; of the links with posterior >= 0.9 at least 90% right (pooled over seeds). Targets
the method does not reach on these data are marked xfail with the measured figure
(docs/pedigree.md, "Validation").
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from helpers import simulate_and_identify
from pedigree.genedrop import evaluate, gene_drop, sampled_pedigree_f

from leogen.cli import main
from leogen.pedigree import outputs
from leogen.pedigree.run import run

SEEDS = tuple(range(1, 9))


#: the monitoring of the issue ("about a hundred leopards monitored for two decades", 70-90%
#: of the animals sampled): the study covers the population's whole history, 2008-2024
TWO_DECADES = (2008, 2024)


@cache
def _gene_drop_results(he: str = "high", calibration_replicates: int = 0,
                       study: tuple = (2019, 2024), seeds: tuple = SEEDS,
                       sample_rate: float = 0.8, n_loci: int = 15):
    """Pooled evaluation of the default run on gene drops of the seeds: a six-year study of
    a population founded 16 years earlier (default), or ``study`` years; ``f_ceiling`` is
    the correlation of true F with the F of the true pedigree cut to the sampled animals,
    ``f_ceiling_dummies`` with their unsampled parents kept as dummies with their sampled
    parents."""
    tot: dict = {}
    calib, dummy_calib, f_true, f_ped, f_cut, f_dummy, f_exp = [], [], [], [], [], [], []
    kin_true = []  # per pair of genotyped animals: true, point and expected kinship
    birth = []  # per animal with an estimate: the 80% interval holds the true year, its
    # width, its probability, the width of the sheet's window
    for seed in seeds:
        kw = {} if he == "high" else {"n_alleles": (3, 6)}
        d = gene_drop(seed, study=study, sample_rate=sample_rate, n_loci=n_loci, **kw)
        res = _run_quiet(d, calibration_replicates)
        e = evaluate(res.pedigree, res.relationships, res.inbreeding, d.truth)
        calib += e["calib"]
        dummy_calib += e["dummy_parent_calib"]
        f_true.append(e["f_true"])
        f_ped.append(e["f_ped"])
        f_exp.append(e["f_expected"])
        order = res.inbreeding["individual_id"]
        f_cut.append(pd.Series(sampled_pedigree_f(d), index=d.sampled).loc[order].to_numpy())
        f_dummy.append(pd.Series(sampled_pedigree_f(d, dummy_parents=True),
                                 index=d.sampled).loc[order].to_numpy())
        for k, v in e.items():
            if isinstance(v, (int, np.integer)):
                tot[k] = tot.get(k, 0) + int(v)
        kin_true.append(_true_kinship_of_pairs(d, res))
        est = res.pedigree[res.pedigree["sampled"]].dropna(subset=["birth_year_estimate"])
        true_year = d.truth.set_index("individual_id").loc[est["individual_id"], "birth_year"]
        lo, hi = (est[c].to_numpy(float) for c in ("birth_year_80_lo", "birth_year_80_hi"))
        window = (est["birth_year_hi"] - est["birth_year_lo"]).to_numpy(float) + 1
        birth.append(np.column_stack([(lo <= true_year) & (true_year <= hi), hi - lo + 1,
                                      est["birth_year_80_probability"].to_numpy(float),
                                      window]))
    tot["calib"] = np.array(calib)
    tot["birth_interval"] = np.concatenate(birth)
    k = np.concatenate(kin_true)
    tot["kinship_r"], tot["kinship_r_expected"] = (float(np.corrcoef(k[:, 0], k[:, c])[0, 1])
                                                   for c in (1, 2))
    tot["dummy_calib"] = np.array(dummy_calib).reshape(-1, 2)
    tot["f_r"] = float(np.corrcoef(np.concatenate(f_true), np.concatenate(f_ped))[0, 1])
    tot["f_r_expected"] = float(np.corrcoef(np.concatenate(f_true), np.concatenate(f_exp))[0, 1])
    tot["f_ceiling"] = float(np.corrcoef(np.concatenate(f_true), np.concatenate(f_cut))[0, 1])
    tot["f_ceiling_dummies"] = float(np.corrcoef(np.concatenate(f_true),
                                                 np.concatenate(f_dummy))[0, 1])
    return tot


def _true_kinship_of_pairs(d, res) -> np.ndarray:
    """(pairs, 3): the true kinship of every pair of genotyped animals (the gene drop's whole
    pedigree), the reconstructed pedigree's and its posterior expectation."""
    from leogen.pedigree.kinship import kinship_matrix, parent_indices

    ids = list(d.truth["individual_id"])
    s, dd = parent_indices(ids, d.truth["sire"].fillna("").tolist(),
                           d.truth["dam"].fillna("").tolist())
    true = kinship_matrix(s, dd)
    n = int(res.sampled.sum())
    pos = pd.Series(np.arange(len(ids)), index=ids).loc[res.ids[:n]].to_numpy()
    a, b = np.triu_indices(n, 1)
    return np.column_stack([true[pos[a], pos[b]], res.kinship[a, b],
                            res.kinship_expected[a, b]])


def _run_quiet(d, calibration_replicates: int = 0):
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        return run(d.g, d.samples, out, links=d.links, genetic_sex=d.sex,
                   calibration_replicates=calibration_replicates)


def _sure(calib: np.ndarray) -> tuple[int, float]:
    sure = calib[calib[:, 0] >= 0.9]
    return len(sure), float(sure[:, 1].mean()) if len(sure) else float("nan")


def test_gene_drop_parentage_targets():
    t = _gene_drop_results()
    assert t["assigned"] > 300 and t["true_links"] > 400
    precision = t["right"] / t["assigned"]
    recall = t["found"] / t["true_links"]
    assert precision >= 0.95, precision   # measured 0.978 (404 / 413, 8 seeds)
    assert recall >= 0.80, recall         # measured 0.854 (404 / 473)
    n_sure, right = _sure(t["calib"])
    assert n_sure > 200 and right >= 0.9, (n_sure, right)  # measured 0.994 (324 / 326)
    # the probabilities are calibrated below 0.9 too: 0.7-0.9 links right as often as said,
    # pooled over the six-year and the two-decade study (seeds 1-8 each; measured: said
    # 0.82, right 0.905, 181 links; the six-year study alone said 0.82, right 0.92 of 87:
    # under-confident by 0.10, docs/pedigree.md)
    two = _gene_drop_results(study=TWO_DECADES)
    calib = np.concatenate([t["calib"], two["calib"]])
    mid = calib[(calib[:, 0] >= 0.7) & (calib[:, 0] < 0.9)]
    assert abs(mid[:, 1].mean() - mid[:, 0].mean()) < 0.1, (mid[:, 0].mean(), mid[:, 1].mean())


@pytest.mark.slow
def test_gene_drop_targets_kept_with_bootstrap_calibration():
    # --calibration-replicates 5: the probabilities only go down, links below 0.7 drop out
    t = _gene_drop_results(calibration_replicates=5)
    assert t["right"] / t["assigned"] >= 0.95      # measured 0.978 (403 / 412)
    assert t["found"] / t["true_links"] >= 0.80    # measured 0.852 (403 / 473)
    n_sure, right = _sure(t["calib"])
    assert n_sure > 200 and right >= 0.9           # measured 0.994 (324 / 326)
    mid = t["calib"][(t["calib"][:, 0] >= 0.7) & (t["calib"][:, 0] < 0.9)]
    assert mid[:, 1].mean() >= mid[:, 0].mean() - 0.05  # measured: 0.92 right, 0.82 said


def test_gene_drop_full_sib_precision():
    t = _gene_drop_results()
    assert t["FS_labelled"] > 50
    assert t["FS_right"] / t["FS_labelled"] >= 0.9  # measured 0.963 (129 / 134)


def test_gene_drop_half_sib_precision():
    # labels from the joint configuration: FS or HS of a pair with an unassigned parent
    # from the sibship partition, dummy sibships weighed against relatives of the dummy
    t = _gene_drop_results()
    assert t["HS_labelled"] > 300
    assert t["HS_right"] / t["HS_labelled"] >= 0.9  # measured 0.906 (483 / 533)


def test_grandparent_labels():
    # GP/AV labels read off the pedigree (an animal's parent and that parent's parent) as
    # well as the likelihood split. Measured, seeds 1-8: 183 / 294 right in the six-year
    # study, 1028 / 1325 in the two-decade study (40 / 155 and 284 / 562 by the likelihood
    # split alone)
    six, two = _gene_drop_results(), _gene_drop_results(study=TWO_DECADES)
    assert six["GPAV_labelled"] > 200 and six["GPAV_right"] / six["GPAV_labelled"] > 0.5
    assert two["GPAV_labelled"] > 1000 and two["GPAV_right"] / two["GPAV_labelled"] > 0.7


@pytest.mark.xfail(strict=False, reason="measured r = 0.45 (with marker-based founder kinship), "
                   "and 0.590 for its posterior expectation (0.688 on seeds 9-24), against 0.63 for the true "
                   "pedigree cut to the sampled animals (0.81 with its dummy parents and their "
                   "sampled parents): a 6-year study of a "
                   "population founded 16 years earlier gives shallow pedigrees, and 15 loci "
                   "estimate the founders' kinship poorly; see docs/pedigree.md")
def test_gene_drop_inbreeding_correlation():
    t = _gene_drop_results()
    assert max(t["f_r"], t["f_r_expected"]) >= 0.8


UNSEEN = tuple(range(9, 25))


def _assert_parentage_targets(t, n_assigned: int):
    assert t["assigned"] > n_assigned
    assert t["right"] / t["assigned"] >= 0.95, (t["right"], t["assigned"])
    assert t["found"] / t["true_links"] >= 0.80, (t["found"], t["true_links"])
    assert t["FS_right"] / t["FS_labelled"] >= 0.9, (t["FS_right"], t["FS_labelled"])
    assert t["HS_right"] / t["HS_labelled"] >= 0.9, (t["HS_right"], t["HS_labelled"])
    n_sure, right = _sure(t["calib"])
    assert right >= 0.9, (n_sure, right)


def _mid_band(calib: np.ndarray) -> tuple[float, float]:
    """Mean posterior and share right of the links given 0.7 <= p < 0.9."""
    mid = calib[(calib[:, 0] >= 0.7) & (calib[:, 0] < 0.9)]
    return float(mid[:, 0].mean()), float(mid[:, 1].mean())


def test_two_decade_study_targets():
    # 2008-2024 monitoring, 70-80% of all animals genotyped (81-112 per seed). Measured,
    # seeds 1-8: 959 / 986 links right (97.3%), 959 / 1064 found (90.1%), HS 93.3%, FS 99.7%,
    # 875 / 892 sure links right (98.1%)
    _assert_parentage_targets(_gene_drop_results(study=TWO_DECADES), 800)


@pytest.mark.slow
def test_two_decade_study_targets_unseen_seeds():
    # seeds 9-24, not looked at while the method was developed. Measured: 1847 / 1924 links
    # right (96.0%), 1847 / 2034 found (90.8%), HS 92.3%, FS 99.0%, sure links 98.5%
    _assert_parentage_targets(_gene_drop_results(study=TWO_DECADES, seeds=UNSEEN), 1500)


def test_two_decade_study_mid_probabilities_are_calibrated():
    # measured: said 0.82, right 0.89 (94 links)
    said, right = _mid_band(_gene_drop_results(study=TWO_DECADES)["calib"])
    assert abs(right - said) < 0.1, (said, right)


@pytest.mark.slow
def test_two_decade_study_mid_probabilities_unseen_seeds():
    # measured: said 0.82, right 0.74 (201 links; 0.81 and 0.77 before the detection-history
    # prior of the birth years, 0.82 and 0.71 before the non-parent evidence was conditioned
    # on the co-parent)
    said, right = _mid_band(_gene_drop_results(study=TWO_DECADES, seeds=UNSEEN)["calib"])
    assert abs(right - said) < 0.1, (said, right)


def test_two_decade_study_f_ceiling():
    # the true pedigree of the sampled animals alone (every link to a sampled parent right,
    # unsampled parents unrelated founders) gives true F only r = 0.75 at 80% sampled (0.63
    # in the six-year study; 0.88 at 90%); with each unsampled parent kept as a dummy with
    # its own sampled parents, r = 0.98 (0.81; 0.99): at 70-80% sampled, F can follow true
    # F only through the parents of dummy parents
    t = _gene_drop_results(study=TWO_DECADES)
    assert 0.65 < t["f_ceiling"] < 0.8, t["f_ceiling"]
    assert t["f_ceiling_dummies"] > 0.95, t["f_ceiling_dummies"]
    assert t["f_r"] > 0.6, t["f_r"]  # measured 0.648 (0.58 without the dummies' parents)
    # the posterior expectation over the unassigned parents, by the average kinship matrix
    # and with the unsampled parents' kinship (marker-based and of their cohort): measured
    # 0.828 (0.820 without the candidates of animals without assigned parents, 0.788
    # without the cohort, 0.746 without the unsampled parents' kinship, 0.715
    # when only the genotyped animals' own unassigned parents were averaged)
    assert t["f_r_expected"] > 0.8, t["f_r_expected"]


def _all_dummy_parent_links() -> np.ndarray:
    return np.concatenate([_gene_drop_results(**kw)["dummy_calib"] for kw in (
        {}, {"study": TWO_DECADES}, {"study": TWO_DECADES, "sample_rate": 0.9})])


def test_dummy_parent_links():
    # the sampled parents of dummy parents (the grandparents of a sibship), pooled over the
    # six-year study and the two-decade studies at 80% and 90% sampled, seeds 1-8. Measured:
    # 38 / 42 right (5 / 6, 24 / 24, 9 / 12), 28 / 29 with p >= 0.9; with the links of the
    # genotyped animals 409 / 419, 983 / 1010 and 1371 / 1393 right
    c = _all_dummy_parent_links()
    assert len(c) > 30
    assert c[:, 1].mean() >= 0.8, c[:, 1].mean()
    n_sure, right = _sure(c)
    assert n_sure > 20 and right >= 0.9, (n_sure, right)
    for kw in ({}, {"study": TWO_DECADES}, {"study": TWO_DECADES, "sample_rate": 0.9}):
        t = _gene_drop_results(**kw)
        c = t["dummy_calib"]
        assert (t["right"] + c[:, 1].sum()) / (t["assigned"] + len(c)) >= 0.95, kw


@pytest.mark.slow
def test_dummy_parent_links_unseen_seeds():
    # two decades, 80% sampled, seeds 9-24: measured 32 / 36 right (38 / 40 before the
    # detection-history prior of the birth years); with the links of the genotyped animals
    # 1879 / 1960 right (95.9%)
    t = _gene_drop_results(study=TWO_DECADES, seeds=UNSEEN)
    c = t["dummy_calib"]
    assert len(c) > 20 and c[:, 1].mean() >= 0.85, (len(c), c[:, 1].mean())
    assert (t["right"] + c[:, 1].sum()) / (t["assigned"] + len(c)) >= 0.95


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="two decades, 80% sampled, seeds 9-24: measured 15 of 17 "
                   "parents of dummy parents with p >= 0.9 right (17 / 18 before the "
                   "detection-history prior); the two wrong ones are the true grandparents of "
                   "two maternal half sibs put in a paternal dummy sibship (seed 10): which "
                   "parent two half sibs share is not in their genotypes; see docs/pedigree.md")
def test_dummy_parent_sure_links_unseen_seeds():
    c = _gene_drop_results(study=TWO_DECADES, seeds=UNSEEN)["dummy_calib"]
    n_sure, right = _sure(c)
    assert right >= 0.9, (n_sure, right)


def test_ninety_percent_sampled_targets():
    # two decades, 90% of the animals alive genotyped (the top of the 70-90%).
    # Measured, seeds 1-8: 1362 / 1381 links right (98.6%), 1362 / 1425 found (95.6%), HS
    # 97.4%, FS 99.8%, sure links 99.6%, 0.7-0.9 said 0.82 and right 0.83
    t = _gene_drop_results(study=TWO_DECADES, sample_rate=0.9)
    _assert_parentage_targets(t, 1200)
    said, right = _mid_band(t["calib"])
    assert abs(right - said) < 0.1, (said, right)


@pytest.mark.slow
def test_ninety_percent_sampled_targets_unseen_seeds():
    # seeds 9-24: 2472 / 2520 right (98.1%), 2472 / 2628 found (94.1%), HS 95.6%, FS 99.7%,
    # sure 99.0%, 0.7-0.9 said 0.82 and right 0.83
    t = _gene_drop_results(study=TWO_DECADES, sample_rate=0.9, seeds=UNSEEN)
    _assert_parentage_targets(t, 2000)
    said, right = _mid_band(t["calib"])
    assert abs(right - said) < 0.1, (said, right)


def test_ninety_percent_sampled_inbreeding_correlation():
    # measured r = 0.833 (0.79 before the dummy parents got their sampled parents), against
    # 0.88 for the true pedigree of the sampled animals and 0.99 with its dummy parents; the
    # posterior-expected F 0.923 (0.919 before the candidates of animals without assigned
    # parents, 0.865 before the average kinship matrix)
    t = _gene_drop_results(study=TWO_DECADES, sample_rate=0.9)
    assert t["f_r"] >= 0.8, t["f_r"]
    assert t["f_r_expected"] >= 0.8, t["f_r_expected"]


@pytest.mark.slow
def test_ninety_percent_sampled_expected_inbreeding_unseen_seeds():
    # seeds 9-24: the posterior-expected pedigree F, measured r = 0.915 (0.898 before the
    # candidates of animals without assigned parents, 0.823 before the average kinship
    # matrix)
    t = _gene_drop_results(study=TWO_DECADES, sample_rate=0.9, seeds=UNSEEN)
    assert t["f_r_expected"] >= 0.8, t["f_r_expected"]


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="two decades, 90% sampled, seeds 9-24: measured r = "
                   "0.770 for the F of the assigned pedigree (0.74 before the dummy parents got "
                   "their sampled parents; its posterior expectation: 0.915); see docs/pedigree.md")
def test_ninety_percent_sampled_inbreeding_correlation_unseen_seeds():
    assert _gene_drop_results(study=TWO_DECADES, sample_rate=0.9, seeds=UNSEEN)["f_r"] >= 0.8


def test_two_decade_study_inbreeding_correlation():
    # seeds 1-8: measured r = 0.648 for the point F, 0.828 for the posterior-expected F
    # (0.820 before the candidates of animals without assigned parents, 0.788 before the
    # unsampled parents' cohort kinship, 0.746 before their marker-based kinship, 0.715
    # before the average kinship matrix)
    t = _gene_drop_results(study=TWO_DECADES)
    assert t["f_r_expected"] >= 0.8, t["f_r_expected"]


@pytest.mark.slow
def test_two_decade_study_inbreeding_correlation_unseen_seeds():
    # seeds 9-24: measured r = 0.808 for the posterior-expected F (0.777 while genotyped
    # animals without assigned parents had only their marker-based kinship, without their
    # candidate parents' weights; 0.611 for the point F)
    t = _gene_drop_results(study=TWO_DECADES, seeds=UNSEEN)
    assert t["f_r_expected"] >= 0.8, t["f_r_expected"]


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="two-decade study, 70% sampled, seeds 1-8: measured r = "
                   "0.743 (0.755 on seeds 9-24) for the posterior-expected F (0.559 for the "
                   "point F), against 0.62 for the true pedigree cut to the sampled animals and 0.93 with its dummy parents "
                   "and their sampled parents; see docs/pedigree.md")
def test_seventy_percent_sampled_inbreeding_correlation():
    t = _gene_drop_results(study=TWO_DECADES, sample_rate=0.7)
    assert t["f_r_expected"] >= 0.8, t["f_r_expected"]


@pytest.mark.slow
def test_leopard_diversity_panel_of_forty_loci_meets_the_targets():
    # leopard-like diversity (3-5 alleles per locus, He ~ 0.6), two decades at 80% sampled:
    # 15 such loci are short of the link and sibship targets (807 / 858 links right, 94.1%;
    # 807 / 1082 found, 74.6%; HS 86.9%; expected F r 0.775); 40 meet all of them (measured
    # 1279 / 1290 right, 1279 / 1334 found, HS 96.7%, expected F r 0.875): what the bundled
    # example's 15 loci lack is information, which more loci (or SNPs) give
    t = _gene_drop_results(he="low", study=TWO_DECADES, n_loci=40)
    _assert_parentage_targets(t, 1000)
    assert t["f_r_expected"] >= 0.8, t["f_r_expected"]


@cache
def _unseen_results():
    """Pooled evaluation on gene-drop seeds 9-24 (not those the method was developed on)."""
    tot: dict = {"calib": []}
    for seed in UNSEEN:
        d = gene_drop(seed)
        res = _run_quiet(d)
        e = evaluate(res.pedigree, res.relationships, res.inbreeding, d.truth)
        tot["calib"] += e["calib"]
        for k, v in e.items():
            if isinstance(v, (int, np.integer)):
                tot[k] = tot.get(k, 0) + int(v)
    tot["calib"] = np.array(tot["calib"])
    return tot


@pytest.mark.slow
def test_gene_drop_unseen_seeds_sure_links_and_full_sibs():
    t = _unseen_results()
    n_sure, right = _sure(t["calib"])
    assert n_sure > 400 and right >= 0.9, (n_sure, right)  # measured 0.986 (682 / 692)
    assert t["FS_right"] / t["FS_labelled"] >= 0.9         # measured 0.980 (239 / 244)


@pytest.mark.slow
def test_gene_drop_unseen_seeds_links_are_right_and_calibrated():
    # measured: 788 of 822 assigned links right (95.9%); links of 0.7-0.9 said 0.81 and
    # right 0.82 (130 links)
    t = _unseen_results()
    assert t["right"] / t["assigned"] >= 0.95, (t["right"], t["assigned"])
    said, right = _mid_band(t["calib"])
    assert abs(right - said) < 0.1, (said, right)


@pytest.mark.slow
def test_gene_drop_unseen_seeds_parentage_and_half_sibs():
    # measured 788 of 970 true links found (81.2%), HS labels 1062 of 1177 right (90.2%, a
    # small margin); 78.9% and 88.6% before birth years were weighed by the years an animal was
    # missed before its first detection (docs/pedigree.md, priors)
    t = _unseen_results()
    assert t["found"] / t["true_links"] >= 0.80
    assert t["HS_right"] / t["HS_labelled"] >= 0.9


@pytest.mark.slow
def test_gene_drop_leopard_like_diversity_stays_calibrated():
    # 3-5 alleles per locus (He ~ 0.6, as the Amur leopard's microsatellites): far fewer
    # links can be assigned, but those given p >= 0.9 are still right
    t = _gene_drop_results("low")
    n_sure, right = _sure(t["calib"])
    assert n_sure > 30 and right >= 0.9, (n_sure, right)  # measured 0.960 (170 / 177)
    assert t["right"] / t["assigned"] >= 0.85               # measured 0.924 (290 / 314)


def _example_run(d, r, *more):
    out = r / ("pedigree" + "".join(more))
    assert main(["pedigree", "--genotypes", str(r / "identify" / "individual_genotypes.tsv"),
                 "--samples", str(d / "samples.tsv"), "--sample-individual",
                 str(r / "identify" / "sample_individual.tsv"), "--out-dir", str(out),
                 "--species", str(r / "species.tsv"), "--gene-drop", "0", *more]) == 0
    truth = pd.read_csv(d / "truth" / "pedigree.tsv", sep="\t", keep_default_na=False)
    truth = truth.replace({"NA": None}).rename(columns={"f_pedigree": "f"})
    links = pd.read_csv(r / "identify" / "sample_individual.tsv", sep="\t")
    return evaluate(outputs.read_pedigree(out / "pedigree.tsv"),
                    outputs.read_relationships(out / "relationships.tsv"),
                    outputs.read_inbreeding(out / "inbreeding.tsv"), truth,
                    _true_animals(d, links).to_dict())


def _true_animals(d, links: pd.DataFrame) -> pd.Series:
    """identified animal -> the true animal most of its samples come from (simulation
    folder ``d``, the identify stage's ``links``)."""
    st = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t")
    m = links.dropna(subset=["individual_id"]).merge(
        st[["sample_id", "individual_id"]].rename(columns={"individual_id": "true"}),
        on="sample_id")
    return m.groupby("individual_id")["true"].agg(lambda x: x.value_counts().index[0])


EXAMPLE_SEEDS = tuple(range(1, 7))


@pytest.fixture(scope="module")
def example_simulations(tmp_path_factory):
    """leogen.simulate's example-like populations (seeds 1-6) through species, consensus and
    identify: (simulation folder, results folder) of each."""
    return [simulate_and_identify(tmp_path_factory.mktemp(f"ex{seed}"), {"n_snps": 0}, seed)
            for seed in EXAMPLE_SEEDS]


@pytest.fixture(scope="module")
def example_evals(example_simulations):
    """The pedigree of each example simulation without and with the bootstrap calibration
    (20 replicates)."""
    out = {"raw": [], "calibrated": []}
    for d, r in example_simulations:
        out["raw"].append(_example_run(d, r))
        out["calibrated"].append(_example_run(d, r, "--calibration-replicates", "20"))
    return out


def _pooled(evals):
    calib = np.array([c for e in evals for c in e["calib"]] or np.zeros((0, 2)))
    return (sum(e["assigned"] for e in evals), sum(e["right"] for e in evals), calib)


@pytest.mark.slow
def test_example_simulations_sure_links_are_right(example_evals):
    # leogen.simulate seeds 1-6 (spatial sampling, He 0.58, 2-5 alleles, inbred, no age
    # classes on scats, mtDNA haplotypes from the species stage): measured 35 of 35 links
    # with p >= 0.9 right (32 of 34 without the haplotypes; 30 of 33 before the
    # detection-history prior of the birth years, 24 of 28 before the non-parent evidence
    # was conditioned on the co-parent)
    for key in ("raw", "calibrated"):
        _, _, calib = _pooled(example_evals[key])
        sure = calib[calib[:, 0] >= 0.9]
        assert len(sure) > 15 and sure[:, 1].mean() >= 0.9, (key, len(sure), sure[:, 1].sum())


@pytest.mark.slow
def test_example_simulations_mid_probabilities_are_calibrated(example_evals):
    # links given 0.7-0.9 are right at least as often as said, and not much more often
    # (measured: said 0.80, right 0.90, 90 links, with the mtDNA haplotypes; 0.80 / 0.83
    # without them, 94 links): under-confident by 0.10, the safe side for a vet reading
    # "likely" (docs/pedigree.md)
    for key in ("raw", "calibrated"):
        _, _, calib = _pooled(example_evals[key])
        mid = calib[(calib[:, 0] >= 0.7) & (calib[:, 0] < 0.9)]
        assert len(mid) > 40, (key, len(mid))
        said, right = mid[:, 0].mean(), mid[:, 1].mean()
        assert said - 0.1 < right < said + 0.15, (key, said, right)


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="leogen.simulate seeds 1-6: measured 116 of 125 assigned "
                   "links right (92.8%; 86% without the mtDNA haplotypes), 116 of 334 true "
                   "links found (35%): 15 low-diversity loci "
                   "in an inbred population (with every true birth year in the sheet: 56 of 140 "
                   "found on seeds 1-3); see docs/pedigree.md")
def test_example_simulations_links_are_right(example_evals):
    assigned, right, _ = _pooled(example_evals["raw"])
    assert right >= 0.95 * assigned, (right, assigned)


def test_snp_gene_drop():
    # 300 biallelic SNPs (minor allele frequency 0.15-0.5) instead of 15 microsatellites
    d = gene_drop(1, n_loci=300, snp=True)
    assert d.g.is_snp
    res = _run_quiet(d)
    e = evaluate(res.pedigree, res.relationships, res.inbreeding, d.truth)
    assert e["right"] >= 0.95 * e["assigned"] and e["assigned"] > 40  # measured 58 / 58
    assert e["found"] >= 0.8 * e["true_links"]                         # measured 58 / 65


def _birth_year_calibration(cases, **age_kw) -> dict:
    """Highest-posterior sets of the birth-year prior of every animal (``cases``: (AnimalInfo,
    true birth years) pairs): for sets of at least 50% and 80% mass, the mean mass said and
    the share holding the true year; and the mean log probability of the true year."""
    from leogen.pedigree.priors import AgeSettings, birth_distribution

    ages = AgeSettings(**age_kw)
    years = np.arange(1960, 2031)
    post = np.vstack([birth_distribution(info, years, ages.age_decay, ages.detectable_age)
                      for info, _ in cases])
    true = np.concatenate([t for _, t in cases])
    order = np.argsort(-post, axis=1)
    mass = np.cumsum(np.take_along_axis(post, order, axis=1), axis=1)
    rank = np.argsort(order, axis=1)[np.arange(len(true)), np.searchsorted(years, true)]
    out = {"log_score": float(np.log(post[np.arange(len(true)),
                                          np.searchsorted(years, true)] + 1e-12).mean())}
    for q in (0.5, 0.8):
        k = (mass < q).sum(axis=1)  # the set: the k + 1 most probable years
        out[q] = (float(mass[np.arange(len(true)), k].mean()), float((rank <= k).mean()))
    return out


def _gene_drop_birth_cases(study, age_kw):
    from leogen.pedigree.priors import AgeSettings, animal_info

    cases = []
    for seed in SEEDS:
        d = gene_drop(seed, study=study)
        info = animal_info(d.g.samples, d.samples, d.links, d.sex, AgeSettings(**age_kw))
        cases.append((info, d.truth.set_index("individual_id").loc[list(d.g.samples),
                                                                  "birth_year"].to_numpy()))
    return cases


@pytest.mark.parametrize("study", [(2019, 2024), TWO_DECADES])
def test_gene_drop_birth_years_are_calibrated(study):
    # birth-year priors from the sheet and the detection histories: the 50% and 80% sets
    # hold the true year about as often as they say (measured, six-year / two-decade study:
    # 0.74 said / 0.74 held and 0.89 / 0.92; 0.75 / 0.76 and 0.90 / 0.92), and the true year
    # gets more probability than from the windows alone (mean log probability -1.41 vs -1.42;
    # -1.21 vs -1.31), which hold it more often than they say (0.75 / 0.89 and 0.90 / 0.98
    # in the two-decade study)
    cal = _birth_year_calibration(_gene_drop_birth_cases(study, {}))
    off = _birth_year_calibration(_gene_drop_birth_cases(study, {"detection_history": False}))
    for q in (0.5, 0.8):
        said, held = cal[q]
        assert abs(held - said) < 0.05, (q, said, held)
    assert cal["log_score"] > off["log_score"], (cal["log_score"], off["log_score"])


def test_expected_kinship_follows_true_kinship_better():
    # kinship.tsv's kinship_expected (the average kinship matrix) against the point kinship
    # of the assigned pedigree, over every pair of genotyped animals, seeds 1-8: measured
    # r 0.802 vs 0.773 (six-year study), 0.858 vs 0.823 (two decades, 80% sampled)
    for study, floor in (((2019, 2024), 0.78), (TWO_DECADES, 0.84)):
        t = _gene_drop_results(study=study)
        assert t["kinship_r_expected"] > max(floor, t["kinship_r"] + 0.02), (
            study, t["kinship_r"], t["kinship_r_expected"])


@pytest.mark.parametrize("study", [(2019, 2024), TWO_DECADES])
def test_written_birth_year_intervals_are_calibrated(study):
    # pedigree.tsv's 80% intervals of the birth year (the window, the detection history and
    # the assigned parents and offspring) hold the true year as often as their probability
    # says. Measured, six-year / two-decade study: held 0.956 / 0.976, said 0.944 / 0.954;
    # intervals of more than one year 0.931 / 0.963 against 0.912 / 0.928; mean width 5.2 /
    # 3.8 years against windows of 13.1 / 13.3 (open to the oldest age where no age class)
    b = _gene_drop_results(study=study)["birth_interval"]
    held, width, said, window = b.T
    assert len(b) > 300
    assert abs(held.mean() - said.mean()) < 0.05, (held.mean(), said.mean())
    wide = width > 1
    assert wide.sum() > 200
    assert abs(held[wide].mean() - said[wide].mean()) < 0.06
    assert width.mean() < 0.8 * window.mean(), (width.mean(), window.mean())


@pytest.mark.slow
def test_example_simulations_birth_years_are_calibrated(example_simulations):
    # spatial sampling: animals move into the searched area (dispersal), so years before a
    # first detection say less than in a closed area; too few animals of known age to
    # estimate the availability, the default 0.5 is used. Measured on seeds 1-12 of the
    # same simulator: 50% sets said 0.59, held 0.52; 80% sets 0.83 / 0.80; log score -2.31
    # (-2.36 without the detection history; -2.41 with availability 1, 50% sets holding the
    # year only 0.44 of the time when they said 0.70)
    from leogen.identify.outputs import read_sample_individual
    from leogen.io.sheets import read_samples
    from leogen.pedigree.priors import animal_info

    cases = []
    for d, r in example_simulations:
        links = read_sample_individual(r / "identify" / "sample_individual.tsv",
                                       columns=["sample_id", "individual_id"])
        ids = sorted(links["individual_id"].dropna().unique())
        info = animal_info(ids, read_samples(d / "samples.tsv"), links)
        assert info.availability == 0.5
        truth = pd.read_csv(d / "truth" / "pedigree.tsv", sep="\t").set_index("individual_id")
        true_ids = _true_animals(d, links).loc[ids].to_numpy()
        cases.append((info, truth.loc[true_ids, "birth_year"].to_numpy()))
    cal = _birth_year_calibration(cases)
    for q in (0.5, 0.8):
        said, held = cal[q]
        assert abs(held - said) < 0.1, (q, said, held)
