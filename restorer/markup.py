"""Markup and addresses: the character ranges of a segment that must never be rewritten.

Scraped text is rarely plain prose. It carries HTML tags and entities, Markdown code, URLs and
e-mail addresses, and sometimes long runs of punctuation or "words" thousands of characters long
(base64 blobs, minified scripts). None of these is something a spinner rewrote, and rewriting any
of them breaks the document: a "restored" word inside a ``<script>`` or a code span is a bug in
someone's page, not a fix. :func:`protected_ranges` finds them; the pipeline tokenizes the text
between them and turns each range into one token that no table row can match, so they come out
byte for byte.

What counts as protected (each rule errs on the side of protecting too much: a protected
word is a restoration missed, an unprotected one is a document damaged):

- HTML/XML: tags (``<p class="x">``, ``</p>``, ``<br/>``, autolinks such as ``<https://…>``),
  comments, ``<!DOCTYPE …>``, processing instructions, CDATA sections, character and entity
  references (``&amp;``, ``&#233;``), and the whole content of ``<script>``, ``<style>``,
  ``<code>``, ``<pre>`` and ``<textarea>`` (up to their closing tag, or to the end of the
  segment when it is missing).
- Markdown: inline code spans (a run of backticks up to the next run of the same length in the
  same paragraph), fenced code blocks (up to the closing fence or the end of the segment), and
  indented code blocks: lines indented by four columns or more after a blank line. Where every
  paragraph of a segment is indented, the indentation is a paragraph style, not code, and
  nothing is protected for it.
- URLs (``https://``, ``ftp://``, ``www.``, ``mailto:``) without trailing punctuation, and
  e-mail addresses.
- Invisible control and format characters (NUL, zero-width spaces and joiners, soft hyphens,
  the marks and embeddings of bidirectional text, byte-order marks). They are not part of any
  phrase, but spaCy glues them to the word beside them (``Press\u200f``), which would hide the
  word from the tables; as separate tokens they leave their neighbours matchable.
- Runs of more than :data:`MAX_PUNCT_RUN` punctuation characters (``!!!!!!!!!!``, rules drawn
  with dashes) and whitespace-free runs longer than :data:`MAX_WORD_CHARS`. No table row holds
  either, and spaCy's tokenizer takes quadratic time on long runs of punctuation (two thousand
  ``!`` took 0.6 s, so a hundred thousand would take about 25 minutes), so protecting them also
  bounds the work per segment.

Every scan here is linear in the length of the segment: the regular expressions have no nested
or overlapping quantifiers, each search for a closing delimiter remembers where it failed, and
nothing is searched from every position of a long run. ``tests/test_fuzz.py`` holds the time
guards for the inputs that would make a naive scanner quadratic.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from restorer.tokenize import Token, tokenize

__all__ = [
    "MAX_PUNCT_RUN",
    "MAX_WORD_CHARS",
    "merge_ranges",
    "protected_ranges",
    "tokenize_around",
    "unprotected_text",
]

#: Longer runs of punctuation (characters that are neither letters, digits nor whitespace) are
#: protected whole. Nine or more in a row never belong to a table row.
MAX_PUNCT_RUN = 8

#: Whitespace-free runs longer than this are protected whole: no English word is this long, and
#: what is (base64, minified code, hashes) must not be touched.
MAX_WORD_CHARS = 200

#: A tag longer than this is not a tag but a ``<`` in prose followed, much later, by a ``>``.
MAX_TAG_CHARS = 4096

# Elements whose content is code or preformatted text, kept as is up to the closing tag.
_RAW_ELEMENTS = frozenset({"script", "style", "code", "pre", "textarea"})
_AUTOLINK_SCHEMES = frozenset({"http", "https", "ftp", "file", "mailto"})

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:._-]*")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# The scheme is a literal, so a failed attempt costs a few characters; the body is one
# character class, so a match costs its own length.
_URL = re.compile(r"(?:\b(?:https?|ftp|file)://|\bwww\.|\bmailto:)[^\s<>\"`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"*_~"
_BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))
_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Leftmost matching starts each match at the beginning of its run and the greedy repeat takes
# the whole run, so a run is scanned once; a shorter run costs at most MAX_PUNCT_RUN steps a
# position.
_PUNCT_RUN = re.compile(rf"(?:[^\w\s]|_){{{MAX_PUNCT_RUN + 1},}}")
# The same for ASCII text, as one character class (a class is searched for much faster than
# an alternation): the ASCII characters that are neither alphanumeric nor whitespace.
_ASCII_PUNCT_RUN = re.compile(rf"[\x00-\x08\x0e-\x1b!-/:-@\[-`{{-\x7f]{{{MAX_PUNCT_RUN + 1},}}")
# Control characters other than whitespace (Cc) and the format characters (Cf) of current
# Unicode that occur in text: soft hyphen, Arabic and Syriac marks, zero-width characters,
# bidirectional marks, embeddings and isolates, invisible operators, BOM, interlinear
# annotation, and the tag characters of emoji flag sequences.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]+"
)
_ASCII_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f]+")  # _INVISIBLE in ASCII text
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_WORD_CHARS + 1},}}")

_EMAIL_LOCAL = frozenset("._%+-")
_EMAIL_DOMAIN = frozenset(".-")
_MAX_EMAIL_LOCAL = 64
_MAX_EMAIL_DOMAIN = 255

Range = tuple[int, int]


def merge_ranges(ranges: Iterable[Range]) -> list[Range]:
    """Return half-open ranges sorted, with overlapping and touching ones merged.

    >>> merge_ranges([(5, 8), (0, 2), (2, 3), (7, 9), (4, 4)])
    [(0, 3), (5, 9)]
    """
    out: list[Range] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def protected_ranges(text: str) -> list[Range]:
    """Return the sorted, disjoint ``(start, end)`` ranges of ``text`` that must stay as they are.

    >>> text = 'See <a href="https://x.org">the Related Press</a> &amp; `code here`.'
    >>> [text[a:b] for a, b in protected_ranges(text)]
    ['<a href="https://x.org">', '</a>', '&amp;', '`code here`']
    >>> protected_ranges("Plain prose, nothing to protect.")
    []
    """
    if not text:
        return []
    ranges: list[Range] = []
    blocks = merge_ranges(_markdown_blocks(text))
    ranges.extend(blocks)
    ranges.extend(_html(text))
    ranges.extend(_code_spans(text, blocks))
    ranges.extend(_urls(text))
    ranges.extend(_emails(text))
    ascii_only = text.isascii()
    punct_runs = _ASCII_PUNCT_RUN if ascii_only else _PUNCT_RUN
    invisible = _ASCII_INVISIBLE if ascii_only else _INVISIBLE
    ranges.extend(m.span() for m in punct_runs.finditer(text))
    ranges.extend(m.span() for m in invisible.finditer(text))
    ranges.extend(m.span() for m in _LONG_RUN.finditer(text))
    return merge_ranges(ranges)


def tokenize_around(text: str, ranges: Sequence[Range]) -> list[Token]:
    """Tokenize ``text`` with each protected range as one protected token.

    The text between ranges goes through the ordinary tokenizer; whitespace that follows a
    range becomes that range's trailing whitespace. Joining ``text + ws`` of the tokens gives
    ``text`` back, as with :func:`~restorer.tokenize.tokenize`, which this is when there are no
    ranges.

    >>> [(t.text, t.protected) for t in tokenize_around("<b>Related</b> Press", [(0, 3), (10, 14)])]
    [('<b>', True), ('Related', False), ('</b>', True), ('Press', False)]
    """
    if not ranges:
        return tokenize(text)
    tokens: list[Token] = []
    pos = 0
    for start, end in ranges:
        _tokenize_gap(text, pos, start, tokens)
        tokens.append(Token(text[start:end], "", start, True))
        pos = end
    _tokenize_gap(text, pos, len(text), tokens)
    return tokens


def _tokenize_gap(text: str, start: int, end: int, tokens: list[Token]) -> None:
    piece = text[start:end]
    if not piece:
        return
    if tokens and not tokens[-1].ws:
        lead = len(piece) - len(piece.lstrip())
        if lead:
            tokens[-1] = tokens[-1]._replace(ws=piece[:lead])
            piece = piece[lead:]
            start += lead
    tokens.extend(t._replace(start=t.start + start) for t in tokenize(piece))


def unprotected_text(text: str, ranges: Sequence[Range]) -> str:
    """Return the text outside ``ranges``, each range replaced by one space.

    >>> unprotected_text("a <b>word</b> here", [(2, 5), (9, 13)])
    'a  word  here'
    """
    if not ranges:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in ranges:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return " ".join(parts)


# -- HTML and XML ------------------------------------------------------------------------------


class _Finder:
    """``str.find`` for one needle, remembering its last answer so repeated searches stay linear.

    The scanners below ask "where is the next ``>`` (or ``-->``) at or after ``pos``" with ``pos``
    only growing. Re-searching from every ``<`` of a text full of them and without a single
    ``>`` would be quadratic; remembering the last hit (or that there is none) makes the total
    work one pass over the text.
    """

    def __init__(self, text: str, needle: str) -> None:
        self.text = text
        self.needle = needle
        self.hit = -2  # the last answer: a position, -1 for "none", -2 before any search
        self.since = 0  # the ``pos`` of the last search; its answer holds for since..hit

    def find(self, pos: int) -> int:
        if self.hit == -1 and pos >= self.since:
            return -1
        if self.hit >= pos and pos >= self.since:
            return self.hit
        self.hit = self.text.find(self.needle, pos)
        self.since = pos
        return self.hit


class _RawCloser:
    """Finds ``</name>`` (any case) for one raw-text element, remembering failures."""

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.pattern = re.compile(rf"</{re.escape(name)}[ \t\r\n]*>", re.IGNORECASE)
        self.none_after = len(text) + 1  # no closing tag at or after this position

    def end(self, pos: int) -> int:
        """Return the end of the closing tag at or after ``pos``, or the end of the text."""
        if pos >= self.none_after:
            return len(self.text)
        match = self.pattern.search(self.text, pos)
        if match is None:
            self.none_after = pos
            return len(self.text)
        return match.end()


def _html(text: str) -> list[Range]:
    """Tags, comments, declarations, raw-text element contents and entity references."""
    ranges: list[Range] = [m.span() for m in _ENTITY.finditer(text)]
    n = len(text)
    gt = _Finder(text, ">")
    comment_end = _Finder(text, "-->")
    cdata_end = _Finder(text, "]]>")
    closers: dict[str, _RawCloser] = {}
    i = text.find("<")
    while i != -1 and i + 1 < n:
        nxt = text[i + 1]
        end = -1
        if text.startswith("<!--", i):
            close = comment_end.find(i + 4)
            end = n if close == -1 else close + 3
        elif text.startswith("<![CDATA[", i):
            close = cdata_end.find(i + 9)
            end = n if close == -1 else close + 3
        elif nxt in "!?/" or (nxt.isascii() and nxt.isalpha()):
            name_at = i + 2 if nxt in "!?/" else i + 1
            name = _TAG_NAME.match(text, name_at, min(n, name_at + 64))
            if name is not None:
                after = name.end()
                scheme = name.group().partition(":")[0].lower()
                ok_follow = after < n and (
                    text[after] in " \t\r\n/>"
                    or nxt in "!?"
                    or (":" in name.group() and scheme in _AUTOLINK_SCHEMES)  # <https://...>
                )
                close = gt.find(after) if ok_follow else -1
                if (
                    close != -1
                    and close - i <= MAX_TAG_CHARS
                    and text.find("<", after, close) == -1  # a tag holds no other "<"
                ):
                    end = close + 1
                    tag = name.group().lower()
                    if nxt.isalpha() and tag in _RAW_ELEMENTS and text[close - 1] != "/":
                        closer = closers.setdefault(tag, _RawCloser(text, tag))
                        end = closer.end(end)
        if end > i:
            ranges.append((i, end))
            i = text.find("<", end)
        else:
            i = text.find("<", i + 1)
    return ranges


# -- Markdown ----------------------------------------------------------------------------------


def _indent(line: str) -> int:
    """Return the indentation of a line in columns (a tab counts as four)."""
    cols = 0
    for ch in line:
        if ch == " ":
            cols += 1
        elif ch == "\t":
            cols += 4 - cols % 4
        else:
            break
    return cols


def _fence(line: str) -> tuple[str, int] | None:
    """Return (fence character, length) if ``line`` opens or closes a fenced code block."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped:
        return None
    ch = stripped[0]
    if ch not in "`~":
        return None
    length = len(stripped) - len(stripped.lstrip(ch))
    if length < 3:
        return None
    if ch == "`" and "`" in stripped[length:]:
        return None  # ```a``` on one line is an inline code span, not a fence
    return ch, length


def _markdown_blocks(text: str) -> list[Range]:
    """Fenced code blocks and indented code blocks, as whole lines."""
    if "```" not in text and "~~~" not in text and "    " not in text and "\t" not in text:
        return []
    lines: list[tuple[int, int, str]] = []  # (start, end including the newline, line text)
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, pos + len(line), line.rstrip("\r\n")))
        pos += len(line)
    blocks: list[Range] = []
    in_fence: tuple[str, int, int] | None = None  # (char, length, start offset)
    outside: list[int] = []  # indices of lines outside fenced blocks
    for k, (start, end, line) in enumerate(lines):
        fence = _fence(line)
        if in_fence is not None:
            closes = fence is not None and fence[0] == in_fence[0] and fence[1] >= in_fence[1]
            if closes and not line.strip(" \t").strip(in_fence[0]):
                blocks.append((in_fence[2], end))
                in_fence = None
            continue
        if fence is not None:
            in_fence = (fence[0], fence[1], start)
            continue
        outside.append(k)
    if in_fence is not None:
        blocks.append((in_fence[2], len(text)))
    blocks.extend(_indented_blocks(lines, outside))
    return blocks


def _indented_blocks(lines: list[tuple[int, int, str]], outside: list[int]) -> list[Range]:
    """Indented code blocks among the lines listed in ``outside`` (not in a fenced block)."""
    starts: list[int] = []  # lines that begin a paragraph
    prev_blank = True
    prev_k = -2
    for k in outside:
        line = lines[k][2]
        blank = not line.strip()
        if not blank and (prev_blank or prev_k != k - 1):
            starts.append(k)
        prev_blank = blank
        prev_k = k
    indented = [k for k in starts if _indent(lines[k][2]) >= 4]
    if not indented or len(indented) == len(starts):
        return []  # no indentation, or indentation used as the paragraph style
    inside = set(outside)
    blocks: list[Range] = []
    done = -1  # lines up to this index already belong to a block
    for k in indented:
        if k <= done:
            continue
        last = k
        j = k + 1
        while j < len(lines) and j in inside:
            line = lines[j][2]
            if line.strip():
                if _indent(line) < 4:
                    break
                last = j
            j += 1
        blocks.append((lines[k][0], lines[last][1]))
        done = j - 1
    return blocks


def _code_spans(text: str, blocks: list[Range]) -> list[Range]:
    """Inline code spans: a backtick run up to the next run of the same length.

    A span does not cross a blank line (a paragraph break) or a code block; an opening run
    with no partner is literal text, as in CommonMark.
    """
    if "`" not in text:
        return []
    runs = [m.span() for m in _BACKTICKS.finditer(text)]
    breaks = sorted([m.start() for m in _BLANK_LINE.finditer(text)] + [a for a, _ in blocks])
    block_starts = [a for a, _ in blocks]
    block_ends = [b for _, b in blocks]
    by_length: dict[int, list[int]] = {}
    for k, (a, b) in enumerate(runs):
        by_length.setdefault(b - a, []).append(k)
    rank = {k: r for ks in by_length.values() for r, k in enumerate(ks)}
    spans: list[Range] = []
    covered = 0  # text before this offset is already inside a span
    for k, (a, b) in enumerate(runs):
        if a < covered or _inside(a, block_starts, block_ends):
            continue
        same = by_length[b - a]
        r = rank[k] + 1
        while r < len(same) and runs[same[r]][0] < b:
            r += 1
        if r == len(same):
            continue
        close_start, close_end = runs[same[r]]
        if bisect.bisect_right(breaks, a) != bisect.bisect_right(breaks, close_start):
            continue  # a paragraph break or a code block lies between the two runs
        spans.append((a, close_end))
        covered = close_end
    return spans


def _inside(pos: int, starts: list[int], ends: list[int]) -> bool:
    k = bisect.bisect_right(starts, pos) - 1
    return k >= 0 and pos < ends[k]


# -- addresses ---------------------------------------------------------------------------------


def _urls(text: str) -> list[Range]:
    """URLs, without the punctuation that ends the sentence around them."""
    if "://" not in text and "www." not in text.lower() and "mailto:" not in text.lower():
        return []
    ranges: list[Range] = []
    for match in _URL.finditer(text):
        start, end = match.span()
        url = match.group()
        # Walk back over sentence punctuation, and over closing brackets the URL did not open
        # (a Wikipedia link keeps its ``(bar)``, a parenthesis around the URL does not).
        unmatched = {close: url.count(close) - url.count(open_) for open_, close in _BRACKETS}
        while end > start:
            ch = text[end - 1]
            if ch in _URL_TRAILING:
                end -= 1
            elif unmatched.get(ch, 0) > 0:
                unmatched[ch] -= 1
                end -= 1
            else:
                break
        if end > start:
            ranges.append((start, end))
    return ranges


def _emails(text: str) -> list[Range]:
    """E-mail addresses, found from their ``@`` outwards with bounded scans."""
    ranges: list[Range] = []
    n = len(text)
    at = text.find("@")
    while at != -1:
        a = at
        while a > 0 and at - a < _MAX_EMAIL_LOCAL:
            ch = text[a - 1]
            if not (ch.isalnum() or ch in _EMAIL_LOCAL):
                break
            a -= 1
        b = at + 1
        while b < n and b - at <= _MAX_EMAIL_DOMAIN:
            ch = text[b]
            if not (ch.isalnum() or ch in _EMAIL_DOMAIN):
                break
            b += 1
        while b > at + 1 and text[b - 1] in _EMAIL_DOMAIN:
            b -= 1  # the full stop that ends the sentence is not part of the domain
        domain = text[at + 1 : b]
        local = text[a:at].lstrip(".")
        if local and "." in domain and not domain.startswith("."):
            ranges.append((at - len(local), b))
        at = text.find("@", max(b, at + 1))
    return ranges
