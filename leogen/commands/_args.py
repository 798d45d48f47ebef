"""Argument types shared by the command parsers: impossible values are rejected by argparse
(usage line and exit 2) before any input is read.

>>> positive_int("3"), non_negative_int("0"), probability("0.5"), positive_float("1e-3")
(3, 0, 0.5, 0.001)
"""

from __future__ import annotations

import argparse
import math


def _number(text: str, kind):
    try:
        value = kind(text)
    except ValueError:
        name = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"'{text}' is not {name}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1 (counts of windows, loci, SNPs, errors to list)."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; expected a whole number >= 1")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0 (bootstraps, permutations, mismatches)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; expected a whole number >= 0")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (lengths, grid sizes, years)."""
    value = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value:g} is not allowed; expected a number > 0")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value:g} is not allowed; expected a number >= 0")
    return value


def probability(text: str) -> float:
    """A probability or proportion in [0, 1]."""
    value = _number(text, float)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value:g} is not a probability in [0, 1]")
    return value


def read_grouping(args):
    """``(sample links, sample sheet)`` for ``--group-by site|period``, or ``(None, None)``
    for ``--group-by none``: the inputs of :func:`leogen.popgen.diversity.assign_populations`
    shared by the diversity and export commands."""
    from leogen.errors import InputError

    if args.group_by == "none":
        return None, None
    from leogen.identify.outputs import read_sample_individual
    from leogen.io.sheets import read_samples

    if args.populations:
        raise InputError("give populations either with --populations or --group-by")
    if not (args.sample_individual and args.samples):
        raise InputError("--group-by needs --sample-individual and --samples")
    links = read_sample_individual(args.sample_individual, identified_only=False,
                                   columns=["sample_id", "individual_id"])
    return links, read_samples(args.samples)
