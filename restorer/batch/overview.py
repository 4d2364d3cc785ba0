"""What a batch run's HTML report shows, gathered record by record in bounded memory.

``restorer batch --report run.html`` hands each record's outcome to a :class:`RunOverview` as
the run writes it, and renders the page (:func:`restorer.report.render_run_html`) at the end.
The overview keeps only what the page shows, so memory stays flat however long the corpus is:

- the spin-score distribution: counts in :data:`BINS` equal bins over 0 to 1;
- how many records each tier decided (``fast``, ``lm``, ``source`` for those restored from a
  found original, ``failed``);
- the :data:`TOP` most spun records, with their text and edits for a diff (only records with
  at least one edit carry their text back from the workers; a record without edits has no
  diff to show);
- the most frequent restorations (spun words -> restored words, in lower case): the spinners'
  dictionary at a glance. At most :data:`MAX_PAIRS` distinct pairs are counted; past that the
  rarest are dropped, so the counts of the frequent ones stay exact unless a pair was dropped
  and came back (space-saving counting, the way top-k sketches keep heavy hitters).

A resumed run reports the records this run processed (the page says how many an earlier run
finished).
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from restorer.batch.workers import _Outcome
    from restorer.edits import Edit

__all__ = ["BINS", "MAX_PAIRS", "TOP", "RunOverview", "SpunRecord"]

#: Bins of the spin-score histogram (0.05 wide).
BINS = 20
#: Most spun records listed, each with its diff.
TOP = 25
#: Distinct restorations counted at most.
MAX_PAIRS = 20_000
#: Longest text kept for a diff (characters): the diff of a longer record is cut there.
MAX_TEXT = 100_000


@dataclass(frozen=True, slots=True)
class SpunRecord:
    """One of the most spun records: where it is, its score, and what the restorer did.

    Attributes:
        where: the record's id, or its line (row, file) where the input has no id field.
        spin: its spin score.
        tier: what decided it (``fast``, ``lm``, ``source``; the model name otherwise).
        words: its words.
        text: its input text (empty where it had no edit), cut at :data:`MAX_TEXT` characters.
        edits: its edits (offsets into ``text``; those past the cut are left out).
    """

    where: str
    spin: float
    tier: str
    words: int
    text: str = ""
    edits: tuple[Edit, ...] = ()


@dataclass
class RunOverview:
    """Counts and samples of one batch run for its HTML report (see the module docstring).

    Args:
        model: the restorer's name (``fast``, ``lm``, ``cascade``), the tier of records no
            cascade decided.
        top: how many of the most spun records to keep.
        max_pairs: distinct restorations counted at most.
    """

    model: str
    top: int = TOP
    max_pairs: int = MAX_PAIRS
    records: int = 0
    restored: int = 0
    edits: int = 0
    failed: int = 0
    words: int = 0
    resumed: int = 0
    bins: list[int] = field(default_factory=lambda: [0] * BINS)
    tiers: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    _heap: list[tuple[float, int, SpunRecord]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def add(self, where: Any, outcome: _Outcome) -> None:
        """Take one record's outcome (``where``: its line, row or file where it has no id)."""
        if not outcome.record:
            return
        self.records += 1
        if outcome.error is not None:
            self.failed += 1
            self.tiers["failed"] += 1
            return
        self.words += outcome.words
        self.edits += outcome.edits
        self.restored += outcome.changed
        tier = "source" if outcome.sourced else (outcome.tier or self.model)
        self.tiers[tier] += 1
        spin = min(max(outcome.spin, 0.0), 1.0)
        self.bins[min(int(spin * BINS), BINS - 1)] += 1
        text, edits = outcome.detail or ("", ())
        for edit in edits:
            self._count(edit.spun.lower(), edit.replacement.lower())
        if len(self._heap) >= self.top and spin <= self._heap[0][0]:
            return
        ident = outcome.ident if outcome.ident is not None else where
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
            edits = tuple(e for e in edits if e.end <= MAX_TEXT)
        item = SpunRecord(str(ident), spin, tier, outcome.words, text, tuple(edits))
        entry = (spin, -next(self._seq), item)  # ties: the earlier record ranks first
        if len(self._heap) < self.top:
            heapq.heappush(self._heap, entry)
        else:
            heapq.heapreplace(self._heap, entry)

    def add_chunk(self, first: int, outcomes: Sequence[_Outcome], key: str = "line") -> None:
        """Take a chunk's outcomes; the first is record ``first`` (a ``key``: line, row)."""
        for index, outcome in enumerate(outcomes):
            self.add(f"{key} {first + index}", outcome)

    def _count(self, spun: str, replacement: str) -> None:
        self.pairs[(spun, replacement)] += 1
        if len(self.pairs) > self.max_pairs:
            # keep the more frequent half; the rest were seen too rarely to be listed
            keep = self.pairs.most_common(self.max_pairs // 2)
            self.pairs = Counter(dict(keep))

    def most_spun(self) -> list[SpunRecord]:
        """Return the most spun records, highest spin score first."""
        return [item for _, _, item in sorted(self._heap, reverse=True)]

    def restorations(self, n: int = 30) -> list[tuple[str, str, int]]:
        """Return the ``n`` most frequent restorations: ``(spun, restored, count)``."""
        return [(s, r, c) for (s, r), c in self.pairs.most_common(n)]
