"""The lattice: which spans a table proposes, and which shorter matches a longer row subsumes."""

from __future__ import annotations

import pytest

from restorer import PhraseTable, Row
from restorer.candidates import build_lattice
from restorer.tokenize import tokenize

WHOLE = Row("likelihood thickness work", ("probability density function",), 0.9, "test")
PART = Row("likelihood thickness", ("probability density",), 0.8, "test")
WORD = Row("thickness", ("density",), 0.5, "test")


def _spans(rows: list[Row], text: str) -> dict[tuple[int, int], list[str]]:
    tokens = tokenize(text)
    slots = build_lattice(tokens, PhraseTable(rows), 5)
    return {(s.start, s.end): [c.text for c in s.candidates] for s in slots}


@pytest.mark.parametrize("prior", [0.8, 0.9])  # less confident than the longer row, or as much
def test_a_longer_row_subsumes_the_parts_it_agrees_with(prior):
    """``likelihood thickness work`` is one spun unit: restoring half of it is not offered."""
    part = Row("likelihood thickness", ("probability density",), prior, "test")
    spans = _spans([WHOLE, part, WORD], "The likelihood thickness work was fitted.")
    assert spans == {(1, 4): ["probability density function"]}


def test_a_more_confident_part_is_kept():
    sure = Row("likelihood thickness", ("probability density",), 0.95, "test")
    spans = _spans([WHOLE, sure], "The likelihood thickness work was fitted.")
    assert spans == {(1, 4): ["probability density function"], (1, 3): ["probability density"]}


def test_a_part_proposing_something_else_is_kept():
    other = Row("thickness", ("width",), 0.5, "test")
    spans = _spans([WHOLE, other], "The likelihood thickness work was fitted.")
    assert spans == {(1, 4): ["probability density function"], (2, 3): ["width"]}


def test_a_crossed_longer_row_subsumes_nothing():
    """A match that crosses the longer one's end may combine with its parts: all are kept."""
    crossing = Row("work was", ("function is",), 0.5, "test")
    spans = _spans([WHOLE, PART, crossing], "The likelihood thickness work was fitted.")
    assert set(spans) == {(1, 4), (1, 3), (3, 5)}


@pytest.mark.parametrize("text", ["The thickness was fitted.", "A likelihood thickness."])
def test_without_the_longer_phrase_the_parts_stand(text):
    spans = _spans([WHOLE, PART, WORD], text)
    assert spans and all(end - start < 3 for start, end in spans)


@pytest.mark.parametrize(
    ("row", "text", "expected"),
    [
        # the inflected word follows the head: a noun's plural, put on the canonical's noun
        (
            Row("provide chain", ("supply chain",), 0.9, "test"),
            "The provide chains broke.",
            "supply chains",
        ),
        (Row("cut cost", ("reduce cost",), 0.9, "test"), "They cut costs again.", "reduce costs"),
        # the inflected word is the head: the verb's form goes on the canonical's verb
        (Row("figure out", ("work out",), 0.9, "test"), "She figured out the plan.", "worked out"),
        (
            Row("provide chain", ("supply chain",), 0.9, "test"),
            "He provides chain stores.",
            "supplies chain",
        ),
        (Row("take picture", ("photograph",), 0.9, "test"), "He takes pictures.", "photographs"),
    ],
)
def test_an_inflection_goes_where_the_input_has_it(row, text, expected):
    """``provide chains`` is a noun phrase's plural, not ``provides``: ``supply chains``."""
    assert [t for texts in _spans([row], text).values() for t in texts] == [expected]
