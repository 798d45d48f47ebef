"""The population simulator: internal consistency of the truth, error rates, determinism,
the bundled example, and bad parameters."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import EXAMPLE, REPO
from scipy import stats

from leogen.cli import main
from leogen.io.longtable import read_long
from leogen.model.frequencies import expected_heterozygosity
from leogen.model.genotypes import Genotypes
from leogen.pedigree.kinship import (
    inbreeding_coefficients,
    pedigree_frame_indices,
    pedigree_inbreeding,
)
from leogen.simulate import SimParams, simulate
from leogen.simulate.demography import simulate_pedigree
from leogen.simulate.genotyping import error_constants
from leogen.simulate.microsatellites import make_loci, true_microsats
from leogen.simulate.params import AMEL_X, AMEL_Y, TARGET_SPECIES
from leogen.simulate.snps import simulate_snps

EXAMPLE_SEED = 2
SMALL = {"n_snps": 2000}


def _tsv(path):
    return pd.read_csv(path, sep="\t", dtype={"allele1": "Int64", "allele2": "Int64"},
                       keep_default_na=True)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    summary = simulate(SMALL, 11, out)
    return out, summary


# ----------------------------------------------------------------------------- formats
def test_outputs_follow_the_contract(run):
    out, _ = run
    for name in ["samples.tsv", "genotypes.tsv", "screening.tsv", "mtdna.fasta",
                 "mtdna_reference.fasta", "snps.vcf.gz", "snps.vcf.gz.tbi", "camera_traps.tsv",
                 "camera_stations.tsv", "search_effort.tsv"]:
        assert (out / name).is_file(), name
    cols = {
        "truth/pedigree.tsv": ["individual_id", "sire", "dam", "sex", "birth_year",
                               "death_year", "founder", "f_pedigree"],
        "truth/kinship.tsv": ["id1", "id2", "kinship", "relatedness", "relationship"],
        "truth/genotypes_true.tsv": ["sample_id", "replicate", "locus", "allele1", "allele2"],
        "truth/samples_truth.tsv": ["sample_id", "individual_id", "species", "sample_type",
                                    "dna_quality", "dropout_rate", "false_allele_rate"],
        "truth/error_rates.tsv": ["sample_type", "n_het_amplifications", "n_dropouts",
                                  "ado_rate", "n_amplifications", "n_false_alleles", "fa_rate"],
        "truth/infection.tsv": ["individual_id", "pathogen", "year", "infected",
                                "exposed_ever"],
        "truth/census.tsv": ["year", "n_alive", "n_sampleable_age", "n_adults"],
        "truth/density.tsv": ["year", "n_state_space", "area_km2", "density_per_km2",
                              "density_per_100km2", "n_study_box", "study_box_km2",
                              "density_study_box_per_km2", "n_adults_state_space",
                              "n_detected_scat", "n_detected_camera", "n_detected"],
        "truth/activity_centres.tsv": ["individual_id", "x_m", "y_m", "lat", "lon",
                                       "in_study_box"],
        "genotypes.tsv": ["sample_id", "replicate", "locus", "allele1", "allele2"],
    }
    for name, c in cols.items():
        assert list(_tsv(out / name).columns) == c, name
    s = _tsv(out / "samples.tsv")
    assert list(s.columns[:6]) == ["sample_id", "sample_type", "date", "site", "lat", "lon"]
    assert set(s["sample_type"]) == {"scat", "blood"}
    assert s["sample_id"].is_unique
    assert pd.to_datetime(s["date"], format="%Y-%m-%d").notna().all()
    assert s["lat"].between(43.0, 43.6).all() and s["lon"].between(131.0, 131.8).all()
    p = yaml.safe_load((out / "truth/params.yaml").read_text())
    assert p["seed"] == 11 and p["n_snps"] == 2000 and "inbreeding_effect" in p


def test_sampling_design(run):
    out, summary = run
    st = _tsv(out / "truth/samples_truth.tsv")
    ped = _tsv(out / "truth/pedigree.tsv")
    scat = st[st["sample_type"] == "scat"]
    other = scat["species"] != TARGET_SPECIES
    assert 0.01 < other.mean() < 0.12          # ~5% other species
    assert scat.loc[other, "individual_id"].isna().all()
    per_animal = scat[~other].groupby("individual_id").size()
    assert per_animal.mean() > 2                 # several scats per animal
    years = range(2024 - 8 + 1, 2025)
    alive = ped[(ped["birth_year"] <= 2023) & (ped["death_year"].fillna(9999) >= years[0])]
    assert len(set(alive["individual_id"]) - set(st["individual_id"].dropna())) > 0
    blood = st[st["sample_type"] == "blood"]
    assert 8 <= blood["individual_id"].nunique() <= 15
    assert (blood["dna_quality"] == 1).all() and (scat["dna_quality"] < 1).all()


def test_recaptures_have_own_samples_and_screening(run):
    out, _ = run
    s = _tsv(out / "samples.tsv")
    sc = _tsv(out / "screening.tsv")
    assert set(sc["sample_id"]) <= set(s["sample_id"])
    blood = s[s["sample_type"] == "blood"]
    assert set(blood["sample_id"]) <= set(sc["sample_id"])  # every blood sample is screened
    twice = blood.groupby("individual_hint")["date"].agg(["nunique", "min", "max"])
    if (twice["nunique"] > 1).any():
        t = twice[twice["nunique"] > 1]
        assert (t["max"].str[:4] > t["min"].str[:4]).all()  # recapture in a later year
    assert set(sc["result"]) <= {"positive", "negative", "equivocal"}
    titers = sc["titer"].dropna()
    assert titers.str.match(r"^(<)?1:\d+$").all()
    assert sc["sensitivity"].between(0, 1).all() and sc["specificity"].between(0, 1).all()
    assert set(sc["pathogen"]) <= {"CDV", "FPV", "FIV", "FeLV", "T_gondii"}
    scat_tests = sc[sc["sample_id"].str.startswith("SC")]
    assert (scat_tests["assay"] == "pcr").all() and len(scat_tests) > 10


# ------------------------------------------------------------------------------ truth
def test_truth_pedigree_and_kinship_consistent(run):
    out, _ = run
    ped = _tsv(out / "truth/pedigree.tsv")
    ped["sire"] = ped["sire"].fillna("")
    ped["dam"] = ped["dam"].fillna("")
    assert np.allclose(pedigree_inbreeding(ped), ped["f_pedigree"], atol=1e-6)
    assert ped["f_pedigree"].max() > 0.2          # some close inbreeding
    assert (ped["f_pedigree"] == 0).mean() > 0.3
    assert (ped["founder"] == (ped["sire"] == "")).all()
    by = ped.set_index("individual_id")
    kids = ped[ped["sire"] != ""]
    assert (by.loc[kids["sire"], "sex"].to_numpy() == "M").all()
    assert (by.loc[kids["dam"], "sex"].to_numpy() == "F").all()
    assert (kids["birth_year"].to_numpy() > by.loc[kids["sire"], "birth_year"].to_numpy()).all()
    kin = _tsv(out / "truth/kinship.tsv")
    st = _tsv(out / "truth/samples_truth.tsv")
    n = st["individual_id"].dropna().nunique()
    assert len(kin) == n * (n - 1) // 2
    lower = {"PO": 0.25, "FS": 0.25, "HS": 0.125, "GP": 0.125, "AV": 0.125, "FC": 0.0625}
    for code, lo in lower.items():  # inbreeding can only add kinship
        assert (kin.loc[kin["relationship"] == code, "kinship"] >= lo - 1e-9).all(), code
    po = kin[kin["relationship"] == "PO"]
    for a, b in zip(po["id1"], po["id2"], strict=True):
        assert a in (by.loc[b, "sire"], by.loc[b, "dam"]) or b in (by.loc[a, "sire"],
                                                                  by.loc[a, "dam"])
    census = _tsv(out / "truth/census.tsv")
    y = 2015
    alive = ((ped["birth_year"] <= y) & (ped["death_year"].fillna(9999) >= y)).sum()
    assert census.set_index("year").loc[y, "n_alive"] == alive
    aged = (((ped["birth_year"] <= y - 1) & (ped["death_year"].fillna(9999) >= y)).sum())
    assert census.set_index("year").loc[y, "n_sampleable_age"] == aged  # min_age_sampled = 1
    assert census["n_adults"].max() <= 60 and census["n_adults"].tail(10).mean() >= 15


def test_mendelian_inheritance_of_true_genotypes():
    p = SimParams()
    ss = np.random.SeedSequence(5).spawn(3)
    ped = simulate_pedigree(p, ss[0])
    sizes = true_microsats(ped, make_loci(p, ss[1]), ss[2])
    s, d = pedigree_frame_indices(ped)
    kid = np.flatnonzero(s >= 0)
    auto = sizes[:, :-1]
    from_sire = (auto[kid, :, 0, None] == auto[s[kid]]).any(axis=-1)
    from_dam = (auto[kid, :, 1, None] == auto[d[kid]]).any(axis=-1)
    assert from_sire.all() and from_dam.all()
    # transmission is random: each parental copy is passed about half the time
    het_sire = auto[s[kid], :, 0] != auto[s[kid], :, 1]
    got_first = auto[kid, :, 0] == auto[s[kid], :, 0]
    assert 0.45 < got_first[het_sire].mean() < 0.55
    male = ped["sex"].to_numpy() == "M"
    assert (sizes[male, -1] == [AMEL_Y, AMEL_X]).all()
    assert (sizes[~male, -1] == [AMEL_X, AMEL_X]).all()


def test_true_genotypes_file_matches_parents(run):
    out, _ = run
    ped = _tsv(out / "truth/pedigree.tsv").set_index("individual_id")
    g = read_long(out / "truth/genotypes_true.tsv").single()
    sizes = g.sizes()
    row = {x: i for i, x in enumerate(g.samples)}
    for kid in g.samples:
        s, d = ped.loc[kid, "sire"], ped.loc[kid, "dam"]
        if s in row and d in row:
            for j in range(g.n_loci):
                a, b = sizes[row[kid], j]
                ps, pd_ = set(sizes[row[s], j]), set(sizes[row[d], j])
                assert (a in ps and b in pd_) or (b in ps and a in pd_)
    assert "AMEL" in list(g.loci) and 12 <= g.n_loci - 1 <= 20


def test_founder_heterozygosity_low():
    p = SimParams()
    he = []
    for seed in range(10):
        ss = np.random.SeedSequence(seed).spawn(3)
        ped = simulate_pedigree(p, ss[0])
        sizes = true_microsats(ped, make_loci(p, ss[1]), ss[2])
        founders = sizes[ped["founder"].to_numpy() == 1][:, :-1]
        g = Genotypes.from_labels(founders, ped["individual_id"][ped["founder"] == 1],
                                  [f"L{j}" for j in range(founders.shape[1])])
        h = expected_heterozygosity(g.allele_frequencies()).mean()
        assert 0.35 < h < 0.65
        he.append(h)
    assert 0.4 <= np.mean(he) <= 0.6


def test_locus_sizes_realistic():
    loci = make_loci(SimParams(), 1)
    for loc in loci:
        assert loc["step"] in (2, 4)
        assert 3 <= len(loc["sizes"]) <= 7
        assert loc["sizes"].min() >= 100 and loc["sizes"].max() <= 300
        assert (np.diff(loc["sizes"]) % loc["step"] == 0).all()
    assert {loc["step"] for loc in loci} == {2, 4}


# ----------------------------------------------------------------------- error rates
def _amplification_table(out):
    obs = _tsv(out / "genotypes.tsv")
    true = _tsv(out / "truth/genotypes_true.tsv").rename(
        columns={"sample_id": "individual_id", "allele1": "t1", "allele2": "t2"})
    st = _tsv(out / "truth/samples_truth.tsv")
    m = obs.merge(st, on="sample_id").merge(true.drop(columns="replicate"),
                                            on=["individual_id", "locus"])
    m = m[(m["locus"] != "AMEL") & m["allele1"].notna()]
    in1 = (m["allele1"] == m["t1"]) | (m["allele1"] == m["t2"])
    in2 = (m["allele2"] == m["t1"]) | (m["allele2"] == m["t2"])
    m["het"] = m["t1"] != m["t2"]
    m["false"] = ~(in1 & in2)
    m["drop"] = m["het"] & in1 & in2 & (m["allele1"] == m["allele2"])
    return m


def test_error_rates_file_counts_against_truth(run):
    out, _ = run
    m = _amplification_table(out)
    er = _tsv(out / "truth/error_rates.tsv").set_index("sample_type")
    for t in ("scat", "blood"):
        x = m[m["sample_type"] == t]
        assert er.loc[t, "n_het_amplifications"] == x["het"].sum()
        assert er.loc[t, "n_dropouts"] == x["drop"].sum()
        assert er.loc[t, "n_amplifications"] == len(x)
        assert er.loc[t, "n_false_alleles"] == x["false"].sum()
    assert er.loc["all", "n_amplifications"] == len(m)


@pytest.mark.parametrize("ado,fa", [(0.2, 0.03), (0.3, 0.06)])
def test_realised_rates_match_parameters(tmp_path, ado, fa):
    params = {"ado_scat": ado, "fa_scat": fa, "n_snps": 0, "lambda0_scat": 0.2}
    simulate(params, 4, tmp_path)
    m = _amplification_table(tmp_path)
    scat = m[m["sample_type"] == "scat"]
    het = scat[scat["het"]]
    # (1) given each sample's quality, dropouts are binomial with that sample's probability
    exp_drop = het["dropout_rate"].sum()
    var = (het["dropout_rate"] * (1 - het["dropout_rate"])).sum()
    assert abs(het["drop"].sum() - exp_drop) < 4 * np.sqrt(var)
    # (2) over the quality distribution the realised rates estimate the parameters:
    # ratio estimator with a cluster (per-sample) standard error
    for col, frame, target in (("drop", het, ado), ("false", scat, fa)):
        g = frame.groupby("sample_id")[col].agg(["sum", "size"])
        rate = g["sum"].sum() / g["size"].sum()
        resid = g["sum"] - rate * g["size"]
        se = np.sqrt(len(g) / (len(g) - 1) * (resid ** 2).sum()) / g["size"].sum()
        assert abs(rate - target) < 3.5 * se, (col, rate, target, se)
        ci = stats.binomtest(int(g["sum"].sum()), int(g["size"].sum())).proportion_ci(0.999)
        assert ci.low - 3 * se < target < ci.high + 3 * se
    # blood is near error-free
    blood = m[m["sample_type"] == "blood"]
    assert blood["drop"].mean() < 0.05 and blood["false"].mean() < 0.05


def test_error_constants_average_to_parameters():
    a, b, fail, ado, fa = 3.0, 2.0, 0.1, 0.2, 0.03
    c = error_constants(a, b, fail, ado, fa)
    h = 1 - stats.beta(a, b).rvs(400_000, random_state=1)
    ok = 1 - c["fail"] * h
    assert np.mean(c["fail"] * h) == pytest.approx(fail, rel=0.01)
    assert np.sum(c["ado"] * h * ok) / np.sum(ok) == pytest.approx(ado, rel=0.01)
    assert np.sum(c["fa"] * h * ok) / np.sum(ok) == pytest.approx(fa, rel=0.01)


# ---------------------------------------------------------------------------- mtDNA
def _fasta(path):
    recs, name = {}, None
    for line in Path(path).read_text().splitlines():
        if line.startswith(">"):
            name = line[1:]
            recs[name] = ""
        else:
            recs[name] += line
    return recs


def _pdist(a, b):
    n = min(len(a), len(b))
    return np.mean(np.array(list(a[:n])) != np.array(list(b[:n])))


def test_mtdna_panel_and_barcodes(run):
    out, _ = run
    ref = _fasta(out / "mtdna_reference.fasta")
    assert all(re.match(r"^[A-Z][a-z]+_[a-z]+\|H\d+$", k) for k in ref)
    species = {k.split("|")[0] for k in ref}
    assert species == {"Panthera_pardus", "Panthera_tigris", "Lynx_lynx",
                       "Prionailurus_bengalensis", "Canis_familiaris", "Vulpes_vulpes"}
    assert all(400 <= len(s) <= 600 for s in ref.values())
    keys = sorted(ref)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            d = _pdist(ref[a], ref[b])
            if a.split("|")[0] == b.split("|")[0]:
                assert 0.004 <= d <= 0.025, (a, b, d)
            else:
                assert 0.07 <= d <= 0.25, (a, b, d)
    bars = _fasta(out / "mtdna.fasta")
    st = _tsv(out / "truth/samples_truth.tsv").set_index("sample_id")
    scats = set(st.index[st["sample_type"] == "scat"])
    assert set(bars) <= scats and len(bars) < len(scats)  # some failed
    haps = _tsv(out / "truth/mt_haplotypes.tsv").set_index("individual_id")["mt_haplotype"]
    for sid, seq in list(bars.items())[:60]:
        sp = st.loc[sid, "species"]
        best = min(ref, key=lambda k: _align_dist(seq, ref[k]))
        assert best.split("|")[0] == sp
        if sp == TARGET_SPECIES:
            assert _align_dist(seq, ref[haps[st.loc[sid, "individual_id"]]]) < 0.02


def _align_dist(read, ref):
    # reads are the reference trimmed at both ends: find the offset
    best = 1.0
    for off in range(0, len(ref) - len(read) + 1):
        best = min(best, _pdist(read, ref[off:off + len(read)]))
    return best


# ----------------------------------------------------------------------------- SNPs
def test_vcf_samples_are_blood_samples(run):
    import pysam

    out, _ = run
    s = _tsv(out / "samples.tsv")
    with pysam.VariantFile(str(out / "snps.vcf.gz")) as v:
        names = list(v.header.samples)
        recs = list(v.fetch("chr2"))
        chroms = list(v.header.contigs)
    first_blood = s[s["sample_type"] == "blood"].drop_duplicates("individual_hint")
    assert names == list(first_blood["sample_id"])
    assert len(chroms) == 5 and len(recs) > 100
    assert all(len(r.alleles) == 2 for r in recs)


def test_inbred_animals_have_more_autozygosity():
    p = SimParams.from_dict({"n_snps": 4000})
    ss = np.random.SeedSequence(8).spawn(2)
    ped = simulate_pedigree(p, ss[0])
    s, d = pedigree_frame_indices(ped)
    f = inbreeding_coefficients(s, d)
    snps = simulate_snps(ped, p, ss[1])
    h = snps["haps"]
    het = (h[:, 0] != h[:, 1]).mean(axis=1)
    lab = snps["labels"]
    f_ibd = (lab[:, 0] == lab[:, 1]).mean(axis=1)
    kid = s >= 0
    rho, pval = stats.spearmanr(f[kid], het[kid])
    assert rho < -0.3 and pval < 1e-4
    rho2, _ = stats.spearmanr(f[kid], f_ibd[kid])
    assert rho2 > 0.5
    # realised IBD has the pedigree F as its expectation
    assert abs(f_ibd[kid].mean() - f[kid].mean()) < 0.02
    # founders are not autozygous; IBD regions are homozygous
    assert (f_ibd[~kid] == 0).all()
    auto = lab[:, 0] == lab[:, 1]
    assert (h[:, 0][auto] == h[:, 1][auto]).all()


def test_snp_ld_decays_with_distance():
    p = SimParams.from_dict({"n_snps": 3000, "n_chromosomes": 1, "genome_length_cm": 100.0})
    ss = np.random.SeedSequence(3).spawn(2)
    ped = simulate_pedigree(p, ss[0])
    snps = simulate_snps(ped, p, ss[1])
    x = snps["haps"].reshape(-1, snps["pos"].size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):  # SNPs fixed in the population
        near = [abs(np.corrcoef(x[:, i], x[:, i + 1])[0, 1]) for i in range(0, 2900, 10)]
        far = [abs(np.corrcoef(x[:, i], x[:, i + 1500])[0, 1]) for i in range(0, 1400, 10)]
    assert np.nanmean(near) > 2 * np.nanmean(far)


# ------------------------------------------------------------------------- disease
def test_infection_prevalence_and_inbreeding_effect():
    from leogen.simulate.disease import simulate_infection

    p = SimParams()
    ped = simulate_pedigree(p, 1)
    s, d = pedigree_frame_indices(ped)
    f = inbreeding_coefficients(s, d)
    inf = simulate_infection(ped, f, p, 2)
    m = inf.merge(ped[["individual_id", "birth_year"]], on="individual_id")
    adults = m[m["year"] - m["birth_year"] >= 3]
    prev = adults.groupby("pathogen")["exposed_ever"].mean()
    assert 0.4 < prev["FPV"] < 0.9 and 0.2 < prev["T_gondii"] < 0.65
    assert prev["CDV"] < 0.35 and prev["FIV"] < 0.15 and prev["FeLV"] < 0.1
    # exposure is never lost; persistent infections stay
    for _, g in inf.groupby(["individual_id", "pathogen"]):
        assert (np.diff(g["exposed_ever"].to_numpy()) >= 0).all()
    # a strong effect of F raises infection in inbred animals
    p2 = SimParams.from_dict({"inbreeding_effect": 12.0})
    inf2 = simulate_infection(ped, f, p2, 2)
    new = inf2[inf2["pathogen"] == "T_gondii"].merge(
        pd.DataFrame({"individual_id": ped["individual_id"], "f": f}), on="individual_id")
    inbred = new["f"] >= 0.125
    assert new.loc[inbred, "infected"].mean() > new.loc[~inbred, "infected"].mean()


# ------------------------------------------------------------------------ determinism
def test_same_seed_same_bytes_different_seed_different_data(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    simulate(SMALL, 21, a)
    simulate(SMALL, 21, b)
    simulate(SMALL, 22, c)
    files = sorted(x.relative_to(a) for x in a.rglob("*") if x.is_file())
    assert len(files) >= 15
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert (a / "genotypes.tsv").read_bytes() != (c / "genotypes.tsv").read_bytes()
    assert (a / "samples.tsv").read_bytes() != (c / "samples.tsv").read_bytes()


def test_example_is_reproducible(tmp_path):
    """config/example/ is exactly what the documented command writes."""
    assert EXAMPLE.is_dir(), "config/example/ is missing: see docs/simulate.md"
    doc = (REPO / "docs" / "simulate.md").read_text()
    assert f"leogen simulate --out config/example --seed {EXAMPLE_SEED}" in doc
    assert main(["simulate", "--out", str(tmp_path), "--seed", str(EXAMPLE_SEED),
                 "--quiet"]) == 0
    new = sorted(x.relative_to(tmp_path) for x in tmp_path.rglob("*") if x.is_file())
    old = sorted(x.relative_to(EXAMPLE) for x in EXAMPLE.rglob("*") if x.is_file())
    assert new == old
    for f in new:
        assert filecmp.cmp(tmp_path / f, EXAMPLE / f, shallow=False), f"{f} differs"
    total = sum((EXAMPLE / f).stat().st_size for f in old)
    assert total < 5 * 1024 * 1024


# ---------------------------------------------------------------------------- CLI
def test_cli_runs_with_flags_and_params_file(tmp_path, capsys):
    pf = tmp_path / "p.yaml"
    pf.write_text("n_loci: 12\nn_snps: 500\nseed: 7\nincidence: {CDV: 0.05}\n")
    assert main(["simulate", "--out", str(tmp_path / "o"), "--params", str(pf),
                 "--ado-scat", "0.1"]) == 0
    p = yaml.safe_load((tmp_path / "o/truth/params.yaml").read_text())
    assert p["seed"] == 7 and p["n_loci"] == 12 and p["ado_scat"] == 0.1
    assert p["incidence"]["CDV"] == 0.05 and p["incidence"]["FPV"] == 0.1
    assert "animals ever alive" in capsys.readouterr().err
    # a previous run's params.yaml reproduces it
    assert main(["simulate", "--out", str(tmp_path / "o2"), "--quiet", "--params",
                 str(tmp_path / "o/truth/params.yaml")]) == 0
    assert ((tmp_path / "o/genotypes.tsv").read_bytes()
            == (tmp_path / "o2/genotypes.tsv").read_bytes())


@pytest.mark.parametrize("argv,message", [
    (["--n-loci", "0"], "n_loci = 0: must be at least 1"),
    (["--ado-scat", "-0.1"], "ado_scat = -0.1: must be a probability"),
    (["--fa-scat", "1.5"], "fa_scat = 1.5: must be a probability"),
    (["--n-loci", "25"], "at most 20 loci"),
    (["--seed", "-3"], "seed must be a non-negative whole number"),
    (["--study-years", "99"], "study_years"),
    (["--ado-scat", "0.6"], "rates too high"),
])
def test_bad_parameters_exit_2(tmp_path, capsys, argv, message):
    assert main(["simulate", "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text,message", [
    ("n_loci: 5\nbogus_rate: 1\n", "unknown simulation parameter(s) bogus_rate"),
    ("n_loci: [1, 2\n", "not valid YAML"),
    ("n_loci: fifteen\n", "n_loci must be a whole number"),
    ("- 1\n- 2\n", "expected a mapping"),
    ("incidence: {Rabies: 0.1}\n", "unknown pathogen(s) Rabies"),
    ("litter_size_probs: [0.5, 0.6]\n", "litter_size_probs"),
])
def test_bad_params_file_exit_2(tmp_path, capsys, text, message):
    pf = tmp_path / "bad.yaml"
    pf.write_text(text)
    assert main(["simulate", "--out", str(tmp_path / "o"), "--params", str(pf)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(pf) in err


def test_missing_params_file(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path), "--params", str(tmp_path / "no.yaml")]) == 2
    assert "parameter file not found" in capsys.readouterr().err


# ------------------------------------------------------------------ monitoring truth
def test_true_ne_hand_computed_tiny_pedigree():
    """A x B -> C (M), D (F); C x D -> E; C x E -> H.

    F_E = 1/4, t_E = 2; F_H = kinship(C, E) = (1/2)(1/2 + 1/4) = 3/8, t_H = 1 + 3/2 = 5/2.
    dF_i = 1 - (1 - F_i)^(1 / (t_i - 1)) (Gutierrez et al. 2008); Ne = 1 / (2 mean dF_i).
    """
    from leogen.simulate.truth import equivalent_generations, true_ne

    ped = pd.DataFrame({
        "individual_id": ["A", "B", "C", "D", "E", "H"],
        "sire": [None, None, "A", "A", "C", "C"],
        "dam": [None, None, "B", "B", "D", "E"],
        "birth_year": [2000, 2000, 2002, 2002, 2005, 2008],
        "death_year": pd.array([2004, 2004, 2009, 2006, pd.NA, pd.NA], dtype="Int64")})
    s, d = pedigree_frame_indices(ped)
    f = inbreeding_coefficients(s, d)
    np.testing.assert_allclose(f, [0, 0, 0, 0, 0.25, 0.375])
    np.testing.assert_allclose(equivalent_generations(s, d), [0, 0, 1, 1, 2, 2.5])
    out = true_ne(ped, f, [2003, 2006, 2008], study_years=[2005, 2008]).set_index("period")
    assert list(out.index) == ["2003", "2006", "2008", "all"]
    assert np.isnan(out.loc["2003", "ne"]) and out.loc["2003", "n_informative"] == 0
    assert out.loc["2006", "n_alive"] == 3 and out.loc["2006", "n_informative"] == 1
    assert out.loc["2006", "ne"] == pytest.approx(2.0)          # 1 / (2 * 0.25)
    dfh = 1 - 0.625 ** (1 / 1.5)
    ne_both = 1 / (2 * (0.25 + dfh) / 2)
    assert out.loc["2008", "ne"] == pytest.approx(ne_both)
    assert out.loc["all", "ne"] == pytest.approx(ne_both)
    assert out.loc["all", "n_alive"] == 4                       # C, D, E, H
    assert out.loc["all", "mean_f"] == pytest.approx((0.25 + 0.375) / 4)


def test_true_ne_finite_positive_default_population(run):
    out, _ = run
    ne = _tsv(out / "truth/ne.tsv")
    assert list(ne.columns) == ["period", "n_alive", "n_informative", "mean_f",
                                "mean_equivalent_generations", "mean_delta_f", "ne"]
    row = ne[ne["period"] == "all"].iloc[0]
    assert np.isfinite(row["ne"]) and 2 < row["ne"] < 200
    study = ne[ne["period"].isin([str(y) for y in range(2017, 2025)])]
    assert len(study) == 8 and np.isfinite(study["ne"]).all() and (study["ne"] > 0).all()
    census = _tsv(out / "truth/census.tsv")
    assert ne.iloc[:-1]["n_alive"].tolist() == census["n_alive"].tolist()


def test_camera_traps_follow_schema_and_truth(run):
    from leogen.io.sheets import read_sheet

    out, summary = run
    cam = read_sheet(out / "camera_traps.tsv", "camera_traps")
    assert len(cam) == summary["n_camera_detections"] > 20
    assert list(_tsv(out / "camera_traps.tsv").columns) == ["date", "station", "individual_id",
                                                            "lat", "lon"]
    assert cam["individual_id"].str.fullmatch(r"CT-\d{2,}").all()
    stations = _tsv(out / "camera_stations.tsv")
    assert list(stations.columns) == ["station", "lat", "lon", "start_date", "end_date"]
    assert set(cam["station"]) <= set(stations["station"])
    assert stations["station"].nunique() == 12
    # every station has one coordinate pair, inside the study area
    assert (cam.groupby("station")[["lat", "lon"]].nunique() == 1).all().all()
    assert cam["lat"].between(43.0, 43.6).all() and cam["lon"].between(131.0, 131.8).all()
    alias = _tsv(out / "truth/camera_aliases_true.tsv")
    assert list(alias.columns) == ["camera_id", "individual_id"]
    assert alias["camera_id"].is_unique and alias["individual_id"].is_unique
    assert set(cam["individual_id"]) == set(alias["camera_id"])
    ped = _tsv(out / "truth/pedigree.tsv").set_index("individual_id")
    true_id = cam["individual_id"].map(alias.set_index("camera_id")["individual_id"])
    year = cam["date"].dt.year
    born = ped.loc[true_id, "birth_year"].to_numpy()
    died = ped.loc[true_id, "death_year"].fillna(9999).to_numpy()
    # alive on the detection date (births at the start of a year, deaths at its end) and
    # old enough to be sampled (min_age_sampled = 1)
    assert (born < year.to_numpy()).all() and (died >= year.to_numpy()).all()
    # a subset of the animals, within the sample sheet's date range
    s = _tsv(out / "samples.tsv")
    assert cam["date"].min() >= pd.Timestamp(s["date"].min())
    assert cam["date"].max() <= pd.Timestamp(s["date"].max())
    alive = ped[(ped["death_year"].fillna(9999) >= 2017) & (ped["birth_year"] < 2024)]
    assert 5 <= len(alias) < 0.8 * len(alive)


def test_camera_traps_can_be_switched_off(tmp_path):
    simulate({"n_snps": 0, "n_camera_stations": 0}, 3, tmp_path)
    assert len(_tsv(tmp_path / "camera_traps.tsv")) == 0
    assert len(_tsv(tmp_path / "truth/camera_aliases_true.tsv")) == 0


def test_genetic_camera_aliases_majority_id():
    from leogen.simulate import genetic_camera_aliases

    aliases = pd.DataFrame({"camera_id": ["CT-01", "CT-02", "CT-03"],
                            "individual_id": ["I5", "I7", "I9"]})
    truth = pd.DataFrame({"sample_id": ["s1", "s2", "s3", "s4", "s5"],
                          "individual_id": ["I5", "I5", "I5", "I7", None]})
    si = pd.DataFrame({"sample_id": ["s1", "s2", "s3", "s4", "s5"],
                       "individual_id": ["LEO002", "LEO001", "LEO002", "NA", "LEO009"]})
    out = genetic_camera_aliases(aliases, truth, si)
    # I5: two samples LEO002, one LEO001; I7 unidentified and I9 unsampled: left out
    assert out.to_dict("records") == [{"camera_id": "CT-01", "individual_id": "LEO002"}]
