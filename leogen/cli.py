"""The ``leogen`` command line: a thin layer over the library.

Each subcommand lives in ``leogen/commands/<name>.py`` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
User errors (``InputError``) print one or two lines and exit with code 2, no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
import time
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


class HelpFormatter(argparse.HelpFormatter):
    """Help that shows every option's default: ``[default]`` is appended to a help text that
    does not already give it (``%(default)s`` or the word "default"); flags (on/off) and
    options without a default show none.

    >>> p = argparse.ArgumentParser(prog="x", formatter_class=HelpFormatter)
    >>> _ = p.add_argument("--n", type=int, default=5, help="replicates")
    >>> _ = p.add_argument("--loci", default="", help="loci to drop")
    >>> "replicates [5]" in p.format_help(), "loci to drop [none]" in p.format_help()
    (True, True)
    """

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or "default" in text.lower() or default is argparse.SUPPRESS
                or default is None or isinstance(default, bool)
                or isinstance(action, argparse._StoreConstAction)
                or not (action.option_strings or action.nargs in ("?", "*"))):
            return text
        if isinstance(default, (list, tuple)):
            shown = ", ".join(map(str, default)) or "none"
        else:
            shown = str(default) if str(default) != "" else "none"
        return f"{text} [{shown.replace('%', '%%')}]".lstrip()


class Parser(argparse.ArgumentParser):
    """Parser of leogen and its subcommands: :class:`HelpFormatter` unless a command asks for
    another."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


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
    parser = Parser(
        prog="leogen",
        description="Conservation genetics and wildlife health for small carnivore populations.",
    )
    parser.add_argument("--version", action="version", version=f"leogen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in command_names():
        if only is not None and name != only:
            continue
        importlib.import_module(f"leogen.commands.{name}").register(sub)
    return parser


def _command_name(argv: list[str]) -> str | None:
    """The command a command line names: its first argument that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


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
    first = _command_name(argv)
    parser = build_parser(first if first in command_names() else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from leogen import progress
    from leogen.io.atomic import record_outputs, write_set

    # all of the command's outputs, or none of them (commands whose code reads none of its
    # own outputs back before it ends; see leogen.io.atomic.write_set)
    outputs = write_set() if args.command in OUTPUT_SET_COMMANDS else contextlib.nullcontext()
    name = command_label(args)
    progress.announce(start_line(name, args))
    start = time.monotonic()
    try:
        with record_outputs() as written:
            with outputs:
                status = int(args.func(args) or 0)
        progress.flush_header()
        report_outputs(name, written, time.monotonic() - start, status)
        return status
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
    finally:
        progress.announce(None)  # a failed command's held lines are dropped


def command_label(args) -> str:
    """``snp roh``, ``scr fit``, ``abundance``: the command and its subcommand, if any."""
    parts = [args.command]
    parts += [v for k, v in sorted(vars(args).items())
              if k == f"{args.command}_command" and isinstance(v, str)]
    return " ".join(parts)


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def _inputs(args) -> list[str]:
    """``--flag path (size)`` of every argument naming an existing file or folder."""
    out = []
    for key, value in vars(args).items():
        if (key in ("func", "command") or key.startswith("out") or value is None
                or isinstance(value, bool)):
            continue  # outputs (an earlier run's) are not inputs
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(v, (str, os.PathLike)) or not str(v):
                continue
            flag = "--" + key.replace("_", "-")
            try:
                if os.path.isfile(v):
                    out.append(f"{flag} {v} ({_size(os.path.getsize(v))})")
                elif os.path.isdir(v):
                    out.append(f"{flag} {v} (folder)")
            except (OSError, ValueError):
                continue
    return out


def start_line(name: str, args) -> str:
    """The first line of a command's log: the command, leogen's version and its inputs.

    Parameters
    ----------
    name : str
        The command (with its subcommand).
    args : Namespace
        The parsed arguments.

    Returns
    -------
    str
        ``leogen NAME (leogen VERSION): reading --flag path (size), ...``.
    """
    inputs = _inputs(args)
    return (f"leogen {name} (leogen {__version__}) started: "
            + ("reading " + ", ".join(inputs) if inputs else "no input files"))


def _rows(path) -> int | None:
    """Data rows of a small text table (lines minus the header), else None."""
    p = str(path)
    if not p.endswith((".tsv", ".csv", ".txt")) or os.path.getsize(p) > 200_000_000:
        return None
    with open(p, "rb") as fh:
        n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(n - 1, 0) if p.endswith((".tsv", ".csv")) else n


def report_outputs(name: str, written, seconds: float, status: int = 0, stream=None) -> None:
    """The last lines of a command's log: each file written with its size (and data rows
    for tables), and the elapsed time.

    Parameters
    ----------
    name : str
        The command.
    written : list of Path
        Outputs in the order they landed (:func:`leogen.io.atomic.record_outputs`).
    seconds : float
        Elapsed wall time.
    status : int
        The command's exit status.
    stream : file or None
        Where to write; None for ``sys.stderr``.
    """
    stream = sys.stderr if stream is None else stream
    if os.environ.get("LEOGEN_PROGRESS", "1").strip().lower() in ("0", "no", "false", "off"):
        return
    for path in written:
        try:
            size = os.path.getsize(path)
            rows = _rows(path)
        except OSError:
            continue
        what = _size(size) + ("" if rows is None else f", {rows} row{'s' if rows != 1 else ''}")
        print(f"leogen {name}: wrote {path} ({what})", file=stream)
    print(f"leogen {name}: {'done' if status == 0 else f'finished with status {status}'}: "
          f"{len(written)} file{'s' if len(written) != 1 else ''} written in "
          f"{seconds:.1f} s", file=stream, flush=True)


#: Commands whose process ends without Python's finalisation once :func:`main` has returned
#: (their outputs are written and closed by then, and they register no exit work of their
#: own): freeing numba's and LLVM's objects one by one takes about 0.2 s, a fifth of a
#: 500-sample ``leogen snp all`` (benchmarks/README.md).
QUICK_EXIT_COMMANDS = frozenset({"snp"})


def quick_exit(status: int) -> None:
    """End the process now with ``status``: flush the standard streams and the logging
    handlers, then ``os._exit``, skipping the interpreter's teardown (as mypy does for its
    command line, ``mypy.util.hard_exit``). Only for a finished command's process."""
    import logging

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    logging.shutdown()
    os._exit(status)


def run() -> None:
    """The ``leogen`` program: :func:`main` on ``sys.argv``, then the process ends with its
    status (through :func:`quick_exit` for :data:`QUICK_EXIT_COMMANDS`)."""
    argv = sys.argv[1:]
    status = main(argv)
    if _command_name(argv) in QUICK_EXIT_COMMANDS:
        quick_exit(status)
    sys.exit(status)


if __name__ == "__main__":
    run()
