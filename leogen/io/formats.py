"""Genotype file formats: detect, read and write any of them, and convert between them.

Formats (``detect_format`` names): ``long`` (the replicate table, ``leogen.io.longtable``),
``genalex`` (GenAlEx CSV, Peakall & Smouse 2012), ``genepop`` (Rousset 2008),
``structure`` (Pritchard et al. 2000), ``fstat`` (FSTAT ``.dat``, Goudet 1995; hierfstat)
and ``vcf`` (VCF/BCF, Danecek et al. 2011).

Populations travel in the file where the format has room for them: GenAlEx's Pop column,
Genepop's ``Pop`` blocks with their names in the title line (``...; populations=siteA,siteB``,
names with ``% , ; =`` percent-encoded), STRUCTURE's integer POPDATA column, and VCF
``##SAMPLE=<ID=...,Population="...">`` header lines. A title segment ``no populations``
(GenAlEx, Genepop) says the data had none, so a round trip gives ``populations=None`` back.

The helpers below (allele parsing, title segments, population grouping) are shared by the
format modules; those modules are imported lazily here, so they may import this one.
"""

from __future__ import annotations

import gzip
import importlib
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.model.genotypes import MISSING, Genotypes, Replicates

FORMATS = ("long", "genalex", "genepop", "structure", "fstat", "vcf")
_MODULES = {"genalex": "leogen.io.genalex", "genepop": "leogen.io.genepop",
            "structure": "leogen.io.structure", "fstat": "leogen.io.fstat",
            "vcf": "leogen.io.vcf"}
REPLICATE_SEP = "@"


# ----------------------------------------------------------------- shared parsing helpers
#: The largest allele size (or code) read from a genotype file; a larger number is a typing
#: error, and would not fit the integer arrays.
MAX_ALLELE = 1_000_000


def parse_allele_tokens(tokens: np.ndarray, lines: np.ndarray, locus_of_col: np.ndarray,
                        path, errors: ErrorCollector,
                        missing: Sequence[str] = ("0", "-9", "-1", "", "NA", "?")) -> np.ndarray:
    """Whole-number allele sizes from a (rows, columns) array of text tokens, -1 for missing.

    ``lines`` gives each row's line number and ``locus_of_col`` each column's locus name, so a
    bad token is reported as ``x.gen line 7: allele '21a' at locus L3 is not a number``.
    Vectorised over all cells (one ``pandas.to_numeric`` call).

    Parameters
    ----------
    tokens : array (n_rows, n_columns)
        Text tokens, one per allele cell.
    lines : int array (n_rows,)
        Line number of each row, for messages.
    locus_of_col : array (n_columns,)
        Locus name of each column, for messages.
    path : str or Path
        The file read, for messages.
    errors : ErrorCollector
        Collects one error per bad token.
    missing : sequence of str
        Tokens meaning a missing allele.

    Returns
    -------
    int64 array (n_rows, n_columns)
        Allele sizes, -1 for missing (and for bad tokens, which are reported in ``errors``:
        not a whole number >= 0, or above :data:`MAX_ALLELE`).
    """
    tok = np.asarray(tokens, dtype=object)
    out = np.full(tok.shape, MISSING, dtype=np.int64)
    if tok.size == 0:
        return out
    flat = tok.ravel()
    is_missing = np.isin(flat, list(missing))
    present = ~is_missing
    num = pd.to_numeric(pd.Series(flat[present], dtype=object), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan).copy()
    huge = num > MAX_ALLELE  # NaN compares False
    if huge.any():
        where = np.flatnonzero(present)[huge]
        rows, cols = np.unravel_index(where, tok.shape)
        for r, c, v in zip(rows[:50], cols[:50], flat[where][:50], strict=True):
            errors.add(f"allele '{v}' at locus {locus_of_col[c]} is too large for an allele "
                       f"size (at most {MAX_ALLELE:,})", path, int(lines[r]))
        num[huge] = MISSING
    bad = np.isnan(num) | (num != np.round(num)) | (num < 0)
    if bad.any():
        where = np.flatnonzero(present)[bad]
        rows, cols = np.unravel_index(where, tok.shape)
        for r, c, v in zip(rows[:50], cols[:50], flat[where][:50], strict=True):
            msg = f"allele '{v}' at locus {locus_of_col[c]} is not a number"
            try:
                float(v)
                msg = (f"allele '{v}' at locus {locus_of_col[c]} is not a whole, "
                       "non-negative number")
            except ValueError:
                pass
            errors.add(msg, path, int(lines[r]))
        num[bad] = MISSING
    vals = np.full(flat.shape, MISSING, dtype=np.int64)
    vals[present] = num.astype(np.int64)
    vals[vals == 0] = MISSING
    return vals.reshape(tok.shape)


def check_unique_samples(samples: np.ndarray, lines: np.ndarray, path) -> None:
    """InputError naming the lines of the first repeated sample ids.

    Parameters
    ----------
    samples : array (n_samples,)
        Sample ids.
    lines : int array (n_samples,)
        Line number of each sample.
    path : str or Path
        The file read, for messages.

    Returns
    -------
    None

    Raises
    ------
    InputError
        When a sample id is repeated or empty.
    """
    samples = np.asarray(samples, dtype=str)
    s = pd.Series(samples)
    dup = s.duplicated(keep=False).to_numpy()
    if dup.any():
        errors = ErrorCollector()
        for name in pd.unique(samples[dup])[:20]:
            at = np.asarray(lines)[samples == name]
            errors.add(f"sample id '{name}' appears more than once (lines "
                       f"{', '.join(str(int(x)) for x in at[:5])}); sample ids must be unique",
                       path, int(at[1]))
        errors.raise_if_any()
    empty = np.flatnonzero(np.char.str_len(samples) == 0) if samples.size else []
    if len(empty):
        raise InputError("sample id is empty", path, int(np.asarray(lines)[empty[0]]))


def check_unique_loci(loci, lines, path) -> None:
    """Locus names must be unique: the first repeated name is reported with its line.

    Parameters
    ----------
    loci : sequence (n_loci,) of str
        Locus names as the file gives them.
    lines : sequence (n_loci,) of int
        The line of each name.
    path : str or Path
        The file, for the message.

    Raises
    ------
    InputError
        ``locus 'X' appears twice (first on line N)``, at the line of the repeat.

    Examples
    --------
    >>> check_unique_loci(["A", "B", "A"], [2, 2, 3], "g.gen")
    Traceback (most recent call last):
    ...
    leogen.errors.InputError: g.gen line 3: locus 'A' appears twice (first on line 2)
    """
    first: dict = {}
    for name, line in zip(loci, lines, strict=True):
        if name in first:
            raise InputError(f"locus '{name}' appears twice (first on line {first[name]})",
                             path, int(line))
        first[name] = int(line)


def genotypes_from_sizes(sizes: np.ndarray, samples, loci, populations, path) -> Genotypes:
    """``Genotypes.from_labels`` over whole-number sizes (-1 missing), errors as InputError.

    Parameters
    ----------
    sizes : int array (n_samples, n_loci, 2)
        Allele sizes; 0, -1 and -9 are missing.
    samples : array (n_samples,)
        Sample ids.
    loci : array (n_loci,)
        Locus names.
    populations : array (n_samples,) or None
        Population of each sample.
    path : str or Path
        The file read, for messages.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the genotypes cannot be built.
    """
    try:
        return Genotypes.from_labels(np.asarray(sizes, dtype=np.int64), samples, loci,
                                     populations, missing=(0, -1, -9))
    except ValueError as e:
        raise InputError(str(e), path) from None


def population_blocks(g: Genotypes) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Sample order grouping samples by population (stable, populations in first-seen order).

    Returns (order, population names, sizes). Formats with population blocks (GenAlEx,
    Genepop) write samples in this order; ``populations=None`` is one block.

    Parameters
    ----------
    g : Genotypes
        The samples.

    Returns
    -------
    order : int array (n_samples,)
        Sample indices, grouped by population.
    names : list of str
        Population names, in first-seen order (``["pop1"]`` without populations).
    sizes : int array (n_populations,)
        Samples per population.
    """
    if g.populations is None:
        return np.arange(g.n_samples), ["pop1"], np.array([g.n_samples])
    names = list(pd.unique(g.populations))
    code = pd.Index(names).get_indexer(g.populations)
    order = np.argsort(code, kind="stable")
    return order, [str(n) for n in names], np.bincount(code, minlength=len(names))


def grouped(g: Genotypes) -> Genotypes:
    """``g`` with samples grouped by population, as GenAlEx and Genepop files hold them.

    Parameters
    ----------
    g : Genotypes
        The samples.

    Returns
    -------
    Genotypes
        ``g`` itself when already grouped, else a reordered subset.
    """
    order, _, _ = population_blocks(g)
    return g if np.array_equal(order, np.arange(g.n_samples)) else g.subset(samples=order)


_ESC = {"%": "%25", ",": "%2C", ";": "%3B", "=": "%3D", "\n": "%0A", "\r": "%0D"}


def escape_name(name: str) -> str:
    """Percent-encode the characters that separate title segments (``% , ; =`` and newlines).

    Parameters
    ----------
    name : str
        A population name.

    Returns
    -------
    str
        The encoded name.
    """
    return "".join(_ESC.get(ch, ch) for ch in str(name))


def title_with_populations(title: str, populations: list[str] | None,
                           extra: Sequence[str] = ()) -> str:
    """``<title>; populations=a,b`` (or ``; no populations``) plus extra segments.

    Parameters
    ----------
    title : str
        The free title (newlines and ``;`` are replaced).
    populations : list of str or None
        Population names, or None for none.
    extra : sequence of str
        Further segments appended.

    Returns
    -------
    str
        The title line.
    """
    parts = [title.replace("\n", " ").replace("\r", " ").replace(";", ",")]
    if populations is None:
        parts.append("no populations")
    else:
        parts.append("populations=" + ",".join(escape_name(p) for p in populations))
    parts.extend(extra)
    return "; ".join(parts)


NOT_RECORDED = object()  # the title follows no population convention


def populations_from_title(title: str):
    """Population names recorded in a title line: a list, ``None`` ('no populations'),
    or ``NOT_RECORDED`` when the title follows no such convention.

    Parameters
    ----------
    title : str
        The title line of a file.

    Returns
    -------
    list of str, None or NOT_RECORDED
        The recorded populations.
    """
    for seg in (s.strip() for s in title.split(";")):
        if seg.lower() == "no populations":
            return None
        m = re.fullmatch(r"populations\s*=\s*(.*)", seg, flags=re.IGNORECASE)
        if m:
            return [unquote(x.strip()) for x in m.group(1).split(",")]
    return NOT_RECORDED


def require_clean_names(names, what: str, forbidden: str, path) -> None:
    """InputError (naming the first offender) for names containing forbidden characters.

    Parameters
    ----------
    names : array-like of str
        Names to check.
    what : str
        What the names are (``sample``, ``locus``...), for messages.
    forbidden : str
        Characters the format does not allow.
    path : str or Path
        The file to be written, for messages.

    Returns
    -------
    None

    Raises
    ------
    InputError
        When a name is empty or contains a forbidden character.
    """
    for n in np.asarray(names, dtype=str):
        bad = [c for c in forbidden if c in n]
        if bad or n == "":
            shown = "empty" if n == "" else "contains " + " ".join(repr(c) for c in bad)
            raise InputError(f"cannot write {what} '{n}': {shown}, which this format "
                             "does not allow", path)


# ------------------------------------------------------------------------ detection
_EXT = [((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf"), "vcf"),
        ((".gen", ".genepop"), "genepop"),
        ((".str", ".stru", ".structure"), "structure")]


def _format_from_extension(path) -> str | None:
    name = str(path).lower()
    for exts, fmt in _EXT:
        if name.endswith(exts):
            return fmt
    return None


def _head(path: Path, n: int = 65536) -> bytes:
    with open(path, "rb") as fh:
        raw = fh.read(n)
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        except (OSError, EOFError):
            return raw
    return raw


def detect_format(path) -> str:
    """One of ``long, genalex, genepop, structure, fstat, vcf`` from the file's extension and
    content.

    Unambiguous extensions (.vcf, .vcf.gz, .bcf, .gen, .genepop, .str, .structure) decide;
    for .txt/.csv/.tsv and anything else the content decides: a VCF/BCF header, a long-table
    header (sample_id ... allele2), a GenAlEx first row (three whole numbers), a Genepop
    ``Pop`` line, an FSTAT header (four whole numbers separated by spaces, then the locus
    names), else whitespace-separated STRUCTURE rows.

    Parameters
    ----------
    path : str or Path
        The file to inspect.

    Returns
    -------
    str
        The format name.

    Raises
    ------
    InputError
        When the file is missing, a directory, empty or of no recognised format.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    if path.is_dir():
        raise InputError("is a directory, expected a file", path)
    fmt = _format_from_extension(path)
    if fmt is not None:
        return fmt
    head = _head(path)
    if not head.strip():
        raise InputError("file is empty", path)
    if head.startswith((b"##fileformat=VCF", b"BCF\x02", b"BCF\x04")):
        return "vcf"
    text = head.decode("utf-8-sig", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first = next((ln for ln in lines if not ln.startswith("#")), "")
    cells = [c.strip().lower() for c in re.split(r"[\t,;]", first)]
    if {"sample_id", "locus", "allele1", "allele2"} <= set(cells):
        return "long"
    while cells and cells[-1] == "":
        cells.pop()
    # GenAlEx row 1: loci, samples, populations, then one size per population
    if (len(cells) >= 3 and all(re.fullmatch(r"\d+", c) for c in cells[:3])
            and len(cells) == 3 + int(cells[2])):
        return "genalex"
    if any(ln.strip().lower() == "pop" for ln in lines[1:]):
        return "genepop"
    head_tok = first.split()
    if ("," not in first and len(head_tok) == 4 and all(t.isdigit() for t in head_tok)
            and len(lines) > 1 + int(head_tok[1])
            and all(len(ln.split()) == int(head_tok[1]) + 1
                    for ln in lines[1 + int(head_tok[1]):][:20])):
        return "fstat"
    rows = [ln.split() for ln in lines[:20]]
    if len(rows) >= 1 and all(len(r) >= 2 for r in rows):
        body = rows[1:] if len(rows) > 1 and len(rows[0]) < len(rows[1]) else rows
        if all(re.fullmatch(r"-?\d+", t) for r in body for t in r[1:]):
            return "structure"
    raise InputError("cannot tell the genotype format from the content; give it explicitly "
                     f"(one of {', '.join(FORMATS)})", path)


def format_for_output(path) -> str:
    """Output format from the extension: .vcf/.vcf.gz/.bcf, .gen/.genepop, .str/.structure,
    .dat (FSTAT), .csv (GenAlEx) and .tsv (long table); anything else must be given
    explicitly.

    Parameters
    ----------
    path : str or Path
        The file to be written.

    Returns
    -------
    str
        The format name.

    Raises
    ------
    InputError
        When the extension names no format.
    """
    fmt = _format_from_extension(path)
    if fmt is None:
        name = str(path).lower()
        if name.endswith(".dat"):
            return "fstat"
        if name.endswith(".csv"):
            return "genalex"
        if name.endswith(".tsv"):
            return "long"
        raise InputError("cannot tell the output format from the file name; give it "
                         f"explicitly (one of {', '.join(FORMATS)})", path)
    return fmt


# --------------------------------------------------------------------- read / write
def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"unknown genotype format '{fmt}'; expected one of {', '.join(FORMATS)}")
    return fmt


def read_genotypes(path, format: str | None = None) -> Genotypes | Replicates:
    """Read any supported file: a long table gives ``Replicates``, the others ``Genotypes``.

    Parameters
    ----------
    path : str or Path
        The file to read.
    format : str or None
        One of :data:`FORMATS`; None detects it (:func:`detect_format`).

    Returns
    -------
    Genotypes or Replicates

    Raises
    ------
    InputError
        When the format is unknown or the file is invalid.
    """
    fmt = _check_format(format) if format else detect_format(path)
    if fmt == "long":
        from leogen.io.longtable import read_long

        return read_long(path)
    return importlib.import_module(_MODULES[fmt]).read(path)


def read_individual_genotypes(path, format: str | None = None) -> Genotypes:
    """One genotype per sample or individual from any format; a long table must hold one
    replicate per sample and locus (e.g. identify/individual_genotypes.tsv).

    Parameters
    ----------
    path : str or Path
        The file to read.
    format : str or None
        One of :data:`FORMATS`; None, ``""`` or ``"auto"`` detects it.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the file is missing or invalid, or holds several replicates per sample and locus.
    """
    if not Path(path).exists():
        raise InputError("file not found", path)
    data = read_genotypes(path, None if format in (None, "", "auto") else format)
    if isinstance(data, Replicates):
        try:
            data = data.single()
        except ValueError:
            raise InputError("several replicates per sample and locus: this needs one genotype "
                             "per individual (run `leogen consensus` and `leogen identify` "
                             "first)", path, None, "replicate") from None
    return data


def write_genotypes(data: Genotypes | Replicates, path, format: str | None = None, **opts):
    """Write ``data`` atomically in ``format`` (default: from the extension).

    Options go to the format's writer: ``digits`` and ``title`` (genepop), ``layout`` and
    ``header`` (structure), ``title`` (genalex), ``chrom``, ``pos``, ``index`` (vcf).
    Returns what the writer returns (STRUCTURE: the population-code mapping).

    Parameters
    ----------
    data : Genotypes or Replicates
        What to write (replicates are reduced to one genotype except in a long table).
    path : str or Path
        The output file.
    format : str or None
        One of :data:`FORMATS`; None takes it from the extension.
    **opts
        Options of the format's writer.

    Returns
    -------
    object
        The writer's return value.

    Raises
    ------
    InputError
        When the format is unknown or cannot be told from the extension.
    """
    fmt = _check_format(format) if format else format_for_output(path)
    if fmt == "long":
        from leogen.io.longtable import write_long

        return write_long(data, path)
    if isinstance(data, Replicates):
        data = data.single()
    return importlib.import_module(_MODULES[fmt]).write(data, path, **opts)


# ----------------------------------------------------------------------- replicates
def split_replicates(reps: Replicates) -> Genotypes:
    """One sample ``<sample_id>@<replicate>`` per replicate, for single-genotype formats.

    Every (sample, replicate id) that was run at any locus becomes a row; loci where that
    replicate was not run (or failed) are missing. ``merge_replicates`` undoes it.

    Parameters
    ----------
    reps : Replicates
        The replicate genotypes.

    Returns
    -------
    Genotypes
        One sample per (sample, replicate id).

    Raises
    ------
    InputError
        When a replicate id contains the separator ``@``.
    """
    s, loc, r = np.nonzero(reps.attempted)
    rid = reps.replicate_ids[s, loc, r].astype(str)
    bad = np.char.find(rid, REPLICATE_SEP) >= 0
    if bad.any():
        raise InputError(f"replicate id '{rid[bad][0]}' contains '{REPLICATE_SEP}', which "
                         "splitting replicates into samples uses to join sample and replicate")
    name = np.char.add(np.char.add(reps.samples[s].astype(str), REPLICATE_SEP), rid)
    # np.nonzero runs in sample order, so first-seen order groups replicates by sample
    names = pd.unique(name)
    row = pd.Index(names).get_indexer(name)
    calls = np.full((len(names), reps.n_loci, 2), MISSING, dtype=np.int32)
    calls[row, loc] = reps.calls[s, loc, r]
    return Genotypes(calls, names, reps.loci, reps.alleles)


def merge_replicates(g: Genotypes) -> Replicates:
    """Undo ``split_replicates``: samples ``<sample_id>@<replicate>`` become replicates.

    Parameters
    ----------
    g : Genotypes
        Microsatellite samples named ``<sample_id>@<replicate>``.

    Returns
    -------
    Replicates

    Raises
    ------
    InputError
        When ``g`` holds SNPs or a sample name is not of that form.
    """
    names = g.samples.astype(str)
    if g.is_snp:
        raise InputError("replicates hold microsatellite sizes, not SNP alleles")
    parts = [n.rsplit(REPLICATE_SEP, 1) for n in names]
    if any(len(p) != 2 for p in parts):
        raise InputError(f"sample '{names[[len(p) for p in parts].index(1)]}' is not of the form "
                         f"<sample_id>{REPLICATE_SEP}<replicate>")
    sid = np.array([p[0] for p in parts], dtype=object)
    rid = np.array([p[1] for p in parts], dtype=object)
    samples = pd.unique(sid)
    s_pos = pd.Index(samples).get_indexer(sid)
    slot = pd.Series(sid).groupby(sid, sort=False).cumcount().to_numpy()
    n_rep = int(slot.max()) + 1 if len(slot) else 1
    calls = np.full((len(samples), g.n_loci, n_rep, 2), MISSING, dtype=np.int32)
    attempted = np.zeros(calls.shape[:3], dtype=bool)
    ids = np.full(calls.shape[:3], "", dtype=object)
    calls[s_pos, :, slot] = g.calls
    attempted[s_pos, :, slot] = True
    ids[s_pos, :, slot] = rid[:, None]
    return Replicates(calls, attempted, samples, g.loci, g.alleles, ids)


def _without_loci(data: Genotypes | Replicates, drop: set) -> Genotypes | Replicates:
    if isinstance(data, Genotypes):
        return data.without_loci(drop)
    keep = ~np.isin(data.loci.astype(str), list(drop))
    return Replicates(data.calls[:, keep], data.attempted[:, keep], data.samples,
                      data.loci[keep], tuple(a for a, k in zip(data.alleles, keep, strict=True)
                                             if k), data.replicate_ids[:, keep])


def attach_populations(g: Genotypes, table: pd.DataFrame, column: str = "population",
                       path=None) -> Genotypes:
    """``g`` with populations from a table mapping ``sample_id`` or ``individual_id`` to
    ``column`` (:func:`leogen.popgen.diversity.assign_populations`); samples split into
    replicates (``<sample_id>@<replicate>``) take their sample's population.

    Parameters
    ----------
    g : Genotypes
        The samples.
    table : DataFrame
        Maps ``sample_id`` or ``individual_id`` to ``column``.
    column : str
        The population column of ``table``.
    path : str or Path, optional
        The file ``table`` was read from, for messages.

    Returns
    -------
    Genotypes
        ``g`` with populations set.

    Raises
    ------
    InputError
        When the table does not assign the samples (see ``assign_populations``).
    """
    from leogen.popgen.diversity import assign_populations

    names = g.samples.astype(str)
    base = np.array([n.rsplit(REPLICATE_SEP, 1)[0] if REPLICATE_SEP in n else n
                     for n in names], dtype=object)
    if not np.array_equal(base, names):
        ids = pd.unique(base)
        stub = Genotypes(np.full((len(ids), g.n_loci, 2), MISSING, dtype=np.int32), ids,
                         g.loci, g.alleles)
        mapped = assign_populations(stub, table, column, path)
        pop = dict(zip(mapped.samples, mapped.populations, strict=True))
        return g.with_populations([pop[b] for b in base])
    return assign_populations(g, table, column, path)


def convert(src, dst, format_in: str | None = None, format_out: str | None = None,
            replicates: str = "error", populations: pd.DataFrame | None = None,
            population_column: str = "population", exclude_loci=(), populations_path=None,
            **opts):
    """Read ``src`` and write ``dst`` in another format (atomically; ``src`` is only read).

    A long table with more than one replicate per sample and locus is refused unless
    ``replicates='split'`` (each replicate becomes sample ``<sample_id>@<replicate>``).
    Writing a long table from samples that are all named ``<sample_id>@<replicate>``
    restores the replicates. Populations are those of ``src`` (where its format holds them)
    unless a ``populations`` table is given (``sample_id`` or ``individual_id`` and
    ``population_column``; read from ``populations_path``, named in messages); loci in
    ``exclude_loci`` (e.g. the sex marker) are left out. Returns the writer's return value.

    Parameters
    ----------
    src, dst : str or Path
        Input and output files.
    format_in, format_out : str or None
        Formats; None detects the input's and takes the output's from its extension.
    replicates : {'error', 'split'}
        What to do with several replicates per sample and locus.
    populations : DataFrame or None
        Population table replacing those of ``src``.
    population_column : str
        The population column of ``populations``.
    exclude_loci : iterable of str
        Loci left out.
    populations_path : str or Path, optional
        The file ``populations`` was read from, for messages.
    **opts
        Options of the output format's writer.

    Returns
    -------
    object
        The writer's return value.

    Raises
    ------
    InputError
        On a bad ``replicates`` value, ``dst`` equal to ``src``, an unknown locus to leave
        out, no loci left, populations or replicates the conversion cannot carry, or an
        invalid input.
    """
    if replicates not in ("error", "split"):
        raise InputError(f"replicates must be 'error' or 'split', not '{replicates}'")
    fin = _check_format(format_in) if format_in else detect_format(src)
    fout = _check_format(format_out) if format_out else format_for_output(dst)
    if Path(src).resolve() == Path(dst).resolve():
        raise InputError("output would overwrite the input; choose another output file", dst)
    data = read_genotypes(src, fin)
    drop = {str(x) for x in exclude_loci}
    if drop:
        unknown = sorted(drop - set(data.loci.astype(str)))
        if unknown:
            raise InputError(f"locus '{unknown[0]}' to leave out is not in the file (loci: "
                             f"{', '.join(data.loci.astype(str)[:10])})", src)
        data = _without_loci(data, drop)
        if data.n_loci == 0:
            raise InputError("no loci left after leaving out " + ", ".join(sorted(drop)), src)
    if populations is not None and isinstance(data, Replicates):
        if fout == "long":
            raise InputError("the long replicate table has no population column; write "
                             "another format to keep populations", dst)
    if fout == "long":
        if isinstance(data, Genotypes) and data.n_samples and all(
                REPLICATE_SEP in s for s in data.samples):
            data = merge_replicates(data)
        if isinstance(data, Genotypes) and data.is_snp:
            raise InputError("the long replicate table holds microsatellite sizes; "
                             "SNP data cannot be written to it", src)
        return write_genotypes(data, dst, "long")
    if isinstance(data, Replicates):
        if replicates == "split":
            data = split_replicates(data)
        elif (data.n_replicates > 1).any():
            s, loc = np.argwhere(data.n_replicates > 1)[0]
            raise InputError(
                f"has up to {int(data.n_replicates.max())} replicates per sample and locus "
                f"(e.g. sample '{data.samples[s]}' locus '{data.loci[loc]}'), but {fout} holds "
                "one genotype per sample: call a consensus first, or split the replicates to "
                "write each replicate as sample <sample_id>@<replicate>",
                src)
        else:
            data = data.single()
    if populations is not None:
        data = attach_populations(data, populations, population_column, populations_path)
    return write_genotypes(data, dst, fout, **opts)
