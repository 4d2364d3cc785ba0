"""Batch jobs: JSONL records in, JSONL records out, in order, with nothing lost.

Every input line produces exactly one output line. A record that cannot be restored (a line
that is not JSON, a missing or non-string text field, undecodable bytes) is copied through
unchanged and described in the errors file with its line number and reason; the job goes on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from restorer.core import Restorer
from restorer.files import AtomicWriter, open_output

__all__ = ["BatchSummary", "get_field", "restore_jsonl", "set_field"]


@dataclass
class BatchSummary:
    """Counts of a batch run."""

    records: int = 0
    restored: int = 0
    edits: int = 0
    failed: int = 0


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
        raise FieldError(f"field {path!r} is {type(value).__name__}, not a string")
    return value


def set_field(record: dict[str, Any], path: str, text: str) -> None:
    """Set the string at a dotted ``path`` of a record (the path must exist)."""
    parts = path.split(".")
    target = record
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = text


def restore_jsonl(
    source: BinaryIO,
    output: IO[str],
    restorer: Restorer,
    *,
    text_field: str = "text",
    errors: IO[str] | None = None,
) -> BatchSummary:
    """Restore the text field of every JSONL record from ``source`` into ``output``.

    Args:
        source: the input, opened in binary mode (each line is decoded on its own, so one bad
            line cannot hide the others).
        output: where records are written, one per input line, in input order.
        restorer: the restorer to use.
        text_field: dotted path of the text field.
        errors: where failures are described, one JSON object per failed line.
    """
    summary = BatchSummary()
    for number, raw in enumerate(source, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark is not part of the first record
        body = raw.rstrip(b"\r\n")
        newline = raw[len(body) :].decode("ascii", "replace") or "\n"
        if not body.strip():
            output.write(raw.decode("utf-8", "replace"))
            continue
        summary.records += 1
        try:
            line = body.decode("utf-8")
            record = json.loads(line)
            text = get_field(record, text_field)
        except (UnicodeDecodeError, ValueError) as exc:
            reason = _reason(exc)
            summary.failed += 1
            output.write(body.decode("utf-8", "surrogateescape") + newline)
            if errors is not None:
                errors.write(json.dumps({"line": number, "reason": reason}) + "\n")
            continue
        result = restorer.restore_and_explain(text)
        if result.edits:
            set_field(record, text_field, result.text)
            summary.restored += 1
            summary.edits += len(result.edits)
            output.write(_dumps(record) + newline)
        else:
            output.write(line + newline)
    return summary


_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(record: Any) -> str:
    """Serialise a record as UTF-8-ready JSON; lone surrogates (valid JSON escapes) stay escaped."""
    text = json.dumps(record, ensure_ascii=False)
    return json.dumps(record) if _SURROGATE.search(text) else text


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 (byte {exc.start}: {exc.reason})"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    return str(exc)


def run_batch(
    input_path: Path,
    output_path: Path,
    restorer: Restorer,
    *,
    text_field: str = "text",
    errors_path: Path | None = None,
) -> BatchSummary:
    """Run :func:`restore_jsonl` from one file to another, writing both files atomically."""
    errors_target = errors_path or output_path.with_name(output_path.name + ".errors.jsonl")
    with (
        input_path.open("rb") as source,
        open_output(output_path, errors="surrogateescape") as (out, writer),
        AtomicWriter(errors_target) as err_writer,
    ):
        summary = restore_jsonl(
            source, out, restorer, text_field=text_field, errors=err_writer.file
        )
        if writer is not None:
            writer.commit()
        if summary.failed:
            err_writer.commit()
    return summary
