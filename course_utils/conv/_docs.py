"""The convolution contract as every method's docstring states it, written once.

Each method of :mod:`course_utils.conv` takes ``(x, w, bias=None, stride=1, padding=0,
dilation=1, **options)`` and checks it in one place (:func:`._validate.normalize_conv_args`).
Its docstring says so with two marker lines that :func:`with_contract` fills in::

    Inputs:
    {contract_inputs}
    - workers: ... (the method's own options follow)

    {contract_returns}
    The dtype is ...

so ``help(conv2d_fft)`` shows the whole contract and the text lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["CONTRACT_INPUTS", "CONTRACT_RETURNS", "with_contract"]

Function = TypeVar("Function", bound=Callable[..., object])

#: The arguments every method accepts.
CONTRACT_INPUTS = """\
- x: input of shape (N, C, H, W), (C, H, W), or (H, W) for one single-channel image.
- w: weights of shape (K, C, kh, kw), or (kh, kw) when ``x`` is 2-D.
- bias (or its former name b): optional bias of shape (K,) (a scalar or shape (1,)
  for 2-D inputs).
- stride, padding, dilation: int or pair ``(vertical, horizontal)``; stride and
  dilation >= 1, padding >= 0 (zeros on both sides), ``"valid"`` or ``"same"``
  (stride 1, as in torch).
- groups: 1 only (``course_utils.conv.conv2d`` runs grouped convolutions)."""

#: The output every method returns.
CONTRACT_RETURNS = """\
Returns ``out`` of shape (N, K, Ho, Wo) ((K, Ho, Wo) or (Ho, Wo) for 3-D or 2-D x), where
``Ho = floor((H + 2*ph - dh*(kh - 1) - 1) / sh) + 1`` (same for ``Wo``)."""

_MARKERS = {"{contract_inputs}": CONTRACT_INPUTS, "{contract_returns}": CONTRACT_RETURNS}


def _filled(line: str) -> str:
    text = _MARKERS.get(line.strip())
    if text is None:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    return "\n".join(indent + part if part else part for part in text.splitlines())


def with_contract(function: Function) -> Function:
    """Replace the marker lines of ``function``'s docstring by the contract's text."""
    if function.__doc__:  # None under python -OO
        function.__doc__ = "\n".join(_filled(line) for line in function.__doc__.splitlines())
    return function
