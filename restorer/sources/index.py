"""Find the source of a spun text: a MinHash/LSH index of reference texts, verified exactly.

A :class:`SourceIndex` holds reference texts (the articles of a crawl, say) under ids. Asked
about a text, it answers with the reference the text is a (spun) copy of, or with None:

1. **Candidates** come from MinHash LSH (``datasketch``'s :class:`~datasketch.MinHashLSH`, the
   reference implementation) over the spin-proof anchors of
   :mod:`restorer.sources.fingerprint`: their n-grams, and each anchor that is not a function
   word alone. A reference is sketched in overlapping windows of :data:`WINDOW` anchors, and
   so is a long query, so a paragraph finds the article it is part of: what matters is
   *containment*, and a window is about a paragraph long, where one sketch of a whole article
   would dilute a paragraph's share to nothing. A query looks up its sketches' bands; only the
   references sharing a band are candidates, never all pairs. They are ranked by the features
   they share with the query and the first :data:`MAX_CANDIDATES` are verified.
2. **Verification** gives each candidate an exact, interpretable score (:func:`aligned_share`):
   the share of the query's words found, in order, in a stretch of the candidate about as long
   as the query, where a word is found when the candidate has the same word, another form of
   it, or a word the synonym graph links it to directly (a swap a spinner could have made). A
   spun copy scores what its spinner left recognisable; an unrelated text scores what chance
   gives ordinary prose: the same function words in the same order, and a few synonyms.

**The score is calibrated on the dev set** (``benchmarks/run_sources.py``: the 214 spun dev
paragraphs, against a reference of the 170 distinct dev originals and the 680 clean
paragraphs). A spun paragraph scores a median 0.94 against its own original, 0.76 at the 5th
percentile and 0.80 at the 10th; a clean paragraph's best score against every *other*
reference is a median 0.33, 0.50 at the 99th percentile and 0.67 at most (a reporter's
paraphrase of the quotation in the next paragraph of the same page; the next highest is 0.58).
:data:`DEFAULT_THRESHOLD` is 0.7, in the middle of the plateau where recall@1 stays at 0.953
with no clean match (0.675 to 0.725; at 0.75 recall@1 falls to 0.935, at 0.65 the paraphrase
matches). The ten spun paragraphs it misses are five of four or five words (below
:data:`MIN_WORDS`), four that their spinners reworded beyond word swaps, moving clauses and
rewriting phrases (0.52 to 0.64), and one headline of ten words LSH did not find. Against
whole documents (each story's originals joined, each clean page joined: 188 documents)
recall@1 is 0.935, and no clean paragraph matches another page (0.54 at most). Plain word
5-gram MinHash, every pair compared, ranks the right original first for 0.883 of the spun
paragraphs but scores so little (median Jaccard 0.13) that only 0.547 clear its highest clean
score.

**Long texts need less.** The share chance gives a text is an average over its words, so it
varies less the longer the text: a clean page's best score against every other page and story
is 0.46 at most, 0.40 for pages of 100 words or more, and a story's original against another
outlet's account of the same story (the nearest look-alike there is: the same names, figures
and quotations, one shared paragraph word for word) 0.43 at most. A spun copy of a whole story
scores 0.75 to 0.96 against its original, save one heavily reworded NASA copy at 0.67. A query
of :data:`LONG_WORDS` words or more therefore needs :data:`LONG_THRESHOLD` (0.6), still 0.17
above the highest look-alike (:func:`default_threshold`); an explicit threshold applies to
every length.

Anchors alone make a poor score: the paragraphs of one page share their names, and function
words in order make chance matches. The best anchor-only score measured (anchors found in
order, in runs, near each other) found 0.94 of the originals, every pair compared, at a
threshold no clean paragraph reached. The aligned share measures what a spinner keeps, every
word's position with the word or a synonym in it, which chance does not give.

Short texts never match: below :data:`MIN_WORDS` words, or without an anchor, a share is no
evidence (three words of a headline are in order in many a text).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from restorer.inflect import lemmas
from restorer.sources.fingerprint import (
    FUNCTION_WORDS,
    SHINGLE_SIZE,
    Fingerprint,
    fingerprint,
    shingles,
    shipped_synonyms,
    text_words,
)

if TYPE_CHECKING:
    from restorer.graph import SynonymGraph

__all__ = [
    "DEFAULT_THRESHOLD",
    "LONG_THRESHOLD",
    "LONG_WORDS",
    "LSH_THRESHOLD",
    "MAX_CANDIDATES",
    "MIN_WORDS",
    "NUM_PERM",
    "WINDOW",
    "Match",
    "SourceIndex",
    "aligned_share",
]

#: A verified score at or above this is a match, for a query of fewer than :data:`LONG_WORDS`
#: words (the module docstring gives the figures).
DEFAULT_THRESHOLD = 0.7
#: The score a query of :data:`LONG_WORDS` words or more needs by default (see the module text).
LONG_THRESHOLD = 0.6
#: The words from which a query is long: a short article, or three or four paragraphs.
LONG_WORDS = 200
#: Queries with fewer words never match: a short text is in order in too many others.
MIN_WORDS = 8
#: Anchors per sketched window (a long paragraph), and the stride between windows (half).
WINDOW = 32
#: MinHash permutations per sketch.
NUM_PERM = 256
#: The Jaccard similarity of window sketches LSH is tuned to return. Low, on purpose: it only
#: finds candidates (verification decides), and a short spun paragraph shares few of a
#: window's shingles.
LSH_THRESHOLD = 0.1
#: Candidates verified per query, the most promising first.
MAX_CANDIDATES = 32
#: A reference stretch compared with a query is this much longer than the query (plus two
#: words), so a spinner's longer wording (``earlier than`` for ``before``) still fits.
STRETCH = 1.25


def default_threshold(words: int) -> float:
    """Return the score a query of ``words`` words needs when no threshold is given.

    >>> default_threshold(60), default_threshold(450)
    (0.7, 0.6)
    """
    return LONG_THRESHOLD if words >= LONG_WORDS else DEFAULT_THRESHOLD


class Match(NamedTuple):
    """A reference a text was found to be a copy of.

    Attributes:
        id: the reference's id.
        score: the share of the text's words found in order in the reference, each the same
            word or a synonym a spinner could have swapped in (:func:`aligned_share`), in [0, 1].
    """

    id: str
    score: float

    def to_json(self) -> dict[str, Any]:
        """Return the match as ``match`` writes it: ``{"id": ..., "score": ...}``."""
        return {"id": self.id, "score": round(self.score, 4)}


def _identity(value: int) -> int:
    """The MinHash hash function: shingles are stable 64-bit hashes already."""
    return value


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int) -> Any:
    """Return datasketch's permutations for ``num_perm``, drawn once (seed 1)."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, hashfunc=_identity, scheme="affine64").permutations


def _sketch(features: Iterable[int], num_perm: int) -> Any:
    """Return the MinHash of a set of 64-bit shingles."""
    from datasketch import MinHash

    sketch = MinHash(
        num_perm=num_perm,
        hashfunc=_identity,
        permutations=_permutations(num_perm),
        scheme="affine64",
    )
    sketch.update_batch(list(features))
    return sketch


def _windows(words: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """Yield overlapping windows of ``size`` words, half a window apart, covering ``words``."""
    if len(words) <= size:
        yield words
        return
    step = max(1, size // 2)
    for start in range(0, len(words) - size + step, step):
        yield words[start : start + size]


class _Linker:
    """Which words of a query each word of a reference could stand for (bit masks)."""

    def __init__(self, query: Sequence[str], synonyms: SynonymGraph) -> None:
        self.size = len(query)
        self.synonyms = synonyms
        #: word form -> the query positions with that form (or lemma)
        self.forms: dict[str, int] = defaultdict(int)
        #: word form -> the query positions whose words the graph links to it
        self.linked: dict[str, int] = defaultdict(int)
        for i, word in enumerate(query):
            bit = 1 << i
            for form in lemmas(word):
                self.forms[form] |= bit
            for near in synonyms.neighbours(word):
                self.linked[near] |= bit
        self._form_keys = frozenset(self.forms)
        self._memo: dict[str, int] = {}

    def mask(self, word: str) -> int:
        """Return the query positions ``word`` matches: same lemma, or linked either way."""
        found = self._memo.get(word)
        if found is None:
            forms, linked = self.forms, self.linked
            found = 0
            for form in lemmas(word):
                found |= forms.get(form, 0) | linked.get(form, 0)
            for near in self.synonyms.neighbours(word) & self._form_keys:
                found |= forms[near]
            self._memo[word] = found
        return found

    def share(self, reference: Sequence[str]) -> float:
        """Return :func:`aligned_share` of the query and ``reference``."""
        n = self.size
        if not n or not reference:
            return 0.0
        masks = [self.mask(word) for word in reference]
        size = math.ceil(n * STRETCH) + 2
        if len(masks) <= size:
            return _lcs(n, masks) / n
        step = max(1, size // 4)
        best = 0
        for start in range(0, len(masks) - size + step, step):
            best = max(best, _lcs(n, masks[start : start + size]))
            if best == n:
                break
        return best / n


def _lcs(n: int, masks: Sequence[int]) -> int:
    """Return the longest common subsequence of a query of ``n`` words and a column sequence.

    ``masks[j]`` holds the query positions the reference's word ``j`` matches. This is the
    bit-parallel LCS of Allison and Dix (1986) as Hyyrö (2004) writes it; it needs only the
    match matrix, so the match relation may be any relation (here: a synonym link).
    """
    full = (1 << n) - 1
    v = full
    for m in masks:
        u = v & m
        v = ((v + u) | (v - u)) & full
    return n - v.bit_count()


def aligned_share(
    query: Sequence[str], reference: Sequence[str], synonyms: SynonymGraph | None = None
) -> float:
    """Return the share of ``query``'s words found in order in a stretch of ``reference``.

    A word is found where the reference has the same word, another form of its lemma, or a word
    the synonym graph links to it directly (either way). The stretch is the best of those
    :data:`STRETCH` times the query's length (plus two words), a quarter of one apart.

    Args:
        query: the words of a text (normalised, as :func:`~.fingerprint.text_words` gives them).
        reference: the words of a reference text.
        synonyms: the graph whose links count as a spinner's swaps (default: the shipped one).

    >>> from restorer.graph import SynonymGraph
    >>> graph = SynonymGraph({"mention": "say", "say": "mention"})
    >>> aligned_share(["she", "mentioned", "it"], ["then", "she", "said", "it"], graph)
    1.0
    >>> aligned_share(["she", "mentioned", "it"], ["it", "she", "wrote"], graph)
    0.3333333333333333
    """
    graph = synonyms if synonyms is not None else shipped_synonyms()
    return _Linker(query, graph).share(reference)


class _Entry(NamedTuple):
    """A reference as the index keeps it: its text, words and LSH features."""

    text: str
    words: tuple[str, ...]
    features: frozenset[int]
    #: the order it was added in (ties go to the first added)
    order: int


class SourceIndex:
    """Reference texts by id, searchable for the one a (spun) text was copied from.

    Args:
        threshold: the verified score a match needs; by default it depends on the query's
            length (:func:`default_threshold`: 0.7, and 0.6 from 200 words).
        changeable: the words a row can change, for the anchors (default: the shipped graph).
        synonyms: the graph whose links count as swaps when verifying (default: the shipped
            one); a test passes a small :class:`~restorer.graph.SynonymGraph` for both.
        keep: words kept as anchors even where a row can change them (default: function words).
        changeable_names: keep capitalised words a row can change as anchors (names) too.
        num_perm: MinHash permutations.
        lsh_threshold: the window Jaccard similarity LSH is tuned to.
        window: anchors per sketched window.
        max_candidates: candidates verified per query.
        min_words: the fewest words a query needs to match anything.

    >>> from restorer.graph import SynonymGraph
    >>> graph = SynonymGraph({"mention": "say", "say": "mention"})
    >>> index = SourceIndex(synonyms=graph, changeable=graph)
    >>> index.add("a1", "Officials said on Monday that 40 trains from Leeds would be late.")
    >>> index.query("Officials mentioned on Monday that 40 trains from Leeds would be late.")
    Match(id='a1', score=1.0)
    >>> index.query("Nothing of the kind was ever said by anyone in Leeds on a Monday.") is None
    True
    """

    def __init__(
        self,
        threshold: float | None = None,
        *,
        changeable: Container[str] | None = None,
        synonyms: SynonymGraph | None = None,
        keep: Container[str] = FUNCTION_WORDS,
        changeable_names: bool = False,
        num_perm: int = NUM_PERM,
        lsh_threshold: float = LSH_THRESHOLD,
        window: int = WINDOW,
        max_candidates: int = MAX_CANDIDATES,
        min_words: int = MIN_WORDS,
    ) -> None:
        from datasketch import MinHashLSH

        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.threshold = threshold
        self._changeable = changeable
        self._synonyms = synonyms
        self._keep = keep
        self._changeable_names = changeable_names
        self._num_perm = num_perm
        self._window = window
        self._max_candidates = max_candidates
        self._min_words = min_words
        self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
        self._entries: dict[str, _Entry] = {}

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, str]], **options: Any) -> SourceIndex:
        """Return an index of ``(id, text)`` records (``options`` as for the constructor)."""
        index = cls(**options)
        for ref_id, text in records:
            index.add(ref_id, text)
        return index

    # ------------------------------------------------------------------ references

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, ref_id: object) -> bool:
        return ref_id in self._entries

    def ids(self) -> list[str]:
        """Return the ids of the references, in the order they were added."""
        return list(self._entries)

    def text(self, ref_id: str) -> str:
        """Return the text of a reference (what restoring from the source needs).

        Raises:
            KeyError: for an id that is not in the index.
        """
        return self._entries[ref_id].text

    def _graph(self) -> SynonymGraph:
        return self._synonyms if self._synonyms is not None else shipped_synonyms()

    def _fingerprint(self, text: str) -> Fingerprint:
        return fingerprint(
            text, self._changeable, keep=self._keep, changeable_names=self._changeable_names
        )

    def _features(self, anchors: Sequence[str]) -> frozenset[int]:
        """Return the LSH features of anchors: their n-grams, and each content anchor alone.

        A content anchor (a name, a number, a rare word: not a kept function word) alone
        survives a swap beside it that breaks both its n-grams, which matters in a short text:
        with them, the 2nd percentile of the Jaccard similarity of a spun paragraph to its
        original is 0.17 (0.0 without: a headline of three anchors loses every pair).
        """
        keep = self._keep
        return shingles(anchors, SHINGLE_SIZE) | shingles([w for w in anchors if w not in keep], 1)

    def _window_sketches(self, fp: Fingerprint) -> Iterator[Any]:
        for part in _windows(fp.anchors, self._window):
            features = self._features(part)
            if features:
                yield _sketch(features, self._num_perm)

    def add(self, ref_id: str, text: str) -> None:
        """Add a reference text under ``ref_id``.

        Raises:
            ValueError: for an id already in the index.
        """
        if ref_id in self._entries:
            raise ValueError(f"reference id {ref_id!r} is already in the index")
        fp = self._fingerprint(text)
        entry = _Entry(text, fp.words, self._features(fp.anchors), len(self._entries))
        self._entries[ref_id] = entry
        for k, sketch in enumerate(self._window_sketches(fp)):
            self._lsh.insert((ref_id, k), sketch)

    # ------------------------------------------------------------------ queries

    def _candidates(self, fp: Fingerprint, exclude: Container[str]) -> list[str]:
        """Return the references LSH finds for ``fp``, most shared features first."""
        found: set[str] = set()
        for sketch in self._window_sketches(fp):
            found.update(ref_id for ref_id, _k in self._lsh.query(sketch))
        features = self._features(fp.anchors)
        entries = self._entries

        def promise(ref_id: str) -> tuple[int, int]:
            return -len(features & entries[ref_id].features), entries[ref_id].order

        ranked = sorted((r for r in found if r not in exclude), key=promise)
        return ranked[: self._max_candidates]

    def matches(self, text: str, *, exclude: Container[str] = ()) -> list[Match]:
        """Return every verified candidate for ``text``, best first, whatever its score.

        Empty for a text too short to match (fewer than ``min_words`` words, or no anchor
        shingle). Of two equal scores, the reference sharing more LSH features with the text
        comes first, then the one added first.

        Args:
            text: the text whose source is sought.
            exclude: reference ids to leave out (the text's own, when it is in the index).
        """
        return self._verified(text, exclude)[1]

    def _verified(self, text: str, exclude: Container[str]) -> tuple[int, list[Match]]:
        """Return the words of ``text`` and its verified candidates (see :meth:`matches`)."""
        fp = self._fingerprint(text)
        if fp.word_count < self._min_words or not fp.shingles:
            return fp.word_count, []
        linker = _Linker(fp.words, self._graph())
        scored = [
            Match(ref_id, linker.share(self._entries[ref_id].words))
            for ref_id in self._candidates(fp, exclude)
        ]
        return fp.word_count, sorted(scored, key=lambda m: -m.score)

    def needs(self, words: int) -> float:
        """Return the score a query of ``words`` words needs: the index's threshold, if set."""
        return self.threshold if self.threshold is not None else default_threshold(words)

    def query(
        self, text: str, *, threshold: float | None = None, exclude: Container[str] = ()
    ) -> Match | None:
        """Return the reference ``text`` is a copy of, or None when none scores ``threshold``.

        Args:
            text: the text whose source is sought (a paragraph or a whole document).
            threshold: the score a match needs (default: :meth:`needs`).
            exclude: reference ids to leave out (the text's own, when it is in the index).
        """
        words, found = self._verified(text, exclude)
        need = self.needs(words) if threshold is None else threshold
        return found[0] if found and found[0].score >= need else None

    def score(self, text: str, ref_id: str) -> float:
        """Return the verified score of ``text`` against one reference (no LSH, no threshold).

        Raises:
            KeyError: for an id that is not in the index.
        """
        entry = self._entries[ref_id]
        return aligned_share(text_words(text), entry.words, self._graph())
