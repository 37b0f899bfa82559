"""A ``matmul`` that the checks hand to the learner's function, and that tags its result.

Exercises that ask for a convolution (or its gradient) "as one matrix product" give the
learner's function an argument ``matmul``. The learner calls it once for the whole product,
``matmul(A, B)``; it computes what ``np.matmul`` / ``torch.matmul`` computes and multiplies the
result of the first *whole-sized* product by ``1 + tag``, with a tag of about ``1e-6`` drawn per
case. The reference uses the same argument, so:

* a result computed with the given ``matmul`` -- in any layout: ``W @ X``, ``(X^T W^T)^T``, a
  batched product, a product over the batch flattened into the columns -- carries the tag
  exactly once, and every linear step after it (reshape, transpose, sum, ``fold``) keeps it;
* a result computed another way -- ``@``, ``np.einsum``, ``np.tensordot``, loops of dot products,
  ``F.conv2d``, autograd, the course's ready-made functions -- has no tag, and a loop of
  smaller products is untagged too (only a call whose result has the size of the whole product
  is tagged). Such a result differs from the reference by about ``1e-6`` relative, far above
  the ``1e-10`` tolerance, and equals the untagged reference, which a ``Mistake`` names.

The check judges only the values the learner's function returns, so this works wherever the
function runs. The tag is not a secret worth guarding: a learner who reads this file can fake
it, but cannot pass without writing the product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None  # type: ignore[assignment]

__all__ = ["TaggedMatmul", "draw_tag"]


def draw_tag(rng: np.random.Generator) -> float:
    """A tag in [1e-6, 2e-6): ten thousand times the checks' tolerance of 1e-10, and a
    million times the round-off of any float64 summation order."""
    return float(1e-6 * (1.0 + rng.random()))


class TaggedMatmul:
    """``matmul(a, b)`` as ``np.matmul`` (``backend="numpy"``) or ``torch.matmul``
    (``backend="torch"``); the first call whose result has one of ``whole_sizes`` entries
    returns that result times ``1 + tag``.

    Equality ignores whether the tag has been used, so the checks' "did your function change
    its inputs?" comparison does not count the call itself as a change.
    """

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

    def _key(self) -> tuple:
        return (self.whole_sizes, self.tag, self.backend)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaggedMatmul) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        plain = "torch.matmul" if self.backend == "torch" else "np.matmul"
        return f"<matmul of the check: {plain}, and it tags the whole product>"
