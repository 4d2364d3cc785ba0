"""Folders of ``.txt`` files in, a folder out (same relative paths), in a stable sorted order.

Each file is one record, named by its relative path. Workers write the restored files
themselves, into the work folder (see ``_txt_file`` in :mod:`restorer.batch.workers`); this
module lists the input files, keeps the scores of each part, and moves the finished folder
into place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from restorer.batch.records import INFO_FIELD, _dumps
from restorer.batch.resume import _Sink
from restorer.batch.workers import _CHUNK_FILES, _Chunk, _Outcome

__all__ = ["SCORES_FILE"]

#: In a ``.txt`` folder job, the scores go to this file in the output folder (one line per file).
SCORES_FILE = "restorer-scores.jsonl"


def _txt_names(root: Path) -> Iterator[str]:
    """Yield the ``.txt`` files under ``root`` (relative POSIX paths) in a stable sorted order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder).relative_to(root)
        for name in sorted(files):
            if name.lower().endswith(".txt"):
                yield (base / name).as_posix()


def _count_other_files(root: Path) -> int:
    return sum(
        1 for _, _, files in os.walk(root) for name in files if not name.lower().endswith(".txt")
    )


class _TxtReader:
    def __init__(self, root: Path, skip: int, count: bool) -> None:
        self.root = root
        self.skip = skip
        self.done = skip
        self.total = sum(1 for _ in _txt_names(root)) if count else None

    def position(self) -> int:
        return self.done

    def chunks(self) -> Iterator[_Chunk]:
        names: list[str] = []
        first = self.skip + 1
        for number, name in enumerate(_txt_names(self.root), start=1):
            if number <= self.skip:
                continue
            names.append(name)
            if len(names) >= _CHUNK_FILES:
                self.done = number
                yield _Chunk(first, names)
                first, names = number + 1, []
        if names:
            self.done += len(names)
            yield _Chunk(first, names)

    def close(self) -> None:
        pass


class _TxtSink(_Sink):
    error_key = "file"

    def __init__(self, output: Path, mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output = output
        self.mode = mode
        self._scores: IO[str] | None = None

    def _part_suffix(self) -> str:
        return ".scores.jsonl"

    def _where(self, chunk: _Chunk, index: int, outcome: _Outcome) -> Any:
        return chunk.payloads[index]

    def _open(self, name: str) -> None:
        assert self.work is not None
        self._scores = (self.work.path / name).open("w", encoding="utf-8")

    def _emit(self, chunk: _Chunk, outcomes: list[_Outcome]) -> None:
        assert self._scores is not None
        if self.mode == "restore":
            return
        for name, outcome in zip(chunk.payloads, outcomes, strict=True):
            line = {"file": name, INFO_FIELD: outcome.info}
            self._scores.write(_dumps(line) + "\n")

    def _close(self) -> None:
        assert self._scores is not None
        self._scores.flush()
        os.fsync(self._scores.fileno())
        self._scores.close()

    def _assemble(self) -> None:
        assert self.work is not None
        files = self.work.path / "files"
        files.mkdir(exist_ok=True)
        if self.mode != "restore":
            with (files / SCORES_FILE).open("wb") as fh:
                self.work.concat("name", fh)
        if self.output.is_dir():
            self.output.rmdir()  # only an empty folder gets here (checked at the start)
        files.replace(self.output)

    def discard(self) -> None:
        if self._scores is not None:
            self._scores.close()
        self._opened = False
        super().discard()
