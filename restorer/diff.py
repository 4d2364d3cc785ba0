"""A readable word diff of a restoration, like ``git diff --word-diff``.

Only the sentences that changed are shown, one per line, prefixed with the number of the input
line they are on: a spun news paragraph is often one long line, and a reviewer wants to read
each change in its sentence, not scroll through the whole paragraph. On a terminal the spun
words are red and struck through and the restored words green (git's ``--word-diff=color``);
elsewhere the plain markers ``[-spun-]{+restored+}`` (git's ``--word-diff=plain``) are used so
the output can be read, grepped or parsed in a pipe.

Sentences are found with a small rule (terminal punctuation, closing quotes, a space, then a
capital, digit or opening quote; not after an initial or a common abbreviation such as ``U.S.``
or ``Sen.``). It is for display only and never affects what is restored.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from restorer.edits import Edit

__all__ = ["render_diff", "sentence_spans"]

_RED, _GREEN, _DIM, _RESET = "\x1b[31;9m", "\x1b[32m", "\x1b[2m", "\x1b[0m"

# A sentence ends with . ! ? or … (repeated), maybe closing quotes or brackets, then spaces,
# and the next one starts with a capital, a digit, or an opening quote or bracket. Every part
# is a character class with a simple repeat, so matching is linear in the line length.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*[ \t]+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.+$")
# Titles and abbreviations a capitalised word often follows (lower case, without the dot).
_ABBREVIATIONS = frozenset(
    [
        *("mr", "mrs", "ms", "dr", "prof", "sen", "sens", "rep", "reps", "gov", "gen"),
        *("col", "lt", "sgt", "capt", "st", "jr", "sr", "vs", "inc", "co", "corp", "ltd"),
        *("fig", "figs", "approx", "dept", "jan", "feb", "apr", "jun", "jul", "aug", "sep"),
        *("sept", "oct", "nov", "dec", "mt", "ft", "pp", "vol"),
    ]
)


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of one line; together they cover it.

    >>> line = "Sen. Lee spoke. The U.S. House voted! Then it ended."
    >>> [line[a:b] for a, b in sentence_spans(line)]
    ['Sen. Lee spoke. ', 'The U.S. House voted! ', 'Then it ended.']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        word = _WORD_BEFORE.search(line, max(start, m.start() - 40), m.start() + 1)
        if word is not None and line[m.start()] == ".":
            before = word.group(1)
            if len(before) == 1 or before.lower() in _ABBREVIATIONS:
                continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(line)))
    return spans


def _mark(spun: str, replacement: str, color: bool) -> str:
    if color:
        old = f"{_RED}{spun}{_RESET}" if spun else ""
        new = f"{_GREEN}{replacement}{_RESET}" if replacement else ""
        return old + new
    old = f"[-{spun}-]" if spun else ""
    new = f"{{+{replacement}+}}" if replacement else ""
    return old + new


def _render_line(
    line: str, line_start: int, edits: Sequence[Edit], offset: int, color: bool, number: str
) -> list[str]:
    """Return one output line per changed sentence of ``line``."""
    spans = sentence_spans(line)
    starts = [a for a, _b in spans]
    # Group edits by sentence; an edit that runs past its sentence's end pulls the next
    # sentence(s) into the same output line.
    groups: list[tuple[int, int, list[Edit]]] = []
    for e in sorted(edits, key=lambda e: e.start):
        s = e.start - offset - line_start
        t = e.end - offset - line_start
        first = bisect.bisect_right(starts, s) - 1
        last = max(first, bisect.bisect_left(starts, t) - 1)
        lo, hi = spans[first][0], spans[last][1]
        if groups and lo < groups[-1][1]:
            prev_lo, prev_hi, prev_edits = groups[-1]
            groups[-1] = (prev_lo, max(prev_hi, hi), [*prev_edits, e])
        else:
            groups.append((lo, hi, [e]))
    out = []
    for lo, hi, group in groups:
        parts: list[str] = []
        pos = lo
        for e in group:
            s = e.start - offset - line_start
            parts.append(line[pos:s])
            parts.append(_mark(e.spun, e.replacement, color))
            pos = e.end - offset - line_start
        parts.append(line[pos:hi])
        out.append(f"{number} {''.join(parts).strip()}\n")
    return out


def render_diff(
    text: str,
    edits: Sequence[Edit],
    offset: int = 0,
    color: bool = False,
    first_line: int = 1,
) -> str:
    """Return the changed sentences of ``text`` (a segment starting at ``offset``) with markers.

    ``first_line`` is the input line number the segment starts on; each output line starts with
    the number of the input line its sentence is on.

    >>> from restorer.edits import Source
    >>> src = Source("t", 1, "mention -> say", "curated")
    >>> text = "Nothing here. She mentioned it. Then she left.\\nNothing here either.\\n"
    >>> render_diff(text, [Edit(18, 27, "mentioned", "said", src)])
    '1: She [-mentioned-]{+said+} it.\\n'
    """
    if not edits:
        return ""
    out: list[str] = []
    line_starts = [0]
    line_starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    by_line: dict[int, list[Edit]] = {}
    for edit in edits:
        line = bisect.bisect_right(line_starts, edit.start - offset) - 1
        by_line.setdefault(line, []).append(edit)
    for line, line_edits in sorted(by_line.items()):
        start = line_starts[line]
        end = line_starts[line + 1] - 1 if line + 1 < len(line_starts) else len(text)
        content = text[start:end].removesuffix("\r")
        number = f"{_DIM}{line + first_line}:{_RESET}" if color else f"{line + first_line}:"
        out.extend(_render_line(content, start, line_edits, offset, color, number))
    return "".join(out)
