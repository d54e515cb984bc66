"""Sliding-window animations: the kernel walks over the input, the output fills in.

Three panels per frame, labelled so input and output cannot be confused:

* **input** (the cells read): padding cells grey and hatched, the current window in red;
* **kernel**;
* **output** (the cells written): cells computed so far, the one being written in red.

With ``transposed=True`` the picture is the scatter-add view of a transposed
convolution: each input cell (red) scales the whole kernel and adds it into a window of
the output; the output accumulates, and the border that ``padding`` crops is hatched.

Numbers come from :mod:`convlessons.functional` (forward case) or from the explicit
scatter-add (transposed case, equal to ``functional.conv_transpose2d``).

Example:
    >>> import numpy as np
    >>> from convlessons import animation
    >>> anim = animation.sliding_window(np.arange(16).reshape(4, 4), np.ones((3, 3)))
    >>> len(anim.steps), anim.result.shape
    (4, (2, 2))
    >>> html = animation.to_html(anim)
"""

from __future__ import annotations

import pathlib
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, HTMLWriter, PillowWriter
from matplotlib.patches import Rectangle

from convlessons.plotting import (
    HIGHLIGHT,
    INPUT_CMAP,
    KERNEL_CMAP,
    OUTPUT_CMAP,
    _as_array,
    _conv_result,
    _formatter,
    _light_colors,
    _pair,
    _size_text,
    _window_cells,
    _window_plan,
    grid,
    place_ops,
)

__all__ = ["sliding_window", "to_html", "save_gif"]


def _frame_indices(total: int, max_frames: int) -> list[int]:
    """At most ``max_frames`` step indices, evenly spread, always the first and last."""
    if total <= max_frames:
        return list(range(total))
    return sorted(set(np.linspace(0, total - 1, max_frames).round().astype(int).tolist()))


def _check_frames_dpi(max_frames, dpi):
    if not isinstance(max_frames, int) or isinstance(max_frames, bool) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive int, got max_frames={max_frames!r}")
    if not isinstance(dpi, int | float) or isinstance(dpi, bool) or dpi <= 0:
        raise ValueError(f"dpi must be a positive number, got dpi={dpi!r}")


def _figure(widths, heights, dpi):
    hmax = max(heights)
    fig, axes = plt.subplots(
        1,
        3,
        figsize=(min(16, 0.5 * sum(widths) + 3.2), min(9, 0.5 * hmax + 1.6)),
        dpi=dpi,
        gridspec_kw={"width_ratios": [max(w, 1.6) for w in widths], "wspace": 0.45},
    )
    return fig, axes


def _ops(fig, ax_in, ax_k, ax_out, first="∗"):
    place_ops(fig, [(ax_in, ax_k, first), (ax_k, ax_out, "=")])


class _Panel:
    """A grid drawn once whose cell colours, numbers and outlines change per frame."""

    def __init__(self, ax, values, *, cmap, title, padding=0, vmin=None, vmax=None, fmt=None):
        values = np.asarray(values, dtype=float)
        self.ax = ax
        self.shape = values.shape
        self.padding = _pair(padding, "padding", minimum=0)
        self.vmin = float(np.nanmin(values)) if vmin is None else vmin
        self.vmax = float(np.nanmax(values)) if vmax is None else vmax
        self.cmap = cmap
        self.form = _formatter(values, fmt)
        grid(values, ax, cmap=cmap, title=title, padding=padding, vmin=self.vmin,
             vmax=self.vmax, fmt=fmt)
        self.image = ax.images[0]
        self.texts = list(ax.texts)  # raster order, one per finite cell
        self.outlines = []

    def show(self, values, visible):
        """Colour and number the cells where ``visible``; blank the others."""
        h, w = self.shape
        ph, pw = self.padding
        interior = np.zeros(self.shape, dtype=bool)
        interior[ph : h - ph, pw : w - pw] = True
        rgba = _light_colors(np.where(visible & interior, values, np.nan), self.cmap,
                             self.vmin, self.vmax)
        self.image.set_data(rgba)
        for text, v, on in zip(self.texts, values.ravel(), visible.ravel(), strict=True):
            text.set_text(self.form(v))
            text.set_visible(bool(on))

    def outline(self, rects):
        for patch in self.outlines:
            patch.remove()
        self.outlines = [
            self.ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), nc, nr, fill=False,
                                        edgecolor=HIGHLIGHT, linewidth=3, zorder=5,
                                        clip_on=False))
            for r0, c0, nr, nc in rects
        ]


def _forward(x, k, stride, padding, dilation, max_frames, dpi):
    plan = _window_plan(x, k, stride, padding, dilation)
    one_d = plan["one_d"]
    result = _conv_result(plan["x"][0] if one_d else plan["x"],
                          plan["k"][0] if one_d else plan["k"], *plan["args"])
    out = result[None, :] if one_d else result
    oh, ow = out.shape
    steps = [divmod(i, ow) for i in _frame_indices(oh * ow, max_frames)]
    padded, kern, p = plan["padded"], plan["k"], plan["padding"]
    fig, axes = _figure([padded.shape[1], kern.shape[1], ow],
                        [padded.shape[0], kern.shape[0], oh], dpi)
    ax_in, ax_k, ax_out = axes
    in_title = f"INPUT {_size_text(plan['x'].shape, one_d)} (cells read)"
    if any(p):
        in_title += f"\npadded → {_size_text(padded.shape, one_d)}"
    out_title = f"OUTPUT {_size_text(out.shape, one_d)} (cells written)"
    k_title = f"kernel {_size_text(kern.shape, one_d)}"
    d = plan["dilation"]
    if d != (1, 1):
        k_title += f"\ndilation {d[1] if one_d or d[0] == d[1] else d}"
    s = plan["stride"]
    if s != (1, 1):
        out_title += f"\nstride {s[1] if one_d or s[0] == s[1] else s}"
    panel_in = _Panel(ax_in, padded, cmap=INPUT_CMAP, title=in_title, padding=p)
    grid(kern, ax_k, title=k_title, cmap=KERNEL_CMAP)
    panel_out = _Panel(ax_out, out, cmap=OUTPUT_CMAP, title=out_title, fmt=_fmt(out))
    _ops(fig, ax_in, ax_k, ax_out)
    caption = fig.text(0.5, 0.01, "", ha="center", va="bottom", fontsize=11)
    order = np.arange(out.size).reshape(out.shape)

    def draw(frame):
        i, j = steps[frame]
        flat = i * ow + j
        panel_in.outline(_window_cells(plan, (i, j)))
        panel_out.show(out, order <= flat)
        panel_out.outline([(i, j, 1, 1)])
        idx = f"{j}" if one_d else f"{i}, {j}"
        caption.set_text(f"step {flat + 1} of {oh * ow}: output[{idx}] = "
                         f"sum(window × kernel) = {_fmt_value(out[i, j])}")
        return []

    steps_public = [st[1] for st in steps] if one_d else steps
    return fig, draw, len(steps), steps_public, result


def _fmt(arr):
    return None if np.allclose(arr, np.round(arr)) else ".2f"


def _fmt_value(v):
    return f"{int(round(v))}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}"


def _transposed(x, k, stride, padding, dilation, max_frames, dpi):
    xa = _as_array(x, "x", (1, 2))
    ka = _as_array(k, "k", (1, 2))
    if ka.ndim != xa.ndim:
        raise ValueError(
            f"x and k must have the same number of dimensions, got x.ndim={xa.ndim} "
            f"and k.ndim={ka.ndim}"
        )
    one_d = xa.ndim == 1
    x2 = xa[None, :] if one_d else xa
    k2 = ka[None, :] if one_d else ka
    s = _pair(stride, "stride", minimum=1)
    p = _pair(padding, "padding", minimum=0)
    d = _pair(dilation, "dilation", minimum=1)
    if one_d:
        s, p, d = (1, s[1]), (0, p[1]), (1, d[1])
    full = tuple((x2.shape[a] - 1) * s[a] + d[a] * (k2.shape[a] - 1) + 1 for a in range(2))
    for a in range(2):
        if full[a] - 2 * p[a] < 1:
            raise ValueError(
                f"padding={padding!r} crops the whole output: the uncropped transposed output "
                f"is {full[a]} wide, and 2×padding = {2 * p[a]} leaves nothing"
            )
    n_in = x2.size
    steps = [divmod(i, x2.shape[1]) for i in _frame_indices(n_in, max_frames)]
    # the cumulative scatter-add, one input cell at a time
    acc = np.zeros(full)
    touched = np.zeros(full, dtype=bool)
    snapshots = {}
    for flat in range(n_in):
        i, j = divmod(flat, x2.shape[1])
        rows = i * s[0] + d[0] * np.arange(k2.shape[0])
        cols = j * s[1] + d[1] * np.arange(k2.shape[1])
        acc[np.ix_(rows, cols)] += x2[i, j] * k2
        touched[np.ix_(rows, cols)] = True
        snapshots[flat] = (acc.copy(), touched.copy())
    final = acc[p[0] : full[0] - p[0], p[1] : full[1] - p[1]]
    result = final[0] if one_d else final

    fig, axes = _figure([x2.shape[1], k2.shape[1], full[1]], [x2.shape[0], k2.shape[0], full[0]],
                        dpi)
    ax_in, ax_k, ax_out = axes
    in_title = f"INPUT {_size_text(x2.shape, one_d)} (cell scattered)"
    out_title = f"OUTPUT {_size_text(final.shape, one_d)} (accumulating)"
    if any(p):
        out_title += f"\nhatched border: cropped by padding {p[1] if one_d else p}"
    k_title = f"kernel {_size_text(k2.shape, one_d)}"
    if d != (1, 1):
        k_title += f"\ndilation {d[1] if one_d or d[0] == d[1] else d}"
    if s != (1, 1):
        out_title += f"\nstride {s[1] if one_d or s[0] == s[1] else s}"
    lo, hi = float(min(acc.min(), 0)), float(max(acc.max(), 0))
    panel_in = _Panel(ax_in, x2, cmap=INPUT_CMAP, title=in_title)
    grid(k2, ax_k, title=k_title, cmap=KERNEL_CMAP)
    panel_out = _Panel(ax_out, acc, cmap=OUTPUT_CMAP, title=out_title, padding=p, vmin=lo,
                       vmax=hi, fmt=_fmt(acc))
    _ops(fig, ax_in, ax_k, ax_out, first="×")
    caption = fig.text(0.5, 0.01, "", ha="center", va="bottom", fontsize=11)

    def draw(frame):
        i, j = steps[frame]
        values, mask = snapshots[i * x2.shape[1] + j]
        panel_in.outline([(i, j, 1, 1)])
        panel_out.show(values, mask)
        if d == (1, 1):
            cells = [(i * s[0], j * s[1], k2.shape[0], k2.shape[1])]
        else:
            cells = [(i * s[0] + a * d[0], j * s[1] + b * d[1], 1, 1)
                     for a in range(k2.shape[0]) for b in range(k2.shape[1])]
        panel_out.outline(cells)
        idx = f"{j}" if one_d else f"{i}, {j}"
        caption.set_text(f"step {i * x2.shape[1] + j + 1} of {n_in}: output window += "
                         f"input[{idx}] × kernel = {_fmt_value(x2[i, j])} × kernel")
        return []

    steps_public = [st[1] for st in steps] if one_d else steps
    return fig, draw, len(steps), steps_public, result


def sliding_window(
    x,
    k,
    *,
    stride=1,
    padding=0,
    dilation=1,
    transposed=False,
    max_frames=16,
    dpi=60,
    interval=900,
):
    """Animate a single-channel 1-D or 2-D convolution (cross-correlation) step by step.

    Args:
        x: input ``(H, W)`` or ``(L,)``.
        k: kernel ``(kh, kw)`` or ``(k,)``.
        stride, padding, dilation: int or pair, as ``torch.nn.functional.conv2d``
            (for ``transposed=True``, as ``conv_transpose2d``: padding crops the output).
        transposed: show the scatter-add view of the transposed convolution instead.
        max_frames: most frames; with more steps, frames are spread evenly and always
            include the first and the last (so the final frame shows the full output).
        dpi: resolution of the frames (keep it low: the HTML embeds every frame).
        interval: milliseconds between frames.

    Returns:
        A :class:`matplotlib.animation.FuncAnimation`, with two extra attributes:
        ``steps`` (the output index shown in each frame, or for ``transposed=True`` the
        input index scattered) and ``result`` (the final output array).

    Raises:
        ValueError: bad sizes, e.g. a kernel larger than the padded input.

    Example:
        >>> anim = sliding_window([1, 2, 3], [1, 1], transposed=True)
        >>> anim.result.tolist()
        [1.0, 3.0, 5.0, 3.0]
        >>> plt.close(anim._fig)
    """
    _check_frames_dpi(max_frames, dpi)
    if not isinstance(transposed, bool):
        raise TypeError(f"transposed must be a bool, got transposed={transposed!r}")
    build = _transposed if transposed else _forward
    fig, draw, n_frames, steps, result = build(x, k, stride, padding, dilation, max_frames, dpi)
    draw(0)
    anim = FuncAnimation(fig, draw, frames=n_frames, interval=interval, blit=False,
                         repeat=True)
    # the first frame is drawn above; silence matplotlib's "deleted without rendering" warning
    anim._draw_was_started = True
    anim.steps = steps
    anim.result = np.asarray(result)
    return anim


def _check_anim(anim):
    if not isinstance(anim, FuncAnimation):
        raise TypeError(
            f"anim must be a matplotlib FuncAnimation (from sliding_window), got "
            f"{type(anim).__name__}"
        )


def to_html(anim, *, default_mode="loop"):
    """Embed the animation as self-contained JavaScript HTML and close its figure.

    Closing the figure stops Jupyter from also showing it as a static image.

    Args:
        anim: an animation from :func:`sliding_window`.
        default_mode: ``'loop'``, ``'once'`` or ``'reflect'``.

    Returns:
        ``IPython.display.HTML`` (display it, or let it be the cell's value).
    """
    from IPython.display import HTML

    _check_anim(anim)
    if default_mode not in ("loop", "once", "reflect"):
        raise ValueError(
            f"default_mode must be 'loop', 'once' or 'reflect', got default_mode={default_mode!r}"
        )
    fig = anim._fig
    fps = 1000.0 / anim._interval
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "animation.html"
        writer = HTMLWriter(fps=fps, embed_frames=True, default_mode=default_mode)
        # draw each frame once (FuncAnimation.save would draw every frame twice)
        with writer.saving(fig, path, dpi=fig.dpi):
            for frame in range(len(anim.steps)):
                anim._func(frame)
                writer.grab_frame()
        html = path.read_text()
    plt.close(fig)
    return HTML(html)


def save_gif(anim, path, *, fps=1.5):
    """Write the animation to a GIF file with Pillow and close its figure.

    Args:
        anim: an animation from :func:`sliding_window`.
        path: destination file (``.gif``).
        fps: frames per second.

    Returns:
        The path written, as :class:`pathlib.Path`.
    """
    _check_anim(anim)
    path = pathlib.Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must end in .gif, got path={str(path)!r}")
    if not isinstance(fps, int | float) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got fps={fps!r}")
    fig = anim._fig
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, str(path), dpi=fig.dpi):
        for frame in range(len(anim.steps)):
            anim._func(frame)
            writer.grab_frame()
    plt.close(anim._fig)
    return path
