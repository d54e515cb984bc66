"""Convolutions written as explicit Python loops, one multiplication at a time.

These functions exist to be read line by line next to the lessons, and to *count* the
multiplications they perform. They are slow (pure Python loops): use them on tiny
inputs only, and :mod:`convlessons.functional` for anything bigger. Arguments, layouts
and results match :mod:`convlessons.functional` (and so ``torch.nn.functional``).

Counting: pass a :class:`MultiplicationCounter` as ``counter=``; every scalar product
goes through :meth:`MultiplicationCounter.mul`, which adds one to ``.count``. Zeros that
come from padding are multiplied like any other value, so they are counted too; bias
additions are additions and are not counted.

>>> counter = MultiplicationCounter()
>>> out = conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), counter=counter)
>>> counter.count
81
"""

from __future__ import annotations

import numpy as np

from convlessons._validate import check_array, describe
from convlessons.functional import _check_conv_args, _check_conv_transpose_args

__all__ = [
    "MultiplicationCounter",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "convolve2d",
    "correlate2d",
    "spatially_separable_conv2d",
    "channel_shuffle",
]


class MultiplicationCounter:
    """Counts scalar multiplications performed by the functions of this module.

    Attributes:
        count: number of multiplications so far (an int).

    >>> c = MultiplicationCounter()
    >>> c.mul(3, 4), c.count
    (12, 1)
    """

    def __init__(self):
        self.count = 0

    def mul(self, a, b):
        """Return ``a * b`` and count one multiplication."""
        self.count += 1
        return a * b

    def reset(self):
        """Set the count back to zero."""
        self.count = 0

    def __repr__(self):
        return f"MultiplicationCounter(count={self.count})"


def _check_counter(counter):
    if counter is None:
        return MultiplicationCounter()
    if not isinstance(counter, MultiplicationCounter):
        raise TypeError(
            f"counter must be a MultiplicationCounter or None, got counter={describe(counter)}"
        )
    return counter


def _result_dtype(*arrays):
    return np.result_type(*[a for a in arrays if a is not None])


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, counter=None):
    """1-D convolution with explicit loops (tiny inputs only); see ``functional.conv1d``.

    Args:
        input: array ``(N, C_in, L)``.
        weight: array ``(C_out, C_in / groups, kL)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation, groups: as in :func:`convlessons.functional.conv1d`.
        counter: optional :class:`MultiplicationCounter`.

    Returns:
        Array ``(N, C_out, L_out)``.

    >>> conv1d(np.array([[[1, 2, 3, 4]]]), np.array([[[1, 1]]]))
    array([[[3, 5, 7]]])
    """
    x, w, bias, stride, pads, dilation, groups = _check_conv_args(
        1, input, weight, bias, stride, padding, dilation, groups
    )
    counter = _check_counter(counter)
    x = np.pad(x, [(0, 0), (0, 0), pads[0]])
    batch, _, length = x.shape
    out_channels, group_channels, k = w.shape
    (s,), (d,) = stride, dilation
    out_length = (length - d * (k - 1) - 1) // s + 1
    per_group = out_channels // groups
    out = np.zeros((batch, out_channels, out_length), dtype=_result_dtype(x, w, bias))
    for n in range(batch):
        for o in range(out_channels):
            first = (o // per_group) * group_channels  # first input channel of o's group
            for i in range(out_length):
                total = 0
                for c in range(group_channels):
                    for u in range(k):
                        total += counter.mul(x[n, first + c, i * s + u * d], w[o, c, u])
                if bias is not None:
                    total += bias[o]
                out[n, o, i] = total
    return out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, counter=None):
    """2-D convolution with explicit loops (tiny inputs only); see ``functional.conv2d``.

    Each output value is a sum over the input channels of its group and over the
    ``kH x kW`` kernel taps: ``C_in / groups * kH * kW`` multiplications.

    Args:
        input: array ``(N, C_in, H, W)``.
        weight: array ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation, groups: as in :func:`convlessons.functional.conv2d`.
        counter: optional :class:`MultiplicationCounter`.

    Returns:
        Array ``(N, C_out, H_out, W_out)``.

    >>> conv2d(np.arange(9).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2), dtype=int))
    array([[[[ 8, 12],
             [20, 24]]]])
    """
    x, w, bias, stride, pads, dilation, groups = _check_conv_args(
        2, input, weight, bias, stride, padding, dilation, groups
    )
    counter = _check_counter(counter)
    x = np.pad(x, [(0, 0), (0, 0), pads[0], pads[1]])
    batch, _, height, width = x.shape
    out_channels, group_channels, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    out_h = (height - dh * (kh - 1) - 1) // sh + 1
    out_w = (width - dw * (kw - 1) - 1) // sw + 1
    per_group = out_channels // groups
    out = np.zeros((batch, out_channels, out_h, out_w), dtype=_result_dtype(x, w, bias))
    for n in range(batch):
        for o in range(out_channels):
            first = (o // per_group) * group_channels  # first input channel of o's group
            for i in range(out_h):
                for j in range(out_w):
                    total = 0
                    for c in range(group_channels):
                        for u in range(kh):
                            for v in range(kw):
                                pixel = x[n, first + c, i * sh + u * dh, j * sw + v * dw]
                                total += counter.mul(pixel, w[o, c, u, v])
                    if bias is not None:
                        total += bias[o]
                    out[n, o, i, j] = total
    return out


def conv_transpose2d(
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
    counter=None,
):
    """2-D transposed convolution in scatter-add form (tiny inputs only).

    Every input value is multiplied by the whole kernel and the products are *added*
    into the output, starting at ``stride`` times the input position; overlapping
    contributions sum up. Finally ``padding`` rows/columns are cut from every border
    (``output_padding`` extra ones stay at the bottom/right). Same arguments and result
    as :func:`convlessons.functional.conv_transpose2d`.

    Args:
        input: array ``(N, C_in, H, W)``.
        weight: array ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, groups, dilation: as in torch.
        counter: optional :class:`MultiplicationCounter`.

    Returns:
        Array ``(N, C_out, H_out, W_out)``.

    >>> conv_transpose2d(np.array([[[[1, 2]]]]), np.ones((1, 1, 1, 2), dtype=int), stride=2)
    array([[[[1, 1, 2, 2]]]])
    """
    x, w, bias, stride, pad, out_pad, groups, dilation, out_size = _check_conv_transpose_args(
        2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
    counter = _check_counter(counter)
    batch, in_channels, height, width = x.shape
    _, per_group, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    in_per_group = in_channels // groups
    # The uncropped output, big enough for every scattered product plus output_padding.
    full_h = (height - 1) * sh + dh * (kh - 1) + 1 + out_pad[0]
    full_w = (width - 1) * sw + dw * (kw - 1) + 1 + out_pad[1]
    full = np.zeros((batch, per_group * groups, full_h, full_w), _result_dtype(x, w, bias))
    for n in range(batch):
        for c in range(in_channels):
            group = c // in_per_group
            for i in range(height):
                for j in range(width):
                    for oc in range(per_group):
                        o = group * per_group + oc
                        for u in range(kh):
                            for v in range(kw):
                                product = counter.mul(x[n, c, i, j], w[c, oc, u, v])
                                full[n, o, i * sh + u * dh, j * sw + v * dw] += product
    out = full[:, :, pad[0] : pad[0] + out_size[0], pad[1] : pad[1] + out_size[1]].copy()
    if bias is not None:
        out += bias.reshape(-1, 1, 1)
    return out


def _check_2d_pair(x, k):
    x = check_array(x, 2, "x", layout="(H, W)")
    k = check_array(k, 2, "k", layout="(kH, kW)")
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(
            f"k must not be larger than x in either dimension ('valid' mode), got "
            f"k.shape={k.shape} for x.shape={x.shape}"
        )
    return x, k


def correlate2d(x, k, counter=None):
    """2-D cross-correlation of two plain 2-D arrays, 'valid' mode (tiny inputs only).

    ``out[i, j] = sum over u, v of x[i + u, j + v] * k[u, v]``: the kernel slides over
    the image without being flipped (what deep-learning libraries call convolution).

    Args:
        x: array ``(H, W)``.
        k: array ``(kH, kW)``, not larger than ``x``.
        counter: optional :class:`MultiplicationCounter`.

    Returns:
        Array ``(H - kH + 1, W - kW + 1)``.

    >>> correlate2d(np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 0, -1]]))
    array([[-2],
           [-2]])
    """
    x, k = _check_2d_pair(x, k)
    counter = _check_counter(counter)
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1), _result_dtype(x, k))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0
            for u in range(kh):
                for v in range(kw):
                    total += counter.mul(x[i + u, j + v], k[u, v])
            out[i, j] = total
    return out


def convolve2d(x, k, counter=None):
    """2-D convolution in the mathematical sense (kernel flipped), 'valid' mode.

    ``out[i, j] = sum over u, v of x[i + u, j + v] * k[kH - 1 - u, kW - 1 - v]``;
    equal to ``scipy.signal.convolve2d(x, k, mode='valid')``. Tiny inputs only.

    Args:
        x: array ``(H, W)``.
        k: array ``(kH, kW)``, not larger than ``x``.
        counter: optional :class:`MultiplicationCounter`.

    Returns:
        Array ``(H - kH + 1, W - kW + 1)``.

    >>> convolve2d(np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 0, -1]]))
    array([[2],
           [2]])
    """
    x, k = _check_2d_pair(x, k)
    counter = _check_counter(counter)
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1), _result_dtype(x, k))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0
            for u in range(kh):
                for v in range(kw):
                    total += counter.mul(x[i + u, j + v], k[kh - 1 - u, kw - 1 - v])
            out[i, j] = total
    return out


def spatially_separable_conv2d(x, column, row, counter=None):
    """Correlate a 2-D image with ``np.outer(column, row)`` in two 1-D passes, 'valid'.

    First the ``(kH x 1)`` column kernel runs down every column, giving an
    ``(H - kH + 1, W)`` intermediate; then the ``(1 x kW)`` row kernel runs along every
    row of it. On a 5x5 image with 3-tap kernels that is 3 * 5 * 3 = 45 plus
    3 * 3 * 3 = 27 multiplications, 72 in all, against 81 for the full 3x3 kernel.
    Tiny inputs only.

    Args:
        x: array ``(H, W)``.
        column: 1-D array ``(kH,)``.
        row: 1-D array ``(kW,)``.
        counter: optional :class:`MultiplicationCounter`.

    Returns:
        Array ``(H - kH + 1, W - kW + 1)``, equal to
        ``correlate2d(x, np.outer(column, row))``.

    >>> c = MultiplicationCounter()
    >>> spatially_separable_conv2d(np.ones((5, 5)), np.ones(3), np.ones(3), counter=c)
    array([[9., 9., 9.],
           [9., 9., 9.],
           [9., 9., 9.]])
    >>> c.count
    72
    """
    x = check_array(x, 2, "x", layout="(H, W)")
    column = check_array(column, 1, "column", layout="(kH,)")
    row = check_array(row, 1, "row", layout="(kW,)")
    if column.shape[0] > x.shape[0]:
        raise ValueError(
            f"column must not be longer than the image height, got column.shape="
            f"{column.shape} for x.shape={x.shape}"
        )
    if row.shape[0] > x.shape[1]:
        raise ValueError(
            f"row must not be longer than the image width, got row.shape={row.shape} "
            f"for x.shape={x.shape}"
        )
    counter = _check_counter(counter)
    kh, kw = column.shape[0], row.shape[0]
    height, width = x.shape
    dtype = _result_dtype(x, column, row)
    # Pass 1: the column kernel, down each column.
    middle = np.zeros((height - kh + 1, width), dtype)
    for i in range(height - kh + 1):
        for j in range(width):
            total = 0
            for u in range(kh):
                total += counter.mul(x[i + u, j], column[u])
            middle[i, j] = total
    # Pass 2: the row kernel, along each row of the intermediate.
    out = np.zeros((height - kh + 1, width - kw + 1), dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0
            for v in range(kw):
                total += counter.mul(middle[i, j + v], row[v])
            out[i, j] = total
    return out


# --------------------------------------------------------------------------- lesson 11


def channel_shuffle(input, groups):
    """Channel shuffle with an explicit loop over channels; see ``functional.channel_shuffle``.

    The ``C = g·n`` channels are ``g`` groups of ``n``. Channel ``i·n + j`` (group ``i``,
    position ``j`` in it) is copied to position ``j·g + i``, so the output lists the
    first channel of every group, then the second of every group, and so on. No
    multiplications: the shuffle only moves data.

    Args:
        input: array ``(N, C, *)`` with at least 3 dimensions.
        groups: positive int dividing ``C``.

    Returns:
        Array of the same shape and dtype.

    >>> channel_shuffle(np.arange(6).reshape(1, 6, 1), 3)[0, :, 0]
    array([0, 2, 4, 1, 3, 5])
    """
    from convlessons import functional

    functional.channel_shuffle(input, groups)  # same validation, same messages
    channels = input.shape[1]
    n = channels // groups
    out = np.empty_like(input)
    for i in range(groups):  # group i
        for j in range(n):  # position j inside the group
            out[:, j * groups + i] = input[:, i * n + j]
    return out
