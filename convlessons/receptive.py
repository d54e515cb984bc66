"""Receptive fields, measured: dilated kernels, dilated stacks and coverage maps.

:mod:`convlessons.shapes` *computes* a receptive field from a formula. This module
*measures* it: :func:`receptive_field_map` asks autograd which input pixels the centre
output unit of a network depends on, and how many paths lead from each of them to it.
Holes in that map (input pixels inside the field that no path reaches) are the
"gridding" problem of repeated dilation.

* :func:`dilate_kernel` spreads a kernel's taps apart with zeros: a convolution with
  dilation ``d`` is a plain convolution with that larger, mostly-zero kernel.
* :func:`dilated_stack` builds a single-channel stack of dilated convolutions (one
  layer per dilation of a schedule) as a ``torch.nn.Sequential``.
* :func:`field_extent` and :func:`count_holes` read a coverage map;
  :func:`covers_field` predicts from the schedule alone whether there will be holes.

Example:
    >>> stack = dilated_stack([1, 2, 4], padding="valid")
    >>> coverage = receptive_field_map(stack, 15)
    >>> field_extent(coverage), count_holes(coverage)
    ((15, 15), 0)
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch

from convlessons._validate import as_tuple, check_choice, check_int, describe

__all__ = [
    "dilate_kernel",
    "dilated_stack",
    "receptive_field_map",
    "field_extent",
    "count_holes",
    "covers_field",
]

_CONVS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)


def dilate_kernel(kernel, dilation):
    """Insert ``dilation - 1`` zeros between neighbouring kernel taps.

    A convolution with ``dilation=d`` equals a convolution (dilation 1) with the dilated
    kernel, whose side is the effective kernel size ``k + (k - 1)(d - 1)``.

    Which axes are spread: a 1-D or 2-D array is one kernel and every axis is spread; an
    array with 3 or more axes is a weight tensor laid out as torch's
    ``(C_out, C_in / groups, *k)`` and only its trailing spatial axes are spread. A tuple
    ``dilation`` spreads the last ``len(dilation)`` axes, one entry each.

    Args:
        kernel: numpy array or torch tensor, ``(k,)``, ``(kh, kw)`` or
            ``(C_out, C_in / groups, *k)``.
        dilation: positive int, or a tuple of positive ints (one per spread axis).

    Returns:
        Same type and dtype as ``kernel``, with each spread axis of length
        ``d (k - 1) + 1``.

    Raises:
        TypeError: ``kernel`` is not a numeric array or tensor, or a bad ``dilation`` type.
        ValueError: a non-positive dilation, or a tuple longer than ``kernel.ndim``.

    Example:
        >>> dilate_kernel(np.array([[1, 2], [3, 4]]), 2)
        array([[1, 0, 2],
               [0, 0, 0],
               [3, 0, 4]])
    """
    is_tensor = isinstance(kernel, torch.Tensor)
    if not is_tensor:
        if not isinstance(kernel, np.ndarray) or kernel.dtype.kind not in "iuf":
            raise TypeError(
                "kernel must be a numeric numpy array or a torch tensor, got "
                f"kernel={describe(kernel)} of type {type(kernel).__name__}"
            )
    if kernel.ndim == 0 or (kernel.numel() if is_tensor else kernel.size) == 0:
        raise ValueError(f"kernel must have at least one axis and one tap, got shape "
                         f"{tuple(kernel.shape)}")
    if isinstance(dilation, (tuple, list)):
        if not 1 <= len(dilation) <= kernel.ndim:
            raise ValueError(
                f"dilation must have one entry per spread axis (1 to kernel.ndim = "
                f"{kernel.ndim} entries), got dilation={dilation!r}"
            )
        n_spread = len(dilation)
    else:
        n_spread = kernel.ndim if kernel.ndim <= 2 else kernel.ndim - 2
    d = as_tuple(dilation, n_spread, "dilation", 1)
    lead = tuple(kernel.shape[: kernel.ndim - n_spread])
    spatial = tuple(kernel.shape[kernel.ndim - n_spread:])
    shape = lead + tuple(dd * (k - 1) + 1 for k, dd in zip(spatial, d, strict=True))
    taps = (Ellipsis, *(slice(None, None, dd) for dd in d))
    out = kernel.new_zeros(shape) if is_tensor else np.zeros(shape, dtype=kernel.dtype)
    out[taps] = kernel
    return out


def dilated_stack(dilations, kernel_size=3, *, ndim=2, padding="same", channels=1):
    """A stack of convolutions, one per dilation, as a ``torch.nn.Sequential``.

    Layer ``j`` is ``ConvNd(channels, channels, kernel_size[j], dilation=dilations[j],
    bias=False)`` with stride 1 and torch's default random weights (so it draws from
    torch's global generator: seed it first for reproducible weights). There is no
    nonlinearity: receptive fields do not depend on it.

    Args:
        dilations: non-empty list of positive ints, one per layer (e.g. ``[1, 2, 4]``).
        kernel_size: positive int used by every layer, or a list with one per layer
            (e.g. ``[3] * 7 + [1]`` for Yu & Koltun's context module).
        ndim: 1, 2 or 3 spatial dimensions (``Conv1d``, ``Conv2d``, ``Conv3d``).
        padding: ``'same'`` (each layer pads ``d (k - 1) / 2`` on every side, so the
            size is kept; odd kernel sizes only) or ``'valid'`` (no padding: each layer
            shrinks the input by ``d (k - 1)``).
        channels: positive int, input and output channels of every layer.

    Returns:
        ``torch.nn.Sequential`` of ``len(dilations)`` convolution layers.

    Raises:
        TypeError, ValueError: for a bad schedule, kernel size, ``ndim``, ``padding`` or
            ``channels``; ``padding='same'`` with an even kernel size.

    Example:
        >>> stack = dilated_stack([1, 2, 4])
        >>> [layer.dilation for layer in stack]
        [(1, 1), (2, 2), (4, 4)]
        >>> stack(torch.zeros(1, 1, 20, 20)).shape
        torch.Size([1, 1, 20, 20])
    """
    if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence) \
            or len(dilations) == 0:
        raise TypeError(
            f"dilations must be a non-empty list of positive ints (one per layer), got "
            f"dilations={describe(dilations)}"
        )
    ds = [check_int(d, f"dilations[{j}]", 1) for j, d in enumerate(dilations)]
    if isinstance(kernel_size, (tuple, list)):
        if len(kernel_size) != len(ds):
            raise ValueError(
                f"kernel_size must be a positive int or a list with one entry per layer "
                f"({len(ds)}), got kernel_size={kernel_size!r}"
            )
        ks = [check_int(k, f"kernel_size[{j}]", 1) for j, k in enumerate(kernel_size)]
    else:
        ks = [check_int(kernel_size, "kernel_size", 1)] * len(ds)
    ndim = check_int(ndim, "ndim", 1)
    if ndim > 3:
        raise ValueError(f"ndim must be 1, 2 or 3, got ndim={ndim}")
    check_choice(padding, "padding", ("same", "valid"))
    channels = check_int(channels, "channels", 1)
    if padding == "same" and any(k % 2 == 0 for k in ks):
        raise ValueError(
            f"padding='same' needs odd kernel sizes here (an even kernel cannot be padded "
            f"equally on both sides), got kernel_size={kernel_size!r}; use padding='valid'"
        )
    conv = _CONVS[ndim - 1]
    layers = [
        conv(channels, channels, k, dilation=d, bias=False,
             padding=d * (k - 1) // 2 if padding == "same" else 0)
        for k, d in zip(ks, ds, strict=True)
    ]
    return torch.nn.Sequential(*layers)


def _as_model(model_or_layers) -> torch.nn.Module:
    if isinstance(model_or_layers, torch.nn.Module):
        return model_or_layers
    if isinstance(model_or_layers, (list, tuple)) and model_or_layers and all(
        isinstance(m, torch.nn.Module) for m in model_or_layers
    ):
        return torch.nn.Sequential(*model_or_layers)
    raise TypeError(
        "model_or_layers must be a torch.nn.Module or a non-empty list of modules (applied "
        f"in order), got model_or_layers={describe(model_or_layers)}"
    )


def receptive_field_map(model_or_layers, input_size, *, weights="ones", position=None):
    """Which input pixels one output unit depends on, measured with autograd.

    The model runs on one input of ones, ``(1, C_in, *input_size)`` in float64; the
    output unit at ``position`` (summed over output channels) is back-propagated, and
    the gradient with respect to the input (summed over input channels) is the map.

    With ``weights='ones'`` a copy of the model is used in which every convolution and
    linear weight is 1 and every bias 0 (batch-norm layers in eval mode). For a stack
    of single-channel convolutions the map then counts the *paths* from each input
    pixel to the output unit: a pixel with count 0 is not seen at all. This measures
    the structural receptive field: no accidental cancellation of random weights, and
    ReLUs stay open because every activation is positive. With ``weights='model'`` the
    model's own weights are used and the map is 1 where the gradient is not zero.

    The model itself is never changed (a deep copy runs). The probe runs on one CPU
    thread (thread start-up costs more than such small inputs save); torch's thread
    count is restored afterwards.

    Args:
        model_or_layers: a ``torch.nn.Module``, or a list of modules applied in order,
            containing at least one ``Conv1d``/``Conv2d``/``Conv3d``; the first one sets
            the number of input channels and of spatial dimensions.
        input_size: spatial size, a positive int (used for every dimension) or a tuple.
        weights: ``'ones'`` (path counts, default) or ``'model'`` (0/1 map).
        position: index of the output unit, a tuple with one entry per spatial
            dimension (negative entries count from the end); default the centre
            ``o // 2`` of each output side ``o``.

    Returns:
        Integer numpy array of shape ``input_size`` (``(L,)``, ``(H, W)`` or
        ``(D, H, W)``).

    Raises:
        TypeError, ValueError: for a bad model, size, ``weights`` or ``position``, or
            an input too small for the model.

    Example:
        >>> two = [torch.nn.Conv1d(1, 1, 3), torch.nn.Conv1d(1, 1, 3)]
        >>> receptive_field_map(two, 5).tolist()
        [1, 2, 3, 2, 1]
    """
    model = _as_model(model_or_layers)
    check_choice(weights, "weights", ("ones", "model"))
    first = next((m for m in model.modules() if isinstance(m, _CONVS)), None)
    if first is None:
        raise TypeError(
            "model_or_layers must contain a Conv1d, Conv2d or Conv3d layer (it sets the "
            f"input channels and dimensions), got {type(model).__name__} without one"
        )
    ndim = _CONVS.index(type(first)) + 1
    size = as_tuple(input_size, ndim, "input_size", 1)
    probe = copy.deepcopy(model).double().eval()
    if weights == "ones":
        with torch.no_grad():
            for module in probe.modules():
                if isinstance(module, (*_CONVS, torch.nn.Linear)):
                    module.weight.fill_(1.0)
                    if module.bias is not None:
                        module.bias.zero_()
    for p in probe.parameters():
        p.requires_grad_(False)
    x = torch.ones((1, first.in_channels, *size), dtype=torch.float64, requires_grad=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny probes: extra threads only add overhead; restored below
    try:
        return _path_map(probe, x, ndim, input_size, position, weights)
    finally:
        torch.set_num_threads(threads)


def _path_map(probe, x, ndim, input_size, position, weights) -> np.ndarray:
    """Forward ``x`` through ``probe``, back-propagate one output unit, read the map."""
    try:
        y = probe(x)
    except RuntimeError as exc:
        raise ValueError(
            f"the model cannot run on an input of spatial size input_size={input_size!r} "
            f"({exc})"
        ) from exc
    if y.ndim != ndim + 2:
        raise ValueError(
            f"the model's output must keep {ndim} spatial dimension(s) (shape (N, C, ...)), "
            f"got output shape {tuple(y.shape)}"
        )
    out_size = tuple(y.shape[2:])
    if position is None:
        index = tuple(o // 2 for o in out_size)
    else:
        index = as_tuple(position, ndim, "position", None)
        if not all(-o <= i < o for i, o in zip(index, out_size, strict=True)):
            raise ValueError(
                f"position must index the output (size {out_size}), got position={position!r}"
            )
    y[(0, slice(None), *index)].sum().backward()
    grad = x.grad[0].abs().sum(dim=0).numpy()
    if weights == "model":
        return (grad > 0).astype(np.int64)
    return np.rint(grad).astype(np.int64)


def _check_coverage(coverage) -> np.ndarray:
    if isinstance(coverage, torch.Tensor):
        coverage = coverage.detach().cpu().numpy()
    if not isinstance(coverage, np.ndarray) or coverage.dtype.kind not in "iufb":
        raise TypeError(
            f"coverage must be a numeric numpy array (a map from receptive_field_map), got "
            f"coverage={describe(coverage)} of type {type(coverage).__name__}"
        )
    if coverage.ndim == 0 or coverage.size == 0:
        raise ValueError(f"coverage must be a non-empty array, got shape {coverage.shape}")
    if not np.any(coverage):
        raise ValueError("coverage must have at least one non-zero cell (the field is empty)")
    return coverage


def field_extent(coverage):
    """Side lengths of the smallest box holding every non-zero cell of a coverage map.

    For a map from :func:`receptive_field_map` this is the measured receptive field,
    to compare with :func:`convlessons.shapes.receptive_field`.

    Args:
        coverage: numeric array (any number of dimensions), zeros where not covered.

    Returns:
        Tuple of ints, one per dimension.

    Raises:
        TypeError: not a numeric array. ValueError: empty, or all zeros.

    Example:
        >>> field_extent(np.array([[0, 0, 0], [0, 1, 1], [0, 1, 0]]))
        (2, 2)
    """
    cov = _check_coverage(coverage)
    nz = np.nonzero(cov)
    return tuple(int(ix.max() - ix.min() + 1) for ix in nz)


def count_holes(coverage):
    """Number of zero cells inside the bounding box of a coverage map's non-zero cells.

    Zeros outside the box are just outside the receptive field; zeros inside are holes:
    pixels within the field's span that the output unit never sees (gridding).

    Args:
        coverage: numeric array (any number of dimensions).

    Returns:
        int.

    Raises:
        TypeError: not a numeric array. ValueError: empty, or all zeros.

    Example:
        >>> count_holes(np.array([1, 0, 1, 0, 1]))
        2
    """
    cov = _check_coverage(coverage)
    nz = np.nonzero(cov)
    box = tuple(slice(int(ix.min()), int(ix.max()) + 1) for ix in nz)
    return int(np.count_nonzero(cov[box] == 0))


def covers_field(dilations, kernel_size=3):
    """True when a stack of dilated convolutions sees every pixel of its receptive field.

    Rule (one axis, stride 1): sort the dilations; every dilation must be at most the
    receptive field of the smaller ones before it, ``d_j <= 1 + (k - 1) * (d_1 + ... +
    d_{j-1})`` (so the first must be 1). If one is larger, the pixels just beyond the
    smaller layers' field can be reached by no combination of taps: a hole. The order
    of the layers does not matter, only the set of dilations. For square kernels the
    2-D (and 3-D) map is the product of the 1-D ones, so the rule holds there too.

    Args:
        dilations: non-empty list of positive ints, one per layer.
        kernel_size: positive int, the kernel size of every layer.

    Returns:
        bool.

    Raises:
        TypeError, ValueError: for a bad schedule or kernel size.

    Example:
        >>> covers_field([1, 2, 4]), covers_field([2, 2, 2]), covers_field([1, 3, 9])
        (True, False, True)
    """
    if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence) \
            or len(dilations) == 0:
        raise TypeError(
            f"dilations must be a non-empty list of positive ints (one per layer), got "
            f"dilations={describe(dilations)}"
        )
    ds = sorted(check_int(d, f"dilations[{j}]", 1) for j, d in enumerate(dilations))
    k = check_int(kernel_size, "kernel_size", 1)
    if k == 1:
        return True  # a 1x1 stack sees exactly one pixel: nothing to miss
    field = 1
    for d in ds:
        if d > field:
            return False
        field += d * (k - 1)
    return True
