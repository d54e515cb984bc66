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
# # 08 · Depthwise separable convolution · 深度可分离卷积
#
# A standard convolution layer does two jobs at once: it looks at a neighbourhood of pixels (filtering in space), and it mixes the input channels into new ones (combining across depth).
# A depthwise separable convolution does the two jobs one after the other, with two much cheaper layers.
# In a well-designed network the trick costs about a point of accuracy and saves close to 90% of the arithmetic, which is why MobileNet and its descendants, built to run on phones, are made of it.
#
# Where it fits: [← 07 · Spatially separable convolution](07_spatially_separable_convolution.ipynb) split a 2-D kernel into a column and a row.
# Here we split a convolution along a different line: space on one side, channels on the other.
# Next: [09 · Flattened convolution →](09_flattened_convolution.ipynb), which splits a filter along all three axes at once.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. compute a depthwise convolution (one kernel per channel, `groups = C`) and a pointwise 1×1 convolution by hand, and chain them;
# 2. count the multiplications of a standard layer and of its depthwise separable replacement, and explain the ratio $1/N_c + 1/h^2$;
# 3. write a depthwise separable layer as one ordinary convolution whose kernel is $W[o, c] = P[o, c]\,D[c]$, and say which kernels it cannot represent;
# 4. reproduce the published cost of MobileNet v1 (mult-adds, parameters, per-layer-type breakdown, width and resolution tables) by counting a PyTorch model, and spot a typo in the paper;
# 5. explain why the measured speed-up on a GPU is smaller than the ratio of multiply-adds.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: a multi-channel filter is a 3-D block that moves in 2-D, and the cost of a layer is $C_{\text{out}} \cdot o_h \cdot o_w \cdot C_{\text{in}} \cdot k^2$ multiply-adds.
# - Notebook 04: a 1×1 convolution is a small fully connected layer applied at every pixel; it mixes channels and ignores neighbours.
# - Python and numpy, and tensors laid out as `(N, C, H, W)`.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import cost, exercises, functional, gpu, models, naive, plotting, widgets

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Take the example the source article uses: an input of 7×7 pixels with 3 channels, and a layer that should produce 128 channels with 3×3 kernels, stride 1 and no padding.
# A standard layer has 128 filters, each a 3×3×3 block that covers all three channels.
# Every filter slides over the 5×5 valid positions and writes one output channel, so the output is 5×5×128 (top row of the figure).
#
# The depthwise separable version reaches the same output shape in two steps:
#
# 1. **depthwise step**: three small kernels of 3×3×**1**, one per input channel.
#    Kernel $c$ slides over channel $c$ only; the channels are never mixed.
#    The result is three maps of 5×5 (middle row; same colour = same channel).
# 2. **pointwise step**: 128 filters of 1×1×**3**.
#    Each looks at one pixel position at a time and takes a weighted sum of the three maps there.
#    That mixes the channels and sets the output depth to 128 (bottom row).

# %%
# The article's example as blocks: standard layer, depthwise step, pointwise step
fig = plotting.depthwise_separable_blocks(in_channels=3, out_channels=128, kernel_size=3, input_size=7)
plt.show()

# %% [markdown]
# Look at where the work happens.
# In the top row, each of the 128 filters redoes the spatial filtering of all three channels: 27 weights per position per filter.
# In the two-step version, the spatial filtering is done once per channel (the three small kernels), and the 128 outputs only pay for a cheap channel mix (3 weights per position per filter).
# The price is flexibility: each output channel can no longer pick its own spatial pattern for each input channel.
# We will make both statements exact below.

# %% [markdown]
# ## Definition
#
# Let the input $x$ have $C$ channels.
# The **depthwise** convolution has one $k \times k$ kernel $D_c$ per channel and keeps the channels apart:
#
# $$
# z_{c,u,v} \;=\; \sum_{m=0}^{k-1} \sum_{n=0}^{k-1} D_{c,m,n}\; x_{c,\; su+m,\; sv+n}, \qquad c = 0, \dots, C-1 .
# $$
#
# Compare with notebook 02: there is no sum over $c$.
# In PyTorch this is an ordinary `conv2d` with `groups = C` and a weight of shape `(C, 1, k, k)`: each group is one channel.
#
# The **pointwise** convolution is a 1×1 convolution with a weight $P$ of shape `(C_out, C, 1, 1)`:
#
# $$
# y_{o,u,v} \;=\; \sum_{c=0}^{C-1} P_{o,c}\; z_{c,u,v} .
# $$
#
# Stride and padding belong to the depthwise step (the 1×1 step needs neither), so the output has the spatial size of notebook 02's formula and $C_{\text{out}}$ channels.
#
# ### A tiny example you can check by hand
#
# Two input channels of 3×3, two depthwise kernels of 2×2, and three pointwise filters.
# Kernel $D_0$ adds the top-left and bottom-right pixels of each window; kernel $D_1$ adds the other diagonal.

# %%
# The hand-sized example: a 2-channel 3x3 input, 2x2 depthwise kernels, 3 pointwise filters
x = np.array([[[1, 2, 0], [0, 1, 3], [2, 1, 0]],
              [[0, 1, 1], [2, 0, 1], [1, 1, 2]]], dtype=float)[None]  # (1, 2, 3, 3)
D = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=float)[:, None]  # (2, 1, 2, 2)
P = np.array([[1, 1], [1, -1], [0, 2]], dtype=float)[:, :, None, None]   # (3, 2, 1, 1)
print("channel 0:\n", x[0, 0], "\nchannel 1:\n", x[0, 1])
print("D_0:\n", D[0, 0], "\nD_1:\n", D[1, 0], "\nP (rows = output channels):\n", P[:, :, 0, 0])

# %% [markdown]
# The depthwise step at window (0, 0): channel 0's window is $\begin{smallmatrix}1 & 2\\ 0 & 1\end{smallmatrix}$, and $D_0$ keeps the diagonal, $1 + 1 = 2$.
# Channel 1's window is $\begin{smallmatrix}0 & 1\\ 2 & 0\end{smallmatrix}$, and $D_1$ keeps the other diagonal, $1 + 2 = 3$.
# Do the other three windows yourself, then compare with the cell.

# %%
# Depthwise step: conv2d with groups = C (one kernel per channel); hand-computed maps
z = functional.conv2d(x, D, groups=2)
assert np.array_equal(z[0, 0], [[2, 5], [1, 1]]) and np.array_equal(z[0, 1], [[3, 1], [1, 2]])
print("z_0 =\n", z[0, 0], "\nz_1 =\n", z[0, 1])

# %% [markdown]
# The pointwise step only combines the two maps pixel by pixel.
# Row 0 of $P$ is $(1, 1)$, so $y_0 = z_0 + z_1$; row 1 is $(1, -1)$, so $y_1 = z_0 - z_1$; row 2 is $(0, 2)$, so $y_2 = 2 z_1$.
# At the top-left pixel: $2 + 3 = 5$, $2 - 3 = -1$ and $2 \cdot 3 = 6$.

# %%
# Pointwise step: a 1x1 conv mixes the channels at each pixel; the whole layer in one call
y = functional.conv2d(z, P)
assert np.array_equal(y[0, 0], [[5, 6], [2, 3]]) and np.array_equal(y[0, 1], [[-1, 4], [0, -1]])
assert np.array_equal(y[0, 2], [[6, 2], [2, 4]])
assert np.array_equal(functional.depthwise_separable_conv2d(x, D, P), y)
print(y[0])

# %% [markdown]
# ### It is one convolution with a structured kernel
#
# Substitute $z$ into the pointwise formula and swap the sums:
#
# $$
# y_{o,u,v} \;=\; \sum_{c} P_{o,c} \sum_{m,n} D_{c,m,n}\, x_{c,\,su+m,\,sv+n}
# \;=\; \sum_{c} \sum_{m,n} \underbrace{P_{o,c}\, D_{c,m,n}}_{W_{o,c,m,n}}\; x_{c,\,su+m,\,sv+n} .
# $$
#
# The right-hand side is an ordinary convolution (notebook 02) with the kernel $W[o, c] = P[o, c] \cdot D[c]$.
# So a depthwise separable layer computes nothing a standard layer could not; it is a standard layer whose kernel is forced into a special shape.
# `functional.depthwise_separable_equivalent_kernel` builds that kernel.

# %%
# The equivalent ordinary kernel W[o, c] = P[o, c] * D[c], and one conv2d with it
W = functional.depthwise_separable_equivalent_kernel(D, P)
assert W.shape == (3, 2, 2, 2) and np.array_equal(W[1, 1], -D[1, 0]) and np.array_equal(W[2, 0], 0 * D[0, 0])
assert np.array_equal(functional.conv2d(x, W), y)
print("W[1] (filter 1: D_0 on channel 0, -D_1 on channel 1):\n", W[1])

# %% [markdown]
# What does "a special shape" rule out?
# For each input channel $c$, the 128 (here 3) filters of the layer all use **the same** spatial pattern $D_c$ on that channel, just scaled by $P_{o,c}$.
# Stack the kernels that act on channel $c$ as the rows of a matrix of size $C_{\text{out}} \times k^2$: for a depthwise separable layer every row is a multiple of $D_c$, so the matrix has rank 1.
# A standard layer's kernel, learned freely, has rank up to $\min(C_{\text{out}}, k^2)$ for each channel.
# That is the capacity the factorization gives up.

# %%
# Rank of the (C_out x k*k) matrix of kernels acting on each input channel
rng = np.random.default_rng(0)
D3, P3 = rng.standard_normal((3, 1, 3, 3)), rng.standard_normal((128, 3, 1, 1))
W_sep = functional.depthwise_separable_equivalent_kernel(D3, P3)
W_std = rng.standard_normal((128, 3, 3, 3))
ranks_sep = [int(np.linalg.matrix_rank(W_sep[:, c].reshape(128, 9))) for c in range(3)]
ranks_std = [int(np.linalg.matrix_rank(W_std[:, c].reshape(128, 9))) for c in range(3)]
assert ranks_sep == [1, 1, 1] and ranks_std == [9, 9, 9]
print(f"per-channel rank: depthwise separable {ranks_sep}, random standard kernel {ranks_std}")

# %% [markdown]
# ## Implementation
#
# The loop version is two loops you have already seen.
# The depthwise loop is notebook 02's loop without the sum over input channels; the pointwise loop has no kernel window:
#
# ```python
# for c in range(C):                              # depthwise: every channel on its own
#     for i in range(out_h):
#         for j in range(out_w):
#             z[c, i, j] = sum(D[c, 0, u, v] * x[c, i * s + u, j * s + v]
#                              for u in range(k) for v in range(k))
# for o in range(C_out):                          # pointwise: mix channels per pixel
#     for i in range(out_h):
#         for j in range(out_w):
#             y[o, i, j] = sum(P[o, c, 0, 0] * z[c, i, j] for c in range(C))
# ```
#
# The package's `naive.conv2d` runs exactly these loops when called with `groups=C` and then with a 1×1 kernel.
# The vectorized `functional.depthwise_separable_conv2d` calls the vectorized `functional.conv2d` twice.
# Both are compared with PyTorch below, on a random batch with stride 2 and padding 1.

# %% tags=["nbval-ignore-output"]
# Loop and vectorized depthwise separable conv versus torch (float64), max error printed
xr, dr, pr = np.random.randn(2, 4, 9, 8), np.random.randn(4, 1, 3, 3), np.random.randn(6, 4, 1, 1)
ref = F.conv2d(F.conv2d(torch.from_numpy(xr), torch.from_numpy(dr), stride=2, padding=1, groups=4),
               torch.from_numpy(pr)).numpy()
loop = naive.conv2d(naive.conv2d(xr, dr, stride=2, padding=1, groups=4), pr)
vec = functional.depthwise_separable_conv2d(xr, dr, pr, stride=2, padding=1)
for name, out in [("naive loops", loop), ("functional", vec)]:
    err = np.abs(out - ref).max()
    assert out.shape == ref.shape == (2, 6, 5, 4) and err < 1e-12
    print(f"{name}: shape {out.shape}, max |error| vs torch = {err:.1e}")

# %% [markdown]
# The errors are rounding noise (different summation orders), which is why that cell's printed digits are not compared by the notebook tests; its `assert` still runs.
#
# In PyTorch the two steps are two `nn.Conv2d` layers; the depthwise one has `groups=in_channels`, so its weight has shape `(C, 1, k, k)`: one input channel per filter.

# %%
# The article's layer as two torch modules: shapes of the weights and of the output
dw = torch.nn.Conv2d(3, 3, kernel_size=3, groups=3, bias=False)
pw = torch.nn.Conv2d(3, 128, kernel_size=1, bias=False)
with torch.no_grad():
    out = pw(dw(torch.zeros(1, 3, 7, 7)))
assert tuple(dw.weight.shape) == (3, 1, 3, 3) and tuple(pw.weight.shape) == (128, 3, 1, 1)
assert tuple(out.shape) == (1, 128, 5, 5)
print(f"depthwise weight {tuple(dw.weight.shape)}, pointwise weight {tuple(pw.weight.shape)}, output {tuple(out.shape)}")

# %% [markdown]
# ## Cost
#
# ### The article's example, counted three ways
#
# Per output position, the standard layer multiplies 3·3·3 = 27 pairs for each of its 128 filters, at 5·5 = 25 positions: $128 \cdot 27 \cdot 25 = 86{,}400$ multiplications.
# The depthwise step multiplies 9 pairs for each of 3 channels at 25 positions: $3 \cdot 9 \cdot 25 = 675$.
# The pointwise step multiplies 3 pairs for each of 128 filters at 25 positions: $128 \cdot 3 \cdot 25 = 9{,}600$.
# The cell checks each number against the formula (`cost.conv_macs`), against the loop code that counts every multiplication it performs, and against PyTorch's FLOP counter run on the modules.

# %%
# Multiplications of the 7x7x3 -> 5x5x128 example: formula, loop count and torch count
x7, w7 = np.random.randn(1, 3, 7, 7), np.random.randn(128, 3, 3, 3)
counts = {}
for step, (inp, wt, groups, module) in {
    "standard": (x7, w7, 1, torch.nn.Conv2d(3, 128, 3, bias=False)),
    "depthwise": (x7, w7[:3, :1], 3, dw),
    "pointwise": (np.zeros((1, 3, 5, 5)), w7[:, :, :1, :1], 1, pw),
}.items():
    counter = naive.MultiplicationCounter()
    naive.conv2d(inp, wt, groups=groups, counter=counter)
    counts[step] = cost.conv_macs(module.in_channels, module.out_channels, module.kernel_size, 5, groups)
    assert counter.count == counts[step] == cost.count_macs(module, tuple(inp.shape))
    print(f"{step:>9}: {counts[step]:>6,} multiplications (formula = loop count = torch count)")

# %%
# The total and the ratio the article quotes
separable = counts["depthwise"] + counts["pointwise"]
assert (counts["standard"], counts["depthwise"], counts["pointwise"], separable) == (86400, 675, 9600, 10275)
assert round(100 * separable / counts["standard"]) == 12
print(f"{separable:,} / {counts['standard']:,} = {separable / counts['standard']:.4f}: about 12% of the standard cost")

# %% [markdown]
# The parameters shrink in the same proportion: the standard layer stores 128 filters of 27 weights, the separable pair stores 3 kernels of 9 weights plus 128 filters of 3 weights (biases left out).

# %%
# Weights of the standard layer and of the separable pair (no biases)
w_standard = cost.conv_params(3, 128, 3, bias=False)
w_separable = cost.conv_params(3, 3, 3, groups=3, bias=False) + cost.conv_params(3, 128, 1, bias=False)
assert (w_standard, w_separable) == (3456, 27 + 384) == (cost.count_params(torch.nn.Conv2d(3, 128, 3, bias=False)), cost.count_params(dw) + cost.count_params(pw))
print(f"standard {w_standard:,} weights, separable {w_separable:,} weights ({w_separable / w_standard:.1%})")

# %% [markdown]
# ### The general ratio
#
# Take an input of $H \times W \times D$ ($D$ channels), $N_c$ filters of $h \times h$, stride 1 and no padding, so the output is $(H - h + 1) \times (W - h + 1) \times N_c$.
# Writing $O = (H-h+1)(W-h+1)$ for the number of output positions:
#
# $$
# \text{standard} = N_c \cdot h^2 \cdot D \cdot O, \qquad
# \text{separable} = \underbrace{D \cdot h^2 \cdot O}_{\text{depthwise}} + \underbrace{N_c \cdot D \cdot O}_{\text{pointwise}} = (h^2 + N_c)\, D\, O ,
# $$
#
# $$
# \frac{\text{separable}}{\text{standard}} \;=\; \frac{h^2 + N_c}{N_c\, h^2} \;=\; \frac{1}{N_c} + \frac{1}{h^2} .
# $$
#
# The image size and the input depth $D$ cancel out.
# The ratio has two parts: $1/h^2$ is what is left of the spatial filtering, $1/N_c$ is the price of the extra pointwise pass.
# With many filters, $1/N_c$ becomes small and the ratio approaches $1/h^2$: one ninth for 3×3 kernels, one twenty-fifth for 5×5.
# But it approaches it slowly, and only when $N_c$ is large compared with $h^2$ (not merely with $h$): with 128 filters of 3×3 the saving is 8.4×, not 9×.

# %%
# Ratio separable/standard vs the number of filters N_c, counted with conv_macs, for h = 3, 5, 7
n_filters = np.array([4, 8, 16, 32, 64, 128, 256, 512, 1024])
ratios = {f"h={h}": np.array([(cost.conv_macs(64, 64, h, 14, groups=64) + cost.conv_macs(64, int(n), 1, 14))
                              / cost.conv_macs(64, int(n), h, 14) for n in n_filters]) for h in (3, 5, 7)}
for h in (3, 5, 7):
    assert np.allclose(ratios[f"h={h}"], 1 / n_filters + 1 / h**2)
ax = plotting.cost_curves(n_filters, ratios, xlabel="number of filters N_c", ylabel="separable / standard multiply-adds",
                          title="the ratio 1/N_c + 1/h² falls towards 1/h² (dotted)", logx=True, logy=True)
for i, h in enumerate((3, 5, 7)):
    ax.axhline(1 / h**2, color=plotting.GROUP_COLORS[i], linestyle=":", linewidth=1)
plt.show()

# %% [markdown]
# ### At network scale: MobileNet v1
#
# MobileNet v1 (Howard et al., 2017) is the network that made this layer famous.
# Its Table 1 lists the architecture: one standard 3×3 convolution with stride 2 (3 → 32 channels), then 13 depthwise separable blocks (each: depthwise 3×3 + batch norm + ReLU, pointwise 1×1 + batch norm + ReLU), global average pooling and one fully connected layer to 1,000 classes.
# `models.mobilenet_v1` builds it from that table, and `cost.count_macs` counts the multiply-adds of one forward pass with PyTorch's FLOP counter.
# The paper also defines two knobs: the **width multiplier** $\alpha$ scales every layer's channel count, and the **resolution** sets the input size.
#
# Counting a net at 224×224 means running it once, so we build the nets on PyTorch's `meta` device (shapes without data: nothing is computed, but the counter still sees every layer) and count each configuration once.

# %%
# Build MobileNet v1 for the four width multipliers (meta device: shapes only) and count once each
with torch.device("meta"):
    nets = {alpha: models.mobilenet_v1(alpha) for alpha in (1.0, 0.75, 0.5, 0.25)}
width = {alpha: (cost.count_macs(net, (1, 3, 224, 224)), cost.count_params(net)) for alpha, net in nets.items()}
resolution = {r: cost.count_macs(nets[1.0], (1, 3, r, r)) for r in (224, 192, 160, 128)}
assert width[1.0] == (568_740_352, 4_231_976) and resolution[224] == width[1.0][0]
print(f"1.0 MobileNet-224: {width[1.0][0]:,} multiply-adds, {width[1.0][1]:,} parameters")

# %% [markdown]
# The paper prints its numbers in millions, mult-adds to the nearest million and parameters to one decimal.
# The tables below put the counts next to the paper's Table 6 (width multiplier, 224×224 input) and Table 7 (resolution, $\alpha = 1$).
# The checks: mult-adds within 2%, parameters equal to the printed digit.

# %%
# Table 6 side by side: width multiplier -> millions of mult-adds and parameters
paper = models.MOBILENET_V1_PAPER
print("alpha | mult-adds (M): counted  paper | params (M): counted  paper")
for alpha, (macs, params) in width.items():
    published = paper["width_multiplier"][alpha]
    assert abs(macs / 1e6 - published["mult_adds_millions"]) <= 0.02 * published["mult_adds_millions"]
    assert round(params / 1e6, 1) == published["params_millions"]
    print(f" {alpha:4} |  {macs / 1e6:20.1f}  {published['mult_adds_millions']:5} |  {params / 1e6:16.2f}  {published['params_millions']:5}")

# %%
# Table 7 side by side: input resolution -> millions of mult-adds (alpha = 1; parameters do not change)
print("input | mult-adds (M): counted  paper")
for r, macs in resolution.items():
    published = paper["resolution"][r]["mult_adds_millions"]
    assert abs(macs / 1e6 - published) <= 0.02 * published
    print(f"  {r} |  {macs / 1e6:20.1f}  {published:5}")

# %% [markdown]
# Every row agrees.
# Notice the two scaling laws: mult-adds fall roughly as $\alpha^2$ (channels appear twice in the dominant pointwise term, $C_{\text{in}} C_{\text{out}}$) and as the square of the resolution, while the resolution does not change the parameters at all.
# One detail of Table 1 must be read with care: the table gives the last depthwise layer stride 2, yet the next layer's input is still 7×7.
# Taken literally, that stride would shrink the last maps to 4×4 and the count far below the published 569 million; stride 1 is the one that reproduces Tables 6 and 7 (see the errata).
#
# ### Where the work goes: Table 2
#
# The paper's Table 2 splits the cost by layer type.
# `cost.macs_by_layer_type` reads the FLOP counter per module and sorts each convolution into standard, depthwise or pointwise; `cost.params_by_layer_type` does the same for the weights (Table 2 counts weights only, not biases or batch norm).

# %%
# Table 2 side by side: share of mult-adds and of weights per layer type, 1.0 MobileNet-224
by_macs = cost.macs_by_layer_type(nets[1.0], (1, 3, 224, 224))
by_params = cost.params_by_layer_type(nets[1.0], include_bias=False)
total_params = sum(v for k, v in by_params.items() if k != "other")  # "other" = batch norm
assert sum(by_macs.values()) == width[1.0][0] and by_macs["other"] == 0
print("layer type            mult-adds %: counted  paper | weights %: counted  paper")
for kind, published in paper["layer_type_percent"].items():
    share_m, share_p = 100 * by_macs[kind] / width[1.0][0], 100 * by_params[kind] / total_params
    assert round(share_p, 2) == published["params"]
    print(f"{kind:21} |  {share_m:16.2f}  {published['mult_adds']:5} |  {share_p:14.2f}  {published['params']:5}")

# %% [markdown]
# Three lessons hide in that table.
#
# - The pointwise 1×1 convolutions do almost 95% of the arithmetic and hold three quarters of the weights: after the factorization, the channel mixing is the expensive part.
#   Notebook 12 (ShuffleNet) attacks exactly that.
# - The depthwise convolutions do about 3% of the arithmetic.
#   Keep that number in mind for the GPU section: a small share of the FLOPs is not a small share of the time.
# - One row disagrees: the first standard convolution is counted at **1.91%**, and the paper prints **1.19%**.
#   The row's multiply-adds are $112 \cdot 112 \cdot 32 \cdot 27 = 10{,}838{,}016$, which is 1.91% of the total; and only with 1.91 do the paper's four percentages add up to 100.
#   Two digits were swapped.

# %%
# The first conv's share: counted exactly, and the two ways of summing the paper's column
first_conv = 112 * 112 * 32 * 3 * 3 * 3
shares = paper["layer_type_percent"]
printed = sum(v["mult_adds"] for v in shares.values())
corrected = printed - shares["conv (standard)"]["mult_adds"] + 1.91
assert by_macs["conv (standard)"] == first_conv == cost.conv_macs(3, 32, 3, 112)
assert round(100 * first_conv / width[1.0][0], 2) == 1.91 and "1.91" in models.PAPER_ERRATA["mobilenet_v1 Table 2: Conv 3x3 mult-adds 1.19% should be 1.91%"]
assert round(printed, 2) == 99.29 and round(corrected, 2) == 100.01
print(f"first conv: {first_conv:,} = {100 * first_conv / width[1.0][0]:.2f}% of the total")
print(f"paper's column sums to {printed:.2f}% with 1.19, and to {corrected:.2f}% with 1.91")

# %% [markdown]
# Table 3 of the paper makes the same point for one typical inner layer: 14×14×512 in and out, 3×3 kernels.
# A standard convolution there costs 462 million mult-adds and 2.36 million weights; the depthwise separable one costs 52.3 million and 0.27 million.

# %%
# Table 3: one 14x14x512 -> 512 layer, standard vs depthwise separable (millions)
typical = paper["typical_layer"]
std = (cost.conv_macs(512, 512, 3, 14), cost.conv_params(512, 512, 3, bias=False))
sep = (cost.conv_macs(512, 512, 3, 14, groups=512) + cost.conv_macs(512, 512, 1, 14),
       cost.conv_params(512, 512, 3, groups=512, bias=False) + cost.conv_params(512, 512, 1, bias=False))
assert round(std[0] / 1e6) == typical["convolution"]["mult_adds_millions"] and round(std[1] / 1e6, 2) == typical["convolution"]["params_millions"]
assert round(sep[0] / 1e6, 1) == typical["depthwise separable"]["mult_adds_millions"] and round(sep[1] / 1e6, 2) == typical["depthwise separable"]["params_millions"]
print(f"standard {std[0] / 1e6:.1f} M mult-adds, {std[1] / 1e6:.2f} M weights; separable {sep[0] / 1e6:.1f} M, {sep[1] / 1e6:.2f} M; ratio {sep[0] / std[0]:.4f} = 1/512 + 1/9")

# %% [markdown]
# ## Claim check
#
# The source article's section 8.2 states these facts about its example and the general case; each is recomputed by package code in the cell below:
#
# - a 7×7×3 input and one 3×3×3 filter give 5×5×1; 128 filters give 5×5×128;
# - the depthwise step gives 5×5×3, the pointwise step 5×5×128, the same shape as the standard layer;
# - the standard layer costs $128 \cdot 3 \cdot 3 \cdot 3 \cdot 5 \cdot 5 = 86{,}400$ multiplications; the depthwise step $675$, the pointwise step $9{,}600$, together $10{,}275$, "only 12%";
# - in general the standard cost is $N_c h^2 D (H-h+1)(W-h+1)$ and the separable cost $(h^2 + N_c) D (H-h+1)(W-h+1)$;
# - for many filters the ratio tends to $1/h^2$: 9 times fewer multiplications with 3×3 kernels and 25 times fewer with 5×5;
# - depthwise separable convolutions are used in MobileNet and Xception.

# %%
# The article's claims about its example, asserted
ones = np.ones
assert functional.conv2d(ones((1, 3, 7, 7)), ones((1, 3, 3, 3))).shape == (1, 1, 5, 5)
assert functional.conv2d(ones((1, 3, 7, 7)), ones((128, 3, 3, 3))).shape == (1, 128, 5, 5)
assert functional.conv2d(ones((1, 3, 7, 7)), ones((3, 1, 3, 3)), groups=3).shape == (1, 3, 5, 5)
assert functional.depthwise_separable_conv2d(ones((1, 3, 7, 7)), ones((3, 1, 3, 3)), ones((128, 3, 1, 1))).shape == (1, 128, 5, 5)
assert (counts["standard"], counts["depthwise"], counts["pointwise"], separable) == (86400, 675, 9600, 10275)
assert 0.115 < separable / counts["standard"] < 0.125  # "12%": 11.9%
print("the example's shapes and counts hold")

# %%
# The article's general formulas on other layers, and the limits 9x and 25x
for H, W_, D_, h, n in [(7, 7, 3, 3, 128), (32, 20, 16, 5, 64), (15, 15, 8, 7, 10)]:
    o = (H - h + 1, W_ - h + 1)
    assert cost.conv_macs(D_, n, h, o) == n * h * h * D_ * o[0] * o[1]
    assert cost.conv_macs(D_, D_, h, o, groups=D_) + cost.conv_macs(D_, n, 1, o) == (h * h + n) * D_ * o[0] * o[1]
for h in (3, 5):
    assert round(1 / (1 / 10**6 + 1 / h**2)) == h**2  # the limit of many filters: 9x and 25x
print("all of the article's numbers hold; the kernel shapes it names do not (see the errata)")

# %% [markdown]
# ### Errata
#
# > **The source article (section 8.2)**
# >
# > 1. In its cost paragraph the article says the depthwise step uses "3 kernels of 3×3×3".
# >    They are 3 kernels of **3×3×1**: each sees one channel.
# >    Its own product $3 \cdot 3 \cdot 3 \cdot 1 \cdot 5 \cdot 5 = 675$ counts 3 kernels of 3×3×1 (with 3×3×3 kernels it would be 2,025).
# > 2. It says the pointwise step uses "128 kernels of 3×3×3".
# >    They are 128 kernels of **1×1×3**; its product $128 \cdot 1 \cdot 1 \cdot 3 \cdot 5 \cdot 5 = 9{,}600$ again counts the right shape (3×3×3 kernels would give 86,400, no saving at all).
# > 3. It says the ratio shrinks to $1/h^2$ "for layers with $N_c \gg h$".
# >    The condition is $N_c \gg h^2$: the term $1/N_c$ must be small next to $1/h^2$.
# >    With $h = 5$ and $N_c = 50$ (which is $\gg 5$) the ratio is $1/50 + 1/25 = 0.06$, a saving of 16.7×, not 25×; and the article's own example (128 filters of 3×3) saves 8.4×, not 9×.
# >
# > **The MobileNet paper (arXiv:1704.04861), found by counting**
# >
# > 4. Table 2 gives the standard 3×3 convolution 1.19% of the mult-adds; it is **1.91%** (10,838,016 of 568,740,352), and only then does the column add up to 100%.
# > 5. Table 1 lists the last depthwise layer as stride 2 on a 7×7×1024 input, but the next layer's input is still 7×7; with stride 1 (as the reference implementation uses) the counts match Tables 6 and 7.
# >    `models.PAPER_ERRATA` records both.

# %%
# Errata 1-3 recomputed: the wrong kernel shapes give other counts; N_c >> h is not enough
assert cost.conv_macs(3, 3, 3, 5, groups=3) == 675 and cost.conv_macs(9, 3, 3, 5, groups=3) == 2025
assert cost.conv_macs(3, 128, 1, 5) == 9600 and cost.conv_macs(3, 128, 3, 5) == 86400
ratio_50 = (cost.conv_macs(8, 8, 5, 10, groups=8) + cost.conv_macs(8, 50, 1, 10)) / cost.conv_macs(8, 50, 5, 10)
assert np.isclose(ratio_50, 0.06) and round(1 / ratio_50, 1) == 16.7
print(f"h=5, N_c=50: ratio {ratio_50:.3f}, saving {1 / ratio_50:.1f}x (not 25x); article example saving {counts['standard'] / separable:.2f}x")
assert "stride 1" in models.PAPER_ERRATA["mobilenet_v1 Table 1: last depthwise stride"]

# %% [markdown]
# ## Explore
#
# The explorer redraws the three rows of block pictures for any number of input channels, filters, kernel size and input size (stride 1, no padding), and prints the multiply-adds and weights of both versions with their ratio.
# Things to try: raise the number of filters and watch the ratio approach $1/h^2$; set the kernel to 1×1 and see the factorization become pure overhead; set the filters to 1 and see the same.
# First, the article's setting, checked in code:

# %%
# Drive the explorer headless with the article's layer and check what it reports
explorer = widgets.depthwise_explorer()
render = explorer.update(in_channels=3, out_channels=128, kernel_size=3, input_size=7)
assert render.error is None and "86,400" in render.text and "10,275" in render.text
assert "1/128 + 1/9 = 0.1189" in render.text
print(render.text)

# %%
# A 1x1 kernel: the "separable" version only adds a step, and the explorer says so
one = explorer.update(kernel_size=1, out_channels=16)
assert one.error is None and "not cheaper" in one.text
print(one.text.splitlines()[-2])

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(in_channels=3, out_channels=128, kernel_size=3, input_size=7)
explorer.widget

# %% [markdown]
# ## In practice
#
# In PyTorch a depthwise separable layer is two modules:
#
# ```python
# nn.Sequential(
#     nn.Conv2d(C, C, kernel_size=3, stride=s, padding=1, groups=C, bias=False),  # depthwise
#     nn.BatchNorm2d(C), nn.ReLU(inplace=True),
#     nn.Conv2d(C, C_out, kernel_size=1, bias=False),                             # pointwise
#     nn.BatchNorm2d(C_out), nn.ReLU(inplace=True),
# )
# ```
#
# That is MobileNet's block, `models.DepthwiseSeparableConv`.
# `groups=C` is the whole trick: it is a grouped convolution (notebook 10) with one channel per group.
# With `out_channels = m * C` you get a *channel multiplier* $m$ (several kernels per channel), which Keras calls `depth_multiplier`; $m = 1$ is by far the most common.
#
# Where you meet it:
#
# - **Xception** (Chollet, 2017) replaces Inception's modules by depthwise separable convolutions, with no nonlinearity between the depthwise and the pointwise step (the paper found that an activation there hurt);
# - **MobileNet v1** (2017), built above; **MobileNet v2** (2018) adds inverted residuals (expand with 1×1, depthwise 3×3, project with 1×1); **EfficientNet** and many detection and segmentation backbones reuse that block;
# - **ShuffleNet** (notebooks 11 and 12) keeps the depthwise 3×3 and makes the expensive 1×1 convolutions cheaper by grouping them.
#
# ### Capacity: what fewer parameters cost
#
# The article warns that a small model can lose too much capacity when its standard convolutions become depthwise separable.
# The MobileNet paper measured both sides of that trade-off; its ImageNet accuracies are quoted below as data (`models.MOBILENET_V1_ACCURACY`), next to the costs we count for each model.
# Table 4 compares MobileNet with the same net built from standard convolutions ("Conv MobileNet"); Table 5 compares a thinner MobileNet with a shallower one of about the same cost (the five 14×14×512 blocks removed).

# %%
# Tables 4 and 5: count the cost of the four models, next to the paper's costs and accuracies
acc = models.MOBILENET_V1_ACCURACY
with torch.device("meta"):
    variants = {"Conv MobileNet": models.conv_mobilenet_v1(), "MobileNet": nets[1.0],
                "0.75 MobileNet": nets[0.75], "Shallow MobileNet": models.shallow_mobilenet_v1()}
print("model              | top-1 % (paper) | mult-adds (M): counted paper | params (M): counted paper")
for name, net in variants.items():
    macs = width[1.0][0] if net is nets[1.0] else width[0.75][0] if net is nets[0.75] else cost.count_macs(net, (1, 3, 224, 224))
    params, row = cost.count_params(net), acc[name]
    assert abs(macs / 1e6 - row["mult_adds_millions"]) <= 0.02 * row["mult_adds_millions"] and round(params / 1e6, 1) == row["params_millions"]
    print(f"{name:18} | {row['top1']:15} | {macs / 1e6:15.0f} {row['mult_adds_millions']:5} | {params / 1e6:12.1f} {row['params_millions']:5}")

# %%
# The trade-offs in those rows: cost factors from our counts, accuracy gaps from the paper
conv_net = variants["Conv MobileNet"]
macs_factor = cost.count_macs(conv_net, (1, 3, 224, 224)) / width[1.0][0]
params_factor = cost.count_params(conv_net) / width[1.0][1]
gain = round(acc["Conv MobileNet"]["top1"] - acc["MobileNet"]["top1"], 1)
narrow_vs_shallow = round(acc["0.75 MobileNet"]["top1"] - acc["Shallow MobileNet"]["top1"], 1)
last_halving = round(acc["width_multiplier_top1"][0.5] - acc["width_multiplier_top1"][0.25], 1)
assert (round(macs_factor, 1), round(params_factor, 1), gain, narrow_vs_shallow, last_halving) == (8.6, 6.9, 1.1, 3.1, 13.1)
assert width[0.25][1] < 500_000  # 0.25 MobileNet: under half a million parameters
print(f"full convolutions: {macs_factor:.1f}x the mult-adds, {params_factor:.1f}x the parameters, +{gain} points")
print(f"thinner beats shallower by {narrow_vs_shallow} points; alpha 0.5 -> 0.25 loses {last_halving} points")

# %% [markdown]
# Read the table as data from the paper, not as something this notebook measured (we train nothing):
#
# - Full convolutions buy 1.1 points of top-1 accuracy for 8.6 times the mult-adds and 6.9 times the parameters.
#   For a net of this size the factorization is an excellent deal.
# - At equal cost, a thinner net (0.75 MobileNet, 68.4%) beats a shallower one (65.3%): depth matters more than width here.
# - Shrinking further does hurt.
#   Table 6 reports 70.6%, 68.4%, 63.7% and 50.6% top-1 for $\alpha$ = 1, 0.75, 0.5 and 0.25: the last step, to under half a million parameters, loses 13 points.
#   That is the article's warning in numbers: when a model is already small, every parameter removed takes real capacity with it.
#
# Pitfalls:
#
# - **FLOPs are not time.** A depthwise convolution does very little arithmetic per byte it reads, so it runs at memory speed; on a GPU a MobileNet is often not much faster than a network with several times its FLOPs (GPU section).
# - **Batch norm and activation between the steps.** MobileNet puts batch norm and ReLU after both steps; Xception found it better to put no nonlinearity between them.
#   Either way, with a nonlinearity in between the pair is no longer one linear convolution, and the equivalent kernel above describes only the linear part.
# - **Stride and padding go to the depthwise step.** A strided 1×1 convolution would simply throw pixels away.
# - **Do not factor the first layer.** With 3 input channels the depthwise step has almost nothing to work with; MobileNet keeps a standard 3×3 convolution there (it costs under 2% anyway, Table 2).

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): depthwise separable convolution from two conv2d calls
#
# Write `depthwise_separable(x, depthwise_weight, pointwise_weight, stride, padding)` for a numpy input `x` of shape `(N, C, H, W)`, a depthwise weight of shape `(C, 1, k, k)` and a pointwise weight of shape `(C_out, C, 1, 1)`.
# Use two calls of `functional.conv2d` (no loops, no torch); the stride and padding belong to the depthwise step.
# Hint: which value of `groups` makes each kernel see exactly one channel?

# %% nbgrader={"grade": false, "grade_id": "l08_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation: depthwise (groups = C) then pointwise (1x1)
def depthwise_separable(x, depthwise_weight, pointwise_weight, stride=1, padding=0):
    ### BEGIN SOLUTION
    z = functional.conv2d(x, depthwise_weight, stride=stride, padding=padding, groups=x.shape[1])
    return functional.conv2d(z, pointwise_weight)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l08_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check depthwise_separable against the package's reference on several cases
exercises.check_depthwise_separable(depthwise_separable)
### BEGIN HIDDEN TESTS
assert np.array_equal(depthwise_separable(x, D, P), y)
_rng = np.random.default_rng(80)
_xh, _dh, _ph = _rng.standard_normal((1, 6, 11, 9)), _rng.standard_normal((6, 1, 5, 5)), _rng.standard_normal((3, 6, 1, 1))
assert np.allclose(depthwise_separable(_xh, _dh, _ph, 2, 2), functional.conv2d(_xh, functional.depthwise_separable_equivalent_kernel(_dh, _ph), stride=2, padding=2))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): count the multiplications
#
# A layer receives a 16×16×32 input (32 channels) and applies 64 filters of 5×5, stride 1, no padding.
# Without running code, predict the number of multiplications for one input image of:
#
# - `"standard"`: the standard layer;
# - `"depthwise"`: the depthwise step of its depthwise separable replacement (32 kernels of 5×5×1);
# - `"pointwise"`: the pointwise step (64 filters of 1×1×32).
#
# Then check that your numbers give the ratio $1/N_c + 1/h^2$.

# %% nbgrader={"grade": false, "grade_id": "l08_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted multiplication counts (ints)
### BEGIN SOLUTION
answers = {"standard": 64 * 5 * 5 * 32 * 12 * 12, "depthwise": 32 * 5 * 5 * 12 * 12, "pointwise": 64 * 32 * 12 * 12}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l08_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions (the layer is exercises.DEPTHWISE_COST_QUESTION)
exercises.check_depthwise_separable_costs(answers)
### BEGIN HIDDEN TESTS
assert answers["standard"] == 7_372_800 and answers["depthwise"] + answers["pointwise"] == 410_112
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): why the GPU speed-up is smaller than the FLOP ratio
#
# The article's ratio predicts that a 3×3 depthwise separable layer with 128 filters needs 8.4 times fewer multiply-adds than the standard layer.
# On a GPU, the measured speed-up is much smaller (see the GPU section).
# Explain in three to five sentences why, using the words *arithmetic intensity* and *memory bandwidth*, and say which of the two steps is responsible.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l08_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The run time of a layer is set by whichever is slower: doing its arithmetic, or moving its data between memory and the chip.
# The standard 3×3 convolution reuses every input value for 9·C_out multiply-adds, so its arithmetic intensity is hundreds of FLOPs per byte and it is limited by arithmetic.
# The depthwise step reuses every input value only 9 times (about 2 FLOPs per byte): the GPU finishes the arithmetic long before the data arrive, so it runs at the speed of memory bandwidth, and reading and writing its full-size input and output costs about as much time as the standard layer's data traffic.
# The separable pair also moves more data in total (an extra intermediate tensor written and read back) and launches two kernels instead of one.
# So the FLOP ratio overstates the gain: the depthwise step takes a share of the time far larger than its share of the FLOPs (on an H200, 45% of the time for 7% of the FLOPs).
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# The lesson's prediction on a GPU, at a MobileNet-like size: a batch of 32 feature maps of 128×56×56, 128 output channels, 3×3 kernels with padding 1.
# `gpu.lesson08` checks the standard layer and the separable pair on the GPU against a float64 CPU computation (and the pair against one convolution with the equivalent kernel), then times the standard layer, the separable pair and each of its steps, in float32 with TF32 off.
#
# What to expect, before measuring:
#
# - **The FLOP ratio** is $1/(1/128 + 1/9) = 8.4$: that is the "predicted ×" of the separable pair.
# - **Arithmetic intensity** (FLOPs per byte that must move between GPU memory and the chip, at least) is very different for the three layers, as the next cell computes.
#   A modern GPU can do on the order of ten or more float32 operations in the time it reads one byte, so a layer below that is memory-bound: its time is its bytes divided by the bandwidth, whatever its FLOPs.
# - The standard layer is compute-bound, the pointwise layer is near the balance point, and the depthwise layer is deeply memory-bound.
#   So the separable pair should be faster, but by clearly less than 8.4×, and the depthwise step should take a share of its time far larger than its share of the FLOPs.
# - With TF32 on, the standard layer uses the tensor cores and gets faster, which shrinks the separable layer's advantage further.
#
# For the record, one run on an NVIDIA H200 (the cell below prints a fresh measurement wherever a GPU is present; these numbers are not checked on a CPU):
# the standard layer took 0.71 ms (42 TFLOP/s), the separable pair 0.29 ms, a speed-up of about 2.5× instead of 8.4×.
# The depthwise step did 6.6% of the pair's FLOPs but took 45% of its time, moving well under a quarter of the GPU's peak memory bandwidth.
# With TF32 on, the standard layer ran in 0.17 ms: faster than the "cheaper" separable pair in plain float32.

# %%
# The prediction on paper: FLOP ratio and arithmetic intensity (FLOPs per byte moved, float32)
n, c, hw = 32, 128, 56
fmap = 4 * n * c * hw * hw  # bytes of one 32x128x56x56 float32 tensor
layers = {"standard 3x3": (cost.conv_macs(c, c, 3, hw), cost.conv_params(c, c, 3, bias=False)),
          "depthwise 3x3": (cost.conv_macs(c, c, 3, hw, groups=c), cost.conv_params(c, c, 3, groups=c, bias=False)),
          "pointwise 1x1": (cost.conv_macs(c, c, 1, hw), cost.conv_params(c, c, 1, bias=False))}
intensity = {name: 2 * n * macs / (2 * fmap + 4 * weights) for name, (macs, weights) in layers.items()}
flop_ratio = layers["standard 3x3"][0] / (layers["depthwise 3x3"][0] + layers["pointwise 1x1"][0])
dw_share = layers["depthwise 3x3"][0] / (layers["depthwise 3x3"][0] + layers["pointwise 1x1"][0])
assert round(flop_ratio, 2) == 8.41 and round(intensity["depthwise 3x3"], 2) == 2.25 and round(100 * dw_share, 1) == 6.6
print(f"FLOP ratio standard / separable: {flop_ratio:.2f}; depthwise share of the pair's FLOPs: {dw_share:.1%}")
print(", ".join(f"{name}: {value:.1f} FLOP/byte" for name, value in intensity.items()))

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("08")

# %% [markdown]
# ## Summary
#
# - A depthwise separable convolution splits a standard layer into a **depthwise** step (one $k \times k$ kernel per channel, `groups = C`, no channel mixing) and a **pointwise** step (a 1×1 convolution that mixes channels).
# - In the article's example (7×7×3 → 5×5×128 with 3×3 kernels) it needs 675 + 9,600 = 10,275 multiplications instead of 86,400, about 12%; the kernels are 3×3×**1** and 1×1×**3** (the article's "3×3×3" is wrong for both).
# - In general the cost ratio is $1/N_c + 1/h^2$, which tends to $1/h^2$ only when $N_c \gg h^2$.
# - It equals one ordinary convolution with the kernel $W[o, c] = P[o, c]\,D[c]$: each channel's kernels across all filters are multiples of one pattern (rank 1), which is the capacity it gives up.
# - Counting MobileNet v1 reproduces the paper: 569 M mult-adds and 4.2 M parameters, the width and resolution tables, and the per-layer-type breakdown, in which the 1×1 convolutions dominate (95% of the mult-adds) and the first convolution's share is 1.91%, not the printed 1.19%.
# - Fewer parameters are cheap for a big enough net (−1.1 points for 8.6× fewer mult-adds) but expensive for a small one (−13 points from $\alpha = 0.5$ to $0.25$).
# - On a GPU the depthwise step is memory-bound, so the speed-up is smaller than the FLOP ratio.

# %% [markdown]
# ## References
#
# - A. G. Howard et al. *MobileNets: Efficient convolutional neural networks for mobile vision applications*. 2017. [arXiv:1704.04861](https://arxiv.org/abs/1704.04861)
# - F. Chollet. *Xception: Deep learning with depthwise separable convolutions*. CVPR 2017. [arXiv:1610.02357](https://arxiv.org/abs/1610.02357)
# - L. Sifre. *Rigid-motion scattering for image classification*. PhD thesis, École Polytechnique, 2014 (the origin of depthwise separable convolutions in deep learning).
# - M. Sandler et al. *MobileNetV2: Inverted residuals and linear bottlenecks*. CVPR 2018. [arXiv:1801.04381](https://arxiv.org/abs/1801.04381)
# - X. Zhang, X. Zhou, M. Lin, J. Sun. *ShuffleNet: An extremely efficient convolutional neural network for mobile devices*. 2017. [arXiv:1707.01083](https://arxiv.org/abs/1707.01083)
# - S. Williams, A. Waterman, D. Patterson. *Roofline: an insightful visual performance model for multicore architectures*. Communications of the ACM, 2009 (arithmetic intensity).
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article, section 8.2).
# - PyTorch documentation: `torch.nn.Conv2d` (the `groups` argument), `torch.utils.flop_counter.FlopCounterMode`.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | depthwise separable convolution | 深度可分离卷积 |
# | depthwise convolution | 深度卷积(逐通道卷积) |
# | pointwise convolution (1×1) | 逐点卷积(1x1 卷积) |
# | spatially separable convolution | 空间可分离卷积 |
# | grouped convolution | 分组卷积 |
# | channel | 通道 |
# | filter | 滤波器 |
# | kernel | 卷积核 |
# | channel multiplier | 通道倍增因子 |
# | width multiplier | 宽度乘子 |
# | resolution multiplier | 分辨率乘子 |
# | multiply-add (mult-add, MAC) | 乘加运算 |
# | parameter | 参数 |
# | model capacity | 模型容量 |
# | arithmetic intensity | 计算强度(算术强度) |
# | memory-bound | 访存受限 |
# | memory bandwidth | 内存带宽 |
# | batch normalization | 批归一化 |
# | rank | 秩 |
