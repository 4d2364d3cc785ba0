"""Property tests and a time-bounded fuzz run over hostile text.

The properties, for any ``str`` (arbitrary Unicode, lone surrogates, markup, addresses, runs of
punctuation, right-to-left text, text in other languages) and for both the tiny test table and
the shipped one:

- restoring never raises;
- outside the explained edits every character of the input comes out unchanged and in order;
- replaying the explained edits (``apply_edits``) gives the output;
- restoring twice gives the same text as restoring once;
- no edit touches a protected range (markup, code, URLs, e-mail addresses).

The shipped table holds rare chains: a restoration can create a phrase that is itself a
spinner signature ("within keeping with" -> "in keeping with" -> "according to"). The fuzz run
found one; the restorer now restores each segment until nothing changes and merges the passes'
edits, and the example below keeps it fixed.

``test_fuzz_for_a_while`` runs the same properties on fresh random inputs until
``$RESTORER_FUZZ_SECONDS`` seconds have passed (default 5; ``.ci/run`` sets 60). A failure
prints the smallest input hypothesis found, and the ``@reproduce_failure`` line to replay it.
"""

from __future__ import annotations

import io
import os
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from restorer import InputError, Restorer, RestorerConfig, apply_edits
from restorer.files import read_chunks
from restorer.language import guess_english, is_english
from restorer.markup import merge_ranges, protected_ranges, tokenize_around

FUZZ_SECONDS = float(os.environ.get("RESTORER_FUZZ_SECONDS", "5"))

# Words of the tiny table and of the shipped one, so matches happen often.
WORDS = [
    "The",
    "Related Press",
    "RELATED PRESS",
    "White Space",
    "mentioned",
    "Mentions",
    "undercover agent company",
    "entrance traces",
    "counterfeit consciousness",
    "regardless of",
    "despatched",
    "stated",
    "extra",
    "staff",
    "primary",
    "company",
    "Home",
    "a",
    "an",
    "An",
    "in keeping with",
    "past due",
    "1000's",
    "organisation",
    "whilst",
    "said",
    "Thursday",
]
MARKUP = [
    "<p>",
    "</p>",
    '<a href="https://x.org/Related-Press?staff=1">',
    "</a>",
    "<br/>",
    "<script>var staff = 'Related Press';</script>",
    "<style>.company{}</style>",
    "<code>",
    "</code>",
    "<pre>",
    "</pre>",
    "<!-- mentioned -->",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "&amp;",
    "&#8212;",
    "&nbsp",
    "<",
    ">",
    "`",
    "``",
    "`staff`",
    "\n```\n",
    "\n~~~\n",
    "\n\n    ",
    "\n\n\t",
    "https://related.press/mentioned",
    "(https://en.wikipedia.org/wiki/Press_(company))",
    "www.related.example",
    "mailto:staff@related.example",
    "staff@related.example",
    "@company",
    "[White Space](http://x.org)",
    "*",
    "**",
    "_",
    "#",
    "> ",
]
ODD = [
    "\u200b",
    "\u200d",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u00ad",
    "\x00",
    "\x1b[31m",
    "\r",
    "\r\n",
    "\u2028",
    "\u0301",
    "🙃",
    "👨\u200d👩\u200d👧",
    "🇺🇦",
    "東京",
    "Москва",
    "שלום",
    "مرحبا",
    "İ",
    "ß",
    "ﬁ",
    "\ud800",
    "\udcff",
    "\ufffd",
]
SEPARATORS = [" ", "  ", "\n", "\n\n", ", ", ". ", "\t", "", "-", "'s ", "’", "“", "\u00a0"]

RUNS = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(list("!?.,;:*#`<>&@()[]{}'\"-_…—x ")),
    st.integers(min_value=1, max_value=400),
)
PIECE = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(MARKUP),
    st.sampled_from(ODD),
    st.text(max_size=8),
    RUNS,
)
HOSTILE = st.lists(st.tuples(PIECE, st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda parts: "".join(a + b for a, b in parts)
)
FOREIGN = st.sampled_from(
    [
        "Le gouvernement a annoncé jeudi que la nouvelle loi entrera en vigueur l'année "
        "prochaine, selon des sources officielles.",
        "El gobierno anunció el jueves que la nueva ley entrará en vigor el próximo año, "
        "según fuentes oficiales.",
        "Правительство объявило в четверг, что новый закон вступит в силу в следующем году.",
    ]
)
ANY_TEXT = st.one_of(
    st.text(),
    HOSTILE,
    st.tuples(FOREIGN, HOSTILE).map(lambda t: t[0] + " " + t[1]),
)

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def shipped_restorer() -> Restorer:
    """The shipped table with the fast tier (what the default resolves to under the tests)."""
    return Restorer(RestorerConfig(model="fast"))


def check_restoration(restorer: Restorer, text: str, twice: bool = True) -> None:
    """Assert the properties of the module docstring for one input (``twice``: idempotence)."""
    result = restorer.restore_and_explain(text)
    out = result.text
    assert isinstance(out, str)
    # Replaying the explained edits gives the output.
    assert apply_edits(text, result.edits) == out
    # Outside the edits, every input character comes out unchanged and in order.
    in_pos = out_pos = 0
    for edit in result.edits:
        assert in_pos <= edit.start <= edit.end <= len(text)
        assert text[edit.start : edit.end] == edit.spun
        kept = text[in_pos : edit.start]
        assert out[out_pos : out_pos + len(kept)] == kept
        out_pos += len(kept) + len(edit.replacement)
        in_pos = edit.end
    assert out[out_pos:] == text[in_pos:]
    # No edit touches a protected range (one segment: the texts here are short).
    if len(text) <= restorer.config.max_segment_chars:
        for start, end in protected_ranges(text):
            for edit in result.edits:
                assert edit.end <= start or edit.start >= end, (text[start:end], edit)
    # Restoring twice gives the same text as restoring once.
    if twice:
        assert restorer.restore_text(out) == out


@settings(SETTINGS, max_examples=300)
@given(ANY_TEXT)
@example("<p>The Related Press mentioned it</p> `Related Press` staff@related.example")
@example("The Related Press\u200f mentioned it\x00.")
def test_restoration_properties_tiny_table(tiny_restorer, text):
    check_restoration(tiny_restorer, text)


@settings(SETTINGS, max_examples=150)
@given(ANY_TEXT)
def test_restoration_properties_shipped_table(shipped_restorer, text):
    check_restoration(shipped_restorer, text)


def test_restoring_twice_with_the_shipped_table_changes_nothing(shipped_restorer):
    text = "in keeping with within keeping with"  # found by test_fuzz_for_a_while
    once = shipped_restorer.restore_text(text)
    assert shipped_restorer.restore_text(once) == once


@settings(SETTINGS, max_examples=300)
@given(ANY_TEXT)
def test_protected_ranges_are_sorted_disjoint_and_lossless(text):
    ranges = protected_ranges(text)
    assert ranges == merge_ranges(ranges)
    assert all(0 <= a < b <= len(text) for a, b in ranges)
    tokens = tokenize_around(text, ranges)
    assert "".join(t.text + t.ws for t in tokens) == text
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)
    for t in tokens:
        assert text[t.start : t.end] == t.text
    covered = [(t.start, t.end) for t in tokens if (t.start, t.end) in set(ranges)]
    assert covered == ranges  # each range is exactly one token


def _punctuation_like(c: str) -> bool:
    """Neither a letter, a digit nor whitespace: what a protected punctuation run is made of."""
    return not c.isalnum() and not c.isspace()


@pytest.mark.parametrize("code", [*range(128), 0xA0, 0xAD, 0x2014, 0x2028, 0x3000, 0xFF01])
def test_punctuation_runs_are_protected_by_what_they_are_made_of(code):
    """ASCII text takes a faster path: every character must be judged the same as elsewhere."""
    run = chr(code) * 12
    for text in (f"a {run} b", f"a {run} b \u00e9"):  # ASCII text, and not
        start = text.index(run)
        covered = any(a <= start and start + len(run) <= b for a, b in protected_ranges(text))
        invisible = (code < 0x20 and not chr(code).isspace()) or code in (0x7F, 0xAD)
        assert covered == (_punctuation_like(chr(code)) or invisible), (hex(code), text)


@settings(SETTINGS, max_examples=200)
@given(st.text())
def test_language_guess_never_raises(text):
    guess = guess_english(text)
    assert 0 <= guess.english_words <= guess.words
    assert guess.english or guess.words >= 10


MIXED_WORDS = st.sampled_from(
    ["the", "agency", "said", "el", "gobierno", "que", "der", "zzqx", "Press", "école", "2024"]
)


@settings(SETTINGS, max_examples=300)
@given(st.one_of(st.text(), st.lists(MIXED_WORDS, max_size=40).map(" ".join)))
def test_the_pipelines_short_language_check_agrees_with_the_full_guess(text):
    """is_english stops counting early; its verdict must be guess_english's, near the line too."""
    guess = guess_english(text)
    assert is_english(text) == (guess.english, guess.words)


@pytest.mark.parametrize("english", [3, 4, 5])
def test_the_short_language_check_on_the_line(english):
    """Ten words, four of them English, is exactly the share that still counts as English."""
    text = " ".join(["zzqx"] * (10 - english) + ["the", "agency", "said", "that", "it"][:english])
    assert guess_english(text).english_words == english
    assert is_english(text) == (english >= 4, 10) == (guess_english(text).english, 10)


def _decode(data: bytes, errors: str, chunk_bytes: int) -> str | InputError:
    try:
        return "".join(read_chunks(io.BytesIO(data), "in.bin", errors, chunk_bytes))
    except InputError as exc:
        return exc


@settings(SETTINGS, max_examples=300)
@given(st.binary(max_size=200), st.integers(min_value=1, max_value=16))
def test_any_bytes_decode_or_fail_with_a_message(data, chunk_bytes):
    """Bytes from a file decode, or raise InputError naming the input; replace only refuses
    binary data."""
    strict = _decode(data, "strict", chunk_bytes)
    replaced = _decode(data, "replace", chunk_bytes)
    if isinstance(strict, str):
        assert replaced == strict
    else:
        assert str(strict).startswith("in.bin: ")
    if isinstance(replaced, InputError):
        assert str(replaced) == (
            "in.bin: looks like a binary file (it contains NUL bytes); not restoring it"
        )


@settings(SETTINGS, max_examples=100)
@given(st.binary(max_size=200))
def test_any_bytes_restore_with_errors_replace(tiny_restorer, data):
    try:
        chunks = list(read_chunks(io.BytesIO(data), "in.bin", "replace", 7))
    except InputError:
        return  # binary: refused with a message
    text = "".join(chunks)
    assert "".join(r.restored for r in tiny_restorer.iter_restore(chunks)) == (
        tiny_restorer.restore_text(text)
    )


@pytest.mark.slow
def test_fuzz_for_a_while(tiny_restorer, shipped_restorer):
    """The fuzz target: fresh random inputs until ``$RESTORER_FUZZ_SECONDS`` have passed."""
    deadline = time.monotonic() + FUZZ_SECONDS
    rounds = 0

    @settings(
        max_examples=50,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(ANY_TEXT, st.booleans())
    def one_round(text: str, shipped: bool) -> None:
        if shipped:
            check_restoration(shipped_restorer, text)
        else:
            check_restoration(tiny_restorer, text)
        ranges = protected_ranges(text)
        assert "".join(t.text + t.ws for t in tokenize_around(text, ranges)) == text

    while time.monotonic() < deadline:
        one_round()
        rounds += 1
    assert rounds >= 1
