"""Compositional phrases: a tortured phrase no list holds whole, restored from its parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from restorer import PhraseTable, Restorer, RestorerConfig, Row
from restorer.candidates import build_lattice
from restorer.compose import COMPOSE_TABLE
from restorer.conditions import parse_condition
from restorer.tokenize import tokenize

PPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "pps"
PPS_CSV = PPS / "hahuyhoang411_tortured.csv"

# Parts written for these tests. "bosom disease -> breast cancer" is there only to attest the
# term "breast cancer" (it never matches the sentences below).
PARTS = [
    Row("bosom", ("breast",), 0.6, "test: parts", "parts", 1),
    Row("malignant growth", ("cancer",), 0.5, "test: parts", "parts", 2),
    Row("bosom disease", ("breast cancer",), 0.9, "test: parts", "parts", 3),
    Row("profound", ("deep",), 0.3, "test: parts", "parts", 4),
    Row("learning", ("studying",), 0.3, "test: parts", "parts", 5),
]
TEXT = "Screening for bosom malignant growth starts at forty."


def _restorer(rows, compose=True):
    return Restorer(
        RestorerConfig(model="fast", default_table=False, compose=compose),
        table=PhraseTable(rows, "parts"),
    )


def _composed(text, rows):
    toks = tokenize(text)
    return [
        (s.start, s.end, c.text, c.row)
        for s in build_lattice(toks, PhraseTable(rows, "parts"), compose=True)
        for c in s.candidates
        if c.row.table == COMPOSE_TABLE
    ]


def test_attested_composition_is_proposed_and_restored():
    found = _composed(TEXT, PARTS)
    assert [(a, b, t) for a, b, t, _ in found] == [(2, 5, "breast cancer")]
    row = found[0][3]
    assert row.source == "composed: bosom -> breast + malignant growth -> cancer"
    assert row.prior == pytest.approx(1 - 0.4 * 0.5)  # noisy-or of the parts
    # here the parts alone would do too; the decoder may take either
    assert _restorer(PARTS).restore_text(TEXT) == "Screening for breast cancer starts at forty."


def test_a_composition_in_capitals_takes_the_input_case():
    """Lower-case parts matched inside a capitalised name compose a row that is no name row."""
    rows = [
        Row("authorities", ("government",), 0.6, "test: parts", "parts", 1),
        Row("staff", ("employees",), 0.6, "test: parts", "parts", 2),
        Row("state workers", ("government employees",), 0.9, "test: parts", "parts", 3),
    ]
    [(start, end, text, row)] = _composed("The Union of Authorities Staff met.", rows)
    assert (start, end, text) == (3, 5, "government employees")
    assert not row.case_sensitive  # rendered like the input: "Government Employees"
    out = _restorer(rows).restore_and_explain("The Union of Authorities Staff met.")
    assert out.text == "The Union of Government Employees met."
    assert [(e.replacement, e.source.table) for e in out.edits] == [
        ("Government Employees", COMPOSE_TABLE)
    ]


def test_unattested_composition_is_not_proposed():
    rows = [r for r in PARTS if r.spun != "bosom disease"]
    assert _composed(TEXT, rows) == []
    # "profound learning" -> "deep studying" is not a term any row knows
    assert _composed("They use profound learning daily.", PARTS) == []


def test_compose_can_be_turned_off():
    out = _restorer(PARTS, compose=False).restore_text(TEXT)
    assert "breast cancer" not in out


def test_composition_bypasses_the_parts_conditions():
    """Fingerprint lists accept "bosom" only with "breast" in the paper; the whole is enough."""
    needs_breast = parse_condition('"breast"')
    needs_cancer = parse_condition('"cancer"')
    rows = [
        Row("bosom", ("breast",), 0.97, "test: pps", "pps", 1, needs_breast),
        Row("malignant growth", ("cancer",), 0.97, "test: pps", "pps", 2, needs_cancer),
        Row("bosom disease", ("breast cancer",), 0.97, "test: pps", "pps", 3),
    ]
    assert _restorer(rows).restore_text(TEXT) == "Screening for breast cancer starts at forty."
    # each part alone still needs its condition
    alone = "The bosom of the family; a malignant growth of debt."
    assert _restorer(rows).restore_text(alone) == alone


def test_a_whole_row_beats_nothing_and_is_not_duplicated():
    rows = [*PARTS, Row("bosom malignant growth", ("breast cancer",), 0.95, "t", "parts", 9)]
    texts = [t for _a, _b, t, _r in _composed(TEXT, rows)]
    assert texts == []  # the whole row already proposes "breast cancer" for that span


@pytest.mark.skipif(not PPS_CSV.is_file(), reason="../shared/data/pps not present")
def test_pps_parts_compose_a_phrase_the_list_lacks():
    """The export has "vaticination" and "exactness" (only near "accuracy"), not the pair.

    "prediction accuracy" is attested as the expected phrase of other entries, so the pair is
    restored although "exactness" alone would need "accuracy" within five words.
    """
    restorer = Restorer(RestorerConfig(model="fast", default_table=False, tables=(PPS_CSV,)))
    assert "vaticination exactness" not in {r.spun for r in restorer.table.rows}
    text = "Our vaticination exactness improved by four points."
    result = restorer.restore_and_explain(text)
    assert result.text == "Our prediction accuracy improved by four points."
    assert COMPOSE_TABLE in {e.source.table for e in result.edits}
    off = Restorer(
        RestorerConfig(model="fast", default_table=False, tables=(PPS_CSV,), compose=False)
    )
    assert "exactness" in off.restore_text(text)
