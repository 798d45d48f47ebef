"""COLONY 2 input files (Jones & Wang 2010 Mol Ecol Res 10:551; COLONY user guide, "input
data file").

``write`` lays out, one value per line with a ``!`` comment: the data set and output names;
number of offspring and of loci; the seed; update allele frequencies (0); dioecious (2);
inbreeding (0); diploid (0); polygamy for males and females (``0 0``); clone inference (1,
so re-sampled animals are caught); full-sibship scaling (1); sibship prior (0); allele
frequencies unknown (0); runs (1); run length (2 = medium); monitoring by iterations (0) and
its interval; no Windows GUI (0); full-likelihood method (1); precision (2 = high). Then the
marker names, their types (0 = codominant), the allelic dropout rate and the other-error
rate of each locus (from leogen's error model when given). Then one line per offspring:
id and two alleles per locus, ``0`` missing. Every identified animal is written as an
offspring: COLONY then infers the full and half sibships among them (and duplicates); no
candidate parents, known or excluded relationships are listed (``0`` of each), so the
probabilities that a parent is among the candidates are ``0 0``.

``read`` returns the offspring genotypes of such a file (the one block leogen writes), to
check that an export re-reads to the same genotypes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import genotypes_from_sizes, require_clean_names
from leogen.io.tables import read_text
from leogen.model.genotypes import Genotypes

NAME_MAX = 20  # COLONY truncates longer ids


def write(g: Genotypes, path, dropout=None, other_error=None, name: str = "leogen",
          seed: int = 1, monitor_interval: int = 10000) -> None:
    """Write a COLONY 2 input file with every sample of ``g`` as an offspring.

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2), microsatellite sizes.
    path : the ``.dat`` file.
    dropout, other_error : float arrays (n_loci,) or None: allelic dropout and other
        genotyping-error rates per locus (default 0 and 0.01).
    name : data set and output name (letters, digits, ``_``; at most 40 characters).
    seed : COLONY's random seed (a positive whole number).
    monitor_interval : iterations between COLONY's progress reports.
    """
    path = Path(path)
    if g.is_snp:
        raise InputError("COLONY codes alleles as numbers; SNP letters would need recoding",
                         path)
    if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", name):
        raise InputError(f"COLONY data set name '{name}' must be 1-40 letters, digits or _",
                         path)
    require_clean_names(g.samples, "sample id", " \t\n\r!", path)
    require_clean_names(g.loci, "locus name", " \t\n\r!", path)
    long_ids = [s for s in g.samples if len(s) > NAME_MAX]
    if long_ids:
        raise InputError(f"sample id '{long_ids[0]}' is longer than {NAME_MAX} characters, "
                         "which COLONY truncates", path)
    L = g.n_loci
    ado = np.zeros(L) if dropout is None else np.asarray(dropout, dtype=float)
    err = np.full(L, 0.01) if other_error is None else np.asarray(other_error, dtype=float)
    for what, v in (("dropout", ado), ("other error", err)):
        if v.shape != (L,) or not np.all((v >= 0) & (v < 1)):
            raise InputError(f"{what} rates must be one value in [0, 1) per locus", path)
    sizes = np.where(g.sizes() >= 0, g.sizes(), 0).reshape(g.n_samples, 2 * L)

    def line(value, comment):
        return f"{value:<24} ! {comment}\n"

    out = io.StringIO()
    out.write(line(name, "Dataset name"))
    out.write(line(name, "Output file name"))
    for value, comment in (
            (g.n_samples, "Number of offspring in the sample"),
            (L, "Number of loci"),
            (int(seed), "Seed for random number generator"),
            (0, "0/1=Not updating/updating allele frequency"),
            (2, "2/1=Dioecious/Monoecious species"),
            (0, "0/1=No inbreeding/inbreeding"),
            (0, "0/1=Diploid species/HaploDiploid species"),
            ("0  0", "0/1=Polygamy/Monogamy for males & females"),
            (1, "0/1=Clone inference =No/Yes"),
            (1, "0/1=Scale full sibship=No/Yes"),
            (0, "0/1/2/3/4=No/Weak/Medium/Strong sibship prior"),
            (0, "0/1=Unknown/Known population allele frequency"),
            (1, "Number of runs"),
            (2, "1/2/3/4=short/medium/long/very long run"),
            (0, "0/1=Monitor method by Iterate#/Time in second"),
            (int(monitor_interval), "Monitor interval in Iterate# / in seconds"),
            (0, "0/1=No/Yes for run with Windows GUI"),
            (1, "0/1/2=PairLikelihood score/Fulllikelihood/FPLS"),
            (2, "0/1/2/3=Low/Medium/High/Very high precision with Full-likelihood")):
        out.write(line(value, comment))
    out.write("\n")
    out.write(" ".join(g.loci.astype(str)) + "  ! Marker IDs\n")
    out.write(" ".join(["0"] * L) + "  ! Marker types, 0/1=Codominant/Dominant\n")
    out.write(" ".join(f"{v:.4f}" for v in ado) + "  ! Allelic dropout rate at each locus\n")
    out.write(" ".join(f"{v:.4f}" for v in err) + "  ! Other typing error rate at each locus\n")
    out.write("\n")
    for sid, row in zip(g.samples.astype(str), sizes.tolist(), strict=True):
        out.write(sid + " " + " ".join(str(a) for a in row) + "\n")
    out.write("\n")
    for value, comment in (
            ("0  0", "Prob. of dad/mum included in the candidates"),
            ("0  0", "Numbers of candidate males & females"),
            ("0  0", "Number of known paternity, exclusion threshold"),
            ("0  0", "Number of known maternity, exclusion threshold"),
            (0, "Number of known paternal sibship"),
            (0, "Number of known maternal sibship"),
            (0, "Number of offspring with known excluded paternity"),
            (0, "Number of offspring with known excluded maternity"),
            (0, "Number of offspring with known excluded paternal sibships"),
            (0, "Number of offspring with known excluded maternal sibships")):
        out.write(line(value, comment))
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(out.getvalue())


def read(path) -> Genotypes:
    """The offspring genotypes of a COLONY 2 input file (as :func:`write` lays it out).

    Parameters
    ----------
    path : str or Path
        The COLONY input file.

    Returns
    -------
    Genotypes

    Raises
    ------
    InputError
        When the file is too short or its counts, marker ids or offspring rows are wrong.
    """
    text = read_text(path)
    values = []  # (line number, text before the comment)
    for k, ln in enumerate(text.splitlines(), start=1):
        body = ln.split("!", 1)[0].strip()
        if body:
            values.append((k, body))
    if len(values) < 25:
        raise InputError("too short for a COLONY input file", path)
    try:
        n_off = int(values[2][1].split()[0])
        n_loc = int(values[3][1].split()[0])
    except ValueError:
        raise InputError("expected the numbers of offspring and loci on lines 3 and 4 of the "
                         "parameters", path, values[2][0]) from None
    # parameters: 2 names + 19 values, then marker ids, types, dropout, other error
    loci = values[21][1].split()
    if len(loci) != n_loc:
        raise InputError(f"{len(loci)} marker ids, expected {n_loc}", path, values[21][0])
    rows = values[25:25 + n_off]
    if len(rows) < n_off:
        raise InputError(f"expected {n_off} offspring rows", path)
    samples, sizes = [], []
    for k, body in rows:
        t = body.split()
        if len(t) != 1 + 2 * n_loc or not all(x.isdigit() for x in t[1:]):
            raise InputError(f"expected an id and {2 * n_loc} whole-number alleles", path, k)
        samples.append(t[0])
        sizes.append([int(x) for x in t[1:]])
    s = np.asarray(sizes, dtype=np.int64).reshape(n_off, n_loc, 2)
    s = np.where((s == 0).any(axis=2, keepdims=True), -1, s)
    return genotypes_from_sizes(s, samples, loci, None, path)
