"""Tests of convlessons.widgets, driven headless through Explorer.update()."""

import ipywidgets
import numpy as np
import pytest

from convlessons import cost, shapes, signal, widgets
from convlessons.widgets import Explorer, Render


def _square_explorer(calls):
    def render(n, label):
        calls.append((n, label))
        if n == 4:
            raise ValueError("four is not allowed here")
        if n == 5:
            raise RuntimeError("a real bug")
        return Render(text=f"{label}: {n * n}")

    controls = {
        "n": ipywidgets.IntSlider(value=2, min=1, max=6),
        "label": ipywidgets.Dropdown(options=["sq", "square"], value="sq"),
    }
    return Explorer(controls, render, title="squares")


def test_update_renders_once_and_stores_last():
    calls = []
    ex = _square_explorer(calls)
    result = ex.update(n=3, label="square")
    assert calls == [(3, "square")]
    assert result is ex.last and result.text == "square: 9" and result.error is None
    assert ex.values == {"n": 3, "label": "square"}


def test_control_change_rerenders_like_a_user_would():
    calls = []
    ex = _square_explorer(calls)
    ex.controls["n"].value = 6
    assert calls[-1] == (6, "sq") and ex.last.text == "sq: 36"


def test_value_and_type_errors_become_explanations_not_tracebacks():
    ex = _square_explorer([])
    result = ex.update(n=4)
    assert result.error == "four is not allowed here"
    assert result.figure is None and "not possible" in result.text
    widget = ex.widget  # builds the view, shows the explanation
    assert "Four is not allowed" in ex.message.value and ex.output.outputs == ()
    assert isinstance(widget, ipywidgets.VBox)
    with pytest.raises(RuntimeError, match="real bug"):  # real bugs are not hidden
        ex.update(n=5)


def test_update_rejects_unknown_controls_and_impossible_values():
    ex = _square_explorer([])
    with pytest.raises(TypeError, match="unknown control"):
        ex.update(m=1)
    with pytest.raises(ValueError, match="cannot take the value"):
        ex.update(label="cube")


def test_explorer_validates_its_arguments():
    with pytest.raises(TypeError, match="controls"):
        Explorer({}, lambda: Render())
    with pytest.raises(TypeError, match="render must be callable"):
        Explorer({"n": ipywidgets.IntSlider()}, None)
    ex = Explorer({"n": ipywidgets.IntSlider()}, lambda n: "not a Render")
    with pytest.raises(TypeError, match="must return a Render"):
        ex.update(n=1)


def test_conv2d_explorer_figure_and_numbers():
    ex = widgets.conv2d_explorer()
    result = ex.update(input_size=5, kernel_size=3, stride=2, padding=1, dilation=1,
                       in_channels=3, out_channels=4, step=4)
    titles = [ax.get_title() for ax in result.figure.axes]
    assert len(titles) == 3
    assert titles[0].startswith("input 5×5") and titles[2].startswith("output 3×3")
    out = shapes.conv_output_size(5, 3, stride=2, padding=1)
    assert out == 3
    assert result.text.startswith("output size 3×3")
    assert f"parameters {cost.conv_params(3, 4, 3):,}" in result.text
    assert f"multiply-adds {cost.conv_macs(3, 4, 3, (3, 3)):,}" in result.text
    assert result.error is None


def test_conv2d_explorer_floor_note_and_figure_in_widget():
    ex = widgets.conv2d_explorer()
    result = ex.update(input_size=6, kernel_size=3, stride=2, padding=0)
    assert result.text.startswith("output size 2×2") and "never covered" in result.text
    assert ex.widget is not None  # building the view shows the last render
    bundle = ex.output.outputs[0]
    assert bundle["data"]["image/png"] and "3 Axes" in bundle["data"]["text/plain"]


def test_conv2d_explorer_explains_kernel_larger_than_padded_input():
    ex = widgets.conv2d_explorer()
    result = ex.update(input_size=3, kernel_size=7, padding=1, dilation=1)
    assert result.figure is None
    assert "spans 7 cells" in result.error and "only 5 cells" in result.error
    assert ex.widget is not None
    assert "⚠" in ex.message.value


def test_correlation_explorer_values_and_lengths():
    ex = widgets.correlation_explorer()
    x = np.array(widgets._SIGNAL)
    k = np.array([0.0, 0.0, 1.0])
    for mode, length in (("full", 10), ("same", 8), ("valid", 6)):
        result = ex.update(kernel=tuple(k), mode=mode, shift=2)
        assert len(result.figure.axes) == 4
        titles = [ax.get_title() for ax in result.figure.axes]
        assert titles[0].startswith("convolution: kernel flipped")
        assert titles[1].startswith("correlation: kernel as written")
        assert f"(length {length})" in titles[2]
        conv = signal.convolve(x, k, mode=mode)
        corr = signal.correlate(x, k, mode=mode)
        assert f"convolution {int(conv[2])}, correlation {int(corr[2])}" in result.text
        assert ex.controls["shift"].max == length - 1


def test_correlation_explorer_explains_missing_index():
    ex = widgets.correlation_explorer()
    result = ex.update(mode="valid", shift=9)
    assert result.figure is None and "does not exist" in result.error
