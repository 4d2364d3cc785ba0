"""datatrove steps: restore ``Document.text``, and drop (or only mark) spun documents.

``pip install "restorer[datatrove]"``. datatrove (Hugging Face's web-data pipeline library)
runs the same pipeline on one machine, on Slurm or on Ray, so corpora larger than one machine
are served by an engine their builders already run, not by one of our own::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from restorer.integrations.datatrove import RestorerFilter, RestorerFormatter

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader("data/in"),
            RestorerFilter(max_spin_score=0.1),  # drop documents that look spun
            RestorerFormatter(),  # restore what is kept
            JsonlWriter("data/out"),
        ],
        tasks=8,
        logging_dir="logs/restorer",
    ).run()

Both steps record their statistics the datatrove way (``stat_update``; they appear in the
executor's ``stats.json`` and summary): ``restored`` documents and ``edits`` for the formatter,
``spin_score`` (mean, min, max per document) for both, ``failed`` for documents the restorer
could not process (kept unchanged, never dropped for that reason). Both write
``doc.metadata["restorer"] = {"spin_score", "edits", "model"}``, the same field ``restorer
batch --mode score`` adds to records.

A filter followed by a formatter with the same model and options restores each document once:
the formatter reuses the filter's result for the same text (a small cache keyed by the text
object, which the steps pass along unchanged).

The formatter restores with the cascade by default where the ``lm`` tier is installed (the
``fast`` tier reads every document, the ``lm`` tier the ones that look spun: see
:mod:`restorer.cascade`), and with the ``fast`` tier elsewhere; the filter measures with the
``fast`` tier, the one its threshold is calibrated on. ``doc.metadata["restorer"]["model"]``
names the tier that decided.

Each step builds its restorer (:func:`restorer.cascade.make_restorer`) on first use in the
process that runs it, and does not pickle it: datatrove ships steps to its workers (Slurm, Ray,
local processes) by pickling them, and a restorer loads its tables in a second or so.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.formatters.base import BaseFormatter
from datatrove.utils.typeshelper import StatHints

from restorer.batch import INFO_FIELD
from restorer.config import RestorerConfig

if TYPE_CHECKING:
    from datatrove.pipeline.writers.disk_base import DiskWriter

    from restorer.core import TextRestorer
    from restorer.edits import RestoredText

__all__ = ["RestorerFilter", "RestorerFormatter"]

#: The default spin-score threshold of :class:`RestorerFilter`. On the dev set, clean paragraphs
#: score at most about 0.02 and spun ones 0.24 at the median (``benchmarks/run_quality.py``).
DEFAULT_MAX_SPIN_SCORE = 0.1

_CACHE_SIZE = 256
_cache: collections.OrderedDict[int, tuple[str, RestorerConfig, RestoredText]]
_cache = collections.OrderedDict()
_cache_lock = threading.Lock()


def _config(
    model: str, tables: Iterable[str | Path], options: dict[str, Any] | None
) -> RestorerConfig:
    return RestorerConfig(model=model, tables=tuple(Path(t) for t in tables)).with_options(
        **(options or {})
    )


class _RestorerStep:
    """What both steps share: the options, the lazily built restorer, one result per text."""

    config: RestorerConfig
    _restorer: TextRestorer | None

    @property
    def restorer(self) -> TextRestorer:
        """The restorer, built on first use in the process that runs the step."""
        if self._restorer is None:
            from restorer.cascade import make_restorer

            self._restorer = make_restorer(self.config)
        return self._restorer

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_restorer"] = None  # rebuilt where the step runs
        return state

    def _result(self, doc: Document) -> RestoredText | None:
        """Restore a document's text (or reuse the result for this very text); None if it fails."""
        text = doc.text
        with _cache_lock:
            hit = _cache.get(id(text))
        if hit is not None and hit[0] is text and hit[1] == self.config:
            return hit[2]
        restorer = self.restorer  # a step set up wrong (no lm tier for "lm") stops the pipeline
        try:
            result = restorer.restore_and_explain(text)
        except Exception:  # a document must never stop the pipeline: keep it and count it
            self.stat_update("failed")  # type: ignore[attr-defined]
            return None
        with _cache_lock:
            _cache[id(text)] = (text, self.config, result)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return result

    def _annotate(self, doc: Document, result: RestoredText) -> None:
        doc.metadata[INFO_FIELD] = {
            "spin_score": round(result.spin_rate, 4),
            "edits": len(result.edits),
            # the tier that scored (a cascade: the tier that decided)
            "model": result.model or self.restorer.scorer.name,
        }
        self.stat_update("spin_score", value=result.spin_rate)  # type: ignore[attr-defined]


class RestorerFormatter(_RestorerStep, BaseFormatter):  # type: ignore[misc]
    """Restore each document's text; record what was done in its metadata and the stats.

    Args:
        model: ``"auto"`` (the default: the cascade where the ``lm`` tier is installed, else
            ``"fast"``), ``"cascade"`` (fast everywhere, lm where the spin score passes the
            gate, see :mod:`restorer.cascade`), ``"fast"`` or ``"lm"``.
        tables: extra table files (restorer TSV), consulted with the shipped table.
        options: other :class:`~restorer.config.RestorerConfig` options (``min_margin``...).
        annotate: write ``doc.metadata["restorer"]`` (spin score, edits, model).
    """

    name = "🔁 Restorer"

    def __init__(
        self,
        model: str = "auto",
        tables: Iterable[str | Path] = (),
        options: dict[str, Any] | None = None,
        annotate: bool = True,
    ) -> None:
        super().__init__()
        self.config = _config(model, tables, options)
        self.annotate = annotate
        self._restorer = None

    def format(self, text: str) -> str:
        """Return the restored text (datatrove's formatter interface)."""
        return self.restorer.restore_text(text)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Restore every document, passing each one on (a failed one unchanged)."""
        for doc in data:
            self.stat_update(StatHints.total)
            with self.track_time():
                result = self._result(doc)
                if result is not None:
                    if result.edits:
                        doc.text = result.text
                        self.stat_update("restored")
                    self.stat_update("edits", value=len(result.edits))
                    if self.annotate:
                        self._annotate(doc, result)
            yield doc


class RestorerFilter(_RestorerStep, BaseFilter):  # type: ignore[misc]
    """Drop documents whose spin score is above a threshold, or only mark them.

    Args:
        max_spin_score: documents scoring above this are dropped (reason ``spin_score``).
        annotate_only: keep every document; only write ``doc.metadata["restorer"]``.
        model: ``"fast"``, the default: the tier ``max_spin_score`` is calibrated on, and a
            filter only measures (a cascade would spend the ``lm`` tier restoring the very
            documents the filter drops); ``"auto"``, ``"cascade"`` or ``"lm"`` as for
            :class:`RestorerFormatter`.
        tables: extra table files (restorer TSV), consulted with the shipped table.
        options: other :class:`~restorer.config.RestorerConfig` options.
        exclusion_writer: a datatrove writer that receives the dropped documents.
    """

    name = "🔁 Restorer spin filter"

    def __init__(
        self,
        max_spin_score: float = DEFAULT_MAX_SPIN_SCORE,
        annotate_only: bool = False,
        model: str = "fast",
        tables: Iterable[str | Path] = (),
        options: dict[str, Any] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer=exclusion_writer)
        if not 0.0 <= max_spin_score <= 1.0:
            raise ValueError(f"max_spin_score must be between 0 and 1, not {max_spin_score!r}")
        self.max_spin_score = max_spin_score
        self.annotate_only = annotate_only
        self.config = _config(model, tables, options)
        self._restorer = None

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        """Keep the document unless it scores above the threshold (datatrove's interface)."""
        result = self._result(doc)
        if result is None:
            return True  # not scored: keep it, never lose a document to our failure
        self._annotate(doc, result)
        if self.annotate_only or result.spin_rate <= self.max_spin_score:
            return True
        return False, "spin_score"
