"""Identification from genotype likelihoods (leogen.identify.likelihood): hand-computed
kernels, planted cases, the CLI, bad inputs, and truth recovery from `leogen simulate`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import simulate_and_identify

from leogen.cli import main
from leogen.identify import likelihood as lh
from leogen.identify.matching import identify
from leogen.io.longtable import write_long
from leogen.model.genotypes import Genotypes, Replicates


# ------------------------------------------------------------------ kernels by hand
def test_ibd1_ratio_by_hand_and_identities():
    # p = (0.5, 0.5): genotypes 0/0, 0/1, 1/1 with P = 1/4, 1/2, 1/4.
    # g = 0/0 shares allele 0: h = 0/0 w.p. 1/2, 0/1 w.p. 1/2 -> K1 row (2, 1, 0)
    k1 = lh.ibd1_ratio(np.array([0.5, 0.5]))
    assert k1.tolist() == [[2.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(5))
    k1, prior = lh.ibd1_ratio(p), lh.hwe_prior(p)
    assert np.allclose(k1, k1.T)
    assert np.allclose(prior @ k1, 1.0)  # marginal of h under one IBD allele is HWE
    assert prior.sum() == pytest.approx(1.0)


def test_locus_ratios_by_hand():
    # p = (0.2, 0.3, 0.5); two certain 0/1 heterozygotes: R2 = 1 / (2 * 0.2 * 0.3) = 8.333;
    # one IBD allele: P(0/1 | 0/1, IBD1) = (p1 + p0) / 2 = 0.25, R1 = 0.25 / 0.12 = 2.0833
    p = np.array([0.2, 0.3, 0.5])
    prior = lh.hwe_prior(p)
    het01 = np.zeros(6)
    het01[1] = 1.0
    r2, r1 = lh.locus_ratios(het01, het01, lh.ibd1_ratio(p), prior)
    assert r2 == pytest.approx(1 / 0.12)
    assert r1 == pytest.approx(0.25 / 0.12)
    # a 0/0 and a 1/2: share nothing: same 0, sibs 1/4 (k0), parent-offspring 0
    hom0, het12 = np.eye(6)[0], np.eye(6)[4]
    r2, r1 = lh.locus_ratios(hom0, het12, lh.ibd1_ratio(p), prior)
    assert r2 == 0 and r1 == 0
    # a sample with no data (posterior = prior) is no evidence
    r2, r1 = lh.locus_ratios(prior, het01, lh.ibd1_ratio(p), prior)
    assert r2 == pytest.approx(1.0) and r1 == pytest.approx(1.0)


def test_robust_loglik_caps_a_mismatch():
    lp = np.log(np.array([0.25, 0.5, 0.25]))
    ll = np.log(np.array([[1e-12, 1e-12, 1.0], [1.0, 1.0, 1.0]]))
    ll[1] = 0.0  # no data
    out = lh.robust_loglik(ll, lp, 0.01)
    assert np.allclose(out[1], 0.0)
    z = 0.25 * 1e-12 + 0.5 * 1e-12 + 0.25
    assert np.exp(out[0, 0]) == pytest.approx(0.99e-12 + 0.01 * z)


# --------------------------------------------------------------------- planted data
def _population(rng, n_animals=30, n_loci=12, n_alleles=8):
    p = rng.dirichlet(np.ones(n_alleles) * 2, size=n_loci)
    al = np.stack([[rng.choice(n_alleles, 2, p=p[j]) for j in range(n_loci)]
                   for _ in range(n_animals)])
    return np.sort(100 + 2 * al, axis=2)


def _replicates(rng, truth, n_reps=4, ado=0.2, fa=0.02, fail=0.1):
    """Replicate sizes (n, L, R, 2) of true sizes (n, L, 2) through dropout/false alleles."""
    lab = np.repeat(truth[:, :, None, :], n_reps, axis=2).copy()
    het = lab[..., 0] != lab[..., 1]
    u = rng.random((3,) + lab.shape[:3])
    drop = het & (u[0] < ado)
    keep = rng.integers(0, 2, size=drop.shape)
    kept = np.take_along_axis(lab, keep[..., None], axis=3)[..., 0]
    lab[drop] = kept[drop][:, None]
    false = ~drop & (u[1] < fa)
    lab[false, 1] = lab[false, 0] + 1  # an odd size: never a true allele
    lab[u[2] < fail] = -1
    return np.sort(lab, axis=3)


def _reps_from_sizes(sizes, ids, loci):
    alleles = [np.unique(sizes[:, j][sizes[:, j] >= 0]) for j in range(sizes.shape[1])]
    calls = np.stack([np.searchsorted(alleles[j], sizes[:, j]) for j in range(sizes.shape[1])],
                     axis=1)
    calls = np.where(sizes >= 0, calls, -1)
    return Replicates(calls, np.ones(sizes.shape[:3], bool), ids, loci, tuple(alleles))


def _scat_evidence(sizes):
    """Scats S000, S001, ... typed at loci L0, L1, ... from replicate sizes (n, L, R, 2):
    (ids, loci, Replicates, the error model's evidence, first-replicate Genotypes)."""
    ids = np.array([f"S{i:03d}" for i in range(sizes.shape[0])])
    loci = [f"L{j}" for j in range(sizes.shape[1])]
    reps = _reps_from_sizes(sizes, ids, loci)
    ev = lh.evidence_from_replicates(reps, loci, np.full(len(ids), "scat"))
    return ids, loci, reps, ev, Genotypes(reps.calls[:, :, 0], ids, loci, reps.alleles)


def _sheet(ids):
    return pd.DataFrame({"sample_id": ids, "sample_type": "scat",
                         "date": pd.Timestamp("2021-01-01"), "site": "A",
                         "individual_hint": "", "sex": ""})


def test_planted_animals_grouped_with_probabilities():
    rng = np.random.default_rng(4)
    animals = _population(rng)
    owner = np.repeat(np.arange(30), 4)
    sizes = _replicates(rng, animals[owner])
    ids = np.array([f"S{i:03d}" for i in range(len(owner))])
    loci = [f"L{j}" for j in range(animals.shape[1])]
    reps = _reps_from_sizes(sizes, ids, loci)
    ev = lh.evidence_from_replicates(reps, loci, np.full(len(ids), "scat"))
    from leogen.qc.consensus import call_consensus

    g = call_consensus(reps, 2, 2).genotypes
    out = identify(g, _sheet(ids), method="likelihood", evidence=ev, sex_locus="none",
                   n_simulated_pairs=4000)
    si = out["sample_individual"]
    assigned = si["individual_id"].notna()
    assert assigned.mean() >= 0.9
    # no inferred animal holds two true animals
    a = si[assigned].assign(owner=owner[assigned.to_numpy()])
    assert (a.groupby("individual_id")["owner"].nunique() == 1).all()
    p = si.loc[assigned, "assignment_probability"]
    assert p.between(0, 1).all() and (p >= 0.9).mean() > 0.9
    thr = out["match_threshold"].set_index("relationship")
    assert thr.loc["full_sib", "p_at_or_above"] <= 1e-3
    assert thr.loc["same", "p_at_or_above"] > 0.5
    # deterministic
    out2 = identify(g, _sheet(ids), method="likelihood", evidence=ev, sex_locus="none",
                    n_simulated_pairs=4000)
    pd.testing.assert_frame_equal(out["sample_individual"], out2["sample_individual"])


def test_refine_moves_a_split_off_subgroup_into_its_animal():
    # animal 0: six samples labelled as one group, two more as a second group (a split);
    # nine other animals with two samples each; error-free replicates
    rng = np.random.default_rng(8)
    animals = _population(rng, n_animals=10)
    owner = np.concatenate([np.zeros(8, int), np.repeat(np.arange(1, 10), 2)])
    sizes = _replicates(rng, animals[owner], ado=0.0, fa=0.0, fail=0.0)
    ids = np.array([f"S{i:03d}" for i in range(len(owner))])
    loci = [f"L{j}" for j in range(animals.shape[1])]
    reps = _reps_from_sizes(sizes, ids, loci)
    ev = lh.evidence_from_replicates(reps, loci, np.full(len(ids), "scat"), 1)
    post = ev.posterior()
    q = ev.q(post)
    pairs = lh.candidate_pairs(lh.map_codes(ev, post))
    pairs = pairs.join(pd.DataFrame(lh.pairwise(ev, post, q, pairs["i"].to_numpy(),
                                                pairs["j"].to_numpy())))
    lab = np.where(owner == 0, 0, 100 + owner)
    lab[6:8] = 6
    out = lh.refine_groups(ev, post, q, pairs, lab, np.log(100))
    assert (out[:8] == 0).all()  # the two split-off samples joined the big group
    np.testing.assert_array_equal(out[8:], lab[8:])  # the other animals stay
    # a larger group is required: the big group's samples never move to the small one
    lab2 = lab.copy()
    lab2[:6] = 50
    assert (lh.refine_groups(ev, post, q, pairs, lab2, np.log(100))[:6] == 50).all()
    # a threshold no pair can reach moves nothing
    np.testing.assert_array_equal(lh.refine_groups(ev, post, q, pairs, lab, 1e6), lab)


def test_sample_between_two_animals_is_not_merged():
    # A and B differ at two loci; S is A at one of them and B at the other
    rng = np.random.default_rng(5)
    animals = _population(rng, n_animals=20)
    a = animals[0].copy()
    b = a.copy()
    b[0] = [190, 190]
    b[1] = [192, 192]
    s = a.copy()
    s[1] = b[1]
    truth = np.concatenate([np.stack([a, a, a, b, b, b, s]), animals[1:]])
    sizes = _replicates(rng, truth, ado=0.0, fa=0.0, fail=0.0)
    ids = np.array(["A1", "A2", "A3", "B1", "B2", "B3", "S"]
                   + [f"O{k}" for k in range(len(animals) - 1)])
    loci = [f"L{j}" for j in range(truth.shape[1])]
    reps = _reps_from_sizes(sizes, ids, loci)
    ev = lh.evidence_from_replicates(reps, loci, np.full(len(ids), "scat"))
    g = Genotypes(reps.calls[:, :, 0], ids, loci, reps.alleles)
    si = identify(g, _sheet(ids), method="likelihood", evidence=ev, sex_locus="none",
                  n_simulated_pairs=2000)["sample_individual"].set_index("sample_id")
    assert si.loc["A1", "individual_id"] == si.loc["A3", "individual_id"]
    assert si.loc["B1", "individual_id"] == si.loc["B3", "individual_id"]
    assert si.loc["A1", "individual_id"] != si.loc["B1", "individual_id"]
    assert pd.isna(si.loc["S", "individual_id"])
    assert si.loc["S", "status"] in ("ambiguous", "weak_match")


def _families(rng, n_fam=12, n_loci=10, n_alleles=6):
    """Two full sibs per family (Mendelian draws from two parents): (2 n_fam, L, 2)."""
    p = rng.dirichlet(np.ones(n_alleles) * 2, size=n_loci)
    par = np.stack([[[rng.choice(n_alleles, 2, p=p[j]) for j in range(n_loci)]
                     for _ in range(2)] for _ in range(n_fam)])  # (fam, parent, L, 2)
    pick = rng.integers(0, 2, size=(n_fam, 2, n_loci, 2))  # (fam, child, L, parent)
    kids = np.stack([np.take_along_axis(par[:, k], pick[:, c, :, k, None], axis=2)[..., 0]
                     for c in range(2) for k in range(2)], axis=-1)  # (fam, L, 4)
    kids = kids.reshape(n_fam, n_loci, 2, 2).transpose(0, 2, 1, 3).reshape(-1, n_loci, 2)
    return np.sort(100 + 2 * kids, axis=2)


def test_posterior_acceptance_assigns_more_and_never_a_sibling():
    # littermates on a small panel under harsh errors: a threshold against a full sib
    # leaves weak matches; accepting at posterior >= 0.99 assigns more of them, into
    # their own animal only (the sib is always a competing hypothesis)
    rng = np.random.default_rng(11)
    animals = _families(rng)
    owner = np.repeat(np.arange(len(animals)), 6)
    sizes = _replicates(rng, animals[owner], ado=0.3, fa=0.05, fail=0.2)
    ids, loci, reps, ev, g = _scat_evidence(sizes)
    out = {a: identify(g, _sheet(ids), method="likelihood", evidence=ev, sex_locus="none",
                       n_simulated_pairs=4000, accept_probability=a)["sample_individual"]
           for a in (1.0, 0.99)}
    for si in out.values():
        a = si[si["individual_id"].notna()]
        own = owner[a.index.to_numpy()]
        # no inferred animal holds two true animals (here: two littermates)
        assert (pd.Series(own).groupby(a["individual_id"].to_numpy()).nunique() == 1).all()
    n1, n99 = (out[a]["individual_id"].notna().sum() for a in (1.0, 0.99))
    assert n99 > n1
    # what the rule adds was a weak match under the threshold alone
    new = out[0.99]["individual_id"].notna() & out[1.0]["individual_id"].isna()
    assert (out[1.0].loc[new, "status"] == "weak_match").all()


def test_accept_probability_out_of_range(tmp_path):
    from leogen.errors import InputError
    from leogen.identify.matching import run

    cons, geno, sh, _ = _write_cli(tmp_path)
    with pytest.raises(InputError, match="accept_probability"):
        run(cons, sh, genotypes=geno, accept_probability=0.3)


def test_little_information_is_insufficient():
    rng = np.random.default_rng(6)
    animals = _population(rng)
    owner = np.repeat(np.arange(30), 3)
    sizes = _replicates(rng, animals[owner])
    sizes[0, 2:] = -1  # sample 0: two loci amplified only
    ids, loci, reps, ev, g = _scat_evidence(sizes)
    si = identify(g, _sheet(ids), method="likelihood", evidence=ev, sex_locus="none",
                  n_simulated_pairs=2000)["sample_individual"].set_index("sample_id")
    assert si.loc["S000", "status"] == "insufficient_information"
    assert si.loc["S000", "log10_information"] < np.log10(100)


# ------------------------------------------------------------------------------ CLI
def _write_cli(tmp_path, n_animals=12, per=3, seed=7):
    rng = np.random.default_rng(seed)
    animals = _population(rng, n_animals=n_animals)
    owner = np.repeat(np.arange(n_animals), per)
    sizes = _replicates(rng, animals[owner])
    ids = np.array([f"S{i:03d}" for i in range(len(owner))])
    loci = [f"L{j}" for j in range(animals.shape[1])]
    reps = _reps_from_sizes(sizes, ids, loci)
    from leogen.qc.consensus import call_consensus

    write_long(reps, tmp_path / "genotypes.tsv")
    cons = tmp_path / "consensus.tsv"
    write_long(call_consensus(reps, 2, 2).genotypes, cons)
    sh = tmp_path / "samples.tsv"
    sh.write_text("sample_id\tsample_type\tdate\tsite\tlat\tlon\n" + "".join(
        f"{s}\tscat\t2021-0{1 + k % 9}-01\tA\t43.1\t131.2\n" for k, s in enumerate(ids)))
    return cons, tmp_path / "genotypes.tsv", sh, owner


def test_cli_likelihood_end_to_end(tmp_path):
    from leogen.identify.outputs import MATCH_THRESHOLD, PRIORS, SAMPLE_INDIVIDUAL

    cons, geno, sh, owner = _write_cli(tmp_path)
    out = tmp_path / "id"
    args = ["identify", "--consensus", str(cons), "--genotypes", str(geno), "--samples",
            str(sh), "--out-dir", str(out), "--sex-locus", "none"]
    assert main(args) == 0
    si = SAMPLE_INDIVIDUAL.read(out / "sample_individual.tsv")
    assert si["assignment_probability"].notna().sum() >= 0.8 * len(si)
    thr = MATCH_THRESHOLD.read(out / "match_threshold.tsv")
    assert thr["relationship"].tolist() == ["full_sib", "unrelated", "same"]
    # the priors the probabilities used: the relative shares at no less than the 0.05 floor,
    # the new-animal prior a probability resting on the grouped samples
    pri = PRIORS.read(out / "priors.tsv").set_index("parameter")
    assert pri.index.tolist() == ["new_animal", "full_sib", "parent_offspring",
                                  "same_animal_groups"]
    for rel in ("full_sib", "parent_offspring"):
        r = pri.loc[rel]
        assert r["floor"] == 0.05
        assert r["used"] == max(r["estimate"], 0.05)
        assert r["n"] == 12 * 11 // 2          # the 12 animals' groups, every pair
    # 36 grouped samples (12 animals x 3), all from sampled animals: a small prior
    assert pri.loc["new_animal", "n"] == 36 and 0 < pri.loc["new_animal", "used"] < 0.1
    first = (out / "sample_individual.tsv").read_bytes()
    assert main(args) == 0  # same input and seed: the same bytes
    assert (out / "sample_individual.tsv").read_bytes() == first
    # without replicates: consensus calls as single replicates
    assert main(["identify", "--consensus", str(cons), "--samples", str(sh), "--out-dir",
                 str(tmp_path / "id2"), "--sex-locus", "none"]) == 0


def test_cli_likelihood_bad_inputs(tmp_path, capsys):
    cons, geno, sh, _ = _write_cli(tmp_path)
    base = ["identify", "--consensus", str(cons), "--samples", str(sh), "--out-dir",
            str(tmp_path / "o"), "--sex-locus", "none"]
    # a consensus sample without replicates
    lines = geno.read_text().splitlines()
    geno.write_text("\n".join([lines[0]] + [x for x in lines[1:]
                                             if not x.startswith("S000\t")]) + "\n")
    assert main(base + ["--genotypes", str(geno)]) == 2
    err = capsys.readouterr().err
    assert "S000" in err and "no replicate genotypes" in err
    assert not (tmp_path / "o").exists()
    for opt, msg in [(["--min-lr", "0.5"], "min_lr 0.5 is out of range"),
                     (["--ambiguity", "0.9"], "ambiguity 0.9 is out of range"),
                     (["--quality-classes", "11"], "quality_classes 11 is out of range")]:
        assert main(base + opt) == 2, opt
        assert msg in capsys.readouterr().err


# ------------------------------------------------------------------ truth recovery
def _pipeline(tmp_path, params, seed):
    d, r = simulate_and_identify(tmp_path, params, seed)
    truth = pd.read_csv(d / "truth" / "samples_truth.tsv", sep="\t")
    si = pd.read_csv(r / "identify" / "sample_individual.tsv", sep="\t")
    j = si.merge(truth.rename(columns={"individual_id": "true_id"}), on="sample_id")
    assert j.loc[j["species"] != "Panthera_pardus", "individual_id"].isna().all()
    leo = j[j["species"] == "Panthera_pardus"]
    a = leo[leo["individual_id"].notna()]
    majority = a.groupby("individual_id")["true_id"].agg(lambda s: s.value_counts().index[0])
    right = (a["true_id"] == a["individual_id"].map(majority)).to_numpy()
    return leo["individual_id"].notna().mean(), right, a["assignment_probability"].to_numpy()


@pytest.mark.slow
def test_bundled_example_99_percent_none_wrong(tmp_path):
    assigned, right, _ = _pipeline(tmp_path, {"n_snps": 0}, 2)
    assert assigned >= 0.99
    assert right.all()


@pytest.mark.slow
def test_harsh_errors_and_calibration(tmp_path):
    """ADO 0.3, FA 0.05, 20% failed scat amplifications, seeds 2-4 and 6 (the issue's
    target; seed 6, a small inbred population with many relatives, is the hardest): at
    least 90% of the leopard samples assigned on every seed, no sample in a wrong animal,
    and of the samples given an assignment probability >= 0.99 at least 99% right.
    (Measured with the priors estimated from the data, simulator of 2026-12-01 ~13:30 UTC:
    98.0%, 98.9%, 97.8%, 90.1%; with the fixed priors 95.7%, 96.9%, 95.1%, 83.6%; more
    seeds in benchmarks/RESULTS_identify.md.)"""
    params = {"n_snps": 0, "ado_scat": 0.3, "fa_scat": 0.05, "fail_scat": 0.2}
    rights, probs, rates = [], [], []
    for seed in (2, 3, 4, 6):
        assigned, right, p = _pipeline(tmp_path, params, seed)
        rights.append(right)
        probs.append(p)
        rates.append(assigned)
    right, p = np.concatenate(rights), np.concatenate(probs)
    assert right.all()
    assert min(rates) >= 0.9, rates
    hi = p >= 0.99
    assert hi.sum() > 500 and right[hi].mean() >= 0.99


# ------------------------------------------------ priors estimated from the data
def test_unrank_pairs_is_triu_order():
    for n in (2, 5, 301):
        i, j = lh.unrank_pairs(np.arange(n * (n - 1) // 2), n)
        ti, tj = np.triu_indices(n, 1)
        assert (i == ti).all() and (j == tj).all()


def _nuclear_families(rng, n_fam, n_kids, n_loci=20, n_alleles=8):
    """Two unrelated parents and ``n_kids`` full sibs per family: sizes (n_fam (2 +
    n_kids), L, 2), parents first in each family."""
    p = rng.dirichlet(np.ones(n_alleles) * 2, size=n_loci)
    out = []
    for _ in range(n_fam):  # a family: parents, then Mendelian draws of the kids
        par = np.stack([[rng.choice(n_alleles, 2, p=p[j]) for j in range(n_loci)]
                        for _ in range(2)])  # (2, L, 2)
        out += [par[0], par[1]]
        for _ in range(n_kids):
            pick = rng.integers(0, 2, size=(n_loci, 2))
            out.append(np.stack([par[0][np.arange(n_loci), pick[:, 0]],
                                 par[1][np.arange(n_loci), pick[:, 1]]], axis=1))
    return np.sort(100 + 2 * np.stack(out), axis=2)


def _ev_of_sizes(sizes):
    ids = np.array([f"S{i:03d}" for i in range(len(sizes))])
    loci = [f"L{j}" for j in range(sizes.shape[1])]
    reps = _reps_from_sizes(sizes[:, :, None, :], ids, loci)
    g = Genotypes(reps.calls[:, :, 0], ids, loci, reps.alleles)
    return lh.evidence_from_genotypes(g, loci), ids, g


def test_relative_shares_recover_planted_families():
    # 10 families of 2 parents + 3 full sibs, each animal one group: of the 1,225 pairs
    # 60 are parent-offspring (4.9%) and 30 full sibs (2.4%), no two groups one animal
    rng = np.random.default_rng(21)
    ev, _, _ = _ev_of_sizes(_nuclear_families(rng, 10, 3))
    sh = lh.relative_shares(ev, np.arange(ev.n))
    assert sh["n_pairs"] == 1225
    assert sh["parent_offspring"] == pytest.approx(60 / 1225, abs=0.015)
    assert sh["full_sib"] == pytest.approx(30 / 1225, abs=0.015)
    assert sh["same"] < 0.005
    # a random subset of the pairs (seeded, reproducible) estimates the same shares
    sub = lh.relative_shares(ev, np.arange(ev.n), max_pairs=600, seed=3)
    assert sub["n_pairs"] == 600
    assert sub == lh.relative_shares(ev, np.arange(ev.n), max_pairs=600, seed=3)
    assert sub["parent_offspring"] == pytest.approx(60 / 1225, abs=0.025)
    # two groups of one animal count as 'same'
    lab = np.arange(ev.n)
    both = _ev_of_sizes(np.concatenate([_nuclear_families(rng, 10, 3)[:1]] * 2
                                       + [_nuclear_families(rng, 10, 3)[2:]]))[0]
    assert lh.relative_shares(both, np.arange(both.n))["same"] > 0
    assert lh.relative_shares(ev, np.full(ev.n, 4))["n_pairs"] == 0
    assert np.isnan(lh.relative_shares(ev, lab[:1].repeat(ev.n))["full_sib"])


def test_new_animal_prior_is_the_share_of_samples_alone():
    # 20 well-typed animals with 5 samples each and 10 with one: under the true groups the
    # EM prior that a sample's animal has no other sample is (10 + 1) / (110 + 1) (add-one)
    rng = np.random.default_rng(5)
    animals = _population(rng, n_animals=30, n_loci=20, n_alleles=10)
    owner = np.concatenate([np.repeat(np.arange(20), 5), np.arange(20, 30)])
    ev, _, _ = _ev_of_sizes(animals[owner])
    post = ev.posterior()
    q = ev.q(post)
    pairs = lh.candidate_pairs(lh.map_codes(ev, post))
    res = lh.assignment(ev, post, q, pairs, owner)
    assert res["p_new"] == pytest.approx(11 / 111, abs=1e-3)
    assert (res["p_own"][:100] > 0.999).all()
    # a fixed prior is used as given
    assert lh.assignment(ev, post, q, pairs, owner, p_new=0.3)["p_new"] == 0.3
    # a larger relative prior never raises a posterior of the sample's own group
    r2 = lh.assignment(ev, post, q, pairs, owner, relative_prior=(0.05, 0.2), p_new=0.3)
    r1 = lh.assignment(ev, post, q, pairs, owner, relative_prior=0.05, p_new=0.3)
    assert (r2["p_own"][:100] <= r1["p_own"][:100]).all()


def test_joins_by_hand():
    # samples 0 and 1 are singletons that each fit the other (mutual: both take label 0);
    # sample 2 is a singleton that joins group 7; sample 3 fits group 7 below accept
    rows = pd.DataFrame({"sample": [0, 1, 2, 3], "group": [1, 0, 7, 7],
                         "own": [False] * 4, "probability": [0.995, 0.999, 0.992, 0.98]})
    lab = np.array([0, 1, 2, 3, 7, 7])
    single = np.array([True, True, True, True, False, False])
    assert lh._joins(rows, lab, single, 0.99).tolist() == [0, 0, 7, -1, -1, -1]
    assert lh._joins(rows, lab, single, 1.0).tolist() == [-1] * 6
    assert lh._joins(rows, lab, single & (np.arange(6) != 2), 0.99).tolist()[2] == -1


def test_many_full_sibs_none_merged():
    # families of 2 parents + 4 full sibs (a share of relatives well above the 0.05
    # floor), 4 scats each under harsh errors: the data-estimated relative prior keeps
    # every inferred animal to one true animal
    rng = np.random.default_rng(8)
    animals = _nuclear_families(rng, 6, 4, n_loci=10, n_alleles=6)
    owner = np.repeat(np.arange(len(animals)), 4)
    sizes = _replicates(rng, animals[owner], ado=0.3, fa=0.05, fail=0.2)
    ids, loci, reps, ev, g = _scat_evidence(sizes)
    lk = lh.group_by_likelihood(ev, np.ones(len(ids), bool), np.ones(len(ids), bool),
                                np.zeros(len(ids), bool), n_pairs=4000)
    pr = lk["priors"]
    # 6 x (8 parent-offspring + 6 full-sib) pairs of 630: shares 0.076 and 0.057
    assert pr["parent_offspring"] >= 0.05 and pr["full_sib"] >= 0.05
    a = lk["group"] >= 0
    assert (pd.Series(owner[a]).groupby(lk["group"][a]).nunique() == 1).all()
    assert a.mean() > 0.5
    assert 0 < pr["p_new"] < 0.5
    assert g.n_samples == len(ids)
