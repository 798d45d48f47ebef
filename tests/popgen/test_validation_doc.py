"""docs/validation.md names the tests that hold leogen equal to its peers: each must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "validation.md"
REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_test_named_in_validation_md_exists():
    refs = REF.findall(DOC.read_text(encoding="utf-8"))
    assert len(refs) > 40
    missing = []
    names = {}
    for file, name in refs:
        path = ROOT / file
        if file not in names:
            names[file] = _test_names(path) if path.exists() else set()
        if name not in names[file]:
            missing.append(f"{file}::{name}")
    assert not missing, "tests named in docs/validation.md but not found: " + ", ".join(missing)


def test_validation_md_covers_the_issue_statistics():
    text = DOC.read_text(encoding="utf-8")
    for word in ("WC84 F_ST", "F_IS within populations", "Jost's D", "Queller & Goodnight",
                 "Wang 2002", "KING-robust", "FSTAT", "COLONY", "secr", "LDNe", "epiR"):
        assert word in text, word
