"""Candidates: the lattice of spans that a table row proposes to restore.

For every token position the tables are asked for rows that match there (longest first, all of
them: the decoder chooses among overlapping spans). Each match becomes a :class:`Slot` with one or
more :class:`Candidate` originals, re-inflected where the row matched through a lemma. Keeping the
text as it is is always an option; it is not listed here because the decoder scores it as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from restorer.inflect import analyses, inflect_phrase
from restorer.table import Match, PhraseTable, Row
from restorer.tokenize import Token

__all__ = ["Candidate", "Slot", "build_lattice", "span_text"]


class Candidate(NamedTuple):
    """A canonical phrase proposed for a span, in table casing (rendering fixes case later)."""

    text: str
    row: Row
    lemma_match: bool


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


def _texts_for(match: Match) -> list[str]:
    """Return the canonical phrases of a match, each inflected like the input word.

    One form per canonical: among the input word's readings, those whose part of speech the
    canonical can also take come first (``mentions`` read as a verb for ``say``, giving
    ``says``, rather than as a noun).
    """
    if not match.inflection:
        return list(match.row.canonicals)
    out: list[str] = []
    for canonical in match.row.canonicals:
        pos = {a.upos for word in canonical.lower().split() for a in analyses(word)}
        readings = sorted(match.inflection, key=lambda r: (r.upos not in pos, r.upos != "VERB"))
        for reading in readings:
            form = inflect_phrase(canonical, reading.upos, reading.tag)
            if form is not None:
                if form not in out:
                    out.append(form)
                break
    return out


def build_lattice(tokens: Sequence[Token], table: PhraseTable, max_length: int = 5) -> list[Slot]:
    """Return the slots of a token sequence, ordered by start then by decreasing length."""
    slots: list[Slot] = []
    for i, tok in enumerate(tokens):
        if tok.protected or not any(c.isalnum() for c in tok.text):
            continue
        by_span: dict[int, list[Candidate]] = {}
        for match in table.lookup(tokens, i, max_length):
            spun = span_text(tokens, i, i + match.length).lower()
            bucket = by_span.setdefault(match.length, [])
            for text in _texts_for(match):
                if text.lower() == spun or any(c.text == text for c in bucket):
                    continue
                bucket.append(Candidate(text, match.row, bool(match.inflection)))
        slots.extend(
            Slot(i, i + length, tuple(cands))
            for length, cands in sorted(by_span.items(), reverse=True)
            if cands
        )
    return slots
