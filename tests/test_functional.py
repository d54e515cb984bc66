"""convlessons.functional against torch.nn.functional (hypothesis) and hand-computed cases."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from convlessons import functional as F

DTYPES = (np.float32, np.float64)


@pytest.fixture(autouse=True, scope="module")
def _torch_one_thread():
    """torch's thread pool costs ~10 ms per tiny call on a busy 2-core machine; one
    thread makes each comparison ~30x faster. Restored after this module."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tol(dtype):
    """Tolerances per dtype: sums of a few dozen N(0, 1) products."""
    if dtype == np.float32:
        return {"rtol": 1e-4, "atol": 1e-4}
    return {"rtol": 1e-10, "atol": 1e-10}


def t(a):
    return None if a is None else torch.from_numpy(np.ascontiguousarray(a))


def per_dim(draw, n, lo, hi, allow_int=True):
    """Draw an int-or-tuple argument: a tuple of n ints, or one int for all dimensions."""
    values = tuple(draw(st.integers(lo, hi)) for _ in range(n))
    if allow_int and len(set(values)) == 1 and draw(st.booleans()):
        return values[0], values
    return values, values


@st.composite
def conv_cases(draw, n):
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    batch = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    dilation, dil = per_dim(draw, n, 1, 2)
    kind = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    if kind == "same":
        stride, padding = draw(st.sampled_from([1, (1,) * n])), "same"
        pads = [0] * n  # 'same' always fits
    else:
        stride, _ = per_dim(draw, n, 1, 3)
        if kind == "valid":
            padding, pads = "valid", [0] * n
        elif kind == "int":
            padding = draw(st.integers(0, 2))
            pads = [padding] * n
        else:
            padding = tuple(draw(st.integers(0, 2)) for _ in range(n))
            pads = list(padding)
    spread = 4 if n < 3 else 2
    size = []
    for k, d, p in zip(kernel, dil, pads, strict=True):
        lo = max(1, d * (k - 1) + 1 - 2 * p)
        size.append(draw(st.integers(lo, lo + spread)))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((batch, cin, *size)).astype(dtype)
    w = rng.standard_normal((cout, cin // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype) if draw(st.booleans()) else None
    return x, w, b, {"stride": stride, "padding": padding, "dilation": dilation,
                     "groups": groups}


@st.composite
def conv_transpose_cases(draw, n):
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2))
    cout_g = draw(st.integers(1, 2))
    batch = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride, s = per_dim(draw, n, 1, 3)
    dilation, d = per_dim(draw, n, 1, 2)
    out_pad = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    size = tuple(draw(st.integers(1, 4 if n < 3 else 3)) for _ in range(n))
    pad = tuple(
        draw(st.integers(0, min(2, ((li - 1) * si + di * (ki - 1) + oi) // 2)))
        for li, si, di, ki, oi in zip(size, s, d, kernel, out_pad, strict=True)
    )
    padding = pad[0] if len(set(pad)) == 1 and draw(st.booleans()) else pad
    output_padding = out_pad[0] if len(set(out_pad)) == 1 and draw(st.booleans()) else out_pad
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((batch, cin, *size)).astype(dtype)
    w = rng.standard_normal((cin, cout_g, *kernel)).astype(dtype)
    b = rng.standard_normal(cout_g * groups).astype(dtype) if draw(st.booleans()) else None
    return x, w, b, {"stride": stride, "padding": padding, "output_padding": output_padding,
                     "groups": groups, "dilation": dilation}


def _torch_call(fn, x, w, b, kw):
    with warnings.catch_warnings():  # torch warns about 'same' with even kernels
        warnings.simplefilter("ignore")
        return fn(t(x), t(w), t(b), **kw).numpy()


# --------------------------------------------------------------------------- randomized


@given(case=conv_cases(1))
def test_conv1d_matches_torch(case):
    x, w, b, kw = case
    got = F.conv1d(x, w, b, **kw)
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, _torch_call(TF.conv1d, x, w, b, kw), **tol(x.dtype))


@given(case=conv_cases(2))
def test_conv2d_matches_torch(case):
    x, w, b, kw = case
    got = F.conv2d(x, w, b, **kw)
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, _torch_call(TF.conv2d, x, w, b, kw), **tol(x.dtype))


@given(case=conv_cases(3))
def test_conv3d_matches_torch(case):
    x, w, b, kw = case
    got = F.conv3d(x, w, b, **kw)
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, _torch_call(TF.conv3d, x, w, b, kw), **tol(x.dtype))


@given(case=conv_transpose_cases(1))
def test_conv_transpose1d_matches_torch(case):
    x, w, b, kw = case
    got = F.conv_transpose1d(x, w, b, **kw)
    assert got.dtype == x.dtype
    want = _torch_call(TF.conv_transpose1d, x, w, b, kw)
    np.testing.assert_allclose(got, want, **tol(x.dtype))


@given(case=conv_transpose_cases(2))
def test_conv_transpose2d_matches_torch(case):
    x, w, b, kw = case
    got = F.conv_transpose2d(x, w, b, **kw)
    assert got.dtype == x.dtype
    want = _torch_call(TF.conv_transpose2d, x, w, b, kw)
    np.testing.assert_allclose(got, want, **tol(x.dtype))


@given(case=conv_transpose_cases(3))
def test_conv_transpose3d_matches_torch(case):
    x, w, b, kw = case
    got = F.conv_transpose3d(x, w, b, **kw)
    assert got.dtype == x.dtype
    want = _torch_call(TF.conv_transpose3d, x, w, b, kw)
    np.testing.assert_allclose(got, want, **tol(x.dtype))


@given(
    groups=st.integers(1, 4),
    per_group=st.integers(1, 4),
    rest=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    batch=st.integers(1, 2),
    dtype=st.sampled_from(DTYPES),
)
def test_channel_shuffle_matches_torch(groups, per_group, rest, batch, dtype):
    x = np.arange(batch * groups * per_group * np.prod(rest)).astype(dtype)
    x = x.reshape(batch, groups * per_group, *rest)
    got = F.channel_shuffle(x, groups)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, TF.channel_shuffle(t(x), groups).numpy())
    np.testing.assert_array_equal(got, torch.nn.ChannelShuffle(groups)(t(x)).numpy())


@st.composite
def separable_cases(draw):
    channels = draw(st.integers(1, 3))
    mult = draw(st.integers(1, 2))
    cout = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilation, dil = per_dim(draw, 2, 1, 2)
    if draw(st.booleans()):
        stride, padding, pads = 1, "same", (0, 0)
    else:
        stride, _ = per_dim(draw, 2, 1, 2)
        padding, pads = per_dim(draw, 2, 0, 2)
    size = [
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(1, d * (k - 1) + 1 - 2 * p) + 4))
        for k, d, p in zip((kh, kw), dil, pads, strict=True)
    ]
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((draw(st.integers(1, 2)), channels, *size)).astype(dtype)
    dw = rng.standard_normal((channels * mult, 1, kh, kw)).astype(dtype)
    pw = rng.standard_normal((cout, channels * mult, 1, 1)).astype(dtype)
    dwb = rng.standard_normal(channels * mult).astype(dtype) if draw(st.booleans()) else None
    pwb = rng.standard_normal(cout).astype(dtype) if draw(st.booleans()) else None
    return x, dw, pw, dwb, pwb, {"stride": stride, "padding": padding, "dilation": dilation}


@given(case=separable_cases())
def test_depthwise_separable_matches_torch_composition(case):
    x, dw, pw, dwb, pwb, kw = case
    got = F.depthwise_separable_conv2d(x, dw, pw, dwb, pwb, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mid = TF.conv2d(t(x), t(dw), t(dwb), groups=x.shape[1], **kw)
    want = TF.conv2d(mid, t(pw), t(pwb)).numpy()
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, want, **tol(x.dtype))


@given(case=separable_cases())
def test_spatially_separable_matches_torch_outer_kernel(case):
    x, dw, _, _, _, kw = case
    column = dw[0, 0, :, 0].copy()
    row = dw[-1, 0, 0, :].copy()
    channels = x.shape[1]
    got = F.spatially_separable_conv2d(x, column, row, kw["stride"], kw["padding"])
    kernel = np.broadcast_to(np.outer(column, row), (channels, 1, column.size, row.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = TF.conv2d(t(x), t(kernel), stride=kw["stride"], padding=kw["padding"],
                         groups=channels).numpy()
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, want, **tol(x.dtype))


@given(
    cin=st.integers(1, 3),
    cout=st.integers(1, 3),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    padding=st.one_of(st.integers(0, 2), st.just("same"), st.just("valid"),
                      st.tuples(st.integers(0, 2), st.integers(0, 2))),
    extra=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    bias=st.booleans(),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_flattened_conv_matches_torch_rank1_conv(cin, cout, kh, kw, padding, extra, bias, dtype,
                                                 seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, cin, kh + extra[0], kw + extra[1])).astype(dtype)
    lateral = rng.standard_normal((cout, cin)).astype(dtype)
    vertical = rng.standard_normal((cout, kh)).astype(dtype)
    horizontal = rng.standard_normal((cout, kw)).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype) if bias else None
    got = F.flattened_conv2d(x, lateral, vertical, horizontal, b, padding=padding)
    weight = torch.einsum("oc,oi,oj->ocij", t(lateral), t(vertical), t(horizontal))
    np.testing.assert_allclose(F.rank1_kernel(lateral, vertical, horizontal), weight.numpy(),
                               **tol(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = TF.conv2d(t(x), weight, t(b), padding=padding).numpy()
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, want, **tol(dtype))


# --------------------------------------------------------------------------- hand-computed


def test_conv1d_hand_cases():
    x = np.array([[[1, 2, 3, 4, 5]]])
    edge = np.array([[[1, 0, -1]]])
    np.testing.assert_array_equal(F.conv1d(x, edge), [[[-2, -2, -2]]])
    np.testing.assert_array_equal(F.conv1d(x, edge, stride=2, padding=1), [[[-2, -2, 4]]])
    np.testing.assert_array_equal(F.conv1d(x, np.array([[[1, 1]]]), dilation=2), [[[4, 6, 8]]])
    # 'same' with an even kernel: the extra zero goes at the end, as in torch.
    np.testing.assert_array_equal(
        F.conv1d(np.array([[[1, 2, 3]]]), np.array([[[1, 1]]]), padding="same"), [[[3, 5, 3]]]
    )
    np.testing.assert_array_equal(
        F.conv1d(x, edge, bias=np.array([10]), padding="valid"), [[[8, 8, 8]]]
    )


def test_conv2d_hand_cases():
    x = np.arange(9).reshape(1, 1, 3, 3)
    w = np.array([[[[1, 2], [3, 4]]]])
    np.testing.assert_array_equal(F.conv2d(x, w), [[[[27, 37], [57, 67]]]])
    np.testing.assert_array_equal(F.conv2d(x, w, stride=2, padding=1),
                                  [[[[0, 11], [30, 67]]]])
    # groups=2: each channel scaled by its own 1x1 kernel.
    x2 = np.stack([np.ones((2, 2), int), np.arange(4).reshape(2, 2)])[None]
    got = F.conv2d(x2, np.array([2, 3]).reshape(2, 1, 1, 1), groups=2)
    np.testing.assert_array_equal(got, [[[[2, 2], [2, 2]], [[0, 3], [6, 9]]]])
    # Two input channels summed by one filter.
    got = F.conv2d(x2, np.ones((1, 2, 2, 2), int))
    np.testing.assert_array_equal(got, [[[[10]]]])


def test_conv3d_hand_cases():
    x = np.arange(8).reshape(1, 1, 2, 2, 2)
    np.testing.assert_array_equal(F.conv3d(x, np.ones((1, 1, 2, 2, 2), int)), [[[[[28]]]]])
    corner = np.zeros((1, 1, 2, 2, 2), int)
    corner[0, 0, 1, 1, 1] = 1
    np.testing.assert_array_equal(F.conv3d(x, corner), [[[[[7]]]]])
    got = F.conv3d(x, np.ones((1, 1, 1, 1, 1), int), padding=(1, 0, 0))
    np.testing.assert_array_equal(got[0, 0, :, 0, 0], [0, 0, 4, 0])


def test_conv_transpose_hand_cases():
    x = np.array([[[1, 2]]])
    w = np.array([[[1, 1, 1]]])
    np.testing.assert_array_equal(F.conv_transpose1d(x, w, stride=2), [[[1, 1, 3, 2, 2]]])
    np.testing.assert_array_equal(F.conv_transpose1d(x, w, stride=2, padding=1), [[[1, 3, 2]]])
    np.testing.assert_array_equal(
        F.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1), [[[1, 3, 2, 2]]]
    )
    np.testing.assert_array_equal(
        F.conv_transpose1d(x, np.array([[[1, 1]]]), dilation=2), [[[1, 2, 1, 2]]]
    )
    np.testing.assert_array_equal(
        F.conv_transpose1d(x, np.array([[[1, 10]]]), bias=np.array([5])), [[[6, 17, 25]]]
    )
    ones = np.ones((1, 1, 2, 2), int)
    np.testing.assert_array_equal(F.conv_transpose2d(ones, ones),
                                  [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]])
    got = F.conv_transpose3d(np.ones((1, 1, 1, 1, 1), int), np.arange(8).reshape(1, 1, 2, 2, 2))
    np.testing.assert_array_equal(got, np.arange(8).reshape(1, 1, 2, 2, 2))


def test_channel_shuffle_hand_cases():
    x = np.arange(6).reshape(1, 6, 1)
    np.testing.assert_array_equal(F.channel_shuffle(x, 2)[0, :, 0], [0, 3, 1, 4, 2, 5])
    np.testing.assert_array_equal(F.channel_shuffle(x, 3)[0, :, 0], [0, 2, 4, 1, 3, 5])
    np.testing.assert_array_equal(F.channel_shuffle(x, 1), x)


def test_compound_hand_cases():
    x = np.stack([np.ones((3, 3), int), 2 * np.ones((3, 3), int)])[None]
    got = F.depthwise_separable_conv2d(
        x, np.ones((2, 1, 2, 2), int), np.array([[1, 1], [1, -1]]).reshape(2, 2, 1, 1)
    )
    np.testing.assert_array_equal(got[0, :, 0, 0], [12, -4])
    assert got.shape == (1, 2, 2, 2)

    img = np.arange(16).reshape(1, 1, 4, 4)
    got = F.spatially_separable_conv2d(img, np.array([1, 2]), np.array([1]))
    np.testing.assert_array_equal(got[0, 0], img[0, 0, :3] + 2 * img[0, 0, 1:])

    x = np.stack([np.arange(9).reshape(3, 3), np.zeros((3, 3), int)])[None]
    got = F.flattened_conv2d(x, np.array([[2, 5]]), np.array([[1, 1, 1]]), np.array([[1, 0, -1]]))
    np.testing.assert_array_equal(got, [[[[-12]]]])

    w = F.rank1_kernel(np.array([[1, 2]]), np.array([[1, 2]]), np.array([[1, 10]]))
    np.testing.assert_array_equal(w, [[[[1, 10], [2, 20]], [[2, 20], [4, 40]]]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_is_preserved_by_every_op(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 5, 5)).astype(dtype)
    w = rng.standard_normal((2, 2, 3, 3)).astype(dtype)
    vec = rng.standard_normal(3).astype(dtype)
    outs = [
        F.conv1d(x[:, :, 0], w[:, :, 0]),
        F.conv2d(x, w, vec[:2], padding="same"),
        F.conv3d(x[:, :, None], w[:, :, None]),
        F.conv_transpose1d(x[:, :, 0], w[:, :, 0], stride=2),
        F.conv_transpose2d(x, w, stride=2, output_padding=1),
        F.conv_transpose3d(x[:, :, None], w[:, :, None]),
        F.channel_shuffle(x, 2),
        F.depthwise_separable_conv2d(x, w[:, :1], w[:, :, :1, :1]),
        F.spatially_separable_conv2d(x, vec, vec),
        F.flattened_conv2d(x, w[:, :, 0, 0], w[:, 0, 0], w[:, 0, :, 0]),
        F.rank1_kernel(w[:, :, 0, 0], w[:, 0, 0], w[:, 0, :, 0]),
    ]
    assert [o.dtype for o in outs] == [np.dtype(dtype)] * len(outs)


def test_inputs_are_not_modified():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2))
    before = x.copy(), w.copy()
    F.conv2d(x, w, padding=1)
    F.conv_transpose2d(x, w, stride=2)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(w, before[1])
