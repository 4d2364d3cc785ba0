"""Learn table rows from aligned (spun, original) pairs: ``restorer table learn``.

A user who has pairs (a spun copy and the article it came from) has the best evidence there is
about their spinner. Each pair is aligned token by token; every stretch that differs is a swap,
``spun -> original``. Swaps are counted over all pairs, and each spun phrase gets a prior from
how often it was a swap when it appeared in the spun texts at all: ``c / (n + 1)`` for ``c``
swaps among ``n`` occurrences (so one sighting gives 0.5, and a word that was usually left alone
gets a low prior).

Rules, each for a reason:

- A stretch with nothing on one side (the spinner dropped or added words: ``whether or not`` for
  ``whether``) takes one neighbouring token on both sides, so the row has a phrase to match.
- A stretch that begins or ends inside a word (a clitic: ``is not`` -> ``isn't`` differs only in
  ``not`` -> ``n't``) takes the rest of that word, so rows replace whole words.
- A stretch of ``n`` tokens on both sides is also learned token by token (``entrance traces`` ->
  ``front lines`` gives ``entrance -> front`` and ``traces -> lines`` too): spinners swap word by
  word, and the single words recur far more often than the pair.
- A one-word swap whose two words are the same inflection of two lemmas (``mentioned`` ->
  ``said``, both past tense) also gives the lemma row (``mention -> say``), so the other forms
  (``mentions``) are found and re-inflected.
- Case: a phrase capitalised only because it starts a sentence is learned in lower case; one
  capitalised inside a sentence (``the Home``) is a name and keeps its capitals.
- Stretches longer than ``max_tokens`` on either side, or holding only punctuation, are skipped:
  they are rewrites or alignment noise, not table rows.
- Of two rows that would undo each other (``a -> b`` and ``b -> a``), the one seen less often is
  dropped (the first seen wins a tie), so the learned table passes ``restorer table check``.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from restorer.candidates import span_text
from restorer.conditions import normalise_word
from restorer.errors import InputError
from restorer.inflect import analyses
from restorer.table import Row
from restorer.tokenize import Token, is_word, tokenize

__all__ = ["Swap", "align_swaps", "learn_rows", "read_pairs", "whole_words", "words_of"]

_MIN_PRIOR = 0.05
_MAX_PRIOR = 0.95
_SENTENCE_END = frozenset({".", "!", "?", ":", '"', "“", "”", "\n"})


@dataclass(frozen=True)
class Swap:
    """One differing stretch of an aligned pair.

    Attributes:
        spun: token range ``[start, end)`` in the spun tokens.
        original: token range in the original tokens.
        spun_text: the spun text of the stretch.
        original_text: the original text of the stretch.
    """

    spun: tuple[int, int]
    original: tuple[int, int]
    spun_text: str
    original_text: str


def words_of(text: str) -> list[Token]:
    """Return the tokens of ``text`` without whitespace tokens (what alignment compares)."""
    return [t for t in tokenize(text) if t.text.strip()]


def _key(token: Token) -> str:
    return normalise_word(token.text)


def _opcodes(a: list[str], b: list[str], *, fast: bool) -> Iterator[tuple[str, int, int, int, int]]:
    """Yield the alignment's ``(op, i1, i2, j1, j2)`` opcodes, adjacent changes merged into one."""
    if fast:
        from rapidfuzz.distance import Levenshtein

        raw: Iterable[tuple[str, int, int, int, int]] = (
            (o.tag, o.src_start, o.src_end, o.dest_start, o.dest_end)
            for o in Levenshtein.opcodes(a, b)
        )
    else:
        raw = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    pending: tuple[str, int, int, int, int] | None = None
    for op in raw:
        if op[0] == "equal":
            if pending is not None:
                yield pending
                pending = None
            yield op
        elif pending is None:
            pending = op
        else:  # rapidfuzz gives a replace next to an insert or delete: one stretch
            pending = ("replace", pending[1], op[2], pending[3], op[4])
    if pending is not None:
        yield pending


def align_swaps(
    spun: Sequence[Token], original: Sequence[Token], *, fast: bool = False
) -> Iterator[Swap]:
    """Yield the differing stretches of two token sequences, in order.

    Tokens are compared in lower case with curly and straight quotes alike.

    ``fast`` aligns with rapidfuzz's ``Levenshtein.opcodes`` (C, bit-parallel, Hirschberg's
    linear-memory method on long inputs) instead of difflib's ``SequenceMatcher``. The two find
    much the same stretches on paragraphs; on documents SequenceMatcher without its junk heuristic
    grows quadratically in Python (0.4 s for 9,000 tokens, 1.6 s for 18,000, against 0.01 s and
    0.04 s). The default stays difflib, which the shipped learned rows were made with.
    """
    a = [_key(t) for t in spun]
    b = [_key(t) for t in original]
    for op, i1, i2, j1, j2 in _opcodes(a, b, fast=fast):
        if op == "equal":
            continue
        yield Swap(
            (i1, i2),
            (j1, j2),
            span_text(spun, i1, i2) if i2 > i1 else "",
            span_text(original, j1, j2) if j2 > j1 else "",
        )


def _joined(tokens: Sequence[Token], i: int) -> bool:
    """Return whether token ``i`` runs into the next one with no space between (``is|n't``).

    Offsets, not ``Token.ws``: a token before a line break has no trailing space either, its
    break being a token of its own (which :func:`words_of` leaves out).
    """
    return i + 1 < len(tokens) and tokens[i].end == tokens[i + 1].start


def whole_words(spun: Sequence[Token], original: Sequence[Token], swap: Swap) -> Swap | None:
    """Return a differing stretch grown so that it replaces whole words, on both sides.

    A stretch that starts with a clitic (``not`` -> ``n't`` in ``is not`` -> ``isn't``) takes
    the word it leans on, and one that ends where a word goes on takes the rest of it, so the
    swap is ``is not -> isn't``. A stretch with nothing on one side (the spinner added or
    dropped words: ``whether or not`` for ``whether``) takes a neighbouring token on both sides,
    the one before it where there is one. None when such a stretch has no neighbour to take.
    """
    (i1, i2), (j1, j2) = swap.spun, swap.original
    while i1 > 0 and j1 > 0 and (_joined(spun, i1 - 1) or _joined(original, j1 - 1)):
        i1, j1 = i1 - 1, j1 - 1
    while (
        i2 < len(spun)
        and j2 < len(original)
        and ((i2 > i1 and _joined(spun, i2 - 1)) or (j2 > j1 and _joined(original, j2 - 1)))
        and is_word(spun[i2].text)
    ):
        i2, j2 = i2 + 1, j2 + 1
    if i1 == i2 or j1 == j2:
        if i1 > 0 and j1 > 0:
            i1, j1 = i1 - 1, j1 - 1
        elif i2 < len(spun) and j2 < len(original):
            i2, j2 = i2 + 1, j2 + 1
        else:
            return None
        if i1 == i2 or j1 == j2:
            return None
    if (i1, i2, j1, j2) == (*swap.spun, *swap.original):
        return swap
    return Swap((i1, i2), (j1, j2), span_text(spun, i1, i2), span_text(original, j1, j2))


def _sentence_initial(tokens: Sequence[Token], i: int) -> bool:
    return i == 0 or tokens[i - 1].text in _SENTENCE_END or "\n" in tokens[i - 1].ws


def _row_texts(
    spun: Sequence[Token], original: Sequence[Token], s: tuple[int, int], o: tuple[int, int]
) -> tuple[str, str]:
    """Return the row's spun and canonical text, in lower case unless the stretch is a name."""
    spun_text = span_text(spun, *s)
    orig_text = span_text(original, *o)
    first = spun[s[0]]
    inner_caps = any(t.text[:1].isupper() for t in spun[s[0] + 1 : s[1]])
    name = inner_caps or (first.text[:1].isupper() and not _sentence_initial(spun, s[0]))
    if name:
        return spun_text, orig_text
    if first.text[:1].isupper() and not first.text.isupper():
        spun_text = spun_text[:1].lower() + spun_text[1:]
    head = original[o[0]].text
    if head[:1].isupper() and not head.isupper() and _sentence_initial(original, o[0]):
        orig_text = orig_text[:1].lower() + orig_text[1:]
    return spun_text, orig_text


def _lemma_row(spun_word: str, orig_word: str) -> tuple[str, str] | None:
    """Return ``(spun lemma, original lemma)`` when both words are the same inflection."""
    sa, oa = analyses(spun_word.lower()), analyses(orig_word.lower())
    for a in sa:
        if a.is_base:
            continue
        for b in oa:
            if a.upos == b.upos and a.tag == b.tag and a.lemma != b.lemma:
                return a.lemma, b.lemma
    return None


def _swap_rows(
    spun: Sequence[Token], original: Sequence[Token], swap: Swap, max_tokens: int
) -> list[tuple[str, str]]:
    """Return the ``(spun, canonical)`` rows one swap gives (see the module docstring)."""
    (i1, i2), (j1, j2) = swap.spun, swap.original
    if not any(is_word(t.text) for t in [*spun[i1:i2], *original[j1:j2]]):
        return []
    whole = whole_words(spun, original, swap)
    if whole is None:
        return []
    (i1, i2), (j1, j2) = whole.spun, whole.original
    if i2 - i1 > max_tokens or j2 - j1 > max_tokens:
        return []
    rows = [_row_texts(spun, original, (i1, i2), (j1, j2))]
    n = i2 - i1
    if n == j2 - j1:
        pieces = [((i1 + k, i1 + k + 1), (j1 + k, j1 + k + 1)) for k in range(n)] if n > 1 else []
        for s, o in pieces:
            if _key(spun[s[0]]) != _key(original[o[0]]) and is_word(spun[s[0]].text):
                rows.append(_row_texts(spun, original, s, o))
        for s, o in [((i1, i2), (j1, j2)), *pieces]:
            if s[1] - s[0] != 1:
                continue
            sw, ow = spun[s[0]].text, original[o[0]].text
            if sw[:1].isupper() and not _sentence_initial(spun, s[0]):
                continue  # names are not re-inflected
            lemma = _lemma_row(sw, ow)
            if lemma is not None:
                rows.append(lemma)
    return [(a, b) for a, b in rows if a.lower() != b.lower()]


def _count_ngrams(texts: Iterable[Sequence[Token]], keys: set[tuple[str, ...]]) -> Counter[str]:
    """Count occurrences of each key phrase (as normalised tokens) in the spun texts."""
    lengths = {len(k) for k in keys}
    counts: Counter[str] = Counter()
    for tokens in texts:
        words = [_key(t) for t in tokens]
        lemmas = [{w, *(a.lemma for a in analyses(w))} for w in words]
        for n in lengths:
            for i in range(len(words) - n + 1):
                gram = tuple(words[i : i + n])
                if gram in keys:
                    counts[" ".join(gram)] += 1
                if n == 1:  # an inflected form is an occurrence of its lemma's row too
                    for lemma in lemmas[i] - {words[i]}:
                        if (lemma,) in keys:
                            counts[lemma] += 1
    return counts


def learn_rows(
    pairs: Iterable[tuple[str, str]],
    *,
    name: str = "pairs",
    min_count: int = 1,
    max_tokens: int = 5,
) -> list[Row]:
    """Induce table rows from ``(spun, original)`` text pairs.

    Args:
        pairs: the aligned texts.
        name: what the rows' source names (the pairs file).
        min_count: keep only swaps seen at least this often.
        max_tokens: longest phrase learned, in tokens, on either side.

    Returns:
        Rows sorted by spun phrase, canonicals most frequent first, with provenance
        ``learned: c/n in NAME`` (c swaps among n occurrences of the spun phrase).
    """
    swaps: dict[str, Counter[str]] = defaultdict(Counter)
    spun_texts: list[list[Token]] = []
    for spun_text, orig_text in pairs:
        spun, original = words_of(spun_text), words_of(orig_text)
        spun_texts.append(spun)
        for swap in align_swaps(spun, original):
            for s, o in _swap_rows(spun, original, swap, max_tokens):
                swaps[s][o] += 1
    keys = {tuple(_key(t) for t in words_of(phrase)) for phrase in swaps}
    occurrences = _count_ngrams(spun_texts, keys)
    # how often each pair was seen, case-folded: rows that undo each other are judged on it
    folded: Counter[tuple[str, str]] = Counter()
    for phrase, canon in swaps.items():
        for c, n in canon.items():
            folded[phrase.lower(), c.lower()] += n
    rows: list[Row] = []
    for phrase, canon in sorted(swaps.items()):
        count = sum(canon.values())
        if count < min_count:
            continue
        kept = []
        for c, _n in canon.most_common():
            forward = folded[phrase.lower(), c.lower()]
            backward = folded[c.lower(), phrase.lower()]
            if backward > forward or (backward == forward and c.lower() < phrase.lower()):
                continue  # the reverse row is kept instead
            kept.append(c)
        if not kept:
            continue
        key = " ".join(_key(t) for t in words_of(phrase))
        seen = max(occurrences.get(key, 0), count)
        prior = min(_MAX_PRIOR, max(_MIN_PRIOR, count / (seen + 1)))
        rows.append(Row(phrase, tuple(kept), round(prior, 3), f"learned: {count}/{seen} in {name}"))
    return rows


def read_pairs(
    path: str | Path, spun_field: str = "spun", original_field: str = "original"
) -> list[tuple[str, str]]:
    """Read ``(spun, original)`` pairs from a JSONL file.

    Raises:
        InputError: naming the file and line of a record that is not JSON or lacks a field.
    """
    p = Path(path)
    pairs: list[tuple[str, str]] = []
    try:
        with p.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(p, f"line {number}: not JSON ({exc.msg})") from None
                if not isinstance(record, dict):
                    raise InputError(p, f"line {number}: expected a JSON object")
                spun, original = record.get(spun_field), record.get(original_field)
                if not isinstance(spun, str) or not isinstance(original, str):
                    raise InputError(
                        p, f"line {number}: needs text fields {spun_field!r} and {original_field!r}"
                    )
                pairs.append((spun, original))
    except UnicodeDecodeError as exc:
        raise InputError(p, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(p, exc.strerror or str(exc)) from None
    return pairs
