"""q1 of the Winograd set: F(3, 2) by hand, the three outputs from the four products."""

from __future__ import annotations

import numpy as np

from course_utils.checks import Case, FunctionProblem, Mistake, WrongAnswer
from course_utils.checks.cases import Cases
from course_utils.checks.stock import common_wrong_answers


def _f32_products(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The four products of F(3, 2) for d (4,) and g (2,), as the exercise states them."""
    return np.array(
        [
            (d[0] - d[2]) * g[0],
            (d[1] + d[2]) * (g[0] + g[1]) / 2,
            (d[2] - d[1]) * (g[0] - g[1]) / 2,
            (d[3] - d[1]) * g[1],
        ]
    )


def _f32_reference(m: np.ndarray) -> np.ndarray:
    """y (3,) from the products m (4,): the rows of AT of F(3, 2)."""
    return np.array([m[0] + m[1] + m[2], m[1] - m[2], m[1] + m[2] + m[3]])


def _f32_cases() -> list[Case]:
    cases = Cases(seed=500, names=("m",))
    examples = [
        ([1.0, 2.0, 3.0, 4.0], [1.0, -1.0], "d=[1,2,3,4], g=[1,-1]"),
        ([3.0, -1.0, 4.0, 2.0], [2.0, 5.0], "d=[3,-1,4,2], g=[2,5]"),
        ([0.0, 0.0, 1.0, 0.0], [1.0, 2.0], "d = unit pulse, g=[1,2]"),
    ]
    for d, g, text in examples:
        cases.add(_f32_products(np.array(d), np.array(g)), note=f"the products of {text}")
    for index, unit in enumerate(np.eye(4)):
        cases.add(unit, note=f"m = {unit.tolist()}: only m{index + 1} is not zero")
    cases.add_random(
        3, lambda rng: ((4,),), note="four random numbers: the combination holds for any m"
    )
    return cases.build()


def _f32_f23_copied(m):
    return np.array([m[0] + m[1] + m[2], m[1] - m[2] - m[3]])


def _f32_y1_sum(m):
    return np.array([m[0] + m[1] + m[2], m[1] + m[2], m[1] + m[2] + m[3]])


def _f32_halves(m):
    return np.array([m[0] + (m[1] + m[2]) / 2, (m[1] - m[2]) / 2, (m[1] + m[2]) / 2 + m[3]])


def _f32_y2_m4_sign(m):
    return np.array([m[0] + m[1] + m[2], m[1] - m[2], m[1] + m[2] - m[3]])


def _f32_y0_m3_sign(m):
    return np.array([m[0] + m[1] - m[2], m[1] - m[2], m[1] + m[2] + m[3]])


def _f32_reversed(m):
    return _f32_reference(m)[::-1].copy()


def _f32_learner_f23(m):
    """A learner's answer that pastes the lesson's F(2, 3) combination."""
    m1, m2, m3, m4 = m
    return np.array([m1 + m2 + m3, m2 - m3 - m4])


def _f32_learner_in_place(m):
    """A learner's answer that reuses m's storage for the sums."""
    m[1], m[2] = m[1] + m[2], m[1] - m[2]
    return np.array([m[0] + m[1], m[2], m[1] + m[3]])


_F32_MESSAGES = {
    "f23": "that is F(2, 3)'s combination, two outputs: F(3, 2) has three outputs y0, y1, y2; "
    "expand its products to find theirs.",
    "y1": "y1 = d1 g0 + d2 g1 is a difference of two products, not a sum: expand m2 + m3 and "
    "m2 − m3.",
    "halves": "the factors 1/2 are already inside m2 and m3: the outputs need none.",
    "y2": "y0 and y1 are right but y2 is not: check the sign with which m4 enters y2.",
    "y0": "y1 and y2 are right but y0 is not: check the sign with which m3 enters y0.",
    "reversed": "the outputs are in reverse order: y[0] is y0 = d0 g0 + d1 g1.",
}

q1 = FunctionProblem(
    "q1",
    "f3_2_outputs",
    _f32_reference,
    _f32_cases,
    # float64, two or three additions of O(1) numbers: round-off < 1e-15; 1e-12 accepts any
    # order of the additions and rejects every real mistake (errors of O(1)).
    rtol=1e-12,
    atol=1e-12,
    hints=[
        "Expand y0 = d0 g0 + d1 g1, y1 = d1 g0 + d2 g1 and y2 = d2 g0 + d3 g1, and expand "
        "m2 + m3 and m2 − m3 on paper (the 1/2 cancels). Each y is a sum or difference of some "
        "of the m's, with coefficients ±1.",
        "y1 needs only m2 and m3; y0 and y2 each add one more product to m2 + m3. (The matrix "
        "AT of `winograd_transforms(3, 2)` holds the whole combination.)",
    ],
    mistakes=[
        Mistake(_F32_MESSAGES["f23"], _f32_f23_copied),
        Mistake(_F32_MESSAGES["y1"], _f32_y1_sum),
        Mistake(_F32_MESSAGES["halves"], _f32_halves),
        Mistake(_F32_MESSAGES["y2"], _f32_y2_m4_sign),
        Mistake(_F32_MESSAGES["y0"], _f32_y0_m3_sign),
        Mistake(_F32_MESSAGES["reversed"], _f32_reversed),
    ],
    wrong_answers=[
        WrongAnswer("the lesson's F(2, 3) combination", _f32_learner_f23, "F(2, 3)"),
        WrongAnswer("y1 = m2 + m3", _f32_y1_sum, "not a sum"),
        WrongAnswer("halves again", _f32_halves, "1/2"),
        WrongAnswer("wrong sign of m4 in y2", _f32_y2_m4_sign, "enters y2"),
        WrongAnswer("wrong sign of m3 in y0", _f32_y0_m3_sign, "enters y0"),
        WrongAnswer("outputs reversed", _f32_reversed, "reverse order"),
        *common_wrong_answers(_f32_reference, mutate_arg=None, transposed=False, as_list=True),
        WrongAnswer("sums written into m", _f32_learner_in_place, "in place"),
    ],
)
