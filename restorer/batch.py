"""Batch jobs over corpora: JSONL (plain, ``.gz``, ``.zst``), Parquet, and folders of ``.txt``.

What a corpus job guarantees, and how:

- **Every record exactly once, in input order.** Records are read as a stream, cut into small
  chunks, restored (in this process, or by ``jobs`` worker processes) and written in the order
  they were read. Memory stays flat: only a bounded window of chunks is ever in flight.
- **Nothing lost.** A record that cannot be processed (a line that is not JSON, a missing or
  non-string text field, a document that makes the restorer raise, an undecodable file) is
  copied through unchanged and described in the errors file (its line, row or file, the
  record's id when ``id_field`` is given, and the reason); the job goes on.
- **Atomic output.** Output is built in a work folder beside the target
  (``.NAME.restorer-work``) and moved into place only when complete.
- **Resumable.** The work folder holds numbered part files, each covering the next run of input
  records, and a manifest listing the finished parts. A part is listed only after it is
  complete on disk, so after ``kill -9`` the manifest still describes finished work; with
  ``resume=True`` the job skips the records those parts cover, goes on from there, and
  concatenates the parts at the end. The manifest also holds a fingerprint of the input and the
  options, and a run with other ones is refused rather than mixed in.

Modes: ``restore`` rewrites the text field; ``score`` leaves it alone and adds a ``restorer``
field (``{"spin_score": 0..1, "edits": n, "model": "fast"}``) to filter on; ``both`` does both.

Worker processes use :class:`concurrent.futures.ProcessPoolExecutor` with a bounded window of
submitted chunks rather than ``multiprocessing.Pool.imap``: ``imap`` reads its whole input
ahead (unbounded memory on a large corpus) and waits forever if a worker is killed, where the
executor reports a broken pool. Each worker gets the restorer once, at start-up.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import gzip
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NamedTuple, cast

from restorer.errors import InputError, RestorerError
from restorer.files import AtomicWriter, read_chunks

if TYPE_CHECKING:
    from restorer.core import Restorer

__all__ = [
    "FORMATS",
    "INFO_FIELD",
    "MODES",
    "BatchError",
    "BatchSummary",
    "FieldError",
    "detect_format",
    "get_field",
    "restore_jsonl",
    "run_batch",
    "set_field",
    "work_folder",
]

#: What a job does to each record.
MODES = ("restore", "score", "both")
#: Input formats: JSONL (plain, gzip or zstd), Parquet, a folder of ``.txt`` files.
FORMATS = ("jsonl", "parquet", "txt")
#: The field ``score`` and ``both`` add to each record.
INFO_FIELD = "restorer"
#: In a ``.txt`` folder job, the scores go to this file in the output folder (one line per file).
SCORES_FILE = "restorer-scores.jsonl"
#: Records per part file; a killed run loses at most one part of work.
CHECKPOINT_RECORDS = 10_000
#: A part is also closed after this many seconds, so slow (long) records lose little work too.
CHECKPOINT_SECONDS = 60.0

_MANIFEST_VERSION = 1
_CHUNK_RECORDS = 64  # records sent to a worker at a time: small enough to keep order cheap
_CHUNK_BYTES = 1 << 20
_CHUNK_FILES = 8
_WINDOW = 4  # chunks in flight per worker
_ROW_GROUP_ROWS = 10_000
_ROW_GROUP_BYTES = 64 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PARQUET_MAGIC = b"PAR1"
_JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson", ".gz", ".zst", ".zstd")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_WARM_UP = "The Related Press mentioned that officials were discussing it."


class BatchError(RestorerError):
    """A job that cannot start as asked (the CLI exits 2).

    Options that do not fit the input, a resume that does not match the unfinished run, a
    format whose optional dependency is missing.
    """


class FieldError(ValueError):
    """A record's text field is missing or not a string."""


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


# -- records -----------------------------------------------------------------------------------


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


# -- the work done on each record (in workers, or in this process for jobs=1) -------------------


@dataclasses.dataclass(frozen=True)
class _Job:
    """What a worker needs: the restorer and the options (pickled once per worker)."""

    restorer: Restorer
    text_field: str
    id_field: str | None
    mode: str
    in_root: str = ""  # .txt folders: where the inputs are
    out_root: str = ""  # .txt folders: where the outputs go


class _Outcome(NamedTuple):
    """What became of one record.

    ``out`` is the output line (JSONL), or the new value of the text field's top-level column
    when it changed (Parquet); ``.txt`` files are written by the worker itself.
    """

    out: Any = None
    record: bool = True  # False for a blank JSONL line
    changed: bool = False
    edits: int = 0
    words: int = 0
    spin: float = 0.0
    error: str | None = None
    ident: Any = None
    info: dict[str, Any] | None = None


_JOB: _Job | None = None


def _install(job: _Job) -> None:
    global _JOB  # one job per worker process, set once by its initializer
    _JOB = job


def _job() -> _Job:
    if _JOB is None:  # pragma: no cover - a worker always runs its initializer first
        raise RuntimeError("batch worker used before it was initialised")
    return _JOB


def _watch_parent(parent: int) -> None:
    """Exit when the parent process is gone (``kill -9`` leaves no one to stop the workers)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(job: _Job, parent: int) -> None:
    """Set up a worker: default signals (the parent handles Ctrl-C), a parent watch, the job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    _install(job)
    _ = job.restorer.table  # load the tables once, before the first record


def _info(job: _Job, spin: float, edits: int) -> dict[str, Any]:
    # the tier that actually scored (``auto`` resolves to ``lm`` or ``fast``)
    return {"spin_score": round(spin, 4), "edits": edits, "model": job.restorer.scorer.name}


def _restore_record(job: _Job, record: Any) -> _Outcome:
    """Restore or score one parsed record, changing it in place (text field, info field)."""
    ident = _ident(record, job.id_field)
    try:
        text = get_field(record, job.text_field)
    except FieldError as exc:
        return _Outcome(error=str(exc), ident=ident)
    try:
        result = job.restorer.restore_and_explain(text)
    except Exception as exc:  # a document must never stop the job: copy it and report it
        return _Outcome(error=f"restoring failed ({type(exc).__name__}: {exc})", ident=ident)
    edits = len(result.edits)
    changed = bool(edits) and job.mode != "score"
    if changed:
        set_field(record, job.text_field, result.text)
    info = None
    if job.mode != "restore":
        info = _info(job, result.spin_rate, edits)
        record[INFO_FIELD] = info
    words = len(text.split())
    return _Outcome(None, True, changed, edits, words, result.spin_rate, None, ident, info)


def _jsonl_line(job: _Job, raw: bytes) -> _Outcome:
    body = raw.rstrip(b"\r\n")
    newline = raw[len(body) :] or b"\n"
    if not body.strip():
        return _Outcome(out=raw, record=False)
    try:
        record = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return _Outcome(out=body + newline, error=_reason(exc))
    outcome = _restore_record(job, record)
    if outcome.error is None and (outcome.changed or job.mode != "restore"):
        return outcome._replace(out=_dumps(record).encode("utf-8") + newline)
    return outcome._replace(out=body + newline)  # unchanged records stay byte-identical


def _work_jsonl(lines: Sequence[bytes]) -> list[_Outcome]:
    job = _job()
    return [_jsonl_line(job, raw) for raw in lines]


def _work_rows(rows: Sequence[dict[str, Any]]) -> list[_Outcome]:
    """Parquet rows, each given as ``{top-level column: value}`` for the text and id columns."""
    job = _job()
    top = job.text_field.split(".")[0]
    out = []
    for row in rows:
        outcome = _restore_record(job, row)
        out.append(outcome._replace(out=row[top]) if outcome.changed else outcome)
    return out


def _work_files(names: Sequence[str]) -> list[_Outcome]:
    job = _job()
    return [_txt_file(job, name) for name in names]


def _txt_file(job: _Job, name: str) -> _Outcome:
    """Restore one ``.txt`` file into the output folder, streaming it in bounded segments."""
    src = Path(job.in_root, name)
    dst = Path(job.out_root, name)
    dst.parent.mkdir(parents=True, exist_ok=True)
    edits = words = 0
    weighted = 0.0
    try:
        with src.open("rb") as fh:
            if job.mode == "score":
                pieces = job.restorer.iter_restore(read_chunks(fh, name))
                for seg in pieces:
                    edits += len(seg.edits)
                    weighted += seg.spin_rate * max(seg.words, 1)
                    words += max(seg.words, 1)
            else:
                with dst.open("w", encoding="utf-8", newline="") as out:
                    for seg in job.restorer.iter_restore(read_chunks(fh, name)):
                        out.write(seg.restored)
                        edits += len(seg.edits)
                        weighted += seg.spin_rate * max(seg.words, 1)
                        words += max(seg.words, 1)
    except InputError as exc:  # read_chunks' advice names fix's --errors option: drop it here
        return _copy_file(src, dst, exc.reason.split("; use --errors")[0], name)
    except OSError as exc:
        return _copy_file(src, dst, f"cannot read ({exc.strerror or exc})", name)
    except Exception as exc:  # a document must never stop the job: copy it and report it
        return _copy_file(src, dst, f"restoring failed ({type(exc).__name__}: {exc})", name)
    if not edits or job.mode == "score":
        shutil.copyfile(src, dst)  # unchanged files stay byte-identical (BOM, UTF-16 and all)
    spin = weighted / words if words else 0.0
    info = _info(job, spin, edits) if job.mode != "restore" else None
    changed = bool(edits) and job.mode != "score"
    return _Outcome(None, True, changed, edits, words, spin, None, name, info)


def _copy_file(src: Path, dst: Path, reason: str, name: str) -> _Outcome:
    with contextlib.suppress(OSError):  # an unreadable file cannot be copied either
        shutil.copyfile(src, dst)
    return _Outcome(error=reason, ident=name)


# -- running chunks in order ---------------------------------------------------------------------


class _Chunk(NamedTuple):
    """Consecutive input records.

    ``first`` is the number (line, row, file) of the first; ``payloads`` go to the workers;
    ``keep`` stays in this process (the Parquet batch the outcomes are put back into).
    """

    first: int
    payloads: list[Any]
    keep: Any = None


def _context() -> Any:
    """Fork where it is safe (Linux): workers start at once and share the loaded tables."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _ordered(
    work: Callable[[Sequence[Any]], list[_Outcome]],
    chunks: Iterator[_Chunk],
    job: _Job,
    jobs: int,
) -> Generator[tuple[_Chunk, list[_Outcome]], None, None]:
    """Yield each chunk with its outcomes, in input order, using ``jobs`` processes."""
    if jobs <= 1:
        _install(job)
        for chunk in chunks:
            yield chunk, work(chunk.payloads)
        return
    context = _context()
    if context.get_start_method() == "fork" and job.restorer.scorer.name == "fast":
        # Load everything a first document needs (tokenizer, inflections, word frequencies)
        # here, once: forked workers share it instead of each loading its own copy. Not for a
        # language model: its runtime's threads must not be forked.
        job.restorer.restore_and_explain(_WARM_UP)
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(job, os.getpid()),
    )
    pending: collections.deque[tuple[_Chunk, concurrent.futures.Future[list[_Outcome]]]]
    pending = collections.deque()
    finished = False
    try:
        for chunk in chunks:
            pending.append((chunk, executor.submit(work, chunk.payloads)))
            if len(pending) >= jobs * _WINDOW:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
        finished = True
    except concurrent.futures.process.BrokenProcessPool:
        raise RestorerError(
            "a worker process died (out of memory?); finished parts are kept: run the same "
            "command with --resume to continue"
        ) from None
    finally:
        if not finished:  # an error or Ctrl-C: do not wait for the chunks in flight
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                process.terminate()
        executor.shutdown(wait=finished, cancel_futures=True)


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
        return sum(int(p[key]) for p in self.parts)

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
            resumed=self.resumed,
        )

    def concat(self, key: str, target: IO[bytes]) -> None:
        for part in self.parts:
            with (self.path / part[key]).open("rb") as fh:
                shutil.copyfileobj(fh, target, 1 << 20)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


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
        return BatchSummary(t.records, t.restored, t.edits, t.failed, t.words, t.spin_total)

    def discard(self) -> None:
        """Leave after an error: close files; unlisted parts are removed by the next run."""
        with contextlib.suppress(Exception):
            if self._opened and self.work is not None:
                self._close()
        if self._errors is not None and self.work is not None:
            self._errors.close()
        if self._errors_writer is not None:
            self._errors_writer.discard()


# -- JSONL -------------------------------------------------------------------------------------


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


# -- Parquet -----------------------------------------------------------------------------------


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BatchError(
            'Parquet needs the pyarrow package: pip install "restorer[parquet]"'
        ) from None
    return pa, pq


class _ParquetReader:
    """Rows of a Parquet file in small record batches, from row ``skip`` on."""

    def __init__(self, path: Path, skip: int, text_field: str, id_field: str | None) -> None:
        pa, pq = _pyarrow()
        self.pa = pa
        self.name = str(path)
        try:
            self.file = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(path, f"cannot be read as Parquet ({exc})") from None
        self.skip = skip
        self.schema = self.file.schema_arrow
        self.total = self.file.metadata.num_rows
        self.text_top = text_field.split(".")[0]
        self.id_top = id_field.split(".")[0] if id_field else None
        self.done = skip
        meta = self.file.metadata
        self.compression = "snappy"
        if meta.num_row_groups and meta.num_columns:
            codec = str(meta.row_group(0).column(0).compression).lower()
            codec = "none" if codec == "uncompressed" else codec
            if codec in ("none", "snappy", "gzip", "brotli", "lz4", "zstd"):
                self.compression = codec  # else (LZ4_RAW...): snappy, which every reader has

    def position(self) -> int:
        return self.done

    def chunks(self) -> Iterator[_Chunk]:
        meta = self.file.metadata
        start = 0
        groups: list[int] = []
        for g in range(meta.num_row_groups):  # skip the row groups that are wholly done
            rows = meta.row_group(g).num_rows
            if groups or start + rows > self.skip:
                groups.append(g)
            else:
                start += rows
        drop = self.skip - start
        number = start
        names = set(self.schema.names)
        columns = [c for c in {self.text_top, self.id_top} if c is not None and c in names]
        try:
            batches = self.file.iter_batches(batch_size=_CHUNK_RECORDS, row_groups=groups)
            for batch in batches:
                if drop:
                    cut = min(drop, batch.num_rows)
                    batch = batch.slice(cut)
                    drop -= cut
                    number += cut
                    if not batch.num_rows:
                        continue
                values = {c: batch.column(c).to_pylist() for c in columns}
                rows = [{c: values[c][i] for c in columns} for i in range(batch.num_rows)]
                first = number + 1
                number += batch.num_rows
                self.done = number
                yield _Chunk(first, rows, batch)
        except (OSError, self.pa.ArrowException) as exc:
            raise InputError(self.name, f"cannot be read after row {number} ({exc})") from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.file.close()


def _info_type(pa: Any) -> Any:
    return pa.struct([("spin_score", pa.float64()), ("edits", pa.int64()), ("model", pa.string())])


class _ParquetSink(_Sink):
    error_key = "row"

    def __init__(self, output: Path, reader: _ParquetReader, mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output = output
        self.pa = reader.pa
        self.text_top = reader.text_top
        self.compression = reader.compression
        schema = reader.schema
        self.mode = mode
        if mode != "restore":
            field = self.pa.field(INFO_FIELD, _info_type(self.pa))
            if INFO_FIELD in schema.names:
                schema = schema.set(schema.get_field_index(INFO_FIELD), field)
            else:
                schema = schema.append(field)
        self.schema = schema
        self._writer: Any = None
        self._pending: list[Any] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def _part_suffix(self) -> str:
        return ".parquet"

    def _open(self, name: str) -> None:
        import pyarrow.parquet as pq

        assert self.work is not None
        self._writer = pq.ParquetWriter(
            self.work.path / name, self.schema, compression=self.compression
        )

    def _emit(self, chunk: _Chunk, outcomes: list[_Outcome]) -> None:
        pa = self.pa
        batch = chunk.keep
        columns = list(batch.columns)
        names = list(batch.schema.names)
        if any(o.changed for o in outcomes):
            index = names.index(self.text_top)
            old = batch.column(index).to_pylist()
            new = [o.out if o.changed else value for o, value in zip(outcomes, old, strict=True)]
            columns[index] = pa.array(new, type=batch.schema.field(index).type)
        if self.mode != "restore":
            info = pa.array([o.info for o in outcomes], type=_info_type(pa))
            if INFO_FIELD in names:
                columns[names.index(INFO_FIELD)] = info
            else:
                columns.append(info)
        table = pa.Table.from_arrays(columns, schema=self.schema)
        self._pending.append(table)
        self._pending_rows += table.num_rows
        self._pending_bytes += table.nbytes
        if self._pending_rows >= _ROW_GROUP_ROWS or self._pending_bytes >= _ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(self.pa.concat_tables(self._pending))
        self._pending = []
        self._pending_rows = self._pending_bytes = 0

    def _close(self) -> None:
        self._flush()
        self._writer.close()
        self._writer = None
        assert self.work is not None
        with (self.work.path / self._name).open("rb+") as fh:
            os.fsync(fh.fileno())

    def _assemble(self) -> None:
        import pyarrow.parquet as pq

        assert self.work is not None
        with AtomicWriter(self.output) as target:
            writer = pq.ParquetWriter(_binary(target), self.schema, compression=self.compression)
            for part in self.work.parts:
                source = pq.ParquetFile(self.work.path / part["name"])
                for group in range(source.metadata.num_row_groups):
                    writer.write_table(source.read_row_group(group))
                source.close()
            writer.close()
            target.commit()

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
        self._opened = False
        super().discard()


# -- folders of .txt files -----------------------------------------------------------------------


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


# -- the job -----------------------------------------------------------------------------------


class _Progress:
    """A one-line progress display on stderr: share done, records, rates and ETA."""

    def __init__(self, enabled: bool, total: int | None, start: int | None) -> None:
        self.enabled = enabled
        self.total = total
        self.start = start or 0
        self.began = time.monotonic()
        self.shown = 0.0

    def update(self, records: int, words: int, position: int | None, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.shown < 0.25:
            return
        self.shown = now
        elapsed = max(now - self.began, 1e-6)
        parts = []
        if self.total and position is not None:
            share = min(position / self.total, 1.0)
            parts.append(f"{share:6.1%}")
        parts.append(f"{records:,} records")
        parts.append(f"{records / elapsed:,.0f} rec/s")
        parts.append(f"{words / elapsed:,.0f} words/s")
        if self.total and position is not None and position > self.start:
            rate = (position - self.start) / elapsed
            left = max(self.total - position, 0) / rate
            parts.append(f"ETA {_clock(left)}")
        sys.stderr.write("\r" + "  ".join(parts) + "\x1b[K")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def detect_format(path: Path) -> str:
    """Return the format of an input: ``txt`` for a folder, else by extension, else by content."""
    if str(path) == "-":
        return "jsonl"
    if path.is_dir():
        return "txt"
    name = path.name.lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_JSONL_SUFFIXES):
        return "jsonl"
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return "jsonl"
    return "parquet" if head == _PARQUET_MAGIC else "jsonl"


def _check_options(
    fmt: str, input_path: Path, output_path: Path, mode: str, jobs: int, resume: bool
) -> None:
    stdout = str(output_path) == "-"
    if mode not in MODES:
        raise BatchError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if jobs < 0:
        raise BatchError(f"the number of jobs must be 0 (all cores) or more, not {jobs}")
    if resume and (stdout or str(input_path) == "-"):
        raise BatchError("--resume needs an input file and an output file (not '-')")
    out_name = output_path.name.lower()
    if fmt == "txt":
        if stdout:
            raise BatchError("a folder of .txt files needs an output folder (-o FOLDER), not '-'")
        if output_path.exists() and not output_path.is_dir():
            raise BatchError(f"{output_path} is a file; a .txt folder job writes a folder")
        if output_path.is_dir() and any(output_path.iterdir()):
            raise BatchError(f"output folder {output_path} is not empty; remove it or pick another")
        inside = output_path.resolve()
        if inside == input_path.resolve() or input_path.resolve() in inside.parents:
            raise BatchError("the output folder must not be inside the input folder")
    elif fmt == "parquet":
        if stdout:
            raise BatchError("Parquet output needs a file (-o FILE.parquet), not '-'")
        if out_name.endswith(_JSONL_SUFFIXES):
            raise BatchError(f"the input is Parquet, so the output must be too, not {output_path}")
    elif out_name.endswith(_PARQUET_SUFFIXES):
        raise BatchError(f"the input is JSONL, so the output must be too, not {output_path}")


def _fingerprint(
    fmt: str, input_path: Path, restorer: Restorer, options: dict[str, Any]
) -> dict[str, Any]:
    """What must not change between a run and its resumption."""
    data: dict[str, Any] = {"format": fmt, "input": str(input_path.resolve()), **options}
    data["restorer options"] = repr(restorer.config)
    if fmt != "txt":
        stat = input_path.stat()
        data["input size"] = stat.st_size
        data["input modification time"] = stat.st_mtime_ns
    return data


def run_batch(
    input_path: Path,
    output_path: Path,
    restorer: Restorer,
    *,
    text_field: str = "text",
    errors_path: Path | None = None,
    id_field: str | None = None,
    mode: str = "restore",
    jobs: int = 1,
    resume: bool = False,
    progress: bool = False,
    checkpoint_every: int = CHECKPOINT_RECORDS,
    input_format: str | None = None,
    notes: list[str] | None = None,
) -> BatchSummary:
    """Restore or score every record of a corpus into an output of the same format.

    Args:
        input_path: a JSONL file (plain, ``.gz`` or ``.zst``; ``-`` for stdin), a Parquet
            file, or a folder of ``.txt`` files.
        output_path: the output file (``-`` for stdout, JSONL only) or folder; ``.gz`` and
            ``.zst`` names compress JSONL output.
        restorer: the restorer (each worker process gets its own copy).
        text_field: dotted path of the text field (``meta.body``).
        errors_path: where failed records are described (default: ``OUTPUT.errors.jsonl``).
        id_field: dotted path of a record id to name failed records by.
        mode: ``restore``, ``score`` or ``both`` (see the module docstring).
        jobs: worker processes; 1 works in this process, 0 uses every core.
        resume: continue the unfinished run that wrote ``output_path``.
        progress: show a progress line on stderr.
        checkpoint_every: records per part (the most work a killed run can lose).
        input_format: ``jsonl``, ``parquet`` or ``txt``; found from the input when None.
        notes: if given, receives one-line notes for the user (a discarded earlier run...).

    Returns:
        The counts of the whole job (earlier resumed parts included).

    Raises:
        BatchError: for options that do not fit the input (exit code 2 in the CLI).
        InputError: for an input that cannot be read at all.
    """
    began = time.monotonic()
    fmt = input_format or detect_format(input_path)
    if fmt not in FORMATS:
        raise BatchError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    _check_options(fmt, input_path, output_path, mode, jobs, resume)
    if checkpoint_every < 1:
        raise BatchError("checkpoint_every must be at least 1")
    jobs = jobs or os.cpu_count() or 1
    notes = notes if notes is not None else []
    stdout = str(output_path) == "-"
    errors_target = errors_path or output_path.with_name(output_path.name + ".errors.jsonl")
    compression = "none" if stdout else _compression_of(output_path)
    options = {
        "text field": text_field,
        "id field": id_field,
        "mode": mode,
        "output compression": compression,
    }
    _ = restorer.table  # a bad table is reported before any work starts
    work = None
    if not stdout:
        fingerprint = _fingerprint(fmt, input_path, restorer, options)
        work = _Work(output_path, fingerprint, resume, notes)
    job = _Job(restorer, text_field, id_field, mode)
    reader: _JsonlReader | _ParquetReader | _TxtReader
    sink: _Sink
    worker: Callable[[Sequence[Any]], list[_Outcome]]
    ignored = 0
    try:
        skip = work.done if work is not None else 0
        sink_args: dict[str, Any] = {
            "work": work,
            "errors_target": errors_target,
            "with_id": id_field is not None or fmt == "txt",
            "checkpoint_every": checkpoint_every,
        }
        if fmt == "jsonl":
            reader = _JsonlReader(None if str(input_path) == "-" else input_path, skip)
            sink = _JsonlSink(None if stdout else output_path, compression, **sink_args)
            worker, total = _work_jsonl, reader.size
        elif fmt == "parquet":
            reader = _ParquetReader(input_path, skip, text_field, id_field)
            sink = _ParquetSink(output_path, reader, mode, **sink_args)
            worker, total = _work_rows, reader.total
        else:
            assert work is not None
            sink_args["with_id"] = False  # the file name is the id
            reader = _TxtReader(input_path, skip, count=progress)
            sink = _TxtSink(output_path, mode, **sink_args)
            files = work.path / "files"
            files.mkdir(exist_ok=True)
            job = dataclasses.replace(job, in_root=str(input_path), out_root=str(files))
            worker, total = _work_files, reader.total
            ignored = _count_other_files(input_path)
    except BaseException:
        if work is not None:
            work.release()
        raise
    meter = _Progress(progress, total, reader.position())
    results = _ordered(worker, reader.chunks(), job, jobs)
    try:
        for chunk, outcomes in results:
            sink.write(chunk, outcomes)
            meter.update(sink.total.records, sink.total.words, reader.position())
        summary = sink.finish()
    except BaseException:
        sink.discard()
        raise
    finally:
        results.close()  # after an error or Ctrl-C: stops the workers now
        meter.close()
        reader.close()
        if work is not None:
            work.release()
    if errors_path is None and not stdout and not summary.failed:
        # the errors file of an earlier run describes the output just replaced: drop it
        with contextlib.suppress(OSError):
            errors_target.unlink()
    summary.seconds = time.monotonic() - began
    summary.run_words = sink.total.words
    summary.ignored = ignored
    return summary


def restore_jsonl(
    source: BinaryIO,
    output: IO[bytes],
    restorer: Restorer,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    mode: str = "restore",
    errors: IO[str] | None = None,
) -> BatchSummary:
    """Restore the JSONL records of a binary stream into another, in this process.

    The streaming core of :func:`run_batch` without files, parts or workers, for callers that
    have their own streams. Failed records are copied unchanged and, if ``errors`` is given,
    described there.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    job = _Job(restorer, text_field, id_field, mode)
    tally = _Tally()
    for number, raw in enumerate(source, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        outcome = _jsonl_line(job, raw)
        output.write(outcome.out)
        tally.add(outcome)
        if outcome.error is not None and errors is not None:
            errors.write(_error_line("line", number, outcome, id_field is not None))
    return BatchSummary(
        tally.records, tally.restored, tally.edits, tally.failed, tally.words, tally.spin_total
    )
