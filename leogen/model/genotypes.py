"""The diploid genotype data model shared by every stage.

``Genotypes`` holds one genotype per sample and locus; ``Replicates`` holds the PCR
replicates of each sample and locus (scat genotyping), before a consensus is called.

Calls are *allele indices* into per-locus allele labels (microsatellite sizes in bp as
integers, or SNP REF/ALT strings), ``-1`` for missing, exactly as scikit-allel encodes
them, so a ``Genotypes`` converts to an ``allel.GenotypeArray`` without copying labels.
Labels of a locus are kept sorted (sizes ascending; for SNPs REF first), so the same data
always get the same encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MISSING = -1


def encode_sizes(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allele indices of one locus' integer allele labels (sizes in bp), in ascending order.

    Parameters
    ----------
    sizes : int array of any shape
        Allele sizes of one locus; negative values are missing.

    Returns
    -------
    (indices, alleles) : int32 array of ``sizes``' shape (``MISSING`` where missing), and the
        sorted distinct sizes (int64), so that ``alleles[indices]`` gives the sizes back.

    Examples
    --------
    >>> idx, alleles = encode_sizes(np.array([[216, 214], [-1, 216]]))
    >>> idx.tolist(), alleles.tolist()
    ([[1, 0], [-1, 1]], [214, 216])
    """
    sizes = np.asarray(sizes)
    alleles = np.unique(sizes[sizes >= 0]).astype(np.int64)
    idx = np.where(sizes >= 0, np.searchsorted(alleles, sizes), MISSING).astype(np.int32)
    return idx, alleles


def _as_str_array(values, n: int | None = None) -> np.ndarray:
    arr = np.asarray([str(v) for v in values], dtype=object)
    if n is not None and arr.shape != (n,):
        raise ValueError(f"expected {n} labels, got {arr.shape}")
    return arr


def _check_unique(values: np.ndarray, what: str) -> None:
    uniq, counts = np.unique(values.astype(str), return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"duplicate {what}: {', '.join(uniq[counts > 1][:5])}")


@dataclass(frozen=True, eq=False)
class Genotypes:
    """Diploid genotypes: ``calls[i, j]`` is the allele-index pair of sample i at locus j.

    Attributes
    ----------
    calls : int array (n_samples, n_loci, 2), -1 missing.
    samples : sample (or individual) ids, shape (n_samples,).
    loci : locus names, shape (n_loci,).
    alleles : tuple of 1-D arrays, one per locus: the label of each allele index.
    populations : optional population/site label per sample (None if not given).
    """

    calls: np.ndarray
    samples: np.ndarray
    loci: np.ndarray
    alleles: tuple
    populations: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        calls = np.asarray(self.calls)
        if calls.ndim != 3 or calls.shape[2] != 2:
            raise ValueError(f"calls must be (n_samples, n_loci, 2), got {calls.shape}")
        calls = calls.astype(np.int32, copy=False)
        object.__setattr__(self, "calls", calls)
        n_s, n_l, _ = calls.shape
        object.__setattr__(self, "samples", _as_str_array(self.samples, n_s))
        object.__setattr__(self, "loci", _as_str_array(self.loci, n_l))
        if len(self.alleles) != n_l:
            raise ValueError(f"need allele labels for {n_l} loci, got {len(self.alleles)}")
        object.__setattr__(self, "alleles", tuple(np.asarray(a) for a in self.alleles))
        if self.populations is not None:
            object.__setattr__(self, "populations", _as_str_array(self.populations, n_s))
        _check_unique(self.samples, "sample ids")
        _check_unique(self.loci, "locus names")
        # a missing allele makes the whole genotype missing
        half = (calls < 0).any(axis=2)
        if half.any():
            calls[half] = MISSING
        n_alleles = np.array([len(a) for a in self.alleles])
        if n_l and (calls >= n_alleles[None, :, None]).any():
            raise ValueError("allele index beyond the locus' allele labels")

    # ------------------------------------------------------------------ shape
    @property
    def n_samples(self) -> int:
        return self.calls.shape[0]

    @property
    def n_loci(self) -> int:
        return self.calls.shape[1]

    @property
    def is_snp(self) -> bool:
        """True when allele labels are nucleotide strings (SNP/VCF data)."""
        return any(a.dtype.kind in "OUS" for a in self.alleles)

    def missing(self) -> np.ndarray:
        """Boolean (n_samples, n_loci): genotype not called."""
        return self.calls[..., 0] < 0

    def heterozygous(self) -> np.ndarray:
        """Boolean (n_samples, n_loci): called and the two alleles differ."""
        return (~self.missing()) & (self.calls[..., 0] != self.calls[..., 1])

    # -------------------------------------------------------------- builders
    @classmethod
    def from_labels(cls, labels, samples, loci, populations=None, missing=(0, -1, -9)):
        """Build from allele *labels* (n_samples, n_loci, 2), e.g. sizes in bp.

        Each locus' labels are sorted so the encoding is deterministic: a locus whose labels
        are all integers keeps them as int64 sizes, any other locus gets its labels as
        sorted strings (so SNP labels are alphabetical here, not REF first, and a float
        ``214.0`` becomes ``'214.0'``). A genotype with one missing allele is missing.

        Parameters
        ----------
        labels : array-like (n_samples, n_loci, 2)
            Allele labels; None, NaN, ``''`` and values equal to one of ``missing`` are
            missing (compared by value: the string ``'0'`` is not the integer 0).
        samples : sequence (n_samples,) of str
            Unique sample ids.
        loci : sequence (n_loci,) of str
            Unique locus names.
        populations : sequence (n_samples,) of str, optional
            Population/site of each sample.
        missing : tuple
            Labels that mean "no allele" (default 0, -1, -9).

        Returns
        -------
        Genotypes

        Raises
        ------
        ValueError
            ``labels`` is not (n_samples, n_loci, 2), or ids are repeated or of the wrong
            length.

        Examples
        --------
        >>> g = Genotypes.from_labels([[[214, 216], [0, 0]], [[216, 216], [180, 182]]],
        ...                           ["s1", "s2"], ["L1", "L2"])
        >>> g.calls.tolist(), [a.tolist() for a in g.alleles]
        ([[[0, 1], [-1, -1]], [[1, 1], [0, 1]]], [[214, 216], [180, 182]])
        """
        lab = np.asarray(labels, dtype=object)
        if lab.ndim != 3 or lab.shape[2] != 2:
            raise ValueError(f"labels must be (n_samples, n_loci, 2), got {lab.shape}")
        n_s, n_l, _ = lab.shape
        calls = np.full((n_s, n_l, 2), MISSING, dtype=np.int32)
        alleles = []
        miss = set(missing)
        for j in range(n_l):  # per locus, not per variant-scale data
            col = lab[:, j, :].ravel()
            is_missing = np.array(
                [v is None or v == "" or (isinstance(v, float) and np.isnan(v)) or v in miss
                 for v in col], dtype=bool)
            present = col[~is_missing]
            if present.size and all(isinstance(v, (int, np.integer)) for v in present):
                uniq = np.unique(present.astype(np.int64))
            else:
                uniq = np.unique(present.astype(str)) if present.size else np.array([], dtype=np.int64)
            idx = np.full(col.shape, MISSING, dtype=np.int32)
            if present.size:
                idx[~is_missing] = np.searchsorted(uniq, present.astype(uniq.dtype))
            calls[:, j, :] = idx.reshape(n_s, 2)
            alleles.append(uniq)
        return cls(calls, samples, loci, tuple(alleles), populations)

    def labels(self) -> np.ndarray:
        """Allele labels (n_samples, n_loci, 2); missing is -1 for integer labels, '' else."""
        if self.is_snp:
            out = np.full(self.calls.shape, "", dtype=object)
        else:
            out = np.full(self.calls.shape, MISSING, dtype=np.int64)
        for j, lab in enumerate(self.alleles):
            c = self.calls[:, j, :]
            ok = c >= 0
            if lab.size:
                out[:, j, :][ok] = lab[c[ok]]
        return out

    def sizes(self) -> np.ndarray:
        """Microsatellite allele sizes (n_samples, n_loci, 2) as int, -1 missing."""
        if self.is_snp:
            raise TypeError("sizes() is for microsatellites; these are SNP alleles")
        return self.labels().astype(np.int64)

    # ----------------------------------------------------------- scikit-allel
    def to_allel(self):
        """scikit-allel ``GenotypeArray`` (n_loci, n_samples, 2), same allele indices."""
        import allel

        return allel.GenotypeArray(np.ascontiguousarray(self.calls.transpose(1, 0, 2)))

    @classmethod
    def from_allel(cls, g, samples, loci, alleles, populations=None):
        """From a scikit-allel ``GenotypeArray`` (variants x samples x 2), transposed.

        Parameters
        ----------
        g : allel.GenotypeArray or int array (n_loci, n_samples, 2)
            Allele indices, -1 missing (scikit-allel's orientation).
        samples : sequence (n_samples,) of str
        loci : sequence (n_loci,) of str
        alleles : sequence (n_loci,) of 1-D arrays
            Label of each allele index per locus.
        populations : sequence (n_samples,) of str, optional

        Returns
        -------
        Genotypes
            ``calls`` (n_samples, n_loci, 2), a copy.

        Raises
        ------
        ValueError
            ``g`` is not diploid, or the labels do not fit the calls.
        """
        arr = np.asarray(g)
        if arr.ndim != 3 or arr.shape[2] != 2:
            raise ValueError("only diploid GenotypeArrays are supported")
        return cls(arr.transpose(1, 0, 2).copy(), samples, loci, alleles, populations)

    def allele_counts(self) -> np.ndarray:
        """Allele counts per locus, (n_loci, max_alleles), via scikit-allel."""
        max_a = max((len(a) for a in self.alleles), default=0)
        return np.asarray(self.to_allel().count_alleles(max_allele=max(max_a - 1, 0)))

    def allele_frequencies(self) -> np.ndarray:
        """Allele frequencies per locus over typed genotypes, (n_loci, max_alleles).

        Rows of loci typed in no sample are all 0.
        """
        counts = self.allele_counts().astype(float)
        if counts.ndim != 2 or counts.shape[1] == 0:
            counts = np.zeros((self.n_loci, 1))
        n = counts.sum(axis=1, keepdims=True)
        return np.where(n > 0, counts / np.maximum(n, 1), 0.0)

    # ----------------------------------------------------------- subsetting
    def subset(self, samples=None, loci=None) -> Genotypes:
        """Genotypes for a selection (boolean mask or integer indices) of samples/loci.

        Allele labels are kept as they are (alleles absent from the subset stay listed), so
        allele indices keep their meaning; ``meta`` is copied as is (per-locus entries such as
        ``meta['pos']`` are not subset).

        Parameters
        ----------
        samples : bool array (n_samples,) or int array (k,), optional
            Samples to keep, in the order given (default all).
        loci : bool array (n_loci,) or int array (m,), optional
            Loci to keep (default all).

        Returns
        -------
        Genotypes
            (k, m) genotypes with copied calls.

        Examples
        --------
        >>> g = Genotypes(np.array([[[0, 1]], [[1, 1]]]), ["s1", "s2"], ["L1"], ([214, 216],))
        >>> h = g.subset(samples=[1])
        >>> h.samples.tolist(), h.calls.tolist(), h.alleles[0].tolist()
        (['s2'], [[[1, 1]]], [214, 216])
        """
        s = np.arange(self.n_samples) if samples is None else np.asarray(samples)
        m = np.arange(self.n_loci) if loci is None else np.asarray(loci)
        if s.dtype == bool:
            s = np.flatnonzero(s)
        if m.dtype == bool:
            m = np.flatnonzero(m)
        return Genotypes(
            self.calls[np.ix_(s, m)].copy() if s.size and m.size else
            np.zeros((s.size, m.size, 2), dtype=np.int32),
            self.samples[s],
            self.loci[m],
            tuple(self.alleles[j] for j in m),
            None if self.populations is None else self.populations[s],
            dict(self.meta),
        )

    def without_loci(self, names) -> Genotypes:
        """These genotypes minus the named loci (e.g. the sex marker); absent names are ignored.

        Parameters
        ----------
        names : iterable of str
            Locus names to drop.

        Returns
        -------
        Genotypes
            ``self`` when none of the names is a locus, else :meth:`subset` of the others.
        """
        keep = ~np.isin(self.loci, [str(n) for n in names])
        return self if keep.all() else self.subset(loci=keep)

    def with_populations(self, populations) -> Genotypes:
        """The same genotypes with other population labels.

        Parameters
        ----------
        populations : sequence (n_samples,) of str, or None
            Population/site of each sample (None: no populations).

        Returns
        -------
        Genotypes
            Sharing ``calls`` with ``self``; ``meta`` copied.
        """
        return Genotypes(self.calls, self.samples, self.loci, self.alleles,
                         populations, dict(self.meta))

    def equals(self, other: Genotypes) -> bool:
        """Same samples, loci, populations and allele labels per genotype.

        Genotypes are compared by their labels, unordered within a call, so two encodings of
        the same data (other allele lists, ``0/1`` against ``1/0``) are equal; ``meta`` is
        not compared.

        Parameters
        ----------
        other : Genotypes
            Anything else gives False.

        Returns
        -------
        bool

        Examples
        --------
        >>> g = Genotypes(np.array([[[0, 1]]]), ["s1"], ["L1"], ([214, 216],))
        >>> g.equals(Genotypes(np.array([[[0, 2]]]), ["s1"], ["L1"], ([216, 218, 214],)))
        True
        """
        if not isinstance(other, Genotypes):
            return False
        if (self.calls.shape != other.calls.shape
                or not np.array_equal(self.samples, other.samples)
                or not np.array_equal(self.loci, other.loci)):
            return False
        if (self.populations is None) != (other.populations is None):
            return False
        if self.populations is not None and not np.array_equal(self.populations, other.populations):
            return False
        a, b = self.labels(), other.labels()
        # compare genotypes unordered within each call
        return np.array_equal(np.sort(a.astype(str), axis=2), np.sort(b.astype(str), axis=2))

    def __repr__(self) -> str:
        return f"Genotypes({self.n_samples} samples x {self.n_loci} loci)"


@dataclass(frozen=True, eq=False)
class Replicates:
    """PCR replicates of diploid microsatellite calls per sample and locus.

    Attributes
    ----------
    calls : int array (n_samples, n_loci, n_replicates, 2): allele indices, -1 missing.
    attempted : bool array (n_samples, n_loci, n_replicates): the replicate was run
        (a run replicate with both alleles missing is a failed amplification; an
        unattempted slot is padding because samples have different replicate counts).
    samples, loci, alleles : as in ``Genotypes``.
    replicate_ids : label of each replicate slot per sample and locus, shape as attempted
        ('' where not attempted).
    """

    calls: np.ndarray
    attempted: np.ndarray
    samples: np.ndarray
    loci: np.ndarray
    alleles: tuple
    replicate_ids: np.ndarray | None = None

    def __post_init__(self):
        calls = np.asarray(self.calls).astype(np.int32, copy=False)
        if calls.ndim != 4 or calls.shape[3] != 2:
            raise ValueError(f"calls must be (samples, loci, replicates, 2), got {calls.shape}")
        object.__setattr__(self, "calls", calls)
        att = np.asarray(self.attempted, dtype=bool)
        if att.shape != calls.shape[:3]:
            raise ValueError("attempted must be (samples, loci, replicates)")
        object.__setattr__(self, "attempted", att)
        object.__setattr__(self, "samples", _as_str_array(self.samples, calls.shape[0]))
        object.__setattr__(self, "loci", _as_str_array(self.loci, calls.shape[1]))
        object.__setattr__(self, "alleles", tuple(np.asarray(a) for a in self.alleles))
        if self.replicate_ids is None:
            ids = np.where(att, (np.arange(calls.shape[2]) + 1).astype(str)[None, None, :], "")
            object.__setattr__(self, "replicate_ids", ids.astype(object))
        half = (calls < 0).any(axis=3)
        calls[half] = MISSING
        _check_unique(self.samples, "sample ids")
        _check_unique(self.loci, "locus names")

    @property
    def n_samples(self) -> int:
        return self.calls.shape[0]

    @property
    def n_loci(self) -> int:
        return self.calls.shape[1]

    @property
    def n_replicates(self) -> np.ndarray:
        """Replicates run per sample and locus, (n_samples, n_loci)."""
        return self.attempted.sum(axis=2)

    def amplified(self) -> np.ndarray:
        """(n_samples, n_loci, n_replicates): the replicate was run and gave alleles."""
        return self.attempted & (self.calls[..., 0] >= 0)

    def labels(self) -> np.ndarray:
        """Allele sizes (samples, loci, replicates, 2), -1 missing."""
        out = np.full(self.calls.shape, MISSING, dtype=np.int64)
        for j, lab in enumerate(self.alleles):
            c = self.calls[:, j]
            ok = c >= 0
            if lab.size:
                out[:, j][ok] = np.asarray(lab, dtype=np.int64)[c[ok]]
        return out

    def single(self) -> Genotypes:
        """The one genotype of each sample when every sample/locus has one replicate.

        Raises ValueError otherwise (call a consensus first, see ``leogen.qc.consensus``).
        """
        if (self.n_replicates > 1).any():
            raise ValueError("several replicates per sample and locus: call a consensus first")
        first = np.argmax(self.attempted, axis=2)
        calls = np.take_along_axis(self.calls, first[:, :, None, None], axis=2)[:, :, 0, :]
        none = ~self.attempted.any(axis=2)
        calls = calls.copy()
        calls[none] = MISSING
        return Genotypes(calls, self.samples, self.loci, self.alleles)

    @classmethod
    def from_genotypes(cls, g: Genotypes) -> Replicates:
        """One replicate per sample and locus (e.g. blood samples or consensus calls).

        Parameters
        ----------
        g : Genotypes
            (n_samples, n_loci, 2) calls.

        Returns
        -------
        Replicates
            ``calls`` (n_samples, n_loci, 1, 2), every slot ``attempted`` (a missing call is
            a failed amplification), replicate ids ``'1'``.
        """
        return cls(g.calls[:, :, None, :].copy(), np.ones(g.calls.shape[:2] + (1,), bool),
                   g.samples, g.loci, g.alleles)

    def __repr__(self) -> str:
        return (f"Replicates({self.n_samples} samples x {self.n_loci} loci, "
                f"up to {self.calls.shape[2]} replicates)")
