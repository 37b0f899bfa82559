"""The Winograd convolution itself: the five-stage pipeline and its threads.

For an input x (N, C, H, W) and filters transformed once (:class:`WinogradFilters`,
U: (n*n, K, C)), :func:`conv2d_winograd` runs per batch chunk (see :mod:`.plan`):

1. pad x into a channels-last buffer (H_p, W_p, N, C);
2. the input transform V = BT d BT^T of every n x n tile: (n*n, P, C), P = N * tiles;
3. the batched GEMM M[pos] = V[pos] @ U[pos]^T: (n*n, P, K);
4. the output transform Y = AT M AT^T into (N, K, H_t, W_t);
5. the crop to (N, K, H_out, W_out) and the bias.

:func:`profile_winograd` times the same stages of the same pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from course_utils.conv._threads import (
    blas_threads,
    even_slices,
    run_in_threads,
    single_threaded_blas,
)
from course_utils.conv.gemm import matmul_into
from course_utils.conv.winograd.algebra import (
    WinogradFilters,
    _float_transforms,
    transform_filters,
)
from course_utils.conv.winograd.plan import (
    GemmChoice,
    _gemm_in_threads,
    _Plan,
    _prepare,
    batch_chunks,
    work_items,
)
from course_utils.timing import StageClock, stage_medians

__all__ = ["conv2d_winograd", "profile_winograd"]

#: How the pipeline runs a stage: ``clock(name, fn, *args)`` returns ``fn(*args)``.
Clock = Callable[..., Any]


def _call(name: str, fn: Callable[..., Any], *args: Any) -> Any:
    """The untimed clock: run the stage ``name`` as ``fn(*args)``."""
    return fn(*args)


def conv2d_winograd(
    x: np.ndarray,
    w: np.ndarray | WinogradFilters,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    m: int | None = None,
    groups: int = 1,
    b: np.ndarray | None = None,
    workers: int | None = None,
    engine: str = "numpy",
    orientation: str = "tiles",
    chunk_bytes: int | None = None,
) -> np.ndarray:
    """2-D convolution (cross-correlation, like ``F.conv2d``) with Winograd F(m x m, r x r).

    Arguments and dtypes as for every method of :mod:`course_utils.conv` (one check,
    :func:`course_utils.conv._validate.normalize_conv_args`):

    Inputs:
    - x: input, shape (N, C, H, W) or unbatched (C, H, W); float32 stays float32,
      anything with float64 gives float64, integers become float64
    - w: filters (K, C, r, r), or a WinogradFilters from transform_filters (then the
      filter transform is skipped; its dtype must be the call's). Raw filters are
      transformed on the first call and reused by later calls only while the array keeps
      the same values (:mod:`course_utils.conv.winograd.cache` compares them each time)
    - bias (or its former name b): optional bias, shape (K,)
    - stride: must be 1 (Winograd tiles are dense); dilation: must be 1;
      groups: must be 1 (``course_utils.conv.conv2d`` runs grouped convolutions);
      each raises ``ValueError`` naming the setting otherwise
    - padding: zero padding, int, (pad_h, pad_w), ``"valid"`` or ``"same"``
    - m (keyword): outputs per tile side, 2, 4 or 6 for 3x3 filters (n = m + r - 1 <= 8);
      default 4, or the m of pre-transformed filters
    - workers: threads for batch chunks (default: NumPy's BLAS thread count). A batch
      whose intermediates are large is cut into chunks (see :func:`batch_chunks`) that
      stay in cache from stage to stage; the chunks run the whole pipeline concurrently
      in ``workers`` threads, each with a single-threaded BLAS (steps 1, 2, 4 and 5 are
      memory passes that NumPy runs on one core, so this is what keeps both busy).
    - engine, orientation, chunk_bytes: how the batched GEMM of step 3 runs -- its
      library (``"numpy"``, ``"torch"``, ``"scipy"``, :mod:`course_utils.conv.gemm`), as
      V @ U^T (``"tiles"``) or as its transpose U @ V^T (``"filters"``), and the target
      bytes of a batch chunk (None: :data:`.plan.CHUNK_BYTES`). The planner
      (:func:`course_utils.conv.plan`) times these; every choice gives the same result
      up to the rounding order.

    Returns:
    - out: shape (N, K, H_out, W_out) ((K, H_out, W_out) for unbatched x),
      H_out = H + 2 * pad_h - r + 1, W_out = W + 2 * pad_w - r + 1.

    Steps (n = m + r - 1, P = N * tiles_h * tiles_w):
    1. pad x into a channels-last buffer (H_p, W_p, N, C) (the only input copy);
    2. input transform V = BT d BT^T of every overlapping n x n tile (tile stride m), as
       two rounds of small matrix products on strided views: V has shape (n*n, P, C);
    3. batched GEMM over channels: M[pos] = V[pos] (P x C) @ U[pos]^T (C x K), (n*n, P, K);
    4. output transform Y = AT M AT^T, written by a strided product straight into the
       (N, K, H_t, W_t) result, H_t = tiles_h * m (the output itself when H_t = H_out);
    5. with partial tiles, crop to (H_out, W_out); add the bias.
    """
    gemm = GemmChoice(engine, orientation, chunk_bytes)
    filters, plan, args = _prepare(
        x, w, bias, stride, padding, dilation, m=m, groups=groups, b=b, gemm=gemm
    )
    threads = blas_threads() if workers is None else max(1, int(workers))
    return args.finish(_run_chunks(args.x, filters, args.b, plan, threads))


def _run_chunks(
    x: np.ndarray,
    filters: WinogradFilters,
    bias: np.ndarray | None,
    plan: _Plan,
    threads: int,
) -> np.ndarray:
    """The pipeline on (N, C, H, W) ``x``, batch chunk by chunk: (N, K, H_out, W_out)."""
    out = np.empty((plan.n_batch, filters.K, plan.out_h, plan.out_w), dtype=x.dtype)
    items = work_items(plan, filters.K, x.dtype.itemsize)
    if len(items) == 1:
        if plan.n_batch > 1 and _gemm_in_threads(plan, filters, threads):
            _pipeline_in_threads(x, filters, bias, plan, out, threads)
        else:
            _winograd_pipeline(x, filters, bias, plan, out, gemm_workers=threads)
        return out

    def run(group: Sequence[tuple[slice, slice]]) -> None:
        for images, rows in group:
            _run_piece(x, filters, bias, plan, images, rows, out)

    run_in_threads(run, items, threads)
    return out


def _run_piece(
    x: np.ndarray,
    filters: WinogradFilters,
    bias: np.ndarray | None,
    plan: _Plan,
    images: slice,
    rows: slice,
    out: np.ndarray,
) -> None:
    """The pipeline for the images ``images`` and tile rows ``rows`` (a band, or all)."""
    sub = plan.images(images)
    if rows.stop - rows.start == plan.tiles_h:
        _winograd_pipeline(x[images], filters, bias, sub, out[images])
        return
    band, x_rows, out_rows = sub.band(rows)
    _winograd_pipeline(x[images, :, x_rows], filters, bias, band, out[images, :, out_rows])


def _winograd_pipeline(
    x: np.ndarray,
    filters: WinogradFilters,
    bias: np.ndarray | None,
    plan: _Plan,
    out: np.ndarray,
    gemm_workers: int = 1,
    clock: Clock = _call,
) -> None:
    """Steps 1-5 of :func:`conv2d_winograd` for one batch, written into ``out``.

    The transforms are hundreds of tiny matrix products: a multi-threaded BLAS would wake
    its threads for each of them and lose more than it gains, so they run on one BLAS
    thread. With ``gemm_workers`` > 1 the n*n products of the batched GEMM are shared out
    among that many threads, each with a one-thread BLAS (for the thin products of a
    small batch this beats one multi-threaded BLAS call per product).

    ``clock(name, fn, *args)`` runs every stage (pad, input_transform, gemm,
    output_transform, to_nchw); a :class:`course_utils.timing.StageClock` times them.
    """
    at, _, bt = (mat.astype(x.dtype) for mat in _float_transforms(plan.m, plan.r))
    with single_threaded_blas():
        padded = clock("pad", _pad_channels_last, x, plan)
        v = clock("input_transform", _input_transform, padded, bt, plan)
    prod = clock("gemm", _gemm_stage, v, filters, plan, gemm_workers)
    with single_threaded_blas():
        if not plan.whole_tiles:
            full = clock("output_transform", _output_transform, prod, at, plan)
            clock("to_nchw", _to_nchw, full, bias, plan, out)
            return
        # no partial tiles: the output transform writes into out, only the bias is left
        clock("output_transform", _output_transform, prod, at, plan, out)
        clock("to_nchw", _add_bias, out, bias)


def _gemm_stage(v: np.ndarray, filters: WinogradFilters, plan: _Plan, workers: int) -> np.ndarray:
    """The batched GEMM, its products shared among ``workers`` threads when it is big
    enough (:data:`.plan.THREADED_GEMM_FLOPS`), else one (possibly multi-threaded) BLAS call."""
    if _gemm_in_threads(plan, filters, workers):
        return _threaded_batched_gemm(v, filters, plan, workers)
    return _batched_gemm(v, filters, plan)


def _pipeline_in_threads(
    x: np.ndarray,
    filters: WinogradFilters,
    bias: np.ndarray | None,
    plan: _Plan,
    out: np.ndarray,
    workers: int,
) -> None:
    """:func:`_winograd_pipeline` for one chunk, every stage shared among ``workers``
    threads (one-thread BLAS each): the transforms by image ranges, the GEMM by tile
    positions. For a batch too small to cut into chunks of its own."""
    at, _, bt = (mat.astype(x.dtype) for mat in _float_transforms(plan.m, plan.r))
    n, c = plan.n, plan.channels
    groups = even_slices(plan.n_batch, workers)
    v = np.empty((n, n, plan.tiles_h, plan.tiles_w, plan.n_batch * c), dtype=x.dtype)

    def transform_in(part: Sequence[slice]) -> None:
        for group in part:
            sub = plan.images(group)
            view = v[..., group.start * c : group.stop * c]
            _input_transform(_pad_channels_last(x[group], sub), bt, sub, out=view)

    run_in_threads(transform_in, groups, len(groups))
    prod = _threaded_batched_gemm(v.reshape(n * n, -1, c), filters, plan, workers)
    whole = plan.whole_tiles
    full = out if whole else np.empty((plan.n_batch, filters.K, *plan.tiled_shape), x.dtype)

    def transform_out(part: Sequence[slice]) -> None:
        for group in part:
            _output_transform_images(prod, at, plan, group, full[group])
            if whole:
                _add_bias(out[group], bias)
            else:
                _to_nchw(full[group], bias, plan.images(group), out[group])

    run_in_threads(transform_out, groups, len(groups))


def _threaded_batched_gemm(
    v: np.ndarray, filters: WinogradFilters, plan: _Plan, workers: int
) -> np.ndarray:
    """:func:`_batched_gemm` with the positions split into ``workers`` contiguous groups."""
    prod = np.empty((v.shape[0], v.shape[1], filters.K), dtype=v.dtype)
    groups = even_slices(v.shape[0], workers)

    def run(part: Sequence[slice]) -> None:
        for group in part:
            _gemm_into(v[group], filters, group, plan.gemm, prod[group])

    run_in_threads(run, groups, len(groups))
    return prod


def _add_bias(out: np.ndarray, bias: np.ndarray | None) -> None:
    """out (N, K, H, W) += bias (K,), in place; nothing without a bias."""
    if bias is not None:
        out += bias[:, None, None]


def _pad_channels_last(x: np.ndarray, plan: _Plan) -> np.ndarray:
    """Zero-padded copy of x in (H_p, W_p, N, C) layout: N*C contiguous per pixel."""
    hp, wp = plan.padded_shape
    top, left = plan.pad
    bottom, right = top + plan.height, left + plan.width
    padded = np.empty((hp, wp, plan.n_batch, plan.channels), dtype=x.dtype)
    padded[:top] = 0
    padded[bottom:] = 0
    padded[top:bottom, :left] = 0
    padded[top:bottom, right:] = 0
    padded[top:bottom, left:right] = x.transpose(2, 3, 0, 1)
    return padded


def _input_transform(
    padded: np.ndarray, bt: np.ndarray, plan: _Plan, out: np.ndarray | None = None
) -> np.ndarray:
    """V[xi, nu, t, u] = (BT d_tu BT^T)[xi, nu] for every tile (t, u); shape (n*n, P, C).

    ``out``: optional (n, n, tiles_h, tiles_w, N*C) view (contiguous last axis) to write
    V into, e.g. this batch's slice of a larger batch's V; then ``out`` is returned as is.

    d_tu = padded[m t : m t + n, m u : m u + n] is never copied: the rows of every tile
    row-band form a strided (n, W_p * N * C) matrix that BLAS reads in place, and the
    column pass reads (n, N * C) blocks of the row-transformed band the same way.
    """
    n, m = plan.n, plan.m
    hp, wp, nb, c = padded.shape
    item = padded.itemsize
    row = padded.strides[0]
    # Row pass: band t is rows m t .. m t + n - 1 -> T1[t, xi] = sum_k BT[xi, k] row(m t + k).
    bands = as_strided(
        padded, (plan.tiles_h, n, wp * nb * c), (m * row, row, item), writeable=False
    )
    t1 = np.matmul(bt, bands)  # (tiles_h, n, W_p * N * C)
    # Column pass: for band t, row xi, tile u: columns m u .. m u + n - 1.
    s_band, s_xi = t1.strides[:2]
    tiles = as_strided(
        t1,
        (plan.tiles_h, n, plan.tiles_w, n, nb * c),
        (s_band, s_xi, m * nb * c * item, nb * c * item, item),
        writeable=False,
    )
    if out is not None:
        np.matmul(bt, tiles, out=out.transpose(2, 0, 3, 1, 4))
        return out
    v = np.empty((n, n, plan.tiles_h, plan.tiles_w, nb * c), dtype=padded.dtype)
    np.matmul(bt, tiles, out=v.transpose(2, 0, 3, 1, 4))
    return v.reshape(n * n, plan.tiles_h * plan.tiles_w * nb, c)


def _batched_gemm(v: np.ndarray, filters: WinogradFilters, plan: _Plan) -> np.ndarray:
    """M[pos] = V[pos] (P x C) @ U[pos]^T (C x K) for all n*n positions: (n*n, P, K),
    run as ``plan.gemm`` says (engine and orientation)."""
    prod = np.empty((v.shape[0], v.shape[1], filters.K), dtype=v.dtype)
    return _gemm_into(v, filters, slice(0, v.shape[0]), plan.gemm, prod)


def _gemm_into(
    v: np.ndarray, filters: WinogradFilters, positions: slice, gemm: GemmChoice, out: np.ndarray
) -> np.ndarray:
    """out = V @ U^T for the tile positions ``positions``; V, out: (count, P, C), (count, P, K).

    ``"tiles"``: V (P x C) @ UT (C x K), UT the contiguous ``WinogradFilters.UT``;
    ``"filters"``: U (K x C) @ V^T (C x P) into the transposed view of out."""
    if gemm.orientation == "tiles":
        return matmul_into(v, filters.UT[positions], out, gemm.engine)
    u = filters.U[positions]
    matmul_into(u, v.transpose(0, 2, 1), out.transpose(0, 2, 1), gemm.engine)
    return out


def _output_transform(
    prod: np.ndarray, at: np.ndarray, plan: _Plan, full: np.ndarray | None = None
) -> np.ndarray:
    """Y = AT M AT^T per tile, written straight into NCHW: shape (N, K, H_t, W_t).

    H_t = tiles_h * m, W_t = tiles_w * m. ``full``: optional C-contiguous
    (N, K, H_t, W_t) array to write into. See :func:`_output_transform_images`.
    """
    if full is None:
        full = np.empty((plan.n_batch, prod.shape[2], *plan.tiled_shape), dtype=prod.dtype)
    _output_transform_images(prod, at, plan, slice(0, plan.n_batch), full)
    return full


def _output_transform_images(
    prod: np.ndarray, at: np.ndarray, plan: _Plan, images: slice, full: np.ndarray
) -> None:
    """Y = AT M AT^T for the tiles of the images ``images`` of the batch, written into
    ``full``, their (count, K, H_t, W_t) block of the NCHW result (C-contiguous, or rows
    of a larger C-contiguous output: image stride K times the filter stride, unit
    column stride).

    Both passes are strided matrix products on views of M (no copy). The second writes
    output element (a, b) of tile (t, u), image n, filter k straight to
    ``full[n, k, t m + a, u m + b]`` through a strided view: because the image stride of
    an (N, K, H_t, W_t) array is K times its filter stride, the pair (n, k) is one axis
    with a single stride, and no transpose pass is needed afterwards. Threads can run
    disjoint image ranges of one M at the same time.
    """
    n, m = plan.n, plan.m
    th, tw = plan.tiles_h, plan.tiles_w
    k = prod.shape[2]
    nk = plan.n_batch * k
    nk_part = (images.stop - images.start) * k
    item = prod.itemsize
    width = n * th * tw * nk
    # Row pass: src[(nu, t), u, xi, j] = M[xi * n + nu, (t, u, image), k], j = (image, k).
    base = prod.reshape(-1)[images.start * k :]
    src = as_strided(
        base, (n * th, tw, n, nk_part), (tw * nk * item, nk * item, width * item, item),
        writeable=False,
    )  # fmt: skip
    o1 = np.matmul(at, src)  # (n * th, tw, m, nk_part): [(nu, t), u, a, j]
    # Column pass, contracting nu: result (a, t, u, b, j) lands at [n, k, t m + a, u m + b].
    # ``full`` may be a band of rows of a larger output: its own strides are used (the
    # image stride is still K times the filter stride, so (n, k) is one axis).
    _, s_k, s_h, s_w = full.strides
    strides = (s_h, m * s_h, m * s_w, s_w, s_k)
    target = as_strided(full, (m, th, tw, m, nk_part), strides)
    np.matmul(at, o1.reshape(n, th, tw, m, nk_part).transpose(3, 1, 2, 0, 4), out=target)


def _to_nchw(full: np.ndarray, bias: np.ndarray | None, plan: _Plan, out: np.ndarray) -> None:
    """Crop the full-tile result (N, K, H_t, W_t) into ``out`` (N, K, H_out, W_out) and add
    the bias."""
    cropped = full[:, :, : plan.out_h, : plan.out_w]
    if bias is None:
        np.copyto(out, cropped)
    else:
        np.add(cropped, bias[:, None, None], out=out)


def profile_winograd(
    x: np.ndarray,
    w: np.ndarray | WinogradFilters,
    bias: np.ndarray | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    m: int | None = None,
    groups: int = 1,
    b: np.ndarray | None = None,
    repeat: int = 5,
) -> dict[str, float]:
    """Median seconds spent in each stage of :func:`conv2d_winograd` on its first batch
    chunk, with the thread settings the real call uses there.

    Stages: pad (channels-last copy), input_transform, gemm, output_transform, to_nchw
    (the crop, or the bias when tiles are whole); plus filter_transform when raw filters
    are given. One untimed warm-up run first. When the batch is cut into several chunks
    (:func:`batch_chunks`), every stage of a chunk runs with a one-thread BLAS and the
    chunks run side by side, so the call takes about (stage sum) x chunks / workers.
    With a single chunk the real call also shares every stage among the threads (the
    transforms by images, the GEMM by positions); here only the GEMM is shared, so the
    transform times are those of one thread doing the whole chunk.
    """

    given = (bias, stride, padding, dilation)
    options = {"groups": groups, "b": b, "method": "profile_winograd"}
    _, _, args = _prepare(x, w, *given, m=m, **options)  # check everything up front

    def run(clock: StageClock) -> None:
        filters = w
        if not isinstance(w, WinogradFilters):
            filters = clock(
                "filter_transform", transform_filters, args.w, 4 if m is None else m, args.dtype
            )
        filters, plan, _ = _prepare(x, filters, *given, **options)
        chunks = batch_chunks(plan, filters.K, args.dtype.itemsize)
        first = chunks[0]
        plan = plan.images(first)
        out = np.empty((plan.n_batch, filters.K, plan.out_h, plan.out_w), dtype=args.dtype)
        x_first, bias_arr = args.x[first], args.b
        if len(chunks) > 1:  # as inside run_in_threads: every stage on a one-thread BLAS
            with single_threaded_blas():
                _winograd_pipeline(x_first, filters, bias_arr, plan, out, 1, clock)
        else:
            _winograd_pipeline(x_first, filters, bias_arr, plan, out, blas_threads(), clock)

    return stage_medians(run, repeat)
