"""Helpers for the course on fast convolutions and generative image inpainting.

One concept per module:

- :mod:`course_utils.config`    -- quick mode and sizes that shrink in CI
- :mod:`course_utils.timing`    -- honest benchmarks (median after warm-up, GFLOP/s, GEMM peak)
- :mod:`course_utils.viz`       -- one plotting style for images, batches, kernels, feature maps
- :mod:`course_utils.checks`    -- the exercise checking engine
- :mod:`course_utils.build_exercises` -- exercises generated from solutions (single source)
- :mod:`course_utils.conv`      -- convolution algorithms built in the lessons
- :mod:`course_utils.inpainting` -- contextual attention and a small DeepFill-style GAN
"""

import os as _os

__version__ = "0.1.0"

# NumPy's OpenBLAS and torch's OpenMP each keep a pool of worker threads that busy-wait
# after every call. In one process that alternates between them (every benchmark of this
# course does), the idle pool spins on the cores the busy one needs: measured here on a
# 2-core machine, torch's conv2d took 34 ms instead of 9 ms right after NumPy calls, and
# NumPy's GEMM 36 ms instead of 14 ms right after torch calls. Letting idle threads sleep
# removes the interference. The settings only take effect if they are in the environment
# before NumPy and torch are first imported (``course.sh`` and Binder's ``start`` export
# them; importing ``course_utils`` first in a fresh process also works); an explicit
# setting of your own is kept.
WAIT_POLICY_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}
# NumPy advises the kernel to back every new large array with transparent huge pages.
# Where the kernel does that only on request (transparent_hugepage=madvise, the common
# default), whether an array gets huge pages depends on the memory free at the time, and
# the same call is fast in one process and slow in the next: measured on a 2-core AMD EPYC,
# im2col's median on one layer spread over 9.5-13.4 ms across 10 fresh processes with the
# advice and over 9.3-10.5 ms without it. The advice is off for the course (the same rule
# as above: set before NumPy is imported, yours is kept; ``timing.steady_allocator`` also
# turns it off for arrays made after it runs).
TIMING_ENV = {**WAIT_POLICY_ENV, "NUMPY_MADVISE_HUGEPAGE": "0"}
for _name, _value in TIMING_ENV.items():
    _os.environ.setdefault(_name, _value)
