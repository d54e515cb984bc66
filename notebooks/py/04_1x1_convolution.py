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
# # 04 · 1x1 convolution · 1x1 卷积
#
# [← 03 · 3D convolution](03_3d_convolution.ipynb) · [05 · Transposed convolution →](05_transposed_convolution.ipynb)
#
# A kernel of size 1×1 sounds like a joke.
# On a grey image it multiplies every pixel by one number, which is just a change of brightness.
# Yet 1×1 convolutions are everywhere in modern networks: GoogLeNet, ResNet, MobileNet and ShuffleNet all spend a large share of their arithmetic in them.
# The joke works only on one channel.
# As soon as the input has many channels, a 1×1 filter reads all of them at one pixel and mixes them, so a 1×1 layer is a small fully connected layer applied at every pixel.
# This notebook makes that statement exact, uses it to shrink the cost of an Inception module by almost ten times, and shows why the same layer can be slow or fast on a GPU depending on its shape.

# %% [markdown]
# ## Learning objectives
#
# After this notebook you can:
#
# 1. explain why a 1×1 convolution on a multi-channel input is a fully connected layer applied at every pixel, and check it three ways (`conv2d`, `np.einsum`, `nn.Linear`);
# 2. compute a 1×1 convolution by hand on a tiny integer example, as a matrix $W$ times the column of channel values at each pixel;
# 3. count its parameters and multiply-adds, and compute exactly how much a 1×1 "bottleneck" saves in front of a 5×5 convolution (the Inception example);
# 4. say why a 1×1 layer followed by a nonlinearity adds depth cheaply, and why two 1×1 layers without one collapse into a single layer;
# 5. predict whether a 1×1 layer is limited by memory traffic or by arithmetic on a GPU, from its arithmetic intensity.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: multi-channel 2D convolution; a filter is as deep as its input, one filter gives one output channel, and the cost is $C_{\text{out}} \cdot H' W' \cdot C_{\text{in}} k^2$ multiply-adds.
# - Matrix-vector products in numpy (`W @ v`), `reshape`, and `np.einsum` at the level of "sum over the repeated letter".
# - A little PyTorch: `nn.Conv2d`, `nn.Linear`, tensors laid out as `(N, C, H, W)`.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convlessons import cost, exercises, functional, gpu, models, naive, plotting, widgets

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Start with the case that looks useless: one channel, one 1×1 kernel holding the number 3.
# The window is a single pixel, so each output pixel is the input pixel times 3.
# No neighbour is ever looked at, and the picture is only rescaled.

# %%
# One channel, one 1x1 kernel: every pixel is just multiplied by the kernel's single weight
x1 = np.array([[[[1.0, 2.0, 0.0], [4.0, 1.0, 3.0]]]])  # (N, C, H, W) = (1, 1, 2, 3)
y1 = functional.conv2d(x1, np.array([[[[3.0]]]]))
assert np.array_equal(y1, 3 * x1)
print(y1[0, 0])

# %% [markdown]
# Now give the input several channels, say 6.
# A filter must be as deep as its input (notebook 02), so the 1×1 filter is really 1×1×6: a thin rod of six weights.
# Placed on one pixel, it meets the six channel values of that pixel, multiplies them pairwise with its six weights and adds the products.
# That is a dot product between the pixel's channel vector and the filter, and it gives one number: one output channel.
# The rod then moves to the next pixel and does the same, with the same six weights.
# The figure draws tensors as blocks whose depth is the channel axis.

# %%
# A 5x5x6 input and one 1x1x6 filter give one 5x5 output channel
_ = plotting.tensor_blocks([(6, 5, 5), (1, 6, 1, 1), (1, 5, 5)],
                           labels=["input", "one 1×1 filter", "output"], ops=["*", "="])
plt.show()

# %% [markdown]
# A layer has many such filters.
# With 8 filters on a 32-channel input, each pixel's 32 numbers are turned into 8 new numbers, and the height and width do not change at all.
# Only the channel dimension changes: here it collapses from 32 to 8.
# That is the first thing 1×1 convolutions are used for, to make a tensor thinner (or thicker) without touching its spatial layout.

# %%
# Eight 1x1x32 filters squeeze 6x6x32 down to 6x6x8: the depth collapses, H and W stay
_ = plotting.tensor_blocks(
    [(32, 6, 6), (8, 32, 1, 1), (8, 6, 6)], labels=["input", "8 filters 1×1×32", "output"],
    ops=["*", "="], groups=[None, None, list(range(8))],
)
plt.show()

# %% [markdown]
# Each filter's colour matches the output channel it writes: filter $o$ makes channel $o$ (four of the eight filters are drawn).
# Another way to read the picture: at every pixel, the same small fully connected layer turns a vector of 32 numbers into a vector of 8.
# Lin, Chen and Yan's *Network in Network* (2013) described exactly this as "cross-channel parametric pooling", and pointed out that it is a 1×1 convolution.

# %% [markdown]
# ## Definition
#
# Let the input $x$ have $C_{\text{in}}$ channels of size $H \times W$, and let the layer have a weight matrix $W$ of shape $C_{\text{out}} \times C_{\text{in}}$ and a bias vector $\beta$ of length $C_{\text{out}}$.
# With stride 1 and no padding, the output has $C_{\text{out}}$ channels of the same size $H \times W$, and
#
# $$
# y_{o,h,w} \;=\; \beta_o + \sum_{c=0}^{C_{\text{in}}-1} W_{o,c}\; x_{c,h,w}.
# $$
#
# Compare it with the general formula of notebook 02: the sums over kernel rows and columns have disappeared, because the kernel has one row and one column.
# What is left is a sum over channels only.
# For a fixed pixel $(h, w)$, collect the channel values into a column vector $x_{:,h,w}$ of length $C_{\text{in}}$; then
#
# $$
# y_{:,h,w} \;=\; W\, x_{:,h,w} + \beta ,
# $$
#
# an ordinary matrix-vector product, with the **same** $W$ at every pixel.
# Stacking all $HW$ pixel columns side by side into a matrix $X$ of shape $C_{\text{in}} \times HW$ turns the whole layer into one matrix product, $Y = W X + \beta$.
# In PyTorch the weight has shape `(C_out, C_in, 1, 1)`: the matrix $W$ with two extra axes of length one.
#
# Two details follow from the formula.
# Padding a 1×1 convolution only adds border pixels whose value is the bias, since the window never sees a real neighbour.
# A stride $s$ skips pixels: a 1×1 convolution with stride 2 is "keep every second row and column, then mix channels".

# %% [markdown]
# ### A tiny example you can check by hand
#
# Take an input with 2 channels of 2×2 and a layer with 3 filters.
# Write the four pixels as the four columns of a 2×4 matrix $X$ (top-left, top-right, bottom-left, bottom-right).
# The 3×2 weight matrix times $X$ gives the 3×4 matrix $Y$: three output channels, each with four pixels.

# %%
# 2 channels of 2x2 and 3 filters of 1x1x2, with small integers
x = np.array([[[1, 2], [3, 0]],
              [[0, 1], [2, 1]]], dtype=float)[None]   # (1, 2, 2, 2)
W = np.array([[1, 1],
              [2, -1],
              [0, 3]], dtype=float)                   # (C_out, C_in) = (3, 2)
X = x[0].reshape(2, 4)                                # pixels as columns
Y = W @ X
assert np.array_equal(Y[:, 2], [5, 4, 6])             # pixel (1, 0): W @ [3, 2]
print("X (channels x pixels):\n", X, "\nY = W @ X:\n", Y)

# %% [markdown]
# Check the third column by hand: the bottom-left pixel has channel values $(3, 2)$; the three filters give $1\cdot3 + 1\cdot2 = 5$, $2\cdot3 - 1\cdot2 = 4$ and $0\cdot3 + 3\cdot2 = 6$.
# The figure shows the same product; the red boxes mark that pixel's column in $X$ and in $Y$.

# %%
# The product Y = W X, with the bottom-left pixel's column highlighted in X and Y
fig, axes = plt.subplots(1, 3, figsize=(10.5, 2.8),
                         gridspec_kw={"width_ratios": [2, 4, 4], "wspace": 0.3})
_ = plotting.grid(W, axes[0], title="W (3 filters × 2 channels)", cmap="Oranges")
_ = plotting.grid(X, axes[1], title="X: one column per pixel", highlight=(0, 2, 2, 1))
_ = plotting.grid(Y, axes[2], title="Y = W X", cmap="Greens", highlight=(0, 2, 3, 1))
_ = plotting.place_ops(fig, [(axes[0], axes[1], "×"), (axes[1], axes[2], "=")])
plt.show()

# %% [markdown]
# Reshape $Y$ back to 3 channels of 2×2 and you have the convolution's output.
# The package's vectorized `conv2d` and PyTorch agree to the last digit, because small integers add without rounding.

# %%
# The same example as a convolution: functional.conv2d and torch give Y reshaped to (3, 2, 2)
y_conv = functional.conv2d(x, W[:, :, None, None])
y_torch = F.conv2d(torch.from_numpy(x), torch.from_numpy(W)[:, :, None, None]).numpy()
assert y_conv.shape == (1, 3, 2, 2)
assert np.array_equal(y_conv[0], Y.reshape(3, 2, 2)) and np.array_equal(y_torch, y_conv)
print(y_conv[0])

# %% [markdown]
# ## Implementation
#
# Four ways to compute the same layer, from the most literal to the most practical:
#
# - `naive.conv2d`: the loop version of notebook 02 with a 1×1 kernel; the loops over kernel rows and columns run once each;
# - `np.einsum("oc,nchw->nohw", W, x)`: "for every image $n$, output channel $o$ and pixel $(h, w)$, sum $W_{o,c}\,x_{n,c,h,w}$ over $c$", which is the definition written as a string;
# - a batched matrix product: view each image as the $C_{\text{in}} \times HW$ matrix $X$ and compute $W X$ (the reshape is free, since NCHW memory already stores each channel's pixels together);
# - `nn.Linear(C_in, C_out)` applied to every pixel: move the channel axis last, `(N, H, W, C_in)`, so that each pixel is a row vector, apply the linear layer, and move the axis back.
#
# All four are compared with `torch.nn.functional.conv2d` on a random float64 batch.

# %%
# A random batch of 2 images with 5 channels of 4x6, and a 1x1 layer from 5 to 3 channels
xr = np.random.randn(2, 5, 4, 6)
wr = np.random.randn(3, 5, 1, 1)
br = np.random.randn(3)
ref = F.conv2d(torch.from_numpy(xr), torch.from_numpy(wr), torch.from_numpy(br)).numpy()
linear = nn.Linear(5, 3).double()
with torch.no_grad():  # the linear layer gets the conv's weights: the (3, 5) matrix and the bias
    linear.weight.copy_(torch.from_numpy(wr[:, :, 0, 0]))
    linear.bias.copy_(torch.from_numpy(br))

# %% tags=["nbval-ignore-output"]
# Loop, einsum, matmul and nn.Linear-per-pixel versus torch's conv2d; max error printed
with torch.no_grad():
    per_pixel = linear(torch.from_numpy(xr).permute(0, 2, 3, 1)).permute(0, 3, 1, 2).numpy()
results = {
    "naive.conv2d": naive.conv2d(xr, wr, br),
    "np.einsum": np.einsum("oc,nchw->nohw", wr[:, :, 0, 0], xr) + br[:, None, None],
    "matmul W @ X": (wr[:, :, 0, 0] @ xr.reshape(2, 5, 24) + br[:, None]).reshape(2, 3, 4, 6),
    "nn.Linear per pixel": per_pixel,
}
for name, out in results.items():
    err = np.abs(out - ref).max()
    assert out.shape == ref.shape == (2, 3, 4, 6) and err < 1e-12
    print(f"{name:20s} shape {out.shape}, max |error| vs torch conv2d = {err:.1e}")

# %% [markdown]
# The errors are at the level of float64 rounding, so the four computations are the same function; they only add the products in different orders.
# (The last digits can vary between machines, which is why this cell's output is not compared by the notebook tests; the `assert` still runs.)
#
# The `nn.Linear` line is the precise meaning of "a fully connected layer applied at every pixel": one `Linear(5, 3)` with 15 weights and 3 biases, shared by all $4 \times 6 = 24$ pixels of both images.
#
# Stride works as the definition says: a 1×1 convolution with stride 2 equals subsampling first, then the 1×1 convolution with stride 1.

# %%
# Stride 2 with a 1x1 kernel = keep every second row and column, then mix the channels
strided = functional.conv2d(xr, wr, br, stride=2)
subsampled_then_mixed = functional.conv2d(xr[:, :, ::2, ::2], wr, br)
assert strided.shape == (2, 3, 2, 3) and np.allclose(strided, subsampled_then_mixed, rtol=0, atol=1e-12)
print("stride-2 output", strided.shape, "== 1x1 conv of x[:, :, ::2, ::2]")

# %% [markdown]
# ## Cost
#
# ### Parameters and multiply-adds of one 1×1 layer
#
# The weight matrix has $C_{\text{out}} C_{\text{in}}$ entries and there is one bias per output channel, so
#
# $$
# \text{params} = C_{\text{in}} C_{\text{out}} + C_{\text{out}} .
# $$
#
# Every output value is a dot product of length $C_{\text{in}}$, and there are $C_{\text{out}} H' W'$ output values, so one image costs
#
# $$
# \text{MACs} = H' W' \cdot C_{\text{out}} \cdot C_{\text{in}}
# $$
#
# multiply-adds (bias additions not counted).
# A $k \times k$ convolution with the same channels costs exactly $k^2$ times as much: 9 times for 3×3, 25 times for 5×5.
# The cell counts the multiplications the loop code performs on the random batch above and compares them with the formula and with PyTorch's counter.

# %%
# Multiply-adds of the 5 -> 3 layer on one 4x6 image: loop count, formula, torch's count
counter = naive.MultiplicationCounter()
_ = naive.conv2d(xr[:1], wr, br, counter=counter)
formula = 4 * 6 * 3 * 5  # H' * W' * C_out * C_in
layer = nn.Conv2d(5, 3, kernel_size=1)
assert counter.count == formula == cost.conv_macs(5, 3, 1, (4, 6)) == cost.count_macs(layer, (1, 5, 4, 6))
assert cost.count_params(layer) == cost.conv_params(5, 3, 1) == 5 * 3 + 3 == 18
print(f"4·6·3·5 = {formula} multiply-adds; the loop performed {counter.count}; 18 parameters")

# %% [markdown]
# ### Dimensionality reduction: the Inception bottleneck
#
# GoogLeNet (Szegedy et al., 2014) runs several convolutions side by side on the same input and concatenates their outputs.
# Its first Inception module receives a 28×28 feature map with 192 channels, and one of its branches makes 32 channels with 5×5 filters ("same" padding, so the output is 28×28 too).
# Done directly, each of the $28 \cdot 28 \cdot 32$ output values is a dot product of length $5 \cdot 5 \cdot 192 = 4{,}800$.
# The paper's trick: first squeeze the 192 channels down to 16 with a 1×1 convolution, then run the 5×5 convolution on the thin 16-channel tensor.
# The picture shows both paths, each block labelled with its size.

# %%
# The two paths of GoogLeNet's 5x5 branch: direct, and through a 16-channel 1x1 bottleneck
fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6.4))
_ = plotting.tensor_blocks([(192, 28, 28), (32, 192, 5, 5), (32, 28, 28)],
                           ["input", "32 filters 5×5×192", "output"], ax=top, ops=["*", "="])
_ = plotting.tensor_blocks(
    [(192, 28, 28), (16, 192, 1, 1), (16, 28, 28), (32, 16, 5, 5), (32, 28, 28)],
    ["input", "16 filters 1×1×192", "bottleneck", "32 filters 5×5×16", "output"], ax=bottom,
    ops=["*", "=", "*", "="], colors=[plotting.BLOCK_COLORS[i] for i in (0, 1, 3, 1, 2)],
)
top.set_title("direct 5×5 convolution", pad=14)
bottom.set_title("1×1 bottleneck to 16 channels, then 5×5", pad=14)
plt.show()

# %% [markdown]
# The direct path costs $28 \cdot 28 \cdot 32 \cdot 5 \cdot 5 \cdot 192$ multiply-adds.
# The bottleneck path costs $28 \cdot 28 \cdot 16 \cdot 192$ for the 1×1 layer plus $28 \cdot 28 \cdot 32 \cdot 5 \cdot 5 \cdot 16$ for the 5×5 layer.
# The next cell computes both twice, from the formula (`cost.conv_macs`, `cost.bottleneck_cost`) and by running the real PyTorch modules under PyTorch's FLOP counter (`cost.count_macs`), without biases.

# %%
# Exact multiply-adds of both paths: formula and torch count must agree
direct = nn.Conv2d(192, 32, kernel_size=5, padding=2, bias=False)
branch = models.bottleneck_branch(192, 16, 32, 5)   # 1x1 to 16, ReLU, 5x5 to 32, no bias
inception = cost.bottleneck_cost(192, 16, 32, 5, 28)
assert inception.direct_macs == cost.conv_macs(192, 32, 5, 28) == cost.count_macs(direct, (1, 192, 28, 28)) == 120_422_400
assert inception.reduce_macs == cost.conv_macs(192, 16, 1, 28) == 2_408_448
assert inception.conv_macs == cost.conv_macs(16, 32, 5, 28) == 10_035_200
assert inception.bottleneck_macs == cost.count_macs(branch, (1, 192, 28, 28)) == 12_443_648
print(f"direct 5x5:      {inception.direct_macs:>12,} multiply-adds")
print(f"1x1 to 16:       {inception.reduce_macs:>12,}\n5x5 from 16:     {inception.conv_macs:>12,}")
print(f"bottleneck path: {inception.bottleneck_macs:>12,}  ({inception.mac_ratio:.2f}x fewer)")

# %% [markdown]
# The bottleneck path needs 12.4 million multiply-adds instead of 120.4 million, 9.68 times fewer.
# The parameters shrink by the same factor, because every layer here works on a 28×28 map, so multiply-adds are just parameters times 784:

# %%
# Parameters (weights only) of both paths, from the formula and from the modules
assert inception.direct_params == cost.count_params(direct) == 32 * 5 * 5 * 192 == 153_600
assert inception.bottleneck_params == cost.count_params(branch) == 16 * 192 + 32 * 5 * 5 * 16 == 15_872
assert inception.direct_macs == 28 * 28 * inception.direct_params
print(f"parameters: direct {inception.direct_params:,}, bottleneck {inception.bottleneck_params:,}"
      f" ({inception.direct_params / inception.bottleneck_params:.2f}x fewer)")

# %% [markdown]
# Is the bottleneck always cheaper?
# No: the 1×1 layer has a cost of its own, $HW \cdot b \cdot C_{\text{in}}$ for a bottleneck of width $b$, and the 5×5 layer's cost grows with $b$ too.
# The plot sweeps $b$ from 1 to 192 for this branch.
# The two costs meet where $b\,(C_{\text{in}} + 25\, C_{\text{out}}) = 25\, C_{\text{out}} C_{\text{in}}$, at $b \approx 155$; any bottleneck narrower than that saves work, and the narrower, the more it saves (and the more information it may throw away).

# %%
# Multiply-adds of the bottleneck path vs its width b; the direct 5x5 cost as a reference line
widths = np.arange(1, 193)
path = np.array([cost.bottleneck_cost(192, int(b), 32, 5, 28).bottleneck_macs for b in widths])
cheaper = widths[path < inception.direct_macs]
assert cheaper.max() == 154 and path[15] == inception.bottleneck_macs  # b = 16 is index 15
shown = slice(7, None, 8)  # every 8th width (b = 8, 16, ...) keeps the markers readable
curves = {"1×1 to b, then 5×5": path[shown] / 1e6,
          "direct 5×5": np.full(widths[shown].shape, inception.direct_macs / 1e6)}
ax = plotting.cost_curves(widths[shown], curves, xlabel="bottleneck width b (channels)",
                          ylabel="millions of multiply-adds",
                          title="GoogLeNet's 5×5 branch on a 28×28×192 input")
ax.axvline(16, color="grey", linestyle=":")
ax.text(18, 135, "b = 16 (GoogLeNet)", color="grey")
plt.show()
print(f"the bottleneck path is cheaper for every b up to {cheaper.max()}; GoogLeNet uses b = 16")

# %% [markdown]
# ### A nonlinearity adds depth cheaply
#
# The bottleneck branch puts a ReLU between the 1×1 and the 5×5 layers, and that is not a detail.
# Without a nonlinearity, two linear layers in a row are one linear layer.
# For 1×1 convolutions this is plain matrix algebra: applying $W_1$ and then $W_2$ at every pixel is applying the product $W_2 W_1$ at every pixel.
# Two stacked 1×1 layers without an activation are therefore one 1×1 layer in disguise, and can never compute anything a single layer cannot.

# %%
# Two 1x1 layers without an activation equal one 1x1 layer with weight W2 @ W1; with ReLU they do not
w1, w2 = np.random.randn(4, 5), np.random.randn(3, 4)
two_linear = functional.conv2d(functional.conv2d(xr, w1[:, :, None, None]), w2[:, :, None, None])
one_layer = functional.conv2d(xr, (w2 @ w1)[:, :, None, None])
with_relu = functional.conv2d(np.maximum(functional.conv2d(xr, w1[:, :, None, None]), 0), w2[:, :, None, None])
assert np.allclose(two_linear, one_layer, rtol=0, atol=1e-12)
assert np.abs(with_relu - one_layer).max() > 0.5
print("without ReLU: two 1x1 layers == one 1x1 layer with W2 @ W1; with ReLU: different")

# %% [markdown]
# With a ReLU in between, the stack is a small two-layer neural network applied at every pixel, which is the "micro network" *Network in Network* is named after.
# Each such layer is also cheap compared with a spatial convolution, because it has no $k^2$ factor.
# With 256 channels, three 1×1 layers with ReLUs cost a third of the parameters of a single 3×3 layer:

# %%
# Parameters: one 3x3 layer (256 -> 256) vs three 1x1 + ReLU layers (256 -> 256 each)
conv3x3 = nn.Conv2d(256, 256, kernel_size=3, padding=1)
mlp1x1 = nn.Sequential(*[m for _ in range(3) for m in (nn.Conv2d(256, 256, 1), nn.ReLU())])
p3, p1 = cost.count_params(conv3x3), cost.count_params(mlp1x1)
assert p3 == cost.conv_params(256, 256, 3) == 590_080 and p1 == 3 * cost.conv_params(256, 256, 1) == 197_376
print(f"one 3x3 layer: {p3:,} parameters; three 1x1+ReLU layers: {p1:,} ({p3 / p1:.2f}x fewer)")

# %% [markdown]
# The 1×1 stack does not replace the 3×3 layer: it never looks at a neighbouring pixel, so it cannot detect an edge or a texture.
# The two kinds of layer do different jobs.
# Spatial convolutions gather information across neighbouring pixels; 1×1 layers recombine the channels at each pixel and, with their activations, make that recombination nonlinear.
# Networks interleave them, and the 1×1 layers buy extra depth and nonlinearity for little cost.

# %% [markdown]
# ## Claim check
#
# The numbers this lesson's curriculum and its sources state, each recomputed and asserted:
#
# - a 1×1 convolution equals a fully connected layer applied at every pixel (checked above with `np.einsum`, a matrix product and `nn.Linear`);
# - the Inception example: direct $28 \cdot 28 \cdot 32 \cdot 5 \cdot 5 \cdot 192 = 120{,}422{,}400$ multiply-adds; with the 16-channel bottleneck $2{,}408{,}448 + 10{,}035{,}200 = 12{,}443{,}648$, "about 10 times fewer";
# - GoogLeNet's Table 1 lists the whole first Inception module, "inception (3a)", with 159K parameters and 128M operations;
# - the source article's depthwise-separable section counts the 1×1 step of its example as $128 \cdot 1 \cdot 1 \cdot 3 \cdot 5 \cdot 5 = 9{,}600$ multiplications.

# %%
# The Inception numbers, and "about 10x"
assert cost.conv_macs(192, 32, 5, 28) == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
assert cost.conv_macs(192, 16, 1, 28) + cost.conv_macs(16, 32, 5, 28) == 2_408_448 + 10_035_200 == 12_443_648
assert round(inception.mac_ratio, 2) == 9.68 and round(inception.mac_ratio) == 10
print(f"direct / bottleneck = {inception.mac_ratio:.4f}")

# %% [markdown]
# The full first Inception module of GoogLeNet has four branches: a 1×1 convolution to 64 channels, a 1×1 reduction to 96 followed by a 3×3 to 128, a 1×1 reduction to 16 followed by a 5×5 to 32, and a 3×3 max-pool followed by a 1×1 projection to 32.
# `models.Inception` builds it from the channel numbers of the paper's Table 1; the cell counts its weights and multiply-adds on a 28×28×192 input.

# %%
# GoogLeNet inception (3a) from Table 1: count weights and multiply-adds, compare with "159K" and "128M"
paper = models.GOOGLENET_PAPER["inception (3a)"]
module = models.Inception(192, **paper["channels"], bias=False)
params, macs = cost.count_params(module), cost.count_macs(module, (1, *paper["input"]))
by_type = cost.macs_by_layer_type(module, (1, *paper["input"]))
assert module.out_channels == paper["output_channels"] == 256
assert params == 163_328 and macs == 128_049_152 and round(macs / 1e6) == paper["ops_millions"] == 128
assert int(params / 1024) == paper["params_k"] == 159
assert round(100 * by_type["conv (pointwise 1x1)"] / macs, 1) == 24.5
print(f"weights {params:,} (= {params / 1024:.1f} x 1024), multiply-adds {macs:,}")
print(f"share of the multiply-adds in 1x1 convolutions: {by_type['conv (pointwise 1x1)'] / macs:.1%}")

# %% [markdown]
# The operations match the table: 128.0 million multiply-adds.
# The parameter count matches only with a twist: the module has 163,328 weights, which is 159.5 thousands of 1,024 but 163 thousands of 1,000.
# The paper does not say which it means; the multiply-adds leave no doubt that the architecture is the same.
# A quarter of the module's arithmetic (24.5%) runs in its four 1×1 convolutions, which also hold all of its channel reductions.
#
# Finally the source article, which treats 1×1 convolutions as the second step of a depthwise separable convolution: a 7×7×3 input, a depthwise step that gives 5×5×3, then 128 filters that expand it to 5×5×128.

# %%
# The article's pointwise step: 128 filters of size 1x1x3 on a 5x5x3 map -> 9,600 multiply-adds
pointwise = nn.Conv2d(3, 128, kernel_size=1, bias=False)
assert tuple(pointwise.weight.shape) == (128, 3, 1, 1)  # 128 filters of 1x1x3, not 3x3x3
assert cost.count_macs(pointwise, (1, 3, 5, 5)) == cost.conv_macs(3, 128, 1, 5) == 128 * 1 * 1 * 3 * 5 * 5 == 9_600
assert cost.conv_macs(3, 128, 3, 5) == 86_400  # what 128 filters of 3x3x3 would cost instead
print(f"pointwise step: weight {tuple(pointwise.weight.shape)} -> {cost.conv_macs(3, 128, 1, 5):,} multiply-adds")

# %% [markdown]
# ### Errata
#
# > 1. **The source article, depthwise separable section.** When it counts the multiplications of the 1×1 step, it says that 128 kernels of size **3×3×3** move 5×5 times.
# >    They are 128 kernels of size **1×1×3** (as the article itself says a paragraph earlier); its product $128 \cdot 1 \cdot 1 \cdot 3 \cdot 5 \cdot 5 = 9{,}600$ is right, and 3×3×3 kernels would cost 86,400.
# >    Notebook 08 returns to this example.
# > 2. **"A 1×1 convolution does nothing but scale the image."** True for a single channel only (first cell of the Intuition).
# >    With $C_{\text{in}}$ channels it is a learned $C_{\text{out}} \times C_{\text{in}}$ matrix at every pixel.
# > 3. **"The bottleneck makes the branch 10 times cheaper."** For GoogLeNet's numbers the factor is 9.68, and it is not a property of 1×1 convolutions: it depends on the width $b$.
# >    Past $b = 154$ the same construction is *more* expensive than the direct 5×5 convolution.
# > 4. **GoogLeNet's "159K" parameters for inception (3a)** match our count of 163,328 weights only if K means 1,024; in thousands of 1,000 the module has 163K weights.
# >    Its "128M" operations match exactly.

# %% [markdown]
# ## Explore
#
# The explorer draws both paths for any input channels $C_{\text{in}}$, output channels $C_{\text{out}}$, spatial size, bottleneck width $b$ and kernel size $k$, and prints parameters and multiply-adds.
# Try to find, for a given $C_{\text{in}}$ and $C_{\text{out}}$, the width where the bottleneck stops paying off, and watch what happens to the ratio when you make $k$ smaller: with a 1×1 second layer, there is almost nothing left to save.
# First, two settings checked in code.

# %%
# Drive the explorer headless: GoogLeNet's setting, then a bottleneck that is too wide
explorer = widgets.pointwise_explorer()
render = explorer.update(in_channels=192, out_channels=32, size=28, bottleneck=16, kernel_size=5)
assert render.error is None and "12,443,648" in render.text and "9.68×" in render.text
print(render.text)
wide = explorer.update(bottleneck=160)
assert "costs MORE" in wide.text
print(wide.text.splitlines()[-1])

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(in_channels=192, out_channels=32, size=28, bottleneck=16, kernel_size=5)
explorer.widget

# %% [markdown]
# This lesson has no sliding-window animation, on purpose: the window of a 1×1 convolution is a single pixel, so its motion across the image shows nothing new.
# Everything interesting happens along the channel axis, at one pixel at a time, which is what the matrix picture in the Definition shows.

# %% [markdown]
# ## In practice
#
# In PyTorch a 1×1 convolution is `nn.Conv2d(in_channels, out_channels, kernel_size=1)`; its weight has shape `(out_channels, in_channels, 1, 1)`.
# `nn.Linear(in_channels, out_channels)` holds the same numbers as a `(out_channels, in_channels)` matrix, so you can move weights between the two with a reshape, as the Implementation section did.
# The convolution form is the convenient one inside a CNN, because it accepts `(N, C, H, W)` tensors directly, supports stride and groups, and lets the libraries pick a fast algorithm.
#
# Where you meet it:
#
# - **Network in Network** (Lin et al., 2013): stacks of 1×1 convolutions with ReLUs after each spatial convolution, the "mlpconv" layer.
# - **GoogLeNet / Inception** (Szegedy et al., 2014): 1×1 reductions before the 3×3 and 5×5 convolutions and after the pooling, as above.
# - **ResNet bottleneck blocks** (He et al., 2015): 1×1 from 256 to 64 channels, 3×3 at 64 channels, 1×1 back to 256; and 1×1 convolutions with stride 2 on the shortcut where the shape changes.
# - **SqueezeNet** (Iandola et al., 2016): "squeeze" layers of 1×1 filters before the "expand" layers.
# - **MobileNet and ShuffleNet** (notebooks 08 and 12): every depthwise convolution is followed by a 1×1 "pointwise" convolution, and those pointwise layers carry most of the cost; MobileNet's paper reports 94.86% of its multiply-adds in 1×1 convolutions.
#
# The ResNet bottleneck block shows the same saving as Inception, at 56×56 with 256 channels:

# %%
# ResNet-50 bottleneck (1x1 256->64, 3x3 64->64, 1x1 64->256) vs two 3x3 layers at 256 channels
bottleneck_block = nn.Sequential(
    nn.Conv2d(256, 64, 1, bias=False), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1, bias=False),
    nn.ReLU(), nn.Conv2d(64, 256, 1, bias=False),
)
plain_block = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1, bias=False), nn.ReLU(),
                            nn.Conv2d(256, 256, 3, padding=1, bias=False))
pb, pp = cost.count_params(bottleneck_block), cost.count_params(plain_block)
# (and the MobileNet share quoted above is the paper's number stored in the package)
assert pb == 256 * 64 + 64 * 64 * 9 + 64 * 256 == 69_632 and pp == 2 * 256 * 256 * 9 == 1_179_648
assert models.MOBILENET_V1_PAPER["layer_type_percent"]["conv (pointwise 1x1)"]["mult_adds"] == 94.86
print(f"bottleneck block {pb:,} weights vs two 3x3 layers {pp:,} ({pp / pb:.1f}x); "
      f"multiply-adds at 56x56: {56 * 56 * pb:,} vs {56 * 56 * pp:,}")

# %% [markdown]
# Pitfalls:
#
# - **A 1×1 convolution with stride 2 throws pixels away.** It reads only every second row and column, so three quarters of the input never influence the output.
#   ResNet's downsampling shortcut does this; the "ResNet-D" variant (He et al., *Bag of Tricks*, 2018) average-pools first so every pixel contributes.
# - **Bias before batch norm is wasted.** A 1×1 layer followed by `BatchNorm2d` does not need `bias=True`: batch norm subtracts the mean anyway.
#   Most architectures set `bias=False`, as the cells above did.
# - **Cheap in FLOPs is not the same as fast.** With few channels a 1×1 convolution does very little arithmetic per byte it reads, and its speed is set by memory bandwidth, not by the multiply-add count (see the GPU section).
# - **Memory layout matters.** Stored as NCHW, each image already is the $C_{\text{in}} \times HW$ matrix; stored channels-last (NHWC, `torch.channels_last`), it already is the $HW \times C_{\text{in}}$ matrix of `nn.Linear`.
#   Both are matrix products without a copy, which is why libraries like channels-last for networks full of 1×1 convolutions on GPUs with tensor cores.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): a 1×1 convolution with bias and stride
#
# Write `conv1x1(x, weight, bias=None, stride=1)` for a numpy input `x` of shape `(N, C_in, H, W)`, a weight of shape `(C_out, C_in, 1, 1)` (PyTorch's layout), an optional bias of shape `(C_out,)` and an int stride used on both axes.
# Return the `(N, C_out, H', W')` numpy array.
# Use `np.einsum` or a matrix product, not the package's or PyTorch's convolution: the check compares you with `functional.conv2d`.
# Hint: with a 1×1 kernel, stride is subsampling, and the output size is $\lceil H / s \rceil$.

# %% nbgrader={"grade": false, "grade_id": "l04_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation of a 1x1 convolution
def conv1x1(x, weight, bias=None, stride=1):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)[:, :, ::stride, ::stride]
    out = np.einsum("oc,nchw->nohw", np.asarray(weight, dtype=float)[:, :, 0, 0], x)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l04_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check conv1x1 against functional.conv2d on several cases
exercises.check_conv1x1(conv1x1)
### BEGIN HIDDEN TESTS
assert np.array_equal(conv1x1(x, W[:, :, None, None]), Y.reshape(1, 3, 2, 2))
_xh = np.random.default_rng(11).standard_normal((2, 7, 9, 5))
_wh = np.random.default_rng(12).standard_normal((4, 7, 1, 1))
_bh = np.random.default_rng(13).standard_normal(4)
assert np.allclose(conv1x1(_xh, _wh, _bh, 4), functional.conv2d(_xh, _wh, _bh, stride=4))
assert conv1x1(_xh, _wh, None, 2).shape == (2, 4, 5, 3)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): the cost of another Inception branch
#
# GoogLeNet's module "inception (4a)" receives a 14×14 map with 480 channels.
# Its 5×5 branch makes 48 channels, after a 1×1 reduction to 16 channels ("same" padding, stride 1).
# Predict, **without running code**, the weights (no biases) and the multiply-adds for one image of:
#
# - `direct_params`, `direct_macs`: a 5×5 convolution from 480 straight to 48 channels;
# - `bottleneck_params`, `bottleneck_macs`: the 1×1 convolution to 16 channels plus the 5×5 convolution from 16 to 48 channels, together.
#
# Write your numbers as plain ints (you may write them as products, like `14 * 14 * 48`).

# %% nbgrader={"grade": false, "grade_id": "l04_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predictions for the inception (4a) 5x5 branch
### BEGIN SOLUTION
answers = {
    "direct_params": 48 * 5 * 5 * 480,
    "direct_macs": 14 * 14 * 48 * 5 * 5 * 480,
    "bottleneck_params": 16 * 480 + 48 * 5 * 5 * 16,
    "bottleneck_macs": 14 * 14 * 16 * 480 + 14 * 14 * 48 * 5 * 5 * 16,
}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l04_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions (weights only, multiply-adds for one image)
exercises.check_bottleneck_prediction(answers, in_channels=480, bottleneck_channels=16,
                                      out_channels=48, kernel_size=5, size=14)
### BEGIN HIDDEN TESTS
assert answers["direct_macs"] == 112_896_000 and answers["bottleneck_macs"] == 5_268_480
assert answers["direct_params"] == 576_000 and answers["bottleneck_params"] == 26_880
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): is a 1×1 convolution "doing nothing"?
#
# A classmate says: "A 1×1 convolution cannot see any neighbours, so it is the identity up to a scale factor; layers like that are useless."
# In three to five sentences, explain what a 1×1 convolution computes on a multi-channel input, when the classmate's statement is true, and give two reasons why networks use 1×1 layers anyway.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l04_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The statement is true only for a single input and output channel, where the layer multiplies each pixel by one weight (and adds a bias).
# With $C_{\text{in}}$ input channels, each 1×1 filter is a vector of $C_{\text{in}}$ weights, and the layer applies the same learned $C_{\text{out}} \times C_{\text{in}}$ matrix to the channel vector of every pixel: it is a fully connected layer over channels, shared across positions, that builds new features as combinations of the old ones.
# Networks use it, first, to change the number of channels cheaply: a 1×1 reduction in front of a 3×3 or 5×5 convolution cut GoogLeNet's 5×5 branch from 120.4 to 12.4 million multiply-adds.
# Second, followed by a nonlinearity, it adds depth and nonlinearity per pixel at a cost without the $k^2$ factor (Network in Network's micro-network); without the nonlinearity, two 1×1 layers would collapse into one.
# It also appears as the projection on ResNet shortcuts and as the pointwise half of depthwise separable convolutions.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# A 1×1 convolution is a matrix product, so on a GPU it should run as fast as the matrix product, and `gpu.lesson04` checks that.
# It runs two layers, each four ways (`conv2d` through cuDNN, `torch.matmul` on the NCHW view $W X$, `F.linear` on a channels-last view, and `conv2d` with TF32 on), checks every result against a float64 CPU computation, and reports time, TFLOP/s, GB/s and the arithmetic intensity.
#
# The **arithmetic intensity** of a layer is the number of floating-point operations it does per byte it must read or write.
# A 1×1 layer on an input of $P = NHW$ pixels does $2 P C_{\text{in}} C_{\text{out}}$ FLOPs and must move at least $4\,(P C_{\text{in}} + P C_{\text{out}} + C_{\text{in}} C_{\text{out}})$ bytes in float32.
# A current data-centre GPU (an H100 or H200, say) does roughly 15 float32 FLOPs without tensor cores in the time it moves one byte from its memory.
# A layer below that ratio waits for memory; a layer above it waits for arithmetic.
# The cell after this text computes the intensity of the two layers the scenario runs.
#
# - **Memory-bound layer**, 32 images of 16×256×256 to 16 channels: about 4 FLOP/byte.
#   Prediction: the time is roughly the bytes divided by the memory bandwidth; the TFLOP/s are far below the GPU's peak, and TF32 tensor cores barely help because arithmetic was not the bottleneck.
# - **Compute-bound layer**, 32 images of 1024×14×14 to 1024 channels: about 237 FLOP/byte.
#   Prediction: a good fraction of the float32 peak, and TF32 tensor cores run it several times faster.
# - In both, `conv2d`, `matmul` and `linear` should take about the same time (predicted speed-up 1.00): they are the same arithmetic on the same bytes.
#
# On an H200 during this lesson's development, the memory-bound layer reached about 5 to 7 TFLOP/s (1.2 to 1.7 TB/s) and the compute-bound one 31 to 38 TFLOP/s, and 120 TFLOP/s with TF32; your numbers will differ with the GPU, but the pattern should not.
# Without CUDA the GPU cell prints one line and the rest of the notebook is unaffected.

# %%
# Arithmetic intensity of the two GPU layers: FLOPs per byte that must move (float32)
gpu_layers = {"memory-bound": (32, 16, 16, 256), "compute-bound": (32, 1024, 1024, 14)}  # N, C_in, C_out, H = W
intensity = {}
for name, (n, c_in, c_out, hw) in gpu_layers.items():
    pixels, flops = n * hw * hw, 2 * n * cost.conv_macs(c_in, c_out, 1, hw)
    intensity[name] = flops / (4 * (pixels * c_in + pixels * c_out + c_in * c_out))
    print(f"{name:>13}: {flops / 1e9:6.2f} GFLOP, {intensity[name]:5.1f} FLOP/byte")
assert round(intensity["memory-bound"]) == 4 and round(intensity["compute-bound"]) == 237

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("04")

# %% [markdown]
# ## Summary
#
# - A 1×1 convolution applies one learned $C_{\text{out}} \times C_{\text{in}}$ matrix to the channel vector of every pixel: $y_{:,h,w} = W x_{:,h,w} + \beta$.
#   It is a fully connected layer shared across positions, and equals `np.einsum("oc,nchw->nohw", W, x)`, the matrix product $WX$ and `nn.Linear` applied per pixel.
# - It changes the number of channels and leaves height and width alone (stride only subsamples).
# - It costs $HW \cdot C_{\text{in}} C_{\text{out}}$ multiply-adds and $C_{\text{in}} C_{\text{out}} + C_{\text{out}}$ parameters, $k^2$ times less than a $k \times k$ convolution with the same channels.
# - As a bottleneck it makes expensive convolutions cheap: GoogLeNet's 5×5 branch drops from 120,422,400 to 12,443,648 multiply-adds (9.68×) with a 16-channel 1×1 layer in front; the saving depends on the width and disappears past 154 channels.
# - A nonlinearity after it adds depth cheaply; without one, stacked 1×1 layers collapse into a single layer.
# - On a GPU it is a matrix product: memory-bound with few channels, compute-bound with many.

# %% [markdown]
# ## References
#
# - M. Lin, Q. Chen, S. Yan. *Network in Network*. 2013. [arXiv:1312.4400](https://arxiv.org/abs/1312.4400)
# - C. Szegedy et al. *Going deeper with convolutions* (GoogLeNet, Inception). 2014. [arXiv:1409.4842](https://arxiv.org/abs/1409.4842)
# - K. He, X. Zhang, S. Ren, J. Sun. *Deep residual learning for image recognition* (ResNet). 2015. [arXiv:1512.03385](https://arxiv.org/abs/1512.03385)
# - F. N. Iandola et al. *SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size*. 2016. [arXiv:1602.07360](https://arxiv.org/abs/1602.07360)
# - A. G. Howard et al. *MobileNets: Efficient convolutional neural networks for mobile vision applications*. 2017. [arXiv:1704.04861](https://arxiv.org/abs/1704.04861)
# - T. He et al. *Bag of tricks for image classification with convolutional neural networks* (ResNet-D). 2018. [arXiv:1812.01187](https://arxiv.org/abs/1812.01187)
# - S. Williams, A. Waterman, D. Patterson. *Roofline: an insightful visual performance model for multicore architectures*. Communications of the ACM, 2009 (arithmetic intensity).
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article; its first half covers this lesson, its depthwise separable section is checked above).
# - PyTorch documentation: `torch.nn.Conv2d`, `torch.nn.Linear`, `torch.einsum`, channels-last memory format.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | 1x1 convolution | 1x1 卷积 |
# | pointwise convolution | 逐点卷积 |
# | channel | 通道 |
# | feature map | 特征图 |
# | fully connected layer | 全连接层 |
# | dimensionality reduction | 降维 |
# | bottleneck | 瓶颈 |
# | nonlinearity / activation function | 非线性 / 激活函数 |
# | Network in Network | 网络中的网络 |
# | Inception module | Inception 模块 |
# | parameter | 参数 |
# | multiply-add (MAC) | 乘加运算 |
# | matrix multiplication | 矩阵乘法 |
# | arithmetic intensity | 计算强度(算术强度) |
# | memory-bound | 访存受限 |
# | compute-bound | 计算受限 |
# | memory bandwidth | 内存带宽 |
# | stride | 步幅 |
# | depthwise separable convolution | 深度可分离卷积 |
