"""convlessons.signal against scipy.signal (hypothesis) and hand-computed cases."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from convlessons import signal

MODES = ("full", "valid", "same")


@st.composite
def signal_cases(draw, ndim):
    hi = 7 if ndim < 3 else 4
    x_shape = tuple(draw(st.integers(1, hi)) for _ in range(ndim))
    k_shape = tuple(draw(st.integers(1, hi)) for _ in range(ndim))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype == np.int64:
        x = rng.integers(-5, 6, x_shape)
        k = rng.integers(-5, 6, k_shape)
    else:
        x = rng.standard_normal(x_shape).astype(dtype)
        k = rng.standard_normal(k_shape).astype(dtype)
    return x, k, draw(st.sampled_from(MODES))


def _compare(ours, theirs, x, k, mode):
    try:
        want = theirs(x, k, mode=mode, method="direct")
    except ValueError:
        with pytest.raises(ValueError, match="mode='valid'"):
            ours(x, k, mode=mode)
        return
    got = ours(x, k, mode=mode)
    assert got.shape == want.shape
    if x.dtype.kind == "i":
        np.testing.assert_array_equal(got, want)
    else:
        rtol = 1e-4 if x.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("ndim", [1, 2, 3])
@given(data=st.data())
def test_convolve_matches_scipy(ndim, data):
    x, k, mode = data.draw(signal_cases(ndim))
    _compare(signal.convolve, scipy.signal.convolve, x, k, mode)


@pytest.mark.parametrize("ndim", [1, 2, 3])
@given(data=st.data())
def test_correlate_matches_scipy(ndim, data):
    x, k, mode = data.draw(signal_cases(ndim))
    _compare(signal.correlate, scipy.signal.correlate, x, k, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", ["convolve", "correlate"])
def test_kernel_larger_than_signal(fn, mode):
    # scipy swaps the arrays in 'valid' mode when k is larger in every dimension.
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    k = np.arange(12.0).reshape(3, 4)
    want = getattr(scipy.signal, fn)(x, k, mode=mode, method="direct")
    np.testing.assert_allclose(getattr(signal, fn)(x, k, mode=mode), want)


def test_hand_cases_1d():
    x, k = np.array([1, 2, 3]), np.array([0, 1, 0.5])
    np.testing.assert_array_equal(signal.convolve(x, k), [0, 1, 2.5, 4, 1.5])
    np.testing.assert_array_equal(signal.convolve(x, k, mode="same"), [1, 2.5, 4])
    np.testing.assert_array_equal(signal.convolve(x, k, mode="valid"), [2.5])
    np.testing.assert_array_equal(signal.correlate(x, k), [0.5, 2, 3.5, 3, 0])
    np.testing.assert_array_equal(signal.correlate(x, k, mode="same"), [2, 3.5, 3])
    # k longer than x in 'valid' mode: convolve swaps, correlate swaps and reverses.
    np.testing.assert_array_equal(signal.convolve([1, 2], [1, 2, 3], mode="valid"), [4, 7])
    np.testing.assert_array_equal(signal.correlate([1, 2], [1, 2, 3], mode="valid"), [8, 5])


def test_even_kernel_same_convention():
    # Output i uses x[i-2 : i+2] for a 4-tap kernel: an impulse at 4 lands on 3..6.
    x = np.zeros(8)
    x[4] = 1
    k = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(signal.correlate(x, k, mode="same"), [0, 0, 0, 4, 3, 2, 1, 0])
    np.testing.assert_array_equal(signal.convolve(x, k, mode="same"), [0, 0, 0, 1, 2, 3, 4, 0])


def test_hand_case_2d():
    x = np.array([[1, 2], [3, 4]])
    k = np.array([[1, 1], [1, 1]])
    np.testing.assert_array_equal(signal.convolve(x, k), [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    np.testing.assert_array_equal(signal.correlate(x, np.array([[0, 1]])), [[1, 2, 0], [3, 4, 0]])
    np.testing.assert_array_equal(signal.convolve(x, k, mode="valid"), [[10]])


def test_hand_case_3d():
    x = np.ones((2, 2, 2), dtype=int)
    got = signal.convolve(x, x)
    assert got.shape == (3, 3, 3)
    assert got[1, 1, 1] == 8 and got[0, 0, 0] == 1 and got.sum() == 64
