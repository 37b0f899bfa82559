"""Tolerances, case builders and messages shared by the exercises of the unfold/fold set."""

from __future__ import annotations

import numpy as np
import torch

from course_utils.checks.cases import IMAGE_KERNEL_EDGES, Cases
from course_utils.checks.instruments import TaggedMatmul, draw_tag

TOL = {"rtol": 1e-10, "atol": 1e-10}
DTYPE = torch.float64


def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _tagged(rng: np.random.Generator, *sizes: int) -> TaggedMatmul:
    return TaggedMatmul(sizes, draw_tag(rng), backend="torch")


def _not_one_product(operands: str) -> str:
    return (
        f"the result was not computed by one call of the `matmul` your function receives "
        f"({operands}). `F.conv2d`, `F.conv_transpose2d`, autograd, `@`, `torch.matmul` "
        "itself, `einsum`, Python loops, several smaller products or the course's ready-made "
        "functions give the same numbers, but not the method this exercise is about."
    )


def tensor_cases(seed: int, names: tuple[str, ...]) -> Cases:
    """A builder of float64 tensors (standard normal)."""
    return Cases(seed, names=names, backend="torch", dtype=DTYPE)


def edge_geometries(
    channels: int, kernels: int, stride: int, padding: int
) -> list[tuple[tuple[int, ...], tuple[int, ...], int, int, str]]:
    """The edge image/kernel shapes as (x shape, w shape, stride, padding, note): a batch of
    two images with ``channels`` channels, ``kernels`` filters."""
    return [
        (
            (2, channels, *edge.args[0]),
            (kernels, channels, *edge.args[1]),
            stride,
            padding,
            edge.note,
        )
        for edge in IMAGE_KERNEL_EDGES
    ]
