"""N-dimensional convolve and correlate with scipy's modes ('full', 'valid', 'same').

Results equal ``scipy.signal.convolve`` / ``scipy.signal.correlate`` (``method='direct'``)
for real integer or floating arrays of any number of dimensions. The work is done by the
same sliding-window core as :mod:`convlessons.functional` (one batch, one channel):
correlation slides ``k`` over ``x`` as it is; convolution slides the flipped ``k``.

Output sizes, per dimension, for ``x`` of size ``n`` and ``k`` of size ``m``:

* ``'full'``: ``n + m - 1``, every position where ``x`` and ``k`` overlap at all.
* ``'valid'``: ``|n - m| + 1``, the positions where one lies entirely inside the other.
  As in scipy, one array must be at least as large as the other in *every* dimension;
  when ``k`` is the larger one the roles swap (convolution is commutative; for
  correlation scipy swaps and reverses, which gives the same numbers as the middle of
  the full output). Otherwise ``ValueError``.
* ``'same'``: ``n``, the middle part of the full output, taken from index
  ``(m - 1) // 2`` on. For an even kernel the window cannot be centred: with ``m = 4``,
  output ``i`` of both ``convolve`` and ``correlate`` uses ``x[i - 2 : i + 2]``, two
  samples before ``i`` and one after (``correlate`` pairs ``k[0]`` with ``x[i - 2]``,
  ``convolve`` pairs ``k[3]`` with it). This is scipy's (and numpy's) convention.
  torch's ``padding='same'`` differs for even kernels: it puts the extra zero at the
  end, so its window is ``x[i - 1 : i + 3]``, one sample later.
"""

from __future__ import annotations

import numpy as np

from convlessons._validate import check_array, check_choice
from convlessons.functional import _convnd

__all__ = ["convolve", "correlate"]

_MODES = ("full", "valid", "same")


def _check(x, k, mode):
    x = check_array(x, None, "x", array_like=True)
    k = check_array(k, None, "k", array_like=True)
    if x.ndim != k.ndim:
        raise ValueError(
            f"x and k must have the same number of dimensions, got x.shape={x.shape} and "
            f"k.shape={k.shape}"
        )
    mode = check_choice(mode, "mode", _MODES)
    if mode == "valid":
        x_bigger = all(a >= b for a, b in zip(x.shape, k.shape, strict=True))
        k_bigger = all(b >= a for a, b in zip(x.shape, k.shape, strict=True))
        if not (x_bigger or k_bigger):
            raise ValueError(
                "mode='valid' needs one array at least as large as the other in every "
                f"dimension, got x.shape={x.shape} and k.shape={k.shape}"
            )
    return x, k, mode


def _slide(x, k, mode):
    """Correlate ``x`` with ``k`` (unflipped) and keep the part of the full output
    that ``mode`` asks for, padding (or cropping) ``x`` so that only that part is
    computed."""
    pads = []
    for n, m in zip(x.shape, k.shape, strict=True):
        if mode == "full":
            start, length = 0, n + m - 1
        elif mode == "same":
            start, length = (m - 1) // 2, n
        else:  # valid
            start, length = min(n, m) - 1, abs(n - m) + 1
        # Full output index t uses x[t - (m - 1) : t + 1]: pad m - 1 - start before,
        # and enough after for `length` outputs (negative numbers crop).
        before = m - 1 - start
        after = length + m - 1 - n - before
        pads.append((before, after))
    nd = x.ndim
    out = _convnd(x[None, None], k[None, None], None, (1,) * nd, pads, (1,) * nd, 1)
    return out[0, 0]


def convolve(x, k, mode="full"):
    """N-dimensional convolution (kernel flipped), equal to ``scipy.signal.convolve``.

    Args:
        x: real array (or nested list) of any number of dimensions.
        k: real array with the same number of dimensions as ``x``.
        mode: ``'full'``, ``'valid'`` or ``'same'`` (see the module docstring; for an even
            kernel, ``'same'`` keeps the full output from index ``(m - 1) // 2``).

    Returns:
        Array: ``out[t] = sum over j of x[t - j] * k[j]`` on the positions of ``mode``.

    Raises:
        TypeError: complex or non-numeric input.
        ValueError: different numbers of dimensions, unknown mode, or ``'valid'`` when
            neither array is at least as large as the other in every dimension.

    >>> convolve(np.array([1, 2, 3]), np.array([0, 1, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve(np.array([1, 2, 3]), np.array([0, 1, 0.5]), mode="same")
    array([1. , 2.5, 4. ])
    """
    x, k, mode = _check(x, k, mode)
    return _slide(x, np.flip(k), mode)


def correlate(x, k, mode="full"):
    """N-dimensional cross-correlation (kernel not flipped), equal to ``scipy.signal.correlate``.

    Args:
        x: real array (or nested list) of any number of dimensions.
        k: real array with the same number of dimensions as ``x``.
        mode: ``'full'``, ``'valid'`` or ``'same'`` (see the module docstring).

    Returns:
        Array: ``out[t] = sum over j of x[t + j - (m - 1)] * k[j]`` (full-mode
        indexing) on the positions of ``mode``.

    Raises:
        TypeError: complex or non-numeric input.
        ValueError: different numbers of dimensions, unknown mode, or ``'valid'`` when
            neither array is at least as large as the other in every dimension.

    >>> correlate(np.array([1, 2, 3, 4]), np.array([1, -1]), mode="valid")
    array([-1, -1, -1])
    """
    x, k, mode = _check(x, k, mode)
    return _slide(x, k, mode)
