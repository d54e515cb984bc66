"""Tests of the package pieces lesson 12 (pointwise grouped convolution) adds."""



import pytest
import torch
from torch import nn

from convlessons import cost, exercises, gpu, models, plotting, widgets


def _meta(build, *args, **kwargs):
    with torch.device("meta"):
        return build(*args, **kwargs)


@pytest.mark.parametrize("kind", cost.UNIT_KINDS)
@pytest.mark.parametrize(("c", "m", "h", "w", "g"), [(12, 6, 2, 2, 3), (480, 120, 14, 14, 3),
                                                     (64, 16, 5, 3, 8), (32, 8, 4, 4, 1)])
def test_unit_flops_equals_counting_the_torch_unit(kind, c, m, h, w, g):
    unit = _meta(models.residual_unit, kind, c, m, g)
    assert cost.unit_flops(kind, c, m, h, w, g) == cost.count_macs(unit, (1, c, h, w))


def test_unit_flops_hand_values_and_errors():
    assert cost.unit_flops("resnet", 12, 6, 2, 2, 3) == 1872
    assert cost.unit_flops("resnext", 12, 6, 2, 2, 3) == 1008
    assert cost.unit_flops("shufflenet", 12, 6, 2, 2, 3) == 408
    with pytest.raises(ValueError, match="kind"):
        cost.unit_flops("vgg", 12, 6, 2, 2)
    with pytest.raises(ValueError, match="g must divide"):
        cost.unit_flops("shufflenet", 10, 6, 2, 2, 3)
    with pytest.raises(TypeError, match="c must be"):
        cost.unit_flops("resnet", 1.5, 6, 2, 2)
    with pytest.raises(ValueError, match="kind"):
        models.residual_unit("vgg", 8, 4)


def test_residual_unit_kinds():
    assert isinstance(models.residual_unit("resnet", 8, 4, 2), models.Bottleneck)
    assert models.residual_unit("resnet", 8, 4, 2).conv2.groups == 1
    assert models.residual_unit("resnext", 8, 4, 2).conv2.groups == 2
    unit = models.residual_unit("shufflenet", 12, 6, 3)
    assert unit.compress.groups == 3 and unit.depthwise.groups == 6
    assert unit(torch.randn(1, 12, 4, 4)).shape == (1, 12, 4, 4)


@pytest.mark.parametrize(("groups", "scale"), [(1, 1.0), (3, 0.5), (8, 0.25), (4, 2.0)])
def test_shufflenet_v1_macs_equals_count_macs(groups, scale):
    net = _meta(models.shufflenet_v1, groups, scale)
    parts = models.shufflenet_v1_macs(net)
    assert parts["total"] == cost.count_macs(net, (1, 3, 224, 224))
    assert parts["total"] == sum(v for k, v in parts.items() if k != "total")
    assert models.shufflenet_v1_macs(net, 160)["total"] == cost.count_macs(net, (1, 3, 160, 160))


def test_shufflenet_v1_macs_rejects_other_nets():
    with pytest.raises(TypeError, match="net must be a ShuffleNetV1"):
        models.shufflenet_v1_macs(nn.Conv2d(3, 3, 1))
    with pytest.raises(ValueError, match="input_size"):
        models.shufflenet_v1_macs(_meta(models.shufflenet_v1, 3, 0.25), 0)


def _module_for(row):
    """A torch layer stack of each type in the closing table (32 -> 64, 56x56, 3x3, g=4)."""
    k = {
        "01": nn.Conv2d(32, 64, 3, padding=1, bias=False),
        "02": nn.Conv2d(32, 64, 3, padding=1, bias=False),
        "04": nn.Conv2d(32, 64, 1, bias=False),
        "05": nn.ConvTranspose2d(32, 64, 3, padding=1, bias=False),
        "06": nn.Conv2d(32, 64, 3, padding=2, dilation=2, bias=False),
        "07": nn.Sequential(nn.Conv2d(32, 64, (3, 1), padding=(1, 0), bias=False),
                            nn.Conv2d(64, 64, (1, 3), padding=(0, 1), groups=64, bias=False)),
        "08": nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False),
                            nn.Conv2d(32, 64, 1, bias=False)),
        "10": nn.Conv2d(32, 64, 3, padding=1, groups=4, bias=False),
        "11": nn.Sequential(nn.Conv2d(32, 64, 3, padding=1, groups=4, bias=False),
                            nn.ChannelShuffle(4)),
        "12": nn.Conv2d(32, 64, 1, groups=4, bias=False),
    }
    return k.get(row.lesson)


def test_convolution_types_table_matches_counting_torch_layers():
    rows = cost.convolution_types_table()
    assert [r.lesson for r in rows] == [f"{i:02d}" for i in range(1, 13)]
    for row in rows:
        module = _module_for(row)
        if module is None:
            continue
        assert cost.count_params(module) == row.params, row
        assert cost.count_macs(module, (1, 32, 56, 56)) == row.macs, row
    conv3d = nn.Conv3d(32, 64, 3, padding=(0, 1, 1), bias=False)
    assert cost.count_macs(conv3d, (1, 32, 3, 56, 56)) == rows[2].macs
    flat = models.FlattenedConv2d(32, 64, 3, padding=1)
    assert cost.count_macs(flat, (1, 32, 56, 56)) == rows[8].macs
    fields = {r.lesson: r.receptive_field for r in rows}
    assert fields["06"] == (5, 5) and fields["04"] == (1, 1) and fields["03"] == (3, 3, 3)
    assert all(isinstance(f, tuple) for f in fields.values())


def test_convolution_types_table_validates():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        cost.convolution_types_table(kernel_size=4)
    with pytest.raises(ValueError, match="groups"):
        cost.convolution_types_table(groups=5)
    with pytest.raises(TypeError, match="size"):
        cost.convolution_types_table(size="56")


def test_residual_unit_diagram():
    ax = plotting.residual_unit_diagram("resnet")
    texts = [t.get_text() for t in ax.texts]
    assert "Add" in texts and "3×3 Conv" in texts
    texts = [t.get_text() for t in plotting.residual_unit_diagram(stride=2, groups=4).texts]
    assert "Concat" in texts and "1×1 GConv (g=4)" in texts and "shuffle (g=4)" in texts
    with pytest.raises(ValueError, match="stride"):
        plotting.residual_unit_diagram("resnet", stride=2)
    with pytest.raises(ValueError, match="kind"):
        plotting.residual_unit_diagram("vgg")
    with pytest.raises(TypeError, match="groups"):
        plotting.residual_unit_diagram(groups=2.0)


def test_shufflenet_explorer_headless():
    explorer = widgets.shufflenet_explorer()
    first = explorer.update(groups=3, width_mult=1.0)
    assert first.error is None and "counted 137.5 MFLOPs" in first.text
    assert "paper: 137 MFLOPs" in first.text and "AlexNet" in first.text
    second = explorer.update(groups=4)
    assert second.text != first.text and "paper: 133" in second.text
    odd = explorer.update(groups=8, width_mult=0.5)
    assert "beyond 2%" in odd.text
    none = explorer.update(groups=1, width_mult=2.0)
    assert "no complexity" in none.text
    with pytest.raises(ValueError, match="groups"):
        explorer.update(groups=5)
    assert list(explorer.controls)[0] == "groups"


def test_shufflenet_published_mflops():
    assert widgets.shufflenet_published_mflops(1, 1.0) == 143
    assert widgets.shufflenet_published_mflops(4, 0.25) == 13
    assert widgets.shufflenet_published_mflops(3, 1.5) == 292
    with pytest.raises(ValueError, match="groups"):
        widgets.shufflenet_published_mflops(5, 1.0)
    with pytest.raises(ValueError, match="width_mult"):
        widgets.shufflenet_published_mflops(3, 0.75)


def test_check_unit_flops_pass_and_fail(capsys):
    exercises.check_unit_flops(cost.unit_flops)
    assert capsys.readouterr().out.startswith("✓")
    with pytest.raises(AssertionError, match="unit_flops"):
        exercises.check_unit_flops(lambda kind, c, m, h, w, g=1: h * w * (2 * c * m + 9 * m * m))


def test_check_stage_flops_pass_and_fail(capsys):
    good = {"unit": 7_738_080, "first_unit": 9_619_680, "stage": 63_786_240}
    exercises.check_stage_flops(good)
    assert "63,786,240" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="first_unit"):
        exercises.check_stage_flops({**good, "first_unit": 28 * 28 * 240 * 120 // 3})
    with pytest.raises(AssertionError, match="missing"):
        exercises.check_stage_flops({"unit": 1})
    with pytest.raises(AssertionError):
        exercises.check_stage_flops([1, 2, 3])


def test_gpu_lesson12_quick_on_cpu():
    report = gpu.lesson12("cpu", quick=True)
    assert report.ok and len(report.rows) == 4
    assert report.metrics["flop_ratio"] > 1


@pytest.mark.parametrize(("build", "side"), [(lambda: models.mobilenet_v1(0.25), 32),
                                             (lambda: models.shufflenet_v1(3, 0.25), 32),
                                             (lambda: models.shufflenet_v1(8, 0.5), 64)])
def test_gpu_conv_linear_macs_equals_flop_counter(build, side):
    net = build().train()
    counted = gpu._conv_linear_macs(net, side)
    assert counted == cost.count_macs(_meta(build), (1, 3, side, side))
    assert all(m.training for m in net.modules())  # training flags restored


def test_gpu_conv_linear_macs_full_size_published_values():
    assert gpu._conv_linear_macs(models.mobilenet_v1(), 224) == 568_740_352
    assert gpu._conv_linear_macs(models.shufflenet_v1(3), 224) == 137_460_672


def test_gpu_lesson12_quick_metrics_and_threads():
    threads = torch.get_num_threads()
    report = gpu.lesson12("cpu", quick=True)
    assert torch.get_num_threads() == threads  # the one-thread quick run restores the count
    macs = report.metrics["macs"]
    assert report.metrics["side"] == 32 and set(macs) == {"MobileNet v1", "ShuffleNet v1 (g=3)"}
    assert report.metrics["flop_ratio"] == macs["MobileNet v1"] / macs["ShuffleNet v1 (g=3)"]
