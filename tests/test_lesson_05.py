"""Tests of the package pieces lesson 05 (transposed convolution) adds.

functional.zero_insert / conv_transpose2d_direct, matrix.overlap_counts /
interior_overlap, plotting.transposed_steps, widgets.transposed_explorer,
exercises.check_transpose_by_zero_insertion / check_transpose_output_sizes.
gpu.lesson05 is exercised by tests/test_gpu.py; its metrics are checked here.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convlessons import exercises, functional, gpu, matrix, plotting, shapes, widgets

# --------------------------------------------------------------------------- zero_insert


def test_zero_insert_hand_cases():
    assert functional.zero_insert(np.array([[[1, 2, 3]]]), 2).tolist() == [[[1, 0, 2, 0, 3]]]
    assert functional.zero_insert(np.array([[[1, 2, 3]]]), 1).tolist() == [[[1, 2, 3]]]
    out = functional.zero_insert(np.array([[[[1, 2], [3, 4]]]]), (3, 2))[0, 0]
    assert out.tolist() == [[1, 0, 2], [0, 0, 0], [0, 0, 0], [3, 0, 4]]


@pytest.mark.parametrize("shape,stride", [((2, 3, 4), 3), ((1, 2, 3, 4), (2, 1)),
                                          ((1, 1, 2, 3, 2), 2)])
def test_zero_insert_shape_dtype_and_content(shape, stride):
    x = np.arange(1, np.prod(shape) + 1, dtype=np.float32).reshape(shape)
    z = functional.zero_insert(x, stride)
    n = len(shape) - 2
    s = (stride,) * n if isinstance(stride, int) else stride
    assert z.dtype == np.float32
    assert z.shape == shape[:2] + tuple((d - 1) * st + 1
                                        for d, st in zip(shape[2:], s, strict=True))
    every = (slice(None), slice(None)) + tuple(slice(None, None, st) for st in s)
    assert np.array_equal(z[every], x)
    assert np.count_nonzero(z) == x.size  # only zeros were added


def test_zero_insert_validation():
    with pytest.raises(ValueError, match=r"stride must be a positive int.*got stride=0"):
        functional.zero_insert(np.ones((1, 1, 3)), 0)
    with pytest.raises(ValueError, match=r"tuple of 2 positive ints.*3 entries"):
        functional.zero_insert(np.ones((1, 1, 3, 3)), (2, 2, 2))
    with pytest.raises(ValueError, match=r"input must be"):
        functional.zero_insert(np.ones((3, 3)), 2)
    with pytest.raises(TypeError, match=r"input must be a numpy.ndarray"):
        functional.zero_insert([[[1, 2]]], 2)


# --------------------------------------------------------------------------- direct recipe


def test_direct_recipe_hand_example():
    # 2x2 input, 3x3 kernel 1..9, stride 1: the scatter-add sum, checkable by hand
    x = np.array([[[[2, 1], [1, 3]]]])
    k = np.arange(1, 10).reshape(1, 1, 3, 3)
    expected = [[2, 5, 8, 3], [9, 19, 26, 15], [18, 40, 47, 27], [7, 29, 33, 27]]
    assert functional.conv_transpose2d_direct(x, k)[0, 0].tolist() == expected
    assert functional.conv_transpose2d(x, k)[0, 0].tolist() == expected


def test_direct_recipe_matches_torch_on_a_sweep():
    rng = np.random.default_rng(0)
    checked = 0
    for s, p, op, d, k in itertools.product((1, 2, 3), (0, 1, 2, 4), (0, 1, 2), (1, 2),
                                            (1, 3, 4)):
        if op >= s and op >= d:
            continue
        x = rng.standard_normal((2, 3, 3, 4))
        w = rng.standard_normal((3, 2, k, k + 1))
        b = rng.standard_normal(2)
        try:
            ref = TF.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w),
                                      torch.from_numpy(b), stride=s, padding=p,
                                      output_padding=op, dilation=d).numpy()
        except RuntimeError:
            with pytest.raises(ValueError, match="padding"):
                functional.conv_transpose2d_direct(x, w, b, s, p, op, d)
            continue
        got = functional.conv_transpose2d_direct(x, w, b, s, p, op, d)
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, ref, atol=1e-12)
        checked += 1
    assert checked > 100


def test_direct_recipe_validation():
    x, w = np.ones((1, 2, 3, 3)), np.ones((2, 1, 3, 3))
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        functional.conv_transpose2d_direct(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"weight.shape\[0\] must equal"):
        functional.conv_transpose2d_direct(x, np.ones((3, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"stride must be a positive int"):
        functional.conv_transpose2d_direct(x, w, stride=0)


def test_transposed_conv_is_the_matrix_transpose_and_the_input_gradient():
    # C.T @ vec(y) == conv_transpose2d(y) and == d<conv2d(x), y>/dx
    k = np.arange(1, 10, dtype=float).reshape(3, 3)
    C = matrix.conv_matrix(k, (4, 4))
    y = np.array([[2.0, 1.0], [1.0, 3.0]])
    via_matrix = (C.T @ y.ravel()).reshape(4, 4)
    np.testing.assert_array_equal(via_matrix, functional.conv_transpose2d(y[None, None],
                                                                          k[None, None])[0, 0])
    xt = torch.zeros(1, 1, 4, 4, dtype=torch.float64, requires_grad=True)
    out = TF.conv2d(xt, torch.from_numpy(k)[None, None])
    (grad,) = torch.autograd.grad(out, xt, torch.from_numpy(y)[None, None])
    np.testing.assert_array_equal(grad[0, 0].numpy(), via_matrix)


# --------------------------------------------------------------------------- overlap counts


def test_overlap_counts_hand_cases():
    assert matrix.overlap_counts(4, 3, stride=2).tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    assert matrix.overlap_counts(4, 4, stride=2, padding=1).tolist() == [1, 2, 2, 2, 2, 2, 2, 1]
    assert matrix.overlap_counts(3, 3).tolist() == [1, 2, 3, 2, 1]
    # output_padding beyond the last tap is a cell nothing reaches
    assert matrix.overlap_counts(2, 1, stride=2, output_padding=1).tolist() == [1, 0, 1, 0]
    # dilation 2 at stride 2: every second output is a hole
    assert matrix.overlap_counts(2, 2, stride=2, dilation=2).tolist() == [1, 0, 2, 0, 1]


def test_overlap_counts_2d_is_the_outer_product_and_tuples_work():
    one = matrix.overlap_counts(3, 3, 2, 1, 1)
    two = matrix.overlap_counts(3, 3, 2, 1, 1, ndim=2)
    assert np.array_equal(two, np.outer(one, one))
    rect = matrix.overlap_counts((3, 2), (3, 4), 2)
    assert np.array_equal(rect, np.outer(matrix.overlap_counts(3, 3, 2),
                                         matrix.overlap_counts(2, 4, 2)))
    assert matrix.overlap_counts(2, 3, 2, ndim=3).shape == (5, 5, 5)


def test_overlap_counts_equal_transposed_conv_of_ones():
    checked = 0
    for i, k, s, p, op, d in itertools.product((1, 2, 5), (1, 2, 3, 4), (1, 2, 3), (0, 1, 2),
                                               (0, 1, 2), (1, 2)):
        if op >= s and op >= d:
            continue
        try:
            ref = TF.conv_transpose2d(torch.ones(1, 1, i, i + 1, dtype=torch.float64),
                                      torch.ones(1, 1, k, k, dtype=torch.float64), stride=s,
                                      padding=p, output_padding=op, dilation=d)[0, 0].numpy()
        except RuntimeError:
            continue
        got = matrix.overlap_counts((i, i + 1), k, s, p, op, d)
        assert got.dtype == np.int64 and np.array_equal(got, ref), (i, k, s, p, op, d)
        checked += 1
    assert checked > 200


def test_overlap_counts_validation():
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        matrix.overlap_counts(4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"padding is too large"):
        matrix.overlap_counts(1, 1, padding=1)
    with pytest.raises(ValueError, match=r"ndim must be 1, 2 or 3.*got ndim=4"):
        matrix.overlap_counts(4, 3, ndim=4)
    with pytest.raises(ValueError, match=r"ndim=2 entries"):
        matrix.overlap_counts((4, 4, 4), 3, ndim=2)
    with pytest.raises(TypeError, match=r"kernel_size must be a positive int"):
        matrix.overlap_counts(4, 3.0)


def test_interior_overlap():
    assert matrix.interior_overlap(3, 2).tolist() == [2, 1]
    assert matrix.interior_overlap(4, 2).tolist() == [2, 2]
    assert matrix.interior_overlap(3, 3).tolist() == [1, 1, 1]
    assert matrix.interior_overlap(5, 3).tolist() == [2, 2, 1]
    assert matrix.interior_overlap(3, 2, dilation=2).tolist() == [3, 0]
    # it is the periodic middle of overlap_counts on a long input
    for k, s, d in itertools.product((1, 2, 3, 4, 5), (1, 2, 3), (1, 2)):
        row = matrix.overlap_counts(20, k, s, dilation=d)
        start = d * (k - 1) + s  # well past the left border
        middle = row[start:start + s]
        pattern = matrix.interior_overlap(k, s, d)
        assert sorted(middle.tolist()) == sorted(pattern.tolist())
        assert (len(set(pattern.tolist())) == 1) == ((k % s == 0) if d == 1 else
                                                    (len(set(middle.tolist())) == 1))
    with pytest.raises(ValueError, match=r"stride must be a positive int, got stride=0"):
        matrix.interior_overlap(3, 0)
    with pytest.raises(TypeError, match=r"kernel_size must be a positive int"):
        matrix.interior_overlap(True, 2)


# --------------------------------------------------------------------------- plotting


def test_transposed_steps_panels_and_sum():
    x = np.array([[2, 1], [1, 3]])
    k = np.arange(1, 10).reshape(3, 3)
    fig = plotting.transposed_steps(x, k, stride=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 7
    assert titles[0].startswith("input 2×2") and titles[1].startswith("kernel 3×3")
    assert titles[2] == "x[0,0]·k = 2·k" and titles[-1].startswith("output 5×5")
    # the output panel writes the transposed convolution's numbers
    numbers = [int(t.get_text()) for t in fig.axes[-1].texts]
    expected = functional.conv_transpose2d(x[None, None], k[None, None], stride=2)[0, 0]
    assert numbers == expected.ravel().tolist()
    plt.close(fig)


def test_transposed_steps_validation():
    with pytest.raises(ValueError, match=r"at most 9 cells"):
        plotting.transposed_steps(np.ones((4, 4)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"stride must be"):
        plotting.transposed_steps(np.ones((2, 2)), np.ones((2, 2)), stride=0)
    fig, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match=r"axes must hold 7 axes"):
        plotting.transposed_steps(np.ones((2, 2)), np.ones((2, 2)), axes=axes)
    plt.close(fig)


# --------------------------------------------------------------------------- explorer


def test_transposed_explorer_checkerboard_case():
    ex = widgets.transposed_explorer()
    r = ex.update(input_size=4, kernel_size=3, stride=2, padding=1, output_padding=1,
                  dilation=1)
    assert r.error is None and r.figure is not None
    assert r.text.startswith("output size 8×8")
    assert "[1, 2, 1, 2, 1, 2, 1, 1]" in r.text
    assert "uneven overlap" in r.text and "checkerboard" in r.text
    assert "maps input sizes [7, 8] to 4" in r.text and "picks 8" in r.text
    # the 2-D map drawn is overlap_counts
    texts = [t.get_text() for t in r.figure.axes[1].texts]
    assert texts == [str(v) for v in matrix.overlap_counts((4, 4), 3, 2, 1, 1).ravel()]


def test_transposed_explorer_even_holes_and_impossible():
    ex = widgets.transposed_explorer()
    even = ex.update(input_size=4, kernel_size=4, stride=2, padding=1, output_padding=0)
    assert "even overlap" in even.text and "uneven" not in even.text
    holes = ex.update(kernel_size=1, stride=3, padding=0)
    assert "holes" in holes.text
    bad = ex.update(kernel_size=3, stride=2, output_padding=2, dilation=1)
    assert bad.error is not None
    assert "output_padding 2 must be smaller than the stride 2" in bad.error
    assert bad.figure is None and ex.last is bad
    crop = ex.update(input_size=1, kernel_size=1, stride=1, padding=1, output_padding=0)
    assert crop.error is not None and "leaving nothing" in crop.error
    dil = ex.update(input_size=4, kernel_size=3, stride=1, padding=0, output_padding=1,
                    dilation=2)
    assert dil.error is None and "allowed only because 1 < dilation 2" in dil.text


def test_transposed_explorer_widget_builds():
    ex = widgets.transposed_explorer()
    box = ex.widget
    assert set(ex.controls) == {"input_size", "kernel_size", "stride", "padding",
                                "output_padding", "dilation"}
    assert ex.last is not None and ex.last.error is None and box.children


# --------------------------------------------------------------------------- exercises


def _recipe(x, k, stride, padding):
    z = functional.zero_insert(np.asarray(x, dtype=float)[None, None], stride)[0, 0]
    z = np.pad(z, ((k.shape[0] - 1 - padding,) * 2, (k.shape[1] - 1 - padding,) * 2))
    return functional.conv2d(z[None, None], k[::-1, ::-1].copy()[None, None])[0, 0]


def test_check_transpose_by_zero_insertion_pass_and_fail(capsys):
    exercises.check_transpose_by_zero_insertion(_recipe)
    out = capsys.readouterr()
    assert out.out.startswith("✓ transposed convolution by zero insertion") and not out.err

    def no_flip(x, k, stride, padding):
        return _recipe(x, k[::-1, ::-1].copy(), stride, padding)

    with pytest.raises(AssertionError, match=r"differ.*\n.*Hint: put stride - 1 zeros"):
        exercises.check_transpose_by_zero_insertion(no_flip)

    def unfinished(x, k, stride, padding):
        raise NotImplementedError

    with pytest.raises(AssertionError, match=r"not implemented yet"):
        exercises.check_transpose_by_zero_insertion(unfinished)


def test_check_transpose_output_sizes(capsys):
    right = {letter: shapes.conv_transpose_output_size(**q)
             for letter, q in exercises.TRANSPOSE_SIZE_QUESTIONS.items()}
    assert right == {"a": 4, "b": 8, "c": 7, "d": 8, "e": 7, "f": 9, "g": 15}
    exercises.check_transpose_output_sizes(right)
    assert "all 7 predictions are correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"setting d .*expected 8, got 7.*\n.*output_padding"):
        exercises.check_transpose_output_sizes({**right, "d": 7})
    with pytest.raises(AssertionError, match=r"(?s)setting f .*kernel spans d\(k-1\)\+1 = 5"):
        exercises.check_transpose_output_sizes({**right, "f": 7})
    with pytest.raises(AssertionError, match=r"missing \['g'\]"):
        exercises.check_transpose_output_sizes({k: v for k, v in right.items() if k != "g"})
    with pytest.raises(AssertionError, match=r"expected a dict"):
        exercises.check_transpose_output_sizes([4, 8])


# --------------------------------------------------------------------------- gpu


def test_lesson05_metrics_on_cpu():
    report = gpu.lesson05("cpu", quick=True)
    assert report.ok
    assert report.metrics["checkerboard_ratio"] == {"k=3 transposed": 4.0,
                                                   "k=4 transposed": 1.0,
                                                   "upsample + conv 3x3": 1.0}
    macs = report.metrics["macs"]
    assert macs["k=4 transposed"] == 2 * 8 * 4 * 6 * 6 * 16
    assert [r.predicted_speedup for r in report.rows] == pytest.approx([1.0, 16 / 9, 16 / 36,
                                                                        16 / 64])
    assert set(report.metrics["measured_speedup"]) == set(macs)
