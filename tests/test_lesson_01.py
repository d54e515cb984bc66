"""Tests of the package pieces lesson 01 (convolution vs cross-correlation) adds."""

import numpy as np
import pytest
import scipy.signal
import torch

from convlessons import cost, models, naive, signal

# ----------------------------------------------------------------- cost: direct 1-D counts


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("n", "m"), [(1, 1), (5, 3), (20, 5), (9, 9), (12, 2)])
def test_direct_conv1d_mults_matches_the_loop_count(n, m, mode):
    counter = naive.MultiplicationCounter()
    padding = {"full": m - 1, "valid": 0, "same": "same"}[mode]
    naive.conv1d(np.ones((1, 1, n)), np.ones((1, 1, m)), padding=padding, counter=counter)
    assert cost.direct_conv1d_mults(n, m, mode) == counter.count


def test_direct_conv1d_mults_formulas_by_hand():
    assert cost.direct_conv1d_mults(20, 5, "valid") == 16 * 5
    assert cost.direct_conv1d_mults(20, 5, "full") == 24 * 5
    assert cost.direct_conv1d_mults(20, 5, "same") == 100
    assert cost.direct_conv1d_mults(20, 5) == cost.direct_conv1d_mults(20, 5, "full")


def test_direct_conv1d_mults_broadcasts_arrays():
    n = np.array([8, 16, 32])
    got = cost.direct_conv1d_mults(n, n)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, (2 * n - 1) * n)
    assert isinstance(cost.direct_conv1d_mults(8, 3), int)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"n": 0, "m": 3}, ValueError, "n=0"),
        ({"n": 5, "m": -1}, ValueError, "m=-1"),
        ({"n": 5.0, "m": 3}, TypeError, "n=5.0"),
        ({"n": True, "m": 3}, TypeError, "n=True"),
        ({"n": 5, "m": 3, "mode": "middle"}, ValueError, "mode='middle'"),
        ({"n": 3, "m": 5, "mode": "valid"}, ValueError, "m <= n"),
    ],
)
def test_direct_conv1d_mults_rejects_bad_arguments(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        cost.direct_conv1d_mults(**kwargs)


# ----------------------------------------------------------------- cost: FFT model


def test_fft_conv1d_mults_by_hand():
    # n + m - 1 = 7 -> N = 8: 3 * 8 * 3 + 4 * 5
    assert cost.fft_conv1d_mults(5, 3) == 92
    # n + m - 1 = 8 is already a power of two
    assert cost.fft_conv1d_mults(6, 3) == 92
    # 9 -> 16: 3 * 16 * 4 + 4 * 9
    assert cost.fft_conv1d_mults(7, 3) == 228


def test_fft_beats_direct_for_long_kernels_only():
    n = 2 ** np.arange(2, 17)
    direct, fft = cost.direct_conv1d_mults(n, n), cost.fft_conv1d_mults(n, n)
    assert direct[0] < fft[0] and direct[-1] > 100 * fft[-1]
    crossover = n[np.argmax(fft < direct)]
    assert 16 <= crossover <= 128  # "a few dozen samples" in the lesson
    short = cost.direct_conv1d_mults(n, 8)
    assert np.all(short < cost.fft_conv1d_mults(n, 8))  # m = 8: direct always cheaper


def test_fft_conv1d_mults_validates():
    with pytest.raises(ValueError, match="m=0"):
        cost.fft_conv1d_mults(4, 0)
    with pytest.raises(TypeError, match="n="):
        cost.fft_conv1d_mults("4", 2)


# ----------------------------------------------------------------- models.fit_kernel


def _convolved(inputs, kernel):
    return np.stack([signal.convolve(x, kernel, mode="valid") for x in inputs])


def test_fit_kernel_2d_learns_the_flipped_kernel():
    rng = np.random.default_rng(0)
    secret = np.array([[1.0, 2.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, -1.0]])
    images = rng.standard_normal((8, 10, 10))
    fit = models.fit_kernel(images, _convolved(images, secret), (3, 3), steps=300)
    np.testing.assert_allclose(fit.kernel, secret[::-1, ::-1], atol=1e-8)
    assert fit.kernel.shape == (3, 3)
    assert fit.losses.shape == (301,)
    assert fit.losses[-1] < 1e-16 < fit.losses[0]
    assert np.all(np.diff(fit.losses) <= 1e-12)  # gradient descent on a convex quadratic


def test_fit_kernel_1d_and_correlation_targets():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 30))
    k = np.array([3.0, -1.0, 0.5, 2.0])
    flipped = models.fit_kernel(x, _convolved(x, k), 4, steps=300)
    np.testing.assert_allclose(flipped.kernel, k[::-1], atol=1e-8)
    # targets made by a correlation are learned as they are (the layer is a correlation)
    same = np.stack([scipy.signal.correlate(r, k, mode="valid") for r in x])
    np.testing.assert_allclose(models.fit_kernel(x, same, 4, steps=300).kernel, k, atol=1e-8)


def test_fit_kernel_is_deterministic_and_leaves_global_seed_alone():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 8, 8))
    y = _convolved(x, np.ones((2, 2)))
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = models.fit_kernel(x, y, 2, steps=5, seed=3)
    after = torch.rand(1)
    b = models.fit_kernel(x, y, 2, steps=5, seed=3)
    assert torch.equal(before, after)
    np.testing.assert_array_equal(a.kernel, b.kernel)
    np.testing.assert_array_equal(a.losses, b.losses)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"inputs": np.zeros(5)}, ValueError, r"inputs.shape=\(5,\)"),
        ({"targets": np.zeros((2, 3, 3))}, ValueError, r"targets.shape=\(2, 3, 3\)"),
        ({"kernel_size": 0}, ValueError, "kernel_size=0"),
        ({"kernel_size": (3,)}, ValueError, "one entry per spatial dimension"),
        ({"kernel_size": 9}, ValueError, "fit inside"),
        ({"steps": 0}, ValueError, "steps=0"),
        ({"lr": -0.1}, ValueError, "lr=-0.1"),
        ({"lr": "big"}, TypeError, "lr='big'"),
        ({"seed": 1.5}, TypeError, "seed=1.5"),
        ({"inputs": "abc"}, TypeError, "inputs"),
    ],
)
def test_fit_kernel_rejects_bad_arguments(kwargs, error, fragment):
    args = {"inputs": np.zeros((2, 6, 6)), "targets": np.zeros((2, 4, 4)), "kernel_size": 3}
    args.update(kwargs)
    with pytest.raises(error, match=fragment):
        models.fit_kernel(**args)


def test_fit_kernel_restores_the_thread_count():
    threads = torch.get_num_threads()
    x = np.random.default_rng(3).standard_normal((2, 6))
    models.fit_kernel(x, _convolved(x, np.ones(2)), 2, steps=3)
    assert torch.get_num_threads() == threads


# ----------------------------------------------------------------- exercises


def _my_correlate(x, k):
    return np.array([x[i : i + len(k)] @ k for i in range(len(x) - len(k) + 1)])


def test_check_correlate_valid_passes_a_correct_answer(capsys):
    from convlessons import exercises

    assert exercises.check_correlate_valid(_my_correlate) is None
    out, err = capsys.readouterr()
    assert out == "✓ correlate_valid: all 5 cases match the reference\n" and err == ""


@pytest.mark.parametrize(
    ("fn", "fragment"),
    [
        (lambda x, k: _my_correlate(x, k[::-1]), "case 1 of 5"),  # a convolution
        (lambda x, k: np.correlate(x, k, mode="full"), "expected shape (3,), got shape (7,)"),
        (lambda x, k: None, "got None"),
        (lambda x, k: (_ for _ in ()).throw(NotImplementedError()), "not implemented"),
        ("not a function", "expected a function"),
    ],
)
def test_check_correlate_valid_fails_with_a_hint(fn, fragment, capsys):
    from convlessons import exercises

    with pytest.raises(AssertionError) as info:
        exercises.check_correlate_valid(fn)
    assert fragment in str(info.value)
    assert "Hint: slide k along x without flipping it" in str(info.value)
    assert capsys.readouterr().err == ""


def test_check_mode_lengths_pass_and_fail(capsys):
    from convlessons import exercises

    exercises.check_mode_lengths({"full": 13, "same": 10, "valid": 7}, n=10, m=4)
    assert capsys.readouterr().out == (
        "✓ output lengths for n=10, m=4: full 13, same 10, valid 7 are correct\n"
    )
    with pytest.raises(AssertionError, match=r"mode 'full': expected 13, got 14") as info:
        exercises.check_mode_lengths({"full": 14, "same": 10, "valid": 7}, n=10, m=4)
    assert "hang off each end" in str(info.value)
    with pytest.raises(AssertionError, match=r"mode 'valid': expected 7, got 6"):
        exercises.check_mode_lengths({"full": 13, "same": 10, "valid": 6}, n=10, m=4)
    with pytest.raises(AssertionError, match="no entry for 'same'"):
        exercises.check_mode_lengths({"full": 13, "valid": 7}, n=10, m=4)
    with pytest.raises(AssertionError, match="expected a dict"):
        exercises.check_mode_lengths([13, 10, 7], n=10, m=4)
    with pytest.raises(AssertionError, match="expected the number 10"):
        exercises.check_mode_lengths({"full": 13, "same": "10", "valid": 7}, n=10, m=4)


@pytest.mark.parametrize(
    ("n", "m", "error", "fragment"),
    [(0, 1, ValueError, "n=0"), (5, 2.0, TypeError, "m=2.0"), (3, 4, ValueError, "n=3, m=4"),
     (True, 1, TypeError, "n=True")],
)
def test_check_mode_lengths_rejects_bad_exercise_arguments(n, m, error, fragment):
    from convlessons import exercises

    with pytest.raises(error, match=fragment):
        exercises.check_mode_lengths({}, n=n, m=m)


def test_check_mode_lengths_agrees_with_signal():
    from convlessons import exercises

    for n, m in [(1, 1), (5, 3), (8, 8), (30, 7)]:
        lengths = {mode: len(signal.convolve(np.ones(n), np.ones(m), mode=mode))
                   for mode in ("full", "same", "valid")}
        exercises.check_mode_lengths(lengths, n=n, m=m)
