"""Corpus jobs: formats (JSONL plain/gz/zst, Parquet, .txt folders), modes, workers, errors.

Expected outputs are written by hand from the tiny table (tests/conftest.py): ``Related Press``
becomes ``Associated Press`` and ``White Space`` becomes ``White House``, nothing else in these
texts changes. The acceptance run of issue 7 (200,000 records, 1 % broken, peak memory) is the
slow test at the end; it runs only with ``RESTORER_SLOW=1``.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from restorer import Restorer, RestorerConfig
from restorer.batch import (
    SCORES_FILE,
    BatchError,
    detect_format,
    restore_jsonl,
    run_batch,
    work_folder,
)
from restorer.cli import app


def _need(module: str):
    """Import an optional dependency; skip without it, except in CI, which installs them all."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module)


@pytest.fixture
def pa():
    return _need("pyarrow")


@pytest.fixture
def pq():
    return _need("pyarrow.parquet")


@pytest.fixture
def zstandard():
    return _need("zstandard")


SPUN = "Officials at the White Space spoke to The Related Press on Monday."
FIXED = "Officials at the White House spoke to The Associated Press on Monday."
CLEAN = "Nothing in this sentence was spun at all."
TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: batch\n"
    "White Space\tWhite House\t0.98\ttest: batch\n"
)


@pytest.fixture(scope="module")
def tiny_restorer(tiny_table) -> Restorer:
    """The tiny table with the fast tier (these tests are about jobs, not scoring tiers)."""
    return Restorer(RestorerConfig(model="fast", default_table=False), table=tiny_table)


@pytest.fixture
def table_file(tmp_path) -> Path:
    path = tmp_path / "batch.tsv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def _lines(*records) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def _mixed(n: int) -> tuple[bytes, list[int]]:
    """A JSONL corpus of ``n`` lines with a broken line every 17 lines; return it and the
    numbers of the broken lines."""
    lines, broken = [], []
    for i in range(1, n + 1):
        if i % 17 == 0:
            lines.append(b'{"id": %d, "text": "bad \\q escape"}' % i)
            broken.append(i)
        else:
            lines.append(json.dumps({"id": i, "text": SPUN if i % 2 else CLEAN}).encode())
    return b"\n".join(lines) + b"\n", broken


def _expected_line(line: bytes) -> bytes:
    """What the restore mode must write for a line of :func:`_mixed`."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if record["text"] == SPUN:
        return json.dumps({"id": record["id"], "text": FIXED}, ensure_ascii=False).encode()
    return line


# -- JSONL ----------------------------------------------------------------------------------


def test_jsonl_every_record_in_order_with_errors(tiny_restorer, tmp_path):
    data, broken = _mixed(300)
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, tiny_restorer, id_field="id", checkpoint_every=40)
    expected = [_expected_line(line) for line in data.splitlines()]
    assert out.read_bytes().splitlines() == expected
    assert summary.records == 300
    assert summary.failed == len(broken)
    assert summary.restored == sum(1 for i in range(1, 301) if i % 2 and i % 17)
    errors = [json.loads(x) for x in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert [e["line"] for e in errors] == broken
    assert [e["id"] for e in errors] == [None] * len(broken)  # unparsable: no id to give
    assert all("not valid JSON" in e["reason"] for e in errors)
    assert not work_folder(out).exists()


def test_jsonl_two_workers_give_the_same_bytes(tiny_restorer, tmp_path):
    data, _ = _mixed(500)
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_batch(src, one, tiny_restorer, jobs=1)
    summary = run_batch(src, two, tiny_restorer, jobs=2, checkpoint_every=100)
    assert two.read_bytes() == one.read_bytes()
    assert (tmp_path / "two.jsonl.errors.jsonl").read_bytes() == (
        tmp_path / "one.jsonl.errors.jsonl"
    ).read_bytes()
    assert summary.records == 500


def _freeze_counts(payloads):
    """Work for a worker: how many objects its collector holds frozen, once per payload."""
    import gc

    return [gc.get_freeze_count()] * len(payloads)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_forked_workers_start_with_the_loaded_objects_frozen(tiny_restorer):
    """Loaded tables stay shared with the workers (the collector never copies their pages),
    and this process gets its collector back once they have forked."""
    import gc

    from restorer.batch.workers import _Chunk, _Job, _ordered

    job = _Job(tiny_restorer, "text", None, "restore")
    chunks = iter([_Chunk(1, [b"a", b"b"]), _Chunk(3, [b"c"])])
    counts = [n for _, out in _ordered(_freeze_counts, chunks, job, 2) for n in out]
    assert len(counts) == 3 and all(n > 1000 for n in counts)
    assert gc.get_freeze_count() == 0


def test_one_process_runs_with_the_loaded_objects_frozen(tiny_restorer):
    """The collector's full collections skip what is loaded for the run, and the calling
    program gets its collector back when the run ends."""
    import gc

    from restorer.batch.workers import _Chunk, _Job, _ordered

    assert gc.get_freeze_count() == 0
    job = _Job(tiny_restorer, "text", None, "restore")
    chunks = iter([_Chunk(1, [b"a", b"b"]), _Chunk(3, [b"c"])])
    counts = [n for _, out in _ordered(_freeze_counts, chunks, job, 1) for n in out]
    assert len(counts) == 3 and all(n > 1000 for n in counts)
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    "jobs",
    [
        1,
        pytest.param(
            2,
            marks=pytest.mark.skipif(
                not sys.platform.startswith("linux"), reason="workers fork on Linux only"
            ),
        ),
    ],
)
def test_a_freeze_made_by_the_caller_is_left_alone(tiny_restorer, jobs):
    import gc

    from restorer.batch.workers import _Chunk, _Job, _ordered

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        job = _Job(tiny_restorer, "text", None, "restore")
        list(_ordered(_freeze_counts, iter([_Chunk(1, [b"a"])]), job, jobs))
        # still frozen (unfreezing empties the permanent generation); a few frozen objects
        # may have been freed meanwhile
        assert gc.get_freeze_count() > before // 2
    finally:
        gc.unfreeze()


def test_jsonl_gzip_and_zstd_in_and_out(tiny_restorer, tmp_path, zstandard):
    data, _ = _mixed(120)
    plain_out = tmp_path / "plain.jsonl"
    (tmp_path / "in.jsonl").write_bytes(data)
    run_batch(tmp_path / "in.jsonl", plain_out, tiny_restorer)
    expected = plain_out.read_bytes()

    gz_in = tmp_path / "in.jsonl.gz"
    gz_in.write_bytes(gzip.compress(data))
    gz_out = tmp_path / "out.jsonl.gz"
    run_batch(gz_in, gz_out, tiny_restorer, checkpoint_every=50)  # several gzip members
    assert gz_out.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(gz_out.read_bytes()) == expected

    zst_in = tmp_path / "in.jsonl.zst"
    zst_in.write_bytes(zstandard.ZstdCompressor().compress(data))
    zst_out = tmp_path / "out.jsonl.zst"
    run_batch(zst_in, zst_out, tiny_restorer, checkpoint_every=50, jobs=2)  # several frames
    reader = zstandard.ZstdDecompressor().stream_reader(zst_out.open("rb"), read_across_frames=True)
    assert reader.read() == expected

    # compressed in, plain out (the output name decides)
    out = tmp_path / "from-gz.jsonl"
    run_batch(gz_in, out, tiny_restorer)
    assert out.read_bytes() == expected


def test_damaged_gzip_is_an_input_error(tiny_restorer, tmp_path):
    data, _ = _mixed(2000)
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(gzip.compress(data)[:-200])
    from restorer.errors import InputError

    with pytest.raises(InputError, match="compressed data is damaged"):
        run_batch(src, tmp_path / "out.jsonl", tiny_restorer)
    assert not (tmp_path / "out.jsonl").exists()


def test_score_mode_leaves_text_and_adds_field(tiny_restorer, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(_lines({"id": 1, "text": SPUN}, {"id": 2, "text": CLEAN}, b"[1, 2]"))
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, tiny_restorer, mode="score")
    first, second, third = out.read_bytes().splitlines()
    one, two = json.loads(first), json.loads(second)
    assert one["text"] == SPUN and two["text"] == CLEAN
    assert one["restorer"]["edits"] == 2 and two["restorer"]["edits"] == 0
    assert 0.0 <= two["restorer"]["spin_score"] < one["restorer"]["spin_score"] <= 1.0
    assert one["restorer"]["model"] == "fast"
    assert third == b"[1, 2]"  # not a record with a text field: copied, reported
    assert summary.restored == 0 and summary.edits == 2 and summary.failed == 1


def test_both_mode_restores_and_scores(tiny_restorer, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(_lines({"doc": {"body": SPUN}, "k": [1]}))
    out = tmp_path / "out.jsonl"
    run_batch(src, out, tiny_restorer, mode="both", text_field="doc.body")
    record = json.loads(out.read_text())
    assert record["doc"] == {"body": FIXED}
    assert record["k"] == [1]
    assert record["restorer"]["edits"] == 2


class _Fragile(Restorer):
    """Raises on one document, like a bug in a pipeline stage would."""

    def restore_and_explain(self, text):
        if "EXPLODE" in text:
            raise RuntimeError("stage failed")
        return super().restore_and_explain(text)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_document_that_raises_is_copied_and_reported(tiny_table, tmp_path, jobs):
    restorer = _Fragile(RestorerConfig(model="fast", default_table=False), table=tiny_table)
    src = tmp_path / "in.jsonl"
    boom = b'{"id": "b", "text": "EXPLODE The Related Press"}'
    src.write_bytes(_lines({"id": "a", "text": SPUN}, boom, {"id": "c", "text": SPUN}))
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, restorer, id_field="id", jobs=jobs)
    lines = out.read_bytes().splitlines()
    assert lines[1] == boom
    assert json.loads(lines[2])["text"] == FIXED
    errors = [json.loads(x) for x in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert errors == [
        {"line": 2, "id": "b", "reason": "restoring failed (RuntimeError: stage failed)"}
    ]
    assert summary.failed == 1


class _Broken(Restorer):
    """Raises on every document."""

    def restore_and_explain(self, text):
        raise RuntimeError("always fails")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_restorer_that_always_raises_still_gets_every_record_through(tiny_table, tmp_path, jobs):
    """The text restored before the first record, to load what documents need, is no record:
    its failure stops nothing, and each record is copied and reported on its own."""
    restorer = _Broken(RestorerConfig(model="fast", default_table=False), table=tiny_table)
    src = tmp_path / "in.jsonl"
    src.write_bytes(_lines({"id": "a", "text": SPUN}, {"id": "b", "text": SPUN}))
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, restorer, id_field="id", jobs=jobs)
    assert out.read_bytes() == src.read_bytes()
    assert summary.failed == 2


def test_blank_lines_are_kept_and_not_counted(tiny_restorer, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "a"}\n\n   \n{"text": 5}\n')
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, tiny_restorer)
    assert out.read_bytes() == src.read_bytes()
    assert summary.records == 2
    errors = (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()
    assert [json.loads(x)["line"] for x in errors] == [4]


def test_restore_jsonl_streams(tiny_restorer):
    import io

    source = io.BytesIO(_lines({"text": SPUN}, b"nope"))
    output, errors = io.BytesIO(), io.StringIO()
    summary = restore_jsonl(source, output, tiny_restorer, errors=errors)
    assert output.getvalue().splitlines() == [
        json.dumps({"text": FIXED}, ensure_ascii=False).encode(),
        b"nope",
    ]
    assert json.loads(errors.getvalue())["line"] == 2
    assert summary.failed == 1


# -- Parquet --------------------------------------------------------------------------------


def _parquet(pa, pq, path: Path, rows: int = 130) -> list[dict]:
    records = []
    for i in range(rows):
        text = [SPUN, CLEAN, None][i % 3]
        records.append({"id": i, "doc": {"body": text, "n": i}, "text": text, "x": float(i)})
    table = pa.Table.from_pylist(records)
    pq.write_table(table, path, row_group_size=50, compression="zstd")
    return records


def test_parquet_restore_keeps_schema_order_and_other_columns(tiny_restorer, tmp_path, pa, pq):
    src = tmp_path / "in.parquet"
    records = _parquet(pa, pq, src)
    out = tmp_path / "out.parquet"
    summary = run_batch(src, out, tiny_restorer, id_field="id", checkpoint_every=30, jobs=2)
    table = pq.read_table(out)
    assert table.schema == pq.read_table(src).schema
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == list(range(len(records)))
    for got, original in zip(rows, records, strict=True):
        want = FIXED if original["text"] == SPUN else original["text"]
        assert got["text"] == want
        assert got["doc"] == original["doc"]  # only the text field changes
        assert got["x"] == original["x"]
    assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == "ZSTD"
    nulls = [i for i, r in enumerate(records) if r["text"] is None]
    errors = [
        json.loads(x) for x in (tmp_path / "out.parquet.errors.jsonl").read_text().splitlines()
    ]
    assert [e["row"] for e in errors] == [i + 1 for i in nulls]
    assert [e["id"] for e in errors] == nulls
    assert all(e["reason"] == "field 'text' is null, not a string" for e in errors)
    assert summary.failed == len(nulls)


def test_parquet_nested_field_and_score_column(tiny_restorer, tmp_path, pa, pq):
    src = tmp_path / "in.parquet"
    records = _parquet(pa, pq, src, rows=12)
    out = tmp_path / "out.parquet"
    run_batch(src, out, tiny_restorer, text_field="doc.body", mode="both")
    rows = pq.read_table(out).to_pylist()
    for got, original in zip(rows, records, strict=True):
        body = original["doc"]["body"]
        assert got["doc"] == {"body": FIXED if body == SPUN else body, "n": original["doc"]["n"]}
        assert got["text"] == original["text"]
        if body is None:
            assert got["restorer"] is None
        else:
            assert got["restorer"]["edits"] == (2 if body == SPUN else 0)

    # scoring again replaces the existing restorer column rather than adding a second one
    again = tmp_path / "again.parquet"
    run_batch(out, again, tiny_restorer, text_field="doc.body", mode="score")
    table = pq.read_table(again)
    assert table.schema.names.count("restorer") == 1
    rescored = table.to_pylist()
    assert rescored[0]["restorer"]["edits"] == 0  # already restored
    assert rescored[1]["restorer"] == rows[1]["restorer"]  # clean: the same score again


def test_parquet_missing_column_copies_every_row(tiny_restorer, tmp_path, pa, pq):
    src = tmp_path / "in.parquet"
    _parquet(pa, pq, src, rows=5)
    out = tmp_path / "out.parquet"
    summary = run_batch(src, out, tiny_restorer, text_field="body")
    assert pq.read_table(out).equals(pq.read_table(src))
    assert summary.failed == 5


# -- folders of .txt files ------------------------------------------------------------------


def _folder(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text(SPUN + "\n", encoding="utf-8")
    (root / "sub" / "b.txt").write_text(CLEAN + "\n", encoding="utf-8")
    (root / "sub" / "deeper" / "c.txt").write_bytes(b"caf\xe9 " + SPUN.encode())
    (root / "sub" / "bom.txt").write_bytes(b"\xef\xbb\xbf" + CLEAN.encode())
    (root / "notes.md").write_text(SPUN, encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_txt_folder_restore(tiny_restorer, tmp_path, jobs):
    src, out = tmp_path / "docs", tmp_path / "restored"
    _folder(src)
    summary = run_batch(src, out, tiny_restorer, jobs=jobs, checkpoint_every=2)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["a.txt", "sub/b.txt", "sub/bom.txt", "sub/deeper/c.txt"]
    assert (out / "a.txt").read_text(encoding="utf-8") == FIXED + "\n"
    for name in ("sub/b.txt", "sub/bom.txt", "sub/deeper/c.txt"):  # unchanged: same bytes
        assert (out / name).read_bytes() == (src / name).read_bytes()
    errors = [json.loads(x) for x in (tmp_path / "restored.errors.jsonl").read_text().splitlines()]
    assert [e["file"] for e in errors] == ["sub/deeper/c.txt"]
    assert "UTF-8" in errors[0]["reason"] and "--errors" not in errors[0]["reason"]
    assert summary.records == 4 and summary.failed == 1 and summary.ignored == 1


def test_txt_folder_score_mode(tiny_restorer, tmp_path):
    src, out = tmp_path / "docs", tmp_path / "scored"
    _folder(src)
    run_batch(src, out, tiny_restorer, mode="score")
    assert (out / "a.txt").read_bytes() == (src / "a.txt").read_bytes()
    scores = [json.loads(x) for x in (out / SCORES_FILE).read_text().splitlines()]
    assert [s["file"] for s in scores] == ["a.txt", "sub/b.txt", "sub/bom.txt", "sub/deeper/c.txt"]
    assert scores[0]["restorer"]["edits"] == 2
    assert scores[1]["restorer"]["edits"] == 0
    assert scores[3]["restorer"] is None  # undecodable: reported in the errors file


def test_txt_folder_refuses_a_non_empty_output(tiny_restorer, tmp_path):
    src, out = tmp_path / "docs", tmp_path / "out"
    _folder(src)
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(BatchError, match="not empty"):
        run_batch(src, out, tiny_restorer)
    with pytest.raises(BatchError, match="inside the input"):
        run_batch(src, src / "out", tiny_restorer)
    assert (out / "keep.txt").read_text() == "mine"


# -- the command ----------------------------------------------------------------------------


def test_detect_format(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "x.data").write_bytes(b"PAR1....")
    (tmp_path / "y.data").write_bytes(b'{"text": ""}\n')
    assert detect_format(tmp_path / "d") == "txt"
    assert detect_format(Path("a.parquet")) == "parquet"
    assert detect_format(Path("a.jsonl.zst")) == "jsonl"
    assert detect_format(tmp_path / "x.data") == "parquet"
    assert detect_format(tmp_path / "y.data") == "jsonl"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "fix"], "mode must be one of"),
        (["-j", "-1"], "jobs"),
        (["-o", "out.parquet"], "must be too"),
        (["-o", "-", "--resume"], "--resume needs"),
    ],
)
def test_cli_usage_errors_exit_2(table_file, tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_bytes(_lines({"text": SPUN}))
    base = ["batch", "in.jsonl", "-m", "fast", "-t", str(table_file)]
    if "-o" not in args:
        base += ["-o", "out.jsonl"]
    result = CliRunner().invoke(app, base + args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_score_mode_quiet_and_summary(table_file, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(_lines({"text": SPUN}, {"text": CLEAN}))
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    args = ["batch", str(src), "-o", str(out), "-m", "fast", "-t", str(table_file)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "2 record(s), 1 restored (2 edits), 0 failed" in result.stderr
    assert "words/s" in result.stderr
    assert "\r" not in result.stderr  # no progress line when stderr is not a terminal
    result = runner.invoke(app, [*args, "-q", "--mode", "score"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert [json.loads(x)["restorer"]["edits"] for x in out.read_text().splitlines()] == [2, 0]


def test_progress_line(tiny_restorer, tmp_path, capsys):
    data, _ = _mixed(100)
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    run_batch(src, tmp_path / "out.jsonl", tiny_restorer, progress=True)
    err = capsys.readouterr().err
    assert "records" in err and "words/s" in err and "%" in err
    assert err.endswith("\r\x1b[K")  # the line is cleared at the end


def test_cli_stdin_to_stdout(table_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = _lines({"text": SPUN}, b"oops")
    args = ["batch", "-", "-o", "-", "-m", "fast", "-t", str(table_file)]
    result = CliRunner().invoke(app, args, input=data)
    assert result.exit_code == 3
    assert result.stdout_bytes.splitlines() == [
        json.dumps({"text": FIXED}, ensure_ascii=False).encode(),
        b"oops",
    ]
    assert json.loads((tmp_path / "restorer-errors.jsonl").read_text())["line"] == 2


# -- the acceptance run of issue 7 ------------------------------------------------------------


def _acceptance_corpus(path: Path, records: int, seed: int = 7) -> tuple[list[int], int]:
    """Write the issue's corpus: 1 % broken records of five kinds (and three 5 MB texts among
    the good ones); return the broken line numbers and the number of 5 MB records."""
    rng = random.Random(seed)
    words = [
        "the",
        "city",
        "council",
        "said",
        "on",
        "Monday",
        "that",
        "a",
        "new",
        "plan",
        "would",
        "cut",
        "water",
        "costs",
    ]
    words += ["Related", "Press", "White", "Space", "officials", "staff", "budget"]
    broken: list[int] = []
    big = 0
    kinds = ["bad json", "missing", "number", "escape", "bad utf8"]
    with path.open("wb") as fh:
        for n in range(1, records + 1):
            if n % 100 == 50:
                kind = kinds[(n // 100) % len(kinds)]
                broken.append(n)
                line = {
                    "bad json": b'{"id": %d, "text": "unterminated' % n,
                    "missing": b'{"id": %d, "body": "no text field"}' % n,
                    "number": b'{"id": %d, "text": 12345}' % n,
                    "escape": b'{"id": %d, "text": "bad \\x escape"}' % n,
                    "bad utf8": b'{"id": %d, "text": "caf\xe9"}' % n,
                }[kind]
            elif n in (records // 4, records // 2, 3 * records // 4):
                big += 1
                text = " ".join(rng.choice(words) for _ in range(900_000))[: 5 * 2**20]
                line = json.dumps({"id": n, "text": text}).encode()
            else:
                text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 60)))
                line = json.dumps({"id": n, "text": text}).encode()
            fh.write(line + b"\n")
    return broken, big


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RESTORER_SLOW"), reason="set RESTORER_SLOW=1 to run")
def test_acceptance_200k_records_with_broken_ones(tmp_path):
    records = int(os.environ.get("RESTORER_ACCEPTANCE_RECORDS", "200000"))
    src = tmp_path / "corpus.jsonl"
    broken, big = _acceptance_corpus(src, records)
    out = tmp_path / "out.jsonl"
    restorer = Path(sys.executable).with_name("restorer")
    probe = (
        "import resource, subprocess, sys; "
        "rc = subprocess.run(sys.argv[1:]).returncode; "
        "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    cmd = [sys.executable, "-c", probe, str(restorer), "batch", str(src), "-o", str(out)]
    cmd += ["-q", "--id-field", "id", "--model", "fast"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
    rc, peak_kib = (int(x) for x in done.stdout.split())
    print(f"acceptance: {records} records, exit {rc}, peak RSS {peak_kib / 1024:.0f} MiB")
    assert rc == 3  # records failed, and the job still ran to the end
    assert peak_kib < 500 * 1024
    out_lines = out.read_bytes().splitlines()
    in_lines = src.read_bytes().splitlines()
    assert len(out_lines) == len(in_lines) == records
    for n in broken:  # broken records come through byte for byte, in place
        assert out_lines[n - 1] == in_lines[n - 1]
    for n in range(1, records + 1, 997):  # every good record keeps its id, in order
        if n not in broken:
            assert json.loads(out_lines[n - 1])["id"] == n
    errors = [json.loads(x) for x in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert [e["line"] for e in errors] == broken
    assert big == 3


def test_lone_surrogate_id_is_escaped_in_the_errors_file(tiny_restorer, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": "x\\ud83d", "body": "no text"}\n')
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, tiny_restorer, id_field="id")
    assert out.read_bytes() == src.read_bytes()
    raw = (tmp_path / "out.jsonl.errors.jsonl").read_bytes()
    assert b"\\ud83d" in raw
    assert json.loads(raw)["id"] == "x\ud83d"
    assert summary.failed == 1


def test_a_clean_rerun_drops_the_stale_errors_file(tiny_restorer, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(_lines({"text": SPUN}, b"oops"))
    out = tmp_path / "out.jsonl"
    run_batch(src, out, tiny_restorer)
    errors = tmp_path / "out.jsonl.errors.jsonl"
    assert errors.exists()
    src.write_bytes(_lines({"text": SPUN}))
    run_batch(src, out, tiny_restorer)
    assert not errors.exists()


def test_the_warm_up_loads_what_a_first_document_needs():
    """The parent restores the warm-up text before workers fork, so they share what it loads:
    the language check's word lists and lemminflect's tables included (a fresh process, so
    nothing was loaded before)."""
    code = (
        "from restorer import Restorer, RestorerConfig\n"
        "from restorer.batch.workers import _WARM_UP\n"
        "from restorer.inflect import _lookups\n"
        "from restorer.language import _wordlists\n"
        "Restorer(RestorerConfig(model='fast')).restore_and_explain(_WARM_UP)\n"
        "print(_wordlists.cache_info().currsize, _lookups.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
