"""Tables of the export stage (``leogen export``), declared once.

``leogen export`` (:mod:`leogen.export.run`) writes the identified animals in the formats of
the field's tools (genalex.csv, genepop.gen, structure.str, fstat.dat, colony.dat,
secr_captures.txt, secr_traps.txt; the format writers live in :mod:`leogen.io`) and these
tables beside them.
"""

from __future__ import annotations

from leogen.io.tables import Column, Table
from leogen.popgen.outputs import ALLELE_FREQS

EXPORT_ANIMALS = Table(
    "export/animals.tsv",
    "the animals of the export files, in their row order, with their population and the "
    "population number of the STRUCTURE and FSTAT files.",
    (
        Column("individual_id", "str", na=False),
        Column("population", "str", na=False),
        Column("population_code", "int", na=False,
               description="STRUCTURE POPDATA / FSTAT population number"),
        Column("sex", "str", description="from identify/individuals.tsv when given"),
    ),
)

EXPORT_ALLELE_FREQS = Table(
    "export/allele_freqs.tsv",
    "allele counts and frequencies per locus and population ('all' pooled) of the exported "
    "loci.",
    ALLELE_FREQS.columns,
)

EXPORT_SECR_SESSIONS = Table(
    "export/secr_sessions.tsv",
    "the sessions (years) of secr_captures.txt with their number of occasions (give them to "
    "secr as noccasions) and the occasion each number stands for.",
    (
        Column("session", "int", na=False),
        Column("n_occasions", "int", na=False),
        Column("occasion_labels", "str", na=False),
        Column("n_animals", "int", na=False),
        Column("n_detections", "int", na=False),
    ),
)

TABLES = [EXPORT_ANIMALS, EXPORT_ALLELE_FREQS, EXPORT_SECR_SESSIONS]
