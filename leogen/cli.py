"""The ``leogen`` command line: a thin layer over the library.

Each subcommand lives in ``leogen/commands/<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
User errors (``InputError``) print one or two lines and exit with code 2, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import leogen.commands
from leogen import __version__
from leogen.errors import InputError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leogen",
        description="Conservation genetics and wildlife health for small carnivore populations.",
    )
    parser.add_argument("--version", action="version", version=f"leogen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(leogen.commands.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"leogen.commands.{mod.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as e:
        print(f"leogen {args.command}: error: {e.format()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"leogen {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
