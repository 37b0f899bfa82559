"""Convolution as ``F.unfold`` + one matrix product, and its backward pass from ``F.fold``.

``nn.Unfold`` is im2col written by PyTorch: it cuts every receptive field out of the
input and lays it out as a column. A convolution is then a single matrix product
with the flattened filters. The backward pass uses the same two pieces in reverse:

* ``grad_x``: multiply the output gradient by the transposed filter matrix, which gives
  one gradient *column* per output position, then ``F.fold`` (col2im) scatters and
  **adds** every column back onto the pixels it was cut from (pixels shared by
  overlapping receptive fields collect several contributions);
* ``grad_w``: output gradient times the transposed columns, summed over the batch;
* ``grad_b``: the output gradient summed over batch and positions.

Shapes (for one layer):

* ``x``: (N, C, H, W), ``w``: (K, C, kh, kw), ``b``: (K,)
* ``out``: (N, K, H_out, W_out) with
  ``H_out = (H + 2 * pad_h - dil_h * (kh - 1) - 1) // stride_h + 1`` (same for W)
* columns: (N, C * kh * kw, L) with ``L = H_out * W_out``
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from course_utils.conv._validate import ConvGeometry, check_groups, conv_geometry, resolve_bias

__all__ = [
    "conv2d_unfold",
    "conv2d_backward_unfold",
    "UnfoldConv2dFunction",
]

Pair = int | Sequence[int]


def _conv_geometry(
    x: torch.Tensor, w: torch.Tensor, stride: Pair, padding: Pair | str, dilation: Pair
) -> ConvGeometry:
    """Check the tensors (4-D, same channels and dtype) and the hyper-parameters; the
    geometry is the package's one (:func:`course_utils.conv._validate.conv_geometry`)."""
    if not isinstance(x, torch.Tensor) or not isinstance(w, torch.Tensor):
        raise ValueError(
            f"x and w must be torch tensors, got {type(x).__name__} and {type(w).__name__}"
        )
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got {x.ndim} dims {tuple(x.shape)}")
    if w.ndim != 4:
        raise ValueError(f"w must have shape (K, C, kh, kw), got {w.ndim} dims {tuple(w.shape)}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"channel mismatch: x has C={x.shape[1]} channels but w expects C={w.shape[1]}"
        )
    if x.dtype != w.dtype:
        raise ValueError(f"x and w must share a dtype, got {x.dtype} and {w.dtype}")
    return conv_geometry(tuple(x.shape[2:]), tuple(w.shape[2:]), stride, padding, dilation)


def _extended(x: torch.Tensor, geometry: ConvGeometry) -> torch.Tensor:
    """x with the extra bottom/right zeros of ``padding="same"`` and an even kernel."""
    if geometry.extra == (0, 0):
        return x
    return F.pad(x, (0, geometry.extra[1], 0, geometry.extra[0]))


def conv2d_unfold(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
    *,
    groups: int = 1,
    b: torch.Tensor | None = None,
) -> torch.Tensor:
    """2-D convolution (cross-correlation, like ``F.conv2d``) as unfold + one matmul.

    Inputs:
    - x: input, shape (N, C, H, W), or unbatched (C, H, W) (then the result is (K, ...))
    - w: filters, shape (K, C, kh, kw), same dtype as x
    - bias (or its former name b): optional bias, shape (K,)
    - stride, dilation: int or (h, w) pair; padding: int, pair, "valid" or "same"
      (stride 1, as in torch)
    - groups: 1 only (``course_utils.conv.conv2d`` runs grouped convolutions)

    Returns:
    - out: shape (N, K, H_out, W_out), where
      H_out = (H + 2 * pad_h - dil_h * (kh - 1) - 1) // stride_h + 1 (same for W).

    Computation: ``cols = unfold(x)`` has shape (N, C*kh*kw, L), L = H_out * W_out;
    ``out = w.view(K, C*kh*kw) @ cols`` has shape (N, K, L), viewed as (N, K, H_out, W_out).
    """
    bias = resolve_bias(bias, b)
    check_groups(groups, "conv2d_unfold")
    if isinstance(x, torch.Tensor) and x.ndim == 3:
        return conv2d_unfold(x[None], w, bias, stride, padding, dilation)[0]
    geometry = _conv_geometry(x, w, stride, padding, dilation)
    k = w.shape[0]
    _check_bias(bias, k, x.dtype)
    cols = F.unfold(
        _extended(x, geometry),
        kernel_size=w.shape[2:],
        dilation=geometry.dilation,
        padding=geometry.padding,
        stride=geometry.stride,
    )
    out = torch.matmul(w.reshape(k, -1), cols)  # (K, CKK) @ (N, CKK, L) -> (N, K, L)
    if bias is not None:
        out = out + bias.view(1, k, 1)
    return out.view(x.shape[0], k, *geometry.out_hw)


def _check_bias(b: torch.Tensor | None, k: int, dtype: torch.dtype) -> None:
    if b is None:
        return
    if not isinstance(b, torch.Tensor) or b.shape != (k,):
        shape = tuple(b.shape) if isinstance(b, torch.Tensor) else type(b).__name__
        raise ValueError(f"bias must be a tensor of shape (K,) = ({k},), got {shape}")
    if b.dtype != dtype:
        raise ValueError(f"bias must have the dtype of x ({dtype}), got {b.dtype}")


def conv2d_backward_unfold(
    x: torch.Tensor,
    w: torch.Tensor,
    grad_out: torch.Tensor,
    stride: Pair = 1,
    padding: Pair = 0,
    dilation: Pair = 1,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients of :func:`conv2d_unfold` from unfold / fold / matmul only (no autograd).

    Inputs:
    - x: the forward input, shape (N, C, H, W)
    - w: the forward filters, shape (K, C, kh, kw)
    - grad_out: dLoss/dout, shape (N, K, H_out, W_out)
    - stride, padding, dilation: as in the forward call (``padding="same"`` included)

    Returns a tuple:
    - grad_x: shape (N, C, H, W) = fold(w_flat^T @ grad_out_flat), where
      w_flat is (K, C*kh*kw) and grad_out_flat is (N, K, L); fold sums overlapping columns.
    - grad_w: shape (K, C, kh, kw) = sum over n of grad_out_flat[n] @ unfold(x)[n]^T.
    - grad_b: shape (K,) = grad_out summed over N, H_out, W_out.
    """
    geometry = _conv_geometry(x, w, stride, padding, dilation)
    (h_out, w_out), extended = geometry.out_hw, _extended(x, geometry)
    n, k = x.shape[0], w.shape[0]
    expected = (n, k, h_out, w_out)
    if not isinstance(grad_out, torch.Tensor) or tuple(grad_out.shape) != expected:
        shape = tuple(grad_out.shape) if isinstance(grad_out, torch.Tensor) else grad_out
        raise ValueError(f"grad_out must have shape (N, K, H_out, W_out) = {expected}, got {shape}")
    windows = {
        "kernel_size": w.shape[2:],
        "dilation": geometry.dilation,
        "padding": geometry.padding,
        "stride": geometry.stride,
    }
    grad_flat = grad_out.reshape(n, k, h_out * w_out)  # (N, K, L)
    w_flat = w.reshape(k, -1)  # (K, CKK)

    grad_b = grad_flat.sum(dim=(0, 2))
    cols = F.unfold(extended, **windows)  # (N, CKK, L)
    grad_w = torch.matmul(grad_flat, cols.transpose(1, 2)).sum(dim=0).view_as(w)
    grad_cols = torch.matmul(w_flat.t(), grad_flat)  # (N, CKK, L)
    grad_x = F.fold(grad_cols, output_size=extended.shape[2:], **windows)
    return grad_x[..., : x.shape[2], : x.shape[3]], grad_w, grad_b


class UnfoldConv2dFunction(torch.autograd.Function):
    """``torch.autograd.Function`` whose forward is :func:`conv2d_unfold` and whose backward
    is :func:`conv2d_backward_unfold`; lets ``torch.autograd.gradcheck`` test the hand-written
    gradients. Call as ``UnfoldConv2dFunction.apply(x, w, b, stride, padding, dilation)``.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx,
        x: torch.Tensor,
        w: torch.Tensor,
        b: torch.Tensor | None,
        stride: Pair = 1,
        padding: Pair = 0,
        dilation: Pair = 1,
    ) -> torch.Tensor:
        ctx.save_for_backward(x, w)
        ctx.geometry = (stride, padding, dilation)
        ctx.has_bias = b is not None
        return conv2d_unfold(x, w, b, stride, padding, dilation)

    @staticmethod
    def backward(  # type: ignore[override]
        ctx: torch.autograd.function.FunctionCtx, grad_out: torch.Tensor
    ) -> tuple[torch.Tensor | None, ...]:
        x, w = ctx.saved_tensors
        grad_x, grad_w, grad_b = conv2d_backward_unfold(x, w, grad_out, *ctx.geometry)
        return grad_x, grad_w, grad_b if ctx.has_bias else None, None, None, None
