"""Run a learner's function safely inside the notebook: copies, a time limit, muted output.

What this protects against:

* the function **mutating its inputs** -- it only ever sees deep copies, so the reference's inputs
  and outputs cannot be corrupted;
* **infinite loops** -- a ``SIGALRM`` timer interrupts Python code after ``timeout`` seconds;
* **flooding the notebook** -- everything printed while checking is captured (and counted).

What it does not protect against (the classroom grader, ``python -m course_utils.grade``, re-checks
in a clean process): code that deliberately inspects or patches the checker, a loop stuck inside
one long C call (interrupted only when it returns to Python), and platforms without ``SIGALRM``
(Windows) or calls from a non-main thread, where the time limit is not enforced.
"""

from __future__ import annotations

import contextlib
import copy
import io
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class CheckTimeout(Exception):
    """Raised inside the learner's code when the time limit expires."""


class _BoundedBuffer(io.StringIO):
    """A text sink that keeps at most ``limit`` characters but counts everything written."""

    def __init__(self, limit: int = 2000) -> None:
        super().__init__()
        self.limit = limit
        self.total = 0

    def write(self, text: str) -> int:
        self.total += len(text)
        room = self.limit - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)


@dataclass
class CallResult:
    """What happened when the learner's function ran on one case."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    printed_chars: int = 0
    mutated_input: bool = False


def time_limit_supported() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or not time_limit_supported():
        yield
        return

    def _expire(signum: int, frame: Any) -> None:
        raise CheckTimeout(f"did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call_safely(
    fn: Callable[..., Any], args: tuple, kwargs: dict, timeout: float = 10.0
) -> CallResult:
    """Call ``fn`` on deep copies of ``args``/``kwargs`` with a time limit and muted output.

    Never raises for anything the learner's code does (``Exception`` subclasses, time-outs,
    ``SystemExit``); ``KeyboardInterrupt`` still propagates so the learner can interrupt.
    """
    call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    snapshot = copy.deepcopy((call_args, call_kwargs))
    sink = _BoundedBuffer()
    result = CallResult()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            with _time_limit(timeout):
                result.value = fn(*call_args, **call_kwargs)
    except CheckTimeout:
        result.timed_out = True
    except (Exception, SystemExit) as error:  # noqa: BLE001 - learner code may raise anything
        result.error = error
    result.printed_chars = sink.total
    result.mutated_input = not _same_structure((call_args, call_kwargs), snapshot)
    return result


def _same_structure(a: Any, b: Any) -> bool:
    """Exact equality of nested arguments (arrays compared element-wise, NaN equal to NaN)."""
    import numpy as np

    from course_utils.checks.compare import is_array, to_numpy

    if is_array(a) and is_array(b):
        x, y = to_numpy(a), to_numpy(b)
        return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_structure(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return True
