"""The report's figures: the main result of every stage with its uncertainty, as PNG.

One function per figure, each taking the stage's table as read by its declared reader
(:mod:`leogen.io.contract`) and writing one PNG atomically (matplotlib, Agg backend):

- :func:`plot_diversity`: Ho, He and allelic richness per population, mean +- 1.96 SE
  over loci (``diversity/summary.tsv``);
- :func:`plot_error_rates`: allelic dropout and false-allele rates per locus with their 95%
  intervals (``consensus/error_rates_locus.tsv``, one ``basis``);
- :func:`plot_abundance`: N-hat per year with its 95% interval and the animals detected
  (``monitoring/trend.tsv``);
- :func:`plot_density`: SECR density per session with its 95% interval (``scr/estimates.tsv``);
- :func:`plot_ne`: LD Ne per year with its jackknife 95% interval (``monitoring/ne.tsv``);
- :func:`plot_prevalence`: apparent prevalence per year and pathogen with Wilson 95%
  intervals (``health/prevalence.tsv``);
- :func:`plot_kinship_network`: pairs related (any kin class) with probability above a
  threshold, coloured by their most probable kin class (:func:`pair_probabilities` from the relatedness pairs' class
  log-likelihoods, or ``pedigree/relationships.tsv``).

PNGs carry no software version in their metadata, so the same table gives the same bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Colours of the kin classes in the network (PO, FS, HS, grandparent/avuncular).
KIN_COLOURS = {"PO": "#c0392b", "FS": "#e67e22", "HS": "#2e86c1", "GPAV": "#8e44ad"}
#: z of a two-sided 95% normal interval.
Z95 = 1.959964


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path, dpi: int = 110) -> None:
    from leogen.io.atomic import atomic_path

    plt = _pyplot()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)


def _empty(path, title: str, message: str) -> None:
    """A figure saying why there is nothing to draw (a report item must still exist)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    ax.set_title(title)
    ax.axis("off")
    _save(fig, path)


def _yerr(est, lo, hi) -> np.ndarray:
    """(2, n) error-bar lengths below and above ``est``; 0 where an end is missing."""
    est, lo, hi = (np.asarray(v, dtype=float) for v in (est, lo, hi))
    below = np.where(np.isfinite(lo), est - lo, 0.0)
    above = np.where(np.isfinite(hi), hi - est, 0.0)
    return np.vstack([np.clip(below, 0, None), np.clip(above, 0, None)])


def plot_diversity(summary: pd.DataFrame, path) -> None:
    """Ho, unbiased He (Nei 1987) and allelic richness (rarefied, El Mousadik & Petit 1996)
    per population: the mean over loci with a 95% interval (mean +- 1.96 SE over loci).

    Parameters
    ----------
    summary : DataFrame (n_populations, ...)
        ``diversity/summary.tsv``: ``population, mean_ho, mean_ho_se, mean_he_unbiased,
        mean_he_unbiased_se, mean_ar, mean_ar_se``.
    path : str or Path
        The PNG to write.
    """
    plt = _pyplot()
    pops = summary["population"].astype(str).tolist()
    if not pops:
        _empty(path, "Genetic diversity per population", "no population in diversity/summary.tsv")
        return
    x = np.arange(len(pops))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(max(7.0, 2.0 + 1.2 * len(pops)), 4.2))
    for off, col, label, colour in ((-0.12, "mean_ho", "Ho", "#1f77b4"),
                                    (0.12, "mean_he_unbiased", "He (unbiased)", "#ff7f0e")):
        est = summary[col].to_numpy(dtype=float)
        se = summary[f"{col}_se"].to_numpy(dtype=float)
        a1.errorbar(x + off, est, yerr=_yerr(est, est - Z95 * se, est + Z95 * se), fmt="o",
                    capsize=3, color=colour, label=label)
    a1.set_xticks(x, pops, rotation=30, ha="right")
    a1.set_ylim(0, 1)
    a1.set_ylabel("heterozygosity (mean over loci, 95% CI)")
    a1.legend(frameon=False, fontsize=8)
    a1.set_title("Observed and expected heterozygosity")
    est = summary["mean_ar"].to_numpy(dtype=float)
    se = summary["mean_ar_se"].to_numpy(dtype=float)
    a2.errorbar(x, est, yerr=_yerr(est, est - Z95 * se, est + Z95 * se), fmt="s", capsize=3,
                color="#2ca02c")
    a2.set_xticks(x, pops, rotation=30, ha="right")
    a2.set_ylabel("allelic richness (rarefied, 95% CI)")
    a2.set_title("Allelic richness")
    fig.tight_layout()
    _save(fig, path)


def plot_error_rates(locus: pd.DataFrame, path, basis: str = "likelihood") -> None:
    """Allelic dropout (ADO) and false-allele (FA) rate per locus with 95% intervals.

    Parameters
    ----------
    locus : DataFrame (n_loci x n_bases, ...)
        ``consensus/error_rates_locus.tsv``: ``locus, basis, ado_rate, ado_rate_lo,
        ado_rate_hi, fa_rate, fa_rate_lo, fa_rate_hi``; only the rows of ``basis`` are drawn
        (the first basis of the table when it has no such rows).
    path : str or Path
        The PNG to write.
    basis : str
        Which estimates: ``likelihood`` (the ML error model, Wang 2004 / Johnson & Haydon
        2007), ``consensus`` or ``reference``.
    """
    plt = _pyplot()
    d = locus[locus["basis"] == basis]
    if d.empty and len(locus):
        basis = str(locus["basis"].iloc[0])
        d = locus[locus["basis"] == basis]
    if d.empty:
        _empty(path, "Genotyping error rates per locus", "no locus in the error-rate table")
        return
    loci = d["locus"].astype(str).tolist()
    y = np.arange(len(loci))
    fig, axes = plt.subplots(1, 2, figsize=(9, 1.5 + 0.28 * len(loci)), sharey=True)
    for ax, key, label, colour in ((axes[0], "ado_rate", "allelic dropout rate", "#c0392b"),
                                   (axes[1], "fa_rate", "false-allele rate", "#2e86c1")):
        est = d[key].to_numpy(dtype=float)
        ax.errorbar(est, y, xerr=_yerr(est, d[f"{key}_lo"], d[f"{key}_hi"]), fmt="o",
                    capsize=2, color=colour)
        ax.set_xlabel(f"{label} (95% CI)")
        ax.set_xlim(left=0)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
    axes[0].set_yticks(y, loci, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(f"Genotyping error rates per locus ({basis})", fontsize=11)
    fig.tight_layout()
    _save(fig, path)


def _by_year(ax, years, est, lo, hi, colour, label, marker="o"):
    ax.errorbar(years, est, yerr=_yerr(est, lo, hi), fmt=marker + "-", capsize=3,
                color=colour, label=label)
    ax.set_xticks(years, [str(int(v)) for v in years])
    ax.set_xlabel("year")


def plot_abundance(trend: pd.DataFrame, path) -> None:
    """Population size N-hat per year with its 95% interval, and the animals detected.

    Parameters
    ----------
    trend : DataFrame (n_years, ...)
        ``monitoring/trend.tsv``: ``year, n_detected, n_hat, n_hat_lo, n_hat_hi``.
    path : str or Path
        The PNG to write.
    """
    plt = _pyplot()
    d = trend.sort_values("year")
    if d.empty:
        _empty(path, "Abundance by year", "no year in monitoring/trend.tsv")
        return
    years = d["year"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7, 4))
    _by_year(ax, years, d["n_hat"].to_numpy(dtype=float), d["n_hat_lo"], d["n_hat_hi"],
             "#1f5fa8", "N-hat (95% CI)")
    ax.plot(years, d["n_detected"].to_numpy(dtype=float), "s", color="#555555",
            label="animals detected")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("animals")
    ax.set_title("Abundance by year")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    _save(fig, path)


def plot_density(estimates: pd.DataFrame, path, parameter: str = "density_per_100km2") -> None:
    """SECR density per session with its 95% interval (Efford 2004; Borchers & Efford 2008).

    Parameters
    ----------
    estimates : DataFrame
        ``scr/estimates.tsv``: ``session, parameter, estimate, lo, hi`` and optionally
        ``model``; the rows of ``parameter`` of the table's first model (the headline model the
        state-of-the-population page uses) are drawn, one point per session (in table order).
    path : str or Path
        The PNG to write.
    parameter : str
        ``density_per_100km2`` or ``density_per_km2``.
    """
    plt = _pyplot()
    d = estimates[estimates["parameter"] == parameter]
    if d.empty:
        _empty(path, "Density by session", f"no {parameter} row in scr/estimates.tsv")
        return
    model = None
    if "model" in d.columns:
        model = str(d["model"].iloc[0])
        d = d[d["model"].astype(str) == model]
    sessions = d["session"].astype(str).tolist()
    x = np.arange(len(sessions))
    est = d["estimate"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.5 + 0.8 * len(sessions)), 4))
    ax.errorbar(x, est, yerr=_yerr(est, d["lo"], d["hi"]), fmt="o-", capsize=3,
                color="#117a65")
    ax.set_xticks(x, sessions, rotation=30 if len(sessions) > 8 else 0)
    ax.set_ylim(bottom=0)
    unit = "100 km²" if parameter.endswith("100km2") else "km²"
    ax.set_ylabel(f"animals per {unit} (95% CI)")
    ax.set_xlabel("session")
    ax.set_title("Density by session (spatial capture-recapture"
                 + (f", model {model})" if model else ")"))
    fig.tight_layout()
    _save(fig, path)


def plot_ne(ne: pd.DataFrame, path, p_crit: str = "0.02") -> None:
    """Effective population size per year: LD Ne (Waples & Do 2008) with the jackknife 95%
    interval over loci (Jones, Ovenden & Wang 2016); infinite limits drawn as arrows.

    Parameters
    ----------
    ne : DataFrame
        ``monitoring/ne.tsv``: ``group, method, p_crit, ne, ne_jack_lo, ne_jack_hi`` (and
        ``ne_lo, ne_hi``, used where a jackknife limit is missing); the rows with
        ``method == "ld"``, the given ``p_crit`` and a year as ``group`` are drawn.
    path : str or Path
        The PNG to write.
    p_crit : str
        The allele-frequency cut-off of the rows drawn.
    """
    plt = _pyplot()
    d = ne[(ne["method"] == "ld") & (ne["p_crit"].astype(str) == p_crit)
           & ne["group"].astype(str).str.fullmatch(r"\d{4}")].copy()
    if d.empty:
        _empty(path, "Effective population size by year", "no per-year LD Ne in monitoring/ne.tsv")
        return
    d["year"] = d["group"].astype(int)
    d = d.sort_values("year")
    years = d["year"].to_numpy(dtype=float)
    est = d["ne"].to_numpy(dtype=float)
    lo = d["ne_jack_lo"].to_numpy(dtype=float)
    hi = d["ne_jack_hi"].to_numpy(dtype=float)
    lo = np.where(np.isnan(lo), d["ne_lo"].to_numpy(dtype=float), lo)
    hi = np.where(np.isnan(hi), d["ne_hi"].to_numpy(dtype=float), hi)
    finite = np.isfinite(est)
    top = np.nanmax(np.concatenate([est[finite], hi[np.isfinite(hi)], [1.0]])) * 1.1
    fig, ax = plt.subplots(figsize=(7, 4))
    shown = np.where(finite, est, top)
    ax.errorbar(years, shown, yerr=_yerr(shown, lo, np.where(np.isfinite(hi), hi, top)),
                fmt="o-", capsize=3, color="#7d3c98", label=f"LD Ne (p_crit {p_crit}, 95% CI)")
    open_hi = ~np.isfinite(hi)
    ax.plot(years[open_hi], np.full(open_hi.sum(), top), "^", color="#7d3c98",
            label="upper limit infinite")
    ax.plot(years[~finite], np.full((~finite).sum(), top), "x", color="black",
            label="Ne infinite (no drift signal)")
    ax.set_xticks(years, [str(int(v)) for v in years])
    ax.set_xlabel("year")
    ax.set_ylim(0, top * 1.05)
    ax.set_ylabel("Ne")
    ax.set_title("Effective population size by year")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    _save(fig, path)


def plot_prevalence(prevalence: pd.DataFrame, path) -> None:
    """Apparent prevalence per year and pathogen, with Wilson 95% intervals (one panel per
    pathogen).

    Parameters
    ----------
    prevalence : DataFrame
        ``health/prevalence.tsv``: ``pathogen, stratum, level, n_animals, apparent,
        wilson_lo, wilson_hi``; the ``stratum == "year"`` rows are drawn.
    path : str or Path
        The PNG to write.
    """
    plt = _pyplot()
    d = prevalence[prevalence["stratum"] == "year"].copy()
    d = d[d["level"].astype(str).str.fullmatch(r"\d{4}")]
    if d.empty:
        _empty(path, "Prevalence by year", "no per-year prevalence in health/prevalence.tsv")
        return
    d["year"] = d["level"].astype(int)
    pathogens = sorted(d["pathogen"].astype(str).unique())
    fig, axes = plt.subplots(len(pathogens), 1, figsize=(7, 2.6 * len(pathogens)),
                             squeeze=False, sharex=True)
    for ax, pat in zip(axes[:, 0], pathogens, strict=True):
        g = d[d["pathogen"] == pat].sort_values("year")
        years = g["year"].to_numpy(dtype=float)
        est = g["apparent"].to_numpy(dtype=float)
        ax.errorbar(years, est, yerr=_yerr(est, g["wilson_lo"], g["wilson_hi"]), fmt="o-",
                    capsize=3, color="#b03a2e")
        for yv, n in zip(years, g["n_animals"].to_numpy(), strict=True):
            ax.annotate(f"n={n}", (yv, 1.0), textcoords="offset points", xytext=(0, -10),
                        ha="center", fontsize=7, color="#555555")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("apparent prevalence")
        ax.set_title(f"{pat}: animals positive per year (Wilson 95% CI)", fontsize=10)
        ax.set_xticks(years, [str(int(v)) for v in years])
    axes[-1, 0].set_xlabel("year")
    fig.tight_layout()
    _save(fig, path)


def pair_probabilities(pairs: pd.DataFrame) -> pd.DataFrame:
    """Posterior probability of each relationship class of every pair, from the class
    log-likelihoods of the relatedness pairs table, with equal prior probabilities
    (the likelihood classification of Blouin 1996 / Milligan 2003).

    Parameters
    ----------
    pairs : DataFrame (n_pairs, ...)
        ``relatedness/pairs.tsv``: ``id1, id2`` and ``loglik_<class>`` columns (natural-log
        likelihoods, e.g. ``loglik_po, loglik_fs, loglik_hs, loglik_u``).

    Returns
    -------
    DataFrame (n_pairs, 4 + n_classes)
        ``id1, id2, relationship`` (most probable class, upper case), ``probability`` (its
        posterior), then ``p_<class>`` per class; a pair with no finite log-likelihood is
        ``U`` with probability NaN.

    Examples
    --------
    >>> p = pair_probabilities(pd.DataFrame({"id1": ["a"], "id2": ["b"],
    ...     "loglik_po": [np.log(3.0)], "loglik_u": [0.0]}))
    >>> p["relationship"].tolist(), p["probability"].round(3).tolist()
    (['PO'], [0.75])
    """
    cols = [c for c in pairs.columns if c.startswith("loglik_")]
    classes = [c[len("loglik_"):] for c in cols]
    ll = pairs[cols].to_numpy(dtype=float) if cols else np.empty((len(pairs), 0))
    finite = np.isfinite(ll)
    ok = finite.any(axis=1)
    top = np.where(ok, np.nanmax(np.where(finite, ll, -np.inf), axis=1, initial=-np.inf), 0)
    w = np.where(finite, np.exp(np.where(finite, ll, 0) - top[:, None]), 0.0)
    tot = w.sum(axis=1)
    post = np.divide(w, tot[:, None], out=np.full_like(w, np.nan), where=tot[:, None] > 0)
    best = np.argmax(np.where(np.isfinite(post), post, -1), axis=1) if cols else np.zeros(
        len(pairs), dtype=int)
    out = pd.DataFrame({"id1": pairs["id1"].astype(str).to_numpy(),
                        "id2": pairs["id2"].astype(str).to_numpy()})
    out["relationship"] = np.where(ok, np.array([c.upper() for c in classes] or ["U"])[best],
                                   "U")
    out["probability"] = np.where(ok, post[np.arange(len(pairs)), best] if cols else np.nan,
                                  np.nan)
    for k, c in enumerate(classes):
        out[f"p_{c}"] = post[:, k]
    return out


def _force_layout(m: int, e: np.ndarray, rng, iterations: int) -> np.ndarray:
    """Fruchterman-Reingold positions of one connected component, centred, in the unit disc."""
    if m == 1:
        return np.zeros((1, 2))
    pos = rng.uniform(-1, 1, size=(m, 2))
    k = np.sqrt(4.0 / m)           # ideal edge length in a 2 x 2 box
    temp = 0.2
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.hypot(delta[..., 0], delta[..., 1]), 1e-3)
        disp = ((k * k / dist**2)[..., None] * delta).sum(axis=1)   # repulsion, all pairs
        de = pos[e[:, 0]] - pos[e[:, 1]]
        dd = np.maximum(np.hypot(de[:, 0], de[:, 1]), 1e-3)
        pull = (dd / k)[:, None] * de                                 # attraction, edges
        np.add.at(disp, e[:, 0], -pull)
        np.add.at(disp, e[:, 1], pull)
        length = np.maximum(np.hypot(disp[:, 0], disp[:, 1]), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
        temp = max(temp * 0.985, 0.002)
    pos -= pos.mean(axis=0)
    return pos / max(float(np.hypot(pos[:, 0], pos[:, 1]).max()), 1e-9)


def network_layout(n: int, edges: np.ndarray, seed: int = 1, iterations: int = 300
                   ) -> np.ndarray:
    """Node positions for a kinship network: each family (connected component) laid out by
    force direction (Fruchterman & Reingold 1991) in its own cell of a grid, larger families
    in larger discs; animals without an edge on an outer ring.

    Parameters
    ----------
    n : int
        Number of nodes.
    edges : int array (n_edges, 2)
        Node indices of each edge.
    seed : int
        Seed of the starting positions (the same seed gives the same layout).
    iterations : int
        Cooling steps.

    Returns
    -------
    float array (n, 2)
        Positions; linked nodes inside the unit disc, unlinked ones on a ring of radius 1.25.

    Examples
    --------
    >>> xy = network_layout(4, np.array([[0, 1], [1, 2]]))
    >>> round(float(np.hypot(*xy[3])), 2), bool((np.hypot(*xy[:3].T) <= 1).all())
    (1.25, True)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    xy = np.zeros((n, 2))
    linked = np.zeros(n, dtype=bool)
    linked[edges.ravel()] = True
    idx = np.flatnonzero(linked)
    lone = np.flatnonzero(~linked)
    if lone.size:
        ang = 2 * np.pi * np.arange(lone.size) / lone.size
        xy[lone] = 1.25 * np.column_stack([np.cos(ang), np.sin(ang)])
    m = idx.size
    if m == 0:
        return xy
    local = np.full(n, -1)
    local[idx] = np.arange(m)
    e = local[edges]
    graph = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(m, m))
    n_comp, label = connected_components(graph, directed=False)
    sizes = np.bincount(label, minlength=n_comp)
    order = np.lexsort((np.arange(n_comp), -sizes))        # largest family first
    cols = int(np.ceil(np.sqrt(n_comp)))
    rows = int(np.ceil(n_comp / cols))
    half = 0.7                                              # the grid fits in the unit disc
    cell = 2 * half / max(cols, rows)
    rng = np.random.default_rng(seed)
    pos = np.zeros((m, 2))
    for slot, c in enumerate(order):                        # one layout per family
        members = np.flatnonzero(label == c)
        sub = np.full(m, -1)
        sub[members] = np.arange(members.size)
        ce = sub[e[label[e[:, 0]] == c]]
        centre = np.array([-half + cell * (slot % cols + 0.5),
                           half - cell * (slot // cols + 0.5)])
        radius = 0.45 * cell * np.sqrt(sizes[c] / sizes.max())
        pos[members] = centre + radius * _force_layout(members.size, ce, rng, iterations)
    xy[idx] = pos
    return xy


def plot_kinship_network(edges: pd.DataFrame, ids, path, threshold: float = 0.9,
                         source: str = "", seed: int = 1) -> pd.DataFrame:
    """Kinship network: an edge for each pair whose probability of being related (any kin
    class: ``1 - p_u``) is at least ``threshold``, coloured by its most probable kin class,
    width by that probability; animals without such a relative on an outer ring.

    Parameters
    ----------
    edges : DataFrame (n_pairs, ...)
        ``id1, id2, p_u`` and one ``p_<class>`` column per kin class (``p_po, p_fs, p_hs``
        and ``p_gpav`` when present): :func:`pair_probabilities` of the relatedness pairs,
        or ``pedigree/relationships.tsv``.
    ids : sequence of str
        Every animal drawn (pairs naming other ids are ignored).
    path : str or Path
        The PNG to write.
    threshold : float
        Least probability that a pair is related for an edge.
    source : str
        Where the probabilities come from (in the title).
    seed : int
        Seed of the layout (:func:`network_layout`).

    Returns
    -------
    DataFrame (n_edges, 4)
        The edges drawn: ``id1, id2, relationship`` (most probable kin class) and
        ``p_related``.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    plt = _pyplot()
    ids = [str(i) for i in ids]
    index = pd.Index(ids)
    kin = [c for c in edges.columns if c.startswith("p_") and c != "p_u"]
    pk = edges[kin].to_numpy(dtype=float) if kin else np.zeros((len(edges), 1))
    names = np.array([c[2:].upper() for c in kin] or ["KIN"])
    rel = names[np.argmax(np.where(np.isfinite(pk), pk, -1), axis=1)]
    prob = 1 - edges["p_u"].to_numpy(dtype=float)
    a = index.get_indexer(edges["id1"].astype(str))
    b = index.get_indexer(edges["id2"].astype(str))
    sel = np.isfinite(prob) & (prob >= threshold) & (a >= 0) & (b >= 0)
    e = np.column_stack([a[sel], b[sel]])
    xy = network_layout(len(ids), e, seed=seed)
    fig, ax = plt.subplots(figsize=(8.5, 8.5))
    colours = pd.Series(rel[sel]).map(KIN_COLOURS).fillna("#7f8c8d").tolist()
    if len(e):
        segs = np.stack([xy[e[:, 0]], xy[e[:, 1]]], axis=1)
        ax.add_collection(LineCollection(segs, colors=colours,
                                         linewidths=0.8 + 3 * (prob[sel] - threshold)
                                         / max(1 - threshold, 1e-9), alpha=0.85, zorder=1))
    linked = np.zeros(len(ids), dtype=bool)
    linked[e.ravel()] = True
    ax.scatter(xy[linked, 0], xy[linked, 1], s=40, color="black", zorder=2)
    ax.scatter(xy[~linked, 0], xy[~linked, 1], s=18, color="#aaaaaa", zorder=2)
    for k in np.flatnonzero(linked):
        ax.annotate(ids[k], xy[k], textcoords="offset points", xytext=(4, 4), fontsize=7)
    present = [c for c in KIN_COLOURS if c in set(rel[sel])]
    handles = [Line2D([], [], color=KIN_COLOURS[c], lw=2.5,
                      label=f"{c} ({int((rel[sel] == c).sum())})") for c in present]
    handles.append(Line2D([], [], marker="o", ls="", color="#aaaaaa",
                          label=f"no relative at P >= {threshold:g} ({int((~linked).sum())})"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    ax.set_title(f"Kinship network: {len(e)} pairs related with P >= {threshold:g}"
                 + (f"\n({source})" if source else ""), fontsize=10)
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    _save(fig, path)
    names = np.asarray(ids, dtype=object)
    return pd.DataFrame({"id1": names[e[:, 0]], "id2": names[e[:, 1]],
                         "relationship": rel[sel], "p_related": prob[sel]})
