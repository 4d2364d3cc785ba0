"""The detector's spin rate: the evidence for and against spinning, counted once per phrase.

The restorer's own rate (:func:`~restorer.score.estimate_spin_rate`) divides the evidence for
spinning by every word of the text. This one, the rate ``restorer detect`` reports as the spin
score and the cascade gates on, also counts the evidence *against* it: every word the tables
know as an original that stands intact is a place the spinner could have struck and did not.
It is the share of the words a spinner would touch that look touched, so it needs no guess at
how much of the spinner's dictionary the tables know, and a short paragraph is not diluted by
its length (:mod:`restorer.detect` gives the evidence and the formula in full).

:class:`SpinEvidence` collects it from the analysis restoring computed
(:class:`~restorer.core.SegmentAnalysis`): the detection report
(:class:`~restorer.detect.SpinMeter`) builds on it, and so does the ``lm`` tier's spin rate,
which it bounds from below (``lm_detector_weight`` in :class:`~restorer.config.RestorerConfig`).
It depends on the tables, the config and the tokens only, never on a restorer.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from restorer.config import RestorerConfig
from restorer.lists import CERTAIN
from restorer.render import article_for
from restorer.score import _sigmoid, channel, mean_zipf, prior_log_odds
from restorer.table import PhraseTable, Row
from restorer.tokenize import Token, is_word

if TYPE_CHECKING:
    from restorer.core import SegmentAnalysis

__all__ = [
    "ARTICLE_EVIDENCE",
    "EVIDENCE_CALIBRATION",
    "PREPOSITION_EVIDENCE",
    "PRIOR_WEIGHT",
    "SPUN_FORM_COVERAGE",
    "Evidence",
    "SpinEvidence",
]

#: Evidence (nats) of an article that disagrees with the word after it, as for a table row with
#: prior 0.9: strong, since edited text rarely has one, but not certain (typos exist).
ARTICLE_EVIDENCE = prior_log_odds(0.9)

#: Evidence (nats) of ``of`` or ``with`` followed at once by ``of``, ``with`` or ``to``
#: (``seek the advice of with``), as for the broken article: a swap that ended in a preposition
#: in front of the original's own. Edited prose has it only where a relative clause strands a
#: preposition (``the town she spoke of to her friends``), which is rare.
PREPOSITION_EVIDENCE = prior_log_odds(0.9)

#: Detection calibration of each scorer tier's evidence (nats added to a span's evidence before
#: its posterior is taken; signatures and the deny list are not shifted). The restorer's evidence
#: is cautious on purpose (restoring a clean word does harm; missing a swap costs little), so on
#: its own it says a span is a swap less often than spans really are. The ``fast`` value is the
#: maximum-likelihood fit of "is this span a swap" on the dev set's aligned pairs and clean
#: paragraphs (``benchmarks/run_detect.py``, ``calibration.evidence_shift``). The fit moved
#: from 1.625 to 1.875 as the curated table grew (the leave-one-story-out folds agree within
#: 0.125 of it); 1.5 is kept because the AUROC changes by less than 0.001 over 1.25 to 1.875
#: while each step up lifts clean text's scores. Tiers without a measured value get 0.
EVIDENCE_CALIBRATION: Mapping[str, float] = {"fast": 1.5}
#: Of the spinner's swaps of words the tables know as originals, the share whose spun form the
#: tables also know (so that the swap shows up as a candidate span). Not the restorer's
#: ``coverage``, which is the share of *all* swaps: here both sides of the ratio are limited to
#: the tables' vocabulary. Measured by ``benchmarks/run_detect.py`` on the aligned dev pairs
#: (``calibration.spun_form_coverage``: 0.75 to 0.78 while the curated table grew from 1,986
#: to 2,217 rows; 0.85 with about 2,560 curated rows and the generated ``rules_en.tsv``).
#: Rerun the benchmark when the tables grow: a stale value shifts every score a little.
SPUN_FORM_COVERAGE = 0.85

#: How many spinnable words' worth of evidence the prior rate (``spin_prior``) is worth. Small,
#: because the denominator counts only words a spinner would touch, not every word.
PRIOR_WEIGHT = 5.0

_MAX_RATE = 0.99
# Articles are followed by a common lower-case word for the signature to count: ``a 2x``,
# ``an xorg`` (pronounced "ex-org") and letters such as ``Part A in`` are not spinner damage.
_ARTICLE_MIN_ZIPF = 3.0
_ARTICLE_MIN_LETTERS = 3
# ``of``/``with`` + ``of``/``with``/``to``. Not ``for``, ``at``, ``by``, ``from``, ``about``,
# ``as`` or ``in``: ``of at least``, ``with by far``, ``of from 2 to 5``, ``of about 30`` and
# ``thought of as`` are ordinary English.
_PREPOSITION_PAIRS = frozenset(
    (first, second) for first in ("of", "with") for second in ("of", "with", "to")
)
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014")


# Canonical-phrase tables, built once per phrase table (tables are immutable).
_CANONICALS: weakref.WeakKeyDictionary[PhraseTable, PhraseTable] = weakref.WeakKeyDictionary()


def _canonical_table(table: PhraseTable) -> PhraseTable:
    """Return a table whose "spun" side is every original the given table proposes.

    Matching it finds the words a spinner would have rewritten (``said``, ``House``), with the
    same casing and lemma rules as the table itself (``say`` finds ``says``). Each row's prior
    is the highest prior of the rows proposing that original.
    """
    found = _CANONICALS.get(table)
    if found is None:
        seen: dict[str, Row] = {}
        for row in table:
            for canonical in row.canonicals:
                known = seen.get(canonical)
                if canonical.strip() and (known is None or row.prior > known.prior):
                    seen[canonical] = Row(canonical, (row.spun,), row.prior, "canonical")
        found = PhraseTable(seen.values(), name=f"canonicals of {table.name}")
        _CANONICALS[table] = found
    return found


class Evidence(NamedTuple):
    """A piece of evidence: a candidate span, a deny-list phrase or a signature."""

    effective: float  # evidence + the calibration shift where it applies: what ranks them
    evidence: float
    shifted: bool
    start: int
    end: int
    key: str


class SpinEvidence:
    """The detector's evidence of one document, segment by segment, and its spin rate.

    One entry per distinct spun-looking phrase and per distinct intact spinnable word (a
    bounded number: the tables match finitely many), so memory and the cost of
    :meth:`spin_score` stay flat however long the document.

    Args:
        table: the tables the analysis was made with (their originals are the spinnable words).
        config: the restorer options (``spin_prior``, ``max_span_tokens``).
        calibration: nats added to the scorer's evidence (:data:`EVIDENCE_CALIBRATION`).
    """

    def __init__(self, table: PhraseTable, config: RestorerConfig, calibration: float) -> None:
        self.table = table
        self.config = config
        self.calibration = calibration
        # Distinct spun-looking phrases: key -> (evidence, whether the calibration applies,
        # occurrences). A span's tokens taken by a stronger overlapping span count as a share of
        # an occurrence, so a phrase counts at most once however often it appears.
        self._spun: dict[str, tuple[float, bool, float]] = {}
        # Distinct intact spinnable words: key -> (weight, strongest spun evidence covering
        # them, whether the calibration applies); None where some occurrence stands uncovered.
        self._intact: dict[str, tuple[float, float | None, bool]] = {}

    def add(self, analysis: SegmentAnalysis) -> list[Evidence]:
        """Take the evidence of one analysed segment; return its pieces of evidence."""
        tokens = analysis.tokens
        spans = self._spans(analysis)
        best: dict[int, Evidence] = {}
        for span in spans:
            for t in range(span.start, span.end):
                if t not in best or span.effective > best[t].effective:
                    best[t] = span
        self._count_spun(best)
        self._count_intact(tokens, best)
        return spans

    def _spans(self, analysis: SegmentAnalysis) -> list[Evidence]:
        """Return every piece of evidence in a segment: lattice spans, deny list, signatures."""
        tokens = analysis.tokens
        shift = self.calibration
        spans: list[Evidence] = []
        for slot, slot_scores in zip(analysis.slots, analysis.scores, strict=True):
            ev = max(s.evidence for s in slot_scores)
            key = "span: " + _key(tokens, slot.start, slot.end)
            spans.append(Evidence(ev + shift, ev, True, slot.start, slot.end, key))
        for start, end in analysis.denied:
            key = "deny: " + _key(tokens, start, end)
            spans.append(Evidence(CERTAIN, CERTAIN, False, start, end, key))
        for i in _broken_articles(tokens):
            key = "article: " + _key(tokens, i, i + 2)
            spans.append(Evidence(ARTICLE_EVIDENCE, ARTICLE_EVIDENCE, False, i, i + 2, key))
        for i in _broken_prepositions(tokens):
            key = "preposition: " + _key(tokens, i, i + 2)
            spans.append(Evidence(PREPOSITION_EVIDENCE, PREPOSITION_EVIDENCE, False, i, i + 2, key))
        return spans

    def _effective(self, evidence: float, shifted: bool) -> float:
        return evidence + self.calibration if shifted else evidence

    def _count_spun(self, best: Mapping[int, Evidence]) -> None:
        """Add each distinct phrase's share of the tokens it covers, with its best evidence."""
        shares: dict[str, tuple[Evidence, float]] = {}
        for span in best.values():
            known = shares.get(span.key)
            share = 1.0 / (span.end - span.start) + (known[1] if known else 0.0)
            strongest = span if known is None or span.effective > known[0].effective else known[0]
            shares[span.key] = (strongest, share)
        for key, (span, share) in shares.items():
            old = self._spun.get(key)
            if old is not None and self._effective(old[0], old[1]) > span.effective:
                self._spun[key] = (old[0], old[1], old[2] + share)
            else:
                self._spun[key] = (span.evidence, span.shifted, (old[2] if old else 0.0) + share)

    def _count_intact(self, tokens: Sequence[Token], best: Mapping[int, Evidence]) -> None:
        """Add the distinct spinnable words, with the spun evidence covering them, if any."""
        canonicals = _canonical_table(self.table)
        for start, end, weight in _intact_spans(tokens, canonicals, self.config):
            covering = [best[t] for t in range(start, end) if t in best]
            top = max(covering, key=lambda b: b.effective) if covering else None
            key = _key(tokens, start, end)
            old = self._intact.get(key)
            if old is None:
                ev, shifted = (top.evidence, top.shifted) if top else (None, False)
            elif old[1] is None or top is None:
                ev, shifted = None, False  # left alone somewhere: the word was passed up
            elif self._effective(old[1], old[2]) >= top.effective:
                ev, shifted = old[1], old[2]
            else:
                ev, shifted = top.evidence, top.shifted
            self._intact[key] = (max(weight, old[0]) if old else weight, ev, shifted)

    def spin_score(self, calibration: float | None = None) -> float:
        """Return the document's spin score from the evidence taken so far.

        Args:
            calibration: the shift to apply instead of this evidence's own (the calibration
                benchmark scores one set of evidence at several shifts).
        """
        shift = self.calibration if calibration is None else calibration
        config = self.config
        coverage = SPUN_FORM_COVERAGE
        b = PRIOR_WEIGHT
        a = config.spin_prior * b
        spun = [
            (ev + shift if shifted else ev, min(share, 1.0))
            for ev, shifted, share in self._spun.values()
        ]
        intact = [
            (None if ev is None else ev + shift if shifted else ev, weight)
            for weight, ev, shifted in self._intact.values()
        ]
        rho = config.spin_prior
        for _ in range(200):
            ch = channel(rho)
            s = sum(share * _sigmoid(ev + ch) for ev, share in spun)
            k = sum(w if ev is None else w * (1.0 - _sigmoid(ev + ch)) for ev, w in intact)
            new = (s / coverage + a) / (s / coverage + k + b)
            new = min(max(new, 1e-6), _MAX_RATE)
            if abs(new - rho) < 1e-7:
                return new
            rho = new
        return rho


def _key(tokens: Sequence[Token], start: int, end: int) -> str:
    """Return tokens ``[start, end)`` as the meter counts a phrase: lower case, one space."""
    return " ".join(t.text.lower().replace("\u2019", "'") for t in tokens[start:end])


def _broken_articles(tokens: Sequence[Token]) -> list[int]:
    """Return the indices of articles that disagree with the common word after them."""
    found = []
    for i in range(len(tokens) - 1):
        art, word = tokens[i], tokens[i + 1]
        if art.text.lower() not in ("a", "an") or art.ws != " " or word.protected:
            continue
        w = word.text
        if len(w) < _ARTICLE_MIN_LETTERS or not w.isalpha() or w.isupper():
            continue
        expected = article_for(w)
        if expected is None or expected == art.text.lower():
            continue
        if mean_zipf(w) >= _ARTICLE_MIN_ZIPF:
            found.append(i)
    return found


def _broken_prepositions(tokens: Sequence[Token]) -> list[int]:
    """Return the indices of ``of`` or ``with`` followed at once by ``of``, ``with`` or ``to``.

    Only a plain space may separate the two, and the second must be a word of its own
    (``of to-do`` is not the signature).
    """
    found = []
    for i in range(len(tokens) - 1):
        first, second = tokens[i], tokens[i + 1]
        if first.ws != " " or first.protected or second.protected:
            continue
        if (first.text.lower(), second.text.lower()) not in _PREPOSITION_PAIRS:
            continue
        if not second.ws and i + 2 < len(tokens) and tokens[i + 2].text[:1] in _DASHES:
            continue
        found.append(i)
    return found


def _intact_spans(
    tokens: Sequence[Token], canonicals: PhraseTable, config: RestorerConfig
) -> list[tuple[int, int, float]]:
    """Return the spans of words the tables know as originals, with their weight.

    Longest match first. The weight is the best prior of the rows proposing the original: an
    intact word is a chance the spinner passed up only as far as the tables tie it to a swap,
    and a word they propose only weakly (``agency`` for ``company``, prior 0.2) says little.
    """
    spans = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.protected or not is_word(tok.text):
            i += 1
            continue
        matches = canonicals.lookup(tokens, i, config.max_span_tokens)
        if matches:
            length = matches[0].length  # ``said`` is both the ``said`` and the ``say`` row
            prior = max(m.row.prior for m in matches if m.length == length)
            spans.append((i, i + length, prior))
            i += length
        else:
            i += 1
    return spans
