"""User-supplied tables: formats, fingerprint conditions, list files, the CLI.

Unit tests use small files written here. The tests named ``test_pps_*`` read the Problematic
Paper Screener copies in ``../shared/data/pps`` by path (their licence is unverified: they are
never copied into the repository) and skip when those files are absent.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from restorer import PhraseTable, Restorer, RestorerConfig, Row, TableFormatError
from restorer.cli import app
from restorer.conditions import ConditionError, SegmentWords, parse_condition, phrase_words
from restorer.imports import (
    FingerprintError,
    clean_expected,
    detect_format,
    import_table,
    load_any_table,
    parse_fingerprint,
    read_phrase_list,
)
from restorer.table import lint

PPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "pps"
PPS_CSV = PPS / "hahuyhoang411_tortured.csv"
PPS_JSON = PPS / "torturedcheck_tortured-phrases.json"

# A small PPS-style export written for these tests (same header as the real export).
CSV_TEXT = """tortured_phrase,expected_phrase,num_papers
\"\"\"counterfeit consciousness\"\"\",artificial intelligence (AI),"12,000"
\"\"\"surface region\"\" AND \"\"surface area\"\"\",surface area,"42,000"
\"\"\"magnetic cell separation\"\" NOT \"\"with MACS\"\"\",Magnetic-activated cell sorting,900
\"\"\"gatherings clustering\"\"~10\",clustering,"6,100"
\"\"\"fog figuring\"\"\",fog/mist computing,12
\"\"\"arbitrary woodland\"\"\",random forest (?),30
\"\"\"zone unit\"\" AND \"\"square measure\"\"\","The word are, see https://example.org/note",9
\"\"\"dark hole\"\"\",???,3
\"\"\"web of things (IoT)\"\"\",internet of things (IoT),80
\"\"\"enhancement calculation\"\" AND optimiz*\",optimization algorithm,70
\"\"\"PC helped\"\" AND (\"\"be that as it\"\" OR \"\"on the off chance\"\")\",Computer-aided,11
\"\"\"total national production\"\" ADN \"\"GDP\"\"\",gross domestic product,1
"""


@pytest.fixture
def pps_csv(tmp_path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    return path


@pytest.fixture
def pps_restorer(pps_csv) -> Restorer:
    return Restorer(RestorerConfig(model="fast", default_table=False, tables=(pps_csv,)))


# -- conditions ------------------------------------------------------------------------------


def test_condition_syntax_round_trips():
    text = '"surface area" AND NOT ("with macs" OR "macs")~5 AND "optimiz*"'
    assert parse_condition(text).render() == text


@pytest.mark.parametrize(
    "bad",
    ['"a" OR "b"', "NOT", '"a" AND', '("a" AND "b")', "surface area", '"a" "b"', '""', '("a"'],
)
def test_condition_syntax_errors(bad):
    with pytest.raises(ConditionError):
        parse_condition(bad)


def test_condition_near_counts_words_not_punctuation():
    words = ["gatherings", ",", "methods", ",", "and", "then", "clustering"]
    doc = SegmentWords(words)
    near3 = parse_condition('"clustering"~3')
    near2 = parse_condition('"clustering"~2')
    assert near3.holds(doc, 0, 1)  # three words in between; commas do not count
    assert not near2.holds(doc, 0, 1)


def test_condition_does_not_count_the_match_itself():
    doc = SegmentWords(["surface", "area"])
    assert not parse_condition('"surface area"').holds(doc, 0, 2)


def test_phrase_words_split_like_text():
    assert phrase_words("Isn’t pre-trained") == ("is", "n't", "pre", "-", "trained")


# -- fingerprints and expected phrases -------------------------------------------------------


def test_fingerprint_left_to_right_and_groups():
    fp = parse_fingerprint('"fit record" OR "fit file" AND "fit index"')
    assert fp.lead == ("fit record", "fit file")
    assert [t.render() for t in fp.terms] == ['"fit index"']
    fp = parse_fingerprint('"a" AND ("x" OR "y") NOT "z"~5')
    assert [t.render() for t in fp.terms] == ['("x" OR "y")', 'NOT "z"~5']


def test_fingerprint_typo_and_bare_words():
    fp = parse_fingerprint('"total national production" ADN "GDP"')
    assert fp.notes == ("read 'ADN' as 'AND'",)
    fp = parse_fingerprint('"business knowledge" AND business intelligence')
    assert [t.render() for t in fp.terms] == ['"business intelligence"']


@pytest.mark.parametrize("bad", ['AND "x"', '"a" AND ("b" AND "c")', '"a" "b"', '"a" AND (', ""])
def test_fingerprint_errors(bad):
    with pytest.raises(FingerprintError):
        parse_fingerprint(bad)


@pytest.mark.parametrize(
    ("expected", "spun", "canonicals", "uncertain"),
    [
        ("surface area", "surface region", ["surface area"], False),
        (
            "fog/mist/cloud computing",
            "haze figuring",
            ["fog computing", "mist computing", "cloud computing"],
            False,
        ),
        ("TCP/IP packet", "TCP/IP bundle", ["TCP/IP packet"], False),
        (
            "signing / sign language recognition",
            "x y",
            ["signing", "sign language recognition"],
            False,
        ),
        (
            "classification or regression task",
            "order or relapse undertaking",
            ["classification or regression task"],
            False,
        ),
        (
            "Human Machine Interface (HMI) OR Human-computer interaction (HCI)",
            "human-PC association",
            ["Human Machine Interface", "Human-computer interaction"],
            False,
        ),
        ("[neural network] layer outputs", "layer yields", ["layer outputs"], False),
        ("Brown(ian) motion", "earthy colored movement", ["brownian motion"], False),
        ("Support Vector machine (SVM)", "help vector machine", ["support vector machine"], False),
        ("accuracy ?", "anticipate exactness", ["accuracy"], True),
        (
            "rectified linear unit, ReLU",
            "redressed straight unit",
            ["rectified linear unit"],
            False,
        ),
    ],
)
def test_clean_expected(expected, spun, canonicals, uncertain):
    got, unsure, problem = clean_expected(expected, spun)
    assert problem is None
    assert got == canonicals
    assert unsure is uncertain


@pytest.mark.parametrize(
    "expected",
    ["???", "(?)", "The word ‘are’, see https://pubpeer.com/x", "surface region"],
)
def test_clean_expected_refuses_notes_and_unknowns(expected):
    got, _unsure, problem = clean_expected(expected, "surface region")
    assert got == []
    assert problem


# -- reading a PPS CSV -----------------------------------------------------------------------


def test_pps_csv_rows_conditions_and_skips(pps_csv):
    result = import_table(pps_csv)
    assert result.format == "pps-csv"
    rows = {r.spun: r for r in result.rows}
    assert rows["counterfeit consciousness"].canonicals == ("artificial intelligence",)
    assert rows["surface region"].condition.render() == '"surface area"'
    assert rows["magnetic cell separation"].condition.render() == 'NOT "with macs"'
    # a proximity lead: the words of the expected term are the condition, the rest is replaced
    assert rows["gatherings"].canonicals == ("clustering",)
    assert rows["gatherings"].condition.render() == '"clustering"~10'
    assert rows["fog figuring"].canonicals == ("fog computing", "mist computing")
    assert rows["arbitrary woodland"].source.startswith("pps export (uncertain)")
    assert rows["arbitrary woodland"].prior < rows["counterfeit consciousness"].prior
    # the shared abbreviation stays in the text; the row covers the tortured words only
    assert rows["web of things"].canonicals == ("internet of things",)
    assert rows["enhancement calculation"].condition.render() == '"optimiz*"'
    assert rows["pc helped"].condition.render() == '("be that as it" OR "on the off chance")'
    assert "read 'ADN' as 'AND'" in [n for _, n in result.notes]
    skipped = dict(result.skipped)
    assert set(skipped) == {8, 9}  # the note with a URL, and the "???" entry
    assert all(r.source.startswith("pps export") and r.line > 1 for r in result.rows)
    assert lint(PhraseTable(result.rows)) == []


def test_pps_csv_needs_its_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('tortured_phrase,something\n"a",b\n', encoding="utf-8")
    with pytest.raises(TableFormatError):
        import_table(path, "pps-csv")


def test_and_row_needs_its_partner_phrase(pps_restorer):
    alone = "We measured the surface region of each sample."
    assert pps_restorer.restore_text(alone) == alone
    both = "We measured the surface region of each sample; the surface area was large."
    assert pps_restorer.restore_text(both) == (
        "We measured the surface area of each sample; the surface area was large."
    )


def test_not_row_is_blocked_by_its_phrase(pps_restorer):
    text = "Cells were sorted by magnetic cell separation before culture."
    assert pps_restorer.restore_text(text) == (
        "Cells were sorted by magnetic-activated cell sorting before culture."
    )
    blocked = "Cells were sorted by magnetic cell separation with MACS before culture."
    assert pps_restorer.restore_text(blocked) == blocked


def test_proximity_row_needs_the_word_nearby(pps_restorer):
    near = "The gatherings were found by clustering the points."
    assert pps_restorer.restore_text(near) == "The clustering were found by clustering the points."
    far = "The gatherings " + "were held in many towns across the region every year and " * 2
    far += "clustering was never used."
    assert pps_restorer.restore_text(far) == far


def test_wildcard_and_or_group_conditions(pps_restorer):
    text = "An enhancement calculation was run."
    assert pps_restorer.restore_text(text) == text
    text2 = "An enhancement calculation was run to optimize the weights."
    assert "optimization algorithm" in pps_restorer.restore_text(text2)
    text3 = "The PC helped design was fast. Be that as it may, it was costly."
    assert pps_restorer.restore_text(text3).lower().startswith("the computer-aided design")


# -- other formats ---------------------------------------------------------------------------


def test_json_list_formats(tmp_path):
    data = {
        "phrases": [
            {"tortured": "profound learning", "correct": "deep learning"},
            {"tortured": "bosom", "correct": "breast"},
            {"tortured": "x y", "correct": "(?)"},
        ]
    }
    path = tmp_path / "list.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = import_table(path)
    assert result.format == "pps-json"
    rows = {r.spun: r for r in result.rows}
    assert rows["profound learning"].canonicals == ("deep learning",)
    assert rows["bosom"].prior < rows["profound learning"].prior  # lost its AND condition
    assert [line for line, _ in result.skipped] == [3]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({"profound learning": "deep learning"}), encoding="utf-8")
    assert [r.spun for r in import_table(bare).rows] == ["profound learning"]


def test_json_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TableFormatError):
        import_table(bad)
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    with pytest.raises(TableFormatError):
        import_table(empty)


def test_synonym_groups_are_symmetric(tmp_path):
    path = tmp_path / "groups.txt"
    path.write_text("# spinner groups\n{big|large|huge}\nquick|fast\nlonely\n", encoding="utf-8")
    result = import_table(path)
    assert result.format == "synonyms"
    rows = {r.spun: r.canonicals for r in result.rows}
    assert rows == {
        "big": ("large", "huge"),
        "large": ("big", "huge"),
        "huge": ("big", "large"),
        "quick": ("fast",),
        "fast": ("quick",),
    }
    assert [line for line, _ in result.skipped] == [4]
    # an imported group file is a symmetric source: its rows may undo each other by design
    assert lint(PhraseTable(result.rows)) == []


def test_gzipped_tables_of_any_format_load(tmp_path):
    import gzip

    groups = tmp_path / "groups.txt.gz"
    groups.write_bytes(gzip.compress(b"quick|fast\n"))
    assert detect_format(groups) == "synonyms"
    assert {r.spun for r in load_any_table(groups).rows} == {"quick", "fast"}
    tsv = tmp_path / "t.tsv.gz"
    tsv.write_bytes(gzip.compress(b"# restorer-phrases 1\nmentioned\tsaid\t0.5\tcurated: t\n"))
    assert detect_format(tsv) == "restorer"
    restorer = Restorer(RestorerConfig(model="fast", default_table=False, tables=[tsv]))
    assert [r.spun for r in restorer.table.rows] == ["mentioned"]


def test_detect_format_by_header(tmp_path, pps_csv):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("# restorer-phrases 1\nfoo\tbar\t0.5\tsrc\n", encoding="utf-8")
    groups = tmp_path / "g.txt"
    groups.write_text("a|b\n", encoding="utf-8")
    js = tmp_path / "j.json"
    js.write_text("[]", encoding="utf-8")
    assert [detect_format(p) for p in (tsv, pps_csv, groups, js)] == [
        "restorer",
        "pps-csv",
        "synonyms",
        "pps-json",
    ]
    other = tmp_path / "o.txt"
    other.write_text("just some prose\n", encoding="utf-8")
    with pytest.raises(TableFormatError) as info:
        detect_format(other)
    assert "unrecognised table format" in str(info.value)
    with pytest.raises(TableFormatError):
        detect_format(tmp_path / "missing.tsv")
    with pytest.raises(TableFormatError):
        detect_format(tmp_path)


def test_table_option_accepts_each_format(tmp_path, pps_csv):
    groups = tmp_path / "g.txt"
    groups.write_text("consciousness|intelligence\n", encoding="utf-8")
    for path in (pps_csv, groups):
        assert len(load_any_table(path)) > 0
    r = Restorer(RestorerConfig(model="fast", default_table=False, tables=(pps_csv,)))
    assert r.restore_text("Counterfeit consciousness is a field.") == (
        "Artificial intelligence is a field."
    )


# -- the restorer-phrases 2 format -----------------------------------------------------------


def test_version_2_round_trip_and_version_1_still_read(tmp_path, pps_csv):
    rows = import_table(pps_csv).rows
    path = tmp_path / "v2.tsv"
    PhraseTable(rows).save(path)
    assert path.read_text(encoding="utf-8").startswith("# restorer-phrases 2\n")
    again = PhraseTable.load(path).rows
    assert [(r.spun, r.canonicals, r.condition) for r in again] == [
        (r.spun, r.canonicals, r.condition) for r in rows
    ]
    v1 = tmp_path / "v1.tsv"
    PhraseTable([Row("foo", ("bar",), 0.5, "src")]).save(v1)
    assert v1.read_text(encoding="utf-8").startswith("# restorer-phrases 1\n")
    assert PhraseTable.load(v1).rows[0].condition is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('# restorer-phrases 1\nfoo\tbar\t0.5\tsrc\t"x"\n', "expected 4 tab-separated fields"),
        ('# restorer-phrases 2\nfoo\tbar\t0.5\tsrc\t"x" AND\n', "AND at the end"),
        ("# restorer-phrases 2\nfoo\tbar\t0.5\n", "expected 4 or 5"),
    ],
)
def test_version_2_errors_name_the_line(tmp_path, body, message):
    path = tmp_path / "bad.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TableFormatError) as info:
        PhraseTable.load(path)
    assert info.value.line == 2
    assert message in str(info.value)


def test_lint_allows_one_phrase_with_different_conditions():
    cond = parse_condition('"a"')
    table = PhraseTable(
        [Row("x y", ("z",), 0.5, "s", "t", 1), Row("x y", ("z",), 0.5, "s", "t", 2, cond)]
    )
    assert lint(table) == []


# -- allow and deny lists --------------------------------------------------------------------


def test_phrase_list_format(tmp_path):
    path = tmp_path / "deny.txt"
    path.write_text("# comment\n\nRelated Press\tAssociated Press\nmalignant growth\n", "utf-8")
    assert read_phrase_list(path) == [
        (3, "Related Press", "Associated Press"),
        (4, "malignant growth", None),
    ]


# -- the table commands ----------------------------------------------------------------------


def test_cli_table_import_check_and_stats(tmp_path, pps_csv):
    out = tmp_path / "out.tsv"
    result = CliRunner().invoke(app, ["table", "import", str(pps_csv), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipped: " in result.output  # the note and the "???" entry are listed
    assert out.read_text(encoding="utf-8").startswith("# restorer-phrases 2\n")
    check = CliRunner().invoke(app, ["table", "check", str(out), str(pps_csv)])
    assert check.exit_code == 0, check.output
    stats = CliRunner().invoke(app, ["table", "stats", "--json", str(out)])
    assert stats.exit_code == 0, stats.output
    fig = json.loads(stats.stdout)[str(out)]
    assert fig["rows"] == len(import_table(pps_csv).rows)
    assert fig["with_condition"] == 6
    assert list(fig["by_source"]) == ["pps export", "pps export (uncertain)"]


def test_cli_table_import_usage_errors(tmp_path, pps_csv):
    bad = CliRunner().invoke(app, ["table", "import", str(pps_csv), "--format", "xml"])
    assert bad.exit_code == 2
    bad = CliRunner().invoke(app, ["table", "import", str(pps_csv), "--prior", "2"])
    assert bad.exit_code == 2
    missing = CliRunner().invoke(app, ["table", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code == 3
    assert "none.csv" in missing.output


def test_cli_table_stats_of_the_shipped_table():
    result = CliRunner().invoke(app, ["table", "stats"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("shipped: ")
    assert "curated: verbs of saying" in result.stdout


def test_cli_table_check_reports_undo_pairs(tmp_path):
    groups = tmp_path / "pairs.json"
    groups.write_text(json.dumps({"alpha beta": "gamma delta", "gamma delta": "alpha beta"}))
    result = CliRunner().invoke(app, ["table", "check", str(groups)])
    assert result.exit_code == 3
    assert "is undone by" in result.stdout


# -- the real PPS copies (by path; skipped when absent) --------------------------------------

needs_pps = pytest.mark.skipif(not PPS_CSV.is_file(), reason="../shared/data/pps not present")
TEMPLATES = (
    "In this study, the {} was evaluated on three benchmark datasets.",
    "We report results for {} in the following section.",
)


def _plain_rows() -> list[dict[str, str]]:
    with PPS_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if re.fullmatch(r'"[^"]+"', r["tortured_phrase"].strip())]


@needs_pps
@pytest.mark.slow
def test_pps_plain_phrases_are_restored_in_clean_sentences():
    """The issue's target: at least 95 % of the export's plain phrases, each in a sentence.

    A phrase counts as restored when the sentence comes back with one of the expected
    alternatives in its place (compared in lower case, hyphens as spaces). The expected phrases
    are read with :func:`clean_expected`, independently of the rows under test; entries with no
    usable expected phrase ("???", notes) count as failures.
    """
    plain = _plain_rows()
    assert len(plain) > 6000
    restorer = Restorer(RestorerConfig(model="fast", tables=(PPS_CSV,)))

    def norm(text: str) -> str:
        return " ".join(text.lower().replace("-", " ").split())

    restored = 0
    for k, row in enumerate(plain):
        phrase = row["tortured_phrase"].strip()[1:-1]
        canonicals, _unsure, _problem = clean_expected(row["expected_phrase"], phrase)
        template = TEMPLATES[k % 2]
        out = norm(restorer.restore_text(template.format(phrase)))
        if any(out == norm(template.format(c)) for c in canonicals):
            restored += 1
    assert restored / len(plain) >= 0.95, f"{restored}/{len(plain)}"


@needs_pps
def test_pps_and_not_rows_are_honoured_both_ways():
    # the PPS rows alone: the shipped table has unconditional rows of its own for some of
    # these phrases (``profound learning``), which would hide whether the conditions hold
    restorer = Restorer(RestorerConfig(model="fast", tables=(PPS_CSV,), default_table=False))
    # "surface region" AND "surface area"
    alone = "The surface region of the film was measured twice."
    assert restorer.restore_text(alone) == alone
    assert restorer.restore_text(alone + " The surface area was 3 cm2.").startswith(
        "The surface area of the film"
    )
    # "magnetic cell separation" NOT "with MACS"
    text = "Cells were purified by magnetic cell separation."
    assert "magnetic-activated cell sorting" in restorer.restore_text(text)
    blocked = "Cells were purified by magnetic cell separation with MACS columns."
    assert restorer.restore_text(blocked) == blocked
    # "profound learning" AND "deep learning"
    text = "Profound learning is popular."
    assert restorer.restore_text(text) == text
    assert restorer.restore_text(text + " Deep learning needs data.").startswith("Deep learning")


@needs_pps
def test_pps_json_list_imports():
    result = import_table(PPS_JSON)
    assert result.format == "pps-json"
    assert len(result.rows) > 7000
    assert all(r.source.startswith("pps json") for r in result.rows)
