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


def grid_km(text: str) -> float:
    """Side of the generalisation grid in km: a number at or above the floor for a
    poaching-sensitive species (:data:`leogen.io.locations.MIN_GRID_KM`)."""
    from leogen.io.locations import MIN_GRID_KM

    value = positive_float(text)
    if value < MIN_GRID_KM:
        raise argparse.ArgumentTypeError(
            f"'{text}' is finer than the {MIN_GRID_KM:g} km floor for a poaching-sensitive "
            "species (use --exact-locations for authorised outputs)")
    return value


def probability(text: str) -> float:
    """A probability or proportion in [0, 1]."""
    value = _number(text, float)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value:g} is not a probability in [0, 1]")
    return value


def probability_or_auto(text: str) -> float | None:
    """``auto`` (None: estimated from the data) or a probability in [0, 1]."""
    if text.strip().lower() == "auto":
        return None
    try:
        return probability(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"'{text}' is neither 'auto' nor a probability in "
                                         "[0, 1]") from None


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


#: old option spelling -> the name that replaced it (kept as a deprecated alias for one
#: release; listed in docs/cli.md)
RENAMED: dict[str, str] = {}


class _DeprecatedName(argparse.Action):
    """Store like ``store``; when given under an old spelling, say so once on stderr."""

    def __call__(self, parser, namespace, values, option_string=None):
        new = RENAMED.get(option_string) if option_string else None
        if new is not None:
            import sys

            print(f"{parser.prog}: note: {option_string} is deprecated and will be removed in "
                  f"the next release; use {new}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_renamed(p, new: str, old: str, **kwargs):
    """Add option ``new`` that also accepts its former name ``old`` (a one-line deprecation
    note on stderr when ``old`` is used). The help lists the new name only.

    Parameters
    ----------
    p : ArgumentParser
        The parser.
    new, old : str
        The option's name and its former name (``--min-het-replicates``, ``--min-het-reps``).
    **kwargs
        As :meth:`argparse.ArgumentParser.add_argument` (a storing option).

    Returns
    -------
    Action
        The new option's action.

    Examples
    --------
    >>> import contextlib, io
    >>> p = argparse.ArgumentParser(prog="leogen x")
    >>> _ = add_renamed(p, "--min-het-replicates", "--min-het-reps", type=int, default=2,
    ...                 help="replicates")
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     args = p.parse_args(["--min-het-reps", "3"])
    >>> args.min_het_replicates, err.getvalue().split(":")[1].strip()
    (3, 'note')
    """
    RENAMED[old] = new
    action = p.add_argument(new, old, action=_DeprecatedName, **kwargs)
    # the old spelling is accepted but not shown in the usage and help
    action.option_strings.remove(old)
    p._option_string_actions[old] = action
    return action


def add_sex_locus_args(p, what: str = "the statistics") -> None:
    """``--sex-locus`` (the sex marker, config ``sex_marker.locus``, always left out) and
    ``--exclude-loci`` (further loci to leave out), the same in every command.

    Parameters
    ----------
    p : ArgumentParser
        The parser.
    what : str
        What the sex marker is left out of, for the help.
    """
    p.add_argument("--sex-locus", default="AMEL", metavar="LOCUS",
                   help=f"the sex marker (config sex_marker.locus), left out of {what}; "
                        "'' for none [%(default)s]")
    p.add_argument("--exclude-loci", default=None, metavar="LOCI",
                   help="comma-separated further loci to leave out (it used to be how the sex "
                        "marker was left out, which --sex-locus now does) [none]")


def loci_to_drop(args, loci, path) -> set[str]:
    """The loci ``--sex-locus`` and ``--exclude-loci`` leave out: every name of
    ``--exclude-loci`` must be a locus of the file; the sex marker may be absent.

    Parameters
    ----------
    args : Namespace
        With ``sex_locus`` and ``exclude_loci``.
    loci : iterable of str
        The loci of the genotype file.
    path : str
        The genotype file, for messages.

    Returns
    -------
    set of str
        Loci to drop.

    Raises
    ------
    InputError
        ``--exclude-loci: no locus 'X' in the file``.
    """
    from leogen.commands._popgen_args import check_loci_named

    drop = {s.strip() for s in (args.exclude_loci or "").split(",") if s.strip()}
    sex = (args.sex_locus or "").strip()
    check_loci_named(drop - {sex}, loci, "--exclude-loci", path, default=())
    have = {str(x) for x in loci}
    if args.exclude_loci is not None and sex and sex in have and sex not in drop:
        import sys

        # the former meaning of --exclude-loci (the whole list, sex marker included)
        print(f"leogen: note: the sex marker {sex} is left out by --sex-locus (no longer only "
              "through --exclude-loci); give --sex-locus '' to keep it", file=sys.stderr)
    return drop | ({sex} if sex and sex in have else set())
