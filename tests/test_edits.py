"""Edits: replay, refusal of edits that do not fit, and the JSON explanation record."""

from __future__ import annotations

import json

import pytest

from restorer import Edit, Source, apply_edits
from restorer.edits import EXPLANATION_VERSION

SRC = Source("tiny", 13, "mention -> say", "tests: tiny table")
TEXT = "The Related Press mentioned it."


def _edit(start, end, spun, replacement, score=None):
    return Edit(start, end, spun, replacement, SRC, score or {})


GOOD = [
    _edit(4, 17, "Related Press", "Associated Press"),
    _edit(18, 27, "mentioned", "said"),
]


def test_apply_edits_replays():
    assert apply_edits(TEXT, GOOD) == "The Associated Press said it."


def test_apply_edits_in_any_order():
    assert apply_edits(TEXT, list(reversed(GOOD))) == "The Associated Press said it."


def test_apply_no_edits_is_identity():
    assert apply_edits(TEXT, []) == TEXT


@pytest.mark.parametrize(
    "edits",
    [
        [_edit(0, 0, "", "Reported: ")],
        [_edit(30, 31, ".", "!")],
        [_edit(31, 31, "", " Yes.")],
        [_edit(3, 4, " ", "")],
    ],
    ids=["insert-at-start", "last-char", "insert-at-end", "delete"],
)
def test_apply_edits_edge_positions(edits):
    expected = TEXT
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        expected = expected[: e.start] + e.replacement + expected[e.end :]
    assert apply_edits(TEXT, edits) == expected


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ([_edit(4, 17, "Related Press", "x"), _edit(10, 20, "ed Press m", "y")], "overlap"),
        ([_edit(4, 17, "Related Press", "x"), _edit(4, 17, "Related Press", "y")], "overlap"),
        ([_edit(4, 17, "Relayed Press", "x")], "expects"),
        ([_edit(18, 27, "mentioned", "said"), _edit(0, 3, "the", "A")], "expects"),
        ([_edit(25, 40, "ed it.", "x")], "outside"),
        ([_edit(10, 5, "", "x")], None),
        ([_edit(-3, 2, "", "x")], None),
    ],
    ids=[
        "overlap",
        "same-span-twice",
        "mismatch",
        "case-mismatch",
        "past-end",
        "reversed",
        "negative",
    ],
)
def test_apply_edits_refuses_edits_that_do_not_fit(edits, message):
    with pytest.raises(ValueError, match=message):
        apply_edits(TEXT, edits)


def test_edits_learned_on_one_text_do_not_corrupt_another():
    with pytest.raises(ValueError):
        apply_edits("A different sentence entirely.", GOOD)


def test_shifted():
    edit = _edit(4, 17, "Related Press", "Associated Press").shifted(100)
    assert (edit.start, edit.end) == (104, 117)
    assert edit.spun == "Related Press"


def test_to_json_record():
    edit = _edit(18, 27, "mentioned", "said", {"total": 0.123456789, "prior": 0.0})
    record = edit.to_json()
    assert record == {
        "version": EXPLANATION_VERSION,
        "start": 18,
        "end": 27,
        "spun": "mentioned",
        "replacement": "said",
        "source": {
            "table": "tiny",
            "line": 13,
            "row": "mention -> say",
            "kind": "tests: tiny table",
        },
        "score": {"total": 0.1235, "prior": 0.0},
    }
    assert json.loads(json.dumps(record)) == record


def test_explanation_version_is_one():
    assert EXPLANATION_VERSION == 1


@pytest.mark.parametrize(
    "edit",
    [
        _edit(18, 27, "mentioned", "said", {"total": 0.5, "frequency": 2.25, "channel": -1.75}),
        _edit(0, 0, "", "“quoted” — ünïcode 🙃", {}),
        Edit(
            4, 6, "an", "a", Source("render", 0, "a/an", "render: a/an agreement"), {"total": 0.0}
        ),
    ],
    ids=["scored", "unicode-no-score", "render-rule"],
)
def test_json_round_trip(edit):
    assert Edit.from_json(json.loads(json.dumps(edit.to_json()))) == edit


def test_from_json_without_version_reads_current():
    record = GOOD[0].to_json()
    del record["version"]
    assert Edit.from_json(record) == GOOD[0]


@pytest.mark.parametrize("version", [0, 2, "1", None])
def test_from_json_refuses_unknown_versions(version):
    record = GOOD[0].to_json()
    record["version"] = version
    with pytest.raises(ValueError, match="version"):
        Edit.from_json(record)


@pytest.mark.parametrize("field", ["start", "end", "spun", "replacement", "source"])
def test_from_json_refuses_missing_fields(field):
    record = GOOD[0].to_json()
    del record[field]
    with pytest.raises(ValueError, match="malformed"):
        Edit.from_json(record)


def test_from_json_refuses_incomplete_source():
    record = GOOD[0].to_json()
    del record["source"]["line"]
    with pytest.raises(ValueError):
        Edit.from_json(record)


def test_edit_equality_includes_every_field():
    a = _edit(18, 27, "mentioned", "said", {"total": 1.0})
    assert a != _edit(18, 27, "mentioned", "said", {"total": 2.0})
    assert a != Edit(18, 27, "mentioned", "said", Source("other", 13, "x", "y"), {"total": 1.0})
