"""Build ``benchmarks/data/clean_registers.jsonl``: clean prose of registers the dev set lacks.

The dev set's clean paragraphs are mostly news. A restorer must leave every register alone, so
the clean guard also reads documentation prose, taken from two licence-clean sources Debian
packages:

* the **Python 3.11 documentation** (``python3.11-doc``: the tutorial, the HOWTOs and the FAQ,
  read from their reStructuredText sources), under the PSF License Version 2, which allows
  copies and derived works with its notice (``benchmarks/data/CLEAN-REGISTERS-LICENSES.txt``);
* the **SQLite documentation** (``sqlite3-doc``), dedicated to the public domain by its authors.

Only plain paragraphs are kept: no code blocks, lists, tables, headings or directives; inline
markup is reduced to its text (``:func:`len``` -> ``len``). Paragraphs of 20 to 200 words, at
most ``PER_PAGE`` a page, in file order. The output is deterministic for the same packages.

Usage (from the repository root)::

    apt-get install -y python3.11-doc sqlite3-doc
    .venv/bin/python data/build_clean_registers.py
"""

from __future__ import annotations

import html
import html.parser
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "data" / "clean_registers.jsonl"
PYTHON_DOCS = Path("/usr/share/doc/python3.11/html/_sources")
PYTHON_PARTS = ("tutorial", "howto", "faq")
SQLITE_DOCS = Path("/usr/share/doc/sqlite3")
SQLITE_PAGES = (
    "about.html",
    "whentouse.html",
    "serverless.html",
    "zeroconf.html",
    "selfcontained.html",
    "privatebranch.html",
    "limits.html",
    "flextypegood.html",
    "testing.html",
    "howtocorrupt.html",
    "atomiccommit.html",
    "lockingv3.html",
    "isolation.html",
    "quirks.html",
    "appfileformat.html",
    "fasterthanfs.html",
    "backup.html",
    "wal.html",
    "np1queryprob.html",
    "lts.html",
    "copyright.html",
)
PER_PAGE = 6
MIN_WORDS, MAX_WORDS = 20, 200

_ROLE = re.compile(r":[\w:.-]+:`(?:[^`<]*<)?([^`>]*)>?`")
_LINK = re.compile(r"`([^`<]+?)\s*<[^`>]*>`_+")
_REF = re.compile(r"`([^`]+)`_+")
_LITERAL = re.compile(r"``([^`]+)``")
_EMPH = re.compile(r"\*\*?([^*]+)\*\*?")
_FOOT = re.compile(r"\s*\[#\w*\]_")


def _rst_text(paragraph: str) -> str:
    text = " ".join(line.strip() for line in paragraph.splitlines())
    for pattern in (_ROLE, _LINK, _LITERAL, _REF, _EMPH):
        text = pattern.sub(r"\1", text)
    text = _FOOT.sub("", text)
    return text.replace("\\", "").rstrip(":") + ("." if text.endswith("::") else "")


def _plain_rst(block: str) -> bool:
    lines = block.splitlines()
    first = lines[0]
    if first[:1].isspace() or first.startswith(("..", ">>>", "|", "+", "=")):
        return False
    if re.match(r"^([*+-]|\d+\.|#\.)\s", first):
        return False
    if any(re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}", line.strip()) for line in lines):
        return False  # a heading
    return "\t" not in block


def python_paragraphs() -> Iterator[tuple[str, str]]:
    """``(source, text)`` for the plain paragraphs of the tutorial, HOWTOs and FAQ."""
    for part in PYTHON_PARTS:
        for path in sorted((PYTHON_DOCS / part).glob("*.rst.txt")):
            blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
            kept = 0
            for block in blocks:
                block = block.strip("\n")
                if not block or not _plain_rst(block):
                    continue
                text = _rst_text(block)
                if MIN_WORDS <= len(text.split()) <= MAX_WORDS and kept < PER_PAGE:
                    kept += 1
                    yield f"python-docs/{part}/{path.name.removesuffix('.rst.txt')}", text


class _Paragraphs(html.parser.HTMLParser):
    """The text of every ``<p>`` outside ``<pre>``, ``<table>`` and ``<code>`` blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._buf: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("pre", "table", "blockquote", "ul", "ol"):
            self._skip += 1
        elif tag == "p" and not self._skip:
            self._buf = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("pre", "table", "blockquote", "ul", "ol"):
            self._skip = max(0, self._skip - 1)
        elif tag == "p" and self._buf is not None:
            self.out.append(" ".join("".join(self._buf).split()))
            self._buf = None

    def handle_data(self, data: str) -> None:
        if self._buf is not None and not self._skip:
            self._buf.append(data)


def sqlite_paragraphs() -> Iterator[tuple[str, str]]:
    """``(source, text)`` for the paragraphs of the chosen SQLite pages."""
    for name in SQLITE_PAGES:
        parser = _Paragraphs()
        parser.feed((SQLITE_DOCS / name).read_text(encoding="utf-8", errors="replace"))
        kept = 0
        for text in parser.out:
            text = html.unescape(text)
            if MIN_WORDS <= len(text.split()) <= MAX_WORDS and kept < PER_PAGE:
                kept += 1
                yield f"sqlite-docs/{name.removesuffix('.html')}", text


def _version(package: str) -> str:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main() -> int:
    missing = [p for p in (PYTHON_DOCS, SQLITE_DOCS) if not p.is_dir()]
    if missing:
        print(f"build_clean_registers: install python3.11-doc and sqlite3-doc ({missing})")
        return 2
    records = []
    sources = (
        ("docs-python", python_paragraphs(), "python3.11-doc", "PSF-2.0"),
        ("docs-sqlite", sqlite_paragraphs(), "sqlite3-doc", "public domain"),
    )
    for domain, paragraphs, package, licence in sources:
        version = _version(package)
        for n, (source, text) in enumerate(paragraphs, start=1):
            records.append(
                {
                    "id": f"{domain}-{n:03d}",
                    "domain": domain,
                    "text": text,
                    "source": f"Debian {package} {version}: {source}",
                    "licence": licence,
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    words = sum(len(r["text"].split()) for r in records)
    print(f"build_clean_registers: {len(records)} paragraphs, {words} words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
