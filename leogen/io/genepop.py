"""Genepop genotype files (Rousset 2008, Genepop 4 manual "input file"; Raymond & Rousset 1995).

Layout: a title line; the locus names, one per line or comma-separated; then one or more
populations, each starting with a line ``Pop``; one line per sample ``name , 214216 ...``
with one token per locus holding both alleles as 2- or 3-digit codes (``0000``/``000000``
missing). The code width is detected per file (4- or 6-digit tokens).

Population names are not part of Genepop, so leogen writes them into the title line as
``<title>; populations=siteA,siteB`` (``% , ; =`` percent-encoded; ``no populations`` when
the data have none) and ``read`` restores them; files without that segment get populations
``pop1, pop2, ...``. Samples are written grouped by population (first-seen order).
``digits=2`` recodes each locus' alleles 01..99 by their rank (sizes ascending) and says so
in the title line; the sizes themselves are then not in the file.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from leogen.errors import ErrorCollector, InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import (
    check_unique_loci,
    check_unique_samples,
    genotypes_from_sizes,
    parse_allele_tokens,
    population_blocks,
    populations_from_title,
    require_clean_names,
    title_with_populations,
)
from leogen.io.tables import read_text
from leogen.model.genotypes import Genotypes

TITLE = "leogen genepop"
INDEX_CODES_NOTE = "alleles recoded 01..99 by rank of size per locus"


def read(path) -> Genotypes:
    """Read a Genepop file into ``Genotypes`` (2- or 3-digit allele codes, detected).

    Parameters
    ----------
    path : str or Path
        The Genepop file.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the file is malformed (no ``Pop`` line, no loci, bad genotypes...).
    """
    text = read_text(path)
    lines = [(k + 1, ln.strip()) for k, ln in enumerate(text.splitlines())]
    lines = [(k, ln) for k, ln in lines if ln]
    title = lines[0][1]
    first_pop = next((i for i, (_, ln) in enumerate(lines) if i > 0 and ln.lower() == "pop"),
                     None)
    if first_pop is None:
        raise InputError("no 'Pop' line: a Genepop file has a title line, the locus names and "
                         "then at least one population starting with 'Pop'", path)
    named = [(n.strip(), k) for k, ln in lines[1:first_pop] for n in ln.split(",")
             if n.strip()]
    loci = [n for n, _ in named]
    check_unique_loci(loci, [k for _, k in named], path)
    if not loci:
        raise InputError("no locus names between the title line and the first 'Pop'", path,
                         lines[first_pop][0])
    n_l = len(loci)
    samples, tokens, line_no, block = [], [], [], []
    n_blocks = 0
    for k, ln in lines[first_pop:]:
        if ln.lower() == "pop":
            n_blocks += 1
            continue
        name, comma, rest = ln.partition(",")
        if not comma:
            raise InputError("expected 'sample name , genotypes' (no comma found)", path, k)
        tok = rest.split()
        if len(tok) != n_l:
            if len(tok) < n_l:
                raise InputError(f"sample '{name.strip()}' has {len(tok)} genotypes but the "
                                 f"file names {n_l} loci; the line looks truncated", path, k)
            raise InputError(f"sample '{name.strip()}' has {len(tok)} genotypes but the file "
                             f"names {n_l} loci", path, k)
        samples.append(name.strip())
        tokens.append(tok)
        line_no.append(k)
        block.append(n_blocks - 1)
    if not samples:
        raise InputError("no samples after the 'Pop' line", path)
    line_no = np.asarray(line_no)
    tok = np.asarray(tokens, dtype=str).reshape(len(samples), n_l)
    lengths = np.char.str_len(tok)
    values, counts = np.unique(lengths, return_counts=True)
    width = int(values[np.argmax(counts)])
    if width not in (4, 6):
        r, c = np.argwhere(lengths == width)[0]
        raise InputError(f"genotype '{tok[r, c]}' at locus {loci[c]} has {width} characters; "
                         "Genepop diploid genotypes have 4 (2-digit) or 6 (3-digit) digits",
                         path, int(line_no[r]))
    if (lengths != width).any():
        r, c = np.argwhere(lengths != width)[0]
        raise InputError(f"genotype '{tok[r, c]}' at locus {loci[c]} has {lengths[r, c]} "
                         f"characters, but the file's genotypes have {width} "
                         f"({width // 2} digits per allele)", path, int(line_no[r]))
    d = width // 2
    pair = np.stack([tok.astype(f"U{d}"), np.strings.slice(tok, d, None)],
                    axis=2).reshape(len(samples), 2 * n_l)
    check_unique_samples(np.asarray(samples), line_no, path)
    errors = ErrorCollector()
    sizes = parse_allele_tokens(pair, line_no, np.repeat(loci, 2), path, errors,
                                missing=("0" * d,))
    errors.raise_if_any()
    names = populations_from_title(title)
    block = np.asarray(block)
    if names is None and n_blocks == 1:
        populations = None
    elif isinstance(names, list) and len(names) == n_blocks:
        populations = np.asarray(names, dtype=object)[block]
    else:  # no names recorded, or they do not match the blocks (file edited): number them
        populations = np.char.add("pop", (block + 1).astype(str))
    return genotypes_from_sizes(sizes.reshape(len(samples), n_l, 2), samples, loci,
                                populations, path)


def write(g: Genotypes, path, digits: int = 3, title: str = TITLE) -> None:
    """Write a Genepop file, one ``Pop`` block per population.

    ``digits=3`` (default) writes sizes as 3-digit codes and fails for sizes >= 1000;
    ``digits=2`` writes each locus' alleles as their rank 01..99 (noted in the title line).

    Parameters
    ----------
    g : Genotypes
        Microsatellite genotypes.
    path : str or Path
        The output file.
    digits : {2, 3}
        Digits per allele code.
    title : str
        The title line.

    Returns
    -------
    None

    Raises
    ------
    InputError
        On bad ``digits``, SNP data, names or alleles the format cannot hold.
    """
    path = Path(path)
    if digits not in (2, 3):
        raise InputError(f"Genepop allele codes have 2 or 3 digits, not {digits}", path)
    if g.is_snp:
        raise InputError("Genepop codes alleles as numbers; SNP letters would need recoding "
                         "(write VCF instead)", path)
    require_clean_names(g.samples, "sample id", ",\n\r", path)
    require_clean_names(g.loci, "locus name", ",\n\r", path)
    for what, names in (("sample id", g.samples), ("locus name", g.loci)):
        bad = [s for s in names if s.strip().lower() == "pop" or s != s.strip()]
        if bad:
            raise InputError(f"cannot write {what} '{bad[0]}' to Genepop ('Pop' is the "
                             "population separator; no leading/trailing spaces)", path)
    order, names, counts = population_blocks(g)
    if digits == 3:
        codes = g.sizes()
        too_big = codes >= 1000
        if too_big.any():
            s, j, _ = np.argwhere(too_big)[0]
            raise InputError(f"allele size {codes[s, j].max()} at locus {g.loci[j]} does not "
                             "fit Genepop's 3-digit codes (sizes must be < 1000); use digits=2 "
                             "to recode alleles by rank", path)
        extra = []
    else:
        n_alleles = np.array([len(a) for a in g.alleles])
        if (n_alleles > 99).any():
            j = int(np.argmax(n_alleles))
            raise InputError(f"locus {g.loci[j]} has {n_alleles[j]} alleles; 2-digit Genepop "
                             "codes allow 99", path)
        codes = np.where(g.calls >= 0, g.calls + 1, -1).astype(np.int64)
        extra = [INDEX_CODES_NOTE]
    codes = codes[order]
    text_codes = np.char.zfill(np.where(codes >= 0, codes, 0).astype(str), digits)
    geno = np.char.add(text_codes[..., 0], text_codes[..., 1])  # (n, L)
    rows = np.char.add(np.char.add(g.samples[order].astype(str), " , "),
                       np.array([" ".join(r) for r in geno.tolist()], dtype=object).astype(str))
    pops = None if g.populations is None else names
    out = io.StringIO()
    out.write(title_with_populations(title, pops, extra) + "\n")
    out.write("\n".join(g.loci.astype(str)) + "\n")
    pop_of = np.repeat(np.arange(len(names)), counts)
    for b in range(len(names)):
        out.write("Pop\n")
        chunk = rows[pop_of == b]
        if chunk.size:
            out.write("\n".join(chunk.tolist()) + "\n")
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(out.getvalue())

