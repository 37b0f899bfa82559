"""The widget shell: one redraw per change, limits applied without extra redraws, fallback PNG."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from course_utils.widgets.shell import WidgetShell, render_parts


def _line(n: int, step: int) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot(range(0, n, step))
    return fig


def _shell(calls: list[dict[str, Any]], **options: Any) -> WidgetShell:
    def render(n: int, step: int) -> plt.Figure:
        calls.append({"n": n, "step": step})
        return _line(n, step)

    controls = {
        "n": widgets.IntSlider(10, 1, 20),
        "step": widgets.IntSlider(1, 1, 10),
    }
    return WidgetShell(controls, render, **options)


def test_one_draw_at_start_and_one_per_change() -> None:
    calls: list[dict[str, Any]] = []
    shell = _shell(calls)
    assert shell.draws == 1 and calls == [{"n": 10, "step": 1}]
    shell.controls["n"].value = 12
    assert shell.draws == 2 and calls[-1] == {"n": 12, "step": 1}
    shell.controls["n"].value = 12  # no change, no redraw
    assert shell.draws == 2


def test_set_changes_several_controls_with_one_draw() -> None:
    calls: list[dict[str, Any]] = []
    shell = _shell(calls)
    shell.set(n=5, step=2)
    assert shell.draws == 2 and calls[-1] == {"n": 5, "step": 2}


def test_limits_that_clip_a_value_give_one_draw() -> None:
    calls: list[dict[str, Any]] = []
    shell = _shell(calls, limits=lambda n, step: {"step": {"max": n}})
    shell.controls["step"].value = 8
    assert shell.draws == 2
    shell.controls["n"].value = 3  # lowers step's maximum below 8: step becomes 3
    assert shell.draws == 3
    assert calls[-1] == {"n": 3, "step": 3} and shell.controls["step"].max == 3


def test_a_trigger_defers_drawing_and_a_caption_follows_every_change() -> None:
    calls: list[dict[str, Any]] = []
    button = widgets.Button()
    caption = widgets.HTML()
    shell = _shell(
        calls, trigger=button, caption=(caption, lambda n, step: f"{n}/{step}"), fallback=False
    )
    assert shell.draws == 0 and caption.value == "10/1"
    shell.controls["n"].value = 4
    assert shell.draws == 0 and caption.value == "4/1"
    button.click()
    assert shell.draws == 1 and calls == [{"n": 4, "step": 1}]
    assert shell.children[1] is caption and shell.children[-1] is shell.output


def test_the_default_figure_is_the_static_fallback() -> None:
    shell = _shell([])
    bundle = shell._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith(b"\x89PNG")
    shell.controls["n"].value = 15  # the fallback stays the drawing for the default values
    assert shell._repr_mimebundle_()["image/png"] == bundle["image/png"]
    assert "image/png" not in _shell([], fallback=False)._repr_mimebundle_()


def test_drawn_figures_are_closed() -> None:
    before = len(plt.get_fignums())
    shell = _shell([])
    shell.set(n=7)
    assert len(plt.get_fignums()) == before


def test_render_parts() -> None:
    fig = _line(3, 1)
    assert render_parts(None) == []
    assert render_parts("text") == ["text"]
    assert render_parts(fig) == [fig]
    assert render_parts(["a", fig]) == ["a", fig]
    plt.close(fig)


def test_render_is_called_with_the_control_names() -> None:
    with pytest.raises(TypeError):
        WidgetShell({"x": widgets.IntSlider()}, lambda n: "text")
