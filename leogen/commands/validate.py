"""``leogen validate``: read every input of a config and report all problems at once."""

from __future__ import annotations

import sys
import warnings

from leogen.commands._args import positive_int
from leogen.config import load_config, summarise_ok, validate_inputs
from leogen.errors import ErrorCollector, InputErrors


def run(args) -> int:
    errors = ErrorCollector(limit=args.max_errors)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = load_config(args.config, errors)
    for w in caught:
        print(f"leogen validate: warning: {w.message}", file=sys.stderr)
    if config is not None:
        validate_inputs(config, errors)
    if errors:
        n = len(errors.errors)
        shown = "" if n < args.max_errors else f" (first {n} shown)"
        print(f"{n} problem(s) found{shown}:", file=sys.stderr)
        raise InputErrors(errors.errors)
    print(summarise_ok(config))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check the config and every input file it names; report all problems",
        description="Read the config and every input (sample sheet, genotypes, screening, "
        "FASTA, VCF), cross-check sample ids and loci, and report every problem found. "
        "Exit code 2 when there is any.",
    )
    p.add_argument("--config", default="config/config.yaml", help="workflow config (YAML)")
    p.add_argument("--max-errors", type=positive_int, default=200,
                   help="stop listing after this many (>= 1) [%(default)s]")
    p.set_defaults(func=run)
