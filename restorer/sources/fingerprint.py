"""A spin-proof fingerprint: the words spinners leave alone, in order, and their n-grams.

Near-duplicate removal hashes word n-grams (MinHash over 5-grams, say), and a spinner that swaps
a third of the words leaves almost none of them whole: a spun copy shares few 5-grams with its
source. Some words, though, a spinner cannot touch, because its thesaurus has nothing to put in
their place ("immutables" in the DSpin literature). They are this module's **anchors**, in text
order:

* **numbers**: any token with a digit (``2019``, ``7:35``, ``14th``);
* **names**: a capitalised word that does not start a sentence, or a word in capitals
  (``Johnson``, ``NASA``), when no row can change it (the next rule, then). Spinners do corrupt
  names through the thesaurus (``House`` -> ``Home``, ``Department`` -> ``Division``), so a
  capitalised word the synonym graph knows is no anchor unless ``changeable_names`` asks for it
  (the benchmark measures both);
* **words no row can change**: a word whose normalised form and lemmas are in no shipped table
  and not in the optional thesaurus (``spacewalk``, ``the``, ``which``): a spinner reading from a
  thesaurus has nothing to swap in;
* **function words** (:data:`FUNCTION_WORDS`), kept even where the thesaurus lists them
  (``of`` ~ ``about``): spinners rarely swap them, and they glue the other anchors into n-grams
  that keep the text's order.

The set of words a row can change is the synonym graph of the shipped tables and the optional
thesaurus (:func:`restorer.graph.load_graph`): both sides of every row, since the original's
word (``said``) is the one a spinner changes and the spun word (``mentioned``) the one it
writes. It is loaded once, on first use (:func:`shipped_synonyms`); every function takes
``changeable=`` for another set (a tiny one in unit tests).

The variants were measured on the dev set (``benchmarks/run_sources.py`` reports them: 214 spun
paragraphs against 850 references; recall@1 at the index's threshold, no clean paragraph
matching in any). Strictly the words no row can change leave 7.3 anchors per spun paragraph,
too few for a short paragraph to share an n-gram with its original: recall@1 0.897. Keeping
names a row can change as well gives 10.2 and 0.944; keeping the function words instead (the
default) gives 18.4 and 0.953; both, 21.2 and 0.949: a spinner changes those names
(``Department`` -> ``Division``), so they cost as much as they add.

:func:`shingles` hashes ordered n-grams of anchors with BLAKE2b to stable 64-bit integers (the
same in every process and on every machine, unlike ``hash()``), the features
:class:`~restorer.sources.index.SourceIndex` sketches with MinHash.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from restorer.conditions import normalise_word
from restorer.inflect import lemmas
from restorer.tokenize import Token, is_word, tokenize

if TYPE_CHECKING:
    from restorer.graph import SynonymGraph

__all__ = [
    "FUNCTION_WORDS",
    "SHINGLE_SIZE",
    "Fingerprint",
    "anchors",
    "fingerprint",
    "shingles",
    "shipped_synonyms",
    "text_words",
]

#: Anchors per shingle: pairs survive a spinner's swaps best (an anchor lost to a swap breaks
#: ``n`` shingles), and with the function words kept they are specific enough for candidates.
SHINGLE_SIZE = 2

#: Closed-class words (articles, pronouns, prepositions, conjunctions, auxiliaries and a few
#: adverbs), kept as anchors even where the thesaurus lists them: spinners swap content words.
FUNCTION_WORDS = frozenset(
    """a an the this that these those some any each every no other another such what which who
    whom whose i me my mine we us our ours you your yours he him his she her hers it its they
    them their theirs one myself ourselves yourself himself herself itself themselves of in on
    at by for with from to into onto upon over under above below about against between among
    through during before after since until within without toward towards across along around
    behind beyond near off out up down via per than as like despite including and or but nor so
    yet if whether because although though while unless once when where why how then thus also
    too either neither not only just even still already again ever never always often now here
    there very more most less least much many few several all both is are was were be been being
    am have has had having do does did will would shall should can could may might must 's 're
    've 'll 'd 'm n't""".split()  # noqa: SIM905 - a word list reads best as text
)

#: Tokens after which a capitalised word starts a sentence (and so is no evidence of a name).
_SENTENCE_END = frozenset('.!?:;"“”')
#: Tokens skipped when looking back for a sentence end: an opening quote or bracket.
_OPENERS = frozenset("\"'“‘([")


@functools.lru_cache(maxsize=1)
def shipped_synonyms() -> SynonymGraph:
    """Return the synonym graph of the shipped tables and the optional thesaurus, loaded once.

    It is both the set of words a row can change (``word in graph``, lemma-aware) and the
    links :class:`~restorer.sources.index.SourceIndex` accepts as a spinner's swap.
    """
    from restorer.graph import load_graph
    from restorer.table import load_table

    return load_graph([load_table()], thesaurus=True)


def _changeable(word: str, changeable: Container[str]) -> bool:
    """Return whether a row can change ``word`` (normalised): its form or one of its lemmas."""
    return word in changeable or any(lemma in changeable for lemma in lemmas(word))


def _sentence_initial(tokens: Sequence[Token], i: int) -> bool:
    """Return whether token ``i`` starts a sentence (after an opening quote or bracket too)."""
    j = i - 1
    while j >= 0 and (not tokens[j].text.strip() or tokens[j].text in _OPENERS):
        if "\n" in tokens[j].ws:
            return True
        j -= 1
    if j < 0:
        return True
    prev = tokens[j]
    return prev.text[-1] in _SENTENCE_END or "\n" in prev.ws


def _is_name(tokens: Sequence[Token], i: int) -> bool:
    """Return whether token ``i`` looks like (part of) a name: capitalised inside a sentence."""
    text = tokens[i].text
    if len(text) > 1 and text.isupper():
        return True
    return text[:1].isupper() and not _sentence_initial(tokens, i)


def _anchor(
    tokens: Sequence[Token],
    i: int,
    changeable: Container[str],
    keep: Container[str],
    changeable_names: bool,
) -> str | None:
    """Return token ``i``'s normalised text if it is an anchor, else None."""
    text = tokens[i].text
    if not is_word(text):
        return None
    word = normalise_word(text)
    if any(c.isdigit() for c in text) or word in keep:
        return word
    if changeable_names and _is_name(tokens, i):
        return word
    return None if _changeable(word, changeable) else word


def anchors(
    text: str,
    changeable: Container[str] | None = None,
    *,
    keep: Container[str] = FUNCTION_WORDS,
    changeable_names: bool = False,
) -> list[str]:
    """Return the normalised words of ``text`` a spinner leaves alone, in order.

    Args:
        text: any text.
        changeable: the words a row can change (normalised; a word whose lemma is in it counts
            too); default: the shipped tables and thesaurus (:func:`shipped_synonyms`).
        keep: words that are anchors even where a row can change them (default: the function
            words; an empty set for the strict definition).
        changeable_names: keep capitalised words a row can change (``House``) as names too.

    >>> anchors("Mr Smith said the 3 reports were late.", {"say", "report", "late", "mr"})
    ['smith', 'the', '3', 'were']
    """
    words = changeable if changeable is not None else shipped_synonyms()
    tokens = tokenize(text)
    found = (_anchor(tokens, i, words, keep, changeable_names) for i in range(len(tokens)))
    return [word for word in found if word is not None]


def _hash64(shingle: str) -> int:
    """Return a stable unsigned 64-bit hash of a string (BLAKE2b, 8-byte digest)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def shingles(words: Sequence[str], n: int = SHINGLE_SIZE) -> frozenset[int]:
    """Return the stable 64-bit hashes of the ordered ``n``-grams of ``words``.

    A sequence shorter than ``n`` (but not empty) is one shingle of its own.

    Raises:
        ValueError: for ``n`` below 1.

    >>> len(shingles(["a", "b", "c"], 2)), shingles([], 2)
    (2, frozenset())
    >>> shingles(["x", "y"], 2) == shingles(["x", "y"], 2) != shingles(["y", "x"], 2)
    True
    """
    if n < 1:
        raise ValueError(f"shingle size must be at least 1, got {n}")
    if not words:
        return frozenset()
    if len(words) < n:
        return frozenset({_hash64("\x1f".join(words))})
    return frozenset(_hash64("\x1f".join(words[i : i + n])) for i in range(len(words) - n + 1))


def text_words(text: str) -> list[str]:
    """Return every word of ``text`` (letters or digits), normalised, in order.

    >>> text_words("It’s 5 o'clock — “late”.")
    ['it', "'s", '5', "o'clock", 'late']
    """
    return [normalise_word(t.text) for t in tokenize(text) if is_word(t.text)]


@dataclass(frozen=True)
class Fingerprint:
    """A text's fingerprint: what :class:`~restorer.sources.index.SourceIndex` reads of it.

    Attributes:
        anchors: the anchors (:func:`anchors`), in order.
        shingles: their hashed n-grams (:func:`shingles`).
        words: every word of the text, normalised, in order (:func:`text_words`): what a
            candidate is verified on.
    """

    anchors: tuple[str, ...]
    shingles: frozenset[int]
    words: tuple[str, ...]

    @property
    def word_count(self) -> int:
        """Return how many words the text has."""
        return len(self.words)


def fingerprint(
    text: str,
    changeable: Container[str] | None = None,
    *,
    n: int = SHINGLE_SIZE,
    keep: Container[str] = FUNCTION_WORDS,
    changeable_names: bool = False,
) -> Fingerprint:
    """Return the fingerprint of ``text`` (arguments as for :func:`anchors` and :func:`shingles`).

    >>> fp = fingerprint("Smith won.", {"win"})
    >>> fp.anchors, fp.word_count, len(fp.shingles)
    (('smith',), 2, 1)
    """
    words = changeable if changeable is not None else shipped_synonyms()
    tokens = tokenize(text)
    found = [_anchor(tokens, i, words, keep, changeable_names) for i in range(len(tokens))]
    kept = tuple(word for word in found if word is not None)
    all_words = tuple(normalise_word(t.text) for t in tokens if is_word(t.text))
    return Fingerprint(anchors=kept, shingles=shingles(kept, n), words=all_words)
