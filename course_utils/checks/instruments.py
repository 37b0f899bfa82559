"""Instruments the checks hand to a learner's function, rebuilt wherever the function runs.

:class:`TaggedMatmul` -- for exercises that ask for a computation "as one matrix product": the
learner's function receives ``matmul`` and must use it for the product. It computes what
``np.matmul`` / ``torch.matmul`` computes and multiplies the result of the first call of the
whole product's size by ``1 + tag`` (a tag of about 1e-6, drawn per case). The reference uses
the same argument, so a result computed with it carries the tag exactly once (every linear step
after it keeps it), and a result computed another way (``@``, ``einsum``, loops of dot products,
``F.conv2d``) has no tag: it differs from the reference by about 1e-6 relative, far above the
checks' 1e-10 tolerance. The check judges only the values the function returns, so this works in
the notebook and in the grader's sandbox alike. The tag is no secret: a learner who reads this
file can fake it, but cannot pass without writing the product.

:class:`ScaledTransform` -- for exercises that ask for the FFT method: ``scale`` times NumPy's
``np.fft.<name>``. A forward transform scaled by ``c`` and its inverse by ``1 / c`` are still a
transform pair, and the convolution theorem with them gives ``c`` times the convolution, so a
result computed without the transforms handed in (a direct sum, ``np.convolve``, ``np.fft``
itself) is off by that factor.

Instruments are plain data (:class:`course_utils.checks.plain.Recipe`): ``__plain_recipe__``
describes one, and the registered factory rebuilds it in the sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.checks.plain import register_recipe

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]

__all__ = ["ScaledTransform", "TaggedMatmul", "draw_tag"]


def draw_tag(rng: np.random.Generator) -> float:
    """A tag in [1e-6, 2e-6): ten thousand times the checks' tolerance of 1e-10, and a
    million times the round-off of any float64 summation order."""
    return float(1e-6 * (1.0 + rng.random()))


class TaggedMatmul:
    """``matmul(a, b)`` as ``np.matmul`` (``backend="numpy"``) or ``torch.matmul``
    (``backend="torch"``); the first call whose result has one of ``whole_sizes`` entries
    returns that result times ``1 + tag``. Equality ignores whether the tag has been used."""

    def __init__(self, whole_sizes: Sequence[int], tag: float, backend: str = "numpy") -> None:
        if backend not in ("numpy", "torch"):
            raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
        self.whole_sizes = tuple(int(size) for size in whole_sizes)
        self.tag = float(tag)
        self.backend = backend
        self.tagged = False

    def __call__(self, a: Any, b: Any) -> Any:
        if self.backend == "torch":
            product = torch.matmul(a, b)
            size = product.numel()
        else:
            product = np.matmul(a, b)
            size = int(np.size(product))
        if self.tagged or size not in self.whole_sizes:
            return product
        self.tagged = True
        return product * (1.0 + self.tag)

    def __repr__(self) -> str:
        return "<the check's matmul>"

    def _key(self) -> tuple:
        return (self.whole_sizes, self.tag, self.backend)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaggedMatmul) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __plain_recipe__(self) -> tuple[str, dict[str, Any]]:
        return "tagged_matmul", {
            "whole_sizes": self.whole_sizes,
            "tag": self.tag,
            "backend": self.backend,
        }


register_recipe("tagged_matmul", TaggedMatmul)


# -- transforms for the FFT exercises ---------------------------------------------------

_TRANSFORMS = ("fft", "ifft", "rfft", "irfft", "rfft2", "irfft2")


@dataclass(frozen=True)
class ScaledTransform:
    """``scale`` times NumPy's ``np.fft.<name>``: the transform a check hands to the learner.

    A forward transform scaled by ``c`` and its inverse scaled by ``1 / c`` are still a
    transform pair; the convolution theorem with them gives ``c`` times the convolution.
    """

    name: str
    scale: float

    def __post_init__(self) -> None:
        if self.name not in _TRANSFORMS:
            raise ValueError(f"unknown transform {self.name!r}")

    def __call__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        return self.scale * getattr(np.fft, self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<np.fft.{self.name} of the check, scaled by {self.scale:g}>"

    def __plain_recipe__(self) -> tuple[str, dict[str, Any]]:
        """How the classroom grader rebuilds this transform in the learner's process."""
        return "scaled_fft", {"name": self.name, "scale": self.scale}


register_recipe("scaled_fft", ScaledTransform)
