"""Formative checks for the exercises, compatible with nbgrader's autograder.

Each check either prints one ``✓ name: …`` line to stdout and returns ``None``, or
raises :class:`AssertionError` whose message says what was expected, what was got, and
a hint. They never return a bool (nbgrader gives full marks to a test cell whose value
is not a number, so a returned ``False`` would score as a pass) and never write to
stderr (any stderr output scores the cell zero).

Lesson-specific checks are small functions named ``check_<thing>`` built on these three.

Example:
    >>> check_value((3, 3), (3, 3), name="output size")
    ✓ output size: (3, 3) is correct
    >>> check_value(4, 3, name="output size", hint="count the positions")
    Traceback (most recent call last):
    ...
    AssertionError: output size: expected 3, got 4.
    Hint: count the positions
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_value",
    "check_close",
    "check_function",
    "check_correlate_valid",
    "check_mode_lengths",
    "check_conv3d_via_conv2d",
    "check_conv3d_prediction",
    "check_corr2d",
    "CONV2D_SIZE_QUESTIONS",
    "check_conv2d_output_sizes",
    "check_conv1x1",
    "BOTTLENECK_KEYS",
    "check_bottleneck_prediction",
    "check_depthwise_separable",
    "DEPTHWISE_COST_QUESTION",
    "check_depthwise_separable_costs",
    "check_transpose_by_zero_insertion",
    "TRANSPOSE_SIZE_QUESTIONS",
    "check_transpose_output_sizes",
    "check_dilated_conv1d",
    "RECEPTIVE_FIELD_QUESTIONS",
    "check_receptive_field_predictions",
    "check_separable_blur",
    "SEPARABLE_MULT_KEYS",
    "check_separable_mults",
    "check_rank1_kernel",
    "FLATTENED_COST_QUESTION",
    "check_flattened_costs",
    "check_grouped_conv",
    "GROUPED_PARAMS_QUESTION",
    "check_grouped_params",
    "check_channel_shuffle",
    "SHUFFLE_QUESTIONS",
    "check_shuffle_predictions",
    "check_unit_flops",
    "STAGE_FLOPS_QUESTION",
    "check_stage_flops",
]


def _check_name(name) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a non-empty str, got name={name!r}")


def _check_hint(hint) -> None:
    if not isinstance(hint, str):
        raise TypeError(f"hint must be a str, got hint={hint!r}")


def _fail(name: str, what: str, hint: str):
    message = f"{name}: {what}"
    if hint:
        message += f"\nHint: {hint}"
    raise AssertionError(message)


def _plain(value):
    """numpy scalars → Python scalars, torch.Size / lists → tuples (for comparison)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple) or type(value).__name__ == "Size":
        return tuple(_plain(v) for v in value)
    return value


def _to_numpy(value, which: str):
    if hasattr(value, "detach"):  # torch tensor
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{which} is not an array: got {type(value).__name__}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise AssertionError(f"{which} is not a numeric array: got {type(value).__name__} "
                             f"with dtype {arr.dtype}")
    return arr


def _value_problem(got, expected) -> str | None:
    g, e = _plain(got), _plain(expected)
    if isinstance(e, bool) != isinstance(g, bool):
        return f"expected {expected!r}, got {got!r} (a {type(got).__name__})"
    if isinstance(e, numbers.Number) and not isinstance(g, numbers.Number):
        return f"expected the number {expected!r}, got {got!r} (a {type(got).__name__})"
    if isinstance(e, tuple) and not isinstance(g, tuple):
        return f"expected {expected!r}, got {got!r} (a {type(got).__name__}, not a tuple)"
    if g != e:
        return f"expected {expected!r}, got {got!r}."
    return None


def _array_problem(got, expected, atol: float, rtol: float) -> tuple[str | None, float]:
    if got is None:
        return "got None: did the function return its result?", 0.0
    try:
        g = _to_numpy(got, "your result")
    except AssertionError as exc:
        return str(exc), 0.0
    e = _to_numpy(expected, "the expected value")
    if g.shape != e.shape:
        return f"expected shape {e.shape}, got shape {g.shape}.", 0.0
    if g.size == 0:
        return None, 0.0
    g64, e64 = g.astype(np.float64), e.astype(np.float64)
    if np.any(np.isnan(g64) & ~np.isnan(e64)):
        return "your result contains NaN where the expected value does not.", float("nan")
    with np.errstate(invalid="ignore"):
        err = np.abs(g64 - e64)
        bad = ~(np.isclose(g64, e64, atol=atol, rtol=rtol, equal_nan=True))
    finite_err = np.where(np.isfinite(err), err, 0.0)
    max_err = float(finite_err.max())
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        at = where if len(where) != 1 else where[0]
        return (
            f"{int(bad.sum())} of {bad.size} values differ (tolerance atol={atol:g}, "
            f"rtol={rtol:g}); first at index {at}: expected {float(e64[where])!r}, got "
            f"{float(g64[where])!r}; max |error| {max_err:.3g}."
        ), max_err
    return None, max_err


def check_value(got, expected, *, name, hint="") -> None:
    """Check an exact value: a number, a tuple (e.g. a shape), a string.

    Lists, tuples and ``torch.Size`` compare as tuples; numpy scalars as Python numbers.

    Args:
        got: the learner's answer.
        expected: the right answer.
        name: what is checked (shown in both outcomes).
        hint: one sentence pointing toward the idea, shown on failure.

    Raises:
        AssertionError: with expected vs got and the hint.

    Example:
        >>> check_value(np.int64(86400), 86400, name="multiply-adds")
        ✓ multiply-adds: 86400 is correct
    """
    _check_name(name)
    _check_hint(hint)
    problem = _value_problem(got, expected)
    if problem:
        _fail(name, problem, hint)
    print(f"✓ {name}: {_plain(got)!r} is correct")


def check_close(got, expected, *, name, hint="", atol=1e-6, rtol=1e-5) -> None:
    """Check an array (numpy or torch) against the expected one: shape first, then values.

    Args:
        got: the learner's array.
        expected: the reference array.
        name: what is checked.
        hint: shown on failure.
        atol, rtol: tolerances as in :func:`numpy.isclose`.

    Raises:
        AssertionError: wrong shape (both shapes), or the first differing element with
            both values and the largest error.

    Example:
        >>> check_close([1.0, 2.0], np.array([1.0, 2.0]), name="y")
        ✓ y: shape (2,) and values match (max |error| 0)
    """
    _check_name(name)
    _check_hint(hint)
    for arg, value in (("atol", atol), ("rtol", rtol)):
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{arg} must be a non-negative number, got {arg}={value!r}")
    problem, max_err = _array_problem(got, expected, float(atol), float(rtol))
    if problem:
        _fail(name, problem, hint)
    shape = np.shape(got.detach().cpu().numpy() if hasattr(got, "detach") else got)
    print(f"✓ {name}: shape {tuple(shape)} and values match (max |error| {max_err:.2g})")


def _describe_case(case) -> str:
    parts = []
    for arg in case:
        shape = getattr(arg, "shape", None)
        if shape is not None and len(shape) > 0:
            parts.append(f"array of shape {tuple(shape)}")
        else:
            parts.append(repr(arg))
    return "(" + ", ".join(parts) + ")"


def check_function(fn, reference, cases, *, name, hint="", atol=1e-6) -> None:
    """Call ``fn(*case)`` and ``reference(*case)`` for every case and compare the results.

    Array results are compared with :func:`check_close`'s rules (shape first), other
    results exactly. The first failing case is reported with its arguments.

    Args:
        fn: the learner's function.
        reference: the reference implementation.
        cases: a non-empty sequence of argument tuples (a non-tuple is one argument).
        name: what is checked.
        hint: shown on failure.
        atol: absolute tolerance for arrays (``rtol`` is ``atol`` as well).

    Raises:
        AssertionError: the first case whose result differs, or in which ``fn`` raised.

    Example:
        >>> check_function(lambda a, b: a + b, np.add, [(1, 2), (np.ones(2), np.ones(2))],
        ...                name="add")
        ✓ add: all 2 cases match the reference
    """
    _check_name(name)
    _check_hint(hint)
    if not callable(fn):
        _fail(name, f"expected a function, got {type(fn).__name__}", hint)
    if not callable(reference):
        raise TypeError(f"reference must be callable, got {type(reference).__name__}")
    if isinstance(cases, str | bytes) or not hasattr(cases, "__len__") or len(cases) == 0:
        raise ValueError(f"cases must be a non-empty sequence of argument tuples, got {cases!r}")
    if not isinstance(atol, numbers.Real) or isinstance(atol, bool) or atol < 0:
        raise ValueError(f"atol must be a non-negative number, got atol={atol!r}")
    for number, case in enumerate(cases, start=1):
        args = case if isinstance(case, tuple) else (case,)
        expected = reference(*args)
        where = f"case {number} of {len(cases)}, arguments {_describe_case(args)}"
        try:
            got = fn(*args)
        except NotImplementedError:
            _fail(name, f"{where}: the function is not implemented yet "
                  "(it raised NotImplementedError)", hint)
        except Exception as exc:  # the learner's code failed: report it as the check's failure
            _fail(name, f"{where}: your function raised {type(exc).__name__}: {exc}", hint)
        if isinstance(expected, np.ndarray | np.generic) or hasattr(expected, "detach"):
            problem, _ = _array_problem(got, expected, float(atol), float(atol))
        else:
            problem = _value_problem(got, expected)
        if problem:
            _fail(name, f"{where}: {problem}", hint)
    print(f"✓ {name}: all {len(cases)} cases match the reference")


# ------------------------------------------------- shared by the "predict a table" checks


def _sorted_keys(keys) -> list:
    """Keys in sorted order; by ``repr`` when they cannot be compared (ints mixed with strs)."""
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=repr)


def _require_answer_keys(name: str, answers, keys, *, noun: str = "keys",
                         per: str = "key") -> None:
    """Fail unless ``answers`` is a dict with exactly ``keys`` (one answer ``per`` key).

    Args:
        name: what is checked (starts the failure message).
        answers: the learner's dict.
        keys: the expected keys, in the order the question lists them.
        noun: what the keys are called in the message ("keys", "letters").
        per: what one entry stands for, in the hint ("one int per {per}").
    """
    keys = list(keys)
    per_hint = f"one int per {per}"
    if not isinstance(answers, dict):
        shape = "{" + ", ".join(f"{key!r}: ..." for key in keys) + "}"
        _fail(name, f"expected a dict, got {type(answers).__name__}",
              f"write answers = {shape} with {per_hint}")
    missing = _sorted_keys(set(keys) - set(answers))
    extra = _sorted_keys(set(answers) - set(keys))
    if missing or extra:
        _fail(name, f"expected the {noun} {_sorted_keys(keys)}, missing {missing}, "
              f"unexpected {extra}", per_hint)


def _compare_answers(name: str, answers: dict, expected: dict, hints, *, where=str) -> None:
    """Fail at the first ``answers[key]`` that differs from ``expected[key]``.

    Keys are compared in ``expected``'s order; the failure is named
    ``"{name}, {where(key)}"`` and carries ``hints[key]`` (``hints`` a dict) or
    ``hints(key)`` (``hints`` a callable).
    """
    for key, value in expected.items():
        problem = _value_problem(answers[key], value)
        if problem:
            _fail(f"{name}, {where(key)}", problem,
                  hints(key) if callable(hints) else hints[key])


_SIZE_ABBREVIATIONS = {"input_size": "i", "kernel_size": "k", "stride": "s", "padding": "p",
                       "output_padding": "a", "dilation": "d"}


def _setting_label(letter: str, question: dict) -> str:
    """``"setting c (i=8, k=3, s=2, p=1, d=1)"`` for an output-size question."""
    settings = ", ".join(f"{_SIZE_ABBREVIATIONS[arg]}={value}"
                         for arg, value in question.items())
    return f"setting {letter} ({settings})"


def _random_arrays(seed: int):
    """``ints(*shape)`` (floats from -2 to 2) and ``normal(*shape)``, from one generator.

    The "implement it" checks build their test cases with these, so the cases are the same
    on every run.
    """
    rng = np.random.default_rng(seed)

    def ints(*shape):
        return rng.integers(-2, 3, size=shape).astype(float)

    def normal(*shape):
        return rng.standard_normal(shape)

    return ints, normal


# ---------------------------------------------------------------------- lesson 03


def check_conv3d_via_conv2d(fn) -> None:
    """Lesson 03, exercise 1: ``fn(x, w, stride, padding)``, a 3-D convolution from 2-D ones.

    ``x`` is ``(N, C_in, D, H, W)``, ``w`` is ``(C_out, C_in, kd, kh, kw)``, ``stride`` and
    ``padding`` are ints used on all three axes. The result is compared with
    :func:`convlessons.functional.conv3d` on several shapes, strides and paddings.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_conv3d_via_conv2d(
        ...     lambda x, w, s, p: functional.conv3d(x, w, stride=s, padding=p))
        ✓ conv3d_via_conv2d: all 5 cases match the reference
    """
    from convlessons import functional

    rng = np.random.default_rng(3)

    def case(x_shape, w_shape, stride, padding):
        return (rng.standard_normal(x_shape), rng.standard_normal(w_shape), stride, padding)

    cases = [
        case((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), 1, 0),
        case((2, 3, 6, 5, 7), (4, 3, 3, 3, 3), 1, 1),
        case((1, 2, 7, 7, 7), (3, 2, 3, 3, 3), 2, 0),
        case((1, 2, 8, 6, 5), (2, 2, 3, 2, 3), 2, 1),
        case((1, 1, 9, 6, 6), (2, 1, 2, 3, 1), 3, 2),
    ]

    def reference(x, w, stride, padding):
        return functional.conv3d(x, w, stride=stride, padding=padding)

    check_function(
        fn, reference, cases, name="conv3d_via_conv2d", atol=1e-8,
        hint="pad only the depth axis yourself; output slice d sums, over the kernel's depth "
             "index i, functional.conv2d(padded input slice stride*d + i, kernel slice i, "
             "stride=stride, padding=padding)",
    )


def check_conv3d_prediction(output_shape, params, macs, *, conv, input_shape) -> None:
    """Lesson 03, exercise 2: predicted output shape, parameters and MACs of an ``nn.Conv3d``.

    The truth is computed from the layer's own settings with :mod:`convlessons.shapes`
    and :mod:`convlessons.cost` (the layer is not run).

    Args:
        output_shape: predicted ``(N, C_out, D', H', W')``.
        params: predicted number of parameters (weights and bias).
        macs: predicted multiply-adds for one sample (one clip) of the batch.
        conv: the ``torch.nn.Conv3d`` layer.
        input_shape: ``(N, C_in, D, H, W)`` fed to the layer.

    Raises:
        AssertionError: the first wrong prediction, expected vs got, with a hint.
        TypeError, ValueError: ``conv`` or ``input_shape`` themselves are invalid.

    Example:
        >>> import torch
        >>> layer = torch.nn.Conv3d(1, 2, 3)
        >>> check_conv3d_prediction((1, 2, 2, 2, 2), 56, 432, conv=layer,
        ...                         input_shape=(1, 1, 4, 4, 4))
        ✓ Conv3d prediction: output shape (1, 2, 2, 2, 2), 56 parameters, 432 multiply-adds
    """
    import torch

    from convlessons import cost, shapes

    if not isinstance(conv, torch.nn.Conv3d):
        raise TypeError(f"conv must be a torch.nn.Conv3d, got conv={conv!r}")
    if (
        not isinstance(input_shape, tuple | list)
        or len(input_shape) != 5
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
                   for v in input_shape)
    ):
        raise ValueError(f"input_shape must be a tuple (N, C, D, H, W) of 5 positive ints, "
                         f"got input_shape={input_shape!r}")
    if input_shape[1] != conv.in_channels:
        raise ValueError(f"input_shape has {input_shape[1]} channels but conv expects "
                         f"{conv.in_channels}, got input_shape={input_shape!r}")
    spatial = shapes.conv_output_size(tuple(input_shape[2:]), conv.kernel_size, conv.stride,
                                      conv.padding, conv.dilation)
    truth = [
        ("output shape", output_shape, (input_shape[0], conv.out_channels, *spatial),
         "apply ⌊(n + 2p − k)/s⌋ + 1 to depth, height and width separately; "
         "N stays, C becomes the number of filters"),
        ("parameters", params, cost.count_params(conv),
         "each filter has C_in·kd·kh·kw weights, and each filter has one bias"),
        ("multiply-adds (one sample)", macs,
         cost.conv_macs(conv.in_channels, conv.out_channels, conv.kernel_size, spatial,
                        conv.groups),
         "one multiply-add per weight (without bias) per output voxel, for one clip"),
    ]
    for what, got, expected, hint in truth:
        problem = _value_problem(got, expected)
        if problem:
            _fail(f"Conv3d prediction, {what}", problem, hint)
    print(f"✓ Conv3d prediction: output shape {_plain(output_shape)}, {truth[1][2]:,} "
          f"parameters, {truth[2][2]:,} multiply-adds")


# ---------------------------------------------------------------------- lesson 02


def check_corr2d(fn) -> None:
    """Lesson 02, exercise 1: ``fn(x, k, stride, padding)``, single-channel correlation.

    ``x`` is a 2-D array ``(H, W)``, ``k`` a 2-D kernel ``(kh, kw)``, ``stride`` and
    ``padding`` ints used on both axes (padding per side). The result (a 2-D array) is
    compared with :func:`convlessons.functional.conv2d` on hand-sized integer cases, a
    non-square one, and strides that do not divide.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_corr2d(lambda x, k, s, p: functional.conv2d(
        ...     x[None, None], k[None, None], stride=s, padding=p)[0, 0])
        ✓ corr2d: all 6 cases match the reference
    """
    from convlessons import functional

    rng = np.random.default_rng(2)
    x5 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3],
                   [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=float)
    k3 = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=float)
    cases = [
        (x5, k3, 1, 0),
        (x5, k3, 1, 1),
        (x5, k3, 2, 0),
        (x5, k3, 2, 1),
        (rng.standard_normal((6, 8)), rng.standard_normal((2, 3)), 2, 1),
        (rng.standard_normal((7, 7)), rng.standard_normal((3, 3)), 3, 2),
    ]

    def reference(x, k, stride, padding):
        return functional.conv2d(x[None, None], k[None, None], stride=stride, padding=padding)[0, 0]

    check_function(
        fn, reference, cases, name="corr2d", atol=1e-9,
        hint="pad first (np.pad(x, padding)); the output has (H + 2p - kh) // s + 1 rows; "
             "output[u, v] is the sum of k times the window starting at (u*s, v*s) of the "
             "padded input; do not flip the kernel",
    )


#: Lesson 02, exercise 2: the settings whose output size the learner predicts.
CONV2D_SIZE_QUESTIONS = {
    "a": {"input_size": 7, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 1},
    "b": {"input_size": 7, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1},
    "c": {"input_size": 8, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1},
    "d": {"input_size": 32, "kernel_size": 5, "stride": 1, "padding": 2, "dilation": 1},
    "e": {"input_size": 9, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 2},
    "f": {"input_size": 6, "kernel_size": 4, "stride": 3, "padding": 1, "dilation": 1},
}


def check_conv2d_output_sizes(answers) -> None:
    """Lesson 02, exercise 2: predicted output sizes for :data:`CONV2D_SIZE_QUESTIONS`.

    Args:
        answers: dict mapping each setting's letter (``"a"`` ... ``"f"``) to the predicted
            output size (one int: the side of a square output).

    Raises:
        AssertionError: a missing or extra letter, or the first wrong prediction with
            expected vs got and a hint matched to the setting.

    Example:
        >>> check_conv2d_output_sizes({"a": 5, "b": 4, "c": 4, "d": 32, "e": 5, "f": 2})
        ✓ conv2d output sizes: all 6 predictions are correct
    """
    from convlessons import shapes

    name = "conv2d output sizes"
    questions = CONV2D_SIZE_QUESTIONS
    _require_answer_keys(name, answers, questions, noun="letters", per="setting")

    def hint(letter):
        i, k, s, p, d = (questions[letter][a] for a in ("input_size", "kernel_size", "stride",
                                                        "padding", "dilation"))
        if d > 1:
            return f"a dilated kernel spans d(k-1)+1 = {d * (k - 1) + 1} cells"
        if (i + 2 * p - k) % s:
            return (f"i + 2p - k = {i + 2 * p - k} is not a multiple of s = {s}: "
                    "round the division down (floor), then add 1")
        return "o = (i + 2p - d(k-1) - 1) // s + 1, with p counted on each side"

    expected = {letter: shapes.conv_output_size(**q) for letter, q in questions.items()}
    _compare_answers(name, answers, expected, hint,
                     where=lambda letter: _setting_label(letter, questions[letter]))
    print(f"✓ {name}: all {len(questions)} predictions are correct")


# ---------------------------------------------------------------------- lesson 01


def check_correlate_valid(fn) -> None:
    """Lesson 01, exercise 1: ``fn(x, k)``, the 'valid' 1-D cross-correlation.

    ``x`` and ``k`` are 1-D float arrays with ``len(k) <= len(x)``; the result must equal
    ``convlessons.signal.correlate(x, k, mode="valid")`` (no flip, ``len(x) - len(k) + 1``
    samples). Cases: the lesson's worked example, a difference kernel, random signals, a
    kernel as long as the signal and a one-tap kernel.

    Raises:
        AssertionError: the first case that differs (or in which ``fn`` raised).

    Example:
        >>> check_correlate_valid(lambda x, k: np.correlate(x, k, mode="valid"))
        ✓ correlate_valid: all 5 cases match the reference
    """
    from convlessons import signal

    rng = np.random.default_rng(2024)
    cases = [
        (np.array([2.0, 1.0, 3.0, 0.0, 1.0]), np.array([1.0, 2.0, 3.0])),  # worked example
        (np.arange(6.0), np.array([1.0, -1.0])),
        (rng.standard_normal(17), rng.standard_normal(5)),
        (rng.standard_normal(4), rng.standard_normal(4)),  # kernel as long as the signal
        (rng.standard_normal(7), rng.standard_normal(1)),
    ]

    def reference(x, k):
        return np.asarray(signal.correlate(x, k, mode="valid"), dtype=float)

    check_function(
        fn,
        reference,
        cases,
        name="correlate_valid",
        hint="slide k along x without flipping it: output i is the dot product of k with "
        "x[i : i + len(k)], for the len(x) - len(k) + 1 positions where k fits",
        atol=1e-9,
    )


_MODE_HINTS = {
    "full": "every position where kernel and signal overlap at all: the kernel may hang "
    "off each end of the signal by m - 1 samples",
    "same": "'same' keeps as many samples as the first input (the signal)",
    "valid": "count the positions where the whole kernel fits inside the signal",
}


def check_mode_lengths(answers, *, n, m) -> None:
    """Lesson 01, exercise 2: predicted output lengths of the three modes.

    Args:
        answers: the learner's ``{"full": ..., "same": ..., "valid": ...}``.
        n: signal length (positive int).
        m: kernel length (positive int, at most ``n``).

    Raises:
        AssertionError: a missing mode or a wrong length, with the expected value and a
            hint (the learner's mistake).
        TypeError, ValueError: bad ``n`` or ``m`` (the exercise's author's mistake).

    Example:
        >>> check_mode_lengths({"full": 7, "same": 5, "valid": 3}, n=5, m=3)
        ✓ output lengths for n=5, m=3: full 7, same 5, valid 3 are correct
    """
    for arg, value in (("n", n), ("m", m)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{arg} must be a positive int, got {arg}={value!r}")
        if value < 1:
            raise ValueError(f"{arg} must be a positive int, got {arg}={value!r}")
    if m > n:
        raise ValueError(f"m must be at most n (the kernel fits in the signal), got n={n}, m={m}")
    expected = {"full": n + m - 1, "same": n, "valid": n - m + 1}
    label = f"output lengths for n={n}, m={m}"
    if not isinstance(answers, dict):
        _fail(label, "expected a dict like {'full': ..., 'same': ..., 'valid': ...}, got "
              f"{answers!r} (a {type(answers).__name__})", "")
    missing = [mode for mode in expected if mode not in answers]
    if missing:
        _fail(label, f"the dict has no entry for {', '.join(repr(k) for k in missing)}",
              "give one length per mode: 'full', 'same' and 'valid'")
    _compare_answers(label, answers, expected, _MODE_HINTS, where=lambda mode: f"mode '{mode}'")
    shown = ", ".join(f"{mode} {want}" for mode, want in expected.items())
    print(f"✓ {label}: {shown} are correct")


# ---------------------------------------------------------------------- lesson 04


def check_conv1x1(fn) -> None:
    """Lesson 04, exercise 1: ``fn(x, weight, bias, stride)``, a 1x1 convolution.

    ``x`` is ``(N, C_in, H, W)``, ``weight`` is ``(C_out, C_in, 1, 1)`` (torch's layout),
    ``bias`` is ``(C_out,)`` or ``None`` and ``stride`` a positive int used on both axes.
    The result ``(N, C_out, H', W')`` is compared with
    :func:`convlessons.functional.conv2d` on a hand-checkable integer case and random
    ones, with and without bias, at strides 1 to 3.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_conv1x1(lambda x, w, b, s: functional.conv2d(x, w, b, stride=s))
        ✓ conv1x1: all 6 cases match the reference
    """
    from convlessons import functional

    rng = np.random.default_rng(4)

    def case(x_shape, c_out, stride, bias=True):
        w = rng.standard_normal((c_out, x_shape[1], 1, 1))
        b = rng.standard_normal(c_out) if bias else None
        return (rng.standard_normal(x_shape), w, b, stride)

    hand = (np.arange(8, dtype=float).reshape(1, 2, 2, 2),
            np.array([[1.0, 1.0], [2.0, -1.0], [0.0, 3.0]]).reshape(3, 2, 1, 1),
            None, 1)
    cases = [
        hand,
        case((1, 3, 4, 4), 2, 1, bias=False),
        case((2, 4, 5, 3), 6, 1),
        case((1, 8, 6, 6), 2, 2),
        case((3, 2, 7, 5), 5, 3),
        case((1, 1, 1, 1), 1, 1),
    ]

    def reference(x, w, b, stride):
        return functional.conv2d(x, w, b, stride=stride)

    check_function(
        fn, reference, cases, name="conv1x1", atol=1e-8,
        hint="keep every stride-th pixel (x[:, :, ::stride, ::stride]), then mix channels at "
             "each pixel: np.einsum('oc,nchw->nohw', weight[:, :, 0, 0], x), and add "
             "bias[None, :, None, None] when bias is not None",
    )


#: Keys :func:`check_bottleneck_prediction` expects in its ``answers`` dict.
BOTTLENECK_KEYS = ("direct_params", "direct_macs", "bottleneck_params", "bottleneck_macs")

_BOTTLENECK_HINTS = {
    "direct_params": "one weight per (output channel, input channel, kernel row, kernel "
                     "column): C_out·C_in·k·k, no bias",
    "direct_macs": "one multiply-add per weight per output pixel: H·W·C_out·C_in·k·k",
    "bottleneck_params": "add the 1x1 layer's C_in·b weights and the k x k layer's b·C_out·k·k",
    "bottleneck_macs": "each layer costs its weights times the H·W output pixels: "
                       "H·W·b·C_in + H·W·C_out·k·k·b",
}


def check_bottleneck_prediction(answers, *, in_channels, bottleneck_channels, out_channels,
                                kernel_size, size) -> None:
    """Lesson 04, exercise 2: parameters and MACs of a k x k conv, direct and after a 1x1.

    Both paths use stride 1 and "same" padding; parameters are weights only (no bias);
    multiply-adds are for one sample. The truth comes from
    :func:`convlessons.cost.bottleneck_cost`.

    Args:
        answers: dict with the four keys of :data:`BOTTLENECK_KEYS`, each an int.
        in_channels, bottleneck_channels, out_channels, kernel_size, size: the setting.

    Raises:
        AssertionError: a missing key or the first wrong number, expected vs got, a hint.

    Example:
        >>> check_bottleneck_prediction(
        ...     {"direct_params": 1800, "direct_macs": 28800, "bottleneck_params": 466,
        ...      "bottleneck_macs": 7456},
        ...     in_channels=8, bottleneck_channels=2, out_channels=25, kernel_size=3, size=4)
        ✓ bottleneck prediction: 1,800 vs 466 parameters, 28,800 vs 7,456 multiply-adds
    """
    from convlessons import cost

    truth = cost.bottleneck_cost(in_channels, bottleneck_channels, out_channels, kernel_size,
                                 size)
    expected = {"direct_params": truth.direct_params, "direct_macs": truth.direct_macs,
                "bottleneck_params": truth.bottleneck_params,
                "bottleneck_macs": truth.bottleneck_macs}
    label = "bottleneck prediction"
    if not isinstance(answers, dict):
        _fail(label, f"expected a dict with keys {list(BOTTLENECK_KEYS)}, got "
              f"{type(answers).__name__}", "")
    missing = [key for key in BOTTLENECK_KEYS if key not in answers]
    if missing:
        _fail(label, f"answers is missing {missing}; it needs {list(BOTTLENECK_KEYS)}", "")
    _compare_answers(label, answers, expected, _BOTTLENECK_HINTS)
    print(f"✓ {label}: {expected['direct_params']:,} vs {expected['bottleneck_params']:,} "
          f"parameters, {expected['direct_macs']:,} vs {expected['bottleneck_macs']:,} "
          "multiply-adds")


# ---------------------------------------------------------------------- lesson 08


def check_depthwise_separable(fn) -> None:
    """Lesson 08, exercise 1: ``fn(x, depthwise_weight, pointwise_weight, stride, padding)``.

    ``x`` is ``(N, C, H, W)``, ``depthwise_weight`` is ``(C, 1, k, k)`` (one kernel per
    channel), ``pointwise_weight`` is ``(C_out, C, 1, 1)``; ``stride`` and ``padding``
    are ints and belong to the depthwise step. The result is compared with
    :func:`convlessons.functional.depthwise_separable_conv2d` on an integer case, the
    lesson's 7×7×3 → 5×5×128 shape, a stride and a padding, and non-square kernels.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_depthwise_separable(lambda x, d, p, s, pad: functional.conv2d(
        ...     functional.conv2d(x, d, stride=s, padding=pad, groups=x.shape[1]), p))
        ✓ depthwise_separable: all 5 cases match the reference
    """
    from convlessons import functional

    ints, normal = _random_arrays(8)

    cases = [
        (ints(1, 2, 4, 4), ints(2, 1, 2, 2), ints(3, 2, 1, 1), 1, 0),
        (normal(1, 3, 7, 7), normal(3, 1, 3, 3), normal(128, 3, 1, 1), 1, 0),
        (normal(2, 4, 9, 8), normal(4, 1, 3, 3), normal(6, 4, 1, 1), 2, 1),
        (normal(1, 5, 6, 6), normal(5, 1, 3, 3), normal(2, 5, 1, 1), 1, 1),
        (normal(2, 3, 8, 7), normal(3, 1, 2, 3), normal(4, 3, 1, 1), 3, 2),
    ]

    def reference(x, depthwise_weight, pointwise_weight, stride, padding):
        return functional.depthwise_separable_conv2d(
            x, depthwise_weight, pointwise_weight, stride=stride, padding=padding)

    check_function(
        fn, reference, cases, name="depthwise_separable", atol=1e-8,
        hint="two calls: functional.conv2d(x, depthwise_weight, stride=stride, "
             "padding=padding, groups=C) with C = x.shape[1] channels, then "
             "functional.conv2d(that, pointwise_weight) (1x1: no stride, no padding)",
    )


#: Lesson 08, exercise 2: the layer whose multiplications the learner predicts
#: (stride 1, no padding, biases not counted).
DEPTHWISE_COST_QUESTION = {"input_size": 16, "in_channels": 32, "out_channels": 64,
                           "kernel_size": 5}

_DEPTHWISE_COST_HINTS = {
    "standard": "one multiply per weight per output position: C_out · k · k · C_in · o · o, "
                "with o = input − k + 1",
    "depthwise": "C_in kernels of k × k × 1, each at every one of the o · o positions",
    "pointwise": "C_out filters of 1 × 1 × C_in, each at every one of the o · o positions",
}


def check_depthwise_separable_costs(answers) -> None:
    """Lesson 08, exercise 2: multiplications of :data:`DEPTHWISE_COST_QUESTION`'s layer.

    Args:
        answers: dict with the predicted multiplications (ints) of the ``"standard"``
            layer, and of the ``"depthwise"`` and ``"pointwise"`` steps of its
            depthwise separable replacement, for one input image.

    Raises:
        AssertionError: a missing or extra key, or the first wrong number, expected vs
            got, with a hint.

    Example:
        >>> check_depthwise_separable_costs(
        ...     {"standard": 7372800, "depthwise": 115200, "pointwise": 294912})
        ✓ depthwise separable costs: 115,200 + 294,912 = 410,112 vs 7,372,800 (0.0556)
    """
    from convlessons import cost

    name = "depthwise separable costs"
    q = DEPTHWISE_COST_QUESTION
    _require_answer_keys(name, answers, _DEPTHWISE_COST_HINTS)
    c, n, k = q["in_channels"], q["out_channels"], q["kernel_size"]
    o = q["input_size"] - k + 1
    expected = {
        "standard": cost.conv_macs(c, n, k, o),
        "depthwise": cost.conv_macs(c, c, k, o, groups=c),
        "pointwise": cost.conv_macs(c, n, 1, o),
    }
    _compare_answers(name, answers, expected, _DEPTHWISE_COST_HINTS)
    total = expected["depthwise"] + expected["pointwise"]
    print(f"✓ {name}: {expected['depthwise']:,} + {expected['pointwise']:,} = {total:,} vs "
          f"{expected['standard']:,} ({total / expected['standard']:.4f})")


# ---------------------------------------------------------------------- lesson 05


def check_transpose_by_zero_insertion(fn) -> None:
    """Lesson 05, exercise 1: ``fn(x, k, stride, padding)``, the zero-insertion recipe.

    ``x`` is a 2-D array ``(H, W)``, ``k`` a 2-D kernel ``(kh, kw)``, ``stride`` and
    ``padding`` ints used on both axes, with ``padding <= min(kh, kw) - 1``. The result
    (a 2-D array) is compared with :func:`convlessons.functional.conv_transpose2d` on a
    hand-sized integer case, strides 1 to 3, paddings 0 to 2, and non-square shapes.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_transpose_by_zero_insertion(lambda x, k, s, p: functional.conv_transpose2d(
        ...     x[None, None], k[None, None], stride=s, padding=p)[0, 0])
        ✓ transposed convolution by zero insertion: all 6 cases match the reference
    """
    from convlessons import functional

    rng = np.random.default_rng(5)
    x2 = np.array([[2, 1], [1, 3]], dtype=float)
    k3 = np.arange(1, 10, dtype=float).reshape(3, 3)
    cases = [
        (x2, k3, 1, 0),
        (x2, k3, 2, 0),
        (x2, k3, 2, 1),
        (rng.standard_normal((3, 4)), rng.standard_normal((3, 3)), 2, 1),
        (rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), 3, 1),
        (rng.standard_normal((3, 3)), rng.standard_normal((4, 4)), 2, 2),
    ]

    def reference(x, k, stride, padding):
        return functional.conv_transpose2d(x[None, None], k[None, None], stride=stride,
                                           padding=padding)[0, 0]

    check_function(
        fn, reference, cases, name="transposed convolution by zero insertion", atol=1e-9,
        hint="put stride - 1 zeros between input samples (size (H - 1) * s + 1), pad each "
             "side with k - 1 - padding zeros (per axis: kh - 1 - p rows, kw - 1 - p "
             "columns), then slide the kernel flipped in both axes (k[::-1, ::-1]) with "
             "stride 1 and no further padding",
    )


#: Lesson 05, exercise 2: the transposed convolutions whose output size is predicted.
TRANSPOSE_SIZE_QUESTIONS = {
    "a": {"input_size": 2, "kernel_size": 3, "stride": 1, "padding": 0, "output_padding": 0,
          "dilation": 1},
    "b": {"input_size": 4, "kernel_size": 4, "stride": 2, "padding": 1, "output_padding": 0,
          "dilation": 1},
    "c": {"input_size": 4, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 0,
          "dilation": 1},
    "d": {"input_size": 4, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1,
          "dilation": 1},
    "e": {"input_size": 7, "kernel_size": 3, "stride": 1, "padding": 1, "output_padding": 0,
          "dilation": 1},
    "f": {"input_size": 3, "kernel_size": 3, "stride": 2, "padding": 0, "output_padding": 0,
          "dilation": 2},
    "g": {"input_size": 5, "kernel_size": 5, "stride": 3, "padding": 2, "output_padding": 2,
          "dilation": 1},
}


def check_transpose_output_sizes(answers) -> None:
    """Lesson 05, exercise 2: predicted output sizes for :data:`TRANSPOSE_SIZE_QUESTIONS`.

    Args:
        answers: dict mapping each setting's letter (``"a"`` ... ``"g"``) to the predicted
            output size (one int: the side of a square output).

    Raises:
        AssertionError: a missing or extra letter, or the first wrong prediction with
            expected vs got and a hint matched to the setting.

    Example:
        >>> check_transpose_output_sizes(
        ...     {"a": 4, "b": 8, "c": 7, "d": 8, "e": 7, "f": 9, "g": 15})
        ✓ transposed output sizes: all 7 predictions are correct
    """
    from convlessons import shapes

    name = "transposed output sizes"
    questions = TRANSPOSE_SIZE_QUESTIONS
    _require_answer_keys(name, answers, questions, noun="letters", per="setting")

    def hint(letter):
        q = questions[letter]
        if q["dilation"] > 1:
            k, d = q["kernel_size"], q["dilation"]
            return f"the dilated kernel spans d(k-1)+1 = {d * (k - 1) + 1} cells"
        if q["output_padding"]:
            return "output_padding adds a rows/columns at the end: + a"
        if q["padding"]:
            return "padding removes p cells from each border of the output: - 2p"
        return "o = (i - 1)s - 2p + d(k - 1) + a + 1"

    expected = {letter: shapes.conv_transpose_output_size(**q) for letter, q in questions.items()}
    _compare_answers(name, answers, expected, hint,
                     where=lambda letter: _setting_label(letter, questions[letter]))
    print(f"✓ {name}: all {len(questions)} predictions are correct")


# ---------------------------------------------------------------------- lesson 06


def check_dilated_conv1d(fn) -> None:
    """Lesson 06, exercise 1: ``fn(x, w, dilation)``, a dilated 1-D correlation.

    ``x`` is a 1-D array ``(L,)``, ``w`` a 1-D kernel ``(k,)``, ``dilation`` a positive
    int; no padding, stride 1, no kernel flip. The result (a 1-D array of length
    ``L - dilation (k - 1)``) is compared with :func:`convlessons.functional.conv1d` on a
    hand-sized integer case, dilation 1 (a plain correlation), a kernel that spans the
    whole input, and random cases.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_dilated_conv1d(lambda x, w, d: functional.conv1d(
        ...     x[None, None], w[None, None], dilation=d)[0, 0])
        ✓ dilated conv1d: all 6 cases match the reference
    """
    from convlessons import functional

    rng = np.random.default_rng(6)
    x8 = np.array([1, 2, 0, 3, 1, 0, 2, 1], dtype=float)
    cases = [
        (x8, np.array([1.0, 0.0, -1.0]), 2),
        (x8, np.array([1.0, 0.0, -1.0]), 1),
        (x8, np.array([2.0, 1.0]), 7),
        (x8, np.array([1.0, 2.0, 3.0]), 3),
        (rng.standard_normal(20), rng.standard_normal(4), 5),
        (rng.standard_normal(13), rng.standard_normal(3), 1),
    ]

    def reference(x, w, dilation):
        return functional.conv1d(x[None, None], w[None, None], dilation=dilation)[0, 0]

    check_function(
        fn, reference, cases, name="dilated conv1d", atol=1e-9,
        hint="the kernel spans d(k-1)+1 samples, so there are L - d(k-1) outputs; "
             "output[i] = sum over j of w[j] * x[i + j*d]; do not flip the kernel",
    )


#: Lesson 06, exercise 2: the stacks whose receptive field the learner predicts
#: (stride 1 everywhere; one kernel size and one dilation per layer).
RECEPTIVE_FIELD_QUESTIONS = {
    "a": {"kernel_sizes": [3, 3, 3], "dilations": [1, 1, 1]},
    "b": {"kernel_sizes": [3, 3], "dilations": [2, 2]},
    "c": {"kernel_sizes": [3, 3, 3, 3], "dilations": [1, 2, 4, 8]},
    "d": {"kernel_sizes": [3, 3, 3], "dilations": [1, 2, 5]},
    "e": {"kernel_sizes": [2, 2, 2, 2], "dilations": [1, 2, 4, 8]},
    "f": {"kernel_sizes": [5, 3], "dilations": [1, 3]},
}


def check_receptive_field_predictions(answers) -> None:
    """Lesson 06, exercise 2: predicted receptive fields of :data:`RECEPTIVE_FIELD_QUESTIONS`.

    Args:
        answers: dict mapping each stack's letter (``"a"`` ... ``"f"``) to the predicted
            receptive field (one int: the side, in input pixels).

    Raises:
        AssertionError: a missing or extra letter, or the first wrong prediction with
            expected vs got and a hint.

    Example:
        >>> check_receptive_field_predictions(
        ...     {"a": 7, "b": 9, "c": 31, "d": 17, "e": 16, "f": 11})
        ✓ receptive fields: all 6 predictions are correct
    """
    from convlessons import shapes

    name = "receptive fields"
    questions = RECEPTIVE_FIELD_QUESTIONS
    _require_answer_keys(name, answers, questions, noun="letters", per="stack")

    def where(letter):
        q = questions[letter]
        return f"stack {letter} (kernel sizes {q['kernel_sizes']}, dilations {q['dilations']})"

    def hint(letter):
        q = questions[letter]
        terms = " + ".join(f"{d}·{k - 1}" for k, d in
                           zip(q["kernel_sizes"], q["dilations"], strict=True))
        return (f"each layer adds d·(k − 1) pixels to the field: 1 + {terms}; a single "
                "layer does not multiply the field, it adds to it")

    expected = {letter: shapes.receptive_field(q["kernel_sizes"], dilations=q["dilations"])
                for letter, q in questions.items()}
    _compare_answers(name, answers, expected, hint, where=where)
    print(f"✓ {name}: all {len(questions)} predictions are correct")


# ---------------------------------------------------------------------- lesson 07


def check_separable_blur(fn) -> None:
    """Lesson 07, exercise 1: ``fn(image, column, row)``, a separable filter as two 1-D passes.

    ``image`` is a 2-D array ``(H, W)``, ``column`` has ``kh`` taps and ``row`` ``kw``
    taps; the result must be the 'valid' cross-correlation of ``image`` with
    ``np.outer(column, row)``, of shape ``(H - kh + 1, W - kw + 1)``. It is compared with
    :func:`convlessons.functional.conv2d` run with that outer product, on Gaussian blurs,
    a Sobel filter, non-square kernels and non-square images.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_separable_blur(lambda x, c, r: functional.spatially_separable_conv2d(
        ...     x[None, None], c, r)[0, 0])
        ✓ separable blur: all 5 cases match the reference
    """
    from convlessons import filters, functional

    rng = np.random.default_rng(7)
    cases = [
        (rng.standard_normal((6, 6)), filters.gaussian1d(3, 1.0), filters.gaussian1d(3, 1.0)),
        (rng.standard_normal((12, 9)), filters.gaussian1d(5, 1.5), filters.gaussian1d(5, 1.5)),
        (rng.integers(0, 5, (5, 5)).astype(float), np.array(filters.SMOOTHING_1D),
         np.array(filters.DERIVATIVE_1D)),
        (rng.standard_normal((7, 10)), rng.standard_normal(2), rng.standard_normal(4)),
        (rng.standard_normal((4, 8)), rng.standard_normal(4), rng.standard_normal(1)),
    ]

    def reference(image, column, row):
        return functional.conv2d(image[None, None], np.outer(column, row)[None, None])[0, 0]

    check_function(
        fn, reference, cases, name="separable blur", atol=1e-9,
        hint="first slide the column down every column of the image (output "
             "(H - kh + 1) × W), then slide the row along every row of that intermediate "
             "(output (H - kh + 1) × (W - kw + 1)); no kernel flip, no padding",
    )


#: Lesson 07, exercise 2: the keys the learner fills in, in the order of the question.
SEPARABLE_MULT_KEYS = ("standard", "column_pass", "row_pass", "separable")


def check_separable_mults(answers, *, n=7, m=3) -> None:
    """Lesson 07, exercise 2: predicted multiplication counts on an ``n × n`` image.

    The truth is what the loop code does (stride 1, no padding), as given by
    :func:`convlessons.cost.standard_mults` and :func:`convlessons.cost.separable_mults`:
    ``standard = (n - m + 1)² m²``, ``column_pass = n (n - m + 1) m``,
    ``row_pass = (n - m + 1)² m`` and ``separable = column_pass + row_pass``.

    Args:
        answers: dict with the keys of :data:`SEPARABLE_MULT_KEYS`, one int each.
        n: image side (positive int).
        m: kernel side (positive int, at most ``n``).

    Raises:
        AssertionError: a missing key or the first wrong count, expected vs got, and a hint.
        TypeError, ValueError: ``n`` or ``m`` themselves are invalid.

    Example:
        >>> check_separable_mults({"standard": 81, "column_pass": 45, "row_pass": 27,
        ...                        "separable": 72}, n=5, m=3)
        ✓ separable multiplications (N=5, m=3): standard 81, separable 45 + 27 = 72
    """
    from convlessons import cost

    standard = cost.standard_mults(n, m)  # validates n and m
    o = n - m + 1
    expected = {"standard": standard, "column_pass": n * o * m, "row_pass": o * o * m,
                "separable": cost.separable_mults(n, m)}
    hints = {
        "standard": f"the {m}×{m} kernel stops at ({n} − {m} + 1)² positions and multiplies "
                    f"{m}·{m} pairs at each",
        "column_pass": f"the {m}×1 column fits ({n} − {m} + 1) times down each of the {n} "
                       f"columns, {m} multiplications each",
        "row_pass": f"the intermediate is {o}×{n}; the 1×{m} row fits {o} times along each "
                    f"of its {o} rows, {m} each",
        "separable": "add the two passes",
    }
    name = f"separable multiplications (N={n}, m={m})"
    if not isinstance(answers, dict):
        _fail(name, f"expected a dict with the keys {list(SEPARABLE_MULT_KEYS)}, got "
              f"{type(answers).__name__}", "answers = {'standard': ..., 'column_pass': ..., "
              "'row_pass': ..., 'separable': ...}")
    missing = [key for key in SEPARABLE_MULT_KEYS if key not in answers]
    if missing:
        _fail(name, f"missing the key(s) {missing}", f"fill in all of {list(SEPARABLE_MULT_KEYS)}")
    _compare_answers(name, answers, expected, hints)
    print(f"✓ {name}: standard {standard:,}, separable {expected['column_pass']:,} + "
          f"{expected['row_pass']:,} = {expected['separable']:,}")


# ---------------------------------------------------------------------- lesson 09


def check_rank1_kernel(fn) -> None:
    """Lesson 09, exercise 1: ``fn(lateral, vertical, horizontal)`` builds the 3-D kernels.

    ``lateral`` is ``(C_out, C_in)``, ``vertical`` ``(C_out, kh)``, ``horizontal``
    ``(C_out, kw)``; the result must be the ``(C_out, C_in, kh, kw)`` array
    ``W[o, c, i, j] = lateral[o, c] * vertical[o, i] * horizontal[o, j]``, compared with
    :func:`convlessons.functional.rank1_kernel` on an integer case, one filter, a
    non-square kernel and random filter banks.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> check_rank1_kernel(lambda a, b, c: np.einsum("oc,oi,oj->ocij", a, b, c))
        ✓ rank1_kernel: all 5 cases match the reference
    """
    from convlessons import functional

    ints, normal = _random_arrays(9)

    cases = [
        (np.array([[1.0, -1.0, 2.0]]), np.array([[1.0, 2.0, 1.0]]), np.array([[-1.0, 0.0, 1.0]])),
        (ints(2, 3), ints(2, 3), ints(2, 3)),
        (ints(4, 2), ints(4, 5), ints(4, 1)),
        (normal(3, 8), normal(3, 3), normal(3, 5)),
        (normal(6, 1), normal(6, 7), normal(6, 7)),
    ]
    check_function(
        fn, functional.rank1_kernel, cases, name="rank1_kernel", atol=1e-10,
        hint="one einsum: np.einsum('oc,oi,oj->ocij', lateral, vertical, horizontal); the "
             "letter o is shared by all three (one set of vectors per filter), so it is "
             "not summed",
    )


#: Lesson 09, exercise 2: the layer whose cost the learner predicts (square kernel,
#: "same" padding, stride 1, biases not counted, one input image).
FLATTENED_COST_QUESTION = {"in_channels": 64, "out_channels": 128, "kernel_size": 3,
                           "input_size": 16, "padding": 1}

_FLATTENED_COST_HINTS = {
    "standard_weights": "C_out filters of C_in × k × k weights",
    "flattened_weights": "each of the C_out filters keeps three vectors: C_in + k + k weights",
    "standard_macs": "one multiply per weight at each of the H · W output positions",
    "flattened_macs": "three passes over H · W positions for each of the C_out maps: the "
                      "lateral pass costs C_in per value, the vertical k, the horizontal k",
}


def check_flattened_costs(answers) -> None:
    """Lesson 09, exercise 2: weights and multiply-adds of :data:`FLATTENED_COST_QUESTION`.

    Args:
        answers: dict of ints with the keys ``"standard_weights"``, ``"flattened_weights"``,
            ``"standard_macs"`` and ``"flattened_macs"``: an ordinary convolution layer and
            its flattened replacement (biases not counted; multiply-adds for one image).

    Raises:
        AssertionError: a missing or extra key, or the first wrong number, expected vs
            got, with a hint.

    Example:
        >>> check_flattened_costs({"standard_weights": 73728, "flattened_weights": 8960,
        ...                        "standard_macs": 18874368, "flattened_macs": 2293760})
        ... # doctest: +ELLIPSIS
        ✓ flattened costs: 73,728 vs 8,960 weights (8.2× fewer), 18,874,368 vs ...
    """
    from convlessons import cost

    name = "flattened costs"
    q = FLATTENED_COST_QUESTION
    _require_answer_keys(name, answers, _FLATTENED_COST_HINTS)
    c, n, k, hw, p = (q["in_channels"], q["out_channels"], q["kernel_size"], q["input_size"],
                      q["padding"])
    expected = {
        "standard_weights": cost.conv_params(c, n, k, bias=False),
        "flattened_weights": cost.flattened_params(c, n, k, bias=False),
        "standard_macs": cost.conv_macs(c, n, k, hw + 2 * p - k + 1),
        "flattened_macs": cost.flattened_macs(c, n, k, hw, padding=p),
    }
    _compare_answers(name, answers, expected, _FLATTENED_COST_HINTS)
    e = expected
    print(f"✓ {name}: {e['standard_weights']:,} vs {e['flattened_weights']:,} weights "
          f"({e['standard_weights'] / e['flattened_weights']:.1f}× fewer), "
          f"{e['standard_macs']:,} vs {e['flattened_macs']:,} multiply-adds "
          f"({e['standard_macs'] / e['flattened_macs']:.1f}× fewer)")


# ---------------------------------------------------------------------- lesson 10


def check_grouped_conv(fn) -> None:
    """Lesson 10, exercise 1: ``fn(x, weight, groups)`` computes a grouped convolution.

    ``x`` is ``(N, C_in, H, W)`` and ``weight`` is ``(C_out, C_in / groups, kH, kW)``;
    stride 1, no padding, no bias. The result is compared with
    :func:`convlessons.functional.conv2d` with ``groups=groups`` on an integer case, the
    standard case (``groups=1``), a depthwise case (``groups=C_in``), a case with more
    output than input channels, and a batch of two with a non-square kernel.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons import functional
        >>> check_grouped_conv(lambda x, w, g: functional.conv2d(x, w, groups=g))
        ✓ grouped_conv: all 5 cases match the reference
    """
    from convlessons import functional

    ints, normal = _random_arrays(10)

    cases = [
        (ints(1, 4, 4, 4), ints(4, 2, 2, 2), 2),
        (normal(1, 3, 5, 5), normal(2, 3, 3, 3), 1),
        (normal(1, 6, 6, 6), normal(6, 1, 3, 3), 6),
        (normal(1, 4, 5, 6), normal(8, 1, 3, 3), 4),
        (normal(2, 6, 7, 5), normal(9, 2, 3, 2), 3),
    ]

    def reference(x, weight, groups):
        return functional.conv2d(x, weight, groups=groups)

    check_function(
        fn, reference, cases, name="grouped_conv", atol=1e-8,
        hint="for j in range(groups): convolve x[:, j*C_in/g:(j+1)*C_in/g] with "
             "weight[j*C_out/g:(j+1)*C_out/g] (functional.conv2d, groups=1), then "
             "np.concatenate the pieces along axis 1",
    )


#: Lesson 10, exercise 2: the layer whose parameters the learner predicts for each g.
GROUPED_PARAMS_QUESTION = {"in_channels": 64, "out_channels": 128, "kernel_size": 3,
                           "bias": True, "groups": (1, 2, 4, 32, 64)}


def check_grouped_params(answers) -> None:
    """Lesson 10, exercise 2: parameters of :data:`GROUPED_PARAMS_QUESTION`'s layer per g.

    Args:
        answers: dict ``{g: parameters}`` (ints, biases included) for every ``g`` in
            ``GROUPED_PARAMS_QUESTION["groups"]``.

    Raises:
        AssertionError: a missing or extra key, or the first wrong count, expected vs
            got, with a hint.

    Example:
        >>> check_grouped_params({1: 73856, 2: 36992, 4: 18560, 32: 2432, 64: 1280})
        ✓ grouped parameters: g=1: 73,856, g=2: 36,992, g=4: 18,560, g=32: 2,432, g=64: 1,280
    """
    from convlessons import cost

    name = "grouped parameters"
    q = GROUPED_PARAMS_QUESTION
    _require_answer_keys(name, answers, q["groups"],
                         per="number of groups g (the keys are ints, not strings)")
    expected = {g: cost.conv_params(q["in_channels"], q["out_channels"], q["kernel_size"],
                                    groups=g, bias=q["bias"]) for g in q["groups"]}
    _compare_answers(name, answers, expected,
                     lambda g: "weights k·k·(C_in/g)·C_out, i.e. the standard count divided "
                               "by g; the C_out biases do not shrink with g",
                     where=lambda g: f"g={g}")
    print(f"✓ {name}: " + ", ".join(f"g={g}: {n:,}" for g, n in expected.items()))


# ---------------------------------------------------------------------- lesson 11


def check_channel_shuffle(fn) -> None:
    """Lesson 11, exercise 1: ``fn(x, groups)`` shuffles the channels of a numpy array.

    ``x`` is ``(N, C, H, W)`` (one case is ``(N, C, L)``), ``groups`` divides ``C``; the
    result is compared with :func:`convlessons.functional.channel_shuffle` on channel
    indices (so a wrong order shows which channel went where), on random values, with
    one group (nothing moves), with one channel per group, and on a 3-D input.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> check_channel_shuffle(lambda x, g: x.reshape(x.shape[0], g, -1, *x.shape[2:])
        ...                       .swapaxes(1, 2).reshape(x.shape))
        ✓ channel_shuffle: all 6 cases match the reference
    """
    from convlessons import functional

    rng = np.random.default_rng(11)

    def labelled(n, c, *rest):
        return np.broadcast_to(np.arange(c, dtype=float).reshape(1, c, *([1] * len(rest))),
                               (n, c, *rest)).copy()

    cases = [
        (labelled(1, 12, 1, 1), 3),
        (labelled(1, 6, 2, 2), 2),
        (rng.standard_normal((2, 12, 3, 4)), 4),
        (rng.standard_normal((1, 5, 2, 2)), 1),
        (rng.standard_normal((2, 4, 3, 3)), 4),
        (rng.standard_normal((3, 8, 5)), 2),
    ]
    check_function(
        fn, functional.channel_shuffle, cases, name="channel_shuffle", atol=0,
        hint="view the channel axis as (groups, C // groups) with reshape, swap those two "
             "axes (swapaxes or transpose), and reshape back to x.shape",
    )


#: Lesson 11, exercise 2: a shuffle of ``channels`` channels in ``groups`` groups between
#: two grouped layers (``C → C`` channels, ``groups`` groups each).
SHUFFLE_QUESTIONS = {"channels": 12, "groups": 3, "channel": 5}

_SHUFFLE_HINTS = {
    "destination": "channel 5 is position j of group i with 5 = i·n + j (n = C/g channels "
                   "per group); after the shuffle it sits at j·g + i",
    "source": "read the shuffled order: position p = j·g + i holds channel i·n + j",
    "reads_without_shuffle": "a grouped layer only reads its own group, and so does the next "
                             "one: the groups never meet",
    "reads_with_shuffle": "after the shuffle each group of GConv2 holds one channel from "
                          "every group of GConv1 (here C/g ≥ g)",
}


def check_shuffle_predictions(answers) -> None:
    """Lesson 11, exercise 2: where channels go in the shuffle of :data:`SHUFFLE_QUESTIONS`.

    Args:
        answers: dict with four ints: ``"destination"`` (the position channel 5 moves
            to), ``"source"`` (the channel that lands at position 5), and the number of
            input channels one output channel of GConv1 → GConv2 depends on,
            ``"reads_without_shuffle"`` and ``"reads_with_shuffle"``.

    Raises:
        AssertionError: a missing or extra key, or the first wrong number, expected vs
            got, with a hint.

    Example:
        >>> check_shuffle_predictions({"destination": 4, "source": 9,
        ...                            "reads_without_shuffle": 4, "reads_with_shuffle": 12})
        ✓ shuffle predictions: 5 → 4, 9 → 5; GConv2 reads 4 inputs without the shuffle, 12 with it
    """
    from convlessons import connectivity

    name = "shuffle predictions"
    q = SHUFFLE_QUESTIONS
    _require_answer_keys(name, answers, _SHUFFLE_HINTS)
    c, g, k = q["channels"], q["groups"], q["channel"]
    perm = connectivity.shuffle_permutation(c, g)
    expected = {
        "destination": int(perm[:, k].argmax()),
        "source": int(perm[k].argmax()),
        "reads_without_shuffle": int(
            connectivity.stacked_connectivity(c, g, 2, shuffle=False)[0].sum()),
        "reads_with_shuffle": int(connectivity.stacked_connectivity(c, g, 2)[0].sum()),
    }
    _compare_answers(name, answers, expected, _SHUFFLE_HINTS)
    print(f"✓ {name}: {k} → {expected['destination']}, {expected['source']} → {k}; GConv2 "
          f"reads {expected['reads_without_shuffle']} inputs without the shuffle, "
          f"{expected['reads_with_shuffle']} with it")


# ---------------------------------------------------------------------- lesson 12


def check_unit_flops(fn) -> None:
    """Lesson 12, exercise 1: ``fn(kind, c, m, h, w, g)`` gives a unit's multiply-adds.

    Each case is compared with the multiply-adds counted on the torch unit
    (:func:`convlessons.models.residual_unit` under
    :func:`convlessons.cost.count_macs`), so the formula is checked against what the
    convolutions really do, for ``kind`` in ``"resnet"``, ``"resnext"``, ``"shufflenet"``.

    Raises:
        AssertionError: the first case that differs, with its arguments and a hint.

    Example:
        >>> from convlessons.cost import unit_flops
        >>> check_unit_flops(unit_flops)
        ✓ unit_flops: all 7 cases match the reference
    """
    import torch

    from convlessons import cost, models

    cases = [("resnet", 16, 4, 5, 5, 1), ("resnext", 16, 8, 5, 5, 4),
             ("shufflenet", 12, 6, 4, 4, 3), ("shufflenet", 24, 6, 7, 3, 2),
             ("resnet", 8, 8, 3, 6, 1), ("resnext", 32, 8, 2, 2, 8),
             ("shufflenet", 16, 4, 6, 6, 1)]

    def counted(kind, c, m, h, w, g):
        with torch.device("meta"):
            unit = models.residual_unit(kind, c, m, g)
        return cost.count_macs(unit, (1, c, h, w))

    check_function(
        fn, counted, cases, name="unit_flops", atol=0,
        hint="every 1x1 conv costs h·w·(in channels)·(out channels)/groups; the 3x3 costs "
             "h·w·9·m·m/groups, where a depthwise conv has groups = m",
    )


#: Lesson 12, exercise 2: Stage 3 of ShuffleNet 1x with ``groups`` groups on a 224x224
#: image (Stage 3 receives ``in_channels`` maps of 28x28).
STAGE_FLOPS_QUESTION = {"groups": 3, "width_mult": 1.0, "in_channels": 240,
                        "out_channels": 480, "input_size": 28}

_STAGE_HINTS = {
    "unit": "a stride-1 unit of Stage 3 has c = 480, m = 120 and runs on 14x14: "
            "hw(2cm/g + 9m)",
    "first_unit": "the stride-2 unit: its first 1x1 GConv (240 -> 120) runs on 28x28, the "
                  "depthwise 3x3 and the second 1x1 GConv (120 -> 480 - 240 = 240) on 14x14",
    "stage": "one stride-2 unit and 7 stride-1 units",
}


def check_stage_flops(answers) -> None:
    """Lesson 12, exercise 2: multiply-adds of Stage 3 of :data:`STAGE_FLOPS_QUESTION`.

    Args:
        answers: dict with three ints: ``"unit"`` (one stride-1 unit), ``"first_unit"``
            (the stride-2 unit that opens the stage) and ``"stage"`` (the whole stage).

    Raises:
        AssertionError: a missing key or the first wrong number, expected vs got, with
            a hint.

    Example:
        >>> check_stage_flops({"unit": 7738080, "first_unit": 9619680, "stage": 63786240})
        ✓ Stage 3 (g = 3): 7,738,080 per unit, 9,619,680 stride-2 unit, 63,786,240 total
    """
    import torch

    from convlessons import cost, models

    name = "stage FLOPs"
    _require_answer_keys(name, answers, _STAGE_HINTS)
    q = STAGE_FLOPS_QUESTION
    with torch.device("meta"):
        stage = models.shufflenet_v1(q["groups"], q["width_mult"]).stage3
    shape = (1, q["in_channels"], q["input_size"], q["input_size"])
    half = (1, q["out_channels"], q["input_size"] // 2, q["input_size"] // 2)
    expected = {"unit": cost.count_macs(stage[1], half),
                "first_unit": cost.count_macs(stage[0], shape),
                "stage": cost.count_macs(stage, shape)}
    _compare_answers(name, answers, expected, _STAGE_HINTS)
    print(f"✓ Stage 3 (g = {q['groups']}): {expected['unit']:,} per unit, "
          f"{expected['first_unit']:,} stride-2 unit, {expected['stage']:,} total")
