"""A drawn pedigree (matplotlib, Agg backend, written atomically, same bytes on a rerun).

:func:`pedigree_layout` places animals in rows by birth year (older at the top); an animal
without a birth year is placed ``min_gap`` years before its earliest-born offspring, or
after its later-born parent, or (no relative with a year) in a row above everyone. Within a
row animals are ordered by the mean position of their parents, founders by that of their
offspring (barycentre sweeps, Sugiyama, Tagawa & Toda 1981 IEEE Trans SMC 11:109), which
keeps families together and lines short for 50-250 animals.

:func:`plot_pedigree` draws lines from each parent to its offspring (sire links blue, dam
links red, opacity = the link's probability, dashed from a dummy parent), males as squares,
females as circles, unknown sex as diamonds, dummy (inferred, unsampled) parents hollow with
a dashed edge, and a ``?`` after the id of an animal whose birth year was placed from its
relatives.
"""

from __future__ import annotations

import numpy as np

SIRE_COLOUR = "#3a6ea5"
DAM_COLOUR = "#c0504d"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_png(fig, path, dpi: int) -> None:
    from leogen.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})


def placed_years(sire_idx, dam_idx, birth_year=None, min_gap: float = 3.0):
    """Row (birth year) of every animal, unknown years placed from relatives.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    birth_year : float array (n,), optional
        NaN where unknown. None: every year unknown (rows by generation depth).
    min_gap : float
        Years between a parent's row and its offspring's when one of them is placed.

    Returns
    -------
    year : float array (n,)
        Row of each animal.
    known : bool array (n,)
        The birth year was given (not placed).

    Examples
    --------
    A dummy sire (no year) of two cubs born 2010 and 2012 goes 3 years before the first:

    >>> y, known = placed_years([-1, 0, 0], [-1, -1, -1], [np.nan, 2010, 2012])
    >>> y.tolist(), known.tolist()
    ([2007.0, 2010.0, 2012.0], [False, True, True])
    """
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    n = s.size
    y = (np.full(n, np.nan) if birth_year is None
         else np.asarray(birth_year, dtype=float).copy())
    known = np.isfinite(y)
    if not known.any():
        from leogen.pedigree.kinship import generation_depth

        return generation_depth(s, d).astype(float) * min_gap, known
    child = np.concatenate([np.flatnonzero(s >= 0), np.flatnonzero(d >= 0)])
    parent = np.concatenate([s[s >= 0], d[d >= 0]])
    for _ in range(n + 1):  # propagate along links until stable (vectorised over links)
        before = np.isfinite(y).sum()
        off_min = np.full(n, np.inf)
        np.minimum.at(off_min, parent, np.where(np.isfinite(y[child]), y[child], np.inf))
        par_max = np.full(n, -np.inf)
        np.maximum.at(par_max, child, np.where(np.isfinite(y[parent]), y[parent], -np.inf))
        todo = ~np.isfinite(y)
        from_off = todo & np.isfinite(off_min)
        y[from_off] = off_min[from_off] - min_gap
        from_par = todo & ~from_off & np.isfinite(par_max)
        y[from_par] = par_max[from_par] + min_gap
        if np.isfinite(y).sum() == before:
            break
    rest = ~np.isfinite(y)
    y[rest] = np.nanmin(y) - min_gap
    return y, known


def pedigree_layout(sire_idx, dam_idx, birth_year=None, min_gap: float = 3.0,
                    n_sweeps: int = 4):
    """Positions of the animals of a drawn pedigree: rows by birth year, order within a row
    by barycentre sweeps (Sugiyama, Tagawa & Toda 1981 IEEE Trans SMC 11:109).

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    birth_year : float array (n,), optional
        NaN where unknown (:func:`placed_years`).
    min_gap : float
        As in :func:`placed_years`.
    n_sweeps : int
        Down (by parents) and up (by offspring) passes.

    Returns
    -------
    x : float array (n,)
        Position within the row, rows centred on 0, animals 1 apart.
    y : float array (n,)
        Row (birth year, placed where unknown).
    known : bool array (n,)
        The birth year was given.

    Examples
    --------
    >>> x, y, known = pedigree_layout([-1, -1, 0, 0], [-1, -1, 1, 1], [2000, 2001, 2005, 2005])
    >>> x.tolist(), y.tolist()
    ([0.0, 0.0, -0.5, 0.5], [2000.0, 2001.0, 2005.0, 2005.0])
    """
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    n = s.size
    y, known = placed_years(s, d, birth_year, min_gap)
    rows = np.unique(y)
    row_of = np.searchsorted(rows, y)
    # initial order: input order within each row
    x = np.zeros(n)
    _spread(x, row_of, np.arange(n, dtype=float))
    child = np.concatenate([np.flatnonzero(s >= 0), np.flatnonzero(d >= 0)])
    parent = np.concatenate([s[s >= 0], d[d >= 0]])
    for sweep in range(n_sweeps):
        if sweep % 2 == 0:   # down: mean x of the parents
            tot = np.zeros(n)
            cnt = np.zeros(n)
            np.add.at(tot, child, x[parent])
            np.add.at(cnt, child, 1.0)
        else:                # up: mean x of the offspring
            tot = np.zeros(n)
            cnt = np.zeros(n)
            np.add.at(tot, parent, x[child])
            np.add.at(cnt, parent, 1.0)
        key = np.where(cnt > 0, tot / np.maximum(cnt, 1), x)
        _spread(x, row_of, key)
    return x, y, known


def _spread(x, row_of, key) -> None:
    """Rank animals within each row by ``key`` (ties by input order), evenly spaced and
    centred."""
    n = x.size
    order = np.lexsort((np.arange(n), key, row_of))
    r = row_of[order]
    start = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    size = np.diff(np.r_[start, n])
    rank = np.arange(n) - np.repeat(start, size)
    x[order] = rank - (np.repeat(size, size) - 1) / 2.0


def plot_pedigree(ids, sire_idx, dam_idx, path, sex=None, birth_year=None, dummy=None,
                  sire_probability=None, dam_probability=None, title: str | None = None,
                  labels: bool | None = None, min_gap: float = 3.0, dpi: int = 120) -> None:
    """Draw a pedigree to a PNG (rows by birth year; see the module docstring).

    Parameters
    ----------
    ids : sequence (n,) of str
        Animal ids.
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    path : str or Path
        The PNG file (written atomically).
    sex : sequence (n,), optional
        ``M`` / ``F`` (anything else unknown).
    birth_year : float array (n,), optional
        NaN where unknown.
    dummy : bool array (n,), optional
        Dummy (inferred, unsampled) parents.
    sire_probability, dam_probability : float arrays (n,), optional
        Probability of each animal's sire / dam link (NaN or absent: drawn opaque).
    title : str, optional
    labels : bool, optional
        Write the ids (default: when there are at most 150 animals).
    min_gap : float
        As in :func:`placed_years`.
    dpi : int

    Returns
    -------
    None

    Raises
    ------
    ValueError
        Arrays of different lengths, or a cycle in the pedigree.
    """
    plt = _pyplot()
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    ids = np.asarray([str(i) for i in ids], dtype=object)
    n = ids.size
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    sx = np.asarray(["" if v is None else str(v) for v in
                     (sex if sex is not None else [""] * n)], dtype=object)
    dum = np.zeros(n, dtype=bool) if dummy is None else np.asarray(dummy, dtype=bool)
    probs = []
    for p in (sire_probability, dam_probability):
        p = np.full(n, np.nan) if p is None else np.asarray(p, dtype=float)
        probs.append(p)
    for what, arr in (("sire_idx", s), ("dam_idx", d), ("sex", sx), ("dummy", dum),
                      ("sire_probability", probs[0]), ("dam_probability", probs[1])):
        if arr.shape != (n,):
            raise ValueError(f"{what} has shape {arr.shape}, expected ({n},)")
    x, y, known = pedigree_layout(s, d, birth_year, min_gap)
    rows = np.unique(y)
    width = max(6.0, min(40.0, 0.32 * np.bincount(np.searchsorted(rows, y)).max() + 2))
    height = max(4.0, min(30.0, 0.45 * rows.size + 2))
    fig, ax = plt.subplots(figsize=(width, height))
    for par, prob, colour in ((s, probs[0], SIRE_COLOUR), (d, probs[1], DAM_COLOUR)):
        kid = np.flatnonzero(par >= 0)
        if kid.size == 0:
            continue
        seg = np.stack([np.c_[x[par[kid]], y[par[kid]]], np.c_[x[kid], y[kid]]], axis=1)
        p = np.where(np.isfinite(prob[kid]), np.clip(prob[kid], 0, 1), 1.0)
        rgba = np.tile(np.array(_rgb(colour) + (1.0,)), (kid.size, 1))
        rgba[:, 3] = 0.12 + 0.78 * p
        from_dummy = dum[par[kid]]
        for mask, style in ((~from_dummy, "solid"), (from_dummy, (0, (3, 2)))):
            if mask.any():
                ax.add_collection(LineCollection(seg[mask], colors=rgba[mask], linewidths=0.9,
                                                 linestyles=style, zorder=1))
    for code, marker, colour in (("M", "s", SIRE_COLOUR), ("F", "o", DAM_COLOUR),
                                 ("", "D", "#808080")):
        is_sex = (sx == code) if code else ~np.isin(sx, ["M", "F"])
        for hollow in (False, True):
            m = is_sex & (dum == hollow)
            if not m.any():
                continue
            ax.scatter(x[m], y[m], s=42, marker=marker, zorder=3,
                       facecolors="white" if hollow else colour,
                       edgecolors="#555555" if hollow else "black",
                       linewidths=0.9 if hollow else 0.5,
                       linestyles="dashed" if hollow else "solid")
    if labels is None:
        labels = n <= 150
    if labels:
        size = 6 if n <= 60 else 4.5
        for k in range(n):  # one label per animal
            ax.annotate(ids[k] + ("" if known[k] else "?"), (x[k], y[k]),
                        xytext=(0, 5.5), textcoords="offset points", ha="center",
                        va="bottom", fontsize=size, zorder=4)
    ax.set_yticks(rows)
    ax.set_yticklabels([f"{r:g}" if np.isin(r, y[known]) else f"({r:g})" for r in rows],
                       fontsize=6)
    ax.set_ylim(rows.max() + 1, rows.min() - 1.2)
    ax.set_xlim(x.min() - 1, x.max() + 1)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel("birth year (placed from relatives in brackets)")
    n_dummy = int(dum.sum())
    ax.set_title(title or f"Pedigree of {n} animals ({n_dummy} dummy "
                          f"parent{'' if n_dummy == 1 else 's'})", fontsize=9)
    handles = [
        Line2D([], [], color=SIRE_COLOUR, lw=1.2, label="sire link"),
        Line2D([], [], color=DAM_COLOUR, lw=1.2, label="dam link"),
        Line2D([], [], color="#555555", lw=1.2, ls=(0, (3, 2)), label="from a dummy parent"),
        Line2D([], [], color="#555555", lw=1.2, alpha=0.25, label="low probability (faint)"),
        Line2D([], [], ls="", marker="s", color=SIRE_COLOUR, label="male"),
        Line2D([], [], ls="", marker="o", color=DAM_COLOUR, label="female"),
        Line2D([], [], ls="", marker="D", color="#808080", label="sex unknown"),
        Line2D([], [], ls="", marker="o", mfc="white", mec="#555555", label="dummy parent"),
    ]
    ax.legend(handles=handles, fontsize=6, frameon=False, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    _save_png(fig, path, dpi=dpi)
    plt.close(fig)


def _rgb(hex_colour: str) -> tuple:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
