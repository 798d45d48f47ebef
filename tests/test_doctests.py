"""The examples in the library's docstrings (kernels carry one each) run as tests.

Modules are imported by name, so this checks the installed package the other tests use.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import leogen

MODULES = sorted(m.name for m in pkgutil.walk_packages(leogen.__path__, "leogen.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
                             verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_kernels_have_examples():
    """The one He implementation, at least, is exercised by its examples."""
    finder = doctest.DocTestFinder()
    tests = finder.find(importlib.import_module("leogen.model.frequencies"))
    assert sum(len(t.examples) for t in tests) >= 2
