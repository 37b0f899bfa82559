"""q1 (conv2d from unfold, one product and a view) and q2 (an averaging fold) of the
unfold/fold set."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import keep
from course_utils.checks.stock import common_wrong_answers, kernel_flipped, keyword_ignored
from course_utils.checks.wrong_answers import returns_dtype, returns_transpose
from course_utils.conv.unfold import conv2d_unfold
from course_utils.exercise_sets.ex04_unfold_and_fold._common import (
    TOL,
    _not_one_product,
    _out_size,
    _tagged,
    edge_geometries,
    tensor_cases,
)


def _conv_reference(x, w, stride=1, padding=0, matmul=torch.matmul):
    """unfold, one product, view (equal to F.conv2d: see the tests)."""
    n, k = x.shape[0], w.shape[0]
    h_out = _out_size(x.shape[2], w.shape[2], stride, padding)
    w_out = _out_size(x.shape[3], w.shape[3], stride, padding)
    cols = F.unfold(x, w.shape[2:], stride=stride, padding=padding)
    return matmul(w.reshape(k, -1), cols).reshape(n, k, h_out, w_out)


#: (x shape, w shape, stride, padding, description) of the q1 cases, then the edge shapes.
_CONV_GEOMETRIES = [
    ((2, 3, 6, 9), (4, 3, 3, 2), 1, 0, "non-square image and kernel"),
    ((1, 1, 5, 5), (2, 1, 3, 3), 1, 0, "square"),
    ((2, 2, 8, 7), (3, 2, 3, 3), 2, 1, "stride 2, padding 1 (does not divide evenly)"),
    ((1, 2, 9, 6), (2, 2, 2, 4), 3, 0, "stride 3 leaves rows unused"),
    ((1, 1, 1, 1), (2, 1, 1, 1), 1, 0, "1x1 image, 1x1 kernel"),
    ((3, 2, 4, 5), (3, 2, 4, 5), 1, 0, "kernel as large as the image"),
    ((1, 4, 7, 10), (5, 4, 1, 1), 1, 0, "1x1 kernel (a per-pixel matmul)"),
    ((2, 3, 5, 8), (2, 3, 3, 3), 1, 2, "padding 2"),
    *edge_geometries(channels=3, kernels=4, stride=2, padding=0),
]


def _conv_cases() -> list[Case]:
    cases = tensor_cases(seed=401, names=("x", "w"))
    for x_shape, w_shape, stride, padding, text in _CONV_GEOMETRIES:
        h_out = _out_size(x_shape[2], w_shape[2], stride, padding)
        w_out = _out_size(x_shape[3], w_shape[3], stride, padding)
        matmul = _tagged(cases.rng, x_shape[0] * w_shape[0] * h_out * w_out)
        cases.add(x_shape, w_shape, stride=stride, padding=padding, matmul=matmul, note=text)
    return cases.build()


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
            "every output map is transposed (Ho and Wo swapped): the L axis runs over the "
            "output positions row by row.",
            returns_transpose(_conv_reference),
        ),
        kernel_flipped(_conv_reference),
        keyword_ignored(_conv_reference, "stride", 1),
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
        WrongAnswer("stride left out of unfold", _conv_stride_ignored, "invalid for input of size"),
        *common_wrong_answers(_conv_reference, kernel_arg=1),
        WrongAnswer(
            "float32 result", returns_dtype(_conv_reference, torch.float32), "dtype torch.float32"
        ),
        WrongAnswer(
            "a NumPy array",
            lambda *args, **kwargs: _conv_reference(*args, **kwargs).numpy(),
            "expected a torch Tensor",
        ),
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


#: (x shape, kernel, stride, padding, description) of the q2 cases, then the edge shapes.
_FOLD_GEOMETRIES = [
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
    *((x, w[2:], s, p, note) for x, w, s, p, note in edge_geometries(2, 1, stride=2, padding=0)),
]


def _fold_cases() -> list[Case]:
    cases = tensor_cases(seed=402, names=("cols", "output_size", "kernel_size"))
    for index, (x_shape, kernel, stride, padding, text) in enumerate(_FOLD_GEOMETRIES):
        geometry = {"kernel_size": kernel, "stride": stride, "padding": padding}
        cols = F.unfold(cases.draw(x_shape), **geometry)
        # the odd cases are not the patches of any image: then the answer is a true average
        if index % 2:
            cols = cols + 0.5 * cases.draw(tuple(cols.shape))
            text += "; not the patches of one image"
        if "zeros" in text:
            cols[:, :, ::3] = 0.0  # dropped patches
        size, kernel = keep(x_shape[2:]), keep(kernel)
        cases.add(cols, size, kernel, stride=stride, padding=padding, note=text)
    return cases.build()


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
