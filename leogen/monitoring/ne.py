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

from leogen.model.genotypes import Genotypes

P_CRITS = (0.05, 0.02, 0.01, 0.0)
MAX_ALLELE_COLUMNS = 6000
NE_COLUMNS = ["group", "method", "p_crit", "n_individuals", "harmonic_s", "n_loci",
              "n_locus_pairs", "n_independent_comparisons", "r2", "r2_expected", "r2_drift",
              "ne", "ne_lo", "ne_hi", "ne_jack_lo", "ne_jack_hi", "n_hat", "ne_n_ratio",
              "mean_ho", "mean_he", "note"]


def p_crit_label(p: float) -> str:
    """``0.05`` ... and ``0+`` for singletons-only exclusion."""
    return "0+" if p == 0 else f"{p:g}"


def expected_r2_sample(S) -> np.ndarray:
    """E(r^2) from sampling S individuals (Waples 2006, random mating; S >= 30 and < 30)."""
    S = np.asarray(S, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(S >= 30, 1 / S + 3.19 / S ** 2, 0.0018 + 0.907 / S + 4.44 / S ** 2)


def ne_from_r2_drift(r2_drift, S) -> np.ndarray:
    """Ne from the drift part of r^2 (Waples & Do 2008 eqs 1-2); inf where r2_drift <= 0."""
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
    """Per pair of loci: ``locus1, locus2, s, n_comparisons, r2`` (see module docstring)."""
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
    """(Ne, lower, upper) from the overall r^2, E(r^2_sample), harmonic S and the number of
    independent comparisons: the last steps of LDNe (Waples 2006; Waples & Do 2008)."""
    ne = float(ne_from_r2_drift(r2 - r2_expected, S))
    lo, hi = _ci_from_df(r2, r2_expected, S, n_comparisons, level)
    return ne, lo, hi


def ld_ne(g: Genotypes, p_crit: float = 0.02, level: float = 0.95, jackknife: bool = True) -> dict:
    """LDNe estimate for one sample (one genotype per individual); see module docstring."""
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
    lo, hi = _ci_from_df(r2, e, hs, n_prime, level)
    row.update(harmonic_s=hs, n_loci=len(loci), n_independent_comparisons=n_prime, r2=r2,
               r2_expected=e, r2_drift=r2 - e, ne=float(ne_from_r2_drift(r2 - e, hs)),
               ne_lo=lo, ne_hi=hi)
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
    """Per locus with >= 2 typed individuals: n typed, Ho, unbiased He (Nei 1987)."""
    from leogen.popgen.diversity import allele_tallies

    K = max((len(a) for a in g.alleles), default=1)
    n_typed, counts, _, n_het = allele_tallies(g.calls, K)
    ok = n_typed >= 2
    n = n_typed[ok].astype(float)
    p = counts[ok] / (2 * n[:, None])
    he = 2 * n / (2 * n - 1) * (1 - np.sum(p ** 2, axis=1))
    return n, n_het[ok] / n, he


def het_excess_ne(g: Genotypes) -> dict:
    """Pudovkin et al. (1996) heterozygote-excess Ne (point estimate)."""
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
    ``first`` / ``last``: boolean masks of the two samples (disjoint individuals).
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
    with the abundance estimate ``n_hat`` of that group and ``ne_n_ratio`` beside it."""
    rows = []
    n_hat = n_hat or {}
    for name, g in groups.items():
        for p in p_crits:
            rows.append({"group": name, **ld_ne(g, p)})
        if het_excess:
            rows.append({"group": name, **het_excess_ne(g)})
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
    """Ideal Wright-Fisher population (monoecious, random union of gametes, unlinked loci):
    allele indices (n, n_loci, 2) after ``generations``; Ne = n. For tests and power checks."""
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
