"""Tests of convlessons.animation: frames, numbers (against functional) and exports."""

import numpy as np
import pytest
from matplotlib.animation import FuncAnimation

from convlessons import animation, functional


def test_forward_2d_steps_and_result_match_functional():
    x = np.arange(30, dtype=float).reshape(5, 6)
    k = np.array([[1.0, -1.0], [2.0, 0.0]])
    anim = animation.sliding_window(x, k, stride=2, padding=1, dilation=1, max_frames=4)
    assert isinstance(anim, FuncAnimation)
    expected = functional.conv2d(x[None, None], k[None, None], stride=2, padding=1)[0, 0]
    np.testing.assert_allclose(anim.result, expected)
    oh, ow = expected.shape
    assert anim.steps[0] == (0, 0) and anim.steps[-1] == (oh - 1, ow - 1)
    assert len(anim.steps) == 4
    titles = [ax.get_title() for ax in anim._fig.axes]
    assert titles[0].startswith("INPUT") and titles[2].startswith("OUTPUT")
    assert "read" in titles[0] and "written" in titles[2]


def test_last_frame_shows_whole_output_and_first_only_one_cell():
    x = np.arange(16, dtype=float).reshape(4, 4)
    anim = animation.sliding_window(x, np.ones((3, 3)))
    out_ax = anim._fig.axes[2]
    anim._func(0)
    assert sum(t.get_visible() for t in out_ax.texts) == 1
    anim._func(len(anim.steps) - 1)
    shown = [t.get_text() for t in out_ax.texts if t.get_visible()]
    assert shown == [str(int(v)) for v in anim.result.ravel()]


def test_forward_1d_with_dilation():
    x = np.array([1.0, 2, 3, 0, 1, 2, 5, 1])
    anim = animation.sliding_window(x, [1, -1], dilation=2, padding=1)
    expected = functional.conv1d(x[None, None], np.array([[[1.0, -1.0]]]), padding=1,
                                 dilation=2)[0, 0]
    np.testing.assert_allclose(anim.result, expected)
    assert anim.steps == list(range(expected.size))


@pytest.mark.parametrize(("stride", "padding", "dilation"), [(1, 0, 1), (2, 1, 1), (2, 0, 2)])
def test_transposed_scatter_add_matches_conv_transpose2d(stride, padding, dilation):
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    k = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
    anim = animation.sliding_window(x, k, transposed=True, stride=stride, padding=padding,
                                    dilation=dilation)
    expected = functional.conv_transpose2d(x[None, None], k[None, None], stride=stride,
                                           padding=padding, dilation=dilation)[0, 0]
    np.testing.assert_allclose(anim.result, expected)
    assert anim.steps == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert "scattered" in anim._fig.axes[0].get_title()


def test_transposed_1d():
    anim = animation.sliding_window([1, 2, 3], [1, 1], transposed=True, stride=2)
    np.testing.assert_allclose(anim.result, [1, 1, 2, 2, 3, 3])


def test_to_html_is_small_and_save_gif(tmp_path):
    anim = animation.sliding_window(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), dpi=40)
    html = animation.to_html(anim)
    assert "<script" in html.data and len(html.data) < 400_000
    anim = animation.sliding_window([1, 2, 3, 4], [1, -1], dpi=30, max_frames=2)
    path = animation.save_gif(anim, tmp_path / "a.gif")
    from PIL import Image

    with Image.open(path) as image:
        assert image.n_frames == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": np.zeros((3, 3)), "k": np.ones((4, 4))}, "kernel does not fit"),
        ({"x": np.zeros((3, 3)), "k": np.ones(2)}, "same number of dimensions"),
        ({"x": np.zeros(4), "k": np.ones(2), "stride": 0}, "stride"),
        ({"x": np.zeros(4), "k": np.ones(2), "max_frames": 0}, "max_frames"),
        ({"x": np.zeros(2), "k": np.ones(2), "transposed": True, "padding": 2}, "crops"),
    ],
)
def test_sliding_window_rejects_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        animation.sliding_window(**kwargs)


def test_exports_reject_non_animations(tmp_path):
    with pytest.raises(TypeError, match="FuncAnimation"):
        animation.to_html("not an animation")
    anim = animation.sliding_window([1, 2], [1])
    with pytest.raises(ValueError, match=".gif"):
        animation.save_gif(anim, tmp_path / "a.mp4")
