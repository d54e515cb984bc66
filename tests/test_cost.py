"""Tests for convlessons.cost: formulas against torch's own counts of real layers."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlessons.cost import (
    LAYER_TYPES,
    conv_macs,
    conv_params,
    count_macs,
    count_params,
    macs_by_layer_type,
    params_by_layer_type,
)
from convlessons.shapes import conv_output_size

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}


@st.composite
def conv_layers(draw, ndim):
    groups = draw(st.integers(1, 4))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(ndim))
    size = tuple(k + draw(st.integers(0, 4)) for k in kernel)
    bias = draw(st.booleans())
    return cin, cout, kernel, stride, padding, size, groups, bias


@pytest.mark.parametrize("ndim", [1, 2, 3])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_formulas_equal_torch_counts(ndim, data):
    cin, cout, kernel, stride, padding, size, groups, bias = data.draw(conv_layers(ndim))
    layer = CONV[ndim](cin, cout, kernel, stride=stride, padding=padding, groups=groups,
                       bias=bias)
    out = conv_output_size(size, kernel, stride, padding)
    assert conv_macs(cin, cout, kernel, out, groups) == count_macs(layer, (1, cin, *size))
    assert conv_params(cin, cout, kernel, groups, bias) == count_params(layer)


def test_int_sizes_mean_two_dimensions_unless_ndim_says_otherwise():
    layer = nn.Conv2d(4, 8, 3, padding=1, groups=2)
    assert conv_macs(4, 8, 3, 6, groups=2) == count_macs(layer, (1, 4, 6, 6)) == 8 * 36 * 2 * 9
    assert conv_params(4, 8, 3, groups=2) == count_params(layer)
    assert conv_params(2, 4, 3, ndim=3, bias=False) == 4 * 2 * 27
    assert conv_macs(1, 1, 3, 10, ndim=1) == 30
    assert conv_macs(1, 1, (3, 3), (10, 10), ndim=2) == 900


def test_article_depthwise_separable_example():
    # CURRICULUM 08: 7x7x3 input, 128 filters 3x3x3 -> 5x5x128
    assert conv_macs(3, 128, 3, 5) == 86_400
    depthwise = conv_macs(3, 3, 3, 5, groups=3)
    pointwise = conv_macs(3, 128, 1, 5)
    assert (depthwise, pointwise, depthwise + pointwise) == (675, 9_600, 10_275)


def test_count_macs_counts_the_whole_batch_and_linear_layers():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 3 * 3, 10))
    one = count_macs(net, torch.zeros(1, 3, 5, 5))
    assert one == 4 * 9 * 27 + 36 * 10
    assert count_macs(net, (5, 3, 5, 5)) == 5 * one


def test_count_macs_restores_training_flags_and_does_not_record_grads():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout())
    net.train()
    net[2].eval()
    bn_before = net[1].running_mean.clone()
    count_macs(net, (2, 3, 5, 5))
    assert [m.training for m in net.modules()] == [True, True, True, False]
    torch.testing.assert_close(net[1].running_mean, bn_before)  # ran in eval mode
    assert all(p.grad is None for p in net.parameters())


def test_transposed_conv_is_counted_as_other():
    net = nn.Sequential(nn.ConvTranspose2d(4, 2, 3, stride=2), nn.Conv2d(2, 2, 1))
    counts = macs_by_layer_type(net, (1, 4, 5, 5))
    assert sum(counts.values()) == count_macs(net, (1, 4, 5, 5))
    assert counts["other"] > 0 and counts["conv (pointwise 1x1)"] == 2 * 2 * 11 * 11


def test_macs_by_layer_type_classifies_each_kind():
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),  # standard
        nn.Conv2d(8, 8, 3, padding=1, groups=8),  # depthwise
        nn.Conv2d(8, 16, 1),  # pointwise
        nn.Conv2d(16, 16, 1, groups=4),  # grouped
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 5),
    )
    counts = macs_by_layer_type(net, (1, 3, 6, 6))
    assert tuple(counts) == LAYER_TYPES
    assert counts == {
        "conv (standard)": conv_macs(3, 8, 3, 6),
        "conv (depthwise)": conv_macs(8, 8, 3, 6, groups=8),
        "conv (pointwise 1x1)": conv_macs(8, 16, 1, 6),
        "conv (grouped)": conv_macs(16, 16, 1, 6, groups=4),
        "linear": 16 * 5,
        "other": 0,
    }
    params = params_by_layer_type(net)
    assert sum(params.values()) == count_params(net)
    assert params["conv (grouped)"] == conv_params(16, 16, 1, groups=4)
    assert params_by_layer_type(net, include_bias=False)["linear"] == 80


def test_a_single_layer_model():
    layer = nn.Conv2d(2, 2, 3, groups=2)
    assert macs_by_layer_type(layer, (1, 2, 4, 4))["conv (depthwise)"] == count_macs(
        layer, (1, 2, 4, 4)) == 2 * 4 * 9


BAD_CALLS = [
    (conv_params, (0, 4, 3), {}, ValueError, "in_channels"),
    (conv_params, (4, 4.0, 3), {}, TypeError, "out_channels"),
    (conv_params, (4, 4, 3), {"groups": 3}, ValueError, "groups"),
    (conv_params, (4, 4, 3), {"groups": 0}, ValueError, "groups"),
    (conv_params, (4, 4, 0), {}, ValueError, "kernel_size"),
    (conv_params, (4, 4, 3), {"bias": 1}, TypeError, "bias"),
    (conv_params, (4, 4, (3, 3)), {"ndim": 3}, ValueError, "ndim"),
    (conv_macs, (4, 4, 3, 0), {}, ValueError, "output_size"),
    (conv_macs, (4, 4, (3, 3), (5, 5, 5)), {}, ValueError, "output_size"),
    (conv_macs, (4, 6, 3, 5), {"groups": 4}, ValueError, "groups"),
    (count_macs, ("net", (1, 3)), {}, TypeError, "model"),
    (count_macs, (nn.Conv2d(1, 1, 1), (1, 0, 3)), {}, TypeError, "input"),
    (count_macs, (nn.Conv2d(1, 1, 1), "x"), {}, TypeError, "input"),
    (count_params, (None,), {}, TypeError, "model"),
    (params_by_layer_type, (nn.Conv2d(1, 1, 1),), {"include_bias": "no"}, TypeError,
     "include_bias"),
]


@pytest.mark.parametrize("fn, args, kwargs, exc, name", BAD_CALLS)
def test_validation_messages_name_the_argument(fn, args, kwargs, exc, name):
    with pytest.raises(exc, match=name) as info:
        fn(*args, **kwargs)
    assert "got" in str(info.value)
