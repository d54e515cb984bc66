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
# # 06 · Dilated (atrous) convolution · 空洞(扩张)卷积
#
# To label every pixel of a photograph (road, car, sky), a network must look at a large neighbourhood around each pixel, yet it must not shrink the image, or the labels come out blurry.
# Pooling and strides widen the view but throw resolution away; bigger kernels keep resolution but cost parameters and multiplications that grow with the square of their size.
# A dilated convolution spreads the taps of a small kernel apart: a 3×3 kernel with gaps reads a 5×5, 9×9 or 17×17 neighbourhood with nine weights and nine multiply-adds per output.
# Stacked with growing gaps, a handful of such layers sees hundreds of pixels at full resolution.
# This notebook measures that claim, and the trap that comes with it: gaps that leave holes.
#
# Where it fits: [← 05 Transposed convolution](05_transposed_convolution.ipynb) made feature maps larger.
# Here the map keeps its size and the kernel grows instead.
# Next: [07 Spatially separable convolution →](07_spatially_separable_convolution.ipynb), a different way to get a large kernel cheaply.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. compute a dilated convolution by hand and say which input pixels each output reads;
# 2. give the effective kernel size $k + (k-1)(l-1)$ and the output size of a dilated layer;
# 3. compute the receptive field of any stack of dilated layers, and measure it with autograd;
# 4. explain the gridding problem, count the holes it leaves, and choose a dilation schedule without holes;
# 5. say what dilation costs (parameters, multiply-adds) and where it is used: DeepLab and WaveNet.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: a 2D convolution, padding and stride, the output-size formula and the `(N, C, H, W)` layout.
# - numpy slicing with a step, such as `x[::2]`.
# - What a gradient is, loosely: PyTorch's autograd tells how much an output changes when one input changes.
# We use it only as a measuring instrument, and explain what it measures.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import itertools

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import (
    animation, cost, exercises, functional, gpu, naive, plotting, receptive, shapes, widgets,
)

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Take a 3×3 kernel and pull its nine taps apart, like the pegs of a grid stretched in both directions.
# With **dilation** $l$ (also called the *dilation rate*), neighbouring taps sit $l$ pixels apart, so there are $l - 1$ skipped pixels between them.
# For $l = 1$ nothing changes: that is the ordinary convolution of notebook 02.
# The figure draws the same kernel, weights 1 to 9, at $l = 1, 2, 4$; the red cells are the taps, the zeros are the gaps.

# %%
# The same 3x3 kernel (weights 1..9) spread out with dilation 1, 2 and 4
k9 = np.arange(1, 10).reshape(3, 3)
fig, axes = plt.subplots(1, 3, figsize=(12, 4.6), gridspec_kw={"width_ratios": [3, 5, 9]},
                         layout="constrained")
for ax, rate in zip(axes, (1, 2, 4), strict=True):
    spread = receptive.dilate_kernel(k9, rate)
    taps = [(rate * i, rate * j, 1, 1) for i in range(3) for j in range(3)]
    side = shapes.effective_kernel_size(3, rate)
    assert spread.shape == (side, side) and spread.sum() == k9.sum()
    plotting.grid(spread, ax, highlight=taps, cmap=plotting.KERNEL_CMAP, title=f"l = {rate}: spans {side}×{side}")
plt.show()

# %% [markdown]
# All three kernels hold the same nine numbers.
# The spread-out versions are drawn with zeros only to show where the taps land: a dilated convolution never stores the zeros and never multiplies by them.
# It simply reads the input at wider spacing.
#
# Now slide a dilated kernel over an image.
# Here a 7×7 input meets a 3×3 kernel with $l = 2$; the red cells of the input are the nine pixels that the first output reads.

# %%
# A 7x7 integer input and a 3x3 kernel; the window at output (0, 0) with dilation 2
x7 = np.array([[1, 0, 2, 1, 0, 3, 1],
               [0, 2, 1, 0, 1, 0, 2],
               [3, 1, 0, 2, 2, 1, 0],
               [1, 0, 1, 3, 0, 2, 1],
               [2, 1, 0, 1, 1, 0, 3],
               [0, 3, 2, 0, 1, 2, 0],
               [1, 0, 1, 2, 0, 1, 2]], dtype=float)
k3 = np.array([[0, 1, 2],
               [2, 2, 0],
               [0, 1, 2]], dtype=float)
_ = plotting.conv_steps(x7, k3, dilation=2, position=(0, 0))
plt.show()

# %% [markdown]
# The window reads rows 0, 2, 4 and columns 0, 2, 4.
# Check the written number yourself, kernel weight times input pixel, row by row: $0\cdot1 + 1\cdot2 + 2\cdot0 \;+\; 2\cdot3 + 2\cdot0 + 0\cdot2 \;+\; 0\cdot2 + 1\cdot0 + 2\cdot1 = 10$.
# Nine multiplications, exactly as many as an ordinary 3×3 convolution, but spread over a 5×5 patch of the image.

# %% [markdown]
# ## Definition
#
# ### The formula
#
# For a kernel $w$ of size $k \times k$ and dilation $l$, the output at row $u$, column $v$ is
#
# $$
# y_{u,v} \;=\; \sum_{m=0}^{k-1} \sum_{n=0}^{k-1} w_{m,n}\; x_{\,u + l m,\; v + l n}.
# $$
#
# The only change from notebook 02 is the factor $l$ in the input index: tap $m$ reads $l m$ pixels below the window's corner instead of $m$.
# (With stride $s$ the corner moves to $(su, sv)$, and padding adds zeros around $x$, exactly as before.)
# The first and last taps are $l(k-1)$ pixels apart, so the kernel spans the **effective kernel size**
#
# $$
# \hat k \;=\; k + (k-1)(l-1) \;=\; l(k-1) + 1 ,
# $$
#
# and the output size is the formula of notebook 02 with $\hat k$ in place of $k$:
# $o = \lfloor (i + 2p - l(k-1) - 1)/s \rfloor + 1$.
# A 3×3 kernel spans 3, 5, 9 and 17 pixels at $l = 1, 2, 4, 8$.

# %%
# Effective kernel sizes of a 3x3 kernel, and the output size of the 7x7 example
spans = [shapes.effective_kernel_size(3, rate) for rate in (1, 2, 4, 8)]
assert spans == [3, 5, 9, 17] == [3 + 2 * (rate - 1) for rate in (1, 2, 4, 8)]
assert shapes.conv_output_size(7, 3, dilation=2) == 3 == 7 - 5 + 1
print("3x3 kernel spans", spans, "at l = 1, 2, 4, 8; a 7x7 input with l = 2 gives 3x3")

# %% [markdown]
# ### A 1-D example you can do in your head
#
# Let $x = [1, 2, 0, 3, 1, 0, 2, 1]$ and $w = [1, 0, -1]$ with $l = 2$.
# Output $i$ reads $x_i$, $x_{i+2}$ and $x_{i+4}$, so $y_i = x_i - x_{i+4}$.
# The kernel spans $2 \cdot 2 + 1 = 5$ samples and fits $8 - 5 + 1 = 4$ times:
# $y = [1 - 1,\; 2 - 0,\; 0 - 2,\; 3 - 1] = [0, 2, -2, 2]$.

# %%
# The 1-D example: a dilated difference filter compares samples four apart
x1 = np.array([1, 2, 0, 3, 1, 0, 2, 1], dtype=float)
w1 = np.array([1, 0, -1], dtype=float)
y1 = functional.conv1d(x1[None, None], w1[None, None], dilation=2)[0, 0]
assert np.array_equal(y1, [0, 2, -2, 2]) and np.array_equal(y1, x1[:4] - x1[4:])
print(y1)

# %% [markdown]
# ### The 2-D example, all nine outputs
#
# Back to the 7×7 image.
# The kernel spans 5×5 and fits $7 - 5 + 1 = 3$ times in each direction, so the output is 3×3.
# The loop version, the vectorized version and PyTorch agree on every cell, and the top-left cell is the 10 computed by hand.

# %%
# All nine outputs of the 7x7 example with l = 2, three implementations
y_loop = naive.conv2d(x7[None, None], k3[None, None], dilation=2)[0, 0]
y_vec = functional.conv2d(x7[None, None], k3[None, None], dilation=2)[0, 0]
y_torch = F.conv2d(torch.from_numpy(x7)[None, None], torch.from_numpy(k3)[None, None], dilation=2)[0, 0]
assert np.array_equal(y_loop, y_vec) and np.array_equal(y_vec, y_torch.numpy())
assert y_vec.shape == (3, 3) and y_vec[0, 0] == 10
print(y_vec)

# %% [markdown]
# ### Two other ways to see the same operation
#
# **A bigger kernel full of zeros.**
# A dilated convolution equals an ordinary convolution with the spread-out kernel of the first figure.
# That is a good way to *think* about it and a bad way to *compute* it: the 5×5 version multiplies 16 zeros for every output.

# %%
# Dilation 2 == an ordinary convolution with the 5x5 zero-filled kernel
k5 = receptive.dilate_kernel(k3, 2)
dense = functional.conv2d(x7[None, None], k5[None, None])[0, 0]
assert k5.shape == (5, 5) and np.count_nonzero(k5 == 0) - np.count_nonzero(k3 == 0) == 16
assert np.array_equal(dense, y_vec)
print(k5)

# %% [markdown]
# **Four small images side by side.**
# With $l = 2$ every tap of a window lands on pixels whose row numbers have the same parity (all even or all odd), and the same for columns.
# So the outputs at even rows and even columns read only the even-even pixels `x[::2, ::2]`, as if that quarter of the image were convolved on its own with an ordinary 3×3 kernel.
# The image splits into four interleaved sub-images that never mix.
# That is why the French name *à trous* ("with holes") fits, and it is also the seed of the gridding problem below.

# %%
# With l = 2, the even-even outputs are an ordinary conv of the even-even sub-image
x9 = np.random.randint(0, 4, size=(9, 9)).astype(float)
full = functional.conv2d(x9[None, None], k3[None, None], dilation=2)[0, 0]
sub = functional.conv2d(x9[None, None, ::2, ::2], k3[None, None])[0, 0]
assert full.shape == (5, 5) and sub.shape == (3, 3)
assert np.array_equal(full[::2, ::2], sub)
print("dilated output at even rows and columns == ordinary conv of x[::2, ::2]")

# %% [markdown]
# ### Receptive fields
#
# The **receptive field** of an output unit is the patch of the input it depends on.
# One layer with a $k \times k$ kernel and dilation $l$ has the receptive field $\hat k \times \hat k$: 3×3 at $l = 1$, 5×5 at $l = 2$, 9×9 at $l = 4$.
# Stack layers and the fields add up.
# Each new layer with kernel $k$ and dilation $l$ widens the field by $l(k - 1)$ pixels (with stride 1 everywhere), so after $L$ layers
#
# $$
# r_L \;=\; 1 + \sum_{j=1}^{L} l_j\,(k_j - 1).
# $$
#
# Three 3×3 layers with $l = 1, 2, 4$ reach $1 + 2 + 4 + 8 = 15$.
# Yu and Koltun use exactly this stack: when layer $i+1$ has dilation $2^i$, the field after it is $(2^{i+2} - 1) \times (2^{i+2} - 1)$: 3×3, 7×7, 15×15, 31×31, …

# %%
# One layer vs a stack: receptive fields by the formula, and Yu & Koltun's (2^(i+2) - 1)
single = [shapes.receptive_field([3], dilations=[rate]) for rate in (1, 2, 4)]
stacked = shapes.receptive_fields([3, 3, 3], dilations=[1, 2, 4])
assert single == [3, 5, 9] and stacked == [3, 7, 15]
for i in range(8):
    assert shapes.receptive_field([3] * (i + 1), dilations=[2**j for j in range(i + 1)]) == 2 ** (i + 2) - 1
print("one layer at l = 1, 2, 4:", single, "| stacked l = 1, 2, 4:", stacked)

# %% [markdown]
# ### Measuring a receptive field with autograd
#
# A formula is a claim; let us measure.
# `receptive.receptive_field_map` builds a copy of the network with every weight set to 1, feeds it an image, and asks autograd for the gradient of the centre output unit with respect to every input pixel.
# With all weights equal to 1, that gradient counts the **paths** through the network from the pixel to the output unit: zero means the output does not depend on that pixel at all.
# The figure shows the map after the first one, two and three layers of the $l = 1, 2, 4$ stack on a 15×15 image (empty cells are zeros; the red box is the field the formula predicts).

# %%
# Path counts from each input pixel to the centre output after 1, 2, 3 layers of l = 1, 2, 4
maps = [receptive.receptive_field_map(receptive.dilated_stack([1, 2, 4][:n], padding="valid"), 15) for n in (1, 2, 3)]
fig, axes = plt.subplots(1, 3, figsize=(15, 5.4), layout="constrained")
for n, (ax, counts, r) in enumerate(zip(axes, maps, stacked, strict=True), start=1):
    assert receptive.field_extent(counts) == (r, r) and receptive.count_holes(counts) == 0
    box = ((15 - r) // 2, (15 - r) // 2, r, r)
    plotting.grid(np.where(counts > 0, counts, np.nan), ax, highlight=box, cmap="YlOrRd", title=f"after {n} layer(s), l = {str([1, 2, 4][:n])[1:-1]}: field {r}×{r}")
assert maps[2].max() == 9 and maps[2].min() == maps[2][7, 7] == 1  # uneven counts, centre reached once
plain = receptive.receptive_field_map(receptive.dilated_stack([1, 1, 1], ndim=1, padding="valid"), 7)
assert plain.tolist() == [1, 3, 6, 7, 6, 3, 1]  # three undilated layers, in 1-D
plt.show()

# %% [markdown]
# The measured fields are 3×3, 7×7 and 15×15, as the formula says, and every pixel inside them has at least one path.
# The numbers also show something the formula hides: the pixels are not reached equally often.
# Some are reached by 9 paths, others by a single one, and the very centre of the field is one of the single-path pixels.
# In an undilated stack the counts would rise smoothly towards the centre (in one dimension, three layers give 1, 3, 6, 7, 6, 3, 1); dilation scatters them.
# With trained weights the path count is not the influence itself, but it bounds how many ways a pixel can act on the output.
#
# One example could be luck, so the next cell measures ten schedules with kernel sizes 2, 3 and 5, in one and two dimensions, and compares each with the formula.

# %%
# Measured receptive field == formula, for 60 stacks (1-D and 2-D, kernels 2, 3 and 5)
checked = 0
for ndim, k, ds in itertools.product((1, 2), (2, 3, 5), ([3], [1, 1], [2, 3], [4, 2, 1], [2, 2, 2], [1, 3, 9], [1, 5, 5], [1, 1, 2, 4], [3, 1, 1, 3], [2, 4, 8])):
    r = shapes.receptive_field([k] * len(ds), dilations=ds)
    counts = receptive.receptive_field_map(receptive.dilated_stack(ds, k, ndim=ndim, padding="valid"), r)
    assert receptive.field_extent(counts) == (r,) * ndim, (ndim, k, ds)
    checked += 1
print(f"{checked} stacks: the measured receptive field equals 1 + sum of l*(k-1) every time")

# %% [markdown]
# ### Yu and Koltun's context module
#
# The paper that made dilated convolutions popular for segmentation (Yu and Koltun, ICLR 2016) adds a *context module* on top of a segmentation network.
# It has seven 3×3 layers with dilations 1, 1, 2, 4, 8, 16, 1 and a final 1×1 layer, all at full resolution.
# The receptive fields after each layer are 3, 5, 9, 17, 33, 65, 67 and 67: the 1×1 layer mixes channels but does not widen the field.
# (If you counted eight 3×3 layers you would get 69 at the end; the paper's last layer is 1×1, so 67 is right.)

# %%
# The context module: formula per layer, and the measured field of the whole module
ctx_kernels, ctx_dilations = [3] * 7 + [1], [1, 1, 2, 4, 8, 16, 1, 1]
ctx_fields = shapes.receptive_fields(ctx_kernels, dilations=ctx_dilations)
assert ctx_fields == [3, 5, 9, 17, 33, 65, 67, 67]
assert shapes.receptive_field([3] * 8, dilations=ctx_dilations) == 69  # if the last layer were 3x3
module = receptive.dilated_stack(ctx_dilations, ctx_kernels, padding="valid")
counts = receptive.receptive_field_map(module, 67)
assert receptive.field_extent(counts) == (67, 67) and receptive.count_holes(counts) == 0
print("receptive field after each layer:", ctx_fields)
print(f"measured: {receptive.field_extent(counts)}, {receptive.count_holes(counts)} holes, {cost.count_params(module)} weights per channel pair")

# %% [markdown]
# ### The gridding problem
#
# Dilation buys a large field cheaply, but the field can be full of holes.
# Repeat $l = 2$ three times.
# The formula says the field is $1 + 2 \cdot 2 \cdot 3 = 13$ pixels wide, and it is, but every layer only connects pixels of the same parity (the "four sub-images" view above).
# Three such layers never mix the sub-images, so the centre output sees only the pixels at even offsets from the centre: a 7×7 lattice inside the 13×13 box.
# The other 169 − 49 = 120 pixels are **holes**: the output is blind to them, however large its field looks on paper.
# Neighbouring outputs, in turn, see disjoint sets of pixels, which shows up as a checkerboard-like grid pattern in segmentation maps.
#
# A schedule whose dilations grow gently has no holes.
# Wang et al. (2018) call this *hybrid dilated convolution* and recommend schedules such as 1, 2, 5.
# The maps below (hatched cells are holes) compare the two.

# %%
# Coverage maps: l = 2, 2, 2 (gridding) next to l = 1, 2, 5 (no holes)
grid222 = receptive.receptive_field_map(receptive.dilated_stack([2, 2, 2], padding="valid"), 13)
grid125 = receptive.receptive_field_map(receptive.dilated_stack([1, 2, 5], padding="valid"), 17)
assert receptive.count_holes(grid222) == 120 and np.count_nonzero(grid222) == 49
assert receptive.count_holes(grid125) == 0 and receptive.field_extent(grid125) == (17, 17)
fig, axes = plt.subplots(1, 2, figsize=(11, 5.6), layout="constrained")
plotting.coverage_map(grid222, axes[0], title="l = 2, 2, 2: field 13×13, 120 holes")
plotting.coverage_map(grid125, axes[1], title="l = 1, 2, 5: field 17×17, no holes")
plt.show()

# %% [markdown]
# When are there holes?
# Think of one axis.
# Sort the dilations from small to large.
# The layers before dilation $l_j$ together reach a gap-free run of $r$ pixels; the next layer places copies of that run $l_j$ pixels apart.
# If $l_j \le r$ the copies touch or overlap and the run stays gap-free; if $l_j > r$ a gap opens that no larger dilation can fill.
# So a schedule is hole-free exactly when every dilation is at most the receptive field of the smaller ones before it (the first dilation must be 1).
# `receptive.covers_field` applies that rule without running anything; the cell checks it against the measured maps for all 84 one-dimensional schedules of up to three layers with dilations 1 to 4.

# %%
# The no-holes rule agrees with the measured maps on every schedule of 1-3 layers, dilations 1..4
agree = total = 0
for n_layers in (1, 2, 3):
    for ds in itertools.product(range(1, 5), repeat=n_layers):
        r = shapes.receptive_field([3] * n_layers, dilations=list(ds))
        counts = receptive.receptive_field_map(receptive.dilated_stack(list(ds), ndim=1, padding="valid"), r)
        agree += (receptive.count_holes(counts) == 0) == receptive.covers_field(list(ds))
        total += 1
assert agree == total == 84
print(f"rule == measurement on {agree} of {total} schedules;", {str(ds): receptive.covers_field(ds) for ds in ([1, 2, 4], [2, 2, 2], [1, 2, 5], [1, 3, 9], [2, 3], [1, 5, 5])})

# %% [markdown]
# Note that a common factor is enough for holes ($2, 4, 8$ never reaches odd offsets), but the absence of one is not enough: $2, 3$ has no common factor and still leaves holes, because its first dilation is already larger than 1.

# %% [markdown]
# ## Implementation
#
# The package's loop version `naive.conv2d` implements the formula literally; the only dilation-specific code is the input index.
# The heart of it (validation and padding omitted):
#
# ```python
# for i in range(out_h):
#     for j in range(out_w):
#         total = 0
#         for c in range(in_channels):
#             for u in range(kh):
#                 for v in range(kw):
#                     total += x[n, c, i * sh + u * dh, j * sw + v * dw] * w[o, c, u, v]
#         out[n, o, i, j] = total + bias[o]
# ```
#
# The vectorized `functional.conv2d` builds a strided view of all windows of the *effective* size and keeps every $l$-th tap of each window by slicing with a step, with no copy and no zeros.
# Both are compared with PyTorch on random batches with several channels, strides, paddings and dilations.

# %%
# Loop and vectorized dilated conv2d versus torch (float64), several settings
for stride, padding, dilation in [(1, 0, 2), (1, 3, 3), (2, 2, (1, 3)), (1, "same", 2)]:
    xr, wr, br = np.random.randn(2, 3, 11, 10), np.random.randn(4, 3, 3, 3), np.random.randn(4)
    args = dict(stride=stride, padding=padding, dilation=dilation)
    ref = F.conv2d(torch.from_numpy(xr), torch.from_numpy(wr), torch.from_numpy(br), **args).numpy()
    for fn in (naive.conv2d, functional.conv2d):
        out = fn(xr, wr, br, **args)
        assert out.shape == ref.shape and np.abs(out - ref).max() < 1e-12
    print(f"stride={stride}, padding={padding!r}, dilation={dilation}: output {ref.shape}, loop and vectorized match torch")

# %% [markdown]
# Notice the `padding="same"` case: to keep the size with dilation $l$ the padding must be $l(k-1)/2$ per side, here 2 for a 3×3 kernel at $l = 2$.
# A common bug is to keep `padding=1` after adding `dilation=2`, which silently shrinks every feature map by two pixels per layer.

# %% [markdown]
# ## Cost
#
# ### Parameters and multiply-adds do not depend on the dilation
#
# A dilated layer stores the same $C_{\text{out}} \cdot C_{\text{in}} \cdot k^2$ weights as an undilated one and does $k^2$ multiply-adds per output and per input channel, whatever $l$ is.
# The count of what the loop code actually does confirms it: on outputs of the same size, $l = 1$ and $l = 2$ perform the same number of multiplications.
# PyTorch's FLOP counter agrees.

# %%
# Multiplications of a 3x3 layer with l = 1 and l = 2 on outputs of the same size (5x5)
counts = {}
for rate, size in ((1, 7), (2, 9)):
    counter = naive.MultiplicationCounter()
    _ = naive.conv2d(np.ones((1, 2, size, size)), np.ones((4, 2, 3, 3)), dilation=rate, counter=counter)
    layer = torch.nn.Conv2d(2, 4, 3, dilation=rate, bias=False)
    assert counter.count == cost.count_macs(layer, (1, 2, size, size)) == cost.conv_macs(2, 4, 3, 5)
    counts[rate] = (counter.count, cost.count_params(layer))
assert counts[1] == counts[2] == (1800, 72)  # 4 filters x 25 outputs x 2 channels x 9 taps
print("l = 1: 1,800 multiplications and 72 weights; l = 2: the same, for a 5x5 instead of a 3x3 field")

# %% [markdown]
# ### Linear cost, exponential field
#
# That is the whole economic argument.
# A stack of $L$ dilated 3×3 layers with $l = 1, 2, 4, \dots, 2^{L-1}$ has $9L$ weights per channel pair and reaches a field of $2^{L+1} - 1$.
# An undilated stack needs $(r - 1)/2$ layers to reach the same field $r$, and a single dense layer needs $r^2$ weights.
# The left plot shows the fields, the right plot the weights needed for the same field (logarithmic scales).

# %%
# Receptive field and weights vs depth: dilated (l doubling) vs undilated 3x3 stacks vs one dense layer
depth = np.arange(1, 9)
field_dil = np.array([shapes.receptive_field([3] * n, dilations=[2**j for j in range(n)]) for n in depth])
field_plain = np.array([shapes.receptive_field([3] * n) for n in depth])
weights = {"dilated stack (L layers)": 9 * depth, "undilated 3×3 stack, same field": 9 * (field_dil - 1) // 2,
           "one dense layer, same field": np.array([cost.conv_params(1, 1, int(r), bias=False) for r in field_dil])}
assert field_dil[-1] == 511 and field_plain[-1] == 17 and weights["one dense layer, same field"][-1] == 261121
assert weights["dilated stack (L layers)"][-1] == 72 and weights["undilated 3×3 stack, same field"][-1] == 9 * 255
fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
_ = plotting.cost_curves(depth, {"dilation 1, 2, 4, …": field_dil, "dilation 1": field_plain}, ax=axes[0], xlabel="layers L", ylabel="receptive field (pixels)", title="fields grow exponentially with dilation", logy=True)
_ = plotting.cost_curves(depth, weights, ax=axes[1], xlabel="layers L of the dilated stack", ylabel="weights per channel pair", title="weights for the same field", logy=True)
plt.show()

# %% [markdown]
# With eight layers the dilated stack sees 511×511 pixels with 72 weights per channel pair; an undilated stack would need 255 layers, and one dense layer 261,121 weights.
# The other resource dilation saves is **resolution**: the field grows without pooling or striding, so the output keeps one prediction per input pixel.
# What it does not save is the memory of the activations, which stay full-size in every layer.

# %% [markdown]
# ## Claim check
#
# The source article (section 7, 空洞卷积) states, in order:
#
# 1. with $l = 1$ a dilated convolution is a standard convolution;
# 2. dilation inserts $l - 1$ spaces between kernel elements; its figure shows the kernel at $l = 1, 2, 4$;
# 3. the receptive fields are 3×3 at $l = 1$, 7×7 at $l = 2$ and 15×15 at "$l = 3$", with essentially the same number of parameters;
# 4. the receptive field therefore grows at no extra computational cost;
# 5. in Yu and Koltun's network the dilation grows exponentially from layer to layer, so the field grows exponentially while the parameters grow only linearly.
#
# The cell recomputes each number.

# %%
# The article's claims for dilated convolution, recomputed
xc, wc = np.random.randn(1, 2, 8, 8), np.random.randn(3, 2, 3, 3)
assert np.array_equal(functional.conv2d(xc, wc, dilation=1), functional.conv2d(xc, wc))  # claim 1
for rate in (1, 2, 4):  # claim 2: l - 1 zeros between neighbouring taps
    row = receptive.dilate_kernel(np.ones(3), rate)
    assert row.tolist() == [1.0] + ([0.0] * (rate - 1) + [1.0]) * 2
assert [shapes.receptive_field([3], dilations=[r]) for r in (1, 2, 4)] == [3, 5, 9]  # one layer
assert shapes.receptive_fields([3, 3, 3], dilations=[1, 2, 4]) == [3, 7, 15]  # claim 3: stacked
assert shapes.receptive_field([3], dilations=[3]) == 7 and shapes.receptive_field([3] * 3, dilations=[1, 2, 3]) == 13
assert {cost.conv_params(64, 64, 3, bias=False)} == {cost.count_params(torch.nn.Conv2d(64, 64, 3, dilation=r, bias=False)) for r in (1, 2, 4)}
assert len({cost.count_macs(torch.nn.Conv2d(8, 8, 3, padding=r, dilation=r), (1, 8, 32, 32)) for r in (1, 2, 4)}) == 1  # claim 4
assert all(9 * n == cost.count_params(receptive.dilated_stack([2**j for j in range(n)])) for n in depth)  # claim 5
print("claims 1, 2, 4, 5 hold; claim 3's numbers hold only for a stack with l = 1, 2, 4 (see errata)")

# %% [markdown]
# ### Errata
#
# > 1. **Stacked, not single, and $l = 4$, not $l = 3$.**
# > The fields 3×3, 7×7 and 15×15 belong to a *stack* of three 3×3 layers with dilations 1, 2 and 4 (Yu and Koltun's figure 1), read after the first, second and third layer.
# > A single 3×3 layer sees 3×3, 5×5 and 9×9 at $l = 1, 2, 4$.
# > With $l = 3$, one layer sees 7×7 and a 1, 2, 3 stack sees 13×13; neither gives 15×15.
# > 2. **The red dots are the kernel's taps.** The article reads the 3×3 red dots in that figure as a 3×3 output image.
# > They mark the nine input positions one 3×3 kernel reads; the output size depends on the input and the padding, and with "same" padding it equals the input size.
# > 3. **"The same number of parameters" holds per layer.** Each layer keeps 9 weights per channel pair whatever its dilation, so a stack's parameters grow linearly with its depth (claim 5).
# > What the article leaves out is the price: a stack with large or repeated dilations can be blind to most pixels inside its field (the gridding problem above).
# > 4. A typo: "当 l-1,2,4 时" should read $l = 1, 2, 4$.

# %% [markdown]
# ## Explore
#
# The explorer takes a dilation schedule (pick one or type your own, such as `1, 3, 9`), a kernel size and how many of the schedule's layers to use.
# It draws the measured path-count map on an input exactly as large as the receptive field, so every hatched cell is a hole, and prints the field after each layer and the weights next to a dense layer with the same field.
# Try `2, 2, 2` and then `1, 2, 2`; try kernel size 2 with `1, 2, 4, 8`.
# First, a fixed setting, checked in code:

# %%
# Drive the explorer headless with the gridding schedule and check what it reports
explorer = widgets.dilation_explorer()
render = explorer.update(schedule="2, 2, 2", kernel_size=3)
assert render.error is None and "120 hole(s)" in render.text and "5, 9, 13" in render.text
bad = explorer.update(schedule="1, two, 4")
assert bad.error is not None and "positive whole numbers" in bad.error
print(render.text)

# %% tags=["nbval-ignore-output"]
# The live explorer: change the schedule, the kernel size and the number of layers
explorer.update(schedule="1, 2, 4", kernel_size=3)
explorer.widget

# %% [markdown]
# The animation runs the 7×7 example with $l = 2$: watch the nine red taps jump together, always two pixels apart, while the output fills in.

# %% tags=["nbval-ignore-output"]
# Sliding-window animation: 7x7 input, 3x3 kernel, dilation 2 (9 frames)
anim = animation.sliding_window(x7, k3, dilation=2, max_frames=9, dpi=60)
assert np.array_equal(anim.result, y_vec) and len(anim.steps) == 9
animation.to_html(anim)

# %% [markdown]
# ## In practice
#
# In PyTorch dilation is one argument: `torch.nn.Conv2d(in_channels, out_channels, kernel_size, padding=..., dilation=l)`.
# For a "same"-sized output use `padding = l * (k - 1) // 2` for odd $k$, or `padding="same"`.

# %%
# A 3x3 layer with l = 2 keeps a 64x56x56 feature map's size with padding 2, and has 36,928 parameters
layer = torch.nn.Conv2d(64, 64, kernel_size=3, padding=2, dilation=2)
with torch.no_grad():
    out = layer(torch.zeros(1, 64, 56, 56))
assert tuple(out.shape) == (1, 64, 56, 56) and shapes.same_padding(3, dilation=2) == (2, 2)
assert cost.count_params(layer) == cost.conv_params(64, 64, 3) == 36928
print(f"output {tuple(out.shape)}, {cost.count_params(layer):,} parameters (as without dilation)")

# %% [markdown]
# ### Where dilated convolutions are used
#
# - **DeepLab** (Chen et al., 2014 and 2016) turns a classification network into a segmentation network by removing the strides of the last pooling layers and dilating the convolutions after them, so the output is $1/8$ of the input size instead of $1/32$ while every layer keeps the field it had.
# DeepLab v2's *atrous spatial pyramid pooling* (ASPP) runs four 3×3 branches with rates 6, 12, 18 and 24 in parallel on the same features, which span 13, 25, 37 and 49 pixels: context at four scales.
# - **WaveNet** (van den Oord et al., 2016) generates raw audio, thousands of samples per second, with 1-D causal convolutions of kernel size 2 and dilations 1, 2, 4, …, 512.
# One such block has a receptive field of 1,024 samples with only ten layers; the model repeats the block to see further.
# - Yu and Koltun's context module (above), and dilated residual networks (Yu, Koltun and Funkhouser, 2017), which study and remove gridding artifacts.

# %%
# DeepLab's ASPP spans, and WaveNet's block: field 1024, and exactly one path from every sample
assert [shapes.effective_kernel_size(3, r) for r in (6, 12, 18, 24)] == [13, 25, 37, 49]
wavenet = receptive.dilated_stack([2**j for j in range(10)], kernel_size=2, ndim=1, padding="valid")
assert shapes.receptive_field([2] * 10, dilations=[2**j for j in range(10)]) == 1024
paths = receptive.receptive_field_map(wavenet, 1024)
assert paths.shape == (1024,) and paths.min() == paths.max() == 1 and cost.count_params(wavenet) == 20
print(f"WaveNet block: 10 layers, {cost.count_params(wavenet)} weights, field {paths.size}, paths per sample: {set(paths.tolist())}")

# %% [markdown]
# Every one of WaveNet's 1,024 input samples reaches the output through exactly one path.
# The reason is binary counting: a sample at distance $t$ from the output is reached by choosing, in each layer, either the tap at distance 0 or the tap at distance $2^j$, and every $t$ from 0 to 1023 has exactly one binary expansion.
# That is the 1-D version of a hole-free schedule with no waste at all.
#
# Pitfalls:
#
# - **Gridding.** Repeating one large dilation leaves holes; check a schedule with `receptive.covers_field` or the explorer before you train it.
# - **Rates larger than the feature map.** On an 8×8 map with $l = 8$ and "same" padding, every tap but the centre lands in the padding, and the 3×3 kernel degenerates into a 1×1 kernel (the DeepLab v3 paper observed this and added image-level features to its ASPP module).
# - **Padding.** Update the padding with the dilation, or every layer shrinks the map.
# - **Speed.** The multiply-adds match a 3×3, but the memory access pattern is scattered; some libraries run dilated convolutions slower than their count suggests (see the GPU section).

# %%
# On an 8x8 map, a 3x3 kernel with l = 8 and padding 8 only ever uses its centre weight
xs, ws = torch.randn(1, 1, 8, 8, dtype=torch.float64), torch.randn(1, 1, 3, 3, dtype=torch.float64)
degenerate = F.conv2d(xs, ws, padding=8, dilation=8)
assert degenerate.shape == xs.shape and torch.allclose(degenerate, ws[0, 0, 1, 1] * xs)
print("l = 8 on an 8x8 map == multiplying by the centre weight alone")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): a dilated 1-D correlation
#
# Write `dilated_conv1d(x, w, dilation)` for a 1-D array `x` of length $L$ and a 1-D kernel `w` of length $k$: no padding, stride 1, no kernel flip.
# Return a 1-D numpy array of length $L - \text{dilation} \cdot (k-1)$.
# Do not use the package or `torch`: the check compares you with `functional.conv1d`.
# Hint: output $i$ is the sum over $j$ of `w[j] * x[i + j * dilation]`.

# %% nbgrader={"grade": false, "grade_id": "l06_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation of a dilated 1-D correlation (valid, stride 1)
def dilated_conv1d(x, w, dilation):
    ### BEGIN SOLUTION
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    span = dilation * (len(w) - 1) + 1
    out = np.zeros(len(x) - span + 1)
    for i in range(len(out)):
        out[i] = sum(w[j] * x[i + j * dilation] for j in range(len(w)))
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l06_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check dilated_conv1d against the package's conv1d on several cases
exercises.check_dilated_conv1d(dilated_conv1d)
### BEGIN HIDDEN TESTS
assert np.array_equal(dilated_conv1d(x1, w1, 2), [0, 2, -2, 2])
_xh = np.random.default_rng(61).standard_normal(30)
_wh = np.random.default_rng(62).standard_normal(5)
assert np.allclose(dilated_conv1d(_xh, _wh, 6), functional.conv1d(_xh[None, None], _wh[None, None], dilation=6)[0, 0])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): receptive fields of stacks
#
# Predict the receptive field (one side, in input pixels) of one output unit of each stack, **without running code**.
# All strides are 1; the table gives each layer's kernel size and dilation.
#
# | stack | kernel sizes | dilations |
# |---|---|---|
# | a | 3, 3, 3 | 1, 1, 1 |
# | b | 3, 3 | 2, 2 |
# | c | 3, 3, 3, 3 | 1, 2, 4, 8 |
# | d | 3, 3, 3 | 1, 2, 5 |
# | e | 2, 2, 2, 2 | 1, 2, 4, 8 |
# | f | 5, 3 | 1, 3 |

# %% nbgrader={"grade": false, "grade_id": "l06_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted receptive fields, one int per stack
### BEGIN SOLUTION
answers = {"a": 7, "b": 9, "c": 31, "d": 17, "e": 16, "f": 11}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l06_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against the formula (the stacks are the table's)
exercises.check_receptive_field_predictions(answers)
### BEGIN HIDDEN TESTS
assert answers["e"] == 16 and answers["f"] == 11
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): the gridding problem
#
# A colleague replaces the last three 3×3 layers of a segmentation network by three 3×3 layers with dilation 2 each, to "see more context for free".
# Explain in three to five sentences what the output units of that block can and cannot see, why, and how you would choose the dilations instead.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l06_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Each output unit of the block has a 13×13 receptive field instead of 7×7, but it only sees the pixels at even offsets from its centre, a 7×7 lattice: 120 of the 169 pixels are holes.
# The reason is that a layer with dilation 2 only combines pixels whose rows (and columns) have the same parity, so three such layers never mix the four interleaved sub-images; neighbouring outputs see disjoint sets of pixels, which causes grid artifacts.
# Choose the dilations so that each one, sorted from small to large, is at most the receptive field of the smaller ones before it, for example 1, 2, 4 (field 15) or 1, 2, 5 (field 17): these cover every pixel of the field.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# A dilated 3×3 kernel with $l = 2$ computes exactly what a dense 5×5 kernel with zeros between the taps computes, and with $l = 4$ what a dense 9×9 computes.
# `gpu.lesson06` runs both versions of each on a GPU (64 → 64 channels on a batch of 8 maps of 128×128, "same" padding, float32 with TF32 off) and checks all four against a float64 dilated convolution on the CPU.
#
# - **The prediction.** The dense kernels do 25 and 81 multiply-adds per output and per channel pair, the dilated one 9, so the dilated versions should be $25/9 \approx 2.8$ and $81/9 = 9$ times faster.
# - **What to look for.** Expect the measured speed-ups to fall short of the prediction, with the dilated kernel reaching fewer TFLOP/s than the dense one: the fastest convolution algorithms (Winograd transforms, implicit GEMM with carefully tuned tiles) are built for dense kernels, and a dilated window reads memory with wide gaps.
# A count of multiply-adds is an upper bound on the speed-up, not a promise; notebook 12 returns to this.
#
# Without CUDA the cell prints one line and the rest of the notebook is unaffected.

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("06")

# %% [markdown]
# ## Summary
#
# - A dilated convolution reads the input with $l - 1$ pixels between neighbouring taps; $l = 1$ is the ordinary convolution.
# - A $k \times k$ kernel then spans $k + (k-1)(l-1)$ pixels, with the same $k^2$ weights and the same multiply-adds per output; it equals a convolution with a zero-filled larger kernel.
# - Receptive fields of stacks add up: $r = 1 + \sum_j l_j (k_j - 1)$.
# - Doubling dilations give $2^{L+1} - 1$ after $L$ layers: exponential field, linear cost, full resolution.
# - The fields 3, 7, 15 belong to a *stack* with $l = 1, 2, 4$; a single layer with $l = 2$ or $4$ sees 5 or 9.
# - Autograd measures receptive fields: with all weights 1, the input gradient of one output counts the paths from each pixel.
# - Repeating a large dilation leaves holes (gridding): $2, 2, 2$ misses 120 of 169 pixels.
# - A schedule is hole-free when each sorted dilation is at most the field of the smaller ones before it, as in $1, 2, 4$, $1, 2, 5$ or WaveNet's $1, 2, \dots, 512$.
# - DeepLab uses dilation to segment at 1/8 instead of 1/32 resolution and ASPP for multi-scale context; WaveNet uses it to see 1,024 audio samples with ten layers.

# %% [markdown]
# ## References
#
# - F. Yu, V. Koltun. *Multi-scale context aggregation by dilated convolutions*. ICLR 2016. [arXiv:1511.07122](https://arxiv.org/abs/1511.07122)
# - L.-C. Chen, G. Papandreou, I. Kokkinos, K. Murphy, A. L. Yuille. *Semantic image segmentation with deep convolutional nets and fully connected CRFs* (DeepLab). ICLR 2015. [arXiv:1412.7062](https://arxiv.org/abs/1412.7062)
# - L.-C. Chen et al. *DeepLab: semantic image segmentation with deep convolutional nets, atrous convolution, and fully connected CRFs* (DeepLab v2, ASPP). 2016. [arXiv:1606.00915](https://arxiv.org/abs/1606.00915)
# - L.-C. Chen, G. Papandreou, F. Schroff, H. Adam. *Rethinking atrous convolution for semantic image segmentation* (DeepLab v3). 2017. [arXiv:1706.05587](https://arxiv.org/abs/1706.05587)
# - A. van den Oord et al. *WaveNet: a generative model for raw audio*. 2016. [arXiv:1609.03499](https://arxiv.org/abs/1609.03499)
# - P. Wang et al. *Understanding convolution for semantic segmentation* (hybrid dilated convolution). WACV 2018. [arXiv:1702.08502](https://arxiv.org/abs/1702.08502)
# - F. Yu, V. Koltun, T. Funkhouser. *Dilated residual networks*. CVPR 2017. [arXiv:1705.09914](https://arxiv.org/abs/1705.09914)
# - V. Dumoulin, F. Visin. *A guide to convolution arithmetic for deep learning*, section 5.1. 2016. [arXiv:1603.07285](https://arxiv.org/abs/1603.07285)
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*, section 7. 2019 (the source article).
# - PyTorch documentation: `torch.nn.Conv2d` (the `dilation` argument).

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | dilated convolution | 空洞卷积 / 扩张卷积 |
# | atrous convolution (à trous) | 空洞卷积(带孔卷积) |
# | dilation rate | 空洞率 / 扩张率 |
# | kernel tap | 卷积核抽头(卷积核元素) |
# | effective kernel size | 有效卷积核大小 |
# | receptive field | 感受野 |
# | gridding problem | 网格效应 |
# | hybrid dilated convolution (HDC) | 混合空洞卷积 |
# | context module | 上下文模块 |
# | semantic segmentation | 语义分割 |
# | dense prediction | 密集预测 |
# | atrous spatial pyramid pooling (ASPP) | 空洞空间金字塔池化 |
# | causal convolution | 因果卷积 |
# | resolution | 分辨率 |
# | autograd / gradient | 自动求导 / 梯度 |
# | path count | 路径数 |
