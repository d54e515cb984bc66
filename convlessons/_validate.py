"""Private argument checks shared by the convlessons modules.

Every helper raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong value) with a message that names the argument, echoes the value it got and says
what is allowed, e.g. ``stride must be a positive int or a tuple of 2 positive ints,
got stride=0``. The helpers never use ``assert``.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_tuple",
    "check_array",
    "check_choice",
    "check_groups",
    "check_int",
    "describe",
]


def describe(value) -> str:
    """Short printable form of ``value`` for error messages (arrays by shape and dtype)."""
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return text


def _is_int(value) -> bool:
    """True for Python/numpy integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _bound_word(minimum: int) -> str:
    if minimum == 1:
        return "positive int"
    if minimum == 0:
        return "non-negative int"
    return f"int >= {minimum}"


def check_int(value, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking its type and lower bound.

    Args:
        value: the value to check.
        name: the argument name used in the error message.
        minimum: smallest allowed value, or None for no bound.

    Raises:
        TypeError: ``value`` is not an integer (bools are rejected).
        ValueError: ``value`` is below ``minimum``.

    >>> check_int(3, "groups", 1)
    3
    """
    what = "int" if minimum is None else _bound_word(minimum)
    what = ("an " if what.startswith("int") else "a ") + what
    if not _is_int(value):
        raise TypeError(f"{name} must be {what}, got {name}={describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {what}, got {name}={value!r}")
    return int(value)


def check_groups(in_channels, out_channels, groups) -> None:
    """Check channel counts and a group count as a grouped convolution needs them.

    Raises:
        TypeError: a count is not an int.
        ValueError: a count is not positive, or ``groups`` does not divide both channels.

    >>> check_groups(12, 6, 3)
    >>> check_groups(12, 6, 4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: groups must divide both in_channels and out_channels, got groups=4 ...
    """
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
        check_int(value, name, 1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups must divide both in_channels and out_channels, got groups={groups!r} "
            f"with in_channels={in_channels!r}, out_channels={out_channels!r}"
        )


def as_tuple(
    value, n: int, name: str, minimum: int | None = 0, *, alternatives: str = ""
) -> tuple[int, ...]:
    """Expand an int-or-tuple argument (stride, padding, dilation, ...) to ``n`` ints.

    Args:
        value: an int (used for every dimension) or a tuple/list of ``n`` ints.
        n: number of spatial dimensions.
        name: the argument name used in error messages.
        minimum: smallest allowed entry (1 for stride/dilation, 0 for padding).
        alternatives: other allowed values to mention in messages, e.g. ``"'valid' or
            'same'"`` (the caller handles those before calling).

    Returns:
        A tuple of ``n`` Python ints.

    Raises:
        TypeError: not an int or a tuple/list of ints.
        ValueError: wrong tuple length or an entry below ``minimum``.

    >>> as_tuple(2, 3, "stride", 1)
    (2, 2, 2)
    >>> as_tuple((1, 2), 2, "padding")
    (1, 2)
    """
    what = "int" if minimum is None else _bound_word(minimum)
    allowed = f"{name} must be a {what} or a tuple of {n} {what}s"
    if alternatives:
        allowed = f"{name} must be a {what}, a tuple of {n} {what}s, or {alternatives}"
    if _is_int(value):
        if minimum is not None and value < minimum:
            raise ValueError(f"{allowed}, got {name}={value!r}")
        return (int(value),) * n
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(
                f"{allowed} (one per spatial dimension), got {name}={describe(value)} "
                f"with {len(value)} entries"
            )
        if not all(_is_int(v) for v in value):
            raise TypeError(f"{allowed}, got {name}={describe(value)}")
        if minimum is not None and any(v < minimum for v in value):
            raise ValueError(f"{allowed}, got {name}={describe(value)}")
        return tuple(int(v) for v in value)
    raise TypeError(f"{allowed}, got {name}={describe(value)}")


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of the allowed strings.

    >>> check_choice("same", "mode", ("full", "valid", "same"))
    'same'
    """
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {name}={describe(value)}")
    return value


def check_array(
    x,
    ndim,
    name: str,
    *,
    layout: str | None = None,
    array_like: bool = False,
) -> np.ndarray:
    """Check that ``x`` is a real numeric numpy array with an allowed number of dimensions.

    Args:
        x: the value to check.
        ndim: required number of dimensions: an int, a tuple of allowed ints, or None
            for any (at least 1).
        name: the argument name used in error messages.
        layout: optional shape description for messages, e.g. ``"(N, C, H, W)"``.
        array_like: also accept nested lists/tuples of numbers (converted with
            ``np.asarray``).

    Returns:
        The array (converted when ``array_like`` is set).

    Raises:
        TypeError: not an array, or not of an integer/floating dtype.
        ValueError: wrong number of dimensions or an empty array.

    >>> check_array(np.zeros((1, 2, 3)), 3, "input").shape
    (1, 2, 3)
    """
    if ndim is None:
        wanted = "an array"
    elif isinstance(ndim, int):
        wanted = f"a {ndim}-D array"
    else:
        wanted = "a " + " or ".join(f"{d}-D" for d in ndim) + " array"
    if layout:
        wanted += f" of shape {layout}"
    if not isinstance(x, np.ndarray):
        if array_like and isinstance(x, (list, tuple)):
            try:
                x = np.asarray(x)
            except ValueError as err:
                raise ValueError(
                    f"{name} must be {wanted} (rectangular), got {name}={describe(x)}"
                ) from err
        else:
            kind = "numpy.ndarray" + (" or nested list of numbers" if array_like else "")
            raise TypeError(
                f"{name} must be a {kind} ({wanted}), got {name}={describe(x)} "
                f"of type {type(x).__name__}"
            )
    if x.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must have a real integer or floating dtype (not bool, complex or "
            f"object), got {name}.dtype={x.dtype}"
        )
    allowed_ndims = None if ndim is None else ((ndim,) if isinstance(ndim, int) else ndim)
    if allowed_ndims is not None and x.ndim not in allowed_ndims:
        raise ValueError(f"{name} must be {wanted}, got {name}.shape={x.shape}")
    if x.ndim == 0:
        raise ValueError(f"{name} must be {wanted} with at least one dimension, got a scalar")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty, got {name}.shape={x.shape}")
    return x
