"""Atomic output: write to a temporary file beside the target, then rename over it.

A crash or kill mid-write never leaves a half-written output, and an existing output is
replaced only once the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path in the target's directory; rename it to ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs):
    """Open a temporary file for writing; it replaces ``path`` when the block succeeds."""
    with atomic_path(path) as tmp:
        if "b" not in mode:
            kwargs.setdefault("newline", "")
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def write_table(df, path: str | Path, float_format: str = "%.6g") -> None:
    """Write a DataFrame as a tab-separated table, atomically, with stable formatting."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        df.to_csv(fh, sep="\t", index=False, float_format=float_format, lineterminator="\n",
                  na_rep="NA")
