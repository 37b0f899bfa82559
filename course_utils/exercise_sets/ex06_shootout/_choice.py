"""q4 of the shootout set: choosing a method from measurements."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake
from course_utils.checks.cases import Cases
from course_utils.checks.wrong_answers import WrongAnswer
from course_utils.shootout import METHOD_NAMES

# ---------------------------------------------------------------------------------------
# q4: choosing a method from measurements
# ---------------------------------------------------------------------------------------


def _winograd_applies(kernel_size: int, stride: int) -> bool:
    return kernel_size == 3 and stride == 1


def _usable(timings: dict[str, float | None], allowed) -> dict[str, float]:
    return {m: t for m, t in timings.items() if t is not None and (m != "winograd" or allowed)}


def _choose_method(timings: dict[str, float | None], kernel_size: int, stride: int) -> str:
    """Reference: the fastest method with a time that applies to the layer."""
    allowed = _usable(timings, _winograd_applies(kernel_size, stride))
    return min(allowed, key=allowed.__getitem__)


def _timings(rng: np.random.Generator, fastest: str | None = None) -> dict[str, float | None]:
    times = {m: float(10 ** rng.uniform(-4, 0)) for m in METHOD_NAMES}
    if rng.random() < 0.5:
        times["loops"] = None  # too big for the loops: not measured
    if fastest is not None:
        times[fastest] = min(t for t in times.values() if t is not None) / 2
    return times


def _random_choice(rng: np.random.Generator) -> tuple:
    kernel, stride = int(rng.choice([1, 3, 5, 7])), int(rng.choice([1, 1, 2]))
    favourite = str(rng.choice(["winograd", "fft", "direct", "torch", "im2col"]))
    return _timings(rng, favourite), kernel, stride


def _choice_cases() -> list[Case]:
    cases = Cases(seed=62, names=("timings", "kernel_size", "stride"))
    rng = cases.rng
    for timings, kernel, stride, text in [
        (_timings(rng, "winograd"), 5, 2, "5x5 kernel, stride 2, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 5, 1, "5x5 kernel, stride 1, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 3, 2, "3x3 kernel, stride 2, the Winograd entry is fastest"),
        (_timings(rng, "winograd"), 3, 1, "3x3 kernel, stride 1, Winograd fastest"),
        (_timings(rng, "fft"), 11, 1, "11x11 kernel, FFT fastest"),
        ({"direct": 2e-3, "loops": None, "torch": 5e-3}, 3, 1, "three entries, loops n/a"),
        ({"winograd": 1e-4, "im2col": 9e-3}, 1, 1, "1x1 kernel, two entries"),
        ({"unfold": 3e-3, "loops": None, "direct": 1e-3}, 3, 1, "the unmeasured entry first"),
    ]:
        cases.add(timings, kernel, stride, label=text)
    for _ in range(16):  # a dict is labelled by its rules, not by its (random) times
        timings, kernel, stride = _random_choice(rng)
        cases.add(timings, kernel, stride, label=f"kernel {kernel}, stride {stride}, random times")
    return cases.build()


def _kernel_rule_only(timings, kernel_size, stride):
    return _choose_method(timings, kernel_size, 1)


def _either_rule(timings, kernel_size, stride):
    allowed = _usable(timings, kernel_size == 3 or stride == 1)
    return min(allowed, key=allowed.__getitem__)


def _no_rule(timings, kernel_size, stride):
    return _choose_method(timings, 3, 1)


def _never_winograd(timings, kernel_size, stride):
    allowed = _usable(timings, False)
    return min(allowed, key=allowed.__getitem__)


def _slowest(timings, kernel_size, stride):
    allowed = _usable(timings, _winograd_applies(kernel_size, stride))
    return max(allowed, key=allowed.__getitem__)


def _smallest_name(timings, kernel_size, stride):
    return min(_usable(timings, _winograd_applies(kernel_size, stride)))


def _unmeasured_as_zero(timings, kernel_size, stride):
    allowed = {
        m: (0.0 if t is None else t)
        for m, t in timings.items()
        if m != "winograd" or _winograd_applies(kernel_size, stride)
    }
    return min(allowed, key=allowed.__getitem__)


def _choice_learner_none_kept(timings, kernel_size, stride):
    """A learner's answer that forgets the None entries."""
    usable = {
        m: t for m, t in timings.items() if m != "winograd" or (kernel_size, stride) == (3, 1)
    }
    return min(usable, key=usable.get)


def _choice_learner_time(timings, kernel_size, stride):
    """A learner's answer that returns the best time instead of the method."""
    allowed = _usable(timings, _winograd_applies(kernel_size, stride))
    return min(allowed.values())


def _choice_learner_pops(timings, kernel_size, stride):
    """A learner's answer that deletes entries from the caller's dict."""
    for name in [m for m, t in timings.items() if t is None]:
        del timings[name]
    if not _winograd_applies(kernel_size, stride):
        timings.pop("winograd", None)
    return min(timings, key=timings.__getitem__)


_CHOICE_MESSAGES = {
    "stride": "Winograd F(4x4, 3x3) also needs stride 1: its tiles cover every output position.",
    "either": "Winograd F(4x4, 3x3) needs both a 3x3 kernel *and* stride 1, not one of them.",
    "kernel": "this picks Winograd for a kernel that is not 3x3; F(4x4, 3x3) only applies to "
    "3x3 kernels with stride 1.",
    "never": "Winograd is left out even where it applies (3x3 kernel, stride 1).",
    "slowest": "this picks the slowest applicable method, not the fastest.",
    "name": "this is the alphabetically first method, not the fastest: `min(d)` compares the "
    "keys; `min(d, key=d.__getitem__)` compares the times.",
    "none": "this method has no time (None): it was not measured, so it cannot be chosen.",
}

q4 = FunctionProblem(
    "q4",
    "choose_method",
    _choose_method,
    _choice_cases,
    # The answer is a method name, compared exactly. The cases' times are distinct random
    # numbers (the favourite is made strictly fastest), so there are no ties to break.
    hints=[
        "Two steps: first throw away what cannot be used (no time, or a method whose rule "
        "excludes this layer), then pick among what is left.",
        "Keep the entries whose time is not None, and drop 'winograd' unless the kernel is "
        "3 and the stride is 1. Return the key with the smallest time: "
        "`min(d, key=d.__getitem__)` returns the key of a dict's smallest value. Build a new "
        "dict rather than deleting from the one you are given.",
    ],
    mistakes=[
        Mistake(_CHOICE_MESSAGES["stride"], _kernel_rule_only),
        Mistake(_CHOICE_MESSAGES["either"], _either_rule),
        Mistake(_CHOICE_MESSAGES["kernel"], _no_rule),
        Mistake(_CHOICE_MESSAGES["never"], _never_winograd),
        Mistake(_CHOICE_MESSAGES["slowest"], _slowest),
        Mistake(_CHOICE_MESSAGES["name"], _smallest_name),
        Mistake(_CHOICE_MESSAGES["none"], _unmeasured_as_zero),
    ],
    wrong_answers=[
        WrongAnswer("kernel rule only", _kernel_rule_only, "also needs stride 1"),
        WrongAnswer("kernel or stride", _either_rule, "not one of them"),
        WrongAnswer("no rule", _no_rule, "not 3x3"),
        WrongAnswer("Winograd never", _never_winograd, "left out"),
        WrongAnswer("the slowest", _slowest, "slowest"),
        WrongAnswer("min over the names", _smallest_name, "alphabetically"),
        WrongAnswer("None as 0 s", _unmeasured_as_zero, "not measured"),
        WrongAnswer("None entries kept", _choice_learner_none_kept, "NoneType"),
        WrongAnswer("returns the time", _choice_learner_time, "expected str"),
        WrongAnswer("deletes from the dict", _choice_learner_pops, "in place"),
    ],
)
