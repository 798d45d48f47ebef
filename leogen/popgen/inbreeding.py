"""Individual inbreeding and heterozygosity from microsatellites, and identity disequilibrium.

Per individual (over the loci it is typed at; ``n_loci`` = typed loci):

- ``smlh``: standardised multilocus heterozygosity (Coltman et al. 1999 Evolution 53:1259):
  share of typed loci heterozygous divided by the mean observed heterozygosity of those
  same loci in the population (as R inbreedR ``sMLH`` computes it).
- ``ir``: internal relatedness (Amos et al. 2001 Proc R Soc B 268:2021):
  ``(2H - sum f_i) / (2N - sum f_i)``, H homozygous loci, N typed loci, f_i the population
  frequency of each of the individual's 2N alleles.
- ``hl``: homozygosity by locus (Aparicio, Ortego & Cordero 2006 Mol Ecol 15:4659):
  ``sum E_h / (sum E_h + sum E_j)``, E the expected heterozygosity ``1 - sum p^2`` of the
  locus, h over homozygous and j over heterozygous loci.
- ``f_ritland``: Ritland (1996) Genet Res 67:175 moment estimator of F, per locus
  ``(sum_i S_ii / p_i - 1) / (n_l - 1)`` (S_ii = 1 if homozygous for allele i, n_l alleles),
  loci combined with weights ``n_l - 1``: ``F = sum_l (S/p - 1) / sum_l (n_l - 1)``
  over polymorphic typed loci.

Population-level: ``g2`` identity disequilibrium (David et al. 2007 Mol Ecol 16:2474) with
the missing-data-aware formula of R inbreedR ``g2_microsats`` (Stoffel et al. 2016), a
bootstrap over individuals for its SE and CI and a permutation test (heterozygosity
permuted across individuals within each locus); and ``r2_hf``, the expected squared
correlation between sMLH and inbreeding ``g2 / var(sMLH)`` (0 when g2 < 0), as inbreedR
``r2_hf``. Allele frequencies are those of all individuals given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.model.frequencies import AlleleFreqs, allele_frequencies
from leogen.model.genotypes import Genotypes
from leogen.popgen import outputs
from leogen.progress import progress


def heterozygosity_matrix(g: Genotypes) -> np.ndarray:
    """Heterozygosity indicators of each individual and locus.

    Parameters
    ----------
    g : Genotypes, calls (n_individuals, n_loci, 2).

    Returns
    -------
    float array (n_individuals, n_loci)
        1 heterozygous, 0 homozygous, NaN missing.
    """
    h = g.heterozygous().astype(float)
    h[g.missing()] = np.nan
    return h


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.asarray(num, float) / den
    return np.where(np.isfinite(out), out, np.nan)


def individual_inbreeding(g: Genotypes, af: AlleleFreqs | None = None) -> pd.DataFrame:
    """sMLH (Coltman et al. 1999), IR (Amos et al. 2001), HL (Aparicio et al. 2006) and
    Ritland's (1996) F for every individual (formulas in the module docstring).

    Parameters
    ----------
    g : Genotypes, calls (n_individuals, n_loci, 2).
    af : population allele frequencies (n_loci, n_alleles) (default: those of ``g``).

    Returns
    -------
    DataFrame ``individual_id, n_loci, smlh, ir, hl, f_ritland``, one row per individual.
    """
    if af is None:
        af = allele_frequencies(g)
    calls = g.calls
    typed = ~g.missing()
    het = g.heterozygous()
    hom = typed & ~het
    n = typed.sum(axis=1)
    loc = np.arange(g.n_loci)[None, :]
    fa = np.where(typed, af.freqs[loc, np.maximum(calls[..., 0], 0)], 0.0)
    fb = np.where(typed, af.freqs[loc, np.maximum(calls[..., 1], 0)], 0.0)
    # sMLH
    ho_locus = _ratio(het.sum(axis=0), typed.sum(axis=0))
    mean_ho = _ratio(np.where(typed, ho_locus[None, :], 0.0).sum(axis=1), n)
    smlh = _ratio(_ratio(het.sum(axis=1), n), mean_ho)
    # IR
    sum_f = (fa + fb).sum(axis=1)
    ir = _ratio(2.0 * hom.sum(axis=1) - sum_f, 2.0 * n - sum_f)
    # HL
    he = af.expected_heterozygosity()
    e_hom = np.where(hom, he[None, :], 0.0).sum(axis=1)
    e_het = np.where(het, he[None, :], 0.0).sum(axis=1)
    hl = _ratio(e_hom, e_hom + e_het)
    # Ritland F
    poly = typed & af.polymorphic[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(poly, np.where(hom, 1.0 / np.where(fa > 0, fa, 1.0), 0.0) - 1.0, 0.0)
    m = np.where(poly, (af.n_alleles - 1)[None, :], 0).sum(axis=1)
    f_rit = _ratio(term.sum(axis=1), m)
    return pd.DataFrame({
        "individual_id": g.samples,
        "n_loci": n.astype(int),
        "smlh": smlh,
        "ir": ir,
        "hl": hl,
        "f_ritland": f_rit,
    })


def g2_value(h: np.ndarray) -> float:
    """Identity disequilibrium g2 (David, Pujol, Viard, Castella & Goudet 2007 Mol Ecol
    16:2474) from a heterozygosity matrix (n_individuals, n_loci), NaN = missing.

    As inbreedR ``g2_microsats``: with h_ik heterozygosity of individual k at locus i
    (0 if missing), m_ik missing indicators and n individuals,
    ``g2 = [sum_{i!=j} sum_k h_ik h_jk / n_ij] / [sum_{i!=j} sum_{k!=l} h_ik h_jl / N_ij] - 1``
    where n_ij = individuals typed at both i and j and
    N_ij = (n-1)(n - m_i - m_j) + m_i m_j - m_ij = ordered pairs of distinct individuals
    (k typed at i, l typed at j). Locus pairs with a zero count drop out.

    Parameters
    ----------
    h : float array (n_individuals, n_loci)
        :func:`heterozygosity_matrix`.

    Returns
    -------
    float
        g2; NaN when no pair of loci is informative.

    Examples
    --------
    >>> h = np.array([[1, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0], [1, np.nan, 1]])
    >>> round(g2_value(h), 4)
    0.2603
    """
    hh = np.nan_to_num(np.asarray(h, float), nan=0.0).T  # loci x individuals
    mm = np.isnan(np.asarray(h, float)).T.astype(float)
    n = hh.shape[1]
    p = hh @ hh.T
    m_ij = mm @ mm.T
    m_i = mm.sum(axis=1)
    off = ~np.eye(hh.shape[0], dtype=bool)
    n_both = n - m_i[:, None] - m_i[None, :] + m_ij
    hs = hh.sum(axis=1)
    q = np.outer(hs, hs) - p
    n_cross = (n - 1) * (n - m_i[:, None] - m_i[None, :]) + np.outer(m_i, m_i) - m_ij
    with np.errstate(invalid="ignore", divide="ignore"):
        num_terms = p / n_both
        den_terms = q / n_cross
    num = np.nansum(np.where(off & np.isfinite(num_terms), num_terms, np.nan))
    den = np.nansum(np.where(off & np.isfinite(den_terms), den_terms, np.nan))
    if not np.isfinite(den) or den == 0:
        return float("nan")
    return float(num / den - 1)


def g2_microsats(h: np.ndarray, n_bootstraps: int = 1000, n_permutations: int = 1000,
                 seed: int = 1, ci: float = 0.95) -> dict:
    """g2 with bootstrap CI over individuals and a permutation p-value, as inbreedR.

    As in inbreedR, the observed g2 is the first of ``n_bootstraps`` bootstrap values and
    of ``n_permutations`` permutation values; ``g2_se`` is the SD of the bootstrap values,
    ``g2_lo/g2_hi`` their (1-ci)/2 and 1-(1-ci)/2 quantiles (linear interpolation, R's
    type 7), ``p_value = #(permuted g2 >= observed) / n_permutations``.

    Parameters
    ----------
    h : float array (n_individuals, n_loci)
        :func:`heterozygosity_matrix`.
    n_bootstraps : resamplings of individuals (0 = none).
    n_permutations : permutations of heterozygosity within loci (0 = none).
    seed : random seed.
    ci : level of the bootstrap interval.

    Returns
    -------
    dict
        ``g2, g2_se, g2_lo, g2_hi, p_value, n_individuals, n_loci, n_bootstraps,
        n_permutations``.
    """
    h = np.asarray(h, float)
    rng = np.random.default_rng(seed)
    obs = g2_value(h)
    n_ind, n_loc = h.shape
    out = {"g2": obs, "g2_se": np.nan, "g2_lo": np.nan, "g2_hi": np.nan, "p_value": np.nan,
           "n_individuals": n_ind, "n_loci": n_loc, "n_bootstraps": 0, "n_permutations": 0}
    if n_permutations > 0:
        n_perm = max(n_permutations, 2)
        perm = [obs]
        for _ in progress(range(n_perm - 1), desc=f"g2 permutations ({n_ind} individuals)",
                          unit="permutations"):  # one g2 per permutation, vectorised inside
            order = np.argsort(rng.random((n_ind, n_loc)), axis=0)
            perm.append(g2_value(np.take_along_axis(h, order, axis=0)))
        perm = np.asarray(perm)
        out["p_value"] = float(np.sum(perm >= obs) / n_perm) if np.isfinite(obs) else np.nan
        out["n_permutations"] = n_perm
    if n_bootstraps > 0:
        n_boot = max(n_bootstraps, 2)
        boot = [obs]
        for _ in progress(range(n_boot - 1), desc=f"g2 bootstraps ({n_ind} individuals)",
                          unit="bootstraps"):  # one g2 per bootstrap resample
            boot.append(g2_value(h[rng.integers(0, n_ind, n_ind)]))
        boot = np.asarray(boot)
        ok = boot[np.isfinite(boot)]
        if ok.size > 1:
            out["g2_se"] = float(np.std(ok, ddof=1))
            out["g2_lo"], out["g2_hi"] = (float(v) for v in
                                          np.quantile(ok, [(1 - ci) / 2, 1 - (1 - ci) / 2]))
        out["n_bootstraps"] = n_boot
    return out


def r2_hf(g2: float, smlh: np.ndarray) -> float:
    """Expected r^2 between sMLH and inbreeding (Slate et al. 2004; Szulkin et al. 2010),
    ``g2 / var(sMLH)`` (sample variance), 0 when g2 < 0, as inbreedR ``r2_hf``.

    Parameters
    ----------
    g2 : identity disequilibrium (:func:`g2_value`).
    smlh : float array (n_individuals,), NaN ignored.

    Returns
    -------
    float; NaN with fewer than 2 finite sMLH or zero variance.

    Examples
    --------
    >>> round(r2_hf(0.03, np.array([0.8, 1.0, 1.2, 0.9])), 4), r2_hf(-0.01, np.array([0.8, 1.2]))
    (1.0286, 0.0)
    """
    s = np.asarray(smlh, float)
    s = s[np.isfinite(s)]
    if not np.isfinite(g2) or s.size < 2:
        return float("nan")
    if g2 < 0:
        return 0.0
    v = np.var(s, ddof=1)
    return float(g2 / v) if v > 0 else float("nan")


# --------------------------------------------------------------------------- SNP columns
def _by_individual(df: pd.DataFrame, sample_map: dict, cols: list[str]) -> pd.DataFrame:
    """Rename VCF samples to individuals; the first row of each individual is kept."""
    df = df.assign(individual_id=df["sample_id"].astype(str).map(lambda s: sample_map.get(s, s)))
    return df.drop_duplicates("individual_id")[["individual_id"] + cols]


def snp_individuals(het: pd.DataFrame, froh: pd.DataFrame, sample_map: dict) -> pd.DataFrame:
    """SNP inbreeding per individual: f_mom (method of moments, as plink ``--het``) and F_ROH.

    Parameters
    ----------
    het : per VCF sample ``sample_id, n_called, f_mom`` (``snp/het.tsv``,
        :func:`leogen.snp.tables.het_table`).
    froh : per VCF sample ``sample_id, n_roh, length_roh, f_roh`` (``snp/froh.tsv``,
        :func:`leogen.snp.roh.froh_table`; McQuillan et al. 2008 Am J Hum Genet 83:359).
    sample_map : VCF sample id -> individual id (samples not in it keep their name).

    Returns
    -------
    DataFrame ``individual_id, f_mom, n_snps_called, f_roh, n_roh, length_roh``, one row per
    individual; an animal with several SNP samples takes the one with most SNPs called for
    f_mom.
    """
    het = het.rename(columns={"n_called": "n_snps_called"})
    het = _by_individual(het.sort_values("n_snps_called", ascending=False, kind="stable"),
                         sample_map, ["f_mom", "n_snps_called"])
    # length_roh stays float (as the table has always been written, %.6g)
    froh = froh.astype({"length_roh": float})
    roh = _by_individual(froh, sample_map, ["f_roh", "n_roh", "length_roh"])
    return het.merge(roh, on="individual_id", how="outer")


def add_snp_columns(table: pd.DataFrame, snp: pd.DataFrame) -> pd.DataFrame:
    """The individual table with the SNP columns of :func:`snp_individuals` appended, in the
    declared order (:data:`leogen.popgen.outputs.INDIVIDUAL_SNP_COLUMNS`); NA where an animal
    has no SNP data; animals with SNP data only are not added.

    Parameters
    ----------
    table : DataFrame
        The individual inbreeding table (``individual_id``).
    snp : DataFrame
        From :func:`snp_individuals`.

    Returns
    -------
    DataFrame
    """
    table = table.merge(snp, on="individual_id", how="left")
    order = [c.name for c in outputs.INDIVIDUAL_SNP_COLUMNS]
    table = table[[c for c in table.columns if c not in order]
                  + [c for c in order if c in table.columns]]
    for c in ("n_snps_called", "n_roh"):
        if c in table:
            table[c] = table[c].astype("Int64")
    return table


# --------------------------------------------------------------------------- stage driver
@dataclass
class InbreedingResult:
    """What :func:`run` wrote: the individual table and the g2 row."""

    individuals: pd.DataFrame
    g2: dict
    n_individuals_snp: int | None  # individuals with SNP data (None without SNP data)


def run(g: Genotypes, out_dir, n_bootstraps: int = 1000, n_permutations: int = 1000,
        seed: int = 1, het: pd.DataFrame | None = None, froh: pd.DataFrame | None = None,
        vcf=None, sample_map: dict | None = None) -> InbreedingResult:
    """The inbreeding stage: per-individual heterozygosity/inbreeding and g2, written.

    Writes ``individuals.tsv`` (:func:`individual_inbreeding`, plus the SNP columns of
    :func:`snp_individuals` when SNP data are given) and ``g2.tsv`` (:func:`g2_microsats`
    with ``r2_hf`` and ``var_smlh``) to ``out_dir`` (see :mod:`leogen.popgen.outputs`).

    Parameters
    ----------
    g : one genotype per individual, calls (n_individuals, n_loci, 2).
    out_dir : the inbreeding results folder.
    n_bootstraps, n_permutations, seed : of :func:`g2_microsats`.
    het, froh : gathered SNP tables (see :func:`snp_individuals`), or
    vcf : a SNP VCF to compute them from.
    sample_map : VCF sample id -> individual id.

    Returns
    -------
    InbreedingResult
    """
    table = individual_inbreeding(g)
    h = heterozygosity_matrix(g)
    g2 = g2_microsats(h, n_bootstraps, n_permutations, seed)
    smlh = table["smlh"].to_numpy(float)
    g2["r2_hf"] = r2_hf(g2["g2"], smlh)
    g2["var_smlh"] = float(np.nanvar(smlh, ddof=1)) if np.isfinite(smlh).sum() > 1 else np.nan
    n_snp = None
    if vcf is not None and het is None:
        from leogen.snp.roh import froh_table
        from leogen.snp.tables import het_table

        het, froh = het_table(vcf), froh_table(vcf)
    if het is not None:
        table = add_snp_columns(table, snp_individuals(het, froh, sample_map or {}))
        n_snp = int(table["f_mom"].notna().sum())
    out = Path(out_dir)
    outputs.INDIVIDUALS.write(table, out / outputs.file_name(outputs.INDIVIDUALS))
    outputs.G2.write(pd.DataFrame([g2]), out / outputs.file_name(outputs.G2))
    return InbreedingResult(table, g2, n_snp)
