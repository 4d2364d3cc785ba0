"""Resumable batch runs: ``kill -9`` mid-run, then ``--resume`` gives every record exactly once.

The first test is the issue's acceptance test, end to end: a real ``restorer batch`` process
with two workers is killed with SIGKILL after it has finished a few parts, and the same command
with ``--resume`` must produce exactly the output of an uninterrupted run, without redoing the
records the finished parts hold. The others interrupt in-process runs (an exception where a
document is restored) to check each format and the refusals.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from restorer import Restorer, RestorerConfig
from restorer.batch import BatchError, run_batch, work_folder
from restorer.batch.workers import _WARM_UP

RESTORER = Path(sys.executable).with_name("restorer")
TABLE = (
    "# restorer-phrases 1\n"
    "# spun\tcanonical\tprior\tsource\n"
    "Related Press\tAssociated Press\t0.98\ttest: resume\n"
    "White Space\tWhite House\t0.98\ttest: resume\n"
)
WORDS = [
    *("the", "city", "council", "said", "on", "Monday", "that", "a", "new", "plan", "would"),
    *("cut", "water", "costs", "for", "most", "homes", "Related", "Press", "White", "Space"),
    *("officials", "staff", "budget"),
]


def _corpus(path: Path, n: int, words: int = 40) -> int:
    """Write ``n`` JSONL records (one broken line in 50); return the words of the good ones."""
    total = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(1, n + 1):
            if i % 50 == 0:
                fh.write(f'{{"id": {i}, "text": broken}}\n')
                continue
            text = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(words))
            total += len(text.split())
            fh.write(json.dumps({"id": i, "text": text}) + "\n")
    return total


def _manifest(output: Path) -> dict | None:
    try:
        return json.loads((work_folder(output) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")
def test_kill_9_then_resume_gives_every_record_once_in_order(tmp_path):
    table = tmp_path / "resume.tsv"
    table.write_text(TABLE, encoding="utf-8")
    src = tmp_path / "corpus.jsonl"
    total_words = _corpus(src, 4000)
    base = [str(RESTORER), "batch", str(src), "-m", "fast", "-t", str(table), "-q"]
    base += ["--id-field", "id"]

    reference = tmp_path / "reference.jsonl"
    done = subprocess.run([*base, "-o", str(reference)], capture_output=True, timeout=600)
    assert done.returncode == 3, done.stderr  # the broken lines make it exit 3

    out = tmp_path / "killed.jsonl"
    cmd = [*base, "-o", str(out), "-j", "2", "--checkpoint-every", "150"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while True:
        manifest = _manifest(out)
        if manifest is not None and len(manifest["parts"]) >= 3:
            break
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no checkpoint within 300 s"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert not out.exists()  # nothing half-written where the output goes
    manifest = _manifest(out)
    assert manifest is not None
    done_records = sum(p["records"] for p in manifest["parts"])
    done_words = sum(p["words"] for p in manifest["parts"])
    assert 0 < done_records < 4000

    # the orphaned workers notice their parent is gone and leave
    deadline = time.monotonic() + 15
    while _processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(str(out)) == []

    resumed = subprocess.run(
        [*base[:-3], "--id-field", "id", "-o", str(out), "--resume"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 3, resumed.stderr
    assert out.read_bytes() == reference.read_bytes()
    assert (tmp_path / "killed.jsonl.errors.jsonl").read_bytes() == (
        tmp_path / "reference.jsonl.errors.jsonl"
    ).read_bytes()
    assert not work_folder(out).exists()
    # the summary counts the whole job, and this run did only what was left
    assert "4000 record(s)" in resumed.stderr
    assert f"; {done_records} done by the earlier run" in resumed.stderr
    words = re.search(r"([\d,]+) words in", resumed.stderr)
    assert words is not None
    assert int(words.group(1).replace(",", "")) == total_words - done_words


# -- in-process interruptions -----------------------------------------------------------------


class _Counting(Restorer):
    """Counts the documents it restores; raises KeyboardInterrupt at document ``stop``.

    The text a job restores before its first record, to load what documents need, is no
    document of the input and is not counted.
    """

    def __init__(self, *args, stop: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = 0
        self.stop = stop

    def restore_and_explain(self, text):
        if text == _WARM_UP:
            return super().restore_and_explain(text)
        self.calls += 1
        if self.stop is not None and self.calls == self.stop:
            raise KeyboardInterrupt
        return super().restore_and_explain(text)

    def iter_restore(self, chunks):
        self.calls += 1
        if self.stop is not None and self.calls == self.stop:
            raise KeyboardInterrupt
        return super().iter_restore(chunks)


def _restorer(tiny_table, stop=None) -> _Counting:
    return _Counting(RestorerConfig(model="fast", default_table=False), table=tiny_table, stop=stop)


def _interrupt_then_resume(tiny_table, src, out, stop, **options):
    """Run until document ``stop`` raises; resume; return (records done before, calls after)."""
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, _restorer(tiny_table, stop), **options)
    assert not out.exists()
    manifest = _manifest(out)
    assert manifest is not None and manifest["parts"]
    done = sum(p["units"] for p in manifest["parts"])
    second = _restorer(tiny_table)
    notes: list[str] = []
    summary = run_batch(src, out, second, resume=True, notes=notes, **options)
    assert not work_folder(out).exists()
    assert notes == []
    return done, second.calls, summary


def test_jsonl_gz_interrupted_and_resumed(tiny_table, tmp_path):
    src = tmp_path / "in.jsonl"
    _corpus(src, 600, words=12)
    reference = tmp_path / "ref.jsonl.gz"
    run_batch(src, reference, _restorer(tiny_table))
    out = tmp_path / "out.jsonl.gz"
    done, calls, summary = _interrupt_then_resume(
        tiny_table, src, out, stop=400, checkpoint_every=100
    )
    # document 400 is on line 408 (lines 50, 100, ... are broken): finished parts end before it
    assert 100 <= done < 408
    good_before = done - done // 50
    assert calls == (600 - 600 // 50) - good_before  # only the rest was restored again
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(reference.read_bytes())
    assert summary.records == 600 and summary.resumed == done


def test_parquet_interrupted_and_resumed(tiny_table, tmp_path):
    if os.environ.get("CI"):  # CI installs the extras: a missing one is a failure there
        import pyarrow as pa
        import pyarrow.parquet as pq
    else:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "in.parquet"
    texts = ["The Related Press said.", "Plain words.", None]
    rows = [{"id": i, "text": texts[i % 3]} for i in range(500)]
    pq.write_table(pa.Table.from_pylist(rows), src, row_group_size=90)  # the last group: 50
    reference = tmp_path / "ref.parquet"
    run_batch(src, reference, _restorer(tiny_table))
    out = tmp_path / "out.parquet"
    done, calls, _ = _interrupt_then_resume(tiny_table, src, out, stop=200, checkpoint_every=64)
    assert 64 <= done < 300  # document 200 is on row 299 (every third row is null)
    assert calls == sum(1 for r in rows[done:] if r["text"] is not None)
    assert pq.read_table(out).equals(pq.read_table(reference))


def test_txt_folder_interrupted_and_resumed(tiny_table, tmp_path):
    src = tmp_path / "docs"
    for i in range(40):
        folder = src / f"d{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:02d}.txt").write_text(f"Doc {i}: The White Space said so.\n")
    reference = tmp_path / "ref"
    run_batch(src, reference, _restorer(tiny_table), mode="both")
    out = tmp_path / "out"
    done, calls, _ = _interrupt_then_resume(
        tiny_table, src, out, stop=30, checkpoint_every=8, mode="both"
    )
    assert 8 <= done < 30
    assert calls == 40 - done
    names = sorted(p.relative_to(reference).as_posix() for p in reference.rglob("*.*"))
    assert names == sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*"))
    for name in names:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def test_died_after_the_last_part_only_assembles(tiny_table, tmp_path, monkeypatch):
    from restorer.batch import jsonl

    src = tmp_path / "in.jsonl"
    _corpus(src, 120, words=5)
    reference = tmp_path / "ref.jsonl"
    run_batch(src, reference, _restorer(tiny_table))

    def die(self):
        raise KeyboardInterrupt

    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as patch:
        patch.setattr(jsonl._JsonlSink, "_assemble", die)
        with pytest.raises(KeyboardInterrupt):
            run_batch(src, out, _restorer(tiny_table), checkpoint_every=50)
    second = _restorer(tiny_table)
    run_batch(src, out, second, checkpoint_every=50, resume=True)
    assert second.calls == 0
    assert out.read_bytes() == reference.read_bytes()


def test_resume_refuses_other_options_or_a_changed_input(tiny_table, tmp_path):
    src = tmp_path / "in.jsonl"
    _corpus(src, 300, words=5)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, _restorer(tiny_table, stop=250), checkpoint_every=50)
    with pytest.raises(BatchError, match="mode"):
        run_batch(src, out, _restorer(tiny_table), mode="score", resume=True)
    with pytest.raises(BatchError, match="text field"):
        run_batch(src, out, _restorer(tiny_table), text_field="body", resume=True)
    with src.open("a") as fh:
        fh.write('{"text": "one more"}\n')
    with pytest.raises(BatchError, match="input size"):
        run_batch(src, out, _restorer(tiny_table), resume=True)
    assert work_folder(out).exists()  # refused runs leave the unfinished one alone

    # a run without --resume starts over and says so
    notes: list[str] = []
    run_batch(src, out, _restorer(tiny_table), notes=notes)
    assert any("discarded the unfinished run" in n for n in notes)
    assert len(out.read_text().splitlines()) == 301


def test_resume_with_nothing_to_resume_runs_from_the_start(tiny_table, tmp_path):
    src = tmp_path / "in.jsonl"
    _corpus(src, 20, words=5)
    notes: list[str] = []
    summary = run_batch(
        src, tmp_path / "out.jsonl", _restorer(tiny_table), resume=True, notes=notes
    )
    assert summary.records == 20 and summary.resumed == 0
    assert notes == ["nothing to resume; starting from the beginning"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="flock")
def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tiny_table, tmp_path):
    import fcntl

    src = tmp_path / "in.jsonl"
    _corpus(src, 10, words=5)
    out = tmp_path / "out.jsonl"
    folder = work_folder(out)
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY)  # what a running job holds
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(BatchError, match="another restorer run is writing"):
            run_batch(src, out, _restorer(tiny_table), resume=True)
        assert folder.exists() and not out.exists()
    finally:
        os.close(fd)
    run_batch(src, out, _restorer(tiny_table), resume=True)  # free again: it runs
    assert len(out.read_text().splitlines()) == 10


def test_a_resumed_runs_report_covers_its_own_records_and_says_so(tiny_table, tmp_path):
    from restorer.batch.overview import RunOverview

    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _corpus(src, 300, words=12)
    with pytest.raises(KeyboardInterrupt):
        run_batch(src, out, _restorer(tiny_table, 250), checkpoint_every=50)
    overview = RunOverview("fast")
    summary = run_batch(
        src, out, _restorer(tiny_table), resume=True, checkpoint_every=50, overview=overview
    )
    assert summary.resumed > 0
    assert overview.resumed == summary.resumed
    assert overview.records == summary.records - summary.resumed == 300 - summary.resumed
    from restorer.report import render_run_html

    assert f"{summary.resumed:,} record(s) an earlier run finished" in render_run_html(overview)
