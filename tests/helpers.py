"""Helpers shared by several test modules: ``from helpers import token_edits``.

Fixtures live in ``conftest.py``; plain functions and constants that tests import live here
(pytest puts this folder on ``sys.path``, since ``tests`` is not a package).
"""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from restorer.lm import START_TOKEN, Branch, TreeScores

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


_PIECE = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")


class BigramModel:
    """A deterministic stand-in for SmolLM2: words are tokens, a bigram table gives log P.

    ``preferred`` maps (previous word, word), lower case, to a log probability; any other pair
    gets ``other``. The model's "most likely tokens" at a position are the words it has seen
    (tokenized so far, or listed in ``vocabulary``), ranked by that table.
    """

    name = "bigram stand-in"

    def __init__(
        self,
        preferred: Mapping[tuple[str, str], float],
        other: float = -6.0,
        vocabulary: Sequence[str] = (),
    ) -> None:
        self.preferred = dict(preferred)
        self.other = other
        self.ids: dict[str, int] = {"<s>": START_TOKEN}
        self.words: list[str] = ["<s>"]
        self.calls = 0
        for word in vocabulary:
            self.tokenize(word)

    def tokenize(self, text: str) -> list[int]:
        out = []
        for piece in _PIECE.findall(text):
            if piece not in self.ids:
                self.ids[piece] = len(self.words)
                self.words.append(piece)
            out.append(self.ids[piece])
        return out

    def piece(self, token: int) -> str:
        return self.words[token]

    def lp(self, prev: int, tok: int) -> float:
        a = self.words[prev].strip().lower().strip(".,")
        b = self.words[tok].strip().lower().strip(".,")
        return self.preferred.get((a, b), self.other)

    def sequence_lp(self, ids: Sequence[int]) -> list[float]:
        return [0.0] + [self.lp(ids[i - 1], ids[i]) for i in range(1, len(ids))]

    def score_tree(
        self,
        trunk: Sequence[int],
        branches: Sequence[Branch],
        wanted: Sequence[int],
        top: Sequence[int] = (),
        k: int = 0,
    ) -> TreeScores:
        self.calls += 1
        assert trunk[0] == START_TOKEN
        full = self.sequence_lp(trunk)
        want = set(wanted)
        trunk_lp = [full[i] if i in want or i == 0 else math.nan for i in range(len(trunk))]
        out = []
        for b in branches:
            assert 1 <= b.fork <= len(trunk)
            seq = [*trunk[: b.fork], *b.tokens]
            out.append(sum(self.sequence_lp(seq)[b.fork :]))
        found = {}
        for i in top if k else ():
            ranked = sorted(
                ((t, self.lp(trunk[i - 1], t)) for t in range(1, len(self.words))),
                key=lambda x: (-x[1], x[0]),
            )
            found[i] = tuple(ranked[:k])
        return TreeScores(trunk_lp, out, found)

    def text_lp(self, text: str) -> float:
        return sum(self.sequence_lp([START_TOKEN, *self.tokenize(text)]))


def run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless chromium (``chromium`` fixture) with its own profile folder, offline."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
    ]
    return subprocess.run(
        [chromium, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )
