"""Pedigree kinship, inbreeding and relationship classes.

Kinship (coefficient of coancestry) phi_ij is the probability that an allele drawn at random
from i and one drawn at random from j at the same locus are identical by descent. It is
computed by the tabular method (Emik & Terrill 1949; Falconer & Mackay 1996, ch. 5), with
individuals ordered so that parents precede offspring:

    phi_ii = (1 + F_i) / 2,        F_i = phi_{sire(i), dam(i)}   (0 if a parent is unknown)
    phi_ij = (phi_{j, sire(i)} + phi_{j, dam(i)}) / 2   for j older than i

with unknown parents contributing 0 (founders are unrelated and not inbred). Relatedness
r = 2 phi. Relationship classes are read off the parent links (see ``relationship_matrix``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leogen.errors import InputError

UNKNOWN_PARENT = {"", "NA", "na", "0", ".", "-", "None", "nan"}

#: relationship codes in order of priority (a pair gets the first that applies)
RELATIONSHIPS = ("PO", "FS", "HS", "GP", "AV", "FC", "U")

#: expected kinship of each class in an outbred pedigree (for reference / tests)
EXPECTED_KINSHIP = {"PO": 0.25, "FS": 0.25, "HS": 0.125, "GP": 0.125, "AV": 0.125,
                    "FC": 0.0625, "U": 0.0}


def parent_indices(ids, sires, dams, path=None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of each individual's sire and dam in ``ids`` (-1 = unknown).

    A pedigree must list every parent as an individual (founders with unknown parents).

    Parameters
    ----------
    ids : sequence (n,) of str
        Individual ids, unique.
    sires, dams : sequences (n,)
        Parent id of each individual; None, NaN or a token of :data:`UNKNOWN_PARENT`
        (``''``, ``NA``, ``na``, ``0``, ``.``, ``-``, ``None``, ``nan``) is unknown.
    path : str or Path, optional
        The pedigree file, for error messages.

    Returns
    -------
    sire_idx, dam_idx : int64 arrays (n,)
        Position of each parent in ``ids``, -1 where unknown.

    Raises
    ------
    InputError
        An id listed twice, a parent that is not listed as an individual, or an individual
        that is its own parent (column ``individual_id``, ``sire`` or ``dam``).

    Examples
    --------
    >>> s, d = parent_indices(["A", "B", "C"], ["", "NA", "A"], ["0", "", "B"])
    >>> s.tolist(), d.tolist()
    ([-1, -1, 0], [-1, -1, 1])
    """
    ids = np.asarray([str(x) for x in ids], dtype=object)
    if len(set(ids)) != len(ids):
        uniq, cnt = np.unique(ids.astype(str), return_counts=True)
        raise InputError(f"individual_id {uniq[cnt > 1][0]!r} appears more than once", path,
                         column="individual_id")
    index = pd.Index(ids)
    out = []
    for col, parents in (("sire", sires), ("dam", dams)):
        par = np.asarray(["" if p is None or (isinstance(p, float) and np.isnan(p)) else str(p)
                          for p in parents], dtype=object)
        unknown = np.isin(par, list(UNKNOWN_PARENT))
        idx = index.get_indexer(par)
        bad = (~unknown) & (idx < 0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(f"{col} {par[k]!r} of {ids[k]!r} is not listed as an individual",
                             path, column=col)
        self_parent = (~unknown) & (idx == np.arange(len(ids)))
        if self_parent.any():
            k = int(np.flatnonzero(self_parent)[0])
            raise InputError(f"{ids[k]!r} is its own {col}", path, column=col)
        out.append(np.where(unknown, -1, idx).astype(np.int64))
    return out[0], out[1]


def topological_order(sire_idx, dam_idx) -> np.ndarray:
    """A permutation of individuals in which every parent precedes its offspring.

    Individuals are sorted (stably) by generation depth, the longest path from a founder,
    so individuals of the same depth keep their input order.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown (as :func:`parent_indices` returns).

    Returns
    -------
    int64 array (n,)
        ``order`` such that ``order[k]`` is the k-th individual to visit.

    Raises
    ------
    ValueError
        The pedigree has a cycle (an animal is its own ancestor).

    Examples
    --------
    Individual 0 is the offspring of 2, which comes first:

    >>> topological_order([2, -1, -1], [-1, -1, -1]).tolist()
    [1, 2, 0]
    """
    sire_idx = np.asarray(sire_idx)
    dam_idx = np.asarray(dam_idx)
    n = len(sire_idx)
    depth = np.zeros(n, dtype=np.int64)
    # longest path from a founder: iterate until stable (at most n rounds)
    for _ in range(n + 1):
        ds = np.where(sire_idx >= 0, depth[np.maximum(sire_idx, 0)] + 1, 0)
        dd = np.where(dam_idx >= 0, depth[np.maximum(dam_idx, 0)] + 1, 0)
        new = np.maximum(ds, dd)
        if np.array_equal(new, depth):
            return np.argsort(depth, kind="stable")
        depth = new
    raise ValueError("the pedigree has a cycle (an animal is its own ancestor)")


def kinship_matrix(sire_idx, dam_idx, founder_kinship: np.ndarray | None = None) -> np.ndarray:
    """Pedigree kinship (coancestry) matrix by the tabular method (Emik & Terrill 1949,
    J Hered 40:51; Falconer & Mackay 1996, Introduction to Quantitative Genetics, ch. 5).

    ``phi_ii = (1 + F_i) / 2`` with ``F_i = phi_{sire, dam}``, and
    ``phi_ij = (phi_{j, sire(i)} + phi_{j, dam(i)}) / 2`` for j older than i; unknown
    parents contribute 0 (founders unrelated and not inbred) unless ``founder_kinship``
    gives the kinship among the founders (both parents unknown), e.g. a marker-based
    estimate: the tabular method then starts from that matrix (founders first). Individuals
    may come in any order (they are visited in :func:`topological_order`).

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown (:func:`parent_indices`).
    founder_kinship : float array (n, n), optional
        Kinship of pairs of founders (read for founder pairs only; the founders'
        self-kinship stays 1/2).

    Returns
    -------
    float array (n, n)
        Symmetric kinship matrix in the input order; diagonal ``(1 + F) / 2``.

    Raises
    ------
    ValueError
        The pedigree has a cycle.

    Examples
    --------
    Founders A, B; full sibs C, D of A x B; E = C x D (inbred): self 0.5, parent-offspring
    0.25, full sibs 0.25, unrelated founders 0, and E's self-kinship (1 + 1/4) / 2:

    >>> k = kinship_matrix([-1, -1, 0, 0, 2], [-1, -1, 1, 1, 3])
    >>> k[[0, 0, 2, 0, 4], [0, 2, 3, 1, 4]].tolist()  # A-A, A-C, C-D, A-B, E-E
    [0.5, 0.25, 0.25, 0.0, 0.625]

    Founders A and B with kinship 1/8: their offspring C has F = 1/8:

    >>> fk = np.array([[0.0, 0.125, 0.0], [0.125, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> float(2 * kinship_matrix([-1, -1, 0], [-1, -1, 1], fk)[2, 2] - 1)
    0.125
    """
    sire_idx = np.asarray(sire_idx, dtype=np.int64)
    dam_idx = np.asarray(dam_idx, dtype=np.int64)
    order = topological_order(sire_idx, dam_idx)
    founders = (sire_idx < 0) & (dam_idx < 0) if founder_kinship is not None else None
    links = []
    for parent in (sire_idx, dam_idx):
        o = np.flatnonzero(parent >= 0)
        links.append((o, parent[o], np.ones(o.size)))
    return _tabular_kinship(order, *links, founder_kinship,
                            None if founders is None else founders.astype(float))


def _weight_links(weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """The positive entries of a weight matrix ``[o, p]`` as links ``(o, p, weight)``."""
    o, p = np.nonzero(weights)
    return o, p, weights[o, p]


def _tabular_kinship(order: np.ndarray, sire_links: tuple, dam_links: tuple,
                     founder_kinship: np.ndarray | None, founder_share: np.ndarray | None
                     ) -> np.ndarray:
    """The tabular recursion over ``order`` (every parent with a weight before its
    offspring), each parent the mixture of its weighted candidates; the links of each role
    are ``(offspring, parent, weight)`` arrays. With ``founder_share`` (float (N,)) the
    kinship of i with an earlier j gains ``share_i share_j founder_kinship[i, j]``; animals
    without links come first, so that two founders meet in the later one's row and a
    founder meets a descendant through the descendant's parents."""
    n = len(order)
    rank = np.empty(n, np.int64)
    if founder_share is not None:
        share = np.asarray(founder_share, float)
        linked = np.zeros(n, bool)
        linked[sire_links[0]] = linked[dam_links[0]] = True
        order = np.concatenate([order[~linked[order]], order[linked[order]]])
        share_o = share[order]
        seed_o = np.asarray(founder_kinship, float)[np.ix_(order, order)]
    # each animal's weighted parents, as compressed rows in the visiting order
    rank[order] = np.arange(n)
    rows = []
    for o, p, val in (sire_links, dam_links):
        o, p = rank[o], rank[p]
        by = np.lexsort((p, o))
        rows.append((np.searchsorted(o[by], np.arange(n + 1)), p[by], val[by]))
    (s_ptr, s_par, s_w), (d_ptr, d_par, d_w) = rows
    k = np.zeros((n, n))
    for i in range(n):  # one pass per animal, vectorised over those before it
        s, ws = s_par[s_ptr[i]:s_ptr[i + 1]], s_w[s_ptr[i]:s_ptr[i + 1]]
        d, wd = d_par[d_ptr[i]:d_ptr[i + 1]], d_w[d_ptr[i]:d_ptr[i + 1]]
        ks = ws @ k[s, :i]
        row = 0.5 * (ks + wd @ k[d, :i])
        if founder_share is not None and share_o[i] > 0:
            row += share_o[i] * share_o[:i] * seed_o[i, :i]
        k[i, :i] = k[:i, i] = row
        k[i, i] = 0.5 * (1.0 + ks[d] @ wd)
    out = np.empty_like(k)
    out[np.ix_(order, order)] = k
    return out


def inbreeding_coefficients(sire_idx, dam_idx, kinship: np.ndarray | None = None) -> np.ndarray:
    """Pedigree inbreeding ``F_i`` = kinship of i's parents (Wright 1922, Am Nat 56:330),
    0 if a parent is unknown, read off the diagonal as ``F = 2 phi_ii - 1``.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.
    kinship : float array (n, n), optional
        The :func:`kinship_matrix` of these parents, when already computed.

    Returns
    -------
    float array (n,)

    Examples
    --------
    The offspring of two full sibs has F = 1/4:

    >>> inbreeding_coefficients([-1, -1, 0, 0, 2], [-1, -1, 1, 1, 3]).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.25]
    """
    k = kinship_matrix(sire_idx, dam_idx) if kinship is None else kinship
    return 2.0 * np.diag(k) - 1.0


def _parent_matrix(sire_idx, dam_idx) -> np.ndarray:
    n = len(sire_idx)
    p = np.zeros((n, n), dtype=np.int64)
    rows = np.arange(n)
    for par in (np.asarray(sire_idx), np.asarray(dam_idx)):
        ok = par >= 0
        p[rows[ok], par[ok]] = 1
    return p


def relationship_matrix(sire_idx, dam_idx) -> np.ndarray:
    """Relationship class of every pair from the parent links (diagonal: 'self').

    Classes, first match wins: PO parent-offspring; FS full sibs (same known sire and dam);
    HS half sibs (exactly one known parent shared); GP grandparent-grandchild; AV avuncular
    (one is a full sib of a parent of the other); FC first cousins (a parent of each are full
    sibs); U none of these. In inbred pedigrees a pair may fit several classes (the first is
    reported) and 'U' pairs may still have kinship > 0 (e.g. half-cousins); the kinship
    matrix is the quantitative truth.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown.

    Returns
    -------
    object array (n, n) of str
        Symmetric; codes of :data:`RELATIONSHIPS`, ``'self'`` on the diagonal.

    Examples
    --------
    >>> rel = relationship_matrix([-1, -1, 0, 0, 2], [-1, -1, 1, 1, 3])
    >>> rel[0, 1], rel[0, 2], rel[2, 3], rel[0, 4], rel[4, 4]
    ('U', 'PO', 'FS', 'GP', 'self')
    """
    p = _parent_matrix(sire_idx, dam_idx)
    n = p.shape[0]
    po = (p + p.T) > 0
    shared = p @ p.T
    both_known = (np.asarray(sire_idx) >= 0) & (np.asarray(dam_idx) >= 0)
    fs = (shared == 2) & both_known[:, None] & both_known[None, :]
    np.fill_diagonal(fs, False)
    hs = (shared >= 1) & ~fs
    np.fill_diagonal(hs, False)
    g = p @ p  # g[i, a] > 0: a is a grandparent of i
    gp = (g + g.T) > 0
    fsi = fs.astype(np.int64)
    av = fsi @ p.T  # av[i, j] > 0: i is a full sib of a parent of j
    av = (av + av.T) > 0
    fc = (p @ fsi @ p.T) > 0
    out = np.full((n, n), "U", dtype=object)
    for code, mask in reversed(list(zip(("PO", "FS", "HS", "GP", "AV", "FC"),
                                        (po, fs, hs, gp, av, fc), strict=True))):
        out[mask] = code
    np.fill_diagonal(out, "self")
    return out


def pedigree_frame_indices(ped: pd.DataFrame, path=None) -> tuple[np.ndarray, np.ndarray]:
    """Parent indices of a pedigree table (:func:`parent_indices` on its columns).

    Parameters
    ----------
    ped : DataFrame (n, >= 3)
        Columns ``individual_id, sire, dam`` (others ignored), one row per individual.
    path : str or Path, optional
        The pedigree file, for error messages.

    Returns
    -------
    sire_idx, dam_idx : int64 arrays (n,)
        Row of each parent, -1 unknown.

    Raises
    ------
    InputError
        A missing column, or any problem of :func:`parent_indices`.
    """
    for col in ("individual_id", "sire", "dam"):
        if col not in ped.columns:
            raise InputError(f"missing column {col}; expected individual_id, sire, dam", path)
    return parent_indices(ped["individual_id"].to_numpy(), ped["sire"].to_numpy(),
                          ped["dam"].to_numpy(), path)


def pedigree_inbreeding(ped: pd.DataFrame) -> np.ndarray:
    """Pedigree inbreeding F of every row of a pedigree table (tabular method,
    :func:`kinship_matrix`; Emik & Terrill 1949).

    Parameters
    ----------
    ped : DataFrame (n, >= 3)
        Columns ``individual_id, sire, dam``.

    Returns
    -------
    float array (n,)
        F in row order.

    Raises
    ------
    InputError
        As :func:`pedigree_frame_indices` (errors name no file).
    ValueError
        The pedigree has a cycle.

    Examples
    --------
    >>> ped = pd.DataFrame({"individual_id": ["A", "B", "C", "D", "E"],
    ...                     "sire": ["", "", "A", "A", "C"], "dam": ["", "", "B", "B", "D"]})
    >>> pedigree_inbreeding(ped).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.25]
    """
    s, d = pedigree_frame_indices(ped)
    return inbreeding_coefficients(s, d)


def kinship_pairs(ids, kinship: np.ndarray, relationship: np.ndarray,
                  subset=None, expected: np.ndarray | None = None) -> pd.DataFrame:
    """Long table of all pairs (i < j) with their kinship and relationship class.

    Parameters
    ----------
    ids : sequence (n,) of str
        Individual ids, in the order of the matrices.
    kinship : float array (n, n)
        :func:`kinship_matrix`.
    relationship : object array (n, n)
        :func:`relationship_matrix`.
    subset : bool array (n,) or int array (k,), optional
        Individuals to include (default all); pairs come in the order of ``subset``
        (of ``ids`` for a mask), first member before second.
    expected : float array (n, n), optional
        :func:`average_kinship_matrix`, written as ``kinship_expected``.

    Returns
    -------
    DataFrame (k (k - 1) / 2, 5 or 6)
        ``id1, id2, kinship, relatedness, relationship[, kinship_expected]``; relatedness =
        2 * kinship.

    Examples
    --------
    >>> k = kinship_matrix([-1, -1, 0], [-1, -1, 1])
    >>> rel = relationship_matrix([-1, -1, 0], [-1, -1, 1])
    >>> kinship_pairs(["A", "B", "C"], k, rel, subset=[0, 2]).to_dict("records")
    [{'id1': 'A', 'id2': 'C', 'kinship': 0.25, 'relatedness': 0.5, 'relationship': 'PO'}]
    """
    ids = np.asarray(ids, dtype=object)
    sel = np.arange(len(ids)) if subset is None else np.asarray(subset)
    if sel.dtype == bool:
        sel = np.flatnonzero(sel)
    a, b = np.triu_indices(len(sel), k=1)
    i, j = sel[a], sel[b]
    kin = kinship[i, j]
    out = pd.DataFrame({
        "id1": ids[i],
        "id2": ids[j],
        "kinship": kin,
        "relatedness": 2.0 * kin,
        "relationship": relationship[i, j],
    })
    if expected is not None:
        out["kinship_expected"] = expected[i, j]
    return out


def generation_depth(sire_idx, dam_idx) -> np.ndarray:
    """Generation depth of every animal: 0 for founders, else 1 + the deeper parent's depth.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown (:func:`parent_indices`).

    Returns
    -------
    int64 array (n,)

    Raises
    ------
    ValueError
        The pedigree has a cycle.

    Examples
    --------
    >>> generation_depth([-1, -1, 0, 2], [-1, -1, 1, -1]).tolist()
    [0, 0, 1, 2]
    """
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    depth = np.zeros(s.size, dtype=np.int64)
    for _ in range(s.size + 1):  # longest path: at most n rounds, vectorised over animals
        new = np.maximum(np.where(s >= 0, depth[np.maximum(s, 0)] + 1, 0),
                         np.where(d >= 0, depth[np.maximum(d, 0)] + 1, 0))
        if np.array_equal(new, depth):
            return depth
        depth = new
    raise ValueError("the pedigree has a cycle (an animal is its own ancestor)")


def ancestor_matrix(sire_idx, dam_idx) -> np.ndarray:
    """Which animals are ancestors of which: ``[x, y]`` is True when y is x or an ancestor
    of x.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n,)
        Parent positions, -1 unknown (:func:`parent_indices`), acyclic.

    Returns
    -------
    bool array (n, n)

    Raises
    ------
    ValueError
        The pedigree has a cycle.

    Examples
    --------
    >>> ancestor_matrix([-1, -1, 0, 2], [-1, -1, 1, -1]).astype(int).tolist()
    [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    """
    s = np.asarray(sire_idx, dtype=np.int64)
    d = np.asarray(dam_idx, dtype=np.int64)
    depth = generation_depth(s, d)
    anc = np.eye(s.size, dtype=bool)
    for lev in range(1, int(depth.max()) + 1 if s.size else 0):  # parents before offspring
        rows = np.flatnonzero(depth == lev)
        for par in (s[rows], d[rows]):
            ok = par >= 0
            anc[rows[ok]] |= anc[par[ok]]
    return anc


def expected_inbreeding(kinship: np.ndarray, sire_weights: np.ndarray,
                        dam_weights: np.ndarray) -> np.ndarray:
    """Posterior expectation of each animal's pedigree F over uncertain parents:
    ``F_o = sum_{s, d} w_s(o, s) phi(s, d) w_d(o, d)``, the kinship of its possible sires and
    dams weighted by their probabilities (F of an animal is the kinship of its parents,
    Malecot 1948; a parent with no weight, e.g. one not sampled, contributes kinship 0).

    Parameters
    ----------
    kinship : float array (N, N), pedigree kinship (:func:`kinship_matrix`).
    sire_weights, dam_weights : float arrays (n, N), probability that each of the N animals
        is the sire / dam of each of the n animals (rows sum to at most 1).

    Returns
    -------
    float array (n,)

    Examples
    --------
    Parents 0 and 1 full sibs (kinship 1/4), a second possible sire 2 unrelated to 1:
    with the sire 0 at probability 0.6, 2 at 0.4, F = 0.6 / 4 = 0.15:

    >>> k = np.array([[0.5, 0.25, 0.0], [0.25, 0.5, 0.0], [0.0, 0.0, 0.5]])
    >>> expected_inbreeding(k, np.array([[0.6, 0.0, 0.4]]), np.array([[0.0, 1.0, 0.0]]))
    array([0.15])
    """
    return np.einsum("os,sd,od->o", sire_weights, kinship, dam_weights)


def weighted_order(sire_weights: np.ndarray, dam_weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """An order of the animals in which every possible parent precedes its offspring, and
    the weights with the links that would break it dropped.

    The links with positive weight form a directed graph; in each of its strongly connected
    components of more than one animal (where the cycles are, Tarjan 1972 SIAM J Comput
    1:146, by scipy's ``connected_components``) the weakest link is dropped (the weakest
    tenth in a component of more than 20 links), round after round until none is left, so
    the strongest links set the order; then Kahn's topological sort (Kahn 1962 Commun ACM
    5:558).

    Parameters
    ----------
    sire_weights, dam_weights : float arrays (N, N), ``[o, p]`` probability that p is o's
        sire / dam.

    Returns
    -------
    order : int array (N,); sire_weights, dam_weights : float arrays (N, N), copies with the
    dropped links 0.

    Examples
    --------
    0 may be the sire of 1 (0.9) and 1 the sire of 0 (0.2): the weaker link goes.

    >>> w = np.array([[0.0, 0.2], [0.9, 0.0]])
    >>> order, ws, _ = weighted_order(w, np.zeros((2, 2)))
    >>> order.tolist(), ws.tolist()
    ([0, 1], [[0.0, 0.0], [0.9, 0.0]])
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    ws = np.array(sire_weights, float)
    wd = np.array(dam_weights, float)
    n = ws.shape[0]
    np.fill_diagonal(ws, 0.0)
    np.fill_diagonal(wd, 0.0)
    both = np.maximum(ws, wd)
    while True:  # each round drops the weakest link inside every cycle-bearing component
        n_comp, comp = connected_components(csr_matrix(both > 0), directed=True,
                                            connection="strong")
        size = np.bincount(comp, minlength=n_comp)
        o, p = np.nonzero(both)
        inside = (comp[o] == comp[p]) & (size[comp[o]] > 1)
        if not inside.any():
            break
        o, p = o[inside], p[inside]
        c = comp[o]
        by = np.lexsort((both[o, p], c))  # weakest first within each component
        c = c[by]
        start = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        count = np.diff(np.r_[start, len(c)])
        rank = np.arange(len(c)) - np.repeat(start, count)
        # the weakest link of a small component; a tenth of a large one's, so that a dense
        # tangle of possible links is undone in a few rounds
        drop = by[rank < np.maximum(1, np.repeat(count, count) // 10)]
        ws[o[drop], p[drop]] = wd[o[drop], p[drop]] = both[o[drop], p[drop]] = 0.0
    # Kahn's order of the acyclic links
    pending = (both > 0).sum(axis=1)
    placed = np.zeros(n, bool)
    order = []
    while len(order) < n:
        ready = np.flatnonzero(~placed & (pending == 0))
        placed[ready] = True
        order.extend(ready.tolist())
        pending -= (both[:, ready] > 0).sum(axis=1)
    return np.asarray(order, np.int64), ws, wd


def average_kinship_matrix(sire_weights: np.ndarray, dam_weights: np.ndarray,
                           founder_kinship: np.ndarray | None = None,
                           founder_share: np.ndarray | None = None) -> np.ndarray:
    """Kinship by the tabular method with uncertain parents: each animal's parent is the
    mixture of its possible parents by their probabilities, the average numerator
    relationship of Henderson (1988, J Dairy Sci 71 Suppl 2:1) and Famula (1992, J Anim
    Breed Genet 109:135), in kinship units.

    ``phi_ij = 1/2 sum_p (w_s(i, p) + w_d(i, p)) phi_pj + a_i a_j f_ij`` for j before i and
    ``phi_ii = (1 + sum_{s,d} w_s(i, s) phi_sd w_d(i, d)) / 2``; the weight a row lacks
    (a parent not sampled) carries no kinship through the pedigree. ``f_ij`` is the
    founders' kinship (e.g. marker-based) and ``a_i`` the probability that neither of i's
    parents is among its weighted candidates: the pair's kinship when none of their
    parents is known, counted in proportion to the chance that none is. With one-hot
    weights this is :func:`kinship_matrix`. Links that would make an animal its own
    ancestor are dropped, the weakest first (:func:`weighted_order`).

    Parameters
    ----------
    sire_weights, dam_weights : float arrays (N, N), ``[o, p]`` probability that p is o's
        sire / dam (rows sum to at most 1).
    founder_kinship : float array (N, N), optional; ``f``, zero diagonal.
    founder_share : float array (N,), optional; ``a`` (0 for an animal with an assigned
        parent, 1 for one without candidates; default 0).

    Returns
    -------
    float array (N, N), symmetric; diagonal ``(1 + F) / 2``.

    Examples
    --------
    Founders 0 and 1 full sibs through founder kinship 1/4; 2 has dam 1 and, with
    probability 0.6, sire 0: F of 2 is 0.6 / 4.

    >>> fk = np.array([[0.0, 0.25, 0.0], [0.25, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> ws = np.zeros((3, 3)); ws[2, 0] = 0.6
    >>> wd = np.zeros((3, 3)); wd[2, 1] = 1.0
    >>> k = average_kinship_matrix(ws, wd, fk, np.array([1.0, 1.0, 0.0]))
    >>> round(float(2 * k[2, 2] - 1), 4)
    0.15

    Had 1 no assigned parent but 0 as its sire with probability 0.5 (a = 0.5), its kinship
    with 0 would be half that of a parent, 1/8, plus half the founders' 1/4:

    >>> ws[1, 0] = 0.5
    >>> k = average_kinship_matrix(ws, wd, fk, np.array([1.0, 0.5, 0.0]))
    >>> float(k[0, 1])
    0.25
    """
    order, ws, wd = weighted_order(sire_weights, dam_weights)
    return _tabular_kinship(order, _weight_links(ws), _weight_links(wd), founder_kinship,
                            founder_share)
