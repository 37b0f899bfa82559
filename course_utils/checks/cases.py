"""Case builders: an exercise's inputs declared in a few lines.

A function exercise is checked on *cases* (:class:`Case`, defined here with :class:`Mistake`, a
typical wrong answer computed from a case's inputs). Most
exercises need the same kinds: seeded random arrays of stated shapes and dtype, a fixed worked
example, the edge shapes (a 1×1 image, a kernel as large as the image, one row, one column,
non-square shapes) and a few random shapes. :class:`Cases` builds them and writes each case's
label from its arguments, so an exercise-set module says only *which* inputs::

    def _cases() -> list[Case]:
        cases = Cases(seed=101, names=("x", "w"))
        cases.add(np.arange(20.0).reshape(4, 5), np.array([[1.0, 2.0], [3.0, 5.0]]))
        cases.add((7, 9), (3, 2), note="non-square image and kernel")
        cases.add((8, 8), (3, 3), stride=2)
        cases.add_edges(IMAGE_KERNEL_EDGES)
        cases.add_random(3, lambda rng: random_image_kernel(rng, max_side=9))
        return cases.build()

Rules for an argument given to :meth:`Cases.add`: a tuple of ints is a *shape* (a seeded
random array of the builder's dtype and backend is drawn); an array or tensor is used as it
is; :func:`keep` marks a tuple that is a value, not a shape (e.g. ``kernel_size=(3, 3)``);
anything else (ints, strings, functions, instruments) is passed unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_utils.checks.compare import describe, is_array


@dataclass(frozen=True)
class Case:
    """One input for a function exercise.

    Attributes:
        args, kwargs: passed to both the learner's function and the reference.
        label: how the case is described to the learner, e.g. ``"x (5, 5), w (3, 3), stride=2"``.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        parts = [describe(a) if is_array(a) else repr(a) for a in self.args]
        parts += [f"{k}={describe(v) if is_array(v) else repr(v)}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``wrong`` computes it from the same inputs (or is the value)."""

    message: str
    wrong: Any


def _input_bytes(args: tuple, kwargs: dict) -> int:
    """Bytes of the arrays among a case's arguments (to find the largest case)."""
    values = [*args, *kwargs.values()]
    return sum(int(v.nbytes) for v in values if is_array(v) and not isinstance(v, type))


def _compute_mistake(mistake: Mistake, case: Case) -> Any:
    if not callable(mistake.wrong):
        return mistake.wrong
    try:
        return mistake.wrong(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    except Exception:  # noqa: BLE001 - a mistake that does not apply to this case
        return None


try:
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class keep:  # noqa: N801 - used like a function: keep((3, 3))
    """An argument that looks like a shape but is a value (passed unchanged)."""

    value: Any


@dataclass(frozen=True)
class Edge:
    """One edge case of an exercise family: its argument shapes (or values) and why it is one."""

    args: tuple
    note: str
    kwargs: tuple[tuple[str, Any], ...] = ()


#: Image/kernel pairs (H, W) x (kh, kw) that break code written for the examples only.
IMAGE_KERNEL_EDGES: tuple[Edge, ...] = (
    Edge(((5, 7), (2, 3)), "non-square image and kernel"),
    Edge(((1, 1), (1, 1)), "1×1 image and kernel"),
    Edge(((4, 6), (4, 6)), "kernel as large as the image"),
    Edge(((1, 12), (1, 4)), "one row"),
    Edge(((10, 1), (3, 1)), "one column"),
    Edge(((6, 4), (1, 1)), "1×1 kernel"),
)


def is_shape(value: Any) -> bool:
    """True for a tuple of non-negative ints (not bools): what :meth:`Cases.add` draws."""
    return (
        isinstance(value, tuple)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
        and len(value) > 0
    )


def random_array(
    rng: np.random.Generator,
    shape: Shape,
    dtype: Any = np.float64,
    *,
    low: float | None = None,
    high: float | None = None,
) -> np.ndarray:
    """A seeded random NumPy array: standard normal floats (uniform in [low, high) when both
    are given), or integers in [low, high) (default [-9, 10)) for an integer dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        lo = -9 if low is None else int(low)
        hi = 10 if high is None else int(high)
        return rng.integers(lo, hi, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if low is not None and high is not None:
        values = rng.uniform(low, high, size=shape)
    else:
        values = rng.standard_normal(shape)
    if dtype.kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    return values.astype(dtype)


def random_tensor(
    rng: np.random.Generator,
    shape: Shape,
    dtype: Any = None,
    *,
    low: float | None = None,
    high: float | None = None,
) -> Any:
    """:func:`random_array` as a torch tensor (default dtype float32), drawn from the same
    NumPy generator so one seed fixes every case."""
    if torch is None:  # pragma: no cover
        raise RuntimeError("torch is not installed")
    dtype = torch.float32 if dtype is None else dtype
    numpy_dtype = torch.empty((), dtype=dtype).numpy().dtype
    return torch.from_numpy(random_array(rng, shape, numpy_dtype, low=low, high=high).copy())


def random_image_kernel(
    rng: np.random.Generator, *, min_side: int = 2, max_side: int = 9
) -> tuple[Shape, Shape]:
    """A random image shape (H, W) and a kernel shape that fits in it."""
    h, w = (int(v) for v in rng.integers(min_side, max_side + 1, size=2))
    return (h, w), (int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1)))


class Cases:
    """Builds a list of :class:`Case` from shapes, values and notes (see the module's doc).

    Args:
        seed: seeds the one generator every random array is drawn from (in order of ``add``).
        names: how positional arguments are named in labels (``("x", "w")``); extra ones are
            called ``arg3``, ...
        dtype: dtype of drawn arrays (NumPy dtype, or torch dtype with ``backend="torch"``).
        backend: ``"numpy"`` or ``"torch"``.
        low, high: draw uniform values in [low, high) instead of standard normal ones.
    """

    def __init__(
        self,
        seed: int,
        names: Sequence[str] = (),
        *,
        dtype: Any = None,
        backend: str = "numpy",
        low: float | None = None,
        high: float | None = None,
    ) -> None:
        if backend not in ("numpy", "torch"):
            raise ValueError(f"backend must be 'numpy' or 'torch', not {backend!r}")
        self.rng = np.random.default_rng(seed)
        self.names = tuple(names)
        self.backend = backend
        self.dtype = dtype
        self.low, self.high = low, high
        self._cases: list[Case] = []

    # -- drawing ------------------------------------------------------------------------------
    def draw(self, shape: Shape, dtype: Any = None) -> Any:
        """A random array (or tensor) of ``shape`` from this builder's generator."""
        dtype = self.dtype if dtype is None else dtype
        if self.backend == "torch":
            return random_tensor(self.rng, shape, dtype, low=self.low, high=self.high)
        return random_array(
            self.rng, shape, np.float64 if dtype is None else dtype, low=self.low, high=self.high
        )

    def _value(self, arg: Any, dtype: Any) -> Any:
        if isinstance(arg, keep):
            return arg.value
        if is_shape(arg):
            return self.draw(arg, dtype)
        return arg

    # -- adding -------------------------------------------------------------------------------
    def add(self, *args: Any, note: str = "", label: str = "", dtype: Any = None, **kwargs: Any):
        """One case; shapes become random arrays (of ``dtype`` when given). ``label`` replaces
        the generated label; ``note`` is appended to it in parentheses. Returns the case."""
        values = tuple(self._value(a, dtype) for a in args)
        kw = {name: self._value(v, dtype) for name, v in kwargs.items()}
        case = Case(values, kw, label or self.label(values, kw, note))
        self._cases.append(case)
        return case

    def add_edges(self, edges: Iterable[Edge], dtype: Any = None, **kwargs: Any) -> None:
        """The edge cases ``edges`` (each with its note), with extra keyword arguments."""
        for edge in edges:
            self.add(*edge.args, note=edge.note, dtype=dtype, **dict(edge.kwargs), **kwargs)

    def add_random(
        self,
        count: int,
        shapes: Callable[[np.random.Generator], tuple],
        note: str = "random shapes",
        **kwargs: Any,
    ) -> None:
        """``count`` cases whose argument shapes ``shapes(rng)`` draws from the generator
        (a returned dict at the end is taken as keyword arguments)."""
        for _ in range(count):
            drawn = tuple(shapes(self.rng))
            extra = dict(kwargs)
            if drawn and isinstance(drawn[-1], dict):
                extra.update(drawn[-1])
                drawn = drawn[:-1]
            self.add(*drawn, note=note, **extra)

    def extend(self, cases: Iterable[Case]) -> None:
        """Hand-made cases, kept in order with the built ones."""
        self._cases.extend(cases)

    def build(self) -> list[Case]:
        return list(self._cases)

    # -- labels -------------------------------------------------------------------------------
    def name_of(self, index: int) -> str:
        return self.names[index] if index < len(self.names) else f"arg{index + 1}"

    def label(self, args: tuple, kwargs: dict, note: str = "") -> str:
        parts = [f"{self.name_of(i)} {_short(a)}" for i, a in enumerate(args)]
        parts += [f"{name}={_short(v)}" for name, v in kwargs.items()]
        text = ", ".join(parts)
        return f"{text} ({note})" if note else text


def _short(value: Any) -> str:
    """An argument in a label: an array by its shape (and dtype if not float64), else repr."""
    if is_array(value):
        shape = tuple(int(s) for s in value.shape)
        dtype = str(value.dtype).replace("torch.", "")
        kind = "tensor " if torch is not None and isinstance(value, torch.Tensor) else ""
        extra = "" if dtype in ("float64",) else f" {dtype}"
        return f"{kind}{shape}{extra}"
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    text = repr(value)
    return text if len(text) <= 40 else describe(value)


__all__ = [
    "IMAGE_KERNEL_EDGES",
    "Case",
    "Cases",
    "Edge",
    "Mistake",
    "is_shape",
    "keep",
    "random_array",
    "random_image_kernel",
    "random_tensor",
]
