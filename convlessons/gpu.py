"""The GPU section of every lesson: verify an op on a device, time alternatives, report.

All functions take a ``device`` (``"cpu"`` or ``"cuda"``), so the same code runs in the
test suite on the CPU everywhere and on the GPU where there is one. A lesson's GPU cell
is one call, :func:`run_section`::

    report = gpu.run_section("02")  # prints the table, or one line without CUDA

Precision. On NVIDIA GPUs since Ampere, cuDNN runs float32 convolutions in TF32 by
default (``torch.backends.cudnn.allow_tf32`` is ``True``): the inputs of each multiply
are rounded to a 10-bit mantissa, which is about 1,000 times coarser than float32.
:func:`verify` therefore always states whether TF32 was on, through the :func:`tf32`
context manager, and compares against a float64 reference computed on the CPU.

Timing. :func:`time_fn` runs warm-up calls first (cuDNN picks its algorithm and CUDA
allocates memory on the first calls), then times each call with CUDA events around it
and ``torch.cuda.synchronize()`` (kernels run asynchronously, so wall-clock time around
a launch measures nothing), and returns the median.

Example:
    >>> import torch
    >>> check = verify(torch.sin, torch.sin, [torch.linspace(0, 3, 7)], device="cpu")
    >>> check.ok
    True
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

__all__ = [
    "cuda_available",
    "skip_line",
    "tf32",
    "Check",
    "verify",
    "time_fn",
    "Row",
    "Report",
    "run_section",
    "lesson01",
    "lesson02",
    "lesson03",
    "lesson04",
    "lesson08",
    "lesson05",
    "lesson06",
    "lesson07",
    "lesson09",
    "lesson10",
    "lesson11",
    "lesson12",
]


def cuda_available() -> bool:
    """True when torch can use a CUDA GPU here.

    Example:
        >>> isinstance(cuda_available(), bool)
        True
    """
    return bool(torch.cuda.is_available())


def skip_line(lesson) -> str:
    """The one line a lesson prints instead of its GPU section when there is no CUDA.

    Args:
        lesson: lesson number, ``5`` or ``"05"``.

    Example:
        >>> skip_line(5)
        'GPU section skipped: CUDA is not available on this machine (lesson 05).'
    """
    if isinstance(lesson, bool) or not isinstance(lesson, int | str):
        raise TypeError(f"lesson must be an int or a str like '05', got lesson={lesson!r}")
    text = str(lesson).strip()
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError(f"lesson must be a lesson number 1..99, got lesson={lesson!r}")
    return f"GPU section skipped: CUDA is not available on this machine (lesson {int(text):02d})."


@contextlib.contextmanager
def tf32(enabled: bool):
    """Turn TF32 for float32 matmuls and cuDNN convolutions on or off, then restore.

    Sets ``torch.backends.cuda.matmul.allow_tf32`` and ``torch.backends.cudnn.allow_tf32``
    for the duration of the ``with`` block (on a CPU it changes nothing numerically).

    Example:
        >>> with tf32(False):
        ...     torch.backends.cudnn.allow_tf32
        False
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True or False, got enabled={enabled!r}")
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def _check_device(device) -> torch.device:
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device)
        except RuntimeError as exc:
            raise ValueError(f"device must be 'cpu' or 'cuda', got device={device!r}") from exc
    else:
        raise TypeError(f"device must be a str like 'cpu' or 'cuda', got device={device!r}")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got device={device!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available on this machine")
    return dev


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


@dataclass(frozen=True)
class Check:
    """Outcome of one :func:`verify`: the largest absolute error and its tolerance."""

    name: str
    max_abs_err: float
    tolerance: float
    ok: bool

    def line(self) -> str:
        """One human-readable line, e.g. ``✓ conv2d on cuda: max |error| 2.1e-06 ≤ 1.0e-04``."""
        mark, rel = ("✓", "≤") if self.ok else ("✗", ">")
        return f"{mark} {self.name}: max |error| {self.max_abs_err:.1e} {rel} {self.tolerance:.1e}"


def verify(fn, reference, inputs, *, device, tf32=False, atol=None, rtol=None, name=None):
    """Run ``fn`` on ``device`` and ``reference`` on the CPU in float64; compare.

    Floating-point inputs go to ``device`` as float32 for ``fn`` and stay on the CPU as
    float64 for ``reference``; other inputs are passed unchanged. The tolerance is
    ``atol + rtol * max|reference|``.

    Args:
        fn: the op under test, ``fn(*inputs)`` → tensor.
        reference: the reference, same signature.
        inputs: sequence of tensors (or numpy arrays) and other arguments.
        device: ``"cpu"`` or ``"cuda"``.
        tf32: run ``fn`` with TF32 allowed (see :func:`tf32`).
        atol, rtol: tolerances; defaults ``atol=1e-6`` and ``rtol=1e-4`` (float32), or
            ``rtol=1e-2`` with TF32 (about ten times TF32's rounding error, 2⁻¹¹).
        name: label of the check (default: ``fn``'s name, device, and TF32 state).

    Returns:
        :class:`Check`.
    """
    dev = _check_device(device)
    use_tf32 = tf32
    if not isinstance(use_tf32, bool):
        raise TypeError(f"tf32 must be True or False, got tf32={use_tf32!r}")
    if not callable(fn) or not callable(reference):
        raise TypeError("fn and reference must be callable")
    if isinstance(inputs, torch.Tensor) or not isinstance(inputs, Sequence):
        raise TypeError(f"inputs must be a list or tuple of arguments, got {type(inputs).__name__}")
    atol = 1e-6 if atol is None else atol
    rtol = (1e-2 if use_tf32 else 1e-4) if rtol is None else rtol
    for arg, value in (("atol", atol), ("rtol", rtol)):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{arg} must be a non-negative number, got {arg}={value!r}")
    dev_args, ref_args = [], []
    for value in inputs:
        if not isinstance(value, torch.Tensor) and hasattr(value, "__array__"):
            value = torch.as_tensor(value)
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            dev_args.append(value.detach().to(dev, torch.float32))
            ref_args.append(value.detach().to("cpu", torch.float64))
        else:
            dev_args.append(value)
            ref_args.append(value)
    with _tf32_ctx(use_tf32):
        got = fn(*dev_args)
        _sync(dev)
    expected = reference(*ref_args)
    got = torch.as_tensor(got).detach().to("cpu", torch.float64)
    expected = torch.as_tensor(expected).detach().to("cpu", torch.float64)
    label = name or f"{getattr(fn, '__name__', 'fn')} on {dev.type}" + (
        " (TF32 on)" if use_tf32 else " (TF32 off)"
    )
    if got.shape != expected.shape:
        return Check(f"{label}: shape {tuple(got.shape)} != {tuple(expected.shape)}",
                     math.inf, 0.0, False)
    err = float((got - expected).abs().max()) if got.numel() else 0.0
    scale = float(expected.abs().max()) if expected.numel() else 0.0
    tolerance = atol + rtol * scale
    return Check(label, err, tolerance, bool(err <= tolerance))


_tf32_ctx = tf32  # verify's keyword argument ``tf32`` shadows the context manager


def time_fn(fn, *, device, warmup=3, iters=10) -> float:
    """Median run time of ``fn()`` in seconds, after ``warmup`` untimed calls.

    On CUDA each call is timed with a pair of CUDA events and a synchronize; on the CPU
    with :func:`time.perf_counter`.

    Example:
        >>> time_fn(lambda: sum(range(100)), device="cpu", warmup=1, iters=3) > 0
        True
    """
    dev = _check_device(device)
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    for arg, value, low in (("warmup", warmup, 0), ("iters", iters, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{arg} must be an int >= {low}, got {arg}={value!r}")
    for _ in range(warmup):
        fn()
    _sync(dev)
    times = []
    for _ in range(iters):
        if dev.type == "cuda":
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize(dev)
            times.append(start.elapsed_time(end) / 1000.0)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return float(statistics.median(times))


@dataclass
class Row:
    """One timed variant.

    Attributes:
        name: what ran.
        seconds: median time.
        flops: floating-point operations of one call (shown as TFLOP/s), or ``None``.
        bytes: bytes moved by one call (shown as GB/s when ``flops`` is ``None``).
        predicted_speedup: the speed-up over the baseline that the lesson's model
            predicts, or ``None``.
        baseline: name of the row the speed-ups compare against (default: the first row).
    """

    name: str
    seconds: float
    flops: float | None = None
    bytes: float | None = None
    predicted_speedup: float | None = None
    baseline: str | None = None

    def __post_init__(self):
        if not isinstance(self.seconds, int | float) or not self.seconds > 0:
            raise ValueError(f"seconds must be a positive number, got seconds={self.seconds!r}")


def _rate(per_second: float, unit: str) -> str:
    """``1.5e12`` → ``'1.50 TFLOP/s'``; smaller rates in G/M/k units."""
    for scale, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if per_second >= 0.1 * scale:
            return f"{per_second / scale:#.3g}".rstrip(".") + f" {prefix}{unit}"
    return f"{per_second:#.3g}".rstrip(".") + f" {unit}"


def _ratio(value: float) -> str:
    """Speed-ups with two decimals; small ones (a slow loop) with two significant digits."""
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


@dataclass
class Report:
    """A GPU section's result: timed rows, correctness checks, notes and metrics.

    Attributes:
        title: heading of the table.
        rows: :class:`Row` list; speed-ups are against each row's baseline (default the
            first row).
        checks: :class:`Check` list.
        notes: sentences printed under the table (e.g. the crossover found).
        metrics: numbers a notebook may assert on (e.g. ``{"crossover_length": 4096}``).
    """

    title: str
    rows: list
    checks: list
    notes: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when at least one check ran and every check passed."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def measured_speedup(self, row: Row) -> float:
        """Baseline time / this row's time."""
        base = self.rows[0]
        if row.baseline is not None:
            named = [r for r in self.rows if r.name == row.baseline]
            if not named:
                raise ValueError(f"row {row.name!r} names baseline {row.baseline!r}, "
                                 "which is not a row of this report")
            base = named[0]
        return base.seconds / row.seconds

    def table(self) -> str:
        """The report as fixed-width text: one line per row, then checks and notes.

        Example:
            >>> r = Report("demo", [Row("a", 2e-3, flops=2e9), Row("b", 1e-3, flops=2e9,
            ...            predicted_speedup=2.0)], [Check("b vs a", 0.0, 1e-6, True)])
            >>> print(r.table())  # doctest: +NORMALIZE_WHITESPACE
            demo
            variant   time (ms)    throughput   predicted ×   measured ×
            a             2.000   1.00 TFLOP/s             —         1.00
            b             1.000   2.00 TFLOP/s          2.00         2.00
            ✓ b vs a: max |error| 0.0e+00 ≤ 1.0e-06
        """
        headers = ("variant", "time (ms)", "throughput", "predicted ×", "measured ×")
        lines = []
        for row in self.rows:
            if row.flops is not None:
                rate = _rate(row.flops / row.seconds, "FLOP/s")
            elif row.bytes is not None:
                rate = _rate(row.bytes / row.seconds, "B/s")
            else:
                rate = "—"
            predicted = "—" if row.predicted_speedup is None else _ratio(row.predicted_speedup)
            lines.append((row.name, f"{row.seconds * 1e3:.3f}", rate, predicted,
                          _ratio(self.measured_speedup(row))))
        widths = [max(len(h), *(len(r[i]) for r in lines)) if lines else len(h)
                  for i, h in enumerate(headers)]

        def fmt(cells):
            first = cells[0].ljust(widths[0])
            return "   ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:],
                                                                   strict=True))])

        out = [self.title, fmt(headers), *(fmt(r) for r in lines)]
        out += [c.line() for c in self.checks]
        out += list(self.notes)
        return "\n".join(out)


def run_section(lesson):
    """Run a lesson's GPU section: the whole body of its ``## GPU section`` cell.

    With CUDA, runs ``lessonNN("cuda")``, prints its table and raises ``AssertionError``
    when a check failed; without CUDA, prints :func:`skip_line` and returns None.

    Args:
        lesson: lesson number, ``5`` or ``"05"``.

    Returns:
        The :class:`Report`, or None when CUDA is not available.

    Example:
        >>> run_section("05") if not cuda_available() else None  # doctest: +ELLIPSIS
        GPU section skipped: CUDA is not available on this machine (lesson 05).
    """
    line = skip_line(lesson)  # validates ``lesson``
    number = int(str(lesson).strip())
    scenario = globals().get(f"lesson{number:02d}")
    if scenario is None:
        raise ValueError(f"lesson must name a lesson with a GPU scenario, got lesson={lesson!r}")
    if not cuda_available():
        print(line)
        return None
    report = scenario("cuda")
    print(report.table())
    if not report.ok:
        failed = "; ".join(c.line() for c in report.checks if not c.ok) or "no check ran"
        raise AssertionError(f"lesson {number:02d} GPU checks failed: {failed}")
    return report


# --- lesson scenarios ---
# One function per lesson: lessonNN(device="cpu", quick=False) -> Report. quick=True keeps
# every size tiny so the CPU test takes about a second. Notebook writers append theirs here.


def _scenario_args(device, quick):
    dev = _check_device(device)
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be True or False, got quick={quick!r}")
    return dev


def lesson01(device="cpu", quick=False) -> Report:
    """Lesson 01: direct vs FFT 1-D convolution; where does the FFT start to win?

    A batch of signals of increasing length is convolved (full mode, true convolution)
    with one fixed long kernel, directly (``conv1d`` on the flipped kernel, cuDNN on a
    GPU) and through the FFT (``torch.fft.rfft`` → multiply → ``irfft``). Both run in
    float32 with TF32 off. The predicted speed-up is the ratio of the multiplication
    models in :mod:`convlessons.cost` (direct ``(n + m - 1) m`` vs FFT
    ``3 N log2 N + 4 (N/2 + 1)``); the crossover is the first length from which the FFT
    is faster at every longer length measured.

    Metrics: ``crossover_length`` (int or ``None`` if the FFT never won),
    ``predicted_crossover_length``, ``kernel_length``.
    """
    import torch.nn.functional as F

    from convlessons import cost

    dev = _scenario_args(device, quick)
    batch, m = (2, 32) if quick else (8, 1024)
    lengths = [64, 256, 1024] if quick else [2**p for p in range(10, 21, 2)]
    gen = torch.Generator().manual_seed(0)
    kernel = torch.randn(m, generator=gen)

    def direct(x, k):
        return F.conv1d(x[:, None, :], k.flip(-1)[None, None, :], padding=k.shape[-1] - 1)[:, 0]

    def via_fft(x, k):
        size = x.shape[-1] + k.shape[-1] - 1
        n_fft = 1 << (size - 1).bit_length()
        spectrum = torch.fft.rfft(x, n=n_fft) * torch.fft.rfft(k, n=n_fft)
        return torch.fft.irfft(spectrum, n=n_fft)[..., :size]

    rows, checks, faster = [], [], []
    k_dev = kernel.to(dev)
    with tf32(False):
        for n in lengths:
            x = torch.randn(batch, n, generator=gen)
            x_dev = x.to(dev)
            iters = 5 if quick else 20
            t_direct = time_fn(lambda x_dev=x_dev: direct(x_dev, k_dev), device=dev,
                               warmup=2, iters=iters)
            t_fft = time_fn(lambda x_dev=x_dev: via_fft(x_dev, k_dev), device=dev,
                            warmup=2, iters=iters)
            d_mults = int(cost.direct_conv1d_mults(n, m, "full"))
            f_mults = int(cost.fft_conv1d_mults(n, m))
            rows.append(Row(f"direct n={n}", t_direct, flops=2.0 * batch * d_mults,
                            baseline=f"direct n={n}"))
            rows.append(Row(f"FFT    n={n}", t_fft, flops=2.0 * batch * f_mults,
                            predicted_speedup=d_mults / f_mults, baseline=f"direct n={n}"))
            faster.append(t_fft < t_direct)
    check_n = lengths[len(lengths) // 2]
    x = torch.randn(batch, check_n, generator=gen)
    checks.append(verify(via_fft, direct, [x, kernel], device=dev,
                         name=f"FFT convolution on {dev.type}, n={check_n} (vs float64 direct)"))
    checks.append(verify(direct, via_fft, [x, kernel], device=dev,
                         name=f"direct convolution on {dev.type}, n={check_n} (vs float64 FFT)"))
    crossover = None
    for i in range(len(lengths)):
        if all(faster[i:]):
            crossover = lengths[i]
            break
    predicted = next(
        (n for n in lengths if cost.fft_conv1d_mults(n, m) < cost.direct_conv1d_mults(n, m)),
        None,
    )
    notes = [
        f"kernel length m = {m}, batch {batch}, float32 with TF32 off",
        (f"measured: the FFT wins from n = {crossover} on" if crossover is not None
         else f"measured: the FFT did not win up to n = {lengths[-1]}"),
        (f"multiplication model: the FFT needs fewer from n = {predicted} on"
         if predicted is not None else "multiplication model: direct needs fewer everywhere"),
    ]
    return Report(
        f"lesson 01 · direct vs FFT convolution on {dev.type}",
        rows,
        checks,
        notes,
        {"crossover_length": crossover, "predicted_crossover_length": predicted,
         "kernel_length": m},
    )


def lesson02(device="cpu", quick=False) -> Report:
    """Lesson 02: cuDNN ``conv2d`` vs im2col-as-matmul vs a naive loop; TF32's error.

    * ``conv2d``: ``torch.nn.functional.conv2d`` (cuDNN on a GPU), TF32 off and on.
    * im2col: ``torch.nn.functional.unfold`` builds the patch matrix
      ``(N, C·k·k, H'·W')``, then one matmul with the ``(C_out, C·k·k)`` weights: the
      same arithmetic as the convolution, plus a patch matrix ``k·k`` times the input's
      size written to and read back from memory.
    * a naive loop over output positions (one small matmul per position, launched from
      Python), only at a tiny size, against ``conv2d`` at that same size.

    The layer is 8×64×56×56 with 64 filters of 3×3, padding 1 (quick: 1×4×10×10, 4
    filters). Checks: each variant against a float64 CPU reference; with TF32 on, the
    error is reported (it is expected to be far larger than with TF32 off, on a GPU).

    Metrics: ``tf32_off_error``, ``tf32_on_error``, ``im2col_bytes``.
    """
    import torch.nn.functional as F

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    n, c, hw, k_out = (1, 4, 10, 4) if quick else (8, 64, 56, 64)
    tn, tc, thw, tk = (1, 2, 6, 2) if quick else (1, 8, 12, 8)
    gen = torch.Generator().manual_seed(0)

    def conv(x, w):
        return F.conv2d(x, w, padding=1)

    def im2col(x, w):
        cols = F.unfold(x, kernel_size=w.shape[-2:], padding=1)  # (N, C*k*k, H*W)
        out = w.reshape(w.shape[0], -1) @ cols  # (N, C_out, H*W)
        return out.reshape(x.shape[0], w.shape[0], x.shape[2], x.shape[3])

    def naive(x, w):
        xp = F.pad(x, (1, 1, 1, 1))
        flat_w = w.reshape(w.shape[0], -1)
        out = x.new_empty(x.shape[0], w.shape[0], x.shape[2], x.shape[3])
        for i in range(x.shape[2]):
            for j in range(x.shape[3]):
                patch = xp[:, :, i : i + 3, j : j + 3].reshape(x.shape[0], -1)
                out[:, :, i, j] = patch @ flat_w.T
        return out

    x = torch.randn(n, c, hw, hw, generator=gen)
    w = torch.randn(k_out, c, 3, 3, generator=gen) / 3.0
    tx = torch.randn(tn, tc, thw, thw, generator=gen)
    tw = torch.randn(tk, tc, 3, 3, generator=gen) / 3.0
    flops = 2.0 * n * k_out * c * 9 * hw * hw
    tiny_flops = 2.0 * tn * tk * tc * 9 * thw * thw
    im2col_bytes = 4.0 * n * c * 9 * hw * hw
    xd, wd, txd, twd = (t.to(dev) for t in (x, w, tx, tw))
    iters = 5 if quick else 20
    rows = []
    with tf32(False):
        rows.append(Row(f"conv2d ({lib}), TF32 off", time_fn(lambda: conv(xd, wd), device=dev,
                        iters=iters), flops=flops))
        rows.append(Row("im2col + matmul, TF32 off", time_fn(lambda: im2col(xd, wd), device=dev,
                        iters=iters), flops=flops, predicted_speedup=1.0))
    with tf32(True):
        rows.append(Row(f"conv2d ({lib}), TF32 on", time_fn(lambda: conv(xd, wd), device=dev,
                        iters=iters), flops=flops))
    with tf32(False):
        rows.append(Row(f"conv2d, tiny {tn}×{tc}×{thw}×{thw}", time_fn(lambda: conv(txd, twd),
                        device=dev, iters=iters), flops=tiny_flops))
        rows.append(Row(f"naive loop, tiny {tn}×{tc}×{thw}×{thw}",
                        time_fn(lambda: naive(txd, twd), device=dev, warmup=1,
                                iters=3 if quick else 5),
                        flops=tiny_flops, baseline=f"conv2d, tiny {tn}×{tc}×{thw}×{thw}"))
    checks = [
        verify(conv, conv, [x, w], device=dev, tf32=False,
               name=f"conv2d on {dev.type}, float32, TF32 off"),
        verify(conv, conv, [x, w], device=dev, tf32=True,
               name=f"conv2d on {dev.type}, float32, TF32 on"),
        verify(im2col, conv, [x, w], device=dev, tf32=False,
               name=f"im2col + matmul on {dev.type}, TF32 off"),
        verify(naive, conv, [tx, tw], device=dev, tf32=False,
               name=f"naive loop on {dev.type}, TF32 off"),
    ]
    off, on = checks[0].max_abs_err, checks[1].max_abs_err
    ratio = on / off if off > 0 else math.inf
    notes = [
        f"layer {n}×{c}×{hw}×{hw}, {k_out} filters 3×3, padding 1: {flops / 1e9:.3g} GFLOP",
        f"im2col writes a patch matrix of {im2col_bytes / 1e6:.3g} MB (9 × the input) "
        "before its matmul",
        f"TF32 on: max |error| {on:.1e} against {off:.1e} with TF32 off"
        + (f" ({ratio:.0f}× larger)" if math.isfinite(ratio) and on > off else
           " (no TF32 on this device)" if dev.type == "cpu" else ""),
    ]
    return Report(
        f"lesson 02 · conv2d three ways on {dev.type}",
        rows,
        checks,
        notes,
        {"tf32_off_error": off, "tf32_on_error": on, "im2col_bytes": im2col_bytes},
    )


def lesson03(device="cpu", quick=False) -> Report:
    """Lesson 03: ``Conv3d`` vs the (2+1)D block: same weights and FLOPs, different time.

    Three layers from 64 to 64 channels on a batch of clips ``8×64×16×56×56`` (quick:
    ``1×4×4×8×8``, 4 channels), all stride 1, "same" padding, no bias:

    * ``nn.Conv3d`` with a 3×3×3 kernel (cuDNN on a GPU);
    * the parameter-matched (2+1)D block, :class:`convlessons.models.Conv2Plus1d` with
      ``M`` from :func:`convlessons.cost.r2plus1d_mid_channels` (144 at 64 channels):
      1×3×3 spatial conv, ReLU, 3×1×1 temporal conv;
    * the cheap (2+1)D block with ``M = 64`` (12/27 of the weights and FLOPs).

    Parameters and multiply-adds are counted on the modules (:mod:`convlessons.cost`);
    the predicted speed-up is the ratio of multiply-adds. Each layer runs on the device in
    float32 with TF32 off and is checked against a float64 CPU computation with the same
    weights through ``torch.nn.functional`` (on one clip of 4 frames, to keep the CPU
    reference quick). Timed under ``torch.no_grad()``.

    Metrics: ``mid_channels``, ``params`` and ``macs`` (dicts by variant),
    ``measured_speedup`` (dict by variant, vs ``Conv3d``).
    """
    import torch.nn.functional as F

    from convlessons import cost, models

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    n, c, t, hw = (1, 4, 4, 8) if quick else (8, 64, 16, 56)
    gen = torch.Generator().manual_seed(0)
    m = cost.r2plus1d_mid_channels(c, c, 3)
    full = torch.nn.Conv3d(c, c, 3, padding=1, bias=False)
    matched = models.Conv2Plus1d(c, c, 3, mid_channels=m, padding=1, bias=False)
    cheap = models.Conv2Plus1d(c, c, 3, mid_channels=c, padding=1, bias=False)
    with torch.no_grad():
        for module in (full, matched, cheap):
            for p in module.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p[0].numel()))
    variants = {
        f"Conv3d 3×3×3 ({lib})": full,
        f"(2+1)D, M={m} (matched)": matched,
        f"(2+1)D, M={c} (cheap)": cheap,
    }
    shape = (n, c, t, hw, hw)
    params = {name: cost.count_params(mod) for name, mod in variants.items()}
    macs = {name: cost.count_macs(mod, (1, *shape[1:])) * n for name, mod in variants.items()}

    w_full = full.weight.detach().to("cpu", torch.float64)  # copied before .to(dev)

    def reference_3d(x):
        return F.conv3d(x, w_full, padding=1)

    def reference_2plus1d(block):
        ws = block.spatial.weight.detach().to("cpu", torch.float64)
        wt = block.temporal.weight.detach().to("cpu", torch.float64)

        def ref(x):
            return F.conv3d(F.relu(F.conv3d(x, ws, padding=(0, 1, 1))), wt, padding=(1, 0, 0))

        return ref

    references = {
        f"Conv3d 3×3×3 ({lib})": reference_3d,
        f"(2+1)D, M={m} (matched)": reference_2plus1d(matched),
        f"(2+1)D, M={c} (cheap)": reference_2plus1d(cheap),
    }
    x = torch.randn(shape, generator=gen)
    x_dev = x.to(dev)
    x_check = x[:1, :, :4]  # one clip of 4 frames keeps the float64 CPU reference quick
    on_dev = {name: mod.to(dev) for name, mod in variants.items()}  # (in place)
    iters = 3 if quick else 20
    rows, checks = [], []
    base_macs = macs[f"Conv3d 3×3×3 ({lib})"]
    with torch.no_grad(), tf32(False):
        for name, mod in on_dev.items():
            seconds = time_fn(lambda mod=mod: mod(x_dev), device=dev, warmup=1 if quick else 3,
                              iters=iters)
            predicted = None if not rows else base_macs / macs[name]
            rows.append(Row(name, seconds, flops=2.0 * macs[name], predicted_speedup=predicted))
            checks.append(verify(lambda v, mod=mod: mod(v), references[name], [x_check],
                                 device=dev, name=f"{name} on {dev.type}, float32, TF32 off"))
    for mod in variants.values():
        mod.to("cpu")
    report = Report(f"lesson 03 · Conv3d vs (2+1)D on {dev.type}", rows, checks)
    speedups = {row.name: report.measured_speedup(row) for row in rows}
    report.notes = [
        f"clips {n}×{c}×{t}×{hw}×{hw} (N×C×T×H×W), {c} → {c} channels, stride 1, no bias",
        *(f"{name}: {params[name]:,} weights, {macs[name] / 1e9:.3g} G multiply-adds"
          for name in variants),
        "the matched block has the weights and multiply-adds of Conv3d (predicted × 1.00); "
        "the cheap block 12/27 of them (predicted × 2.25)",
    ]
    report.metrics = {"mid_channels": m, "params": params, "macs": macs,
                      "measured_speedup": speedups}
    return report


def lesson04(device="cpu", quick=False) -> Report:
    """Lesson 04: a 1x1 convolution is a matrix product; memory-bound vs compute-bound.

    Two 1x1 layers (no bias), float32:

    * memory-bound: ``32×16×256×256`` → 16 channels (quick: ``2×4×16×16`` → 4): each
      input value is used by only 16 multiply-adds, so the time is set by moving bytes;
    * compute-bound: ``32×1024×14×14`` → 1024 channels (quick: ``2×32×4×4`` → 32): each
      input value feeds 1024 multiply-adds, so the time is set by arithmetic.

    Each layer runs four ways: ``F.conv2d`` (cuDNN on a GPU) with TF32 off (the baseline),
    ``torch.matmul`` of the ``(C_out, C_in)`` weight with the input viewed as
    ``(N, C_in, H·W)`` (no copy: NCHW is already that matrix), ``F.linear`` on a
    channels-last input viewed as ``(N, H, W, C_in)`` (``nn.Linear`` applied at every
    pixel), and ``F.conv2d`` with TF32 on. The predicted speed-up of the two matrix-product
    variants is 1: they do exactly the conv's arithmetic and move the same bytes.
    Every variant is checked against a float64 CPU ``conv2d`` on two samples.

    The notes give each row's achieved bandwidth (bytes = 4 × (input + output + weight)
    elements, the least traffic possible) and each layer's arithmetic intensity (FLOPs per
    byte): a few FLOP/byte is memory-bound on any GPU, hundreds is compute-bound.

    Metrics: ``intensity`` (FLOP/byte by layer), ``tflops`` and ``gbps`` (by row name).
    """
    import torch.nn.functional as F

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    layers = ({"memory-bound": (2, 4, 16, 4), "compute-bound": (2, 32, 4, 32)} if quick else
              {"memory-bound": (32, 16, 256, 16), "compute-bound": (32, 1024, 14, 1024)})
    gen = torch.Generator().manual_seed(0)

    def conv(x, w):
        return F.conv2d(x, w)

    def as_matmul(x, w):
        n, c, h, wd = x.shape
        return torch.matmul(w[:, :, 0, 0], x.reshape(n, c, h * wd)).reshape(n, -1, h, wd)

    def as_linear(x, w):  # x is channels-last: permute(0, 2, 3, 1) is a view, not a copy
        return F.linear(x.permute(0, 2, 3, 1), w[:, :, 0, 0]).permute(0, 3, 1, 2)

    def as_linear_check(x, w):
        return as_linear(x.contiguous(memory_format=torch.channels_last), w)

    rows, checks, notes = [], [], []
    intensity, tflops, gbps = {}, {}, {}
    iters = 5 if quick else 20
    for label, (n, c_in, hw, c_out) in layers.items():
        x = torch.randn(n, c_in, hw, hw, generator=gen)
        w = torch.randn(c_out, c_in, 1, 1, generator=gen) / math.sqrt(c_in)
        xd, wd = x.to(dev), w.to(dev)
        x_cl = xd.contiguous(memory_format=torch.channels_last)
        flops = 2.0 * n * hw * hw * c_in * c_out
        moved = 4.0 * (n * hw * hw * (c_in + c_out) + c_in * c_out)
        intensity[label] = flops / moved
        base = f"{label}: conv2d ({lib}), TF32 off"
        variants = [
            (base, lambda xd=xd, wd=wd: conv(xd, wd), False, None),
            (f"{label}: matmul on (N, C, H·W)", lambda xd=xd, wd=wd: as_matmul(xd, wd),
             False, 1.0),
            (f"{label}: linear per pixel (NHWC)", lambda x_cl=x_cl, wd=wd: as_linear(x_cl, wd),
             False, 1.0),
            (f"{label}: conv2d ({lib}), TF32 on", lambda xd=xd, wd=wd: conv(xd, wd), True, None),
        ]
        for name, fn, use_tf32, predicted in variants:
            with tf32(use_tf32):
                seconds = time_fn(fn, device=dev, warmup=2 if quick else 3, iters=iters)
            rows.append(Row(name, seconds, flops=flops, predicted_speedup=predicted,
                            baseline=base))
            tflops[name] = flops / seconds / 1e12
            gbps[name] = moved / seconds / 1e9
        x_check = x[:2]
        for fn, what, use_tf32 in ((conv, "conv2d", False), (as_matmul, "matmul", False),
                                   (as_linear_check, "linear per pixel", False),
                                   (conv, "conv2d", True)):
            state = "TF32 on" if use_tf32 else "TF32 off"
            checks.append(verify(fn, conv, [x_check, w], device=dev, tf32=use_tf32,
                                 name=f"{label} {what} on {dev.type}, {state}"))
        short = ("conv2d", "matmul", "linear", "conv2d TF32 on")
        rates = ", ".join(f"{what} {_rate(gbps[name] * 1e9, 'B/s')}"
                          for what, (name, *_) in zip(short, variants, strict=True))
        notes.append(
            f"{label}: {n}×{c_in}×{hw}×{hw} → {c_out} channels, {flops / 1e9:.3g} GFLOP, "
            f"at least {moved / 1e6:.3g} MB moved: {intensity[label]:.3g} FLOP/byte; "
            f"achieved bandwidth {rates}"
        )
    return Report(
        f"lesson 04 · 1x1 convolution vs matrix product on {dev.type}",
        rows,
        checks,
        notes,
        {"intensity": intensity, "tflops": tflops, "gbps": gbps},
    )


def lesson08(device="cpu", quick=False) -> Report:
    """Lesson 08: a standard 3×3 conv vs its depthwise separable replacement.

    A MobileNet-like layer: a batch of ``32×128×56×56`` feature maps, 128 → 128 channels,
    3×3 kernels, stride 1, padding 1, no bias (quick: ``1×8×10×10``, 8 → 16). Variants,
    timed in float32 with TF32 off under ``torch.no_grad()``:

    * the standard convolution (cuDNN on a GPU);
    * the depthwise separable pair: depthwise 3×3 (``groups=C``) then pointwise 1×1;
    * each of its two steps alone;
    * the standard convolution with TF32 on (tensor cores on recent GPUs), for scale.

    The predicted speed-up of each variant is the ratio of multiply-adds
    (:func:`convlessons.cost.conv_macs`); for the pair it is ``1 / (1/C_out + 1/9)``.
    Each row's arithmetic intensity (FLOPs per byte of the least memory traffic: read the
    input and weights once, write the output once, float32) goes into the notes: the
    depthwise step does about 2 FLOPs per byte, far too few to keep a GPU's arithmetic
    units busy, so it runs at memory speed and the measured speed-up falls short of the
    FLOP ratio.

    Checks: each variant on the device against a float64 CPU computation (on the first
    two images), and the depthwise separable pair against one ordinary convolution with
    the equivalent kernel ``W[o, c] = P[o, c] · D[c]``
    (:func:`convlessons.functional.depthwise_separable_equivalent_kernel`).

    Metrics: ``flop_ratio``, ``measured_speedup`` (separable vs standard, TF32 off),
    ``intensity`` (dict by variant, FLOP/byte), ``depthwise_flop_share`` and
    ``depthwise_time_share`` (of the separable pair).
    """
    import torch.nn.functional as F

    from convlessons import cost, functional

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    n, c, hw, c_out = (1, 8, 10, 16) if quick else (32, 128, 56, 128)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, hw, hw, generator=gen)
    w = torch.randn(c_out, c, 3, 3, generator=gen) / math.sqrt(9 * c)
    d = torch.randn(c, 1, 3, 3, generator=gen) / 3.0
    p = torch.randn(c_out, c, 1, 1, generator=gen) / math.sqrt(c)

    def standard(x, w):
        return F.conv2d(x, w, padding=1)

    def depthwise(x, d):
        return F.conv2d(x, d, padding=1, groups=x.shape[1])

    def pointwise(y, p):
        return F.conv2d(y, p)

    def separable(x, d, p):
        return pointwise(depthwise(x, d), p)

    macs = {
        "standard": n * cost.conv_macs(c, c_out, 3, hw),
        "depthwise": n * cost.conv_macs(c, c, 3, hw, groups=c),
        "pointwise": n * cost.conv_macs(c, c_out, 1, hw),
    }
    macs["separable"] = macs["depthwise"] + macs["pointwise"]
    fmap_in, fmap_out = 4.0 * n * c * hw * hw, 4.0 * n * c_out * hw * hw
    traffic = {
        "standard": fmap_in + fmap_out + 4.0 * w.numel(),
        "depthwise": 2 * fmap_in + 4.0 * d.numel(),
        "pointwise": fmap_in + fmap_out + 4.0 * p.numel(),
    }
    traffic["separable"] = traffic["depthwise"] + traffic["pointwise"]
    intensity = {k: 2.0 * macs[k] / traffic[k] for k in macs}
    xd, wd, dd, pd = (t.to(dev) for t in (x, w, d, p))
    yd = depthwise(xd, dd)
    iters = 3 if quick else 20
    warm = 1 if quick else 3
    names = {
        "standard": f"standard 3×3 ({lib})",
        "separable": "depthwise separable (dw + pw)",
        "depthwise": "  depthwise 3×3 alone",
        "pointwise": "  pointwise 1×1 alone",
    }
    calls = {
        "standard": lambda: standard(xd, wd),
        "separable": lambda: separable(xd, dd, pd),
        "depthwise": lambda: depthwise(xd, dd),
        "pointwise": lambda: pointwise(yd, pd),
    }
    rows, seconds = [], {}
    with torch.no_grad():
        with tf32(False):
            for key, name in names.items():
                seconds[key] = time_fn(calls[key], device=dev, warmup=warm, iters=iters)
                predicted = None if key == "standard" else macs["standard"] / macs[key]
                rows.append(Row(name, seconds[key], flops=2.0 * macs[key],
                                bytes=traffic[key], predicted_speedup=predicted))
        with tf32(True):
            rows.append(Row("standard 3×3, TF32 on",
                            time_fn(calls["standard"], device=dev, warmup=warm, iters=iters),
                            flops=2.0 * macs["standard"], bytes=traffic["standard"]))
        small = x[:2]
        equivalent = torch.from_numpy(functional.depthwise_separable_equivalent_kernel(
            d.double().numpy(), p.double().numpy()))

        def via_equivalent(x, d, p):
            return F.conv2d(x, equivalent, padding=1)

        checks = [
            verify(standard, standard, [small, w], device=dev,
                   name=f"standard conv on {dev.type}, float32, TF32 off"),
            verify(separable, separable, [small, d, p], device=dev,
                   name=f"depthwise separable on {dev.type}, float32, TF32 off"),
            verify(separable, via_equivalent, [small, d, p], device=dev,
                   name=f"depthwise separable on {dev.type} vs one conv with W = P·D "
                        "(float64)"),
        ]
    report = Report(f"lesson 08 · standard vs depthwise separable convolution on {dev.type}",
                    rows, checks)
    flop_ratio = macs["standard"] / macs["separable"]
    measured = seconds["standard"] / seconds["separable"]
    dw_flops = macs["depthwise"] / macs["separable"]
    dw_time = seconds["depthwise"] / (seconds["depthwise"] + seconds["pointwise"])
    report.notes = [
        f"layer {n}×{c}×{hw}×{hw} → {c_out} channels, 3×3, stride 1, padding 1; "
        "float32, TF32 off unless stated",
        *(f"arithmetic intensity {names[k].strip()}: {intensity[k]:.1f} FLOP/byte "
          f"({2 * macs[k] / 1e9:.3g} GFLOP, {traffic[k] / 1e6:.3g} MB)" for k in names),
        f"FLOP ratio standard / separable = {flop_ratio:.2f}; measured speed-up "
        f"{measured:.2f}",
        f"the depthwise step is {100 * dw_flops:.1f}% of the separable FLOPs and "
        f"{100 * dw_time:.1f}% of its two steps' time; it moved "
        f"{traffic['depthwise'] / seconds['depthwise'] / 1e9:.3g} GB/s",
    ]
    report.metrics = {"flop_ratio": flop_ratio, "measured_speedup": measured,
                      "intensity": intensity, "depthwise_flop_share": dw_flops,
                      "depthwise_time_share": dw_time}
    return report


def lesson05(device="cpu", quick=False) -> Report:
    """Lesson 05: transposed convolution vs nearest-upsample + convolution, a ×2 decoder step.

    A decoder-like layer doubles the size of a ``16×256×32×32`` feature map and halves
    its channels to 128 (quick: ``2×8×6×6`` → 4 channels), float32, TF32 off, no bias,
    under ``torch.no_grad()``. Four ways, each giving a ``2H × 2W`` output:

    * ``conv_transpose2d`` with ``k=4, s=2, p=1`` (the usual GAN/U-Net choice, even
      overlap), the baseline;
    * ``conv_transpose2d`` with ``k=3, s=2, p=1, output_padding=1`` (uneven overlap);
    * nearest-neighbour upsampling ×2, then a 3×3 convolution with padding 1 (the
      resize-convolution Odena, Dumoulin & Olah recommend);
    * the textbook recipe for the ``k=4`` case run literally: insert zeros, pad, and
      convolve with the flipped kernel (multiplying all the inserted zeros).

    The predicted speed-up of each row is the ratio of its multiply-adds to the
    baseline's: ``16 : 9 : 36 : 64`` taps per input pixel, so 1.78, 0.44 and 0.25.

    Checks: each variant on the device against a float64 CPU computation (first image),
    the zero-insertion recipe against the CPU transposed convolution, the baseline with
    TF32 on, and the checkerboard itself: on a constant input with a constant kernel the
    interior of the ``k=3`` output varies by a factor 4 (overlap 1, 2, 4 taps) and the
    ``k=4`` and resize-convolution outputs by a factor 1, as
    :func:`convlessons.matrix.overlap_counts` predicts.

    Metrics: ``macs`` (by variant), ``measured_speedup`` (by variant, vs the baseline),
    ``checkerboard_ratio`` (max/min of the interior on constant input, by variant).
    """
    import torch.nn.functional as F

    dev = _scenario_args(device, quick)
    n, c_in, hw, c_out = (2, 8, 6, 4) if quick else (16, 256, 32, 128)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c_in, hw, hw, generator=gen)
    w4 = torch.randn(c_in, c_out, 4, 4, generator=gen) / math.sqrt(4 * c_in)
    w3 = torch.randn(c_in, c_out, 3, 3, generator=gen) / math.sqrt(2.25 * c_in)
    wc = torch.randn(c_out, c_in, 3, 3, generator=gen) / math.sqrt(9 * c_in)

    def transposed4(x, w):
        return F.conv_transpose2d(x, w, stride=2, padding=1)

    def transposed3(x, w):
        return F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)

    def upsample_conv(x, w):
        return F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), w, padding=1)

    def zero_insertion(x, w):  # k=4, s=2, p=1: pad k - p - 1 = 2, flipped, channels swapped
        z = x.new_zeros(*x.shape[:2], 2 * x.shape[2] - 1, 2 * x.shape[3] - 1)
        z[:, :, ::2, ::2] = x
        return F.conv2d(z, w.flip(2, 3).transpose(0, 1), padding=2)

    taps = {"k=4 transposed": 16, "k=3 transposed": 9, "upsample + conv 3x3": 36,
            "zero insertion + conv": 64}
    macs = {name: n * c_in * c_out * hw * hw * t for name, t in taps.items()}
    variants = [
        ("k=4 transposed", "conv_transpose2d k=4, s=2, p=1", transposed4, w4),
        ("k=3 transposed", "conv_transpose2d k=3, s=2, p=1, op=1", transposed3, w3),
        ("upsample + conv 3x3", "nearest ×2 + conv2d 3×3, p=1", upsample_conv, wc),
        ("zero insertion + conv", "zero insertion + conv2d (k=4 recipe)", zero_insertion, w4),
    ]
    rows, checks, speedups = [], [], {}
    xd = x.to(dev)
    iters = 5 if quick else 20
    base = variants[0][1]
    with torch.no_grad(), tf32(False):
        for key, label, fn, w in variants:
            wd = w.to(dev)
            seconds = time_fn(lambda fn=fn, wd=wd: fn(xd, wd), device=dev,
                              warmup=2 if quick else 3, iters=iters)
            rows.append(Row(label, seconds, flops=2.0 * macs[key],
                            predicted_speedup=taps["k=4 transposed"] / taps[key],
                            baseline=base))
    for row, (key, *_) in zip(rows, variants, strict=True):
        speedups[key] = rows[0].seconds / row.seconds
    x_check = x[:1]
    with torch.no_grad():
        for _key, label, fn, w in variants:
            checks.append(verify(fn, fn, [x_check, w], device=dev,
                                 name=f"{label} on {dev.type}, TF32 off"))
        checks.append(verify(zero_insertion, transposed4, [x_check, w4], device=dev,
                             name=f"zero-insertion recipe on {dev.type} == CPU "
                                  "conv_transpose2d"))
        checks.append(verify(transposed4, transposed4, [x_check, w4], device=dev, tf32=True,
                             name=f"conv_transpose2d k=4 on {dev.type}, TF32 on"))
        ones = torch.ones(1, 1, 8, 8, device=dev)
        ratio = {}
        for key, fn, shape, expected in (
            ("k=3 transposed", transposed3, (1, 1, 3, 3), 4.0),
            ("k=4 transposed", transposed4, (1, 1, 4, 4), 1.0),
            ("upsample + conv 3x3", upsample_conv, (1, 1, 3, 3), 1.0),
        ):
            out = fn(ones, torch.ones(shape, device=dev))[0, 0, 2:-2, 2:-2].cpu()
            ratio[key] = float(out.max() / out.min())
            checks.append(Check(f"{key}: interior max/min on constant input = "
                                f"{ratio[key]:g} (overlap map predicts {expected:g})",
                                abs(ratio[key] - expected), 1e-6,
                                abs(ratio[key] - expected) <= 1e-6))
    notes = [
        f"{n}×{c_in}×{hw}×{hw} → {n}×{c_out}×{2 * hw}×{2 * hw}, float32, TF32 off; "
        "throughput counts each variant's own multiply-adds (×2 FLOPs)",
        "multiply-adds: " + ", ".join(f"{k} {v / 1e9:.3g} G" for k, v in macs.items()),
        "the literal zero-insertion recipe multiplies 3 zeros for every useful product "
        "at stride 2; libraries run the transposed convolution as the gradient of a "
        "convolution (cuDNN's dgrad) and skip them",
    ]
    return Report(
        f"lesson 05 · transposed convolution vs upsample + conv on {dev.type}",
        rows,
        checks,
        notes,
        {"macs": macs, "measured_speedup": speedups, "checkerboard_ratio": ratio},
    )


def lesson06(device="cpu", quick=False) -> Report:
    """Lesson 06: a dilated 3x3 vs the dense kernel with the same receptive field.

    A 3×3 convolution with dilation ``d`` reads 9 taps spread over a ``(2d+1)²`` window;
    the dense kernel of that size with zeros between the taps
    (:func:`convlessons.receptive.dilate_kernel`) gives exactly the same output with
    ``(2d+1)²`` multiply-adds per output instead of 9. Two pairs, 64 → 64 channels on
    ``8×64×128×128`` (quick: ``1×4×12×12``, 4 channels), "same" padding, no bias, float32
    with TF32 off:

    * dense 5×5 (baseline) vs dilated 3×3 with ``d = 2``: predicted speed-up 25/9;
    * dense 9×9 (baseline) vs dilated 3×3 with ``d = 4``: predicted speed-up 81/9 = 9.

    The predicted speed-up is the ratio of multiply-adds; the measurement shows how much
    of it the library's dilated kernels deliver. Checks: each dilated conv and each
    zero-filled dense conv on the device against a float64 CPU dilated conv, on one
    ``64×32×32`` sample (quick: the whole input) so the reference stays quick.

    Metrics: ``macs`` (by row), ``predicted_speedup`` and ``measured_speedup`` (by dilation).
    """
    import torch.nn.functional as F

    from convlessons import receptive

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    n, c, hw = (1, 4, 12) if quick else (8, 64, 128)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, hw, hw, generator=gen)
    x_check = x if quick else x[:1, :, :32, :32]
    xd = x.to(dev)
    iters = 3 if quick else 20
    rows, checks, notes, macs = [], [], [], {}
    predicted, measured = {}, {}
    for d in (2, 4):
        w = torch.randn(c, c, 3, 3, generator=gen) / math.sqrt(9 * c)
        dense_w = receptive.dilate_kernel(w, d)
        side = dense_w.shape[-1]

        def dilated(v, w, d=d):
            return F.conv2d(v, w, padding=d, dilation=d)

        def dense(v, w, side=side):
            return F.conv2d(v, w, padding=side // 2)

        wd, dense_wd = w.to(dev), dense_w.to(dev)
        base = f"dense {side}×{side}, zeros inserted ({lib})"
        name = f"dilated 3×3, d={d} ({lib})"
        macs[base] = n * c * c * side * side * hw * hw
        macs[name] = n * c * c * 9 * hw * hw
        predicted[d] = side * side / 9
        with torch.no_grad(), tf32(False):
            t_dense = time_fn(lambda wd=dense_wd: dense(xd, wd), device=dev, iters=iters)
            t_dil = time_fn(lambda wd=wd: dilated(xd, wd), device=dev, iters=iters)
        rows.append(Row(base, t_dense, flops=2.0 * macs[base], baseline=base))
        rows.append(Row(name, t_dil, flops=2.0 * macs[name], predicted_speedup=predicted[d],
                        baseline=base))
        measured[d] = t_dense / t_dil

        def reference(v, w, d=d):
            return F.conv2d(v, w, padding=d, dilation=d)

        checks.append(verify(dilated, reference, [x_check, w], device=dev,
                             name=f"dilated 3×3 d={d} on {dev.type}, TF32 off"))
        # the dense kernel travels as an input, so verify moves it to the device too
        checks.append(verify(lambda v, _w, dw, f=dense: f(v, dw),
                             lambda v, w, _dw, r=reference: r(v, w),
                             [x_check, w, dense_w], device=dev,
                             name=f"dense {side}×{side} with zeros on {dev.type} == dilated "
                                  f"3×3 d={d} (float64), TF32 off"))
        notes.append(
            f"d={d}: the dilated 3×3 does 9 multiply-adds per output where the dense "
            f"{side}×{side} does {side * side}: predicted × {predicted[d]:.2f}, measured × "
            f"{measured[d]:.2f}"
        )
    notes.insert(0, f"input {n}×{c}×{hw}×{hw}, {c} → {c} channels, 'same' padding, float32, "
                    "TF32 off; both convolutions of a pair give the same output")
    return Report(
        f"lesson 06 · dilated 3×3 vs dense kernel with the same field on {dev.type}",
        rows,
        checks,
        notes,
        {"macs": macs, "predicted_speedup": predicted, "measured_speedup": measured},
    )


def lesson07(device="cpu", quick=False) -> Report:
    """Lesson 07: a large Gaussian blur as one 2-D convolution vs two 1-D convolutions.

    A batch of ``8×3×1024×1024`` images (quick: ``1×2×40×40``) is blurred channel by
    channel (``groups=C``, "same" padding, stride 1) with Gaussian kernels of side
    ``m = 7, 15, 31`` (sigma ``m / 6``, :func:`convlessons.filters.gaussian1d`), two ways:

    * one ``m×m`` convolution with the outer-product kernel (cuDNN on a GPU);
    * an ``m×1`` convolution followed by a ``1×m`` one (the separable passes).

    With "same" padding each pass writes every pixel, so the multiply-adds per pixel are
    ``m²`` against ``2m`` and the predicted speed-up is ``m / 2`` (15.5 for 31×31). The
    notes give each variant's arithmetic intensity (FLOPs per byte of the least memory
    traffic, float32): the 2-D blur does ``m² / 4`` FLOP/byte, each 1-D pass only
    ``m / 4``, so the separable passes can become memory-bound and fall short of ``m / 2``.
    Timed in float32 with TF32 off, under ``torch.no_grad()``.

    Checks, for every ``m``: the separable passes on the device against a float64 CPU
    2-D convolution with the outer-product kernel (on one image crop), and the 2-D
    convolution on the device against the same reference.

    Metrics: ``predicted_speedup`` and ``measured_speedup`` (dicts by ``m``),
    ``intensity`` (dict by row name, FLOP/byte).
    """
    import torch.nn.functional as F

    from convlessons import filters

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    n, c, hw = (1, 2, 40) if quick else (8, 3, 1024)
    sizes = (7, 15, 31)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, c, hw, hw, generator=gen)
    xd = x.to(dev)
    crop = x[:1, :, :96, :96]

    def blur2d(x, column, row):
        m = column.numel()
        w = torch.outer(column, row).expand(x.shape[1], 1, m, m)
        return F.conv2d(x, w, padding=m // 2, groups=x.shape[1])

    def separable(x, column, row):
        m, ch = column.numel(), x.shape[1]
        y = F.conv2d(x, column.reshape(1, 1, m, 1).expand(ch, 1, m, 1), padding=(m // 2, 0),
                     groups=ch)
        return F.conv2d(y, row.reshape(1, 1, 1, m).expand(ch, 1, 1, m), padding=(0, m // 2),
                        groups=ch)

    rows, checks, notes = [], [], []
    predicted, measured, intensity = {}, {}, {}
    pixels = n * c * hw * hw
    iters, warm = (3, 1) if quick else (20, 3)
    with torch.no_grad(), tf32(False):
        for m in sizes:
            g = torch.from_numpy(filters.gaussian1d(m, m / 6.0))
            gd = g.to(dev, torch.float32)
            w2d = torch.outer(gd, gd).expand(c, 1, m, m).contiguous()
            wc = gd.reshape(1, 1, m, 1).expand(c, 1, m, 1).contiguous()
            wr = gd.reshape(1, 1, 1, m).expand(c, 1, 1, m).contiguous()
            p = m // 2

            def one(w2d=w2d, p=p):
                return F.conv2d(xd, w2d, padding=p, groups=c)

            def two(wc=wc, wr=wr, p=p):
                return F.conv2d(F.conv2d(xd, wc, padding=(p, 0), groups=c), wr,
                                padding=(0, p), groups=c)

            base = f"{m}×{m} blur, one 2-D conv ({lib})"
            name = f"{m}×{m} blur, {m}×1 then 1×{m}"
            t_one = time_fn(one, device=dev, warmup=warm, iters=iters)
            t_two = time_fn(two, device=dev, warmup=warm, iters=iters)
            flops_one, flops_two = 2.0 * pixels * m * m, 2.0 * pixels * 2 * m
            bytes_one, bytes_two = 8.0 * pixels, 16.0 * pixels
            predicted[m] = m * m / (2 * m)
            rows.append(Row(base, t_one, flops=flops_one, bytes=bytes_one, baseline=base))
            rows.append(Row(name, t_two, flops=flops_two, bytes=bytes_two,
                            predicted_speedup=predicted[m], baseline=base))
            measured[m] = t_one / t_two
            intensity[base], intensity[name] = flops_one / bytes_one, flops_two / bytes_two
            checks.append(verify(separable, blur2d, [crop, g, g], device=dev,
                                 name=f"{m}×1 then 1×{m} on {dev.type} vs one {m}×{m} conv "
                                      "(float64 CPU)"))
            checks.append(verify(blur2d, blur2d, [crop, g, g], device=dev,
                                 name=f"{m}×{m} conv on {dev.type} vs float64 CPU"))
    notes.append(f"images {n}×{c}×{hw}×{hw}, Gaussian sigma = m/6, 'same' padding, "
                 "float32, TF32 off; predicted speed-up m²/(2m) = m/2")
    for m in sizes:
        notes.append(
            f"m = {m}: predicted × {predicted[m]:.1f}, measured × {measured[m]:.2f}; "
            f"arithmetic intensity {m * m / 4:.3g} FLOP/byte (2-D) vs {m / 4:.3g} (each 1-D "
            "pass)"
        )
    return Report(f"lesson 07 · Gaussian blur, one 2-D conv vs two 1-D convs on {dev.type}",
                  rows, checks, notes,
                  {"predicted_speedup": predicted, "measured_speedup": measured,
                   "intensity": intensity})


def lesson09(device="cpu", quick=False) -> Report:
    """Lesson 09: a standard 3×3 conv vs a flattened layer of the same shape.

    A layer of ``32×128×56×56`` feature maps, 128 → 128 channels, 3×3 kernels, stride 1,
    padding 1, no bias (quick: ``1×8×10×10``, 8 → 16). Variants, timed in float32 with
    TF32 off under ``torch.no_grad()``:

    * the standard convolution with an ordinary (full-rank) kernel (cuDNN on a GPU);
    * the flattened layer (:func:`convlessons.models.flattened_conv2d`): a lateral 1×1
      conv, then a vertical 3×1 and a horizontal 1×3 depthwise conv;
    * its lateral 1×1 pass alone and its two 1-D depthwise passes alone;
    * the standard convolution with TF32 on, for scale.

    The predicted speed-up of each variant is its ratio of multiply-adds to the standard
    layer's (:func:`convlessons.cost.conv_macs`, :func:`convlessons.cost.flattened_macs`):
    ``C_in k² / (C_in + 2k)`` for the whole flattened layer, about 8.6 here. The notes
    give each variant's arithmetic intensity (FLOPs per byte of the least memory traffic,
    float32): the 1-D depthwise passes do well under one FLOP per byte, so they run at
    memory speed and the measured speed-up falls short of the FLOP ratio.

    Checks: the standard and the flattened layer on the device against float64 CPU
    computations (on the first two images), and the flattened layer against one
    ordinary convolution with its rank-1 kernel ``W[o,c,i,j] = L[o,c] V[o,i] H[o,j]``
    (:func:`convlessons.models.rank1_kernel`), in float64.

    Metrics: ``flop_ratio``, ``measured_speedup`` (flattened vs standard, TF32 off),
    ``intensity`` (dict by variant, FLOP/byte) and ``depthwise_time_share`` (of the
    flattened layer's three passes).
    """
    import torch.nn.functional as F

    from convlessons import cost, models

    dev = _scenario_args(device, quick)
    lib = "cuDNN" if dev.type == "cuda" else "torch CPU"
    n, c, hw, c_out, k = (1, 8, 10, 16, 3) if quick else (32, 128, 56, 128, 3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, hw, hw, generator=gen)
    w = torch.randn(c_out, c, k, k, generator=gen) / math.sqrt(k * k * c)
    lat = torch.randn(c_out, c, generator=gen) / math.sqrt(c)
    ver = torch.randn(c_out, k, generator=gen) / math.sqrt(k)
    hor = torch.randn(c_out, k, generator=gen) / math.sqrt(k)

    def standard(x, w):
        return F.conv2d(x, w, padding=k // 2)

    def flattened(x, lat, ver, hor):
        return models.flattened_conv2d(x, lat, ver, hor, padding=k // 2)

    def lateral(x, lat):
        return F.conv2d(x, lat[:, :, None, None])

    def vertical_horizontal(y, ver, hor):
        y = F.conv2d(y, ver[:, None, :, None], padding=(k // 2, 0), groups=c_out)
        return F.conv2d(y, hor[:, None, None, :], padding=(0, k // 2), groups=c_out)

    macs = {
        "standard": n * cost.conv_macs(c, c_out, k, hw),
        "flattened": n * cost.flattened_macs(c, c_out, k, hw, padding=k // 2),
        "lateral": n * cost.conv_macs(c, c_out, 1, hw),
    }
    macs["depthwise"] = macs["flattened"] - macs["lateral"]
    fmap_in, fmap_out = 4.0 * n * c * hw * hw, 4.0 * n * c_out * hw * hw
    traffic = {
        "standard": fmap_in + fmap_out + 4.0 * w.numel(),
        "lateral": fmap_in + fmap_out + 4.0 * lat.numel(),
        "depthwise": 4 * fmap_out + 4.0 * (ver.numel() + hor.numel()),  # two passes
    }
    traffic["flattened"] = traffic["lateral"] + traffic["depthwise"]
    intensity = {key: 2.0 * macs[key] / traffic[key] for key in macs}
    xd, wd, ld, vd, hd = (t.to(dev) for t in (x, w, lat, ver, hor))
    iters = 3 if quick else 20
    warm = 1 if quick else 3
    names = {
        "standard": f"standard {k}×{k} ({lib})",
        "flattened": "flattened (lateral + vertical + horizontal)",
        "lateral": "  lateral 1×1 alone",
        "depthwise": f"  vertical {k}×1 + horizontal 1×{k} alone",
    }
    with torch.no_grad():
        yd = lateral(xd, ld)
        calls = {
            "standard": lambda: standard(xd, wd),
            "flattened": lambda: flattened(xd, ld, vd, hd),
            "lateral": lambda: lateral(xd, ld),
            "depthwise": lambda: vertical_horizontal(yd, vd, hd),
        }
        rows, seconds = [], {}
        with tf32(False):
            for key, name in names.items():
                seconds[key] = time_fn(calls[key], device=dev, warmup=warm, iters=iters)
                predicted = None if key == "standard" else macs["standard"] / macs[key]
                rows.append(Row(name, seconds[key], flops=2.0 * macs[key],
                                bytes=traffic[key], predicted_speedup=predicted))
        with tf32(True):
            rows.append(Row(f"standard {k}×{k}, TF32 on",
                            time_fn(calls["standard"], device=dev, warmup=warm, iters=iters),
                            flops=2.0 * macs["standard"], bytes=traffic["standard"]))
        small = x[:2]

        def via_rank1_kernel(x, lat, ver, hor):
            return F.conv2d(x, models.rank1_kernel(lat, ver, hor), padding=k // 2)

        checks = [
            verify(standard, standard, [small, w], device=dev,
                   name=f"standard conv on {dev.type}, float32, TF32 off"),
            verify(flattened, flattened, [small, lat, ver, hor], device=dev,
                   name=f"flattened layer on {dev.type}, float32, TF32 off"),
            verify(flattened, via_rank1_kernel, [small, lat, ver, hor], device=dev,
                   name=f"flattened layer on {dev.type} vs one conv with the rank-1 kernel "
                        "(float64)"),
        ]
    report = Report(f"lesson 09 · standard vs flattened convolution on {dev.type}", rows, checks)
    flop_ratio = macs["standard"] / macs["flattened"]
    measured = seconds["standard"] / seconds["flattened"]
    dw_time = seconds["depthwise"] / (seconds["depthwise"] + seconds["lateral"])
    report.notes = [
        f"layer {n}×{c}×{hw}×{hw} → {c_out} channels, {k}×{k}, stride 1, padding {k // 2}; "
        "float32, TF32 off unless stated",
        *(f"arithmetic intensity {names[key].strip()}: {intensity[key]:.1f} FLOP/byte "
          f"({2 * macs[key] / 1e9:.3g} GFLOP, {traffic[key] / 1e6:.3g} MB)" for key in names),
        f"FLOP ratio standard / flattened = {flop_ratio:.2f} (C_in k² / (C_in + 2k)); "
        f"measured speed-up {measured:.2f}",
        f"the two 1-D depthwise passes are {100 * macs['depthwise'] / macs['flattened']:.1f}% "
        f"of the flattened FLOPs and {100 * dw_time:.1f}% of its passes' time",
    ]
    report.metrics = {"flop_ratio": flop_ratio, "measured_speedup": measured,
                      "intensity": intensity, "depthwise_time_share": dw_time}
    return report


def lesson10(device="cpu", quick=False) -> Report:
    """Lesson 10: time vs number of groups at fixed channels, and a two-device split.

    One 3×3 convolution, padding 1, no bias, on a batch of ``16×256×56×56`` feature maps
    with 256 output channels (quick: ``1×16×8×8``, 16 channels), in float32 with TF32
    off under ``torch.no_grad()``, for ``groups`` in 1, 2, 4, 8, 16, 32, 64, 256 (quick:
    1, 2, 4, 16). The multiply-adds fall as ``1/g``
    (:func:`convlessons.cost.conv_macs`), so the predicted speed-up of each row over
    ``groups=1`` is ``g``; the measured one falls far short for large ``g``, because a
    grouped convolution still reads and writes the same full-size tensors (it becomes
    memory-bound) and the libraries' grouped kernels are less tuned than the dense one.

    Two more ways to compute ``groups=2``:

    * split → two ordinary convolutions → concatenate, on one device, and the same with
      one convolution per group for a larger ``g`` (32; quick: 4): as many kernel
      launches as groups;
    * AlexNet's way, when ``torch.cuda.device_count() >= 2``: the two halves on
      ``cuda:0`` and ``cuda:1`` at the same time, then the second half copied back and
      concatenated (predicted 2× over ``groups=2`` on one device). With fewer devices the
      notes say that it was skipped.

    Checks: every ``groups`` on the device against a float64 CPU computation (on the
    first two images), the split-and-concatenate versions and (if run) the two-device
    version against ``conv2d(..., groups=g)`` in float64.

    Metrics: ``groups`` (tuple), ``flop_ratio`` and ``measured_speedup`` (dicts by
    ``g``, vs ``groups=1``), ``cuda_devices`` (int), ``two_device_speedup`` (vs
    ``groups=2`` on one device, or ``None``).
    """
    import torch.nn.functional as F

    from convlessons import cost

    dev = _scenario_args(device, quick)
    n, c, hw = (1, 16, 8) if quick else (16, 256, 56)
    group_list = (1, 2, 4, 16) if quick else (1, 2, 4, 8, 16, 32, 64, 256)
    many = 4 if quick else 32
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, hw, hw, generator=gen)
    weights = {g: torch.randn(c, c // g, 3, 3, generator=gen) / math.sqrt(9 * c / g)
               for g in sorted({*group_list, many})}
    macs = {g: n * cost.conv_macs(c, c, 3, hw, groups=g) for g in weights}

    def grouped(x, w):
        return F.conv2d(x, w, padding=1, groups=x.shape[1] // w.shape[1])

    def split_concat(x, w):
        g = x.shape[1] // w.shape[1]
        xs, ws = x.chunk(g, dim=1), w.chunk(g, dim=0)
        return torch.cat([F.conv2d(a, b, padding=1) for a, b in zip(xs, ws, strict=True)], 1)

    def two_devices(x, w):  # AlexNet's split: half the channels and filters on each device
        d0, d1 = torch.device("cuda", 0), torch.device("cuda", 1)
        (xa, xb), (wa, wb) = x.chunk(2, dim=1), w.chunk(2, dim=0)
        a = F.conv2d(xa.to(d0), wa.to(d0), padding=1)
        b = F.conv2d(xb.to(d1), wb.to(d1), padding=1)
        return torch.cat([a, b.to(d0)], 1)

    xd = x.to(dev)
    wd = {g: w.to(dev) for g, w in weights.items()}
    iters, warm = (3, 1) if quick else (10, 3)
    rows, seconds = [], {}
    cuda_devices = torch.cuda.device_count() if dev.type == "cuda" else 0
    two_device_speedup = None
    with torch.no_grad(), tf32(False):
        for g in group_list:
            seconds[g] = time_fn(lambda g=g: grouped(xd, wd[g]), device=dev, warmup=warm,
                                 iters=iters)
            label = f"groups={g}" + (" (depthwise)" if g == c else "")
            rows.append(Row(label, seconds[g], flops=2.0 * macs[g],
                            predicted_speedup=macs[1] / macs[g]))
        for g in (2, many):
            t = time_fn(lambda g=g: split_concat(xd, wd[g]), device=dev, warmup=warm,
                        iters=iters)
            rows.append(Row(f"groups={g} as {g} convs + cat", t, flops=2.0 * macs[g],
                            predicted_speedup=macs[1] / macs[g]))
        if cuda_devices >= 2:
            d0, d1 = torch.device("cuda", 0), torch.device("cuda", 1)
            xa, xb = (t.contiguous() for t in xd.chunk(2, dim=1))
            wa, wb = (t.contiguous() for t in wd[2].chunk(2, dim=0))
            xa, wa, xb, wb = xa.to(d0), wa.to(d0), xb.to(d1), wb.to(d1)

            def alexnet_style():
                a = F.conv2d(xa, wa, padding=1)
                b = F.conv2d(xb, wb, padding=1)
                return torch.cat([a, b.to(d0)], 1)

            for _ in range(warm):
                alexnet_style()
            torch.cuda.synchronize(d1)
            t = time_fn(alexnet_style, device=d0, warmup=warm, iters=iters)
            two_device_speedup = seconds[2] / t
            rows.append(Row("groups=2 on cuda:0 + cuda:1 (AlexNet)", t, flops=2.0 * macs[2],
                            predicted_speedup=2.0, baseline="groups=2"))
        small = x[:2]
        checks = [verify(grouped, grouped, [small, weights[g]], device=dev,
                         name=f"groups={g} on {dev.type}, TF32 off") for g in group_list]
        for g in (2, many):
            checks.append(verify(split_concat, grouped, [small, weights[g]], device=dev,
                                 name=f"{g} convs + cat on {dev.type} == groups={g} "
                                      "(float64)"))
        if cuda_devices >= 2:
            checks.append(verify(two_devices, grouped, [small, weights[2]], device=dev,
                                 name="cuda:0 + cuda:1 halves == groups=2 (float64)"))
    measured = {g: seconds[1] / seconds[g] for g in group_list}
    notes = [
        f"layer {n}×{c}×{hw}×{hw} → {c} channels, 3×3, padding 1, float32, TF32 off",
        "FLOPs fall as 1/g: " + ", ".join(f"g={g}: {2 * macs[g] / 1e9:.3g} GFLOP"
                                          for g in group_list),
        "measured speed-up over groups=1: " + ", ".join(f"g={g}: {measured[g]:.2f}"
                                                        for g in group_list),
    ]
    if cuda_devices >= 2:
        notes.append(f"two devices: {two_device_speedup:.2f}× over groups=2 on one device "
                     "(the copy of the second half back to cuda:0 included)")
    else:
        notes.append(f"two-device split skipped: {cuda_devices} CUDA device(s) here, it "
                     "needs 2 (AlexNet ran each half on its own GPU)")
    report = Report(f"lesson 10 · grouped convolution: time vs groups on {dev.type}",
                    rows, checks, notes)
    report.metrics = {"groups": tuple(group_list),
                      "flop_ratio": {g: macs[1] / macs[g] for g in group_list},
                      "measured_speedup": measured, "cuda_devices": cuda_devices,
                      "two_device_speedup": two_device_speedup}
    return report


def lesson11(device="cpu", quick=False) -> Report:
    """Lesson 11: the cost of a channel shuffle next to the grouped convolutions around it.

    ShuffleNet's wiring at stage-2 size: a batch of ``128×240×28×28`` feature maps,
    1×1 grouped convolutions ``240 → 240`` with ``g = 3``, no bias (quick: ``2×12×4×4``),
    float32, TF32 off, under ``torch.no_grad()``. Rows:

    * ``GConv1`` and ``GConv2`` (:func:`convlessons.models.grouped_stack` layers), with
      their FLOPs;
    * the channel shuffle, as :func:`convlessons.models.channel_shuffle` (reshape →
      transpose → copy) and as PyTorch's ``F.channel_shuffle``, with the bytes they move
      (read the tensor once, write it once);
    * a plain copy of the same tensor (``clone``) for scale: the shuffle is predicted to
      run exactly as fast (``predicted × = 1`` against the copy), because it is a copy
      with a different read order and no arithmetic;
    * the whole block GConv1 → shuffle → GConv2.

    The shuffle does no arithmetic at all, yet it is not free: it moves as many bytes as
    a 1×1 grouped convolution reads and writes, so its share of the block's time is far
    larger than its zero share of the FLOPs.

    Checks: both shuffles on the device against the numpy reference
    (:func:`convlessons.functional.channel_shuffle`, exact), and the block on the device
    against a float64 CPU run (first two images).

    Metrics: ``shuffle_time_share`` (shuffle / block), ``shuffle_bandwidth`` and
    ``copy_bandwidth`` (bytes per second), ``block_flops``, ``shuffle_bytes``.
    """
    import copy

    import torch.nn.functional as F

    from convlessons import cost, functional, models

    dev = _scenario_args(device, quick)
    n, c, hw, g = (2, 12, 4, 3) if quick else (128, 240, 28, 3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, hw, hw, generator=gen)
    block = models.grouped_stack(c, g, 2, shuffle=True)
    with torch.no_grad():
        for layer in (block.gconv1, block.gconv2):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen)
                               / math.sqrt(c // g))
    block64 = copy.deepcopy(block).double()
    block_dev = block.to(dev)
    xd = x.to(dev)
    with torch.no_grad():
        yd = block_dev.gconv1(xd)
    conv_macs = n * cost.conv_macs(c, c, 1, hw, groups=g)
    tensor_bytes = 4.0 * xd.numel()
    moved = 2 * tensor_bytes  # read once, write once
    iters, warm = (3, 1) if quick else (20, 3)

    def ours(t):
        return models.channel_shuffle(t, g)

    def torchs(t):
        return F.channel_shuffle(t, g)

    def numpy_reference(t):
        return torch.from_numpy(functional.channel_shuffle(t.numpy(), g))

    calls = [
        ("GConv1 1×1, g=3", lambda: block_dev.gconv1(xd), 2.0 * conv_macs, None),
        ("copy (clone), for scale", lambda: yd.clone(), None, moved),
        ("channel shuffle (reshape, transpose, copy)", lambda: ours(yd), None, moved),
        ("channel shuffle (F.channel_shuffle)", lambda: torchs(yd), None, moved),
        ("GConv2 1×1, g=3", lambda: block_dev.gconv2(yd), 2.0 * conv_macs, None),
        ("block GConv1 → shuffle → GConv2", lambda: block_dev(xd), 4.0 * conv_macs, None),
    ]
    rows, seconds = [], {}
    with torch.no_grad(), tf32(False):
        for name, fn, flops, nbytes in calls:
            seconds[name] = time_fn(fn, device=dev, warmup=warm, iters=iters)
            is_shuffle = name.startswith("channel shuffle")
            rows.append(Row(name, seconds[name], flops=flops, bytes=nbytes,
                            predicted_speedup=1.0 if is_shuffle else None,
                            baseline="copy (clone), for scale" if is_shuffle else None))
        small = x[:2]
        checks = [
            verify(ours, numpy_reference, [small], device=dev, atol=0.0, rtol=0.0,
                   name=f"channel shuffle on {dev.type} == numpy reference (exact)"),
            verify(torchs, numpy_reference, [small], device=dev, atol=0.0, rtol=0.0,
                   name=f"F.channel_shuffle on {dev.type} == numpy reference (exact)"),
            verify(lambda t: block_dev(t), lambda t: block64(t), [small], device=dev,
                   name=f"GConv1 → shuffle → GConv2 on {dev.type} vs float64 CPU, TF32 off"),
        ]
    t_shuffle = seconds["channel shuffle (reshape, transpose, copy)"]
    t_block = seconds["block GConv1 → shuffle → GConv2"]
    t_copy = seconds["copy (clone), for scale"]
    share = t_shuffle / t_block
    notes = [
        f"feature maps {n}×{c}×{hw}×{hw} float32 ({tensor_bytes / 1e6:.3g} MB); 1×1 "
        f"convs with g={g}; TF32 off",
        f"each grouped conv: {2 * conv_macs / 1e9:.3g} GFLOP; the shuffle: 0 FLOP and "
        f"{moved / 1e6:.3g} MB moved (read + write)",
        f"the shuffle takes {100 * share:.1f}% of the block's time while doing 0% of its "
        "FLOPs",
    ]
    report = Report(f"lesson 11 · channel shuffle between grouped convolutions on {dev.type}",
                    rows, checks, notes)
    report.metrics = {"shuffle_time_share": share, "shuffle_bandwidth": moved / t_shuffle,
                      "copy_bandwidth": moved / t_copy, "block_flops": 4.0 * conv_macs,
                      "shuffle_bytes": moved}
    return report


@contextlib.contextmanager
def _one_cpu_thread(enabled):
    """Run the ``with`` body on one intra-op CPU thread when ``enabled``, then restore.

    The quick CPU runs push tiny tensors through dozens of small layers: with several
    threads most of the time goes to hand-offs between them and, on a busy machine, to
    threads spinning while they wait for a core (lesson 12 quick: about 0.3 s of CPU on
    one thread, several seconds on two under load).
    """
    saved = torch.get_num_threads()
    if enabled:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if enabled:
            torch.set_num_threads(saved)


def _conv_linear_macs(net, side):
    """Multiply-adds of the ``nn.Conv2d`` and ``nn.Linear`` layers of ``net`` on one image.

    Runs ``net`` once in eval mode on a ``(1, 3, side, side)`` zero input with forward
    hooks that read each layer's output shape and apply
    :func:`convlessons.cost.conv_macs`; no ``FlopCounterMode`` (whose first use imports
    ``torch._dynamo``: seconds of CPU) and no meta device (whose first use imports sympy).
    For nets whose multiply-adds all sit in convs and linear layers, as MobileNet v1 and
    ShuffleNet v1, it equals :func:`convlessons.cost.count_macs`
    (``tests/test_lesson_12.py``). Training flags are restored afterwards.
    """
    from convlessons import cost

    total = 0

    def hook(module, _inputs, output):
        nonlocal total
        if isinstance(module, torch.nn.Linear):
            total += module.in_features * module.out_features
        else:
            total += cost.conv_macs(module.in_channels, module.out_channels, module.kernel_size,
                                    tuple(output.shape[-2:]), groups=module.groups)

    modes = {m: m.training for m in net.modules()}
    first = next(net.parameters())
    handles = [m.register_forward_hook(hook) for m in net.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    try:
        with torch.no_grad():
            net.eval()(torch.zeros(1, 3, side, side, dtype=first.dtype, device=first.device))
    finally:
        for handle in handles:
            handle.remove()
        for m, was_training in modes.items():
            m.training = was_training
    return total


def lesson12(device="cpu", quick=False) -> Report:
    """Lesson 12: ShuffleNet v1 vs MobileNet v1 throughput at a large batch, next to FLOPs.

    Both nets classify 224×224 images (quick: the 0.25× / 0.25 nets on 32×32 images,
    batch 2, one timed run each); full size uses a batch of 256 (ShuffleNet 1×, g = 3:
    137 MFLOPs per image; 1.0 MobileNet-224: 569). Each net is timed in float32 with TF32 off under
    ``torch.no_grad()`` in eval mode, in the default ``channels_first`` layout and in
    ``channels_last``. The predicted speed-up of ShuffleNet over MobileNet is the ratio
    of their multiply-adds (about 4.1); the measured one is much smaller, because most
    of ShuffleNet's layers (depthwise convs, grouped 1×1 convs, shuffles, pooling,
    concatenations) move memory rather than multiply.

    Checks: both nets (seeded weights, eval mode) on the device against the same net in
    float64 on the CPU, for two images.

    Metrics: ``flop_ratio``, ``measured_speedup`` (channels_first), ``images_per_second``
    (dict by row name), ``macs`` (multiply-adds per image, dict by net, counted by
    :func:`_conv_linear_macs`) and ``side`` (the image side used).
    """
    from convlessons import models

    dev = _scenario_args(device, quick)
    batch, side, s_width, m_width = (2, 32, 0.25, 0.25) if quick else (256, 224, 1.0, 1.0)
    torch.manual_seed(0)
    builders = {"MobileNet v1": lambda: models.mobilenet_v1(m_width),
                "ShuffleNet v1 (g=3)": lambda: models.shufflenet_v1(3, s_width)}
    nets = {name: build().eval() for name, build in builders.items()}
    x = torch.randn(batch, 3, side, side, generator=torch.Generator().manual_seed(1))
    iters, warm = (1, 0) if quick else (10, 3)
    rows, seconds = [], {}
    with torch.no_grad(), tf32(False), _one_cpu_thread(quick and dev.type == "cpu"):
        macs = {name: _conv_linear_macs(net, side) for name, net in nets.items()}
        for layout in (torch.contiguous_format, torch.channels_last):
            tag = "" if layout is torch.contiguous_format else ", channels_last"
            xd = x.to(dev).contiguous(memory_format=layout)
            for name, net in nets.items():
                net_dev = net.to(dev).to(memory_format=layout)
                key = name + tag
                seconds[key] = time_fn(lambda n=net_dev, t=xd: n(t), device=dev,
                                       warmup=warm, iters=iters)
                predicted = macs["MobileNet v1"] / macs[name]
                rows.append(Row(key, seconds[key], flops=2.0 * macs[name] * batch,
                                predicted_speedup=predicted,
                                baseline="MobileNet v1" + tag))
        checks = []
        for name, net in nets.items():
            net_dev = net.to(dev).to(memory_format=torch.contiguous_format)
            net64 = builders[name]()
            net64.load_state_dict(net.state_dict())
            net64 = net64.to("cpu").double().eval()
            checks.append(verify(net_dev, net64, [x[:2]], device=dev, atol=1e-4, rtol=1e-3,
                                 name=f"{name} on {dev.type} vs float64 CPU, TF32 off"))
    flop_ratio = macs["MobileNet v1"] / macs["ShuffleNet v1 (g=3)"]
    measured = seconds["MobileNet v1"] / seconds["ShuffleNet v1 (g=3)"]
    notes = [f"batch {batch} of {side}×{side} images; MFLOPs (multiply-adds) per image: "
             + ", ".join(f"{k} {v / 1e6:.1f}" for k, v in macs.items()),
             f"FLOP ratio MobileNet / ShuffleNet = {flop_ratio:.2f}; measured speed-up "
             f"{measured:.2f} (channels_first)"]
    report = Report(f"lesson 12 · ShuffleNet v1 vs MobileNet v1 on {dev.type}", rows, checks,
                    notes)
    report.metrics = {"flop_ratio": flop_ratio, "measured_speedup": measured,
                      "images_per_second": {k: batch / v for k, v in seconds.items()},
                      "macs": macs, "side": side}
    return report
