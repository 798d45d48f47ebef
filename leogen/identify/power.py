"""Probability of identity of microsatellite genotypes (PID, PIDsib).

Per locus, with p_i the allele frequencies (Paetkau & Strobeck 1994 Mol Ecol 3:489;
Waits, Luikart & Taberlet 2001 Mol Ecol 10:249, their eqs. for unrelated individuals and
full siblings)::

    PID    = 2 (sum p_i^2)^2 - sum p_i^4
    PIDsib = 0.25 + 0.5 sum p_i^2 + 0.5 (sum p_i^2)^2 - 0.25 sum p_i^4

Multilocus values are products over loci (loci assumed independent). Loci are ranked by
informativeness, lowest PIDsib first (ties: lowest PID, then locus name), and the cumulative
products follow that order, as in GIMLET's and Waits et al.'s tables. Frequencies should come
from one genotype per animal (identify uses its individual genotypes), not from every sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leogen.model.frequencies import expected_heterozygosity
from leogen.model.genotypes import Genotypes

THRESHOLDS = (0.01, 0.001)


def pid_per_locus(freqs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """PID and PIDsib per locus (Paetkau & Strobeck 1994; Waits, Luikart & Taberlet 2001
    Mol Ecol 10:249; formulas in the module docstring).

    Parameters
    ----------
    freqs : list (n_loci) of float arrays (n_alleles_l,), allele frequencies of each locus.

    Returns
    -------
    (pid (n_loci,), pid_sib (n_loci,)); NaN for a locus without data.

    Examples
    --------
    >>> pid, sib = pid_per_locus([np.array([0.5, 0.5])])
    >>> pid.tolist(), sib.tolist()
    ([0.375], [0.59375])
    """
    pid, sib = [], []
    for p in freqs:  # one small vector per locus
        p = np.asarray(p, dtype=float)
        if p.size == 0 or not np.isfinite(p).all() or p.sum() == 0:
            pid.append(np.nan)
            sib.append(np.nan)
            continue
        s2, s4 = (p**2).sum(), (p**4).sum()
        pid.append(2 * s2**2 - s4)
        sib.append(0.25 + 0.5 * s2 + 0.5 * s2**2 - 0.25 * s4)
    return np.array(pid), np.array(sib)


def pid_table(g: Genotypes) -> pd.DataFrame:
    """Per-locus PID and PIDsib, ranked (lowest PIDsib first), with cumulative products.

    Parameters
    ----------
    g : Genotypes (n_animals, n_loci), one genotype per animal.

    Returns
    -------
    DataFrame (n_loci,): rank, locus, n_typed, n_alleles, he (Nei's 1 - sum p^2,
    :func:`leogen.model.frequencies.expected_heterozygosity`), pid, pid_sib, cum_pid,
    cum_pid_sib. Loci with no typed genotype get NaN and the last ranks.
    """
    counts = g.allele_counts().astype(float) if g.n_loci else np.zeros((0, 0))
    tot = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        freqs = counts / tot
    pid, sib = pid_per_locus([f[c > 0] for f, c in zip(freqs, counts, strict=True)])
    he = (np.where(tot[:, 0] > 0, expected_heterozygosity(np.nan_to_num(freqs)), np.nan)
          if g.n_loci else [])
    df = pd.DataFrame({
        "locus": g.loci,
        "n_typed": (tot[:, 0] / 2).astype(int) if g.n_loci else [],
        "n_alleles": (counts > 0).sum(axis=1) if g.n_loci else [],
        "he": he,
        "pid": pid,
        "pid_sib": sib,
    })
    df = df.sort_values(["pid_sib", "pid", "locus"], na_position="last", kind="stable")
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    df["cum_pid"] = np.cumprod(df["pid"].fillna(1.0).to_numpy())
    df["cum_pid_sib"] = np.cumprod(df["pid_sib"].fillna(1.0).to_numpy())
    missing = df["pid"].isna().to_numpy()
    df.loc[missing, ["cum_pid", "cum_pid_sib"]] = np.nan
    return df.reset_index(drop=True)


def loci_needed(table: pd.DataFrame, thresholds=THRESHOLDS, column="cum_pid_sib") -> dict:
    """Smallest number of (ranked) loci whose cumulative value falls below each threshold;
    None when all loci together do not reach it.

    Parameters
    ----------
    table : DataFrame
        Ranked loci (``rank`` and ``column``).
    thresholds : iterable of float
        The thresholds.
    column : str
        The cumulative column.

    Returns
    -------
    dict of float to int or None
        Threshold -> loci needed.
    """
    cum = table[column].to_numpy(dtype=float)
    out = {}
    for t in thresholds:
        hit = np.flatnonzero(cum < t)
        out[t] = int(table["rank"].iloc[hit[0]]) if hit.size else None
    return out


def pid_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Two-column table (statistic, value): loci used, multilocus PID and PIDsib, and the
    number of loci needed for PIDsib < 0.01 and < 0.001 (NA when not reached).

    Parameters
    ----------
    table : DataFrame
        Per-locus PID table (``pid``, ``pid_sib``, ``cum_pid``, ``cum_pid_sib``, ``rank``).

    Returns
    -------
    DataFrame
    """
    ok = table["pid"].notna()
    need = loci_needed(table)
    need_pid = loci_needed(table, column="cum_pid")
    rows = [("n_loci", int(ok.sum())),
            ("pid", float(np.prod(table.loc[ok, "pid"])) if ok.any() else np.nan),
            ("pid_sib", float(np.prod(table.loc[ok, "pid_sib"])) if ok.any() else np.nan)]
    for t in THRESHOLDS:
        rows.append((f"n_loci_pid_sib_below_{t:g}", need[t]))
    for t in THRESHOLDS:
        rows.append((f"n_loci_pid_below_{t:g}", need_pid[t]))
    def fmt(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "NA"
        return str(v) if isinstance(v, int) else f"{v:.6g}"

    return pd.DataFrame([(k, fmt(v)) for k, v in rows], columns=["statistic", "value"])
