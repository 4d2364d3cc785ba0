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
"""

from __future__ import annotations

import functools
import importlib.resources
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from restorer.errors import TableFormatError
from restorer.inflect import Analysis, analyses
from restorer.tokenize import Token, tokenize

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Match",
    "PhraseTable",
    "Row",
    "lint",
    "load_table",
    "parse_table",
]

FORMAT_NAME = "restorer-phrases"
FORMAT_VERSION = 1
HEADER = f"# {FORMAT_NAME} {FORMAT_VERSION}"
COLUMNS = "# spun\tcanonical\tprior\tsource"


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
    """

    spun: str
    canonicals: tuple[str, ...]
    prior: float
    source: str
    table: str = "memory"
    line: int = 0

    @property
    def case_sensitive(self) -> bool:
        """Rows written with capitals match only that casing (or all caps)."""
        return self.spun != self.spun.lower()

    def describe(self) -> str:
        """Return ``spun -> a|b`` for explanations."""
        return f"{self.spun} -> {'|'.join(self.canonicals)}"

    def to_tsv(self) -> str:
        """Return the row as one line of the table format (without newline)."""
        return f"{self.spun}\t{'|'.join(self.canonicals)}\t{self.prior!r}\t{self.source}"


class _Entry(NamedTuple):
    """A row prepared for lookup: its tokens, and which of them are base forms."""

    row: Row
    words: tuple[str, ...]  # tokens as matched: lower case unless the row is case-sensitive
    base: tuple[bool, ...]  # token may match inflections (written as a base form)


class Match(NamedTuple):
    """A row found at a token position.

    Attributes:
        row: the table row.
        length: number of input tokens covered.
        inflection: the readings of the inflected input word when the row matched through a
            lemma (``mentioned`` for the ``mention`` row); empty for an exact match.
    """

    row: Row
    length: int
    inflection: tuple[Analysis, ...]


def _check_prior(text: str, path: str, line: int) -> float:
    try:
        prior = float(text)
    except ValueError:
        raise TableFormatError(path, line, f"prior {text!r} is not a number") from None
    if not 0.0 < prior <= 1.0:
        raise TableFormatError(path, line, f"prior {prior:g} is not in (0, 1]")
    return prior


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
    if parts[1] != str(FORMAT_VERSION):
        raise TableFormatError(
            path, 1, f"unsupported {FORMAT_NAME} version {parts[1]!r} (this restorer reads 1)"
        )
    for number, raw in enumerate(it, start=2):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise TableFormatError(
                path, number, f"expected 4 tab-separated fields, got {len(fields)}"
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
        rows.append(Row(" ".join(spun.split()), canonicals, prior, source, name, number))
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
            words = tuple(t.text for t in tokenize(row.spun))
            if not row.case_sensitive:
                words = tuple(w.lower() for w in words)
            base = tuple(
                (not row.case_sensitive) and any(a.is_base for a in analyses(w.lower()))
                for w in words
            )
            index[words[0].lower()].append(_Entry(row, words, base))
        for entries in index.values():
            entries.sort(key=lambda e: -len(e.words))
        self._index = dict(index)
        self.max_length = max((len(e.words) for v in index.values() for e in v), default=0)

    @classmethod
    def load(cls, path: str | Path) -> PhraseTable:
        """Read a table file.

        Raises:
            TableFormatError: if the file cannot be read or a line is malformed.
        """
        p = Path(path)
        try:
            with p.open("rb") as fh:
                rows = parse_table(_decoded_lines(fh, str(path)), str(path))
        except IsADirectoryError:
            raise TableFormatError(path, 0, "is a directory, not a table file") from None
        except OSError as exc:
            raise TableFormatError(path, 0, exc.strerror or str(exc)) from None
        return cls(rows, name=p.name)

    def merged(self, *others: PhraseTable) -> PhraseTable:
        """Return one table holding the rows of this table and ``others``."""
        rows = [*self.rows]
        for other in others:
            rows.extend(other.rows)
        return PhraseTable(rows, name="+".join([self.name, *(o.name for o in others)]))

    def save(self, path: str | Path) -> None:
        """Write the table in the ``restorer-phrases`` format."""
        with Path(path).open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(f"{HEADER}\n{COLUMNS}\n")
            for row in self.rows:
                fh.write(row.to_tsv() + "\n")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def lookup(self, tokens: Sequence[Token], i: int, max_length: int = 5) -> list[Match]:
        """Return every row matching at token ``i``, longest first.

        Matching is case-insensitive for lower-case rows and lemma-aware for words written in
        base form.
        """
        first = tokens[i].text.lower()
        keys = {first} | {a.lemma for a in analyses(first)}
        found: list[Match] = []
        for key in keys:
            for entry in self._index.get(key, ()):
                n = len(entry.words)
                if n > max_length or i + n > len(tokens):
                    continue
                match = _match_entry(entry, tokens, i)
                if match is not None:
                    found.append(match)
        found.sort(key=lambda m: (-m.length, m.row.table, m.row.line))
        return found


def _match_entry(entry: _Entry, tokens: Sequence[Token], i: int) -> Match | None:
    inflection: tuple[Analysis, ...] = ()
    for k, word in enumerate(entry.words):
        tok = tokens[i + k]
        if tok.protected:
            return None
        if entry.row.case_sensitive:
            if tok.text != word and tok.text != word.upper():
                return None
            continue
        lower = tok.text.lower()
        if lower == word:
            continue
        if not entry.base[k]:
            return None
        readings = tuple(a for a in analyses(lower) if a.lemma == word)
        if not readings:
            return None
        if not inflection:
            inflection = readings
    return Match(entry.row, len(entry.words), inflection)


def lint(table: PhraseTable) -> list[str]:
    """Return the problems of a table's rows, one message per problem (empty when clean).

    Checks: provenance on every row, no identity rows, no spun phrase listed twice, and no pair
    of rows that undo each other (``a -> b`` and ``b -> a``), which would make restoration
    depend on the order rows are tried.
    """
    problems: list[str] = []
    seen: dict[str, Row] = {}
    pairs: set[tuple[str, str]] = set()
    for row in table.rows:
        where = f"{row.table}:{row.line}"
        key = row.spun if row.case_sensitive else row.spun.lower()
        if not row.source.strip():
            problems.append(f"{where}: row {row.spun!r} has no provenance")
        if any(c.lower() == row.spun.lower() for c in row.canonicals):
            problems.append(f"{where}: identity row {row.spun!r} -> itself")
        if key in seen:
            problems.append(
                f"{where}: {row.spun!r} is already listed at {seen[key].table}:{seen[key].line}"
            )
        seen.setdefault(key, row)
        pairs.update((row.spun.lower(), c.lower()) for c in row.canonicals)
    problems.extend(
        f"{row.table}:{row.line}: {row.spun!r} -> {c!r} is undone by a row {c!r} -> {row.spun!r}"
        for row in table.rows
        for c in row.canonicals
        if (c.lower(), row.spun.lower()) in pairs and c.lower() != row.spun.lower()
    )
    return problems


def _shipped_table_files() -> list[Path]:
    data = importlib.resources.files("restorer") / "data"
    return sorted(
        Path(str(p)) for p in data.iterdir() if p.name.endswith("_en.tsv") and p.is_file()
    )


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
