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
# # 10 · Grouped convolution · 分组卷积
#
# In 2012 the network that won ImageNet, AlexNet, did not fit on one graphics card.
# Its authors cut almost every layer in half, ran one half on each of two GPUs, and let the halves talk to each other only at a few layers.
# That cut has a name today: a **grouped convolution**.
# It began as a memory workaround, and it turned into one of the main tools for making networks cheaper (ResNeXt, ShuffleNet, MobileNet's depthwise layers, RegNet).
#
# Where it fits: [← 09 Flattened convolution](09_flattened_convolution.ipynb) factored each filter into three 1-D pieces.
# Here we keep the filters whole but let each one see only part of the input's channels.
# Next: [11 Shuffled grouped convolution →](11_shuffled_grouped_convolution.ipynb), which fixes the main weakness of groups: they never talk to each other.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. explain what `groups=g` does to a convolution layer: which input channels each output channel reads, and the shape of its weight;
# 2. compute a grouped convolution by splitting the channels, convolving each part and concatenating, and check it against `conv2d(..., groups=g)`;
# 3. draw the layer's channel connectivity as a block-diagonal matrix, and write its weight as a block-diagonal dense weight;
# 4. predict the parameters $k^2 C_{\text{in}} C_{\text{out}} / g$ and multiply-adds of a grouped layer, and recognise the two extremes $g = 1$ (standard) and $g = C_{\text{in}}$ (depthwise);
# 5. compare a ResNeXt bottleneck with a ResNet one by counting, and explain when model parallelism helps and when data parallelism is the better choice.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: a multi-channel filter is as deep as its input; one filter gives one output channel; a layer's weight has shape `(C_out, C_in, k, k)`.
# - Notebook 04: a 1×1 convolution mixes channels at each pixel.
# - Notebook 08: a depthwise convolution filters each channel on its own (`groups = C`).
# - Python and numpy, and tensors laid out as `(N, C, H, W)`.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import connectivity, cost, exercises, functional, gpu, models, naive, plotting, widgets

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Start with a standard layer: an input with 4 channels, and 4 filters of 3×3.
# Every filter is as deep as the input (3×3×4), so every output channel is computed from all four input channels.
#
# Now split the layer into **two groups**.
# The input's channels are cut into two halves (blue: channels 0–1, orange: channels 2–3), and so are the filters.
# The first two filters read only the blue half, so they are only 3×3×**2** deep; the last two read only the orange half.
# Each group produces its own two output channels, and the two results are stacked into an output with 4 channels again.
# The output has the same shape as before; what changed is who talks to whom.

# %%
# A standard layer (top) and the same layer with two groups (bottom), channels coloured by group
fig, axes = plt.subplots(2, 1, figsize=(8, 6.4), layout="constrained")
_ = plotting.grouped_conv_blocks(4, 4, 1, ax=axes[0])
_ = plotting.grouped_conv_blocks(4, 4, 2, ax=axes[1])
plt.show()

# %% [markdown]
# A compact way to see the difference is a **channel connectivity matrix**: one row per output channel, one column per input channel, and a filled cell when that output reads that input.
# A standard layer fills the whole matrix.
# With $g$ groups only $g$ square blocks on the diagonal are filled, and a fraction $1/g$ of all input–output pairs remain.
# The figure shows an 8-channel layer with 1, 2, 4 and 8 groups.

# %%
# Channel connectivity of an 8 -> 8 layer for g = 1, 2, 4, 8: block diagonal, fraction 1/g filled
fig, axes = plt.subplots(1, 4, figsize=(12, 3.3), layout="constrained")
for ax, g in zip(axes, (1, 2, 4, 8), strict=True):
    m = connectivity.channel_connectivity((8, 8), groups=g)
    assert m.sum() == 64 // g
    _ = plotting.connectivity(m, ax=ax, title=f"g = {g}: {m.sum()} of 64 pairs")
plt.show()

# %% [markdown]
# The last panel, $g = 8$ with 8 input channels, is a diagonal: each output channel reads exactly one input channel.
# That is the depthwise convolution of notebook 08.
# So grouped convolution is a dial between two layers you already know: $g = 1$ is the standard convolution and $g = C_{\text{in}}$ is the depthwise one.

# %% [markdown]
# ## Definition
#
# A convolution with $C_{\text{in}}$ input channels, $C_{\text{out}}$ output channels and $g$ groups requires that $g$ divides both channel counts.
# Group $j$ (for $j = 0, \dots, g-1$) owns
#
# - the input channels $j\,\frac{C_{\text{in}}}{g}, \dots, (j+1)\frac{C_{\text{in}}}{g} - 1$, and
# - the output channels $j\,\frac{C_{\text{out}}}{g}, \dots, (j+1)\frac{C_{\text{out}}}{g} - 1$.
#
# Output channel $o$ belongs to group $j(o) = \lfloor o \,/\, (C_{\text{out}}/g) \rfloor$, and it sums over the input channels of that group only:
#
# $$
# y_{o,u,v} \;=\; \beta_o + \sum_{c=0}^{C_{\text{in}}/g - 1} \sum_{m=0}^{k-1} \sum_{n=0}^{k-1} w_{o,c,m,n}\; \tilde x_{\,j(o)\frac{C_{\text{in}}}{g} + c,\; s u + d m,\; s v + d n}.
# $$
#
# Here $\tilde x$ is the zero-padded input and $\beta_o$ the bias, as in notebook 02.
# Compared with notebook 02, the only change is the range of the channel sum: $C_{\text{in}}/g$ channels instead of $C_{\text{in}}$, starting where the group starts.
# That is why PyTorch's weight for a grouped layer has shape `(C_out, C_in/g, k, k)`: each filter stores kernels for its own group's channels only.
# Stride, padding and dilation work exactly as before, so the output size formula does not change.
#
# ### A tiny example to check by hand
#
# Take an input with 4 channels of 3×3, two groups, and two filters of 2×2 (one per group).
# Filter 0 belongs to group 0 and reads channels 0 and 1; filter 1 belongs to group 1 and reads channels 2 and 3.
# The weight therefore has shape `(2, 2, 2, 2)`: two filters, each with kernels for **two** channels, not four.

# %%
# A 4-channel 3x3 input and a (2, 2, 2, 2) weight: two filters, one per group
x = np.array([[[1, 2, 0], [0, 1, 3], [2, 1, 0]],
              [[0, 1, 1], [1, 0, 2], [1, 1, 0]],
              [[3, 0, 1], [1, 2, 0], [0, 1, 1]],
              [[1, 1, 0], [2, 0, 1], [0, 3, 1]]], dtype=float)
w = np.array([[[[1, 0], [0, 1]], [[0, 1], [1, 0]]],     # filter 0: kernels for channels 0 and 1
              [[[1, 1], [0, 0]], [[0, 0], [1, 1]]]],    # filter 1: kernels for channels 2 and 3
             dtype=float)
y = functional.conv2d(x[None], w, groups=2)[0]
assert y.shape == (2, 2, 2)
print(y)

# %% [markdown]
# Check the top-left cell of each output channel yourself.
#
# - Output channel 0: the window of channel 0 is $\begin{smallmatrix}1&2\\0&1\end{smallmatrix}$ and its kernel keeps the diagonal, $1 + 1 = 2$; the window of channel 1 is $\begin{smallmatrix}0&1\\1&0\end{smallmatrix}$ and its kernel keeps the anti-diagonal, $1 + 1 = 2$; together $2 + 2 = 4$.
# - Output channel 1: channel 2's window $\begin{smallmatrix}3&0\\1&2\end{smallmatrix}$ times the top-row kernel gives $3 + 0 = 3$; channel 3's window $\begin{smallmatrix}1&1\\2&0\end{smallmatrix}$ times the bottom-row kernel gives $2 + 0 = 2$; together $3 + 2 = 5$.
#
# Channels 2 and 3 never enter output channel 0, and channels 0 and 1 never enter output channel 1.

# %%
# The two group results are two ordinary convolutions on half of the channels each
group0 = functional.conv2d(x[None, 0:2], w[0:1])[0, 0]
group1 = functional.conv2d(x[None, 2:4], w[1:2])[0, 0]
assert y[0, 0, 0] == 2 + 2 == 4 and y[1, 0, 0] == 3 + 2 == 5
assert np.array_equal(y[0], group0) and np.array_equal(y[1], group1)
print("output channel 0 = group 0 alone:\n", group0, "\noutput channel 1 = group 1 alone:\n", group1)

# %% [markdown]
# A grouped layer with $g$ groups **is** $g$ independent ordinary layers, each working on its own slice of the channels, whose outputs are stacked.
# Nothing flows between the groups.

# %% [markdown]
# ## Implementation
#
# ### Split, convolve, concatenate
#
# The definition translates directly into code, and this is how AlexNet ran it, one group per GPU:
#
# ```python
# cin, cout = C_in // groups, C_out // groups
# pieces = []
# for j in range(groups):
#     x_j = x[:, j * cin:(j + 1) * cin]            # this group's input channels
#     w_j = weight[j * cout:(j + 1) * cout]         # this group's filters
#     pieces.append(conv2d(x_j, w_j))               # an ordinary convolution
# y = np.concatenate(pieces, axis=1)                # stack along the channels
# ```
#
# The package has this as `functional.grouped_conv2d_split`.
# The next cell compares it with the package's vectorized `functional.conv2d(..., groups=g)`, with the loop version `naive.conv2d(..., groups=g)`, and with PyTorch, on a random batch with stride, padding and a bias.

# %% tags=["nbval-ignore-output"]
# Four implementations of a 6 -> 9 channel, 3-group convolution versus torch (float64), max error printed
xr = np.random.randn(2, 6, 7, 6)
wr = np.random.randn(9, 2, 3, 3)
br = np.random.randn(9)
args = dict(stride=2, padding=1, groups=3)
ref = F.conv2d(torch.from_numpy(xr), torch.from_numpy(wr), torch.from_numpy(br), **args).numpy()
for name, fn in [("grouped_conv2d_split", functional.grouped_conv2d_split),
                 ("functional.conv2d", functional.conv2d), ("naive.conv2d", naive.conv2d)]:
    out = fn(xr, wr, br, **args)
    err = np.abs(out - ref).max()
    assert out.shape == ref.shape == (2, 9, 4, 3) and err < 1e-12
    print(f"{name}: shape {out.shape}, max |error| vs torch = {err:.1e}")

# %% [markdown]
# The errors are at the level of float64 rounding (the order of the additions differs), so this cell's printed digits are not compared by the notebook tests; its `assert` still runs.

# %% [markdown]
# ### The equivalent dense weight is block diagonal
#
# A grouped layer is also an ordinary layer with a special weight.
# Build a full `(C_out, C_in, k, k)` weight filled with zeros, and copy each group's kernels into the block where its output channels meet its input channels.
# Every kernel outside those blocks is zero, so an output channel gets nothing from the other groups' channels: exactly the grouped computation.
# `connectivity.grouped_to_dense` builds this weight.

# %%
# The dense weight of the 3-group layer: zeros outside the diagonal blocks, same result as groups=3
dense = connectivity.grouped_to_dense(wr, groups=3)
assert dense.shape == (9, 6, 3, 3) and np.count_nonzero(dense) == wr.size
y_dense = functional.conv2d(xr, dense, br, stride=2, padding=1)
assert np.allclose(y_dense, functional.conv2d(xr, wr, br, **args), rtol=0, atol=1e-12)
print(f"dense weight {dense.shape}: {np.count_nonzero(dense)} of {dense.size} entries are not zero (1/3)")

# %% [markdown]
# The picture of the dense weight, one cell per pair (output channel, input channel) and coloured by the sum of the absolute kernel values there, is the connectivity matrix of the intuition with real numbers in it.
# `connectivity.channel_connectivity(weight, groups)` reads the pattern off a real weight.

# %%
# Channel connectivity of the 3-group weight: |kernel| sums of the dense weight, and the boolean pattern
strength = np.abs(dense).sum(axis=(2, 3))
pattern = connectivity.channel_connectivity(wr, groups=3)
assert np.array_equal(pattern, strength > 0) and np.array_equal(pattern, connectivity.channel_connectivity((6, 9), groups=3))
fig, axes = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
_ = plotting.connectivity(strength, ax=axes[0], title="sum of |kernel| per channel pair")
_ = plotting.connectivity(pattern, ax=axes[1], title="connected? (groups = 3)")
plt.show()

# %% [markdown]
# ### The extreme g = C_in is a depthwise convolution
#
# With as many groups as input channels, each group holds a single input channel, so every filter is $k \times k \times 1$.
# If $C_{\text{out}} = C_{\text{in}}$ each group has one filter, and that is the depthwise convolution of notebook 08: one kernel per channel, output as deep as the input.
# If $C_{\text{out}} = 2\,C_{\text{in}}$ each group has two filters, and the output is twice as deep.
# That second layer is still called depthwise in TensorFlow, with a *channel multiplier* of 2; the depth of the output is $C_{\text{out}}$, whatever you call it.

# %%
# g = C_in = 3: with 3 filters the output keeps depth 3 (depthwise); with 6 filters it has depth 6
xd = np.random.randn(1, 3, 5, 5)
one_each = np.random.randn(3, 1, 3, 3)
y3 = functional.conv2d(xd, one_each, groups=3)
per_channel = np.stack([functional.conv2d(xd[:, c:c + 1], one_each[c:c + 1])[0, 0] for c in range(3)])
assert y3.shape == (1, 3, 3, 3) and np.allclose(y3[0], per_channel)
y6 = functional.conv2d(xd, np.random.randn(6, 1, 3, 3), groups=3)
assert y6.shape == (1, 6, 3, 3)
print(f"groups=3, 3 filters: output depth {y3.shape[1]}; groups=3, 6 filters: output depth {y6.shape[1]}")

# %% [markdown]
# ## Cost
#
# ### Parameters
#
# Each of the $C_{\text{out}}$ filters has $k \cdot k \cdot C_{\text{in}}/g$ weights, plus one bias, so
#
# $$
# \text{params} = k^2 \cdot \frac{C_{\text{in}}}{g} \cdot C_{\text{out}} + C_{\text{out}} .
# $$
#
# The weights shrink by a factor $g$; the biases do not (there are still $C_{\text{out}}$ output channels).
# Two groups halve the weights, the claim of the source article.

# %%
# Parameters of a 64 -> 128, 3x3 layer for g = 1, 2, 4: formula, cost.conv_params, and a real nn.Conv2d
for g in (1, 2, 4):
    formula = 3 * 3 * (64 // g) * 128 + 128
    layer = torch.nn.Conv2d(64, 128, 3, groups=g)
    assert formula == cost.conv_params(64, 128, 3, groups=g) == cost.count_params(layer)
    assert tuple(layer.weight.shape) == (128, 64 // g, 3, 3)
    print(f"g={g}: weight {tuple(layer.weight.shape)}, 9·{64 // g}·128 + 128 = {formula:,} parameters")
assert 2 * cost.conv_params(64, 128, 3, groups=2, bias=False) == cost.conv_params(64, 128, 3, bias=False)

# %% [markdown]
# ### Multiply-adds
#
# Every output value is a dot product of length $k^2 C_{\text{in}}/g$ instead of $k^2 C_{\text{in}}$, and there are as many output values as before, so the multiply-adds also fall by exactly $g$:
#
# $$
# \text{MACs} = C_{\text{out}} \cdot o_h \cdot o_w \cdot k^2 \cdot \frac{C_{\text{in}}}{g}.
# $$
#
# The loop version counts every multiplication it performs; the count must match the formula and PyTorch's FLOP counter.

# %%
# Multiply-adds of a 4 -> 8 channel 3x3 layer on a 6x6 input (4x4 output) for g = 1, 2, 4
xc = np.random.randn(1, 4, 6, 6)
for g in (1, 2, 4):
    counter = naive.MultiplicationCounter()
    _ = naive.conv2d(xc, np.random.randn(8, 4 // g, 3, 3), groups=g, counter=counter)
    formula = 8 * 4 * 4 * 3 * 3 * (4 // g)
    torch_count = cost.count_macs(torch.nn.Conv2d(4, 8, 3, groups=g), (1, 4, 6, 6))
    assert counter.count == formula == cost.conv_macs(4, 8, 3, 4, groups=g) == torch_count
    print(f"g={g}: 8·4·4·9·{4 // g} = {formula:,} multiply-adds (loop counted {counter.count:,})")

# %% [markdown]
# The plot follows one typical layer, 256 → 256 channels with 3×3 kernels on a 56×56 map, from $g = 1$ to $g = 256$ (depthwise).
# On log–log axes $1/g$ is a straight line of slope −1.
# The parameter curve bends away from it at the end: at $g = 256$ there are only 2,304 weights left, and the 256 biases, which do not shrink, are a tenth of that.

# %%
# Parameters and multiply-adds of a 256 -> 256 3x3 layer at 56x56 as g grows (log-log)
gs = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256])
params = np.array([cost.conv_params(256, 256, 3, groups=int(g)) for g in gs])
macs = np.array([cost.conv_macs(256, 256, 3, 56, groups=int(g)) for g in gs])
assert params[0] == 590_080 and params[-1] == 2_304 + 256 and macs[0] == 256 * macs[-1]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
_ = plotting.cost_curves(gs, {"parameters": params, "weights only (params − biases)": params - 256}, ax=axes[0],
                         xlabel="groups g", ylabel="count", title="parameters fall as 1/g, biases stay", logx=True, logy=True)
_ = plotting.cost_curves(gs, {"multiply-adds": macs}, ax=axes[1], xlabel="groups g", ylabel="multiply-adds",
                         title="multiply-adds fall exactly as 1/g", logx=True, logy=True)
plt.show()

# %% [markdown]
# ### ResNeXt: spend the savings on width
#
# Cheaper layers are only half the story.
# Xie et al.'s ResNeXt (arXiv:1611.05431) keeps the cost of a ResNet block fixed and uses the savings of grouping to make the block **wider**.
# A ResNet-50 bottleneck at the first stage (56×56 maps, 256 channels in and out) squeezes to 64 channels with a 1×1 convolution, filters with a 3×3 convolution at 64 channels, and expands back to 256 with another 1×1.
# The ResNeXt-50 (32×4d) block squeezes to 128 channels instead, and its 3×3 convolution has **32 groups of 4 channels** each (the "cardinality" $C = 32$ and "bottleneck width" $d = 4$ of its name).
# The paper says the two blocks have about the same number of parameters, roughly 70 thousand; let us count.

# %%
# A ResNet-50 and a ResNeXt-50 (32x4d) bottleneck at 56x56: conv weights and multiply-adds, counted
with torch.device("meta"):  # shapes only: nothing to compute for a count
    blocks = {"ResNet-50 (64, g=1)": models.Bottleneck(256, 64, 256), "ResNeXt-50 (128, g=32)": models.Bottleneck(256, 128, 256, groups=32)}
counts = {}
for name, block in blocks.items():
    weights = cost.count_params(block) - cost.params_by_layer_type(block)["other"]  # convs only, no batch norm
    counts[name] = (weights, cost.count_macs(block, (1, 256, 56, 56)))
    print(f"{name}: {counts[name][0]:,} conv weights, {counts[name][1] / 1e6:.1f} M multiply-adds")
assert counts["ResNet-50 (64, g=1)"] == (256 * 64 + 9 * 64 * 64 + 64 * 256, 69_632 * 56 * 56)
assert counts["ResNeXt-50 (128, g=32)"] == (256 * 128 + 9 * 128 * 4 + 128 * 256, 70_144 * 56 * 56)

# %% [markdown]
# Both blocks have about 70 thousand weights (69,632 and 70,144) and about 0.22 billion multiply-adds, as the paper says.
# The grouped 3×3 in the ResNeXt block is tiny, 4,608 weights against the ResNet block's 36,864, so the budget goes to the two wider 1×1 convolutions.
# The paper's Table 2 lists other ways to keep this budget: fewer groups, each wider.
# Counting each of them confirms that they all stay near 70 thousand weights.

# %%
# Table 2 of the ResNeXt paper: (cardinality C, width d) pairs with ~70k weights per block
for C, d in models.RESNEXT_PAPER["cardinality_vs_width"].items():
    block = models.Bottleneck(256, C * d, 256, groups=C)
    weights = cost.count_params(block) - cost.params_by_layer_type(block)["other"]
    assert weights == 256 * C * d + 9 * C * d * d + C * d * 256 and abs(weights - 70_000) < 2_000
    assert C * d == models.RESNEXT_PAPER["grouped_conv_width"][C] and round(weights * 56 * 56 / 1e9, 2) == 0.22
    print(f"C={C:>2}, d={d:>2}: grouped 3x3 conv of width {C * d:>3}, {weights:,} weights, {weights * 56 * 56 / 1e9:.3f} G multiply-adds")

# %% [markdown]
# The connectivity matrices of the two 3×3 convolutions show what changed: the ResNet block mixes all 64 channels with each other, the ResNeXt block mixes 128 channels but only inside 32 small blocks of 4.
# The 1×1 convolutions around it do the mixing across groups.

# %%
# The 3x3 layers of the two blocks: 64 fully connected channels vs 128 channels in 32 groups of 4
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
_ = plotting.connectivity(connectivity.channel_connectivity((64, 64)), ax=axes[0], title="ResNet 3×3: 64 channels, g = 1")
_ = plotting.connectivity(connectivity.channel_connectivity((128, 128), groups=32), ax=axes[1], title="ResNeXt 3×3: 128 channels, g = 32")
plt.show()

# %% [markdown]
# The same holds for the whole networks.
# Building a ResNet-50 on PyTorch's `meta` device creates its layers with shapes but without memory or arithmetic, so counting its 25 million parameters and 4 billion multiply-adds takes well under a second.

# %%
# Whole ResNet-50 and ResNeXt-50 (32x4d), built on the meta device (shapes only) and counted
nets = {"ResNet-50": (1, 64), "ResNeXt-50 (32x4d)": (32, 4)}
for name, (groups, width) in nets.items():
    with torch.device("meta"):
        net = models.resnet50(groups=groups, width_per_group=width)
    n_params, n_macs = cost.count_params(net), cost.count_macs(net, (1, 3, 224, 224))
    paper = models.RESNEXT_PAPER[name]
    assert abs(n_params / 1e6 - paper["params_millions"]) < 0.1 and abs(n_macs / 1e9 - paper["flops_billions"]) < 0.05
    assert (round(n_params / 1e6, 2), round(n_macs / 1e9, 2)) == {"ResNet-50": (25.56, 4.09), "ResNeXt-50 (32x4d)": (25.03, 4.23)}[name]
    print(f"{name}: {n_params / 1e6:.2f} M parameters (paper {paper['params_millions']}), "
          f"{n_macs / 1e9:.2f} G multiply-adds (paper {paper['flops_billions']})")
errors = models.RESNEXT_PAPER["top1_error_50"]  # quoted from the paper's Table 3, not recomputed
print("top-1 error at the same cost (paper):", ", ".join(f"{k}: {v}%" for k, v in errors.items()))

# %% [markdown]
# The counts match Table 1 of the paper (which calls multiply-adds "FLOPs"); ResNet-50's 25.56 million parameters appear there rounded down to 25.5.
# At the same cost, the paper reports a top-1 error of 22.2% for 32×4d against 23.9% for the ResNet-50 layout ($1 \times 64$d): grouping did not make the network cheaper here, it made a wider network affordable.

# %% [markdown]
# ## Claim check
#
# The source article's section on grouped convolution (section 10) states these facts and numbers; each is recomputed below.
#
# 1. AlexNet (Krizhevsky et al., 2012) introduced grouped convolution to train on **two GPUs** with limited memory (the article says 1.5 GB per GPU).
# 2. A standard layer with 128 filters of 3×3×3 turns a 7×7×3 input into 5×5×128.
# 3. With 2 groups each filter is $D_{\text{in}}/2$ deep, each group has $D_{\text{out}}/2$ filters, and the output has $2 \cdot D_{\text{out}}/2 = D_{\text{out}}$ channels.
# 4. The parameters go from $h \cdot w \cdot D_{\text{in}} \cdot D_{\text{out}}$ to $2 \cdot (h \cdot w \cdot D_{\text{in}}/2 \cdot D_{\text{out}}/2)$: half.
# 5. With as many groups as input channels, every filter is $D_{\text{in}}/D_{\text{in}} = 1$ deep, each group has $D_{\text{out}}/D_{\text{in}}$ filters, and the output is $D_{\text{out}}$ deep, unlike a depthwise convolution, which keeps the depth.
# 6. Model parallelism is "better" than data parallelism (see the Errata).

# %%
# Claims 2-5, for several channel counts
assert functional.conv2d(np.ones((1, 3, 7, 7)), np.ones((128, 3, 3, 3))).shape == (1, 128, 5, 5)
assert cost.conv_params(3, 128, 3, bias=False) == 3 * 3 * 3 * 128
for d_in, d_out in [(4, 8), (64, 128), (96, 192)]:
    half = functional.conv2d(np.ones((1, d_in, 7, 7)), np.ones((d_out, d_in // 2, 3, 3)), groups=2)
    assert half.shape[1] == 2 * (d_out // 2) == d_out                        # claim 3
    assert 2 * (3 * 3 * (d_in // 2) * (d_out // 2)) == 3 * 3 * d_in * d_out // 2 == cost.conv_params(d_in, d_out, 3, groups=2, bias=False)
    full_depth = functional.conv2d(np.ones((1, d_in, 5, 5)), np.ones((d_out, 1, 3, 3)), groups=d_in)
    assert full_depth.shape[1] == d_out and d_out // d_in == 2 and cost.conv_params(d_in, d_out, 3, groups=d_in, bias=False) == 9 * d_out
print("claims 2-5 hold")

# %% [markdown]
# The article's running example cannot be split into two groups, though: 3 input channels do not divide by 2, and a convolution refuses it.

# %%
# The article's 7x7x3 input with 2 groups: impossible, and the library says why
try:
    functional.conv2d(np.ones((1, 3, 7, 7)), np.ones((128, 1, 3, 3)), groups=2)
except ValueError as err:
    message = str(err)
assert "groups must divide the input channels" in message
print(message)

# %% [markdown]
# For claim 1, the AlexNet paper lists its five convolutional layers with kernels of 11×11×3, 5×5×48, 3×3×256, 3×3×192 and 3×3×192.
# A depth of 48 for a layer with 96 input channels means two groups; 256 (all of conv2's output) means conv3 reads both GPUs.
# Counting the weights of the convolutional layers with and without the groups shows what the split saved.

# %%
# AlexNet's convolutions: weights with the paper's groups and if every layer were ungrouped
grouped_total, dense_total = 0, 0
for name, cin, cout, k, g in models.ALEXNET_PAPER["conv_layers"]:
    grouped, dense = cost.conv_params(cin, cout, k, groups=g, bias=False), cost.conv_params(cin, cout, k, bias=False)
    grouped_total, dense_total = grouped_total + grouped, dense_total + dense
    print(f"{name}: {cout} kernels of {k}x{k}x{cin // g} (groups={g}): {grouped:>9,} weights; ungrouped {dense:>9,}")
assert [cin // g for _, cin, _, _, g in models.ALEXNET_PAPER["conv_layers"]] == [3, 48, 256, 192, 192]
assert (grouped_total, dense_total) == (2_332_704, 3_745_824)
print(f"total: {grouped_total:,} vs {dense_total:,} conv weights ({grouped_total / dense_total:.0%})")
alexnet = models.ALEXNET_PAPER
print(f"trained on {alexnet['gpus']} {alexnet['gpu']} GPUs with {alexnet['gpu_memory_gb']} GB of memory each")

# %% [markdown]
# ### Errata
#
# > 1. **"Model parallelism is better than data parallelism."** Neither is better in general; they solve different problems.
# > *Data parallelism* puts a full copy of the model on every device, gives each device a different slice of the batch, and averages the gradients across devices after each step.
# > It is the default way to train on several GPUs (PyTorch's `DistributedDataParallel`), it needs no change to the model, and it scales well as long as the model, its gradients, its optimizer state and one slice of activations fit on one device.
# > *Model parallelism* splits the model itself across devices; it is needed when the model does **not** fit on one device, which was AlexNet's situation in 2012 (the paper says the network was too big for one GPU).
# > Its costs are communication between devices in the middle of every forward and backward pass, and devices that wait for each other; AlexNet kept that communication small by letting the halves exchange data only at a few layers, which is exactly what the grouped convolutions do.
# > Large models today combine both (data parallelism across groups of devices, model parallelism within a group).
# > 2. **"Small batches make data parallelism stochastic rather than batch gradient descent."** In data parallelism the gradient of a step is averaged over the whole batch, across all devices, so the effective batch is the sum of the per-device slices: adding devices makes the global batch larger, not smaller.
# > Model parallelism, for its part, does not "feed more images per step" by itself: the batch size is a choice, limited by memory on either scheme.
# > 3. **"1.5 GB of memory per GPU."** The AlexNet paper trained on two GTX 580 GPUs with **3 GB** each.
# > 4. **"A depthwise convolution does not change the depth."** True with one filter per channel (channel multiplier 1); with $C_{\text{out}} = m \cdot C_{\text{in}}$ a depthwise layer has $m$ filters per channel and an output $m$ times as deep, which is the same layer as a grouped convolution with $g = C_{\text{in}}$.
# > The grouped and depthwise layers differ only by naming, not in what they can compute.
# > 5. **The 7×7×3 example and two groups.** Groups must divide the channel counts, so the article's own 3-channel input cannot be split into two groups (checked above).
# > 6. **"Grouped convolution gives better models than standard convolution."** Not as a rule.
# > The evidence the article cites (a blog on filter groups, and ResNeXt) shows that groups can match or beat a standard layer **at the same cost** or with fewer parameters, which is a statement about using a budget well; a layer with too many groups loses accuracy because its groups never exchange information (notebook 11).

# %% [markdown]
# ## Explore
#
# The explorer draws a grouped layer as blocks coloured by group, its channel connectivity matrix, and prints its filter shape, parameters and multiply-adds next to those of the standard layer.
# The groups slider offers the divisors of 24; with channel counts that a chosen $g$ does not divide, the explorer explains why the layer cannot exist.
# Try $g = 1$, then the largest $g$ that divides your input channels (the depthwise case), and watch the filters get thinner while the output stays as deep.
# First, a fixed setting, checked in code:

# %%
# Drive the explorer headless: 12 -> 12 channels with 4 groups, 3x3 kernels, 56x56 output
explorer = widgets.grouped_explorer()
render = explorer.update(groups=4, in_channels=12, out_channels=12, kernel_size=3, size=56)
assert render.error is None and "filter shape 3×3×3" in render.text
assert f"parameters {cost.conv_params(12, 12, 3, groups=4):,}" in render.text
print(render.text)

# %%
# An impossible setting: 8 groups cannot split 12 channels, and the explorer says so
bad = explorer.update(groups=8, in_channels=12, out_channels=12)
assert bad.error is not None and "does not divide" in bad.error
print(bad.error)

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(groups=2, in_channels=12, out_channels=12, kernel_size=3, size=56)
explorer.widget

# %% [markdown]
# ## In practice
#
# In PyTorch a grouped convolution is an ordinary `torch.nn.Conv2d` with the `groups` argument: `nn.Conv2d(in_channels, out_channels, kernel_size, groups=g)`.
# Its weight has shape `(out_channels, in_channels // g, k, k)`, and `in_channels` and `out_channels` must both be divisible by `g`.
# `groups=in_channels` gives a depthwise convolution; there is no separate layer type for it.

# %%
# nn.Conv2d with groups: the weight shape, and the error when g does not divide the channels
layer = torch.nn.Conv2d(64, 128, 3, padding=1, groups=4)
assert tuple(layer.weight.shape) == (128, 16, 3, 3) and layer(torch.zeros(1, 64, 8, 8)).shape == (1, 128, 8, 8)
try:
    torch.nn.Conv2d(64, 128, 3, groups=3)
except ValueError as err:
    torch_message = str(err)
assert "divisible by groups" in torch_message
print(f"weight {tuple(layer.weight.shape)}; groups=3 -> ValueError: {torch_message}")

# %% [markdown]
# Where grouped convolutions appear:
#
# - **AlexNet** (2012): two groups in conv2, conv4 and conv5, one per GPU. Later reimplementations on a single GPU usually drop the groups.
# - **ResNeXt** (2017): the 3×3 convolution of every bottleneck has 32 groups; the same idea gives the "wide" variants (32×8d) used as backbones in detection.
# - **MobileNet, Xception, EfficientNet**: depthwise convolutions, the extreme $g = C_{\text{in}}$, followed by 1×1 convolutions that mix the channels.
# - **ShuffleNet** (notebooks 11 and 12): groups in the 1×1 convolutions too, with a channel shuffle between layers so that the groups can exchange information.
# - **RegNet**: a design space in which the *group width* (channels per group) is one of the few parameters searched.
#
# Pitfalls:
#
# - **Groups never mix.** Stack two grouped layers with the same $g$ and channel $0$ of the output still depends only on the first group's channels.
# Put a 1×1 convolution or a channel shuffle between them.
# - **FLOPs are not time.** A grouped convolution does $g$ times less arithmetic but reads and writes the same full-size feature maps, and libraries have fewer tuned kernels for it, so the speed-up is often far less than $g$ (GPU section).
# - **Divisibility.** Changing the width of a network with grouped layers means keeping every channel count a multiple of $g$ (ShuffleNet's tables pick channel counts for that reason).
# - **Weight layout when porting.** A grouped weight is `(C_out, C_in/g, k, k)`; loading it into an ungrouped layer needs the block-diagonal dense weight, not a reshape.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): grouped convolution by split and concatenate
#
# Write `grouped_conv(x, weight, groups)` for an input `x` of shape `(N, C_in, H, W)` and a weight of shape `(C_out, C_in // groups, kH, kW)` (stride 1, no padding, no bias).
# Split the channels into groups, convolve each group with its filters using `functional.conv2d` (with its default `groups=1`), and concatenate the results with `np.concatenate`.
# Do not pass `groups=` to any library call: the check compares your function with `functional.conv2d(x, weight, groups=groups)`.

# %% nbgrader={"grade": false, "grade_id": "l10_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation of a grouped convolution as split -> convolve -> concatenate
def grouped_conv(x, weight, groups):
    ### BEGIN SOLUTION
    cin = x.shape[1] // groups
    cout = weight.shape[0] // groups
    pieces = [functional.conv2d(x[:, j * cin:(j + 1) * cin], weight[j * cout:(j + 1) * cout])
              for j in range(groups)]
    return np.concatenate(pieces, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l10_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check grouped_conv against functional.conv2d with groups on several cases
exercises.check_grouped_conv(grouped_conv)
### BEGIN HIDDEN TESTS
assert np.array_equal(grouped_conv(x[None], w, 2), y[None])
_xh = np.random.default_rng(11).standard_normal((1, 8, 5, 5))
_wh = np.random.default_rng(12).standard_normal((4, 2, 2, 2))
assert np.allclose(grouped_conv(_xh, _wh, 4), functional.conv2d(_xh, _wh, groups=4))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): parameters for each number of groups
#
# A layer has 64 input channels, 128 output channels, 3×3 kernels **and a bias**.
# Without running code, predict its number of parameters for $g = 1, 2, 4, 32, 64$ and enter them as a dict `{g: parameters}`.
# Careful with the biases.

# %% nbgrader={"grade": false, "grade_id": "l10_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted parameter counts, one int per g
### BEGIN SOLUTION
answers = {g: 3 * 3 * (64 // g) * 128 + 128 for g in (1, 2, 4, 32, 64)}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l10_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions (the layer is exercises.GROUPED_PARAMS_QUESTION)
exercises.check_grouped_params(answers)
### BEGIN HIDDEN TESTS
assert answers[1] == 73_856 and answers[64] == 1_280
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): model parallelism or data parallelism?
#
# You must train a convolutional network on 4 GPUs.
# In three to six sentences, explain what data parallelism and model parallelism each split, what each one costs in communication, and which one you would choose (a) when the model fits comfortably on one GPU and (b) when it does not.
# Say how AlexNet's grouped convolutions relate to your answer.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l10_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Data parallelism keeps a full copy of the model on each GPU and splits each batch into four slices; after the backward pass the gradients are averaged across the GPUs (an all-reduce of one gradient per parameter per step), so the step equals one on the full batch.
# Model parallelism splits the layers or the channels of the model across the GPUs; every forward and backward pass must send activations and their gradients between GPUs in the middle of the computation, and a GPU may wait for another.
# (a) When the model fits on one GPU, data parallelism is the simple and efficient choice: no change to the model, and the communication overlaps with the backward pass.
# (b) When the model (with its gradients, optimizer state and activations) does not fit, some model parallelism is required, usually combined with data parallelism.
# AlexNet was case (b) on 3 GB GPUs; its grouped convolutions were a way to do model parallelism with little communication, because layers with two groups need only the activations on their own GPU.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# `gpu.lesson10` measures the cost model of this lesson on a real device: a batch of 16 feature maps of 256×56×56, a 3×3 convolution to 256 channels with padding 1, in float32 with TF32 off, for $g = 1, 2, 4, 8, 16, 32, 64$ and $256$.
# It checks every variant against a float64 CPU computation, times it, and also times $g = 2$ and $g = 32$ computed as separate convolutions followed by a concatenation.
# On a machine with two GPUs it runs AlexNet's split for real, one half of the channels and filters on each device, and compares it with $g = 2$ on one device; with one GPU the table says that part was skipped.
#
# What to expect, before measuring:
#
# - **FLOPs fall as $1/g$**, so the "predicted ×" column is simply $g$.
# - **Time does not.** Every variant reads the same input and writes the same output, 51 MB each, whatever $g$ is.
# The next cell computes the arithmetic intensity (FLOPs per byte that must move): it drops from hundreds at $g = 1$ to about 2 at $g = 256$.
# Below roughly ten to twenty FLOPs per byte (float32 without tensor cores) a GPU waits for memory, so the large-$g$ layers run at the speed of memory bandwidth and their time stops shrinking.
# - Libraries tune the dense convolution most; for middle values of $g$ the grouped kernels can be far from the machine's peak, and the measured speed-up may fall well short of $g$ even before the memory limit is reached.
# - **Many small convolutions are slow.** Computing $g = 32$ as 32 separate convolutions launches 32 kernels, each too small to keep the GPU busy; expect the single grouped call to win, unless the library's grouped kernel is badly tuned for this shape (which happens, and is worth knowing).

# %%
# The prediction on paper: FLOPs and arithmetic intensity (FLOPs per byte moved, float32) as g grows
n, c, hw = 16, 256, 56
fmap = 4 * n * c * hw * hw  # bytes of one 16x256x56x56 float32 tensor: read once, written once
intensity = {g: 2 * n * cost.conv_macs(c, c, 3, hw, groups=g) / (2 * fmap + 4 * cost.conv_params(c, c, 3, groups=g, bias=False))
             for g in (1, 2, 4, 8, 16, 32, 64, 256)}
assert round(fmap / 1e6) == 51 and round(intensity[1]) == 563 and round(intensity[256], 1) == 2.2
print(", ".join(f"g={g}: {value:.1f}" for g, value in intensity.items()), "FLOP/byte")

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("10")

# %% [markdown]
# ## Summary
#
# - A grouped convolution with $g$ groups cuts the input channels and the filters into $g$ equal parts; group $j$'s filters see only group $j$'s channels, so the weight is `(C_out, C_in/g, k, k)`.
# - It equals $g$ ordinary convolutions on channel slices, concatenated (AlexNet's two-GPU split), and one ordinary convolution with a block-diagonal dense weight.
# - Its channel connectivity matrix is block diagonal: only $1/g$ of the input–output channel pairs are connected, and nothing flows between groups.
# - Parameters $k^2 C_{\text{in}} C_{\text{out}}/g + C_{\text{out}}$ and multiply-adds $C_{\text{out}} o_h o_w k^2 C_{\text{in}}/g$ fall by $g$ (the biases do not); two groups halve the weights.
# - $g = 1$ is the standard convolution and $g = C_{\text{in}}$ the depthwise one; the output depth is always $C_{\text{out}}$.
# - ResNeXt spends the savings on width: its 32×4d bottleneck has 70,144 weights against ResNet's 69,632, and the whole ResNeXt-50 costs 4.23 G multiply-adds against ResNet-50's 4.09 G, with a lower error.
# - Data parallelism is the default for training on several devices; model parallelism (AlexNet's groups) is for models that do not fit on one.
# - Fewer FLOPs are not proportionally less time: a grouped layer moves as much data as the dense one.

# %% [markdown]
# ## References
#
# - A. Krizhevsky, I. Sutskever, G. E. Hinton. *ImageNet classification with deep convolutional neural networks* (AlexNet). NIPS 2012. [papers.nips.cc](https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks)
# - S. Xie, R. Girshick, P. Dollár, Z. Tu, K. He. *Aggregated residual transformations for deep neural networks* (ResNeXt). CVPR 2017. [arXiv:1611.05431](https://arxiv.org/abs/1611.05431)
# - K. He, X. Zhang, S. Ren, J. Sun. *Deep residual learning for image recognition* (ResNet). 2015. [arXiv:1512.03385](https://arxiv.org/abs/1512.03385)
# - Y. Ioannou, D. Robertson, R. Cipolla, A. Criminisi. *Deep roots: improving CNN efficiency with hierarchical filter groups*. CVPR 2017. [arXiv:1605.06489](https://arxiv.org/abs/1605.06489)
# - X. Zhang, X. Zhou, M. Lin, J. Sun. *ShuffleNet: An extremely efficient convolutional neural network for mobile devices*. 2017. [arXiv:1707.01083](https://arxiv.org/abs/1707.01083)
# - I. Radosavovic, R. P. Kosaraju, R. Girshick, K. He, P. Dollár. *Designing network design spaces* (RegNet). CVPR 2020. [arXiv:2003.13678](https://arxiv.org/abs/2003.13678)
# - A. Krizhevsky. *One weird trick for parallelizing convolutional neural networks*. 2014. [arXiv:1404.5997](https://arxiv.org/abs/1404.5997) (data parallelism for the convolutional layers, model parallelism for the fully connected ones).
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article, section 10).
# - PyTorch documentation: `torch.nn.Conv2d` (the `groups` argument), `torch.nn.parallel.DistributedDataParallel`, the `meta` device.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | grouped convolution | 分组卷积 |
# | group (filter group) | 组(滤波器组) |
# | number of groups | 分组数 |
# | cardinality | 基数 |
# | bottleneck width | 瓶颈宽度 |
# | depthwise convolution | 深度卷积(逐通道卷积) |
# | channel multiplier | 通道倍增因子 |
# | channel connectivity | 通道连接 |
# | block-diagonal matrix | 块对角矩阵 |
# | concatenate | 拼接 |
# | parameter | 参数 |
# | multiply-add (MAC) | 乘加运算 |
# | model parallelism | 模型并行 |
# | data parallelism | 数据并行 |
# | batch | 批(批次) |
# | gradient | 梯度 |
# | memory bandwidth | 内存带宽 |
# | arithmetic intensity | 计算强度(算术强度) |
# | channel shuffle | 通道混洗 |
