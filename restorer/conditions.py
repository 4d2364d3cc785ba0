"""Row conditions: other phrases a row's match requires or forbids in the same document.

Fingerprint lists such as the Problematic Paper Screener's do not list only phrases: many of
their entries are queries (``"surface region" AND "surface area"``, ``"magnetic cell separation"
NOT "with MACS"``, ``"gatherings clustering"~10``). Dropping the condition would turn a precise
fingerprint into a phrase that fires on ordinary prose, so a table row can carry one. The row
still matches a contiguous span (that is what gets replaced); the condition is checked against
the rest of the segment the span sits in.

Syntax (the fifth column of a ``restorer-phrases 2`` table)::

    condition := term (" AND " term)*
    term      := ["NOT "] atom ["~" N]
    atom      := '"' phrase '"'  |  "(" '"' phrase '"' (" OR " '"' phrase '"')* ")"

- A plain atom holds when one of its phrases occurs anywhere in the segment (the document, for
  anything shorter than ``max_segment_chars``).
- ``~N`` narrows that to an occurrence within ``N`` words of the matched span (at most ``N``
  words in between; punctuation does not count).
- ``NOT`` negates the term. All terms must hold.
- Phrases match whole words, case-insensitively, with curly and straight quotes alike; a word
  ending in ``*`` matches any word it starts (``optimiz*``).

>>> c = parse_condition('"surface area" AND NOT "with MACS"~5')
>>> c.render()
'"surface area" AND NOT "with macs"~5'
>>> doc = SegmentWords.from_texts("the surface region and the surface area".split())
>>> c.holds(doc, 0, 2)
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from restorer.tokenize import is_word

__all__ = [
    "Condition",
    "ConditionError",
    "SegmentWords",
    "Term",
    "normalise_word",
    "parse_condition",
    "phrase_words",
]

_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "`": "'", "“": '"', "”": '"'})
_LEXER = re.compile(
    r'\s*(?:(?P<q>"[^"]*")|(?P<tilde>~\d+)|(?P<lp>\()|(?P<rp>\))|(?P<w>[^\s"()~]+))'
)


class ConditionError(ValueError):
    """A condition that does not follow the syntax; the message says where and why."""


def normalise_word(word: str) -> str:
    """Return the form words are compared in: lower case, straight quotes."""
    return word.lower().translate(_QUOTES)


def phrase_words(phrase: str) -> tuple[str, ...]:
    """Return a phrase as normalised words, split exactly as running text is tokenized.

    A word ending in ``*`` (a prefix wildcard) is kept whole.

    >>> phrase_words("Isn’t pre-trained optimiz*")
    ('is', "n't", 'pre', '-', 'trained', 'optimiz*')
    """
    from restorer.tokenize import tokenize

    words: list[str] = []
    for chunk in phrase.split():
        if len(chunk) > 1 and chunk.endswith("*") and chunk[:-1].isalnum():
            words.append(normalise_word(chunk))
        else:
            words.extend(normalise_word(t.text) for t in tokenize(chunk) if t.text.strip())
    return tuple(words)


def _join(words: tuple[str, ...]) -> str:
    """Join words for display, without spaces around hyphens or before clitics (``n't``)."""
    out = ""
    for k, w in enumerate(words):
        glue = k > 0 and w != "-" and words[k - 1] != "-" and not w.startswith("'")
        out += (" " if glue else "") + w
    return out


@dataclass(frozen=True, slots=True)
class Term:
    """One clause: any of ``phrases`` (word tuples) occurs, optionally near, optionally negated."""

    phrases: tuple[tuple[str, ...], ...]
    negated: bool = False
    window: int | None = None

    def render(self) -> str:
        """Return the clause in the condition syntax."""
        quoted = [f'"{_join(p)}"' for p in self.phrases]
        atom = quoted[0] if len(quoted) == 1 else f"({' OR '.join(quoted)})"
        near = f"~{self.window}" if self.window is not None else ""
        return f"{'NOT ' if self.negated else ''}{atom}{near}"


@dataclass(frozen=True, slots=True)
class Condition:
    """All of ``terms`` must hold for a row to match."""

    terms: tuple[Term, ...] = field(default_factory=tuple)

    def render(self) -> str:
        """Return the condition in its table syntax."""
        return " AND ".join(t.render() for t in self.terms)

    def phrases(self) -> list[tuple[str, ...]]:
        """Return every phrase the condition mentions."""
        return [p for t in self.terms for p in t.phrases]

    def holds(self, doc: SegmentWords, start: int, end: int) -> bool:
        """Return whether the condition holds for a match over tokens ``[start, end)``."""
        for term in self.terms:
            found = any(doc.occurs(p, start, end, term.window) for p in term.phrases)
            if found == term.negated:
                return False
        return True


class SegmentWords:
    """The words of one segment, indexed so conditions can be checked quickly.

    Token positions are the tokenizer's; word positions (used for ``~N`` distances) skip
    punctuation and whitespace tokens. Occurrences of each phrase are found once and cached.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.words = [normalise_word(t) for t in texts]
        self.word_index: list[int] = []
        n = 0
        for w in self.words:
            self.word_index.append(n)
            if is_word(w):
                n += 1
        self._by_first: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self._by_first.setdefault(w, []).append(i)
        self._cache: dict[tuple[str, ...], list[int]] = {}

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> SegmentWords:
        """Build from token texts (the doctest helper; the pipeline passes token texts too)."""
        return cls(texts)

    def starts(self, phrase: tuple[str, ...]) -> list[int]:
        """Return the token positions where ``phrase`` (normalised words) begins."""
        cached = self._cache.get(phrase)
        if cached is not None:
            return cached
        first = phrase[0]
        if first.endswith("*"):
            stem = first[:-1]
            candidates = [i for i, w in enumerate(self.words) if w.startswith(stem) and stem]
        else:
            candidates = self._by_first.get(first, [])
        out = [i for i in candidates if self._match_at(phrase, i)]
        self._cache[phrase] = out
        return out

    def _match_at(self, phrase: tuple[str, ...], i: int) -> bool:
        if i + len(phrase) > len(self.words):
            return False
        for k, want in enumerate(phrase):
            got = self.words[i + k]
            if want.endswith("*") and len(want) > 1:
                if not got.startswith(want[:-1]):
                    return False
            elif got != want:
                return False
        return True

    def occurs(self, phrase: tuple[str, ...], start: int, end: int, window: int | None) -> bool:
        """Return whether ``phrase`` occurs outside ``[start, end)`` (within ``window`` words)."""
        n = len(phrase)
        for i in self.starts(phrase):
            if i < end and i + n > start:
                continue  # the match itself is not evidence for its own condition
            if window is None:
                return True
            if i >= end:
                gap = self.word_index[i] - self.word_index[end - 1]
            else:
                gap = self.word_index[start] - self.word_index[i + n - 1]
            if gap - 1 <= window:  # at most ``window`` words in between, as in ~N searches
                return True
        return False


def parse_condition(text: str) -> Condition:
    """Parse the condition syntax (module docstring).

    Raises:
        ConditionError: naming the problem, for anything that does not follow the syntax.
    """
    pos = 0
    items: list[tuple[str, str]] = []
    text = text.strip()
    while pos < len(text):
        m = _LEXER.match(text, pos)
        if m is None or m.end() == pos:
            raise ConditionError(f"cannot read the condition at {text[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        items.append((kind, m.group(kind)))
    terms: list[Term] = []
    i = 0

    def need(ok: bool, why: str) -> None:
        if not ok:
            raise ConditionError(f"condition {text!r}: {why}")

    while i < len(items):
        negated = False
        if items[i] == ("w", "NOT"):
            negated = True
            i += 1
        need(i < len(items), "NOT must be followed by a quoted phrase")
        kind, value = items[i]
        phrases: list[tuple[str, ...]] = []
        if kind == "q":
            phrases.append(phrase_words(value[1:-1]))
            i += 1
        elif kind == "lp":
            i += 1
            while True:
                need(i < len(items) and items[i][0] == "q", "expected a quoted phrase in ( )")
                phrases.append(phrase_words(items[i][1][1:-1]))
                i += 1
                need(i < len(items), "unclosed (")
                if items[i][0] == "rp":
                    i += 1
                    break
                need(items[i] == ("w", "OR"), "phrases inside ( ) are joined with OR")
                i += 1
        else:
            raise ConditionError(f"condition {text!r}: expected a quoted phrase, found {value!r}")
        need(all(phrases), "a phrase is empty")
        window = None
        if i < len(items) and items[i][0] == "tilde":
            window = int(items[i][1][1:])
            i += 1
        terms.append(Term(tuple(phrases), negated, window))
        if i < len(items):
            need(items[i] == ("w", "AND"), f"terms are joined with AND, found {items[i][1]!r}")
            i += 1
            need(i < len(items), "AND at the end")
    need(bool(terms), "empty condition")
    return Condition(tuple(terms))
