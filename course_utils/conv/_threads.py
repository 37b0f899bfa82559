"""Running NumPy work in threads: a shared pool and control of NumPy's BLAS threads.

NumPy releases Python's global lock inside its array loops and BLAS calls, so threads that
work on disjoint parts of an array run at the same time. When they do, each should call a
*single-threaded* BLAS: a multi-threaded one would put two BLAS thread teams on the same
cores (and, for the many tiny products of the Winograd transforms, wake its threads for
every call). :func:`single_threaded_blas` sets that limit for a block of code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


@lru_cache(maxsize=1)
def thread_pool() -> ThreadPoolExecutor:
    """One pool for the package, one thread per CPU (created on first use)."""
    return ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _blas_controller():  # noqa: ANN202 - threadpoolctl's selection type
    """NumPy's BLAS (scanned once: building a ThreadpoolController costs ~1 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def blas_threads() -> int:
    """Threads NumPy's BLAS would use now (respects threadpoolctl limits)."""
    counts = [lib.num_threads for lib in _blas_controller().lib_controllers]
    return max(counts, default=1)


def single_threaded_blas() -> AbstractContextManager:
    """Context manager: NumPy's BLAS uses one thread inside the block (process-wide)."""
    return _blas_controller().limit(limits=1)


def even_slices(total: int, parts: int) -> list[slice]:
    """``range(total)`` cut into ``min(parts, total)`` contiguous slices of near-equal size
    (at least one slice)."""
    count = max(1, min(parts, total))
    bounds = [total * i // count for i in range(count + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def run_in_threads(work: Callable[[Sequence[T]], None], items: Sequence[T], workers: int) -> None:
    """Call ``work(group)`` for ``workers`` round-robin groups of ``items`` in parallel,
    with a single-threaded BLAS; exceptions propagate."""
    groups = [items[start::workers] for start in range(min(workers, len(items)))]
    with single_threaded_blas():
        for future in [thread_pool().submit(work, group) for group in groups]:
            future.result()
