"""JSONL in and out: plain, gzip or zstd (found by magic bytes on input, by name on output).

Lines are read as bytes and sent to the workers unparsed; a record the restorer does not
change is written back byte for byte. Compressed output is written as one gzip member or zstd
frame per part, which concatenate into one valid stream when the parts are assembled.
``zstandard`` is imported only when a zstd stream is met.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from restorer.batch.records import BatchError
from restorer.batch.resume import _binary, _Sink
from restorer.batch.workers import _CHUNK_BYTES, _CHUNK_RECORDS, _Chunk, _Outcome
from restorer.errors import InputError
from restorer.files import AtomicWriter

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson", ".gz", ".zst", ".zstd")


def _compression_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        return "gzip"
    if name.endswith((".zst", ".zstd")):
        return "zstd"
    return "none"


def _zstandard() -> Any:
    try:
        import zstandard
    except ImportError:
        raise BatchError(
            'zstd-compressed JSONL needs the zstandard package: pip install "restorer[zstd]"'
        ) from None
    return zstandard


class _JsonlReader:
    """Lines of a JSONL input (file or stdin; plain, gzip or zstd, found by magic bytes)."""

    def __init__(self, path: Path | None, skip: int) -> None:
        self.name = "<stdin>" if path is None else str(path)
        self.skip = skip
        try:
            self.raw: BinaryIO = sys.stdin.buffer if path is None else path.open("rb")
        except OSError as exc:
            raise InputError(self.name, f"cannot be read ({exc.strerror or exc})") from None
        try:
            self.size = os.fstat(self.raw.fileno()).st_size if path is not None else None
        except OSError:  # pragma: no cover - fstat on an open file
            self.size = None
        head = self._peek()
        self.stream: IO[bytes]
        if head.startswith(_GZIP_MAGIC):
            self.stream = cast(IO[bytes], gzip.GzipFile(fileobj=self.raw, mode="rb"))
        elif head.startswith(_ZSTD_MAGIC):
            reader = (
                _zstandard().ZstdDecompressor().stream_reader(self.raw, read_across_frames=True)
            )
            self.stream = io.BufferedReader(reader, 1 << 20)
        else:
            self.stream = self.raw

    def _peek(self) -> bytes:
        if isinstance(self.raw, io.BufferedReader):
            return self.raw.peek(4)[:4]
        return b""  # pragma: no cover - files and stdin are buffered readers

    def position(self) -> int | None:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return None

    def chunks(self) -> Iterator[_Chunk]:
        number = 0
        lines: list[bytes] = []
        size = 0
        first = self.skip + 1
        try:
            for raw in self.stream:
                number += 1
                if number <= self.skip:
                    continue
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]  # a UTF-8 byte-order mark is not part of the first record
                lines.append(raw)
                size += len(raw)
                if len(lines) >= _CHUNK_RECORDS or size >= _CHUNK_BYTES:
                    yield _Chunk(first, lines)
                    first = number + 1
                    lines, size = [], 0
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                self.name, f"compressed data is damaged after line {number} ({exc})"
            ) from None
        except Exception as exc:
            if type(exc).__name__ == "ZstdError":
                raise InputError(
                    self.name, f"compressed data is damaged after line {number} ({exc})"
                ) from None
            raise
        if lines:
            yield _Chunk(first, lines)

    def close(self) -> None:
        if self.raw is not sys.stdin.buffer:
            self.raw.close()


class _JsonlSink(_Sink):
    def __init__(self, output: Path | None, compression: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output = output
        self.compression = compression
        self._raw: BinaryIO | None = None
        self._out: IO[bytes] | None = None

    def _part_suffix(self) -> str:
        return {"gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}.get(self.compression, ".jsonl")

    def _open(self, name: str) -> None:
        if self.work is None:
            self._out = sys.stdout.buffer
            return
        self._raw = (self.work.path / name).open("wb")
        self._out = _compressor(self.compression, self._raw)

    def _emit(self, chunk: _Chunk, outcomes: list[_Outcome]) -> None:
        assert self._out is not None
        self._out.write(b"".join(o.out for o in outcomes))  # zstd writers lack writelines

    def _close(self) -> None:
        assert self._out is not None
        if self.work is None:
            self._out.flush()
            return
        assert self._raw is not None
        if self._out is not self._raw:
            self._out.close()  # ends the gzip member / zstd frame; the raw file stays open
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()

    def _assemble(self) -> None:
        # gzip members and zstd frames concatenate into one valid stream
        assert self.work is not None and self.output is not None
        with AtomicWriter(self.output) as writer:
            self.work.concat("name", _binary(writer))
            writer.commit()


def _compressor(compression: str, raw: BinaryIO) -> IO[bytes]:
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0))
    if compression == "zstd":
        writer: IO[bytes] = _zstandard().ZstdCompressor(level=3).stream_writer(raw, closefd=False)
        return writer
    return raw
