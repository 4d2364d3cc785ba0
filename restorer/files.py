"""Reading input as text and writing output safely: the file handling behind the CLI jobs.

- Input is read in bounded chunks and decoded incrementally: UTF-8 (with or without a BOM) or
  UTF-16 with a BOM. Binary data (NUL bytes in a file without a UTF-16 BOM) is refused, and an
  undecodable byte is reported with its offset unless the caller asked for replacement.
- Output files are written to a temporary file beside the target and moved into place only when
  complete, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from restorer import interrupt
from restorer.errors import InputError

__all__ = ["AtomicWriter", "display_name", "open_output", "read_chunks"]

CHUNK_BYTES = 1 << 20


def display_name(path: str | Path | None) -> str:
    """Return the name used in messages: the path, or ``<stdin>`` for ``-``."""
    return "<stdin>" if path in (None, "-") else str(path)


#: Bytes needed to recognise any byte-order mark read_chunks knows (UTF-8's is three).
_BOM_BYTES = len(codecs.BOM_UTF8)


def _sniff(head: bytes) -> tuple[str, int]:
    """Return (codec, BOM length) for the first bytes of an input."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0  # the utf-16 codec reads and drops the BOM itself
    return "utf-8", 0


def read_chunks(
    stream: BinaryIO, name: str, errors: str = "strict", chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """Yield the decoded text of a binary stream in chunks.

    Args:
        stream: a binary file object.
        name: what to call it in error messages.
        errors: ``"strict"`` (raise on a bad byte) or ``"replace"`` (U+FFFD).
        chunk_bytes: bytes read at a time.

    Raises:
        InputError: for binary data or, with ``errors="strict"``, undecodable bytes.
    """
    head = stream.read(chunk_bytes)
    while 0 < len(head) < _BOM_BYTES:  # small chunks or a slow pipe: see the whole BOM
        more = stream.read(chunk_bytes)
        if not more:
            break
        head += more
    codec, skip = _sniff(head)
    if codec == "utf-8" and b"\x00" in head:
        raise InputError(name, "looks like a binary file (it contains NUL bytes); not restoring it")
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    data = head[skip:] or stream.read(chunk_bytes)  # empty data means the end of the input
    consumed = skip  # bytes handed to the decoder so far
    while True:
        final = not data
        pending = len(decoder.getstate()[0])  # bytes of a split character from the last chunk
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            where = consumed - pending + exc.start
            raise InputError(
                name,
                f"is not valid {codec.upper()} text (byte offset {where}: {exc.reason}); "
                "use --errors replace to restore it anyway",
            ) from None
        if text:
            yield text
        if final:
            return
        consumed += len(data)
        data = stream.read(chunk_bytes)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicWriter:
    """A text file written under a temporary name and renamed into place on :meth:`commit`.

    Use as a context manager: leaving the block without ``commit()`` (an error, Ctrl-C) removes
    the temporary file and leaves any existing target untouched.

    A target that exists but is not a regular file (a FIFO, ``/dev/null``, ``/dev/stdout``, a
    shell's ``>(gzip > out.gz)``) is written directly: renaming a file over it would replace
    the device or pipe with a plain file, and there is no old content to protect.

    Raises:
        InputError: if the target is a directory or its folder cannot be written to.
    """

    def __init__(self, target: str | Path, errors: str = "strict") -> None:
        self.target = Path(target)
        self._done = False
        self._tmp: Path | None = None
        if self.target.is_dir():
            raise InputError(self.target, "is a directory; give a file name to write to")
        if self.target.exists() and not self.target.is_file():
            try:
                self.file: IO[str] = self.target.open(
                    "w", encoding="utf-8", errors=errors, newline=""
                )
            except OSError as exc:
                raise InputError(self.target, f"cannot write here ({exc.strerror})") from None
            return
        directory = self.target.parent if str(self.target.parent) else Path()
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise InputError(self.target, f"cannot write here ({exc.strerror})") from None
        self._tmp = Path(tmp)
        self.file = os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="")

    def commit(self) -> None:
        """Flush, sync and move the finished file into place, unless a stop was requested.

        Raises:
            KeyboardInterrupt, Terminated: a stop request that arrived while the file was
                written (see :mod:`restorer.interrupt`); the temporary file is left for
                :meth:`discard`, the target untouched.
        """
        interrupt.check()
        if self._tmp is None:  # written directly (a pipe or a device)
            self.file.close()
            self._done = True
            return
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        with contextlib.suppress(OSError):
            if self.target.exists():
                self._tmp.chmod(self.target.stat().st_mode & 0o7777)
            else:  # mkstemp makes 0600; a new file gets the usual mode under the umask
                self._tmp.chmod(0o666 & ~_umask())
        try:
            self._tmp.replace(self.target)
        except OSError as exc:  # the target became a directory, or its folder went read-only
            self.discard()
            raise InputError(self.target, f"cannot write here ({exc.strerror})") from None
        self._done = True

    def discard(self) -> None:
        """Close and remove the temporary file (no-op after :meth:`commit`)."""
        if not self._done:
            with contextlib.suppress(OSError):
                self.file.close()
            if self._tmp is not None:
                with contextlib.suppress(OSError):
                    self._tmp.unlink()
            self._done = True

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


@contextlib.contextmanager
def open_output(
    path: str | Path | None, errors: str = "strict"
) -> Iterator[tuple[IO[str], AtomicWriter | None]]:
    """Yield a UTF-8 text stream for ``path`` (stdout for ``-`` or None) and its atomic writer.

    ``errors="surrogateescape"`` lets undecodable input bytes pass through unchanged.
    """
    if path is None or str(path) == "-":
        stdout = io.TextIOWrapper(
            sys.stdout.buffer, encoding="utf-8", errors=errors, newline="", write_through=True
        )
        try:
            yield stdout, None
        finally:
            stdout.flush()
            stdout.detach()
        return
    with AtomicWriter(path, errors=errors) as writer:
        yield writer.file, writer
