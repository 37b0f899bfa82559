"""Timing the candidates of one layer within a budget: :func:`search`.

The search measures, in this order:

1. **defaults** -- every planned method with its default settings (the first value of
   each of its knobs), the fastest method first afterwards;
2. **knobs** -- per method, fastest first, each knob in turn (:func:`.candidates.search_axes`),
   every value from the best setting found so far; the best value is kept (only for
   methods within :data:`DESCENT_RATIO` of the fastest default);
3. **final** -- the :data:`FINALISTS` fastest candidates again, side by side in
   :data:`FINAL_ROUNDS` alternating rounds (:func:`course_utils.timing.interleaved`: each
   finalist once per round, after one more warm-up), so that the choice does not rest on
   one noisy sample.

One measurement is a warm-up call (it also fills the Winograd filter cache, as a
network's second call would) and then :data:`SCREEN_MIN_REPEATS` to
:data:`SCREEN_REPEATS` timed calls; their median is the candidate's time. Before each
candidate the search predicts its time (the best time of its method so far, else a rough
work model scaled by the fastest candidate measured) and skips it when the prediction
does not fit in what is left of the budget, or when it is more than :data:`PRUNE_RATIO`
times the fastest time so far. The budget covers everything, the final round included
(it keeps :data:`FINAL_SHARE` of the budget for it).
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from course_utils.conv.fft import fft_lengths
from course_utils.conv.gemm import available_engines
from course_utils.conv.layers import LayerShape, make_operands
from course_utils.conv.planner.candidates import Candidate, default_candidate, search_axes
from course_utils.conv.registry import CONV_METHODS
from course_utils.timing import interleaved, steady_allocator

__all__ = [
    "FINAL_SHARE",
    "FINALISTS",
    "PRUNE_RATIO",
    "SCREEN_REPEATS",
    "SCREEN_SECONDS",
    "Trial",
    "search",
]

#: Timed calls per screening measurement: at least SCREEN_MIN_REPEATS (one noisy call
#: must not decide), then more until SCREEN_REPEATS calls or SCREEN_SECONDS of samples.
SCREEN_MIN_REPEATS = 3
SCREEN_REPEATS = 5
SCREEN_SECONDS = 0.05
#: Candidates timed again in the final round, and the share of the budget kept for it.
FINALISTS = 3
FINAL_SHARE = 0.3
#: Rounds of the final (each gives every finalist its turn).
FINAL_ROUNDS = 3
#: A candidate predicted to be this many times slower than the fastest one is not timed.
PRUNE_RATIO = 4.0
#: Only methods whose default is at most this many times slower than the fastest default
#: get their knobs searched (a knob rarely buys more; the budget goes to the contenders).
DESCENT_RATIO = 1.5


@dataclass(frozen=True)
class Trial:
    """One line of a plan's table: a candidate, the stage that timed it, its median
    seconds (None when it was skipped) over ``calls`` timed calls, and a note."""

    candidate: Candidate
    stage: str
    median: float | None
    calls: int = 0
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate.to_json(),
            "stage": self.stage,
            "median": self.median,
            "calls": self.calls,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trial:
        return cls(
            Candidate.from_json(data["candidate"]),
            data["stage"],
            data["median"],
            int(data.get("calls", 0)),
            data.get("note", ""),
        )


#: The search's clock (a test replaces it to check the budget without real waiting).
Clock = Callable[[], float]


class _Search:
    """The state of one search: operands, budget, clock and the trials so far."""

    def __init__(self, layer: LayerShape, budget: float, clock: Clock) -> None:
        self.layer, self.budget, self.clock = layer, budget, clock
        self.x, self.w = make_operands(layer, seed=0)
        self.geometry = (layer.stride, layer.padding, 1)
        self.start = clock()
        self.trials: list[Trial] = []
        self.times: dict[Candidate, float] = {}

    def elapsed(self) -> float:
        return self.clock() - self.start

    def call(self, candidate: Candidate) -> Callable[[], object]:
        return lambda: candidate.run(self.x, self.w, None, *self.geometry)

    def measure(self, candidate: Candidate, stage: str, limit: float) -> float | None:
        """Time ``candidate`` (once per search) unless its predicted time does not fit
        before ``limit`` seconds of the search; returns its median or None."""
        if candidate in self.times:
            return self.times[candidate]
        note = self._skip_reason(candidate, limit)
        if note:
            self.trials.append(Trial(candidate, stage, None, 0, note))
            return None
        samples = self._samples(self.call(candidate), limit)
        median = statistics.median(samples)
        self.times[candidate] = median
        self.trials.append(Trial(candidate, stage, median, len(samples)))
        return median

    def _skip_reason(self, candidate: Candidate, limit: float) -> str:
        """Why ``candidate`` is not timed ("" when it is): its predicted time (warm-up and
        the least number of timed calls) does not fit before ``limit``, or it is predicted
        to be more than :data:`PRUNE_RATIO` times slower than the fastest candidate so far."""
        predicted = self.predict(candidate)
        if predicted is None:
            return ""
        left = limit - self.elapsed()
        if predicted * (1 + SCREEN_MIN_REPEATS) > left:
            return f"skipped: predicted {predicted * 1e3:.1f} ms, {max(left, 0) * 1e3:.0f} ms left"
        fastest = min(self.times.values())
        if predicted > PRUNE_RATIO * fastest:
            return f"skipped: predicted {predicted / fastest:.0f}x slower than the fastest"
        return ""

    def _samples(self, fn: Callable[[], object], limit: float) -> list[float]:
        """A warm-up call, then timed calls: at least :data:`SCREEN_MIN_REPEATS`, more
        until :data:`SCREEN_REPEATS` or :data:`SCREEN_SECONDS` of samples, fewer only
        when the next call would not fit before ``limit``."""
        fn()  # warm-up (it may transform and cache the filters: not a sample)
        samples: list[float] = []
        while len(samples) < SCREEN_REPEATS:
            start = self.clock()
            fn()
            samples.append(self.clock() - start)
            enough = len(samples) >= SCREEN_MIN_REPEATS and sum(samples) >= SCREEN_SECONDS
            if enough or self.elapsed() + samples[-1] > limit:
                break
        return samples

    def predict(self, candidate: Candidate) -> float | None:
        """Seconds ``candidate`` may take: its method's best so far, else the fastest
        candidate's time scaled by the work model; None before anything was timed."""
        same = [t for c, t in self.times.items() if c.method == candidate.method]
        if same:
            return min(same)
        if not self.times:
            return None
        best = min(self.times, key=self.times.__getitem__)
        ratio = rough_work(candidate, self.layer) / rough_work(best, self.layer)
        return self.times[best] * ratio

    def best(self, method: str | None = None) -> Candidate | None:
        pool = [c for c in self.times if method is None or c.method == method]
        return min(pool, key=self.times.__getitem__) if pool else None


def rough_work(candidate: Candidate, layer: LayerShape) -> float:
    """A rough cost of one call in "GEMM flop equivalents", only to predict which
    candidates cannot fit in the budget: the direct flop count, Winograd's GEMM flops
    (n^2 per tile of m^2 outputs) plus its transforms, and for FFT its complex products
    (8 flops per complex multiply-add, and its elementwise work runs far below GEMM
    speed, 16x in all). The direct method's per-tap products run at about half GEMM speed."""
    direct = 2.0 * layer.macs
    if candidate.method == "winograd":
        m = candidate.kwargs.get("m", 4)
        ho, wo = layer.out_hw
        tiles = layer.N * -(-ho // m) * -(-wo // m)
        n2 = (m + 2) ** 2
        return 2.0 * n2 * tiles * layer.C * layer.K + 40.0 * n2 * tiles * (layer.C + layer.K)
    if candidate.method == "fft":
        l1, l2 = fft_lengths((layer.H, layer.W), (layer.kh, layer.kw), layer.stride, layer.padding)
        return 16 * 8.0 * layer.N * layer.C * layer.K * l1 * (l2 // 2 + 1)
    if candidate.method == "direct":
        return 2 * direct
    return direct


def search(
    layer: LayerShape,
    methods: Sequence[str],
    threads: int,
    budget: float,
    clock: Clock = time.perf_counter,
) -> tuple[Candidate, list[Trial], float]:
    """Time the candidates of ``methods`` on seeded operands of ``layer`` for at most
    ``budget`` seconds; returns (the fastest candidate, every trial, seconds spent).

    Methods that do not apply to the layer (:meth:`ConvMethod.not_applicable_reason`)
    are left out; at least one method must apply (``ValueError`` otherwise)."""
    usable = [m for m in methods if CONV_METHODS[m].not_applicable_reason(layer) is None]
    if not usable:
        raise ValueError(f"none of the methods {', '.join(methods)} applies to {layer}")
    for engine in available_engines()[1:]:
        importlib.import_module(engine)  # imported before the clock starts (torch: ~1 s)
    steady_allocator()  # the conditions of every timing of the course
    state = _Search(layer, budget, clock)
    screen_limit = budget * (1 - FINAL_SHARE)
    for method in usable:
        state.measure(default_candidate(method, layer, threads), "defaults", screen_limit)
    if not state.times:  # even the first call did not fit: take the first method's default
        return default_candidate(usable[0], layer, threads), state.trials, state.elapsed()
    ranked = sorted({c.method for c in state.times}, key=lambda m: state.times[state.best(m)])
    fastest = state.times[state.best()]
    for method in ranked:
        if state.times[state.best(method)] <= DESCENT_RATIO * fastest:
            _descend(state, method, threads, screen_limit)
    choice = _final(state, budget)
    return choice, state.trials, state.elapsed()


def _descend(state: _Search, method: str, threads: int, limit: float) -> None:
    """Coordinate descent over the knobs of ``method`` from its default."""
    best = state.best(method)
    for name, values in search_axes(method, state.layer, threads):
        for value in values:
            state.measure(best.with_option(name, value), name, limit)
        best = state.best(method)


def _final(state: _Search, budget: float) -> Candidate:
    """Time the :data:`FINALISTS` fastest candidates side by side
    (:func:`course_utils.timing.interleaved`: one warm-up round, then one call each per
    round); the fastest median wins."""
    ranked = sorted(state.times, key=state.times.__getitem__)[:FINALISTS]
    slowest = state.times[ranked[-1]]
    rounds_cost = FINAL_ROUNDS * sum(state.times[c] for c in ranked) + len(ranked) * slowest
    if len(ranked) < 2 or state.elapsed() + rounds_cost > budget:
        return ranked[0]
    calls = {candidate.label: state.call(candidate) for candidate in ranked}
    timings = interleaved(calls, repeat=1, rounds=FINAL_ROUNDS, warmup=0, warmup_rounds=1)
    medians = {candidate: timings[candidate.label].median for candidate in ranked}
    for candidate in ranked:
        state.trials.append(Trial(candidate, "final", medians[candidate], FINAL_ROUNDS))
    return min(medians, key=medians.__getitem__)
