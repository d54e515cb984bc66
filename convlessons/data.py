"""Sample inputs without downloads: a real photograph that matplotlib ships, and
deterministic synthetic images, volumes and a short video.

Every function returns a new float64 numpy array with values in ``[0, 1]`` and is
deterministic (synthetic data with randomness takes a ``seed``).

Example:
    >>> checkerboard(4, 1).astype(int).tolist()[:2]
    [[1, 0, 1, 0], [0, 1, 0, 1]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["photo", "checkerboard", "step_edge", "synthetic_volume", "moving_square_video"]

_PHOTOS = ("grace_hopper.jpg", "logo2.png")


def _positive_int(value, name: str, minimum: int = 1) -> int:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {name}={value!r}")
    return int(value)


def photo(gray=True, size=None):
    """A real photograph: the portrait of Grace Hopper that matplotlib ships as sample data.

    Args:
        gray: return luminance ``(H, W)`` (ITU-R 601 weights) instead of RGB ``(H, W, 3)``.
        size: ``None`` for the original (600×512 pixels); an int ``n`` for the centred square
            crop resized to ``n×n``; or ``(h, w)`` to resize the whole image.

    Returns:
        float64 array in ``[0, 1]``.

    Example:
        >>> photo(size=32).shape, photo(gray=False, size=(20, 10)).shape
        ((32, 32), (20, 10, 3))
    """
    import matplotlib.cbook as cbook
    from PIL import Image

    if not isinstance(gray, bool):
        raise TypeError(f"gray must be True or False, got gray={gray!r}")
    if size is not None:
        if isinstance(size, tuple | list):
            if len(size) != 2:
                raise ValueError(f"size must be an int or an (h, w) pair, got size={size!r}")
            size = tuple(_positive_int(v, "size") for v in size)
        else:
            size = _positive_int(size, "size")
    image = None
    for name in _PHOTOS:
        try:
            path = cbook.get_sample_data(name, asfileobj=False)
        except (FileNotFoundError, ValueError):
            continue
        image = Image.open(path).convert("RGB")
        break
    if image is None:  # pragma: no cover - matplotlib always ships sample data
        raise FileNotFoundError(f"none of matplotlib's sample images {_PHOTOS} was found")
    if isinstance(size, int):
        w, h = image.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        image = image.crop((left, top, left + side, top + side)).resize(
            (size, size), Image.Resampling.BOX if size < side else Image.Resampling.BICUBIC)
    elif size is not None:
        image = image.resize((size[1], size[0]), Image.Resampling.BOX)
    rgb = np.asarray(image, dtype=np.float64) / 255.0
    if gray:
        return np.clip(rgb @ np.array([0.299, 0.587, 0.114]), 0.0, 1.0)
    return rgb


def checkerboard(n=8, square=1):
    """An ``n × n`` image of alternating squares, 1 in the top-left square.

    Args:
        n: image side in pixels.
        square: side of each square in pixels.

    Returns:
        float64 array ``(n, n)`` of 0s and 1s.
    """
    n = _positive_int(n, "n")
    square = _positive_int(square, "square")
    r, c = np.indices((n, n)) // square
    return ((r + c) % 2 == 0).astype(np.float64)


def step_edge(size=8, *, orientation="vertical", position=None, low=0.0, high=1.0):
    """An image with one sharp edge: ``low`` on one side, ``high`` on the other.

    Args:
        size: int (square) or ``(h, w)``.
        orientation: ``'vertical'`` (dark left, bright right), ``'horizontal'`` (dark
            top, bright bottom) or ``'diagonal'`` (bright below the main diagonal).
        position: first bright column (row) for vertical (horizontal) edges; default
            the middle.
        low, high: the two levels, in ``[0, 1]``.

    Returns:
        float64 array ``(h, w)``.

    Example:
        >>> step_edge(4).tolist()[0]
        [0.0, 0.0, 1.0, 1.0]
    """
    if isinstance(size, tuple | list):
        if len(size) != 2:
            raise ValueError(f"size must be an int or an (h, w) pair, got size={size!r}")
        h, w = (_positive_int(v, "size", 2) for v in size)
    else:
        h = w = _positive_int(size, "size", 2)
    if orientation not in ("vertical", "horizontal", "diagonal"):
        raise ValueError(
            "orientation must be 'vertical', 'horizontal' or 'diagonal', got "
            f"orientation={orientation!r}"
        )
    for name, v in (("low", low), ("high", high)):
        if not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 1:
            raise ValueError(f"{name} must be a number in [0, 1], got {name}={v!r}")
    r, c = np.indices((h, w))
    if orientation == "diagonal":
        bright = r > c
    else:
        extent = w if orientation == "vertical" else h
        pos = extent // 2 if position is None else position
        if not isinstance(pos, int) or isinstance(pos, bool) or not 0 < pos < extent:
            raise ValueError(
                f"position must be an int in 1..{extent - 1}, got position={position!r}"
            )
        bright = (c if orientation == "vertical" else r) >= pos
    return np.where(bright, float(high), float(low))


def synthetic_volume(shape=(32, 32, 32), kind="spheres", seed=0):
    """A 3-D test volume: a few solid balls, or a tube winding through the volume.

    Args:
        shape: ``(D, H, W)``, each side >= 8.
        kind: ``'spheres'`` (3 to 5 balls of different brightness) or ``'tube'`` (a
            bright tube whose centre drifts in (h, w) as depth increases).
        seed: seed of the random placement (``'spheres'``).

    Returns:
        float64 array ``(D, H, W)`` in ``[0, 1]`` (0 background).

    Example:
        >>> v = synthetic_volume((16, 16, 16), "tube")
        >>> v.shape, float(v.max())
        ((16, 16, 16), 1.0)
    """
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise ValueError(f"shape must be a (D, H, W) tuple, got shape={shape!r}")
    d, h, w = (_positive_int(v, "shape", 8) for v in shape)
    if kind not in ("spheres", "tube"):
        raise ValueError(f"kind must be 'spheres' or 'tube', got kind={kind!r}")
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got seed={seed!r}")
    z, y, x = np.indices((d, h, w)).astype(np.float64)
    volume = np.zeros((d, h, w))
    if kind == "spheres":
        rng = np.random.default_rng(seed)
        count = int(rng.integers(3, 6))
        small = min(d, h, w)
        for i in range(count):
            radius = rng.uniform(0.12, 0.22) * small
            centre = [rng.uniform(radius, n - 1 - radius) for n in (d, h, w)]
            inside = (z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2
            level = 1.0 if i == 0 else float(rng.uniform(0.5, 1.0))
            volume = np.maximum(volume, np.where(inside <= radius**2, level, 0.0))
    else:
        t = z / max(d - 1, 1)
        cy = (h - 1) * (0.5 + 0.3 * np.sin(2 * np.pi * t))
        cx = (w - 1) * (0.5 + 0.3 * np.cos(2 * np.pi * t))
        radius = 0.12 * min(h, w)
        volume = ((y - cy) ** 2 + (x - cx) ** 2 <= radius**2).astype(np.float64)
    return volume


def moving_square_video(frames=8, size=16, *, square=4, velocity=(1, 1)):
    """A short video ``(T, H, W)``: a bright square moving at constant velocity.

    The square starts in the top-left corner and bounces off the borders.

    Args:
        frames: number of frames T.
        size: frame side in pixels (square frames).
        square: side of the moving square (smaller than ``size``).
        velocity: ``(rows, cols)`` pixels per frame.

    Returns:
        float64 array ``(T, size, size)`` of 0s and 1s.

    Example:
        >>> v = moving_square_video(3, 8, square=2)
        >>> [tuple(int(i) for i in np.argwhere(f)[0]) for f in v]
        [(0, 0), (1, 1), (2, 2)]
    """
    frames = _positive_int(frames, "frames")
    size = _positive_int(size, "size", 2)
    square = _positive_int(square, "square")
    if square >= size:
        raise ValueError(f"square must be smaller than size={size}, got square={square}")
    if (
        not isinstance(velocity, tuple | list)
        or len(velocity) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in velocity)
    ):
        raise ValueError(f"velocity must be a (rows, cols) pair of ints, got velocity={velocity!r}")
    span = size - square

    def bounce(p):  # reflect a position into [0, span]
        p = p % (2 * span) if span else 0
        return p if p <= span else 2 * span - p

    video = np.zeros((frames, size, size))
    for t in range(frames):
        r, c = bounce(t * velocity[0]), bounce(t * velocity[1])
        video[t, r : r + square, c : c + square] = 1.0
    return video
