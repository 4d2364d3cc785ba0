"""Phrase tables: the spun -> canonical mapping, its file format, and lookup over token spans.

File format (``restorer-phrases`` version 1), UTF-8 text, one row per line::

    # restorer-phrases 1
    # spun<TAB>canonical[|canonical...]<TAB>prior<TAB>source
    undercover agent company<TAB>spy agency<TAB>0.85<TAB>curated: news collocations
    mention<TAB>say<TAB>0.5<TAB>curated: verbs of saying
    Related Press<TAB>Associated Press<TAB>0.98<TAB>curated: proper-name corruptions

- The first line names the format and its version; other ``#`` lines and blank lines are ignored.
- ``spun`` is what the spinner wrote, ``canonical`` the original it replaced (alternatives
  separated by ``|``, most likely first). ``prior`` (0 < p <= 1) is the table's confidence that
  this spun phrase, seen in a spun document, stands for the canonical; ``source`` is provenance.
- A spun phrase written in lower case matches any casing. One written with capitals matches only
  those capitals (or ALL CAPS), so ``White Space`` never fires on ordinary "white space".
- Lemma-aware matching: a word of the spun phrase written in its base form (``mention``) also
  matches its inflections (``mentioned``, ``mentions``), and the canonical is re-inflected
  (``said``, ``says``). A word written inflected (``stated``) matches only that form.
- Curly and straight apostrophes match each other (``isn’t`` finds the ``isn't`` row).

Version 2 (``# restorer-phrases 2``) adds an optional fifth column, ``condition``: other phrases
the match requires or forbids in the same document (``"surface area" AND NOT "with MACS"``; see
:mod:`restorer.conditions`). Version 1 files are still read; :meth:`PhraseTable.save` writes
version 1 unless a row has a condition.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import importlib.resources
import itertools
import re
import zlib
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from restorer.conditions import Condition, ConditionError, parse_condition
from restorer.errors import TableFormatError
from restorer.inflect import Analysis, analyses, dictionary_lemmas, lemmas
from restorer.tokenize import Token, is_word, tokenize

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Match",
    "PhraseTable",
    "Row",
    "lint",
    "load_optional_table",
    "load_table",
    "open_table_file",
    "parse_table",
    "table_read_errors",
]

FORMAT_NAME = "restorer-phrases"
FORMAT_VERSION = 2
#: Versions this restorer reads. Version 1 has four columns; version 2 adds ``condition``.
READ_VERSIONS = (1, 2)
HEADER = f"# {FORMAT_NAME} {FORMAT_VERSION}"
HEADER_V1 = f"# {FORMAT_NAME} 1"
COLUMNS = "# spun\tcanonical\tprior\tsource"
COLUMNS_V2 = "# spun\tcanonical\tprior\tsource\tcondition"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "‛": "'"})


@dataclass(frozen=True, slots=True)
class Row:
    """One table row.

    Attributes:
        spun: the spun phrase as written in the table.
        canonicals: candidate originals, most likely first.
        prior: confidence that the spun phrase stands for the canonical, in (0, 1].
        source: provenance (``curated: verbs of saying``, ``wordnet-3.0``, ``user``...).
        table: name of the table the row came from.
        line: 1-based line number in that table's file (0 for rows built in memory).
        condition: other phrases the match requires or forbids in the same document (None: the
            row matches wherever its phrase occurs).
    """

    spun: str
    canonicals: tuple[str, ...]
    prior: float
    source: str
    table: str = "memory"
    line: int = 0
    condition: Condition | None = None

    @property
    def case_sensitive(self) -> bool:
        """Rows written with capitals match only that casing (or all caps)."""
        return self.spun != self.spun.lower()

    def describe(self) -> str:
        """Return ``spun -> a|b`` for explanations."""
        return f"{self.spun} -> {'|'.join(self.canonicals)}"

    def to_tsv(self) -> str:
        """Return the row as one line of the table format (without newline).

        Rows with a condition get the version 2 fifth column.
        """
        line = f"{self.spun}\t{'|'.join(self.canonicals)}\t{self.prior!r}\t{self.source}"
        return f"{line}\t{self.condition.render()}" if self.condition is not None else line


class _Entry(NamedTuple):
    """A row prepared for lookup: its tokens as matched.

    Whether a word is a base form (and so may match inflections) is decided at match time and
    cached per word, not here: analysing every word of a large table up front would make
    loading it slow, while lookups only ever ask about the few words that occur in the text.
    """

    row: Row
    words: tuple[str, ...]  # tokens as matched: lower case unless the row is case-sensitive
    size: int  # words that count toward a lookup's length limit (punctuation tokens do not)


class Match(NamedTuple):
    """A row found at a token position.

    Attributes:
        row: the table row.
        length: number of input tokens covered.
        inflection: the readings of the inflected input word when the row matched through a
            lemma (``mentioned`` for the ``mention`` row); empty for an exact match.
        inflected_at: which word of the phrase that is (``chains`` in ``provide chains``: 1).
    """

    row: Row
    length: int
    inflection: tuple[Analysis, ...]
    inflected_at: int = 0


def _check_prior(text: str, path: str, line: int) -> float:
    try:
        prior = float(text)
    except ValueError:
        raise TableFormatError(path, line, f"prior {text!r} is not a number") from None
    if not 0.0 < prior <= 1.0:
        raise TableFormatError(path, line, f"prior {prior:g} is not in (0, 1]")
    return prior


_GZIP_MAGIC = b"\x1f\x8b"


def open_table_file(path: Path) -> IO[bytes]:
    """Open a table file for reading bytes, decompressing it if it is gzip (by its content).

    Big tables (the optional thesaurus) ship as ``.tsv.gz``; a user's table may be either.
    """
    fh: IO[bytes] = path.open("rb")
    if fh.read(2) == _GZIP_MAGIC:
        fh.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    fh.seek(0)
    return fh


@contextlib.contextmanager
def table_read_errors(path: str | Path) -> Iterator[None]:
    """Turn the errors of reading a table file into a :class:`TableFormatError` that names it.

    A directory, a damaged or truncated gzip file, and any other I/O error get one line each.
    """
    try:
        yield
    except IsADirectoryError:
        raise TableFormatError(path, 0, "is a directory, not a table file") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise TableFormatError(path, 0, f"damaged gzip file ({exc or 'truncated'})") from None
    except OSError as exc:
        raise TableFormatError(path, 0, exc.strerror or str(exc)) from None


def _decoded_lines(raw: Iterable[bytes], path: str) -> Iterator[str]:
    """Decode a table file line by line, so a bad byte is reported with its line number."""
    for number, line in enumerate(raw, start=1):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:  # noqa: PERF203 - once per file at most
            raise TableFormatError(path, number, f"not UTF-8 text ({exc.reason})") from None


def parse_table(lines: Iterable[str], path: str) -> list[Row]:
    """Parse the lines of a table file into rows.

    Raises:
        TableFormatError: naming ``path``, the line and the reason, at the first bad line.
    """
    rows: list[Row] = []
    name = Path(path).name
    it = iter(lines)
    first = next(it, None)
    if first is None:
        raise TableFormatError(path, 1, f"empty file; expected the header {HEADER!r}")
    first = first.lstrip("\ufeff").rstrip("\r\n")
    parts = first.lstrip("# ").split()
    if len(parts) != 2 or parts[0] != FORMAT_NAME:
        raise TableFormatError(path, 1, f"expected the header {HEADER!r}, found {first[:60]!r}")
    if parts[1] not in {str(v) for v in READ_VERSIONS}:
        raise TableFormatError(
            path,
            1,
            f"unsupported {FORMAT_NAME} version {parts[1]!r} "
            f"(this restorer reads {', '.join(str(v) for v in READ_VERSIONS)})",
        )
    version = int(parts[1])
    for number, raw in enumerate(it, start=2):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        condition: Condition | None = None
        if version >= 2 and len(fields) == 5:
            text = fields.pop().strip()
            try:
                condition = parse_condition(text) if text else None
            except ConditionError as exc:
                raise TableFormatError(path, number, str(exc)) from None
        if len(fields) != 4:
            want = "4 or 5" if version >= 2 else "4"
            raise TableFormatError(
                path, number, f"expected {want} tab-separated fields, got {len(fields)}"
            )
        spun, canon, prior_text, source = (f.strip() for f in fields)
        if not spun:
            raise TableFormatError(path, number, "the spun phrase is empty")
        canonicals = tuple(c.strip() for c in canon.split("|"))
        if not all(canonicals):
            raise TableFormatError(path, number, "a canonical phrase is empty")
        if not source:
            raise TableFormatError(path, number, "the source (provenance) column is empty")
        prior = _check_prior(prior_text, path, number)
        rows.append(Row(" ".join(spun.split()), canonicals, prior, source, name, number, condition))
    return rows


class PhraseTable:
    """A set of rows indexed for longest-match lookup over token sequences.

    Build one from rows (``PhraseTable(rows)``), from files (``PhraseTable.load(path)``), or get
    the shipped one with :func:`load_table`. Tables are immutable after construction; combine
    them with :meth:`merged`.
    """

    def __init__(self, rows: Iterable[Row], name: str = "memory") -> None:
        self.name = name
        self.rows: tuple[Row, ...] = tuple(rows)
        index: dict[str, list[_Entry]] = defaultdict(list)
        for row in self.rows:
            words = _row_words(row.spun)
            if not row.case_sensitive:
                words = tuple(w.lower() for w in words)
            size = sum(1 for w in words if is_word(w))
            index[words[0].lower()].append(_Entry(row, words, max(size, 1)))
        self._set_index(index)

    def _set_index(self, index: dict[str, list[_Entry]]) -> None:
        for entries in index.values():
            entries.sort(key=lambda e: -len(e.words))
        self._index = dict(index)
        self.max_length = max((len(e.words) for v in index.values() for e in v), default=0)
        #: the longest row in words (the unit of ``lookup``'s ``max_length``)
        self.max_words = max((e.size for v in index.values() for e in v), default=0)
        self._canonicals: frozenset[str] | None = None
        self._starts: dict[str, _Probe | None] = {}
        self._pair_memo: dict[tuple[str, str], tuple[_Entry, ...]] = {}
        self._triple_memo: dict[tuple[str, str, str], tuple[_Entry, ...]] = {}
        # The lookup index proper. Rows of one word by their word; longer rows by their first
        # two words, since most rows that start with a common word (``the``, ``in``) fail on
        # the second: _match_entry accepts a word only if the token, lower-cased, is that word
        # (in any case, for ASCII words) or has it as a lemma, so a row whose second word is
        # none of the next token's forms cannot match. Rows whose second word is not ASCII
        # (case mapping outside ASCII can change length) are tried one by one.
        self._single: dict[str, list[_Entry]] = defaultdict(list)
        self._pairs: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        self._other: dict[str, list[_Entry]] = defaultdict(list)
        # the second words of the rows in _pairs, by first key
        seconds: dict[str, set[str]] = defaultdict(set)
        for key, entries in self._index.items():
            for entry in entries:
                if len(entry.words) == 1:
                    self._single[key].append(entry)
                elif entry.words[1].isascii():
                    self._pairs[key, entry.words[1].lower()].append(entry)
                    seconds[key].add(entry.words[1].lower())
                else:
                    self._other[key].append(entry)
        self._seconds = {key: frozenset(words) for key, words in seconds.items()}

    def probe(self, text: str) -> _Probe | None:
        """Return what rows a token with this text can start, or None when it starts none.

        The one-word rows it matches are found here once (their match depends only on the
        token's text), and the keys of the longer rows that start with it are listed for
        :meth:`lookup`, which then needs the following tokens. Most tokens of running text
        start no row, and the same words recur, so the answer is memoised per token text: for
        most tokens, lookup costs one dictionary probe. The memo starts afresh at
        :data:`_START_MEMO` entries, so memory stays flat over a corpus.
        """
        found = self._starts.get(text, _UNSEEN)
        if found is _UNSEEN:
            if len(self._starts) >= _START_MEMO:
                self._starts.clear()
            found = None
            if is_word(text) and might_be_key(text, self._index):
                keys = [k for k in _word_forms(text) if k in self._index]
                token = (Token(text, "", 0),)
                matched = (
                    m
                    for k in keys
                    for e in self._single.get(k, ())
                    if (m := _match_entry(e, token, 0)) is not None
                )
                singles = tuple(sorted(matched, key=_match_order))
                longer = tuple(k for k in keys if k in self._seconds or k in self._other)
                if singles or longer:
                    found = _Probe(singles, longer)
            self._starts[text] = found
        return found

    @property
    def canonicals(self) -> frozenset[str]:
        """Every canonical phrase of the table, lower case (the terms the table attests)."""
        if self._canonicals is None:
            self._canonicals = frozenset(
                c.lower().translate(_APOSTROPHES) for row in self.rows for c in row.canonicals
            )
        return self._canonicals

    @classmethod
    def load(cls, path: str | Path) -> PhraseTable:
        """Read a table file.

        Raises:
            TableFormatError: if the file cannot be read or a line is malformed.
        """
        p = Path(path)
        with table_read_errors(path), open_table_file(p) as fh:
            rows = parse_table(_decoded_lines(fh, str(path)), str(path))
        return cls(rows, name=p.name)

    def merged(self, *others: PhraseTable) -> PhraseTable:
        """Return one table holding the rows of this table and ``others``.

        The prepared index entries are reused, so merging a big table costs a dictionary
        merge, not a second tokenization of every row.
        """
        rows = [*self.rows]
        index: dict[str, list[_Entry]] = defaultdict(list)
        for table in (self, *others):
            rows.extend(table.rows if table is not self else ())
            for key, entries in table._index.items():
                index[key].extend(entries)
        out = PhraseTable.__new__(PhraseTable)
        out.name = "+".join([self.name, *(o.name for o in others)])
        out.rows = tuple(rows)
        out._set_index(index)
        return out

    def save(self, path: str | Path) -> None:
        """Write the table in the ``restorer-phrases`` format."""
        with Path(path).open("w", encoding="utf-8", newline="\n") as fh:
            self.write(fh)

    def write(self, fh: IO[str]) -> None:
        """Write the table to an open text stream: version 1 unless a row has a condition."""
        v2 = any(row.condition is not None for row in self.rows)
        fh.write(f"{HEADER}\n{COLUMNS_V2}\n" if v2 else f"{HEADER_V1}\n{COLUMNS}\n")
        for row in self.rows:
            fh.write(row.to_tsv() + "\n")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def scan(self, tokens: Sequence[Token], max_length: int = 5) -> list[tuple[int, list[Match]]]:
        """Return ``(position, matches)`` for every token where rows match, in order.

        The same as calling :meth:`lookup` at every position, and much faster: most tokens
        are passed over with one memo probe (:meth:`probe`).
        """
        pairs = self._pair_memo
        last = len(tokens) - 1
        out: list[tuple[int, list[Match]]] = []
        # The memo probes run in C (map); only tokens whose text may start a row (a _Probe,
        # or _UNSEEN for a text not probed yet; both are non-empty tuples) come back to Python.
        texts = [t.text for t in tokens]
        probes = list(map(self._starts.get, texts, itertools.repeat(_UNSEEN)))
        for i in itertools.compress(range(len(texts)), probes):
            tok = tokens[i]
            text = tok.text
            probe = probes[i]
            if probe is _UNSEEN:
                probe = self.probe(text)
            if probe is None or tok.protected:
                continue
            # A word like "at" may start longer rows, but after most next words none can:
            # the pair memo says so (an empty tuple) without a lookup.
            found: Sequence[Match] = probe.singles
            if probe.longer and i < last and pairs.get((text, tokens[i + 1].text)) != ():
                found = self._lookup(tokens, i, max_length, probe)
            if found:
                out.append((i, list(found)))
        return out

    def lookup(self, tokens: Sequence[Token], i: int, max_length: int = 5) -> list[Match]:
        """Return every row matching at token ``i``, longest first.

        Matching is case-insensitive for lower-case rows and lemma-aware for words written in
        base form. ``max_length`` counts words: the hyphens of ``man-in-the-middle`` and the
        parentheses of ``(IoT)`` are tokens, but they do not make a phrase longer.
        """
        probe = self.probe(tokens[i].text)
        if probe is None or tokens[i].protected:
            return []
        return self._lookup(tokens, i, max_length, probe)

    def _longer_entries(self, probe: _Probe, first: str, second: str) -> tuple[_Entry, ...]:
        """Return the rows of two or more words that may start with tokens ``first second``.

        Those whose second word is one of the second token's forms (or not ASCII), memoised
        per pair of token texts like :meth:`probe`.
        """
        pair = (first, second)
        entries = self._pair_memo.get(pair)
        if entries is None:
            if len(self._pair_memo) >= _START_MEMO:
                self._pair_memo.clear()
            found: list[_Entry] = []
            for key in probe.longer:
                found.extend(self._other.get(key, ()))
                # analysing a new word costs more than the rest of its lookup: do it only
                # where one of its forms may be a second word of these rows
                seconds = self._seconds.get(key)
                if seconds is not None and might_be_key(second, seconds):
                    for form in _word_forms(second):
                        found.extend(self._pairs.get((key, form), ()))
            entries = self._pair_memo[pair] = tuple(found)
        return entries

    def _third_word(
        self, entries: tuple[_Entry, ...], first: str, second: str, third: str
    ) -> tuple[_Entry, ...]:
        """Return ``entries`` less the rows of three or more words that ``third`` cannot go on.

        ``in the`` starts dozens of rows (``in the meantime``, ``in the event that``) and the
        third token rules out nearly all of them. A word of a row that is not case-sensitive
        matches a token only if it is one of the token's forms (its lower-case text or a
        lemma: :func:`_word_forms`), so the rest cannot match. Memoised per three token texts,
        like :meth:`_longer_entries`.
        """
        key = (first, second, third)
        kept = self._triple_memo.get(key)
        if kept is None:
            if len(self._triple_memo) >= _START_MEMO:
                self._triple_memo.clear()
            thirds = {e.words[2] for e in entries if len(e.words) >= 3 and not e.row.case_sensitive}
            # as in _longer_entries: analyse the word only if one of its forms may be a third word
            forms = _word_forms(third) if thirds and might_be_key(third, thirds) else frozenset()
            kept = self._triple_memo[key] = tuple(
                e
                for e in entries
                if len(e.words) < 3 or e.words[2] in forms or e.row.case_sensitive
            )
        return kept

    def _lookup(
        self, tokens: Sequence[Token], i: int, max_length: int, probe: _Probe
    ) -> list[Match]:
        found = list(probe.singles)
        end = len(tokens)
        if i + 1 < end:
            entries = self._longer_entries(probe, tokens[i].text, tokens[i + 1].text)
            if entries and i + 2 < end:
                first, second, third = tokens[i].text, tokens[i + 1].text, tokens[i + 2].text
                entries = self._third_word(entries, first, second, third)
            for entry in entries:
                if entry.size > max_length or i + len(entry.words) > end:
                    continue
                match = _match_entry(entry, tokens, i)
                if match is not None:
                    found.append(match)
        if len(found) > 1:
            found.sort(key=_match_order)
        return found


def _match_order(m: Match) -> tuple[int, str, int, str, tuple[str, ...]]:
    """Longest first, then in table and line order: the order lookup returns matches in.

    Rows built in memory share a line (0), so their phrases break the tie: a token's forms are
    a set, whose order changes from one process to the next, and the same text must find its
    matches in the same order in every run.
    """
    return (-m.length, m.row.table, m.row.line, m.row.spun, m.row.canonicals)


#: Token texts whose start keys a table memoises before it starts afresh.
_START_MEMO = 200_000


def might_be_key(text: str, keys: Container[str]) -> bool:
    """False when no form of a token can be one of ``keys``: then :func:`_word_forms` is skipped.

    A token's forms are its lower-case text and some of its dictionary lemmas
    (:func:`~restorer.inflect.lemmas`), so if neither the text nor any dictionary lemma is a
    key, none of its forms is. Listing the lemmas costs a tenth of analysing the word, and most
    words of running text start no row; over a corpus, most word forms are seen once.
    """
    return any(k in keys for k in _possible_forms(text))


@functools.lru_cache(maxsize=65_536)
def _possible_forms(text: str) -> tuple[str, ...]:
    """Return a token's lower-case form (straight apostrophes) and its dictionary lemmas.

    Memoised: the same word is asked about once as a first word and again after every new
    word before it.
    """
    word = text.translate(_APOSTROPHES).lower()
    return (word, *dictionary_lemmas(word))


@functools.lru_cache(maxsize=65_536)
def _word_forms(text: str) -> frozenset[str]:
    """Return a token's lower-case form (straight apostrophes) and its lemmas."""
    return lemmas(text.translate(_APOSTROPHES).lower())


class _Probe(NamedTuple):
    """What rows a token's text can start (see :meth:`PhraseTable.probe`)."""

    #: the one-word rows it matches
    singles: tuple[Match, ...]
    #: index keys of the longer rows that may start with it
    longer: tuple[str, ...]


_UNSEEN = _Probe((), ())  # marks a text the memo has not seen (None means "starts nothing")


@functools.lru_cache(maxsize=65_536)
def _is_base(word: str) -> bool:
    """True when a (lower-case) table word is a base form, so it also matches inflections."""
    return any(a.is_base for a in analyses(word))


@functools.cache
def _special_cases() -> frozenset[str]:
    from restorer.tokenize import _tokenizer

    return frozenset(w.lower() for w in _tokenizer().rules or {})


_PLAIN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*(?: [A-Za-z]+(?:-[A-Za-z]+)*)*")
_HYPHEN = re.compile(r"(-)")


def _row_words(spun: str) -> tuple[str, ...]:
    """Return the tokens of a row's spun phrase, as the tokenizer splits running text.

    Plain letter words split on spaces (and around hyphens between letters) exactly as the
    tokenizer would, unless the tokenizer has a special case for the word (``cannot``); that
    keeps loading a large table fast. Anything else goes through the tokenizer. Apostrophes are
    made straight, so both kinds of input apostrophe find the row.
    """
    if _PLAIN.fullmatch(spun) and not any(w.lower() in _special_cases() for w in spun.split()):
        return tuple(p for w in spun.split(" ") for p in _HYPHEN.split(w))
    return tuple(t.text.translate(_APOSTROPHES) for t in tokenize(spun) if t.text.strip())


def _match_entry(entry: _Entry, tokens: Sequence[Token], i: int) -> Match | None:
    inflection: tuple[Analysis, ...] = ()
    inflected_at = 0
    for k, word in enumerate(entry.words):
        tok = tokens[i + k]
        if tok.protected:
            return None
        text = tok.text.translate(_APOSTROPHES)
        if entry.row.case_sensitive:
            if text != word and text != word.upper():
                return None
            continue
        lower = text.lower()
        if lower == word:
            continue
        if not _is_base(word):
            return None
        readings = tuple(a for a in analyses(lower) if a.lemma == word)
        if not readings:
            return None
        if not inflection:
            inflection, inflected_at = readings, k
    return Match(entry.row, len(entry.words), inflection, inflected_at)


#: Marks a row's provenance as one direction of a symmetric source (``thesaurus (symmetric):
#: ...``, ``synonyms (symmetric): groups.txt``): synonyms that a spinner may swap either way.
SYMMETRIC_MARK = "(symmetric)"


def _symmetric(row: Row) -> bool:
    return SYMMETRIC_MARK in row.source.partition(":")[0]


def lint(table: PhraseTable) -> list[str]:
    """Return the problems of a table's rows, one message per problem (empty when clean).

    Checks: provenance on every row, no identity rows, no spun phrase listed twice, and no pair
    of rows that undo each other (``a -> b`` and ``b -> a``), which would make restoration
    depend on the order rows are tried. Two rows that both come from a symmetric source
    (:data:`SYMMETRIC_MARK` in their provenance: synonym groups, the optional thesaurus) may
    list a pair both ways on purpose: a spinner swaps synonyms either way, and the scorer,
    not the table, decides which of the two reads as the original.
    """
    problems: list[str] = []
    seen: dict[tuple[str, str], Row] = {}
    pairs: dict[tuple[str, str], bool] = {}  # (spun, canonical) -> every row listing it symmetric
    for row in table.rows:
        where = f"{row.table}:{row.line}"
        # rows with different conditions (version 2) may share a spun phrase
        condition = row.condition.render() if row.condition is not None else ""
        key = (row.spun if row.case_sensitive else row.spun.lower(), condition)
        if not row.source.strip():
            problems.append(f"{where}: row {row.spun!r} has no provenance")
        if any(c.lower() == row.spun.lower() for c in row.canonicals):
            problems.append(f"{where}: identity row {row.spun!r} -> itself")
        if key in seen:
            problems.append(
                f"{where}: {row.spun!r} is already listed at {seen[key].table}:{seen[key].line}"
            )
        seen.setdefault(key, row)
        symmetric = _symmetric(row)
        for c in row.canonicals:
            pair = (row.spun.lower(), c.lower())
            pairs[pair] = pairs.get(pair, True) and symmetric
    problems.extend(
        f"{row.table}:{row.line}: {row.spun!r} -> {c!r} is undone by a row {c!r} -> {row.spun!r}"
        for row in table.rows
        for c in row.canonicals
        if (c.lower(), row.spun.lower()) in pairs
        and c.lower() != row.spun.lower()
        and not (_symmetric(row) and pairs[c.lower(), row.spun.lower()])
    )
    return problems


def _shipped_table_files() -> list[Path]:
    data = importlib.resources.files("restorer") / "data"
    return sorted(
        Path(str(p)) for p in data.iterdir() if p.name.endswith("_en.tsv") and p.is_file()
    )


#: Tables shipped in ``restorer/data/optional/`` that are loaded only on request.
OPTIONAL_TABLES = {"thesaurus": "thesaurus_en.tsv.gz"}


@functools.cache
def load_optional_table(name: str) -> PhraseTable:
    """Return a shipped table that is not loaded by default (``"thesaurus"``), cached.

    The thesaurus table (inverse WordNet, MyThes and Moby, built by ``data/build_thesaurus.py``)
    proposes many more candidates, but the ``fast`` scorer cannot tell a spun word from a rare
    original among so many, and loading it takes seconds; see ``data/SOURCES.md``.

    Raises:
        LookupError: for a name that is not an optional table.
    """
    if name not in OPTIONAL_TABLES:
        raise LookupError(f"no optional table {name!r}; available: {', '.join(OPTIONAL_TABLES)}")
    data = importlib.resources.files("restorer") / "data" / "optional" / OPTIONAL_TABLES[name]
    return PhraseTable.load(Path(str(data)))


@functools.cache
def load_table(name: str = "en") -> PhraseTable:
    """Return the shipped table (every ``restorer/data/*_en.tsv``), loaded once and cached.

    Raises:
        LookupError: for a language no table ships for.
    """
    if name != "en":
        raise LookupError(f"no shipped phrase table for {name!r}; available: 'en'")
    files = _shipped_table_files()
    tables = [PhraseTable.load(p) for p in files]
    if not tables:
        return PhraseTable([], name="en")
    return tables[0].merged(*tables[1:]) if len(tables) > 1 else tables[0]
