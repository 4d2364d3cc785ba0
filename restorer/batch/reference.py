"""Reading a reference collection: the texts ``match`` and ``--reference`` look sources up in.

A reference is any input ``batch`` reads (JSONL, plain or compressed; Parquet; a folder of
``.txt`` files) or one plain-text file. Each text gets an id: the record's ``id_field`` when it
has one, else its line (JSONL) or row (Parquet) number, the file's relative name for a folder,
the file's name for a single file. Ids must be unique, since a match names its source by id.

Records that cannot be used (a line that is not JSON, a missing or non-string text field) are
skipped and counted, with the first few reasons kept for the user: a reference with a bad line
still serves, and the user is told what it lacked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from restorer.batch.jsonl import _JsonlReader
from restorer.batch.records import INFO_FIELD, FieldError, _ident, _reason, get_field
from restorer.batch.run import detect_format
from restorer.batch.txt import _txt_names
from restorer.errors import InputError
from restorer.files import read_chunks

__all__ = ["Reference", "matched_pairs", "read_reference"]

_KEEP_REASONS = 5


@dataclass
class Reference:
    """The texts of a reference collection, by id, and what was skipped reading it.

    Attributes:
        name: the path, for messages.
        texts: id -> text, in input order.
        skipped: how many records could not be used.
        reasons: the first few skipped records, as ``where: reason``.
    """

    name: str
    texts: dict[str, str] = field(default_factory=dict)
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)

    def _skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < _KEEP_REASONS:
            self.reasons.append(f"{where}: {reason}")

    def _add(self, ident: str, text: str, where: str) -> None:
        if ident in self.texts:
            raise InputError(self.name, f"{where}: id {ident!r} is used twice; ids must be unique")
        self.texts[ident] = text

    def note(self) -> str | None:
        """A one-line note on what was skipped, or None when nothing was."""
        if not self.skipped:
            return None
        return (
            f"{self.name}: {self.skipped} reference record(s) skipped "
            f"(first: {'; '.join(self.reasons)})"
        )


def read_reference(path: Path, text_field: str = "text", id_field: str | None = None) -> Reference:
    """Read every text of a reference collection into memory, by id.

    Args:
        path: a JSONL file (``.gz``, ``.zst``), a Parquet file, a folder of ``.txt`` files, or
            one ``.txt`` file.
        text_field: dotted path of the text field in JSONL and Parquet records.
        id_field: dotted path of the id field; line or row numbers when None.

    Raises:
        InputError: if the reference cannot be read, or two records share an id.
    """
    if not path.exists():
        raise InputError(path, "no such file or folder")
    ref = Reference(str(path))
    if path.is_dir():
        for name in _txt_names(path):
            ref._add(name, _read_text(path / name), name)
    elif path.name.lower().endswith(".txt"):
        ref._add(path.name, _read_text(path), path.name)
    elif detect_format(path) == "parquet":
        _read_parquet(ref, path, text_field, id_field)
    else:
        _read_jsonl(ref, path, text_field, id_field)
    return ref


def _read_text(path: Path) -> str:
    """Read a text file as ``fix`` and ``batch`` read theirs (BOMs, UTF-16, binary refused)."""
    try:
        with path.open("rb") as fh:
            return "".join(read_chunks(fh, str(path)))
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None


def _use(
    ref: Reference, record: object, number: int, where: str, text_field: str, id_field: str | None
) -> None:
    try:
        text = get_field(record, text_field)
    except FieldError as exc:
        ref._skip(where, str(exc))
        return
    ident = _ident(record, id_field)
    if id_field is not None and ident is None:
        ref._skip(where, f"field {id_field!r} is missing or not a JSON scalar")
        return
    ref._add(str(number if ident is None else ident), text, where)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield the non-blank lines of a JSONL file (plain or compressed) with their numbers."""
    reader = _JsonlReader(path, 0)
    try:
        for chunk in reader.chunks():
            for number, raw in enumerate(chunk.payloads, start=chunk.first):
                if raw.strip():
                    yield number, raw
    finally:
        reader.close()


def _read_jsonl(ref: Reference, path: Path, text_field: str, id_field: str | None) -> None:
    for number, raw in _lines(path):
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            ref._skip(f"line {number}", _reason(exc))
            continue
        _use(ref, record, number, f"line {number}", text_field, id_field)


def _read_parquet(ref: Reference, path: Path, text_field: str, id_field: str | None) -> None:
    from restorer.batch.parquet import _ParquetReader

    reader = _ParquetReader(path, 0, text_field, id_field)
    try:
        for chunk in reader.chunks():
            for number, row in enumerate(chunk.payloads, start=chunk.first):
                _use(ref, row, number, f"row {number}", text_field, id_field)
    finally:
        reader.close()


def matched_pairs(
    path: Path, reference: Reference, text_field: str = "text"
) -> tuple[list[tuple[str, str]], int]:
    """Return the ``(spun, source)`` pairs ``restorer match`` found, and how many had none.

    Args:
        path: the JSONL ``match`` wrote: each record's text field and its
            ``"restorer": {"source": {"id": ...}}`` (or ``null``).
        reference: the collection ``match`` searched (the same ids).
        text_field: dotted path of the text field of the matched records.

    Raises:
        InputError: naming the line of a record that is not JSON, lacks its text or its
            ``restorer`` field (not ``match`` output), or names an id the reference lacks.
    """
    pairs: list[tuple[str, str]] = []
    unmatched = 0
    for number, raw in _lines(path):
        where = f"line {number}"
        try:
            record = json.loads(raw.decode("utf-8"))
            text = get_field(record, text_field)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise InputError(path, f"{where}: {_reason(exc)}") from None
        info = record.get(INFO_FIELD) if isinstance(record, dict) else None
        if not isinstance(info, dict) or "source" not in info:
            raise InputError(path, f"{where}: no '{INFO_FIELD}.source' (is it match output?)")
        source = info["source"]
        if source is None:
            unmatched += 1
            continue
        ident = str(source.get("id")) if isinstance(source, dict) else None
        if ident is None or ident not in reference.texts:
            raise InputError(path, f"{where}: source {ident!r} is not in {reference.name}")
        pairs.append((text, reference.texts[ident]))
    return pairs, unmatched
