"""Parameters and multiply-adds of convolutions: by formula, and by counting torch models.

Two independent routes to the same numbers:

* formulas (:func:`conv_params`, :func:`conv_macs`) that a learner can check by hand;
* counts of real ``torch.nn.Module`` s (:func:`count_params`, :func:`count_macs`,
  :func:`macs_by_layer_type`, :func:`params_by_layer_type`). The multiply-adds come from
  ``torch.utils.flop_counter.FlopCounterMode``, which reports 2 FLOPs per multiply-add
  for convolutions and matrix products; we divide by 2.

A multiply-add (MAC, "mult-add") is one multiplication plus one addition; the MobileNet
and ShuffleNet papers report model cost in these units (ShuffleNet calls them "FLOPs").
Bias additions, batch norm, activations and pooling are not counted, as in the papers.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from convlessons._validate import check_groups
from convlessons.shapes import _as_ints, _broadcast, _is_int

__all__ = [
    "LAYER_TYPES",
    "conv_params",
    "conv_macs",
    "count_params",
    "count_macs",
    "macs_by_layer_type",
    "params_by_layer_type",
    "r2plus1d_mid_channels",
    "direct_conv1d_mults",
    "fft_conv1d_mults",
    "BottleneckCost",
    "bottleneck_cost",
    "standard_mults",
    "separable_mults",
    "separable_ratio",
    "flattened_params",
    "flattened_macs",
    "UNIT_KINDS",
    "unit_flops",
    "ConvTypeRow",
    "convolution_types_table",
]

#: Keys of :func:`macs_by_layer_type` / :func:`params_by_layer_type`, in display order.
LAYER_TYPES = (
    "conv (standard)",
    "conv (depthwise)",
    "conv (pointwise 1x1)",
    "conv (grouped)",
    "linear",
    "other",
)


def _channels_and_groups(in_channels, out_channels, groups):
    check_groups(in_channels, out_channels, groups)


def _spatial(ndim, **named):
    """Validate int-or-tuple sizes and return them as equal-length tuples."""
    if ndim is not None and (not _is_int(ndim) or ndim < 1):
        raise ValueError(f"ndim must be None or a positive int, got ndim={ndim!r}")
    checked = {k: _as_ints(v, k) for k, v in named.items()}
    n, values = _broadcast(**checked)
    if n is None:
        dims = 2 if ndim is None else ndim
        values = {k: v * dims for k, v in values.items()}
    elif ndim is not None and ndim != n:
        shown = ", ".join(f"{k}={v!r}" for k, v in named.items())
        raise ValueError(f"ndim must match the tuple lengths, got ndim={ndim!r} with {shown}")
    return values


def conv_params(in_channels, out_channels, kernel_size, groups=1, bias=True, *, ndim=None):
    """Number of learnable parameters of a convolution layer.

    ``out_channels * (in_channels / groups) * prod(kernel_size) + (out_channels if bias)``.
    Each output channel has one kernel over the ``in_channels / groups`` channels of its
    group.

    Args:
        in_channels: positive int.
        out_channels: positive int.
        kernel_size: positive int (a square/cubic kernel in ``ndim`` dimensions) or a tuple.
        groups: positive int dividing both channel counts.
        bias: whether the layer has a bias vector.
        ndim: number of spatial dimensions for an int ``kernel_size`` (default 2, like
            ``nn.Conv2d``); must match the tuple length if given with a tuple.

    Returns:
        int.

    Examples:
        >>> conv_params(3, 128, 3, bias=False)        # 128 kernels of 3x3x3
        3456
        >>> conv_params(64, 64, 3, groups=64)         # depthwise 3x3 with bias
        640
        >>> conv_params(1, 1, 5, ndim=1)
        6
    """
    _channels_and_groups(in_channels, out_channels, groups)
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True or False, got bias={bias!r}")
    k = _spatial(ndim, kernel_size=kernel_size)["kernel_size"]
    return out_channels * (in_channels // groups) * math.prod(k) + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, output_size, groups=1, *, ndim=None):
    """Multiply-adds of one convolution layer for one sample (bias additions not counted).

    Every output value (``out_channels * prod(output_size)`` of them) is a dot product of
    length ``(in_channels / groups) * prod(kernel_size)``.

    Args:
        in_channels: positive int.
        out_channels: positive int.
        kernel_size: positive int or tuple.
        output_size: positive int or tuple: the spatial size of the output.
        groups: positive int dividing both channel counts.
        ndim: number of spatial dimensions when both sizes are ints (default 2).

    Returns:
        int.

    Examples:
        >>> conv_macs(3, 128, 3, 5)            # 7x7x3 input, 128 3x3x3 kernels -> 5x5x128
        86400
        >>> conv_macs(3, 3, 3, 5, groups=3) + conv_macs(3, 128, 1, 5)   # depthwise separable
        10275
    """
    _channels_and_groups(in_channels, out_channels, groups)
    v = _spatial(ndim, kernel_size=kernel_size, output_size=output_size)
    return (out_channels * math.prod(v["output_size"])
            * (in_channels // groups) * math.prod(v["kernel_size"]))


# --------------------------------------------------------------------------- torch counts


def _check_model(model):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got model={model!r}")


def _make_input(model, input):
    """A tensor for ``input`` (a tensor, or a shape tuple -> zeros like the parameters)."""
    import torch

    if isinstance(input, torch.Tensor):
        return input
    if isinstance(input, (tuple, list, torch.Size)) and len(input) > 0 and all(
        _is_int(v) and v > 0 for v in input
    ):
        first = next(iter(model.parameters()), None)
        dtype = first.dtype if first is not None else torch.float32
        device = first.device if first is not None else "cpu"
        return torch.zeros(tuple(int(v) for v in input), dtype=dtype, device=device)
    raise TypeError(
        f"input must be a torch.Tensor or a shape tuple of positive ints including the "
        f"batch dimension, e.g. (1, 3, 224, 224), got input={input!r}"
    )


def _count(model, input):
    """Run one forward under FlopCounterMode in eval mode; return the counter."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    _check_model(model)
    x = _make_input(model, input)
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        for m, was_training in modes.items():
            m.training = was_training
    return counter


def count_params(model):
    """Number of parameters of a torch model (all of them, buffers excluded).

    Args:
        model: a ``torch.nn.Module``.

    Returns:
        int.

    Examples:
        >>> import torch
        >>> count_params(torch.nn.Conv2d(3, 128, 3))
        3584
    """
    _check_model(model)
    return sum(p.numel() for p in model.parameters())


def count_macs(model, input):
    """Multiply-adds of one forward pass, counted by ``FlopCounterMode`` (FLOPs / 2).

    The model runs once in eval mode under ``torch.no_grad()``; the training flags of all
    its modules are restored afterwards. The count covers the whole batch of ``input``:
    pass a batch of one for the per-sample cost the papers quote.

    Args:
        model: a ``torch.nn.Module``.
        input: a tensor, or a shape tuple including the batch dimension such as
            ``(1, 3, 224, 224)`` (zeros of the model's dtype and device are used).

    Returns:
        int.

    Examples:
        >>> import torch
        >>> count_macs(torch.nn.Conv2d(3, 128, 3), (1, 3, 7, 7))
        86400
    """
    return _count(model, input).get_total_flops() // 2


def _layer_type(module):
    """Classify a leaf module into one of LAYER_TYPES, or None if it is not conv/linear."""
    import torch.nn as nn

    if isinstance(module, nn.Linear):
        return "linear"
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        if module.groups == 1:
            if all(k == 1 for k in module.kernel_size):
                return "conv (pointwise 1x1)"
            return "conv (standard)"
        if module.groups == module.in_channels:
            return "conv (depthwise)"
        return "conv (grouped)"
    return None


def _module_key(model, name):
    # FlopCounterMode's module tracker names modules "<root class>.<qualified name>".
    root = type(model).__name__
    return root if name == "" else f"{root}.{name}"


def macs_by_layer_type(model, input):
    """Multiply-adds of one forward pass, split by the kind of layer that performs them.

    Each conv/linear module's own count is read from ``FlopCounterMode``'s per-module
    totals, then the module is classified:

    * ``'conv (standard)'``: ``groups == 1`` and a kernel larger than 1;
    * ``'conv (pointwise 1x1)'``: ``groups == 1`` and a 1x1 kernel;
    * ``'conv (depthwise)'``: ``groups == in_channels`` (> 1);
    * ``'conv (grouped)'``: any other ``groups > 1`` (e.g. ShuffleNet's 1x1 group convs);
    * ``'linear'``: ``nn.Linear``;
    * ``'other'``: whatever the counter saw outside these modules (transposed convs,
      functional matmuls, ...), so that the values always add up to :func:`count_macs`.

    Args:
        model: a ``torch.nn.Module``.
        input: a tensor or a shape tuple, as for :func:`count_macs`.

    Returns:
        dict with the keys of :data:`LAYER_TYPES` (all present, possibly 0).

    Examples:
        >>> import torch.nn as nn
        >>> net = nn.Sequential(nn.Conv2d(3, 3, 3, groups=3), nn.Conv2d(3, 128, 1))
        >>> counts = macs_by_layer_type(net, (1, 3, 7, 7))
        >>> counts["conv (depthwise)"], counts["conv (pointwise 1x1)"]
        (675, 9600)
    """
    counter = _count(model, input)
    per_module = counter.get_flop_counts()
    result = dict.fromkeys(LAYER_TYPES, 0)
    seen = set()
    for name, module in model.named_modules():
        kind = _layer_type(module)
        if kind is None or id(module) in seen:
            continue
        seen.add(id(module))
        flops = sum(per_module.get(_module_key(model, name), {}).values())
        result[kind] += flops // 2
    result["other"] = counter.get_total_flops() // 2 - sum(result.values())
    return result


def params_by_layer_type(model, *, include_bias=True):
    """Parameters split by layer kind (same keys as :func:`macs_by_layer_type`).

    ``'other'`` holds the parameters outside conv/linear layers (batch-norm scales and
    shifts, ...). With ``include_bias=False`` the conv/linear biases are left out
    entirely, as MobileNet's Table 2 does (its percentages add up to 100 without them).

    Args:
        model: a ``torch.nn.Module``.
        include_bias: count the biases of conv and linear layers.

    Returns:
        dict with the keys of :data:`LAYER_TYPES`.

    Examples:
        >>> import torch.nn as nn
        >>> params_by_layer_type(nn.Sequential(nn.Conv2d(4, 8, 1), nn.BatchNorm2d(8)))["other"]
        16
    """
    _check_model(model)
    if not isinstance(include_bias, bool):
        raise TypeError(f"include_bias must be True or False, got include_bias={include_bias!r}")
    result = dict.fromkeys(LAYER_TYPES, 0)
    classified = set()
    for module in model.modules():
        kind = _layer_type(module)
        if kind is None:
            continue
        for pname, p in module.named_parameters(recurse=False):
            if id(p) in classified:
                continue
            classified.add(id(p))
            if pname == "bias" and not include_bias:
                continue
            result[kind] += p.numel()
    result["other"] = sum(p.numel() for p in model.parameters() if id(p) not in classified)
    return result


# --------------------------------------------------------------------------- lesson 03


def r2plus1d_mid_channels(in_channels, out_channels, kernel_size):
    """Intermediate channels ``M`` of a (2+1)D block with as many weights as a 3D conv.

    R(2+1)D (Tran et al., arXiv:1711.11248, section 3.5) replaces a ``t x d x d`` 3D
    convolution from ``N_in`` to ``N_out`` channels by a ``1 x d x d`` spatial convolution to
    ``M`` channels followed by a ``t x 1 x 1`` temporal convolution to ``N_out`` channels,
    with ``M = floor(t * d**2 * N_in * N_out / (d**2 * N_in + t * N_out))``, so that the two
    steps have (at most, and nearly) the weights of the 3D layer.

    Args:
        in_channels: positive int, ``N_in``.
        out_channels: positive int, ``N_out``.
        kernel_size: positive int (a ``k x k x k`` kernel) or a tuple ``(t, kh, kw)``.

    Returns:
        int, at least 1.

    Examples:
        >>> r2plus1d_mid_channels(64, 64, 3)
        144
        >>> m = r2plus1d_mid_channels(64, 64, (3, 3, 3))
        >>> conv_params(64, m, (1, 3, 3), bias=False) + conv_params(m, 64, (3, 1, 1), bias=False)
        110592
    """
    _channels_and_groups(in_channels, out_channels, 1)
    if isinstance(kernel_size, (tuple, list)) and len(kernel_size) != 3:
        raise ValueError(
            f"kernel_size must be a positive int or a tuple (t, kh, kw) of 3 positive ints, "
            f"got kernel_size={kernel_size!r}"
        )
    t, kh, kw = _spatial(3, kernel_size=kernel_size)["kernel_size"]
    spatial = kh * kw
    m = (t * spatial * in_channels * out_channels) // (spatial * in_channels + t * out_channels)
    return max(1, m)


# --------------------------------------------------------------------------- lesson 01


def _lengths(value, name):
    """Validate a positive int or a 1-D array of positive ints; return an int64 array."""
    import numpy as np

    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer) or arr.ndim > 1:
        raise TypeError(
            f"{name} must be a positive int or a 1-D array of positive ints, got {name}={value!r}"
        )
    if np.any(arr < 1):
        raise ValueError(
            f"{name} must be a positive int or a 1-D array of positive ints, got {name}={value!r}"
        )
    return arr.astype(np.int64)


def _int_or_array(arr):
    return int(arr) if arr.ndim == 0 else arr


def direct_conv1d_mults(n, m, mode="full"):
    """Multiplications of a direct 1-D convolution (or correlation) of ``n`` and ``m`` samples.

    One multiplication per (output sample, kernel tap) pair, counting the products with
    padded zeros as the loop code of :mod:`convlessons.naive` does:

    * ``'valid'``: ``(n - m + 1) * m`` (needs ``m <= n``);
    * ``'same'``: ``n * m``;
    * ``'full'``: ``(n + m - 1) * m`` (zero-padding ``m - 1`` on each side; skipping the
      products with padded zeros would leave ``n * m``).

    Args:
        n: signal length, a positive int or a 1-D array of them.
        m: kernel length, a positive int or a 1-D array (broadcast against ``n``).
        mode: ``'full'``, ``'same'`` or ``'valid'``.

    Returns:
        int, or an int64 array when ``n`` or ``m`` is an array.

    Examples:
        >>> direct_conv1d_mults(20, 5, "valid"), direct_conv1d_mults(20, 5, "full")
        (80, 120)
        >>> import numpy as np
        >>> direct_conv1d_mults(np.array([8, 16]), 8, "same")
        array([ 64, 128])
    """
    import numpy as np

    n_arr, m_arr = _lengths(n, "n"), _lengths(m, "m")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode must be 'full', 'same' or 'valid', got mode={mode!r}")
    if mode == "valid" and np.any(m_arr > n_arr):
        raise ValueError(
            f"mode='valid' needs m <= n (the kernel must fit in the signal), got n={n!r}, m={m!r}"
        )
    outputs = {"full": n_arr + m_arr - 1, "same": n_arr, "valid": n_arr - m_arr + 1}[mode]
    return _int_or_array(np.asarray(outputs * m_arr))


def fft_conv1d_mults(n, m):
    """Operation model of a full 1-D convolution through the FFT, in real multiplications.

    The FFT route pads both sequences to ``N``, the smallest power of two with
    ``N >= n + m - 1``, takes two real FFTs, multiplies the ``N // 2 + 1`` complex
    frequency bins pairwise (4 real multiplications each) and takes one inverse FFT. A
    radix-2 real FFT of length ``N`` is modelled as ``N * log2(N)`` real multiplications,
    so the total is ``3 * N * log2(N) + 4 * (N // 2 + 1)``. It is a model for comparing
    growth rates (``N log N`` against ``n * m``), not an exact count of any library.

    Args:
        n: signal length, a positive int or a 1-D array of them.
        m: kernel length, a positive int or a 1-D array (broadcast against ``n``).

    Returns:
        int, or an int64 array when ``n`` or ``m`` is an array.

    Examples:
        >>> fft_conv1d_mults(5, 3)  # n + m - 1 = 7, padded to N = 8
        92
        >>> import numpy as np
        >>> fft_conv1d_mults(np.array([64, 1024]), np.array([64, 1024]))
        array([ 2948, 71684])
    """
    import numpy as np

    n_arr, m_arr = _lengths(n, "n"), _lengths(m, "m")
    full = n_arr + m_arr - 1
    big_n = 2 ** np.ceil(np.log2(full)).astype(np.int64)
    log_n = np.round(np.log2(big_n)).astype(np.int64)
    return _int_or_array(np.asarray(3 * big_n * log_n + 4 * (big_n // 2 + 1)))


# --------------------------------------------------------------------------- lesson 04


class BottleneckCost(NamedTuple):
    """Cost of a ``k x k`` convolution with and without a ``1 x 1`` bottleneck in front.

    All counts are for one sample; multiply-adds exclude bias additions, as everywhere in
    this module. Attributes ending in ``_params`` are learnable parameters (weights, plus
    biases when asked for), those ending in ``_macs`` multiply-adds.

    Attributes:
        direct_params, direct_macs: the ``k x k`` convolution straight from the input.
        reduce_params, reduce_macs: the ``1 x 1`` convolution down to the bottleneck.
        conv_params, conv_macs: the ``k x k`` convolution from the bottleneck.
    """

    direct_params: int
    direct_macs: int
    reduce_params: int
    reduce_macs: int
    conv_params: int
    conv_macs: int

    @property
    def bottleneck_params(self) -> int:
        """Parameters of the bottleneck path (1x1 reduce + k x k)."""
        return self.reduce_params + self.conv_params

    @property
    def bottleneck_macs(self) -> int:
        """Multiply-adds of the bottleneck path (1x1 reduce + k x k)."""
        return self.reduce_macs + self.conv_macs

    @property
    def mac_ratio(self) -> float:
        """How many times fewer multiply-adds the bottleneck path needs."""
        return self.direct_macs / self.bottleneck_macs


def bottleneck_cost(in_channels, bottleneck_channels, out_channels, kernel_size, size, *,
                    bias=False):
    """Parameters and multiply-adds of a ``k x k`` convolution, direct and behind a 1x1.

    The Inception "reduction" pattern (Szegedy et al., arXiv:1409.4842): instead of a
    ``k x k`` convolution from ``in_channels`` to ``out_channels``, first a ``1 x 1``
    convolution shrinks the input to ``bottleneck_channels``, then the ``k x k``
    convolution runs on the thin tensor. Both paths use stride 1 and "same" padding, so
    every layer's output has the spatial ``size`` of the input.

    Args:
        in_channels: positive int, channels of the input ``C_in``.
        bottleneck_channels: positive int ``b``, channels after the 1x1 convolution.
        out_channels: positive int ``C_out``.
        kernel_size: positive int or ``(kh, kw)``.
        size: positive int or ``(H, W)``, the spatial size of input and output.
        bias: count one bias per output channel of each convolution in the parameters.

    Returns:
        :class:`BottleneckCost`; ``direct_macs = H W C_out k^2 C_in`` and
        ``bottleneck_macs = H W b C_in + H W C_out k^2 b``.

    Examples:
        >>> c = bottleneck_cost(192, 16, 32, 5, 28)     # GoogLeNet inception (3a), 5x5 branch
        >>> c.direct_macs, c.reduce_macs, c.conv_macs, c.bottleneck_macs
        (120422400, 2408448, 10035200, 12443648)
        >>> c.direct_params, c.bottleneck_params, round(c.mac_ratio, 2)
        (153600, 15872, 9.68)
    """
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True or False, got bias={bias!r}")
    if not _is_int(bottleneck_channels):
        raise TypeError(f"bottleneck_channels must be a positive int, "
                        f"got bottleneck_channels={bottleneck_channels!r}")
    if bottleneck_channels < 1:
        raise ValueError(f"bottleneck_channels must be a positive int, "
                         f"got bottleneck_channels={bottleneck_channels!r}")
    _channels_and_groups(in_channels, out_channels, 1)
    v = _spatial(None, kernel_size=kernel_size, size=size)
    k, hw = v["kernel_size"], v["size"]
    if len(k) != 2:
        raise ValueError(f"kernel_size must be an int or a pair (kh, kw), "
                         f"got kernel_size={kernel_size!r}")
    return BottleneckCost(
        direct_params=conv_params(in_channels, out_channels, k, bias=bias),
        direct_macs=conv_macs(in_channels, out_channels, k, hw),
        reduce_params=conv_params(in_channels, bottleneck_channels, 1, bias=bias),
        reduce_macs=conv_macs(in_channels, bottleneck_channels, 1, hw),
        conv_params=conv_params(bottleneck_channels, out_channels, k, bias=bias),
        conv_macs=conv_macs(bottleneck_channels, out_channels, k, hw),
    )


# --------------------------------------------------------------------------- lesson 09


def flattened_params(in_channels, out_channels, kernel_size, bias=True):
    """Parameters of a flattened convolution layer (Jin et al., arXiv:1412.5474).

    Each of the ``C_out`` filters is stored as three 1-D vectors: a lateral one over the
    ``C_in`` channels and a vertical and a horizontal one of ``kh`` and ``kw`` taps,
    ``C_out * (C_in + kh + kw)`` weights instead of the ``C_out * C_in * kh * kw`` of
    :func:`conv_params`; plus one bias per output channel (as
    :class:`convlessons.models.FlattenedConv2d`).

    Args:
        in_channels: positive int ``C_in``.
        out_channels: positive int ``C_out``.
        kernel_size: positive int or ``(kh, kw)``.
        bias: count one bias per output channel.

    Returns:
        int.

    Examples:
        >>> flattened_params(3, 8, 3)             # 8 * (3 + 3 + 3) + 8
        80
        >>> flattened_params(256, 256, 3, bias=False), conv_params(256, 256, 3, bias=False)
        (67072, 589824)
    """
    _channels_and_groups(in_channels, out_channels, 1)
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True or False, got bias={bias!r}")
    k = _spatial(2, kernel_size=kernel_size)["kernel_size"]
    return out_channels * (in_channels + k[0] + k[1]) + (out_channels if bias else 0)


def flattened_macs(in_channels, out_channels, kernel_size, input_size, padding=0):
    """Multiply-adds of one flattened convolution for one sample (stride 1, no bias adds).

    The three 1-D passes of :func:`convlessons.functional.flattened_conv2d`: the lateral
    ``1x1`` pass on the ``H x W`` input (``C_out C_in H W``), the vertical ``kh x 1``
    pass on each of the ``C_out`` maps (``C_out kh H' W``), the horizontal ``1 x kw``
    pass (``C_out kw H' W'``), where ``H' = H + 2 ph - kh + 1`` and
    ``W' = W + 2 pw - kw + 1``. With "same" padding that is ``C_out H W (C_in + kh + kw)``
    against the ``C_out H W C_in kh kw`` of :func:`conv_macs`.

    Args:
        in_channels: positive int ``C_in``.
        out_channels: positive int ``C_out``.
        kernel_size: positive int or ``(kh, kw)``.
        input_size: positive int or ``(H, W)``.
        padding: non-negative int or ``(ph, pw)``, zeros on each side.

    Returns:
        int.

    Raises:
        ValueError: the kernel does not fit in the padded input.

    Examples:
        >>> flattened_macs(3, 8, 3, 5, padding=1)   # 8*3*25 + 8*3*25 + 8*3*25
        1800
        >>> conv_macs(3, 8, 3, 5)                   # the standard layer: 8*27*25
        5400
    """
    _channels_and_groups(in_channels, out_channels, 1)
    v = _spatial(2, kernel_size=kernel_size, input_size=input_size)
    (kh, kw), (h, w) = v["kernel_size"], v["input_size"]
    p = _as_ints(padding, "padding", minimum=0)
    if not isinstance(p, int) and len(p) != 2:
        raise ValueError(f"padding must be a non-negative int or a pair (ph, pw), "
                         f"got padding={padding!r}")
    ph, pw = (p, p) if isinstance(p, int) else p
    oh, ow = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1
    if oh < 1 or ow < 1:
        raise ValueError(
            f"kernel_size must fit in the padded input, got kernel_size={kernel_size!r} "
            f"with input_size={input_size!r} and padding={padding!r}"
        )
    return out_channels * (in_channels * h * w + kh * oh * w + kw * oh * ow)


# --------------------------------------------------------------------------- lesson 07


def _image_and_kernel(n, m):
    """Validate ``n`` (image side) and ``m`` (kernel side) for the lesson 07 counts."""
    import numpy as np

    n_arr, m_arr = _lengths(n, "n"), _lengths(m, "m")
    if np.any(m_arr > n_arr):
        raise ValueError(
            f"m must not exceed n (the m x m kernel must fit in the n x n image, stride 1, "
            f"no padding), got n={n!r}, m={m!r}"
        )
    return n_arr, m_arr


def standard_mults(n, m):
    """Multiplications of one ``m x m`` kernel over an ``n x n`` image (stride 1, no padding).

    The kernel stops at ``(n - m + 1)**2`` positions and multiplies ``m * m`` pairs at
    each: ``(n - m + 1)**2 * m**2``, which is what :func:`convlessons.naive.conv2d`
    counts on a single-channel image.

    Args:
        n: image side, a positive int or a 1-D array of them.
        m: kernel side, a positive int or a 1-D array (broadcast against ``n``), ``m <= n``.

    Returns:
        int, or an int64 array when ``n`` or ``m`` is an array.

    Raises:
        TypeError: ``n`` or ``m`` is not a positive int (or array of them).
        ValueError: ``m > n``.

    Examples:
        >>> standard_mults(5, 3)      # 9 positions x 9 multiplications
        81
        >>> import numpy as np
        >>> standard_mults(np.array([5, 7]), 3)
        array([ 81, 225])
    """
    n_arr, m_arr = _image_and_kernel(n, m)
    return _int_or_array((n_arr - m_arr + 1) ** 2 * m_arr**2)


def separable_mults(n, m):
    """Multiplications of a separable ``m x m`` kernel run as an ``m x 1``, then a ``1 x m`` pass.

    The column pass stops at ``(n - m + 1) * n`` positions of the ``n x n`` image (``m``
    multiplications each) and leaves an ``(n - m + 1) x n`` intermediate; the row pass
    stops at ``(n - m + 1)**2`` positions of it (``m`` each). Total
    ``n (n - m + 1) m + (n - m + 1)**2 m = (2n - m + 1)(n - m + 1) m``, which is what
    :func:`convlessons.naive.spatially_separable_conv2d` counts (stride 1, no padding).

    Args:
        n: image side, a positive int or a 1-D array of them.
        m: kernel side, a positive int or a 1-D array (broadcast against ``n``), ``m <= n``.

    Returns:
        int, or an int64 array when ``n`` or ``m`` is an array.

    Raises:
        TypeError: ``n`` or ``m`` is not a positive int (or array of them).
        ValueError: ``m > n``.

    Examples:
        >>> separable_mults(5, 3)     # 15 x 3 + 9 x 3
        72
        >>> separable_mults(7, 5)     # 7*3*5 + 3*3*5
        150
    """
    n_arr, m_arr = _image_and_kernel(n, m)
    o = n_arr - m_arr + 1
    return _int_or_array(n_arr * o * m_arr + o**2 * m_arr)


def separable_ratio(n, m):
    """Cost of the separable passes over the standard kernel: ``(2n - m + 1) / (m (n - m + 1))``.

    It is :func:`separable_mults` divided by :func:`standard_mults`; for ``n >> m`` it
    tends to ``2 / m`` (2/3 for a 3x3 kernel, 2/5 for 5x5, 2/7 for 7x7). For ``m = 1``
    it is 2: a 1x1 "kernel" split into two 1x1 passes does the work twice.

    Args:
        n: image side, a positive int or a 1-D array of them.
        m: kernel side, a positive int or a 1-D array (broadcast against ``n``), ``m <= n``.

    Returns:
        float, or a float64 array when ``n`` or ``m`` is an array.

    Examples:
        >>> separable_ratio(5, 3) == 72 / 81
        True
        >>> round(separable_ratio(10**6, 5), 4)
        0.4
    """
    import numpy as np

    n_arr, m_arr = _image_and_kernel(n, m)
    o = n_arr - m_arr + 1
    ratio = (2 * n_arr - m_arr + 1) / (m_arr * o)
    return float(ratio) if np.ndim(ratio) == 0 else np.asarray(ratio, dtype=np.float64)


# --------------------------------------------------------------------------- lesson 12

#: Lesson 12: the three bottleneck units the ShuffleNet paper compares (Sec. 3.2).
UNIT_KINDS = ("resnet", "resnext", "shufflenet")


def _positive_ints(**named):
    for name, value in named.items():
        if not _is_int(value):
            raise TypeError(f"{name} must be a positive int, got {name}={value!r}")
        if value < 1:
            raise ValueError(f"{name} must be a positive int, got {name}={value!r}")


def unit_flops(kind, c, m, h, w, g=1):
    """Multiply-adds ("FLOPs" in the ShuffleNet paper) of one stride-1 bottleneck unit.

    Zhang et al., arXiv:1707.01083, Sec. 3.2: for an input of ``c x h x w`` and ``m``
    bottleneck channels, the three convolutions of the unit (1x1 ``c -> m``, 3x3
    ``m -> m``, 1x1 ``m -> c``) cost

    * ``"resnet"``: ``hw(2cm + 9m^2)`` (all dense);
    * ``"resnext"``: ``hw(2cm + 9m^2/g)`` (the 3x3 conv has ``g`` groups);
    * ``"shufflenet"``: ``hw(2cm/g + 9m)`` (both 1x1 convs have ``g`` groups, the 3x3 is
      depthwise).

    Shortcut additions, batch norm and activations are not counted, as in the paper.

    Args:
        kind: one of :data:`UNIT_KINDS`.
        c: input (= output) channels, positive int.
        m: bottleneck channels, positive int.
        h, w: spatial size, positive ints.
        g: groups, a positive int dividing ``m`` (and ``c`` for ShuffleNet); ignored
            (must be 1 or anything valid) for ResNet.

    Returns:
        int.

    Examples:
        >>> unit_flops("resnet", 256, 64, 56, 56)     # 56*56*(2*256*64 + 9*64*64)
        218365952
        >>> unit_flops("shufflenet", 240, 60, 28, 28, g=3)
        7949760
    """
    if not isinstance(kind, str) or kind not in UNIT_KINDS:
        raise ValueError(f"kind must be one of {UNIT_KINDS}, got kind={kind!r}")
    _positive_ints(c=c, m=m, h=h, w=w, g=g)
    if kind != "resnet" and m % g:
        raise ValueError(f"g must divide the bottleneck channels m={m}, got g={g}")
    if kind == "shufflenet" and c % g:
        raise ValueError(f"g must divide the channels c={c} (the 1x1 convs are grouped), "
                         f"got g={g}")
    if kind == "resnet":
        return h * w * (2 * c * m + 9 * m * m)
    if kind == "resnext":
        return h * w * (2 * c * m + 9 * m * m // g)
    return h * w * (2 * c * m // g + 9 * m)


class ConvTypeRow(NamedTuple):
    """One row of :func:`convolution_types_table`.

    Attributes:
        lesson: lesson number, ``"01"`` to ``"12"``.
        name: the convolution type, and how the layer is built.
        chinese: the Chinese term.
        params: weights (no biases).
        macs: multiply-adds for one sample.
        receptive_field: input pixels one output pixel sees, per spatial axis.
    """

    lesson: str
    name: str
    chinese: str
    params: int
    macs: int
    receptive_field: tuple


def convolution_types_table(in_channels=32, out_channels=64, size=56, kernel_size=3,
                            groups=4):
    """Parameters, multiply-adds and receptive field of the twelve lessons' convolutions.

    Every layer maps ``in_channels`` maps of ``size x size`` to ``out_channels`` maps of
    the same size (stride 1, "same" padding, no bias), so the rows can be compared:

    01 true convolution (flipped kernel), 02 standard ``k x k``, 03 3-D ``k x k x k`` (per
    output depth slice), 04 1x1, 05 transposed ``k x k`` (stride 1), 06 dilated ``k x k``
    (dilation 2), 07 spatially separable (``k x 1`` to ``C_out``, then a ``1 x k``
    depthwise pass), 08 depthwise separable (``k x k`` depthwise, then 1x1), 09 flattened
    (lateral, vertical, horizontal 1-D passes), 10 grouped ``k x k`` (``groups``), 11 the
    same grouped conv followed by a channel shuffle (no arithmetic), 12 pointwise grouped
    1x1 (``groups``).

    Counts come from :func:`conv_params`, :func:`conv_macs`, :func:`flattened_params`
    and :func:`flattened_macs`; receptive fields from
    :func:`convlessons.shapes.receptive_field`.

    Args:
        in_channels, out_channels: positive ints, both divisible by ``groups``.
        size: spatial side of input and output, positive int.
        kernel_size: odd positive int ``k``.
        groups: groups of rows 10-12.

    Returns:
        list of twelve :class:`ConvTypeRow`.

    Examples:
        >>> rows = convolution_types_table()
        >>> rows[1].params, rows[1].macs, rows[1].receptive_field
        (18432, 57802752, (3, 3))
        >>> rows[11].params, rows[11].receptive_field
        (512, (1, 1))
    """
    from convlessons.shapes import receptive_field

    _positive_ints(in_channels=in_channels, out_channels=out_channels, size=size,
                   kernel_size=kernel_size, groups=groups)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (so that 'same' padding is symmetric), "
                         f"got kernel_size={kernel_size}")
    _channels_and_groups(in_channels, out_channels, groups)
    ci, co, n, k, g = in_channels, out_channels, size, kernel_size, groups
    p2, m2 = conv_params(ci, co, k, bias=False), conv_macs(ci, co, k, n)
    p1, m1 = conv_params(ci, co, 1, bias=False), conv_macs(ci, co, 1, n)
    pg, mg = conv_params(ci, co, k, groups=g, bias=False), conv_macs(ci, co, k, n, groups=g)
    sq = (k, k)
    rows = [
        ("01", "true convolution (flipped k×k kernel)", "卷积", p2, m2, sq),
        ("02", "standard 2D convolution k×k", "二维卷积", p2, m2, sq),
        ("03", "3D convolution k×k×k (per output slice)", "三维卷积",
         conv_params(ci, co, k, bias=False, ndim=3), conv_macs(ci, co, (k, k, k), (1, n, n)),
         (k, k, k)),
        ("04", "1x1 convolution", "1x1 卷积", p1, m1, (1, 1)),
        ("05", "transposed convolution k×k, stride 1", "转置卷积", p2, m2, sq),
        ("06", "dilated convolution k×k, dilation 2", "空洞卷积", p2, m2,
         (receptive_field([k], dilations=[2]),) * 2),
        ("07", "spatially separable: k×1, then 1×k depthwise", "空间可分离卷积",
         conv_params(ci, co, (k, 1), bias=False) + conv_params(co, co, (1, k), groups=co,
                                                               bias=False),
         conv_macs(ci, co, (k, 1), n) + conv_macs(co, co, (1, k), n, groups=co),
         receptive_field([(k, 1), (1, k)])),
        ("08", "depthwise separable: k×k depthwise, then 1x1", "深度可分离卷积",
         conv_params(ci, ci, k, groups=ci, bias=False) + p1,
         conv_macs(ci, ci, k, n, groups=ci) + m1, receptive_field([sq, (1, 1)])),
        ("09", "flattened: lateral, vertical, horizontal", "扁平化卷积",
         flattened_params(ci, co, k, bias=False), flattened_macs(ci, co, k, n, padding=k // 2),
         receptive_field([(1, 1), (k, 1), (1, k)])),
        ("10", f"grouped convolution k×k, {g} groups", "分组卷积", pg, mg, sq),
        ("11", f"shuffled grouped: k×k, {g} groups + shuffle", "混洗分组卷积", pg, mg, sq),
        ("12", f"pointwise grouped 1x1, {g} groups", "逐点分组卷积",
         conv_params(ci, co, 1, groups=g, bias=False), conv_macs(ci, co, 1, n, groups=g),
         (1, 1)),
    ]
    return [ConvTypeRow(*row) for row in rows]
