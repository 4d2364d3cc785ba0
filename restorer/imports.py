"""Tables the user supplies, in the formats they come in: read, recognise, convert.

restorer ships only tables whose licence allows it (DESIGN.md section 5). Users often have other
lists: a Problematic Paper Screener (PPS) export of tortured-phrase fingerprints, the
torturedcheck-style JSON list derived from it, or a spinner's own ``a|b|c`` synonym groups. This
module reads each of them into table rows at run time, so ``--table PATH`` accepts the file as it
is (:func:`load_any_table` recognises the format from its first lines) and ``restorer table
import`` converts it to the ``restorer-phrases`` TSV for review.

Formats:

``restorer-phrases`` TSV
    our own (:mod:`restorer.table`), recognised by its ``# restorer-phrases N`` header.
PPS CSV export
    a header naming the fingerprint and expected columns (``tortured_phrase,expected_phrase``;
    ``fingerprint``/``expected``/``correct`` are accepted too). The fingerprint uses the PPS query
    syntax: ``"phrase"``, ``AND``, ``OR``, ``NOT``, ``"…"~N`` proximity, a trailing ``*`` wildcard,
    parentheses around OR groups. See :func:`parse_fingerprint` for how a query becomes rows: the
    leading phrase (or each phrase of a leading OR group) is what gets replaced; the other terms
    become the row's :mod:`condition <restorer.conditions>`, so ``"surface region" AND "surface
    area"`` only fires in a document that also says "surface area". The expected phrase is free
    text; :func:`clean_expected` turns it into canonical alternatives (``a/b``, ``x or y``),
    drops notes and abbreviations in parentheses, and marks ``(?)`` entries as uncertain (a lower
    prior). Rows whose expected text is only a note (a URL, "???") are skipped and reported.
torturedcheck JSON
    ``{"phrases": [{"tortured": ..., "correct": ...}, ...]}``, a bare list of such objects, or an
    object mapping tortured to correct. The fingerprint syntax is already gone there (AND/NOT
    rows kept only their first phrase), so single-word entries get a lower prior.
synonym groups
    one group per line, members separated by ``|`` (spintax braces ``{a|b}`` allowed), ``#``
    comments. A spinner may have replaced any member by any other, so each member becomes a row
    whose canonicals are the other members (the symmetric inverse).

Allow and deny lists (:func:`read_phrase_list`) are plain text, one phrase per line: phrases
never to touch, or phrases always to flag (with an optional TAB and replacement).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from restorer.conditions import Condition, Term, normalise_word, phrase_words
from restorer.errors import TableFormatError
from restorer.table import (
    FORMAT_NAME,
    SYMMETRIC_MARK,
    PhraseTable,
    Row,
    open_table_file,
    table_read_errors,
)

__all__ = [
    "FORMATS",
    "Fingerprint",
    "ImportResult",
    "clean_expected",
    "detect_format",
    "import_table",
    "load_any_table",
    "parse_fingerprint",
    "phrase_words",
    "read_phrase_list",
    "read_pps_csv",
    "read_pps_json",
    "read_synonym_groups",
    "table_stats",
]

#: Format names, as :func:`detect_format` returns them and ``--format`` accepts them.
FORMATS = ("restorer", "pps-csv", "pps-json", "synonyms")

#: Default priors. PPS fingerprints were each confirmed in published papers, so a listed phrase
#: in a document is strong evidence; entries marked ``(?)`` by the list's curators are not.
PPS_PRIOR = 0.995
UNCERTAIN_PRIOR = 0.98
JSON_SINGLE_WORD_PRIOR = 0.5
SYNONYM_PRIOR = 0.3
DENY_PRIOR = 0.995

_TORTURED_COLUMNS = ("tortured_phrase", "tortured phrase", "tortured", "fingerprint", "query")
_EXPECTED_COLUMNS = ("expected_phrase", "expected phrase", "expected", "correct", "canonical")
_MAX_ALTERNATIVES = 8
_SNIFF_BYTES = 8192


@dataclass
class ImportResult:
    """Rows read from a user-supplied file, and what could not be used (with reasons).

    Attributes:
        rows: the table rows.
        skipped: ``(line, reason)`` for each entry that gave no row.
        notes: ``(line, note)`` for entries read with an adjustment worth knowing about (an
            ``ADN`` typo read as ``AND``, a proximity query kept as an exact phrase).
        format: the format name (one of :data:`FORMATS`).
    """

    rows: list[Row] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    format: str = ""


# -- format recognition ----------------------------------------------------------------------


def _head(path: Path) -> str:
    with table_read_errors(path), open_table_file(path) as fh:
        raw = fh.read(_SNIFF_BYTES)
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    return text


def detect_format(path: str | Path) -> str:
    """Return the format of a table file, recognised from its first lines.

    Raises:
        TableFormatError: if the file cannot be read or is in none of :data:`FORMATS`.
    """
    p = Path(path)
    head = _head(p)
    stripped = head.lstrip()
    first_line = stripped.split("\n", 1)[0].strip()
    if first_line.lstrip("# ").startswith(FORMAT_NAME):
        return "restorer"
    if stripped[:1] in "{[" and stripped:
        return "pps-json"
    if first_line:
        header = next(csv.reader([first_line]), [])
        names = {h.strip().lower() for h in header}
        if names & set(_TORTURED_COLUMNS) and names & set(_EXPECTED_COLUMNS):
            return "pps-csv"
    for line in stripped.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if line.lstrip("# ").lower().startswith("synonym"):
                return "synonyms"
            continue
        if "|" in line and "\t" not in line:
            return "synonyms"
        break
    raise TableFormatError(
        p,
        1,
        f"unrecognised table format (expected a '# {FORMAT_NAME} N' header, a PPS CSV with "
        "tortured_phrase and expected_phrase columns, a JSON list, or a|b|c synonym groups)",
    )


def import_table(
    path: str | Path, fmt: str | None = None, prior: float | None = None
) -> ImportResult:
    """Read a table file in any supported format.

    Args:
        path: the file.
        fmt: one of :data:`FORMATS`; recognised from the file when None.
        prior: override the format's default prior (uncertain PPS entries keep a lower one).

    Raises:
        TableFormatError: for unreadable files, unknown formats, or malformed content.
    """
    p = Path(path)
    fmt = fmt or detect_format(p)
    if fmt == "restorer":
        rows = list(PhraseTable.load(p).rows)
        return ImportResult(rows=rows, format=fmt)
    if fmt == "pps-csv":
        return read_pps_csv(p, prior=prior)
    if fmt == "pps-json":
        return read_pps_json(p, prior=prior)
    if fmt == "synonyms":
        return read_synonym_groups(p, prior=prior)
    raise TableFormatError(p, 0, f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def load_any_table(path: str | Path) -> PhraseTable:
    """Load a table file in any supported format as a :class:`PhraseTable`.

    This is what ``--table PATH`` (and ``RestorerConfig.tables``) uses. Entries an import
    cannot use are left out; ``restorer table import`` lists them.

    Raises:
        TableFormatError: for unreadable files, unknown formats, or malformed content.
    """
    p = Path(path)
    fmt = detect_format(p)
    if fmt == "restorer":
        return PhraseTable.load(p)
    return PhraseTable(import_table(p, fmt).rows, name=p.name)


def _read_text(path: Path) -> str:
    with table_read_errors(path), open_table_file(path) as fh:
        data = fh.read()
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableFormatError(path, line, f"not UTF-8 text ({exc.reason})") from None


# -- PPS fingerprints -------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """A fingerprint query taken apart.

    Attributes:
        lead: the phrases whose occurrence is the tortured phrase (one, or an OR group).
        lead_window: the ``~N`` of the leading phrase, if any.
        terms: the other terms, as conditions on the lead's match.
        notes: adjustments made while reading (typos, unsupported parts dropped).
    """

    lead: tuple[str, ...]
    lead_window: int | None
    terms: tuple[Term, ...]
    notes: tuple[str, ...] = ()


class FingerprintError(ValueError):
    """A fingerprint query this reader cannot interpret."""


_FP_LEXER = re.compile(
    r'\s*(?:(?P<q>"[^"]*")(?P<tilde>~\d+)?|(?P<lp>\()|(?P<rp>\))|(?P<w>[^\s"()]+))'
)
_OPERATORS = {"AND", "OR", "NOT", "ADN"}


def _fp_tokens(query: str) -> list[tuple[str, str, int | None]]:
    out: list[tuple[str, str, int | None]] = []
    pos = 0
    query = query.strip()
    bare: list[str] = []

    def flush() -> None:
        if bare:
            out.append(("q", " ".join(bare), None))
            bare.clear()

    while pos < len(query):
        m = _FP_LEXER.match(query, pos)
        if m is None or m.end() == pos:
            raise FingerprintError(f"cannot read {query[pos : pos + 20]!r}")
        pos = m.end()
        if m.group("q") is not None:
            flush()
            window = int(m.group("tilde")[1:]) if m.group("tilde") else None
            out.append(("q", m.group("q")[1:-1].strip(), window))
        elif m.group("lp"):
            flush()
            out.append(("(", "(", None))
        elif m.group("rp"):
            flush()
            out.append((")", ")", None))
        else:
            word = m.group("w")
            if word in _OPERATORS:
                flush()
                out.append(("op", word, None))
            elif re.fullmatch(r"~\d+", word) and out and out[-1][0] == "q":
                kind, text, _ = out.pop()
                out.append((kind, text, int(word[1:])))
            else:
                bare.append(word)
    flush()
    return out


def parse_fingerprint(query: str) -> Fingerprint:
    """Take a PPS fingerprint query apart.

    The query is read left to right: ``A OR B AND C`` is ``(A OR B) AND C``, and ``X NOT Y`` is
    ``X AND NOT Y`` (PPS fingerprints are document searches). The first term (a phrase, or an
    OR group of phrases) is the tortured phrase; every other term becomes a condition.

    >>> fp = parse_fingerprint('"surface region" AND "surface area"')
    >>> fp.lead, [t.render() for t in fp.terms]
    (('surface region',), ['"surface area"'])
    >>> fp = parse_fingerprint('"a b" OR "c d" AND ("x" OR "y") NOT "z"~5')
    >>> fp.lead, [t.render() for t in fp.terms]
    (('a b', 'c d'), ['("x" OR "y")', 'NOT "z"~5'])

    Raises:
        FingerprintError: for queries outside this grammar (nested AND inside parentheses).
    """
    tokens = _fp_tokens(query)
    notes: list[str] = []
    groups: list[tuple[bool, list[tuple[str, int | None]]]] = []
    negated = False
    current: list[tuple[str, int | None]] = []
    i = 0
    expect_operand = True
    while i < len(tokens):
        kind, text, window = tokens[i]
        if kind == "op":
            if text == "ADN":
                notes.append("read 'ADN' as 'AND'")
                text = "AND"
            if text == "OR":
                if expect_operand:
                    raise FingerprintError("OR without a phrase before it")
                expect_operand = True
            else:
                if not current:
                    raise FingerprintError(f"{text} without a phrase before it")
                groups.append((negated, current))
                current, negated, expect_operand = [], text == "NOT", True
            i += 1
            continue
        if not expect_operand:
            raise FingerprintError(f"two phrases without an operator near {text!r}")
        if kind == "(":
            j = i + 1
            while j < len(tokens) and tokens[j][0] != ")":
                k, t, w = tokens[j]
                if k == "q":
                    current.append((t, w))
                elif k == "op" and t == "OR":
                    pass
                else:
                    raise FingerprintError("only OR may join phrases inside parentheses")
                j += 1
            if j >= len(tokens):
                raise FingerprintError("unclosed parenthesis")
            i = j + 1
        elif kind == "q":
            current.append((text, window))
            i += 1
        else:
            raise FingerprintError(f"unexpected {text!r}")
        expect_operand = False
    if current:
        groups.append((negated, current))
    if not groups or groups[0][0]:
        raise FingerprintError("the query must start with a phrase")
    lead = tuple(p for p, _ in groups[0][1] if p)
    if not lead:
        raise FingerprintError("the leading phrase is empty")
    windows = [w for _, w in groups[0][1] if w is not None]
    terms: list[Term] = []
    lead_words = {w for p in lead for w in phrase_words(p)}
    for neg, atoms in groups[1:]:
        phrases: list[tuple[str, ...]] = []
        window = next((w for _, w in atoms if w is not None), None)
        for text, w in atoms:
            words = phrase_words(text)
            if w is not None and len(words) > 1:
                # A proximity phrase after the lead ("x y z"~N): its words other than the lead's
                # must be near the match. NOT of several such words cannot be split into one
                # clause each, so there the phrase is kept whole.
                rest = tuple(x for x in words if x not in lead_words)
                if rest and not neg:
                    terms.extend(Term(((x,),), False, w) for x in rest)
                    continue
                if rest and len(rest) == 1:
                    words = rest
            if words:
                phrases.append(words)
        if phrases:
            terms.append(Term(tuple(phrases), neg, window))
    return Fingerprint(lead, windows[0] if windows else None, tuple(terms), tuple(notes))


# -- expected phrases -------------------------------------------------------------------------

_NOTE = re.compile(r"https?://|\bsee\b|^the word\b|^paraphrased\b|\bas in\b", re.IGNORECASE)
_ATTACHED_PAREN = re.compile(r"(?<=[A-Za-z])\(([a-z]+)\)")
_PAREN = re.compile(r"\s*\([^()]*\)")
_BRACKET = re.compile(r"\s*\[[^\]]*\]")
_QUESTION = re.compile(r"\(\s*\?+\s*\)|\?+")


def _lower_title_words(canonical: str) -> str:
    """Lower-case the capitalised words of a canonical (``Support Vector machine``)."""
    return " ".join(
        w.lower() if w[:1].isupper() and (w[1:].islower() or len(w) == 1) else w
        for w in canonical.split(" ")
    )


def _expand_slashes(phrase: str, spun: str) -> list[str]:
    """``fog/mist/cloud computing`` -> three phrases, unless the slash is in the spun text."""
    words = phrase.split(" ")
    options: list[list[str]] = []
    for w in words:
        if "/" in w and w not in spun and all(w.split("/")):
            options.append(w.split("/"))
        else:
            options.append([w])
    return [" ".join(c) for c in itertools.islice(itertools.product(*options), _MAX_ALTERNATIVES)]


def clean_expected(expected: str, spun: str) -> tuple[list[str], bool, str | None]:
    """Turn a PPS expected phrase into canonical alternatives.

    Args:
        expected: the list's free-text expected phrase.
        spun: the tortured phrase it belongs to (slashes, ``or`` and parentheses that the
            tortured phrase has too are part of the term, not alternatives or notes).

    Returns:
        ``(canonicals, uncertain, problem)``: the alternatives, most likely first; whether the
        list marked the entry as uncertain (``?``); and why no canonical could be read (None
        when there are canonicals).

    >>> clean_expected("fog/mist/cloud computing", "haze figuring")
    (['fog computing', 'mist computing', 'cloud computing'], False, None)
    >>> clean_expected("convolutional neural network (CNN)", "convolutional neural system")
    (['convolutional neural network'], False, None)
    >>> clean_expected("long short-term memory (LSTM)", "long transitory memory (LSTM)")
    (['long short-term memory (LSTM)'], False, None)
    >>> clean_expected("accuracy ?", "anticipate exactness")
    (['accuracy'], True, None)
    >>> clean_expected("???", "lengthy-period period")
    ([], True, 'the expected phrase is unknown (?)')
    """
    text = expected.replace('\\"', '"').replace("\u00a0", " ").strip().strip('"').strip()
    if _NOTE.search(text):
        return [], False, "the expected phrase is a note, not a phrase"
    uncertain = "?" in text
    text = _QUESTION.sub(" ", text)
    text = _ATTACHED_PAREN.sub(r"\1", text)
    spun_paren = re.findall(r"\([^()]*\)", spun)
    text = _BRACKET.sub(" ", text)
    text = _PAREN.sub(" ", text)
    text = " ".join(text.split()).strip(" ,;:.-")
    if not text:
        return [], uncertain, "the expected phrase is unknown (?)"
    parts = [text]
    if " or " not in spun.lower():
        parts = [p for chunk in parts for p in re.split(r"\s+(?:or|OR)\s+", chunk)]
    parts = [p for chunk in parts for p in re.split(r"\s+/\s+", chunk)]
    if "," not in spun:
        parts = [p.split(",")[0] for p in parts]
    out: list[str] = []
    for part in parts:
        part = " ".join(part.split()).strip(" ,;:.-")
        if not part:
            continue
        for alt in _expand_slashes(part, spun):
            if spun == spun.lower():
                alt = _lower_title_words(alt)
            if spun_paren and not alt.endswith(spun_paren[-1]):
                alt = f"{alt} {spun_paren[-1]}"
            if alt.lower() != spun.lower() and alt not in out:
                out.append(alt)
    if not out:
        return [], uncertain, "the expected phrase is the tortured phrase itself"
    return out[:_MAX_ALTERNATIVES], uncertain, None


def _lead_rows(
    fp: Fingerprint, canonicals: Sequence[str]
) -> tuple[list[tuple[str, tuple[Term, ...], tuple[str, ...]]], str | None]:
    """Return ``(spun phrase, extra terms, canonicals)`` for each row a fingerprint's lead gives.

    A proximity lead names tortured words and, near them, words of the expected term:
    ``"gatherings clustering"~10`` -> clustering gives ``gatherings -> clustering`` where
    "clustering" is within 10 words, and ``"disappearing gradient problem"~5`` -> vanishing
    gradient problem gives ``disappearing -> vanishing`` near "gradient" and "problem". When
    that split is not possible (the canonical shares no word with the lead, or the replaced
    words are not contiguous), the phrase is kept whole: an exact match is within any distance.
    """
    if fp.lead_window is None:
        return [(p, (), tuple(canonicals)) for p in fp.lead], None
    canon_words = {w for c in canonicals for w in phrase_words(c)}
    out: list[tuple[str, tuple[Term, ...], tuple[str, ...]]] = []
    note = None
    for phrase in fp.lead:
        words = phrase.split()
        inside = [w for w in words if normalise_word(w) in canon_words]
        rest = [w for w in words if normalise_word(w) not in canon_words]
        contiguous = words[: len(rest)] == rest or words[len(words) - len(rest) :] == rest
        near_words = {normalise_word(w) for w in inside}
        # What the replaced words stand for: the canonical itself when all of it is found
        # nearby ("gatherings" near "clustering" -> clustering), else the canonical without
        # the words found nearby ("disappearing" near "gradient problem" -> vanishing).
        targets = tuple(
            dict.fromkeys(
                c
                if all(normalise_word(w) in near_words for w in c.split())
                else " ".join(w for w in c.split() if normalise_word(w) not in near_words)
                for c in canonicals
            )
        )
        if inside and rest and contiguous and all(targets):
            near = tuple(Term(((normalise_word(w),),), False, fp.lead_window) for w in inside)
            out.append((" ".join(rest), near, targets))
        else:
            note = f'proximity "{phrase}"~{fp.lead_window} kept as the exact phrase'
            out.append((phrase, (), tuple(canonicals)))
    return out, note


_TRAILING_PAREN = re.compile(r"\s*(\([^()]*\))$")


def _split_abbreviation(spun: str, canonicals: Sequence[str]) -> tuple[str, list[str]]:
    """Leave a trailing ``(IoT)`` that both sides share out of the row.

    ``web of things (IoT) -> internet of things (IoT)`` becomes ``web of things -> internet of
    things``: the abbreviation stays in the text as it is, and the row is as short as the words
    that were actually tortured (and so within the lookup's length limit).
    """
    m = _TRAILING_PAREN.search(spun)
    if m is None or not spun[: m.start()].strip():
        return spun, list(canonicals)
    paren = m.group(1).lower()
    if not all(c.lower().endswith(paren) for c in canonicals):
        return spun, list(canonicals)
    core = [c[: len(c) - len(paren)].strip() for c in canonicals]
    return spun[: m.start()].strip(), [c for c in core if c]


def _source(kind: str, path: Path, extra: str = "") -> str:
    return f"{kind}: {path.name}{extra}"


def _spun_text(phrase: str, case_insensitive: bool) -> str:
    phrase = " ".join(phrase.replace("\u00a0", " ").split())
    return phrase.lower() if case_insensitive else phrase


def _add_alternatives(result: ImportResult, k: int, canonicals: Sequence[str]) -> Row:
    """Merge a phrase listed again into row ``k``: its new canonicals become alternatives.

    Returns the row as it was (its line is where the note points). At most
    :data:`_MAX_ALTERNATIVES` canonicals are kept.
    """
    old = result.rows[k]
    extra = tuple(c for c in canonicals if c not in old.canonicals)
    if extra:
        merged = (*old.canonicals, *extra)[:_MAX_ALTERNATIVES]
        result.rows[k] = dataclasses.replace(old, canonicals=merged)
    return old


def read_pps_csv(path: str | Path, prior: float | None = None) -> ImportResult:
    """Read a Problematic Paper Screener CSV export (module docstring).

    Spun phrases are matched case-insensitively (fingerprints are document searches), so they
    are stored in lower case; canonicals keep their acronyms.

    Raises:
        TableFormatError: if the file is not UTF-8 or lacks the two columns.
    """
    p = Path(path)
    text = _read_text(p)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise TableFormatError(p, 1, "empty file; expected a CSV header")
    names = [h.strip().lower() for h in header]
    try:
        t_col = next(names.index(n) for n in _TORTURED_COLUMNS if n in names)
        e_col = next(names.index(n) for n in _EXPECTED_COLUMNS if n in names)
    except StopIteration:
        raise TableFormatError(
            p, 1, "a PPS CSV needs a tortured_phrase and an expected_phrase column"
        ) from None
    papers_col = names.index("num_papers") if "num_papers" in names else None
    result = ImportResult(format="pps-csv")
    base_prior = PPS_PRIOR if prior is None else prior
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        if not any(f.strip() for f in record):
            continue
        if len(record) <= max(t_col, e_col):
            result.skipped.append((line, "missing columns"))
            continue
        query, expected = record[t_col].strip(), record[e_col].strip()
        try:
            fp = parse_fingerprint(query)
        except FingerprintError as exc:
            result.skipped.append((line, f"fingerprint {query[:60]!r}: {exc}"))
            continue
        result.notes.extend((line, n) for n in fp.notes)
        canonicals, uncertain, problem = clean_expected(expected, fp.lead[0])
        if problem is not None:
            result.skipped.append((line, f"{query[:60]}: {problem}"))
            continue
        leads, note = _lead_rows(fp, canonicals)
        if note:
            result.notes.append((line, note))
        papers = ""
        if papers_col is not None and papers_col < len(record) and record[papers_col].strip():
            papers = f", {record[papers_col].strip()} papers"
        row_prior = min(base_prior, UNCERTAIN_PRIOR) if uncertain else base_prior
        kind = "pps export (uncertain)" if uncertain else "pps export"
        for spun_phrase, near, targets in leads:
            spun, canon = _split_abbreviation(_spun_text(spun_phrase, True), targets)
            canon = [c for c in canon if c.lower() != spun]
            if not spun or not canon:
                result.skipped.append((line, f"{query[:60]}: nothing to restore"))
                continue
            terms = (*near, *fp.terms)
            condition = Condition(terms) if terms else None
            key = (spun, condition.render() if condition else "")
            if key in seen:
                # the same fingerprint listed again: its expected phrases become alternatives
                old = _add_alternatives(result, seen[key], canon)
                result.notes.append(
                    (line, f"{spun!r} is listed again; merged into line {old.line}")
                )
                continue
            seen[key] = len(result.rows)
            result.rows.append(
                Row(
                    spun,
                    tuple(canon),
                    row_prior,
                    _source(kind, p, papers),
                    table=p.name,
                    line=line,
                    condition=condition,
                )
            )
    return result


def _json_entries(data: Any) -> Iterator[tuple[int, str, str]]:
    if isinstance(data, dict) and isinstance(data.get("phrases"), list):
        data = data["phrases"]
    if isinstance(data, dict):
        for n, (k, v) in enumerate(data.items(), start=1):
            if isinstance(k, str) and isinstance(v, str):
                yield n, k, v
        return
    if not isinstance(data, list):
        return
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            continue
        tortured = next(
            (item[k] for k in ("tortured", "tortured_phrase", "phrase") if k in item), None
        )
        correct = next(
            (item[k] for k in ("correct", "expected", "expected_phrase") if k in item), None
        )
        if isinstance(tortured, str) and isinstance(correct, str):
            yield n, tortured, correct


def read_pps_json(path: str | Path, prior: float | None = None) -> ImportResult:
    """Read a torturedcheck-style JSON list (module docstring).

    Line numbers in the result are entry numbers (1-based) in the list.

    Raises:
        TableFormatError: if the file is not UTF-8 JSON or holds no entries.
    """
    p = Path(path)
    text = _read_text(p)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableFormatError(p, exc.lineno, f"not valid JSON ({exc.msg})") from None
    result = ImportResult(format="pps-json")
    base_prior = PPS_PRIOR if prior is None else prior
    seen: dict[str, int] = {}
    any_entry = False
    for n, tortured, correct in _json_entries(data):
        any_entry = True
        spun = _spun_text(tortured, True)
        if not spun:
            result.skipped.append((n, "empty tortured phrase"))
            continue
        canonicals, uncertain, problem = clean_expected(correct, spun)
        if problem is not None:
            result.skipped.append((n, f"{spun[:60]}: {problem}"))
            continue
        spun, canonicals = _split_abbreviation(spun, canonicals)
        canonicals = [c for c in canonicals if c.lower() != spun]
        if not canonicals:
            result.skipped.append((n, f"{spun[:60]}: nothing to restore"))
            continue
        if spun in seen:
            old = _add_alternatives(result, seen[spun], canonicals)
            result.notes.append((n, f"{spun!r} is listed again; merged into entry {old.line}"))
            continue
        seen[spun] = len(result.rows)
        row_prior = base_prior
        if len(spun.split()) == 1:
            row_prior = min(row_prior, JSON_SINGLE_WORD_PRIOR)
        if uncertain:
            row_prior = min(row_prior, UNCERTAIN_PRIOR)
        kind = "pps json (uncertain)" if uncertain else "pps json"
        result.rows.append(
            Row(spun, tuple(canonicals), row_prior, _source(kind, p), table=p.name, line=n)
        )
    if not any_entry:
        raise TableFormatError(
            p, 1, 'no entries found (expected {"phrases": [{"tortured": …, "correct": …}]})'
        )
    return result


# -- synonym groups ---------------------------------------------------------------------------


def _groups(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.strip("{}")
        members = [" ".join(m.split()) for m in line.split("|")]
        yield number, [m for m in members if m]


def read_synonym_groups(path: str | Path, prior: float | None = None) -> ImportResult:
    """Read a spinner's synonym groups: each member becomes a row to every other member.

    Raises:
        TableFormatError: if the file is not UTF-8 text.
    """
    p = Path(path)
    text = _read_text(p)
    result = ImportResult(format="synonyms")
    row_prior = SYNONYM_PRIOR if prior is None else prior
    seen: set[str] = set()
    for number, members in _groups(text.splitlines()):
        unique = list(dict.fromkeys(members))
        if len(unique) < 2:
            result.skipped.append((number, "a group needs at least two members"))
            continue
        for member in unique:
            key = member if member != member.lower() else member.lower()
            others = tuple(m for m in unique if m.lower() != member.lower())
            if not others:
                continue
            if key in seen:
                result.notes.append((number, f"{member!r} is in an earlier group too; kept once"))
                continue
            seen.add(key)
            result.rows.append(
                Row(
                    member,
                    others[:_MAX_ALTERNATIVES],
                    row_prior,
                    _source(f"synonyms {SYMMETRIC_MARK}", p),
                    table=p.name,
                    line=number,
                )
            )
    return result


# -- allow and deny lists ---------------------------------------------------------------------


def read_phrase_list(path: str | Path) -> list[tuple[int, str, str | None]]:
    """Read an allow or deny list: ``(line, phrase, replacement or None)`` per entry.

    One phrase per line; ``#`` starts a comment line; a TAB separates an optional replacement
    (``phrase<TAB>replacement``, alternatives with ``|``).

    Raises:
        TableFormatError: if the file cannot be read or is not UTF-8 text.
    """
    p = Path(path)
    text = _read_text(p)
    out: list[tuple[int, str, str | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        phrase, _, replacement = line.partition("\t")
        phrase = " ".join(phrase.split())
        if not phrase:
            raise TableFormatError(p, number, "the phrase is empty")
        out.append((number, phrase, replacement.strip() or None))
    return out


# -- statistics -------------------------------------------------------------------------------


def table_stats(rows: Sequence[Row]) -> dict[str, Any]:
    """Count a table's rows by source and kind, and by shape.

    The source is the provenance before its first ``:`` (``curated``, ``thesaurus``, ``pps
    export``, ``learned``); curated rows are also counted by kind (``curated: verbs of
    saying``), the other sources' suffixes name files and counts, not kinds.
    """
    by_source: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for row in rows:
        source, _, kind = row.source.partition(":")
        source = source.strip() or "(none)"
        by_source[source] = by_source.get(source, 0) + 1
        if source == "curated" and kind.strip():
            key = f"curated: {kind.strip()}"
            by_kind[key] = by_kind.get(key, 0) + 1
    multi = sum(1 for r in rows if len(r.spun.split()) > 1)
    return {
        "rows": len(rows),
        "by_source": dict(sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_kind": dict(sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))),
        "single_word": len(rows) - multi,
        "multi_word": multi,
        "names": sum(1 for r in rows if r.case_sensitive),
        "with_condition": sum(1 for r in rows if r.condition is not None),
        "canonicals": sum(len(r.canonicals) for r in rows),
        "prior_mean": (sum(r.prior for r in rows) / len(rows)) if rows else None,
    }
