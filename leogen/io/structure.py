"""STRUCTURE genotype files (Pritchard, Stephens & Donnelly 2000; STRUCTURE 2.3 manual, sec. 2).

Whitespace-separated rows: an optional first row of locus names (MARKERNAMES=1), then per
individual either

- one row (``ONEROWPERIND=1``): id, [population], allele 1 and allele 2 of each locus; or
- two rows (the default layout of the program): id, [population], one allele per locus,
  the second row holding the second allele of each locus.

Missing alleles are ``-9`` (``0`` is read as missing too). The layout is detected from the
content: an id repeated on consecutive rows means two rows per individual. A population
column (POPDATA=1) is recognised from the column count when a locus-name row is present
(our files always have one); without it, one-row files with an odd number of columns after
the id, and two-row files whose second column agrees within every pair, are taken to have one.

Populations are integer codes in STRUCTURE. ``write`` keeps population names that are
already positive whole numbers, and otherwise numbers the populations 1..k in sorted name
order, returning the ``{name: code}`` mapping (the CLI prints it); ``read`` returns the
codes as population labels. STRUCTURE has no place for the names themselves.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from leogen.errors import ErrorCollector, InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import (
    check_unique_loci,
    check_unique_samples,
    genotypes_from_sizes,
    parse_allele_tokens,
    require_clean_names,
)
from leogen.io.tables import read_text
from leogen.model.genotypes import Genotypes

LAYOUTS = ("onerow", "tworow")


def _columns_error(m: int, n_l: int, layout: str, path, line: int) -> InputError:
    per = 2 if layout == "onerow" else 1
    if layout == "onerow" and m % 2 and m != 2 * n_l + 1:
        return InputError(f"odd number of allele columns ({m} after the sample id) for "
                          f"{n_l} loci: diploid one-row files have two columns per locus "
                          f"({2 * n_l}, or {2 * n_l + 1} with a population column)", path, line)
    return InputError(f"has {m} columns after the sample id, but the header names {n_l} loci: "
                      f"expected {per * n_l} ({per} per locus), or {per * n_l + 1} with a "
                      "population column", path, line)


def read(path, pop_column: bool | None = None) -> Genotypes:
    """Read a STRUCTURE file (one- or two-row layout, detected) into ``Genotypes``.

    ``pop_column`` forces (True) or rules out (False) a population column after the id.

    Parameters
    ----------
    path : str or Path
        The STRUCTURE file.
    pop_column : bool or None
        None detects it.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the file is malformed (no rows, ragged rows, repeated ids, bad columns...).
    """
    text = read_text(path)
    rows = [(k + 1, ln.split()) for k, ln in enumerate(text.splitlines())]
    rows = [(k, r) for k, r in rows if r]
    header = None
    if len(rows) >= 2 and len(rows[0][1]) < len(rows[1][1]):
        header = rows[0][1]
        check_unique_loci(header, [rows[0][0]] * len(header), path)
        rows = rows[1:]
    if not rows:
        raise InputError("no sample rows", path)
    ntok = len(rows[0][1])
    for k, r in rows:
        if len(r) != ntok:
            raise InputError(f"has {len(r)} fields but line {rows[0][0]} has {ntok}; "
                             "every row needs the same columns (the row may be truncated)",
                             path, k)
    if ntok < 2:
        raise InputError("a row needs a sample id and allele columns", path, rows[0][0])
    line_no = np.array([k for k, _ in rows])
    tok = np.array([r for _, r in rows], dtype=object)
    ids = tok[:, 0].astype(str)
    # runs of equal ids on consecutive rows
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    runs = np.diff(np.r_[starts, len(ids)])
    if (runs == 1).all():
        layout = "onerow"
    elif (runs == 2).all():
        layout = "tworow"
    else:
        if (runs > 2).any():
            i = int(starts[np.argmax(runs > 2)])
            raise InputError(f"sample '{ids[i]}' is on {runs.max()} consecutive rows; two-row "
                             "STRUCTURE files have two rows per (diploid) individual",
                             path, int(line_no[i]))
        i = int(starts[np.argmax(runs == 2)])
        raise InputError(f"sample id '{ids[i]}' appears more than once (lines {line_no[i]}, "
                         f"{line_no[i + 1]}); sample ids must be unique (two-row layout would "
                         "need every id on two rows)", path, int(line_no[i + 1]))
    m = ntok - 1
    if header is not None:
        n_l = len(header)
        base = 2 * n_l if layout == "onerow" else n_l
        if m not in (base, base + 1) or (pop_column is not None and m != base + pop_column):
            raise _columns_error(m, n_l, layout, path, int(line_no[0]))
        p = m - base
    elif layout == "onerow":
        p = int(pop_column) if pop_column is not None else m % 2
        if (m - p) % 2:
            raise InputError(f"odd number of allele columns ({m - p}): diploid one-row files "
                             "have two columns per locus", path, int(line_no[0]))
    else:
        same = (tok[0::2, 1] == tok[1::2, 1]).all() and m > 1
        p = int(pop_column) if pop_column is not None else int(same)
    if p and layout == "tworow":
        diff = np.flatnonzero(tok[0::2, 1] != tok[1::2, 1])
        if diff.size:
            i = 2 * int(diff[0]) + 1
            raise InputError(f"sample '{ids[i]}': population '{tok[i, 1]}' differs from "
                             f"'{tok[i - 1, 1]}' on its first row", path, int(line_no[i]))
    alleles = tok[:, 1 + p:]
    if layout == "onerow":
        n_l = alleles.shape[1] // 2
        loci = header if header is not None else [f"L{j + 1}" for j in range(n_l)]
        col_locus = np.repeat(np.asarray(loci, dtype=object), 2)
        samples, pops = ids, (tok[:, 1].astype(str) if p else None)
    else:
        n_l = alleles.shape[1]
        loci = header if header is not None else [f"L{j + 1}" for j in range(n_l)]
        col_locus = np.asarray(loci, dtype=object)
        samples, pops = ids[0::2], (tok[0::2, 1].astype(str) if p else None)
    check_unique_samples(samples, line_no if layout == "onerow" else line_no[0::2], path)
    errors = ErrorCollector()
    sizes = parse_allele_tokens(alleles, line_no, col_locus, path, errors)
    errors.raise_if_any()
    if layout == "onerow":
        sizes = sizes.reshape(len(samples), n_l, 2)
    else:
        sizes = np.stack([sizes[0::2], sizes[1::2]], axis=2)
    return genotypes_from_sizes(sizes, samples, loci, pops, path)


def population_codes(populations) -> dict[str, int]:
    """STRUCTURE population codes: names that are positive whole numbers keep their value,
    otherwise 1..k in sorted name order.

    Parameters
    ----------
    populations : iterable
        Population of each sample.

    Returns
    -------
    dict of str to int
        Name -> code.
    """
    names = sorted({str(p) for p in populations})
    if all(re.fullmatch(r"[1-9]\d*", n) for n in names):
        return {n: int(n) for n in names}
    return {n: k + 1 for k, n in enumerate(names)}


def write(g: Genotypes, path, layout: str = "onerow", header: bool = True) -> dict | None:
    """Write a STRUCTURE file (tab-separated, -9 missing); returns the population codes used.

    ``layout`` is ``onerow`` (ONEROWPERIND=1) or ``tworow``; ``header`` writes the locus-name
    row (MARKERNAMES=1). A population column (POPDATA=1) is written when ``g`` has populations.

    Parameters
    ----------
    g : Genotypes
        Microsatellite genotypes.
    path : str or Path
        The output file.
    layout : {'onerow', 'tworow'}
        Rows per individual.
    header : bool
        Write the locus-name row.

    Returns
    -------
    dict or None
        Population name -> code, None without populations.

    Raises
    ------
    InputError
        On an unknown layout, SNP data or names the format cannot hold.
    """
    path = Path(path)
    if layout not in LAYOUTS:
        raise InputError(f"STRUCTURE layout must be one of {', '.join(LAYOUTS)}, not '{layout}'",
                         path)
    if g.is_snp:
        raise InputError("STRUCTURE codes alleles as numbers; SNP letters would need recoding "
                         "(write VCF instead)", path)
    require_clean_names(g.samples, "sample id", " \t\n\r", path)
    require_clean_names(g.loci, "locus name", " \t\n\r", path)
    sizes = g.sizes()
    sizes = np.where(sizes >= 0, sizes, -9).astype(str)
    lead = [g.samples.astype(str)]
    codes = None
    if g.populations is not None:
        codes = population_codes(g.populations)
        lead.append(np.array([str(codes[p]) for p in g.populations], dtype=str))
    lead = np.column_stack(lead)
    if layout == "onerow":
        body = np.column_stack([lead, sizes.reshape(g.n_samples, 2 * g.n_loci)])
    else:
        body = np.empty((2 * g.n_samples, lead.shape[1] + g.n_loci), dtype=object)
        body[0::2] = np.column_stack([lead, sizes[..., 0]])
        body[1::2] = np.column_stack([lead, sizes[..., 1]])
    out = io.StringIO()
    if header:
        out.write("\t".join(g.loci.astype(str)) + "\n")
    out.write("\n".join("\t".join(r) for r in body.astype(str).tolist()) + "\n")
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(out.getvalue())
    return codes
