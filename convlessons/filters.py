"""Classic hand-made kernels: Sobel edge filters (1-D, 2-D, 3-D), Gaussian and box filters.

These are the filters image processing used long before kernels were learned. The lessons
use them as readable examples: a Sobel filter is a smoothing vector times a derivative
vector (an outer product, hence separable), a Gaussian is a product of 1-D Gaussians.

Every function returns a float64 numpy array whose axes follow the torch layout of a single
kernel: ``(kw,)`` in 1-D, ``(kh, kw)`` in 2-D and ``(kd, kh, kw)`` in 3-D. Sign convention:
the derivative taps are ``[-1, 0, 1]`` in index order, so *cross-correlation* (what
``torch.nn.functional.conv*d`` computes) gives a positive response where the values grow
along ``axis``.

Example:
    >>> sobel2d(axis=1).astype(int).tolist()
    [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "SMOOTHING_1D",
    "DERIVATIVE_1D",
    "sobel",
    "sobel1d",
    "sobel2d",
    "sobel3d",
    "gaussian1d",
    "gaussian",
    "box",
    "gabor",
]

#: The 3-tap binomial smoothing vector of the Sobel filter.
SMOOTHING_1D = (1.0, 2.0, 1.0)
#: The 3-tap central-difference vector of the Sobel filter.
DERIVATIVE_1D = (-1.0, 0.0, 1.0)


def _check_int(name: str, value, *, minimum: int, allowed: str) -> int:
    """Return ``value`` as an int after checking its type and lower bound."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {name}={value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be {allowed}, got {name}={value!r}")
    return int(value)


def _check_axis(axis, ndim: int) -> int:
    """Normalise ``axis`` (negative values count from the end) for an ``ndim``-D kernel."""
    allowed = f"an int in [{-ndim}, {ndim - 1}] for a {ndim}-D kernel"
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be {allowed}, got axis={axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis must be {allowed}, got axis={axis!r}")
    return int(axis) % ndim


def _outer(vectors: list[np.ndarray]) -> np.ndarray:
    """Outer product of 1-D vectors: result[i, j, ...] = v0[i] * v1[j] * ..."""
    result = np.asarray(vectors[0], dtype=np.float64)
    for v in vectors[1:]:
        result = np.multiply.outer(result, np.asarray(v, dtype=np.float64))
    return result


def sobel(ndim: int, axis: int) -> np.ndarray:
    """The 3-tap Sobel kernel in ``ndim`` dimensions that differentiates along ``axis``.

    The kernel is the outer product of ``[-1, 0, 1]`` along ``axis`` and the smoothing
    vector ``[1, 2, 1]`` along every other axis, so it has ``3**ndim`` taps, sums to zero
    and its absolute values sum to ``2 * 4**(ndim - 1)``.

    Args:
        ndim: number of dimensions, 1, 2 or 3.
        axis: the axis along which the kernel differentiates (negative counts from the end).

    Returns:
        float64 array of shape ``(3,) * ndim``.

    Raises:
        TypeError: if ``ndim`` or ``axis`` is not an int.
        ValueError: if ``ndim`` is not 1, 2 or 3, or ``axis`` is out of range.

    Example:
        >>> sobel(1, 0).tolist()
        [-1.0, 0.0, 1.0]
    """
    allowed = "1, 2 or 3"
    ndim = _check_int("ndim", ndim, minimum=1, allowed=allowed)
    if ndim > 3:
        raise ValueError(f"ndim must be {allowed}, got ndim={ndim!r}")
    axis = _check_axis(axis, ndim)
    vectors = [DERIVATIVE_1D if a == axis else SMOOTHING_1D for a in range(ndim)]
    return _outer([np.array(v) for v in vectors])


def sobel1d() -> np.ndarray:
    """The 1-D derivative part of the Sobel filter, ``[-1, 0, 1]``, shape ``(3,)``.

    Example:
        >>> sobel1d().tolist()
        [-1.0, 0.0, 1.0]
    """
    return sobel(1, 0)


def sobel2d(axis: int = 1) -> np.ndarray:
    """The 3x3 Sobel kernel, shape ``(kh, kw) = (3, 3)``.

    Args:
        axis: 1 (default) differentiates along the width (finds vertical edges),
            0 along the height (finds horizontal edges).

    Returns:
        float64 array of shape ``(3, 3)``; for ``axis=1`` it is
        ``outer([1, 2, 1], [-1, 0, 1])``.

    Example:
        >>> sobel2d(axis=0).astype(int).tolist()
        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    """
    return sobel(2, axis)


def sobel3d(axis: int = 0) -> np.ndarray:
    """The 3x3x3 Sobel kernel, shape ``(kd, kh, kw) = (3, 3, 3)``.

    It differentiates along ``axis`` and smooths with ``[1, 2, 1]`` along the two other
    axes. Weight it into a ``Conv3d`` as ``w[None, None]`` (shape ``(1, 1, 3, 3, 3)``).

    Args:
        axis: 0 (default) depth, 1 height, 2 width; negative values count from the end.

    Returns:
        float64 array of shape ``(3, 3, 3)``.

    Example:
        >>> k = sobel3d(axis=0)
        >>> k.shape, k.sum(), k[2].astype(int).tolist()
        ((3, 3, 3), np.float64(0.0), [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    """
    return sobel(3, axis)


def gaussian1d(size: int, sigma: float) -> np.ndarray:
    """A sampled 1-D Gaussian of odd length ``size``, normalised to sum to 1.

    Args:
        size: number of taps, an odd positive int.
        sigma: standard deviation in taps, a positive number.

    Returns:
        float64 array of shape ``(size,)``, symmetric about the centre tap.

    Example:
        >>> gaussian1d(3, 1.0).round(4).tolist()
        [0.2741, 0.4519, 0.2741]
    """
    size = _check_int("size", size, minimum=1, allowed="an odd positive int")
    if size % 2 == 0:
        raise ValueError(f"size must be an odd positive int, got size={size!r}")
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"sigma must be a positive number, got sigma={sigma!r}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number, got sigma={sigma!r}")
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-0.5 * (x / float(sigma)) ** 2)
    return g / g.sum()


def gaussian(size: int, sigma: float, ndim: int = 2) -> np.ndarray:
    """An ``ndim``-D Gaussian kernel: the outer product of ``ndim`` 1-D Gaussians.

    Args:
        size: taps per axis, an odd positive int.
        sigma: standard deviation in taps, a positive number.
        ndim: number of dimensions, 1, 2 or 3.

    Returns:
        float64 array of shape ``(size,) * ndim`` that sums to 1.

    Example:
        >>> g = gaussian(5, 1.0, ndim=3)
        >>> g.shape, round(float(g.sum()), 12)
        ((5, 5, 5), 1.0)
    """
    allowed = "1, 2 or 3"
    ndim = _check_int("ndim", ndim, minimum=1, allowed=allowed)
    if ndim > 3:
        raise ValueError(f"ndim must be {allowed}, got ndim={ndim!r}")
    g = gaussian1d(size, sigma)
    return _outer([g] * ndim)


def box(size: int, ndim: int = 2) -> np.ndarray:
    """A box (mean) filter: ``size**ndim`` equal taps that sum to 1.

    Args:
        size: taps per axis, a positive int.
        ndim: number of dimensions, 1, 2 or 3.

    Returns:
        float64 array of shape ``(size,) * ndim``.

    Example:
        >>> box(2, ndim=3).shape, box(2, ndim=3)[0, 0, 0]
        ((2, 2, 2), np.float64(0.125))
    """
    size = _check_int("size", size, minimum=1, allowed="a positive int")
    allowed = "1, 2 or 3"
    ndim = _check_int("ndim", ndim, minimum=1, allowed=allowed)
    if ndim > 3:
        raise ValueError(f"ndim must be {allowed}, got ndim={ndim!r}")
    return np.full((size,) * ndim, 1.0 / size**ndim)


def gabor(size: int, theta: float, wavelength: float, sigma: float,
          phase: float = 0.0) -> np.ndarray:
    """A 2-D Gabor filter: a cosine grating under a round Gaussian window.

    ``g[i, j] = exp(-(x² + y²) / (2 sigma²)) * cos(2 pi x' / wavelength + phase)`` with
    ``x = j - c``, ``y = i - c`` (``c`` the centre tap) and ``x' = x cos(theta) +
    y sin(theta)``. Edge and bar detectors of this shape are what the first layer of a
    trained CNN typically learns. With ``theta`` a multiple of ``pi/2`` the filter is an
    outer product of two 1-D vectors (rank 1, separable); at other angles it is not.

    Args:
        size: taps per side, an odd positive int.
        theta: orientation of the grating's wave vector, in radians (0: the stripes are
            vertical, the filter varies along the columns).
        wavelength: period of the cosine in taps, a positive number.
        sigma: standard deviation of the Gaussian window in taps, a positive number.
        phase: phase offset of the cosine in radians (0: even, ``pi/2``: odd filter).

    Returns:
        float64 array ``(size, size)``.

    Example:
        >>> g = gabor(5, 0.0, 4.0, 1.5)
        >>> np.linalg.matrix_rank(g), np.linalg.matrix_rank(gabor(5, np.pi / 4, 4.0, 1.5)) > 1
        (np.int64(1), np.True_)
    """
    size = _check_int("size", size, minimum=1, allowed="an odd positive int")
    if size % 2 == 0:
        raise ValueError(f"size must be an odd positive int, got size={size!r}")
    for name, value, positive in (("theta", theta, False), ("wavelength", wavelength, True),
                                  ("sigma", sigma, True), ("phase", phase, False)):
        allowed = "a positive number" if positive else "a finite number"
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be {allowed}, got {name}={value!r}")
        if not np.isfinite(value) or (positive and value <= 0):
            raise ValueError(f"{name} must be {allowed}, got {name}={value!r}")
    half = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) - half
    rotated = x * np.cos(theta) + y * np.sin(theta)
    window = np.exp(-(x**2 + y**2) / (2.0 * float(sigma) ** 2))
    return window * np.cos(2.0 * np.pi * rotated / float(wavelength) + float(phase))
