"""Stop requests (Ctrl-C, SIGTERM) that a long job cannot lose.

A Python signal handler that raises runs between two bytecodes of whatever the main thread is
doing. When that happens inside a finaliser (``__del__``, run by the garbage collector at any
moment: the ``regex`` module's parser objects are one), Python prints "Exception ignored in"
and carries on, and a job that was asked to stop would run to the end and exit 0.

So the handler does two things: it records the request, and it raises (the quick path, which
unwinds at once almost always). The record is checked where output becomes final (before an
atomic rename, between paragraphs and records), so a request swallowed by a finaliser still
stops the job there, before anything is committed. The "Exception ignored" report of such a
swallowed request is dropped: the request is not lost, so there is nothing to report.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any

__all__ = ["Terminated", "check", "install", "requested", "reset"]


class Terminated(BaseException):
    """SIGTERM, turned into an exception so clean-up code runs.

    A ``BaseException``, like ``KeyboardInterrupt``: code that catches ``Exception`` to keep a
    job going past one bad document (batch) must not swallow a request to stop.
    """


_pending: int | None = None
_default_hook = sys.unraisablehook


def _exception(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _pending
    _pending = signum
    raise _exception(signum)


def _unraisable(info: Any) -> None:
    if isinstance(info.exc_value, (KeyboardInterrupt, Terminated)) and _pending is not None:
        return  # recorded in _pending; check() raises it again where it is safe
    _default_hook(info)


def install() -> None:
    """Handle SIGINT and SIGTERM as recorded stop requests (call from the main thread)."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    sys.unraisablehook = _unraisable


def requested() -> bool:
    """Whether a stop was requested since :func:`install` (or the last :func:`reset`)."""
    return _pending is not None


def check() -> None:
    """Raise the pending stop request, if there is one (``KeyboardInterrupt`` or ``Terminated``).

    Call before making output final and between units of work.
    """
    if _pending is not None:
        raise _exception(_pending)


def reset() -> None:
    """Forget a recorded request (for tests, and for callers that handled it)."""
    global _pending
    _pending = None
