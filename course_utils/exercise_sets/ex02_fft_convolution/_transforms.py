"""Tolerances and the check's transform pairs (NumPy's transforms scaled by a constant),
shared by q1-q3; see the package's docstring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.checks import Case, Mistake
from course_utils.checks.instruments import ScaledTransform

RTOL, ATOL = 1e-7, 1e-9  # float64 FFT round-off is ~1e-14 here; see the package's docstring


# -- the check's transform pairs --------------------------------------------------------------

# Never 1 (the plain convolution would pass), spread over an order of magnitude either way.
_SCALES = (2.5, 0.4, 3.0, 0.5, 1.75, 0.3, 4.0, 0.6, 1.5, 2.25, 0.7, 3.5)


def _pair(forward: str, inverse: str, index: int) -> dict[str, ScaledTransform]:
    scale = _SCALES[index % len(_SCALES)]
    return {forward: ScaledTransform(forward, scale), inverse: ScaledTransform(inverse, 1 / scale)}


def _scale(transform: Any) -> float:
    return transform.scale if isinstance(transform, ScaledTransform) else 1.0


def _gain(forward: Any, inverse: Any) -> float:
    """What the convolution theorem with this pair multiplies the convolution by."""
    return _scale(forward) ** 2 * _scale(inverse)


def _with_transforms(cases: list[Case], forward: str, inverse: str) -> list[Case]:
    """Every case, with the check's transform pair added as keyword arguments."""
    out = []
    for index, case in enumerate(cases):
        pair = _pair(forward, inverse, index)
        label = f"{case.label}; the check's {forward}/{inverse} (scale {pair[forward].scale:g})"
        out.append(Case(case.args, {**case.kwargs, **pair}, label=label))
    return out


_NOT_FROM_TRANSFORMS = (
    "the result is not built from the transforms passed to your function. The check passes its "
    "own `{f}` and `{i}` (NumPy's, scaled by a constant): compute the spectra with `{f}`, "
    "multiply them, and go back with `{i}`; np.fft itself, np.convolve, scipy.signal or a "
    "direct sum give numbers off by that constant."
)
_INVERSE_NOT_GIVEN = (
    "the spectra come from the `{f}` passed to your function, but the way back does not: use "
    "the `{i}` argument for the inverse transform too."
)
_FORWARD_NOT_GIVEN = (
    "the inverse is the `{i}` passed to your function, but the spectra are not from its `{f}`: "
    "transform x and w with the `{f}` argument."
)


def _transform_mistakes(
    direct: Callable[..., np.ndarray], forward: str, inverse: str
) -> list[Mistake]:
    """The three ways of not using the given pair: neither side, only the forward, only the
    inverse (``direct`` computes the plain convolution from the case's arrays)."""

    def plain(*args: Any, **kwargs: Any) -> np.ndarray:
        return direct(*args)

    def forward_only(*args: Any, **kwargs: Any) -> np.ndarray:
        return _scale(kwargs.get(forward)) ** 2 * direct(*args)

    def inverse_only(*args: Any, **kwargs: Any) -> np.ndarray:
        return _scale(kwargs.get(inverse)) * direct(*args)

    names = {"f": forward, "i": inverse}
    return [
        Mistake(_NOT_FROM_TRANSFORMS.format(**names), plain),
        Mistake(_INVERSE_NOT_GIVEN.format(**names), forward_only),
        Mistake(_FORWARD_NOT_GIVEN.format(**names), inverse_only),
    ]
