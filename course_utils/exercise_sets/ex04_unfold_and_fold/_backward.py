"""q3 (the gradient of the input, with fold) and q4 (the gradient of the weights) of the
unfold/fold set."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import keep
from course_utils.checks.stock import kernel_flipped
from course_utils.checks.wrong_answers import flips_kernel, mutates_input, returns_dtype
from course_utils.conv.unfold import conv2d_backward_unfold
from course_utils.exercise_sets.ex04_unfold_and_fold._common import (
    TOL,
    _not_one_product,
    _tagged,
    edge_geometries,
    tensor_cases,
)

#: (x shape, w shape, stride, padding, description) of the q3 and q4 cases, then the edges.
_BACKWARD_GEOMETRIES = [
    ((2, 2, 5, 5), (3, 2, 3, 3), 1, 0, "square"),
    ((1, 3, 6, 9), (2, 3, 2, 3), 1, 0, "non-square image and kernel"),
    ((2, 2, 8, 7), (3, 2, 3, 3), 2, 1, "stride 2, padding 1"),
    ((3, 1, 9, 8), (2, 1, 3, 2), 3, 0, "stride 3: the last rows/columns get no gradient"),
    ((1, 1, 1, 1), (1, 1, 1, 1), 1, 0, "1x1 image, 1x1 kernel"),
    ((2, 2, 4, 5), (3, 2, 4, 5), 1, 0, "kernel as large as the image"),
    ((2, 3, 6, 7), (4, 3, 3, 3), 1, 1, "padding 1"),
    *edge_geometries(channels=2, kernels=3, stride=2, padding=0),
]


def _backward_cases(seed: int, names: tuple[str, ...], add) -> list[Case]:
    """x, w and an output gradient of every geometry, drawn from one builder; ``add(cases,
    x, w, grad_out, stride, padding, note)`` adds the case."""
    cases = tensor_cases(seed, names)
    for x_shape, w_shape, stride, padding, text in _BACKWARD_GEOMETRIES:
        x, w = cases.draw(x_shape), cases.draw(w_shape)
        grad_out = cases.draw(tuple(F.conv2d(x, w, stride=stride, padding=padding).shape))
        add(cases, x, w, grad_out, stride, padding, text)
    return cases.build()


def _grad_input_cases() -> list[Case]:
    def add(cases, x, w, grad_out, stride, padding, text):
        n, taps = x.shape[0], w[0].numel()
        matmul = _tagged(cases.rng, n * taps * grad_out[0, 0].numel())
        size = keep(tuple(x.shape[2:]))
        cases.add(grad_out, w, size, stride=stride, padding=padding, matmul=matmul, note=text)

    return _backward_cases(403, ("grad_out", "w", "input_size"), add)


def _grad_input_reference(grad_out, w, input_size, stride=1, padding=0, matmul=torch.matmul):
    """fold(W^T G) with one product (equal to autograd of F.conv2d: see the tests)."""
    n, k = grad_out.shape[:2]
    grad_cols = matmul(w.reshape(k, -1).t(), grad_out.reshape(n, k, -1))  # (N, C*kh*kw, L)
    return F.fold(grad_cols, input_size, w.shape[2:], stride=stride, padding=padding)


def _grad_input_autograd(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    """Autograd of F.conv2d: an implementation independent of fold."""
    n = grad_out.shape[0]
    x = torch.zeros(n, w.shape[1], *input_size, dtype=grad_out.dtype, requires_grad=True)
    out = F.conv2d(x, w, stride=stride, padding=padding)
    (grad_x,) = torch.autograd.grad(out, x, grad_out)
    return grad_x


def _grad_input_last_channel_only(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    """A loop over output channels that overwrites instead of accumulating."""
    k = w.shape[0]
    return _grad_input_autograd(grad_out[:, k - 1 : k], w[k - 1 : k], input_size, stride, padding)


def _grad_input_channel_loop(grad_out, w, input_size, stride=1, padding=0, matmul=torch.matmul):
    """One product per output channel, added up (K products instead of one)."""
    grad_cols = sum(
        matmul(w[k].reshape(1, -1).t(), grad_out[:, k : k + 1].flatten(2))
        for k in range(w.shape[0])
    )
    return F.fold(grad_cols, input_size, w.shape[2:], stride=stride, padding=padding)


def _grad_input_column_major(grad_out, w, input_size, stride=1, padding=0, matmul=torch.matmul):
    """grad_out flattened column by column (L in the wrong order)."""
    return _grad_input_reference(
        grad_out.transpose(2, 3).contiguous(), w, input_size, stride, padding, matmul
    )


def _grad_input_recomputed_size(grad_out, w, input_size, stride=1, padding=0, matmul=torch.matmul):
    """input_size ignored: (Ho - 1)*s + kh - 2p, which is short when the stride does not
    divide evenly."""
    size = tuple(
        (o - 1) * stride + k - 2 * padding
        for o, k in zip(grad_out.shape[2:], w.shape[2:], strict=True)
    )
    return _grad_input_reference(grad_out, w, size, stride, padding, matmul)


def _grad_input_at_operator(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    """The lesson's two lines, with `@`."""
    n, k = grad_out.shape[:2]
    grad_cols = w.reshape(k, -1).t() @ grad_out.reshape(n, k, -1)
    return F.fold(grad_cols, input_size, w.shape[2:], stride=stride, padding=padding)


def _grad_input_full_correlation(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    """The gather formula with F.conv2d -- and the kernel not flipped (stride 1, no padding)."""
    kh, kw = w.shape[2:]
    return F.conv2d(grad_out, w.transpose(0, 1), padding=(kh - 1, kw - 1))


def _grad_input_overwrite_loop(grad_out, w, input_size, stride=1, padding=0, matmul=torch.matmul):
    for k in range(w.shape[0]):
        grad_cols = matmul(w[k].reshape(1, -1).t(), grad_out[:, k : k + 1].flatten(2))
    return F.fold(grad_cols, input_size, w.shape[2:], stride=stride, padding=padding)


q3 = FunctionProblem(
    "q3",
    "conv2d_grad_input",
    _grad_input_reference,
    _grad_input_cases,
    **TOL,
    hints=[
        "Run the forward pass backwards: the forward was `out = W @ cols`, so the gradient of "
        "the columns is one product with W transposed (use `matmul`), and the columns came "
        "from `unfold`, whose adjoint is `fold`.",
        "`grad_cols = matmul(w.reshape(K, -1).t(), grad_out.reshape(N, K, -1))` has shape "
        "(N, C·kh·kw, L); fold it with `output_size=input_size` and the same kernel size, "
        "stride and padding as the forward pass. The product already sums over the K "
        "output channels, and the transpose does the kernel flip for you.",
    ],
    mistakes=[
        Mistake(
            _not_one_product("W transposed times the whole (N, K, L) output gradient"),
            _grad_input_autograd,
        ),
        kernel_flipped(
            _grad_input_autograd,
            message="the gradient w.r.t. the input was computed as a correlation of grad_out "
            "with the unflipped kernel (and without the `matmul` you were given): as a "
            "correlation it needs the flipped kernel -- or, as this exercise asks, W transposed "
            "times grad_out with `matmul`, then `F.fold`.",
        ),
        Mistake(
            "you forgot to sum over output channels: every output channel k sends gradient "
            "back to every input pixel it read, and these contributions add up (one product "
            "with the whole W does the sum).",
            _grad_input_last_channel_only,
        ),
        kernel_flipped(
            _grad_input_reference,
            message="you flipped the kernel: in the fold formulation nothing is flipped, the "
            "transpose of W and `fold` do it.",
        ),
        Mistake(
            "grad_out was flattened column by column: L runs over the output positions row "
            "by row (`grad_out.reshape(N, K, -1)`).",
            _grad_input_column_major,
        ),
        Mistake(
            "the input size was recomputed from the output size; when the stride does not "
            "divide evenly that is too small: fold to `input_size`.",
            _grad_input_recomputed_size,
        ),
        Mistake(
            "one product per output channel, added up: the exercise asks for one product "
            "with the whole W transposed (it sums over the channels by itself).",
            _grad_input_channel_loop,
        ),
    ],
    wrong_answers=[
        WrongAnswer("autograd", _grad_input_autograd, "one call of"),
        WrongAnswer(
            "F.conv_transpose2d",
            lambda grad_out, w, input_size, stride=1, padding=0, matmul=None: F.conv_transpose2d(
                grad_out, w, stride=stride, padding=padding
            ),
            "one call of",
        ),
        WrongAnswer("the lesson's code, with `@`", _grad_input_at_operator, "one call of"),
        WrongAnswer(
            "course_utils conv2d_backward_unfold",
            lambda grad_out, w, input_size, stride=1, padding=0, matmul=None: (
                conv2d_backward_unfold(
                    torch.zeros(grad_out.shape[0], w.shape[1], *input_size, dtype=w.dtype),
                    w,
                    grad_out,
                    stride=stride,
                    padding=padding,
                )[0]
            ),
            "one call of",
        ),
        WrongAnswer(
            "full correlation, kernel not flipped", _grad_input_full_correlation, "unflipped"
        ),
        WrongAnswer(
            "kernel flipped before W^T", flips_kernel(_grad_input_reference), "flipped the kernel"
        ),
        WrongAnswer(
            "loop over channels overwriting", _grad_input_overwrite_loop, "sum over output"
        ),
        WrongAnswer("one product per channel", _grad_input_channel_loop, "one product per output"),
        WrongAnswer(
            "grad_out flattened column-major", _grad_input_column_major, "column by column"
        ),
        WrongAnswer("input size recomputed", _grad_input_recomputed_size, "input_size"),
        WrongAnswer(
            "float32 result",
            returns_dtype(_grad_input_reference, torch.float32),
            "dtype torch.float32",
        ),
        WrongAnswer("changes grad_out in place", mutates_input(_grad_input_reference), "in place"),
    ],
)


def _grad_weight_cases() -> list[Case]:
    def add(cases, x, w, grad_out, stride, padding, text):
        n, k, taps = x.shape[0], w.shape[0], w[0].numel()
        matmul = _tagged(cases.rng, n * k * taps, k * taps)  # batched, or the batch in one
        kernel = keep(tuple(w.shape[2:]))
        cases.add(x, grad_out, kernel, stride=stride, padding=padding, matmul=matmul, note=text)

    return _backward_cases(404, ("x", "grad_out", "kernel_size"), add)


def _grad_weight_reference(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    """sum_n G_n cols_n^T with one (batched) product (equal to autograd: see the tests)."""
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)  # (N, C*kh*kw, L)
    grad_flat = matmul(grad_out.reshape(n, k, -1), cols.transpose(1, 2))  # (N, K, C*kh*kw)
    return grad_flat.sum(0).reshape(k, x.shape[1], *kernel_size)


def _grad_weight_autograd(x, grad_out, kernel_size, stride=1, padding=0, matmul=None):
    """Autograd of F.conv2d: an implementation independent of unfold."""
    k = grad_out.shape[1]
    w = torch.zeros(k, x.shape[1], *kernel_size, dtype=x.dtype, requires_grad=True)
    out = F.conv2d(x, w, stride=stride, padding=padding)
    (grad_w,) = torch.autograd.grad(out, w, grad_out)
    return grad_w


def _grad_weight_transposed(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    """cols @ grad_out^T, a (C*kh*kw, K) matrix, reshaped as if it were (K, C*kh*kw)."""
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
    product = matmul(cols, grad_out.reshape(n, k, -1).transpose(1, 2)).sum(0)
    return product.reshape(k, x.shape[1], *kernel_size)


def _grad_weight_batch_mean(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    return _grad_weight_reference(x, grad_out, kernel_size, stride, padding, matmul) / x.shape[0]


def _grad_weight_first_image(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    return _grad_weight_reference(x[:1], grad_out[:1], kernel_size, stride, padding, matmul)


def _grad_weight_per_image(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    """One product per image, added up."""
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
    total = sum(matmul(grad_out[i].reshape(k, -1), cols[i].t()) for i in range(n))
    return total.reshape(k, x.shape[1], *kernel_size)


def _grad_weight_column_major(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    flipped = grad_out.transpose(2, 3).contiguous()
    return _grad_weight_reference(x, flipped, kernel_size, stride, padding, matmul)


def _grad_weight_at_operator(x, grad_out, kernel_size, stride=1, padding=0, matmul=None):
    """The lesson's line, with `@`."""
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
    g = grad_out.reshape(n, k, -1)
    return (g @ cols.transpose(1, 2)).sum(0).view(k, x.shape[1], *kernel_size)


def _grad_weight_no_sum(x, grad_out, kernel_size, stride=1, padding=0, matmul=torch.matmul):
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
    grad_flat = matmul(grad_out.reshape(n, k, -1), cols.transpose(1, 2))
    return grad_flat.reshape(n, k, x.shape[1], *kernel_size)


q4 = FunctionProblem(
    "q4",
    "conv2d_grad_weight",
    _grad_weight_reference,
    _grad_weight_cases,
    **TOL,
    hints=[
        "In `out[n] = W @ cols[n]` the weights multiply the columns, so dLoss/dW is the "
        "output gradient times the *transposed* columns, for every image, added up over the "
        "batch (every image used the same W). One call of `matmul` does all the images.",
        "`cols` = `F.unfold(x, kernel_size, stride=..., padding=...)` is (N, C·kh·kw, L); "
        "`matmul(grad_out.reshape(N, K, L), cols.transpose(1, 2))` is (N, K, C·kh·kw). Sum "
        "over n and reshape to (K, C, kh, kw).",
    ],
    mistakes=[
        Mistake(
            _not_one_product("the (N, K, L) output gradient times the transposed columns"),
            _grad_weight_autograd,
        ),
        Mistake(
            "the product is transposed: it was computed as a (C·kh·kw, K) matrix and then "
            "reshaped as if it were (K, C·kh·kw).",
            _grad_weight_transposed,
        ),
        Mistake(
            "the batch was averaged instead of summed: the loss adds up every image's "
            "contribution to the shared weights.",
            _grad_weight_batch_mean,
        ),
        Mistake(
            "only the first image was used: every image of the batch contributes to the "
            "shared weights.",
            _grad_weight_first_image,
        ),
        Mistake(
            "one product per image, added up: one (batched) call of `matmul` handles the "
            "whole batch.",
            _grad_weight_per_image,
        ),
        Mistake(
            "grad_out was flattened column by column: L runs over the output positions row "
            "by row, as the columns of `F.unfold` do.",
            _grad_weight_column_major,
        ),
    ],
    wrong_answers=[
        WrongAnswer("autograd", _grad_weight_autograd, "one call of"),
        WrongAnswer("the lesson's code, with `@`", _grad_weight_at_operator, "one call of"),
        WrongAnswer(
            "einsum",
            lambda x, grad_out, kernel_size, stride=1, padding=0, matmul=None: torch.einsum(
                "nkl,npl->kp",
                grad_out.flatten(2),
                F.unfold(x, kernel_size, stride=stride, padding=padding),
            ).reshape(grad_out.shape[1], x.shape[1], *kernel_size),
            "one call of",
        ),
        WrongAnswer(
            "(C*kh*kw, K) product reshaped as (K, ...)", _grad_weight_transposed, "transposed"
        ),
        WrongAnswer("batch averaged", _grad_weight_batch_mean, "averaged"),
        WrongAnswer("first image only", _grad_weight_first_image, "first image"),
        WrongAnswer("one product per image", _grad_weight_per_image, "one product per image"),
        WrongAnswer(
            "grad_out flattened column-major", _grad_weight_column_major, "column by column"
        ),
        WrongAnswer("no sum over the batch", _grad_weight_no_sum, "expected shape"),
        WrongAnswer(
            "float32 result",
            returns_dtype(_grad_weight_reference, torch.float32),
            "dtype torch.float32",
        ),
        WrongAnswer("changes x in place", mutates_input(_grad_weight_reference), "in place"),
    ],
)
