"""Static figures for the lessons: what a teacher would draw on the board.

Every function draws real data, takes ``ax=None`` (or ``axes=None`` for multi-panel
figures), and returns what it drew on: single-panel functions return the
:class:`~matplotlib.axes.Axes`, multi-panel functions return the
:class:`~matplotlib.figure.Figure`. Nothing here touches ``rcParams`` or calls
``plt.style.use``; colours are fixed module constants so every lesson looks alike:

* input cells are blue, kernels orange, outputs green;
* padding cells are grey and hatched;
* the current kernel window (in the input) and the output cell it writes are outlined
  in the same red, so the eye links the two.

Example:
    >>> import numpy as np
    >>> from convlessons import plotting
    >>> ax = plotting.grid(np.arange(9).reshape(3, 3), highlight=(0, 0, 2, 2), title="x")
    >>> ax.get_title()
    'x'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.patches import Polygon, Rectangle

from convlessons._validate import check_groups, check_int

__all__ = [
    "INPUT_CMAP",
    "KERNEL_CMAP",
    "OUTPUT_CMAP",
    "HIGHLIGHT",
    "PADDING_COLOR",
    "BLOCK_COLORS",
    "GROUP_COLORS",
    "grid",
    "conv_steps",
    "tensor_blocks",
    "connectivity",
    "cost_curves",
    "coverage_map",
    "volume_slices",
    "voxels",
    "signal_1d",
    "place_ops",
    "depthwise_separable_blocks",
    "transposed_steps",
    "outer_product",
    "separable_steps",
    "flattened_kernel",
    "grouped_conv_blocks",
    "shuffle_diagram",
    "UNIT_COLORS",
    "residual_unit_diagram",
]

INPUT_CMAP = "Blues"
KERNEL_CMAP = "Oranges"
OUTPUT_CMAP = "Greens"
HIGHLIGHT = "#d62728"
PADDING_COLOR = "#e6e6e6"
PADDING_EDGE = "#9a9a9a"
LINE_COLOR = "#555555"
#: default face colours of tensor blocks: input, filter, output, then more
BLOCK_COLORS = ("#6baed6", "#fd8d3c", "#74c476", "#9e9ac8", "#fdd0a2", "#a1d99b")
#: qualitative colours for channel groups / filters (colour-blind friendly order)
GROUP_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


# --------------------------------------------------------------------------- helpers


def _as_array(values, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    if hasattr(values, "detach"):  # torch tensor
        values = values.detach().cpu().numpy()
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a numeric array, got {name} of type {type(values).__name__}"
        ) from exc
    if arr.ndim not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be a {allowed} array, got {name} with shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got {name} with shape {arr.shape}")
    return arr


def _pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    what = "a positive int" if minimum == 1 else "a non-negative int"
    items = value if isinstance(value, tuple | list) else (value, value)
    if len(items) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= minimum
        for v in items
    ):
        raise ValueError(f"{name} must be {what} or a pair of them, got {name}={value!r}")
    return int(items[0]), int(items[1])


def _is_intlike(arr: np.ndarray) -> bool:
    finite = arr[np.isfinite(arr)]
    return finite.size == 0 or bool(np.all(np.abs(finite - np.round(finite)) < 1e-9))


def _formatter(arr: np.ndarray, fmt):
    if fmt is None:
        finite = arr[np.isfinite(arr)]
        if _is_intlike(arr):
            return lambda v: f"{int(round(v))}"
        if finite.size and np.max(np.abs(finite)) >= 100:
            return lambda v: f"{v:.3g}"
        return lambda v: f"{v:.2f}"
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string like '.2f' or '{{:.2f}}', got fmt={fmt!r}")
    if "{" in fmt:
        return lambda v: fmt.format(v)
    return lambda v: format(v, fmt)


def _light_colors(arr: np.ndarray, cmap, vmin=None, vmax=None) -> np.ndarray:
    """RGBA per cell from the light part of ``cmap`` so black numbers stay readable."""
    cm = plt.get_cmap(cmap)
    finite = arr[np.isfinite(arr)]
    lo = float(np.min(finite)) if vmin is None and finite.size else (vmin or 0.0)
    hi = float(np.max(finite)) if vmax is None and finite.size else (vmax or 1.0)
    span = hi - lo
    t = np.zeros_like(arr) if span <= 0 else np.clip((arr - lo) / span, 0.0, 1.0)
    rgba = cm(0.12 + 0.5 * np.nan_to_num(t))
    rgba[~np.isfinite(arr)] = (1.0, 1.0, 1.0, 1.0)
    return rgba


def _auto_fontsize(ax, nrows: int, ncols: int, longest: int) -> float:
    fig = ax.figure
    box = ax.get_position()
    fw, fh = fig.get_size_inches()
    cell = min(box.width * fw * 72 / ncols, box.height * fh * 72 / nrows)
    size = min(cell * 0.45, cell * 1.5 / max(longest, 1))
    return float(np.clip(size, 5, 15))


def _rects(highlight) -> list[tuple[int, int, int, int]]:
    if highlight is None:
        return []
    if (
        isinstance(highlight, tuple | list)
        and len(highlight) == 4
        and all(isinstance(v, int | np.integer) for v in highlight)
    ):
        return [tuple(int(v) for v in highlight)]
    try:
        rects = [tuple(int(v) for v in r) for r in highlight]
    except TypeError as exc:
        raise TypeError(
            "highlight must be a (row0, col0, nrows, ncols) tuple or a list of them, "
            f"got highlight={highlight!r}"
        ) from exc
    if not all(len(r) == 4 for r in rects):
        raise ValueError(
            "highlight must be a (row0, col0, nrows, ncols) tuple or a list of them, "
            f"got highlight={highlight!r}"
        )
    return rects


def _new_axes(figsize):
    fig, ax = plt.subplots(figsize=figsize)
    return ax


# --------------------------------------------------------------------------- grid


def grid(
    values,
    ax=None,
    *,
    highlight=None,
    title=None,
    fmt=None,
    cmap=INPUT_CMAP,
    annotate=True,
    padding=0,
    highlight_color=HIGHLIGHT,
    vmin=None,
    vmax=None,
    fontsize=None,
    index_labels=True,
):
    """Draw a 2-D array as a grid of cells with its number written in each cell.

    Args:
        values: array of shape ``(H, W)``; a 1-D array ``(W,)`` is drawn as one row.
            NaN cells are drawn empty (white, no number): use them for "not yet computed".
        ax: axes to draw on; a new figure is made when ``None``.
        highlight: a ``(row0, col0, nrows, ncols)`` rectangle, or a list of them, outlined
            in ``highlight_color`` (e.g. the kernel window).
        title: axes title.
        fmt: number format (``'.1f'`` or ``'{:.1f}'``); default: integers when every value
            is a whole number, else two decimals.
        cmap: colormap name; only its light half is used so the numbers stay legible.
        annotate: write the numbers.
        padding: int or ``(pad_h, pad_w)``: the outer ring of ``values`` that is padding;
            drawn grey and hatched, and the index labels start at ``-padding``.
        highlight_color: outline colour of ``highlight``.
        vmin, vmax: colour range (default: the data's range).
        fontsize: number size in points (default: fitted to the cell size).
        index_labels: label rows and columns with their indices.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = grid([[1, 2], [3, 4]], title="2×2")
        >>> [t.get_text() for t in ax.texts]
        ['1', '2', '3', '4']
    """
    arr = _as_array(values, "values", (1, 2))
    if arr.ndim == 1:
        arr = arr[None, :]
    ph, pw = _pair(padding, "padding", minimum=0)
    h, w = arr.shape
    if (ph and 2 * ph >= h) or (pw and 2 * pw >= w):
        raise ValueError(
            f"padding must leave at least one interior cell, got padding={padding!r} "
            f"for values of shape {arr.shape}"
        )
    rects = _rects(highlight)
    if ax is None:
        ax = _new_axes((min(10, max(2.4, 0.55 * w + 0.9)), min(10, max(1.4, 0.55 * h + 0.9))))

    interior = np.zeros_like(arr, dtype=bool)
    interior[ph : h - ph, pw : w - pw] = True
    rgba = _light_colors(np.where(interior, arr, np.nan), cmap, vmin, vmax)
    ax.imshow(rgba, extent=(-0.5, w - 0.5, h - 0.5, -0.5), interpolation="nearest")
    for r in range(h):
        for c in range(w):
            if not interior[r, c]:
                ax.add_patch(
                    Rectangle(
                        (c - 0.5, r - 0.5),
                        1,
                        1,
                        facecolor=PADDING_COLOR,
                        edgecolor=PADDING_EDGE,
                        hatch="///",
                        linewidth=0,
                    )
                )
    ax.hlines(np.arange(-0.5, h), -0.5, w - 0.5, color=LINE_COLOR, linewidth=0.8)
    ax.vlines(np.arange(-0.5, w), -0.5, h - 0.5, color=LINE_COLOR, linewidth=0.8)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_aspect("equal")

    if annotate:
        form = _formatter(arr, fmt)
        labels = [[form(v) if np.isfinite(v) else "" for v in row] for row in arr]
        longest = max(len(s) for row in labels for s in row) if labels else 1
        size = fontsize or _auto_fontsize(ax, h, w, longest)
        for r in range(h):
            for c in range(w):
                if labels[r][c]:
                    ax.text(
                        c,
                        r,
                        labels[r][c],
                        ha="center",
                        va="center",
                        fontsize=size,
                        color="#444444" if not interior[r, c] else "black",
                    )
    for r0, c0, nr, nc in rects:
        ax.add_patch(
            Rectangle(
                (c0 - 0.5, r0 - 0.5),
                nc,
                nr,
                fill=False,
                edgecolor=highlight_color,
                linewidth=3,
                zorder=5,
                clip_on=False,
            )
        )
    if index_labels and max(h, w) <= 24:
        step = 1 if max(h, w) <= 12 else 2
        ax.set_xticks(np.arange(0, w, step), [str(i - pw) for i in range(0, w, step)])
        ax.set_yticks(np.arange(0, h, step), [str(i - ph) for i in range(0, h, step)])
        ax.tick_params(length=0, labelsize=7, labelcolor="#777777")
        if h == 1:
            ax.set_yticks([])
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- conv_steps


def _conv_result(x: np.ndarray, k: np.ndarray, stride, padding, dilation) -> np.ndarray:
    """Cross-correlation of one 1-D or 2-D channel via ``convlessons.functional``."""
    from convlessons import functional as F

    if x.ndim == 1:
        out = F.conv1d(x[None, None], k[None, None], stride=stride, padding=padding,
                       dilation=dilation)
    else:
        out = F.conv2d(x[None, None], k[None, None], stride=stride, padding=padding,
                       dilation=dilation)
    return np.asarray(out, dtype=float)[0, 0]


def _window_plan(x, k, stride, padding, dilation):
    """Shared validation and geometry of a single-channel sliding window (1-D or 2-D)."""
    x = _as_array(x, "x", (1, 2))
    k = _as_array(k, "k", (1, 2))
    if x.ndim != k.ndim:
        raise ValueError(
            f"x and k must have the same number of dimensions, got x.ndim={x.ndim} "
            f"and k.ndim={k.ndim}"
        )
    one_d = x.ndim == 1
    if one_d:
        for name, v in (("stride", stride), ("padding", padding), ("dilation", dilation)):
            if isinstance(v, tuple | list):
                if len(v) != 1:
                    raise ValueError(f"{name} must be an int for a 1-D input, got {name}={v!r}")
        stride, padding, dilation = (v[0] if isinstance(v, tuple | list) else v
                                     for v in (stride, padding, dilation))
    s = _pair(stride, "stride", minimum=1)
    p = _pair(padding, "padding", minimum=0)
    d = _pair(dilation, "dilation", minimum=1)
    x2 = x[None, :] if one_d else x
    k2 = k[None, :] if one_d else k
    if one_d:
        s, p, d = (1, s[1]), (0, p[1]), (1, d[1])
    padded = np.pad(x2, ((p[0], p[0]), (p[1], p[1])))
    eff = tuple(d[i] * (k2.shape[i] - 1) + 1 for i in range(2))
    for i, axis in enumerate(("height", "width") if not one_d else ("length", "length")):
        if one_d and i == 0:
            continue
        if eff[i] > padded.shape[i]:
            raise ValueError(
                f"the kernel does not fit: its {axis} spans {eff[i]} cells "
                f"(kernel {k2.shape[i]}, dilation {d[i]}) but the padded input {axis} is "
                f"{padded.shape[i]} (input {x2.shape[i]} + 2×padding {p[i]}); "
                "use a smaller kernel or dilation, or more padding"
            )
    out_shape = tuple((padded.shape[i] - eff[i]) // s[i] + 1 for i in range(2))
    return {
        "x": x2, "k": k2, "padded": padded, "stride": s, "padding": p, "dilation": d,
        "out_shape": out_shape, "one_d": one_d,
        "args": (s[1], p[1], d[1]) if one_d else (s, p, d),
    }


def _window_cells(plan, position):
    """Highlight rectangles (in padded coordinates) of the taps for one output index."""
    i, j = position
    (sh, sw), (dh, dw) = plan["stride"], plan["dilation"]
    kh, kw = plan["k"].shape
    r0, c0 = i * sh, j * sw
    if dh == 1 and dw == 1:
        return [(r0, c0, kh, kw)]
    return [(r0 + a * dh, c0 + b * dw, 1, 1) for a in range(kh) for b in range(kw)]


def place_ops(fig, pairs, *, fontsize=22):
    """Write an operator symbol midway between two axes, e.g. ``[(ax_a, ax_b, "=")]``.

    The axes are laid out first (equal-aspect axes shrink inside their slots), so the
    symbol lands in the real gap between them. Returns the text artists.
    """
    texts = []
    for left, right, sym in pairs:
        left.apply_aspect()
        right.apply_aspect()
        a, b = left.get_position(), right.get_position()
        x = (a.x1 + b.x0) / 2
        y = (max(a.y0, b.y0) + min(a.y1, b.y1)) / 2
        texts.append(fig.text(x, y, sym, ha="center", va="center", fontsize=fontsize,
                              color=LINE_COLOR))
    return texts


def _size_text(shape, one_d):
    return f"{shape[1]}" if one_d else f"{shape[0]}×{shape[1]}"


def conv_steps(
    x,
    k,
    *,
    stride=1,
    padding=0,
    dilation=1,
    position=(0, 0),
    axes=None,
    show_sum=True,
):
    """Three panels, input | kernel | output, for one position of the sliding window.

    Deep-learning convolution is cross-correlation: the output cell is the sum of the
    element-wise product of the kernel with the input window, no flip. The window for
    output index ``position`` is outlined in the (padded) input, and the cell it writes is
    outlined in the output, both in red.

    Args:
        x: input of shape ``(H, W)`` (or ``(L,)`` for 1-D).
        k: kernel of shape ``(kh, kw)`` (or ``(k,)``).
        stride, padding, dilation: int or pair, as ``torch.nn.functional.conv2d``.
        position: output index ``(row, col)`` (an int for 1-D) whose window is shown.
        axes: three axes to draw on; a new figure is made when ``None``.
        show_sum: write the products that make the output cell under the figure.

    Returns:
        The figure; its axes are titled ``input …``, ``kernel …``, ``output …``.

    Example:
        >>> fig = conv_steps(np.arange(16).reshape(4, 4), np.ones((3, 3)))
        >>> [ax.get_title().split()[0] for ax in fig.axes]
        ['input', 'kernel', 'output']
    """
    plan = _window_plan(x, k, stride, padding, dilation)
    one_d = plan["one_d"]
    if one_d and isinstance(position, int | np.integer) and not isinstance(position, bool):
        position = (0, int(position))
    if (
        not isinstance(position, tuple | list)
        or len(position) != 2
        or not all(isinstance(v, int | np.integer) for v in position)
    ):
        raise TypeError(
            f"position must be an output index (row, col) (an int for 1-D), got "
            f"position={position!r}"
        )
    oh, ow = plan["out_shape"]
    if not (0 <= position[0] < oh and 0 <= position[1] < ow):
        raise ValueError(
            f"position must index the output of shape {(oh, ow) if not one_d else (ow,)}, "
            f"got position={tuple(position) if not one_d else position[1]}"
        )
    out = _conv_result(plan["x"][0] if one_d else plan["x"], plan["k"][0] if one_d
                       else plan["k"], *plan["args"])
    out = out[None, :] if one_d else out
    padded, kern = plan["padded"], plan["k"]
    p = plan["padding"]
    if axes is None:
        wp, wk, wo = padded.shape[1], kern.shape[1], out.shape[1]
        hmax = max(padded.shape[0], kern.shape[0], out.shape[0])
        width = min(16, 0.55 * (wp + wk + wo) + 3.2)
        height = min(9, 0.55 * hmax + (1.5 if show_sum else 1.1))
        fig, axes = plt.subplots(
            1, 3, figsize=(width, height),
            gridspec_kw={"width_ratios": [wp, max(wk, 1.6), max(wo, 1.6)], "wspace": 0.45},
        )
    else:
        if len(axes) != 3:
            raise ValueError(f"axes must hold 3 axes (input, kernel, output), got {len(axes)}")
        fig = axes[0].figure
    ax_in, ax_k, ax_out = axes
    cells = _window_cells(plan, position)
    in_title = f"input {_size_text(plan['x'].shape, one_d)}"
    if any(p):
        shown = p[1] if one_d or p[0] == p[1] else p
        in_title += f"\npadding {shown} → {_size_text(padded.shape, one_d)}"
    grid(padded, ax_in, highlight=cells, padding=p, title=in_title, cmap=INPUT_CMAP)
    k_title = f"kernel {_size_text(kern.shape, one_d)}"
    if plan["dilation"] != (1, 1):
        d = plan["dilation"]
        k_title += f"\ndilation {d[1] if one_d or d[0] == d[1] else d}"
    grid(kern, ax_k, title=k_title, cmap=KERNEL_CMAP)
    s = plan["stride"]
    o_title = f"output {_size_text(out.shape, one_d)}"
    if s != (1, 1):
        o_title += f"\nstride {s[1] if one_d or s[0] == s[1] else s}"
    grid(out, ax_out, highlight=(position[0], position[1], 1, 1), title=o_title,
         cmap=OUTPUT_CMAP)
    place_ops(fig, [(ax_in, ax_k, "∗"), (ax_k, ax_out, "=")])
    if show_sum:
        i, j = position
        taps = []
        (sh, sw), (dh, dw) = plan["stride"], plan["dilation"]
        for a in range(kern.shape[0]):
            for b in range(kern.shape[1]):
                taps.append((padded[i * sh + a * dh, j * sw + b * dw], kern[a, b]))
        form = _formatter(np.concatenate([padded.ravel(), kern.ravel(), out.ravel()]), None)
        idx = f"{j}" if one_d else f"{i}, {j}"
        value = form(out[i, j])
        if len(taps) <= 9:
            def term(v):
                return f"({form(v)})" if v < 0 else form(v)

            terms = " + ".join(f"{term(a)}·{term(b)}" for a, b in taps)
            text = f"output[{idx}] = {terms} = {value}"
        else:
            text = (f"output[{idx}] = sum of the {len(taps)} products "
                    f"window × kernel = {value}")
        bottom = min(a.get_position().y0 for a in (ax_in, ax_k, ax_out))
        y = bottom - 0.32 / fig.get_size_inches()[1]
        fig.text(0.5, max(0.0, y), text, ha="center", va="top", fontsize=10)
    return fig


# --------------------------------------------------------------------------- tensor_blocks


def _shade(color, factor: float):
    """Mix ``color`` with white (factor > 0) or black (factor < 0)."""
    rgb = np.array(mcolors.to_rgb(color))
    target = np.ones(3) if factor > 0 else np.zeros(3)
    return tuple(rgb + (target - rgb) * abs(factor))


def _group_ids(spec, count: int, block: int) -> list[int] | None:
    if spec is None:
        return None
    if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
        if spec < 1 or count % spec:
            raise ValueError(
                f"groups[{block}] must divide the {count} channels of block {block}, "
                f"got groups[{block}]={spec}"
            )
        size = count // spec
        return [c // size for c in range(count)]
    ids = list(spec)
    if len(ids) != count or not all(isinstance(v, int | np.integer) for v in ids):
        raise ValueError(
            f"groups[{block}] must be None, an int, or {count} int group ids (one per "
            f"channel), got groups[{block}]={spec!r}"
        )
    return [int(v) for v in ids]


def _runs(ids: list[int]) -> list[tuple[int, int, int]]:
    """(start, stop, id) runs of equal consecutive ids."""
    runs, start = [], 0
    for c in range(1, len(ids) + 1):
        if c == len(ids) or ids[c] != ids[start]:
            runs.append((start, c, ids[start]))
            start = c
    return runs


_DEPTH_DIR = (math.cos(math.radians(35)), math.sin(math.radians(35)))


def _cuboid(ax, x0, y0, w, h, d, channels, color, ids, cell_grid):
    """Draw one cuboid: front face w × h at (x0, y0) (bottom-left), depth d."""
    dx, dy = d * _DEPTH_DIR[0], d * _DEPTH_DIR[1]
    edge = dict(edgecolor="#333333", linewidth=0.9)
    strips = _runs(ids) if ids is not None else [(0, channels, None)]
    thin = channels <= 16

    def colour(gid):
        return GROUP_COLORS[gid % len(GROUP_COLORS)] if gid is not None else color

    # top and right faces, split into channel strips (front strip = channel 0)
    for start, stop, gid in strips:
        f0, f1 = start / channels, stop / channels
        base = colour(gid)
        top = [
            (x0 + f0 * dx, y0 + h + f0 * dy),
            (x0 + w + f0 * dx, y0 + h + f0 * dy),
            (x0 + w + f1 * dx, y0 + h + f1 * dy),
            (x0 + f1 * dx, y0 + h + f1 * dy),
        ]
        side = [
            (x0 + w + f0 * dx, y0 + f0 * dy),
            (x0 + w + f1 * dx, y0 + f1 * dy),
            (x0 + w + f1 * dx, y0 + h + f1 * dy),
            (x0 + w + f0 * dx, y0 + h + f0 * dy),
        ]
        ax.add_patch(Polygon(top, closed=True, facecolor=_shade(base, 0.35), **edge))
        ax.add_patch(Polygon(side, closed=True, facecolor=_shade(base, -0.2), **edge))
    if thin and channels > 1:  # thin lines between individual channels
        for c in range(1, channels):
            f = c / channels
            ax.plot([x0 + f * dx, x0 + w + f * dx, x0 + w + f * dx],
                    [y0 + h + f * dy, y0 + h + f * dy, y0 + f * dy],
                    color="#333333", linewidth=0.4)
    front_color = colour(strips[0][2])
    ax.add_patch(Rectangle((x0, y0), w, h, facecolor=front_color, **edge))
    if cell_grid is not None:
        rows, cols = cell_grid
        for r in range(1, rows):
            ax.plot([x0, x0 + w], [y0 + r * h / rows] * 2, color="#333333", linewidth=0.4)
        for c in range(1, cols):
            ax.plot([x0 + c * w / cols] * 2, [y0, y0 + h], color="#333333", linewidth=0.4)
    return dx, dy


def tensor_blocks(
    shapes,
    labels=None,
    ax=None,
    *,
    ops=None,
    colors=None,
    groups=None,
    max_filters: int = 4,
):
    """Draw tensors as 3-D blocks, left to right: front face H × W, depth = channels.

    Each block is labelled with its shape ``H×W×C`` underneath and its name above.
    Sizes are drawn to scale when every side is small (≤ 10); otherwise they are
    compressed (square root) so a 224×224×3 image and a 7×7×1024 map both fit, while
    the labels keep the true numbers.

    Args:
        shapes: sequence of ``(C, H, W)`` tuples, or ``(N, C, H, W)`` for a filter bank
            of N filters (drawn as a short stack, at most ``max_filters`` visible).
        labels: one name per block (e.g. ``["input", "filters", "output"]``).
        ax: axes to draw on; a new figure is made when ``None``.
        ops: ``len(shapes) - 1`` strings written between blocks (``"*"``, ``"="``, ``"→"``).
        colors: one face colour per block (default: blue, orange, green, …).
        groups: one entry per block: ``None`` (one colour), an int ``g`` (the channels
            split into ``g`` equal groups, each its own colour), or a list of group ids,
            one per channel. For a filter bank, the entry colours the filters instead,
            and defaults to one colour per filter, so matching an output block's
            ``groups=list(range(N))`` shows which filter makes which channel.
        max_filters: most filters drawn for a filter bank.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = tensor_blocks([(3, 5, 5), (1, 3, 3, 3), (1, 3, 3)],
        ...                    ["input", "filter", "output"], ops=["*", "="])
        >>> sorted(t.get_text() for t in ax.texts if "×" in t.get_text())
        ['1 × 3×3×3', '3×3×1', '5×5×3']
    """
    if isinstance(shapes, str | bytes) or not isinstance(shapes, Sequence) or not shapes:
        raise TypeError(f"shapes must be a non-empty list of (C, H, W) tuples, got {shapes!r}")
    parsed = []
    for i, shape in enumerate(shapes):
        if (
            not isinstance(shape, tuple | list)
            or len(shape) not in (3, 4)
            or not all(isinstance(v, int | np.integer) and v >= 1 for v in shape)
        ):
            raise ValueError(
                f"shapes[{i}] must be a (C, H, W) or (N, C, H, W) tuple of positive ints, "
                f"got shapes[{i}]={shape!r}"
            )
        parsed.append(tuple(int(v) for v in shape))
    n = len(parsed)
    for name, seq in (("labels", labels), ("colors", colors), ("groups", groups)):
        if seq is not None and (isinstance(seq, str) or len(seq) != n):
            raise ValueError(f"{name} must have one entry per shape ({n}), got {name}={seq!r}")
    if ops is not None and (isinstance(ops, str) or len(ops) != n - 1):
        raise ValueError(f"ops must have len(shapes) - 1 = {n - 1} strings, got ops={ops!r}")
    if ax is None:
        ax = _new_axes((min(14, 2.6 * n + 1), 3.4))

    hw_max = max(max(s[-2], s[-1]) for s in parsed)
    c_max = max(s[-3] for s in parsed)
    linear = hw_max <= 10

    def side(v):
        return float(v) if linear else max(1.0, 10.0 * math.sqrt(v / hw_max))

    def depth(c):
        if c_max <= 10:
            return 0.6 * c if linear else 0.6 * c * 10 / max(hw_max, 1) ** 0.5
        return max(0.6, 6.0 * math.sqrt(c / c_max))

    x = 0.0
    tops, bottom = [], 0.0
    centers = []
    for i, shape in enumerate(parsed):
        bank = len(shape) == 4
        count, (c, h, w) = (shape[0], shape[1:]) if bank else (1, shape)
        fw, fh, fd = side(w), side(h), depth(c)
        color = colors[i] if colors is not None else BLOCK_COLORS[i % len(BLOCK_COLORS)]
        spec = groups[i] if groups is not None else None
        cell_grid = (h, w) if linear and max(h, w) <= 10 else None
        if bank:
            ids = _group_ids(spec, count, i) if spec is not None else list(range(count))
            shown = min(count, max_filters)
            gap = 0.6
            total_h = shown * fh + (shown - 1) * gap
            y = total_h / 2
            for f in range(shown):
                y_f = y - (f + 1) * fh - f * gap
                _cuboid(ax, x, y_f, fw, fh, fd, c, None, [ids[f]] * c, cell_grid)
            if count > shown:
                ax.text(x + fw / 2, -total_h / 2 - 0.5, "⋮", ha="center", va="top", fontsize=14)
            top_y = total_h / 2 + fd * _DEPTH_DIR[1]
            low_y = -total_h / 2 - (2.2 if count > shown else 0.3)
            shape_text = f"{count} × {h}×{w}×{c}"
        else:
            ids = _group_ids(spec, c, i)
            _cuboid(ax, x, -fh / 2, fw, fh, fd, c, color, ids, cell_grid)
            top_y = fh / 2 + fd * _DEPTH_DIR[1]
            low_y = -fh / 2 - 0.3
            shape_text = f"{h}×{w}×{c}"
        right = x + fw + fd * _DEPTH_DIR[0]
        centers.append((x, right))
        ax.text((x + right) / 2, low_y, shape_text, ha="center", va="top", fontsize=11)
        if labels is not None:
            ax.text((x + right) / 2, top_y + 0.4, str(labels[i]), ha="center", va="bottom",
                    fontsize=12, fontweight="bold")
        tops.append(top_y)
        bottom = min(bottom, low_y)
        x = right + (2.6 if ops is not None else 1.6) * (1 if linear else 1.3)
    if ops is not None:
        for i, op in enumerate(ops):
            mid = (centers[i][1] + centers[i + 1][0]) / 2
            ax.text(mid, 0, str(op), ha="center", va="center", fontsize=22, color=LINE_COLOR)
    ax.set_xlim(-1.0, centers[-1][1] + 1.0)
    ax.set_ylim(bottom - 1.6, max(tops) + 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --------------------------------------------------------------------------- connectivity


def connectivity(
    matrix,
    ax=None,
    *,
    title=None,
    xlabel="input channel",
    ylabel="output channel",
    annotate=False,
):
    """Draw a channel-connectivity matrix as blocks: row = output, column = input.

    A boolean matrix shows which input channels each output channel reads (block
    diagonal for grouped convolution, a permutation for a channel shuffle); a numeric
    matrix is drawn with a diverging colour map when it has negative entries.

    Args:
        matrix: array of shape ``(C_out, C_in)``; booleans or weights.
        ax: axes to draw on; a new figure is made when ``None``.
        title, xlabel, ylabel: text of the axes.
        annotate: write the values in the cells (numeric matrices up to 16×16).

    Returns:
        The axes drawn on.

    Example:
        >>> ax = connectivity(np.kron(np.eye(2), np.ones((2, 2))) > 0, title="groups=2")
        >>> ax.get_xlabel(), ax.get_title()
        ('input channel', 'groups=2')
    """
    raw = np.asarray(matrix.detach().cpu().numpy() if hasattr(matrix, "detach") else matrix)
    if raw.ndim != 2 or raw.size == 0:
        raise ValueError(
            f"matrix must be a non-empty 2-D (C_out, C_in) array, got matrix with shape "
            f"{raw.shape}"
        )
    is_bool = raw.dtype == bool
    arr = _as_array(raw.astype(float), "matrix", (2,))
    rows, cols = arr.shape
    if ax is None:
        ax = _new_axes((min(8, 0.35 * cols + 1.8), min(8, 0.35 * rows + 1.4)))
    extent = (-0.5, cols - 0.5, rows - 0.5, -0.5)
    if is_bool:
        cmap = mcolors.ListedColormap(["#ffffff", "#2b6cb0"])
        ax.imshow(arr, cmap=cmap, vmin=0, vmax=1, extent=extent, interpolation="nearest")
    elif np.nanmin(arr) < 0:
        lim = float(np.nanmax(np.abs(arr))) or 1.0
        image = ax.imshow(arr, cmap="RdBu_r", vmin=-lim, vmax=lim, extent=extent,
                          interpolation="nearest")
        ax.figure.colorbar(image, ax=ax, shrink=0.8)
    else:
        image = ax.imshow(arr, cmap="Blues", extent=extent, interpolation="nearest")
        ax.figure.colorbar(image, ax=ax, shrink=0.8)
    if max(rows, cols) <= 48:
        ax.hlines(np.arange(-0.5, rows), -0.5, cols - 0.5, color="#bbbbbb", linewidth=0.5)
        ax.vlines(np.arange(-0.5, cols), -0.5, rows - 0.5, color="#bbbbbb", linewidth=0.5)
    for spine in ax.spines.values():
        spine.set_color(LINE_COLOR)
    step_c = max(1, math.ceil(cols / 16))
    step_r = max(1, math.ceil(rows / 16))
    ax.set_xticks(np.arange(0, cols, step_c))
    ax.set_yticks(np.arange(0, rows, step_r))
    ax.tick_params(labelsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if annotate and not is_bool and max(rows, cols) <= 16:
        form = _formatter(arr, None)
        for r in range(rows):
            for c in range(cols):
                ax.text(c, r, form(arr[r, c]), ha="center", va="center", fontsize=8)
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- cost_curves


def cost_curves(x, curves, ax=None, *, xlabel, ylabel, title=None, logy=False, logx=False):
    """Plot cost (parameters, multiply-adds, time) against a size, one line per variant.

    Args:
        x: 1-D array of sizes (the x axis).
        curves: ``{label: y}`` with each ``y`` the same length as ``x``.
        ax: axes to draw on; a new figure is made when ``None``.
        xlabel, ylabel: axis labels (required: a cost plot without units teaches nothing).
        title: axes title.
        logy, logx: logarithmic axes.

    Returns:
        The axes drawn on.

    Example:
        >>> n = np.arange(1, 6)
        >>> ax = cost_curves(n, {"k=3": 9 * n**2}, xlabel="n", ylabel="MACs")
        >>> [line.get_label() for line in ax.get_lines()]
        ['k=3']
    """
    xs = _as_array(x, "x", (1,))
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict {{label: y}}, got {curves!r}")
    for name, value in (("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {name}={value!r}")
    ys = {}
    for label, y in curves.items():
        arr = _as_array(y, f"curves[{label!r}]", (1,))
        if arr.shape != xs.shape:
            raise ValueError(
                f"curves[{label!r}] must have the same length as x ({xs.size}), got "
                f"length {arr.size}"
            )
        if logy and np.any(arr <= 0):
            raise ValueError(f"logy=True needs positive values, curves[{label!r}] has some <= 0")
        ys[label] = arr
    if ax is None:
        ax = _new_axes((6, 3.8))
    markers = "osD^v<>p"
    for i, (label, arr) in enumerate(ys.items()):
        ax.plot(xs, arr, marker=markers[i % len(markers)], markersize=4, label=str(label),
                color=GROUP_COLORS[i % len(GROUP_COLORS)])
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.8)
    ax.legend(frameon=False)
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- coverage_map


def coverage_map(counts, ax=None, *, title=None, annotate=True, cmap="YlOrRd"):
    """Draw a non-negative integer map (coverage or overlap counts); zeros are holes.

    Cells with count 0 are white with red cross-hatching and a red ``0``, so gaps
    (e.g. the gridding problem of repeated dilation) jump out. The other cells are shaded
    by their count.

    Args:
        counts: integer array ``(H, W)`` (or ``(L,)``) of non-negative counts.
        ax: axes to draw on; a new figure is made when ``None``.
        title: axes title.
        annotate: write each count in its cell.
        cmap: colormap of the non-zero counts.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = coverage_map([[1, 0], [2, 1]])
        >>> sum(1 for p in ax.patches if p.get_hatch())
        1
    """
    arr = _as_array(counts, "counts", (1, 2))
    if arr.ndim == 1:
        arr = arr[None, :]
    if not _is_intlike(arr) or np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("counts must hold non-negative whole numbers, got values like "
                         f"{arr.ravel()[:4].tolist()}")
    h, w = arr.shape
    if ax is None:
        ax = _new_axes((min(10, 0.5 * w + 1.2), min(10, 0.5 * h + 1.0)))
    shown = np.where(arr > 0, arr, np.nan)
    grid(shown, ax, cmap=cmap, annotate=annotate, vmin=0, vmax=max(1.0, float(arr.max())),
         index_labels=True)
    holes = np.argwhere(arr == 0)
    for r, c in holes:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white",
                               edgecolor=HIGHLIGHT, hatch="xx", linewidth=0, alpha=0.6))
        if annotate and max(h, w) <= 24:
            ax.text(c, r, "0", ha="center", va="center", color=HIGHLIGHT, fontweight="bold",
                    fontsize=_auto_fontsize(ax, h, w, 1))
    if len(holes):
        ax.set_xlabel(f"hatched: 0, a hole never covered ({len(holes)} cells)", fontsize=9,
                      color=HIGHLIGHT)
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- volumes


def volume_slices(volume, axes=None, *, n=4, title=None, axis=0, cmap="gray"):
    """Show ``n`` evenly spaced 2-D slices through a 3-D volume, on one colour scale.

    Args:
        volume: array of shape ``(D, H, W)`` (or a video ``(T, H, W)``).
        axes: ``n`` axes to draw on; a new one-row figure is made when ``None``.
        n: number of slices.
        title: figure title.
        axis: the axis sliced across (0: depth / time).
        cmap: colormap.

    Returns:
        The figure.

    Example:
        >>> fig = volume_slices(np.zeros((8, 4, 4)), n=2)
        >>> [ax.get_title() for ax in fig.axes]
        ['slice 0 of 8', 'slice 7 of 8']
    """
    vol = _as_array(volume, "volume", (3,))
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got n={n!r}")
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2, got axis={axis!r}")
    depth = vol.shape[axis]
    idx = sorted(set(np.linspace(0, depth - 1, min(n, depth)).round().astype(int).tolist()))
    if axes is None:
        fig, axes = plt.subplots(1, len(idx), figsize=(2.2 * len(idx) + 0.4, 2.6),
                                 squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(np.ravel(axes))
        if len(axes) < len(idx):
            raise ValueError(f"axes must hold at least {len(idx)} axes, got {len(axes)}")
        fig = axes[0].figure
    lo, hi = float(np.min(vol)), float(np.max(vol))
    hi = hi if hi > lo else lo + 1.0
    for ax, i in zip(axes, idx, strict=False):
        ax.imshow(np.take(vol, i, axis=axis), cmap=cmap, vmin=lo, vmax=hi,
                  interpolation="nearest")
        ax.set_title(f"slice {i} of {depth}")
        ax.set_xticks([])
        ax.set_yticks([])
    if title is not None:
        fig.suptitle(title)
    return fig


def voxels(volume, ax=None, *, threshold=0.5, color=None, max_size=24, title=None):
    """3-D voxel view of the cells of ``volume`` above ``threshold``.

    Large volumes are subsampled (every f-th voxel) so no side exceeds ``max_size``;
    matplotlib draws each voxel face as a polygon and would otherwise be slow.

    Args:
        volume: array of shape ``(D, H, W)``.
        ax: a 3-D axes (``projection="3d"``); a new figure is made when ``None``.
        threshold: voxels with value > threshold are drawn.
        color: face colour (default: shaded by value with ``Blues``).
        max_size: largest side drawn before subsampling.
        title: axes title.

    Returns:
        The 3-D axes drawn on.

    Example:
        >>> vol = np.zeros((4, 4, 4)); vol[1:3, 1:3, 1:3] = 1
        >>> ax = voxels(vol)
        >>> ax.name
        '3d'
    """
    vol = _as_array(volume, "volume", (3,))
    if not isinstance(max_size, int | np.integer) or max_size < 2:
        raise ValueError(f"max_size must be an int >= 2, got max_size={max_size!r}")
    factor = max(1, math.ceil(max(vol.shape) / max_size))
    vol = vol[::factor, ::factor, ::factor]
    if ax is None:
        fig = plt.figure(figsize=(4.2, 4.2))
        ax = fig.add_subplot(projection="3d")
    elif not hasattr(ax, "voxels"):
        raise TypeError("ax must be a 3-D axes (fig.add_subplot(projection='3d')), got "
                        f"{type(ax).__name__}")
    filled = vol > threshold
    if color is None:
        lo, hi = float(vol.min()), float(vol.max())
        t = (vol - lo) / (hi - lo) if hi > lo else np.ones_like(vol)
        faces = plt.get_cmap("Blues")(0.4 + 0.5 * t)
    else:
        faces = np.broadcast_to(np.array(mcolors.to_rgba(color)), (*vol.shape, 4))
    ax.voxels(filled, facecolors=faces, edgecolor=(0.2, 0.2, 0.2, 0.3), linewidth=0.3)
    ax.set_xlabel("depth")
    ax.set_ylabel("height")
    ax.set_zlabel("width")
    sub = f" (subsampled by {factor})" if factor > 1 else ""
    ax.set_title(title if title is not None else f"{int(filled.sum())} voxels > {threshold}{sub}")
    return ax


# --------------------------------------------------------------------------- signal_1d


def signal_1d(x, ax=None, *, title=None, label=None, start=0, annotate=None, color=None,
              highlight=None):
    """Stem plot of a 1-D signal, with its values written above the stems when short.

    Args:
        x: 1-D array.
        ax: axes to draw on; a new figure is made when ``None``.
        title: axes title.
        label: legend label.
        start: index of the first sample (e.g. ``-(k - 1)`` for a 'full' output).
        annotate: write the values (default: when at most 20 samples).
        color: stem colour (default: the input blue).
        highlight: index (in the ``start``-based numbering) or list of indices whose stems
            are drawn in red.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = signal_1d([1, 2, 0, -1], title="x")
        >>> ax.get_title(), len(ax.texts)
        ('x', 4)
    """
    arr = _as_array(x, "x", (1,))
    if not isinstance(start, int | np.integer) or isinstance(start, bool):
        raise TypeError(f"start must be an int, got start={start!r}")
    n = np.arange(start, start + arr.size)
    if ax is None:
        ax = _new_axes((min(10, 0.45 * arr.size + 2), 2.4))
    color = color or GROUP_COLORS[0]
    stems = ax.stem(n, arr, linefmt="-", markerfmt="o", basefmt=" ", label=label)
    stems.markerline.set_color(color)
    stems.stemlines.set_color(color)
    ax.axhline(0, color="#999999", linewidth=0.8)
    if highlight is not None:
        marks = [highlight] if isinstance(highlight, int | np.integer) else list(highlight)
        for m in marks:
            if start <= m < start + arr.size:
                ax.plot([m, m], [0, arr[m - start]], color=HIGHLIGHT, linewidth=2.5)
                ax.plot([m], [arr[m - start]], "o", color=HIGHLIGHT)
    if annotate is None:
        annotate = arr.size <= 20
    if annotate:
        form = _formatter(arr, None)
        span = float(np.ptp(arr)) or 1.0
        for i, v in zip(n, arr, strict=True):
            off = 0.06 * span if v >= 0 else -0.06 * span
            ax.text(i, v + off, form(v), ha="center", va="bottom" if v >= 0 else "top",
                    fontsize=9)
        lo, hi = float(min(arr.min(), 0)), float(max(arr.max(), 0))
        ax.set_ylim(lo - 0.22 * span, hi + 0.22 * span)
    if arr.size <= 30:
        ax.set_xticks(n)
    ax.set_xlim(n[0] - 0.7, n[-1] + 0.7)
    ax.tick_params(labelsize=8)
    for side_ in ("top", "right"):
        ax.spines[side_].set_visible(False)
    if label is not None:
        ax.legend(frameon=False, fontsize=8)
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- lesson 08


def depthwise_separable_blocks(in_channels, out_channels, kernel_size, input_size, *,
                               axes=None):
    """Standard convolution vs its depthwise separable replacement, as 3-D blocks.

    Three rows (stride 1, no padding, output side ``o = input_size - kernel_size + 1``):

    1. standard: the input ``input_size² × C_in`` convolved with ``C_out`` filters of
       ``k × k × C_in`` gives ``o² × C_out``;
    2. depthwise step: ``C_in`` kernels of ``k × k × 1``, kernel ``c`` on channel ``c``
       only (same colour), give ``o² × C_in``;
    3. pointwise step: ``C_out`` filters of ``1 × 1 × C_in`` mix the channels into
       ``o² × C_out``.

    Args:
        in_channels: positive int ``C_in``.
        out_channels: positive int ``C_out``.
        kernel_size: positive int ``k`` (square kernels).
        input_size: positive int, the input side; at least ``kernel_size``.
        axes: three axes to draw on; a new 3-row figure is made when ``None``.

    Returns:
        The figure drawn on.

    Example:
        >>> fig = depthwise_separable_blocks(3, 128, 3, 7)
        >>> [ax.get_title(loc="left")[:9] for ax in fig.axes]
        ['standard:', 'step 1, d', 'step 2, p']
    """
    names = ("in_channels", "out_channels", "kernel_size", "input_size")
    values = (in_channels, out_channels, kernel_size, input_size)
    for name, value in zip(names, values, strict=True):
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise TypeError(f"{name} must be a positive int, got {name}={value!r}")
        if value < 1:
            raise ValueError(f"{name} must be a positive int, got {name}={value!r}")
    c, n, k, i = (int(v) for v in values)
    if k > i:
        raise ValueError(
            f"kernel_size must not exceed input_size (no padding), got kernel_size={k} with "
            f"input_size={i}"
        )
    if axes is None:
        fig, axes = plt.subplots(3, 1, figsize=(9, 8.4), layout="constrained")
    else:
        axes = list(np.ravel(axes))
        if len(axes) != 3:
            raise ValueError(f"axes must hold 3 axes (one per row), got {len(axes)}")
        fig = axes[0].figure
    o = i - k + 1
    per_channel = list(range(c)) if c <= len(GROUP_COLORS) else None  # else too thin
    s = "s" if n > 1 else ""
    tensor_blocks([(c, i, i), (n, c, k, k), (n, o, o)], ["input", f"{n} filter{s}", "output"],
                  ax=axes[0], ops=["*", "="])
    axes[0].set_title(f"standard: {n} filter{s} of {k}×{k}×{c}", loc="left", pad=14)
    tensor_blocks([(c, i, i), (c, 1, k, k), (c, o, o)], ["input", "depthwise", "maps"],
                  ax=axes[1], ops=["*", "="], groups=[per_channel, per_channel, per_channel])
    axes[1].set_title(f"step 1, depthwise: {c} kernel{'s' if c > 1 else ''} of {k}×{k}×1, "
                      "one per channel", loc="left", pad=14)
    tensor_blocks([(c, o, o), (n, c, 1, 1), (n, o, o)], ["maps", "pointwise", "output"],
                  ax=axes[2], ops=["*", "="])
    axes[2].set_title(f"step 2, pointwise: {n} filter{s} of 1×1×{c} mix the channels",
                      loc="left", pad=14)
    return fig


# --------------------------------------------------------------------------- lesson 05


def transposed_steps(x, k, *, stride=1, axes=None):
    """The scatter-add view of a single-channel 2-D transposed convolution, all at once.

    Panels: the input, the kernel, then one panel per input cell ``x[i, j]`` showing the
    copy ``x[i, j] · k`` it adds into the output (outlined, starting at row ``i·stride``,
    column ``j·stride``; the rest of that panel is empty), and finally their sum, the
    output. No padding is applied (``padding`` would crop the output's border).

    Args:
        x: input ``(H, W)``, small (at most 9 cells, so the row of panels stays legible).
        k: kernel ``(kh, kw)``.
        stride: positive int or pair.
        axes: ``3 + H*W`` axes to draw on; a new figure is made when ``None``.

    Returns:
        The figure; the first axes is titled ``input …``, the second ``kernel …`` and the
        last ``output …``.

    Example:
        >>> fig = transposed_steps(np.array([[1, 2], [3, 4]]), np.ones((2, 2)))
        >>> len(fig.axes), fig.axes[-1].get_title().split()[0]
        (7, 'output')
    """
    xa = _as_array(x, "x", (2,))
    ka = _as_array(k, "k", (2,))
    if xa.size > 9:
        raise ValueError(f"x must have at most 9 cells (one panel each), got x.shape={xa.shape}")
    sh, sw = _pair(stride, "stride", minimum=1)
    (h, w), (kh, kw) = xa.shape, ka.shape
    full = ((h - 1) * sh + kh, (w - 1) * sw + kw)
    n_panels = 3 + xa.size
    if axes is None:
        ratios = [w, kw] + [full[1]] * (xa.size + 1)
        width = min(18, 0.42 * sum(ratios) + 0.9 * n_panels)
        fig, axes = plt.subplots(1, n_panels, figsize=(width, 0.42 * max(full) + 1.6),
                                 gridspec_kw={"width_ratios": ratios, "wspace": 0.5})
    else:
        axes = list(np.ravel(axes))
        if len(axes) != n_panels:
            raise ValueError(f"axes must hold {n_panels} axes (input, kernel, one per input "
                             f"cell, output), got {len(axes)}")
        fig = axes[0].figure
    grid(xa, axes[0], title=f"input {h}×{w}", cmap=INPUT_CMAP)
    grid(ka, axes[1], title=f"kernel {kh}×{kw}", cmap=KERNEL_CMAP)
    total = np.zeros(full)
    values = [xa[i, j] * ka for i in range(h) for j in range(w)]
    lo = min(0.0, min(float(v.min()) for v in values))
    hi = max(1.0, max(float(v.max()) for v in values))
    form = _formatter(xa, None)
    for n, (i, j) in enumerate((i, j) for i in range(h) for j in range(w)):
        part = np.full(full, np.nan)
        part[i * sh : i * sh + kh, j * sw : j * sw + kw] = values[n]
        total[i * sh : i * sh + kh, j * sw : j * sw + kw] += values[n]
        grid(part, axes[2 + n], highlight=(i * sh, j * sw, kh, kw), cmap=OUTPUT_CMAP,
             vmin=lo, vmax=hi, title=f"x[{i},{j}]·k = {form(xa[i, j])}·k")
    title = f"output {full[0]}×{full[1]}"
    if (sh, sw) != (1, 1):
        title += f"\nstride {sh if sh == sw else (sh, sw)}"
    grid(total, axes[-1], title=title, cmap=OUTPUT_CMAP)
    pairs = [(axes[a], axes[a + 1], "+") for a in range(2, 1 + xa.size)]
    pairs.append((axes[-2], axes[-1], "="))
    place_ops(fig, pairs, fontsize=18)
    return fig


# --------------------------------------------------------------------------- lesson 07


def outer_product(column, row, axes=None, *, titles=("column", "row", "kernel"), fmt=None):
    """Three panels, column ⊗ row = kernel: how two 1-D kernels make a separable 2-D one.

    The column is drawn as a ``kh × 1`` grid, the row as a ``1 × kw`` grid, and the
    product as the ``kh × kw`` grid whose cell ``(i, j)`` is ``column[i] * row[j]``.

    Args:
        column: 1-D array ``(kh,)``.
        row: 1-D array ``(kw,)``.
        axes: three axes to draw on; a new figure is made when ``None``.
        titles: the three panel titles (shapes are added to them).
        fmt: number format for the cells (see :func:`grid`).

    Returns:
        The figure; its axes are titled ``column …``, ``row …``, ``kernel …``.

    Example:
        >>> fig = outer_product([1, 2, 1], [-1, 0, 1])
        >>> [ax.get_title() for ax in fig.axes]
        ['column 3×1', 'row 1×3', 'kernel 3×3']
    """
    c = _as_array(column, "column", (1,))
    r = _as_array(row, "row", (1,))
    if (not isinstance(titles, tuple | list) or len(titles) != 3
            or not all(isinstance(t, str) for t in titles)):
        raise TypeError(f"titles must be three strings, got titles={titles!r}")
    kernel = np.outer(c, r)
    if axes is None:
        width = min(14, 0.55 * (1 + r.size + r.size) + 3.6)
        height = 0.55 * c.size + 1.2
        fig, axes = plt.subplots(
            1, 3, figsize=(width, height),
            gridspec_kw={"width_ratios": [1.6, max(r.size, 1.6), max(r.size, 1.6)],
                         "wspace": 0.5},
        )
    else:
        axes = list(np.ravel(axes))
        if len(axes) != 3:
            raise ValueError(f"axes must hold 3 axes (column, row, kernel), got {len(axes)}")
        fig = axes[0].figure
    both = np.concatenate([c, r, kernel.ravel()])
    form = fmt if fmt is not None else ("{:.0f}" if _is_intlike(both) else ".2f")
    grid(c[:, None], axes[0], title=f"{titles[0]} {c.size}×1", cmap=KERNEL_CMAP, fmt=form)
    grid(r[None, :], axes[1], title=f"{titles[1]} 1×{r.size}", cmap=KERNEL_CMAP, fmt=form)
    grid(kernel, axes[2], title=f"{titles[2]} {c.size}×{r.size}", cmap=KERNEL_CMAP, fmt=form)
    place_ops(fig, [(axes[0], axes[1], "⊗"), (axes[1], axes[2], "=")])
    return fig


def separable_steps(x, column, row, *, position=(0, 0), axes=None):
    """Five panels, input ∗ column = intermediate ∗ row = output, for one output cell.

    The two passes of a spatially separable convolution ('valid', stride 1), drawn with
    the numbers. For output cell ``position = (i, j)`` the figure outlines the 1 × kw
    window of the intermediate it reads (row ``i``, columns ``j … j + kw - 1``), the
    kh × kw block of the input those intermediate cells read, and the cell itself.

    Args:
        x: input ``(H, W)``.
        column: 1-D array ``(kh,)``, the first (vertical) pass.
        row: 1-D array ``(kw,)``, the second (horizontal) pass.
        position: output index ``(row, col)``.
        axes: five axes to draw on; a new figure is made when ``None``.

    Returns:
        The figure; its axes are titled ``input …``, ``column …``, ``intermediate …``,
        ``row …``, ``output …``.

    Example:
        >>> fig = separable_steps(np.arange(25).reshape(5, 5), [1, 2, 1], [-1, 0, 1])
        >>> [ax.get_title().split()[0] for ax in fig.axes]
        ['input', 'column', 'intermediate', 'row', 'output']
    """
    from convlessons import functional as F

    xa = _as_array(x, "x", (2,))
    c = _as_array(column, "column", (1,))
    r = _as_array(row, "row", (1,))
    h, w = xa.shape
    kh, kw = c.size, r.size
    if kh > h or kw > w:
        raise ValueError(f"column ({kh} taps) and row ({kw} taps) must fit in x of shape "
                         f"{xa.shape}")
    middle = F.conv2d(xa[None, None], c.reshape(1, 1, kh, 1))[0, 0]
    out = F.conv2d(middle[None, None], r.reshape(1, 1, 1, kw))[0, 0]
    if (not isinstance(position, tuple | list) or len(position) != 2
            or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                       for v in position)):
        raise TypeError(f"position must be an output index (row, col), got position={position!r}")
    i, j = (int(v) for v in position)
    if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
        raise ValueError(f"position must index the output of shape {out.shape}, "
                         f"got position={tuple(position)}")
    if axes is None:
        ratios = [w, 1.6, w, max(kw, 1.6), max(out.shape[1], 1.6)]
        fig, axes = plt.subplots(1, 5, figsize=(min(18, 0.5 * sum(ratios) + 4.5),
                                                0.5 * h + 1.5),
                                 gridspec_kw={"width_ratios": ratios, "wspace": 0.5})
    else:
        axes = list(np.ravel(axes))
        if len(axes) != 5:
            raise ValueError(f"axes must hold 5 axes (input, column, intermediate, row, "
                             f"output), got {len(axes)}")
        fig = axes[0].figure
    grid(xa, axes[0], highlight=(i, j, kh, kw), title=f"input {h}×{w}", cmap=INPUT_CMAP)
    grid(c[:, None], axes[1], title=f"column {kh}×1", cmap=KERNEL_CMAP)
    grid(middle, axes[2], highlight=(i, j, 1, kw),
         title=f"intermediate {middle.shape[0]}×{middle.shape[1]}", cmap=OUTPUT_CMAP)
    grid(r[None, :], axes[3], title=f"row 1×{kw}", cmap=KERNEL_CMAP)
    grid(out, axes[4], highlight=(i, j, 1, 1), title=f"output {out.shape[0]}×{out.shape[1]}",
         cmap=OUTPUT_CMAP)
    place_ops(fig, [(axes[0], axes[1], "∗"), (axes[1], axes[2], "="),
                    (axes[2], axes[3], "∗"), (axes[3], axes[4], "=")])
    return fig


# --------------------------------------------------------------------------- lesson 09


def flattened_kernel(lateral, vertical, horizontal, *, max_slices=4, fmt=None, fig=None):
    """Three 1-D filters and the rank-1 3-D kernel they build, as blocks and as numbers.

    The top row draws the lateral filter (``C`` taps along the channel axis), the
    vertical one (``kh`` taps down) and the horizontal one (``kw`` taps across) as
    :func:`tensor_blocks`, combined by outer products (``⊗``) into the ``kh×kw×C``
    kernel. The bottom row writes the three vectors as grids, then the kernel's channel
    slices: slice ``c`` is ``lateral[c] · outer(vertical, horizontal)``, so every slice
    is the same ``kh × kw`` pattern, only scaled.

    Args:
        lateral: ``(C,)``, the weights over the input channels.
        vertical: ``(kh,)``.
        horizontal: ``(kw,)``.
        max_slices: most channel slices written out (the first ones).
        fmt: number format of the grids (see :func:`grid`).
        fig: figure to draw on (cleared first); a new one is made when ``None``.

    Returns:
        The figure drawn on.

    Example:
        >>> fig = flattened_kernel([1, -1], [1, 2, 1], [-1, 0, 1])
        >>> [ax.get_title().split()[0] for ax in fig.axes[1:]]
        ['lateral', 'vertical', 'horizontal', 'kernel', 'kernel']
    """
    vectors = {}
    for name, value in (("lateral", lateral), ("vertical", vertical),
                        ("horizontal", horizontal)):
        arr = _as_array(value, name, (1,))
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must contain only finite numbers, got {name}={arr!r}")
        vectors[name] = arr.astype(np.float64)
    if isinstance(max_slices, bool) or not isinstance(max_slices, int | np.integer) \
            or max_slices < 1:
        raise ValueError(f"max_slices must be a positive int, got max_slices={max_slices!r}")
    a, b, c = vectors["lateral"], vectors["vertical"], vectors["horizontal"]
    channels, kh, kw = a.size, b.size, c.size
    kernel = np.einsum("c,i,j->cij", a, b, c)
    shown = min(channels, int(max_slices))
    if fig is None:
        fig = plt.figure(figsize=(11, 6.2), layout="constrained")
    else:
        fig.clear()
    ratios = [1.2, 1.2, max(kw, 2) * 0.6] + [max(kw, 2)] * shown
    spec = fig.add_gridspec(2, len(ratios), height_ratios=[1.1, 1], width_ratios=ratios)
    top = fig.add_subplot(spec[0, :])
    tensor_blocks(
        [(channels, 1, 1), (1, kh, 1), (1, 1, kw), (channels, kh, kw)],
        [f"lateral ({channels})", f"vertical ({kh})", f"horizontal ({kw})", "3-D kernel"],
        ax=top, ops=["⊗", "⊗", "="],
        colors=[BLOCK_COLORS[3], BLOCK_COLORS[1], BLOCK_COLORS[4], BLOCK_COLORS[1]],
    )
    vmax = float(np.abs(kernel).max()) or 1.0  # one colour scale for every slice
    grid(a[:, None], ax=fig.add_subplot(spec[1, 0]), title=f"lateral\nC={channels}",
         fmt=fmt, cmap="Purples", index_labels=False)
    grid(b[:, None], ax=fig.add_subplot(spec[1, 1]), title=f"vertical\nkh={kh}",
         fmt=fmt, cmap=KERNEL_CMAP, index_labels=False)
    grid(c[None, :], ax=fig.add_subplot(spec[1, 2]), title=f"horizontal\nkw={kw}",
         fmt=fmt, cmap=KERNEL_CMAP, index_labels=False)
    for ch in range(shown):
        grid(kernel[ch], ax=fig.add_subplot(spec[1, 3 + ch]), fmt=fmt, cmap=KERNEL_CMAP,
             vmin=-vmax, vmax=vmax, index_labels=False,
             title=f"kernel slice c={ch}\n= {a[ch]:.3g} · v ⊗ h")
    if shown < channels:
        fig.text(0.99, 0.02, f"… {channels - shown} more slice(s), same pattern, other scales",
                 ha="right", va="bottom", fontsize=9, color=LINE_COLOR)
    return fig


# --------------------------------------------------------------------------- lesson 10


def grouped_conv_blocks(in_channels, out_channels, groups, *, kernel_size=3, size=5,
                        ax=None, max_filters=6):
    """A grouped convolution as 3-D blocks: input, filter bank, output, coloured by group.

    The input's channels are split into ``groups`` colours; so are the output's; each
    drawn filter has the colour of its group and depth ``in_channels / groups``. When
    there are more filters than ``max_filters``, the filters drawn are spread evenly
    over the bank (so every group up to ``max_filters`` of them is represented) and the
    label keeps the true count. Stride 1 and "same" padding: input and output are both
    ``size × size``.

    Args:
        in_channels, out_channels: positive ints divisible by ``groups``.
        groups: positive int.
        kernel_size: side of the square kernel.
        size: side of the feature maps.
        ax: axes to draw on; a new figure is made when ``None``.
        max_filters: most filters drawn.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = grouped_conv_blocks(4, 4, 2)
        >>> sorted(t.get_text() for t in ax.texts if "×" in t.get_text())
        ['4 × 3×3×2', '5×5×4', '5×5×4']
    """
    check_groups(in_channels, out_channels, groups)
    for name, value in (("kernel_size", kernel_size), ("size", size),
                        ("max_filters", max_filters)):
        check_int(value, name, 1)
    per_group = out_channels // groups
    shown = min(out_channels, max_filters)
    picked = np.linspace(0, out_channels - 1, shown).round().astype(int)
    ids = [int(f) // per_group for f in picked] + [0] * (out_channels - shown)
    return tensor_blocks(
        [(in_channels, size, size), (out_channels, in_channels // groups, kernel_size,
                                     kernel_size), (out_channels, size, size)],
        labels=["input", f"{out_channels} filters, {groups} group{'s' * (groups > 1)}",
                "output"],
        ax=ax, ops=["*", "="], groups=[groups, ids, groups], max_filters=shown,
    )


# --------------------------------------------------------------------------- lesson 11


def shuffle_diagram(channels, groups, layers=2, *, shuffle=True, ax=None, title=None):
    """Channels flowing through stacked grouped convolutions, with or without shuffles.

    One row of boxes per stage, top to bottom: the input, then each grouped convolution
    (``GConv1``, ``GConv2``, …) and, when ``shuffle`` is set, a ``shuffle`` row between
    two convolutions. Thin lines join every output channel of a group to every input
    channel of the same group; shuffle rows show where each channel moves. Each box is
    split into stripes, one per input group (the input's colours) that the channel
    depends on, so a box with one colour has seen only one group of the input.

    Args:
        channels: ``C``, a positive int divisible by ``groups``.
        groups: groups of every convolution and shuffle.
        layers: number of grouped convolutions, a positive int.
        shuffle: draw a channel shuffle between consecutive convolutions.
        ax: axes to draw on; a new figure is made when ``None``.
        title: title of the axes.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = shuffle_diagram(6, 3)
        >>> [t.get_text() for t in ax.texts]
        ['input', 'GConv1', 'shuffle', 'GConv2']
    """
    from convlessons import connectivity as conn

    for name, value in (("channels", channels), ("groups", groups), ("layers", layers)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise TypeError(f"{name} must be a positive int, got {name}={value!r}")
        if value < 1:
            raise ValueError(f"{name} must be a positive int, got {name}={value!r}")
    if channels % groups:
        raise ValueError(
            f"groups must divide channels, got groups={groups} with channels={channels}"
        )
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got shuffle={shuffle!r}")
    n = channels // groups
    block = conn.channel_connectivity((channels, channels), groups).astype(np.int64)
    perm = conn.shuffle_permutation(channels, groups)
    stages = [("input", np.eye(channels, dtype=bool), None)]
    reach = np.eye(channels, dtype=bool)
    for layer in range(1, layers + 1):
        reach = (block @ reach.astype(np.int64)) > 0
        stages.append((f"GConv{layer}", reach, "conv"))
        if shuffle and layer < layers:
            reach = (perm @ reach.astype(np.int64)) > 0
            stages.append(("shuffle", reach, "shuffle"))
    box, gap = 0.8, {"conv": 1.5, "shuffle": 1.2}
    y, ys = 0.0, []
    for _, _, kind in stages:
        y -= gap[kind] if kind else 0.0
        ys.append(y)
    if ax is None:
        wide, high = channels + 2.9, -ys[-1] + 2 * box
        scale = min(0.5, 12.0 / wide)
        ax = _new_axes((wide * scale, high * scale + 0.4))
    thin = max(0.25, 0.8 - 0.012 * channels * n)
    for row, (label, dep, kind) in enumerate(stages):
        top = ys[row]
        if kind == "conv":  # every channel of a group reads every channel of that group
            upper = ys[row - 1] - box / 2
            for j in range(groups):
                for a in range(j * n, (j + 1) * n):
                    for b in range(j * n, (j + 1) * n):
                        ax.plot([a, b], [upper, top + box / 2], color="#9a9a9a",
                                linewidth=thin, zorder=1)
        elif kind == "shuffle":
            upper = ys[row - 1] - box / 2
            source = perm.argmax(axis=1)
            for new, old in enumerate(source):
                ax.plot([old, new], [upper, top + box / 2], color=LINE_COLOR,
                        linewidth=1.0, zorder=1)
        by_group = dep.reshape(channels, groups, n).any(axis=2)
        for c in range(channels):
            ids = np.flatnonzero(by_group[c])
            width = box / len(ids)
            for k, gid in enumerate(ids):
                ax.add_patch(Rectangle((c - box / 2 + k * width, top - box / 2), width, box,
                                       facecolor=GROUP_COLORS[gid % len(GROUP_COLORS)],
                                       edgecolor="none", zorder=2))
            ax.add_patch(Rectangle((c - box / 2, top - box / 2), box, box, fill=False,
                                   edgecolor="#333333", linewidth=0.8, zorder=3))
        ax.text(-0.9, top, label, ha="right", va="center", fontsize=10)
    for j in range(1, groups):  # faint walls between the groups
        ax.axvline(j * n - 0.5, color="#dddddd", linewidth=0.8, zorder=0)
    ax.set_xlim(-3.2, channels - 0.3)
    ax.set_ylim(ys[-1] - box, box)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is not None:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- lesson 12

#: Lesson 12: box colours of :func:`residual_unit_diagram`, by kind of operation.
UNIT_COLORS = {
    "dense": "#6baed6",
    "grouped": "#fd8d3c",
    "depthwise": "#74c476",
    "shuffle": "#9e9ac8",
    "other": "#e6e6e6",
}


def _unit_steps(kind, stride, groups):
    """Boxes of one unit, top to bottom: (label, colour key)."""
    g = groups
    if kind == "resnet":
        return [("1×1 Conv", "dense"), ("BN, ReLU", "other"), ("3×3 Conv", "dense"),
                ("BN, ReLU", "other"), ("1×1 Conv", "dense"), ("BN", "other")]
    if kind == "resnext":
        return [("1×1 Conv", "dense"), ("BN, ReLU", "other"), (f"3×3 GConv (g={g})", "grouped"),
                ("BN, ReLU", "other"), ("1×1 Conv", "dense"), ("BN", "other")]
    dw = "3×3 DWConv" + (", stride 2" if stride == 2 else "")
    return [(f"1×1 GConv (g={g})", "grouped"), ("BN, ReLU", "other"),
            (f"shuffle (g={g})", "shuffle"), (dw, "depthwise"), ("BN", "other"),
            (f"1×1 GConv (g={g})", "grouped"), ("BN", "other")]


def residual_unit_diagram(kind="shufflenet", *, stride=1, groups=3, ax=None, title=None):
    """A bottleneck unit as a flow chart: ResNet, ResNeXt or ShuffleNet (arXiv:1707.01083 Fig. 2).

    Boxes run top to bottom, coloured by the kind of convolution (:data:`UNIT_COLORS`:
    dense, grouped, depthwise, shuffle, other); the shortcut runs down the right-hand
    side. A stride-1 unit adds the shortcut (``Add``); a stride-2 ShuffleNet unit sends
    its input through a 3×3 average pool with stride 2 and concatenates (``Concat``).

    Args:
        kind: ``"resnet"``, ``"resnext"`` or ``"shufflenet"``.
        stride: 1, or 2 (ShuffleNet only).
        groups: groups written on the grouped boxes, positive int.
        ax: axes to draw on; a new figure is made when ``None``.
        title: axes title (default: the unit's name).

    Returns:
        The axes drawn on.

    Example:
        >>> ax = residual_unit_diagram("shufflenet", stride=2)
        >>> "Concat" in [t.get_text() for t in ax.texts]
        True
    """
    from matplotlib.patches import FancyBboxPatch

    kinds = ("resnet", "resnext", "shufflenet")
    if not isinstance(kind, str) or kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}, got kind={kind!r}")
    if isinstance(stride, bool) or stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got stride={stride!r}")
    if stride == 2 and kind != "shufflenet":
        raise ValueError(f"stride=2 is drawn for kind='shufflenet' only, got kind={kind!r}")
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool):
        raise TypeError(f"groups must be a positive int, got groups={groups!r}")
    if groups < 1:
        raise ValueError(f"groups must be a positive int, got groups={groups!r}")
    if ax is None:
        ax = _new_axes((3.4, 6.2))
    steps = _unit_steps(kind, stride, int(groups))
    n = len(steps)
    top, gap, box_h, box_w, cx = n + 1.0, 1.0, 0.62, 2.9, 0.0
    ys = [top - gap * (i + 1) for i in range(n)]
    ax.text(cx, top, "input", ha="center", va="center", fontsize=10, fontweight="bold")
    prev = top - 0.2
    for (label, key), y in zip(steps, ys, strict=True):
        ax.add_patch(FancyBboxPatch((cx - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02", facecolor=UNIT_COLORS[key],
                                    edgecolor=LINE_COLOR))
        ax.text(cx, y, label, ha="center", va="center", fontsize=9)
        ax.annotate("", (cx, y + box_h / 2), (cx, prev),
                    arrowprops={"arrowstyle": "->", "color": LINE_COLOR})
        prev = y - box_h / 2
    merge_y = ys[-1] - gap
    merge = "Concat" if stride == 2 else "Add"
    ax.add_patch(FancyBboxPatch((cx - 0.6, merge_y - 0.25), 1.2, 0.5,
                                boxstyle="round,pad=0.02", facecolor="white",
                                edgecolor=LINE_COLOR))
    ax.text(cx, merge_y, merge, ha="center", va="center", fontsize=10, fontweight="bold")
    ax.annotate("", (cx, merge_y + 0.25), (cx, prev),
                arrowprops={"arrowstyle": "->", "color": LINE_COLOR})
    side = cx + box_w / 2 + (1.1 if stride == 2 else 0.5)
    ax.plot([cx + 0.25, side, side], [top - 0.2, top - 0.2, merge_y], color=LINE_COLOR)
    ax.annotate("", (cx + 0.6, merge_y), (side, merge_y),
                arrowprops={"arrowstyle": "->", "color": LINE_COLOR})
    if stride == 2:
        mid = (top + merge_y) / 2
        ax.add_patch(FancyBboxPatch((side - 0.8, mid - 0.45), 1.6, 0.9,
                                    boxstyle="round,pad=0.02", facecolor=UNIT_COLORS["other"],
                                    edgecolor=LINE_COLOR, zorder=3))
        ax.text(side, mid, "3×3 AVG Pool\n(stride 2)", ha="center", va="center", fontsize=8,
                zorder=4)
    end_y = merge_y - gap
    ax.text(cx, end_y, "ReLU", ha="center", va="center", fontsize=10)
    ax.annotate("", (cx, end_y + 0.2), (cx, merge_y - 0.25),
                arrowprops={"arrowstyle": "->", "color": LINE_COLOR})
    ax.set_xlim(cx - box_w / 2 - 0.2, side + 0.95)
    ax.set_ylim(end_y - 0.5, top + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    names = {"resnet": "ResNet bottleneck", "resnext": "ResNeXt bottleneck",
             "shufflenet": f"ShuffleNet unit, stride {stride}"}
    ax.set_title(names[kind] if title is None else title, fontsize=11)
    return ax
