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
# # 11 · Shuffled grouped convolution · 混洗分组卷积
#
# A grouped convolution is cheap because it builds walls: each group of filters reads only its own slice of the channels.
# Stack two grouped layers and the walls line up, so a channel in the first group can never influence a channel in the second, however deep the network goes.
# The ShuffleNet authors broke the walls with an operation that costs no arithmetic at all: between two grouped layers, deal the channels out like cards, so that every group of the next layer receives a channel from every group of the previous one.
# This notebook shows why the walls never fall on their own, what the shuffle is exactly (a reshape, a transpose and a flatten, which is a permutation), and proves with autograd that after one shuffle every output channel depends on every input channel.
#
# Where it fits: [← 10 Grouped convolution](10_grouped_convolution.ipynb) split the channels into groups and drew the block-diagonal connectivity.
# Here we connect the groups again.
# Next: [12 Pointwise grouped convolution →](12_pointwise_grouped_convolution.ipynb), which groups the 1×1 convolutions too and assembles the full ShuffleNet unit.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. explain, with a product of block-diagonal matrices, why stacked grouped convolutions never exchange information between groups;
# 2. perform a channel shuffle by hand and in code as reshape `(g, n)` → transpose → flatten, and say where any channel goes;
# 3. write the shuffle as a permutation matrix and use it to predict which input channels each output channel depends on;
# 4. measure those dependencies with the Jacobian computed by autograd, before and after the shuffle;
# 5. say what the shuffle costs (no parameters, no multiply-adds, one memory copy) and why that copy still shows up in the running time.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 10: a grouped convolution with $g$ groups splits the $C$ channels into $g$ slices of $n = C/g$; its channel connectivity is block diagonal.
# - Notebook 04: a 1×1 convolution mixes channels at every pixel, like a small matrix applied to the channel vector.
# - numpy's `reshape`, `transpose` and matrix products `@`; tensors laid out as `(N, C, H, W)`.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convlessons import (
    connectivity, cost, exercises, functional, gpu, models, naive, plotting, widgets,
)

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Take a grouped convolution with 3 groups, as in the source article, on a feature map with 12 channels.
# Each group has 4 filters, and each filter is only 4 channels deep: the blue filters read the blue channels, the orange filters the orange ones, the green filters the green ones.
# The output has 12 channels again, and its first 4 channels were computed from the first 4 input channels only.

# %%
# One grouped convolution, 12 -> 12 channels in 3 groups, drawn as blocks (channels as depth)
_ = plotting.grouped_conv_blocks(12, 12, 3)
plt.show()

# %% [markdown]
# Now put a second grouped convolution (GConv2) behind the first (GConv1), again with 3 groups.
# Its first group reads output channels 0 to 3 of GConv1, which were made from input channels 0 to 3.
# Its second group reads channels 4 to 7, made from inputs 4 to 7.
# The figure below follows every channel through both layers.
# Grey lines join each channel to the channels of the previous row it reads.
# Each box is coloured with the input groups it has "heard from": one colour means it has only ever seen one third of the input.

# %%
# Two stacked grouped convolutions without a shuffle: the three groups never meet
_ = plotting.shuffle_diagram(12, 3, layers=2, shuffle=False, title="GConv1 → GConv2, no shuffle")
plt.show()

# %% [markdown]
# Every box of GConv2 still has a single colour.
# The network has become three separate, thinner networks that happen to run side by side.
# Adding a third or a tenth grouped layer does not change that: the walls go all the way down.
#
# The fix is to reorder the channels between the two layers.
# Deal the 12 channels out like cards: take the first channel of each GConv1 group, then the second of each, and so on, and hand them to GConv2 in that order.
# Each group of GConv2 then receives channels from every group of GConv1.
# That reordering is the **channel shuffle**.

# %%
# The same two layers with a channel shuffle in between: every GConv2 channel hears every group
_ = plotting.shuffle_diagram(12, 3, layers=2, shuffle=True, title="GConv1 → shuffle → GConv2")
plt.show()

# %% [markdown]
# After the shuffle row, the colours alternate blue, orange, green, so each group of GConv2 reads at least one channel of every colour.
# Every box of GConv2 now carries all three colours: each output channel depends on all 12 input channels, and no multiplication was added to get there.

# %% [markdown]
# ## Definition
#
# ### The shuffle as reshape, transpose, flatten
#
# Number the $C = g \cdot n$ channels $0, 1, \dots, C-1$; group $i$ holds channels $i n$ to $i n + n - 1$.
# The shuffle does three steps:
#
# 1. **reshape** the channel axis into a $g \times n$ grid, one row per group;
# 2. **transpose** it into an $n \times g$ grid, so that row $j$ now holds the $j$-th channel of every group;
# 3. **flatten** it back into one axis of length $C$.
#
# Channel $c = i n + j$ (group $i$, position $j$) therefore lands at position
#
# $$
# \pi(c) \;=\; j\,g + i, \qquad i = \lfloor c / n \rfloor,\; j = c \bmod n,
# $$
#
# and the output is $y_{j g + i} = x_{i n + j}$.
#
# A tiny example you can do on paper: 6 channels in $g = 2$ groups of $n = 3$.
# The grid is $\begin{smallmatrix}0 & 1 & 2\\ 3 & 4 & 5\end{smallmatrix}$, its transpose is $\begin{smallmatrix}0 & 3\\ 1 & 4\\ 2 & 5\end{smallmatrix}$, and reading it row by row gives $0, 3, 1, 4, 2, 5$.

# %%
# The three steps on 6 channel labels with g = 2, then the package's channel_shuffle
labels = np.arange(6)
grid = labels.reshape(2, 3)  # one row per group
print("grid (g x n):\n", grid, "\ntransposed (n x g):\n", grid.T, "\nflattened:", grid.T.ravel())
shuffled = functional.channel_shuffle(labels.reshape(1, 6, 1), 2)[0, :, 0]
assert grid.T.ravel().tolist() == shuffled.tolist() == [0, 3, 1, 4, 2, 5]

# %% [markdown]
# Check one entry with the formula: channel 4 is group $i = 1$, position $j = 1$ (since $n = 3$), so it moves to $1 \cdot 2 + 1 = 3$, and indeed position 3 of the result holds 4.
# With our 12 channels in 3 groups the order becomes 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11.

# %%
# The lesson's running example: 12 channels, 3 groups of 4
order = functional.channel_shuffle(np.arange(12).reshape(1, 12, 1), 3)[0, :, 0]
assert order.tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
print(order)

# %% [markdown]
# ### The shuffle is a permutation matrix
#
# The shuffle only moves channels, so it is a linear map that can be written as a $C \times C$ matrix $P$ acting on the vector of channels at each pixel, with $P_{\pi(c),\,c} = 1$ and zeros elsewhere.
# Each row and each column holds exactly one 1: $P$ is a permutation matrix.
# In the same convention as notebook 10 (rows are output channels, columns are input channels), here is $P$ for the 6-channel example.

# %%
# The permutation matrix of the 6-channel, 2-group shuffle; P @ labels is the shuffled order
P6 = connectivity.shuffle_permutation(6, 2)
assert (P6 @ labels).tolist() == [0, 3, 1, 4, 2, 5]
assert (P6.sum(axis=0) == 1).all() and (P6.sum(axis=1) == 1).all()
print(P6)

# %% [markdown]
# For our 12 channels in 3 groups, $P$ is drawn below on the left: row 1 has its 1 in column 4, because position 1 receives channel 4.
# A permutation can be undone, and the inverse of a permutation matrix is its transpose.
# For the shuffle the inverse has a neat form: it is the shuffle with $n = C/g$ groups instead of $g$ (transposing the grid back), drawn on the right.

# %%
# The 12-channel, 3-group shuffle and its inverse, the shuffle with 4 groups
P12 = connectivity.shuffle_permutation(12, 3)
assert P12[1, 4] == 1 and np.array_equal(P12.T @ P12, np.eye(12, dtype=int))
assert np.array_equal(P12.T, connectivity.shuffle_permutation(12, 4))
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
_ = plotting.connectivity(P12 > 0, ax=axes[0], title="P: shuffle(12, groups=3)")
_ = plotting.connectivity(P12.T > 0, ax=axes[1], title="Pᵀ = shuffle(12, groups=4)")
plt.show()

# %% [markdown]
# ### Grouped layers as matrices, and why the walls never fall
#
# Notebook 10 described a grouped layer by its connectivity: a $C \times C$ matrix $B$ whose entry $[o, c]$ is 1 when output channel $o$ reads input channel $c$.
# With $g$ groups, $B$ is block diagonal: $g$ blocks of $n \times n$ ones.
# Dependencies compose like matrix products: output $o$ of GConv2 depends on input $c$ of GConv1 when there is some middle channel $m$ with $B_{o m} = 1$ and $B_{m c} = 1$, that is when $(B B)_{o c} > 0$.
#
# The product of two block-diagonal matrices with the same blocks is block diagonal again, because block $j$ of the product is block $j$ of the first times block $j$ of the second; the off-diagonal blocks are sums of products that each contain a zero block.
# With the shuffle in the middle, the dependency matrix is $B P B$ instead.

# %%
# Dependency matrices: one grouped layer, two stacked, and two with a shuffle in between
B = connectivity.channel_connectivity((12, 12), groups=3).astype(int)
two_plain = (B @ B) > 0
two_shuffled = (B @ P12 @ B) > 0
assert np.array_equal(two_plain, B > 0) and two_shuffled.all()
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
for ax, m, title in zip(axes, [B > 0, two_plain, two_shuffled], ["B (GConv1)", "B·B (no shuffle)", "B·P·B (shuffle)"]):
    _ = plotting.connectivity(m, ax=ax, title=title)
plt.show()

# %% [markdown]
# The middle panel is identical to the left one: stacking changed nothing.
# The right panel is full: after one shuffle every output channel is connected to every input channel.
#
# The same holds for the actual weights, not just for the on/off pattern.
# For 1×1 convolutions a grouped layer multiplies the channel vector by its dense equivalent weight (notebook 10's `grouped_to_dense`), which is block diagonal with real numbers in the blocks.
# The product of two of them has exact zeros outside the blocks; with $P$ in the middle the zeros are gone.

# %%
# Real 1x1 weights: W2 @ W1 keeps exact zeros off the blocks, W2 @ P @ W1 has none
W1 = connectivity.grouped_to_dense(np.random.randn(12, 4, 1, 1), 3)[:, :, 0, 0]
W2 = connectivity.grouped_to_dense(np.random.randn(12, 4, 1, 1), 3)[:, :, 0, 0]
plain, mixed = W2 @ W1, W2 @ P12 @ W1
assert np.array_equal(plain != 0, B > 0) and np.count_nonzero(mixed) == 144
print(f"non-zero entries: W2·W1 {np.count_nonzero(plain)} of 144, W2·P·W1 {np.count_nonzero(mixed)} of 144")

# %% [markdown]
# One subtlety, which the explorer below lets you play with: the shuffle gives each group of the next layer $n$ channels, taken from the $g$ groups in turn, so they come from $\min(n, g)$ different groups.
# If $n \ge g$, that covers all $g$ groups and one shuffle mixes everything.
# If $n < g$ (few channels per group), one shuffle is not enough and more grouped layers, each followed by a shuffle, are needed; with $n = 1$ (one channel per group, a depthwise layer) the shuffle leaves every channel where it was and nothing ever mixes.

# %%
# How many grouped layers (shuffles between them) until every output depends on every input
for c, g in [(12, 3), (12, 4), (8, 4), (16, 8), (4, 4)]:
    depth = connectivity.mixing_depth(c, g)
    print(f"C={c:2d}, g={g}: n={c // g} channel(s) per group -> " + (f"{depth} layers" if depth else "never"))
assert connectivity.mixing_depth(12, 3) == 2 and connectivity.mixing_depth(8, 4) == 3
assert connectivity.mixing_depth(4, 4) is None

# %% [markdown]
# ## Implementation
#
# The package has three implementations of the shuffle, each compared below with PyTorch's `torch.nn.functional.channel_shuffle` and `torch.nn.ChannelShuffle`:
#
# - `naive.channel_shuffle`: a loop over the channels that copies each one to its new position, the formula $y_{jg+i} = x_{in+j}$ written as code;
# - `functional.channel_shuffle`: numpy's reshape → swap axes → reshape, with no loop;
# - the permutation matrix $P$ applied to the channel axis with `einsum`.
#
# The heart of the loop version (validation omitted):
#
# ```python
# n = channels // groups
# for i in range(groups):          # group i
#     for j in range(n):           # position j inside the group
#         out[:, j * groups + i] = x[:, i * n + j]
# ```

# %% tags=["nbval-ignore-output"]
# Loop, reshape/transpose and permutation-matrix shuffles against torch's two versions
x = np.random.randn(2, 12, 5, 5)
ref = F.channel_shuffle(torch.from_numpy(x), 3).numpy()
assert np.array_equal(nn.ChannelShuffle(3)(torch.from_numpy(x)).numpy(), ref)
results = {"naive.channel_shuffle": naive.channel_shuffle(x, 3),
           "functional.channel_shuffle": functional.channel_shuffle(x, 3),
           "P applied with einsum": np.einsum("oc,nchw->nohw", P12, x)}
for name, out in results.items():
    assert out.shape == ref.shape and np.array_equal(out, ref)
    print(f"{name:28s} max |error| vs torch = {np.abs(out - ref).max():.1e}")

# %% [markdown]
# The errors are exactly zero, not merely small: a shuffle copies numbers and never adds or multiplies them, so there is nothing to round.
# `models.channel_shuffle` and `models.ChannelShuffle` are the torch versions used inside the package's ShuffleNet; they agree with PyTorch's too.

# %%
# The package's torch shuffle equals PyTorch's nn.ChannelShuffle
xt = torch.from_numpy(x)
assert torch.equal(models.ChannelShuffle(3)(xt), nn.ChannelShuffle(3)(xt))
assert torch.equal(models.channel_shuffle(xt, 3), F.channel_shuffle(xt, 3))
print("models.ChannelShuffle(3) == nn.ChannelShuffle(3)")

# %% [markdown]
# ### Measuring the dependencies with autograd
#
# The matrices above are a prediction.
# To test it on a real network, build GConv1 → shuffle → GConv2 with 3×3 grouped convolutions in PyTorch and ask autograd.
# The Jacobian of the output with respect to the input holds $\partial y_{o,u,v} / \partial x_{c,s,t}$ for every output value and every input value.
# If output channel $o$ does not depend on input channel $c$, all those derivatives are exactly zero: the input channel never enters the computation of that output.
# `connectivity.channel_dependency` computes the Jacobian on a small random input with `torch.autograd.functional.jacobian` and marks the pairs $(o, c)$ where some derivative is non-zero.

# %%
# Two small nets, without and with the shuffle (3x3 grouped convs, padding 1, no bias)
torch.manual_seed(0)
plain_net = nn.Sequential(nn.Conv2d(12, 12, 3, padding=1, groups=3, bias=False),
                          nn.Conv2d(12, 12, 3, padding=1, groups=3, bias=False))
shuffled_net = nn.Sequential(nn.Conv2d(12, 12, 3, padding=1, groups=3, bias=False),
                             nn.ChannelShuffle(3),
                             nn.Conv2d(12, 12, 3, padding=1, groups=3, bias=False))
print(shuffled_net)

# %%
# The Jacobian's sparsity pattern, summed over pixels: which output channel depends on which input
dep_plain = connectivity.channel_dependency(plain_net, in_channels=12, size=2)
dep_shuffled = connectivity.channel_dependency(shuffled_net, in_channels=12, size=2)
assert np.array_equal(dep_plain, two_plain) and np.array_equal(dep_shuffled, two_shuffled)
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
_ = plotting.connectivity(dep_plain, ax=axes[0], title="autograd: GConv1 → GConv2")
_ = plotting.connectivity(dep_shuffled, ax=axes[1], title="autograd: GConv1 → shuffle → GConv2")
plt.show()
print(f"inputs each output depends on: {dep_plain.sum(axis=1).min()} without, {dep_shuffled.sum(axis=1).min()} with the shuffle")

# %% [markdown]
# Autograd agrees with the matrix products exactly: 4 of the 12 input channels without the shuffle, all 12 with it.
# The check works for any network you can run, which makes it a handy debugging tool: if a layer is wired differently from what you believe, the Jacobian's pattern shows it.

# %% [markdown]
# ## Cost
#
# The shuffle has **no parameters** and performs **no multiply-adds**: it is pure data movement.
# The cost of GConv1 → shuffle → GConv2 is the cost of the two grouped layers, $2 \cdot \frac{C^2 k^2}{g}\, h w$ multiply-adds for $k \times k$ kernels on an $h \times w$ map, exactly as without the shuffle.
# PyTorch's FLOP counter and the parameter count confirm it.

# %%
# Parameters and multiply-adds of the two small nets: the shuffle adds nothing
size = (1, 12, 8, 8)
formula = 2 * cost.conv_macs(12, 12, 3, 8, groups=3)
assert cost.count_macs(shuffled_net, size) == cost.count_macs(plain_net, size) == formula == 2 * 12 * 12 * 9 * 64 // 3
assert cost.count_params(shuffled_net) == cost.count_params(plain_net) == 2 * cost.conv_params(12, 12, 3, groups=3, bias=False) == 864
print(f"{formula:,} multiply-adds and {cost.count_params(shuffled_net)} parameters, with or without the shuffle")

# %% [markdown]
# What the shuffle does cost is a trip through memory: every value of the feature map is read once and written once to a new place, $2 C h w$ values moved.
# That grows linearly with the number of channels, while the grouped layers around it grow quadratically ($C^2/g$ per pixel each).
# The plot compares, per pixel, the multiply-adds of two 1×1 layers (dense, and grouped with $g = 3$ and $g = 8$) with the values the shuffle moves.
# Both axes are logarithmic, so a quadratic becomes a line of slope 2 and the shuffle's linear growth a line of slope 1; grouping only shifts the conv lines down by a factor $g$.

# %%
# Per-pixel work of two 1x1 layers vs values moved by one shuffle, as the channel count grows
chans = np.arange(24, 1000, 24)
work = {f"two 1×1 layers, g={g}": np.array([2 * cost.conv_macs(int(c), int(c), 1, 1, groups=g) for c in chans]) for g in (1, 3, 8)}
work["shuffle: values moved (read + write)"] = 2 * chans
assert chans[9] == 240 and work["two 1×1 layers, g=3"][9] == 2 * 240 * 240 // 3 == 38400
assert work["shuffle: values moved (read + write)"][9] == 480
ax = plotting.cost_curves(chans, work, xlabel="channels C", ylabel="multiply-adds or values, per pixel", title="convs grow as C², the shuffle as C", logy=True, logx=True)
_ = ax.legend(loc="upper left", fontsize=9)
plt.show()

# %% [markdown]
# On paper the shuffle looks negligible: at ShuffleNet's 240 channels with $g = 3$ the two 1×1 layers do 38,400 multiply-adds per pixel and the shuffle moves 480 values.
# But a grouped 1×1 layer also does little work per value it reads: each output value needs only $C/g$ multiply-adds.
# Its **arithmetic intensity**, the FLOPs per byte of memory traffic, is low, and the shuffle's is zero.
# On a GPU both are limited by memory bandwidth rather than arithmetic, and then what counts is bytes, not FLOPs.

# %%
# Arithmetic intensity (FLOP per byte, float32, each tensor read or written once) at C=240, g=3
c, g, hw = 240, 3, 28 * 28
conv_flops = 2 * cost.conv_macs(c, c, 1, 28, groups=g)
conv_bytes = 4 * (2 * c * hw + cost.conv_params(c, c, 1, groups=g, bias=False))
shuffle_bytes = 4 * 2 * c * hw
assert conv_flops == 2 * c * (c // g) * hw and shuffle_bytes == 1_505_280
assert round(conv_flops / conv_bytes) == 19 and round(shuffle_bytes / conv_bytes, 2) == 0.95
assert round(128 * shuffle_bytes / 2 / 1e6) == 96  # one tensor of the GPU section's batch of 128, in MB
print(f"grouped 1x1 conv: {conv_flops / conv_bytes:.1f} FLOP/byte; shuffle: 0 FLOP for {shuffle_bytes:,} bytes")
print(f"the shuffle moves {shuffle_bytes / conv_bytes:.2f}x the bytes of one grouped conv")

# %% [markdown]
# So when memory is the bottleneck, one shuffle costs about as much time as one of the grouped layers beside it, and takes up to a third of the block; when arithmetic is the bottleneck it costs almost nothing.
# The GPU section measures where a real GPU falls between these two extremes.
# The ShuffleNet V2 paper (Ma et al. 2018) built its design guidelines on this point: judge a layer by its memory access and measured speed, not by FLOPs alone.

# %% [markdown]
# ## Claim check
#
# Section 11 of the source article states these facts about shuffled grouped convolution; each is recomputed below.
#
# 1. ShuffleNet is designed for mobile devices with very limited computing power, such as 10–150 MFLOPs.
# 2. With 3 filter groups, each group's kernels are only one third of the input channels deep.
# 3. The first (red) filter group only processes information from the first third of the input channels, and the last (blue) group only from the last third.
# 4. Without a shuffle, a stack of grouped convolutions blocks the flow of information between channel groups.
# 5. After the shuffle, each group of GConv2 receives channels from every group of GConv1, so information flows between groups.
# 6. Grouped convolution is used in networks such as MobileNet and ResNeXt; depthwise separable convolution in Xception.
#
# Claim 1: the paper's "FLOPs" are multiply-adds (notebook 12).
# Counting the package's ShuffleNet v1 ($g = 3$) at the three widths of the paper's Table 2 reproduces its numbers and lands inside the 10–150 million range.

# %%
# Claim 1: ShuffleNet v1 (g=3) at widths 0.25x, 0.5x, 1x, counted (meta tensors: no memory, no data)
paper = models.SHUFFLENET_V1_PAPER
counted = {}
for width in (0.25, 0.5, 1.0):
    with torch.device("meta"):
        net = models.shufflenet_v1(groups=3, width_mult=width)
    counted[width] = cost.count_macs(net, (1, 3, 224, 224)) / 1e6
    published = paper["complexity_mflops_by_scale"][width]
    assert 10 <= counted[width] <= 150 and abs(counted[width] - published) <= 0.025 * published
    print(f"ShuffleNet {width}x (g=3): {counted[width]:6.1f} MFLOPs counted, {published} in the paper's Table 2")
assert round(counted[1.0]) == paper["complexity_mflops_1x"][3] == 137

# %% [markdown]
# Claims 2 and 3: the weight of a 12 → 12 grouped convolution with 3 groups has shape `(12, 4, 3, 3)`, so each kernel is 4 = 12/3 channels deep, and the measured dependencies of the first and the last group are the first and the last four input channels.

# %%
# Claims 2 and 3: kernel depth and which input channels the first and last groups read
gconv = nn.Conv2d(12, 12, 3, padding=1, groups=3, bias=False)
assert tuple(gconv.weight.shape) == (12, 4, 3, 3) and gconv.weight.shape[1] / 12 == 1 / 3
dep = connectivity.channel_dependency(gconv, in_channels=12, size=2)
first, last = np.flatnonzero(dep[:4].any(axis=0)), np.flatnonzero(dep[8:].any(axis=0))
assert first.tolist() == [0, 1, 2, 3] and last.tolist() == [8, 9, 10, 11]
print(f"kernel depth {gconv.weight.shape[1]} of 12; group 1 reads {first.tolist()}, group 3 reads {last.tolist()}")

# %% [markdown]
# Claims 4 and 5: the Jacobians above already showed both.
# The cell below states claim 5 as the article does, group by group: for each group of GConv2, the GConv1 groups its four shuffled input channels come from.

# %%
# Claims 4 and 5: the GConv1 groups feeding each GConv2 group, without and with the shuffle
source = P12.argmax(axis=1)  # source[p] = the GConv1 channel at shuffled position p
for j in range(3):
    without = sorted({int(c) // 4 for c in range(4 * j, 4 * j + 4)})
    with_shuffle = sorted({int(source[p]) // 4 for p in range(4 * j, 4 * j + 4)})
    assert without == [j] and with_shuffle == [0, 1, 2]
    print(f"GConv2 group {j}: reads GConv1 groups {without} without the shuffle, {with_shuffle} with it")

# %% [markdown]
# Claim 6: count what kind of convolution each network really uses.
# `cost.macs_by_layer_type` sorts the multiply-adds of a network into standard, depthwise ($g = C$), pointwise and grouped ($1 < g < C$) convolutions.

# %%
# Claim 6: MobileNet v1 has no grouped (1 < g < C) convolution, only depthwise ones; ResNeXt-50 has grouped ones
with torch.device("meta"):
    mobilenet, resnext = models.mobilenet_v1(), models.resnet50(groups=32, width_per_group=4)
mb = cost.macs_by_layer_type(mobilenet, (1, 3, 224, 224))
mb_groups = {(m.groups, m.in_channels == m.out_channels == m.groups) for m in mobilenet.modules() if isinstance(m, nn.Conv2d) and m.groups > 1}
rx_groups = {m.groups for m in resnext.modules() if isinstance(m, nn.Conv2d) and m.groups > 1}
assert mb["conv (grouped)"] == 0 and mb["conv (depthwise)"] > 0 and all(dw for _, dw in mb_groups)
assert rx_groups == {32} and all(m.in_channels > 32 and m.kernel_size == (3, 3) for m in resnext.modules() if isinstance(m, nn.Conv2d) and m.groups == 32)
print(f"MobileNet v1: grouped {mb['conv (grouped)']:,}, depthwise {mb['conv (depthwise)']:,} multiply-adds; ResNeXt-50 groups: {sorted(rx_groups)}")

# %% [markdown]
# One more check of the idea behind claim 5, on the real network: inside every ShuffleNet v1 unit the shuffle sits between a grouped 1×1 convolution with $m$ output channels and the layers after it.
# One shuffle mixes all groups only if each group holds at least $g$ channels, $m/g \ge g$.
# The package's ShuffleNet v1 satisfies that in every unit for every $g$ of the paper.

# %%
# In every ShuffleNet v1 unit, channels per group of the bottleneck >= g, so one shuffle mixes all groups
for g in (1, 2, 3, 4, 8):
    with torch.device("meta"):
        units = [u for u in models.shufflenet_v1(groups=g).modules() if isinstance(u, models.ShuffleNetUnit)]
    per_group = min(u.compress.out_channels // g for u in units)
    assert per_group >= g and all(u.shuffle.groups == g for u in units)
    print(f"g={g}: {len(units)} units, at least {per_group} bottleneck channels per group")

# %% [markdown]
# ### Errata
#
# > 1. **MobileNet does not use grouped convolution in the sense of this lesson.**
# > The article lists MobileNet next to ResNeXt as a user of grouped convolution.
# > MobileNet v1 uses depthwise convolution, the extreme case $g = C$ with one channel per group, followed by dense 1×1 pointwise convolutions; the count above finds zero multiply-adds in grouped layers with $1 < g < C$.
# > The distinction matters here: with one channel per group the shuffle is the identity (`mixing_depth(4, 4)` is `None`), so MobileNet mixes its channels with the pointwise layers, not with shuffles.
# > ResNeXt does use grouped convolution (32 groups in its 3×3 layers).
# > 2. **GConv2 is the second grouped convolution.**
# > The translation calls GConv2 "the first grouped convolution" (第一个分组卷积 GConv2); it is the second one, applied after the first (GConv1).
# > 3. **"Information flows between groups" needs enough channels per group.**
# > One shuffle gives each group of the next layer channels from every group only when each group holds at least $g$ channels ($C/g \ge g$).
# > With 8 channels in 4 groups, one shuffle reaches only 2 of the 4 groups and a third layer is needed.
# > ShuffleNet's layers are wide enough (checked above), so the claim holds there, but not in general.
# > 4. **"The feature representation is strengthened" is a measured result, not a consequence.**
# > The shuffle makes cross-group information flow possible; whether it helps accuracy is an experimental question.
# > The ShuffleNet paper answers it on ImageNet: its Table 3 trains the same networks with and without the shuffle and reports lower classification error with it.
# > This notebook cannot recompute that without training.

# %% [markdown]
# ## Explore
#
# The explorer draws a stack of grouped layers for any number of groups, channels per group and layers, with or without shuffles.
# On the left, channels flow through the stack (each box striped with the input groups it depends on); on the right is the dependency matrix of the whole stack.
# Things to try: switch the shuffle off and add layers (the matrix stays block diagonal); set 4 groups of 2 channels and count the layers it takes to fill the matrix; set 1 channel per group and watch the shuffle do nothing.
# First, two fixed settings, checked in code:

# %%
# Drive the explorer headless: 12 channels in 3 groups, without the shuffle
explorer = widgets.shuffle_explorer()
render = explorer.update(groups=3, per_group=4, layers=2, shuffle=False)
assert render.error is None and "depends on 4 of the 12" in render.text
print(render.text)

# %%
# Four groups of two channels: one shuffle is not enough, three layers are
render = explorer.update(groups=4, per_group=2, layers=2, shuffle=True)
assert "4 of the 8" in render.text and "3 layers mix" in render.text
print(render.text)

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders and the checkbox
explorer.update(groups=3, per_group=4, layers=2, shuffle=True)
explorer.widget

# %% [markdown]
# ## In practice
#
# PyTorch has the shuffle as a module and as a function: `torch.nn.ChannelShuffle(groups)` and `torch.nn.functional.channel_shuffle(input, groups)`, both on `(N, C, *)` tensors.
# Many codebases write it by hand instead, in one line: `x.view(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)`; the final `reshape` is where the copy happens.
#
# Where it is used:
#
# - **ShuffleNet v1** (Zhang et al. 2017): every unit is GConv 1×1 → BN, ReLU → shuffle → depthwise 3×3 → GConv 1×1, with $g$ from 1 to 8 (notebook 12 builds it).
# - **ShuffleNet v2** (Ma et al. 2018) drops the grouped 1×1 convolutions but keeps the shuffle: each unit splits the channels in two, transforms one half, concatenates, and shuffles with $g = 2$ so the halves trade places at the next unit.
# - Other compact networks borrow the operation wherever grouped layers follow each other.

# %%
# One ShuffleNet v1 unit: the shuffle uses the same g as the grouped 1x1 conv before it
unit = models.ShuffleNetUnit(240, 240, groups=3, stride=1)
assert unit.compress.groups == unit.shuffle.groups == unit.expand.groups == 3
assert unit.compress.out_channels == 60 and cost.count_params(unit.shuffle) == 0
print(f"compress {unit.compress}\nshuffle  {unit.shuffle}\nexpand   {unit.expand}")

# %% [markdown]
# Pitfalls:
#
# - **Shuffle with the groups of the layer before.**
#   The reshape `(g, n)` must put each group of the previous layer in one row.
#   The layer's $g$ is the safe choice (other values can still work, but check the dependency matrix).
# - **`groups=1` and `groups=C` do nothing.**
#   Both give the identity permutation; a shuffle after a depthwise layer is wasted memory traffic.
# - **Channel count must be divisible by $g$.**
#   `nn.ChannelShuffle` raises an error otherwise; so do the package's versions, naming the argument.
# - **It is a copy.**
#   On GPUs and phones the shuffle's memory traffic is real time (see the cost section and the GPU section); fusing it into the next convolution's input indexing avoids the copy, which some inference engines do.
# - **Tensor layout.**
#   In channels-last memory layout `(N, H, W, C)` the shuffle permutes the innermost axis; the result is the same, the memory access pattern is not.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): channel shuffle with reshape and transpose
#
# Write `my_channel_shuffle(x, groups)` for a numpy array `x` of shape `(N, C, H, W)` (or `(N, C, L)`: any number of trailing axes).
# Use only `reshape` and `transpose` (or `swapaxes`), no loops and no torch; return an array of the same shape.
# The check compares you with `functional.channel_shuffle` on channel labels, random values, one group, and one channel per group.

# %% nbgrader={"grade": false, "grade_id": "l11_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation: reshape the channel axis to (groups, C // groups), swap, flatten back
def my_channel_shuffle(x, groups):
    ### BEGIN SOLUTION
    n, c = x.shape[:2]
    grid = x.reshape(n, groups, c // groups, *x.shape[2:])
    return grid.swapaxes(1, 2).reshape(x.shape)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l11_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check my_channel_shuffle against the package's channel_shuffle on several cases
exercises.check_channel_shuffle(my_channel_shuffle)
### BEGIN HIDDEN TESTS
assert my_channel_shuffle(np.arange(12).reshape(1, 12, 1), 3)[0, :, 0].tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
_xh = np.random.default_rng(11).standard_normal((2, 24, 3, 2))
assert np.array_equal(my_channel_shuffle(_xh, 6), F.channel_shuffle(torch.from_numpy(_xh), 6).numpy())
assert np.array_equal(my_channel_shuffle(my_channel_shuffle(_xh, 6), 4), _xh)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): where does channel 5 go?
#
# A feature map has $C = 12$ channels, numbered 0 to 11, and is shuffled with $g = 3$ groups between two grouped convolutions GConv1 and GConv2 (both 12 → 12 channels, 3 groups).
# Without running code, predict:
#
# - `"destination"`: the position channel 5 moves to;
# - `"source"`: the channel that ends up at position 5;
# - `"reads_without_shuffle"`: how many of the 12 input channels of GConv1 one output channel of GConv2 depends on when there is no shuffle;
# - `"reads_with_shuffle"`: the same number with the shuffle.

# %% nbgrader={"grade": false, "grade_id": "l11_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predictions, one int per key
### BEGIN SOLUTION
answers = {"destination": 4, "source": 9, "reads_without_shuffle": 4, "reads_with_shuffle": 12}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l11_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against the permutation matrix and the dependency matrices
exercises.check_shuffle_predictions(answers)
### BEGIN HIDDEN TESTS
assert answers["destination"] == 4 and answers["source"] == 9
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): why is the shuffle needed?
#
# A colleague proposes to make a network cheaper by replacing every 1×1 convolution with a grouped 1×1 convolution with $g = 4$, and nothing else.
# Explain in three to five sentences what goes wrong with the information flow, why stacking more such layers does not fix it, and how a channel shuffle fixes it at almost no cost.
# Mention one condition under which a single shuffle is not enough.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l11_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Each grouped layer lets an output channel read only the channels of its own group, so its connectivity matrix is block diagonal.
# The product of block-diagonal matrices with the same blocks is block diagonal again, so after any number of such layers each output channel still depends on a quarter of the input channels only: the network splits into four independent sub-networks that never share features.
# A channel shuffle between two grouped layers (reshape to (g, n), transpose, flatten) hands each group of the next layer one channel from every group of the previous one, so the product B·P·B is full and every output depends on every input.
# It has no parameters and no multiply-adds; it only copies the feature map once, which costs memory traffic but no arithmetic.
# One shuffle is enough only if each group holds at least g channels (C/g ≥ g); with fewer channels per group more shuffled layers are needed, and with one channel per group (depthwise) the shuffle does nothing.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# `gpu.lesson11` runs ShuffleNet's wiring at its stage-2 size: a batch of 128 feature maps of 240 channels at 28×28 (about 96 MB in float32), a grouped 1×1 convolution with $g = 3$, the shuffle, and a second grouped 1×1 convolution.
# It checks the shuffle on the GPU against the numpy version (they must agree exactly) and the whole block against a float64 CPU computation with TF32 off, then times each piece.
#
# The prediction, from the cost section:
#
# - the shuffle does zero FLOPs, so a FLOP count says it is free;
# - it moves as many bytes as a plain copy of the tensor (read once, write once), so it should run at the same speed as `clone()`, close to the GPU's memory bandwidth (the table's "predicted ×" of 1.00 against the copy);
# - each grouped 1×1 layer reads and writes about the same number of bytes and does only about 19 FLOPs per byte, so it is not far from memory-bound either; the shuffle should therefore take a noticeable share of the block's time, somewhere between a few percent and the one-third it would take if everything were memory-bound.
#
# Without CUDA the cell prints one line.

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("11")

# %% [markdown]
# ## Summary
#
# - Stacked grouped convolutions never exchange information between groups: the product of block-diagonal connectivity matrices stays block diagonal, for the on/off pattern and for the real weights.
# - The channel shuffle reshapes the channel axis to $(g, n)$, transposes it and flattens it: channel $i n + j$ moves to $j g + i$.
# - It is a permutation matrix $P$; its inverse is $P^\top$, the shuffle with $n$ groups.
# - With the shuffle between two grouped layers the dependency matrix is $B P B$, which is full when $C/g \ge g$; autograd's Jacobian confirms it on real PyTorch layers.
# - The shuffle has no parameters and no multiply-adds, but it copies the whole feature map, and on memory-bound hardware that copy costs real time.
# - MobileNet uses depthwise convolution ($g = C$), where a shuffle would do nothing; ShuffleNet uses grouped 1×1 convolutions with a shuffle between them.

# %% [markdown]
# ## References
#
# - X. Zhang, X. Zhou, M. Lin, J. Sun. *ShuffleNet: An extremely efficient convolutional neural network for mobile devices*. 2017. [arXiv:1707.01083](https://arxiv.org/abs/1707.01083)
# - N. Ma, X. Zhang, H.-T. Zheng, J. Sun. *ShuffleNet V2: Practical guidelines for efficient CNN architecture design*. 2018. [arXiv:1807.11164](https://arxiv.org/abs/1807.11164)
# - S. Xie, R. Girshick, P. Dollár, Z. Tu, K. He. *Aggregated residual transformations for deep neural networks* (ResNeXt). 2016. [arXiv:1611.05431](https://arxiv.org/abs/1611.05431)
# - A. G. Howard et al. *MobileNets: Efficient convolutional neural networks for mobile vision applications*. 2017. [arXiv:1704.04861](https://arxiv.org/abs/1704.04861)
# - F. Chollet. *Xception: Deep learning with depthwise separable convolutions*. 2016. [arXiv:1610.02357](https://arxiv.org/abs/1610.02357)
# - A. Krizhevsky, I. Sutskever, G. E. Hinton. *ImageNet classification with deep convolutional neural networks* (AlexNet, the first grouped convolutions). NIPS 2012.
# - Y. Ioannou. *A tutorial on filter groups (grouped convolution)*. 2017. https://blog.yani.io/filter-group-tutorial/
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article, section 11).
# - PyTorch documentation: `torch.nn.ChannelShuffle`, `torch.nn.functional.channel_shuffle`, `torch.autograd.functional.jacobian`.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | shuffled grouped convolution | 混洗分组卷积 |
# | channel shuffle | 通道混洗 |
# | grouped convolution | 分组卷积 |
# | group (filter group) | 组(过滤器组) |
# | kernel | 卷积核 |
# | channel | 通道 |
# | feature map | 特征图 |
# | permutation matrix | 置换矩阵 |
# | block-diagonal matrix | 块对角矩阵 |
# | transpose | 转置 |
# | reshape | 变形(重塑形状) |
# | Jacobian matrix | 雅可比矩阵 |
# | automatic differentiation (autograd) | 自动微分 |
# | depthwise convolution | 深度卷积(逐通道卷积) |
# | pointwise (1×1) convolution | 逐点卷积 |
# | multiply-add (MAC) | 乘加运算 |
# | memory bandwidth | 内存带宽 |
# | arithmetic intensity | 计算强度(算术强度) |
# | memory-bound | 访存受限 |
