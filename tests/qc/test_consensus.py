"""Consensus genotypes, quality index, ADO/FA and sex (leogen.qc.consensus, `leogen consensus`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.io.longtable import read_long
from leogen.qc.consensus import (
    MORE_THAN_TWO,
    NO_AMPLIFICATION,
    TOO_FEW_REPLICATES,
    TYPED_HET,
    TYPED_HOM,
    call_consensus,
    combine_genotypes,
    error_counts,
    extrapolated_rates,
    pooled_consensus,
    quality_index,
    sex_from_genotype,
)

# one scat, 4 replicates per locus ('' = failed amplification)
SCAT = {
    "L1": [(100, 102), (100, 102), (100, 100), (102, 102)],  # het: each allele in 3 reps
    "L2": [(100, 100), (100, 100), (100, 100), ("", "")],  # hom: 3 identical homozygotes
    "L3": [(100, 100), (100, 100), (100, 102), ("", "")],  # 2 homs only -> missing
    "L4": [(100, 102), (100, 100), (100, 100), (100, 100)],  # 102 once -> hom 100
    "L5": [(100, 102), (100, 102), (104, 104), (104, 104)],  # three alleles recur -> missing
    "L6": [("", "")] * 4,  # nothing amplified
    "AMEL": [(194, 214), (194, 214), (214, 214), (214, 214)],  # male (X and Y twice)
}


def _rows(sample, calls):
    return [f"{sample}\t{r + 1}\t{loc}\t{a}\t{b}" for loc, reps in calls.items()
            for r, (a, b) in enumerate(reps)]


def _write(tmp_path, samples: dict, sheet_rows: list[str]):
    g = tmp_path / "genotypes.tsv"
    lines = ["sample_id\treplicate\tlocus\tallele1\tallele2"]
    for s, calls in samples.items():
        lines += _rows(s, calls)
    g.write_text("\n".join(lines) + "\n")
    sh = tmp_path / "samples.tsv"
    sh.write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\tindividual_hint\n"
                  + "\n".join(sheet_rows) + "\n")
    return g, sh


def test_multiple_tubes_rules_and_codes(tmp_path):
    g, _ = _write(tmp_path, {"S1": SCAT}, ["S1\tscat\t2021-01-01\tA\t43\t131\t"])
    reps = read_long(g)
    c = call_consensus(reps, 2, 3)
    lab = dict(zip(reps.loci, np.sort(c.genotypes.labels()[0], axis=1).tolist(), strict=True))
    assert lab == {"L1": [100, 102], "L2": [100, 100], "L3": [-1, -1], "L4": [100, 100],
                   "L5": [-1, -1], "L6": [-1, -1], "AMEL": [194, 214]}
    code = dict(zip(reps.loci, c.code[0].tolist(), strict=True))
    assert code == {"L1": TYPED_HET, "L2": TYPED_HOM, "L3": TOO_FEW_REPLICATES,
                    "L4": TYPED_HOM, "L5": MORE_THAN_TWO, "L6": NO_AMPLIFICATION,
                    "AMEL": TYPED_HET}
    # relaxed rule: a homozygote needs only 2 replicates -> L3 becomes 100/100
    c2 = call_consensus(reps, 2, 2)
    assert np.sort(c2.genotypes.labels()[0, 2]).tolist() == [100, 100]
    # stricter heterozygote rule: each allele in 3 replicates -> L1 still het, AMEL not
    c3 = call_consensus(reps, 3, 3)
    assert np.sort(c3.genotypes.labels()[0, 0]).tolist() == [100, 102]
    assert c3.genotypes.labels()[0, 6].tolist() == [-1, -1]


def test_quality_index_hand_computed(tmp_path):
    g, _ = _write(tmp_path, {"S1": SCAT}, [])
    reps = read_long(g)
    cons = call_consensus(reps, 2, 3).genotypes
    qi_s, qi_l = quality_index(reps, cons)
    # per locus: replicates equal to the consensus / replicates run
    per_locus = {"L1": 2 / 4, "L2": 3 / 4, "L3": 0, "L4": 3 / 4, "L5": 0, "L6": 0,
                 "AMEL": 2 / 4}
    assert qi_l.tolist() == pytest.approx([per_locus[x] for x in reps.loci])
    assert qi_s[0] == pytest.approx(sum(per_locus.values()) / 7)


def test_error_counts_broquet_petit_hand_computed():
    # reference het 100/102 at locus 0, hom 100/100 at locus 1; 4 replicates each
    rep = np.array([[[[100, 102], [100, 100], [102, 102], [100, 104]],
                     [[100, 100], [100, 106], [-1, -1], [100, 100]]]])
    amp = rep[..., 0] >= 0
    ref = np.array([[[100, 102], [100, 100]]])
    c = error_counts(rep, amp, ref)
    # het: 4 amplifications, dropouts = 100/100 and 102/102; 100/104 is a false allele
    assert c["n_het_amplifications"].tolist() == [[4, 0]]
    assert c["n_dropouts"].tolist() == [[2, 0]]
    # all: 4 + 3 amplifications, false alleles 100/104 and 100/106
    assert c["n_amplifications"].tolist() == [[4, 3]]
    assert c["n_false_alleles"].tolist() == [[1, 1]]


def test_sex_and_combine():
    sizes = np.array([[194, 214], [214, 214], [194, 194], [-1, -1]])
    assert sex_from_genotype(sizes, 214, 194).tolist() == ["M", "F", "U", "U"]
    s = np.array([[[100, 102], [104, 104]], [[102, 100], [104, 106]], [[-1, -1], [108, 108]]])
    keys, out = combine_genotypes(s, ["A", "A", "B"])
    assert keys.tolist() == ["A", "B"]
    # A: locus 0 agrees (order ignored), locus 1 conflicts -> missing
    assert out.tolist() == [[[100, 102], [-1, -1]], [[-1, -1], [108, 108]]]


def test_pooled_consensus_raises_allele_threshold():
    # 3 samples of one animal, 4 replicates each: het 0/1 with dropouts and one recurrent
    # false allele (2) seen twice among 12 replicates -> ignored under the 25% share rule
    calls = np.array([[[[0, 1], [0, 0], [1, 1], [0, 2]]],
                      [[[0, 1], [0, 1], [1, 1], [0, 2]]],
                      [[[0, 0], [0, 1], [-1, -1], [-1, -1]]]], dtype=np.int32)
    from leogen.model.genotypes import Replicates

    r = Replicates(calls, np.ones(calls.shape[:3], bool), ["a", "b", "c"], ["L"],
                   (np.array([100, 102, 104]),))
    keys, g = pooled_consensus(r, np.array(["X", "X", "X"]))
    assert keys.tolist() == ["X"] and np.sort(g.calls[0, 0]).tolist() == [0, 1]
    # the plain rule would see three recurring alleles and give up
    assert call_consensus(Replicates(calls.reshape(1, 1, 12, 2), np.ones((1, 1, 12), bool),
                                     ["X"], ["L"], (np.array([100, 102, 104]),)),
                          2, 3).code[0, 0] == MORE_THAN_TWO


def test_extrapolated_rates_linear_in_failure():
    # linked samples: ADO = 0.1 + 0.5 * fail exactly; one unlinked sample with fail 0.4
    fail = np.array([0.0, 0.2, 0.4, 0.4])
    het = np.array([[100], [100], [100], [0]])
    counts = {"n_het_amplifications": het, "n_dropouts": np.array([[10], [20], [30], [0]]),
              "n_amplifications": np.array([[200], [200], [200], [0]]),
              "n_false_alleles": np.array([[2], [4], [6], [0]])}
    linked = np.array([True, True, True, False])
    out = extrapolated_rates(counts, linked, fail, het_weight=np.array([0, 0, 0, 50.0]),
                             n_amp=np.array([0, 0, 0, 80.0]))
    assert out["n_dropouts"] == pytest.approx(60 + 0.3 * 50)
    assert out["n_het_amplifications"] == pytest.approx(350)
    assert out["n_false_alleles"] == pytest.approx(12 + 0.03 * 80)
    assert out["n_amplifications"] == pytest.approx(680)


def _pipeline_inputs(tmp_path):
    blood = {"L1": [(100, 102)], "L2": [(100, 102)], "L3": [(100, 100)], "L4": [(100, 102)],
             "L5": [(104, 106)], "L6": [(100, 100)], "AMEL": [(194, 214)]}
    other = {loc: [("", "")] * 4 for loc in SCAT}
    samples = {"S1": SCAT, "B1": blood, "X1": other}
    sheet = ["S1\tscat\t2021-01-01\tA\t43\t131\tbob", "B1\tblood\t2020-05-01\tA\t43\t131\tbob",
             "X1\tscat\t2021-02-01\tA\t43\t131\t", "N1\tscat\t2021-02-01\tA\t43\t131\t"]
    g, sh = _write(tmp_path, samples, sheet)
    sp = tmp_path / "species.tsv"
    sp.write_text("sample_id\tstatus\nS1\ttarget\nB1\ttarget\nX1\tother_species\n"
                  "N1\tno_sequence\n")
    return g, sh, sp


def test_cli_outputs_and_reference_rates(tmp_path):
    g, sh, sp = _pipeline_inputs(tmp_path)
    out = tmp_path / "out"
    # hand-computed multiple-tubes calls (two samples are too few to fit the error model)
    assert main(["consensus", "--genotypes", str(g), "--samples", str(sh), "--species", str(sp),
                 "--out-dir", str(out), "--method", "consensus"]) == 0
    cons = pd.read_csv(out / "consensus.tsv", sep="\t", keep_default_na=False)
    assert set(cons["replicate"]) == {"consensus"}
    assert set(cons["sample_id"]) == {"S1", "B1"}  # X1 excluded by species
    q = pd.read_csv(out / "quality.tsv", sep="\t").set_index("sample_id")
    assert q.loc["X1", "status"] == "other_species" and np.isnan(q.loc["X1", "quality_index"])
    assert q.loc["N1", "status"] == "not_genotyped"
    assert q.loc["S1", "sex"] == "M" and q.loc["B1", "sex"] == "M"
    assert q.loc["S1", "n_loci_typed"] == 3  # L1, L2, L4 (AMEL not counted)
    # consensus basis (identity loci): het L1 4 amps 2 dropouts; amps L1 4 + L2 3 + L4 4,
    # one false allele (102 in L4's first replicate)
    assert q.loc["S1", "ado_rate"] == pytest.approx(2 / 4)
    assert q.loc["S1", "fa_rate"] == pytest.approx(1 / 11)
    # reference basis: blood B1 of the same animal (hint 'bob'):
    # L1 het: 4 amps, 2 drops; L2 het 100/102: 3 amps all 100/100 -> 3 drops;
    # L3 hom 100: 3 amps, 102 in one -> 1 FA; L4 het 100/102: 4 amps, 3 drops;
    # L5 het 104/106: 4 amps, 100/102 x2 carry false alleles, 104/104 x2 are dropouts
    # (one true allele twice); L6: nothing amplified; AMEL is left out of per-sample sums.
    er = pd.read_csv(out / "error_rates_sample.tsv", sep="\t")
    ref = er[(er.sample_id == "S1") & (er.basis == "reference")].iloc[0]
    assert ref["n_het_amplifications"] == 4 + 3 + 4 + 4
    assert ref["n_dropouts"] == 2 + 3 + 3 + 2
    assert ref["n_amplifications"] == 4 + 3 + 3 + 4 + 4
    assert ref["n_false_alleles"] == 0 + 0 + 1 + 0 + 2
    assert q.loc["S1", "reference_id"] == "bob"
    loc = pd.read_csv(out / "error_rates_locus.tsv", sep="\t")
    assert {"locus", "basis", "n_het_amplifications", "n_dropouts", "ado_rate", "ado_rate_lo",
            "ado_rate_hi", "n_amplifications", "n_false_alleles", "fa_rate",
            "quality_index", "median_replicates"} <= set(loc.columns)
    allrow = loc[(loc.locus == "all") & (loc.basis == "consensus")].iloc[0]
    assert allrow["ado_rate"] == pytest.approx(0.5)  # blood is not counted
    assert (out / "error_rates_type.tsv").exists()


def test_links_give_individual_basis(tmp_path):
    g, sh, sp = _pipeline_inputs(tmp_path)
    links = tmp_path / "sample_individual.tsv"
    links.write_text("sample_id\tindividual_id\nS1\tLEO001\nB1\tLEO001\n")
    out = tmp_path / "out"
    assert main(["consensus", "--genotypes", str(g), "--samples", str(sh), "--species", str(sp),
                 "--out-dir", str(out), "--links", str(links)]) == 0
    t = pd.read_csv(out / "error_rates_type.tsv", sep="\t")
    assert {"consensus", "reference", "individual", "individual_extrapolated"} <= set(t.basis)


def test_bad_inputs_exit_2(tmp_path, capsys):
    g, sh, sp = _pipeline_inputs(tmp_path)
    base = ["consensus", "--genotypes", str(g), "--samples", str(sh), "--out-dir",
            str(tmp_path / "o")]
    assert main(base + ["--min-het-reps", "0"]) == 2
    assert "min_het 0 is out of range" in capsys.readouterr().err
    # a genotyped sample missing from the sample sheet
    sh.write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\nS1\tscat\t2021-01-01\tA\t43\t131\n"
                  "X1\tscat\t2021-01-01\tA\t43\t131\n")
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "sample_id 'B1' is not in the sample sheet" in err and "genotypes.tsv line 30" in err
    # species table naming an unknown sample
    g, sh, sp = _pipeline_inputs(tmp_path)
    sp.write_text("sample_id\tstatus\nS1\ttarget\nB1\ttarget\nX1\ttarget\nZZ\ttarget\n")
    assert main(base + ["--species", str(sp)]) == 2
    assert "sample_id 'ZZ' is not in the sample sheet" in capsys.readouterr().err
    # a genotyped sample without a species row
    sp.write_text("sample_id\tstatus\nS1\ttarget\nB1\ttarget\n")
    assert main(base + ["--species", str(sp)]) == 2
    assert "sample_id 'X1' of" in capsys.readouterr().err


def test_reference_genotypes_file(tmp_path, capsys):
    g, sh, sp = _pipeline_inputs(tmp_path)
    ref = tmp_path / "reference.tsv"
    # the animal 'bob' typed elsewhere: L1 100/102 only
    ref.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\nbob\t1\tL1\t100\t102\n")
    out = tmp_path / "out"
    assert main(["consensus", "--genotypes", str(g), "--samples", str(sh), "--species", str(sp),
                 "--out-dir", str(out), "--reference-genotypes", str(ref)]) == 0
    er = pd.read_csv(out / "error_rates_sample.tsv", sep="\t")
    r = er[(er.sample_id == "S1") & (er.basis == "reference")].iloc[0]
    assert (r["n_het_amplifications"], r["n_dropouts"], r["n_amplifications"]) == (4, 2, 4)
    links = tmp_path / "links.tsv"
    links.write_text("sample_id\tindividual_id\nS1\tLEO001\nQQ\tLEO001\n")
    assert main(["consensus", "--genotypes", str(g), "--samples", str(sh), "--out-dir",
                 str(out), "--links", str(links)]) == 2
    err = capsys.readouterr().err
    assert "sample_id 'QQ' is not in the sample sheet" in err and "links.tsv line 3" in err


def test_likelihood_method_on_a_tiny_set(tmp_path):
    """The default method on two samples: every written call carries its posterior, none
    below min_posterior (1 is allowed: only calls the model is certain of)."""
    g, sh, sp = _pipeline_inputs(tmp_path)
    for mp in ("0.95", "1"):
        out = tmp_path / f"out{mp}"
        assert main(["consensus", "--genotypes", str(g), "--samples", str(sh), "--species",
                     str(sp), "--out-dir", str(out), "--min-posterior", mp]) == 0
        cons = pd.read_csv(out / "consensus.tsv", sep="\t")
        typed = cons["allele1"].notna()
        assert (cons.loc[typed, "posterior"] >= float(mp)).all()
        assert cons.loc[~typed, "posterior"].isna().all()
