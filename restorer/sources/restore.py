"""Restore a spun text from its source: align the two and put back the source's wording.

Once the article a spun copy came from is at hand (:mod:`restorer.sources.index` finds it),
restoration no longer has to guess: the spun text and its source are aligned token by token
(:func:`restorer.learn.align_swaps`, the alignment ``restorer table learn`` uses) and each
stretch where they differ is either put back to the source's wording, as an explained
:class:`~restorer.edits.Edit`, or left as it is and reported as a :class:`Difference`.

Not every difference is spinning. A copy may add a dateline (``NEW YORK (AP) —``) or a
sentence, the story may have been updated (a new figure, another name) or edited for house
style (``U.S.`` for ``US``). Putting those back would undo what a user most wants to keep, so a
stretch is restored only when it looks like a spinner's swap. The rules, each for a reason (the
figures are from ``benchmarks/sources_restore.py`` on the dev pairs):

- **Punctuation, spacing, case and quote glyphs** are left. Tokens are compared in lower case
  with curly and straight quotes alike, so quote glyphs and a no-break space are no difference
  at all; a stretch whose letters and digits are the same on both sides (``U.S.``/``US``,
  ``18th-century``/``18th century``) is left as ``punctuation``, and words that differ in case
  only are reported as ``case``. Spinners swap words, not punctuation or capitals. Two kinds
  of punctuation are a spinner's own debris and are put back: spintax left in the output (a
  brace or a bar the source lacks, ``with out {``) and apostrophes an ASCII pass stripped
  (``NASAs``, ``stations`` for ``station's``); on the dev pairs they were 11 of the 146 tokens
  restoring from the right source left.
- **Numbers** that differ are left (``number``): a changed figure is an update, and restoring
  it would put an outdated number back. Spinners write the same number another way (``5`` for
  ``five``, ``2nd`` for ``second``, ``2`` for ``II``), so a stretch whose numbers have the same
  values on both sides is restored, and so is one the synonym graph links directly (``12
  months`` for ``year``); ``three and a half`` is ``3.5``. ``one``, ``first`` and ``second``
  count as numbers only where the other side has that number: they are also words (``one
  other`` for ``another``).
- **One-sided stretches** of more than ``max_one_sided`` words (default 2) are left (``added``
  when only the spun text has them, ``dropped`` when only the source does): a dateline, a
  sentence, a cut. Spinners add or drop a word or two (``whether or not`` for ``whether``);
  those are restored together with a neighbouring word, so the edit replaces whole words. On
  the dev pairs every one-sided stretch of three words or more is a copy's own difference,
  save passages a spinner moved (below).
- **Moved words** are put back in the source's order: two stretches left as they are trade
  places when each one's source side holds the other's spun content words (each the same
  word, the same number or one the graph links directly; function words aside). Mostly a
  stretch only the source has and one only the copy has, one passage in two places (``on
  12,712 individuals`` at a sentence's end for ``12,712 people from`` at its start); or two
  words swapped (``the 21st of July, Tuesday``). No word of the copy's is lost. On the dev
  pairs: five such pairs, all a spinner's moves; putting them back takes the tokens left
  from 191 to 141 (held out).
- **Long rewrites** are left (``long rewrite``): a stretch of more than ``max_tokens`` words
  (default 6) on either side whose two sides differ in length is an editor's rewrite, not a
  thesaurus swap. Spinners swap word for word (an equal-length stretch is restored whatever its
  length) or a word for a short phrase (``as a result of`` for ``because``). A longer stretch
  that falls into pieces of up to :data:`MAX_PIECE` words a side, each the same word or two
  phrases the graph links within two hops, is a chain of such swaps that the alignment joined
  (``ought to deal with`` for ``should handle``) and is restored. Error reduction on the dev
  pairs, held out (each story's pairs with a graph of tables that never saw it;
  ``benchmarks/sources_restore.py``), rises with the limit (0.917 at 4, 0.933 at 5, 0.942 at 6,
  0.949 at 7, nothing longer); 6 keeps the limit below the longest swap seen rather than at it.
- **Proper names** are left where only one side has them (``name``; ``added`` or ``dropped`` in
  a one-sided stretch, whatever its length): a capitalised word inside a sentence that the
  synonym graph does not know (``Nvidia``, ``Thursday``, ``AP``) is nothing a spinner's
  thesaurus could write or replace, so ``(AP)`` or ``of NASA`` is the copy's, not the spinner's.
- **Names that differ** are left (``name``) unless the graph links them word by word, within
  two hops: spinners do corrupt names (``White House`` -> ``White Space``, ``Truth Social`` ->
  ``Reality Social``), but through a thesaurus, and not always ours (``Road`` for ``Street`` is
  two hops in the shipped one), so ``Home Finances`` for ``House Budget`` (each pair linked) is
  restored and ``House`` for ``Senate`` (both words, not linked) is left: another body, or
  another person, more likely than a swap. Held out on the dev pairs, two hops instead of one
  restore 30 more tokens (0.930 to 0.942), every one a spinner's rename; the name rules still
  cost 2 points of error reduction (0.963 without them); what they keep is mostly a
  paraphrasing copy's own wording, a dateline's agency and renames no thesaurus links
  (``Facilities`` for ``Centers``).

Where the alignment joins a difference to swaps beside it, the stretch is judged in parts: a
sentence one side lacks is split off where a sentence starts, and a word-for-word stretch with
a changed figure is judged word by word, so ``mentioned 12 staff`` for ``said 10 employees``
gives ``said 12 employees``.

The alignment is rapidfuzz's Levenshtein opcodes over the token lists (``align_swaps(...,
fast=True)``): C-fast, and in linear memory on long documents; restoring two 9,000-token
documents takes about 0.2 s, most of it tokenizing.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from restorer.conditions import normalise_word
from restorer.edits import Edit, Source, apply_edits
from restorer.learn import Swap, align_swaps, whole_words, words_of
from restorer.sources.fingerprint import FUNCTION_WORDS
from restorer.tokenize import Token, count_words, is_word

if TYPE_CHECKING:
    from restorer.core import SegmentResult
    from restorer.graph import SynonymGraph

__all__ = [
    "MAX_ONE_SIDED",
    "MAX_TOKENS",
    "Difference",
    "SourceRestoration",
    "restore_from_source",
]

#: Longest stretch (words on either side) restored when its two sides differ in length.
#: Measured on the dev pairs (``benchmarks/sources_restore.py``); see the module docstring.
MAX_TOKENS = 6
#: Longest stretch (words) with nothing on the other side that is restored.
MAX_ONE_SIDED = 2
#: Most words on either side of one swap in a chain of swaps (``in a single day`` ~
#: ``overnight``), and most words on either side of a stretch tried as a chain.
MAX_PIECE = 4
MAX_CHAIN = 24

# fmt: off
_CARDINALS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_ORDINALS = (
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
    "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
    "sixteenth", "seventeenth", "eighteenth", "nineteenth",
)
# fmt: on
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
#: Number words by value: ``five``, ``fifth`` -> ``5``; ``twentieth`` -> ``20``.
_NUMBER_WORDS = (
    {word: str(n) for words in (_CARDINALS, _ORDINALS) for n, word in enumerate(words)}
    | {word: str(20 + 10 * n) for n, word in enumerate(_TENS)}
    | {word[:-1] + "ieth": str(20 + 10 * n) for n, word in enumerate(_TENS)}
    | {"twice": "2", "thrice": "3", "duo": "2", "trio": "3"}
)
_ORDINAL_WORDS = frozenset(_ORDINALS) | {w[:-1] + "ieth" for w in _TENS}
#: Number words with another common sense (``one other``, ``a second``): numbers only where
#: the other side has the same number for certain.
_AMBIGUOUS = {word: _NUMBER_WORDS.pop(word) for word in ("one", "first", "second")}
#: Scale words count as numbers of their own: ``million`` -> ``billion`` is an update.
_SCALES = frozenset({"hundred", "thousand", "million", "billion", "trillion"})
_ROMAN = {"II": "2", "III": "3", "IV": "4", "VI": "6", "VII": "7", "VIII": "8", "IX": "9"}
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_ALNUM = re.compile(r"[^\W_]+")
#: Characters of spintax (``{big|large}``) a spinner may leave in its output.
_SPINTAX = "{}|"
_APOSTROPHE_IN_WORD = re.compile(r"[^\W\d_]['’][^\W\d_]")
_SENTENCE_END = frozenset(".!?:\"'“”‘’\n")


@dataclass(frozen=True, slots=True)
class Difference:
    """A stretch where the spun text and its source differ that was left as it is.

    Attributes:
        start: offset of the stretch in the spun text (where the source's words would go, for
            a stretch only the source has).
        end: offset just past the stretch in the spun text.
        spun: the spun text of the stretch (empty when only the source has it).
        source_start: offset of the stretch in the source.
        source_end: offset just past it in the source.
        source: the source's text of the stretch (empty when only the spun text has it).
        reason: why it was left: ``punctuation``, ``case``, ``number``, ``added``,
            ``dropped``, ``long rewrite`` or ``name`` (see the module docstring).
    """

    start: int
    end: int
    spun: str
    source_start: int
    source_end: int
    source: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Return the difference as a JSON-ready dict."""
        return {
            "start": self.start,
            "end": self.end,
            "spun": self.spun,
            "source_start": self.source_start,
            "source_end": self.source_end,
            "source": self.source,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class SourceRestoration:
    """A spun text restored from its source.

    Attributes:
        text: the restored text; ``apply_edits(spun, edits)`` gives it back.
        edits: what was put back, in order, each naming the source and where its wording lies
            there (``Source.kind`` is ``source ID [start:end]``).
        differences: what was left as it is, and why.
        coverage: the share of the spun text's tokens the alignment matched to the source
            unchanged (1.0 for an empty text): low coverage says the source may be another
            article.
    """

    text: str
    edits: list[Edit]
    differences: list[Difference]
    coverage: float
    #: words of the spun text, and the share of them put back from the source (the observed
    #: spin rate): counted while restoring, so no caller tokenizes the text again; derived
    #: from the text and the edits, so not compared
    words: int = field(default=0, compare=False)
    spin_rate: float = field(default=0.0, compare=False)

    def as_segment(self, spun: str) -> SegmentResult:
        """Return the restoration as the pipeline's one-segment result.

        The surfaces that show restorations (diff, explanations, the HTML report) take it as
        they take the restorer's. Its spin rate is the observed one: the share of the spun
        text's words that were put back from the source.
        """
        from restorer.core import SegmentResult

        return SegmentResult(
            0, spun, self.text, list(self.edits), self.spin_rate, self.words, model="source"
        )


@dataclass(frozen=True, slots=True)
class _Side:
    """One text of the pair: the text and its tokens (without whitespace tokens)."""

    text: str
    tokens: list[Token]

    def chars(self, span: tuple[int, int]) -> tuple[int, int]:
        """Return the character span of tokens ``[lo, hi)`` (empty where the span is)."""
        lo, hi = span
        if hi > lo:
            return self.tokens[lo].start, self.tokens[hi - 1].end
        at = self.tokens[lo].start if lo < len(self.tokens) else len(self.text)
        return at, at

    def stretch(self, span: tuple[int, int]) -> str:
        """Return the text of tokens ``[lo, hi)``."""
        lo, hi = self.chars(span)
        return self.text[lo:hi]

    def words(self, span: tuple[int, int]) -> int:
        """Return how many words tokens ``[lo, hi)`` hold (``know-how`` is one word, ``,`` none)."""
        return sum(1 for chunk in self.stretch(span).split() if is_word(chunk))

    def word_tokens(self, span: tuple[int, int]) -> list[Token]:
        """Return the tokens ``[lo, hi)`` that are words (punctuation left out)."""
        return [t for t in self.tokens[span[0] : span[1]] if is_word(t.text)]

    def word_texts(self, span: tuple[int, int]) -> list[str]:
        """Return the texts of :meth:`word_tokens`."""
        return [t.text for t in self.word_tokens(span)]


@dataclass(frozen=True, slots=True)
class _Rules:
    """The thresholds of a run and the synonym graph (loaded on first need)."""

    max_tokens: int
    max_one_sided: int
    graph: SynonymGraph | None

    def _graph(self) -> SynonymGraph:
        return self.graph if self.graph is not None else _default_graph()

    def known(self, word: str) -> bool:
        """Return whether the graph knows ``word`` (any form of it)."""
        return word in self._graph()

    def swappable(self, written: str, original: str) -> bool:
        """Return whether two phrases are the same (in lower case) or linked within two hops.

        Two hops (a synonym's synonym): the spinner's thesaurus is not the shipped one.
        """
        if normalise_word(written) == normalise_word(original):
            return True
        return self._graph().link(written, original) is not None

    def linked(self, written: str, original: str) -> bool:
        """Return whether the graph links two phrases directly (or as forms of one lemma)."""
        from restorer.graph import Link

        link = self._graph().link(written, original)
        return link is not None and link <= Link.DIRECT


def restore_from_source(
    spun: str,
    source: str,
    source_id: str = "",
    *,
    max_tokens: int = MAX_TOKENS,
    max_one_sided: int = MAX_ONE_SIDED,
    graph: SynonymGraph | None = None,
) -> SourceRestoration:
    """Put the source's wording back where ``spun`` differs from ``source`` by spinning.

    >>> spun = "The firm mentioned 12 staff left."
    >>> r = restore_from_source(spun, "The company said 10 employees left.", "story-1")
    >>> r.text
    'The company said 12 employees left.'
    >>> [(e.spun, e.replacement, e.source.kind) for e in r.edits][:2]
    [('firm', 'company', 'source story-1 [4:11]'), ('mentioned', 'said', 'source story-1 [12:16]')]
    >>> [(d.spun, d.source, d.reason) for d in r.differences]
    [('12', '10', 'number')]

    Args:
        spun: the spun text.
        source: the article it was spun from.
        source_id: the source's record id, named in every edit.
        max_tokens: longest stretch (words on either side) restored when its two sides differ
            in length.
        max_one_sided: longest stretch (words) with nothing on the other side that is restored.
        graph: the synonym graph that vouches for renamed names and reworded numbers; the
            shipped tables and thesaurus (loaded on first need) when None.

    Returns:
        The restored text, its edits and the differences left alone.
    """
    a, b = _Side(spun, words_of(spun)), _Side(source, words_of(source))
    rules = _Rules(max_tokens, max_one_sided, graph)
    swaps = list(align_swaps(a.tokens, b.tokens, fast=True))
    judged: list[tuple[Swap, Swap, str | None]] = []
    anchored: list[bool] = []
    for swap in swaps:
        for piece, reason in _judge(a, b, swap, rules):
            whole = whole_words(a.tokens, b.tokens, piece)
            if whole is None:  # nothing unchanged beside a one-sided stretch to anchor an edit
                reason = reason or ("added" if piece.spun[1] > piece.spun[0] else "dropped")
            judged.append((piece, whole or piece, reason))
            anchored.append(whole is not None)
    moved = _moved(a, b, judged, anchored, rules)
    for k in moved:
        judged[k] = (judged[k][0], judged[k][1], None)
    moved_pieces = {judged[k][0] for k in moved}
    edits: list[Edit] = []
    differences: list[Difference] = []
    for cluster in _clusters(judged):
        reasons = [reason for _, _, reason in cluster if reason is not None]
        if not reasons:
            wholes = [whole for _, whole, _ in cluster]
            was_moved = any(piece in moved_pieces for piece, _, _ in cluster)
            edits.append(_edit(a, b, wholes, source_id, moved=was_moved))
        else:  # a swap widened into a stretch left alone is left with it
            differences.extend(_difference(a, b, s, r or reasons[0]) for s, _, r in cluster)
    differences.extend(_case_differences(a, b, swaps, edits))
    differences.sort(key=lambda d: (d.start, d.end))
    changed = sum(s.spun[1] - s.spun[0] for s in swaps)
    coverage = 1.0 - changed / len(a.tokens) if a.tokens else 1.0
    words = count_words(a.tokens)
    starts = [t.start for t in a.tokens]
    edited = sum(
        count_words(
            a.tokens[bisect.bisect_left(starts, e.start) : bisect.bisect_left(starts, e.end)]
        )
        for e in edits
    )
    rate = min(1.0, edited / words) if words else 0.0
    text = apply_edits(spun, edits)
    return SourceRestoration(text, edits, differences, coverage, words, rate)


def _judge(a: _Side, b: _Side, swap: Swap, rules: _Rules) -> Iterator[tuple[Swap, str | None]]:
    """Yield a differing stretch, or its parts, with why each is left (None: restore it).

    Two kinds of stretch are judged in parts, so one difference does not keep the swaps beside
    it from being restored:

    - one holding a sentence the other side lacks, next to swapped words (the alignment joins
      them): the sentence is split off where a sentence starts, leaving as many tokens as the
      other side has;
    - one of as many tokens on both sides that holds a changed figure or name, where each part
      that differs in a number has a number on both sides (``mentioned 12 staff`` for ``said 10
      employees``: ``said``, ``12``, ``employees``; not ``lasted 12 months`` for ``lasted a
      year``, which is one swap).
    """
    reason = _reason(a, b, swap, rules)
    if reason == "long rewrite":
        parts = _sentence_split(a, b, swap)
        if parts is not None:
            for part in parts:
                yield part, _reason(a, b, part, rules)
            return
    (i1, i2), (j1, j2) = swap.spun, swap.original
    if reason not in {"number", "name"} or i2 - i1 != j2 - j1 or i2 - i1 < 2:
        yield swap, reason
        return
    pieces = []
    for k in range(i2 - i1):
        s_tok, o_tok = a.tokens[i1 + k], b.tokens[j1 + k]
        if normalise_word(s_tok.text) != normalise_word(o_tok.text):
            piece = Swap((i1 + k, i1 + k + 1), (j1 + k, j1 + k + 1), "", "")
            pieces.append((piece, _reason(a, b, piece, rules)))
            if pieces[-1][1] == "number" and not (_numbers([s_tok])[0] and _numbers([o_tok])[0]):
                yield swap, reason
                return
    yield from pieces


def _moved(
    a: _Side,
    b: _Side,
    judged: Sequence[tuple[Swap, Swap, str | None]],
    anchored: Sequence[bool],
    rules: _Rules,
) -> set[int]:
    """Return the indexes of the judged stretches that are words a spinner moved.

    Two stretches left as they are trade places when each one's source side holds the content
    words of the other's spun side (each the same word, the same number, or a word the graph
    links directly; function words aside). Most often one is a stretch only the source has and
    the other one only the copy has: one passage in two places (``on 12,712 individuals`` at
    the end of a sentence for ``12,712 people from`` at its start). Or two words swapped places
    (``the 21st of July, Tuesday`` for ``Tuesday, July 21``). Nothing was added or dropped, so
    putting the source's order back loses no word of the copy's; a paraphrasing spinner moves
    clauses as it swaps words. A stretch with no neighbour to anchor an edit on (``anchored``
    false) stays as it is.
    """
    left = [
        k
        for k, (_, _, reason) in enumerate(judged)
        if reason not in {None, "punctuation"} and anchored[k]  # the same words, in place
    ]
    spun = {k: _content(a.word_texts(judged[k][0].spun)) for k in left}
    source = {k: _content(b.word_texts(judged[k][0].original)) for k in left}
    moved: set[int] = set()
    for x, k in enumerate(left):
        for m in left[x + 1 :]:
            if k in moved or m in moved or not (spun[k] or spun[m]):
                continue
            if _same_content(spun[m], source[k], rules) and _same_content(
                spun[k], source[m], rules
            ):
                moved.update((k, m))
    return moved


def _content(words: Sequence[str]) -> list[str]:
    """Return the words that are not function words, in lower case."""
    return [w for w in (normalise_word(w) for w in words) if w not in FUNCTION_WORDS]


def _same_content(spun: Sequence[str], source: Sequence[str], rules: _Rules) -> bool:
    """Return whether two lists of content words pair up one to one.

    A pair is the same word, the same number (``21st`` and ``21``) or two words the graph links
    directly. Two empty lists pair up.
    """
    if len(spun) != len(source):
        return False
    left = list(source)
    for word in spun:
        k = next((i for i, o in enumerate(left) if _same_word(word, o, rules)), None)
        if k is None:
            return False
        del left[k]
    return True


def _same_word(spun: str, source: str, rules: _Rules) -> bool:
    """Return whether two content words pair up: the same, linked directly, or one number."""
    if spun == source or rules.linked(spun, source):
        return True
    value = _value(spun)
    return value is not None and value == _value(source)


def _value(word: str) -> str | None:
    """Return the number a word stands for (``21st`` -> ``21``, ``five`` -> ``5``), or None."""
    digits = _DIGITS.findall(word)
    if len(digits) == 1:
        return str(digits[0]).replace(",", "")
    return _NUMBER_WORDS.get(word)


def _sentence_split(a: _Side, b: _Side, swap: Swap) -> list[Swap] | None:
    """Return a stretch split into a sentence one side lacks and the rest, in order, or None.

    The longer side is cut where a sentence starts, so that the rest has as many tokens as the
    other side; the sentence may come first or last.
    """
    spun_longer = swap.spun[1] - swap.spun[0] > swap.original[1] - swap.original[0]
    side, (lo, hi), (s_lo, s_hi) = (
        (a, swap.spun, swap.original) if spun_longer else (b, swap.original, swap.spun)
    )
    k = s_hi - s_lo

    def pair(long: tuple[int, int], short: tuple[int, int]) -> Swap:
        return Swap(long, short, "", "") if spun_longer else Swap(short, long, "", "")

    if _opens_sentence(side.text, side.tokens[hi - k].start):  # the sentence comes first
        return [pair((lo, hi - k), (s_lo, s_lo)), pair((hi - k, hi), (s_lo, s_hi))]
    if _opens_sentence(side.text, side.tokens[lo + k].start):  # the sentence comes last
        return [pair((lo, lo + k), (s_lo, s_hi)), pair((lo + k, hi), (s_hi, s_hi))]
    return None


def _clusters(
    judged: Sequence[tuple[Swap, Swap, str | None]],
) -> Iterator[list[tuple[Swap, Swap, str | None]]]:
    """Yield the judged stretches in groups whose widened spans overlap."""
    group: list[tuple[Swap, Swap, str | None]] = []
    end = 0
    for item in judged:
        if group and item[1].spun[0] >= end:
            yield group
            group = []
        group.append(item)
        end = max(end, item[1].spun[1])
    if group:
        yield group


def _reason(a: _Side, b: _Side, swap: Swap, rules: _Rules) -> str | None:
    """Return why a differing stretch is not spinning, or None when it should be restored."""
    s_toks = a.tokens[swap.spun[0] : swap.spun[1]]
    o_toks = b.tokens[swap.original[0] : swap.original[1]]
    s_text, o_text = a.stretch(swap.spun), b.stretch(swap.original)
    if _artifact(s_text, o_text):
        return None
    if _letters(s_text) == _letters(o_text):
        return "punctuation"
    if not _same_numbers(s_toks, o_toks) and not rules.linked(s_text, o_text):
        return "number"
    s_words, o_words = a.words(swap.spun), b.words(swap.original)
    s_proper, o_proper = _proper_names(a, swap.spun, rules), _proper_names(b, swap.original, rules)
    if not s_words or not o_words:
        shouted = _shouted(s_toks) or _shouted(o_toks)
        if s_words + o_words > rules.max_one_sided or s_proper or o_proper or shouted:
            return "added" if s_words else "dropped"
        return None
    if s_proper != o_proper:
        return "name"
    if _shouted(s_toks) != _shouted(o_toks):
        return "name"  # a dateline (NEW YORK) or an acronym: nothing a thesaurus writes
    if (
        s_words != o_words
        and max(s_words, o_words) > rules.max_tokens
        and not _swap_chain(a, b, swap, rules)
    ):
        return "long rewrite"
    if (
        _is_name(a, swap.spun)
        and _is_name(b, swap.original)
        and not _renamed(s_text, o_text, rules)
    ):
        return "name"
    return None


def _swap_chain(a: _Side, b: _Side, swap: Swap, rules: _Rules) -> bool:
    """Return whether a stretch is a chain of swaps the synonym graph vouches for, in order.

    ``authorities businesses ought to deal with`` for ``government agencies should handle`` is
    five swaps side by side (``ought to`` ~ ``should``, ``deal with`` ~ ``handle``, ...), which
    the alignment joins into one stretch longer than ``max_tokens``; an editor's rewrite
    (``were more prone to develop`` for ``had a much greater chance of developing``) does not
    fall into such pieces. Each piece pairs up to :data:`MAX_PIECE` words on each side, the
    same word or two phrases the graph links within two hops (the spinner's thesaurus is not
    ours: held out on the dev pairs, direct links only leave 7 more tokens); no word is left
    over on either side.
    """
    s_words = a.word_texts(swap.spun)
    o_words = b.word_texts(swap.original)
    if not s_words or not o_words or max(len(s_words), len(o_words)) > MAX_CHAIN:
        return False
    reach = [[False] * (len(o_words) + 1) for _ in range(len(s_words) + 1)]
    reach[0][0] = True
    for i in range(len(s_words)):
        for j in range(len(o_words)):
            if not reach[i][j]:
                continue
            for k in range(1, min(MAX_PIECE, len(s_words) - i) + 1):
                s_piece = " ".join(s_words[i : i + k])
                for m in range(1, min(MAX_PIECE, len(o_words) - j) + 1):
                    if reach[i + k][j + m]:
                        continue
                    o_piece = " ".join(o_words[j : j + m])
                    if rules.swappable(s_piece, o_piece):
                        reach[i + k][j + m] = True
    return reach[-1][-1]


def _artifact(s_text: str, o_text: str) -> bool:
    """Return whether the spun side of a stretch shows a spinner's own debris.

    A brace or a bar the source lacks is left over from spintax (``{big|large}`` written out
    badly), and a word that lost its apostrophe (``NASAs``, ``stations`` for ``station's``) was
    stripped by a spinner's ASCII pass. No editor writes either, so the source's wording is put
    back even where only punctuation differs.
    """
    if any(c in s_text and c not in o_text for c in _SPINTAX):
        return True
    if _letters(s_text) != _letters(o_text):
        return False
    return _APOSTROPHE_IN_WORD.search(o_text) is not None and not _APOSTROPHE_IN_WORD.search(s_text)


def _shouted(tokens: Sequence[Token]) -> frozenset[str]:
    """Return the all-capital words (``NEW``, ``YORK``, ``NASA``) of ``tokens``.

    Roman numerals (``II``) are numbers, judged as numbers (``World War 2`` for ``II``).
    """
    return frozenset(
        t.text
        for t in tokens
        if len(t.text) > 1 and t.text.isalpha() and t.text.isupper() and t.text not in _ROMAN
    )


def _letters(text: str) -> str:
    """Return the letters and digits of ``text`` in lower case, without spaces or punctuation."""
    return normalise_word("".join(_ALNUM.findall(text)))


def _numbers(tokens: Sequence[Token]) -> tuple[Counter[str], Counter[str]]:
    """Return the numbers ``tokens`` hold by value, certain ones and ambiguous ones.

    ``5``, ``five``, ``fifth`` and ``V`` are all ``5``. ``one``, ``first`` and ``second`` are
    ambiguous (a pronoun in ``one other``, a unit of time in ``a second``): they count as numbers
    only where the other side has the same number for certain.
    """
    certain: Counter[str] = Counter()
    ambiguous: Counter[str] = Counter()
    # the last whole number and the counter holding it, while ``and a half`` may follow
    last: tuple[str, Counter[str]] | None = None
    for k, token in enumerate(tokens):
        word = token.text
        low = word.lower()
        if low == "half" and last is not None and _lows(tokens[k - 2 : k]) == ["and", "a"]:
            value, held = last  # three and a half -> 3.5, for certain
            held[value] -= 1
            if not held[value]:
                del held[value]
            certain[f"{value}.5"] += 1
            last = None
            continue
        if low not in {"and", "a"}:
            last = None
        if low in _NUMBER_WORDS and low not in _ORDINAL_WORDS:
            last = _NUMBER_WORDS[low], certain
        elif low == "one":
            last = "1", ambiguous
        elif word.isdigit():
            last = word, certain
        if any(c.isdigit() for c in word):
            certain.update(d.replace(",", "") for d in _DIGITS.findall(word))
        elif word in _ROMAN:
            certain[_ROMAN[word]] += 1
        elif low in _AMBIGUOUS:
            ambiguous[_AMBIGUOUS[low]] += 1
        elif low in _NUMBER_WORDS:
            certain[_NUMBER_WORDS[low]] += 1
        elif low in _SCALES:
            certain[low] += 1
    return certain, ambiguous


def _lows(tokens: Sequence[Token]) -> list[str]:
    return [t.text.lower() for t in tokens]


def _same_numbers(s_toks: Sequence[Token], o_toks: Sequence[Token]) -> bool:
    """Return whether two stretches hold the same numbers (see :func:`_numbers`)."""
    s_certain, s_ambiguous = _numbers(s_toks)
    o_certain, o_ambiguous = _numbers(o_toks)
    return s_certain + (s_ambiguous & o_certain) == o_certain + (o_ambiguous & s_certain)


def _names(side: _Side, span: tuple[int, int]) -> list[bool]:
    """Return, for each word of tokens ``span``, whether it is capitalised inside a sentence.

    ``I`` is not a name, nor is the first word of a sentence or a line.
    """
    return [
        token.text[:1].isupper()
        and token.text != "I"
        and not _opens_sentence(side.text, token.start)
        for token in side.word_tokens(span)
    ]


def _opens_sentence(text: str, start: int) -> bool:
    """Return whether the word at ``start`` opens the text, a line, a sentence or a quotation."""
    i = start
    while i > 0 and text[i - 1] in " \t\u00a0":
        i -= 1
    return i == 0 or text[i - 1] in _SENTENCE_END


def _proper_names(side: _Side, span: tuple[int, int], rules: _Rules) -> frozenset[str]:
    """Return the proper names of tokens ``span``: names no thesaurus entry could have swapped.

    A capitalised word inside a sentence that the synonym graph does not know (``Nvidia``,
    ``Thursday``, ``AP``) is nothing a spinner could write or replace.
    """
    words = side.word_tokens(span)
    return frozenset(
        t.text.lower()
        for t, named in zip(words, _names(side, span), strict=True)
        if named and not rules.known(t.text) and t.text not in _ROMAN  # II is a number
    )


def _is_name(side: _Side, span: tuple[int, int]) -> bool:
    """Return whether tokens ``span`` are capitalised words, the first not opening a sentence.

    Only the first word needs to be inside a sentence: ``Home Finances`` at a sentence's start
    is not told from ``However the``.
    """
    words = side.word_tokens(span)
    names = _names(side, span)
    return bool(names) and names[0] and all(t.text[:1].isupper() for t in words)


def _renamed(s_text: str, o_text: str, rules: _Rules) -> bool:
    """Return whether a spinner's thesaurus could have turned one name into the other.

    Word for word where both have as many words (``Home Finances`` for ``House Budget``: each
    pair linked), else as phrases; within two hops of the graph (``Road`` for ``Street``,
    ``Composure`` for ``Tranquility``), since a spinner's thesaurus is not the one shipped, and a
    name is only tried here once the copy's source is known and the two stand in one place.
    """
    s_words, o_words = s_text.split(), o_text.split()
    if len(s_words) != len(o_words):
        return rules.swappable(s_text, o_text)
    return all(rules.swappable(s, o) for s, o in zip(s_words, o_words, strict=True))


@functools.cache
def _default_graph() -> SynonymGraph:
    """Return the graph of the shipped tables and the thesaurus (about 2 s to load, once)."""
    from restorer.graph import load_graph
    from restorer.table import load_table

    return load_graph([load_table()])


def _case_differences(
    a: _Side, b: _Side, swaps: Sequence[Swap], edits: Sequence[Edit]
) -> Iterator[Difference]:
    """Yield runs of aligned words that differ in case only, outside the edits.

    The alignment compares words in lower case, so these are no stretch of their own; they are
    reported because a capital may matter (a name) and left because spinners swap words, not
    case.
    """
    starts = [e.start for e in edits]
    run: list[tuple[int, int]] = []
    for i, j in [*_unchanged(a, b, swaps), (-1, -1)]:
        s_tok = a.tokens[i] if i >= 0 else None
        o_tok = b.tokens[j] if j >= 0 else None
        differs = (
            s_tok is not None
            and o_tok is not None
            and s_tok.text != o_tok.text
            and s_tok.text.lower() == o_tok.text.lower()
            and not _inside(edits, starts, s_tok.start)
        )
        if run and (not differs or i != run[-1][0] + 1):
            span = (run[0][0], run[-1][0] + 1)
            yield _difference(a, b, Swap(span, (run[0][1], run[-1][1] + 1), "", ""), "case")
            run = []
        if differs:
            run.append((i, j))


def _inside(edits: Sequence[Edit], starts: Sequence[int], offset: int) -> bool:
    """Return whether ``offset`` lies in one of ``edits`` (sorted, ``starts`` their starts)."""
    k = bisect.bisect_right(starts, offset) - 1
    return k >= 0 and offset < edits[k].end


def _unchanged(a: _Side, b: _Side, swaps: Sequence[Swap]) -> Iterator[tuple[int, int]]:
    """Yield the ``(spun, source)`` indexes of the tokens the alignment matched."""
    i = j = 0
    for swap in [*swaps, Swap((len(a.tokens),) * 2, (len(b.tokens),) * 2, "", "")]:
        while i < swap.spun[0]:
            yield i, j
            i, j = i + 1, j + 1
        i, j = swap.spun[1], swap.original[1]


def _difference(a: _Side, b: _Side, swap: Swap, reason: str) -> Difference:
    start, end = a.chars(swap.spun)
    o_start, o_end = b.chars(swap.original)
    return Difference(start, end, a.text[start:end], o_start, o_end, b.text[o_start:o_end], reason)


def _edit(a: _Side, b: _Side, swaps: Sequence[Swap], source_id: str, moved: bool = False) -> Edit:
    """Return the edit that puts back the source's wording over the (overlapping) ``swaps``.

    An edit that is one end of a moved passage says so (``source ID [start:end] (moved)``): it
    takes words out, or puts words in, that the copy has elsewhere.
    """
    start, _ = a.chars((min(s.spun[0] for s in swaps), 0))
    _, end = a.chars((0, max(s.spun[1] for s in swaps)))
    o_start, _ = b.chars((min(s.original[0] for s in swaps), 0))
    _, o_end = b.chars((0, max(s.original[1] for s in swaps)))
    spun, original = a.text[start:end], b.text[o_start:o_end]
    kind = f"source {source_id} [{o_start}:{o_end}]" if source_id else f"source [{o_start}:{o_end}]"
    if moved:
        kind += " (moved)"
    return Edit(start, end, spun, original, Source("source", 0, f"{spun} -> {original}", kind))
