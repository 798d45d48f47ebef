"""`leogen health` end to end: tables, vet pages, escaping, sensitive locations, Chromium."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.health import report as hr

EVIL = "<script>document.title='pwned'</script>"


def write_fixture(d: Path, n_animals: int = 12, evil: bool = True):
    """Small input set with the stage-output columns of the data contract.

    Animal k: CDV VNT in 2019 (1:64 if k%4==0 else <1:8) and 2022 (1:128 if k%4 in (0,1) else
    1:4), so k%4==1 seroconverts; FPV HI in 2019 positive if k%3==0. Animal index 2 has a CDV
    PCR positive (tested by individual id only). One scat sample is unassigned. The last
    animal's id is a script tag.
    """
    d.mkdir(parents=True, exist_ok=True)
    ids = [f"A{k:02d}" for k in range(1, n_animals + 1)]
    if evil:
        ids[-1] = EVIL
    samples = ["sample_id\tsample_type\tdate\tsite\tlat\tlon\tindividual_hint\tsex\tage_class"]
    si = ["sample_id\tindividual_id\tn_loci_compared\tn_mismatches\tstatus"]
    ind = ["individual_id\tn_samples\tsample_types\tsex\tfirst_seen\tlast_seen"]
    scr = ["sample_id\tindividual_id\tdate\tpathogen\tassay\tresult\ttiter\tsensitivity\t"
           "specificity\tlab\tcutoff"]
    coords = []
    for k, iid in enumerate(ids):
        sex = "M" if k % 2 else "F"
        lat = 43.100123 + 0.0731 * k + 0.000017 * k
        lon = 131.200457 + 0.0517 * k + 0.000023 * k
        coords += [(round(lat, 6), round(lon, 6)), (round(lat + 0.01, 6), round(lon, 6))]
        s1, s2 = f"S{k:02d}a", f"S{k:02d}b"
        m = 1 + k % 9
        samples.append(f"{s1}\tblood\t2019-0{m}-15\tsite{k % 3}\t{lat:.6f}\t{lon:.6f}\t"
                       f"collar{k}\t{sex}\tadult")
        samples.append(f"{s2}\tblood\t2022-0{m}-10\tsite{k % 3}\t{lat + 0.01:.6f}\t{lon:.6f}\t\t"
                       f"{sex}\tadult")
        si += [f"{s1}\t{iid}\t14\t0\tmatched", f"{s2}\t{iid}\t14\t0\tmatched"]
        ind.append(f"{iid}\t2\tblood\t{sex}\t2019-0{m}-15\t2022-0{m}-10")
        t1 = "1:64" if k % 4 == 0 else "<1:8"
        t2 = "1:128" if k % 4 in (0, 1) else "1:4"
        r1 = "positive" if k % 4 == 0 else "negative"
        r2 = "positive" if k % 4 in (0, 1) else "negative"
        scr.append(f"{s1}\t\t2019-0{m}-20\tCDV\tvnt\t{r1}\t{t1}\t0.9\t0.95\tlabA\t")
        scr.append(f"{s2}\t\t2022-0{m}-12\tCDV\tvnt\t{r2}\t{t2}\t0.9\t0.95\tlabA\t")
        fpv = "positive" if k % 3 == 0 else "negative"
        scr.append(f"{s1}\t\t2019-0{m}-20\tFPV\thi\t{fpv}\t1:{40 if fpv == 'positive' else 10}"
                   "\t\t\tlabB\t")
    scr.append(f"\t{ids[2]}\t2020-05-05\tCDV\tpcr\tpositive\t\t0.9\t0.95\tlabA\t")
    scr.append("S99x\t\t2020-05-05\tFPV\thi\tnegative\t\t\t\tlabB\t")
    samples.append("S99x\tscat\t2020-05-01\tsite9\t43.555555\t131.777777\t\tU\t")
    coords.append((43.555555, 131.777777))
    si.append("S99x\tNA\t5\tNA\tunassigned")
    inb = ["individual_id\tn_loci\tsmlh\tir\thl\tf_ritland"]
    for k, iid in enumerate(ids):
        inb.append(f"{iid}\t14\t{0.6 + 0.07 * k:.4f}\t{0.2 - 0.02 * k:.4f}\t0.4\t"
                   f"{0.25 - 0.02 * k:.4f}")
    # ml is NA throughout: the page falls back to the next estimator (wang)
    pairs = ["id1\tid2\tn_loci\tqg\tlr\tritland\twang\tli\tml\trelationship\tloglik_po\t"
             "loglik_fs\tloglik_hs\tloglik_u"]
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            r = 0.5 if b == a + 1 else 0.01 * ((a + b) % 5)
            rel = "FS" if r == 0.5 else "U"
            ll = "-30\t-20\t-25\t-28" if r == 0.5 else "-40\t-35\t-31\t-30"
            pairs.append(f"{ids[a]}\t{ids[b]}\t14\t{r}\t{r}\t{r}\t{r}\t{r}\tNA\t{rel}\t{ll}")
    files = {"samples.tsv": samples, "sample_individual.tsv": si, "individuals.tsv": ind,
             "screening.tsv": scr, "inbreeding.tsv": inb, "pairs.tsv": pairs,
             "g2.tsv": ["g2\tg2_se\tg2_lo\tg2_hi\tp_value\tn_individuals\tn_loci\t"
                        "n_bootstraps\tn_permutations\tr2_hf\tvar_smlh",
                        f"0.01\t0.01\t-0.01\t0.03\t0.2\t{n_animals}\t14\t100\t100\t0.1\t0.05"]}
    for name, lines in files.items():
        (d / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "cutoffs.yaml").write_text(
        "cutoffs:\n  CDV:\n    vnt: {cutoff: '1:16', source: 'test SOP'}\n", encoding="utf-8")
    return ids, coords


def _args(d: Path, out: Path, *extra, full=True):
    args = ["health", "--screening", str(d / "screening.tsv"), "--samples", str(d / "samples.tsv"),
            "--sample-individual", str(d / "sample_individual.tsv"),
            "--individuals", str(d / "individuals.tsv"), "--out-dir", str(out),
            "--power-sims", "100"]
    if full:
        args += ["--inbreeding", str(d / "inbreeding.tsv"), "--g2", str(d / "g2.tsv"),
                 "--pairs", str(d / "pairs.tsv"), "--cutoffs", str(d / "cutoffs.yaml")]
    return args + list(extra)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("health_in")
    ids, coords = write_fixture(d)
    out = tmp_path_factory.mktemp("health_out")
    assert main(_args(d, out)) == 0
    return d, out, ids, coords


def _read(path):
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def _animal_page(out: Path, iid: str) -> Path:
    return out / "animals" / hr.safe_filename(iid)


# --------------------------------------------------------------------------- tables
def test_outputs_exist(run):
    _, out, ids, _ = run
    for name in ("status.tsv", "prevalence.tsv", "hfc.tsv", "wdds.tsv", "population.html",
                 "animals.csv"):
        assert (out / name).is_file(), name
    pages = sorted(p.name for p in (out / "animals").iterdir())
    assert pages == sorted(hr.safe_filename(i) for i in ids)


def test_status_is_per_animal_and_pathogen(run):
    _, out, ids, _ = run
    st = _read(out / "status.tsv")
    assert len(st) == 2 * len(ids)                  # CDV and FPV for every animal
    a02 = st[(st["individual_id"] == "A02") & (st["pathogen"] == "CDV")].iloc[0]
    assert a02["seroconversion"] and a02["seroconversion_date"] == "2022-02-12"
    assert (a02["n_tests"], a02["n_samples"]) == (2, 2)
    a03 = st[(st["individual_id"] == "A03") & (st["pathogen"] == "CDV")].iloc[0]
    assert a03["n_tests"] == 3 and a03["ever_positive"] and a03["latest_result"] == "negative"


def test_prevalence_counts_animals_not_samples(run):
    _, out, ids, _ = run
    pr = _read(out / "prevalence.tsv")
    cdv = pr[(pr["pathogen"] == "CDV") & (pr["stratum"] == "overall")].iloc[0]
    # 24 CDV VNT tests + 1 PCR on 12 animals: N is 12 animals
    # positive: k%4 in (0,1) -> 6 animals, plus animal index 2 (PCR) -> 7
    assert (cdv["n_animals"], cdv["n_positive"]) == (12, 7)
    y2022 = pr[(pr["pathogen"] == "CDV") & (pr["stratum"] == "year") & (pr["level"] == "2022")]
    assert (y2022["n_animals"].iloc[0], y2022["n_positive"].iloc[0]) == (12, 6)
    fpv = pr[(pr["pathogen"] == "FPV") & (pr["stratum"] == "overall")].iloc[0]
    assert (fpv["n_animals"], fpv["n_positive"]) == (12, 4)     # unlinked scat not counted
    assert set(pr["stratum"]) == {"overall", "year", "sex", "age_class", "site"}
    # CDV tests all carry Se 0.9 / Sp 0.95: true prevalence reported with its source
    assert cdv["sensitivity"] == 0.9 and "screening table" in cdv["se_sp_source"]
    assert cdv["true_prev"] == pytest.approx((7 / 12 + 0.95 - 1) / 0.85, rel=1e-5)
    assert np.isnan(fpv["true_prev"])


def test_hfc_table(run):
    _, out, _, _ = run
    h = _read(out / "hfc.tsv")
    assert set(h["pathogen"]) == {"CDV", "FPV"} and set(h["predictor"]) == {"smlh"}
    assert (h["method"] == "firth").all()            # 12 animals: few events per parameter
    assert (h["g2"] == 0.01).all() and (h["g2_p"] == 0.2).all()
    assert h["caveat"].str.contains("Low power").all()
    assert h["caveat"].str.contains("Chapman et al. 2009").all()


def test_wdds_export(run):
    _, out, _, _ = run
    w = _read(out / "wdds.tsv")
    required = ["sampleID", "latitude", "longitude", "sampleCollectionMethod",
                "hostIdentification", "detectionTarget", "detectionMethod", "detectionOutcome",
                "parasiteIdentification"]
    assert all(c in w.columns for c in required)
    assert len(w) == 38                                   # every test, negatives included
    assert set(w["detectionOutcome"]) <= {"positive", "negative", "inconclusive"}
    assert (w["detectionOutcome"] == "negative").sum() > 0
    assert w["dataGeneralizations"].str.contains("10 km").all()
    pcr = w[w["detectionMethod"] == "pcr"].iloc[0]
    assert pcr["sampleID"] == "A03_2020-05-05" and pcr["animalID"] == "A03"


def test_animals_csv_and_xlsx(run, tmp_path):
    _, out, ids, _ = run
    t = pd.read_csv(out / "animals.csv", keep_default_na=False)
    assert set(t["individual_id"]) == set(ids) and len(t) == len(ids)   # one row per animal
    assert {"level", "top_alert", "CDV_level", "CDV_last_test", "FPV_latest"} <= set(t.columns)
    x = pd.read_excel(out / "animals.xlsx", sheet_name="animals", keep_default_na=False)
    assert list(x.columns) == list(t.columns)
    assert x["individual_id"].astype(str).tolist() == t["individual_id"].astype(str).tolist()
    # fixed timestamps: writing the same table twice gives the same bytes
    hr.write_xlsx(t, tmp_path / "a.xlsx")
    hr.write_xlsx(t, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_spreadsheet_formula_injection_is_defused():
    from leogen.health import workbook

    df = pd.DataFrame({"individual_id": ["=HYPERLINK(1)", "A1", "+1", "@x", "", "-2"]})
    got = workbook.defuse_frame(df)["individual_id"].tolist()
    assert got == ["'=HYPERLINK(1)", "A1", "'+1", "'@x", "", "'-2"]   # empty stays empty


def test_stdout_names_se_sp_and_generalisation(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d, evil=False)
    assert main(_args(d, tmp_path / "o")) == 0
    text = capsys.readouterr().out
    assert "CDV: Se = 0.9, Sp = 0.95 (source: screening table (pcr,vnt))" in text
    assert "FPV: Se/Sp none given" in text
    assert "generalised to the centre of a 10 km x 10 km grid cell" in text


def test_deterministic(tmp_path):
    d = tmp_path / "in"
    write_fixture(d)
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(_args(d, a)) == 0 and main(_args(d, b)) == 0
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


# --------------------------------------------------------------------------- pages
def test_animal_page_content(run):
    _, out, _, _ = run
    html = _animal_page(out, "A02").read_text()
    assert "positive after a negative result (same assay and cut-off) on 2022-02-12" in html
    assert 'id="identity"' in html and "collar1" in html
    assert "1:16" in html and "config: test SOP" in html      # cut-off and its source
    assert "full siblings" in html and ">A01<" in html and ">A03<" in html   # relatives
    assert 'data-kind="overdue"' not in html      # detected < 3 years after its last test
    a03 = _animal_page(out, "A03").read_text()
    assert "CDV: agent detected by pcr on 2020-05-05; active infection: notify" in a03
    pop = (out / "population.html").read_text()
    assert pop.count("data:image/png;base64,") >= 3
    assert 'id="prevalence"' in pop and 'id="hfc"' in pop and 'id="tests-over-time"' in pop
    assert "Se = 0.9, Sp = 0.95" in pop
    # the animals first, the statistical detail below a fold
    assert pop.index('id="animals"') < pop.index('id="prevalence-overall"') < pop.index(
        "<details") < pop.index('id="prevalence"')
    assert "Statuses combine several assays for:\nCDV (pcr, vnt)." in pop


def test_birth_year_from_the_pedigree(tmp_path):
    # pedigree/pedigree.tsv's estimates on the page and in the animal table: a one-year
    # interval as the year, a wider one as "about" the median with it; none without the table
    from leogen.pedigree.outputs import PEDIGREE

    d = tmp_path / "in"
    ids, _ = write_fixture(d, n_animals=4, evil=False)
    n = len(ids) + 1  # and a dummy parent, which has no page
    years = {"birth_year_lo": [2012, 2015, pd.NA, 2010, pd.NA],
             "birth_year_hi": [2016, 2015, pd.NA, 2010, pd.NA],
             "birth_year_estimate": [2014, 2015, pd.NA, 2010, pd.NA],
             "birth_year_80_lo": [2013, 2015, pd.NA, 2010, pd.NA],
             "birth_year_80_hi": [2015, 2015, pd.NA, 2010, pd.NA]}
    ped = pd.DataFrame({
        "individual_id": ids + ["*F001"], "sampled": [True] * len(ids) + [False],
        "sex": ["F", "M", "F", "M", "F"],
        **{c: pd.array(v, dtype="Int64") for c, v in years.items()},
        "birth_year_80_probability": [0.85, 1.0, np.nan, 1.0, np.nan],
        "sire": [None] * n, "sire_probability": np.full(n, np.nan),
        "sire_dummy": pd.array([False] * len(ids) + [pd.NA], dtype="boolean"),
        "sire_unsampled_probability": np.full(n, 0.5),
        "dam": [None] * n, "dam_probability": np.full(n, np.nan),
        "dam_dummy": pd.array([False] * len(ids) + [pd.NA], dtype="boolean"),
        "dam_unsampled_probability": np.full(n, 0.5)})
    PEDIGREE.write(ped, d / "pedigree.tsv")
    out = tmp_path / "out"
    assert main(_args(d, out, "--pedigree", str(d / "pedigree.tsv"))) == 0
    page = _animal_page(out, ids[0]).read_text()
    assert "Born (pedigree estimate)" in page and ">about 2014 (2013-2015, 80%)<" in page
    table = pd.read_csv(out / "animals.csv", keep_default_na=False).set_index("individual_id")
    assert table.loc[ids, "birth_year"].tolist() == [
        "about 2014 (2013-2015, 80%)", "2015", "", "2010"]
    assert "Born (pedigree estimate)" not in _animal_page(out, ids[2]).read_text()
    bare = tmp_path / "bare"
    assert main(_args(d, bare)) == 0
    assert "Born (pedigree estimate)" not in _animal_page(bare, ids[0]).read_text()


def test_pedigree_inbreeding_from_the_pedigree(tmp_path):
    # pedigree/inbreeding.tsv's expected F on the page, beside the mating it is like and the
    # parents assigned, and as a number in the animal table; nothing without the table
    from leogen.pedigree.outputs import INBREEDING

    d = tmp_path / "in"
    ids, _ = write_fixture(d, n_animals=4, evil=False)
    INBREEDING.write(pd.DataFrame({
        "individual_id": ids, "f_pedigree": [0.125, 0.0, 0.0, 0.25],
        "f_pedigree_expected": [0.13, 0.03, 0.0, 0.22], "n_parents": [2, 1, 0, 2],
        "n_ancestor_generations": [2, 1, 0, 3]}), d / "inbreeding_pedigree.tsv")
    out = tmp_path / "out"
    assert main(_args(d, out, "--pedigree-inbreeding", str(d / "inbreeding_pedigree.tsv"))) == 0
    pages = [_animal_page(out, i).read_text() for i in ids]
    assert "Inbreeding (pedigree F)" in pages[0]
    assert ">0.13, about that of a half-sib mating (0.125); both parents assigned<" in pages[0]
    assert ("0.03, less than that of a first-cousin mating (0.0625); one parent assigned, the "
            "other expected over the possible parents") in pages[1]
    assert ">0, less than that of a first-cousin mating (0.0625); no parent assigned" in pages[2]
    assert "0.22, about that of a full-sib or parent-offspring mating (0.25)" in pages[3]
    table = pd.read_csv(out / "animals.csv").set_index("individual_id")
    assert table.loc[ids, "f_pedigree_expected"].tolist() == [0.13, 0.03, 0.0, 0.22]
    bare = tmp_path / "bare"
    assert main(_args(d, bare)) == 0
    assert "Inbreeding (pedigree F)" not in _animal_page(bare, ids[0]).read_text()
    assert pd.read_csv(bare / "animals.csv")["f_pedigree_expected"].isna().all()


def test_every_page_states_the_generalisation(run):
    _, out, _, _ = run
    for page in [out / "population.html", *(out / "animals").iterdir()]:
        text = page.read_text()
        assert "generalised to the centre of a 10 km x 10 km grid cell" in text, page


def _coordinate_strings(coords):
    out = set()
    for lat, lon in coords:
        for v in (lat, lon):
            for p in (6, 5, 4, 3):
                out.add(f"{v:.{p}f}")
                out.add(f"{v:.{p}f}".rstrip("0"))
            out.add(f"{v:.6g}")
            out.add(repr(v))
    # only strings that locate a point to ~100 m or better (3+ decimals) reveal it
    return {s.encode() for s in out if "." in s and len(s.split(".")[1]) >= 3}


def test_exact_coordinates_never_appear_in_any_output(run):
    _, out, _, coords = run
    needles = _coordinate_strings(coords)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 10
    for f in files:
        data = f.read_bytes()
        leaked = [n.decode() for n in needles if n in data]
        assert not leaked, f"{f.name} reveals {leaked[:5]}"


def test_exact_locations_flag_does_show_them(tmp_path):
    """Control for the test above: with --exact-locations the search does find them."""
    d = tmp_path / "in"
    _, coords = write_fixture(d)
    out = tmp_path / "o"
    assert main(_args(d, out, "--exact-locations")) == 0
    page = _animal_page(out, "A01").read_bytes()
    assert f"{coords[0][0]:.6f}".encode() in page
    assert b"Exact coordinates shown" in page


def test_ids_are_escaped(run):
    _, out, _, _ = run
    for page in [*(out / "animals").iterdir(), out / "animals_print.html"]:
        text = page.read_text()
        assert "<script" not in text.lower(), page
    pop = (out / "population.html").read_text()
    assert pop.lower().count("<script") == 1         # only the sorting script, allowed by hash
    assert hr.script_hash(hr.SORT_SCRIPT) in pop and "script-src 'unsafe-inline'" not in pop
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in pop
    evil = _animal_page(out, EVIL).read_text()
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in evil


@pytest.mark.parametrize("ident", [EVIL, "../../etc/passwd", "a/b\\c", "CON", "", ".hidden",
                                   "Леопард-1", "x" * 300, "A01"])
def test_safe_filename(ident):
    name = hr.safe_filename(ident)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.html", name), name
    assert "/" not in name and "\\" not in name and len(name) < 110
    assert name.split(".")[0].upper() != "CON"
    if ident == "A01":
        assert name == "A01.html"


def test_safe_filenames_stay_unique():
    ids = ["a/b", "a_b", "a?b", "a b"]
    assert len({hr.safe_filename(i) for i in ids}) == len(ids)


def test_templates_autoescape_on():
    env = hr.environment()
    assert env.autoescape is True
    html = hr.render_animal(
        {"id": "<b>x</b>", "file": "x.html", "sex": "M", "sex_source": "genetic",
         "age_class": "", "birth_year": "", "pedigree_f": "", "aliases": "<i>", "first_seen": "", "last_seen": "",
         "last_detection": "", "n_samples": 0, "samples": [], "genetics": None,
         "relatives": [], "relatives_note": "", "history": [], "status": [], "level": "clear",
         "alerts": [{"rank": 1, "level": "urgent", "kind": "k", "pathogen": "", "date": "",
                     "text": "<img src=x onerror=alert(1)>"}]},
        {"generalization": "g", "untested_years": 3, "exact": False, "grid_km": 10,
         "stamp": hr.DEFAULT_STAMP, "relative_min_prob": 0.9})
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<img src=x" not in html


def _dump_dom(chromium: str, page: Path, tmp_path: Path) -> str:
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}",
           "--dump-dom", page.resolve().as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.mark.peer
def test_headless_chromium_renders_table_and_runs_no_script(run, peer, tmp_path):
    chromium = peer("chromium")
    _, out, _, _ = run
    # control: the harness does see a script that runs
    control = tmp_path / "control.html"
    control.write_text("<!DOCTYPE html><html><head><title>before</title></head><body>"
                       "<script>document.title='pwned'</script></body></html>")
    assert "<title>pwned</title>" in _dump_dom(chromium, control, tmp_path)
    dom = _dump_dom(chromium, _animal_page(out, EVIL), tmp_path)
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title == "Health summary: &lt;script&gt;document.title='pwned'&lt;/script&gt;"
    assert "pwned</title>" not in dom.replace("&lt;/script&gt;</title>", "")
    assert "<script" not in dom.lower()
    assert '<table id="identity">' in dom and '<table class="tests">' in dom
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;</td>" in dom


# --------------------------------------------------------------------------- bad input
def _cli_error(args, capsys):
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def test_error_unknown_sample(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    with open(d / "screening.tsv", "a") as fh:
        fh.write("NOPE\t\t2020-01-01\tCDV\tvnt\tnegative\t\t\t\t\t\n")
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "screening.tsv line 40" in err and "sample_id 'NOPE' is not in the sample sheet" in err


def test_error_pedigree_table_of_another_stage(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d, n_animals=4, evil=False)
    err = _cli_error(_args(d, tmp_path / "o", "--pedigree", str(d / "pairs.tsv")), capsys)
    assert "pairs.tsv line 1: missing column(s) individual_id, sampled" in err
    assert not (tmp_path / "o" / "animals.csv").exists()


def test_error_pedigree_inbreeding_table_of_another_stage(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d, n_animals=4, evil=False)
    err = _cli_error(_args(d, tmp_path / "o", "--pedigree-inbreeding", str(d / "pairs.tsv")),
                     capsys)
    assert "pairs.tsv line 1: missing column(s) individual_id, f_pedigree" in err
    assert not (tmp_path / "o" / "animals.csv").exists()


def test_error_contradicting_identity(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    with open(d / "screening.tsv", "a") as fh:
        fh.write("S00a\tA05\t2020-01-01\tCDV\tvnt\tnegative\t\t\t\t\t\n")
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "line 40" in err and "individual_id 'A05' contradicts the identification" in err


def test_error_bad_titre(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    with open(d / "screening.tsv", "a") as fh:
        fh.write("S00a\t\t2020-01-01\tCDV\tvnt\tnegative\thigh\t\t\t\t\n")
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "screening.tsv line 40" in err and "titer 'high'" in err


def test_error_bad_cutoff_file(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    (d / "cutoffs.yaml").write_text("CDV:\n  vnt: {cutoff: lots}\n")
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "cutoffs.yaml" in err and "CDV/vnt: cut-off 'lots' is not a titre" in err


def test_error_non_numeric_inbreeding(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    text = (d / "inbreeding.tsv").read_text().replace("\t14\t0.6000", "\t14\tabc", 1)
    (d / "inbreeding.tsv").write_text(text)
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "inbreeding.tsv line 2" in err and "column smlh: 'abc' is not a number" in err


def test_error_missing_column(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    (d / "sample_individual.tsv").write_text("sample_id\tanimal\nS00a\tA01\n")
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "sample_individual.tsv line 1" in err and "missing column(s) individual_id" in err


def test_error_duplicate_individual(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    with open(d / "individuals.tsv", "a") as fh:
        fh.write("A01\t2\tblood\tF\t2019-01-15\t2022-01-10\n")
    err = _cli_error(_args(d, tmp_path / "o"), capsys)
    assert "individuals.tsv line 14" in err and "individual_id 'A01' appears twice" in err


def test_error_bad_grid(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    with pytest.raises(SystemExit) as e:
        main(_args(d, tmp_path / "o", "--grid-km", "0"))
    assert e.value.code == 2
    assert "0 is not allowed; expected a number > 0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(_args(d, tmp_path / "o", "--grid-km", "0.5"))
    assert e.value.code == 2
    assert "finer than the 1 km floor" in capsys.readouterr().err


def test_without_genetics(tmp_path):
    d = tmp_path / "in"
    write_fixture(d, evil=False)
    out = tmp_path / "o"
    assert main(_args(d, out, full=False)) == 0
    assert not (out / "hfc.tsv").exists()
    pop = (out / "population.html").read_text()
    assert "heterozygosity-disease models not fitted" in pop
    st = _read(out / "status.tsv")
    # without the cut-off file the CDV titres keep the lab's call and are flagged
    assert st.loc[st["pathogen"] == "CDV", "missing_cutoff"].all()


def test_period_all_and_coarser_grid(tmp_path):
    d = tmp_path / "in"
    write_fixture(d, evil=False)
    out = tmp_path / "o"
    assert main(_args(d, out, "--period", "all", "--grid-km", "50")) == 0
    pr = _read(out / "prevalence.tsv")
    assert "year" not in set(pr["stratum"])
    w = _read(out / "wdds.tsv")
    assert w["dataGeneralizations"].str.contains("50 km x 50 km").all()
    lat = w["latitude"].dropna()
    assert (lat.round(2) == lat).all() and abs(lat.iloc[0] - 43.1) < 0.25   # 2 decimals


def test_pcr_history_is_not_called_seroconversion(tmp_path):
    """A negative-then-positive PCR series is a new detection of the agent, not serology."""
    d = tmp_path / "in"
    write_fixture(d, evil=False)
    with open(d / "screening.tsv", "a") as fh:
        fh.write("\tA03\t2020-01-10\tT_gondii\tpcr\tnegative\t\t\t\t\t\n"
                 "\tA03\t2021-01-10\tT_gondii\tpcr\tpositive\t\t\t\t\t\n")
    header = (d / "screening.tsv").read_text().splitlines()[0].split("\t")
    assert len(header) == 11, header  # the rows above match the fixture's columns
    out = tmp_path / "out"
    assert main(_args(d, out)) == 0
    page = _animal_page(out, "A03").read_text()
    assert "T_gondii: new detection (negative then positive, same assay)" in page
    assert "T_gondii: seroconversion" not in page
    assert "CDV: positive after a negative result" in _animal_page(out, "A02").read_text()


# ------------------------------------------------------------------ declared tables and readers
def test_tables_read_back_through_their_declarations(run):
    from leogen.health import outputs

    _, out, _, _ = run
    for table in outputs.TABLES:
        df = table.read(out / Path(table.path).name)
        assert len(df) and list(df.columns) == [*table.names, "_line"]
    status = outputs.STATUS.read(out / "status.tsv")
    assert status["ever_positive"].dtype == bool
    assert pd.api.types.is_datetime64_any_dtype(status["first_test"])


def test_yearly_prevalence_reader(run):
    from leogen.health import outputs

    _, out, _, _ = run
    yearly = outputs.read_yearly_prevalence(out / "prevalence.tsv")
    assert list(yearly.columns) == ["pathogen", "year", "n_animals", "n_positive", "apparent",
                                    "wilson_lo", "wilson_hi", "_line"]
    raw = _read(out / "prevalence.tsv")
    raw = raw[raw["stratum"] == "year"]
    assert yearly["year"].tolist() == raw["level"].astype(int).tolist()
    assert np.allclose(yearly["wilson_hi"], raw["wilson_hi"])


def test_damaged_health_table_names_file_line_and_column(run, tmp_path):
    from leogen.errors import InputError
    from leogen.health import outputs

    _, out, _, _ = run
    lines = (out / "prevalence.tsv").read_text().splitlines()
    year_row = next(k for k, ln in enumerate(lines) if ln.split("\t")[1] == "year")
    cells = lines[year_row].split("\t")
    cells[2] = "20x9"
    lines[year_row] = "\t".join(cells)
    bad = tmp_path / "prevalence.tsv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        outputs.read_yearly_prevalence(bad)
    assert e.value.line == year_row + 1 and e.value.column == "level"
    cells[2], cells[3] = "2019", "many"
    lines[year_row] = "\t".join(cells)
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        outputs.read_prevalence(bad)
    assert e.value.line == year_row + 1 and e.value.column == "n_animals"


def test_one_page_environment():
    import jinja2

    from leogen.report import html

    env = html.environment()
    assert env.autoescape is True and env.keep_trailing_newline
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    assert env.from_string("{{ x | fmt }} {{ d | date }}").render(
        x=0.123456, d=pd.Timestamp("2020-01-02")) == "0.123 2020-01-02"
    assert hr.environment is html.environment


def test_every_assigned_sample_links_its_tests(tmp_path):
    from leogen.errors import InputError
    from leogen.health.inputs import read_sample_links

    si = tmp_path / "sample_individual.tsv"
    si.write_text("sample_id\tindividual_id\tstatus\nS1\tA1\tmatched\nS2\tA2\tambiguous\n"
                  "S3\tNA\tno_consensus\n")
    links = read_sample_links(si)
    assert links["individual_id"].tolist() == ["A1", "A2", ""]
    si.write_text("sample_id\tindividual_id\tstatus\nS1\tA1\tmatched\nS1\tA2\tmatched\n")
    with pytest.raises(InputError, match="appears twice"):
        read_sample_links(si)


def test_inbreeding_with_empty_snp_columns(tmp_path):
    """SNP columns that are all NA (microsatellite-only runs) are read as NaN, not pd.NA."""
    d = tmp_path / "in"
    write_fixture(d, evil=False)
    lines = (d / "inbreeding.tsv").read_text().splitlines()
    lines[1] = lines[1].rsplit("\t", 1)[0] + "\tNA"  # one animal without F_Ritland
    lines = [lines[0] + "\tf_mom\tf_roh\tn_snps_called\tn_roh\tlength_roh"] + [
        ln + "\tNA\tNA\tNA\tNA\tNA" for ln in lines[1:]]
    (d / "inbreeding.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "o"
    assert main(_args(d, out)) == 0
    page = (out / "animals" / hr.safe_filename("A01")).read_text()
    assert "f_ritland" in page
