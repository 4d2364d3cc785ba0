"""The job: :func:`run_batch` over files and folders, :func:`restore_jsonl` over streams.

:func:`run_batch` checks the options, finds the format, opens the work folder, runs the
workers and shows progress; :func:`restore_jsonl` is the same restoring of JSONL on streams
the caller owns, in this process, without parts or workers.

This is the top of :mod:`restorer.batch`: it wires a format's reader and sink
(:mod:`~restorer.batch.jsonl`, :mod:`~restorer.batch.parquet`, :mod:`~restorer.batch.txt`) to
the work folder (:mod:`~restorer.batch.resume`) and the workers
(:mod:`~restorer.batch.workers`). Nothing else in the package imports it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from restorer.batch.jsonl import _JSONL_SUFFIXES, _compression_of, _JsonlReader, _JsonlSink
from restorer.batch.parquet import (
    _PARQUET_MAGIC,
    _PARQUET_SUFFIXES,
    _ParquetReader,
    _ParquetSink,
)
from restorer.batch.records import MODES, BatchError
from restorer.batch.resume import (
    CHECKPOINT_RECORDS,
    BatchSummary,
    _error_line,
    _fingerprint,
    _Sink,
    _Tally,
    _Work,
)
from restorer.batch.txt import _count_other_files, _TxtReader, _TxtSink
from restorer.batch.workers import (
    _Job,
    _jsonl_line,
    _ordered,
    _Outcome,
    _work_files,
    _work_jsonl,
    _work_rows,
)

if TYPE_CHECKING:
    from restorer.batch.overview import RunOverview
    from restorer.core import TextRestorer
    from restorer.sources.index import SourceIndex

__all__ = ["FORMATS", "detect_format", "restore_jsonl", "run_batch"]

#: Input formats: JSONL (plain, gzip or zstd), Parquet, a folder of ``.txt`` files.
FORMATS = ("jsonl", "parquet", "txt")


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


def _reference_key(sources: SourceIndex) -> dict[str, Any]:
    """What identifies a reference collection for ``--resume``: its texts and threshold."""
    digest = hashlib.sha256()
    for ref_id in sources.ids():
        digest.update(f"{len(ref_id)}:{ref_id}".encode("utf-8", "surrogatepass"))
        text = sources.text(ref_id)
        digest.update(f"{len(text)}:{text}".encode("utf-8", "surrogatepass"))
    return {"texts": len(sources), "sha256": digest.hexdigest(), "threshold": sources.threshold}


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


def run_batch(
    input_path: Path,
    output_path: Path,
    restorer: TextRestorer,
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
    sources: SourceIndex | None = None,
    match_only: bool = False,
    overview: RunOverview | None = None,
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
        mode: ``restore``, ``score`` or ``both`` (see :mod:`restorer.batch`).
        jobs: worker processes; 1 works in this process, 0 uses every core.
        resume: continue the unfinished run that wrote ``output_path``.
        progress: show a progress line on stderr.
        checkpoint_every: records per part (the most work a killed run can lose).
        input_format: ``jsonl``, ``parquet`` or ``txt``; found from the input when None.
        notes: if given, receives one-line notes for the user (a discarded earlier run...).
        sources: a reference collection: a record whose source is found there is restored
            from it (:mod:`restorer.sources`), the others by ``restorer``; the info field
            (``score`` and ``both`` modes) names the source.
        match_only: with ``sources``: only look each record's source up and write it in the
            info field (``{"source": {"id", "score"} | null}``); the text is left as it is
            (``restorer match``). Needs ``mode="score"``.
        overview: if given, takes every record's outcome as it is written (the run report:
            :mod:`restorer.batch.overview`).

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
    if match_only and (sources is None or mode != "score"):
        raise BatchError("matching needs a reference and the score mode")
    options = {
        "text field": text_field,
        "id field": id_field,
        "mode": mode,
        "output compression": compression,
        "reference": None if sources is None else _reference_key(sources),
        "match only": match_only,
    }
    if not match_only:  # matching never restores: its restorer's tables are not read
        _ = restorer.table  # a bad table is reported before any work starts
    work = None
    if not stdout:
        fingerprint = _fingerprint(fmt, input_path, restorer, options)
        work = _Work(output_path, fingerprint, resume, notes)
    job = _Job(
        restorer,
        text_field,
        id_field,
        mode,
        sources=sources,
        match_only=match_only,
        report=overview is not None,
    )
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
            sink = _ParquetSink(
                output_path,
                reader,
                mode,
                sources=sources is not None,
                match_only=match_only,
                **sink_args,
            )
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
            if overview is not None:
                overview.add_chunk(chunk.first, outcomes, sink.error_key)
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
    if overview is not None:
        overview.resumed = summary.resumed
    return summary


def restore_jsonl(
    source: BinaryIO,
    output: IO[bytes],
    restorer: TextRestorer,
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
        tally.records,
        tally.restored,
        tally.edits,
        tally.failed,
        tally.words,
        tally.spin_total,
        tally.sourced,
        tally.to_lm,
    )
