"""leogen.report.tables / ``leogen report-tables``: sortable, filterable table pages."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess

import numpy as np
import pandas as pd
import pytest
from helpers import require_tool

from leogen.cli import main
from leogen.errors import InputError
from leogen.report import tables
from leogen.report.tables import page_name, render_table_page, write_table_page

EVIL = "<script>document.title='pwned'</script>"


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.lstrip("\n").replace("|", "\t"), encoding="utf-8")
    return path


ESTIMATES = """
session|parameter|estimate|se|lo|hi|n_animals|n_detections|model|crs
2021|density_per_100km2|1.5|0.3|1.0|2.2|20|51|hn|EPSG:32652
2022|density_per_100km2|0.8|0.2|0.5|1.3|14|33|hn|EPSG:32652
2023|density_per_100km2|NA|NA|NA|NA|3|4|hn|EPSG:32652
"""


@pytest.fixture
def estimates(tmp_path):
    return _write(tmp_path / "results" / "scr" / "estimates.tsv", ESTIMATES)


def _cells(html):
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_hostile_cell_and_header_text_is_escaped():
    df = pd.DataFrame({"individual_id": [EVIL, "B&B"], EVIL: ["x", '"quoted"']})
    html = render_table_page(df, f"title {EVIL}", note=EVIL)
    assert html.lower().count("<script") == 1          # only the page's own script
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "B&amp;B" in html and "&#34;quoted&#34;" in html
    assert "<title>title &lt;script&gt;" in html


def test_csp_allows_exactly_the_inline_script():
    html = render_table_page(pd.DataFrame({"a": [1]}), "t")
    script = html.split("<script>")[1].split("</script>")[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html
    assert "default-src 'none'" in html and "unsafe-inline'" not in html.split("script-src")[1]
    assert "http://" not in html and "https://" not in html      # nothing from the network


def test_sorting_and_filter_markup(estimates):
    df, table = tables.read_stage_table(estimates)
    html = render_table_page(df, "scr/estimates.tsv")
    heads = re.findall(r'<th data-type="(num|text)"[^>]*>([^<]+)</th>', html)
    kinds = dict((name, kind) for kind, name in heads)
    assert [name for _, name in heads] == list(df.columns)
    assert kinds["estimate"] == "num" and kinds["n_animals"] == "num"
    assert kinds["parameter"] == "text" and kinds["model"] == "text"
    # one filter box per column, a row filter and the row count
    assert len(re.findall(r'<input type="search" data-col="\d+"', html)) == len(df.columns)
    assert 'id="filter"' in html and "3 of 3 rows" in html
    assert 'aria-sort' in tables.SCRIPT and "localeCompare" in tables.SCRIPT
    rows = _cells(html)
    assert rows[0][:3] == ["2021", "density_per_100km2", "1.5"]
    assert rows[2][2] == "NA"                          # missing estimate shown as NA
    assert '<td class="num na">NA</td>' in html


def test_numbers_shown_with_four_significant_digits():
    df = pd.DataFrame({"x": [0.123456, 1234567.0, np.nan], "n": pd.array([3, None, 7],
                                                                         dtype="Int64")})
    rows = _cells(render_table_page(df, "t"))
    assert [r[0] for r in rows] == ["0.1235", "1.235e+06", "NA"]
    assert [r[1] for r in rows] == ["3", "NA", "7"]


def test_page_is_deterministic_and_offers_the_tsv(tmp_path, estimates):
    df, _ = tables.read_stage_table(estimates)
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_table_page(df, "t", a, note="n", tsv_path=estimates)
    write_table_page(df, "t", b, note="n", tsv_path=estimates)
    assert a.read_bytes() == b.read_bytes()
    uri = re.search(r'download="estimates.tsv" href="data:text/tab-separated-values;'
                    r'charset=utf-8;base64,([A-Za-z0-9+/=]+)"', a.read_text()).group(1)
    assert base64.b64decode(uri) == estimates.read_bytes()


def test_long_table_is_cut_and_says_so():
    df = pd.DataFrame({"k": np.arange(30)})
    html = render_table_page(df, "t", max_rows=10)
    assert len(_cells(html)) == 10 and 'id="truncated"' in html and "10 of 30 rows" in html
    assert 'data-rows="30"' in html


def test_declared_table_read_through_its_declaration(estimates):
    df, table = tables.read_stage_table(estimates)
    assert table is not None and table.path == "scr/estimates.tsv"
    assert df["estimate"].dtype == float and np.isnan(df["estimate"].iloc[2])
    assert "_line" not in df.columns


def test_undeclared_table_read_as_text(tmp_path):
    f = _write(tmp_path / "mine" / "notes.tsv", "a|b\n1|x\n")
    df, table = tables.read_stage_table(f)
    assert table is None and df.to_dict("records") == [{"a": "1", "b": "x"}]
    assert page_name(f) == "mine_notes.html"


def test_damaged_stage_table_names_file_line_and_column(estimates):
    estimates.write_text(estimates.read_text().replace("0.8", "zero point eight"))
    with pytest.raises(InputError) as e:
        tables.read_stage_table(estimates)
    msg = e.value.format()
    assert "estimates.tsv" in msg and "line 3" in msg and "estimate" in msg


def test_two_tables_with_one_page_name_are_refused(tmp_path):
    a = _write(tmp_path / "x" / "r" / "t.tsv", "a\n1\n")
    b = _write(tmp_path / "y" / "r" / "t.tsv", "a\n2\n")
    with pytest.raises(InputError, match="same page name r_t.html"):
        tables.write_table_pages([a, b], tmp_path / "out")


def test_command_writes_pages_and_plot(tmp_path, estimates, capsys):
    out = tmp_path / "pages"
    assert main(["report-tables", "--out-dir", str(out), str(estimates)]) == 0
    page = (out / "scr_estimates.html").read_text()
    assert "SECR estimates per session" in page               # the declaration's description
    assert (out / "density_by_session.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "1 table pages" in capsys.readouterr().err


def test_command_bad_table_exit_2(tmp_path, estimates, capsys):
    estimates.write_text(estimates.read_text().replace("\t20\t", "\ttwenty\t"))
    assert main(["report-tables", "--out-dir", str(tmp_path / "o"), str(estimates)]) == 2
    err = capsys.readouterr().err
    assert "leogen report-tables: error:" in err and "line 2" in err and "n_animals" in err
    assert len(err.strip().splitlines()) <= 2


def test_command_missing_table_exit_2(tmp_path, capsys):
    missing = tmp_path / "identify" / "individuals.tsv"
    assert main(["report-tables", "--out-dir", str(tmp_path / "o"), str(missing)]) == 2
    assert "file not found" in capsys.readouterr().err


def test_command_bad_network_probability_exit_2(tmp_path, estimates, capsys):
    assert main(["report-tables", "--out-dir", str(tmp_path / "o"), "--network-min-prob", "1.5",
                 str(estimates)]) == 2
    assert "(0, 1]" in capsys.readouterr().err


@pytest.mark.peer
def test_chromium_runs_the_script_and_not_the_cells(tmp_path):
    chromium = require_tool("chromium")
    df = pd.DataFrame({"id": [EVIL, "b", "a"], "r": [0.5, np.nan, 0.1]})
    page = tmp_path / "t.html"
    write_table_page(df, "safe title", page)
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<title>safe title</title>" in dom                  # the cell's script never ran
    assert len(re.findall(r'<tr data-i="\d+"', dom)) == 3      # the page's script did (CSP ok)


def test_private_table_gives_a_private_page(tmp_path, estimates):
    estimates.chmod(0o600)
    df, _ = tables.read_stage_table(estimates)
    write_table_page(df, "t", tmp_path / "p.html", tsv_path=estimates)
    assert (tmp_path / "p.html").stat().st_mode & 0o077 == 0
    estimates.chmod(0o644)
    write_table_page(df, "t", tmp_path / "q.html", tsv_path=estimates)
    assert (tmp_path / "q.html").stat().st_mode & 0o004
