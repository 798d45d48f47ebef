"""Progress of long steps on stderr: a tqdm bar on a terminal, periodic plain lines in a log.

Every step that can take more than a few seconds (bootstraps, permutations, simulations, SNP
chunks) wraps its loop in :func:`progress`. On a terminal it shows a `tqdm
<https://tqdm.github.io>`_ bar that is cleared when done; when stderr is a file (a workflow
rule's log) it writes one plain line at most every ``LEOGEN_PROGRESS_SECONDS`` seconds
(default 30) and a last line with the count and elapsed time when the step ran for longer than
that interval, so a log shows what happened without a line per iteration. ``LEOGEN_PROGRESS=0``
silences both.

The library stays free of CLI flags: these functions only write to stderr.

>>> import io
>>> log = io.StringIO()
>>> sum(progress(range(4), desc="demo", stream=log, interval=0))
6
>>> log.getvalue().splitlines()[-1].startswith("leogen: demo: 4/4")
True
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["progress", "step", "announce"]

#: lines of the running command (its start line, then steps) not yet written, and when
#: the first was held (see :func:`announce`)
_HELD: list[str] = []
_HELD_SINCE: list[float] = []


def announce(line: str | None) -> None:
    """Hold the command's start line: it and the :func:`step` lines after it are written
    at the first progress line, once the command has run for ``LEOGEN_PROGRESS_SECONDS``,
    or by the command line at the end; so a command that fails at once on bad input prints
    only its one- or two-line error, and a long one shows what it is doing as it goes.

    Parameters
    ----------
    line : str or None
        The start line; None drops held lines without writing them.
    """
    _HELD.clear()
    _HELD_SINCE.clear()
    if line is not None:
        _HELD.append(line)
        _HELD_SINCE.append(time.monotonic())


def flush_header(stream=None) -> None:
    """Write the held lines, if any (once).

    Parameters
    ----------
    stream : file or None
        Where to write; None for ``sys.stderr``.
    """
    stream = sys.stderr if stream is None else stream
    while _HELD:
        print(_HELD.pop(0), file=stream, flush=True)
    _HELD_SINCE.clear()


def _interval(default: float = 30.0) -> float:
    try:
        return max(0.0, float(os.environ.get("LEOGEN_PROGRESS_SECONDS", default)))
    except ValueError:
        return default


def _enabled() -> bool:
    return os.environ.get("LEOGEN_PROGRESS", "1").strip().lower() not in ("0", "no", "false",
                                                                        "off")


def _format_seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(int(round(s)), 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


class _LogProgress:
    """Plain-line progress for non-terminal stderr (the interface of tqdm used here)."""

    def __init__(self, iterable, total, desc, unit, stream, interval):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.unit = total, desc, unit
        self.stream, self.interval = stream, interval
        self.n = 0
        self.start = self.last = time.monotonic()
        self.lines = 0
        self.final_written = False
        self.closed = False

    def _line(self, now: float, final: bool) -> None:
        elapsed = now - self.start
        if self.total:
            text = f"{self.n}/{self.total} {self.unit} ({100 * self.n / self.total:.0f}%)"
            if not final and self.n:
                text += f", ~{_format_seconds(elapsed * (self.total - self.n) / self.n)} left"
        else:
            text = f"{self.n} {self.unit}"
        flush_header(self.stream)
        print(f"leogen: {self.desc}: {text}, {_format_seconds(elapsed)}"
              f"{' (done)' if final else ''}", file=self.stream, flush=True)
        self.lines += 1
        self.final_written = final
        self.last = now

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.interval:
            self._line(now, final=self.total is not None and self.n >= self.total)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        now = time.monotonic()
        done = self.total is not None and self.n >= self.total
        # a last line only for a step long enough to have been reported at all
        if (self.lines and not self.final_written) or (
                not self.lines and now - self.start >= max(self.interval, 1.0)):
            self._line(now, final=done)

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Silent(_LogProgress):
    def _line(self, now, final):
        pass


def progress(iterable=None, total: int | None = None, desc: str = "working", unit: str = "it",
             stream=None, interval: float | None = None):
    """Wrap a loop (or count by hand with ``update(n)``) to report its progress on stderr.

    Parameters
    ----------
    iterable : iterable or None
        The loop; None to call ``update(n)`` on the returned object (use it as a context
        manager so the last line is written).
    total : int or None
        Number of items (taken from ``len(iterable)`` when None and available).
    desc : str
        What is being done, e.g. ``"capwire bootstraps 2021"``.
    unit : str
        Name of one item (``"bootstraps"``, ``"chunks"``).
    stream : file or None
        Where to write; None for ``sys.stderr``.
    interval : float or None
        Seconds between plain lines when ``stream`` is not a terminal; None reads
        ``LEOGEN_PROGRESS_SECONDS`` (default 30).

    Returns
    -------
    iterable
        A tqdm bar on a terminal, a plain-line reporter otherwise; both iterate like
        ``iterable`` and have ``update(n)`` and ``close()``.
    """
    stream = sys.stderr if stream is None else stream
    interval = _interval() if interval is None else interval
    if not _enabled():
        return _Silent(iterable, total, desc, unit, stream, interval)
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        from tqdm import tqdm

        flush_header(stream)
        return tqdm(iterable, total=total, desc=f"leogen: {desc}", unit=f" {unit}", file=stream,
                    leave=False, dynamic_ncols=True, mininterval=0.5)
    return _LogProgress(iterable, total, desc, unit, stream, interval)


def step(message: str, stream=None) -> None:
    """One line saying what a command is doing now (``leogen: fitting ...``) on stderr
    (held with the start line during a command's first seconds, see :func:`announce`).

    Parameters
    ----------
    message : str
        The step.
    stream : file or None
        Where to write; None for ``sys.stderr``.
    """
    if not _enabled():
        return
    line = f"leogen: {message}"
    if _HELD_SINCE and time.monotonic() - _HELD_SINCE[0] < _interval():
        _HELD.append(line)  # written with the start line (or dropped with a quick error)
        return
    flush_header(stream)
    print(line, file=sys.stderr if stream is None else stream, flush=True)
