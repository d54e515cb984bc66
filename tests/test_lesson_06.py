"""Tests of the package pieces lesson 06 (dilated convolution) adds.

receptive.py (dilate_kernel, dilated_stack, receptive_field_map, field_extent,
count_holes, covers_field), widgets.dilation_explorer, exercises.check_dilated_conv1d /
check_receptive_field_predictions. gpu.lesson06 is exercised by tests/test_gpu.py.
"""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from convlessons import exercises, functional, receptive, shapes, widgets

# --------------------------------------------------------------------------- dilate_kernel


def test_dilate_kernel_hand_example_and_identity():
    k = np.arange(1, 10).reshape(3, 3)
    d2 = receptive.dilate_kernel(k, 2)
    assert d2.shape == (5, 5) and d2.dtype == k.dtype
    assert d2[::2, ::2].tolist() == k.tolist() and d2[1::2].sum() == 0 and d2[:, 1::2].sum() == 0
    assert np.array_equal(receptive.dilate_kernel(k, 1), k)
    assert receptive.dilate_kernel(np.array([1.0, 2.0]), 3).tolist() == [1, 0, 0, 2]
    assert receptive.dilate_kernel(k, (1, 3)).shape == (3, 7)


@pytest.mark.parametrize("dilation", [1, 2, 3, (2, 1), (1, 4)])
def test_dilated_conv_equals_conv_with_dilated_kernel(dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 13, 12))
    w = rng.standard_normal((4, 3, 3, 2))
    dense = receptive.dilate_kernel(w, dilation)
    expected_k = shapes.effective_kernel_size((3, 2), dilation)
    assert dense.shape == (4, 3, *expected_k)
    np.testing.assert_allclose(
        functional.conv2d(x, dense), functional.conv2d(x, w, dilation=dilation), atol=1e-12)


def test_dilate_kernel_on_torch_weights_matches_torch_dilation():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(1, 2, 10, 10, generator=gen, dtype=torch.float64)
    w = torch.randn(3, 2, 3, 3, generator=gen, dtype=torch.float64)
    dense = receptive.dilate_kernel(w, 3)
    assert isinstance(dense, torch.Tensor) and dense.shape == (3, 2, 7, 7)
    assert torch.allclose(TF.conv2d(x, dense, padding=3), TF.conv2d(x, w, padding=3, dilation=3))


def test_dilate_kernel_validation():
    with pytest.raises(TypeError, match=r"kernel must be a numeric numpy array"):
        receptive.dilate_kernel([[1, 2]], 2)
    with pytest.raises(ValueError, match=r"dilation must be a positive int.*got dilation=0"):
        receptive.dilate_kernel(np.ones(3), 0)
    with pytest.raises(ValueError, match=r"dilation must have one entry per spread axis"):
        receptive.dilate_kernel(np.ones(3), (2, 2))
    with pytest.raises(TypeError, match=r"dilation must be"):
        receptive.dilate_kernel(np.ones(3), 2.0)
    with pytest.raises(ValueError, match=r"at least one axis"):
        receptive.dilate_kernel(np.ones(()), 2)


# --------------------------------------------------------------------------- dilated_stack


def test_dilated_stack_layers_and_same_padding():
    stack = receptive.dilated_stack([1, 2, 4], channels=2)
    assert [m.dilation for m in stack] == [(1, 1), (2, 2), (4, 4)]
    assert [m.padding for m in stack] == [(1, 1), (2, 2), (4, 4)]
    assert all(m.bias is None and m.in_channels == m.out_channels == 2 for m in stack)
    with torch.no_grad():
        assert stack(torch.zeros(1, 2, 11, 9)).shape == (1, 2, 11, 9)
    valid = receptive.dilated_stack([1, 2], 3, ndim=1, padding="valid")
    assert isinstance(valid[0], torch.nn.Conv1d)
    with torch.no_grad():
        assert valid(torch.zeros(1, 1, 10)).shape == (1, 1, 10 - 2 - 4)
    mixed = receptive.dilated_stack([1, 1], [3, 1], ndim=3)
    assert isinstance(mixed[1], torch.nn.Conv3d) and mixed[1].kernel_size == (1, 1, 1)


def test_dilated_stack_validation():
    with pytest.raises(TypeError, match=r"dilations must be a non-empty list"):
        receptive.dilated_stack([])
    with pytest.raises(TypeError, match=r"dilations must be a non-empty list"):
        receptive.dilated_stack("1, 2")
    with pytest.raises(ValueError, match=r"dilations\[1\] must be a positive int, got .*=0"):
        receptive.dilated_stack([1, 0])
    with pytest.raises(ValueError, match=r"kernel_size must be .* one entry per layer"):
        receptive.dilated_stack([1, 2], [3])
    with pytest.raises(ValueError, match=r"ndim must be 1, 2 or 3, got ndim=4"):
        receptive.dilated_stack([1], ndim=4)
    with pytest.raises(ValueError, match=r"padding must be one of 'same', 'valid'"):
        receptive.dilated_stack([1], padding="full")
    with pytest.raises(ValueError, match=r"padding='same' needs odd kernel sizes"):
        receptive.dilated_stack([1, 2], 2)


# --------------------------------------------------------------------------- receptive_field_map


def test_map_of_small_stacks_is_hand_computable():
    one = receptive.receptive_field_map([torch.nn.Conv2d(1, 1, 3)], 5)
    expected = np.zeros((5, 5), dtype=int)
    expected[1:4, 1:4] = 1
    assert np.array_equal(one, expected) and one.dtype == np.int64
    two = receptive.receptive_field_map(receptive.dilated_stack([1, 1], padding="valid"), 5)
    tri = np.array([1, 2, 3, 2, 1])
    assert np.array_equal(two, np.outer(tri, tri))
    gridding = receptive.receptive_field_map(
        receptive.dilated_stack([2, 2], ndim=1, padding="valid"), 9)
    assert gridding.tolist() == [1, 0, 2, 0, 3, 0, 2, 0, 1]


_SCHEDULES = [[1], [2], [1, 2], [1, 2, 4], [3, 1], [2, 2, 2]]
_FIELD_CASES = [  # 3-D stacks of three layers are left out to keep the suite fast
    (ndim, k, d) for ndim in (1, 2, 3) for k in (2, 3, 4) for d in _SCHEDULES
    if not (ndim == 3 and len(d) == 3)
]


@pytest.mark.parametrize(("ndim", "kernel_size", "dilations"), _FIELD_CASES)
def test_measured_field_equals_shapes_receptive_field(ndim, kernel_size, dilations):
    r = shapes.receptive_field([kernel_size] * len(dilations), dilations=dilations)
    stack = receptive.dilated_stack(dilations, kernel_size, ndim=ndim, padding="valid")
    counts = receptive.receptive_field_map(stack, r + 2)  # margin: zeros outside the field
    assert counts.shape == (r + 2,) * ndim
    assert receptive.field_extent(counts) == (r,) * ndim
    holes = receptive.count_holes(counts)
    assert (holes == 0) == receptive.covers_field(dilations, kernel_size)


def test_map_with_strides_and_model_weights_matches_formula():
    gen = torch.Generator().manual_seed(3)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, stride=2), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 4, 3, dilation=2), torch.nn.BatchNorm2d(4),
        torch.nn.Conv2d(4, 3, 2, stride=1),
    )
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    before = [p.clone() for p in model.parameters()]
    r = shapes.receptive_field([3, 3, 2], strides=[2, 1, 1], dilations=[1, 2, 1])
    ones = receptive.receptive_field_map(model, 31)
    learned = receptive.receptive_field_map(model, 31, weights="model")
    assert receptive.field_extent(ones) == (r, r) == (13, 13)  # 1 + 2 + 2*2*2 + 1*2*1
    assert set(np.unique(learned).tolist()) <= {0, 1}
    assert np.array_equal(learned, (ones > 0).astype(int))  # random weights: same support
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert model[0].weight.dtype == torch.float32  # the model itself was not cast


def test_map_position_selects_another_output_unit():
    stack = receptive.dilated_stack([1], ndim=1, padding="valid")
    assert receptive.receptive_field_map(stack, 6, position=0).tolist() == [1, 1, 1, 0, 0, 0]
    assert receptive.receptive_field_map(stack, 6, position=(-1,)).tolist() == [0, 0, 0, 1, 1, 1]


def test_wavenet_block_has_exactly_one_path_per_sample():
    dilations = [2**j for j in range(10)]
    stack = receptive.dilated_stack(dilations, 2, ndim=1, padding="valid")
    paths = receptive.receptive_field_map(stack, 1024)
    assert shapes.receptive_field([2] * 10, dilations=dilations) == 1024
    assert paths.min() == paths.max() == 1


def test_context_module_field_is_67():
    ks, ds = [3] * 7 + [1], [1, 1, 2, 4, 8, 16, 1, 1]
    assert shapes.receptive_fields(ks, dilations=ds) == [3, 5, 9, 17, 33, 65, 67, 67]
    counts = receptive.receptive_field_map(receptive.dilated_stack(ds, ks, padding="valid"), 67)
    assert receptive.field_extent(counts) == (67, 67) and receptive.count_holes(counts) == 0


def test_receptive_field_map_validation():
    stack = receptive.dilated_stack([1, 2], padding="valid")
    with pytest.raises(TypeError, match=r"model_or_layers must be a torch.nn.Module"):
        receptive.receptive_field_map("conv", 7)
    with pytest.raises(TypeError, match=r"must contain a Conv1d, Conv2d or Conv3d"):
        receptive.receptive_field_map(torch.nn.Linear(3, 3), 7)
    with pytest.raises(ValueError, match=r"weights must be one of 'ones', 'model'"):
        receptive.receptive_field_map(stack, 7, weights="random")
    with pytest.raises(ValueError, match=r"input_size must be a positive int.*got input_size=0"):
        receptive.receptive_field_map(stack, 0)
    with pytest.raises(ValueError, match=r"cannot run on an input of spatial size input_size=5"):
        receptive.receptive_field_map(stack, 5)
    with pytest.raises(ValueError, match=r"position must index the output"):
        receptive.receptive_field_map(stack, 9, position=(3, 0))
    with pytest.raises(ValueError, match=r"must keep 2 spatial dimension"):
        receptive.receptive_field_map(
            torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3), torch.nn.Flatten()), 5)


def test_receptive_field_map_restores_the_thread_count():
    before = torch.get_num_threads()
    stack = receptive.dilated_stack([1, 2], padding="valid")
    assert receptive.receptive_field_map(stack, 5 + 4).sum() > 0
    with pytest.raises(ValueError):
        receptive.receptive_field_map(stack, 5)  # fails inside the single-thread region
    assert torch.get_num_threads() == before


# --------------------------------------------------------------------------- extent, holes, rule


def test_field_extent_and_count_holes():
    cov = np.zeros((6, 7), dtype=int)
    cov[1, 2] = cov[4, 5] = 1
    assert receptive.field_extent(cov) == (4, 4) and receptive.count_holes(cov) == 14
    assert receptive.field_extent(torch.tensor([0, 1, 0, 1])) == (3,)
    assert receptive.count_holes(np.array([True, False, True])) == 1
    with pytest.raises(ValueError, match=r"at least one non-zero cell"):
        receptive.field_extent(np.zeros(4))
    with pytest.raises(TypeError, match=r"coverage must be a numeric numpy array"):
        receptive.count_holes([1, 0, 1])
    with pytest.raises(ValueError, match=r"non-empty array"):
        receptive.count_holes(np.zeros((0, 3)))


def test_gridding_numbers_of_the_lesson():
    counts = receptive.receptive_field_map(receptive.dilated_stack([2, 2, 2], padding="valid"), 13)
    assert receptive.count_holes(counts) == 120 and np.count_nonzero(counts) == 49
    assert counts[6, 6] == 49  # 7 paths per axis at the centre: 1, 3, 6, 7, 6, 3, 1


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_covers_field_rule_matches_measurement_exhaustively(kernel_size):
    for n in (1, 2, 3):
        for ds in itertools.product(range(1, 5), repeat=n):
            r = shapes.receptive_field([kernel_size] * n, dilations=list(ds))
            counts = receptive.receptive_field_map(
                receptive.dilated_stack(list(ds), kernel_size, ndim=1, padding="valid"), r)
            assert (receptive.count_holes(counts) == 0) == receptive.covers_field(
                list(ds), kernel_size), ds


def test_covers_field_examples_and_validation():
    assert receptive.covers_field([4, 2, 1]) and receptive.covers_field([1, 2, 5])
    assert not receptive.covers_field([2, 3]) and not receptive.covers_field([1, 5, 5])
    assert receptive.covers_field([7, 3], kernel_size=1)
    assert receptive.covers_field([2**j for j in range(10)], kernel_size=2)
    with pytest.raises(TypeError, match=r"dilations must be a non-empty list"):
        receptive.covers_field([])
    with pytest.raises(ValueError, match=r"kernel_size must be a positive int, got kernel_size=0"):
        receptive.covers_field([1], 0)


# --------------------------------------------------------------------------- explorer


def test_dilation_explorer_reports_gridding_and_fields():
    ex = widgets.dilation_explorer()
    r = ex.update(schedule="2, 2, 2", kernel_size=3)
    assert r.error is None and r.figure is not None
    assert "5, 9, 13" in r.text and "120 hole(s)" in r.text and "13×13" in r.text
    assert "27" in r.text and "169" in r.text  # 3 layers x 9 weights vs one dense 13x13
    assert ex.controls["layers"].value == ex.controls["layers"].max == 3
    good = ex.update(schedule="1, 2, 4")
    assert "no holes" in good.text and "3, 7, 15" in good.text


def test_dilation_explorer_layers_kernel_and_free_text():
    ex = widgets.dilation_explorer()
    r = ex.update(schedule="1 2 4 8", layers=2)
    assert r.error is None and "first 2 of 4 layers" in r.text and "7×7" in r.text
    r = ex.update(schedule="1, 2, 4, 8", kernel_size=2)
    assert "after each layer 2, 4, 8, 16" in r.text and "no holes" in r.text
    r = ex.update(schedule="1, 2, 4, 8, 16, 32, 64", kernel_size=3)
    assert r.error is None and r.figure is None and "too large to draw" in r.text
    r = ex.update(schedule="1", kernel_size=1)
    assert r.error is None and "1×1 field" in r.text


def test_dilation_explorer_explains_bad_input():
    ex = widgets.dilation_explorer()
    for text in ("1, two, 4", "0, 1", "", "1" + ", 1" * 12):
        r = ex.update(schedule=text)
        assert r.error is not None and r.figure is None, text
    assert "positive whole numbers" in ex.update(schedule="a").error
    with pytest.raises(ValueError, match=r"max_field must be a positive int"):
        widgets.dilation_explorer(max_field=0)
    assert isinstance(ex.widget, widgets.ipywidgets.VBox)


# --------------------------------------------------------------------------- exercises


def _dilated_conv1d_solution(x, w, dilation):
    span = dilation * (len(w) - 1) + 1
    return np.array([sum(w[j] * x[i + j * dilation] for j in range(len(w)))
                     for i in range(len(x) - span + 1)])


def test_check_dilated_conv1d_pass_and_fail(capsys):
    exercises.check_dilated_conv1d(_dilated_conv1d_solution)
    assert capsys.readouterr().out.startswith("✓ dilated conv1d: all 6 cases")

    def ignores_dilation(x, w, dilation):
        return _dilated_conv1d_solution(x, w, 1)

    with pytest.raises(AssertionError, match=r"expected shape \(4,\), got shape \(6,\)"):
        exercises.check_dilated_conv1d(ignores_dilation)

    def flips(x, w, dilation):
        return _dilated_conv1d_solution(x, w[::-1], dilation)

    with pytest.raises(AssertionError, match=r"do not flip the kernel"):
        exercises.check_dilated_conv1d(flips)

    def not_done(x, w, dilation):
        raise NotImplementedError

    with pytest.raises(AssertionError, match=r"not implemented yet"):
        exercises.check_dilated_conv1d(not_done)
    assert capsys.readouterr().err == ""


def test_check_receptive_field_predictions_pass_and_fail(capsys):
    right = {"a": 7, "b": 9, "c": 31, "d": 17, "e": 16, "f": 11}
    for letter, q in exercises.RECEPTIVE_FIELD_QUESTIONS.items():
        assert shapes.receptive_field(q["kernel_sizes"], dilations=q["dilations"]) == right[letter]
    exercises.check_receptive_field_predictions(right)
    assert "all 6 predictions are correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"(?s)stack c .*expected 31, got 15.*1 \+ 1·2 \+ 2·2"):
        exercises.check_receptive_field_predictions({**right, "c": 15})
    with pytest.raises(AssertionError, match=r"missing \['f'\]"):
        exercises.check_receptive_field_predictions({k: v for k, v in right.items() if k != "f"})
    with pytest.raises(AssertionError, match=r"expected a dict"):
        exercises.check_receptive_field_predictions([7, 9])
    with pytest.raises(AssertionError, match=r"expected the number 9"):
        exercises.check_receptive_field_predictions({**right, "b": "9"})
