"""Tokenizing loses nothing, and segmentation is bounded and lossless."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restorer.tokenize import iter_segments, split_segments, tokenize

_SURROGATES = re.compile("[\ud800-\udfff]")

# st.text() draws from all of Unicode except surrogates; add the characters that tokenizers
# and segmenters treat specially so they turn up often.
SPECIAL = st.sampled_from(
    [
        " ",
        "  ",
        "\n",
        "\n\n",
        "\r\n",
        "\t",
        "\u00a0",
        "\u2028",
        "🙃",
        "👩‍👩‍👧",
        "e\u0301",
        "’",
        "“",
        "—",
        "\x00",
    ]
)
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(max_size=8), SPECIAL)).map("".join),
)


def _check_segments(text: str, segments: list[tuple[int, str]], max_chars: int) -> None:
    assert "".join(seg for _, seg in segments) == text
    pos = 0
    for offset, seg in segments:
        assert offset == pos
        assert 0 < len(seg) <= max_chars
        assert text[offset : offset + len(seg)] == seg
        pos += len(seg)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_tokens_join_back_to_the_input(text):
    tokens = tokenize(text)
    assert "".join(t.text + t.ws for t in tokens) == text


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_token_offsets_are_consistent(text):
    pos = 0
    for tok in tokenize(text):
        assert tok.start == pos
        assert text[tok.start : tok.end] == tok.text
        assert tok.end == tok.start + len(tok.text)
        pos = tok.end + len(tok.ws)
    assert pos == len(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The Related Press mentioned it.", ["The", "Related", "Press", "mentioned", "it", "."]),
        ("South Korea's spy agency", ["South", "Korea", "'s", "spy", "agency"]),
        ("", []),
    ],
    ids=["sentence", "possessive", "empty"],
)
def test_tokenize_examples(text, words):
    assert [t.text for t in tokenize(text)] == words


@pytest.mark.parametrize(
    "text",
    [
        "see https://example.com/spy-agency for more",
        "write to press@example.org today",
        "served at http://example:8080 locally",
    ],
    ids=["url", "email", "url-without-dot"],
)
def test_urls_and_emails_are_protected(text):
    protected = [t.text for t in tokenize(text) if t.protected]
    assert len(protected) == 1
    assert "example" in protected[0]


@settings(max_examples=200, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=64))
def test_split_segments_is_lossless_and_bounded(text, max_chars):
    _check_segments(text, list(split_segments(text, max_chars)), max_chars)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=40), st.integers(min_value=1, max_value=64))
def test_iter_segments_over_many_small_chunks(chunks, max_chars):
    text = "".join(chunks)
    segments = list(iter_segments(chunks, max_chars))
    _check_segments(text, segments, max_chars)
    # The library (whole text) and the CLI (a stream of chunks) must cut the same way, or the
    # same input would be restored differently by the two.
    assert segments == list(split_segments(text, max_chars))


@settings(max_examples=50, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=20))
def test_iter_segments_one_character_at_a_time(text, max_chars):
    _check_segments(text, list(iter_segments(iter(text), max_chars)), max_chars)


def test_segments_prefer_paragraph_breaks():
    text = "first paragraph here.\n\nsecond paragraph here."
    assert [seg for _, seg in split_segments(text, 30)] == [
        "first paragraph here.\n\n",
        "second paragraph here.",
    ]


def test_one_huge_chunk():
    paragraph = "The quick brown fox jumps over the lazy dog. " * 40 + "\n\n"
    text = paragraph * 500  # about 0.9 million characters
    max_chars = 10_000
    segments = list(iter_segments([text], max_chars))
    _check_segments(text, segments, max_chars)
    assert len(segments) > 80
    # cuts land at paragraph breaks when one is in reach
    assert all(seg.endswith("\n\n") for _, seg in segments)


def test_stream_of_many_small_chunks_matches_one_chunk():
    text = (f"Line of text number {n}.\n" for n in range(20_000))
    chunks = list(text)
    whole = "".join(chunks)
    assert list(iter_segments(chunks, 5_000)) == list(split_segments(whole, 5_000))


def test_text_without_whitespace_is_cut_hard():
    text = "x" * 2_500
    assert [len(seg) for _, seg in split_segments(text, 1_000)] == [1_000, 1_000, 500]


def test_empty_input_gives_no_segments():
    assert list(split_segments("", 10)) == []
    assert list(iter_segments(["", ""], 10)) == []


ADDRESSY = st.lists(
    st.one_of(
        st.text(max_size=6),
        st.sampled_from(
            ["http://", "https://", "www.", ".com", ".org", ":", "/", "@", ".", " ", "e.g.", "x"]
        ),
    )
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, ADDRESSY))
def test_tokens_are_spacys_and_protected_where_spacy_sees_an_address(text):
    """Tokens are those of spaCy's own blank English tokenizer (ours computes fewer word
    attributes), and a token is protected exactly when spaCy calls it a URL or an e-mail, or
    it has an "@"."""
    import spacy

    doc = spacy.blank("en").tokenizer(text)
    expected = [t.like_url or t.like_email or "@" in t.text for t in doc]
    tokens = tokenize(text)
    if len(tokens) == len(doc):  # texts with lone surrogates are tokenized from a copy
        assert [t.protected for t in tokens] == expected
    if not _SURROGATES.search(text):
        assert [(t.text, t.ws, t.start) for t in tokens] == [
            (t.text, t.whitespace_, t.idx) for t in doc
        ]


def test_other_spacy_pipelines_keep_every_word_attribute():
    """Our tokenizer drops word attributes it does not need from its own vocabulary only."""
    import spacy

    tokenize("A new word: zqxvbrated.")
    doc = spacy.blank("en")("The zqxvbrating 42 cats")
    assert [t.is_stop for t in doc] == [True, False, False, False]
    assert [t.shape_ for t in doc] == ["Xxx", "xxxx", "dd", "xxxx"]
    assert doc[2].like_num
