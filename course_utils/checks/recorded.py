"""Checks against recorded cases: the exercise sets of the classroom edition.

In the self-paced course a check computes the expected result with the exercise's reference
function, so the reference is importable from the learner's kernel
(``inspect.getsource(q1.reference)``). The classroom edition
(:mod:`course_utils.classroom`) ships no references. For each exercise it ships a *recording*,
made at build time from the full exercise set:

* a function exercise: every case's inputs (plain data, instruments as recipes), the
  reference's output on it, and the output of each known mistake on it (so a wrong answer is
  still named: "the kernel is flipped"); its tolerances, dtype rule, time limit, hints and the
  exercises it builds on; for a method check by time (``timeout_per_reference``) the
  reference's own time on the largest case and a calibration time of this machine, so the
  limit scales with the learner's machine;
* a value exercise: the expected value and the values of its known mistakes.

A recording is JSON (:func:`course_utils.checks.plain.encode`: arrays as ``.npy`` without
pickle), gzip-compressed. :func:`load_recorded_set` turns it back into an
:class:`~course_utils.checks.exercise_set.ExerciseSet` whose problems judge with the same code
as the full ones (:class:`RecordedFunctionProblem` overrides only where the expected values
and mistake results come from). What a recording cannot hide is its own expected outputs: a
learner who reads the file could hard-code them, which is why the teacher's grader always uses
the full references (and may add hidden cases).
"""

from __future__ import annotations

import copy
import gzip
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_utils.checks.compare import is_array
from course_utils.checks.exercise_set import ExerciseSet
from course_utils.checks.outcomes import Note, Outcome
from course_utils.checks.plain import (
    PlainError,
    Recipe,
    TensorData,
    decode,
    encode,
    register_recipe,
    to_live,
    to_plain,
)
from course_utils.checks.problems import (
    Case,
    FunctionProblem,
    Mistake,
    Problem,
    ValueProblem,
    _compute_mistake,
    _input_bytes,
)

FORMAT = 1
SUFFIX = ".recording.json.gz"
LARGE_BYTES = 2**20  # a case with more input bytes is recorded by shapes and seed
SAMPLE_SIZE = 4096  # entries of a large case's output that are recorded and compared
WITHHELD = (
    "Solutions are withheld in this edition of the course: ask your teacher, or use the "
    "hints (`hint(1)`, `hint(2)`, ...)."
)


# -- recording (at build time, with the full exercise set) ------------------------------------


def calibration_seconds(repeats: int = 5) -> float:
    """How fast this machine runs a fixed mix of Python loops and small NumPy operations (the
    kind of code a time-based method check measures): the fastest of ``repeats`` runs of about
    20 ms each -- long and fastest, so that a moment of load does not pass for a slow machine.
    Only single-threaded work: under load, multi-threaded BLAS can slow down far more than the
    learner's code does, which would inflate the time limit."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((256, 256)), rng.standard_normal((256, 256))
    out = np.empty_like(a)
    spent = []
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0.0
        for i in range(60_000):
            total += float(a[i % 256, i % 7]) * 0.5
        for _ in range(200):  # element-wise (one thread): no BLAS threads waiting on each other
            np.multiply(a, b, out=out)
            out += a
        spent.append(time.perf_counter() - start)
    return min(spent)


def _plain_or_none(value: Any) -> Any:
    try:
        return to_plain(value)
    except PlainError:
        return None


def _common(problem: Problem) -> dict[str, Any]:
    return {
        "label": problem.label,
        "name": problem.name,
        "hints": list(problem.hints),
        "uses": list(problem.uses),
    }


def seeded_normal(seed: int, shape: tuple, dtype: str) -> np.ndarray:
    """The input array of a large recorded case, rebuilt from its seed (standard normal)."""
    return np.random.default_rng(seed).standard_normal(tuple(shape)).astype(dtype)


register_recipe("seeded_normal", seeded_normal)


def _regenerable(case: Case, seed: int) -> tuple[Case, tuple, dict]:
    """A large case with each large float array replaced by a seeded one of the same shape and
    dtype (its values only matter for timing): the case to run, and its recorded inputs."""
    live_args, plain_args = [], []
    for offset, arg in enumerate(case.args):
        if isinstance(arg, np.ndarray) and arg.dtype.kind == "f" and arg.nbytes > 2**16:
            params = (("dtype", arg.dtype.name), ("seed", seed + offset), ("shape", arg.shape))
            live_args.append(seeded_normal(seed + offset, arg.shape, arg.dtype.name))
            plain_args.append(Recipe("seeded_normal", params))
        else:
            live_args.append(arg)
            plain_args.append(to_plain(arg))
    return Case(tuple(live_args), case.kwargs, case.label), tuple(plain_args), case.kwargs


def _sample(value: Any, indices: np.ndarray) -> Any:
    if isinstance(value, TensorData):
        return TensorData(value.array.reshape(-1)[indices], value.dtype)
    return np.asarray(value).reshape(-1)[indices]


def _record_case(problem: FunctionProblem, case: Case, seed: int) -> dict[str, Any]:
    if _input_bytes(case.args, case.kwargs) <= LARGE_BYTES:
        return {
            "args": to_plain(case.args),
            "kwargs": to_plain(dict(case.kwargs)),
            "label": case.describe(),
            "expected": problem.expected_of(case),
            "mistakes": [_plain_or_none(_compute_mistake(m, case)) for m in problem.mistakes],
        }
    run, args, kwargs = _regenerable(case, seed)
    expected = problem.expected_of(run)
    if not is_array(expected):
        raise ValueError(f"{problem.label}: a large case must return an array")
    shape = tuple(int(n) for n in expected.shape)
    size = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    indices = np.sort(rng.choice(size, min(size, SAMPLE_SIZE), replace=False)).astype(np.int64)
    return {
        "args": args,
        "kwargs": to_plain(dict(kwargs)),
        "label": case.describe(),
        "expected": _sample(expected, indices),
        "sample": {"shape": shape, "indices": indices},
        "mistakes": [None] * len(problem.mistakes),  # named on the small cases before it
    }


def record_function(problem: FunctionProblem) -> dict[str, Any]:
    """The recording of a function exercise (plain data). A case whose inputs are larger than
    ``LARGE_BYTES`` (a timing case) is recorded by its shapes and a seed, and its output by
    ``SAMPLE_SIZE`` entries at recorded positions."""
    cases = problem.cases()
    recorded = [_record_case(problem, case, 1000 + i) for i, case in enumerate(cases)]
    data = _common(problem) | {
        "kind": "function",
        "cases": recorded,
        "mistakes": [m.message for m in problem.mistakes],
        "rtol": float(problem.rtol),
        "atol": float(problem.atol),
        "check_dtype": bool(problem.check_dtype),
        "timeout": float(problem.timeout),
        "may_mutate": bool(problem.may_mutate),
        "too_slow": problem.too_slow,
        "allowed_calls": list(problem.allowed_calls),
        "grad_args": list(problem.grad_args),
        "timeout_per_reference": problem.timeout_per_reference,
        "reference_seconds": None,
    }
    if problem.timeout_per_reference is not None:
        data["reference_seconds"] = problem.reference_seconds()
    return data


def record_value(problem: ValueProblem) -> dict[str, Any]:
    """The recording of a value exercise (plain data)."""
    return _common(problem) | {
        "kind": "value",
        "expected": to_plain(problem.expected),
        "mistakes": [[m.message, to_plain(m.wrong)] for m in problem.mistakes],
        "rtol": float(problem.rtol),
        "atol": float(problem.atol),
    }


def record_set(exercise_set: ExerciseSet) -> dict[str, Any]:
    """The recording of every exercise of ``exercise_set``."""
    problems = []
    for problem in exercise_set.problems:
        if isinstance(problem, FunctionProblem):
            problems.append(record_function(problem))
        elif isinstance(problem, ValueProblem):
            problems.append(record_value(problem))
        else:  # pragma: no cover - every set uses these two kinds
            raise TypeError(f"cannot record {type(problem).__name__} {problem.label}")
    return {
        "format": FORMAT,
        "notebook": exercise_set.notebook,
        "calibration_seconds": calibration_seconds(),
        "problems": problems,
    }


def write_recording(exercise_set: ExerciseSet, path: Path) -> Path:
    """Write the recording of ``exercise_set`` to ``path`` (gzip-compressed plain JSON)."""
    path.write_bytes(gzip.compress(encode(record_set(exercise_set)), mtime=0))
    return path


# -- checking against a recording (in the learner's kernel) -----------------------------------


@dataclass(frozen=True)
class RecordedCase(Case):
    """A case rebuilt from a recording; ``index`` finds its recorded results."""

    index: int = -1


class _Withheld:
    def solution_note(self) -> Note:
        return Note(f"{self.label}: solution withheld", WITHHELD)  # type: ignore[attr-defined]


class RecordedFunctionProblem(_Withheld, FunctionProblem):
    """A function exercise judged against recorded reference outputs and mistake outputs."""

    def __init__(self, data: dict[str, Any], calibration_at_build: float) -> None:
        self._recorded = data["cases"]
        super().__init__(
            data["label"],
            data["name"],
            _no_reference,
            self._live_cases,
            hints=data["hints"],
            mistakes=[Mistake(message, None) for message in data["mistakes"]],
            rtol=data["rtol"],
            atol=data["atol"],
            check_dtype=data["check_dtype"],
            timeout=data["timeout"],
            may_mutate=data["may_mutate"],
            too_slow=data["too_slow"],
            allowed_calls=data["allowed_calls"],
            grad_args=data.get("grad_args", ()),
        )
        self.uses = tuple(data["uses"])
        self.timeout_per_reference = data["timeout_per_reference"]
        self._reference_seconds = data["reference_seconds"]
        self._calibration_at_build = calibration_at_build

    def _live_cases(self) -> list[Case]:
        return [
            RecordedCase(to_live(c["args"]), to_live(c["kwargs"]), c["label"], index)
            for index, c in enumerate(self._recorded)
        ]

    def expected_of(self, case: Case) -> Any:
        return self._recorded[_index(case)]["expected"]

    def _judge_run(
        self, run: Any, case: Case, index: int, total: int, notes: list[str], want: Any
    ) -> Outcome | None:
        sample = self._recorded[_index(case)].get("sample")
        if sample is not None:
            want = self._recorded[_index(case)]["expected"]
            shape = tuple(sample["shape"])
            value = run.value
            if is_array(value) and tuple(int(n) for n in value.shape) == shape:
                run = copy.copy(run)
                run.value = _sample(value, sample["indices"])
            else:  # compared with an array of the recorded shape: the reason names the shape
                want = _placeholder(want, shape)
        return super()._judge_run(run, case, index, total, notes, want)

    def mistake_values(self, case: Case) -> Iterator[tuple[str, Any]]:
        recorded = self._recorded[_index(case)]["mistakes"]
        for mistake, wrong in zip(self.mistakes, recorded, strict=True):
            yield mistake.message, wrong

    def reference_seconds(self) -> float:
        """The reference's time recorded at build time, scaled by how much slower or faster
        this machine runs the calibration workload (``time_limit`` applies the factor)."""
        seconds = self._reference_seconds
        if seconds is None:
            return 0.0  # no time-based method check: time_limit is the timeout
        return seconds * calibration_seconds() / max(self._calibration_at_build, 1e-9)


class RecordedValueProblem(_Withheld, ValueProblem):
    """A value exercise whose expected value and mistake values come from a recording."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(
            data["label"],
            data["name"],
            data["expected"],
            hints=data["hints"],
            mistakes=[Mistake(message, wrong) for message, wrong in data["mistakes"]],
            rtol=data["rtol"],
            atol=data["atol"],
        )
        self.uses = tuple(data["uses"])


def _placeholder(sample: Any, shape: tuple) -> Any:
    if isinstance(sample, TensorData):
        return TensorData(np.zeros(shape, sample.array.dtype), sample.dtype)
    return np.zeros(shape, np.asarray(sample).dtype)


def _index(case: Case) -> int:
    if not isinstance(case, RecordedCase):
        raise TypeError("a recorded exercise is judged on its recorded cases only")
    return case.index


def _no_reference(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the classroom edition has no reference functions")


def read_recording(path: Path) -> dict[str, Any]:
    """The recording in ``path``; a clear error when it is missing, corrupt or too new."""
    try:
        data = decode(gzip.decompress(Path(path).read_bytes()))
    except (OSError, EOFError, PlainError) as error:
        raise RuntimeError(f"cannot read the exercise recording {path}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RuntimeError(f"{path} is not an exercise recording of format {FORMAT}")
    return data


def load_recorded_set(path: Path) -> ExerciseSet:
    """An exercise set whose problems judge against the recording in ``path``."""
    data = read_recording(path)
    calibration = float(data["calibration_seconds"])
    problems: list[Problem] = [
        RecordedFunctionProblem(p, calibration)
        if p["kind"] == "function"
        else RecordedValueProblem(p)
        for p in data["problems"]
    ]
    return ExerciseSet(str(data["notebook"]), problems)


def recording_beside(module_file: str) -> Path:
    """Where the recording of the exercise-set module ``module_file`` is kept."""
    path = Path(module_file)
    return path.with_name(path.stem + SUFFIX)


__all__ = [
    "RecordedFunctionProblem",
    "RecordedValueProblem",
    "load_recorded_set",
    "record_set",
    "recording_beside",
    "write_recording",
]
