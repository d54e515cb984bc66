"""Tests for convlessons.shapes.

Hand cases: the figure examples of Dumoulin & Visin, "A guide to convolution arithmetic
for deep learning" (arXiv:1603.07285), one per numbered relationship. Randomized: the
formulas against the shapes torch actually produces, and receptive fields against an
autograd measurement.
"""

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convlessons.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    receptive_field,
    receptive_fields,
    same_padding,
)

# --------------------------------------------------------------------------- the guide

# (relationship, i, k, s, p, d, expected o): convolution arithmetic, chapter 2 and 5.1
GUIDE_CONV = [
    (1, 4, 3, 1, 0, 1, 2),  # Fig 2.1: no padding, unit strides
    (2, 5, 4, 1, 2, 1, 6),  # Fig 2.2: arbitrary padding, unit strides
    (3, 5, 3, 1, 1, 1, 5),  # Fig 2.3: half (same) padding
    (4, 5, 3, 1, 2, 1, 7),  # Fig 2.4: full padding
    (5, 5, 3, 2, 0, 1, 2),  # Fig 2.6: no padding, strides
    (6, 5, 3, 2, 1, 1, 3),  # Fig 2.7: padding and strides
    (6, 6, 3, 2, 1, 1, 3),  # Fig 2.8: padding and strides, odd (last row/column unused)
    (15, 7, 3, 1, 0, 2, 3),  # Fig 5.1: dilated convolution, d = 2
]

# (relationship, i', k, s, p, a, expected o'): transposed convolution arithmetic, chapter 4.
# i' is the size of the direct convolution's output, o' that of its input.
GUIDE_TRANSPOSED = [
    (8, 2, 3, 1, 0, 0, 4),  # Fig 4.1: transpose of i=4, k=3, s=1, p=0
    (9, 6, 4, 1, 2, 0, 5),  # Fig 4.2: transpose of i=5, k=4, s=1, p=2
    (10, 5, 3, 1, 1, 0, 5),  # Fig 4.3: half padding, transposed
    (11, 7, 3, 1, 2, 0, 5),  # Fig 4.4: full padding, transposed
    (12, 2, 3, 2, 0, 0, 5),  # Fig 4.5: transpose of i=5, k=3, s=2, p=0
    (13, 3, 3, 2, 1, 0, 5),  # Fig 4.6: transpose of i=5, k=3, s=2, p=1
    (14, 3, 3, 2, 1, 1, 6),  # Fig 4.7: transpose of i=6, k=3, s=2, p=1 (a = 1)
]


@pytest.mark.parametrize("rel, i, k, s, p, d, expected", GUIDE_CONV)
def test_guide_convolution_relationships(rel, i, k, s, p, d, expected):
    assert conv_output_size(i, k, stride=s, padding=p, dilation=d) == expected
    assert conv_output_size((i, i), (k, k), s, p, d) == (expected, expected)


@pytest.mark.parametrize("rel, i, k, s, p, a, expected", GUIDE_TRANSPOSED)
def test_guide_transposed_relationships(rel, i, k, s, p, a, expected):
    assert conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=a) == expected


def test_guide_transposed_inverts_the_direct_shape():
    # Relationship 14: a = (i + 2p - k) mod s recovers the direct convolution's input size.
    for i, k, s, p in itertools.product(range(3, 9), range(1, 4), range(1, 4), range(0, 2)):
        if k > i + 2 * p:
            continue
        o = conv_output_size(i, k, s, p)
        a = (i + 2 * p - k) % s
        assert conv_transpose_output_size(o, k, s, p, output_padding=a) == i


def test_guide_dilation_effective_kernel():
    # Section 5.1: k_hat = k + (k - 1)(d - 1)
    assert effective_kernel_size(3, 2) == 5
    assert effective_kernel_size(3, 1) == 3
    assert effective_kernel_size((3, 3), (2, 4)) == (5, 9)


# --------------------------------------------------------------------------- vs torch


def _torch_conv_len(i, k, s, p, d):
    x = torch.zeros(1, 1, i)
    w = torch.zeros(1, 1, k)
    try:
        return F.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    except RuntimeError:
        return None


def test_conv_output_size_matches_torch_sweep():
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(3),
                                          range(1, 4)):
        expected = _torch_conv_len(i, k, s, p, d)
        if expected is None:
            with pytest.raises(ValueError, match="kernel_size"):
                conv_output_size(i, k, s, p, d)
        else:
            assert conv_output_size(i, k, s, p, d) == expected, (i, k, s, p, d)


def test_conv_transpose_output_size_matches_torch_sweep():
    for i, k, s, p, a, d in itertools.product(range(1, 6), range(1, 4), range(1, 4), range(3),
                                             range(3), range(1, 3)):
        x = torch.zeros(1, 1, i)
        w = torch.zeros(1, 1, k)
        try:
            expected = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=a,
                                          dilation=d).shape[-1]
        except RuntimeError:
            expected = None
        if expected is None:
            with pytest.raises(ValueError, match="output_padding|padding"):
                conv_transpose_output_size(i, k, s, p, a, d)
        else:
            assert conv_transpose_output_size(i, k, s, p, a, d) == expected, (i, k, s, p, a, d)


@settings(max_examples=40, deadline=None)
@given(
    size=st.tuples(st.integers(3, 12), st.integers(3, 12)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.one_of(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("valid")),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
)
def test_conv_output_size_2d_tuples_match_torch(size, kernel, stride, padding, dilation):
    x = torch.zeros(1, 1, *size)
    w = torch.zeros(1, 1, *kernel)
    try:
        expected = tuple(F.conv2d(x, w, stride=stride, padding=padding,
                                  dilation=dilation).shape[2:])
    except RuntimeError:
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, stride, padding, dilation)
        return
    assert conv_output_size(size, kernel, stride, padding, dilation) == expected


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("k, d", [(1, 1), (2, 1), (3, 1), (4, 1), (3, 2), (4, 3), (5, 2)])
def test_same_padding_matches_torch_split(k, d):
    x = torch.randn(1, 1, 11, 9)
    w = torch.randn(1, 1, k, k)
    same = F.conv2d(x, w, padding="same", dilation=d)
    before, after = same_padding(k, d)
    manual = F.conv2d(F.pad(x, (before, after, before, after)), w, dilation=d)
    torch.testing.assert_close(same, manual)
    assert conv_output_size((11, 9), k, padding="same", dilation=d) == (11, 9)
    assert same_padding((k, 1), (d, 1)) == ((before, after), (0, 0))


def test_valid_padding_is_zero():
    assert conv_output_size(7, 3, padding="valid") == conv_output_size(7, 3) == 5


def test_int_in_int_out_tuple_in_tuple_out():
    assert isinstance(conv_output_size(5, 3), int)
    assert conv_output_size((5,), 3) == (3,)
    assert conv_output_size(5, (3, 1)) == (3, 5)
    assert conv_transpose_output_size((2, 3), 3) == (4, 5)
    assert effective_kernel_size((3,), 2) == (5,)


# --------------------------------------------------------------------------- receptive fields


def test_receptive_field_dilated_stack():
    # CURRICULUM 06 / Yu & Koltun (arXiv:1511.07122): 3x3 at dilation 1, 2, 4 -> 3, 7, 15
    assert receptive_fields([3, 3, 3], dilations=[1, 2, 4]) == [3, 7, 15]
    assert receptive_field([3], dilations=[2]) == 5
    assert receptive_field([3], dilations=[4]) == 9
    # Yu & Koltun's context module (Table 1): seven 3x3 layers at dilations
    # 1, 1, 2, 4, 8, 16, 1, then a 1x1 output layer -> 3, 5, 9, 17, 33, 65, 67, 67
    assert receptive_fields([3] * 7 + [1], dilations=[1, 1, 2, 4, 8, 16, 1, 1]) == [
        3, 5, 9, 17, 33, 65, 67, 67]
    # eight 3x3 layers (a common misreading of the module) would reach 69
    assert receptive_field([3] * 8, dilations=[1, 1, 2, 4, 8, 16, 1, 1]) == 69
    # (2^(i+2) - 1) for the exponentially dilated layers
    fields = receptive_fields([3] * 5, dilations=[1, 2, 4, 8, 16])
    assert fields == [2 ** (i + 2) - 1 for i in range(5)]


def test_receptive_field_with_strides_and_tuples():
    assert receptive_field([7, 3], strides=[2, 1]) == 11
    assert receptive_fields([(3, 1), (3, 3)], dilations=[(1, 1), (2, 1)]) == [(3, 1), (7, 3)]


def _measured_receptive_field(kernels, strides, dilations):
    """Extent of the input that the first output unit depends on (autograd, 1-D)."""
    length = receptive_field(kernels, strides, dilations) + 4
    x = torch.zeros(1, 1, length, requires_grad=True)
    y = x
    for k, s, d in zip(kernels, strides, dilations, strict=True):
        y = F.conv1d(y, torch.ones(1, 1, k), stride=s, dilation=d)
    y[0, 0, 0].backward()
    hit = torch.nonzero(x.grad[0, 0]).flatten()
    return int(hit.max() - hit.min() + 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
                min_size=1, max_size=4))
def test_receptive_field_matches_autograd(layers):
    kernels, strides, dilations = (list(t) for t in zip(*layers, strict=True))
    expected = _measured_receptive_field(kernels, strides, dilations)
    assert receptive_field(kernels, strides, dilations) == expected


def test_receptive_field_of_2d_stack_matches_autograd():
    x = torch.zeros(1, 1, 40, 40, requires_grad=True)
    y = x
    for d in (1, 2, 4):
        y = F.conv2d(y, torch.ones(1, 1, 3, 3), dilation=d)
    y[0, 0, 0, 0].backward()
    rows = torch.nonzero(x.grad[0, 0].sum(1)).flatten()
    assert int(rows.max() - rows.min() + 1) == receptive_field([3, 3, 3], dilations=[1, 2, 4])


# --------------------------------------------------------------------------- validation

BAD_CALLS = [
    (conv_output_size, (0, 3), {}, ValueError, "input_size"),
    (conv_output_size, (5.0, 3), {}, TypeError, "input_size"),
    (conv_output_size, (5, 0), {}, ValueError, "kernel_size"),
    (conv_output_size, (5, (3, "a")), {}, TypeError, "kernel_size"),
    (conv_output_size, (5, 3), {"stride": 0}, ValueError, "stride"),
    (conv_output_size, (5, 3), {"stride": True}, TypeError, "stride"),
    (conv_output_size, (5, 3), {"padding": -1}, ValueError, "padding"),
    (conv_output_size, (5, 3), {"padding": "full"}, ValueError, "padding"),
    (conv_output_size, (5, 3), {"padding": 1.5}, TypeError, "padding"),
    (conv_output_size, (5, 3), {"padding": "same", "stride": 2}, ValueError, "stride"),
    (conv_output_size, (5, 3), {"dilation": 0}, ValueError, "dilation"),
    (conv_output_size, (2, 5), {}, ValueError, "kernel_size"),
    (conv_output_size, (3, 3), {"dilation": 2}, ValueError, "kernel_size"),
    (conv_output_size, ((5, 5), (3, 3, 3)), {}, ValueError, "kernel_size"),
    (conv_output_size, ((), 3), {}, ValueError, "input_size"),
    (conv_transpose_output_size, (2, 3), {"output_padding": 1}, ValueError, "output_padding"),
    (conv_transpose_output_size, (2, 3), {"output_padding": -1}, ValueError, "output_padding"),
    (conv_transpose_output_size, (2, 3), {"padding": "same"}, ValueError, "padding"),
    (conv_transpose_output_size, (1, 1), {"padding": 1}, ValueError, "padding"),
    (conv_transpose_output_size, (2, 0), {}, ValueError, "kernel_size"),
    (effective_kernel_size, (3, 0), {}, ValueError, "dilation"),
    (effective_kernel_size, ("3", 1), {}, TypeError, "kernel_size"),
    (same_padding, (0,), {}, ValueError, "kernel_size"),
    (same_padding, (3,), {"dilation": -1}, ValueError, "dilation"),
    (receptive_field, (3,), {}, TypeError, "kernel_sizes"),
    (receptive_field, ([],), {}, TypeError, "kernel_sizes"),
    (receptive_field, ([3, 0],), {}, ValueError, r"kernel_sizes\[1\]"),
    (receptive_field, ([3, 3],), {"strides": [1]}, ValueError, "strides"),
    (receptive_field, ([3, 3],), {"dilations": [1, 0]}, ValueError, r"dilations\[1\]"),
    (receptive_fields, ([3],), {"strides": 2}, TypeError, "strides"),
]


@pytest.mark.parametrize("fn, args, kwargs, exc, name", BAD_CALLS)
def test_validation_messages_name_the_argument(fn, args, kwargs, exc, name):
    with pytest.raises(exc, match=name) as info:
        fn(*args, **kwargs)
    assert "got" in str(info.value)


def test_message_echoes_value_and_says_what_is_allowed():
    with pytest.raises(ValueError) as info:
        conv_output_size(5, 3, stride=0)
    assert str(info.value) == (
        "stride must be a positive int or a tuple of positive ints, got stride=0")
