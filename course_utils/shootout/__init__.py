"""Every convolution method of the course on the same problems: registry, rules, costs, ranking.

The contenders (all compute ``torch.nn.functional.conv2d``'s cross-correlation):

=========  ============================================  =========================================
name       function                                      applies to
=========  ============================================  =========================================
loops      ``course_utils.conv.conv2d_loops``            small problems only (Python loops)
direct     ``course_utils.conv.conv2d_direct``           everything
fft        ``course_utils.conv.conv2d_fft``              everything
im2col     ``course_utils.conv.conv2d_im2col``           everything
unfold     ``course_utils.conv.unfold.conv2d_unfold``    everything (PyTorch)
winograd   ``course_utils.conv.winograd.conv2d_winograd``  3x3 kernels, stride 1 (F(4x4, 3x3))
torch      ``torch.nn.functional.conv2d``                everything (PyTorch's own kernels)
=========  ============================================  =========================================

A method that does not apply to a problem is reported as "n/a" with the reason, never dropped.

Costs, per problem (:class:`LayerShape`):

* **flops** -- the direct method's ``2 N K C kh kw Ho Wo`` (:func:`course_utils.conv.conv2d_flops`);
  *effective* GFLOP/s of every method divide this same count by its time, so FFT and Winograd,
  which do fewer operations, can exceed the GEMM peak;
* **extra memory** -- :func:`extra_memory_bytes`, an *analytic* model of the peak bytes of the
  temporaries one call allocates (input, weights and output not counted, Winograd's filters
  are transformed once outside the call and not counted either), derived from each
  implementation's code; :func:`measure_extra_bytes` *measures* the same quantity with
  ``tracemalloc`` for the NumPy methods (``tests/test_shootout.py`` checks the two agree).

Timing uses :func:`course_utils.timing.benchmark` (median after warm-up) and
:func:`course_utils.timing.sweep`. The ResNet-like layers are the ones the benchmark commands
use (:mod:`course_utils.bench.conv`, :mod:`course_utils.bench.winograd`).

Modules:

- :mod:`.problems`  -- :class:`LayerShape` and seeded operands (from
  :mod:`course_utils.conv.layers`), the ResNet-like layers
- :mod:`.methods`   -- the registry, when a method applies, the timed call
- :mod:`.costs`     -- the FFT's operation count, extra memory (model and measurement)
- :mod:`.measuring` -- timing and ranking one problem, sweeps over a family of problems
- :mod:`.reporting` -- plain-text tables of rankings and memory reports
- :mod:`.guide`     -- "which method when", written from the measurements
"""

from course_utils.shootout.costs import (
    extra_memory_bytes,
    fft_operation_count,
    measure_extra_bytes,
    memory_report,
)
from course_utils.shootout.guide import GEMM_LIKE, TINY_FRACTION_OF_PEAK, which_method_guide
from course_utils.shootout.measuring import ShootoutSweep, rank_methods, run_sweep, time_methods
from course_utils.shootout.methods import (
    LOOPS_MAX_MACS,
    METHOD_NAMES,
    METHODS,
    NUMPY_METHODS,
    WINOGRAD_TILE,
    Method,
    applicable_methods,
    not_applicable_reason,
    prepare_call,
    run_method,
)
from course_utils.shootout.problems import LayerShape, make_operands, resnet_layers
from course_utils.shootout.reporting import (
    format_bytes,
    format_memory_report,
    format_ranking,
    ranking_summary,
)

# Pickles and type names of the classes keep naming this package, as before the split
# (LayerShape is course_utils.conv's: the name course_utils.shootout.LayerShape still works).
for _cls in (Method, ShootoutSweep):
    _cls.__module__ = __name__
del _cls

__all__ = [
    "GEMM_LIKE",
    "LOOPS_MAX_MACS",
    "METHODS",
    "METHOD_NAMES",
    "NUMPY_METHODS",
    "TINY_FRACTION_OF_PEAK",
    "WINOGRAD_TILE",
    "LayerShape",
    "Method",
    "ShootoutSweep",
    "applicable_methods",
    "extra_memory_bytes",
    "fft_operation_count",
    "format_bytes",
    "format_ranking",
    "format_memory_report",
    "make_operands",
    "measure_extra_bytes",
    "memory_report",
    "not_applicable_reason",
    "prepare_call",
    "rank_methods",
    "ranking_summary",
    "resnet_layers",
    "run_method",
    "run_sweep",
    "time_methods",
    "which_method_guide",
]
