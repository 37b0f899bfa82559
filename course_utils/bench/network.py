"""Every 3x3 convolution of a network, planned, against ``torch.nn.functional.conv2d``.

``python -m course_utils.bench network [--quick] [--net resnet18|vgg16|both]
[--threads T] [--budget S] [--plans FILE] [--processes K]``

For each distinct 3x3 layer of ResNet-18 (N=8, 224x224 input: the stride-1 layers at
56^2 C64, 28^2 C128, 14^2 C256, 7^2 C512 and the three stride-2 layers that open stages
2-4) and of VGG-16 (N=4), the planner (:func:`course_utils.conv.plan`) times the
candidates once; then torch, the plan's choice ("auto") and every method's best plan run
side by side in interleaved rounds (medians after a warm-up) on the same operands, with
the same thread count and dtype (float32). Raw weights are passed on every call, so any
weight transform is part of the time (Winograd reuses a transform only after checking
the weights are unchanged). The table gives each ratio torch time / method time (> 1:
faster than torch), the auto choice's effective GFLOP/s and its share of the GEMM peak
measured in the same run; the network total weighs each layer by how often it occurs.
A method whose best plan was more than :data:`SIDE_BY_SIDE_LIMIT` times slower than
auto in planning is not run again: its ratio is the planner's (marked ``~``).

``--processes K`` also runs im2col's best plan of the 28^2 C128 layer in K fresh
processes (planning included) and reports max/min of their medians.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.bench import command_parser
from course_utils.config import quick_mode
from course_utils.conv import LayerShape, make_operands, plan
from course_utils.conv.gemm import engine_threads
from course_utils.conv.planner import PLANNED_METHODS
from course_utils.tables import Column, column_table
from course_utils.timing import gemm_peak_gflops, interleaved, limit_threads, steady_allocator

__all__ = ["NETWORKS", "NetworkLayer", "main", "network_layers", "run_network_bench"]

#: Methods slower than this multiple of auto in planning are not timed again.
SIDE_BY_SIDE_LIMIT = 4.0
#: Targets of the benchmark (see the module text).
AUTO_EVERY_LAYER, AUTO_TOTAL, WINOGRAD_GOAL, CHOICE_SLACK, ERROR_GOAL = 1.0, 1.3, 1.3, 1.05, 1e-4


@dataclass(frozen=True)
class NetworkLayer:
    """One distinct layer of a network and how many times the network runs it."""

    network: str
    name: str
    layer: LayerShape
    count: int


def _conv3(n: int, c: int, k: int, size: int, stride: int = 1) -> LayerShape:
    return LayerShape(n, c, k, size, size, 3, 3, padding=1, stride=stride)


def _resnet18(n: int, scale: int) -> list[NetworkLayer]:
    s = 56 // scale
    rows = [
        ("conv2_x 64->64", _conv3(n, 64, 64, s), 4),
        ("conv3_1 64->128 /2", _conv3(n, 64, 128, s, 2), 1),
        ("conv3_x 128->128", _conv3(n, 128, 128, s // 2), 3),
        ("conv4_1 128->256 /2", _conv3(n, 128, 256, s // 2, 2), 1),
        ("conv4_x 256->256", _conv3(n, 256, 256, s // 4), 3),
        ("conv5_1 256->512 /2", _conv3(n, 256, 512, s // 4, 2), 1),
        ("conv5_x 512->512", _conv3(n, 512, 512, max(s // 8, 2)), 3),
    ]
    return [NetworkLayer("ResNet-18", name, layer, count) for name, layer, count in rows]


def _vgg16(n: int, scale: int) -> list[NetworkLayer]:
    s = 224 // scale
    rows = [
        ("conv1_1 3->64", _conv3(n, 3, 64, s), 1),
        ("conv1_2 64->64", _conv3(n, 64, 64, s), 1),
        ("conv2_1 64->128", _conv3(n, 64, 128, s // 2), 1),
        ("conv2_2 128->128", _conv3(n, 128, 128, s // 2), 1),
        ("conv3_1 128->256", _conv3(n, 128, 256, s // 4), 1),
        ("conv3_x 256->256", _conv3(n, 256, 256, s // 4), 2),
        ("conv4_1 256->512", _conv3(n, 256, 512, s // 8), 1),
        ("conv4_x 512->512", _conv3(n, 512, 512, s // 8), 2),
        ("conv5_x 512->512", _conv3(n, 512, 512, s // 16), 3),
    ]
    return [NetworkLayer("VGG-16", name, layer, count) for name, layer, count in rows]


#: name -> (builder(batch, spatial scale-down), batch size of the benchmark)
NETWORKS: dict[str, tuple[Callable[[int, int], list[NetworkLayer]], int]] = {
    "resnet18": (_resnet18, 8),
    "vgg16": (_vgg16, 4),
}


def network_layers(name: str, quick: bool = False) -> list[NetworkLayer]:
    """The distinct 3x3 layers of network ``name`` (quick: batch 1, spatial size / 4 --
    every code path, indicative numbers only)."""
    if name not in NETWORKS:
        raise ValueError(f"unknown network {name!r}; choose from {', '.join(NETWORKS)}")
    build, batch = NETWORKS[name]
    return build(1, 4) if quick else build(batch, 1)


def _time_layer(item: NetworkLayer, budget: float, plans: str | None, rounds: int) -> dict:
    """Plan the layer, then time torch, auto and every method's best plan side by side."""
    import torch
    import torch.nn.functional as F

    layer = item.layer
    conv_plan = plan(layer.x_shape, layer.w_shape, layer.stride, layer.padding,
                     budget=budget, file=plans, min_flops=0)  # fmt: skip
    x, w = make_operands(layer, seed=1)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    calls: dict[str, Callable[[], object]] = {
        "torch": lambda: F.conv2d(tx, tw, stride=layer.stride, padding=layer.padding),
        "auto": lambda: conv_plan.run(x, w),
    }
    chosen_time = conv_plan.time_of(conv_plan.choice) or 0.0
    planned: dict[str, float] = {}
    for method in PLANNED_METHODS:
        best = conv_plan.best(method)
        if best is None or best == conv_plan.choice:
            continue
        seconds = conv_plan.time_of(best) or 0.0
        if chosen_time and seconds > SIDE_BY_SIDE_LIMIT * chosen_time:
            planned[method] = seconds
            continue
        calls[method] = _runner(best, x, w, layer)
    timings = interleaved(calls, repeat=3, rounds=rounds, warmup=1)
    medians = {name: t.median for name, t in timings.items()}
    return {"item": item, "plan": conv_plan, "medians": medians, "planned": planned,
            "error": _relative_error(conv_plan.run(x, w), x, w, layer)}  # fmt: skip


def _runner(candidate: Any, x: np.ndarray, w: np.ndarray, layer: LayerShape) -> Callable:
    return lambda: candidate.run(x, w, None, layer.stride, layer.padding, 1)


def _relative_error(out: np.ndarray, x: np.ndarray, w: np.ndarray, layer: LayerShape) -> float:
    """max |out - reference| / max |reference|, the reference F.conv2d in float64."""
    import torch
    import torch.nn.functional as F

    reference = F.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(),
                         stride=layer.stride, padding=layer.padding).numpy()  # fmt: skip
    return float(np.abs(out - reference).max() / np.abs(reference).max())


def _ratios(row: dict) -> dict[str, tuple[float, bool]]:
    """method -> (torch time / method time, measured side by side?) for auto and each
    method's best plan (the choice's method shares auto's time)."""
    medians, conv_plan = row["medians"], row["plan"]
    torch_s = medians["torch"]
    ratios = {"auto": (torch_s / medians["auto"], True)}
    for method in PLANNED_METHODS:
        best = conv_plan.best(method)
        if best is None:
            continue
        if best == conv_plan.choice:
            ratios[method] = ratios["auto"]
        elif method in medians:
            ratios[method] = (torch_s / medians[method], True)
        elif method in row["planned"]:
            planned_auto = conv_plan.time_of(conv_plan.choice)
            ratios[method] = (ratios["auto"][0] * planned_auto / row["planned"][method], False)
    return ratios


def run_network_bench(
    networks: Sequence[str] = ("resnet18", "vgg16"),
    quick: bool = False,
    threads: int = 2,
    budget: float = 2.0,
    plans: str | None = None,
    rounds: int = 3,
) -> dict[str, Any]:
    """Time every layer of ``networks``; returns {"rows", "peak_gflops", "threads"}."""
    steady_allocator()
    with limit_threads(threads):
        peak_size = 512 if quick else 1024
        peak = gemm_peak_gflops("float32", n=peak_size, best_of=3)
        engines = {e: engine_threads(e) for e in ("numpy", "torch")}
        rows = []
        for name in networks:
            for item in network_layers(name, quick):
                rows.append(_time_layer(item, budget, plans, rounds))
    return {"rows": rows, "peak_gflops": peak, "peak_size": peak_size, "threads": engines,
            "kernels": blas_kernels(), "quick": quick}  # fmt: skip


def _cell(ratios: dict, method: str) -> str:
    if method not in ratios:
        return "-"
    ratio, side_by_side = ratios[method]
    return f"{ratio:.2f}x" if side_by_side else f"~{ratio:.2f}x"


def network_totals(rows: Sequence[dict]) -> dict[str, tuple[float, float]]:
    """network -> (torch seconds, auto seconds) summed over its layers, each times its
    count, in the order the networks appear."""
    totals: dict[str, tuple[float, float]] = {}
    for row in rows:
        torch_s, auto_s = totals.get(row["item"].network, (0.0, 0.0))
        count, medians = row["item"].count, row["medians"]
        totals[row["item"].network] = (torch_s + count * medians["torch"],
                                       auto_s + count * medians["auto"])  # fmt: skip
    return totals


def format_table(result: dict[str, Any]) -> str:
    """The layer table, one block per network with its total."""
    peak = result["peak_gflops"]
    columns = [
        Column("layer", lambda r: f"{r['item'].name} {r['item'].layer.H}^2", 26, "<"),
        Column("x", lambda r: str(r["item"].count), 2),
        Column("torch", lambda r: f"{r['medians']['torch'] * 1e3:.2f} ms", 10),
        Column("auto", lambda r: f"{r['medians']['auto'] * 1e3:.2f} ms", 10),
        *(Column(m, lambda r, m=m: _cell(_ratios(r), m), 8) for m in ("auto", *PLANNED_METHODS)),
        Column("GFLOP/s", lambda r: f"{r['item'].layer.flops / r['medians']['auto'] / 1e9:.0f}", 8),
        Column("peak", lambda r: f"{r['item'].layer.flops / r['medians']['auto'] / 1e9 / peak:.0%}",
               5),
        Column("auto's choice", lambda r: r["plan"].label(r["plan"].choice), 0, "<", "  "),
    ]  # fmt: skip
    blocks = []
    for network, (torch_total, auto_total) in network_totals(result["rows"]).items():
        rows = [r for r in result["rows"] if r["item"].network == network]
        blocks.append(
            f"{network} (N={rows[0]['item'].layer.N}), torch time / method time:\n"
            f"{column_table(columns, rows)}\n"
            f"whole network (3x3 layers, each times its count): torch {torch_total * 1e3:.1f} ms,"
            f" auto {auto_total * 1e3:.1f} ms, auto {torch_total / auto_total:.2f}x torch"
        )
    return "\n\n".join(blocks)


def targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """(target, met, measured) for the four targets of the benchmark."""
    rows = result["rows"]
    worst = min(rows, key=lambda r: _ratios(r)["auto"][0])
    totals = [(network, torch_s / auto_s) for network, (torch_s, auto_s) in
              network_totals(rows).items()]  # fmt: skip
    wino = [(r["item"].name, _ratios(r).get("winograd", (0.0, True))[0]) for r in rows
            if r["item"].network == "ResNet-18" and r["item"].layer.C in (128, 256)
            and r["item"].layer.stride == 1]  # fmt: skip
    slack = max(r["medians"]["auto"] / min(v for k, v in r["medians"].items() if k != "torch")
                for r in rows)  # fmt: skip
    error = max(r["error"] for r in rows)
    return [
        (f"auto >= {AUTO_EVERY_LAYER:g}x torch on every layer", _ratios(worst)["auto"][0] >=
         AUTO_EVERY_LAYER, f"lowest {_ratios(worst)['auto'][0]:.2f}x ({worst['item'].network} "
         f"{worst['item'].name})"),
        (f"auto >= {AUTO_TOTAL:g}x torch on each network's total",
         all(t >= AUTO_TOTAL for _, t in totals), ", ".join(f"{n} {t:.2f}x" for n, t in totals)),
        (f"Winograd's best plan >= {WINOGRAD_GOAL:g}x torch at 28^2 C128 and 14^2 C256",
         bool(wino) and all(v >= WINOGRAD_GOAL for _, v in wino),
         ", ".join(f"{n} {v:.2f}x" for n, v in wino) or "not in this run"),
        (f"auto's choice within {CHOICE_SLACK - 1:.0%} of the fastest plan timed beside it",
         slack <= CHOICE_SLACK, f"worst {slack:.2f}x the fastest"),
        (f"auto's error <= {ERROR_GOAL:g} max|out| (vs F.conv2d in float64)", error <= ERROR_GOAL,
         f"largest {error:.1e}"),
    ]  # fmt: skip


def blas_kernels() -> str:
    """Which BLAS libraries NumPy and SciPy loaded and the CPU kernels they run (as
    threadpoolctl reports them), and whether OPENBLAS_CORETYPE chose those kernels."""
    from threadpoolctl import threadpool_info

    found = sorted({f"{p.get('internal_api')} {p.get('architecture') or '?'} kernels"
                    for p in threadpool_info() if p.get("user_api") == "blas"})  # fmt: skip
    forced = os.environ.get("OPENBLAS_CORETYPE")
    text = ", ".join(found) or "no BLAS found"
    if forced:
        text += f" (chosen by OPENBLAS_CORETYPE={forced} in the environment)"
    return text


def _fairness(result: dict[str, Any]) -> str:
    import torch

    threads = result["threads"]
    return (
        f"Fairness: float32 on both sides; torch {torch.__version__} runs its own CPU "
        f"convolution (oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}) "
        f"with {threads['torch']} threads; the package's methods run NumPy's BLAS with "
        f"{threads['numpy']} threads unless the plan names another GEMM engine "
        f"(engine=torch: torch.matmul on shared memory, engine=scipy: SciPy's BLAS); "
        f"NumPy's BLAS: {result['kernels']}; raw "
        f"weights on every call. GEMM peak (NumPy, {result['peak_size']}^2 float32, best of "
        f"3): {result['peak_gflops']:.0f} GFLOP/s."
    )


_PROBE = """
import json, sys
from course_utils.conv import LayerShape, make_operands, plan
from course_utils.timing import interleaved, limit_threads
layer = LayerShape(*json.loads(sys.argv[1]))
with limit_threads(int(sys.argv[2])):
    p = plan(layer.x_shape, layer.w_shape, layer.stride, layer.padding, methods="im2col",
             min_flops=0)
    x, w = make_operands(layer, seed=1)
    t = interleaved({"im2col": lambda: p.run(x, w)}, repeat=5, rounds=3, warmup=1)
print(json.dumps([t["im2col"].median, p.label(p.choice)]))
"""


def im2col_processes(
    count: int, threads: int, quick: bool = False, layer: LayerShape | None = None
) -> list[tuple[float, str]]:
    """(median seconds, chosen plan) of im2col's best plan of ``layer`` (default:
    ResNet-18's 28^2 C128 layer) in ``count`` fresh processes, each planning anew."""
    if layer is None:
        layer = _resnet18(1, 4)[2].layer if quick else _resnet18(8, 1)[2].layer
    fields = [getattr(layer, f) for f in ("N", "C", "K", "H", "W", "kh", "kw", "padding",
                                                 "stride")]  # fmt: skip
    results = []
    for _ in range(count):
        done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(fields), str(threads)],
                              capture_output=True, text=True, check=True)  # fmt: skip
        median, label = json.loads(done.stdout.strip().splitlines()[-1])
        results.append((float(median), str(label)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = command_parser("network", __doc__)
    parser.add_argument("--net", choices=[*NETWORKS, "both"], default="both")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=float, default=2.0, help="planning seconds per layer")
    parser.add_argument("--plans", help="a plan file to load and to save new plans to")
    parser.add_argument("--processes", type=int, default=0,
                        help="time im2col's best plan in this many fresh processes")  # fmt: skip
    args = parser.parse_args(argv)
    quick = args.quick or quick_mode()
    networks = list(NETWORKS) if args.net == "both" else [args.net]
    budget = min(args.budget, 0.5) if quick else args.budget
    result = run_network_bench(networks, quick, args.threads, budget, args.plans,
                               rounds=2 if quick else 3)  # fmt: skip
    from course_utils.conv.planner.store import cpu_name

    print(f"CPU: {cpu_name()}; {'QUICK mode: small layers, indicative only; ' if quick else ''}"
          f"planning budget {budget:g} s per layer")  # fmt: skip
    print(format_table(result))
    print()
    print(_fairness(result))
    print("\nTargets:")
    for text, met, measured in targets(result):
        print(f"  [{'met' if met else 'NOT met'}] {text}: {measured}")
    if args.processes:
        runs = im2col_processes(args.processes, args.threads, quick)
        medians = [m for m, _ in runs]
        spread = max(medians) / min(medians)
        print(f"  [{'met' if spread <= 1.3 else 'NOT met'}] im2col's best plan over "
              f"{len(runs)} fresh processes, max/min of the medians <= 1.3: {spread:.2f} "
              f"({', '.join(f'{m * 1e3:.1f}' for m in medians)} ms; plans: "
              f"{', '.join(sorted(set(label for _, label in runs)))})")  # fmt: skip
    return 0
