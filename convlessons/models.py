"""Torch building blocks and the two reference nets of the lessons: MobileNet v1, ShuffleNet v1.

The tensor functions (:func:`channel_shuffle`, :func:`flattened_conv2d`,
:func:`rank1_kernel`) hold the logic; the ``nn.Module`` s are thin wrappers around them and
around ``nn.Conv2d``, in the style of ``torch.nn.functional`` / ``torch.nn``.

The nets are built from the papers' architecture tables:

* :func:`mobilenet_v1`: Howard et al., "MobileNets", arXiv:1704.04861, Table 1.
* :func:`shufflenet_v1`: Zhang et al., "ShuffleNet", arXiv:1707.01083, Table 1.

:data:`MOBILENET_V1_PAPER` and :data:`SHUFFLENET_V1_PAPER` hold the numbers the papers
publish (with the table each comes from); ``tests/test_models.py`` checks that counting
the nets built here reproduces them. :data:`PAPER_ERRATA` records where a table cannot be
taken literally.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from convlessons.shapes import _as_ints, _is_int

__all__ = [
    "MOBILENET_V1_PAPER",
    "SHUFFLENET_V1_PAPER",
    "PAPER_ERRATA",
    "channel_shuffle",
    "flattened_conv2d",
    "rank1_kernel",
    "ChannelShuffle",
    "DepthwiseSeparableConv",
    "ShuffleNetUnit",
    "FlattenedConv2d",
    "MobileNetV1",
    "ShuffleNetV1",
    "mobilenet_v1",
    "shufflenet_v1",
    "KernelFit",
    "fit_kernel",
    "Conv2Plus1d",
    "GOOGLENET_PAPER",
    "bottleneck_branch",
    "Inception",
    "MOBILENET_V1_ACCURACY",
    "conv_mobilenet_v1",
    "shallow_mobilenet_v1",
    "ALEXNET_PAPER",
    "RESNEXT_PAPER",
    "Bottleneck",
    "resnet50",
    "grouped_stack",
    "residual_unit",
    "shufflenet_v1_macs",
]

# --------------------------------------------------------------------------- paper data

#: Published numbers of Howard et al., "MobileNets: Efficient Convolutional Neural Networks
#: for Mobile Vision Applications", arXiv:1704.04861. Millions of mult-adds and of
#: parameters, for a 1000-class ImageNet classifier.
MOBILENET_V1_PAPER = {
    "source": "Howard et al. 2017, arXiv:1704.04861",
    # Table 6 "MobileNet Width Multiplier" (224x224 input): alpha -> (M mult-adds, M params)
    "width_multiplier": {
        1.0: {"mult_adds_millions": 569, "params_millions": 4.2},  # Table 6
        0.75: {"mult_adds_millions": 325, "params_millions": 2.6},  # Table 6
        0.5: {"mult_adds_millions": 149, "params_millions": 1.3},  # Table 6
        0.25: {"mult_adds_millions": 41, "params_millions": 0.5},  # Table 6
    },
    # Table 7 "MobileNet Resolution" (width multiplier 1.0): input size -> numbers
    "resolution": {
        224: {"mult_adds_millions": 569, "params_millions": 4.2},  # Table 7
        192: {"mult_adds_millions": 418, "params_millions": 4.2},  # Table 7
        160: {"mult_adds_millions": 290, "params_millions": 4.2},  # Table 7
        128: {"mult_adds_millions": 186, "params_millions": 4.2},  # Table 7
    },
    # Table 9 "Smaller MobileNet Comparison": 0.50 MobileNet-160
    "0.50 MobileNet-160": {"mult_adds_millions": 76, "params_millions": 1.32},  # Table 9
    # Table 2 "Resource Per Layer Type" of 1.0 MobileNet-224, in percent of the total
    # (the parameter shares add up to 100 without the biases; see PAPER_ERRATA).
    "layer_type_percent": {
        "conv (pointwise 1x1)": {"mult_adds": 94.86, "params": 74.59},  # Table 2
        "conv (depthwise)": {"mult_adds": 3.06, "params": 1.06},  # Table 2 "Conv DW 3x3"
        # Table 2 "Conv 3x3" prints 1.19 for the mult-adds: a typo for 1.91 (PAPER_ERRATA)
        "conv (standard)": {"mult_adds": 1.19, "params": 0.02},  # Table 2 "Conv 3x3"
        "linear": {"mult_adds": 0.18, "params": 24.33},  # Table 2 "Fully Connected"
    },
    # Table 3: one internal layer, 14x14x512 input, 3x3 kernel, 512 -> 512 channels; each
    # row adds a modification to the previous one (M mult-adds, M params).
    "typical_layer": {
        "convolution": {"mult_adds_millions": 462, "params_millions": 2.36},  # Table 3
        "depthwise separable": {"mult_adds_millions": 52.3, "params_millions": 0.27},
        "alpha=0.75": {"mult_adds_millions": 29.6, "params_millions": 0.15},  # Table 3
        "rho=0.714": {"mult_adds_millions": 15.1, "params_millions": 0.15},  # Table 3
    },
    # Table 8 comparison with popular models (M mult-adds, M params)
    "GoogleNet": {"mult_adds_millions": 1550, "params_millions": 6.8},  # Table 8
    "VGG 16": {"mult_adds_millions": 15300, "params_millions": 138},  # Table 8
    "AlexNet": {"mult_adds_millions": 720, "params_millions": 60},  # Table 9
}

#: Published numbers of Zhang et al., "ShuffleNet: An Extremely Efficient Convolutional
#: Neural Network for Mobile Devices", arXiv:1707.01083. The paper's "FLOPs" are
#: multiply-adds (Table 1 caption: "the number of floating-point multiplication-adds").
#: The paper gives no parameter counts.
SHUFFLENET_V1_PAPER = {
    "source": "Zhang et al. 2017, arXiv:1707.01083",
    "conv1_out_channels": 24,  # Table 1: Conv1 3x3 stride 2, then MaxPool 3x3 stride 2
    "stage_repeats": (3, 7, 3),  # Table 1: one stride-2 unit, then 3 / 7 / 3 stride-1 units
    # Table 1 "Output channels (g groups)" of Stage 2, 3, 4 at 1x
    "stage_out_channels": {
        1: (144, 288, 576),  # Table 1
        2: (200, 400, 800),  # Table 1
        3: (240, 480, 960),  # Table 1
        4: (272, 544, 1088),  # Table 1
        8: (384, 768, 1536),  # Table 1
    },
    # Table 1 "Complexity" row: ShuffleNet 1x, MFLOPs (= millions of mult-adds) per g
    "complexity_mflops_1x": {1: 143, 2: 140, 3: 137, 4: 133, 8: 137},  # Table 1
    # Table 2 "Complexity (MFLOPs)" column: one rounded budget per scale, shared by all g
    "complexity_mflops_by_scale": {1.0: 140, 0.5: 38, 0.25: 13},  # Table 2
    # Table 5 / Table 8: specific models, (scale, groups) -> MFLOPs
    "complexity_mflops_models": {
        (2.0, 3): 524,  # Table 5, Table 8 "ShuffleNet 2x (g = 3)"
        (1.5, 3): 292,  # Table 5 "ShuffleNet 1.5x (g = 3)"
        (1.0, 8): 140,  # Table 5 "ShuffleNet 1x (g = 8)"
        (1.0, 3): 140,  # Table 8 "ShuffleNet 1x (g = 3)"
        (0.5, 4): 38,  # Table 5 "ShuffleNet 0.5x (g = 4)"
        (0.5, 3): 38,  # Table 8 "ShuffleNet 0.5x (g = 3)"
    },
    "AlexNet_mflops": 720,  # Table 6 (and Table 8)
    "1.0 MobileNet-224_mflops": 569,  # Table 5
}

#: Where the papers' tables cannot be used literally, and what the code does instead.
#: Each entry: what the table says, what counting the net shows, what the tests check.
PAPER_ERRATA = {
    "mobilenet_v1 Table 1: last depthwise stride": (
        "Table 1 of arXiv:1704.04861 lists the last depthwise layer as 'Conv dw / s2' with "
        "input 7x7x1024, yet the next row's input is still 7x7x1024 and a 7x7 average pool "
        "follows; stride 2 would give 4x4. mobilenet_v1 uses stride 1 there (as the "
        "reference TensorFlow implementation does); with it the counts match Tables 6 and 7."
    ),
    "mobilenet_v1 Table 2: Conv 3x3 mult-adds 1.19% should be 1.91%": (
        "Table 2 gives the first (standard 3x3) conv 1.19% of the mult-adds. It performs "
        "112*112*32*27 = 10,838,016 of the 568,740,352 mult-adds of 1.0 MobileNet-224, i.e. "
        "1.91%, and only with 1.91 do the four shares add up to 100% (94.86 + 3.06 + 1.91 + "
        "0.18 = 100.01; with 1.19 they add up to 99.29): two digits were swapped. The test "
        "checks 1.91."
    ),
    "mobilenet_v1 Table 2: parameter shares exclude biases": (
        "Table 2's parameter shares (74.59 + 1.06 + 0.02 + 24.33 = 100) count weights only; "
        "with the 1000 biases of the fully connected layer they become 74.57 / 1.06 / 0.02 / "
        "24.35. A convention, not a typo; the test counts weights only."
    ),
    "mobilenet_v1 Table 6: parameters printed to 0.1 M": (
        "Table 6 prints 1.3 M and 0.5 M parameters for alpha = 0.5 and 0.25; the nets have "
        "1,331,592 and 470,072 (2.4% and 6% away, but the same to the printed digit). The "
        "tests accept a count within 2% or within half a unit of the last printed digit."
    ),
    "shufflenet_v1 Table 2: one complexity per row, not per group count": (
        "Table 2 of arXiv:1707.01083 gives one complexity per scale (140 / 38 / 13 MFLOPs) "
        "for every g, while Table 1 shows that the 1x models range from 133 to 143 MFLOPs. "
        "At 0.5x and 0.25x the g = 8 models count 40.5 and 15.7 MFLOPs: conv1 must have a "
        "multiple of 8 channels (16, as in the authors' released 0.5x g = 8 model), so they "
        "exceed the shared budget. The tests compare g = 1, 2, 3, 4 with Table 2 and every g "
        "at 1x with Table 1, plus the models Tables 5 and 8 name."
    ),
    "shufflenet_v1: conv1 width at other scales is not given": (
        "The paper scales 'the number of filters' by s but never lists conv1's width for "
        "s != 1. The authors' released models use 12 / 24 / 24 / 48 channels at 0.5x / 1x / "
        "1.5x / 2x (16 at 0.5x for g = 8); Table 5's 292 MFLOPs for 1.5x (g = 3) holds only "
        "with 24 (36 channels give 299.6). For 0.25x, 12 channels reproduce Table 2's 13 "
        "MFLOPs (6 would give 11.0). shufflenet_v1 follows these choices by default."
    ),
}


# --------------------------------------------------------------------------- functions


def _check_tensor(value, name, min_ndim):
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {name}={value!r}")
    if value.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions (N, C, ...), got {name} of "
            f"shape {tuple(value.shape)}"
        )


def _check_positive_int(value, name):
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive int, got {name}={value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {name}={value!r}")
    return int(value)


def channel_shuffle(input, groups):
    """Shuffle channels between ``groups``: reshape ``(g, n)`` -> transpose -> flatten.

    Channel ``i * n + j`` of the input (group ``i``, position ``j``) moves to position
    ``j * g + i``, so every group of the next grouped layer receives one channel from each
    group of this one (ShuffleNet, arXiv:1707.01083, Fig. 1c). Equal to
    ``torch.nn.ChannelShuffle(groups)``.

    Args:
        input: tensor of shape ``(N, C, *)`` with ``C`` divisible by ``groups``.
        groups: positive int.

    Returns:
        Tensor of the same shape.

    Examples:
        >>> channel_shuffle(torch.arange(6.0).reshape(1, 6, 1, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    _check_tensor(input, "input", 2)
    groups = _check_positive_int(groups, "groups")
    n, c = input.shape[:2]
    if c % groups:
        raise ValueError(
            f"groups must divide the number of channels {c} of input (shape "
            f"{tuple(input.shape)}), got groups={groups}"
        )
    rest = input.shape[2:]
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


def rank1_kernel(lateral, vertical, horizontal):
    """The full conv weight of a flattened layer: ``W[o,c,i,j] = L[o,c] V[o,i] H[o,j]``.

    Each of the ``C_out`` kernels is an outer product of three vectors (a rank-1 tensor).

    Args:
        lateral: ``(C_out, C_in)``.
        vertical: ``(C_out, kh)``.
        horizontal: ``(C_out, kw)``.

    Returns:
        Tensor ``(C_out, C_in, kh, kw)``.

    Examples:
        >>> rank1_kernel(torch.ones(2, 3), torch.ones(2, 5), torch.ones(2, 1)).shape
        torch.Size([2, 3, 5, 1])
    """
    for name, t in (("lateral", lateral), ("vertical", vertical), ("horizontal", horizontal)):
        _check_tensor(t, name, 2)
        if t.ndim != 2:
            raise ValueError(f"{name} must be 2-D (C_out, size), got {name} of shape "
                             f"{tuple(t.shape)}")
    c_out = lateral.shape[0]
    if vertical.shape[0] != c_out or horizontal.shape[0] != c_out:
        raise ValueError(
            f"lateral, vertical and horizontal must have the same first dimension C_out, got "
            f"lateral {tuple(lateral.shape)}, vertical {tuple(vertical.shape)}, horizontal "
            f"{tuple(horizontal.shape)}"
        )
    return torch.einsum("oc,oi,oj->ocij", lateral, vertical, horizontal)


def flattened_conv2d(input, lateral, vertical, horizontal, bias=None, padding=0):
    """Flattened convolution (Jin, Dundar & Culurciello, arXiv:1412.5474).

    Three 1-D passes: a lateral 1x1 conv over channels (``C_in -> C_out``), then a vertical
    ``kh x 1`` and a horizontal ``1 x kw`` depthwise conv. The result equals
    ``F.conv2d(input, rank1_kernel(lateral, vertical, horizontal), bias, padding=padding)``
    (a convolution whose every kernel is rank 1): zero padding commutes with the bias-free
    1x1 and 1-D passes, and the bias is added once at the end.

    Args:
        input: ``(N, C_in, H, W)``.
        lateral: ``(C_out, C_in)``.
        vertical: ``(C_out, kh)``.
        horizontal: ``(C_out, kw)``.
        bias: ``(C_out,)`` or None.
        padding: non-negative int or ``(ph, pw)``.

    Returns:
        ``(N, C_out, H + 2 ph - kh + 1, W + 2 pw - kw + 1)``.
    """
    _check_tensor(input, "input", 4)
    if input.ndim != 4:
        raise ValueError(f"input must be 4-D (N, C, H, W), got shape {tuple(input.shape)}")
    for name, t in (("lateral", lateral), ("vertical", vertical), ("horizontal", horizontal)):
        _check_tensor(t, name, 2)
    c_out, c_in = lateral.shape
    if input.shape[1] != c_in:
        raise ValueError(
            f"lateral must have shape (C_out, C_in) with C_in equal to the input's channels "
            f"{input.shape[1]}, got lateral of shape {tuple(lateral.shape)}"
        )
    if vertical.shape[0] != c_out or horizontal.shape[0] != c_out:
        raise ValueError(
            f"vertical and horizontal must have C_out={c_out} rows like lateral, got "
            f"vertical of shape {tuple(vertical.shape)} and horizontal of shape "
            f"{tuple(horizontal.shape)}"
        )
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != (c_out,)):
        raise ValueError(f"bias must be None or a tensor of shape ({c_out},), got bias={bias!r}")
    p = _as_ints(padding, "padding", minimum=0)
    ph, pw = (p, p) if isinstance(p, int) else p if len(p) == 2 else (None, None)
    if ph is None:
        raise ValueError(f"padding must be an int or a pair (ph, pw), got padding={padding!r}")
    kh, kw = vertical.shape[1], horizontal.shape[1]
    h, w = input.shape[2:]
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise ValueError(
            f"the kernel (kh, kw) = (vertical length, horizontal length) must fit in the "
            f"padded input ({h + 2 * ph}, {w + 2 * pw}), got kernel ({kh}, {kw}) for input of "
            f"shape {tuple(input.shape)} and padding={padding!r}"
        )
    x = F.conv2d(input, lateral[:, :, None, None])
    x = F.conv2d(x, vertical[:, None, :, None], padding=(ph, 0), groups=c_out)
    return F.conv2d(x, horizontal[:, None, None, :], bias, padding=(0, pw), groups=c_out)


# --------------------------------------------------------------------------- blocks


class ChannelShuffle(nn.Module):
    """Module form of :func:`channel_shuffle` (same as ``torch.nn.ChannelShuffle``).

    Args:
        groups: positive int; the input's channel count must be divisible by it.

    Shape:
        ``(N, C, *)`` -> ``(N, C, *)``.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = _check_positive_int(groups, "groups")

    def forward(self, x):
        return channel_shuffle(x, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class DepthwiseSeparableConv(nn.Sequential):
    """MobileNet's block: 3x3 depthwise conv + BN + ReLU, then 1x1 pointwise conv + BN + ReLU.

    (Howard et al., arXiv:1704.04861, Fig. 3 right.) The depthwise conv
    (``groups = in_ch``) filters each channel on its own; the pointwise conv mixes
    channels. Convolutions have no bias (batch norm follows).

    Args:
        in_ch: input channels.
        out_ch: output channels.
        stride: stride of the depthwise conv (1 or 2 in MobileNet).

    Shape:
        ``(N, in_ch, H, W)`` -> ``(N, out_ch, floor((H - 1) / stride) + 1, same for W)``.

    Examples:
        >>> block = DepthwiseSeparableConv(32, 64, stride=2)
        >>> block(torch.zeros(1, 32, 8, 8)).shape
        torch.Size([1, 64, 4, 4])
    """

    def __init__(self, in_ch, out_ch, stride=1):
        in_ch = _check_positive_int(in_ch, "in_ch")
        out_ch = _check_positive_int(out_ch, "out_ch")
        stride = _check_positive_int(stride, "stride")
        super().__init__(
            nn.Conv2d(in_ch, in_ch, 3, stride=stride, padding=1, groups=in_ch, bias=False),
            nn.BatchNorm2d(in_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_ch, out_ch, 1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )


class ShuffleNetUnit(nn.Module):
    """ShuffleNet unit (Zhang et al., arXiv:1707.01083, Fig. 2b/2c).

    Branch: 1x1 group conv (``groups``) -> BN -> ReLU -> channel shuffle -> 3x3 depthwise
    conv (``stride``) -> BN -> 1x1 group conv -> BN (no ReLU after the depthwise conv).

    * ``stride=1``: ``out = ReLU(x + branch(x))``; needs ``in_ch == out_ch``.
    * ``stride=2``: ``out = ReLU(concat(avg_pool3x3_s2(x), branch(x)))``; the branch
      produces ``out_ch - in_ch`` channels so the concatenation has ``out_ch``.

    The bottleneck has ``mid_channels = out_ch // 4`` channels unless given.

    Args:
        in_ch: input channels.
        out_ch: output channels.
        groups: groups of the two 1x1 convs (and of the channel shuffle).
        stride: 1 or 2.
        first_group: whether the first 1x1 conv is grouped. The paper does not group it in
            the first unit of Stage 2, whose input has only 24 channels.
        mid_channels: bottleneck width (default ``out_ch // 4``); must be divisible by
            ``groups``.

    Shape:
        ``(N, in_ch, H, W)`` -> ``(N, out_ch, H', W')`` with ``H' = H`` for stride 1 and
        ``floor((H - 1) / 2) + 1`` for stride 2.

    Examples:
        >>> unit = ShuffleNetUnit(240, 240, groups=3, stride=1)
        >>> unit(torch.zeros(1, 240, 7, 7)).shape
        torch.Size([1, 240, 7, 7])
        >>> ShuffleNetUnit(24, 240, groups=3, stride=2, first_group=False)(
        ...     torch.zeros(1, 24, 8, 8)).shape
        torch.Size([1, 240, 4, 4])
    """

    def __init__(self, in_ch, out_ch, groups, stride, first_group=True, *, mid_channels=None):
        super().__init__()
        in_ch = _check_positive_int(in_ch, "in_ch")
        out_ch = _check_positive_int(out_ch, "out_ch")
        groups = _check_positive_int(groups, "groups")
        stride = _check_positive_int(stride, "stride")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got stride={stride}")
        if not isinstance(first_group, bool):
            raise TypeError(f"first_group must be True or False, got first_group={first_group!r}")
        mid = out_ch // 4 if mid_channels is None else _check_positive_int(
            mid_channels, "mid_channels")
        if stride == 1 and in_ch != out_ch:
            raise ValueError(
                f"a stride-1 unit adds its input to the branch, so out_ch must equal in_ch, got "
                f"in_ch={in_ch}, out_ch={out_ch}"
            )
        branch_out = out_ch - in_ch if stride == 2 else out_ch
        if branch_out < 1:
            raise ValueError(
                f"a stride-2 unit concatenates its input, so out_ch must exceed in_ch, got "
                f"in_ch={in_ch}, out_ch={out_ch}"
            )
        if mid < 1 or mid % groups:
            raise ValueError(
                f"groups must divide the bottleneck width mid_channels={mid} (out_ch // 4 "
                f"unless given), got groups={groups} with out_ch={out_ch}"
            )
        if branch_out % groups or (first_group and in_ch % groups):
            raise ValueError(
                f"groups must divide the channels of the grouped 1x1 convs (in_ch={in_ch} "
                f"when first_group, and the branch output {branch_out}), got groups={groups}"
            )
        self.stride = stride
        self.groups = groups
        g1 = groups if first_group else 1
        self.compress = nn.Conv2d(in_ch, mid, 1, groups=g1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.shuffle = ChannelShuffle(groups)
        self.depthwise = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, groups=mid,
                                   bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.expand = nn.Conv2d(mid, branch_out, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch_out)

    def forward(self, x):
        y = self.shuffle(F.relu(self.bn1(self.compress(x))))
        y = self.bn3(self.expand(self.bn2(self.depthwise(y))))
        if self.stride == 1:
            return F.relu(x + y)
        shortcut = F.avg_pool2d(x, 3, stride=2, padding=1)
        return F.relu(torch.cat([shortcut, y], dim=1))


class FlattenedConv2d(nn.Module):
    """Flattened convolution layer: lateral 1x1, vertical ``k x 1``, horizontal ``1 x k``.

    Module form of :func:`flattened_conv2d`. It equals an ``nn.Conv2d(in_ch, out_ch,
    kernel_size, padding=padding)`` whose every kernel is the rank-1 tensor
    ``W[o, c, i, j] = lateral[o, c] * vertical[o, i] * horizontal[o, j]``
    (:meth:`rank1_weight`), with ``C_in + kh + kw`` weights per output channel instead of
    ``C_in * kh * kw``.

    Args:
        in_ch: input channels.
        out_ch: output channels.
        kernel_size: int or ``(kh, kw)``.
        padding: non-negative int or ``(ph, pw)``.
        bias: whether to add a bias (once, after the last pass).

    Shape:
        ``(N, in_ch, H, W)`` -> ``(N, out_ch, H + 2 ph - kh + 1, W + 2 pw - kw + 1)``.

    Examples:
        >>> layer = FlattenedConv2d(3, 8, 3, padding=1)
        >>> layer(torch.zeros(2, 3, 5, 5)).shape
        torch.Size([2, 8, 5, 5])
        >>> sum(p.numel() for p in layer.parameters())   # 8 * (3 + 3 + 3) + 8
        80
    """

    def __init__(self, in_ch, out_ch, kernel_size, padding=0, bias=True):
        super().__init__()
        in_ch = _check_positive_int(in_ch, "in_ch")
        out_ch = _check_positive_int(out_ch, "out_ch")
        k = _as_ints(kernel_size, "kernel_size")
        kh, kw = (k, k) if isinstance(k, int) else k if len(k) == 2 else (None, None)
        if kh is None:
            raise ValueError(
                f"kernel_size must be an int or a pair (kh, kw), got kernel_size={kernel_size!r}")
        p = _as_ints(padding, "padding", minimum=0)
        if isinstance(p, tuple) and len(p) != 2:
            raise ValueError(f"padding must be an int or a pair (ph, pw), got padding={padding!r}")
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be True or False, got bias={bias!r}")
        self.padding = p
        self.lateral = nn.Parameter(torch.empty(out_ch, in_ch))
        self.vertical = nn.Parameter(torch.empty(out_ch, kh))
        self.horizontal = nn.Parameter(torch.empty(out_ch, kw))
        self.bias = nn.Parameter(torch.empty(out_ch)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """Uniform init scaled by fan-in, like ``nn.Conv2d``/``nn.Linear`` (per factor)."""
        for t in (self.lateral, self.vertical, self.horizontal):
            bound = 1.0 / t.shape[1] ** 0.5
            nn.init.uniform_(t, -bound, bound)
        if self.bias is not None:
            bound = 1.0 / self.lateral.shape[1] ** 0.5
            nn.init.uniform_(self.bias, -bound, bound)

    def rank1_weight(self):
        """The equivalent ``(out_ch, in_ch, kh, kw)`` conv weight (see :func:`rank1_kernel`)."""
        return rank1_kernel(self.lateral, self.vertical, self.horizontal)

    def forward(self, x):
        return flattened_conv2d(x, self.lateral, self.vertical, self.horizontal, self.bias,
                                self.padding)

    def extra_repr(self):
        c_out, c_in = self.lateral.shape
        k = (self.vertical.shape[1], self.horizontal.shape[1])
        return f"{c_in}, {c_out}, kernel_size={k}, padding={self.padding}"


# --------------------------------------------------------------------------- nets


def _conv_bn_relu(in_ch, out_ch, stride):
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


# Table 1 of arXiv:1704.04861 after the first conv: (output channels, depthwise stride).
# The last entry has stride 1, not the table's s2 (see PAPER_ERRATA).
_MOBILENET_V1_BODY = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),
    (1024, 2), (1024, 1),
)


def _scaled(channels, multiplier):
    return max(1, int(round(channels * multiplier)))


class MobileNetV1(nn.Module):
    """MobileNet v1 (use :func:`mobilenet_v1` to build one).

    ``features``: 3x3 conv (stride 2) + 13 :class:`DepthwiseSeparableConv` blocks;
    ``pool``: global average pooling (so 192/160/128 inputs work too); ``classifier``:
    one fully connected layer.
    """

    def __init__(self, width_mult=1.0, num_classes=1000):
        super().__init__()
        first = _scaled(32, width_mult)
        layers = [_conv_bn_relu(3, first, 2)]
        in_ch = first
        for out, stride in _MOBILENET_V1_BODY:
            out = _scaled(out, width_mult)
            layers.append(DepthwiseSeparableConv(in_ch, out, stride))
            in_ch = out
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(in_ch, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def _check_multiplier(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a positive number, got {name}={value!r}")
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, got {name}={value!r}")
    return float(value)


def mobilenet_v1(width_mult=1.0, num_classes=1000):
    """MobileNet v1 from Table 1 of Howard et al., arXiv:1704.04861.

    The width multiplier ``alpha`` scales every layer's channel count (the first conv's
    32 included) and rounds to the nearest int; the paper's values are 1, 0.75, 0.5, 0.25.
    The input resolution is free (224, 192, 160, 128 in the paper): the final pooling is
    global.

    Args:
        width_mult: positive float ``alpha``.
        num_classes: outputs of the final fully connected layer.

    Returns:
        A :class:`MobileNetV1` (``(N, 3, H, W)`` -> ``(N, num_classes)``).

    Examples:
        >>> from convlessons.cost import count_params
        >>> count_params(mobilenet_v1())
        4231976
    """
    width_mult = _check_multiplier(width_mult, "width_mult")
    num_classes = _check_positive_int(num_classes, "num_classes")
    return MobileNetV1(width_mult, num_classes)


class ShuffleNetV1(nn.Module):
    """ShuffleNet v1 (use :func:`shufflenet_v1` to build one).

    ``conv1`` (3x3, stride 2) + max pool (3x3, stride 2), three stages of
    :class:`ShuffleNetUnit` (a stride-2 unit, then 3 / 7 / 3 stride-1 units), global
    average pooling, one fully connected layer.

    Args:
        stage_channels: output channels of Stages 2, 3, 4.
        groups: groups of the pointwise convs.
        conv1_channels: output channels of conv1.
        mid_channels: bottleneck width of each stage's units.
        num_classes: outputs of the classifier.
    """

    def __init__(self, stage_channels, groups, conv1_channels, mid_channels, num_classes):
        super().__init__()
        self.conv1 = _conv_bn_relu(3, conv1_channels, 2)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_ch = conv1_channels
        stages = []
        for index, (out, mid, repeats) in enumerate(
            zip(stage_channels, mid_channels, SHUFFLENET_V1_PAPER["stage_repeats"], strict=True)
        ):
            units = [ShuffleNetUnit(in_ch, out, groups, 2, first_group=index > 0,
                                    mid_channels=mid)]
            units += [ShuffleNetUnit(out, out, groups, 1, mid_channels=mid)
                      for _ in range(repeats)]
            stages.append(nn.Sequential(*units))
            in_ch = out
        self.stage2, self.stage3, self.stage4 = stages
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(in_ch, num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.stage4(self.stage3(self.stage2(x)))
        return self.classifier(torch.flatten(self.pool(x), 1))


def _round_to(value, multiple):
    """Nearest positive multiple of ``multiple`` (ties go up)."""
    return max(multiple, multiple * math.floor(value / multiple + 0.5))


def _default_conv1_channels(width_mult):
    """conv1 width: 24 scaled by the largest power of two <= s, and at least 12."""
    return max(12, 24 * 2.0 ** math.floor(math.log2(width_mult)))


def shufflenet_v1(groups=3, width_mult=1.0, num_classes=1000, *, conv1_channels=None):
    """ShuffleNet v1 from Table 1 of Zhang et al., arXiv:1707.01083.

    ``groups`` picks a column of Table 1 (1, 2, 3, 4 or 8); ``width_mult`` is the
    paper's scale factor ``s`` ("ShuffleNet s x"), applied to the stage channels. Each
    unit's bottleneck has a quarter of the unit's output channels. Channel counts that
    scaling leaves indivisible by ``groups`` are rounded to the nearest multiple of
    ``groups`` (ties up); at 1x nothing is rounded.

    The paper does not say how conv1's 24 channels scale. By default they are multiplied
    by the largest power of two not above ``s`` and kept at 12 or more: 12 / 24 / 24 / 48
    at 0.5x / 1x / 1.5x / 2x as in the authors' released models (16 at 0.5x for g = 8,
    after rounding), and 12 at 0.25x, which reproduces Table 2's 13 MFLOPs.

    Args:
        groups: 1, 2, 3, 4 or 8.
        width_mult: positive float scale ``s`` (0.25, 0.5, 1, 1.5, 2 in the paper).
        num_classes: outputs of the final fully connected layer.
        conv1_channels: override conv1's width (a positive multiple of ``groups``).

    Returns:
        A :class:`ShuffleNetV1` (``(N, 3, H, W)`` -> ``(N, num_classes)``).

    Examples:
        >>> from convlessons.cost import count_macs
        >>> round(count_macs(shufflenet_v1(groups=3), (1, 3, 224, 224)) / 1e6, 1)
        137.5
    """
    if not _is_int(groups):
        raise TypeError(f"groups must be one of 1, 2, 3, 4, 8 (Table 1), got groups={groups!r}")
    if groups not in SHUFFLENET_V1_PAPER["stage_out_channels"]:
        raise ValueError(f"groups must be one of 1, 2, 3, 4, 8 (Table 1), got groups={groups!r}")
    s = _check_multiplier(width_mult, "width_mult")
    num_classes = _check_positive_int(num_classes, "num_classes")
    if conv1_channels is None:
        conv1 = _round_to(_default_conv1_channels(s), groups)
    else:
        conv1 = _check_positive_int(conv1_channels, "conv1_channels")
        if conv1 % groups:
            raise ValueError(
                f"conv1_channels must be a multiple of groups={groups} (Stage 2's first unit "
                f"concatenates them with a grouped branch), got conv1_channels={conv1}"
            )
    base = SHUFFLENET_V1_PAPER["stage_out_channels"][groups]
    stage = [_round_to(c * s, groups) for c in base]
    if stage[0] <= conv1:
        raise ValueError(
            f"width_mult must leave Stage 2 more channels than conv1's {conv1}, got "
            f"width_mult={width_mult!r} (Stage 2 would have {stage[0]}); use a larger "
            f"width_mult or a smaller conv1_channels"
        )
    mid = [_round_to(c / 4, groups) for c in stage]
    return ShuffleNetV1(tuple(stage), groups, conv1, tuple(mid), num_classes)


# --------------------------------------------------------------------------- lesson 01


class KernelFit(NamedTuple):
    """Result of :func:`fit_kernel`: the learned kernel and the loss at every step."""

    kernel: Any  # numpy array (k,) or (kh, kw)
    losses: Any  # numpy array (steps + 1,): the loss before each step, then the final loss


def fit_kernel(inputs, targets, kernel_size, *, steps=300, lr=0.1, seed=0):
    """Learn the kernel of one bias-free, single-channel conv layer by gradient descent.

    The layer is ``torch.nn.functional.conv1d`` / ``conv2d`` without padding, which is a
    'valid' cross-correlation. Its kernel starts random (from ``seed``, through a private
    generator: the global torch seed is untouched) and is trained with plain full-batch
    gradient descent on the mean squared error between the layer's output and ``targets``,
    in float64. Lesson 01 feeds it targets made by a *true convolution* with a known
    kernel: the kernel it learns is that kernel flipped. It runs on one CPU thread (the
    tensors are tiny; more threads only add overhead) and restores torch's thread count.

    The step size suits inputs of roughly unit variance (the loss is a quadratic whose
    curvature is about twice the input variance); scale other inputs first.

    Args:
        inputs: array ``(N, L)`` (1-D signals) or ``(N, H, W)`` (images).
        targets: array ``(N, L - k + 1)`` or ``(N, H - kh + 1, W - kw + 1)``.
        kernel_size: positive int ``k`` (1-D) or pair ``(kh, kw)`` (2-D; an int means square).
        steps: positive int, number of gradient steps.
        lr: positive float, the step size.
        seed: int, seed of the random initial kernel.

    Returns:
        :class:`KernelFit` with ``kernel`` (numpy array ``(k,)`` or ``(kh, kw)``) and
        ``losses`` (numpy array of ``steps + 1`` values).

    Raises:
        TypeError: non-numeric arrays or wrong argument types.
        ValueError: wrong dimensions, or target shapes that do not match a 'valid' output.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).standard_normal((4, 20))
        >>> y = np.stack([np.convolve(row, [1.0, -2.0], mode="valid") for row in x])
        >>> fit = fit_kernel(x, y, 2, steps=200)
        >>> np.round(fit.kernel, 3)  # the flipped kernel [-2, 1]
        array([-2.,  1.])
    """
    import numpy as np

    arrays = {}
    for name, value in (("inputs", inputs), ("targets", targets)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be a real numeric array, got {name} of type {type(value).__name__}"
            ) from None
        arrays[name] = arr
    x, y = arrays["inputs"], arrays["targets"]
    if x.ndim not in (2, 3):
        raise ValueError(
            f"inputs must have shape (N, L) or (N, H, W), got inputs.shape={x.shape}"
        )
    dims = x.ndim - 1
    size = _as_ints(kernel_size, "kernel_size")
    size = (size,) * dims if isinstance(size, int) else size
    if len(size) != dims:
        raise ValueError(
            f"kernel_size must have one entry per spatial dimension ({dims}), got "
            f"kernel_size={kernel_size!r} for inputs.shape={x.shape}"
        )
    if any(k > s for k, s in zip(size, x.shape[1:], strict=True)):
        raise ValueError(
            f"kernel_size must fit inside the inputs, got kernel_size={kernel_size!r} for "
            f"inputs.shape={x.shape}"
        )
    expected = (x.shape[0], *(s - k + 1 for s, k in zip(x.shape[1:], size, strict=True)))
    if y.shape != expected:
        raise ValueError(
            f"targets must have the 'valid' output shape {expected} for inputs.shape={x.shape}"
            f" and kernel_size={kernel_size!r}, got targets.shape={y.shape}"
        )
    steps = _check_positive_int(steps, "steps")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise TypeError(f"lr must be a positive float, got lr={lr!r}")
    if not 0 < lr < float("inf"):
        raise ValueError(f"lr must be a positive float, got lr={lr!r}")
    if not _is_int(seed):
        raise TypeError(f"seed must be an int, got seed={seed!r}")

    conv = F.conv1d if dims == 1 else F.conv2d
    xt = torch.from_numpy(x)[:, None]
    yt = torch.from_numpy(y)[:, None]
    gen = torch.Generator().manual_seed(int(seed))
    weight = 0.1 * torch.randn((1, 1, *size), generator=gen, dtype=torch.float64)
    weight.requires_grad_(True)
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: extra threads only add overhead; restored below
    try:
        for _ in range(steps):
            loss = F.mse_loss(conv(xt, weight), yt)
            (grad,) = torch.autograd.grad(loss, weight)
            with torch.no_grad():
                weight -= lr * grad
            losses.append(loss.item())
        with torch.no_grad():
            losses.append(F.mse_loss(conv(xt, weight), yt).item())
    finally:
        torch.set_num_threads(threads)
    return KernelFit(weight.detach()[0, 0].numpy().copy(), np.array(losses))


# --------------------------------------------------------------------------- lesson 03


def _triple(value, name, minimum):
    v = _as_ints(value, name, minimum=minimum)
    if isinstance(v, int):
        return (v, v, v)
    if len(v) != 3:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(
            f"{name} must be a {kind} int or a tuple (t, h, w) of 3 {kind} ints, "
            f"got {name}={value!r}"
        )
    return v


class Conv2Plus1d(nn.Module):
    """The (2+1)D block of R(2+1)D: a spatial ``1 x kh x kw`` conv, ReLU, a temporal ``t x 1 x 1``.

    Tran et al., "A Closer Look at Spatiotemporal Convolutions for Action Recognition",
    arXiv:1711.11248. It stands in for ``nn.Conv3d(in_channels, out_channels, (t, kh, kw),
    stride, padding)`` and gives the same output shape: the spatial step takes the height and
    width parts of ``stride`` and ``padding``, the temporal step the time part. By default
    ``mid_channels`` is chosen with :func:`convlessons.cost.r2plus1d_mid_channels` so that
    the block has (nearly) the weights of that 3D layer. The paper also puts batch norm
    before the ReLU; it is left out here so that the parameter counts compare cleanly.

    Args:
        in_channels: positive int.
        out_channels: positive int.
        kernel_size: positive int or ``(t, kh, kw)``.
        mid_channels: positive int ``M``, or ``None`` for the parameter-matched value.
        stride: positive int or ``(st, sh, sw)``.
        padding: non-negative int or ``(pt, ph, pw)``.
        bias: give both convolutions a bias.
        activation: put a ReLU between the two steps (``False``: the two steps compose
            into one 3D convolution with a low-rank kernel).

    Shape:
        input ``(N, C_in, T, H, W)`` -> output ``(N, C_out, T', H', W')``, as ``nn.Conv3d``.

    Example:
        >>> block = Conv2Plus1d(64, 64, 3, padding=1, bias=False)
        >>> block.mid_channels, sum(p.numel() for p in block.parameters())
        (144, 110592)
        >>> tuple(block(torch.zeros(1, 64, 4, 8, 8)).shape)
        (1, 64, 4, 8, 8)
    """

    def __init__(self, in_channels, out_channels, kernel_size, mid_channels=None, stride=1,
                 padding=0, bias=True, activation=True):
        super().__init__()
        from convlessons.cost import r2plus1d_mid_channels

        in_channels = _check_positive_int(in_channels, "in_channels")
        out_channels = _check_positive_int(out_channels, "out_channels")
        t, kh, kw = _triple(kernel_size, "kernel_size", 1)
        st, sh, sw = _triple(stride, "stride", 1)
        pt, ph, pw = _triple(padding, "padding", 0)
        if mid_channels is None:
            mid_channels = r2plus1d_mid_channels(in_channels, out_channels, (t, kh, kw))
        mid_channels = _check_positive_int(mid_channels, "mid_channels")
        for name, flag in (("bias", bias), ("activation", activation)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {name}={flag!r}")
        self.mid_channels = mid_channels
        self.spatial = nn.Conv3d(in_channels, mid_channels, (1, kh, kw), stride=(1, sh, sw),
                                 padding=(0, ph, pw), bias=bias)
        self.relu = nn.ReLU() if activation else nn.Identity()
        self.temporal = nn.Conv3d(mid_channels, out_channels, (t, 1, 1), stride=(st, 1, 1),
                                  padding=(pt, 0, 0), bias=bias)

    def forward(self, x):
        return self.temporal(self.relu(self.spatial(x)))


# --------------------------------------------------------------------------- lesson 04

#: Published numbers of Szegedy et al., "Going Deeper with Convolutions" (GoogLeNet),
#: arXiv:1409.4842, Table 1, for the first Inception module. Its input is 28x28x192; the
#: channel counts are the keyword arguments of :class:`Inception`. ``params_k`` is the
#: table's "params" column (thousands), ``ops_millions`` its "ops" column (millions of
#: multiply-adds for one 224x224 image).
GOOGLENET_PAPER = {
    "source": "Szegedy et al. 2014, arXiv:1409.4842, Table 1",
    "inception (3a)": {
        "input": (192, 28, 28),
        "channels": {"ch1x1": 64, "ch3x3_reduce": 96, "ch3x3": 128, "ch5x5_reduce": 16,
                     "ch5x5": 32, "pool_proj": 32},
        "output_channels": 256,
        "params_k": 159,
        "ops_millions": 128,
    },
}


def _check_odd_kernel(kernel_size):
    if not _is_int(kernel_size) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be an odd positive int (so that padding k // 2 keeps the "
            f"size), got kernel_size={kernel_size!r}"
        )
    return int(kernel_size)


def bottleneck_branch(in_channels, bottleneck_channels, out_channels, kernel_size, *,
                      bias=False, activation=True):
    """A 1x1 "reduce" convolution, ReLU, then a ``k x k`` convolution with "same" padding.

    The Inception pattern (arXiv:1409.4842, Fig. 2b): the cheap 1x1 convolution shrinks
    the channels to ``bottleneck_channels`` before the expensive ``k x k`` one. Compare it
    with ``nn.Conv2d(in_channels, out_channels, k, padding=k // 2)``, which produces the
    same output shape directly.

    Args:
        in_channels: positive int.
        bottleneck_channels: positive int, output channels of the 1x1 convolution.
        out_channels: positive int.
        kernel_size: odd positive int ``k`` (padding ``k // 2`` keeps the size).
        bias: give both convolutions a bias.
        activation: put a ReLU after the 1x1 convolution (``False``: the two layers are
            linear and compose into one ``k x k`` convolution of rank ``b``).

    Returns:
        ``nn.Sequential`` with children ``reduce``, ``relu``, ``conv``.

    Shape:
        input ``(N, C_in, H, W)`` -> output ``(N, C_out, H, W)``.

    Example:
        >>> branch = bottleneck_branch(192, 16, 32, 5)
        >>> sum(p.numel() for p in branch.parameters())
        15872
        >>> tuple(branch(torch.zeros(1, 192, 28, 28)).shape)
        (1, 32, 28, 28)
    """
    in_channels = _check_positive_int(in_channels, "in_channels")
    bottleneck_channels = _check_positive_int(bottleneck_channels, "bottleneck_channels")
    out_channels = _check_positive_int(out_channels, "out_channels")
    k = _check_odd_kernel(kernel_size)
    for name, flag in (("bias", bias), ("activation", activation)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {name}={flag!r}")
    return nn.Sequential(OrderedDict([
        ("reduce", nn.Conv2d(in_channels, bottleneck_channels, 1, bias=bias)),
        ("relu", nn.ReLU() if activation else nn.Identity()),
        ("conv", nn.Conv2d(bottleneck_channels, out_channels, k, padding=k // 2, bias=bias)),
    ]))


class Inception(nn.Module):
    """The Inception module of GoogLeNet (arXiv:1409.4842, Fig. 2b), four branches in parallel.

    * ``branch1``: 1x1 conv to ``ch1x1``;
    * ``branch3``: 1x1 conv to ``ch3x3_reduce``, ReLU, 3x3 conv to ``ch3x3``;
    * ``branch5``: 1x1 conv to ``ch5x5_reduce``, ReLU, 5x5 conv to ``ch5x5``;
    * ``branch_pool``: 3x3 max pool (stride 1, padding 1), 1x1 conv to ``pool_proj``;

    each followed by a ReLU, concatenated along the channels. Every branch keeps the
    spatial size. (The original has no batch norm; neither has this one.)

    Args:
        in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj: positive
            ints, the columns of the paper's Table 1.
        bias: give every convolution a bias.

    Shape:
        input ``(N, in_channels, H, W)`` -> output
        ``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.

    Example:
        >>> block = Inception(192, **GOOGLENET_PAPER["inception (3a)"]["channels"], bias=False)
        >>> sum(p.numel() for p in block.parameters())
        163328
        >>> tuple(block(torch.zeros(1, 192, 28, 28)).shape)
        (1, 256, 28, 28)
    """

    def __init__(self, in_channels, ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj,
                 *, bias=True):
        super().__init__()
        named = {"in_channels": in_channels, "ch1x1": ch1x1, "ch3x3_reduce": ch3x3_reduce,
                 "ch3x3": ch3x3, "ch5x5_reduce": ch5x5_reduce, "ch5x5": ch5x5,
                 "pool_proj": pool_proj}
        c = {name: _check_positive_int(value, name) for name, value in named.items()}
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be True or False, got bias={bias!r}")
        cin = c["in_channels"]
        self.branch1 = nn.Sequential(nn.Conv2d(cin, c["ch1x1"], 1, bias=bias), nn.ReLU())
        self.branch3 = nn.Sequential(
            bottleneck_branch(cin, c["ch3x3_reduce"], c["ch3x3"], 3, bias=bias), nn.ReLU())
        self.branch5 = nn.Sequential(
            bottleneck_branch(cin, c["ch5x5_reduce"], c["ch5x5"], 5, bias=bias), nn.ReLU())
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(cin, c["pool_proj"], 1, bias=bias),
            nn.ReLU())
        self.out_channels = c["ch1x1"] + c["ch3x3"] + c["ch5x5"] + c["pool_proj"]

    def forward(self, x):
        branches = (self.branch1, self.branch3, self.branch5, self.branch_pool)
        return torch.cat([b(x) for b in branches], dim=1)


# --------------------------------------------------------------------------- lesson 08

#: ImageNet top-1 accuracies (percent) that Howard et al., arXiv:1704.04861, publish next
#: to the cost of each model: data quoted from the paper (nothing here is recomputed), for
#: the lesson on what fewer parameters cost. Mult-adds and parameters in millions.
MOBILENET_V1_ACCURACY = {
    # Table 4 "Depthwise Separable vs Full Convolution MobileNet"
    "Conv MobileNet": {"top1": 71.7, "mult_adds_millions": 4866, "params_millions": 29.3},
    "MobileNet": {"top1": 70.6, "mult_adds_millions": 569, "params_millions": 4.2},
    # Table 5 "Narrow vs Shallow MobileNet"
    "0.75 MobileNet": {"top1": 68.4, "mult_adds_millions": 325, "params_millions": 2.6},
    "Shallow MobileNet": {"top1": 65.3, "mult_adds_millions": 307, "params_millions": 2.9},
    # Table 6 "MobileNet Width Multiplier" (224x224): alpha -> top-1
    "width_multiplier_top1": {1.0: 70.6, 0.75: 68.4, 0.5: 63.7, 0.25: 50.6},
    # Table 7 "MobileNet Resolution" (alpha = 1): input size -> top-1
    "resolution_top1": {224: 70.6, 192: 69.1, 160: 67.2, 128: 64.4},
}

#: Index range, in ``MobileNetV1.features``, of the five 14x14x512 blocks (Table 1's "5x").
_MOBILENET_V1_REPEATED = range(7, 12)


def conv_mobilenet_v1(width_mult=1.0, num_classes=1000):
    """Table 4's "Conv MobileNet": MobileNet v1 with full convolutions instead.

    Every :class:`DepthwiseSeparableConv` block of :func:`mobilenet_v1` is replaced by
    one standard 3x3 convolution (+ BN + ReLU) with the block's input and output
    channels and its stride, as in Howard et al., arXiv:1704.04861, Table 4. Counting it
    gives 4,867 M mult-adds and 29.3 M parameters (the paper prints 4866 and 29.3).

    Args:
        width_mult: positive float ``alpha``.
        num_classes: outputs of the final fully connected layer.

    Returns:
        A :class:`MobileNetV1` whose ``features[1:]`` are standard conv blocks.

    Examples:
        >>> from convlessons.cost import count_params
        >>> count_params(conv_mobilenet_v1())  # conv weights, BN scales/shifts, FC
        29294088
    """
    net = mobilenet_v1(width_mult, num_classes)
    for index in range(1, len(net.features)):
        block = net.features[index]
        depthwise, pointwise = block[0], block[3]
        net.features[index] = _conv_bn_relu(depthwise.in_channels, pointwise.out_channels,
                                            depthwise.stride[0])
    return net


def shallow_mobilenet_v1(width_mult=1.0, num_classes=1000):
    """Table 5's "Shallow MobileNet": MobileNet v1 without its five 14x14x512 blocks.

    Howard et al., arXiv:1704.04861, Table 5, compare a thinner net (alpha = 0.75) with a
    shallower one of similar cost: :func:`mobilenet_v1` with the five repeated
    depthwise separable blocks at 14x14x512 (Table 1's "5x" rows) removed. Counting it
    gives 307 M mult-adds and 2.9 M parameters, as the paper prints.

    Args:
        width_mult: positive float ``alpha``.
        num_classes: outputs of the final fully connected layer.

    Returns:
        A :class:`MobileNetV1` with 9 instead of 14 feature blocks.

    Examples:
        >>> len(shallow_mobilenet_v1().features)
        9
    """
    net = mobilenet_v1(width_mult, num_classes)
    net.features = nn.Sequential(*(layer for index, layer in enumerate(net.features)
                                   if index not in _MOBILENET_V1_REPEATED))
    return net


# --------------------------------------------------------------------------- lesson 10

#: Published numbers of Xie et al., "Aggregated Residual Transformations for Deep Neural
#: Networks" (ResNeXt), arXiv:1611.05431, for the lesson on grouped convolution. "FLOPs"
#: in the paper are multiply-adds. Accuracies are quoted, not recomputed.
RESNEXT_PAPER = {
    # Section 3.3 / Fig. 1: one conv2-stage block (256-d in and out) of each net
    "block_params_approx": 70_000,
    # Table 2: (cardinality C, bottleneck width d) pairs that keep a conv2 block at about
    # 70k parameters and 0.22 billion FLOPs (params x 56 x 56); width of the grouped conv
    "cardinality_vs_width": {1: 64, 2: 40, 4: 24, 8: 14, 32: 4},
    "grouped_conv_width": {1: 64, 2: 80, 4: 96, 8: 112, 32: 128},
    "block_flops_billions": 0.22,
    # Table 1: whole 224x224 ImageNet nets
    "ResNet-50": {"params_millions": 25.5, "flops_billions": 4.1},
    "ResNeXt-50 (32x4d)": {"params_millions": 25.0, "flops_billions": 4.2},
    # Table 3 (top): ImageNet-1K top-1 error (%, 224x224 single crop) of ResNet-50-sized
    # nets with the same complexity, by C x d
    "top1_error_50": {"1x64d": 23.9, "2x40d": 23.0, "4x24d": 22.6, "8x14d": 22.3,
                      "32x4d": 22.2},
}


#: Krizhevsky, Sutskever, Hinton, "ImageNet Classification with Deep Convolutional Neural
#: Networks", NIPS 2012, Section 3.2 and 3.5 / Fig. 2: the five convolutional layers as
#: ``(name, in_channels, out_channels, kernel_size, groups)``. Each GPU holds half of the
#: kernels of every layer; conv2, conv4 and conv5 read only the feature maps on their own
#: GPU (``groups=2``), conv3 reads both GPUs' maps (``groups=1``). Kernel shapes in the
#: paper: 11x11x3, 5x5x48, 3x3x256, 3x3x192, 3x3x192.
ALEXNET_PAPER = {
    "gpus": 2,
    "gpu": "GTX 580",
    "gpu_memory_gb": 3,
    "params_millions": 60,
    "conv_layers": (
        ("conv1", 3, 96, 11, 1),
        ("conv2", 96, 256, 5, 2),
        ("conv3", 256, 384, 3, 1),
        ("conv4", 384, 384, 3, 2),
        ("conv5", 384, 256, 3, 2),
    ),
}


class Bottleneck(nn.Module):
    """ResNet / ResNeXt bottleneck block: 1x1 reduce, 3x3 (grouped), 1x1 expand, + shortcut.

    ``conv1`` (1x1, ``in_ch -> mid_ch``), ``conv2`` (3x3, ``mid_ch -> mid_ch``, ``groups``
    groups, stride ``stride``), ``conv3`` (1x1, ``mid_ch -> out_ch``), each followed by
    batch norm, ReLU after the first two and after the addition. The shortcut is the
    identity, or a strided 1x1 conv + batch norm when the shape changes. Convolutions have
    no bias (batch norm follows). With ``groups=1`` this is ResNet-50's block; with
    ``groups=32`` and ``mid_ch = 32 * 4`` ResNeXt-50 (32x4d)'s (Xie et al., Fig. 3c).
    The stride sits on the 3x3 conv, as in the ResNeXt paper's code and torchvision.

    Args:
        in_ch, mid_ch, out_ch: positive ints; ``groups`` must divide ``mid_ch``.
        groups: the cardinality ``C``, a positive int.
        stride: 1 or 2.

    Example:
        >>> from convlessons.cost import count_params
        >>> block = Bottleneck(256, 128, 256, groups=32)
        >>> block(torch.zeros(1, 256, 8, 8)).shape
        torch.Size([1, 256, 8, 8])
        >>> count_params(block.conv1) + count_params(block.conv2) + count_params(block.conv3)
        70144
    """

    def __init__(self, in_ch, mid_ch, out_ch, groups=1, stride=1):
        super().__init__()
        for name, value in (("in_ch", in_ch), ("mid_ch", mid_ch), ("out_ch", out_ch),
                            ("groups", groups)):
            _check_positive_int(value, name)
        if mid_ch % groups:
            raise ValueError(f"groups must divide mid_ch={mid_ch}, got groups={groups}")
        if stride not in (1, 2) or isinstance(stride, bool):
            raise ValueError(f"stride must be 1 or 2, got stride={stride!r}")
        self.conv1 = nn.Conv2d(in_ch, mid_ch, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_ch)
        self.conv2 = nn.Conv2d(mid_ch, mid_ch, 3, stride=stride, padding=1, groups=groups,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(mid_ch)
        self.conv3 = nn.Conv2d(mid_ch, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_ch))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + self.shortcut(x))


def resnet50(groups=1, width_per_group=64, num_classes=1000):
    """ResNet-50 (``groups=1``) or ResNeXt-50 (``groups=C``, ``width_per_group=d``).

    The ImageNet layout of He et al. and Xie et al. (arXiv:1611.05431, Table 1): a 7x7
    stride-2 conv to 64 channels, batch norm, ReLU, 3x3 stride-2 max pooling, then four
    stages of 3, 4, 6, 3 :class:`Bottleneck` blocks with 256, 512, 1024, 2048 output
    channels. Stage ``s`` (0-based) has a bottleneck width of
    ``groups * width_per_group * 2**s``; every stage but the first starts with stride 2.
    Global average pooling and one fully connected layer finish the net.

    Counting it gives 25.56 M parameters and 4.09 G mult-adds for ResNet-50, and 25.03 M
    and 4.23 G for ResNeXt-50 (32x4d): the paper's Table 1 prints 25.5 M / 4.1 G and
    25.0 M / 4.2 G (:data:`RESNEXT_PAPER`).

    Args:
        groups: cardinality ``C`` (positive int).
        width_per_group: bottleneck width ``d`` of each group in the first stage.
        num_classes: outputs of the classifier.

    Returns:
        An ``nn.Sequential`` of named parts ``stem, stage1..stage4, pool, flatten, fc``.

    Example:
        >>> from convlessons.cost import count_params
        >>> count_params(resnet50())
        25557032
    """
    for name, value in (("groups", groups), ("width_per_group", width_per_group),
                        ("num_classes", num_classes)):
        _check_positive_int(value, name)
    parts = OrderedDict()
    parts["stem"] = nn.Sequential(
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
        nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1),
    )
    in_ch = 64
    for s, blocks in enumerate((3, 4, 6, 3)):
        mid, out = groups * width_per_group * 2 ** s, 256 * 2 ** s
        layers = []
        for b in range(blocks):
            layers.append(Bottleneck(in_ch, mid, out, groups, stride=2 if b == 0 and s else 1))
            in_ch = out
        parts[f"stage{s + 1}"] = nn.Sequential(*layers)
    parts["pool"] = nn.AdaptiveAvgPool2d(1)
    parts["flatten"] = nn.Flatten()
    parts["fc"] = nn.Linear(in_ch, num_classes)
    return nn.Sequential(parts)


# --------------------------------------------------------------------------- lesson 11


def grouped_stack(channels, groups, layers=2, *, shuffle=True, kernel_size=1):
    """Grouped convolutions ``C → C`` stacked, with a channel shuffle between each two.

    ``gconv1 → shuffle1 → gconv2 → … → gconv{layers}`` (no shuffle modules when
    ``shuffle=False``): ShuffleNet's idea stripped to the channel wiring. No bias, no
    normalization, no activation, so the model is linear and its channel dependencies
    (:func:`convlessons.connectivity.channel_dependency`) are exactly the product of the
    connectivity matrices (:func:`convlessons.connectivity.stacked_connectivity`).

    Args:
        channels: ``C``, a positive int divisible by ``groups``.
        groups: groups of every convolution and of every shuffle.
        layers: number of grouped convolutions, a positive int.
        shuffle: put a :class:`ChannelShuffle` between consecutive convolutions.
        kernel_size: odd positive int; padding ``kernel_size // 2`` keeps the size.

    Returns:
        ``nn.Sequential`` with children named ``gconv1``, ``shuffle1``, ``gconv2``, ….

    Shape:
        ``(N, C, H, W)`` → ``(N, C, H, W)``.

    Example:
        >>> grouped_stack(6, 3)
        Sequential(
          (gconv1): Conv2d(6, 6, kernel_size=(1, 1), stride=(1, 1), groups=3, bias=False)
          (shuffle1): ChannelShuffle(groups=3)
          (gconv2): Conv2d(6, 6, kernel_size=(1, 1), stride=(1, 1), groups=3, bias=False)
        )
    """
    channels = _check_positive_int(channels, "channels")
    groups = _check_positive_int(groups, "groups")
    layers = _check_positive_int(layers, "layers")
    kernel_size = _check_positive_int(kernel_size, "kernel_size")
    if channels % groups:
        raise ValueError(
            f"groups must divide channels, got groups={groups} with channels={channels}"
        )
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got shuffle={shuffle!r}")
    if kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be odd (padding kernel_size // 2 keeps the size), got "
            f"kernel_size={kernel_size}"
        )
    parts = OrderedDict()
    for layer in range(1, layers + 1):
        parts[f"gconv{layer}"] = nn.Conv2d(channels, channels, kernel_size,
                                           padding=kernel_size // 2, groups=groups,
                                           bias=False)
        if shuffle and layer < layers:
            parts[f"shuffle{layer}"] = ChannelShuffle(groups)
    return nn.Sequential(parts)


# --------------------------------------------------------------------------- lesson 12


def residual_unit(kind, channels, bottleneck, groups=1):
    """One stride-1 bottleneck unit of the kind the ShuffleNet paper compares (Sec. 3.2).

    * ``"resnet"``: :class:`Bottleneck` with a dense 3x3 conv (``groups`` ignored);
    * ``"resnext"``: :class:`Bottleneck` whose 3x3 conv has ``groups`` groups;
    * ``"shufflenet"``: :class:`ShuffleNetUnit` (grouped 1x1 convs, shuffle, depthwise 3x3).

    Counting it with :func:`convlessons.cost.count_macs` gives
    :func:`convlessons.cost.unit_flops` exactly.

    Args:
        kind: ``"resnet"``, ``"resnext"`` or ``"shufflenet"``.
        channels: input and output channels ``c``.
        bottleneck: bottleneck channels ``m``.
        groups: ``g``, dividing ``m`` (and ``c`` for ShuffleNet).

    Returns:
        ``nn.Module`` mapping ``(N, c, H, W)`` to ``(N, c, H, W)``.

    Examples:
        >>> from convlessons.cost import count_macs
        >>> count_macs(residual_unit("shufflenet", 240, 60, 3), (1, 240, 28, 28))
        7949760
    """
    from convlessons.cost import UNIT_KINDS

    if not isinstance(kind, str) or kind not in UNIT_KINDS:
        raise ValueError(f"kind must be one of {UNIT_KINDS}, got kind={kind!r}")
    channels = _check_positive_int(channels, "channels")
    bottleneck = _check_positive_int(bottleneck, "bottleneck")
    groups = _check_positive_int(groups, "groups")
    if kind == "shufflenet":
        return ShuffleNetUnit(channels, channels, groups, 1, mid_channels=bottleneck)
    return Bottleneck(channels, bottleneck, channels, groups=1 if kind == "resnet" else groups)


def shufflenet_v1_macs(net, input_size=224):
    """Multiply-adds of a :class:`ShuffleNetV1` by part, read off its layers' shapes.

    Walks the net (conv1, max pool, the units of Stages 2-4, the classifier) and adds
    :func:`convlessons.cost.conv_macs` of every convolution at the spatial size it runs
    on: no forward pass, so it takes milliseconds where
    :func:`convlessons.cost.count_macs` takes about a second; the two agree exactly
    (``tests/test_lesson_12.py``). Works on nets built on the meta device.

    Args:
        net: a :class:`ShuffleNetV1` (from :func:`shufflenet_v1`).
        input_size: side of the square input image, positive int.

    Returns:
        dict ``{"conv1", "stage2", "stage3", "stage4", "fc", "total"}`` of ints.

    Examples:
        >>> with torch.device("meta"):
        ...     net = shufflenet_v1(groups=3)
        >>> shufflenet_v1_macs(net)["total"]
        137460672
    """
    from convlessons.cost import conv_macs
    from convlessons.shapes import conv_output_size

    if not isinstance(net, ShuffleNetV1):
        raise TypeError(f"net must be a ShuffleNetV1 (from shufflenet_v1), got "
                        f"{type(net).__name__}")
    size = _check_positive_int(input_size, "input_size")

    def conv(layer, side):
        return conv_macs(layer.in_channels, layer.out_channels, layer.kernel_size, side,
                         groups=layer.groups)

    first = net.conv1[0]
    size = conv_output_size(size, 3, 2, 1)
    result = {"conv1": conv(first, size)}
    size = conv_output_size(size, 3, 2, 1)
    for name in ("stage2", "stage3", "stage4"):
        total = 0
        for unit in getattr(net, name):
            total += conv(unit.compress, size)
            size = conv_output_size(size, 3, unit.stride, 1)
            total += conv(unit.depthwise, size) + conv(unit.expand, size)
        result[name] = total
    result["fc"] = net.classifier.in_features * net.classifier.out_features
    result["total"] = sum(result.values())
    return result
