"""Run a learner's function safely: copies, a time limit it cannot catch, muted output, and a
result made of plain data.

What this protects against:

* the function **mutating its inputs** -- it only ever sees deep copies, so the reference's inputs
  and outputs cannot be corrupted, and the mutation itself is detected;
* **infinite loops** -- a ``SIGALRM`` timer interrupts Python code after ``timeout`` seconds. A
  learner's ``try/except`` (even a bare ``except:``) cannot swallow it: once the time is up, a
  trace function raises the time-out again on every line the learner's code runs, until the
  call has unwound; the outcome then says that the code caught the time-out;
* **any exception** -- ``Exception``, ``SystemExit``, ``GeneratorExit``, a class derived from
  ``BaseException`` or a ``KeyboardInterrupt`` raised by the code itself all become part of the
  result (only a real Ctrl-C / "interrupt kernel" by the learner propagates); the exception's
  message is read through the base class, so a hostile ``__str__`` never runs;
* **answers that lie** -- the return value is turned into plain data
  (:func:`course_utils.checks.plain.to_plain`) before anything compares it;
* **flooding the notebook** -- everything printed while checking is captured (and counted);
* **answering with the course's own code** -- the first function of the course library
  (``course_utils`` outside its ``checks`` and ``exercise_sets``) that the call enters straight
  from the learner's code is noted (``CallResult.package_call``), so an exercise that asks for
  ``conv2d_direct`` is not passed by calling the package's ``conv2d_direct``.

What it does not protect against (the classroom grader, ``python -m course_utils.grade``, runs
learner code in a separate sandboxed process and compares in its own): code that deliberately
inspects or patches the checker in the same process (``sys.settrace(None)``, stack frames), a
loop stuck inside one long C call (interrupted only when it returns to Python), and platforms
without ``SIGALRM`` (Windows) or calls from a non-main thread, where the time limit is not
enforced.
"""

from __future__ import annotations

import contextlib
import copy
import dis
import functools
import io
import os
import signal
import sys
import sysconfig
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from course_utils.checks.plain import PlainError, to_plain

_MESSAGE_LIMIT = 300


class CheckTimeout(BaseException):
    """Raised inside the learner's code when the time limit expires (a BaseException, so an
    ``except Exception:`` in the learner's code does not catch it)."""


class _BoundedBuffer(io.StringIO):
    """A text sink that keeps at most ``limit`` characters but counts everything written."""

    def __init__(self, limit: int = 2000) -> None:
        super().__init__()
        self.limit = limit
        self.total = 0

    def write(self, text: str) -> int:
        text = str.__str__(text) if isinstance(text, str) else ""
        self.total += len(text)
        room = self.limit - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)


@dataclass
class CallResult:
    """What happened when the learner's function ran on one case -- plain data only.

    value: the result as plain data (None when the call raised or the result could not be read);
    error_type / error_message: the exception the call raised (type name, message), if any;
    not_implemented: that exception was a NotImplementedError (the stub is still there);
    unreadable: why the result could not be turned into plain data (e.g. an object array);
    timed_out / caught_timeout: the time limit expired / and the learner's code caught it;
    printed_chars: characters the call printed; mutated_input: it changed its arguments;
    package_call: the qualified name of the first course-library function the learner's code
    called directly (e.g. ``"course_utils.conv.direct.conv2d_direct"``), if any;
    differentiable: for a torch tensor result, whether autograd can differentiate it
    (``requires_grad``); None for any other result.
    """

    value: Any = None
    error_type: str | None = None
    error_message: str = ""
    not_implemented: bool = False
    unreadable: str | None = None
    timed_out: bool = False
    caught_timeout: bool = False
    printed_chars: int = 0
    mutated_input: bool = False
    package_call: str | None = None
    differentiable: bool | None = None

    @property
    def failed(self) -> bool:
        return self.error_type is not None or self.timed_out or self.unreadable is not None


def time_limit_supported() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Deadline:
    """A time limit that keeps firing: after expiry, every line that a frame which was running
    at that moment executes raises the time-out again (so ``except:`` cannot swallow it)."""

    def __init__(self, seconds: float, guard: FrameType | None) -> None:
        self.seconds = seconds
        self.guard = guard  # the checker's frame: the time-out is caught there
        self.raised = 0
        self.expired = False
        self._previous_handler: Any = None
        self._previous_trace: Any = None
        self._frames: list[FrameType] = []
        self._frame_ids: set[int] = set()

    def _new_frame(self, frame: FrameType, event: str, arg: Any) -> None:
        return None  # frames started after expiry are not traced (the checker's own among them)

    def _line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and id(frame) in self._frame_ids:
            self.raised += 1
            raise CheckTimeout
        return self._line

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        self.expired = True
        self.raised += 1
        while frame is not None and frame is not self.guard:
            frame.f_trace = self._line
            frame.f_trace_lines = True
            self._frames.append(frame)
            self._frame_ids.add(id(frame))
            frame = frame.f_back
        sys.settrace(self._new_frame)
        raise CheckTimeout

    def __enter__(self) -> _Deadline:
        if self.seconds > 0 and time_limit_supported():
            self._previous_trace = sys.gettrace()
            self._previous_handler = signal.signal(signal.SIGALRM, self._expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._previous_handler is None:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous_handler)
        sys.settrace(self._previous_trace)
        for frame in self._frames:
            frame.f_trace = None
        self._frames.clear()
        self._frame_ids.clear()


@contextlib.contextmanager
def _genuine_interrupts() -> Iterator[list[bool]]:
    """Notes whether a KeyboardInterrupt comes from a real SIGINT (the learner's stop button)."""
    seen = [False]
    if not time_limit_supported():
        yield seen
        return

    def _interrupt(signum: int, frame: Any) -> None:
        seen[0] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def safe_error_message(error: BaseException) -> str:
    """The exception's message, read through ``BaseException`` (no method of the learner's
    exception class runs); arguments that are not plain text or numbers show as their type."""
    try:
        args = BaseException.args.__get__(error)
    except Exception:  # noqa: BLE001
        return ""
    parts = []
    for arg in tuple.__iter__(args) if type(args) is tuple else ():
        if type(arg) in (str, int, float, bool):
            parts.append(str(arg))
        else:
            parts.append(f"<{type(arg).__name__}>")
    text = ", ".join(parts)
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _exception_names(error: BaseException) -> tuple[str, bool]:
    """The exception's type name, and whether it is the learner's own stub: a
    ``NotImplementedError`` raised by a ``raise`` statement outside the installed libraries
    (one that NumPy or PyTorch raise for an unsupported operation is a real error)."""
    cls = type(error)
    return cls.__name__, issubclass(cls, NotImplementedError) and _raised_by_own_code(error)


_LIBRARY_DIRS = tuple(
    os.path.realpath(path) + os.sep
    for key in ("stdlib", "platstdlib", "purelib", "platlib")
    if (path := sysconfig.get_paths().get(key))
)
_PACKAGE = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep
_INTERNAL = tuple(_PACKAGE + name + os.sep for name in ("checks", "exercise_sets"))


@functools.cache
def file_kind(filename: str) -> str:
    """Where code of ``filename`` comes from: ``"course"`` (the checks and exercise sets),
    ``"library"`` (the rest of ``course_utils``), ``"installed"`` (the standard library and
    installed packages) or ``"outside"`` (the learner's notebook, or any other file)."""
    path = os.path.realpath(filename) if os.path.isabs(filename) else filename
    if path.startswith(_INTERNAL):
        return "course"
    if path.startswith(_PACKAGE):
        return "library"
    if path.startswith(_LIBRARY_DIRS):
        return "installed"
    return "outside"


def _raised_by_own_code(error: BaseException) -> bool:
    tb = error.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    if file_kind(tb.tb_frame.f_code.co_filename) != "outside":
        return False
    for instruction in dis.get_instructions(tb.tb_frame.f_code):
        if instruction.offset == tb.tb_lasti:
            return instruction.opname in ("RAISE_VARARGS", "RERAISE")
    return True


class _PackageCalls:
    """A trace hook (``call`` events only) that notes the first course-library function entered
    straight from code outside the course (the learner's). Library functions called by other
    library functions or by an exercise set's own reference are not noted, nor is a module's
    top-level code running on import; generated code (``<string>``, e.g. a dataclass's
    ``__init__``) counts as its caller's. A trace function that was already set (a debugger,
    coverage) keeps running."""

    def __init__(self) -> None:
        self.first: str | None = None
        self._previous: Any = None

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if self.first is None and event == "call":
            code = frame.f_code
            if code.co_name != "<module>" and file_kind(code.co_filename) == "library":
                caller = frame.f_back
                while caller is not None and caller.f_code.co_filename == "<string>":
                    caller = caller.f_back  # generated code (a dataclass's __init__)
                if (
                    caller is None
                    or file_kind(caller.f_code.co_filename) in ("outside", "installed")
                    or caller.f_code is call_safely.__code__
                ):
                    module = frame.f_globals.get("__name__", "")
                    self.first = f"{module}.{code.co_qualname}"
        previous = self._previous
        return previous(frame, event, arg) if previous is not None else None

    def __enter__(self) -> _PackageCalls:
        self._previous = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc: Any) -> None:
        sys.settrace(self._previous)


def with_grad(args: tuple, indices: Sequence[int]) -> tuple:
    """``args`` with the floating-point torch tensors at ``indices`` replaced by copies that
    require gradients (so a differentiable answer returns a tensor autograd can follow)."""
    prepared = list(args)
    for index in indices:
        value = prepared[index] if index < len(prepared) else None
        if getattr(value, "is_floating_point", None) is not None and value.is_floating_point():
            prepared[index] = value.detach().clone().requires_grad_(True)
    return tuple(prepared)


def call_safely(
    fn: Callable[..., Any], args: tuple, kwargs: dict, timeout: float = 10.0
) -> CallResult:
    """Call ``fn`` on deep copies of ``args``/``kwargs`` with a time limit and muted output.

    Never raises for anything the learner's code does; only a genuine interrupt (SIGINT while
    it runs) propagates, so the learner can stop a check.
    """
    call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    snapshot = _snapshot((call_args, call_kwargs))
    sink = _BoundedBuffer()
    result = CallResult()
    value: Any = None
    deadline = _Deadline(timeout, sys._getframe())
    calls = _PackageCalls()
    try:
        with _genuine_interrupts() as interrupted:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                with calls, deadline:
                    value = fn(*call_args, **call_kwargs)
    except CheckTimeout:
        result.timed_out = True
    except KeyboardInterrupt as error:
        if interrupted[0]:
            raise
        result.error_type, result.error_message = "KeyboardInterrupt", safe_error_message(error)
    except BaseException as error:  # noqa: BLE001 - learner code may raise anything
        result.error_type, result.not_implemented = _exception_names(error)
        result.error_message = safe_error_message(error)
    if deadline.expired:
        result.timed_out = True
        result.caught_timeout = (
            deadline.raised > 1 or result.error_type is not None or (value is not None)
        )  # it ran on after the first time-out, raised something else, or returned
        result.error_type, result.error_message, value = None, "", None
    result.printed_chars = sink.total
    result.package_call = calls.first
    flag = getattr(value, "requires_grad", None)
    result.differentiable = flag if isinstance(flag, bool) else None
    result.mutated_input = _snapshot((call_args, call_kwargs)) != snapshot
    if not result.failed:
        try:
            result.value = to_plain(value)
        except PlainError as error:
            result.unreadable = str(error)
    return result


def _snapshot(arguments: Any) -> Any:
    """A comparable fingerprint of the arguments (array bytes, shapes, dtypes, plain values)."""
    try:
        plain = to_plain(arguments, allow_object=True)
    except PlainError:
        return None
    return _fingerprint(plain)


def _fingerprint(value: Any) -> Any:
    import numpy as np

    from course_utils.checks.plain import TensorData

    if isinstance(value, TensorData):
        value = value.array
    if isinstance(value, np.ndarray):
        return ("array", value.shape, str(value.dtype), value.tobytes())
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_fingerprint(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), _fingerprint(v)) for k, v in value.items()))
    return ("value", repr(value))
