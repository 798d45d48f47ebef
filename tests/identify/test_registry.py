"""The persistent animal registry (leogen.identify.registry, `leogen identify --registry`)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from helpers import EXAMPLE

from leogen.cli import main
from leogen.identify.outputs import REGISTRY, REGISTRY_CHANGES
from leogen.identify.registry import (
    assign_ids,
    format_genotype_cells,
    genotype_matches,
    parse_genotype_cells,
)

CUTOFF = "2020-12-31"  # the first run: the example's samples up to the end of 2020


# ------------------------------------------------------------------- tiny cases
def _dates(*ds):
    return pd.to_datetime(list(ds)).to_numpy()


class _Reg:
    """A minimal registry object for assign_ids (what read_registry returns)."""

    def __init__(self, ids, samples, labels=None, n_loci=3):
        from leogen.identify.registry import Registry

        n = len(ids)
        table = pd.DataFrame({"individual_id": ids, "status": "seen",
                              "_line": np.arange(2, n + 2)})
        lab = np.full((n, n_loci, 2), -1, np.int64) if labels is None else np.asarray(labels)
        self.obj = Registry(table, lab, np.array([f"L{j}" for j in range(n_loci)]),
                            np.array([int(i[3:]) for i in ids]), tuple(map(tuple, samples)),
                            "registry.tsv")


def test_assign_ids_without_registry_by_first_date_then_sample_id():
    group = np.array([2, 0, 1, -1, 1, 0])
    samples = np.array(["s6", "s2", "s5", "s0", "s1", "s3"])
    dates = _dates("2019-01-01", "2020-01-01", "2020-01-01", "2015-01-01", "2021-01-01",
                   "2020-01-01")
    a = assign_ids(group, samples, dates)
    # group 2 first (2019); groups 0 and 1 both first on 2020-01-01: smallest sample id
    # s2 (group 0) before s5 (group 1)
    assert a.ids == {2: "LEO001", 0: "LEO002", 1: "LEO003"}
    assert a.order == [2, 0, 1]
    assert list(a.changes["change"]) == ["new"] * 3
    assert a.changes.loc[1, "sample_ids"] == "s2,s3"
    # a later sample (2022) joining group 1 changes nothing
    b = assign_ids(np.append(group, 1), np.append(samples, "s9"),
                   np.append(dates, _dates("2022-01-01")))
    assert b.ids == a.ids


def test_assign_ids_keeps_registered_ids_and_numbers_new_ones_after():
    reg = _Reg(["LEO003", "LEO007", "LEO010"], [["a1", "a2"], ["b1"], ["c1"]]).obj
    # this run: a1, a2, a3 together; b1 with x1; c1 missing; y1 a new animal older than all
    group = np.array([0, 0, 0, 1, 1, 2])
    samples = np.array(["a1", "a2", "a3", "b1", "x1", "y1"])
    dates = _dates("2018-01-01", "2018-02-01", "2022-01-01", "2018-03-01", "2022-02-01",
                   "2010-01-01")
    a = assign_ids(group, samples, dates, reg)
    assert a.ids == {0: "LEO003", 1: "LEO007", 2: "LEO011"}
    assert a.order == [0, 1, 2] and a.new == {"LEO011"}
    assert list(a.registered_status) == ["seen", "seen", "not_seen"]
    ch = a.changes.set_index("change")
    assert ch.loc["new", "individual_id"] == "LEO011"
    assert ch.loc["not_seen", "individual_id"] == "LEO010"


def test_assign_ids_reports_would_merge_moves_and_unassigned():
    reg = _Reg(["LEO001", "LEO002", "LEO003"],
               [["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2", "c3"]]).obj
    # a and b are now one group (would merge); c3 moved into a new group; c2 unassigned
    group = np.array([0, 0, 0, 0, 0, 1, -1, 2])
    samples = np.array(["a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3"])
    dates = _dates(*["2020-01-01"] * 8)
    a = assign_ids(group, samples, dates, reg)
    assert a.ids == {0: "LEO001", 1: "LEO003", 2: "LEO004"}
    assert list(a.registered_status) == ["seen", "would_merge", "seen"]
    ch = a.changes
    merge = ch[ch["change"] == "would_merge"].iloc[0]
    assert (merge["individual_id"], merge["other_individual_id"]) == ("LEO001", "LEO002")
    assert merge["sample_ids"] == "b1,b2"
    moved = ch[ch["change"] == "sample_moved"].iloc[0]
    assert (moved["individual_id"], moved["other_individual_id"],
            moved["sample_ids"]) == ("LEO003", "LEO004", "c3")
    un = ch[ch["change"] == "sample_unassigned"].iloc[0]
    assert (un["individual_id"], un["sample_ids"]) == ("LEO003", "c2")
    assert list(ch["change"]) == ["new", "would_merge", "sample_moved", "sample_unassigned"]


def test_assign_ids_by_genotype_when_samples_are_absent():
    geno = np.array([[[100, 102], [110, 110], [120, 124]],
                     [[104, 104], [112, 114], [122, 122]]])
    reg = _Reg(["LEO001", "LEO002"], [["old1"], ["old2"]], labels=geno).obj
    # old1/old2 are not in this run; new scats n1 (animal 1, one locus untyped) and n2
    # (animal 2 with one mismatch) and n3 (unknown)
    lab = np.array([[[102, 100], [-1, -1], [120, 124]],
                    [[104, 104], [112, 114], [122, 124]],
                    [[130, 130], [140, 140], [150, 150]]])
    group = np.array([0, 1, 2])
    dates = _dates("2023-01-01", "2023-01-02", "2023-01-03")
    a = assign_ids(group, np.array(["n1", "n2", "n3"]), dates, reg, labels=lab,
                   max_mismatches=0, min_loci=2)
    assert a.ids == {0: "LEO001", 1: "LEO003", 2: "LEO004"}  # n2 mismatches at L2
    assert list(a.registered_status) == ["seen", "not_seen"]
    a1 = assign_ids(group, np.array(["n1", "n2", "n3"]), dates, reg, labels=lab,
                    max_mismatches=1, min_loci=2)
    assert a1.ids == {0: "LEO001", 1: "LEO002", 2: "LEO003"}
    assert (a1.changes["change"] == "matched_by_genotype").sum() == 2


def test_genotype_cells_round_trip():
    lab = np.array([[216, 214], [-1, -1], [180, 180]])
    cells = format_genotype_cells(lab)
    assert cells.tolist() == ["214/216", "NA", "180/180"]
    assert (parse_genotype_cells(cells) == np.sort(lab, axis=1)).all()
    comp, mism = genotype_matches(lab[None], lab[None, :, ::-1])  # alleles swapped
    assert (comp.item(), mism.item()) == (2, 0)


# --------------------------------------------------------------- the bundled example
@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """Species calls of the whole bundled example (computed once)."""
    d = tmp_path_factory.mktemp("example")
    assert main(["species", "--fasta", str(EXAMPLE / "mtdna.fasta"), "--reference",
                 str(EXAMPLE / "mtdna_reference.fasta"), "--samples",
                 str(EXAMPLE / "samples.tsv"), "--out", str(d / "species.tsv")]) == 0
    sheet = pd.read_csv(EXAMPLE / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    geno = pd.read_csv(EXAMPLE / "genotypes.tsv", sep="\t", dtype=str, keep_default_na=False)
    species = pd.read_csv(d / "species.tsv", sep="\t", dtype=str, keep_default_na=False)
    return {"sheet": sheet, "genotypes": geno, "species": species}


def _identify(d, out, registry=None, code=0):
    cmd = ["identify", "--consensus", str(d / "consensus" / "consensus.tsv"), "--samples",
           str(d / "samples.tsv"), "--out-dir", str(out)]
    if registry is not None:
        cmd += ["--registry", str(registry)]
    assert main(cmd) == code
    return out


def _run(d, ex, keep=None, registry=None):
    """consensus + identify on the example's sheet rows ``keep`` (a mask; all by default),
    sample sheet and genotypes filtered alike. Returns the identify output folder."""
    d.mkdir(parents=True, exist_ok=True)
    sheet = ex["sheet"] if keep is None else ex["sheet"][keep]
    ids = set(sheet["sample_id"])
    sheet.to_csv(d / "samples.tsv", sep="\t", index=False)
    for name in ("genotypes", "species"):
        t = ex[name]
        t[t["sample_id"].isin(ids)].to_csv(d / f"{name}.tsv", sep="\t", index=False)
    assert main(["consensus", "--genotypes", str(d / "genotypes.tsv"), "--samples",
                 str(d / "samples.tsv"), "--species", str(d / "species.tsv"),
                 "--out-dir", str(d / "consensus")]) == 0
    return _identify(d, d / "identify", registry)


def _derive(d, src, sheet, genotyped, copies=()):
    """A run folder whose consensus tables are those of ``src`` restricted to the samples
    ``genotyped``, plus ``copies`` (new_id, source_id, {locus: (a1, a2)} replaced) of existing
    samples' rows: what consensus gives for a copied scat, without running it again."""
    (d / "consensus").mkdir(parents=True, exist_ok=True)
    sheet.to_csv(d / "samples.tsv", sep="\t", index=False)
    for f in sorted((src / "consensus").iterdir()):
        t = pd.read_csv(f, sep="\t", dtype=str, keep_default_na=False)
        if "sample_id" in t.columns:
            parts = [t[t["sample_id"].isin(set(genotyped))]]
            for new_id, source, alleles in copies:
                c = t[t["sample_id"] == source].copy()
                c["sample_id"] = new_id
                for locus, (a1, a2) in (alleles.items() if "locus" in c.columns else ()):
                    m = (c["locus"] == locus) & (c["allele1"] != "NA")
                    c.loc[m, ["allele1", "allele2"]] = [a1, a2]
                parts.append(c)
            t = pd.concat(parts, ignore_index=True)
        t.to_csv(d / "consensus" / f.name, sep="\t", index=False)
    return d


def _links(out) -> pd.Series:
    si = pd.read_csv(out / "sample_individual.tsv", sep="\t", keep_default_na=False)
    si = si[si["individual_id"] != "NA"]
    return si.set_index("sample_id")["individual_id"]


def _kept_copy(out, dst):
    dst.write_bytes((out / "registry.tsv").read_bytes())
    return dst


@pytest.fixture(scope="module")
def year_runs(example, tmp_path_factory):
    """The first run (samples up to CUTOFF) and the next (all samples, with its registry)."""
    base = tmp_path_factory.mktemp("years")
    first = _run(base / "first", example, keep=example["sheet"]["date"] <= CUTOFF)
    reg1 = _kept_copy(first, base / "registry_2020.tsv")
    second = _run(base / "second", example, registry=reg1)
    return {"base": base, "first": first, "reg1": reg1, "second": second,
            "d": base / "second"}


def test_next_year_keeps_every_id(year_runs):
    first, second = year_runs["first"], year_runs["second"]
    reg1 = REGISTRY.read(year_runs["reg1"])
    reg2 = REGISTRY.read(second / "registry.tsv")
    l1, l2 = _links(first), _links(second)
    assert len(reg1) >= 20 and len(l1) >= 100
    # every sample of the first run keeps its animal's id
    common = l1.index.intersection(l2.index)
    assert len(common) >= 0.98 * len(l1)
    assert (l1[common] == l2[common]).all()
    # every registered animal is still in the registry, with its id, seen or not
    r2 = reg2.set_index("individual_id")
    assert set(reg1["individual_id"]) <= set(r2.index)
    seen = r2.loc[reg1["individual_id"], "status"]
    assert seen.isin(["seen", "not_seen"]).all() and (seen == "seen").mean() >= 0.9
    # new animals are numbered after the largest registered id
    n1 = reg1["individual_id"].str[3:].astype(int).max()
    new = r2[r2["status"] == "new"]
    assert len(new) > 0 and (new.index.str[3:].astype(int) > n1).all()
    ch = REGISTRY_CHANGES.read(second / "registry_changes.tsv")
    assert set(ch.loc[ch["change"] == "new", "individual_id"]) == set(new.index)
    assert not ch["change"].isin(["would_merge", "sample_moved"]).any()
    # first and last detection span both runs
    s2 = pd.read_csv(EXAMPLE / "samples.tsv", sep="\t").set_index("sample_id")["date"]
    for _, row in r2.iterrows():
        dates = s2[row["samples"].split(",")]
        assert row["first_seen"] == pd.Timestamp(dates.min())
        assert row["last_seen"] == pd.Timestamp(dates.max())


def test_registry_round_trip_is_stable(year_runs, tmp_path):
    """The second run's registry given back with the same inputs: the same registry, and no
    change but the recurring reports of animals the given registry already lists
    'not_seen' (not seen again; their defining samples still unassigned)."""
    reg2 = _kept_copy(year_runs["second"], tmp_path / "registry_2024.tsv")
    out = _identify(year_runs["d"], tmp_path / "again", reg2)
    a = REGISTRY.read(reg2).drop(columns="status")
    b = REGISTRY.read(out / "registry.tsv")
    assert set(b["status"]) <= {"seen", "not_seen"}
    pd.testing.assert_frame_equal(a, b.drop(columns="status"))
    ch = REGISTRY_CHANGES.read(out / "registry_changes.tsv")
    assert set(ch["change"]) <= {"not_seen", "sample_unassigned"}
    was_not_seen = set(REGISTRY.read(reg2).query("status == 'not_seen'")["individual_id"])
    assert set(ch["individual_id"]) <= was_not_seen


def test_user_columns_are_carried_over(year_runs, tmp_path):
    reg = pd.read_csv(year_runs["reg1"], sep="\t", dtype=str, keep_default_na=False)
    reg.loc[0, "name"] = "Kedrovaya"
    reg.loc[0, "camera_trap_id"] = "CT-07"
    reg.loc[1, "notes"] = "vet: FIV negative 2020"
    path = tmp_path / "registry.tsv"
    reg.to_csv(path, sep="\t", index=False)
    out = _identify(year_runs["d"], tmp_path / "o", path)
    r = REGISTRY.read(out / "registry.tsv").set_index("individual_id")
    assert r.loc[reg.loc[0, "individual_id"], "name"] == "Kedrovaya"
    assert r.loc[reg.loc[0, "individual_id"], "camera_trap_id"] == "CT-07"
    assert r.loc[reg.loc[1, "individual_id"], "notes"] == "vet: FIV negative 2020"


def test_this_years_genotypes_only_match_by_genotype(example, year_runs, tmp_path):
    """The second year genotyped only its new samples (the sheet keeps them all): animals
    registered last year are found by genotype and keep their ids."""
    sheet = example["sheet"]
    new = sheet.loc[sheet["date"] > CUTOFF, "sample_id"]
    d = _derive(tmp_path / "new_only", year_runs["d"], sheet, new)
    out = _identify(d, d / "identify", year_runs["reg1"])
    ch = REGISTRY_CHANGES.read(out / "registry_changes.tsv")
    assert (ch["change"] == "matched_by_genotype").sum() >= 10
    full = _links(year_runs["second"])
    got = _links(out)
    # every new sample of a registered animal, assigned both ways, has the same id
    reg_ids = set(REGISTRY.read(year_runs["reg1"])["individual_id"])
    both = got.index.intersection(full.index)
    old = both[full[both].isin(reg_ids).to_numpy()]
    assert len(old) >= 40
    assert (got[old] == full[old]).mean() >= 0.97
    assert not ch["change"].isin(["would_merge"]).any()


def test_an_older_scat_changes_no_id(example, year_runs, tmp_path):
    reg2 = _kept_copy(year_runs["second"], tmp_path / "registry.tsv")
    before = _links(year_runs["second"])
    # the scat of an animal with several samples, copied with a date before all others, and
    # a scat of an animal never seen (alleles no animal has), older still
    src = before[before == before.value_counts().index[0]].index[0]
    sheet = example["sheet"]
    rows = sheet[sheet["sample_id"] == src].copy()
    rows = pd.concat([rows, rows], ignore_index=True)
    rows["sample_id"], rows["date"] = ["SC9000", "SC9001"], ["2016-06-01", "2016-05-01"]
    loci = sorted(set(example["genotypes"]["locus"]) - {"AMEL"})[:10]
    d = _derive(tmp_path / "older", year_runs["d"], pd.concat([sheet, rows], ignore_index=True),
                sheet["sample_id"], [("SC9000", src, {}),
                                     ("SC9001", src, {x: ("300", "302") for x in loci})])
    out = _identify(d, d / "identify", reg2)
    after = _links(out)
    assert (after[before.index] == before).all()
    assert after["SC9000"] == before[src]
    n_max = REGISTRY.read(reg2)["individual_id"].str[3:].astype(int).max()
    assert after["SC9001"] == f"LEO{n_max + 1:03d}"  # a new animal: after the largest
    ch = REGISTRY_CHANGES.read(out / "registry_changes.tsv")
    assert list(ch.loc[ch["change"] == "new", "individual_id"]) == [after["SC9001"]]
    r = REGISTRY.read(out / "registry.tsv").set_index("individual_id")
    assert r.loc[before[src], "first_seen"] == pd.Timestamp("2016-06-01")
    # without a registry the same older scats renumber animals: why a registry is kept
    plain = _links(_identify(d, tmp_path / "older_noreg"))
    assert (plain[before.index] != before).any()


def test_would_merge_is_reported_not_merged(year_runs, tmp_path):
    """Last year's registry split an animal in two (LEOa with half its samples, LEOb with
    the rest); this run groups them: reported, both ids kept."""
    reg = pd.read_csv(year_runs["reg1"], sep="\t", dtype=str, keep_default_na=False)
    k = int(np.flatnonzero(reg["n_samples"].astype(int).to_numpy() >= 4)[0])
    ss = reg.loc[k, "samples"].split(",")
    keep, split = ss[: len(ss) - len(ss) // 2], ss[len(ss) - len(ss) // 2:]
    n_max = reg["individual_id"].str[3:].astype(int).max()
    twin = reg.loc[[k]].copy()
    twin["individual_id"] = f"LEO{n_max + 5:03d}"
    twin["samples"], twin["n_samples"] = ",".join(split), str(len(split))
    twin["name"] = "split last year"
    reg.loc[k, "samples"], reg.loc[k, "n_samples"] = ",".join(keep), str(len(keep))
    path = tmp_path / "registry.tsv"
    pd.concat([reg, twin], ignore_index=True).to_csv(path, sep="\t", index=False)
    d = year_runs["d"]
    out = _identify(d, tmp_path / "o", path)
    a, b = reg.loc[k, "individual_id"], twin["individual_id"].iloc[0]
    ch = REGISTRY_CHANGES.read(out / "registry_changes.tsv")
    m = ch[ch["change"] == "would_merge"]
    assert len(m) == 1
    assert (m["individual_id"].iloc[0], m["other_individual_id"].iloc[0]) == (a, b)
    assert m["sample_ids"].iloc[0] == ",".join(sorted(split))
    links = _links(out)
    assert (links[ss] == a).all() and b not in set(links)
    r = REGISTRY.read(out / "registry.tsv").set_index("individual_id")
    assert r.loc[b, "status"] == "would_merge" and r.loc[b, "samples"] == ",".join(split)
    assert r.loc[b, "name"] == "split last year"
    # new ids are numbered after the twin's (the largest registered number)
    new = r[r["status"] == "new"].index.str[3:].astype(int)
    assert (new > n_max + 5).all()
    # given back, the registry reads (no sample in two animals) and reports it again
    reg2 = _kept_copy(out, tmp_path / "registry2.tsv")
    again = _identify(d, tmp_path / "again", reg2)
    ch2 = REGISTRY_CHANGES.read(again / "registry_changes.tsv")
    assert ch2.loc[ch2["change"] == "would_merge", "other_individual_id"].tolist() == [b]
    # the user accepts the merge: the twin retired, its number never given again
    ret = _edit(reg2, tmp_path / "registry3.tsv",
                lambda x: x.assign(status=np.where(x["individual_id"] == b, "retired",
                                                   x["status"])))
    final = _identify(d, tmp_path / "final", ret)
    ch3 = REGISTRY_CHANGES.read(final / "registry_changes.tsv")
    assert not (ch3["change"] == "would_merge").any()
    r3 = REGISTRY.read(final / "registry.tsv").set_index("individual_id")
    assert r3.loc[b, "status"] == "retired" and r3.loc[b, "samples"] == ",".join(split)
    assert set(ss) <= set(r3.loc[a, "samples"].split(","))
    assert (r3[r3["status"] == "new"].index.str[3:].astype(int) > n_max + 5).all()


def test_same_inputs_same_bytes(year_runs, tmp_path):
    outs = [_identify(year_runs["d"], tmp_path / f"o{k}", year_runs["reg1"]) for k in range(2)]
    for name in ("registry.tsv", "registry_changes.tsv", "sample_individual.tsv",
                 "individuals.tsv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert (outs[0] / "registry.tsv").read_bytes() != year_runs["reg1"].read_bytes()


@pytest.fixture(scope="module")
def plain_out(year_runs, tmp_path_factory):
    """Outputs of a run without registry, copied by each bad-input test."""
    return _identify(year_runs["d"], tmp_path_factory.mktemp("plain") / "identify")


# --------------------------------------------------------------------- bad input
def _edit(src, dst, fn):
    reg = pd.read_csv(src, sep="\t", dtype=str, keep_default_na=False)
    reg = fn(reg)
    reg.to_csv(dst, sep="\t", index=False)
    return dst


def _shift(col):
    def fn(reg):
        a = reg[col].str.split("/", expand=True)
        ok = reg[col] != "NA"
        reg.loc[ok, col] = ((a[0][ok].astype(int) + 1).astype(str) + "/"
                            + (a[1][ok].astype(int) + 1).astype(str))
        return reg
    return fn


def _dup(reg):
    reg = pd.concat([reg, reg.iloc[[2]]], ignore_index=True)
    reg.loc[len(reg) - 1, "samples"] = "SC0277"
    return reg


def _unknown_sample(reg):
    reg.loc[3, "samples"] = reg.loc[3, "samples"] + ",SC7777"
    return reg


def _bad_cell(reg):
    reg.loc[4, "FCA043"] = "176-182"
    return reg


def _twice(reg):
    reg.loc[5, "samples"] = reg.loc[5, "samples"] + "," + reg.loc[6, "samples"].split(",")[0]
    return reg


@pytest.mark.parametrize("fn, line, column, msg", [
    (lambda r: r.drop(columns="FCA008"), 1, "FCA008", "has no column for locus FCA008"),
    (lambda r: r.assign(FCA999="NA"), 1, "FCA999", "is not a locus of the genotypes"),
    (_shift("FCA023"), None, "FCA023", "registry and genotypes must use the same allele"),
    (_dup, None, "individual_id", "is listed twice"),
    (_unknown_sample, 5, "samples", "sample 'SC7777' of"),
    (_bad_cell, 6, "FCA043", "genotype '176-182' is not allele1/allele2"),
    (_twice, 8, "samples", "defines LEO007 and also LEO006 (line 7)"),
    (lambda r: r.assign(individual_id=r["individual_id"].str.replace("LEO", "L")), 2,
     "individual_id", "is not the id prefix 'LEO' followed by a number"),
    (lambda r: r.assign(status="gone"), 2, "status", "is not one of"),
    (lambda r: r.assign(first_seen="13/05/2019"), 2, "first_seen", "is not a date"),
])
def test_bad_registry(year_runs, plain_out, tmp_path, capsys, fn, line, column, msg):
    d = year_runs["d"]
    out = tmp_path / "o"
    shutil.copytree(plain_out, out)
    base = ["identify", "--consensus", str(d / "consensus" / "consensus.tsv"), "--samples",
            str(d / "samples.tsv"), "--out-dir", str(out)]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = _edit(year_runs["reg1"], tmp_path / "bad_registry.tsv", fn)
    text = bad.read_bytes()
    capsys.readouterr()
    assert main(base + ["--registry", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) <= 2
    assert str(bad) in err and msg in err, err
    assert column in err, err
    if line is not None:
        assert f"line {line}:" in err, err
    else:
        assert "line " in err, err
    # nothing overwritten, the registry untouched
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert bad.read_bytes() == text


def test_registry_must_not_be_this_runs_output(year_runs, plain_out, tmp_path, capsys):
    d = year_runs["d"]
    out = tmp_path / "o"
    shutil.copytree(plain_out, out)
    base = ["identify", "--consensus", str(d / "consensus" / "consensus.tsv"), "--samples",
            str(d / "samples.tsv"), "--out-dir", str(out)]
    before = (out / "registry.tsv").read_bytes()
    assert main(base + ["--registry", str(out / "registry.tsv")]) == 2
    assert "is the registry this run writes" in capsys.readouterr().err
    assert (out / "registry.tsv").read_bytes() == before


@pytest.mark.slow
def test_workflow_carries_the_registry(tmp_path):
    """The workflow on the bundled example, then again with config identify.registry set to
    a copy of the first run's registry: identify reruns, every id is kept, nothing changes."""
    import subprocess
    import sys

    from helpers import REPO

    work = tmp_path / "wf"
    work.mkdir()
    shutil.copy(REPO / "Snakefile", work / "Snakefile")
    shutil.copytree(REPO / "workflow", work / "workflow")
    shutil.copytree(REPO / "config", work / "config")
    target = "results/identify/registry.tsv"

    def snakemake(*args):
        proc = subprocess.run([sys.executable, "-m", "snakemake", target, "--cores", "2",
                               *args], cwd=work, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout + proc.stderr

    snakemake()
    res = work / "results" / "identify"
    before = _links(res)
    (work / "registry").mkdir()
    kept = _kept_copy(res, work / "registry" / "registry_2024.tsv")
    cfg = (work / "config" / "config.yaml").read_text()
    assert "  # registry: " in cfg
    cfg = cfg.replace("  # registry: registry/registry_2024.tsv",
                      "  registry: registry/registry_2024.tsv")
    (work / "registry" / "config.yaml").write_text(cfg)
    log = snakemake("--configfile", "registry/config.yaml", "--printshellcmds")
    assert "rule identify:" in log and "--registry registry/registry_2024.tsv" in log
    assert (_links(res) == before).all()
    assert len(REGISTRY_CHANGES.read(res / "registry_changes.tsv")) == 0
    a = REGISTRY.read(kept).drop(columns="status")
    b = REGISTRY.read(res / "registry.tsv")
    assert set(b["status"]) == {"seen"}
    pd.testing.assert_frame_equal(a, b.drop(columns="status"))
