"""Decoding: choose jointly over the candidate lattice.

The best restoration of a segment is the set of non-overlapping spans (each with one candidate)
whose gains sum highest; every other token is kept. Keeping is worth zero and wins ties, so a
replacement needs a positive gain above ``min_margin``. A Viterbi pass over token positions
finds the optimum, so ``undercover agent company -> spy agency`` competes fairly with the
separate ``undercover agent -> spy`` and ``company -> agency`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from restorer.candidates import Candidate, Slot
from restorer.score import Score

__all__ = ["Choice", "decode"]


class Choice(NamedTuple):
    """A slot, the candidate chosen for it, its score and its gain (score plus channel)."""

    slot: Slot
    candidate: Candidate
    score: Score
    gain: float


def decode(
    n_tokens: int,
    slots: Sequence[Slot],
    scores: Sequence[Sequence[Score]],
    channel: float | Sequence[float],
    min_margin: float = 0.0,
) -> list[Choice]:
    """Return the best non-overlapping choices, in text order.

    Args:
        n_tokens: number of tokens in the segment.
        slots: the lattice, from :func:`~restorer.candidates.build_lattice`.
        scores: one score per candidate per slot, from a scorer.
        channel: the channel term for the segment's spin rate, or one per slot (text inside
            quotation marks may have its own spin rate).
        min_margin: a choice must gain more than this over keeping the text.
    """
    by_start: dict[int, list[Choice]] = {}
    channels = [channel] * len(slots) if isinstance(channel, float | int) else list(channel)
    for slot, slot_scores, ch in zip(slots, scores, channels, strict=True):
        # Most slots (all of them in clean text) gain nothing: rank only those that may.
        if not slot_scores or max(sc.base for sc in slot_scores) + ch <= min_margin:
            continue
        ranked = sorted(
            (
                Choice(slot, cand, sc, sc.base + ch)
                for cand, sc in zip(slot.candidates, slot_scores, strict=True)
            ),
            key=lambda c: (-c.gain, c.candidate.text),
        )
        by_start.setdefault(slot.start, []).append(ranked[0])
    if not by_start:
        return []
    best = [0.0] + [float("-inf")] * n_tokens
    back: list[Choice | None] = [None] * (n_tokens + 1)
    for i in range(n_tokens):
        if best[i] > best[i + 1] or (best[i] == best[i + 1] and back[i + 1] is not None):
            best[i + 1] = best[i]
            back[i + 1] = None
        for choice in by_start.get(i, ()):
            end = choice.slot.end
            total = best[i] + choice.gain
            if total > best[end]:
                best[end] = total
                back[end] = choice
    chosen: list[Choice] = []
    pos = n_tokens
    while pos > 0:
        step = back[pos]
        if step is None:
            pos -= 1
        else:
            chosen.append(step)
            pos = step.slot.start
    chosen.reverse()
    return chosen
