# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py//py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 12 · Pointwise grouped convolution · 逐点分组卷积
#
# Once a network replaces its big 3×3 convolutions with depthwise ones, a surprise waits: almost all of the remaining cost sits in the cheap-looking 1×1 convolutions.
# ShuffleNet's answer is to group those 1×1 convolutions too, and to shuffle channels so that the groups still talk to each other.
# This last lesson builds the ShuffleNet unit, checks the paper's cost formulas by counting, rebuilds the whole network's complexity table, and ends with a warning every engineer learns the hard way: fewer FLOPs do not automatically mean less time.
#
# Where it fits: [← 11 Shuffled grouped convolution](11_shuffled_grouped_convolution.ipynb) showed why a channel shuffle is needed between grouped layers.
# This is the final notebook; it closes with a table that compares all twelve convolution types, and then sends you back to the [course overview (README)](../README.md).

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. explain why 1×1 convolutions dominate the cost of compact networks, using MobileNet's own numbers;
# 2. draw the ShuffleNet unit (grouped 1×1 → shuffle → depthwise 3×3 → grouped 1×1) and its stride-2 variant;
# 3. derive and verify the unit costs $hw(2cm + 9m^2)$, $hw(2cm + 9m^2/g)$ and $hw(2cm/g + 9m)$;
# 4. reproduce ShuffleNet v1's published complexity for every group count and width;
# 5. explain why multiply-adds are a poor predictor of latency.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 04 (1×1 convolutions), notebook 08 (depthwise separable convolutions and MobileNet), notebook 10 (grouped convolutions) and notebook 11 (channel shuffle).
# - Reading PyTorch modules: `nn.Conv2d(..., groups=g)` and tensors laid out as `(N, C, H, W)`.
# - Nothing about training: every number here comes from counting, not from learning.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import cost, exercises, gpu, models, plotting, widgets

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Notebook 08 made MobileNet cheap by splitting every 3×3 convolution into a depthwise 3×3 and a pointwise 1×1.
# Count where its multiply-adds go now.
# We build the network on PyTorch's `meta` device, which knows every shape but stores no weights, so counting is fast.

# %%
# Where MobileNet v1 (224x224) spends its multiply-adds, by kind of layer
with torch.device("meta"):
    mobilenet = models.mobilenet_v1()
mobile_parts = cost.macs_by_layer_type(mobilenet, (1, 3, 224, 224))
mobile_total = sum(mobile_parts.values())
assert mobile_total == 568_740_352 and mobile_parts["conv (pointwise 1x1)"] == 539_492_352
assert [round(100 * mobile_parts[k] / mobile_total) for k in ("conv (pointwise 1x1)", "conv (depthwise)")] == [95, 3]
for kind, macs in mobile_parts.items():
    if macs:
        print(f"{kind:22s} {macs / 1e6:8.1f} M  ({100 * macs / mobile_total:5.2f}%)")

# %% [markdown]
# The 1×1 layers do almost 95% of the work; the depthwise 3×3 layers, the part that looks at neighbouring pixels, do 3%.
# So if we want a network that is cheaper still, the 1×1 convolutions are where the savings must come from.
# ShuffleNet's idea is simple: split each 1×1 convolution into $g$ groups, exactly as notebook 10 split a 3×3 convolution.
# A grouped 1×1 convolution is called a **pointwise grouped convolution**; each output channel reads only the $C_{\text{in}}/g$ input channels of its group, so it costs $1/g$ of the dense one.
#
# Grouping alone would wall the groups off from each other (notebook 11), so a channel shuffle follows the first grouped 1×1 convolution.
# The figure shows the resulting unit next to the ResNet and ResNeXt bottlenecks it descends from.
# Orange boxes are grouped convolutions, blue ones dense, green ones depthwise, purple the shuffle.

# %%
# ResNet and ResNeXt bottlenecks, and the ShuffleNet unit with stride 1 and stride 2
fig, axes = plt.subplots(1, 4, figsize=(14, 6.2), layout="constrained")
for ax, (kind, stride) in zip(axes, [("resnet", 1), ("resnext", 1), ("shufflenet", 1), ("shufflenet", 2)]):
    _ = plotting.residual_unit_diagram(kind, stride=stride, groups=3, ax=ax)
plt.show()

# %% [markdown]
# Read the ShuffleNet unit from the top.
# A grouped 1×1 convolution shrinks the $c$ input channels to $m$ bottleneck channels; a shuffle mixes the groups; a depthwise 3×3 convolution looks at each channel's neighbourhood; a second grouped 1×1 convolution expands back to $c$ channels, and the input is added.
# There is no ReLU after the depthwise convolution, following the paper.
#
# The stride-2 unit (right) halves the image.
# Its shortcut is a 3×3 average pool with stride 2, and instead of adding, it **concatenates** the pooled input with the branch.
# The branch therefore only has to produce the *extra* channels, and the channel count grows at almost no cost.

# %% [markdown]
# ## Definition
#
# Take an input of $c$ channels of $h \times w$ pixels and a bottleneck of $m$ channels, stride 1 and "same" padding.
# Count multiply-adds layer by layer with the rule of notebook 02: output values times the length of each dot product.
#
# | unit | first 1×1 | 3×3 | second 1×1 | total |
# |---|---|---|---|---|
# | ResNet | $hw\,cm$ | $hw\,9m^2$ | $hw\,mc$ | $hw(2cm + 9m^2)$ |
# | ResNeXt ($g$ groups in the 3×3) | $hw\,cm$ | $hw\,9m^2/g$ | $hw\,mc$ | $hw(2cm + 9m^2/g)$ |
# | ShuffleNet ($g$ groups in both 1×1) | $hw\,cm/g$ | $hw\,9m$ (depthwise) | $hw\,mc/g$ | $hw(2cm/g + 9m)$ |
#
# The depthwise 3×3 costs $9m$ per pixel, not $9m^2$, because each of its $m$ filters reads one channel.
# These are the formulas in Section 3.2 of the ShuffleNet paper, which calls multiply-adds "FLOPs".
#
# A tiny example you can check by hand: $c = 12$, $m = 6$, $h = w = 2$, $g = 3$.
#
# - ResNet: $4\,(2\cdot12\cdot6 + 9\cdot36) = 4\,(144 + 324) = 1872$.
# - ResNeXt: $4\,(144 + 9\cdot36/3) = 4\,(144 + 108) = 1008$.
# - ShuffleNet: $4\,(2\cdot12\cdot6/3 + 9\cdot6) = 4\,(48 + 54) = 408$.

# %%
# The hand-computed unit costs, by the package's formula and by counting real torch units
hand = {"resnet": 1872, "resnext": 1008, "shufflenet": 408}
for kind, expected in hand.items():
    formula = cost.unit_flops(kind, 12, 6, 2, 2, g=3)
    counted = cost.count_macs(models.residual_unit(kind, 12, 6, groups=3), (1, 12, 2, 2))
    assert formula == counted == expected
    print(f"{kind:10s} formula {formula:5d}   counted {counted:5d}")

# %% [markdown]
# The counter runs the torch module and records every multiplication the convolutions perform, so the agreement is a real check of the formula, not a copy of it.

# %% [markdown]
# ## Implementation
#
# A pointwise grouped convolution is one `nn.Conv2d(c_in, c_out, 1, groups=g)`.
# What it computes is $g$ independent matrix products: split the channels into $g$ slices, multiply each slice by its own $(c_{\text{out}}/g) \times (c_{\text{in}}/g)$ matrix at every pixel, and stack the results.
# The next cell writes that out with `einsum` on a small tensor and compares with PyTorch.

# %%
# A pointwise grouped conv as g separate 1x1 matrix products, compared with torch
x = torch.randn(2, 12, 5, 5, dtype=torch.float64)
weight = torch.randn(6, 4, 1, 1, dtype=torch.float64)  # 12 -> 6 channels, g = 3: (6, 12/3, 1, 1)
g = 3
pieces = [torch.einsum("oc,nchw->nohw", w_g[:, :, 0, 0], x_g)
          for w_g, x_g in zip(weight.chunk(g), x.chunk(g, dim=1))]
ours, reference = torch.cat(pieces, dim=1), F.conv2d(x, weight, groups=g)
print("max |error| vs F.conv2d:", (ours - reference).abs().max().item())
assert torch.allclose(ours, reference, atol=1e-12)

# %% [markdown]
# The ShuffleNet unit of `convlessons.models` chains exactly the boxes of the figure.
# A stride-1 unit keeps the shape and adds its input; a stride-2 unit halves the size and concatenates the pooled input, so its first output channels **are** the average-pooled input (after the unit's final ReLU).

# %%
# Shapes through a stride-1 and a stride-2 unit, and the stride-2 shortcut check
unit1 = models.ShuffleNetUnit(240, 240, groups=3, stride=1).eval()
unit2 = models.ShuffleNetUnit(240, 480, groups=3, stride=2).eval()
x = torch.randn(1, 240, 28, 28)
with torch.no_grad():
    y1, y2 = unit1(x), unit2(x)
pooled = F.relu(F.avg_pool2d(x, 3, stride=2, padding=1))
assert y1.shape == (1, 240, 28, 28) and y2.shape == (1, 480, 14, 14)
assert torch.allclose(y2[:, :240], pooled)
print("stride 1:", tuple(y1.shape), " stride 2:", tuple(y2.shape), " branch of the stride-2 unit:", unit2.expand)

# %% [markdown]
# The stride-2 branch's last convolution makes $480 - 240 = 240$ channels, not 480: the other 240 come from the shortcut for free.

# %% [markdown]
# ## Cost
#
# Now use realistic sizes: one stride-1 unit of ShuffleNet's Stage 3, with $c = 480$, $m = 120$ on a 14×14 map and $g = 3$.
# Each formula is checked against counting the corresponding torch unit.

# %%
# One Stage-3-sized unit of each kind: formula vs count
stage3 = {}
for kind in cost.UNIT_KINDS:
    stage3[kind] = cost.unit_flops(kind, 480, 120, 14, 14, g=3)
    with torch.device("meta"):
        unit = models.residual_unit(kind, 480, 120, groups=3)
    assert cost.count_macs(unit, (1, 480, 14, 14)) == stage3[kind]
    print(f"{kind:10s} {stage3[kind]:>12,} multiply-adds")
assert stage3 == {"resnet": 47_980_800, "resnext": 31_046_400, "shufflenet": 7_738_080}
assert round(stage3["resnet"] / stage3["shufflenet"]) == 6 and round(stage3["resnext"] / stage3["shufflenet"]) == 4

# %% [markdown]
# The ShuffleNet unit costs about a sixth of the ResNet unit and a quarter of the ResNeXt unit at the same width.
# The paper turns that saving around: for the same budget, a ShuffleNet can afford **wider** feature maps, which matters most for small networks, whose accuracy is limited by how few channels they have.
#
# How does the cost change with $g$?
# In the ShuffleNet unit only the 1×1 part shrinks, as $1/g$; the depthwise part $9m\,hw$ stays.
# In ResNeXt it is the 3×3 part that shrinks, and the 1×1 part, the big one, stays.

# %%
# Unit cost vs groups at the Stage-3 size (c=480, m=120, 14x14)
gs = np.array([1, 2, 3, 4, 6, 8, 12, 24])
curves = {kind: np.array([cost.unit_flops(kind, 480, 120, 14, 14, g=int(gg)) for gg in gs]) / 1e6
          for kind in cost.UNIT_KINDS}
assert curves["resnet"].min() == curves["resnet"].max() and curves["shufflenet"][-1] < curves["resnext"][-1] / 10
assert round(2 * cost.conv_macs(480, 120, 1, 14) / 1e6, 1) == 22.6 < curves["resnext"][-1]  # the two dense 1x1 convs
_ = plotting.cost_curves(gs, curves, xlabel="groups g", ylabel="MFLOPs per unit", title="one unit, c=480, m=120, 14×14", logx=True)
plt.show()

# %% [markdown]
# ResNeXt flattens out at the cost of its two dense 1×1 convolutions, about 22.6 MFLOPs.
# ShuffleNet keeps falling towards the cost of its depthwise convolution alone.
# The price of a large $g$ is that each output channel of a 1×1 layer sees fewer input channels; the shuffle is what keeps information flowing between groups.

# %% [markdown]
# ## Claim check
#
# The source article (section 12) and its section 11 make these claims about pointwise grouped convolution and ShuffleNet:
#
# 1. MobileNet and ResNeXt group their 3×3 spatial convolutions, not their 1×1 convolutions.
# 2. ShuffleNet groups the 1×1 convolutions too, because they are expensive.
# 3. ShuffleNet's cost is 40–140 MFLOPs, against AlexNet's 720 MFLOPs, at comparable accuracy; it targets budgets of 10–150 MFLOPs.
#
# We rebuild ShuffleNet v1 from the paper's Table 1 for every group count $g \in \{1, 2, 3, 4, 8\}$ and every width of Table 2, count each net once (by reading its layers' shapes, checked against PyTorch's counter in the tests), and compare with the published complexity.

# %%
# Build 15 ShuffleNets on the meta device and count their multiply-adds (MFLOPs)
scales, groups_list = (1.0, 0.5, 0.25), (1, 2, 3, 4, 8)
with torch.device("meta"):
    nets = {(s, gg): models.shufflenet_v1(gg, s) for s in scales for gg in groups_list}
counted = {key: models.shufflenet_v1_macs(net)["total"] / 1e6 for key, net in nets.items()}
assert cost.count_macs(nets[(1.0, 3)], (1, 3, 224, 224)) / 1e6 == counted[(1.0, 3)]
paper = models.SHUFFLENET_V1_PAPER
print("scale  " + "".join(f"   g={gg} (paper)" for gg in groups_list))
for s in scales:
    print(f"{s:4}x  " + "".join(f"{counted[(s, gg)]:7.1f} ({widgets.shufflenet_published_mflops(gg, s):3d})" for gg in groups_list))

# %%
# The paper's numbers, asserted within 2% or to the printed digit (Table 2's g = 8 excepted: see the errata)
for (s, gg), mflops in counted.items():
    published = widgets.shufflenet_published_mflops(gg, s)
    if s == 1.0 or gg != 8:
        assert abs(mflops - published) <= max(0.02 * published, 0.5), (s, gg, mflops, published)
assert all(abs(counted[(1.0, gg)] / widgets.shufflenet_published_mflops(gg, 1.0) - 1) < 0.0101 for gg in groups_list)
assert [round(counted[(s, 8)], 1) for s in (0.5, 0.25)] == [40.5, 15.7]
assert [round(100 * (counted[(s, 8)] / p - 1), 1) for s, p in ((0.5, 38), (0.25, 13))] == [6.5, 20.9]
alexnet = paper["AlexNet_mflops"]
one_x = [counted[(1.0, gg)] for gg in groups_list]
assert alexnet == 720 and 133 <= min(one_x) and max(one_x) <= 144
print(f"1x ShuffleNets: {min(one_x):.0f}-{max(one_x):.0f} MFLOPs; AlexNet {alexnet}: {alexnet / max(one_x):.1f}-{alexnet / min(one_x):.1f}x more")
print(f"0.5x and 0.25x (g <= 4): {min(counted[(s, gg)] for s in (0.5, 0.25) for gg in (1, 2, 3, 4)):.1f}-{max(counted[(0.5, gg)] for gg in (1, 2, 3, 4)):.1f} MFLOPs")

# %% [markdown]
# Every 1× model lands within about 1% of Table 1 (at most 1.01%), and the smaller models round to Table 2's 38 and 13 MFLOPs (within 2%, or within half a unit of the printed digit), except at $g = 8$.
# The whole family spans about 13 to 143 MFLOPs, inside the article's "10–150 MFLOPs" target; the article's "40–140 MFLOPs" describes the 0.5× to 1× models only.
# Claim 2 is the reason this lesson exists, and the MobileNet breakdown above backs it with numbers: 95% of MobileNet's multiply-adds are in 1×1 convolutions.
#
# ### Errata
#
# > 1. **MobileNet does not use grouped convolution in the sense of ResNeXt.** The article lists MobileNet next to ResNeXt as grouping its 3×3 convolutions. MobileNet v1's 3×3 layers are *depthwise* (one group per channel, `groups = C`), the extreme case of grouping, and its 1×1 layers are dense. ResNeXt does group its 3×3 convolutions (32 groups).
# > 2. **"Comparable to AlexNet" needs its context.** The ShuffleNet paper reports that its 0.5× model (about 38–40 MFLOPs) reaches AlexNet-level ImageNet accuracy with about 18× fewer multiply-adds, and measures roughly a 13× real speed-up on an ARM phone, not 18×: the gap between FLOPs and time is the subject of the next section.
# > 3. **The 0.5× and 0.25× models with $g = 8$ miss Table 2.** Table 2 prints one complexity per width for all $g$, but at $g = 8$ the first convolution must have a multiple of 8 channels (16 instead of 12), and the models count 40.5 and 15.7 MFLOPs, 6.5% and 21% above 38 and 13 (see `models.PAPER_ERRATA`).
# > 4. **Depthwise separable vs depthwise.** The article says ShuffleNet uses depthwise separable convolution; its unit uses a depthwise 3×3 convolution between two *grouped* 1×1 convolutions, not the dense 1×1 of a depthwise separable block.

# %% [markdown]
# ## Explore
#
# The explorer rebuilds ShuffleNet v1 for any group count and width, and shows two things: on the left, one Stage-3 unit of that model costed as a ResNet, a ResNeXt and a ShuffleNet unit; on the right, the whole net's multiply-adds by part, with the paper's number in the text.
# Try $g = 8$ at width 0.5 to see the errata case, and watch Stage 3 (7 stride-1 units plus the stride-2 one) dominate at every setting.

# %%
# Drive the explorer headless: ShuffleNet 1x with g = 3 and 0.5x with g = 8
explorer = widgets.shufflenet_explorer()
render = explorer.update(groups=3, width_mult=1.0)
assert render.error is None and "counted 137.5 MFLOPs" in render.text and "paper: 137" in render.text
print(render.text)
odd = explorer.update(groups=8, width_mult=0.5)
assert "beyond 2%" in odd.text
print(odd.text.splitlines()[1])

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(groups=3, width_mult=1.0)
explorer.widget

# %% [markdown]
# ## In practice
#
# In PyTorch a pointwise grouped convolution is `nn.Conv2d(c_in, c_out, kernel_size=1, groups=g)` and a channel shuffle is `nn.ChannelShuffle(g)`; torchvision ships ShuffleNet v2, whose unit avoids grouped 1×1 convolutions altogether, for the reason this section measures.
#
# ### FLOPs are not latency
#
# ShuffleNet 1× with $g = 3$ needs about 137 MFLOPs per image; MobileNet v1 needs 569, more than four times as many.
# If time followed FLOPs, ShuffleNet would run four times faster.
# It does not, for three reasons:
#
# - **Memory traffic.** A depthwise or grouped 1×1 convolution does few multiply-adds per byte it reads and writes (low arithmetic intensity), so it waits on memory rather than on arithmetic; notebook 08 measured this for depthwise layers.
# - **Operations that cost no FLOPs.** Channel shuffles, concatenations, pooling, additions and batch norm do no multiply-adds in the count but still read and write whole tensors.
# - **Kernel launches.** ShuffleNet has many small layers; each launch has a fixed overhead that a small tensor cannot hide, especially at batch 1.
#
# The next cell times both networks on this CPU at batch 1.
# The numbers change from machine to machine, so the cell's output is not compared; it only asserts that both nets ran.

# %%
# FLOPs of the two networks compared here (counted once above)
flops = {"MobileNet v1": mobile_total / 1e6, "ShuffleNet v1 1x (g=3)": counted[(1.0, 3)]}
assert round(flops["MobileNet v1"] / flops["ShuffleNet v1 1x (g=3)"], 2) == 4.14
print({k: round(v, 1) for k, v in flops.items()}, "MFLOPs; ratio", round(flops["MobileNet v1"] / flops["ShuffleNet v1 1x (g=3)"], 2))

# %% tags=["nbval-ignore-output"]
# CPU time at batch 1 (varies by machine): FLOP ratio vs time ratio
image = torch.randn(1, 3, 224, 224)
timed = {"MobileNet v1": models.mobilenet_v1().eval(), "ShuffleNet v1 1x (g=3)": models.shufflenet_v1(3).eval()}
with torch.no_grad():
    seconds = {name: gpu.time_fn(lambda n=net: n(image), device="cpu", warmup=1, iters=2) for name, net in timed.items()}
assert all(s > 0 for s in seconds.values())
for name, s in seconds.items():
    print(f"{name:24s} {flops[name]:6.1f} MFLOPs  {1e3 * s:7.1f} ms")
print(f"FLOP ratio {flops['MobileNet v1'] / flops['ShuffleNet v1 1x (g=3)']:.2f}, time ratio {seconds['MobileNet v1'] / seconds['ShuffleNet v1 1x (g=3)']:.2f}")

# %% [markdown]
# On a typical CPU the time ratio comes out well below the FLOP ratio, and it can even fall below 1.
# ShuffleNet v2 (Ma et al., 2018) made this its starting point: it measures speed directly and gives four guidelines, among them "equal channel width minimizes memory access cost (MAC)" and "excessive group convolution increases MAC".
# The lesson is general: count FLOPs to compare designs on paper, then time the real thing on the real device at the real batch size.
#
# ### All twelve convolution types side by side
#
# To close the collection, here is every type from notebooks 01–12, each as one layer mapping 32 channels of 56×56 to 64 channels of 56×56, 3×3 where a kernel applies, 4 groups where groups apply, no bias.
# The rows are computed by `cost.convolution_types_table` from the same formulas this course verified by counting.

# %%
# The closing comparison: parameters, multiply-adds and receptive field of the twelve types
table = cost.convolution_types_table(in_channels=32, out_channels=64, size=56, kernel_size=3, groups=4)
assert len(table) == 12 and table[1].macs == 56 * 56 * 64 * 32 * 9 and table[11].params == 32 * 64 // 4
print(f"{'#':2}  {'type':46} {'params':>7} {'MMACs':>7}  receptive field")
for row in table:
    print(f"{row.lesson}  {row.name:46} {row.params:7,} {row.macs / 1e6:7.2f}  {'×'.join(map(str, row.receptive_field))}  {row.chinese}")

# %% [markdown]
# A few patterns to take away.
# Flipping the kernel (01), transposing with stride 1 (05) and dilating (06) cost exactly what a standard convolution costs; dilation buys a larger receptive field for free.
# Every factorisation (07, 08, 09) and every grouping (10, 11, 12) trades connectivity for cost; the channel shuffle (11) is free in multiply-adds but not in memory traffic.
# The pointwise grouped convolution is the cheapest row, and also the one that sees the least: one pixel, a quarter of the channels, which is why ShuffleNet never uses it alone.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): the unit-cost formula
#
# Write `unit_cost(kind, c, m, h, w, g)` returning the multiply-adds of one stride-1 unit, for `kind` in `"resnet"`, `"resnext"`, `"shufflenet"` (input $c \times h \times w$, bottleneck $m$, $g$ groups; ignore $g$ for ResNet).
# Do not call `cost.unit_flops`: the check compares your function with multiply-adds counted on real torch units.

# %% nbgrader={"grade": false, "grade_id": "l12_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your formula for the multiply-adds of one bottleneck unit
def unit_cost(kind, c, m, h, w, g=1):
    ### BEGIN SOLUTION
    if kind == "resnet":
        return h * w * (2 * c * m + 9 * m * m)
    if kind == "resnext":
        return h * w * (2 * c * m + 9 * m * m // g)
    return h * w * (2 * c * m // g + 9 * m)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l12_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check unit_cost against counted multiply-adds
exercises.check_unit_flops(unit_cost)
### BEGIN HIDDEN TESTS
assert unit_cost("shufflenet", 480, 120, 14, 14, 3) == 7_738_080
assert unit_cost("resnext", 256, 128, 56, 56, 32) == cost.unit_flops("resnext", 256, 128, 56, 56, 32)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): the FLOPs of a stage
#
# Stage 3 of ShuffleNet 1× with $g = 3$ receives 240 channels of 28×28 and outputs 480 channels of 14×14.
# It has one stride-2 unit (bottleneck $m = 120$, first 1×1 grouped) followed by 7 stride-1 units ($c = 480$, $m = 120$).
# Predict, with pencil and paper, the multiply-adds of one stride-1 unit (`"unit"`), of the stride-2 unit (`"first_unit"`) and of the whole stage (`"stage"`).
# Hint: in the stride-2 unit, which convolutions run at 28×28 and which at 14×14, and how many channels does its last convolution produce?

# %% nbgrader={"grade": false, "grade_id": "l12_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted multiply-adds for Stage 3 of ShuffleNet 1x (g = 3)
### BEGIN SOLUTION
answers = {
    "unit": 14 * 14 * (2 * 480 * 120 // 3 + 9 * 120),
    "first_unit": 28 * 28 * 240 * 120 // 3 + 14 * 14 * 9 * 120 + 14 * 14 * 120 * 240 // 3,
}
answers["stage"] = answers["first_unit"] + 7 * answers["unit"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l12_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against counting Stage 3 of the real network
exercises.check_stage_flops(answers)
### BEGIN HIDDEN TESTS
assert answers["stage"] == 63_786_240
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): FLOPs are not latency
#
# ShuffleNet 1× ($g = 3$) needs about 4.1 times fewer multiply-adds than MobileNet v1, yet on many devices it is far less than 4.1 times faster.
# Explain in three to five sentences why, naming at least two causes, and say what you would measure instead to choose between them for a phone app.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l12_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Multiply-adds count arithmetic only, but a layer's time is set by whichever is slower: its arithmetic or its memory traffic.
# Depthwise and grouped 1×1 convolutions do very few multiply-adds per byte they move, so they are memory-bound and run far below the processor's peak arithmetic rate.
# ShuffleNet also has operations that cost no FLOPs but still read and write whole tensors (channel shuffles, concatenations, pooling, batch norm), and many small layers whose fixed launch overhead dominates at batch 1.
# To choose, I would measure latency directly on the target phone, at batch 1, with the deployment runtime and data layout, after warm-up, and report the median of many runs.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# On a GPU, `gpu.lesson12` runs ShuffleNet 1× ($g = 3$) and MobileNet v1 on a batch of 256 images of 224×224, in the default layout and in `channels_last`, in float32 with TF32 off, and checks both networks' outputs against the same weights in float64 on the CPU.
# The prediction: the FLOP ratio says ShuffleNet should be about 4.1 times faster, but the measured throughput ratio will be much smaller, possibly below 1.
# MobileNet's dense 1×1 convolutions are large matrix products that keep a GPU's arithmetic units busy, while ShuffleNet's grouped 1×1 and depthwise convolutions, shuffles and concatenations are limited by memory bandwidth and by the number of kernels launched.
# The table shows achieved TFLOP/s per network: expect MobileNet's to be several times ShuffleNet's.
# Without CUDA the cell prints one line and the rest of the notebook is unaffected.

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("12")

# %% [markdown]
# ## Summary
#
# - Once 3×3 convolutions are depthwise, 1×1 convolutions do about 95% of a compact network's multiply-adds (MobileNet v1: 539 of 569 M).
# - A pointwise grouped convolution splits a 1×1 convolution into $g$ groups and costs $1/g$ of it; a channel shuffle after it lets the groups exchange information.
# - The ShuffleNet unit is grouped 1×1 → shuffle → depthwise 3×3 → grouped 1×1, with an added identity shortcut, or, with stride 2, an average-pooled shortcut that is concatenated.
# - Unit costs: ResNet $hw(2cm + 9m^2)$, ResNeXt $hw(2cm + 9m^2/g)$, ShuffleNet $hw(2cm/g + 9m)$, all confirmed by counting.
# - ShuffleNet v1's complexities (133–143 MFLOPs at 1×, 38 and 13 at 0.5× and 0.25×) are reproduced within 2% or to the printed digit, except Table 2's $g = 8$ entries; AlexNet needs 720 MFLOPs.
# - FLOPs are not latency: memory traffic, zero-FLOP operations and launch overhead decide the real speed; measure on the target device.
#
# This was the last lesson of the collection.
# Go back to the [course overview (README)](../README.md) for the full list, the exercises' grading instructions and the tests.

# %% [markdown]
# ## References
#
# - X. Zhang, X. Zhou, M. Lin, J. Sun. *ShuffleNet: An extremely efficient convolutional neural network for mobile devices*. 2017. [arXiv:1707.01083](https://arxiv.org/abs/1707.01083)
# - N. Ma, X. Zhang, H.-T. Zheng, J. Sun. *ShuffleNet V2: Practical guidelines for efficient CNN architecture design*. 2018. [arXiv:1807.11164](https://arxiv.org/abs/1807.11164)
# - A. G. Howard et al. *MobileNets: Efficient convolutional neural networks for mobile vision applications*. 2017. [arXiv:1704.04861](https://arxiv.org/abs/1704.04861)
# - S. Xie, R. Girshick, P. Dollár, Z. Tu, K. He. *Aggregated residual transformations for deep neural networks* (ResNeXt). 2016. [arXiv:1611.05431](https://arxiv.org/abs/1611.05431)
# - K. He, X. Zhang, S. Ren, J. Sun. *Deep residual learning for image recognition*. 2015. [arXiv:1512.03385](https://arxiv.org/abs/1512.03385)
# - A. Krizhevsky, I. Sutskever, G. E. Hinton. *ImageNet classification with deep convolutional neural networks* (AlexNet). NIPS 2012.
# - S. Williams, A. Waterman, D. Patterson. *Roofline: an insightful visual performance model for multicore architectures*. CACM 2009.
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article, section 12).

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | pointwise grouped convolution | 逐点分组卷积 |
# | pointwise (1×1) convolution | 逐点(1x1)卷积 |
# | grouped convolution | 分组卷积 |
# | channel shuffle | 通道混洗 |
# | depthwise convolution | 深度卷积 |
# | bottleneck | 瓶颈 |
# | residual unit / shortcut | 残差单元 / 捷径连接 |
# | average pooling | 平均池化 |
# | concatenation | 拼接 |
# | multiply-add (FLOPs in the paper) | 乘加运算 |
# | complexity | 复杂度 |
# | width multiplier | 宽度乘子 |
# | latency | 延迟 |
# | throughput | 吞吐量 |
# | arithmetic intensity | 计算强度(算术强度) |
# | memory access cost | 内存访问成本 |
