"""Paint a hole, fill it (course_utils.demos.paint) and its widget's handlers
(course_utils.widgets.paint), without a browser."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from course_utils.demos.paint import (
    PAINT_METHODS,
    PhotoError,
    brush_stroke,
    compare_fills,
    decode_photo,
    example_mask,
    square_photo,
)


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_any_photo_becomes_a_square_with_a_note_of_what_was_done() -> None:
    wide = (np.random.default_rng(0).random((120, 300, 3)) * 255).astype(np.uint8)
    square, note = square_photo(wide, 64)
    assert square.shape == (64, 64, 3) and square.dtype == np.float32
    assert 0 <= square.min() and square.max() <= 1
    assert "cropped 300x120 to its centre square" in note and "scaled down to 64x64" in note
    grey, note = square_photo(np.full((32, 32), 0.5), 64)
    assert grey.shape == (64, 64, 3) and "scaled up" in note
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    assert square_photo(rgba, 64)[1] == "used as it is (64x64)"
    with pytest.raises(PhotoError, match="at least 16x16"):
        square_photo(np.zeros((8, 40, 3)), 64)


def test_uploads_that_are_not_images_get_a_clear_error() -> None:
    picture = (np.arange(48).reshape(4, 4, 3) * 5).astype(np.uint8)
    assert np.array_equal(decode_photo(_png(picture)), picture)
    with pytest.raises(PhotoError, match="notes.txt is not an image file"):
        decode_photo(b"just some text", "notes.txt")
    with pytest.raises(PhotoError, match="is empty"):
        decode_photo(b"", "empty.png")
    with pytest.raises(PhotoError, match="damaged or truncated"):
        decode_photo(_png(np.zeros((64, 64, 3), dtype=np.uint8))[:60], "cut.png")


def test_a_stroke_paints_discs_without_gaps_and_erasing_clears_them() -> None:
    mask = np.zeros((40, 60), dtype=bool)
    brush_stroke(mask, [(5, 20), (55, 20)], radius=3)  # a fast drag: two far apart events
    assert mask[20, 5:56].all() and not mask[10].any()
    assert mask.sum() > 50 * 5
    brush_stroke(mask, [(30, 20)], radius=6, erase=True)
    assert not mask[20, 25:36].any() and mask[20, 5:20].all()
    with pytest.raises(ValueError, match="radius"):
        brush_stroke(mask, [(1, 1)], radius=0)


def test_every_method_fills_the_painted_hole_and_is_scored_against_the_photo() -> None:
    rng = np.random.default_rng(1)
    image = rng.random((64, 64, 3)).astype(np.float32)
    mask = example_mask(64)
    results = compare_fills(image, mask)
    assert [r["method"] for r in results] == list(PAINT_METHODS)
    for r in results:
        assert r["result"].shape == image.shape and r["seconds"] >= 0
        np.testing.assert_array_equal(r["result"][~mask], image[~mask])  # known pixels kept
        error = np.abs(r["result"] - image)[mask].mean() * 100
        assert r["hole_l1_x100"] == pytest.approx(error, rel=1e-5)
    with pytest.raises(ValueError, match="paint a hole first"):
        compare_fills(image, np.zeros((64, 64), dtype=bool))


def test_the_widget_fills_each_stroke_and_keeps_the_photo_on_a_bad_upload() -> None:
    pytest.importorskip("ipycanvas")
    from course_utils.widgets.paint import make_paint_widget

    widget = make_paint_widget(size=256)
    assert widget.fallback_jpeg and widget.result.value == widget.fallback_jpeg
    widget.clear()
    assert "Paint a hole" in widget.status.value and not widget.mask.any()
    widget.on_mouse_down(60, 100)
    widget.on_mouse_move(140, 120)
    widget.on_mouse_up(140, 120)
    assert widget.mask.any() and widget.result.value != widget.fallback_jpeg
    assert "all fills in" in widget.status.value  # the time is measured and shown, not asserted
    photo = widget.image.copy()
    widget.load_upload(b"<html>", "page.html")
    assert "page.html is not an image file" in widget.status.value
    np.testing.assert_array_equal(widget.image, photo)
    widget.load_upload(_png(np.full((300, 200, 3), 128, dtype=np.uint8)), "mine.png")
    assert "mine.png: cropped 200x300" in widget.status.value
    assert widget.image.shape == (256, 256, 3)
    bundle = widget._repr_mimebundle_()
    assert "image/jpeg" in bundle  # the figure shown where no widget can run


def test_integer_photos_keep_their_brightness_and_phone_photos_stand_upright() -> None:
    grey16 = np.full((32, 32, 3), 32768, dtype=np.uint16)
    assert square_photo(grey16, 32)[0].mean() == pytest.approx(0.5, abs=1e-3)
    wide = Image.fromarray(np.zeros((20, 40, 3), dtype=np.uint8))
    exif = wide.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees to display": a phone held upright
    buffer = io.BytesIO()
    wide.save(buffer, format="JPEG", exif=exif)
    assert decode_photo(buffer.getvalue()).shape == (40, 20, 3)
    with pytest.raises(ValueError, match="radius"):
        brush_stroke(np.zeros((4, 4), dtype=bool), [(1, 1)], radius=float("nan"))


def test_clearing_the_hole_removes_the_old_comparison() -> None:
    pytest.importorskip("ipycanvas")
    from course_utils.widgets.paint import make_paint_widget

    widget = make_paint_widget(size=64)
    assert widget.result.value
    widget.clear()
    assert widget.result.value == b""
