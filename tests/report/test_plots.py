"""leogen.report.plots, leogen.report.pages and the clustered heatmap of leogen.popgen.plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leogen.popgen.plots import cluster_order, plot_heatmap
from leogen.report import plots
from leogen.report.pages import plot_names, write_report_pages

PNG = b"\x89PNG\r\n\x1a\n"


def _twice(tmp_path, draw, *args, **kw):
    """Draw the same figure twice; both files PNG, identical, no software version inside."""
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    draw(*args, a, **kw)
    draw(*args, b, **kw)
    data = a.read_bytes()
    assert data[:8] == PNG and data == b.read_bytes()
    assert b"matplotlib" not in data.lower() and b"Software" not in data
    return data


def test_diversity_plot(tmp_path):
    summary = pd.DataFrame({"population": ["A", "B", "all"], "mean_ho": [0.6, 0.5, 0.55],
                            "mean_ho_se": [0.03, 0.04, 0.02],
                            "mean_he_unbiased": [0.62, 0.58, 0.6],
                            "mean_he_unbiased_se": [0.02, 0.03, 0.02], "mean_ar": [3.1, 2.9, 3.0],
                            "mean_ar_se": [0.2, np.nan, 0.1]})
    _twice(tmp_path, plots.plot_diversity, summary)


def test_error_rate_plot_picks_the_basis(tmp_path):
    rows = []
    for basis, rate in (("likelihood", 0.1), ("consensus", 0.3)):
        for k in range(3):
            rows.append({"locus": f"L{k}", "basis": basis, "ado_rate": rate,
                         "ado_rate_lo": rate / 2, "ado_rate_hi": rate * 2, "fa_rate": 0.01,
                         "fa_rate_lo": np.nan, "fa_rate_hi": 0.02})
    df = pd.DataFrame(rows)
    lik = _twice(tmp_path, plots.plot_error_rates, df)
    other = tmp_path / "c.png"
    plots.plot_error_rates(df, other, basis="consensus")
    assert other.read_bytes() != lik


def test_abundance_ne_prevalence_density_plots(tmp_path):
    trend = pd.DataFrame({"year": [2021, 2020, 2022], "n_detected": [10, 9, 12],
                          "n_hat": [14.0, 12.0, 15.5], "n_hat_lo": [11.0, 10.0, np.nan],
                          "n_hat_hi": [20.0, 18.0, 25.0]})
    _twice(tmp_path, plots.plot_abundance, trend)
    ne = pd.DataFrame({"group": ["all", "2020", "2021", "2022", "2021"],
                       "method": ["ld", "ld", "ld", "ld", "het_excess"],
                       "p_crit": ["0.02", "0.02", "0.02", "0.02", ""],
                       "ne": [20, 15, np.inf, 30, 5], "ne_lo": [10, 8, 12, 14, 1],
                       "ne_hi": [40, np.inf, np.inf, 80, 9],
                       "ne_jack_lo": [9, np.nan, 10, 12, np.nan],
                       "ne_jack_hi": [50, np.inf, np.inf, 90, np.nan]})
    _twice(tmp_path, plots.plot_ne, ne)
    prev = pd.DataFrame({"pathogen": ["CDV", "CDV", "CDV", "FPV", "FPV"],
                         "stratum": ["overall", "year", "year", "year", "sex"],
                         "level": ["all", "2020", "2021", "2020", "F"],
                         "n_animals": [10, 4, 6, 5, 3], "apparent": [0.4, 0.25, 0.5, 0.0, 0.3],
                         "wilson_lo": [0.17, 0.05, 0.19, 0.0, 0.06],
                         "wilson_hi": [0.69, 0.7, 0.81, 0.43, 0.79]})
    _twice(tmp_path, plots.plot_prevalence, prev)
    est = pd.DataFrame({"session": ["2021", "2021", "2022"],
                        "parameter": ["density_per_100km2", "sigma", "density_per_100km2"],
                        "estimate": [1.2, 3000, 0.9], "lo": [0.8, 2500, 0.5],
                        "hi": [1.9, 3600, 1.6]})
    _twice(tmp_path, plots.plot_density, est)


def test_nothing_to_draw_still_writes_a_figure(tmp_path):
    empty = pd.DataFrame({"pathogen": [], "stratum": [], "level": [], "n_animals": [],
                          "apparent": [], "wilson_lo": [], "wilson_hi": []})
    _twice(tmp_path, plots.plot_prevalence, empty)
    ne = pd.DataFrame({"group": ["all"], "method": ["ld"], "p_crit": ["0.02"], "ne": [5.0],
                       "ne_lo": [1.0], "ne_hi": [9.0], "ne_jack_lo": [1.0], "ne_jack_hi": [9.0]})
    _twice(tmp_path, plots.plot_ne, ne)


def test_pair_probabilities_hand_computed():
    pairs = pd.DataFrame({"id1": ["a", "a", "b"], "id2": ["b", "c", "c"],
                          "loglik_po": [0.0, -np.inf, np.nan],
                          "loglik_fs": [np.log(2.0), np.log(1.0), np.nan],
                          "loglik_u": [0.0, np.log(3.0), np.nan]})
    p = plots.pair_probabilities(pairs)
    # pair 1: likelihoods 1 : 2 : 1 -> 1/4, 1/2, 1/4
    assert p.loc[0, ["p_po", "p_fs", "p_u"]].tolist() == pytest.approx([0.25, 0.5, 0.25])
    assert p.loc[0, "relationship"] == "FS" and p.loc[0, "probability"] == pytest.approx(0.5)
    # pair 2: PO impossible; FS : U = 1 : 3
    assert p.loc[1, ["p_po", "p_fs", "p_u"]].tolist() == pytest.approx([0, 0.25, 0.75])
    assert p.loc[1, "relationship"] == "U"
    # pair 3: nothing finite -> U with unknown probability
    assert p.loc[2, "relationship"] == "U" and np.isnan(p.loc[2, "probability"])


def test_kinship_network_threshold_and_determinism(tmp_path):
    edges = pd.DataFrame({"id1": ["A", "A", "B", "C", "X"], "id2": ["B", "C", "C", "D", "A"],
                          "p_po": [0.90, 0.10, 0.05, 0.20, 0.99],
                          "p_fs": [0.05, 0.30, 0.05, 0.75, 0.0],
                          "p_hs": [0.04, 0.10, 0.10, 0.04, 0.0],
                          "p_u": [0.01, 0.50, 0.80, 0.01, 0.01]})
    ids = ["A", "B", "C", "D", "E"]                  # X is not an animal of the study
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    drawn = plots.plot_kinship_network(edges, ids, a, threshold=0.9)
    plots.plot_kinship_network(edges, ids, b, threshold=0.9)
    assert a.read_bytes() == b.read_bytes()
    assert drawn[["id1", "id2", "relationship"]].values.tolist() == [["A", "B", "PO"],
                                                                       ["C", "D", "FS"]]
    assert drawn["p_related"].tolist() == pytest.approx([0.99, 0.99])
    looser = plots.plot_kinship_network(edges, ids, b, threshold=0.5)
    assert len(looser) == 3                          # A-C (P related 0.5) joins


def test_network_layout_puts_unlinked_animals_outside():
    xy = plots.network_layout(6, np.array([[0, 1], [1, 2], [3, 4]]), seed=3)
    r = np.hypot(xy[:, 0], xy[:, 1])
    assert r[5] == pytest.approx(1.25) and (r[:5] <= 1.0 + 1e-9).all()
    assert np.array_equal(xy, plots.network_layout(6, np.array([[0, 1], [1, 2], [3, 4]]),
                                                   seed=3))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[3, 4] < d[0, 3] and d[3, 4] < d[2, 3]   # a linked pair is closer than unlinked


def test_cluster_order_recovers_families():
    """Three families of three given interleaved: each family comes out contiguous."""
    fam = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    r = np.where(fam[:, None] == fam[None, :], 0.5, 0.0)
    r[0, 3] = r[3, 0] = 0.25                        # relatedness varies inside a family
    np.fill_diagonal(r, np.nan)
    order = cluster_order(r)
    assert sorted(order.tolist()) == list(range(9))
    blocks = fam[order]
    assert all(len(set(blocks[k:k + 3])) == 1 for k in (0, 3, 6))


def test_heatmap_is_clustered_and_deterministic(tmp_path):
    ids = ["a", "b", "c", "d"]
    m = np.array([[np.nan, 0, 0.5, 0], [0, np.nan, 0, 0.5], [0.5, 0, np.nan, 0],
                  [0, 0.5, 0, np.nan]])
    frame = pd.DataFrame(m, columns=ids)
    frame.insert(0, "id", ids)
    _twice(tmp_path, plot_heatmap, frame, title="r")
    plain = tmp_path / "plain.png"
    plot_heatmap(frame, plain, "r", cluster=False)
    assert plain.read_bytes() != (tmp_path / "a.png").read_bytes()


def test_pages_draw_the_plot_of_each_known_table(tmp_path):
    def write(rel, text):
        p = tmp_path / "results" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text.lstrip("\n").replace("|", "\t"))
        return p

    rel = write("pedigree/relationships.tsv", """
id1|id2|relationship|probability|p_po|p_fs|p_hs|p_gpav|p_u|parent
A|B|PO|0.95|0.95|0.02|0.01|0.01|0.01|A
A|C|U|0.7|0.1|0.1|0.05|0.05|0.7|
""")
    other = write("mine/notes.tsv", "a|b\n1|2\n")
    paths = [rel, other]
    assert plot_names(paths) == ["kinship_network.png"]
    written = write_report_pages(paths, tmp_path / "pages", plot_dir=tmp_path / "plots")
    assert [p.name for p in written] == ["pedigree_relationships.html", "mine_notes.html",
                                         "kinship_network.png"]
    assert (tmp_path / "plots" / "kinship_network.png").read_bytes()[:8] == PNG


def test_density_plot_draws_the_first_model_only(tmp_path):
    # scr/estimates.tsv with the known-sex model after the null model: the plot is the same
    # as for the null model's rows alone (one point per session, not two)
    est = pd.DataFrame({"session": ["2021", "2022", "2021", "2022"],
                        "parameter": ["density_per_100km2"] * 4,
                        "estimate": [1.2, 0.9, 1.5, 1.1], "lo": [0.8, 0.5, 1.0, 0.7],
                        "hi": [1.9, 1.6, 2.2, 1.8], "model": ["null", "null", "sex", "sex"]})
    both = _twice(tmp_path, plots.plot_density, est)
    (tmp_path / "a.png").unlink()
    null_only = _twice(tmp_path, plots.plot_density, est[est["model"] == "null"])
    assert both == null_only
    sex_only = _twice(tmp_path, plots.plot_density, est[est["model"] == "sex"])
    assert sex_only != both
