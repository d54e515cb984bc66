"""convlessons.naive: loop versions agree with functional/scipy and count multiplications."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from convlessons import functional as F
from convlessons import naive

# The loops are slow: cap examples whatever the profile (CI still gets 100 per op).
CAP = 100


def _cap():
    return settings(max_examples=min(settings().max_examples, CAP))


# --------------------------------------------------------------------------- counting


def test_counts_81_for_standard_and_72_for_spatially_separable():
    rng = np.random.default_rng(0)
    image = rng.integers(-3, 4, (5, 5))
    column, row = np.array([1, 2, 1]), np.array([1, 0, -1])

    full = naive.MultiplicationCounter()
    out_full = naive.conv2d(image[None, None], np.outer(column, row)[None, None], counter=full)
    assert full.count == 81  # 3x3 outputs x 9 taps

    separable = naive.MultiplicationCounter()
    out_sep = naive.spatially_separable_conv2d(image, column, row, counter=separable)
    assert separable.count == 45 + 27 == 72  # 3x5 column outputs x 3, then 3x3 x 3
    np.testing.assert_array_equal(out_sep, out_full[0, 0])


def test_counts_follow_the_cost_formula():
    x = np.ones((2, 4, 6, 5))
    w = np.ones((6, 2, 3, 2))
    c = naive.MultiplicationCounter()
    out = naive.conv2d(x, w, stride=(2, 1), padding=1, groups=2, counter=c)
    # N * C_out * H_out * W_out * (C_in / groups) * kH * kW, padding zeros included.
    assert c.count == 2 * 6 * out.shape[2] * out.shape[3] * 2 * 3 * 2

    c = naive.MultiplicationCounter()
    naive.conv1d(np.ones((1, 3, 7)), np.ones((4, 3, 3)), dilation=2, counter=c)
    assert c.count == 4 * 3 * 3 * 3

    c = naive.MultiplicationCounter()
    naive.conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((2, 5, 2, 2)), stride=2, counter=c)
    assert c.count == 2 * 9 * 5 * 4  # every input value times every kernel tap

    c = naive.MultiplicationCounter()
    naive.correlate2d(np.ones((4, 4)), np.ones((2, 3)), counter=c)
    naive.convolve2d(np.ones((4, 4)), np.ones((2, 3)), counter=c)
    assert c.count == 2 * (3 * 2 * 6)


def test_counter_accumulates_and_resets():
    c = naive.MultiplicationCounter()
    naive.correlate2d(np.ones((3, 3)), np.ones((3, 3)), counter=c)
    naive.correlate2d(np.ones((3, 3)), np.ones((3, 3)), counter=c)
    assert c.count == 18
    assert repr(c) == "MultiplicationCounter(count=18)"
    c.reset()
    assert c.count == 0


# --------------------------------------------------------------------------- hand cases


def test_hand_cases():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    k = np.array([[1, 0], [0, -1]])
    np.testing.assert_array_equal(naive.correlate2d(x, k), [[-4, -4], [-4, -4]])
    np.testing.assert_array_equal(naive.convolve2d(x, k), [[4, 4], [4, 4]])
    np.testing.assert_array_equal(naive.conv1d(np.array([[[1, 2, 3]]]), np.array([[[1, 1]]]),
                                               padding="same"), [[[3, 5, 3]]])
    np.testing.assert_array_equal(
        naive.conv2d(np.arange(9).reshape(1, 1, 3, 3), np.array([[[[1, 2], [3, 4]]]])),
        [[[[27, 37], [57, 67]]]],
    )
    np.testing.assert_array_equal(
        naive.conv_transpose2d(np.ones((1, 1, 2, 2), int), np.ones((1, 1, 2, 2), int)),
        [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]],
    )
    np.testing.assert_array_equal(
        naive.spatially_separable_conv2d(x, np.array([1, -1]), np.array([1, 1])),
        [[-6, -6], [-6, -6]],
    )


# --------------------------------------------------------------------------- randomized


@st.composite
def small_conv(draw, n):
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(n))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(n))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(n))
    size = [max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 2))
            for k, d, p in zip(kernel, dilation, padding, strict=True)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-4, 5, (draw(st.integers(1, 2)), cin, *size))
    w = rng.integers(-4, 5, (cout, cin // groups, *kernel))
    b = rng.integers(-4, 5, cout) if draw(st.booleans()) else None
    return x, w, b, {"stride": stride, "padding": padding, "dilation": dilation,
                     "groups": groups}


@_cap()
@given(case=small_conv(2))
def test_conv2d_equals_functional(case):
    x, w, b, kw = case
    c = naive.MultiplicationCounter()
    got = naive.conv2d(x, w, b, counter=c, **kw)
    np.testing.assert_array_equal(got, F.conv2d(x, w, b, **kw))
    assert c.count == got.size * w[0].size


@_cap()
@given(case=small_conv(1))
def test_conv1d_equals_functional(case):
    x, w, b, kw = case
    np.testing.assert_array_equal(naive.conv1d(x, w, b, **kw), F.conv1d(x, w, b, **kw))


@_cap()
@given(
    groups=st.integers(1, 2),
    cout_g=st.integers(1, 2),
    size=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    bias=st.booleans(),
    data=st.data(),
)
def test_conv_transpose2d_equals_functional(groups, cout_g, size, kernel, stride, dilation, bias,
                                            data):
    out_pad = tuple(data.draw(st.integers(0, max(s, d) - 1))
                    for s, d in zip(stride, dilation, strict=True))
    pad = tuple(data.draw(st.integers(0, min(1, ((n - 1) * s + d * (k - 1) + o) // 2)))
                for n, s, d, k, o in zip(size, stride, dilation, kernel, out_pad, strict=True))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-4, 5, (1, 2 * groups, *size))
    w = rng.integers(-4, 5, (2 * groups, cout_g, *kernel))
    b = rng.integers(-4, 5, cout_g * groups) if bias else None
    kw = {"stride": stride, "padding": pad, "output_padding": out_pad, "groups": groups,
          "dilation": dilation}
    np.testing.assert_array_equal(naive.conv_transpose2d(x, w, b, **kw),
                                  F.conv_transpose2d(x, w, b, **kw))


@_cap()
@given(
    shape=st.tuples(st.integers(3, 6), st.integers(3, 6)),
    kshape=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 2**32 - 1),
)
def test_2d_helpers_equal_scipy(shape, kshape, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.integers(-4, 5, shape), rng.integers(-4, 5, kshape)
    np.testing.assert_array_equal(naive.correlate2d(x, k), scipy.signal.correlate2d(x, k, "valid"))
    np.testing.assert_array_equal(naive.convolve2d(x, k), scipy.signal.convolve2d(x, k, "valid"))
    c = naive.MultiplicationCounter()
    got = naive.spatially_separable_conv2d(x, k[:, 0], k[0], counter=c)
    np.testing.assert_array_equal(got, naive.correlate2d(x, np.outer(k[:, 0], k[0])))
    h, w = shape
    assert c.count == (h - kshape[0] + 1) * w * kshape[0] + got.size * kshape[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_naive_preserves_dtype(dtype):
    x = np.ones((1, 1, 3, 3), dtype)
    assert naive.conv2d(x, x[:, :, :2, :2]).dtype == dtype
    assert naive.conv_transpose2d(x, x).dtype == dtype
    assert naive.correlate2d(x[0, 0], x[0, 0]).dtype == dtype
