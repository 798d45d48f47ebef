"""config/README.md documents every config key, as the schema has it."""

from __future__ import annotations

from helpers import REPO

from leogen.config import REFERENCE_END, REFERENCE_START, config_reference
from leogen.io.sheets import load_schema


def test_config_readme_is_generated_from_the_schema():
    doc = (REPO / "config/README.md").read_text(encoding="utf-8")
    block = doc[doc.index(REFERENCE_START):doc.index(REFERENCE_END) + len(REFERENCE_END)]
    assert block == config_reference(), "run: python -m leogen.config config/README.md"


def test_every_key_has_a_description():
    missing = []

    def walk(node, prefix):
        for key, sub in node.get("properties", {}).items():
            if not sub.get("description"):
                missing.append(prefix + key)
            walk(sub, f"{prefix}{key}.")

    walk(load_schema("config"), "")
    assert missing == []
