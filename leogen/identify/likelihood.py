"""Individual identification from genotype likelihoods (no mismatch threshold).

Evidence per sample
-------------------
For every sample and identity locus, ``L_s(g) = P(replicates of s | true genotype g)`` under
the per-replicate dropout / false-allele model of :mod:`leogen.qc.error_model` (Wang 2004
Genetics 166:1963; rates by maximum likelihood from all replicates, Johnson & Haydon 2007
Genetics 175:827), with the rates of the sample's class (sample type and DNA-quality class)
and the estimated share of false alleles that are stutter neighbours of the allele they
replace (Pompanon et al. 2005 Nat Rev Genet 6:847).
With Hardy-Weinberg priors ``P(g)`` from the data's allele frequencies the genotype posterior
is ``pi_s(g) = P(g) L_s(g) / sum_h P(h) L_s(h)`` (Miller, Joyce & Waits 2002 Genetics
160:357). A locus without an amplified replicate has ``L_s = 1`` and ``pi_s = P``.

Pairwise likelihood ratios
--------------------------
For two samples (or two groups of samples, whose likelihoods multiply) A and B, per locus::

    R2 = sum_g pi_A(g) pi_B(g) / P(g)                  (one animal vs unrelated)
    R1 = sum_{g,h} pi_A(g) K1(g, h) pi_B(h)            (one allele IBD vs unrelated)
    K1(g, h) = P(g, h | one allele IBD) / (P(g) P(h))

and for a relationship with IBD-sharing probabilities (k0, k1, k2) the ratio against
unrelated is ``k0 + k1 R1 + k2 R2``: full siblings (1/4, 1/2, 1/4), parent-offspring
(0, 1, 0) (Blouin 2003 Trends Ecol Evol 18:503; the genotype-pair likelihoods of Wang 2004
Genetics 166:1963 as used by COLONY, here integrated over each sample's genotype
uncertainty). Multilocus values are products over loci. ``LR_same_vs_sib = R2 / (1/4 + R1/2
+ R2/4)`` per locus; a genotype mismatch that genotyping error explains costs little,
a mismatch the error model cannot explain costs a lot: no mismatch threshold.

Threshold from a simulated false-match rate
--------------------------------------------
Pairs of full siblings, of unrelated animals and of one animal are simulated from the data's
allele frequencies; each simulated sample copies the amplification pattern (which replicates
amplified at which locus) and the error class of a randomly drawn real sample, and its
replicates are drawn through the fitted error model. The threshold ``T`` on log
``LR_same_vs_sib`` is the smallest value exceeded by at most a fraction ``alpha`` of the
simulated sibling pairs (and at least ``log(min_lr)``); ``match_threshold.tsv`` reports the
rates at ``T`` for each relationship.

Information of a sample
-----------------------
``information`` = log ``LR_same_vs_sib`` of the sample against an error-free reference of
its own most probable genotype: what a perfect match could give. A sample with information
below ``T`` can never be assigned reliably (status ``insufficient_information``), whatever
its number of loci.

Grouping
--------
Best-first agglomeration: groups (initially single samples) A and B merge when log
``LR_same_vs_sib(A, B) >= T`` and log ``LR_same_vs_unrelated(A, B) >= T`` with the pooled
likelihoods of their members (so a sample must agree with the whole group, never with one
member only: no chaining), and, complete linkage, every pair of members across A and B
passed the prefilter with a pairwise ``LR_same_vs_unrelated >= veto_lr``. Then every
grouped sample is re-tested against the larger groups it neighbours with the same test
(:func:`refine_groups`): samples of a small group split off its animal move to the big one.

Assignment probabilities
------------------------
For each sample s and each candidate group D (its own group without s, and the groups of
its prefilter neighbours), hypotheses: s is D's animal (prior ``(1 - p_new) |D| / (N - 1)``,
likelihood ratio ``LR_same_vs_unrelated(s, D)``), s is an unsampled full sibling or parent/
offspring of D's animal (prior ``p_new r_fs`` and ``p_new r_po``), or an animal unrelated
to all candidates (the rest of ``p_new``). Both priors are estimated from the data
rather than fixed:

- ``p_new``, the chance that a sample's animal has no other sample in the data, by EM:
  the mean over grouped samples of their posterior of being none of their candidates'
  animals, iterated to its fixed point, with one pseudo-sample alone (add-one, so it is
  never 0). It starts at the Chinese-restaurant value animals / samples (Aldous 1985),
  which counts every fragment and leftover singleton as an animal and so overstates it
  (0.11-0.28 on harsh seeds 2, 3, 6, 7, against 0.011-0.053 true singletons per sample;
  the EM value is within 15% of the truth, benchmarks/RESULTS_identify.md).
- ``r_fs`` and ``r_po``, the shares of full sibs and parent-offspring among pairs of
  animals, by EM on the mixture unrelated / full sib / parent-offspring / one animal over
  the pairs of groups (:func:`relative_shares`, as COLONY estimates relationship
  proportions; Wang 2004 Genetics 166:1963), each at least ``relative_prior`` (0.05):
  a small, inbred population with many relatives gets a larger prior, never a smaller
  one than the floor.

The assignment probability of a grouped sample is the posterior of its own group; of a
sample alone in its group, the posterior that it is none of the candidates' animals. A
sample for which another group has posterior >= ``ambiguity`` is ``ambiguous`` and joins
none.

Acceptance by posterior membership
----------------------------------
A grouped sample whose log ``LR_same_vs_sib`` against its own group (without it) is below
``T`` is still assigned when its posterior membership of that group reaches ``accept``
(default 0.99), and a sample alone in its group whose one plausible candidate group has
posterior >= ``accept`` joins that group; otherwise the sample is ``weak_match``. Joins
go in rounds (at most five): a singleton joining a group changes the candidates of the
samples around it (a sample torn between its group and a singleton of the same animal is
no longer ambiguous once the singleton has joined), so the posteriors are recomputed
after every round of joins and the statuses are set on the last. A
low-information sample close to exactly one big group thus gets a stated probability and
is assigned when that probability passes, instead of failing a fixed LR against a sibling
that ignores how many samples the group already has and how rare an unsampled sibling is
(the relationship likelihoods of Wang 2004 Genetics 166:1963 with the Chinese-restaurant
prior of Aldous 1985, Lecture Notes in Mathematics 1117, on which animal a sample is;
identity with genotype uncertainty as in Wright et al. 2009 Biometrics 65:833). What it
controls:
under the priors, each sample so accepted is in the wrong animal with probability at most
``1 - accept``; merges of groups (agglomeration, :func:`refine_groups`) still need ``T``,
so the simulated false-match rate per pair of full sibs is unchanged. ``accept = 1``
restores the threshold-only rule.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

FULL_SIB = (0.25, 0.5, 0.25)
PARENT_OFFSPRING = (0.0, 1.0, 0.0)
_TINY = 1e-300
_FREQ_FLOOR = 1e-3


# ============================================================================ kernels
def pair_index(n_alleles: int) -> np.ndarray:
    """(K, K) int: index of the unordered genotype (a, b) in
    :func:`leogen.qc.error_model.genotype_pairs` order.

    Parameters
    ----------
    n_alleles : int
        Number of alleles K at the locus.

    Returns
    -------
    int64 array (K, K)
        Genotype index of each ordered allele pair (symmetric).

    Examples
    --------
    >>> pair_index(2).tolist()
    [[0, 1], [1, 2]]
    """
    from leogen.qc.error_model import genotype_pairs

    g = genotype_pairs(int(n_alleles))
    idx = np.zeros((int(n_alleles),) * 2, dtype=np.int64)
    idx[g[:, 0], g[:, 1]] = np.arange(len(g))
    idx[g[:, 1], g[:, 0]] = np.arange(len(g))
    return idx


def hwe_prior(p: np.ndarray) -> np.ndarray:
    """Hardy-Weinberg genotype probabilities (G,) of allele frequencies ``p`` (K,), in
    :func:`leogen.qc.error_model.genotype_pairs` order.

    Parameters
    ----------
    p : float array (K,)
        Allele frequencies at the locus.

    Returns
    -------
    float array (G,)
        ``p_a^2`` for homozygotes, ``2 p_a p_b`` for heterozygotes, G = K (K + 1) / 2.

    Examples
    --------
    >>> hwe_prior(np.array([0.5, 0.5])).tolist()
    [0.25, 0.5, 0.25]
    """
    from leogen.qc.error_model import genotype_pairs

    g = genotype_pairs(len(p))
    return p[g[:, 0]] * p[g[:, 1]] * np.where(g[:, 0] != g[:, 1], 2.0, 1.0)


def ibd1_ratio(p: np.ndarray) -> np.ndarray:
    """``K1(g, h) = P(g, h | one allele IBD) / (P(g) P(h))`` (G, G) under HWE.

    The shared allele is either allele of g (1/2 each), h carries it plus an allele drawn
    from the population (Blouin 2003 Trends Ecol Evol 18:503; Wang 2004 Genetics 166:1963).
    Symmetric, and ``sum_g P(g) K1(g, h) = 1``.

    Parameters
    ----------
    p : float array (K,), allele frequencies (all > 0).

    Returns
    -------
    float array (G, G)

    Examples
    --------
    >>> ibd1_ratio(np.array([0.5, 0.5])).tolist()
    [[2.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]
    """
    from leogen.qc.error_model import genotype_pairs

    p = np.asarray(p, dtype=float)
    k = len(p)
    g = genotype_pairs(k)
    idx = pair_index(k)
    m = np.zeros((len(g), len(g)))
    rows = np.arange(len(g))
    for col in (0, 1):  # the shared allele: either copy of g (1/2 each)
        x = g[:, col]
        np.add.at(m, (np.repeat(rows, k), idx[np.repeat(x, k), np.tile(np.arange(k), len(g))]),
                  0.5 * np.tile(p, len(g)))
    prior = hwe_prior(p)
    return m / prior[None, :]


def locus_ratios(pa: np.ndarray, pb: np.ndarray, k1: np.ndarray, prior: np.ndarray):
    """Per-locus R2 and R1 of two genotype posteriors (module docstring).

    Parameters
    ----------
    pa, pb : float arrays (..., G), posteriors of the two samples.
    k1 : float array (G, G), :func:`ibd1_ratio`; prior : float array (G,), :func:`hwe_prior`.

    Returns
    -------
    (r2 (...), r1 (...)); the LR same vs unrelated is r2, full sibs vs unrelated
    ``0.25 + 0.5 r1 + 0.25 r2``.

    Examples
    --------
    Two certain heterozygotes 0/1 at a locus with p = (0.5, 0.5): one animal is 1 / P(0/1)
    = 2 times as likely as unrelated, full sibs 0.25 + 0.5 + 0.5 = 1.25 times:

    >>> p = np.array([0.5, 0.5])
    >>> het = np.array([0.0, 1.0, 0.0])
    >>> r2, r1 = locus_ratios(het, het, ibd1_ratio(p), hwe_prior(p))
    >>> float(r2), float(r1), float(0.25 + 0.5 * r1 + 0.25 * r2)
    (2.0, 1.0, 1.25)
    """
    r2 = (pa * pb / prior).sum(axis=-1)
    r1 = ((pa @ k1) * pb).sum(axis=-1)
    return r2, r1


# ============================================================================ evidence
@dataclass(frozen=True)
class Evidence:
    """Genotype likelihoods of every sample at every identity locus (module docstring).

    Attributes
    ----------
    samples (n,), loci (L,); sizes (L,) genotypes per locus, offsets (L + 1,) of each
    locus' block on the concatenated genotype axis (sum G).
    prior, log_prior : (sum G,) HWE prior; k1 : tuple of (G_l, G_l) :func:`ibd1_ratio`.
    frequencies : tuple of (K_l,) allele frequencies.
    loglik : (n, sum G) log P(replicates | g) (0 where no data).
    groups : (n,) error class index; group_labels (n_groups,).
    log_table : tuple per locus of (n_groups, G, G) log P(observed | true) per replicate.
    amplified : (n, L, R) bool, replicate amplified (the template of the simulation).
    n_amplified : (n, L) amplified replicates.
    table : the error model's estimates (or None).
    """

    samples: np.ndarray
    loci: np.ndarray
    sizes: np.ndarray
    offsets: np.ndarray
    prior: np.ndarray
    log_prior: np.ndarray
    k1: tuple
    frequencies: tuple
    loglik: np.ndarray
    groups: np.ndarray
    group_labels: np.ndarray
    log_table: tuple
    amplified: np.ndarray
    n_amplified: np.ndarray
    table: pd.DataFrame | None = None
    locus_error: float = 0.01

    @property
    def n(self) -> int:
        return len(self.samples)

    def posterior(self, loglik: np.ndarray | None = None) -> np.ndarray:
        """Posteriors (m, sum G) of log-likelihood rows (default: all samples), computed in
        blocks of rows to bound the temporaries.

        Parameters
        ----------
        loglik : float array (m, sum G) or None
            Log-likelihood rows; None uses ``self.loglik``.

        Returns
        -------
        float array (m, sum G)
            Posteriors, normalised within each locus block.
        """
        ll = self.loglik if loglik is None else loglik
        out = np.empty(ll.shape)
        for a in range(0, ll.shape[0], 4096):  # row blocks
            out[a:a + 4096] = _normalise(ll[a:a + 4096] + self.log_prior, self.offsets,
                                         self.sizes)
        return out

    def q(self, post: np.ndarray) -> np.ndarray:
        """``post @ K1`` per locus block (m, sum G).

        Parameters
        ----------
        post : float array (m, sum G)
            Genotype posteriors.

        Returns
        -------
        float array (m, sum G)
        """
        out = np.empty_like(post)
        for j, k1 in enumerate(self.k1):  # per locus, vectorised over rows
            a, b = self.offsets[j], self.offsets[j + 1]
            out[:, a:b] = post[:, a:b] @ k1
        return out


def _normalise(logw: np.ndarray, offsets: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Softmax within each locus block of rows ``logw`` (m, sum G)."""
    start = offsets[:-1]
    mx = np.maximum.reduceat(logw, start, axis=1)
    w = np.exp(logw - np.repeat(mx, sizes, axis=1))
    s = np.add.reduceat(w, start, axis=1)
    return w / np.repeat(s, sizes, axis=1)


def pair_log_lrs(ev: Evidence, pa: np.ndarray, qa: np.ndarray, pb: np.ndarray) -> dict:
    """Multilocus natural-log likelihood ratios of m pairs of posteriors.

    Parameters
    ----------
    ev : Evidence (for the priors and blocks).
    pa, qa, pb : float arrays (m, sum G): posteriors of A, ``ev.q(pa)``, posteriors of B.

    Returns
    -------
    dict of float arrays (m,): ``same_unrel`` (log prod R2), ``sib_unrel`` (full sibs vs
    unrelated), ``po_unrel`` (parent-offspring vs unrelated), ``same_sib``
    (= same_unrel - sib_unrel).
    """
    start = ev.offsets[:-1]
    r2 = np.add.reduceat(pa * pb / ev.prior, start, axis=1)
    r1 = np.add.reduceat(qa * pb, start, axis=1)
    k0, k1, k2 = FULL_SIB
    su = np.log(np.maximum(r2, _TINY)).sum(axis=1)
    fs = np.log(np.maximum(k0 + k1 * r1 + k2 * r2, _TINY)).sum(axis=1)
    po = np.log(np.maximum(r1, _TINY)).sum(axis=1)
    return {"same_unrel": su, "sib_unrel": fs, "po_unrel": po, "same_sib": su - fs}


def _obs_index(calls: np.ndarray, amp: np.ndarray, k: int) -> np.ndarray:
    """Genotype index (n, R) of replicate allele-index calls (n, R, 2); -1 not amplified."""
    if k == 0:
        return np.full(amp.shape, -1, dtype=np.int64)
    idx = pair_index(k)
    c = np.clip(calls, 0, k - 1)
    return np.where(amp, idx[c[..., 0], c[..., 1]], -1)


def replicate_loglik(obs: np.ndarray, groups: np.ndarray, log_table: np.ndarray) -> np.ndarray:
    """log P(replicates | true genotype) of every sample at one locus.

    Parameters
    ----------
    obs : int array (n, R), observed genotype index of each replicate (-1: none).
    groups : int array (n,), error class of each sample.
    log_table : float array (n_groups, G, G), log P(observed o | true t) as [group, t, o].

    Returns
    -------
    float array (n, G), 0 where the sample has no amplified replicate.

    Examples
    --------
    >>> lt = np.log(np.array([[[0.9, 0.1], [0.2, 0.8]]]))
    >>> np.round(np.exp(replicate_loglik(np.array([[0, 0, -1]]), np.array([0]), lt)), 2)
    array([[0.81, 0.04]])
    """
    valid = obs >= 0
    o = np.where(valid, obs, 0)
    vals = log_table[groups[:, None], :, o]  # (n, R, G)
    return np.where(valid[..., None], vals, 0.0).sum(axis=1)


def robust_loglik(ll: np.ndarray, log_prior: np.ndarray, locus_error: float) -> np.ndarray:
    """Mix a locus-level error into the replicate likelihoods of one locus.

    With probability ``locus_error`` a sample's replicates at a locus say nothing about its
    genotype (an error the replicate model does not describe: a false allele repeated in
    several replicates, a mutation, contamination, a scoring error), as the per-locus
    genotype error of Wang 2004 Genetics 166:1963 and COLONY:
    ``L'(g) = (1 - e) L(g) + e sum_h P(h) L(h)``. A mismatch then costs at most about
    ``log(2 e)`` per locus instead of anything the replicate model makes of it.

    Parameters
    ----------
    ll : float array (n, G), log L per sample (0 rows: no data, left unchanged).
    log_prior : float array (G,); locus_error : e.

    Returns
    -------
    float array (n, G)

    Examples
    --------
    >>> ll = np.log(np.array([[1.0, 1e-9]]))
    >>> np.round(np.exp(robust_loglik(ll, np.log([0.5, 0.5]), 0.01)), 4)
    array([[0.995, 0.005]])
    """
    if locus_error <= 0:
        return ll
    lz = _logsumexp_rows(ll + log_prior[None, :])
    out = np.logaddexp(np.log1p(-locus_error) + ll, np.log(locus_error) + lz[:, None])
    return np.where((ll == 0).all(axis=1)[:, None], ll, out)


def _logsumexp_rows(x: np.ndarray) -> np.ndarray:
    mx = x.max(axis=1)
    return mx + np.log(np.exp(x - mx[:, None]).sum(axis=1))


def compact_alleles(reps):
    """The replicates with, per locus, only the alleles seen in an amplified replicate
    (indices remapped; fewer candidate genotypes).

    Parameters
    ----------
    reps : Replicates
        The replicate genotypes.

    Returns
    -------
    Replicates
        Same samples, loci and replicates, alleles reduced to those seen.
    """
    from leogen.model.genotypes import Replicates

    calls = reps.calls.copy()
    amp = reps.amplified()
    alleles = []
    for j in range(reps.n_loci):  # per locus
        c = reps.calls[:, j][amp[:, j]]
        seen = np.unique(c) if c.size else np.zeros(0, np.int64)
        seen = seen[seen >= 0]
        remap = np.full(max(len(reps.alleles[j]), 1), -1, dtype=np.int64)
        remap[seen] = np.arange(len(seen))
        cj = calls[:, j]
        calls[:, j] = np.where(cj >= 0, remap[np.maximum(cj, 0)], -1)
        alleles.append(np.asarray(reps.alleles[j])[seen])
    return Replicates(calls, reps.attempted, reps.samples, reps.loci, tuple(alleles))


def quality_classes(reps, sample_types: np.ndarray, loci, n_classes: int = 3,
                    reference_types=("blood", "tissue")) -> np.ndarray:
    """Error class of each sample: its type, and for non-reference types a DNA-quality class
    (``<type>_q1`` best ... ``_q<n>``) from quantiles of its amplification success (the share
    of run replicates that amplified, over ``loci``): dropout and false alleles grow as
    DNA quality falls (Taberlet et al. 1996 Nucleic Acids Res 24:3189).

    Parameters
    ----------
    reps : Replicates (n, n_loci, R); sample_types : (n,) str; loci : bool mask (n_loci,).
    n_classes : quality classes per non-reference type.

    Returns
    -------
    object array (n,) of labels.
    """
    att = reps.attempted[:, loci].sum(axis=(1, 2))
    amp = reps.amplified()[:, loci].sum(axis=(1, 2))
    succ = np.where(att > 0, amp / np.maximum(att, 1), 0.0)
    out = np.asarray(sample_types, dtype=object).copy()
    for t in sorted(set(out)):
        m = (out == t) & ~np.isin(out, list(reference_types))
        if not m.any() or n_classes <= 1:
            continue
        edges = np.quantile(succ[m], np.linspace(0, 1, n_classes + 1)[1:-1])
        k = n_classes - np.searchsorted(edges, succ[m], side="right")  # high success -> q1
        k = np.clip(k, 1, n_classes)
        out[np.flatnonzero(m)] = [f"{t}_q{x}" for x in k]
    return out


def _freqs_floor(p: np.ndarray) -> np.ndarray:
    p = np.nan_to_num(np.asarray(p, dtype=float)) + _FREQ_FLOOR
    return p / p.sum()


def build_evidence(reps, loci, groups, ado: np.ndarray, fa: np.ndarray, frequencies,
                   spectrum, junk: float = 1e-6, table=None,
                   locus_error: float = 0.01, stutter: float = 0.0) -> Evidence:
    """Evidence from replicates and error rates.

    Parameters
    ----------
    reps : Replicates (n, n_loci, R, 2); loci : names of the identity loci.
    groups : (n,) int class index; ado, fa : (n_groups, L) rates per class and locus.
    frequencies, spectrum : per locus (K_l,) allele frequencies and false-allele spectrum.
    junk : the uniform component of :func:`leogen.qc.error_model.replicate_likelihood`.
    table : the error model's table (kept for reporting).
    locus_error : :func:`robust_loglik`.
    stutter : share of false alleles one repeat from the replaced allele (a number, or one
        per locus; :func:`leogen.qc.error_model.replicate_likelihood`).
    """
    from leogen.qc.error_model import repeat_adjacency, replicate_likelihood

    pos = pd.Index(list(reps.loci)).get_indexer(list(loci))
    amp_all = reps.amplified()
    sizes, priors, k1s, freqs, tables, lls, amps = [], [], [], [], [], [], []
    keep = []
    for j, jj in enumerate(pos):  # per locus
        k = len(reps.alleles[jj])
        if k == 0:
            continue
        keep.append(j)
        p = _freqs_floor(frequencies[j])
        s = np.nan_to_num(np.asarray(spectrum[j], dtype=float)) + 1e-9
        a = np.nan_to_num(ado[:, j], nan=0.0).clip(1e-6, 0.95)
        e = np.nan_to_num(fa[:, j], nan=0.0).clip(1e-6, 0.5)
        t = replicate_likelihood(a, e, s / s.sum(), junk=max(junk, 1e-9),
                                 adjacent=repeat_adjacency(reps.alleles[jj]),
                                 stutter=float(np.atleast_1d(stutter)[min(j, np.size(stutter) - 1)]))
        lt = np.log(np.maximum(t, _TINY))
        obs = _obs_index(reps.calls[:, jj], amp_all[:, jj], k)
        pr = hwe_prior(p)
        lls.append(robust_loglik(replicate_loglik(obs, groups, lt), np.log(pr), locus_error))
        sizes.append(lt.shape[1])
        priors.append(pr)
        k1s.append(ibd1_ratio(p))
        freqs.append(p)
        tables.append(lt)
        amps.append(amp_all[:, jj])
    sizes = np.array(sizes, dtype=np.int64)
    prior = np.concatenate(priors) if priors else np.zeros(0)
    return Evidence(
        samples=np.asarray(reps.samples), loci=np.asarray(loci)[keep], sizes=sizes,
        offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), prior=prior,
        log_prior=np.log(np.maximum(prior, _TINY)), k1=tuple(k1s), frequencies=tuple(freqs),
        loglik=np.concatenate(lls, axis=1) if lls else np.zeros((reps.n_samples, 0)),
        groups=np.asarray(groups, dtype=np.int64), group_labels=np.array([]),
        log_table=tuple(tables), locus_error=float(locus_error),
        amplified=np.stack(amps, axis=1) if amps else np.zeros((reps.n_samples, 0, 1), bool),
        n_amplified=np.stack([a.sum(axis=1) for a in amps], axis=1) if amps
        else np.zeros((reps.n_samples, 0), np.int64),
        table=table)


def evidence_from_replicates(reps, loci, sample_types, n_quality_classes: int = 3,
                             max_iter: int = 300, tol: float = 1e-4,
                             locus_error: float = 0.01, max_fit_samples: int = 4000,
                             seed: int = 1) -> Evidence:
    """Fit the error model to the replicates (:func:`leogen.qc.error_model.fit_error_model`,
    rates per error class shared across loci) and build the evidence.

    Parameters
    ----------
    reps : Replicates (n, n_loci, R, 2); loci : names of the identity loci.
    sample_types : (n,) sample type of each sample (classes: :func:`quality_classes`).
    n_quality_classes : DNA-quality classes per non-reference type.
    max_iter, tol : EM stopping rule.
    locus_error : :func:`robust_loglik`.
    max_fit_samples, seed : the rates are fitted on at most this many samples (a seeded
        random subset, by error class, at least 50 per class: a few thousand samples pin
        down a handful of class rates); the likelihoods are then computed for every sample.
    """
    from leogen.model.genotypes import Replicates
    from leogen.qc.error_model import fit_error_model

    reps = compact_alleles(reps)
    mask = np.isin(reps.loci, list(loci))
    labels = quality_classes(reps, sample_types, mask, n_quality_classes).astype(str)
    fit_reps, fit_labels = reps, labels
    if reps.n_samples > max_fit_samples:
        rng = np.random.default_rng(seed)
        sel = []
        for lab_ in np.unique(labels):  # every class keeps at least 50 samples
            idx = np.flatnonzero(labels == lab_)
            k = min(len(idx), max(50, round(max_fit_samples * len(idx) / reps.n_samples)))
            sel.append(rng.choice(idx, k, replace=False))
        sel = np.sort(np.concatenate(sel))
        fit_reps = Replicates(reps.calls[sel], reps.attempted[sel], reps.samples[sel],
                              reps.loci, reps.alleles)
        fit_labels = labels[sel]
    model = fit_error_model(fit_reps, groups=fit_labels, by="group", loci=list(loci),
                            max_iter=max_iter, tol=tol, intervals=False)
    gi = pd.Index(list(model.groups)).get_indexer(labels).astype(np.int64)
    ev = build_evidence(reps, model.loci, gi, model.ado, model.fa, model.frequencies,
                        model.spectrum, model.junk, model.table, locus_error, model.stutter)
    return _with_labels(ev, model.groups)


def evidence_from_genotypes(g, loci, error: float = 0.01,
                            locus_error: float = 0.01) -> Evidence:
    """Evidence from single (consensus) genotypes: each call is one replicate with dropout
    and false-allele rate ``error`` (used when no replicate genotypes are given).

    Parameters
    ----------
    g : Genotypes (n, n_loci); loci : names of the identity loci; error : the rates.
    """
    from leogen.model.genotypes import Replicates

    reps = Replicates(g.calls[:, :, None, :], np.ones(g.calls.shape[:2] + (1,), bool),
                      g.samples, g.loci, g.alleles)
    pos = pd.Index(list(g.loci)).get_indexer(list(loci))
    freqs = g.allele_frequencies()
    f = [np.asarray(freqs[j][: len(g.alleles[j])]) for j in pos]
    rate = np.full((1, len(pos)), float(error))
    ev = build_evidence(reps, loci, np.zeros(g.n_samples, np.int64), rate, rate, f, f,
                        locus_error=locus_error)
    return _with_labels(ev, np.array(["consensus"], dtype=object))


def _with_labels(ev: Evidence, labels) -> Evidence:
    from dataclasses import replace

    return replace(ev, group_labels=np.asarray(labels, dtype=object))


def map_codes(ev: Evidence, post: np.ndarray, min_prob: float = 0.5) -> np.ndarray:
    """Most probable genotype index per sample and locus (n, L); -1 where the sample has
    no amplified replicate or the posterior of that genotype is below ``min_prob``.

    Parameters
    ----------
    ev : Evidence
        The evidence (blocks, amplification counts).
    post : float array (n, sum G)
        Genotype posteriors (:meth:`Evidence.posterior`).
    min_prob : float
        Smallest posterior of a genotype that is called.

    Returns
    -------
    int64 array (n, L)
        Genotype index within each locus' block, -1 for no call.
    """
    out = np.full((ev.n, len(ev.sizes)), -1, dtype=np.int64)
    for j in range(len(ev.sizes)):  # per locus
        blk = post[:, ev.offsets[j]:ev.offsets[j + 1]]
        best = np.argmax(blk, axis=1)
        ok = (ev.n_amplified[:, j] > 0) & (blk[np.arange(ev.n), best] >= min_prob)
        out[ok, j] = best[ok]
    return out


def information(ev: Evidence, post: np.ndarray, q: np.ndarray) -> np.ndarray:
    """log LR same vs full sib of each sample against an error-free reference of its most
    probable genotype (module docstring), (n,).

    Parameters
    ----------
    ev : Evidence
        The evidence (priors, blocks, amplification counts).
    post : float array (n, sum G)
        Genotype posteriors.
    q : float array (n, sum G)
        ``ev.q(post)``.

    Returns
    -------
    float array (n,)
        Natural-log LR per sample; loci without an amplified replicate add 0.
    """
    info = np.zeros(ev.n)
    for j in range(len(ev.sizes)):  # per locus
        a, b = ev.offsets[j], ev.offsets[j + 1]
        blk, qb = post[:, a:b], q[:, a:b]
        best = np.argmax(blk, axis=1)
        r = np.arange(ev.n)
        r2 = blk[r, best] / ev.prior[a:b][best]
        r1 = qb[r, best]
        c = np.log(np.maximum(r2, _TINY)) - np.log(0.25 + 0.5 * r1 + 0.25 * r2)
        info += np.where(ev.n_amplified[:, j] > 0, c, 0.0)
    return info


# ============================================================================ prefilter
def candidate_pairs(codes: np.ndarray, base: float = 2.0, slope: float = 0.35,
                    chunk: int = 1024) -> pd.DataFrame:
    """Pairs i < j compared at >= 1 locus with n_mismatches <= base + slope n_compared.

    A generous, cheap bound on the most probable genotypes (float32 matrix products over
    chunks, as :func:`leogen.identify.matching.match_pairs`); the likelihood ratios decide.

    Parameters
    ----------
    codes : int array (n, L) of genotype codes (-1 missing).
    base, slope : the bound. chunk : rows per block.

    Returns
    -------
    DataFrame: i, j, n_compared, n_mismatches.
    """
    from leogen.identify.matching import _one_hot

    n = codes.shape[0]
    x = _one_hot(codes)
    t = (codes >= 0).astype(np.float32)
    parts = []
    for i0 in range(0, n, chunk):  # row blocks
        i1 = min(n, i0 + chunk)
        comp = t[i0:i1] @ t[i0:].T
        mism = comp - x[i0:i1] @ x[i0:].T
        ok = (comp >= 1) & (mism <= base + slope * comp)
        ii, jj = np.nonzero(ok)
        up = jj > ii
        ii, jj = ii[up], jj[up]
        parts.append((ii + i0, jj + i0, comp[ii, jj].astype(np.int32),
                      mism[ii, jj].astype(np.int32)))
    cols = [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, np.int64)
            for k in range(4)]
    return pd.DataFrame({"i": cols[0].astype(np.int64), "j": cols[1].astype(np.int64),
                         "n_compared": cols[2].astype(np.int32),
                         "n_mismatches": cols[3].astype(np.int32)})


def pairwise(ev: Evidence, post: np.ndarray, q: np.ndarray, i: np.ndarray, j: np.ndarray,
             chunk: int = 4000) -> dict:
    """:func:`pair_log_lrs` of sample pairs (i, j), in chunks; dict of (n_pairs,) arrays.

    Parameters
    ----------
    ev : Evidence
        The evidence.
    post, q : float array (n, sum G)
        Genotype posteriors and ``ev.q(post)``.
    i, j : int array (n_pairs,)
        Sample indices of the pairs.
    chunk : int
        Pairs per chunk.

    Returns
    -------
    dict of float array (n_pairs,)
        ``same_unrel``, ``sib_unrel``, ``po_unrel``, ``same_sib``.
    """
    out = {k: np.zeros(len(i)) for k in ("same_unrel", "sib_unrel", "po_unrel", "same_sib")}
    for a in range(0, len(i), chunk):  # chunks of pairs
        s = slice(a, a + chunk)
        r = pair_log_lrs(ev, post[i[s]], q[i[s]], post[j[s]])
        for k, v in r.items():
            out[k][s] = v
    return out


# ============================================================================ simulation
def simulate_pair_lrs(ev: Evidence, templates: np.ndarray, n_pairs: int, seed: int,
                      relationship: str, chunk: int = 5000) -> np.ndarray:
    """log LR same vs full sib of simulated pairs of one relationship (module docstring).

    Parameters
    ----------
    ev : Evidence of the data (frequencies, error tables, amplification patterns).
    templates : int array, the samples whose patterns and error classes are copied.
    n_pairs : pairs to simulate; seed : seed.
    relationship : 'unrelated', 'full_sib' or 'same'.

    Returns
    -------
    float array (n_pairs,)
    """
    rng = np.random.default_rng(seed)
    out = np.zeros(n_pairs)
    cum_tables = [np.cumsum(np.exp(lt), axis=2) for lt in ev.log_table]
    for a in range(0, n_pairs, chunk):  # chunks of pairs
        m = min(chunk, n_pairs - a)
        tmp = templates[rng.integers(0, len(templates), size=(2, m))]
        ll = [np.zeros((m, int(ev.offsets[-1]))) for _ in range(2)]
        for j, p in enumerate(ev.frequencies):  # per locus
            cp = np.cumsum(p)
            def draw(shape, cp=cp):
                return np.minimum(np.searchsorted(cp, rng.random(shape), side="right"),
                                  len(cp) - 1)
            if relationship == "same":
                g1 = draw((m, 2))
                g2 = g1
            elif relationship == "unrelated":
                g1, g2 = draw((m, 2)), draw((m, 2))
            else:
                par = draw((m, 2, 2))  # two parents, two alleles each
                pick = rng.integers(0, 2, size=(2, m, 2))
                g1 = np.stack([par[np.arange(m), 0, pick[0, :, 0]],
                               par[np.arange(m), 1, pick[0, :, 1]]], axis=1)
                g2 = np.stack([par[np.arange(m), 0, pick[1, :, 0]],
                               par[np.arange(m), 1, pick[1, :, 1]]], axis=1)
            idx = pair_index(len(p))
            for k, gt in enumerate((g1, g2)):  # the two samples of each pair
                t = idx[gt[:, 0], gt[:, 1]]
                s = tmp[k]
                grp = ev.groups[s]
                amp = ev.amplified[s, j]  # (m, R)
                rows = cum_tables[j][grp, t]  # (m, G)
                u = rng.random(amp.shape)
                o = (u[..., None] > rows[:, None, :]).sum(axis=2)
                o = np.where(amp, np.minimum(o, rows.shape[1] - 1), -1)
                a0, a1 = ev.offsets[j], ev.offsets[j + 1]
                ll[k][:, a0:a1] = robust_loglik(replicate_loglik(o, grp, ev.log_table[j]),
                                                ev.log_prior[a0:a1], ev.locus_error)
        pa, pb = ev.posterior(ll[0]), ev.posterior(ll[1])
        out[a:a + m] = pair_log_lrs(ev, pa, ev.q(pa), pb)["same_sib"]
    return out


def match_threshold(ev: Evidence, templates: np.ndarray, alpha: float = 1e-3,
                    n_pairs: int | None = None, seed: int = 1,
                    min_lr: float = 100.0) -> tuple[float, pd.DataFrame]:
    """Threshold T on log LR same vs sib with simulated false-match rate <= alpha per pair
    of full siblings (module docstring), and its table.

    ``n_pairs`` (default max(20000, 20 / alpha)) pairs of full sibs are simulated, a quarter
    as many unrelated and same-animal pairs (for the table only).

    Parameters
    ----------
    ev : Evidence
        Evidence of the data (frequencies, error tables, amplification patterns).
    templates : int array
        The samples whose patterns and error classes are copied.
    alpha : float
        Target false-match rate per pair of full siblings.
    n_pairs : int or None
        Pairs of full sibs to simulate.
    seed : int
        Seed of the simulation.
    min_lr : float
        Smallest LR (not log) the threshold may take.

    Returns
    -------
    (T, DataFrame with one row per relationship: relationship, n_pairs,
    log10_lr_threshold, p_at_or_above (the false-match rate for sibs and unrelated, the
    power for one animal), target (alpha for full sibs), chosen_by ('simulated_quantile'
    or 'minimum_lr')).
    """
    n_pairs = int(n_pairs or max(20000, int(np.ceil(20 / alpha))))
    ss = np.random.SeedSequence(seed).spawn(3)
    n_rel = {"full_sib": n_pairs, "unrelated": max(n_pairs // 4, 1000),
             "same": max(n_pairs // 4, 1000)}
    lr = {rel: simulate_pair_lrs(ev, templates, n_rel[rel], s, rel)
          for rel, s in zip(("full_sib", "unrelated", "same"), ss, strict=True)}
    sib = np.sort(lr["full_sib"])
    # smallest T with #(sib >= T) <= alpha n: just above the (n - floor(alpha n))-th value
    k = int(np.floor(alpha * n_pairs))
    q = np.nextafter(sib[n_pairs - k - 1], np.inf) if k < n_pairs else -np.inf
    floor = np.log(min_lr)
    t = float(max(q, floor))
    rows = [(rel, len(v), t / np.log(10), float((v >= t).mean()),
             alpha if rel == "full_sib" else np.nan,
             "simulated_quantile" if q >= floor else "minimum_lr")
            for rel, v in lr.items()]
    return t, pd.DataFrame(rows, columns=["relationship", "n_pairs", "log10_lr_threshold",
                                          "p_at_or_above", "target", "chosen_by"])


# ============================================================================ grouping
def agglomerate(ev: Evidence, post: np.ndarray, q: np.ndarray, pairs: pd.DataFrame,
                eligible: np.ndarray, threshold: float, veto_lr: float = 0.01) -> np.ndarray:
    """Best-first agglomeration (module docstring); cluster label per sample (-1 not
    eligible), labels are arbitrary integers.

    Parameters
    ----------
    ev, post, q : evidence, posteriors (n, sum G) and ``ev.q(post)``.
    pairs : candidate pairs with ``same_unrel`` and ``same_sib`` (log LRs).
    eligible : bool (n,); threshold : T (natural log); veto_lr : complete-linkage floor.
    """
    n = ev.n
    lab = np.where(eligible, np.arange(n), -1)
    pi, pj = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    keep = eligible[pi] & eligible[pj]
    pi, pj = pi[keep], pj[keep]
    su = pairs["same_unrel"].to_numpy()[keep]
    ssib = pairs["same_sib"].to_numpy()[keep]
    # CSR of edges per sample (both directions)
    a = np.concatenate([pi, pj])
    b = np.concatenate([pj, pi])
    w = np.concatenate([su, su])
    o = np.argsort(a, kind="stable")
    a, b, w = a[o], b[o], w[o]
    start = np.searchsorted(a, np.arange(n + 1))
    members: dict[int, np.ndarray] = {}
    logl: dict[int, np.ndarray] = {}
    log_veto = np.log(veto_lr) if veto_lr else -np.inf
    ok = (ssib >= threshold) & (su >= threshold) & (su >= log_veto)
    heap = list(zip((-ssib[ok]).tolist(), pi[ok].tolist(), pj[ok].tolist(), strict=True))
    heapq.heapify(heap)
    alive = np.zeros(2 * n + 1, dtype=bool)
    alive[:n] = eligible
    nxt = n

    def mem(c):
        return members[c] if c in members else np.array([c])

    while heap:  # one step per merge, vectorised over the new group's neighbours
        _, c, d = heapq.heappop(heap)
        if not (alive[c] and alive[d]):
            continue
        new = nxt
        nxt += 1
        alive[c] = alive[d] = False
        alive[new] = True
        m = np.concatenate([mem(c), mem(d)])
        members[new] = m
        lab[m] = new
        logl[new] = (logl.pop(c) if c in logl else ev.loglik[c]) + \
            (logl.pop(d) if d in logl else ev.loglik[d])
        members.pop(c, None)
        members.pop(d, None)
        # neighbours of the new group: clusters of its members' edges
        idx = np.concatenate([np.arange(start[s], start[s + 1]) for s in m])
        nb_s, nb_w = b[idx], w[idx]
        nb_c = lab[nb_s]
        out = nb_c != new
        nb_c, nb_w = nb_c[out], nb_w[out]
        if nb_c.size == 0:
            continue
        uc, inv = np.unique(nb_c, return_inverse=True)
        n_edges = np.bincount(inv, minlength=len(uc))
        min_w = np.full(len(uc), np.inf)
        np.minimum.at(min_w, inv, nb_w)
        size_nb = np.array([len(mem(x)) for x in uc])
        full = (min_w >= log_veto) & ((n_edges == len(m) * size_nb) | (veto_lr is None))
        uc = uc[full]
        if uc.size == 0:
            continue
        pn = ev.posterior(logl[new][None, :])
        qn = ev.q(pn)
        pb = ev.posterior(np.stack([logl[x] if x in logl else ev.loglik[x] for x in uc]))
        r = pair_log_lrs(ev, np.repeat(pn, len(uc), 0), np.repeat(qn, len(uc), 0), pb)
        good = (r["same_sib"] >= threshold) & (r["same_unrel"] >= threshold)
        for s_, x in zip(r["same_sib"][good].tolist(), uc[good].tolist(), strict=True):
            heapq.heappush(heap, (-s_, min(x, new), max(x, new)))
    return lab


def refine_groups(ev: Evidence, post: np.ndarray, q: np.ndarray, pairs: pd.DataFrame,
                  lab: np.ndarray, threshold: float, veto_lr: float = 0.01,
                  max_rounds: int = 5, chunk: int = 4000) -> np.ndarray:
    """Re-test every sample against the larger groups it neighbours, after
    :func:`agglomerate`: a sample moves from its group C to a larger group D (or one of
    equal size with a smaller index, so that moves between equal groups go one way) when it
    passes
    the merge test against D alone (log LR same vs sib and same vs unrelated of the sample
    against D's pooled likelihoods >= ``threshold``, and complete linkage: a prefilter pair
    with LR same vs unrelated >= ``veto_lr`` with every member of D) and fits D better than
    the rest of C (larger log LR same vs sib). Rounds until no sample moves.

    Best-first agglomeration on pooled likelihoods can split one animal: poor samples that
    share an error pattern pool into a small group whose pooled genotype is confidently
    wrong at a locus, so the small group as a whole fails the merge test against the big
    one although each of its members passes it. Re-testing sample by sample (a sample's
    own replicates against D's) is the same test as a merge, so the false-match control of
    the threshold is unchanged.

    Parameters
    ----------
    ev, post, q : evidence, posteriors (n, sum G) and ``ev.q(post)``.
    pairs : candidate pairs (i, j) with ``same_unrel`` (log LR, natural log).
    lab : (n,) group labels of :func:`agglomerate` (-1 none); not modified.
    threshold : T (natural log); veto_lr : complete-linkage floor.
    max_rounds : most rounds of moves; chunk : (sample, group) rows per block.

    Returns
    -------
    int array (n,)
        New labels (a moved sample takes its new group's label; -1 unchanged).

    Examples
    --------
    Without candidate pairs nothing moves:

    >>> from leogen.model.genotypes import Genotypes
    >>> ev = evidence_from_genotypes(Genotypes(np.zeros((2, 1, 2), np.int32), ["a", "b"],
    ...                                        ["L1"], (np.array([100]),)), ["L1"])
    >>> post = ev.posterior()
    >>> no_pairs = pd.DataFrame({"i": [], "j": [], "same_unrel": []}, dtype=float)
    >>> refine_groups(ev, post, ev.q(post), no_pairs, np.array([0, 1]), 1.0).tolist()
    [0, 1]
    """
    lab = lab.copy()
    pi = pairs["i"].to_numpy().astype(np.int64)
    pj = pairs["j"].to_numpy().astype(np.int64)
    su_p = pairs["same_unrel"].to_numpy(dtype=float)
    log_veto = np.log(veto_lr) if veto_lr else -np.inf
    ok_edge = su_p >= log_veto
    a_all = np.concatenate([pi[ok_edge], pj[ok_edge]])
    b_all = np.concatenate([pj[ok_edge], pi[ok_edge]])
    for _ in range(max_rounds):  # rounds of simultaneous moves
        grouped = lab >= 0
        if not grouped.any():
            break
        ul, comp_g = np.unique(lab[grouped], return_inverse=True)
        comp = np.full(ev.n, -1, dtype=np.int64)
        comp[grouped] = comp_g
        n_grp = len(ul)
        size = np.bincount(comp_g, minlength=n_grp)
        # edges sample -> group with the number of D's members it has an edge with
        ca, cb = comp[a_all], comp[b_all]
        e_ok = (ca >= 0) & (cb >= 0) & (ca != cb)
        if not e_ok.any():
            break
        key, cnt = np.unique(a_all[e_ok] * n_grp + cb[e_ok], return_counts=True)
        s_r, d_r = key // n_grp, key % n_grp
        c_r = comp[s_r]
        larger = (size[d_r] > size[c_r]) | ((size[d_r] == size[c_r]) & (d_r < c_r))
        cand = (cnt == size[d_r]) & larger  # complete linkage; larger (ties: one direction)
        s_r, d_r = s_r[cand], d_r[cand]
        if s_r.size == 0:
            break
        srt = np.flatnonzero(grouped)[np.argsort(comp_g, kind="stable")]
        gl = np.add.reduceat(ev.loglik[srt], np.searchsorted(comp[srt], np.arange(n_grp)),
                             axis=0)
        ss = np.empty(len(s_r))
        su = np.empty(len(s_r))
        for a in range(0, len(s_r), chunk):  # chunks of (sample, group) rows
            sl = slice(a, a + chunk)
            r = pair_log_lrs(ev, post[s_r[sl]], q[s_r[sl]], ev.posterior(gl[d_r[sl]]))
            ss[sl], su[sl] = r["same_sib"], r["same_unrel"]
        good = (ss >= threshold) & (su >= threshold)
        s_r, d_r, ss = s_r[good], d_r[good], ss[good]
        if s_r.size == 0:
            break
        o = np.lexsort((d_r, -ss, s_r))  # best group per sample
        s_r, d_r = s_r[o], d_r[o]
        first = np.r_[True, s_r[1:] != s_r[:-1]]
        lab[s_r[first]] = ul[d_r[first]]
    return lab


def _group_lse(key: np.ndarray, val: np.ndarray, n: int) -> np.ndarray:
    """logsumexp of ``val`` per ``key`` in 0..n-1 (-inf where none)."""
    mx = np.full(n, -np.inf)
    np.maximum.at(mx, key, val)
    s = np.zeros(n)
    np.add.at(s, key, np.exp(val - mx[key]))
    with np.errstate(divide="ignore"):
        return mx + np.log(s)


def unrank_pairs(rank: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of ``n`` items from their rank in ``np.triu_indices(n, 1)`` order.

    Row i starts at rank ``i (2 n - i - 1) / 2``; the row is found by the root of that
    quadratic, corrected by one either way for rounding.

    Parameters
    ----------
    rank : int array (m,)
        Ranks, 0 to n (n - 1) / 2 - 1.
    n : int
        Number of items.

    Returns
    -------
    (int array (m,), int array (m,))

    Examples
    --------
    >>> [a.tolist() for a in unrank_pairs(np.arange(6), 4)]
    [[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]]
    """
    rank = np.asarray(rank, dtype=np.int64)
    b = 2 * int(n) - 1
    i = np.floor((b - np.sqrt(np.maximum(b * b - 8.0 * rank, 0.0))) / 2).astype(np.int64)
    i -= (i * (b - i) // 2 > rank).astype(np.int64)
    i += ((i + 1) * (b - i - 1) // 2 <= rank).astype(np.int64)
    return i, rank - i * (b - i) // 2 + i + 1


def relative_shares(ev: Evidence, lab: np.ndarray, max_pairs: int = 50000, seed: int = 1,
                    n_iter: int = 500, tol: float = 1e-8) -> dict:
    """Shares of full siblings and parent-offspring among pairs of animals, by EM.

    Every pair of groups (a random sample of ``max_pairs`` pairs, drawn with ``seed``, when
    there are more) is a draw from a mixture of four relationships, unrelated, full sibs,
    parent-offspring and one animal (fragments of one animal), whose likelihoods relative
    to unrelated are the pooled :func:`pair_log_lrs`; the mixture weights are estimated by
    EM (the relationship proportions of Wang 2004 Genetics 166:1963 and of COLONY, Jones &
    Wang 2010 Mol Ecol Resour 10:551, here over pairs of groups). Half-sibs and other
    relatives, not in the mixture, fall mostly in the full-sib and parent-offspring
    classes, so the shares lean high (a conservative prior on unsampled relatives).

    Parameters
    ----------
    ev : Evidence
        The evidence (n samples).
    lab : int array (n,)
        Group label per sample, -1 for samples in no group.
    max_pairs : int
        Most pairs of groups used.
    seed : int
        Seed of the pair sample (only used when there are more than ``max_pairs`` pairs).
    n_iter, tol : int, float
        Most EM iterations; stop when no weight moves by more than ``tol``.

    Returns
    -------
    dict
        ``full_sib``, ``parent_offspring``: shares among pairs of distinct animals;
        ``same``: share of group pairs that are one animal; ``n_pairs``: pairs used
        (0 when there are fewer than two groups: the shares are then NaN).

    Examples
    --------
    >>> from leogen.model.genotypes import Genotypes
    >>> ev = evidence_from_genotypes(Genotypes(np.zeros((1, 1, 2), np.int32), ["a"],
    ...                                        ["L1"], (np.array([100]),)), ["L1"])
    >>> relative_shares(ev, np.array([0]))["n_pairs"]
    0
    """
    grouped = lab >= 0
    ul, comp = np.unique(lab[grouped], return_inverse=True)
    n_grp = len(ul)
    nan = {"full_sib": np.nan, "parent_offspring": np.nan, "same": np.nan, "n_pairs": 0}
    if n_grp < 2:
        return nan
    srt = np.flatnonzero(grouped)[np.argsort(comp, kind="stable")]
    gl = np.add.reduceat(ev.loglik[srt], np.searchsorted(np.sort(comp), np.arange(n_grp)),
                         axis=0)
    n_all = n_grp * (n_grp - 1) // 2
    if n_all <= max_pairs:
        i, j = np.triu_indices(n_grp, 1)
    else:  # a random sample of distinct pairs, by their rank in the upper triangle
        rank = np.sort(np.random.default_rng(seed).choice(n_all, max_pairs, replace=False))
        i, j = unrank_pairs(rank, n_grp)
    post = ev.posterior(gl)
    q = ev.q(post)
    lr = {k: np.zeros(len(i)) for k in ("sib_unrel", "po_unrel", "same_unrel")}
    for a in range(0, len(i), 4000):  # chunks of pairs
        sl = slice(a, a + 4000)
        r = pair_log_lrs(ev, post[i[sl]], q[i[sl]], post[j[sl]])
        for k in lr:
            lr[k][sl] = r[k]
    ll = np.stack([np.zeros(len(i)), lr["sib_unrel"], lr["po_unrel"], lr["same_unrel"]], 1)
    w = np.array([0.9, 0.04, 0.04, 0.02])
    for _ in range(n_iter):  # EM on the mixture weights
        a = np.log(w) + ll
        a = np.exp(a - a.max(axis=1, keepdims=True))
        w_new = (a / a.sum(axis=1, keepdims=True)).mean(axis=0)
        w_new = np.maximum(w_new, 1e-12)
        done = np.abs(w_new - w).max() <= tol
        w = w_new
        if done:
            break
    distinct = w[:3].sum()
    return {"full_sib": float(w[1] / distinct), "parent_offspring": float(w[2] / distinct),
            "same": float(w[3]), "n_pairs": int(len(i))}


def assignment(ev: Evidence, post: np.ndarray, q: np.ndarray, pairs: pd.DataFrame,
               lab: np.ndarray, relative_prior=0.05, p_new: float | None = None,
               chunk: int = 4000, n_iter: int = 200, tol: float = 1e-6) -> dict:
    """Posterior of each sample's candidate groups (module docstring).

    Parameters
    ----------
    ev, post, q : evidence, posteriors and ``ev.q(post)`` (n rows).
    pairs : candidate pairs (i, j); lab : (n,) group label, -1 for samples in no group.
    relative_prior : float or (float, float)
        Prior that a new animal is a full sib, and (separately) a parent or offspring, of
        a given candidate animal; one number for both.
    p_new : float or None
        Prior that a sample's animal has no other sample in the data. None: estimated by
        EM, the mean over grouped samples of their posterior of being none of their
        candidates' animals (a fixed point; the Chinese-restaurant value animals / samples
        is the start).
    chunk : int
        (sample, group) rows per block.
    n_iter, tol : int, float
        Most EM iterations for ``p_new``; stop when it moves by at most ``tol``.

    Returns
    -------
    dict: ``rows`` DataFrame (sample, group, own, log LRs, probability) one row per sample
    and candidate group; ``p_none`` (n,) posterior that the sample is none of its
    candidates' animals (1 for samples without candidates; NaN outside groups); ``p_own``
    (n,) posterior of its own group; ``p_new`` the prior used.
    """
    n = ev.n
    r_fs, r_po = (relative_prior, relative_prior) if np.ndim(relative_prior) == 0 \
        else tuple(relative_prior)
    grouped = lab >= 0
    ul, inv = np.unique(lab[grouped], return_inverse=True)
    comp = np.full(n, -1, dtype=np.int64)
    comp[grouped] = inv
    n_grp = len(ul)
    size = np.bincount(comp[grouped], minlength=n_grp)
    # pooled log-likelihood of every group: rows sorted by group, summed by blocks
    srt = np.flatnonzero(grouped)[np.argsort(comp[grouped], kind="stable")]
    if n_grp:
        gl = np.add.reduceat(ev.loglik[srt], np.searchsorted(comp[srt], np.arange(n_grp)),
                             axis=0)
    else:
        gl = np.zeros((0, ev.loglik.shape[1]))
    pi, pj = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    s_all = np.concatenate([pi, pj, np.flatnonzero(grouped)])
    d_all = np.concatenate([comp[pj], comp[pi], comp[grouped]])
    ok = grouped[s_all] & (d_all >= 0)
    s_all, d_all = s_all[ok], d_all[ok]
    key = np.unique(s_all * (n_grp + 1) + d_all)
    s_r, d_r = key // (n_grp + 1), key % (n_grp + 1)
    own = comp[s_r] == d_r
    keep = ~own | (size[d_r] > 1)
    s_r, d_r, own = s_r[keep], d_r[keep], own[keep]
    m = len(s_r)
    lr = {k: np.zeros(m) for k in ("same_unrel", "sib_unrel", "po_unrel", "same_sib")}
    for a in range(0, m, chunk):  # chunks of (sample, group) rows
        sl = slice(a, a + chunk)
        ll = gl[d_r[sl]] - np.where(own[sl, None], ev.loglik[s_r[sl]], 0.0)
        r = pair_log_lrs(ev, post[s_r[sl]], q[s_r[sl]], ev.posterior(ll))
        for k, v in r.items():
            lr[k][sl] = v
    n_tot = int(grouped.sum())
    nd = size[d_r] - own.astype(int)
    n_cand = np.bincount(s_r, minlength=n)
    gs = np.flatnonzero(grouped)
    keys = np.concatenate([s_r, s_r, s_r, gs])

    def posterior(p):
        lp_same = np.log((1 - p) * nd / max(n_tot - 1, 1)) + lr["same_unrel"]
        lp_sib = np.log(p * r_fs) + lr["sib_unrel"]
        lp_po = np.log(p * r_po) + lr["po_unrel"]
        lp_new = np.log(p * np.maximum(1 - (r_fs + r_po) * n_cand, 0.5))
        lse = _group_lse(keys, np.concatenate([lp_same, lp_sib, lp_po, lp_new[gs]]), n)
        return np.exp(lp_same - lse[s_r])

    fixed = p_new is not None
    p = float(p_new) if fixed else min(max(n_grp / max(n_tot, 1), 1e-3), 1.0 - 1e-3)
    prob = posterior(p)
    for _ in range(0 if fixed or n_tot == 0 else n_iter):  # EM on p_new
        # expected samples that are none of their candidates' animals, plus one (add-one
        # smoothing: never 0 when every sample sits in a group)
        p_next = min((n_tot - prob.sum() + 1) / (n_tot + 1), 1.0 - 1e-3)
        done = abs(p_next - p) <= tol
        p = p_next
        prob = posterior(p)
        if done:
            break
    p_same_other = np.bincount(s_r[~own], weights=prob[~own], minlength=n)
    p_own = np.bincount(s_r[own], weights=prob[own], minlength=n)
    p_none = np.where(grouped, 1 - p_same_other - p_own, np.nan)
    rows = pd.DataFrame({"sample": s_r, "group": ul[d_r], "own": own, "probability": prob,
                         **{f"log_{k}": v for k, v in lr.items()}})
    return {"rows": rows, "p_none": p_none, "p_own": p_own, "p_new": p}


_JOIN_ROUNDS = 5


def _joins(rows: pd.DataFrame, lab: np.ndarray, single: np.ndarray, accept: float) -> np.ndarray:
    """Group label each singleton joins (-1: none): its candidate group with posterior
    >= ``accept``; two singletons joining each other both take the smaller label.

    Parameters
    ----------
    rows : :func:`assignment` rows (sample, group, own, probability).
    lab : int array (n,), group labels; single : bool (n,), singletons that may join.
    accept : posterior at which a singleton joins (1: none joins).

    Returns
    -------
    int array (n,)
    """
    join = np.full(len(lab), -1, dtype=np.int64)
    if accept >= 1:
        return join
    jr = rows[~rows["own"].to_numpy() & (rows["probability"].to_numpy() >= accept)]
    js = jr["sample"].to_numpy()
    one = single[js]
    join[js[one]] = jr["group"].to_numpy()[one]
    ms = np.flatnonzero(join >= 0)
    if ms.size:  # mutual joins: both take the smaller label (not a swap)
        lab_ms = lab[ms]
        o = np.argsort(lab_ms)
        k = o[np.minimum(np.searchsorted(lab_ms, join[ms], sorter=o), ms.size - 1)]
        mutual = (lab_ms[k] == join[ms]) & (join[ms[k]] == lab_ms)
        join[ms[mutual]] = np.minimum(lab_ms[mutual], join[ms[mutual]])
    return join


def group_by_likelihood(ev: Evidence, templates_mask: np.ndarray, floor_ok: np.ndarray,
                        unverified: np.ndarray, alpha: float = 1e-3, seed: int = 1,
                        n_pairs: int | None = None, min_lr: float = 100.0,
                        relative_prior: float = 0.05, ambiguity: float = 0.05,
                        veto_lr: float = 0.01, accept: float = 0.99) -> dict:
    """The likelihood grouping of :mod:`leogen.identify.matching` (module docstring).

    Parameters
    ----------
    ev : Evidence (n samples).
    templates_mask : bool (n,), samples whose patterns the simulation copies.
    floor_ok : bool (n,), samples passing the optional loci floor.
    unverified : bool (n,), species not confirmed: may join, never found an animal.
    alpha, seed, n_pairs, min_lr : the threshold (:func:`match_threshold`).
    relative_prior : smallest prior that a new animal is a full sib (and, separately, a
        parent or offspring) of a candidate animal; the prior used is the share of
        :func:`relative_shares` among this run's groups when larger.
    ambiguity, veto_lr : statuses, complete linkage.
    accept : posterior membership probability at which a sample whose LR same vs sib
        against its group is below T is still assigned (1 disables: T alone decides).

    Returns
    -------
    dict: ``group`` (n,) compact group index (-1 none), ``status`` (n,) object
    ('grouped', 'ambiguous', 'weak_match', 'unverified_no_match',
    'insufficient_information', ''), ``candidates`` list of tuples of group indices,
    ``probability`` (n,), ``log10_lr_sib`` (n,), ``log10_information`` (n,), ``pairs``
    (candidate pairs with log LRs), ``threshold`` (T), ``threshold_table`` and ``priors``
    (dict: ``full_sib``, ``parent_offspring``, ``p_new`` used in the final posteriors;
    the ``estimated_`` shares of :func:`relative_shares` and ``n_group_pairs``).
    """
    n = ev.n
    post = ev.posterior()
    q = ev.q(post)
    info = information(ev, post, q)
    tmpl = np.flatnonzero(templates_mask & (ev.n_amplified.sum(axis=1) > 0))
    if len(tmpl) == 0:
        tmpl = np.arange(n)
    t, ttab = match_threshold(ev, tmpl, alpha, n_pairs, seed, min_lr)
    eligible = floor_ok & (info >= t)
    pairs = candidate_pairs(map_codes(ev, post))
    pairs = pairs.join(pd.DataFrame(pairwise(ev, post, q, pairs["i"].to_numpy(),
                                             pairs["j"].to_numpy())))
    lab = agglomerate(ev, post, q, pairs, eligible, t, veto_lr)
    lab = refine_groups(ev, post, q, pairs, lab, t, veto_lr)
    status = np.full(n, "", dtype=object)
    status[floor_ok & ~eligible] = "insufficient_information"
    # groups without a species-verified sample are no animal
    grouped = lab >= 0
    ver = np.zeros(2 * n + 1, bool)
    np.logical_or.at(ver, lab[grouped], ~unverified[grouped])
    bad = grouped & ~ver[np.maximum(lab, 0)]
    status[bad] = "unverified_no_match"
    lab[bad] = -1
    # priors on relatives: the shares among this run's groups (EM), at least relative_prior
    shares = relative_shares(ev, lab, seed=seed)
    rel = tuple(max(relative_prior, shares[k]) if np.isfinite(shares[k]) else relative_prior
                for k in ("full_sib", "parent_offspring"))
    # first pass: singletons whose one plausible group has posterior >= accept join it;
    # rounds until none joins (a join changes the candidates of the group's neighbours)
    for rnd in range(_JOIN_ROUNDS + 1):
        res = assignment(ev, post, q, pairs, lab, rel)
        rows = res["rows"]
        s_r, own, prob = rows["sample"].to_numpy(), rows["own"].to_numpy(), \
            rows["probability"].to_numpy()
        other_max = np.zeros(n)
        np.maximum.at(other_max, s_r[~own], prob[~own])
        n_plaus = np.bincount(s_r[~own & (prob >= ambiguity)], minlength=n)
        own_ss = np.full(n, np.nan)
        own_ss[s_r[own]] = rows["log_same_sib"].to_numpy()[own]
        has_own = np.isfinite(own_ss)
        grouped = lab >= 0
        join = _joins(rows, lab, grouped & ~has_own & (n_plaus == 1), accept)
        moved = join >= 0
        if not moved.any() or rnd == _JOIN_ROUNDS:
            break
        lab[moved] = join[moved]
    amb = grouped & (other_max >= ambiguity) & (has_own | (n_plaus >= 2))
    # a sample whose LR against its own group stays under T is still assigned when its
    # posterior membership (same animal against unsampled sib / parent-offspring / new
    # animal, population priors) reaches ``accept``: P(wrong) <= 1 - accept per sample
    p_own1 = res["p_own"]
    sure = has_own & (p_own1 >= accept) & (accept < 1)
    weak = grouped & ~amb & ((has_own & (own_ss < t) & ~sure) | (~has_own & (n_plaus == 1)))
    status[amb] = "ambiguous"
    status[weak] = "weak_match"
    cand_rows = rows[(rows["probability"] >= ambiguity) | rows["own"]]
    cand_rows = cand_rows[np.isin(cand_rows["sample"], np.flatnonzero(amb | weak))]
    cand_lab = cand_rows.groupby("sample")["group"].agg(tuple)
    lab[amb | weak] = -1
    grouped = lab >= 0
    ver[:] = False
    np.logical_or.at(ver, lab[grouped], ~unverified[grouped])
    bad = grouped & ~ver[np.maximum(lab, 0)]
    status[bad] = "unverified_no_match"
    lab[bad] = -1
    # second pass on the final groups: probabilities
    res = assignment(ev, post, q, pairs, lab, rel)
    rows2 = res["rows"]
    grouped = lab >= 0
    ul, comp = np.unique(lab[grouped], return_inverse=True)
    group = np.full(n, -1, dtype=np.int64)
    group[grouped] = comp
    status[grouped] = "grouped"
    size = np.bincount(comp, minlength=len(ul))
    multi = grouped & (size[np.maximum(group, 0)] > 1)
    probability = np.where(multi, res["p_own"], np.where(grouped, res["p_none"], np.nan))
    lr_sib = np.full(n, np.nan)
    o2 = rows2[rows2["own"]]
    lr_sib[o2["sample"].to_numpy()] = o2["log_same_sib"].to_numpy() / np.log(10)
    # unassigned samples: their best candidate's LR
    bst = rows[~rows["own"] | np.isin(rows["sample"], np.flatnonzero(amb | weak))]
    bst = bst.sort_values(["sample", "log_same_sib"], ascending=[True, False])
    bst = bst.drop_duplicates("sample")
    un = ~grouped[bst["sample"].to_numpy()]
    lr_sib[bst["sample"].to_numpy()[un]] = bst["log_same_sib"].to_numpy()[un] / np.log(10)
    pos = {int(x): k for k, x in enumerate(ul)}
    candidates: list = [()] * n
    for s, labs in cand_lab.items():  # unassigned samples only (few)
        candidates[int(s)] = tuple(sorted({pos[x] for x in labs if x in pos}))
    return {"group": group, "status": status, "candidates": candidates,
            "probability": probability, "log10_lr_sib": lr_sib,
            "log10_information": info / np.log(10), "pairs": pairs, "threshold": t,
            "threshold_table": ttab,
            "priors": {"full_sib": rel[0], "parent_offspring": rel[1], "p_new": res["p_new"],
                       "estimated_full_sib": shares["full_sib"],
                       "estimated_parent_offspring": shares["parent_offspring"],
                       "estimated_same": shares["same"], "n_group_pairs": shares["n_pairs"],
                       "relative_prior_floor": float(relative_prior),
                       "n_grouped": int(grouped.sum())}}
