"""Properties of restoration over arbitrary text, with the tiny table.

Strategies mix arbitrary Unicode with words of the tiny table, so the interesting paths (matches,
inflection, a/an repair, casing) are taken often, not only the "no candidate" path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from restorer import PhraseTable, Restorer, RestorerConfig, apply_edits

CASES = Path(__file__).parent / "cases"
NEGATIVE = json.loads((CASES / "negative.json").read_text(encoding="utf-8"))
SYNTHETIC = json.loads((CASES / "synthetic.json").read_text(encoding="utf-8"))
CLEAN_SENTENCES = [c["input"] for c in NEGATIVE if c["table"] == "tiny" and c["input"].strip()]
SPUN_SENTENCES = [c["input"] for c in SYNTHETIC if c["table"] == "tiny"]

VOCAB = [
    "Related",
    "Press",
    "RELATED PRESS",
    "White Space",
    "white space",
    "mentioned",
    "Mentions",
    "MENTIONING",
    "a",
    "an",
    "A",
    "An",
    "entrance",
    "traces",
    "undercover agent",
    "company",
    "companies",
    "regardless of",
    "extra",
    "staff",
    "primary",
    "despatched",
    "stated",
    "states",
    "Home",
    "home",
    "counterfeit consciousness",
    "determine what number of",
    "the",
    "https://example.com/entrance",
    "press@example.org",
    "é",
    "🙃",
    "İ",
    "ß",
    "1000's",
]
SEPARATORS = [" ", "  ", "\n", "\n\n", ", ", ". ", "\t", "", "-", "'s ", "’", "“", "\u00a0", "\r\n"]
MIXED = st.lists(
    st.tuples(st.one_of(st.sampled_from(VOCAB), st.text(max_size=6)), st.sampled_from(SEPARATORS)),
    max_size=30,
).map(lambda parts: "".join(a + b for a, b in parts))
ANY_TEXT = st.one_of(st.text(), MIXED)
CLEAN_TEXT = st.lists(
    st.tuples(st.sampled_from(CLEAN_SENTENCES), st.sampled_from([" ", "\n", "\n\n", "  "])),
    min_size=1,
    max_size=12,
).map(lambda parts: "".join(a + b for a, b in parts))


def _check_edits(text, result):
    """Edits are in order, disjoint, match the input, and everything else is unchanged."""
    assert apply_edits(text, result.edits) == result.text
    in_pos = out_pos = 0
    for edit in result.edits:
        assert in_pos <= edit.start <= edit.end <= len(text)
        assert text[edit.start : edit.end] == edit.spun
        kept = text[in_pos : edit.start]
        assert result.text[out_pos : out_pos + len(kept)] == kept
        out_pos += len(kept) + len(edit.replacement)
        in_pos = edit.end
    assert result.text[out_pos:] == text[in_pos:]


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_restore_never_raises_and_edits_replay(tiny_restorer, text):
    result = tiny_restorer.restore_and_explain(text)
    assert isinstance(result.text, str)
    assert 0 < result.spin_rate < 1
    _check_edits(text, result)


@settings(max_examples=100, deadline=None)
@given(MIXED)
def test_restore_text_agrees_with_explain(tiny_restorer, text):
    assert tiny_restorer.restore_text(text) == tiny_restorer.restore_and_explain(text).text


@settings(max_examples=100, deadline=None)
@given(CLEAN_TEXT)
def test_restore_is_idempotent_on_clean_words(tiny_restorer, text):
    once = tiny_restorer.restore_text(text)
    assert tiny_restorer.restore_text(once) == once


@settings(max_examples=100, deadline=None)
@given(CLEAN_TEXT)
@example("The company said its staff would get extra training. " * 4)
def test_clean_sentences_joined_stay_clean(tiny_restorer, text):
    """Negative cases stay clean when sampled and joined into longer documents.

    The spin rate must not grow with a clean document's length: repeating clean sentences that
    hold ordinary table words (company, staff, extra, mentioned) is still clean text.
    """
    assert tiny_restorer.restore_text(text) == text


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(CLEAN_SENTENCES + SPUN_SENTENCES), st.sampled_from([" ", "\n\n"])
        ),
        min_size=1,
        max_size=8,
    ).map(lambda parts: "".join(a + b for a, b in parts))
)
def test_mixed_documents_replay(tiny_restorer, text):
    _check_edits(text, tiny_restorer.restore_and_explain(text))


@pytest.mark.parametrize("text", ["The Related Press mentioned \ud800 it.", "a\udcff b", "\udfff"])
def test_lone_surrogates_do_not_crash(tiny_restorer, text):
    """A str may hold lone surrogates (JSON escapes, surrogateescape file names)."""
    result = tiny_restorer.restore_and_explain(text)
    _check_edits(text, result)


def test_long_document_across_many_segments(tiny_table):
    cfg = RestorerConfig(default_table=False, max_segment_chars=1_000)
    restorer = Restorer(cfg, table=tiny_table)
    paragraphs = [SPUN_SENTENCES[i % len(SPUN_SENTENCES)] for i in range(200)]
    text = "\n\n".join(paragraphs)
    result = restorer.restore_and_explain(text)
    _check_edits(text, result)
    assert len(result.edits) > 100
    # Segment-local offsets are shifted back to offsets in the whole text.
    assert max(e.end for e in result.edits) > 10 * cfg.max_segment_chars
    # The same result streamed line by line.
    lines = text.splitlines(keepends=True)
    assert "".join(restorer.restore_lines(lines)) == result.text


def test_restorer_with_an_empty_table_is_the_identity():
    restorer = Restorer(RestorerConfig(default_table=False), table=PhraseTable([]))
    for text in CLEAN_SENTENCES + SPUN_SENTENCES:
        assert restorer.restore_text(text) == text
