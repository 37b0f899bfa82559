"""What the planner can choose: a :class:`Candidate` (a method and its options) and, per
method, the knobs it searches (:func:`search_axes`).

A candidate is a value: ``Candidate("winograd", (("m", 6), ("workers", 2)))`` runs
``conv2d_winograd(x, w, ..., m=6, workers=2)``; options it does not name keep the
method's defaults. The knobs of a method are searched one after the other, each from the
best setting found so far (coordinate descent, as autotuners do when the full product of
the settings is too large to time):

============  ==========================================================================
method        knobs, in search order
============  ==========================================================================
direct        none
fft           workers (1 or every thread)
im2col        batch_chunk (automatic, 1, 2, 4, N images per patch matrix), engine
winograd      m (4, 6, 2, 5, 3), workers (1: the BLAS threads share each product; T: T
              threads run batch chunks or share the products), chunk_bytes, engine,
              orientation (V @ U^T or U @ V^T)
============  ==========================================================================

``engine`` is the GEMM library (:mod:`course_utils.conv.gemm`): NumPy, torch on shared
memory, or SciPy's BLAS, whichever are installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from course_utils.conv.gemm import available_engines
from course_utils.conv.layers import LayerShape
from course_utils.conv.registry import CONV_METHODS
from course_utils.conv.winograd import GEMM_ORIENTATIONS

__all__ = [
    "PLANNED_METHODS",
    "Candidate",
    "default_candidate",
    "every_candidate",
    "format_option",
    "search_axes",
]

#: The methods the planner times, in the order it looks at them ("loops" is a reference
#: too slow to plan with, "unfold" is PyTorch's own unfold: neither is a candidate).
PLANNED_METHODS = ("winograd", "im2col", "direct", "fft")

_MiB = 2**20


@dataclass(frozen=True)
class Candidate:
    """One configuration the planner can choose: a method of :data:`CONV_METHODS` and the
    options it passes (pairs ``(name, value)``, sorted by name)."""

    method: str
    options: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.method not in CONV_METHODS:
            raise ValueError(f"unknown method {self.method!r}")
        unknown = sorted({k for k, _ in self.options} - set(CONV_METHODS[self.method].options))
        if unknown:
            raise ValueError(f"method {self.method!r} has no option {unknown[0]!r}")
        object.__setattr__(self, "options", tuple(sorted(self.options)))

    @property
    def kwargs(self) -> dict[str, Any]:
        """The options as keyword arguments."""
        return dict(self.options)

    def with_option(self, name: str, value: Any) -> Candidate:
        """The same candidate with option ``name`` set to ``value``."""
        return Candidate(self.method, (*((k, v) for k, v in self.options if k != name),
                                       (name, value)))  # fmt: skip

    @property
    def label(self) -> str:
        """``"winograd m=6 workers=2"``: the method and the options it sets."""
        parts = [self.method] + [format_option(k, v) for k, v in self.options]
        return " ".join(parts)

    def run(self, x: Any, w: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
            dilation: Any = 1) -> Any:  # fmt: skip
        """The method's function on these operands with this candidate's options."""
        function = CONV_METHODS[self.method].function
        return function(x, w, bias, stride, padding, dilation, **self.kwargs)

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "options": dict(self.options)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Candidate:
        return cls(data["method"], tuple(data.get("options", {}).items()))


def format_option(name: str, value: Any) -> str:
    """``"m=6"``; byte counts in whole MiB as ``"chunk_bytes=16MiB"``."""
    if isinstance(value, int) and value >= _MiB and value % _MiB == 0:
        return f"{name}={value // _MiB}MiB"
    return f"{name}={value}"


def search_axes(method: str, layer: LayerShape, threads: int) -> list[tuple[str, list[Any]]]:
    """The knobs of ``method`` for ``layer`` with ``threads`` threads, in search order:
    ``[(option, values), ...]``; the method's default setting is among the values."""
    engines = list(available_engines())
    workers = _unique([1, threads])
    if method == "winograd":
        return [
            ("m", [4, 6, 2, 5, 3]),
            ("workers", _unique([threads, 1])),
            ("chunk_bytes", [4 * _MiB, 1 * _MiB, 16 * _MiB, 64 * _MiB]),
            ("engine", engines),
            ("orientation", list(GEMM_ORIENTATIONS)),
        ]
    if method == "im2col":
        chunks = _unique([None, *(c for c in (1, 2, 4) if c < layer.N), layer.N])
        return [("batch_chunk", chunks), ("engine", engines)]
    if method == "fft":
        return [("workers", workers)]
    return []


def default_candidate(method: str, layer: LayerShape, threads: int) -> Candidate:
    """``method`` with the first value of each of its knobs (its defaults)."""
    axes = search_axes(method, layer, threads)
    return Candidate(method, tuple((name, values[0]) for name, values in axes))


def every_candidate(method: str, layer: LayerShape, threads: int) -> list[Candidate]:
    """Every setting of ``method``'s knobs for ``layer``: the product of the values of
    :func:`search_axes` (the search reaches some of them; it can choose any)."""
    axes = search_axes(method, layer, threads)
    names = [name for name, _ in axes]
    settings = itertools.product(*(values for _, values in axes))
    return [Candidate(method, tuple(zip(names, values, strict=True))) for values in settings]


def _unique(values: Sequence[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
