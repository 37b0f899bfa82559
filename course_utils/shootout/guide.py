"""The "which method when" guide, every sentence computed from the measurements.

Inputs: the image-size, kernel-size and channel sweeps (:class:`ShootoutSweep`) and the
:func:`rank_methods` rows of the ResNet-like layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from course_utils.shootout.measuring import ShootoutSweep
from course_utils.shootout.methods import METHODS, NUMPY_METHODS
from course_utils.shootout.reporting import _seconds, format_bytes

#: The guide calls a problem overhead-bound when no method exceeds this fraction of the peak.
TINY_FRACTION_OF_PEAK = 0.1
#: Methods whose work is done by matrix products (GEMM) or Winograd's batched GEMMs.
GEMM_LIKE = frozenset({"im2col", "unfold", "winograd", "torch"})


# ---------------------------------------------------------------------------------------
# "Which method when", written from the measurements
# ---------------------------------------------------------------------------------------


def _runs(items: Sequence[tuple[Any, str]]) -> list[tuple[Any, Any, str]]:
    """Compress [(size, winner), ...] into runs [(first size, last size, winner), ...]."""
    runs: list[tuple[Any, Any, str]] = []
    for size, winner in items:
        if runs and runs[-1][2] == winner:
            runs[-1] = (runs[-1][0], size, winner)
        else:
            runs.append((size, size, winner))
    return runs


def _describe_runs(items: Sequence[tuple[Any, str]], name: str) -> str:
    parts = []
    for first, last, winner in _runs(items):
        span = f"{name} = {first}" if first == last else f"{name} = {first} to {last}"
        parts.append(f"{winner} ({span})")
    return ", ".join(parts)


def _tiny_problem_line(image: ShootoutSweep, peak: float | None) -> str:
    size = image.sizes[0]
    shape = image.shapes[size]
    times = [t for m in image.methods if (t := image.time(size, m)) is not None]
    best = image.fastest(size)
    best_numpy = image.fastest(size, NUMPY_METHODS)
    rates = [g for m in image.methods if (g := image.gflops(size, m)) is not None]
    text = (
        f"Tiny problems ({shape.label}): the fastest method was {best}, the fastest NumPy "
        f"method {best_numpy}; all methods took {_seconds(min(times))} to "
        f"{_seconds(max(times))}, at most {max(rates):.2g} effective GFLOP/s"
    )
    if peak:
        text += f" ({100 * max(rates) / peak:.2g}% of the GEMM peak)"
    if peak and max(rates) < TINY_FRACTION_OF_PEAK * peak:
        return text + ": fixed per-call costs, not arithmetic, decide at this size."
    return text + "."


def _large_kernel_line(kernels: ShootoutSweep) -> str:
    sizes = kernels.sizes
    wins_all = [k for k in sizes if kernels.fastest(k) == "fft"]
    wins_numpy = [k for k in sizes if kernels.fastest(k, NUMPY_METHODS) == "fft"]
    shape = kernels.shapes[sizes[-1]]
    where = f"{shape.H}x{shape.W} input, N={shape.N} C={shape.C} K={shape.K}"
    if not wins_numpy:
        return (
            f"Large kernels ({where}): FFT was not the fastest NumPy method at any kernel size "
            f"measured (up to {sizes[-1]}x{sizes[-1]}); its advantage needs larger kernels here."
        )
    from_k = _first_of_tail(sizes, wins_numpy)
    if from_k is not None and from_k == sizes[-1]:
        which = f"at the largest kernel measured ({from_k}x{from_k}) only"
    elif from_k is not None:
        which = f"for every kernel from {from_k}x{from_k} up to {sizes[-1]}x{sizes[-1]}"
    else:
        which = "at kernel size " + ", ".join(f"{k}x{k}" for k in wins_numpy)
    text = f"Large kernels ({where}): FFT was the fastest NumPy method {which}"
    fft_time, torch_time = kernels.time(sizes[-1], "fft"), kernels.time(sizes[-1], "torch")
    if fft_time is not None and torch_time is not None:
        ratio = max(fft_time, torch_time) / min(fft_time, torch_time)
        relation = "faster" if fft_time < torch_time else "slower"
        text += f"; at {sizes[-1]}x{sizes[-1]} it was {ratio:.1f}x {relation} than F.conv2d"
    if wins_all:
        text += f" (fastest of all methods at {', '.join(f'{k}x{k}' for k in wins_all)})"
    return text + ". Its cost does not grow with the kernel; every other method's does."


def _first_of_tail(sizes: Sequence[Any], winners: Sequence[Any]) -> Any | None:
    """The smallest size from which every larger size is in ``winners`` (None: last is not)."""
    tail = None
    for size in reversed(sizes):
        if size not in winners:
            break
        tail = size
    return tail


def _channels_line(channels: ShootoutSweep) -> str:
    shape = channels.shapes[channels.sizes[-1]]
    items = [(c, channels.fastest(c, NUMPY_METHODS)) for c in channels.sizes]
    overall = [(c, channels.fastest(c)) for c in channels.sizes]
    return (
        f"Channels (3x3, N={shape.N}, {shape.H}x{shape.W}, C = K): fastest NumPy method "
        f"{_describe_runs(items, 'C')}; fastest overall {_describe_runs(overall, 'C')}."
    )


def _layers_line(layers: dict[str, Sequence[dict[str, Any]]], peak: float | None) -> str:
    numpy_wins: dict[str, int] = {}
    overall_wins: dict[str, int] = {}
    best_rates = []
    for rows in layers.values():
        ranked = [r for r in rows if r["rank"] is not None]
        overall_wins[ranked[0]["method"]] = overall_wins.get(ranked[0]["method"], 0) + 1
        numpy_best = next(r for r in ranked if METHODS[r["method"]].library == "NumPy")
        numpy_wins[numpy_best["method"]] = numpy_wins.get(numpy_best["method"], 0) + 1
        best_rates.append(numpy_best["gflops"])
    total = len(layers)

    def tally(wins: dict[str, int]) -> str:
        return ", ".join(f"{m} {n}/{total}" for m, n in sorted(wins.items(), key=lambda i: -i[1]))

    text = (
        f"3x3 layers with many channels (the {total} ResNet-like layers): fastest NumPy method "
        f"{tally(numpy_wins)}; fastest overall {tally(overall_wins)}"
    )
    if peak:
        low, high = min(best_rates), max(best_rates)
        text += (
            f". The best NumPy method ran at {100 * low / peak:.0f}-{100 * high / peak:.0f}% "
            "of the GEMM peak (effective)"
        )
    if set(overall_wins) <= GEMM_LIKE and set(numpy_wins) <= GEMM_LIKE:
        return text + (
            ": these layers are GEMM-shaped, and the winners were GEMM-based, Winograd, "
            "or PyTorch's own kernels."
        )
    return text + "."


def _loops_line(sweeps: Sequence[ShootoutSweep]) -> str | None:
    ratios = []
    for s in sweeps:
        for size in s.sizes:
            loops, direct = s.time(size, "loops"), s.time(size, "direct")
            if loops is not None and direct is not None:
                ratios.append(loops / direct)
    if not ratios:
        return None
    where = f"wherever they could be measured ({len(ratios)} problems)"
    if min(ratios) > 1:
        return (
            f"Python loops: {min(ratios):.0f}x to {max(ratios):.0f}x slower than conv2d_direct "
            f"{where}; a reference, never a method."
        )
    return (
        f"Python loops: between {min(ratios):.2g}x and {max(ratios):.2g}x the time of "
        f"conv2d_direct {where}."
    )


def _memory_line(layers: dict[str, Sequence[dict[str, Any]]]) -> str:
    worst = []
    for label, rows in layers.items():
        counted = [r for r in rows if r["extra_bytes"] is not None and r["rank"] is not None]
        top = max(counted, key=lambda r: r["extra_bytes"])
        worst.append(f"{top['method']} on {label} ({format_bytes(top['extra_bytes'])})")
    return (
        "Memory: the largest temporaries were "
        + "; ".join(worst)
        + ". Column matrices hold every input pixel kh*kw times; FFT spectra are as large as "
        "the padded images, for every (image, channel) and (filter, channel) pair."
    )


def which_method_guide(
    image: ShootoutSweep,
    kernels: ShootoutSweep,
    channels: ShootoutSweep,
    layers: dict[str, Sequence[dict[str, Any]]],
    peak_gflops: float | None = None,
) -> list[str]:
    """The "which method when" guide as sentences, each computed from the measurements.

    Inputs: the image-size, kernel-size and channel sweeps, and :func:`rank_methods` rows
    for the ResNet-like layers (label -> rows). Every number and every winner named in
    the text comes from these measurements, so the guide cannot contradict them.
    """
    lines = [
        _tiny_problem_line(image, peak_gflops),
        _large_kernel_line(kernels),
        _channels_line(channels),
        _layers_line(layers, peak_gflops),
    ]
    loops = _loops_line([image, kernels, channels])
    if loops:
        lines.append(loops)
    lines.append(_memory_line(layers))
    return lines
