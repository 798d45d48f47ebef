"""GenAlEx CSV genotype files (Peakall & Smouse 2006, 2012; GenAlEx 6.5 guide, "data format").

Layout (comma-separated):

- row 1: number of loci, number of samples, number of populations, then each population's size;
- row 2: a title, two empty cells, then each population's name under its size;
- row 3: ``Sample``, ``Pop``, then each locus name followed by an empty column;
- one row per sample: id, population, then two allele columns per locus (0 = missing).

Samples of a population are contiguous (the header sizes count blocks), so ``write`` groups
samples by population, populations in first-seen order. Columns after the last locus that
follow an empty column (GenAlEx's optional coordinates) are ignored. A title segment
``no populations`` (written for data without populations) makes ``read`` return
``populations=None``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import ErrorCollector, InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import (
    check_unique_loci,
    check_unique_samples,
    genotypes_from_sizes,
    parse_allele_tokens,
    population_blocks,
    populations_from_title,
)
from leogen.io.tables import read_text
from leogen.model.genotypes import Genotypes

TITLE = "leogen genalex"


def _whole(value: str, what: str, path, line: int, col: int) -> int:
    v = value.strip()
    if not v.isdigit():
        raise InputError(f"{what} '{v}' (column {col}) is not a whole number", path, line)
    return int(v)


def _trim(row: list[str]) -> list[str]:
    row = [c.strip() for c in row]
    while row and row[-1] == "":
        row.pop()
    return row


def read(path) -> Genotypes:
    """Read a GenAlEx CSV file into ``Genotypes`` (populations from the Pop column).

    Parameters
    ----------
    path : str or Path
        The GenAlEx CSV file.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the file is malformed (separator, header rows, counts, allele columns...).
    """
    text = read_text(path)
    lines = text.splitlines()
    first = lines[0]
    if "," not in first:
        for sep, name in (("\t", "tabs"), (";", "semicolons")):
            if sep in first:
                raise InputError(f"GenAlEx CSV must be comma-separated, but line 1 is "
                                 f"separated by {name}; save the sheet as CSV (comma delimited)",
                                 path, 1)
    rows = list(csv.reader(io.StringIO(text)))
    numbered = [(k + 1, _trim(r)) for k, r in enumerate(rows)]
    if len(numbered) < 3:
        raise InputError("a GenAlEx file needs three header rows (counts, title and population "
                         "names, column names) before the samples", path)
    (_, r1), (_, r2), (_, r3) = numbered[:3]
    if len(r1) < 3:
        raise InputError("must hold the number of loci, samples and populations, then "
                         "the population sizes (GenAlEx header)", path, 1)
    n_loci = _whole(r1[0], "number of loci", path, 1, 1)
    n_samples = _whole(r1[1], "number of samples", path, 1, 2)
    n_pops = _whole(r1[2], "number of populations", path, 1, 3)
    sizes = [_whole(v, "population size", path, 1, 4 + i) for i, v in enumerate(r1[3:3 + n_pops])]
    if len(sizes) != n_pops:
        raise InputError(f"declares {n_pops} populations but gives {len(sizes)} "
                         "population sizes", path, 1)
    if sum(sizes) != n_samples:
        raise InputError(f"population sizes add up to {sum(sizes)}, but the number of "
                         f"samples is {n_samples}", path, 1)
    title = r2[0] if r2 else ""
    pop_names = (r2 + [""] * (3 + n_pops))[3:3 + n_pops]
    width = 2 + 2 * n_loci
    locus_cells = (r3 + [""] * width)[2:width]
    loci = locus_cells[0::2]
    if any(n == "" for n in loci):
        k = loci.index("")
        raise InputError(f"no locus name in column {3 + 2 * k} (expected {n_loci} locus "
                         "names, each followed by an empty column)", path, 3)
    check_unique_loci(loci, [3] * len(loci), path)
    if any(locus_cells[1::2]):
        k = next(i for i, v in enumerate(locus_cells[1::2]) if v)
        raise InputError(f"column {4 + 2 * k} should be empty (each locus name is "
                         f"followed by an empty column) but holds '{locus_cells[1 + 2 * k]}'; "
                         f"line 1 declares {n_loci} loci", path, 3)
    extra = r3[width:]
    if extra and extra[0] != "":
        raise InputError(f"names more loci than the {n_loci} declared on line 1 "
                         f"(column {width + 1} holds '{extra[0]}')", path, 3)
    data = [(k, r) for k, r in numbered[3:] if r]
    if len(data) != n_samples:
        raise InputError(f"the header says {n_samples} samples but the file has {len(data)} "
                         "sample rows", path, 1)
    # allele columns actually used per row; anything after an empty separator is ignored
    for k, r in data:
        used = max(len(r) - 2, 0)
        if used > 2 * n_loci and r[width] == "":
            continue
        if used != 2 * n_loci:
            if used % 2:
                raise InputError(f"odd number of allele columns ({used}): diploid genotypes "
                                 f"need two columns per locus ({2 * n_loci} for {n_loci} loci)",
                                 path, k)
            if used > 2 * n_loci:
                raise InputError(f"has {used} allele columns ({used // 2} loci) but line 1 "
                                 f"declares {n_loci} loci", path, k)
            if len(rows[k - 1]) < width:
                raise InputError(f"has {used} allele columns, expected {2 * n_loci} "
                                 f"({n_loci} loci x 2); the row looks truncated", path, k)
    line_no = np.array([k for k, _ in data])
    cells = np.array([(r + [""] * width)[:width] for _, r in data], dtype=object).reshape(
        len(data), width)
    samples = cells[:, 0].astype(str)
    pops = cells[:, 1].astype(str)
    check_unique_samples(samples, line_no, path)
    errors = ErrorCollector()
    sizes_arr = parse_allele_tokens(cells[:, 2:], line_no, np.repeat(loci, 2), path, errors)
    errors.raise_if_any()
    # the header's population names and sizes must describe the Pop column
    if any(pop_names):
        counts = pd.Series(pops).value_counts()
        for name, size in zip(pop_names, sizes, strict=True):
            if name and int(counts.get(name, 0)) != size:
                raise InputError(f"population '{name}' has size {size} in the header "
                                 f"but {int(counts.get(name, 0))} rows have it in the Pop "
                                 "column", path, 2)
    # 'no populations' in the title (written for data without them) unless the Pop column
    # was since edited to hold several
    no_pops = populations_from_title(title) is None and len(set(pops.tolist())) <= 1
    pops_out = None if no_pops else pops
    return genotypes_from_sizes(sizes_arr.reshape(len(data), n_loci, 2), samples, loci,
                                pops_out, path)


def write(g: Genotypes, path, title: str = TITLE) -> None:
    """Write GenAlEx CSV, samples grouped by population; missing alleles as 0.

    Parameters
    ----------
    g : Genotypes
        Microsatellite genotypes.
    path : str or Path
        The output file.
    title : str
        The title cell.

    Returns
    -------
    None

    Raises
    ------
    InputError
        For SNP data.
    """
    if g.is_snp:
        raise InputError("GenAlEx codes alleles as numbers; SNP letters would need recoding "
                         "(write VCF instead)", path)
    order, names, counts = population_blocks(g)
    title = title.replace("\n", " ")
    if g.populations is None:
        title = f"{title}; no populations"
    sizes = g.sizes()[order]
    n, n_l = g.n_samples, g.n_loci
    cells = np.where(sizes >= 0, sizes, 0).astype(str).reshape(n, 2 * n_l)
    pops = (np.full(n, names[0], dtype=object) if g.populations is None
            else g.populations[order])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([n_l, n, len(names), *counts.tolist()])
    w.writerow([title, "", "", *names])
    w.writerow(["Sample", "Pop", *[c for loc in g.loci for c in (loc, "")]])
    w.writerows(np.column_stack([g.samples[order], pops, cells]).tolist())
    with atomic_open(Path(path), "w", encoding="utf-8") as fh:
        fh.write(buf.getvalue())
