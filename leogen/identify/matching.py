"""Individual identification: match consensus genotypes of samples into animals.

Two methods. ``likelihood`` (the default of ``leogen identify``): likelihood ratios one
animal vs unrelated vs full siblings from each sample's replicates and the ML error model,
a threshold from a simulated false-match rate of full siblings, agglomeration on pooled
likelihoods and an assignment probability per sample (:mod:`leogen.identify.likelihood`;
status ``insufficient_information`` for samples that could not reach the threshold even
against a perfect reference). ``mismatch``: the mismatch-count rules below.

**Pairwise comparison** (vectorised over all pairs by matrix products over chunks of
samples; no Python loop per pair). At each identity locus (every locus but the sex marker)
a pair is *compared* when both samples are typed; a *mismatch* is a compared locus where the
two genotypes differ. Missing data never count as a match. A mismatch in which the two
genotypes share one allele and one of them is homozygous (a/a vs a/b) is what an
undetected allelic dropout produces; such mismatches are counted like any other and also
reported separately (``n_dropout_like``) so a reader can judge them.

With one-hot indicator matrices ``X`` (samples x observed locus-genotypes) and ``T``
(samples x loci typed), ``n_compared = T T'`` and ``n_mismatches = T T' - X X'``.

**Grouping** (deterministic, greedy, GIMLET/allelematch-like but never chaining). Two
samples *match* when n_mismatches <= k and n_compared >= min_loci, and *conflict* when
n_compared >= min_loci and n_mismatches > k. A match is *strong* when the loci at which the
two agree carry the evidence: at least ``min_loci`` of them, with a product of PIDsib over
them (Waits et al. 2001; frequencies from the eligible samples) <= ``max_pid_sib`` (default
0.01), so that a sibling, not only a stranger, is unlikely to match by chance (a mismatching
locus is no evidence of identity). Samples with fewer than ``min_loci`` typed identity loci
are ``insufficient_loci``. The others are visited in a fixed order: blood and tissue samples
first (they anchor groups), then by decreasing number of typed loci, date and sample id.

- no match into any group: the sample founds a group;
- matches into exactly one group, no conflict with its members, at least one strong match:
  it joins the group;
- matches into two or more groups (which, by construction, did not match each other), or a
  conflict with a member of the one matched group: ``ambiguous``, joins none;
- matches into one group but all weak: ``weak_match``, joins none.

Unassigned samples never bridge groups. Statuses in ``sample_individual.tsv``: ``matched``
(in an individual with other samples), ``unique`` (an individual of one sample),
``ambiguous``, ``weak_match``, ``insufficient_loci``, ``unverified_no_match`` (a scat without
a species barcode that matches no known animal strongly: it may be another species, so it
founds no individual), ``no_consensus`` (in the sheet but not in the consensus: excluded by
the species check or not genotyped).

**k = auto**: from the mismatches expected between two samples of one animal. The
probability that a multiple-tubes consensus is wrong (typed but not the true genotype) is
obtained by passing simulated heterozygotes and homozygotes through the same consensus rule
(``leogen.qc.consensus.call_consensus``) with estimated per-replicate ADO and FA rates and
replicate numbers (seeded). Because errors concentrate in poor samples, this is done per
bin of samples of similar estimated ADO (``error_rates_sample.tsv`` of ``leogen
consensus``); with e_b,l = He_l e_het,b + (1 - He_l) e_hom,b, two samples from bins b and c
disagree at locus l with probability m = 1 - (1 - e_b,l)(1 - e_c,l); the number of
mismatches over the identity loci is Poisson-binomial, its tail is averaged over random
pairs of samples, and k is the smallest value with P(mismatches > k) <= alpha (0.01).
The per-sample ADO estimated against the consensus is biased low for poor samples, so k
errs on the small side: samples of one animal may be split (never merged) more often.

Individual ids (``LEO001``...) are kept from a previous registry, and new ones numbered by
each group's first sampling date, then its smallest sample id on that date
(:func:`leogen.identify.registry.assign_ids`). ``sample_individual.tsv`` reports, for each
grouped sample, the comparison with its closest other sample in the group (fewest
mismatches, most loci).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leogen.model.genotypes import MISSING, Genotypes

ANCHOR_TYPES = ("blood", "tissue")
#: Grouping methods: genotype likelihoods (:mod:`leogen.identify.likelihood`) or mismatches.
METHODS = ("likelihood", "mismatch")
#: Occasions of the capture histories (labels: :mod:`leogen.monitoring.occasions`).
OCCASIONS = ("year", "season", "month")


# ------------------------------------------------------------------------ comparisons
def genotype_codes(g: Genotypes, loci=None) -> np.ndarray:
    """One integer per sample and locus for the unordered genotype (-1 missing).

    Parameters
    ----------
    g : Genotypes (n_samples, n_loci)
    loci : bool mask or indices of the loci to code (default all).

    Returns
    -------
    int64 array (n_samples, n_loci_coded): ``low * n_alleles + high`` of the sorted allele
    indices, -1 where untyped.
    """
    idx = np.arange(g.n_loci) if loci is None else np.asarray(loci)
    if idx.dtype == bool:
        idx = np.flatnonzero(idx)
    c = np.sort(g.calls[:, idx, :], axis=2).astype(np.int64)
    n_a = np.array([max(len(g.alleles[j]), 1) for j in idx], dtype=np.int64)
    return np.where(c[..., 0] >= 0, c[..., 0] * n_a + c[..., 1], MISSING)


def compare(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loci compared (both typed) and mismatching between genotype-code rows.

    Parameters
    ----------
    a, b : int arrays (..., n_loci) of :func:`genotype_codes` (broadcast against each other).

    Returns
    -------
    (n_compared (...), n_mismatches (...))

    Examples
    --------
    >>> [int(x) for x in compare(np.array([1, 2, -1]), np.array([1, 3, 4]))]
    [2, 1]
    """
    both = (a >= 0) & (b >= 0)
    return both.sum(axis=-1), (both & (a != b)).sum(axis=-1)


def _one_hot(codes: np.ndarray) -> np.ndarray:
    n, n_l = codes.shape
    cols = np.full(codes.shape, -1, dtype=np.int64)
    offset = 0
    for j in range(n_l):  # per locus
        typed = codes[:, j] >= 0
        u, inv = np.unique(codes[typed, j], return_inverse=True)
        cols[typed, j] = inv + offset
        offset += len(u)
    x = np.zeros((n, max(offset, 1)), dtype=np.float32)
    r, c = np.nonzero(cols >= 0)
    x[r, cols[r, c]] = 1.0
    return x


def match_pairs(codes: np.ndarray, max_mismatches: int, min_loci: int,
                chunk: int = 1024) -> pd.DataFrame:
    """All pairs i < j with n_mismatches <= max_mismatches and n_compared >= min_loci.

    Exact integer arithmetic in float32 matrix products (sums < 2^24), over row chunks of
    ``chunk`` samples (module docstring: ``n_compared = T T'``, ``n_mismatches = T T' - X X'``).

    Parameters
    ----------
    codes : int array (n_samples, n_loci) of :func:`genotype_codes`.
    max_mismatches, min_loci : the match rule.
    chunk : samples per block of the matrix products (memory ~ chunk x n_samples).

    Returns
    -------
    DataFrame (n_pairs, 4): ``i, j`` (i < j), ``n_compared, n_mismatches``.
    """
    n = codes.shape[0]
    x = _one_hot(codes)
    t = (codes >= 0).astype(np.float32)
    out_i, out_j, out_c, out_m = [], [], [], []
    for i0 in range(0, n, chunk):
        i1 = min(n, i0 + chunk)
        comp = t[i0:i1] @ t[i0:].T
        mism = comp - x[i0:i1] @ x[i0:].T
        ok = (mism <= max_mismatches) & (comp >= min_loci)
        ii, jj = np.nonzero(ok)
        upper = jj > ii  # column jj is sample i0 + jj, row ii is i0 + ii
        ii, jj = ii[upper], jj[upper]
        out_i.append(ii + i0)
        out_j.append(jj + i0)
        out_c.append(comp[ii, jj].astype(np.int32))
        out_m.append(mism[ii, jj].astype(np.int32))
    def cat(parts, dt):
        return (np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
    return pd.DataFrame({"i": cat(out_i, np.int64), "j": cat(out_j, np.int64),
                         "n_compared": cat(out_c, np.int32),
                         "n_mismatches": cat(out_m, np.int32)})


def dropout_like(g: Genotypes, loci, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per pair, mismatches where one genotype is a/a and the other a/b (possible dropout).

    Parameters
    ----------
    g : Genotypes (n_samples, n_loci)
    loci : bool mask or indices of the identity loci.
    i, j : int arrays (n_pairs,), the two samples of each pair.

    Returns
    -------
    int array (n_pairs,)
    """
    idx = np.flatnonzero(loci) if np.asarray(loci).dtype == bool else np.asarray(loci)
    c = np.sort(g.calls[:, idx, :], axis=2)
    a, b = c[i], c[j]
    typed = (a[..., 0] >= 0) & (b[..., 0] >= 0)
    differ = (a != b).any(axis=2)
    hom_a, hom_b = a[..., 0] == a[..., 1], b[..., 0] == b[..., 1]
    share_a = (a[..., 0] == b[..., 0]) | (a[..., 0] == b[..., 1])
    share_b = (b[..., 0] == a[..., 0]) | (b[..., 0] == a[..., 1])
    like = typed & differ & ((hom_a & ~hom_b & share_a) | (hom_b & ~hom_a & share_b))
    return like.sum(axis=1)


# --------------------------------------------------------------------------- grouping
def group_samples(codes: np.ndarray, pairs: pd.DataFrame, order: np.ndarray,
                  max_mismatches: int, min_loci: int,
                  unverified: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """Greedy deterministic grouping (module docstring).

    ``pairs``: matching pairs (i, j) with a boolean ``strong`` column (enough agreeing,
    informative loci to join a group; weak matches only count for ambiguity). ``order``:
    indices of the eligible samples in visiting order. Returns group per sample (-1 none),
    status per sample ('grouped', 'ambiguous', 'weak_match' or '' when not visited) and,
    per sample, the candidate groups of an unassigned sample. ``unverified`` marks samples
    whose species is not confirmed (failed barcode): they may join a group but never found
    one (status 'unverified_no_match').

    Parameters
    ----------
    codes : int array (n_samples, n_loci) of :func:`genotype_codes`.
    pairs : DataFrame (n_pairs,) of :func:`match_pairs` plus ``strong``.
    order : int array (n_eligible,), visiting order.
    max_mismatches, min_loci : the match rule (a conflict is more than k mismatches over at
        least ``min_loci`` compared loci).
    unverified : bool array (n_samples,) or None.

    Returns
    -------
    (group int array (n_samples,), status object array (n_samples,), candidates: list of
    tuples of group indices, one per sample)
    """
    n = codes.shape[0]
    strong_p = pairs["strong"].to_numpy() if "strong" in pairs else np.ones(len(pairs), bool)
    i = np.concatenate([pairs["i"].to_numpy(), pairs["j"].to_numpy()])
    j = np.concatenate([pairs["j"].to_numpy(), pairs["i"].to_numpy()])
    st = np.concatenate([strong_p, strong_p])
    srt = np.argsort(i, kind="stable")
    i, j, st = i[srt], j[srt], st[srt]
    start = np.searchsorted(i, np.arange(n + 1))
    group = np.full(n, -1, dtype=np.int64)
    status = np.full(n, "", dtype=object)
    candidates: list = [()] * n
    members: list[list[int]] = []
    for s in order:  # one step per sample, vectorised over its neighbours/group members
        nb = j[start[s]:start[s + 1]]
        strong = st[start[s]:start[s + 1]]
        gs = np.unique(group[nb])
        gs = gs[gs >= 0]
        if gs.size == 0:
            if unverified is not None and unverified[s]:
                status[s] = "unverified_no_match"
                continue
            group[s] = len(members)
            members.append([s])
            status[s] = "grouped"
            continue
        candidates[s] = tuple(int(x) for x in gs)
        if gs.size == 1:
            mem = np.asarray(members[gs[0]])
            comp, mism = compare(codes[s][None, :], codes[mem])
            if not ((comp >= min_loci) & (mism > max_mismatches)).any():
                if (group[nb[strong]] == gs[0]).any():
                    group[s] = gs[0]
                    members[gs[0]].append(s)
                    status[s] = "grouped"
                    candidates[s] = ()
                else:
                    status[s] = "weak_match"
                continue
        status[s] = "ambiguous"
    return group, status, candidates


# ------------------------------------------------------------------------- auto k
def consensus_error_probability(ado: float, fa: float, n_replicates: int, he: float,
                                min_het: int = 2, min_hom: int = 3, n_sim: int = 4000,
                                seed: int = 1) -> float:
    """P(consensus typed but wrong) at a locus, by simulating replicates (module docstring).

    Per replicate of a heterozygote a/b: with probability ``ado`` only one allele (a or b,
    equally likely) amplifies; then, for any genotype, with probability ``fa`` one allele
    is replaced by a false allele (one of two stutter sizes).

    Parameters
    ----------
    ado, fa : per-replicate dropout and false-allele rates (Broquet & Petit 2004).
    n_replicates : replicates per sample.
    he : weight of heterozygotes (1: heterozygotes only, 0: homozygotes only).
    min_het, min_hom : the consensus rule (:func:`leogen.qc.consensus.call_consensus`).
    n_sim, seed : simulated genotypes of each kind, and the seed.

    Returns
    -------
    float, ``he P(wrong | het) + (1 - he) P(wrong | hom)``.
    """
    from leogen.model.genotypes import Replicates
    from leogen.qc.consensus import call_consensus

    rng = np.random.default_rng(seed)
    r = max(int(n_replicates), 1)
    calls = np.zeros((2 * n_sim, 1, r, 2), dtype=np.int32)
    calls[:n_sim, 0, :, 1] = 1  # heterozygotes 0/1, then homozygotes 0/0
    drop = rng.random((n_sim, r)) < ado
    keep = rng.integers(0, 2, size=(n_sim, r))
    het = calls[:n_sim, 0]
    het[drop, 0] = keep[drop]
    het[drop, 1] = keep[drop]
    false = rng.random((2 * n_sim, r)) < fa
    which = rng.integers(0, 2, size=(2 * n_sim, r))
    stutter = rng.integers(2, 4, size=(2 * n_sim, r))
    c = calls[:, 0]
    fs, fr = np.nonzero(false)
    c[fs, fr, which[fs, fr]] = stutter[fs, fr]
    reps = Replicates(calls, np.ones(calls.shape[:3], bool), np.arange(2 * n_sim).astype(str),
                      ["L"], (np.arange(4),))
    cons = np.sort(call_consensus(reps, min_het, min_hom).genotypes.calls[:, 0, :], axis=1)
    typed = cons[:, 0] >= 0
    truth = np.zeros((2 * n_sim, 2), dtype=np.int32)
    truth[:n_sim, 1] = 1
    wrong = typed & (cons != truth).any(axis=1)
    return float(he * wrong[:n_sim].mean() + (1 - he) * wrong[n_sim:].mean())


def poisson_binomial_tail(p: np.ndarray) -> np.ndarray:
    """Tail of the Poisson-binomial distribution: P(X > k) for k = 0..len(p), X the sum of
    independent Bernoulli(p_l), by convolution.

    Parameters
    ----------
    p : float array (n_loci,), mismatch probability at each locus.

    Returns
    -------
    float array (n_loci + 1,)

    Examples
    --------
    >>> poisson_binomial_tail([0.5, 0.5]).tolist()
    [0.75, 0.25, 0.0]
    """
    dist = np.array([1.0])
    for q in np.asarray(p, dtype=float):  # one convolution per locus
        dist = np.convolve(dist, [1 - q, q])
    return 1 - np.cumsum(dist)


def auto_max_mismatches(sample_rates: pd.DataFrame, he: np.ndarray, min_het=2, min_hom=3,
                        alpha=0.01, seed=1, n_bins=6, prior=20.0) -> tuple[int, dict]:
    """k from per-sample error rates and per-locus He (module docstring).

    ``sample_rates``: consensus ``error_rates_sample.tsv`` rows (sample_type,
    n_het_amplifications, n_dropouts, n_amplifications, n_false_alleles, max_replicates).
    Samples differ in DNA quality, and consensus errors concentrate in the poor ones, so the
    rates are taken per sample (shrunk towards the overall rate with ``prior`` pseudo-
    amplifications), samples are binned by ADO (quantiles), the consensus error of each bin
    is simulated, and the mismatch tail is averaged over random pairs of samples. Blood and
    tissue samples count as error-free.

    Parameters
    ----------
    sample_rates : DataFrame (n_samples,) with the columns above.
    he : float array (n_loci,), expected heterozygosity of each identity locus (NaN -> 0.5).
    min_het, min_hom : the consensus rule used upstream.
    alpha : allowed P(two samples of one animal differ at more than k loci).
    seed, n_bins, prior : simulation seed, ADO quantile bins, shrinkage pseudo-amplifications.

    Returns
    -------
    (k, {'bins': mismatch_bins table, 'tail': mismatch_threshold table})
    """
    r = sample_rates.copy()
    for col in ("n_het_amplifications", "n_dropouts", "n_amplifications", "n_false_alleles",
                "max_replicates"):
        # declared integer counts; a sample without any replicate has no max_replicates
        r[col] = r[col].astype(float).fillna(0)
    anchor = r["sample_type"].isin(ANCHOR_TYPES).to_numpy()
    ni = r[~anchor]
    ado0 = ni["n_dropouts"].sum() / max(ni["n_het_amplifications"].sum(), 1)
    fa0 = ni["n_false_alleles"].sum() / max(ni["n_amplifications"].sum(), 1)
    ado = (ni["n_dropouts"] + prior * ado0) / (ni["n_het_amplifications"] + prior)
    fa = (ni["n_false_alleles"] + prior * fa0) / (ni["n_amplifications"] + prior)
    rows = []
    if len(ni):
        edges = np.unique(np.quantile(ado, np.linspace(0, 1, n_bins + 1)))
        b = np.clip(np.searchsorted(edges, ado, side="right") - 1, 0, max(len(edges) - 2, 0))
        for k in np.unique(b):  # a few quality bins
            m = b == k
            reps = int(np.median(ni["max_replicates"][m])) or 1
            rows.append((f"q{k + 1}", int(m.sum()), float(ado[m].mean()), float(fa[m].mean()),
                         reps))
    if anchor.any():
        rows.append(("blood_tissue", int(anchor.sum()), 0.0, 0.0, 1))
    bins = pd.DataFrame(rows, columns=["bin", "n_samples", "ado_rate", "fa_rate",
                                       "n_replicates"])
    he = np.nan_to_num(np.asarray(he, dtype=float), nan=0.5)
    e_het, e_hom = [], []
    for row in bins.itertuples(index=False):  # one simulation per bin
        if row.bin == "blood_tissue":
            e_het.append(0.0)
            e_hom.append(0.0)
            continue
        e_het.append(consensus_error_probability(row.ado_rate, row.fa_rate, row.n_replicates,
                                                 1.0, min_het, min_hom, seed=seed))
        e_hom.append(consensus_error_probability(row.ado_rate, row.fa_rate, row.n_replicates,
                                                 0.0, min_het, min_hom, seed=seed))
    bins["p_error_heterozygote"] = e_het
    bins["p_error_homozygote"] = e_hom
    e = np.outer(e_het, he) + np.outer(e_hom, 1 - he)  # (bins, loci)
    bins["p_consensus_error"] = e.mean(axis=1) if e.size else []
    w = bins["n_samples"].to_numpy(dtype=float)
    w = w / w.sum() if w.sum() else w
    tail = np.zeros(len(he) + 1)
    for x in range(len(bins)):  # pairs of bins (a few dozen)
        for y in range(len(bins)):
            m = 1 - (1 - e[x]) * (1 - e[y])
            tail += w[x] * w[y] * poisson_binomial_tail(m)
    tail = np.clip(tail, 0, 1)
    ok = np.flatnonzero(tail <= alpha)
    k = int(ok[0]) if ok.size else len(he)
    tail_tab = pd.DataFrame({"k": np.arange(len(tail)), "p_more_than_k": tail,
                             "chosen": np.arange(len(tail)) == k})
    return k, {"bins": bins, "tail": tail_tab}


# ------------------------------------------------------------------------ the step
def identify(g: Genotypes, sheet: pd.DataFrame, max_mismatches: int | None = None,
             min_loci: int | None = None,
             sex_locus: str = "AMEL", x_allele: int = 214, y_allele: int = 194,
             occasion: str = "year", id_prefix: str = "LEO",
             anchor_types=ANCHOR_TYPES, max_pid_sib: float = 0.01,
             unverified_species=(), registry=None, method: str | None = None,
             evidence=None, false_match_rate: float = 1e-3, seed: int = 1,
             relative_prior: float = 0.05, ambiguity: float = 0.05, min_lr: float = 100.0,
             n_simulated_pairs=None, consensus_error: float = 0.01,
             accept_probability: float = 0.99) -> dict:
    """Match samples into individuals; returns the output tables (see module docstring).

    Parameters
    ----------
    g : Genotypes (n_samples, n_loci), consensus genotypes (one per sample).
    sheet : the sample sheet (:func:`leogen.io.sheets.read_samples`).
    max_mismatches, min_loci, max_pid_sib : the match rules of the mismatch method (module
        docstring); with the likelihood method ``min_loci`` is an optional floor on the
        identity loci with an amplified replicate (default 1 there, 8 for mismatch).
    sex_locus, x_allele, y_allele : the sex marker (not matched on) and its alleles.
    occasion : occasion of the capture histories (:data:`OCCASIONS`).
    id_prefix : prefix of the individual ids.
    anchor_types : sample types visited first.
    unverified_species : ids of samples whose species is not confirmed (no barcode); they
        are visited last and can only join an animal they match strongly.
    registry : the previous registry (:func:`leogen.identify.registry.read_registry`) whose
        ids are kept, or None (ids numbered by first detection date, then sample id).
    method : 'likelihood' (:mod:`leogen.identify.likelihood`) or 'mismatch'; default
        'mismatch' when ``max_mismatches`` is given, else 'likelihood'.
    evidence : :class:`leogen.identify.likelihood.Evidence` of the samples of ``g`` (same
        order) from their replicates; default: each consensus call taken as one replicate
        with dropout and false-allele rate ``consensus_error``.
    false_match_rate, seed, relative_prior, ambiguity, min_lr, n_simulated_pairs : the
        likelihood method's threshold (simulated false-match rate per pair of full sibs),
        seed of its simulation, smallest prior of a relative (the prior used is the
        share estimated from the data when larger), level of another group's posterior
        that makes a sample ambiguous, minimum LR same vs sib, simulated pairs per
        relationship (:func:`leogen.identify.likelihood.group_by_likelihood`).
    accept_probability : posterior membership at which a sample whose LR same vs sib
        against its group stays under the threshold is still assigned (1: the threshold
        alone decides; ``accept`` of :func:`leogen.identify.likelihood.group_by_likelihood`).

    Returns
    -------
    dict: ``sample_individual``, ``individuals``, ``captures``, ``pid``, ``pid_summary``
    (DataFrames of :mod:`leogen.identify.outputs`), ``individual_genotypes`` (Genotypes
    (n_animals, n_loci)), ``pairs`` (the matching pairs), ``registry`` and
    ``registry_changes`` (:mod:`leogen.identify.registry`); with the likelihood method
    also ``match_threshold`` (:func:`leogen.identify.likelihood.match_threshold`), else None.
    """
    from leogen.identify.power import pid_per_locus, pid_summary, pid_table
    from leogen.monitoring.captures import capture_histories
    from leogen.qc.consensus import combine_genotypes, sex_from_genotype

    info = sheet.set_index("sample_id")
    if method is None:
        method = "likelihood" if max_mismatches is None else "mismatch"
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if min_loci is None:
        min_loci = 8 if method == "mismatch" else 1
    id_loci = g.loci != sex_locus
    codes = genotype_codes(g, id_loci)
    n_typed = (codes >= 0).sum(axis=1)
    stype = info["sample_type"].reindex(g.samples).to_numpy(dtype=str)
    date = pd.to_datetime(info["date"].reindex(g.samples)).to_numpy()
    unverified = np.isin(g.samples, list(unverified_species))
    lk = None
    if method == "likelihood":
        from leogen.identify import likelihood as lh

        ev = evidence if evidence is not None else lh.evidence_from_genotypes(
            g, g.loci[id_loci], consensus_error)
        if list(ev.samples) != list(g.samples):
            raise ValueError("evidence must hold the samples of the genotypes, in order")
        eligible = (ev.n_amplified > 0).sum(axis=1) >= min_loci
        lk = lh.group_by_likelihood(ev, eligible & ~unverified, eligible, unverified,
                                    false_match_rate, seed, n_simulated_pairs, min_lr,
                                    relative_prior, ambiguity,
                                    accept=accept_probability)
        group, status, cands = lk["group"], lk["status"], lk["candidates"]
        pairs = lk["pairs"]
        pi, pj = pairs["i"].to_numpy(), pairs["j"].to_numpy()
        # comparisons of the consensus genotypes, for the report columns
        pairs["n_compared"], pairs["n_mismatches"] = compare(codes[pi], codes[pj])
        # the registry's genotype match (assign_ids) still counts mismatches
        if max_mismatches is None:
            max_mismatches, min_loci = 1, min(8, int(id_loci.sum()))
    else:
        eligible = n_typed >= min_loci
        anchor = np.isin(stype, list(anchor_types))
        order_df = pd.DataFrame({"k": np.arange(g.n_samples), "unverified": unverified,
                                 "anchor": ~anchor, "nt": -n_typed, "date": date,
                                 "id": g.samples})
        order = order_df[eligible].sort_values(["unverified", "anchor", "nt", "date", "id"],
                                               na_position="last", kind="stable")["k"]
        order = order.to_numpy()
        pairs = match_pairs(codes, max_mismatches, min_loci)
        pi, pj = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    # evidence of a match: PIDsib over the loci at which the two samples agree
    _, sib = pid_per_locus(_allele_freq_list(g.subset(samples=eligible, loci=id_loci)))
    log_sib = np.log(np.nan_to_num(sib, nan=1.0))
    agree = (codes[pi] >= 0) & (codes[pi] == codes[pj])
    pairs["pid_sib_matched"] = np.exp((agree * log_sib).sum(axis=1))
    if lk is None:
        strong = (pairs["pid_sib_matched"] <= max_pid_sib) & (
            pairs["n_compared"] - pairs["n_mismatches"] >= min_loci)
        pairs["strong"] = strong.to_numpy()
        group, status, cands = group_samples(codes, pairs, order, max_mismatches, min_loci,
                                             unverified)
    # individual ids: the registry's kept, new ones by first date then smallest sample id
    from leogen.identify.registry import assign_ids, registry_table

    gs = np.flatnonzero(group >= 0)
    assigned = assign_ids(group, g.samples, date, registry, g.labels().astype(np.int64),
                          id_loci, id_prefix, max_mismatches, min_loci)
    first = pd.DataFrame({"group": assigned.order})  # groups in id order
    gid = assigned.ids
    ind = np.array([gid.get(x, "") for x in group], dtype=object)
    # closest other member of the same group / best candidate of an ambiguous sample
    both = pd.DataFrame({"a": np.concatenate([pairs["i"], pairs["j"]]),
                         "b": np.concatenate([pairs["j"], pairs["i"]]),
                         "n_compared": np.tile(pairs["n_compared"].to_numpy(), 2),
                         "n_mismatches": np.tile(pairs["n_mismatches"].to_numpy(), 2),
                         "pid_sib": np.tile(pairs["pid_sib_matched"].to_numpy(), 2)})
    same = (group[both["a"]] == group[both["b"]]) & (group[both["a"]] >= 0)
    amb = np.isin(status[both["a"]], ["ambiguous", "weak_match"])
    best = both[same | amb].sort_values(["a", "n_mismatches", "n_compared", "b"],
                                        ascending=[True, True, False, True])
    best = best.drop_duplicates("a").set_index("a")
    if len(best):
        best["n_dropout_like"] = dropout_like(g, id_loci, best.index.to_numpy(),
                                              best["b"].to_numpy())
    n_comp = best["n_compared"].reindex(np.arange(g.n_samples)).to_numpy(dtype=float)
    n_mis = best["n_mismatches"].reindex(np.arange(g.n_samples)).to_numpy(dtype=float)
    n_dl = (best["n_dropout_like"] if len(best) else best["n_compared"]).reindex(
        np.arange(g.n_samples)).to_numpy(dtype=float)
    closest = best["b"].reindex(np.arange(g.n_samples)).to_numpy(dtype=float)
    pid_sib_best = best["pid_sib"].reindex(np.arange(g.n_samples)).to_numpy(dtype=float)
    size = np.bincount(group[gs], minlength=max(len(first), 1)) if len(gs) else np.zeros(1, int)
    st = np.where(~eligible, "insufficient_loci",
                  np.where(np.isin(status, ["ambiguous", "weak_match", "unverified_no_match",
                                            "insufficient_information"]),
                           status,
                           np.where(group >= 0, np.where(size[np.maximum(group, 0)] > 1,
                                                         "matched", "unique"), "")))
    cand_ids = [",".join(sorted(gid[c] for c in cs)) for cs in cands]
    si = pd.DataFrame({
        "sample_id": g.samples,
        "individual_id": pd.array([x or pd.NA for x in ind], dtype="string"),
        "n_loci_compared": pd.array(np.where(np.isnan(n_comp), pd.NA, n_comp), dtype="Int64"),
        "n_mismatches": pd.array(np.where(np.isnan(n_mis), pd.NA, n_mis), dtype="Int64"),
        "status": st,
        "n_loci_typed": n_typed,
        "n_dropout_like": pd.array(np.where(np.isnan(n_dl), pd.NA, n_dl), dtype="Int64"),
        "pid_sib_matched": pid_sib_best,
        "closest_sample": [g.samples[int(c)] if np.isfinite(c) else "" for c in closest],
        "candidate_individuals": cand_ids,
        "sample_type": stype,
        "assignment_probability": lk["probability"] if lk else np.full(g.n_samples, np.nan),
        "log10_lr_same_vs_sib": lk["log10_lr_sib"] if lk else np.full(g.n_samples, np.nan),
        "log10_information": (lk["log10_information"] if lk
                              else np.full(g.n_samples, np.nan)),
    })
    # samples of the sheet that have no consensus keep a row
    rest = sheet.loc[~sheet["sample_id"].isin(g.samples), ["sample_id", "sample_type"]]
    if len(rest):
        extra = pd.DataFrame({"sample_id": rest["sample_id"].to_numpy(),
                              "status": "no_consensus",
                              "sample_type": rest["sample_type"].to_numpy(dtype=str)})
        si = pd.concat([si, extra], ignore_index=True)
        si["n_loci_typed"] = si["n_loci_typed"].astype("Int64")
        si["candidate_individuals"] = si["candidate_individuals"].fillna("")
        si["closest_sample"] = si["closest_sample"].fillna("")
    # individual genotypes: agreeing calls kept, conflicts missing
    sizes = g.labels().astype(np.int64)
    order_ids = [gid[k] for k in first["group"]]
    if len(gs):
        keys, isizes = combine_genotypes(sizes[gs], ind[gs].astype(str))
        pos = pd.Index(keys).get_indexer(order_ids)
        isizes = isizes[pos]
    else:
        isizes = np.zeros((0, g.n_loci, 2), dtype=np.int64)
    ig = Genotypes.from_labels(isizes, order_ids, g.loci)
    # individuals table
    loci = list(g.loci)
    gsex = (sex_from_genotype(isizes[:, loci.index(sex_locus)], x_allele, y_allele)
            if sex_locus in loci else np.full(len(order_ids), "U"))
    m = pd.DataFrame({"individual_id": ind[gs].astype(str), "sample_id": g.samples[gs],
                      "sample_type": stype[gs], "date": date[gs],
                      "site": info["site"].reindex(g.samples[gs]).astype(str).to_numpy(),
                      "sex_sheet": info["sex"].reindex(g.samples[gs]).astype(str).to_numpy()
                      if "sex" in info else "",
                      "hint": info["individual_hint"].reindex(g.samples[gs]).astype(str)
                      .to_numpy() if "individual_hint" in info else ""})
    def join(s):
        return (",".join(sorted({x for x in s if x and x != "nan"})))
    agg = m.groupby("individual_id").agg(
        n_samples=("sample_id", "size"), sample_types=("sample_type", join),
        first_seen=("date", "min"), last_seen=("date", "max"), sites=("site", join),
        sheet_sex=("sex_sheet", join), individual_hints=("hint", join)).reindex(order_ids)
    sheet_sex = agg["sheet_sex"].to_numpy(dtype=str) if len(order_ids) else np.array([])
    sex = np.where(gsex != "U", gsex,
                   np.where(np.isin(sheet_sex, ["M", "F"]), sheet_sex, "U"))
    inds = pd.DataFrame({
        "individual_id": order_ids,
        "n_samples": agg["n_samples"].to_numpy(dtype=int),
        "sample_types": agg["sample_types"].to_numpy(dtype=str),
        "sex": sex,
        "sex_source": np.where(gsex != "U", "genetic",
                               np.where(sex != "U", "sample_sheet", "")),
        "first_seen": pd.to_datetime(agg["first_seen"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "last_seen": pd.to_datetime(agg["last_seen"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "n_loci_typed": (ig.calls[:, id_loci, 0] >= 0).sum(axis=1),
        "sites": agg["sites"].to_numpy(dtype=str),
        "individual_hints": agg["individual_hints"].to_numpy(dtype=str),
    })
    # capture histories over the occasions in which the sheet records any sampling
    captures = capture_histories(ind[gs], date[gs], sheet["date"], order_ids, occasion)
    pid = pid_table(ig.subset(loci=id_loci))
    reg, reg_changes = registry_table(assigned, inds, ig, g.samples, sizes, ind, id_loci)
    return {"sample_individual": si, "individuals": inds, "individual_genotypes": ig,
            "captures": captures, "pid": pid, "pid_summary": pid_summary(pid),
            "pairs": pairs, "registry": reg, "registry_changes": reg_changes,
            "match_threshold": lk["threshold_table"] if lk else None,
            "priors": priors_table(lk["priors"]) if lk else None}


def priors_table(priors: dict) -> pd.DataFrame:
    """The ``identify/priors.tsv`` rows of the likelihood method's estimated priors.

    Parameters
    ----------
    priors : dict
        ``priors`` of :func:`leogen.identify.likelihood.group_by_likelihood`.

    Returns
    -------
    DataFrame (4 rows)
        ``parameter, estimate, used, floor, n`` (:data:`leogen.identify.outputs.PRIORS`).

    Examples
    --------
    >>> t = priors_table({"p_new": 0.04, "full_sib": 0.05, "parent_offspring": 0.08,
    ...                   "estimated_full_sib": 0.01, "estimated_parent_offspring": 0.08,
    ...                   "estimated_same": 0.002, "n_group_pairs": 300,
    ...                   "relative_prior_floor": 0.05, "n_grouped": 90})
    >>> t["used"].tolist()[:3]
    [0.04, 0.05, 0.08]
    """
    floor = priors["relative_prior_floor"]
    n_pairs = int(priors["n_group_pairs"])
    return pd.DataFrame({
        "parameter": ["new_animal", "full_sib", "parent_offspring", "same_animal_groups"],
        "estimate": [priors["p_new"], priors["estimated_full_sib"],
                     priors["estimated_parent_offspring"], priors["estimated_same"]],
        "used": [priors["p_new"], priors["full_sib"], priors["parent_offspring"], np.nan],
        "floor": [np.nan, floor, floor, np.nan],
        "n": [int(priors["n_grouped"]), n_pairs, n_pairs, n_pairs]})


def run(consensus_path, samples_path, max_mismatches="auto", min_loci=None, occasion="year",
        sex_locus="AMEL", x_allele=214, y_allele=194, error_rates=None, min_het=2,
        min_hom=3, alpha=0.01, id_prefix="LEO", seed=1, max_pid_sib=0.01,
        quality=None, out_dir=None, registry=None, method="likelihood", genotypes=None,
        false_match_rate=1e-3, relative_prior=0.05, ambiguity=0.05, min_lr=100.0,
        quality_classes=3, consensus_error=0.01, n_simulated_pairs=None,
        accept_probability=0.99) -> dict:
    """The ``leogen identify`` step: read consensus and sheet, choose k, match, tabulate.

    Parameters
    ----------
    consensus_path : ``consensus/consensus.tsv`` (one consensus genotype per sample).
    samples_path : the sample sheet.
    max_mismatches : mismatching loci allowed within an animal, or ``'auto'``
        (:func:`auto_max_mismatches`, from ``error_rates``).
    min_loci : identity loci a sample needs typed, and a pair compared, to match (mismatch
        method, default 8); with the likelihood method an optional floor on the loci with
        an amplified replicate (default 1: the information decides).
    occasion : occasion of the capture histories, one of :data:`OCCASIONS`.
    sex_locus, x_allele, y_allele : the sex marker (left out of matching) and its alleles.
    error_rates : ``error_rates_sample.tsv`` for k = auto (default: beside the consensus).
    min_het, min_hom : replicate thresholds of the consensus rule used upstream (k = auto).
    alpha : k = auto: allowed P(two samples of one animal differ at more than k loci).
    id_prefix : prefix of the individual ids.
    seed : seed of the k = auto simulation.
    max_pid_sib : a strong match needs PIDsib over its agreeing loci <= this.
    quality : the consensus step's quality.tsv (default: beside the consensus file); samples
        it lists with status ``no_sequence`` (scats whose barcode failed) may only join an
        animal they match strongly.
    out_dir : when given, the tables are also written there
        (:func:`leogen.identify.outputs.write_identify`).
    registry : a previous run's ``registry.tsv`` (copied out of the results): its ids are
        kept and the changes reported (:mod:`leogen.identify.registry`); None: ids numbered
        by first detection date, then sample id.
    method : 'likelihood' (default; :mod:`leogen.identify.likelihood`) or 'mismatch' (the
        threshold method of the module docstring; ``max_mismatches``, ``error_rates``,
        ``min_het``, ``min_hom``, ``alpha``, ``max_pid_sib`` apply to it only).
    genotypes : the replicate genotypes (``genotypes.tsv``) behind the consensus: the
        likelihood method fits the error model to them (error classes: sample type x
        ``quality_classes`` DNA-quality classes) and integrates over each sample's genotype
        uncertainty; without them each consensus call counts as one replicate with dropout
        and false-allele rate ``consensus_error``.
    false_match_rate : simulated false-match rate allowed per pair of full siblings.
    relative_prior, ambiguity, min_lr, n_simulated_pairs : see
        :func:`leogen.identify.likelihood.group_by_likelihood`.
    accept_probability : see :func:`identify` (from 0.5 to 1).

    Returns
    -------
    dict of the tables of :func:`identify` plus ``max_mismatches`` (k used) and
    ``auto_table`` (the k = auto tables, or None).
    """
    from pathlib import Path

    from leogen.errors import InputError
    from leogen.identify import likelihood as lh
    from leogen.io.longtable import read_long
    from leogen.io.sheets import read_samples
    from leogen.model.frequencies import expected_heterozygosity
    from leogen.qc.consensus import check_samples_known
    from leogen.qc.outputs import read_quality_status, read_sample_error_rates

    if method not in METHODS:
        raise InputError(f"method '{method}' is not one of {', '.join(METHODS)}")
    if min_loci is None:
        min_loci = 8 if method == "mismatch" else 1
    if not (isinstance(min_loci, (int, np.integer)) and min_loci >= 1):
        raise InputError(f"min_loci {min_loci} is out of range (expected a whole number >= 1)")
    for name, v, hi in (("false_match_rate", false_match_rate, 0.5),
                        ("relative_prior", relative_prior, 0.25), ("ambiguity", ambiguity, 0.5),
                        ("consensus_error", consensus_error, 0.5)):
        if not (isinstance(v, (int, float)) and 0 < v <= hi):
            raise InputError(f"{name} {v} is out of range (expected above 0, at most {hi})")
    if not (isinstance(accept_probability, (int, float)) and 0.5 <= accept_probability <= 1):
        raise InputError(f"accept_probability {accept_probability} is out of range (expected "
                         "0.5 to 1)")
    if not (isinstance(min_lr, (int, float)) and min_lr >= 1):
        raise InputError(f"min_lr {min_lr} is out of range (expected a number >= 1)")
    if not (isinstance(quality_classes, (int, np.integer)) and 1 <= quality_classes <= 10):
        raise InputError(f"quality_classes {quality_classes} is out of range (expected a "
                         "whole number 1 to 10)")
    if occasion not in OCCASIONS:
        raise InputError(f"occasion '{occasion}' is not one of {', '.join(OCCASIONS)}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha {alpha} is out of range (expected 0 to 1, exclusive)")
    k_auto = method == "mismatch" and str(max_mismatches) == "auto"
    k = None
    if method == "mismatch" and not k_auto:
        try:
            k = int(str(max_mismatches))
        except ValueError:
            k = -1
        if k < 0:
            raise InputError(f"max_mismatches '{max_mismatches}' must be 'auto' or a whole "
                             "number >= 0")
    sheet = read_samples(samples_path)
    reps = read_long(consensus_path)
    check_samples_known(reps.samples, sheet, consensus_path, samples_path)
    if (reps.n_replicates > 1).any():
        raise InputError("has several replicates per sample and locus; identify needs one "
                         "consensus genotype per sample (run `leogen consensus` first)",
                         consensus_path)
    g = reps.single()
    n_id = int((g.loci != sex_locus).sum())
    if min_loci > n_id:
        raise InputError(f"min_loci {min_loci} is larger than the {n_id} identity loci of "
                         f"{consensus_path}")
    auto_table = None
    if k_auto:
        er_path = Path(error_rates) if error_rates else \
            Path(consensus_path).with_name("error_rates_sample.tsv")
        if not er_path.exists():
            raise InputError("max_mismatches 'auto' needs the per-sample error rates of "
                             f"`leogen consensus` (error_rates_sample.tsv); {er_path} not "
                             "found: give that table or a number of mismatches", er_path)
        er = read_sample_error_rates(er_path)
        er = er[er["sample_id"].isin(set(g.samples))]
        id_loci = g.loci != sex_locus
        he = expected_heterozygosity(g.subset(loci=id_loci).allele_frequencies())
        k, auto_table = auto_max_mismatches(er, he, min_het, min_hom, alpha, seed)
    if not 0 < max_pid_sib <= 1:
        raise InputError(f"max_pid_sib {max_pid_sib} is out of range (expected 0 to 1)")
    q_path = Path(quality) if quality else Path(consensus_path).parent / "quality.tsv"
    unverified = ()
    if q_path.exists():
        qt = read_quality_status(q_path)
        unverified = tuple(qt.loc[qt["status"] == "no_sequence", "sample_id"])
    elif quality:
        raise InputError("file not found", q_path)
    reg = None
    if registry is not None:
        from leogen.identify.registry import read_registry, same_file

        if out_dir is not None and same_file(registry, Path(out_dir) / "registry.tsv"):
            raise InputError("is the registry this run writes; give a copy kept outside the "
                             "results (docs/identify.md)", registry)
        reg = read_registry(registry, g, sheet, samples_path, id_prefix)
    evidence = None
    if method == "likelihood" and genotypes is not None:
        allr = read_long(genotypes)
        check_samples_known(allr.samples, sheet, genotypes, samples_path)
        pos = pd.Index(list(allr.samples)).get_indexer(list(g.samples))
        if (pos < 0).any():
            raise InputError(f"sample_id '{g.samples[int(np.argmax(pos < 0))]}' of "
                             f"{consensus_path} has no replicate genotypes", genotypes)
        id_names = [x for x in g.loci if x != sex_locus]
        absent = [x for x in id_names if x not in set(allr.loci)]
        if absent:
            raise InputError(f"locus '{absent[0]}' of {consensus_path} is not in the replicate "
                             "genotypes", genotypes)
        sub = type(allr)(allr.calls[pos], allr.attempted[pos], allr.samples[pos], allr.loci,
                         allr.alleles)
        stype = sheet.set_index("sample_id")["sample_type"].reindex(g.samples)
        evidence = lh.evidence_from_replicates(sub, id_names, stype.to_numpy(dtype=str),
                                               quality_classes)
    out = identify(g, sheet, k, min_loci, sex_locus, x_allele, y_allele, occasion, id_prefix,
                   max_pid_sib=max_pid_sib, unverified_species=unverified, registry=reg,
                   method=method, evidence=evidence, false_match_rate=false_match_rate,
                   seed=seed, relative_prior=relative_prior, ambiguity=ambiguity,
                   min_lr=min_lr, n_simulated_pairs=n_simulated_pairs,
                   consensus_error=consensus_error, accept_probability=accept_probability)
    out["max_mismatches"] = k
    out["auto_table"] = auto_table
    if out_dir is not None:
        from leogen.identify.outputs import write_identify

        write_identify(out, out_dir)
    return out


def _allele_freq_list(g: Genotypes) -> list:
    """Per locus, the frequencies of the alleles present (for the PID formulas)."""
    return [f[f > 0] for f in g.allele_frequencies()]
