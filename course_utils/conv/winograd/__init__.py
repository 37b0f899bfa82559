"""Winograd minimal filtering F(m x m, r x r) for 3x3 convolutions, in NumPy.

Reference: A. Lavin and S. Gray, "Fast Algorithms for Convolutional Neural Networks",
CVPR 2016 (arXiv:1509.09308, 2015).

**1-D idea.** F(m, r) computes m outputs of an r-tap correlation
``y_i = sum_k d[i + k] g[k]`` (i = 0..m-1) from n = m + r - 1 inputs with only n
multiplications instead of m * r:

    y = AT @ ((G @ g) * (BT @ d))          AT: (m, n), G: (n, r), BT: (n, n)

**2-D.** Nesting the 1-D algorithm on rows and columns gives, for an n x n input tile
``d`` and an r x r filter ``g``, the m x m output tile

    Y = AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T

with n * n multiplications instead of m * m * r * r: 16 instead of 36 for F(2x2, 3x3)
(2.25x fewer), 36 instead of 144 for F(4x4, 3x3) (4x fewer).

**Convolution layer.** The filter transform ``U = G g G^T`` is done once per filter. Summing
over input channels commutes with the output transform, so for every one of the n * n
positions (xi, nu) inside a tile the element-wise stage is a matrix product over channels:

    M[xi, nu] (K x P) = U[xi, nu] (K x C) @ V[xi, nu] (C x P)

where P = N * tiles_h * tiles_w is the number of tiles. That batched GEMM does almost
all the arithmetic; the input and output transforms only read and write every tile once.

Shapes used throughout:

* x: (N, C, H, W), w: (K, C, r, r), b: (K,)
* out: (N, K, H_out, W_out) with H_out = H + 2 * pad - r + 1 (stride 1)
* tiles: tiles_h = ceil(H_out / m), tiles_w = ceil(W_out / m); partial tiles at the border
  are computed on zero padding and cropped away.

Modules:

- :mod:`.algebra` -- the exact transforms (AT, G, BT), the filter transform, the count
- :mod:`.plan`    -- argument checks, tile grid, batch chunks, when to use threads
- :mod:`.cache`   -- transformed filters reused between calls while the weights are unchanged
- :mod:`.kernel`  -- the pipeline (:func:`conv2d_winograd`) and its stage profile
"""

from course_utils.conv.winograd.algebra import (
    DEFAULT_POINTS,
    MAX_TILE,
    FractionMatrix,
    WinogradFilters,
    multiplication_count,
    transform_filters,
    winograd_transforms,
)
from course_utils.conv.winograd.cache import clear_filter_cache, filter_cache_info
from course_utils.conv.winograd.kernel import conv2d_winograd, profile_winograd
from course_utils.conv.winograd.plan import (
    CHUNK_BYTES,
    GEMM_ORIENTATIONS,
    MIN_TILES_PER_CHUNK,
    THREADED_GEMM_FLOPS,
    batch_chunks,
    chunk_layout,
)

# Pickles and type names of the filters keep naming this package, as before the split.
WinogradFilters.__module__ = __name__

__all__ = [
    "CHUNK_BYTES",
    "GEMM_ORIENTATIONS",
    "DEFAULT_POINTS",
    "MAX_TILE",
    "MIN_TILES_PER_CHUNK",
    "THREADED_GEMM_FLOPS",
    "FractionMatrix",
    "WinogradFilters",
    "batch_chunks",
    "chunk_layout",
    "clear_filter_cache",
    "conv2d_winograd",
    "filter_cache_info",
    "multiplication_count",
    "profile_winograd",
    "transform_filters",
    "winograd_transforms",
]
