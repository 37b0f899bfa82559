"""Compare a learner's value with the reference's, with tolerances, and say what differs.

Floats are never compared exactly: arrays match when ``|got - want| <= atol + rtol * |want|``
element-wise (NumPy's ``allclose`` rule) and NaNs sit in the same places. Integers, booleans and
strings are compared exactly. The functions here return ``None`` for a match, or a short plain-text
reason that describes the difference without printing the expected values.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

try:  # torch is a course dependency, but the engine works without it
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]


def describe(value: Any) -> str:
    """A short description of a value's type, shape and dtype (never its contents)."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"ndarray shape={value.shape} dtype={value.dtype}"
    if torch is not None and isinstance(value, torch.Tensor):
        return f"Tensor shape={tuple(value.shape)} dtype={value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of length {len(value)}"
    return type(value).__name__


def is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (torch is not None and isinstance(value, torch.Tensor))


def to_numpy(value: Any) -> np.ndarray:
    """NumPy view of an array or tensor (detached, on the CPU)."""
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def array_difference(
    got: Any, want: Any, rtol: float, atol: float, check_dtype: bool = True
) -> str | None:
    """Why ``got`` does not match the array ``want``, or ``None`` if it does."""
    if not is_array(got):
        kind = "a torch Tensor" if not isinstance(want, np.ndarray) else "a NumPy array"
        return f"returned {describe(got)}; expected {kind}"
    if isinstance(want, np.ndarray) and not isinstance(got, np.ndarray):
        return f"returned {describe(got)}; expected a NumPy array"
    if not isinstance(want, np.ndarray) and isinstance(got, np.ndarray):
        return f"returned {describe(got)}; expected a torch Tensor"
    g, w = to_numpy(got), to_numpy(want)
    if g.shape != w.shape:
        return f"shape {g.shape}, expected shape {w.shape}"
    if check_dtype and g.dtype != w.dtype:
        return f"dtype {g.dtype}, expected dtype {w.dtype}"
    if g.dtype.kind in "biuUSO" or w.dtype.kind in "biuUSO":
        wrong = int(np.count_nonzero(g != w))
        return None if wrong == 0 else f"{wrong} of {w.size} entries differ"
    if (g.dtype.kind == "c") != (w.dtype.kind == "c"):
        got_kind, want_kind = ("complex", "real") if g.dtype.kind == "c" else ("real", "complex")
        return f"{got_kind} values (dtype {g.dtype}), expected {want_kind} values"
    wide = np.complex128 if w.dtype.kind == "c" else np.float64
    return _float_difference(g.astype(wide), w.astype(wide), rtol, atol)


def _float_difference(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> str | None:
    g_nan, w_nan = np.isnan(g), np.isnan(w)
    if g_nan.any() and not np.array_equal(g_nan, w_nan):
        return f"contains NaN at {int(g_nan.sum())} of {g.size} positions"
    if np.isinf(g).any() and not np.array_equal(np.isinf(g), np.isinf(w)):
        return f"contains inf at {int(np.isinf(g).sum())} positions"
    both = ~(g_nan | w_nan)
    err = np.abs(g[both] - w[both])
    bad = err > atol + rtol * np.abs(w[both])
    if not bad.any():
        return None
    scale = float(np.abs(w[both]).max()) if both.any() else 0.0
    rel = float(err.max()) / scale if scale > 0 else float("inf")
    return (
        f"{int(bad.sum())} of {g.size} entries are off: max abs error {float(err.max()):.3g}, "
        f"max error relative to the largest expected value {rel:.3g} "
        f"(tolerance: atol={atol:g}, rtol={rtol:g})"
    )


def value_difference(
    got: Any, want: Any, rtol: float = 1e-7, atol: float = 0.0, check_dtype: bool = True
) -> str | None:
    """Why ``got`` does not match ``want`` (arrays, numbers, tuples, anything ``==``-comparable)."""
    if is_array(want):
        return array_difference(got, want, rtol, atol, check_dtype)
    if isinstance(want, bool) or isinstance(want, (str, bytes)):
        return None if type(got) is type(want) and got == want else _scalar_reason(got, want)
    if isinstance(want, numbers.Integral):
        return _integer_difference(got, want)
    if isinstance(want, numbers.Real):
        return _real_difference(got, float(want), rtol, atol)
    if isinstance(want, (tuple, list)):
        return _sequence_difference(got, want, rtol, atol, check_dtype)
    try:
        equal = bool(got == want)
    except Exception:  # noqa: BLE001 - a hostile __eq__ must not crash the check
        equal = False
    return None if equal else "the value differs"


def _scalar_reason(got: Any, want: Any) -> str:
    if type(got) is not type(want):
        return f"returned {describe(got)}; expected {type(want).__name__}"
    return "the value differs"


def _integer_difference(got: Any, want: int) -> str | None:
    if isinstance(got, bool) or not isinstance(got, (numbers.Integral, np.integer)):
        if isinstance(got, numbers.Real) and float(got).is_integer():
            return f"returned {describe(got)} {got!r}; expected an int (use // or int())"
        return f"returned {describe(got)}; expected an int"
    if int(got) == want:
        return None
    direction = "too large" if int(got) > want else "too small"
    off = abs(int(got) - want)
    return f"the value is {direction}" + (" by exactly 1 (off by one?)" if off == 1 else "")


def _real_difference(got: Any, want: float, rtol: float, atol: float) -> str | None:
    if isinstance(got, bool) or not isinstance(got, (numbers.Real, np.floating, np.integer)):
        return f"returned {describe(got)}; expected a number"
    got = float(got)
    if np.isnan(got) and not np.isnan(want):
        return "the value is NaN"
    if abs(got - want) <= atol + rtol * abs(want) or (np.isnan(got) and np.isnan(want)):
        return None
    return "the value is too large" if got > want else "the value is too small"


def _sequence_difference(
    got: Any, want: tuple | list, rtol: float, atol: float, check_dtype: bool
) -> str | None:
    if not isinstance(got, (tuple, list)):
        return f"returned {describe(got)}; expected a {type(want).__name__} of length {len(want)}"
    if len(got) != len(want):
        return f"returned {len(got)} items, expected {len(want)}"
    for index, (g, w) in enumerate(zip(got, want, strict=True)):
        reason = value_difference(g, w, rtol, atol, check_dtype)
        if reason:
            return f"item {index}: {reason}"
    return None
