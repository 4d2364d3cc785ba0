"""The work folder beside the output: parts, manifest, checkpoints, resume; the job's counts.

**Atomic output.** Output is built in a work folder beside the target
(``.NAME.restorer-work``, :func:`work_folder`) and moved into place only when complete.

**Resumable.** The work folder holds numbered part files, each covering the next run of input
records, and a manifest listing the finished parts. A part is listed only after it is complete
on disk, so after ``kill -9`` the manifest still describes finished work; with ``resume=True``
the job skips the records those parts cover, goes on from there, and concatenates the parts at
the end. The manifest also holds a fingerprint of the input and the options
(:func:`_fingerprint`), and a run with other ones is refused rather than mixed in.

:class:`_Sink` is the base of each format's writer: it writes outcomes in order into the
current part, closes a part at each checkpoint (:data:`CHECKPOINT_RECORDS` units or
:data:`CHECKPOINT_SECONDS`), and describes failed records in the errors file (their line, row
or file, the record's id when an id field is given, and the reason). The formats themselves
live in :mod:`restorer.batch.jsonl`, :mod:`restorer.batch.parquet` and
:mod:`restorer.batch.txt`.

The counts live here too: each part's :class:`_Tally` is written into the manifest, and
:class:`BatchSummary`, the job's result, is their sum, so a resumed job reports the whole
corpus.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import shutil
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from restorer import interrupt
from restorer.batch.records import BatchError, _dumps
from restorer.batch.workers import _Chunk, _Outcome
from restorer.files import AtomicWriter

if TYPE_CHECKING:
    from restorer.core import TextRestorer

__all__ = ["CHECKPOINT_RECORDS", "CHECKPOINT_SECONDS", "BatchSummary", "work_folder"]

#: Records per part file; a killed run loses at most one part of work.
CHECKPOINT_RECORDS = 10_000
#: A part is also closed after this many seconds, so slow (long) records lose little work too.
CHECKPOINT_SECONDS = 60.0

_MANIFEST_VERSION = 1


@dataclasses.dataclass
class BatchSummary:
    """Counts of a batch run (including the parts an earlier, resumed run finished).

    Attributes:
        records: input records (blank JSONL lines are not records).
        restored: records whose text was changed (``restore`` and ``both`` modes).
        edits: edits made (or, in ``score`` mode, that would be made).
        failed: records copied unchanged because they could not be processed.
        words: words (whitespace-separated) in the texts processed.
        spin_total: the sum of the records' spin scores (see :attr:`mean_spin`).
        sourced: records matched to a source in the reference (``--reference``, ``match``).
        to_lm: records a cascade sent to the ``lm`` tier.
        resumed: records an earlier run had finished (0 unless resumed).
        seconds: wall time of this run.
        run_words: words processed by this run (for the rate).
        ignored: files of a ``.txt`` folder that were not ``.txt`` files.
    """

    records: int = 0
    restored: int = 0
    edits: int = 0
    failed: int = 0
    words: int = 0
    spin_total: float = 0.0
    sourced: int = 0
    to_lm: int = 0
    resumed: int = 0
    seconds: float = 0.0
    run_words: int = 0
    ignored: int = 0

    @property
    def mean_spin(self) -> float:
        """Mean spin score of the records that were scored."""
        scored = self.records - self.failed
        return self.spin_total / scored if scored > 0 else 0.0

    @property
    def words_per_second(self) -> float:
        """Words per second of this run."""
        return self.run_words / self.seconds if self.seconds > 0 else 0.0


# -- the work folder: parts, manifest, resume ---------------------------------------------------


def work_folder(output: Path) -> Path:
    """Return the work folder a job writing ``output`` keeps its parts and manifest in."""
    return output.parent / f".{output.name}.restorer-work"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _Tally:
    """Counts for one part: input units (lines, rows, files) and what became of the records."""

    def __init__(self) -> None:
        self.units = self.records = self.restored = self.edits = self.failed = self.words = 0
        self.sourced = self.to_lm = 0
        self.spin_total = 0.0

    def add(self, outcome: _Outcome) -> None:
        self.units += 1
        if not outcome.record:
            return
        self.records += 1
        if outcome.error is not None:
            self.failed += 1
            return
        self.restored += outcome.changed
        self.sourced += outcome.sourced
        self.to_lm += outcome.tier == "lm"
        self.edits += outcome.edits
        self.words += outcome.words
        self.spin_total += outcome.spin

    def to_json(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "records": self.records,
            "restored": self.restored,
            "edits": self.edits,
            "failed": self.failed,
            "words": self.words,
            "spin_total": self.spin_total,
            "sourced": self.sourced,
            "to_lm": self.to_lm,
        }


class _Work:
    """The folder beside the output: finished parts and the manifest that lists them.

    Without ``resume`` an old work folder (from a killed run) is discarded; with it, the parts
    its manifest lists are kept and anything else in the folder (the part being written when
    the run died) is removed.
    """

    def __init__(
        self, output: Path, fingerprint: dict[str, Any], resume: bool, notes: list[str]
    ) -> None:
        self.path = work_folder(output)
        self.manifest = self.path / "manifest.json"
        self.fingerprint = fingerprint
        self.parts: list[dict[str, Any]] = []
        existed = self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        self._lock(output)
        try:
            if existed:
                previous = self._read() if resume else None
                keep = {"manifest.json", "files"}
                if previous is not None:
                    self._check(previous.get("fingerprint", {}))
                    self.parts = list(previous.get("parts", []))
                    keep.update(p["name"] for p in self.parts)
                    keep.update(p["errors"] for p in self.parts)
                else:
                    keep = set()
                    if not resume and any(self.path.iterdir()):
                        notes.append(
                            f"discarded the unfinished run in {self.path} (--resume continues)"
                        )
                for entry in self.path.iterdir():
                    if entry.name not in keep:
                        _remove(entry)
        except BaseException:
            self.release()
            raise
        if resume and not self.parts:
            notes.append("nothing to resume; starting from the beginning")
        self.resumed = self.tally("records")

    def _lock(self, output: Path) -> None:
        """Hold a lock on the work folder, so two runs never write the same output at once.

        The operating system drops the lock when the process dies, ``kill -9`` included.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Windows
            return
        self._fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.release()
            raise BatchError(
                f"another restorer run is writing {output} (its work folder {self.path} is "
                "locked); wait for it or stop it"
            ) from None

    def release(self) -> None:
        """Drop the lock (the folder stays, for a later --resume)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != _MANIFEST_VERSION:
            return None
        return data

    def _check(self, previous: dict[str, Any]) -> None:
        differ = sorted(
            key
            for key in set(previous) | set(self.fingerprint)
            if previous.get(key) != self.fingerprint.get(key)
        )
        if differ:
            raise BatchError(
                f"cannot resume: the unfinished run in {self.path} had a different "
                f"{', '.join(differ)}; run without --resume to start over"
            )

    @property
    def done(self) -> int:
        """Input units (lines, rows, files) the listed parts cover."""
        return self.tally("units")

    def tally(self, key: str) -> int:
        return sum(int(p.get(key, 0)) for p in self.parts)

    def next_name(self, suffix: str) -> str:
        return f"part-{len(self.parts) + 1:06d}{suffix}"

    def commit(self, part: dict[str, Any]) -> None:
        """List a finished part: rewrite the manifest atomically (write, sync, rename)."""
        self.parts.append(part)
        data = {"version": _MANIFEST_VERSION, "fingerprint": self.fingerprint, "parts": self.parts}
        tmp = self.path / "manifest.json.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.manifest)
        _fsync_dir(self.path)

    def summary(self) -> BatchSummary:
        spin = sum(float(p["spin_total"]) for p in self.parts)
        return BatchSummary(
            records=self.tally("records"),
            restored=self.tally("restored"),
            edits=self.tally("edits"),
            failed=self.tally("failed"),
            words=self.tally("words"),
            spin_total=spin,
            sourced=self.tally("sourced"),
            to_lm=self.tally("to_lm"),
            resumed=self.resumed,
        )

    def concat(self, key: str, target: IO[bytes]) -> None:
        for part in self.parts:
            with (self.path / part[key]).open("rb") as fh:
                shutil.copyfileobj(fh, target, 1 << 20)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def _fingerprint(
    fmt: str, input_path: Path, restorer: TextRestorer, options: dict[str, Any]
) -> dict[str, Any]:
    """What must not change between a run and its resumption."""
    data: dict[str, Any] = {"format": fmt, "input": str(input_path.resolve()), **options}
    data["restorer options"] = repr(restorer.config)
    if fmt != "txt":
        stat = input_path.stat()
        data["input size"] = stat.st_size
        data["input modification time"] = stat.st_mtime_ns
    return data


def _binary(writer: AtomicWriter) -> BinaryIO:
    """The byte stream under an atomic writer's text file (output here is written as bytes)."""
    return cast(io.TextIOWrapper, writer.file).buffer  # type: ignore[return-value]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _error_line(key: str, where: Any, outcome: _Outcome, with_id: bool) -> str:
    entry: dict[str, Any] = {key: where}
    if with_id:
        entry["id"] = outcome.ident
    entry["reason"] = outcome.error
    return _dumps(entry) + "\n"


# -- writing parts ------------------------------------------------------------------------------


class _Sink:
    """Writes outcomes in order into the current part and closes parts at checkpoints.

    Subclasses say how a format's output is written (:meth:`_open`, :meth:`_emit`, :meth:`_close`)
    and assembled at the end (:meth:`_assemble`). Without a work folder (output to stdout) there
    are no parts: output goes straight to the stream and errors to their file.
    """

    error_key = "line"

    def __init__(
        self,
        work: _Work | None,
        errors_target: Path,
        with_id: bool,
        checkpoint_every: int,
    ) -> None:
        self.work = work
        self.errors_target = errors_target
        self.with_id = with_id
        self.checkpoint_every = checkpoint_every
        self.tally = _Tally()
        self.total = _Tally()  # this run's outcomes, for the summary and progress
        self._errors: IO[str] | None = None
        self._errors_writer: AtomicWriter | None = None
        self._errors_name = ""
        self._opened = False
        self._since = time.monotonic()
        if work is None:
            self._errors_writer = AtomicWriter(errors_target, errors="surrogateescape")
            self._errors = self._errors_writer.file

    # format hooks
    def _open(self, name: str) -> None:
        raise NotImplementedError

    def _emit(self, chunk: _Chunk, outcomes: list[_Outcome]) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _assemble(self) -> None:
        raise NotImplementedError

    def _part_suffix(self) -> str:
        raise NotImplementedError

    def _where(self, chunk: _Chunk, index: int, outcome: _Outcome) -> Any:
        return chunk.first + index

    # the common part
    def write(self, chunk: _Chunk, outcomes: list[_Outcome]) -> None:
        interrupt.check()  # a stop request a finaliser swallowed ends the job here
        if not self._opened:
            self._start()
        self._emit(chunk, outcomes)
        assert self._errors is not None
        for index, outcome in enumerate(outcomes):
            self.tally.add(outcome)
            self.total.add(outcome)
            if outcome.error is not None:
                where = self._where(chunk, index, outcome)
                self._errors.write(_error_line(self.error_key, where, outcome, self.with_id))
        due = time.monotonic() - self._since >= CHECKPOINT_SECONDS
        if self.work is not None and (self.tally.units >= self.checkpoint_every or due):
            self.commit()

    def _start(self) -> None:
        self._opened = True
        self._since = time.monotonic()
        if self.work is None:
            self._open("")
            return
        name = self.work.next_name(self._part_suffix())
        self._errors_name = self.work.next_name(".errors.jsonl")
        self._errors = (self.work.path / self._errors_name).open(
            "w", encoding="utf-8", errors="surrogateescape", newline=""
        )
        self._open(name)
        self._name = name

    def commit(self) -> None:
        """Close the current part (synced to disk) and list it in the manifest."""
        if not self._opened:
            return
        self._close()
        self._opened = False
        if self.work is None:
            return
        assert self._errors is not None
        self._errors.flush()
        os.fsync(self._errors.fileno())
        self._errors.close()
        self._errors = None
        self.work.commit({"name": self._name, "errors": self._errors_name, **self.tally.to_json()})
        self.tally = _Tally()

    def finish(self) -> BatchSummary:
        """Close the last part, move the output into place, write the errors file."""
        interrupt.check()
        self.commit()
        if self.work is None:
            summary = self._summary_direct()
            if self._errors_writer is not None:
                if summary.failed:
                    self._errors_writer.commit()
                else:
                    self._errors_writer.discard()
            return summary
        if not self.work.parts:  # an empty input still gets an (empty) output
            self._start()
            self.commit()
        self._assemble()
        summary = self.work.summary()
        if summary.failed:
            with AtomicWriter(self.errors_target) as writer:
                self.work.concat("errors", _binary(writer))
                writer.commit()
        self.work.remove()
        return summary

    def _summary_direct(self) -> BatchSummary:
        t = self.total
        return BatchSummary(
            t.records, t.restored, t.edits, t.failed, t.words, t.spin_total, t.sourced, t.to_lm
        )

    def discard(self) -> None:
        """Leave after an error: close files; unlisted parts are removed by the next run."""
        with contextlib.suppress(Exception):
            if self._opened and self.work is not None:
                self._close()
        if self._errors is not None and self.work is not None:
            self._errors.close()
        if self._errors_writer is not None:
            self._errors_writer.discard()
