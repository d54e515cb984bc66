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
# # 09 · Flattened convolution · 扁平化卷积
#
# An ordinary convolution filter is a solid block of numbers: $C$ channels deep and $k \times k$ wide, $C k^2$ weights in all.
# A flattened filter keeps only three thin sticks of numbers, one along each axis of that block, and rebuilds the block by multiplying them together.
# That is $C + 2k$ weights instead of $C k^2$, and the convolution can be run as three cheap one-dimensional passes.
# The price is that only a special kind of block can be built this way, and this lesson measures how special it is.
#
# Where it fits: [← 08 Depthwise separable convolution](08_depthwise_separable_convolution.ipynb) split a layer into a spatial step and a channel step.
# Here we split every filter along all three of its axes at once.
# Next: [10 Grouped convolution →](10_grouped_convolution.ipynb), which saves work by cutting the channels into independent groups.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. build a rank-1 3-D kernel from a lateral, a vertical and a horizontal 1-D filter (an outer product of three vectors), and read its channel slices;
# 2. run a flattened convolution as three 1-D passes by hand, and verify that it equals one ordinary convolution with the rank-1 kernel;
# 3. count the weights ($C + 2k$ against $C k^2$ per filter) and multiply-adds of a flattened layer, and say how the saving grows with $C$ and $k$;
# 4. measure how much of a filter a rank-1 approximation loses (random, oriented and colour-opponent filters), and explain why Jin et al. train flattened layers from scratch instead;
# 5. place flattened convolution next to spatially separable (07) and depthwise separable (08) convolution: what each one factorizes and what it costs.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: a multi-channel filter is a 3-D block of $C \times k \times k$ weights, and one filter makes one output channel.
# - Notebook 07: a 2-D kernel is *separable* (rank 1) when it is the outer product of a column and a row, like Sobel $= [1, 2, 1]^\top [-1, 0, 1]$.
# - Notebook 08: a 1×1 convolution mixes channels, and a depthwise convolution (`groups = C`) filters each channel on its own.
# - Python and numpy, including `np.einsum` for sums over named indices.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import (
    cost, data, decompose, exercises, filters, functional, gpu, models, naive, plotting, widgets,
)

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Start with three short lists of numbers:
#
# - a **lateral** filter $[1, -1, 2]$, one number per input channel;
# - a **vertical** filter $[1, 2, 1]$, one number per kernel row;
# - a **horizontal** filter $[-1, 0, 1]$, one number per kernel column.
#
# Multiply every entry of the first by every entry of the second and every entry of the third, and put the product $\ell_c\, v_i\, h_j$ at position $(c, i, j)$ of a block.
# The result is a 3×3×3 block: an ordinary multi-channel filter, built from just 9 numbers instead of 27.
# The figure draws the three sticks and the block, and then writes out the block one channel slice at a time.

# %%
# Three 1-D filters and the 3x3x3 kernel their outer product builds
lateral, vertical, horizontal = np.array([1.0, -1.0, 2.0]), np.array([1.0, 2.0, 1.0]), np.array([-1.0, 0.0, 1.0])
fig = plotting.flattened_kernel(lateral, vertical, horizontal)
plt.show()
kernel = functional.rank1_kernel(lateral[None], vertical[None], horizontal[None])[0]
assert kernel.shape == (3, 3, 3) and np.array_equal(kernel[2], 2 * np.outer(vertical, horizontal))

# %% [markdown]
# Every slice is the same 3×3 pattern, the Sobel edge detector $[1, 2, 1]^\top [-1, 0, 1]$ from notebook 07, only scaled by that channel's lateral weight: $1$, $-1$ and $2$.
# So a flattened filter looks for the same spatial pattern in every channel and weighs the channels differently.
# It cannot look for a vertical edge in the red channel and a horizontal edge in the green one; an ordinary filter can.
#
# The layer never builds the block.
# It runs three passes, each along one axis, for each output channel:
# a **lateral** 1×1 pass mixes the input channels into one map, a **vertical** pass slides a $k \times 1$ filter down that map, and a **horizontal** pass slides a $1 \times k$ filter across it.
# The next figure follows one output channel of a 5×5×3 input through the three passes.

# %%
# One output channel of a flattened layer: 1x1 over channels, then 3x1, then 1x3
blocks = [(3, 5, 5), (1, 3, 1, 1), (1, 5, 5), (1, 1, 3, 1), (1, 3, 5), (1, 1, 1, 3), (1, 3, 3)]
names = ["input", "lateral", "mixed", "vertical", "after vertical", "horizontal", "output"]
fig, ax = plt.subplots(figsize=(14, 3.4))
_ = plotting.tensor_blocks(blocks, names, ax=ax, ops=["*", "=", "*", "=", "*", "="])
plt.show()

# %% [markdown]
# The three passes add the same products as the single 3×3×3 filter, only in a different order, so the output is the same 3×3 map.
# They need far fewer multiplications, because the lateral pass does the channel sum once per pixel instead of once per pixel *and* kernel tap.

# %% [markdown]
# ## Definition
#
# A flattened convolution layer with $C_{\text{in}}$ input channels, $C_{\text{out}}$ output channels and a $k_h \times k_w$ kernel stores, for each output channel $o$, three vectors:
# a lateral $L_o \in \mathbb{R}^{C_{\text{in}}}$, a vertical $V_o \in \mathbb{R}^{k_h}$ and a horizontal $H_o \in \mathbb{R}^{k_w}$.
# Its kernel is the outer product of the three,
#
# $$
# W_{o,c,i,j} \;=\; L_{o,c}\; V_{o,i}\; H_{o,j},
# \qquad\text{i.e.}\qquad W_o = L_o \otimes V_o \otimes H_o ,
# $$
#
# a *rank-1 tensor*: the three-dimensional version of a rank-1 (separable) matrix.
# Put it into the convolution of notebook 02 (stride 1, no bias) and pull each factor out of the sums where it no longer depends on the summation index:
#
# $$
# y_{o,u,v} \;=\; \sum_{c,i,j} L_{o,c} V_{o,i} H_{o,j}\, x_{c,\,u+i,\,v+j}
# \;=\; \sum_{j} H_{o,j} \underbrace{\sum_{i} V_{o,i} \underbrace{\sum_{c} L_{o,c}\, x_{c,\,u+i,\,v+j}}_{\text{lateral pass: } z_o}}_{\text{vertical pass}} .
# $$
#
# Read from the inside out, that is the three passes: the innermost sum is a 1×1 convolution from $C_{\text{in}}$ to $C_{\text{out}}$ channels, the middle one a $k_h \times 1$ convolution of each map $z_o$ with its own $V_o$ (a depthwise convolution, `groups = C_out`), and the outer one a $1 \times k_w$ depthwise convolution with $H_o$.
# The output size is the one of an ordinary convolution, $o = i + 2p - k + 1$ along each axis with zero padding $p$; the padding belongs to the vertical and horizontal passes.
#
# ### A worked example you can check by hand
#
# Take a 4×4 input with three channels of small integers and the 3×3×3 kernel of the figure.
# The valid output is 2×2, and the next cell computes it pass by pass.

# %%
# A 3-channel 4x4 integer input
x = np.array([[[1, 0, 2, 1], [0, 1, 1, 0], [2, 1, 0, 1], [1, 0, 1, 2]],
              [[0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 0], [1, 1, 0, 0]],
              [[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [1, 0, 0, 1]]], dtype=float)
print(x)

# %%
# Pass 1, lateral: z = 1*x[0] - 1*x[1] + 2*x[2], a 4x4 map
z = functional.conv2d(x[None], lateral.reshape(1, 3, 1, 1))[0, 0]
assert np.array_equal(z, x[0] - x[1] + 2 * x[2]) and z[0, 0] == 1 - 0 + 2 * 1 == 3
print(z)

# %%
# Pass 2, vertical: slide [1, 2, 1] down each column of z -> 2x4
zv = functional.conv2d(z[None, None], vertical.reshape(1, 1, 3, 1))[0, 0]
assert zv.shape == (2, 4) and zv[0, 0] == 1 * 3 + 2 * (-1) + 1 * 2 == 3
print(zv)

# %%
# Pass 3, horizontal: slide [-1, 0, 1] along each row -> the 2x2 output
y = functional.conv2d(zv[None, None], horizontal.reshape(1, 1, 1, 3))[0, 0]
assert np.array_equal(y, [[6, -6], [1, 5]]) and y[0, 0] == -1 * 3 + 0 * 8 + 1 * 9
print(y)

# %% [markdown]
# Check the top-left numbers yourself: the lateral pass gives $1 \cdot 1 - 1 \cdot 0 + 2 \cdot 1 = 3$; the vertical pass down the first column of $z$ gives $1 \cdot 3 + 2 \cdot (-1) + 1 \cdot 2 = 3$; the horizontal pass along the first row gives $-1 \cdot 3 + 0 \cdot 8 + 1 \cdot 9 = 6$.
# Now the same input with one ordinary convolution and the 3×3×3 kernel, and with the package's `flattened_conv2d`, which runs the three passes for a whole filter bank:

# %%
# One ordinary conv with the rank-1 kernel, and the three passes in one call: all equal
y_conv = functional.conv2d(x[None], kernel[None])[0, 0]
y_flat = functional.flattened_conv2d(x[None], lateral[None], vertical[None], horizontal[None])[0, 0]
assert np.array_equal(y_conv, y) and np.array_equal(y_flat, y)
print(y_conv)

# %% [markdown]
# The integers make the agreement exact.
# With real-valued weights the two routes add the products in a different order, and they agree up to float rounding.

# %% [markdown]
# ## Implementation
#
# The package has the operation twice, once in numpy and once in PyTorch:
#
# - `functional.rank1_kernel(lateral, vertical, horizontal)` and `functional.flattened_conv2d(input, lateral, vertical, horizontal, bias=None, padding=0)`: numpy, with the shapes `(C_out, C_in)`, `(C_out, kh)`, `(C_out, kw)`;
# - `models.rank1_kernel` / `models.flattened_conv2d` and the layer `models.FlattenedConv2d(in_ch, out_ch, kernel_size, padding=0)`, whose forward pass is the three passes.
#
# Building the kernel is one `einsum`: the index `o` appears in all three factors, so each filter gets its own vectors and nothing is summed.
# The three passes are three `conv2d` calls:
#
# ```python
# kernel = np.einsum("oc,oi,oj->ocij", lateral, vertical, horizontal)   # (C_out, C_in, kh, kw)
#
# y = conv2d(x, lateral[:, :, None, None])                                          # 1x1: C_in -> C_out
# y = conv2d(y, vertical[:, None, :, None], padding=(ph, 0), groups=C_out)          # kh x 1, per map
# y = conv2d(y, horizontal[:, None, None, :], bias, padding=(0, pw), groups=C_out)  # 1 x kw, per map
# ```
#
# The next cells compare three implementations with PyTorch's ordinary `conv2d` on the rank-1 kernel, for a random bank of 6 filters over 4 channels, a non-square 3×5 kernel and padding:
# the loop version (the three passes through `naive.conv2d`, one multiplication at a time), the vectorized numpy version and the PyTorch version.

# %%
# A random bank (6 filters over 4 channels, 3x5 kernels) and the loop version of the three passes
L, V, Hh = np.random.randn(6, 4), np.random.randn(6, 3), np.random.randn(6, 5)
xr, br = np.random.randn(2, 4, 9, 8), np.random.randn(6)
p1 = naive.conv2d(xr, L[:, :, None, None])                                   # lateral 1x1
p2 = naive.conv2d(p1, V[:, None, :, None], padding=(1, 0), groups=6)         # vertical 3x1
loop = naive.conv2d(p2, Hh[:, None, None, :], br, padding=(0, 2), groups=6)  # horizontal 1x5
print("intermediate shapes:", p1.shape, p2.shape, loop.shape)

# %% tags=["nbval-ignore-output"]
# Loop, numpy and torch flattened convs vs torch conv2d with the rank-1 kernel (float64), max error
ref = F.conv2d(torch.from_numpy(xr), torch.from_numpy(functional.rank1_kernel(L, V, Hh)), torch.from_numpy(br), padding=(1, 2)).numpy()
ours = functional.flattened_conv2d(xr, L, V, Hh, br, padding=(1, 2))
theirs = models.flattened_conv2d(*(torch.from_numpy(t) for t in (xr, L, V, Hh, br)), padding=(1, 2)).numpy()
for name, out in [("loop (naive.conv2d x 3)", loop), ("functional.flattened_conv2d", ours), ("models.flattened_conv2d", theirs)]:
    err = np.abs(out - ref).max()
    assert out.shape == ref.shape == (2, 6, 9, 8) and err < 1e-12
    print(f"{name}: shape {out.shape}, max |error| vs one conv2d = {err:.1e}")

# %% [markdown]
# The layer form holds its three vectors per filter as parameters, and `rank1_weight()` returns the equivalent ordinary kernel.
# It agrees with `nn.functional.conv2d` on that kernel, and it has 80 parameters where the ordinary 3→8 layer with 3×3 kernels has 224.

# %%
# models.FlattenedConv2d equals an ordinary conv with its rank-1 weight
layer = models.FlattenedConv2d(3, 8, 3, padding=1).double()
xt = torch.randn(2, 3, 6, 6, dtype=torch.float64)
with torch.no_grad():
    same = torch.allclose(layer(xt), F.conv2d(xt, layer.rank1_weight(), layer.bias, padding=1), rtol=0, atol=1e-12)
assert same and tuple(layer.rank1_weight().shape) == (8, 3, 3, 3)
assert cost.count_params(layer) == 80 and cost.count_params(torch.nn.Conv2d(3, 8, 3)) == 224
print(layer, "->", tuple(layer(xt).shape), f"{cost.count_params(layer)} parameters")

# %% [markdown]
# ## Cost
#
# ### Weights
#
# An ordinary filter has $C_{\text{in}} k_h k_w$ weights; a flattened one has $C_{\text{in}} + k_h + k_w$.
# For the whole layer, with one bias per output channel in both cases,
#
# $$
# \text{params}_{\text{standard}} = C_{\text{out}} (C_{\text{in}} k_h k_w + 1),
# \qquad
# \text{params}_{\text{flattened}} = C_{\text{out}} (C_{\text{in}} + k_h + k_w + 1).
# $$
#
# ### Multiply-adds
#
# With "same" padding (output $H \times W$) the three passes cost $C_{\text{out}} C_{\text{in}} H W$ (lateral), $C_{\text{out}} k_h H W$ (vertical) and $C_{\text{out}} k_w H W$ (horizontal), so
#
# $$
# \text{MACs}_{\text{flattened}} = C_{\text{out}} H W\,(C_{\text{in}} + k_h + k_w)
# \quad\text{against}\quad
# \text{MACs}_{\text{standard}} = C_{\text{out}} H W\, C_{\text{in}} k_h k_w .
# $$
#
# Both savings are the same ratio, $C_{\text{in}} k^2 / (C_{\text{in}} + 2k)$ for square kernels.
#
# Start with what the loop code actually does on the worked example.
# `naive.conv2d` multiplies one pair of numbers at a time and counts every multiplication; running the three passes through it, and the ordinary 3×3×3 filter once, gives the counts to set against `cost.flattened_macs` and `cost.conv_macs`.

# %%
# Count the multiplications of the worked example: three passes vs one 3x3x3 filter
counters = {name: naive.MultiplicationCounter() for name in ("lateral", "vertical", "horizontal", "standard")}
z1 = naive.conv2d(x[None], lateral.reshape(1, 3, 1, 1), counter=counters["lateral"])
z2 = naive.conv2d(z1, vertical.reshape(1, 1, 3, 1), counter=counters["vertical"])
z3 = naive.conv2d(z2, horizontal.reshape(1, 1, 1, 3), counter=counters["horizontal"])
y_std = naive.conv2d(x[None], kernel[None], counter=counters["standard"])
n = {name: c.count for name, c in counters.items()}
assert np.array_equal(z3, y_std) and (n["lateral"], n["vertical"], n["horizontal"], n["standard"]) == (48, 24, 12, 108)
assert n["lateral"] + n["vertical"] + n["horizontal"] == cost.flattened_macs(3, 1, 3, 4) == 84 and n["standard"] == cost.conv_macs(3, 1, 3, 2)
print(f"flattened: {n['lateral']} + {n['vertical']} + {n['horizontal']} = 84 multiplications; ordinary filter: {n['standard']}")

# %% [markdown]
# On this tiny example the saving is small: the lateral pass runs on all 16 input pixels ($16 \cdot 3 = 48$), the vertical pass on the 2×4 positions where a column of three fits ($8 \cdot 3 = 24$) and the horizontal pass on the 4 output positions ($4 \cdot 3 = 12$), against $4 \cdot 27 = 108$ for the ordinary filter.
# The saving shows at realistic sizes.
# The next cell checks the formulas on a 64 → 128 layer with 3×3 kernels on a 16×16 input: the parameters against the real PyTorch modules, the multiply-adds against the products written out.
# (`tests/test_lesson_09.py` also checks `cost.flattened_macs` against PyTorch's FLOP counter run on `FlattenedConv2d`.)

# %%
# Weights and multiply-adds of a 64 -> 128 layer, 3x3, 'same' padding, on a 16x16 input
counts = {
    "standard": (cost.conv_params(64, 128, 3), cost.conv_macs(64, 128, 3, 16)),
    "flattened": (cost.flattened_params(64, 128, 3), cost.flattened_macs(64, 128, 3, 16, padding=1)),
}
assert counts["standard"][0] == cost.count_params(torch.nn.Conv2d(64, 128, 3, padding=1))
assert counts["flattened"][0] == cost.count_params(models.FlattenedConv2d(64, 128, 3, padding=1))
assert counts["standard"] == (128 * (64 * 9 + 1), 128 * 16 * 16 * 64 * 9)
assert counts["flattened"] == (128 * (64 + 3 + 3 + 1), 128 * 16 * 16 * (64 + 3 + 3))
for name, (p, m) in counts.items():
    print(f"{name:9s}: {p:>7,} parameters, {m:>11,} multiply-adds")
print(f"saving: {counts['standard'][1] / counts['flattened'][1]:.2f}x fewer multiply-adds = 64*9/(64+6)")

# %% [markdown]
# The saving grows with both $C$ and $k$.
# The plot shows the ratio of weights per filter, $C k^2 / (C + 2k)$, which is also the ratio of multiply-adds with "same" padding.

# %%
# The saving per filter vs C (k = 3, 5, 7) and vs k (C = 64)
cs, ks = 2 ** np.arange(10), np.arange(1, 12)
by_c = {f"k={k}": np.array([cost.conv_params(int(c), 1, k, bias=False) / cost.flattened_params(int(c), 1, k, bias=False) for c in cs]) for k in (3, 5, 7)}
by_k = {"C=64": np.array([cost.conv_params(64, 1, int(k), bias=False) / cost.flattened_params(64, 1, int(k), bias=False) for k in ks])}
assert np.isclose(by_c["k=3"][-1], 512 * 9 / 518) and by_c["k=3"][-1] < 9 and np.isclose(by_k["C=64"][2], 64 * 9 / 70)
assert np.isclose(by_c["k=3"][0], 9 / 7) and round(by_c["k=3"][7], 1) == 8.6  # C = 1 and C = 128 (GPU section)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
_ = plotting.cost_curves(cs, by_c, ax=axes[0], xlabel="input channels C", ylabel="C·k² / (C + 2k)", title="saving per filter vs channels (→ k²)", logx=True)
_ = plotting.cost_curves(ks, by_k, ax=axes[1], xlabel="kernel size k", ylabel="C·k² / (C + 2k)", title="saving per filter vs kernel size (C = 64)")
plt.show()

# %% [markdown]
# Three details of the plot are worth a second look.
# As the channels grow, the ratio climbs towards $k^2$ but never reaches it: the lateral vector then dominates the flattened filter, and the block is $k^2$ times longer than it.
# At $C = 1$ and $k = 3$ the "saving" is only $9/7 \approx 1.3$: for a single channel the flattened filter is just the separable kernel of notebook 07 plus one extra scale factor.
# For a fixed $C$ the saving keeps growing with $k$, roughly like $C k / 2$ once $2k$ is large next to $C$, because the flattened filter grows only linearly with the kernel side while the block grows with its area.

# %% [markdown]
# ## Claim check
#
# Section 9 of the source article makes no numerical claims, but it states five facts; each is checked below with package code.
#
# 1. The idea is to split a standard filter into three 1-D filters (lateral, vertical, horizontal) instead of applying the 3-D filter directly.
# 2. This is like spatially separable convolution, where a 2-D filter is written with rank-1 (1-D) pieces.
# 3. A 3-D filter can be split into three 1-D filters exactly when it is rank 1.
# 4. Filters learned in deep networks are not rank 1: they have "distributed eigenvalues", and splitting them after training loses a significant amount of information.
# 5. Flattened networks trained from scratch reach the accuracy of ordinary ones with far fewer parameters and less computation.
#
# Claims 1 and 3 were verified above for one filter; the next cell repeats the check for random rank-1 filter banks and also checks the converse: a rank-1 kernel is recovered exactly from its three factors by `decompose.best_rank1_tensor`.
# Claim 2 is the single-channel case: the Sobel kernel is a 1×3×3 filter, and its rank-1 tensor fit is exact.

# %%
# Claims 1-3: three 1-D filters <-> one rank-1 3-D filter; the 1-channel case is notebook 07's Sobel
for c_in, k in [(3, 3), (16, 5), (1, 7)]:
    L1, V1, H1 = np.random.randn(4, c_in), np.random.randn(4, k), np.random.randn(4, k)
    W1 = functional.rank1_kernel(L1, V1, H1)
    xs = np.random.randn(1, c_in, 10, 10)
    assert np.allclose(functional.flattened_conv2d(xs, L1, V1, H1, padding=k // 2), functional.conv2d(xs, W1, padding=k // 2), atol=1e-10)
    assert np.all(decompose.best_rank1_tensor(W1).relative_error < 1e-10)
sobel_fit = decompose.best_rank1_tensor(filters.sobel2d()[None])
assert sobel_fit.relative_error < 1e-12 and decompose.kernel_rank(filters.sobel2d()) == 1
print("Sobel as a 1-channel flattened filter: vertical", sobel_fit.vertical.round(3), "horizontal", sobel_fit.horizontal.round(3))

# %% [markdown]
# The fitted vectors are $[1, 2, 1]$ and $[-1, 0, 1]$ rescaled to unit length (the sign and the scale move into the lateral factor), the Sobel factors of notebook 07.
#
# ### Claim 4: learned-looking filters are not rank 1
#
# If a trained filter were rank 1, we could flatten a trained network for free.
# How far from rank 1 are realistic filters?
# `decompose.best_rank1_tensor` finds the closest rank-1 tensor by *alternating least squares*: fix two of the vectors and the best third one is a simple weighted sum of the filter, so it updates the lateral, vertical and horizontal vectors in turn until they stop changing.
# (For matrices the SVD gives the best rank-1 approximation directly; for 3-D tensors there is no such formula, but for one rank-1 term this iteration works well.)
# The reported error is $\lVert W - \hat W \rVert / \lVert W \rVert$: 0 means nothing is lost, 1 means nothing is kept.
#
# Four 3×7×7 filters over the red, green and blue channels of an image:
#
# - a **random** filter, as a network starts before training;
# - a **Gabor filter at 0°**, a vertical-stripe detector of the kind first layers learn, with the same pattern in every channel weighted by colour;
# - the same **Gabor filter at 45°**, a diagonal-stripe detector;
# - a **colour-opponent** filter: a narrow positive blob in red and a wide negative blob in green ("red centre, green surround").

# %%
# Four realistic 3x7x7 filters and the relative error of their best rank-1 approximations
colour = np.array([0.3, 0.6, 0.1])[:, None, None]  # weights of the R, G, B channels
bank = {
    "random": np.random.randn(3, 7, 7),
    "Gabor 0°": colour * filters.gabor(7, 0.0, 4.0, 1.5),
    "Gabor 45°": colour * filters.gabor(7, np.pi / 4, 4.0, 1.5),
    "colour-opponent": np.stack([filters.gaussian(7, 1.0), -filters.gaussian(7, 2.5), np.zeros((7, 7))]),
}
fits = {name: decompose.best_rank1_tensor(w) for name, w in bank.items()}
for name, fit in fits.items():
    print(f"{name:16s} relative error of the best rank-1 fit: {fit.relative_error:.3f}")
assert fits["Gabor 0°"].relative_error < 1e-10 and fits["random"].relative_error > 0.7
assert [round(fits[name].relative_error, 2) for name in ("random", "Gabor 45°", "colour-opponent")] == [0.89, 0.66, 0.31]

# %% [markdown]
# Four different stories:
#
# - The **0° Gabor** filter is exactly rank 1: its spatial pattern is a product of a row and a column (the stripes follow the grid), and it is the same pattern in every channel. Flattening it loses nothing.
# - The **45° Gabor** filter has a relative error of 0.66: its rank-1 part misses $0.66^2 \approx 44\%$ of the filter's energy (sum of squares). A diagonal pattern is not the product of a row and a column, which is notebook 07's failure, now inside a 3-D filter.
# - The **colour-opponent** filter has a relative error of 0.31 even though each of its channels is a separable Gaussian: the red and green channels have *different* spatial patterns, and a rank-1 filter must use one pattern for all channels.
# - The **random** filter keeps only about a fifth of its energy ($1 - 0.89^2$): one rank-1 term cannot describe 147 independent numbers.
#
# What does that mean for a layer's output?
# Apply the 45° filter and its rank-1 approximation to a photograph and compare the responses.

# %%
# The 45-degree Gabor filter and its rank-1 version applied to an RGB photo
rgb = data.photo(gray=False, size=96).transpose(2, 0, 1)[None]
w45, w45_flat = bank["Gabor 45°"], fits["Gabor 45°"].tensor
resp = functional.conv2d(rgb, w45[None])[0, 0]
resp_flat = functional.conv2d(rgb, w45_flat[None])[0, 0]
out_err = np.linalg.norm(resp - resp_flat) / np.linalg.norm(resp)
assert resp.shape == (90, 90) and round(out_err, 2) == 0.38
print(f"relative error of the layer output on the photo: {out_err:.3f}")

# %%
# Green slice of both filters (red > 0, blue < 0) and their responses on the photo
fig, axes = plt.subplots(1, 4, figsize=(12, 3.3), layout="constrained")
lim = np.abs(w45[1]).max()
panels = [(w45[1], "45° Gabor, green slice", "RdBu_r"), (w45_flat[1], "its best rank-1 version", "RdBu_r"),
          (resp, "response: original", "gray"), (resp_flat, "response: rank-1", "gray")]
for ax, (img, title, cmap) in zip(axes, panels, strict=True):
    ax.imshow(img, cmap=cmap, **({"vmin": -lim, "vmax": lim} if cmap == "RdBu_r" else {}))
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# The rank-1 version of the diagonal filter is an axis-aligned plus sign around a positive (red) centre: it has lost the orientation, which was the whole point of the filter.
# Its response is that of a spot detector; the diagonal texture that dominates the original response is gone, and the output differs by about 38% of its size.
# This is what the paper means by "significant information loss": the singular values (the "eigenvalues" of the article) of learned filters are spread over many terms, and keeping only the first one throws the rest away.
#
# ### Claim 5: training flattened layers directly
#
# The paper's answer is not to approximate a trained network but to *train* the flattened network from the start.
# Gradient descent then only ever looks for filters that are rank 1, and the layers before and after adapt to that constraint: a diagonal detector can be assembled by later layers from several axis-aligned ones, and colour contrasts can be made by the lateral filters of the next layer.
# The paper reports accuracy comparable to the ordinary baseline on the small image-classification datasets it tested, with far fewer parameters, and about a twofold speed-up of the forward pass.
# Reproducing those training runs needs hours and the datasets, so this notebook does not recheck the accuracies; the parameter savings are recomputed above, and the GPU section measures the speed.
#
# ### Errata
#
# > **The source article (section 9, Chinese translation)**
# >
# > 1. The translation says the standard "separator" (分离器) is split into three 1-D "separators". The original means *filters* (过滤器/滤波器): a standard 3-D **filter** is replaced by three 1-D **filters**.
# > 2. It says a rank-1 filter can be split into the "cross product" (交叉乘积) of three 1-D filters. The right operation is the **outer product** (外积, tensor product): $W_{c,i,j} = \ell_c v_i h_j$. A cross product takes two 3-vectors and returns a 3-vector; it cannot build a $C \times k \times k$ block.
# > 3. It describes spatially separable convolution as approximating a spatial filter "by two rank-1 filters". More precisely: a 2-D filter that *is* rank 1 equals the outer product of two 1-D filters (exactly, as Sobel); a filter of higher rank can only be *approximated* by one such product (notebook 07), or written exactly as a sum of several.
# > 4. It credits the lower computational cost to "the significant reduction of learning parameters". Parameters and multiply-adds are different quantities; here both fall by the same factor $C k^2/(C + 2k)$ because every weight of a flattened filter is used once per output pixel, but the saving in time is a saving in multiplications, and the GPU section shows it is smaller still in practice.
# > 5. It presents the flattened layer as a single lateral-vertical-horizontal sequence. The paper's layers chain **two** such L-V-H stages (chosen by cross-validation; a bias after each 1-D pass, no nonlinearity inside a layer), and the "In practice" section below shows that two stages are no longer rank 1.

# %%
# Erratum 2: a cross product of two 3-vectors is a 3-vector; the outer product of three vectors is a 3-D block
assert np.cross(lateral, vertical).shape == (3,)
assert np.einsum("c,i,j->cij", lateral, vertical, horizontal).shape == (3, 3, 3)
# Erratum 4: parameters and multiply-adds fall by the same factor only because of the layer's structure
ratio_p = cost.conv_params(64, 128, 3, bias=False) / cost.flattened_params(64, 128, 3, bias=False)
ratio_m = cost.conv_macs(64, 128, 3, 16) / cost.flattened_macs(64, 128, 3, 16, padding=1)
assert np.isclose(ratio_p, ratio_m) and np.isclose(ratio_p, 64 * 9 / 70)
print(f"weights and multiply-adds both fall {ratio_p:.2f}x (64 -> 128 channels, 3x3)")

# %% [markdown]
# ## Explore
#
# The explorer builds a 3-D kernel from three 1-D filters of your choice and prints the weights of the flattened and of the ordinary filter.
# Things to try: a "first channel only" lateral filter (the kernel lives in one slice), an alternating one (channel differences), a derivative in both directions (a corner detector), and tiny sizes ($C = 1$, $k = 1$), where the flattened form stores *more* numbers than the block.
# First, an impossible setting and a fixed one, checked in code:

# %%
# An impossible choice is explained, not raised: a derivative needs at least two taps
explorer = widgets.flattened_explorer()
bad = explorer.update(kernel_size=1, horizontal="derivative")
assert bad.error is not None and "2 taps" in bad.error
print(bad.error)

# %%
# Drive the explorer headless: 4 channels, 5x5, channel differences of a smoothed horizontal derivative
render = explorer.update(channels=4, kernel_size=5, lateral="alternating ±1", vertical="smoothing (binomial)", horizontal="derivative")
assert render.error is None and "C + 2k = 4 + 2·5 = 14" in render.text and "7.14× fewer" in render.text
print(render.text)

# %% tags=["nbval-ignore-output"]
# The live explorer, starting from the setting above: change the sliders and the three filters
explorer.widget

# %% [markdown]
# ## In practice
#
# PyTorch has no flattened layer, but it is three ordinary convolutions in a row.
# With $C_{\text{out}}$ maps after the first one, the vertical and horizontal passes are depthwise (`groups=C_out`):
#
# ```python
# nn.Sequential(
#     nn.Conv2d(C_in, C_out, 1, bias=False),                                        # lateral
#     nn.Conv2d(C_out, C_out, (k, 1), padding=(p, 0), groups=C_out, bias=False),     # vertical
#     nn.Conv2d(C_out, C_out, (1, k), padding=(0, p), groups=C_out),                 # horizontal
# )
# ```
#
# The cell copies the weights of a `models.FlattenedConv2d` into such a stack and checks that both give the same output.

# %%
# A flattened layer as three nn.Conv2d layers with copied weights: same output
flat = models.FlattenedConv2d(8, 16, 3, padding=1).double()
stack = torch.nn.Sequential(
    torch.nn.Conv2d(8, 16, 1, bias=False), torch.nn.Conv2d(16, 16, (3, 1), padding=(1, 0), groups=16, bias=False),
    torch.nn.Conv2d(16, 16, (1, 3), padding=(0, 1), groups=16),
).double()
with torch.no_grad():
    stack[0].weight.copy_(flat.lateral[:, :, None, None])
    stack[1].weight.copy_(flat.vertical[:, None, :, None])
    stack[2].weight.copy_(flat.horizontal[:, None, None, :])
    stack[2].bias.copy_(flat.bias)
    xb = torch.randn(2, 8, 12, 12, dtype=torch.float64)
    assert torch.allclose(stack(xb), flat(xb), rtol=0, atol=1e-12)
print("three nn.Conv2d layers reproduce FlattenedConv2d:", tuple(stack(xb).shape))

# %% [markdown]
# The paper does not stop at one stage.
# Each of its flattened layers chains two L-V-H stages without a nonlinearity between them, which is still one linear convolution, but no longer a rank-1 one.
# `decompose.compose_conv2d` turns two stacked convolutions into the single kernel they equal (two valid 3×3 stages make a 5×5 kernel), and its best rank-1 fit shows the gap.

# %%
# Two L-V-H stages compose to one 5x5 kernel per filter that is far from rank 1
stage1 = functional.rank1_kernel(np.random.randn(8, 3), np.random.randn(8, 3), np.random.randn(8, 3))
stage2 = functional.rank1_kernel(np.random.randn(8, 8), np.random.randn(8, 3), np.random.randn(8, 3))
two_stage = decompose.compose_conv2d(stage1, stage2)
xs = np.random.randn(1, 3, 9, 9)
assert two_stage.shape == (8, 3, 5, 5) and np.allclose(functional.conv2d(xs, two_stage), functional.conv2d(functional.conv2d(xs, stage1), stage2))
errs = decompose.best_rank1_tensor(two_stage).relative_error
assert errs.min() > 0.05
print(f"best rank-1 fit of the 8 composed filters: relative error {errs.min():.2f} to {errs.max():.2f}")

# %% [markdown]
# Where the idea went next:
#
# - **Low-rank decompositions after training.** Jaderberg et al. (2014) and Lebedev et al. (2015, a CP decomposition into a sum of rank-1 terms) approximate a trained layer with several rank-1 terms and then *fine-tune* the network to recover the lost accuracy, which is the post-training route the flattened paper avoids.
# - **Asymmetric convolutions.** Inception-v3 replaces $n \times n$ convolutions by $n \times 1$ followed by $1 \times n$, with full channel mixing in each step (notebook 07); (2+1)D video networks split space and time the same way (notebook 03).
# - **Depthwise separable convolutions** (notebook 08, MobileNet, Xception) became the standard way to cut cost, rather than flattened layers: they keep a full $k \times k$ spatial kernel for every channel.
#
# ### How 07, 08 and 09 relate
#
# All three write an ordinary kernel $W_{o,c,i,j}$ as a product of smaller pieces; they differ in which indices each piece carries.
# For a 128 → 128 channel layer with 3×3 kernels (no bias):
#
# | lesson | kernel structure | what is shared | weights (formula) | weights here |
# |---|---|---|---|---|
# | 02 standard | $W_{o,c,i,j}$ free | nothing | $C_{\text{out}} C_{\text{in}} k^2$ | 147,456 |
# | 07 spatially separable ($k\times1$ then $1\times k$, all channels) | $\sum_m A_{m,c,i} B_{o,m,j}$ | the spatial split into column and row | $2\, C_{\text{out}} C_{\text{in}} k$ | 98,304 |
# | 08 depthwise separable | $P_{o,c}\, D_{c,i,j}$ | one $k \times k$ kernel per **input** channel, for all outputs | $C_{\text{in}} k^2 + C_{\text{out}} C_{\text{in}}$ | 17,536 |
# | 09 flattened | $L_{o,c}\, V_{o,i}\, H_{o,j}$ | one separable $k \times k$ pattern per **output** channel, for all inputs | $C_{\text{out}} (C_{\text{in}} + 2k)$ | 17,152 |
#
# Depthwise separable and flattened layers cost about the same here, but they restrict different things: a depthwise separable layer lets every input channel have its own (non-separable) spatial kernel and forces each output to combine those same spatial responses; a flattened layer lets every output have its own spatial pattern, but that pattern must be separable and the same across input channels.

# %%
# The table's weight counts from the package's cost functions
c, k = 128, 3
table = {
    "standard": cost.conv_params(c, c, k, bias=False),
    "spatially separable": cost.conv_params(c, c, (k, 1), bias=False) + cost.conv_params(c, c, (1, k), bias=False),
    "depthwise separable": cost.conv_params(c, c, k, groups=c, bias=False) + cost.conv_params(c, c, 1, bias=False),
    "flattened": cost.flattened_params(c, c, k, bias=False),
}
assert list(table.values()) == [147456, 98304, 17536, 17152]
for name, n in table.items():
    print(f"{name:20s} {n:>8,} weights ({n / table['standard']:.1%} of standard)")

# %% [markdown]
# Pitfalls:
#
# - **Memory-bound passes.** The vertical and horizontal passes do only $k$ multiply-adds per value they read and write, so on a GPU they run at memory speed, and the measured speed-up is well below the ratio of multiply-adds (GPU section).
# - **Initialization.** A kernel that is the product of three factors has a variance equal to the product of the three factors' variances; initialize each factor so that the product has the scale an ordinary layer would have, or training starts with vanishing or exploding activations.
# - **No shortcut from a trained model.** Flattening a trained network's filters loses accuracy (claim 4); plan to train the flattened network, or to fine-tune after decomposing.
# - **Expressiveness.** One rank-1 stage cannot represent oriented or colour-opponent filters; that is why the paper chains two stages per layer.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): the rank-1 kernel
#
# Write `my_rank1_kernel(lateral, vertical, horizontal)` that takes arrays of shapes `(C_out, C_in)`, `(C_out, kh)` and `(C_out, kw)` and returns the `(C_out, C_in, kh, kw)` array $W_{o,c,i,j} = L_{o,c} V_{o,i} H_{o,j}$.
# Use one call to `np.einsum`, not the package's `rank1_kernel`; the check compares you with it.
# Hint: name the indices `o`, `c`, `i`, `j` and think about which of them appear in the output.

# %% nbgrader={"grade": false, "grade_id": "l09_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your rank-1 kernel builder
def my_rank1_kernel(lateral, vertical, horizontal):
    ### BEGIN SOLUTION
    return np.einsum("oc,oi,oj->ocij", lateral, vertical, horizontal)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l09_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check my_rank1_kernel against functional.rank1_kernel on several filter banks
exercises.check_rank1_kernel(my_rank1_kernel)
### BEGIN HIDDEN TESTS
assert np.array_equal(my_rank1_kernel(lateral[None], vertical[None], horizontal[None])[0], kernel)
_g = np.random.default_rng(19)
_L, _V, _H = _g.standard_normal((5, 7)), _g.standard_normal((5, 2)), _g.standard_normal((5, 6))
assert np.allclose(my_rank1_kernel(_L, _V, _H), functional.rank1_kernel(_L, _V, _H))
_x = _g.standard_normal((1, 7, 6, 8))
assert np.allclose(functional.conv2d(_x, my_rank1_kernel(_L, _V, _H)), functional.flattened_conv2d(_x, _L, _V, _H))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): weights and multiply-adds
#
# A layer maps a 16×16 feature map with 64 channels to 128 channels with 3×3 kernels, stride 1 and padding 1 (the output is 16×16×128).
# Without running code, predict for one input image and without biases:
#
# - `standard_weights` and `standard_macs`: an ordinary `nn.Conv2d(64, 128, 3, padding=1)`;
# - `flattened_weights` and `flattened_macs`: a flattened layer of the same shape (lateral 1×1, vertical 3×1, horizontal 1×3, padding in the last two).

# %% nbgrader={"grade": false, "grade_id": "l09_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predictions, one int per key
### BEGIN SOLUTION
answers = {
    "standard_weights": 128 * 64 * 3 * 3,
    "flattened_weights": 128 * (64 + 3 + 3),
    "standard_macs": 128 * 64 * 3 * 3 * 16 * 16,
    "flattened_macs": 128 * 16 * 16 * (64 + 3 + 3),
}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l09_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against the package's cost functions
exercises.check_flattened_costs(answers)
### BEGIN HIDDEN TESTS
assert answers["flattened_weights"] == 8960 and answers["flattened_macs"] == 2293760
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): approximate after training, or train flattened?
#
# You have a trained network with ordinary 3×3 convolutions, and you replace every filter by its best rank-1 approximation: the accuracy drops a lot.
# A network with the same architecture, but flattened layers trained from scratch, reaches nearly the accuracy of the original.
# Explain in three to five sentences why both observations can be true at once.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l09_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The trained filters were learned without any rank constraint, so they use it: oriented patterns, channel-specific patterns and random-looking parts put their energy into many rank-1 terms, and keeping only the first one removes a large part of each filter (a relative error of 0.66 for a 45° Gabor filter).
# The rest of the network was tuned to the exact responses of those filters, so every layer now receives inputs it was never trained on, and the errors compound through the layers.
# Training the flattened network from scratch never asks a layer to imitate a particular full-rank filter: gradient descent searches only among rank-1 filters and adjusts all layers together, so later layers learn to combine the rank-1 responses (for example several axis-aligned detectors into a diagonal one, or colour contrasts through the next lateral filters).
# The task only needs some good set of features, not those particular ones, and a deep stack of cheap rank-1 layers (two stages per layer in the paper) can express enough of them.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# `gpu.lesson09` compares, on a GPU, an ordinary 3×3 convolution with a flattened layer of the same shape: a batch of 32 feature maps of 128×56×56, 128 output channels, padding 1, float32 with TF32 off.
# It checks both against float64 CPU results, and checks the flattened layer against one ordinary convolution with its rank-1 kernel.
#
# The prediction from the Cost section: the flattened layer needs $128 \cdot 9 / (128 + 6) \approx 8.6$ times fewer multiply-adds.
# The measurement will show a much smaller speed-up, possibly even a slowdown, for two reasons:
#
# - the vertical and horizontal passes are depthwise 1-D convolutions with about one multiply-add per value read, so they are limited by memory bandwidth, not arithmetic: the report lists their arithmetic intensity in FLOPs per byte, far below the standard convolution's;
# - the three passes write and read two intermediate tensors as large as the output, which the single convolution never materializes, and cuDNN's highly tuned 3×3 kernels reach a large fraction of the GPU's peak while small depthwise kernels do not.
#
# The lateral 1×1 pass alone should get close to its predicted ninefold speed-up, because it is an ordinary matrix product; the report shows the two parts separately.
# The paper's roughly twofold speed-up was measured with its own implementation; how much of a FLOP saving turns into time always depends on the hardware and on how well each kind of pass is implemented.
# Without CUDA the cell prints one line and the rest of the notebook is unaffected.

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("09")

# %% [markdown]
# ## Summary
#
# - A flattened filter is the outer product of three 1-D filters, lateral (channels), vertical and horizontal: $W_{o,c,i,j} = L_{o,c} V_{o,i} H_{o,j}$, a rank-1 tensor.
# - The convolution with it runs as three passes: a 1×1 convolution over the channels, a $k \times 1$ and a $1 \times k$ depthwise convolution; it equals one ordinary convolution with the rank-1 kernel.
# - It stores $C + 2k$ weights per filter instead of $C k^2$, and needs the same factor fewer multiply-adds: $C k^2/(C + 2k)$, which tends to $k^2$ for many channels.
# - Every channel slice of a rank-1 kernel is the same separable pattern, scaled; oriented filters and filters whose channels differ in shape are not rank 1.
# - Flattening a trained filter after the fact loses a lot (relative error 0.66 for a 45° Gabor filter, 0.89 for a random one); the paper trains flattened networks from scratch, with two L-V-H stages per layer.
# - Spatially separable (07), depthwise separable (08) and flattened (09) convolutions all factor the kernel; they differ in which indices each factor keeps.

# %% [markdown]
# ## References
#
# - J. Jin, A. Dundar, E. Culurciello. *Flattened convolutional neural networks for feedforward acceleration*. 2014. [arXiv:1412.5474](https://arxiv.org/abs/1412.5474)
# - M. Jaderberg, A. Vedaldi, A. Zisserman. *Speeding up convolutional neural networks with low rank expansions*. BMVC 2014. [arXiv:1405.3866](https://arxiv.org/abs/1405.3866)
# - V. Lebedev, Y. Ganin, M. Rakhuba, I. Oseledets, V. Lempitsky. *Speeding-up convolutional neural networks using fine-tuned CP-decomposition*. ICLR 2015. [arXiv:1412.6553](https://arxiv.org/abs/1412.6553)
# - E. Denton, W. Zaremba, J. Bruna, Y. LeCun, R. Fergus. *Exploiting linear structure within convolutional networks for efficient evaluation*. NIPS 2014. [arXiv:1404.0736](https://arxiv.org/abs/1404.0736)
# - T. G. Kolda, B. W. Bader. *Tensor decompositions and applications*. SIAM Review 51(3), 2009 (rank-1 tensors, CP decomposition, alternating least squares).
# - C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna. *Rethinking the Inception architecture for computer vision*. 2015. [arXiv:1512.00567](https://arxiv.org/abs/1512.00567)
# - A. G. Howard et al. *MobileNets: Efficient convolutional neural networks for mobile vision applications*. 2017. [arXiv:1704.04861](https://arxiv.org/abs/1704.04861)
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article, section 9).

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | flattened convolution | 扁平化卷积 |
# | lateral filter (over channels) | 横向(通道方向)滤波器 |
# | vertical filter | 垂直滤波器 |
# | horizontal filter | 水平滤波器 |
# | 1-D filter | 一维滤波器 |
# | outer product | 外积 |
# | cross product | 叉积 |
# | rank-1 tensor | 秩一张量 |
# | low-rank approximation | 低秩近似 |
# | CP decomposition | CP 分解 |
# | alternating least squares | 交替最小二乘 |
# | singular value | 奇异值 |
# | separable filter | 可分离滤波器 |
# | depthwise convolution | 深度卷积 |
# | pointwise (1×1) convolution | 逐点卷积 |
# | parameter | 参数 |
# | multiply-add (MAC) | 乘加运算 |
# | memory-bound | 访存受限 |
# | fine-tuning | 微调 |
# | feedforward pass | 前向传播 |
