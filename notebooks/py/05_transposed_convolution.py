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
# # 05 · Transposed convolution · 转置卷积
#
# [← 04 · 1x1 convolution](04_1x1_convolution.ipynb) · [06 · Dilated convolution →](06_dilated_convolution.ipynb)
#
# Every network you have met so far makes images smaller: a stride-2 convolution halves the height and the width.
# Many tasks need the opposite.
# A segmentation network must label every pixel of the input, so after shrinking the image to understand it, it has to grow its feature maps back to full size.
# The generator of a GAN starts from a vector of random numbers and must end with a whole picture.
# The layer that does this growing, with weights that are learned like any other convolution, is the **transposed convolution**.
#
# This lesson builds it four ways that all give the same numbers: stamping copies of the kernel, multiplying by a transposed matrix, taking the gradient of an ordinary convolution, and running an ordinary convolution on an input with zeros inserted.
# Then it explains the two surprises that catch practitioners: the output size is ambiguous (hence `output_padding`), and the output can be covered with a checkerboard pattern that nobody asked for.

# %% [markdown]
# ## Learning objectives
#
# After this notebook you can:
#
# 1. compute a small transposed convolution by hand as a sum of scaled, shifted copies of the kernel, and explain why it does **not** undo a convolution (it is not a "deconvolution");
# 2. write the same operation as the transposed matrix $C^\top$ of notebook 02, as the gradient of a convolution with respect to its input, and as zero insertion + padding + a flipped kernel, and check that all agree with PyTorch;
# 3. predict the output size $o = (i-1)s - 2p + d(k-1) + a + 1$ and explain why `output_padding` ($a$) has to exist;
# 4. predict checkerboard artifacts from the overlap map, and choose a kernel size or a resize-then-convolve layer that avoids them;
# 5. count the parameters and multiply-adds of a transposed convolution and compare it with its alternatives.

# %% [markdown]
# ## Prerequisites
#
# - Notebook 02: stride, padding and dilation, the output-size formula, and the convolution matrix $C$ (the 4×16 matrix of a 3×3 kernel on a 4×4 input).
# - Numpy: slicing with steps (`x[::2]`), `np.pad`, matrix products with `@`, transposes.
# - A rough idea of what a gradient is; we let PyTorch's autograd compute one, you do not need to derive it.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from convlessons import (
    animation, cost, data, exercises, functional, gpu, matrix, naive, plotting, shapes, widgets,
)

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# A convolution **reads** a window of the input and writes one output number.
# A transposed convolution does the mirror image: it takes one input number and **writes** a whole window of the output.
# Concretely, each input cell multiplies the entire kernel and adds the result into the output, at a position set by the cell's own position.
# Where two such stamps overlap, their numbers are added.
#
# Here is the smallest useful example: a 2×2 input and the 3×3 kernel with weights 1 to 9 from notebook 02.
# There are four input cells, so four stamps; with stride 1 each stamp starts one cell to the right of (or below) the previous one.
# The output is 4×4, bigger than the input.

# %%
# Scatter-add view: every input cell stamps input-value × kernel into the output; overlaps add
x2 = np.array([[2, 1], [1, 3]])
k9 = np.arange(1, 10).reshape(3, 3)
_ = plotting.transposed_steps(x2, k9)
plt.show()

# %% [markdown]
# Check one cell by hand.
# Output cell (1, 1) is covered by all four stamps: it receives $2\cdot5$ from the first (its kernel's centre), $1\cdot4$ from the second, $1\cdot2$ from the third and $3\cdot1$ from the fourth, so $10 + 4 + 2 + 3 = 19$.
# The corner (0, 0) is covered only by the first stamp: $2 \cdot 1 = 2$.

# %%
# The same numbers from the package's transposed convolution and from PyTorch
y_hand = np.array([[2, 5, 8, 3], [9, 19, 26, 15], [18, 40, 47, 27], [7, 29, 33, 27]])
y_ours = functional.conv_transpose2d(x2[None, None], k9[None, None])[0, 0]
y_torch = F.conv_transpose2d(torch.tensor(x2)[None, None], torch.tensor(k9)[None, None])[0, 0]
assert np.array_equal(y_ours, y_hand) and np.array_equal(y_torch.numpy(), y_hand)
assert y_hand[1, 1] == 2 * 5 + 1 * 4 + 1 * 2 + 3 * 1 == 19
print(y_ours)

# %% [markdown]
# With stride 2 the stamps start two cells apart instead of one.
# They overlap less, the output grows to 5×5, and the input has been upsampled by (roughly) a factor of two.
# This is how decoders grow feature maps.
# Notice already that the overlaps are uneven: the middle row and column receive two stamps, the others one.
# That unevenness comes back at the end of the lesson as the checkerboard artifact.

# %%
# Stride 2: the stamps start 2 cells apart, the output is 5x5
_ = plotting.transposed_steps(x2, k9, stride=2)
plt.show()
y_s2 = functional.conv_transpose2d(x2[None, None], k9[None, None], stride=2)[0, 0]
assert y_s2.shape == (5, 5) and y_s2[2, 2] == 2 * 9 + 1 * 7 + 1 * 3 + 3 * 1 == 31

# %% [markdown]
# ## Definition
#
# ### The formula
#
# Take an input $x$ of size $i \times i$, a kernel $w$ of size $k \times k$, a stride $s$, a dilation $d$ and a padding $p$.
# Input cell $(r, c)$ adds $x_{r,c}\, w_{m,n}$ to output cell $(s r + d m - p,\; s c + d n - p)$ for every kernel tap $(m, n)$:
#
# $$
# y_{u,v} \;=\; \sum_{r,c} \; \sum_{m,n} \; x_{r,c}\, w_{m,n} \;\big[\, u = s r + d m - p \,\big]\, \big[\, v = s c + d n - p \,\big],
# $$
#
# where $[\cdot]$ is 1 when the condition holds and 0 otherwise.
# Padding works backwards compared with an ordinary convolution: it **removes** $p$ rows and columns from each border of the full result instead of adding zeros to the input.
#
# With channels, the weight has shape `(C_in, C_out, k, k)` in PyTorch (note the order, swapped compared with `Conv2d`): input channel $c$ stamps its kernel `w[c, o]` into output channel $o$, and the stamps of all input channels are added.
#
# ### The output size
#
# The last input cell starts its stamp at $s(i-1)$, and a stamp covers $d(k-1)+1$ cells, so the full result has $s(i-1) + d(k-1) + 1$ cells per side.
# Cropping $p$ on each side and adding the optional `output_padding` $a$ at the end gives
#
# $$
# o \;=\; (i - 1)\,s \;-\; 2p \;+\; d\,(k - 1) \;+\; a \;+\; 1 .
# $$
#
# In the examples above: $i = 2$, $k = 3$, $p = 0$, $a = 0$ gives $o = 1 + 3 = 4$ at stride 1 and $o = 2 + 3 = 5$ at stride 2.

# %%
# The output-size formula against the two examples and against torch
assert shapes.conv_transpose_output_size(2, 3) == 4 == y_ours.shape[0]
assert shapes.conv_transpose_output_size(2, 3, stride=2) == 5 == y_s2.shape[0]
out = F.conv_transpose2d(torch.zeros(1, 1, 3, 5), torch.zeros(1, 1, 3, 2), stride=2, padding=1,
                         output_padding=1, dilation=(1, 2))
assert tuple(out.shape[-2:]) == shapes.conv_transpose_output_size((3, 5), (3, 2), 2, 1, 1, (1, 2))
print("output sizes:", tuple(out.shape[-2:]))

# %% [markdown]
# ### View 2: the transposed matrix $C^\top$
#
# Notebook 02 wrote the convolution of a 4×4 input with a 3×3 kernel as a 4×16 matrix $C$: $C\,\mathrm{vec}(x)$ is the flattened 2×2 output.
# Its transpose $C^\top$ is 16×4.
# It takes four numbers and returns sixteen, with exactly the connections of the convolution run backwards: input pixel $j$ and output cell $r$ are linked in $C^\top$ exactly when they were linked in $C$.
# That is where the name comes from, and it is literally the same operation as the stamps above.

# %%
# C (4x16) for a 3x3 kernel on 4x4; C.T (16x4) applied to the 2x2 input equals the transposed conv
C = matrix.conv_matrix(k9, (4, 4))
via_matrix = (C.T @ x2.ravel()).reshape(4, 4)
assert C.shape == (4, 16) and C.T.shape == (16, 4)
assert np.array_equal(via_matrix, y_ours)
# column j of C.T is the stamp of input cell j (the kernel placed at that cell's position)
assert np.array_equal(C.T[:, 3].reshape(4, 4)[1:, 1:], k9)
print(via_matrix)

# %% [markdown]
# Stride and padding carry over unchanged: the matrix of a stride-2, padding-1 convolution on a 5×5 input is 9×25, and its transpose turns a 3×3 map into a 5×5 map, exactly as `conv_transpose2d` with the same stride and padding does.

# %%
# The same with stride 2 and padding 1: C is 9x25, C.T maps 3x3 -> 5x5
C2 = matrix.conv_matrix(k9, (5, 5), stride=2, padding=1)
g = np.arange(1, 10).reshape(3, 3)
ref_g = functional.conv_transpose2d(g[None, None], k9[None, None], stride=2, padding=1)[0, 0]
assert C2.shape == (9, 25) and np.array_equal((C2.T @ g.ravel()).reshape(5, 5), ref_g)
print(ref_g)

# %% [markdown]
# ### View 3: the gradient of a convolution
#
# During training, a network needs the gradient of the loss with respect to every layer's input.
# For a convolution $y = Cx$, if the gradient arriving at the output is $g$, the gradient at the input is $C^\top g$ (the chain rule for a matrix product).
# So the backward pass of a convolution **is** a transposed convolution with the same kernel, and the forward pass of a transposed convolution is the backward pass of a convolution.
# Deep-learning libraries use this: PyTorch and cuDNN run `conv_transpose2d` with the routine that computes a convolution's input gradient (cuDNN calls it *dgrad*).
# Let autograd confirm it.

# %%
# Autograd: the gradient of conv2d w.r.t. its input, for output gradient g, is conv_transpose2d(g)
xt = torch.zeros(1, 1, 5, 5, dtype=torch.float64, requires_grad=True)
kt = torch.tensor(k9, dtype=torch.float64)[None, None]
gt = torch.tensor(g, dtype=torch.float64)[None, None]
(grad,) = torch.autograd.grad(F.conv2d(xt, kt, stride=2, padding=1), xt, grad_outputs=gt)
assert torch.equal(grad, F.conv_transpose2d(gt, kt, stride=2, padding=1))
assert np.array_equal(grad[0, 0].numpy(), ref_g)
print("d<g, conv2d(x)>/dx == conv_transpose2d(g): True")

# %% [markdown]
# ### View 4: zero insertion, padding and a flipped kernel
#
# The last view turns the transposed convolution into an ordinary, stride-1 convolution on a modified input.
# It is the picture in Dumoulin and Visin's guide, and a good way to remember the output size.
# The recipe has three steps:
#
# 1. **insert** $s - 1$ zeros between neighbouring input cells (a 2×2 input at stride 2 becomes 3×3);
# 2. **pad** each side with $k - p - 1$ zeros (with dilation: $d(k-1) - p$), plus $a$ extra zeros at the bottom and right;
# 3. **convolve** with stride 1 and the kernel **flipped** in both directions.
#
# Why the flip?
# In the stamp view, input cell $r$ sends weight $w_m$ to output $r + m$.
# Seen from the output, cell $u$ collects $w_m$ from input $u - m$: as the output position moves right, the kernel index used on a given input moves left.
# A sliding window that gathers instead of scatters must therefore hold the kernel back to front.
#
# The figure shows the recipe for the stride-2 example: the 2×2 input with one zero inserted (3×3), padding $3 - 0 - 1 = 2$ (hatched), and the flipped kernel, at output position (2, 2).

# %%
# The stride-2 example as zero insertion (2x2 -> 3x3) + padding 2 + the flipped kernel
stretched = functional.zero_insert(x2[None, None], 2)[0, 0]
flipped = k9[::-1, ::-1]
_ = plotting.conv_steps(stretched, flipped, padding=3 - 0 - 1, position=(2, 2))
plt.show()
assert np.array_equal(stretched, [[2, 0, 1], [0, 0, 0], [1, 0, 3]])
assert np.array_equal(functional.conv2d(stretched[None, None], flipped[None, None].copy(),
                                        padding=2)[0, 0], y_s2)

# %% [markdown]
# Read the sum under the figure: the window holds the four real input values and five inserted or padded zeros, and gives the 31 we computed from the stamps.
# The package's `functional.conv_transpose2d_direct` runs the three steps for any stride, padding, output padding, dilation and channel count (with several channels, the kernel's two channel axes are also swapped).

# %%
# The direct recipe equals conv_transpose2d with stride 2, padding 1, output_padding 1, dilation 2
xr = np.random.randn(2, 3, 4, 5)
wr = np.random.randn(3, 2, 3, 3)
args = dict(stride=2, padding=1, output_padding=1, dilation=2)
direct = functional.conv_transpose2d_direct(xr, wr, **args)
ref_direct = F.conv_transpose2d(torch.from_numpy(xr), torch.from_numpy(wr), **args).numpy()
assert direct.shape == ref_direct.shape == (2, 2, *shapes.conv_transpose_output_size((4, 5), 3, **args))
assert np.allclose(direct, ref_direct, rtol=0, atol=1e-12)
print("zero insertion + padding d(k-1)-p + flipped kernel == torch:", direct.shape)

# %% [markdown]
# Because the kernel effectively moves by a fraction $1/s$ of an input cell per output cell, the transposed convolution is also called a **fractionally strided convolution**.
# The recipe is conceptually clean but wasteful: at stride 2, three out of four cells of the stretched input are zeros, and all those multiplications by zero are computed.
# The Cost section counts them.

# %% [markdown]
# ### Not a deconvolution
#
# Transposed convolutions are often called "deconvolutions", which suggests they undo a convolution.
# They do not.
# In signal processing, deconvolution means recovering $x$ from $y = w * x$, an inverse problem.
# The transposed convolution only recovers the **shape** of $x$: it reverses the connections, not the computation.
# The loose name spread through influential papers (Zeiler and Fergus's visualisations, the FCN segmentation network); Dumoulin and Visin argue against it, and so does this notebook.
# Run a convolution and then the transposed convolution with the same kernel, and compare with what you started from.

# %%
# conv2d then conv_transpose2d with the same kernel does not return the input
x4 = np.random.randint(0, 5, size=(4, 4)).astype(float)
y4 = functional.conv2d(x4[None, None], k9[None, None].astype(float))
back = functional.conv_transpose2d(y4, k9[None, None].astype(float))[0, 0]
assert back.shape == x4.shape and not np.allclose(back, x4)
assert np.array_equal(back.ravel(), C.T @ C @ x4.ravel())
print("x:\n", x4, "\nconv_transpose(conv(x)):\n", back)

# %% [markdown]
# The numbers are not even on the same scale.
# No rescaling fixes it, because the information is simply gone: $C$ maps 16 numbers to 4, so it has rank at most 4, and 12 directions of $x$ are sent to zero.
# No matrix can recover 16 unknowns from 4 equations.
# The pseudo-inverse $C^{+}$ finds the smallest $x$ that reproduces $y$ exactly, which is one answer among infinitely many, and still not our $x$.

# %%
# C has rank 4: C.T C is a 16x16 matrix of rank 4, and the pseudo-inverse is not the inverse
assert np.linalg.matrix_rank(C) == 4 and np.linalg.matrix_rank(C.T @ C) == 4
x_min = np.linalg.pinv(C) @ y4.ravel()
assert np.allclose(C @ x_min, y4.ravel()) and not np.allclose(x_min, x4.ravel())
print(f"|x| = {np.linalg.norm(x4):.3f}, |pinv(C) y| = {np.linalg.norm(x_min):.3f}: same output, other input")

# %% [markdown]
# In a network none of this matters: the transposed convolution's kernel is learned, and the training finds whatever weights make the **upsampled features** useful.
# It is an upsampling layer with learnable weights, not an inverse.

# %% [markdown]
# ### Convolution arithmetic, transposed
#
# Dumoulin and Visin derive the transposed output sizes case by case, each time starting from the convolution whose transpose it is, and each with a figure.
# The convolution maps $i \to i'$; its transpose maps $i' \to i$ and is equivalent to a stride-1 convolution with kernel $k$ on the stretched input $\tilde\imath' = (i'-1)s + 1$ padded by $p' = k - p - 1$.
#
# | relationship (guide figure) | $i$ | $k$ | $s$ | $p$ | $a$ | conv: $i \to i'$ | transposed: $i' \to o'$ |
# |---|---|---|---|---|---|---|---|
# | 8: no padding, unit stride (4.1) | 4 | 3 | 1 | 0 | 0 | 2 | $o' = i' + (k-1) = 4$ |
# | 9: padding, unit stride (4.2) | 5 | 4 | 1 | 2 | 0 | 6 | $o' = i' + (k-1) - 2p = 5$ |
# | 10: half padding (4.3) | 5 | 3 | 1 | 1 | 0 | 5 | $o' = i' = 5$ |
# | 11: full padding (4.4) | 5 | 3 | 1 | 2 | 0 | 7 | $o' = i' - (k-1) = 5$ |
# | 12: no padding, stride 2 (4.5) | 5 | 3 | 2 | 0 | 0 | 2 | $o' = s(i'-1) + k = 5$ |
# | 13: padding and stride 2 (4.6) | 5 | 3 | 2 | 1 | 0 | 3 | $o' = s(i'-1) + k - 2p = 5$ |
# | 14: odd input, stride 2 (4.7) | 6 | 3 | 2 | 1 | 1 | 3 | $o' = s(i'-1) + a + k - 2p = 6$ |
#
# Relationships 8 to 13 are special cases of 14, which is our general formula with $d = 1$.
# The cell checks every row three ways: the formula, the equivalent direct convolution, and PyTorch.

# %%
# The guide's transposed figures: conv i -> i', then transposed i' -> i, three ways
guide = {"4.1": (4, 3, 1, 0, 0), "4.2": (5, 4, 1, 2, 0), "4.3": (5, 3, 1, 1, 0), "4.4": (5, 3, 1, 2, 0),
         "4.5": (5, 3, 2, 0, 0), "4.6": (5, 3, 2, 1, 0), "4.7": (6, 3, 2, 1, 1)}
for fig, (i, kk, s, p, a) in guide.items():
    i_prime = shapes.conv_output_size(i, kk, s, p)
    stretched_size, p_prime = (i_prime - 1) * s + 1, kk - p - 1
    equivalent = stretched_size + 2 * p_prime - kk + 1 + a  # stride-1 conv on the stretched input
    out = F.conv_transpose2d(torch.zeros(1, 1, i_prime, i_prime), torch.zeros(1, 1, kk, kk),
                             stride=s, padding=p, output_padding=a)
    assert shapes.conv_transpose_output_size(i_prime, kk, s, p, a) == equivalent == out.shape[-1] == i
    print(f"figure {fig}: conv {i} -> {i_prime}; transposed {i_prime} -> {i} "
          f"(stretched {stretched_size}, p' = {p_prime})")

# %% [markdown]
# ### Why `output_padding` exists
#
# Notebook 02 showed that a strided convolution throws information about the input size away: the floor in its formula maps several input sizes to the same output size.
# With $k = 3$, $s = 2$, $p = 1$, both a 7×7 and an 8×8 input give a 4×4 output.
# A transposed convolution that is supposed to undo the **shape** change starts from 4×4 and cannot know which of the two it should produce.
# The formula without $a$ gives 7; `output_padding=1` adds one row and one column at the end and gives 8.
# With stride $s$ there are $s$ candidate sizes, so $a$ ranges over $0, \dots, s-1$ (PyTorch also accepts $a < d$ when the dilation is larger).

# %%
# Inputs 7 and 8 both give 4 under conv (k=3, s=2, p=1); output_padding 0 or 1 picks which to go back to
assert shapes.conv_output_size(7, 3, 2, 1) == shapes.conv_output_size(8, 3, 2, 1) == 4
assert shapes.conv_transpose_output_size(4, 3, 2, 1, output_padding=0) == 7
assert shapes.conv_transpose_output_size(4, 3, 2, 1, output_padding=1) == 8
up = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
sizes = [tuple(up(torch.zeros(1, 1, 4, 4), output_size=[n, n]).shape[-2:]) for n in (7, 8)]
assert sizes == [(7, 7), (8, 8)]
print("4 -> 7 with output_padding=0, 4 -> 8 with output_padding=1;", "module output_size=:", sizes)

# %% [markdown]
# The last two lines show the convenient way in PyTorch: a `ConvTranspose2d` module accepts `output_size=` in its forward call and works out `output_padding` itself.
# In a U-Net-style decoder you would pass the size of the encoder feature map you are about to concatenate with.
#
# `output_padding` only adds cells at the end: it does not change what is computed elsewhere.
# Those extra cells still receive stamps when $p \ge a$ (they were cropped by the padding before); otherwise the last $a - p$ of them hold only the bias.

# %% [markdown]
# ### Overlap and the checkerboard
#
# Go back to the stamp picture and count, for every output cell, how many kernel taps land on it.
# In one dimension with $k = 3$ and $s = 2$, consecutive stamps overlap in one cell out of two, so the counts go 1, 2, 1, 2, ...
# With $k = 4$ and $s = 2$ every cell away from the border is covered exactly twice.
# `matrix.overlap_counts` computes these maps; they equal the transposed convolution of an all-ones input with an all-ones kernel.

# %%
# One row of overlap counts for k=3 (uneven) and k=4 (even), both with stride 2 on 6 inputs
row3 = matrix.overlap_counts(6, 3, stride=2, padding=1, output_padding=1)
row4 = matrix.overlap_counts(6, 4, stride=2, padding=1)
ones = F.conv_transpose1d(torch.ones(1, 1, 6), torch.ones(1, 1, 3), stride=2, padding=1, output_padding=1)
assert row3.tolist() == [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1] and row4.tolist() == [1] + [2] * 10 + [1]
assert np.array_equal(ones[0, 0].numpy(), row3)
fig, axes = plt.subplots(2, 1, figsize=(8, 2.4), layout="constrained")
_ = plotting.coverage_map(row3, axes[0], title="k=3, s=2: stamps overlap unevenly")
_ = plotting.coverage_map(row4, axes[1], title="k=4, s=2: every interior cell is covered twice")
plt.show()

# %% [markdown]
# In two dimensions a cell is covered by a stamp when both its row and its column are, so the 2D count is the **product** of the row count and the column count: the 2D map is the outer product of two 1D maps.
# For $k = 3$, $s = 2$ the interior cycles through $1\cdot1$, $1\cdot2$, $2\cdot1$ and $2\cdot2$: a grid of cells receiving 1, 2 and 4 contributions.
# That grid is the **checkerboard artifact** described by Odena, Dumoulin and Olah (Distill, 2016).

# %%
# The 2-D overlap maps are outer products of the 1-D ones: 1, 2, 4 for k=3; a flat 4 for k=4
r3, r4 = matrix.overlap_counts(4, 3, 2, 1, 1), matrix.overlap_counts(4, 4, 2, 1)
map3 = matrix.overlap_counts((4, 4), 3, stride=2, padding=1, output_padding=1)
map4 = matrix.overlap_counts((4, 4), 4, stride=2, padding=1)
assert np.array_equal(map3, np.outer(r3, r3)) and set(map3[1:-1, 1:-1].ravel()) == {1, 2, 4}
assert np.array_equal(map4, np.outer(r4, r4)) and set(map4[1:-1, 1:-1].ravel()) == {4}
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
_ = plotting.coverage_map(map3, axes[0], title="k=3, s=2: 1, 2 and 4 contributions")
_ = plotting.coverage_map(map4, axes[1], title="k=4, s=2: 4 everywhere inside")
plt.show()

# %% [markdown]
# When is the overlap even?
# Far from the border, the pattern repeats every $s$ cells, and the count at offset $r$ within a period is the number of kernel taps $t$ with $t \equiv r \pmod s$.
# With $k$ taps spread over $s$ residues, each residue gets $\lfloor k/s \rfloor$ or $\lceil k/s \rceil$ of them, and all get the same number **exactly when $s$ divides $k$**.
# `matrix.interior_overlap` lists those per-period counts.

# %%
# Interior overlap per stride period: even only when the stride divides the kernel size
for s in (2, 3):
    for kk in range(1, 7):
        pattern = matrix.interior_overlap(kk, s)
        assert (len(set(pattern.tolist())) == 1) == (kk % s == 0)
        print(f"k={kk}, s={s}: {pattern.tolist()}", "even" if kk % s == 0 else "uneven")

# %% [markdown]
# Note the cases $k < s$ (e.g. $k = 1$ or $2$ with $s = 3$): some offsets receive nothing at all, so the output has holes, the stamps do not even touch.
#
# What does this look like on an image?
# Upsample a 48×48 photograph by 2 in three ways, each with a constant kernel scaled so that a flat region keeps its brightness on average:
#
# - a transposed convolution with $k = 3$, $s = 2$ (uneven overlap), kernel $\tfrac{4}{9}$ everywhere;
# - a transposed convolution with $k = 4$, $s = 2$ (even overlap), kernel $\tfrac{1}{4}$ everywhere;
# - **resize-convolution**: nearest-neighbour upsampling (each pixel copied into a 2×2 block), then an ordinary 3×3 averaging convolution.

# %%
# Upsample a photo x2: transposed k=3 (uneven), transposed k=4 (even), nearest + 3x3 conv
img = data.photo(size=48)
up3 = functional.conv_transpose2d(img[None, None], np.full((1, 1, 3, 3), 4 / 9), stride=2,
                                  padding=1, output_padding=1)[0, 0]
up4 = functional.conv_transpose2d(img[None, None], np.full((1, 1, 4, 4), 1 / 4), stride=2, padding=1)[0, 0]
nearest = img.repeat(2, axis=0).repeat(2, axis=1)
assert np.array_equal(nearest, F.interpolate(torch.from_numpy(img)[None, None], scale_factor=2)[0, 0].numpy())
resize_conv = functional.conv2d(nearest[None, None], np.full((1, 1, 3, 3), 1 / 9), padding=1)[0, 0]
assert up3.shape == up4.shape == resize_conv.shape == (96, 96)

# %%
# Show the three upsampled photos next to the original (same grey scale, values above 1 saturate)
fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), layout="constrained")
panels = [(img, "original 48×48"), (up3, "transposed k=3, s=2"), (up4, "transposed k=4, s=2"),
          (resize_conv, "nearest ×2 + 3×3 conv")]
for ax, (picture, title) in zip(axes, panels, strict=True):
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# The $k = 3$ image is covered by a fine grid: pixels that received four contributions are too bright, pixels with one are too dark, whatever the photo shows.
# The other two are smooth.
# Their thin dark frame is the border, where fewer stamps (or fewer non-zero taps) arrive: a border effect, not a pattern.
# On a perfectly flat input the effect is exact and easy to measure: the $k = 3$ output varies by a factor of four, the other two not at all.

# %%
# On a constant image: k=3 gives interior values in the ratio 1:2:4; k=4 and resize-conv are flat
flat = np.ones((1, 1, 8, 8))
flat3 = functional.conv_transpose2d(flat, np.full((1, 1, 3, 3), 4 / 9), stride=2, padding=1, output_padding=1)
flat4 = functional.conv_transpose2d(flat, np.full((1, 1, 4, 4), 1 / 4), stride=2, padding=1)
flat_rc = functional.conv2d(flat.repeat(2, 2).repeat(2, 3), np.full((1, 1, 3, 3), 1 / 9), padding=1)
inner = (slice(None), slice(None), slice(2, -2), slice(2, -2))
ratios = [float(a[inner].max() / a[inner].min()) for a in (flat3, flat4, flat_rc)]
assert np.allclose(ratios, [4.0, 1.0, 1.0]) and np.allclose(flat4[inner], 1.0)
print("interior max/min on a flat image: k=3 {:.0f}, k=4 {:.0f}, resize-conv {:.0f}".format(*ratios))

# %% [markdown]
# Why does resize-convolution never produce the pattern?
# Nearest-neighbour upsampling puts a real value in every cell, and the following convolution has stride 1, so every output cell sees the same number of taps ($k^2$) away from the border.
# The geometry is even by construction.
#
# Two caveats from the Distill article, which matter in practice:
#
# - even overlap makes the *count* of contributions equal, not their *weights*: a learned $k = 4$, $s = 2$ kernel whose taps at even offsets sum to a different value than its taps at odd offsets still prints stripes (the Errata below constructs one);
# - stacking several transposed convolutions compounds the pattern at several scales.

# %% [markdown]
# ## Implementation
#
# The package has three implementations of `conv_transpose2d`, each compared with PyTorch:
#
# - `naive.conv_transpose2d`: the stamp picture as loops; every input value times every kernel weight is added into the output (readable, and only for tiny inputs);
# - `functional.conv_transpose2d`: vectorized numpy, using the zero-insertion recipe internally with one big matrix product;
# - `functional.conv_transpose2d_direct`: the three recipe steps written out one by one (`zero_insert`, `np.pad`, `conv2d` with the flipped kernel).
#
# The heart of the loop version (validation, groups, cropping and bias omitted):
#
# ```python
# for n in range(batch):
#     for c in range(in_channels):
#         for i in range(height):                  # every input cell ...
#             for j in range(width):
#                 for o in range(out_channels):
#                     for u in range(kh):          # ... stamps the whole kernel
#                         for v in range(kw):
#                             full[n, o, i * sh + u * dh, j * sw + v * dw] += x[n, c, i, j] * w[c, o, u, v]
# ```

# %% tags=["nbval-ignore-output"]
# Three implementations versus torch on a random batch (float64), max error printed
xr = np.random.randn(2, 3, 4, 3)
wr = np.random.randn(3, 2, 3, 2)
br = np.random.randn(2)
args = dict(stride=(2, 1), padding=1, output_padding=(1, 0), dilation=(1, 2))
ref = F.conv_transpose2d(torch.from_numpy(xr), torch.from_numpy(wr), torch.from_numpy(br), **args).numpy()
for name, fn in [("naive.conv_transpose2d", naive.conv_transpose2d),
                 ("functional.conv_transpose2d", functional.conv_transpose2d),
                 ("functional.conv_transpose2d_direct", functional.conv_transpose2d_direct)]:
    err = np.abs(fn(xr, wr, br, **args) - ref).max()
    assert ref.shape == (2, 2, *shapes.conv_transpose_output_size((4, 3), (3, 2), **args)) and err < 1e-12
    print(f"{name}: shape {ref.shape}, max |error| vs torch = {err:.1e}")

# %% [markdown]
# As in notebook 02 the errors are at the level of float64 rounding, because the three versions add the same products in different orders; the cell's output is not compared by the tests, its `assert` still runs.

# %% [markdown]
# ## Cost
#
# ### Parameters
#
# A `ConvTranspose2d(C_in, C_out, k)` stores one $k \times k$ kernel for each pair of input and output channels, plus one bias per output channel:
#
# $$
# \text{params} = C_{\text{in}}\, C_{\text{out}}\, k^2 + C_{\text{out}},
# $$
#
# the same number of weights as the convolution $C_{\text{out}} \to C_{\text{in}}$ whose transpose it is.

# %%
# Parameters of ConvTranspose2d(64, 32, 4): the formula and the module agree
layer = torch.nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1)
assert tuple(layer.weight.shape) == (64, 32, 4, 4)  # (C_in, C_out, k, k): swapped vs Conv2d
assert cost.count_params(layer) == 64 * 32 * 16 + 32 == 32800
assert cost.conv_params(32, 64, 4, bias=False) + 32 == 32800  # the conv it is the transpose of
print(f"64*32*4*4 + 32 = {cost.count_params(layer):,} parameters")

# %% [markdown]
# ### Multiply-adds
#
# In the stamp view every input value is multiplied by every weight that connects its channel to an output channel, once: $C_{\text{in}} C_{\text{out}} k^2$ multiplications per input pixel, so
#
# $$
# \text{MACs} = C_{\text{in}}\, C_{\text{out}}\, k^2\, H_{\text{in}}\, W_{\text{in}},
# $$
#
# exactly the cost of the convolution it is the transpose of (which produces $H_{\text{in}} \times W_{\text{in}}$ outputs from $C_{\text{out}}$ channels).
# The zero-insertion recipe, run literally, multiplies at every output position instead: $C_{\text{in}} C_{\text{out}} k^2 H_{\text{out}} W_{\text{out}}$, about $s^2$ times as many, most of them by zero.
# The cell counts both with the loop code on a small example.

# %%
# Multiply-adds on a 2x5x5 input, 3 output channels, k=3, s=2: scatter loop vs literal recipe
xs, ws = np.ones((1, 2, 5, 5)), np.ones((2, 3, 3, 3))
scatter, recipe = naive.MultiplicationCounter(), naive.MultiplicationCounter()
out = naive.conv_transpose2d(xs, ws, stride=2, counter=scatter)
z = np.pad(functional.zero_insert(xs, 2), ((0, 0), (0, 0), (2, 2), (2, 2)))
_ = naive.conv2d(z, ws[:, :, ::-1, ::-1].swapaxes(0, 1).copy(), counter=recipe)
assert scatter.count == 2 * 3 * 9 * 5 * 5 == cost.conv_macs(3, 2, 3, 5)
assert recipe.count == 2 * 3 * 9 * 11 * 11 and out.shape == (1, 3, 11, 11)
print(f"scatter: {scatter.count:,} multiplications; literal recipe: {recipe.count:,} "
      f"({recipe.count / scatter.count:.2f}x, most of them by zero)")

# %% [markdown]
# How do the ways of doubling a feature map compare?
# For a layer $C_{\text{in}} \to C_{\text{out}}$ on an $n \times n$ input with a $2n \times 2n$ output:
# a $k = 4$ transposed convolution costs $16\,C_{\text{in}} C_{\text{out}} n^2$, a $k = 3$ one $9\,C_{\text{in}} C_{\text{out}} n^2$, nearest upsampling followed by a 3×3 convolution $9\,C_{\text{in}} C_{\text{out}} (2n)^2 = 36\,C_{\text{in}} C_{\text{out}} n^2$, and the literal $k = 4$ recipe $16\,C_{\text{in}} C_{\text{out}} (2n)^2 = 64\,C_{\text{in}} C_{\text{out}} n^2$.
# The resize-convolution is 2.25 times as expensive as the $k = 4$ transposed convolution: that is the price of its even geometry.

# %%
# Multiply-adds of four ways to double a 128 -> 64 channel feature map, vs input side n
sides = np.arange(4, 129, 4)
macs = {"transposed k=4": np.array([cost.conv_macs(64, 128, 4, int(n)) for n in sides]),
        "transposed k=3": np.array([cost.conv_macs(64, 128, 3, int(n)) for n in sides]),
        "nearest x2 + conv 3x3": np.array([cost.conv_macs(128, 64, 3, int(2 * n)) for n in sides]),
        "zero insertion + conv k=4": np.array([cost.conv_macs(128, 64, 4, int(2 * n)) for n in sides])}
assert macs["nearest x2 + conv 3x3"][0] * 16 == macs["transposed k=4"][0] * 36
assert [round(float(macs["transposed k=4"][0] / m[0]), 2) for m in macs.values()] == [1.0, 1.78, 0.44, 0.25]
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
_ = plotting.cost_curves(sides, macs, ax=ax, xlabel="input side n (output 2n)", ylabel="multiply-adds",
                         title="doubling a 128-channel map to 64 channels", logy=True)
plt.show()

# %% [markdown]
# All four grow with the area $n^2$, so on the log scale they are parallel lines; the gaps between them are the constant factors 16 : 9 : 36 : 64.

# %% [markdown]
# ## Claim check
#
# The statements this lesson's curriculum makes, each recomputed by package code and asserted:
#
# - the convolution matrix of a 3×3 kernel on a 4×4 input is 4×16, and $C^\top$ maps a 2×2 map to 4×4, equal to `conv_transpose2d`;
# - the transposed convolution is the gradient of `conv2d` with respect to its input;
# - zero insertion ($s - 1$ zeros), padding $k - p - 1$ and the flipped kernel give `conv_transpose2d`;
# - the transposed convolution applied after a convolution does not give back the input (it is not an inverse);
# - the output size is $s(i-1) + d(k-1) + 1 - 2p + a$; inputs 7 and 8 both map to 4 under $k = 3$, $s = 2$, $p = 1$;
# - the overlap is even for $k = 4$, $s = 2$ and uneven for $k = 3$, $s = 2$; the 2D map is the outer product of the 1D maps.

# %%
# The lesson's claims, asserted together
assert matrix.conv_matrix(np.ones((3, 3)), (4, 4)).shape == (4, 16) and np.array_equal(via_matrix, y_ours)
assert np.array_equal(grad[0, 0].numpy(), (C2.T @ g.ravel()).reshape(5, 5))
assert np.allclose(direct, ref_direct, rtol=0, atol=1e-12) and np.array_equal(stretched[::2, ::2], x2)
assert not np.allclose(back, x4) and np.linalg.matrix_rank(C) == 4
assert shapes.conv_transpose_output_size(4, 3, 2, 1, 0) == 7 and shapes.conv_transpose_output_size(4, 3, 2, 1, 1) == 8
assert [shapes.conv_output_size(n, 3, 2, 1) for n in (7, 8)] == [4, 4]
assert matrix.interior_overlap(4, 2).tolist() == [2, 2] and matrix.interior_overlap(3, 2).tolist() == [2, 1]
assert np.array_equal(matrix.overlap_counts(5, 3, 2, ndim=2), np.outer(*[matrix.overlap_counts(5, 3, 2)] * 2))
print("all claims hold")

# %% [markdown]
# ### Errata
#
# > **No article errata for this lesson; three common misreadings instead.**
# > The project's copy of the source article starts at its section 7, so its transposed-convolution section could not be checked line by line.
# > Three statements that circulate widely are wrong or incomplete, and the checks in this notebook settle them:
# >
# > 1. *"A transposed convolution is a deconvolution: it inverts a convolution."* It does not; it only restores the shape. Convolving and then transposing changes the values, and no linear map can undo a convolution that reduces 16 numbers to 4 (rank 4, shown above).
# > 2. *"A transposed convolution is a convolution with stride $1/s$ and the same kernel."* It is one only with the kernel **flipped** (and, with channels, its two channel axes swapped); for a symmetric kernel you cannot tell, for an asymmetric one the results differ (next cell).
# > 3. *"Choosing a kernel size divisible by the stride removes checkerboard artifacts."* It removes the uneven **count** of contributions, not uneven **weights**: a $k = 4$, $s = 2$ kernel whose even-offset taps sum to 2 and odd-offset taps to 0 still prints stripes on a flat input (next cell). It makes artifacts avoidable, and training usually, but not always, avoids them.

# %%
# Errata 2 and 3: without the flip the recipe is wrong; an even-overlap kernel can still stripe
no_flip = functional.conv2d(stretched[None, None], k9[None, None], padding=2)[0, 0]
assert not np.array_equal(no_flip, y_s2)  # k9 is not symmetric
striped = F.conv_transpose1d(torch.ones(1, 1, 6), torch.tensor([[[1.0, 0.0, 1.0, 0.0]]]), stride=2, padding=1)
assert striped[0, 0, 1:-1].tolist() == [2.0, 0.0] * 5 and matrix.interior_overlap(4, 2).tolist() == [2, 2]
print("k=4, s=2 with taps [1, 0, 1, 0] on a flat input:", striped[0, 0].tolist())

# %% [markdown]
# ## Explore
#
# The explorer draws the overlap map for any input size, kernel size, stride, padding, output padding and dilation, and prints the output size with its formula, the interior overlap pattern, and which input sizes the matching strided convolution would have come from.
# Try to find settings with even overlap, settings with holes (a stride larger than the kernel), and an `output_padding` that is not allowed: the explorer explains why instead of failing.
# First, two fixed settings, checked in code:

# %%
# Drive the explorer headless: the checkerboard setting k=3, s=2, p=1, a=1 on a 4x4 input
explorer = widgets.transposed_explorer()
render = explorer.update(input_size=4, kernel_size=3, stride=2, padding=1, output_padding=1, dilation=1)
assert render.error is None and render.text.startswith("output size 8×8")
assert "uneven overlap" in render.text and "maps input sizes [7, 8] to 4" in render.text
print(render.text)

# %%
# An impossible setting: output_padding 2 with stride 2 is explained, not raised
bad = explorer.update(output_padding=2)
assert bad.error is not None and "must be smaller than the stride" in bad.error
print(bad.error)

# %% tags=["nbval-ignore-output"]
# The live explorer: move the sliders
explorer.update(input_size=4, kernel_size=3, stride=2, padding=0, output_padding=0, dilation=1)
explorer.widget

# %% [markdown]
# The animation replays the stamp view for the stride-2 example, one input cell per frame: watch each red input cell add its scaled kernel into the output, and the overlapping middle row and column accumulate two stamps.

# %% tags=["nbval-ignore-output"]
# Scatter-add animation of the 2x2 input, 3x3 kernel, stride 2 (4 frames)
anim = animation.sliding_window(x2, k9, stride=2, transposed=True, max_frames=4, dpi=60)
assert np.array_equal(anim.result, y_s2) and len(anim.steps) == 4
animation.to_html(anim)

# %% [markdown]
# ## In practice
#
# In PyTorch the layer is `torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1)`, and the function `torch.nn.functional.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)`.
# Mind two differences from `Conv2d`: the weight is `(in_channels, out_channels // groups, k, k)`, and `padding` crops the output rather than padding the input.
#
# Where it is used:
#
# - **Fully convolutional networks** for segmentation (Long, Shelhamer and Darrell, 2015) upsample coarse score maps with transposed convolutions, initialised to bilinear interpolation and then learned.
# - **U-Net** (Ronneberger, Fischer and Brox, 2015) doubles the resolution in each decoder step with an "up-convolution", usually implemented as a 2×2 transposed convolution with stride 2: $k = s$, so the stamps tile the output without overlapping.
# - **DCGAN** (Radford, Metz and Chintala, 2015) builds images from a noise vector with a stack of stride-2 transposed convolutions (the paper calls them fractionally strided); the common PyTorch version uses $k = 4$, $s = 2$, $p = 1$, which exactly doubles the size at every layer.

# %%
# A DCGAN-style generator trunk: four k=4, s=2, p=1 transposed convs double 4x4 up to 64x64
channels = [256, 128, 64, 32, 3]
layers = [torch.nn.ConvTranspose2d(a, b, 4, stride=2, padding=1) for a, b in zip(channels, channels[1:])]
with torch.no_grad():
    h = torch.zeros(1, 256, 4, 4)
    for layer in layers:
        h = layer(h)
        print(tuple(h.shape))
assert tuple(h.shape) == (1, 3, 64, 64) and shapes.conv_transpose_output_size(4, 4, 2, 1) == 8

# %% [markdown]
# Pitfalls:
#
# - **Checkerboards.** Prefer $k$ divisible by $s$ ($k = 4$ or $2$ with $s = 2$), or replace the layer by nearest (or bilinear) upsampling followed by a convolution, as the Distill article recommends; the cost is about 2.25 times the multiply-adds for a 3×3 convolution after ×2 upsampling.
# - **Sizes off by one.** A decoder that must match an encoder map (to concatenate skip connections) needs the right `output_padding`; pass `output_size=` to the module instead of guessing.
# - **Weight layout.** Copying weights between a `Conv2d` and a `ConvTranspose2d` (for example to tie an encoder and a decoder) needs the channel axes swapped, and the flip is implicit in the operation, not in the stored weights.
# - **Alternatives.** *Sub-pixel convolution* (`nn.PixelShuffle`, Shi et al. 2016) computes $s^2$ channels at low resolution and rearranges them into an $s$ times larger map; it is equivalent to a transposed convolution with a particular kernel size and avoids multiplying zeros.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): a transposed convolution by zero insertion
#
# Write `transposed_by_zero_insertion(x, k, stride=1, padding=0)` for a 2-D array `x` (H×W) and a 2-D kernel `k` (kh×kw), with the same stride and padding on both axes and `padding <= min(kh, kw) - 1`.
# Follow the recipe: insert zeros, pad, and slide the flipped kernel with stride 1.
# Use plain numpy (loops or slicing), not the package or `torch`: the check compares you with `functional.conv_transpose2d`.
# Hint: the stretched input has $(H-1)s + 1$ rows; pad $k_h - 1 - p$ rows and $k_w - 1 - p$ columns on each side.

# %% nbgrader={"grade": false, "grade_id": "l05_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation of a single-channel transposed convolution via zero insertion
def transposed_by_zero_insertion(x, k, stride=1, padding=0):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    kh, kw = k.shape
    z = np.zeros(((x.shape[0] - 1) * stride + 1, (x.shape[1] - 1) * stride + 1))
    z[::stride, ::stride] = x
    z = np.pad(z, ((kh - 1 - padding,) * 2, (kw - 1 - padding,) * 2))
    kf = k[::-1, ::-1]
    out = np.zeros((z.shape[0] - kh + 1, z.shape[1] - kw + 1))
    for u in range(out.shape[0]):
        for v in range(out.shape[1]):
            out[u, v] = (z[u:u + kh, v:v + kw] * kf).sum()
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l05_ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the recipe against the package's conv_transpose2d on several cases
exercises.check_transpose_by_zero_insertion(transposed_by_zero_insertion)
### BEGIN HIDDEN TESTS
assert np.array_equal(transposed_by_zero_insertion(x2, k9, 2, 0), y_s2)
_xh = np.random.default_rng(11).standard_normal((3, 5))
_kh = np.random.default_rng(12).standard_normal((4, 3))
_ref = functional.conv_transpose2d(_xh[None, None], _kh[None, None], stride=3, padding=2)[0, 0]
assert np.allclose(transposed_by_zero_insertion(_xh, _kh, 3, 2), _ref)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): output sizes
#
# Predict the output size $o$ (one side of a square output) of each transposed convolution **without running code**, then enter your answers.
#
# | setting | input $i$ | kernel $k$ | stride $s$ | padding $p$ | output padding $a$ | dilation $d$ |
# |---|---|---|---|---|---|---|
# | a | 2 | 3 | 1 | 0 | 0 | 1 |
# | b | 4 | 4 | 2 | 1 | 0 | 1 |
# | c | 4 | 3 | 2 | 1 | 0 | 1 |
# | d | 4 | 3 | 2 | 1 | 1 | 1 |
# | e | 7 | 3 | 1 | 1 | 0 | 1 |
# | f | 3 | 3 | 2 | 0 | 0 | 2 |
# | g | 5 | 5 | 3 | 2 | 2 | 1 |

# %% nbgrader={"grade": false, "grade_id": "l05_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted output sizes, one int per setting
### BEGIN SOLUTION
answers = {"a": 4, "b": 8, "c": 7, "d": 8, "e": 7, "f": 9, "g": 15}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l05_ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# Check the predictions against the formula (the settings are the table's)
exercises.check_transpose_output_sizes(answers)
### BEGIN HIDDEN TESTS
assert answers["d"] == 8 and answers["g"] == 15
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): even and uneven overlap
#
# Explain in three to five sentences why a transposed convolution with kernel size 4 and stride 2 covers every interior output cell equally often, while kernel size 3 with stride 2 does not, and what the second one does to an image.
# Use the stamp picture or the overlap counts.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l05_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Each input cell stamps the kernel into the output, and consecutive stamps start 2 cells apart.
# With k = 4 each stamp is two stride-steps long, so every interior output cell lies under exactly two stamps per axis (taps 0 and 2 land on even offsets, taps 1 and 3 on odd ones), 2·2 = 4 in 2-D.
# With k = 3 the stamp is one and a half stride-steps long: taps 0 and 2 land on even offsets and only tap 1 on odd ones, so the counts alternate 2, 1, 2, 1 per axis, and 4, 2, 1 in 2-D.
# Cells with more contributions come out brighter, so even a flat image gets a regular grid pattern: the checkerboard artifact.
# In general the overlap is even exactly when the stride divides the kernel size.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# On a GPU, `gpu.lesson05` doubles a decoder-sized feature map (a batch of 16 maps of 256×32×32 to 128×64×64) four ways, checks each against a float64 CPU result, and times them with TF32 off:
#
# - `conv_transpose2d` with $k = 4$, $s = 2$, $p = 1$ (the baseline);
# - `conv_transpose2d` with $k = 3$, $s = 2$, $p = 1$, $a = 1$;
# - nearest upsampling followed by a 3×3 convolution (resize-convolution);
# - the zero-insertion recipe for $k = 4$ run literally.
#
# The prediction from the multiply-add counts is 16 : 9 : 36 : 64 taps per input pixel, so speed-ups of 1.78, 0.44 and 0.25 relative to the baseline.
# Expect the measured numbers to follow the prediction only roughly: cuDNN runs the transposed convolution as a convolution's input gradient, which skips the zeros, but the different algorithms reach different fractions of the GPU's peak, and the literal recipe has to build its stretched input in memory first.
# The report also checks the checkerboard on the device: on a flat input the $k = 3$ output varies by a factor of 4, the other two not at all.
# For reference, one run on an NVIDIA H200 (float32, TF32 off) took 0.59 ms for the $k = 4$ baseline and measured speed-ups of 1.69, 0.61 and 0.16.
# The ordering follows the prediction; resize-convolution did better than its 2.25× multiply-adds suggest because its ordinary convolution ran at a higher fraction of the GPU's peak (about 40 against 29 TFLOP/s), and the literal recipe did worse than its count because it also writes and reads the stretched input.
# Without CUDA the cell prints one line and the notebook continues.

# %% tags=["nbval-ignore-output"]
# GPU check and timing (skipped without CUDA)
report = gpu.run_section("05")

# %% [markdown]
# ## Summary
#
# - A transposed convolution grows a map: every input cell adds a scaled copy of the kernel into the output, $s$ cells after the previous one, and overlaps add up.
# - It is the transpose $C^\top$ of a convolution's matrix, and therefore the gradient of that convolution with respect to its input; libraries compute it that way.
# - Equivalently: insert $s - 1$ zeros between inputs, pad $d(k-1) - p$ on each side, and convolve with the flipped kernel at stride 1 (correct, but it multiplies many zeros).
# - It restores the shape, not the values: it is not a deconvolution.
# - Output size $o = (i-1)s - 2p + d(k-1) + a + 1$; `output_padding` $a < s$ chooses among the $s$ input sizes that a strided convolution maps to the same size.
# - The overlap is even exactly when $s$ divides $k$; otherwise the counts alternate and, multiplied across two axes, print a checkerboard. Nearest upsampling followed by a convolution is even by construction, for about 2.25 times the multiply-adds.
# - Cost: $C_{\text{in}} C_{\text{out}} k^2$ weights and $C_{\text{in}} C_{\text{out}} k^2 H_{\text{in}} W_{\text{in}}$ multiply-adds, the same as the convolution it transposes.

# %% [markdown]
# ## References
#
# - V. Dumoulin, F. Visin. *A guide to convolution arithmetic for deep learning*. 2016. [arXiv:1603.07285](https://arxiv.org/abs/1603.07285) (chapter 4, Relationships 8–14).
# - A. Odena, V. Dumoulin, C. Olah. *Deconvolution and checkerboard artifacts*. Distill, 2016. [distill.pub/2016/deconv-checkerboard](https://distill.pub/2016/deconv-checkerboard/)
# - M. D. Zeiler, D. Krishnan, G. W. Taylor, R. Fergus. *Deconvolutional networks*. CVPR 2010.
# - M. D. Zeiler, R. Fergus. *Visualizing and understanding convolutional networks*. 2013. [arXiv:1311.2901](https://arxiv.org/abs/1311.2901)
# - J. Long, E. Shelhamer, T. Darrell. *Fully convolutional networks for semantic segmentation*. 2015. [arXiv:1411.4038](https://arxiv.org/abs/1411.4038)
# - O. Ronneberger, P. Fischer, T. Brox. *U-Net: convolutional networks for biomedical image segmentation*. 2015. [arXiv:1505.04597](https://arxiv.org/abs/1505.04597)
# - A. Radford, L. Metz, S. Chintala. *Unsupervised representation learning with deep convolutional generative adversarial networks* (DCGAN). 2015. [arXiv:1511.06434](https://arxiv.org/abs/1511.06434)
# - W. Shi et al. *Real-time single image and video super-resolution using an efficient sub-pixel convolutional neural network*. 2016. [arXiv:1609.05158](https://arxiv.org/abs/1609.05158)
# - K. Bai. *A comprehensive introduction to different types of convolutions in deep learning*. 2019 (the source article; its first half covers this lesson).
# - PyTorch documentation: `torch.nn.ConvTranspose2d`, `torch.nn.functional.conv_transpose2d`, `torch.nn.PixelShuffle`.

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | transposed convolution | 转置卷积 |
# | deconvolution | 反卷积 |
# | fractionally strided convolution | 分数步长卷积(微步卷积) |
# | upsampling | 上采样 |
# | zero insertion | 插零 |
# | output padding | 输出填充 |
# | checkerboard artifacts | 棋盘伪影(棋盘效应) |
# | overlap | 重叠 |
# | scatter-add | 散射累加 |
# | gradient | 梯度 |
# | backpropagation | 反向传播 |
# | sparse matrix | 稀疏矩阵 |
# | matrix transpose | 矩阵转置 |
# | pseudo-inverse | 伪逆 |
# | nearest-neighbour interpolation | 最近邻插值 |
# | resize-convolution | 先缩放后卷积 |
# | sub-pixel convolution | 亚像素卷积 |
# | decoder | 解码器 |
# | semantic segmentation | 语义分割 |
# | generative adversarial network (GAN) | 生成对抗网络 |
# | kernel | 卷积核 |
# | stride | 步幅 |
# | padding | 填充 |
# | dilation | 空洞(扩张) |
