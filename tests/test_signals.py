"""Interruptions: SIGINT and SIGTERM stop cleanly with exit 130 and no half-written output.

Each test starts the real command in a subprocess on an input large enough to take a while,
waits until it has opened its output (the temporary file beside the target, or the batch work
folder), sends the signal, and checks the exit code, the one-line message, and that the target
is either absent or exactly what it was before the run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]

SENTENCE = (
    "The Related Press mentioned that the White Space declined to comment on the primary "
    "undercover agent company, regardless of extra staff. "
)
SIGNALS = [signal.SIGINT, signal.SIGTERM]
START_SECONDS = 120  # start-up (spaCy, tables) on a slow, busy machine


def _big_text(path: Path) -> None:
    """About 8 MB of spun prose: minutes of work, so the signal lands mid-run."""
    paragraph = SENTENCE * 8 + "\n\n"
    path.write_text(paragraph * (8_000_000 // len(paragraph)), encoding="utf-8")


def _run_and_interrupt(
    args: list[str], sig: signal.Signals, started: Callable[[], bool]
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "restorer", *args, "--model", "fast"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_SECONDS
    while not started() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f"ended before the signal: {proc.communicate()}"
    assert started(), "the command did not open its output in time"
    time.sleep(0.5)  # well into the work
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _temporary(folder: Path, target: str) -> list[Path]:
    return sorted(folder.glob(f".{target}.*.tmp"))


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("existing", [False, True], ids=["new-output", "existing-output"])
def test_fix_output_file(tmp_path, sig, existing):
    big = tmp_path / "big.txt"
    _big_text(big)
    out = tmp_path / "out.txt"
    if existing:
        out.write_text("the previous result\n", encoding="utf-8")
    result = _run_and_interrupt(
        ["fix", str(big), "-o", str(out)], sig, lambda: bool(_temporary(tmp_path, "out.txt"))
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr == "restorer: interrupted\n"
    if existing:
        assert out.read_text(encoding="utf-8") == "the previous result\n"
    else:
        assert not out.exists()
    assert _temporary(tmp_path, "out.txt") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["big.txt", *(["out.txt"] if existing else [])]
    )


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_fix_in_place_keeps_the_input(tmp_path, sig):
    big = tmp_path / "big.txt"
    _big_text(big)
    before = big.read_bytes()
    result = _run_and_interrupt(
        ["fix", str(big), "--in-place"], sig, lambda: bool(_temporary(tmp_path, "big.txt"))
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr == "restorer: interrupted\n"
    assert big.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["big.txt"]


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_batch_output_file(tmp_path, sig):
    source = tmp_path / "in.jsonl"
    record = SENTENCE * 3
    with source.open("w", encoding="utf-8") as fh:
        for i in range(25_000):
            fh.write(json.dumps({"id": i, "text": record}) + "\n")
    out = tmp_path / "out.jsonl"
    work = tmp_path / ".out.jsonl.restorer-work"

    def started() -> bool:
        return work.exists() or bool(_temporary(tmp_path, "out.jsonl"))

    result = _run_and_interrupt(["batch", str(source), "-o", str(out)], sig, started)
    assert result.returncode == 130, result.stderr
    assert result.stderr == ("restorer: interrupted; run the same command with --resume to go on\n")
    assert not out.exists()  # what was done waits in the work folder for --resume
    assert _temporary(tmp_path, "out.jsonl") == []
