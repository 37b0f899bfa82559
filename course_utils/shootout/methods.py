"""The contenders of the shootout: the registry (:data:`METHODS`), when each applies, how it
is called.

Every method computes ``torch.nn.functional.conv2d``'s cross-correlation of x (N, C, H, W)
and w (K, C, kh, kw) into (N, K, Ho, Wo); one that does not apply to a problem has a reason
(:func:`not_applicable_reason`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.conv import (
    conv2d_direct,
    conv2d_fft,
    conv2d_im2col,
    conv2d_loops,
)
from course_utils.conv.unfold import conv2d_unfold
from course_utils.conv.winograd import conv2d_winograd, transform_filters
from course_utils.shootout.problems import LayerShape

#: conv2d_loops runs about a million multiply-adds per second: above this many it is "n/a".
LOOPS_MAX_MACS = 100_000
#: Winograd output tile: F(4x4, 3x3), the variant Lavin & Gray recommend for 3x3 layers.
WINOGRAD_TILE = 4


# ---------------------------------------------------------------------------------------
# The contenders
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """One contender.

    Attributes:
    - name: short key (``"direct"``, ``"winograd"``, ...).
    - function: the function's import path, for display.
    - library: ``"NumPy"`` or ``"PyTorch"``.
    - rule: when it applies, in words.
    """

    name: str
    function: str
    library: str
    rule: str


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "loops",
            "course_utils.conv.conv2d_loops",
            "NumPy",
            f"at most {LOOPS_MAX_MACS:,} multiply-adds",
        ),
        Method("direct", "course_utils.conv.conv2d_direct", "NumPy", "always"),
        Method("fft", "course_utils.conv.conv2d_fft", "NumPy", "always"),
        Method("im2col", "course_utils.conv.conv2d_im2col", "NumPy", "always"),
        Method("unfold", "course_utils.conv.unfold.conv2d_unfold", "PyTorch", "always"),
        Method(
            "winograd",
            f"course_utils.conv.winograd.conv2d_winograd (m={WINOGRAD_TILE})",
            "NumPy",
            "3x3 kernel and stride 1",
        ),
        Method("torch", "torch.nn.functional.conv2d", "PyTorch", "always"),
    )
}
METHOD_NAMES: tuple[str, ...] = tuple(METHODS)
NUMPY_METHODS: tuple[str, ...] = tuple(n for n, m in METHODS.items() if m.library == "NumPy")


def _check_method(name: str) -> None:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHOD_NAMES)}")


def not_applicable_reason(shape: LayerShape, method: str) -> str | None:
    """Why ``method`` cannot (or should not) run on ``shape``; ``None`` when it applies."""
    _check_method(method)
    if method == "loops" and shape.macs > LOOPS_MAX_MACS:
        return f"too slow: {shape.macs:,} multiply-adds > {LOOPS_MAX_MACS:,}"
    if method == "winograd":
        if (shape.kh, shape.kw) != (3, 3):
            return f"F(4x4, 3x3) needs a 3x3 kernel, got {shape.kh}x{shape.kw}"
        if shape.stride != 1:
            return f"Winograd tiles need stride 1, got {shape.stride}"
    return None


def applicable_methods(shape: LayerShape, methods: Iterable[str] = METHOD_NAMES) -> list[str]:
    """The methods (in registry order) that apply to ``shape``."""
    return [m for m in methods if not_applicable_reason(shape, m) is None]


def prepare_call(method: str, shape: LayerShape, x: np.ndarray, w: np.ndarray) -> Callable[[], Any]:
    """A zero-argument callable that runs ``method`` once on (x, w) -- the part that is timed.

    Set-up that a real layer does once is done here, outside the timed call: torch tensors
    are created (sharing memory with x and w), Winograd's filters are transformed with
    :func:`transform_filters`. Raises ``ValueError`` when the method does not apply.
    """
    reason = not_applicable_reason(shape, method)
    if reason is not None:
        raise ValueError(f"{method} does not apply to {shape.label}: {reason}")
    geometry = {"stride": shape.stride, "padding": shape.padding}
    numpy_functions = {
        "loops": conv2d_loops,
        "direct": conv2d_direct,
        "fft": conv2d_fft,
        "im2col": conv2d_im2col,
    }
    if method in numpy_functions:
        return partial(numpy_functions[method], x, w, **geometry)
    if method == "winograd":
        filters = transform_filters(w, WINOGRAD_TILE, dtype=x.dtype)
        return partial(conv2d_winograd, x, filters, padding=shape.padding)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    if method == "unfold":
        return partial(conv2d_unfold, tx, tw, **geometry)
    return partial(F.conv2d, tx, tw, **geometry)


def run_method(method: str, shape: LayerShape, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The output (N, K, Ho, Wo) of ``method`` on (x, w) as a NumPy array."""
    with torch.no_grad():
        out = prepare_call(method, shape, x, w)()
    return out.numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
