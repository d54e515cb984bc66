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
# # 02 · 2D convolution and convolution arithmetic · 二维卷积
#
# A convolution layer slides a small grid of weights over an image and writes one number for every place it stops.
# That single sentence hides four questions that every deep-learning practitioner answers many times a week:
# how big is the output, what happens at the borders, what happens when the image has several channels, and how much does it cost?
# This notebook answers all four, with numbers you can check by hand and code that checks itself.
#
# Where it fits: [← 01 · Convolution vs cross-correlation](01_convolution_vs_cross_correlation.ipynb) showed that deep learning's "convolution" is really cross-correlation (no kernel flip).
# Here we build the 2D operation every CNN layer uses.
# Next: [03 · 3D convolution →](03_3d_convolution.ipynb), where the filter also moves in depth.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. compute a single-channel 2D convolution by hand, with padding and stride, and read it off a figure;
# 2. explain why a multi-channel filter is a 3D block that moves only in 2D, and why one filter gives one output channel;
# 3. predict any output size with $o = \lfloor (i + 2p - d(k-1) - 1)/s \rfloor + 1$, including the floor and the asymmetric "same" padding of even kernels;
# 4. write a convolution as a matrix product, both as im2col and as the sparse matrix $C$;
# 5. count the parameters and multiply-adds of a `nn.Conv2d` layer and say how they grow.

# %% [markdown]
# ## Prerequisites
#
# - Python and numpy: slicing, `reshape`, `@` for matrix products, array shapes.
# - Notebook 01: deep-learning libraries compute cross-correlation and call it convolution; we follow that convention here.
# - Tensors in PyTorch are laid out as `(N, C, H, W)`: batch, channels, height, width.
# You do not need to know anything about training networks.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import itertools
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import (
    animation, cost, exercises, functional, gpu, matrix, naive, plotting, shapes, widgets,
)

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Start with a single-channel image of 5×5 small integers and a 3×3 kernel.
# Place the kernel on the top-left corner of the image, multiply the nine pairs of numbers that overlap, and add the nine products.
# That sum is the top-left number of the output.
# Slide the kernel one column to the right and repeat; at the end of the row, go back to the left and one row down.
# The kernel fits in three positions across and three down, so the output is 3×3.
#
# The input and kernel below are the numerical example of Dumoulin and Visin's *guide to convolution arithmetic*, so you can compare with their figure.

# %%
# The lesson's hand-checkable example: a 5x5 input and a 3x3 kernel
x = np.array([[3, 3, 2, 1, 0],
              [0, 0, 1, 3, 1],
              [3, 1, 2, 2, 3],
              [2, 0, 0, 2, 2],
              [2, 0, 0, 0, 1]], dtype=float)
k = np.array([[0, 1, 2],
              [2, 2, 0],
              [0, 1, 2]], dtype=float)
_ = plotting.conv_steps(x, k, position=(0, 0))
plt.show()

# %% [markdown]
# The highlighted 3×3 window of the input lines up with the kernel.
# Check the written cell yourself: $3\cdot0 + 3\cdot1 + 2\cdot2 + 0\cdot2 + 0\cdot2 + 1\cdot0 + 3\cdot0 + 1\cdot1 + 2\cdot2 = 12$.
# Now move the window one row down and two columns right, to output position (1, 2); the figure writes out the nine products that give 19.

# %%
# The same convolution with the window at output row 1, column 2
_ = plotting.conv_steps(x, k, position=(1, 2))
plt.show()

# %% [markdown]
# Most images have several channels: a colour photograph has three (red, green, blue), and the feature maps inside a network have dozens or hundreds.
# A convolution filter then has as many channels as its input: it is a 3D block, for example 3×3×3 for an RGB image.
# It still moves only left-right and up-down, because it already spans the whole depth and has nowhere to go in that direction.
# At each stop it multiplies 27 pairs and adds them into **one** number, so one filter produces one output channel.
# The figure draws tensors as blocks whose depth is the channel axis.

# %%
# A 5x5x3 input, one 3x3x3 filter and the 3x3x1 output, drawn as blocks (channels as depth)
_ = plotting.tensor_blocks([(3, 5, 5), (3, 3, 3), (1, 3, 3)], labels=["input", "filter", "output"], ops=["*", "="])
plt.show()

# %% [markdown]
# A layer usually has many filters.
# Each filter slides over the same input independently and writes its own output channel, so N filters give an output with N channels.
# The stack of N filters is the layer's weight tensor, of shape `(N, C_in, k, k)` in PyTorch.

# %%
# A bank of four 3x3x3 filters gives four output channels (same colour = same filter)
_ = plotting.tensor_blocks(
    [(3, 5, 5), (4, 3, 3, 3), (4, 3, 3)], labels=["input", "4 filters", "output"],
    ops=["*", "="], groups=[None, None, list(range(4))],
)
plt.show()

# %% [markdown]
# ## Definition
#
# ### Single channel
#
# Let $x$ be an input of size $i \times i$ and $w$ a kernel of size $k \times k$.
# Three settings change where the kernel stops:
#
# - **padding** $p$: the number of zero rows and columns added on **each** side before sliding (PyTorch's convention);
# - **stride** $s$: how many cells the kernel moves between two stops;
# - **dilation** $d$: the spacing between kernel taps ($d = 1$ means adjacent taps; notebook 06 is about $d > 1$).
#
# Write $\tilde x$ for the padded input.
# The output at row $u$, column $v$ is
#
# $$
# y_{u,v} \;=\; \beta + \sum_{m=0}^{k-1} \sum_{n=0}^{k-1} w_{m,n}\; \tilde x_{\,s u + d m,\; s v + d n},
# $$
#
# where $\beta$ is an optional bias added to every output cell.
# There is no flip of $w$: this is cross-correlation, as in notebook 01.
# The kernel's top-left tap sits at $(su, sv)$ in the padded input, and the window must stay inside the padded input.
# Counting the stops along one axis gives the output size
#
# $$
# o \;=\; \left\lfloor \frac{i + 2p - d(k-1) - 1}{s} \right\rfloor + 1 .
# $$
#
# The term $d(k-1)+1$ is the *effective* kernel size, the span of input the kernel covers.
# With $p = 0$, $s = 1$, $d = 1$ the formula is just $o = i - k + 1$: a 3×3 kernel fits $5 - 3 + 1 = 3$ times across a 5×5 image.

# %% [markdown]
# ### The worked example, all nine numbers
#
# Here is the whole output of the example, computed three ways: the package's loop version, its vectorized version, and PyTorch.
# Every cell of `expected` is a sum of nine products you can redo with pencil and paper.

# %%
# All nine outputs of the 5x5 * 3x3 example, three implementations that must agree
expected = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]], dtype=float)
y_loop = naive.conv2d(x[None, None], k[None, None])[0, 0]
y_vec = functional.conv2d(x[None, None], k[None, None])[0, 0]
y_torch = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None])[0, 0].numpy()
assert np.array_equal(y_loop, expected) and np.array_equal(y_vec, expected)
assert np.array_equal(y_torch, expected)
print(y_loop)

# %% [markdown]
# ### Padding 1 keeps the size
#
# Add one ring of zeros around the 5×5 input.
# The padded input is 7×7, the kernel fits $7 - 3 + 1 = 5$ times, and the output is 5×5 again.
# The window at output (0, 0) now hangs over the zero border: five of its nine taps multiply zeros.

# %%
# Padding 1: the output keeps the 5x5 size; the corner window covers five padded zeros
_ = plotting.conv_steps(x, k, padding=1, position=(0, 0))
plt.show()
y_pad = functional.conv2d(x[None, None], k[None, None], padding=1)[0, 0]
assert y_pad.shape == (5, 5) == (shapes.conv_output_size(5, 3, padding=1),) * 2
assert y_pad[0, 0] == 3 * 2 + 3 * 0 + 0 * 1 + 0 * 2 == 6 and np.array_equal(y_pad[1:4, 1:4], expected)
print(y_pad)

# %% [markdown]
# The centre 3×3 block of the padded result is the unpadded result: padding only adds border positions, it does not change the interior.

# %% [markdown]
# ### Stride 2 skips positions
#
# With stride 2 the kernel jumps two cells at a time.
# Without padding it stops at columns 0 and 2 only, so the output is 2×2: $\lfloor (5 - 3)/2 \rfloor + 1 = 2$.
# With padding 1 it stops at columns 0, 2 and 4 of the 7×7 padded input, giving 3×3: $\lfloor (5 + 2 - 3)/2 \rfloor + 1 = 3$.
# A stride-2 output is exactly every second cell of the stride-1 output: striding is subsampling.

# %%
# Stride 2 with padding 1: the window at output (1, 2) starts at padded row 2, column 4
_ = plotting.conv_steps(x, k, stride=2, padding=1, position=(1, 2))
plt.show()
y_s2 = functional.conv2d(x[None, None], k[None, None], stride=2, padding=1)[0, 0]
assert np.array_equal(y_s2, y_pad[::2, ::2])  # every second cell of the stride-1 output
assert np.array_equal(functional.conv2d(x[None, None], k[None, None], stride=2)[0, 0], expected[::2, ::2])
print(y_s2)

# %% [markdown]
# ### Several channels
#
# With $C_{\text{in}}$ input channels, filter $f$ has one $k \times k$ kernel per input channel, $w_{f,c}$, and one bias $\beta_f$.
# Each kernel is slid over its own channel, and the $C_{\text{in}}$ results are **added** cell by cell:
#
# $$
# y_{f,u,v} \;=\; \beta_f + \sum_{c=0}^{C_{\text{in}}-1} \sum_{m=0}^{k-1} \sum_{n=0}^{k-1} w_{f,c,m,n}\; \tilde x_{c,\; s u + d m,\; s v + d n}.
# $$
#
# The sum over $c$ is why one filter gives one channel, whatever $C_{\text{in}}$ is.
# Let us check it on a 5×5×3 input with small integers and one 3×3×3 filter with bias 1.

# %%
# A 3-channel 5x5 input, one 3x3x3 filter (weights -1, 0, 1) and bias 1
x3 = np.random.randint(0, 3, size=(3, 5, 5)).astype(float)
w3 = np.random.randint(-1, 2, size=(1, 3, 3, 3)).astype(float)
b3 = np.array([1.0])
print("input channels:\n", x3, "\nfilter (one 3x3 kernel per input channel):\n", w3[0])

# %%
# Slide each kernel over its own channel, then add the three maps and the bias
per_channel = [functional.conv2d(x3[None, c:c + 1], w3[:, c:c + 1])[0, 0] for c in range(3)]
y3 = functional.conv2d(x3[None], w3, b3)[0]
assert y3.shape == (1, 3, 3)  # 5x5x3 input, one 3x3x3 filter -> 3x3x1
assert np.array_equal(y3[0], per_channel[0] + per_channel[1] + per_channel[2] + 1)
for c, part in enumerate(per_channel):
    print(f"channel {c} alone:\n{part}")
print("sum of the three + bias 1 = the output:\n", y3[0])
assert (per_channel[0][0, 0], per_channel[1][0, 0], per_channel[2][0, 0], y3[0, 0, 0]) == (-5, -2, 6, 0)

# %% [markdown]
# Check the top-left cell: the three channels contribute $-5$, $-2$ and $6$, and with the bias $-5 - 2 + 6 + 1 = 0$.
# Each of those three numbers is itself a sum of nine products, exactly as in the single-channel example.
#
# Stack more filters and you get more output channels, one per filter.
# A weight of shape `(8, 3, 3, 3)` is eight such filters, and the output has eight channels of 3×3.

# %%
# Eight filters -> eight output channels; filter 0 reproduces the single-filter result
w8 = np.concatenate([w3, np.random.randint(-1, 2, size=(7, 3, 3, 3)).astype(float)])
b8 = np.concatenate([b3, np.zeros(7)])
y8 = functional.conv2d(x3[None], w8, b8)
assert y8.shape == (1, 8, 3, 3) and np.array_equal(y8[0, 0], y3[0])
print("weight", w8.shape, "-> output", y8.shape)

# %% [markdown]
# ### Convolution arithmetic
#
# Dumoulin and Visin's guide derives the output size step by step, one relationship per case, each with a figure.
# All of them are special cases of the general formula above.
# The table lists the guide's figures; the cell recomputes each output size with `shapes.conv_output_size` and checks it against PyTorch.
#
# | case (guide figure) | $i$ | $k$ | $s$ | $p$ | $d$ | relationship | $o$ |
# |---|---|---|---|---|---|---|---|
# | no padding, unit stride (2.1) | 4 | 3 | 1 | 0 | 1 | $o = i - k + 1$ | 2 |
# | arbitrary padding (2.2) | 5 | 4 | 1 | 2 | 1 | $o = i - k + 2p + 1$ | 6 |
# | half ("same") padding (2.3) | 5 | 3 | 1 | 1 | 1 | $o = i$ for odd $k$, $p = \lfloor k/2 \rfloor$ | 5 |
# | full padding (2.4) | 5 | 3 | 1 | 2 | 1 | $o = i + k - 1$ for $p = k - 1$ | 7 |
# | no padding, stride 2 (2.5) | 5 | 3 | 2 | 0 | 1 | $o = \lfloor (i - k)/s \rfloor + 1$ | 2 |
# | padding and stride (2.6) | 5 | 3 | 2 | 1 | 1 | $o = \lfloor (i + 2p - k)/s \rfloor + 1$ | 3 |
# | padding and stride, odd (2.7) | 6 | 3 | 2 | 1 | 1 | same, the floor drops a row and a column | 3 |
# | dilation (5.1) | 7 | 3 | 1 | 0 | 2 | $o = \lfloor (i + 2p - k - (k-1)(d-1))/s \rfloor + 1$ | 3 |

# %%
# Recompute the guide's figure examples and compare with torch's output shape
guide = {"2.1": (4, 3, 1, 0, 1, 2), "2.2": (5, 4, 1, 2, 1, 6), "2.3": (5, 3, 1, 1, 1, 5),
         "2.4": (5, 3, 1, 2, 1, 7), "2.5": (5, 3, 2, 0, 1, 2), "2.6": (5, 3, 2, 1, 1, 3),
         "2.7": (6, 3, 2, 1, 1, 3), "5.1": (7, 3, 1, 0, 2, 3)}
for fig, (i, kk, s, p, d, o) in guide.items():
    out = F.conv2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, kk, kk), stride=s, padding=p, dilation=d)
    assert shapes.conv_output_size(i, kk, s, p, d) == o == out.shape[-1], fig
    print(f"figure {fig}: i={i} k={kk} s={s} p={p} d={d} -> o={o}")

# %% [markdown]
# #### The floor: when the stride does not divide
#
# Figures 2.6 and 2.7 have different inputs (5 and 6) but the same output size 3.
# With $i = 6$, $p = 1$, $s = 2$ the padded input is 8 wide; the kernel stops at columns 0, 2 and 4, and a fourth stop at column 6 would need columns 6 to 8, one past the end.
# So the last padded column and row are never visited: the floor in the formula throws them away.
# The coverage map counts how many windows touch each padded cell; the zeros on the right and bottom are the cells that no window reaches.

# %%
# How many windows cover each cell of the padded 8x8 input (i=6, k=3, s=2, p=1)
cover = matrix.window_coverage(6, 3, stride=2, padding=1)
assert cover.shape == (8, 8) and cover[7].sum() == cover[:, 7].sum() == 0
_ = plotting.coverage_map(cover, title="windows covering each padded cell (i=6, k=3, s=2, p=1)")
plt.show()

# %% [markdown]
# The floor also means the output size does not tell you the input size: inputs 5 and 6 both give 3 here.
# Notebook 05 meets this ambiguity again, where transposed convolutions need `output_padding` to choose between them.

# %% [markdown]
# #### Sweeping the formula against PyTorch
#
# Eight examples are reassuring; a sweep is convincing.
# The next cell runs PyTorch on every combination of input size, kernel size, stride, padding and dilation in a small grid and compares the output size with the formula.
# Combinations where the (dilated) kernel is larger than the padded input are invalid for both: PyTorch raises an error and so does `shapes.conv_output_size`.

# %%
# Sweep (i, k, s, p, d) on i x (i+1) inputs (sizes 3 to 10) and assert formula == torch
checked = invalid = 0
for i, kk, s, p, d in itertools.product(range(3, 11, 2), range(1, 5), range(1, 4), range(3), range(1, 3)):
    if shapes.effective_kernel_size(kk, d) > i + 2 * p:
        invalid += 1  # the kernel does not fit; torch would raise as well
        continue
    out = F.conv2d(torch.zeros(1, 1, i, i + 1), torch.zeros(1, 1, kk, kk), stride=s, padding=p, dilation=d)
    assert out.shape[-2:] == shapes.conv_output_size((i, i + 1), kk, s, p, d), (i, kk, s, p, d)
    checked += 1
print(f"{checked} settings agree with torch; {invalid} skipped because the kernel does not fit")

# %% [markdown]
# #### "Same" padding and even kernels
#
# "Same" padding means: choose the padding so that the output (at stride 1) has the size of the input.
# The kernel needs $d(k-1)$ zeros in total along each axis.
# For an odd kernel that total is even and splits evenly, $\lfloor k/2 \rfloor$ on each side.
# For an even kernel it is odd, so one side must get one zero more than the other.
# PyTorch's `padding='same'` puts the smaller half before (top, left) and the larger half after (bottom, right); `shapes.same_padding` returns that split.

# %%
# The (before, after) split of 'same' padding for kernel sizes 1 to 6
for kk in range(1, 7):
    print(f"k={kk}: total {kk - 1}, (before, after) = {shapes.same_padding(kk)}")
assert shapes.same_padding(3) == (1, 1) and shapes.same_padding(4) == (1, 2)

# %%
# torch's padding='same' with a 4x4 kernel equals explicit padding 1 before and 2 after
xt = torch.randn(1, 1, 6, 6, dtype=torch.float64)
wt = torch.randn(1, 1, 4, 4, dtype=torch.float64)
before, after = shapes.same_padding(4)
explicit = F.conv2d(F.pad(xt, (before, after, before, after)), wt)  # F.pad: (left, right, top, bottom)
with warnings.catch_warnings():  # torch notes that uneven padding needs a padded copy: our point
    warnings.simplefilter("ignore", UserWarning)
    same = F.conv2d(xt, wt, padding="same")
assert torch.equal(same, explicit) and explicit.shape[-2:] == (6, 6)
assert not torch.equal(F.conv2d(F.pad(xt, (after, before, after, before)), wt), explicit)
print("padding='same' with k=4 is (1, 2) per axis, not (2, 1)")

# %% [markdown]
# An integer `padding=p` in PyTorch is always symmetric, so an even kernel cannot keep the size with an integer padding: `p = 1` shrinks a 6×6 input to 5×5 and `p = 2` grows it to 7×7.
# Other libraries split the odd zero differently (TensorFlow's "SAME" also puts the extra zero at the end, but defines it for strides greater than 1 too), which is one reason ported models sometimes disagree by one pixel.

# %% [markdown]
# #### Padding conventions: per side or total
#
# In this notebook, in PyTorch and in the guide, $p$ counts zeros on **each** side, and the formula has $2p$.
# The textbook *Dive into Deep Learning* (d2l) writes the output height as $n_h - k_h + p_h + 1$, where $p_h$ is the **total** number of padding rows, top plus bottom.
# The two agree when $p_h = 2p$: d2l's $p_h = 2$ is PyTorch's `padding=1`.
# An odd $p_h$ means asymmetric padding, which an integer `padding` cannot express; use `F.pad` with separate amounts, as above.

# %%
# d2l's total padding p_h maps to PyTorch's per-side padding p = p_h / 2
for n_h, k_h, p_h in [(8, 3, 2), (8, 5, 4), (7, 3, 0)]:
    d2l = n_h - k_h + p_h + 1
    assert d2l == shapes.conv_output_size(n_h, k_h, padding=p_h // 2)
    print(f"n_h={n_h}, k_h={k_h}: d2l p_h={p_h} -> torch padding={p_h // 2} -> output {d2l}")

# %% [markdown]
# ## Implementation
#
# The package has three implementations of `conv2d`, each checked against `torch.nn.functional.conv2d`:
#
# - `naive.conv2d`: seven nested loops, one multiplication at a time; readable, and slow enough that it is only for tiny inputs;
# - `functional.conv2d`: vectorized numpy (it builds an im2col view and calls one batched matrix product);
# - `matrix.conv2d_im2col`: an explicit im2col followed by one matrix product (next section).
#
# The heart of the loop version is the formula written as code (validation and padding omitted here):
#
# ```python
# for n in range(batch):                     # every image
#     for o in range(out_channels):          # every filter
#         for i in range(out_h):             # every output row
#             for j in range(out_w):         # every output column
#                 total = 0
#                 for c in range(in_channels):    # the filter's depth
#                     for u in range(kh):         # kernel rows
#                         for v in range(kw):     # kernel columns
#                             total += x[n, c, i * sh + u * dh, j * sw + v * dw] * w[o, c, u, v]
#                 out[n, o, i, j] = total + bias[o]
# ```

# %% tags=["nbval-ignore-output"]
# Loop and vectorized conv2d versus torch on a random batch (float64), max error printed
xr = np.random.randn(2, 3, 7, 6)
wr = np.random.randn(4, 3, 3, 2)
br = np.random.randn(4)
args = dict(stride=(2, 1), padding=1, dilation=(1, 2))
ref = F.conv2d(torch.from_numpy(xr), torch.from_numpy(wr), torch.from_numpy(br), **args).numpy()
for name, fn in [("naive.conv2d", naive.conv2d), ("functional.conv2d", functional.conv2d)]:
    out = fn(xr, wr, br, **args)
    err = np.abs(out - ref).max()
    assert out.shape == ref.shape == (2, 4, *shapes.conv_output_size((7, 6), (3, 2), (2, 1), 1, (1, 2)))
    assert err < 1e-12
    print(f"{name}: shape {out.shape}, max |error| vs torch = {err:.1e}")

# %% [markdown]
# The errors are tiny but usually not zero: the implementations add the same products in different orders, and floating-point addition is not associative.
# That is why the comparisons use a tolerance rather than exact equality (the integer examples above were exact because small integers add without rounding).
# The last digits of the printed errors can differ from one CPU to another, so this cell's output is not compared by the notebook tests; its `assert` still runs.

# %% [markdown]
# ### Convolution as a matrix product
#
# A convolution is linear in its input: doubling the image doubles the output, and the output of a sum is the sum of the outputs.
# Every linear map is a matrix, so a convolution can be written as one matrix product.
# There are two useful ways to do it, and both matter in practice.
#
# #### im2col: windows as columns
#
# *im2col* ("image to columns") copies each window the kernel visits into one column of a matrix.
# For a 4×4 input and a 3×3 kernel there are four windows of nine values, so the matrix is 9×4.
# The whole convolution is then the kernel flattened to a row (1×9) times that matrix: four dot products in one product.

# %%
# A 4x4 input and a 3x3 kernel with distinct weights, so every entry is easy to trace
x4 = np.arange(16).reshape(4, 4)
k9 = np.arange(1, 10).reshape(3, 3)
cols = matrix.im2col(x4, 3)
assert cols.shape == (9, 4) and cols[:, 0].tolist() == x4[:3, :3].ravel().tolist()
y4 = (k9.ravel() @ cols).reshape(2, 2)
assert np.array_equal(y4, functional.conv2d(x4[None, None], k9[None, None])[0, 0])
print("columns (one window each):\n", cols, "\nkernel row @ columns ->\n", y4)

# %% [markdown]
# With $C_{\text{in}}$ channels each column stacks the windows of all channels ($C_{\text{in}} k^2$ values), and with $C_{\text{out}}$ filters the kernel row becomes a $C_{\text{out}} \times C_{\text{in}}k^2$ weight matrix.
# One large matrix multiplication (a GEMM) then computes every output value of the layer.
# That is how many libraries run convolutions: decades of work have made GEMM run close to a machine's peak speed.
# `matrix.conv2d_im2col` does exactly this and matches PyTorch.

# %%
# im2col + one matmul, for a batch of 2, 3 -> 4 channels, stride 2, padding 1, versus torch
xb = np.random.randn(2, 3, 8, 8)
wb = np.random.randn(4, 3, 3, 3)
bb = np.random.randn(4)
ours = matrix.conv2d_im2col(xb, wb, bb, stride=2, padding=1)
ref = F.conv2d(torch.from_numpy(xb), torch.from_numpy(wb), torch.from_numpy(bb), stride=2, padding=1)
assert ours.shape == (2, 4, 4, 4) and np.allclose(ours, ref.numpy(), rtol=0, atol=1e-12)
print("im2col-as-matmul matches torch: output", ours.shape)

# %% [markdown]
# The price is memory: every input value is copied into up to $k^2$ columns.
# For a typical layer (64 channels, 56×56, 3×3 kernel, padding 1) the column matrix is nine times the size of the input.

# %%
# im2col's memory cost: the column matrix of a 64x56x56 input with a 3x3 kernel
layer_cols = matrix.im2col(np.zeros((1, 64, 56, 56), dtype=np.float32), 3, padding=1)
ratio = layer_cols.size / (64 * 56 * 56)
assert layer_cols.shape == (1, 64 * 9, 56 * 56) and ratio == 9
print(f"input {64 * 56 * 56:,} values, columns {layer_cols.size:,} values: {ratio:.0f}x")

# %% [markdown]
# #### The sparse matrix C
#
# The other view keeps the input as a flat vector of 16 values and puts the kernel into the matrix.
# Row $r$ of $C$ belongs to output cell $r$; it holds the nine kernel weights at the positions of the input pixels that cell's window covers, and zeros elsewhere.
# For the 4×4 input and 3×3 kernel, $C$ is 4×16, and $C\,\mathrm{vec}(x)$ is the flattened 2×2 output.
# Each row is the row above shifted: one place for a step right, four places (one input row) for a step down.

# %%
# The 4x16 convolution matrix C of a 3x3 kernel on a 4x4 input
C = matrix.conv_matrix(k9, (4, 4))
assert C.shape == (4, 16) and (np.count_nonzero(C, axis=1) == 9).all()
assert np.array_equal(C @ x4.ravel(), y4.ravel())
fig, ax = plt.subplots(figsize=(10, 3), layout="constrained")
_ = plotting.grid(C, ax=ax, title="C (4×16): row r = output cell r, column = input pixel")
plt.show()

# %% [markdown]
# Out of 64 entries only 36 are not zero, and every row reuses the same nine weights: a convolution is a very sparse, weight-shared fully connected layer.
# The transpose $C^\top$ is 16×4 and maps a 2×2 map back to 4×4, which is the *transposed convolution* of notebook 05.
# It is also how the gradient flows back to the input during training.

# %%
# C transposed maps a 2x2 map [[1, 0], [0, 2]] back to 4x4, as torch's transposed convolution
g = np.array([1.0, 0.0, 0.0, 2.0])
up = (C.T @ g).reshape(4, 4)
ref_up = F.conv_transpose2d(torch.tensor(g).reshape(1, 1, 2, 2), torch.tensor(k9, dtype=torch.float64)[None, None])
assert np.array_equal(up, ref_up.numpy()[0, 0])
print(up)

# %% [markdown]
# ## Cost
#
# ### Parameters
#
# A layer with $C_{\text{out}}$ filters of size $C_{\text{in}} \times k \times k$, each with one bias, has
#
# $$
# \text{params} = (C_{\text{in}} \cdot k \cdot k + 1) \cdot C_{\text{out}} .
# $$
#
# The input size does not appear: the same weights are reused at every position.
# That weight sharing is what makes convolutions so much cheaper in parameters than fully connected layers.

# %%
# Parameters of a 3 -> 8 channel 3x3 layer: formula, cost.conv_params and the real nn.Conv2d
layer = torch.nn.Conv2d(3, 8, kernel_size=3)
formula = (3 * 3 * 3 + 1) * 8
assert formula == cost.conv_params(3, 8, 3) == cost.count_params(layer) == 224
print(f"(3*3*3 + 1) * 8 = {formula} parameters")

# %% [markdown]
# ### Multiply-adds
#
# Every output value is a dot product of length $C_{\text{in}} k^2$, and there are $C_{\text{out}} \cdot o_h \cdot o_w$ output values, so one image costs
#
# $$
# \text{MACs} = C_{\text{out}} \cdot o_h \cdot o_w \cdot C_{\text{in}} \cdot k^2
# $$
#
# multiply-adds (bias additions are not counted; a multiply-add is two FLOPs).
# Below, the formula is compared with what the loop code actually does (it counts each multiplication it performs) and with PyTorch's FLOP counter run on the `nn.Conv2d` layer.

# %%
# Multiply-adds of the 3 -> 8 layer on one 5x5x3 image: formula, loop count, torch count
counter = naive.MultiplicationCounter()
_ = naive.conv2d(x3[None], w8, b8, counter=counter)
formula = 8 * 3 * 3 * (3 * 3 * 3)  # C_out * o_h * o_w * (C_in * k * k)
assert counter.count == formula == cost.conv_macs(3, 8, 3, 3) == cost.count_macs(layer, (1, 3, 5, 5))
print(f"8 * 3 * 3 * 27 = {formula} multiply-adds; the loop performed {counter.count} multiplications")

# %% [markdown]
# The cost grows with the **output area** (quadratically in the image side) and with $k^2$.
# Parameters, in contrast, grow with $k^2$ but not with the image at all.
# The plot shows both for a 64 → 64 channel layer with "same" padding.

# %%
# Multiply-adds vs image side for k = 1, 3, 5, 7, and parameters vs kernel size
sizes = np.arange(8, 225, 8)
macs = {f"k={kk}": np.array([cost.conv_macs(64, 64, kk, int(n)) for n in sizes]) for kk in (1, 3, 5, 7)}
ks = np.arange(1, 12, 2)
params = {"parameters": np.array([cost.conv_params(64, 64, int(kk)) for kk in ks])}
assert macs["k=3"][-1] == 64 * 64 * 9 * 224 * 224 and params["parameters"][1] == 36928
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
_ = plotting.cost_curves(sizes, macs, ax=axes[0], xlabel="image side (pixels)", ylabel="multiply-adds", title="MACs grow with the area", logy=True)
_ = plotting.cost_curves(ks, params, ax=axes[1], xlabel="kernel size k", ylabel="parameters", title="parameters grow with k², not with the image")
plt.show()

# %% [markdown]
# ## Claim check
#
# The numbers this lesson's curriculum states, each recomputed by package code and asserted:
#
# - a 5×5 input with a 3×3 kernel gives 3×3; with padding 1 it gives 5×5; stride 2 gives 2×2 without padding and 3×3 with padding 1;
# - a 5×5×3 input with one 3×3×3 filter gives 3×3×1, and N filters give N output channels;
# - the convolution matrix of a 3×3 kernel on a 4×4 input is 4×16 (Dumoulin and Visin, section 4.1).

# %%
# The curriculum's claims for this lesson, asserted
assert shapes.conv_output_size((5, 5), 3) == (3, 3)
assert shapes.conv_output_size((5, 5), 3, padding=1) == (5, 5)
assert shapes.conv_output_size(5, 3, stride=2) == 2 and shapes.conv_output_size(5, 3, stride=2, padding=1) == 3
assert functional.conv2d(np.ones((1, 3, 5, 5)), np.ones((1, 3, 3, 3))).shape == (1, 1, 3, 3)
for n_filters in (1, 4, 16):
    assert functional.conv2d(np.ones((1, 3, 5, 5)), np.ones((n_filters, 3, 3, 3))).shape == (1, n_filters, 3, 3)
assert matrix.conv_matrix(np.ones((3, 3)), (4, 4)).shape == (4, 16)
print("all claims hold")

# %% [markdown]
# ### Errata
#
# > The source article's first half (which covers this lesson) is not in the project's seed folder, so there is no article sentence to correct here.
# > Instead, three statements that circulate widely and are wrong or incomplete, checked above:
# >
# > 1. "The output size is $(i - k + 2p)/s + 1$."
# >    Without the floor this is not even an integer for $i = 6$, $k = 3$, $p = 1$, $s = 2$ (it gives 3.5); the true size is 3.
# > 2. "'Same' padding is $\lfloor k/2 \rfloor$ on each side."
# >    Only for odd kernels; for $k = 4$ that would give 7 from 6, and PyTorch pads (1, 2).
# > 3. "$p$ in the output formula is the padding."
# >    It depends on the author: PyTorch and the guide count per side ($2p$ in the formula), d2l counts the total ($p_h$ in the formula).

# %% [markdown]
# ## Explore
#
# The explorer below redraws the convolution for any input size, kernel size, stride, padding and dilation, and prints the output size.
# Try to make the floor appear (an input that leaves the last column unvisited), and try a kernel that is larger than the padded input: the explorer explains why that is impossible instead of failing.
# First, a fixed setting, checked in code:

# %%
# Drive the explorer headless with the guide's figure 2.7 setting and check what it reports
explorer = widgets.conv2d_explorer()
render = explorer.update(input_size=6, kernel_size=3, stride=2, padding=1, dilation=1, step=5)
assert render.error is None and render.text.startswith("output size 3×3")
assert "never covered" in render.text  # the explorer spots the floor
print(render.text)

# %%
# An impossible setting: a 7x7 kernel on a 3x3 input without padding is explained, not raised
bad = explorer.update(input_size=3, kernel_size=7, padding=0)
assert bad.error is not None and "fits" in bad.error
print(bad.error)

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(input_size=5, kernel_size=3, stride=1, padding=0, step=0)
explorer.widget

# %% [markdown]
# The animation shows the window moving with stride 2 over the padded 5×5 example: watch it jump two cells and write every second output.

# %% tags=["nbval-ignore-output"]
# Sliding-window animation: 5x5 input, 3x3 kernel, stride 2, padding 1 (9 frames)
anim = animation.sliding_window(x, k, stride=2, padding=1, max_frames=9, dpi=60)
assert np.array_equal(anim.result, y_s2) and len(anim.steps) == 9
animation.to_html(anim)

# %% [markdown]
# ## In practice
#
# In PyTorch a 2D convolution layer is `torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros')`.
# Its weight has shape `(out_channels, in_channels, k, k)`: one row per filter, exactly the stack of 3D filters from the intuition.
# The functional form `torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups)` takes the weight explicitly.
#
# Real architectures use a few patterns over and over:
#
# - VGG stacks 3×3 convolutions with padding 1 (size kept) and halves the size with pooling;
# - ResNet's stem is a 7×7 convolution with stride 2 and padding 3, which halves a 224×224 image to 112×112;
# - later ResNet stages downsample with stride-2 3×3 convolutions, and use 1×1 convolutions (notebook 04) to change the channel count.

# %%
# ResNet's stem: a 7x7, stride 2, padding 3 conv from 3 to 64 channels on a 224x224 image
stem = torch.nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
with torch.no_grad():
    out = stem(torch.zeros(1, 3, 224, 224))
assert tuple(stem.weight.shape) == (64, 3, 7, 7) and tuple(out.shape) == (1, 64, 112, 112)
assert shapes.conv_output_size(224, 7, 2, 3) == 112 and cost.count_params(stem) == 9408
print(f"weight {tuple(stem.weight.shape)}, output {tuple(out.shape)}, {cost.conv_macs(3, 64, 7, 112):,} MACs")

# %% [markdown]
# Pitfalls that cost people hours:
#
# - **Channel order.** Images from numpy, PIL or matplotlib are `(H, W, C)`; PyTorch wants `(N, C, H, W)`.
#   Use `torch.from_numpy(img).permute(2, 0, 1)[None]`, not `reshape`, which scrambles pixels.
# - **Odd sizes and strides.** With stride 2, inputs 223 and 224 give the same output size; decoders that upsample back must know which one they came from (notebook 05).
# - **Even kernels and "same".** `padding='same'` pads asymmetrically for even kernels and is refused for stride > 1; an integer `padding` is always symmetric.
# - **TF32 on GPUs.** On recent NVIDIA GPUs, PyTorch lets cuDNN use TF32 for float32 convolutions by default, which keeps only about three significant decimal digits of each multiplication input (float32 keeps about seven) in exchange for speed (see the GPU section).

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): single-channel correlation with stride and padding
#
# Write `corr2d(x, k, stride=1, padding=0)` for a 2-D array `x` (H×W) and a 2-D kernel `k` (kh×kw), with the same stride and padding (per side) in both directions.
# Return a 2-D numpy array.
# Use plain loops or numpy slicing, but not the package or `torch`: the check compares you with `functional.conv2d`.
# Hint: pad with `np.pad`, compute the output size first, then fill the output cell by cell.

# %% nbgrader={"grade": false, "grade_id": "l02_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation of single-channel cross-correlation with stride and padding
def corr2d(x, k, stride=1, padding=0):
    ### BEGIN SOLUTION
    xp = np.pad(np.asarray(x, dtype=float), padding)
    kh, kw = k.shape
    oh = (xp.shape[0] - kh) // stride + 1
    ow = (xp.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for u in range(oh):
        for v in range(ow):
            out[u, v] = (xp[u * stride:u * stride + kh, v * stride:v * stride + kw] * k).sum()
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l02_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check corr2d against the package's conv2d on several cases
exercises.check_corr2d(corr2d)
### BEGIN HIDDEN TESTS
assert np.array_equal(corr2d(x, k), expected)
assert np.array_equal(corr2d(x, k, 2, 1), functional.conv2d(x[None, None], k[None, None], stride=2, padding=1)[0, 0])
_xh = np.random.default_rng(7).standard_normal((9, 6))
_kh = np.random.default_rng(8).standard_normal((2, 3))
assert np.allclose(corr2d(_xh, _kh, 3, 2), functional.conv2d(_xh[None, None], _kh[None, None], stride=3, padding=2)[0, 0])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): output sizes
#
# Predict the output size $o$ (one side of a square output) for each setting, **without running code**, then enter your answers.
# Use the formula, and draw the padded input if the stride does not divide.
#
# | setting | input $i$ | kernel $k$ | stride $s$ | padding $p$ (per side) | dilation $d$ |
# |---|---|---|---|---|---|
# | a | 7 | 3 | 1 | 0 | 1 |
# | b | 7 | 3 | 2 | 1 | 1 |
# | c | 8 | 3 | 2 | 1 | 1 |
# | d | 32 | 5 | 1 | 2 | 1 |
# | e | 9 | 3 | 1 | 0 | 2 |
# | f | 6 | 4 | 3 | 1 | 1 |

# %% nbgrader={"grade": false, "grade_id": "l02_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted output sizes, one int per setting
### BEGIN SOLUTION
answers = {"a": 5, "b": 4, "c": 4, "d": 32, "e": 5, "f": 2}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l02_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against the formula (the settings are the table's)
exercises.check_conv2d_output_sizes(answers)
### BEGIN HIDDEN TESTS
assert answers["c"] == 4 and answers["f"] == 2
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): one filter, one channel
#
# A layer receives a 32×32×16 feature map (16 channels) and applies **one** filter of size 3×3×16 with padding 1.
# Explain in two to four sentences why the output has exactly one channel, and what you would change to get 16 output channels.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l02_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The filter is as deep as the input (16 channels), so it can only move in height and width, not in depth.
# At each of the 32×32 positions it multiplies all 3·3·16 = 144 overlapping pairs and adds them (plus the bias) into a single number, so each position yields one value and the whole output is 32×32×1.
# The channels are summed away inside the dot product; they are not kept apart.
# To get 16 output channels, use 16 filters (a weight of shape (16, 16, 3, 3)); each writes its own channel.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# On a GPU the lesson's claims become measurable.
# `gpu.lesson02` runs a typical layer (a batch of 8 images of 64×56×56, 64 filters of 3×3, padding 1: about 1.85 GFLOP) three ways and checks each against a float64 CPU result.
#
# - **Accuracy and TF32.** With TF32 off the GPU's float32 result differs from float64 by around $10^{-5}$ at worst (float32 rounding in sums of 576 products).
# With TF32 on, cuDNN rounds the multiplication inputs to 10 mantissa bits, and the error grows roughly a thousandfold (give or take a factor of ten); that is the price of its speed-up, and why you should know the switch exists (`torch.backends.cudnn.allow_tf32`).
# - **cuDNN vs im2col + matmul.** Both do the same arithmetic; the prediction is that they reach a similar fraction of the GPU's peak TFLOP/s, with cuDNN ahead because im2col first writes a patch matrix nine times the input's size (about 58 MB here) to memory and reads it back.
# - **A naive loop.** One small matrix product per output position, launched from Python, is compared with `conv2d` at a tiny size; it is slower by orders of magnitude, because each launch does almost no arithmetic and the GPU spends its time waiting.
#
# The next cell computes the layer's size on paper; without CUDA the GPU cell after it prints one line and the rest of the notebook is unaffected.

# %%
# The GPU layer on paper: FLOPs of one batch of 8, and its float32 im2col patch matrix (8 x layer_cols)
gpu_flops = 2 * 8 * cost.conv_macs(64, 64, 3, 56)
patch_bytes = 4 * 8 * layer_cols.size  # layer_cols: the columns of one 64x56x56 image, from the Implementation
print(f"{gpu_flops / 1e9:.2f} GFLOP per batch; patch matrix {patch_bytes / 1e6:.1f} MB; {64 * 9} products per output")
assert round(gpu_flops / 1e9, 2) == 1.85 and round(patch_bytes / 1e6) == 58 and layer_cols.shape[1] == 576

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("02")

# %% [markdown]
# ## Summary
#
# - A 2D convolution slides a $k \times k$ kernel over the input and writes one dot product per position; deep learning does not flip the kernel.
# - Padding adds zeros on each side, stride skips positions, dilation spreads the taps; together $o = \lfloor (i + 2p - d(k-1) - 1)/s \rfloor + 1$.
# - The floor drops the last rows and columns when the stride does not divide, so different inputs can share an output size.
# - "Same" padding splits $d(k-1)$ zeros between the two sides; for even kernels PyTorch puts the extra zero after.
# - A multi-channel filter is a 3D block as deep as the input that moves in 2D; it sums over channels, so one filter gives one channel and N filters give N.
# - A convolution is a matrix product: im2col turns it into one GEMM (fast, nine times the memory for 3×3), and the sparse matrix $C$ (4×16 in the example) shows its structure; $C^\top$ is the transposed convolution.
# - Parameters $(C_{\text{in}}k^2 + 1)C_{\text{out}}$ do not depend on the image; multiply-adds $C_{\text{out}} o_h o_w C_{\text{in}} k^2$ grow with the output area.

# %% [markdown]
# ## References
#
# - V. Dumoulin, F. Visin. *A guide to convolution arithmetic for deep learning*. 2016. [arXiv:1603.07285](https://arxiv.org/abs/1603.07285)
# - K. Chellapilla, S. Puri, P. Simard. *High performance convolutional neural networks for document processing*. IWFHR 2006 (im2col + matrix multiplication).
# - S. Chetlur et al. *cuDNN: Efficient primitives for deep learning*. 2014. [arXiv:1410.0759](https://arxiv.org/abs/1410.0759)
# - A. Zhang, Z. C. Lipton, M. Li, A. J. Smola. *Dive into Deep Learning*, chapter 7. [arXiv:2106.11342](https://arxiv.org/abs/2106.11342)
# - K. Simonyan, A. Zisserman. *Very deep convolutional networks for large-scale image recognition* (VGG). 2014. [arXiv:1409.1556](https://arxiv.org/abs/1409.1556)
# - K. He, X. Zhang, S. Ren, J. Sun. *Deep residual learning for image recognition* (ResNet). 2015. [arXiv:1512.03385](https://arxiv.org/abs/1512.03385)
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article; its first half covers this lesson).
# - PyTorch documentation: `torch.nn.Conv2d`, `torch.nn.functional.conv2d`, `torch.nn.functional.unfold`.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | 2D convolution | 二维卷积 |
# | cross-correlation | 互相关 |
# | kernel | 卷积核 |
# | filter | 滤波器 |
# | channel | 通道 |
# | feature map | 特征图 |
# | padding | 填充 |
# | zero padding | 零填充 |
# | "same" padding | 相同填充 |
# | stride | 步幅 |
# | dilation | 空洞(扩张) |
# | receptive field | 感受野 |
# | output size | 输出尺寸 |
# | bias | 偏置 |
# | im2col | 图像转列 (im2col) |
# | sparse matrix | 稀疏矩阵 |
# | matrix multiplication (GEMM) | 矩阵乘法 |
# | multiply-add (MAC) | 乘加运算 |
# | parameter | 参数 |
# | transposed convolution | 转置卷积 |
