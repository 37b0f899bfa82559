"""The computations of :mod:`course_utils.demos.spectra` (lesson 02)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from course_utils.conv import conv2d_direct, conv2d_fft, fft_lengths
from course_utils.demos import spectra


def test_demo_images_have_the_requested_size_and_range() -> None:
    for size in (128, 100):
        photo = spectra.demo_image(size)
        assert photo.shape == (size, size) and photo.dtype == np.float64
        assert 0.0 <= photo.min() and photo.max() <= 1.0 and photo.std() > 0.05
    shapes = spectra.shapes_image(64)
    assert shapes.shape == (64, 64)
    assert shapes[0].max() == 1.0  # the disc touches the top edge
    assert shapes[:, 0].max() > 0 and shapes[-1].max() == 0  # bar on the left, bottom row dark
    with pytest.raises(ValueError):
        spectra.demo_image(513)
    with pytest.raises(ValueError):
        spectra.shapes_image(4)


@pytest.mark.parametrize("size", [3, 4, 9])
def test_kernels_have_their_documented_sums(size: int) -> None:
    sums = {kind: spectra.make_kernel(kind, size).sum() for kind in spectra.KERNEL_KINDS}
    for kind in ("box blur", "Gaussian", "motion blur", "sharpen"):
        assert sums[kind] == pytest.approx(1.0)
    for kind in ("edge", "Laplacian"):
        assert sums[kind] == pytest.approx(0.0, abs=1e-12)
    edge = spectra.make_kernel("edge", size)
    assert edge[edge > 0].sum() == pytest.approx(1.0)
    assert np.allclose(edge, -edge[:, ::-1])  # odd in the horizontal direction
    gaussian = spectra.make_kernel("Gaussian", size)
    assert np.allclose(gaussian, gaussian.T) and gaussian.shape == (size, size)
    motion = spectra.make_kernel("motion blur", size)
    assert np.count_nonzero(motion.sum(axis=1)) == 1  # one row only


def test_make_kernel_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kind"):
        spectra.make_kernel("emboss", 3)
    with pytest.raises(ValueError, match="size"):
        spectra.make_kernel("edge", 1)
    assert spectra.make_kernel("box blur", 1).tolist() == [[1.0]]


def test_placed_kernel_layout() -> None:
    taps = np.arange(1.0, 10.0).reshape(3, 3)
    placed = spectra.placed_kernel(taps, (6, 7), padding=(1, 1))
    assert placed.shape == (6, 7)
    assert placed[1, 1] == 1.0 and placed[0, 0] == 5.0  # tap (u, v) at (p - u, p - v)
    assert placed[-1, -1] == 9.0 and placed[0, -1] == 6.0  # wrapped around the corners
    assert placed.sum() == taps.sum() and np.count_nonzero(placed) == 9
    dilated = spectra.placed_kernel(taps, (8, 8), dilation=(2, 1))
    assert dilated[0, 0] == 1.0 and dilated[-2, 0] == 4.0 and dilated[-4, -2] == 9.0
    with pytest.raises(ValueError, match="does not fit"):
        spectra.placed_kernel(taps, (2, 8))


@pytest.mark.parametrize(
    ("padding", "dilation"), [((0, 0), (1, 1)), ((2, 1), (1, 1)), ((1, 3), (2, 1))]
)
def test_placed_kernel_gives_the_padded_cross_correlation(padding, dilation) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((11, 14)), rng.standard_normal((3, 4))
    lengths = fft_lengths(x.shape, w.shape, padding=padding, dilation=dilation)
    placed = spectra.placed_kernel(w, lengths, padding, dilation)
    grid = scipy.fft.irfft2(scipy.fft.rfft2(x, s=lengths) * scipy.fft.rfft2(placed), s=lengths)
    expected = conv2d_direct(x, w, padding=padding, dilation=dilation)
    assert np.allclose(grid[: expected.shape[0], : expected.shape[1]], expected)


def test_log_magnitude_is_centred_and_finite() -> None:
    spectrum = scipy.fft.fft2(np.ones((4, 6)))  # all energy at the zero frequency
    shown = spectra.log_magnitude(spectrum)
    assert shown.shape == (4, 6) and np.isfinite(shown).all()
    assert np.unravel_index(shown.argmax(), shown.shape) == (2, 3)  # centre after fftshift
    assert shown.max() == pytest.approx(np.log10(24.0))
    assert shown.min() == pytest.approx(np.log10(24.0 * 1e-8))  # zeros raised to the floor


@pytest.mark.parametrize("kind", spectra.KERNEL_KINDS)
def test_spectra_demo_output_is_conv2d_fft(kind: str) -> None:
    image = spectra.demo_image(32)
    kernel = spectra.make_kernel(kind, 5)
    demo = spectra.spectra_demo(image, kernel)
    assert demo["padding"] == (2, 2)
    assert demo["lengths"] == fft_lengths((32, 32), (5, 5), padding=2)
    assert demo["output"].shape == (32, 32)
    assert np.allclose(demo["output"], conv2d_fft(image, kernel, padding=2))
    assert np.allclose(demo["output"], conv2d_direct(image, kernel, padding=2))
    product = demo["image_spectrum"] + demo["kernel_spectrum"]
    assert np.allclose(demo["product_spectrum"], product)
    for key in ("image_spectrum", "kernel_spectrum", "product_spectrum"):
        assert demo[key].shape == demo["lengths"]


def test_blur_spectrum_is_low_pass_and_edge_spectrum_kills_dc() -> None:
    image = spectra.demo_image(32)
    gaussian = spectra.spectra_demo(image, spectra.make_kernel("Gaussian", 9))
    spectrum = gaussian["kernel_spectrum"]
    centre = tuple(n // 2 for n in spectrum.shape)
    assert spectrum[centre] == pytest.approx(0.0, abs=1e-12)  # |W(0)| = sum = 1
    assert spectrum[0, 0] < spectrum[centre] - 1  # high frequencies damped 10x or more
    edge = spectra.spectra_demo(image, spectra.make_kernel("edge", 9))
    assert edge["kernel_spectrum"][centre] < edge["kernel_spectrum"].max() - 6  # zero at DC


def test_wraparound_demo_differs_only_near_the_edges() -> None:
    image = spectra.shapes_image(64)
    kernel = spectra.make_kernel("box blur", 9)
    demo = spectra.wraparound_demo(image, kernel)
    assert demo["linear"].shape == demo["circular"].shape == (64, 64)
    assert np.allclose(demo["linear"], conv2d_direct(image, kernel, padding=4))
    assert np.allclose(demo["difference"], demo["circular"] - demo["linear"])
    assert np.allclose(demo["difference"][4:-4, 4:-4], 0.0)  # interior: nothing wraps
    assert demo["difference"][-1].max() > 0.1  # the disc at the top reappears at the bottom
    circular = scipy.fft.ifft2(
        scipy.fft.fft2(image) * scipy.fft.fft2(spectra.placed_kernel(kernel, (64, 64), (4, 4)))
    ).real
    assert np.allclose(demo["circular"], circular)


def test_fft_flops_model() -> None:
    assert spectra.fft_flops_model((512, 512)) == pytest.approx(36_178_944)
    small = spectra.fft_flops_model((8, 4))
    assert small == pytest.approx(3 * 2.5 * 32 * 5 + 6 * 8 * 3)
