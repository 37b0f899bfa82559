"""q4 (a convolution as one matrix product) and q5 (the memory of the column matrix) of the
im2col set."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake, ValueProblem, WrongAnswer
from course_utils.checks.cases import IMAGE_KERNEL_EDGES, Cases
from course_utils.checks.instruments import TaggedMatmul, draw_tag
from course_utils.checks.stock import common_wrong_answers, kernel_flipped
from course_utils.checks.wrong_answers import returns_transpose
from course_utils.conv import conv2d_im2col, conv_output_size, im2col
from course_utils.exercise_sets.ex03_im2col._common import GEMM_TOL, _columns


def _conv2d_gemm(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    """Reference: x (C, H, W), w (K, C, kh, kw) -> (K, Ho, Wo), stride 1, no padding; the
    product is one call of ``matmul``."""
    num_kernels, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    product = matmul(w.reshape(num_kernels, -1), _columns(x, kh, kw))
    return product.reshape(num_kernels, out_h, out_w)


def _conv_cases() -> list[Case]:
    cases = Cases(seed=6, names=("x", "w"))

    def add(x_shape: tuple, w_shape: tuple, note: str = "") -> None:
        out_pixels = (x_shape[1] - w_shape[2] + 1) * (x_shape[2] - w_shape[3] + 1)
        matmul = TaggedMatmul([w_shape[0] * out_pixels], draw_tag(cases.rng))
        cases.add(x_shape, w_shape, matmul=matmul, note=note)

    add((2, 5, 7), (3, 2, 3, 2), "output 3x6: non-square, asymmetric kernel")
    add((1, 4, 4), (1, 1, 3, 3))
    add((3, 6, 5), (4, 3, 2, 3))
    add((2, 3, 3), (2, 2, 3, 3), "kernel as large as the image: one output pixel")
    add((4, 5, 6), (2, 4, 1, 1), "1x1 kernel: a pure channel mix")
    add((1, 1, 1), (3, 1, 1, 1))
    add((3, 8, 6), (5, 3, 3, 3))
    for edge in IMAGE_KERNEL_EDGES:
        image, kernel = edge.args
        add((2, *image), (3, 2, *kernel), edge.note)
    return cases.build()


def _untagged(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    return _conv2d_gemm(x, w)


def _reshaped_column_major(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    result = _conv2d_gemm(x, w, matmul)
    num_kernels, out_h, out_w = result.shape
    return result.reshape(num_kernels, out_w, out_h).transpose(0, 2, 1)


def _weights_channels_last(x: np.ndarray, w: np.ndarray, matmul=np.matmul) -> np.ndarray:
    num_kernels, channels, kh, kw = w.shape
    rows = w.transpose(0, 2, 3, 1).reshape(num_kernels, -1)  # (u, v, c) order
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return matmul(rows, _columns(x, kh, kw)).reshape(num_kernels, out_h, out_w)


def _learner_gemm(x, w, product, *, out_hw=None):
    """A learner's conv2d_gemm around ``product(weights, cols)`` (wrong answers vary it)."""
    num_kernels, _, kh, kw = w.shape
    out_h, out_w = out_hw or (x.shape[1] - kh + 1, x.shape[2] - kw + 1)
    flat = product(w.reshape(num_kernels, -1), im2col(x[None], (kh, kw))[0])
    return flat.reshape(num_kernels, out_h, out_w)


def _wrong_gemm_per_kernel(x, w, matmul=np.matmul):
    def rows(weights, cols):
        return np.stack([matmul(row, cols) for row in weights])  # K small products

    return _learner_gemm(x, w, rows)


def _wrong_gemm_dot_loops(x, w, matmul=np.matmul):
    num_kernels, _, kh, kw = w.shape
    out_h, out_w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    y = np.zeros((num_kernels, out_h, out_w))
    for k in range(num_kernels):
        for i in range(out_h):
            for j in range(out_w):
                y[k, i, j] = np.dot(w[k].ravel(), x[:, i : i + kh, j : j + kw].ravel())
    return y


def _wrong_gemm_no_plus_one(x, w, matmul=np.matmul):
    out_hw = (x.shape[1] - w.shape[2], x.shape[2] - w.shape[3])
    return _learner_gemm(x, w, matmul, out_hw=out_hw)


def _wrong_gemm_flat(x, w, matmul=np.matmul):
    return matmul(w.reshape(w.shape[0], -1), im2col(x[None], w.shape[2:])[0])


NOT_ONE_PRODUCT = (
    "the result was not computed by one call of the `matmul` your function receives "
    "(the whole (K, C·kh·kw) weight matrix times the whole (C·kh·kw, Ho·Wo) column matrix). "
    "`@`, `np.matmul` itself, `einsum`, `tensordot`, Python loops, several smaller products "
    "or a ready-made convolution give the same numbers, but not the method this exercise "
    "is about."
)

q4 = FunctionProblem(
    "q4",
    "conv2d_gemm",
    _conv2d_gemm,
    _conv_cases,
    **GEMM_TOL,
    # the exercise is the one product: the column matrix may come from the course's im2col
    allowed_calls=("course_utils.conv.im2col.im2col",),
    hints=[
        "Three steps: the column matrix of x (shape (C·kh·kw, Ho·Wo)), the weights as a matrix "
        "(shape (K, C·kh·kw)), one call `matmul(weights, cols)`. Then give the (K, Ho·Wo) "
        "product its image shape.",
        "`w.reshape(K, -1)` flattens each kernel in (c, u, v) order, the same order as the "
        "rows of the column matrix. Column i·Wo + j is output pixel (i, j), so the product "
        "reshapes directly to (K, Ho, Wo). Do not flip the kernel, and use the `matmul` "
        "argument, not `@`: the check passes its own `matmul` and recognises its product.",
    ],
    mistakes=[
        Mistake(NOT_ONE_PRODUCT, _untagged),
        kernel_flipped(_conv2d_gemm),
        Mistake(
            "the product was reshaped as (K, Wo, Ho) and then transposed: its columns are "
            "output pixels in row-major order, so reshape to (K, Ho, Wo) directly.",
            _reshaped_column_major,
        ),
        Mistake(
            "every output map is transposed (Ho and Wo swapped).", returns_transpose(_conv2d_gemm)
        ),
        Mistake(
            "the weights and the column matrix are flattened in different orders (the channel "
            "must be the slowest index in both).",
            _weights_channels_last,
        ),
    ],
    wrong_answers=[
        WrongAnswer(
            "np.einsum instead of the given matmul",
            lambda x, w, matmul=np.matmul: _learner_gemm(
                x, w, lambda a, b: np.einsum("kp,pl->kl", a, b)
            ),
            "one call of",
        ),
        WrongAnswer(
            "`@` instead of the given matmul",
            lambda x, w, matmul=np.matmul: _learner_gemm(x, w, np.matmul),
            "one call of",
        ),
        WrongAnswer("one matmul per kernel", _wrong_gemm_per_kernel, "one call of"),
        WrongAnswer("loops of dot products", _wrong_gemm_dot_loops, "one call of"),
        WrongAnswer(
            "course_utils.conv.conv2d_im2col",
            lambda x, w, matmul=np.matmul: conv2d_im2col(x[None], w)[0],
            "one call of",
        ),
        WrongAnswer("reshaped (K, Wo, Ho) then transposed", _reshaped_column_major, "row-major"),
        WrongAnswer("weights flattened (u, v, c)", _weights_channels_last, "different orders"),
        WrongAnswer("Ho = H - kh (no + 1)", _wrong_gemm_no_plus_one, "cannot reshape"),
        WrongAnswer("product not reshaped", _wrong_gemm_flat, "expected shape (3, 3, 6)"),
        *common_wrong_answers(_conv2d_gemm, kernel_arg=1, wrong_dtype=np.float32),
    ],
)


# -- q5: the memory of the column matrix --------------------------------------------------------

# ResNet's first layer: N RGB images of 224x224, 7x7 kernels, stride 2, padding 3, float32.
BATCH, CHANNELS, SIDE, KERNEL, STRIDE, PADDING, FLOAT32_BYTES = 16, 3, 224, 7, 2, 3, 4


def _column_bytes(
    batch: int = BATCH,
    stride: int = STRIDE,
    padding: int = PADDING,
    itemsize: int = FLOAT32_BYTES,
    taps: int = KERNEL * KERNEL,
    out: int | None = None,
) -> int:
    if out is None:
        out = conv_output_size(SIDE, KERNEL, stride=stride, padding=padding)
    return batch * CHANNELS * taps * out * out * itemsize


_OUT = conv_output_size(SIDE, KERNEL, stride=STRIDE, padding=PADDING)  # 112
_INPUT_BYTES = BATCH * CHANNELS * SIDE * SIDE * FLOAT32_BYTES

q5 = ValueProblem(
    "q5",
    "column_bytes",
    _column_bytes(),
    hints=[
        "The column matrix of the whole batch has shape (N, C·kh·kw, Ho·Wo); count its "
        "entries, then the bytes per entry. Ho comes from the output-size formula, with the "
        "stride and the padding.",
        "Ho = ⌊(224 + 2·3 − 7) / 2⌋ + 1 (the same for Wo); use `//` so that the answer stays "
        "an integer. C is 3 (the input's channels, not the number of kernels), float32 takes "
        "4 bytes, and the batch has 16 images.",
    ],
    mistakes=[
        Mistake(
            "that is the number of entries; each float32 entry takes 4 bytes.",
            _column_bytes(itemsize=1),
        ),
        Mistake("that is the column matrix of one image; the batch has 16.", _column_bytes(1)),
        Mistake("that counts 8 bytes per entry; float32 takes 4.", _column_bytes(itemsize=8)),
        Mistake(
            "the stride was ignored: with stride 2 only every second window is cut, in both "
            "directions.",
            _column_bytes(stride=1),
        ),
        Mistake(
            "the padding was left out of the output size (the window slides over the padded "
            "length 224 + 2·3).",
            _column_bytes(padding=0),
        ),
        Mistake("the output size is off by one: check the '+ 1'.", _column_bytes(out=_OUT - 1)),
        Mistake(
            "that is the size of the input; every column holds a whole C·kh·kw patch.",
            _INPUT_BYTES,
        ),
        Mistake(
            "the kernel taps are missing: a column holds C·kh·kw numbers, not C.",
            _column_bytes(taps=1),
        ),
    ],
    wrong_answers=[
        WrongAnswer("entries, not bytes", _column_bytes(itemsize=1), "4 bytes"),
        WrongAnswer("one image", _column_bytes(1), "one image"),
        WrongAnswer("float64 itemsize", _column_bytes(itemsize=8), "8 bytes"),
        WrongAnswer("stride ignored", _column_bytes(stride=1), "stride was ignored"),
        WrongAnswer("padding ignored", _column_bytes(padding=0), "padding was left out"),
        WrongAnswer("Ho without + 1", _column_bytes(out=_OUT - 1), "off by one"),
        WrongAnswer("the input's size", _INPUT_BYTES, "size of the input"),
        WrongAnswer("no kernel taps", _column_bytes(taps=1), "taps are missing"),
        WrongAnswer(
            "true division in Ho",
            BATCH * CHANNELS * KERNEL * KERNEL * 112.5 * 112.5 * FLOAT32_BYTES,
            "expected an int",
        ),
        WrongAnswer("a float", float(_column_bytes()), "expected an int"),
    ],
)
