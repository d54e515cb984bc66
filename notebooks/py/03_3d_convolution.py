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
# # 03 · 3D convolution · 三维卷积
#
# [← 02 · 2D convolution](02_2d_convolution.ipynb) · [04 · 1x1 convolution →](04_1x1_convolution.ipynb)
#
# A CT scan, an MRI and a short video clip are not images: they are stacks of images, and what matters often lives *between* the slices.
# A tumour is a blob that starts on one slice and ends a few slices later; a ball in a video is a square that moves from frame to frame.
# A 2D filter looks at one slice at a time and cannot see either.
# A 3D convolution slides a small cube of weights through the volume in all three directions, so it can.
# In notebook 02 you met a filter that was already a cube (a 3×3×3 filter on an RGB image) but only moved in two directions.
# This lesson makes the difference between those two ideas precise, computes what the extra dimension costs, and previews the trick video networks use to pay less for it.

# %% [markdown]
# ## Learning objectives
#
# After this notebook you can:
#
# 1. tell a 3D convolution (the filter is shallower than the volume and moves in depth too) from a multi-channel 2D convolution (the filter is as deep as the input and moves only in height and width);
# 2. compute a 3D convolution by hand on a tiny integer volume, and as a sum of 2D convolutions over depth slices;
# 3. predict the output volume shape, the parameter count and the multiply-adds of an `nn.Conv3d`, and explain why they grow with $k^3$;
# 4. apply a hand-made 3D edge filter (the 3D Sobel filter) to a synthetic volume and read the result as slices and voxels;
# 5. factor a 3D convolution into a spatial 2D step and a temporal 1D step, the (2+1)D block, and count what it costs.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 01: deep-learning "convolution" is cross-correlation (no kernel flip), and `torch.nn.functional` follows that convention.
# - Notebook 02: single- and multi-channel 2D convolution, stride, padding and the output-size formula $\lfloor (n + 2p - k)/s \rfloor + 1$.
# - Python and numpy: slicing, `reshape`, broadcasting.
# - A little PyTorch: tensors and `nn.Module`.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as TF
from torch import nn

from convlessons import (
    cost, data, exercises, filters, functional, gpu, models, naive, plotting, shapes, widgets,
)

np.random.seed(0)
_ = torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Start with two pictures side by side.
# On the left is the multi-channel 2D convolution of notebook 02: an input with 3 channels of 5×5, one filter of 3×3×3, and an output of a single 3×3 map.
# The filter is exactly as deep as the input, so along the depth axis it has only one place to sit.
# It slides in two directions (down and across), and the output is a flat map with a depth of 1.
#
# On the right is a 3D convolution: a volume of 7 slices of 5×5 and the same 3×3×3 cube of weights.
# Now the filter is *shallower* than the input.
# It can sit on slices 0–2, 1–3, 2–4, 3–5 or 4–6, so it slides in three directions, and the output is itself a volume, 5 slices deep.
# Same filter shape, different convolution: what decides the type is not the shape of the filter but the directions in which it moves.
# (Under each block the figure writes its size as height × width × depth, the depth being channels on the left and slices on the right.)

# %%
# Output shapes of the two cases, computed by the shape formula (stride 1, no padding)
out_2d = shapes.conv_output_size((5, 5), 3)          # the filter covers all 3 channels: depth 1
out_3d = shapes.conv_output_size((7, 5, 5), 3)       # the filter moves in depth as well
print("multi-channel 2D output:", (1, *out_2d), "| 3D output:", out_3d)
assert out_2d == (3, 3) and out_3d == (5, 3, 3)

# %%
# Left: a 3D filter that moves in 2D. Right: a 3D filter that moves in 3D.
fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(12, 3.6))
plotting.tensor_blocks([(3, 5, 5), (3, 3, 3), (1, *out_2d)],
                       ["input: 3 channels", "filter", "output: 1 map"],
                       ax=ax_l, ops=["*", "="])
plotting.tensor_blocks([(7, 5, 5), (3, 3, 3), out_3d],
                       ["volume: 7 slices", "filter", "output: 5 slices"],
                       ax=ax_r, ops=["*", "="])
ax_l.set_title("multi-channel 2D convolution")
ax_r.set_title("3D convolution")
plt.show()

# %% [markdown]
# The word "depth" is doing two jobs in those pictures, and the confusion between them is the main trap of this lesson.
# In the 2D case the front-to-back axis is the **channel** axis: red, green, blue, or the feature maps of an earlier layer.
# The channels are not ordered in space; swapping the red and the blue channel changes nothing about where things are.
# In the 3D case the front-to-back axis is a **spatial** (or temporal) axis: slice 3 really lies between slice 2 and slice 4.
# Because neighbouring slices are related, the same small weights are worth reusing at every depth, exactly as a 2D filter reuses its weights at every row and column.
# A 3D convolution layer can still have channels on top of that: its input is a 5-D tensor `(N, C, D, H, W)`, and each of its filters has shape `(C, k_d, k_h, k_w)`.
#
# Here is the kind of data 3D convolutions are for.
# The package makes a small synthetic volume, 32 voxels on a side, holding a few solid spheres of different brightness.
# A volume is hard to draw on flat paper, so we look at it in two ways: as a row of slices at several depths, and as a cloud of voxels (3D pixels).

# %%
# A synthetic 32×32×32 volume of solid spheres, seen as six depth slices
volume = data.synthetic_volume((32, 32, 32), "spheres")
print("volume shape (D, H, W):", volume.shape, f"| values from {volume.min()} to {volume.max()}")
assert volume.shape == (32, 32, 32) and volume.min() == 0 and volume.max() == 1
plotting.volume_slices(volume, n=6, title="synthetic volume: depth slices")
plt.show()

# %%
# The same volume drawn as voxels (every 2nd voxel on each axis, to keep drawing fast)
plotting.voxels(volume, threshold=0.3, max_size=16)
plt.show()

# %% [markdown]
# Each sphere shows up in the slices as a disc: a small one on a slice near its top or bottom, the widest one on the slice through its centre.
# No single slice tells you that these discs belong to one round object; only a filter that reads several slices at once can.

# %% [markdown]
# ## Definition
#
# Let the input have $C$ channels and a volume of $D \times H \times W$ voxels, and let one filter have $C \times k_d \times k_h \times k_w$ weights plus a bias $b$.
# With stride $s$ and no padding (pad the volume with zeros first if you want padding), output channel $o$ at position $(d, h, w)$ is
#
# $$
# y[o, d, h, w] \;=\; b[o] \;+\; \sum_{c=0}^{C-1} \sum_{i=0}^{k_d-1} \sum_{j=0}^{k_h-1} \sum_{l=0}^{k_w-1}
# W[o, c, i, j, l]\; x[c,\; s\,d + i,\; s\,h + j,\; s\,w + l].
# $$
#
# It is the formula of notebook 02 with one more index, $i$, and one more sum.
# Like PyTorch, it is a cross-correlation: the kernel is not flipped.
# Each of the three spatial axes gets the output-size rule you already know, independently:
#
# $$
# D' = \left\lfloor \frac{D + 2p_d - k_d}{s_d} \right\rfloor + 1, \qquad
# H' = \left\lfloor \frac{H + 2p_h - k_h}{s_h} \right\rfloor + 1, \qquad
# W' = \left\lfloor \frac{W + 2p_w - k_w}{s_w} \right\rfloor + 1 .
# $$
#
# Compare with multi-channel 2D: there the filter's depth is forced to equal $C$, so the depth sum is the channel sum and there is no $d$ to slide along.
#
# ### A tiny example you can check by hand
#
# Take a 3×3×3 volume holding the numbers 0 to 26 in order, so the voxel at (depth $d$, row $h$, column $w$) holds $9d + 3h + w$.
# Take a 2×2×2 kernel that is zero except for two ones: one at the front top-left corner $(0, 0, 0)$ and one at the back bottom-right corner $(1, 1, 1)$.
# The output is 2×2×2, and each output voxel is the sum of two input voxels: $y[d,h,w] = x[d,h,w] + x[d+1,h+1,w+1]$.
# For the first output voxel that is $x[0,0,0] + x[1,1,1] = 0 + 13 = 13$.
# Work out $y[1,1,1] = x[1,1,1] + x[2,2,2]$ yourself before you run the next cell.

# %%
# The tiny example: a 3×3×3 volume of 0..26 and a 2×2×2 kernel with two ones
x_small = np.arange(27, dtype=np.float64).reshape(3, 3, 3)
k_small = np.zeros((2, 2, 2))
k_small[0, 0, 0] = k_small[1, 1, 1] = 1
y_small = functional.conv3d(x_small[None, None], k_small[None, None])[0, 0]
print(y_small.astype(int))
assert y_small.astype(int).tolist() == [[[13, 15], [19, 21]], [[31, 33], [37, 39]]]

# %% [markdown]
# The grids below show where the window sits for the first output voxel: the highlighted 2×2 squares on input slices 0 and 1 are the eight voxels the kernel covers, and the two kernel slices say which of them count.
# The next output voxel along the depth axis, $y[1, 0, 0] = 31$, uses slices 1 and 2 instead: the window has moved *back* by one slice.

# %%
# Input slices with the window of output voxel (0, 0, 0), the kernel slices, and the output slices
fig, axes = plt.subplots(1, 7, figsize=(14, 2.4))
for d in range(3):
    plotting.grid(x_small[d], axes[d], title=f"input slice {d}",
                  highlight=(0, 0, 2, 2) if d < 2 else None)
for i in range(2):
    plotting.grid(k_small[i], axes[3 + i], title=f"kernel slice {i}", cmap="Oranges")
for d in range(2):
    plotting.grid(y_small[d], axes[5 + d], title=f"output slice {d}", cmap="Greens",
                  highlight=(0, 0, 1, 1) if d == 0 else None)
plt.show()

# %% [markdown]
# ## Implementation
#
# ### Loop version: a 3D convolution is a sum of 2D convolutions
#
# Read the formula again with the sum over $i$ (the kernel's depth index) pulled to the outside.
# For a fixed output depth $d$, the inner sums over $c$, $j$ and $l$ are exactly a multi-channel 2D convolution of input slice $d + i$ with kernel slice $i$.
# So output slice $d$ is the sum, over the $k_d$ kernel slices, of ordinary 2D convolutions:
#
# $$
# y[:, d] \;=\; b \;+\; \sum_{i=0}^{k_d-1} \operatorname{conv2d}\big(x[:, d + i],\; W[:, :, i]\big).
# $$
#
# That is also how to think about the cost: a 3D convolution does $k_d$ times the work of a 2D one, for each of the $D'$ output slices.
# The next cell computes it this way with the readable loop code of `convlessons.naive` (stride 1, no padding), and compares with PyTorch.

# %% tags=["nbval-ignore-output"]
# Loop version: output slice d = sum over kernel slices i of naive.conv2d(input slice d + i, kernel slice i)
x = np.random.randn(1, 2, 6, 5, 5)                      # (N, C_in, D, H, W)
w = np.random.randn(4, 2, 3, 3, 3)                      # (C_out, C_in, kd, kh, kw)
kd, d_out = w.shape[2], x.shape[2] - w.shape[2] + 1
loop = np.stack([sum(naive.conv2d(x[:, :, d + i], w[:, :, i]) for i in range(kd))
                 for d in range(d_out)], axis=2)
ref = TF.conv3d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
err = np.abs(loop - ref).max()
print("loop output shape:", loop.shape, f"| max |loop - torch| = {err:.1e}")
assert loop.shape == (1, 4, 4, 3, 3) and err < 1e-10

# %% [markdown]
# ### Vectorized version
#
# `convlessons.functional.conv3d` is the numpy reference implementation, with the same name and argument order as `torch.nn.functional.conv3d`: stride, padding, dilation and groups may each be an int or a `(d, h, w)` tuple.
# Here it runs with a different stride and padding per axis, as video models often do (keep every frame, halve the image).

# %% tags=["nbval-ignore-output"]
# functional.conv3d vs torch.nn.functional.conv3d with bias, per-axis stride and padding
x = np.random.randn(2, 3, 8, 12, 12)
w, b = np.random.randn(5, 3, 3, 3, 3), np.random.randn(5)
ours = functional.conv3d(x, w, b, stride=(1, 2, 2), padding=1)
theirs = TF.conv3d(*(torch.from_numpy(a) for a in (x, w, b)), stride=(1, 2, 2), padding=1).numpy()
err = np.abs(ours - theirs).max()
print("output shape:", ours.shape, f"| max |ours - torch| = {err:.1e}")
assert ours.shape == (2, 5, 8, 6, 6) and err < 1e-10

# %% [markdown]
# ### A 3D edge filter
#
# Hand-made filters make the behaviour easy to read.
# The 2D Sobel filter (you will meet it again in notebook 07) is a derivative $[-1, 0, 1]$ along one axis times a smoothing $[1, 2, 1]$ along the other.
# Its 3D version, `filters.sobel3d(axis)`, differentiates along one axis and smooths along the other two, so it has $3^3 = 27$ taps.
# With `axis=0` it compares the slice in front of each voxel with the slice behind it: it fires where the volume *changes in depth*.
# Below are its three slices: the front slice is minus the back slice, and the middle slice is zero.

# %%
# The 3×3×3 Sobel kernel along depth, slice by slice
sobel_d = filters.sobel3d(axis=0)
print(sobel_d.astype(int))
assert sobel_d.sum() == 0 and np.abs(sobel_d).sum() == 32
assert np.array_equal(sobel_d[0], -sobel_d[2]) and not sobel_d[1].any()

# %% tags=["nbval-ignore-output"]
# Filter the volume with the depth Sobel (padding 1 keeps the size) and look at the slices
edges = functional.conv3d(volume[None, None], sobel_d[None, None], padding=1)[0, 0]
edges_torch = TF.conv3d(torch.from_numpy(volume[None, None]),
                        torch.from_numpy(sobel_d[None, None]), padding=1)[0, 0].numpy()
print(f"edges shape: {edges.shape} | max |ours - torch| = {np.abs(edges - edges_torch).max():.1e}")
assert edges.shape == volume.shape and np.allclose(edges, edges_torch)
plotting.volume_slices(edges, n=6, title="depth Sobel: slices of the response (red +, blue −)",
                       cmap="coolwarm")
plt.show()

# %% [markdown]
# Positive values (red) mark places where the volume switches on as you go deeper: the front caps of the spheres.
# Negative values (blue) mark where it switches off: the back caps.
# Well inside a sphere the response is exactly zero, because nothing changes from one slice to the next.
# On the slices in between you see rings: there the sphere's wall is slanted, so a voxel on the wall has more sphere behind it than in front of it (or the other way round).
# Halfway through a sphere the wall runs parallel to the depth axis and the ring fades.
# A 2D filter applied slice by slice could never produce this picture, because the change it reports happens *between* slices.

# %%
# Voxels where the depth derivative is strong: front caps (positive) red, back caps blue
front, back = edges > 0.5 * edges.max(), edges < 0.5 * edges.min()
print("strong positive voxels:", int(front.sum()), "| strong negative voxels:", int(back.sum()))
ax = plt.figure(figsize=(4.2, 4.2)).add_subplot(projection="3d")
plotting.voxels(front.astype(float), ax, threshold=0.5, max_size=16, color="tab:red")
plotting.voxels(back.astype(float), ax, threshold=0.5, max_size=16, color="tab:blue",
                title="front caps (red), back caps (blue)")
plt.show()

# %% [markdown]
# ## Cost
#
# Parameters of a 3D layer with $C_{in}$ input channels, $C_{out}$ filters and a $k_d \times k_h \times k_w$ kernel:
#
# $$
# \text{params} = C_{out}\,(C_{in}\,k_d k_h k_w + 1),
# $$
#
# and the multiply-adds (MACs) for one sample are one per weight per output voxel:
#
# $$
# \text{MACs} = C_{out}\, C_{in}\, k_d k_h k_w \cdot D' H' W'.
# $$
#
# With a cubic kernel of side $k$ both scale with $k^3$, where a 2D layer scales with $k^2$.
# And the MACs carry a second factor the 2D layer does not have: the output has $D'$ slices, each as expensive as a whole 2D feature map.
# The formulas live in `convlessons.cost`; the next cell sets them next to counts taken from a real `nn.Conv3d`.

# %%
# Formula (cost.conv_params / conv_macs) vs counting a real nn.Conv3d (cost.count_params / count_macs)
layer = nn.Conv3d(16, 32, kernel_size=3, padding=1)
in_shape = (1, 16, 8, 16, 16)                                    # (N, C, D, H, W)
out_size = shapes.conv_output_size(in_shape[2:], 3, padding=1)
params, macs = cost.conv_params(16, 32, (3, 3, 3)), cost.conv_macs(16, 32, (3, 3, 3), out_size)
print(f"params: formula {params:,} | counted {cost.count_params(layer):,}")
print(f"MACs:   formula {macs:,} | counted {cost.count_macs(layer, in_shape):,}")
assert params == cost.count_params(layer) == 32 * (16 * 27 + 1)
assert macs == cost.count_macs(layer, in_shape) == 32 * 16 * 27 * 8 * 16 * 16

# %% [markdown]
# The loop version can count too: `naive.MultiplicationCounter` is incremented by every scalar multiplication the loop code performs.
# On the small example from the implementation section it should agree with the MAC formula exactly.

# %%
# Count the multiplications the loop version actually performs and compare with the formula
x, w = np.random.randn(1, 2, 6, 5, 5), np.random.randn(4, 2, 3, 3, 3)
counter = naive.MultiplicationCounter()
for d in range(4):
    for i in range(3):
        naive.conv2d(x[:, :, d + i], w[:, :, i], counter=counter)
formula = cost.conv_macs(2, 4, 3, shapes.conv_output_size((6, 5, 5), 3))
print(f"multiplications counted: {counter.count} | formula: {formula}")
assert counter.count == formula == 4 * 2 * 27 * 4 * 3 * 3

# %% [markdown]
# How fast does this grow?
# The plot compares the weights of one 64→64 layer with a $k \times k$ kernel (2D) and a $k \times k \times k$ kernel (3D) as $k$ grows.
# The 3D layer has exactly $k$ times the weights of the 2D one, so on the log scale the gap between the curves widens as $k$ grows: 3× at $k = 3$, 9× at $k = 9$.
# Doubling $k$ multiplies the 3D weights by $2^3 = 8$, the 2D weights only by 4.

# %%
# Weights of a 64 -> 64 layer vs kernel size, 2D (k^2) and 3D (k^3), no bias
ks = np.arange(1, 10)
p2 = np.array([cost.conv_params(64, 64, (k, k), bias=False) for k in ks])
p3 = np.array([cost.conv_params(64, 64, (k, k, k), bias=False) for k in ks])
plotting.cost_curves(ks, {"2D, k×k": p2, "3D, k×k×k": p3}, xlabel="kernel size k",
                     ylabel="weights", title="64 → 64 channels", logy=True)
plt.show()
assert np.array_equal(p3, p2 * ks) and p3[5] // p3[2] == 8    # doubling k: 8× the weights

# %% [markdown]
# ### Preview: the (2+1)D factorization
#
# Video networks pay this $k^3$ bill on every layer, so people looked for a cheaper shape.
# Tran and colleagues (R(2+1)D, 2018) replace a $t \times d \times d$ 3D convolution by two steps: a **spatial** convolution with a $1 \times d \times d$ kernel that looks within each frame, then a **temporal** convolution with a $t \times 1 \times 1$ kernel that looks along time at each pixel.
# Between the two steps there are $M$ intermediate channels and a ReLU.
#
# This is the first appearance of an idea that runs through the second half of the course: *separability*.
# With one channel in, one out, $M = 1$ and no ReLU in between, the two steps are one 3D convolution whose kernel is the outer product of the temporal and the spatial kernel.
# The depth Sobel filter is already such a product: a $[-1, 0, 1]$ along depth times a $3 \times 3$ smoothing within each slice.
# So the 27-tap filter from above can be applied as a 9-tap spatial pass and a 3-tap depth pass.

# %% tags=["nbval-ignore-output"]
# The depth Sobel = spatial 1×3×3 smoothing, then temporal 3×1×1 derivative
smooth_hw = np.outer(filters.SMOOTHING_1D, filters.SMOOTHING_1D)[None, None, None]   # (1,1,1,3,3)
deriv_d = np.array(filters.DERIVATIVE_1D)[None, None, :, None, None]                 # (1,1,3,1,1)
two_step = functional.conv3d(functional.conv3d(volume[None, None], smooth_hw, padding=(0, 1, 1)),
                             deriv_d, padding=(1, 0, 0))[0, 0]
err = np.abs(two_step - edges).max()
print(f"max |two passes - one 3×3×3 pass| = {err:.1e} | taps: 9 + 3 = 12 instead of 27")
assert err < 1e-10

# %% [markdown]
# With many channels the factorized layer is not exactly a 3D layer any more: its kernels are restricted to a low-rank family, plus the ReLU in between.
# R(2+1)D chooses $M$ so that the factorized block has (about) as many parameters as the full 3D layer it replaces, so that any gain comes from the structure, not from a smaller model:
#
# $$
# M = \left\lfloor \frac{t\, d^2\, C_{in}\, C_{out}}{d^2\, C_{in} + t\, C_{out}} \right\rfloor .
# $$
#
# `cost.r2plus1d_mid_channels` computes it, and `models.Conv2Plus1d` builds the block.
# For a 64→64 layer with a 3×3×3 kernel $M = 144$, and the counts match to the weight.
# With $M = C_{out}$ instead (no matching), the block needs only $(9 + 3)/27 = 4/9$ of the weights: that is the cheap version, and the reason separability is worth a whole lesson.

# %%
# (2+1)D vs 3D for a 64 -> 64 layer with a 3×3×3 kernel on an 8×28×28 clip (no bias)
m = cost.r2plus1d_mid_channels(64, 64, (3, 3, 3))
full = nn.Conv3d(64, 64, 3, padding=1, bias=False)
matched = models.Conv2Plus1d(64, 64, 3, mid_channels=m, padding=1, bias=False)
cheap = models.Conv2Plus1d(64, 64, 3, mid_channels=64, padding=1, bias=False)
clip = (1, 64, 8, 28, 28)
for name, mod in [("3D 3×3×3", full), (f"(2+1)D, M={m}", matched), ("(2+1)D, M=64", cheap)]:
    print(f"{name:15s} params {cost.count_params(mod):>8,}  MACs {cost.count_macs(mod, clip):>14,}")
assert m == 144 and cost.count_params(matched) == cost.count_params(full) == 110_592
assert cost.count_params(cheap) * 27 == cost.count_params(full) * 12

# %% [markdown]
# ## Claim check
#
# The source article of this course covers 3D convolution in its first half, which is not in the project's copy, so there are no article numbers to recompute here.
# Instead, each statement this lesson makes is checked in code.
#
# 1. *The filter is smaller than the input in depth and moves in three directions; the output is a volume.*
# 2. *A multi-channel 2D convolution is a 3D filter that moves in 2D*: it equals a 3D convolution whose kernel depth equals the input depth, with output depth 1.
# 3. *Cost grows with $k^3$.*
# 4. *R(2+1)D's choice of $M$ matches the 3D layer's parameter count* (exactly when the division has no remainder, from below otherwise).

# %%
# Claim 1: a 3×3×3 filter in a 7×5×5 volume takes 5·3·3 = 45 positions; output depth 5
vol = np.random.randn(1, 1, 7, 5, 5)
y = functional.conv3d(vol, np.random.randn(1, 1, 3, 3, 3))
print("output shape:", y.shape, "| filter positions:", y[0, 0].size)
assert y.shape == (1, 1, 5, 3, 3) and y[0, 0].size == 45

# %% tags=["nbval-ignore-output"]
# Claim 2: conv2d on a 3-channel image == conv3d on a 1-channel 3-slice volume with a depth-3 kernel
img, filt = np.random.randn(1, 3, 5, 5), np.random.randn(1, 3, 3, 3)
as_2d = functional.conv2d(img, filt)                                 # (1, 1, 3, 3)
as_3d = functional.conv3d(img[:, None], filt[:, None])               # (1, 1, 1, 3, 3)
err = np.abs(as_3d[:, :, 0] - as_2d).max()
print("2D output", as_2d.shape, "| 3D output", as_3d.shape, f"| max difference {err:.1e}")
assert as_3d.shape == (1, 1, 1, 3, 3) and err < 1e-12

# %%
# Claims 3 and 4: k^3 growth, and R(2+1)D's M matches the 3D parameter count for several widths
for k in (3, 5, 7):
    assert cost.conv_params(8, 8, 2 * k, bias=False, ndim=3) == 8 * cost.conv_params(
        8, 8, k, bias=False, ndim=3)
for c_in, c_out in [(64, 64), (64, 128), (128, 256), (256, 512), (3, 64)]:
    m = cost.r2plus1d_mid_channels(c_in, c_out, 3)
    p3d, p21 = 27 * c_in * c_out, m * (9 * c_in + 3 * c_out)
    print(f"{c_in:>3} -> {c_out:<3}  M = {m:>4}  3D {p3d:>9,}  (2+1)D {p21:>9,}  ratio {p21 / p3d:.4f}")
    assert p21 <= p3d and p3d - p21 < 9 * c_in + 3 * c_out   # short by less than one extra M

# %% [markdown]
# ### Errata
#
# > **No article errata for this lesson; two common misreadings instead.**
# > The project's copy of the article starts at its section 7, so the 3D section could not be checked line by line.
# > Two statements you will meet elsewhere are wrong or incomplete, and the checks above settle them:
# >
# > - *"A 3×3×3 filter on an RGB image is a 3D convolution."*
# >   It is not: the filter is as deep as the input, it moves in two directions, and the output is a 2D map (claim 2).
# >   What makes a convolution 3D is the third direction of motion, not the third axis of the kernel.
# > - *"(2+1)D is a cheaper 3D convolution."*
# >   Only if $M$ is chosen small.
# >   R(2+1)D deliberately picks $M$ to match the parameters (and, at stride 1, the MACs) of the full 3D layer; its reported gains come from the extra nonlinearity and easier optimisation, not from saving compute.

# %% [markdown]
# ## Explore
#
# The explorer below ties the numbers together.
# Choose the volume size, the kernel size, the stride and the padding (the same on all three axes), and the numbers of input and output channels.
# It prints the output volume shape, the parameters and the MACs, and shows depth slices of the synthetic volume filtered by a $k \times k \times k$ box (averaging) filter.
# Things to try: with padding 0 the volume shrinks by $k - 1$ on every axis; a stride of 2 divides every side by about 2 and therefore the MACs by about 8; the weights do not depend on the volume size at all, only on $k$ and the channels.
# A bad combination (a kernel larger than the padded volume) shows an explanation instead of a picture.
#
# First a fixed setting, so the stored output can be checked:

# %%
# Drive the explorer headless with one setting and check what it reports
explorer = widgets.conv3d_explorer()
r = explorer.update(volume_size=16, kernel_size=3, stride=2, padding=1,
                    in_channels=1, out_channels=8)
print(r.text)
assert r.error is None and "8×8×8" in r.text
assert f"parameters {cost.conv_params(1, 8, (3, 3, 3)):,}" in r.text
r.figure

# %%
# An impossible setting: a 7×7×7 kernel in a 5×5×5 volume without padding is explained, not raised
bad = explorer.update(volume_size=5, kernel_size=7, padding=0)
assert bad.error is not None and bad.figure is None and "fits nowhere" in bad.error
print(bad.error)

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(volume_size=24, kernel_size=3, stride=1, padding=1, in_channels=1, out_channels=1)
explorer.widget

# %% [markdown]
# ## In practice
#
# In PyTorch a 3D layer is `nn.Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1)` and expects input of shape `(N, C, D, H, W)`.
# Every size argument can be an int or a `(depth, height, width)` tuple, and video models use the tuple form all the time: a temporal kernel of 3 with a spatial kernel of 7, a temporal stride of 1 with a spatial stride of 2.
#
# Where you meet it:
#
# - **Video recognition.** C3D (Tran et al., 2015) stacks 3×3×3 convolutions over 16-frame clips; I3D (Carreira and Zisserman, 2017) "inflates" the 2D filters of an ImageNet network into 3D ones; R(2+1)D (Tran et al., 2018) factors each 3D layer as above.
# - **Medical imaging.** CT and MRI scans are volumes; 3D U-Net (Çiçek et al., 2016) and V-Net (Milletari et al., 2016) segment organs and tumours with 3D convolutions.
# - **Point clouds and occupancy grids** after voxelisation, and scientific data on 3D grids (fluid flow, climate).
#
# Pitfalls:
#
# - **Axis order.** Video loaders often give `(N, T, C, H, W)` (time before channels).
#   `nn.Conv3d` wants channels first: permute to `(N, C, T, H, W)`, or the layer silently convolves over the wrong axes whenever the sizes happen to fit.
# - **Memory.** Activations are 5-D: one 64-channel feature volume of 16×112×112 in float32 is already about 51 MB per clip (64·16·112·112 values of 4 bytes, computed below), and training keeps it for the backward pass.
# - **Anisotropic voxels.** Medical scans often have thicker slices than pixels; a cubic kernel then covers a box that is not a cube in millimetres.
#   Tuple kernels such as `(1, 3, 3)` in the first layers are common.

# %%
# Memory of one 64-channel float32 feature volume of 16x112x112, for a single clip
feature_bytes = 64 * 16 * 112 * 112 * 4  # values x 4 bytes (float32)
print(f"{feature_bytes:,} bytes = {feature_bytes / 1e6:.1f} MB")
assert round(feature_bytes / 1e6) == 51

# %% [markdown]
# The cell below runs a depth (here: time) Sobel over a short synthetic video of a moving square, after putting the axes in the order `Conv3d` wants.
# The time derivative lights up only where the square has just arrived (positive) or just left (negative): a 3D convolution is a motion detector.
# The padding is `(0, 1, 1)`: no zero frames are invented before the first or after the last frame, so the response has two frames fewer than the video.

# %%
# An 8-frame video (T, H, W) of a moving square, as a 5-D batch through nn.Conv3d (time Sobel)
video = torch.from_numpy(data.moving_square_video(8, 16)).float()
clip = video[None, None]                                  # (N=1, C=1, T, H, W)
motion = nn.Conv3d(1, 1, 3, padding=(0, 1, 1), bias=False)
with torch.no_grad():
    motion.weight.copy_(torch.from_numpy(filters.sobel3d(axis=0))[None, None])
    moved = motion(clip)[0, 0]                            # (T - 2, H, W)
print("video (T, H, W):", tuple(video.shape), "| response:", tuple(moved.shape))
assert moved.shape == (6, 16, 16) and moved[:, -1, 0].abs().max() == 0   # never visited: 0

# %%
# Top: video frames 1-6. Bottom: the time-derivative response centred on each (red: arrived)
fig, axes = plt.subplots(2, 4, figsize=(9, 4.8))
plotting.volume_slices(video[1:-1].numpy(), axes[0], n=4)
plotting.volume_slices(moved.numpy(), axes[1], n=4, cmap="coolwarm")
plt.show()

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): a 3D convolution from 2D convolutions, with stride and padding
#
# The loop in the implementation section handles stride 1 and no padding.
# Write `conv3d_via_conv2d(x, w, stride, padding)` for the general case, using only `functional.conv2d` (the vectorized 2D function) and numpy.
# `x` has shape `(N, C_in, D, H, W)`, `w` has shape `(C_out, C_in, kd, kh, kw)`, and `stride` and `padding` are ints applied to all three axes.
# Hints: pad the depth axis yourself with `np.pad` and let `functional.conv2d` pad height and width; with stride $s$, output slice $d$ starts at padded input slice $s \cdot d$.

# %% nbgrader={"grade": false, "grade_id": "l03_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation: a 3D convolution built from 2D convolutions, with stride and padding
def conv3d_via_conv2d(x, w, stride=1, padding=0):
    """3D convolution (N, C_in, D, H, W) * (C_out, C_in, kd, kh, kw) built from 2D convolutions."""
    ### BEGIN SOLUTION
    kd = w.shape[2]
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (0, 0), (0, 0)])
    d_out = (xp.shape[2] - kd) // stride + 1
    slices = [sum(functional.conv2d(xp[:, :, stride * d + i], w[:, :, i], stride=stride,
                                    padding=padding) for i in range(kd))
              for d in range(d_out)]
    return np.stack(slices, axis=2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l03_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check: compared with functional.conv3d on several shapes, strides and paddings
exercises.check_conv3d_via_conv2d(conv3d_via_conv2d)
### BEGIN HIDDEN TESTS
xh, wh = np.random.randn(2, 3, 9, 7, 8), np.random.randn(2, 3, 2, 3, 1)
np.testing.assert_allclose(conv3d_via_conv2d(xh, wh, 3, 2),
                           functional.conv3d(xh, wh, stride=3, padding=2), atol=1e-9)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): the shape and cost of a video layer
#
# A video model's first layer is `nn.Conv3d(3, 64, kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3))`, and it receives a batch of 2 clips of 16 RGB frames of 112×112, i.e. a tensor of shape `(2, 3, 16, 112, 112)`.
# Predict, with pencil and the formulas of this lesson (not by running the layer): the output shape, the number of parameters (with bias), and the multiply-adds for **one** clip.

# %% nbgrader={"grade": false, "grade_id": "l03_ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predictions: output_shape (a tuple of 5 ints), params (int), macs (int, one clip)
### BEGIN SOLUTION
output_shape = (2, 64, 16, 56, 56)
params = 64 * (3 * 3 * 7 * 7 + 1)
macs = 64 * 3 * 3 * 7 * 7 * 16 * 56 * 56
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l03_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check: the layer is built and counted by the package
stem = nn.Conv3d(3, 64, kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3))
exercises.check_conv3d_prediction(output_shape, params, macs, conv=stem,
                                  input_shape=(2, 3, 16, 112, 112))
### BEGIN HIDDEN TESTS
assert isinstance(params, int) and params == 28_288
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): two filters of the same shape
#
# A 3×3×3 filter can be used in two ways: on a 3-channel (RGB) image in a 2D convolution, and on a one-channel volume in a 3D convolution.
# In a few sentences, explain how the two differ: in which directions the filter moves, what the shape of the output is, what the filter's third axis means in each case, and how many positions (and multiply-adds) one filter does on a 3×32×32 image versus a 32×32×32 volume (stride 1, no padding).

# %% [markdown] nbgrader={"grade": true, "grade_id": "l03_ex3_answer", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# On the RGB image the filter's third axis is the channel axis and it is exactly as deep as the input, so the filter fits in depth at one place only.
# It slides in two directions, height and width, and produces a 2D map: 30×30 positions, each with 27 multiply-adds, 24,300 in total.
# The three channels are not ordered in space; the filter simply has separate weights for red, green and blue, which it sums.
# In the 3D convolution the third axis is a spatial (or time) axis and the filter is shallower than the volume, so it also slides in depth.
# It produces a volume: 30×30×30 = 27,000 positions, each with 27 multiply-adds, 729,000 in total, 30 times more.
# The same weights are reused at every depth, which only makes sense because neighbouring slices are related like neighbouring rows.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# On a GPU this lesson measures its own cost claims.
# `gpu.lesson03` builds a 64→64 `Conv3d` with a 3×3×3 kernel and the parameter-matched (2+1)D block, checks both against a float64 CPU reference with TF32 switched off, and times them on a batch of video clips with CUDA events.
# The prediction: the two have the same parameters and, at stride 1, the same MACs, so an ideal machine would run them equally fast.
# In practice the (2+1)D block launches two convolutions and writes the $M$-channel intermediate volume to memory and reads it back, while cuDNN has heavily tuned 3×3×3 kernels; expect the factorized block to be somewhat *slower*, not faster, even though the FLOP count says "equal".
# The cheap block with $M = C_{out}$ has 4/9 of the FLOPs; whether it reaches a 2.25× speed-up tells you how far the GPU is from being compute-bound on these shapes.
#
# For reference, one run on an NVIDIA H200 (float32, TF32 off, clips of 8×64×16×56×56) measured: `Conv3d` 2.1 ms (about 42 TFLOP/s), the matched (2+1)D block 3.2 ms (0.65× the speed, against a predicted 1.00×), and the cheap block 1.2 ms (1.8×, against a predicted 2.25×).
# Equal FLOPs did not mean equal time, and fewer FLOPs did not pay off in full: the extra memory traffic of the intermediate volume is the price of the second layer.
# All three agreed with the float64 CPU reference to within $10^{-5}$.
# Your numbers will differ with the GPU, the library versions and the sizes; the direction is what to look for.
# Without CUDA the cell prints one line and the notebook still passes.

# %% tags=["nbval-ignore-output"]
# Verify on the GPU against the CPU reference, then time Conv3d vs (2+1)D
report = gpu.run_section("03")

# %% [markdown]
# ## Summary
#
# - A 3D convolution slides a filter that is smaller than the input in all three spatial directions; the output is a volume, one voxel per filter position.
# - A multi-channel 2D convolution also has a 3D filter, but it is as deep as the input and moves only in 2D; as a 3D convolution it is the special case $k_d = D$, output depth 1.
# - Output sizes follow the 2D formula on each axis independently: $\lfloor (n + 2p - k)/s \rfloor + 1$.
# - A 3D convolution is a sum of $k_d$ 2D convolutions per output slice, which is also the reason it costs $k_d$ times more per output voxel.
# - Parameters grow with $k^3$ and MACs with $k^3 \cdot D'H'W'$; doubling the kernel side costs 8× the weights.
# - Hand-made 3D filters such as the 3D Sobel respond to changes between slices (object boundaries in depth, motion in time) that no 2D filter sees.
# - The (2+1)D factorization splits a $t \times d \times d$ kernel into $1 \times d \times d$ then $t \times 1 \times 1$; at matched $M$ it costs the same, with a small $M$ it costs less: separability, the subject of notebooks 07–09.
#
# Next: [04 · 1x1 convolution](04_1x1_convolution.ipynb), the filter with no spatial extent at all.

# %% [markdown]
# ## References
#
# - D. Tran, L. Bourdev, R. Fergus, L. Torresani, M. Paluri. *Learning Spatiotemporal Features with 3D Convolutional Networks* (C3D). ICCV 2015. [arXiv:1412.0767](https://arxiv.org/abs/1412.0767)
# - D. Tran, H. Wang, L. Torresani, J. Ray, Y. LeCun, M. Paluri. *A Closer Look at Spatiotemporal Convolutions for Action Recognition* (R(2+1)D). CVPR 2018. [arXiv:1711.11248](https://arxiv.org/abs/1711.11248)
# - J. Carreira, A. Zisserman. *Quo Vadis, Action Recognition? A New Model and the Kinetics Dataset* (I3D). CVPR 2017. [arXiv:1705.07750](https://arxiv.org/abs/1705.07750)
# - Ö. Çiçek, A. Abdulkadir, S. S. Lienkamp, T. Brox, O. Ronneberger. *3D U-Net: Learning Dense Volumetric Segmentation from Sparse Annotation*. MICCAI 2016. [arXiv:1606.06650](https://arxiv.org/abs/1606.06650)
# - F. Milletari, N. Navab, S.-A. Ahmadi. *V-Net: Fully Convolutional Neural Networks for Volumetric Medical Image Segmentation*. 3DV 2016. [arXiv:1606.04797](https://arxiv.org/abs/1606.04797)
# - V. Dumoulin, F. Visin. *A guide to convolution arithmetic for deep learning*. [arXiv:1603.07285](https://arxiv.org/abs/1603.07285)
# - K. Bai. *A Comprehensive Introduction to Different Types of Convolutions in Deep Learning* (2019), the source article of this course (section on 3D convolution).
# - PyTorch documentation: [`torch.nn.Conv3d`](https://pytorch.org/docs/stable/generated/torch.nn.Conv3d.html).

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | 3D convolution | 三维卷积 |
# | multi-channel 2D convolution | 多通道二维卷积 |
# | volume | 体数据 |
# | voxel | 体素 |
# | slice | 切片 |
# | depth | 深度 |
# | channel | 通道 |
# | filter / kernel | 滤波器 / 卷积核 |
# | stride | 步幅 |
# | padding | 填充 |
# | multiply-add (MAC) | 乘加运算 |
# | parameter | 参数 |
# | Sobel filter | Sobel 算子 |
# | edge detection | 边缘检测 |
# | spatiotemporal | 时空的 |
# | (2+1)D factorization | (2+1)D 分解 |
# | separable | 可分离的 |
# | video frame | 视频帧 |
