"""Candidates: the lattice of spans that a table row proposes to restore.

For every token position the tables are asked for rows that match there (longest first, all of
them: the decoder chooses among overlapping spans). Each match becomes a :class:`Slot` with one or
more :class:`Candidate` originals, re-inflected where the row matched through a lemma. Keeping the
text as it is is always an option; it is not listed here because the decoder scores it as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from restorer.conditions import SegmentWords
from restorer.inflect import analyses, inflect_phrase
from restorer.table import Match, PhraseTable, Row
from restorer.tokenize import Token

__all__ = ["Candidate", "Slot", "build_lattice", "merge_slots", "span_text", "texts_for"]


class Candidate(NamedTuple):
    """A canonical phrase proposed for a span, in table casing (rendering fixes case later).

    ``rank`` is where the language model placed a proposal of its own among its likeliest
    tokens there (1: its first choice; :mod:`restorer.propose`), 0 for a table's candidates.
    """

    text: str
    row: Row
    lemma_match: bool
    rank: int = 0


class Slot(NamedTuple):
    """A span of tokens ``[start, end)`` and the originals proposed for it."""

    start: int
    end: int
    candidates: tuple[Candidate, ...]


def span_text(tokens: Sequence[Token], start: int, end: int) -> str:
    """Return the text of tokens ``[start, end)`` without the trailing whitespace."""
    parts = [t.text + t.ws for t in tokens[start : end - 1]]
    parts.append(tokens[end - 1].text)
    return "".join(parts)


def texts_for(match: Match) -> list[str]:
    """Return the canonical phrases of a match, each inflected like the input word.

    One form per canonical: among the input word's readings, those whose part of speech the
    canonical can also take come first (``mentions`` read as a verb for ``say``, giving
    ``says``, rather than as a noun). Then verbs, whose inflection goes on the phrase's first
    verb (``figured out`` -> ``worked out``), unless the inflected word is not the phrase's
    first: a word after the head is a noun's (``provide chains`` -> ``supply chains``, not
    ``supplies chain``; ``cut costs`` -> ``reduce costs``), inflected on the last word.
    """
    if not match.inflection:
        return list(match.row.canonicals)
    verb_first = match.inflected_at == 0
    out: list[str] = []
    for canonical in match.row.canonicals:
        pos = {a.upos for word in canonical.lower().split() for a in analyses(word)}
        readings = sorted(
            match.inflection,
            key=lambda r: (r.upos not in pos, (r.upos == "VERB") != verb_first),
        )
        for reading in readings:
            form = inflect_phrase(canonical, reading.upos, reading.tag)
            if form is not None:
                if form not in out:
                    out.append(form)
                break
    return out


def build_lattice(
    tokens: Sequence[Token],
    table: PhraseTable,
    max_length: int = 5,
    *,
    compose: bool = False,
    allow: Sequence[tuple[str, ...]] = (),
) -> list[Slot]:
    """Return the slots of a token sequence, ordered by start then by decreasing length.

    Args:
        tokens: the segment's tokens.
        table: the phrase table.
        max_length: longest span looked up, in tokens.
        compose: also propose phrases built from adjacent matches whose joined originals the
            table attests (``bosom`` + ``malignant growth`` -> ``breast cancer``; see
            :mod:`restorer.compose`).
        allow: phrases (normalised word tuples) never to touch: no slot overlaps them.

    A row with a condition (:mod:`restorer.conditions`) is proposed only where its condition
    holds in this segment.
    """
    # Most tokens start no row: find those that may (one memoised probe per token), then
    # look up only there. Positions without a match share one empty list, never mutated.
    n = len(tokens)
    none: list[Match] = []
    matches: list[list[Match]] = [none] * n
    held: list[list[Match]] = [none] * n
    found_at: list[int] = []
    doc: SegmentWords | None = None
    for i, found in table.scan(tokens, max_length):
        found_at.append(i)
        ok = found
        if any(m.row.condition is not None for m in found):
            if doc is None:
                doc = SegmentWords([t.text for t in tokens])
            ok = [
                m
                for m in found
                if m.row.condition is None or m.row.condition.holds(doc, i, i + m.length)
            ]
        matches[i] = found
        held[i] = ok
    held = _drop_contained(held, found_at)
    blocked = _allowed_tokens(tokens, allow) if allow else frozenset()
    slots: list[Slot] = []
    for i in found_at:
        found = held[i]
        by_span: dict[int, list[Candidate]] = {}
        for match in found:
            if blocked and not blocked.isdisjoint(range(i, i + match.length)):
                continue
            spun = span_text(tokens, i, i + match.length).lower()
            bucket = by_span.setdefault(match.length, [])
            for text in texts_for(match):
                if text.lower() == spun:
                    continue
                cand = Candidate(text, match.row, bool(match.inflection))
                same = next((k for k, c in enumerate(bucket) if c.text == text), None)
                if same is None:
                    bucket.append(cand)
                elif _stronger(cand, bucket[same]):
                    bucket[same] = cand  # two rows propose the same text: keep the stronger
        if compose:
            from restorer.compose import composed_candidates

            for length, cand in composed_candidates(tokens, i, matches, table, max_length):
                if blocked and not blocked.isdisjoint(range(i, i + length)):
                    continue
                bucket = by_span.setdefault(length, [])
                if not any(c.text.lower() == cand.text.lower() for c in bucket):
                    bucket.append(cand)
        slots.extend(
            Slot(i, i + length, tuple(_prefer_exact(cands)))
            for length, cands in sorted(by_span.items(), reverse=True)
            if cands
        )
    return slots


def merge_slots(
    tokens: Sequence[Token],
    slots: Sequence[Slot],
    more: Sequence[Slot],
    *,
    allow: Sequence[tuple[str, ...]] = (),
) -> list[Slot]:
    """Return ``slots`` with the candidates of ``more`` (another proposer's) added.

    A span both propose keeps the first's candidates and gains the others' new texts; spans
    over an allowed phrase are left out, as :func:`build_lattice` leaves them out. The result
    is ordered like :func:`build_lattice`'s: by start, then by decreasing length.
    """
    if not more:
        return list(slots)
    blocked = _allowed_tokens(tokens, allow) if allow else frozenset()
    by_span = {(s.start, s.end): s for s in slots}
    for slot in more:
        if blocked and not blocked.isdisjoint(range(slot.start, slot.end)):
            continue
        old = by_span.get((slot.start, slot.end))
        if old is None:
            by_span[slot.start, slot.end] = slot
            continue
        known = {c.text.lower() for c in old.candidates}
        new = tuple(c for c in slot.candidates if c.text.lower() not in known)
        if new:
            by_span[slot.start, slot.end] = old._replace(candidates=old.candidates + new)
    return sorted(by_span.values(), key=lambda s: (s.start, -(s.end - s.start)))


def _drop_contained(held: list[list[Match]], positions: Sequence[int]) -> list[list[Match]]:
    """Drop matches inside a longer match that agrees with them and is at least as confident.

    A row written for the longer phrase (``likelihood thickness work -> probability density
    function``) says the whole phrase is one spun unit; a shorter row inside it that proposes
    part of the same original (``likelihood thickness -> probability density``) would restore
    half of it and leave ``work``, and the fast scorer cannot see that (a shorter canonical
    often has the better frequency). So the longer row subsumes the shorter one, as in
    longest-match phrase replacement. A longer row that proposes something else for the
    shared words, or is less confident, hides nothing: the scorer chooses between them. Nor
    does one that another match crosses (``preventing at`` across the start of ``at the
    entrance traces``): there the shorter rows may combine with the crossing one.

    ``positions`` are the token positions where ``held`` has matches, in order.
    """
    longest = max((m.length for i in positions for m in held[i]), default=0)
    if longest < 2:
        return held
    ends_at: dict[int, list[int]] = {}  # start -> ends of the matches starting there
    for i in positions:
        ends_at[i] = [i + m.length for m in held[i]]

    def crossed(start: int, end: int) -> bool:
        for a in range(max(0, start - longest + 1), end):
            for b in ends_at.get(a, ()):
                if a < start < b < end or start < a < end < b:
                    return True
        return False

    # the longer matches that may subsume others, by start
    outer: dict[int, list[tuple[int, int, float, list[str]]]] = {}
    for i in positions:
        for m in held[i]:
            if m.length > 1 and not crossed(i, i + m.length):
                canonicals = [f" {c.lower()} " for c in m.row.canonicals]
                outer.setdefault(i, []).append((i, i + m.length, m.row.prior, canonicals))
    if not outer:
        return held
    out = list(held)
    for i in positions:
        # the longer matches that start close enough before i to contain a match here
        around = [
            o for start in range(max(0, i - longest + 1), i + 1) for o in outer.get(start, ())
        ]
        if not around:
            continue  # most positions: nothing can subsume their matches
        kept = []
        for m in held[i]:
            inner = [f" {c.lower()} " for c in m.row.canonicals]
            subsumed = any(
                i + m.length <= end
                and end - start > m.length
                and prior >= m.row.prior
                and any(c in o for c in inner for o in canonicals)
                for start, end, prior, canonicals in around
            )
            if not subsumed:
                kept.append(m)
        out[i] = kept
    return out


def _stronger(a: Candidate, b: Candidate) -> bool:
    """Whether candidate ``a`` is better evidence than ``b`` for the same text and span."""
    return (not a.lemma_match, a.row.prior) > (not b.lemma_match, b.row.prior)


def _prefer_exact(cands: list[Candidate]) -> list[Candidate]:
    """Drop lemma matches from a span that a row also matches exactly.

    A row written for this very form (``bouncing boxes -> bounding boxes``) is more specific
    than another row's generalisation through a lemma (``bouncing box -> ...``, re-inflected),
    as a longer match is more specific than a shorter one.
    """
    if any(c.lemma_match for c in cands) and not all(c.lemma_match for c in cands):
        return [c for c in cands if not c.lemma_match]
    return cands


def _allowed_tokens(tokens: Sequence[Token], allow: Sequence[tuple[str, ...]]) -> frozenset[int]:
    """Return the positions of tokens inside an occurrence of an allowed phrase."""
    words = SegmentWords([t.text for t in tokens])
    blocked: set[int] = set()
    for phrase in allow:
        for i in words.starts(phrase):
            blocked.update(range(i, i + len(phrase)))
    return frozenset(blocked)
