"""Effective population size from one sample: linkage disequilibrium (LDNe) and
heterozygote excess.

**LD method** (Hill 1981; Waples 2006, Conserv Genet 7:167; Waples & Do 2008, Mol Ecol Resour
8:753, the LDNe program, now in NeEstimator 2, Do et al. 2014):

* Alleles are kept at a locus when their frequency is >= ``p_crit`` (0.05, 0.02, 0.01); ``0+``
  (``p_crit = 0``) drops singletons only (alleles seen once; NeEstimator 2). Loci with fewer
  than two kept alleles are dropped.
* For alleles i (locus A) and j (locus B), Burrows' composite disequilibrium (Weir 1979)
  ``Delta_ij = S/(S-1) [sum_x g_i g_j / (2S) - 2 p_i q_j]`` over the S individuals typed at
  both loci (g = allele dosage 0/1/2), and ``r_ij = Delta_ij / sqrt[(p_i(1-p_i) + (h_i - p_i^2))
  (q_j(1-q_j) + (h_j - q_j^2))]`` (h = homozygote frequency); this is S/(S-1) times the
  Pearson correlation of the dosages (as the LDNe code published with strataG). The locus-pair ``r^2`` is the mean of ``r_ij^2`` over the kept allele pairs
  weighted by ``p_i q_j`` (Waples 2006).
* Locus pairs are combined with weights ``n'_AB = (K_A - 1)(K_B - 1)`` (independent allele
  comparisons; K = kept alleles). ``S`` = harmonic mean of the pair sample sizes, same weights.
* Sampling correction (Waples 2006, random mating): ``E(r^2_sample) = 1/S + 3.19/S^2`` for
  S >= 30, ``0.0018 + 0.907/S + 4.44/S^2`` for S < 30; ``r'^2 = r^2 - E(r^2_sample)``.
* ``Ne = (1/3 + sqrt(1/9 - 2.76 r'^2)) / (2 r'^2)`` for S >= 30 and
  ``(0.308 + sqrt(0.308^2 - 2.08 r'^2)) / (2 r'^2)`` for S < 30 (Waples & Do 2008 eqs 1-2; a
  negative root term is set to 0, as in the LDNe code published with strataG); ``Ne = inf`` when
  ``r'^2 <= 0`` (no LD beyond sampling noise).
* Parametric CI (Waples 2006): ``r^2`` is referred to chi-square with ``n' = sum n'_AB`` df,
  ``[n' r^2 / chi2_0.975(n'), n' r^2 / chi2_0.025(n')]``, each limit corrected by E(r^2_sample)
  and mapped to Ne (upper r^2 -> lower Ne). Jackknife CI over loci (Jones, Ovenden & Wang
  2016, Heredity 117:217): the leave-one-locus-out variance of r^2 gives an effective df
  ``2 r^4 / Var_J`` used in the same chi-square interval.

**Heterozygote-excess method** (Pudovkin, Zaykin & Hedgecock 1996, Genetics 144:383):
``D = mean over loci of (Ho - He) / He`` (He unbiased, Nei 1987), ``Ne = 1/(2D) + 1/(2(D + 1))``,
infinite when D <= 0; point estimate only (its intervals are very wide at these sample sizes).

``ne.tsv`` also carries the group's mean Ho and mean unbiased He over loci (``mean_ho``,
``mean_he``) and, when an abundance table is given, the selected N-hat and ``ne_n_ratio``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from leogen.model.frequencies import unbiased_expected_heterozygosity
from leogen.model.genotypes import Genotypes
from leogen.progress import progress

P_CRITS = (0.05, 0.02, 0.01, 0.0)
MAX_ALLELE_COLUMNS = 6000
NE_COLUMNS = ["group", "method", "p_crit", "n_individuals", "harmonic_s", "n_loci",
              "n_locus_pairs", "n_independent_comparisons", "r2", "r2_expected", "r2_drift",
              "ne", "ne_lo", "ne_hi", "ne_jack_lo", "ne_jack_hi", "n_hat", "ne_n_ratio",
              "mean_ho", "mean_he", "note"]


def p_crit_label(p: float) -> str:
    """Label of an allele-frequency cut-off in ``ne.tsv``: ``0.05`` ... and ``0+`` for
    singletons-only exclusion (NeEstimator 2's notation).

    Parameters
    ----------
    p : float
        The cut-off ``p_crit`` (0: singletons dropped).

    Returns
    -------
    str

    Examples
    --------
    >>> [p_crit_label(p) for p in P_CRITS]
    ['0.05', '0.02', '0.01', '0+']
    """
    return "0+" if p == 0 else f"{p:g}"


def expected_r2_sample(S) -> np.ndarray:
    """Expected r^2 from sampling S individuals alone (Waples 2006 Conserv Genet 7:167,
    random mating): ``1/S + 3.19/S^2`` for S >= 30, ``0.0018 + 0.907/S + 4.44/S^2`` below.

    Parameters
    ----------
    S : float array (...), (harmonic mean) sample sizes.

    Returns
    -------
    float array (...)

    Examples
    --------
    >>> expected_r2_sample([20, 50]).round(6).tolist()
    [0.05825, 0.021276]
    """
    S = np.asarray(S, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(S >= 30, 1 / S + 3.19 / S ** 2, 0.0018 + 0.907 / S + 4.44 / S ** 2)


def ne_from_r2_drift(r2_drift, S) -> np.ndarray:
    """Ne from the drift part of r^2 (Waples & Do 2008 Mol Ecol Resour 8:753, eqs 1-2):
    ``(1/3 + sqrt(1/9 - 2.76 r'^2)) / (2 r'^2)`` for S >= 30, ``(0.308 + sqrt(0.308^2 -
    2.08 r'^2)) / (2 r'^2)`` below; a negative root term is set to 0.

    Parameters
    ----------
    r2_drift : float array (...), ``r'^2 = r^2 - E(r^2_sample)``.
    S : float or array broadcastable to ``r2_drift``, sample sizes.

    Returns
    -------
    float array (...); inf where r2_drift <= 0.

    Examples
    --------
    >>> ne_from_r2_drift([0.01, 0.0], [50, 50]).round(4).tolist()
    [31.1158, inf]
    """
    r = np.asarray(r2_drift, dtype=float)
    S = np.broadcast_to(np.asarray(S, dtype=float), r.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        big = (1 / 3 + np.sqrt(np.maximum(1 / 9 - 2.76 * r, 0))) / (2 * r)
        small = (0.308 + np.sqrt(np.maximum(0.308 ** 2 - 2.08 * r, 0))) / (2 * r)
    ne = np.where(S >= 30, big, small)
    return np.where(r > 0, ne, np.inf)


def _kept_dosages(g: Genotypes, p_crit: float):
    """Dosage columns of kept alleles: (G (n, A) with 0 where missing, typed mask (n, L),
    locus index of each column, overall allele frequency of each column)."""
    calls = g.calls
    typed = calls[..., 0] >= 0
    cols, loc_of, freqs = [], [], []
    for j in range(g.n_loci):  # per locus (~20 microsatellites)
        c = calls[:, j, :]
        ok = typed[:, j]
        K = len(g.alleles[j])
        if ok.sum() < 2 or K < 2:
            continue
        counts = np.bincount(c[ok].ravel(), minlength=K)
        p = counts / counts.sum()
        keep = counts >= 2 if p_crit == 0 else p >= p_crit
        keep &= counts > 0
        if keep.sum() < 2:
            continue
        for a in np.flatnonzero(keep):
            d = np.where(ok, (c == a).sum(axis=1), 0).astype(float)
            cols.append(d)
            loc_of.append(j)
            freqs.append(p[a])
    if not cols:
        return np.zeros((g.n_samples, 0)), typed, np.zeros(0, int), np.zeros(0)
    return np.column_stack(cols), typed, np.asarray(loc_of), np.asarray(freqs)


def locus_pair_r2(g: Genotypes, p_crit: float = 0.02) -> pd.DataFrame:
    """r^2 of every pair of loci (Burrows' composite Delta, Weir 1979; weighting of Waples
    2006; module docstring).

    Parameters
    ----------
    g : Genotypes (n_individuals, n_loci), one genotype per individual.
    p_crit : lowest allele frequency kept (0: singletons dropped).

    Returns
    -------
    DataFrame (n_pairs,): ``locus1, locus2, s`` (individuals typed at both),
    ``n_comparisons`` ((K_A - 1)(K_B - 1)), ``r2``.

    Raises
    ------
    InputError
        More than ``MAX_ALLELE_COLUMNS`` kept alleles (a SNP-scale panel; no file named).

    Examples
    --------
    Two biallelic loci with the same genotypes in 4 individuals: the dosages are perfectly
    correlated, so r^2 is Weir's factor (S/(S-1))^2 = 16/9:

    >>> calls = np.array([[[0, 0]] * 2, [[0, 1]] * 2, [[1, 1]] * 2, [[0, 1]] * 2])
    >>> g = Genotypes(calls, ["a", "b", "c", "d"], ["L1", "L2"], ([180, 182], [200, 204]))
    >>> locus_pair_r2(g).round(4).to_dict("records")
    [{'locus1': 'L1', 'locus2': 'L2', 's': 4, 'n_comparisons': 1, 'r2': 1.7778}]
    """
    G, typed, loc, p = _kept_dosages(g, p_crit)
    cols = ["locus1", "locus2", "s", "n_comparisons", "r2"]
    if G.shape[1] > MAX_ALLELE_COLUMNS:
        from leogen.errors import InputError

        raise InputError(f"{G.shape[1]} kept alleles: the LD Ne here holds all allele pairs in "
                         f"memory and is meant for microsatellite-scale panels (at most "
                         f"{MAX_ALLELE_COLUMNS}); thin the SNPs first")
    if G.shape[1] == 0:
        return pd.DataFrame(columns=cols)
    M = typed[:, loc].astype(float)          # column typed mask (n, A)
    S = M.T @ M                              # individuals typed at both loci
    Sx = G.T @ M                             # sum g_i over those typed at j's locus
    Sxx = (G ** 2).T @ M
    Sxy = G.T @ G
    with np.errstate(divide="ignore", invalid="ignore"):
        mx, my = Sx / S, Sx.T / S
        cov = Sxy / S - mx * my
        vx = Sxx / S - mx ** 2
        vy = Sxx.T / S - my ** 2
        # Weir's (1979) composite Delta carries the factor S/(S-1); the variances do not
        r2 = (S / (S - 1)) ** 2 * cov ** 2 / (vx * vy)
    r2 = np.where(np.isfinite(r2), r2, 0.0)
    w = p[:, None] * p[None, :]
    uniq, start = np.unique(loc, return_index=True)
    sum_w = np.add.reduceat(np.add.reduceat(w, start, axis=0), start, axis=1)
    sum_wr = np.add.reduceat(np.add.reduceat(w * r2, start, axis=0), start, axis=1)
    k = np.diff(np.r_[start, len(loc)])
    iu, ju = np.triu_indices(len(uniq), 1)
    s_pair = S[start[iu], start[ju]]
    out = pd.DataFrame({
        "locus1": g.loci[uniq[iu]], "locus2": g.loci[uniq[ju]], "s": s_pair.astype(int),
        "n_comparisons": (k[iu] - 1) * (k[ju] - 1),
        "r2": sum_wr[iu, ju] / sum_w[iu, ju],
    })
    return out[out["s"] >= 2].reset_index(drop=True)


def _combine(pairs: pd.DataFrame):
    w = pairs["n_comparisons"].to_numpy(dtype=float)
    s = pairs["s"].to_numpy(dtype=float)
    r2 = float(np.sum(w * pairs["r2"].to_numpy()) / w.sum())
    hs = float(w.sum() / np.sum(w / s))
    e = float(np.sum(w * expected_r2_sample(s)) / w.sum())
    return r2, hs, e


def _ci_from_df(r2, e, hs, df, level=0.95):
    a = (1 - level) / 2
    r2_lo = df * r2 / stats.chi2.ppf(1 - a, df)
    r2_hi = df * r2 / stats.chi2.ppf(a, df)
    return float(ne_from_r2_drift(r2_hi - e, hs)), float(ne_from_r2_drift(r2_lo - e, hs))


def ne_parametric(r2: float, r2_expected: float, S: float, n_comparisons: float,
                  level: float = 0.95) -> tuple[float, float, float]:
    """Ne with its parametric interval from the overall r^2: the last steps of LDNe (Waples
    2006; Waples & Do 2008): r^2 referred to chi-square with ``n_comparisons`` df.

    Parameters
    ----------
    r2, r2_expected : overall r^2 and E(r^2_sample).
    S : harmonic mean sample size.
    n_comparisons : independent allele comparisons (chi-square df).
    level : coverage.

    Returns
    -------
    (Ne, lower, upper)

    Examples
    --------
    ``r'^2 = 0.01`` at S = 50 gives Ne = (1/3 + sqrt(1/9 - 0.0276)) / 0.02:

    >>> [round(x, 2) for x in ne_parametric(0.03, 0.02, 50, 100)]
    [31.12, 13.89, 103.54]
    """
    ne = float(ne_from_r2_drift(r2 - r2_expected, S))
    lo, hi = _ci_from_df(r2, r2_expected, S, n_comparisons, level)
    return ne, lo, hi


def ld_ne(g: Genotypes, p_crit: float = 0.02, level: float = 0.95, jackknife: bool = True) -> dict:
    """LDNe estimate for one sample (Waples 2006; Waples & Do 2008; jackknife over loci of
    Jones, Ovenden & Wang 2016); see module docstring.

    Parameters
    ----------
    g : Genotypes (n_individuals, n_loci), one genotype per individual.
    p_crit : lowest allele frequency kept (0: singletons dropped).
    level : coverage of the intervals.
    jackknife : also the jackknife-over-loci interval (needs >= 3 loci).

    Returns
    -------
    dict: one ``ne.tsv`` row (without group, n_hat, mean_ho, mean_he).

    Raises
    ------
    InputError
        Too many kept alleles for this all-pairs computation (:func:`locus_pair_r2`).
    """
    pairs = locus_pair_r2(g, p_crit)
    row = {"method": "ld", "p_crit": p_crit_label(p_crit), "n_individuals": int(g.n_samples),
           "harmonic_s": np.nan, "n_loci": 0, "n_locus_pairs": len(pairs),
           "n_independent_comparisons": 0, "r2": np.nan, "r2_expected": np.nan,
           "r2_drift": np.nan, "ne": np.nan, "ne_lo": np.nan, "ne_hi": np.nan,
           "ne_jack_lo": np.nan, "ne_jack_hi": np.nan, "note": ""}
    if len(pairs) == 0:
        row["note"] = "fewer than two loci with two or more kept alleles"
        return row
    r2, hs, e = _combine(pairs)
    n_prime = int(pairs["n_comparisons"].sum())
    loci = np.unique(np.r_[pairs["locus1"], pairs["locus2"]])
    ne, lo, hi = ne_parametric(r2, e, hs, n_prime, level)
    row.update(harmonic_s=hs, n_loci=len(loci), n_independent_comparisons=n_prime, r2=r2,
               r2_expected=e, r2_drift=r2 - e, ne=ne, ne_lo=lo, ne_hi=hi)
    if jackknife and len(loci) >= 3:
        r_loo = np.empty(len(loci))
        for k, locus in enumerate(loci):  # per locus
            sub = pairs[(pairs["locus1"] != locus) & (pairs["locus2"] != locus)]
            r_loo[k] = _combine(sub)[0]
        L = len(loci)
        var_j = (L - 1) / L * np.sum((r_loo - r_loo.mean()) ** 2)
        if var_j > 0:
            df = 2 * r2 ** 2 / var_j
            row["ne_jack_lo"], row["ne_jack_hi"] = _ci_from_df(r2, e, hs, df, level)
    if hs < 30:
        row["note"] = "S < 30: small-sample E(r^2) of Waples 2006 used"
    if not np.isfinite(row["ne"]):
        row["note"] = (row["note"] + "; " if row["note"] else "") + \
            "r^2 not above its sampling expectation: Ne infinite"
    return row


def _ho_he(g: Genotypes):
    """Per locus with >= 2 typed individuals: n typed, Ho, unbiased He (Nei 1987,
    :func:`leogen.model.frequencies.unbiased_expected_heterozygosity`)."""
    from leogen.model.frequencies import allele_tallies, frequencies_from_counts

    K = max((len(a) for a in g.alleles), default=1)
    n_typed, counts, _, n_het = allele_tallies(g.calls, K)
    ok = n_typed >= 2
    n = n_typed[ok].astype(float)
    return n, n_het[ok] / n, unbiased_expected_heterozygosity(frequencies_from_counts(counts[ok]), n)


def het_excess_ne(g: Genotypes) -> dict:
    """Heterozygote-excess Ne (Pudovkin, Zaykin & Hedgecock 1996 Genetics 144:383), point
    estimate: ``D = mean (Ho - He) / He``, ``Ne = 1/(2D) + 1/(2(D + 1))``, inf when D <= 0.

    Parameters
    ----------
    g : Genotypes (n_individuals, n_loci)

    Returns
    -------
    dict: one ``ne.tsv`` row (method ``het_excess``).

    Examples
    --------
    Four heterozygotes at a biallelic locus: Ho = 1, unbiased He = 8/7 x 1/2 = 4/7, so
    D = 3/4 and Ne = 1/(3/2) + 1/(7/2) = 20/21:

    >>> g = Genotypes(np.array([[[0, 1]]] * 4), ["a", "b", "c", "d"], ["L1"], ([180, 182],))
    >>> r = het_excess_ne(g)
    >>> round(r["ne"], 4), r["note"]
    (0.9524, 'D = 0.75')
    """
    n, ho, he = _ho_he(g)
    poly = he > 0
    D = float(np.mean((ho[poly] - he[poly]) / he[poly])) if poly.any() else np.nan
    with np.errstate(divide="ignore"):
        ne = 1 / (2 * D) + 1 / (2 * (D + 1)) if np.isfinite(D) and D > 0 else np.inf
    return {"method": "het_excess", "p_crit": "", "n_individuals": int(g.n_samples),
            "harmonic_s": float(np.mean(n)) if len(n) else np.nan, "n_loci": int(poly.sum()),
            "ne": ne if np.isfinite(D) else np.nan,
            "note": f"D = {D:.4g}" + ("; no heterozygote excess: Ne infinite" if D <= 0 else "")}


def temporal_ne(g: Genotypes, first: np.ndarray, last: np.ndarray, generations: float,
                level: float = 0.95, census: float | None = None) -> dict:
    """Temporal-method Ne from the change in allele frequencies between two samples taken
    ``generations`` apart. Sampling plan II (individuals sampled after reproducing, or not
    removed: non-invasive scats) by default; plan I (sampled before reproduction, out of a
    census of ``census`` animals) adds ``+ 1/N`` inside the bracket (Waples 1989).

    Per locus, Nei & Tajima's (1981) standardised variance
    ``Fc_l = (1/K) sum_i (x_i - y_i)^2 / ((x_i + y_i)/2 - x_i y_i)`` over its K alleles seen in
    either sample; the multilocus Fc weights loci by K (the mean over all alleles). Sampling
    noise is removed as in Waples (1989, Genetics 121:379, eq. 12):
    ``Ne = t / (2 [Fc - 1/(2 S0) - 1/(2 St)])``, S = harmonic mean over loci of the individuals
    typed in each sample. The interval puts the chi-square limits of Fc with
    ``n' = sum (K_l - 1)`` degrees of freedom (Waples 1989, eq. 16) into the same formula;
    Ne is infinite where the drift part is <= 0. With overlapping generations (big cats) the
    estimate is biased (Jorde & Ryman 1995): read it as a rough, independent check on LDNe.

    Parameters
    ----------
    g : Genotypes (n_individuals, n_loci)
    first, last : bool arrays (n_individuals,), the two samples (disjoint individuals).
    generations : generations between the two samples.
    level : coverage of the interval.
    census : census size for sampling plan I (None: plan II).

    Returns
    -------
    dict: one ``ne.tsv`` row (method ``temporal``) plus ``fc``, ``generations`` and
    ``sampling_plan``; NaN estimates and a note when either sample has fewer than 2
    individuals, ``generations`` is not positive, or no locus is polymorphic and typed in
    both samples.

    Raises
    ------
    ValueError
        The two samples share individuals.

    Examples
    --------
    Allele frequencies (3/4, 1/4) then (1/4, 3/4) in two samples of 2 individuals one
    generation apart: Fc = 0.25 / (0.5 - 0.1875) = 0.8, sampling part 1/4 + 1/4, so
    Ne = 1 / (2 x 0.3):

    >>> calls = np.array([[[0, 0]], [[0, 1]], [[1, 1]], [[0, 1]]])
    >>> g = Genotypes(calls, ["a", "b", "c", "d"], ["L1"], ([180, 182],))
    >>> r = temporal_ne(g, [True, True, False, False], [False, False, True, True], 1.0)
    >>> round(float(r["fc"]), 4), round(float(r["ne"]), 4)
    (0.8, 1.6667)
    """
    first, last = np.asarray(first, bool), np.asarray(last, bool)
    out = {"method": "temporal", "n_individuals": int(first.sum() + last.sum()),
           "generations": float(generations)}
    if (first & last).any():
        raise ValueError("the two temporal samples must not share individuals")
    if first.sum() < 2 or last.sum() < 2 or not generations > 0:
        return {**out, "ne": np.nan, "ne_lo": np.nan, "ne_hi": np.nan,
                "note": "needs two samples of at least 2 individuals, t > 0 generations"}
    fc_sum = k_sum = df = 0.0
    s0, st, n_loci = [], [], 0
    for j in range(g.n_loci):  # loop over loci (tens), vectorised over individuals
        c0, ct = g.calls[first, j], g.calls[last, j]
        c0, ct = c0[c0[:, 0] >= 0], ct[ct[:, 0] >= 0]
        if len(c0) < 1 or len(ct) < 1:
            continue
        k = max(len(g.alleles[j]), 1)
        x = np.bincount(c0.ravel(), minlength=k) / c0.size
        y = np.bincount(ct.ravel(), minlength=k) / ct.size
        seen = (x + y) > 0
        if seen.sum() < 2:
            continue
        x, y = x[seen], y[seen]
        denom = (x + y) / 2 - x * y
        fc_sum += float(np.sum((x - y) ** 2 / denom))
        k_sum += seen.sum()
        df += seen.sum() - 1
        s0.append(len(c0))
        st.append(len(ct))
        n_loci += 1
    if n_loci == 0:
        return {**out, "ne": np.nan, "ne_lo": np.nan, "ne_hi": np.nan,
                "note": "no locus polymorphic and typed in both samples"}
    fc = fc_sum / k_sum
    hs0 = len(s0) / np.sum(1.0 / np.asarray(s0, float))
    hst = len(st) / np.sum(1.0 / np.asarray(st, float))
    correction = 1 / (2 * hs0) + 1 / (2 * hst) - (1 / census if census else 0.0)

    def ne_of(f):
        drift = f - correction
        return np.inf if drift <= 0 else generations / (2 * drift)

    alpha = 1 - level
    f_lo = df * fc / stats.chi2.ppf(1 - alpha / 2, df)
    f_hi = df * fc / stats.chi2.ppf(alpha / 2, df)
    out["sampling_plan"] = "I" if census else "II"
    return {**out, "harmonic_s": float(2 / (1 / hs0 + 1 / hst)), "n_loci": n_loci,
            "n_independent_comparisons": float(df), "fc": fc, "ne": ne_of(fc),
            "ne_lo": ne_of(f_hi), "ne_hi": ne_of(f_lo), "note": ""}


def ne_table(groups: dict[str, Genotypes], p_crits=P_CRITS, n_hat: dict | None = None,
             het_excess: bool = True) -> pd.DataFrame:
    """``ne.tsv``: one row per group (``all`` or a year), method and allele-frequency cut-off,
    with the abundance estimate ``n_hat`` of that group and ``ne_n_ratio`` beside it.

    Parameters
    ----------
    groups : {name: Genotypes (n_individuals, n_loci)}.
    p_crits : lowest allele frequencies of the LD method.
    n_hat : {group name: N-hat}.
    het_excess : add the heterozygote-excess row of each group.

    Returns
    -------
    DataFrame (n_rows, NE_COLUMNS)
    """
    rows = []
    n_hat = n_hat or {}
    bar = progress(total=len(groups) * len(p_crits), desc="LD Ne with jackknife intervals",
                   unit="estimates")
    for name, g in groups.items():
        for p in p_crits:
            rows.append({"group": name, **ld_ne(g, p)})
            bar.update()
        if het_excess:
            rows.append({"group": name, **het_excess_ne(g)})
    bar.close()
    df = pd.DataFrame(rows).reindex(columns=NE_COLUMNS)
    for name, g in groups.items():  # mean Ho and unbiased He of the group, beside Ne
        _, ho, he = _ho_he(g)
        df.loc[df["group"] == name, ["mean_ho", "mean_he"]] = (
            float(np.mean(ho)) if len(ho) else np.nan, float(np.mean(he)) if len(he) else np.nan)
    df["n_hat"] = df["group"].map(lambda k: n_hat.get(k, np.nan)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["ne_n_ratio"] = df["ne"].astype(float) / df["n_hat"]
    return df


def simulate_wright_fisher(n: int, n_loci: int = 20, n_alleles: int = 10, generations: int = 30,
                           seed=1) -> np.ndarray:
    """Ideal Wright-Fisher population (monoecious, random union of gametes, selfing allowed,
    unlinked loci), Ne = n. For tests and power checks of the Ne estimators.

    Parameters
    ----------
    n : int
        Individuals per generation.
    n_loci : int
        Unlinked loci.
    n_alleles : int
        Alleles per locus; starting frequencies drawn from a flat Dirichlet per locus.
    generations : int
        Generations of random mating after the founders drawn in Hardy-Weinberg proportions.
    seed : int or sequence of int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    int64 array (n, n_loci, 2)
        Allele indices ``0 .. n_alleles - 1`` (no missing calls).

    Examples
    --------
    >>> pop = simulate_wright_fisher(5, n_loci=3, n_alleles=4, generations=2, seed=1)
    >>> pop.shape, bool(pop.min() >= 0 and pop.max() < 4)
    ((5, 3, 2), True)
    """
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(n_alleles), size=n_loci)
    cum = np.cumsum(p, axis=1)
    u = rng.random((n, n_loci, 2, 1))
    pop = (u > cum[None, :, None, :]).sum(axis=3)
    for _ in range(generations):
        parents = rng.integers(0, n, size=(n, 2))
        pick = rng.integers(0, 2, size=(n, n_loci, 2))
        li = np.arange(n_loci)[None, :]
        pop = np.stack([pop[parents[:, 0:1], li, pick[:, :, 0]],
                        pop[parents[:, 1:2], li, pick[:, :, 1]]], axis=2)
    return pop


# ============================================================================== the step
def yearly_groups(g: Genotypes, sample_individual_path, samples_path) -> dict[str, Genotypes]:
    """The animals detected each year (years with at least 2 of them), by year label.

    Parameters
    ----------
    g : one genotype per animal (n_animals, n_loci).
    sample_individual_path : identify's ``sample_individual.tsv`` (identified samples only,
        :func:`leogen.identify.outputs.read_sample_individual`).
    samples_path : the sample sheet (dates).

    Returns
    -------
    {``'YYYY'``: Genotypes of that year's animals}, years in order.
    """
    from leogen.identify.outputs import read_sample_individual
    from leogen.io.sheets import read_samples

    si = read_sample_individual(sample_individual_path)
    sheet = read_samples(samples_path).set_index("sample_id")
    si = si[si["sample_id"].isin(sheet.index)]
    years = sheet.loc[si["sample_id"], "date"].dt.year.to_numpy()
    groups = {}
    for y in sorted(set(years.tolist())):  # one group per year (a handful)
        ids = set(si["individual_id"].to_numpy()[years == y])
        mask = np.isin(g.samples, list(ids))
        if mask.sum() >= 2:
            groups[str(int(y))] = g.subset(samples=mask)
    return groups


def temporal_row(g: Genotypes, sample_individual_path, samples_path, period_years: int = 4,
                 generation_years: float = 5.0) -> pd.DataFrame:
    """The temporal-method row of ne.tsv: cohorts of first detection, first vs last period.

    Animals are put in blocks of ``period_years`` by the year of their first detection
    (:func:`leogen.popgen.diversity.individual_populations`); the first and last cohorts are
    the two samples of :func:`temporal_ne`, ``(start_last - start_first) / generation_years``
    generations apart.

    Parameters
    ----------
    g : Genotypes (n_animals, n_loci)
        One genotype per animal (sample ids are individual ids).
    sample_individual_path : str or Path
        identify's ``sample_individual.tsv`` (:func:`leogen.identify.outputs.sample_links`).
    samples_path : str or Path
        The sample sheet (dates of first detection).
    period_years : int
        Length of a cohort block in years.
    generation_years : float
        Generation time in years.

    Returns
    -------
    DataFrame (1, NE_COLUMNS)
        ``group`` ``<first period>_vs_<last period>`` (``temporal`` with NaN Ne and a note
        when the animals fall in one period only); the extra keys of :func:`temporal_ne`
        (``fc``, ``generations``, ``sampling_plan``) are dropped.

    Raises
    ------
    InputError
        ``generation_years`` is not positive (no file named), or a problem reading the two
        files.
    """
    from leogen.errors import InputError
    from leogen.identify.outputs import sample_links
    from leogen.io.sheets import read_samples
    from leogen.popgen.diversity import individual_populations

    if not generation_years > 0:
        raise InputError(f"generation_years must be positive, got {generation_years}")
    links = sample_links(sample_individual_path).reset_index()
    sheet = read_samples(samples_path)
    cohorts = individual_populations(links, sheet, "period", period_years)
    cohorts = cohorts[cohorts["individual_id"].isin(set(g.samples))]
    periods = sorted(set(cohorts["population"]))
    name = "temporal"
    if len(periods) < 2:
        res = {"method": "temporal", "ne": np.nan, "note": "one period of first detection only"}
    else:
        early, late = periods[0], periods[-1]
        name = f"{early}_vs_{late}"
        pop = dict(zip(cohorts["individual_id"], cohorts["population"], strict=True))
        first = np.array([pop.get(s) == early for s in g.samples])
        last = np.array([pop.get(s) == late for s in g.samples])
        start = [int(p.split("-")[0]) for p in (early, late)]
        generations = (start[1] - start[0]) / generation_years
        res = temporal_ne(g, first, last, generations)
        res["note"] = (f"cohorts by first detection, {generations:.2g} generations apart "
                       f"({generation_years:g}-year generations); overlapping generations "
                       "bias the temporal method (Jorde & Ryman 1995)")
    return pd.DataFrame([{"group": name, **res}]).reindex(columns=NE_COLUMNS)


def run(genotypes_path, genotype_format=None, by_year: bool = False,
        sample_individual_path=None, samples_path=None, abundance_path=None,
        p_crits=P_CRITS, sex_locus: str = "AMEL", temporal: bool = False,
        period_years: int = 4, generation_years: float = 5.0, out_dir=None) -> pd.DataFrame:
    """The ``leogen ne`` step: Ne overall and (``by_year``) per year, optionally temporal.

    Parameters
    ----------
    genotypes_path : one genotype per animal (``identify/individual_genotypes.tsv`` or any
        format leogen reads); ``genotype_format`` names the format when not guessed.
    by_year : also one group per year (needs ``sample_individual_path`` and
        ``samples_path``).
    abundance_path : ``monitoring/abundance.tsv``: the selected N-hat per year beside Ne.
    p_crits : lowest allele frequencies of the LD method (0 = singletons dropped).
    sex_locus : marker left out of Ne and Ho/He ('' for none).
    temporal : add the temporal-method row (:func:`temporal_row`).
    period_years, generation_years : see :func:`temporal_row`.
    out_dir : when given, ``ne.tsv`` is also written there.

    Returns
    -------
    DataFrame (n_rows, NE_COLUMNS): the ``ne.tsv`` table.
    """
    from leogen.errors import InputError
    from leogen.io.formats import read_individual_genotypes
    from leogen.monitoring.outputs import read_abundance

    g = read_individual_genotypes(genotypes_path, genotype_format)
    if sex_locus:
        g = g.without_loci([sex_locus])
    groups = {"all": g}
    if (by_year or temporal) and not (sample_individual_path and samples_path):
        raise InputError("Ne per year and the temporal method need the sample_individual "
                         "table of identify and the sample sheet")
    if by_year:
        groups.update(yearly_groups(g, sample_individual_path, samples_path))
    n_hat = {}
    if abundance_path:
        ab = read_abundance(abundance_path, ["year", "n_hat", "selected"])
        sel = ab[ab["selected"]]
        n_hat = {str(y): float(v) for y, v in zip(sel["year"], sel["n_hat"], strict=True)
                 if not np.isnan(v)}
    table = ne_table(groups, p_crits, n_hat)
    if temporal:
        table = pd.concat([table, temporal_row(g, sample_individual_path, samples_path,
                                               period_years, generation_years)],
                          ignore_index=True)
    if out_dir is not None:
        from leogen.monitoring.outputs import write_ne

        write_ne(table, out_dir)
    return table
