"""A readable word diff of a restoration, like ``git diff --word-diff``.

Only lines that changed are shown, prefixed with their line number in the input. On a terminal
the spun words are red and struck through and the restored words green; elsewhere the plain
markers ``[-spun-]{+restored+}`` are used so the output can be read or parsed in a pipe.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from restorer.edits import Edit

__all__ = ["render_diff"]

_RED, _GREEN, _DIM, _RESET = "\x1b[31;9m", "\x1b[32m", "\x1b[2m", "\x1b[0m"


def _mark(spun: str, replacement: str, color: bool) -> str:
    if color:
        return f"{_RED}{spun}{_RESET}{_GREEN}{replacement}{_RESET}"
    return f"[-{spun}-]{{+{replacement}+}}"


def render_diff(
    text: str,
    edits: Sequence[Edit],
    offset: int = 0,
    color: bool = False,
    first_line: int = 1,
) -> str:
    """Return the changed lines of ``text`` (a segment starting at ``offset``) with markers.

    ``first_line`` is the input line number the segment starts on.

    >>> from restorer.edits import Source
    >>> e = Edit(4, 13, "mentioned", "said", Source("t", 1, "mention -> say", "curated"))
    >>> render_diff("She mentioned it.\\nNothing here.\\n", [e])
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
        pos = start
        parts: list[str] = []
        for e in sorted(line_edits, key=lambda e: e.start):
            parts.append(text[pos : e.start - offset])
            parts.append(_mark(e.spun, e.replacement, color))
            pos = e.end - offset
        parts.append(text[pos:end])
        number = f"{_DIM}{line + first_line}:{_RESET}" if color else f"{line + first_line}:"
        out.append(f"{number} {''.join(parts)}\n")
    return "".join(out)
