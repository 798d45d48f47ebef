"""The ``leogen`` command line: a thin layer over the library.

Each subcommand lives in ``leogen/commands/<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
User errors (``InputError``) print one or two lines and exit with code 2, no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import pkgutil
import sys
import traceback

import leogen.commands
from leogen import __version__
from leogen.errors import InputError

#: Commands run inside :func:`leogen.io.atomic.write_set`: their outputs are renamed into
#: place together when the command succeeds, and none is when it fails. (``health`` joins
#: once its animal pages no longer stat their final path before the set is committed;
#: ``simulate`` and the newer commands once tested under a set.)
OUTPUT_SET_COMMANDS = frozenset({
    "abundance", "consensus", "convert", "diversity", "export", "health", "identify",
    "inbreeding", "ne", "relatedness", "snp", "species", "summary", "validate",
})


def command_names() -> list[str]:
    """Subcommand module names (each module registers the command of the same name)."""
    return sorted(m.name for m in pkgutil.iter_modules(leogen.commands.__path__)
                  if not m.name.startswith("_"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or just ``only`` (imports only that module, so a
    command does not pay for loading the libraries of all the others).

    Parameters
    ----------
    only : str or None
        A subcommand name; None builds all.

    Returns
    -------
    ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="leogen",
        description="Conservation genetics and wildlife health for small carnivore populations.",
    )
    parser.add_argument("--version", action="version", version=f"leogen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_names():
        if only is not None and name != only:
            continue
        importlib.import_module(f"leogen.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``leogen`` command line; input and file errors are reported, not raised.

    Parameters
    ----------
    argv : list of str or None
        Arguments; None uses ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status (2 for no command or an error).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in command_names() else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from leogen.io.atomic import write_set

    # all of the command's outputs, or none of them (commands whose code reads none of its
    # own outputs back before it ends; see leogen.io.atomic.write_set)
    outputs = write_set() if args.command in OUTPUT_SET_COMMANDS else contextlib.nullcontext()
    try:
        with outputs:
            return int(args.func(args) or 0)
    except InputError as e:
        print(f"leogen {args.command}: error: {e.format()}", file=sys.stderr)
        return 2
    except OSError as e:
        # paths and permissions (a folder where a file is expected, a full disk, ...)
        from leogen.io.atomic import describe_os_error

        where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
        print(f"leogen {args.command}: error: {where + ': ' if where else ''}"
              f"{describe_os_error(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"leogen {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(f"leogen {args.command}: internal error in leogen {__version__}; this is a bug: "
              "please report it with the command line and the traceback above", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
