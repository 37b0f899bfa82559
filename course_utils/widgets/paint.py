"""Lesson 08's painting widget: paint a hole on a photo, see every method fill it.

A thin shell over :mod:`course_utils.demos.paint`: an ipycanvas canvas shows the photo with
the painted hole on a second layer; when the mouse is released, every method of
:data:`~course_utils.demos.paint.PAINT_METHODS` fills the hole and the comparison (each fill
with its hole L1 against the photo and its time) is shown below. Controls: a held-out photo or
an upload of your own (any size: cropped to its centre square and resized, with a note; a file
that is not an image gets a message, and the photo stays), paint or erase, brush size, clear.
Where no widget can run (nbval, a static page) the output is a figure of the same comparison
on an example stroke.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils.demos.inpainting_runs import HELD_OUT_NAMES, view_image
from course_utils.demos.paint import (
    PhotoError,
    brush_stroke,
    compare_fills,
    comparison_figure,
    decode_photo,
    example_mask,
    square_photo,
)
from course_utils.widgets.shell import figure_jpeg

__all__ = ["PaintWidget", "make_paint_widget"]

_HOLE_RGBA = np.array([255, 40, 40, 150], dtype=np.uint8)


class PaintWidget(widgets.VBox):
    """The widget (see the module's doc); the handlers are plain methods that tests call."""

    def __init__(self, size: int = 256, photo: str = "china") -> None:
        from ipycanvas import MultiCanvas

        self.size = size
        self.canvas = MultiCanvas(2, width=size, height=size)
        self.photo_picker = widgets.Dropdown(
            options=HELD_OUT_NAMES, value=photo, description="photo"
        )
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="your photo")
        self.mode = widgets.ToggleButtons(options=["paint", "erase"], value="paint")
        self.brush = widgets.IntSlider(value=size // 24, min=2, max=size // 6, description="brush")
        self.clear_button = widgets.Button(description="clear")
        self.status = widgets.HTML()
        self.result = widgets.Image(format="jpeg")
        self._last: tuple[float, float] | None = None
        self.image = np.zeros((size, size, 3), dtype=np.float32)
        self.mask = example_mask(size)
        self.fallback_jpeg: bytes | None = None
        self._wire()
        super().__init__(
            [
                widgets.HBox([self.photo_picker, self.upload]),
                widgets.HBox([self.mode, self.brush, self.clear_button]),
                self.canvas,
                self.status,
                self.result,
            ]
        )
        self.show_held_out(photo)
        self.fallback_jpeg = bytes(self.result.value) or None

    # -- wiring -----------------------------------------------------------------------------
    def _wire(self) -> None:
        self.canvas.on_mouse_down(self.on_mouse_down)
        self.canvas.on_mouse_move(self.on_mouse_move)
        self.canvas.on_mouse_up(self.on_mouse_up)
        self.canvas.on_mouse_out(self.on_mouse_up)
        self.clear_button.on_click(lambda _: self.clear())
        self.photo_picker.observe(self._on_photo, names="value")
        self.upload.observe(self._on_upload, names="value")

    def _on_photo(self, change: dict) -> None:
        self.show_held_out(change["new"])

    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if files:
            item = files[0]
            self.load_upload(bytes(item["content"]), item.get("name", "the file"))

    # -- what the handlers do -----------------------------------------------------------------
    def load_upload(self, content: bytes, name: str) -> None:
        """Use an uploaded file as the photo, or say why it cannot be used."""
        try:
            picture, note = square_photo(decode_photo(content, name), self.size)
        except PhotoError as error:
            message = html.escape(str(error))
            self.status.value = f"<span style='color:#b00'>{message}; the photo stays.</span>"
            return
        self.show_photo(picture, f"{html.escape(name)}: {note}")

    def show_held_out(self, name: str) -> None:
        """Show the held-out photo ``name`` (one of ``HELD_OUT_NAMES``), squared to the canvas."""
        picture = square_photo(view_image(name, 2 * self.size), self.size)[0]
        self.show_photo(picture, "held-out photo")

    def show_photo(self, picture: np.ndarray, note: str) -> None:
        """Show ``picture`` with the current hole and fill it."""
        self.image = picture
        self.canvas[0].put_image_data((picture * 255).astype(np.uint8), 0, 0)
        self.redraw_hole()
        self.fill(note)

    def on_mouse_down(self, x: float, y: float) -> None:
        self._last = (x, y)
        self._paint([(x, y)])

    def on_mouse_move(self, x: float, y: float) -> None:
        if self._last is not None:
            self._paint([self._last, (x, y)])
            self._last = (x, y)

    def on_mouse_up(self, x: float, y: float) -> None:
        if self._last is not None:
            self._last = None
            self.redraw_hole()
            self.fill()

    def _paint(self, points: list[tuple[float, float]]) -> None:
        erase = self.mode.value == "erase"
        brush_stroke(self.mask, points, self.brush.value, erase=erase)
        if erase:
            self.redraw_hole()
        else:
            layer = self.canvas[1]
            layer.fill_style = "rgba(255, 40, 40, 0.6)"
            for x, y in points:
                layer.fill_circle(x, y, self.brush.value)

    def clear(self) -> None:
        self.mask[:] = False
        self.redraw_hole()
        self.fill()

    def redraw_hole(self) -> None:
        rgba = np.zeros((self.size, self.size, 4), dtype=np.uint8)
        rgba[self.mask] = _HOLE_RGBA
        self.canvas[1].clear()
        self.canvas[1].put_image_data(rgba, 0, 0)

    def fill(self, note: str = "") -> None:
        """Fill the hole with every method and show the comparison (or ask for a hole)."""
        prefix = f"{note}. " if note else ""
        if not self.mask.any():
            self.status.value = prefix + "Paint a hole on the photo (drag with the mouse)."
            self.result.value = b""  # no fills of a hole that is no longer there
            return
        results = compare_fills(self.image, self.mask)
        fig = comparison_figure(self.image, self.mask, results)
        self.result.value = figure_jpeg(fig)
        plt.close(fig)
        seconds = sum(r["seconds"] for r in results)
        share = 100 * self.mask.mean()
        self.status.value = (
            f"{prefix}Hole: {share:.1f}% of the photo; all fills in {seconds:.2f} s."
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        if self.fallback_jpeg is not None and isinstance(bundle, dict):
            encoded = base64.b64encode(self.fallback_jpeg).decode("ascii")
            bundle = {**bundle, "image/jpeg": encoded}
        return bundle


def make_paint_widget(size: int = 256, photo: str = "china") -> PaintWidget:
    """The painting widget on a held-out photo, starting with an example stroke filled."""
    return PaintWidget(size=size, photo=photo)
