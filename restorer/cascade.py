"""The cascade: the ``fast`` tier reads every document, the ``lm`` tier the spun-looking ones.

In a scraped corpus most documents are not spun, and the ``lm`` tier costs hundreds of times
what the ``fast`` tier does. A :class:`Cascade` restores each document with the ``fast`` tier,
takes the document's spin score the way ``restorer detect`` does (:class:`~.detect.SpinMeter`,
the calibrated evidence of every phrase the tables know), and hands the document to the ``lm``
tier only when that score reaches the gate. The others keep the ``fast`` tier's result, which
changes clean text as rarely as the ``lm`` tier (no edit on any clean dev text).

The gate is calibrated on whole documents, leaving each dev story out
(``benchmarks/run_detect.py --loso``, ``documents.gate_vs_clean_documents``): at
:data:`DEFAULT_GATE` 5 % of clean documents (dev originals and clean pages) pass and 0.906 of
spinners' copies do; on single paragraphs the score separates less well (0.734 of spun
paragraphs pass at 5 % of their own originals).

A cascade decides per segment (a document up to ``max_segment_chars``, a bounded piece of a
longer one), and says which tier decided in :attr:`RestoredText.model
<restorer.edits.RestoredText.model>`.

It is a job beside detection (it needs the spin meter), and it is what ``batch``, ``fix``, the
datatrove steps and library users share: :func:`make_restorer` is the one place a config's
``model`` becomes a restorer. ``model="auto"`` (the default) is the cascade wherever the
``lm`` tier is installed and the ``fast`` tier elsewhere; ``fast`` and ``lm`` force one tier
(a :class:`~restorer.core.Restorer`), ``cascade`` asks for the cascade (and the ``lm`` tier
with it). Both offer what the jobs use (:class:`~restorer.core.TextRestorer`). The library's
functions :func:`restore_text` and :func:`restore_and_explain` restore with the same default.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from restorer.config import RestorerConfig
from restorer.core import Restorer, SegmentResult, TextRestorer, _check_text, join_results
from restorer.detect import SpinMeter
from restorer.edits import RestoredText
from restorer.tokenize import iter_segments, split_segments

if TYPE_CHECKING:
    from restorer.lists import UserLists
    from restorer.table import PhraseTable

__all__ = [
    "DEFAULT_GATE",
    "Cascade",
    "decided_by",
    "make_restorer",
    "resolve_job",
    "restore_and_explain",
    "restore_text",
]

#: The spin score (``restorer detect``'s, ``fast`` tier) from which a document goes to the
#: ``lm`` tier: the threshold that passes 5 % of clean documents, leave one story out
#: (``RestorerConfig.cascade_gate``'s default).
DEFAULT_GATE: float = RestorerConfig().cascade_gate


class _Tier(NamedTuple):
    """What the jobs read of a scorer: its name (``batch``'s info field)."""

    name: str


class Cascade:
    """Restore with the ``fast`` tier, and again with the ``lm`` tier where the text looks spun.

    Args:
        config: restorer options (``model`` is ignored: the tiers are ``fast`` and ``lm``).
        table: an extra table, as for :class:`~restorer.core.Restorer`.
        gate: the spin score from which a segment goes to the ``lm`` tier (default:
            ``config.cascade_gate``).
        strong: the restorer for segments that pass the gate (default: the ``lm`` tier with
            ``config``); tests pass a stand-in.

    >>> from restorer.table import PhraseTable, Row
    >>> table = PhraseTable([Row("Related Press", ("Associated Press",), 0.98, "example")])
    >>> seen = []
    >>> class Strong:  # a stand-in for the lm tier that records what reaches it
    ...     def restore_segment(self, text, offset=0):
    ...         seen.append(text)
    ...         return fast.fast.restore_segment(text, offset)
    >>> fast = Cascade(RestorerConfig(default_table=False), table=table, strong=Strong())
    >>> fast.restore_and_explain("The weather was mild on Monday.").model, seen
    ('fast', [])
    >>> fast.restore_and_explain("Reported by The Related Press on Monday.").model, len(seen)
    ('lm', 1)
    """

    def __init__(
        self,
        config: RestorerConfig | None = None,
        *,
        table: PhraseTable | None = None,
        gate: float | None = None,
        strong: Restorer | None = None,
    ) -> None:
        self.config = (config or RestorerConfig()).with_options(model="auto")
        self.fast = Restorer(self.config.with_options(model="fast"), table=table)
        self._extra_table = table
        self._strong = strong
        self.gate = self.config.cascade_gate if gate is None else gate
        self.scorer = _Tier("cascade")
        #: segments decided by each tier so far (``fast``, ``lm``)
        self.counts: Counter[str] = Counter()

    @property
    def strong(self) -> Restorer:
        """The restorer of the segments that pass the gate (the ``lm`` tier, built on first use)."""
        if self._strong is None:
            self._strong = Restorer(self.config.with_options(model="lm"), table=self._extra_table)
        return self._strong

    @property
    def table(self) -> PhraseTable:
        """The tables in use (both tiers read the same ones)."""
        return self.fast.table

    @property
    def lists(self) -> UserLists:
        """The allow and deny lists in use (both tiers read the same ones)."""
        return self.fast.lists

    @property
    def evidence_tier(self) -> Restorer:
        """The tier whose evidence a SpinMeter reads of this cascade's results: ``fast``."""
        return self.fast

    def score(self, result: SegmentResult) -> float:
        """Return the gate's spin score of a segment the ``fast`` tier restored."""
        meter = SpinMeter(self.fast)
        meter.add(result)
        return meter.spin_score()

    def restore_segment(self, text: str, offset: int = 0) -> SegmentResult:
        """Restore one segment; its ``model`` names the tier that decided it."""
        result = self.fast.restore_segment(text, offset)
        if self.score(result) < self.gate:
            self.counts["fast"] += 1
            return result._replace(model="fast")
        self.counts["lm"] += 1
        # the lm tier's edits, with the fast tier's analysis: what a SpinMeter reads of a
        # cascade's results is one tier's evidence, the evidence the gate read
        strong = self.strong.restore_segment(text, offset)
        return strong._replace(analysis=result.analysis, model="lm")

    def iter_restore(self, chunks: Iterable[str]) -> Iterator[SegmentResult]:
        """Restore a stream of text chunks segment by segment, in bounded memory."""
        for offset, segment in iter_segments(chunks, self.config.max_segment_chars):
            yield self.restore_segment(segment, offset)

    def restore_and_explain(self, text: str) -> RestoredText:
        """Restore ``text``; ``model`` names the tier (``lm`` if any segment passed the gate)."""
        text = _check_text(text)
        tiers: set[str] = set()

        def results() -> Iterator[SegmentResult]:
            for offset, segment in split_segments(text, self.config.max_segment_chars):
                result = self.restore_segment(segment, offset)
                tiers.add(result.model)
                yield result

        joined = join_results(results(), self.config)
        return dataclasses.replace(joined, model=decided_by(tiers, default="fast"))

    def restore_text(self, text: str) -> str:
        """Restore ``text`` and return only the restored text."""
        return self.restore_and_explain(text).text


def decided_by(tiers: Iterable[str], default: str = "") -> str:
    """Return the tier that decided a text from the tiers that decided its segments.

    ``lm`` if any segment went to the ``lm`` tier, else ``fast`` if any was restored by the
    ``fast`` tier, else ``default`` (a text with no segment).

    >>> decided_by(["fast", "lm", "fast"]), decided_by(["fast"]), decided_by([], "fast")
    ('lm', 'fast', 'fast')
    """
    seen = set(tiers)
    return "lm" if "lm" in seen else "fast" if "fast" in seen else default


def resolve_job(model: str) -> str:
    """Return what :func:`make_restorer` builds for ``model``: ``fast``, ``lm`` or ``cascade``.

    ``auto`` is ``cascade`` wherever the ``lm`` tier is installed, else ``fast``;
    ``$RESTORER_MODEL`` (``fast``, ``lm`` or ``cascade``) overrides what ``auto`` picks.

    Raises:
        LMUnavailableError: ``lm`` or ``cascade`` was asked for and the ``lm`` tier is not
            installed.
    """
    from restorer.lm import MODEL_ENV, resolve_model

    forced = os.environ.get(MODEL_ENV, "").strip().lower() if model == "auto" else ""
    if model == "cascade" or forced == "cascade":
        resolve_model("lm")  # the lm tier must be there
        return "cascade"
    tier = resolve_model(model)
    return "cascade" if model == "auto" and tier == "lm" and forced != "lm" else tier


def make_restorer(
    config: RestorerConfig | None = None, *, table: PhraseTable | None = None
) -> TextRestorer:
    """Return the restorer ``config.model`` names: the cascade, or one tier.

    Args:
        config: options (default :class:`RestorerConfig` ()); ``model`` chooses, see
            :func:`resolve_job`.
        table: an extra table, as for :class:`~restorer.core.Restorer`.

    Raises:
        LMUnavailableError: ``lm`` or ``cascade`` was asked for and is not installed.

    >>> make_restorer(RestorerConfig(model="fast")).scorer.name
    'fast'
    """
    config = config or RestorerConfig()
    job = resolve_job(config.model)
    if job == "cascade":
        return Cascade(config, table=table)
    return Restorer(config.with_options(model=job), table=table)


@functools.lru_cache(maxsize=8)
def _default_restorer(config: RestorerConfig) -> TextRestorer:
    return make_restorer(config)


def _config(config: RestorerConfig | None, options: dict[str, Any]) -> RestorerConfig:
    base = config or RestorerConfig()
    return base.with_options(**options) if options else base


def restore_text(text: str, config: RestorerConfig | None = None, **options: Any) -> str:
    """Return ``text`` with spun phrases put back to their likely originals.

    Clean text comes back unchanged: an edit needs evidence, and a document with little
    evidence keeps a low spin rate, which protects its ordinary words. The restorer is the
    default one (:func:`make_restorer`): the cascade where the ``lm`` tier is installed.

    Args:
        text: the text to restore.
        config: options; defaults to :class:`RestorerConfig` ().
        **options: individual options overriding ``config`` (``model="fast"``, ...).

    Raises:
        TypeError: for bytes or other non-text input.
    """
    return _default_restorer(_config(config, options)).restore_text(text)


def restore_and_explain(
    text: str, config: RestorerConfig | None = None, **options: Any
) -> RestoredText:
    """Like :func:`restore_text`, but also return every edit with its evidence and the spin rate."""
    return _default_restorer(_config(config, options)).restore_and_explain(text)
