"""The data contract: every stage's declared output tables, gathered in one place.

Each stage package declares its tables once in ``leogen/<stage>/outputs.py`` as
:class:`leogen.io.tables.Table` objects listed in that module's ``TABLES``. This module
collects them (in pipeline order) and renders the "Stage outputs" section of
``docs/data-contract.md``, which a test keeps equal to the declarations.
"""

from __future__ import annotations

import importlib

from leogen.io.tables import Table

#: Stage packages in pipeline order; each has an ``outputs`` module with ``TABLES``.
STAGES = ("qc", "identify", "popgen", "snp", "pedigree", "monitoring", "scr", "health", "report",
          "export")

SECTION_START = "<!-- stage outputs: generated from leogen/<stage>/outputs.py -->"
SECTION_END = "<!-- end of stage outputs -->"


def stage_tables() -> dict[str, list[Table]]:
    """{stage: its declared tables} for every stage that declares any."""
    out = {}
    for stage in STAGES:
        try:
            mod = importlib.import_module(f"leogen.{stage}.outputs")
        except ModuleNotFoundError as e:
            if e.name != f"leogen.{stage}.outputs":
                raise
            continue
        out[stage] = list(mod.TABLES)
    return out


def all_tables() -> list[Table]:
    """Every declared table, sorted by path."""
    return sorted((t for ts in stage_tables().values() for t in ts), key=lambda t: t.path)


def markdown() -> str:
    """The generated "Stage outputs" block of docs/data-contract.md (between its markers)."""
    lines = [SECTION_START, ""]
    for stage, tables in stage_tables().items():
        lines.append(f"### {stage} (`leogen/{stage}/outputs.py`)")
        lines.append("")
        lines.extend(t.markdown() for t in sorted(tables, key=lambda t: t.path))
        lines.append("")
    lines.append(SECTION_END)
    return "\n".join(lines)


def replace_block(path, start: str, end: str, block: str) -> bool:
    """Replace the text from marker ``start`` to marker ``end`` (both included) of ``path``
    by ``block`` (which holds both markers again); rewritten atomically, only when it differs.

    Parameters
    ----------
    path : str or Path
        A text file that already holds both markers.
    start, end : str
        The markers.
    block : str
        The new text, markers included.

    Returns
    -------
    bool
        True when the file changed.

    Raises
    ------
    ValueError
        A marker is missing (``str.index``).
    """
    from pathlib import Path

    from leogen.io.atomic import atomic_open

    path = Path(path)
    doc = path.read_text(encoding="utf-8")
    i, j = doc.index(start), doc.index(end) + len(end)
    new = doc[:i] + block + doc[j:]
    if new == doc:
        return False
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(new)
    return True


def update_document(path) -> bool:
    """Rewrite the generated block of ``path`` (between the markers) from the declarations.

    Parameters
    ----------
    path : str or Path
        A Markdown file (``docs/data-contract.md``) that already holds both
        :data:`SECTION_START` and :data:`SECTION_END`; rewritten atomically, and only when the
        block differs.

    Returns
    -------
    bool
        True when the file changed.

    Raises
    ------
    ValueError
        A marker is missing (``str.index``).
    """
    return replace_block(path, SECTION_START, SECTION_END, markdown())


if __name__ == "__main__":  # python -m leogen.io.contract docs/data-contract.md
    import sys

    for name in sys.argv[1:]:
        print(f"{name}: {'updated' if update_document(name) else 'up to date'}")
