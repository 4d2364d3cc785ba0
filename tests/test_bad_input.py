"""Hostile and broken input: one test per kind, each asserting the exact outcome.

Every input gets a clear answer: restored text, text left alone (with a note where that is
worth saying), or a one-line error with exit code 3 (DESIGN.md §6). Nothing crashes, nothing
hangs, nothing is lost. The README's "What happens with bad input" section summarises these.

Command-line cases run in process with typer's runner and ``--model fast`` (input handling does
not depend on the scorer tier); library cases use the tiny in-memory table of ``conftest.py``,
so expected outputs are written here by hand and do not move when the shipped table changes.
The 50 MB case runs the installed command in a subprocess to measure its peak memory.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import write_file
from typer.testing import CliRunner

from restorer import Restorer, RestorerConfig
from restorer.cli import app
from restorer.language import NOT_ENGLISH_NOTE
from restorer.markup import protected_ranges

FAST = ["--model", "fast"]
TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: bad input\n"
    "mention\tsay\t0.5\ttest: bad input\n"
    "White Space\tWhite House\t0.98\ttest: bad input\n"
)
SPUN = "The Related Press mentioned that the White Space declined to comment.\n"
RESTORED = "The Associated Press said that the White House declined to comment.\n"
# A generous bound for inputs that would make a quadratic scanner run for minutes or hours.
# It is a hang guard, not a speed target: a normal run takes well under a second per case.
HANG_SECONDS = 60.0


@pytest.fixture
def table(tmp_path) -> Path:
    path = tmp_path / "test.tsv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def _invoke(args: list[str], input: bytes | str | None = None):
    return CliRunner().invoke(app, [*args], input=input)


def _fix(path: Path, table: Path, *extra: str):
    return _invoke(["fix", str(path), *FAST, "-t", str(table), *extra])


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- empty and blank ---------------------------------------------------------------------------


def test_empty_file(tmp_path, table):
    path = write_file(tmp_path, "empty.txt", b"")
    result = _fix(path, table)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_empty_stdin(table):
    result = _invoke(["fix", *FAST, "-t", str(table)], input=b"")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_empty_text_in_the_library(tiny_restorer):
    result = tiny_restorer.restore_and_explain("")
    assert (result.text, result.edits, result.notes) == ("", [], ())


WHITESPACE = " \t\n\n   \r\n\u00a0\u2003\u3000\n\x0b\x0c\u2028\u2029\n"


def test_only_whitespace_comes_back_byte_for_byte(tmp_path, table):
    data = WHITESPACE.encode("utf-8")
    path = write_file(tmp_path, "blank.txt", data)
    out = tmp_path / "out.txt"
    result = _fix(path, table, "-o", str(out))
    assert (result.exit_code, result.stderr) == (0, "")
    assert out.read_bytes() == data


def test_only_whitespace_in_the_library(tiny_restorer):
    result = tiny_restorer.restore_and_explain(WHITESPACE)
    assert (result.text, result.edits) == (WHITESPACE, [])


# -- encodings ---------------------------------------------------------------------------------


def test_invalid_utf8_is_refused_with_its_offset(tmp_path, table):
    data = SPUN.encode() + b"caf\xe9 au lait\n"
    path = write_file(tmp_path, "latin1.txt", data)
    out = tmp_path / "out.txt"
    result = _fix(path, table, "-o", str(out))
    assert result.exit_code == 3
    assert result.stderr == (
        f"restorer: {path}: is not valid UTF-8 text (byte offset {len(SPUN) + 3}: invalid "
        "continuation byte); use --errors replace to restore it anyway\n"
    )
    assert result.stdout == ""
    assert _listing(tmp_path) == ["latin1.txt", "test.tsv"]  # no output, no temporary file


def test_truncated_utf8_at_the_end(tmp_path, table):
    path = write_file(tmp_path, "cut.txt", b"The caf\xc3")
    result = _fix(path, table)
    assert result.exit_code == 3
    assert result.stderr == (
        f"restorer: {path}: is not valid UTF-8 text (byte offset 7: unexpected end of data); "
        "use --errors replace to restore it anyway\n"
    )


def test_invalid_utf8_with_errors_replace_goes_on(tmp_path, table):
    path = write_file(tmp_path, "latin1.txt", SPUN.encode() + b"caf\xe9 au lait\n")
    result = _fix(path, table, "--errors", "replace")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == RESTORED + "caf\ufffd au lait\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_restored_to_utf8(tmp_path, table, codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    path = write_file(tmp_path, "wide.txt", bom + SPUN.encode(codec))
    out = tmp_path / "out.txt"
    result = _fix(path, table, "-o", str(out))
    assert (result.exit_code, result.stderr) == (0, "")
    assert out.read_bytes() == RESTORED.encode("utf-8")  # UTF-8 out, without a BOM


def test_utf8_bom_is_dropped(tmp_path, table):
    path = write_file(tmp_path, "bom.txt", codecs.BOM_UTF8 + SPUN.encode())
    result = _fix(path, table)
    assert (result.exit_code, result.stdout) == (0, RESTORED)


def test_utf16_with_an_odd_byte_at_the_end(tmp_path, table):
    data = codecs.BOM_UTF16_LE + "Hello".encode("utf-16-le") + b"!"
    path = write_file(tmp_path, "odd.txt", data)
    result = _fix(path, table)
    assert result.exit_code == 3
    assert result.stderr == (
        f"restorer: {path}: is not valid UTF-16 text (byte offset 12: truncated data); "
        "use --errors replace to restore it anyway\n"
    )


def test_utf16_without_bom_reads_as_binary(tmp_path, table):
    """Without a BOM there is no telling UTF-16 from binary; its NUL bytes decide."""
    path = write_file(tmp_path, "nobom.txt", SPUN.encode("utf-16-le"))
    result = _fix(path, table)
    assert result.exit_code == 3
    assert result.stderr == (
        f"restorer: {path}: looks like a binary file (it contains NUL bytes); not restoring it\n"
    )


# -- NUL bytes and binary files ----------------------------------------------------------------

BINARY_MESSAGE = "looks like a binary file (it contains NUL bytes); not restoring it"


def test_nul_bytes_mean_binary(tmp_path, table):
    path = write_file(tmp_path, "nul.txt", b"The Related Press\x00 mentioned it.\n")
    out = tmp_path / "out.txt"
    result = _fix(path, table, "-o", str(out))
    assert result.exit_code == 3
    assert result.stderr == f"restorer: {path}: {BINARY_MESSAGE}\n"
    assert not out.exists()


def test_nul_after_the_first_mebibyte_is_kept(tmp_path, table):
    """Binary sniffing looks at the first MiB, like grep; a NUL later on is text."""
    head = b"\n" * (1 << 20) + b"Plain words.\n\n"
    spun = SPUN.replace("Press", "Press\x00").encode()
    path = write_file(tmp_path, "late.txt", head + spun)
    out = tmp_path / "out.txt"
    result = _fix(path, table, "-o", str(out))
    assert (result.exit_code, result.stderr) == (0, "")
    assert out.read_bytes() == head + RESTORED.replace("Press", "Press\x00").encode()


def test_nul_in_a_string_passed_to_the_library(tiny_restorer):
    text = "The Related Press\x00 mentioned it.\x00"
    assert tiny_restorer.restore_text(text) == "The Associated Press\x00 said it.\x00"


@pytest.mark.parametrize(
    "name,data",
    [
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))),
        ("archive.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 4),
        ("program.elf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x03\x00>\x00"),
    ],
)
def test_binary_file_is_refused(tmp_path, table, name, data):
    path = write_file(tmp_path, name, data)
    result = _fix(path, table)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"restorer: {path}: {BINARY_MESSAGE}\n"


def test_binary_without_nul_is_refused_as_invalid_utf8(tmp_path, table):
    path = write_file(tmp_path, "noise.bin", bytes(range(0x80, 0x100)) * 4)
    result = _fix(path, table)
    assert result.exit_code == 3
    assert result.stderr == (
        f"restorer: {path}: is not valid UTF-8 text (byte offset 0: invalid start byte); "
        "use --errors replace to restore it anyway\n"
    )


# -- paths -------------------------------------------------------------------------------------


def test_directory_as_input(tmp_path, table):
    folder = tmp_path / "folder"
    folder.mkdir()
    result = _fix(folder, table)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"restorer: {folder}: is a directory; give a file (or use `restorer batch`)\n"
    )


def test_directory_as_output(tmp_path, table):
    path = write_file(tmp_path, "in.txt", SPUN.encode())
    folder = tmp_path / "folder"
    folder.mkdir()
    result = _fix(path, table, "-o", str(folder))
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"restorer: {folder}: is a directory; give a file name to write to\n"
    assert _listing(folder) == []


def test_directory_as_table(tmp_path):
    path = write_file(tmp_path, "in.txt", SPUN.encode())
    result = _invoke(["fix", str(path), *FAST, "-t", str(tmp_path)])
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"restorer: {tmp_path}: is a directory, not a table file\n"


def test_missing_input(tmp_path, table):
    missing = tmp_path / "nowhere.txt"
    result = _fix(missing, table)
    assert (result.exit_code, result.stderr) == (3, f"restorer: {missing}: no such file\n")


@pytest.mark.parametrize(
    "where,reason",
    [("file", "Not a directory"), ("missing", "No such file or directory")],
)
def test_unwritable_output_path(tmp_path, table, where, reason):
    path = write_file(tmp_path, "in.txt", SPUN.encode())
    parent = path if where == "file" else tmp_path / "no" / "such"
    out = parent / "out.txt"
    result = _fix(path, table, "-o", str(out))
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"restorer: {out}: cannot write here ({reason})\n"
    assert _listing(tmp_path) == ["in.txt", "test.tsv"]
    assert path.read_bytes() == SPUN.encode()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_read_only_output_folder(tmp_path, table):
    path = write_file(tmp_path, "in.txt", SPUN.encode())
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        out = folder / "out.txt"
        result = _fix(path, table, "-o", str(out))
        assert result.exit_code == 3
        assert result.stderr == f"restorer: {out}: cannot write here (Permission denied)\n"
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_to_a_named_pipe_keeps_the_pipe(tmp_path, table):
    """A pipe or device given as output is written directly, never replaced by a file."""
    import threading

    path = write_file(tmp_path, "in.txt", SPUN.encode())
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = _fix(path, table, "-o", str(fifo))
    reader.join(timeout=30)
    assert (result.exit_code, result.stderr) == (0, "")
    assert received == [RESTORED.encode()]
    assert fifo.is_fifo()


# -- tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row,reason",
    [
        ("foo\tbar\n", "expected 4 tab-separated fields, got 2"),
        ("foo\tbar\tsure\ttest\n", "prior 'sure' is not a number"),
        ("foo\tbar\t1.5\ttest\n", "prior 1.5 is not in (0, 1]"),
        ("\tbar\t0.5\ttest\n", "the spun phrase is empty"),
        ("foo\tbar\t0.5\t\n", "the source (provenance) column is empty"),
    ],
)
def test_table_with_a_bad_row(tmp_path, row, reason):
    bad = tmp_path / "bad.tsv"
    bad.write_text(TABLE + row, encoding="utf-8")
    path = write_file(tmp_path, "in.txt", SPUN.encode())
    out = tmp_path / "out.txt"
    result = _invoke(["fix", str(path), *FAST, "-t", str(bad), "-o", str(out)])
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == f"restorer: {bad}:6: {reason}\n"  # path, line and reason
    assert not out.exists()


def test_table_with_bad_bytes(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(TABLE.encode() + b"caf\xe9\tcoffee\t0.5\ttest\n")
    path = write_file(tmp_path, "in.txt", SPUN.encode())
    result = _invoke(["fix", str(path), *FAST, "-t", str(bad)])
    assert result.exit_code == 3
    assert result.stderr == f"restorer: {bad}:6: not UTF-8 text (invalid continuation byte)\n"


# -- size --------------------------------------------------------------------------------------

_PEAK_RSS = textwrap.dedent(
    """
    import resource, subprocess, sys
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    print(proc.returncode, peak)
    """
)


def _make_one_line(path: Path, size: int) -> bytes:
    """Write ``size`` bytes on one line: prose in another language, base64 runs and spaces.

    The words are Latin, so the language check leaves them alone and the run measures what
    this test is about (reading, segmenting, scanning and writing a huge line in bounded
    memory) rather than the scorer's speed on 8 million words, which belongs in a benchmark.
    The base64-like runs exercise the hard cut of a segment with no whitespace.
    """
    unit = (
        "Gallia est omnis divisa in partes tres quarum unam incolunt Belgae aliam Aquitani "
        "tertiam qui ipsorum lingua Celtae nostra Galli appellantur. "
        + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789+/" * 40
        + " "
    ).encode()
    with path.open("wb") as fh:
        written = 0
        while written + len(unit) <= size:
            fh.write(unit)
            written += len(unit)
        fh.write(b"x" * (size - written))
    return unit


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="peak RSS in KiB is Linux's ru_maxrss")
def test_a_single_50_mb_line_in_bounded_memory(tmp_path):
    size = 50 * 1024 * 1024
    big = tmp_path / "big.txt"
    unit = _make_one_line(big, size)
    out = tmp_path / "out.txt"
    command = [sys.executable, "-m", "restorer", "fix", str(big), *FAST, "-o", str(out)]
    began = time.monotonic()
    probe = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *command],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    seconds = time.monotonic() - began
    code, peak_kib = (int(x) for x in probe.stdout.split())
    assert code == 0, probe.stderr
    assert probe.stderr == f"restorer: note: {big}: {NOT_ENGLISH_NOTE}\n"
    assert out.stat().st_size == size
    with big.open("rb") as a, out.open("rb") as b:  # compare without holding 50 MB twice
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            assert x == y
            if not x:
                break
    # Bounded: the input alone would be 50 MB as bytes and up to 200 MB as a Python str.
    assert peak_kib < 500 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"
    print(f"50 MB line: {seconds:.1f} s, peak RSS {peak_kib / 1024:.0f} MiB, unit {len(unit)}")


def test_a_long_line_of_spun_english_is_restored_through_segments(tiny_table):
    """One line, no newline, many segments: restored like the same text given in pieces."""
    cfg = RestorerConfig(default_table=False, max_segment_chars=1_000)
    restorer = Restorer(cfg, table=tiny_table)
    sentence = "The Related Press mentioned that the White Space declined to comment. "
    text = sentence * 400
    assert "\n" not in text
    result = restorer.restore_and_explain(text)
    assert (
        result.text == "The Associated Press said that the White House declined to comment. " * 400
    )
    assert len(result.edits) == 3 * 400


def test_extremely_long_words(tiny_restorer):
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 20_000  # 900,000 letters
    text = f"The Related Press mentioned {word} and {word[:5000]}, it said."
    began = time.monotonic()
    result = tiny_restorer.restore_and_explain(text)
    assert time.monotonic() - began < HANG_SECONDS
    assert result.text == f"The Associated Press said {word} and {word[:5000]}, it said."


# -- patterns that make naive scanners backtrack ----------------------------------------------

N = 200_000  # twice the default segment size: a quadratic scan would take hours

ADVERSARIAL = {
    "exclamation marks": "!" * N,
    "question marks": "?" * N,
    "dots": "." * N,
    "commas": "," * N,
    "quotes": '"' * N,
    "apostrophes": "'" * N,
    "open brackets": "(" * N,
    "close brackets": ")" * N,
    "asterisks": "*" * N,
    "hashes": "#" * N,
    "ellipses": "…" * N,
    "dashes": "—" * N,
    "mixed punctuation": "!?.,;:" * (N // 6),
    "word then punctuation": "Press" + "!" * N,
    "punctuation then word": "!" * N + "Press",
    "punctuation runs with spaces": "!!!!!!!! " * (N // 9),
    "short punctuation runs between letters": "a!!!!!!!!" * (N // 9),
    "less-than signs": "<" * N,
    "open tags never closed": "<a " * (N // 3),
    "comment openers": "<!--" * (N // 4),
    "script openers": "<script>" * (N // 8),
    "ampersands": "&" * N,
    "entity starts": "&a" * (N // 2),
    "backticks": "`" * N,
    "backtick runs of growing length": "".join("`" * (i % 9 + 1) + "x" for i in range(N // 6)),
    "at signs": "@" * N,
    "e-mail local part without domain": "a" * N + "@",
    "e-mail domain labels": "a@" + "b." * (N // 2),
    "url schemes": "http://" * (N // 7),
    "url with unbalanced brackets": "https://x.org/" + ")" * N,
    "www prefixes": "www." * (N // 4),
    "indented blocks": "p\n\n" + "    code\n\n" * (N // 10),
    "fences": "```\n" * (N // 4),
    "blank lines": "\n \n" * (N // 3),
    "zero-width spaces": "\u200b" * N,
    "combining marks": "e" + "\u0301" * N,
    "emoji": "🙃" * N,
    "lone surrogates": "\ud800" * N,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_patterns_that_backtrack_finish(tiny_restorer, name):
    text = ADVERSARIAL[name]
    began = time.monotonic()
    result = tiny_restorer.restore_and_explain(text)
    elapsed = time.monotonic() - began
    assert elapsed < HANG_SECONDS, f"{name}: {elapsed:.1f} s"
    assert (result.text, result.edits) == (text, [])


def test_protected_range_scan_is_linear():
    """The markup scan alone, on the worst inputs for each of its rules: far under a second."""
    for name, text in ADVERSARIAL.items():
        began = time.monotonic()
        protected_ranges(text)
        assert time.monotonic() - began < HANG_SECONDS / 4, name


# -- scripts, emoji and direction --------------------------------------------------------------


def test_mixed_scripts_and_emoji(tiny_restorer):
    text = (
        "🙃 The Related Press mentioned it: 東京 and Москва agreed 👨‍👩‍👧 🇺🇦, "
        "said the cafe\u0301 owner Ωmega (İstanbul, straße).\n"
    )
    expected = (
        "🙃 The Associated Press said it: 東京 and Москва agreed 👨‍👩‍👧 🇺🇦, "
        "said the cafe\u0301 owner Ωmega (İstanbul, straße).\n"
    )
    assert tiny_restorer.restore_text(text) == expected


def test_right_to_left_text_around_english(tiny_restorer):
    text = (
        "\u05e9\u05dc\u05d5\u05dd \u2067\u0645\u0631\u062d\u0628\u0627\u2069 "
        "The Related Press\u200f mentioned \u202eit\u202c. \u0627\u0644\u0633\u0644\u0627\u0645\n"
    )
    expected = (
        "\u05e9\u05dc\u05d5\u05dd \u2067\u0645\u0631\u062d\u0628\u0627\u2069 "
        "The Associated Press\u200f said \u202eit\u202c. \u0627\u0644\u0633\u0644\u0627\u0645\n"
    )
    assert tiny_restorer.restore_text(text) == expected


def test_a_paragraph_in_arabic_is_left_alone_with_a_note(tiny_restorer):
    text = (
        "أعلنت الحكومة يوم الخميس أن القانون الجديد سيدخل حيز التنفيذ العام المقبل وفقا "
        "لمصادر رسمية ويمكن للمواطنين تقديم شكاواهم Related Press mentioned."
    )
    result = tiny_restorer.restore_and_explain(text)
    assert (result.text, result.notes) == (text, (NOT_ENGLISH_NOTE,))


# -- markup ------------------------------------------------------------------------------------

HTML_IN = """<!DOCTYPE html>
<html lang="en"><head><title>The Related Press</title>
<style>.company { color: grey } /* Related Press mentioned */</style>
<script>var staff = "The Related Press mentioned"; if (a < b && c > d) { extra(); }</script>
</head>
<body class="company primary">
<!-- The Related Press mentioned this in a comment -->
<p id="staff">The Related Press mentioned that the <b>White Space</b> declined&nbsp;to comment
&amp; the <a href="https://example.com/Related-Press/mentioned?staff=extra#White-Space"
title="Related Press">Related Press</a> mentioned it &#8212; again.</p>
<pre>The Related Press mentioned
  preformatted staff</pre>
<p>Write to <code>press@related.example</code> or press@related.example today.</p>
<img src="/img/company.png" alt="White Space"/><br/>
</body></html>
"""
HTML_OUT = """<!DOCTYPE html>
<html lang="en"><head><title>The Associated Press</title>
<style>.company { color: grey } /* Related Press mentioned */</style>
<script>var staff = "The Related Press mentioned"; if (a < b && c > d) { extra(); }</script>
</head>
<body class="company primary">
<!-- The Related Press mentioned this in a comment -->
<p id="staff">The Associated Press said that the <b>White House</b> declined&nbsp;to comment
&amp; the <a href="https://example.com/Related-Press/mentioned?staff=extra#White-Space"
title="Related Press">Associated Press</a> said it &#8212; again.</p>
<pre>The Related Press mentioned
  preformatted staff</pre>
<p>Write to <code>press@related.example</code> or press@related.example today.</p>
<img src="/img/company.png" alt="White Space"/><br/>
</body></html>
"""

MARKDOWN_IN = """# The Related Press mentioned it

The Related Press mentioned that `Related Press` is a string, and ``a `White Space` here``
is code too. See [the White Space](https://example.org/White-Space_(mentioned)) or
<https://example.org/Related-Press> or write to staff@white-space.example.

```python
press = "The Related Press mentioned"  # extra staff
```

~~~
White Space, mentioned
~~~

Some text before an indented block:

    The Related Press mentioned
    extra staff

And the White Space mentioned it.
"""
MARKDOWN_OUT = """# The Associated Press said it

The Associated Press said that `Related Press` is a string, and ``a `White Space` here``
is code too. See [the White House](https://example.org/White-Space_(mentioned)) or
<https://example.org/Related-Press> or write to staff@white-space.example.

```python
press = "The Related Press mentioned"  # extra staff
```

~~~
White Space, mentioned
~~~

Some text before an indented block:

    The Related Press mentioned
    extra staff

And the White House said it.
"""


@pytest.mark.parametrize(
    "text,expected", [(HTML_IN, HTML_OUT), (MARKDOWN_IN, MARKDOWN_OUT)], ids=["html", "markdown"]
)
def test_markup_is_kept_and_text_restored(tiny_restorer, text, expected):
    result = tiny_restorer.restore_and_explain(text)
    assert result.text == expected
    for edit in result.edits:  # no edit touches a protected range
        for start, end in protected_ranges(text):
            assert edit.end <= start or edit.start >= end, (edit, text[start:end])


def test_markup_through_the_command_line(tmp_path, table):
    path = write_file(tmp_path, "page.md", MARKDOWN_IN.encode())
    result = _fix(path, table)
    assert (result.exit_code, result.stderr) == (0, "")
    for start, end in protected_ranges(MARKDOWN_IN):
        assert MARKDOWN_IN[start:end] in result.stdout
    assert "The Associated Press said that `Related Press` is a string" in result.stdout


def test_urls_and_emails_in_plain_text(tiny_restorer):
    text = (
        "Visit https://related.press/White-Space/mentioned, www.related-press.example/extra "
        "or mailto:staff@related.example (the Related Press mentioned it).\n"
    )
    expected = (
        "Visit https://related.press/White-Space/mentioned, www.related-press.example/extra "
        "or mailto:staff@related.example (the Associated Press said it).\n"
    )
    assert tiny_restorer.restore_text(text) == expected


# -- other languages ---------------------------------------------------------------------------

OTHER_LANGUAGES = {
    "fr": "Le gouvernement a annoncé jeudi que la nouvelle loi entrera en vigueur l'année "
    "prochaine, selon des sources officielles. The Related Press mentioned le dossier.",
    "es": "El gobierno anunció el jueves que la nueva ley entrará en vigor el próximo año, "
    "según fuentes oficiales; la Related Press mentioned el asunto.",
    "de": "Die Regierung hat am Donnerstag angekündigt, dass das neue Gesetz im nächsten Jahr "
    "in Kraft treten wird, berichtete die Related Press.",
    "it": "Il governo ha annunciato giovedì che la nuova legge entrerà in vigore il prossimo "
    "anno, secondo fonti ufficiali della White Space.",
    "nl": "De regering heeft donderdag aangekondigd dat de nieuwe wet volgend jaar in werking "
    "treedt, volgens officiële bronnen van de Related Press.",
    "ru": "Правительство объявило в четверг, что новый закон вступит в силу в следующем году, "
    "сообщили официальные источники Related Press.",
    "zh": "政府星期四宣布，新法律将于明年生效，官方消息来源称。The Related Press mentioned 此事。",
}


@pytest.mark.parametrize("lang", list(OTHER_LANGUAGES))
def test_text_in_another_language_is_left_alone_with_a_note(tiny_restorer, lang):
    text = OTHER_LANGUAGES[lang]
    result = tiny_restorer.restore_and_explain(text)
    assert (result.text, result.edits, result.notes) == (text, [], (NOT_ENGLISH_NOTE,))


def test_another_language_on_the_command_line(tmp_path, table):
    data = (OTHER_LANGUAGES["fr"] + "\n").encode()
    path = write_file(tmp_path, "fr.txt", data)
    result = _fix(path, table)
    assert result.exit_code == 0
    assert result.stdout.encode() == data
    assert result.stderr == f"restorer: note: {path}: {NOT_ENGLISH_NOTE}\n"
    check = _fix(path, table, "--check")
    assert check.exit_code == 0


def test_english_quoting_another_language_is_still_restored(tiny_restorer):
    text = (
        "The Related Press mentioned that the minister, speaking in Paris, said "
        "« la loi entrera en vigueur » before leaving for the White Space on Friday."
    )
    result = tiny_restorer.restore_and_explain(text)
    assert result.notes == ()
    assert result.text == (
        "The Associated Press said that the minister, speaking in Paris, said "
        "« la loi entrera en vigueur » before leaving for the White House on Friday."
    )
