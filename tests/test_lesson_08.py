"""Tests of the package pieces lesson 08 (depthwise separable convolution) adds.

functional.depthwise_separable_equivalent_kernel, models.conv_mobilenet_v1 /
shallow_mobilenet_v1 / MOBILENET_V1_ACCURACY, plotting.depthwise_separable_blocks,
widgets.depthwise_explorer, exercises.check_depthwise_separable /
check_depthwise_separable_costs. gpu.lesson08 runs in tests/test_gpu.py; its metrics are
checked here.
"""



import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch import nn

from convlessons import cost, exercises, functional, gpu, models, plotting, widgets

# --------------------------------------------------------------------------- equivalent kernel


def test_equivalent_kernel_hand_example():
    d = np.array([[[[1, 0], [0, 1]]], [[[0, 1], [1, 0]]]], dtype=float)
    p = np.array([[1, 1], [1, -1], [0, 2]], dtype=float)[:, :, None, None]
    w = functional.depthwise_separable_equivalent_kernel(d, p)
    assert w.shape == (3, 2, 2, 2)
    assert np.array_equal(w[0, 0], d[0, 0]) and np.array_equal(w[1, 1], -d[1, 0])
    assert np.array_equal(w[2, 0], np.zeros((2, 2))) and np.array_equal(w[2, 1], 2 * d[1, 0])


@pytest.mark.parametrize("stride, padding, dilation",
                         [(1, 0, 1), (2, 1, 1), ((1, 2), (2, 0), (2, 1))])
def test_equivalent_kernel_equals_torch_two_step(stride, padding, dilation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 11, 10))
    d = rng.standard_normal((4, 1, 3, 2))
    p = rng.standard_normal((5, 4, 1, 1))
    w = functional.depthwise_separable_equivalent_kernel(d, p)
    two_step = TF.conv2d(TF.conv2d(torch.from_numpy(x), torch.from_numpy(d), stride=stride,
                                   padding=padding, dilation=dilation, groups=4),
                         torch.from_numpy(p))
    one = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=stride, padding=padding,
                    dilation=dilation)
    torch.testing.assert_close(one, two_step, rtol=0, atol=1e-12)


def test_equivalent_kernel_with_channel_multiplier():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 3, 6, 6))
    d = rng.standard_normal((6, 1, 3, 3))  # m = 2 kernels per channel
    p = rng.standard_normal((4, 6, 1, 1))
    w = functional.depthwise_separable_equivalent_kernel(d, p, in_channels=3)
    assert w.shape == (4, 3, 3, 3)
    np.testing.assert_allclose(functional.conv2d(x, w),
                               functional.depthwise_separable_conv2d(x, d, p), atol=1e-12)
    # channel 1's kernels come from depthwise maps 2 and 3 only
    np.testing.assert_allclose(w[0, 1], p[0, 2, 0, 0] * d[2, 0] + p[0, 3, 0, 0] * d[3, 0])


def test_equivalent_kernel_is_rank_one_per_channel():
    rng = np.random.default_rng(3)
    w = functional.depthwise_separable_equivalent_kernel(rng.standard_normal((3, 1, 3, 3)),
                                                         rng.standard_normal((16, 3, 1, 1)))
    for c in range(3):
        assert np.linalg.matrix_rank(w[:, c].reshape(16, 9)) == 1


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((np.ones((3, 2, 3, 3)), np.ones((4, 3, 1, 1))), {}, ValueError, "depthwise_weight"),
    ((np.ones((3, 1, 3, 3)), np.ones((4, 2, 1, 1))), {}, ValueError, "pointwise_weight"),
    ((np.ones((3, 1, 3, 3)), np.ones((4, 3, 3, 3))), {}, ValueError, "pointwise_weight"),
    ((np.ones((6, 1, 3, 3)), np.ones((4, 6, 1, 1))), {"in_channels": 4}, ValueError,
     "in_channels=4"),
    ((np.ones((3, 1, 3, 3)), np.ones((4, 3, 1, 1))), {"in_channels": 0}, ValueError,
     "in_channels"),
    ((np.ones((3, 1, 3, 3)), np.ones((4, 3, 1, 1))), {"in_channels": 1.5}, TypeError,
     "in_channels"),
    ((np.ones((3, 3, 3)), np.ones((4, 3, 1, 1))), {}, ValueError, "depthwise_weight"),
])
def test_equivalent_kernel_validation(args, kwargs, error, words):
    with pytest.raises(error, match=words):
        functional.depthwise_separable_equivalent_kernel(*args, **kwargs)


# --------------------------------------------------------------------------- models


def _meta(build, *args):
    with torch.device("meta"):
        return build(*args)


def test_conv_mobilenet_matches_table_4():
    net = _meta(models.conv_mobilenet_v1)
    row = models.MOBILENET_V1_ACCURACY["Conv MobileNet"]
    macs, params = cost.count_macs(net, (1, 3, 224, 224)), cost.count_params(net)
    assert macs == 4_867_293_184 and params == 29_294_088
    assert abs(macs / 1e6 - row["mult_adds_millions"]) < 0.001 * row["mult_adds_millions"]
    assert round(params / 1e6, 1) == row["params_millions"]
    by_type = cost.macs_by_layer_type(net, (1, 3, 224, 224))
    assert by_type["conv (depthwise)"] == by_type["conv (pointwise 1x1)"] == 0
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 14 and all(m.groups == 1 and m.kernel_size == (3, 3) for m in convs)
    assert [m.stride[0] for m in convs].count(2) == 5


def test_shallow_mobilenet_matches_table_5():
    net = _meta(models.shallow_mobilenet_v1)
    row = models.MOBILENET_V1_ACCURACY["Shallow MobileNet"]
    macs, params = cost.count_macs(net, (1, 3, 224, 224)), cost.count_params(net)
    assert round(macs / 1e6) == row["mult_adds_millions"] == 307
    assert round(params / 1e6, 1) == row["params_millions"] == 2.9
    # exactly the five 14x14x512 blocks are gone: 5 * (depthwise + pointwise) at 14x14
    full = _meta(models.mobilenet_v1)
    removed = 5 * (cost.conv_macs(512, 512, 3, 14, groups=512) + cost.conv_macs(512, 512, 1, 14))
    assert cost.count_macs(full, (1, 3, 224, 224)) - macs == removed


def test_lesson08_variants_run_and_keep_width_multiplier():
    x = torch.randn(2, 3, 32, 32)  # batch 2: batch norm trains on the final 1x1 maps
    assert models.conv_mobilenet_v1(0.25, num_classes=5)(x).shape == (2, 5)
    assert models.shallow_mobilenet_v1(0.25, num_classes=5)(x).shape == (2, 5)
    assert models.conv_mobilenet_v1(0.5).classifier.in_features == 512
    with pytest.raises(ValueError, match="width_mult"):
        models.conv_mobilenet_v1(0)
    with pytest.raises(TypeError, match="num_classes"):
        models.shallow_mobilenet_v1(1.0, "10")


def test_accuracy_data_agrees_with_the_cost_tables():
    acc, paper = models.MOBILENET_V1_ACCURACY, models.MOBILENET_V1_PAPER
    assert acc["MobileNet"]["mult_adds_millions"] == paper["width_multiplier"][1.0][
        "mult_adds_millions"]
    assert acc["0.75 MobileNet"]["params_millions"] == paper["width_multiplier"][0.75][
        "params_millions"]
    assert acc["width_multiplier_top1"][1.0] == acc["resolution_top1"][224] == 70.6
    assert list(acc["width_multiplier_top1"].values()) == sorted(
        acc["width_multiplier_top1"].values(), reverse=True)
    assert list(acc["resolution_top1"].values()) == sorted(acc["resolution_top1"].values(),
                                                           reverse=True)


# --------------------------------------------------------------------------- plotting


def test_depthwise_separable_blocks_draws_three_labelled_rows():
    fig = plotting.depthwise_separable_blocks(3, 128, 3, 7)
    try:
        assert len(fig.axes) == 3
        titles = [ax.get_title(loc="left") for ax in fig.axes]
        assert "128 filters of 3×3×3" in titles[0]
        assert "3 kernels of 3×3×1" in titles[1] and "128 filters of 1×1×3" in titles[2]
        texts = [{t.get_text() for t in ax.texts} for ax in fig.axes]
        assert {"7×7×3", "5×5×128", "128 × 3×3×3"} <= texts[0]
        assert {"7×7×3", "3 × 3×3×1", "5×5×3"} <= texts[1]
        assert {"5×5×3", "128 × 1×1×3", "5×5×128"} <= texts[2]
    finally:
        plt.close(fig)


def test_depthwise_separable_blocks_on_given_axes_and_validation():
    fig, axes = plt.subplots(3, 1)
    try:
        assert plotting.depthwise_separable_blocks(40, 8, 1, 4, axes=axes) is fig
        with pytest.raises(ValueError, match="axes must hold 3"):
            plotting.depthwise_separable_blocks(3, 8, 3, 5, axes=axes[:2])
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="kernel_size"):
        plotting.depthwise_separable_blocks(3, 8, 5, 4)
    with pytest.raises(ValueError, match="in_channels=0"):
        plotting.depthwise_separable_blocks(0, 8, 3, 5)
    with pytest.raises(TypeError, match="out_channels"):
        plotting.depthwise_separable_blocks(3, 8.0, 3, 5)


# --------------------------------------------------------------------------- widgets


def test_depthwise_explorer_article_numbers():
    explorer = widgets.depthwise_explorer()
    render = explorer.update(in_channels=3, out_channels=128, kernel_size=3, input_size=7)
    assert render.error is None and len(render.figure.axes) == 3
    for number in ("86,400", "675", "9,600", "10,275", "3,456", "411", "0.1189", "8.41×"):
        assert number in render.text, number
    assert "output 5×5×128" in render.text


def test_depthwise_explorer_ratio_matches_formula_and_explains_errors():
    explorer = widgets.depthwise_explorer()
    render = explorer.update(in_channels=32, out_channels=64, kernel_size=5, input_size=10)
    separable = cost.conv_macs(32, 32, 5, 6, groups=32) + cost.conv_macs(32, 64, 1, 6)
    assert f"{separable:,}" in render.text
    assert f"{1 / 64 + 1 / 25:.4f}" in render.text
    overhead = explorer.update(kernel_size=1, out_channels=1)
    assert "not cheaper" in overhead.text and "2.00× as many" in overhead.text
    bad = explorer.update(kernel_size=7, input_size=4)
    assert bad.figure is None and bad.error is not None and "larger than" in bad.error
    assert explorer.widget is not None


# --------------------------------------------------------------------------- exercises


def _reference_impl(x, d, p, stride, padding):
    z = functional.conv2d(x, d, stride=stride, padding=padding, groups=x.shape[1])
    return functional.conv2d(z, p)


def test_check_depthwise_separable_passes(capsys):
    exercises.check_depthwise_separable(_reference_impl)
    out = capsys.readouterr()
    assert out.out.startswith("✓ depthwise_separable") and out.err == ""


@pytest.mark.parametrize("wrong, words", [
    (lambda x, d, p, s, pad: functional.conv2d(
        functional.conv2d(x, d, stride=s, padding=pad), p), "depthwise_separable"),  # no groups
    (lambda x, d, p, s, pad: functional.conv2d(
        functional.conv2d(x, d, padding=pad, groups=x.shape[1]), p), "case"),  # ignores stride
    (lambda x, d, p, s, pad: None, "None"),
])
def test_check_depthwise_separable_fails_with_hint(wrong, words):
    with pytest.raises(AssertionError, match=words) as info:
        exercises.check_depthwise_separable(wrong)
    assert "Hint" in str(info.value) and "groups" in str(info.value)


def test_check_depthwise_separable_costs(capsys):
    good = {"standard": 7_372_800, "depthwise": 115_200, "pointwise": 294_912}
    exercises.check_depthwise_separable_costs(good)
    assert "410,112" in capsys.readouterr().out
    q = exercises.DEPTHWISE_COST_QUESTION
    o = q["input_size"] - q["kernel_size"] + 1
    assert good["standard"] == cost.conv_macs(q["in_channels"], q["out_channels"],
                                              q["kernel_size"], o)
    with pytest.raises(AssertionError, match="depthwise.*expected 115200, got 345600"):
        exercises.check_depthwise_separable_costs({**good, "depthwise": 345_600})
    with pytest.raises(AssertionError, match="missing \\['pointwise'\\]"):
        exercises.check_depthwise_separable_costs({"standard": 1, "depthwise": 2})
    with pytest.raises(AssertionError, match="dict"):
        exercises.check_depthwise_separable_costs([1, 2, 3])


# --------------------------------------------------------------------------- gpu


def test_lesson08_metrics_on_cpu():
    report = gpu.lesson08("cpu", quick=True)
    assert report.ok and len(report.checks) == 3
    assert report.metrics["flop_ratio"] == pytest.approx(1 / (1 / 16 + 1 / 9))
    intensity = report.metrics["intensity"]
    assert intensity["depthwise"] < intensity["pointwise"] < intensity["standard"]
    assert report.metrics["depthwise_flop_share"] == pytest.approx(9 / (9 + 16))
    separable = [r for r in report.rows if r.name.startswith("depthwise separable")][0]
    assert separable.predicted_speedup == pytest.approx(report.metrics["flop_ratio"])
    assert any("arithmetic intensity" in note for note in report.notes)
