"""Tests of the package pieces lesson 10 (grouped convolution) adds.

connectivity.grouped_to_dense / channel_connectivity, functional.grouped_conv2d_split,
models.Bottleneck / resnet50 / RESNEXT_PAPER / ALEXNET_PAPER,
plotting.grouped_conv_blocks, widgets.grouped_explorer, exercises.check_grouped_conv /
check_grouped_params. gpu.lesson10 runs in tests/test_gpu.py; its metrics are checked here.
"""



import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convlessons import (
    connectivity,
    cost,
    exercises,
    functional,
    gpu,
    models,
    plotting,
    widgets,
)

# --------------------------------------------------------------------------- connectivity


def test_channel_connectivity_from_shapes_is_block_diagonal():
    m = connectivity.channel_connectivity((6, 9), groups=3)
    assert m.dtype == bool and m.shape == (9, 6)
    expected = np.zeros((9, 6), dtype=bool)
    for j in range(3):
        expected[3 * j:3 * j + 3, 2 * j:2 * j + 2] = True
    assert np.array_equal(m, expected)
    assert connectivity.channel_connectivity((5, 7)).all()  # groups=1: everything
    diagonal = connectivity.channel_connectivity((4, 4), groups=4)
    assert np.array_equal(diagonal, np.eye(4, dtype=bool))


@pytest.mark.parametrize("cin, cout, g", [(4, 4, 1), (4, 8, 2), (6, 3, 3), (8, 8, 8), (12, 24, 4)])
def test_connected_fraction_is_one_over_g(cin, cout, g):
    m = connectivity.channel_connectivity((cin, cout), groups=g)
    assert m.sum() * g == cin * cout
    assert (m.sum(axis=1) == cin // g).all() and (m.sum(axis=0) == cout // g).all()


def test_channel_connectivity_from_a_weight_sees_zero_kernels():
    w = np.ones((4, 2, 3, 3))
    w[1, 0] = 0  # output 1 ignores its group's first input channel (input 0)
    m = connectivity.channel_connectivity(w, groups=2)
    expected = connectivity.channel_connectivity((4, 4), groups=2)
    expected[1, 0] = False
    assert np.array_equal(m, expected)


def test_grouped_to_dense_hand_example():
    w = np.arange(1, 9).reshape(4, 2, 1, 1)  # 4 -> 4 channels, 2 groups, 1x1
    dense = connectivity.grouped_to_dense(w, 2)[:, :, 0, 0]
    assert np.array_equal(dense, [[1, 2, 0, 0], [3, 4, 0, 0], [0, 0, 5, 6], [0, 0, 7, 8]])
    assert connectivity.grouped_to_dense(w, 2).dtype == w.dtype


@pytest.mark.parametrize("cin, cout, g, stride, padding",
                         [(4, 6, 2, 1, 0), (6, 9, 3, 2, 1), (3, 6, 3, 1, 1), (8, 8, 1, 1, 0)])
def test_grouped_to_dense_equals_grouped_conv_in_torch(cin, cout, g, stride, padding):
    rng = np.random.default_rng(cin * cout + g)
    x = rng.standard_normal((2, cin, 7, 6))
    w = rng.standard_normal((cout, cin // g, 3, 2))
    dense = connectivity.grouped_to_dense(w, g)
    assert dense.shape == (cout, cin, 3, 2)
    grouped = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=stride,
                        padding=padding, groups=g)
    ordinary = TF.conv2d(torch.from_numpy(x), torch.from_numpy(dense), stride=stride,
                         padding=padding)
    torch.testing.assert_close(ordinary, grouped, rtol=0, atol=1e-12)


def test_grouped_to_dense_1d_and_3d_weights():
    w1 = np.ones((4, 1, 3))
    assert connectivity.grouped_to_dense(w1, 4).shape == (4, 4, 3)
    w3 = np.ones((6, 2, 2, 2, 2))
    d3 = connectivity.grouped_to_dense(w3, 3)
    assert d3.shape == (6, 6, 2, 2, 2) and d3.sum() == w3.sum()


@pytest.mark.parametrize("call, exc, words", [
    (lambda: connectivity.grouped_to_dense(np.ones((4, 2, 3, 3)), 3), ValueError, "groups=3"),
    (lambda: connectivity.grouped_to_dense(np.ones((4, 2)), 2), ValueError, "weight.shape"),
    (lambda: connectivity.grouped_to_dense(np.ones((4, 2, 3, 3)), 0), ValueError, "groups=0"),
    (lambda: connectivity.grouped_to_dense(np.ones((4, 2, 3, 3)), 2.0), TypeError, "groups"),
    (lambda: connectivity.grouped_to_dense([[1]], 1), TypeError, "weight"),
    (lambda: connectivity.channel_connectivity((6, 4), groups=4), ValueError, "groups=4"),
    (lambda: connectivity.channel_connectivity((6, 0)), ValueError, "(6, 0)"),
    (lambda: connectivity.channel_connectivity((6, 4, 2)), TypeError, "weight_or_shapes"),
    (lambda: connectivity.channel_connectivity("6x4"), TypeError, "weight_or_shapes"),
])
def test_connectivity_errors_name_the_argument(call, exc, words):
    with pytest.raises(exc, match=None) as info:
        call()
    assert words in str(info.value)


# --------------------------------------------------------------------------- split and concat


@pytest.mark.parametrize("cin, cout, g, kwargs", [
    (4, 4, 2, {}),
    (6, 9, 3, {"stride": 2, "padding": 1}),
    (4, 8, 4, {"padding": "same"}),
    (6, 6, 1, {"dilation": 2}),
    (8, 4, 2, {"stride": (1, 2), "padding": (0, 1), "dilation": (2, 1)}),
])
def test_grouped_conv2d_split_equals_torch(cin, cout, g, kwargs):
    rng = np.random.default_rng(g + cin)
    x = rng.standard_normal((2, cin, 8, 7))
    w = rng.standard_normal((cout, cin // g, 3, 3))
    b = rng.standard_normal(cout)
    ours = functional.grouped_conv2d_split(x, w, b, groups=g, **kwargs)
    ref = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), groups=g,
                    **kwargs).numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours, functional.conv2d(x, w, b, groups=g, **kwargs), atol=1e-12)


def test_grouped_conv2d_split_hand_example():
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    w = np.array([[[[1.0]]], [[[10.0]]]])
    out = functional.grouped_conv2d_split(x, w, np.array([0.5, -1.0]), groups=2)
    assert np.array_equal(out[0, 0], x[0, 0] + 0.5) and np.array_equal(out[0, 1], 10 * x[0, 1] - 1)


def test_grouped_conv2d_split_validates():
    with pytest.raises(ValueError, match="groups must divide the input channels"):
        functional.grouped_conv2d_split(np.ones((1, 3, 5, 5)), np.ones((4, 1, 3, 3)), groups=2)
    with pytest.raises(ValueError, match="weight.shape"):
        functional.grouped_conv2d_split(np.ones((1, 4, 5, 5)), np.ones((4, 4, 3, 3)), groups=2)
    with pytest.raises(TypeError, match="groups"):
        functional.grouped_conv2d_split(np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), groups="2")


# --------------------------------------------------------------------------- models


def _conv_weights(module):
    return cost.count_params(module) - cost.params_by_layer_type(module)["other"]


def test_bottleneck_blocks_match_resnext_fig1():
    resnet = models.Bottleneck(256, 64, 256)
    resnext = models.Bottleneck(256, 128, 256, groups=32)
    assert _conv_weights(resnet) == 69_632 and _conv_weights(resnext) == 70_144
    assert resnext.conv2.groups == 32 and tuple(resnext.conv2.weight.shape) == (128, 4, 3, 3)
    assert cost.count_macs(resnet, (1, 256, 56, 56)) == 69_632 * 56 * 56
    kinds = cost.params_by_layer_type(resnext)
    assert kinds["conv (grouped)"] == 128 * 4 * 9
    assert kinds["conv (pointwise 1x1)"] == 2 * 256 * 128
    for block in (resnet, resnext):
        assert abs(_conv_weights(block) - models.RESNEXT_PAPER["block_params_approx"]) < 1_000


def test_bottleneck_forward_and_shortcut():
    block = models.Bottleneck(64, 32, 128, groups=4, stride=2)
    out = block(torch.randn(2, 64, 8, 8))
    assert out.shape == (2, 128, 4, 4) and (out >= 0).all()
    assert isinstance(block.shortcut, torch.nn.Sequential)
    assert isinstance(models.Bottleneck(16, 8, 16).shortcut, torch.nn.Identity)


@pytest.mark.parametrize("kwargs, exc", [
    ({"in_ch": 0, "mid_ch": 4, "out_ch": 4}, ValueError),
    ({"in_ch": 4, "mid_ch": 6, "out_ch": 4, "groups": 4}, ValueError),
    ({"in_ch": 4, "mid_ch": 4, "out_ch": 4, "stride": 3}, ValueError),
    ({"in_ch": 4.0, "mid_ch": 4, "out_ch": 4}, TypeError),
])
def test_bottleneck_validates(kwargs, exc):
    with pytest.raises(exc):
        models.Bottleneck(**kwargs)


def test_resnext_table2_pairs_keep_the_budget():
    paper = models.RESNEXT_PAPER
    for c, d in paper["cardinality_vs_width"].items():
        weights = _conv_weights(models.Bottleneck(256, c * d, 256, groups=c))
        assert c * d == paper["grouped_conv_width"][c]
        assert abs(weights - 70_000) < 2_000
        assert round(weights * 56 * 56 / 1e9, 2) == paper["block_flops_billions"]


def test_resnet50_and_resnext50_match_table1():
    for name, groups, width, params, macs in [("ResNet-50", 1, 64, 25_557_032, 4_089_184_256),
                                              ("ResNeXt-50 (32x4d)", 32, 4, 25_028_904,
                                               4_230_479_872)]:
        with torch.device("meta"):
            net = models.resnet50(groups=groups, width_per_group=width)
        assert cost.count_params(net) == params  # torchvision's published counts
        assert cost.count_macs(net, (1, 3, 224, 224)) == macs
        paper = models.RESNEXT_PAPER[name]
        assert abs(params / 1e6 - paper["params_millions"]) < 0.1
        assert abs(macs / 1e9 - paper["flops_billions"]) < 0.05


def test_resnet50_validates():
    with pytest.raises(ValueError, match="groups"):
        models.resnet50(groups=0)
    with pytest.raises(TypeError, match="width_per_group"):
        models.resnet50(width_per_group=4.5)


def test_alexnet_table_kernel_depths():
    layers = models.ALEXNET_PAPER["conv_layers"]
    assert [cin // g for _, cin, _, _, g in layers] == [3, 48, 256, 192, 192]
    assert models.ALEXNET_PAPER["gpu_memory_gb"] == 3 and models.ALEXNET_PAPER["gpus"] == 2
    grouped = sum(cost.conv_params(ci, co, k, groups=g, bias=False) for _, ci, co, k, g in layers)
    assert grouped == 2_332_704


# --------------------------------------------------------------------------- plotting


def test_grouped_conv_blocks_labels_and_group_colours():
    ax = plotting.grouped_conv_blocks(12, 12, 3)
    texts = [t.get_text() for t in ax.texts]
    assert "12 × 3×3×4" in texts and texts.count("5×5×12") == 2
    assert "12 filters, 3 groups" in texts
    colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches}
    assert len(colours) >= 3 * 3  # three groups, each with front, top and side shades
    plt.close(ax.figure)


def test_grouped_conv_blocks_validates():
    with pytest.raises(ValueError, match="groups=3"):
        plotting.grouped_conv_blocks(4, 4, 3)
    with pytest.raises(TypeError, match="in_channels"):
        plotting.grouped_conv_blocks(4.0, 4, 1)
    with pytest.raises(ValueError, match="size"):
        plotting.grouped_conv_blocks(4, 4, 1, size=0)


# --------------------------------------------------------------------------- explorer


def test_grouped_explorer_reports_the_package_numbers():
    ex = widgets.grouped_explorer()
    r = ex.update(groups=4, in_channels=12, out_channels=24, kernel_size=3, size=10)
    assert r.error is None and r.figure is not None and len(r.figure.axes) >= 2
    assert "filter shape 3×3×3" in r.text and "weight (24, 3, 3, 3)" in r.text
    assert f"parameters {cost.conv_params(12, 24, 3, groups=4):,}" in r.text
    assert f"{cost.conv_macs(12, 24, 3, 10, groups=4):,}" in r.text
    assert "72 of 288 channel pairs" in r.text


def test_grouped_explorer_first_control_is_groups_and_changes_the_figure():
    ex = widgets.grouped_explorer()
    assert list(ex.controls)[0] == "groups"
    assert tuple(ex.controls["groups"].options) == widgets.GROUP_CHOICES
    assert all(24 % g == 0 for g in widgets.GROUP_CHOICES)
    first = ex.update()
    # one step right on the slider, from the default, is still a valid layer
    options = list(widgets.GROUP_CHOICES)
    nxt = options[options.index(ex.controls["groups"].value) + 1]
    second = ex.update(groups=nxt)
    assert first.error is None and second.error is None
    assert first.text != second.text
    assert first.figure.axes[1].get_title() != second.figure.axes[1].get_title()


def test_grouped_explorer_names_special_cases():
    ex = widgets.grouped_explorer()
    assert "standard convolution" in ex.update(groups=1).text
    text = ex.update(groups=12, in_channels=12, out_channels=24).text
    assert "depthwise" in text and "channel multiplier 2" in text


def test_grouped_explorer_explains_impossible_groups():
    ex = widgets.grouped_explorer()
    bad = ex.update(groups=8, in_channels=12, out_channels=18)
    assert bad.figure is None and bad.error is not None
    assert "does not divide C_in = 12 or C_out = 18" in bad.error
    assert "1, 2, 3, 6" in bad.error
    with pytest.raises(ValueError, match="groups"):
        ex.update(groups=5)  # not a slider value


# --------------------------------------------------------------------------- exercises


def _solution(x, weight, groups):
    cin, cout = x.shape[1] // groups, weight.shape[0] // groups
    return np.concatenate([functional.conv2d(x[:, j * cin:(j + 1) * cin],
                                             weight[j * cout:(j + 1) * cout])
                           for j in range(groups)], axis=1)


def test_check_grouped_conv_passes_a_solution(capsys):
    exercises.check_grouped_conv(_solution)
    out = capsys.readouterr()
    assert out.out.startswith("✓ grouped_conv") and out.err == ""


@pytest.mark.parametrize("wrong, words", [
    (lambda x, w, g: _solution(x, w, g)[:, ::-1], "differ"),  # groups in the wrong order
    (lambda x, w, g: x, "shape"),
    (lambda x, w, g: (_ for _ in ()).throw(NotImplementedError()), "not implemented"),
])
def test_check_grouped_conv_fails_with_a_hint(wrong, words):
    with pytest.raises(AssertionError) as info:
        exercises.check_grouped_conv(wrong)
    assert words in str(info.value) and "Hint" in str(info.value)


def test_check_grouped_params_pass_and_fail(capsys):
    right = {1: 73_856, 2: 36_992, 4: 18_560, 32: 2_432, 64: 1_280}
    exercises.check_grouped_params(right)
    assert "g=64: 1,280" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="biases"):
        exercises.check_grouped_params({**right, 64: 1_152})  # forgot the biases
    with pytest.raises(AssertionError, match="missing"):
        exercises.check_grouped_params({"1": 73_856})
    with pytest.raises(AssertionError, match="dict"):
        exercises.check_grouped_params([73_856])


# --------------------------------------------------------------------------- gpu scenario


def test_lesson10_metrics_on_cpu():
    report = gpu.lesson10("cpu", quick=True)
    assert report.ok
    groups = report.metrics["groups"]
    assert groups[0] == 1 and report.metrics["flop_ratio"] == {g: float(g) for g in groups}
    assert report.metrics["cuda_devices"] == 0 and report.metrics["two_device_speedup"] is None
    assert any("skipped" in note for note in report.notes)
    assert any("convs + cat" in row.name for row in report.rows)
