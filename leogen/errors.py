"""User-facing errors: bad input is reported with file, line, column and what was expected."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class InputError(Exception):
    """A problem with a user's input, reported without a traceback (exit code 2).

    The message reads like ``genotypes.tsv line 57: allele2 'l42' is not a whole number``.
    """

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
    ):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        super().__init__(self.format())

    def format(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        prefix = " ".join(where)
        if self.column and f"{self.column}" not in self.message:
            msg = f"column {self.column}: {self.message}"
        else:
            msg = self.message
        return f"{prefix}: {msg}" if prefix else msg


class InputErrors(InputError):
    """Several input problems found at once (``leogen validate`` reports them all)."""

    def __init__(self, errors: Iterable[InputError]):
        self.errors = list(errors)
        super().__init__("\n".join(e.format() for e in self.errors))

    def format(self) -> str:
        return "\n".join(e.format() for e in self.errors)


class ErrorCollector:
    """Collects problems while reading, so a file is checked completely before failing."""

    def __init__(self, limit: int = 200):
        self.errors: list[InputError] = []
        self.limit = limit

    def add(self, message: str, path=None, line=None, column=None) -> None:
        """Record one problem (dropped silently once ``limit`` problems are held).

        Parameters
        ----------
        message : str
            What is wrong and what was expected.
        path : str or Path, optional
            The file.
        line : int, optional
            1-based line number in the file.
        column : str, optional
            The column (prefixed to the message unless the message names it).
        """
        if len(self.errors) < self.limit:
            self.errors.append(InputError(message, path, line, column))

    def extend(self, errors: Iterable[InputError]) -> None:
        """Record already-raised problems; an :class:`InputErrors` is unpacked into its parts.

        Parameters
        ----------
        errors : iterable of InputError
            Kept in order up to ``limit`` problems in all.
        """
        for e in errors:
            if isinstance(e, InputErrors):
                self.extend(e.errors)
            elif len(self.errors) < self.limit:
                self.errors.append(e)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InputErrors(self.errors)
