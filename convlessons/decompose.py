"""Low-rank factorizations of convolution kernels, and composing factor layers back.

A 2-D kernel ``K`` of shape ``(kh, kw)`` is *separable* when it is an outer product
``K = outer(column, row)``: then correlating with ``K`` equals a ``(kh x 1)`` pass with
``column`` followed by a ``(1 x kw)`` pass with ``row``. In matrix language ``K`` has
rank 1. The singular value decomposition ``K = sum_i s_i u_i v_i^T`` writes any kernel
as a sum of ``rank(K)`` such outer products, so any kernel is a sum of separable passes,
and keeping only the largest terms gives the best low-rank approximation (Eckart-Young).

Functions:

* :func:`kernel_rank`: the numerical rank of a 2-D kernel;
* :func:`separate`: the (column, row) pairs of the SVD, exact or truncated;
* :func:`reconstruct`: the kernel a list of pairs adds up to;
* :func:`best_rank1`: the best rank-1 (separable) approximation and its error;
* :func:`compose_conv2d`: the one conv2d weight equal to two stacked conv2d layers.
* :func:`best_rank1_tensor`: the best rank-1 (flattened) approximation of a 3-D filter
  ``(C, kh, kw)``, an outer product of three vectors, by alternating least squares.

Example:
    >>> import numpy as np
    >>> sobel = np.outer([1, 2, 1], [-1, 0, 1])
    >>> kernel_rank(sobel)
    1
    >>> [(column, row)] = separate(sobel)       # one pair, scaled as the SVD likes
    >>> (column / column[0]).round(9).tolist(), (row / row[2]).round(9).tolist()
    ([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from convlessons._validate import check_array, check_int, describe

__all__ = [
    "kernel_rank",
    "separate",
    "reconstruct",
    "Rank1",
    "best_rank1",
    "compose_conv2d",
    "Rank1TensorFit",
    "best_rank1_tensor",
]


def _kernel(kernel) -> np.ndarray:
    k = check_array(kernel, 2, "kernel", layout="(kh, kw)", array_like=True)
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel must contain only finite numbers, got NaN or infinity")
    return k.astype(np.float64)


def _tol(tol) -> float | None:
    if tol is None:
        return None
    if isinstance(tol, bool) or not isinstance(tol, int | float | np.floating | np.integer):
        raise TypeError(f"tol must be None or a non-negative number, got tol={describe(tol)}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be None or a non-negative number, got tol={tol!r}")
    return float(tol)


def _default_tol(s: np.ndarray, shape) -> float:
    """numpy's matrix_rank threshold: largest singular value * max(shape) * eps."""
    return float(s.max(initial=0.0)) * max(shape) * np.finfo(np.float64).eps


def kernel_rank(kernel, tol=None) -> int:
    """Numerical rank of a 2-D kernel: how many separable passes it needs, at least.

    Singular values at or below ``tol`` count as zero; the default is numpy's
    (``max singular value * max(kh, kw) * machine epsilon``), as
    :func:`numpy.linalg.matrix_rank`.

    Args:
        kernel: array ``(kh, kw)`` (nested lists are accepted).
        tol: threshold for "zero", a non-negative number, or ``None`` for the default.

    Returns:
        int between 0 (all-zero kernel) and ``min(kh, kw)``.

    Raises:
        TypeError: ``kernel`` is not a numeric array, or ``tol`` is not a number.
        ValueError: ``kernel`` is not 2-D, is empty or holds NaN/inf; ``tol`` is negative.

    Example:
        >>> kernel_rank([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), kernel_rank(np.eye(3))
        (1, 3)
    """
    k = _kernel(kernel)
    tol = _tol(tol)
    s = np.linalg.svd(k, compute_uv=False)
    threshold = _default_tol(s, k.shape) if tol is None else tol
    return int(np.count_nonzero(s > threshold))


def separate(kernel, rank=None, tol=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split a 2-D kernel into (column, row) pairs whose outer products add up to it.

    From the SVD ``K = sum_i s_i u_i v_i^T``, pair ``i`` is
    ``(sqrt(s_i) u_i, sqrt(s_i) v_i)``, in order of decreasing singular value. With
    ``rank=None`` all ``kernel_rank(kernel, tol)`` pairs are returned and
    ``reconstruct(pairs)`` equals the kernel up to float rounding; with ``rank=r`` only
    the first ``r`` pairs, whose sum is the best rank-``r`` approximation in the
    Frobenius (and spectral) norm. Signs are fixed so that each column's entry of
    largest magnitude is positive (the SVD alone leaves the sign of each pair free).

    Correlating with the kernel then equals the sum, over the pairs, of a ``(kh x 1)``
    pass with ``column`` followed by a ``(1 x kw)`` pass with ``row``
    (:func:`convlessons.functional.spatially_separable_conv2d`).

    Args:
        kernel: array ``(kh, kw)``.
        rank: ``None`` (exact: the numerical rank) or a positive int ``<= min(kh, kw)``.
        tol: zero threshold for the numerical rank (see :func:`kernel_rank`).

    Returns:
        list of ``(column, row)`` pairs of float64 arrays of shapes ``(kh,)`` and
        ``(kw,)``; empty for an all-zero kernel with ``rank=None``.

    Raises:
        TypeError: bad ``kernel``, ``rank`` or ``tol`` type.
        ValueError: ``rank`` out of range, or a bad ``kernel`` / ``tol`` value.

    Example:
        >>> k = np.array([[1.0, 2.0], [3.0, 4.0]])          # rank 2
        >>> pairs = separate(k)
        >>> len(pairs), np.allclose(reconstruct(pairs), k)
        (2, True)
    """
    k = _kernel(kernel)
    tol = _tol(tol)
    u, s, vt = np.linalg.svd(k, full_matrices=False)
    if rank is None:
        threshold = _default_tol(s, k.shape) if tol is None else tol
        r = int(np.count_nonzero(s > threshold))
    else:
        r = check_int(rank, "rank", 1)
        if r > min(k.shape):
            raise ValueError(
                f"rank must be a positive int no larger than min(kh, kw)={min(k.shape)} for a "
                f"kernel of shape {k.shape}, got rank={r}"
            )
    pairs = []
    for i in range(r):
        column, row = u[:, i] * np.sqrt(s[i]), vt[i] * np.sqrt(s[i])
        if column[np.argmax(np.abs(column))] < 0:
            column, row = -column, -row
        pairs.append((column + 0.0, row + 0.0))  # + 0.0 turns -0.0 into 0.0
    return pairs


def reconstruct(pairs) -> np.ndarray:
    """The kernel that (column, row) pairs add up to: ``sum_i outer(column_i, row_i)``.

    Args:
        pairs: non-empty sequence of ``(column, row)`` with 1-D arrays; every column has
            the same length ``kh`` and every row the same length ``kw``.

    Returns:
        float64 array ``(kh, kw)``.

    Raises:
        TypeError: ``pairs`` is not a sequence of pairs of arrays.
        ValueError: empty, or lengths that disagree.

    Example:
        >>> reconstruct([(np.array([1, 2, 1]), np.array([-1, 0, 1]))]).astype(int).tolist()
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    """
    if not isinstance(pairs, list | tuple) or not pairs:
        raise TypeError(f"pairs must be a non-empty list of (column, row) pairs, "
                        f"got pairs={describe(pairs)}")
    total = None
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TypeError(f"pairs[{i}] must be a (column, row) pair, got {describe(pair)}")
        column = check_array(pair[0], 1, f"pairs[{i}][0] (column)", layout="(kh,)",
                             array_like=True)
        row = check_array(pair[1], 1, f"pairs[{i}][1] (row)", layout="(kw,)", array_like=True)
        term = np.outer(column.astype(np.float64), row.astype(np.float64))
        if total is not None and term.shape != total.shape:
            raise ValueError(
                f"every pair must give a kernel of shape {total.shape}, got pairs[{i}] with "
                f"column length {column.shape[0]} and row length {row.shape[0]}"
            )
        total = term if total is None else total + term
    return total


class Rank1(NamedTuple):
    """The best separable (rank-1) approximation of a kernel, from :func:`best_rank1`.

    Attributes:
        column: ``(kh,)`` vertical factor.
        row: ``(kw,)`` horizontal factor.
        approximation: ``outer(column, row)``, shape ``(kh, kw)``.
        error: Frobenius norm of ``kernel - approximation``: the square root of the sum of
            the squared singular values after the first.
        relative_error: ``error / ||kernel||_F`` (0 for a separable kernel, 0 for the zero
            kernel).
        energy: fraction of ``||kernel||_F**2`` the approximation keeps, ``s_1**2 / sum s_i**2``.
    """

    column: np.ndarray
    row: np.ndarray
    approximation: np.ndarray
    error: float
    relative_error: float
    energy: float


def best_rank1(kernel) -> Rank1:
    """The closest separable kernel (in the Frobenius norm) to ``kernel``, and how far it is.

    By the Eckart-Young theorem the closest rank-1 matrix is ``s_1 u_1 v_1^T``, the first
    term of the SVD, and the distance is ``sqrt(s_2**2 + s_3**2 + ...)``.

    Args:
        kernel: array ``(kh, kw)``.

    Returns:
        :class:`Rank1`.

    Raises:
        TypeError, ValueError: as :func:`separate`.

    Example:
        >>> r = best_rank1([[1.0, 0.0], [0.0, 1.0]])     # the identity is far from separable
        >>> r.approximation.round(3).tolist(), round(r.relative_error, 4), r.energy
        ([[1.0, 0.0], [0.0, 0.0]], 0.7071, 0.5)
    """
    k = _kernel(kernel)
    column, row = separate(k, rank=1)[0]
    approximation = np.outer(column, row)
    s = np.linalg.svd(k, compute_uv=False)
    total = float(np.sum(s**2))
    error = float(np.sqrt(np.sum(s[1:] ** 2)))
    norm = float(np.sqrt(total))
    relative = error / norm if norm > 0 else 0.0
    energy = float(s[0] ** 2 / total) if total > 0 else 1.0
    return Rank1(column, row, approximation, error, relative, energy)


def compose_conv2d(first, second) -> np.ndarray:
    """The single conv2d weight that equals ``first`` followed by ``second`` (stride 1).

    Two stacked stride-1 convolutions without bias or activation between them are one
    convolution: ``conv2d(conv2d(x, first), second) == conv2d(x, W)`` ('valid' padding,
    no dilation, ``groups=1``), with
    ``W[o, c] = sum_m full_convolution(first[m, c], second[o, m])`` of spatial size
    ``(kh1 + kh2 - 1, kw1 + kw2 - 1)``. For a ``(1 x n)`` layer followed by an
    ``(n x 1)`` layer each ``W[o, c]`` is a sum of ``C_mid`` outer products, so its rank can
    reach ``min(n, C_mid)``: channel mixing between the two passes makes Inception-v3's
    asymmetric factorization far less restrictive than one separable kernel.

    Args:
        first: weight ``(C_mid, C_in, kh1, kw1)`` of the first layer (torch layout).
        second: weight ``(C_out, C_mid, kh2, kw2)`` of the second layer.

    Returns:
        float64 array ``(C_out, C_in, kh1 + kh2 - 1, kw1 + kw2 - 1)``.

    Raises:
        TypeError: a weight is not a numeric array.
        ValueError: a weight is not 4-D, or ``second.shape[1] != first.shape[0]``.

    Example:
        >>> h = np.array([-1.0, 0.0, 1.0]).reshape(1, 1, 1, 3)   # a 1x3 layer
        >>> v = np.array([1.0, 2.0, 1.0]).reshape(1, 1, 3, 1)    # then a 3x1 layer
        >>> compose_conv2d(h, v)[0, 0].astype(int).tolist()       # the Sobel kernel
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    """
    a = check_array(first, 4, "first", layout="(C_mid, C_in, kh1, kw1)").astype(np.float64)
    b = check_array(second, 4, "second", layout="(C_out, C_mid, kh2, kw2)").astype(np.float64)
    if b.shape[1] != a.shape[0]:
        raise ValueError(
            f"second.shape[1] (its input channels) must equal first.shape[0]={a.shape[0]} (the "
            f"first layer's output channels), got second.shape={b.shape}"
        )
    (_, c_in, kh1, kw1), (c_out, _, kh2, kw2) = a.shape, b.shape
    out = np.zeros((c_out, c_in, kh1 + kh2 - 1, kw1 + kw2 - 1))
    # Full 2-D convolution of each pair of kernels, as a sum of shifted copies of `a`:
    # cross-correlating with a, then with b, is cross-correlating with a * b (convolution).
    for i in range(kh2):
        for j in range(kw2):
            out[:, :, i:i + kh1, j:j + kw1] += np.einsum("om,mcuv->ocuv", b[:, :, i, j], a)
    return out


# --------------------------------------------------------------------------- lesson 09


class Rank1TensorFit(NamedTuple):
    """Result of :func:`best_rank1_tensor`: three 1-D factors per filter and the error.

    For a single ``(C, kh, kw)`` filter the factors are vectors; for a filter bank
    ``(C_out, C, kh, kw)`` each factor has one row per filter, exactly the ``lateral``,
    ``vertical`` and ``horizontal`` arguments of
    :func:`convlessons.functional.flattened_conv2d`.

    Attributes:
        lateral: ``(C,)`` or ``(C_out, C)``; carries the scale (and sign).
        vertical: ``(kh,)`` or ``(C_out, kh)``; unit length, largest entry positive.
        horizontal: ``(kw,)`` or ``(C_out, kw)``; unit length, largest entry positive.
        tensor: the rank-1 approximation, same shape as the input.
        relative_error: ``||W - tensor|| / ||W||`` (Frobenius), a float for one filter or
            an array ``(C_out,)`` with one value per filter (0 for an all-zero filter).
    """

    lateral: np.ndarray
    vertical: np.ndarray
    horizontal: np.ndarray
    tensor: np.ndarray
    relative_error: float | np.ndarray


def _leading_vector(matrices):
    """Leading left singular vector of each matrix in a stack ``(F, m, n)`` -> ``(F, m)``."""
    u, _, _ = np.linalg.svd(matrices, full_matrices=False)
    return u[..., 0]


def _positive_peak(v):
    """+1 or -1 per row so that each row's entry of largest magnitude becomes positive.

    Ties (up to rounding, as in ``[-1, 0, 1]``) go to the first such entry.
    """
    mags = np.abs(v)
    first = np.argmax(mags >= mags.max(axis=-1, keepdims=True) * (1 - 1e-9), axis=-1)
    peak = np.take_along_axis(v, first[..., None], axis=-1)[..., 0]
    return np.where(peak < 0, -1.0, 1.0)


def best_rank1_tensor(weight, iters=50):
    """Best rank-1 approximation of a 3-D filter (or of each filter of a bank).

    Finds vectors ``a`` (channels), ``b`` (rows), ``c`` (columns) minimizing
    ``||W - a ⊗ b ⊗ c||`` by alternating least squares (the higher-order power method):
    with two of the vectors fixed the best third one is a contraction of ``W``, so each
    sweep updates ``a``, then ``b``, then ``c``; the error never increases. The start is
    the truncated HOSVD (the leading singular vector of each unfolding of ``W``), which
    is already close to optimal for most filters. A rank-1 ``W`` is recovered exactly.

    This is the post-hoc factorization a flattened layer (lesson 09) would need to
    replace a trained ``C x kh x kw`` filter by a lateral, a vertical and a horizontal
    1-D filter; ``relative_error`` measures what it throws away.

    Args:
        weight: real array ``(C, kh, kw)`` (one filter) or ``(C_out, C, kh, kw)``.
        iters: positive int, the number of ALS sweeps.

    Returns:
        :class:`Rank1TensorFit`.

    Raises:
        TypeError: ``weight`` is not a real numeric array, or ``iters`` is not an int.
        ValueError: wrong number of dimensions, an empty or non-finite ``weight``, or
            ``iters < 1``.

    Example:
        >>> w = np.einsum("i,j,k->ijk", [1.0, -2.0], [1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
        >>> fit = best_rank1_tensor(w)
        >>> bool(np.allclose(fit.tensor, w)), round(fit.relative_error, 12)
        (True, 0.0)
        >>> fit.lateral.shape, fit.vertical.shape, fit.horizontal.shape
        ((2,), (3,), (3,))
    """
    w = check_array(weight, (3, 4), "weight", layout="(C, kh, kw) or (C_out, C, kh, kw)",
                    array_like=True)
    if not np.all(np.isfinite(w)):
        raise ValueError("weight must contain only finite numbers, got NaN or inf in weight")
    iters = check_int(iters, "iters", 1)
    single = w.ndim == 3
    t = w[None].astype(np.float64) if single else w.astype(np.float64)
    n_filters, channels, kh, kw = t.shape
    # truncated HOSVD start: leading singular vector of the row and column unfoldings
    b = _leading_vector(t.transpose(0, 2, 1, 3).reshape(n_filters, kh, channels * kw))
    c = _leading_vector(t.transpose(0, 3, 1, 2).reshape(n_filters, kw, channels * kh))
    a = np.zeros((n_filters, channels))
    for _ in range(iters):
        a = np.einsum("fcij,fi,fj->fc", t, b, c)
        a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-300)
        b = np.einsum("fcij,fc,fj->fi", t, a, c)
        b /= np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-300)
        c = np.einsum("fcij,fc,fi->fj", t, a, b)
        c /= np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-300)
    scale = np.einsum("fcij,fc,fi,fj->f", t, a, b, c)
    sb, sc = _positive_peak(b), _positive_peak(c)
    lateral = a * (scale * sb * sc)[:, None]
    vertical, horizontal = b * sb[:, None] + 0.0, c * sc[:, None] + 0.0  # no -0.0
    approx = np.einsum("fc,fi,fj->fcij", lateral, vertical, horizontal)
    norms = np.linalg.norm(t.reshape(n_filters, -1), axis=1)
    diff = np.linalg.norm((t - approx).reshape(n_filters, -1), axis=1)
    errors = np.divide(diff, norms, out=np.zeros(n_filters), where=norms > 0)
    if single:
        return Rank1TensorFit(lateral[0], vertical[0], horizontal[0], approx[0],
                              float(errors[0]))
    return Rank1TensorFit(lateral, vertical, horizontal, approx, errors)
