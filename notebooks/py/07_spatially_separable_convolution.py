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
# # 07 · Spatially separable convolution · 空间可分离卷积
#
# Some 2D kernels are secretly two 1D kernels glued together.
# When that happens you can replace one pass of an m×m kernel by a pass of an m×1 column followed by a pass of a 1×m row, and get exactly the same output with fewer multiplications and fewer weights.
# This notebook shows when a kernel can be split, how much the split saves (and when it saves nothing), how to split any kernel into a sum of such pairs, and why deep networks rarely force their kernels into this shape.
#
# Where it fits: [← 06 · Dilated convolution](06_dilated_convolution.ipynb) enlarged the receptive field without adding weights.
# Here we cut the cost of a kernel of a given size by factorizing it in space.
# Next: [08 · Depthwise separable convolution →](08_depthwise_separable_convolution.ipynb), which factorizes across channels instead and is the kind of "separable" that modern networks actually use.

# %% [markdown]
# ## Learning objectives
#
# By the end you will be able to:
#
# 1. write the Sobel kernel as the outer product of $[1, 2, 1]^\top$ and $[-1, 0, 1]$, and run it as a 3×1 pass followed by a 1×3 pass;
# 2. count the multiplications of both versions on an $N \times N$ image, by formula and by instrumented loops, and explain why the ratio tends to $2/m$;
# 3. decide whether a kernel separates by computing its rank with the SVD, and measure how far a kernel is from the nearest separable one;
# 4. write any kernel as a sum of $r$ separable passes and say when that is still cheaper;
# 5. use separable filters in PyTorch (a Gaussian blur, Inception-v3's $1 \times n$ and $n \times 1$ layers) and explain why learned layers are rarely forced to be separable.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: single-channel 2D convolution (really cross-correlation), output sizes, counting multiplications with `naive.MultiplicationCounter`.
# - numpy: `np.outer`, matrix products, and the idea of the rank of a matrix (the number of linearly independent rows).
#   The singular value decomposition (SVD) is introduced here as a tool; you do not need to know how it is computed.
# - Tensors in PyTorch are `(N, C, H, W)`; a kernel of size `(kh, kw)` has `kh` rows and `kw` columns.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import (
    animation, cost, data, decompose, exercises, filters, functional, gpu, naive, plotting, widgets,
)

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Look closely at the Sobel kernel that finds vertical edges.
# Its three rows are $[-1, 0, 1]$, $[-2, 0, 2]$ and $[-1, 0, 1]$: every row is the same pattern $[-1, 0, 1]$, scaled by 1, 2 and 1.
# So the whole kernel is a column $[1, 2, 1]^\top$ times a row $[-1, 0, 1]$: cell $(i, j)$ holds $\text{column}_i \cdot \text{row}_j$.
# That product of a column by a row is called an **outer product**, written $\otimes$.

# %%
# The Sobel kernel is the outer product of a smoothing column and a derivative row
column, row = np.array(filters.SMOOTHING_1D), np.array(filters.DERIVATIVE_1D)
sobel = filters.sobel2d(axis=1)
assert np.array_equal(np.outer(column, row), sobel)
assert sobel.astype(int).tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
_ = plotting.outer_product(column, row, titles=("smoothing", "derivative", "Sobel"))
plt.show()

# %% [markdown]
# The row $[-1, 0, 1]$ takes a difference between the right and the left neighbour: it responds to changes along the width.
# The column $[1, 2, 1]$ averages three neighbours vertically, with the middle one counted twice: it smooths away noise along the height.
# Sobel is "smooth vertically, differentiate horizontally", and those two jobs can be done one after the other.
#
# That is the whole trick.
# Instead of sliding the 3×3 kernel once, slide the 3×1 column down the image first, which gives an intermediate image, then slide the 1×3 row along that intermediate.
# The figure runs both passes on the 5×5 image of notebook 02 and follows one output cell back to its inputs.

# %%
# The 5x5 example image of notebook 02, filtered by the column pass, then by the row pass
x = np.array([[3, 3, 2, 1, 0],
              [0, 0, 1, 3, 1],
              [3, 1, 2, 2, 3],
              [2, 0, 0, 2, 2],
              [2, 0, 0, 0, 1]], dtype=float)
_ = plotting.separable_steps(x, column, row, position=(1, 1))
plt.show()

# %% [markdown]
# Check the highlighted cells by hand.
# The intermediate cell at row 1, column 1 is the column $[1, 2, 1]$ applied to input column 1, rows 1 to 3: $1\cdot0 + 2\cdot1 + 1\cdot0 = 2$.
# Its neighbours to the right are $1\cdot1 + 2\cdot2 + 1\cdot0 = 5$ and $1\cdot3 + 2\cdot2 + 1\cdot2 = 9$.
# The row $[-1, 0, 1]$ then gives the output $-1\cdot2 + 0\cdot5 + 1\cdot9 = 7$.
# The red 3×3 block in the input is exactly the window the full Sobel kernel would use for that output cell, and the full kernel gives 7 as well.
#
# The column pass shrinks only the height (5 rows become 3) and keeps all 5 columns, because a 3×1 kernel fits 3 times down and 5 times across.
# The row pass then shrinks the width (5 columns become 3).
# The final output is 3×3, the same size as with the full kernel.

# %% [markdown]
# ## Definition
#
# A kernel $K$ of size $k_h \times k_w$ is **spatially separable** when there are a column vector $c$ (length $k_h$) and a row vector $r$ (length $k_w$) with
#
# $$
# K = c \, r^\top, \qquad K_{i,j} = c_i \, r_j .
# $$
#
# Put this into the cross-correlation of notebook 02 (stride 1, no padding) and regroup the double sum:
#
# $$
# y_{u,v} \;=\; \sum_{i=0}^{k_h-1} \sum_{j=0}^{k_w-1} c_i\, r_j\, x_{u+i,\,v+j}
# \;=\; \sum_{j=0}^{k_w-1} r_j \underbrace{\Bigl(\sum_{i=0}^{k_h-1} c_i\, x_{u+i,\,v+j}\Bigr)}_{t_{u,\,v+j}} .
# $$
#
# The inner sum $t$ is the column pass: a $k_h \times 1$ kernel slid over the image, which produces an $(H - k_h + 1) \times W$ intermediate.
# The outer sum is the row pass: a $1 \times k_w$ kernel slid along each row of $t$, which produces the $(H - k_h + 1) \times (W - k_w + 1)$ output.
# Nothing is approximated: the regrouping is exact, so both routes give the same numbers (up to floating-point rounding for non-integers).
#
# The kernel has $k_h k_w$ weights; its two factors have $k_h + k_w$.
# For the 3×3 Sobel kernel that is **6 parameters instead of 9**.

# %% [markdown]
# ### The worked example, all nine numbers
#
# Here are the intermediate and the output of the figure, computed by the package's loop version and checked against one pass of the full Sobel kernel.

# %%
# Column pass, row pass, and the one-pass Sobel result: they must agree exactly
middle = naive.conv2d(x[None, None], column.reshape(1, 1, 3, 1))[0, 0]
y_two = naive.spatially_separable_conv2d(x, column, row)
y_one = naive.conv2d(x[None, None], sobel[None, None])[0, 0]
assert middle.shape == (3, 5) and y_two.shape == y_one.shape == (3, 3)
assert np.array_equal(y_two, y_one) and y_two[1, 1] == 7 and middle[1, 1:4].tolist() == [2, 5, 9]
assert sobel.size == 9 and column.size + row.size == 6
print("intermediate (3x5):\n", middle, "\noutput (3x3):\n", y_two)

# %% [markdown]
# The order of the two passes does not matter: the sum above can be regrouped the other way, with the row pass first.
# Then the intermediate is 5×3 (the width shrinks first) and the output is the same.

# %%
# Row pass first, then the column pass: same output
row_first = functional.conv2d(x[None, None], row.reshape(1, 1, 1, 3))
swapped = functional.conv2d(row_first, column.reshape(1, 1, 3, 1))[0, 0]
assert row_first.shape[-2:] == (5, 3) and np.array_equal(swapped, y_one)
print(swapped)

# %% [markdown]
# ### Which kernels separate? The rank
#
# $K = c\,r^\top$ says that every row of $K$ is a multiple of the same row $r$.
# In linear-algebra words, $K$ has **rank 1**: one independent row, all others are multiples of it.
# So "is this kernel separable?" is the question "is its rank 1?", and the numerically reliable way to answer it is the **singular value decomposition** (SVD).
#
# The SVD writes any matrix as a sum of rank-1 pieces, ordered from most to least important:
#
# $$
# K = \sum_{i=1}^{\min(k_h, k_w)} s_i\, u_i\, v_i^\top, \qquad s_1 \ge s_2 \ge \dots \ge 0 ,
# $$
#
# where the $u_i$ are unit column vectors, the $v_i$ unit row vectors and the $s_i$ the **singular values**.
# The rank is the number of singular values that are not zero.
# A separable kernel has exactly one non-zero singular value.
#
# Try it on a few classic kernels: Sobel, a Gaussian blur, a box (mean) filter, the Laplacian (which detects blobs and edges in every direction) and a random kernel, the kind a network starts training from.

# %%
# Singular values and rank of five 3x3 kernels
laplacian = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
kernels = {"Sobel": sobel, "Gaussian": filters.gaussian(3, 1.0), "box": filters.box(3),
           "Laplacian": laplacian, "random": np.random.randn(3, 3)}
ranks = {name: decompose.kernel_rank(k) for name, k in kernels.items()}
assert ranks == {"Sobel": 1, "Gaussian": 1, "box": 1, "Laplacian": 2, "random": 3}
assert all(ranks[n] == np.linalg.matrix_rank(k) for n, k in kernels.items())
for name, k in kernels.items():
    print(f"{name:>9}: singular values {np.linalg.svd(k, compute_uv=False)}, rank {ranks[name]}")

# %% [markdown]
# Sobel, Gaussian and box filters have one non-zero singular value: they separate.
# The Laplacian has two, the random kernel three: no single column-row pair can reproduce them.
# (Tiny singular values like `0.` here are exact zeros up to rounding; `kernel_rank` uses the same threshold as `np.linalg.matrix_rank`.)
#
# `decompose.separate` turns the SVD into (column, row) pairs, $c_i = \sqrt{s_i}\,u_i$ and $r_i = \sqrt{s_i}\,v_i$.
# For Sobel it recovers $[1, 2, 1]$ and $[-1, 0, 1]$, only scaled differently: multiplying the column by any number $a$ and dividing the row by $a$ gives the same kernel, so the split is unique only up to such a scale.

# %%
# The SVD factors of Sobel are [1, 2, 1] and [-1, 0, 1] up to a scale
[(c_svd, r_svd)] = decompose.separate(sobel)
assert np.allclose(c_svd / c_svd[0], [1, 2, 1]) and np.allclose(r_svd / r_svd[2], [-1, 0, 1])
assert np.allclose(np.outer(c_svd, r_svd), sobel)
print("column", c_svd, "= %.4f x [1, 2, 1]" % c_svd[0])
print("row   ", r_svd, "= %.4f x [-1, 0, 1]" % r_svd[2])

# %% [markdown]
# ## Implementation
#
# The package has the two passes three ways, all compared with PyTorch:
#
# - `naive.spatially_separable_conv2d(x, column, row)`: two loops over a 2-D image, one multiplication at a time (readable, tiny inputs only);
# - `functional.spatially_separable_conv2d(input, column, row, stride, padding)`: vectorized numpy on `(N, C, H, W)` input, the same column and row applied to every channel;
# - PyTorch itself: two `F.conv2d` calls with weights of shape `(C, 1, kh, 1)` and `(C, 1, 1, kw)` and `groups=C`, so each channel is filtered on its own.
#
# The loop version is the definition written as code:
#
# ```python
# middle = np.zeros((H - kh + 1, W))           # pass 1: the column, down every column
# for i in range(H - kh + 1):
#     for j in range(W):
#         middle[i, j] = sum(x[i + u, j] * column[u] for u in range(kh))
# out = np.zeros((H - kh + 1, W - kw + 1))      # pass 2: the row, along every row
# for i in range(H - kh + 1):
#     for j in range(W - kw + 1):
#         out[i, j] = sum(middle[i, j + v] * row[v] for v in range(kw))
# ```

# %% tags=["nbval-ignore-output"]
# Loop, vectorized and torch two-pass versions vs one torch conv with the outer-product kernel
xr, cr, rr = np.random.randn(2, 3, 9, 8), np.random.randn(4), np.random.randn(3)
xt, ct, rt = (torch.from_numpy(a) for a in (xr, cr, rr))
ref = F.conv2d(xt, torch.outer(ct, rt).expand(3, 1, 4, 3), padding=1, groups=3)
mid = F.conv2d(xt, ct.reshape(1, 1, 4, 1).expand(3, 1, 4, 1), padding=(1, 0), groups=3)
results = {"functional": (functional.spatially_separable_conv2d(xr, cr, rr, padding=1), ref),
           "torch, two passes": (F.conv2d(mid, rt.reshape(1, 1, 1, 3).expand(3, 1, 1, 3), padding=(0, 1), groups=3), ref),
           "naive (one channel, no padding)": (naive.spatially_separable_conv2d(xr[0, 0], cr, rr), F.conv2d(xt[:1, :1], torch.outer(ct, rt)[None, None])[0, 0])}
for name, (out, target) in results.items():
    err = np.abs(np.asarray(out) - target.numpy()).max()
    assert tuple(out.shape) == tuple(target.shape) and err < 1e-12
    print(f"{name}: shape {tuple(out.shape)}, max |error| vs one torch conv2d = {err:.1e}")

# %% [markdown]
# All three agree with one convolution by the outer-product kernel to about $10^{-15}$: the differences are rounding, because the two routes add the same products in a different order.
# (The printed digits of the errors can change from one CPU to another, so this cell's output is not compared by the tests; its `assert` always runs.)
#
# Padding needs one thought.
# With zero padding $p$ on every side, the column pass pads only the top and bottom, `padding=(p, 0)`, and the row pass only the left and right, `padding=(0, p)`.
# This gives exactly the padded 2D result: the zero rows that the 2D kernel would see at the top and bottom become zero rows of the intermediate.

# %% [markdown]
# ### Any kernel is a sum of separable passes
#
# The SVD says more than "separable or not".
# It writes **every** kernel as a sum of $r$ rank-1 kernels, where $r$ is its rank.
# Convolution is linear, so convolving with a sum of kernels is the sum of the convolutions, and each of those is a pair of 1-D passes.
# A rank-$r$ kernel is therefore exactly $r$ separable passes added together.
#
# The Laplacian is a nice example because it has an obvious split that a human would write: a second derivative down the columns plus a second derivative along the rows, $[1, -2, 1]^\top \otimes [0, 1, 0] + [0, 1, 0]^\top \otimes [1, -2, 1]$.
# The SVD finds a different pair of rank-1 terms, and both sums are exact: a decomposition into separable pieces is not unique.

# %%
# The Laplacian as two separable passes: the hand-made split and the SVD split
d2, e = np.array([1.0, -2.0, 1.0]), np.array([0.0, 1.0, 0.0])
hand = [(d2, e), (e, d2)]
svd_pairs = decompose.separate(laplacian)
assert len(svd_pairs) == 2 and np.array_equal(decompose.reconstruct(hand), laplacian)
assert np.allclose(decompose.reconstruct(svd_pairs), laplacian)
img = np.random.randn(1, 1, 8, 8)
direct = functional.conv2d(img, laplacian[None, None])
for name, pairs in [("hand-made", hand), ("SVD", svd_pairs)]:
    passes = sum(functional.spatially_separable_conv2d(img, c, r) for c, r in pairs)
    assert np.allclose(passes, direct, atol=1e-12)
    print(f"{name}: {len(pairs)} separable passes reproduce the Laplacian's output")

# %% [markdown]
# Each extra term costs another pair of passes.
# A rank-$r$ kernel of size $m \times m$ costs $r \cdot 2m$ multiplications per output (roughly, for large images) instead of $m^2$, so the sum is cheaper only while $r < m/2$.
# A random 5×5 kernel has rank 5 and would need $5 \cdot 10 = 50$ multiplications per output instead of 25: splitting it exactly makes it **more** expensive.

# %% [markdown]
# ### The closest separable kernel
#
# When a kernel is not separable, you can still replace it by the separable kernel closest to it.
# The Eckart–Young theorem says that keeping the first term of the SVD, $s_1 u_1 v_1^\top$, gives the best rank-1 approximation in the Frobenius norm (the square root of the sum of squared entries), and that the error is $\sqrt{s_2^2 + s_3^2 + \dots}$.
# `decompose.best_rank1` returns that kernel, its error, and the fraction of the kernel's "energy" $\sum K_{ij}^2$ it keeps, $s_1^2 / \sum_i s_i^2$.

# %%
# Best separable approximation of the Laplacian and of the random kernel, with the error left over
fig, axes = plt.subplots(2, 3, figsize=(8, 5.4), layout="constrained")
for ax_row, name in zip(axes, ["Laplacian", "random"]):
    best = decompose.best_rank1(kernels[name])
    s = np.linalg.svd(kernels[name], compute_uv=False)
    assert np.isclose(best.error, np.sqrt(s[1] ** 2 + s[2] ** 2))
    plotting.grid(kernels[name], ax_row[0], title=f"{name} kernel", cmap=plotting.KERNEL_CMAP)
    plotting.grid(best.approximation, ax_row[1], title=f"best rank 1 ({best.energy:.1%} energy)")
    plotting.grid(kernels[name] - best.approximation, ax_row[2], title=f"error (relative {best.relative_error:.1%})", cmap="Reds")
assert round(decompose.best_rank1(laplacian).energy, 4) == 0.9899
plt.show()

# %% [markdown]
# The Laplacian is almost separable: its best rank-1 version keeps 99% of its energy, and the error is a faint, symmetric pattern.
# A random kernel is much further away.
# How far, typically?
# Draw many random 3×3 kernels and measure:

# %%
# How much of a random 3x3 kernel the best separable kernel keeps, over 2,000 draws
rng = np.random.default_rng(0)
energy = np.array([decompose.best_rank1(rng.standard_normal((3, 3))).energy for _ in range(2000)])
assert 0.7 < energy.mean() < 0.8 and (energy > 0.99).mean() < 0.01
print(f"energy kept: mean {energy.mean():.1%}, 10th percentile {np.percentile(energy, 10):.1%}, "
      f"share of kernels above 99%: {(energy > 0.99).mean():.1%}")

# %% [markdown]
# On average the best separable replacement of a random 3×3 kernel keeps only about three quarters of it, and essentially never 99%.
# A kernel with nine free numbers has far more room than a separable one, which has only $3 + 3 - 1 = 5$ degrees of freedom (the $-1$ is the free scale between column and row).
# Keep this in mind for the "In practice" section.

# %% [markdown]
# ## Cost
#
# ### Counting on the article's example
#
# Take a 5×5 image and a 3×3 kernel, stride 1, no padding.
# The full kernel fits at $3 \times 3 = 9$ positions and multiplies 9 pairs at each: $9 \times 9 = 81$ multiplications.
#
# The separable version first slides the 3×1 column: it fits 3 times down and 5 times across, **15 positions** with 3 multiplications each, 45 in all, and leaves a 3×5 intermediate.
# Then the 1×3 row fits 3 times across and 3 times down that intermediate, **9 positions** with 3 multiplications each, 27 in all.
# Together $45 + 27 = 72$, against 81.
# Rather than trust the arithmetic, let the loop code count what it does.

# %%
# Multiplications the loop code performs on the 5x5 example: one 3x3 pass vs the two 1-D passes
full, first, both = (naive.MultiplicationCounter() for _ in range(3))
_ = naive.conv2d(x[None, None], sobel[None, None], counter=full)
_ = naive.conv2d(x[None, None], column.reshape(1, 1, 3, 1), counter=first)
_ = naive.spatially_separable_conv2d(x, column, row, counter=both)
assert full.count == 9 * 9 == 81 and first.count == 15 * 3 == 45
assert both.count - first.count == 9 * 3 == 27 and both.count == 72
print(f"one 3x3 pass: {full.count}; column pass {first.count} + row pass "
      f"{both.count - first.count} = {both.count}")

# %% [markdown]
# ### The general formula
#
# Now an $N \times N$ image and an $m \times m$ kernel, stride 1, no padding.
# The output is $(N - m + 1) \times (N - m + 1)$.
#
# - **Standard:** $(N - m + 1)^2$ positions, $m^2$ multiplications each: $(N - m + 1)^2\, m^2$.
# - **Column pass:** the $m \times 1$ kernel fits $(N - m + 1)$ times down each of the $N$ columns, $m$ multiplications each: $N (N - m + 1)\, m$.
# - **Row pass:** the $1 \times m$ kernel fits $(N - m + 1)$ times along each of the $(N - m + 1)$ rows of the intermediate: $(N - m + 1)^2\, m$.
#
# Adding the two passes, the separable version costs $(2N - m + 1)(N - m + 1)\, m$, and the ratio of the two costs is
#
# $$
# \frac{\text{separable}}{\text{standard}} \;=\; \frac{(2N - m + 1)(N - m + 1)\,m}{(N - m + 1)^2\,m^2} \;=\; \frac{2N - m + 1}{m\,(N - m + 1)} \;\xrightarrow{\;N \gg m\;}\; \frac{2}{m}.
# $$
#
# For large images the separable version costs $2/3$ of the standard one for a 3×3 kernel, $2/5$ for 5×5 and $2/7$ for 7×7: the bigger the kernel, the bigger the saving.
# `cost.standard_mults`, `cost.separable_mults` and `cost.separable_ratio` implement these formulas; the next cell checks them against the loop counters on a grid of sizes.

# %%
# Formula vs loop count for several image sizes N and kernel sizes m
checked = 0
for n in (3, 5, 7, 10, 16):
    for m in (1, 2, 3, 5, 7):
        if m > n:
            continue
        k1, a, b = np.random.randn(m), naive.MultiplicationCounter(), naive.MultiplicationCounter()
        _ = naive.conv2d(np.ones((1, 1, n, n)), np.outer(k1, k1)[None, None], counter=a)
        _ = naive.spatially_separable_conv2d(np.ones((n, n)), k1, k1, counter=b)
        assert (a.count, b.count) == (cost.standard_mults(n, m), cost.separable_mults(n, m))
        checked += 1
print(f"{checked} (N, m) settings: the formulas equal the loop counts")

# %% [markdown]
# The formula also tells you when separating does **not** pay:
#
# - for $m = 1$ the ratio is 2, and for $m = 2$ it is above 1: per output value, two passes of one tap do twice the work of one tap, and two passes of two taps ($2 + 2$) do as much as one 2×2 pass ($4$);
# - on top of that, the intermediate is $m - 1$ columns wider than the output (the row pass needs those columns), and computing them is extra work; for a tiny image it dominates: with $N = m$ there is a single output, and the separable version costs $m^2 + m$ against $m^2$.

# %%
# Small cases where the two passes cost more than the single pass
assert cost.separable_ratio(100, 1) == 2.0 and cost.separable_ratio(100, 2) > 1
assert cost.separable_mults(3, 3) == 12 > cost.standard_mults(3, 3) == 9
print(f"m=2, N=100: ratio {cost.separable_ratio(100, 2):.4f}; N=m=3: {cost.separable_mults(3, 3)} vs {cost.standard_mults(3, 3)}")

# %% [markdown]
# The plot shows the ratio against the image size for $m = 3, 5, 7$, with the $2/m$ limits dashed.
# The curves start above their limits (the intermediate's $m - 1$ extra columns weigh more on a small image) and approach them as the image grows.

# %%
# Cost ratio separable / standard vs image size, for m = 3, 5, 7, with the 2/m asymptotes
sizes = np.arange(7, 130, 3)
ratios = {f"m = {m}": cost.separable_ratio(sizes, m) for m in (3, 5, 7)}
assert all(abs(ratios[f"m = {m}"][-1] - 2 / m) < 0.02 for m in (3, 5, 7))
ax = plotting.cost_curves(sizes, ratios, xlabel="image size N (pixels)", ylabel="separable / standard multiplications", title="the separable passes approach 2/m of the cost")
for i, m in enumerate((3, 5, 7)):
    ax.axhline(2 / m, color=plotting.GROUP_COLORS[i], linestyle="--", linewidth=1)
    ax.text(sizes[-1], 2 / m + 0.015, f"2/{m}", ha="right", va="bottom", color=plotting.GROUP_COLORS[i])
plt.show()

# %% [markdown]
# ### With "same" padding
#
# In practice the image is padded so that every pass keeps its size.
# Then both passes write $N^2$ values, the column pass with $m$ multiplications each and the row pass with $m$, so the cost per output pixel is exactly $2m$ against $m^2$, and the ratio is $2/m$ for every $N$.
# That is the prediction the GPU section tests with a 31×31 Gaussian blur: $31^2 / 62 = 15.5$ times fewer multiplications.

# %%
# Parameters and per-pixel multiplications with 'same' padding, for a few kernel sizes
for m in (3, 5, 7, 31):
    print(f"m={m:2d}: parameters {m * m:4d} vs {2 * m:2d}, per-pixel multiplications {m * m:4d} vs {2 * m:2d}, ratio {2 / m:.3f}")
assert (31 * 31) / (2 * 31) == 15.5

# %% [markdown]
# ## Claim check
#
# The source article (section 8.1) makes the following claims about spatially separable convolution; each is recomputed here by package code:
#
# 1. the 3×3 Sobel kernel splits into a 3×1 and a 1×3 kernel, and the split needs 6 parameters instead of 9;
# 2. on a 5×5 image a 3×3 kernel stops at 9 positions with 9 multiplications each, 81 in all;
# 3. the 3×1 pass stops at 15 positions (5 across, 3 down), 45 multiplications, and leaves a 3×5 matrix;
# 4. the 1×3 pass stops at 9 positions of that matrix, 27 multiplications, for 72 in all;
# 5. for an $N \times N$ image and an $m \times m$ kernel the costs are $(N-2)^2 m^2$ and $N(N-2)m + (N-2)^2 m = (2N-2)(N-2)m$;
# 6. for $N \gg m$ the ratio becomes $2/m$: 2/3, 2/5 and 2/7 for 3×3, 5×5 and 7×7.

# %%
# The article's claims 1-4 on the 5x5 example, asserted
assert np.array_equal(np.outer(column, row), sobel) and (column.size + row.size, sobel.size) == (6, 9)
assert cost.standard_mults(5, 3) == 9 * 9 == 81
assert functional.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 1))).shape[-2:] == (3, 5)  # 15 positions
assert first.count == 15 * 3 == 45 and both.count - first.count == 9 * 3 == 27  # the loop counters
assert cost.separable_mults(5, 3) == both.count == 72
print("claims 1-4 hold: 6 vs 9 parameters; 81 vs 45 + 27 = 72 multiplications")

# %%
# Claims 5-6: the article's N - 2 formulas are right for m = 3 only; the limit 2/m holds
n_range = np.arange(3, 60)
assert np.array_equal(cost.standard_mults(n_range, 3), (n_range - 2) ** 2 * 9)
assert np.array_equal(cost.separable_mults(n_range, 3), (2 * n_range - 2) * (n_range - 2) * 3)
n, m = 7, 5
article = ((n - 2) ** 2 * m * m, (2 * n - 2) * (n - 2) * m)
actual = (cost.standard_mults(n, m), cost.separable_mults(n, m))
assert article == (625, 300) and actual == (225, 150)
assert [round(cost.separable_ratio(10**6, m), 4) for m in (3, 5, 7)] == [0.6667, 0.4, 0.2857]
print(f"N=7, m=5: article formula {article}, loop count {actual}; limits 2/3, 2/5, 2/7 confirmed")

# %% [markdown]
# ### Errata
#
# > 1. **The general formula is written with $N - 2$.**
# >    That is the number of positions along one side only for a 3×3 kernel.
# >    For an $m \times m$ kernel it is $N - m + 1$: the standard cost is $(N - m + 1)^2 m^2$ and the separable cost is $N(N - m + 1)m + (N - m + 1)^2 m = (2N - m + 1)(N - m + 1)m$.
# >    For $N = 7$, $m = 5$ the article's formulas give 625 and 300, while the loops perform 225 and 150.
# >    The limit $2/m$ is right, because the error disappears when $N \gg m$.
# > 2. **"3 positions horizontally and 5 vertically" for the 1×3 pass.**
# >    The translated text says the 1×3 kernel scans the 3×5 intermediate at 3 positions across and 5 down, and in the next sentence counts 9 positions.
# >    The intermediate has 3 rows and 5 columns, so a 1×3 kernel fits 3 times across and 3 times down: 9 positions, as counted above.
# > 3. **"Fewer matrix multiplications".**
# >    The saving is in scalar multiplications (multiply-adds); no matrix product is involved in the counts.
# > 4. **The ratio formula is missing** from the text (it was an image).
# >    It is $\frac{2N - m + 1}{m(N - m + 1)}$, which for $m = 3$ is $\frac{2N - 2}{3(N - 2)}$.

# %% [markdown]
# ## Explore
#
# The explorer counts the multiplications of both versions for any image size $N$ and kernel size $m$, by running the loop code with a counter, and prints the formulas next to the counts.
# Try $m = 1$ and $m = 2$ (no saving), a kernel as large as the image (one output, no saving either), and a 15×15 kernel on a 40×40 image.
# First a fixed setting, checked in code: the exercise's 7×7 image with a 3×3 kernel.

# %%
# Drive the explorer headless: N = 7, m = 3
explorer = widgets.separable_explorer()
render = explorer.update(image_size=7, kernel_size=3)
assert render.error is None and "(loop counted 225)" in render.text and "(loop counted 180)" in render.text
print(render.text)

# %%
# A kernel larger than the image is explained, not raised
bad = explorer.update(image_size=4, kernel_size=7)
assert bad.error is not None and "does not fit" in bad.error
print(bad.error)

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(image_size=5, kernel_size=3)
explorer.widget

# %% [markdown]
# The animation shows the first pass on the 5×5 example: the 3×1 column visits all 15 positions and builds the 3×5 intermediate, one cell per position.
# Notice that the intermediate is 5 columns wide while the final output has only 3: the row pass needs all 5, and computing the 2 extra ones is why the column pass costs $N(N - m + 1)m$ rather than $(N - m + 1)^2 m$.

# %% tags=["nbval-ignore-output"]
# Sliding-window animation of the column pass (15 frames)
anim = animation.sliding_window(x, column.reshape(3, 1), max_frames=15, dpi=60)
assert np.array_equal(anim.result, middle) and len(anim.steps) == 15
animation.to_html(anim)

# %% [markdown]
# ## In practice
#
# ### A separable Gaussian blur
#
# The Gaussian blur is the separable filter of image processing.
# A 2D Gaussian $\exp(-(i^2 + j^2)/2\sigma^2)$ factors as $\exp(-i^2/2\sigma^2)\exp(-j^2/2\sigma^2)$, a 1-D Gaussian down the columns times a 1-D Gaussian along the rows, so `filters.gaussian(m, sigma)` is exactly `np.outer(g, g)` with `g = filters.gaussian1d(m, sigma)`.
# Image libraries blur with two 1-D passes for this reason.
# Here is a 15×15 blur of a real photograph both ways, and a Sobel filter run as two passes.

# %%
# Blur a 192x192 photo with a 15x15 Gaussian: one 2D pass vs two 1D passes; Sobel as two passes
photo = data.photo(size=192)[None, None]
g = filters.gaussian1d(15, 3.0)
assert np.allclose(filters.gaussian(15, 3.0), np.outer(g, g)) and decompose.kernel_rank(np.outer(g, g)) == 1
blur_2d = functional.conv2d(photo, filters.gaussian(15, 3.0)[None, None], padding=7)
blur_sep = functional.spatially_separable_conv2d(photo, g, g, padding=7)
edges = functional.spatially_separable_conv2d(photo, column, row, padding=1)
assert blur_sep.shape == photo.shape and np.abs(blur_sep - blur_2d).max() < 1e-12
print(f"one 15x15 pass and two 15-tap passes agree to 1e-12; multiplications per pixel {15 * 15} vs {2 * 15}")

# %%
# The photo, its separable blur, and its separable Sobel response (vertical edges)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), layout="constrained")
for ax, img, title in zip(axes, [photo, blur_sep, edges], ["photo", "15×15 Gaussian, two passes", "Sobel [1,2,1]ᵀ⊗[-1,0,1], two passes"]):
    ax.imshow(img[0, 0], cmap="gray")
    ax.set_title(title)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ### In PyTorch
#
# PyTorch has no special "separable" layer; you stack two convolutions with rectangular kernels.
# `nn.Conv2d(C, C, kernel_size=(m, 1), padding=(m // 2, 0), groups=C, bias=False)` is the column pass (m rows, 1 column) and `kernel_size=(1, m)` the row pass.
# `groups=C` filters each channel on its own, as a blur should (notebook 10 explains groups).

# %%
# A separable blur as two nn.Conv2d layers, equal to one 15x15 layer with the outer-product weight
C = 3
two_pass = torch.nn.Sequential(torch.nn.Conv2d(C, C, (15, 1), padding=(7, 0), groups=C, bias=False),
                               torch.nn.Conv2d(C, C, (1, 15), padding=(0, 7), groups=C, bias=False))
one_pass = torch.nn.Conv2d(C, C, 15, padding=7, groups=C, bias=False)
gt = torch.from_numpy(g).float()
with torch.no_grad():
    two_pass[0].weight.copy_(gt.reshape(1, 1, 15, 1).expand(C, 1, 15, 1))
    two_pass[1].weight.copy_(gt.reshape(1, 1, 1, 15).expand(C, 1, 1, 15))
    one_pass.weight.copy_(torch.outer(gt, gt).expand(C, 1, 15, 15))
    rgb = torch.from_numpy(data.photo(gray=False, size=64)).permute(2, 0, 1)[None].float()
    assert torch.allclose(two_pass(rgb), one_pass(rgb), atol=1e-5)
assert (cost.count_params(two_pass), cost.count_params(one_pass)) == (90, 675)
print(f"parameters: two passes {cost.count_params(two_pass)}, one 15x15 layer {cost.count_params(one_pass)}")

# %% [markdown]
# ### Inception-v3: $1 \times n$ followed by $n \times 1$
#
# Szegedy et al. (Inception-v3, arXiv:1512.00567) replaced the 7×7 convolutions of their 17×17 grid modules by a $1 \times 7$ layer followed by a $7 \times 1$ layer.
# With 192 channels in and out, the weights drop from $192 \cdot 192 \cdot 49$ to $2 \cdot 192 \cdot 192 \cdot 7$, a factor of $49/14 = 3.5$.

# %%
# Parameters of a 192 -> 192 7x7 layer vs the 1x7 + 7x1 pair (no bias)
w77 = cost.conv_params(192, 192, 7, bias=False)
w17 = cost.conv_params(192, 192, (1, 7), bias=False) + cost.conv_params(192, 192, (7, 1), bias=False)
assert (w77, w17) == (1_806_336, 516_096) and w77 / w17 == 3.5
print(f"7x7: {w77:,} weights; 1x7 then 7x1: {w17:,} weights; {w77 / w17:.1f}x fewer")

# %% [markdown]
# This is **not** the same constraint as a separable kernel.
# Between the two layers, the channels are mixed: output channel $o$ of the pair sees input channel $c$ through every middle channel $k$, so its effective 7×7 kernel is a **sum** of one rank-1 kernel per middle channel.
# With enough middle channels that sum can have any rank.
# `decompose.compose_conv2d` builds the single 7×7 weight equal to the two stacked layers (without the nonlinearity Inception puts between them), and we look at the ranks of its kernels.

# %%
# Rank of the effective 7x7 kernels of a 1x7 -> 7x1 pair with 1 and with 8 middle channels
for mid in (1, 8):
    first_w, second_w = np.random.randn(mid, 4, 1, 7), np.random.randn(4, mid, 7, 1)
    W = decompose.compose_conv2d(first_w, second_w)
    two = F.conv2d(F.conv2d(torch.from_numpy(img.repeat(4, axis=1)), torch.from_numpy(first_w)), torch.from_numpy(second_w))
    assert W.shape == (4, 4, 7, 7) and np.allclose(functional.conv2d(img.repeat(4, axis=1), W), two.numpy())
    found = sorted({decompose.kernel_rank(W[o, c]) for o in range(4) for c in range(4)})
    assert found == [min(mid, 7)]
    print(f"{mid} middle channel(s): every effective 7x7 kernel has rank {found[0]}")

# %% [markdown]
# With one middle channel the pair is a separable filter, rank 1.
# With eight, every effective kernel has full rank 7: the pair can express any single 7×7 kernel.
# What it cannot do is choose all $C_{\text{out}} \times C_{\text{in}}$ kernels independently, because they share the same middle channels: it is a low-rank constraint on the whole layer, much milder than forcing every kernel to be separable.
# Inception-v3 also puts batch normalization and a ReLU between the two layers, which makes the pair a small nonlinear network rather than any fixed kernel.

# %% [markdown]
# ### Why deep networks rarely force separability
#
# The source article says it plainly: spatially separable convolution is rarely used in deep learning, because not every kernel can be split, and forcing the split restricts what training can find.
# The numbers above make this concrete.
#
# - **Capacity.** A separable 3×3 kernel has 5 degrees of freedom instead of 9.
#   A random 3×3 kernel keeps only about 75% of its energy in its best separable approximation, and nothing makes learned kernels rank-1.
# - **Small savings where it matters most.** Most modern layers use 3×3 kernels, where the saving is at best a factor 2/3 in multiplications and 6 vs 9 in weights.
#   The large kernels where splitting pays (15×15, 31×31) are classic image processing, not typical CNN layers.
# - **Speed is not only multiplications.** Two passes mean two kernel launches and an intermediate tensor written to memory and read back.
#   For small kernels that traffic can eat the saving (see the GPU section).
# - **Better factorizations exist.** Depthwise separable convolution (notebook 08) factorizes across channels, where the savings for a 3×3 layer are 8 to 9 times, and flattened convolution (notebook 09) goes one step further with three 1-D filters.
#   Inception-v3's asymmetric pair, with channel mixing in between, is the form of spatial factorization that networks actually use.
#
# Pitfalls when you do use two passes:
#
# - `kernel_size=(m, 1)` is the **column** (vertical) pass: PyTorch's kernel sizes are (height, width).
# - Pad each pass only along its own axis: `padding=(p, 0)` then `padding=(0, p)`.
#   Padding both axes in both passes grows the output.
# - A stride $s$ splits the same way: `stride=(s, 1)` for the column pass and `stride=(1, s)` for the row pass.
#   Striding the column pass along the width as well would throw away columns the row pass still needs.
# - Check your kernel's rank before splitting it; a kernel that is only approximately separable gives an approximately equal output.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): a separable blur in two 1-D passes
#
# Write `separable_blur(image, column, row)` for a 2-D array `image` (H×W), a 1-D `column` (kh taps) and a 1-D `row` (kw taps).
# Return the 'valid' cross-correlation of `image` with `np.outer(column, row)`, of shape `(H - kh + 1, W - kw + 1)`, computed as a column pass followed by a row pass.
# Use loops or numpy slicing, not the package or `torch`; the check compares your result with `functional.conv2d` and the outer-product kernel on blurs, a Sobel filter and non-square kernels.

# %% nbgrader={"grade": false, "grade_id": "l07_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your separable filter: the column pass, then the row pass
def separable_blur(image, column, row):
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=float)
    kh, kw = len(column), len(row)
    middle = np.zeros((image.shape[0] - kh + 1, image.shape[1]))
    for u in range(kh):  # column pass: add shifted copies of whole rows
        middle += column[u] * image[u:u + middle.shape[0], :]
    out = np.zeros((middle.shape[0], middle.shape[1] - kw + 1))
    for v in range(kw):  # row pass: add shifted copies of whole columns
        out += row[v] * middle[:, v:v + out.shape[1]]
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l07_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check separable_blur against conv2d with the outer-product kernel
exercises.check_separable_blur(separable_blur)
### BEGIN HIDDEN TESTS
assert np.array_equal(separable_blur(x, column, row), y_one)
_gh = filters.gaussian1d(7, 2.0)
_xh = np.random.default_rng(11).standard_normal((20, 17))
assert np.allclose(separable_blur(_xh, _gh, _gh), functional.conv2d(_xh[None, None], filters.gaussian(7, 2.0)[None, None])[0, 0])
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): multiplications on a 7×7 image
#
# A 7×7 image is filtered with a 3×3 separable kernel, stride 1, no padding.
# Predict, without running code, the number of multiplications of
#
# - `standard`: one pass of the 3×3 kernel;
# - `column_pass`: the 3×1 pass;
# - `row_pass`: the 1×3 pass on the intermediate;
# - `separable`: the two passes together.
#
# Hint: first work out the size of the intermediate.

# %% nbgrader={"grade": false, "grade_id": "l07_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted multiplication counts for N = 7, m = 3
### BEGIN SOLUTION
answers = {"standard": 225, "column_pass": 105, "row_pass": 75, "separable": 180}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l07_ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against what the loop code counts
exercises.check_separable_mults(answers, n=7, m=3)
### BEGIN HIDDEN TESTS
_c = naive.MultiplicationCounter()
_ = naive.spatially_separable_conv2d(np.ones((7, 7)), np.ones(3), np.ones(3), counter=_c)
assert answers["separable"] == _c.count == 180
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): learned kernels
#
# A colleague proposes to replace every 3×3 convolution of a trained CNN by a 3×1 followed by a 1×3 convolution, "because the Sobel filter can be split, so any 3×3 kernel can".
# Explain in three to five sentences why a learned 3×3 kernel is usually not separable, what you could measure to check a given kernel, and what the replacement would cost in accuracy and gain in speed.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l07_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# A kernel splits into a column and a row only if it has rank 1, that is, if every row is a multiple of the same row; Sobel, Gaussian and box filters are built that way, but training has no reason to produce such kernels.
# A general 3×3 kernel has 9 free numbers, a separable one only 5, and a random 3×3 kernel keeps on average only about 75% of its energy in its best rank-1 approximation.
# To check a kernel, compute its singular values (`np.linalg.svd`): one non-zero value means separable, and $s_1^2/\sum s_i^2$ says how much the best separable replacement keeps.
# Replacing the layers would change the network's function (accuracy drops unless it is retrained with the constraint), and the gain is small for 3×3 kernels: at best 2/3 of the multiplications and 6 instead of 9 weights, partly eaten by the second pass's memory traffic.
# An exact alternative is to write each kernel as a sum of rank-1 passes, but a full-rank 3×3 kernel needs three of them, which costs more than the original.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# On a GPU, `gpu.lesson07` blurs a batch of 8 three-channel 1024×1024 images with Gaussian kernels of side 7, 15 and 31, each channel on its own ("same" padding), two ways: one $m \times m$ convolution, and an $m \times 1$ followed by a $1 \times m$ convolution.
# It checks both against a float64 CPU result of the one-pass blur (TF32 off), and times them.
#
# - **The prediction.** With "same" padding the two passes do $2m$ multiplications per pixel against $m^2$, so the predicted speed-up is $m/2$: 3.5, 7.5 and 15.5.
# - **Why the measurement may differ.** The single pass does $m^2/4$ floating-point operations per byte it must read and write (240 for 31×31), so it is limited by arithmetic.
#   Each separable pass does only $m/4$ (under 8 for 31×31): it reads and writes a whole image for very little arithmetic, so it is limited by memory bandwidth, and the intermediate image doubles the memory traffic.
#   Expect the measured speed-up to grow with $m$, but to stay below $m/2$ for small kernels, where the passes are memory-bound.
#   The library's choice of algorithm for large depthwise kernels can move the numbers either way, which is the point of measuring.
#
# The next cell computes these predictions; without CUDA the GPU cell after it prints one line and the rest of the notebook is unaffected.

# %%
# The prediction on paper: speed-up m/2, and FLOPs per byte (4 bytes read + 4 written per pixel)
predicted = {m: (m * m / (2 * m), 2 * m * m / 8, 2 * m / 8) for m in (7, 15, 31)}
for m, (speedup, one_pass, each_pass) in predicted.items():
    print(f"m={m:2d}: predicted speed-up {speedup:4.1f}; FLOP/byte: one pass {one_pass:6.2f}, each 1-D pass {each_pass:4.2f}")
assert [p[0] for p in predicted.values()] == [3.5, 7.5, 15.5]
assert round(predicted[31][1]) == 240 and predicted[31][2] < 8

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("07")

# %% [markdown]
# ## Summary
#
# - A kernel is spatially separable when it is an outer product $K = c\,r^\top$; then one $k_h \times k_w$ pass equals a $k_h \times 1$ pass followed by a $1 \times k_w$ pass, exactly.
# - Sobel $= [1, 2, 1]^\top \otimes [-1, 0, 1]$ (6 weights instead of 9); Gaussian and box filters separate too.
# - On an $N \times N$ image with stride 1 and no padding: standard $(N - m + 1)^2 m^2$, separable $N(N - m + 1)m + (N - m + 1)^2 m$, ratio $\to 2/m$ (81 vs 72 for the 5×5 example); with "same" padding the ratio is exactly $2/m$.
#   For $m \le 2$ separating saves nothing.
# - Separable means rank 1.
#   The SVD gives the rank, the (column, row) pairs, and the best rank-1 approximation (Eckart–Young) with its error.
# - A rank-$r$ kernel is exactly $r$ separable passes added together; that is cheaper only while $r < m/2$.
# - Learned kernels are rarely rank-1; networks prefer factorizations that keep channel mixing (Inception-v3's $1 \times n$ + $n \times 1$) or factorize across channels (notebook 08).

# %% [markdown]
# ## References
#
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article, section 8.1).
# - C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna. *Rethinking the Inception architecture for computer vision* (Inception-v3). 2015. [arXiv:1512.00567](https://arxiv.org/abs/1512.00567)
# - M. Jaderberg, A. Vedaldi, A. Zisserman. *Speeding up convolutional neural networks with low rank expansions*. 2014. [arXiv:1405.3866](https://arxiv.org/abs/1405.3866)
# - E. Denton, W. Zaremba, J. Bruna, Y. LeCun, R. Fergus. *Exploiting linear structure within convolutional networks for efficient evaluation*. 2014. [arXiv:1404.0736](https://arxiv.org/abs/1404.0736)
# - R. Rigamonti, A. Sironi, V. Lepetit, P. Fua. *Learning separable filters*. CVPR 2013.
# - J. Jin, A. Dundar, E. Culurciello. *Flattened convolutional neural networks for feedforward acceleration*. 2014. [arXiv:1412.5474](https://arxiv.org/abs/1412.5474) (notebook 09)
# - A. G. Howard et al. *MobileNets: efficient convolutional neural networks for mobile vision applications*. 2017. [arXiv:1704.04861](https://arxiv.org/abs/1704.04861) (notebook 08)
# - C. Eckart, G. Young. *The approximation of one matrix by another of lower rank*. Psychometrika 1, 1936.
# - I. Sobel, G. Feldman. *A 3×3 isotropic gradient operator for image processing*. 1968 (talk at the Stanford AI Project).
# - PyTorch documentation: `torch.nn.Conv2d` (rectangular `kernel_size`, `groups`), `torch.linalg.svd`.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | spatially separable convolution | 空间可分离卷积 |
# | separable kernel | 可分离卷积核 |
# | outer product | 外积 |
# | rank | 秩 |
# | rank-1 matrix | 秩一矩阵 |
# | singular value decomposition (SVD) | 奇异值分解 |
# | singular value | 奇异值 |
# | low-rank approximation | 低秩近似 |
# | Sobel operator | Sobel 算子 |
# | Gaussian blur | 高斯模糊 |
# | Laplacian | 拉普拉斯算子 |
# | column pass / row pass | 列方向卷积 / 行方向卷积 |
# | intermediate result | 中间结果 |
# | multiplication count | 乘法次数 |
# | asymmetric convolution (1×n, n×1) | 非对称卷积 |
# | degrees of freedom | 自由度 |
# | memory-bound | 访存受限 |
# | depthwise separable convolution | 深度可分离卷积 |
