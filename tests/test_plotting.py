"""Tests of convlessons.plotting: what each figure draws, and argument validation."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Polygon, Rectangle

from convlessons import plotting


def _red_rects(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]


def test_grid_numbers_highlight_and_padding():
    values = np.pad(np.arange(1, 10).reshape(3, 3), 1)
    ax = plotting.grid(values, highlight=[(0, 0, 3, 3), (2, 2, 1, 1)], padding=1, title="x")
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 25 and texts[6] == "1" and texts[18] == "9"
    assert len(_red_rects(ax)) == 2
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 25 - 9  # the padding ring
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-1", "0", "1", "2", "3"]


def test_grid_formats_floats_and_skips_nan():
    ax = plotting.grid(np.array([[0.5, np.nan], [1.25, 2.0]]))
    assert [t.get_text() for t in ax.texts] == ["0.50", "1.25", "2.00"]
    ax = plotting.grid([1, 2, 3], fmt="{:.1f}")
    assert [t.get_text() for t in ax.texts] == ["1.0", "2.0", "3.0"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": np.zeros((2, 2, 2))}, "values must be a 1-D or 2-D array"),
        ({"values": np.zeros((2, 2)), "highlight": (0, 0, 1)}, "highlight"),
        ({"values": np.zeros((2, 2)), "padding": 1}, "padding"),
        ({"values": np.zeros((3, 3)), "padding": -1}, "padding"),
    ],
)
def test_grid_rejects_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        plotting.grid(**kwargs)


def test_conv_steps_panels_and_numbers():
    x = np.arange(25).reshape(5, 5)
    k = np.array([[1, 0], [0, -1]])
    fig = plotting.conv_steps(x, k, stride=2, padding=1, position=(1, 2))
    ax_in, ax_k, ax_out = fig.axes
    assert ax_in.get_title().startswith("input 5×5") and "7×7" in ax_in.get_title()
    assert ax_k.get_title().startswith("kernel 2×2")
    assert ax_out.get_title().startswith("output 3×3") and "stride 2" in ax_out.get_title()
    # output[1, 2]: window rows 2..3, cols 4..5 of the padded input -> x[1,3]*1 + x[2,4]*(-1)
    expected = x[1, 3] - x[2, 4]
    assert [t.get_text() for t in ax_out.texts][5] == str(expected)
    (r0, c0), = [p.get_xy() for p in _red_rects(ax_in)]
    assert (r0, c0) == (4 - 0.5, 2 - 0.5)  # (x, y) = (col, row) of the window
    assert any(f"= {expected}" in t.get_text() for t in fig.texts)


def test_conv_steps_dilation_marks_each_tap_and_1d_works():
    fig = plotting.conv_steps(np.arange(36).reshape(6, 6), np.ones((2, 2)), dilation=2)
    assert len(_red_rects(fig.axes[0])) == 4
    fig = plotting.conv_steps([1, 2, 3, 4], [1, -1], position=2)
    assert fig.axes[2].get_title() == "output 3"
    assert [t.get_text() for t in fig.axes[2].texts] == ["-1", "-1", "-1"]


def test_conv_steps_explains_impossible_sizes():
    with pytest.raises(ValueError, match="kernel does not fit"):
        plotting.conv_steps(np.zeros((3, 3)), np.ones((5, 5)))
    with pytest.raises(ValueError, match="position must index the output"):
        plotting.conv_steps(np.zeros((4, 4)), np.ones((3, 3)), position=(2, 0))


def test_tensor_blocks_draws_cuboids_with_shape_labels_and_groups():
    ax = plotting.tensor_blocks(
        [(4, 5, 5), (2, 4, 3, 3), (2, 3, 3)],
        ["input", "filters", "output"],
        ops=["*", "="],
        groups=[2, None, [0, 1]],
    )
    texts = [t.get_text() for t in ax.texts]
    assert {"5×5×4", "2 × 3×3×4", "3×3×2", "input", "filters", "output", "*", "="} <= set(texts)
    faces = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches
             if isinstance(p, Polygon)}
    assert len(faces) >= 4  # two group colours, top and side shades
    assert not ax.axison


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shapes": [(3, 5)]}, "shapes\\[0\\]"),
        ({"shapes": [(3, 5, 5)], "groups": [2]}, "groups\\[0\\] must divide"),
        ({"shapes": [(3, 5, 5), (1, 3, 3)], "ops": ["*", "="]}, "ops must have"),
        ({"shapes": [(3, 5, 5)], "labels": ["a", "b"]}, "labels must have"),
    ],
)
def test_tensor_blocks_rejects_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        plotting.tensor_blocks(**kwargs)


def test_connectivity_block_diagonal():
    matrix = np.kron(np.eye(2), np.ones((3, 3))) > 0
    ax = plotting.connectivity(matrix, title="groups=2")
    assert ax.get_title() == "groups=2" and ax.get_ylabel() == "output channel"
    assert ax.images[0].get_array().shape == (6, 6)
    with pytest.raises(ValueError, match="matrix must be"):
        plotting.connectivity(np.zeros(3))


def test_cost_curves_and_validation():
    n = np.arange(1, 5)
    ax = plotting.cost_curves(n, {"a": n**2, "b": n**3}, xlabel="n", ylabel="MACs", logy=True)
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="same length"):
        plotting.cost_curves(n, {"a": n[:2]}, xlabel="n", ylabel="y")


def test_coverage_map_marks_holes():
    counts = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 2]])
    ax = plotting.coverage_map(counts, title="gridding")
    hatched = [p for p in ax.patches if p.get_hatch() == "xx"]
    assert len(hatched) == 5
    assert "5 cells" in ax.get_xlabel()
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        plotting.coverage_map([[1, -1]])


def test_volume_slices_and_voxels():
    vol = np.zeros((10, 6, 6))
    vol[3:7, 2:4, 2:4] = 1
    fig = plotting.volume_slices(vol, n=3, title="cube")
    assert [ax.get_title() for ax in fig.axes] == ["slice 0 of 10", "slice 4 of 10",
                                                   "slice 9 of 10"]
    ax = plotting.voxels(vol, threshold=0.5)
    assert ax.name == "3d" and ax.get_title().startswith("16 voxels")
    with pytest.raises(TypeError, match="3-D axes"):
        plotting.voxels(vol, ax=plt.subplots()[1])


def test_signal_1d():
    ax = plotting.signal_1d([3, -1, 2], title="x", start=-1, highlight=0)
    assert [t.get_text() for t in ax.texts] == ["3", "-1", "2"]
    assert list(ax.get_xticks()) == [-1, 0, 1]


def test_plotting_changes_no_global_state():
    before = dict(plt.rcParams)
    plotting.grid(np.eye(3))
    plotting.tensor_blocks([(3, 4, 4)])
    assert dict(plt.rcParams) == before


def test_figures_render_to_png(tmp_path):
    fig = plotting.conv_steps(np.arange(16).reshape(4, 4), np.eye(3), padding=1,
                              position=(1, 1))
    fig.savefig(tmp_path / "steps.png", dpi=50)
    assert (tmp_path / "steps.png").stat().st_size > 1000
