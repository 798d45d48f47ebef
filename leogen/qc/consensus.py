"""Consensus genotypes from PCR replicates, quality index, dropout and false-allele rates.

Multiple-tubes approach (Taberlet et al. 1996 Nucleic Acids Res 24:3189; Navidi et al. 1992
Am J Hum Genet 50:347). For one sample and locus, an allele is *seen* in a replicate when the
replicate's call contains it; a replicate is a *homozygote for a* when both alleles are a.

- heterozygote a/b: a and b are each seen in >= ``min_het`` replicates and no third allele is;
- homozygote a/a: >= ``min_hom`` replicates are a/a and no other allele is seen in
  >= ``min_het`` replicates;
- otherwise missing (too few replicates agree, or more than two alleles recur).

High-quality samples (blood, tissue; usually one replicate) use ``min_het = min_hom = 1``: the
call is taken when at most two alleles are seen.

Error rates (Broquet & Petit 2004 Mol Ecol 13:3601), counted per replicate against a reference
genotype (the sample's own consensus, or the blood/tissue genotype of the same animal):

- ADO = replicates showing only one of the two alleles of a heterozygous reference (a
  homozygote for one of them) / successful amplifications at heterozygous references;
- FA = replicates containing an allele absent from the reference / successful
  amplifications (heterozygous and homozygous references).

Quality index (Miquel et al. 2006 Mol Ecol Notes 6:985): a replicate scores 1 when its call
equals the consensus genotype and 0 otherwise (failed amplifications, and loci without a
consensus, score 0); per sample and locus QI is the mean over run replicates, per sample the
mean over its attempted loci, per locus the mean over samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leogen.model.frequencies import expected_heterozygosity
from leogen.model.genotypes import MISSING, Genotypes, Replicates

REFERENCE_TYPES = ("blood", "tissue")

# reason codes of a missing / typed consensus
TYPED_HET, TYPED_HOM, NO_AMPLIFICATION, TOO_FEW_REPLICATES, MORE_THAN_TWO = 0, 1, 2, 3, 4
REASONS = {TYPED_HET: "heterozygote", TYPED_HOM: "homozygote",
           NO_AMPLIFICATION: "no amplification", TOO_FEW_REPLICATES: "too few agreeing replicates",
           MORE_THAN_TWO: "more than two alleles"}


@dataclass(frozen=True)
class Consensus:
    """Consensus genotypes plus the per-sample/locus call code (see REASONS)."""

    genotypes: Genotypes
    code: np.ndarray  # (n_samples, n_loci) int8


def _thresholds(v, n_s: int, n_l: int) -> np.ndarray:
    a = np.asarray(v, dtype=np.int64)
    if a.ndim == 1:
        a = a[:, None]
    return np.broadcast_to(a, (n_s, n_l))


def call_consensus(reps: Replicates, min_het=2, min_hom=3) -> Consensus:
    """Multiple-tubes consensus genotype of every sample and locus (Taberlet et al. 1996;
    rules in the module docstring).

    Parameters
    ----------
    reps : Replicates (n_samples, n_loci, n_replicates)
        PCR replicate calls.
    min_het : int, or int array (n_samples,) or (n_samples, n_loci)
        Replicates in which each allele of a heterozygote must be seen.
    min_hom : int, or int array (n_samples,) or (n_samples, n_loci)
        Identical homozygous replicates needed for a homozygote.

    Returns
    -------
    Consensus
        ``genotypes`` (n_samples, n_loci) and the call ``code`` (n_samples, n_loci) int8, a
        key of :data:`REASONS`.

    Notes
    -----
    Vectorised over samples and replicates; one pass per locus over its alleles.
    """
    n_s, n_l = reps.n_samples, reps.n_loci
    min_het = _thresholds(min_het, n_s, n_l)
    min_hom = _thresholds(min_hom, n_s, n_l)
    if (min_het < 1).any() or (min_hom < 1).any():
        raise ValueError("replicate thresholds must be >= 1")
    amp = reps.amplified()
    calls = np.full((n_s, n_l, 2), MISSING, dtype=np.int32)
    code = np.full((n_s, n_l), TOO_FEW_REPLICATES, dtype=np.int8)
    for j in range(n_l):  # loop per locus (~20), vectorised over samples x replicates
        n_a = len(reps.alleles[j])
        code[~amp[:, j].any(axis=1), j] = NO_AMPLIFICATION
        if n_a == 0:
            continue
        c = reps.calls[:, j]  # (n_s, n_r, 2)
        a = np.arange(n_a)
        ok = amp[:, j][:, :, None]
        seen = (((c[:, :, 0, None] == a) | (c[:, :, 1, None] == a)) & ok).sum(axis=1)
        hom = (((c[:, :, 0] == c[:, :, 1])[:, :, None] & (c[:, :, 0, None] == a)) & ok).sum(1)
        cand = seen >= min_het[:, j, None]
        n_cand = cand.sum(axis=1)
        first = np.argmax(cand, axis=1)
        last = n_a - 1 - np.argmax(cand[:, ::-1], axis=1)
        is_het = n_cand == 2
        a_hom = np.argmax(hom, axis=1)
        n_hom = hom[np.arange(n_s), a_hom]
        others = n_cand - cand[np.arange(n_s), a_hom]
        is_hom = (n_hom >= min_hom[:, j]) & (others == 0) & ~is_het
        calls[is_het, j, 0] = first[is_het]
        calls[is_het, j, 1] = last[is_het]
        calls[is_hom, j, :] = a_hom[is_hom, None]
        code[is_het, j] = TYPED_HET
        code[is_hom, j] = TYPED_HOM
        code[(n_cand > 2) & ~is_het & ~is_hom, j] = MORE_THAN_TWO
    g = Genotypes(calls, reps.samples, reps.loci, reps.alleles)
    return Consensus(g, code)


def quality_index(reps: Replicates, consensus: Genotypes) -> tuple[np.ndarray, np.ndarray]:
    """Quality index of Miquel et al. (2006 Mol Ecol Notes 6:985), module docstring.

    Parameters
    ----------
    reps : Replicates (n_samples, n_loci, n_replicates)
    consensus : Genotypes (n_samples, n_loci), the consensus of ``reps``.

    Returns
    -------
    (qi_sample (n_samples,), qi_locus (n_loci,))
        Mean share of replicates equal to the consensus; NaN where nothing was attempted.
    """
    rc = np.sort(reps.calls, axis=3)
    cc = np.sort(consensus.calls, axis=2)[:, :, None, :]
    typed = cc[..., 0] >= 0
    same = (rc == cc).all(axis=3) & typed & reps.attempted
    n_att = reps.attempted.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        qi_sl = np.where(n_att > 0, same.sum(axis=2) / np.maximum(n_att, 1), np.nan)
        attempted = n_att > 0
        qi_s = np.where(attempted.any(1), np.nansum(qi_sl, axis=1) / np.maximum(
            attempted.sum(1), 1), np.nan)
        qi_l = np.where(attempted.any(0), np.nansum(qi_sl, axis=0) / np.maximum(
            attempted.sum(0), 1), np.nan)
    return qi_s, qi_l


def error_counts(rep_sizes: np.ndarray, amplified: np.ndarray, ref_sizes: np.ndarray) -> dict:
    """Dropout and false-allele counts (Broquet & Petit 2004 Mol Ecol 13:3601) per sample and
    locus against a reference genotype.

    Parameters
    ----------
    rep_sizes : int array (n_s, n_l, n_r, 2)
        Replicate allele sizes (-1 missing).
    amplified : bool array (n_s, n_l, n_r)
        Replicates that amplified.
    ref_sizes : int array (n_s, n_l, 2)
        Reference sizes (-1 missing: the locus is not counted).

    Returns
    -------
    dict of int arrays (n_s, n_l)
        ``n_het_amplifications``, ``n_dropouts`` (one allele of a heterozygous reference
        shown twice), ``n_amplifications``, ``n_false_alleles`` (an allele absent from the
        reference).

    Examples
    --------
    >>> reps = np.array([[[[100, 102], [100, 100], [102, 102]]]])
    >>> c = error_counts(reps, np.ones((1, 1, 3), bool), np.array([[[100, 102]]]))
    >>> c["n_het_amplifications"].item(), c["n_dropouts"].item(), c["n_false_alleles"].item()
    (3, 2, 0)
    """
    r0, r1 = rep_sizes[..., 0], rep_sizes[..., 1]
    f0, f1 = ref_sizes[..., 0][:, :, None], ref_sizes[..., 1][:, :, None]
    use = amplified & (f0 >= 0) & (f1 >= 0)
    het = use & (f0 != f1)
    in_ref0 = (r0 == f0) | (r0 == f1)
    in_ref1 = (r1 == f0) | (r1 == f1)
    false = use & ~(in_ref0 & in_ref1)
    dropout = het & (r0 == r1) & in_ref0
    return {
        "n_het_amplifications": het.sum(axis=2),
        "n_dropouts": dropout.sum(axis=2),
        "n_amplifications": use.sum(axis=2),
        "n_false_alleles": false.sum(axis=2),
    }


def _wilson(k, n, prefix: str) -> dict:
    from statsmodels.stats.proportion import proportion_confint

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    safe = np.maximum(n, 1)
    lo, hi = proportion_confint(k, safe, alpha=0.05, method="wilson")
    rate = np.where(n > 0, k / safe, np.nan)
    return {prefix: rate, f"{prefix}_lo": np.where(n > 0, lo, np.nan),
            f"{prefix}_hi": np.where(n > 0, hi, np.nan)}


def summarise_counts(counts: dict, axis: int | None) -> pd.DataFrame:
    """Sum error counts and add ADO/FA rates with 95% Wilson (1927) intervals.

    Parameters
    ----------
    counts : dict of arrays (n_s, n_l), as :func:`error_counts` returns.
    axis : 0 (sum over samples: one row per locus), 1 (over loci: one row per sample) or
        None (everything: one row).

    Returns
    -------
    DataFrame with the summed counts and ``ado_rate``, ``fa_rate`` with ``_lo``/``_hi``
    (NaN where the denominator is 0).
    """
    if axis is None:
        summed = {k: np.atleast_1d(v.sum()) for k, v in counts.items()}
    else:
        summed = {k: v.sum(axis=axis) for k, v in counts.items()}
    out = {"n_het_amplifications": summed["n_het_amplifications"],
           "n_dropouts": summed["n_dropouts"]}
    out.update(_wilson(summed["n_dropouts"], summed["n_het_amplifications"], "ado_rate"))
    out["n_amplifications"] = summed["n_amplifications"]
    out["n_false_alleles"] = summed["n_false_alleles"]
    out.update(_wilson(summed["n_false_alleles"], summed["n_amplifications"], "fa_rate"))
    return pd.DataFrame(out)


def pooled_consensus(reps: Replicates, keys: np.ndarray, min_het=2, min_hom=3,
                     min_share: float = 0.25) -> tuple[np.ndarray, Genotypes]:
    """Consensus per animal from the replicates of all its samples pooled together.

    ``keys``: animal of each sample ('' = not linked). With many replicates the rule is the
    multiple-tubes rule with the allele threshold raised to
    ``max(min_het, ceil(min_share * amplified replicates))`` so that a recurrent false
    allele among, say, 20 replicates does not make a third allele. Returns (animal keys,
    Genotypes of the animals).

    Parameters
    ----------
    reps : Replicates (n_samples, n_loci, n_replicates)
    keys : str array (n_samples,), animal of each sample ('' = not linked).
    min_het, min_hom : the multiple-tubes thresholds (:func:`call_consensus`).
    min_share : share of the animal's amplified replicates an allele must be seen in.

    Returns
    -------
    (animal keys (n_animals,), Genotypes (n_animals, n_loci))
    """
    keys = np.asarray(keys, dtype=str)
    use = np.flatnonzero(keys != "")
    uk, inv = np.unique(keys[use], return_inverse=True)
    n_r = reps.calls.shape[2]
    rank = pd.Series(inv).groupby(inv).cumcount().to_numpy()
    width = (rank.max() + 1) * n_r if len(use) else 0
    calls = np.full((len(uk), reps.n_loci, max(width, 1), 2), MISSING, dtype=np.int32)
    att = np.zeros(calls.shape[:3], dtype=bool)
    slots = rank[:, None] * n_r + np.arange(n_r)[None, :]
    calls[inv[:, None], :, slots] = reps.calls[use].transpose(0, 2, 1, 3)
    att[inv[:, None], :, slots] = reps.attempted[use].transpose(0, 2, 1)
    pooled = Replicates(calls, att, uk, reps.loci, reps.alleles)
    n_amp = pooled.amplified().sum(axis=2)
    het_t = np.maximum(min_het, np.ceil(min_share * n_amp)).astype(np.int64)
    return uk, call_consensus(pooled, het_t, min_hom).genotypes


def extrapolated_rates(counts: dict, linked: np.ndarray, fail: np.ndarray,
                       het_weight: np.ndarray, n_amp: np.ndarray) -> dict:
    """ADO and FA over all samples when only ``linked`` ones have a reference genotype.

    Dropout, false alleles and amplification failure all grow as DNA quality falls (Broquet
    et al. 2007 Conserv Genet 8:249), and the failure rate is observed for every sample. Per
    linked sample, ADO_s and FA_s are regressed on its failure rate (weighted least squares,
    weights = its het amplifications / amplifications); unlinked samples contribute their
    predicted rate times their expected het amplifications (``het_weight`` = sum over loci
    of amplified replicates x He) or amplifications (``n_amp``). Returns summed counts
    (floats) in the layout of ``error_counts`` totals.

    Parameters
    ----------
    counts : dict of arrays (n_s, n_l) of :func:`error_counts` against the animals' pooled
        genotypes.
    linked : bool array (n_s,), samples with a reference genotype.
    fail : float array (n_s,), share of failed amplifications of each sample.
    het_weight : float array (n_s,), expected het amplifications of each sample.
    n_amp : float array (n_s,), amplifications of each sample.

    Returns
    -------
    dict of floats: ``n_dropouts``, ``n_het_amplifications``, ``n_false_alleles``,
    ``n_amplifications``.
    """
    out = {}
    for num, den, w_un in (("n_dropouts", "n_het_amplifications", het_weight),
                           ("n_false_alleles", "n_amplifications", n_amp)):
        k = counts[num].sum(axis=1).astype(float)
        n = counts[den].sum(axis=1).astype(float)
        fit = linked & (n > 0)
        total_k, total_n = k[fit].sum(), n[fit].sum()
        un = ~linked & (w_un > 0)
        if fit.sum() >= 3 and np.ptp(fail[fit]) > 0:
            slope, icpt = np.polyfit(fail[fit], k[fit] / n[fit], 1, w=np.sqrt(n[fit]))
            pred = np.clip(icpt + slope * fail[un], 0, 1)
        else:
            pred = np.full(un.sum(), total_k / total_n if total_n else np.nan)
        out[num] = total_k + float(np.nansum(pred * w_un[un]))
        out[den] = total_n + float(w_un[un].sum())
    return out


def sex_from_genotype(sizes: np.ndarray, x_allele: int, y_allele: int) -> np.ndarray:
    """Sex from the consensus at the sex marker: 'M' for X/Y, 'F' for X/X, 'U' otherwise.

    The sex marker goes through the same replicate rules as any locus: a male needs X and Y
    each seen in >= min_het replicates, a female >= min_hom X-only replicates.

    Parameters
    ----------
    sizes : int array (n, 2), consensus allele sizes at the sex marker (-1 missing).
    x_allele, y_allele : sizes of the X and Y alleles.

    Returns
    -------
    str array (n,)

    Examples
    --------
    >>> sex_from_genotype(np.array([[214, 194], [214, 214], [-1, -1]]), 214, 194).tolist()
    ['M', 'F', 'U']
    """
    s = np.sort(sizes, axis=1)
    lo, hi = min(x_allele, y_allele), max(x_allele, y_allele)
    male = (s[:, 0] == lo) & (s[:, 1] == hi)
    female = (s[:, 0] == x_allele) & (s[:, 1] == x_allele)
    return np.where(male, "M", np.where(female, "F", "U"))


def combine_genotypes(sizes: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One genotype per group: agreeing typed calls are kept, conflicting ones become missing.

    Parameters
    ----------
    sizes : int array (n, n_l, 2), allele sizes (-1 missing).
    groups : array (n,), the group of each row.

    Returns
    -------
    (sorted unique group keys (n_g,), int array (n_g, n_l, 2))

    Examples
    --------
    >>> keys, out = combine_genotypes(np.array([[[100, 102]], [[102, 100]], [[100, 100]]]),
    ...                               np.array(["A", "A", "B"]))
    >>> keys.tolist(), out.tolist()
    (['A', 'B'], [[[100, 102]], [[100, 100]]])
    """
    s = np.sort(sizes, axis=2).astype(np.int64)
    typed = s[..., 0] >= 0
    code = np.where(typed, s[..., 0] * 100_000 + s[..., 1], np.nan)
    keys, inv = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    df = pd.DataFrame(code)
    lo = df.groupby(inv).min().to_numpy()
    hi = df.groupby(inv).max().to_numpy()
    ok = (lo == hi) & ~np.isnan(lo)
    out = np.full((len(keys), s.shape[1], 2), MISSING, dtype=np.int64)
    v = np.where(ok, lo, 0).astype(np.int64)
    out[..., 0] = np.where(ok, v // 100_000, MISSING)
    out[..., 1] = np.where(ok, v % 100_000, MISSING)
    return keys, out


# ---------------------------------------------------------------------------- pipeline step
def _first_lines(path, ids) -> dict:
    """Line number of the first row of each id (first column) in a delimited text file."""
    want = set(ids)
    out = {}
    with open(path, encoding="utf-8-sig") as fh:
        for k, line in enumerate(fh, start=1):
            first = line.split("\t", 1)[0].split(",", 1)[0].strip()
            if first in want and first not in out:
                out[first] = k
                if len(out) == len(want):
                    break
    return out


def check_samples_known(ids, sheet: pd.DataFrame, path, samples_path) -> None:
    """InputError naming file and line for ids that the sample sheet does not list.

    Parameters
    ----------
    ids : array-like (n,) of str
        Sample ids of the genotype file.
    sheet : DataFrame
        The sample sheet (column ``sample_id``).
    path : str or Path
        The genotype file, for messages (lines are looked up in it).
    samples_path : str or Path
        The sample sheet, for messages.

    Returns
    -------
    None

    Raises
    ------
    InputError
        When an id is not in the sheet.
    """
    from leogen.io.sheets import check_known_ids

    ids = np.asarray(ids, dtype=str)
    unknown = sorted(set(ids) - set(sheet["sample_id"]))
    if not unknown:
        return
    lines = _first_lines(path, unknown)
    check_known_ids(unknown, sheet["sample_id"], path, "sample_id",
                    lines=[lines.get(u) for u in unknown],
                    what=f"sample sheet {samples_path}").raise_if_any()


def read_species_status(path, sheet: pd.DataFrame, samples_path) -> pd.Series:
    """species.tsv status per sample_id (index sample_id); ids must be in the sheet.

    Parameters
    ----------
    path : str or Path
        The ``species.tsv`` of the species check.
    sheet : DataFrame
        The sample sheet (column ``sample_id``).
    samples_path : str or Path
        The sample sheet, for messages.

    Returns
    -------
    Series
        Status per sample id (first row of a repeated id).

    Raises
    ------
    InputError
        When the table is invalid or an id is not in the sheet.
    """
    from leogen.io.sheets import check_known_ids
    from leogen.qc.outputs import read_species_status as read_status

    sp = read_status(path)
    check_known_ids(sp["sample_id"], sheet["sample_id"], path, "sample_id",
                    lines=sp["_line"].to_numpy(),
                    what=f"sample sheet {samples_path}").raise_if_any()
    return sp.drop_duplicates("sample_id").set_index("sample_id")["status"]


def read_links(path, sheet: pd.DataFrame | None = None, samples_path=None) -> pd.Series:
    """sample_id -> individual_id of every sample identify assigned to an animal.

    The rule for "no animal" is identify's (:func:`leogen.identify.outputs.sample_links`);
    with ``sheet``, every sample id of the table must be in the sample sheet.

    Parameters
    ----------
    path : str or Path
        The sample-individual table written by identify.
    sheet : DataFrame or None
        The sample sheet, to check the ids against.
    samples_path : str or Path, optional
        The sample sheet, for messages.

    Returns
    -------
    Series
        Individual id per sample id.

    Raises
    ------
    InputError
        When the table is invalid or an id is not in the sheet.
    """
    from leogen.identify.outputs import read_sample_individual, sample_links
    from leogen.io.sheets import check_known_ids

    if sheet is not None:
        df = read_sample_individual(path, identified_only=False, columns=["sample_id"])
        check_known_ids(df["sample_id"], sheet["sample_id"], path, "sample_id",
                        lines=df["_line"].to_numpy(),
                        what=f"sample sheet {samples_path}").raise_if_any()
    return sample_links(path)


METHODS = ("likelihood", "consensus")
#: EM stopping rule of the step's fits (log-likelihood gain per iteration): on the bundled
#: example the rates agree with those at 1e-7 to 5 decimals, at a quarter of the iterations.
EM_TOL = 1e-4
#: Stutter share of the consensus step's error model (:func:`leogen.qc.error_model.
#: fit_error_model`): 0, the spectrum-only model, so that the calls and the error-rate tables
#: of ``leogen consensus`` do not move with it; ``leogen identify --genotypes`` estimates it
#: (docs/error-model.md, docs/identify.md).
CONSENSUS_STUTTER = 0.0
QUALITY_CLASSES = ("good", "medium", "poor")


def dna_quality_classes(fail: np.ndarray, sample_type: np.ndarray, non_invasive: np.ndarray,
                        has_data: np.ndarray, min_per_class: int = 30):
    """DNA-quality class of each non-invasive sample from its amplification-failure rate.

    Dropout, false alleles and failed amplifications all grow as a sample's DNA quality
    falls (Broquet et al. 2007 Conserv Genet 8:249; the simulator draws all three from one
    quality value), and the failure rate is observed for every sample, whatever its true
    genotype. Per non-invasive sample type with at least ``3 * min_per_class`` samples with
    data, the samples are cut at the tertiles of their failure rate: ``good`` (failure rate
    <= the first tertile), ``medium`` (<= the second), ``poor`` (above; samples that never
    amplified are ``poor``). Smaller types form one class, ``all``. Reference types get ''.

    Parameters
    ----------
    fail : float array (n,), share of the sample's attempted replicates that failed.
    sample_type : str array (n,).
    non_invasive : bool array (n,), samples that are not blood/tissue references.
    has_data : bool array (n,), samples with at least one amplified replicate.
    min_per_class : the smallest class size that gets tertiles.

    Returns
    -------
    (str array (n,) of class labels, dict sample type -> (cut1, cut2) or None)

    Examples
    --------
    >>> f = np.linspace(0, 0.5, 9)
    >>> cls, cuts = dna_quality_classes(f, np.repeat("scat", 9), np.ones(9, bool),
    ...                                 np.ones(9, bool), min_per_class=3)
    >>> cls.tolist()
    ['good', 'good', 'good', 'medium', 'medium', 'medium', 'poor', 'poor', 'poor']
    """
    fail = np.asarray(fail, dtype=float)
    sample_type = np.asarray(sample_type, dtype=str)
    out = np.full(len(fail), "", dtype=object)
    cuts = {}
    for t in sorted(set(sample_type[non_invasive])):
        m = non_invasive & (sample_type == t)
        use = m & has_data
        if use.sum() < 3 * min_per_class:
            out[m] = "all"
            cuts[t] = None
            continue
        c1, c2 = np.quantile(fail[use], [1 / 3, 2 / 3])
        out[m] = np.where(fail[m] <= c1, "good", np.where(fail[m] <= c2, "medium", "poor"))
        out[m & ~has_data] = "poor"
        cuts[t] = (float(c1), float(c2))
    return out.astype(str), cuts


def apply_quality_classes(fail, sample_type, cuts: dict) -> np.ndarray:
    """Classes of further samples (e.g. scats without a barcode) by the cut points
    :func:`dna_quality_classes` found; a type it did not see is ``all``.

    Parameters
    ----------
    fail : float array (n,)
        Amplification-failure rate of each sample.
    sample_type : array (n,) of str
        Sample type of each sample.
    cuts : dict
        Sample type -> (good/medium cut, medium/poor cut) of failure rate.

    Returns
    -------
    array (n,) of str
        ``good``, ``medium``, ``poor`` or ``all``.
    """
    fail = np.asarray(fail, dtype=float)
    out = np.full(len(fail), "all", dtype=object)
    for i, t in enumerate(np.asarray(sample_type, dtype=str)):
        c = cuts.get(t)
        if c is not None:
            out[i] = "good" if fail[i] <= c[0] else "medium" if fail[i] <= c[1] else "poor"
    return out.astype(str)


def sizes_to_index(sizes: np.ndarray, alleles) -> np.ndarray:
    """Allele sizes (n, n_loci, 2) to indices of the loci's allele labels; a size not among
    a locus' labels, or missing, is -1 at both alleles.

    Parameters
    ----------
    sizes : int array (n, n_loci, 2)
        Allele sizes, negative for missing.
    alleles : sequence (n_loci,) of int arrays
        Sorted allele labels of each locus.

    Returns
    -------
    int64 array (n, n_loci, 2)
        Allele indices, -1 for missing or unknown.
    """
    out = np.full(sizes.shape, MISSING, dtype=np.int64)
    for j, lab in enumerate(alleles):
        lab = np.asarray(lab, dtype=np.int64)
        if not len(lab):
            continue
        s = sizes[:, j]
        pos = np.clip(np.searchsorted(lab, s), 0, len(lab) - 1)
        ok = ((lab[pos] == s) & (s >= 0)).all(axis=1)
        out[ok, j] = pos[ok]
    return out


def _take(reps: Replicates, idx) -> Replicates:
    return Replicates(reps.calls[idx], reps.attempted[idx], reps.samples[idx], reps.loci,
                      reps.alleles, reps.replicate_ids[idx])


def _likelihood_counts(t: pd.DataFrame) -> pd.DataFrame:
    """Rows of the error-rate tables from a ``fit_error_model`` table: expected counts
    (rounded to whole numbers), the ML rates and their 95% intervals."""
    def whole(c):
        return np.round(t[c].to_numpy(dtype=float)).astype(np.int64)

    return pd.DataFrame({
        "n_samples": t["n_samples"].to_numpy(dtype=np.int64),
        "n_het_amplifications": whole("n_het_amplifications"),
        "n_dropouts": whole("n_dropouts"),
        "ado_rate": t["ado_rate"].to_numpy(), "ado_rate_lo": t["ado_rate_lo"].to_numpy(),
        "ado_rate_hi": t["ado_rate_hi"].to_numpy(),
        "n_amplifications": t["n_replicates"].to_numpy(dtype=np.int64),
        "n_false_alleles": whole("n_false_alleles"),
        "fa_rate": t["fa_rate"].to_numpy(), "fa_rate_lo": t["fa_rate_lo"].to_numpy(),
        "fa_rate_hi": t["fa_rate_hi"].to_numpy(),
    })


def likelihood_error_rates(sub: Replicates, stype: np.ndarray, non_invasive: np.ndarray,
                           id_loci: np.ndarray, groups: np.ndarray, reference: np.ndarray):
    """The ``likelihood`` rows of the error-rate tables and the model behind the calls.

    Fits :func:`leogen.qc.error_model.fit_error_model` (EM over the unknown true genotypes;
    Johnson & Haydon 2007 Genetics 175:827) several times: per locus on the non-invasive
    samples (all loci, the sex marker included); pooled over the identity loci for all
    non-invasive samples, per sample type (all samples) and per (type, DNA-quality class);
    and the model of the genotype posteriors, rates per ``groups`` shared across all loci,
    without intervals. ``reference`` (allele indices, -1 none) enters every fit as known
    genotypes.

    Parameters
    ----------
    sub : Replicates
        The replicates of the samples fitted.
    stype : array (n,) of str
        Sample type of each sample.
    non_invasive : bool array (n,)
        Non-invasive samples.
    id_loci : bool array (n_loci,)
        Identity loci (the sex marker excluded).
    groups : array (n,)
        Error class of each sample, for the model of the posteriors.
    reference : int array (n, n_loci, 2)
        Known genotypes (allele indices, -1 none).

    Returns
    -------
    dict: ``locus`` (rows with ``locus``), ``type`` (rows with ``sample_type``,
    ``dna_quality``), ``model`` (the ErrorModel of the posteriors, or None without data).
    """
    from leogen.qc.error_model import fit_error_model

    id_names = [loc for loc, k in zip(sub.loci, id_loci, strict=True) if k]
    ni_idx = np.flatnonzero(non_invasive)
    out = {"locus": [], "type": [], "model": None}
    if sub.n_samples == 0:
        return out
    if len(ni_idx):
        ni = _take(sub, ni_idx)
        per = fit_error_model(ni, by="locus", reference=reference[ni_idx], tol=EM_TOL,
                              stutter=CONSENSUS_STUTTER)
        rows = _likelihood_counts(per.table)
        rows.insert(0, "locus", per.table["locus"].to_numpy())
        out["locus"].append(rows)
        if id_names:
            pooled = fit_error_model(ni, groups=np.repeat("all", len(ni_idx)), by="group",
                                     loci=id_names, reference=reference[ni_idx], tol=EM_TOL,
                                     stutter=CONSENSUS_STUTTER)
            rows = _likelihood_counts(pooled.table)
            rows.insert(0, "locus", "all")
            out["locus"].append(rows)
            trow = _likelihood_counts(pooled.table)
            trow.insert(0, "sample_type", "all_non_invasive")
            out["pooled"] = trow
    for r in out["locus"]:
        r.insert(1, "basis", "likelihood")
    if id_names:
        by_type = fit_error_model(sub, groups=stype, by="group", loci=id_names,
                                  reference=reference, tol=EM_TOL, stutter=CONSENSUS_STUTTER)
        rows = _likelihood_counts(by_type.table)
        rows.insert(0, "sample_type", by_type.table["group"].to_numpy(dtype=str))
        out["type"].append(rows)
        if "pooled" in out:
            out["type"].append(out.pop("pooled"))
        ng = groups[ni_idx]
        if len(ni_idx) and not np.all(np.char.endswith(ng.astype(str), "/all")):
            by_q = fit_error_model(_take(sub, ni_idx), groups=ng, by="group", loci=id_names,
                                   reference=reference[ni_idx], tol=EM_TOL,
                                   stutter=CONSENSUS_STUTTER)
            rows = _likelihood_counts(by_q.table)
            g = by_q.table["group"].to_numpy(dtype=str)
            rows.insert(0, "sample_type", [x.split("/", 1)[0] for x in g])
            rows.insert(1, "dna_quality", [x.split("/", 1)[1] for x in g])
            out["type"].append(rows)
        for r in out["type"]:
            if "dna_quality" not in r.columns:
                r.insert(1, "dna_quality", "all")
            r.insert(2, "basis", "likelihood")
    out["model"] = fit_error_model(sub, groups=groups, by="group", intervals=False,
                                   reference=reference, tol=EM_TOL, stutter=CONSENSUS_STUTTER)
    return out


def _map_groups(groups: np.ndarray, known) -> np.ndarray:
    """Groups of further samples mapped into a model's groups: the same label, else the
    same DNA-quality class of another type, else the first non-invasive group."""
    known = [str(k) for k in known]
    ni = [k for k in known if "/" in k] or known
    out = []
    for g in np.asarray(groups, dtype=str):
        if g in known:
            out.append(g)
            continue
        cls = g.split("/", 1)[-1]
        same = [k for k in ni if k.split("/", 1)[-1] == cls]
        out.append(same[0] if same else ni[0])
    return np.array(out, dtype=str)


def posterior_of_calls(post, calls: np.ndarray) -> np.ndarray:
    """Posterior probability (n, n_loci) of given calls (allele indices, -1 missing) under
    a model's genotype posteriors (:class:`leogen.qc.error_model.GenotypePosteriors`);
    NaN where the call is missing.

    Parameters
    ----------
    post : GenotypePosteriors
        The model's genotype posteriors.
    calls : int array (n, n_loci, 2)
        Calls as allele indices, -1 missing.

    Returns
    -------
    float array (n, n_loci)
        Posterior probability of each call.
    """
    from leogen.qc.error_model import _pair_index

    n, n_l = calls.shape[:2]
    out = np.full((n, n_l), np.nan)
    for j in range(n_l):
        pp = post.posterior[j]
        if pp.shape[1] == 0:
            continue
        k = int(round((np.sqrt(8 * pp.shape[1] + 1) - 1) / 2))
        typed = (calls[:, j, 0] >= 0) & (calls[:, j, 1] >= 0)
        pidx = _pair_index(k)
        gi = pidx[np.clip(calls[:, j, 0], 0, k - 1), np.clip(calls[:, j, 1], 0, k - 1)]
        val = pp[np.arange(n), gi]
        has = post.n_amplified[:, j] > 0
        out[:, j] = np.where(typed & has, val, np.nan)
    return out


def _reindex_loci(sizes: np.ndarray, loci, target_loci) -> np.ndarray:
    pos = pd.Index(list(loci)).get_indexer(list(target_loci))
    out = np.full((sizes.shape[0], len(target_loci), 2), MISSING, dtype=np.int64)
    have = pos >= 0
    out[:, have] = sizes[:, pos[have]]
    return out


def run(genotypes_path, samples_path, species_path=None, min_het=2, min_hom=3,
        sex_locus="AMEL", x_allele=214, y_allele=194, reference_genotypes=None,
        links=None, reference_types=REFERENCE_TYPES, genotype_no_sequence=True,
        out_dir=None, method="likelihood", min_posterior=0.95) -> dict:
    """The ``leogen consensus`` step: read inputs, call consensus, QI, error rates and sex.

    Parameters
    ----------
    genotypes_path : the replicate long table (``genotypes.tsv``).
    samples_path : the sample sheet.
    species_path : ``species/species.tsv``; only ``target`` samples (and, with
        ``genotype_no_sequence``, ``no_sequence`` scats) get a consensus.
    min_het, min_hom : replicates needed for each allele of a heterozygote / for a homozygote
        (whole numbers 1 to 100; blood and tissue samples use 1 and 1).
    sex_locus, x_allele, y_allele : the sex marker and its X and Y allele sizes.
    reference_genotypes : long table of blood/tissue reference genotypes (optional).
    links : identify's ``sample_individual.tsv`` (optional; adds the ``individual`` bases).
    reference_types : sample types that are references (one replicate, error-free).
    genotype_no_sequence : also genotype scats whose barcode failed (kept out of the rates).
    out_dir : when given, the tables are also written there
        (:func:`leogen.qc.outputs.write_consensus`).
    method : 'likelihood' (default): the called genotype of a sample and locus is the most
        probable one under the fitted error model
        (:func:`leogen.qc.error_model.genotype_posteriors`; Miller, Joyce & Waits 2002
        Genetics 160:357), left missing when its posterior is below ``min_posterior``;
        'consensus': the multiple-tubes rule above (``min_het``, ``min_hom``). Either way
        ``posterior`` holds the posterior of the written call under the model.
    min_posterior : the smallest posterior of a likelihood call (0 < x <= 1; default
        0.95, see docs/error-model.md).

    Returns ``consensus`` (Replicates with replicate id 'consensus', target samples and,
    with ``genotype_no_sequence``, unverified scats), ``posterior`` ((n, n_loci) posterior
    of each written call, NaN where missing), ``quality``, ``error_rates_locus``,
    ``error_rates_sample`` and ``error_rates_type`` tables. Error rates have a ``basis``
    column:

    - ``consensus``: each replicate against its own sample's consensus (loci with a
      consensus only). Biased low: loci where dropout defeated the consensus, and poor
      samples, drop out of the count.
    - ``reference``: against the blood/tissue genotype of the same animal (linked by
      ``individual_hint``, or by ``links`` = identify's sample_individual.tsv; or from
      ``reference_genotypes``, a long table whose sample_id is a sample of the sheet or a
      hint / individual id).
    - ``individual`` (needs ``links``): against the consensus of all replicates of all
      samples of the same animal pooled (``pooled_consensus``), for linked samples.
    - ``individual_extrapolated`` (error_rates_type only): the ``individual`` counts plus
      the unlinked non-invasive samples' expected counts from the failure-rate regression
      (``extrapolated_rates``); the estimate to compare with a simulation's truth.

    - ``likelihood`` (error_rates_locus and error_rates_type): maximum-likelihood rates
      with the true genotypes unknown (:func:`likelihood_error_rates`; Johnson & Haydon
      2007), blood/tissue genotypes of the same animal (as for ``reference``) entering as
      known genotypes; counts are expected counts rounded to whole numbers, intervals are
      95% Wald (logit) or likelihood-ratio intervals. error_rates_type adds one row per
      (sample type, ``dna_quality`` class; :func:`dna_quality_classes`).

    Aggregates count non-invasive samples (not blood/tissue) and identity loci only.
    """
    from leogen.errors import InputError
    from leogen.io.longtable import read_long
    from leogen.io.sheets import read_samples

    for name, v in (("min_het", min_het), ("min_hom", min_hom)):
        if not (isinstance(v, (int, np.integer)) and 1 <= v <= 100):
            raise InputError(f"{name} {v} is out of range (expected a whole number 1 to 100)")
    if method not in METHODS:
        raise InputError(f"method '{method}' is not known (expected one of "
                         f"{', '.join(METHODS)})")
    if isinstance(min_posterior, bool) or not isinstance(min_posterior, (int, float)) or \
            not 0 < float(min_posterior) <= 1:
        raise InputError(f"min_posterior {min_posterior} is out of range (expected a "
                         "probability above 0 and at most 1)")
    sheet = read_samples(samples_path)
    reps = read_long(genotypes_path)
    check_samples_known(reps.samples, sheet, genotypes_path, samples_path)
    info = sheet.set_index("sample_id")
    status = pd.Series("target", index=sheet["sample_id"].to_numpy())
    if species_path is not None:
        sp = read_species_status(species_path, sheet, samples_path)
        absent = [s for s in reps.samples if s not in sp.index]
        if absent:
            raise InputError(f"sample_id '{absent[0]}' of {genotypes_path} has no row "
                             f"({len(absent)} samples missing)", species_path)
        status.loc[sp.index] = sp.to_numpy()
    keep = status.reindex(reps.samples).to_numpy() == "target"
    idx = np.flatnonzero(keep)
    sub = Replicates(reps.calls[idx], reps.attempted[idx], reps.samples[idx], reps.loci,
                     reps.alleles, reps.replicate_ids[idx])
    stype = info["sample_type"].reindex(sub.samples).to_numpy(dtype=str)
    is_ref_type = np.isin(stype, list(reference_types))
    cons = call_consensus(sub, np.where(is_ref_type, 1, min_het),
                          np.where(is_ref_type, 1, min_hom))
    rep_sizes = sub.labels()
    amp = sub.amplified()
    cons_sizes = cons.genotypes.labels().astype(np.int64)
    qi_s, qi_l = quality_index(sub, cons.genotypes)
    counts = error_counts(rep_sizes, amp, cons_sizes)
    # reference genotypes of the same animal
    key = info["individual_hint"].reindex(sub.samples).fillna("").to_numpy(dtype=str)
    lkey = np.full(len(key), "", dtype=object)
    if links is not None:
        lk = read_links(links, sheet, samples_path)
        lkey = lk.reindex(sub.samples).fillna("").to_numpy(dtype=str)
        key = np.where(lkey != "", lkey, key)
    ref_keys, ref_sizes = np.array([], dtype=str), np.zeros((0, sub.n_loci, 2), np.int64)
    if reference_genotypes is not None:
        rg = read_long(reference_genotypes)
        rc = call_consensus(rg, 1, 1).genotypes
        sample_key = dict(zip(sub.samples, key, strict=True))
        rkey = np.array([sample_key.get(s, s) or s for s in rc.samples], dtype=str)
        ref_keys, ref_sizes = combine_genotypes(
            _reindex_loci(rc.labels().astype(np.int64), rc.loci, sub.loci), rkey)
    else:
        use = is_ref_type & (key != "")
        if use.any():
            ref_keys, ref_sizes = combine_genotypes(cons_sizes[use], key[use])
    pos = pd.Index(ref_keys).get_indexer(key) if len(ref_keys) else np.full(len(key), -1)
    linked = (pos >= 0) & ~is_ref_type
    ref_for = np.full_like(cons_sizes, MISSING)
    ref_for[linked] = ref_sizes[pos[linked]]
    ref_counts = error_counts(rep_sizes, amp, ref_for)
    bases = [("consensus", counts), ("reference", ref_counts)]
    if links is not None:
        # every replicate of the animal's samples pooled: the best available truth proxy
        ikeys = np.where(lkey != "", lkey, "")
        pk, pg = pooled_consensus(sub, ikeys, min_het, min_hom)
        ppos = pd.Index(pk).get_indexer(ikeys)
        ind_for = np.full_like(cons_sizes, MISSING)
        has = (ppos >= 0) & ~is_ref_type
        ind_for[has] = pg.labels().astype(np.int64)[ppos[has]]
        ind_counts = error_counts(rep_sizes, amp, ind_for)
        bases.append(("individual", ind_counts))
    loci = list(sub.loci)
    id_loci = np.array([loc != sex_locus for loc in loci])
    # maximum-likelihood error model; DNA-quality classes from the failure rate
    att_id = sub.attempted[:, id_loci].sum(axis=(1, 2))
    amp_id = amp[:, id_loci].sum(axis=(1, 2))
    fail = 1 - amp_id / np.maximum(att_id, 1)
    qclass, qcuts = dna_quality_classes(fail, stype, ~is_ref_type, amp_id > 0)
    pgroup = np.where(~is_ref_type, np.char.add(np.char.add(stype, "/"), qclass), stype)
    lik = likelihood_error_rates(sub, stype, ~is_ref_type, id_loci, pgroup,
                                 sizes_to_index(ref_for, sub.alleles))
    from leogen.qc.error_model import genotype_posteriors

    cons_calls = cons.genotypes.calls
    if lik["model"] is not None:
        post = genotype_posteriors(sub, lik["model"], groups=pgroup)
        cons_post = posterior_of_calls(post, cons_calls)
    else:
        post, cons_post = None, np.full(cons_calls.shape[:2], np.nan)
    if method == "likelihood" and post is not None:
        good = post.probability >= min_posterior
        call_calls = np.where(good[..., None], post.calls.calls, MISSING).astype(np.int32)
        call_post = np.where(good, post.probability, np.nan)
    else:
        call_calls, call_post = cons_calls, cons_post
    call_sizes = Genotypes(call_calls, sub.samples, sub.loci, sub.alleles).labels().astype(
        np.int64)
    # sex
    if sex_locus in loci:
        sex = sex_from_genotype(call_sizes[:, loci.index(sex_locus)], x_allele, y_allele)
    else:
        sex = np.full(sub.n_samples, "U")
    n_typed = (call_calls[:, id_loci, 0] >= 0).sum(axis=1)
    # Aggregated rates: non-invasive samples only (a single blood replicate against its own
    # consensus is no test) and identity loci only (the sex marker is reported per locus but
    # left out of 'all', per-sample and per-type sums).
    ni = ~is_ref_type
    tables = {}
    locus_rows = []
    qi_ni = (quality_index(Replicates(sub.calls[ni], sub.attempted[ni], sub.samples[ni],
                                      sub.loci, sub.alleles),
                           cons.genotypes.subset(samples=ni))[1] if ni.any()
             else np.full(sub.n_loci, np.nan))
    nrep = np.where(sub.n_replicates[ni] > 0, sub.n_replicates[ni], np.nan)
    with np.errstate(all="ignore"):
        med = [np.nanmedian(col) if np.isfinite(col).any() else np.nan for col in nrep.T]
    allmed = np.nanmedian(nrep[:, id_loci]) if np.isfinite(nrep[:, id_loci]).any() else np.nan
    for basis, cnt in bases:
        c_ni = {k: v[ni] for k, v in cnt.items()}
        per_locus = summarise_counts(c_ni, axis=0)
        per_locus.insert(0, "locus", sub.loci)
        overall = summarise_counts({k: v[:, id_loci] for k, v in c_ni.items()}, axis=None)
        overall.insert(0, "locus", "all")
        t = pd.concat([per_locus, overall], ignore_index=True)
        t.insert(1, "basis", basis)
        t.insert(2, "n_samples", np.append(
            (c_ni["n_amplifications"] > 0).sum(0),
            (c_ni["n_amplifications"][:, id_loci].sum(1) > 0).sum()))
        t["quality_index"] = (np.append(qi_ni, np.nanmean(qi_ni[id_loci]) if ni.any()
                                        else np.nan) if basis == "consensus" else np.nan)
        t["median_replicates"] = np.append(med, allmed)
        locus_rows.append(t)
    for t in lik["locus"]:
        t = t.copy()
        t["quality_index"] = np.nan
        t["median_replicates"] = allmed if t["locus"].iloc[0] == "all" else med
        locus_rows.append(t)
    tables["error_rates_locus"] = pd.concat(locus_rows, ignore_index=True)
    sample_rows, type_rows = [], []
    max_reps = sub.n_replicates.max(axis=1) if sub.n_loci else np.zeros(sub.n_samples, int)
    for basis, cnt in bases:
        c_id = {k: v[:, id_loci] for k, v in cnt.items()}
        ps = summarise_counts(c_id, axis=1)
        ps.insert(0, "sample_id", sub.samples)
        ps.insert(1, "sample_type", stype)
        ps.insert(2, "basis", basis)
        ps["max_replicates"] = max_reps
        sample_rows.append(ps)
        for t_name in sorted(set(stype)) + ["all_non_invasive"]:
            m = ni if t_name == "all_non_invasive" else stype == t_name
            tt = summarise_counts({k: v[m] for k, v in c_id.items()}, axis=None)
            tt.insert(0, "sample_type", t_name)
            tt.insert(1, "dna_quality", "all")
            tt.insert(2, "basis", basis)
            tt.insert(3, "n_samples", int((c_id["n_amplifications"][m].sum(1) > 0).sum()))
            type_rows.append(tt)
    if links is not None:
        # all non-invasive target samples, the unlinked ones extrapolated from failure rate
        # a locus typed in no animal has all-zero frequencies, hence He 1 (as before)
        he_l = expected_heterozygosity(pg.subset(loci=id_loci).allele_frequencies())
        att_l = sub.attempted[:, id_loci].sum(axis=2)
        amp_l = amp[:, id_loci].sum(axis=2)
        fail = 1 - amp_l.sum(1) / np.maximum(att_l.sum(1), 1)
        c_id = {k: v[:, id_loci] for k, v in ind_counts.items()}
        for t_name in sorted(set(stype[ni])) + ["all_non_invasive"]:
            m = ni if t_name == "all_non_invasive" else (stype == t_name) & ni
            ex = extrapolated_rates({k: v[m] for k, v in c_id.items()}, has[m], fail[m],
                                    (amp_l[m] * he_l).sum(1), amp_l[m].sum(1).astype(float))
            tt = summarise_counts({k: np.atleast_1d(v) for k, v in ex.items()}, axis=None)
            tt.insert(0, "sample_type", t_name)
            tt.insert(1, "dna_quality", "all")
            tt.insert(2, "basis", "individual_extrapolated")
            tt.insert(3, "n_samples", int(m.sum()))
            type_rows.append(tt)
    tables["error_rates_sample"] = pd.concat(sample_rows, ignore_index=True)
    type_rows += lik["type"]
    tables["error_rates_type"] = pd.concat(type_rows, ignore_index=True)
    # quality.tsv: one row per sample of the sheet
    q = pd.DataFrame({"sample_id": sheet["sample_id"].to_numpy(),
                      "sample_type": sheet["sample_type"].to_numpy(dtype=str)})
    sp_status = status.reindex(q["sample_id"]).to_numpy(dtype=str)
    genotyped = np.isin(q["sample_id"], reps.samples)
    q["status"] = np.where(~genotyped, "not_genotyped",
                           np.where(sp_status != "target", sp_status, "ok"))
    per = pd.DataFrame({
        "sample_id": sub.samples,
        "n_loci": int(id_loci.sum()),
        "n_loci_typed": n_typed,
        "max_replicates": max_reps,
        "quality_index": qi_s,
        "amplification_failure": np.where(att_id > 0, fail, np.nan),
        "dna_quality": qclass,
    })
    cs = summarise_counts({k: v[:, id_loci] for k, v in counts.items()}, axis=1)
    for col in ("ado_rate", "fa_rate", "n_het_amplifications", "n_dropouts",
                "n_amplifications", "n_false_alleles"):
        per[col] = cs[col].to_numpy()
    rs = summarise_counts({k: v[:, id_loci] for k, v in ref_counts.items()}, axis=1)
    # a single blood/tissue replicate against its own consensus tests nothing
    per.loc[is_ref_type, ["ado_rate", "fa_rate"]] = np.nan
    per["reference_id"] = np.where(linked, key, "")
    for col in ("ado_rate", "fa_rate"):
        per[f"ref_{col}"] = np.where(linked, rs[col].to_numpy(), np.nan)
    per["sex"] = sex
    q = q.merge(per, on="sample_id", how="left")
    q.loc[(q["status"] == "ok") & (q["n_loci_typed"] == 0), "status"] = "failed"
    q["n_loci_typed"] = q["n_loci_typed"].astype("Int64")
    q["n_loci"] = q["n_loci"].astype("Int64")
    q["max_replicates"] = q["max_replicates"].astype("Int64")
    for col in ("n_het_amplifications", "n_dropouts", "n_amplifications", "n_false_alleles"):
        q[col] = q[col].astype("Int64")
    tables["quality"] = q
    calls = call_calls
    post_all = call_post
    samples = sub.samples
    unverified = status.reindex(reps.samples).to_numpy() == "no_sequence"
    if genotype_no_sequence and unverified.any():
        # A scat whose barcode failed is still genotyped (same thresholds), so that
        # identify can attach it to an animal it matches strongly; it is
        # kept out of the error rates above, which use species-verified samples only.
        u = np.flatnonzero(unverified)
        sub_u = Replicates(reps.calls[u], reps.attempted[u], reps.samples[u], reps.loci,
                           reps.alleles, reps.replicate_ids[u])
        cons_u = call_consensus(sub_u, min_het, min_hom)
        u_calls = cons_u.genotypes.calls
        u_post = np.full(u_calls.shape[:2], np.nan)
        if lik["model"] is not None:
            stype_u = info["sample_type"].reindex(sub_u.samples).to_numpy(dtype=str)
            amp_u = sub_u.amplified()[:, id_loci].sum(axis=(1, 2))
            fail_u = 1 - amp_u / np.maximum(sub_u.attempted[:, id_loci].sum(axis=(1, 2)), 1)
            ref_u = np.isin(stype_u, list(reference_types))
            qc_u = np.where(ref_u, "", apply_quality_classes(fail_u, stype_u, qcuts))
            g_u = np.where(ref_u, stype_u, np.char.add(np.char.add(stype_u, "/"), qc_u))
            post_u = genotype_posteriors(sub_u, lik["model"],
                                         groups=_map_groups(g_u, lik["model"].groups))
            if method == "likelihood":
                good_u = post_u.probability >= min_posterior
                u_calls = np.where(good_u[..., None], post_u.calls.calls, MISSING).astype(
                    np.int32)
                u_post = np.where(good_u, post_u.probability, np.nan)
            else:
                u_post = posterior_of_calls(post_u, u_calls)
        calls = np.concatenate([calls, u_calls], axis=0)
        post_all = np.concatenate([post_all, u_post], axis=0)
        samples = np.concatenate([samples, sub_u.samples])
        typed_u = (u_calls[:, id_loci, 0] >= 0).sum(axis=1)
        rows = q["sample_id"].isin(sub_u.samples)
        if lik["model"] is not None:
            at_u = pd.Series(np.where(sub_u.attempted[:, id_loci].any(axis=(1, 2)), fail_u,
                                      np.nan), index=sub_u.samples)
            ids = q.loc[rows, "sample_id"]
            q.loc[rows, "amplification_failure"] = at_u.reindex(ids).to_numpy()
            q.loc[rows, "dna_quality"] = pd.Series(qc_u, index=sub_u.samples).reindex(
                ids).to_numpy()
        q.loc[rows, "n_loci_typed"] = pd.Series(typed_u, index=sub_u.samples).reindex(
            q.loc[rows, "sample_id"]).to_numpy()
    out_reps = Replicates(calls[:, :, None, :], np.ones(calls.shape[:2] + (1,), bool),
                          samples, sub.loci, sub.alleles,
                          np.full(calls.shape[:2] + (1,), "consensus", dtype=object))
    tables["consensus"] = out_reps
    tables["posterior"] = post_all
    if out_dir is not None:
        from leogen.qc.outputs import write_consensus

        write_consensus(tables, out_dir, linked=links is not None)
    return tables
