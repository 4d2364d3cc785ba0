"""Records: dotted field paths, JSON output, and the reasons a record is copied unchanged.

The bottom of :mod:`restorer.batch`: what every other module needs to know about one record
and nothing about files, processes or parts. A text or id field is named by a dotted path
(``meta.body``) into a JSON object (a JSONL record, or a Parquet row's top-level columns);
:func:`get_field` raises :class:`FieldError` when the path is missing or not a string, and the
record is then copied through and described in the errors file with :func:`_reason`'s wording.
"""

from __future__ import annotations

import json
import re
from typing import Any

from restorer.errors import RestorerError

__all__ = ["INFO_FIELD", "MODES", "BatchError", "FieldError", "get_field", "set_field"]


#: What a job does to each record.
MODES = ("restore", "score", "both")
#: The field ``score`` and ``both`` add to each record.
INFO_FIELD = "restorer"


class BatchError(RestorerError):
    """A job that cannot start as asked (the CLI exits 2).

    Options that do not fit the input, a resume that does not match the unfinished run, a
    format whose optional dependency is missing.
    """


class FieldError(ValueError):
    """A record's text field is missing or not a string."""


def get_field(record: Any, path: str) -> str:
    """Return the string at a dotted ``path`` (``meta.body``) of a JSON record.

    Raises:
        FieldError: if a part of the path is missing or the value is not a string.
    """
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise FieldError(f"field {path!r} is missing")
        value = value[part]
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        raise FieldError(f"field {path!r} is {kind}, not a string")
    return value


def set_field(record: dict[str, Any], path: str, text: str) -> None:
    """Set the string at a dotted ``path`` of a record (the path must exist)."""
    parts = path.split(".")
    target = record
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = text


def _ident(record: Any, path: str | None) -> Any:
    """Return the record's id at a dotted path if it is a JSON scalar, else None."""
    if path is None:
        return None
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, str | int | float | bool) else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(record: Any) -> str:
    """Serialise a record as UTF-8-ready JSON; lone surrogates (valid JSON escapes) stay escaped."""
    text = json.dumps(record, ensure_ascii=False)
    return json.dumps(record) if _SURROGATE.search(text) else text


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 (byte {exc.start}: {exc.reason})"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "not valid JSON (nested too deeply)"
    return str(exc)
