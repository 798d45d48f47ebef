"""Figures of the population-genetics stage (matplotlib, Agg backend, written atomically).

- :func:`plot_ho_he`: observed against expected heterozygosity per locus (``ho_he.png``);
- :func:`plot_allele_freqs`: allele frequency bars per locus (``allele_freqs.png``);
- :func:`plot_heatmap`: a square relatedness matrix, animals in hierarchical-clustering order
  (:func:`cluster_order`; ``heatmap.png``);
- :func:`plot_network`: pairs related above a threshold (``network.png``).

PNGs are saved without the software version in their metadata, so reruns give the same bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_png(fig, path, dpi: int) -> None:
    from leogen.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})


def plot_ho_he(per_locus: pd.DataFrame, path) -> None:
    """Observed vs expected heterozygosity per locus and population (1:1 line).

    Parameters
    ----------
    per_locus : the ``diversity/per_locus.tsv`` table (columns ``population, ho,
        he_unbiased``), one point per row.
    path : PNG file to write.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for pop, d in per_locus.groupby("population", sort=False):
        ax.scatter(d["he_unbiased"], d["ho"], s=18, alpha=0.8, label=str(pop))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("He (unbiased, Nei 1987)")
    ax.set_ylabel("Ho")
    ax.set_title("Observed vs expected heterozygosity per locus")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    _save_png(fig, path, dpi=120)
    plt.close(fig)


def plot_allele_freqs(freqs: pd.DataFrame, path, max_loci: int = 30) -> None:
    """Allele frequency bars per locus in the pooled sample (first ``max_loci`` loci).

    Parameters
    ----------
    freqs : the ``diversity/allele_freqs.tsv`` table (``locus, population, allele, freq``);
        only the pooled 'all' rows are drawn.
    path : PNG file to write.
    max_loci : loci drawn at most, one panel each.
    """
    plt = _pyplot()
    d = freqs[freqs["population"] == "all"]
    loci = list(dict.fromkeys(d["locus"]))[:max_loci]
    ncol = min(5, max(1, len(loci)))
    nrow = max(1, int(np.ceil(len(loci) / ncol)))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3 * ncol, 2.2 * nrow), squeeze=False)
    for ax, locus in zip(axes.ravel(), loci, strict=False):
        x = d[d["locus"] == locus]
        ax.bar(range(len(x)), x["freq"].to_numpy(dtype=float), color="#4477aa")
        ax.set_xticks(range(len(x)))
        ax.set_xticklabels(x["allele"], rotation=90, fontsize=6)
        ax.set_ylim(0, 1)
        ax.set_title(str(locus), fontsize=8)
    for ax in axes.ravel()[len(loci):]:
        ax.axis("off")
    fig.suptitle("Allele frequencies (pooled sample)", fontsize=10)
    fig.tight_layout()
    _save_png(fig, path, dpi=110)
    plt.close(fig)


def cluster_order(matrix: np.ndarray) -> np.ndarray:
    """Order of the animals that puts relatives next to each other: the leaves of an
    average-linkage (UPGMA, Sokal & Michener 1958) tree on the distance ``max(r) - r``, with
    the optimal leaf ordering of Bar-Joseph, Gifford & Jaakkola (2001) (scipy).

    Parameters
    ----------
    matrix : float array (n, n)
        Symmetric relatedness matrix; NaN (the diagonal, untyped pairs) counts as unrelated
        (r = 0), the diagonal as the largest value.

    Returns
    -------
    int array (n,)
        Row order; the same matrix gives the same order.

    Examples
    --------
    Two pairs of relatives, given interleaved, come out adjacent:

    >>> r = np.array([[np.nan, 0, .5, 0], [0, np.nan, 0, .5], [.5, 0, np.nan, 0],
    ...               [0, .5, 0, np.nan]])
    >>> order = cluster_order(r).tolist()
    >>> abs(order.index(0) - order.index(2)), abs(order.index(1) - order.index(3))
    (1, 1)
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    m = np.asarray(matrix, dtype=float)
    n = m.shape[0]
    if n < 3:
        return np.arange(n)
    s = np.where(np.isfinite(m), m, 0.0)
    s = (s + s.T) / 2
    top = max(float(s.max()), 1.0)
    d = top - s
    np.fill_diagonal(d, 0.0)
    return leaves_list(linkage(squareform(d, checks=False), method="average",
                               optimal_ordering=True))


def plot_heatmap(matrix: pd.DataFrame, path, title: str, cluster: bool = True) -> None:
    """Heatmap of a square relatedness matrix, PNG, animals in clustering order.

    Parameters
    ----------
    matrix : (n, 1 + n) frame from :func:`leogen.popgen.relatedness.relatedness_matrix`
        (column ``id`` then one column per animal).
    path : PNG file to write.
    title : figure title.
    cluster : order the animals by :func:`cluster_order` (False: in the matrix's order).
    """
    plt = _pyplot()
    ids = matrix["id"].astype(str).tolist()
    m = matrix.drop(columns="id").to_numpy(float)
    if cluster:
        order = cluster_order(m)
        m = m[np.ix_(order, order)]
        ids = [ids[k] for k in order]
    size = min(4 + 0.12 * len(ids), 30)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    im = ax.imshow(m, cmap="viridis", vmin=min(-0.25, np.nanmin(m) if np.isfinite(m).any() else 0),
                   vmax=1.0, interpolation="nearest")
    if len(ids) <= 80:
        ax.set_xticks(range(len(ids)), ids, rotation=90, fontsize=6)
        ax.set_yticks(range(len(ids)), ids, fontsize=6)
    ax.set_title(title + (" - clustered (UPGMA)" if cluster else ""))
    fig.colorbar(im, ax=ax, label="relatedness r")
    fig.tight_layout()
    _save_png(fig, path, dpi=120)
    plt.close(fig)


def plot_network(pairs: pd.DataFrame, estimator: str, ids, path, threshold: float = 0.2) -> None:
    """Relatedness network: individuals on a circle, an edge per pair with r >= threshold
    (width and colour by r). matplotlib only.

    Parameters
    ----------
    pairs : the pairs table (``id1, id2`` and the ``estimator`` column), one row per pair.
    estimator : column of ``pairs`` drawn.
    ids : the n animals, in drawing order around the circle.
    path : PNG file to write.
    threshold : edges for pairs with r >= threshold.
    """
    plt = _pyplot()
    ids = list(ids)
    pos = pd.Index(ids)
    ang = 2 * np.pi * np.arange(len(ids)) / max(len(ids), 1)
    xy = np.column_stack([np.cos(ang), np.sin(ang)])
    r = pairs[estimator].to_numpy(float)
    sel = np.isfinite(r) & (r >= threshold)
    a, b = pos.get_indexer(pairs["id1"][sel]), pos.get_indexer(pairs["id2"][sel])
    fig, ax = plt.subplots(figsize=(8, 8))
    cmap = plt.get_cmap("plasma")
    for ia, ib, rv in zip(a, b, r[sel], strict=True):  # one line per drawn edge
        ax.plot(xy[[ia, ib], 0], xy[[ia, ib], 1], color=cmap(min(max(rv, 0), 1)),
                lw=0.5 + 3 * min(max(rv, 0), 1), alpha=0.8, zorder=1)
    ax.scatter(xy[:, 0], xy[:, 1], s=30, color="black", zorder=2)
    if len(ids) <= 150:
        for k, name in enumerate(ids):
            ax.text(1.08 * xy[k, 0], 1.08 * xy[k, 1], name, fontsize=6, ha="center",
                    va="center", rotation=np.degrees(ang[k]) if len(ids) > 30 else 0)
    ax.set_title(f"{estimator} r >= {threshold:g}: {int(sel.sum())} pairs")
    ax.set_aspect("equal")
    ax.axis("off")
    _save_png(fig, path, dpi=120)
    plt.close(fig)
