"""``fix --diff``: one line per changed sentence, git-style word-diff markers, colour on a tty."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from restorer.cli import app
from restorer.diff import render_diff, sentence_spans
from restorer.edits import Edit, Source

SRC = Source("t", 1, "x -> y", "test")


def edit_at(text: str, spun: str, replacement: str, nth: int = 0) -> Edit:
    start = -1
    for _ in range(nth + 1):
        start = text.index(spun, start + 1)
    return Edit(start, start + len(spun), spun, replacement, SRC)


@pytest.mark.parametrize(
    ("line", "sentences"),
    [
        ("One. Two! Three? Four", ["One. ", "Two! ", "Three? ", "Four"]),
        ("The U.S. House met. Sen. Lee spoke.", ["The U.S. House met. ", "Sen. Lee spoke."]),
        ('He said "Go." Then he left.', ['He said "Go." ', "Then he left."]),
        ("It cost 3.5 million. 2025 was a year.", ["It cost 3.5 million. ", "2025 was a year."]),
        (
            "Washington, D.C. is a city. Mr. Smith agrees.",
            ["Washington, D.C. is a city. ", "Mr. Smith agrees."],
        ),
        ("no capital. after this", ["no capital. after this"]),
        ("", [""]),
    ],
)
def test_sentence_spans(line, sentences):
    spans = sentence_spans(line)
    assert [line[a:b] for a, b in spans] == sentences
    assert "".join(line[a:b] for a, b in spans) == line


def test_one_line_per_changed_sentence_with_its_input_line_number():
    text = (
        "Clean line.\n"
        "First he mentioned it. Nothing here. Then the Related Press wrote.\n"
        "Also clean.\n"
    )
    edits = [edit_at(text, "mentioned", "said"), edit_at(text, "Related Press", "Associated Press")]
    assert render_diff(text, edits) == (
        "2: First he [-mentioned-]{+said+} it.\n"
        "2: Then the [-Related Press-]{+Associated Press+} wrote.\n"
    )


def test_two_edits_in_one_sentence_share_its_line():
    text = "The Related Press mentioned it.\n"
    edits = [edit_at(text, "Related Press", "Associated Press"), edit_at(text, "mentioned", "said")]
    assert render_diff(text, edits) == (
        "1: The [-Related Press-]{+Associated Press+} [-mentioned-]{+said+} it.\n"
    )


def test_an_edit_across_a_sentence_boundary_joins_the_sentences():
    text = "It ended. Then X began. Fine.\n"
    e = edit_at(text, "ended. Then", "stopped; then")
    assert render_diff(text, [e]) == "1: It [-ended. Then-]{+stopped; then+} X began.\n"


def test_segment_offset_and_first_line():
    segment = "a\nThe Related Press wrote.\n"
    offset = 100
    e = edit_at(segment, "Related Press", "Associated Press")
    shifted = Edit(e.start + offset, e.end + offset, e.spun, e.replacement, SRC)
    assert render_diff(segment, [shifted], offset=offset, first_line=41) == (
        "42: The [-Related Press-]{+Associated Press+} wrote.\n"
    )


def test_crlf_lines_and_insertions_and_deletions():
    text = "He was once here.\r\nShe left.\r\n"
    deletion = edit_at(text, " once", "")
    insertion = Edit(text.index("left"), text.index("left"), "", "then ", SRC)
    assert render_diff(text, [deletion, insertion]) == (
        "1: He was[- once-] here.\n2: She {+then +}left.\n"
    )


def test_no_edits_no_output():
    assert render_diff("Nothing.\n", []) == ""


def test_colour_uses_ansi_and_no_markers():
    text = "She mentioned it.\n"
    out = render_diff(text, [edit_at(text, "mentioned", "said")], color=True)
    assert "\x1b[31" in out  # red for the spun words
    assert "\x1b[32m" in out  # green for the restored ones
    assert "[-" not in out
    assert "{+" not in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert plain == "1: She mentionedsaid it.\n"


def test_long_line_is_linear():
    # Many sentence-like pieces and many abbreviations: the splitter must not backtrack.
    line = ("U.S. " * 20_000) + "end. " + ("A. " * 20_000)
    spans = sentence_spans(line)
    assert "".join(line[a:b] for a, b in spans) == line


TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: diff\n"
    "mention\tsay\t0.5\ttest: diff\n"
    "White Space\tWhite House\t0.98\ttest: diff\n"
)


def test_cli_diff_prints_sentences_and_a_summary(tmp_path):
    table = tmp_path / "t.tsv"
    table.write_text(TABLE, encoding="utf-8")
    text = (
        "Clean first line.\n"
        "The Related Press mentioned it. Nothing else happened. The White Space was quiet.\n"
    )
    result = CliRunner().invoke(app, ["fix", "--diff", "-t", str(table)], input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2: The [-Related Press-]{+Associated Press+} [-mentioned-]{+said+} it.\n"
        "2: The [-White Space-]{+White House+} was quiet.\n"
    )
    summary = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"<stdin>: restored 3 span\(s\) in 2 sentence\(s\); spin score 0\.\d\d "
        r"\(risk (none|low|medium|high)\)",
        summary,
    ), summary
