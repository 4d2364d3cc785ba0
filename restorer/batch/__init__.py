"""Batch jobs over corpora: JSONL (plain, ``.gz``, ``.zst``), Parquet, and folders of ``.txt``.

What a corpus job guarantees:

- **Every record exactly once, in input order**, in flat memory: records are read as a stream,
  cut into small chunks, restored (in this process, or by ``jobs`` worker processes) and
  written in the order they were read.
- **Nothing lost.** A record that cannot be processed is copied through unchanged and
  described in the errors file (where it was, its id, the reason); the job goes on.
- **Atomic output.** Output is built in a work folder beside the target and moved into place
  only when complete.
- **Resumable.** After ``kill -9``, ``resume=True`` keeps the finished parts and goes on from
  there; a run with another input or other options is refused rather than mixed in.

Modes: ``restore`` rewrites the text field; ``score`` leaves it alone and adds a ``restorer``
field (``{"spin_score": 0..1, "edits": n, "model": "fast"}``) to filter on; ``both`` does both.

Where things are (imports point down this list, never up):

- :mod:`~restorer.batch.run`: :func:`run_batch` and :func:`restore_jsonl`: option checks,
  format detection, progress, wiring the rest together.
- :mod:`~restorer.batch.jsonl`, :mod:`~restorer.batch.parquet`, :mod:`~restorer.batch.txt`:
  each format's reader (input as chunks) and sink (output parts, assembled at the end).
- :mod:`~restorer.batch.resume`: the work folder, its manifest and fingerprint, checkpoints,
  the common sink and the errors file, :class:`BatchSummary`.
- :mod:`~restorer.batch.workers`: the work done on each record and the worker processes that
  do it in order.
- :mod:`~restorer.batch.records`: dotted field paths, JSON output, failure reasons.

``pyarrow`` and ``zstandard`` are imported only when a Parquet or zstd input or output needs
them.
"""

from __future__ import annotations

from restorer.batch.records import INFO_FIELD, MODES, BatchError, FieldError, get_field, set_field
from restorer.batch.resume import CHECKPOINT_RECORDS, CHECKPOINT_SECONDS, BatchSummary, work_folder
from restorer.batch.run import FORMATS, detect_format, restore_jsonl, run_batch
from restorer.batch.txt import SCORES_FILE

__all__ = [
    "CHECKPOINT_RECORDS",
    "CHECKPOINT_SECONDS",
    "FORMATS",
    "INFO_FIELD",
    "MODES",
    "SCORES_FILE",
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
