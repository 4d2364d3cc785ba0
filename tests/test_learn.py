"""Learning table rows from aligned (spun, original) pairs: ``restorer table learn``.

The pairs here are written for these tests (not taken from the dev set).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from restorer import InputError, PhraseTable, Restorer, RestorerConfig
from restorer.candidates import build_lattice
from restorer.cli import app
from restorer.learn import align_swaps, learn_rows, read_pairs, words_of
from restorer.table import lint
from restorer.tokenize import tokenize

PAIRS = [
    (
        "The Home mentioned the invoice would cross on Monday.",
        "The House said the bill would pass on Monday.",
    ),
    (
        "Officials mentioned the invoice was late.",
        "Officials said the bill was late.",
    ),
    (
        "Troops fought at the entrance traces for weeks.",
        "Troops fought at the front lines for weeks.",
    ),
    (
        "Mentions of the invoice were rare, and the invoice stayed.",
        "Mentions of the bill were rare, and the bill stayed.",
    ),
    (
        "She asked whether or not it mattered.",
        "She asked whether it mattered.",
    ),
]


def _rows(pairs=PAIRS, **kw):
    return {r.spun: r for r in learn_rows(pairs, name="test.jsonl", **kw)}


def test_align_swaps_lists_the_differing_stretches():
    spun, orig = words_of(PAIRS[0][0]), words_of(PAIRS[0][1])
    swaps = [(s.spun_text, s.original_text) for s in align_swaps(spun, orig)]
    assert swaps == [("Home mentioned", "House said"), ("invoice", "bill"), ("cross", "pass")]


def test_counts_priors_and_provenance():
    rows = _rows()
    invoice = rows["invoice"]
    assert invoice.canonicals == ("bill",)
    # 4 swaps among 4 occurrences of "invoice" in the spun texts: 4 / (4 + 1)
    assert invoice.source == "learned: 4/4 in test.jsonl"
    assert invoice.prior == pytest.approx(4 / 5, abs=1e-3)
    assert lint(PhraseTable(list(rows.values()))) == []


def test_equal_length_stretches_are_learned_word_by_word_too():
    rows = _rows()
    assert rows["entrance traces"].canonicals == ("front lines",)
    assert rows["entrance"].canonicals == ("front",)
    assert rows["traces"].canonicals == ("lines",)


def test_same_inflection_gives_a_lemma_row():
    rows = _rows()
    assert rows["mentioned"].canonicals == ("said",)
    assert rows["mention"].canonicals == ("say",)  # finds "mentions", re-inflected to "says"
    # "Mentions of the bill" was left alone once: 2 swaps among 3 occurrences of the lemma
    assert rows["mention"].source == "learned: 2/3 in test.jsonl"
    slots = build_lattice(tokenize("Police mentions it."), PhraseTable([rows["mention"]]))
    assert [c.text for s in slots for c in s.candidates] == ["says"]


def test_names_keep_their_capitals_and_sentence_starts_do_not():
    rows = _rows()
    assert "Home" in rows and rows["Home"].case_sensitive  # "the Home": a name
    assert "home" not in rows
    pairs = [("Additionally, it rained.", "Also, it rained.")]
    assert "additionally" in _rows(pairs)


def test_a_dropped_word_takes_a_neighbour():
    rows = _rows()
    assert rows["whether or not"].canonicals == ("whether",)


def test_rows_that_undo_each_other_keep_the_more_frequent_direction():
    pairs = [
        ("It is not here.", "It isn't here."),
        ("It is not there.", "It isn't there."),
        ("It isn't late.", "It is not late."),
    ]
    rows = _rows(pairs)
    assert rows["is not"].canonicals == ("isn't",)
    assert "isn't" not in rows and "is n't" not in rows
    assert lint(PhraseTable(list(rows.values()))) == []


def test_min_count_and_max_tokens():
    assert set(_rows(min_count=3)) == {"invoice"}
    long_pair = [("one two three four five six seven", "a b c d e f g")]
    assert _rows(long_pair, max_tokens=5) == {}
    assert "one two three four five six seven" in _rows(long_pair, max_tokens=8)


def test_learned_rows_restore_unseen_text():
    table = PhraseTable(learn_rows(PAIRS, name="t"), name="learned")
    # the rows at work, not the spin-rate estimate (a sentence of three swaps is little evidence)
    config = RestorerConfig(model="fast", default_table=False, spin_rate=0.5)
    r = Restorer(config, table=table)
    out = r.restore_text("Officials mentioned the invoice reached the entrance traces.")
    assert out == "Officials said the bill reached the front lines."


# -- reading pairs, and the command ---------------------------------------------------------


def _jsonl(tmp_path, records, name="pairs.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_read_pairs_fields_and_errors(tmp_path):
    path = _jsonl(tmp_path, [{"a": "x y", "b": "x z"}])
    assert read_pairs(path, "a", "b") == [("x y", "x z")]
    with pytest.raises(InputError) as info:
        read_pairs(path)
    assert "line 1" in str(info.value)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"spun": "a", "original": "b"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_pairs(bad)
    assert "line 2" in str(info.value)


def test_cli_table_learn(tmp_path):
    path = _jsonl(tmp_path, [{"spun": s, "original": o} for s, o in PAIRS])
    out = tmp_path / "learned.tsv"
    result = CliRunner().invoke(app, ["table", "learn", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 pair(s)" in result.output
    table = PhraseTable.load(out)
    assert {r.spun for r in table} >= {"invoice", "mention", "Home"}
    check = CliRunner().invoke(app, ["table", "check", str(out)])
    assert check.exit_code == 0, check.output
    # the learned table restores with --table
    fixed = CliRunner().invoke(
        app, ["fix", "-m", "fast", "-t", str(out)], input="Officials mentioned the invoice.\n"
    )
    assert fixed.stdout == "Officials said the bill.\n"


def test_cli_table_learn_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("[1, 2]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["table", "learn", str(bad)])
    assert result.exit_code == 3
    assert "bad.jsonl" in result.output and "line 1" in result.output
    missing = CliRunner().invoke(app, ["table", "learn", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 3
    usage = CliRunner().invoke(app, ["table", "learn", str(bad), "--min-count", "0"])
    assert usage.exit_code == 2
