"""The report's interactive tables and main plots, written from the stage tables in one step
(``leogen report-tables``, rule ``report_tables`` of ``workflow/rules/report.smk``).

Every table file given becomes a sortable, filterable page (:mod:`leogen.report.tables`);
each known stage table among them also gives its stage's main plot
(:mod:`leogen.report.plots`), named in :data:`PLOTS`:

=================================  ===============================  ===========================
table                              plot                             what
=================================  ===============================  ===========================
diversity/summary.tsv              diversity_by_population.png      Ho, He, Ar per population
consensus/error_rates_locus.tsv    error_rates_locus.png            ADO and FA rate per locus
monitoring/trend.tsv               abundance_by_year.png            N-hat per year
monitoring/ne.tsv                  ne_by_year.png                   LD Ne per year
health/prevalence.tsv              prevalence_by_year.png           prevalence per year
scr/estimates.tsv                  density_by_session.png           SECR density per session
relatedness/pairs.tsv or           kinship_network.png              relatives at P >= threshold
pedigree/relationships.tsv
=================================  ===============================  ===========================

The kinship network uses the pedigree's relationship probabilities when
``pedigree/relationships.tsv`` is among the tables, otherwise the class likelihoods of the
relatedness pairs (:func:`leogen.report.plots.pair_probabilities`); its animals are those of
``identify/individuals.tsv`` when given (else the ids of the pairs).
"""

from __future__ import annotations

from pathlib import Path

from leogen.errors import InputError

#: {stage table: plot file} of the plots drawn when that table is given.
PLOTS = {
    "diversity/summary.tsv": "diversity_by_population.png",
    "consensus/error_rates_locus.tsv": "error_rates_locus.png",
    "monitoring/trend.tsv": "abundance_by_year.png",
    "monitoring/ne.tsv": "ne_by_year.png",
    "health/prevalence.tsv": "prevalence_by_year.png",
    "scr/estimates.tsv": "density_by_session.png",
    "relatedness/pairs.tsv": "kinship_network.png",
    "pedigree/relationships.tsv": "kinship_network.png",
}

#: Least relationship probability of an edge of the kinship network (default).
NETWORK_MIN_PROB = 0.9


def table_key(path) -> str:
    """``<folder>/<name>`` of a table file, the key of :data:`PLOTS` and of the contract.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str

    Examples
    --------
    >>> table_key("results/monitoring/trend.tsv")
    'monitoring/trend.tsv'
    """
    return "/".join(Path(path).parts[-2:])


def plot_names(paths) -> list[str]:
    """The plot files :func:`write_report_pages` draws for these tables, sorted.

    Parameters
    ----------
    paths : list of str or Path
        Table files.

    Returns
    -------
    list of str

    Examples
    --------
    >>> plot_names(["r/relatedness/pairs.tsv", "r/monitoring/ne.tsv", "r/identify/pid.tsv"])
    ['kinship_network.png', 'ne_by_year.png']
    """
    return sorted({PLOTS[table_key(p)] for p in paths if table_key(p) in PLOTS})


def write_report_pages(paths, out_dir, plot_dir=None,
                       network_min_prob: float = NETWORK_MIN_PROB, seed: int = 1) -> list[Path]:
    """Write the interactive page of every table and the main plot of every known stage
    table among them.

    Parameters
    ----------
    paths : list of str or Path
        Table files (stage tables are read through their declarations).
    out_dir : str or Path
        Folder of the table pages (``<folder>_<name>.html``, :func:`leogen.report.tables.page_name`).
    plot_dir : str or Path, optional
        Folder of the plots (:data:`PLOTS` names); default ``out_dir``.
    network_min_prob : float
        Least probability of a kinship-network edge (in (0, 1]).
    seed : int
        Seed of the network layout.

    Returns
    -------
    list of Path
        Every file written: the pages in the order of ``paths``, then the plots.

    Raises
    ------
    InputError
        A table cannot be read or is damaged, or ``network_min_prob`` is outside (0, 1].
    """
    from leogen.report import plots
    from leogen.report.tables import read_stage_table, write_table_pages

    if not 0 < network_min_prob <= 1:
        raise InputError(f"network minimum probability must be in (0, 1], got {network_min_prob}")
    paths = [Path(p) for p in paths]
    written = write_table_pages(paths, out_dir)
    plot_dir = Path(plot_dir) if plot_dir is not None else Path(out_dir)
    plot_dir.mkdir(parents=True, exist_ok=True)
    by_key = {table_key(p): p for p in paths}

    def read(key):
        return read_stage_table(by_key[key])[0]

    simple = {
        "diversity/summary.tsv": plots.plot_diversity,
        "consensus/error_rates_locus.tsv": plots.plot_error_rates,
        "monitoring/trend.tsv": plots.plot_abundance,
        "monitoring/ne.tsv": plots.plot_ne,
        "health/prevalence.tsv": plots.plot_prevalence,
        "scr/estimates.tsv": plots.plot_density,
    }
    for key, draw in simple.items():
        if key in by_key:
            out = plot_dir / PLOTS[key]
            draw(read(key), out)
            written.append(out)
    if "pedigree/relationships.tsv" in by_key or "relatedness/pairs.tsv" in by_key:
        if "pedigree/relationships.tsv" in by_key:
            edges = read("pedigree/relationships.tsv")
            source = "pedigree/relationships.tsv probabilities"
        else:
            edges = plots.pair_probabilities(read("relatedness/pairs.tsv"))
            source = "relatedness/pairs.tsv class likelihoods, equal priors"
        if "identify/individuals.tsv" in by_key:
            ids = read("identify/individuals.tsv")["individual_id"].astype(str).tolist()
        else:
            ids = sorted(set(edges["id1"].astype(str)) | set(edges["id2"].astype(str)))
        out = plot_dir / PLOTS["relatedness/pairs.tsv"]
        plots.plot_kinship_network(edges, ids, out, threshold=network_min_prob, source=source,
                                   seed=seed)
        written.append(out)
    return written
