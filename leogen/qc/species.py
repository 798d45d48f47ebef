"""Species check of non-invasive samples from their mtDNA barcode.

Each barcode is aligned with Biopython's ``PairwiseAligner`` to every haplotype of a
reference panel (record ids ``<Genus_species>|<haplotype>``). The alignment is *global with
free reference overhangs* (semi-global): the whole barcode is aligned, gaps in the barcode
beyond its ends cost nothing (the reference may be longer, and scat barcodes are often
trimmed or partly failed reads of the same fragment), while barcode bases hanging over the
reference ends are penalised like any gap. A purely global alignment would punish the
missing ends; a local one could report a short perfect piece of a long poor match.

Identity (like BLAST's percent identity, but over the whole barcode)::

    identity = identical columns / (aligned columns + barcode bases outside them)

where aligned columns run from the first to the last column in which both sequences have a
base (internal gaps count, reference overhangs do not), and barcode bases overhanging the
reference count as non-identical. Columns or bases with an ambiguous base (anything but A,
C, G, T) count in neither numerator nor denominator. A species' identity is the maximum over
its haplotypes; the margin is best minus second-best species identity.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from Bio.Align import PairwiseAligner

from leogen.errors import ErrorCollector, InputError
from leogen.io.fasta import read_fasta, read_reference

ASSUMED_TYPES = ("blood", "tissue")
STATUSES = ("target", "other_species", "unassigned", "no_sequence")
COLUMNS = ["sample_id", "sample_type", "best_species", "best_haplotype", "identity",
           "second_species", "second_identity", "margin", "n_aligned", "status", "reason"]


def make_aligner() -> PairwiseAligner:
    """Global aligner, free reference overhangs; match 1, mismatch -1, linear gap -2.

    Ambiguity codes score 0 against anything. Linear gaps keep ``score`` fast (~0.5 ms for
    two 500 bp sequences).
    """
    al = PairwiseAligner()
    al.mode = "global"
    al.match_score = 1.0
    al.mismatch_score = -1.0
    al.open_gap_score = -2.0
    al.extend_gap_score = -2.0
    try:  # query = barcode: deletions (gaps in it) at its ends = reference overhang, free
        al.end_deletion_score = 0.0
    except AttributeError:  # Biopython < 1.85
        al.query_end_gap_score = 0.0
    al.wildcard = "N"
    return al


def identity(alignment) -> tuple[float, int]:
    """(identity, n aligned columns) of an alignment, as defined in the module docstring.

    Parameters
    ----------
    alignment : Alignment
        A Biopython pairwise alignment of a haplotype and a barcode.

    Returns
    -------
    identity : float
        NaN when nothing is aligned.
    n_aligned : int
        Aligned columns.
    """
    t, q = alignment.sequences
    coords = alignment.aligned  # blocks of aligned (gap-free) columns
    tb, qb = coords
    if len(tb) == 0:
        return np.nan, 0
    ident = 0
    amb = 0
    for (t0, t1), (q0, q1) in zip(tb, qb, strict=True):
        a = np.frombuffer(str(t[t0:t1]).encode(), dtype=np.uint8)
        b = np.frombuffer(str(q[q0:q1]).encode(), dtype=np.uint8)
        clear = np.isin(a, _ACGT) & np.isin(b, _ACGT)
        ident += int(((a == b) & clear).sum())
        amb += int((~clear).sum())
    block = int(sum(t1 - t0 for t0, t1 in tb))
    internal_gaps = (tb[-1][1] - tb[0][0] - block) + (qb[-1][1] - qb[0][0] - block)
    qs = str(q)
    overhang = sum(qs[:qb[0][0]].count(b) + qs[qb[-1][1]:].count(b) for b in "ACGT")
    n = block - amb + int(internal_gaps) + overhang
    return (ident / n if n > 0 else np.nan), n


_ACGT = np.frombuffer(b"ACGT", dtype=np.uint8)


def _kmers(seq: str, k: int = 8) -> set:
    return {seq[i:i + k] for i in range(len(seq) - k + 1)}


def best_per_species(barcode: str, reference: pd.DataFrame, aligner=None,
                     n_align: int = 3) -> pd.DataFrame:
    """Best haplotype per species for one barcode: ``species, haplotype, identity, n_aligned``.

    Every haplotype is scored (``PairwiseAligner.score``, no traceback, ~0.5 ms for 500 bp);
    the best-scoring haplotype of each of the ``n_align`` best-scoring species is then
    aligned once and its identity computed (the others are far below and not reported).
    When ``reference`` has a ``_kmers`` column (``assign_species`` adds it), only the
    ``n_align`` species sharing most 8-mers with the barcode are scored at all.

    Parameters
    ----------
    barcode : str
        The sample's barcode sequence.
    reference : DataFrame
        Reference haplotypes (species, haplotype, sequence).
    aligner : PairwiseAligner or None
        None uses :func:`make_aligner`.
    n_align : int
        Species aligned.

    Returns
    -------
    DataFrame
        One row per species aligned.
    """
    aligner = aligner or make_aligner()
    ref = reference
    if "_kmers" in reference and reference["species"].nunique() > n_align:
        # k-mer prefilter: only the n_align species sharing most 8-mers are scored
        bk = _kmers(barcode)
        shared = np.array([len(bk & k) for k in reference["_kmers"]])
        top = (reference.assign(_shared=shared).groupby("species")["_shared"].max()
               .sort_values(ascending=False, kind="stable").index[:n_align])
        ref = reference[reference["species"].isin(top)]
    scores = np.array([aligner.score(s, barcode) for s in ref["sequence"]])
    ref = ref.assign(_score=scores)
    best = ref.sort_values(["species", "_score", "haplotype"], ascending=[True, False, True])
    best = best.drop_duplicates("species")
    best = best.sort_values(["_score", "species"], ascending=[False, True]).head(n_align)
    rows = []
    for sp, hap, seq in best[["species", "haplotype", "sequence"]].itertuples(index=False):
        aln = aligner.align(seq, barcode)[0]
        ident, n = identity(aln)
        rows.append((sp, hap, ident, n))
    return pd.DataFrame(rows, columns=["species", "haplotype", "identity", "n_aligned"])


def assign_species(barcodes: dict[str, str], reference: pd.DataFrame, samples: pd.DataFrame,
                   target: str, min_identity: float = 0.97, min_margin: float = 0.02,
                   assumed_types=ASSUMED_TYPES) -> pd.DataFrame:
    """One row per sample of the sheet: best and second species, identity, margin, status.

    status: ``target`` (best species is the target, identity >= min_identity and margin >=
    min_margin), ``other_species`` (same, another species), ``unassigned`` (identity or margin
    too low), ``no_sequence`` (no barcode, or only ambiguous bases). Samples whose type is in
    ``assumed_types`` (blood, tissue: taken from a handled animal) are ``target`` without a
    barcode. The margin is NA when the panel holds one species (then it is not tested).

    Parameters
    ----------
    barcodes : dict of str to str
        sample_id -> barcode sequence.
    reference : DataFrame
        Reference haplotypes.
    samples : DataFrame
        The sample sheet.
    target : str
        The target species.
    min_identity : float
        Smallest identity of a ``target`` or ``other_species`` call (0 to 1).
    min_margin : float
        Smallest identity margin over the second species (0 to 1).
    assumed_types : iterable of str
        Sample types assumed to be the target.

    Returns
    -------
    DataFrame
        One row per sample.

    Raises
    ------
    InputError
        When ``min_identity`` or ``min_margin`` is out of range.
    """
    if not 0 <= min_identity <= 1:
        raise InputError(f"min_identity {min_identity} is out of range (expected 0 to 1)")
    if not 0 <= min_margin <= 1:
        raise InputError(f"min_margin {min_margin} is out of range (expected 0 to 1)")
    aligner = make_aligner()
    reference = reference.assign(_kmers=[_kmers(q) for q in reference["sequence"]])
    cache: dict[str, pd.DataFrame] = {}
    rows = []
    for sid, stype in samples[["sample_id", "sample_type"]].itertuples(index=False):
        row = dict.fromkeys(COLUMNS, np.nan)
        row.update(sample_id=sid, sample_type=stype, n_aligned=0)
        seq = barcodes.get(sid, "")
        if stype in assumed_types and not seq:
            row.update(status="target", best_species=target,
                       reason=f"not a scat: species assumed ({stype})")
            rows.append(row)
            continue
        if not seq or not re.search("[ACGT]", seq):
            row.update(status="no_sequence",
                       reason="no barcode in the FASTA" if not seq else "barcode has only N")
            rows.append(row)
            continue
        if seq not in cache:
            cache[seq] = best_per_species(seq, reference, aligner).sort_values(
                ["identity", "species"], ascending=[False, True], na_position="last")
        res = cache[seq]
        first = res.iloc[0]
        row.update(best_species=first["species"], best_haplotype=first["haplotype"],
                   identity=first["identity"], n_aligned=int(first["n_aligned"]))
        if len(res) > 1:
            second = res.iloc[1]
            row.update(second_species=second["species"], second_identity=second["identity"],
                       margin=first["identity"] - second["identity"])
        ident, margin = row["identity"], row["margin"]
        if not ident >= min_identity:
            row.update(status="unassigned",
                       reason=f"identity {ident:.4f} < {min_identity} to any reference")
        elif not (np.isnan(margin) or margin >= min_margin):
            row.update(status="unassigned",
                       reason=f"margin {margin:.4f} < {min_margin} between "
                              f"{row['best_species']} and {row['second_species']}")
        elif row["best_species"] == target:
            row.update(status="target", reason="")
        else:
            row.update(status="other_species", reason=f"barcode matches {row['best_species']}")
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def run(fasta, reference, samples_path, target, min_identity=0.97, min_margin=0.02,
        assumed_types=ASSUMED_TYPES, out=None) -> pd.DataFrame:
    """The ``leogen species`` step: read barcodes, panel and sample sheet, check ids, and
    assign species (:func:`assign_species`).

    Parameters
    ----------
    fasta : barcodes, record id = sample_id.
    reference : reference panel FASTA (ids ``<Genus_species>|<haplotype>``).
    samples_path : the sample sheet.
    target : the target species (``Genus_species``).
    min_identity, min_margin : thresholds of :func:`assign_species` (0 to 1).
    assumed_types : sample types taken as the target species without a barcode.
    out : when given, ``species.tsv`` is also written there.

    Returns
    -------
    DataFrame (n_samples, COLUMNS): the species table.
    """
    from leogen.io.sheets import read_samples

    samples = read_samples(samples_path)
    ref = read_reference(reference)
    if target not in set(ref["species"]):
        raise InputError(f"target species '{target}' has no haplotype in the reference panel",
                         reference)
    records = read_fasta(fasta)
    known = set(samples["sample_id"])
    errors = ErrorCollector()
    for rid, _seq, k in records:
        if rid not in known:
            errors.add(f"record '{rid}' is not a sample_id of the sample sheet {samples_path}",
                       fasta, k)
    errors.raise_if_any()
    barcodes = {rid: seq for rid, seq, _ in records}
    table = assign_species(barcodes, ref, samples, target, min_identity, min_margin,
                           assumed_types)
    if out is not None:
        from leogen.qc.outputs import write_species

        write_species(table, out)
    return table
