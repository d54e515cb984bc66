"""Shape arithmetic for convolutions: output sizes, effective kernels, receptive fields.

Every function works per spatial dimension. Sizes may be given as an ``int`` (the same
value in every dimension) or as a tuple with one entry per dimension; the result has the
same kind as the input: ints in, int out; any tuple in, tuple out (ints broadcast against
tuples of the same length). The formulas are those of Dumoulin & Visin, "A guide to
convolution arithmetic for deep learning" (arXiv:1603.07285), and they agree with what
``torch.nn.functional.conv*d`` and ``conv_transpose*d`` return.

Notation used in the docstrings: ``i`` input size, ``k`` kernel size, ``s`` stride,
``p`` padding (on each side), ``d`` dilation, ``a`` output padding, ``o`` output size.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

__all__ = [
    "conv_output_size",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "receptive_field",
    "receptive_fields",
    "same_padding",
]

_PADDING_STRINGS = ("same", "valid")


# --------------------------------------------------------------------------- validation
# Local helpers (the package-wide ones in ``_validate.py`` did not exist yet when this
# module was written); cost.py reuses them.


def _is_int(value) -> bool:
    """True for Python/numpy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _describe(minimum: int) -> str:
    return "positive" if minimum == 1 else "non-negative"


def _as_ints(value, name: str, *, minimum: int = 1) -> tuple[int, ...] | int:
    """Validate an int-or-tuple size argument.

    Returns the int unchanged (as a Python int) or a tuple of Python ints. Raises
    ``TypeError`` for a wrong type and ``ValueError`` for a value below ``minimum``; both
    messages name the argument, echo the value and say what is allowed.
    """
    kind = _describe(minimum)
    allowed = f"{name} must be a {kind} int or a tuple of {kind} ints"
    if _is_int(value):
        if value < minimum:
            raise ValueError(f"{allowed}, got {name}={value!r}")
        return int(value)
    if isinstance(value, (tuple, list)):
        if len(value) == 0:
            raise ValueError(f"{allowed} (not empty), got {name}={value!r}")
        if not all(_is_int(v) for v in value):
            raise TypeError(f"{allowed}, got {name}={value!r}")
        if any(v < minimum for v in value):
            raise ValueError(f"{allowed}, got {name}={value!r}")
        return tuple(int(v) for v in value)
    raise TypeError(f"{allowed}, got {name}={value!r} of type {type(value).__name__}")


def _broadcast(**named) -> tuple[int | None, dict[str, tuple[int, ...]]]:
    """Broadcast validated ints/tuples to tuples of one common length.

    Returns ``(n, values)`` where ``n`` is the common tuple length, or ``None`` when every
    argument was an int (then each value is a 1-tuple). Raises ``ValueError`` naming the
    arguments whose tuple lengths disagree.
    """
    lengths = {k: len(v) for k, v in named.items() if isinstance(v, tuple)}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}={named[k]!r}" for k in lengths)
        raise ValueError(
            f"tuple arguments must have one entry per spatial dimension (the same length), "
            f"got {shown}"
        )
    n = next(iter(lengths.values()), None)
    size = 1 if n is None else n
    out = {k: (v if isinstance(v, tuple) else (v,) * size) for k, v in named.items()}
    return n, out


def _finish(n: int | None, values: list[int]):
    """Return an int when every input was an int, else a tuple."""
    return values[0] if n is None else tuple(values)


def _padding(value, name: str = "padding", *, allow_strings: bool = True):
    """Validate ``padding``: a non-negative int, a tuple of them, or 'same'/'valid'."""
    if isinstance(value, str):
        if allow_strings and value in _PADDING_STRINGS:
            return value
        if allow_strings:
            raise ValueError(
                f"{name} must be a non-negative int, a tuple of non-negative ints, 'same' or "
                f"'valid', got {name}={value!r}"
            )
        raise ValueError(
            f"{name} must be a non-negative int or a tuple of non-negative ints (string "
            f"padding is not defined for transposed convolutions, as in torch), "
            f"got {name}={value!r}"
        )
    try:
        return _as_ints(value, name, minimum=0)
    except TypeError:
        if not allow_strings:
            raise
        raise TypeError(
            f"{name} must be a non-negative int, a tuple of non-negative ints, 'same' or "
            f"'valid', got {name}={value!r}"
        ) from None


def _layer_list(value, name: str, *, minimum: int = 1) -> list:
    """Validate a per-layer list (e.g. ``kernel_sizes``): a non-empty list/tuple."""
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) == 0:
        raise TypeError(
            f"{name} must be a non-empty list with one entry per layer, got {name}={value!r}"
        )
    return [_as_ints(v, f"{name}[{j}]", minimum=minimum) for j, v in enumerate(value)]


# --------------------------------------------------------------------------- public API


def effective_kernel_size(kernel_size, dilation=1):
    """Size of the window a dilated kernel spans: ``k + (k - 1)(d - 1)``.

    A kernel of ``k`` taps with ``d - 1`` gaps between neighbouring taps covers
    ``d (k - 1) + 1`` input positions (Dumoulin & Visin, section 5.1).

    Args:
        kernel_size: positive int or tuple of positive ints.
        dilation: positive int or tuple (1 means no gaps).

    Returns:
        int or tuple, the same kind as the arguments.

    Raises:
        TypeError, ValueError: for a non-int or non-positive argument.

    Examples:
        >>> effective_kernel_size(3, 2)
        5
        >>> effective_kernel_size((3, 5), (4, 1))
        (9, 5)
    """
    k = _as_ints(kernel_size, "kernel_size")
    d = _as_ints(dilation, "dilation")
    n, v = _broadcast(kernel_size=k, dilation=d)
    pairs = zip(v["kernel_size"], v["dilation"], strict=True)
    return _finish(n, [kk + (kk - 1) * (dd - 1) for kk, dd in pairs])


def same_padding(kernel_size, dilation=1):
    """Zero padding ``(before, after)`` that keeps the size at stride 1, split as torch does.

    The total padding is ``d (k - 1)``; torch puts ``total // 2`` before and the rest
    after, so an even kernel gets one more zero at the end (bottom / right).

    Args:
        kernel_size: positive int or tuple of positive ints.
        dilation: positive int or tuple.

    Returns:
        A ``(before, after)`` pair for int arguments, else a tuple of such pairs, one per
        dimension.

    Examples:
        >>> same_padding(3)
        (1, 1)
        >>> same_padding(4)
        (1, 2)
        >>> same_padding((3, 2), dilation=(2, 1))
        ((2, 2), (0, 1))
    """
    k = _as_ints(kernel_size, "kernel_size")
    d = _as_ints(dilation, "dilation")
    n, v = _broadcast(kernel_size=k, dilation=d)
    pairs = []
    for kk, dd in zip(v["kernel_size"], v["dilation"], strict=True):
        total = dd * (kk - 1)
        pairs.append((total // 2, total - total // 2))
    return _finish(n, pairs)


def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Output size of a convolution: ``o = floor((i + 2p - d(k - 1) - 1) / s) + 1``.

    This is Relationship 15 of Dumoulin & Visin (which contains Relationships 1-6 as
    special cases); it is what ``torch.nn.Conv{1,2,3}d`` produce.

    Args:
        input_size: positive int or tuple (spatial sizes only, no batch or channels).
        kernel_size: positive int or tuple.
        stride: positive int or tuple.
        padding: non-negative int or tuple (zeros added on *each* side), or ``'valid'``
            (no padding) or ``'same'`` (output size equals input size; stride 1 only,
            as in torch).
        dilation: positive int or tuple.

    Returns:
        int or tuple, the same kind as the arguments.

    Raises:
        TypeError, ValueError: for invalid arguments, ``'same'`` with a stride, or a
            (dilated) kernel larger than the padded input.

    Examples:
        >>> conv_output_size(4, 3)
        2
        >>> conv_output_size(5, 3, stride=2, padding=1)
        3
        >>> conv_output_size((7, 9), 3, dilation=2, padding="same")
        (7, 9)
    """
    i = _as_ints(input_size, "input_size")
    k = _as_ints(kernel_size, "kernel_size")
    s = _as_ints(stride, "stride")
    d = _as_ints(dilation, "dilation")
    p = _padding(padding)
    if p == "same":
        if any(x != 1 for x in (s if isinstance(s, tuple) else (s,))):
            raise ValueError(
                f"padding='same' needs stride 1 in every dimension (torch does not support "
                f"it for strided convolutions), got stride={stride!r}"
            )
        n, v = _broadcast(input_size=i, kernel_size=k, stride=s, dilation=d)
        return _finish(n, list(v["input_size"]))
    if p == "valid":
        p = 0
    n, v = _broadcast(input_size=i, kernel_size=k, stride=s, padding=p, dilation=d)
    out = []
    names = ("input_size", "kernel_size", "stride", "padding", "dilation")
    for ii, kk, ss, pp, dd in zip(*(v[x] for x in names), strict=True):
        span = dd * (kk - 1) + 1
        if span > ii + 2 * pp:
            raise ValueError(
                f"kernel_size must fit in the padded input (the dilated kernel spans "
                f"dilation*(kernel_size-1)+1 = {span} positions, the padded input "
                f"input_size+2*padding = {ii + 2 * pp}), got kernel_size={kernel_size!r}, "
                f"dilation={dilation!r}, input_size={input_size!r}, padding={padding!r}"
            )
        out.append((ii + 2 * pp - span) // ss + 1)
    return _finish(n, out)


def conv_transpose_output_size(
    input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1
):
    """Output size of a transposed convolution, as ``torch.nn.ConvTranspose{1,2,3}d``.

    ``o = (i - 1) s - 2p + d (k - 1) + a + 1``. With ``d = 1`` this is Relationship 14 of
    Dumoulin & Visin, ``o' = s (i' - 1) + a + k - 2p``, of which Relationships 8-13 are
    special cases. ``output_padding`` (``a``) picks one of the ``s`` input sizes that a
    strided convolution maps to the same output size.

    Args:
        input_size: positive int or tuple.
        kernel_size: positive int or tuple.
        stride: positive int or tuple.
        padding: non-negative int or tuple (string padding is not defined here).
        output_padding: non-negative int or tuple, smaller than the stride or the dilation
            in each dimension (torch's rule).
        dilation: positive int or tuple.

    Returns:
        int or tuple, the same kind as the arguments.

    Raises:
        TypeError, ValueError: for invalid arguments, or when the result would be < 1.

    Examples:
        >>> conv_transpose_output_size(2, 3)
        4
        >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1)
        6
    """
    i = _as_ints(input_size, "input_size")
    k = _as_ints(kernel_size, "kernel_size")
    s = _as_ints(stride, "stride")
    p = _padding(padding, allow_strings=False)
    a = _as_ints(output_padding, "output_padding", minimum=0)
    d = _as_ints(dilation, "dilation")
    n, v = _broadcast(
        input_size=i, kernel_size=k, stride=s, padding=p, output_padding=a, dilation=d
    )
    names = ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation")
    out = []
    for ii, kk, ss, pp, aa, dd in zip(*(v[x] for x in names), strict=True):
        if aa >= ss and aa >= dd:
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation in each "
                f"dimension, got output_padding={output_padding!r} with stride={stride!r} "
                f"and dilation={dilation!r}"
            )
        o = (ii - 1) * ss - 2 * pp + dd * (kk - 1) + aa + 1
        if o < 1:
            raise ValueError(
                f"padding is too large: the output size (i-1)*s - 2p + d*(k-1) + a + 1 "
                f"would be {o}, it must be >= 1; got padding={padding!r} with "
                f"input_size={input_size!r}, kernel_size={kernel_size!r}, stride={stride!r}, "
                f"dilation={dilation!r}"
            )
        out.append(o)
    return _finish(n, out)


def receptive_fields(kernel_sizes, strides=None, dilations=None):
    """Receptive field (one side) of one unit after each layer of a stack.

    Layer ``l`` widens the receptive field by ``(k_l_eff - 1) * J_l`` where ``k_l_eff`` is
    its effective (dilated) kernel size and ``J_l`` the product of the strides of the
    layers before it (the distance in input pixels between neighbouring units).

    Args:
        kernel_sizes: one positive int (or tuple, one entry per dimension) per layer.
        strides: one stride per layer, or ``None`` for all 1.
        dilations: one dilation per layer, or ``None`` for all 1.

    Returns:
        A list with one receptive field per layer (ints, or tuples if any argument is a
        tuple).

    Examples:
        >>> receptive_fields([3, 3, 3], dilations=[1, 2, 4])
        [3, 7, 15]
        >>> receptive_fields([3, 3, 3], strides=[2, 2, 1])
        [3, 7, 15]
    """
    ks = _layer_list(kernel_sizes, "kernel_sizes")
    n_layers = len(ks)
    per_layer = {}
    for name, value in (("strides", strides), ("dilations", dilations)):
        if value is None:
            per_layer[name] = [1] * n_layers
            continue
        per_layer[name] = _layer_list(value, name)
        if len(per_layer[name]) != n_layers:
            raise ValueError(
                f"{name} must have one entry per layer ({n_layers}, like kernel_sizes), "
                f"got {name}={value!r}"
            )
    named = {f"kernel_sizes[{j}]": k for j, k in enumerate(ks)}
    named.update({f"strides[{j}]": s for j, s in enumerate(per_layer["strides"])})
    named.update({f"dilations[{j}]": d for j, d in enumerate(per_layer["dilations"])})
    n, v = _broadcast(**named)
    dims = 1 if n is None else n
    field = [1] * dims
    jump = [1] * dims
    result = []
    for j in range(n_layers):
        for t in range(dims):
            k = v[f"kernel_sizes[{j}]"][t]
            d = v[f"dilations[{j}]"][t]
            field[t] += d * (k - 1) * jump[t]
            jump[t] *= v[f"strides[{j}]"][t]
        result.append(_finish(n, list(field)))
    return result


def receptive_field(kernel_sizes, strides=None, dilations=None):
    """Receptive field (one side) of one unit in the last layer of a stack of convolutions.

    ``r = 1 + sum_l (k_l_eff - 1) * prod_{m < l} s_m``. Three 3x3 layers with dilations
    1, 2, 4 see 3, 7 and 15 pixels (Yu & Koltun, arXiv:1511.07122: ``2**(i+2) - 1``).

    Args:
        kernel_sizes: one positive int (or tuple) per layer.
        strides: one stride per layer, or ``None`` for all 1.
        dilations: one dilation per layer, or ``None`` for all 1.

    Returns:
        int, or a tuple if any argument is a tuple.

    Examples:
        >>> receptive_field([3, 3, 3], dilations=[1, 2, 4])
        15
        >>> # Yu & Koltun's context module: seven dilated 3x3 layers and a 1x1 output
        >>> receptive_field([3] * 7 + [1], dilations=[1, 1, 2, 4, 8, 16, 1, 1])
        67
        >>> receptive_field([(3, 1), (3, 1)])
        (5, 1)
    """
    return receptive_fields(kernel_sizes, strides, dilations)[-1]
