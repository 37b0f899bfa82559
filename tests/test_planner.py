"""The convolution planner: every candidate it can choose against ``F.conv2d`` (Hypothesis
over shapes), ``conv2d(method="auto")`` and each method's best plan, plans reloaded from
their file, the budget, the plan store's errors, and the GEMM engines.

Tolerances (max |error| / max |reference|, the reference ``F.conv2d`` in float64):
float64 1e-10 for every method (measured ~1e-15); float32 1e-4 for Winograd (F(6x6, 3x3)
amplifies rounding by its transform entries: ~1.6e-5 measured at C=512) and 1e-5 for the
others (~3e-7 measured, as torch's own float32 convolution).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.conv import LayerShape, conv2d, make_operands, plan
from course_utils.conv import planner as P
from course_utils.conv.gemm import GEMM_ENGINES, available_engines, matmul_into
from course_utils.conv.planner import measure as search_module
from course_utils.conv.planner.candidates import every_candidate, search_axes
from course_utils.conv.planner.store import PlanStore
from course_utils.conv.registry import CONV_METHODS
from course_utils.conv.winograd import plan as winograd_plan


def _reference(x: np.ndarray, w: np.ndarray, layer: LayerShape) -> np.ndarray:
    out = F.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(),
                   stride=layer.stride, padding=layer.padding)  # fmt: skip
    return out.numpy()


def _tolerance(method: str, dtype: str) -> float:
    if dtype == "float64":
        return 1e-10
    return 1e-4 if method == "winograd" else 1e-5


def _assert_close(out: np.ndarray, x: np.ndarray, w: np.ndarray, layer: LayerShape,
                  method: str, label: str) -> None:  # fmt: skip
    expected = _reference(x, w, layer)
    assert out.shape == expected.shape, label
    assert out.dtype == np.dtype(layer.dtype), label
    error = np.abs(out - expected).max() / max(np.abs(expected).max(), 1e-30)
    assert error <= _tolerance(method, layer.dtype), f"{label}: relative error {error:.2e}"


@st.composite
def layers(draw: st.DrawFn) -> LayerShape:
    kernel = draw(st.sampled_from([1, 3, 5]))
    padding = draw(st.integers(0, 2))
    size = draw(st.integers(max(1, kernel - 2 * padding), 11))
    return LayerShape(
        N=draw(st.integers(1, 3)), C=draw(st.integers(1, 6)), K=draw(st.integers(1, 6)),
        H=size, W=draw(st.integers(max(1, kernel - 2 * padding), 11)), kh=kernel, kw=kernel,
        padding=padding, stride=draw(st.integers(1, 2)),
        dtype=draw(st.sampled_from(["float32", "float64"])),
    )  # fmt: skip


@pytest.fixture()
def fresh_store(monkeypatch: pytest.MonkeyPatch) -> PlanStore:
    """An empty process store for the test (plans of other tests are not reused)."""
    store = PlanStore()
    monkeypatch.setattr(P, "_STORE", store)
    return store


@pytest.fixture()
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch chunks of one image at any chunk size: the threaded chunk paths run on small
    layers too."""
    monkeypatch.setattr(winograd_plan, "MIN_TILES_PER_CHUNK", 1)


@settings(max_examples=12, deadline=None)
@given(layer=layers())
def test_every_candidate_the_planner_can_choose_matches_torch(layer: LayerShape) -> None:
    x, w = make_operands(layer, seed=3)
    for method in P.PLANNED_METHODS:
        if CONV_METHODS[method].not_applicable_reason(layer) is not None:
            continue
        for candidate in every_candidate(method, layer, threads=2):
            out = candidate.run(x, w, None, layer.stride, layer.padding, 1)
            _assert_close(out, x, w, layer, method, candidate.label)


def test_tiny_chunk_sizes_run_the_threaded_chunks_correctly(small_chunks: None) -> None:
    layer = LayerShape(5, 4, 3, 9, 10, 3, 3, padding=1)
    x, w = make_operands(layer, seed=4)
    for candidate in every_candidate("winograd", layer, threads=2):
        options = {**candidate.kwargs, "chunk_bytes": 1}
        out = CONV_METHODS["winograd"].function(x, w, padding=1, **options)
        _assert_close(out, x, w, layer, "winograd", f"{candidate.label} chunk_bytes=1")


def test_the_search_space_covers_the_knobs_the_planner_names() -> None:
    layer = LayerShape(8, 64, 64, 28, 28, 3, 3, padding=1)
    winograd = dict(search_axes("winograd", layer, 2))
    assert winograd["m"] == [4, 6, 2, 5, 3]
    assert winograd["workers"] == [2, 1]
    assert winograd["engine"] == list(available_engines())
    assert winograd["orientation"] == ["tiles", "filters"]
    assert len(winograd["chunk_bytes"]) == 4
    assert dict(search_axes("im2col", layer, 2))["batch_chunk"] == [None, 1, 2, 4, 8]
    assert search_axes("direct", layer, 2) == []
    assert len(every_candidate("winograd", layer, 2)) == 5 * 2 * 4 * len(available_engines()) * 2


@settings(max_examples=8, deadline=None)
@given(layer=layers(), method=st.sampled_from(["auto", *P.PLANNED_METHODS]))
def test_conv2d_auto_and_each_methods_best_plan_match_torch(layer: LayerShape, method: str) -> None:
    store = PlanStore()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(P, "_STORE", store)
        patch.setattr(P, "MIN_PLANNED_FLOPS", 0)  # time even these small layers
        patch.setattr(P, "DEFAULT_BUDGET", 0.15)
        x, w = make_operands(layer, seed=5)
        if method != "auto" and CONV_METHODS[method].not_applicable_reason(layer):
            # not planned: the method's own call runs (Winograd takes any odd kernel) or
            # says what it cannot do (a stride)
            try:
                out = conv2d(x, w, stride=layer.stride, padding=layer.padding, method=method)
            except ValueError as error:
                assert "stride" in str(error)
            else:
                _assert_close(out, x, w, layer, method, f"{method} without a plan")
            assert len(store) == 0
            return
        out = conv2d(x, w, stride=layer.stride, padding=layer.padding, method=method)
        (record,) = store.records.values()
    chosen = record["choice"]["method"]
    assert method == "auto" or chosen == method
    _assert_close(out, x, w, layer, chosen, f"{method} -> {record['choice']}")


def test_a_plan_reloaded_from_its_file_runs_the_same_choice(tmp_path, fresh_store) -> None:
    layer = LayerShape(2, 8, 8, 12, 12, 3, 3, padding=1)
    path = tmp_path / "plans.json"
    first = plan(layer.x_shape, layer.w_shape, 1, 1, budget=0.3, file=path, min_flops=0)
    assert first.measured and not first.reused and path.exists()
    other = PlanStore()
    again = plan(layer.x_shape, layer.w_shape, 1, 1, file=path, store=other, min_flops=0)
    assert again.reused and again.choice == first.choice and again.trials == first.trials
    x, w = make_operands(layer, seed=6)
    _assert_close(again.run(x, w), x, w, layer, again.choice.method, again.choice.label)
    # conv2d(method="auto") takes the loaded plan without timing anything
    P.plan_store().clear()
    P.plan_store().load(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(P, "MIN_PLANNED_FLOPS", 0)
        patch.setattr(P, "_measure", _must_not_measure)
        out = conv2d(x, w, padding=1, method="auto")
    _assert_close(out, x, w, layer, again.choice.method, "auto from the file")


def _must_not_measure(*args: object) -> None:
    raise AssertionError("a stored plan was timed again")


def test_a_plan_is_keyed_by_methods_dtype_and_threads(fresh_store) -> None:
    shape = ((2, 8, 12, 12), (8, 8, 3, 3))
    plan(*shape, 1, 1, budget=0.2, min_flops=0)
    plan(*shape, 1, 1, budget=0.2, min_flops=0, methods="im2col")
    plan(*shape, 1, 1, budget=0.2, min_flops=0, dtype="float64")
    keys = list(fresh_store.records)
    assert len(keys) == 3 and all("2 threads" in k or "threads" in k for k in keys)
    assert plan(*shape, 1, 1, min_flops=0).reused


class _FakeClock:
    """Advances 10 ms at every reading: each timed call 'takes' 10-20 ms."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def test_the_search_stays_within_its_budget_and_says_what_it_skipped() -> None:
    layer = LayerShape(2, 8, 8, 16, 16, 3, 3, padding=1)
    budget = 0.5
    choice, trials, seconds = search_module.search(layer, P.PLANNED_METHODS, 2, budget,
                                                   clock=_FakeClock())  # fmt: skip
    assert seconds <= budget + 0.05  # one clock reading of slack
    skipped = [t for t in trials if t.median is None]
    assert skipped and all(t.note.startswith("skipped") for t in skipped)
    assert choice in {t.candidate for t in trials if t.median is not None}


def test_the_plan_table_names_the_choice_and_its_evidence(fresh_store) -> None:
    result = plan((4, 16, 24, 24), (16, 16, 3, 3), padding=1, budget=0.4, min_flops=0)
    text = result.table()
    assert "<- chosen" in text and result.label(result.choice) in text
    assert "planning took" in result.why() and "timed candidates" in result.why()
    timed = [t for t in result.trials if t.median is not None]
    assert result.time_of(result.choice) == min(result.time_of(t.candidate) for t in timed) or any(
        t.stage == "final" for t in result.trials
    )
    for method in ("winograd", "im2col"):
        best = result.best(method)
        assert best is not None and best.method == method


def test_the_final_round_picks_the_fastest_finalist(fresh_store) -> None:
    result = plan((4, 16, 24, 24), (16, 16, 3, 3), padding=1, budget=1.0, min_flops=0)
    finals = {t.candidate: t.median for t in result.trials if t.stage == "final"}
    assert finals, "a 1 s budget leaves room for the final round on this small layer"
    assert result.choice == min(finals, key=finals.__getitem__)


def test_small_layers_get_an_estimated_plan_without_timing(fresh_store) -> None:
    small = plan((1, 2, 6, 6), (2, 2, 3, 3), padding=1)
    assert not small.measured and small.trials == () and small.choice.method == "im2col"
    assert "estimated" in small.why()
    assert plan((1, 2, 6, 6), (2, 2, 3, 3), padding=1, methods="winograd").choice.method == (
        "winograd"
    )


def test_plan_rejects_impossible_requests(fresh_store) -> None:
    with pytest.raises(ValueError, match="channels"):
        plan((1, 3, 8, 8), (4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        plan((3, 8, 8), (4, 3, 3, 3))
    with pytest.raises(ValueError, match="chooses among"):
        plan((1, 3, 8, 8), (4, 3, 3, 3), methods="loops")
    with pytest.raises(ValueError, match="none of the methods"):
        plan((2, 8, 32, 32), (8, 8, 3, 3), stride=2, methods="winograd", min_flops=0)
    with pytest.raises(ValueError, match="no options"):
        conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), method="auto", m=4)


def test_conv2d_keeps_each_methods_own_errors(fresh_store) -> None:
    x, w = np.ones((1, 2, 8, 8)), np.ones((2, 2, 3, 3))
    with pytest.raises(ValueError, match="stride"):
        conv2d(x, w, stride=2, method="winograd")
    with pytest.raises(ValueError, match="dilation"):
        conv2d(x, w, dilation=2, method="winograd")
    # explicit options bypass the planner and run exactly what was asked
    np.testing.assert_allclose(conv2d(x, w, method="winograd", m=2), conv2d(x, w, method="direct"))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_auto_runs_layers_the_planner_does_not_describe(fresh_store) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8))
    w = np.random.default_rng(1).standard_normal((4, 3, 3, 2))
    for kwargs in ({"dilation": 2}, {"padding": (1, 0)}, {"stride": (1, 2)}, {"padding": "same"}):
        expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kwargs).numpy()
        np.testing.assert_allclose(conv2d(x, w, method="auto", **kwargs), expected, atol=1e-10)
    np.testing.assert_allclose(conv2d(x[0], w, method="auto"),
                               F.conv2d(torch.from_numpy(x[:1]), torch.from_numpy(w))[0].numpy(),
                               atol=1e-10)  # fmt: skip
    assert len(fresh_store) == 0


def test_plan_files_that_are_not_plans_get_a_clear_error(tmp_path) -> None:
    store = PlanStore()
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read plans"):
        store.load(broken)
    broken.write_text(json.dumps({"version": 99, "plans": {}}))
    with pytest.raises(ValueError, match="not a plan file"):
        store.load(broken)
    broken.write_text(json.dumps({"version": 1, "plans": []}))
    with pytest.raises(ValueError, match="no 'plans'"):
        store.load(broken)
    with pytest.raises(ValueError, match="cannot read plans"):
        store.load(tmp_path / "missing.json")


def _same_product(got: np.ndarray, expected: np.ndarray) -> None:
    """Equal up to the rounding of a length-4 dot product in the dtype."""
    tol = 1e-6 if got.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, expected, rtol=0, atol=tol * np.abs(expected).max())


@pytest.mark.parametrize("engine", GEMM_ENGINES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_gemm_engine_computes_the_product(engine: str, dtype: type) -> None:
    if engine not in available_engines():
        pytest.skip(f"{engine} is not installed")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 5, 4)).astype(dtype)
    b = rng.standard_normal((3, 4, 6)).astype(dtype)
    b_strided = np.asfortranarray(b.transpose(1, 2, 0)).transpose(2, 0, 1)  # not C-ordered
    for left, right in itertools.product([a, a[0]], [b, b_strided]):
        out = np.empty((3, 5, 6), dtype)
        _same_product(matmul_into(left, right, out, engine), np.matmul(left, right))
    strided = np.empty((3, 6, 5), dtype).transpose(0, 2, 1)  # a transposed view as out
    matmul_into(a, b, strided, engine)
    _same_product(strided, a @ b)
    read_only = a.copy()
    read_only.flags.writeable = False
    _same_product(matmul_into(read_only, b, np.empty((3, 5, 6), dtype), engine), a @ b)


def test_unknown_engines_and_orientations_are_refused() -> None:
    x, w = np.ones((1, 1, 6, 6)), np.ones((1, 1, 3, 3))
    with pytest.raises(ValueError, match="engine must be one of"):
        CONV_METHODS["winograd"].function(x, w, engine="blas")
    with pytest.raises(ValueError, match="orientation must be one of"):
        CONV_METHODS["winograd"].function(x, w, orientation="sideways")
    with pytest.raises(ValueError, match="chunk_bytes"):
        CONV_METHODS["winograd"].function(x, w, chunk_bytes=0)
    with pytest.raises(ValueError, match="engine must be one of"):
        CONV_METHODS["im2col"].function(x, w, engine="blas")
