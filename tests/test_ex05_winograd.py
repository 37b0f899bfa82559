"""Exercise set 5: the references are the course's Winograd algorithm, and the checks demand it.

``test_exercise_sets.py`` shows that each reference passes, that every listed mistake is
named and that every declared wrong answer is rejected with its message. Here the references are
tested against the package (``winograd_transforms``, ``multiplication_count``) and the
definition, the check's marking multiplication is tested for the property the check relies on,
and correct alternative solutions a learner may write are shown to pass.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.checks import Kind
from course_utils.conv.winograd import conv2d_winograd, multiplication_count, winograd_transforms
from course_utils.exercise_sets import ex05_winograd as ex05

ROOT = Path(__file__).resolve().parents[1]


def _check(problem, fn):
    problem.bind({problem.name: fn})
    return problem.evaluate()


# -- q1: F(3, 2) ---------------------------------------------------------------------------


def test_f32_reference_is_the_package_algorithm_and_the_correlation() -> None:
    at, g_mat, bt = (m.astype(float) for m in winograd_transforms(3, 2))
    for case in ex05.q1.cases():
        (m,) = case.args
        np.testing.assert_allclose(ex05._f32_reference(m), at @ m, rtol=1e-14, atol=1e-15)
    rng = np.random.default_rng(1)
    for _ in range(20):
        d, g = rng.standard_normal(4), rng.standard_normal(2)
        products = ex05._f32_products(d, g)
        np.testing.assert_allclose(products, (bt @ d) * (g_mat @ g), rtol=1e-13, atol=1e-14)
        y = ex05._f32_reference(products)
        np.testing.assert_allclose(y, np.correlate(d, g, "valid"), rtol=1e-12, atol=1e-13)


def test_f32_cases_pin_down_every_coefficient() -> None:
    units = [case.args[0] for case in ex05.q1.cases() if np.count_nonzero(case.args[0]) == 1]
    assert len(units) == 4  # each column of AT is seen on its own


def test_f32_alternatives_pass() -> None:
    at = winograd_transforms(3, 2)[0].astype(float)

    def f3_2_outputs(m):  # the matrix of the package
        return at @ m

    def f3_2_outputs_shared(m):  # the shared sums once, indexing instead of unpacking
        plus, minus = m[1] + m[2], m[1] - m[2]
        return np.array([plus + m[0], minus, plus + m[3]])

    assert _check(ex05.q1, f3_2_outputs).kind is Kind.CORRECT
    assert _check(ex05.q1, f3_2_outputs_shared).kind is Kind.CORRECT


def test_f32_lesson_combination_is_not_yet() -> None:
    """Pasting the lesson's F(2, 3) does not answer F(3, 2)."""
    outcome = _check(ex05.q1, ex05._f32_learner_f23)
    assert outcome.kind is Kind.INCORRECT and "F(2, 3)'s combination" in outcome.message


# -- q2: one tile with the matrices given ------------------------------------------------------


def test_tile_reference_is_the_definition_for_true_transforms() -> None:
    for case in ex05._true_transform_cases():
        d, g = case.args[:2]
        got = ex05._tile_reference(*case.args)
        np.testing.assert_allclose(got, ex05._correlate_valid_2d(d, g), rtol=1e-11, atol=1e-11)


def test_random_transforms_tell_the_formula_from_the_definition() -> None:
    for case in ex05._random_transform_cases():
        d, g = case.args[:2]
        assert not np.allclose(ex05._tile_reference(*case.args), ex05._correlate_valid_2d(d, g))


def test_float32_tile_cases_are_exact_in_any_order() -> None:
    for case in ex05._float32_cases():
        assert all(a.dtype == np.float32 for a in case.args)
        single = ex05._tile_reference(*case.args)
        double = ex05._tile_reference(*(a.astype(np.float64) for a in case.args))
        assert single.dtype == np.float32 and np.array_equal(single, double)


def test_tile_alternatives_pass() -> None:
    def winograd_tile(d, g, AT, G, BT):  # one einsum per stage
        u = np.einsum("ia,ab,jb->ij", G, g, G)
        v = np.einsum("ia,ab,jb->ij", BT, d, BT)
        return np.einsum("ia,ab,jb->ij", AT, u * v, AT)

    def winograd_tile_in_float64(d, g, AT, G, BT):  # computed wide, returned in d's dtype
        wide = [np.asarray(a, dtype=np.float64) for a in (d, g, AT, G, BT)]
        u, v = wide[3] @ wide[1] @ wide[3].T, np.linalg.multi_dot([wide[4], wide[0], wide[4].T])
        return (wide[2] @ (u * v) @ wide[2].T).astype(d.dtype)

    assert _check(ex05.q2, winograd_tile).kind is Kind.CORRECT
    assert _check(ex05.q2, winograd_tile_in_float64).kind is Kind.CORRECT


# -- q3: tiles ---------------------------------------------------------------------------------


def test_extract_cases_cover_dtypes_and_shapes() -> None:
    cases = ex05.q3.cases()
    assert {case.args[0].dtype for case in cases} == {
        np.dtype(np.float64),
        np.dtype(np.float32),
        np.dtype(np.uint8),
    }
    assert any(case.args[0].shape[0] != case.args[0].shape[1] for case in cases)


def test_tiles_and_tile_formula_give_the_convolution() -> None:
    rng = np.random.default_rng(0)
    x, g, m = rng.standard_normal((13, 10)), rng.standard_normal((3, 3)), 4
    tiles = ex05._extract_tiles_reference(x, m, 3)
    mats = ex05._float_transforms(m, 3)
    y = np.array([[ex05._tile_reference(tile, g, *mats) for tile in row] for row in tiles])
    out = y.transpose(0, 2, 1, 3).reshape(tiles.shape[0] * m, tiles.shape[1] * m)[:11, :8]
    np.testing.assert_allclose(out, conv2d_winograd(x[None, None], g[None, None], m=m)[0, 0])


def test_extract_alternatives_pass() -> None:
    def extract_tiles(x, m, r):  # a strided view of a padded copy
        n = m + r - 1
        tiles_h, tiles_w = -(-(x.shape[0] - r + 1) // m), -(-(x.shape[1] - r + 1) // m)
        extra = (tiles_h * m + r - 1 - x.shape[0], tiles_w * m + r - 1 - x.shape[1])
        padded = np.pad(x, ((0, extra[0]), (0, extra[1])))
        return sliding_window_view(padded, (n, n))[::m, ::m]

    def extract_tiles_loops(x, m, r):  # element by element, tiles outside x stay zero
        n = m + r - 1
        tiles_h = math.ceil((x.shape[0] - r + 1) / m)
        tiles_w = math.ceil((x.shape[1] - r + 1) / m)
        tiles = np.zeros((tiles_h, tiles_w, n, n), dtype=x.dtype)
        for t in range(tiles_h):
            for u in range(tiles_w):
                for i in range(n):
                    for j in range(n):
                        row, col = t * m + i, u * m + j
                        if row < x.shape[0] and col < x.shape[1]:
                            tiles[t, u, i, j] = x[row, col]
        return tiles

    assert _check(ex05.q3, extract_tiles).kind is Kind.CORRECT
    assert _check(ex05.q3, extract_tiles_loops).kind is Kind.CORRECT


# -- q4, q5: counting ----------------------------------------------------------------------


def test_counts_agree_with_the_package_for_square_tiles() -> None:
    for n, c, k, h, w, m, r, p in [(2, 64, 128, 30, 45, 4, 3, 1), (8, 3, 5, 28, 28, 2, 3, 0)]:
        count = multiplication_count(n, c, k, h, w, m, r, p)
        assert ex05._count_tiles_reference(n, h, w, (m, m), (r, r), p) == n * count["tiles"]
        assert ex05._mults_reference(n, c, k, h, w, (m, m), (r, r), p) == count["winograd"]


def test_counting_cases_are_mostly_rectangular() -> None:
    rectangular = [c for c in ex05.q4.cases() if c.args[3][0] != c.args[3][1]]
    assert len(rectangular) >= len(ex05.q4.cases()) // 2


def test_counting_alternatives_pass() -> None:
    def count_tiles(N, H, W, tile, kernel, padding=0):  # integer ceiling division
        out = (H + 2 * padding - kernel[0] + 1, W + 2 * padding - kernel[1] + 1)
        return N * -(-out[0] // tile[0]) * -(-out[1] // tile[1])

    def count_winograd_mults(N, C, K, H, W, tile, kernel, padding=0):  # tile by tile
        total = 0
        for _ in range(count_tiles(N, H, W, tile, kernel, padding)):
            total += K * C * math.prod(m + r - 1 for m, r in zip(tile, kernel, strict=True))
        return total

    assert _check(ex05.q4, count_tiles).kind is Kind.CORRECT
    ex05.q5.bind({"count_winograd_mults": count_winograd_mults, "count_tiles": count_tiles})
    assert ex05.q5.evaluate().kind is Kind.CORRECT


# -- all -------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ex05.EXERCISES.problems, ids=lambda p: p.label)
def test_each_exercise_declares_several_wrong_answers(problem) -> None:
    assert len(problem.wrong_answers) >= 3


def _defined_names(path: Path) -> set[str]:
    names: set[str] = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def test_the_lesson_does_not_define_what_the_exercises_ask_for() -> None:
    asked = {problem.name for problem in ex05.EXERCISES.problems}
    assert not asked & _defined_names(ROOT / "notebooks" / "05_winograd.ipynb")
