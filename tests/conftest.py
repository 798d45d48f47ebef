"""Shared test helpers.

Peer-tool comparisons (plink2, plink1.9, vcftools, bcftools, chromium) skip when the tool
is absent on a user's machine; CI sets LEOGEN_REQUIRE_PEERS=1 so that a missing peer fails.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """Path of an OS tool; skip (or fail under LEOGEN_REQUIRE_PEERS=1) when it is absent."""
    path = shutil.which(name)
    if path is None:
        msg = f"peer tool '{name}' is not installed"
        if os.environ.get("LEOGEN_REQUIRE_PEERS") == "1":
            pytest.fail(msg + " and LEOGEN_REQUIRE_PEERS=1")
        pytest.skip(msg)
    return path


@pytest.fixture
def peer():
    """``peer('plink2')`` returns the tool's path or skips/fails as documented above."""
    return require_tool
