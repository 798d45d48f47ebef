"""Atomic output: write to a temporary file beside the target, then rename over it.

A crash or kill mid-write never leaves a half-written output, and an existing output is
replaced only once the new one is complete. Outputs get the permissions a new file gets
under the process's umask (``0o644`` under the usual ``022``, ``0o600`` under ``077``), or
``permissions=PRIVATE`` (``0o600``, never wider than the umask allows) for files that may
hold exact coordinates of animals.

A command's outputs are written as a set (:func:`write_set`, which the command line wraps
around the commands of ``leogen.cli.OUTPUT_SET_COMMANDS``): all are renamed into place at
the end, or none is.

The temporary file is ``.NAME.HOST-PID.XXXXXXXX.tmp`` (host as a short hash). A writer
killed with SIGKILL cannot remove it; the next write of the same target does, once its
writer is gone: same host and the process no longer runs, or older than a day.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import os
import re
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

from leogen.errors import InputError

#: permissions of outputs that may carry exact coordinates (owner read/write only)
PRIVATE = 0o600

_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
#: age after which a temporary file of another host (or of the older naming) is stale
STALE_SECONDS = 24 * 3600


def describe_os_error(e: OSError) -> str:
    """A short reason for a failed file operation, in the user's terms.

    Parameters
    ----------
    e : OSError
        The error raised.

    Returns
    -------
    str
        The reason.

    >>> describe_os_error(FileExistsError(17, "File exists"))
    'a file of that name is in the way of a folder'
    """
    reasons = {
        errno.EEXIST: "a file of that name is in the way of a folder",
        errno.ENOTDIR: "a file of that name is in the way of a folder",
        errno.EISDIR: "is a folder, expected a file",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.ENOENT: "not found",
        errno.ENAMETOOLONG: "file name too long",
    }
    return reasons.get(e.errno, e.strerror or str(e))


def current_umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_mode(permissions: int | None = None) -> int:
    """File mode for an output: ``permissions`` (default ``0o666``) less the umask.

    Parameters
    ----------
    permissions : int or None
        Requested mode bits; None for ``0o666``.

    Returns
    -------
    int
        The mode.

    >>> old = os.umask(0o027)
    >>> oct(output_mode()), oct(output_mode(PRIVATE))
    ('0o640', '0o600')
    >>> _ = os.umask(old)
    """
    return (0o666 if permissions is None else permissions) & ~current_umask() & 0o7777


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files that killed writers of ``path`` left beside it.

    Returns the files removed. A temporary of a writer that may still run (a live process of
    this host, or another host's) is kept while younger than :data:`STALE_SECONDS`.

    Parameters
    ----------
    path : str or Path
        The output whose temporaries are removed.

    Returns
    -------
    list of Path
        The files removed.
    """
    path = Path(path)
    name = re.escape(path.name)
    ours = re.compile(rf"^\.{name}\.([0-9a-f]{{6}})-(\d+)\.[a-z0-9_]{{8}}\.tmp$")
    legacy = re.compile(rf"^\.{name}\.[a-z0-9_]{{8}}\.tmp$")
    removed = []
    try:
        candidates = [e for e in os.scandir(path.parent)
                      if e.name.startswith(f".{path.name}.") and e.name.endswith(".tmp")]
    except OSError:
        return removed
    now = time.time()
    for entry in candidates:
        m = ours.match(entry.name)
        if m is None and not legacy.match(entry.name):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if m is not None and m.group(1) == _HOST:
            pid = int(m.group(2))  # a day-old one of a live pid: the pid was reused
            stale = pid != os.getpid() and (not _alive(pid) or age > STALE_SECONDS)
        else:
            stale = age > STALE_SECONDS
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(path: str | Path, permissions: int | None = None):
    """Yield a temporary path in the target's directory; rename it to ``path`` on success.

    Parameters
    ----------
    path : the output file.
    permissions : file mode before the umask: None for an ordinary output (``0o666`` less
        the umask), :data:`PRIVATE` for one that may hold exact coordinates.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError("is a folder; expected the name of a file to write", path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create the output folder ({describe_os_error(e)})",
                         path.parent) from None
    remove_stale_temporaries(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_HOST}-{os.getpid()}.",
                                   suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise InputError(f"cannot write in the output folder ({describe_os_error(e)})",
                         path.parent) from None
    os.close(fd)
    pending = _WRITE_SET.get()
    try:
        yield Path(tmp)
        os.chmod(tmp, output_mode(permissions))
        if pending is None:
            os.replace(tmp, path)
            _landed(path)
        else:  # renamed with the rest of the set when the command succeeds
            pending.add(Path(tmp), path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class _PendingSet:
    """Finished temporaries of one :func:`write_set`, renamed over their targets together."""

    def __init__(self):
        self.items: list[tuple[Path, Path]] = []  # (temporary, target), in write order
        self.removals: list[Path] = []  # stale outputs to delete with the commit

    def add(self, tmp: Path, target: Path) -> None:
        for k, (old, t) in enumerate(self.items):
            if t == target:  # written twice in one set: the later one wins
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(old)
                del self.items[k]
                break
        self.items.append((tmp, target))

    def commit(self) -> None:
        done = 0
        try:
            for tmp, target in self.items:
                os.replace(tmp, target)
                _landed(target)
                done += 1
        finally:
            self.discard(self.items[done:])
        written = {t for _, t in self.items}
        for path in self.removals:
            if path not in written:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    def discard(self, items=None) -> None:
        for tmp, _ in (self.items if items is None else items):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


_WRITE_SET: contextvars.ContextVar[_PendingSet | None] = contextvars.ContextVar(
    "leogen_write_set", default=None)
_RECORDED: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "leogen_recorded_outputs", default=None)


def _landed(path: Path) -> None:
    record = _RECORDED.get()
    if record is not None and path not in record:
        record.append(path)


@contextlib.contextmanager
def record_outputs():
    """Collect the outputs that reach their final path inside the block (renamed into place
    by :func:`atomic_path`, or by the commit of a :func:`write_set`), in the order they land:
    the command line lists them at the end of a command's log.

    Yields
    ------
    list of Path
        Filled as outputs land (an output of a failed set never lands).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with record_outputs() as written:
    ...     with write_set():
    ...         with atomic_open(d / "b.tsv") as fh:
    ...             _ = fh.write("x\\n")
    ...         n_before_commit = len(written)
    >>> n_before_commit, [p.name for p in written]
    (0, ['b.tsv'])
    """
    record: list[Path] = []
    token = _RECORDED.set(record)
    try:
        yield record
    finally:
        _RECORDED.reset(token)


def remove_output(path: str | Path) -> None:
    """Delete an output of an earlier run (a stale page): at once outside a
    :func:`write_set`, or with the set's commit inside one (so a failed command deletes
    nothing either).

    Parameters
    ----------
    path : str or Path
        The file to delete (a missing file is no error).
    """
    pending = _WRITE_SET.get()
    if pending is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    else:
        pending.removals.append(Path(path))


@contextlib.contextmanager
def write_set():
    """Write a command's outputs as a set: every :func:`atomic_path` (and so
    :func:`atomic_open`, :func:`write_table` and the declared tables' writers) inside the
    block keeps its finished temporary file, and all are renamed over their targets only when
    the block ends without an exception. When it raises (a bad input found late, a full
    disk, Ctrl-C), every temporary is removed and no output is replaced: the folder holds
    the previous complete set, or nothing. A SIGKILL leaves only hidden temporaries, which
    the next writer of each target removes (:func:`remove_stale_temporaries`).

    Sets nest: an inner block joins the outer one (all are renamed at the outer end). While
    the block runs, its outputs are not yet at their paths, so a command must not read back
    a file it wrote in the same block.

    Yields
    ------
    None

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with write_set():
    ...         with atomic_open(d / "a.tsv") as fh:
    ...             _ = fh.write("x\\n")
    ...         raise ValueError("the second output failed")
    ... except ValueError:
    ...     pass
    >>> sorted(p.name for p in d.iterdir())
    []
    >>> with write_set():
    ...     with atomic_open(d / "a.tsv") as fh:
    ...         _ = fh.write("x\\n")
    ...     (d / "a.tsv").exists()
    False
    >>> sorted(p.name for p in d.iterdir())
    ['a.tsv']
    """
    if _WRITE_SET.get() is not None:
        yield
        return
    pending = _PendingSet()
    token = _WRITE_SET.set(pending)
    try:
        yield
    except BaseException:
        pending.discard()
        raise
    finally:
        _WRITE_SET.reset(token)
    pending.commit()


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", permissions: int | None = None, **kwargs):
    """Open a temporary file for writing; it replaces ``path`` when the block succeeds.

    ``mode`` is the open mode; ``permissions`` as in :func:`atomic_path`.

    Parameters
    ----------
    path : str or Path
        The output file.
    mode : str
        Open mode (text modes default to ``newline=""``).
    permissions : int or None
        Mode bits of the output, as in :func:`atomic_path`.
    **kwargs
        Further arguments of :func:`open`.

    Returns
    -------
    file object
        The open temporary file (a context manager).
    """
    with atomic_path(path, permissions) as tmp:
        if "b" not in mode:
            kwargs.setdefault("newline", "")
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def column_names(table) -> list:
    """The column names of a table to write: a DataFrame's columns or a mapping's keys.

    Parameters
    ----------
    table : DataFrame or mapping of str to 1-D array
        The table.

    Returns
    -------
    list
        The names, in order.

    >>> column_names({"a": np.zeros(2), "b": np.ones(2)})
    ['a', 'b']
    """
    columns = getattr(table, "columns", None)
    return list(table) if columns is None else list(columns)


def write_table(table, path: str | Path, float_format: str = "%.6g",
                permissions: int | None = None) -> None:
    """Write a table as tab-separated text, atomically, with stable formatting.

    Parameters
    ----------
    table : DataFrame (n_rows, n_columns), or mapping of column name -> 1-D array (n_rows,)
        Written without an index. The arrays of a mapping are numpy numbers, booleans, or
        object (or ``U``) arrays of str with None or NaN for missing; a mapping is written
        byte for byte as the DataFrame made of it (``pandas.DataFrame(table)``) would be.
    path : the file to write (replaced only once complete).
    float_format : ``%``-format of float cells; missing values are written ``NA``.
    permissions : None (follow the umask) or :data:`PRIVATE`, as in :func:`atomic_path`.

    Raises
    ------
    ValueError
        The arrays of a mapping differ in length.

    Notes
    -----
    Tables of plain columns (numpy numbers and booleans, text without tabs, quotes or line
    breaks) are formatted column by column in slices of rows, several times faster than
    ``DataFrame.to_csv`` for millions of rows (SNP pair tables), byte-identical to it and
    without importing pandas for a mapping; any other table is written by
    ``DataFrame.to_csv``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.tsv"
    >>> write_table({"id": np.array(["a", None], dtype=object),
    ...              "x": np.array([0.5, np.nan])}, out)
    >>> out.read_text()
    'id\\tx\\na\\t0.5\\nNA\\tNA\\n'
    """
    formatters = _plain_formatters(table, float_format)
    with atomic_open(path, "w", permissions, encoding="utf-8") as fh:
        if formatters is None:
            frame = table
            if not hasattr(table, "to_csv"):
                import pandas as pd

                frame = pd.DataFrame(dict(table))
            frame.to_csv(fh, sep="\t", index=False, float_format=float_format,
                         lineterminator="\n", na_rep="NA")
            return
        fh.write("\t".join(column_names(table)) + "\n")
        n_rows = len(table) if hasattr(table, "columns") else len(next(iter(table.values())))
        step = 100_000  # rows formatted at a time: memory stays bounded
        for start in range(0, n_rows, step):
            cells = [fmt(start, start + step) for fmt in formatters]
            fh.write("\n".join(map("\t".join, zip(*cells, strict=True))) + "\n")


# characters that make the csv module (and so to_csv) quote a cell
_QUOTED = ("\t", "\n", "\r", '"')


def _numpy_columns(table):
    """``(arrays, na)`` of a table: its columns as 1-D numpy arrays (n_rows,) (text as object
    arrays) and, for text, a boolean mask (n_rows,) of the missing cells (None for other
    columns); None when a column is not a numpy array (an extension dtype, a list): such a
    table is written by to_csv."""
    names = column_names(table)
    arrays, nas = [], []
    if hasattr(table, "columns"):  # a DataFrame: pandas is imported already
        import pandas as pd

        for k in range(len(names)):
            col = table.iloc[:, k]
            dtype = col.dtype
            if isinstance(dtype, np.dtype) and dtype.kind != "O":
                arrays.append(col.to_numpy())
                nas.append(None)
            elif dtype == np.dtype(object) or isinstance(dtype, pd.StringDtype):
                values = col.to_numpy(dtype=object)
                arrays.append(values)
                nas.append(pd.isna(values))
            else:
                return None
        return arrays, nas
    for name in names:
        x = table[name]
        if not isinstance(x, np.ndarray) or x.ndim != 1:
            return None
        na = None
        if x.dtype.kind == "U":
            x = x.astype(object)
        if x.dtype == np.dtype(object):
            try:  # None, or NaN (the one value unequal to itself)
                na = np.equal(x, None) | np.not_equal(x, x)
            except (TypeError, ValueError):  # a cell whose comparison is no bool (pd.NA)
                return None
        arrays.append(x)
        nas.append(na)
    if len({x.size for x in arrays}) > 1:
        raise ValueError(f"columns of different lengths: "
                         f"{dict(zip(names, (x.size for x in arrays), strict=True))}")
    return arrays, nas


def _plain_formatters(table, float_format):
    """One ``(start, stop) -> list of cells`` function per column of ``table`` (a DataFrame
    or a mapping of numpy columns) when every column and name is plain (so that the cells
    equal what ``to_csv`` writes), else None."""
    names = column_names(table)
    # a row of a single empty cell is written '""' by the csv module: leave those to pandas
    if (not isinstance(float_format, str) or len(names) < 2
            or not all(isinstance(n, str) and not any(c in n for c in _QUOTED) for n in names)):
        return None
    plain = _numpy_columns(table)
    if plain is None:
        return None
    arrays, nas = plain
    formatters = []
    for x, na in zip(arrays, nas, strict=True):
        kind = x.dtype.kind
        if kind == "f" and x.dtype.itemsize >= 4:
            formatters.append(_float_cells(x, float_format))
        elif kind in "iub":
            formatters.append(_str_cells(x))
        elif kind == "O":
            try:  # every present cell is a str (join raises on anything else)
                joined = "\0".join(x[~na].tolist())
            except TypeError:
                return None
            if any(c in joined for c in _QUOTED):
                return None
            formatters.append(_text_cells(x, na))
        else:
            return None
    return formatters


def _float_cells(x, float_format: str):
    def cells(start: int, stop: int) -> list[str]:
        part = x[start:stop]
        out = list(map(float_format.__mod__, part.tolist()))
        for i in np.flatnonzero(np.isnan(part)).tolist():
            out[i] = "NA"
        return out

    return cells


def _str_cells(x):
    return lambda start, stop: list(map(str, x[start:stop].tolist()))


def _text_cells(values, na):
    def cells(start: int, stop: int) -> list[str]:
        out = values[start:stop].tolist()
        for i in np.flatnonzero(na[start:stop]).tolist():
            out[i] = "NA"
        return out

    return cells
