"""Genetic diversity per locus and population: Ho, He, allelic richness, F-statistics,
Hardy-Weinberg tests, null alleles; pairwise F_ST; LD (``leogen.popgen.ld``).

Notation: at one locus in one group, N = individuals typed, N_k = copies of allele k
among the 2N gene copies, p_k = N_k / 2N.

* ``ho``: share of typed individuals that are heterozygous.
* ``he``: gene diversity ``1 - sum p_k^2`` (adegenet ``summary``'s Hexp). Frequencies and
  both He come from :mod:`leogen.model.frequencies` (the one implementation).
* ``he_unbiased``: ``2N / (2N - 1) (1 - sum p_k^2)`` (Nei 1987, eq. 8.4; GenAlEx uHe). Not
  hierfstat's Hs, which also subtracts Ho / 2N inside the bracket.
* ``allelic_richness``: El Mousadik & Petit (1996) rarefaction to g gene copies,
  ``Ar(g) = sum_k [1 - C(2N - N_k, g) / C(2N, g)]`` (the formula of hierfstat
  ``allelic.richness`` and FSTAT). g (``rarefaction_size``) is by default, as in FSTAT, per
  locus the smallest 2N over the populations compared (``rarefaction="locus"``);
  ``rarefaction="global"`` uses one g for every locus, the smallest 2N over all loci and
  populations, as hierfstat ``allelic.richness`` does by default. Populations with fewer
  than 2 typed individuals are left out of the minimum (hierfstat keeps them, which would
  rarefy everything to 2 gene copies) and get NaN. The pooled 'all' row is rarefied to
  the same g; without populations g = 2N of the sample, so Ar = number of alleles.
* ``private_alleles``: alleles of the locus seen in this population and in no other.
* ``fis``: Weir & Cockerham (1984) f for one population: the ANOVA of gene indicators with
  individuals nested in one population gives per allele ``c = h_k / 2`` and
  ``b + c = N/(N-1) p_k(1-p_k) - h_k / (4(N-1))`` (h_k = share of individuals heterozygous
  for allele k), so over alleles ``F_IS = 1 - sum c / sum(b + c) = 1 - 2(N-1) Ho /
  (2N He - Ho)``; multilocus F_IS is the ratio of sums over loci (WC84 eq. 10); its CI
  (``fis_lo/fis_hi``) is the 2.5/97.5 percentile of ``n_bootstraps`` resamplings of loci.
* F_ST (theta): Weir & Cockerham (1984) variance components a, b, c for r populations
  from the ANOVA mean squares of gene indicators as hierfstat ``wc()`` computes them
  (``wc84_sigmas``; equal to their eqs. 2-4, ``wc84_components``, checked against
  scikit-allel ``weir_cockerham_fst`` in the tests), multilocus
  ``theta = sum a / sum(a + b + c)``. As in hierfstat and Genepop, a population with no typed
  individual at a locus is left out of that locus's components (r, n_bar, n_c over the
  populations present) and the locus is kept; a locus typed in one population only adds its
  b and c (hierfstat's sums with ``na.rm``). Beside it on the 'all' summary row: WC84's
  within-population ``F_IS = sum b / sum (b + c)`` (hierfstat ``wc()$FIS``; not the pooled
  ``fis`` column, which includes the Wahlund effect) and ``F_IT = sum (a + b) / sum(a + b +
  c)``, each with a 2.5/97.5 percentile interval from ``n_bootstraps`` resamplings of loci
  (hierfstat ``boot.vc``); per locus on the 'all' rows of ``per_locus.tsv``.
* Nei's gene diversities as hierfstat ``basic.stats`` (``nei_stats``): per population
  ``Hs = n/(n-1) (1 - sum p^2 - Ho/2n)``; per locus Hs and Ht with the harmonic mean sample
  size and the unweighted mean frequencies (Nei & Chesser 1983 corrections),
  ``G_ST = Dst / Ht``, Jost's (2008) ``D = np/(np-1) Dst / (1 - Hs)`` (hierfstat's Dest);
  overall G_ST and D are ratios of means over loci, as basic.stats's ``overall``.
  Pairwise p-values: individuals of the two populations are permuted between them
  ``n_permutations`` times (seeded), ``p = (1 + #{theta_perm >= theta_obs}) / (1 + n_perm)``.
* HWE: ``leogen.popgen.hwe`` exact tests; ``hwe_method`` is ``exact_biallelic`` (Wigginton et al.
  2005, vectorised over loci), ``exact_enumeration`` (3-4 alleles, all tables),
  ``monte_carlo_<n>`` (n independent permutation draws) or ``none``; ``hwe_q_bh`` are
  Benjamini-Hochberg q-values over the loci of a population; the summary counts loci with
  p < 0.05 (``n_loci_hwe_deviation``) and q < 0.05 (``n_loci_hwe_deviation_bh``).
* Null alleles: Brookfield (1996, Mol Ecol 5:453) estimator 1, ``r = (He - Ho) / (1 + He)``
  (assumes no null homozygotes among the typed individuals);
  Chakraborty, De Andrade, Daiger & Budowle (1992, Ann Hum Genet 56:45)
  ``r = (He - Ho) / (He + Ho)``; both as MICRO-CHECKER (van Oosterhout et al. 2004) lists
  them; He is ``he_unbiased``. Negative values (heterozygote excess) are kept, not clipped. ``null_allele_freq`` is the Brookfield estimate and ``null_allele_flag``
  is true when it exceeds ``null_threshold`` (default 0.05; estimates above ~0.05 are
  usually taken to bias F_IS and relatedness, Dakin & Avise 2004 Heredity 93:504 note that
  parentage is little affected below 0.2).

The 'all' rows and summary row treat the pooled sample as one population (so their F_IS
includes any Wahlund effect of population structure); ``fst_wc`` of the 'all' summary row
is the WC84 theta over all populations.

Statistics that cannot be computed are NaN and the ``note`` column says why: no typed
individual, fewer than 2 typed individuals, monomorphic locus, a single population.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln

from leogen.errors import InputError
from leogen.model.frequencies import (
    allele_tallies,
    expected_heterozygosity,
    frequencies_from_counts,
    unbiased_expected_heterozygosity,
)
from leogen.model.genotypes import Genotypes
from leogen.popgen import outputs
from leogen.popgen.hwe import hwe_exact, snp_hwe_exact
from leogen.popgen.ld import bh_qvalues
from leogen.progress import progress, step

ALL = "all"

PER_LOCUS_COLUMNS = outputs.PER_LOCUS.names
SUMMARY_COLUMNS = outputs.SUMMARY.names
FST_COLUMNS = outputs.PAIRWISE_FST.names
FREQ_COLUMNS = outputs.ALLELE_FREQS.names
FSTAT_LOCUS_COLUMNS = ("fst_wc", "fis_wc", "fit_wc", "hs_nei", "ht_nei", "gst_nei", "jost_d")
FSTAT_SUMMARY_COLUMNS = ("fst_wc_lo", "fst_wc_hi", "fis_wc", "fis_wc_lo", "fis_wc_hi", "fit_wc",
                         "fit_wc_lo", "fit_wc_hi", "n_loci_fst", "hs_nei", "ht_nei", "gst_nei",
                         "gst_nei_lo", "gst_nei_hi", "jost_d", "jost_d_lo", "jost_d_hi")


# --------------------------------------------------------------------------- tallies
def rarefied_richness(counts: np.ndarray, g) -> np.ndarray:
    """Allelic richness rarefied to g gene copies (El Mousadik & Petit 1996 Theor Appl Genet
    92:832): ``Ar(g) = sum_k [1 - C(2N - N_k, g) / C(2N, g)]`` per row.

    Parameters
    ----------
    counts : array (n_loci, n_alleles)
        Allele copies N_k (2N = their row sum).
    g : scalar or array (n_loci,)
        Rarefaction size in gene copies.

    Returns
    -------
    float array (n_loci,)
        Expected number of alleles among g copies; NaN where g is NaN, g < 1 or g > 2N.

    Examples
    --------
    >>> rarefied_richness(np.array([[5, 3, 0, 2]]), [4])
    array([2.47619048])
    """
    counts = np.asarray(counts, dtype=float)
    tot = counts.sum(axis=1)
    g = np.broadcast_to(np.asarray(g, dtype=float), tot.shape)
    bad = np.isnan(g) | (g < 1) | (g > tot)
    gg = np.where(bad, 1.0, g)[:, None]
    a = tot[:, None] - counts
    with np.errstate(invalid="ignore"):
        log_ratio = (gammaln(a + 1) - gammaln(a - gg + 1)
                     - gammaln(tot[:, None] + 1) + gammaln(tot[:, None] - gg + 1))
    term = np.where(a >= gg, 1.0 - np.exp(np.where(a >= gg, log_ratio, 0.0)), 1.0)
    ar = np.where(counts > 0, term, 0.0).sum(axis=1)
    return np.where(bad, np.nan, ar)


def wc84_components(n, counts, hets):
    """Weir & Cockerham (1984, Evolution 38:1358) variance components a, b, c per allele.

    ``a = nbar/nc [s2 - (pbar(1-pbar) - (r-1)/r s2 - hbar/4)/(nbar-1)]``,
    ``b = nbar/(nbar-1) [pbar(1-pbar) - (r-1)/r s2 - (2nbar-1)/(4nbar) hbar]``, ``c = hbar/2``
    (their eqs. 2-4); theta = sum a / sum (a + b + c).

    Parameters
    ----------
    n : array (..., r)
        Typed individuals in each of r populations (n = 0 must be excluded by the caller).
    counts : array (..., r, n_alleles)
        Allele copies per population.
    hets : array (..., r, n_alleles)
        Heterozygous individuals carrying each allele.

    Returns
    -------
    a, b, c : arrays (..., n_alleles)

    Examples
    --------
    >>> a, b, c = wc84_components(np.array([10, 10]), np.array([[15, 5], [5, 15]]),
    ...                           np.array([[4, 4], [6, 6]]))
    >>> round(float(a.sum() / (a + b + c).sum()), 4)  # theta
    0.3778
    """
    n = np.asarray(n, dtype=float)
    counts = np.asarray(counts, dtype=float)
    hets = np.asarray(hets, dtype=float)
    r = n.shape[-1]
    nt = n.sum(axis=-1)
    nbar = nt / r
    nc = (nt - (n ** 2).sum(axis=-1) / nt) / (r - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / (2 * n[..., None])
        pbar = counts.sum(axis=-2) / (2 * nt[..., None])
        s2 = (n[..., None] * (p - pbar[..., None, :]) ** 2).sum(axis=-2) / (
            (r - 1) * nbar[..., None])
        hbar = hets.sum(axis=-2) / nt[..., None]
        nb = nbar[..., None]
        pq = pbar * (1 - pbar)
        a = nb / nc[..., None] * (s2 - (pq - (r - 1) / r * s2 - hbar / 4) / (nb - 1))
        b = nb / (nb - 1) * (pq - (r - 1) / r * s2 - (2 * nb - 1) / (4 * nb) * hbar)
        c = hbar / 2
    return a, b, c


def fis_components(n_typed, he, ho):
    """Per-locus Weir & Cockerham (1984) one-population sums over alleles: ``sum c = Ho``,
    ``sum (b + c) = N/(N-1) He - Ho/(2(N-1))`` (see module docstring); F_IS = 1 - c / (b + c).

    Parameters
    ----------
    n_typed, he, ho : arrays (n_loci,)
        Typed individuals, gene diversity ``1 - sum p^2`` and observed heterozygosity.

    Returns
    -------
    c, bc : float arrays (n_loci,)
        ``sum c`` and ``sum (b + c)``; NaN for N < 2.

    Examples
    --------
    >>> c, bc = fis_components(np.array([10]), np.array([0.5]), np.array([0.4]))
    >>> c, bc, 1 - c / bc
    (array([0.4]), array([0.53333333]), array([0.25]))
    """
    n = np.asarray(n_typed, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        bc = np.where(n >= 2, n / (n - 1) * he - ho / (2 * (n - 1)), np.nan)
    c = np.where(n >= 2, ho, np.nan)
    return c, bc


def bootstrap_ratio(num, den, n_bootstraps: int, seed, transform=lambda x: x):
    """Percentile CI (2.5, 97.5) of ``transform(sum num / sum den)`` resampling loci.

    Parameters
    ----------
    num, den : float arrays (n_loci,)
        Per-locus numerators and denominators (NaN or zero-denominator loci left out).
    n_bootstraps : resamplings of the loci, with replacement.
    seed : seed of the resampling.
    transform : applied to each resampled ratio (e.g. ``1 - x`` for F_IS).

    Returns
    -------
    (lo, hi) : floats, NaN with fewer than 2 informative loci.
    """
    ok = ~(np.isnan(num) | np.isnan(den)) & (den != 0)  # uninformative loci left out
    num, den = num[ok], den[ok]
    L = num.size
    if L < 2 or n_bootstraps < 1:
        return np.nan, np.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, L, size=(n_bootstraps, L))
    w = np.zeros((n_bootstraps, L))
    np.add.at(w, (np.repeat(np.arange(n_bootstraps), L), idx.ravel()), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = transform((w @ num) / (w @ den))
    est = est[np.isfinite(est)]
    if est.size == 0:
        return np.nan, np.nan
    lo, hi = np.percentile(est, [2.5, 97.5])
    return float(lo), float(hi)


# --------------------------------------------------------------------------- groups
def population_groups(g: Genotypes) -> list[tuple[str, np.ndarray]]:
    """``[(name, mask)]`` for each population (sorted by name), without the pooled 'all'.

    Parameters
    ----------
    g : Genotypes with ``populations`` (n_individuals,) or None (no populations: ``[]``).

    Returns
    -------
    list of (str, bool array (n_individuals,))
    """
    if g.populations is None:
        return []
    pops = np.asarray(g.populations, dtype=str)
    names = sorted(set(pops.tolist()))
    if ALL in names:
        raise InputError(f"population name '{ALL}' is reserved for the pooled sample; "
                         "rename that population")
    if "" in names:
        raise InputError(f"{int((pops == '').sum())} individual(s) have an empty population")
    return [(name, pops == name) for name in names]


def assign_populations(g: Genotypes, table: pd.DataFrame, column: str, path=None) -> Genotypes:
    """Attach populations from a table with ``individual_id`` or ``sample_id`` and ``column``.

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2).
    table : one row per individual (or sample), with ``_line`` for messages when read from a
        file.
    column : the population column of ``table``.
    path : the file ``table`` came from, for messages.

    Returns
    -------
    Genotypes with ``populations`` set.

    Raises
    ------
    InputError naming the ids of individuals the table does not cover, conflicting or
    empty populations, or the reserved name 'all'.
    """
    cands = [c for c in ("individual_id", "sample_id") if c in table.columns]
    if not cands:
        raise InputError("expected an id column 'individual_id' or 'sample_id'", path, 1)
    # the id column that names the most genotyped individuals (individual_id first on ties)
    hits = [np.isin(g.samples, table[c].astype(str).to_numpy()).sum() for c in cands]
    id_col = cands[int(np.argmax(hits))]
    if column not in table.columns:
        raise InputError(f"no column '{column}' (population column); columns are "
                         f"{', '.join(c for c in table.columns if c != '_line')}", path, 1,
                         column)
    ids = table[id_col].astype(str).to_numpy()
    vals = table[column].astype(str).to_numpy()
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        conflicting = pd.DataFrame({"id": ids[dup], "v": vals[dup]}).groupby("id")["v"].nunique()
        bad = conflicting[conflicting > 1]
        if len(bad):
            first = bad.index[0]
            line = table["_line"].to_numpy()[ids == first][-1] if "_line" in table else None
            raise InputError(f"{id_col} '{first}' has different values of '{column}'", path,
                             int(line) if line is not None else None, column)
    if ALL in vals:
        line = table["_line"].to_numpy()[vals == ALL][0] if "_line" in table else None
        raise InputError(f"population name '{ALL}' is reserved for the pooled sample; rename "
                         "that population", path, int(line) if line is not None else None,
                         column)
    mapping = dict(zip(ids, vals, strict=True))
    missing = [s for s in g.samples if s not in mapping]
    if missing:
        raise InputError(f"{len(missing)} genotyped individual(s) not in the population table "
                         f"(column {id_col}): {', '.join(missing[:5])}"
                         + (" ..." if len(missing) > 5 else ""), path)
    empty = [s for s in g.samples if mapping[s] in ("", "NA", "nan")]
    if empty:
        raise InputError(f"'{column}' is empty for {len(empty)} individual(s): "
                         f"{', '.join(empty[:5])}", path, None, column)
    return g.with_populations([mapping[s] for s in g.samples])


def individual_populations(sample_individual: pd.DataFrame, samples: pd.DataFrame, by: str,
                           period_years: int = 4) -> pd.DataFrame:
    """One population per identified animal, from where and when its samples were found.

    ``by='site'``: the site where the animal left most samples (ties: the site of its first
    sample). ``by='period'``: the period of its first detection, in blocks of
    ``period_years`` from the first year of the study (e.g. ``2017-2020``): a partition of the
    animals, so early- and late-detected animals can be compared (He, Ar, F_ST), which
    tells whether diversity is falling among the animals that joined the population later.

    Parameters
    ----------
    sample_individual : ``sample_id, individual_id`` (rows without an animal are skipped).
    samples : the sample sheet (``sample_id, date, site``).
    by : ``'site'`` or ``'period'``.
    period_years : length of the periods.

    Returns
    -------
    DataFrame ``individual_id, population``, one row per animal with a dated sample.
    """
    if by not in ("site", "period"):
        raise ValueError(f"by must be 'site' or 'period', not {by!r}")
    if period_years < 1:
        raise InputError(f"the period length (period_years) must be at least 1 year, "
                         f"got {period_years}")
    si = sample_individual[["sample_id", "individual_id"]].astype(str)
    si = si[~si["individual_id"].isin(["", "NA", "nan"])]
    df = si.merge(samples[["sample_id", "date", "site"]], on="sample_id", how="inner")
    df = df.sort_values(["individual_id", "date", "sample_id"], kind="stable")
    if by == "site":
        counts = df.groupby(["individual_id", "site"], sort=False).size().rename("n").reset_index()
        first = df.drop_duplicates("individual_id")[["individual_id", "site"]]
        counts = counts.merge(first.assign(first=1), on=["individual_id", "site"], how="left")
        counts["first"] = counts["first"].fillna(0)
        counts = counts.sort_values(["individual_id", "n", "first"], ascending=[True, False, False],
                                    kind="stable")
        pop = counts.drop_duplicates("individual_id")[["individual_id", "site"]]
        return pop.rename(columns={"site": "population"}).reset_index(drop=True)
    year0 = int(df["date"].dt.year.min())
    first_year = df.groupby("individual_id", sort=True)["date"].min().dt.year
    start = year0 + (first_year.to_numpy() - year0) // period_years * period_years
    labels = [f"{a}-{a + period_years - 1}" for a in start]
    return pd.DataFrame({"individual_id": first_year.index.to_numpy(), "population": labels})


def yearly_diversity(g: Genotypes, detections: pd.DataFrame, exclude=("AMEL",)) -> pd.DataFrame:
    """Diversity of the animals detected each year (years overlap in animals, so each year is
    computed on its own rather than as a population of a partition).

    Per year: ``n_individuals``, mean over loci of Ho and of unbiased He (Nei 1987) with their
    standard errors over loci, and allelic richness rarefied (El Mousadik & Petit 1996) to one
    common size for all years, ``rarefaction_size`` = the smallest number of gene copies typed
    at any locus in any year with at least 2 animals, so years are comparable (as hierfstat
    does across populations).

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2).
    detections : ``year, individual_id``, the animals detected each year.
    exclude : loci left out (the sex marker).

    Returns
    -------
    DataFrame, one row per year: ``year, n_individuals, n_loci, mean_ho, mean_ho_se,
    mean_he_unbiased, mean_he_unbiased_se, mean_ar, mean_ar_se, rarefaction_size, note``.
    """
    g = g.without_loci(exclude)
    k = max((len(a) for a in g.alleles), default=1)
    det = detections[["year", "individual_id"]].drop_duplicates()
    years = sorted(int(y) for y in det["year"].unique())
    tallies = {}
    for y in years:  # one pass per year (a handful), vectorised over animals and loci
        ids = set(det.loc[det["year"] == y, "individual_id"].astype(str))
        mask = np.isin(g.samples, list(ids))
        if mask.sum() >= 2:
            tallies[y] = (int(mask.sum()), *allele_tallies(g.calls[mask], k))
    sizes = [2 * t[1][t[1] > 0].min() for t in tallies.values() if (t[1] > 0).any()]
    size = float(min(sizes)) if sizes else np.nan
    rows = []
    for y in years:
        if y not in tallies:
            rows.append({"year": y, "n_individuals": int(np.isin(
                g.samples, list(det.loc[det["year"] == y, "individual_id"].astype(str))).sum()),
                "note": "fewer than 2 genotyped animals"})
            continue
        n_ind, n_typed, counts, _, n_het = tallies[y]
        ok = n_typed > 1
        ho = n_het[ok] / n_typed[ok]
        he = unbiased_expected_heterozygosity(frequencies_from_counts(counts[ok]), n_typed[ok])
        ar = rarefied_richness(counts[ok], size)
        rows.append({"year": y, "n_individuals": n_ind, "n_loci": int(ok.sum()),
                     "mean_ho": ho.mean(), "mean_ho_se": _se(ho),
                     "mean_he_unbiased": he.mean(), "mean_he_unbiased_se": _se(he),
                     "mean_ar": np.nanmean(ar), "mean_ar_se": _se(ar[np.isfinite(ar)]),
                     "rarefaction_size": size, "note": ""})
    return pd.DataFrame(rows)


def _se(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan


# --------------------------------------------------------------------------- per locus
def _group_locus_stats(g: Genotypes, mask: np.ndarray, K: int) -> dict:
    sub = g.calls[mask]
    n, counts, hc, nhet = allele_tallies(sub, K)
    nf = n.astype(float)
    p = frequencies_from_counts(counts)  # NaN rows where no one is typed
    he = expected_heterozygosity(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        ho = np.where(n > 0, nhet / nf, np.nan)
    he_u = unbiased_expected_heterozygosity(p, n)
    return {"n": n, "counts": counts, "het_carriers": hc, "n_het": nhet, "he": he, "ho": ho,
            "he_unbiased": he_u}


def _hwe_for_group(sub_calls, st, seed, gi, n_monte_carlo, max_tables):
    L = sub_calls.shape[1]
    n_alleles = (st["counts"] > 0).sum(axis=1)
    out = {k: np.full(L, np.nan) for k in ("p", "p_deficit", "p_excess")}
    method = np.array(["none"] * L, dtype=object)
    bi = (n_alleles == 2) & (st["n"] >= 2)
    if bi.any():
        # biallelic loci, vectorised over loci (the SNP path): Wigginton et al. 2005
        c = st["counts"][bi]
        first = np.argmax(c > 0, axis=1)
        sub = sub_calls[:, bi, :]
        typed = sub[..., 0] >= 0
        hom = typed & (sub[..., 0] == sub[..., 1])
        hom1 = (hom & (sub[..., 0] == first[None, :])).sum(axis=0)
        hom2 = hom.sum(axis=0) - hom1
        p, lo, hi = snp_hwe_exact(st["n_het"][bi], hom1, hom2)
        out["p"][bi], out["p_deficit"][bi], out["p_excess"][bi] = p, lo, hi
        method[bi] = "exact_biallelic"
    for j in np.flatnonzero((n_alleles > 2) & (st["n"] >= 2)):  # per multi-allelic locus
        res = hwe_exact(sub_calls[:, j, :], n_monte_carlo=n_monte_carlo,
                        seed=[int(seed), gi, int(j)], max_tables=max_tables)
        for k in ("p", "p_deficit", "p_excess"):
            out[k][j] = res[k]
        method[j] = res["method"] if res["method"] != "monte_carlo" else (
            f"monte_carlo_{res['n_draws']}")
    return out, method


@dataclass
class DiversityResult:
    """The diversity tables (see :mod:`leogen.popgen.outputs`)."""

    per_locus: pd.DataFrame
    summary: pd.DataFrame
    pairwise_fst: pd.DataFrame
    ld: pd.DataFrame
    allele_freqs: pd.DataFrame


def per_locus_table(g: Genotypes, n_monte_carlo: int = 10000, seed: int = 1,
                    null_threshold: float = 0.05, max_tables: int = 20000,
                    rarefaction: str = "locus", fstats: dict | None = None):
    """The per-locus table (one row per population and locus, then the pooled 'all' rows).

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2), populations optional.
    n_monte_carlo, seed, max_tables : of the HWE tests (:func:`leogen.popgen.hwe.hwe_exact`).
    null_threshold : Brookfield null-allele frequency above which a locus is flagged.
    rarefaction : ``'locus'`` or ``'global'`` (see the module docstring).
    fstats : :func:`population_fstats` of the populations (computed when None and there are
        2 or more populations).

    Returns
    -------
    (table, stats, groups, all_groups)
        ``table`` the per-locus table ((n_populations + 1) n_loci rows), ``stats`` the
        per-group arrays the summary uses, ``groups`` :func:`population_groups` and
        ``all_groups`` the same plus the pooled 'all'.
    """
    groups = population_groups(g)
    all_groups = groups + [(ALL, np.ones(g.n_samples, dtype=bool))]
    K = max((len(a) for a in g.alleles), default=1)
    L = g.n_loci
    stats = {name: _group_locus_stats(g, mask, K) for name, mask in all_groups}
    # rarefaction size: smallest 2N over the populations with >= 2 typed individuals
    base = [name for name, _ in groups] or [ALL]
    twon = np.array([2 * stats[name]["n"] for name in base], dtype=float)
    twon[twon < 4] = np.nan
    with np.errstate(invalid="ignore"):
        gsize = np.nanmin(np.where(np.isnan(twon), np.inf, twon), axis=0)
    gsize[~np.isfinite(gsize)] = np.nan
    if rarefaction == "global":
        gsize = np.full(L, np.nanmin(gsize) if np.isfinite(gsize).any() else np.nan)
    elif rarefaction != "locus":
        raise ValueError(f"rarefaction must be 'locus' or 'global', not {rarefaction!r}")
    present = {name: stats[name]["counts"] > 0 for name, _ in groups}
    if fstats is None and len(groups) >= 2:
        fstats = population_fstats(g, groups, n_bootstraps=0)
    nan_l = np.full(L, np.nan)
    frames = []
    for gi, (name, mask) in enumerate(all_groups):
        st = stats[name]
        n = st["n"]
        notes = [[] for _ in range(L)]
        n_alleles = (st["counts"] > 0).sum(axis=1)
        ar = rarefied_richness(st["counts"], gsize)
        ar[n < 2] = np.nan
        if len(groups) >= 2 and name != ALL:
            others = np.zeros_like(present[name])
            for o, _ in groups:
                if o != name:
                    others |= present[o]
            priv = (present[name] & ~others).sum(axis=1).astype(float)
            priv[n == 0] = np.nan
        else:
            priv = np.full(L, np.nan)
        he, ho, he_u = st["he"], st["ho"], st["he_unbiased"]
        c, bc = fis_components(n, he, ho)
        with np.errstate(invalid="ignore", divide="ignore"):
            fis = np.where((n >= 2) & (n_alleles >= 2), 1 - c / bc, np.nan)
            brook = (he_u - ho) / (1 + he_u)
            chak = (he_u - ho) / (he_u + ho)
        mono = n_alleles < 2
        brook[mono] = np.nan
        chak[mono] = np.nan
        hwe, method = _hwe_for_group(g.calls[mask], st, seed, gi, n_monte_carlo, max_tables)
        for j in range(L):
            if n[j] == 0:
                notes[j].append("no typed individuals")
            elif n[j] < 2:
                notes[j].append("fewer than 2 typed individuals")
            elif mono[j]:
                notes[j].append("monomorphic")
            if n[j] >= 2 and np.isnan(gsize[j]):
                notes[j].append("no population has 2 or more typed individuals to rarefy to")
        if len(groups) < 2:
            for j in range(L):
                notes[j].append("private alleles need 2 or more populations")
        elif name == ALL:
            for j in range(L):
                notes[j].append("private alleles not defined for the pooled sample")
        flag = pd.array(np.where(np.isnan(brook), None, brook > null_threshold), dtype="boolean")
        frames.append(pd.DataFrame({
            "locus": g.loci, "population": name, "n_typed": n, "n_alleles": n_alleles,
            "allelic_richness": ar, "rarefaction_size": gsize, "private_alleles": priv,
            "ho": ho, "he": he, "he_unbiased": he_u, "fis": fis,
            "hwe_p": hwe["p"], "hwe_p_deficit": hwe["p_deficit"],
            "hwe_p_excess": hwe["p_excess"], "hwe_q_bh": bh_qvalues(hwe["p"]),
            "hwe_method": method,
            "null_allele_freq": brook, "null_allele_brookfield": brook,
            "null_allele_chakraborty": chak, "null_allele_flag": flag,
            **_fstat_columns(fstats, name, gi, nan_l),
            "note": ["; ".join(x) for x in notes]}))
        st.update({"c": c, "bc": bc, "ar": ar, "n_alleles": n_alleles, "hwe_p": hwe["p"],
                   "hwe_q": bh_qvalues(hwe["p"]),
                   "flag": flag})
    table = pd.concat(frames, ignore_index=True)[PER_LOCUS_COLUMNS]
    table["private_alleles"] = table["private_alleles"].astype("Int64")
    table["rarefaction_size"] = table["rarefaction_size"].astype("Int64")
    return table, stats, groups, all_groups


def _fstat_columns(fstats, name, gi, nan_l) -> dict:
    """The F_ST / Nei columns of one group's per-locus rows (NaN without populations)."""
    cols = {k: nan_l for k in FSTAT_LOCUS_COLUMNS}
    if fstats is None:
        return cols
    per = fstats["per_locus"]
    if name == ALL:
        cols.update({k: per[k] for k in FSTAT_LOCUS_COLUMNS})
    else:
        cols["hs_nei"] = per["hs_pop"][gi]
    return cols


def _mean_se(x):
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.nan, np.nan
    se = x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else np.nan
    return float(x.mean()), float(se)


# --------------------------------------------------------------------------- F_ST
def wc84_sigmas(n, counts, hets):
    """Weir & Cockerham (1984) variance components per allele as hierfstat ``wc()``
    computes them, from the ANOVA mean squares of gene indicators, with populations that
    have no typed individual at a locus left out of that locus (r, nt, n_c over the
    populations present).

    With r present populations, nt typed individuals, p_i, n_i, h_i (heterozygous carriers)
    and hom_i = (2 n_i p_i - h_i) / 2 (homozygotes) per population:
    ``MSG = sum h_i / (2 nt)``, ``MSI = sum (n_i p_i - 2 n_i p_i^2 + hom_i) / (nt - r)``,
    ``MSP = 2 sum n_i (p_i - pbar)^2 / (r - 1)``, ``n_c = (nt - sum n_i^2 / nt) / (r - 1)``;
    ``sigma_w = MSG`` (WC84's c), ``sigma_b = (MSI - MSG) / 2`` (b),
    ``sigma_a = (MSP - MSI) / (2 n_c)`` (a). With every population present these equal
    :func:`wc84_components`.

    Parameters
    ----------
    n : array (..., r)
        Typed individuals per population (0 = not typed at this locus: left out).
    counts : array (..., r, n_alleles)
        Allele copies per population.
    hets : array (..., r, n_alleles)
        Heterozygous individuals carrying each allele.

    Returns
    -------
    siga, sigb, sigw : float arrays (..., n_alleles)
        ``siga`` is NaN where fewer than 2 populations are typed (hierfstat then counts only
        ``sigb, sigw`` of that locus); non-finite values of degenerate loci are NaN.
    r_present : int array (...)
        Populations typed.

    Examples
    --------
    >>> a, b, w, r = wc84_sigmas(np.array([10, 10, 0]),
    ...                          np.array([[15, 5], [5, 15], [0, 0]]),
    ...                          np.array([[4, 4], [6, 6], [0, 0]]))
    >>> round(float(a.sum() / (a + b + w).sum()), 4), int(r)  # as wc84_components, pop 3 out
    (0.3778, 2)
    """
    n = np.asarray(n, dtype=float)
    counts = np.asarray(counts, dtype=float)
    hets = np.asarray(hets, dtype=float)
    present = n > 0
    rp = present.sum(axis=-1)
    nt = n.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(present[..., None], counts / (2 * n[..., None]), 0.0)
        pbar = counts.sum(axis=-2) / (2 * nt[..., None])
        nc = (nt - (n ** 2).sum(axis=-1) / nt) / (rp - 1)
        msg = hets.sum(axis=-2) / (2 * nt[..., None])
        hom = (counts - hets) / 2
        ssi = (n[..., None] * p - 2 * n[..., None] * p ** 2 + hom).sum(axis=-2)
        msi = ssi / (nt - rp)[..., None]
        ssp = 2 * (n[..., None] * (p - pbar[..., None, :]) ** 2).sum(axis=-2)
        msp = ssp / (rp - 1)[..., None]
        sigw = msg
        sigb = 0.5 * (msi - msg)
        siga = (msp - msi) / (2 * nc[..., None])
    fin = [np.where(np.isfinite(v), v, np.nan) for v in (siga, sigb, sigw)]
    fin[0] = np.where((rp >= 2)[..., None], fin[0], np.nan)
    return fin[0], fin[1], fin[2], rp


def wc84_locus_sums(calls: np.ndarray, membership: np.ndarray, n_alleles: int,
                    chunk_cells: int = 4_000_000):
    """Per-locus sums over alleles of the WC84 components (:func:`wc84_sigmas`), vectorised
    over loci (in chunks) and over memberships (permutations on the leading axes).

    Parameters
    ----------
    calls : int array (n_individuals, n_loci, 2), -1 missing.
    membership : 0/1 array (..., r, n_individuals).
    n_alleles : alleles per locus at most.

    Returns
    -------
    a, b, w : float arrays (..., n_loci)
        Sums over alleles of sigma_a (NaN where fewer than 2 populations are typed at the
        locus), sigma_b and sigma_w (NaN where nobody is typed).
    r_present : int array (..., n_loci)
        Populations typed at each locus.
    """
    K = max(int(n_alleles), 1)
    M = np.asarray(membership, dtype=float)
    lead = M.shape[:-2]
    L = calls.shape[1]
    a_out = np.full(lead + (L,), np.nan)
    b_out = np.full(lead + (L,), np.nan)
    w_out = np.full(lead + (L,), np.nan)
    r_out = np.zeros(lead + (L,), dtype=int)
    per_locus = max(1, int(np.prod(lead, dtype=np.int64)) * M.shape[-2] * K)
    step = max(1, chunk_cells // per_locus)
    ks = np.arange(K)
    for s0 in range(0, L, step):  # chunks of loci
        c = calls[:, s0:s0 + step, :]
        typed = c[..., 0] >= 0
        x = (c[..., None] == ks).sum(axis=2).astype(float)  # (n, Lc, K) allele copies
        h = (x == 1).astype(float)  # heterozygous carriers
        n = np.moveaxis(M @ typed.astype(float), -2, -1)  # (..., Lc, r)
        cnt = np.moveaxis(np.einsum("...rn,nlk->...rlk", M, x), -3, -2)  # (..., Lc, r, K)
        het = np.moveaxis(np.einsum("...rn,nlk->...rlk", M, h), -3, -2)
        sa, sb, sw, rp = wc84_sigmas(n, cnt, het)
        any_typed = rp >= 1
        sl = slice(s0, s0 + c.shape[1])
        a_out[..., sl] = np.where(rp >= 2, np.nansum(sa, axis=-1), np.nan)
        b_out[..., sl] = np.where(any_typed, np.nansum(sb, axis=-1), np.nan)
        w_out[..., sl] = np.where(any_typed, np.nansum(sw, axis=-1), np.nan)
        r_out[..., sl] = rp
    return a_out, b_out, w_out, r_out


def wc_fst_multilocus(calls: np.ndarray, membership: np.ndarray, n_alleles: int,
                      chunk_cells: int = 4_000_000):
    """Multilocus WC84 theta for r populations, vectorised over loci (in chunks) and over
    permutations, as hierfstat ``wc()``: a population without typed individuals at a locus
    is left out of that locus's components and the locus is kept;
    ``theta = sum a / sum (a + b + c)`` over alleles and loci, a locus typed in a single
    population adding its b and c only (hierfstat's sums with ``na.rm``).

    Parameters
    ----------
    calls : int array (n_individuals, n_loci, 2).
    membership : 0/1 array (..., r, n_individuals) (several permutations at once on the
        leading axes).
    n_alleles : alleles per locus at most.

    Returns
    -------
    (theta, sum_a, sum_abc, n_loci_used)
        ``n_loci_used`` counts the loci typed in at least 2 populations for every
        membership given.
    """
    a, b, w, rp = wc84_locus_sums(calls, membership, n_alleles, chunk_cells)
    sa = np.nansum(a, axis=-1)
    sabc = sa + np.nansum(b, axis=-1) + np.nansum(w, axis=-1)
    used = int((rp >= 2).reshape(-1, rp.shape[-1]).all(axis=0).sum()) if rp.size else 0
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = sa / sabc
    return theta, sa, sabc, used


def wc84_fstats(a, b, w) -> dict:
    """WC84 F-statistics from per-locus component sums (hierfstat ``wc()``, Weir &
    Cockerham 1984 eq. 10): ``F_ST = sum a / sum (a + b + c)``, ``F_IS = sum b / sum (b + c)``
    (the within-population f), ``F_IT = sum (a + b) / sum (a + b + c)``.

    Parameters
    ----------
    a, b, w : float arrays (n_loci,) (or (n_loci, ...) when given per resampling), NaN
        where undefined (left out of the sums, as hierfstat's ``na.rm``).

    Returns
    -------
    dict with ``fst, fis, fit`` (float or arrays).

    Examples
    --------
    >>> f = wc84_fstats(np.array([0.1, 0.0]), np.array([0.05, 0.1]), np.array([0.3, 0.4]))
    >>> {k: round(float(v), 4) for k, v in f.items()}
    {'fst': 0.1053, 'fis': 0.1765, 'fit': 0.2632}
    """
    sa, sb, sw = (np.nansum(v, axis=0) for v in (a, b, w))
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = sa + sb + sw
        return {"fst": sa / tot, "fis": sb / (sb + sw), "fit": (sa + sb) / tot}


def nei_stats(n, counts, n_het) -> dict:
    """Nei's gene diversities and differentiation per locus as hierfstat ``basic.stats``
    computes them (Nei 1987; Nei & Chesser 1983 small-sample corrections), and Jost's (2008)
    D, over the populations typed at each locus.

    Per population i: ``Hs_i = n_i/(n_i - 1) (1 - sum p^2 - Ho_i / (2 n_i))``. Per locus,
    over the ``np`` populations typed, with ``n~`` the harmonic mean of n_i, ``Ho`` the mean
    Ho_i, and ``pbar`` the unweighted mean of the p_i:
    ``Hs = n~/(n~ - 1) (1 - mean(sum p^2) - Ho / (2 n~))``,
    ``Ht = 1 - sum pbar^2 + Hs / (n~ np) - Ho / (2 n~ np)``, ``Dst = Ht - Hs``,
    ``Dst' = np/(np - 1) Dst``, ``Ht' = Hs + Dst'``, ``G_ST = Dst / Ht``,
    ``G'_ST = Dst' / Ht'``, ``D = Dst' / (1 - Hs)`` (hierfstat's Dest).

    Parameters
    ----------
    n : int array (r, n_loci)
        Typed individuals per population and locus.
    counts : array (r, n_loci, n_alleles)
        Allele copies.
    n_het : array (r, n_loci)
        Heterozygous individuals.

    Returns
    -------
    dict of float arrays: ``hs_pop`` (r, n_loci) and per locus (n_loci,) ``ho, hs, ht,
    dst, dstp, htp, gst, gstp, jost_d, n_pops``; non-finite values are NaN (as hierfstat).

    Examples
    --------
    >>> s = nei_stats(np.array([[2], [2]]), np.array([[[4, 0]], [[0, 4]]]),
    ...               np.array([[0], [0]]))
    >>> [round(float(s[k][0]), 4) for k in ("hs", "ht", "gst", "jost_d")]
    [0.0, 0.5, 1.0, 1.0]
    """
    n = np.asarray(n, dtype=float)
    counts = np.asarray(counts, dtype=float)
    n_het = np.asarray(n_het, dtype=float)
    present = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / (2 * n[..., None])
        sp2 = np.where(present, (p ** 2).sum(axis=-1), np.nan)
        ho_pop = np.where(present, n_het / n, np.nan)
        hs_pop = n / (n - 1) * (1 - sp2 - ho_pop / 2 / n)
        n_pops = present.sum(axis=0).astype(float)
        mn = n_pops / np.where(present, 1 / n, 0.0).sum(axis=0)
        msp2 = np.where(present, sp2, 0.0).sum(axis=0) / n_pops
        mp = np.where(present[..., None], p, 0.0).sum(axis=0) / n_pops[:, None]
        mp2 = (mp ** 2).sum(axis=-1)
        mho = np.where(present, ho_pop, 0.0).sum(axis=0) / n_pops
        hs = mn / (mn - 1) * (1 - msp2 - mho / 2 / mn)
        ht = 1 - mp2 + hs / mn / n_pops - mho / 2 / mn / n_pops
        dst = ht - hs
        dstp = n_pops / (n_pops - 1) * dst
        htp = hs + dstp
        out = {"hs_pop": hs_pop, "ho": mho, "hs": hs, "ht": ht, "dst": dst, "dstp": dstp,
               "htp": htp, "gst": dst / ht, "gstp": dstp / htp, "jost_d": dstp / (1 - hs)}
    out = {k: np.where(np.isfinite(v), v, np.nan) for k, v in out.items()}
    out["n_pops"] = n_pops
    return out


def nei_overall(st: dict) -> dict:
    """hierfstat ``basic.stats``'s ``overall``: means over loci of each per-locus column
    (loci where it is defined), then ``G_ST = mean Dst / mean Ht``,
    ``G'_ST = mean Dst' / mean Ht'`` and ``D = mean Dst' / (1 - mean Hs)``.

    Parameters
    ----------
    st : :func:`nei_stats` output (arrays (n_loci,), or (n_loci, n_resamplings) weighted
        copies); only ``hs, ht, dst, dstp, htp`` are used.

    Returns
    -------
    dict ``hs, ht, gst, gstp, jost_d``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        m = {k: np.nansum(st[k], axis=0) / np.isfinite(st[k]).sum(axis=0)
             for k in ("hs", "ht", "dst", "dstp", "htp")}
        return {"hs": m["hs"], "ht": m["ht"], "gst": m["dst"] / m["ht"],
                "gstp": m["dstp"] / m["htp"], "jost_d": m["dstp"] / (1 - m["hs"])}


def bootstrap_loci(columns: dict, statistic, n_bootstraps: int, seed, keep=None):
    """Percentile interval (2.5, 97.5) of a multilocus statistic, resampling loci.

    Parameters
    ----------
    columns : {name: float array (n_loci,)}, per-locus values (NaN where undefined).
    statistic : function of {name: array (n_loci, n_bootstraps)} (each resampled locus
        repeated as often as drawn, columns are resamplings) returning (n_bootstraps,).
    n_bootstraps : resamplings of the loci, with replacement.
    seed : seed of the resampling.
    keep : bool array (n_loci,), the loci resampled (default all).

    Returns
    -------
    (lo, hi) : floats, NaN with fewer than 2 loci kept.
    """
    L = len(next(iter(columns.values())))
    keep = np.ones(L, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    idx_keep = np.flatnonzero(keep)
    if idx_keep.size < 2 or n_bootstraps < 1:
        return np.nan, np.nan
    rng = np.random.default_rng(seed)
    draw = idx_keep[rng.integers(0, idx_keep.size, size=(idx_keep.size, n_bootstraps))]
    res = {k: np.asarray(v, dtype=float)[draw] for k, v in columns.items()}
    est = np.asarray(statistic(res), dtype=float)
    est = est[np.isfinite(est)]
    if est.size == 0:
        return np.nan, np.nan
    lo, hi = np.percentile(est, [2.5, 97.5])
    return float(lo), float(hi)


def population_fstats(g: Genotypes, groups, n_bootstraps: int = 1000, seed=1) -> dict:
    """WC84 F_ST, F_IS, F_IT and Nei's G_ST, Hs, Ht and Jost's D over the populations,
    per locus and multilocus, with percentile intervals from resampling loci.

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2).
    groups : :func:`population_groups` (2 or more).
    n_bootstraps : resamplings of loci.
    seed : seed of the resampling.

    Returns
    -------
    dict with ``per_locus`` (dict of (n_loci,) arrays ``fst_wc, fis_wc, fit_wc, hs_nei,
    ht_nei, gst_nei, jost_d``, and ``hs_pop`` (r, n_loci)) and ``summary`` (dict of floats
    ``fst_wc[_lo|_hi], fis_wc.., fit_wc.., n_loci_fst, hs_nei, ht_nei, gst_nei.., jost_d..``).
    """
    K = max((len(a) for a in g.alleles), default=1)
    memb = np.stack([m for _, m in groups]).astype(float)
    a, b, w, rp = wc84_locus_sums(g.calls, memb, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = np.nan_to_num(a) + b + w
        per = {"fst_wc": np.where(rp >= 2, a / tot, np.nan), "fis_wc": b / (b + w),
               "fit_wc": np.where(rp >= 2, (a + b) / tot, np.nan)}
    per = {k: np.where(np.isfinite(v), v, np.nan) for k, v in per.items()}
    tallies = [allele_tallies(g.calls[m], K) for _, m in groups]
    nei = nei_stats(np.stack([t[0] for t in tallies]), np.stack([t[1] for t in tallies]),
                    np.stack([t[3] for t in tallies]))
    per.update({"hs_nei": nei["hs"], "ht_nei": nei["ht"], "gst_nei": nei["gst"],
                "jost_d": nei["jost_d"], "hs_pop": nei["hs_pop"]})
    f = wc84_fstats(a, b, w)
    summ = {"fst_wc": f["fst"], "fis_wc": f["fis"], "fit_wc": f["fit"],
            "n_loci_fst": int((rp >= 2).sum())}
    informative = np.isfinite(tot) & (tot != 0)
    for k, name in enumerate(("fst", "fis", "fit")):
        lo, hi = bootstrap_loci({"a": a, "b": b, "w": w},
                                lambda c, name=name: wc84_fstats(c["a"], c["b"], c["w"])[name],
                                n_bootstraps, [int(seed), 101, k], informative)
        summ[f"{name}_wc_lo"], summ[f"{name}_wc_hi"] = lo, hi
    ov = nei_overall(nei)
    summ.update({"hs_nei": ov["hs"], "ht_nei": ov["ht"], "gst_nei": ov["gst"],
                 "jost_d": ov["jost_d"]})
    cols = {k: nei[k] for k in ("hs", "ht", "dst", "dstp", "htp")}
    for k, name in enumerate(("gst", "jost_d")):
        lo, hi = bootstrap_loci(cols, lambda c, name=name: nei_overall(c)[name], n_bootstraps,
                                [int(seed), 102, k], np.isfinite(nei["ht"]))
        key = "gst_nei" if name == "gst" else name
        summ[f"{key}_lo"], summ[f"{key}_hi"] = lo, hi
    summ = {k: (float(v) if np.isfinite(v) else np.nan) if k != "n_loci_fst" else v
            for k, v in summ.items()}
    return {"per_locus": per, "summary": summ}


def pairwise_fst(g: Genotypes, groups, n_permutations: int = 1000, seed: int = 1) -> pd.DataFrame:
    """WC84 theta for each pair of populations with a permutation p-value (see module doc).

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2).
    groups : :func:`population_groups`.
    n_permutations : permutations of individuals between the two populations.
    seed : random seed (pair (i, j) uses ``(seed, i, j)``).

    Returns
    -------
    DataFrame, one row per pair of populations (``pairwise_fst.tsv``).
    """
    K = max((len(a) for a in g.alleles), default=1)
    rows = []
    bar = progress(total=len(groups) * (len(groups) - 1) // 2, unit="pairs of populations",
                   desc=f"pairwise F_ST ({n_permutations} permutations per pair)")
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            bar.update()
            (n1n, m1), (n2n, m2) = groups[i], groups[j]
            idx = np.concatenate([np.flatnonzero(m1), np.flatnonzero(m2)])
            n1, n2 = int(m1.sum()), int(m2.sum())
            row = {"pop1": n1n, "pop2": n2n, "n1": n1, "n2": n2, "n_loci": 0,
                   "fst_wc": np.nan, "p_value": np.nan, "n_permutations": n_permutations,
                   "note": ""}
            if n1 < 2 or n2 < 2:
                row["note"] = "a population has fewer than 2 individuals"
                rows.append(row)
                continue
            calls = g.calls[idx]
            obs = np.zeros((2, n1 + n2))
            obs[0, :n1] = 1
            obs[1, n1:] = 1
            theta, _, _, used = wc_fst_multilocus(calls, obs, K)
            row["n_loci"] = used
            row["fst_wc"] = float(theta)
            if used == 0 or not np.isfinite(theta):
                row["note"] = "no locus typed in both populations" if used == 0 else (
                    "all loci monomorphic")
                row["fst_wc"] = np.nan
            elif n_permutations > 0:
                rng = np.random.default_rng([int(seed), i, j])
                exceed = 0
                step = 500
                for s in range(0, n_permutations, step):
                    m = min(step, n_permutations - s)
                    ranks = np.argsort(rng.random((m, n1 + n2)), axis=1)
                    first = np.zeros((m, n1 + n2))
                    np.put_along_axis(first, ranks[:, :n1], 1.0, axis=1)
                    memb = np.stack([first, 1 - first], axis=1)
                    tp, _, _, _ = wc_fst_multilocus(calls, memb, K)
                    exceed += int((tp >= theta - 1e-12).sum())
                row["p_value"] = (1 + exceed) / (1 + n_permutations)
            rows.append(row)
    bar.close()
    return pd.DataFrame(rows, columns=FST_COLUMNS)


# --------------------------------------------------------------------------- summary
def summary_table(g, stats, groups, all_groups, n_bootstraps=1000, seed=1, alpha=0.05,
                  fstats: dict | None = None):
    """Population-level means over loci (with SE), multilocus F_IS with bootstrap CI; on
    the 'all' row the WC84 F_ST, F_IS, F_IT and Nei's Hs, Ht, G_ST and Jost's D over the
    populations (:func:`population_fstats`) with bootstrap intervals over loci.

    Parameters
    ----------
    g, stats, groups, all_groups : as :func:`per_locus_table` returns them.
    n_bootstraps : resamplings of loci for the intervals.
    seed : random seed.
    alpha : level of the HWE deviation counts.
    fstats : :func:`population_fstats` (computed when None and there are 2 or more
        populations).

    Returns
    -------
    DataFrame, one row per population and the pooled 'all' (``summary.tsv``).
    """
    if fstats is None and len(groups) >= 2:
        fstats = population_fstats(g, groups, n_bootstraps, seed)
    rows = []
    for gi, (name, mask) in enumerate(all_groups):
        st = stats[name]
        typed_loci = st["n"] > 0
        notes = []
        n_ind = int(mask.sum())
        n_ind_typed = int((g.calls[mask][..., 0] >= 0).any(axis=1).sum())
        c, bc = st["c"], st["bc"]
        with np.errstate(invalid="ignore", divide="ignore"):
            fis = 1 - np.nansum(c) / np.nansum(bc) if np.isfinite(bc).any() else np.nan
        if not np.isfinite(fis):
            fis = np.nan
            notes.append("F_IS undefined (fewer than 2 typed individuals or all loci "
                         "monomorphic)")
        lo, hi = bootstrap_ratio(c, bc, n_bootstraps, [int(seed), gi],
                                 transform=lambda x: 1 - x)
        if np.isfinite(fis) and np.isnan(lo):
            notes.append("F_IS bootstrap needs 2 or more informative loci")
        if n_ind < 2:
            notes.append("population of size 1")
        if typed_loci.sum() < 2:
            notes.append("standard errors need 2 or more typed loci")
        if name == ALL and len(groups) < 2:
            notes.append("fst_wc needs 2 or more populations")
        hwe_p = st["hwe_p"]
        fst = np.nan
        extra = {k: np.nan for k in FSTAT_SUMMARY_COLUMNS}
        extra["n_loci_fst"] = 0
        if name == ALL and fstats is not None:
            fst = fstats["summary"]["fst_wc"]
            extra.update({k: fstats["summary"][k] for k in FSTAT_SUMMARY_COLUMNS})
        mn, mn_se = _mean_se(np.where(typed_loci, st["n_alleles"], np.nan))
        ar, ar_se = _mean_se(st["ar"])
        ho, ho_se = _mean_se(st["ho"])
        he, he_se = _mean_se(st["he"])
        hu, hu_se = _mean_se(st["he_unbiased"])
        flag = st["flag"]
        rows.append({
            "population": name, "n_individuals": n_ind, "n_individuals_typed": n_ind_typed,
            "n_loci": int(typed_loci.sum()),
            "n_loci_polymorphic": int((st["n_alleles"] >= 2).sum()),
            "mean_n_alleles": mn, "mean_n_alleles_se": mn_se, "mean_ar": ar,
            "mean_ar_se": ar_se, "mean_ho": ho, "mean_ho_se": ho_se, "mean_he": he,
            "mean_he_se": he_se, "mean_he_unbiased": hu, "mean_he_unbiased_se": hu_se,
            "fis": fis, "fis_lo": lo, "fis_hi": hi, "n_bootstraps": n_bootstraps,
            "n_loci_hwe_tested": int((~np.isnan(hwe_p)).sum()),
            "n_loci_hwe_deviation": int((hwe_p < alpha).sum()),
            "n_loci_hwe_deviation_bh": int((st["hwe_q"] < alpha).sum()),
            "n_loci_null_allele_flag": int(flag.fillna(False).sum()),
            "fst_wc": fst, **extra, "note": "; ".join(notes)})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def allele_frequency_table(g: Genotypes, stats, all_groups) -> pd.DataFrame:
    """Long table of allele counts and frequencies per locus and group (vectorised).

    Parameters
    ----------
    g, stats, all_groups : as :func:`per_locus_table` returns them.

    Returns
    -------
    DataFrame ``locus, population, allele, count, n_typed, freq`` (``allele_freqs.tsv``).
    """
    k = np.array([len(a) for a in g.alleles])
    if k.sum() == 0:
        return pd.DataFrame(columns=FREQ_COLUMNS)
    labels = np.concatenate([np.asarray(a).astype(str) for a in g.alleles])
    locus = np.repeat(g.loci, k)
    frames = []
    for name, _ in all_groups:
        st = stats[name]
        K = st["counts"].shape[1]
        sel = np.arange(K)[None, :] < k[:, None]
        cnt = st["counts"][sel]
        n = np.repeat(st["n"], k)
        with np.errstate(invalid="ignore", divide="ignore"):
            freq = np.where(n > 0, cnt / (2.0 * n), np.nan)
        frames.append(pd.DataFrame({"locus": locus, "population": name, "allele": labels,
                                    "count": cnt, "n_typed": n, "freq": freq}))
    return pd.concat(frames, ignore_index=True)[FREQ_COLUMNS]


# --------------------------------------------------------------------------- driver
def diversity(g: Genotypes, n_permutations: int = 1000, n_bootstraps: int = 1000,
              seed: int = 1, n_hwe_monte_carlo: int = 10000, ld: bool = True,
              null_threshold: float = 0.05, snp_ld_window: int = 10,
              max_ld_loci: int = 200, rarefaction: str = "locus") -> DiversityResult:
    """All diversity tables for a ``Genotypes`` (populations from ``g.populations``).

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2), populations optional.
    n_permutations : for pairwise F_ST and the LD tests.
    n_bootstraps : for the F_IS interval.
    seed : random seed.
    n_hwe_monte_carlo : Monte Carlo draws of HWE tests that are not enumerated.
    ld : compute linkage disequilibrium.
    null_threshold : see :func:`per_locus_table`.
    snp_ld_window : SNP data: r^2 between variants at most this many apart.
    max_ld_loci : above this many loci the windowed SNP method is used.
    rarefaction : see :func:`per_locus_table`.

    Returns
    -------
    DiversityResult

    Raises
    ------
    InputError when there are no loci or no individual typed at any locus.
    """
    if g.n_loci == 0:
        raise InputError("no loci in the genotypes")
    if g.n_samples == 0:
        raise InputError("no individuals in the genotypes")
    if not (g.calls[..., 0] >= 0).any():
        raise InputError("every genotype is missing: nothing to compute")
    groups = population_groups(g)
    step(f"diversity: {g.n_samples} individuals, {g.n_loci} loci, {len(groups) or 1} "
         f"population(s); {n_bootstraps} bootstraps, {n_permutations} permutations")
    fstats = (population_fstats(g, groups, n_bootstraps, seed) if len(groups) >= 2 else None)
    per_locus, stats, groups, all_groups = per_locus_table(
        g, n_monte_carlo=n_hwe_monte_carlo, seed=seed, null_threshold=null_threshold,
        rarefaction=rarefaction, fstats=fstats)
    summary = summary_table(g, stats, groups, all_groups, n_bootstraps=n_bootstraps, seed=seed,
                            fstats=fstats)
    fst = pairwise_fst(g, groups, n_permutations=n_permutations, seed=seed)
    from leogen.popgen import ld as ldmod

    if not ld:
        ld_df = pd.DataFrame(columns=ldmod.LD_COLUMNS)
    elif g.is_snp or g.n_loci > max_ld_loci:
        ld_df = ldmod.snp_ld_windows(g.calls, g.loci, all_groups, window=snp_ld_window)
    else:
        ld_df = ldmod.ld_table(g.calls, g.loci, all_groups, n_permutations=n_permutations,
                               seed=seed)
    freqs = allele_frequency_table(g, stats, all_groups)
    return DiversityResult(per_locus, summary, fst, ld_df, freqs)


# --------------------------------------------------------------------------- stage driver
def run(g: Genotypes, out_dir, populations: pd.DataFrame | None = None,
        population_column: str = "population", group_by: str = "none",
        sample_links: pd.DataFrame | None = None, samples: pd.DataFrame | None = None,
        period_years: int = 4, source=None, plots: bool = False,
        **options) -> DiversityResult:
    """The diversity stage: populations attached, every diversity table computed and written.

    Writes to ``out_dir`` (see :mod:`leogen.popgen.outputs`) ``per_locus.tsv``,
    ``summary.tsv``, ``pairwise_fst.tsv``, ``ld.tsv``, ``allele_freqs.tsv``, with
    ``group_by`` also ``populations.tsv``, and with ``plots`` ``ho_he.png`` and
    ``allele_freqs.png``.

    Parameters
    ----------
    g : one genotype per individual, calls (n_individuals, n_loci, 2).
    out_dir : the diversity results folder (created).
    populations : a table mapping ``individual_id`` or ``sample_id`` to ``population_column``
        (see :func:`assign_populations`), or
    group_by : ``'site'`` or ``'period'``: populations of the animals from their samples
        (:func:`individual_populations` of ``sample_links`` ``sample_id, individual_id`` and
        the sample sheet ``samples``, periods of ``period_years``); ``'none'`` (default) uses
        ``populations``, or one population when that is None too.
    source : the file the populations come from, for error messages.
    plots : also draw the two figures.
    **options : passed to :func:`diversity` (permutations, bootstraps, seed, HWE, LD).

    Returns
    -------
    DiversityResult
    """
    from leogen.popgen.plots import plot_allele_freqs, plot_ho_he

    groups = None
    if group_by != "none":
        groups = individual_populations(sample_links, samples, group_by, period_years)
        g = assign_populations(g, groups.assign(_line=0), "population", source)
    elif populations is not None:
        g = assign_populations(g, populations, population_column, source)
    res = diversity(g, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if groups is not None:
        outputs.POPULATIONS.write(groups, out / outputs.file_name(outputs.POPULATIONS))
    for table, df in ((outputs.PER_LOCUS, res.per_locus), (outputs.SUMMARY, res.summary),
                      (outputs.PAIRWISE_FST, res.pairwise_fst), (outputs.LD, res.ld),
                      (outputs.ALLELE_FREQS, res.allele_freqs)):
        table.write(df, out / outputs.file_name(table))
    if plots:
        plot_ho_he(res.per_locus, out / "ho_he.png")
        plot_allele_freqs(res.allele_freqs, out / "allele_freqs.png")
    return res
