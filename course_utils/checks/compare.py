"""Compare a learner's value with the reference's, with tolerances, and say what differs.

Both values are first turned into plain data (:func:`course_utils.checks.plain.to_plain`), so
no method of the learner's objects is ever called while comparing. Floats are never compared
exactly: arrays match when ``|got - want| <= atol + rtol * |want|`` element-wise (NumPy's
``allclose`` rule) and NaNs sit in the same places. Integers, booleans and strings are compared
exactly. The functions here return ``None`` for a match, or a short plain-text reason that
describes *every* difference found (type, dtype, values; most useful first) without printing
the expected values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.checks.plain import DtypeName, Opaque, PlainError, TensorData, to_plain


def describe(value: Any) -> str:
    """A short description of a value's type, shape and dtype (never its contents)."""
    try:
        value = to_plain(value, allow_object=True)
    except PlainError:
        return type(value).__name__
    return _describe(value)


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"ndarray shape={value.shape} dtype={value.dtype}"
    if isinstance(value, TensorData):
        return f"Tensor shape={value.shape} dtype={value.dtype}"
    if isinstance(value, list | tuple):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, DtypeName):
        return f"the dtype {value.name}"
    if isinstance(value, np.generic):
        return f"NumPy scalar {value.dtype}"
    return type(value).__name__


def is_array(value: Any) -> bool:
    """An ndarray or a tensor (live or plain)."""
    if isinstance(value, np.ndarray | TensorData):
        return True
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, torch.Tensor)


def to_numpy(value: Any) -> np.ndarray:
    """A base-class NumPy copy of an array or tensor's values."""
    plain = to_plain(value)
    return plain.array if isinstance(plain, TensorData) else np.asarray(plain)


def value_difference(
    got: Any, want: Any, rtol: float = 1e-7, atol: float = 0.0, check_dtype: bool = True
) -> str | None:
    """Why ``got`` does not match ``want`` (arrays, numbers, tuples, anything plain)."""
    try:
        got = to_plain(got)
    except PlainError as error:
        return str(error)
    want = to_plain(want)
    return _difference(got, want, rtol, atol, check_dtype)


def _difference(got: Any, want: Any, rtol: float, atol: float, check_dtype: bool) -> str | None:
    if isinstance(want, np.ndarray | TensorData):
        return _array_difference(got, want, rtol, atol, check_dtype)
    if isinstance(want, bool | str | bytes | DtypeName):
        return None if type(got) is type(want) and got == want else _scalar_reason(got, want)
    if isinstance(want, int | np.integer):
        return _integer_difference(got, int(want))
    if isinstance(want, float | np.floating):
        return _real_difference(got, float(want), rtol, atol)
    if isinstance(want, tuple | list):
        return _sequence_difference(got, want, rtol, atol, check_dtype)
    if want is None:
        return None if got is None else f"returned {_describe(got)}; expected None"
    return None if type(got) is type(want) and got == want else "the value differs"


def _array_difference(
    got: Any, want: np.ndarray | TensorData, rtol: float, atol: float, check_dtype: bool
) -> str | None:
    want_tensor = isinstance(want, TensorData)
    kind = "a torch Tensor" if want_tensor else "a NumPy array"
    if not isinstance(got, np.ndarray | TensorData):
        return f"returned {_describe(got)}; expected {kind}"
    reasons: list[str] = []
    if isinstance(got, TensorData) != want_tensor:
        reasons.append(f"returned {_describe(got)}; expected {kind}")
    g = got.array if isinstance(got, TensorData) else got
    w = want.array if want_tensor else want
    if g.shape != w.shape:
        reasons.append(f"shape {g.shape}, expected shape {w.shape}")
        return "; ".join(reasons)
    got_dtype = got.dtype if isinstance(got, TensorData) else str(g.dtype)
    want_dtype = want.dtype if want_tensor else str(w.dtype)
    if check_dtype and got_dtype != want_dtype and not reasons:
        reasons.append(f"dtype {got_dtype}, expected dtype {want_dtype}")
    values = _values_difference(g, w, rtol, atol)
    if values:
        reasons.append(values)
    return "; ".join(reasons) or None


def _values_difference(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> str | None:
    if g.dtype.kind in "biuUS" or w.dtype.kind in "biuUS":
        if g.dtype.kind in "fc" and w.dtype.kind in "biu":
            return _float_difference(g.astype(np.float64), w.astype(np.float64), 0.0, 0.0)
        wrong = g != w
        if not wrong.any():
            return None
        return f"{int(wrong.sum())} of {w.size} entries differ (the first at {_first(wrong)})"
    if (g.dtype.kind == "c") != (w.dtype.kind == "c"):
        got_kind, want_kind = ("complex", "real") if g.dtype.kind == "c" else ("real", "complex")
        return f"{got_kind} values (dtype {g.dtype}), expected {want_kind} values"
    wide = np.complex128 if w.dtype.kind == "c" else np.float64
    return _float_difference(g.astype(wide), w.astype(wide), rtol, atol)


def _first(mask: np.ndarray) -> str:
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"index {index[0] if len(index) == 1 else index}"


def _float_difference(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> str | None:
    g_nan, w_nan = np.isnan(g), np.isnan(w)
    extra = g_nan & ~w_nan
    if extra.any():
        return (
            f"contains NaN at {int(extra.sum())} of {g.size} positions where a number is "
            f"expected (the first at {_first(extra)}): an overflow, 0/0 or inf - inf?"
        )
    g_inf = np.isinf(g)
    if g_inf.any() and not np.array_equal(g_inf, np.isinf(w)):
        return f"contains inf at {int(g_inf.sum())} positions (the first at {_first(g_inf)})"
    if w_nan.any() and not np.array_equal(g_nan, w_nan):
        missing = w_nan & ~g_nan
        return f"{int(missing.sum())} entries should be NaN (the first at {_first(missing)})"
    both = ~(g_nan | w_nan)
    err = np.where(both, np.abs(np.where(both, g, 0) - np.where(both, w, 0)), 0.0)
    with np.errstate(invalid="ignore"):
        bad = both & (err > atol + rtol * np.abs(np.where(both, w, 0)))
    if not bad.any():
        return None
    scale = float(np.abs(w[both]).max()) if both.any() else 0.0
    worst = float(err[bad].max())
    rel = worst / scale if scale > 0 else float("inf")
    return (
        f"{int(bad.sum())} of {g.size} entries are off (the first at {_first(bad)}): max abs "
        f"error {worst:.3g}, max error relative to the largest expected value {rel:.3g} "
        f"(tolerance: atol={atol:g}, rtol={rtol:g})"
    )


def _scalar_reason(got: Any, want: Any) -> str:
    if type(got) is not type(want):
        return f"returned {_describe(got)}; expected {type(want).__name__}"
    return "the value differs"


def _integer_difference(got: Any, want: int) -> str | None:
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        if isinstance(got, float | np.floating) and float(got).is_integer():
            return f"returned {_describe(got)} {float(got)!r}; expected an int (use // or int())"
        return f"returned {_describe(got)}; expected an int"
    if int(got) == want:
        return None
    direction = "too large" if int(got) > want else "too small"
    off = abs(int(got) - want)
    return f"the value is {direction}" + (" by exactly 1 (off by one?)" if off == 1 else "")


def _real_difference(got: Any, want: float, rtol: float, atol: float) -> str | None:
    if isinstance(got, bool) or not isinstance(got, int | float | np.floating | np.integer):
        return f"returned {_describe(got)}; expected a number"
    got = float(got)
    if np.isnan(got) and not np.isnan(want):
        return "the value is NaN"
    if abs(got - want) <= atol + rtol * abs(want) or (np.isnan(got) and np.isnan(want)):
        return None
    return "the value is too large" if got > want else "the value is too small"


def _sequence_difference(
    got: Any, want: tuple | list, rtol: float, atol: float, check_dtype: bool
) -> str | None:
    if not isinstance(got, tuple | list):
        return f"returned {_describe(got)}; expected a {type(want).__name__} of length {len(want)}"
    if len(got) != len(want):
        return f"returned {len(got)} items, expected {len(want)}"
    for index, (g, w) in enumerate(zip(got, want, strict=True)):
        reason = _difference(g, w, rtol, atol, check_dtype)
        if reason:
            return f"item {index}: {reason}"
    return None


def layout_diagnosis(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """Name a wrong array layout: the last two axes swapped (a transposed output, also when it
    is square or batched) or a shape off by one along some axis (the output-size formula)."""
    if not (is_array(got) and is_array(expected)):
        return None
    g, e = to_numpy(got), to_numpy(expected)
    if g.ndim == e.ndim >= 2 and g.shape == e.shape[:-2] + e.shape[-2:][::-1]:
        if value_difference(np.swapaxes(g, -1, -2), e, rtol, atol, check_dtype=False) is None:
            return "your output is the transpose of the expected one (rows and columns)."
    if g.ndim == e.ndim and g.shape != e.shape:
        if all(abs(a - b) <= 1 for a, b in zip(g.shape, e.shape, strict=True)):
            return (
                f"the output shape {g.shape} is off by one from the expected {e.shape}: "
                "check the output-size formula."
            )
    return None
