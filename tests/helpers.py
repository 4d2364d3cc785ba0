"""Helpers shared by several test modules: ``from helpers import token_edits``.

Fixtures live in ``conftest.py``; plain functions and constants that tests import live here
(pytest puts this folder on ``sys.path``, since ``tests`` is not a package).
"""

from __future__ import annotations

import re
from pathlib import Path

from rapidfuzz.distance import Levenshtein

#: The shared dev set, read by path and never copied (tests skip when it is absent).
DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"
TOKEN = re.compile(r"\w+|[^\w\s]")


def token_edits(before: str, after: str) -> tuple[int, int]:
    """Return (token edits from ``before`` to ``after``, tokens in ``before``).

    Token edits are Levenshtein edit operations between the token sequences, DESIGN.md §7's
    "tokens changed per 1,000 tokens of text that was never spun".
    """
    a, b = TOKEN.findall(before), TOKEN.findall(after)
    return len(Levenshtein.editops(a, b)), len(a)


def write_file(folder: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` to ``folder / name`` exactly as given and return the path.

    Text is written as UTF-8 with no newline translation, so a test controls every byte (CRLF,
    a BOM, invalid UTF-8 given as bytes).
    """
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def signature_spans(restorer, text: str, kind: str) -> list:  # type: ignore[no-untyped-def]
    """Detect ``text`` and return its evidence of one signature ``kind``, checked for shape.

    A signature (a grammar slip a swap leaves behind) marks a span of the input, suggests no
    replacement and is never an edit.
    """
    from restorer.detect import detect

    report = detect(text, restorer=restorer)
    found = [e for e in report.evidence if e.source.kind == kind]
    for e in found:
        assert e.suggestion is None
        assert not e.edited
        assert text[e.start : e.end] == e.spun
    return found
