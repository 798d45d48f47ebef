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
  (``wc84_components``, the formulas of their eqs. 2-4 as in scikit-allel
  ``weir_cockerham_fst``; reimplemented here only to vectorise over permutations and checked
  against scikit-allel in the tests), multilocus ``theta = sum a / sum(a + b + c)``.
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

ALL = "all"

PER_LOCUS_COLUMNS = outputs.PER_LOCUS.names
SUMMARY_COLUMNS = outputs.SUMMARY.names
FST_COLUMNS = outputs.PAIRWISE_FST.names
FREQ_COLUMNS = outputs.ALLELE_FREQS.names


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
                    rarefaction: str = "locus"):
    """The per-locus table (one row per population and locus, then the pooled 'all' rows).

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2), populations optional.
    n_monte_carlo, seed, max_tables : of the HWE tests (:func:`leogen.popgen.hwe.hwe_exact`).
    null_threshold : Brookfield null-allele frequency above which a locus is flagged.
    rarefaction : ``'locus'`` or ``'global'`` (see the module docstring).

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
            "note": ["; ".join(x) for x in notes]}))
        st.update({"c": c, "bc": bc, "ar": ar, "n_alleles": n_alleles, "hwe_p": hwe["p"],
                   "hwe_q": bh_qvalues(hwe["p"]),
                   "flag": flag})
    table = pd.concat(frames, ignore_index=True)[PER_LOCUS_COLUMNS]
    table["private_alleles"] = table["private_alleles"].astype("Int64")
    table["rarefaction_size"] = table["rarefaction_size"].astype("Int64")
    return table, stats, groups, all_groups


def _mean_se(x):
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.nan, np.nan
    se = x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else np.nan
    return float(x.mean()), float(se)


# --------------------------------------------------------------------------- F_ST
def wc_fst_multilocus(calls: np.ndarray, membership: np.ndarray, n_alleles: int,
                      chunk_cells: int = 4_000_000):
    """Multilocus WC84 theta for r populations, vectorised over loci (in chunks) and over
    permutations.

    ``membership`` (..., r, n) 0/1 weights (several permutations at once on the leading
    axes). A locus where some population has no typed individual is skipped (contributes
    nothing). Returns ``(theta, sum_a, sum_abc, n_loci_used)``; ``n_loci_used`` counts the
    loci usable for every membership given.
    """
    K = max(int(n_alleles), 1)
    M = np.asarray(membership, dtype=float)
    lead = M.shape[:-2]
    sa = np.zeros(lead)
    sabc = np.zeros(lead)
    used = 0
    L = calls.shape[1]
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
        ok = (n >= 1).all(axis=-1)  # (..., Lc)
        a, b, cc = wc84_components(np.where(ok[..., None], n, 1.0), cnt, het)
        a = np.where(ok[..., None], np.nan_to_num(a), 0.0)
        abc = np.where(ok[..., None], np.nan_to_num(a + b + cc), 0.0)
        sa += a.sum(axis=(-2, -1))
        sabc += abc.sum(axis=(-2, -1))
        used += int(ok.reshape(-1, ok.shape[-1]).all(axis=0).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = sa / sabc
    return theta, sa, sabc, used


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
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
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
    return pd.DataFrame(rows, columns=FST_COLUMNS)


# --------------------------------------------------------------------------- summary
def summary_table(g, stats, groups, all_groups, n_bootstraps=1000, seed=1, alpha=0.05):
    """Population-level means over loci (with SE), multilocus F_IS with bootstrap CI.

    Parameters
    ----------
    g, stats, groups, all_groups : as :func:`per_locus_table` returns them.
    n_bootstraps : resamplings of loci for the F_IS interval.
    seed : random seed.
    alpha : level of the HWE deviation counts.

    Returns
    -------
    DataFrame, one row per population and the pooled 'all' (``summary.tsv``).
    """
    K = max((len(a) for a in g.alleles), default=1)
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
        if name == ALL and len(groups) >= 2:
            memb = np.stack([m for _, m in groups]).astype(float)
            theta, _, _, _ = wc_fst_multilocus(g.calls, memb, K)
            fst = float(theta) if np.isfinite(theta) else np.nan
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
            "fst_wc": fst, "note": "; ".join(notes)})
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
    per_locus, stats, groups, all_groups = per_locus_table(
        g, n_monte_carlo=n_hwe_monte_carlo, seed=seed, null_threshold=null_threshold,
        rarefaction=rarefaction)
    summary = summary_table(g, stats, groups, all_groups, n_bootstraps=n_bootstraps, seed=seed)
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
