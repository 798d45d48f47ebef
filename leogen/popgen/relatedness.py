"""Pairwise relatedness from microsatellite genotypes.

Moment estimators of the relatedness r (= 2 x kinship; 0.5 for parent-offspring and full
sibs, 0.25 for half sibs, 0 for unrelated):

- ``qg``: Queller & Goodnight (1989) Evolution 43:258 as R ``related`` and COANCESTRY
  compute it: both directions' numerators and denominators pooled over loci,
  ``r = (sum_l num_xy + sum_l num_yx) / (sum_l den_xy + sum_l den_yx)`` (``qg="pooled"``,
  the default); ``qg="mean"`` gives the mean of the two directional ratios
  ``(r_xy + r_yx) / 2`` (leogen's value before; the two agree for duplicates and differ by
  up to ~0.01 otherwise).
- ``lr``: Lynch & Ritland (1999) Genetics 152:1753, eq. 5 with the weights of eq. 6
  (the inverse sampling variance under unrelatedness), symmetrised ``(r_xy + r_yx) / 2``.
- ``ritland``: Ritland (1996) Genet Res 67:175, single-locus ``(2/(n-1)) (sum_i
  x_i y_i / (4 p_i) - 1)`` with n alleles at the locus, averaged over loci as in
  COANCESTRY / R ``related``.
- ``wang``: Wang (2002) Genetics 160:1203, eqs. 9-11, loci weighted by ``1 / (2 a2 - a3)``,
  with ``a_m = sum_i p_i^m`` of the reference frequencies as R ``related`` 1.0's Fortran
  computes them (its ``DataProcess``: plain sums, no small-sample correction), so the
  estimates equal ``related``'s. ``wang_small_sample=True`` uses instead Wang's unbiased
  small-sample estimators of a2, a3, a4 (the paper's "sampling bias" section) when the
  frequencies were counted in the sample (leogen's value before; differences ~1/(2N)).
- ``li``: Li, Weeks & Chakravarti (1993) Hum Hered 43:45: Lynch's (1988) similarity
  ``S`` (1, 3/4, 1/2, 0) against its expectation for unrelated pairs ``S0 = 2 a2 - a3``,
  ``r = sum (S - S0) / sum (1 - S0)`` (``related``'s "lynchli").

Checked against ``related`` 1.0's Fortran (read, not copied): the QG pooling, the Wang
closed form, weights and a_m, the LR weights and the Li and Ritland estimators agree term by
term. ``related`` floors reference frequencies at 0.0001; leogen does not (frequencies
counted in a sample of ~100 animals are >= 0.005).
- ``ml``: dyadic maximum likelihood (Milligan 2003 Genetics 163:1153) over the three
  outbred IBD coefficients ``k0, k1, k2`` (Jacquard's Delta_9, Delta_8, Delta_7), fitted by
  EM on the simplex, ``r = k1 / 2 + k2``.

Allele frequencies are by default those of all genotyped individuals (the focal pair is
*not* excluded, as in COANCESTRY and ``related``), or supplied by the user. Monomorphic
loci carry no information and drop out; loci missing in either member of a pair drop
out for that pair; ``n_loci`` is the number of polymorphic loci typed in both. Pairs with
fewer than ``min_loci`` such loci get NaN estimates (never a silent 0).

Relationship classes PO / FS / HS / U are ranked by their likelihood given the IBD-state
probabilities ``(k0, k1, k2)`` = PO (0, 1, 0), FS (1/4, 1/2, 1/4), HS (1/2, 1/2, 0),
U (1, 0, 0), with genotyping error ``epsilon`` per genotype: with probability
``(1 - epsilon)^2`` both genotypes are right, otherwise the pair carries no relationship
information (the likelihood of unrelated genotypes), in the spirit of ML-Relate
(Kalinowski, Wagner & Taper 2006 Mol Ecol Notes 6:576).

Every computation is vectorised over pairs (index arrays ``i, j`` into the samples) and
loci; nothing loops per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.io.tables import read_delimited
from leogen.model.frequencies import AlleleFreqs, allele_frequencies
from leogen.model.genotypes import Genotypes
from leogen.popgen import outputs
from leogen.progress import step

MOMENT_ESTIMATORS = ("qg", "lr", "ritland", "wang", "li")
ESTIMATORS = MOMENT_ESTIMATORS + ("ml",)
CLASSES = ("PO", "FS", "HS", "U")
IBD_K = {  # (k0, k1, k2): probabilities of sharing 0, 1, 2 alleles identical by descent
    "PO": (0.0, 1.0, 0.0),
    "FS": (0.25, 0.5, 0.25),
    "HS": (0.5, 0.5, 0.0),
    "U": (1.0, 0.0, 0.0),
}
EXPECTED_R = {c: k[1] / 2 + k[2] for c, k in IBD_K.items()}


# --------------------------------------------------------------------------- frequencies
def read_allele_freqs(path, g: Genotypes) -> AlleleFreqs:
    """Read reference frequencies (TSV ``locus, allele, frequency``) for the loci of ``g``.

    Every allele observed in ``g`` must have a frequency > 0; frequencies of a locus must
    sum to 1 (within 0.02; they are then rescaled to sum to exactly 1). Alleles listed but
    not observed are kept (they count for Ritland's number of alleles and Wang's a_m).

    Parameters
    ----------
    path : the user's frequency table (e.g. a ``relatedness/allele_freqs.tsv`` of another run).
    g : the genotypes the frequencies are for (loci and allele sizes).

    Returns
    -------
    AlleleFreqs
        ``freqs`` (n_loci, n_alleles), observed alleles first in ``g``'s order, then the
        listed but unobserved ones; ``n_genes`` None.
    """
    df = read_delimited(path, ["locus", "allele", "frequency"])
    freq = pd.to_numeric(df["frequency"], errors="coerce")
    bad = freq.isna() | (freq < 0) | (freq > 1)
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"frequency '{df['frequency'].iloc[k]}' is not a number in [0, 1]",
                         path, int(df["_line"].iloc[k]), "frequency")
    allele_num = pd.to_numeric(df["allele"], errors="coerce")
    if allele_num.isna().any():
        k = int(np.flatnonzero(allele_num.isna().to_numpy())[0])
        raise InputError(f"allele '{df['allele'].iloc[k]}' is not a whole number (size in bp)",
                         path, int(df["_line"].iloc[k]), "allele")
    df = df.assign(_f=freq.to_numpy(float), _a=allele_num.to_numpy(float))
    dup = df.duplicated(["locus", "_a"])
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"locus '{df['locus'].iloc[k]}' allele '{df['allele'].iloc[k]}' "
                         "is listed twice", path, int(df["_line"].iloc[k]), "allele")
    per_locus = []
    for j, locus in enumerate(g.loci):  # per locus (~20), not per pair
        sub = df[df["locus"] == locus]
        if sub.empty:
            raise InputError(f"no frequencies for locus '{locus}' (loci in the file: "
                             f"{', '.join(pd.unique(df['locus'])[:10])})", path, None, "locus")
        total = sub["_f"].sum()
        if abs(total - 1) > 0.02:
            raise InputError(f"frequencies of locus '{locus}' sum to {total:.4g}, expected 1",
                             path, int(sub["_line"].iloc[0]), "frequency")
        lookup = dict(zip(sub["_a"], sub["_f"] / total, strict=True))
        obs = np.asarray(g.alleles[j], dtype=float)
        f_obs = np.array([lookup.get(a, 0.0) for a in obs])
        if (f_obs <= 0).any():
            a = obs[f_obs <= 0][0]
            raise InputError(f"allele {a:g} of locus '{locus}' is in the genotypes but has no "
                             "frequency > 0", path, None, "allele")
        extra = [f for a, f in lookup.items() if a not in set(obs) and f > 0]
        per_locus.append(np.concatenate([f_obs, extra]))
    width = max((len(f) for f in per_locus), default=1)
    freqs = np.zeros((g.n_loci, max(width, 1)))
    for j, f in enumerate(per_locus):
        freqs[j, :len(f)] = f
    return AlleleFreqs(freqs, None, f"supplied in {path}")


# --------------------------------------------------------------------------- pair data
@dataclass
class _Pairs:
    """Alleles (a, b) of x and (c, d) of y per pair and locus, their frequencies, sharing."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray
    pa: np.ndarray
    pb: np.ndarray
    pc: np.ndarray
    pd: np.ndarray
    typed: np.ndarray  # (n_pairs, n_loci): both typed and the locus polymorphic

    def __post_init__(self):
        eq = np.equal
        self.sac, self.sad = eq(self.a, self.c), eq(self.a, self.d)
        self.sbc, self.sbd = eq(self.b, self.c), eq(self.b, self.d)
        self.sab, self.scd = eq(self.a, self.b), eq(self.c, self.d)

    @property
    def n_loci(self) -> np.ndarray:
        return self.typed.sum(axis=1)


def _make_pairs(x: np.ndarray, y: np.ndarray, af: AlleleFreqs) -> _Pairs:
    """Pair data from aligned calls ``x, y`` (n_pairs, n_loci, 2)."""
    typed = (x[..., 0] >= 0) & (y[..., 0] >= 0) & af.polymorphic[None, :]
    loc = np.arange(x.shape[1])[None, :]

    def freq(al):
        p = af.freqs[loc, np.maximum(al, 0)]
        return np.where(typed, p, 0.5)  # placeholder where untyped: never used

    a, b, c, d = x[..., 0], x[..., 1], y[..., 0], y[..., 1]
    pa, pb, pc, pd = freq(a), freq(b), freq(c), freq(d)
    if (typed & ((pa <= 0) | (pb <= 0) | (pc <= 0) | (pd <= 0))).any():
        raise ValueError("an observed allele has reference frequency 0")
    return _Pairs(a, b, c, d, pa, pb, pc, pd, typed)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(np.isfinite(out), out, np.nan)


def _sum(v: np.ndarray, typed: np.ndarray) -> np.ndarray:
    return np.where(typed, v, 0.0).sum(axis=1)


# --------------------------------------------------------------------------- estimators
QG_METHODS = ("pooled", "mean")


def queller_goodnight(p: _Pairs, method: str = "pooled") -> np.ndarray:
    """Queller & Goodnight (1989) eq. 1 with the directional sums
    ``num_xy = sum_l [(S_ac + S_ad + S_bc + S_bd)/2 - p_a - p_b]``,
    ``den_xy = sum_l [1 + S_ab - p_a - p_b]`` (and ``num_yx, den_yx`` with y's alleles).

    ``method="pooled"`` (R ``related``, COANCESTRY): ``(num_xy + num_yx) / (den_xy +
    den_yx)``; ``method="mean"``: ``(num_xy / den_xy + num_yx / den_yx) / 2``.

    Parameters
    ----------
    p : _Pairs
        Alleles, their reference frequencies and sharing indicators, arrays
        (n_pairs, n_loci); ``p.typed`` marks the loci used.
    method : ``'pooled'`` or ``'mean'``.

    Returns
    -------
    float array (n_pairs,)
        r; NaN where a denominator is 0 (e.g. no typed locus).

    Examples
    --------
    >>> af = AlleleFreqs(np.array([[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]]), None, "example")
    >>> p = _make_pairs(np.array([[[0, 1], [0, 0]]]), np.array([[[0, 2], [0, 1]]]), af)
    >>> float(queller_goodnight(p).round(4)[0]), float(queller_goodnight(p, "mean").round(4)[0])
    (-0.5385, -0.5833)
    """
    if method not in QG_METHODS:
        raise ValueError(f"qg method must be one of {QG_METHODS}, not {method!r}")
    share = 0.5 * (p.sac.astype(float) + p.sad + p.sbc + p.sbd)
    num_xy = _sum(share - p.pa - p.pb, p.typed)
    den_xy = _sum(1.0 + p.sab - p.pa - p.pb, p.typed)
    num_yx = _sum(share - p.pc - p.pd, p.typed)
    den_yx = _sum(1.0 + p.scd - p.pc - p.pd, p.typed)
    if method == "pooled":
        return _ratio(num_xy + num_yx, den_xy + den_yx)
    return (_ratio(num_xy, den_xy) + _ratio(num_yx, den_yx)) / 2


def _lr_direction(pa, pb, sab, s_bc, s_bd, s_ac, s_ad, typed):
    # Lynch & Ritland 1999 eq. 5: r = [pa (Sbc + Sbd) + pb (Sac + Sad) - 4 pa pb]
    #                              / [(1 + Sab)(pa + pb) - 4 pa pb]
    # weight (eq. 6) w = [(1 + Sab)(pa + pb) - 4 pa pb] / (2 pa pb), so w r = num / (2 pa pb)
    num = pa * (s_bc.astype(float) + s_bd) + pb * (s_ac.astype(float) + s_ad) - 4 * pa * pb
    den = (1.0 + sab) * (pa + pb) - 4 * pa * pb
    w = den / (2 * pa * pb)
    wr = num / (2 * pa * pb)
    return _ratio(_sum(wr, typed), _sum(w, typed))


def lynch_ritland(p: _Pairs) -> np.ndarray:
    """Lynch & Ritland (1999) eqs. 5-6, loci weighted by their inverse sampling variance,
    symmetrised ``(r_xy + r_yx) / 2`` (each direction with its own weights).

    Parameters
    ----------
    p : _Pairs
        Alleles, their reference frequencies and sharing indicators, arrays
        (n_pairs, n_loci); ``p.typed`` marks the loci used.

    Returns
    -------
    float array (n_pairs,)
    """
    r_xy = _lr_direction(p.pa, p.pb, p.sab, p.sbc, p.sbd, p.sac, p.sad, p.typed)
    r_yx = _lr_direction(p.pc, p.pd, p.scd, p.sad, p.sbd, p.sac, p.sbc, p.typed)
    return (r_xy + r_yx) / 2


def ritland(p: _Pairs, af: AlleleFreqs) -> np.ndarray:
    """Ritland (1996) eq. 7: per locus ``r_l = 2/(n_l - 1) (sum_i x_i y_i / (4 p_i) - 1)``
    (n_l alleles at the locus, x_i/y_i copies of allele i), averaged over loci without
    weights as COANCESTRY / R ``related`` do (Ritland suggests weights ``n_l - 1``).

    Parameters
    ----------
    p : _Pairs
        Alleles, their reference frequencies and sharing indicators, arrays
        (n_pairs, n_loci); ``p.typed`` marks the loci used.
    af : the reference frequencies (n_l = alleles with frequency > 0).

    Returns
    -------
    float array (n_pairs,)
    """
    inner = (p.sac / p.pa + p.sad / p.pa + p.sbc / p.pb + p.sbd / p.pb) / 4.0 - 1.0
    m = (af.n_alleles - 1).astype(float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        r_l = 2.0 * inner / m
    return _ratio(_sum(r_l, p.typed), p.typed.sum(axis=1).astype(float))


def _lynch_similarity(p: _Pairs) -> np.ndarray:
    """Lynch (1988) similarity: 1 identical genotypes, 3/4 AiAi-AiAj, 1/2 AiAj-AiAk, else 0."""
    m = p.sac.astype(float) + p.sad + p.sbc + p.sbd
    return 0.5 * (m / (2.0 * (1 + p.sab)) + m / (2.0 * (1 + p.scd)))


def _power_sums(af: AlleleFreqs, corrected: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """a_m = sum_i p_i^m (m = 2, 3, 4) per locus; with ``corrected`` the unbiased small-sample
    versions of Wang (2002), from N genes sampled:
    a2 = (N S2 - 1)/(N - 1); a3 = (N^2 S3 - 3 (N - 1) a2 - 1)/((N - 1)(N - 2));
    a4 = (N^3 S4 - 6 (N - 1)(N - 2) a3 - 7 (N - 1) a2 - 1)/((N - 1)(N - 2)(N - 3))."""
    f = af.freqs
    s2, s3, s4 = (f ** 2).sum(1), (f ** 3).sum(1), (f ** 4).sum(1)
    if not corrected or af.n_genes is None:
        return s2, s3, s4
    n = af.n_genes.astype(float)
    ok = n >= 4
    nn = np.where(ok, n, 4.0)
    a2 = (nn * s2 - 1) / (nn - 1)
    a3 = (nn ** 2 * s3 - 3 * (nn - 1) * a2 - 1) / ((nn - 1) * (nn - 2))
    a4 = (nn ** 3 * s4 - 6 * (nn - 1) * (nn - 2) * a3 - 7 * (nn - 1) * a2 - 1) / (
        (nn - 1) * (nn - 2) * (nn - 3))
    return np.where(ok, a2, s2), np.where(ok, a3, s3), np.where(ok, a4, s4)


def li(p: _Pairs, af: AlleleFreqs) -> np.ndarray:
    """Li et al. (1993): ``r = sum_l (S_l - S0_l) / sum_l (1 - S0_l)``, S Lynch's similarity,
    ``S0 = 2 a2 - a3`` its expectation for unrelated pairs (population frequencies).

    Parameters
    ----------
    p : _Pairs
        Alleles, their reference frequencies and sharing indicators, arrays
        (n_pairs, n_loci); ``p.typed`` marks the loci used.
    af : the reference frequencies (a_m = sum_i p_i^m per locus).

    Returns
    -------
    float array (n_pairs,)
    """
    a2, a3, _ = _power_sums(af, corrected=False)
    s0 = np.broadcast_to((2 * a2 - a3)[None, :], p.typed.shape)
    return _ratio(_sum(_lynch_similarity(p) - s0, p.typed), _sum(1.0 - s0, p.typed))


def wang_coefficients(a2, a3, a4):
    """Wang (2002) coefficients b..g: expected P1 = b + c phi + (1-b) Delta,
    P2 = d + e phi - d Delta, P3 = f + g phi - f Delta (phi = k1, Delta = k2).

    Parameters
    ----------
    a2, a3, a4 : float arrays (n_loci,)
        ``a_m = sum_i p_i^m`` (or their small-sample versions).

    Returns
    -------
    b, c, d, e, f, g : float arrays (n_loci,)

    Examples
    --------
    >>> [round(float(v[0]), 4) for v in wang_coefficients(*np.array([[0.5], [0.25], [0.125]]))]
    [0.375, 0.125, 0.5, 0.0, 0.0, 0.0]
    """
    b = 2 * a2 ** 2 - a4
    c = a2 - 2 * a2 ** 2 + a4
    d = 4 * (a3 - a4)
    e = 2 * (a2 - 3 * a3 + 2 * a4)
    f = 4 * (a2 - a2 ** 2 - 2 * a3 + 2 * a4)
    g = 1 - 7 * a2 + 4 * a2 ** 2 + 10 * a3 - 8 * a4
    return b, c, d, e, f, g


def wang_solve(p1, p2, p3, b, c, d, e, f, g):
    """Wang (2002) eqs. 9-11: (phi, Delta) from the similarity frequencies P1..P3.

    Parameters
    ----------
    p1, p2, p3 : float arrays (n_pairs,)
        Weighted shares of loci with similarity 1, 3/4 and 1/2.
    b, c, d, e, f, g : float arrays (n_pairs,)
        :func:`wang_coefficients` averaged with the same weights.

    Returns
    -------
    phi, delta : float arrays (n_pairs,); NaN where the system is singular.
    """
    q = 1 - b
    v = (q ** 2 * (e ** 2 * f + d * g ** 2) - q * (e * f - d * g) ** 2
         + 2 * c * d * f * q * (g + e) + c ** 2 * d * f * (d + f))
    phi = (d * f * ((e + g) * q + c * (d + f)) * (p1 - 1)
           + d * q * (g * (q - d) + f * (c + e)) * p3
           + f * q * (e * (q - f) + d * (c + g)) * p2)
    delta = (c * d * f * (e + g) * (p1 + 1 - 2 * b)
             + (q * (f * e ** 2 + d * g ** 2) - (e * f - d * g) ** 2) * (p1 - b)
             + c * (d * g - e * f) * (d * p3 - f * p2)
             - c ** 2 * d * f * (p3 + p2 - d - f)
             - c * q * (d * g * p3 + e * f * p2))
    return _ratio(phi, v), _ratio(delta, v)


def wang(p: _Pairs, af: AlleleFreqs, small_sample: bool = False) -> np.ndarray:
    """Wang (2002): similarity classes P1 (identical genotypes), P2 (AiAi-AiAj), P3
    (AiAj-AiAk) averaged over loci with weights ``1 / u_l``, ``u_l = 2 a2 - a3``; the
    coefficients b..g averaged with the same weights; ``r = phi / 2 + Delta``.

    ``small_sample``: a_m from Wang's unbiased small-sample estimators when the
    frequencies were counted in the sample; by default the plain sums, as R ``related``
    1.0 (whose closed form and weights these are). When every locus of a pair is
    biallelic, f and g are set to 1e-50 as in COANCESTRY (P3 cannot occur).

    Parameters
    ----------
    p : _Pairs
        Alleles, their reference frequencies and sharing indicators, arrays
        (n_pairs, n_loci); ``p.typed`` marks the loci used.
    af : the reference frequencies.
    small_sample : see above.

    Returns
    -------
    float array (n_pairs,)
    """
    a2, a3, a4 = _power_sums(af, corrected=small_sample)
    u = 2 * a2 - a3
    with np.errstate(divide="ignore"):
        w_loc = np.where(u > 0, 1.0 / u, 0.0)
    w = np.where(p.typed, w_loc[None, :], 0.0)
    wsum = w.sum(axis=1)
    s = _lynch_similarity(p)

    def avg(v):
        return _ratio((w * v).sum(axis=1), wsum)

    b, c, d, e, f, g = (avg(np.broadcast_to(k[None, :], p.typed.shape))
                        for k in wang_coefficients(a2, a3, a4))
    multi = (p.typed & (af.n_alleles > 2)[None, :]).any(axis=1)
    f = np.where(multi, f, 1e-50)
    g = np.where(multi, g, 1e-50)
    phi, delta = wang_solve(avg(s == 1.0), avg(s == 0.75), avg(s == 0.5), b, c, d, e, f, g)
    return phi / 2 + delta


# ----------------------------------------------------------------- likelihoods and ML
def ibd_likelihoods(p: _Pairs) -> np.ndarray:
    """P(G_x, G_y | IBD state) per pair and locus, shape (n_pairs, n_loci, 3) for 0, 1, 2
    alleles IBD (outbred, Hardy-Weinberg). With P(G) = (2 - S_ab) p_a p_b:
    L0 = P(G_x) P(G_y); L2 = P(G_x) [G_x = G_y];
    L1 = P(G_x) (S_ac p_d + S_ad p_c + S_bc p_d + S_bd p_c) / (2 (1 + S_cd)).

    Parameters
    ----------
    p : _Pairs
        Alleles, their reference frequencies and sharing indicators, arrays
        (n_pairs, n_loci); ``p.typed`` marks the loci used.

    Returns
    -------
    float array (n_pairs, n_loci, 3)
    """
    gx = (2.0 - p.sab) * p.pa * p.pb
    gy = (2.0 - p.scd) * p.pc * p.pd
    same = (p.sac & p.sbd) | (p.sad & p.sbc)
    t = (p.sac * p.pd + p.sad * p.pc + p.sbc * p.pd + p.sbd * p.pc) / (2.0 * (1 + p.scd))
    return np.stack([gx * gy, gx * t, gx * same], axis=-1)


def class_loglik(lik: np.ndarray, typed: np.ndarray, error_rate: float) -> np.ndarray:
    """Log-likelihood of each class in CLASSES, (n_pairs, 4), summed over typed loci.

    Per locus ``P = (1 - e)^2 sum_k k_s L_s + (1 - (1 - e)^2) L0`` (genotyping error as
    in ML-Relate, Kalinowski et al. 2006).

    Parameters
    ----------
    lik : float array (n_pairs, n_loci, 3)
        :func:`ibd_likelihoods`.
    typed : bool array (n_pairs, n_loci)
    error_rate : genotyping error per genotype, in [0, 1).

    Returns
    -------
    float array (n_pairs, 4)
        Natural-log likelihoods of PO, FS, HS, U.

    Examples
    --------
    >>> lik = np.array([[[0.25, 0.25, 0.5]]])  # one pair, one locus
    >>> class_loglik(lik, np.array([[True]]), 0.0).round(4)
    array([[-1.3863, -1.1632, -1.3863, -1.3863]])
    """
    keep = (1 - error_rate) ** 2
    out = []
    for cls in CLASSES:  # 4 classes
        k = np.asarray(IBD_K[cls])
        per = keep * (lik @ k) + (1 - keep) * lik[..., 0]
        with np.errstate(divide="ignore"):
            out.append(np.where(typed, np.log(np.where(typed, per, 1.0)), 0.0).sum(axis=1))
    return np.stack(out, axis=1)


def _loglik_k(lt: np.ndarray, typed: np.ndarray, k: np.ndarray) -> np.ndarray:
    """sum over typed loci of log(L . k), per pair; lt has 1s where untyped."""
    mix = np.einsum("plk,pk->pl", lt, k)
    with np.errstate(divide="ignore"):
        return np.where(typed, np.log(np.where(typed, mix, 1.0)), 0.0).sum(axis=1)


def _edge_max(lt, typed, k_from, k_to, n_bisect: int = 32):
    """Maximum of the concave log-likelihood on the simplex edge k(t) = k_from + t (k_to -
    k_from), t in [0, 1], by bisection on the sign of its derivative (vectorised)."""
    d = k_to - k_from
    num = lt @ d  # (pairs, loci): L . dk
    base = lt @ k_from

    num = np.where(typed, num, 0.0)
    base = np.where(typed, base, 1.0)

    def slope(t):
        with np.errstate(divide="ignore", invalid="ignore"):
            v = (num / (base + t[:, None] * num)).sum(axis=1)
        return np.nan_to_num(v, nan=-np.inf)

    n = lt.shape[0]
    lo, hi = np.zeros(n), np.ones(n)
    s0, s1 = slope(lo), slope(hi)
    for _ in range(n_bisect):  # bisection steps, vectorised over pairs
        mid = (lo + hi) / 2
        up = slope(mid) > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    t = np.where(s0 <= 0, 0.0, np.where(s1 >= 0, 1.0, (lo + hi) / 2))
    return k_from[None, :] + t[:, None] * d[None, :]


def dyadic_ml(lik: np.ndarray, typed: np.ndarray, em_iter: int = 20,
              newton_iter: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Milligan (2003) dyadic ML of (k0, k1, k2) on the simplex, no inbreeding.

    The log-likelihood ``sum_l log(k0 L0 + k1 L1 + k2 L2)`` is concave in k, so its maximum
    over the triangle is the best of: the maximum on each of the three edges (found by
    bisection, vertices included), an interior stationary point (EM start, then Newton;
    kept only if inside the triangle), and the EM iterate itself. Vectorised over pairs.

    Parameters
    ----------
    lik : float array (n_pairs, n_loci, 3)
        :func:`ibd_likelihoods`.
    typed : bool array (n_pairs, n_loci)
    em_iter, newton_iter : iterations of the EM start and of Newton's method.

    Returns
    -------
    k : float array (n_pairs, 3)
        ``(k0, k1, k2)``; NaN where no locus is typed.
    r : float array (n_pairs,)
        ``k1 / 2 + k2``.

    Examples
    --------
    >>> lik = np.array([[[0.25, 0.25, 0.5], [0.0234375, 0.046875, 0.0]]])
    >>> k, r = dyadic_ml(lik, np.array([[True, True]]))
    >>> k.round(4), r.round(4)
    (array([[0., 1., 0.]]), array([0.5]))
    """
    n_pairs = lik.shape[0]
    lt = np.where(typed[..., None], lik, 1.0)
    n = typed.sum(axis=1)
    eye = np.eye(3)
    cands = [_edge_max(lt, typed, eye[0], eye[1]), _edge_max(lt, typed, eye[0], eye[2]),
             _edge_max(lt, typed, eye[1], eye[2])]
    comp = [np.ascontiguousarray(np.where(typed, lik[..., s], 0.0)) for s in range(3)]
    k = np.full((n_pairs, 3), 1.0 / 3)
    for _ in range(em_iter):  # EM iterations, vectorised over pairs
        part = [comp[s] * k[:, s:s + 1] for s in range(3)]
        mix = part[0] + part[1] + part[2]
        inv = np.divide(1.0, mix, out=np.zeros_like(mix), where=mix > 0)
        k = np.column_stack([(part[s] * inv).sum(axis=1) for s in range(3)])
        k = np.where(n[:, None] > 0, k / np.maximum(n, 1)[:, None], 1.0 / 3)
    cands.append(k.copy())
    # Newton on (k1, k2) with k0 = 1 - k1 - k2
    x = k[:, 1:].copy()
    d1, d2 = comp[1] - comp[0], comp[2] - comp[0]
    ok = np.ones(n_pairs, dtype=bool)
    for _ in range(newton_iter):  # Newton steps, vectorised over pairs
        mix = comp[0] + d1 * x[:, :1] + d2 * x[:, 1:]
        inv = np.divide(1.0, mix, out=np.zeros_like(mix), where=typed & (mix > 0))
        q0, q1 = d1 * inv, d2 * inv
        g0, g1 = q0.sum(axis=1), q1.sum(axis=1)
        h00, h01, h11 = -(q0 * q0).sum(axis=1), -(q0 * q1).sum(axis=1), -(q1 * q1).sum(axis=1)
        det = h00 * h11 - h01 * h01
        good = np.abs(det) > 1e-300
        safe = np.where(good, det, 1.0)
        step = np.column_stack([(h11 * g0 - h01 * g1) / safe, (h00 * g1 - h01 * g0) / safe])
        x = x - step
        ok &= good & np.isfinite(x).all(axis=1) & (x > 0).all(axis=1) & (x.sum(axis=1) < 1)
        x = np.where(ok[:, None], x, k[:, 1:])
        if not ok.any() or np.nanmax(np.abs(np.where(ok[:, None], step, 0.0))) < 1e-12:
            break
    inner = np.column_stack([1 - x.sum(axis=1), x])
    cands.append(np.where(ok[:, None], inner, k))
    ll = np.stack([_loglik_k(lt, typed, c) for c in cands], axis=1)
    best = np.argmax(np.where(np.isnan(ll), -np.inf, ll), axis=1)
    k = np.stack(cands, axis=1)[np.arange(n_pairs), best]
    k = np.clip(k, 0.0, 1.0)
    k /= np.maximum(k.sum(axis=1, keepdims=True), 1e-300)
    k[n == 0] = np.nan
    return k, k[:, 1] / 2 + k[:, 2]


# --------------------------------------------------------------------------- driver
def estimate_pairs(x: np.ndarray, y: np.ndarray, af: AlleleFreqs, min_loci: int = 1,
                   error_rate: float = 0.01, estimators=ESTIMATORS,
                   classify: bool = True, qg: str = "pooled",
                   wang_small_sample: bool = False) -> pd.DataFrame:
    """All estimators and the class likelihoods for aligned pairs of calls ``x, y``.

    Parameters
    ----------
    x, y : int arrays (n_pairs, n_loci, 2)
        Allele indices of the two members of each pair, -1 missing.
    af : reference frequencies (n_loci, n_alleles).
    min_loci : rows with fewer polymorphic loci typed in both get NaN estimates.
    error_rate : genotyping error of the class likelihoods (:func:`class_loglik`).
    estimators : names among :data:`ESTIMATORS`.
    classify : also the most likely class and the class log-likelihoods.
    qg : ``'pooled'`` (``related``/COANCESTRY) or ``'mean'`` (:func:`queller_goodnight`).
    wang_small_sample : Wang's small-sample a_m (:func:`wang`).

    Returns
    -------
    DataFrame (n_pairs rows)
        ``n_loci``, one column per estimator, and with ``classify`` ``relationship,
        loglik_po, loglik_fs, loglik_hs, loglik_u, lr_best_vs_next``.

    Examples
    --------
    >>> af = AlleleFreqs(np.array([[0.5, 0.3, 0.2], [0.4, 0.4, 0.2]]), None, "example")
    >>> x = np.array([[[0, 1], [0, 2]], [[0, 0], [1, 1]]])
    >>> y = np.array([[[0, 1], [0, 1]], [[1, 2], [2, 2]]])
    >>> estimate_pairs(x, y, af, classify=False).round(3)
       n_loci     qg     lr  ritland   wang     li     ml
    0       2 -0.000 -0.053   -0.021  0.322  0.387  0.286
    1       2 -0.628 -0.597   -1.000 -1.391 -1.451  0.000
    """
    p = _make_pairs(np.asarray(x), np.asarray(y), af)
    n = p.n_loci
    out = {"n_loci": n}
    fns = {"qg": lambda: queller_goodnight(p, qg), "lr": lambda: lynch_ritland(p),
           "ritland": lambda: ritland(p, af),
           "wang": lambda: wang(p, af, small_sample=wang_small_sample),
           "li": lambda: li(p, af)}
    for name in estimators:
        if name in fns:
            out[name] = fns[name]()
    lik = None
    if "ml" in estimators or classify:
        lik = ibd_likelihoods(p)
    if "ml" in estimators:
        out["ml"] = dyadic_ml(lik, p.typed)[1]
    if classify:
        ll = class_loglik(lik, p.typed, error_rate)
        order = np.argsort(-ll, axis=1, kind="stable")
        best = order[:, 0]
        rows = np.arange(len(best))
        out["relationship"] = np.asarray(CLASSES, dtype=object)[best]
        for k, cls in enumerate(CLASSES):
            out[f"loglik_{cls.lower()}"] = ll[:, k]
        with np.errstate(invalid="ignore"):
            out["lr_best_vs_next"] = ll[rows, best] - ll[rows, order[:, 1]]
    df = pd.DataFrame(out)
    short = n < max(min_loci, 1)
    cols = [c for c in df.columns if c != "n_loci"]
    df.loc[short, cols] = np.nan
    if classify:
        df["relationship"] = df["relationship"].astype(object).where(~short, None)
    return df


def pairwise_relatedness(g: Genotypes, af: AlleleFreqs | None = None, min_loci: int = 6,
                         error_rate: float = 0.01, estimators=ESTIMATORS,
                         qg: str = "pooled", wang_small_sample: bool = False) -> pd.DataFrame:
    """Every pair of samples of ``g``: ``id1, id2, n_loci``, one column per estimator,
    ``relationship, loglik_po, loglik_fs, loglik_hs, loglik_u, lr_best_vs_next``
    (``lr_best_vs_next`` = natural-log likelihood ratio of the best class over the next).

    Parameters
    ----------
    g : Genotypes, calls (n_individuals, n_loci, 2).
    af : reference frequencies (default: those of ``g``).
    min_loci, error_rate, estimators, qg, wang_small_sample : see :func:`estimate_pairs`.

    Returns
    -------
    DataFrame, n (n - 1) / 2 rows in upper-triangle order.
    """
    if af is None:
        af = allele_frequencies(g)
    i, j = np.triu_indices(g.n_samples, k=1)
    df = estimate_pairs(g.calls[i], g.calls[j], af, min_loci, error_rate, estimators,
                        qg=qg, wang_small_sample=wang_small_sample)
    df.insert(0, "id2", g.samples[j])
    df.insert(0, "id1", g.samples[i])
    return df


def relatedness_matrix(pairs: pd.DataFrame, estimator: str, ids) -> pd.DataFrame:
    """Square symmetric matrix (first column ``id``) of one estimator; diagonal NA.

    Parameters
    ----------
    pairs : ``id1, id2`` and the ``estimator`` column, one row per pair.
    estimator : the column to spread.
    ids : the n animals, in row/column order.

    Returns
    -------
    DataFrame (n, 1 + n)

    Examples
    --------
    >>> pairs = pd.DataFrame({"id1": ["a", "a", "b"], "id2": ["b", "c", "c"],
    ...                       "qg": [0.5, 0.0, 0.25]})
    >>> relatedness_matrix(pairs, "qg", ["a", "b", "c"])
      id    a     b     c
    0  a  NaN  0.50  0.00
    1  b  0.5   NaN  0.25
    2  c  0.0  0.25   NaN
    """
    ids = list(ids)
    pos = pd.Index(ids)
    m = np.full((len(ids), len(ids)), np.nan)
    a, b = pos.get_indexer(pairs["id1"]), pos.get_indexer(pairs["id2"])
    v = pairs[estimator].to_numpy(float)
    m[a, b] = v
    m[b, a] = v
    df = pd.DataFrame(m, columns=ids)
    df.insert(0, "id", ids)
    return df


# ------------------------------------------------------------------ simulation of pairs
def _draw_founders(rng, cum: np.ndarray, n: int) -> np.ndarray:
    u = rng.random((n, cum.shape[0], 2))
    return (u[..., None] > cum[None, :, None, :]).sum(axis=-1).astype(np.int32)


def _gamete(rng, parent: np.ndarray) -> np.ndarray:
    pick = rng.integers(0, 2, parent.shape[:2])
    return np.take_along_axis(parent, pick[..., None], axis=2)[..., 0]


def simulate_pairs(af: AlleleFreqs, n_pairs: int = 100, missing_rate=None,
                   seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of known relationship (PO, FS, HS, U; ``n_pairs`` each) dropped from founders
    drawn from the reference frequencies (COANCESTRY / ``related::familysim`` style).

    Parameters
    ----------
    af : reference frequencies (n_loci, n_alleles).
    n_pairs : pairs per class.
    missing_rate : float array (n_loci,) or None; deletes genotypes at random at the
        data's own rate.
    seed : random seed.

    Returns
    -------
    x, y : int arrays (4 n_pairs, n_loci, 2)
    relationship : object array (4 n_pairs,), the true class of each pair.
    """
    rng = np.random.default_rng(seed)
    f = af.freqs / np.maximum(af.freqs.sum(axis=1, keepdims=True), 1e-300)
    cum = np.cumsum(f, axis=1)[:, :-1]
    n = n_pairs

    def child(p1, p2):
        return np.stack([_gamete(rng, p1), _gamete(rng, p2)], axis=2)

    par, mate = _draw_founders(rng, cum, n), _draw_founders(rng, cum, n)
    po = (par, child(par, mate))
    m, fa = _draw_founders(rng, cum, n), _draw_founders(rng, cum, n)
    fs = (child(m, fa), child(m, fa))
    s, m1, m2 = (_draw_founders(rng, cum, n) for _ in range(3))
    hs = (child(s, m1), child(s, m2))
    un = (_draw_founders(rng, cum, n), _draw_founders(rng, cum, n))
    x = np.concatenate([po[0], fs[0], hs[0], un[0]])
    y = np.concatenate([po[1], fs[1], hs[1], un[1]])
    rel = np.repeat(np.asarray(CLASSES, dtype=object), n)
    if missing_rate is not None:
        mr = np.asarray(missing_rate, float)[None, :]
        x[rng.random(x.shape[:2]) < mr] = -1
        y[rng.random(y.shape[:2]) < mr] = -1
    return x, y, rel


def compare_estimators(af: AlleleFreqs, n_pairs: int = 100, missing_rate=None,
                       min_loci: int = 1, error_rate: float = 0.01, seed: int = 1,
                       estimators=ESTIMATORS, qg: str = "pooled",
                       wang_small_sample: bool = False) -> pd.DataFrame:
    """Estimator choice by simulation (as COANCESTRY / ``related::compareestimators``).

    Rows: ``estimator, relationship (PO|FS|HS|U|all), expected_r, n_pairs, mean, bias,
    variance, rmse, correlation, recommended, classification_accuracy``. ``correlation``
    is Pearson's r between estimate and true r over all simulated pairs (the same value
    on each row of an estimator); the recommended estimator has the highest correlation.
    ``classification_accuracy`` is the share of pairs whose most likely class is the true one.
    The simulated pairs are estimated with the data's reference frequencies ``af`` (R
    ``related`` instead re-estimates them from the simulated individuals).

    Parameters
    ----------
    af : reference frequencies (n_loci, n_alleles).
    n_pairs : simulated pairs per class.
    missing_rate : float array (n_loci,) or None, the data's missing rate per locus.
    min_loci, error_rate : see :func:`estimate_pairs`.
    seed : random seed.
    estimators : names among :data:`ESTIMATORS`.
    qg, wang_small_sample : see :func:`estimate_pairs`.

    Returns
    -------
    DataFrame, 5 rows per estimator (``estimator_choice.tsv``).
    """
    x, y, rel = simulate_pairs(af, n_pairs, missing_rate, seed)
    est = estimate_pairs(x, y, af, min_loci, error_rate, estimators, classify=True, qg=qg,
                         wang_small_sample=wang_small_sample)
    truth = np.array([EXPECTED_R[c] for c in rel])
    rows = []
    corr = {}
    for name in estimators:
        v = est[name].to_numpy(float)
        ok = np.isfinite(v)
        corr[name] = (float(np.corrcoef(v[ok], truth[ok])[0, 1])
                      if ok.sum() > 2 and np.std(v[ok]) > 0 else np.nan)
    finite = {k: v for k, v in corr.items() if np.isfinite(v)}
    best = max(finite, key=lambda k: (finite[k], -estimators.index(k))) if finite else None
    for name in estimators:
        v = est[name].to_numpy(float)
        for cls in CLASSES + ("all",):
            sel = (rel == cls) if cls != "all" else np.ones(len(rel), bool)
            vv, tt = v[sel], truth[sel]
            ok = np.isfinite(vv)
            dev = vv[ok] - tt[ok]
            acc = est["relationship"].to_numpy(object)[sel] == rel[sel]
            rows.append({
                "estimator": name,
                "relationship": cls,
                "expected_r": EXPECTED_R.get(cls, np.nan),
                "n_pairs": int(ok.sum()),
                "mean": float(vv[ok].mean()) if ok.any() else np.nan,
                "bias": float(dev.mean()) if ok.any() else np.nan,
                "variance": float(vv[ok].var(ddof=1)) if ok.sum() > 1 else np.nan,
                "rmse": float(np.sqrt((dev ** 2).mean())) if ok.any() else np.nan,
                "correlation": corr[name],
                "recommended": name == best,
                "classification_accuracy": float(acc.mean()),
            })
    return pd.DataFrame(rows, columns=outputs.ESTIMATOR_CHOICE.names)


# --------------------------------------------------------------------------- SNP kinship
def snp_pairs(king: pd.DataFrame, sample_map: dict) -> pd.DataFrame:
    """KING-robust kinship, IBS0 and n_snps per pair of individuals, from pairs of SNP samples.

    Parameters
    ----------
    king : one row per pair of VCF samples: ``id1, id2, n_snps, ibs0, kinship`` (as
        :func:`leogen.snp.tables.king_table` computes and ``snp/king.tsv`` holds; KING-robust
        kinship of Manichaikul et al. 2010 Bioinformatics 26:2867).
    sample_map : VCF sample id -> individual id (samples not in it keep their own name).

    Returns
    -------
    DataFrame ``_a, _b, king, ibs0, n_snps``, one row per unordered pair of individuals
    (``_a < _b``); when several samples of one animal were typed, the pair typed at most SNPs.
    """
    king = king.assign(id1=king["id1"].astype(str).map(lambda s: sample_map.get(s, s)),
                       id2=king["id2"].astype(str).map(lambda s: sample_map.get(s, s)))
    king = king[king["id1"] != king["id2"]]
    lo = np.where(king["id1"] < king["id2"], king["id1"], king["id2"])
    hi = np.where(king["id1"] < king["id2"], king["id2"], king["id1"])
    king = king.assign(_a=lo, _b=hi).sort_values(["_a", "_b", "n_snps"],
                                                  ascending=[True, True, False])
    king = king.drop_duplicates(["_a", "_b"])  # several samples of one animal: most SNPs
    return king.rename(columns={"kinship": "king"})[["_a", "_b", "king", "ibs0", "n_snps"]]


def merge_snp_pairs(pairs: pd.DataFrame, king: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with ``king, ibs0, n_snps`` appended (NA for pairs without SNP data).

    Parameters
    ----------
    pairs : the microsatellite pairs table (``id1, id2, ...``), one row per pair.
    king : :func:`snp_pairs` output.
    """
    lo = np.where(pairs["id1"] < pairs["id2"], pairs["id1"], pairs["id2"])
    hi = np.where(pairs["id1"] < pairs["id2"], pairs["id2"], pairs["id1"])
    out = pairs.assign(_a=lo, _b=hi).merge(king, on=["_a", "_b"], how="left")
    out["n_snps"] = out["n_snps"].astype("Int64")
    return out.drop(columns=["_a", "_b"])


# --------------------------------------------------------------------------- stage driver
def reference_frequency_table(g: Genotypes, af: AlleleFreqs) -> pd.DataFrame:
    """The reference frequencies as ``locus, allele, frequency, n_genes`` (alleles > 0 only).

    Parameters
    ----------
    g : the genotypes (allele labels per locus).
    af : frequencies (n_loci, n_alleles); alleles beyond the observed ones are 'other'.
    """
    rows = []
    for j, locus in enumerate(g.loci):  # per locus
        labels = list(g.alleles[j])
        for a in range(af.freqs.shape[1]):
            if af.freqs[j, a] > 0:
                rows.append({"locus": locus,
                             "allele": labels[a] if a < len(labels) else "other",
                             "frequency": af.freqs[j, a],
                             "n_genes": af.n_genes[j] if af.n_genes is not None else np.nan})
    return pd.DataFrame(rows, columns=outputs.REFERENCE_FREQS.names)


@dataclass
class RelatednessResult:
    """What :func:`run` wrote: the pairs table and what the stage's log reports."""

    pairs: pd.DataFrame
    allele_freqs: AlleleFreqs
    recommended: str
    n_pairs_min_loci: int
    n_pairs_snp: int | None  # pairs with SNP kinship (None without SNP data)


def run(g: Genotypes, out_dir, allele_freqs: AlleleFreqs | None = None, min_loci: int = 6,
        error_rate: float = 0.01, n_simulated_pairs: int = 100, seed: int = 1,
        network_threshold: float = 0.2, king: pd.DataFrame | None = None, vcf=None,
        sample_map: dict | None = None, qg: str = "pooled",
        wang_small_sample: bool = False) -> RelatednessResult:
    """The relatedness stage: every pair, estimator choice, matrices and plots, written.

    Writes to ``out_dir`` (see :mod:`leogen.popgen.outputs`): ``pairs.tsv``,
    ``estimator_choice.tsv`` (when ``n_simulated_pairs > 0``), ``allele_freqs.tsv``,
    ``matrix_<estimator>.tsv`` for each estimator (and ``king`` with SNP data),
    ``heatmap.png`` and ``network.png`` of the recommended estimator (Wang's when no
    simulation is run).

    Parameters
    ----------
    g : one microsatellite genotype per individual, calls (n_individuals, n_loci, 2).
    out_dir : the relatedness results folder.
    allele_freqs : reference frequencies (default: those of all individuals in ``g``).
    min_loci : pairs typed at fewer polymorphic loci in both get NA estimates.
    error_rate : genotyping error per genotype for the relationship likelihoods.
    n_simulated_pairs : simulated pairs per relationship class for the estimator choice
        (0 = no simulation).
    seed : random seed of the simulation.
    network_threshold : the network draws pairs with r at least this.
    king : KING kinship per pair of SNP samples (``id1, id2, n_snps, ibs0, kinship``), or
    vcf : a SNP VCF to compute it from (:func:`leogen.snp.tables.king_table`).
    sample_map : VCF sample id -> individual id.
    qg, wang_small_sample : conventions of QG and Wang (see :func:`estimate_pairs`).

    Returns
    -------
    RelatednessResult
    """
    from leogen.popgen.plots import plot_heatmap, plot_network

    if g.n_samples < 2:
        raise InputError(f"need at least 2 individuals for relatedness, found {g.n_samples}")
    af = allele_freqs if allele_freqs is not None else allele_frequencies(g)
    step(f"relatedness: {g.n_samples * (g.n_samples - 1) // 2} pairs of {g.n_samples} "
         f"individuals at {g.n_loci} loci")
    pairs = pairwise_relatedness(g, af, min_loci, error_rate, qg=qg,
                                 wang_small_sample=wang_small_sample)
    out = Path(out_dir)
    recommended = "wang"
    if n_simulated_pairs > 0:
        step(f"relatedness: simulating {n_simulated_pairs} pairs per relationship class to "
             "choose the estimator")
        choice = compare_estimators(af, n_simulated_pairs, g.missing().mean(axis=0),
                                    min_loci, error_rate, seed, qg=qg,
                                    wang_small_sample=wang_small_sample)
        rec = choice.loc[choice["recommended"], "estimator"]
        if len(rec):
            recommended = rec.iloc[0]
        outputs.ESTIMATOR_CHOICE.write(choice, out / outputs.file_name(outputs.ESTIMATOR_CHOICE))
    n_snp = None
    if vcf is not None and king is None:
        from leogen.snp.tables import king_table

        king = king_table(vcf)
    if king is not None:
        pairs = merge_snp_pairs(pairs, snp_pairs(king, sample_map or {}))
        n_snp = int(pairs["king"].notna().sum())
    outputs.PAIRS.write(pairs, out / outputs.file_name(outputs.PAIRS))
    outputs.REFERENCE_FREQS.write(reference_frequency_table(g, af),
                                  out / outputs.file_name(outputs.REFERENCE_FREQS))
    for name in ESTIMATORS + (("king",) if "king" in pairs.columns else ()):
        outputs.MATRIX.write(relatedness_matrix(pairs, name, g.samples),
                             outputs.matrix_path(out, name))
    m = relatedness_matrix(pairs, recommended, g.samples)
    plot_heatmap(m, out / "heatmap.png", f"relatedness ({recommended})")
    plot_network(pairs, recommended, g.samples, out / "network.png", network_threshold)
    return RelatednessResult(pairs, af, recommended,
                             int((pairs["n_loci"] >= min_loci).sum()), n_snp)
