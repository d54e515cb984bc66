"""Tests for convlessons.models: the blocks, and the nets against the papers' tables.

Published numbers (MOBILENET_V1_PAPER, SHUFFLENET_V1_PAPER) must be reproduced within 2%,
or within half a unit of the last digit the paper prints (it rounds, e.g. 0.47 M params is
printed as 0.5); PAPER_ERRATA explains every place where a table is wrong or ambiguous.
The nets are built on the meta device for counting (no weights are allocated; the counts
are identical, see test_meta_counts_equal_cpu_counts).
"""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convlessons.cost import (
    conv_macs,
    conv_params,
    count_macs,
    count_params,
    macs_by_layer_type,
    params_by_layer_type,
)
from convlessons.models import (
    MOBILENET_V1_PAPER,
    PAPER_ERRATA,
    SHUFFLENET_V1_PAPER,
    ChannelShuffle,
    DepthwiseSeparableConv,
    FlattenedConv2d,
    ShuffleNetUnit,
    channel_shuffle,
    flattened_conv2d,
    mobilenet_v1,
    rank1_kernel,
    shufflenet_v1,
)

MOBILE = MOBILENET_V1_PAPER
SHUFFLE = SHUFFLENET_V1_PAPER


def _meta(build, *args, **kwargs):
    with torch.device("meta"):
        return build(*args, **kwargs)


def _millions(value):
    return value / 1e6


def _close_to_published(count_millions, published):
    """Within 2%, or the same to the digits the paper prints."""
    decimals = len(repr(float(published)).split(".")[1].rstrip("0"))
    half_unit = 0.5 * 10 ** -decimals
    return abs(count_millions - published) <= max(0.02 * published, half_unit + 1e-9)


# --------------------------------------------------------------------------- blocks


def test_channel_shuffle_matches_torch_and_is_a_permutation():
    x = torch.randn(2, 12, 3, 4)
    for g in (1, 2, 3, 4, 6, 12):
        torch.testing.assert_close(channel_shuffle(x, g), nn.ChannelShuffle(g)(x))
        torch.testing.assert_close(ChannelShuffle(g)(x), nn.ChannelShuffle(g)(x))
    order = channel_shuffle(torch.arange(6.0).view(1, 6), 3).flatten().tolist()
    assert order == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]
    assert sorted(order) == list(range(6))
    assert channel_shuffle(torch.zeros(1, 6, 2, 2, 2), 2).shape == (1, 6, 2, 2, 2)


def test_depthwise_separable_conv_structure_and_cost():
    block = DepthwiseSeparableConv(32, 64, stride=2)
    dw, pw = block[0], block[3]
    assert (dw.groups, dw.kernel_size, dw.stride) == (32, (3, 3), (2, 2))
    assert (pw.groups, pw.kernel_size) == (1, (1, 1))
    assert block(torch.randn(1, 32, 9, 9)).shape == (1, 64, 5, 5)
    counts = macs_by_layer_type(block, (1, 32, 8, 8))
    assert counts["conv (depthwise)"] == conv_macs(32, 32, 3, 4, groups=32)
    assert counts["conv (pointwise 1x1)"] == conv_macs(32, 64, 1, 4)
    convs = conv_params(32, 32, 3, groups=32, bias=False) + conv_params(32, 64, 1, bias=False)
    assert count_params(block) == convs + 2 * (32 + 64)  # + batch-norm scales and shifts


def test_shufflenet_unit_stride_1_is_residual():
    torch.manual_seed(0)
    unit = ShuffleNetUnit(48, 48, groups=3, stride=1).eval()
    x = torch.randn(2, 48, 5, 5)
    assert unit(x).shape == x.shape
    nn.init.zeros_(unit.bn3.weight)  # silence the branch: the unit becomes ReLU(x)
    torch.testing.assert_close(unit(x), F.relu(x))
    assert unit.compress.groups == 3 and unit.expand.groups == 3
    assert unit.depthwise.groups == 12 and unit.compress.out_channels == 12


def test_shufflenet_unit_stride_2_concatenates_the_pooled_input():
    unit = ShuffleNetUnit(24, 240, groups=3, stride=2, first_group=False).eval()
    x = torch.randn(1, 24, 8, 8)
    y = unit(x)
    assert y.shape == (1, 240, 4, 4)
    torch.testing.assert_close(y[:, :24], F.relu(F.avg_pool2d(x, 3, 2, 1)))
    assert unit.compress.groups == 1 and unit.expand.out_channels == 216
    assert unit.expand.groups == 3 and unit.depthwise.stride == (2, 2)


def test_shufflenet_unit_cost_matches_the_papers_formula():
    # Sec. 3.2: a ShuffleNet unit with input c x h x w and bottleneck m costs
    # hw(2cm/g + 9m) FLOPs (mult-adds), stride 1.
    c, h, w, g = 240, 7, 7, 3
    m = c // 4
    unit = ShuffleNetUnit(c, c, groups=g, stride=1)
    assert count_macs(unit, (1, c, h, w)) == h * w * (2 * c * m // g + 9 * m)


def test_flattened_conv_equals_a_rank1_conv():
    torch.manual_seed(0)
    layer = FlattenedConv2d(4, 6, (3, 5), padding=(1, 2))
    x = torch.randn(2, 4, 7, 8)
    weight = layer.rank1_weight()
    assert weight.shape == (6, 4, 3, 5)
    expected = F.conv2d(x, weight, layer.bias, padding=(1, 2))
    torch.testing.assert_close(layer(x), expected, atol=1e-5, rtol=1e-5)
    for kernel in weight.detach():
        assert torch.linalg.matrix_rank(kernel.reshape(4, -1)) == 1
    assert count_params(layer) == 6 * (4 + 3 + 5) + 6
    assert count_params(FlattenedConv2d(4, 6, 3, bias=False)) == 6 * (4 + 3 + 3)


def test_flattened_conv_function_without_padding_or_bias():
    lateral, vertical, horizontal = torch.randn(3, 2), torch.randn(3, 3), torch.randn(3, 3)
    x = torch.randn(1, 2, 6, 6)
    expected = F.conv2d(x, rank1_kernel(lateral, vertical, horizontal))
    torch.testing.assert_close(flattened_conv2d(x, lateral, vertical, horizontal), expected,
                               atol=1e-5, rtol=1e-5)


# --------------------------------------------------------------------------- MobileNet v1


@pytest.mark.parametrize("alpha", sorted(MOBILE["width_multiplier"]))
def test_mobilenet_width_multipliers_match_table_6(alpha):
    net = _meta(mobilenet_v1, alpha)
    published = MOBILE["width_multiplier"][alpha]
    assert _close_to_published(_millions(count_macs(net, (1, 3, 224, 224))),
                               published["mult_adds_millions"])
    assert _close_to_published(_millions(count_params(net)), published["params_millions"])


@pytest.mark.parametrize("resolution", sorted(MOBILE["resolution"]))
def test_mobilenet_resolutions_match_table_7(resolution):
    net = _meta(mobilenet_v1)
    published = MOBILE["resolution"][resolution]
    macs = _millions(count_macs(net, (1, 3, resolution, resolution)))
    assert _close_to_published(macs, published["mult_adds_millions"])
    assert _close_to_published(_millions(count_params(net)), published["params_millions"])


def test_mobilenet_exact_counts():
    net = _meta(mobilenet_v1)
    assert count_macs(net, (1, 3, 224, 224)) == 568_740_352
    assert count_params(net) == 4_231_976
    small = _meta(mobilenet_v1, 0.5)  # Table 9: 0.50 MobileNet-160
    published = MOBILE["0.50 MobileNet-160"]
    assert _close_to_published(_millions(count_macs(small, (1, 3, 160, 160))),
                               published["mult_adds_millions"])
    assert _close_to_published(_millions(count_params(small)), published["params_millions"])


def test_mobilenet_layer_type_shares_match_table_2():
    net = _meta(mobilenet_v1)
    macs = macs_by_layer_type(net, (1, 3, 224, 224))
    params = params_by_layer_type(net, include_bias=False)
    total_macs = sum(macs.values())
    total_params = sum(v for k, v in params.items() if k != "other")  # batch norm excluded
    assert macs["other"] == 0 and macs["conv (grouped)"] == 0
    for kind, published in MOBILE["layer_type_percent"].items():
        expected_macs = published["mult_adds"]
        if kind == "conv (standard)":
            assert "1.91" in PAPER_ERRATA["mobilenet_v1 Table 2: Conv 3x3 mult-adds 1.19% "
                                          "should be 1.91%"]
            expected_macs = 1.91  # Table 2 prints 1.19: swapped digits (PAPER_ERRATA)
        assert round(100 * macs[kind] / total_macs, 2) == pytest.approx(expected_macs, abs=0.01)
        assert round(100 * params[kind] / total_params, 2) == pytest.approx(
            published["params"], abs=0.01)


def test_mobilenet_table_2_typo_is_real():
    shares = MOBILE["layer_type_percent"]
    assert sum(v["mult_adds"] for v in shares.values()) == pytest.approx(99.29)
    assert sum(v["params"] for v in shares.values()) == pytest.approx(100.0)


def test_mobilenet_typical_layer_matches_table_3():
    rows = MOBILE["typical_layer"]

    def check(row, macs, params):
        assert _close_to_published(_millions(macs), rows[row]["mult_adds_millions"])
        assert _close_to_published(_millions(params), rows[row]["params_millions"])

    check("convolution", conv_macs(512, 512, 3, 14), conv_params(512, 512, 3, bias=False))
    for row, ch, size in (("depthwise separable", 512, 14), ("alpha=0.75", 384, 14),
                          ("rho=0.714", 384, 10)):
        macs = conv_macs(ch, ch, 3, size, groups=ch) + conv_macs(ch, ch, 1, size)
        params = conv_params(ch, ch, 3, groups=ch, bias=False) + conv_params(ch, ch, 1,
                                                                            bias=False)
        check(row, macs, params)


def test_mobilenet_structure_follows_table_1():
    net = mobilenet_v1(num_classes=10)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 27  # 1 standard + 13 depthwise + 13 pointwise
    assert sum(m.groups > 1 for m in convs) == 13
    assert [m.stride[0] for m in convs if m.groups > 1].count(2) == 4
    assert net(torch.randn(1, 3, 64, 64)).shape == (1, 10)
    assert net.classifier.in_features == 1024
    assert mobilenet_v1(0.25).classifier.in_features == 256


# --------------------------------------------------------------------------- ShuffleNet v1


@pytest.mark.parametrize("groups", sorted(SHUFFLE["complexity_mflops_1x"]))
def test_shufflenet_1x_matches_table_1(groups):
    net = _meta(shufflenet_v1, groups)
    stages = [getattr(net, f"stage{i}") for i in (2, 3, 4)]
    assert tuple(s[-1].expand.out_channels for s in stages) == SHUFFLE["stage_out_channels"][
        groups]
    assert [len(s) - 1 for s in stages] == list(SHUFFLE["stage_repeats"])
    assert net.conv1[0].out_channels == SHUFFLE["conv1_out_channels"]
    assert _close_to_published(_millions(count_macs(net, (1, 3, 224, 224))),
                               SHUFFLE["complexity_mflops_1x"][groups])


@pytest.mark.parametrize("scale, groups", sorted(SHUFFLE["complexity_mflops_models"]))
def test_shufflenet_named_models_match_tables_5_and_8(scale, groups):
    net = _meta(shufflenet_v1, groups, scale)
    assert _close_to_published(_millions(count_macs(net, (1, 3, 224, 224))),
                               SHUFFLE["complexity_mflops_models"][(scale, groups)])


@pytest.mark.parametrize("scale", [0.5, 0.25])
@pytest.mark.parametrize("groups", [1, 2, 3, 4])
def test_shufflenet_scaled_models_match_table_2(scale, groups):
    # g = 8 exceeds Table 2's shared budget: see PAPER_ERRATA (and the next test)
    net = _meta(shufflenet_v1, groups, scale)
    assert _close_to_published(_millions(count_macs(net, (1, 3, 224, 224))),
                               SHUFFLE["complexity_mflops_by_scale"][scale])


def test_shufflenet_g8_half_width_is_the_authors_released_configuration():
    net = _meta(shufflenet_v1, 8, 0.5)
    channels = [net.conv1[0].out_channels] + [
        getattr(net, f"stage{i}")[0].bn3.num_features + getattr(net, f"stage{i}")[
            0].compress.in_channels for i in (2, 3, 4)]
    assert channels == [16, 192, 384, 768]
    assert round(_millions(count_macs(net, (1, 3, 224, 224))), 1) == 40.5
    assert "40.5" in PAPER_ERRATA["shufflenet_v1 Table 2: one complexity per row, not per "
                                  "group count"]


def test_shufflenet_structure_and_forward():
    net = shufflenet_v1(groups=3, width_mult=0.25, num_classes=7).eval()
    assert net(torch.randn(2, 3, 64, 64)).shape == (2, 7)
    assert net.stage2[0].compress.groups == 1  # Table 1 note: not grouped in Stage 2
    assert net.stage3[0].compress.groups == 3
    counts = macs_by_layer_type(net, (1, 3, 64, 64))
    assert counts["other"] == 0 and counts["conv (grouped)"] > 0


def test_alexnet_reference_numbers_agree_between_papers():
    assert SHUFFLE["AlexNet_mflops"] == MOBILE["AlexNet"]["mult_adds_millions"] == 720
    assert SHUFFLE["1.0 MobileNet-224_mflops"] == MOBILE["width_multiplier"][1.0][
        "mult_adds_millions"]


def test_meta_counts_equal_cpu_counts():
    net = shufflenet_v1(groups=2, width_mult=0.5)
    assert count_macs(net, (1, 3, 96, 96)) == count_macs(_meta(shufflenet_v1, 2, 0.5),
                                                         (1, 3, 96, 96))


def test_paper_errata_are_explained():
    assert len(PAPER_ERRATA) >= 4
    assert all(isinstance(v, str) and len(v) > 80 for v in PAPER_ERRATA.values())
    assert math.isclose(112 * 112 * 32 * 27 / 568_740_352 * 100, 1.906, abs_tol=1e-3)


# --------------------------------------------------------------------------- validation

BAD_CALLS = [
    (channel_shuffle, (torch.zeros(1, 6, 2, 2), 4), ValueError, "groups"),
    (channel_shuffle, (torch.zeros(1, 6), 0), ValueError, "groups"),
    (channel_shuffle, (torch.zeros(1, 6), 2.0), TypeError, "groups"),
    (channel_shuffle, ([1, 2], 1), TypeError, "input"),
    (channel_shuffle, (torch.zeros(6), 2), ValueError, "input"),
    (ChannelShuffle, (-1,), ValueError, "groups"),
    (DepthwiseSeparableConv, (0, 4), ValueError, "in_ch"),
    (DepthwiseSeparableConv, (4, 4, 0), ValueError, "stride"),
    (ShuffleNetUnit, (24, 48, 3, 1), ValueError, "out_ch"),
    (ShuffleNetUnit, (48, 48, 3, 3), ValueError, "stride"),
    (ShuffleNetUnit, (48, 48, 5, 1), ValueError, "groups"),
    (ShuffleNetUnit, (48, 24, 3, 2), ValueError, "out_ch"),
    (ShuffleNetUnit, (48, 48, 3, 1, "yes"), TypeError, "first_group"),
    (FlattenedConv2d, (4, 6, 0), ValueError, "kernel_size"),
    (FlattenedConv2d, (4, 6, (3, 3, 3)), ValueError, "kernel_size"),
    (FlattenedConv2d, (4, 6, 3, -1), ValueError, "padding"),
    (flattened_conv2d, (torch.zeros(1, 3, 5, 5), torch.zeros(2, 4), torch.zeros(2, 3),
                        torch.zeros(2, 3)), ValueError, "lateral"),
    (flattened_conv2d, (torch.zeros(1, 4, 5, 5), torch.zeros(2, 4), torch.zeros(3, 3),
                        torch.zeros(2, 3)), ValueError, "vertical"),
    (flattened_conv2d, (torch.zeros(1, 4, 2, 2), torch.zeros(2, 4), torch.zeros(2, 3),
                        torch.zeros(2, 3)), ValueError, "kernel"),
    (flattened_conv2d, (torch.zeros(4, 5, 5), torch.zeros(2, 4), torch.zeros(2, 3),
                        torch.zeros(2, 3)), ValueError, "input"),
    (rank1_kernel, (torch.zeros(2, 4), torch.zeros(3, 3), torch.zeros(2, 3)), ValueError,
     "vertical"),
    (mobilenet_v1, (0,), ValueError, "width_mult"),
    (mobilenet_v1, ("1.0",), TypeError, "width_mult"),
    (mobilenet_v1, (1.0, 0), ValueError, "num_classes"),
    (shufflenet_v1, (5,), ValueError, "groups"),
    (shufflenet_v1, (3.0,), TypeError, "groups"),
    (shufflenet_v1, (3, -1.0), ValueError, "width_mult"),
    (shufflenet_v1, (3, 0.01), ValueError, "width_mult"),
]


@pytest.mark.parametrize("fn, args, exc, name", BAD_CALLS)
def test_validation_messages_name_the_argument(fn, args, exc, name):
    with pytest.raises(exc, match=name) as info:
        fn(*args)
    assert "got" in str(info.value)


def test_flattened_bias_and_conv1_override_validation():
    with pytest.raises(ValueError, match="bias"):
        flattened_conv2d(torch.zeros(1, 4, 5, 5), torch.zeros(2, 4), torch.zeros(2, 3),
                         torch.zeros(2, 3), bias=torch.zeros(3))
    with pytest.raises(ValueError, match="conv1_channels"):
        shufflenet_v1(3, conv1_channels=10)
    assert _meta(shufflenet_v1, 3, conv1_channels=12).conv1[0].out_channels == 12
