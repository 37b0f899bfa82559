"""Contextual attention, q5: where each position copied from."""

from __future__ import annotations

import torch

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.stock import common_wrong_answers
from course_utils.exercise_sets.ex07_contextual_attention._common import (
    DTYPE,
    _box_hole,
    _note,
    torch_cases,
)
from course_utils.exercise_sets.ex07_contextual_attention._known import _known_reference
from course_utils.exercise_sets.ex07_contextual_attention._rebuild import _own_patch_attention
from course_utils.exercise_sets.ex07_contextual_attention._scores import _scores_reference
from course_utils.exercise_sets.ex07_contextual_attention._softmax import _softmax_reference
from course_utils.inpainting.attention import attention_offsets

# -- q5: where did each position copy from? ----------------------------------------------------


def _offsets_reference(attention: torch.Tensor) -> torch.Tensor:
    return attention_offsets(attention[None])[0]


def _shift_attention(height: int, width: int, d_row: int, d_col: int) -> torch.Tensor:
    """One-hot (L, H, W): position (i, j) attends to ((i + d_row) % H, (j + d_col) % W)."""
    attention = torch.zeros(height * width, height, width, dtype=DTYPE)
    for i in range(height):
        for j in range(width):
            attention[((i + d_row) % height) * width + (j + d_col) % width, i, j] = 1.0
    return attention


def _q5_cases() -> list[Case]:
    cases = torch_cases(705, "attention")

    def add(attention: torch.Tensor, text: str) -> None:
        cases.add(attention, note=_note(tuple(attention.shape), text))

    def soft(height: int, width: int) -> torch.Tensor:
        count = height * width
        return torch.softmax(4.0 * cases.draw((count, height, width)), dim=0)

    add(soft(4, 5), "random soft attention")
    add(_shift_attention(5, 6, 2, -1), "one-hot, every position copies from 2 down, 1 left")
    partial = soft(6, 4)
    partial[:, 2:4, 1:3] = 0.0
    add(partial, "some positions attend to nothing")
    add(torch.zeros(12, 3, 4, dtype=DTYPE), "no known patch: nothing attended")
    add(_own_patch_attention(3, 7), "every position takes its own patch")
    add(soft(2, 9), "two rows")
    add(soft(5, 5), "square")
    add(torch.ones(1, 1, 1, dtype=DTYPE), "1x1 image")
    features = cases.draw((2, 5, 7))
    hole = _box_hole(5, 7, 1, 4, 3, 3)
    scores = _scores_reference(features, features * ~hole)
    add(_softmax_reference(scores, _known_reference(hole)), "attention of a real hole")
    return cases.build()


def _offsets_swapped(attention: torch.Tensor) -> torch.Tensor:
    return _offsets_reference(attention).flip(0)


def _offsets_reversed(attention: torch.Tensor) -> torch.Tensor:
    return -_offsets_reference(attention)


def _offsets_unmasked(attention: torch.Tensor) -> torch.Tensor:
    count, height, width = attention.shape
    best = attention.argmax(dim=0)
    rows = torch.arange(height).view(height, 1)
    cols = torch.arange(width).view(1, width)
    return torch.stack([best // width - rows, best % width - cols])


def _offsets_by_height(attention: torch.Tensor) -> torch.Tensor:
    count, height, width = attention.shape
    best = attention.argmax(dim=0)
    rows = torch.arange(height).view(height, 1)
    cols = torch.arange(width).view(1, width)
    offsets = torch.stack([best // height - rows, best % height - cols])
    return offsets * (attention.amax(dim=0) > 0)


def _offsets_channels_last(attention: torch.Tensor) -> torch.Tensor:
    return _offsets_reference(attention).permute(1, 2, 0).contiguous()


def _wa_offsets_float(attention: torch.Tensor) -> torch.Tensor:
    _, height, width = attention.shape
    best = attention.argmax(dim=0)
    rows = torch.arange(height)[:, None]
    cols = torch.arange(width)[None, :]
    offsets = torch.stack([(best / width).floor() - rows, best % width - cols])  # float
    return offsets * (attention.amax(dim=0) > 0)


q5 = FunctionProblem(
    "q5",
    "attention_offsets",
    _offsets_reference,
    _q5_cases,
    rtol=0.0,
    atol=0.0,  # bool / int64 answers: compared exactly
    hints=[
        "For every position take the argmax over the patch axis: that is the index l of the "
        "patch it copies most from. Turn l into the (row, column) of the patch centre, "
        "subtract the position's own (i, j), and set the offset to (0, 0) wherever the "
        "attention is all zero.",
        "`best = attention.argmax(dim=0)` is (H, W); its centre is `(best // W, best % W)`. "
        "With `rows = torch.arange(H)[:, None]` and `cols = torch.arange(W)[None, :]`, stack "
        "`best // W - rows` and `best % W - cols` on a new first axis, then multiply by "
        "`attention.amax(dim=0) > 0` (int64 throughout).",
    ],
    mistakes=[
        Mistake(
            "row and column are swapped: channel 0 is the row offset, channel 1 the column offset.",
            _offsets_swapped,
        ),
        Mistake(
            "the offsets point the wrong way: they go from the position to the patch it "
            "copies from (patch centre minus own position).",
            _offsets_reversed,
        ),
        Mistake(
            "positions whose attention is all zero (nothing could be copied) got a non-zero "
            "offset: argmax of an all-zero column is 0, but such positions should show (0, 0).",
            _offsets_unmasked,
        ),
        Mistake(
            "the patch index was split with the height: patch l is centred at row l // W and "
            "column l % W, with W the width (on a square map both are the same).",
            _offsets_by_height,
        ),
        Mistake(
            "the result is (H, W, 2): stack the two offsets on a new *first* axis, (2, H, W).",
            _offsets_channels_last,
        ),
    ],
    wrong_answers=[
        WrongAnswer("row and column swapped", _offsets_swapped, "swapped"),
        WrongAnswer("own position minus patch centre", _offsets_reversed, "wrong way"),
        WrongAnswer("no (0, 0) where nothing is attended", _offsets_unmasked, "all zero"),
        WrongAnswer("l // H and l % H", _offsets_by_height, "split with the height"),
        WrongAnswer("offsets stacked last", _offsets_channels_last, "(H, W, 2)"),
        WrongAnswer("float offsets", _wa_offsets_float, "float32"),
        *common_wrong_answers(_offsets_reference, transposed=False),
    ],
)
