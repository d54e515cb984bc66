"""Numpy reference implementations of the convolutions used in deep learning.

Names, argument order and tensor layouts follow ``torch.nn.functional``: inputs are
``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``; convolution weights are
``(C_out, C_in / groups, *kernel)``; transposed-convolution weights are
``(C_in, C_out / groups, *kernel)``. Like torch, "convolution" here means
cross-correlation (the kernel is not flipped).

How it works. One N-dimensional core, :func:`_convnd`, serves 1-D, 2-D and 3-D:

1. pad the input (``np.pad``);
2. take every kernel-sized window with ``numpy.lib.stride_tricks.sliding_window_view``
   (no copy) and keep every ``stride``-th window and every ``dilation``-th tap by slicing
   that view;
3. copy the windows once into a contiguous "im2col" matrix of shape
   ``(groups, C_in/groups * prod(kernel), N * prod(output))``;
4. multiply by the weight reshaped to ``(groups, C_out/groups, C_in/groups *
   prod(kernel))`` with ``np.matmul`` (one BLAS matrix product per group, covering the
   whole batch) and move the batch axis back to the front: ``(N, C_out, *output)``.

Transposed convolutions reuse the same core through the *zero-insertion* formulation:
put ``stride - 1`` zeros between neighbouring input samples, pad every side with
``dilation * (kernel - 1) - padding`` zeros (a negative amount crops) plus
``output_padding`` extra zeros at the end, then run an ordinary stride-1 convolution
with the kernel flipped in space and its two channel axes swapped (per group). It is
the textbook picture of a transposed convolution, at the price of multiplying many
inserted zeros; :func:`convlessons.naive.conv_transpose2d` shows the scatter-add form.

Results keep the input dtype: float32 in, float32 out; float64 in, float64 out (mixed
dtypes follow numpy's promotion rules; integer arrays give integer results).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convlessons._validate import as_tuple, check_array, check_int

__all__ = [
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "depthwise_separable_conv2d",
    "depthwise_separable_equivalent_kernel",
    "flattened_conv2d",
    "rank1_kernel",
    "spatially_separable_conv2d",
    "zero_insert",
    "conv_transpose2d_direct",
    "grouped_conv2d_split",
]

_INPUT_LAYOUT = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}
_KERNEL_LAYOUT = {1: "(kL,)", 2: "(kH, kW)", 3: "(kD, kH, kW)"}


# --------------------------------------------------------------------------- core


def _show(values):
    """A 1-tuple prints as its int, longer tuples as tuples (for messages)."""
    return values[0] if len(values) == 1 else values


def _resolve_padding(padding, kernel, dilation, stride, allow_strings=True):
    """Turn ``padding`` into one ``(before, after)`` pair per spatial dimension.

    ``'valid'`` means no padding; ``'same'`` (stride 1 only) pads ``dilation *
    (kernel - 1)`` in total per dimension, half before and the rest after, so an even
    effective kernel gets the extra zero at the end, exactly as torch does.
    """
    n = len(kernel)
    if isinstance(padding, str):
        if not allow_strings:
            raise TypeError(
                f"padding must be a non-negative int or a tuple of {n} non-negative ints, "
                f"got padding={padding!r}"
            )
        if padding == "valid":
            return [(0, 0)] * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    "padding='same' is only supported with stride=1 (a strided output "
                    f"cannot keep the input size), got stride={_show(stride)}"
                )
            pairs = []
            for k, d in zip(kernel, dilation, strict=True):
                total = d * (k - 1)
                pairs.append((total // 2, total - total // 2))
            return pairs
        raise ValueError(
            f"padding must be a non-negative int, a tuple of {n} non-negative ints, or "
            f"one of 'valid', 'same', got padding={padding!r}"
        )
    pad = as_tuple(padding, n, "padding", 0, alternatives="one of 'valid', 'same'")
    return [(p, p) for p in pad]


def _convnd(x, w, bias, stride, pads, dilation, groups):
    """Grouped N-d cross-correlation (no argument checks: callers validate).

    Args:
        x: input ``(N, C_in, *spatial)``.
        w: weight ``(C_out, C_in / groups, *kernel)``.
        bias: ``(C_out,)`` or None.
        stride, dilation: tuples of ints, one per spatial dimension.
        pads: one ``(before, after)`` pair per spatial dimension; a negative entry crops.
        groups: number of channel groups.

    Returns:
        ``(N, C_out, *output)`` array.
    """
    n = x.ndim - 2
    arrays = [x, w] if bias is None else [x, w, bias]
    dtype = np.result_type(*arrays)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)

    # Negative padding crops, positive padding adds zeros.
    if any(b < 0 or a < 0 for b, a in pads):
        crop = tuple(
            slice(max(-b, 0), size - max(-a, 0))
            for (b, a), size in zip(pads, x.shape[2:], strict=True)
        )
        x = x[(slice(None), slice(None)) + crop]
    if any(b > 0 or a > 0 for b, a in pads):
        x = np.pad(x, [(0, 0), (0, 0)] + [(max(b, 0), max(a, 0)) for b, a in pads])

    batch, channels = x.shape[:2]
    out_channels = w.shape[0]
    kernel = w.shape[2:]
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))

    # (N, C, *windows, *span) view; keep every stride-th window and dilation-th tap.
    windows = sliding_window_view(x, span, axis=tuple(range(2, 2 + n)))
    take = (slice(None), slice(None))
    take += tuple(slice(None, None, s) for s in stride)
    take += tuple(slice(None, None, d) for d in dilation)
    windows = windows[take]
    out_shape = windows.shape[2 : 2 + n]

    # im2col: (N, g, C/g, *out, *kernel) -> (g, C/g, *kernel, N, *out), one contiguous
    # copy, so that each group is ONE big matrix product over the whole batch (one BLAS
    # call per group is much faster than one per sample, above all on a busy machine).
    cg = channels // groups
    taps = cg * math.prod(kernel)
    positions = math.prod(out_shape)
    windows = windows.reshape(batch, groups, cg, *out_shape, *kernel)
    order = (1, 2, *range(3 + n, 3 + 2 * n), 0, *range(3, 3 + n))
    cols = np.ascontiguousarray(windows.transpose(order)).reshape(groups, taps, batch * positions)

    # (g, C_out/g, C_in/g * K) @ (g, C_in/g * K, N * P) -> (g, C_out/g, N * P)
    wmat = w.reshape(groups, out_channels // groups, taps)
    out = np.matmul(wmat, cols).reshape(groups, out_channels // groups, batch, positions)
    out = out.transpose(2, 0, 1, 3).reshape(batch, out_channels, *out_shape)
    if bias is not None:
        out += bias.astype(dtype, copy=False).reshape(out_channels, *([1] * n))
    return out


# --------------------------------------------------------------------------- validation


def _check_bias(bias, out_channels):
    if bias is None:
        return None
    bias = check_array(bias, 1, "bias", layout="(C_out,)")
    if bias.shape[0] != out_channels:
        raise ValueError(
            f"bias must be a 1-D array with one entry per output channel (C_out="
            f"{out_channels}), got bias.shape={bias.shape}"
        )
    return bias


def _check_groups(groups, in_channels, out_channels, out_name):
    groups = check_int(groups, "groups", 1)
    if in_channels % groups:
        raise ValueError(
            f"groups must divide the input channels, got groups={groups} with "
            f"input.shape[1]={in_channels}"
        )
    if out_channels % groups:
        raise ValueError(
            f"groups must divide the output channels, got groups={groups} with "
            f"{out_name}={out_channels}"
        )
    return groups


def _check_kernel_fits(x_shape, kernel, dilation, pads, names=None):
    """Raise if a kernel spans more than the padded input; ``names`` gives the argument
    holding each dimension's kernel (default: ``weight``)."""
    names = names or ("weight",) * len(kernel)
    rows = zip(x_shape[2:], kernel, dilation, pads, names, strict=True)
    for axis, (size, k, d, (b, a), name) in enumerate(rows):
        padded = size + b + a
        span = d * (k - 1) + 1
        if span > padded:
            raise ValueError(
                f"{name}'s kernel is larger than the padded input in spatial dimension "
                f"{axis}: kernel size {k} with dilation {d} spans {span}, but the padded "
                f"input has {padded} (input size {size} + padding {b} + {a}); got "
                f"kernel {tuple(kernel)}, input.shape={tuple(x_shape)}"
            )


def _check_conv_args(n, input, weight, bias, stride, padding, dilation, groups):
    """Validate the arguments of an n-d convolution (shared with ``naive``).

    Returns:
        ``(x, w, bias, stride, pads, dilation, groups)`` with tuples expanded and
        ``pads`` as one ``(before, after)`` pair per spatial dimension.
    """
    x = check_array(input, n + 2, "input", layout=_INPUT_LAYOUT[n])
    w = check_array(weight, n + 2, "weight", layout=f"(C_out, C_in/groups, *{_KERNEL_LAYOUT[n]})")
    stride = as_tuple(stride, n, "stride", 1)
    dilation = as_tuple(dilation, n, "dilation", 1)
    out_channels = w.shape[0]
    groups = _check_groups(groups, x.shape[1], out_channels, "weight.shape[0]")
    if w.shape[1] * groups != x.shape[1]:
        raise ValueError(
            f"weight.shape[1] must equal input channels / groups = {x.shape[1]} / {groups} "
            f"= {x.shape[1] // groups}, got weight.shape={w.shape} for "
            f"input.shape={x.shape}"
        )
    bias = _check_bias(bias, out_channels)
    pads = _resolve_padding(padding, w.shape[2:], dilation, stride)
    _check_kernel_fits(x.shape, w.shape[2:], dilation, pads)
    return x, w, bias, stride, pads, dilation, groups


def _conv(n, input, weight, bias, stride, padding, dilation, groups):
    """Validate the arguments of conv1d/2d/3d and run the core."""
    args = _check_conv_args(n, input, weight, bias, stride, padding, dilation, groups)
    return _convnd(*args)


def _check_conv_transpose_args(
    n, input, weight, bias, stride, padding, output_padding, groups, dilation
):
    """Validate the arguments of an n-d transposed convolution (shared with ``naive``).

    Returns:
        ``(x, w, bias, stride, padding, output_padding, groups, dilation, out_size)``
        with tuples expanded and ``out_size`` the spatial output size.
    """
    x = check_array(input, n + 2, "input", layout=_INPUT_LAYOUT[n])
    w = check_array(
        weight, n + 2, "weight", layout=f"(C_in, C_out/groups, *{_KERNEL_LAYOUT[n]})"
    )
    stride = as_tuple(stride, n, "stride", 1)
    dilation = as_tuple(dilation, n, "dilation", 1)
    kernel = w.shape[2:]
    pad = _resolve_padding(padding, kernel, dilation, stride, allow_strings=False)
    pad = tuple(b for b, _ in pad)
    out_pad = as_tuple(output_padding, n, "output_padding", 0)
    for op, s, d in zip(out_pad, stride, dilation, strict=True):
        if op >= s and op >= d:
            raise ValueError(
                "output_padding must be smaller than stride or dilation in every "
                f"dimension, got output_padding={_show(out_pad)} with stride="
                f"{_show(stride)} and dilation={_show(dilation)}"
            )
    in_channels = x.shape[1]
    if w.shape[0] != in_channels:
        raise ValueError(
            f"weight.shape[0] must equal the input channels input.shape[1]={in_channels} "
            f"(transposed weights are (C_in, C_out/groups, *kernel)), got "
            f"weight.shape={w.shape}"
        )
    groups = _check_groups(groups, in_channels, in_channels, "weight.shape[0]")
    out_channels = w.shape[1] * groups
    bias = _check_bias(bias, out_channels)
    out_size = []
    for axis, (size, k, s, p, op, d) in enumerate(
        zip(x.shape[2:], kernel, stride, pad, out_pad, dilation, strict=True)
    ):
        length = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
        if length < 1:
            raise ValueError(
                f"padding={padding!r} is too large: the output would have size {length} "
                f"in spatial dimension {axis} ((input {size} - 1) * stride {s} - 2 * "
                f"padding {p} + dilation {d} * (kernel {k} - 1) + output_padding {op} + 1)"
            )
        out_size.append(length)
    return x, w, bias, stride, pad, out_pad, groups, dilation, tuple(out_size)


def _conv_transpose(n, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """Validate the arguments of conv_transpose1d/2d/3d and run the core on the
    zero-inserted input with the flipped, channel-swapped kernel."""
    x, w, bias, stride, pad, out_pad, groups, dilation, _ = _check_conv_transpose_args(
        n, input, weight, bias, stride, padding, output_padding, groups, dilation
    )
    kernel = w.shape[2:]
    in_channels = x.shape[1]
    out_channels = w.shape[1] * groups
    # Zero insertion: stride - 1 zeros between neighbouring samples.
    dtype = np.result_type(*([x, w] if bias is None else [x, w, bias]))
    batch = x.shape[0]
    up_size = [(size - 1) * s + 1 for size, s in zip(x.shape[2:], stride, strict=True)]
    up = np.zeros((batch, in_channels, *up_size), dtype=dtype)
    up[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)] = x
    pads = [
        (d * (k - 1) - p, d * (k - 1) - p + op)
        for k, d, p, op in zip(kernel, dilation, pad, out_pad, strict=True)
    ]
    # (C_in, C_out/g, *k) -> (g, C_in/g, C_out/g, *k) -> (C_out, C_in/g, *k), flipped.
    cg = in_channels // groups
    w2 = w.reshape(groups, cg, w.shape[1], *kernel).swapaxes(1, 2)
    w2 = w2.reshape(out_channels, cg, *kernel)
    w2 = w2[(slice(None), slice(None)) + (slice(None, None, -1),) * n]
    return _convnd(up, w2, bias, (1,) * n, pads, dilation, groups)


# --------------------------------------------------------------------------- convolutions


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation), like ``torch.nn.functional.conv1d``.

    Args:
        input: array ``(N, C_in, L)``.
        weight: array ``(C_out, C_in / groups, kL)``.
        bias: optional array ``(C_out,)``.
        stride: positive int or 1-tuple.
        padding: non-negative int, 1-tuple, ``'valid'`` or ``'same'`` (stride 1 only).
        dilation: positive int or 1-tuple (spacing between kernel taps).
        groups: positive int dividing ``C_in`` and ``C_out``.

    Returns:
        Array ``(N, C_out, L_out)`` with
        ``L_out = (L + 2 * padding - dilation * (kL - 1) - 1) // stride + 1``.

    >>> conv1d(np.array([[[1, 2, 3, 4]]]), np.array([[[1, 0, -1]]]))
    array([[[-2, -2]]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation), like ``torch.nn.functional.conv2d``.

    Args:
        input: array ``(N, C_in, H, W)``.
        weight: array ``(C_out, C_in / groups, kH, kW)``.
        bias: optional array ``(C_out,)``.
        stride: positive int or ``(sH, sW)``.
        padding: non-negative int, ``(pH, pW)``, ``'valid'`` or ``'same'`` (stride 1
            only; an even effective kernel gets its extra zero row/column at the end).
        dilation: positive int or ``(dH, dW)``.
        groups: positive int dividing ``C_in`` and ``C_out``.

    Returns:
        Array ``(N, C_out, H_out, W_out)``, per dimension
        ``out = (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1``.

    >>> x = np.arange(9).reshape(1, 1, 3, 3)
    >>> conv2d(x, np.ones((1, 1, 2, 2), dtype=int))
    array([[[[ 8, 12],
             [20, 24]]]])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation), like ``torch.nn.functional.conv3d``.

    Args:
        input: array ``(N, C_in, D, H, W)``.
        weight: array ``(C_out, C_in / groups, kD, kH, kW)``.
        bias: optional array ``(C_out,)``.
        stride: positive int or 3-tuple.
        padding: non-negative int, 3-tuple, ``'valid'`` or ``'same'`` (stride 1 only).
        dilation: positive int or 3-tuple.
        groups: positive int dividing ``C_in`` and ``C_out``.

    Returns:
        Array ``(N, C_out, D_out, H_out, W_out)``.

    >>> conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 2, 2, 2))).shape
    (1, 1, 2, 2, 2)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """1-D transposed convolution, like ``torch.nn.functional.conv_transpose1d``.

    Args:
        input: array ``(N, C_in, L)``.
        weight: array ``(C_in, C_out / groups, kL)``.
        bias: optional array ``(C_out,)``.
        stride: positive int or 1-tuple (zeros inserted between input samples).
        padding: non-negative int or 1-tuple: ``dilation * (kL - 1) - padding`` zeros
            are added on each side (strings are not accepted, as in torch).
        output_padding: non-negative int or 1-tuple, smaller than stride or dilation:
            extra size added at the end of the output.
        groups: positive int dividing ``C_in`` and ``C_out``.
        dilation: positive int or 1-tuple.

    Returns:
        Array ``(N, C_out, L_out)`` with ``L_out = (L - 1) * stride - 2 * padding +
        dilation * (kL - 1) + output_padding + 1``.

    >>> conv_transpose1d(np.array([[[1, 2]]]), np.array([[[1, 1, 1]]]), stride=2)
    array([[[1, 1, 3, 2, 2]]])
    """
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """2-D transposed convolution, like ``torch.nn.functional.conv_transpose2d``.

    Args:
        input: array ``(N, C_in, H, W)``.
        weight: array ``(C_in, C_out / groups, kH, kW)``.
        bias: optional array ``(C_out,)``.
        stride: positive int or ``(sH, sW)``.
        padding: non-negative int or ``(pH, pW)``; removes that many rows/columns from
            each border of the full output.
        output_padding: non-negative int or pair, each smaller than the stride or the
            dilation of its dimension; adds size at the end (bottom/right).
        groups: positive int dividing ``C_in`` and ``C_out``.
        dilation: positive int or ``(dH, dW)``.

    Returns:
        Array ``(N, C_out, H_out, W_out)``, per dimension
        ``out = (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    >>> conv_transpose2d(np.ones((1, 1, 2, 2), dtype=int), np.ones((1, 1, 2, 2), dtype=int))
    array([[[[1, 2, 1],
             [2, 4, 2],
             [1, 2, 1]]]])
    """
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """3-D transposed convolution, like ``torch.nn.functional.conv_transpose3d``.

    Args:
        input: array ``(N, C_in, D, H, W)``.
        weight: array ``(C_in, C_out / groups, kD, kH, kW)``.
        bias: optional array ``(C_out,)``.
        stride: positive int or 3-tuple.
        padding: non-negative int or 3-tuple.
        output_padding: non-negative int or 3-tuple, smaller than stride or dilation.
        groups: positive int dividing ``C_in`` and ``C_out``.
        dilation: positive int or 3-tuple.

    Returns:
        Array ``(N, C_out, D_out, H_out, W_out)``.

    >>> conv_transpose3d(np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)), stride=2).shape
    (1, 1, 4, 4, 4)
    """
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# --------------------------------------------------------------------------- channel ops


def channel_shuffle(input, groups):
    """Shuffle channels across groups, like ``torch.nn.functional.channel_shuffle``.

    The ``C`` channels are viewed as a ``(groups, C / groups)`` grid, the grid is
    transposed and flattened again, so that the next grouped convolution sees channels
    from every previous group (ShuffleNet).

    Args:
        input: array ``(N, C, *)`` with at least 3 dimensions.
        groups: positive int dividing ``C``.

    Returns:
        Array of the same shape with channel ``i * groups + j`` taken from channel
        ``j * (C / groups) + i``.

    >>> channel_shuffle(np.arange(6).reshape(1, 6, 1), 2)[0, :, 0]
    array([0, 3, 1, 4, 2, 5])
    """
    x = check_array(input, None, "input", layout="(N, C, *)")
    if x.ndim < 3:
        raise ValueError(
            f"input must be an array of shape (N, C, *) with at least 3 dimensions, got "
            f"input.shape={x.shape}"
        )
    groups = check_int(groups, "groups", 1)
    channels = x.shape[1]
    if channels % groups:
        raise ValueError(
            f"groups must divide the number of channels, got groups={groups} with "
            f"input.shape[1]={channels}"
        )
    rest = x.shape[2:]
    y = x.reshape(x.shape[0], groups, channels // groups, *rest).swapaxes(1, 2)
    return y.reshape(x.shape)


# --------------------------------------------------------------------------- compound ops


def depthwise_separable_conv2d(
    input,
    depthwise_weight,
    pointwise_weight,
    depthwise_bias=None,
    pointwise_bias=None,
    stride=1,
    padding=0,
    dilation=1,
):
    """Depthwise convolution (one kernel per channel) followed by a pointwise 1x1 one.

    Equal to ``conv2d(conv2d(x, depthwise_weight, depthwise_bias, stride, padding,
    dilation, groups=C), pointwise_weight, pointwise_bias)`` (MobileNet's block without
    normalisation and activation).

    Args:
        input: array ``(N, C, H, W)``.
        depthwise_weight: array ``(C * m, 1, kH, kW)``; ``m`` is the channel multiplier
            (usually 1).
        pointwise_weight: array ``(C_out, C * m, 1, 1)``.
        depthwise_bias: optional ``(C * m,)``.
        pointwise_bias: optional ``(C_out,)``.
        stride, padding, dilation: of the depthwise step, as in :func:`conv2d`.

    Returns:
        Array ``(N, C_out, H_out, W_out)``.

    >>> x = np.ones((1, 2, 3, 3))
    >>> dw, pw = np.ones((2, 1, 3, 3)), np.ones((4, 2, 1, 1))
    >>> depthwise_separable_conv2d(x, dw, pw)[0, :, 0, 0]
    array([18., 18., 18., 18.])
    """
    x = check_array(input, 4, "input", layout="(N, C, H, W)")
    dw = check_array(depthwise_weight, 4, "depthwise_weight", layout="(C * m, 1, kH, kW)")
    pw = check_array(pointwise_weight, 4, "pointwise_weight", layout="(C_out, C * m, 1, 1)")
    channels = x.shape[1]
    if dw.shape[1] != 1 or dw.shape[0] % channels:
        raise ValueError(
            f"depthwise_weight must have shape (C * m, 1, kH, kW) for input.shape[1]=C="
            f"{channels}, got depthwise_weight.shape={dw.shape}"
        )
    if pw.shape[1] != dw.shape[0] or pw.shape[2:] != (1, 1):
        raise ValueError(
            f"pointwise_weight must have shape (C_out, {dw.shape[0]}, 1, 1) to follow "
            f"depthwise_weight.shape={dw.shape}, got pointwise_weight.shape={pw.shape}"
        )
    try:
        depthwise_bias = _check_bias(depthwise_bias, dw.shape[0])
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("bias", "depthwise_bias")) from None
    try:
        pointwise_bias = _check_bias(pointwise_bias, pw.shape[0])
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("bias", "pointwise_bias")) from None
    y = conv2d(x, dw, depthwise_bias, stride, padding, dilation, groups=channels)
    return conv2d(y, pw, pointwise_bias)


def spatially_separable_conv2d(input, column, row, stride=1, padding=0):
    """Apply a ``(kH x 1)`` column kernel, then a ``(1 x kW)`` row kernel, to every channel.

    Each channel is filtered on its own with the same two 1-D kernels; the result equals
    ``conv2d`` with the rank-1 kernel ``np.outer(column, row)`` applied per channel
    (``groups=C``), at ``kH + kW`` instead of ``kH * kW`` multiplications per output.

    Args:
        input: array ``(N, C, H, W)``.
        column: 1-D array ``(kH,)``, the vertical kernel.
        row: 1-D array ``(kW,)``, the horizontal kernel.
        stride: positive int or ``(sH, sW)``.
        padding: non-negative int, ``(pH, pW)``, ``'valid'`` or ``'same'`` (stride 1).

    Returns:
        Array ``(N, C, H_out, W_out)``.

    >>> x = np.arange(16).reshape(1, 1, 4, 4)
    >>> spatially_separable_conv2d(x, np.array([1, 1]), np.array([1, -1]))
    array([[[[-2, -2, -2],
             [-2, -2, -2],
             [-2, -2, -2]]]])
    """
    x = check_array(input, 4, "input", layout="(N, C, H, W)")
    column = check_array(column, 1, "column", layout="(kH,)")
    row = check_array(row, 1, "row", layout="(kW,)")
    stride = as_tuple(stride, 2, "stride", 1)
    kernel = (column.shape[0], row.shape[0])
    pads = _resolve_padding(padding, kernel, (1, 1), stride)
    _check_kernel_fits(x.shape, kernel, (1, 1), pads, ("column", "row"))
    batch, channels, height, width = x.shape
    flat = x.reshape(batch * channels, 1, height, width)
    y = _convnd(flat, column.reshape(1, 1, -1, 1), None, (stride[0], 1),
                [pads[0], (0, 0)], (1, 1), 1)
    y = _convnd(y, row.reshape(1, 1, 1, -1), None, (1, stride[1]),
                [(0, 0), pads[1]], (1, 1), 1)
    return y.reshape(batch, channels, *y.shape[2:])


def rank1_kernel(lateral, vertical, horizontal):
    """Build the rank-1 weight ``W[o,c,i,j] = lateral[o,c] * vertical[o,i] * horizontal[o,j]``.

    Args:
        lateral: array ``(C_out, C_in)``.
        vertical: array ``(C_out, kH)``.
        horizontal: array ``(C_out, kW)``.

    Returns:
        Array ``(C_out, C_in, kH, kW)``, the ordinary conv2d weight that
        :func:`flattened_conv2d` factorizes.

    >>> rank1_kernel(np.ones((1, 2)), np.array([[1, 2]]), np.array([[1, 10]]))[0, 0]
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    lateral, vertical, horizontal = _check_flattened(lateral, vertical, horizontal)
    return np.einsum("oc,oi,oj->ocij", lateral, vertical, horizontal)


def _check_flattened(lateral, vertical, horizontal):
    lateral = check_array(lateral, 2, "lateral", layout="(C_out, C_in)")
    vertical = check_array(vertical, 2, "vertical", layout="(C_out, kH)")
    horizontal = check_array(horizontal, 2, "horizontal", layout="(C_out, kW)")
    out_channels = lateral.shape[0]
    for name, arr in (("vertical", vertical), ("horizontal", horizontal)):
        if arr.shape[0] != out_channels:
            raise ValueError(
                f"{name}.shape[0] must equal lateral.shape[0]=C_out={out_channels}, got "
                f"{name}.shape={arr.shape}"
            )
    return lateral, vertical, horizontal


def flattened_conv2d(input, lateral, vertical, horizontal, bias=None, padding=0):
    """Flattened convolution: 1x1 lateral conv, then per-channel vertical and horizontal convs.

    Equal to ``conv2d(input, rank1_kernel(lateral, vertical, horizontal), bias,
    padding=padding)`` but costs ``C_in + kH + kW`` instead of ``C_in * kH * kW``
    multiplications per output value (Jin et al., "Flattened convolutional neural
    networks for feedforward acceleration", 2014).

    Args:
        input: array ``(N, C_in, H, W)``.
        lateral: array ``(C_out, C_in)`` (the 1x1 channel mix).
        vertical: array ``(C_out, kH)``.
        horizontal: array ``(C_out, kW)``.
        bias: optional ``(C_out,)``, added at the end.
        padding: non-negative int, ``(pH, pW)``, ``'valid'`` or ``'same'``.

    Returns:
        Array ``(N, C_out, H_out, W_out)``.

    >>> x = np.ones((1, 2, 3, 3))
    >>> flattened_conv2d(x, np.ones((1, 2)), np.ones((1, 3)), np.ones((1, 3)))
    array([[[[18.]]]])
    """
    x = check_array(input, 4, "input", layout="(N, C_in, H, W)")
    lateral, vertical, horizontal = _check_flattened(lateral, vertical, horizontal)
    out_channels = lateral.shape[0]
    if lateral.shape[1] != x.shape[1]:
        raise ValueError(
            f"lateral.shape[1] must equal input channels input.shape[1]={x.shape[1]}, got "
            f"lateral.shape={lateral.shape}"
        )
    bias = _check_bias(bias, out_channels)
    kernel = (vertical.shape[1], horizontal.shape[1])
    pads = _resolve_padding(padding, kernel, (1, 1), (1, 1))
    _check_kernel_fits(x.shape, kernel, (1, 1), pads, ("vertical", "horizontal"))
    y = _convnd(x, lateral[:, :, None, None], None, (1, 1), [(0, 0), (0, 0)], (1, 1), 1)
    y = _convnd(y, vertical[:, None, :, None], None, (1, 1), [pads[0], (0, 0)], (1, 1),
                out_channels)
    return _convnd(y, horizontal[:, None, None, :], bias, (1, 1), [(0, 0), pads[1]], (1, 1),
                   out_channels)


# --------------------------------------------------------------------------- lesson 08


def depthwise_separable_equivalent_kernel(depthwise_weight, pointwise_weight, in_channels=None):
    """The ordinary conv2d weight that equals a depthwise conv followed by a pointwise one.

    A depthwise separable layer computes ``y[o] = sum_c P[o, c] * (D[c] ⋆ x[c])``, which
    is ``sum_c (P[o, c] * D[c]) ⋆ x[c]``: an ordinary convolution whose weight is
    ``W[o, c, i, j] = P[o, c] * D[c, 0, i, j]``. With a channel multiplier ``m`` (the
    depthwise step makes ``m`` maps per input channel, maps ``c*m .. c*m + m - 1`` from
    channel ``c``), ``W[o, c] = sum_t P[o, c*m + t] * D[c*m + t, 0]``.

    ``conv2d(x, W, stride=s, padding=p, dilation=d)`` then equals
    ``depthwise_separable_conv2d(x, D, P, stride=s, padding=p, dilation=d)`` (without
    biases; with biases the equivalent bias is ``P[:, :, 0, 0] @ b_D + b_P``).

    Args:
        depthwise_weight: array ``(C * m, 1, kH, kW)``.
        pointwise_weight: array ``(C_out, C * m, 1, 1)``.
        in_channels: ``C``, the input channels; default ``depthwise_weight.shape[0]``
            (``m = 1``). Needed only for a channel multiplier ``m > 1``.

    Returns:
        Array ``(C_out, C, kH, kW)``.

    >>> d = np.array([[[[1, 2]]], [[[3, 4]]]])          # two 1x2 depthwise kernels
    >>> p = np.array([[[[1]], [[10]]]])                  # one output: 1*ch0 + 10*ch1
    >>> depthwise_separable_equivalent_kernel(d, p)
    array([[[[ 1,  2]],
    <BLANKLINE>
            [[30, 40]]]])
    """
    dw = check_array(depthwise_weight, 4, "depthwise_weight", layout="(C * m, 1, kH, kW)")
    pw = check_array(pointwise_weight, 4, "pointwise_weight", layout="(C_out, C * m, 1, 1)")
    maps = dw.shape[0]
    channels = maps if in_channels is None else check_int(in_channels, "in_channels", 1)
    if dw.shape[1] != 1 or maps % channels:
        raise ValueError(
            f"depthwise_weight must have shape (C * m, 1, kH, kW) with C=in_channels="
            f"{channels}, got depthwise_weight.shape={dw.shape}"
        )
    if pw.shape[1] != maps or pw.shape[2:] != (1, 1):
        raise ValueError(
            f"pointwise_weight must have shape (C_out, {maps}, 1, 1) to follow "
            f"depthwise_weight.shape={dw.shape}, got pointwise_weight.shape={pw.shape}"
        )
    m = maps // channels
    p = pw[:, :, 0, 0].reshape(pw.shape[0], channels, m)
    d = dw[:, 0].reshape(channels, m, *dw.shape[2:])
    return np.einsum("ocm,cmij->ocij", p, d)


# --------------------------------------------------------------------------- lesson 05


def zero_insert(input, stride):
    """Put ``stride - 1`` zeros between neighbouring samples along every spatial axis.

    This is the first step of the direct-convolution recipe for a transposed convolution
    (Dumoulin & Visin call the result the "stretched" input): a size ``i`` becomes
    ``(i - 1) * stride + 1``. Nothing is added before the first or after the last sample.

    Args:
        input: array ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        stride: positive int, or a tuple with one positive int per spatial dimension.

    Returns:
        Array ``(N, C, *((size - 1) * stride + 1))`` of the input's dtype.

    Raises:
        TypeError, ValueError: for a non-array input, a wrong number of dimensions or a
            stride that is not a positive int (tuple).

    >>> zero_insert(np.array([[[1, 2, 3]]]), 2)
    array([[[1, 0, 2, 0, 3]]])
    >>> zero_insert(np.ones((1, 1, 2, 2), dtype=int), (2, 3))[0, 0]
    array([[1, 0, 0, 1],
           [0, 0, 0, 0],
           [1, 0, 0, 1]])
    """
    x = check_array(input, (3, 4, 5), "input", layout="(N, C, *spatial), 1 to 3 spatial dims")
    n = x.ndim - 2
    strides = as_tuple(stride, n, "stride", 1)
    size = [(length - 1) * s + 1 for length, s in zip(x.shape[2:], strides, strict=True)]
    out = np.zeros((*x.shape[:2], *size), dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)] = x
    return out


def conv_transpose2d_direct(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1
):
    """A 2-D transposed convolution computed as an ordinary convolution, step by step.

    The recipe (Dumoulin & Visin, section 4):

    1. insert ``stride - 1`` zeros between input samples (:func:`zero_insert`);
    2. pad each side with ``dilation * (k - 1) - padding`` zeros (``k - p - 1`` when
       ``dilation = 1``; a negative amount crops), plus ``output_padding`` extra zeros at
       the end (bottom/right);
    3. run a stride-1 :func:`conv2d` with the same dilation and the kernel flipped in both
       spatial axes, its two channel axes swapped.

    The result equals :func:`conv_transpose2d` (``groups=1``), at the price of many
    multiplications by the inserted zeros.

    Args:
        input: array ``(N, C_in, H, W)``.
        weight: array ``(C_in, C_out, kH, kW)`` (the transposed-convolution layout).
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, dilation: ints or pairs, as in
            ``torch.nn.functional.conv_transpose2d``.

    Returns:
        Array ``(N, C_out, H_out, W_out)``, per dimension ``(size - 1) * stride -
        2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        TypeError, ValueError: as :func:`conv_transpose2d`.

    >>> x = np.array([[[[1, 2], [3, 4]]]])
    >>> k = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> bool(np.array_equal(conv_transpose2d_direct(x, k, stride=2, padding=1),
    ...                     conv_transpose2d(x, k, stride=2, padding=1)))
    True
    """
    x, w, bias, stride, pad, out_pad, _, dilation, _ = _check_conv_transpose_args(
        2, input, weight, bias, stride, padding, output_padding, 1, dilation
    )
    z = zero_insert(x, stride)
    amounts = [
        (d * (k - 1) - p, d * (k - 1) - p + op)
        for k, d, p, op in zip(w.shape[2:], dilation, pad, out_pad, strict=True)
    ]
    z = np.pad(z, ((0, 0), (0, 0)) + tuple((max(b, 0), max(a, 0)) for b, a in amounts))
    crop = tuple(
        slice(max(-b, 0), z.shape[2 + axis] - max(-a, 0))
        for axis, (b, a) in enumerate(amounts)
    )
    z = z[(slice(None), slice(None)) + crop]
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].swapaxes(0, 1))  # (C_out, C_in, kH, kW)
    return conv2d(z, flipped, bias, stride=1, padding=0, dilation=dilation)


# --------------------------------------------------------------------------- lesson 10


def grouped_conv2d_split(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Grouped 2-D convolution spelled out: split the channels, convolve, concatenate.

    The input's ``C_in`` channels are cut into ``groups`` consecutive slices of
    ``C_in / groups``; slice ``j`` is convolved (an ordinary ``groups=1``
    :func:`conv2d`) with filters ``j·C_out/g … (j+1)·C_out/g − 1`` of ``weight``, and
    the ``groups`` results are stacked along the channel axis. This is what
    ``conv2d(..., groups=groups)`` computes, written the way AlexNet ran it on two GPUs.

    Args:
        input: array ``(N, C_in, H, W)``.
        weight: array ``(C_out, C_in / groups, kH, kW)``.
        bias: optional array ``(C_out,)``.
        stride, padding, dilation: as in :func:`conv2d`.
        groups: positive int dividing ``C_in`` and ``C_out``.

    Returns:
        Array ``(N, C_out, H_out, W_out)``, equal to
        ``conv2d(input, weight, bias, stride, padding, dilation, groups)``.

    >>> x = np.arange(8.0).reshape(1, 2, 2, 2)          # two channels
    >>> w = np.array([[[[1.0]]], [[[10.0]]]])            # (2, 1, 1, 1): one 1x1 per group
    >>> grouped_conv2d_split(x, w, groups=2)[0, :, 0, 0]
    array([ 0., 40.])
    """
    x, w, b, *_ = _check_conv_args(2, input, weight, bias, stride, padding, dilation, groups)
    groups = int(groups)
    cin, cout = x.shape[1] // groups, w.shape[0] // groups
    pieces = []
    for j in range(groups):
        part_bias = None if b is None else b[j * cout:(j + 1) * cout]
        pieces.append(conv2d(x[:, j * cin:(j + 1) * cin], w[j * cout:(j + 1) * cout],
                             part_bias, stride=stride, padding=padding, dilation=dilation))
    return np.concatenate(pieces, axis=1)
