"""leogen.report.summary / ``leogen summary``: the one-page state of the population."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.report.summary import pathogen_column, trend_line


def _write(path, text):
    path.write_text(text.lstrip("\n").replace("|", "\t"), encoding="utf-8")
    return path


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    f = {}
    f["abundance"] = _write(d / "abundance.tsv", """
year|method|model|n_detected|n_hat|n_hat_lo|n_hat_hi|selected
2020|capwire|ECM|10|12|10|16|false
2020|loglinear|M0|10|13|11|18|true
2021|loglinear|M0|12|15|12|22|true
2022|loglinear|M0|9|11|9|15|true
""")
    f["trend"] = _write(d / "trend.tsv", """
year|method|n_hat_model|n_detected|n_hat|n_hat_lo|n_hat_hi|se|var_log_n_hat|mean_ho|mean_he
2020|loglinear|M0|10|13|11|18|2|0.04|0.6|0.55
2021|loglinear|M0|12|15|12|22|3|0.01|0.62|0.56
2022|loglinear|M0|9|11|9|15|2|0.04|0.58|0.54
""")
    f["ne"] = _write(d / "ne.tsv", """
group|method|p_crit|n_individuals|ne|ne_lo|ne_hi|ne_jack_lo|ne_jack_hi
all|ld|0.05|31|17|12|25|10|30
all|ld|0.02|31|18|13|26|11|33
all|het_excess||31|9|NA|NA|NA|NA
2020|ld|0.05|10|5|3|9|2|12
2020|ld|0.02|10|6|4|10|3|14
2021|ld|0.02|12|8|5|15|4|inf
2022|ld|0+|9|7|4|12|3|20
""")
    f["trend_test"] = _write(d / "trend_test.tsv", """
n_years|first_year|last_year|slope_log|slope_log_se|annual_change|annual_change_lo|annual_change_hi|p_value|scale|note|power_decline|power_cv|power
3|2020|2022|-0.1|0.05|-0.0951626|-0.18|0.002|0.07|1||0.05|0.2|0.31
""")
    f["prevalence"] = _write(d / "prevalence.tsv", """
pathogen|stratum|level|n_animals|n_positive|apparent|wilson_lo|wilson_hi|lat|lon
CDV|overall|all|8|2|0.25|0.07|0.59|43.12345|131.54321
CDV|year|2020|4|1|0.25|0.046|0.70|43.12345|131.54321
CDV|year|2021|4|1|0.25|0.046|0.70|NA|NA
CDV|site|S05|3|1|0.333|0.06|0.79|43.12345|131.54321
T_gondii|year|2021|5|2|0.4|0.118|0.77|NA|NA
<script>x</script>|year|2022|2|0|0|0|0.66|NA|NA
""")
    f["inbreeding"] = _write(d / "individuals.tsv", """
individual_id|n_loci|smlh
A|15|0.9
B|15|1.1
C|14|1.3
D|15|0.7
""")
    f["detection_history"] = _write(d / "detection_history.tsv", """
year|individual_id|history
2020|A|101
2020|B|010
2020|B|010
2021|C|110
2022|A|001
2022|D|100
2022|Z|100
""")
    f["diversity_summary"] = _write(d / "summary.tsv", """
population|n_individuals|mean_ho|mean_he|mean_ar
<i>2020-2021</i>|20|0.61|0.55|3.1
all|31|0.6|0.56|3.2
""")
    return tmp_path, f


def _argv(f, out, optional=True):
    argv = ["summary", "--abundance", str(f["abundance"]), "--ne", str(f["ne"]),
            "--trend", str(f["trend"]), "--trend-test", str(f["trend_test"]),
            "--out-dir", str(out)]
    if optional:
        for k in ("prevalence", "inbreeding", "detection_history", "diversity_summary"):
            argv += ["--" + k.replace("_", "-"), str(f[k])]
    return argv


def test_per_year_numbers_match_inputs(inputs):
    tmp, f = inputs
    out = tmp / "out"
    assert main(_argv(f, out)) == 0
    t = pd.read_csv(out / "state_of_population.tsv", sep="\t")
    assert list(t.columns[:9]) == ["year", "n_detected", "n_hat", "n_hat_lo", "n_hat_hi", "ne",
                                   "ne_lo", "ne_hi", "mean_smlh"]
    t = t.set_index("year")
    assert list(t.index) == [2020, 2021, 2022]
    assert t["n_detected"].tolist() == [10, 12, 9]
    assert t.loc[2021, ["n_hat", "n_hat_lo", "n_hat_hi"]].tolist() == [15, 12, 22]
    # Ne: LD at p_crit 0.02 with the jackknife interval; 2022 has no 0.02 row
    assert t.loc[2020, ["ne", "ne_lo", "ne_hi"]].tolist() == [6, 3, 14]
    assert t.loc[2021, "ne"] == 8 and math.isinf(t.loc[2021, "ne_hi"])
    assert np.isnan(t.loc[2022, "ne"])
    # mean sMLH of the animals detected each year (B once; Z has no sMLH)
    assert t.loc[2020, "mean_smlh"] == pytest.approx(1.0)
    assert t.loc[2021, "mean_smlh"] == pytest.approx(1.3)
    assert t.loc[2022, "mean_smlh"] == pytest.approx(0.8)
    # seroprevalence per pathogen and year (year rows only)
    assert t.loc[2020, "seroprev_cdv"] == 0.25 and t.loc[2020, "seroprev_cdv_hi"] == 0.70
    assert t.loc[2021, "n_tested_cdv"] == 4 and np.isnan(t.loc[2022, "seroprev_cdv"])
    assert t.loc[2021, ["seroprev_t_gondii", "seroprev_t_gondii_lo",
                        "seroprev_t_gondii_hi"]].tolist() == [0.4, 0.118, 0.77]
    assert t.loc[2021, "mean_ho"] == 0.62


def test_html_escaped_self_contained_no_coordinates(inputs):
    tmp, f = inputs
    out = tmp / "out"
    assert main(_argv(f, out)) == 0
    html = (out / "state_of_population.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<i>2020-2021</i>" not in html and "&lt;i&gt;2020-2021&lt;/i&gt;" in html
    assert html.count("data:image/png;base64,") == 3
    assert "src=\"http" not in html and "<link" not in html
    assert "43.12" not in html and "131.54" not in html
    assert "-9.5% per year" in html and "Ne 18 (95% CI 11" in html
    assert "2021:</strong> 12 animals detected" not in html   # the latest year is 2022
    assert "2022:</strong> 9 animals detected; estimated abundance N-hat 11" in html


def test_only_required_inputs(inputs):
    tmp, f = inputs
    out = tmp / "out"
    assert main(_argv(f, out, optional=False)) == 0
    t = pd.read_csv(out / "state_of_population.tsv", sep="\t")
    assert t["mean_smlh"].isna().all()
    assert not any(c.startswith("seroprev_") for c in t.columns)
    assert (out / "state_of_population.html").read_text().count("base64,") == 2


def test_trend_line_is_the_weighted_fit():
    tr = pd.DataFrame({"year": [2020, 2021, 2022], "n_hat": [13.0, 15.0, 11.0],
                       "var_log_n_hat": [0.04, 0.01, 0.04]})
    a, b = trend_line(tr, -0.1)
    w = np.array([25.0, 100.0, 25.0])
    y = np.log([13.0, 15.0, 11.0]) + 0.1 * np.array([2020, 2021, 2022])
    assert b == -0.1 and a == pytest.approx((w * y).sum() / w.sum())


def test_pathogen_column_names():
    assert pathogen_column("T_gondii") == "seroprev_t_gondii"
    assert pathogen_column("FeLV") == "seroprev_felv"


@pytest.mark.parametrize("which,text,message", [
    ("trend", "year|n_hat|n_hat_lo\n2020|3|2\n", "n_hat_hi"),
    ("ne", "group|method|p_crit|ne\nall|ld|0.02|5\n", "ne_jack_lo"),
    ("abundance", "year|method|model\n2020|loglinear|M0\n", "n_detected"),
    ("trend_test", "n_years|first_year\n3|2020\n", "slope_log"),
    ("trend", "year|n_hat|n_hat_lo|n_hat_hi\n2020|many|2|4\n", "line 2: column n_hat: 'many' is not a number"),
    ("trend", "year|n_hat|n_hat_lo|n_hat_hi\n20x0|3|2|4\n", "'20x0' is not a whole number"),
    ("detection_history", "year|individual_id\n2020|\n", "column individual_id: is empty"),
    ("prevalence", "pathogen|stratum|level|n_animals|n_positive|apparent|wilson_lo|wilson_hi\n"
                   "CDV|year|20x0|3|1|0.3|0.1|0.7\n", "not a year"),
    ("prevalence", "pathogen|stratum|level|n_animals\nCDV|year|2020|3\n", "wilson_lo"),
    ("inbreeding", "individual_id|f\nA|0.1\n", "smlh"),
])
def test_bad_input_exit_2(inputs, capsys, which, text, message):
    tmp, f = inputs
    _write(f[which], text)
    assert main(_argv(f, tmp / "out")) == 2
    err = capsys.readouterr().err
    assert message in err and f[which].name in err
    assert not (tmp / "out" / "state_of_population.html").exists()


def test_missing_file_exit_2(inputs, capsys):
    tmp, f = inputs
    f["ne"] = tmp / "nope.tsv"
    assert main(_argv(f, tmp / "out")) == 2
    assert "nope.tsv" in capsys.readouterr().err


def test_yearly_diversity_columns_from_genotypes(inputs, capsys):
    """With --genotypes, Ho/He (unbiased) with SEs and Ar rarefied to a common size are the
    diversity of each year's animals: 2020 = A (100/102) and B (100/100): Ho 1/2, uHe 1/2."""
    tmp, f = inputs
    geno = _write(tmp / "in" / "g.tsv", """
sample_id|replicate|locus|allele1|allele2
A|1|FCA1|100|102
B|1|FCA1|100|100
C|1|FCA1|102|104
D|1|FCA1|100|104
""")
    out = tmp / "out"
    assert main(_argv(f, out) + ["--genotypes", str(geno)]) == 0
    t = pd.read_csv(out / "state_of_population.tsv", sep="\t").set_index("year")
    assert t.loc[2020, "mean_ho"] == pytest.approx(0.5)
    assert t.loc[2020, "mean_he"] == pytest.approx(0.5)
    assert t.loc[2022, "mean_ar"] == pytest.approx(3.0)  # A, D: 100, 102, 104 at 4 copies
    assert t.loc[2020, "ar_rarefaction_size"] == 4
    assert "Allelic richness (SE)" in (out / "state_of_population.html").read_text()
    argv = [a for a in _argv(f, out, optional=False)] + ["--genotypes", str(geno)]
    assert main(argv) == 2
    assert "needs the detection history" in capsys.readouterr().err


def test_headline_carries_the_warnings_of_the_tables_it_quotes(inputs):
    tmp, f = inputs
    out = tmp / "out_warn"
    assert main(_argv(f, out)) == 0
    html = (out / "state_of_population.html").read_text()
    headline = html[html.index('id="headline"'):html.index("</div>")]
    # the latest year's Ne (2021: 12 animals, jackknife upper limit inf) is quoted with both
    assert "2021: 8 (4 &ndash; inf)" in headline
    assert "small sample: 12 animals" in headline and "upper limit infinite" in headline
    assert "ne.tsv" in headline                                  # traceable to its table


def test_infinite_ne_estimate_is_drawn_and_does_not_crash(inputs):
    tmp, f = inputs
    text = f["ne"].read_text().replace("2021\tld\t0.02\t12\t8\t5\t15\t4\tinf",
                                       "2021\tld\t0.02\t12\tinf\t40\tinf\t30\tinf")
    f["ne"].write_text(text)
    out = tmp / "out_inf"
    assert main(_argv(f, out)) == 0
    html = (out / "state_of_population.html").read_text()
    assert "estimate infinite" in html


def test_ne_plot_keeps_finite_estimates_readable():
    import base64
    import io

    import matplotlib.image as mpimg
    import numpy as np

    from leogen.report.summary import estimate_warnings, ne_plot

    img = ne_plot([2017, 2018, 2019], [11, 2.5, 21], [2.4, 1.2, 5.9], [1353, 11, np.inf])
    arr = mpimg.imread(io.BytesIO(base64.b64decode(img)), format="png")
    assert arr.shape[0] > 100
    assert estimate_warnings(2.46, 1.24, 11.1, n=15) == ["small sample: 15 animals"]
    assert estimate_warnings(15, 7, 34, n=49) == []


def test_scr_estimates_replace_the_non_spatial_n_hat_and_the_page_says_so(inputs):
    tmp, f = inputs
    d = tmp / "in"
    crs = "+proj=laea +lat_0=43 +lon_0=131 +units=m"
    rows = []
    for year, (n, lo, hi, dens) in {2020: (20, 14, 29, 0.5), 2021: (24, 17, 33, 0.6),
                                    2022: (18, 12, 27, 0.45)}.items():
        rows += [f"{year}|n_hat|{n}|3|{lo}|{hi}|9|30|D~session|{crs}",
                 f"{year}|density_per_100km2|{dens}|0.1|{dens / 1.5:.4f}|{dens * 1.5:.4f}|9|30|"
                 f"D~session|{crs}",
                 f"{year}|sigma|5000|200|4600|5400|9|30|D~session|{crs}"]
    est = _write(d / "estimates.tsv", "session|parameter|estimate|se|lo|hi|n_animals|"
                 "n_detections|model|crs\n" + "\n".join(rows) + "\n")
    trend = _write(d / "scr_trend.tsv", """
parameter|estimate|se|lo|hi|first_session|last_session|n_sessions
lambda|0.95|0.03|0.9|1.01|2020|2022|3
b1|-0.0513|0.03|-0.105|0.01|2020|2022|3
""")
    surv = _write(d / "survival.tsv", """
model|parameter|interval|estimate|se|lo|hi|ci_method|note
phi(.)p(.)|phi|all|0.82|0.05|0.7|0.9|wald|
phi(.)p(.)|p|all|0.6|0.05|0.5|0.7|wald|
phi(t)p(.)|phi|2020-2021|0.9|0.05|0.7|0.97|wald|
""")
    out = tmp / "out"
    assert main(_argv(f, out) + ["--scr-estimates", str(est), "--scr-trend", str(trend),
                                 "--survival", str(surv)]) == 0
    t = pd.read_csv(out / "state_of_population.tsv", sep="\t").set_index("year")
    assert t.loc[2021, ["n_hat", "n_hat_lo", "n_hat_hi"]].tolist() == [24, 17, 33]
    assert t.loc[2021, ["n_hat_nonspatial", "n_hat_nonspatial_lo",
                        "n_hat_nonspatial_hi"]].tolist() == [15, 12, 22]
    assert set(t["n_hat_method"]) == {"scr"} and t.loc[2022, "density_per_100km2"] == 0.45
    html = (out / "state_of_population.html").read_text()
    assert "N-hat 18 (95% CI 12 &ndash; 27) by spatially explicit capture-recapture" in html
    assert "-5% per year" in html  # lambda 0.95
    assert "Apparent survival</strong> per year (Cormack-Jolly-Seber, phi(.)p(.)): 0.82" in html
    # without SCR inputs the page names the non-spatial models
    assert main(_argv(f, tmp / "plain")) == 0
    plain = (tmp / "plain" / "state_of_population.html").read_text()
    assert "by non-spatial closed-population models" in plain
    assert set(pd.read_csv(tmp / "plain" / "state_of_population.tsv", sep="\t")[
        "n_hat_method"]) == {"nonspatial"}


def test_scr_sessions_of_unlinked_camera_and_scat_data_give_one_year(inputs):
    """Unlinked camera and scat data are two sessions per year sharing density
    ("2021/camera", "2021/scat"): one row per year on the page."""
    tmp, f = inputs
    crs = "+proj=laea +lat_0=43 +lon_0=131 +units=m"
    rows = [f"{y}/{src}|n_hat|{n}|3|{n - 6}|{n + 9}|9|30|D~session|{crs}"
            for y, n in ((2020, 20), (2021, 24)) for src in ("camera", "scat")]
    est = _write(tmp / "in" / "est2.tsv", "session|parameter|estimate|se|lo|hi|n_animals|"
                 "n_detections|model|crs\n" + "\n".join(rows) + "\n")
    out = tmp / "out2"
    assert main(_argv(f, out) + ["--scr-estimates", str(est)]) == 0
    t = pd.read_csv(out / "state_of_population.tsv", sep="\t").set_index("year")
    assert t.loc[2021, ["n_hat", "n_hat_lo", "n_hat_hi"]].tolist() == [24, 18, 33]
    assert list(t.index) == [2020, 2021, 2022]
