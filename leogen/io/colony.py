"""COLONY 2 input files and best-configuration output (Jones & Wang 2010 Mol Ecol Res 10:551;
Wang 2004 Genetics 166:1963; COLONY user guide, "input data file" and "output files").

Input (``.dat``), as :func:`write` lays it out, one value per line with a ``!`` comment: the
data set and output names; number of offspring and of loci; the seed; update allele
frequencies (0); dioecious (2); inbreeding (0); diploid (0); polygamy for males and
females (``0 0``); clone inference (1, so re-sampled animals are caught); full-sibship
scaling (1); sibship prior (0 = off); allele frequencies unknown (0); runs (1); run length
(2 = medium); monitoring by iterations (0) and its interval; no Windows GUI (0);
full-likelihood method (1); precision (2 = high). Then the marker names, their types (0 =
codominant), the allelic dropout rate and the other-error rate of each locus (from leogen's
error model when given). Then one line per offspring: id and two alleles per locus, ``0``
missing. Every identified animal is written as an offspring, so COLONY infers the full and
half sibships among them (and duplicates). With the animals' sexes, every male is also a
candidate father and every female a candidate mother (COLONY accepts an animal both as an
offspring and as a candidate parent, the usual set-up for overlapping generations): the
probabilities that a parent is among the candidates, the numbers of candidate males and
females, and their genotype blocks follow; without sexes both numbers are ``0 0``. Then no
known paternities or maternities (``0 0`` each: number, exclusion threshold), no known
sibships, no known exclusions (``0`` each).

:func:`read_input` parses such a file back (offspring and candidate genotypes, rates,
candidate probabilities); :func:`read` returns its offspring genotypes.

Output: COLONY's ``<name>.BestConfig`` and ``<name>.BestConfig_Ordered`` are whitespace
tables ``OffspringID FatherID MotherID ClusterIndex`` of the maximum-likelihood
configuration, unsampled (dummy) fathers named ``*1, *2, ...`` and mothers ``#1, #2, ...``;
``<name>.Paternity`` / ``.Maternity`` are comma-separated ``OffspringID, InferredDad1,
ProbDad1, ...`` for sampled parents. :func:`read_best_config` turns them into a pedigree
table (dummy parents as rows of their own, marked), checked against the data;
:func:`write_best_config` writes a pedigree in the BestConfig layout; :func:`compare_links`
gives the share of parent links two pedigrees agree on.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.io.formats import genotypes_from_sizes, require_clean_names
from leogen.io.tables import read_text
from leogen.model.genotypes import Genotypes

NAME_MAX = 20  # COLONY truncates longer ids
N_PARAMETERS = 21  # lines from the data set name to the precision
BEST_CONFIG_COLUMNS = ("OffspringID", "FatherID", "MotherID", "ClusterIndex")
#: pedigree table of :func:`read_best_config`
PEDIGREE_COLUMNS = ("individual_id", "sire", "dam", "dummy", "sex", "sire_probability",
                    "dam_probability", "cluster", "colony_id")
DUMMY_MARK = {"sire": "*", "dam": "#"}


def _line(value, comment):
    return f"{value:<24} ! {comment}\n"


def _rows(g: Genotypes, select) -> str:
    L = g.n_loci
    sizes = np.where(g.sizes() >= 0, g.sizes(), 0).reshape(g.n_samples, 2 * L)
    out = []
    for k in np.flatnonzero(select):
        out.append(str(g.samples[k]) + " " + " ".join(str(a) for a in sizes[k].tolist()) + "\n")
    return "".join(out)


def write(g: Genotypes, path, dropout=None, other_error=None, name: str = "leogen",
          seed: int = 1, monitor_interval: int = 10000, sex=None,
          candidate_probability=(0.5, 0.5)) -> None:
    """Write a COLONY 2 input file with every sample of ``g`` as an offspring (and, given
    the sexes, as a candidate father or mother).

    Parameters
    ----------
    g : Genotypes
        (n_individuals, n_loci, 2), microsatellite sizes.
    path : str or Path
        The ``.dat`` file.
    dropout, other_error : float arrays (n_loci,) or None
        Allelic dropout and other genotyping-error rates per locus (default 0 and 0.01).
    name : str
        Data set and output name (letters, digits, ``_``; at most 40 characters).
    seed : int
        COLONY's random seed (a positive whole number).
    monitor_interval : int
        Iterations between COLONY's progress reports.
    sex : sequence (n_individuals,) or None
        ``M`` / ``F`` per animal (anything else: unknown, not a candidate). None: no
        candidate parents.
    candidate_probability : (float, float)
        Probabilities that the father and the mother of an offspring are among the
        candidates (written as 0 for a sex without candidates).

    Returns
    -------
    None

    Raises
    ------
    InputError
        SNP genotypes, a bad data set name, ids with spaces or ``!`` or starting with ``*``
        or ``#`` (COLONY's dummy-parent marks), ids longer than 20 characters, rates or
        probabilities outside [0, 1), a sex array of the wrong length.
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
    marked = [s for s in g.samples.astype(str) if s[:1] in ("*", "#")]
    if marked:
        raise InputError(f"sample id '{marked[0]}' starts with {marked[0][0]}, which COLONY "
                         "uses for unsampled parents", path)
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
    if sex is None:
        males = females = np.zeros(g.n_samples, dtype=bool)
    else:
        sx = np.asarray(["" if x is None else str(x) for x in sex], dtype=object)
        if sx.shape != (g.n_samples,):
            raise InputError(f"{sx.size} sexes for {g.n_samples} animals", path)
        males, females = sx == "M", sx == "F"
    prob = np.asarray(candidate_probability, dtype=float)
    if prob.shape != (2,) or not np.all((prob >= 0) & (prob <= 1)):
        raise InputError("candidate probabilities must be two values in [0, 1]", path)
    prob = np.where([males.any(), females.any()], prob, 0.0)

    out = io.StringIO()
    out.write(_line(name, "Dataset name"))
    out.write(_line(name, "Output file name"))
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
        out.write(_line(value, comment))
    out.write("\n")
    out.write(" ".join(g.loci.astype(str)) + "  ! Marker IDs\n")
    out.write(" ".join(["0"] * L) + "  ! Marker types, 0/1=Codominant/Dominant\n")
    out.write(" ".join(f"{v:.4f}" for v in ado) + "  ! Allelic dropout rate at each locus\n")
    out.write(" ".join(f"{v:.4f}" for v in err) + "  ! Other typing error rate at each locus\n")
    out.write("\n")
    out.write(_rows(g, np.ones(g.n_samples, dtype=bool)))
    out.write("\n")
    out.write(_line(f"{prob[0]:g}  {prob[1]:g}", "Prob. of dad/mum included in the candidates"))
    out.write(_line(f"{int(males.sum())}  {int(females.sum())}",
                    "Numbers of candidate males & females"))
    out.write("\n")
    if males.any():
        out.write(_rows(g, males))
        out.write("\n")
    if females.any():
        out.write(_rows(g, females))
        out.write("\n")
    for value, comment in (
            ("0  0", "Number of known paternity, exclusion threshold"),
            ("0  0", "Number of known maternity, exclusion threshold"),
            (0, "Number of known paternal sibship"),
            (0, "Number of known maternal sibship"),
            (0, "Number of offspring with known excluded paternity"),
            (0, "Number of offspring with known excluded maternity"),
            (0, "Number of offspring with known excluded paternal sibships"),
            (0, "Number of offspring with known excluded maternal sibships")):
        out.write(_line(value, comment))
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(out.getvalue())


@dataclass
class ColonyInput:
    """A COLONY input file as :func:`read_input` parses it: the data set name, the offspring
    genotypes, per-locus dropout and other-error rates (n_loci,), the probabilities that the
    father / mother is among the candidates, and the candidate males' and females'
    genotypes (None when there are none)."""

    name: str
    offspring: Genotypes
    dropout: np.ndarray
    other_error: np.ndarray
    candidate_probability: tuple
    males: Genotypes | None = field(default=None)
    females: Genotypes | None = field(default=None)


def _genotype_block(rows, n_loc, loci, path, what) -> Genotypes:
    samples, sizes = [], []
    for k, body in rows:
        t = body.split()
        if len(t) != 1 + 2 * n_loc or not all(x.isdigit() for x in t[1:]):
            raise InputError(f"expected a {what} id and {2 * n_loc} whole-number alleles", path,
                             k)
        samples.append(t[0])
        sizes.append([int(x) for x in t[1:]])
    s = np.asarray(sizes, dtype=np.int64).reshape(len(rows), n_loc, 2)
    s = np.where((s == 0).any(axis=2, keepdims=True), -1, s)
    return genotypes_from_sizes(s, samples, loci, None, path)


def _ints(value, k, path, what, n=1) -> list[int]:
    t = value.split()
    try:
        if len(t) < n:
            raise ValueError
        return [int(x) for x in t[:n]]
    except ValueError:
        raise InputError(f"expected {what}", path, k) from None


def read_input(path) -> ColonyInput:
    """Parse a COLONY 2 input file laid out as :func:`write` writes it (no known allele
    frequencies, no known relationships).

    Parameters
    ----------
    path : str or Path
        The COLONY input file.

    Returns
    -------
    ColonyInput

    Raises
    ------
    InputError
        When the file is too short, or its counts, marker ids, rates, offspring or candidate
        rows are wrong (naming the line).
    """
    text = read_text(path)
    values = []  # (line number, text before the comment)
    for k, ln in enumerate(text.splitlines(), start=1):
        body = ln.split("!", 1)[0].strip()
        if body:
            values.append((k, body))
    if len(values) < N_PARAMETERS + 4:
        raise InputError("too short for a COLONY input file", path)
    n_off = _ints(values[2][1], values[2][0], path, "the number of offspring")[0]
    n_loc = _ints(values[3][1], values[3][0], path, "the number of loci")[0]
    if _ints(values[13][1], values[13][0], path, "0/1 for known allele frequencies")[0] != 0:
        raise InputError("known allele frequencies are not supported (expected 0)", path,
                         values[13][0])
    loci = values[21][1].split()
    if len(loci) != n_loc:
        raise InputError(f"{len(loci)} marker ids, expected {n_loc}", path, values[21][0])
    rates = []
    for j, what in ((23, "allelic dropout"), (24, "other error")):
        t = values[j][1].split()
        try:
            v = np.array([float(x) for x in t])
        except ValueError:
            v = np.array([])
        if v.shape != (n_loc,) or not np.all((v >= 0) & (v < 1)):
            raise InputError(f"expected {n_loc} {what} rates in [0, 1)", path, values[j][0])
        rates.append(v)
    start = N_PARAMETERS + 4
    rows = values[start:start + n_off]
    if len(rows) < n_off:
        raise InputError(f"expected {n_off} offspring rows", path)
    offspring = _genotype_block(rows, n_loc, loci, path, "offspring")
    pos = start + n_off
    if len(values) < pos + 2:
        raise InputError("missing the candidate probabilities and numbers after the offspring",
                         path)
    k = values[pos][0]
    try:
        prob = tuple(float(x) for x in values[pos][1].split()[:2])
    except ValueError:
        prob = ()
    if len(prob) != 2 or not all(0 <= p <= 1 for p in prob):
        raise InputError("expected two candidate probabilities in [0, 1]", path, k)
    n_m, n_f = _ints(values[pos + 1][1], values[pos + 1][0], path,
                     "the numbers of candidate males and females", n=2)
    pos += 2
    blocks = []
    for n_c, what in ((n_m, "candidate male"), (n_f, "candidate female")):
        rows = values[pos:pos + n_c]
        if len(rows) < n_c:
            raise InputError(f"expected {n_c} {what} rows", path)
        blocks.append(_genotype_block(rows, n_loc, loci, path, what) if n_c else None)
        pos += n_c
    return ColonyInput(str(values[0][1]), offspring, rates[0], rates[1], prob, *blocks)


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
        As :func:`read_input`.
    """
    return read_input(path).offspring


# --------------------------------------------------------------------------- BestConfig
def _dummy_id(name: str, prefix: str) -> str:
    role = "sire" if name.startswith("*") else "dam"
    return f"{prefix}_{role}_{name[1:]}"


def read_parent_probabilities(path) -> dict:
    """COLONY's ``.Paternity`` or ``.Maternity`` file: offspring -> (parent, probability) of
    its first (most probable) inferred sampled parent.

    Parameters
    ----------
    path : str or Path
        Comma-separated ``OffspringID, InferredDad1, ProbDad1, ...`` (or ``InferredMum1,
        ProbMum1``).

    Returns
    -------
    dict str -> (str, float)

    Raises
    ------
    InputError
        Fewer than three columns, or a probability that is not a number in [0, 1].
    """
    text = read_text(path)
    out = {}
    lines = [(k, ln) for k, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise InputError("empty COLONY parentage file", path)
    header = [h.strip() for h in lines[0][1].split(",")]
    if len(header) < 3 or header[0] != "OffspringID":
        raise InputError("expected the header OffspringID,InferredDad1,ProbDad1 (or Mum)",
                         path, lines[0][0])
    for k, ln in lines[1:]:
        t = [x.strip() for x in ln.split(",")]
        if len(t) < 3:
            raise InputError("expected offspring, parent and probability", path, k)
        try:
            p = float(t[2])
        except ValueError:
            p = float("nan")
        if not 0 <= p <= 1:
            raise InputError(f"probability {t[2]!r} is not a number in [0, 1]", path, k,
                             header[2])
        out[t[0]] = (t[1], p)
    return out


def read_best_config(path, ids=None, sex=None, paternity=None, maternity=None,
                     dummy_prefix: str = "colony", require_all: bool = True) -> pd.DataFrame:
    """COLONY's best configuration (``*.BestConfig`` or ``*.BestConfig_Ordered``) as a
    pedigree table, checked against the data.

    Parameters
    ----------
    path : str or Path
        Whitespace table with the header ``OffspringID FatherID MotherID ClusterIndex``.
    ids : sequence of str, optional
        The animals of the data COLONY was run on: every offspring must be one of them, and
        (``require_all``) each of them must be in the file; sampled parents must be too.
    sex : mapping id -> 'M' / 'F', optional
        Sexes of the data (a father must not be female, a mother not male).
    paternity, maternity : str or Path, optional
        COLONY's ``.Paternity`` / ``.Maternity`` files, for the probabilities of sampled
        parents (:func:`read_parent_probabilities`).
    dummy_prefix : str
        Dummy parents ``*k`` / ``#k`` become ``<prefix>_sire_k`` / ``<prefix>_dam_k``.
    require_all : bool
        Every animal of ``ids`` must be an offspring of the file.

    Returns
    -------
    DataFrame
        ``individual_id, sire, dam, dummy, sex, sire_probability, dam_probability, cluster,
        colony_id``: one row per offspring in file order, then one per dummy parent (a
        founder, ``dummy`` True, sex from its role), then one per sampled parent that is
        not an offspring row (a founder); probabilities NA where COLONY gives
        none (dummies; no parentage file); ``colony_id`` is COLONY's name.

    Raises
    ------
    InputError
        Missing columns (line 1), a row with the wrong number of fields, an offspring listed
        twice or not in the data, a sampled parent not in the data, a father named like a
        dummy mother (``#``) or the reverse, an animal that is both a father and a mother,
        a father that is female or a mother that is male in ``sex``, an animal that is its
        own parent, an animal of the data missing from the file, or a name clash between a
        dummy's new id and an animal (file, line and column named).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "run.BestConfig")
    >>> _ = open(p, "w").write("OffspringID FatherID MotherID ClusterIndex\\n"
    ...                        "C A #1 1\\nD A #1 1\\n")
    >>> t = read_best_config(p, ids=["A", "C", "D"], require_all=False)
    >>> t[["individual_id", "sire", "dam", "dummy"]].values.tolist()
    [['C', 'A', 'colony_dam_1', False], ['D', 'A', 'colony_dam_1', False], \
['colony_dam_1', '', '', True], ['A', '', '', False]]
    """
    text = read_text(path)
    lines = [(k, ln.split()) for k, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise InputError("empty COLONY best-configuration file", path)
    k0, header = lines[0]
    col = {}
    for name in BEST_CONFIG_COLUMNS[:3]:
        if name not in header:
            raise InputError(f"missing column {name}; expected "
                             f"{' '.join(BEST_CONFIG_COLUMNS)}", path, k0, name)
        col[name] = header.index(name)
    ci = header.index("ClusterIndex") if "ClusterIndex" in header else None
    data = None if ids is None else pd.Index([str(x) for x in ids])
    sexes = {} if sex is None else {str(a): str(b) for a, b in dict(sex).items()}
    rows = []
    seen = {}
    for k, t in lines[1:]:  # one pass over the offspring rows
        if len(t) != len(header):
            raise InputError(f"{len(t)} fields, expected {len(header)} "
                             f"({' '.join(header)})", path, k)
        off, fa, mo = (t[col[c]] for c in BEST_CONFIG_COLUMNS[:3])
        cl = t[ci] if ci is not None else ""
        if off in seen:
            raise InputError(f"offspring {off!r} is listed twice (also line {seen[off]})",
                             path, k, "OffspringID")
        seen[off] = k
        if off[:1] in ("*", "#"):
            raise InputError(f"offspring {off!r} is named like a dummy parent", path, k,
                             "OffspringID")
        if data is not None and off not in data:
            raise InputError(f"offspring {off!r} is not an animal of the data", path, k,
                             "OffspringID")
        for name, par, mark, other in (("FatherID", fa, "*", "#"), ("MotherID", mo, "#", "*")):
            if par.startswith(other):
                raise InputError(f"{par!r} is named like a dummy "
                                 f"{'mother' if other == '#' else 'father'}", path, k, name)
            if par == off:
                raise InputError(f"{off!r} is its own parent", path, k, name)
            if not par.startswith(mark) and data is not None and par not in data:
                raise InputError(f"parent {par!r} is not an animal of the data", path, k, name)
            want, bad = ("M", "F") if name == "FatherID" else ("F", "M")
            if sexes.get(par) == bad:
                raise InputError(f"{par!r} is a {'father' if want == 'M' else 'mother'} here "
                                 f"but {bad} in the sample sheet", path, k, name)
        rows.append((k, off, fa, mo, cl))
    if not rows:
        raise InputError("no offspring rows", path)
    fathers = {r[2]: r[0] for r in rows}
    mothers = {r[3]: r[0] for r in rows}
    both = sorted(set(fathers) & set(mothers))
    if both:
        raise InputError(f"{both[0]!r} is both a father and a mother (a sire that is also a "
                         "dam)", path, mothers[both[0]], "MotherID")
    if data is not None and require_all:
        missing = [x for x in data if x not in seen]
        if missing:
            raise InputError(f"{len(missing)} animal(s) of the data are not offspring in the "
                             f"file, e.g. {missing[0]!r}", path, column="OffspringID")
    pat = {} if paternity is None else read_parent_probabilities(paternity)
    mat = {} if maternity is None else read_parent_probabilities(maternity)

    def prob(table, off, par):
        if par[:1] in ("*", "#"):
            return np.nan
        got = table.get(off)
        return got[1] if got is not None and got[0] == par else np.nan

    offspring = {r[1] for r in rows}
    dummies = list(dict.fromkeys(p for r in rows for p in (r[2], r[3]) if p[:1] in ("*", "#")))
    new = {d: _dummy_id(d, dummy_prefix) for d in dummies}
    clash = [d for d in dummies if new[d] in offspring or (data is not None and new[d] in data)]
    if clash:
        raise InputError(f"dummy parent {clash[0]!r} would be renamed {new[clash[0]]!r}, "
                         "an animal of the data; choose another dummy prefix", path)
    cluster = {}
    for r in rows:
        for p in (r[2], r[3]):
            cluster.setdefault(p, r[4])
    rename = new
    out = pd.DataFrame({
        "individual_id": [r[1] for r in rows] + [new[d] for d in dummies],
        "sire": [rename.get(r[2], r[2]) for r in rows] + [""] * len(dummies),
        "dam": [rename.get(r[3], r[3]) for r in rows] + [""] * len(dummies),
        "dummy": [False] * len(rows) + [True] * len(dummies),
        "sex": ([sexes.get(r[1], "M" if r[1] in fathers else "F" if r[1] in mothers else "")
                 for r in rows] + ["M" if d.startswith("*") else "F" for d in dummies]),
        "sire_probability": [prob(pat, r[1], r[2]) for r in rows] + [np.nan] * len(dummies),
        "dam_probability": [prob(mat, r[1], r[3]) for r in rows] + [np.nan] * len(dummies),
        "cluster": [r[4] for r in rows] + [cluster.get(d, "") for d in dummies],
        "colony_id": [r[1] for r in rows] + dummies,
    })
    # sampled parents that are not offspring rows (a candidate COLONY lists only as a parent)
    extra = [p for p in dict.fromkeys([*fathers, *mothers])
             if p[:1] not in ("*", "#") and p not in offspring]
    if extra:
        out = pd.concat([out, pd.DataFrame({
            "individual_id": extra, "sire": "", "dam": "", "dummy": False,
            "sex": [sexes.get(p, "M" if p in fathers else "F") for p in extra],
            "sire_probability": np.nan, "dam_probability": np.nan, "cluster": "",
            "colony_id": extra})], ignore_index=True)
    return out[list(PEDIGREE_COLUMNS)]


def write_best_config(ids, sire, dam, path, dummy=None, cluster=None) -> None:
    """Write a pedigree in COLONY's BestConfig layout (``OffspringID FatherID MotherID
    ClusterIndex``, right-aligned columns).

    Dummy animals are written under COLONY's names (``*k`` for a dummy sire, ``#k`` for a
    dummy dam, numbered in order of appearance) and get no row; as in COLONY's output every
    unknown parent of an offspring becomes a dummy of its own.

    Parameters
    ----------
    ids : sequence (n,) of str
        Animal ids (the offspring rows; dummy animals are left out).
    sire, dam : sequences (n,) of str
        Parent ids, '' unknown.
    path : str or Path
        The file.
    dummy : bool array (n,), optional
        Which animals are dummy parents.
    cluster : sequence (n,), optional
        ClusterIndex of each row (default 1).

    Returns
    -------
    None

    Raises
    ------
    InputError
        An id that contains whitespace or starts with ``*`` or ``#``.
    """
    ids = [str(x) for x in ids]
    dum = np.zeros(len(ids), dtype=bool) if dummy is None else np.asarray(dummy, dtype=bool)
    dummy_ids = {i for i, d in zip(ids, dum, strict=True) if d}
    bad = [i for i in ids if i[:1] in ("*", "#") or re.search(r"\s", i) or i == ""]
    if bad:
        raise InputError(f"id {bad[0]!r} cannot be written to a BestConfig file", path)
    names: dict[str, str] = {}
    counter = {"*": 0, "#": 0}

    def name(par, mark):
        if par and par not in dummy_ids:
            return par
        key = par if par else None
        if key is not None and key in names:
            return names[key]
        counter[mark] += 1
        nm = f"{mark}{counter[mark]}"
        if key is not None:
            names[key] = nm
        return nm

    cl = ["1"] * len(ids) if cluster is None else [str(c) for c in cluster]
    lines = ["".join(f"{h:>20}" for h in BEST_CONFIG_COLUMNS[:3]) + f"{'ClusterIndex':>14}"]
    for i, s, d, c, is_dummy in zip(ids, sire, dam, cl, dum, strict=True):
        if is_dummy:
            continue
        fa = name("" if s is None else str(s), "*")
        mo = name("" if d is None else str(d), "#")
        lines.append(f"{i:>20}{fa:>20}{mo:>20}{c:>14}")
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _dummy_mask(t: pd.DataFrame) -> np.ndarray:
    """Dummy rows of a pedigree table: its ``dummy`` column, else not ``sampled``."""
    if "dummy" in t.columns:
        return t["dummy"].astype(bool).to_numpy()
    if "sampled" in t.columns:
        return ~t["sampled"].astype(bool).to_numpy()
    return np.zeros(len(t), dtype=bool)


def compare_links(a: pd.DataFrame, b: pd.DataFrame, dummy_a=None, dummy_b=None) -> dict:
    """Agreement of two pedigrees (e.g. leogen's and COLONY's) on the animals both hold.

    A *link* is (offspring, role, parent) with a sampled parent (not a dummy). Links agree
    when both pedigrees name the same sampled parent for that offspring and role. Sibship
    pairs (two offspring sharing a parent of a role, sampled or dummy) agree when both
    pedigrees put the pair in one sibship of that role.

    Parameters
    ----------
    a, b : DataFrame
        Pedigree tables ``individual_id, sire, dam`` ('' unknown), and optionally ``dummy``
        (or ``sampled``, as ``pedigree/pedigree.tsv`` has it).
    dummy_a, dummy_b : sets of str, optional
        Dummy ids (default: from the ``dummy`` or ``sampled`` column).

    Returns
    -------
    dict
        ``n_offspring`` (in both), ``n_links_a``, ``n_links_b``, ``n_links_agree``,
        ``share_links_agree`` (agreeing / links in either), ``n_sib_pairs_a``,
        ``n_sib_pairs_b``, ``n_sib_pairs_agree``, ``share_sib_pairs_agree``.

    Examples
    --------
    >>> a = pd.DataFrame({"individual_id": ["C", "D"], "sire": ["A", "A"], "dam": ["B", ""]})
    >>> b = pd.DataFrame({"individual_id": ["C", "D"], "sire": ["A", "X"], "dam": ["B", ""]})
    >>> r = compare_links(a, b)
    >>> r["n_links_agree"], r["share_links_agree"]
    (2, 0.5)
    """
    def dummies(t, given):
        if given is not None:
            return {str(x) for x in given}
        return set(t.loc[_dummy_mask(t), "individual_id"].astype(str))

    da, db = dummies(a, dummy_a), dummies(b, dummy_b)
    ta = a.assign(individual_id=a["individual_id"].astype(str)).set_index("individual_id")
    tb = b.assign(individual_id=b["individual_id"].astype(str)).set_index("individual_id")
    common = [i for i in ta.index if i in tb.index and i not in da and i not in db]
    n_a = n_b = n_agree = 0
    s_a = s_b = s_agree = 0
    upper = np.triu(np.ones((len(common), len(common)), dtype=bool), k=1)
    for role in ("sire", "dam"):
        pa = ta.loc[common, role].fillna("").astype(str).to_numpy()
        pb = tb.loc[common, role].fillna("").astype(str).to_numpy()
        sampled_a = (pa != "") & ~np.isin(pa, list(da))
        sampled_b = (pb != "") & ~np.isin(pb, list(db))
        n_a += int(sampled_a.sum())
        n_b += int(sampled_b.sum())
        n_agree += int(np.sum(sampled_a & sampled_b & (pa == pb)))
        # sibship pairs of this role: both offspring have the same known parent
        ca = pd.factorize(np.where(pa == "", None, pa))[0]
        cb = pd.factorize(np.where(pb == "", None, pb))[0]
        sib_a = (ca[:, None] == ca[None, :]) & (ca[:, None] >= 0) & upper
        sib_b = (cb[:, None] == cb[None, :]) & (cb[:, None] >= 0) & upper
        s_a += int(sib_a.sum())
        s_b += int(sib_b.sum())
        s_agree += int(np.sum(sib_a & sib_b))
    union = n_a + n_b - n_agree
    s_union = s_a + s_b - s_agree
    return {"n_offspring": len(common), "n_links_a": n_a, "n_links_b": n_b,
            "n_links_agree": n_agree,
            "share_links_agree": n_agree / union if union else float("nan"),
            "n_sib_pairs_a": s_a, "n_sib_pairs_b": s_b, "n_sib_pairs_agree": s_agree,
            "share_sib_pairs_agree": s_agree / s_union if s_union else float("nan")}


#: columns of the one-row comparison of :func:`compare_with_colony`
COMPARISON_COLUMNS = ("colony_file", "n_offspring", "n_links_leogen", "n_links_colony",
                      "n_links_agree", "share_links_agree", "n_sib_pairs_leogen",
                      "n_sib_pairs_colony", "n_sib_pairs_agree", "share_sib_pairs_agree")


def colony_files(path) -> tuple[Path, Path | None, Path | None]:
    """COLONY's output files of one run from a best-configuration file or the run's prefix.

    ``path`` may be the ``*.BestConfig_Ordered`` or ``*.BestConfig`` file itself, or the
    output prefix (``<dir>/<output name>``): then ``.BestConfig_Ordered`` is taken if
    present, else ``.BestConfig``. The ``.Paternity`` and ``.Maternity`` files of the same
    prefix are returned when present.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    best_config : Path
    paternity, maternity : Path or None

    Raises
    ------
    InputError
        Neither the file nor a best configuration of that prefix exists.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> for ext in ("BestConfig", "BestConfig_Ordered", "Paternity"):
    ...     _ = open(os.path.join(d, "run." + ext), "w").write("x")
    >>> [None if f is None else f.name for f in colony_files(os.path.join(d, "run"))]
    ['run.BestConfig_Ordered', 'run.Paternity', None]
    """
    p = Path(path)
    if p.is_file():
        stem = p.with_suffix("") if p.suffix in (".BestConfig", ".BestConfig_Ordered") else None
        best = p
    else:
        stem = p
        best = next((c for c in (Path(f"{p}.BestConfig_Ordered"), Path(f"{p}.BestConfig"))
                     if c.is_file()), None)
        if best is None:
            raise InputError("no COLONY best configuration: neither this file nor "
                             f"{p.name}.BestConfig_Ordered / {p.name}.BestConfig exists", p)
    if stem is None:
        return best, None, None
    found = [Path(f"{stem}.{ext}") for ext in ("Paternity", "Maternity")]
    return best, *(f if f.is_file() else None for f in found)


def compare_with_colony(pedigree: pd.DataFrame, best_config, ids=None, sex=None,
                        paternity=None, maternity=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read COLONY's best configuration against the data and compare it with a pedigree.

    Parameters
    ----------
    pedigree : DataFrame
        leogen's pedigree ``individual_id, sire, dam`` ('' unknown) and optionally
        ``dummy`` or ``sampled`` (``pedigree/pedigree.tsv`` read by
        ``leogen.pedigree.outputs.read_pedigree``).
    best_config : str or Path
        COLONY's ``*.BestConfig`` or ``*.BestConfig_Ordered``, or the run's output prefix
        (:func:`colony_files`).
    ids : sequence of str, optional
        The genotyped animals COLONY was run on (default: the non-dummy animals of
        ``pedigree``); every one must be an offspring of the file.
    sex : mapping id -> 'M' / 'F', optional
    paternity, maternity : str or Path, optional
        COLONY's ``.Paternity`` / ``.Maternity`` files (probabilities of sampled parents);
        default: those of the same prefix when present.

    Returns
    -------
    colony_pedigree : DataFrame
        :func:`read_best_config` (columns :data:`PEDIGREE_COLUMNS`).
    comparison : DataFrame (1 row)
        Columns :data:`COMPARISON_COLUMNS` (:func:`compare_links` with leogen as ``a``).

    Raises
    ------
    InputError
        As :func:`read_best_config`.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "run.BestConfig")
    >>> _ = open(p, "w").write("OffspringID FatherID MotherID ClusterIndex\\n"
    ...                        "A *1 #1 1\\nB *2 #2 1\\nC A B 1\\nD A #3 1\\n")
    >>> ours = pd.DataFrame({"individual_id": list("ABCD"), "sire": ["", "", "A", "A"],
    ...                      "dam": ["", "", "B", "B"]})
    >>> _, cmp = compare_with_colony(ours, p)
    >>> cmp[["n_links_leogen", "n_links_colony", "n_links_agree"]].values.tolist()
    [[4, 3, 3]]
    """
    if ids is None:
        ids = pedigree.loc[~_dummy_mask(pedigree), "individual_id"].astype(str).tolist()
    best, pat, mat = colony_files(best_config)
    col = read_best_config(best, ids=ids, sex=sex,
                           paternity=paternity if paternity is not None else pat,
                           maternity=maternity if maternity is not None else mat)
    r = compare_links(pedigree, col)
    row = {"colony_file": str(best), "n_offspring": r["n_offspring"],
           "n_links_leogen": r["n_links_a"], "n_links_colony": r["n_links_b"],
           "n_links_agree": r["n_links_agree"], "share_links_agree": r["share_links_agree"],
           "n_sib_pairs_leogen": r["n_sib_pairs_a"], "n_sib_pairs_colony": r["n_sib_pairs_b"],
           "n_sib_pairs_agree": r["n_sib_pairs_agree"],
           "share_sib_pairs_agree": r["share_sib_pairs_agree"]}
    return col, pd.DataFrame([row])[list(COMPARISON_COLUMNS)]
