"""The synonym graph: which originals a spinner could have turned into the words written.

A spinner draws its swaps from a thesaurus, so the original of a spun word is almost always
*linked* to it in some thesaurus graph: a direct synonym (``mention`` ~ ``say``), or a synonym of
one of its synonyms (two hops: ``company`` ~ ``firm`` ~ ``agency``). The language model proposes
words that read well at a position; the graph keeps those a spinner could have replaced by the
word written there, and says how (:class:`Link`), which sets the proposal's channel prior.

The graph is the union of the phrase tables' rows (each row links its spun phrase to its
canonicals) and the optional thesaurus table (inverse WordNet 3.0, MyThes and Moby Thesaurus II,
both directions of each synonym pair; ``data/SOURCES.md``). The thesaurus is read straight from
its file into a dictionary of strings (not :class:`~restorer.table.PhraseTable` rows, whose
index this needs none of), and a phrase's neighbours are split only when asked for.

Links are lemma-aware: ``mentioned`` reaches ``said`` through ``mention`` ~ ``say``.

>>> g = SynonymGraph({"mention": "say|note", "say": "mention", "note": "mention|observe"})
>>> g.link("mentioned", "said"), g.link("said", "noted"), g.link("says", "observed")
(<Link.DIRECT: 1>, <Link.TWO_HOPS: 2>, None)
>>> g.link("mentions", "mentioned"), g.link("said", "banana") is None
(<Link.SAME_LEMMA: 0>, True)
"""

from __future__ import annotations

import enum
import functools
import importlib.resources
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path

from restorer.inflect import lemmas
from restorer.table import OPTIONAL_TABLES, PhraseTable, open_table_file, table_read_errors

__all__ = ["Link", "SynonymGraph", "load_graph"]

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "‛": "'"})
#: Most lemma combinations of a phrase tried (``financial institutions``: 2 words, a few each).
_MAX_FORMS = 8


class Link(enum.IntEnum):
    """How a proposed original is linked to the words written (lower is closer)."""

    #: another form of the same lemma (``mentions`` for ``mentioned``)
    SAME_LEMMA = 0
    #: a direct synonym (``said`` for ``mentioned``: ``mention`` ~ ``say``)
    DIRECT = 1
    #: a synonym of a synonym (``agency`` for ``company``: ``company`` ~ ``firm`` ~ ``agency``)
    TWO_HOPS = 2


def _normal(phrase: str) -> str:
    return " ".join(phrase.translate(_APOSTROPHES).lower().split())


@functools.lru_cache(maxsize=65_536)
def phrase_forms(phrase: str) -> frozenset[str]:
    """Return a (normalised) phrase and its lemma combinations, word by word.

    >>> sorted(phrase_forms("financial institutions"))
    ['financial institution', 'financial institutions']
    """
    words = phrase.split(" ")
    if len(words) == 1:
        return lemmas(words[0])
    options = [sorted(lemmas(w)) for w in words]
    return frozenset(
        " ".join(combo) for combo in itertools.islice(itertools.product(*options), _MAX_FORMS)
    ) | {phrase}


class SynonymGraph:
    """Phrases and the originals they may stand for, lemma-aware.

    Args:
        edges: lower-case phrase -> its linked phrases, ``|``-separated (the table format's
            canonical column), as read from a table file.
    """

    def __init__(self, edges: Mapping[str, str] | None = None) -> None:
        # the thesaurus's edges are shared by every graph of the process, never changed; rows
        # of the tables in use go in a dictionary of their own
        self._base: Mapping[str, str] = edges or {}
        self._edges: dict[str, str] = {}
        self._memo: dict[str, frozenset[str]] = {}

    def add_rows(self, table: PhraseTable) -> None:
        """Link every row's spun phrase and its canonicals, both ways.

        A row says the two were swapped for each other; the other direction keeps two hops
        meeting in the middle (``say`` ~ ``mention`` ~ ``note``) as in the symmetric thesaurus.
        """
        for row in table.rows:
            spun = _normal(row.spun)
            for canonical in row.canonicals:
                self._add(spun, _normal(canonical))
                self._add(_normal(canonical), spun)
        self._memo.clear()

    def _add(self, key: str, value: str) -> None:
        edges = self._edges
        edges[key] = f"{edges[key]}|{value}" if key in edges else value

    def __len__(self) -> int:
        return len(self._base.keys() | self._edges.keys())

    def __contains__(self, phrase: object) -> bool:
        return isinstance(phrase, str) and any(
            f in self._edges or f in self._base for f in phrase_forms(_normal(phrase))
        )

    def neighbours(self, phrase: str) -> frozenset[str]:
        """Return the phrases linked to any form of ``phrase`` (normalised, lower case)."""
        key = _normal(phrase)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= 200_000:
                self._memo.clear()
            out: set[str] = set()
            for form in phrase_forms(key):
                for edges in (self._base, self._edges):
                    joined = edges.get(form)
                    if joined:
                        out.update(joined.split("|"))
            found = self._memo[key] = frozenset(out)
        return found

    def link(self, written: str, original: str) -> Link | None:
        """Return how ``original`` is linked to ``written``, or None when it is not.

        Direct links are looked up both ways (the thesaurus lists at most 30 originals per
        phrase, so a pair may be listed in one direction only); two hops meet in the middle.
        """
        w, o = _normal(written), _normal(original)
        if w == o:
            return None
        w_forms, o_forms = phrase_forms(w), phrase_forms(o)
        if not w_forms.isdisjoint(o_forms):
            return Link.SAME_LEMMA
        near_w = self.neighbours(w)
        if not near_w.isdisjoint(o_forms):
            return Link.DIRECT
        near_o = self.neighbours(o)
        if not near_o.isdisjoint(w_forms):
            return Link.DIRECT
        if not near_w.isdisjoint(near_o):
            return Link.TWO_HOPS
        # a neighbour's neighbours may reach an inflected form the other side lists
        return None

    def rank(self, written: str, original: str) -> int | None:
        """Return where ``original`` stands among the listed originals of ``written`` (1: first).

        The thesaurus lists a phrase's originals likeliest first (by link strength and word
        frequency, ``data/build_thesaurus.py``); a spinner picks from the top of its list far
        more often than from the bottom. A row of the tables in use is a swap seen in spun
        text: first. Lemma-aware like :meth:`link`; where ``written`` does not list
        ``original``, its place in the other direction's list; None when neither lists the
        other directly.

        >>> g = SynonymGraph({"mention": "note|say", "say": "mention"})
        >>> g.rank("mentioned", "said"), g.rank("said", "mentioned"), g.rank("said", "noted")
        (2, 1, None)
        """
        w, o = _normal(written), _normal(original)
        pairs = ((phrase_forms(w), phrase_forms(o)), (phrase_forms(o), phrase_forms(w)))
        for forms, targets in pairs:
            for form in forms:
                if not targets.isdisjoint(self._edges.get(form, "").split("|")):
                    return 1
        for forms, targets in pairs:
            places = [
                i
                for form in forms
                for i, x in enumerate(self._base.get(form, "").split("|"), start=1)
                if x in targets
            ]
            if places:
                return min(places)
        return None


def _read_edges(path: Path) -> dict[str, str]:
    """Read a table file's spun -> canonical columns without building its rows.

    For the generated thesaurus file, whose phrases are already single-spaced with straight
    apostrophes: only the case is folded.
    """
    edges: dict[str, str] = {}
    with table_read_errors(path), open_table_file(path) as fh:
        for raw in fh:
            if raw.startswith(b"#") or not raw.strip():
                continue
            fields = raw.decode("utf-8").rstrip("\r\n").split("\t")
            if len(fields) < 2:
                continue
            key = fields[0].lower()
            more = fields[1].lower()
            edges[key] = f"{edges[key]}|{more}" if key in edges else more
    return edges


@functools.lru_cache(maxsize=1)
def _thesaurus_edges() -> dict[str, str]:
    data = (
        importlib.resources.files("restorer") / "data" / "optional" / OPTIONAL_TABLES["thesaurus"]
    )
    return _read_edges(Path(str(data)))


def load_graph(tables: Iterable[PhraseTable] = (), *, thesaurus: bool = True) -> SynonymGraph:
    """Return the graph of the optional thesaurus (unless ``thesaurus`` is off) and ``tables``."""
    graph = SynonymGraph(_thesaurus_edges() if thesaurus else None)
    for table in tables:
        graph.add_rows(table)
    return graph
