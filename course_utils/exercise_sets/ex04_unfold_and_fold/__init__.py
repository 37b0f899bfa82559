"""Checks for ``exercises/04_unfold_and_fold.ipynb``: convolution and its gradients from
``F.unfold`` / ``F.fold``, averaging overlapping patches, and locating a colour patch with
``conv2d``.

Every case is float64 torch tensors.

How the method is checked
    q1, q3 and q4 ask for one matrix product next to ``unfold`` / ``fold``. The learner's
    function receives a ``matmul`` argument (``torch.matmul`` by default); the check passes
    its own, which tags the result of the whole product
    (:mod:`course_utils.checks.instruments`). The references use it too, so a
    result computed with ``F.conv2d``, ``F.conv_transpose2d``, autograd, ``@``, ``einsum``,
    the course's ``conv2d_unfold`` / ``conv2d_backward_unfold``, or a loop of smaller
    products has no tag (or a partial one) and a mistake names it. q5 takes a multi-channel
    image, so the lesson's single-channel code and the course's 2-D helpers do not answer it,
    and its cases contain a bright block (raw correlation fails), a black region (an
    unguarded division gives NaN) and a recoloured copy of the patch (matching on grey
    values fails).

Tolerances (q1-q4): ``rtol = atol = 1e-10``. The answers are sums of at most a few hundred
products of O(1) numbers; in float64 any summation order (matmul, fold, conv2d, autograd)
agrees to ~1e-14 relative, so 1e-10 leaves four orders of magnitude of margin, while any wrong
index, flip, transpose or missing normalisation gives errors of order 1, and a missing tag
errors of at least 1e-6 relative. q5 returns integers, compared exactly.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.instruments import TaggedMatmul, draw_tag
from course_utils.checks.wrong_answers import mutates_input, returns_dtype
from course_utils.conv.unfold import conv2d_backward_unfold, conv2d_unfold

TOL = {"rtol": 1e-10, "atol": 1e-10}
DTYPE = torch.float64


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=DTYPE)


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


# -- q1: conv2d = unfold + matmul + view ------------------------------------------------------


def _conv_reference(x, w, stride=1, padding=0, matmul=torch.matmul):
    """unfold, one product, view (equal to F.conv2d: see the tests)."""
    n, k = x.shape[0], w.shape[0]
    h_out = _out_size(x.shape[2], w.shape[2], stride, padding)
    w_out = _out_size(x.shape[3], w.shape[3], stride, padding)
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    return matmul(w.reshape(k, -1), cols).reshape(n, k, h_out, w_out)


def _conv_geometries() -> list[tuple[tuple[int, ...], tuple[int, ...], int, int, str]]:
    """(x shape, w shape, stride, padding, description) of the q1 cases."""
    return [
        ((2, 3, 6, 9), (4, 3, 3, 2), 1, 0, "non-square image and kernel"),
        ((1, 1, 5, 5), (2, 1, 3, 3), 1, 0, "square"),
        ((2, 2, 8, 7), (3, 2, 3, 3), 2, 1, "stride 2, padding 1 (does not divide evenly)"),
        ((1, 2, 9, 6), (2, 2, 2, 4), 3, 0, "stride 3 leaves rows unused"),
        ((1, 1, 1, 1), (2, 1, 1, 1), 1, 0, "1x1 image, 1x1 kernel"),
        ((3, 2, 4, 5), (3, 2, 4, 5), 1, 0, "kernel as large as the image"),
        ((1, 4, 7, 10), (5, 4, 1, 1), 1, 0, "1x1 kernel (a per-pixel matmul)"),
        ((2, 3, 5, 8), (2, 3, 3, 3), 1, 2, "padding 2"),
    ]


def _conv_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(401)
    rng = np.random.default_rng(401)
    cases = []
    for x_shape, w_shape, stride, padding, text in _conv_geometries():
        x, w = _randn(gen, *x_shape), _randn(gen, *w_shape)
        h_out = _out_size(x_shape[2], w_shape[2], stride, padding)
        w_out = _out_size(x_shape[3], w_shape[3], stride, padding)
        matmul = _tagged(rng, x_shape[0] * w_shape[0] * h_out * w_out)
        label = f"x {x_shape}, w {w_shape}, stride={stride}, padding={padding} ({text})"
        kwargs = {"stride": stride, "padding": padding, "matmul": matmul}
        cases.append(Case((x, w), kwargs, label=label))
    return cases


def _conv_untagged(x, w, stride=1, padding=0, matmul=torch.matmul):
    return _conv_reference(x, w, stride, padding)


def _conv_wrong_view(x, w, stride=1, padding=0, matmul=torch.matmul):
    """(N, L, K) product viewed as (N, K, Ho, Wo) without moving K in front."""
    n, k = x.shape[0], w.shape[0]
    h_out = _out_size(x.shape[2], w.shape[2], stride, padding)
    w_out = _out_size(x.shape[3], w.shape[3], stride, padding)
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    return matmul(cols.transpose(1, 2), w.reshape(k, -1).t()).reshape(n, k, h_out, w_out)


def _conv_swapped_hw(x, w, stride=1, padding=0, matmul=torch.matmul):
    out = _conv_reference(x, w, stride, padding, matmul)
    n, k, h_out, w_out = out.shape
    return out.reshape(n, k, w_out, h_out)


def _conv_flipped(x, w, stride=1, padding=0, matmul=torch.matmul):
    return _conv_reference(x, w.flip(-2, -1), stride, padding, matmul)


def _conv_per_image(x, w, stride=1, padding=0, matmul=torch.matmul):
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    h_out = _out_size(x.shape[2], w.shape[2], stride, padding)
    w_out = _out_size(x.shape[3], w.shape[3], stride, padding)
    images = [matmul(w.reshape(w.shape[0], -1), cols[n]) for n in range(x.shape[0])]
    return torch.stack(images).reshape(x.shape[0], w.shape[0], h_out, w_out)


def _conv_at_operator(x, w, stride=1, padding=0, matmul=torch.matmul):
    """The lesson's three lines, with `@`."""
    n, k = x.shape[0], w.shape[0]
    h_out = (x.shape[2] + 2 * padding - w.shape[2]) // stride + 1
    w_out = (x.shape[3] + 2 * padding - w.shape[3]) // stride + 1
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    return (w.reshape(k, -1) @ cols).view(n, k, h_out, w_out)


def _conv_einsum(x, w, stride=1, padding=0, matmul=torch.matmul):
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    h_out = _out_size(x.shape[2], w.shape[2], stride, padding)
    w_out = _out_size(x.shape[3], w.shape[3], stride, padding)
    out = torch.einsum("kp,npl->nkl", w.reshape(w.shape[0], -1), cols)
    return out.reshape(x.shape[0], w.shape[0], h_out, w_out)


def _conv_stride_ignored(x, w, stride=1, padding=0, matmul=torch.matmul):
    n, k = x.shape[0], w.shape[0]
    h_out = _out_size(x.shape[2], w.shape[2], stride, padding)
    w_out = _out_size(x.shape[3], w.shape[3], stride, padding)
    cols = F.unfold(x, w.shape[2:], padding=padding)  # stride forgotten here
    return matmul(w.reshape(k, -1), cols).view(n, k, h_out, w_out)


q1 = FunctionProblem(
    "q1",
    "conv2d_via_unfold",
    _conv_reference,
    _conv_cases,
    **TOL,
    hints=[
        "Three steps: `F.unfold` gives the patches as columns, one call of `matmul` with the "
        "filters flattened to rows combines them, and a `view`/`reshape` restores the image "
        "layout. Print the shape after each step.",
        "`cols = F.unfold(x, (kh, kw), stride=..., padding=...)` is (N, C·kh·kw, L). "
        "`w.reshape(K, -1)` is (K, C·kh·kw). `matmul(w.reshape(K, -1), cols)` is (N, K, L) "
        "with L = Ho·Wo in row-major order (Ho rows of Wo positions); compute Ho and Wo with "
        "the output-size formula. No flip: this is cross-correlation.",
    ],
    mistakes=[
        Mistake(
            _not_one_product("the (K, C·kh·kw) filters times the whole (N, C·kh·kw, L) columns"),
            _conv_untagged,
        ),
        Mistake(
            "the channel and position axes are mixed up: a product of shape (N, L, K) was "
            "viewed as (N, K, Ho, Wo) without moving K in front.",
            _conv_wrong_view,
        ),
        Mistake(
            "height and width are swapped in the final view: the L axis is Ho rows of Wo "
            "positions each.",
            _conv_swapped_hw,
        ),
        Mistake(
            "the kernel is flipped: F.conv2d is a cross-correlation, the patch and the "
            "kernel are multiplied entry by entry without reversing anything.",
            _conv_flipped,
        ),
    ],
    wrong_answers=[
        WrongAnswer(
            "F.conv2d itself",
            lambda x, w, stride=1, padding=0, matmul=None: F.conv2d(
                x, w, stride=stride, padding=padding
            ),
            "one call of",
        ),
        WrongAnswer("the lesson's code, with `@`", _conv_at_operator, "one call of"),
        WrongAnswer("einsum", _conv_einsum, "one call of"),
        WrongAnswer("one matmul per image", _conv_per_image, "one call of"),
        WrongAnswer(
            "course_utils.conv.unfold.conv2d_unfold",
            lambda x, w, stride=1, padding=0, matmul=None: conv2d_unfold(
                x, w, None, stride, padding
            ),
            "one call of",
        ),
        WrongAnswer("(N, L, K) product viewed as (N, K, Ho, Wo)", _conv_wrong_view, "mixed up"),
        WrongAnswer("Ho and Wo swapped in the view", _conv_swapped_hw, "swapped"),
        WrongAnswer("kernel flipped", _conv_flipped, "flipped"),
        WrongAnswer("stride left out of unfold", _conv_stride_ignored, "invalid for input of size"),
        WrongAnswer(
            "float32 result", returns_dtype(_conv_reference, torch.float32), "dtype torch.float32"
        ),
        WrongAnswer(
            "a NumPy array",
            lambda *args, **kwargs: _conv_reference(*args, **kwargs).numpy(),
            "expected a torch Tensor",
        ),
        WrongAnswer("changes x in place", mutates_input(_conv_reference), "in place"),
    ],
)


# -- q2: averaging fold --------------------------------------------------------------------------


def _count_map(output_size, geometry, dtype) -> torch.Tensor:
    ones = torch.ones(1, 1, *output_size, dtype=dtype)
    return F.fold(F.unfold(ones, **geometry), output_size, **geometry)


def _fold_mean_reference(
    cols: torch.Tensor,
    output_size: tuple[int, int],
    kernel_size: tuple[int, int],
    stride: int = 1,
    padding: int = 0,
) -> torch.Tensor:
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    total = F.fold(cols, output_size, **geometry)
    return total / _count_map(output_size, geometry, cols.dtype).clamp_min(1)


def _fold_geometries() -> list[tuple[tuple[int, ...], tuple[int, int], int, int, str]]:
    """(x shape, kernel, stride, padding, description) of the q2 cases."""
    return [
        ((1, 1, 5, 5), (3, 3), 1, 0, "overlapping 3x3 patches"),
        ((2, 3, 6, 8), (2, 3), 1, 0, "non-square"),
        ((1, 2, 8, 8), (4, 4), 2, 0, "stride 2, kernel 4"),
        ((1, 1, 6, 9), (3, 3), 3, 0, "stride = kernel: patches do not overlap"),
        ((2, 1, 7, 7), (3, 3), 2, 1, "stride 2, padding 1"),
        ((1, 2, 8, 7), (3, 2), 2, 0, "stride does not divide evenly: some pixels uncovered"),
        ((1, 1, 7, 7), (2, 2), 3, 0, "stride larger than the kernel: gaps"),
        ((1, 1, 1, 1), (1, 1), 1, 0, "1x1 image"),
        ((1, 3, 4, 6), (4, 6), 1, 0, "kernel as large as the image"),
        ((1, 2, 6, 7), (3, 3), 1, 1, "every third patch is all zeros: it still counts"),
    ]


def _fold_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(402)
    cases = []
    for x_shape, kernel, stride, padding, text in _fold_geometries():
        x = _randn(gen, *x_shape)
        geometry = {"kernel_size": kernel, "stride": stride, "padding": padding}
        cols = F.unfold(x, **geometry)
        # half the cases are not the patches of any image: then the answer is a true average
        if len(cases) % 2:
            cols = cols + 0.5 * _randn(gen, *cols.shape)
        if "zeros" in text:
            cols[:, :, ::3] = 0.0  # dropped patches
        label = f"cols {tuple(cols.shape)} from x {x_shape}, kernel {kernel}, stride={stride}, "
        label += f"padding={padding} ({text})"
        cases.append(
            Case((cols, x_shape[2:], kernel), {"stride": stride, "padding": padding}, label)
        )
    return cases


def _fold_plain(cols, output_size, kernel_size, stride=1, padding=0):
    return F.fold(cols, output_size, kernel_size, stride=stride, padding=padding)


def _fold_by_taps(cols, output_size, kernel_size, stride=1, padding=0):
    taps = kernel_size[0] * kernel_size[1]
    return _fold_plain(cols, output_size, kernel_size, stride, padding) / taps


def _fold_nan_gaps(cols, output_size, kernel_size, stride=1, padding=0):
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    return F.fold(cols, output_size, **geometry) / _count_map(output_size, geometry, cols.dtype)


def _fold_nonzero_count(cols, output_size, kernel_size, stride=1, padding=0):
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    count = F.fold((cols != 0).to(cols.dtype), output_size, **geometry)
    return F.fold(cols, output_size, **geometry) / count.clamp_min(1)


def _fold_count_unpadded(cols, output_size, kernel_size, stride=1, padding=0):
    total = F.fold(cols, output_size, kernel_size, stride=stride, padding=padding)
    ones = torch.ones(1, 1, *output_size, dtype=cols.dtype)
    count = F.fold(
        F.unfold(ones, kernel_size, stride=stride),
        output_size,
        kernel_size,
        stride=stride,
        padding=padding,
    )  # padding forgotten in the unfold
    return total / count.clamp_min(1)


def _fold_divides_cols_in_place(cols, output_size, kernel_size, stride=1, padding=0):
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    count = _count_map(output_size, geometry, cols.dtype).clamp_min(1)
    per_entry = F.unfold(count, **geometry).clamp_min(1)  # the count of each entry's pixel
    cols /= per_entry.repeat(1, cols.shape[1] // per_entry.shape[1], 1)
    return F.fold(cols, output_size, **geometry)


q2 = FunctionProblem(
    "q2",
    "fold_mean",
    _fold_mean_reference,
    _fold_cases,
    **TOL,
    hints=[
        "`F.fold` adds every patch entry back onto its pixel, so a pixel covered by several "
        "patches collects a *sum*. To get an average, divide by how many patches cover each "
        "pixel -- a map you can compute with fold and unfold themselves.",
        "The count map is `F.fold(F.unfold(ones), ...)` for an image of ones with the same "
        "geometry (an entry that happens to be 0 still counts). Where the count is 0 (no patch "
        "covers the pixel) the sum is 0 too: divide by `count.clamp_min(1)` so those pixels "
        "stay 0.",
    ],
    mistakes=[
        Mistake(
            "this is fold without count normalisation: every pixel is summed once per patch "
            "that contains it.",
            _fold_plain,
        ),
        Mistake(
            "you divided by kh·kw everywhere, but pixels near the border (and with a stride) "
            "are covered by fewer patches.",
            _fold_by_taps,
        ),
        Mistake(
            "the result has NaN where no patch covers a pixel (0 / 0): those pixels should stay 0.",
            _fold_nan_gaps,
        ),
        Mistake(
            "you counted only the nonzero entries: an entry that is 0 is still one of the "
            "values averaged (count the patches that cover the pixel).",
            _fold_nonzero_count,
        ),
    ],
    wrong_answers=[
        WrongAnswer("plain fold", _fold_plain, "without count normalisation"),
        WrongAnswer("divided by kh*kw", _fold_by_taps, "kh·kw everywhere"),
        WrongAnswer("0 / 0 in the gaps", _fold_nan_gaps, "NaN"),
        WrongAnswer("count of nonzero entries", _fold_nonzero_count, "nonzero"),
        WrongAnswer("padding left out of the count map", _fold_count_unpadded, "sliding blocks"),
        WrongAnswer(
            "float32 result",
            returns_dtype(_fold_mean_reference, torch.float32),
            "dtype torch.float32",
        ),
        WrongAnswer("divides cols in place", _fold_divides_cols_in_place, "in place"),
    ],
)


# -- q3 and q4: the backward pass ------------------------------------------------------------------


def _backward_geometries() -> list[tuple[tuple[int, ...], tuple[int, ...], int, int, str]]:
    """(x shape, w shape, stride, padding, description) of the q3 and q4 cases."""
    return [
        ((2, 2, 5, 5), (3, 2, 3, 3), 1, 0, "square"),
        ((1, 3, 6, 9), (2, 3, 2, 3), 1, 0, "non-square image and kernel"),
        ((2, 2, 8, 7), (3, 2, 3, 3), 2, 1, "stride 2, padding 1"),
        ((3, 1, 9, 8), (2, 1, 3, 2), 3, 0, "stride 3: the last rows/columns get no gradient"),
        ((1, 1, 1, 1), (1, 1, 1, 1), 1, 0, "1x1 image, 1x1 kernel"),
        ((2, 2, 4, 5), (3, 2, 4, 5), 1, 0, "kernel as large as the image"),
        ((2, 3, 6, 7), (4, 3, 3, 3), 1, 1, "padding 1"),
    ]


def _backward_operands(seed: int):
    gen = torch.Generator().manual_seed(seed)
    for x_shape, w_shape, stride, padding, text in _backward_geometries():
        x, w = _randn(gen, *x_shape), _randn(gen, *w_shape)
        out_shape = F.conv2d(x, w, stride=stride, padding=padding).shape
        grad_out = _randn(gen, *out_shape)
        yield x, w, grad_out, stride, padding, text


def _grad_input_cases() -> list[Case]:
    rng = np.random.default_rng(403)
    cases = []
    for x, w, grad_out, stride, padding, text in _backward_operands(403):
        size = tuple(x.shape[2:])
        n, taps = x.shape[0], w[0].numel()
        matmul = _tagged(rng, n * taps * grad_out[0, 0].numel())
        label = f"grad_out {tuple(grad_out.shape)}, w {tuple(w.shape)}, input_size={size}, "
        label += f"stride={stride}, padding={padding} ({text})"
        kwargs = {"stride": stride, "padding": padding, "matmul": matmul}
        cases.append(Case((grad_out, w, size), kwargs, label))
    return cases


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


def _grad_input_unflipped(grad_out, w, input_size, stride=1, padding=0, matmul=None):
    """A full correlation of grad_out with the *unflipped* kernel."""
    return _grad_input_autograd(grad_out, w.flip(-2, -1), input_size, stride, padding)


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


def _grad_input_flipped(grad_out, w, input_size, stride=1, padding=0, matmul=torch.matmul):
    return _grad_input_reference(grad_out, w.flip(-2, -1), input_size, stride, padding, matmul)


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
        Mistake(
            "the gradient w.r.t. the input was computed as a correlation of grad_out with the "
            "unflipped kernel (and without the `matmul` you were given): as a correlation it "
            "needs the flipped kernel -- or, as this exercise asks, W transposed times "
            "grad_out with `matmul`, then `F.fold`.",
            _grad_input_unflipped,
        ),
        Mistake(
            "you forgot to sum over output channels: every output channel k sends gradient "
            "back to every input pixel it read, and these contributions add up (one product "
            "with the whole W does the sum).",
            _grad_input_last_channel_only,
        ),
        Mistake(
            "you flipped the kernel: in the fold formulation nothing is flipped, the "
            "transpose of W and `fold` do it.",
            _grad_input_flipped,
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
        WrongAnswer("kernel flipped before W^T", _grad_input_flipped, "flipped the kernel"),
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
    rng = np.random.default_rng(404)
    cases = []
    for x, w, grad_out, stride, padding, text in _backward_operands(404):
        kernel = tuple(w.shape[2:])
        n, k, taps = x.shape[0], w.shape[0], w[0].numel()
        matmul = _tagged(rng, n * k * taps, k * taps)  # batched, or the batch in one product
        label = f"x {tuple(x.shape)}, grad_out {tuple(grad_out.shape)}, kernel_size={kernel}, "
        label += f"stride={stride}, padding={padding} ({text})"
        kwargs = {"stride": stride, "padding": padding, "matmul": matmul}
        cases.append(Case((x, grad_out, kernel), kwargs, label))
    return cases


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


# -- q5: where did this patch come from? -------------------------------------------------------

NORM_FLOOR = 1e-12


def _cosine_map(image: torch.Tensor, patch: torch.Tensor) -> torch.Tensor:
    """Cosine of patch (C, ph, pw) with every window of image (C, H, W): (Ho, Wo)."""
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    energy = F.conv2d(x**2, torch.ones_like(p))[0, 0]
    norms = energy.clamp_min(0).sqrt().clamp_min(NORM_FLOOR)
    return dots / (norms * patch.norm().clamp_min(NORM_FLOOR))


def _argmax_2d(scores: torch.Tensor, width: int | None = None) -> tuple[int, int]:
    index = int(torch.argmax(scores))
    width = scores.shape[1] if width is None else width
    return index // width, index % width


def _locate_reference(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(_cosine_map(image, patch))


def _smooth_image(gen: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    """A dim, smooth random texture (C, H, W), each channel in [0, 0.5] (blurred noise)."""
    noise = torch.rand(1, channels, height + 4, width + 4, generator=gen, dtype=DTYPE)
    blurred = F.avg_pool2d(noise, 5, stride=1)[0]
    low = blurred.amin(dim=(1, 2), keepdim=True)
    high = blurred.amax(dim=(1, 2), keepdim=True)
    return 0.5 * (blurred - low) / (high - low)


#: (channels, image size, patch size, patch top-left, extra, description) of the q5 cases;
#: every image also has a bright, nearly flat block away from the patch, where an
#: unnormalised correlation is largest.
_LOCATE_SPECS = [
    (3, (20, 24), (5, 5), (11, 3), "", "colour image"),
    (1, (18, 30), (4, 6), (2, 17), "", "one channel, non-square patch"),
    (2, (25, 16), (7, 3), (14, 9), "black", "a black region: windows of norm 0"),
    (3, (16, 16), (6, 6), (9, 1), "brighter", "searched in a brighter copy"),
    (2, (12, 20), (12, 5), (0, 13), "", "patch as tall as the image"),
    (3, (18, 22), (5, 5), (10, 14), "recoloured", "rescaled colours; a colour-swapped copy"),
]


def _locate_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(405)
    cases = []
    for channels, (height, width), (ph, pw), (top, left), extra, text in _LOCATE_SPECS:
        image = _smooth_image(gen, channels, height, width)
        patch = image[:, top : top + ph, left : left + pw].clone()
        bright_top = 0 if top >= ph else height - ph
        bright_left = 0 if left >= pw else width - pw
        if ph == height:  # the patch spans all rows: put the block in the other columns
            bright_top, bright_left = 0, 0
        block = 0.95 + 0.05 * torch.rand(channels, ph, pw, generator=gen, dtype=DTYPE)
        image[:, bright_top : bright_top + ph, bright_left : bright_left + pw] = block
        if extra == "black":
            image[:, height - ph :, :pw] = 0.0  # the bottom-left corner is black
        if extra == "brighter":
            image = 1.8 * image
        if extra == "recoloured":
            image = image * torch.tensor([1.3, 1.0, 0.75], dtype=DTYPE)[:, None, None]
            image[:, 1 : 1 + ph, 8 : 8 + pw] = patch.roll(1, dims=0)  # same grey, other colours
        label = f"image {(channels, height, width)}, patch {(channels, ph, pw)} cut at "
        label += f"{(top, left)} ({text})"
        cases.append(Case((image, patch), label=label))
    return cases


def _locate_raw(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(F.conv2d(image[None], patch[None])[0, 0])


def _locate_swapped(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    row, col = _locate_reference(image, patch)
    return col, row


def _locate_unguarded(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    norms = F.conv2d(x**2, torch.ones_like(p))[0, 0].sqrt()
    return _argmax_2d(dots / (norms * patch.norm()))


def _locate_squared_norm(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    energy = F.conv2d(x**2, torch.ones_like(p))[0, 0]
    return _argmax_2d(dots / (energy.clamp_min(NORM_FLOOR) * patch.norm()))


def _locate_grey(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _locate_reference(image.mean(0, keepdim=True), patch.mean(0, keepdim=True))


def _locate_image_width(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(_cosine_map(image, patch), width=image.shape[-1])


def _locate_flipped(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _locate_reference(image, patch.flip(-2, -1))


def _locate_tensors(image: torch.Tensor, patch: torch.Tensor):
    scores = _cosine_map(image, patch)
    index = torch.argmax(scores)
    return index // scores.shape[1], index % scores.shape[1]


def _locate_single_channel_ones(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    x, p = image[None], patch[None]
    dots = F.conv2d(x, p)[0, 0]
    ones = torch.ones(1, 1, *patch.shape[1:], dtype=patch.dtype)  # one channel only
    norms = F.conv2d(x**2, ones)[0, 0].sqrt().clamp_min(NORM_FLOOR)
    return _argmax_2d(dots / (norms * patch.norm()))


def _locate_lesson_helper(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    from course_utils.widgets import lesson04

    return lesson04.best_match(lesson04.cosine_similarity_map(image, patch))


q5 = FunctionProblem(
    "q5",
    "locate_patch",
    _locate_reference,
    _locate_cases,
    hints=[
        "Use the patch as a convolution kernel: `F.conv2d(image[None], patch[None])` gives "
        "<window, patch> for every window, summed over the channels. On its own this "
        "favours bright windows; divide by each window's norm (and the patch's) to compare "
        "patterns, not brightness.",
        "The squared norm of every window is another conv2d: `image**2` correlated with a "
        "kernel of ones of the patch's shape (all its channels). Take the square root, guard "
        "against 0 (`clamp_min`), divide, then turn the flat `argmax` into (row, col) with "
        "`//` and `%` by the similarity map's width, as Python ints.",
    ],
    mistakes=[
        Mistake(
            "this is the maximum of the unnormalised similarity, which picks the brightest "
            "region rather than the best-matching one: divide by the window norms.",
            _locate_raw,
        ),
        Mistake("row and column are swapped: return (row, col).", _locate_swapped),
        Mistake(
            "a black window has norm 0, so its score is 0 / 0 = NaN, and argmax picks the "
            "NaN: guard the norms with `clamp_min`.",
            _locate_unguarded,
        ),
        Mistake(
            "you divided by the squared window norm (the conv2d of image**2): take its square "
            "root first.",
            _locate_squared_norm,
        ),
        Mistake(
            "the channels were averaged into one grey image first: the match must compare "
            "all channels (conv2d with the (C, ph, pw) patch sums over them).",
            _locate_grey,
        ),
        Mistake(
            "the flat argmax was converted with the image's width; use the width of the "
            "similarity map, W − pw + 1.",
            _locate_image_width,
        ),
        Mistake(
            "the patch was flipped (a true convolution): conv2d already correlates the patch "
            "with each window as it is.",
            _locate_flipped,
        ),
    ],
    wrong_answers=[
        WrongAnswer("unnormalised correlation", _locate_raw, "unnormalised"),
        WrongAnswer("(col, row)", _locate_swapped, "swapped"),
        WrongAnswer("no guard against norm 0", _locate_unguarded, "NaN"),
        WrongAnswer("squared norm", _locate_squared_norm, "square root"),
        WrongAnswer("grey image", _locate_grey, "grey"),
        WrongAnswer("image width in the index conversion", _locate_image_width, "width"),
        WrongAnswer("patch flipped", _locate_flipped, "flipped"),
        WrongAnswer("tensors instead of ints", _locate_tensors, "expected an int"),
        WrongAnswer("one-channel kernel of ones", _locate_single_channel_ones, "channels"),
        WrongAnswer("the lesson's 2-D helper", _locate_lesson_helper, "must be 2-D"),
    ],
)

EXERCISES = ExerciseSet("04_unfold_and_fold", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
