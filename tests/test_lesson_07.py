"""Tests of the package pieces lesson 07 (spatially separable convolution) adds.

cost.standard_mults / separable_mults / separable_ratio, the decompose module (kernel_rank,
separate, reconstruct, best_rank1, compose_conv2d), plotting.outer_product /
separable_steps, widgets.separable_explorer, exercises.check_separable_blur /
check_separable_mults, and gpu.lesson07's metrics (tests/test_gpu.py runs it as well).
"""



import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convlessons import (
    cost,
    decompose,
    exercises,
    filters,
    functional,
    gpu,
    naive,
    plotting,
    widgets,
)

# --------------------------------------------------------------------------- cost


def test_article_example_counts():
    assert cost.standard_mults(5, 3) == 81 == 9 * 9
    assert cost.separable_mults(5, 3) == 72 == 15 * 3 + 9 * 3
    assert cost.separable_ratio(5, 3) == pytest.approx(72 / 81)


@pytest.mark.parametrize("n,m", [(5, 3), (7, 3), (6, 1), (6, 2), (8, 5), (7, 7), (9, 4)])
def test_formulas_match_what_the_loops_count(n, m):
    rng = np.random.default_rng(n * 10 + m)
    x = rng.standard_normal((n, n))
    column, row = rng.standard_normal(m), rng.standard_normal(m)
    full, sep = naive.MultiplicationCounter(), naive.MultiplicationCounter()
    y_full = naive.conv2d(x[None, None], np.outer(column, row)[None, None], counter=full)[0, 0]
    y_sep = naive.spatially_separable_conv2d(x, column, row, counter=sep)
    np.testing.assert_allclose(y_sep, y_full, atol=1e-12)
    assert full.count == cost.standard_mults(n, m)
    assert sep.count == cost.separable_mults(n, m)
    assert cost.separable_ratio(n, m) == pytest.approx(sep.count / full.count)


def test_article_formula_holds_only_for_m_3():
    n = np.arange(3, 40)
    article_standard = (n - 2) ** 2 * 3 * 3
    article_separable = (2 * n - 2) * (n - 2) * 3
    assert np.array_equal(cost.standard_mults(n, 3), article_standard)
    assert np.array_equal(cost.separable_mults(n, 3), article_separable)
    # with m = 5 the N - 2 version overcounts
    assert cost.standard_mults(7, 5) == 225 != (7 - 2) ** 2 * 25


def test_ratio_tends_to_two_over_m_and_arrays_broadcast():
    for m in (3, 5, 7):
        assert cost.separable_ratio(10**7, m) == pytest.approx(2 / m, rel=1e-5)
    sizes = np.array([5, 10, 100])
    ratios = cost.separable_ratio(sizes, 3)
    assert isinstance(ratios, np.ndarray) and ratios.dtype == np.float64
    assert np.all(np.diff(ratios) < 0)  # decreasing towards 2/3
    assert cost.separable_ratio(3, 3) == pytest.approx(4 / 3)  # one output: separable loses
    assert cost.separable_ratio(9, 1) == 2.0
    counts = cost.standard_mults(np.array([5, 7]), np.array([3, 5]))
    assert counts.tolist() == [81, 225]
    assert isinstance(cost.separable_mults(5, 3), int)


@pytest.mark.parametrize("fn", [cost.standard_mults, cost.separable_mults, cost.separable_ratio])
def test_cost_validation(fn):
    with pytest.raises(ValueError, match=r"m must not exceed n.*n=3, m=5"):
        fn(3, 5)
    with pytest.raises(ValueError, match="n must be a positive int"):
        fn(0, 1)
    with pytest.raises(TypeError, match="m must be a positive int"):
        fn(5, 2.5)
    with pytest.raises(TypeError, match="n must be a positive int"):
        fn(True, 1)


# --------------------------------------------------------------------------- decompose


def test_rank_of_classic_kernels():
    assert decompose.kernel_rank(filters.sobel2d()) == 1
    assert decompose.kernel_rank(filters.gaussian(7, 1.5)) == 1
    assert decompose.kernel_rank(filters.box(5)) == 1
    assert decompose.kernel_rank(np.eye(3)) == 3
    assert decompose.kernel_rank(np.zeros((3, 3))) == 0
    laplacian = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert decompose.kernel_rank(laplacian) == 2
    assert decompose.kernel_rank(laplacian) == np.linalg.matrix_rank(laplacian)
    # a tolerance can declare small singular values zero
    noisy = filters.sobel2d() + 1e-6 * np.random.default_rng(0).standard_normal((3, 3))
    assert decompose.kernel_rank(noisy) == 3 and decompose.kernel_rank(noisy, tol=1e-3) == 1


def test_separate_sobel_gives_its_smoothing_and_derivative_vectors():
    [(column, row)] = decompose.separate(filters.sobel2d())
    np.testing.assert_allclose(column / column[0], [1, 2, 1], atol=1e-12)
    np.testing.assert_allclose(row / row[2], [-1, 0, 1], atol=1e-12)
    assert column[1] > 0  # sign convention: the largest entry of the column is positive
    np.testing.assert_allclose(np.outer(column, row), filters.sobel2d(), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (5, 5), (3, 5), (4, 2), (1, 4)])
def test_separate_exact_and_sum_of_separable_passes(shape):
    rng = np.random.default_rng(sum(shape))
    k = rng.standard_normal(shape)
    pairs = decompose.separate(k)
    assert len(pairs) == min(shape) == decompose.kernel_rank(k)
    for column, row in pairs:
        assert column.shape == (shape[0],) and row.shape == (shape[1],)
        assert column[np.argmax(np.abs(column))] > 0
    np.testing.assert_allclose(decompose.reconstruct(pairs), k, atol=1e-12)
    x = rng.standard_normal((2, 3, 9, 8))
    passes = sum(functional.spatially_separable_conv2d(x, c, r, padding=1) for c, r in pairs)
    ref = TF.conv2d(torch.from_numpy(x), torch.from_numpy(k)[None, None].expand(3, 1, *shape),
                    padding=1, groups=3).numpy()
    np.testing.assert_allclose(passes, ref, atol=1e-10)


def test_truncated_separate_is_the_best_low_rank_approximation():
    rng = np.random.default_rng(1)
    k = rng.standard_normal((5, 5))
    s = np.linalg.svd(k, compute_uv=False)
    for r in range(1, 6):
        approx = decompose.reconstruct(decompose.separate(k, rank=r))
        assert np.linalg.matrix_rank(approx) == r
        np.testing.assert_allclose(np.linalg.norm(k - approx), np.sqrt(np.sum(s[r:] ** 2)),
                                   atol=1e-10)
    best = decompose.best_rank1(k)
    # no random rank-1 kernel beats it
    for _ in range(200):
        other = np.outer(rng.standard_normal(5), rng.standard_normal(5))
        assert np.linalg.norm(k - other) >= best.error - 1e-12
    assert best.error == pytest.approx(np.sqrt(np.sum(s[1:] ** 2)))
    assert best.relative_error == pytest.approx(best.error / np.linalg.norm(k))
    assert best.energy == pytest.approx(s[0] ** 2 / np.sum(s**2))
    np.testing.assert_allclose(best.approximation, np.outer(best.column, best.row))


def test_best_rank1_of_separable_and_special_kernels():
    g = decompose.best_rank1(filters.gaussian(5, 1.0))
    assert g.error < 1e-12 and g.relative_error < 1e-12 and g.energy == pytest.approx(1.0)
    eye = decompose.best_rank1(np.eye(2))
    assert eye.relative_error == pytest.approx(np.sqrt(0.5)) and eye.energy == pytest.approx(0.5)
    zero = decompose.best_rank1(np.zeros((3, 3)))
    assert zero.error == 0.0 and zero.relative_error == 0.0
    assert decompose.separate(np.zeros((3, 3))) == []


def test_decompose_validation():
    with pytest.raises(ValueError, match=r"rank must be a positive int no larger than .*=3.*"
                                         r"got rank=4"):
        decompose.separate(np.eye(3), rank=4)
    with pytest.raises(ValueError, match="rank must be a positive int"):
        decompose.separate(np.eye(3), rank=0)
    with pytest.raises(TypeError, match="rank must be a positive int"):
        decompose.separate(np.eye(3), rank=1.0)
    with pytest.raises(ValueError, match=r"kernel must be a 2-D array.*got kernel.shape=\(3,\)"):
        decompose.kernel_rank(np.ones(3))
    with pytest.raises(TypeError, match="kernel must be a numpy.ndarray"):
        decompose.kernel_rank("sobel")
    with pytest.raises(ValueError, match="finite"):
        decompose.best_rank1(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="tol must be None or a non-negative number"):
        decompose.kernel_rank(np.eye(2), tol=-1)
    with pytest.raises(TypeError, match="tol must be None"):
        decompose.kernel_rank(np.eye(2), tol="big")
    with pytest.raises(TypeError, match="pairs must be a non-empty list"):
        decompose.reconstruct([])
    with pytest.raises(ValueError, match="every pair must give a kernel of shape"):
        decompose.reconstruct([(np.ones(3), np.ones(3)), (np.ones(2), np.ones(3))])
    with pytest.raises(TypeError, match=r"pairs\[0\] must be a \(column, row\) pair"):
        decompose.reconstruct([np.ones(3)])


@pytest.mark.parametrize("k1,k2", [((1, 7), (7, 1)), ((7, 1), (1, 7)), ((3, 3), (2, 3)),
                                   ((1, 1), (3, 3))])
def test_compose_conv2d_equals_two_stacked_convs(k1, k2):
    rng = np.random.default_rng(k1[0] + 10 * k2[0])
    first = rng.standard_normal((5, 3, *k1))
    second = rng.standard_normal((4, 5, *k2))
    x = rng.standard_normal((2, 3, 12, 11))
    two = TF.conv2d(TF.conv2d(torch.from_numpy(x), torch.from_numpy(first)),
                    torch.from_numpy(second)).numpy()
    w = decompose.compose_conv2d(first, second)
    assert w.shape == (4, 3, k1[0] + k2[0] - 1, k1[1] + k2[1] - 1)
    np.testing.assert_allclose(functional.conv2d(x, w), two, atol=1e-10)


def test_compose_asymmetric_pair_reaches_full_rank_with_channel_mixing():
    rng = np.random.default_rng(0)
    # one channel in the middle: every composed kernel is separable (rank 1)
    thin = decompose.compose_conv2d(rng.standard_normal((1, 2, 1, 7)),
                                    rng.standard_normal((2, 1, 7, 1)))
    assert {decompose.kernel_rank(thin[o, c]) for o in range(2) for c in range(2)} == {1}
    # eight channels in the middle: each composed 7x7 kernel has rank min(7, 8) = 7
    wide = decompose.compose_conv2d(rng.standard_normal((8, 2, 1, 7)),
                                    rng.standard_normal((2, 8, 7, 1)))
    assert {decompose.kernel_rank(wide[o, c]) for o in range(2) for c in range(2)} == {7}
    # the Sobel example of the docstring
    sobel = decompose.compose_conv2d(np.array([-1.0, 0, 1]).reshape(1, 1, 1, 3),
                                     np.array([1.0, 2, 1]).reshape(1, 1, 3, 1))
    np.testing.assert_array_equal(sobel[0, 0], filters.sobel2d())


def test_compose_conv2d_validation():
    with pytest.raises(ValueError, match=r"second.shape\[1\].*first.shape\[0\]=5"):
        decompose.compose_conv2d(np.ones((5, 3, 1, 3)), np.ones((4, 2, 3, 1)))
    with pytest.raises(ValueError, match="first must be a 4-D array"):
        decompose.compose_conv2d(np.ones((3, 1, 3)), np.ones((4, 3, 3, 1)))


# --------------------------------------------------------------------------- plotting


def test_outer_product_figure():
    fig = plotting.outer_product([1, 2, 1], [-1, 0, 1])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["column 3×1", "row 1×3", "kernel 3×3"]
    kernel_texts = [t.get_text() for t in fig.axes[2].texts]
    assert kernel_texts == ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]
    assert {t.get_text() for t in fig.texts} >= {"⊗", "="}
    plt.close(fig)
    fig = plotting.outer_product(filters.gaussian1d(3, 1.0), filters.gaussian1d(5, 1.0),
                                 titles=("g", "g", "G"))
    corner = filters.gaussian1d(3, 1.0)[0] * filters.gaussian1d(5, 1.0)[0]
    assert fig.axes[2].get_title() == "G 3×5"
    assert fig.axes[2].texts[0].get_text() == f"{corner:.2f}" == "0.01"
    plt.close(fig)
    with pytest.raises(ValueError, match="column must be a 1-D array"):
        plotting.outer_product(np.ones((2, 2)), [1, 2])
    with pytest.raises(TypeError, match="titles must be three strings"):
        plotting.outer_product([1], [1], titles=("a", "b"))
    fig, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="axes must hold 3 axes"):
        plotting.outer_product([1], [1], axes=axes)
    plt.close(fig)


def test_separable_steps_figure_shows_the_two_passes():
    x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2],
                  [2, 0, 0, 0, 1]], dtype=float)
    fig = plotting.separable_steps(x, [1, 2, 1], [-1, 0, 1], position=(1, 1))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["input 5×5", "column 3×1", "intermediate 3×5", "row 1×3", "output 3×3"]
    middle = [t.get_text() for t in fig.axes[2].texts]
    expected_middle = functional.conv2d(x[None, None], np.array([1.0, 2, 1]).reshape(1, 1, 3, 1))
    assert middle == [str(int(v)) for v in expected_middle.ravel()]
    out = [t.get_text() for t in fig.axes[4].texts]
    expected = functional.conv2d(x[None, None], filters.sobel2d()[None, None])
    assert out == [str(int(v)) for v in expected.ravel()]
    red = [p for p in fig.axes[0].patches if not p.get_fill()]
    assert len(red) == 1 and red[0].get_xy() == (0.5, 0.5)  # the 3x3 block at (1, 1)
    plt.close(fig)
    with pytest.raises(ValueError, match="position must index the output"):
        plotting.separable_steps(x, [1, 2, 1], [1, 1], position=(3, 0))
    with pytest.raises(TypeError, match="position must be an output index"):
        plotting.separable_steps(x, [1, 2, 1], [1, 1], position=1)
    with pytest.raises(ValueError, match="must fit in x"):
        plotting.separable_steps(x, np.ones(6), [1, 1])
    plt.close("all")


# --------------------------------------------------------------------------- widgets


def test_separable_explorer_counts_and_formulas():
    explorer = widgets.separable_explorer()
    render = explorer.update(image_size=5, kernel_size=3)
    assert render.error is None
    assert "standard:  3² positions × 3² = 81   (loop counted 81)" in render.text
    assert "total 72   (loop counted 72)" in render.text
    assert "0.8889" in render.text and "limit 2/m = 0.6667" in render.text
    assert "parameters: 9 for the 3×3 kernel, 6 for its column and row" in render.text
    assert "warning" not in render.text
    assert len(render.figure.axes) == 2
    render = explorer.update(image_size=7, kernel_size=3)
    assert "(loop counted 225)" in render.text and "(loop counted 180)" in render.text
    bars = [p.get_height() for p in render.figure.axes[0].patches]
    assert bars == [225, 105, 75]
    render = explorer.update(image_size=12, kernel_size=2)
    assert "cost" in render.text and "pays off only from m = 3" in render.text


def test_separable_explorer_explains_a_kernel_too_large():
    explorer = widgets.separable_explorer(max_image_size=10)
    render = explorer.update(image_size=4, kernel_size=7)
    assert render.figure is None and render.error is not None
    assert "does not fit" in render.error
    assert explorer.controls["image_size"].max == 10
    with pytest.raises(ValueError, match="max_image_size must be an int >= 3"):
        widgets.separable_explorer(max_image_size=2)


# --------------------------------------------------------------------------- exercises


def _separable_blur_solution(image, column, row):
    middle = np.array([[column @ image[i:i + len(column), j] for j in range(image.shape[1])]
                       for i in range(image.shape[0] - len(column) + 1)])
    return np.array([[middle[i, j:j + len(row)] @ row
                      for j in range(middle.shape[1] - len(row) + 1)]
                     for i in range(middle.shape[0])])


def test_check_separable_blur_pass_and_fail(capsys):
    exercises.check_separable_blur(_separable_blur_solution)
    assert capsys.readouterr().out.startswith("✓ separable blur: all 5 cases")

    def flipped(image, column, row):  # true convolution instead of correlation
        return _separable_blur_solution(image, column[::-1], row[::-1])

    with pytest.raises(AssertionError, match="separable blur: case 3 of 5"):
        exercises.check_separable_blur(flipped)

    def same_size(image, column, row):
        return image

    with pytest.raises(AssertionError, match="expected shape"):
        exercises.check_separable_blur(same_size)

    def todo(image, column, row):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not implemented yet"):
        exercises.check_separable_blur(todo)
    assert capsys.readouterr().err == ""


def test_check_separable_mults_pass_and_fail(capsys):
    right = {"standard": 225, "column_pass": 105, "row_pass": 75, "separable": 180}
    exercises.check_separable_mults(right)
    out = capsys.readouterr().out
    assert out == "✓ separable multiplications (N=7, m=3): standard 225, separable 105 + 75 = 180\n"
    with pytest.raises(AssertionError, match=r"standard: expected 225, got 245.*\nHint: .*"):
        exercises.check_separable_mults({**right, "standard": 245})
    with pytest.raises(AssertionError, match="row_pass: expected 75, got 105"):
        exercises.check_separable_mults({**right, "row_pass": 105})
    with pytest.raises(AssertionError, match=r"missing the key\(s\) \['separable'\]"):
        exercises.check_separable_mults({k: v for k, v in right.items() if k != "separable"})
    with pytest.raises(AssertionError, match="expected a dict"):
        exercises.check_separable_mults([225, 105, 75, 180])
    exercises.check_separable_mults(
        {"standard": 81, "column_pass": 45, "row_pass": 27, "separable": 72}, n=5, m=3)
    with pytest.raises(ValueError, match="m must not exceed n"):
        exercises.check_separable_mults(right, n=3, m=5)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- gpu


def test_gpu_lesson07_quick_on_cpu():
    report = gpu.lesson07("cpu", quick=True)
    assert report.ok and len(report.checks) == 6 and len(report.rows) == 6
    assert report.metrics["predicted_speedup"] == {7: 3.5, 15: 7.5, 31: 15.5}
    assert set(report.metrics["measured_speedup"]) == {7, 15, 31}
    intensity = report.metrics["intensity"]
    assert intensity["31×31 blur, 31×1 then 1×31"] == pytest.approx(31 / 4)
    # each separable row is compared with its own 2-D row
    for one, two in zip(report.rows[::2], report.rows[1::2], strict=True):
        assert two.baseline == one.name and report.measured_speedup(one) == 1.0
