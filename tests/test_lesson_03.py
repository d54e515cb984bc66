"""Tests of the package pieces lesson 03 (3D convolution) adds.

filters.py (Sobel 1-D/2-D/3-D, Gaussian, box), cost.r2plus1d_mid_channels,
models.Conv2Plus1d, widgets.conv3d_explorer, exercises.check_conv3d_via_conv2d /
check_conv3d_prediction. gpu.lesson03 is exercised by tests/test_gpu.py.
"""

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import torch
import torch.nn.functional as TF

from convlessons import cost, filters, functional

# --------------------------------------------------------------------------- filters


def test_sobel2d_is_the_textbook_kernel():
    assert filters.sobel2d(1).astype(int).tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert np.array_equal(filters.sobel2d(0), filters.sobel2d(1).T)
    assert np.array_equal(filters.sobel2d(-1), filters.sobel2d(1))
    assert np.array_equal(filters.sobel2d(1), np.outer([1, 2, 1], [-1, 0, 1]))


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_sobel3d_structure(axis):
    k = filters.sobel3d(axis)
    assert k.shape == (3, 3, 3) and k.dtype == np.float64
    assert k.sum() == 0 and np.abs(k).sum() == 32
    # antisymmetric along `axis`, symmetric along the others
    assert np.array_equal(np.flip(k, axis), -k)
    for other in {0, 1, 2} - {axis}:
        assert np.array_equal(np.flip(k, other), k)
    # it is the outer product of [-1, 0, 1] along axis and [1, 2, 1] elsewhere
    vecs = [np.array(filters.DERIVATIVE_1D if a == axis else filters.SMOOTHING_1D)
            for a in range(3)]
    assert np.array_equal(k, np.einsum("i,j,k->ijk", *vecs))


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_sobel3d_matches_scipy_ndimage_sobel(axis):
    rng = np.random.default_rng(axis)
    vol = rng.standard_normal((6, 7, 8))
    ours = functional.conv3d(vol[None, None], filters.sobel3d(axis)[None, None])[0, 0]
    ref = scipy.ndimage.sobel(vol, axis=axis)[1:-1, 1:-1, 1:-1]   # interior: no boundary mode
    np.testing.assert_allclose(ours, ref, atol=1e-12)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_sobel3d_responds_to_a_ramp_only_along_its_axis(axis):
    grid = np.indices((5, 5, 5)).astype(float)
    for ramp_axis in range(3):
        ramp = torch.from_numpy(grid[ramp_axis][None, None])
        out = TF.conv3d(ramp, torch.from_numpy(filters.sobel3d(axis))[None, None])
        expected = 32.0 if ramp_axis == axis else 0.0   # 16 pairs, each seeing a step of 2
        assert torch.all(out == expected)


def test_sobel_1d_and_ndim_checks():
    assert filters.sobel1d().tolist() == [-1.0, 0.0, 1.0]
    assert np.array_equal(filters.sobel(3, -3), filters.sobel3d(0))
    with pytest.raises(ValueError, match=r"axis must be .*got axis=3"):
        filters.sobel3d(3)
    with pytest.raises(TypeError, match=r"axis must be .*got axis=1.0"):
        filters.sobel3d(1.0)
    with pytest.raises(TypeError, match=r"axis must be .*got axis=True"):
        filters.sobel2d(True)
    with pytest.raises(ValueError, match=r"ndim must be 1, 2 or 3, got ndim=4"):
        filters.sobel(4, 0)
    with pytest.raises(ValueError, match=r"ndim must be 1, 2 or 3, got ndim=0"):
        filters.sobel(0, 0)


def test_gaussian_kernels():
    g = filters.gaussian1d(7, 1.5)
    ref = scipy.signal.windows.gaussian(7, 1.5)
    np.testing.assert_allclose(g, ref / ref.sum(), atol=1e-15)
    for ndim in (1, 2, 3):
        k = filters.gaussian(5, 0.8, ndim=ndim)
        assert k.shape == (5,) * ndim
        assert abs(k.sum() - 1) < 1e-12
        assert np.unravel_index(k.argmax(), k.shape) == (2,) * ndim
    k2 = filters.gaussian(5, 0.8)
    np.testing.assert_allclose(k2, np.outer(filters.gaussian1d(5, 0.8), filters.gaussian1d(5, 0.8)))
    with pytest.raises(ValueError, match=r"size must be an odd positive int, got size=4"):
        filters.gaussian1d(4, 1.0)
    with pytest.raises(ValueError, match=r"sigma must be a positive number, got sigma=0"):
        filters.gaussian1d(3, 0)
    with pytest.raises(TypeError, match=r"sigma must be a positive number, got sigma='1'"):
        filters.gaussian1d(3, "1")
    with pytest.raises(ValueError, match=r"ndim must be 1, 2 or 3"):
        filters.gaussian(3, 1.0, ndim=5)


def test_box_filter():
    b = filters.box(3, ndim=3)
    assert b.shape == (3, 3, 3) and abs(b.sum() - 1) < 1e-12 and np.all(b == b[0, 0, 0])
    vol = np.full((1, 1, 4, 4, 4), 2.5)
    np.testing.assert_allclose(functional.conv3d(vol, b[None, None]), 2.5)
    with pytest.raises(ValueError, match=r"size must be a positive int, got size=0"):
        filters.box(0)
    with pytest.raises(TypeError, match=r"size must be a positive int, got size=2.0"):
        filters.box(2.0)


# --------------------------------------------------------------------------- cost


@pytest.mark.parametrize(
    ("c_in", "c_out", "k", "expected"),
    [(64, 64, 3, 144), (64, 128, 3, 230), (3, 64, 3, 23), (3, 64, (3, 7, 7), 83),
     (64, 64, (3, 7, 7), 180)],
)
def test_r2plus1d_mid_channels_matches_the_paper_formula(c_in, c_out, k, expected):
    t, kh, kw = (k, k, k) if isinstance(k, int) else k
    m = cost.r2plus1d_mid_channels(c_in, c_out, k)
    assert m == expected == (t * kh * kw * c_in * c_out) // (kh * kw * c_in + t * c_out)
    full = cost.conv_params(c_in, c_out, (t, kh, kw), bias=False)
    split = (cost.conv_params(c_in, m, (1, kh, kw), bias=False)
             + cost.conv_params(m, c_out, (t, 1, 1), bias=False))
    assert split <= full < split + kh * kw * c_in + t * c_out   # one more M would exceed it


def test_r2plus1d_mid_channels_validation():
    assert cost.r2plus1d_mid_channels(1, 1, 1) == 1          # never below one channel
    with pytest.raises(ValueError, match=r"kernel_size must be .*got kernel_size=\(3, 3\)"):
        cost.r2plus1d_mid_channels(4, 4, (3, 3))
    with pytest.raises(ValueError, match=r"in_channels must be a positive int, got in_channels=0"):
        cost.r2plus1d_mid_channels(0, 4, 3)
    with pytest.raises(TypeError, match=r"kernel_size"):
        cost.r2plus1d_mid_channels(4, 4, 3.0)


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize(
    ("kernel", "stride", "padding"),
    [(3, 1, 1), ((3, 5, 5), (1, 2, 2), (1, 2, 2)), ((2, 3, 1), 2, 0), (1, 1, 0)],
)
def test_conv2plus1d_has_the_output_shape_of_conv3d(kernel, stride, padding):
    from convlessons import models

    x = torch.zeros(2, 4, 7, 9, 8)
    block = models.Conv2Plus1d(4, 6, kernel, stride=stride, padding=padding)
    full = torch.nn.Conv3d(4, 6, kernel, stride=stride, padding=padding)
    assert block(x).shape == full(x).shape


def test_conv2plus1d_parameters_match_and_defaults():
    from convlessons import models

    block = models.Conv2Plus1d(64, 128, 3, bias=False)
    assert block.mid_channels == cost.r2plus1d_mid_channels(64, 128, 3) == 230
    assert cost.count_params(block) == 230 * (9 * 64 + 3 * 128) <= 27 * 64 * 128
    assert isinstance(block.relu, torch.nn.ReLU)
    assert block.spatial.kernel_size == (1, 3, 3) and block.temporal.kernel_size == (3, 1, 1)
    with_bias = models.Conv2Plus1d(64, 128, 3, mid_channels=10)
    assert cost.count_params(with_bias) == 10 * (9 * 64 + 1) + 128 * (3 * 10 + 1)
    # at stride 1 the matched block does at most the MACs of the 3D layer
    shape = (1, 64, 4, 6, 6)
    full = torch.nn.Conv3d(64, 128, 3, padding=1, bias=False)
    matched = models.Conv2Plus1d(64, 128, 3, padding=1, bias=False)
    assert cost.count_macs(matched, shape) <= cost.count_macs(full, shape)
    assert cost.count_macs(matched, shape) == cost.count_params(matched) * 4 * 6 * 6


def test_conv2plus1d_without_activation_is_a_rank1_3d_conv():
    from convlessons import models

    torch.manual_seed(0)
    block = models.Conv2Plus1d(1, 1, 3, mid_channels=1, padding=1, bias=False,
                               activation=False).double()
    spatial = block.spatial.weight[0, 0, 0]          # (3, 3)
    temporal = block.temporal.weight[0, 0, :, 0, 0]  # (3,)
    kernel = torch.einsum("t,hw->thw", temporal, spatial)[None, None]
    x = torch.randn(1, 1, 5, 6, 7, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(block(x), TF.conv3d(x, kernel, padding=1))


def test_conv2plus1d_validation():
    from convlessons import models

    with pytest.raises(ValueError, match=r"kernel_size must be .*got kernel_size=\(3, 3\)"):
        models.Conv2Plus1d(2, 2, (3, 3))
    with pytest.raises(ValueError, match=r"padding must be a non-negative int.*got padding=-1"):
        models.Conv2Plus1d(2, 2, 3, padding=-1)
    with pytest.raises(ValueError, match=r"mid_channels must be .*got mid_channels=0"):
        models.Conv2Plus1d(2, 2, 3, mid_channels=0)
    with pytest.raises(TypeError, match=r"activation must be True or False, got activation=1"):
        models.Conv2Plus1d(2, 2, 3, activation=1)
    with pytest.raises(TypeError, match=r"in_channels must be a positive int"):
        models.Conv2Plus1d(2.0, 2, 3)


# --------------------------------------------------------------------------- widgets


def test_conv3d_explorer_reports_shape_params_and_macs():
    from convlessons import shapes, widgets

    ex = widgets.conv3d_explorer()
    r = ex.update(volume_size=16, kernel_size=3, stride=2, padding=1, in_channels=4,
                  out_channels=8)
    assert r.error is None and ex.last is r
    out = shapes.conv_output_size((16, 16, 16), 3, 2, 1)
    assert out == (8, 8, 8) and "output volume 8×8×8" in r.text
    assert f"parameters {cost.conv_params(4, 8, (3, 3, 3)):,}" in r.text
    assert f"multiply-adds {cost.conv_macs(4, 8, (3, 3, 3), out):,}" in r.text
    assert f"has {cost.conv_params(4, 8, (3, 3)):,}" in r.text          # the 2-D comparison
    assert "never covered" in r.text                                     # (18 - 3) % 2 == 1
    # figure: 4 input slices above 4 output slices, the output is 8 deep
    titles = [ax.get_title() for ax in r.figure.axes if ax.images]
    assert titles[:4] == ["slice 0 of 16", "slice 5 of 16", "slice 10 of 16", "slice 15 of 16"]
    assert all(t.endswith("of 8") for t in titles[4:]) and len(titles) == 8


def test_conv3d_explorer_filtered_slices_match_functional_conv3d():
    from convlessons import data, widgets

    r = widgets.conv3d_explorer().update(volume_size=12, kernel_size=5, stride=1, padding=0)
    out_axes = [ax for ax in r.figure.axes if ax.images][4:]
    volume = data.synthetic_volume((12, 12, 12), "spheres")
    expected = functional.conv3d(volume[None, None], filters.box(5, ndim=3)[None, None])[0, 0]
    assert "output volume 8×8×8" in r.text and "never covered" not in r.text
    np.testing.assert_allclose(out_axes[0].images[0].get_array(), expected[0], atol=1e-12)
    np.testing.assert_allclose(out_axes[-1].images[0].get_array(), expected[-1], atol=1e-12)


def test_conv3d_explorer_explains_impossible_settings():
    from convlessons import widgets

    ex = widgets.conv3d_explorer()
    r = ex.update(volume_size=8, kernel_size=7, padding=0)
    assert r.error is None and "output volume 2×2×2" in r.text
    r = ex.update(volume_size=5, kernel_size=7, padding=0)   # below the slider's minimum
    assert r.figure is None and r.error is not None
    assert "padded volume is only 5" in r.error and r.text.startswith("This combination")
    assert isinstance(ex.widget.children[0].value, str)     # builds the widget without error


# --------------------------------------------------------------------------- exercises


def _good_conv3d_via_conv2d(x, w, stride=1, padding=0):
    kd = w.shape[2]
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (0, 0), (0, 0)])
    d_out = (xp.shape[2] - kd) // stride + 1
    return np.stack([
        sum(functional.conv2d(xp[:, :, stride * d + i], w[:, :, i], stride=stride,
                              padding=padding) for i in range(kd))
        for d in range(d_out)], axis=2)


def test_check_conv3d_via_conv2d_pass_and_fail(capsys):
    from convlessons import exercises

    exercises.check_conv3d_via_conv2d(_good_conv3d_via_conv2d)
    out = capsys.readouterr()
    assert out.out.startswith("✓ conv3d_via_conv2d") and out.err == ""

    def stride_ignored_in_depth(x, w, stride=1, padding=0):
        return _good_conv3d_via_conv2d(x, w, 1, padding)[:, :, ::1]

    with pytest.raises(AssertionError, match=r"case 3 of 5.*expected shape"):
        exercises.check_conv3d_via_conv2d(stride_ignored_in_depth)

    def not_done(x, w, stride=1, padding=0):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        exercises.check_conv3d_via_conv2d(not_done)

    def flipped(x, w, stride=1, padding=0):   # true convolution instead of correlation
        return _good_conv3d_via_conv2d(x, w[:, :, ::-1, ::-1, ::-1].copy(), stride, padding)

    with pytest.raises(AssertionError, match=r"(?s)values differ.*Hint: pad only the depth axis"):
        exercises.check_conv3d_via_conv2d(flipped)


def test_check_conv3d_prediction_pass_and_fail(capsys):
    from convlessons import exercises

    stem = torch.nn.Conv3d(3, 64, kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3))
    shape = (2, 3, 16, 112, 112)
    right = ((2, 64, 16, 56, 56), 64 * (3 * 147 + 1), 64 * 3 * 147 * 16 * 56 * 56)
    assert right[1] == cost.count_params(stem)
    assert right[2] == cost.count_macs(stem, (1, 3, 16, 112, 112))
    exercises.check_conv3d_prediction(*right, conv=stem, input_shape=shape)
    out = capsys.readouterr()
    assert out.out.count("✓") == 1 and "28,288 parameters" in out.out and out.err == ""
    with pytest.raises(AssertionError, match=r"output shape: expected \(2, 64, 16, 56, 56\)"):
        exercises.check_conv3d_prediction((2, 64, 14, 53, 53), *right[1:], conv=stem,
                                          input_shape=shape)
    with pytest.raises(AssertionError, match=r"parameters: expected 28288, got 28224"):
        exercises.check_conv3d_prediction(right[0], 28224, right[2], conv=stem,
                                          input_shape=shape)
    with pytest.raises(AssertionError, match=r"(?s)multiply-adds \(one sample\).*Hint: one"):
        exercises.check_conv3d_prediction(right[0], right[1], 2 * right[2], conv=stem,
                                          input_shape=shape)
    with pytest.raises(TypeError, match=r"conv must be a torch.nn.Conv3d"):
        exercises.check_conv3d_prediction(*right, conv=torch.nn.Conv2d(3, 4, 3),
                                          input_shape=shape)
    with pytest.raises(ValueError, match=r"input_shape must be a tuple \(N, C, D, H, W\)"):
        exercises.check_conv3d_prediction(*right, conv=stem, input_shape=(3, 16, 112, 112))
    with pytest.raises(ValueError, match=r"input_shape has 1 channels but conv expects 3"):
        exercises.check_conv3d_prediction(*right, conv=stem, input_shape=(2, 1, 16, 112, 112))


# --------------------------------------------------------------------------- gpu


def test_gpu_lesson03_quick_on_cpu():
    from convlessons import gpu

    report = gpu.lesson03("cpu", quick=True)
    assert report.ok and len(report.rows) == 3 and len(report.checks) == 3
    m = report.metrics["mid_channels"]
    params = list(report.metrics["params"].values())
    macs = list(report.metrics["macs"].values())
    assert m == cost.r2plus1d_mid_channels(4, 4, 3) == 9
    assert params[0] == params[1] == 27 * 16 and params[2] * 27 == params[0] * 12
    assert macs[0] == macs[1] and macs[2] * 27 == macs[0] * 12
    assert [r.predicted_speedup for r in report.rows] == [None, 1.0, 27 / 12]
    assert "lesson 03" in report.table()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_lesson03_on_cuda():
    from convlessons import gpu

    report = gpu.lesson03("cuda", quick=True)
    assert report.ok, report.table()
    assert all(c.max_abs_err <= c.tolerance for c in report.checks)
