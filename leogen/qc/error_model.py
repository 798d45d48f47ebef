"""Genotyping error rates by maximum likelihood from PCR replicates, and genotype posteriors.

No reference samples are needed: the true genotype of every sample and locus is a latent
variable, given Hardy-Weinberg priors from the allele frequencies, and the dropout and
false-allele rates are estimated jointly with it from all replicates by EM (Johnson &
Haydon 2007 Genetics 175:827, program Pedant; the per-replicate error model of Wang 2004
Genetics 166:1963 as COLONY uses it). The posterior probability of the called genotype is
the per-call reliability of Miller, Joyce & Waits 2002 Genetics 160:357.

Error model (one PCR replicate, conditional on amplification)
-------------------------------------------------------------
Dropout and false allele are *competing events* of one amplification, as in the multiple-
tubes literature and in ``leogen simulate``:

- true heterozygote i/j: i/j with probability ``1 - a - e``; i/i or j/j with ``a / 2``
  each (allelic dropout, one allele shown twice); with probability ``e`` one of the two
  copies (1/2 each) is replaced by a false allele k, not i or j, drawn from the false-allele
  spectrum ``s`` renormalised over the alleles other than i and j;
- true homozygote i/i: i/i with ``1 - e``; i/k with ``e s_k / (1 - s_i)``.

So ``a`` is the expected proportion of amplifications of heterozygotes that show one allele
only, and ``e`` the expected proportion of amplifications containing an allele absent from
the true genotype: exactly the per-amplification rates of Broquet & Petit 2004 Mol Ecol
13:3601 that ``leogen consensus`` reports and ``truth/error_rates.tsv`` realises. If each
allele of a heterozygote dropped independently with per-allele probability d and a double
dropout were a failed amplification, ``a = 2 d / (1 + d)``; the table gives that per-allele
rate as well (``ado_allele_rate = a / (2 - a)``).

Failed amplifications (both alleles missing) are treated as missing, not as information:
they depend on DNA quality, not on the genotype, under this model. A small fixed "anything"
component (``junk``, default 1e-6: the replicate is any genotype of the locus, uniformly)
keeps one contaminated replicate from giving a sample zero likelihood; every row of the
table still sums to 1. If a heterozygote has no possible false allele (a locus with two
alleles), the false-allele mass stays on the true genotype.

Estimator
---------
EM over the candidate genotypes (all unordered pairs of the locus' allele labels) of each
sample and locus. E step: genotype posteriors, and the expected numbers of correct,
dropout and false-allele replicates. M step, in closed form for the competing-events
model: ``e = F / N`` and ``a = D (1 - e) / (D + C_het)``, with F the expected false-allele
replicates, N all amplified replicates, D the dropouts and C_het the correct replicates of
heterozygotes in the class; allele frequencies from the expected true-genotype allele
counts; the false-allele spectrum (per locus) from the expected false alleles plus a
pseudo-count (a conditional moment step, so the EM is an ECM whose log-likelihood is
monitored). Rates are per *class*: per locus (``by='locus'``), per group of samples
(``by='group'``, shared across loci: sample type or DNA-quality class), or per group and
locus (``by='group_locus'``).

Intervals
---------
95% Wald intervals on the logit scale from the observed information: the Hessian of the
marginal log-likelihood in (logit a, logit e) for each class, by central differences,
allele frequencies and spectrum held at their estimates (their uncertainty is ignored;
the coverage check in ``docs/error-model.md`` shows it is small). Where a rate is estimated
on the boundary (0) or the Hessian is not negative definite, the interval is
``[0, hi]`` with ``hi`` from the likelihood ratio (chi-square 1 df) in that rate, the other
rate fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import expit, logit, logsumexp

from leogen.model.genotypes import MISSING, Genotypes, Replicates

BY = ("locus", "group", "group_locus")
_Z = 1.959963984540054
_LR95 = 3.841458820694124 / 2.0
_TINY = 1e-300

# event codes of (true genotype, observed genotype)
_CORRECT, _DROPOUT, _FALSE, _OTHER = 0, 1, 2, 3


# ============================================================================ kernel
def genotype_pairs(n_alleles: int) -> np.ndarray:
    """The unordered genotypes of a locus with ``n_alleles`` alleles, in a fixed order.

    Returns int array (G, 2), G = K (K + 1) / 2, rows (i, j) with i <= j, ordered
    (0,0), (0,1), ..., (0,K-1), (1,1), ... (numpy ``triu_indices``).

    Parameters
    ----------
    n_alleles : int
        Number of alleles K.

    Returns
    -------
    int64 array (G, 2)
        Allele indices of each genotype.
    """
    i, j = np.triu_indices(int(n_alleles))
    return np.stack([i, j], axis=1).astype(np.int64)


def _pair_index(n_alleles: int) -> np.ndarray:
    """(K, K) int: index into ``genotype_pairs`` of the unordered pair (a, b)."""
    k = int(n_alleles)
    idx = np.zeros((k, k), dtype=np.int64)
    g = genotype_pairs(k)
    idx[g[:, 0], g[:, 1]] = np.arange(len(g))
    idx[g[:, 1], g[:, 0]] = np.arange(len(g))
    return idx


def repeat_adjacency(labels) -> np.ndarray:
    """(K, K) bool: allele k is one repeat unit from allele x (stutter neighbours).

    The repeat unit of the locus is the most common gap between consecutive sorted allele
    labels (bp; the smallest of equally common gaps); labels that are not numbers have no
    neighbours.

    Parameters
    ----------
    labels : sequence (K,)
        Allele labels of the locus (sizes in bp).

    Returns
    -------
    bool array (K, K), symmetric, False on the diagonal.

    Examples
    --------
    >>> repeat_adjacency([100, 104, 108, 116]).astype(int).tolist()
    [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    """
    lab = np.asarray(labels)
    k = len(lab)
    try:
        x = lab.astype(float)
    except (TypeError, ValueError):
        return np.zeros((k, k), dtype=bool)
    gaps = np.diff(np.unique(x))
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        return np.zeros((k, k), dtype=bool)
    vals, cnt = np.unique(gaps, return_counts=True)
    step = vals[np.argmax(cnt)]  # most common gap, smallest first among ties
    return np.isclose(np.abs(x[:, None] - x[None, :]), step)


def _structure(spectrum: np.ndarray, adjacent: np.ndarray | None = None,
               stutter: float = 0.0):
    """Parameter-free parts of the table: dropout outcomes D (G, G), false-allele outcomes
    Fm (G, G), heterozygote flag (G,), event codes (G, G), false allele (G, G; -1), and
    the share of Fm from stutter neighbours (G, G).

    With ``stutter`` > 0 and an ``adjacent`` (K, K) matrix (:func:`repeat_adjacency`),
    the false allele replacing copy x is, with probability ``stutter``, one of the alleles
    one repeat unit from x (uniformly, outside the true genotype), else from the spectrum.
    """
    s = np.asarray(spectrum, dtype=float)
    k = len(s)
    g = genotype_pairs(k)
    n_g = len(g)
    pidx = _pair_index(k)
    gi, gj = g[:, 0], g[:, 1]
    het = gi != gj
    rows = np.arange(n_g)
    d = np.zeros((n_g, n_g))
    np.add.at(d, (rows[het], pidx[gi[het], gi[het]]), 0.5)
    np.add.at(d, (rows[het], pidx[gj[het], gj[het]]), 0.5)
    # false allele k not in t, drawn from s renormalised over the alleles outside t
    alle = np.arange(k)
    outside = (alle[None, :] != gi[:, None]) & (alle[None, :] != gj[:, None])  # (G, K)
    w = np.where(outside, s[None, :], 0.0)
    tot = w.sum(axis=1, keepdims=True)
    w = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 0.0)
    use_st = stutter > 0 and adjacent is not None and k > 0
    if use_st:
        adj = np.asarray(adjacent, dtype=bool)

        def copy_dist(x):  # (G, K): false allele replacing copy x of each genotype
            nb = adj[x] & outside
            n_nb = nb.sum(axis=1, keepdims=True)
            st = np.where(n_nb > 0, nb / np.maximum(n_nb, 1), 0.0)
            sw = np.where(n_nb[:, 0] > 0, stutter, 0.0)[:, None]
            mix = (1 - sw) * w + sw * st
            return mix, sw * st, np.where(n_nb > 0, mix, 0.0)

        w_i, st_i, av_i = copy_dist(gi)  # copy i replaced (j kept)
        w_j, st_j, av_j = copy_dist(gj)  # copy j replaced (i kept)
    else:
        w_i = w_j = w
        st_i = st_j = av_i = av_j = np.zeros_like(w)
    fm = np.zeros((n_g, n_g))
    fs = np.zeros((n_g, n_g))
    cw = np.where(het, 0.5, 1.0)[:, None]  # hom: the one kept copy is i
    rr = np.broadcast_to(rows[:, None], (n_g, k))
    np.add.at(fm, (rr, pidx[gi[:, None], alle[None, :]]), cw * w_j)
    np.add.at(fm, (rr[het], pidx[gj[het][:, None], alle[None, :]]), (cw * w_i)[het])
    np.add.at(fs, (rr, pidx[gi[:, None], alle[None, :]]), cw * st_j)
    np.add.at(fs, (rr[het], pidx[gj[het][:, None], alle[None, :]]), (cw * st_i)[het])
    fa_ = np.zeros((n_g, n_g))
    np.add.at(fa_, (rr, pidx[gi[:, None], alle[None, :]]), cw * av_j)
    np.add.at(fa_, (rr[het], pidx[gj[het][:, None], alle[None, :]]), (cw * av_i)[het])
    no_false = tot[:, 0] <= 0
    fm[rows[no_false], rows[no_false]] = 1.0
    # event codes and the false allele of each (t, o)
    o0, o1 = gi[None, :], gj[None, :]
    t0, t1 = gi[:, None], gj[:, None]
    in0 = (o0 == t0) | (o0 == t1)
    in1 = (o1 == t0) | (o1 == t1)
    code = np.full((n_g, n_g), _OTHER, dtype=np.int8)
    code[d > 0] = _DROPOUT
    false = (in0 ^ in1) & (fm > 0)
    code[false] = _FALSE
    code[rows, rows] = _CORRECT
    fk = np.where(false, np.where(in0, o1, o0), -1)
    den = np.where(fm > 0, fm, 1.0)
    st_share = np.where(fm > 0, fs / den, 0.0)
    av_share = np.where(fm > 0, fa_ / den, 0.0)
    return d, fm, het, code, fk, st_share, av_share


def replicate_likelihood(ado, fa, spectrum, junk: float = 0.0, adjacent=None,
                         stutter: float = 0.0) -> np.ndarray:
    """P(observed replicate genotype | true genotype) of one amplified PCR replicate.

    Competing-events model (module docstring; Wang 2004 Genetics 166:1963; Johnson &
    Haydon 2007 Genetics 175:827; Miller, Joyce & Waits 2002 Genetics 160:357): a true
    heterozygote shows one of its alleles only with probability ``ado`` (each 1/2), and any
    genotype carries a false allele with probability ``fa`` (one copy replaced by an allele
    outside the true genotype, drawn from ``spectrum`` renormalised over those alleles).

    Parameters
    ----------
    ado, fa : float or array, broadcastable to a common shape ``S``; ``ado + fa <= 1``.
        Dropout rate per amplification of a heterozygote, false-allele rate per
        amplification (Broquet & Petit 2004 definitions).
    spectrum : array (K,)
        Distribution of false alleles over the locus' K alleles (e.g. allele frequencies).
    junk : float
        Weight of a uniform "anything" component over the G observed genotypes.
    adjacent : bool array (K, K), optional
        Stutter neighbours of each allele (:func:`repeat_adjacency`).
    stutter : float
        With ``adjacent``: probability that the false allele replacing copy x is one of
        x's neighbours outside the true genotype (uniformly), rather than drawn from the
        spectrum (all of it goes to the spectrum where x has no such neighbour). 0: the
        spectrum only.

    Returns
    -------
    array (*S, G, G)
        ``T[..., t, o]``, true genotype t, observed genotype o, both indexing
        ``genotype_pairs(K)``; every row sums to 1.

    Examples
    --------
    Three alleles, a uniform spectrum, ADO 0.2 and FA 0.1; genotypes 0/0, 0/1, 0/2, 1/1,
    1/2, 2/2. The heterozygote 0/1 is seen right in 70% of amplifications, as 0/0 or 1/1 in
    10% each, and with the false allele 2 (0/2 or 1/2) in 5% each:

    >>> import numpy as np
    >>> t = replicate_likelihood(0.2, 0.1, np.ones(3) / 3)
    >>> t.shape
    (6, 6)
    >>> print(np.round(t[1], 3))
    [0.1  0.7  0.05 0.1  0.05 0.  ]
    >>> print(np.round(t[0], 3))
    [0.9  0.05 0.05 0.   0.   0.  ]
    >>> bool(np.allclose(t.sum(axis=-1), 1.0))
    True
    """
    d, fm, het, _, _, _, _ = _structure(spectrum, adjacent, stutter)
    a = np.asarray(ado, dtype=float)[..., None, None]
    e = np.asarray(fa, dtype=float)[..., None, None]
    n_g = d.shape[0]
    eye = np.eye(n_g)
    t = eye + a * (d - np.diag(het.astype(float))) + e * (fm - eye)
    if junk:
        t = (1.0 - junk) * t + junk / n_g
    return t


# ============================================================================ data prep
@dataclass(frozen=True)
class _Locus:
    obs: np.ndarray  # (n, R) observed genotype index, -1 = not amplified / not run
    cells: np.ndarray  # (n,) bool: at least one amplified replicate
    n_alleles: int
    ref: np.ndarray | None = None  # (n,) genotype index of a known (reference) genotype, -1
    ref_error: float = 0.01
    adjacent: np.ndarray | None = None  # (K, K) stutter neighbours (repeat_adjacency)
    stutter: float = 0.0  # share of false alleles that are stutter neighbours


def _reference_index(reference, j: int, k: int) -> np.ndarray | None:
    """(n,) genotype index of the reference genotype at locus j (-1 none), or None."""
    if reference is None:
        return None
    r = np.asarray(reference)[:, j]
    ok = (r[:, 0] >= 0) & (r[:, 1] >= 0) & (r[:, 0] < k) & (r[:, 1] < k)
    if not ok.any():
        return None
    pidx = _pair_index(k)
    return np.where(ok, pidx[np.clip(r[:, 0], 0, k - 1), np.clip(r[:, 1], 0, k - 1)], -1)


def _locus_data(reps: Replicates, j: int, reference=None, ref_error: float = 0.01) -> _Locus:
    k = len(reps.alleles[j])
    c = reps.calls[:, j]  # (n, R, 2)
    amp = reps.attempted[:, j] & (c[..., 0] >= 0) & (c[..., 1] >= 0)
    if k == 0:
        obs = np.full(amp.shape, -1, dtype=np.int64)
    else:
        pidx = _pair_index(k)
        obs = np.where(amp, pidx[np.clip(c[..., 0], 0, k - 1), np.clip(c[..., 1], 0, k - 1)],
                       -1)
    ref = _reference_index(reference, j, k) if k else None
    return _Locus(obs, (obs >= 0).any(axis=1), k, ref, ref_error,
                  repeat_adjacency(reps.alleles[j]) if k else None)


def _hwe_logprior(p: np.ndarray) -> np.ndarray:
    g = genotype_pairs(len(p))
    pr = p[g[:, 0]] * p[g[:, 1]] * np.where(g[:, 0] != g[:, 1], 2.0, 1.0)
    return np.log(np.maximum(pr, _TINY))


def _estep(loc: _Locus, cls: np.ndarray, a: np.ndarray, e: np.ndarray, p: np.ndarray,
           s: np.ndarray, junk: float, want_counts: bool = True):
    """E step at one locus for the cells with data.

    cls (n,) class of each sample's cell; a, e (C,) rates per class. Returns per-cell
    log-likelihood (m,), posterior (m, G), and (if asked) expected counts per class:
    dict of (C,) arrays plus expected allele counts (K,) and false alleles (K,).
    """
    adjacent, stutter = loc.adjacent, loc.stutter
    d, fm, het, code, fk, st_share, av_share = _structure(s, adjacent, stutter)
    n_g = d.shape[0]
    sel = np.flatnonzero(loc.cells)
    obs = loc.obs[sel]  # (m, R)
    valid = obs >= 0
    o = np.where(valid, obs, 0)
    cl = cls[sel]
    uc, inv = np.unique(cl, return_inverse=True)
    t = replicate_likelihood(a[uc], e[uc], s, junk=0.0, adjacent=adjacent,
                             stutter=stutter)  # (U, G, G) model part
    tj = (1.0 - junk) * t + junk / n_g
    lt = np.log(np.maximum(tj, _TINY))
    lrep = lt[inv[:, None], :, o]  # (m, R, G)
    lrep = np.where(valid[..., None], lrep, 0.0)
    lprior = _hwe_logprior(p)[None, :]
    if loc.ref is not None and (loc.ref[sel] >= 0).any():
        # a known (reference) genotype: prior (1 - w) on it + w x HWE (w = ref_error)
        r = loc.ref[sel]
        point = (np.arange(n_g)[None, :] == r[:, None]).astype(float)
        mix = np.log(np.maximum((1 - loc.ref_error) * point
                                + loc.ref_error * np.exp(lprior), _TINY))
        lprior = np.where((r >= 0)[:, None], mix, lprior)
    lpost = lrep.sum(axis=1) + lprior
    ll = logsumexp(lpost, axis=1)
    post = np.exp(lpost - ll[:, None])
    if not want_counts:
        return ll, post, sel
    # responsibility of the model part (vs junk) of each (replicate, t)
    mfrac = np.where(tj > 0, (1.0 - junk) * t / np.maximum(tj, _TINY), 0.0)
    wr = post[:, None, :] * mfrac[inv[:, None], :, o] * valid[..., None]  # (m, R, G)
    ev = code.T[o]  # (m, R, G): event of (t, o_r), indexed [m, r, t]
    hetb = np.broadcast_to(het[None, None, :], ev.shape)
    n_c = len(a)
    out = {}
    for name, mask in (("c_het", (ev == _CORRECT) & hetb), ("c_hom", (ev == _CORRECT) & ~hetb),
                       ("drop", ev == _DROPOUT), ("false", ev == _FALSE)):
        per_cell = np.where(mask, wr, 0.0).sum(axis=(1, 2))
        out[name] = np.bincount(cl, weights=per_cell, minlength=n_c)
    g = genotype_pairs(loc.n_alleles)
    k = loc.n_alleles
    pc = post.sum(axis=0)
    out["allele_counts"] = (np.bincount(g[:, 0], weights=pc, minlength=k)
                            + np.bincount(g[:, 1], weights=pc, minlength=k))
    fkk = fk.T[o]  # (m, R, G) false allele of (t, o_r)
    fmask = (ev == _FALSE) & (fkk >= 0)
    # stutter share of each false-allele event (t, o_r), and whether stutter was possible
    sts = st_share.T[o][fmask]
    out["false_alleles"] = np.bincount(fkk[fmask], weights=wr[fmask] * (1.0 - sts),
                                       minlength=k)
    out["stutter"] = float((wr[fmask] * sts).sum())
    out["stutter_possible"] = float((wr[fmask] * av_share.T[o][fmask]).sum())
    n_amp = valid.sum(axis=1).astype(float)
    out["n_amp"] = np.bincount(cl, weights=n_amp, minlength=n_c)
    out["n_het_amp"] = np.bincount(cl, weights=(post @ het.astype(float)) * n_amp,
                                   minlength=n_c)
    out["n_cells"] = np.bincount(cl, minlength=n_c).astype(float)
    return ll, post, sel, out


# ============================================================================ the model
@dataclass(frozen=True)
class ErrorModel:
    """A fitted genotyping-error model (``fit_error_model``).

    Attributes
    ----------
    loci : (n_loci,) locus names; alleles : tuple of (K_l,) allele labels per locus.
    groups : (n_groups,) group labels (``('all',)`` without groups).
    by : 'locus', 'group' or 'group_locus': how rates are shared.
    ado, fa : (n_groups, n_loci) dropout and false-allele rate per amplification that
        applies to a sample of each group at each locus (NaN where not estimable).
    frequencies, spectrum : tuple of (K_l,) allele frequencies and false-allele spectrum.
    junk : the fixed uniform-component weight.
    table : the estimates, one row per class (see ``fit_error_model``).
    stutter : share of false alleles that are a stutter neighbour of the replaced allele.
    """

    loci: np.ndarray
    alleles: tuple
    groups: np.ndarray
    by: str
    ado: np.ndarray
    fa: np.ndarray
    frequencies: tuple
    spectrum: tuple
    junk: float
    table: pd.DataFrame
    stutter: float = 0.0


def _classes(by: str, g_idx: np.ndarray, n_groups: int, n_loci: int):
    """(n_samples, n_loci) class per cell, the number of classes, and class labels."""
    n = len(g_idx)
    if by == "locus":
        cls = np.broadcast_to(np.arange(n_loci)[None, :], (n, n_loci))
        return cls, n_loci
    if by == "group":
        return np.broadcast_to(g_idx[:, None], (n, n_loci)), n_groups
    return g_idx[:, None] * n_loci + np.arange(n_loci)[None, :], n_groups * n_loci


def _mstep_rates(cnt: dict) -> tuple[np.ndarray, np.ndarray]:
    tot = cnt["c_het"] + cnt["c_hom"] + cnt["drop"] + cnt["false"]
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(tot > 0, cnt["false"] / np.where(tot > 0, tot, 1), np.nan)
        dh = cnt["drop"] + cnt["c_het"]
        a = np.where(dh > 0, cnt["drop"] * (1 - e) / np.where(dh > 0, dh, 1), np.nan)
    return a, e


def _sum_counts(parts: list[dict], n_c: int) -> dict:
    keys = ("c_het", "c_hom", "drop", "false", "n_amp", "n_het_amp", "n_cells")
    return {k: np.sum([p[k] for p in parts], axis=0) if parts else np.zeros(n_c) for k in keys}


def _class_loglik(data, cls, a, e, p, s, junk, n_c) -> np.ndarray:
    """Marginal log-likelihood per class (C,) at rates a, e (C,), p and s fixed."""
    out = np.zeros(n_c)
    for j, loc in enumerate(data):
        if loc.n_alleles == 0 or not loc.cells.any():
            continue
        ll, _, sel = _estep(loc, cls[:, j], a, e, p[j], s[j], junk, want_counts=False)
        out += np.bincount(cls[sel, j], weights=ll, minlength=n_c)
    return out


def _safe(x: np.ndarray, lo=1e-7) -> np.ndarray:
    return np.clip(np.nan_to_num(x, nan=lo), lo, 1 - 1e-7)


def _intervals(data, cls, a, e, p, s, junk, n_c, h=1e-3):
    """Logit-scale Wald intervals from the numerical observed information; LR fallback."""
    ua, ue = logit(_safe(a)), logit(_safe(e))

    def ll(da, de):
        return _class_loglik(data, cls, expit(ua + da), expit(ue + de), p, s, junk, n_c)

    l0 = ll(0, 0)
    lpa, lma, lpe, lme = ll(h, 0), ll(-h, 0), ll(0, h), ll(0, -h)
    lpp, lpm, lmp, lmm = ll(h, h), ll(h, -h), ll(-h, h), ll(-h, -h)
    haa = (lpa - 2 * l0 + lma) / h**2
    hee = (lpe - 2 * l0 + lme) / h**2
    hae = (lpp - lpm - lmp + lmm) / (4 * h**2)
    det = haa * hee - hae**2
    ok = (haa < 0) & (det > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        va = np.where(ok, -hee / det, np.nan)
        ve = np.where(ok, -haa / det, np.nan)
    out = {}
    for name, u, v, rate in (("ado", ua, va, a), ("fa", ue, ve, e)):
        se = np.sqrt(v)
        lo, hi = expit(u - _Z * se), expit(u + _Z * se)
        bad = ~np.isfinite(se) | (rate < 1e-5)
        if bad.any():
            hi_lr = _lr_upper(data, cls, a, e, p, s, junk, n_c, l0, name)
            lo = np.where(bad, 0.0, lo)
            hi = np.where(bad, hi_lr, hi)
        out[name] = (np.where(np.isfinite(rate), lo, np.nan),
                     np.where(np.isfinite(rate), hi, np.nan))
    return out, l0


def _lr_upper(data, cls, a, e, p, s, junk, n_c, l0, which, n_iter=40):
    """Upper 95% likelihood-ratio limit of one rate (the other fixed), by bisection."""
    a0, e0 = _safe(a, 1e-9), _safe(e, 1e-9)
    base = a0 if which == "ado" else e0
    other = e0 if which == "ado" else a0
    lo_u, hi_u = logit(base), logit(np.maximum(1 - other - 1e-6, base + 1e-9))
    for _ in range(n_iter):  # bisection in logit space, vectorised over classes
        mid = (lo_u + hi_u) / 2
        r = expit(mid)
        args = (r, e0) if which == "ado" else (a0, r)
        inside = _class_loglik(data, cls, *args, p, s, junk, n_c) >= l0 - _LR95
        lo_u = np.where(inside, mid, lo_u)
        hi_u = np.where(inside, hi_u, mid)
    return expit(lo_u)


def _best_stutter(data, cls, a, e, p, s, junk, current: float) -> float:
    """The stutter share among ``current`` and a grid (0.02, 0.25, 0.5, 0.75, 0.98) with
    the largest marginal log-likelihood at rates a, e, frequencies p and spectra s."""
    best, best_ll = current, -np.inf
    for w in (current, 0.02, 0.25, 0.5, 0.75, 0.98):
        ll = 0.0
        for j, loc in enumerate(data):
            if loc.n_alleles == 0 or not loc.cells.any():
                continue
            ll += _estep(replace(loc, stutter=w), cls[:, j], _safe(a, 1e-9), _safe(e, 1e-9),
                         p[j], s[j], junk, want_counts=False)[0].sum()
        if ll > best_ll:
            best, best_ll = w, ll
    return float(best)


def fit_error_model(replicates: Replicates, groups=None, by: str | None = None,
                    loci=None, junk: float = 1e-6, spectrum: str = "estimated",
                    pseudo_count: float = 0.5, max_iter: int = 1000, tol: float = 1e-7,
                    intervals: bool = True, reference=None,
                    reference_error: float = 0.01, stutter="estimated") -> ErrorModel:
    """Maximum-likelihood dropout and false-allele rates without reference samples.

    EM over the unknown true genotypes of every sample and locus with Hardy-Weinberg priors
    from the allele frequencies (re-estimated in the EM), as Johnson & Haydon 2007 Genetics
    175:827 (Pedant), with the per-replicate error model of ``replicate_likelihood``
    (Wang 2004 Genetics 166:1963; Miller, Joyce & Waits 2002 Genetics 160:357). Vectorised
    over samples, replicates and candidate genotypes; loops over loci and EM iterations.

    Parameters
    ----------
    replicates : Replicates
        calls (n_samples, n_loci, n_replicates, 2); failed amplifications are ignored.
    groups : array (n_samples,) of labels, optional
        Sample type or DNA-quality class of each sample.
    by : {'locus', 'group', 'group_locus'}, optional
        Rates per locus (shared by all samples), per group (shared across loci) or per
        group and locus. Default 'locus' without groups, 'group_locus' with them.
    loci : names of the loci to use (default all; leave out e.g. a sex marker from a
        'group' fit).
    junk : weight of the uniform "anything" component of each replicate.
    spectrum : 'estimated' (false-allele spectrum per locus estimated in the EM) or
        'frequencies' (false alleles drawn from the allele frequencies, as Wang 2004).
    pseudo_count : per-allele pseudo-count of the estimated spectrum.
    max_iter, tol : EM stops when the log-likelihood gains less than ``tol`` (absolute).
    intervals : compute the 95% intervals (module docstring).
    reference : int array (n_samples, n_loci, 2), optional
        Known true genotype of some samples (allele indices of ``replicates.alleles``, -1
        where unknown): the blood/tissue genotype of the same animal. The prior of such a
        cell is ``1 - reference_error`` on the reference genotype plus ``reference_error``
        times the HWE prior (a wrong reference or a wrong link stays possible). Used in the
        fit only; ``genotype_posteriors`` does not take it.
    reference_error : the weight w above.
    stutter : 'estimated' (default) or a number in [0, 1]
        Share of false alleles that are a stutter neighbour (one repeat unit, from
        :func:`repeat_adjacency` of the allele labels) of the allele they replace, the rest
        drawn from the spectrum (:func:`replicate_likelihood`); estimated in the EM (one
        share for all loci, from the expected false alleles whose replaced allele has a
        neighbour outside the true genotype; pseudo-counts 1 and 1), or fixed (0: the
        spectrum only).

    Returns
    -------
    ErrorModel
        with ``table``, one row per class: ``group``, ``locus`` ('all' where shared),
        ``basis`` ('likelihood'), ``n_samples`` (samples with an amplified replicate),
        ``n_replicates`` (amplified replicates), ``n_het_amplifications``,
        ``n_dropouts``, ``n_false_alleles`` (expected numbers at the estimates),
        ``ado_rate``, ``ado_rate_lo``, ``ado_rate_hi``, ``ado_allele_rate`` (+ _lo, _hi),
        ``fa_rate``, ``fa_rate_lo``, ``fa_rate_hi``, ``loglik`` (the class' marginal
        log-likelihood), ``n_iter``, ``converged``.
    """
    reps = replicates
    if reference is not None:
        reference = np.asarray(reference)
        if reference.shape != (reps.n_samples, reps.n_loci, 2):
            raise ValueError("reference must be (n_samples, n_loci, 2) allele indices")
    if not 0 < reference_error <= 1:
        raise ValueError("reference_error must be in (0, 1]")
    if loci is not None:
        want = [str(x) for x in loci]
        pos = pd.Index(list(reps.loci)).get_indexer(want)
        if (pos < 0).any():
            raise ValueError(f"unknown locus: {want[int(np.argmax(pos < 0))]}")
        if reference is not None:
            reference = reference[:, pos]
        reps = Replicates(reps.calls[:, pos], reps.attempted[:, pos], reps.samples,
                          reps.loci[pos], tuple(reps.alleles[k] for k in pos))
    if spectrum not in ("estimated", "frequencies"):
        raise ValueError("spectrum must be 'estimated' or 'frequencies'")
    n_s, n_l = reps.n_samples, reps.n_loci
    if groups is None:
        glab, g_idx = np.array(["all"], dtype=object), np.zeros(n_s, dtype=np.int64)
    else:
        groups = np.asarray(groups, dtype=str)
        if groups.shape != (n_s,):
            raise ValueError(f"groups must have one label per sample ({n_s})")
        glab, g_idx = np.unique(groups, return_inverse=True)
        glab = glab.astype(object)
    if by is None:
        by = "locus" if groups is None else "group_locus"
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    n_g = len(glab)
    cls, n_c = _classes(by, g_idx, n_g, n_l)
    cls = np.ascontiguousarray(cls)
    data = [_locus_data(reps, j, reference, reference_error) for j in range(n_l)]
    # starting values
    p, s = [], []
    for loc in data:
        k = loc.n_alleles
        g = genotype_pairs(k)
        if k == 0:
            p.append(np.zeros(0))
            s.append(np.zeros(0))
            continue
        oo = loc.obs[loc.obs >= 0]
        cnt = np.bincount(g[oo, 0], minlength=k) + np.bincount(g[oo, 1], minlength=k) + 1.0
        p.append(cnt / cnt.sum())
        s.append(np.ones(k) / k)
    a = np.full(n_c, 0.1)
    e = np.full(n_c, 0.02)
    est_st = isinstance(stutter, str)
    if est_st and stutter != "estimated":
        raise ValueError("stutter must be 'estimated' or a number in [0, 1]")
    omega = 0.5 if est_st else float(stutter)
    hist: list[float] = []
    if not 0.0 <= omega <= 1.0:
        raise ValueError("stutter must be 'estimated' or a number in [0, 1]")
    prev, n_iter, converged = -np.inf, 0, False
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        parts, total = [], 0.0
        data = [replace(loc, stutter=omega) for loc in data]
        for j, loc in enumerate(data):
            if loc.n_alleles == 0 or not loc.cells.any():
                continue
            if spectrum == "frequencies":
                s[j] = np.maximum(p[j], 1e-9) / np.maximum(p[j], 1e-9).sum()
            ll, _, _, cnt = _estep(loc, cls[:, j], _safe(a, 1e-9), _safe(e, 1e-9), p[j],
                                   s[j], junk)
            total += ll.sum()
            parts.append(cnt)
            p[j] = cnt["allele_counts"] / max(cnt["allele_counts"].sum(), _TINY)
            if spectrum == "estimated":
                fc = cnt["false_alleles"] + pseudo_count
                s[j] = fc / fc.sum()
        cnt_all = _sum_counts(parts, n_c)
        a, e = _mstep_rates(cnt_all)
        if est_st:
            omega = (sum(c["stutter"] for c in parts) + 1.0) / (
                sum(c["stutter_possible"] for c in parts) + 2.0)
            if n_iter == 2:  # a grid step on the share: the EM moves it slowly
                omega = _best_stutter(data, cls, a, e, p, s, junk, omega)
            hist.append(omega)
            if len(hist) >= 3 and n_iter % 3 == 0:  # Aitken extrapolation of the share
                w0, w1, w2 = hist[-3:]
                den = w2 - 2 * w1 + w0
                if abs(den) > 1e-12:
                    acc = w0 - (w1 - w0) ** 2 / den
                    if 0.0 < acc < 1.0:
                        omega = float(np.clip(acc, 1e-4, 1 - 1e-4))
                        hist.append(omega)
        if abs(total - prev) < tol:
            converged = True
            break
        prev = total
    a_fit = np.where(cnt_all["n_het_amp"] > 0, a, np.nan)
    e_fit = np.where(cnt_all["n_amp"] > 0, e, np.nan)
    # marginal log-likelihood per class at the estimates, and intervals
    if intervals and n_c:
        ints, ll_c = _intervals(data, cls, a_fit, e_fit, p, s, junk, n_c)
    else:
        ll_c = _class_loglik(data, cls, _safe(a_fit, 1e-9), _safe(e_fit, 1e-9), p, s, junk,
                             n_c)
        nanp = (np.full(n_c, np.nan), np.full(n_c, np.nan))
        ints = {"ado": nanp, "fa": nanp}
    has = np.stack([loc.cells for loc in data], axis=1) if n_l else np.zeros((n_s, 0), bool)
    namp = np.stack([(loc.obs >= 0).sum(axis=1) for loc in data], axis=1) if n_l else has
    # samples with data per class (a sample counts once per class)
    key = cls[has]
    smp = np.broadcast_to(np.arange(n_s)[:, None], cls.shape)[has]
    uniq = np.unique(key * n_s + smp)
    n_samp = np.bincount(uniq // n_s, minlength=n_c).astype(np.int64)
    n_rep = np.bincount(cls.ravel(), weights=namp.ravel(), minlength=n_c).astype(np.int64)
    if by == "locus":
        grp, lcol = np.full(n_c, "all", dtype=object), reps.loci
    elif by == "group":
        grp, lcol = glab, np.full(n_c, "all", dtype=object)
    else:
        grp = np.repeat(glab, n_l)
        lcol = np.tile(reps.loci, n_g)
    lo_a, hi_a = ints["ado"]
    lo_e, hi_e = ints["fa"]

    def per_allele(x):
        return x / (2 - x)

    table = pd.DataFrame({
        "group": grp, "locus": lcol, "basis": "likelihood",
        "n_samples": n_samp, "n_replicates": n_rep,
        "n_het_amplifications": np.round(cnt_all["n_het_amp"], 2),
        "n_dropouts": np.round(cnt_all["drop"], 2),
        "n_false_alleles": np.round(cnt_all["false"], 2),
        "ado_rate": a_fit, "ado_rate_lo": lo_a, "ado_rate_hi": hi_a,
        "ado_allele_rate": per_allele(a_fit), "ado_allele_rate_lo": per_allele(lo_a),
        "ado_allele_rate_hi": per_allele(hi_a),
        "fa_rate": e_fit, "fa_rate_lo": lo_e, "fa_rate_hi": hi_e,
        "loglik": ll_c, "n_iter": n_iter, "converged": converged,
    })
    if by == "locus":
        ado_gl = np.broadcast_to(a_fit[None, :], (n_g, n_l)).copy()
        fa_gl = np.broadcast_to(e_fit[None, :], (n_g, n_l)).copy()
    elif by == "group":
        ado_gl = np.broadcast_to(a_fit[:, None], (n_g, n_l)).copy()
        fa_gl = np.broadcast_to(e_fit[:, None], (n_g, n_l)).copy()
    else:
        ado_gl, fa_gl = a_fit.reshape(n_g, n_l), e_fit.reshape(n_g, n_l)
    table["stutter"] = omega
    return ErrorModel(reps.loci, reps.alleles, glab, by, ado_gl, fa_gl, tuple(p), tuple(s),
                      junk, table, omega)


# ============================================================================ posteriors
@dataclass(frozen=True)
class GenotypePosteriors:
    """Genotype posteriors per sample and locus (``genotype_posteriors``).

    Attributes
    ----------
    calls : Genotypes
        The most probable (MAP) genotype, calls (n_samples, n_loci, 2); missing where the
        sample has no amplified replicate at the locus.
    probability : (n_samples, n_loci) posterior probability of the call (NaN if missing).
    posterior : tuple, per locus, of (n_samples, G_l) posteriors over ``pairs[l]``
        (the HWE prior for samples without an amplified replicate).
    pairs : tuple, per locus, of (G_l, 2) allele-index pairs (``genotype_pairs``).
    loglik : (n_samples, n_loci) log P(replicates of the cell) (0 where no data).
    n_amplified : (n_samples, n_loci) amplified replicates.
    """

    calls: Genotypes
    probability: np.ndarray
    posterior: tuple
    pairs: tuple
    loglik: np.ndarray
    n_amplified: np.ndarray

    def table(self) -> pd.DataFrame:
        """Long table: sample_id, locus, allele1, allele2 (labels; NA missing),
        posterior, n_amplified."""
        lab = self.calls.labels()
        n_s, n_l = self.probability.shape
        typed = self.calls.calls[..., 0] >= 0
        def col(k):
            return pd.Series(lab[..., k].ravel(), dtype="Int64").mask(~typed.ravel())

        return pd.DataFrame({
            "sample_id": np.repeat(self.calls.samples, n_l),
            "locus": np.tile(self.calls.loci, n_s),
            "allele1": col(0),
            "allele2": col(1),
            "posterior": self.probability.ravel(),
            "n_amplified": self.n_amplified.ravel(),
        })


def genotype_posteriors(replicates: Replicates, model: ErrorModel,
                        groups=None) -> GenotypePosteriors:
    """Posterior over the true genotype of every sample and locus, and the MAP call.

    P(t | replicates) is proportional to the HWE prior of t (the model's allele
    frequencies) times the product over amplified replicates of ``replicate_likelihood``
    at the sample's group rates: the per-call reliability of Miller, Joyce & Waits 2002
    Genetics 160:357, with the error model of Wang 2004 Genetics 166:1963 and rates
    estimated as Johnson & Haydon 2007 Genetics 175:827. The called genotype is the most
    probable one and carries its posterior probability.

    Parameters
    ----------
    replicates : Replicates (n_samples, n_loci, n_replicates, 2), with the model's loci
        (by name; others are left out) and the same allele labels at each of them.
    model : ErrorModel from ``fit_error_model``.
    groups : (n_samples,) group labels, required if the model was fitted with groups.

    Returns
    -------
    GenotypePosteriors (shapes in its docstring; loci in the model's order).
    """
    pos = pd.Index(list(replicates.loci)).get_indexer(list(model.loci))
    if (pos < 0).any():
        raise ValueError(f"locus {model.loci[int(np.argmax(pos < 0))]} of the model is not "
                         "in the replicates")
    n_s = replicates.n_samples
    if len(model.groups) == 1 and groups is None:
        g_idx = np.zeros(n_s, dtype=np.int64)
    else:
        if groups is None:
            raise ValueError("the model has groups: give the group of each sample")
        gi = pd.Index(list(model.groups)).get_indexer(list(np.asarray(groups, dtype=str)))
        if (gi < 0).any():
            raise ValueError(f"group '{np.asarray(groups)[int(np.argmax(gi < 0))]}' is not "
                             "in the model")
        g_idx = gi.astype(np.int64)
    n_l = len(model.loci)
    calls = np.full((n_s, n_l, 2), MISSING, dtype=np.int32)
    prob = np.full((n_s, n_l), np.nan)
    loglik = np.zeros((n_s, n_l))
    posts, pairs = [], []
    namp = np.zeros((n_s, n_l), dtype=np.int64)
    for j, jj in enumerate(pos):  # loop over loci
        lab_r, lab_m = np.asarray(replicates.alleles[jj]), np.asarray(model.alleles[j])
        if lab_r.shape != lab_m.shape or not np.array_equal(lab_r.astype(str),
                                                            lab_m.astype(str)):
            raise ValueError(f"allele labels of locus {model.loci[j]} differ from the model's")
        k = len(lab_m)
        g = genotype_pairs(k)
        pairs.append(g)
        if k == 0:
            posts.append(np.zeros((n_s, 0)))
            continue
        loc = replace(_locus_data(Replicates(replicates.calls[:, [jj]],
                                             replicates.attempted[:, [jj]],
                                             replicates.samples, replicates.loci[[jj]],
                                             (replicates.alleles[jj],)), 0),
                      stutter=model.stutter)
        namp[:, j] = (loc.obs >= 0).sum(axis=1)
        post = np.broadcast_to(np.exp(_hwe_logprior(model.frequencies[j]))[None, :],
                               (n_s, len(g))).copy()
        if loc.cells.any():
            a = _safe(model.ado[:, j], 1e-9)
            e = _safe(model.fa[:, j], 1e-9)
            ll, pp, sel = _estep(loc, g_idx, a, e, model.frequencies[j], model.spectrum[j],
                                 model.junk, want_counts=False)
            post[sel] = pp
            loglik[sel, j] = ll
            best = np.argmax(pp, axis=1)
            calls[sel, j] = g[best]
            prob[sel, j] = pp[np.arange(len(sel)), best]
        posts.append(post)
    gt = Genotypes(calls, replicates.samples, model.loci, model.alleles)
    return GenotypePosteriors(gt, prob, tuple(posts), tuple(pairs), loglik, namp)
