"""Genotyping: DNA quality, PCR replicates with failures, allelic dropout and false alleles.

Scat DNA quality q ~ Beta(a, b); with h = 1 - q, per replicate failure ``fail(q) = c_fail h``,
allelic dropout (heterozygotes only) ``ado(q) = c_ado h``, false allele ``fa(q) = c_fa h``.
The slopes are solved so that, averaged over q, the expected rates per *successful*
amplification equal the parameters ``fail_scat``, ``ado_scat``, ``fa_scat`` (definitions of
Broquet & Petit 2004 Mol Ecol 13:3601; dropout and false alleles grow as quality falls,
Taberlet et al. 1996 Nucleic Acids Res 24:3189). Dropout and false allele are exclusive
within one amplification: a dropout shows one true allele twice; a false allele (one repeat
step beside a true allele, never a true allele) replaces one allele copy. Blood: constant
small rates. The sex marker gets dropouts but no false alleles; realised error rates are
counted over autosomal loci. Other species' scats are genotyped too: most replicates fail
and the rest give junk alleles within each locus' size range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leogen.model.genotypes import MISSING, Replicates, encode_sizes
from leogen.qc.consensus import error_counts
from leogen.simulate.params import AMEL_X, AMEL_Y, FELIDS, TARGET_SPECIES

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def beta_moments(a: float, b: float) -> tuple[float, float]:
    """First two moments E[h], E[h^2] of h = 1 - q for DNA quality q ~ Beta(a, b).

    h ~ Beta(b, a), so E[h] = b / (a + b) and E[h^2] = b (b + 1) / ((a + b)(a + b + 1)).

    Parameters
    ----------
    a, b : float
        Beta shape parameters of q (``quality_beta_a``, ``quality_beta_b``).

    Returns
    -------
    (float, float)
        E[h], E[h^2].

    Examples
    --------
    >>> beta_moments(3.0, 2.0)
    (0.4, 0.2)
    """
    m1 = b / (a + b)
    m2 = b * (b + 1) / ((a + b) * (a + b + 1))
    return m1, m2


def error_constants(a, b, fail, ado, fa) -> dict:
    """Slopes c of the per-replicate scat rates ``c * h``, h = 1 - q (see the module docstring).

    fail(q) = c_fail h with c_fail = fail / E[h], so E[fail(q)] = fail; ado and fa are
    expected per *successful* amplification (Broquet & Petit 2004 definitions):
    c = rate (1 - c_fail E[h]) / (E[h] - c_fail E[h^2]), so that
    E[c h (1 - fail(q))] / E[1 - fail(q)] = rate.

    Parameters
    ----------
    a, b : float
        Beta shape parameters of DNA quality q.
    fail, ado, fa : float
        Target mean failure, dropout and false-allele rates.

    Returns
    -------
    dict
        ``fail``, ``ado``, ``fa``: the slopes (``inf`` when no slope can reach the rates).

    Examples
    --------
    >>> c = error_constants(3.0, 2.0, 0.1, 0.2, 0.03)
    >>> {k: round(float(v), 4) for k, v in c.items()}
    {'fail': 0.25, 'ado': 0.5143, 'fa': 0.0771}
    """
    m1, m2 = beta_moments(a, b)
    c_fail = fail / m1
    denom = m1 - c_fail * m2
    scale = (1 - c_fail * m1) / denom if denom > 0 else np.inf
    return {"fail": c_fail, "ado": ado * scale, "fa": fa * scale}


def sample_error_rates(samples: pd.DataFrame, p: SimParams, seed) -> pd.DataFrame:
    """DNA quality of every sample and its per-replicate error probabilities.

    Scats: q ~ Beta(``quality_beta_a``, ``quality_beta_b``), rates ``c * (1 - q)`` with the
    slopes of ``error_constants``; blood: q = 1 and the constant ``fail_blood``,
    ``ado_blood``, ``fa_blood``.

    Parameters
    ----------
    samples : DataFrame (n_samples rows)
        With ``sample_type``.
    p : SimParams
    seed : int, SeedSequence or Generator

    Returns
    -------
    DataFrame (n_samples rows)
        ``dna_quality``, ``fail_rate``, ``dropout_rate`` (per heterozygous amplification),
        ``false_allele_rate``.
    """
    rng = np.random.default_rng(seed)
    n = len(samples)
    is_scat = (samples["sample_type"] == "scat").to_numpy()
    q = np.where(is_scat, rng.beta(p.quality_beta_a, p.quality_beta_b, n), 1.0)
    c = error_constants(p.quality_beta_a, p.quality_beta_b, p.fail_scat, p.ado_scat, p.fa_scat)
    h = 1.0 - q
    return pd.DataFrame({
        "dna_quality": q,
        "fail_rate": np.where(is_scat, np.minimum(c["fail"] * h, 1.0), p.fail_blood),
        "dropout_rate": np.where(is_scat, c["ado"] * h, p.ado_blood),
        "false_allele_rate": np.where(is_scat, c["fa"] * h, p.fa_blood),
    })


def genotype_replicates(true_sizes: np.ndarray, n_reps: np.ndarray, rates: pd.DataFrame,
                        steps: np.ndarray, seed, sex_locus: int | None = None):
    """PCR replicates of true genotypes with failures, allelic dropout and false alleles.

    Per replicate: failure with ``fail_rate``; else, at a heterozygote, dropout with
    ``dropout_rate`` (one true allele, kept at random, shows twice); else a false allele
    with ``false_allele_rate`` (divided by 1 - dropout at heterozygotes, so the rate holds
    per amplification), replacing one allele copy by a size one repeat step beside it that
    is not a true allele. The sex locus gets no false alleles.

    Parameters
    ----------
    true_sizes : int array (n_samples, n_loci, 2)
        True allele sizes of each sample's animal.
    n_reps : int array (n_samples,)
        Replicates run per sample (the same at every locus).
    rates : DataFrame (n_samples rows)
        ``fail_rate``, ``dropout_rate``, ``false_allele_rate`` (``sample_error_rates``).
    steps : int array (n_loci,)
        Repeat unit of each locus (bp).
    seed : int, SeedSequence or Generator
        A Generator is used as is (and advanced).
    sex_locus : int, optional
        Column of the sex marker.

    Returns
    -------
    sizes : int array (n_samples, n_loci, max_rep, 2)
        Observed sizes, -1 for failed or not-run replicates.
    attempted : bool array (n_samples, n_loci, max_rep)
        The replicate was run.
    """
    rng = np.random.default_rng(seed)
    n_s, n_l, _ = true_sizes.shape
    r = int(max(n_reps.max(), 1)) if n_s else 1
    shape = (n_s, n_l, r)
    attempted = np.arange(r)[None, None, :] < np.asarray(n_reps)[:, None, None]
    attempted = np.broadcast_to(attempted, shape).copy()
    a = np.broadcast_to(true_sizes[:, :, None, 0], shape)
    b = np.broadcast_to(true_sizes[:, :, None, 1], shape)
    fail = rates["fail_rate"].to_numpy()[:, None, None]
    ado = np.broadcast_to(rates["dropout_rate"].to_numpy()[:, None, None], shape).copy()
    fa = np.broadcast_to(rates["false_allele_rate"].to_numpy()[:, None, None], shape).copy()
    if sex_locus is not None:
        fa[:, sex_locus] = 0.0
    u = rng.random((4,) + shape)
    het = a != b
    failed = u[0] < fail
    drop = het & (u[1] < ado)
    fa_p = np.where(het, fa / np.maximum(1.0 - ado, 1e-12), fa)
    false = ~drop & (u[2] < fa_p)
    keep_first = u[3] < 0.5
    c1 = np.where(drop, np.where(keep_first, a, b), a)
    c2 = np.where(drop, np.where(keep_first, a, b), b)
    # false allele: replace one copy by a size one repeat step beside it, not a true allele
    step = np.broadcast_to(np.asarray(steps)[None, :, None], shape)
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    replaced = np.where(het & keep_first, b, a)  # homozygotes: one copy of a
    kept = np.where(het & keep_first, a, np.where(het, b, a))
    f = replaced + sign * step
    clash = (f == a) | (f == b)
    f = np.where(clash, replaced - sign * step, f)
    clash = (f == a) | (f == b)
    f = np.where(clash, np.maximum(a, b) + step, f)
    c1 = np.where(false, kept, c1)
    c2 = np.where(false, f, c2)
    out = np.stack([c1, c2], axis=-1)
    out[failed | ~attempted] = MISSING
    return out, attempted


def junk_replicates(n_reps: np.ndarray, loci: list[dict], amplify: np.ndarray, seed):
    """PCR replicates of other species' scats: cross-species junk.

    A replicate amplifies with the sample's probability ``amplify``; it then shows two
    random sizes on the locus' repeat ladder from 4 steps below its smallest to 4 above
    its largest allele; the sex marker gives X/X or Y/X at random.

    Parameters
    ----------
    n_reps : int array (n_samples,)
        Replicates run per sample.
    loci : list of dict
        Loci of ``make_loci`` (the sex marker is added as the last locus).
    amplify : float array (n_samples,)
        Amplification probability per replicate.
    seed : int, SeedSequence or Generator

    Returns
    -------
    sizes : int array (n_samples, n_loci + 1, max_rep, 2)
        -1 for failed or not-run replicates.
    attempted : bool array (n_samples, n_loci + 1, max_rep)
    """
    rng = np.random.default_rng(seed)
    n_s = len(n_reps)
    n_l = len(loci) + 1
    r = int(max(np.max(n_reps), 1)) if n_s else 1
    shape = (n_s, n_l, r)
    attempted = np.broadcast_to(np.arange(r)[None, None, :] < np.asarray(n_reps)[:, None, None],
                                shape).copy()
    out = np.full(shape + (2,), MISSING, dtype=np.int64)
    ok = (rng.random(shape) < np.asarray(amplify)[:, None, None]) & attempted
    for j, loc in enumerate(loci):
        lo, hi = loc["sizes"].min() - 4 * loc["step"], loc["sizes"].max() + 4 * loc["step"]
        nsteps = (hi - lo) // loc["step"] + 1
        x = lo + loc["step"] * rng.integers(0, nsteps, size=(n_s, r, 2))
        out[:, j][ok[:, j]] = np.sort(x, axis=-1)[ok[:, j]]
    sexy = np.where(rng.random((n_s, r)) < 0.5, AMEL_Y, AMEL_X)
    out[:, -1, :, 0] = np.where(ok[:, -1], sexy, MISSING)
    out[:, -1, :, 1] = np.where(ok[:, -1], AMEL_X, MISSING)
    return out, attempted


def sizes_to_replicates(sizes: np.ndarray, attempted: np.ndarray, samples, loci) -> Replicates:
    """A ``Replicates`` from allele sizes, each locus' sizes encoded in ascending order.

    Parameters
    ----------
    sizes : int array (n_samples, n_loci, n_reps, 2)
        Allele sizes, -1 missing.
    attempted : bool array (n_samples, n_loci, n_reps)
    samples : sequence of str (n_samples,)
    loci : sequence of str (n_loci,)

    Returns
    -------
    Replicates

    Examples
    --------
    >>> r = sizes_to_replicates(np.array([[[[102, 100]]], [[[-1, -1]]]]),
    ...                         np.ones((2, 1, 1), bool), ["s1", "s2"], ["L1"])
    >>> r.calls[:, 0, 0].tolist(), r.alleles[0].tolist()
    ([[1, 0], [-1, -1]], [100, 102])
    """
    calls = np.full(sizes.shape, MISSING, dtype=np.int32)
    labels = []
    for j in range(sizes.shape[1]):
        calls[:, j], uniq = encode_sizes(sizes[:, j])
        labels.append(uniq)
    return Replicates(calls, attempted, samples, loci, tuple(labels))


def count_errors(obs: np.ndarray, true: np.ndarray, attempted: np.ndarray) -> dict:
    """Realised error counts and rates against the truth (Broquet & Petit 2004).

    The counting is ``leogen.qc.consensus.error_counts`` (the one implementation), with the
    true genotype as the reference: a dropout is a successful amplification of a
    heterozygote showing only one of its true alleles; a false allele is a called allele
    not in the true genotype. ADO = dropouts / successful amplifications of heterozygotes;
    FA = amplifications with a false allele / successful amplifications.

    Parameters
    ----------
    obs : int array (n_samples, n_loci, n_reps, 2)
        Observed sizes, -1 missing.
    true : int array (n_samples, n_loci, 2)
        True sizes.
    attempted : bool array (n_samples, n_loci, n_reps)

    Returns
    -------
    dict
        ``n_het_amplifications``, ``n_dropouts``, ``ado_rate``, ``n_amplifications``,
        ``n_false_alleles``, ``fa_rate`` (rates NaN without amplifications).

    Examples
    --------
    >>> obs = np.array([[[[100, 100], [100, 104], [-1, -1]]]])  # dropout, false allele, fail
    >>> c = count_errors(obs, np.array([[[100, 102]]]), np.ones((1, 1, 3), bool))
    >>> c["n_dropouts"], c["n_false_alleles"], c["n_amplifications"]
    (1, 1, 2)
    """
    c = error_counts(obs, attempted & (obs[..., 0] >= 0), true)
    n_het, n_drop = int(c["n_het_amplifications"].sum()), int(c["n_dropouts"].sum())
    n_amp, n_false = int(c["n_amplifications"].sum()), int(c["n_false_alleles"].sum())
    return {"n_het_amplifications": n_het, "n_dropouts": n_drop,
            "ado_rate": n_drop / n_het if n_het else np.nan,
            "n_amplifications": n_amp, "n_false_alleles": n_false,
            "fa_rate": n_false / n_amp if n_amp else np.nan}


@dataclass(frozen=True)
class GenotypingResult:
    """Observed PCR replicates of every sample, with what the truth tables need.

    Attributes
    ----------
    replicates : Replicates
        Every sample x (autosomal loci + sex marker) x replicate, for genotypes.tsv.
    rates : DataFrame (n_samples rows)
        ``sample_error_rates`` of every sample.
    target_rows : int array (n_target,)
        Rows of the samples of the study species (in the sample table).
    animal_rows : int array (n_target,)
        Pedigree row of the animal of each of those samples.
    errors : DataFrame
        Realised error rates (``count_errors``) per sample type scat/blood/all, over
        autosomal loci of the study species' samples: truth/error_rates.tsv.
    """

    replicates: Replicates
    rates: pd.DataFrame
    target_rows: np.ndarray
    animal_rows: np.ndarray
    errors: pd.DataFrame


def genotype_samples(samples: pd.DataFrame, ped: pd.DataFrame, loci: list[dict],
                     true_sizes: np.ndarray, p: SimParams, quality_seed,
                     replicate_seed) -> GenotypingResult:
    """Genotype every sample: quality and error rates, PCR replicates, realised error rates.

    Study-species samples are typed from their animal's true genotype
    (``genotype_replicates``), other species' scats give junk (``junk_replicates``, felids
    with ``other_felid_amplification``, canids ``other_canid_amplification``); scats get
    ``n_replicates_scat`` replicates, blood ``n_replicates_blood``.

    Parameters
    ----------
    samples : DataFrame
        Samples of ``sample_animals``.
    ped : DataFrame
        Pedigree of ``simulate_pedigree``.
    loci : list of dict
        Loci of ``make_loci``.
    true_sizes : int array (n_individuals, n_loci + 1, 2)
        ``true_microsats`` of the pedigree (sex marker last).
    p : SimParams
    quality_seed : int, SeedSequence or Generator
        Seed of ``sample_error_rates``.
    replicate_seed : int, SeedSequence or Generator
        One stream for the replicates: the study species' first, then the other species'.

    Returns
    -------
    GenotypingResult
    """
    rates = sample_error_rates(samples, p, quality_seed)
    locus_names = [loc["name"] for loc in loci] + [p.sex_marker]
    row_of = pd.Series(np.arange(len(ped)), index=ped["individual_id"])
    is_target = (samples["species"] == TARGET_SPECIES).to_numpy()
    n_reps = np.where(samples["sample_type"] == "scat", p.n_replicates_scat,
                      p.n_replicates_blood)
    steps = np.array([loc["step"] for loc in loci] + [AMEL_X - AMEL_Y])
    tgt = np.flatnonzero(is_target)
    ind_rows = row_of[samples["individual_id"].to_numpy()[tgt]].to_numpy()
    # one generator for both kinds of sample, in this order (the example depends on it)
    rng = np.random.default_rng(replicate_seed)
    obs_t, att_t = genotype_replicates(true_sizes[ind_rows], n_reps[tgt],
                                       rates.iloc[tgt].reset_index(drop=True), steps, rng,
                                       sex_locus=len(loci))
    oth = np.flatnonzero(~is_target)
    amp = np.where(samples["species"].iloc[oth].isin(FELIDS), p.other_felid_amplification,
                   p.other_canid_amplification)
    obs_o, att_o = junk_replicates(n_reps[oth], loci, amp, rng)
    r = max(obs_t.shape[2], obs_o.shape[2])
    obs = np.full((len(samples), len(locus_names), r, 2), MISSING, dtype=np.int64)
    att = np.zeros((len(samples), len(locus_names), r), dtype=bool)
    obs[tgt, :, : obs_t.shape[2]] = obs_t
    att[tgt, :, : att_t.shape[2]] = att_t
    obs[oth, :, : obs_o.shape[2]] = obs_o
    att[oth, :, : att_o.shape[2]] = att_o
    reps = sizes_to_replicates(obs, att, samples["sample_id"], locus_names)

    # realised error rates over autosomal loci of the study species' samples
    err_rows = []
    types = samples["sample_type"].to_numpy()[tgt]
    auto = slice(0, len(loci))
    for st in ["scat", "blood", "all"]:
        sel = np.ones(tgt.size, bool) if st == "all" else types == st
        c = count_errors(obs_t[sel][:, auto], true_sizes[ind_rows][sel][:, auto],
                         att_t[sel][:, auto])
        err_rows.append({"sample_type": st, **c})
    return GenotypingResult(reps, rates, tgt, ind_rows, pd.DataFrame(err_rows))
