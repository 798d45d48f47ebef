"""Truth tables: census, realised Ne, and the per-animal and per-sample truth.

True effective size from the pedigree: realised inbreeding effective size from the
individual increase in inbreeding (Gutierrez, Cervantes, Molina, Valera & Goyache 2008
Genet Sel Evol 40:359; Gutierrez et al. 2009 J Anim Breed Genet 126:327), with equivalent
complete generations (Maignel, Boichard & Verrier 1996) and Ne = 1 / (2 dF) (Falconer &
Mackay 1996). Pedigree kinship and relationship classes are ``leogen.pedigree.kinship``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.model.genotypes import Genotypes
from leogen.pedigree.kinship import pedigree_frame_indices, topological_order
from leogen.simulate.demography import alive_matrix
from leogen.simulate.params import TARGET_SPECIES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def census(ped: pd.DataFrame, p: SimParams) -> pd.DataFrame:
    """Yearly census of the simulated population (truth/census.tsv).

    Parameters
    ----------
    ped : DataFrame
        Pedigree of ``simulate_pedigree``.
    p : SimParams
        ``start_year``, ``end_year``, ``min_age_sampled``, ``adult_age``.

    Returns
    -------
    DataFrame (one row per simulated year)
        ``year``; ``n_alive`` (alive at some time in the year); ``n_sampleable_age`` (of
        those, at least ``min_age_sampled`` old: the population an abundance estimate from
        scats refers to); ``n_adults`` (at least ``adult_age`` old).
    """
    years = np.arange(p.start_year, p.end_year + 1)
    alive = alive_matrix(ped, years)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    return pd.DataFrame({"year": years, "n_alive": alive.sum(axis=0),
                         "n_sampleable_age": (alive & (age >= p.min_age_sampled)).sum(axis=0),
                         "n_adults": (alive & (age >= p.adult_age)).sum(axis=0)})


def equivalent_generations(sire_idx, dam_idx) -> np.ndarray:
    """Equivalent complete generations of every animal (Maignel, Boichard & Verrier 1996
    Interbull Bull 14:49).

    t_i = sum over known ancestors of (1/2)^g, g = generations back; founders 0. Recursively
    t_i = (t_sire + 1) / 2 + (t_dam + 1) / 2, a missing parent contributing 0.

    Parameters
    ----------
    sire_idx, dam_idx : int arrays (n_individuals,)
        Parent rows, -1 unknown (any order).

    Returns
    -------
    float array (n_individuals,)

    Examples
    --------
    >>> equivalent_generations([-1, -1, 0, 2], [-1, -1, 1, -1]).tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    s, d = np.asarray(sire_idx), np.asarray(dam_idx)
    t = np.zeros(s.size)
    for i in topological_order(s, d):
        t[i] = (0.5 * (t[s[i]] + 1.0) if s[i] >= 0 else 0.0) + \
            (0.5 * (t[d[i]] + 1.0) if d[i] >= 0 else 0.0)
    return t


def individual_delta_f(f: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Individual increase in inbreeding (Gutierrez, Cervantes, Molina, Valera & Goyache 2008,
    Genet Sel Evol 40:359): dF_i = 1 - (1 - F_i)^(1 / (t_i - 1)).

    Parameters
    ----------
    f : float array (n,)
        Pedigree inbreeding F_i.
    t : float array (n,)
        Equivalent complete generations t_i.

    Returns
    -------
    float array (n,)
        dF_i; NaN where t_i <= 1.

    Examples
    --------
    >>> individual_delta_f(np.array([0.25, 0.0]), np.array([2.0, 1.0])).tolist()
    [0.25, nan]
    """
    f, t = np.asarray(f, float), np.asarray(t, float)
    out = np.full(f.size, np.nan)
    ok = t > 1.0
    out[ok] = 1.0 - (1.0 - f[ok]) ** (1.0 / (t[ok] - 1.0))
    return out


def true_ne(ped: pd.DataFrame, f: np.ndarray, years, study_years=None) -> pd.DataFrame:
    """Realised (inbreeding) effective size from the pedigree, per year and over the study.

    Ne = 1 / (2 mean dF_i) over the animals alive in the year (or in any study year, row
    ``all``) with more than one equivalent complete generation (Gutierrez et al. 2008, 2009:
    the individual increase in inbreeding, dF_i above; Ne = 1/(2 dF), Falconer & Mackay 1996
    eq. 4.2). NA where no animal is informative or mean dF_i <= 0.

    Parameters
    ----------
    ped : DataFrame
        Pedigree with ``individual_id, sire, dam, birth_year, death_year``.
    f : float array (n_individuals,)
        Pedigree inbreeding coefficients.
    years : int array (n_years,)
        Years with a row each.
    study_years : int array, optional
        Years of the ``all`` row (animals alive in any of them); no such row if None.

    Returns
    -------
    DataFrame (n_years (+ 1) rows)
        ``period, n_alive, n_informative, mean_f, mean_equivalent_generations,
        mean_delta_f, ne`` (truth/ne.tsv).
    """
    s, d = pedigree_frame_indices(ped)
    t = equivalent_generations(s, d)
    dfi = individual_delta_f(f, t)
    years = np.asarray(years)
    alive = alive_matrix(ped, years)
    cols = [alive[:, k] for k in range(years.size)]
    labels = [str(y) for y in years]
    if study_years is not None:
        cols.append(alive_matrix(ped, np.asarray(study_years)).any(axis=1))
        labels.append("all")
    rows = []
    for lab, a in zip(labels, cols, strict=True):
        inf = a & np.isfinite(dfi)
        mdf = float(dfi[inf].mean()) if inf.any() else np.nan
        rows.append({"period": lab, "n_alive": int(a.sum()), "n_informative": int(inf.sum()),
                     "mean_f": float(f[a].mean()) if a.any() else np.nan,
                     "mean_equivalent_generations": float(t[a].mean()) if a.any() else np.nan,
                     "mean_delta_f": mdf,
                     "ne": 1.0 / (2.0 * mdf) if mdf > 0 else np.nan})
    return pd.DataFrame(rows)


def pedigree_truth(ped: pd.DataFrame, f: np.ndarray) -> pd.DataFrame:
    """The true pedigree with each animal's inbreeding (truth/pedigree.tsv).

    Parameters
    ----------
    ped : DataFrame
        Pedigree of ``simulate_pedigree``.
    f : float array (n_individuals,)
        Pedigree F (tabular method, ``leogen.pedigree.kinship``).

    Returns
    -------
    DataFrame
        ``individual_id, sire, dam, sex, birth_year, death_year, founder, f_pedigree``.
    """
    out = ped[["individual_id", "sire", "dam", "sex", "birth_year", "death_year",
               "founder"]].copy()
    out["f_pedigree"] = f
    return out


def samples_truth(samples: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """True animal, species and error probabilities of every sample (truth/samples_truth.tsv).

    Parameters
    ----------
    samples : DataFrame (n_samples rows)
        ``sample_animals``.
    rates : DataFrame (n_samples rows)
        ``sample_error_rates``.

    Returns
    -------
    DataFrame (n_samples rows)
        ``sample_id, individual_id, species, sample_type, dna_quality, dropout_rate,
        false_allele_rate``.
    """
    return pd.DataFrame({"sample_id": samples["sample_id"],
                         "individual_id": samples["individual_id"],
                         "species": samples["species"], "sample_type": samples["sample_type"],
                         "dna_quality": rates["dna_quality"],
                         "dropout_rate": rates["dropout_rate"],
                         "false_allele_rate": rates["false_allele_rate"]})


def mt_haplotypes_truth(ped: pd.DataFrame, haplotypes: np.ndarray) -> pd.DataFrame:
    """Every animal's mtDNA haplotype, named as in the reference (truth/mt_haplotypes.tsv).

    Parameters
    ----------
    ped : DataFrame (n_individuals rows)
    haplotypes : int array (n_individuals,)
        ``maternal_haplotypes``.

    Returns
    -------
    DataFrame
        ``individual_id, mt_haplotype`` (``Panthera_pardus|H1``, ...).
    """
    return pd.DataFrame({"individual_id": ped["individual_id"],
                         "mt_haplotype": [f"{TARGET_SPECIES}|H{h + 1}" for h in haplotypes]})


def snp_truth(g: Genotypes, labels: np.ndarray, individual_ids, f: np.ndarray) -> pd.DataFrame:
    """Per SNP-typed sample: pedigree F, realised IBD fraction and heterozygosity.

    Parameters
    ----------
    g : Genotypes
        SNP genotypes of the typed samples (``snp_genotypes``), n samples x n_snps.
    labels : int array (n, 2, n_snps)
        Founder-genome labels of their animals.
    individual_ids : sequence of str (n,)
        True animal of each sample.
    f : float array (n,)
        Pedigree F of those animals.

    Returns
    -------
    DataFrame (n rows)
        ``sample_id, individual_id, f_pedigree, f_ibd`` (share of SNPs autozygous),
        ``snp_heterozygosity`` (share of SNPs heterozygous): truth/snp_truth.tsv.
    """
    het = (g.calls[..., 0] != g.calls[..., 1]).mean(axis=1)
    return pd.DataFrame({"sample_id": g.samples, "individual_id": np.asarray(individual_ids),
                         "f_pedigree": f, "f_ibd": (labels[:, 0] == labels[:, 1]).mean(axis=1),
                         "snp_heterozygosity": het})
