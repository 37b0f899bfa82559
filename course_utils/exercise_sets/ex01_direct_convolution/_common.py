"""Tolerances and the learner-style loops shared by the questions of the direct-convolution set."""

from __future__ import annotations

import numpy as np

RTOL, ATOL = 1e-10, 1e-12  # see the package's docstring


def _learner_loops(x, w):
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(kh):
                for v in range(kw):
                    out[i, j] += x[i + u, j + v] * w[u, v]
    return out
