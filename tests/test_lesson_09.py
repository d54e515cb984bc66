"""Tests of the package pieces lesson 09 (flattened convolution) adds.

decompose.best_rank1_tensor, cost.flattened_params / flattened_macs, filters.gabor,
plotting.flattened_kernel, widgets.flattened_vector / flattened_explorer,
exercises.check_rank1_kernel / check_flattened_costs. gpu.lesson09 runs in
tests/test_gpu.py; its metrics are checked here on the quick CPU setting.
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
    models,
    plotting,
    widgets,
)

# --------------------------------------------------------------------------- best_rank1_tensor


def _outer3(a, b, c):
    return np.einsum("i,j,k->ijk", a, b, c)


def test_rank1_tensor_is_recovered_exactly():
    a, b, c = np.array([2.0, -1.0, 0.5]), np.array([1.0, 2.0, 1.0]), np.array([-1.0, 0, 1])
    fit = decompose.best_rank1_tensor(_outer3(a, b, c))
    np.testing.assert_allclose(fit.tensor, _outer3(a, b, c), atol=1e-12)
    assert fit.relative_error < 1e-12
    # unit vertical/horizontal with positive peak; the scale sits in the lateral vector
    nb, nc = np.linalg.norm(b), np.linalg.norm(c)
    np.testing.assert_allclose(fit.vertical, b / nb, atol=1e-12)
    # [-1, 0, 1] has a tie for the largest magnitude: the first entry is made positive
    np.testing.assert_allclose(fit.horizontal, -c / nc, atol=1e-12)
    np.testing.assert_allclose(fit.lateral, -a * nb * nc, atol=1e-12)


def test_single_channel_reduces_to_the_svd():
    # with C = 1 the best rank-1 tensor is the best rank-1 matrix (Eckart-Young)
    rng = np.random.default_rng(0)
    m = rng.standard_normal((5, 4))
    fit = decompose.best_rank1_tensor(m[None])
    r2 = decompose.best_rank1(m)
    np.testing.assert_allclose(fit.tensor[0], r2.approximation, atol=1e-10)
    assert fit.relative_error == pytest.approx(r2.relative_error, abs=1e-10)


def test_error_is_consistent_and_optimal_among_restarts():
    rng = np.random.default_rng(1)
    t = rng.standard_normal((4, 3, 5))
    fit = decompose.best_rank1_tensor(t, iters=200)
    direct = np.linalg.norm(t - fit.tensor) / np.linalg.norm(t)
    assert fit.relative_error == pytest.approx(direct, rel=1e-12)
    # at an optimum the residual is orthogonal to the fit: ||t||² = ||fit||² + ||t - fit||²
    assert np.linalg.norm(t) ** 2 == pytest.approx(
        np.linalg.norm(fit.tensor) ** 2 + np.linalg.norm(t - fit.tensor) ** 2, rel=1e-9)
    # no random rank-1 tensor polished by least squares on the lateral factor does better
    for seed in range(20):
        g = np.random.default_rng(seed)
        b, c = g.standard_normal(3), g.standard_normal(5)
        a = np.einsum("ijk,j,k->i", t, b, c) / (b @ b * (c @ c))
        assert np.linalg.norm(t - _outer3(a, b, c)) >= np.linalg.norm(t - fit.tensor) - 1e-12


def test_more_iterations_never_hurt():
    rng = np.random.default_rng(2)
    t = rng.standard_normal((6, 3, 3))
    errors = [decompose.best_rank1_tensor(t, iters=i).relative_error for i in (1, 2, 5, 50)]
    assert all(e1 >= e2 - 1e-12 for e1, e2 in zip(errors, errors[1:], strict=False))


def test_filter_bank_matches_per_filter_fits_and_feeds_flattened_conv():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3, 3, 5))
    fit = decompose.best_rank1_tensor(w)
    assert fit.lateral.shape == (4, 3) and fit.vertical.shape == (4, 3)
    assert fit.horizontal.shape == (4, 5) and fit.relative_error.shape == (4,)
    for o in range(4):
        one = decompose.best_rank1_tensor(w[o])
        np.testing.assert_allclose(fit.tensor[o], one.tensor, atol=1e-10)
        assert fit.relative_error[o] == pytest.approx(one.relative_error, abs=1e-10)
    np.testing.assert_allclose(
        functional.rank1_kernel(fit.lateral, fit.vertical, fit.horizontal), fit.tensor,
        atol=1e-12)
    x = rng.standard_normal((2, 3, 8, 9))
    np.testing.assert_allclose(
        functional.flattened_conv2d(x, fit.lateral, fit.vertical, fit.horizontal, padding=1),
        functional.conv2d(x, fit.tensor, padding=1), atol=1e-10)


def test_random_filters_are_far_from_rank1_and_gabors_behave():
    rng = np.random.default_rng(0)
    assert decompose.best_rank1_tensor(rng.standard_normal((3, 5, 5))).relative_error > 0.7
    straight = np.stack([0.3, 0.6, 0.1])[:, None, None] * filters.gabor(7, 0.0, 4.0, 1.5)
    diagonal = np.stack([0.3, 0.6, 0.1])[:, None, None] * filters.gabor(7, np.pi / 4, 4.0, 1.5)
    assert decompose.best_rank1_tensor(straight).relative_error < 1e-10
    assert decompose.best_rank1_tensor(diagonal).relative_error > 0.5


def test_zero_filter_and_validation():
    fit = decompose.best_rank1_tensor(np.zeros((2, 3, 3)))
    assert fit.relative_error == 0.0 and not fit.tensor.any()
    with pytest.raises(ValueError, match="weight"):
        decompose.best_rank1_tensor(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="finite"):
        decompose.best_rank1_tensor(np.full((1, 2, 2), np.nan))
    with pytest.raises(TypeError, match="weight"):
        decompose.best_rank1_tensor("abc")
    with pytest.raises(ValueError, match="iters"):
        decompose.best_rank1_tensor(np.ones((1, 2, 2)), iters=0)
    with pytest.raises(TypeError, match="iters"):
        decompose.best_rank1_tensor(np.ones((1, 2, 2)), iters=2.5)


# --------------------------------------------------------------------------- cost


@pytest.mark.parametrize("c_in, c_out, k, bias", [(3, 8, 3, True), (16, 4, (3, 5), False),
                                                  (1, 1, 1, True)])
def test_flattened_params_match_the_module(c_in, c_out, k, bias):
    layer = models.FlattenedConv2d(c_in, c_out, k, bias=bias)
    assert cost.flattened_params(c_in, c_out, k, bias=bias) == cost.count_params(layer)


@pytest.mark.parametrize("c_in, c_out, k, size, padding",
                         [(3, 8, 3, 5, 1), (4, 6, (3, 5), (9, 7), 0), (2, 2, (1, 3), 6, (2, 1))])
def test_flattened_macs_match_torch_flop_counter(c_in, c_out, k, size, padding):
    layer = models.FlattenedConv2d(c_in, c_out, k, padding=padding)
    hw = (size, size) if isinstance(size, int) else size
    assert cost.flattened_macs(c_in, c_out, k, size, padding) == cost.count_macs(
        layer, (1, c_in, *hw))


def test_flattened_cost_formulas_by_hand_and_errors():
    assert cost.flattened_params(256, 256, 3, bias=False) == 256 * (256 + 6)
    assert cost.flattened_macs(64, 128, 3, 16, padding=1) == 128 * 256 * (64 + 6)
    with pytest.raises(ValueError, match="padding"):
        cost.flattened_macs(3, 4, 3, 5, padding=(1, 1, 1))
    with pytest.raises(ValueError, match="fit"):
        cost.flattened_macs(3, 4, 5, 3)
    with pytest.raises(TypeError, match="bias"):
        cost.flattened_params(3, 4, 3, bias=1)
    with pytest.raises(ValueError, match="in_channels"):
        cost.flattened_params(0, 4, 3)


# --------------------------------------------------------------------------- filters.gabor


def test_gabor_shape_symmetry_and_rank():
    g = filters.gabor(7, 0.0, 4.0, 1.5)
    assert g.shape == (7, 7) and g[3, 3] == pytest.approx(1.0)
    assert np.allclose(g, g[::-1]) and np.allclose(g, g[:, ::-1])  # even filter
    assert np.linalg.matrix_rank(g) == 1
    assert np.linalg.matrix_rank(filters.gabor(7, np.pi / 4, 4.0, 1.5)) > 1
    odd = filters.gabor(5, 0.0, 4.0, 1.5, phase=np.pi / 2)
    assert np.allclose(odd, -odd[:, ::-1])  # an odd (edge) filter along the columns
    np.testing.assert_allclose(filters.gabor(7, np.pi / 2, 4.0, 1.5), g.T, atol=1e-12)


def test_gabor_validation():
    with pytest.raises(ValueError, match="size"):
        filters.gabor(4, 0.0, 4.0, 1.0)
    with pytest.raises(ValueError, match="wavelength"):
        filters.gabor(5, 0.0, 0.0, 1.0)
    with pytest.raises(TypeError, match="sigma"):
        filters.gabor(5, 0.0, 4.0, "1")
    with pytest.raises(ValueError, match="theta"):
        filters.gabor(5, float("nan"), 4.0, 1.0)


# --------------------------------------------------------------------------- plotting


def test_flattened_kernel_figure_shows_the_slices():
    fig = plotting.flattened_kernel([1, -1, 2], [1, 2, 1], [-1, 0, 1])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1].startswith("lateral") and titles[3].startswith("horizontal")
    assert len(fig.axes) == 1 + 3 + 3
    # slice c=2 is 2 · outer([1, 2, 1], [-1, 0, 1]): its numbers are written in the grid
    texts = [t.get_text() for t in fig.axes[6].texts]
    assert texts == [str(v) for v in (2 * np.outer([1, 2, 1], [-1, 0, 1])).ravel().astype(int)]
    plt.close(fig)
    fig = plotting.flattened_kernel(np.ones(6), np.ones(2), np.ones(4), max_slices=2)
    assert len(fig.axes) == 1 + 3 + 2 and any("4 more" in t.get_text() for t in fig.texts)
    plt.close(fig)


def test_flattened_kernel_validation():
    with pytest.raises(ValueError, match="lateral"):
        plotting.flattened_kernel(np.ones((2, 2)), [1], [1])
    with pytest.raises(ValueError, match="max_slices"):
        plotting.flattened_kernel([1], [1], [1], max_slices=0)


# --------------------------------------------------------------------------- widgets


def test_flattened_vectors():
    assert widgets.flattened_vector("smoothing (binomial)", 3).tolist() == [1, 2, 1]
    assert widgets.flattened_vector("derivative", 3).tolist() == [-1, 0, 1]
    assert widgets.flattened_vector("derivative", 2).tolist() == [-1, 1]
    assert widgets.flattened_vector("alternating ±1", 4).tolist() == [1, -1, 1, -1]
    assert widgets.flattened_vector("first channel only", 3).tolist() == [1, 0, 0]
    r = widgets.flattened_vector("random", 5, seed=4)
    assert np.array_equal(r, widgets.flattened_vector("random", 5, seed=4))
    assert set(r.tolist()) <= {-2, -1, 0, 1, 2}
    with pytest.raises(ValueError, match="2 taps"):
        widgets.flattened_vector("derivative", 1)
    with pytest.raises(ValueError, match="kind"):
        widgets.flattened_vector("gaussian", 3)
    with pytest.raises(ValueError, match="n must"):
        widgets.flattened_vector("box", 0)


def test_flattened_explorer_headless():
    ex = widgets.flattened_explorer()
    r = ex.update(channels=4, kernel_size=5, lateral="ones", vertical="box", horizontal="box")
    assert r.error is None and r.figure is not None
    assert "C + 2k = 4 + 2·5 = 14" in r.text and "C·k² = 4·5² = 100" in r.text
    assert "7.14× fewer" in r.text and "below 1e-12" in r.text
    tiny = ex.update(channels=1, kernel_size=1)
    assert "MORE weights" in tiny.text
    bad = ex.update(kernel_size=1, horizontal="derivative")
    assert bad.error is not None and "2 taps" in bad.error
    for name in widgets.FLATTENED_LATERAL:
        assert ex.update(kernel_size=3, lateral=name, horizontal="random").error is None
    assert isinstance(ex.widget, widgets.ipywidgets.VBox)


# --------------------------------------------------------------------------- exercises


def test_check_rank1_kernel_pass_and_fail(capsys):
    exercises.check_rank1_kernel(functional.rank1_kernel)
    assert capsys.readouterr().out.startswith("✓ rank1_kernel")
    with pytest.raises(AssertionError, match="rank1_kernel"):
        exercises.check_rank1_kernel(lambda a, b, c: np.einsum("oc,oi,oj->ocji", a, b, c))
    with pytest.raises(AssertionError):  # summing over the filters is the classic slip
        exercises.check_rank1_kernel(lambda a, b, c: np.einsum("oc,pi,qj->ocij", a, b, c))


def test_check_flattened_costs_pass_and_fail(capsys):
    right = {"standard_weights": 73728, "flattened_weights": 8960,
             "standard_macs": 18874368, "flattened_macs": 2293760}
    exercises.check_flattened_costs(right)
    assert "8.2× fewer" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="flattened_weights"):
        exercises.check_flattened_costs({**right, "flattened_weights": 128 * 64 * 3})
    with pytest.raises(AssertionError, match="missing"):
        exercises.check_flattened_costs({"standard_weights": 73728})
    with pytest.raises(AssertionError, match="dict"):
        exercises.check_flattened_costs([1, 2, 3, 4])


# --------------------------------------------------------------------------- gpu.lesson09


def test_lesson09_quick_report_on_cpu():
    report = gpu.lesson09("cpu", quick=True)
    assert report.ok and len(report.checks) == 3 and len(report.rows) == 5
    # C_in k² / (C_in + 2k) = 8·9 / 14
    assert report.metrics["flop_ratio"] == pytest.approx(72 / 14)
    assert report.metrics["intensity"]["depthwise"] < report.metrics["intensity"]["standard"]
    assert "lesson 09" in report.table()


def test_flattened_layer_equals_rank1_conv_in_torch():
    torch.manual_seed(0)
    layer = models.FlattenedConv2d(3, 5, (3, 4), padding=(1, 2)).double()
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    ref = TF.conv2d(x, layer.rank1_weight(), layer.bias, padding=(1, 2))
    torch.testing.assert_close(layer(x), ref, rtol=0, atol=1e-12)
