"""Channel connectivity: which input channels each output channel of a layer can read.

A convolution mixes channels through its weight ``(C_out, C_in / groups, *kernel)``.
Summing away the kernel taps leaves a ``(C_out, C_in)`` picture of that mixing: entry
``[o, c]`` says whether output channel ``o`` reads input channel ``c``. For a standard
convolution every entry is on; for a grouped one the matrix is block diagonal, one
``C_out/g × C_in/g`` block per group; for a depthwise one (``groups = C_in``) it is a
stack of columns, one per input channel.

numpy in, numpy out. Lesson 10 (grouped convolution) uses :func:`grouped_to_dense` and
:func:`channel_connectivity`; lesson 11 adds the channel shuffle's permutation matrices.

Example:
    >>> channel_connectivity((4, 4), groups=2).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
"""

from __future__ import annotations

import numpy as np

from convlessons._validate import _is_int, check_array, check_int, describe

__all__ = [
    "grouped_to_dense",
    "channel_connectivity",
    "shuffle_permutation",
    "stacked_connectivity",
    "mixing_depth",
    "channel_dependency",
]


def _check_groups(groups, in_channels, out_channels, where):
    groups = check_int(groups, "groups", 1)
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups must divide both the input channels ({in_channels}) and the output "
            f"channels ({out_channels}) of {where}, got groups={groups}"
        )
    return groups


def grouped_to_dense(weight, groups):
    """The ordinary (``groups=1``) weight that computes the same as a grouped one.

    Group ``j`` owns output channels ``j·C_out/g … (j+1)·C_out/g − 1`` and input
    channels ``j·C_in/g … (j+1)·C_in/g − 1``. The dense weight copies each group's
    kernels into that block and leaves zeros everywhere else, so it is block diagonal
    in the two channel axes: ``conv2d(x, dense) == conv2d(x, weight, groups=g)``.

    Args:
        weight: array ``(C_out, C_in / groups, *kernel)`` (any number of spatial
            dimensions, at least one), as ``torch.nn.Conv2d.weight`` with ``groups``.
        groups: positive int dividing ``C_out``.

    Returns:
        Array ``(C_out, C_in, *kernel)`` of the weight's dtype, with
        ``C_in = groups * weight.shape[1]``.

    Raises:
        TypeError: ``weight`` is not a numeric array or ``groups`` not an int.
        ValueError: ``weight`` has fewer than 3 dimensions or ``groups`` does not divide
            ``C_out``.

    Example:
        >>> w = np.arange(1, 5).reshape(4, 1, 1, 1)        # 4 -> 4 channels, groups=4
        >>> grouped_to_dense(w, 4)[:, :, 0, 0]
        array([[1, 0, 0, 0],
               [0, 2, 0, 0],
               [0, 0, 3, 0],
               [0, 0, 0, 4]])
    """
    w = check_array(weight, None, "weight", layout="(C_out, C_in / groups, *kernel)")
    if w.ndim < 3:
        raise ValueError(
            "weight must have shape (C_out, C_in / groups, *kernel) with at least one "
            f"spatial dimension, got weight.shape={w.shape}"
        )
    out_channels, per_group = w.shape[:2]
    groups = check_int(groups, "groups", 1)
    if out_channels % groups:
        raise ValueError(
            f"groups must divide the output channels weight.shape[0]={out_channels}, got "
            f"groups={groups}"
        )
    out_per_group = out_channels // groups
    dense = np.zeros((out_channels, per_group * groups, *w.shape[2:]), dtype=w.dtype)
    for j in range(groups):
        rows = slice(j * out_per_group, (j + 1) * out_per_group)
        cols = slice(j * per_group, (j + 1) * per_group)
        dense[rows, cols] = w[rows]
    return dense


def channel_connectivity(weight_or_shapes, groups=1):
    """Boolean ``(C_out, C_in)`` matrix: does output channel ``o`` read input channel ``c``?

    Two ways to call it:

    * with channel counts ``(in_channels, out_channels)``: the pattern a layer with
      ``groups`` groups allows (block diagonal; all ``True`` for ``groups=1``);
    * with a weight ``(C_out, C_in / groups, *kernel)``: the pattern that weight
      actually uses, i.e. where its dense equivalent (:func:`grouped_to_dense`) has a
      non-zero kernel. A zero kernel inside a group shows up as ``False``.

    Args:
        weight_or_shapes: a tuple ``(in_channels, out_channels)`` of positive ints, or a
            numeric array ``(C_out, C_in / groups, *kernel)``.
        groups: positive int dividing both channel counts.

    Returns:
        Boolean array ``(C_out, C_in)``.

    Raises:
        TypeError: ``weight_or_shapes`` is neither a pair of ints nor an array.
        ValueError: non-positive channel counts or a ``groups`` that does not divide them.

    Example:
        >>> m = channel_connectivity((6, 3), groups=3)     # 6 inputs, 3 outputs
        >>> m.shape, m.sum(axis=1).tolist()
        ((3, 6), [2, 2, 2])
    """
    if isinstance(weight_or_shapes, tuple | list):
        if len(weight_or_shapes) != 2 or not all(_is_int(v) for v in weight_or_shapes):
            raise TypeError(
                "weight_or_shapes must be a pair of ints (in_channels, out_channels) or a "
                f"weight array, got weight_or_shapes={describe(weight_or_shapes)}"
            )
        in_channels, out_channels = (int(v) for v in weight_or_shapes)
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                "weight_or_shapes must hold positive channel counts (in_channels, "
                f"out_channels), got weight_or_shapes={tuple(weight_or_shapes)!r}"
            )
        groups = _check_groups(groups, in_channels, out_channels, "the layer")
        block = np.ones((out_channels // groups, in_channels // groups), dtype=bool)
        return np.kron(np.eye(groups, dtype=bool), block)
    if not isinstance(weight_or_shapes, np.ndarray):
        raise TypeError(
            "weight_or_shapes must be a pair of ints (in_channels, out_channels) or a "
            f"numpy weight array, got weight_or_shapes={describe(weight_or_shapes)} of "
            f"type {type(weight_or_shapes).__name__}"
        )
    dense = grouped_to_dense(weight_or_shapes, groups)
    return np.abs(dense).reshape(dense.shape[0], dense.shape[1], -1).sum(axis=2) > 0


# --------------------------------------------------------------------------- lesson 11


def _check_channels_groups(channels, groups):
    channels = check_int(channels, "channels", 1)
    groups = check_int(groups, "groups", 1)
    if channels % groups:
        raise ValueError(
            f"groups must divide channels, got groups={groups} with channels={channels}"
        )
    return channels, groups


def shuffle_permutation(channels, groups):
    """The channel shuffle as a ``(C, C)`` permutation matrix ``P``: ``shuffle(x) = P x``.

    The shuffle views the ``C = g·n`` channels as a ``(g, n)`` grid (row ``i`` = group
    ``i``), transposes it to ``(n, g)`` and reads it out again. Channel ``i·n + j``
    (group ``i``, position ``j``) therefore moves to position ``j·g + i``, and
    ``P[j·g + i, i·n + j] = 1``. Rows are output (shuffled) channels, columns are input
    channels, as in :func:`channel_connectivity`. Every row and every column holds one 1;
    the inverse is the shuffle with ``C / groups`` groups (``P.T``).

    Args:
        channels: number of channels ``C``, a positive int.
        groups: number of groups ``g``, a positive int dividing ``channels``.

    Returns:
        Integer array ``(C, C)`` of zeros and ones.

    Raises:
        TypeError: a non-int argument.
        ValueError: a non-positive argument, or ``groups`` not dividing ``channels``.

    Example:
        >>> P = shuffle_permutation(6, 2)                  # groups [0 1 2] and [3 4 5]
        >>> (P @ np.arange(6)).tolist()                    # the shuffled order
        [0, 3, 1, 4, 2, 5]
    """
    channels, groups = _check_channels_groups(channels, groups)
    per_group = channels // groups
    source = np.arange(channels).reshape(groups, per_group).T.ravel()
    perm = np.zeros((channels, channels), dtype=np.int64)
    perm[np.arange(channels), source] = 1
    return perm


def stacked_connectivity(channels, groups, layers=2, *, shuffle=True):
    """Which input channels each output channel of a stack of grouped layers depends on.

    The stack has ``layers`` grouped layers, each ``C → C`` channels with ``groups``
    groups (block-diagonal connectivity ``B``, :func:`channel_connectivity`), and, when
    ``shuffle`` is set, a channel shuffle ``P`` (:func:`shuffle_permutation`) between
    consecutive layers. The answer is the boolean product ``B P B … P B`` (``B B … B``
    without the shuffle, which stays ``B``: stacked group convolutions never mix groups).

    Args:
        channels: ``C``, a positive int.
        groups: ``g``, a positive int dividing ``channels``.
        layers: number of grouped layers, a positive int.
        shuffle: put a channel shuffle between consecutive layers.

    Returns:
        Boolean array ``(C, C)``: ``[o, c]`` is True when output channel ``o`` of the last
        layer depends on input channel ``c`` of the first.

    Raises:
        TypeError: a non-int count or a non-bool ``shuffle``.
        ValueError: non-positive counts, or ``groups`` not dividing ``channels``.

    Example:
        >>> stacked_connectivity(4, 2, shuffle=False).astype(int)
        array([[1, 1, 0, 0],
               [1, 1, 0, 0],
               [0, 0, 1, 1],
               [0, 0, 1, 1]])
        >>> bool(stacked_connectivity(4, 2, shuffle=True).all())
        True
    """
    channels, groups = _check_channels_groups(channels, groups)
    layers = check_int(layers, "layers", 1)
    if not isinstance(shuffle, bool | np.bool_):
        raise TypeError(f"shuffle must be True or False, got shuffle={describe(shuffle)}")
    block = channel_connectivity((channels, channels), groups).astype(np.int64)
    step = block @ shuffle_permutation(channels, groups) if shuffle else block
    reach = block > 0
    for _ in range(layers - 1):
        reach = (step @ reach.astype(np.int64)) > 0
    return reach


def mixing_depth(channels, groups):
    """Fewest grouped layers, with a shuffle between each two, that mix all channels.

    The smallest ``L`` for which every output channel of ``L`` stacked grouped layers
    depends on every input channel (:func:`stacked_connectivity` all True), or ``None``
    when no depth ever does. One layer suffices only for ``groups=1``. With shuffles,
    two layers suffice exactly when each group holds at least ``groups`` channels
    (``C/g ≥ g``): each group of the second layer then receives one channel from every
    group of the first. With one channel per group (``C = g``, depthwise) the shuffle
    is the identity and nothing ever mixes.

    Args:
        channels: ``C``, a positive int.
        groups: ``g``, a positive int dividing ``channels``.

    Returns:
        An int ``L ≥ 1``, or ``None``.

    Example:
        >>> mixing_depth(12, 3), mixing_depth(8, 4), mixing_depth(4, 4)
        (2, 3, None)
    """
    channels, groups = _check_channels_groups(channels, groups)
    block = channel_connectivity((channels, channels), groups).astype(np.int64)
    step = block @ shuffle_permutation(channels, groups)
    reach = block > 0
    seen = set()
    layers = 1
    while not reach.all():
        key = reach.tobytes()
        if key in seen:  # the pattern repeats without ever filling up
            return None
        seen.add(key)
        reach = (step @ reach.astype(np.int64)) > 0
        layers += 1
    return layers


def channel_dependency(model, in_channels, size=3, *, seed=0):
    """Measure which output channels of ``model`` depend on which input channels.

    Runs ``model`` on one random input ``(1, in_channels, size, size)`` and takes the
    full Jacobian with :func:`torch.autograd.functional.jacobian`. Output channel ``o``
    depends on input channel ``c`` when some derivative of an output value of channel
    ``o`` with respect to an input value of channel ``c`` is non-zero. Channels a
    grouped convolution never connects get exact zeros (they are not in its
    computation), so the pattern is exact for convolutions and shuffles; a ReLU that is
    off everywhere at this input could hide a dependency, so prefer linear layers or
    several seeds for nonlinear models. Put models with batch norm in ``eval()`` mode.
    The Jacobian takes one backward pass per output value, so keep ``size`` small; it
    runs on a single CPU thread (the number of threads is restored afterwards).

    Args:
        model: a callable taking a tensor ``(1, in_channels, size, size)`` and returning
            a tensor ``(1, C_out, *)`` (e.g. an ``nn.Module``).
        in_channels: ``C_in``, a positive int.
        size: height and width of the random input, a positive int.
        seed: seed of the random input (a ``torch.Generator``; global state untouched).

    Returns:
        Boolean numpy array ``(C_out, C_in)``.

    Raises:
        TypeError: ``model`` not callable, non-int sizes, or a model returning no tensor.
        ValueError: non-positive sizes, or a model output with fewer than 2 dimensions.

    Example:
        >>> import torch
        >>> conv = torch.nn.Conv2d(4, 4, 1, groups=2)
        >>> channel_dependency(conv, 4, size=1).astype(int)
        array([[1, 1, 0, 0],
               [1, 1, 0, 0],
               [0, 0, 1, 1],
               [0, 0, 1, 1]])
    """
    import torch

    if not callable(model):
        raise TypeError(f"model must be callable (e.g. an nn.Module), got {describe(model)}")
    in_channels = check_int(in_channels, "in_channels", 1)
    size = check_int(size, "size", 1)
    seed = check_int(seed, "seed")
    params = list(model.parameters()) if isinstance(model, torch.nn.Module) else []
    dtype = params[0].dtype if params and params[0].is_floating_point() else torch.float32
    device = params[0].device if params else torch.device("cpu")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, in_channels, size, size, generator=gen, dtype=dtype).to(device)
    with torch.no_grad():
        probe = model(x)
    if not isinstance(probe, torch.Tensor):
        raise TypeError(f"model must return a tensor, got {type(probe).__name__}")
    if probe.ndim < 2:
        raise ValueError(
            f"model must return a tensor of shape (1, C_out, *), got shape {tuple(probe.shape)}"
        )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny problem: threads only add overhead; restored below
    try:
        jac = torch.autograd.functional.jacobian(model, x)  # one backward per output value
    finally:
        torch.set_num_threads(threads)
    out_channels = probe.shape[1]
    out_rest = probe.numel() // (probe.shape[0] * out_channels)
    jac = jac.detach().abs().reshape(probe.shape[0], out_channels, out_rest, 1,
                                     in_channels, size * size)
    return (jac.sum(dim=(0, 2, 3, 5)) != 0).cpu().numpy()
