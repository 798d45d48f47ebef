"""Fixtures shared by all test modules; the helpers behind them live in tests/helpers.py."""

from __future__ import annotations

import pytest
from helpers import require_tool, write_alt_count_vcf


@pytest.fixture
def peer():
    """``peer('plink2')`` returns the tool's path, or skips/fails (see helpers.require_tool)."""
    return require_tool


@pytest.fixture
def alt_count_vcf():
    """``alt_count_vcf(path, samples, gt)`` writes a VCF from an alt-count matrix."""
    return write_alt_count_vcf
