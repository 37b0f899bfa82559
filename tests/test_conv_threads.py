"""The thread helpers behind conv2d_winograd's batch chunks."""

from __future__ import annotations

import threading

import pytest

from course_utils.conv import _threads


def test_run_in_threads_covers_every_item_once_with_one_blas_thread():
    seen: list[int] = []
    blas: list[int] = []
    lock = threading.Lock()

    def work(group):
        with lock:
            seen.extend(group)
            blas.append(_threads.blas_threads())

    _threads.run_in_threads(work, list(range(7)), workers=3)
    assert sorted(seen) == list(range(7))
    assert len(blas) == 3 and set(blas) == {1}


def test_run_in_threads_propagates_errors_and_restores_blas():
    before = _threads.blas_threads()

    def work(group):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _threads.run_in_threads(work, [1, 2], workers=2)
    assert _threads.blas_threads() == before


@pytest.mark.parametrize(("total", "parts"), [(8, 3), (36, 2), (3, 5), (1, 4), (0, 2)])
def test_even_slices_cover_the_range_once(total, parts):
    slices = _threads.even_slices(total, parts)
    assert len(slices) == max(1, min(parts, total))
    assert [i for s in slices for i in range(s.start, s.stop)] == list(range(total))
    sizes = [s.stop - s.start for s in slices]
    assert max(sizes) - min(sizes) <= 1
