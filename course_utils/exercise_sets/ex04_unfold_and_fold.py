"""Checks for ``exercises/04_unfold_and_fold.ipynb``: convolution and its gradients from
``F.unfold`` / ``F.fold``, averaging overlapping patches, and locating a patch with ``conv2d``.

Every case is float64 torch tensors. Tolerances (all function exercises): ``rtol=1e-10``,
``atol=1e-10``. The answers are sums of at most a few hundred products of O(1) numbers; in
float64 any summation order (matmul, fold, conv2d, autograd) agrees to ~1e-14 relative, so
1e-10 leaves four orders of magnitude of margin, while any wrong index, flip, transpose or
missing normalisation gives errors of order 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, ExerciseSet, FunctionProblem, Mistake

TOL = {"rtol": 1e-10, "atol": 1e-10}
DTYPE = torch.float64


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=DTYPE)


def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


# -- q1: conv2d = unfold + matmul + view ------------------------------------------------------


def _conv_reference(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0):
    return F.conv2d(x, w, stride=stride, padding=padding)


def _conv_geometries() -> list[tuple[tuple[int, ...], tuple[int, ...], int, int, str]]:
    """(x shape, w shape, stride, padding, description) of the q1 cases."""
    return [
        ((1, 1, 5, 5), (2, 1, 3, 3), 1, 0, "square"),
        ((2, 3, 6, 9), (4, 3, 3, 2), 1, 0, "non-square image and kernel"),
        ((2, 2, 8, 7), (3, 2, 3, 3), 2, 1, "stride 2, padding 1 (does not divide evenly)"),
        ((1, 2, 9, 6), (2, 2, 2, 4), 3, 0, "stride 3 leaves rows unused"),
        ((1, 1, 1, 1), (2, 1, 1, 1), 1, 0, "1x1 image, 1x1 kernel"),
        ((3, 2, 4, 5), (3, 2, 4, 5), 1, 0, "kernel as large as the image"),
        ((1, 4, 7, 10), (5, 4, 1, 1), 1, 0, "1x1 kernel (a per-pixel matmul)"),
        ((2, 3, 5, 8), (2, 3, 3, 3), 1, 2, "padding 2"),
    ]


def _conv_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(401)
    cases = []
    for x_shape, w_shape, stride, padding, text in _conv_geometries():
        x, w = _randn(gen, *x_shape), _randn(gen, *w_shape)
        label = f"x {x_shape}, w {w_shape}, stride={stride}, padding={padding} ({text})"
        cases.append(Case((x, w), {"stride": stride, "padding": padding}, label=label))
    return cases


def _conv_wrong_view(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0):
    """(N, L, K) product viewed as (N, K, Ho, Wo) without moving K in front."""
    n, k = x.shape[0], w.shape[0]
    ho = _out_size(x.shape[2], w.shape[2], stride, padding)
    wo = _out_size(x.shape[3], w.shape[3], stride, padding)
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    return (cols.transpose(1, 2) @ w.reshape(k, -1).t()).reshape(n, k, ho, wo)


def _conv_swapped_hw(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0):
    n, k = x.shape[0], w.shape[0]
    ho = _out_size(x.shape[2], w.shape[2], stride, padding)
    wo = _out_size(x.shape[3], w.shape[3], stride, padding)
    return _conv_reference(x, w, stride, padding).reshape(n, k, wo, ho)


def _conv_flipped(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0):
    return _conv_reference(x, w.flip(-2, -1), stride, padding)


q1 = FunctionProblem(
    "q1",
    "conv2d_via_unfold",
    _conv_reference,
    _conv_cases,
    **TOL,
    hints=[
        "Three steps: `F.unfold` gives the patches as columns, one matrix product with the "
        "filters flattened to rows combines them, and a `view`/`reshape` restores the image "
        "layout. Print the shape after each step.",
        "`cols = F.unfold(x, (kh, kw), stride=..., padding=...)` is (N, C·kh·kw, L). "
        "`w.reshape(K, -1)` is (K, C·kh·kw). Their product is (N, K, L) with L = Ho·Wo in "
        "row-major order (Ho rows of Wo positions); compute Ho and Wo with the output-size "
        "formula. No flip: this is cross-correlation.",
    ],
    mistakes=[
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
)


# -- q2: averaging fold --------------------------------------------------------------------------


def _fold_mean_reference(
    cols: torch.Tensor,
    output_size: tuple[int, int],
    kernel_size: tuple[int, int],
    stride: int = 1,
    padding: int = 0,
) -> torch.Tensor:
    geometry = {"kernel_size": kernel_size, "stride": stride, "padding": padding}
    total = F.fold(cols, output_size, **geometry)
    ones = torch.ones(1, 1, *output_size, dtype=cols.dtype)
    count = F.fold(F.unfold(ones, **geometry), output_size, **geometry)
    return total / count.clamp_min(1)


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
    ones = torch.ones(1, 1, *output_size, dtype=cols.dtype)
    count = F.fold(F.unfold(ones, **geometry), output_size, **geometry)
    return F.fold(cols, output_size, **geometry) / count


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
        "geometry. Where the count is 0 (no patch covers the pixel) the sum is 0 too: divide "
        "by `count.clamp_min(1)` so those pixels stay 0.",
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
    cases = []
    for x, w, grad_out, stride, padding, text in _backward_operands(403):
        size = tuple(x.shape[2:])
        label = f"grad_out {tuple(grad_out.shape)}, w {tuple(w.shape)}, input_size={size}, "
        label += f"stride={stride}, padding={padding} ({text})"
        cases.append(Case((grad_out, w, size), {"stride": stride, "padding": padding}, label))
    return cases


def _grad_input_reference(grad_out, w, input_size, stride=1, padding=0):
    """Autograd of F.conv2d: an implementation independent of fold."""
    n = grad_out.shape[0]
    x = torch.zeros(n, w.shape[1], *input_size, dtype=grad_out.dtype, requires_grad=True)
    out = F.conv2d(x, w, stride=stride, padding=padding)
    (grad_x,) = torch.autograd.grad(out, x, grad_out)
    return grad_x


def _grad_input_unflipped(grad_out, w, input_size, stride=1, padding=0):
    """A full correlation of grad_out with the *unflipped* kernel."""
    return _grad_input_reference(grad_out, w.flip(-2, -1), input_size, stride, padding)


def _grad_input_last_channel_only(grad_out, w, input_size, stride=1, padding=0):
    """A loop over output channels that overwrites instead of accumulating."""
    k = w.shape[0]
    return _grad_input_reference(grad_out[:, k - 1 : k], w[k - 1 : k], input_size, stride, padding)


q3 = FunctionProblem(
    "q3",
    "conv2d_grad_input",
    _grad_input_reference,
    _grad_input_cases,
    **TOL,
    hints=[
        "Run the forward pass backwards: the forward was `out = W @ cols`, so the gradient of "
        "the columns is a matrix product with W transposed, and the columns came from "
        "`unfold`, whose adjoint is `fold`.",
        "`grad_cols = w.reshape(K, -1).t() @ grad_out.reshape(N, K, -1)` has shape "
        "(N, C·kh·kw, L); fold it with `output_size=input_size` and the same kernel size, "
        "stride and padding as the forward pass. The product already sums over the K "
        "output channels.",
    ],
    mistakes=[
        Mistake(
            "the gradient w.r.t. the input was computed with an unflipped kernel: as a "
            "correlation over grad_out it needs the flipped kernel (or, equivalently, the "
            "transposed operation: W transposed, then fold).",
            _grad_input_unflipped,
        ),
        Mistake(
            "you forgot to sum over output channels: every output channel k sends gradient "
            "back to every input pixel it read, and these contributions add up.",
            _grad_input_last_channel_only,
        ),
    ],
)


def _grad_weight_cases() -> list[Case]:
    cases = []
    for x, w, grad_out, stride, padding, text in _backward_operands(404):
        kernel = tuple(w.shape[2:])
        label = f"x {tuple(x.shape)}, grad_out {tuple(grad_out.shape)}, kernel_size={kernel}, "
        label += f"stride={stride}, padding={padding} ({text})"
        cases.append(Case((x, grad_out, kernel), {"stride": stride, "padding": padding}, label))
    return cases


def _grad_weight_reference(x, grad_out, kernel_size, stride=1, padding=0):
    """Autograd of F.conv2d: an implementation independent of unfold."""
    k = grad_out.shape[1]
    w = torch.zeros(k, x.shape[1], *kernel_size, dtype=x.dtype, requires_grad=True)
    out = F.conv2d(x, w, stride=stride, padding=padding)
    (grad_w,) = torch.autograd.grad(out, w, grad_out)
    return grad_w


def _grad_weight_transposed(x, grad_out, kernel_size, stride=1, padding=0):
    """cols @ grad_out^T, a (C*kh*kw, K) matrix, reshaped as if it were (K, C*kh*kw)."""
    n, k = grad_out.shape[:2]
    cols = F.unfold(x, kernel_size, stride=stride, padding=padding)
    product = (cols @ grad_out.reshape(n, k, -1).transpose(1, 2)).sum(0)
    return product.reshape(k, x.shape[1], *kernel_size)


def _grad_weight_batch_mean(x, grad_out, kernel_size, stride=1, padding=0):
    return _grad_weight_reference(x, grad_out, kernel_size, stride, padding) / x.shape[0]


q4 = FunctionProblem(
    "q4",
    "conv2d_grad_weight",
    _grad_weight_reference,
    _grad_weight_cases,
    **TOL,
    hints=[
        "In `out[n] = W @ cols[n]` the weights multiply the columns, so dLoss/dW is the "
        "output gradient times the *transposed* columns, one product per image, added up "
        "over the batch (every image used the same W).",
        "`cols` = `F.unfold(x, kernel_size, stride=..., padding=...)` is (N, C·kh·kw, L); "
        "`grad_out.reshape(N, K, L)` times `cols.transpose(1, 2)` is (N, K, C·kh·kw). Sum "
        "over n and reshape to (K, C, kh, kw).",
    ],
    mistakes=[
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
    ],
)


# -- q5: where did this patch come from? -------------------------------------------------------


def _cosine_map(image: torch.Tensor, patch: torch.Tensor) -> torch.Tensor:
    dots = F.conv2d(image[None, None], patch[None, None])[0, 0]
    energy = F.conv2d(image[None, None] ** 2, torch.ones_like(patch)[None, None])[0, 0]
    return dots / (energy.clamp_min(0).sqrt().clamp_min(1e-12) * patch.norm().clamp_min(1e-12))


def _argmax_2d(scores: torch.Tensor) -> tuple[int, int]:
    index = int(torch.argmax(scores))
    return index // scores.shape[1], index % scores.shape[1]


def _locate_reference(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(_cosine_map(image, patch))


def _smooth_image(gen: torch.Generator, height: int, width: int) -> torch.Tensor:
    """A dim, smooth random texture with values in [0, 0.5] (a blurred noise field)."""
    noise = torch.rand(1, 1, height + 4, width + 4, generator=gen, dtype=DTYPE)
    blurred = F.avg_pool2d(noise, 5, stride=1)[0, 0]
    blurred = blurred - blurred.min()
    return 0.5 * blurred / blurred.max()


def _locate_specs() -> list[tuple[tuple[int, int], tuple[int, int], tuple[int, int], str]]:
    """(image size, patch size, patch top-left, description) of the q5 cases."""
    return [
        ((20, 24), (5, 5), (11, 3), "a dim patch, a bright block elsewhere"),
        ((18, 30), (4, 6), (2, 17), "non-square patch"),
        ((25, 16), (7, 3), (14, 9), "tall patch"),
        ((16, 16), (6, 6), (9, 1), "square image"),
        ((12, 20), (12, 5), (0, 13), "patch as tall as the image"),
    ]


def _locate_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(405)
    cases = []
    for index, ((height, width), (ph, pw), (top, left), text) in enumerate(_locate_specs()):
        image = _smooth_image(gen, height, width)
        patch = image[top : top + ph, left : left + pw].clone()
        # a bright, nearly flat block away from the patch: plain correlation is largest there
        bright_top = 0 if top >= ph else height - ph
        bright_left = 0 if left >= pw else width - pw
        if index == 4:  # the patch spans all rows: put the block in the other columns
            bright_top, bright_left = 0, 0
        block = 0.95 + 0.05 * torch.rand(ph, pw, generator=gen, dtype=DTYPE)
        image[bright_top : bright_top + ph, bright_left : bright_left + pw] = block
        if index == 3:  # the patch is searched in a brighter copy of the image
            image = 1.8 * image
        label = f"image {(height, width)}, patch {(ph, pw)} cut at {(top, left)} ({text})"
        cases.append(Case((image, patch), label=label))
    return cases


def _locate_raw(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    return _argmax_2d(F.conv2d(image[None, None], patch[None, None])[0, 0])


def _locate_swapped(image: torch.Tensor, patch: torch.Tensor) -> tuple[int, int]:
    row, col = _locate_reference(image, patch)
    return col, row


q5 = FunctionProblem(
    "q5",
    "locate_patch",
    _locate_reference,
    _locate_cases,
    hints=[
        "Use the patch as a convolution kernel: `F.conv2d(image[None, None], "
        "patch[None, None])` gives <window, patch> for every window. On its own this "
        "favours bright windows; divide by each window's norm (and the patch's) to compare "
        "shapes, not brightness.",
        "The squared norm of every window is another conv2d: `image**2` correlated with a "
        "kernel of ones the size of the patch. Take the square root, guard against 0 "
        "(`clamp_min`), divide, then turn the flat `argmax` into (row, col) with `//` and `%` "
        "by the similarity map's width.",
    ],
    mistakes=[
        Mistake(
            "this is the maximum of the unnormalised similarity, which picks the brightest "
            "region rather than the best-matching one: divide by the window norms.",
            _locate_raw,
        ),
        Mistake("row and column are swapped: return (row, col).", _locate_swapped),
    ],
)

EXERCISES = ExerciseSet("04_unfold_and_fold", [q1, q2, q3, q4, q5])
setup = EXERCISES.setup
