"""The ``restorer`` command, in process with typer's CliRunner, plus one subprocess smoke test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_file
from typer.testing import CliRunner

from restorer.cli import app

SPUN = "The Related Press mentioned that the White Space declined to comment.\n"
RESTORED = "The Associated Press said that the White House declined to comment.\n"
CLEAN = "Hospital staff mentioned that the side entrance would close at five.\n"
TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: cli\n"
    "mention\tsay\t0.5\ttest: cli\n"
    "White Space\tWhite House\t0.98\ttest: cli\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def table(tmp_path) -> Path:
    path = tmp_path / "cli.tsv"
    path.write_text(TABLE, encoding="utf-8")
    return path


# -- fix -------------------------------------------------------------------------------------


def test_stdin_to_stdout(runner, table):
    result = runner.invoke(app, ["fix", "-t", str(table)], input=SPUN)
    assert result.exit_code == 0, result.output
    assert result.stdout == RESTORED


def test_dash_means_stdin_and_stdout(runner, table):
    result = runner.invoke(app, ["fix", "-", "-o", "-", "-t", str(table)], input=SPUN)
    assert result.exit_code == 0, result.output
    assert result.stdout == RESTORED


def test_clean_text_is_copied_byte_for_byte(runner, table):
    text = "Tabs\tand  spaces\r\nand a final line without newline"
    result = runner.invoke(app, ["fix", "-t", str(table)], input=text.encode())
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == text.encode()


def test_output_file(runner, table, tmp_path):
    src = write_file(tmp_path, "in.txt", SPUN)
    out = tmp_path / "out.txt"
    result = runner.invoke(app, ["fix", str(src), "-o", str(out), "-t", str(table)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == RESTORED
    assert src.read_text(encoding="utf-8") == SPUN


def test_refuses_to_write_over_its_input(runner, table, tmp_path):
    src = write_file(tmp_path, "in.txt", SPUN)
    for target in (str(src), str(tmp_path / "." / "in.txt")):
        result = runner.invoke(app, ["fix", str(src), "-o", target, "-t", str(table)])
        assert result.exit_code == 2
        assert "--in-place" in result.stderr
    assert src.read_text(encoding="utf-8") == SPUN


def test_in_place(runner, table, tmp_path):
    src = write_file(tmp_path, "in.txt", SPUN)
    before = src.stat().st_ino
    result = runner.invoke(app, ["fix", str(src), "--in-place", "-t", str(table)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert src.read_text(encoding="utf-8") == RESTORED
    # atomic: a new file was moved into place, and no temporary file is left behind
    assert src.stat().st_ino != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.tsv", "in.txt"]


def test_in_place_failure_leaves_the_file_alone(runner, tmp_path):
    src = write_file(tmp_path, "in.txt", b"The Related Press \xff\n")
    result = runner.invoke(app, ["fix", str(src), "--in-place"])
    assert result.exit_code == 3
    assert src.read_bytes() == b"The Related Press \xff\n"
    assert [p.name for p in tmp_path.iterdir()] == ["in.txt"]


def test_in_place_needs_a_file(runner):
    assert runner.invoke(app, ["fix", "--in-place"], input="x").exit_code == 2


@pytest.mark.parametrize(("text", "code"), [(SPUN, 1), (CLEAN, 0)], ids=["spun", "clean"])
def test_check_with_a_table(runner, table, text, code):
    result = runner.invoke(app, ["fix", "--check", "-t", str(table)], input=text)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert "spin score" in result.stderr


def test_check_with_the_shipped_table_on_spun_text(runner):
    text = "The Related Press reported on Monday that the White Space had not responded.\n"
    assert runner.invoke(app, ["fix", "--check"], input=text).exit_code == 1


def test_check_with_the_shipped_table_on_clean_text(runner):
    assert runner.invoke(app, ["fix", "--check"], input=CLEAN).exit_code == 0


def test_explain_records(runner, table, tmp_path):
    explain = tmp_path / "edits.jsonl"
    result = runner.invoke(app, ["fix", "--explain", str(explain), "-t", str(table)], input=SPUN)
    assert result.exit_code == 0, result.output
    assert result.stdout == RESTORED
    records = [json.loads(line) for line in explain.read_text(encoding="utf-8").splitlines()]
    assert [(r["spun"], r["replacement"]) for r in records] == [
        ("Related Press", "Associated Press"),
        ("mentioned", "said"),
        ("White Space", "White House"),
    ]
    for r in records:
        assert set(r) >= {"version", "start", "end", "spun", "replacement", "source", "score"}
        assert r["version"] == 1
        assert SPUN[r["start"] : r["end"]] == r["spun"]
        assert set(r["source"]) >= {"table", "line", "row", "kind"}
        assert isinstance(r["source"]["line"], int)
        assert r["model"] == "fast"  # the tier that decided (RESTORER_MODEL=fast here)
        assert "->" in r["source"]["row"]
        assert "total" in r["score"]
        assert len(r["score"]) > 1
    cli_rows = [r for r in records if r["source"]["table"] == "cli.tsv"]
    assert {r["source"]["line"] for r in cli_rows} <= {3, 4, 5}


def test_diff_markers_without_a_tty(runner, table):
    result = runner.invoke(app, ["fix", "--diff", "-t", str(table)], input="Clean line.\n" + SPUN)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2: The [-Related Press-]{+Associated Press+} [-mentioned-]{+said+} that the "
        "[-White Space-]{+White House+} declined to comment.\n"
    )
    assert "\x1b[" not in result.stdout


def test_diff_of_a_last_line_without_a_newline_ends_its_line(runner, table):
    """Issue 20: the summary on stderr must not run on from the diff's last line."""
    result = runner.invoke(app, ["fix", "--diff", "-t", str(table)], input=SPUN.rstrip("\n"))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("declined to comment.\n")
    assert result.stdout.count("\n") == 1


def test_version(runner):
    import restorer

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"restorer {restorer.__version__}"


def test_bad_table_is_a_data_error(runner, tmp_path):
    bad = write_file(tmp_path, "bad.tsv", TABLE + "only\ttwo\n")
    result = runner.invoke(app, ["fix", "-t", str(bad)], input=SPUN)
    assert result.exit_code == 3
    assert f"{bad}:6" in result.stderr
    assert result.stdout == ""


def test_binary_input(runner, tmp_path):
    src = write_file(tmp_path, "image.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = runner.invoke(app, ["fix", str(src)])
    assert result.exit_code == 3
    assert "binary" in result.stderr


def test_invalid_utf8(runner, tmp_path):
    src = write_file(tmp_path, "latin1.txt", "caf\xe9 au lait\n".encode("latin-1"))
    result = runner.invoke(app, ["fix", str(src)])
    assert result.exit_code == 3
    assert "UTF-8" in result.stderr
    assert str(src) in result.stderr


def test_invalid_utf8_with_errors_replace(runner, tmp_path):
    src = write_file(tmp_path, "latin1.txt", "caf\xe9 au lait\n".encode("latin-1"))
    result = runner.invoke(app, ["fix", str(src), "--errors", "replace"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "caf\ufffd au lait\n"


def test_utf8_bom_and_utf16_input(runner, tmp_path, table):
    for name, data in [
        ("bom.txt", b"\xef\xbb\xbf" + SPUN.encode()),
        ("utf16.txt", SPUN.encode("utf-16")),
    ]:
        src = write_file(tmp_path, name, data)
        result = runner.invoke(app, ["fix", str(src), "-t", str(table)])
        assert result.exit_code == 0, result.output
        assert result.stdout == RESTORED


def test_directory_input(runner, tmp_path):
    result = runner.invoke(app, ["fix", str(tmp_path)])
    assert result.exit_code == 3
    assert "directory" in result.stderr


def test_missing_input(runner, tmp_path):
    result = runner.invoke(app, ["fix", str(tmp_path / "missing.txt")])
    assert result.exit_code == 3
    assert "missing.txt" in result.stderr


def test_unknown_model_is_a_usage_error(runner):
    assert runner.invoke(app, ["fix", "--model", "huge"], input="x").exit_code == 2


def test_restoring_defaults_to_auto_and_detection_to_fast(monkeypatch):
    """lm wherever installed for restoring (DESIGN §4); detect keeps its calibrated tier."""
    import importlib

    from restorer import RestorerConfig

    detect = importlib.import_module("restorer.detect")  # the package exports detect() too
    assert RestorerConfig().model == "auto"
    seen = []
    real = detect._default_restorer
    monkeypatch.setattr(
        detect, "_default_restorer", lambda config: seen.append(config) or real(config)
    )
    detect.detect("A plain sentence about the weather.")
    assert [c.model for c in seen] == ["fast"]


def test_batch_defaults_to_the_cascade_where_the_lm_tier_is_installed(
    runner, tmp_path, monkeypatch
):
    import restorer.lm

    monkeypatch.delenv(restorer.lm.MODEL_ENV, raising=False)
    src = write_file(tmp_path, "empty.jsonl", "")
    args = ["batch", str(src), "-o", str(tmp_path / "out.jsonl")]
    monkeypatch.setattr(restorer.lm, "lm_missing_reason", lambda: None)  # "installed"
    assert "to the lm tier, the rest fast" in runner.invoke(app, args).stderr
    assert "to the lm tier" not in runner.invoke(app, [*args, "-m", "fast"]).stderr
    monkeypatch.setattr(restorer.lm, "lm_missing_reason", lambda: "no weights here")
    fallback = runner.invoke(app, args)
    assert "using --model fast: no weights here" in fallback.stderr
    assert "to the lm tier" not in fallback.stderr


# -- batch -------------------------------------------------------------------------------------


def _jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_batch_restores_every_record_in_order(runner, table, tmp_path):
    clean_line = '{"id":2, "text":"Nothing  to see here.", "tags":["a","b"]}'
    src = write_file(
        tmp_path,
        "in.jsonl",
        _jsonl(
            {"id": 1, "text": SPUN.strip(), "lang": "en"},
            clean_line,
            {"id": 3, "text": "Officials at the White Space declined to comment.", "n": 1.5},
        ),
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "-t", str(table)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0]) == {"id": 1, "text": RESTORED.strip(), "lang": "en"}
    assert lines[1] == clean_line  # byte-identical
    assert json.loads(lines[2]) == {
        "id": 3,
        "text": "Officials at the White House declined to comment.",
        "n": 1.5,
    }
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()


def test_batch_nested_text_field(runner, table, tmp_path):
    src = write_file(
        tmp_path,
        "in.jsonl",
        _jsonl(
            {"id": 1, "doc": {"body": SPUN, "title": "The Related Press"}},
            {"id": 2, "doc": {"body": "Plain."}},
        ),
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["batch", str(src), "-o", str(out), "-t", str(table), "--text-field", "doc.body"]
    )
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert first == {"id": 1, "doc": {"body": RESTORED, "title": "The Related Press"}}
    assert second == {"id": 2, "doc": {"body": "Plain."}}


def test_batch_copies_bad_records_and_lists_them(runner, table, tmp_path):
    bad_lines = ["{not json", '{"id": 3}', '{"id": 4, "text": 42}', '{"id": 5, "doc": "flat"}']
    src = write_file(
        tmp_path,
        "in.jsonl",
        _jsonl({"id": 1, "text": SPUN}, *bad_lines, {"id": 6, "text": SPUN}),
    )
    out = tmp_path / "out.jsonl"
    errors = tmp_path / "errors.jsonl"
    result = runner.invoke(
        app,
        ["batch", str(src), "-o", str(out), "-t", str(table), "--errors-file", str(errors)],
    )
    assert result.exit_code == 3
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    assert json.loads(lines[0])["text"] == RESTORED
    assert lines[1:5] == bad_lines
    assert json.loads(lines[5])["text"] == RESTORED
    problems = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [p["line"] for p in problems] == [2, 3, 4, 5]
    assert all(p["reason"] for p in problems)
    assert "JSON" in problems[0]["reason"]
    assert "missing" in problems[1]["reason"]
    assert "int" in problems[2]["reason"]
    assert "4 failed" in result.stderr or "4 record" in result.stderr


def test_batch_invalid_utf8_line_is_copied_byte_for_byte(runner, table, tmp_path):
    bad = b'{"id": 2, "text": "caf\xe9"}'
    src = write_file(tmp_path, "in.jsonl", _jsonl({"id": 1, "text": SPUN}).encode() + bad + b"\n")
    out = tmp_path / "out.jsonl"
    errors = tmp_path / "errors.jsonl"
    result = runner.invoke(
        app, ["batch", str(src), "-o", str(out), "-t", str(table), "--errors-file", str(errors)]
    )
    assert result.exit_code == 3
    assert out.read_bytes().splitlines()[1] == bad
    assert [json.loads(x)["line"] for x in errors.read_text().splitlines()] == [2]


def test_batch_clean_records_come_back_byte_identical(runner, table, tmp_path):
    lines = [
        '{"text": "Hospital staff worked double shifts.",   "x": {"y": [1,2,3]}}',
        '{"x":1,"text":"caf\\u00e9 \\"quoted\\" \\ud83d\\ude43"}',
        '{"text": "Glaciers lost 4% of their volume, researchers said."}',
    ]
    src = write_file(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "-t", str(table)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == src.read_bytes()


def test_batch_utf8_bom(runner, table, tmp_path):
    """A JSONL file saved with a UTF-8 BOM: the first record is a record like the others."""
    src = write_file(tmp_path, "in.jsonl", b"\xef\xbb\xbf" + _jsonl({"text": SPUN}).encode())
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "-t", str(table)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8-sig"))["text"] == RESTORED


def test_batch_lone_surrogate_escape_does_not_lose_the_output(runner, table, tmp_path):
    """Valid JSON may escape a lone surrogate (a cut emoji); the job must not die on it."""
    records = ['{"text": "The Related Press mentioned \\ud83d it."}', '{"text": "fine"}']
    src = write_file(tmp_path, "in.jsonl", "\n".join(records) + "\n")
    out = tmp_path / "out.jsonl"
    errors = tmp_path / "errors.jsonl"
    result = runner.invoke(
        app, ["batch", str(src), "-o", str(out), "-t", str(table), "--errors-file", str(errors)]
    )
    assert result.exit_code in (0, 3), result.output
    lines = out.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    assert len(lines) == 2
    assert lines[1] == records[1]


def test_batch_missing_input(runner, tmp_path):
    result = runner.invoke(app, ["batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 3


def test_batch_refuses_to_write_over_its_input(runner, tmp_path):
    src = write_file(tmp_path, "in.jsonl", _jsonl({"text": "x"}))
    result = runner.invoke(app, ["batch", str(src), "-o", str(src)])
    assert result.exit_code == 2
    assert src.read_text() == _jsonl({"text": "x"})


# -- table check -------------------------------------------------------------------------------


def test_table_check_clean(runner, table):
    result = runner.invoke(app, ["table", "check", str(table)])
    assert result.exit_code == 0, result.output
    assert "3 rows" in result.stderr


def test_table_check_reports_problems(runner, tmp_path):
    path = write_file(tmp_path, "t.tsv", TABLE + "staff\tworkers\t0.4\tx\nworkers\tstaff\t0.4\tx\n")
    result = runner.invoke(app, ["table", "check", str(path)])
    assert result.exit_code == 3
    assert "t.tsv:6" in result.stdout


def test_table_check_bad_format(runner, tmp_path):
    path = write_file(tmp_path, "t.tsv", "# restorer-phrases 9\n")
    result = runner.invoke(app, ["table", "check", str(path)])
    assert result.exit_code == 3
    assert "t.tsv:1" in result.stderr


# -- the installed command -------------------------------------------------------------------


def test_installed_command_smoke(tmp_path, table):
    exe = shutil.which("restorer") or str(Path(sys.executable).parent / "restorer")
    assert Path(exe).exists(), "the restorer entry point is not installed"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [exe, "fix", "-t", str(table)],
        input=SPUN.encode(),
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode("utf-8") == RESTORED
    proc = subprocess.run(
        [exe, "fix", "--check", "-t", str(table)],
        input=SPUN.encode(),
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == b""


# -- file modes and '-' ------------------------------------------------------------------------


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield 0o022
    os.umask(old)


def test_new_output_file_follows_the_umask(runner, table, tmp_path, umask_022):
    """A new output file is created like any other file (0666 & ~umask), not private (0600)."""
    src = write_file(tmp_path, "in.txt", SPUN)
    out = tmp_path / "out.txt"
    assert runner.invoke(app, ["fix", str(src), "-o", str(out), "-t", str(table)]).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask_022


def test_new_batch_output_follows_the_umask(runner, table, tmp_path, umask_022):
    src = write_file(tmp_path, "in.jsonl", _jsonl({"text": SPUN}))
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["batch", str(src), "-o", str(out), "-t", str(table)]).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask_022


def test_in_place_keeps_the_file_mode(runner, table, tmp_path):
    src = write_file(tmp_path, "in.txt", SPUN)
    src.chmod(0o640)
    assert runner.invoke(app, ["fix", str(src), "--in-place", "-t", str(table)]).exit_code == 0
    assert src.stat().st_mode & 0o777 == 0o640


def test_explain_dash_means_stdout(runner, table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["fix", "--check", "--explain", "-", "-t", str(table)], input=SPUN)
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "-").exists(), "'-' was written as a file name"
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["replacement"] for r in records] == ["Associated Press", "said", "White House"]


def test_detect_text_counts_what_its_evidence_shows():
    """The summary line and the evidence tell one story: likely spun phrases that were kept are
    counted, and a phrase met twice is listed once with its count."""
    from restorer.cli import _detect_text
    from restorer.detect import SpanEvidence, SpinReport
    from restorer.edits import Source

    src = Source("t.tsv", 3, "remark -> comment", "test")

    def ev(start: int, spun: str, probability: float) -> SpanEvidence:
        return SpanEvidence(start, start + len(spun), spun, "comment", probability, 1.0, False, src)

    report = SpinReport(
        0.2, "medium", 50, 0, 0.0, 0.2, (ev(0, "remark", 0.8), ev(30, "remark", 0.8))
    )
    text = _detect_text("in.txt", report)
    first, *rest = text.splitlines()
    assert "0 spun span(s) restored" in first
    assert "1 more likely spun but kept" in first
    assert rest == ["   80%  'remark' -> 'comment'  [kept; t.tsv:3; test] x2"]
    unlikely = SpinReport(0.01, "none", 50, 0, 0.0, 0.01, (ev(0, "remark", 0.3),))
    assert "kept" not in _detect_text("in.txt", unlikely).splitlines()[0]


# -- fix --source ----------------------------------------------------------------------------

SOURCE_TEXT = (
    "The city council said on Monday that it would spend 12 million dollars on new roads.\n"
)
SPUN_COPY = (
    "RIVERTON — The city council mentioned on Monday that it would spend 14 million dollars "
    "on fresh roads.\n"
)


def test_fix_from_a_source_puts_back_its_wording_and_keeps_the_rest(runner, tmp_path):
    source = write_file(tmp_path, "original.txt", SOURCE_TEXT)
    spun = write_file(tmp_path, "spun.txt", SPUN_COPY)
    explain = tmp_path / "edits.jsonl"
    result = runner.invoke(
        app, ["fix", str(spun), "--source", str(source), "--explain", str(explain)]
    )
    assert result.exit_code == 0, result.output
    # the swaps come back; the dateline and the updated figure are the copy's own and stay
    assert result.stdout == (
        "RIVERTON — The city council said on Monday that it would spend 14 million dollars "
        "on new roads.\n"
    )
    records = [json.loads(line) for line in explain.read_text(encoding="utf-8").splitlines()]
    assert [(r["spun"], r["replacement"]) for r in records] == [
        ("mentioned", "said"),
        ("fresh", "new"),
    ]
    assert {r["source"]["table"] for r in records} == {"source"}
    assert {r["model"] for r in records} == {"source"}
    for r in records:  # each edit names where its wording is in the source
        start, end = map(int, r["source"]["kind"].rsplit("[", 1)[1].rstrip("]").split(":"))
        assert SOURCE_TEXT[start:end] == r["replacement"]
    assert "2 difference(s) kept" in result.stderr
    assert "number" in result.stderr and "added" in result.stderr


def test_fix_source_check_and_missing_source(runner, tmp_path):
    source = write_file(tmp_path, "original.txt", SOURCE_TEXT)
    same = write_file(tmp_path, "same.txt", SOURCE_TEXT)
    result = runner.invoke(app, ["fix", str(same), "--source", str(source), "--check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["fix", str(same), "--source", str(tmp_path / "gone.txt")])
    assert result.exit_code == 3
    assert "gone.txt" in result.stderr
