"""``snakemake --report`` of the bundled example: the interactive tables, the main plots of
every stage, the animal pages reachable from the population page and grouped under one
subcategory; headless-Chromium screenshots of the report are not blank."""

from __future__ import annotations

import base64
import json
import re
import subprocess

import numpy as np
import pytest
from helpers import require_tool
from workflow.test_workflow import copy_project, snakemake

pytestmark = pytest.mark.slow

TABLE_PAGES = ["identify_individuals", "identify_sample_individual",
               "consensus_error_rates_locus", "diversity_summary", "diversity_per_locus",
               "relatedness_pairs", "inbreeding_individuals", "monitoring_abundance",
               "monitoring_trend", "monitoring_ne", "health_prevalence", "health_triage"]
PLOTS = ["diversity_by_population", "error_rates_locus", "kinship_network", "abundance_by_year",
         "ne_by_year", "prevalence_by_year"]


def _include_report_rules(work):
    """The lead adds rules/report.smk to workflow/Snakefile; until then the test does."""
    snakefile = work / "workflow" / "Snakefile"
    text = snakefile.read_text()
    if 'include: "rules/report.smk"' in text:
        return
    text = text.replace('include: "rules/export.smk"\n',
                        'include: "rules/export.smk"\ninclude: "rules/report.smk"\n')
    text = text.replace("        final_outputs(),\n", "        final_outputs(),\n        REPORT_FILES,\n")
    snakefile.write_text(text)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    work = copy_project(tmp_path_factory.mktemp("report"))
    _include_report_rules(work)
    snakemake(work, "--cores", "2")
    snakemake(work, "--report", "report.html")
    html = (work / "report.html").read_text(encoding="utf-8")
    results = json.loads(re.search(r"var results = (\{.*?\});\n", html, re.S).group(1))
    categories = json.loads(re.search(r"var categories = (\{.*?\});\n", html, re.S).group(1))
    return work, html, results, categories


def _decode(uri: str) -> bytes:
    return base64.b64decode(uri.split("base64,", 1)[1].split("#")[0])


def test_report_has_every_table_page_and_plot(report):
    work, _, results, categories = report
    for name in TABLE_PAGES:
        key = f"results/report/tables/{name}.html"
        assert key in results, name
        page = _decode(results[key]["data_uri"]).decode("utf-8")
        assert 'class="lgtable"' in page and "script-src 'sha256-" in page, name
        assert "Download " in page and "data:text/tab-separated-values" in page
        assert results[key]["caption"].strip(), name
    for name in PLOTS:
        key = f"results/report/plots/{name}.png"
        assert key in results, name
        assert _decode(results[key]["data_uri"])[:8] == b"\x89PNG\r\n\x1a\n"
        assert results[key]["caption"].strip(), name
    # each in its stage's category, tables and plots as subcategories
    assert "results/report/tables/relatedness_pairs.html" in categories[
        "4. Relatedness and inbreeding"]["Tables"]
    assert "results/report/plots/kinship_network.png" in categories[
        "4. Relatedness and inbreeding"]["Plots"]
    assert "results/report/plots/ne_by_year.png" in categories["7. Abundance and survival"]["Plots"]
    # the rule says what it did
    log = (work / "results" / "logs" / "report_tables.log").read_text()
    pages = [k for k in results if k.startswith("results/report/tables/")]
    plots = [k for k in results if k.startswith("results/report/plots/")]
    assert f"wrote {len(pages)} table pages" in log and f"and {len(plots)} plots" in log


def test_table_page_rows_match_the_table(report):
    work, _, results, _ = report
    page = _decode(results["results/report/tables/identify_individuals.html"]["data_uri"])
    tsv = (work / "results" / "identify" / "individuals.tsv").read_text().splitlines()
    n = len([ln for ln in tsv[1:] if ln.strip()])
    assert page.decode().count("<tr>") == n and f"{n} of {n} rows" in page.decode()


def test_population_page_links_reach_every_animal_page(report):
    _, _, results, _ = report
    pop = _decode(results["results/health/population.html"]["data_uri"]).decode("utf-8")
    links = re.findall(r'<a href="#(page-[^"]+)">', pop)
    targets = set(re.findall(r'<div class="animal-page" id="(page-[^"]+)">', pop))
    animals = [k for k in results if k.startswith("results/health/animals/")]
    assert len(links) == len(animals) == len(targets) > 10
    assert set(links) == targets                 # every link lands on a page inside the file
    assert 'href="animals/' not in pop           # no link to a file the report cannot reach


def test_animal_pages_grouped_under_one_subcategory(report):
    work, _, results, categories = report
    if "subcategory=" not in (work / "workflow" / "rules" / "health.smk").read_text():
        pytest.skip("workflow/rules/health.smk does not group the animal pages yet")
    health = categories["8. Health"]
    animal_items = [k for k in results if k.startswith("results/health/animals/")]
    assert sorted(health["Animal health pages"]) == sorted(animal_items)
    assert all(set(results[k]["labels"]) == {"animal", "page"} for k in animal_items)
    assert "results/health/population.html" in health["Population health"]


def _screenshot(chromium, work, tmp_path, js, name):
    html = (work / "report.html").read_text(encoding="utf-8")
    inject = ("<script>window.addEventListener('load', function () { setTimeout(function () {"
              + js + "}, 1000); });</script></body>")
    cut = html.rindex("</body>")
    page = tmp_path / f"{name}.html"
    page.write_text(html[:cut] + inject + html[cut + len("</body>"):], encoding="utf-8")
    png = tmp_path / f"{name}.png"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=15000", "--window-size=1400,1000", f"--screenshot={png}",
         page.resolve().as_uri()], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from matplotlib.image import imread

    return imread(png)[..., :3]


@pytest.mark.peer
def test_chromium_screenshots_are_not_blank(report, tmp_path):
    chromium = require_tool("chromium")
    work, _, _, _ = report
    index = _screenshot(chromium, work, tmp_path, "", "index")
    table = _screenshot(
        chromium, work, tmp_path,
        "app.setView({content: 'html', contentPath: "
        "results['results/report/tables/relatedness_pairs.html'].data_uri});", "table")
    for img in (index, table):
        assert img.std() > 0.05
        # a good share of non-white pixels in the content, right of the navigation bar
        # (whose shade depends on when the screenshot catches its transition)
        content = img[:, 300:].mean(axis=2)
        assert (content < 0.9).mean() > 0.05, (content < 0.9).mean()
    # the table page adds its rows to the report's right-hand side
    right = np.s_[:, 400:]
    assert np.abs(table[right] - index[right]).mean() > 0.01
