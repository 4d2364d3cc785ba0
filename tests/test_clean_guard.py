"""The clean-text guard: the default restorer must leave clean text (almost) alone.

Budget: at most :data:`BUDGET` token edits per 1,000 tokens, over the dev set's clean paragraphs
(``../shared/devset/clean_paragraphs.jsonl``, read by path, skipped when absent) plus the clean
prose written for this repository in ``tests/data/clean_prose.txt``. Token edits are the
Levenshtein distance between the token sequences of the input and the output, the measure of
DESIGN.md §7 ("tokens changed per 1,000 tokens of text that was never spun").

The restorer is the default one, ``Restorer(RestorerConfig())``: the shipped table and the
default scorer tier. Under pytest the ``auto`` tier means ``fast`` (``tests/conftest.py`` sets
``RESTORER_MODEL``); the ``lm`` tier's clean-text damage is measured by the quality benchmark,
since it scores too slowly on CPU for a 45,000-token test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import DEVSET, TOKEN, token_edits

from restorer import Restorer, RestorerConfig

BUDGET = 0.5  # token edits per 1,000 clean tokens
PROSE = Path(__file__).parent / "data" / "clean_prose.txt"


def test_token_edits_counts_changed_tokens():
    assert token_edits("the spy agency said it", "the spy agency said it") == (0, 5)
    assert token_edits("the spy company mentioned it.", "the spy agency said it.") == (2, 6)
    assert token_edits("a b c", "a c") == (1, 3)


def own_prose() -> list[str]:
    """The paragraphs of ``tests/data/clean_prose.txt`` (comment lines dropped)."""
    lines = [
        line for line in PROSE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    return [p.strip() for p in "\n".join(lines).split("\n\n") if p.strip()]


def devset_paragraphs() -> list[str]:
    path = DEVSET / "clean_paragraphs.jsonl"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


@pytest.fixture(scope="module")
def default_restorer() -> Restorer:
    return Restorer(RestorerConfig())


def _damage(restorer: Restorer, documents: list[str]) -> tuple[int, int, list[tuple[str, str]]]:
    changed = tokens = 0
    damaged: list[tuple[str, str]] = []
    for text in documents:
        out = restorer.restore_text(text)
        edits, n = token_edits(text, out)
        changed += edits
        tokens += n
        if edits:
            damaged.append((text[:80], out[:80]))
    return changed, tokens, damaged


def _message(name: str, changed: int, tokens: int, damaged: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{a!r} -> {b!r}" for a, b in damaged[:5])
    return (
        f"{name}: {changed} token edits in {tokens} clean tokens "
        f"({1000 * changed / max(tokens, 1):.2f} per 1,000; budget {BUDGET}): {shown}"
    )


def test_own_prose_is_large_enough_to_measure():
    paragraphs = own_prose()
    tokens = sum(len(TOKEN.findall(p)) for p in paragraphs)
    assert len(paragraphs) >= 25
    assert tokens >= 2_000, tokens


def test_clean_text_guard(default_restorer):
    """The CI guard: dev-set clean paragraphs plus our own prose, within the budget."""
    documents = devset_paragraphs() + own_prose()
    changed, tokens, damaged = _damage(default_restorer, documents)
    assert 1000 * changed / tokens <= BUDGET, _message("clean text", changed, tokens, damaged)


def test_own_prose_alone(default_restorer):
    """Our prose on its own, one paragraph at a time and as one long document."""
    paragraphs = own_prose()
    changed, tokens, damaged = _damage(default_restorer, [*paragraphs, "\n\n".join(paragraphs)])
    assert 1000 * changed / tokens <= BUDGET, _message("own prose", changed, tokens, damaged)


@pytest.mark.devset
def test_devset_clean_paragraphs_alone(default_restorer):
    documents = devset_paragraphs()
    if not documents:
        pytest.skip(f"dev set file {DEVSET / 'clean_paragraphs.jsonl'} is not available")
    changed, tokens, damaged = _damage(default_restorer, documents)
    assert tokens > 10_000
    assert 1000 * changed / tokens <= BUDGET, _message("dev set", changed, tokens, damaged)


def test_clean_prose_in_markup_is_untouched(default_restorer):
    """The same prose inside HTML and Markdown: markup and text come back byte for byte."""
    paragraphs = own_prose()[:8]
    html = "<html><body>\n" + "\n".join(f"<p>{p}</p>" for p in paragraphs) + "\n</body></html>\n"
    markdown = "# Notes\n\n" + "\n\n".join(
        f"* {p}" if i % 2 else f"> {p}" for i, p in enumerate(paragraphs)
    )
    for text in (html, markdown):
        assert default_restorer.restore_text(text) == text
