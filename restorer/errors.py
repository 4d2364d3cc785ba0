"""Exceptions and exit codes: one place for every failure the tool can report.

Every message names what failed and why, so the CLI can print it on one line and library users can
act on it. No exception here wraps a traceback the user has to read.
"""

from __future__ import annotations

import enum
from pathlib import Path

__all__ = [
    "ExitCode",
    "InputError",
    "RestorerError",
    "TableFormatError",
]


class ExitCode(enum.IntEnum):
    """Process exit codes of the ``restorer`` command (DESIGN.md §6)."""

    OK = 0
    CHANGED = 1  # ``--check`` found spun text
    USAGE = 2
    INPUT_ERROR = 3  # unreadable input, bad table, records that could not be processed
    INTERNAL_ERROR = 4
    INTERRUPTED = 130


class RestorerError(Exception):
    """Base class of every error ``restorer`` raises on purpose."""


class InputError(RestorerError):
    """Input that cannot be read as text: binary data, undecodable bytes, a missing file.

    Args:
        source: the file name (or ``<stdin>``) the input came from.
        reason: what is wrong, in words a user can act on.
    """

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class TableFormatError(RestorerError):
    """A phrase table that does not follow its format.

    Args:
        path: the table file.
        line: 1-based line number of the offending line (0 when the file itself is unreadable).
        reason: what is wrong with that line.

    >>> str(TableFormatError("extra.tsv", 12, "expected 4 tab-separated fields, got 3"))
    'extra.tsv:12: expected 4 tab-separated fields, got 3'
    """

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")
