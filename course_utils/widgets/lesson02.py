"""Lesson 02 demos: spectra of an image and a kernel, their product, and wrap-around.

Pure functions (tested in ``tests/test_widgets_lesson02.py``):

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
import scipy.fft

from course_utils.conv import conv2d_fft, conv_output_size, fft_lengths
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

KERNEL_KINDS = ("box blur", "Gaussian", "motion blur", "edge", "Laplacian", "sharpen")
_NEEDS_THREE = ("edge", "Laplacian", "sharpen")
SPECTRUM_CMAP = "magma"


def demo_image(size: int = 256) -> np.ndarray:
    """scikit-image's bundled ``camera`` photo (no download), as float64 in [0, 1].

    Inputs: size, the side of the square result (1 .. 512); the 512x512 photo is reduced by
    averaging blocks when ``size`` divides 512, otherwise by picking evenly spaced pixels.
    Returns an array of shape (size, size), float64.
    """
    from skimage import data as skdata

    if not 1 <= size <= 512:
        raise ValueError(f"size must be between 1 and 512, got {size}")
    photo = skdata.camera().astype(np.float64) / 255.0
    if 512 % size == 0:
        factor = 512 // size
        return photo.reshape(size, factor, size, factor).mean(axis=(1, 3))
    index = np.linspace(0, 511, size).round().astype(int)
    return photo[np.ix_(index, index)]


def shapes_image(size: int = 128) -> np.ndarray:
    """A dark test image with bright shapes that touch its edges (to show wrap-around).

    A disc cut by the top edge, a bar along the left edge and a square in the middle, on a
    black background: a circular (unpadded) blur smears the disc into the bottom rows and
    the bar into the right columns, where the image itself is black.
    Inputs: size (>= 8), the side of the square image.
    Returns an array of shape (size, size), float64 in [0, 1].
    """
    if size < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    rows, cols = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size))
    image[(rows - 0.02) ** 2 + (cols - 0.62) ** 2 < 0.16**2] = 1.0  # disc at the top edge
    image[(rows > 0.35) & (rows < 0.8) & (cols < 0.08)] = 0.7  # bar along the left edge
    image[(np.abs(rows - 0.55) < 0.1) & (np.abs(cols - 0.5) < 0.1)] = 0.5  # square, centre
    return image


def _gaussian_1d(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred coordinates t (size,) and a normalised Gaussian g (size,) with sigma = size/6."""
    t = np.arange(size) - (size - 1) / 2
    sigma = max(size / 6.0, 0.5)
    g = np.exp(-0.5 * (t / sigma) ** 2)
    return t, g / g.sum()


def make_kernel(kind: str, size: int) -> np.ndarray:
    """A square demo kernel.

    Inputs:
    - kind: one of :data:`KERNEL_KINDS`:
      ``"box blur"`` (all taps 1/size^2), ``"Gaussian"`` (sigma = size/6, sums to 1),
      ``"motion blur"`` (a horizontal line through the centre row, sums to 1),
      ``"edge"`` (horizontal derivative of a Gaussian, zero sum, positive taps sum to 1),
      ``"Laplacian"`` (Laplacian of a Gaussian, zero sum, negative taps sum to -1),
      ``"sharpen"`` (2 * delta - Gaussian, sums to 1).
    - size: kernel side, >= 1 (>= 3 for edge, Laplacian and sharpen).

    Returns an array of shape (size, size), float64.
    """
    if kind not in KERNEL_KINDS:
        raise ValueError(f"kind must be one of {KERNEL_KINDS}, got {kind!r}")
    if size < (3 if kind in _NEEDS_THREE else 1):
        raise ValueError(f"a {kind!r} kernel needs size >= {3 if kind in _NEEDS_THREE else 1}")
    t, g = _gaussian_1d(size)
    if kind == "box blur":
        return np.full((size, size), 1.0 / size**2)
    if kind == "Gaussian":
        return np.outer(g, g)
    if kind == "motion blur":
        kernel = np.zeros((size, size))
        kernel[size // 2, :] = 1.0 / size
        return kernel
    if kind == "edge":
        kernel = np.outer(g, t * g)
        return kernel / kernel[kernel > 0].sum()
    if kind == "Laplacian":
        r2 = t[:, None] ** 2 + t[None, :] ** 2
        sigma2 = max(size / 6.0, 0.5) ** 2
        kernel = (r2 / sigma2 - 2.0) * np.exp(-0.5 * r2 / sigma2)
        kernel -= kernel.mean()
        return kernel / -kernel[kernel < 0].sum()
    sharpen = -np.outer(g, g)  # "sharpen": 2 * delta - Gaussian
    sharpen[(size - 1) // 2, (size - 1) // 2] += 2.0
    return sharpen


def placed_kernel(
    kernel: np.ndarray,
    lengths: tuple[int, int],
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """The flipped, dilated kernel on an ``L1 x L2`` grid, tap ``(u, v)`` at ``(p - d*u) mod L``.

    With this layout the circular convolution ``ifft2(fft2(x, s=L) * fft2(placed))`` equals
    the zero-padded cross-correlation ``conv2d(x, kernel, padding=p, dilation=d)`` on every
    output that lies clear of wrap-around (all of them when ``L`` is long enough; see
    :func:`course_utils.conv.fft_lengths`). It is the layout ``conv2d_fft`` uses.

    Inputs: kernel (kh, kw); lengths (L1, L2) with L >= the dilated kernel size;
    padding and dilation as (vertical, horizontal) pairs.
    Returns an array of shape (L1, L2), dtype of ``kernel``.
    """
    kernel_h, kernel_w = kernel.shape
    (l1, l2), (ph, pw), (dh, dw) = lengths, padding, dilation
    if dh * (kernel_h - 1) + 1 > l1 or dw * (kernel_w - 1) + 1 > l2:
        raise ValueError(f"the dilated kernel does not fit in a {l1}x{l2} grid")
    rows = (ph - dh * np.arange(kernel_h)) % l1
    cols = (pw - dw * np.arange(kernel_w)) % l2
    placed = np.zeros((l1, l2), dtype=kernel.dtype)
    placed[rows[:, None], cols[None, :]] = kernel
    return placed


def log_magnitude(spectrum: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    """``log10 |spectrum|`` with the zero frequency moved to the centre (``fftshift``).

    Inputs: spectrum (L1, L2), complex; floor: magnitudes below ``floor`` times the largest
    one are raised to it, so exact zeros give a finite value.
    Returns an array of shape (L1, L2), float64.
    """
    magnitude = np.abs(np.asarray(spectrum))
    lowest = floor * float(magnitude.max()) if magnitude.max() > 0 else floor
    return np.log10(np.maximum(scipy.fft.fftshift(magnitude), lowest))


def spectra_demo(image: np.ndarray, kernel: np.ndarray) -> dict[str, Any]:
    """Everything the spectra widget shows, for a 'same'-padded cross-correlation.

    The padding is ``(kh // 2, kw // 2)`` (the output keeps the image size for odd kernels)
    and the transform size is the one :func:`course_utils.conv.conv2d_fft` uses.

    Inputs: image (H, W) and kernel (kh, kw), kh <= H + 2*(kh//2) (same for kw).
    Returns a dict with:
    - ``"image"`` (H, W) and ``"kernel"`` (kh, kw): the inputs as float64;
    - ``"lengths"``: the transform size (L1, L2); ``"padding"``: (kh // 2, kw // 2);
    - ``"image_spectrum"``, ``"kernel_spectrum"``, ``"product_spectrum"``: (L1, L2) centred
      log10 magnitudes (see :func:`log_magnitude`); the product's is the sum of the others;
    - ``"output"`` (Ho, Wo): the inverse transform of the product, cropped to the output size;
      equal to ``conv2d_fft(image, kernel, padding=padding)``.
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    padding = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    lengths = fft_lengths(image.shape, kernel.shape, padding=padding)
    image_hat = scipy.fft.fft2(image, s=lengths)
    kernel_hat = scipy.fft.fft2(placed_kernel(kernel, lengths, padding))
    product = image_hat * kernel_hat
    out_h = conv_output_size(image.shape[0], kernel.shape[0], padding=padding[0])
    out_w = conv_output_size(image.shape[1], kernel.shape[1], padding=padding[1])
    floor = 1e-8
    return {
        "image": image,
        "kernel": kernel,
        "lengths": lengths,
        "padding": padding,
        "image_spectrum": log_magnitude(image_hat, floor),
        "kernel_spectrum": log_magnitude(kernel_hat, floor),
        "product_spectrum": log_magnitude(image_hat, floor) + log_magnitude(kernel_hat, floor),
        "output": scipy.fft.ifft2(product).real[:out_h, :out_w],
    }


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


def wraparound_demo(image: np.ndarray, kernel: np.ndarray) -> dict[str, np.ndarray]:
    """The 'same' cross-correlation computed with and without zero padding.

    Inputs: image (H, W) and kernel (kh, kw) with kh <= H and kw <= W.
    Returns a dict of (H + 2*(kh//2) - kh + 1, ...)-shaped float64 arrays (the image size
    for odd kernels):
    - ``"linear"``: ``conv2d_fft(image, kernel, padding=(kh//2, kw//2))``, zeros outside;
    - ``"circular"``: the product of spectra of size exactly (H, W), no padding: reads past
      one edge wrap around to the opposite edge;
    - ``"difference"``: circular - linear (non-zero only in bands along the edges).
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    padding = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    linear = conv2d_fft(image, kernel, padding=padding)
    spectrum = scipy.fft.rfft2(image) * scipy.fft.rfft2(placed_kernel(kernel, image.shape, padding))
    circular = scipy.fft.irfft2(spectrum, s=image.shape)[: linear.shape[0], : linear.shape[1]]
    return {"linear": linear, "circular": circular, "difference": circular - linear}


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


def fft_flops_model(lengths: tuple[int, int]) -> float:
    """Flop model of one FFT convolution (one image, one kernel) on an ``L1 x L2`` grid.

    Three real 2-D transforms (image, kernel, inverse) at ``2.5 * N * log2(N)`` flops each
    (half the classic ``5 N log2 N`` of a complex FFT of ``N = L1*L2`` points), plus the
    complex product on the ``L1 * (L2//2 + 1)`` stored frequencies at 6 flops each.

    >>> round(fft_flops_model((512, 512)))
    36178944
    """
    l1, l2 = lengths
    points = l1 * l2
    return 3 * 2.5 * points * np.log2(points) + 6 * l1 * (l2 // 2 + 1)


# -- thin ipywidgets shells ------------------------------------------------------------------


def make_spectra_widget(image: np.ndarray | None = None) -> Any:
    """Dropdown (kernel kind) and slider (odd kernel size) over :func:`plot_spectra`.

    Inputs: image (H, W); default :func:`demo_image` at 128x128.
    Returns an ``ipywidgets.VBox`` (display it in a notebook).
    """
    import ipywidgets as widgets

    image = demo_image(128) if image is None else image
    kind = widgets.Dropdown(options=KERNEL_KINDS, value="Gaussian", description="kernel")
    size = widgets.IntSlider(9, 3, 31, step=2, description="size", continuous_update=False)
    out = widgets.Output()

    def redraw(_: Any = None) -> None:
        with out:
            out.clear_output(wait=True)
            plot_spectra(spectra_demo(image, make_kernel(kind.value, size.value)))
            plt.show()

    kind.observe(redraw, names="value")
    size.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([kind, size]), out])


def make_wraparound_widget(image: np.ndarray | None = None) -> Any:
    """Dropdown (kernel kind) and slider (odd kernel size) over :func:`plot_wraparound`.

    Inputs: image (H, W); default :func:`shapes_image` at 128x128.
    Returns an ``ipywidgets.VBox`` (display it in a notebook).
    """
    import ipywidgets as widgets

    image = shapes_image(128) if image is None else image
    largest = min(image.shape) // 2 * 2 - 1
    kind = widgets.Dropdown(options=KERNEL_KINDS, value="box blur", description="kernel")
    size = widgets.IntSlider(
        min(21, largest), 3, largest, step=2, description="size", continuous_update=False
    )
    out = widgets.Output()

    def redraw(_: Any = None) -> None:
        with out:
            out.clear_output(wait=True)
            plot_wraparound(wraparound_demo(image, make_kernel(kind.value, size.value)))
            plt.show()

    kind.observe(redraw, names="value")
    size.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([kind, size]), out])
