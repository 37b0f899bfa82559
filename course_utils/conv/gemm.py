"""The matrix-multiply engines the GEMM-based methods can run on.

im2col and Winograd spend most of their time in one (batched) matrix product. Which
library runs it fastest depends on the shape of the product and on the machine, so the
product goes through :func:`matmul_into` with an ``engine``:

- ``"numpy"`` -- ``np.matmul`` (NumPy's BLAS; the default);
- ``"torch"`` -- ``torch.matmul`` on tensors that share the arrays' memory
  (``torch.from_numpy``: no copy in, the result is written into the NumPy output);
- ``"scipy"`` -- SciPy's BLAS ``?gemm``, one call per matrix of the batch.

All three compute the same product in the operands' dtype (float32 or float64); only
the order of the additions inside the BLAS kernels differs.
"""

from __future__ import annotations

import importlib.util
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["GEMM_ENGINES", "available_engines", "engine_threads", "matmul_into"]

#: Engine names, the default first.
GEMM_ENGINES = ("numpy", "torch", "scipy")


@lru_cache(maxsize=1)
def available_engines() -> tuple[str, ...]:
    """The engines of :data:`GEMM_ENGINES` whose library is installed (found without
    importing it: importing torch takes a second)."""
    found = [name for name in GEMM_ENGINES[1:] if importlib.util.find_spec(name) is not None]
    return ("numpy", *found)


def check_engine(engine: Any) -> str:
    """``engine`` if it names an installed engine, else ``ValueError`` listing them."""
    if engine == "numpy":
        return engine
    if engine not in GEMM_ENGINES:
        raise ValueError(f"engine must be one of {', '.join(GEMM_ENGINES)}, got {engine!r}")
    if engine not in available_engines():
        raise ValueError(f"engine {engine!r} needs {engine}, which is not installed")
    return engine


def engine_threads(engine: str) -> int:
    """Threads the engine's matrix products use now (torch's intra-op threads, else the
    BLAS threads NumPy and SciPy share)."""
    if engine == "torch":
        import torch

        return torch.get_num_threads()
    from course_utils.conv._threads import blas_threads

    return blas_threads()


def matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray, engine: str = "numpy") -> np.ndarray:
    """``out[...] = a @ b`` with ``np.matmul``'s broadcasting over leading axes; returns out.

    Shapes: a (..., M, K), b (..., K, P), out (..., M, P) (the broadcast shape). ``out``
    may be a strided view (it is written in place); a, b and out share one dtype.
    """
    if engine == "numpy":
        return np.matmul(a, b, out=out)
    if engine == "torch":
        return _torch_matmul(a, b, out)
    if engine == "scipy":
        return _scipy_matmul(a, b, out)
    raise ValueError(f"engine must be one of {', '.join(GEMM_ENGINES)}, got {engine!r}")


def _tensor(a: np.ndarray) -> Any:
    """A tensor on ``a``'s memory, read only by the product (a read-only array is shared
    too: torch warns that it could write to it, and it does not)."""
    import torch

    if any(s < 0 for s in a.strides):
        a = np.ascontiguousarray(a)  # torch cannot share negatively strided memory
    if a.flags.writeable:
        return torch.from_numpy(a)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(a)


def _torch_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    import torch

    if out.flags.c_contiguous:
        torch.matmul(_tensor(a), _tensor(b), out=torch.from_numpy(out))
    else:  # torch would reallocate a strided out: write through NumPy instead
        np.copyto(out, torch.matmul(_tensor(a), _tensor(b)).numpy())
    return out


@lru_cache(maxsize=2)
def _gemm(dtype: np.dtype) -> Any:
    from scipy.linalg import blas

    return blas.sgemm if dtype == np.float32 else blas.dgemm


def _scipy_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    gemm = _gemm(out.dtype)
    lead = out.shape[:-2]
    a_full = np.broadcast_to(a, (*lead, *a.shape[-2:]))
    b_full = np.broadcast_to(b, (*lead, *b.shape[-2:]))
    for index in np.ndindex(*lead):
        target = out[index]
        # BLAS is column-major: out^T = b^T a^T, written in place when out is row-major.
        result = gemm(1.0, b_full[index].T, a_full[index].T, c=target.T, overwrite_c=True,
                      beta=0.0)  # fmt: skip
        if not np.shares_memory(result, target):
            np.copyto(target, result.T)
    return out
