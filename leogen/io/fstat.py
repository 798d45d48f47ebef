"""FSTAT ``.dat`` genotype files (Goudet 1995, FSTAT 2.9 manual; read by hierfstat
``read.fstat``).

Layout (whitespace-separated): line 1 ``n_populations n_loci highest_allele n_digits``; then
the locus names, one per line; then one row per individual: the population as a whole number
1..n_populations, and per locus both alleles written as one number of ``2 n_digits`` digits
(``n_digits`` 2 or 3, e.g. ``214218``), ``0`` for a missing genotype.

FSTAT has no individual ids and numbers its populations, so ``write`` numbers populations as
STRUCTURE does (:func:`leogen.io.structure.population_codes`: names that are positive whole
numbers keep their value, others 1..k in sorted name order) and returns that mapping; rows
are written in the order of ``g`` (``leogen export`` records the animal of each row in its
``animals.tsv``). ``read`` names individuals ``ind1, ind2, ...`` in file order and returns the
population codes as labels. Data without populations are written as population 1.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import check_unique_loci, genotypes_from_sizes, require_clean_names
from leogen.io.tables import read_text
from leogen.model.genotypes import Genotypes


def read(path) -> Genotypes:
    """Read an FSTAT ``.dat`` file into ``Genotypes`` (individuals ``ind1..indN``).

    Parameters
    ----------
    path : str or Path
        The FSTAT file.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the file is empty or malformed (header, fields, populations, genotypes).
    """
    text = read_text(path)
    lines = [(k + 1, ln.split()) for k, ln in enumerate(text.splitlines())]
    lines = [(k, t) for k, t in lines if t]
    if not lines:
        raise InputError("file is empty", path)
    k0, head = lines[0]
    if len(head) < 4 or not all(t.isdigit() for t in head[:4]):
        raise InputError("expected 4 whole numbers: populations, loci, highest allele and "
                         "digits per allele (FSTAT header)", path, k0)
    n_pop, n_loc, _, digits = (int(t) for t in head[:4])
    if digits not in (1, 2, 3):
        raise InputError(f"{digits} digits per allele; FSTAT uses 1, 2 or 3", path, k0)
    if len(lines) < 1 + n_loc:
        raise InputError(f"the header declares {n_loc} loci but the file ends before their "
                         "names", path)
    loci = [" ".join(t) for _, t in lines[1:1 + n_loc]]
    check_unique_loci(loci, [k for k, _ in lines[1:1 + n_loc]], path)
    body = lines[1 + n_loc:]
    if not body:
        raise InputError("no individuals after the locus names", path)
    for k, t in body:
        if len(t) != n_loc + 1:
            raise InputError(f"has {len(t)} fields, expected {n_loc + 1} (population and one "
                             "genotype per locus)", path, k)
        bad = [x for x in t if not x.isdigit()]
        if bad:
            raise InputError(f"'{bad[0]}' is not a whole number", path, k)
    tok = np.array([t for _, t in body], dtype=np.int64)
    line_no = np.array([k for k, _ in body])
    pops = tok[:, 0]
    out_of_range = (pops < 1) | (pops > n_pop)
    if out_of_range.any():
        r = int(np.argmax(out_of_range))
        raise InputError(f"population {pops[r]} is outside 1..{n_pop} (header)", path,
                         int(line_no[r]))
    geno = tok[:, 1:]
    base = 10 ** digits
    if (geno >= base ** 2).any():
        r, c = np.argwhere(geno >= base ** 2)[0]
        raise InputError(f"genotype {geno[r, c]} at locus {loci[c]} has more than "
                         f"{2 * digits} digits", path, int(line_no[r]))
    a1, a2 = geno // base, geno % base
    miss = (a1 == 0) | (a2 == 0)
    sizes = np.stack([np.where(miss, -1, a1), np.where(miss, -1, a2)], axis=2)
    samples = [f"ind{i + 1}" for i in range(len(body))]
    return genotypes_from_sizes(sizes, samples, loci, pops.astype(str), path)


def write(g: Genotypes, path, digits: int | None = None) -> dict[str, int]:
    """Write an FSTAT ``.dat`` file; returns the population codes ``{name: code}``.

    ``digits`` per allele: 3 by default (sizes up to 999), or 2 (sizes up to 99).

    Parameters
    ----------
    g : Genotypes
        Microsatellite genotypes.
    path : str or Path
        The output file.
    digits : int or None
        Digits per allele (2 or 3); None for 3.

    Returns
    -------
    dict of str to int
        Population name -> code.

    Raises
    ------
    InputError
        For SNP data, bad ``digits`` or an allele size that does not fit.
    """
    from leogen.io.structure import population_codes

    path = Path(path)
    if g.is_snp:
        raise InputError("FSTAT codes alleles as numbers; SNP letters would need recoding "
                         "(write VCF instead)", path)
    require_clean_names(g.loci, "locus name", "\n\r", path)
    sizes = g.sizes()
    top = max(int(sizes.max()), 0) if sizes.size else 0
    d = 3 if digits is None else int(digits)
    if d not in (2, 3):
        raise InputError(f"FSTAT alleles have 2 or 3 digits here, not {d}", path)
    if top >= 10 ** d:
        raise InputError(f"allele size {top} does not fit {d} digits", path)
    pops = (np.full(g.n_samples, "1", dtype=object) if g.populations is None
            else np.asarray(g.populations, dtype=object))
    codes = population_codes(pops)
    code = np.array([codes[str(p)] for p in pops], dtype=np.int64)
    typed = (sizes >= 0).all(axis=2)
    value = np.where(typed, sizes[..., 0] * 10 ** d + sizes[..., 1], 0)
    out = io.StringIO()
    out.write(f"{max(codes.values(), default=1)} {g.n_loci} {top} {d}\n")
    out.write("\n".join(g.loci.astype(str)) + "\n")
    width = 2 * d
    cells = np.where(value > 0, np.char.zfill(value.astype(str), width), "0")
    rows = [f"{c} " + " ".join(r) for c, r in zip(code.tolist(), cells.tolist(), strict=True)]
    if rows:
        out.write("\n".join(rows) + "\n")
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(out.getvalue())
    return codes
