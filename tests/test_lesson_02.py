"""Tests of what lesson 02 added to the package: convlessons.matrix (im2col, the
convolution matrix, conv as a matrix product) and the lesson's exercise checks."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convlessons import matrix


def _torch_conv(x, w, bias=None, **kw):
    b = None if bias is None else torch.from_numpy(bias)
    return TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), b, **kw).numpy()


# --- im2col ---------------------------------------------------------------------------


def test_im2col_hand_example():
    x = np.arange(16).reshape(4, 4)
    cols = matrix.im2col(x, 3)
    assert cols.shape == (9, 4)
    assert cols[:, 0].tolist() == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert cols[:, 3].tolist() == [5, 6, 7, 9, 10, 11, 13, 14, 15]


@pytest.mark.parametrize(
    "k, s, p, d",
    [(3, 1, 0, 1), (3, 2, 1, 1), ((2, 3), (1, 2), (0, 1), 1), (3, 1, 2, 2), (1, 3, 0, 1)],
)
def test_im2col_matches_torch_unfold(k, s, p, d):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    got = matrix.im2col(x, k, stride=s, padding=p, dilation=d)
    want = TF.unfold(torch.from_numpy(x), k, dilation=d, padding=p, stride=s).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-12)


# --- conv2d_im2col --------------------------------------------------------------------


@pytest.mark.parametrize(
    "k, s, p, d", list(itertools.product([1, 2, 3], [1, 2, 3], [0, 1, 2], [1, 2]))
)
def test_conv2d_im2col_matches_torch(k, s, p, d):
    rng = np.random.default_rng(k * 100 + s * 10 + p + d)
    x = rng.standard_normal((2, 3, 8, 7))
    w = rng.standard_normal((4, 3, k, k))
    b = rng.standard_normal(4)
    got = matrix.conv2d_im2col(x, w, b, stride=s, padding=p, dilation=d)
    want = _torch_conv(x, w, b, stride=s, padding=p, dilation=d)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-10)


# --- conv_matrix ----------------------------------------------------------------------


def test_conv_matrix_4x4_3x3_is_4x16_with_the_expected_rows():
    k = np.arange(1, 10).reshape(3, 3)
    C = matrix.conv_matrix(k, (4, 4))
    assert C.shape == (4, 16)
    # each row holds the 9 weights once, and the 7 other entries are zero
    assert (np.count_nonzero(C, axis=1) == 9).all()
    assert C[0].tolist() == [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
    assert C[3].tolist() == [0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9]
    x = np.arange(16).reshape(4, 4)
    assert (C @ x.ravel()).tolist() == [303, 348, 483, 528]


@pytest.mark.parametrize("s, p, d", list(itertools.product([1, 2], [0, 1], [1, 2])))
def test_conv_matrix_single_channel_matches_torch(s, p, d):
    rng = np.random.default_rng(s + 3 * p + 7 * d)
    x = rng.standard_normal((6, 5))
    k = rng.standard_normal((3, 2))
    C = matrix.conv_matrix(k, x.shape, stride=s, padding=p, dilation=d)
    want = _torch_conv(x[None, None], k[None, None], stride=s, padding=p, dilation=d)
    assert C.shape == (want.size, x.size)
    np.testing.assert_allclose(C @ x.ravel(), want.ravel(), atol=1e-12)


def test_conv_matrix_multichannel_matches_torch_and_its_transpose_is_conv_transpose():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 5))
    w = rng.standard_normal((2, 3, 3, 3))
    C = matrix.conv_matrix(w, x.shape, stride=2, padding=1)
    y = _torch_conv(x[None], w, stride=2, padding=1)
    assert C.shape == (2 * 3 * 3, 3 * 5 * 5)
    np.testing.assert_allclose(C @ x.ravel(), y.ravel(), atol=1e-12)
    g = rng.standard_normal(y.shape)
    up = TF.conv_transpose2d(torch.from_numpy(g), torch.from_numpy(w), stride=2, padding=1)
    np.testing.assert_allclose(C.T @ g.ravel(), up.numpy().ravel(), atol=1e-12)


# --- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, text",
    [
        (lambda: matrix.im2col(np.ones((4, 4)), 3, stride=0), ValueError, "stride=0"),
        (lambda: matrix.im2col(np.ones((4, 4)), 3, padding=-1), ValueError, "padding=-1"),
        (lambda: matrix.im2col(np.ones((4, 4)), 2.5), TypeError, "kernel_size=2.5"),
        (lambda: matrix.im2col(np.ones((4, 4)), True), TypeError, "kernel_size=True"),
        (lambda: matrix.im2col(np.ones((4, 4)), (1, 2, 3)), TypeError, "kernel_size=(1, 2, 3)"),
        (lambda: matrix.im2col(np.ones((2, 4, 4)), 3), ValueError, "(2, 4, 4)"),
        (lambda: matrix.im2col(np.ones((4, 4)), 5), ValueError, "larger than the padded"),
        (lambda: matrix.im2col(np.array(["a"] * 4).reshape(2, 2), 1), TypeError, "dtype"),
        (lambda: matrix.conv_matrix(np.ones(3), (4, 4)), ValueError, "kernel must have shape"),
        (lambda: matrix.conv_matrix(np.ones((3, 3)), (4, 4, 4)), ValueError, "input_shape"),
        (lambda: matrix.conv_matrix(np.ones((3, 3)), (4, 0)), TypeError, "input_shape=(4, 0)"),
        (lambda: matrix.conv_matrix(np.ones((3, 3)), (2, 2)), ValueError, "larger than"),
        (lambda: matrix.conv_matrix(np.ones((1, 2, 3, 3)), (3, 4, 4)), ValueError, "C_in=2"),
        (lambda: matrix.conv_matrix(np.ones((3, 3)), (4, 4), dilation=0), ValueError,
         "dilation=0"),
        (lambda: matrix.conv2d_im2col(np.ones((1, 2, 4, 4)), np.ones((1, 3, 3, 3))),
         ValueError, "C_in=3"),
        (lambda: matrix.conv2d_im2col(np.ones((2, 4, 4)), np.ones((1, 2, 3, 3))),
         ValueError, "input must have shape"),
        (lambda: matrix.conv2d_im2col(np.ones((1, 2, 4, 4)), np.ones((1, 2, 3))),
         ValueError, "weight must have shape"),
        (lambda: matrix.conv2d_im2col(np.ones((1, 2, 4, 4)), np.ones((2, 2, 3, 3)),
                                      bias=np.ones(3)), ValueError, "bias must have shape (2,)"),
    ],
)
def test_validation_messages_name_the_argument(call, exc, text):
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)


# --- window_coverage ------------------------------------------------------------------


def test_window_coverage_floor_case_leaves_last_row_and_column_unvisited():
    cover = matrix.window_coverage(6, 3, stride=2, padding=1)
    assert cover.shape == (8, 8)
    assert cover[7].sum() == 0 and cover[:, 7].sum() == 0
    assert (cover[:7, :7] > 0).all()
    # total coverage = number of windows x taps per window
    assert cover.sum() == 3 * 3 * 9


@pytest.mark.parametrize("i, k, s, p, d", [(5, 3, 1, 0, 1), (7, 3, 1, 1, 2), (9, 2, 3, 2, 1)])
def test_window_coverage_matches_a_transposed_convolution_of_ones(i, k, s, p, d):
    cover = matrix.window_coverage(i, k, stride=s, padding=p, dilation=d)
    o = (i + 2 * p - d * (k - 1) - 1) // s + 1
    ones = torch.ones(1, 1, o, o, dtype=torch.float64)
    scatter = TF.conv_transpose2d(ones, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s,
                                  dilation=d)[0, 0].numpy()
    padded = np.zeros((i + 2 * p, i + 2 * p))
    padded[: scatter.shape[0], : scatter.shape[1]] = scatter
    np.testing.assert_array_equal(cover, padded)


def test_window_coverage_validates():
    with pytest.raises(ValueError, match="input_size=0"):
        matrix.window_coverage(0, 3)
    with pytest.raises(ValueError, match="larger than"):
        matrix.window_coverage(2, 3)


# --- exercise checks ------------------------------------------------------------------

from convlessons import exercises, functional  # noqa: E402


def _good_corr2d(x, k, stride=1, padding=0):
    return functional.conv2d(x[None, None], k[None, None], stride=stride, padding=padding)[0, 0]


def test_check_corr2d_passes_a_correct_function(capsys):
    assert exercises.check_corr2d(_good_corr2d) is None
    out = capsys.readouterr()
    assert out.out.startswith("✓ corr2d") and out.err == ""


@pytest.mark.parametrize(
    "bad, text",
    [
        # flips the kernel: true convolution, not correlation
        (lambda x, k, s=1, p=0: _good_corr2d(x, k[::-1, ::-1].copy(), s, p), "case 1 of 6"),
        # ignores the stride
        (lambda x, k, s=1, p=0: _good_corr2d(x, k, 1, p), "case 3 of 6"),
        # ignores the padding
        (lambda x, k, s=1, p=0: _good_corr2d(x, k, s, 0), "expected shape (5, 5)"),
        (lambda x, k, s=1, p=0: None, "got None"),
    ],
)
def test_check_corr2d_reports_the_first_failing_case(bad, text):
    with pytest.raises(AssertionError) as info:
        exercises.check_corr2d(bad)
    assert text in str(info.value) and "Hint:" in str(info.value)


def test_check_corr2d_reports_not_implemented():
    def todo(x, k, stride=1, padding=0):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented"):
        exercises.check_corr2d(todo)


def test_conv2d_size_questions_have_the_stated_answers_and_match_torch():
    want = {"a": 5, "b": 4, "c": 4, "d": 32, "e": 5, "f": 2}
    for letter, q in exercises.CONV2D_SIZE_QUESTIONS.items():
        x = torch.zeros(1, 1, q["input_size"], q["input_size"])
        w = torch.zeros(1, 1, q["kernel_size"], q["kernel_size"])
        out = TF.conv2d(x, w, stride=q["stride"], padding=q["padding"], dilation=q["dilation"])
        assert out.shape[-1] == want[letter], letter


def test_check_conv2d_output_sizes_pass_and_fail_paths(capsys):
    right = {"a": 5, "b": 4, "c": 4, "d": 32, "e": 5, "f": 2}
    assert exercises.check_conv2d_output_sizes(right) is None
    assert capsys.readouterr().out.startswith("✓ conv2d output sizes: all 6")
    with pytest.raises(AssertionError, match=r"(?s)setting c .*expected 4, got 3.*floor"):
        exercises.check_conv2d_output_sizes({**right, "c": 3})  # no floor, no + 1
    with pytest.raises(AssertionError, match=r"(?s)setting e .*spans d\(k-1\)\+1 = 5"):
        exercises.check_conv2d_output_sizes({**right, "e": 7})
    with pytest.raises(AssertionError, match=r"missing \['f'\]"):
        exercises.check_conv2d_output_sizes({k: v for k, v in right.items() if k != "f"})
    with pytest.raises(AssertionError, match="expected a dict"):
        exercises.check_conv2d_output_sizes([5, 4, 4, 32, 5, 2])
