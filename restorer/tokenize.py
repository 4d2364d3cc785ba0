"""Lossless tokenization and bounded segmentation.

Tokens come from spaCy's blank English tokenizer, created on first use (``import restorer`` does
not import spaCy). Each :class:`Token` keeps its text, the whitespace after it and its character
offset, so ``"".join(t.text + t.ws for t in tokens)`` gives the input back exactly.

Segmentation cuts a text (or a stream of text) into pieces of bounded size at paragraph breaks,
falling back to line breaks, then whitespace, then a hard cut, so no input ever has to sit in
memory whole and no regex ever sees an unbounded string.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer

__all__ = [
    "Token",
    "count_words",
    "is_clitic",
    "is_word",
    "iter_segments",
    "split_segments",
    "tokenize",
]


class Token(NamedTuple):
    """One token: its text, the whitespace that follows it, and its offset in the segment."""

    text: str
    ws: str
    start: int
    #: True for URLs, e-mail addresses and similar tokens that must never be rewritten.
    protected: bool = False

    @property
    def end(self) -> int:
        """Offset just past the token's text."""
        return self.start + len(self.text)


_SURROGATE = re.compile("[\ud800-\udfff]")

# Python's \w is "alphanumeric (str.isalnum) or underscore", so this finds an alphanumeric
# character, as ``any(c.isalnum() for c in text)`` does, at a third of its cost.
_ALNUM = re.compile(r"[^\W_]").search


def is_word(text: str) -> bool:
    """Return whether a token's text has a letter or digit (a word, not punctuation).

    >>> is_word("Press"), is_word("2024"), is_word("—"), is_word("_")
    (True, True, False, False)
    """
    return _ALNUM(text) is not None


def is_clitic(tokens: Sequence[Token], i: int) -> bool:
    """Whether token ``i`` is a clitic written onto the word before it (``n't``, ``'re``).

    A word that replaces it needs a space before it (``did not``, not ``didnot``).

    >>> toks = tokenize("They didn't say.")
    >>> [is_clitic(toks, i) for i in range(len(toks))]
    [False, False, True, False, False]
    """
    if i == 0 or tokens[i - 1].ws or not tokens[i - 1].text[-1:].isalpha():
        return False
    return tokens[i].text.lower().startswith(("'", "’", "n't", "n’t"))


def count_words(tokens: Iterable[Token]) -> int:
    """Return how many tokens are words (:func:`is_word`): the spin rate's denominator."""
    return sum(map(bool, map(_ALNUM, [t.text for t in tokens])))


#: spaCy attributes read per token: offset, length, trailing space, and spaCy's URL check
_ATTRS = ("IDX", "LENGTH", "SPACY", "LIKE_URL")


@functools.cache
def _tokenizer() -> Tokenizer:
    import spacy
    from spacy.attrs import LIKE_URL

    nlp = spacy.blank("en")
    vocab = nlp.vocab
    # spaCy works out 23 attributes for every word it meets for the first time (shape, norm,
    # stop word, ...), and tokens only ever read whether a word looks like a URL: keeping just
    # that makes a new word a third cheaper to tokenize and keeps fewer strings per word.
    # Token boundaries do not depend on them. A new dict: the language's own is shared with
    # other pipelines.
    getters = vocab.lex_attr_getters  # type: ignore[attr-defined]  # missing from spaCy's stubs
    vocab.lex_attr_getters = {LIKE_URL: getters[LIKE_URL]}  # type: ignore[attr-defined]
    tokenizer: Tokenizer = nlp.tokenizer
    return tokenizer


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens without losing a character.

    >>> [t.text for t in tokenize("The Related Press mentioned it.")]
    ['The', 'Related', 'Press', 'mentioned', 'it', '.']
    >>> "".join(t.text + t.ws for t in tokenize("  two  spaces\\n"))
    '  two  spaces\\n'
    """
    # spaCy cannot encode lone surrogates (a cut emoji, bytes smuggled in by surrogateescape).
    # Tokenize a copy where each is U+FFFD (same length, so offsets agree) and take the token
    # texts from the original.
    doc = _tokenizer()(_SURROGATE.sub("\ufffd", text))
    # Read the tokens as arrays rather than through spaCy Token objects: building a Python
    # object per token costs more than the tokenization itself. A token is protected when
    # spaCy reads it as a URL or it has an "@" (an e-mail address, a handle); spaCy's e-mail
    # check needs an "@" too.
    out: list[Token] = []
    append = out.append
    new = tuple.__new__
    for idx, length, space, url in doc.to_array(_ATTRS).tolist():
        word = text[idx : idx + length]
        append(new(Token, (word, " " if space else "", idx, url == 1 or "@" in word)))
    return out


# Preferred cut points, best first: a blank line, a line break, any whitespace.
_CUTS = (re.compile(r"\n[ \t]*\n"), re.compile(r"\n"), re.compile(r"\s"))


def _cut_point(window: str) -> int:
    """Return where to end a segment that must fit in ``window``."""
    limit = len(window)
    for pattern in _CUTS:
        last = None
        for last in pattern.finditer(window):  # noqa: B007 - we want the last match
            pass
        if last is not None and last.end() > limit // 4:
            return last.end()
    return limit


def split_segments(text: str, max_chars: int) -> Iterator[tuple[int, str]]:
    r"""Yield ``(offset, segment)`` pieces of ``text``, each at most ``max_chars`` long.

    Joining the segments gives ``text`` back.

    >>> list(split_segments("aaa bbb", 1000))
    [(0, 'aaa bbb')]
    >>> [seg for _, seg in split_segments("one two\n\nthree four", 12)]
    ['one two\n\n', 'three four']
    """
    yield from iter_segments([text], max_chars)


def iter_segments(chunks: Iterable[str], max_chars: int) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, segment)`` pieces from a stream of text chunks of any size.

    Memory stays bounded by about ``max_chars`` plus one chunk, whatever the total size, and a
    huge chunk is walked through by index rather than copied once per segment.
    """
    buf = ""
    offset = 0
    for chunk in chunks:
        if not chunk:
            continue
        buf = buf + chunk if buf else chunk
        pos = 0
        while len(buf) - pos > max_chars:
            cut = _cut_point(buf[pos : pos + max_chars])
            yield offset, buf[pos : pos + cut]
            offset += cut
            pos += cut
        buf = buf[pos:]
    if buf:
        yield offset, buf
