"""Every bad argument to functional / naive / signal raises a clear error.

Each row: the call, the exception type, and strings the message must contain: the
argument's name and the offending value echoed back (plus, where useful, what is allowed).
"""

import numpy as np
import pytest

from convlessons import functional as F
from convlessons import naive, signal
from convlessons._validate import as_tuple, check_array, check_choice, check_int

X = np.zeros((1, 3, 5, 5))
W = np.zeros((4, 3, 3, 3))
X1 = np.zeros((1, 2, 6))
W1 = np.zeros((2, 2, 3))
WT = np.zeros((3, 2, 3, 3))  # transposed: (C_in, C_out/groups, kH, kW)

BAD_CALLS = [
    # --- input / weight arrays
    ("input-list", F.conv2d, ([[1.0]], W), {}, TypeError, ["input", "[[1.0]]", "list"]),
    ("input-ndim", F.conv2d, (np.zeros((1, 3, 5)), W), {}, ValueError,
     ["input", "(N, C, H, W)", "input.shape=(1, 3, 5)"]),
    ("weight-ndim", F.conv1d, (X1, np.zeros((2, 2))), {}, ValueError,
     ["weight", "weight.shape=(2, 2)"]),
    ("input-complex", F.conv2d, (X.astype(complex), W), {}, TypeError,
     ["input", "input.dtype=complex128"]),
    ("input-empty", F.conv2d, (np.zeros((0, 3, 5, 5)), W), {}, ValueError,
     ["input", "input.shape=(0, 3, 5, 5)"]),
    ("weight-tensor-like", F.conv2d, (X, "weights"), {}, TypeError, ["weight", "'weights'"]),
    ("channels", F.conv2d, (X, np.zeros((4, 2, 3, 3))), {}, ValueError,
     ["weight.shape[1]", "weight.shape=(4, 2, 3, 3)", "input.shape=(1, 3, 5, 5)"]),
    # --- groups
    ("groups-divide-in", F.conv2d, (X, W), {"groups": 2}, ValueError,
     ["groups", "groups=2", "input.shape[1]=3"]),
    ("groups-divide-out", F.conv2d, (np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3))),
     {"groups": 2}, ValueError, ["groups=2", "weight.shape[0]=3"]),
    ("groups-zero", F.conv2d, (X, W), {"groups": 0}, ValueError,
     ["groups", "positive", "groups=0"]),
    ("groups-float", F.conv2d, (X, W), {"groups": 1.5}, TypeError, ["groups", "groups=1.5"]),
    # --- stride / dilation / padding
    ("stride-zero", F.conv2d, (X, W), {"stride": 0}, ValueError,
     ["stride must be a positive int or a tuple of 2 positive ints", "stride=0"]),
    ("stride-length", F.conv2d, (X, W), {"stride": (1, 2, 3)}, ValueError,
     ["stride", "stride=(1, 2, 3)", "3 entries"]),
    ("stride-length-1d", F.conv1d, (X1, W1), {"stride": (1, 1)}, ValueError,
     ["stride", "stride=(1, 1)"]),
    ("stride-str", F.conv2d, (X, W), {"stride": "2"}, TypeError, ["stride", "stride='2'"]),
    ("stride-bool", F.conv2d, (X, W), {"stride": True}, TypeError, ["stride", "stride=True"]),
    ("stride-tuple-neg", F.conv2d, (X, W), {"stride": (1, -1)}, ValueError,
     ["stride", "stride=(1, -1)"]),
    ("dilation-neg", F.conv3d, (np.zeros((1, 1, 4, 4, 4)), np.zeros((1, 1, 2, 2, 2))),
     {"dilation": -1}, ValueError, ["dilation", "dilation=-1"]),
    ("padding-neg", F.conv2d, (X, W), {"padding": -1}, ValueError,
     ["padding", "non-negative", "padding=-1", "'same'"]),
    ("padding-unknown", F.conv2d, (X, W), {"padding": "full"}, ValueError,
     ["padding", "padding='full'", "'valid'", "'same'"]),
    ("padding-float", F.conv2d, (X, W), {"padding": 1.0}, TypeError, ["padding", "padding=1.0"]),
    ("same-with-stride", F.conv2d, (X, W), {"padding": "same", "stride": 2}, ValueError,
     ["padding='same'", "stride=1", "stride=(2, 2)"]),
    ("kernel-too-big", F.conv2d, (np.zeros((1, 3, 2, 2)), W), {}, ValueError,
     ["weight", "larger than the padded input", "input.shape=(1, 3, 2, 2)"]),
    ("kernel-too-big-dilated", F.conv1d, (X1, W1), {"dilation": 3}, ValueError,
     ["weight", "dilation 3", "spans 7"]),
    # --- bias
    ("bias-length", F.conv2d, (X, W, np.zeros(3)), {}, ValueError,
     ["bias", "C_out=4", "bias.shape=(3,)"]),
    ("bias-ndim", F.conv2d, (X, W, np.zeros((4, 1))), {}, ValueError,
     ["bias", "bias.shape=(4, 1)"]),
    ("bias-list", F.conv2d, (X, W, [0, 0, 0, 0]), {}, TypeError, ["bias", "[0, 0, 0, 0]"]),
    # --- transposed convolution
    ("t-weight-channels", F.conv_transpose2d, (X, np.zeros((2, 2, 3, 3))), {}, ValueError,
     ["weight.shape[0]", "input.shape[1]=3", "weight.shape=(2, 2, 3, 3)"]),
    ("t-output-padding", F.conv_transpose2d, (X, WT), {"stride": 2, "output_padding": 2},
     ValueError, ["output_padding", "output_padding=(2, 2)", "smaller than stride or dilation"]),
    ("t-output-padding-1d", F.conv_transpose1d, (X1, W1), {"output_padding": 1}, ValueError,
     ["output_padding=1", "stride=1"]),
    ("t-output-padding-neg", F.conv_transpose2d, (X, WT), {"output_padding": -1}, ValueError,
     ["output_padding", "output_padding=-1"]),
    ("t-padding-str", F.conv_transpose2d, (X, WT), {"padding": "same"}, TypeError,
     ["padding", "padding='same'"]),
    ("t-padding-too-large", F.conv_transpose2d, (X, WT), {"padding": 9}, ValueError,
     ["padding=9", "too large"]),
    ("t-groups", F.conv_transpose2d, (X, WT), {"groups": 2}, ValueError, ["groups=2"]),
    ("t-bias", F.conv_transpose2d, (X, WT, np.zeros(3)), {}, ValueError,
     ["bias", "C_out=2", "bias.shape=(3,)"]),
    ("t-stride", F.conv_transpose3d, (np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 2, 2, 2))),
     {"stride": (1, 1)}, ValueError, ["stride", "stride=(1, 1)", "3 positive ints"]),
    # --- channel shuffle
    ("shuffle-groups", F.channel_shuffle, (np.zeros((1, 6, 2)), 4), {}, ValueError,
     ["groups", "groups=4", "input.shape[1]=6"]),
    ("shuffle-groups-zero", F.channel_shuffle, (np.zeros((1, 6, 2)), 0), {}, ValueError,
     ["groups", "groups=0"]),
    ("shuffle-ndim", F.channel_shuffle, (np.zeros((2, 6)), 2), {}, ValueError,
     ["input", "input.shape=(2, 6)"]),
    ("shuffle-list", F.channel_shuffle, ([1, 2], 2), {}, TypeError, ["input", "[1, 2]"]),
    # --- compound ops
    ("dw-shape", F.depthwise_separable_conv2d, (X, np.zeros((3, 3, 3, 3)), np.zeros((4, 3, 1, 1))),
     {}, ValueError, ["depthwise_weight", "depthwise_weight.shape=(3, 3, 3, 3)"]),
    ("pw-shape", F.depthwise_separable_conv2d, (X, np.zeros((3, 1, 3, 3)), np.zeros((4, 2, 1, 1))),
     {}, ValueError, ["pointwise_weight", "pointwise_weight.shape=(4, 2, 1, 1)"]),
    ("dw-bias", F.depthwise_separable_conv2d,
     (X, np.zeros((3, 1, 3, 3)), np.zeros((4, 3, 1, 1)), np.zeros(5)), {}, ValueError,
     ["depthwise_bias", "depthwise_bias.shape=(5,)"]),
    ("pw-bias", F.depthwise_separable_conv2d,
     (X, np.zeros((3, 1, 3, 3)), np.zeros((4, 3, 1, 1)), None, np.zeros(2)), {}, ValueError,
     ["pointwise_bias", "pointwise_bias.shape=(2,)"]),
    ("sep-column", F.spatially_separable_conv2d, (X, np.zeros((3, 1)), np.zeros(3)), {},
     ValueError, ["column", "column.shape=(3, 1)"]),
    ("sep-row-long", F.spatially_separable_conv2d, (X, np.zeros(3), np.zeros(9)), {},
     ValueError, ["row's kernel", "kernel size 9", "input.shape=(1, 3, 5, 5)"]),
    ("sep-stride", F.spatially_separable_conv2d, (X, np.zeros(3), np.zeros(3)), {"stride": 0},
     ValueError, ["stride", "stride=0"]),
    ("flat-lateral", F.flattened_conv2d, (X, np.zeros((2, 4)), np.zeros((2, 3)), np.zeros((2, 3))),
     {}, ValueError, ["lateral.shape[1]", "lateral.shape=(2, 4)", "input.shape[1]=3"]),
    ("flat-vertical", F.flattened_conv2d, (X, np.zeros((2, 3)), np.zeros((1, 3)), np.zeros((2, 3))),
     {}, ValueError, ["vertical", "vertical.shape=(1, 3)"]),
    ("flat-kernel-too-big", F.flattened_conv2d,
     (X, np.zeros((2, 3)), np.zeros((2, 7)), np.zeros((2, 3))), {}, ValueError,
     ["vertical's kernel", "kernel size 7"]),
    ("flat-padding", F.flattened_conv2d,
     (X, np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3))), {"padding": "full"}, ValueError,
     ["padding", "padding='full'"]),
    ("rank1-horizontal", F.rank1_kernel, (np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(3)), {},
     ValueError, ["horizontal", "horizontal.shape=(3,)"]),
    # --- naive
    ("naive-counter", naive.conv2d, (X, W), {"counter": "x"}, TypeError,
     ["counter", "counter='x'", "MultiplicationCounter"]),
    ("naive-stride", naive.conv2d, (X, W), {"stride": 0}, ValueError, ["stride", "stride=0"]),
    ("naive-t-output-padding", naive.conv_transpose2d, (X, WT), {"output_padding": 1}, ValueError,
     ["output_padding", "output_padding=(1, 1)"]),
    ("naive-conv1d-groups", naive.conv1d, (X1, W1), {"groups": 3}, ValueError, ["groups=3"]),
    ("naive-k-too-big", naive.correlate2d, (np.zeros((3, 3)), np.zeros((4, 4))), {}, ValueError,
     ["k", "k.shape=(4, 4)", "x.shape=(3, 3)"]),
    ("naive-x-ndim", naive.convolve2d, (np.zeros((1, 3, 3)), np.zeros((2, 2))), {}, ValueError,
     ["x", "x.shape=(1, 3, 3)"]),
    ("naive-row-long", naive.spatially_separable_conv2d, (np.zeros((3, 3)), np.ones(2), np.ones(4)),
     {}, ValueError, ["row", "row.shape=(4,)"]),
    ("naive-column-long", naive.spatially_separable_conv2d,
     (np.zeros((3, 3)), np.ones(4), np.ones(2)), {}, ValueError, ["column", "column.shape=(4,)"]),
    # --- signal
    ("signal-mode", signal.convolve, (np.ones(3), np.ones(2)), {"mode": "bogus"}, ValueError,
     ["mode", "mode='bogus'", "'full'"]),
    ("signal-ndim", signal.correlate, (np.ones(3), np.ones((2, 2))), {}, ValueError,
     ["x", "k", "k.shape=(2, 2)"]),
    ("signal-valid", signal.convolve, (np.ones((2, 5)), np.ones((3, 3))), {"mode": "valid"},
     ValueError, ["mode='valid'", "x.shape=(2, 5)", "k.shape=(3, 3)"]),
    ("signal-complex", signal.convolve, (np.ones(3) * 1j, np.ones(2)), {}, TypeError,
     ["x", "complex"]),
    ("signal-str", signal.correlate, ("abc", np.ones(2)), {}, TypeError, ["x", "x='abc'"]),
    ("signal-ragged", signal.convolve, ([[1, 2], [3]], np.ones(2)), {}, ValueError,
     ["x", "[[1, 2], [3]]"]),
    ("signal-scalar", signal.convolve, (np.float64(2.0), np.ones(1)), {}, TypeError, ["x"]),
    # --- the shared helpers themselves
    ("as_tuple-list-type", as_tuple, ([1, "a"], 2, "kernel_size", 1), {}, TypeError,
     ["kernel_size", "[1, 'a']"]),
    ("check_int-min", check_int, (-2, "in_channels", 1), {}, ValueError,
     ["in_channels", "in_channels=-2", "positive"]),
    ("check_choice", check_choice, (3, "mode", ("a", "b")), {}, ValueError, ["mode", "mode=3"]),
    ("check_array-scalar", check_array, (np.array(3.0), None, "x"), {}, ValueError,
     ["x", "scalar"]),
]


@pytest.mark.parametrize(
    ("fn", "args", "kwargs", "exc", "fragments"),
    [row[1:] for row in BAD_CALLS],
    ids=[row[0] for row in BAD_CALLS],
)
def test_bad_call_raises_clear_error(fn, args, kwargs, exc, fragments):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert type(info.value) is exc  # not a subclass like IndexError's relatives
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_valid_tuple_forms_are_accepted():
    # Lists work like tuples, numpy integers like ints.
    out = F.conv2d(X, W, stride=[1, 2], padding=(np.int64(1), 0), dilation=np.int32(1))
    assert out.shape == (1, 4, 5, 2)
