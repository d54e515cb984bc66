"""ipywidgets explorers: sliders and dropdowns that redraw a lesson's figure and numbers.

An :class:`Explorer` binds a dict of controls to a ``render(**values) -> Render``
function. Each control change re-renders; :meth:`Explorer.update` does the same from
code, without a frontend, so tests and notebook cells can drive an explorer with chosen
values and assert on what it drew (``explorer.last.figure``) and printed
(``explorer.last.text``).

When ``render`` raises ``ValueError`` or ``TypeError`` (an impossible combination, such
as a kernel larger than the padded input), the explorer shows the explanation instead
of a traceback and stores it in ``Render.error``.

The figure reaches the output area by setting the :class:`ipywidgets.Output` widget's
``outputs`` directly, never by printing inside it: nothing is written to the notebook
cell, so an ``update`` call in a compared cell stores the same output under nbclient and
nbval.

Example:
    >>> import ipywidgets
    >>> ex = Explorer({"n": ipywidgets.IntSlider(value=2, min=1, max=5)},
    ...               lambda n: Render(text=f"n squared is {n * n}"))
    >>> ex.update(n=3).text
    'n squared is 9'
    >>> ex.last.error is None
    True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets
import numpy as np
import traitlets

__all__ = [
    "Render",
    "Explorer",
    "conv2d_explorer",
    "correlation_explorer",
    "conv3d_explorer",
    "pointwise_explorer",
    "depthwise_explorer",
    "transposed_explorer",
    "DILATION_SCHEDULES",
    "dilation_explorer",
    "separable_explorer",
    "FLATTENED_LATERAL",
    "FLATTENED_SPATIAL",
    "flattened_vector",
    "flattened_explorer",
    "GROUP_CHOICES",
    "grouped_explorer",
    "shuffle_explorer",
    "SHUFFLENET_GROUPS",
    "SHUFFLENET_WIDTHS",
    "shufflenet_published_mflops",
    "shufflenet_explorer",
]


@dataclass
class Render:
    """What one render drew and printed.

    Attributes:
        figure: the matplotlib figure drawn (closed after rendering; still inspectable),
            or ``None``.
        text: the numbers and sentences shown under the figure.
        error: the message of the ``ValueError``/``TypeError`` that made the render
            impossible, else ``None``.
    """

    figure: Any = None
    text: str = ""
    error: str | None = None


def _png_bundle(figure) -> dict:
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    width, height = figure.get_size_inches() * figure.dpi
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
            "text/plain": f"<Figure size {width:g}x{height:g} with {len(figure.axes)} Axes>",
        },
        "metadata": {},
    }


class Explorer:
    """Controls bound to a render function, with a headless :meth:`update`.

    Args:
        controls: ``{name: widget}``; each widget has a ``value`` and ``name`` is the
            keyword ``render`` receives.
        render: ``render(**values) -> Render``.
        title: optional heading shown above the controls.

    Attributes:
        controls: the control widgets by name.
        output: the :class:`ipywidgets.Output` holding the figure.
        message: the :class:`ipywidgets.HTML` holding the text or the explanation.
        last: the last :class:`Render` (``None`` before the first render).
    """

    def __init__(self, controls: dict, render: Callable[..., Render], *, title=None):
        if not isinstance(controls, dict) or not controls:
            raise TypeError(f"controls must be a non-empty dict {{name: widget}}, got {controls!r}")
        for name, control in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"control names must be Python identifiers, got {name!r}")
            if not isinstance(control, ipywidgets.Widget) or not hasattr(control, "value"):
                raise TypeError(
                    f"controls[{name!r}] must be an ipywidgets widget with a value, got "
                    f"{type(control).__name__}"
                )
        if not callable(render):
            raise TypeError(f"render must be callable, got {type(render).__name__}")
        self.controls = dict(controls)
        self.render = render
        self.title = title
        self.output = ipywidgets.Output()
        self.message = ipywidgets.HTML()
        self.last: Render | None = None
        self._holding = False
        self._widget = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    # ------------------------------------------------------------------ values

    @property
    def values(self) -> dict:
        """Current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **values) -> Render:
        """Set controls to ``values`` (others keep theirs), render once, return the Render.

        Works without a frontend. ``render`` receives exactly the values asked for, even
        when a slider would clamp them to its range, so impossible combinations can be
        tried from code.

        Raises:
            TypeError: a name that is not a control.
            ValueError: a value a control cannot take (e.g. not among a dropdown's options).
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise TypeError(
                f"update() got unknown control(s) {unknown}; the controls are "
                f"{sorted(self.controls)}"
            )
        self._holding = True
        try:
            for name, value in values.items():
                try:
                    self.controls[name].value = value
                except traitlets.TraitError as exc:
                    raise ValueError(
                        f"control {name!r} cannot take the value {value!r}: {exc}"
                    ) from exc
        finally:
            self._holding = False
        return self._refresh({**self.values, **values})

    def _on_change(self, change) -> None:
        if not self._holding:
            self._refresh(self.values)

    # ------------------------------------------------------------------ rendering

    def _refresh(self, values: dict) -> Render:
        import matplotlib.pyplot as plt

        if self.last is not None and self.last.figure is not None:
            plt.close(self.last.figure)
        try:
            result = self.render(**values)
        except (ValueError, TypeError) as exc:
            message = str(exc)
            result = Render(
                figure=None,
                text=f"This combination is not possible: {message[:1].upper()}{message[1:]}",
                error=message,
            )
        if not isinstance(result, Render):
            raise TypeError(f"render must return a Render, got {type(result).__name__}")
        if result.figure is not None:
            plt.close(result.figure)
        self.last = result
        if self._widget is not None:
            self._show(result)
        return result

    def _show(self, result: Render) -> None:
        self.output.outputs = (_png_bundle(result.figure),) if result.figure is not None else ()
        text = html.escape(result.text)
        if result.error is not None:
            self.message.value = (
                '<div style="border-left: 4px solid #d62728; padding: 4px 10px; '
                f'background: #fdecea; white-space: pre-wrap">⚠ {text}</div>'
            )
        else:
            self.message.value = (
                f'<pre style="margin: 4px 0; white-space: pre-wrap">{text}</pre>'
            )

    # ------------------------------------------------------------------ display

    @property
    def widget(self) -> ipywidgets.VBox:
        """The explorer as one widget: heading, controls, figure, text."""
        if self._widget is None:
            children = []
            if self.title:
                children.append(ipywidgets.HTML(f"<b>{html.escape(self.title)}</b>"))
            children.append(ipywidgets.HBox(
                list(self.controls.values()),
                layout=ipywidgets.Layout(flex_flow="row wrap"),
            ))
            children += [self.output, self.message]
            self._widget = ipywidgets.VBox(children)
            if self.last is None:
                self._refresh(self.values)
            else:
                self._show(self.last)
        return self._widget

    def display(self) -> None:
        """Show the explorer in the notebook."""
        from IPython.display import display

        display(self.widget)

    def _ipython_display_(self) -> None:
        self.display()


# ---------------------------------------------------------------------- lesson 02


def _teaching_input(n: int) -> np.ndarray:
    """A small deterministic integer image with no symmetry (values 0..4)."""
    r, c = np.indices((n, n))
    return ((3 * r + 2 * c + r * c) % 5).astype(float)


def _teaching_kernel(k: int) -> np.ndarray:
    """A small deterministic asymmetric integer kernel (values -1..2)."""
    r, c = np.indices((k, k))
    return ((2 * r + c + r * c) % 4 - 1).astype(float)


def _slider(value, lo, hi, description):
    return ipywidgets.IntSlider(
        value=value, min=lo, max=hi, description=description, continuous_update=False,
        style={"description_width": "initial"},
    )


def conv2d_explorer() -> Explorer:
    """Lesson 02: input size, kernel size, stride, padding, dilation → picture and numbers.

    The figure is :func:`convlessons.plotting.conv_steps` on a small integer image with
    the window at output position number ``step`` (row-major). The text gives the output
    size with its formula, the parameters and the multiply-adds of a layer with
    ``in_channels`` → ``out_channels`` (computed by :mod:`convlessons.shapes` and
    :mod:`convlessons.cost`).

    Returns:
        An :class:`Explorer`; e.g. ``conv2d_explorer().update(input_size=5)``.
    """
    controls = {
        "input_size": _slider(5, 1, 10, "input size"),
        "kernel_size": _slider(3, 1, 7, "kernel size"),
        "stride": _slider(1, 1, 4, "stride"),
        "padding": _slider(0, 0, 3, "padding"),
        "dilation": _slider(1, 1, 3, "dilation"),
        "in_channels": _slider(1, 1, 64, "in channels"),
        "out_channels": _slider(1, 1, 64, "out channels"),
        "step": _slider(0, 0, 99, "window position"),
    }

    def render(input_size, kernel_size, stride, padding, dilation, in_channels,
               out_channels, step):
        from convlessons import cost, plotting, shapes

        span = dilation * (kernel_size - 1) + 1
        padded = input_size + 2 * padding
        if span > padded:
            raise ValueError(
                f"the kernel spans {span} cells (kernel size {kernel_size}, dilation "
                f"{dilation}) but the padded input is only {padded} cells wide (input "
                f"{input_size} + 2×padding {padding}), so there is no position where the "
                "kernel fits and the output would be empty. Make the kernel or the dilation "
                "smaller, or add padding."
            )
        out = shapes.conv_output_size(input_size, kernel_size, stride, padding, dilation)
        n_out = out * out
        position = divmod(min(step, n_out - 1), out)
        fig = plotting.conv_steps(
            _teaching_input(input_size), _teaching_kernel(kernel_size), stride=stride,
            padding=padding, dilation=dilation, position=position,
        )
        params = cost.conv_params(in_channels, out_channels, kernel_size)
        macs = cost.conv_macs(in_channels, out_channels, kernel_size, (out, out))
        lines = [
            f"output size {out}×{out}   "
            f"(⌊({input_size} + 2·{padding} − {dilation}·({kernel_size} − 1) − 1) / {stride}⌋"
            f" + 1 = {out})",
            f"parameters {params:,}   ({out_channels}·{in_channels}·{kernel_size}·{kernel_size}"
            f" weights + {out_channels} bias{'es' if out_channels > 1 else ''})",
            f"multiply-adds {macs:,}   ({out}·{out} positions × {out_channels}·{in_channels}"
            f"·{kernel_size}·{kernel_size})",
        ]
        unused = (padded - span) % stride
        if unused:
            lines.append(
                f"the stride does not divide {padded} − {span}: the last {unused} padded "
                f"cell(s) are never covered (the floor in the formula)"
            )
        if step >= n_out:
            lines.append(f"window position {step} is past the last one; showing {n_out - 1}")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="2-D convolution arithmetic")


# ---------------------------------------------------------------------- lesson 01

_SIGNAL = (0.0, 1.0, 3.0, 2.0, 0.0, 0.0, 1.0, 0.0)
_KERNELS = (
    ("[1, 2, 3] (ramp)", (1.0, 2.0, 3.0)),
    ("[0, 0, 1] (delay)", (0.0, 0.0, 1.0)),
    ("[1, 0, -1] (edge)", (1.0, 0.0, -1.0)),
)


def _mode_offset(mode: str, n: int, k: int) -> int:
    """Index in the 'full' output of index 0 of the ``mode`` output (scipy's layout)."""
    return {"full": 0, "same": (k - 1) // 2, "valid": k - 1}[mode]


def _fmt(v: float) -> str:
    return f"{int(round(v))}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}"


def correlation_explorer(signal=_SIGNAL, kernels=_KERNELS) -> Explorer:
    """Lesson 01: convolution vs cross-correlation of a 1-D signal with an asymmetric kernel.

    Controls: the kernel, the mode (``full``/``same``/``valid``) and the output index.
    Four panels: for convolution (left) and correlation (right), the signal with the
    kernel laid under the window (flipped for convolution), and the output with the
    current index in red. Values come from :mod:`convlessons.signal`.

    Args:
        signal: the 1-D signal (longer than every kernel).
        kernels: ``(label, kernel)`` pairs offered in the dropdown.

    Returns:
        An :class:`Explorer`; e.g. ``correlation_explorer().update(mode="valid", shift=2)``.
    """
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"signal must be a 1-D sequence of at least 2 numbers, got {signal!r}")
    kernels = tuple((str(label), tuple(float(v) for v in k)) for label, k in kernels)
    if not kernels or any(not 1 <= len(k) <= x.size for _, k in kernels):
        raise ValueError(
            f"kernels must be (label, kernel) pairs with 1 to {x.size} numbers each, "
            f"got {kernels!r}"
        )
    n, kmax = x.size, max(len(k) for _, k in kernels)
    controls = {
        "kernel": ipywidgets.Dropdown(options=list(kernels), value=kernels[0][1],
                                      description="kernel"),
        "mode": ipywidgets.Dropdown(options=["full", "same", "valid"], value="full",
                                    description="mode"),
        "shift": _slider(0, 0, n + kmax - 2, "output index"),
    }

    def fit_slider(change=None):
        k = len(controls["kernel"].value)
        length = {"full": n + k - 1, "same": n, "valid": n - k + 1}[controls["mode"].value]
        controls["shift"].max = length - 1

    controls["mode"].observe(fit_slider, names="value")
    controls["kernel"].observe(fit_slider, names="value")

    def render(kernel, mode, shift):
        import matplotlib.pyplot as plt

        from convlessons import plotting
        from convlessons import signal as sig

        k = np.asarray(kernel, dtype=float)
        kk = k.size
        conv = np.asarray(sig.convolve(x, k, mode=mode), dtype=float)
        corr = np.asarray(sig.correlate(x, k, mode=mode), dtype=float)
        length = conv.size
        if not 0 <= shift < length:
            raise ValueError(
                f"mode '{mode}' gives {length} outputs (indices 0 to {length - 1}), so output "
                f"index {shift} does not exist. Full has N + K − 1 = {n + kk - 1} outputs, "
                f"same has N = {n}, valid has N − K + 1 = {n - kk + 1}."
            )
        m = shift + _mode_offset(mode, n, kk)  # index into the full output
        window = np.arange(m - kk + 1, m + 1)  # signal positions under the kernel
        lo, hi = -(kk - 1), n + kk - 2
        fig, axes = plt.subplots(2, 2, figsize=(10, 5.6),
                                 gridspec_kw={"hspace": 0.6, "wspace": 0.25})
        for col, (name, laid, out) in enumerate((
            ("convolution", k[::-1], conv),
            ("correlation", k, corr),
        )):
            top, bottom = axes[0, col], axes[1, col]
            plotting.signal_1d(x, top)
            outside = [p for p in range(lo, hi + 1) if p < 0 or p >= n]
            top.plot(outside, np.zeros(len(outside)), "o", mfc="white", mec="#aaaaaa")
            top.axvspan(window[0] - 0.45, window[-1] + 0.45, color="#fd8d3c", alpha=0.25)
            ymin, ymax = top.get_ylim()
            top.set_ylim(ymin - 0.3 * (ymax - ymin), ymax)
            for pos, w in zip(window, laid, strict=True):
                top.text(pos, ymin - 0.2 * (ymax - ymin), f"×{_fmt(w)}", ha="center",
                         va="center", fontsize=9, color="#a63603", fontweight="bold")
            top.set_xlim(lo - 0.7, hi + 0.7)
            top.set_xticks(range(lo, hi + 1))
            how = "flipped" if name == "convolution" else "as written"
            top.set_title(f"{name}: kernel {how} under x")
            top.set_xlabel("signal position", fontsize=8)
            products = " + ".join(
                f"{_fmt(x[p]) if 0 <= p < n else '0'}·{_fmt(w)}"
                for p, w in zip(window, laid, strict=True)
            )
            plotting.signal_1d(out, bottom, highlight=shift, color="#59a14f")
            bottom.set_title(f"{name} output, mode '{mode}' (length {length})")
            bottom.set_xlabel(f"[{shift}] = {products} = {_fmt(out[shift])}", fontsize=9)
        text = "\n".join([
            f"x has N = {n} samples, k has K = {kk}; mode '{mode}' gives {length} outputs "
            f"(full N + K − 1 = {n + kk - 1}, same N = {n}, valid N − K + 1 = {n - kk + 1})",
            f"output index {shift}: convolution {_fmt(conv[shift])}, "
            f"correlation {_fmt(corr[shift])}",
            "convolution == correlation with the flipped kernel: "
            f"{bool(np.allclose(conv, sig.correlate(x, k[::-1], mode=mode)))}",
        ])
        return Render(figure=fig, text=text)

    return Explorer(controls, render, title="convolution vs cross-correlation")


# ---------------------------------------------------------------------- lesson 03


def conv3d_explorer() -> Explorer:
    """Lesson 03: volume size, kernel size, stride, padding, channels → output volume and cost.

    The same ``kernel_size``, ``stride`` and ``padding`` are used on all three axes. The
    text gives the output volume shape with its formula, the parameters and multiply-adds
    of an ``nn.Conv3d(in_channels, out_channels, kernel_size)`` layer (by
    :mod:`convlessons.shapes` and :mod:`convlessons.cost`), and the parameters of the 2-D
    layer with the same kernel side for comparison. The figure shows depth slices of the
    synthetic volume (:func:`convlessons.data.synthetic_volume`, spheres) above depth
    slices of that volume filtered with a ``k × k × k`` box (mean) filter
    (:func:`convlessons.filters.box`; computed with torch for speed, equal to
    :func:`convlessons.functional.conv3d`).

    Returns:
        An :class:`Explorer`; e.g. ``conv3d_explorer().update(kernel_size=5, stride=2)``.
    """
    controls = {
        "volume_size": _slider(24, 8, 40, "volume size"),
        "kernel_size": _slider(3, 1, 7, "kernel size"),
        "stride": _slider(1, 1, 4, "stride"),
        "padding": _slider(0, 0, 3, "padding"),
        "in_channels": _slider(1, 1, 64, "in channels"),
        "out_channels": _slider(1, 1, 64, "out channels"),
    }

    def render(volume_size, kernel_size, stride, padding, in_channels, out_channels):
        import matplotlib.pyplot as plt
        import torch

        from convlessons import cost, data, filters, plotting, shapes

        n, k, s, p = volume_size, kernel_size, stride, padding
        if k > n + 2 * p:
            raise ValueError(
                f"the kernel is {k} voxels deep but the padded volume is only {n + 2 * p} "
                f"(volume {n} + 2×padding {p}), so the kernel fits nowhere and the output "
                "would be empty. Make the kernel smaller or add padding."
            )
        out = shapes.conv_output_size((n, n, n), k, s, p)
        kernel = (k, k, k)
        params = cost.conv_params(in_channels, out_channels, kernel)
        params_2d = cost.conv_params(in_channels, out_channels, (k, k))
        macs = cost.conv_macs(in_channels, out_channels, kernel, out)
        volume = data.synthetic_volume((n, n, n), "spheres")
        # torch for speed while sliders move; functional.conv3d gives the same numbers
        filtered = torch.nn.functional.conv3d(
            torch.from_numpy(volume[None, None]),
            torch.from_numpy(filters.box(k, ndim=3)[None, None]), stride=s, padding=p,
        )[0, 0].numpy()
        fig, axes = plt.subplots(2, 4, figsize=(9, 5))
        plotting.volume_slices(volume, axes[0], n=4)
        plotting.volume_slices(filtered, axes[1], n=4)
        for ax in axes.ravel():
            if not ax.images:
                ax.set_axis_off()
        axes[0, 0].set_ylabel(f"input {n}³")
        axes[1, 0].set_ylabel(f"output {out[0]}³")
        fig.suptitle(f"depth slices before and after a {k}×{k}×{k} box filter, "
                     f"stride {s}, padding {p}")
        shape = "×".join(str(v) for v in out)
        lines = [
            f"output volume {shape}   (⌊({n} + 2·{p} − {k}) / {s}⌋ + 1 = {out[0]} on each axis; "
            f"{out[0] ** 3:,} filter position{'s' if out[0] > 1 else ''})",
            f"parameters {params:,}   ({out_channels}·{in_channels}·{k}³ weights + "
            f"{out_channels} bias{'es' if out_channels > 1 else ''}); a 2-D layer with a "
            f"{k}×{k} kernel has {params_2d:,}",
            f"multiply-adds {macs:,}   ({out[0]}³ positions × {out_channels}·{in_channels}"
            f"·{k}³)",
        ]
        unused = (n + 2 * p - k) % s
        if unused:
            lines.append(f"the stride does not divide {n + 2 * p} − {k}: the last {unused} "
                         "padded slice(s) of each axis are never covered (the floor)")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="3-D convolution: shapes and cost")


# ---------------------------------------------------------------------- lesson 04


def pointwise_explorer() -> Explorer:
    """Lesson 04: a ``k x k`` convolution with and without a 1x1 bottleneck in front.

    Controls: input channels ``C_in``, output channels ``C_out``, spatial size ``H = W``,
    bottleneck width ``b`` and the kernel size ``k`` of the convolution after it (odd, with
    "same" padding, stride 1). The figure draws both paths as tensor blocks
    (:func:`convlessons.plotting.tensor_blocks`): on top ``C_in -> k x k -> C_out``
    directly, below ``C_in -> 1x1 -> b -> k x k -> C_out``. The text gives parameters
    (weights, no bias) and multiply-adds of both paths and their ratio, computed by
    :func:`convlessons.cost.bottleneck_cost`.

    Returns:
        An :class:`Explorer`; e.g. ``pointwise_explorer().update(bottleneck=32)``.
    """
    controls = {
        "in_channels": _slider(192, 1, 512, "C_in"),
        "out_channels": _slider(32, 1, 256, "C_out"),
        "size": _slider(28, 1, 64, "H = W"),
        "bottleneck": _slider(16, 1, 256, "bottleneck b"),
        "kernel_size": ipywidgets.IntSlider(
            value=5, min=1, max=7, step=2, description="k", continuous_update=False,
            style={"description_width": "initial"},
        ),
    }

    def render(in_channels, out_channels, size, bottleneck, kernel_size):
        import matplotlib.pyplot as plt

        from convlessons import cost, plotting

        k = kernel_size
        if k % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that 'same' padding keeps the size, "
                             f"got kernel_size={k}")
        c = cost.bottleneck_cost(in_channels, bottleneck, out_channels, k, size)
        s, b, cin, cout = size, bottleneck, in_channels, out_channels
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6.4),
                                          gridspec_kw={"height_ratios": [1, 1]})
        plotting.tensor_blocks(
            [(cin, s, s), (cout, cin, k, k), (cout, s, s)],
            ["input", f"{cout} filters {k}×{k}×{cin}", "output"], ax=top, ops=["*", "="],
            colors=[plotting.BLOCK_COLORS[0], plotting.BLOCK_COLORS[1],
                    plotting.BLOCK_COLORS[2]],
        )
        plotting.tensor_blocks(
            [(cin, s, s), (b, cin, 1, 1), (b, s, s), (cout, b, k, k), (cout, s, s)],
            ["input", f"{b} filters 1×1×{cin}", "bottleneck", f"{cout} filters {k}×{k}×{b}",
             "output"],
            ax=bottom, ops=["*", "=", "*", "="],
            colors=[plotting.BLOCK_COLORS[0], plotting.BLOCK_COLORS[1],
                    plotting.BLOCK_COLORS[3], plotting.BLOCK_COLORS[1],
                    plotting.BLOCK_COLORS[2]],
        )
        top.set_title(f"direct: {c.direct_macs:,} multiply-adds", fontsize=12, pad=14)
        bottom.set_title(f"with a {b}-channel 1×1 bottleneck: {c.bottleneck_macs:,} "
                         f"multiply-adds", fontsize=12, pad=14)
        fig.tight_layout()
        hw = f"{s}·{s}"
        rows = [
            (f"direct {k}×{k}", c.direct_params, c.direct_macs, f"{hw}·{cout}·{k}·{k}·{cin}"),
            (f"1×1 reduce to {b}", c.reduce_params, c.reduce_macs, f"{hw}·{b}·{cin}"),
            (f"then {k}×{k}", c.conv_params, c.conv_macs, f"{hw}·{cout}·{k}·{k}·{b}"),
            ("bottleneck total", c.bottleneck_params, c.bottleneck_macs, ""),
        ]
        width = max(len(r[0]) for r in rows)
        lines = [
            f"{name.ljust(width)}   parameters {params:>11,}   multiply-adds {macs:>14,}"
            + (f"   ({formula})" if formula else "")
            for name, params, macs, formula in rows
        ]
        lines.append(
            f"the bottleneck path needs {c.mac_ratio:.2f}× fewer multiply-adds than the direct one"
            if c.mac_ratio >= 1 else
            f"the bottleneck path needs {1 / c.mac_ratio:.2f}× the multiply-adds of the direct "
            "one: it costs MORE"
        )
        if b >= cin:
            lines.append(f"b = {b} is not smaller than C_in = {cin}: the 1×1 layer does not "
                         "reduce anything, it only adds cost")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="1×1 bottleneck: parameters and multiply-adds")


# ---------------------------------------------------------------------- lesson 08


def depthwise_explorer() -> Explorer:
    """Lesson 08: channels, filters, kernel size → standard vs depthwise separable cost.

    The figure is :func:`convlessons.plotting.depthwise_separable_blocks` (the standard
    layer, the depthwise step and the pointwise step as 3-D blocks). The text gives, for
    stride 1 and no padding, the multiply-adds and weights of the standard layer and of
    the two steps (by :func:`convlessons.cost.conv_macs` and
    :func:`convlessons.cost.conv_params`, biases left out), their ratio, and the same
    ratio from the formula ``1/C_out + 1/k²``. The input side stays at 10 or less so the
    blocks are drawn to scale.

    Returns:
        An :class:`Explorer`; e.g. ``depthwise_explorer().update(out_channels=256)``.
    """
    controls = {
        "in_channels": _slider(3, 1, 64, "in channels"),
        "out_channels": _slider(128, 1, 256, "filters (out channels)"),
        "kernel_size": _slider(3, 1, 7, "kernel size"),
        "input_size": _slider(7, 1, 10, "input size"),
    }

    def render(in_channels, out_channels, kernel_size, input_size):
        from convlessons import cost, plotting

        c, n, k, i = in_channels, out_channels, kernel_size, input_size
        if k > i:
            raise ValueError(
                f"the {k}×{k} kernel is larger than the {i}×{i} input (no padding here), so "
                "it fits nowhere and the output would be empty. Make the kernel smaller or "
                "the input larger."
            )
        o = i - k + 1
        fig = plotting.depthwise_separable_blocks(c, n, k, i)
        standard = cost.conv_macs(c, n, k, o)
        depthwise = cost.conv_macs(c, c, k, o, groups=c)
        pointwise = cost.conv_macs(c, n, 1, o)
        separable = depthwise + pointwise
        w_standard = cost.conv_params(c, n, k, bias=False)
        w_separable = (cost.conv_params(c, c, k, groups=c, bias=False)
                       + cost.conv_params(c, n, 1, bias=False))
        ratio = separable / standard
        lines = [
            f"output {o}×{o}×{n}   (stride 1, no padding: {i} − {k} + 1 = {o})",
            f"standard     {standard:>12,} multiply-adds = {n}·{k}·{k}·{c} × {o}·{o} positions;"
            f"  {w_standard:,} weights",
            f"depthwise    {depthwise:>12,} multiply-adds = {c}·{k}·{k}·1 × {o}·{o}",
            f"pointwise    {pointwise:>12,} multiply-adds = {n}·1·1·{c} × {o}·{o}",
            f"separable    {separable:>12,} multiply-adds;  {w_separable:,} weights",
            f"ratio separable / standard = {ratio:.4f} = 1/{n} + 1/{k * k} "
            f"= {1 / n + 1 / (k * k):.4f}   ("
            + (f"{1 / ratio:.2f}× fewer" if ratio < 1 else f"{ratio:.2f}× as many")
            + " multiply-adds)",
        ]
        if ratio >= 1:
            lines.append("the separable version is not cheaper here: with a 1×1 kernel or a "
                         "single filter the factorization only adds a step")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="Depthwise separable convolution: cost")


# ---------------------------------------------------------------------- lesson 05


def transposed_explorer() -> Explorer:
    """Lesson 05: stride, kernel, padding, output_padding, dilation → output size and overlap.

    The figure is the overlap map of a transposed convolution on a square input
    (:func:`convlessons.matrix.overlap_counts`, drawn with
    :func:`convlessons.plotting.coverage_map`): how many kernel taps land on each output
    cell, one row on top and the whole 2-D map (the outer product of two rows) below.
    The text gives the output size with its formula, the interior overlap pattern
    (:func:`convlessons.matrix.interior_overlap`) and whether it is even or will print a
    checkerboard, and which input sizes the matching strided convolution maps to the
    transposed convolution's input size (the ambiguity ``output_padding`` resolves).
    Impossible settings (``output_padding`` not smaller than the stride or the dilation,
    or padding that crops everything) are explained instead of drawn.

    Returns:
        An :class:`Explorer`; e.g. ``transposed_explorer().update(kernel_size=4)``.
    """
    controls = {
        "input_size": _slider(4, 1, 8, "input size"),
        "kernel_size": _slider(3, 1, 7, "kernel size"),
        "stride": _slider(2, 1, 4, "stride"),
        "padding": _slider(0, 0, 3, "padding"),
        "output_padding": _slider(0, 0, 3, "output padding"),
        "dilation": _slider(1, 1, 3, "dilation"),
    }

    def render(input_size, kernel_size, stride, padding, output_padding, dilation):
        import matplotlib.pyplot as plt

        from convlessons import matrix, plotting, shapes

        i, k, s, p, a, d = input_size, kernel_size, stride, padding, output_padding, dilation
        if a >= s and a >= d:
            raise ValueError(
                f"output_padding {a} must be smaller than the stride {s} (or the dilation "
                f"{d}). A stride-{s} convolution maps exactly {s} neighbouring input sizes "
                f"to the same output size, and output_padding (0 to {max(s, d) - 1}) says "
                f"which of them to produce; a larger value would describe an input size "
                "that no convolution with these settings came from"
            )
        full = (i - 1) * s + d * (k - 1) + 1
        if full - 2 * p + a < 1:
            raise ValueError(
                f"padding {p} crops 2×{p} = {2 * p} cells from an uncropped output of only "
                f"{full} (+ output_padding {a}), leaving nothing; use less padding"
            )
        o = shapes.conv_transpose_output_size(i, k, s, p, a, d)
        row = matrix.overlap_counts(i, k, s, p, a, d)
        counts = matrix.overlap_counts((i, i), k, s, p, a, d)
        pattern = matrix.interior_overlap(k, s, d)
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(min(10, 0.42 * o + 2.2), min(11, 0.42 * (o + 1) + 2.4)),
            gridspec_kw={"height_ratios": [1.2, max(o, 1)]},
        )
        plotting.coverage_map(row, top, title="contributions per output cell, one row")
        plotting.coverage_map(counts, bottom,
                              title=f"2-D: the outer product of two rows ({o}×{o})")
        fig.tight_layout()
        lines = [
            f"output size {o}×{o}   ((i − 1)·s − 2p + d·(k − 1) + a + 1 = ({i} − 1)·{s} − "
            f"2·{p} + {d}·({k} − 1) + {a} + 1 = {o})",
            f"one row of the overlap map: {row.tolist()}",
        ]
        span = d * (k - 1) + 1
        if len(set(pattern.tolist())) == 1:
            lines.append(
                f"even overlap: on a large input, every cell away from the border gets "
                f"{pattern[0]} contribution(s) per axis ({pattern[0] ** 2} in 2-D): no "
                "checkerboard from the geometry"
            )
        else:
            why = (f"k = {k} is not a multiple of s = {s}" if d == 1 else
                   f"the taps at offsets 0, {d}, …, {d * (k - 1)} do not fall evenly on the "
                   f"{s} positions of a stride period")
            result = ("a checkerboard" if pattern.min() > 0 else
                      "a grid of holes, worse than a checkerboard")
            lines.append(
                f"uneven overlap: on a large input, away from the border the counts cycle through "
                f"{pattern.tolist()} per axis ({why}); in 2-D they multiply, from "
                f"{pattern.min() ** 2} to {pattern.max() ** 2}: {result}"
            )
        holes = int((counts == 0).sum())
        if holes:
            lines.append(f"{holes} output cell(s) receive no contribution at all (holes)")
        sources = [n for n in range(1, o + 2 * p + s + d * k + 2)
                   if n + 2 * p >= span and shapes.conv_output_size(n, k, s, p, d) == i]
        if sources and o in sources:
            lines.append(
                f"a conv2d with the same k, s, p, d maps input sizes {sources} to {i}; "
                f"output_padding = {a} picks {o}"
            )
        elif sources:
            lines.append(
                f"a conv2d with the same k, s, p, d maps input sizes {sources} to {i}; "
                f"output_padding = {a} gives {o}, which none of them is (allowed only "
                f"because {a} < dilation {d})"
            )
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="transposed convolution: output size and overlap")


# ---------------------------------------------------------------------- lesson 06

#: Lesson 06: dilation schedules offered by :func:`dilation_explorer` (any other can be typed).
DILATION_SCHEDULES = ("1, 2, 4", "2, 2, 2", "1, 2, 5", "1, 2, 3", "1, 2, 4, 8", "4, 4",
                      "1, 1, 2, 4, 8, 16, 1")


def _parse_schedule(text) -> list[int]:
    """``"1, 2, 4"`` → ``[1, 2, 4]``; a ValueError that explains what to type otherwise."""
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise ValueError(
            f"the dilation schedule must be positive whole numbers separated by commas, "
            f"like 1, 2, 4; got {text!r}"
        )
    if len(parts) > 12:
        raise ValueError(f"at most 12 layers can be explored here, got {len(parts)} in {text!r}")
    return [int(p) for p in parts]


def dilation_explorer(max_field=99) -> Explorer:
    """Lesson 06: a dilation schedule and a kernel size → the measured receptive field.

    Controls: the schedule (a combo box: pick one of :data:`DILATION_SCHEDULES` or type
    your own, e.g. ``"1, 3, 9"``), the kernel size ``k`` of every layer, and how many of
    the schedule's first layers to use. The figure is
    :func:`convlessons.plotting.coverage_map` of
    :func:`convlessons.receptive.receptive_field_map` on an input exactly as large as the
    receptive field: each cell holds the number of paths from that input pixel to the
    output unit, and hatched zeros are holes (gridding). The text gives the receptive
    field after each layer by the formula (:func:`convlessons.shapes.receptive_fields`),
    the measured field and hole count, and the weights of the stack next to those of a
    single dense layer with the same receptive field.

    Args:
        max_field: largest receptive field drawn; beyond it only the numbers are shown.

    Returns:
        An :class:`Explorer`; e.g. ``dilation_explorer().update(schedule="2, 2, 2")``.
    """
    if isinstance(max_field, bool) or not isinstance(max_field, int) or max_field < 1:
        raise ValueError(f"max_field must be a positive int, got max_field={max_field!r}")
    controls = {
        "schedule": ipywidgets.Combobox(
            value=DILATION_SCHEDULES[0], options=list(DILATION_SCHEDULES),
            description="dilations", ensure_option=False, continuous_update=False,
            placeholder="e.g. 1, 2, 4", style={"description_width": "initial"},
        ),
        "kernel_size": _slider(3, 1, 7, "kernel size"),
        "layers": _slider(3, 1, 12, "layers used"),
    }

    def fit_layers(change=None):
        try:
            n = len(_parse_schedule(controls["schedule"].value))
        except ValueError:
            return  # render explains the bad schedule
        controls["layers"].max = n
        controls["layers"].value = n

    controls["schedule"].observe(fit_layers, names="value")

    def render(schedule, kernel_size, layers):
        import matplotlib.pyplot as plt

        from convlessons import cost, plotting, receptive, shapes

        ds = _parse_schedule(schedule)
        k = kernel_size
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"the kernel size must be a positive int, got {k!r}")
        if not isinstance(layers, int) or isinstance(layers, bool) or layers < 1:
            raise ValueError(f"layers used must be a positive int, got {layers!r}")
        note = ""
        if layers < len(ds):
            note = f" (the first {layers} of {len(ds)} layers)"
            ds = ds[:layers]
        shown = ", ".join(str(d) for d in ds)
        fields = shapes.receptive_fields([k] * len(ds), dilations=ds)
        rf = fields[-1]
        weights = len(ds) * k * k
        lines = [
            f"dilations {shown}{note}, {k}×{k} kernels: receptive field after each layer "
            + ", ".join(str(f) for f in fields)
            + f"   (1 + Σ d·(k − 1) = 1 + {k - 1}·({' + '.join(str(d) for d in ds)}) = {rf})",
        ]
        fig = None
        if rf <= max_field:
            coverage = receptive.receptive_field_map(
                receptive.dilated_stack(ds, k, padding="valid"), rf)
            extent = receptive.field_extent(coverage)
            holes = receptive.count_holes(coverage)
            fig, ax = plt.subplots(figsize=(5.6, 5.6))
            plotting.coverage_map(coverage, ax, annotate=rf <= 21,
                                  title=f"paths from each input pixel to the output unit\n"
                                        f"dilations {shown}, {k}×{k} kernels")
            lines.append(
                f"measured by autograd: {extent[0]}×{extent[1]} field, "
                + (f"{holes} hole(s) in {rf * rf} cells: the output never sees them "
                   "(gridding)" if holes else "no holes: every pixel in the field is seen")
            )
        else:
            lines.append(f"a {rf}×{rf} field is too large to draw here (limit {max_field}); "
                         "the formula still holds")
        dense = cost.conv_params(1, 1, rf, bias=False)
        lines.append(
            f"weights (one channel): {len(ds)} layers × {k}·{k} = {weights:,}; one dense "
            f"{rf}×{rf} layer with the same field: {dense:,}"
        )
        lines.append(
            f"weights (64 → 64 channels): stack {weights * 64 * 64:,}; dense "
            f"{dense * 64 * 64:,}"
        )
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="dilation schedules and receptive fields")


# ---------------------------------------------------------------------- lesson 09

#: Choices of :func:`flattened_explorer` for the lateral (channel) filter.
FLATTENED_LATERAL = ("ones", "alternating ±1", "first channel only", "random")
#: Choices of :func:`flattened_explorer` for the vertical and horizontal filters.
FLATTENED_SPATIAL = ("smoothing (binomial)", "derivative", "box", "random")


def flattened_vector(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """One of the explorer's 1-D filters of length ``n`` (integers, easy to multiply).

    Lateral kinds (:data:`FLATTENED_LATERAL`): ``"ones"`` (sum the channels),
    ``"alternating ±1"`` (``+1, -1, +1, ...``: channel differences),
    ``"first channel only"`` (``1, 0, 0, ...``), ``"random"`` (integers in ``[-2, 2]``).
    Spatial kinds (:data:`FLATTENED_SPATIAL`): ``"smoothing (binomial)"`` (row ``n - 1``
    of Pascal's triangle, e.g. ``1, 2, 1``), ``"derivative"`` (``[-1, 1]`` convolved with
    the binomial of length ``n - 1``, e.g. ``-1, 0, 1``; needs ``n >= 2``), ``"box"``
    (all ones), ``"random"``.

    Args:
        kind: a name from :data:`FLATTENED_LATERAL` or :data:`FLATTENED_SPATIAL`.
        n: positive int, the length.
        seed: int, the seed of ``"random"``.

    Returns:
        float64 array ``(n,)``.

    Example:
        >>> flattened_vector("derivative", 3).tolist()
        [-1.0, 0.0, 1.0]
        >>> flattened_vector("smoothing (binomial)", 4).tolist()
        [1.0, 3.0, 3.0, 1.0]
    """
    if not isinstance(kind, str) or kind not in FLATTENED_LATERAL + FLATTENED_SPATIAL:
        kinds = list(dict.fromkeys(FLATTENED_LATERAL + FLATTENED_SPATIAL))
        raise ValueError(f"kind must be one of {kinds}, got kind={kind!r}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive int, got n={n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got seed={seed!r}")
    n = int(n)

    def binomial(m):
        row = np.ones(1)
        for _ in range(m - 1):
            row = np.convolve(row, [1.0, 1.0])
        return row

    if kind in ("ones", "box"):
        return np.ones(n)
    if kind == "alternating ±1":
        return np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    if kind == "first channel only":
        return np.eye(1, n)[0]
    if kind == "random":
        return np.random.default_rng(int(seed)).integers(-2, 3, size=n).astype(np.float64)
    if kind == "smoothing (binomial)":
        return binomial(n)
    if n < 2:
        raise ValueError(f"a derivative filter needs at least 2 taps (it compares "
                         f"neighbours), got n={n}; choose a kernel size of 2 or more")
    return np.convolve([-1.0, 1.0], binomial(n - 1))


def flattened_explorer() -> Explorer:
    """Lesson 09: three 1-D filters (lateral, vertical, horizontal) build a 3-D kernel.

    Controls: the number of input channels ``C``, the kernel size ``k`` (square
    kernels), and a choice for each of the three 1-D filters (see
    :func:`flattened_vector`). The figure is
    :func:`convlessons.plotting.flattened_kernel`. The text gives the weights per filter,
    ``C + 2k`` for the flattened form against ``C·k²`` for an ordinary ``C × k × k``
    filter (:func:`convlessons.cost.flattened_params` and
    :func:`convlessons.cost.conv_params` for one filter, no bias), the ratio, and the
    relative error of the best rank-1 fit of the kernel built
    (:func:`convlessons.decompose.best_rank1_tensor`), which is 0: the kernel is rank 1
    by construction.

    Returns:
        An :class:`Explorer`; e.g. ``flattened_explorer().update(channels=4, kernel_size=5)``.
    """
    controls = {
        "channels": _slider(3, 1, 8, "channels C"),
        "kernel_size": _slider(3, 1, 7, "kernel size k"),
        "lateral": ipywidgets.Dropdown(options=list(FLATTENED_LATERAL), value="ones",
                                       description="lateral"),
        "vertical": ipywidgets.Dropdown(options=list(FLATTENED_SPATIAL),
                                        value="smoothing (binomial)", description="vertical"),
        "horizontal": ipywidgets.Dropdown(options=list(FLATTENED_SPATIAL), value="derivative",
                                          description="horizontal"),
    }

    def render(channels, kernel_size, lateral, vertical, horizontal):
        from convlessons import cost, decompose, plotting

        c, k = channels, kernel_size
        a = flattened_vector(lateral, c, seed=1)
        b = flattened_vector(vertical, k, seed=2)
        h = flattened_vector(horizontal, k, seed=3)
        fig = plotting.flattened_kernel(a, b, h)
        flat = cost.flattened_params(c, 1, k, bias=False)
        full = cost.conv_params(c, 1, k, bias=False)
        fit = decompose.best_rank1_tensor(np.einsum("c,i,j->cij", a, b, h))
        lines = [
            f"lateral {a.astype(int).tolist()}, vertical {b.astype(int).tolist()}, "
            f"horizontal {h.astype(int).tolist()}",
            f"kernel {k}×{k}×{c}: slice c = lateral[c] · (vertical ⊗ horizontal)",
            f"weights per filter: flattened C + 2k = {c} + 2·{k} = {flat}; "
            f"ordinary C·k² = {c}·{k}² = {full}",
            f"the flattened filter stores {full / flat:.2f}× fewer weights"
            if full >= flat else
            f"here the flattened form stores MORE weights ({flat} > {full}): with tiny C and "
            "k there is nothing to save",
            "best rank-1 fit of this kernel: relative error "
            + ("below 1e-12" if fit.relative_error < 1e-12 else f"{fit.relative_error:.1e}")
            + " (it is rank 1 by construction)",
        ]
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="Flattened convolution: three 1-D filters")


# ---------------------------------------------------------------------- lesson 07


def separable_explorer(max_image_size: int = 40) -> Explorer:
    """Lesson 07: image size N and kernel size m → multiplications, counted and by formula.

    For an ``N × N`` single-channel image and an ``m × m`` kernel (stride 1, no padding)
    the explorer runs the loop code of :mod:`convlessons.naive` with a
    :class:`~convlessons.naive.MultiplicationCounter`: :func:`~convlessons.naive.conv2d`
    with the full kernel, and :func:`~convlessons.naive.spatially_separable_conv2d` with
    its column and row (a binomial smoothing kernel, which is separable). It prints both
    counts next to the formulas of :func:`convlessons.cost.standard_mults` and
    :func:`convlessons.cost.separable_mults`, the ratio and its ``2/m`` limit. The figure
    shows the counts as bars (the separable one split into its two passes) and the ratio
    against N for this m, with the ``2/m`` asymptote.

    Args:
        max_image_size: largest N on the slider (the loops are slow beyond ~40).

    Returns:
        An :class:`Explorer`; e.g. ``separable_explorer().update(image_size=5, kernel_size=3)``.
    """
    if (isinstance(max_image_size, bool) or not isinstance(max_image_size, int | np.integer)
            or max_image_size < 3):
        raise ValueError(f"max_image_size must be an int >= 3, got "
                         f"max_image_size={max_image_size!r}")
    max_image_size = int(max_image_size)
    controls = {
        "image_size": _slider(5, 3, max_image_size, "image size N"),
        "kernel_size": _slider(3, 1, 15, "kernel size m"),
    }

    def render(image_size, kernel_size):
        import matplotlib.pyplot as plt
        from scipy.special import comb

        from convlessons import cost, naive, plotting

        n, m = image_size, kernel_size
        if m > n:
            raise ValueError(
                f"the {m}×{m} kernel does not fit in the {n}×{n} image (stride 1, no "
                "padding), so there is no output to compute. Make the kernel smaller or "
                "the image larger."
            )
        o = n - m + 1
        binomial = comb(m - 1, np.arange(m)).astype(float)  # 1 2 1, 1 4 6 4 1, ...
        image = _teaching_input(n)
        full, sep = naive.MultiplicationCounter(), naive.MultiplicationCounter()
        y_full = naive.conv2d(image[None, None], np.outer(binomial, binomial)[None, None],
                              counter=full)[0, 0]
        y_sep = naive.spatially_separable_conv2d(image, binomial, binomial, counter=sep)
        standard, separable = cost.standard_mults(n, m), cost.separable_mults(n, m)
        column_pass, row_pass = o * n * m, o * o * m
        ratio = cost.separable_ratio(n, m)
        same = np.allclose(y_full, y_sep)

        fig, (ax_bar, ax_ratio) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained",
                                               gridspec_kw={"width_ratios": [1, 1.5]})
        ax_bar.bar([0], [standard], color=plotting.GROUP_COLORS[0], width=0.6)
        ax_bar.bar([1], [column_pass], color=plotting.GROUP_COLORS[1], width=0.6,
                   label=f"column pass {m}×1")
        ax_bar.bar([1], [row_pass], bottom=[column_pass], color=plotting.GROUP_COLORS[2],
                   width=0.6, label=f"row pass 1×{m}")
        for x, v in ((0, standard), (1, separable)):
            ax_bar.text(x, v, f"{v:,}", ha="center", va="bottom")
        ax_bar.set_xticks([0, 1], [f"one {m}×{m} pass", "two 1-D passes"])
        ax_bar.set_ylabel("multiplications")
        ax_bar.set_ylim(0, 1.18 * max(standard, separable))
        ax_bar.legend(frameon=False, loc="upper right", fontsize=8)
        ax_bar.set_title(f"N = {n}, m = {m}")
        sizes = np.arange(m, max(3 * m, n, 12) + 1)
        curve = cost.separable_ratio(sizes, m)
        plotting.cost_curves(sizes, {f"m = {m}": curve}, ax_ratio,
                             xlabel="image size N", ylabel="separable / standard")
        ax_ratio.axhline(2 / m, color=plotting.GROUP_COLORS[0], linestyle="--", linewidth=1,
                         label=f"limit 2/m = {2 / m:.3g}")
        ax_ratio.axhline(1, color="#888888", linewidth=0.8)
        ax_ratio.plot([n], [ratio], "o", color=plotting.HIGHLIGHT, markersize=8,
                      label=f"N = {n}: {ratio:.3f}")
        ax_ratio.set_ylim(0, max(1.1, 1.05 * float(curve.max())))
        ax_ratio.legend(frameon=False, fontsize=8)
        ax_ratio.set_title("cost ratio approaches 2/m as N grows")

        verdict = (f"save {1 - ratio:.1%}" if ratio < 1 else f"cost {ratio - 1:.1%} more")
        lines = [
            f"{n}×{n} image, {m}×{m} kernel, stride 1, no padding → {o}×{o} output",
            f"standard:  {o}² positions × {m}² = {standard:,}   (loop counted {full.count:,})",
            f"separable: column pass {o}·{n} positions × {m} = {column_pass:,}, row pass "
            f"{o}² × {m} = {row_pass:,}; total {separable:,}   (loop counted {sep.count:,})",
            f"ratio separable / standard = {separable:,} / {standard:,} = {ratio:.4f} "
            f"(limit 2/m = {2 / m:.4f}): the two passes {verdict}",
            f"parameters: {m * m} for the {m}×{m} kernel, {2 * m} for its column and row",
        ]
        if m <= 2:
            lines.append(f"with m = {m} the two passes do {2 * m} multiplications per output "
                         f"against {m * m}, and the intermediate is {m - 1} column(s) wider "
                         "than the output: separating pays off only from m = 3 on")
        if not same or full.count != standard or sep.count != separable:
            lines.append("warning: the loop counts or outputs disagree with the formulas")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render,
                    title="spatially separable convolution: counting multiplications")


# ---------------------------------------------------------------------- lesson 10

#: Lesson 10: the values the groups slider offers (the divisors of 24).
GROUP_CHOICES = (1, 2, 3, 4, 6, 8, 12, 24)


def grouped_explorer() -> Explorer:
    """Lesson 10: groups, channels, kernel and map size → connectivity, parameters, cost.

    The figure has two panels: the layer as 3-D blocks (input, filter bank, output, each
    coloured by group, :func:`convlessons.plotting.grouped_conv_blocks`) and its channel
    connectivity matrix (:func:`convlessons.connectivity.channel_connectivity`, drawn
    with :func:`convlessons.plotting.connectivity`): block diagonal with ``g`` blocks.
    The text gives the filter shape, the parameters ``k·k·C_in·C_out/g`` (+ biases) and
    the multiply-adds on a ``size × size`` output (:func:`convlessons.cost.conv_params`,
    :func:`convlessons.cost.conv_macs`) next to those of the standard layer, and names
    the special cases ``g = 1`` (standard) and ``g = C_in`` (depthwise). The groups
    slider offers the divisors of 24 (:data:`GROUP_CHOICES`); a ``g`` that does not
    divide both channel counts is explained instead of drawn.

    Returns:
        An :class:`Explorer`; e.g. ``grouped_explorer().update(groups=4)``.
    """
    controls = {
        "groups": ipywidgets.SelectionSlider(
            options=GROUP_CHOICES, value=2, description="groups g", continuous_update=False,
            style={"description_width": "initial"},
        ),
        "in_channels": _slider(12, 1, 24, "in channels"),
        "out_channels": _slider(12, 1, 48, "out channels"),
        "kernel_size": _slider(3, 1, 7, "kernel size"),
        "size": _slider(56, 1, 112, "output size"),
    }

    def render(groups, in_channels, out_channels, kernel_size, size):
        import matplotlib.pyplot as plt

        from convlessons import connectivity, cost, plotting

        g, cin, cout, k = groups, in_channels, out_channels, kernel_size
        bad = [f"{name} = {value}" for name, value in (("C_in", cin), ("C_out", cout))
               if value % g]
        if bad:
            raise ValueError(
                f"groups g = {g} must divide both channel counts, but it does not divide "
                f"{' or '.join(bad)}: the channels cannot be cut into {g} equal groups. "
                f"The slider values that divide both {cin} and {cout} are "
                f"{', '.join(str(d) for d in GROUP_CHOICES if cin % d == 0 and cout % d == 0)}."
            )
        fig, (ax_blocks, ax_conn) = plt.subplots(
            1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [2.2, 1]},
            layout="constrained",
        )
        plotting.grouped_conv_blocks(cin, cout, g, kernel_size=k, size=min(size, 7),
                                     ax=ax_blocks)
        matrix = connectivity.channel_connectivity((cin, cout), groups=g)
        plotting.connectivity(matrix, ax=ax_conn, title=f"channel connectivity, g = {g}")
        params = cost.conv_params(cin, cout, k, groups=g)
        dense_params = cost.conv_params(cin, cout, k)
        macs = cost.conv_macs(cin, cout, k, size, groups=g)
        dense_macs = cost.conv_macs(cin, cout, k, size)
        lines = [
            f"g = {g}: each group reads {cin // g} of the {cin} input channels and writes "
            f"{cout // g} of the {cout} output channels",
            f"filter shape {k}×{k}×{cin // g}; weight ({cout}, {cin // g}, {k}, {k}); "
            f"{int(matrix.sum())} of {matrix.size} channel pairs connected (1/{g})",
            f"parameters {params:,} = {k}·{k}·{cin}·{cout}/{g} + {cout} biases   "
            f"(standard layer {dense_params:,})",
            f"multiply-adds on a {size}×{size} output {macs:,} = {size}·{size}·{cout}·"
            f"{k}·{k}·{cin // g}   (standard layer {dense_macs:,}: {g}× as many)",
        ]
        if g == 1:
            lines.append("g = 1 is the standard convolution: every output channel reads "
                         "every input channel")
        elif g == cin:
            lines.append(f"g = C_in = {cin} is a depthwise convolution: one input channel "
                         f"per group, {cout // g} filter(s) per channel (channel multiplier "
                         f"{cout // g})")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="Grouped convolution: connectivity and cost")


# ---------------------------------------------------------------------- lesson 11


def shuffle_explorer() -> Explorer:
    """Lesson 11: groups, channels per group, shuffle on/off, layers → channel dependency.

    Left: :func:`convlessons.plotting.shuffle_diagram` (channels flowing through the
    grouped layers, each box striped with the input groups it depends on). Right: the
    dependency matrix of the whole stack, output channel × input channel
    (:func:`convlessons.connectivity.stacked_connectivity`, which equals what autograd
    measures on :func:`convlessons.models.grouped_stack`). The text says how many input
    channels each output channel depends on and how many layers it takes to mix all of
    them (:func:`convlessons.connectivity.mixing_depth`). The channel count is
    ``groups × channels per group``, so every setting is possible.

    Returns:
        An :class:`Explorer`; e.g. ``shuffle_explorer().update(shuffle=False)``.
    """
    controls = {
        "groups": _slider(3, 1, 6, "groups g"),
        "per_group": _slider(4, 1, 6, "channels per group"),
        "layers": _slider(2, 1, 4, "grouped layers"),
        "shuffle": ipywidgets.Checkbox(value=True, description="shuffle between layers"),
    }

    def render(groups, per_group, layers, shuffle):
        import matplotlib.pyplot as plt

        from convlessons import connectivity, plotting

        c = groups * per_group
        dep = connectivity.stacked_connectivity(c, groups, layers, shuffle=shuffle)
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4), width_ratios=[1.7, 1],
                                          layout="constrained")
        plotting.shuffle_diagram(c, groups, layers, shuffle=shuffle, ax=left,
                                 title="channels through the stack")
        plotting.connectivity(dep, ax=right, title="depends on (output × input channel)")
        reads = dep.sum(axis=1)
        depth = connectivity.mixing_depth(c, groups)
        wiring = "a shuffle between each two" if shuffle and layers > 1 else "no shuffle"
        def count(k, word):
            return f"{k} {word}" + ("" if k == 1 else "s")

        lines = [
            f"C = {count(c, 'channel')} in {count(groups, 'group')} of {per_group}; "
            f"{count(layers, 'grouped layer')}, {wiring}",
        ]
        if reads.min() == reads.max():
            lines.append(f"every output channel depends on {reads.min()} of the {c} input "
                         "channels" + (" (all of them)" if reads.min() == c else ""))
        else:
            lines.append(f"output channels depend on {reads.min()} to {reads.max()} of the "
                         f"{c} input channels")
        if depth is None:
            lines.append("with one channel per group the shuffle is the identity: no depth "
                         "ever mixes the groups")
        elif depth == 1:
            lines.append("one group is a standard convolution: one layer already mixes "
                         "everything")
        else:
            lines.append(f"with shuffles, {depth} layers mix every channel ("
                         + ("C/g ≥ g, so each group of the next layer gets at least one "
                            "channel from every group" if per_group >= groups else
                            "C/g < g: a group of the next layer gets channels from only "
                            f"{per_group} of the {groups} groups, so it takes more layers")
                         + ")")
            if not shuffle:
                lines.append("without the shuffle the groups stay walled off at any depth "
                             "(the matrix stays block diagonal)")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="Channel shuffle: who depends on whom")


# ---------------------------------------------------------------------- lesson 12

#: Lesson 12: the group counts of ShuffleNet v1's Table 1, and the paper's scales.
SHUFFLENET_GROUPS = (1, 2, 3, 4, 8)
SHUFFLENET_WIDTHS = (0.25, 0.5, 1.0, 1.5, 2.0)


def shufflenet_published_mflops(groups, width_mult):
    """The complexity (MFLOPs) the ShuffleNet paper publishes for a model, or ``None``.

    Table 1 at 1x (one number per ``g``), Table 2 at 0.5x and 0.25x (one number per
    scale), Tables 5 and 8 for the other named models (:data:`convlessons.models.
    SHUFFLENET_V1_PAPER`).

    Examples:
        >>> shufflenet_published_mflops(8, 1.0), shufflenet_published_mflops(3, 0.5)
        (137, 38)
        >>> shufflenet_published_mflops(1, 2.0) is None
        True
    """
    from convlessons.models import SHUFFLENET_V1_PAPER as paper

    if groups not in SHUFFLENET_GROUPS:
        raise ValueError(f"groups must be one of {SHUFFLENET_GROUPS}, got groups={groups!r}")
    if width_mult not in SHUFFLENET_WIDTHS:
        raise ValueError(f"width_mult must be one of {SHUFFLENET_WIDTHS}, "
                         f"got width_mult={width_mult!r}")
    if width_mult == 1.0:
        return paper["complexity_mflops_1x"][groups]
    if width_mult in (0.5, 0.25):
        return paper["complexity_mflops_by_scale"][width_mult]
    return paper["complexity_mflops_models"].get((width_mult, groups))


def shufflenet_explorer() -> Explorer:
    """Lesson 12: groups and width → ShuffleNet v1's unit cost and whole-net complexity.

    Left: the multiply-adds of one stride-1 unit of Stage 3 of the chosen model
    (``c`` = its channels, ``m = c/4``, 14×14), as a ResNet, a ResNeXt (``g`` groups in
    the 3×3) and a ShuffleNet unit (:func:`convlessons.cost.unit_flops`), split into the
    1×1 and the 3×3 part. Right: the whole net's multiply-adds by part (conv1, Stages
    2-4, classifier; :func:`convlessons.models.shufflenet_v1_macs` on a net built on the
    meta device). The text compares the count with the paper's number, when it publishes
    one (:func:`shufflenet_published_mflops`), and with AlexNet's 720 MFLOPs.

    Returns:
        An :class:`Explorer`; e.g. ``shufflenet_explorer().update(groups=8)``.
    """
    controls = {
        "groups": ipywidgets.SelectionSlider(
            options=SHUFFLENET_GROUPS, value=3, description="groups g",
            continuous_update=False, style={"description_width": "initial"},
        ),
        "width_mult": ipywidgets.SelectionSlider(
            options=SHUFFLENET_WIDTHS, value=1.0, description="width s×",
            continuous_update=False, style={"description_width": "initial"},
        ),
    }

    def render(groups, width_mult):
        import matplotlib.pyplot as plt
        import torch

        from convlessons import cost, models

        if groups not in SHUFFLENET_GROUPS or width_mult not in SHUFFLENET_WIDTHS:
            raise ValueError(f"groups must be one of {SHUFFLENET_GROUPS} and width_mult one "
                             f"of {SHUFFLENET_WIDTHS}, got groups={groups!r}, "
                             f"width_mult={width_mult!r}")
        with torch.device("meta"):
            net = models.shufflenet_v1(groups, width_mult)
        parts = models.shufflenet_v1_macs(net)
        unit = net.stage3[1]
        c, m, hw = unit.compress.in_channels, unit.compress.out_channels, 14
        units = {kind: cost.unit_flops(kind, c, m, hw, hw, groups) for kind in cost.UNIT_KINDS}
        one_by_one = {"resnet": 2 * c * m, "resnext": 2 * c * m,
                      "shufflenet": 2 * c * m // groups}
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1, 1.3],
                                          layout="constrained")
        names = ["ResNet", "ResNeXt", "ShuffleNet"]
        pw = [hw * hw * one_by_one[k] / 1e6 for k in cost.UNIT_KINDS]
        sp = [units[k] / 1e6 - p for k, p in zip(cost.UNIT_KINDS, pw, strict=True)]
        left.bar(names, pw, color="#fd8d3c", label="1×1 convs")
        left.bar(names, sp, bottom=pw, color="#74c476", label="3×3 conv")
        for i, k in enumerate(cost.UNIT_KINDS):
            left.text(i, units[k] / 1e6, f"{units[k] / 1e6:.2f}", ha="center", va="bottom")
        left.set_ylabel("MFLOPs (multiply-adds)")
        left.set_title(f"one Stage-3 unit: c={c}, m={m}, 14×14, g={groups}", fontsize=10)
        left.legend(fontsize=8)
        keys = ["conv1", "stage2", "stage3", "stage4", "fc"]
        values = [parts[k] / 1e6 for k in keys]
        right.bar(keys, values, color=["#6baed6", "#9e9ac8", "#9e9ac8", "#9e9ac8", "#bdbdbd"])
        for i, v in enumerate(values):
            right.text(i, v, f"{v:.1f}", ha="center", va="bottom", fontsize=9)
        total = parts["total"] / 1e6
        published = shufflenet_published_mflops(groups, width_mult)
        right.set_title(f"ShuffleNet {width_mult:g}× (g = {groups}): {total:.1f} MFLOPs",
                        fontsize=10)
        right.set_ylabel("MFLOPs by part")
        lines = [
            f"ShuffleNet {width_mult:g}× (g = {groups}): stage channels "
            f"{net.stage2[0].expand.out_channels + net.stage2[0].compress.in_channels}, "
            f"{c}, {net.stage4[1].compress.in_channels}; counted {total:.1f} MFLOPs, "
            f"{cost.count_params(net) / 1e6:.2f} M parameters",
        ]
        if published is None:
            lines.append("the paper publishes no complexity for this model")
        else:
            off = 100 * (total - published) / published
            lines.append(f"paper: {published} MFLOPs ({off:+.1f}%"
                         + (", beyond 2%: see the errata" if abs(off) > 2 else "") + ")")
        lines.append(f"AlexNet's 720 MFLOPs are {720 / total:.1f}× as many")
        lines.append(f"one Stage-3 unit: ResNet {units['resnet']:,}, ResNeXt "
                     f"{units['resnext']:,}, ShuffleNet {units['shufflenet']:,} multiply-adds")
        return Render(figure=fig, text="\n".join(lines))

    return Explorer(controls, render, title="ShuffleNet v1: groups, width and cost")
