"""Golden cases from ``tests/cases/*.json`` (format: ``tests/cases/README.md``).

Every case is run through the restorer, and every case also checks the invariants that make
explanations trustworthy: the edits replay to the output, they do not overlap, and nothing
outside them changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from restorer import PhraseTable, Restorer, RestorerConfig, apply_edits
from restorer.candidates import build_lattice
from restorer.tokenize import tokenize

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
REQUIRED = {"label": str, "input": str, "expected": str, "expect": str, "table": str}
OPTIONAL = {"comment": str, "idempotent": bool}


def _load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in CASE_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, list), f"{path.name} must hold a JSON list of cases"
        out.extend((path.stem, case) for case in data)
    return out


CASES = _load_cases()


def _id(item: tuple[str, dict[str, Any]]) -> str:
    return str(item[1].get("label", "?"))


def _params(mark_fail: bool) -> list[Any]:
    params = []
    for item in CASES:
        marks = []
        if mark_fail and item[1].get("expect") == "fail":
            marks.append(pytest.mark.xfail(strict=True, reason=item[1].get("comment", "")))
        params.append(pytest.param(item, id=_id(item), marks=marks))
    return params


@pytest.fixture(scope="module")
def shipped_restorer() -> Restorer:
    return Restorer(RestorerConfig())


@pytest.fixture
def restorer_for(tiny_restorer: Restorer, request: pytest.FixtureRequest):
    def get(case: dict[str, Any]) -> Restorer:
        if case["table"] == "tiny":
            return tiny_restorer
        return request.getfixturevalue("shipped_restorer")

    return get


# -- the case files themselves -------------------------------------------------------------


def test_case_files_exist():
    names = {p.name for p in CASE_FILES}
    assert {"synthetic.json", "negative.json", "known-failures.json"} <= names
    assert (CASES_DIR / "README.md").is_file()


def test_labels_are_unique():
    labels = [case.get("label") for _, case in CASES]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    assert not duplicates


def test_enough_negative_cases():
    clean = [c for stem, c in CASES if stem == "negative" and c["input"].strip()]
    assert len(clean) >= 25


@pytest.mark.parametrize("item", _params(mark_fail=False))
def test_case_is_well_formed(item):
    stem, case = item
    assert isinstance(case, dict)
    for key, kind in REQUIRED.items():
        assert key in case, f"missing {key!r}"
        assert isinstance(case[key], kind), f"{key!r} must be {kind.__name__}"
    for key, kind in OPTIONAL.items():
        if key in case:
            assert isinstance(case[key], kind), f"{key!r} must be {kind.__name__}"
    unknown = set(case) - set(REQUIRED) - set(OPTIONAL)
    assert not unknown, f"unknown fields {sorted(unknown)}"
    assert case["label"].strip()
    assert case["expect"] in ("pass", "fail")
    assert case["table"] in ("tiny", "shipped")
    if stem == "negative":
        assert case["input"] == case["expected"], "negative cases must expect the input back"
        assert case["expect"] == "pass"
    if stem == "known-failures":
        assert case["expect"] == "fail"
        assert case["input"] != case["expected"]


def test_every_tiny_row_is_exercised(tiny_table: PhraseTable):
    """Each row of the tiny table matches somewhere in the tiny-table cases."""
    used: set[int] = set()
    for _, case in CASES:
        if case["table"] != "tiny":
            continue
        for slot in build_lattice(tokenize(case["input"]), tiny_table):
            used.update(c.row.line for c in slot.candidates)
    unused = [row.describe() for row in tiny_table.rows if row.line not in used]
    assert not unused


# -- running the cases ---------------------------------------------------------------------


@pytest.mark.parametrize("item", _params(mark_fail=True))
def test_case_output(item, restorer_for):
    _, case = item
    assert restorer_for(case).restore_text(case["input"]) == case["expected"]


@pytest.mark.parametrize("item", _params(mark_fail=False))
def test_case_edits_replay(item, restorer_for):
    _, case = item
    result = restorer_for(case).restore_and_explain(case["input"])
    assert apply_edits(case["input"], result.edits) == result.text


@pytest.mark.parametrize("item", _params(mark_fail=False))
def test_case_edits_are_disjoint_and_leave_the_rest(item, restorer_for):
    _, case = item
    text = case["input"]
    result = restorer_for(case).restore_and_explain(text)
    edits = sorted(result.edits, key=lambda e: e.start)
    assert [e.start for e in result.edits] == [e.start for e in edits], "edits out of order"
    out_pos = 0  # where the next unchanged piece of input must sit in the output
    in_pos = 0
    for edit in edits:
        assert in_pos <= edit.start < edit.end <= len(text)
        assert text[edit.start : edit.end] == edit.spun
        kept = text[in_pos : edit.start]
        assert result.text[out_pos : out_pos + len(kept)] == kept
        out_pos += len(kept)
        assert result.text[out_pos : out_pos + len(edit.replacement)] == edit.replacement
        out_pos += len(edit.replacement)
        in_pos = edit.end
    assert result.text[out_pos:] == text[in_pos:]


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(item, id=_id(item))
        for item in CASES
        if item[1]["expect"] == "pass" and item[1].get("idempotent", True)
    ],
)
def test_case_idempotent(item, restorer_for):
    _, case = item
    restorer = restorer_for(case)
    once = restorer.restore_text(case["input"])
    assert restorer.restore_text(once) == once
