"""A convolution planner: measure the candidates for a layer once, remember the fastest.

The fastest way to run a convolution depends on its shapes and on the machine: Winograd
F(6x6, 3x3) on one layer, F(4x4, 3x3) with one thread per batch chunk on the next, im2col
on a stride-2 layer. As FFTW's planner and cuDNN's benchmark mode do, :func:`plan` times
the candidates (:mod:`.candidates`: methods, Winograd tile sizes, batch chunking, thread
split, GEMM orientation and engine) on seeded operands of the layer's shape within a time
budget (:mod:`.measure`), and keeps the result (:mod:`.store`) for every later call of the
same shape, dtype and thread count -- in memory, and in a JSON file when asked.

    >>> from course_utils.conv import plan
    >>> p = plan((8, 128, 28, 28), (128, 128, 3, 3), padding=1)   # doctest: +SKIP
    >>> print(p.table())                                         # doctest: +SKIP
    >>> y = p.run(x, w)                                          # doctest: +SKIP

``conv2d(x, w, ..., method="auto")`` runs the plan of all methods, ``method="winograd"``
(or any other planned method, without options of its own) that method's best plan.
Layers under :data:`MIN_PLANNED_FLOPS` are not worth timing: their plan is the method's
defaults (``"im2col"`` for ``"auto"``), marked as *estimated*.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.conv._threads import blas_threads
from course_utils.conv._validate import as_float_array, conv_geometry
from course_utils.conv.layers import LayerShape
from course_utils.conv.planner.candidates import (
    PLANNED_METHODS,
    Candidate,
    default_candidate,
    format_option,
)
from course_utils.conv.planner.measure import Trial, search
from course_utils.conv.planner.store import PlanStore, cpu_name, plan_key
from course_utils.conv.registry import CONV_METHODS
from course_utils.tables import Column, column_table
from course_utils.timing import format_seconds

__all__ = [
    "DEFAULT_BUDGET",
    "MIN_PLANNED_FLOPS",
    "PLANNED_METHODS",
    "Candidate",
    "ConvPlan",
    "PlanStore",
    "Trial",
    "plan",
    "plan_store",
]

#: Seconds a plan may spend timing candidates (per layer shape).
DEFAULT_BUDGET = 2.0
#: Below this many flops (2 N K C kh kw Ho Wo) a layer runs in well under a millisecond:
#: its plan is the defaults, without timing.
MIN_PLANNED_FLOPS = 50_000_000
#: The method an estimated "auto" plan runs (it applies to every layer).
ESTIMATED_AUTO = "im2col"

_STORE = PlanStore()


def plan_store() -> PlanStore:
    """The process's plans (``plan_store().save(path)`` keeps them in a file)."""
    return _STORE


@dataclass(frozen=True)
class ConvPlan:
    """The plan of one layer: what was timed, and what it chose.

    - layer: the :class:`LayerShape`; methods: the methods it could choose from;
      threads: NumPy's BLAS threads when it was measured; cpu: the CPU's name;
    - choice: the :class:`Candidate` it runs; trials: every candidate's :class:`Trial`;
    - seconds, budget: time spent planning and the budget;
    - measured: False for an estimated plan (a layer under :data:`MIN_PLANNED_FLOPS`);
    - reused: True when it came from the store (a file or an earlier call).
    """

    layer: LayerShape
    methods: tuple[str, ...]
    threads: int
    cpu: str
    choice: Candidate
    trials: tuple[Trial, ...]
    seconds: float
    budget: float
    measured: bool = True
    reused: bool = False

    def run(self, x: Any, w: Any, bias: Any = None) -> np.ndarray:
        """The chosen candidate on x (the layer's shape) and w, with the layer's stride
        and padding: (N, K, Ho, Wo)."""
        layer = self.layer
        return self.choice.run(x, w, bias, layer.stride, layer.padding, 1)

    __call__ = run

    def best(self, method: str) -> Candidate | None:
        """The plan's choice if it is of ``method``, else that method's fastest timed
        candidate (by its final-round time if it had one)."""
        if self.choice.method == method:
            return self.choice
        times = self._times()
        pool = [c for c in times if c.method == method]
        return min(pool, key=times.__getitem__) if pool else None

    def time_of(self, candidate: Candidate) -> float | None:
        """The candidate's median seconds (final round if it had one), None if untimed."""
        return self._times().get(candidate)

    def _times(self) -> dict[Candidate, float]:
        times: dict[Candidate, float] = {}
        for trial in self.trials:
            if trial.median is not None and (trial.stage == "final" or trial.candidate
                                             not in times):  # fmt: skip
                times[trial.candidate] = trial.median
        return times

    def why(self) -> str:
        """One paragraph: what it chose and on what evidence."""
        if not self.measured:
            return (
                f"estimated: {self.layer.flops / 1e6:.1f} MFLOP is too small to be worth "
                "timing; "
                f"runs {self.label(self.choice)} with its defaults"
            )
        times = self._times()
        ranked = sorted(times, key=times.__getitem__)
        skipped = sum(t.median is None for t in self.trials)
        text = (
            f"chose {self.label(self.choice)}: {format_seconds(times.get(self.choice))}, "
            f"the fastest of {len(times)} timed candidates"
        )
        others = [c for c in ranked if c != self.choice]
        if others:
            gap = times[others[0]] / times[self.choice] - 1
            text += f" (next: {self.label(others[0])}, {gap:+.0%})"
        if skipped:
            text += f"; {skipped} skipped (predicted too slow, or over the budget)"
        origin = " (reused from the plan store)" if self.reused else ""
        return (
            f"{text}; planning took {self.seconds:.2f} s of a {self.budget:.2f} s budget"
            f"{origin}, {self.threads} BLAS threads, {self.cpu}"
        )

    def label(self, candidate: Candidate) -> str:
        """The candidate's method and the options in which it differs from the defaults."""
        defaults = default_candidate(candidate.method, self.layer, self.threads).kwargs
        changed = [format_option(k, v) for k, v in candidate.options if defaults.get(k) != v]
        return " ".join([candidate.method, *changed])

    def table(self) -> str:
        """Every trial: candidate, stage, median, ratio to the choice, calls, note."""
        chosen = self._times().get(self.choice)
        columns = [
            Column("candidate", lambda t: self.label(t.candidate), 52, "<"),
            Column("stage", lambda t: t.stage, 11, "<"),
            Column("median", lambda t: format_seconds(t.median), 10),
            Column("vs choice", lambda t: _ratio(t.median, chosen), 9),
            Column("calls", lambda t: str(t.calls), 5),
            Column("", lambda t: ("<- chosen" if t.candidate == self.choice and
                                  t.stage == _last_stage(self, t.candidate) else t.note),
                   0, "<", "  "),
        ]  # fmt: skip
        head = f"plan of x {self.layer.x_shape} * w {self.layer.w_shape}, " + (
            f"stride {self.layer.stride}, padding {self.layer.padding}, {self.layer.dtype}"
        )
        return f"{head}\n{column_table(columns, self.trials)}\n{self.why()}"

    def __str__(self) -> str:
        return self.table()

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": {**self.layer.__dict__},
            "methods": list(self.methods),
            "threads": self.threads,
            "cpu": self.cpu,
            "choice": self.choice.to_json(),
            "trials": [t.to_json() for t in self.trials],
            "seconds": self.seconds,
            "budget": self.budget,
            "measured": self.measured,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], reused: bool = True) -> ConvPlan:
        return cls(
            LayerShape(**data["layer"]),
            tuple(data["methods"]),
            int(data["threads"]),
            data["cpu"],
            Candidate.from_json(data["choice"]),
            tuple(Trial.from_json(t) for t in data["trials"]),
            float(data["seconds"]),
            float(data["budget"]),
            bool(data.get("measured", True)),
            reused,
        )


def _last_stage(plan: ConvPlan, candidate: Candidate) -> str:
    return [t.stage for t in plan.trials if t.candidate == candidate][-1]


def _ratio(seconds: float | None, chosen: float | None) -> str:
    if seconds is None or not chosen:
        return "-"
    return f"{seconds / chosen:.2f}x"


def _methods(methods: str | Sequence[str] | None) -> tuple[str, ...]:
    chosen = PLANNED_METHODS if methods is None else (methods,) if isinstance(methods, str) \
        else tuple(methods)  # fmt: skip
    unknown = [m for m in chosen if m not in PLANNED_METHODS]
    if unknown or not chosen:
        raise ValueError(
            f"the planner chooses among {', '.join(PLANNED_METHODS)}; got {unknown or chosen!r}"
        )
    return chosen


def plan(
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    stride: int = 1,
    padding: int = 0,
    *,
    dtype: str = "float32",
    methods: str | Sequence[str] | None = None,
    budget: float | None = None,
    file: str | os.PathLike | None = None,
    store: PlanStore | None = None,
    refresh: bool = False,
    min_flops: int | None = None,
) -> ConvPlan:
    """The plan of the layer x (N, C, H, W) * w (K, C, kh, kw), with one ``stride`` and
    ``padding`` for both axes, in ``dtype`` (``"float32"`` or ``"float64"``).

    - methods: the methods to choose among (default :data:`PLANNED_METHODS`); one name
      gives that method's best plan;
    - budget: seconds the timing may take (all candidates, final round included;
      default :data:`DEFAULT_BUDGET`);
    - file: a JSON plan file: its plans are loaded first (when it exists) and a new plan
      is saved to it;
    - store: where plans are remembered (default :func:`plan_store`, the process's);
    - refresh: time again even when a plan for this key is stored;
    - min_flops: layers with fewer flops get an estimated plan (default
      :data:`MIN_PLANNED_FLOPS`; 0 times every layer).

    A plan is keyed by the shapes, stride, padding, dtype, methods, NumPy's BLAS thread
    count and the CPU (:func:`.store.plan_key`). Returns a :class:`ConvPlan`; raises
    ``ValueError`` for impossible shapes or when none of ``methods`` applies.
    """
    layer = _layer(x_shape, w_shape, stride, padding, dtype)
    chosen, threads = _methods(methods), blas_threads()
    store = _STORE if store is None else store
    if file is not None and os.path.exists(file):
        store.load(file)
    key = plan_key(layer, chosen, threads)
    floor = MIN_PLANNED_FLOPS if min_flops is None else min_flops
    budget = DEFAULT_BUDGET if budget is None else float(budget)
    record = None if refresh else store.get(key)
    if record is not None and (record.get("measured", True) or layer.flops < floor):
        return ConvPlan.from_json(record)
    result = _measure(layer, chosen, threads, budget, floor)
    store.put(key, result.to_json())
    if file is not None:
        store.save(file)
    return result


def _layer(x_shape: Sequence[int], w_shape: Sequence[int], stride: int, padding: int,
           dtype: str) -> LayerShape:  # fmt: skip
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"x_shape must be (N, C, H, W) and w_shape (K, C, kh, kw), got "
                         f"{tuple(x_shape)} and {tuple(w_shape)}")  # fmt: skip
    if x_shape[1] != w_shape[1]:
        raise ValueError(f"x has {x_shape[1]} channels but w expects {w_shape[1]}")
    n, c, h, w = (int(v) for v in x_shape)
    k, _, kh, kw = (int(v) for v in w_shape)
    return LayerShape(n, c, k, h, w, kh, kw, int(padding), int(stride), dtype)


def _measure(
    layer: LayerShape, methods: tuple[str, ...], threads: int, budget: float, min_flops: int
) -> ConvPlan:
    if layer.flops < min_flops:
        usable = [m for m in methods if CONV_METHODS[m].not_applicable_reason(layer) is None]
        method = ESTIMATED_AUTO if len(methods) > 1 and ESTIMATED_AUTO in usable else (
            usable or list(methods))[0]  # fmt: skip
        return ConvPlan(layer, methods, threads, cpu_name(), Candidate(method), (), 0.0,
                        budget, measured=False)  # fmt: skip
    choice, trials, seconds = search(layer, methods, threads, budget)
    return ConvPlan(layer, methods, threads, cpu_name(), choice, tuple(trials), seconds, budget)


def planned_candidate(method: str, x: Any, w: Any, bias: Any, geometry: tuple) -> Candidate:
    """What ``conv2d(x, w, bias, *geometry, method=method)`` runs without options:
    the plan's choice for the layer, or the method's defaults (``"auto"``:
    :data:`ESTIMATED_AUTO`) when the layer is not one the planner describes (unbatched
    or 2-D input, unequal stride or padding per axis, dilation, an even kernel with
    ``"same"``)."""
    fallback = Candidate(ESTIMATED_AUTO if method == "auto" else method)
    layer = _call_layer(x, w, bias, geometry)
    if layer is None:
        return fallback
    methods = None if method == "auto" else (method,)
    if method != "auto" and CONV_METHODS[method].not_applicable_reason(layer) is not None:
        return fallback  # the method's own call says what is wrong
    return plan(layer.x_shape, layer.w_shape, layer.stride, layer.padding, dtype=layer.dtype,
                methods=methods).choice  # fmt: skip


def _call_layer(x: Any, w: Any, bias: Any, geometry: tuple) -> LayerShape | None:
    x_arr, w_arr = as_float_array(x, "x"), as_float_array(w, "w")
    if x_arr.ndim != 4 or w_arr.ndim != 4 or x_arr.shape[1] != w_arr.shape[1]:
        return None
    stride, padding, dilation = geometry
    try:
        g = conv_geometry(x_arr.shape[2:], w_arr.shape[2:], stride, padding, dilation)
    except ValueError:
        return None  # the method's own check reports it
    if g.dilation != (1, 1) or g.extra != (0, 0) or len({*g.stride}) > 1 or len({*g.padding}) > 1:
        return None
    arrays = [x_arr, w_arr] + ([] if bias is None else [as_float_array(bias, "bias")])
    dtype = np.result_type(*arrays)
    if dtype not in (np.float32, np.float64):
        return None
    (n, c, h, width), (k, _, kh, kw) = x_arr.shape, w_arr.shape
    return LayerShape(n, c, k, h, width, kh, kw, g.padding[0], g.stride[0], str(dtype))
