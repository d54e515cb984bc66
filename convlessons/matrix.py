"""Convolution as a matrix product: im2col and the sparse convolution matrix.

A 2-D convolution (cross-correlation, as in deep learning) is linear in its input, so it
can be written as one matrix product in two ways:

* **im2col** copies every window the kernel visits into a column; the convolution is then
  ``weight.reshape(C_out, -1) @ columns``: one dense matrix multiplication, which is how
  many libraries run convolutions on GPUs.
* **the convolution matrix** ``C`` puts the kernel weights into a sparse matrix so that
  ``C @ x.ravel()`` is the flattened output. For a 4x4 input and a 3x3 kernel, ``C`` is
  4x16. Its transpose ``C.T`` maps a 2x2 map back to 4x4: the transposed convolution.

Everything here is numpy in, numpy out; padding is given per side, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["im2col", "conv_matrix", "conv2d_im2col", "window_coverage", "overlap_counts",
           "interior_overlap"]


def _pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    """Normalise an int or a 2-tuple of ints to a tuple of two ints >= minimum."""
    kind = "positive" if minimum == 1 else "non-negative"
    allowed = f"{kind} int or a tuple of two {kind} ints"
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a {allowed}, got {name}={value!r}")
    original = value
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    elif isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            for v in value
        ):
            raise TypeError(f"{name} must be a {allowed}, got {name}={value!r}")
        value = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be a {allowed}, got {name}={value!r}")
    if min(value) < minimum:
        raise ValueError(f"{name} must be a {allowed}, got {name}={original!r}")
    return value


def _output_hw(hw, khw, stride, padding, dilation, *, context: str) -> tuple[int, int]:
    """Output height and width, or a ValueError when the kernel does not fit."""
    out = []
    for size, k, s, p, d in zip(hw, khw, stride, padding, dilation, strict=True):
        effective = d * (k - 1) + 1
        if size + 2 * p < effective:
            raise ValueError(
                f"{context}: the kernel (effective size {effective}) is larger than the padded "
                f"input (size {size} + 2*{p} = {size + 2 * p}); use a smaller kernel or dilation "
                "or more padding"
            )
        out.append((size + 2 * p - effective) // s + 1)
    return out[0], out[1]


def _as_numeric_array(x, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as exc:  # pragma: no cover - numpy raises many kinds
            kind = type(x).__name__
            raise TypeError(f"{name} must be array-like of numbers, got {kind}") from exc
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise TypeError(f"{name} must hold numbers, got dtype {x.dtype}")
    return x


def im2col(input, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Copy every window a kernel visits into one column (``torch.nn.functional.unfold``).

    Column ``l`` holds the window of output position ``l`` (row-major over the output),
    its entries ordered channel, kernel row, kernel column, so that
    ``weight.reshape(C_out, -1) @ im2col(x, ...)`` is the convolution.

    Args:
        input: array ``(N, C, H, W)``, or ``(H, W)`` for a single-channel image.
        kernel_size: int or ``(kh, kw)``.
        stride: int or ``(sh, sw)``, positive.
        padding: int or ``(ph, pw)``, zeros added on **each** side (PyTorch convention).
        dilation: int or ``(dh, dw)``, positive.

    Returns:
        ``(N, C*kh*kw, L)`` with ``L = H_out*W_out``; ``(kh*kw, L)`` for a 2-D input.

    Raises:
        TypeError: for a non-array input or badly typed sizes.
        ValueError: for a wrong number of dimensions, non-positive sizes, or a kernel
            larger than the padded input.

    Example:
        >>> x = np.arange(16).reshape(4, 4)
        >>> im2col(x, 3).shape
        (9, 4)
        >>> im2col(x, 3)[:, 0].tolist()  # the top-left 3x3 window, flattened
        [0, 1, 2, 4, 5, 6, 8, 9, 10]
    """
    x = _as_numeric_array(input, "input")
    if x.ndim not in (2, 4):
        raise ValueError(
            f"input must have shape (N, C, H, W) or (H, W), got an array with shape {x.shape}"
        )
    kh, kw = _pair(kernel_size, "kernel_size", minimum=1)
    stride = _pair(stride, "stride", minimum=1)
    padding = _pair(padding, "padding", minimum=0)
    dilation = _pair(dilation, "dilation", minimum=1)
    squeeze = x.ndim == 2
    if squeeze:
        x = x[None, None]
    n, c, h, w = x.shape
    ho, wo = _output_hw((h, w), (kh, kw), stride, padding, dilation, context="im2col")
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((n, c, kh, kw, ho, wo), dtype=xp.dtype)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a * dh, a * dh + sh * (ho - 1) + 1, sh)
            columns = slice(b * dw, b * dw + sw * (wo - 1) + 1, sw)
            cols[:, :, a, b] = xp[:, :, rows, columns]
    cols = cols.reshape(n, c * kh * kw, ho * wo)
    return cols[0] if squeeze else cols


def conv2d_im2col(input, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """2-D convolution (cross-correlation) as im2col followed by one matrix product.

    Same result as ``torch.nn.functional.conv2d`` with ``groups=1``.

    Args:
        input: ``(N, C_in, H, W)``.
        weight: ``(C_out, C_in, kh, kw)``.
        bias: ``(C_out,)`` or None.
        stride, padding, dilation: int or pair; padding is per side.

    Returns:
        ``(N, C_out, H_out, W_out)``.

    Example:
        >>> x = np.ones((1, 2, 4, 4))
        >>> w = np.ones((3, 2, 3, 3))
        >>> conv2d_im2col(x, w, bias=np.array([0.0, 1.0, 2.0]))[0, :, 0, 0].tolist()
        [18.0, 19.0, 20.0]
    """
    x = _as_numeric_array(input, "input")
    w = _as_numeric_array(weight, "weight")
    if x.ndim != 4:
        raise ValueError(f"input must have shape (N, C_in, H, W), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"weight must have shape (C_out, C_in, kh, kw), got shape {w.shape}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"weight has C_in={w.shape[1]} input channels but input has {x.shape[1]}; "
            "they must be equal"
        )
    c_out, _, kh, kw = w.shape
    cols = im2col(x, (kh, kw), stride, padding, dilation)  # (N, C_in*kh*kw, L)
    ho, wo = _output_hw(
        x.shape[2:], (kh, kw), _pair(stride, "stride", minimum=1),
        _pair(padding, "padding", minimum=0), _pair(dilation, "dilation", minimum=1),
        context="conv2d_im2col",
    )
    out = np.matmul(w.reshape(c_out, -1), cols)  # (N, C_out, L)
    if bias is not None:
        b = _as_numeric_array(bias, "bias")
        if b.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},) (C_out), got shape {b.shape}")
        out = out + b[None, :, None]
    return out.reshape(x.shape[0], c_out, ho, wo)


def conv_matrix(kernel, input_shape, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The sparse matrix ``C`` with ``C @ x.ravel() == conv2d(x, kernel).ravel()``.

    Row ``r`` belongs to output cell ``r`` (row-major); it holds the kernel weights at the
    input pixels that cell's window covers and zeros elsewhere. Taps that fall on zero
    padding contribute nothing and do not appear. ``C.T`` is the matrix of the
    transposed convolution.

    Args:
        kernel: ``(kh, kw)`` for one channel, or a weight ``(C_out, C_in, kh, kw)``.
        input_shape: ``(H, W)`` for a 2-D kernel, ``(C_in, H, W)`` for a 4-D weight.
        stride, padding, dilation: int or pair; padding is per side (PyTorch convention).

    Returns:
        ``(H_out*W_out, H*W)``, or ``(C_out*H_out*W_out, C_in*H*W)`` for a 4-D weight.

    Example:
        >>> C = conv_matrix(np.arange(1, 10).reshape(3, 3), (4, 4))
        >>> C.shape
        (4, 16)
        >>> C[0].tolist()
        [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
    """
    k = _as_numeric_array(kernel, "kernel")
    if k.ndim not in (2, 4):
        raise ValueError(
            f"kernel must have shape (kh, kw) or (C_out, C_in, kh, kw), got shape {k.shape}"
        )
    if not isinstance(input_shape, (tuple, list)) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
        for v in input_shape
    ):
        raise TypeError(
            f"input_shape must be a tuple of positive ints, got input_shape={input_shape!r}"
        )
    want = 2 if k.ndim == 2 else 3
    if len(input_shape) != want:
        raise ValueError(
            f"input_shape must have {want} entries ({'(H, W)' if want == 2 else '(C_in, H, W)'}) "
            f"for a kernel of shape {k.shape}, got input_shape={tuple(input_shape)!r}"
        )
    single = k.ndim == 2
    w = k[None, None] if single else k
    c_in, h, wd = (1, *input_shape) if single else input_shape
    if w.shape[1] != c_in:
        raise ValueError(
            f"kernel has C_in={w.shape[1]} input channels but input_shape has C_in={c_in}; "
            "they must be equal"
        )
    c_out, _, kh, kw = w.shape
    (sh, sw) = _pair(stride, "stride", minimum=1)
    (ph, pw) = _pair(padding, "padding", minimum=0)
    (dh, dw) = _pair(dilation, "dilation", minimum=1)
    ho, wo = _output_hw(
        (h, wd), (kh, kw), (sh, sw), (ph, pw), (dh, dw), context="conv_matrix"
    )
    C = np.zeros((c_out * ho * wo, c_in * h * wd), dtype=w.dtype)
    for o in range(c_out):
        for i in range(ho):
            for j in range(wo):
                row = (o * ho + i) * wo + j
                for c in range(c_in):
                    for a in range(kh):
                        y = i * sh - ph + a * dh
                        if not 0 <= y < h:
                            continue
                        for b in range(kw):
                            x = j * sw - pw + b * dw
                            if 0 <= x < wd:
                                C[row, (c * h + y) * wd + x] = w[o, c, a, b]
    return C


def window_coverage(input_size, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """How many kernel windows touch each cell of the **padded** input.

    The count for a cell is the number of non-zero entries in its column of the
    convolution matrix of the padded input (``conv_matrix`` of an all-ones kernel), i.e.
    how many output cells read it. Zeros mark cells no window reaches: the rows and
    columns the floor in ``o = floor((i + 2p - d(k-1) - 1) / s) + 1`` drops, or the
    holes between dilated taps.

    Args:
        input_size: int or ``(H, W)``, the input before padding.
        kernel_size, stride, padding, dilation: int or pair; padding is per side.

    Returns:
        Integer array ``(H + 2*ph, W + 2*pw)``.

    Example:
        >>> window_coverage(6, 3, stride=2, padding=1)[:, -1].tolist()  # last column unseen
        [0, 0, 0, 0, 0, 0, 0, 0]
        >>> window_coverage(4, 3).tolist()[0]
        [1, 2, 2, 1]
    """
    h, w = _pair(input_size, "input_size", minimum=1)
    kh, kw = _pair(kernel_size, "kernel_size", minimum=1)
    (ph, pw) = _pair(padding, "padding", minimum=0)
    padded = (h + 2 * ph, w + 2 * pw)
    ones = np.ones((kh, kw), dtype=np.int64)
    C = conv_matrix(ones, padded, stride=stride, padding=0, dilation=dilation)
    return C.sum(axis=0).reshape(padded)


# --------------------------------------------------------------------------- lesson 05


def overlap_counts(input_size, kernel_size, stride=1, padding=0, output_padding=0,
                   dilation=1, *, ndim=None) -> np.ndarray:
    """How many kernel taps land on each output cell of a transposed convolution.

    In the scatter-add view every input cell adds a scaled copy of the kernel into the
    output, starting ``stride`` cells after the previous one. Where the copies overlap,
    an output cell receives several contributions; the count is the number of non-zero
    entries in its row of the matrix ``C.T``. It is also exactly what
    ``conv_transpose(ones, ones)`` returns. When the kernel size (times the dilation)
    is not a multiple of the stride the counts alternate, e.g. ``1, 2, 1, 2, ...`` for
    ``k = 3, s = 2``: the uneven overlap behind checkerboard artifacts (Odena, Dumoulin &
    Olah, Distill 2016). In 2-D the map is the outer product of the two 1-D maps.

    Args:
        input_size: positive int or tuple: the transposed convolution's input size.
        kernel_size, stride, padding, output_padding, dilation: ints or tuples, as in
            ``torch.nn.functional.conv_transpose{1,2,3}d`` (padding crops each border).
        ndim: number of spatial dimensions (1 to 3) when every size is an int; default 1
            for ints, else the tuples' length.

    Returns:
        Integer array with the output's spatial shape (see
        :func:`convlessons.shapes.conv_transpose_output_size`). Cells that
        ``output_padding`` adds beyond the last tap hold 0.

    Raises:
        TypeError, ValueError: invalid sizes (as ``shapes.conv_transpose_output_size``)
            or an ``ndim`` that is not 1, 2 or 3 or disagrees with the tuples.

    Example:
        >>> overlap_counts(4, 3, stride=2).tolist()
        [1, 1, 2, 1, 2, 1, 2, 1, 1]
        >>> overlap_counts(4, 4, stride=2, padding=1).tolist()
        [1, 2, 2, 2, 2, 2, 2, 1]
        >>> overlap_counts(2, 3, stride=2, ndim=2)
        array([[1, 1, 2, 1, 1],
               [1, 1, 2, 1, 1],
               [2, 2, 4, 2, 2],
               [1, 1, 2, 1, 1],
               [1, 1, 2, 1, 1]])
    """
    from convlessons import shapes

    args = {"input_size": input_size, "kernel_size": kernel_size, "stride": stride,
            "padding": padding, "output_padding": output_padding, "dilation": dilation}
    lengths = {len(v) for v in args.values() if isinstance(v, (tuple, list))}
    if ndim is not None and (
        not isinstance(ndim, (int, np.integer)) or isinstance(ndim, bool) or ndim not in (1, 2, 3)
    ):
        raise ValueError(f"ndim must be 1, 2 or 3 (or None), got ndim={ndim!r}")
    if ndim is None:
        ndim = lengths.pop() if len(lengths) == 1 else 1
    elif lengths and lengths != {ndim}:
        raise ValueError(
            f"tuple arguments must have ndim={ndim} entries, got lengths {sorted(lengths)}"
        )
    spread = {k: (tuple(v) if isinstance(v, (tuple, list)) else (v,) * ndim)
              for k, v in args.items()}
    out_size = shapes.conv_transpose_output_size(**spread)  # validates every argument
    maps = []
    for axis in range(ndim):
        i, k, s, p, a, d = (spread[name][axis] for name in args)
        full = (i - 1) * s + d * (k - 1) + 1
        counts = np.zeros(full + a, dtype=np.int64)
        for tap in range(k):
            counts[tap * d : tap * d + (i - 1) * s + 1 : s] += 1
        maps.append(counts[p : p + out_size[axis]])
    result = maps[0]
    for more in maps[1:]:
        result = np.multiply.outer(result, more)
    return result


def interior_overlap(kernel_size, stride, dilation=1) -> np.ndarray:
    """Contributions per output cell far from the borders, over one period of ``stride``.

    Away from the borders the overlap counts of :func:`overlap_counts` repeat with period
    ``stride``; entry ``r`` is the number of kernel taps ``t`` (at offset ``t * dilation``)
    with ``t * dilation ≡ r (mod stride)``. The overlap is even when all entries are equal:
    for ``dilation = 1`` exactly when ``stride`` divides ``kernel_size``. An entry 0 means
    the output has holes that no input ever reaches.

    Args:
        kernel_size: positive int (one spatial dimension).
        stride: positive int.
        dilation: positive int.

    Returns:
        Integer array ``(stride,)``.

    Example:
        >>> interior_overlap(3, 2).tolist(), interior_overlap(4, 2).tolist()
        ([2, 1], [2, 2])
        >>> interior_overlap(3, 2, dilation=2).tolist()  # odd positions are never reached
        [3, 0]
    """
    for name, value in (("kernel_size", kernel_size), ("stride", stride),
                        ("dilation", dilation)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name} must be a positive int, got {name}={value!r}")
        if value < 1:
            raise ValueError(f"{name} must be a positive int, got {name}={value!r}")
    offsets = np.arange(int(kernel_size)) * int(dilation)
    return np.bincount(offsets % int(stride), minlength=int(stride)).astype(np.int64)
