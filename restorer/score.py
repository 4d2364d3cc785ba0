"""Scoring: the noisy-channel model of DESIGN.md §4, and the document spin rate.

For a span the spinner wrote as ``s`` and a candidate original ``o``, the restorer compares
"``o`` was spun into ``s``" with "``s`` was written as it is"::

    gain(o) = [log P_LM(o) - log P_LM(s)] + log q(s|o) - lemma_penalty + log(rho / (1 - rho))
              \\___ frequency / context ___/   \\_ prior _/                 \\___ channel ___/

``rho`` is the document's spin rate. A scorer computes everything but the channel term, which
depends on ``rho``; :func:`estimate_spin_rate` then finds ``rho`` from the evidence itself, so a
clean document (little evidence) keeps ``rho`` near its prior and nothing ordinary is touched,
while a page full of ``Related Press``-grade evidence gets a high ``rho`` and weaker swaps through.

Scorers implement :class:`Scorer`. The ``fast`` tier (:class:`FrequencyScorer`) stands in for the
language model with wordfreq's unigram frequencies; an ``lm`` tier plugs in by filling the
``context`` component instead.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

from restorer.candidates import Slot, span_text
from restorer.config import RestorerConfig
from restorer.tokenize import Token, is_word

if TYPE_CHECKING:
    from restorer.propose import Reading

__all__ = [
    "SIGNATURE_LOG_ODDS",
    "FrequencyScorer",
    "Score",
    "Scorer",
    "channel",
    "estimate_spin_rate",
    "prior_log_odds",
    "without_strongest",
]

_LN10 = math.log(10.0)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# wordfreq's Zipf scale: 0 for unknown words; we floor at 1.0 (about once per 10^8 words) so an
# unknown word is rare, not impossible (wordfreq's own ``minimum`` idea).
_ZIPF_FLOOR = 1.0


class Score(NamedTuple):
    """A candidate's score components, in nats. ``base`` excludes the channel term.

    ``evidence_bias`` is not part of the score: it is a scorer's correction to how much of the
    score counts as evidence that the text was spun (see :attr:`evidence`).
    """

    frequency: float
    prior: float
    lemma: float
    context: float = 0.0
    evidence_bias: float = 0.0

    @property
    def base(self) -> float:
        """Sum of the components that do not depend on the spin rate."""
        return self.frequency + self.prior + self.lemma + self.context

    @property
    def evidence(self) -> float:
        """The part of the score that is evidence the text was spun at all.

        A candidate that is merely more frequent than the word in the text (``more`` for
        ``extra``) says nothing about spinning: clean prose is full of rarer synonyms. So a
        positive frequency difference helps choose and decide, but does not raise the spin rate;
        the table's prior and a context model's judgement do. A context model discounts its
        own small preferences through ``evidence_bias`` for the same reason.
        """
        return (
            min(self.frequency, 0.0) + self.prior + self.lemma + self.context + self.evidence_bias
        )


#: Restoration passes of a segment in the ``fast`` tier: a second pass is needed only where a
#: replacement completes a new spun phrase with its neighbours, a third almost never.
_MAX_PASSES = 3


class Scorer(Protocol):
    """What a scorer tier provides: base scores for every candidate of every slot.

    ``follow_up_reach`` is None when a later restoration pass of a segment may read it whole
    (scoring is cheap); a scorer whose every slot costs model time gives a number of tokens,
    and a later pass scores only the slots that near the last pass's replacements.
    """

    name: str

    @property
    def follow_up_reach(self) -> int | None:
        """Tokens around a replacement that a later pass scores; None for the whole segment."""
        ...

    @property
    def max_passes(self) -> int:
        """Most restoration passes of a segment (the first included)."""
        ...

    @property
    def lookahead(self) -> int | None:
        """Most tokens after a span that reading and scoring it look at; None for any number.

        A later pass (``follow_up_reach``) then reads the segment only that far past its
        phrases: the rest of it was judged already and cannot change their scores.
        """
        ...

    def read(self, tokens: Sequence[Token], slots: Sequence[Slot]) -> Reading | None:
        """Read a segment before it is scored (a model's own proposals); None if it cannot."""
        ...

    def score(
        self, tokens: Sequence[Token], slots: Sequence[Slot], reading: Reading | None = None
    ) -> list[list[Score]]:
        """Return one list of scores per slot, one score per candidate, in order.

        ``reading`` is what :meth:`read` returned for the same tokens, if it was called.
        """
        ...


def prior_log_odds(prior: float) -> float:
    """Return the log odds of a row prior, bounded so no row is ever certain.

    >>> round(prior_log_odds(0.5), 3)
    0.0
    """
    p = min(max(prior, 0.005), 0.995)
    return math.log(p / (1.0 - p))


def channel(rho: float) -> float:
    """Return the channel term ``log(rho / (1 - rho))`` for a spin rate."""
    return math.log(rho / (1.0 - rho))


@functools.lru_cache(maxsize=131_072)
def _zipf(word: str) -> float:
    import wordfreq

    return max(float(wordfreq.zipf_frequency(word, "en")), _ZIPF_FLOOR)


@functools.lru_cache(maxsize=131_072)
def mean_zipf(text: str) -> float:
    """Return the mean Zipf frequency of the words of ``text`` (the floor if it has none).

    Memoised: the spans and candidates scored are mostly the same few thousand phrases.
    """
    words = _WORD.findall(text.lower())
    if not words:
        return _ZIPF_FLOOR
    return sum(_zipf(w) for w in words) / len(words)


class FrequencyScorer:
    """The ``fast`` tier: word frequencies and table priors, no neural model.

    The frequency feature compares the *mean* log frequency of the words on each side, so a
    canonical with fewer words is not preferred for its length alone (a unigram model's sum
    would always favour ``was`` over ``was once``).
    """

    name = "fast"

    @property
    def follow_up_reach(self) -> int | None:
        """None: a later pass reads the whole segment again (scoring is cheap)."""
        return None

    @property
    def max_passes(self) -> int:
        """3: a second pass finds the phrases a replacement completes, a third almost never."""
        return _MAX_PASSES

    @property
    def lookahead(self) -> int | None:
        """None: a later pass reads the whole segment (see ``follow_up_reach``)."""
        return None

    def __init__(self, config: RestorerConfig) -> None:
        self.config = config

    def read(self, tokens: Sequence[Token], slots: Sequence[Slot]) -> None:
        """None: word frequencies read nothing ahead of scoring."""
        return None

    def score(
        self, tokens: Sequence[Token], slots: Sequence[Slot], reading: Reading | None = None
    ) -> list[list[Score]]:
        """Score every candidate of every slot."""
        cfg = self.config
        out: list[list[Score]] = []
        for slot in slots:
            spun = mean_zipf(span_text(tokens, slot.start, slot.end))
            scores = []
            for cand in slot.candidates:
                freq = (mean_zipf(cand.text) - spun) * _LN10
                freq = max(-cfg.freq_clip, min(cfg.freq_clip, freq)) * cfg.freq_weight
                scores.append(
                    Score(
                        frequency=freq,
                        prior=prior_log_odds(cand.row.prior),
                        lemma=-cfg.lemma_penalty if cand.lemma_match else 0.0,
                    )
                )
            out.append(scores)
        return out


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def estimate_spin_rate(
    n_words: int,
    evidence: Sequence[tuple[int, int, float]],
    config: RestorerConfig,
) -> float:
    """Estimate a document's spin rate from its strongest candidate per span.

    ``evidence`` holds ``(start, end, best_base_score)`` for each slot. Each token's chance of
    being spun is the posterior of the best slot covering it at the current ``rho``; the new
    ``rho`` is the expected share of spun words, scaled up by the tables' expected coverage and
    shrunk toward the prior by ``spin_prior_weight`` tokens of pseudo-evidence. Iterating from
    the prior climbs to the smallest self-consistent rate: the conservative answer.
    """
    if config.spin_rate is not None:
        return config.spin_rate
    a = config.spin_prior * config.spin_prior_weight
    b = config.spin_prior_weight
    rho = config.spin_prior
    if not evidence:
        return (a / b) if n_words == 0 else a / (n_words + b)
    # A token's chance of being spun is that of its best slot, and the sigmoid is monotone:
    # so each token needs only its best base score, found once rather than every iteration.
    best: dict[int, float] = {}
    for start, end, base in evidence:
        for t in range(start, end):
            if t not in best or base > best[t]:
                best[t] = base
    bases = list(best.values())
    for _ in range(50):
        ch = channel(rho)
        expected = sum([_sigmoid(base + ch) for base in bases]) / config.coverage
        new = min(config.max_spin_rate, (expected + a) / (n_words + b))
        new = max(new, 1e-4)
        if abs(new - rho) < 1e-5:
            return new
        rho = new
    return rho


#: The prior log odds from which a table row is a signature (``restorer/data/curated_en.tsv``:
#: priors of 0.95 and up are for phrases never seen in clean text, ``Related Press``).
SIGNATURE_LOG_ODDS = math.log(0.95 / 0.05)


def without_strongest(
    evidence: Sequence[tuple[int, int, float]],
    phrases: Sequence[str],
    alone: Sequence[bool] = (),
) -> list[tuple[int, int, float]]:
    """Return ``evidence`` less every occurrence of its strongest phrase.

    No single ordinary phrase may make a document spun: a clean paragraph that happens to hold
    one phrase a spinner would also write (``In the meantime``, ``Ahead of``) must keep the
    low spin rate of clean text however short it is, and a spun document shows many. So the
    spin rate is estimated without the phrase (all its occurrences: ``phrases`` gives each
    evidence entry's text, compared in lower case) that carries the strongest evidence,
    unless that evidence may stand ``alone``: a signature row (``The Related Press`` is spun
    wherever it occurs) or the user's deny list.

    >>> ev = [(0, 1, 2.0), (3, 5, 4.0), (7, 9, 4.0)]
    >>> without_strongest(ev, ["a", "b c", "B c"])
    [(0, 1, 2.0)]
    >>> without_strongest(ev, ["a", "b c", "B c"], [False, True, True]) == ev
    True
    """
    if not evidence:
        return []
    strongest = max(range(len(evidence)), key=lambda i: (evidence[i][2], -i))
    if alone and alone[strongest]:
        return list(evidence)
    key = phrases[strongest].lower()
    return [e for e, p in zip(evidence, phrases, strict=True) if p.lower() != key]


_OPEN_QUOTES = frozenset("“„‟«")
_CLOSE_QUOTES = frozenset("”»")
_QUOTES = frozenset('"') | _OPEN_QUOTES | _CLOSE_QUOTES


def quote_mask(tokens: Sequence[Token]) -> list[bool]:
    """Return, for each token, whether it lies inside double quotation marks.

    Straight quotes toggle; curly ones open and close. A quotation still open at a line break
    ends there (news paragraphs open each paragraph of a long quote again). Single quotes are
    not used: they are mostly apostrophes.
    """
    if _QUOTES.isdisjoint("".join([t.text for t in tokens])):
        return [False] * len(tokens)  # most segments quote no one
    inside = False
    out: list[bool] = []
    for tok in tokens:
        text = tok.text
        if '"' in text or any(c in _OPEN_QUOTES or c in _CLOSE_QUOTES for c in text):
            out.append(False)
            for c in text:
                if c == '"':
                    inside = not inside
                elif c in _OPEN_QUOTES:
                    inside = True
                elif c in _CLOSE_QUOTES:
                    inside = False
        else:
            out.append(inside)
        if "\n" in tok.ws or "\n" in text:
            inside = False
    return out


def quote_channels(
    tokens: Sequence[Token],
    slots: Sequence[Slot],
    evidence: Sequence[tuple[int, int, float]],
    rho: float,
    config: RestorerConfig,
) -> float | list[float]:
    """Return the channel term for every slot, with quotations judged on their own evidence.

    Some spinners leave quotations alone, others rewrite them (and the two can be told apart
    only by the document itself). With ``config.quotes == "auto"`` the spin rate inside the
    quotes is estimated from the evidence inside them, and the rest of the text from the
    evidence outside: a document whose quotes read as written keeps them, one whose quotes are
    as spun as the rest has them restored. Both sides shrink toward the document's own rate,
    not the clean prior: a few words of attribution around a long spun quote (``he stated``)
    say too little to be judged clean on their own. Neither side is judged bolder than the
    whole document: the split exists to keep quotations a spinner left alone, and a few
    words' own estimate can run to the cap on one or two phrases (``stated that`` quoted in
    clean news). ``"keep"`` never edits quotes; ``"restore"`` (or a text without quotes)
    returns the document's one channel term.
    """
    if config.quotes == "restore":
        return channel(rho)
    mask = quote_mask(tokens)
    slot_inside = [mask[s.start] for s in slots]
    if not any(slot_inside):
        return channel(rho)
    if config.quotes == "keep":
        outside = channel(rho)
        return [float("-inf") if q else outside for q in slot_inside]
    words = [is_word(t.text) for t in tokens]
    n_in = sum(1 for w, q in zip(words, mask, strict=True) if w and q)
    n_out = sum(words) - n_in
    ev_in = [e for e in evidence if mask[e[0]]]
    ev_out = [e for e in evidence if not mask[e[0]]]
    around = config.with_options(spin_prior=rho)
    whole = channel(rho)
    ch_in = min(whole, channel(estimate_spin_rate(n_in, ev_in, around)))
    ch_out = min(whole, channel(estimate_spin_rate(n_out, ev_out, around)))
    return [ch_in if q else ch_out for q in slot_inside]
