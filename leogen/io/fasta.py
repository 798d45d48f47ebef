"""FASTA: mtDNA barcodes and the species reference panel, the one reader every stage and
``leogen validate`` use."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from leogen.errors import ErrorCollector
from leogen.io.tables import read_text

_VALID = re.compile(r"^[ACGTRYSWKMBDHVN\-.]*$")


def read_fasta(path: str | Path) -> list[tuple[str, str, int]]:
    """Records of a FASTA file as ``(id, sequence, line)``; sequences upper-cased, gaps removed.

    Raises InputError for text before the first ``>``, empty ids, duplicate ids, empty
    sequences and characters that are not IUPAC nucleotide codes.

    Parameters
    ----------
    path : str or Path
        The FASTA file.

    Returns
    -------
    list of (str, str, int)
        Id, sequence and header line of each record.

    Raises
    ------
    InputError
        For the problems above (all of them at once).
    """
    text = read_text(path)
    errors = ErrorCollector()
    records: list[list] = []
    seen: dict[str, int] = {}
    for k, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            rid = line[1:].split()[0] if line[1:].strip() else ""
            if not rid:
                errors.add("record header '>' has no id", path, k)
            elif rid in seen:
                errors.add(f"record '{rid}' appears twice (first on line {seen[rid]})", path, k)
            seen.setdefault(rid, k)
            records.append([rid, [], k])
            continue
        if not records:
            errors.add("not FASTA: expected a '>' header line before sequence", path, k)
            break
        seq = line.upper().replace(" ", "")
        if not _VALID.match(seq):
            bad = sorted(set(re.sub(r"[ACGTRYSWKMBDHVN\-.]", "", seq)))
            errors.add(f"record '{records[-1][0]}': invalid sequence character(s) "
                       f"{''.join(bad)!r} (expected IUPAC nucleotide codes)", path, k)
        records[-1][1].append(seq)
    out = []
    for rid, parts, k in records:
        seq = "".join(parts).replace("-", "").replace(".", "")
        if rid and not seq:
            errors.add(f"record '{rid}' has no sequence", path, k)
        out.append((rid, seq, k))
    if not records and not errors:
        errors.add("no FASTA records found", path)
    errors.raise_if_any()
    return out


def read_reference(path: str | Path) -> pd.DataFrame:
    """Reference panel as a table ``species, haplotype, sequence`` (ids ``Genus_species|hap``).

    Parameters
    ----------
    path : str or Path
        The reference FASTA file.

    Returns
    -------
    DataFrame
        One row per haplotype.

    Raises
    ------
    InputError
        When the FASTA is invalid or an id is not ``<Genus_species>|<haplotype>``.
    """
    rows = []
    errors = ErrorCollector()
    for rid, seq, k in read_fasta(path):
        species, sep, hap = rid.partition("|")
        if not sep or not species or not hap:
            errors.add(f"reference id '{rid}' is not '<Genus_species>|<haplotype>'", path, k)
            continue
        rows.append((species, hap, seq))
    errors.raise_if_any()
    return pd.DataFrame(rows, columns=["species", "haplotype", "sequence"])
