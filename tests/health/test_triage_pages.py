"""The vets' triage pages, print layout, workbook and location safeguards (issues 19, 23)."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from health.test_health_report import EVIL, _animal_page, _args, write_fixture

from leogen.cli import main
from leogen.health import triage

FORMULA = "=HYPERLINK(\"http://x\",\"y\")"


def _plant(d: Path):
    """A fourfold FPV rise for A05 (1:10 then 1:80, hi) and a late detection of A01
    (a scat in 2026, no test: its tests are overdue)."""
    with open(d / "screening.tsv", "a") as fh:
        fh.write("\tA05\t2021-06-01\tFPV\thi\tpositive\t1:80\t\t\tlabB\t\n")
    with open(d / "samples.tsv", "a") as fh:
        fh.write("S01z\tscat\t2026-03-01\tsite0\t43.1\t131.2\t\tF\tadult\n")
    with open(d / "sample_individual.tsv", "a") as fh:
        fh.write("S01z\tA01\t14\t0\tmatched\n")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("triage_in")
    ids, _ = write_fixture(d)
    _plant(d)
    out = tmp_path_factory.mktemp("triage_out")
    assert main(_args(d, out)) == 0
    return d, out, ids


def test_fourfold_rise_is_an_urgent_alert(planted):
    _, out, _ = planted
    rises = pd.read_csv(out / "titre_rises.tsv", sep="\t")
    a05 = rises[rises["individual_id"] == "A05"].iloc[0]
    assert (a05["pathogen"], a05["titer_1"], a05["titer_2"], a05["fold_rise"]) == (
        "FPV", "1:10", "1:80", 8)
    al = pd.read_csv(out / "alerts.tsv", sep="\t", keep_default_na=False)
    mine = al[al["individual_id"] == "A05"]
    assert mine["rank"].is_monotonic_increasing          # most severe first
    top = mine.iloc[0]
    assert (top["kind"], top["rank"], top["level"]) == ("fourfold_rise", 1, "urgent")
    tri = pd.read_csv(out / "triage.tsv", sep="\t")
    box = tri[(tri["individual_id"] == "A05") & (tri["pathogen"] == "FPV")].iloc[0]
    assert box["level"] == "urgent" and box["evidence"] == "fourfold titre rise"
    page = _animal_page(out, "A05").read_text()
    assert page.index('data-kind="fourfold_rise"') < page.index('data-kind="seroconversion"') \
        if 'data-kind="seroconversion"' in page else True


def test_overdue_counts_from_the_animals_own_last_detection(planted):
    _, out, _ = planted
    al = pd.read_csv(out / "alerts.tsv", sep="\t", keep_default_na=False)
    overdue = al[al["kind"] == "overdue"]
    # A01 was detected in 2026, 4 years after its 2022 CDV test; nobody else is overdue
    assert set(overdue["individual_id"]) == {"A01"} and set(overdue["pathogen"]) == {"CDV",
                                                                                     "FPV"}
    assert (overdue["rank"] == 2).all()
    # never tested is information, ranked below every real alert
    assert (al.loc[al["kind"] == "untested", "rank"] == 3).all()


def test_relatives_with_probabilities_above_the_threshold(planted, tmp_path):
    d, out, _ = planted
    page = _animal_page(out, "A02").read_text()
    rel = re.search(r'<table class="relatives">(.*?)</table>', page, re.S).group(1)
    assert rel.count("<tr>") == 3                      # header + A01 and A03 (FS, p = 0.99)
    assert "full siblings" in rel and "0.99" in rel
    assert "equally likely beforehand" in page
    out2 = tmp_path / "o"
    assert main(_args(d, out2, "--relative-min-prob", "0.999")) == 0
    assert '<table class="relatives">' not in _animal_page(out2, "A02").read_text()
    # equal-prior posterior by hand
    p = triage.relationship_posteriors(pd.DataFrame(
        {"loglik_po": [-30.0], "loglik_fs": [-20.0], "loglik_hs": [-25.0], "loglik_u": [-28.0]}))
    import math

    z = sum(math.exp(v + 20) for v in (-30, -20, -25, -28))
    assert p["p_fs"].iloc[0] == pytest.approx(1 / z) and p["best"].iloc[0] == "FS"


def test_every_page_is_stamped(planted):
    from leogen import __version__

    _, out, _ = planted
    for page in [out / "population.html", out / "animals_print.html",
                 *(out / "animals").iterdir()]:
        text = page.read_text()
        assert f"by leogen {__version__}" in text and "data set sha256:" in text, page
        assert re.search(r"Generated \d{4}-\d{2}-\d{2}", text), page
        assert "generalised to a 10 km grid" in text, page


# ------------------------------------------------------------------------------ Chromium
def _chromium(chromium, tmp_path, *args):
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.mark.peer
def test_chromium_status_box_coloured_per_legend(planted, peer, tmp_path):
    chromium = peer("chromium")
    _, out, _ = planted
    dom = _chromium(chromium, tmp_path, "--dump-dom", _animal_page(out, "A05").resolve().as_uri())
    legend = dict(re.findall(r'<li data-level="([^"]+)"><span class="swatch" '
                             r'style="background: (#[0-9a-f]{6})', dom))
    assert set(legend) == set(triage.LEVELS)
    boxes = re.findall(r'<div class="pathogen" data-pathogen="([^"]+)" data-level="([^"]+)" '
                       r'style="border-color: (#[0-9a-f]{6})', dom)
    assert {b[0] for b in boxes} == {"CDV", "FPV"}
    for _, level, colour in boxes:
        assert legend[level] == colour
    assert ("FPV", "urgent", legend["urgent"]) in boxes
    assert "<script" not in dom.lower()


@pytest.mark.peer
def test_chromium_shows_script_id_as_text_and_sorts(planted, peer, tmp_path):
    chromium = peer("chromium")
    _, out, _ = planted
    dom = _chromium(chromium, tmp_path, "--dump-dom",
                    (out / "population.html").resolve().as_uri())
    assert "<title>Population health</title>" in dom           # the planted script never ran
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;</a>" in dom
    assert '<table id="animals" class="sortable">' in dom
    rows = re.findall(r'<tr data-level="([^"]+)">', dom)
    order = [triage.LEVELS[r][0] for r in rows]
    assert order == sorted(order) and rows[0] == "urgent"      # attention first


@pytest.mark.peer
def test_chromium_prints_one_animal_per_a4_page(planted, peer, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    chromium = peer("chromium")
    _, out, ids = planted
    pdf = tmp_path / "all.pdf"
    _chromium(chromium, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
              (out / "animals_print.html").resolve().as_uri())
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == len(ids)
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2   # A4
    texts = [p.extract_text() for p in reader.pages]
    for iid, text in zip(sorted(ids), texts, strict=True):
        assert f"Health summary: {iid}" in text.replace("\n", " ") or iid == EVIL
    one = tmp_path / "one.pdf"
    _chromium(chromium, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={one}",
              _animal_page(out, "A05").resolve().as_uri())
    assert len(pypdf.PdfReader(str(one)).pages) == 1


# ------------------------------------------------------------------------------ workbook
@pytest.fixture(scope="module")
def formula_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("formula_in")
    write_fixture(d, evil=False)
    for name in ("samples.tsv", "sample_individual.tsv", "individuals.tsv", "inbreeding.tsv",
                 "pairs.tsv", "screening.tsv"):
        p = d / name
        p.write_text(p.read_text().replace("A12", FORMULA))
    out = tmp_path_factory.mktemp("formula_out")
    assert main(_args(d, out)) == 0
    return out


def test_workbook_is_made_for_people(formula_run):
    import datetime

    import openpyxl

    wb = openpyxl.load_workbook(formula_run / "animals.xlsx")
    assert wb.sheetnames == ["animals", "tests", "prevalence", "alerts"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        assert all(ws.column_dimensions[c.column_letter].width for c in ws[1]), ws.title
        for row in ws.iter_rows():
            for c in row:
                assert c.value != "'", (ws.title, c.coordinate)     # no lone apostrophe
                assert not (isinstance(c.value, str) and c.value.startswith("=")), c.coordinate
    tests = wb["tests"]
    head = [c.value for c in tests[1]]
    date_col = head.index("date")
    first = tests.cell(row=2, column=date_col + 1)
    assert isinstance(first.value, datetime.datetime | datetime.date) and first.is_date
    assert {"titre", "titre_reciprocal"} <= set(head)
    rows = list(tests.iter_rows(min_row=2, values_only=True))
    ti, tr = head.index("titre"), head.index("titre_reciprocal")
    assert any(r[ti] == "1:128" and r[tr] == 128 for r in rows)
    animals = wb["animals"]
    ids = [r[0] for r in animals.iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA in ids                                 # neutralised, kept as text
    ws = wb["alerts"]
    assert any(c.alignment.wrap_text for c in ws["G"][1:])      # long text wraps


def test_csv_has_no_stray_apostrophes(formula_run):
    text = (formula_run / "animals.csv").read_text()
    assert ",'," not in text and not re.search(r"(^|,)'(,|$)", text, re.M)
    assert "'" + FORMULA.replace('"', '""') in text


# ---------------------------------------------------------------------- locations (issue 23)
def test_grid_finer_than_the_floor_is_refused(tmp_path, capsys):
    d = tmp_path / "in"
    write_fixture(d)
    with pytest.raises(SystemExit) as e:
        main(_args(d, tmp_path / "o", "--grid-km", "0.000001"))
    assert e.value.code == 2 and "1 km floor" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    from leogen.health.run import run

    with pytest.raises(ValueError, match="floor"):
        run(d / "screening.tsv", d / "samples.tsv", d / "sample_individual.tsv",
            d / "individuals.tsv", tmp_path / "o2", grid_km=0.5)


def test_page_states_the_grid_used_and_exact_pages_say_so(tmp_path):
    d = tmp_path / "in"
    write_fixture(d)
    out = tmp_path / "o"
    assert main(_args(d, out, "--grid-km", "25")) == 0
    page = _animal_page(out, "A01").read_text()
    assert "25 km x 25 km grid cell" in page and "generalised to a 25 km grid" in page
    ex = tmp_path / "e"
    assert main(_args(d, ex, "--exact-locations")) == 0
    page = _animal_page(ex, "A01").read_text()
    assert "Exact coordinates shown" in page and "exact coordinates (no grid)" in page


def test_exact_outputs_are_owner_only(tmp_path):
    d = tmp_path / "in"
    write_fixture(d)
    ex = tmp_path / "e"
    assert main(_args(d, ex, "--exact-locations")) == 0
    private = [ex / "wdds.tsv", ex / "animals_print.html", *(ex / "animals").iterdir()]
    for p in private:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    gen = tmp_path / "g"
    assert main(_args(d, gen)) == 0
    assert stat.S_IMODE((gen / "wdds.tsv").stat().st_mode) & 0o044     # umask, not private


def test_rerun_clears_stale_pages(tmp_path):
    d = tmp_path / "in"
    ids, _ = write_fixture(d)
    out = tmp_path / "o"
    assert main(_args(d, out)) == 0
    (out / "animals" / "GONE.html").write_text("old page with 43.123456")
    keep = out / "animals" / "notes.txt"
    keep.write_text("not a page")
    assert main(_args(d, out)) == 0
    assert not (out / "animals" / "GONE.html").exists() and keep.exists()
    assert len(list((out / "animals").glob("*.html"))) == len(ids)
