"""Detection: how spun is a document, how sure are we, and which words show it.

The restorer already estimates a spin rate to decide how bold to be (``score.estimate_spin_rate``).
That rate is tuned for *restoring*: it divides the evidence by every word of the text and shrinks
it toward a prior, so a long clean article and a short spun caption with no table hits can end up
with the same number. Detection asks a different question, so it weighs the same evidence
differently, and every piece of it stays something a person can check:

* **Spun-looking spans.** Every span of the candidate lattice counts, edited or not, through its
  posterior at the document's rate: ``sigmoid(evidence + shift + log(rho / (1 - rho)))``, where
  ``evidence`` is the scorer's :attr:`~restorer.score.Score.evidence` (table prior, lemma
  penalty, context; never "the original is merely more frequent") and ``shift`` is the
  detection calibration of the scorer tier (:data:`EVIDENCE_CALIBRATION`): the restorer's
  evidence is cautious by design, and on aligned dev pairs a span is a real swap more often
  than its evidence alone says. Where the tables know the original, they know the spinner's
  word for it only :data:`SPUN_FORM_COVERAGE` of the time, so the spun count is scaled up by
  that share.
* **Spinnable words left alone.** A word the tables know as an *original* (``said``, ``House``,
  ``agency``) that stands intact is a place where the spinner could have struck and did not
  (weighted by how strongly the tables tie it to a swap: the best prior proposing it). In a
  clean text these are everywhere; in a spun one many of them are gone. They are the denominator
  that turns a count into a rate, so a clean page full of ordinary ``said``\\ s scores near zero
  however long it is, and a short spun paragraph is not diluted by its length.
* **Signatures of a swap that broke the grammar around it.** Spinners swap a noun and leave its
  article (``a authorities``, ``an government``), and swap a word for a phrase ending in a
  preposition and leave the preposition the original already had (``consult with`` ->
  ``seek the advice of with``, ``including with`` -> ``together with with``). An article that
  disagrees with the common word after it, and ``of`` or ``with`` followed at once by ``of``,
  ``with`` or ``to``, each count as one spun span (:data:`ARTICLE_EVIDENCE`,
  :data:`PREPOSITION_EVIDENCE`); edited prose almost never has one.
* **Phrases on the user's deny list** are certain evidence.

Every piece of evidence counts **once per distinct phrase** (its strongest occurrence), and
every spinnable word once per distinct word: a help page that says ``invoice`` twenty times,
or a news story that says ``said`` twenty times, has one reason, not twenty. Repeats are not
independent evidence (a topic word repeats; so does a spinner's systematic swap), and counting
them made a few clean pages about one topic score like spun text. The number of distinct
phrases a table can match is bounded, so memory stays flat on any input.

The **spin score** is the rate these support::

    spin_score = (S / c + a) / (S / c + K + b)

with ``S`` the expected number of distinct spun phrases, ``c`` = :data:`SPUN_FORM_COVERAGE`,
``K`` the distinct intact spinnable words (each weighted as above and by the chance it was not
itself spun), and ``a / b`` the restorer's ``spin_prior`` over :data:`PRIOR_WEIGHT`
pseudo-words. The posteriors depend on the rate, so it is iterated to its fixed point (an EM
estimate of a mixing share). It reads as "the share of the words a spinner would touch that
look touched": about zero for clean text, mostly 0.1 to 0.6 for spun text. :data:`RISK_BANDS` cut it
into risk levels.

A report does not change restoration: the edits in it are exactly those the restorer makes,
and the restorer's own rate is reported beside the score as ``restore_spin_rate``. (The ``lm``
tier does take this rate into its own, as a lower bound: ``lm_detector_weight``.) The evidence
and the score are :class:`~restorer.spin.SpinEvidence`'s; detection reads the tokens,
candidate spans and scores restoring computed (:class:`~restorer.core.SegmentAnalysis`)
instead of building them again, and adds the report.
"""

from __future__ import annotations

import bisect
import functools
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from restorer.candidates import Slot, span_text
from restorer.config import RestorerConfig
from restorer.core import Restorer, SegmentAnalysis, SegmentResult, _check_text
from restorer.edits import Edit, Source
from restorer.language import NOT_ENGLISH_NOTE
from restorer.render import match_case
from restorer.score import Score, _sigmoid, channel
from restorer.spin import (
    ARTICLE_EVIDENCE,
    EVIDENCE_CALIBRATION,
    PREPOSITION_EVIDENCE,
    PRIOR_WEIGHT,
    SPUN_FORM_COVERAGE,
    Evidence,
    SpinEvidence,
)
from restorer.tokenize import Token, split_segments

__all__ = [
    "ARTICLE_EVIDENCE",
    "EVIDENCE_CALIBRATION",
    "PREPOSITION_EVIDENCE",
    "PRIOR_WEIGHT",
    "REPORT_VERSION",
    "RISK_BANDS",
    "RISK_LEVELS",
    "SPUN_FORM_COVERAGE",
    "SpanEvidence",
    "SpinMeter",
    "SpinReport",
    "detect",
    "risk_level",
]

#: Version of the JSON written by :meth:`SpinReport.to_json`. Bump it when a field changes
#: meaning or disappears; adding a field does not need a bump.
REPORT_VERSION = 1

#: Risk levels, from least to most spun.
RISK_LEVELS = ("none", "low", "medium", "high")

#: Lower bounds of the spin score for each level above ``none``. A text with no evidence either
#: way scores at most the prior, ``spin_prior`` (0.02); half the clean paragraphs of the dev set
#: score below 0.013 and nine in ten below 0.019 (``benchmarks/run_detect.py``). So ``low``
#: starts at 0.03, where some evidence of spinning exists; ``medium`` at 0.1, above all but one
#: of the 746 clean paragraphs (the top 1 % reach 0.05 to 0.10: a short paragraph with one or two
#: words spinners favour, such as ``Additionally``, ``whilst`` or ``stated that``) and above 162
#: of 163 whole clean pages; ``high`` (0.2 and up: one spinnable word in five looks swapped) is
#: where most spun paragraphs lie and where DESIGN.md places typical spun text.
RISK_BANDS: Mapping[str, float] = {"low": 0.03, "medium": 0.1, "high": 0.2}

#: The tier :func:`detect` and ``restorer detect`` use unless told otherwise: the one its risk
#: bands and calibration were measured on (``benchmarks/run_detect.py``); ``lm`` is unmeasured.
DETECT_MODEL = "fast"

#: Spans whose posterior of being spun is below this are left out of the evidence list: the
#: list answers "what shows it is spun", and a span at 3 % shows nothing.
MIN_EVIDENCE_PROBABILITY = 0.1

_ARTICLE_SOURCE = Source(
    "detect", 0, "article disagrees with the next word", "signature: broken article"
)
_PREPOSITION_SOURCE = Source(
    "detect", 0, "preposition right after 'of' or 'with'", "signature: doubled preposition"
)
_DENY_SOURCE = Source("detect", 0, "phrase on the deny list", "deny list")


def risk_level(score: float) -> str:
    """Return the risk level of a spin score (see :data:`RISK_BANDS`).

    >>> risk_level(0.01), risk_level(0.05), risk_level(0.1), risk_level(0.5)
    ('none', 'low', 'medium', 'high')
    """
    level = "none"
    for name in RISK_LEVELS[1:]:
        if score >= RISK_BANDS[name]:
            level = name
    return level


@dataclass(frozen=True, slots=True)
class SpanEvidence:
    """One span that looks spun, with what it probably was and how sure we are.

    Attributes:
        start: offset of the span's first character in the input.
        end: offset just past its last character.
        spun: the input text at ``[start:end]``.
        suggestion: the likely original (the restorer's replacement when it edits the span),
            or None where detection knows something is wrong but not what was there.
        probability: posterior that the span was spun, at the document's spin score.
        evidence: the evidence behind it, in nats: the scorer's evidence (see
            :attr:`~restorer.score.Score.evidence`) plus the tier's detection calibration
            (:data:`EVIDENCE_CALIBRATION`), or a signature's fixed weight.
        edited: whether the restorer changes this span.
        source: the table row (or detection rule) behind it.
    """

    start: int
    end: int
    spun: str
    suggestion: str | None
    probability: float
    evidence: float
    edited: bool
    source: Source

    def to_json(self) -> dict[str, Any]:
        """Return the span as a JSON-ready dict."""
        return {
            "start": self.start,
            "end": self.end,
            "spun": self.spun,
            "suggestion": self.suggestion,
            "probability": round(self.probability, 4),
            "evidence": round(self.evidence, 4),
            "edited": self.edited,
            "source": self.source.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SpinReport:
    """How spun a document is, and the evidence.

    Attributes:
        spin_score: the estimated share of spinnable words that were spun, 0 to 1 (see the
            module docstring); about 0 for clean text.
        risk: ``none``, ``low``, ``medium`` or ``high`` (:data:`RISK_BANDS`).
        words: words in the document.
        spun_spans: spans the restorer would restore (rendering fixes such as a/an excluded).
        spun_spans_per_1000_words: ``spun_spans`` per 1,000 words, the figure list-based
            checkers report.
        restore_spin_rate: the spin rate the restorer itself used (word-weighted over segments).
        evidence: the strongest spans, most probable first.
    """

    spin_score: float
    risk: str
    words: int
    spun_spans: int
    spun_spans_per_1000_words: float
    restore_spin_rate: float
    evidence: tuple[SpanEvidence, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """Return the versioned JSON record of the report."""
        return {
            "version": REPORT_VERSION,
            "spin_score": round(self.spin_score, 4),
            "risk": self.risk,
            "words": self.words,
            "spun_spans": self.spun_spans,
            "spun_spans_per_1000_words": round(self.spun_spans_per_1000_words, 2),
            "restore_spin_rate": round(self.restore_spin_rate, 4),
            "evidence": [e.to_json() for e in self.evidence],
        }


class _Candidate(NamedTuple):
    """A span waiting for the final rate: everything but its probability."""

    evidence: float
    start: int
    end: int
    spun: str
    suggestion: str | None
    edited: bool
    source: Source


class SpinMeter:
    """Collects detection evidence segment by segment and reports on the whole document.

    The restorer works on bounded segments; a meter takes each :class:`SegmentResult` as it
    comes (from :meth:`Restorer.iter_restore`, so files are never read whole) and reads the
    tokens, candidate spans and scores restoring computed (``result.analysis``). The spin score
    is :class:`~restorer.spin.SpinEvidence`'s (one entry per distinct spun phrase and per
    distinct intact spinnable word); the meter adds the strongest spans for the report, so
    memory and the cost of :meth:`spin_score` stay flat.

    >>> from restorer.table import PhraseTable, Row
    >>> table = PhraseTable([Row("Related Press", ("Associated Press",), 0.98, "example")])
    >>> restorer = Restorer(RestorerConfig(default_table=False), table=table)
    >>> meter = SpinMeter(restorer)
    >>> meter.add(restorer.restore_segment("Reported by The Related Press on Monday."))
    >>> report = meter.report()
    >>> report.risk, [e.suggestion for e in report.evidence]
    ('high', ['Associated Press'])

    Args:
        restorer: the restorer whose results are added (its tables and scorer tier).
        max_evidence: how many spans the report lists at most.
        calibration: nats added to the scorer's evidence (None: the tier's
            :data:`EVIDENCE_CALIBRATION`).
    """

    def __init__(
        self, restorer: Restorer, max_evidence: int = 10, calibration: float | None = None
    ) -> None:
        self.restorer = restorer
        self.max_evidence = max_evidence
        if calibration is None:
            calibration = EVIDENCE_CALIBRATION.get(restorer.scorer.name, 0.0)
        self.calibration = calibration
        self._evidence: SpinEvidence | None = None
        self._candidates: list[_Candidate] = []
        self._words = 0
        self._edits = 0
        self._rate_weighted = 0.0

    def add(self, result: SegmentResult) -> None:
        """Take the evidence of one restored segment."""
        self._words += result.words
        self._rate_weighted += result.spin_rate * max(result.words, 1)
        self._edits += sum(1 for e in result.edits if e.source.table != "render")
        if NOT_ENGLISH_NOTE in result.notes:
            return  # left alone by the restorer; English tables say nothing about it
        analysis = result.analysis
        if analysis is None:  # a result built elsewhere: analyse its text the restorer's way
            analysis = self.restorer.restore_segment(result.text).analysis
            if analysis is None:
                return
        spans = self.evidence.add(analysis)
        self._collect(result, analysis, spans)

    @property
    def evidence(self) -> SpinEvidence:
        """The evidence taken so far (:class:`~restorer.spin.SpinEvidence`), made on first use."""
        if self._evidence is None:
            restorer = self.restorer
            self._evidence = SpinEvidence(restorer.table, restorer.config, self.calibration)
        return self._evidence

    def _collect(
        self, result: SegmentResult, analysis: SegmentAnalysis, spans: Sequence[Evidence]
    ) -> None:
        """Keep the strongest spans, without overlaps.

        Where the restorer edits, the edit is the span (its replacement is the suggestion);
        elsewhere the strongest candidate span wins and the weaker ones it overlaps are dropped.
        """
        offset = result.offset
        tokens = analysis.tokens
        slots = {(slot.start, slot.end): i for i, slot in enumerate(analysis.slots)}
        by_chars: dict[tuple[int, int], float] = {}
        found: list[_Candidate] = []
        taken = _Intervals()
        ordered = sorted(spans, key=lambda s: (-s.effective, s.start, s.end))
        for span in ordered:
            key = (tokens[span.start].start + offset, tokens[span.end - 1].end + offset)
            by_chars.setdefault(key, span.effective)
        for edit in result.edits:
            if edit.source.table == "render":
                continue
            ev = by_chars.get((edit.start, edit.end), edit.score.get("total", 0.0))
            found.append(_edit_candidate(edit, ev))
            taken.add(edit.start, edit.end)
        kept = 0
        for span in ordered:
            if kept >= self.max_evidence:
                break  # the rest are weaker than everything kept: they cannot make the list
            lo, hi = tokens[span.start].start + offset, tokens[span.end - 1].end + offset
            if not taken.add(lo, hi):
                continue
            i = slots.get((span.start, span.end))
            suggestion, source = (
                _suggestion(tokens, analysis.slots[i], analysis.scores[i])
                if i is not None
                else (None, _source(span.key))
            )
            text = result.text[lo - offset : hi - offset]
            found.append(
                _Candidate(span.effective, lo, hi, text, suggestion or None, False, source)
            )
            kept += 1
        self._candidates = heapq.nlargest(
            self.max_evidence,
            self._candidates + found,
            key=lambda c: (c.evidence, c.edited, -c.start),
        )

    def spin_score(self, calibration: float | None = None) -> float:
        """Return the document's spin score from the evidence taken so far.

        Args:
            calibration: the shift to apply instead of the meter's own (the calibration
                benchmark scores one set of evidence at several shifts).
        """
        return self.evidence.spin_score(calibration)

    def report(self) -> SpinReport:
        """Return the report on everything added so far."""
        score = self.spin_score()
        ch = channel(score)
        evidence = []
        for c in sorted(self._candidates, key=lambda c: (-c.evidence, not c.edited, c.start)):
            p = _sigmoid(c.evidence + ch)
            if c.edited or p >= MIN_EVIDENCE_PROBABILITY:
                evidence.append(
                    SpanEvidence(
                        c.start, c.end, c.spun, c.suggestion, p, c.evidence, c.edited, c.source
                    )
                )
        words = self._words
        rate = self._rate_weighted / max(words, 1) if words else 0.0
        return SpinReport(
            spin_score=score,
            risk=risk_level(score),
            words=words,
            spun_spans=self._edits,
            spun_spans_per_1000_words=1000.0 * self._edits / words if words else 0.0,
            restore_spin_rate=rate,
            evidence=tuple(evidence),
        )


class _Intervals:
    """Non-overlapping half-open intervals, kept sorted for ``O(log n)`` overlap checks."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, start: int, end: int) -> bool:
        """Add ``[start, end)`` unless it overlaps one already there; return whether added."""
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._ends[i - 1] > start:
            return False
        if i < len(self._starts) and self._starts[i] < end:
            return False
        self._starts.insert(i, start)
        self._ends.insert(i, end)
        return True


def _suggestion(tokens: Sequence[Token], slot: Slot, scores: Sequence[Score]) -> tuple[str, Source]:
    """Return the likeliest original of a candidate span (as the scorer ranks them), and its row."""
    top = max(zip(slot.candidates, scores, strict=True), key=lambda cs: (cs[1].base, cs[0].text))[0]
    spun = span_text(tokens, slot.start, slot.end)
    suggestion = match_case(spun, top.text, exact_case=top.row.case_sensitive)
    return suggestion, Source(top.row.table, top.row.line, top.row.describe(), top.row.source)


def _source(key: str) -> Source:
    """Return the detection rule behind a span that is no lattice span, from its key."""
    if key.startswith("article: "):
        return _ARTICLE_SOURCE
    if key.startswith("preposition: "):
        return _PREPOSITION_SOURCE
    return _DENY_SOURCE


def _edit_candidate(edit: Edit, evidence: float) -> _Candidate:
    return _Candidate(
        evidence, edit.start, edit.end, edit.spun, edit.replacement, True, edit.source
    )


@functools.lru_cache(maxsize=8)
def _default_restorer(config: RestorerConfig) -> Restorer:
    return Restorer(config)


def detect(
    text: str,
    config: RestorerConfig | None = None,
    *,
    max_evidence: int = 10,
    restorer: Restorer | None = None,
    **options: Any,
) -> SpinReport:
    """Return how spun ``text`` is, with the evidence.

    >>> report = detect("Nothing in this sentence was spun.")
    >>> report.risk, report.spun_spans, report.evidence
    ('none', 0, ())

    Args:
        text: the document.
        config: restorer options; defaults to :class:`RestorerConfig` ().
        max_evidence: how many spans to list at most.
        restorer: a configured :class:`Restorer` to use instead of ``config`` (pipelines reuse
            one).
        **options: individual options overriding ``config`` (``model="fast"``, ...).

    Raises:
        TypeError: for bytes or other non-text input.
    """
    text = _check_text(text)
    if restorer is None:
        base = config or RestorerConfig(model=DETECT_MODEL)
        restorer = _default_restorer(base.with_options(**options) if options else base)
    meter = SpinMeter(restorer, max_evidence=max_evidence)
    for offset, segment in split_segments(text, restorer.config.max_segment_chars):
        meter.add(restorer.restore_segment(segment, offset))
    return meter.report()
