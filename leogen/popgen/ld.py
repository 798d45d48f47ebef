"""Linkage disequilibrium between loci.

* ``genotypic_ld`` / ``ld_table`` - Genepop's *genotypic* disequilibrium test (Raymond & Rousset
  1995 use the Fisher probability statistic on the same table): for a pair of loci, the
  contingency table of two-locus genotypes over the individuals typed at both loci, with
  the likelihood-ratio statistic ``G = 2 sum O ln(O / E)``, ``E = row * column / n``. No
  gametic phase or HWE is assumed. The null distribution is obtained by permuting the
  genotypes of one locus among individuals (margins fixed), ``n_permutations`` times,
  seeded, vectorised over permutations; ``p = (1 + #{G_perm >= G_obs}) / (1 + n_perm)``.
  Benjamini-Hochberg q-values over the pairs of each population come from statsmodels
  ``multipletests(method="fdr_bh")``.
* ``snp_ld_windows`` - for SNP data (too many pairs to permute), the composite r of
  Rogers & Huff (2009) from genotype dosages through ``allel.rogers_huff_r_between`` for
  pairs of variants at most ``window`` variants apart; ``statistic = r^2`` and an
  approximate p-value from ``n r^2 ~ chi^2_1`` (method ``rogers_huff_r2_chi2``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from leogen.popgen import outputs
from leogen.progress import progress

LD_COLUMNS = outputs.LD.names


def genotype_codes(calls: np.ndarray) -> np.ndarray:
    """Unordered genotype code per individual and locus (a/b and b/a get one code).

    Parameters
    ----------
    calls : int array (n_individuals, n_loci, 2)
        Allele indices, -1 missing.

    Returns
    -------
    int array (n_individuals, n_loci)
        ``lo * k + hi`` (k = largest allele index + 1); -1 missing.

    Examples
    --------
    >>> genotype_codes(np.array([[[0, 1], [1, 1]], [[1, 0], [-1, -1]]]))
    array([[ 1,  3],
           [ 1, -1]])
    """
    lo = calls.min(axis=2).astype(np.int64)
    hi = calls.max(axis=2).astype(np.int64)
    k = hi.max(initial=0) + 1
    return np.where(lo >= 0, lo * k + hi, -1)


def _g_stat(counts: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / expected), 0.0)
    return 2.0 * terms.sum(axis=-1)


def genotypic_ld(codes1: np.ndarray, codes2: np.ndarray, n_permutations: int = 1000,
                 seed=0) -> dict:
    """G test of genotypic association between two loci, permutation p-value (Genepop's
    genotypic disequilibrium test, Raymond & Rousset 1995 J Hered 86:248, with the G
    statistic; see the module docstring).

    Parameters
    ----------
    codes1, codes2 : int arrays (n_individuals,)
        Genotype codes (:func:`genotype_codes`) of the two loci, -1 missing.
    n_permutations : permutations of the second locus' genotypes.
    seed : seed of the permutations.

    Returns
    -------
    dict
        ``n, statistic, p_value, note``; NaN with a note when fewer than 3 individuals are
        typed at both or a locus shows a single genotype among them.

    Examples
    --------
    >>> codes = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    >>> res = genotypic_ld(codes, codes, n_permutations=200, seed=1)
    >>> res["n"], round(res["statistic"], 3)
    (8, 17.315)
    """
    both = (codes1 >= 0) & (codes2 >= 0)
    n = int(both.sum())
    out = {"n": n, "statistic": np.nan, "p_value": np.nan, "note": ""}
    if n < 3:
        out["note"] = "fewer than 3 individuals typed at both loci"
        return out
    _, a = np.unique(codes1[both], return_inverse=True)
    _, b = np.unique(codes2[both], return_inverse=True)
    ka, kb = a.max() + 1, b.max() + 1
    if ka < 2 or kb < 2:
        out["note"] = "a locus has one genotype among the individuals typed at both"
        return out
    cells = ka * kb
    expected = (np.bincount(a, minlength=ka)[:, None] * np.bincount(b, minlength=kb)[None, :]
                ).ravel() / n
    obs = np.bincount(a * kb + b, minlength=cells)
    g_obs = float(_g_stat(obs, expected))
    rng = np.random.default_rng(seed)
    exceed = 0
    step = max(1, 2_000_000 // max(n, cells))
    for s in range(0, n_permutations, step):
        m = min(step, n_permutations - s)
        pb = rng.permuted(np.broadcast_to(b, (m, n)), axis=1)
        code = a[None, :] * kb + pb + (np.arange(m) * cells)[:, None]
        tab = np.bincount(code.ravel(), minlength=m * cells).reshape(m, cells)
        exceed += int((_g_stat(tab, expected) >= g_obs * (1 - 1e-9) - 1e-12).sum())
    out["statistic"] = g_obs
    out["p_value"] = (1 + exceed) / (1 + n_permutations) if n_permutations > 0 else np.nan
    return out


def bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini & Hochberg (1995) q-values (statsmodels ``multipletests``), NaN kept as NaN.

    Parameters
    ----------
    p : float array (n_tests,)

    Returns
    -------
    float array (n_tests,)

    Examples
    --------
    >>> bh_qvalues([0.01, 0.04, np.nan, 0.03])
    array([0.03, 0.04,  nan, 0.04])
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def ld_table(calls: np.ndarray, loci, groups, n_permutations: int = 1000,
             seed: int = 1) -> pd.DataFrame:
    """Genotypic LD test for every pair of loci in each group.

    ``calls`` (n, L, 2); ``groups``: list of ``(name, boolean mask over individuals)``.
    The permutation stream of pair (i, j) in group g is seeded with ``(seed, g, i, j)``,
    so results do not depend on which other pairs or groups are run.

    Parameters
    ----------
    calls : int array (n, L, 2)
        Allele indices, -1 missing.
    loci : array (L,)
        Locus names.
    groups : list of (str, bool array (n,))
        Group name and the individuals in it.
    n_permutations : int
        Permutations per test.
    seed : int
        Base seed.

    Returns
    -------
    DataFrame
        One row per group and pair of loci.
    """
    loci = np.asarray(loci)
    codes = genotype_codes(calls)
    L = len(loci)
    rows = []
    bar = progress(total=len(groups) * L * (L - 1) // 2, unit="pairs of loci",
                   desc=f"LD permutation tests ({n_permutations} permutations per pair)")
    for gi, (name, mask) in enumerate(groups):
        block = []
        for i in range(L):
            for j in range(i + 1, L):
                res = genotypic_ld(codes[mask, i], codes[mask, j], n_permutations,
                                   seed=[int(seed), gi, i, j])
                bar.update()
                block.append({"locus1": loci[i], "locus2": loci[j], "population": name,
                              "method": "genotypic_g_permutation",
                              "n_permutations": n_permutations, **res})
        if block:
            q = bh_qvalues([r["p_value"] for r in block])
            for r, qq in zip(block, q, strict=True):
                r["q_value_bh"] = qq
        rows.extend(block)
    bar.close()
    return pd.DataFrame(rows, columns=LD_COLUMNS)


def snp_ld_windows(calls: np.ndarray, loci, groups, window: int = 50) -> pd.DataFrame:
    """Rogers-Huff r^2 between SNPs at most ``window`` variants apart, per group.

    ``calls`` (n, L, 2) biallelic allele indices. Pairs are computed block by block with
    ``allel.rogers_huff_r_between`` (vectorised; no loop per variant).

    Parameters
    ----------
    calls : int array (n, L, 2)
        Biallelic allele indices, -1 missing.
    loci : array (L,)
        SNP names, in genome order.
    groups : list of (str, bool array (n,))
        Group name and the individuals in it.
    window : int
        Largest distance, in variants, of a pair.

    Returns
    -------
    DataFrame
        One row per group and pair of SNPs.
    """
    import allel

    loci = np.asarray(loci)
    L = calls.shape[1]
    rows = []
    for name, mask in groups:
        sub = calls[mask]
        typed = (sub[..., 0] >= 0).T.astype(np.int64)  # (L, n)
        dos = np.where(typed.astype(bool), (sub > 0).sum(axis=2).T, -1).astype("i1")
        frames = []
        for s in range(0, L, window):
            e1, e2 = min(s + window, L), min(s + 2 * window, L)
            r = np.asarray(allel.rogers_huff_r_between(dos[s:e1], dos[s:e2]),
                           dtype=float).reshape(e1 - s, e2 - s)
            nn = typed[s:e1] @ typed[s:e2].T
            ii, jj = np.meshgrid(np.arange(s, e1), np.arange(s, e2), indexing="ij")
            keep = (jj > ii) & (jj - ii <= window)
            r2 = r[keep] ** 2
            n = nn[keep]
            with np.errstate(invalid="ignore"):
                p = stats.chi2.sf(n * r2, 1)
            frames.append(pd.DataFrame({
                "locus1": loci[ii[keep]], "locus2": loci[jj[keep]], "population": name,
                "n": n, "statistic": r2, "p_value": p}))
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["locus1", "locus2", "population", "n", "statistic", "p_value"])
        df["q_value_bh"] = bh_qvalues(df["p_value"].to_numpy(dtype=float))
        df["method"] = "rogers_huff_r2_chi2"
        df["n_permutations"] = 0
        df["note"] = np.where(df["statistic"].isna(), "r undefined (monomorphic or too few typed)",
                              "")
        rows.append(df)
    if not rows:
        return pd.DataFrame(columns=LD_COLUMNS)
    return pd.concat(rows, ignore_index=True)[LD_COLUMNS]
