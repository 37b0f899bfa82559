"""One shell for every lesson widget: controls -> a pure function of their values -> a figure.

A lesson widget is built as ::

    controls = {"stride": IntSlider(...), "padding": IntSlider(...)}
    shell = WidgetShell(controls, render, limits=limits)

* ``render(**values)`` is a pure function of the control values. It returns a matplotlib
  Figure, a message (``str``), or a sequence of those, shown in order in the shell's output.
* ``limits(**values)`` (optional) is a pure function of the same values that returns new
  control attributes, ``{name: {"max": 3}}``; the shell applies them before drawing (e.g. an
  output-pixel slider whose maximum follows the geometry).

Exactly one redraw follows each change, also when the change moves other controls (a maximum
lowered below a value clips it) and when :meth:`WidgetShell.set` changes several controls at
once. ``shell.draws`` counts the redraws.

Without a widget frontend (a notebook executed by nbconvert or nbval, or viewed as a static
page), the output area cannot show the live widget; the shell's display data then also carries
a PNG of the figure drawn for the default values, which such viewers show instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["WidgetShell", "figure_jpeg", "figure_png", "render_parts"]

Part = Figure | str
Rendered = Part | Sequence[Part] | None
Render = Callable[..., Rendered]
Limits = Callable[..., Mapping[str, Mapping[str, Any]]]


def _figure_bytes(fig: Figure, **savefig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, bbox_inches="tight", **savefig)
    return buffer.getvalue()


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (tight bounding box, like the inline backend)."""
    return _figure_bytes(fig, format="png", dpi=dpi)


def figure_jpeg(fig: Figure, quality: int = 80, dpi: int = 85) -> bytes:
    """The figure as JPEG bytes: for photos, a fraction of a PNG's size in the notebook."""
    return _figure_bytes(fig, format="jpeg", dpi=dpi, pil_kwargs={"quality": quality})


def render_parts(rendered: Rendered) -> list[Part]:
    """What ``render`` returned as a list of parts (figures and messages), in order."""
    if rendered is None:
        return []
    if isinstance(rendered, Figure | str):
        return [rendered]
    return list(rendered)


class WidgetShell(widgets.VBox):
    """A VBox ``[controls box, Output]`` that redraws ``render`` once per change.

    Inputs:
    - controls: {name: widget with a ``value``}; the names are ``render``'s keyword arguments.
    - render: pure function of the control values (see the module docstring).
    - limits: optional pure function of the values giving new control attributes.
    - layout: the controls box (default: the controls in one HBox); it must hold them all.
    - trigger: optional button; when given, only a click redraws (for slow renders).
    - caption: optional widget and pure function ``(widget, text_of(**values))`` refreshed on
      every change, also when a trigger defers the redraw.
    - fallback: keep a PNG of the first drawing for frontends without widgets.
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.Widget],
        render: Render,
        *,
        limits: Limits | None = None,
        layout: widgets.Widget | None = None,
        trigger: widgets.Button | None = None,
        caption: tuple[widgets.HTML, Callable[..., str]] | None = None,
        fallback: bool = True,
    ) -> None:
        self.controls = dict(controls)
        self.render = render
        self.limits = limits
        self.output = widgets.Output()
        self.draws = 0
        self.fallback_png: bytes | None = None
        self._fallback = fallback
        self._holding = False
        self._caption = caption
        self._deferred = trigger is not None
        box = layout if layout is not None else widgets.HBox(list(self.controls.values()))
        rows = [box] + ([caption[0]] if caption else [])
        super().__init__([*rows, self.output])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._update_controls()
        if trigger is None:
            self.redraw()
        else:
            trigger.on_click(lambda _: self.redraw())

    @property
    def values(self) -> dict[str, Any]:
        """The current control values, {name: value}."""
        return {name: control.value for name, control in self.controls.items()}

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Changes made inside this block trigger no redraw (the caller redraws once after)."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    def set(self, **values: Any) -> None:
        """Set several controls at once, then redraw once."""
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value
        self._on_change()

    def _on_change(self, _: Any = None) -> None:
        if self._holding:
            return
        self._update_controls()
        if not self._deferred:
            self.redraw()

    def _update_controls(self) -> None:
        """Apply ``limits`` (values it clips trigger no redraw), then refresh the caption."""
        if self.limits is not None:
            with self.hold():
                for name, attributes in self.limits(**self.values).items():
                    for attribute, value in attributes.items():
                        setattr(self.controls[name], attribute, value)
        if self._caption is not None:
            self._caption[0].value = self._caption[1](**self.values)

    def redraw(self) -> None:
        """Render the current values into the output (one drawing)."""
        self.draws += 1
        with self.output:
            self.output.clear_output(wait=True)
            self._show(render_parts(self.render(**self.values)))

    def _show(self, parts: list[Part]) -> None:
        from IPython.display import Image, display

        for part in parts:
            if isinstance(part, str):
                print(part)
                continue
            png = figure_png(part)
            plt.close(part)
            if self._fallback and self.fallback_png is None:
                self.fallback_png = png
            display(Image(data=png))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        if self.fallback_png is not None and isinstance(bundle, dict):
            bundle = {**bundle, "image/png": self.fallback_png}
        return bundle
