"""The work done on each record, and the worker processes that do it in input order.

A job's work is a function of one chunk (:class:`_Chunk`: consecutive lines, Parquet rows or
``.txt`` file names) that returns one :class:`_Outcome` per record: ``_work_jsonl``,
``_work_rows`` and ``_work_files``. They run in this process for ``jobs=1`` or in worker
processes, which is why they are module-level functions that pickle by name, and why the
restorer and the options (:class:`_Job`) reach a worker once, through its initializer, rather
than with every chunk.

**Every record exactly once, in input order.** :func:`_ordered` sends the chunks to the workers
and yields their outcomes in the order the chunks were read. Memory stays flat: only a bounded
window of chunks (``_WINDOW`` per worker) is ever in flight.

**Nothing lost.** A record that cannot be processed (a line that is not JSON, a missing or
non-string text field, a document that makes the restorer raise, an undecodable file) becomes
an outcome with an ``error`` and its input copied through unchanged; the job goes on.

Worker processes use :class:`concurrent.futures.ProcessPoolExecutor` with a bounded window of
submitted chunks rather than ``multiprocessing.Pool.imap``: ``imap`` reads its whole input
ahead (unbounded memory on a large corpus) and waits forever if a worker is killed, where the
executor reports a broken pool. Each worker gets the restorer once, at start-up, and exits
when its parent is gone (``kill -9`` leaves no one to stop it).
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import gc
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from restorer.batch.overview import MAX_TEXT
from restorer.batch.records import (
    INFO_FIELD,
    FieldError,
    _dumps,
    _ident,
    _reason,
    get_field,
    set_field,
)
from restorer.cascade import decided_by
from restorer.errors import InputError, RestorerError
from restorer.files import read_chunks

if TYPE_CHECKING:
    from restorer.core import SegmentResult, TextRestorer
    from restorer.edits import Edit, RestoredText
    from restorer.sources.index import SourceIndex

_CHUNK_RECORDS = 64  # records sent to a worker at a time: small enough to keep order cheap
_CHUNK_BYTES = 1 << 20
_CHUNK_FILES = 8
_WINDOW = 4  # chunks in flight per worker
# Restored once before workers fork, so that what a first document loads is loaded once and
# shared. Long enough (language.MIN_WORDS) for the language check to read its word lists.
_WARM_UP = (
    "The Related Press mentioned that officials were discussing the plan on Thursday, "
    "and they said so again."
)


# -- the work done on each record (in workers, or in this process for jobs=1) -------------------


@dataclasses.dataclass(frozen=True)
class _Job:
    """What a worker needs: the restorer and the options (pickled once per worker)."""

    restorer: TextRestorer
    text_field: str
    id_field: str | None
    mode: str
    in_root: str = ""  # .txt folders: where the inputs are
    out_root: str = ""  # .txt folders: where the outputs go
    #: the reference collection (``--reference``, ``match``): texts found there are restored
    #: from their source; the others by the restorer
    sources: SourceIndex | None = None
    #: ``match``: look each text's source up and say what it is; change nothing
    match_only: bool = False
    #: ``--report``: bring back each edited record's text and edits (:mod:`.overview`)
    report: bool = False


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
    sourced: bool = False  # its source was found in the reference
    tier: str = ""  # the tier that decided it, where a cascade chose
    #: for the run report (``_Job.report``): the input text and the edits, where there are edits
    detail: tuple[str, tuple[Edit, ...]] | None = None


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


def _info(job: _Job, spin: float, edits: int, model: str = "") -> dict[str, Any]:
    # the tier that actually scored (``auto`` resolves to ``lm`` or ``fast``; a cascade says
    # which of its tiers decided the record)
    return {
        "spin_score": round(spin, 4),
        "edits": edits,
        "model": model or job.restorer.scorer.name,
    }


class _Done(NamedTuple):
    """One text, restored (or, for ``match``, only looked up) and described."""

    result: RestoredText | None  # None for match_only
    info: dict[str, Any]
    sourced: bool


def _restore_text(job: _Job, text: str) -> _Done:
    """Restore ``text`` from its source where the reference has one, else with the restorer.

    The info says where the edits came from: ``"source": {"id", "score"}`` (or ``None`` when
    the reference was searched and held no source) and, for a text restored from its source,
    how many differences were kept as the copy's own.
    """
    found = None if job.sources is None else job.sources.query(text)
    where = None if found is None else found.to_json()
    if job.match_only:
        return _Done(None, {"source": where}, found is not None)
    if found is None:  # no reference, or no source in it: the restorer's turn
        result = job.restorer.restore_and_explain(text)
        info = _info(job, result.spin_rate, len(result.edits), result.model)
        return _Done(result, info if job.sources is None else {**info, "source": None}, False)
    assert job.sources is not None
    from restorer.edits import RestoredText
    from restorer.sources.restore import restore_from_source

    restoration = restore_from_source(text, job.sources.text(found.id), found.id)
    result = RestoredText(restoration.text, restoration.edits, restoration.spin_rate)
    info = _info(job, result.spin_rate, len(result.edits), "source")
    return _Done(
        result, {**info, "source": where, "differences": len(restoration.differences)}, True
    )


def _restore_record(job: _Job, record: Any) -> _Outcome:
    """Restore or score one parsed record, changing it in place (text field, info field)."""
    ident = _ident(record, job.id_field)
    try:
        text = get_field(record, job.text_field)
    except FieldError as exc:
        return _Outcome(error=str(exc), ident=ident)
    try:
        done = _restore_text(job, text)
    except Exception as exc:  # a document must never stop the job: copy it and report it
        return _Outcome(error=f"restoring failed ({type(exc).__name__}: {exc})", ident=ident)
    words = len(text.split())
    if done.result is None:  # match: the text stays, the info says where it came from
        record[INFO_FIELD] = done.info
        return _Outcome(None, True, False, 0, words, 0.0, None, ident, done.info, done.sourced)
    result = done.result
    edits = len(result.edits)
    changed = bool(edits) and job.mode != "score"
    if changed:
        set_field(record, job.text_field, result.text)
    info = None
    if job.mode != "restore":
        info = done.info
        record[INFO_FIELD] = info
    return _Outcome(
        None,
        True,
        changed,
        edits,
        words,
        result.spin_rate,
        None,
        ident,
        info,
        done.sourced,
        result.model,
        _detail(job, text, result.edits),
    )


def _detail(job: _Job, text: str, edits: Sequence[Edit]) -> tuple[str, tuple[Edit, ...]] | None:
    """What the run report needs of an edited record (nothing without ``--report``)."""
    return (text, tuple(edits)) if job.report and edits else None


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
    if outcome.error is None and (outcome.changed or job.mode != "restore" or job.match_only):
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
    if job.sources is not None:
        return _txt_file_whole(job, name, src, dst)
    edits = words = 0
    weighted = 0.0
    seen: list[SegmentResult] = []  # for the run report: the first MAX_TEXT characters
    models: set[str] = set()  # the tiers that decided the segments
    try:
        with src.open("rb") as fh, contextlib.ExitStack() as stack:
            out = None
            if job.mode != "score":
                out = stack.enter_context(dst.open("w", encoding="utf-8", newline=""))
            for seg in job.restorer.iter_restore(read_chunks(fh, name)):
                if out is not None:
                    out.write(seg.restored)
                edits += len(seg.edits)
                weighted += seg.spin_rate * max(seg.words, 1)
                words += max(seg.words, 1)
                models.add(seg.model)
                if job.report and seg.offset < MAX_TEXT:
                    seen.append(seg)
    except Exception as exc:  # a document must never stop the job: copy it and report it
        return _copy_file(src, dst, _failure(exc), name)
    text = "".join(seg.text for seg in seen)
    kept = [e for seg in seen for e in seg.edits]
    model = decided_by(models)  # a cascade's file went to the lm tier if any segment did
    # only a cascade chooses a tier; one tier's file is no record "sent to the lm tier", as
    # one tier's JSONL record is not (the summary's and the checkpoint's ``to_lm``)
    tier = model if job.restorer.scorer.name == "cascade" else ""
    if not edits or job.mode == "score":
        shutil.copyfile(src, dst)  # unchanged files stay byte-identical (BOM, UTF-16 and all)
    spin = weighted / words if words else 0.0
    info = _info(job, spin, edits, model) if job.mode != "restore" else None
    changed = bool(edits) and job.mode != "score"
    detail = _detail(job, text, kept)
    return _Outcome(
        None, True, changed, edits, words, spin, None, name, info, tier=tier, detail=detail
    )


def _txt_file_whole(job: _Job, name: str, src: Path, dst: Path) -> _Outcome:
    """Restore (or match) one ``.txt`` file with a reference: read whole, as sources are."""
    try:
        with src.open("rb") as fh:
            text = "".join(read_chunks(fh, name))
        done = _restore_text(job, text)
    except Exception as exc:  # a document must never stop the job: copy it and report it
        return _copy_file(src, dst, _failure(exc), name)
    words = len(text.split())
    result = done.result
    edits = len(result.edits) if result is not None else 0
    changed = result is not None and bool(edits) and job.mode != "score"
    if changed:
        assert result is not None
        dst.write_text(result.text, encoding="utf-8", newline="")
    else:
        shutil.copyfile(src, dst)
    info = done.info if job.mode != "restore" or job.match_only else None
    spin = result.spin_rate if result is not None else 0.0
    model = result.model if result is not None else ""
    detail = _detail(job, text, result.edits) if result is not None else None
    return _Outcome(
        None, True, changed, edits, words, spin, None, name, info, done.sourced, model, detail
    )


def _failure(exc: Exception) -> str:
    """The errors file's reason for a ``.txt`` file that could not be read or restored."""
    if isinstance(exc, InputError):  # read_chunks' advice names fix's --errors option: drop it
        return exc.reason.split("; use --errors")[0]
    if isinstance(exc, OSError):
        return f"cannot read ({exc.strerror or exc})"
    return f"restoring failed ({type(exc).__name__}: {exc})"


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


def _load(job: _Job) -> None:
    """Load what the job's first record would.

    The tables; and for the ``fast`` tier everything a first document needs (tokenizer,
    inflections, word frequencies), by restoring a text. A language model is not run for it:
    that would cost model time. The text is no record: if restoring it fails, nothing stops,
    and each record that fails the same way is copied and reported on its own. A job that only
    looks sources up (``match``) never restores: it loads nothing.
    """
    if job.match_only:
        return
    _ = job.restorer.table
    if job.restorer.scorer.name == "fast":
        with contextlib.suppress(Exception):
            job.restorer.restore_and_explain(_WARM_UP)


def _ordered(
    work: Callable[[Sequence[Any]], list[_Outcome]],
    chunks: Iterator[_Chunk],
    job: _Job,
    jobs: int,
) -> Generator[tuple[_Chunk, list[_Outcome]], None, None]:
    """Yield each chunk with its outcomes, in input order, using ``jobs`` processes."""
    if jobs <= 1:
        _install(job)
        # What is loaded lives as long as the run: in the collector's permanent generation,
        # the full collections that the growing memos set off no longer walk it (each walk of
        # a loaded restorer costs about 0.1 s). Not where the calling program froze objects
        # itself: unfreezing would undo its freeze.
        frozen = not gc.get_freeze_count()
        if frozen:
            _load(job)
            gc.freeze()
        try:
            for chunk in chunks:
                yield chunk, work(chunk.payloads)
        finally:
            if frozen:
                gc.unfreeze()
        return
    context = _context()
    share = context.get_start_method() == "fork" and job.restorer.scorer.name == "fast"
    if share:
        # Forked workers share what is loaded here instead of each loading its own copy. Not
        # for a language model: its runtime's threads must not be forked.
        _load(job)
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(job, os.getpid()),
    )
    pending: collections.deque[tuple[_Chunk, concurrent.futures.Future[list[_Outcome]]]]
    pending = collections.deque()
    finished = False
    # Move what is loaded into the collector's permanent generation until the workers have
    # forked (the first submit forks them all): their collections then never touch, and so
    # never copy, those pages. Measured: 53 MB less memory for -j 2, and less CPU time. Not
    # where the calling program froze objects itself: unfreezing would undo its freeze.
    frozen = share and not gc.get_freeze_count()
    try:
        if frozen:
            gc.freeze()
        for chunk in chunks:
            pending.append((chunk, executor.submit(work, chunk.payloads)))
            if frozen:
                gc.unfreeze()
                frozen = False
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
        if frozen:
            gc.unfreeze()
        if not finished:  # an error or Ctrl-C: do not wait for the chunks in flight
            for process in list((getattr(executor, "_processes", None) or {}).values()):
                process.terminate()
        executor.shutdown(wait=finished, cancel_futures=True)
