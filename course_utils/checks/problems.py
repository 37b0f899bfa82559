"""Exercises as objects: ``q1.check()``, ``q1.hint()``, ``q1.hint(2)``, ``q1.solution()``.

* :class:`FunctionProblem` -- the learner writes a function; it is compared with a reference
  function over generated cases (several seeds plus edge cases) with per-exercise tolerances.
* :class:`ValueProblem` -- the learner assigns a value to a name; it is compared with the answer.

Both can list *known mistakes* (a flipped kernel, a transposed output, an off-by-one size, ...):
when a wrong answer matches one, the message names the mistake without showing the answer.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from course_utils.checks import outcomes, strict
from course_utils.checks.answers import (  # noqa: F401 - re-exported
    MISSING,
    Answer,
    function_answer,
    looks_like_stub,
    value_answer,
)
from course_utils.checks.cases import (  # noqa: F401 - Case, Mistake re-exported
    Case,
    Mistake,
    _compute_mistake,
    _input_bytes,
)
from course_utils.checks.compare import describe, layout_diagnosis, value_difference
from course_utils.checks.outcomes import Note, Outcome
from course_utils.checks.plain import to_plain
from course_utils.checks.sandbox import CallResult, call_safely, with_grad
from course_utils.checks.wrong_answers import WrongAnswer

_TOO_SLOW = (
    "An infinite loop, or Python loops over every pixel? Loop over the few kernel taps (or "
    "channels) and let NumPy handle whole arrays."
)


def _show(item: Any) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(item)
            return
    except ImportError:  # pragma: no cover
        pass
    print(item)


class Problem:
    """Base class: hints, solution lookup, strict mode, and a check that never raises."""

    def __init__(
        self,
        label: str,
        name: str,
        hints: Sequence[str] = (),
        wrong_answers: Sequence[WrongAnswer] = (),
    ) -> None:
        self.label = label
        self.name = name
        self.hints = tuple(hints)
        self.wrong_answers = tuple(wrong_answers)
        self.uses: tuple[str, ...] = ()  # labels of earlier exercises this one builds on
        self.siblings: dict[str, Problem] = {}  # set by ExerciseSet
        self.namespace: dict[str, Any] | None = None
        self.solution_text: Callable[[], str | None] = lambda: None

    # -- learner-facing ---------------------------------------------------------------------
    def check(self) -> None:
        """Check the learner's answer and display the outcome (never raises, except strict mode)."""
        outcome = self.evaluate()
        _show(outcome)
        strict.enforce(outcome)

    def hint(self, n: int = 1) -> None:
        """Display hint ``n`` (1-based); later hints say more."""
        _show(self.hint_note(n))

    def solution(self) -> None:
        """Display the solution code, read from the solutions notebook."""
        _show(self.solution_note())

    # -- pure versions (tests and graders call these) ---------------------------------------
    def evaluate(self) -> Outcome:
        """The outcome, as an object. Failures of the checker itself become an error outcome.
        An outcome that is not *correct* says so when an exercise it builds on is not correct
        either."""
        outcome = self._evaluate_alone()
        if outcome.passed or not self.uses:
            return outcome
        earlier = {
            label: self.siblings[label]._evaluate_alone()
            for label in self.uses
            if label in self.siblings
        }
        return self.with_dependencies(outcome, earlier)

    def with_dependencies(self, outcome: Outcome, earlier: dict[str, Outcome]) -> Outcome:
        """``outcome`` with a first sentence naming the earlier exercises (in ``earlier``, by
        label) that this one builds on and that are not correct yet."""
        failing = [label for label in self.uses if label in earlier and not earlier[label].passed]
        if outcome.passed or not failing:
            return outcome
        names = ", ".join(
            f"`{self.siblings[label].name}` from {label}" if label in self.siblings else label
            for label in failing
        )
        first = (
            f"{self.label} builds on your {names}, which is not correct yet: fix that first "
            "(its check says what is wrong)."
        )
        return Outcome(outcome.kind, outcome.problem, f"{first} {outcome.message}", outcome.details)

    def _evaluate_alone(self) -> Outcome:
        try:
            return self._evaluate()
        except KeyboardInterrupt:
            raise  # a genuine interrupt (learner code's own ones are caught in call_safely)
        except BaseException as error:  # noqa: BLE001 - the checker must never crash the notebook
            return outcomes.code_error(
                self.label,
                "The check itself could not run; please report this.",
                (f"{type(error).__name__}: {error}",),
            )

    def hint_note(self, n: int = 1) -> Note:
        if not self.hints:
            return Note(f"{self.label}: no hints", "This exercise has no hints.")
        if not isinstance(n, int) or not 1 <= n <= len(self.hints):
            return Note(
                f"{self.label}: hint {n}",
                f"There are {len(self.hints)} hints: use hint(1) to hint({len(self.hints)}).",
            )
        return Note(f"{self.label}: hint {n} of {len(self.hints)}", self.hints[n - 1])

    def solution_note(self) -> Note:
        text = self.solution_text()
        if not text:
            return Note(
                f"{self.label}: solution not available",
                "The solutions notebook is not available here (your teacher may hand it out "
                "later).",
            )
        return Note(f"{self.label}: solution", text, code=True)

    # -- helpers ----------------------------------------------------------------------------
    def bind(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def _lookup(self) -> Any:
        if self.namespace is None:
            return MISSING
        return self.namespace.get(self.name, MISSING)

    def _missing(self) -> Outcome:
        return outcomes.not_attempted(
            self.label, f"`{self.name}` is not defined yet: write it and run its cell first."
        )

    def _evaluate(self) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


class ValueProblem(Problem):
    """The learner assigns ``name = <answer>``; compared with ``expected`` within tolerances."""

    def __init__(
        self,
        label: str,
        name: str,
        expected: Any,
        *,
        hints: Sequence[str] = (),
        mistakes: Sequence[Mistake] = (),
        wrong_answers: Sequence[WrongAnswer] = (),
        rtol: float = 1e-6,
        atol: float = 0.0,
    ) -> None:
        super().__init__(label, name, hints, wrong_answers)
        self.expected = expected
        self.mistakes = tuple(mistakes)
        self.rtol, self.atol = rtol, atol

    def inspect_answer(self, namespace: dict[str, Any] | None) -> Answer:
        """The learner's value as plain data (read without calling any of its methods)."""
        return value_answer(namespace, self.name)

    def judge(self, answer: Answer) -> Outcome:
        """The outcome of the learner's (plain) value."""
        if answer.status == "missing":
            return self._missing()
        if answer.status == "stub":
            return outcomes.not_attempted(self.label, f"`{self.name}` is still `...`.")
        if answer.status != "value":
            return outcomes.incorrect(self.label, f"`{self.name}`: {answer.reason}.")
        value = answer.value
        reason = value_difference(value, self.expected, self.rtol, self.atol)
        if reason is None:
            return outcomes.correct(self.label, f"`{self.name}` is right.")
        for mistake in self.mistakes:
            if value_difference(value, mistake.wrong, self.rtol, self.atol) is None:
                return outcomes.incorrect(
                    self.label, f"This looks like a typical mistake: {mistake.message}"
                )
        return outcomes.incorrect(self.label, f"`{self.name}`: {reason}.")

    def _evaluate(self) -> Outcome:
        return self.judge(self.inspect_answer(self.namespace))


class FunctionProblem(Problem):
    """The learner defines function ``name``; it must match ``reference`` on every case.

    Args:
        label: e.g. ``"q1"``.
        name: the function's name in the notebook.
        reference: the correct implementation.
        cases: the inputs, or a zero-argument callable that builds them (seeded).
        mistakes: typical wrong implementations (``Mistake.wrong`` is a function of the inputs).
        wrong_answers: wrong-but-plausible answers a learner would write; the test suite shows
            that each is rejected with its message (see :mod:`course_utils.checks.wrong_answers`).
        rtol, atol: tolerances for float results (``allclose`` rule); justify them per exercise.
        check_dtype: require the reference's dtype.
        timeout: seconds per call before the learner's code is interrupted.
        may_mutate: accept a function that changes its input arrays in place (by default that
            is *not yet*: the caller's data would be destroyed).
        too_slow: what a time-out probably means for this exercise (shown with the limit).
        allowed_calls: course-library functions (qualified names, or a module or class that
            contains them) the answer may call; calling any other one directly is *not yet*,
            since the exercise asks the learner to write it.
    """

    def __init__(
        self,
        label: str,
        name: str,
        reference: Callable[..., Any],
        cases: Sequence[Case] | Callable[[], Sequence[Case]],
        *,
        hints: Sequence[str] = (),
        mistakes: Sequence[Mistake] = (),
        wrong_answers: Sequence[WrongAnswer] = (),
        rtol: float = 1e-7,
        atol: float = 1e-9,
        check_dtype: bool = True,
        timeout: float = 10.0,
        may_mutate: bool = False,
        too_slow: str = _TOO_SLOW,
        allowed_calls: Sequence[str] = (),
        grad_args: Sequence[int] = (),
    ) -> None:
        super().__init__(label, name, hints, wrong_answers)
        self.too_slow = too_slow
        self.allowed_calls = tuple(allowed_calls)
        self.grad_args = tuple(grad_args)
        self.reference = reference
        self._cases = cases
        self.mistakes = tuple(mistakes)
        self.rtol, self.atol = rtol, atol
        self.check_dtype = check_dtype
        self.timeout = timeout
        self.timeout_per_reference: float | None = None
        self._measured: tuple[float, float] | None = None  # (when, limit)
        self.may_mutate = may_mutate

    def cases(self) -> list[Case]:
        return list(self._cases() if callable(self._cases) else self._cases)

    # -- the learner's side: run the function, keep plain data ------------------------------
    def inspect_answer(self, namespace: dict[str, Any] | None) -> Answer:
        """What the namespace holds under ``name`` (see :func:`function_answer`)."""
        return function_answer(namespace, self.name)

    def run_case(self, fn: Callable[..., Any], case: Case) -> CallResult:
        """One call of the learner's function (copies, time limit, plain result)."""
        args = with_grad(case.args, self.grad_args)
        return call_safely(fn, args, case.kwargs, self.time_limit())

    def time_limit(self) -> float:
        """Seconds per call: ``timeout``, or -- where the exercise sets
        ``timeout_per_reference`` (a method check by time) -- at least that many times the
        reference's own time on the largest case, measured now on this machine, so a busy or
        slow machine does not turn a right method into a time-out."""
        factor = self.timeout_per_reference
        if factor is None:
            return self.timeout
        now = time.monotonic()
        if self._measured is None or now - self._measured[0] > 30:
            self._measured = (now, max(self.timeout, factor * self.reference_seconds()))
        return self._measured[1]

    def reference_seconds(self) -> float:
        """The reference's own time on the largest case (by input bytes): the fastest of three
        calls on copies, measured now -- the fastest, because a burst of load while measuring
        would otherwise raise the time limit enough to let a pixel loop through."""
        cases = self.cases()
        largest = max(cases, key=lambda c: _input_bytes(c.args, c.kwargs))
        spent = []
        for _ in range(3):
            args, kwargs = copy.deepcopy(largest.args), copy.deepcopy(largest.kwargs)
            start = time.perf_counter()
            self.reference(*args, **kwargs)
            spent.append(time.perf_counter() - start)
        return min(spent)

    # -- the trusted side: compare with the reference ---------------------------------------
    def expected_of(self, case: Case) -> Any:
        """The reference's result on ``case``, as plain data (computed on copies)."""
        return to_plain(self.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs)))

    def judge(
        self,
        answer: Answer,
        runs: Iterable[CallResult],
        cases: Sequence[Case],
        expected: dict[int, Any] | None = None,
    ) -> Outcome:
        """The outcome of ``answer`` whose calls on ``cases`` gave ``runs`` (in order; judging
        stops at the first failing case, so ``runs`` may be lazy). ``expected`` may hold the
        reference results already computed, by case index."""
        early = self._judge_answer(answer)
        if early is not None:
            return early
        notes: list[str] = []
        count = 0
        for index, (case, run) in enumerate(zip(cases, runs, strict=False), start=1):
            count += 1
            want = expected[index - 1] if expected and index - 1 in expected else None
            outcome = self._judge_run(run, case, index, len(cases), notes, want)
            if outcome is not None:
                return outcome
        if count < len(cases):
            return outcomes.code_error(
                self.label,
                f"`{self.name}` gave results for {count} of {len(cases)} cases only.",
            )
        return outcomes.correct(
            self.label,
            f"All {len(cases)} cases match the reference "
            f"(float tolerance rtol={self.rtol:g}, atol={self.atol:g}).",
            tuple(dict.fromkeys(notes)),
        )

    def _judge_answer(self, answer: Answer) -> Outcome | None:
        if answer.status == "missing":
            return self._missing()
        if answer.status == "stub":
            return outcomes.not_attempted(
                self.label, f"`{self.name}` is still the stub: replace its body with your code."
            )
        if answer.status != "function":
            return outcomes.incorrect(
                self.label,
                f"`{self.name}` should be a function, but it is {answer.type_name or 'not'}.",
            )
        return None

    def _evaluate(self) -> Outcome:
        answer = self.inspect_answer(self.namespace)
        cases = self.cases()
        expected: dict[int, Any] = {}

        def runs() -> Iterable[CallResult]:
            for index, case in enumerate(cases):
                # The reference runs first, so nothing the learner's code does can touch it.
                expected[index] = self.expected_of(case)
                yield self.run_case(answer.function, case)

        return self.judge(answer, runs() if answer.function else iter(()), cases, expected)

    def _judge_run(
        self, run: CallResult, case: Case, index: int, total: int, notes: list[str], want: Any
    ) -> Outcome | None:
        where = f"case {index} of {total}: {case.describe()}"
        if run.printed_chars:
            notes.append(
                f"Your function printed {run.printed_chars} characters (hidden while checking)."
            )
        if run.mutated_input and self.may_mutate:
            notes.append("Note: your function changed its input arrays in place.")
        if run.package_call and not self.may_call(run.package_call):
            return outcomes.incorrect(
                self.label,
                f"`{self.name}` calls the course's own `{run.package_call}`: this exercise asks "
                "you to write that computation yourself (with NumPy or PyTorch operations), so "
                "the check does not accept an answer that hands it to the package.",
                (where,),
            )
        failure = self._failed_run(run, where)
        if failure is not None:
            return failure
        if run.value is Ellipsis:
            return outcomes.not_attempted(self.label, f"`{self.name}` returns `...`.")
        if run.mutated_input and not self.may_mutate:
            return outcomes.incorrect(
                self.label,
                f"`{self.name}` changed its input arrays in place: the caller's data is "
                "destroyed. Work on a copy (e.g. `x.copy()`, `np.pad`) or build a new array.",
                (where,),
            )
        if self.grad_args and run.differentiable is False:
            return outcomes.incorrect(
                self.label,
                f"`{self.name}` returned a tensor autograd cannot differentiate: it was "
                "computed on detached values, in NumPy and wrapped again, or under "
                "`torch.no_grad()`. Use torch operations on the inputs themselves, so that "
                "`loss.backward()` reaches them.",
                (where,),
            )
        expected = self.expected_of(case) if want is None else want
        reason = value_difference(run.value, expected, self.rtol, self.atol, self.check_dtype)
        if reason is None:
            return None
        diagnosis = self._diagnose(run.value, expected, case)
        details = (f"failing {where}", f"your result: {describe(run.value)}")
        if diagnosis is None:
            return outcomes.incorrect(self.label, f"{reason}.", details)
        return outcomes.incorrect(
            self.label, _sentence(diagnosis), (*details, f"difference: {reason}")
        )

    def may_call(self, qualified_name: str) -> bool:
        """Whether the answer may call this course-library function (see ``allowed_calls``)."""
        return any(
            qualified_name == allowed or qualified_name.startswith(allowed + ".")
            for allowed in self.allowed_calls
        )

    def _failed_run(self, run: CallResult, where: str) -> Outcome | None:
        if run.timed_out:
            caught = (
                " Your code also caught the time-out and kept running: a bare `except:` or "
                "`except BaseException:` catches it; catch only the exceptions you expect."
                if run.caught_timeout
                else ""
            )
            return outcomes.code_error(
                self.label,
                f"Timed out: `{self.name}` did not finish within {self.time_limit():.3g} s. "
                f"{self.too_slow}{caught}",
                (where,),
            )
        if run.not_implemented:
            return outcomes.not_attempted(
                self.label, f"`{self.name}` still raises NotImplementedError: write your code."
            )
        if run.error_type == "NameError":
            return outcomes.code_error(
                self.label,
                f"NameError: {run.error_message}. If you restarted the kernel, run the cells "
                "above first (Run ▸ Run All Above Selected Cell); otherwise check the spelling.",
                (f"raised on {where}",),
            )
        if run.error_type is not None:
            message = f"{run.error_type}: {run.error_message}" if run.error_message else ""
            return outcomes.code_error(
                self.label, message or run.error_type, (f"raised on {where}",)
            )
        if run.unreadable is not None:
            return outcomes.incorrect(self.label, f"{run.unreadable}.", (where,))
        return None

    def mistake_values(self, case: Case) -> Iterator[tuple[str, Any]]:
        """Each known mistake's message and its result on ``case`` (None where it does not
        apply), in the order the mistakes are listed."""
        for mistake in self.mistakes:
            yield mistake.message, _compute_mistake(mistake, case)

    def _diagnose(self, got: Any, expected: Any, case: Case) -> str | None:
        """Name the typical mistake the wrong answer looks like, if any."""
        if got is None:
            return "your function returned None. Did you forget `return`?"
        if value_difference(got, expected, self.rtol, self.atol, check_dtype=False) is None:
            # Right values in the wrong type or dtype: the plain reason says so (a mistake that
            # coincides with the answer on this case must not be named).
            return None
        for message, wrong in self.mistake_values(case):
            if (
                wrong is not None
                and value_difference(got, wrong, self.rtol, self.atol, check_dtype=False) is None
            ):
                return f"this looks like a typical mistake: {message}"
        return layout_diagnosis(got, expected, self.rtol, self.atol)


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised (messages are built from lower-case parts)."""
    return text[:1].upper() + text[1:]
