"""Phrase tables: the file format, its errors, lookup rules, lint, and the shipped table."""

from __future__ import annotations

import re

import pytest
from helpers import write_file
from hypothesis import example, given, settings
from hypothesis import strategies as st

from restorer import PhraseTable, Row, TableFormatError, load_table
from restorer.table import lint
from restorer.tokenize import tokenize

HEADER = "# restorer-phrases 1\n"


# -- parse errors: TableFormatError naming the path and the line ----------------------------

BAD_TABLES = [
    ("bad header", "restorer phrases\nfoo\tbar\t0.5\tsrc\n", 1),
    ("no header", "foo\tbar\t0.5\tsrc\n", 1),
    ("wrong version", "# restorer-phrases 3\nfoo\tbar\t0.5\tsrc\n", 1),
    ("empty file", "", 1),
    ("three fields", HEADER + "foo\tbar\t0.5\tsrc\nfoo bar\tbaz\t0.5\n", 3),
    ("five fields", HEADER + "# a comment\n\nfoo\tbar\t0.5\tsrc\textra\n", 4),
    ("prior not a number", HEADER + "foo\tbar\thigh\tsrc\n", 2),
    ("prior zero", HEADER + "foo\tbar\t0\tsrc\n", 2),
    ("prior above one", HEADER + "foo\tbar\t1.5\tsrc\n", 2),
    ("prior negative", HEADER + "foo\tbar\t-0.2\tsrc\n", 2),
    ("prior nan", HEADER + "foo\tbar\tnan\tsrc\n", 2),
    ("empty canonical", HEADER + "foo\t\t0.5\tsrc\n", 2),
    ("empty alternative", HEADER + "foo\tbar|\t0.5\tsrc\n", 2),
    ("empty spun", HEADER + " \tbar\t0.5\tsrc\n", 2),
    ("empty source", HEADER + "foo\tbar\t0.5\t \n", 2),
]


@pytest.mark.parametrize(
    ("body", "line"),
    [(body, line) for _, body, line in BAD_TABLES],
    ids=[n for n, *_ in BAD_TABLES],
)
def test_parse_errors_name_path_and_line(tmp_path, body, line):
    path = write_file(tmp_path, "table.tsv", body)
    with pytest.raises(TableFormatError) as info:
        PhraseTable.load(path)
    err = info.value
    assert err.line == line
    assert err.path == str(path)
    assert f"{path}:{line}: " in str(err)
    assert err.reason


def test_not_utf8_names_path_and_line(tmp_path):
    path = write_file(
        tmp_path, "table.tsv", HEADER.encode() + b"foo\tbar\t0.5\tsrc\ncaf\xe9\tcafe\t0.5\tsrc\n"
    )
    with pytest.raises(TableFormatError) as info:
        PhraseTable.load(path)
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)
    assert f"{path}:3" in str(info.value), "the line holding the bad byte should be named"


def test_directory_is_a_table_error(tmp_path):
    with pytest.raises(TableFormatError) as info:
        PhraseTable.load(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert "directory" in str(info.value)


def test_missing_file_is_a_table_error(tmp_path):
    path = tmp_path / "nope.tsv"
    with pytest.raises(TableFormatError) as info:
        PhraseTable.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        HEADER + "foo\tbar\t0.5\tsrc\n",
        HEADER.replace("\n", "\r\n") + "foo\tbar\t0.5\tsrc\r\n",
        "\ufeff" + HEADER + "foo\tbar\t0.5\tsrc\n",
        HEADER + "# spun\tcanonical\tprior\tsource\n\n# comment\nfoo\tbar\t0.5\tsrc",
        HEADER + " foo \t bar \t 0.5 \t src \n",
    ],
    ids=["plain", "crlf", "bom", "comments-and-no-final-newline", "padded-fields"],
)
def test_good_tables_parse(tmp_path, body):
    table = PhraseTable.load(write_file(tmp_path, "table.tsv", body))
    assert len(table) == 1
    row = table.rows[0]
    assert (row.spun, row.canonicals, row.prior, row.source) == ("foo", ("bar",), 0.5, "src")
    assert row.table == "table.tsv"
    assert row.line == body.replace("\r\n", "\n").count("\n", 0, body.index("foo")) + 1


def test_rows_remember_their_line(tmp_path):
    body = HEADER + "# comment\n\nfoo\tbar\t0.5\tsrc\nbaz\tqux|quux\t1\tsrc\n"
    table = PhraseTable.load(write_file(tmp_path, "table.tsv", body))
    assert [(r.spun, r.line) for r in table.rows] == [("foo", 4), ("baz", 5)]
    assert table.rows[1].canonicals == ("qux", "quux")


# -- save / load -------------------------------------------------------------------------

WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéü'-", min_size=1, max_size=8
)
PHRASE = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
ROW = st.builds(
    lambda spun, canon, prior, source: Row(spun, tuple(canon), prior, source),
    PHRASE,
    st.lists(PHRASE, min_size=1, max_size=3),
    st.floats(min_value=0.001, max_value=1.0),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz:-. 0123456789", min_size=1, max_size=20).map(
        lambda s: s.strip() or "src"
    ),
)


def _key(row: Row):
    return (row.spun, row.canonicals, row.prior, row.source)


def test_save_load_round_trip(tmp_path, tiny_table):
    path = tmp_path / "saved.tsv"
    tiny_table.save(path)
    loaded = PhraseTable.load(path)
    assert [_key(r) for r in loaded.rows] == [_key(r) for r in tiny_table.rows]
    assert all(r.table == "saved.tsv" and r.line > 0 for r in loaded.rows)
    assert path.read_text(encoding="utf-8").startswith(HEADER)


@settings(max_examples=100, deadline=None)
@given(st.lists(ROW, max_size=10))
@example([Row("learned phrase", ("original phrase",), 0.123456789, "learned: pairs")])
def test_save_load_round_trip_any_rows(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("tables") / "t.tsv"
    PhraseTable(rows).save(path)
    assert [_key(r) for r in PhraseTable.load(path).rows] == [_key(r) for r in rows]


# -- lookup --------------------------------------------------------------------------------


def _lookup(table: PhraseTable, text: str, word: str):
    tokens = tokenize(text)
    i = next(k for k, t in enumerate(tokens) if t.text == word)
    return table.lookup(tokens, i)


def test_longest_match_first(tiny_table):
    matches = _lookup(tiny_table, "the undercover agent company said", "undercover")
    assert [m.row.spun for m in matches] == ["undercover agent company", "undercover agent"]
    assert [m.length for m in matches] == [3, 2]


def test_lookup_respects_max_length(tiny_table):
    tokens = tokenize("the undercover agent company said")
    assert [m.length for m in tiny_table.lookup(tokens, 1, max_length=2)] == [2]


def test_lookup_stops_at_the_end_of_the_text(tiny_table):
    assert [m.length for m in _lookup(tiny_table, "an undercover agent", "undercover")] == [2]


@pytest.mark.parametrize(
    ("text", "word", "matches"),
    [
        ("at the White Space today", "White", True),
        ("at the WHITE SPACE today", "WHITE", True),
        ("trim the white space today", "white", False),
        ("trim the White space today", "White", False),
        ("trim the white Space today", "white", False),
        ("the Home voted", "Home", True),
        ("back home again", "home", False),
    ],
    ids=["same-case", "all-caps", "lower", "half-lower", "half-upper", "Home", "home"],
)
def test_capitalised_rows_match_only_their_case(tiny_table, text, word, matches):
    found = [m for m in _lookup(tiny_table, text, word) if m.row.case_sensitive]
    assert bool(found) is matches


@pytest.mark.parametrize(
    "text",
    ["extra time", "Extra time", "EXTRA TIME", "eXtRa time"],
    ids=["lower", "title", "caps", "mixed"],
)
def test_lower_case_rows_match_any_case(tiny_table, text):
    word = text.split()[0]
    assert [m.row.spun for m in _lookup(tiny_table, text, word)] == ["extra"]


@pytest.mark.parametrize(
    ("word", "tag"),
    [("mention", None), ("mentioned", "VBD"), ("mentions", "VBZ"), ("mentioning", "VBG")],
    ids=["base", "past", "third-person", "gerund"],
)
def test_base_form_row_matches_inflections(tiny_table, word, tag):
    (match,) = _lookup(tiny_table, f"they {word} it", word)
    assert match.row.spun == "mention"
    if tag is None:
        assert match.inflection == ()
    else:
        assert tag in {a.tag for a in match.inflection}
        assert {a.lemma for a in match.inflection} == {"mention"}


@pytest.mark.parametrize(
    ("text", "word", "matches"),
    [
        ("he stated it", "stated", True),
        ("HE STATED IT", "STATED", True),
        ("he states it", "states", False),
        ("he will state it", "state", False),
        ("he is stating it", "stating", False),
    ],
    ids=["stated", "STATED", "states", "state", "stating"],
)
def test_inflected_row_matches_only_that_form(tiny_table, text, word, matches):
    found = [m for m in _lookup(tiny_table, text, word) if m.row.spun == "stated"]
    assert bool(found) is matches


def test_protected_tokens_never_match():
    table = PhraseTable([Row("example", ("sample",), 0.9, "test")])
    tokens = tokenize("see https://example.com now")
    assert all(not table.lookup(tokens, i) for i in range(len(tokens)))


def test_merged_keeps_every_row(tiny_table):
    other = PhraseTable([Row("foo", ("bar",), 0.5, "other")], name="other")
    merged = tiny_table.merged(other)
    assert len(merged) == len(tiny_table) + 1
    assert merged.rows[-1].spun == "foo"


# -- lint ----------------------------------------------------------------------------------


def _rows(*specs: tuple[str, str]) -> PhraseTable:
    return PhraseTable(
        [
            Row(s, tuple(c.split("|")), 0.5, "test", "lint.tsv", n)
            for n, (s, c) in enumerate(specs, 1)
        ]
    )


def test_lint_clean_table_has_no_problems(tiny_table):
    assert lint(tiny_table) == []


def test_lint_finds_identity_rows():
    problems = lint(_rows(("foo", "bar"), ("extra", "more|Extra")))
    assert len(problems) == 1
    assert "lint.tsv:2" in problems[0]
    assert "identity" in problems[0]


def test_lint_finds_duplicate_spun():
    problems = lint(_rows(("foo", "bar"), ("baz", "qux"), ("foo", "quux")))
    assert len(problems) == 1
    assert "lint.tsv:3" in problems[0]
    assert "lint.tsv:1" in problems[0]


def test_lint_capitalised_and_lower_case_rows_are_different_rules():
    # "Home" (a name, matched only capitalised) and "home" (any casing) are two rules.
    assert lint(_rows(("Home", "House"), ("home", "house"))) == []


def test_lint_finds_rows_that_undo_each_other():
    problems = lint(_rows(("staff", "workers"), ("other", "thing"), ("workers", "staff")))
    assert len(problems) == 2
    assert any("lint.tsv:1" in p for p in problems)
    assert any("lint.tsv:3" in p for p in problems)


def test_lint_lets_symmetric_rows_list_a_pair_both_ways():
    def row(spun: str, canonical: str, source: str, line: int) -> Row:
        return Row(spun, (canonical,), 0.08, source, "sym.tsv", line)

    both = PhraseTable(
        [
            row("money", "cash", "thesaurus (symmetric): moby", 1),
            row("cash", "money", "synonyms (symmetric): groups.txt", 2),
        ]
    )
    assert lint(both) == []
    # a symmetric row does not excuse a one-way row that undoes it, nor the other way round
    mixed = PhraseTable(
        [
            row("money", "cash", "thesaurus (symmetric): moby", 1),
            row("cash", "money", "curated: common swaps", 2),
        ]
    )
    assert len(lint(mixed)) == 2
    # the mark counts only in the source's kind, not in a file name after the colon
    named = PhraseTable(
        [
            row("money", "cash", "learned: (symmetric).jsonl", 1),
            row("cash", "money", "learned: (symmetric).jsonl", 2),
        ]
    )
    assert len(lint(named)) == 2


def test_gzipped_table_loads_and_a_damaged_one_is_reported(tmp_path):
    import gzip

    body = "# restorer-phrases 1\nmentioned\tsaid\t0.5\tcurated: test\n"
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(body.encode("utf-8")))
    table = PhraseTable.load(path)
    assert [(r.spun, r.canonicals) for r in table.rows] == [("mentioned", ("said",))]
    path.write_bytes(gzip.compress(body.encode("utf-8"))[:30])  # truncated
    with pytest.raises(TableFormatError, match=r"t\.tsv\.gz.*damaged gzip"):
        PhraseTable.load(path)


def test_lint_finds_missing_provenance():
    table = PhraseTable([Row("foo", ("bar",), 0.5, " ", "lint.tsv", 1)])
    assert any("provenance" in p for p in lint(table))


# -- the shipped table (the only tests here that read restorer/data) -----------------------


def test_shipped_table_loads():
    table = load_table()
    assert isinstance(table, PhraseTable)
    assert load_table() is table  # cached


def test_shipped_table_has_enough_rows():
    assert len(load_table()) >= 150


def test_shipped_table_lint_is_clean():
    assert lint(load_table()) == []


def test_shipped_table_rows_have_provenance():
    rows = load_table().rows
    assert rows
    missing = [f"{r.table}:{r.line}" for r in rows if not r.source.strip()]
    assert not missing
    assert all(re.fullmatch(r".+_en\.tsv", r.table) and r.line > 1 for r in rows)


def test_load_table_unknown_language():
    with pytest.raises(LookupError):
        load_table("xx")


# -- the lookup index against a brute-force matcher ----------------------------------------

INDEX_ROWS = [
    Row("mention", ("say",), 0.5, "test"),
    Row("stated", ("said",), 0.5, "test"),
    Row("in keeping with", ("according to",), 0.9, "test"),
    Row("in the", ("within the",), 0.3, "test"),
    Row("the Related Press", ("the Associated Press",), 0.9, "test"),
    Row("Related Press", ("Associated Press",), 0.9, "test"),
    Row("don't", ("do not",), 0.3, "test"),
    Row("put together", ("prepare",), 0.4, "test"),
    Row("man-in-the-middle", ("interceptor",), 0.4, "test"),
    Row("naïve café", ("simple bar",), 0.4, "test"),
    # rows of three or more words that share their first two (the third-word filter)
    Row("in the meantime", ("meanwhile",), 0.6, "test"),
    Row("in the event that", ("if",), 0.6, "test"),
    Row("in the mention of", ("in the case of",), 0.6, "test"),
    Row("in the Related Press", ("in the Associated Press",), 0.6, "test"),
]
INDEX_WORDS = [
    "mention",
    "mentioned",
    "mentions",
    "Mentioned",
    "stated",
    "states",
    "in",
    "IN",
    "keeping",
    "kept",
    "with",
    "the",
    "The",
    "Related",
    "related",
    "Press",
    "don't",
    "don’t",
    "do",
    "n't",
    "put",
    "puts",
    "putting",
    "together",
    "man",
    "-",
    "middle",
    "naïve",
    "café",
    ".",
    ",",
    "https://x.org",
    "meantime",
    "event",
    "that",
    "RELATED",
]


def _brute_force(table: PhraseTable, tokens, i: int, max_length: int) -> list:
    """Try every row of the table at position i, with no index: the reference for lookup."""
    from restorer.table import _match_entry

    entries = [e for found in table._index.values() for e in found]
    found = [
        m
        for e in entries
        if e.size <= max_length and i + len(e.words) <= len(tokens)
        if (m := _match_entry(e, tokens, i)) is not None
    ]
    return sorted(found, key=lambda m: (-m.length, m.row.table, m.row.line))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(INDEX_WORDS), max_size=12), st.integers(1, 5))
def test_scan_and_lookup_agree_with_trying_every_row(words, max_length):
    table = PhraseTable(INDEX_ROWS)
    tokens = tokenize(" ".join(words))
    expected = [(i, _brute_force(table, tokens, i, max_length)) for i in range(len(tokens))]
    assert [(i, table.lookup(tokens, i, max_length)) for i in range(len(tokens))] == expected
    assert table.scan(tokens, max_length) == [(i, found) for i, found in expected if found]


@pytest.mark.parametrize(
    ("text", "spun"),
    [
        ("in the meantime", "in the meantime"),
        ("In the event that", "in the event that"),
        ("in the mentioned of", "in the mention of"),  # the third word through its lemma
        ("IN THE RELATED PRESS", "in the Related Press"),  # a case-sensitive row, in capitals
        ("in the related press", "in the"),  # ... and not in lower case
    ],
)
def test_rows_sharing_two_words_are_told_apart_by_the_third(text, spun):
    table = PhraseTable(INDEX_ROWS)
    tokens = tokenize(text)
    found = table.lookup(tokens, 0)
    assert found == _brute_force(table, tokens, 0, 5)
    assert found[0].row.spun == spun


def test_the_lookup_memo_stays_bounded(monkeypatch):
    import restorer.table

    monkeypatch.setattr(restorer.table, "_START_MEMO", 5)
    table = PhraseTable(INDEX_ROWS)
    for n in range(40):
        tokens = tokenize(f"word{n} in keeping with other{n} mentioned in the other{n}")
        assert [m.row.spun for _, found in table.scan(tokens) for m in found] == [
            "in keeping with",
            "mention",
            "in the",
        ]
        assert len(table._starts) <= 5 and len(table._pair_memo) <= 5
        assert len(table._triple_memo) <= 5


def test_scan_orders_one_word_matches_like_lookup():
    # "states" is found under two keys, itself and its lemma "state"; the order must not
    # depend on how a set of keys happens to iterate
    table = PhraseTable(
        [Row("state", ("say",), 0.5, "t", line=1), Row("states", ("x",), 0.5, "t", line=2)]
    )
    tokens = tokenize("he states it")
    assert [m.row.spun for _, found in table.scan(tokens) for m in found] == ["state", "states"]
    assert [m.row.spun for m in table.lookup(tokens, 1)] == ["state", "states"]


@pytest.mark.parametrize(
    "word",
    [
        "mentioned", "went", "gone", "children", "geese", "better", "best", "Ran", "was",
        "were", "leaves", "data", "don't", "won’t", "agencies", "spied", "saying", "said",
        "lying", "axes", "zzqx", "Associated", "U.S.", "1990s", "analyses", "fewer",
    ],
)  # fmt: skip
def test_the_probe_gate_never_hides_a_form_of_a_word(word):
    from restorer.table import _word_forms, might_be_key

    # whatever the keys, a token one of whose forms is a key passes the gate
    for form in _word_forms(word):
        assert might_be_key(word, {form}), (word, form)
    assert not might_be_key(word, {"nothing-of-the-sort"})


def test_words_that_cannot_continue_a_row_are_not_analysed(monkeypatch):
    """Analysing a word (lemminflect) is the dear part of reading new text: the words after a
    row's first word are analysed only where one of their forms may continue a row."""
    import restorer.table as table_module

    table = PhraseTable(
        [
            Row("in the interim", ("meanwhile",), 0.9, "t", line=1),
            Row("in accordance to", ("in accordance with",), 0.9, "t", line=2),
        ]
    )
    analysed: list[str] = []
    word_forms = table_module._word_forms

    def spy(text: str) -> frozenset[str]:
        analysed.append(text)
        return word_forms(text)

    monkeypatch.setattr(table_module, "_word_forms", spy)
    tokens = tokenize("in zebras in the quokkas in the interim in accordance to plans")
    found = [m.row.spun for _, ms in table.scan(tokens) for m in ms]
    assert found == ["in the interim", "in accordance to"]
    # "in" is a first word; "the" and "accordance" may be second words and "interim" and
    # "to" third ones (after "in the" and "in accordance"); "zebras", "quokkas" are neither
    assert "zebras" not in analysed and "quokkas" not in analysed
    assert {"the", "interim", "accordance", "to"} <= set(analysed)
