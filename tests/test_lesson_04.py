"""Tests of the package pieces lesson 04 (1x1 convolution) adds.

cost.bottleneck_cost / BottleneckCost, models.bottleneck_branch / Inception /
GOOGLENET_PAPER, widgets.pointwise_explorer, exercises.check_conv1x1 /
check_bottleneck_prediction, and gpu.lesson04's metrics (tests/test_gpu.py runs it too).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convlessons import cost, exercises, functional, gpu, models, widgets

# --------------------------------------------------------------------------- cost


def test_bottleneck_cost_inception_3a_numbers():
    c = cost.bottleneck_cost(192, 16, 32, 5, 28)
    assert c.direct_macs == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert c.reduce_macs == 28 * 28 * 16 * 192 == 2_408_448
    assert c.conv_macs == 28 * 28 * 32 * 5 * 5 * 16 == 10_035_200
    assert c.bottleneck_macs == 12_443_648
    assert c.direct_params == 153_600 and c.reduce_params == 3072 and c.conv_params == 12_800
    assert c.bottleneck_params == 15_872
    assert c.mac_ratio == pytest.approx(120_422_400 / 12_443_648)


@pytest.mark.parametrize(
    "cin, b, cout, k, size",
    [(192, 16, 32, 5, 28), (480, 16, 48, 5, 14), (8, 2, 3, 3, 5), (4, 6, 2, 1, (3, 7)),
     (5, 3, 7, (3, 1), (6, 4))],
)
def test_bottleneck_cost_matches_counting_torch_modules(cin, b, cout, k, size):
    kh, kw = (k, k) if isinstance(k, int) else k
    h, w = (size, size) if isinstance(size, int) else size
    direct = nn.Conv2d(cin, cout, (kh, kw), padding=(kh // 2, kw // 2), bias=False)
    path = nn.Sequential(nn.Conv2d(cin, b, 1, bias=False), nn.ReLU(),
                         nn.Conv2d(b, cout, (kh, kw), padding=(kh // 2, kw // 2), bias=False))
    c = cost.bottleneck_cost(cin, b, cout, k, size)
    assert c.direct_macs == cost.count_macs(direct, (1, cin, h, w))
    assert c.bottleneck_macs == cost.count_macs(path, (1, cin, h, w))
    assert c.direct_params == cost.count_params(direct)
    assert c.bottleneck_params == cost.count_params(path)


def test_bottleneck_cost_with_bias_counts_one_bias_per_output_channel():
    plain = cost.bottleneck_cost(10, 4, 6, 3, 8)
    biased = cost.bottleneck_cost(10, 4, 6, 3, 8, bias=True)
    assert biased.direct_params == plain.direct_params + 6
    assert biased.reduce_params == plain.reduce_params + 4
    assert biased.conv_params == plain.conv_params + 6
    assert biased.bottleneck_macs == plain.bottleneck_macs  # biases are not multiply-adds


def test_bottleneck_cost_crossover_width():
    # the bottleneck is cheaper iff b (C_in + k^2 C_out) < k^2 C_out C_in: b <= 154 here
    ratios = {b: cost.bottleneck_cost(192, b, 32, 5, 28).mac_ratio for b in (154, 155)}
    assert ratios[154] > 1 > ratios[155]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"bottleneck_channels": 0}, ValueError, r"bottleneck_channels must be a positive int, "
                                                 r"got bottleneck_channels=0"),
        ({"bottleneck_channels": 2.0}, TypeError, r"got bottleneck_channels=2.0"),
        ({"in_channels": -1}, ValueError,
         r"in_channels must be a positive int, got in_channels=-1"),
        ({"kernel_size": (3, 3, 3)}, ValueError, r"kernel_size must be an int or a pair"),
        ({"size": 0}, ValueError, r"size must be a positive int"),
        ({"bias": 1}, TypeError, r"bias must be True or False, got bias=1"),
    ],
)
def test_bottleneck_cost_validation(kwargs, error, match):
    args = {"in_channels": 8, "bottleneck_channels": 2, "out_channels": 4, "kernel_size": 3,
            "size": 5, **kwargs}
    with pytest.raises(error, match=match):
        cost.bottleneck_cost(**args)


# --------------------------------------------------------------------------- models


def test_bottleneck_branch_shape_params_and_forward():
    branch = models.bottleneck_branch(192, 16, 32, 5)
    assert [name for name, _ in branch.named_children()] == ["reduce", "relu", "conv"]
    assert cost.count_params(branch) == 15_872
    x = torch.randn(2, 192, 9, 7)
    y = branch(x)
    assert y.shape == (2, 32, 9, 7)
    expected = F.conv2d(F.relu(F.conv2d(x, branch.reduce.weight)), branch.conv.weight, padding=2)
    torch.testing.assert_close(y, expected)


def test_bottleneck_branch_without_activation_is_one_low_rank_conv():
    torch.manual_seed(0)
    branch = models.bottleneck_branch(6, 2, 5, 3, activation=False).double()
    w1 = branch.reduce.weight[:, :, 0, 0]                     # (b, C_in)
    w2 = branch.conv.weight                                   # (C_out, b, k, k)
    combined = torch.einsum("obij,bc->ocij", w2, w1)          # (C_out, C_in, k, k)
    x = torch.randn(1, 6, 8, 8, dtype=torch.float64)
    torch.testing.assert_close(branch(x), F.conv2d(x, combined, padding=1))
    # the combined kernel, read as a (C_out*k*k, C_in) matrix, has rank <= b = 2
    matrix = combined.permute(0, 2, 3, 1).reshape(-1, 6).detach()
    assert torch.linalg.matrix_rank(matrix) == 2


def test_bottleneck_branch_validation():
    with pytest.raises(ValueError, match=r"kernel_size must be an odd positive int.*got "
                                         r"kernel_size=4"):
        models.bottleneck_branch(8, 2, 4, 4)
    with pytest.raises(ValueError, match=r"bottleneck_channels must be a positive int, got "
                                         r"bottleneck_channels=0"):
        models.bottleneck_branch(8, 0, 4, 3)
    with pytest.raises(TypeError, match=r"activation must be True or False"):
        models.bottleneck_branch(8, 2, 4, 3, activation="yes")
    branch = models.bottleneck_branch(8, 2, 4, 3, bias=True)
    assert branch.reduce.bias is not None and branch.conv.bias is not None


def test_inception_3a_reproduces_googlenet_table_1():
    paper = models.GOOGLENET_PAPER["inception (3a)"]
    block = models.Inception(192, **paper["channels"], bias=False)
    assert block.out_channels == paper["output_channels"] == 256
    params = cost.count_params(block)
    macs = cost.count_macs(block, (1, *paper["input"]))
    assert params == 163_328 and macs == 128_049_152
    assert round(macs / 1e6) == paper["ops_millions"]
    assert int(params / 1024) == paper["params_k"]
    by_type = cost.macs_by_layer_type(block, (1, *paper["input"]))
    assert by_type["conv (pointwise 1x1)"] == 784 * (192 * (64 + 96 + 16 + 32))
    assert by_type["conv (standard)"] == 784 * (96 * 128 * 9 + 16 * 32 * 25)


def test_inception_concatenates_branches_in_order():
    torch.manual_seed(1)
    block = models.Inception(6, 2, 3, 4, 1, 2, 3)
    x = torch.randn(2, 6, 5, 5)
    y = block(x)
    assert y.shape == (2, 2 + 4 + 2 + 3, 5, 5)
    parts = [block.branch1(x), block.branch3(x), block.branch5(x), block.branch_pool(x)]
    torch.testing.assert_close(y, torch.cat(parts, dim=1))
    assert (y >= 0).all()  # every branch ends in a ReLU
    with pytest.raises(ValueError, match=r"pool_proj must be a positive int, got pool_proj=0"):
        models.Inception(6, 2, 3, 4, 1, 2, 0)
    with pytest.raises(TypeError, match=r"bias must be True or False"):
        models.Inception(6, 2, 3, 4, 1, 2, 3, bias=None)


# --------------------------------------------------------------------------- widgets


def test_pointwise_explorer_default_is_inception():
    explorer = widgets.pointwise_explorer()
    render = explorer.update()
    assert render.error is None
    assert "120,422,400" in render.text and "12,443,648" in render.text
    assert "2,408,448" in render.text and "10,035,200" in render.text
    assert "153,600" in render.text and "15,872" in render.text
    assert "9.68× fewer" in render.text
    assert len(render.figure.axes) == 2
    titles = [ax.get_title() for ax in render.figure.axes]
    assert titles[0].startswith("direct: 120,422,400")


def test_pointwise_explorer_wide_bottleneck_and_errors():
    explorer = widgets.pointwise_explorer()
    wide = explorer.update(in_channels=64, bottleneck=128, out_channels=32, size=7, kernel_size=3)
    expected = cost.bottleneck_cost(64, 128, 32, 3, 7)
    assert f"{expected.bottleneck_macs:,}" in wide.text
    assert f"{1 / expected.mac_ratio:.2f}× the multiply-adds" in wide.text
    assert "costs MORE" in wide.text and "not smaller than C_in" in wide.text
    bad = explorer.update(kernel_size=4)
    assert bad.error is not None and "kernel_size must be odd" in bad.error
    assert bad.figure is None


# --------------------------------------------------------------------------- exercises


def _reference_conv1x1(x, w, b=None, stride=1):
    return functional.conv2d(x, w, b, stride=stride)


def test_check_conv1x1_passes_a_correct_solution(capsys):
    exercises.check_conv1x1(_reference_conv1x1)
    out = capsys.readouterr()
    assert out.out.startswith("✓ conv1x1") and out.err == ""


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda x, w, b, s: functional.conv2d(x, w, None, stride=s), r"conv1x1: case 3"),
        (lambda x, w, b, s: functional.conv2d(x, w, b), r"conv1x1: case 4 .*expected shape"),
        (lambda x, w, b, s: np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x.transpose(0, 1, 3, 2)),
         r"conv1x1: case 1"),
        (lambda x, w, b, s: None, r"got None"),
    ],
)
def test_check_conv1x1_fails_wrong_solutions(wrong, match):
    with pytest.raises(AssertionError, match=match) as info:
        exercises.check_conv1x1(wrong)
    assert "Hint:" in str(info.value)


def test_check_conv1x1_reports_not_implemented():
    def todo(x, w, b, s):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        exercises.check_conv1x1(todo)


_RIGHT = {"direct_params": 576_000, "direct_macs": 112_896_000, "bottleneck_params": 26_880,
          "bottleneck_macs": 5_268_480}
_SETTING = {"in_channels": 480, "bottleneck_channels": 16, "out_channels": 48,
            "kernel_size": 5, "size": 14}


def test_check_bottleneck_prediction_pass(capsys):
    exercises.check_bottleneck_prediction(dict(_RIGHT), **_SETTING)
    out = capsys.readouterr()
    assert out.out == ("✓ bottleneck prediction: 576,000 vs 26,880 parameters, "
                       "112,896,000 vs 5,268,480 multiply-adds\n")
    assert out.err == ""


def test_check_bottleneck_prediction_failures():
    wrong = dict(_RIGHT, bottleneck_macs=112_896_000 // 10)
    with pytest.raises(AssertionError, match=r"bottleneck_macs: expected 5268480, got 11289600"
                                             r"[\s\S]*Hint: each layer costs"):
        exercises.check_bottleneck_prediction(wrong, **_SETTING)
    with_bias = dict(_RIGHT, direct_params=576_000 + 48)
    with pytest.raises(AssertionError, match=r"direct_params: expected 576000, got 576048"):
        exercises.check_bottleneck_prediction(with_bias, **_SETTING)
    with pytest.raises(AssertionError, match=r"missing \['bottleneck_macs'\]"):
        exercises.check_bottleneck_prediction(
            {k: v for k, v in _RIGHT.items() if k != "bottleneck_macs"}, **_SETTING)
    with pytest.raises(AssertionError, match=r"expected a dict"):
        exercises.check_bottleneck_prediction([1, 2, 3, 4], **_SETTING)
    with pytest.raises(AssertionError, match=r"expected the number 576000"):
        exercises.check_bottleneck_prediction(dict(_RIGHT, direct_params="576000"), **_SETTING)


# --------------------------------------------------------------------------- gpu


def test_lesson04_quick_metrics_on_cpu():
    report = gpu.lesson04("cpu", quick=True)
    assert report.ok and len(report.rows) == 8 and len(report.checks) == 8
    # memory-bound quick layer: 2x4x16x16 -> 4 channels
    flops = 2 * 2 * 16 * 16 * 4 * 4
    moved = 4 * (2 * 16 * 16 * (4 + 4) + 4 * 4)
    assert report.metrics["intensity"]["memory-bound"] == pytest.approx(flops / moved)
    intensity = report.metrics["intensity"]
    assert intensity["compute-bound"] > intensity["memory-bound"]
    matmul_rows = [r for r in report.rows if "matmul" in r.name or "linear" in r.name]
    assert len(matmul_rows) == 4 and all(r.predicted_speedup == 1.0 for r in matmul_rows)
    assert all(r.baseline and r.baseline.endswith("TF32 off") for r in report.rows)
    assert set(report.metrics["gbps"]) == {r.name for r in report.rows}
