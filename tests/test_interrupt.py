"""Stop requests survive being raised where Python swallows exceptions (a finaliser).

The signal tests (tests/test_signals.py) send real signals to a running command; where the
signal lands is chance there. These tests put it in the one place that used to lose it: a
``__del__`` run by the garbage collector, where Python prints "Exception ignored" and goes on.
"""

from __future__ import annotations

import gc
import signal
import sys

import pytest

from restorer import interrupt
from restorer.files import AtomicWriter
from restorer.interrupt import Terminated


@pytest.fixture
def installed():
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    hook = sys.unraisablehook
    interrupt.install()
    yield
    interrupt.reset()
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    sys.unraisablehook = hook


class _StopInFinaliser:
    """Delivers a stop request from inside __del__, as a signal arriving during GC would."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        interrupt._on_signal(self.signum, None)


def _swallowed(signum: int) -> None:
    finaliser = _StopInFinaliser(signum)
    del finaliser
    gc.collect()


@pytest.mark.parametrize(
    ("signum", "raised"),
    [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_swallowed_stop_still_stops_the_commit(tmp_path, installed, capsys, signum, raised):
    target = tmp_path / "out.txt"
    target.write_text("the previous result\n", encoding="utf-8")
    with pytest.raises(raised), AtomicWriter(target) as writer:
        writer.file.write("half of the new result")
        _swallowed(signum)  # the exception dies in __del__; the request must not
        assert interrupt.requested()
        writer.commit()
    assert target.read_text(encoding="utf-8") == "the previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    assert "Exception ignored" not in capsys.readouterr().err


def test_other_unraisable_errors_are_still_reported(installed):
    seen = []
    interrupt._default_hook, before = seen.append, interrupt._default_hook
    try:

        class _Broken:
            def __del__(self) -> None:
                raise ValueError("a real bug in a finaliser")

        broken = _Broken()
        del broken
        gc.collect()
    finally:
        interrupt._default_hook = before
    assert [type(info.exc_value) for info in seen] == [ValueError]


def test_without_a_request_commit_goes_through(tmp_path, installed):
    target = tmp_path / "out.txt"
    with AtomicWriter(target) as writer:
        writer.file.write("done\n")
        writer.commit()
    assert target.read_text(encoding="utf-8") == "done\n"
    assert not interrupt.requested()
