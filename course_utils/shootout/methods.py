"""The contenders of the shootout: the registry (:data:`METHODS`), when each applies, how it
is called. The course's methods, their rules and their memory models are those of the
convolution registry (:data:`course_utils.conv.CONV_METHODS`); torch's own conv2d joins them.

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

from course_utils.conv.registry import CONV_METHODS, WINOGRAD_TILE
from course_utils.conv.registry import LOOPS_MAX_MACS as LOOPS_MAX_MACS  # re-exported
from course_utils.conv.unfold import conv2d_unfold
from course_utils.conv.winograd import conv2d_winograd
from course_utils.shootout.problems import LayerShape

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


def _contender(name: str) -> Method:
    """The shootout's view of a method of :data:`course_utils.conv.CONV_METHODS`."""
    spec = CONV_METHODS[name]
    shown = f"{spec.path} (m={WINOGRAD_TILE})" if name == "winograd" else spec.path
    return Method(name, shown, spec.library, spec.rule)


#: The course's methods (from the convolution registry, in its order) and torch's own.
METHODS: dict[str, Method] = {
    **{name: _contender(name) for name in CONV_METHODS},
    "torch": Method("torch", "torch.nn.functional.conv2d", "PyTorch", "always"),
}
METHOD_NAMES: tuple[str, ...] = tuple(METHODS)
NUMPY_METHODS: tuple[str, ...] = tuple(n for n, m in METHODS.items() if m.library == "NumPy")


def _check_method(name: str) -> None:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHOD_NAMES)}")


def not_applicable_reason(shape: LayerShape, method: str) -> str | None:
    """Why ``method`` cannot (or should not) run on ``shape``; ``None`` when it applies
    (the rule of the convolution registry; torch always applies)."""
    _check_method(method)
    spec = CONV_METHODS.get(method)
    return None if spec is None else spec.not_applicable_reason(shape)


def applicable_methods(shape: LayerShape, methods: Iterable[str] = METHOD_NAMES) -> list[str]:
    """The methods (in registry order) that apply to ``shape``."""
    return [m for m in methods if not_applicable_reason(shape, m) is None]


def prepare_call(method: str, shape: LayerShape, x: np.ndarray, w: np.ndarray) -> Callable[[], Any]:
    """A zero-argument callable that runs ``method`` once on (x, w) -- the part that is timed.

    Only the torch tensors (sharing memory with x and w) are made here, outside the timed
    call. Every method gets the raw weights: Winograd's filter transform is part of its call
    (its cache reuses the transform only while the weights are unchanged, as a layer's are
    between calls). Raises ``ValueError`` when the method does not apply.
    """
    reason = not_applicable_reason(shape, method)
    if reason is not None:
        raise ValueError(f"{method} does not apply to {shape.label}: {reason}")
    geometry = {"stride": shape.stride, "padding": shape.padding}
    if method in ("loops", "direct", "fft", "im2col"):
        return partial(CONV_METHODS[method].function, x, w, **geometry)
    if method == "winograd":
        return partial(conv2d_winograd, x, w, padding=shape.padding, m=WINOGRAD_TILE)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    if method == "unfold":
        return partial(conv2d_unfold, tx, tw, **geometry)
    return partial(F.conv2d, tx, tw, **geometry)


def run_method(method: str, shape: LayerShape, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The output (N, K, Ho, Wo) of ``method`` on (x, w) as a NumPy array."""
    with torch.no_grad():
        out = prepare_call(method, shape, x, w)()
    return out.numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
