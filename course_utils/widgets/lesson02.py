"""Lesson 02 demos: spectra of an image and a kernel, their product, and wrap-around.

Pure functions (some re-exported from :mod:`course_utils.demos`; tested in
``tests/test_widgets_lesson02.py`` and ``tests/test_demos_*.py``):

* :func:`demo_image` -- a grey photo (scikit-image's bundled ``camera``), any size;
* :func:`shapes_image` -- bright shapes touching the edges of a black image;
* :func:`make_kernel` -- box blur, Gaussian, motion blur, edge, Laplacian, sharpen kernels;
* :func:`placed_kernel` -- the flipped kernel laid out on an ``L1 x L2`` grid exactly as
  :func:`course_utils.conv.conv2d_fft` places it (the product of spectra then needs no
  conjugate, and the zero padding comes for free);
* :func:`log_magnitude` -- a centred log10 magnitude spectrum for display;
* :func:`spectra_demo` -- image and kernel spectra, their product, and the output;
* :func:`wraparound_demo` -- the same blur with and without zero padding;
* :func:`fft_flops_model` -- the flop model of an FFT convolution;
* :func:`plot_spectra`, :func:`plot_wraparound` -- figures of the above.

:func:`make_spectra_widget` and :func:`make_wraparound_widget` are thin ``ipywidgets``
shells: they only wire a dropdown and sliders to these functions.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from course_utils.demos.spectra import (
    KERNEL_KINDS,
    demo_image,
    fft_flops_model,
    log_magnitude,
    make_kernel,
    placed_kernel,
    shapes_image,
    spectra_demo,
    wraparound_demo,
)
from course_utils.viz import show_image

__all__ = [
    "KERNEL_KINDS",
    "demo_image",
    "fft_flops_model",
    "log_magnitude",
    "make_kernel",
    "make_spectra_widget",
    "make_wraparound_widget",
    "placed_kernel",
    "plot_spectra",
    "plot_wraparound",
    "shapes_image",
    "spectra_demo",
    "wraparound_demo",
]

SPECTRUM_CMAP = "magma"


def _spectrum_panel(ax: plt.Axes, values: np.ndarray, title: str, limits: tuple) -> Any:
    shown = ax.imshow(values, cmap=SPECTRUM_CMAP, vmin=limits[0], vmax=limits[1])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return shown


def plot_spectra(demo: dict[str, Any], title: str | None = None) -> plt.Figure:
    """Figure of :func:`spectra_demo`: image, kernel, output (top); the three spectra (bottom).

    The spectra share one colour scale (log10 magnitude, zero frequency in the centre), so
    the product's panel is visibly the sum of the two above-left of it.
    """
    fig, axes = plt.subplots(2, 3, figsize=(9.6, 6.6), layout="constrained")
    show_image(demo["image"], "image x", ax=axes[0, 0])
    show_image(demo["kernel"], f"kernel w {demo['kernel'].shape}", ax=axes[0, 1], signed=True)
    show_image(demo["output"], "output = IFFT(X·W)", ax=axes[0, 2])
    spectra = [demo[key] for key in ("image_spectrum", "kernel_spectrum", "product_spectrum")]
    top = max(float(s.max()) for s in spectra)
    limits = (top - 8.0, top)
    titles = ("log10 |X|", "log10 |W|", "log10 |X·W|")
    for ax, spectrum, name in zip(axes[1], spectra, titles, strict=True):
        shown = _spectrum_panel(ax, spectrum, name, limits)
    fig.colorbar(shown, ax=list(axes[1]), shrink=0.9, label="log10 magnitude")
    l1, l2 = demo["lengths"]
    fig.suptitle(title or f"spectra on the {l1}x{l2} transform grid", fontweight="bold")
    return fig


def plot_wraparound(demo: dict[str, np.ndarray], title: str | None = None) -> plt.Figure:
    """Three panels: zero-padded result, unpadded (circular) result, and their difference.

    The two results share one grey scale; the difference (what wrapped around from the
    opposite edges) has its own signed colour scale and a colour bar.
    """
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.8), layout="constrained")
    limits = (float(demo["linear"].min()), float(demo["linear"].max()))
    panels = (("linear", "zero-padded (linear)"), ("circular", "unpadded FFT (circular)"))
    for ax, (key, name) in zip(axes[:2], panels, strict=True):
        ax.imshow(demo[key], cmap="gray", vmin=limits[0], vmax=limits[1])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name)
    show_image(demo["difference"], "circular − linear (wrapped in)", ax=axes[2], signed=True)
    fig.colorbar(axes[2].images[0], ax=axes[2], shrink=0.85)
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig


# -- thin ipywidgets shells ------------------------------------------------------------------


def _kernel_controls(value: str, size: int, largest: int) -> dict[str, Any]:
    """The kernel-kind dropdown and the odd kernel-size slider of both lesson 02 widgets."""
    import ipywidgets as widgets

    return {
        "kind": widgets.Dropdown(options=KERNEL_KINDS, value=value, description="kernel"),
        "size": widgets.IntSlider(
            size, 3, largest, step=2, description="size", continuous_update=False
        ),
    }


def make_spectra_widget(image: np.ndarray | None = None) -> Any:
    """Dropdown (kernel kind) and slider (odd kernel size) over :func:`plot_spectra`.

    Inputs: image (H, W); default :func:`demo_image` at 128x128.
    Returns a :class:`~course_utils.widgets.shell.WidgetShell` (display it in a notebook).
    """
    from course_utils.widgets.shell import WidgetShell

    image = demo_image(128) if image is None else image
    return WidgetShell(
        _kernel_controls("Gaussian", 9, 31),
        lambda kind, size: plot_spectra(spectra_demo(image, make_kernel(kind, size))),
    )


def make_wraparound_widget(image: np.ndarray | None = None) -> Any:
    """Dropdown (kernel kind) and slider (odd kernel size) over :func:`plot_wraparound`.

    Inputs: image (H, W); default :func:`shapes_image` at 128x128.
    Returns a :class:`~course_utils.widgets.shell.WidgetShell` (display it in a notebook).
    """
    from course_utils.widgets.shell import WidgetShell

    image = shapes_image(128) if image is None else image
    largest = min(image.shape) // 2 * 2 - 1
    return WidgetShell(
        _kernel_controls("box blur", min(21, largest), largest),
        lambda kind, size: plot_wraparound(wraparound_demo(image, make_kernel(kind, size))),
    )
