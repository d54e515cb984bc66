"""Tests of the package pieces lesson 11 (shuffled grouped convolution) adds.

connectivity.shuffle_permutation / stacked_connectivity / mixing_depth /
channel_dependency, models.grouped_stack, plotting.shuffle_diagram,
widgets.shuffle_explorer, exercises.check_channel_shuffle / check_shuffle_predictions.
gpu.lesson11 runs in tests/test_gpu.py; its metrics are checked here.
"""



import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch import nn

from convlessons import (
    connectivity,
    exercises,
    functional,
    gpu,
    models,
    naive,
    plotting,
    widgets,
)

# --------------------------------------------------------------------------- permutation


def test_shuffle_permutation_hand_example():
    # C = 6, g = 3, n = 2: groups [0 1] [2 3] [4 5] -> order 0 2 4 1 3 5
    perm = connectivity.shuffle_permutation(6, 3)
    assert perm.dtype.kind == "i"
    assert (perm @ np.arange(6)).tolist() == [0, 2, 4, 1, 3, 5]
    assert perm[1, 2] == 1 and perm[1].sum() == 1


@pytest.mark.parametrize("channels, groups", [(12, 3), (12, 4), (8, 2), (6, 6), (5, 1), (24, 8)])
def test_shuffle_permutation_matches_torch_and_numpy(channels, groups):
    perm = connectivity.shuffle_permutation(channels, groups)
    assert (perm.sum(axis=0) == 1).all() and (perm.sum(axis=1) == 1).all()
    x = np.random.default_rng(0).standard_normal((2, channels, 3))
    np.testing.assert_array_equal(np.einsum("oc,ncl->nol", perm, x),
                                  functional.channel_shuffle(x, groups))
    xt = torch.from_numpy(x)
    np.testing.assert_array_equal(np.einsum("oc,ncl->nol", perm, x),
                                  TF.channel_shuffle(xt, groups).numpy())
    np.testing.assert_array_equal(nn.ChannelShuffle(groups)(xt).numpy(),
                                  models.channel_shuffle(xt, groups).numpy())


@pytest.mark.parametrize("channels, groups", [(12, 3), (12, 4), (10, 2), (7, 7)])
def test_shuffle_inverse_is_shuffle_with_the_other_factor(channels, groups):
    perm = connectivity.shuffle_permutation(channels, groups)
    back = connectivity.shuffle_permutation(channels, channels // groups)
    np.testing.assert_array_equal(back @ perm, np.eye(channels, dtype=int))
    np.testing.assert_array_equal(back, perm.T)


def test_shuffle_destination_formula():
    c, g = 12, 3
    n = c // g
    perm = connectivity.shuffle_permutation(c, g)
    for ch in range(c):
        i, j = divmod(ch, n)
        assert perm[:, ch].argmax() == j * g + i
    assert perm[:, 5].argmax() == 4 and perm[5].argmax() == 9


def test_one_group_or_one_channel_per_group_is_identity():
    np.testing.assert_array_equal(connectivity.shuffle_permutation(5, 1), np.eye(5, dtype=int))
    np.testing.assert_array_equal(connectivity.shuffle_permutation(4, 4), np.eye(4, dtype=int))


@pytest.mark.parametrize("shape, groups", [((2, 12, 3, 3), 3), ((1, 8, 5), 4),
                                           ((1, 5, 2, 2, 2), 5)])
def test_naive_channel_shuffle_matches_functional(shape, groups):
    x = np.random.default_rng(3).standard_normal(shape)
    out = naive.channel_shuffle(x, groups)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, functional.channel_shuffle(x, groups))
    with pytest.raises(ValueError, match="groups"):
        naive.channel_shuffle(x, 7)


@pytest.mark.parametrize("args, error, words", [
    ((12, 5), ValueError, "groups=5 with channels=12"),
    ((0, 1), ValueError, "channels"),
    ((12, 0), ValueError, "groups"),
    ((12.0, 3), TypeError, "channels"),
    ((12, True), TypeError, "groups"),
])
def test_shuffle_permutation_validation(args, error, words):
    with pytest.raises(error, match=words):
        connectivity.shuffle_permutation(*args)


# --------------------------------------------------------------------------- stacked / depth


def test_stacked_without_shuffle_stays_block_diagonal():
    block = connectivity.channel_connectivity((12, 12), 3)
    for layers in (1, 2, 3, 5):
        np.testing.assert_array_equal(
            connectivity.stacked_connectivity(12, 3, layers, shuffle=False), block)


def test_stacked_with_shuffle_is_the_matrix_product():
    c, g = 12, 3
    b = connectivity.channel_connectivity((c, c), g).astype(int)
    p = connectivity.shuffle_permutation(c, g)
    np.testing.assert_array_equal(connectivity.stacked_connectivity(c, g, 2), (b @ p @ b) > 0)
    assert connectivity.stacked_connectivity(c, g, 2).all()
    np.testing.assert_array_equal(connectivity.stacked_connectivity(c, g, 1), b > 0)


def test_stacked_small_groups_need_more_layers():
    # C = 8, g = 4: two channels per group, so one shuffle reaches only 2 of the 4 groups
    two = connectivity.stacked_connectivity(8, 4, 2)
    assert (two.sum(axis=1) == 4).all() and not two.all()
    assert connectivity.stacked_connectivity(8, 4, 3).all()


@pytest.mark.parametrize("channels, groups, depth", [
    (12, 1, 1), (12, 3, 2), (9, 3, 2), (12, 4, 3), (8, 4, 3), (12, 6, 4), (4, 4, None),
    (240, 3, 2), (16, 8, 4),
])
def test_mixing_depth(channels, groups, depth):
    assert connectivity.mixing_depth(channels, groups) == depth
    if depth is not None:
        assert connectivity.stacked_connectivity(channels, groups, depth).all()
        if depth > 1:
            assert not connectivity.stacked_connectivity(channels, groups, depth - 1).all()


def test_mixing_in_two_layers_iff_enough_channels_per_group():
    for g in range(2, 6):
        for n in range(1, 8):
            two = connectivity.stacked_connectivity(g * n, g, 2).all()
            assert two == (n >= g), (g, n)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"layers": 0}, ValueError, "layers"),
    ({"layers": 2.0}, TypeError, "layers"),
    ({"shuffle": 1}, TypeError, "shuffle"),
])
def test_stacked_validation(kwargs, error, words):
    with pytest.raises(error, match=words):
        connectivity.stacked_connectivity(12, 3, **kwargs)
    with pytest.raises(ValueError, match="groups"):
        connectivity.mixing_depth(12, 5)


# --------------------------------------------------------------------------- autograd


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("channels, groups, layers", [(12, 3, 2), (8, 4, 3), (6, 2, 2)])
def test_channel_dependency_equals_matrix_product(channels, groups, layers, shuffle):
    torch.manual_seed(0)
    model = models.grouped_stack(channels, groups, layers, shuffle=shuffle, kernel_size=3)
    got = connectivity.channel_dependency(model, channels, size=3)
    assert got.dtype == bool and got.shape == (channels, channels)
    np.testing.assert_array_equal(
        got, connectivity.stacked_connectivity(channels, groups, layers, shuffle=shuffle))


def test_channel_dependency_of_plain_layers():
    torch.manual_seed(1)
    assert connectivity.channel_dependency(nn.Conv2d(3, 5, 3, padding=1), 3).all()
    dw = connectivity.channel_dependency(nn.Conv2d(4, 8, 3, groups=4), 4, size=4)
    np.testing.assert_array_equal(dw, connectivity.channel_connectivity((4, 8), 4))
    shuffled = connectivity.channel_dependency(nn.ChannelShuffle(3), 12, size=1)
    np.testing.assert_array_equal(shuffled, connectivity.shuffle_permutation(12, 3) > 0)
    # a model whose output has no spatial dimensions (pool + flatten)
    pooled = nn.Sequential(nn.Conv2d(4, 4, 1, groups=2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    np.testing.assert_array_equal(connectivity.channel_dependency(pooled, 4),
                                  connectivity.channel_connectivity((4, 4), 2))


def test_channel_dependency_leaves_global_rng_alone():
    state = torch.get_rng_state()
    connectivity.channel_dependency(nn.Identity(), 3, size=2, seed=5)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("conv", 3), {}, TypeError, "model"),
    ((nn.Identity(), 0), {}, ValueError, "in_channels"),
    ((nn.Identity(), 3), {"size": 0}, ValueError, "size"),
    ((nn.Identity(), 3), {"size": 1.5}, TypeError, "size"),
    ((lambda x: x.sum(), 3), {}, ValueError, "shape"),
    ((lambda x: x.tolist(), 3), {}, TypeError, "tensor"),
])
def test_channel_dependency_validation(args, kwargs, error, words):
    with pytest.raises(error, match=words):
        connectivity.channel_dependency(*args, **kwargs)


# --------------------------------------------------------------------------- models


def test_grouped_stack_structure_and_shapes():
    stack = models.grouped_stack(12, 3, 3, kernel_size=3)
    assert list(dict(stack.named_children())) == ["gconv1", "shuffle1", "gconv2", "shuffle2",
                                                  "gconv3"]
    assert all(m.groups == 3 and m.bias is None for m in stack if isinstance(m, nn.Conv2d))
    assert tuple(stack.gconv1.weight.shape) == (12, 4, 3, 3)
    assert stack(torch.zeros(2, 12, 5, 5)).shape == (2, 12, 5, 5)
    plain = models.grouped_stack(12, 3, 2, shuffle=False)
    assert list(dict(plain.named_children())) == ["gconv1", "gconv2"]


def test_grouped_stack_equals_functional_pipeline():
    torch.manual_seed(2)
    stack = models.grouped_stack(6, 2, 2).double()
    x = torch.randn(1, 6, 3, 3, dtype=torch.float64)
    w1, w2 = stack.gconv1.weight.detach().numpy(), stack.gconv2.weight.detach().numpy()
    ref = functional.conv2d(functional.channel_shuffle(
        functional.conv2d(x.numpy(), w1, groups=2), 2), w2, groups=2)
    np.testing.assert_allclose(stack(x).detach().numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((12, 5), {}, ValueError, "groups=5"),
    ((12, 3), {"kernel_size": 2}, ValueError, "kernel_size"),
    ((12, 3), {"shuffle": "yes"}, TypeError, "shuffle"),
    ((12, 3, 0), {}, ValueError, "layers"),
])
def test_grouped_stack_validation(args, kwargs, error, words):
    with pytest.raises(error, match=words):
        models.grouped_stack(*args, **kwargs)


# --------------------------------------------------------------------------- plotting


def test_shuffle_diagram_rows_and_stripes():
    ax = plotting.shuffle_diagram(12, 3, 2)
    assert [t.get_text() for t in ax.texts] == ["input", "GConv1", "shuffle", "GConv2"]
    # 12 boxes per row; the last row has 3 stripes per box (one per input group)
    filled = [p for p in ax.patches if p.get_fill()]
    assert len(filled) == 12 * 3 + 12 * 3
    plt.close(ax.figure)
    ax = plotting.shuffle_diagram(12, 3, 3, shuffle=False, title="walls")
    assert [t.get_text() for t in ax.texts] == ["input", "GConv1", "GConv2", "GConv3"]
    assert len([p for p in ax.patches if p.get_fill()]) == 4 * 12  # never more than 1 colour
    assert ax.get_title() == "walls"
    plt.close(ax.figure)


def test_shuffle_diagram_on_given_axes_and_validation():
    fig, ax = plt.subplots()
    assert plotting.shuffle_diagram(4, 2, ax=ax) is ax
    plt.close(fig)
    with pytest.raises(ValueError, match="groups=3 with channels=4"):
        plotting.shuffle_diagram(4, 3)
    with pytest.raises(TypeError, match="layers"):
        plotting.shuffle_diagram(4, 2, 1.0)
    with pytest.raises(TypeError, match="shuffle"):
        plotting.shuffle_diagram(4, 2, shuffle=None)


# --------------------------------------------------------------------------- explorer


def test_shuffle_explorer_headless():
    ex = widgets.shuffle_explorer()
    first = ex.update(groups=3, per_group=4, layers=2, shuffle=True)
    assert first.error is None and first.figure is not None
    assert "C = 12 channels" in first.text and "12 of the 12" in first.text
    assert "2 layers mix every channel" in first.text
    walled = ex.update(shuffle=False)
    assert "4 of the 12" in walled.text and "walled off" in walled.text
    slow = ex.update(groups=4, per_group=2, layers=2, shuffle=True)
    assert "4 of the 8" in slow.text and "3 layers" in slow.text
    never = ex.update(groups=4, per_group=1)
    assert "identity" in never.text
    one = ex.update(groups=1, per_group=4)
    assert "standard convolution" in one.text
    plt.close("all")


def test_shuffle_explorer_first_slider_changes_the_figure():
    ex = widgets.shuffle_explorer()
    assert list(ex.controls)[0] == "groups"
    a = ex.update(groups=3)
    b = ex.update(groups=4)
    assert a.text != b.text
    sizes = [fig.axes[1].images[0].get_array().shape for fig in (a.figure, b.figure)]
    assert sizes == [(12, 12), (16, 16)]
    assert ex.widget is not None  # builds the widget without error
    plt.close("all")


# --------------------------------------------------------------------------- exercises


def test_check_channel_shuffle_pass_and_fail(capsys):
    exercises.check_channel_shuffle(functional.channel_shuffle)
    assert capsys.readouterr().out.startswith("✓ channel_shuffle")
    wrong = lambda x, g: x.reshape(x.shape[0], -1, g, *x.shape[2:]).swapaxes(1, 2).reshape(  # noqa: E731
        x.shape)
    with pytest.raises(AssertionError, match="case 1 of 6"):
        exercises.check_channel_shuffle(wrong)

    def unfinished(x, g):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not implemented"):
        exercises.check_channel_shuffle(unfinished)


def test_check_shuffle_predictions(capsys):
    right = {"destination": 4, "source": 9, "reads_without_shuffle": 4,
             "reads_with_shuffle": 12}
    exercises.check_shuffle_predictions(right)
    assert "5 → 4, 9 → 5" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="destination: expected 4, got 5"):
        exercises.check_shuffle_predictions({**right, "destination": 5})
    with pytest.raises(AssertionError, match="reads_with_shuffle"):
        exercises.check_shuffle_predictions({**right, "reads_with_shuffle": 4})
    with pytest.raises(AssertionError, match="missing"):
        exercises.check_shuffle_predictions({"destination": 4})
    with pytest.raises(AssertionError, match="dict"):
        exercises.check_shuffle_predictions([4, 9, 4, 12])


# --------------------------------------------------------------------------- gpu


def test_lesson11_metrics_on_cpu():
    report = gpu.lesson11("cpu", quick=True)
    assert report.ok and len(report.checks) == 3
    assert 0 < report.metrics["shuffle_time_share"] < 1
    assert report.metrics["shuffle_bytes"] == 2 * 4 * 2 * 12 * 4 * 4
    assert report.metrics["block_flops"] == 2 * 2 * 2 * 12 * 4 * 4 * 12 // 3
    shuffle_rows = [r for r in report.rows if r.name.startswith("channel shuffle")]
    assert len(shuffle_rows) == 2
    assert all(r.predicted_speedup == 1.0 and r.baseline == "copy (clone), for scale"
               for r in shuffle_rows)
    if not gpu.cuda_available():
        assert gpu.run_section("11") is None
