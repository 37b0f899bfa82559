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

__version__ = "0.1.0"
