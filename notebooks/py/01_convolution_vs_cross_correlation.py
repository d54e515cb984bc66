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
# # 01 · Convolution vs cross-correlation · 卷积与互相关
#
# Every convolutional network you will meet is built from layers called "convolution".
# Yet the operation those layers compute is, strictly speaking, not the convolution of a mathematics textbook.
# It is its close sibling, cross-correlation, which skips one step: flipping the kernel.
# This lesson makes that difference concrete with numbers you can check by hand, shows what PyTorch really computes, and explains why a network that learns its kernels loses nothing by skipping the flip.
#
# This is the first of twelve lessons.
# ← [Table of contents](../README.md) · Next → [02 · 2D convolution](02_2d_convolution.ipynb)

# %% [markdown]
# ## Learning objectives
#
# After this lesson you can:
#
# 1. compute a 1D cross-correlation and a 1D convolution by hand, and say exactly how they differ (the kernel is flipped);
# 2. predict the output length of the `full`, `same` and `valid` modes for any signal and kernel length;
# 3. state which algebraic laws each operation obeys (convolution commutes and associates, correlation does not commute) and check them in code;
# 4. show that `torch.nn.functional.conv2d` computes a 2D cross-correlation, and convert between the two by flipping both kernel axes;
# 5. explain why a CNN can use correlation instead of convolution, and estimate when an FFT beats the direct method.

# %% [markdown]
# ## Prerequisites
#
# You need Python and numpy: arrays, slicing (including `x[::-1]` to reverse), and the idea of a dot product (multiply matching entries, then add).
# A little PyTorch helps (what a tensor is, and that `torch.nn.functional.conv2d` is a CNN layer's operation), but each step is explained.
# No signal processing is assumed.

# %% [markdown]
# ## Setup

# %%
# Imports, seeds and print options for the whole lesson
import matplotlib.pyplot as plt
import numpy as np
import scipy.signal as sps
import torch
import torch.nn.functional as TF

from convlessons import animation, cost, exercises, gpu, models, naive, plotting, signal, widgets
from convlessons import functional as F

np.random.seed(0)
torch.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Intuition
#
# Picture a short pattern, the **kernel** (卷积核), and a longer **signal**.
# Both operations slide the kernel along the signal.
# At every position they multiply the samples that lie on top of each other and add the products.
# That sum is one output sample.
# The only difference is how the kernel is held while it slides.
#
# - **Cross-correlation** slides the kernel as it is written.
#   Each output is the dot product of the kernel with one window of the signal, so it is large where the window *looks like* the kernel.
#   That is template matching.
# - **Convolution** first reverses the kernel, then slides it.
#   It answers a different question: if every input sample sends out a copy of the kernel, scaled by its own value, what do all those copies add up to?
#
# The cleanest way to see the difference is to feed both operations a single spike (an *impulse*).
# Below, the signal is zero except for one sample equal to 1, and the kernel is the asymmetric ramp `[1, 2, 3]`.

# %%
# One spike in, once through each operation (full mode keeps every overlap)
impulse = np.array([0, 0, 1, 0, 0, 0])
ramp = np.array([1, 2, 3])
conv_out = signal.convolve(impulse, ramp)
corr_out = signal.correlate(impulse, ramp)
print("convolve :", conv_out)
print("correlate:", corr_out)
assert list(conv_out) == [0, 0, 1, 2, 3, 0, 0, 0]
assert list(corr_out) == [0, 0, 3, 2, 1, 0, 0, 0]

# %%
# Draw the spike and the two responses side by side
fig, axes = plt.subplots(1, 3, figsize=(11, 2.6), sharey=True)
plotting.signal_1d(impulse, ax=axes[0], title="input: one spike")
plotting.signal_1d(conv_out, ax=axes[1], title="convolve with [1, 2, 3]")
plotting.signal_1d(corr_out, ax=axes[2], title="correlate with [1, 2, 3]")
fig.tight_layout()
plt.show()

# %% [markdown]
# Convolution stamps an upright copy of the kernel where the spike was: `1, 2, 3`.
# Correlation stamps a mirror image: `3, 2, 1`.
# This is why physicists and engineers like convolution: the output of a linear, shift-invariant system (an echo, a blur, a lens) is the input convolved with the system's **impulse response**, the response to a single spike.
# Two spikes would give two stamped copies, added together; any signal is a sum of scaled spikes, so its output is a sum of scaled, shifted copies of the kernel.
#
# Correlation flips the stamp, but it is the natural tool when you *search* for a pattern: its output peaks where the signal matches the kernel.
# Keep both pictures in mind: convolution is easiest to imagine as each input spreading a copy of the kernel out, correlation as each output gathering a weighted window in.

# %% [markdown]
# ## Definition
#
# Let the signal $x$ have $n$ samples $x[0], \dots, x[n-1]$ and the kernel $k$ have $m \le n$ samples.
# The **cross-correlation** (互相关) in its `valid` form keeps only the positions where the kernel fits entirely inside the signal:
#
# $$(x \star k)[i] = \sum_{j=0}^{m-1} x[i+j]\,k[j], \qquad i = 0, 1, \dots, n-m.$$
#
# The **convolution** (卷积) reverses the kernel.
# Write $\tilde k[j] = k[m-1-j]$ for the flipped kernel; then
#
# $$(x * k)[i] = \sum_{j=0}^{m-1} x[i+j]\,\tilde k[j] = \sum_{j=0}^{m-1} x[i+j]\,k[m-1-j].$$
#
# In one line: **convolving with $k$ is correlating with $\mathrm{flip}(k)$**, that is $x * k = x \star \tilde k$.
# Textbooks usually write convolution as $\sum_j x[j]\,k[i-j]$, with indices running over every overlap; that is the same sum, counted from the other end.
#
# ### A worked example you can check by hand
#
# Take $x = [2, 1, 3, 0, 1]$ ($n = 5$) and $k = [1, 2, 3]$ ($m = 3$), so there are $n - m + 1 = 3$ valid positions.
#
# | position $i$ | window $x[i:i+3]$ | correlate: $\cdot\,[1, 2, 3]$ | convolve: $\cdot\,[3, 2, 1]$ |
# |---|---|---|---|
# | 0 | [2, 1, 3] | 2 + 2 + 9 = **13** | 6 + 2 + 3 = **11** |
# | 1 | [1, 3, 0] | 1 + 6 + 0 = **7** | 3 + 6 + 0 = **9** |
# | 2 | [3, 0, 1] | 3 + 0 + 3 = **6** | 9 + 0 + 1 = **10** |
#
# The next cell lets the package do the same sums and checks them against the table.

# %%
# The worked example, computed by convlessons.signal and checked against the hand table
x = np.array([2, 1, 3, 0, 1])
k = np.array([1, 2, 3])
corr_valid = signal.correlate(x, k, mode="valid")
conv_valid = signal.convolve(x, k, mode="valid")
print("correlate:", corr_valid, "  convolve:", conv_valid)
assert list(corr_valid) == [13, 7, 6] and list(conv_valid) == [11, 9, 10]
assert np.array_equal(conv_valid, signal.correlate(x, k[::-1], mode="valid"))

# %% [markdown]
# The last line of that cell is the identity $x * k = x \star \mathrm{flip}(k)$, checked on numbers.
# The picture below freezes the correlation at position 0: the highlighted window of the input, the kernel, and the output sample being written.

# %%
# One step of the sliding window: the input window, the kernel and the output cell it writes
fig = plotting.conv_steps(x, k, position=0)
plt.show()

# %% [markdown]
# ### Three output modes: `full`, `same`, `valid`
#
# What happens at the ends of the signal?
# There are three common answers, and `scipy.signal`, `numpy` and `convlessons.signal` all name them the same way.
#
# - **`valid`**: only positions where the kernel lies entirely inside the signal.
#   Length $n - m + 1$.
# - **`full`**: every position where kernel and signal overlap in at least one sample; the missing samples count as zeros.
#   The kernel can hang off each end by $m - 1$ samples, so the length is $n + m - 1$.
# - **`same`**: the middle $n$ samples of `full`, so the output is as long as the input (the first argument).
#
# `valid` and `same` are slices of `full`.
# For our example, `full` has $5 + 3 - 1 = 7$ samples; `valid` starts at index $m - 1 = 2$ of it, and `same` starts at index $\lfloor (m-1)/2 \rfloor = 1$.

# %%
# The three modes of the worked example, and how valid/same sit inside full
full = signal.convolve(x, k, mode="full")
same = signal.convolve(x, k, mode="same")
print("full :", full)
print("same :", same)
print("valid:", conv_valid)
assert list(full) == [2, 5, 11, 9, 10, 2, 3]
assert np.array_equal(same, full[1:6]) and np.array_equal(conv_valid, full[2:5])

# %% [markdown]
# The lengths follow from counting kernel positions, so they hold for every $n$ and $m$.
# The next cell checks the three formulas over a grid of lengths against what `convlessons.signal` returns.

# %%
# Output length of each mode for several (n, m), against n+m-1, n and n-m+1
print(" n  m   full same valid")
for n, m in [(5, 3), (8, 2), (10, 4), (7, 7), (16, 5)]:
    lengths = [len(signal.convolve(np.ones(n), np.ones(m), mode=md)) for md in ("full", "same", "valid")]
    assert lengths == [n + m - 1, n, n - m + 1]
    print(f"{n:2d} {m:2d}   {lengths[0]:4d} {lengths[1]:4d} {lengths[2]:5d}")

# %% [markdown]
# ### Which algebraic laws hold
#
# Convolution behaves like multiplication of numbers.
#
# - It is **commutative** (交换律): $x * k = k * x$.
#   In `full` mode the signal and the kernel play symmetric roles; substitute $j \to i - j$ in the textbook sum and the two swap places.
# - It is **associative** (结合律): $(x * a) * b = x * (a * b)$.
#   Filtering with $a$ and then with $b$ is the same as filtering once with the combined kernel $a * b$, which has length $m_a + m_b - 1$.
#
# Cross-correlation is **not commutative**: swapping the arguments reverses the output, $k \star x = \mathrm{flip}(x \star k)$.
# We check all of it on small integer arrays, where equality is exact.

# %%
# Convolution commutes; correlation does not (swapping its arguments reverses the output)
print("convolve(x, k) :", signal.convolve(x, k), "  convolve(k, x) :", signal.convolve(k, x))
print("correlate(x, k):", signal.correlate(x, k), "  correlate(k, x):", signal.correlate(k, x))
assert np.array_equal(signal.convolve(x, k), signal.convolve(k, x))
assert not np.array_equal(signal.correlate(x, k), signal.correlate(k, x))
assert np.array_equal(signal.correlate(k, x), signal.correlate(x, k)[::-1])

# %%
# Convolution associates: two filters in a row equal one filter, a * b
a, b = np.array([1, -1]), np.array([1, 0, 2])
two_passes = signal.convolve(signal.convolve(x, a), b)
one_pass = signal.convolve(x, signal.convolve(a, b))
print("a * b =", signal.convolve(a, b), "  (x * a) * b =", two_passes)
assert np.array_equal(two_passes, one_pass)

# %% [markdown]
# For correlation the chained version still collapses into one pass, but with a twist you can predict from the flip identity:
# two correlations in a row equal one correlation with the **convolution** of the kernels, $(x \star a) \star b = x \star (a * b)$, not with their correlation.
# So associativity in the form "$(x \star a) \star b = x \star (a \star b)$" fails.

# %%
# Chained correlations combine through a convolution of the kernels, not a correlation
chained = signal.correlate(signal.correlate(x, a), b)
assert np.array_equal(chained, signal.correlate(x, signal.convolve(a, b)))
assert not np.array_equal(chained, signal.correlate(x, signal.correlate(a, b)))
print("(x ⋆ a) ⋆ b =", chained)

# %% [markdown]
# ### Two dimensions: flip both axes
#
# An image $X$ and a 2D kernel $K$ of size $k_h \times k_w$ work the same way, with one sum per axis:
#
# $$(X \star K)[i, j] = \sum_{u=0}^{k_h-1} \sum_{v=0}^{k_w-1} X[i+u,\, j+v]\, K[u, v].$$
#
# The 2D convolution flips the kernel along **both** axes, $\tilde K[u, v] = K[k_h-1-u,\, k_w-1-v]$, which is a rotation by 180°.
# It is not a transpose: $K^\top$ mirrors across the diagonal, which is a different kernel.
# Here is an asymmetric kernel and its flipped version.

# %%
# An asymmetric 3x3 kernel and its 180-degree rotation (the flip along both axes)
K = np.array([[1, 2, 0], [0, 0, 0], [0, 0, -1]])
K_flipped = K[::-1, ::-1]
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
plotting.grid(K, ax=axes[0], title="K")
plotting.grid(K_flipped, ax=axes[1], title="flip(K): both axes")
plotting.grid(K.T, ax=axes[2], title="K.T: not the flip")
fig.tight_layout()
plt.show()

# %%
# 2D convolution equals correlation with the kernel flipped on both axes, and only then
X = np.arange(25).reshape(5, 5) % 7
conv2 = signal.convolve(X, K, mode="valid")
assert np.array_equal(conv2, signal.correlate(X, K_flipped, mode="valid"))
assert not np.array_equal(conv2, signal.correlate(X, K[::-1], mode="valid"))  # one axis only
assert not np.array_equal(conv2, signal.correlate(X, K.T, mode="valid"))  # transpose
print(conv2)

# %% [markdown]
# ## Implementation
#
# Two implementations of the 2D `valid` correlation, both checked against PyTorch:
# first a loop you can read line by line, then a vectorized one you would actually use.
#
# ### The loop version
#
# `naive.correlate2d(x, k)` is four nested loops: over output rows and columns, and over kernel rows and columns, multiplying and adding one pair at a time.
# `naive.convolve2d(x, k)` does the same with the kernel flipped.
# They are slow on purpose, and only meant for small inputs.

# %%
# Loop versions vs torch on a random 6x7 image and 3x2 kernel (multiples of 1/4: every sum is exact)
img = np.random.randint(-8, 9, size=(6, 7)) / 4
ker = np.random.randint(-8, 9, size=(3, 2)) / 4
torch_out = TF.conv2d(torch.from_numpy(img)[None, None], torch.from_numpy(ker)[None, None])[0, 0].numpy()
loop_corr = naive.correlate2d(img, ker)
loop_conv = naive.convolve2d(img, ker)
print(f"max |loop correlate - torch| = {np.abs(loop_corr - torch_out).max()}")
print(f"max |loop convolve  - torch| = {np.abs(loop_conv - torch_out).max()}")
assert np.array_equal(loop_corr, torch_out) and not np.allclose(loop_conv, torch_out)

# %% [markdown]
# The loop *correlation* matches torch exactly; the loop *convolution* is off by a lot.
# That is the first hint of this lesson's main fact.
# (The values are multiples of $1/4$, so every product and sum is exact in float64 whatever order a library adds in: any error at all would be a bug, not rounding. With arbitrary floats you would see errors around $10^{-15}$, float64's rounding.)
#
# ### The vectorized version
#
# The vectorized version in `convlessons` never loops over output pixels in Python.
# It takes a view of all the windows at once (`numpy.lib.stride_tricks.sliding_window_view`, no copying), lays each window out as one column of a matrix, and multiplies that matrix by the flattened kernel in a single matrix product.
# Lesson 02 builds this "im2col" trick step by step.
# `signal.correlate` works on plain arrays like scipy; `functional.conv2d` takes batched `(N, C, H, W)` arrays and `(C_out, C_in, kh, kw)` weights exactly like `torch.nn.functional.conv2d`.

# %%
# Vectorized versions against torch on the same image and kernel
vec_corr = signal.correlate(img, ker, mode="valid")
fn_out = F.conv2d(img[None, None], ker[None, None])[0, 0]
print(f"max |signal.correlate - torch| = {np.abs(vec_corr - torch_out).max()}")
print(f"max |functional.conv2d - torch| = {np.abs(fn_out - torch_out).max()}")
assert np.array_equal(vec_corr, torch_out) and np.array_equal(fn_out, torch_out)
assert np.array_equal(signal.convolve(img, ker, mode="valid"), loop_conv)

# %% [markdown]
# ### What does PyTorch compute?
#
# Now the direct test with the library everyone trusts for the textbook definitions, `scipy.signal`.
# `correlate2d` slides the kernel as written; `convolve2d` flips it first.
# With an asymmetric kernel, the two give different answers, so only one of them can match torch.

# %%
# torch.nn.functional.conv2d against scipy's correlate2d and convolve2d, with the asymmetric K
X_t = torch.tensor(X, dtype=torch.float64)[None, None]
K_t = torch.tensor(K, dtype=torch.float64)[None, None]
torch_2d = TF.conv2d(X_t, K_t)[0, 0].numpy()
err_corr = np.abs(torch_2d - sps.correlate2d(X, K, mode="valid")).max()
err_conv = np.abs(torch_2d - sps.convolve2d(X, K, mode="valid")).max()
print(f"max |torch - correlate2d| = {err_corr}   max |torch - convolve2d| = {err_conv}")
assert err_corr == 0 and err_conv > 0

# %% [markdown]
# PyTorch's "convolution" is the cross-correlation, exactly.
# Its documentation says so too: `nn.Conv2d` is described with the "valid 2D cross-correlation operator".
# TensorFlow and JAX do the same.
#
# ### Why deep learning does not care
#
# In signal processing the kernel is given (a blur, an echo) and the flip matters.
# In a CNN the kernel is **learned**: it starts random and gradient descent shapes it.
# If the "right" filter for a task is some convolution kernel $K$, a correlation layer can represent exactly the same function with the flipped kernel $\mathrm{flip}(K)$.
# Flipping is a one-to-one relabelling of kernels, so the set of functions a layer can compute is identical, and so is the difficulty of finding a good one.
#
# Let us watch it happen.
# We make a data set whose targets are produced by a **true convolution** with a secret asymmetric kernel, then train a bias-free `conv2d` layer (a correlation) to reproduce them.
# `models.fit_kernel` starts from a small random kernel and runs plain full-batch gradient descent on the mean squared error; it returns the learned kernel and the loss at every step.

# %%
# Targets from a TRUE convolution with a secret kernel; inputs are random 12x12 images
secret = np.array([[1.0, 2.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, -1.0]])
images = np.random.randn(16, 12, 12)
targets = np.stack([signal.convolve(im, secret, mode="valid") for im in images])
fit = models.fit_kernel(images, targets, kernel_size=(3, 3), steps=300, seed=0)
print(f"loss at the start: {fit.losses[0]:.3f};  after 300 steps below 1e-20: {fit.losses[-1] < 1e-20}")
assert fit.losses[-1] < 1e-20

# %%
# The learned correlation kernel is the secret kernel flipped on both axes
learned = np.round(fit.kernel, 4) + 0.0  # rounded for display; + 0.0 turns -0.0 into 0.0
print(learned)
err_flip = np.abs(fit.kernel - secret[::-1, ::-1]).max()
err_same = np.abs(fit.kernel - secret).max()
print(f"max |learned - flip(secret)| < 1e-9: {err_flip < 1e-9}   max |learned - secret| = {err_same:.2f}")
assert err_flip < 1e-9 and err_same > 1

# %%
# Side by side: the secret convolution kernel, what the correlation layer learned, the flipped secret
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
plotting.grid(secret, ax=axes[0], title="secret (convolution)", fmt="{:.1f}")
plotting.grid(learned, ax=axes[1], title="learned (correlation)", fmt="{:.1f}")
plotting.grid(secret[::-1, ::-1], ax=axes[2], title="flip(secret)", fmt="{:.1f}")
fig.tight_layout()
plt.show()

# %% [markdown]
# The layer found the flipped kernel, to within the optimiser's tolerance, with no hint that a flip was involved.
# Had the framework used true convolution, it would have learned the secret kernel itself; the outputs, the loss and the number of steps would have been the same.
# So frameworks pick the simpler operation to index, correlation (no flip), and keep the familiar name.
# The flip matters only at the boundaries of the learned world: when you load kernels from a tool that uses the other convention, or when you write a kernel by hand and expect a particular direction.

# %% [markdown]
# ## Cost
#
# ### Counting multiplications
#
# The direct method does one multiplication per (output sample, kernel tap) pair.
#
# | operation | multiplications |
# |---|---|
# | 1D `valid`, signal $n$, kernel $m$ | $(n - m + 1)\,m$ |
# | 1D `full`, by zero-padding $m-1$ on each side | $(n + m - 1)\,m$ |
# | 1D `full`, skipping the products with padded zeros | $n\,m$ |
# | 2D `valid`, image $H \times W$, kernel $k_h \times k_w$ | $(H - k_h + 1)(W - k_w + 1)\,k_h k_w$ |
#
# The `full` line with $n\,m$ says something neat: every input sample meets every kernel tap exactly once.
# The loop code in `convlessons.naive` counts each scalar multiplication it performs in a `MultiplicationCounter`; the next cell compares the counts with the formulas.

# %%
# Multiplications counted by the loop code (n=20, m=5; 8x9 image, 3x2 kernel), next to the formulas
n, m, H, W, kh, kw = 20, 5, 8, 9, 3, 2
counts = {case: naive.MultiplicationCounter() for case in ("1D valid", "1D full", "2D valid")}
_ = naive.conv1d(np.ones((1, 1, n)), np.ones((1, 1, m)), counter=counts["1D valid"])
_ = naive.conv1d(np.ones((1, 1, n)), np.ones((1, 1, m)), padding=m - 1, counter=counts["1D full"])
_ = naive.conv2d(np.ones((1, 1, H, W)), np.ones((1, 1, kh, kw)), counter=counts["2D valid"])
formulas = {"1D valid": cost.direct_conv1d_mults(n, m, "valid"), "1D full": cost.direct_conv1d_mults(n, m, "full"),
            "2D valid": cost.conv_macs(1, 1, (kh, kw), (H - kh + 1, W - kw + 1))}
for case, counter in counts.items():
    print(f"{case:8s}: counted {counter.count:3d}   formula {formulas[case]:3d}")
    assert counter.count == formulas[case]
assert formulas["1D valid"] == 16 * 5 and formulas["1D full"] == 24 * 5 and formulas["2D valid"] == 6 * 8 * 6

# %% [markdown]
# ### A faster route for long kernels: the FFT
#
# The **convolution theorem** says that convolution in the sample domain is pointwise multiplication in the frequency domain.
# So a full convolution can be done in three steps: transform both sequences with the fast Fourier transform (FFT, 快速傅里叶变换), multiply the transforms sample by sample, transform back.
# Each FFT of length $N \ge n + m - 1$ costs on the order of $N \log_2 N$ operations, so the total grows like $N \log N$ instead of $n\,m$.
# The next cell checks the theorem with numpy's FFT on the worked example.

# %%
# Convolution theorem: full convolution == inverse FFT of the product of the FFTs
N = len(x) + len(k) - 1
via_fft = np.fft.irfft(np.fft.rfft(x, N) * np.fft.rfft(k, N), N)
print(np.round(via_fft, 6))
assert np.allclose(via_fft, signal.convolve(x, k))

# %% [markdown]
# How do the two costs grow?
# The plot uses the formulas from `convlessons.cost`: the direct `full` count $(n + m - 1)\,m$, and an operation model for the FFT route, $3 N \log_2 N + 4(N/2 + 1)$, for three real FFTs of the padded length $N$ (the next power of two $\ge n + m - 1$) plus the pointwise products.
# For a short kernel ($m = 8$) the direct method stays cheaper at every length; when the kernel is as long as the signal ($m = n$), the direct cost grows as $n^2$ and the FFT wins from a few dozen samples on.

# %%
# Cost curves: direct n*m vs the FFT model, for a short kernel and for m = n
lengths = 2 ** np.arange(4, 17)
curves = {
    "direct, m = 8": cost.direct_conv1d_mults(lengths, 8),
    "direct, m = n": cost.direct_conv1d_mults(lengths, lengths),
    "FFT, m = n": cost.fft_conv1d_mults(lengths, lengths),
}
assert (curves["direct, m = 8"] < cost.fft_conv1d_mults(lengths, 8)).all()  # m = 8: direct always cheaper
assert lengths[curves["FFT, m = n"] < curves["direct, m = n"]].min() == 32  # m = n: FFT from n = 32
ax = plotting.cost_curves(lengths, curves, xlabel="signal length n", ylabel="multiplications", logy=True)
ax.set_xscale("log", base=2)
plt.show()

# %% [markdown]
# Operation counts are a model, not a stopwatch.
# Real FFTs pay for memory traffic and complex arithmetic, and real direct kernels are tuned for some shapes far better than for others, so the length from which the FFT wins in practice is not exactly where the count says, and the margin can be smaller or larger.
# The GPU section measures both.
# For the 3×3 and 5×5 kernels of most CNNs the direct method (or its cousins, im2col and Winograd) wins, which is why you rarely meet the FFT inside a CNN layer.

# %% [markdown]
# ## Claim check
#
# The source article's first half, which covers this topic, is not part of this project's seed, so this lesson's claims come from the curriculum.
# Each one is recomputed below on random sizes and random values, not just on the worked example.
#
# 1. Convolution equals correlation with the kernel flipped (1D: reversed; 2D: both axes).
# 2. Lengths: `full` $n + m - 1$, `same` $n$, `valid` $n - m + 1$.
# 3. Convolution is commutative and associative; correlation is not commutative.
# 4. `torch.nn.functional.conv1d`/`conv2d` compute cross-correlation.

# %%
# Claims 1-3 on random integer signals of random lengths (exact arithmetic)
rng = np.random.default_rng(1)
for _ in range(50):
    n, m, p = rng.integers(1, 30), rng.integers(1, 12), rng.integers(1, 6)
    xs, ks, ps = rng.integers(-5, 6, n), rng.integers(-5, 6, m), rng.integers(-5, 6, p)
    assert np.array_equal(signal.convolve(xs, ks), signal.correlate(xs, ks[::-1]))
    assert len(signal.convolve(xs, ks)) == n + m - 1 and len(signal.convolve(xs, ks, "same")) == n
    assert n < m or len(signal.convolve(xs, ks, "valid")) == n - m + 1
    assert np.array_equal(signal.convolve(xs, ks), signal.convolve(ks, xs))
    assert np.array_equal(signal.convolve(signal.convolve(xs, ks), ps), signal.convolve(xs, signal.convolve(ks, ps)))
print("claims 1-3 hold on 50 random cases")

# %%
# Claim 4 on random 1D and 2D tensors: torch matches scipy's correlate, not convolve
for _ in range(10):
    s1, k1 = torch.randn(1, 1, 40, dtype=torch.float64), torch.randn(1, 1, 5, dtype=torch.float64)
    s2, k2 = torch.randn(1, 1, 9, 11, dtype=torch.float64), torch.randn(1, 1, 3, 4, dtype=torch.float64)
    out1, out2 = TF.conv1d(s1, k1)[0, 0].numpy(), TF.conv2d(s2, k2)[0, 0].numpy()
    assert np.allclose(out1, sps.correlate(s1[0, 0], k1[0, 0], mode="valid"))
    assert np.allclose(out2, sps.correlate2d(s2[0, 0], k2[0, 0], mode="valid"))
    assert not np.allclose(out2, sps.convolve2d(s2[0, 0], k2[0, 0], mode="valid"))
print("claim 4 holds on 10 random 1D and 10 random 2D cases")

# %% [markdown]
# ### Errata
#
# > **Errata.** There is no sentence of the source article to correct here, because its first half is not in our seed.
# > Three statements that circulate widely are wrong, though, and the next cell proves it.
# >
# > 1. *"Cross-correlation is commutative, like convolution."*
# >    No: swapping the arguments reverses the output.
# > 2. *"To flip a 2D kernel, transpose it."*
# >    No: the flip is a 180° rotation, `K[::-1, ::-1]`; `K.T` gives a different result for an asymmetric kernel.
# > 3. *"`numpy.convolve` and `scipy.signal.convolve` agree in `same` mode."*
# >    Only when the kernel is no longer than the signal.
# >    For a longer kernel numpy returns `max(n, m)` samples, scipy returns `n`, the length of the first argument.

# %%
# The three misconceptions, refuted with numbers
assert not np.array_equal(signal.correlate(x, k), signal.correlate(k, x))
assert not np.array_equal(signal.convolve(X, K, "valid"), signal.correlate(X, K.T, "valid"))
short, long_ = np.array([1, 2]), np.array([1, 1, 1, 1])
print("numpy same:", np.convolve(short, long_, mode="same"), "  scipy same:", sps.convolve(short, long_, mode="same"))
assert len(np.convolve(short, long_, mode="same")) == 4 and len(sps.convolve(short, long_, mode="same")) == 2

# %% [markdown]
# ## Explore
#
# ### The sliding window in motion
#
# The animation below performs a **full convolution** of the worked example the way the definition says: flip the kernel to `[3, 2, 1]`, pad the signal with $m - 1 = 2$ zeros on each side, then slide.
# Watch the highlighted window move one sample per frame and the output fill in from left to right; the final row is `[2, 5, 11, 9, 10, 2, 3]`.

# %% tags=["nbval-ignore-output"]
# Flip-and-slide: correlate with the flipped kernel over the zero-padded signal (press play)
anim = animation.sliding_window(x, k[::-1], padding=len(k) - 1, max_frames=8, dpi=60)
assert np.array_equal(anim.result, signal.convolve(x, k))
animation.to_html(anim)

# %%
# What the animation computed: one frame per output sample, ending in the full convolution
print("frames:", len(anim.steps), "  final output:", anim.result.astype(int))
assert len(anim.steps) == len(x) + len(k) - 1

# %% [markdown]
# ### The correlation explorer
#
# The explorer puts convolution (left) and correlation (right) side by side on one 8-sample signal.
# Pick a kernel and a mode, and move the output index: the top row shows the kernel laid under the signal (flipped on the left, as written on the right), with the padded zeros drawn as hollow dots; the bottom row shows the output, with the current sample in red and its products written out.
# Three kernels are offered, and each one teaches something:
#
# - the ramp `[1, 2, 3]` is asymmetric, so the two outputs differ everywhere;
# - the delay `[0, 0, 1]` has a single tap at one end, so convolution and correlation read opposite ends of each window, and their outputs are the same signal shifted two samples apart;
# - the edge `[1, 0, -1]` flips into its own negative, so convolution is exactly minus correlation.
#
# Predict each output before you look.
# First, one setting driven from code and checked, so the stored notebook has something to compare:

# %%
# Drive the explorer headless: edge kernel, mode 'valid', output index 2
explorer = widgets.correlation_explorer()
render = explorer.update(kernel=(1.0, 0.0, -1.0), mode="valid", shift=2)
print(render.text)
assert render.error is None and "flipped kernel: True" in render.text
render.figure

# %% [markdown]
# An impossible setting does not crash the explorer; it explains itself instead.
# `valid` mode with a 3-tap kernel leaves only $8 - 3 + 1 = 6$ outputs, so index 7 does not exist:

# %%
# Ask for an output index that the mode does not produce
bad = explorer.update(mode="valid", shift=7)
print(bad.text)
assert bad.error is not None and bad.figure is None

# %% tags=["nbval-ignore-output"]
# The live explorer: change the kernel, the mode and the output index
explorer.update(kernel=(1.0, 2.0, 3.0), mode="full", shift=3)
explorer.widget

# %% [markdown]
# ## In practice
#
# **The PyTorch call.** `torch.nn.Conv1d`, `Conv2d`, `Conv3d` and their functional forms `F.conv1d/2d/3d` all compute cross-correlation, with the weight laid out as `(C_out, C_in, *kernel)`.
# If you need a true convolution (for example to apply a filter taken from a signal-processing text), flip the spatial axes of the weight: `F.conv2d(x, w.flip(-2, -1))`.
#
# **When the flip does not matter at all.** A kernel that reads the same reversed (in 2D: unchanged by a 180° rotation), such as a box blur, a Gaussian blur or the Laplacian, is its own flip, so convolution and correlation give identical results with it.

# %%
# True convolution in PyTorch: flip the weight's spatial axes. A symmetric blur needs no flip at all
true_conv = TF.conv2d(X_t, K_t.flip(-2, -1))[0, 0].numpy()
matches = np.array_equal(true_conv, sps.convolve2d(X, K, mode="valid"))
blur = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16
agree = np.array_equal(signal.convolve(X, blur, "valid"), signal.correlate(X, blur, "valid"))
print("torch with flipped weight == scipy convolve2d:", matches, "   blur: convolve == correlate:", agree)
assert matches and agree

# %% [markdown]
# **Who uses which convention.**
#
# - Correlation: PyTorch, TensorFlow/Keras, JAX (`lax.conv_general_dilated`), cuDNN as frameworks call it, OpenCV's `filter2D` (its documentation says so explicitly).
# - True convolution: `numpy.convolve`, `scipy.signal.convolve`/`convolve2d`/`fftconvolve`, `scipy.ndimage.convolve`, and the old Theano `conv2d`; Lasagne had a `flip_filters` switch for exactly this reason.
#
# **Pitfalls.**
#
# - *Porting weights* between a convolution library and a correlation library: flip every kernel along its spatial axes, or the network produces garbage with no error message.
# - *Hand-made kernels*: correlating with `[-1, 0, 1]` computes $x[i+1] - x[i-1]$, a derivative; convolving with it gives the negative.
#   Edge detectors change sign and direction under the flip.
# - *`same` mode with an even kernel*: the extra sample of padding has to go on one side; libraries differ on which (lesson 02).
# - *Transposed convolution* (lesson 05) is where the flip comes back: its direct recipe convolves with the flipped kernel.
#
# **FFT in practice.** `scipy.signal.convolve(..., method="auto")` estimates both costs and picks the direct or the FFT route for you; `scipy.signal.fftconvolve` forces the FFT.
# cuDNN also contains FFT algorithms and may pick one for large kernels when you set `torch.backends.cudnn.benchmark = True`.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1 (implement): 1D cross-correlation
#
# Write `correlate_valid(x, k)` that returns the `valid` cross-correlation of two 1D numpy arrays, without calling any convolution or correlation routine.
# A loop over the output positions with a dot product inside is fine.
# The result must have length `len(x) - len(k) + 1`.

# %% nbgrader={"grade": false, "grade_id": "l01_ex1_impl", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your implementation of the 1D valid cross-correlation
def correlate_valid(x, k):
    ### BEGIN SOLUTION
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    return np.array([x[i : i + len(k)] @ k for i in range(len(x) - len(k) + 1)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "l01_ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Check against convlessons.signal.correlate(x, k, mode="valid") on several cases
exercises.check_correlate_valid(correlate_valid)
### BEGIN HIDDEN TESTS
hidden_rng = np.random.default_rng(7)
for n_h, m_h in [(1, 1), (9, 9), (30, 4), (12, 1)]:
    xh, kh_ = hidden_rng.standard_normal(n_h), hidden_rng.standard_normal(m_h)
    assert np.allclose(correlate_valid(xh, kh_), sps.correlate(xh, kh_, mode="valid"))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (predict): output lengths
#
# A signal has $n = 10$ samples and a kernel has $m = 4$.
# Without running any convolution, fill in the length of the output in each mode.

# %% nbgrader={"grade": false, "grade_id": "l01_ex2_predict", "locked": false, "schema_version": 3, "solution": true, "task": false}
# Your predicted output lengths for n = 10, m = 4: replace each None by a number
predicted = {"full": None, "same": None, "valid": None}
### BEGIN SOLUTION
predicted = {"full": 13, "same": 10, "valid": 7}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "l01_ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# Check the predicted lengths
exercises.check_mode_lengths(predicted, n=10, m=4)
### BEGIN HIDDEN TESTS
for mode_h, length_h in predicted.items():
    assert length_h == len(sps.convolve(np.ones(10), np.ones(4), mode=mode_h))
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 (explain): why a CNN can skip the flip
#
# In a few sentences, explain why a convolutional network loses nothing by computing cross-correlation instead of convolution.
# Then name one situation where the difference does matter.

# %% [markdown] nbgrader={"grade": true, "grade_id": "l01_ex3_explain", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# The kernels of a CNN are learned, not given.
# Correlating with a kernel $w$ is the same as convolving with $\mathrm{flip}(w)$, and flipping is a one-to-one map between kernels, so both kinds of layer can represent exactly the same set of functions.
# Gradient descent simply finds the flipped kernel, as the fit in this lesson showed; losses, outputs and training cost are unchanged.
# It matters whenever a kernel crosses the convention boundary: loading weights trained with a true-convolution library, applying a hand-designed filter whose direction matters (an edge detector changes sign), or comparing against `scipy.signal.convolve`.
# ### END SOLUTION

# %% [markdown]
# ## GPU section
#
# **What it measures.** `gpu.lesson01` takes a batch of 8 signals of growing length $n$ ($2^{10}$ to $2^{20}$ samples) and one long kernel of $m = 1024$ taps, and computes the full true convolution on the GPU two ways:
# directly, with `conv1d` on the flipped kernel (cuDNN), and through the FFT (`torch.fft.rfft` of both, a pointwise product, `irfft`).
# It first checks each method against the other computed in float64 on the CPU, in float32 with TF32 switched off (TF32 would round the inputs of the direct method to 10 mantissa bits and blur the comparison).
# Then it times both with CUDA events after warm-up, and prints time, achieved throughput, and the speed-up the multiplication counts predict next to the measured one.
#
# **The prediction.** With $m = 1024$ the direct method needs $(n + m - 1)\,m$ multiplications: at least a thousand per signal sample.
# The FFT model, $3 N \log_2 N + 4(N/2 + 1)$ with $N$ the padded length, needs between 70 and 130 per signal sample at these sizes.
# So the counts predict the FFT to be 8 to 29 times faster at every length (29 for the shortest signal, 8 for the longest, where $\log_2 N$ has grown); the next cell computes these numbers.
# The measurement tests that prediction against real hardware: for short signals the GPU is nearly idle and each method's time is dominated by launching its kernels (the FFT route launches several), so the count's advantage may not show; for long signals the arithmetic dominates and the FFT should win clearly.
# The report names the length from which the FFT wins.
# For the 3 to 7 taps of a CNN layer the same arithmetic says the opposite: $m$ multiplications per sample is already fewer than the FFT's overhead, which is why frameworks convolve directly.
# On a machine without CUDA the GPU cell prints one line and moves on.

# %%
# The prediction from the counts: multiplications per signal sample and the FFT's advantage (m = 1024)
gpu_lengths = 2 ** np.arange(10, 21, 2)
direct_per_sample = cost.direct_conv1d_mults(gpu_lengths, 1024) / gpu_lengths
fft_per_sample = cost.fft_conv1d_mults(gpu_lengths, 1024) / gpu_lengths
print("direct per sample:", direct_per_sample.round(), "\nFFT per sample:   ", fft_per_sample.round())
print("predicted FFT speed-up:", (direct_per_sample / fft_per_sample).round(1))
assert direct_per_sample.min() > 1000 and fft_per_sample.round().tolist() == [70, 82, 94, 106, 118, 130]
assert (direct_per_sample / fft_per_sample).round().tolist() == [29, 16, 12, 10, 9, 8]

# %% tags=["nbval-ignore-output"]
# Verify and time direct vs FFT convolution on the GPU (skipped without CUDA)
report = gpu.run_section("01")

# %% [markdown]
# **What one run on an NVIDIA H200 showed** (your numbers will differ; the shape of the result should not).
# For $n = 1024$ the FFT was *slower* (0.8×): both methods took about 0.1 ms, the time of launching a handful of GPU kernels, so the 29× fewer multiplications did not matter.
# From $n = 4096$ on the FFT won, and by $n = 2^{20}$ it was 47 times faster, far more than the 8× the counts predict.
# The reason is most likely efficiency, not arithmetic: cuDNN's direct kernel for a single-channel, 1024-tap filter reached only about 0.7 TFLOP/s, around 1% of the chip's float32 peak: cuDNN is built for layers with many channels, whose work becomes a large matrix product, and one channel in and one out leaves little of that structure to exploit.
# Both checks passed, with float32 errors of about $10^{-4}$ against the float64 reference.
# The lesson: counting multiplications predicts the *direction* of a comparison; the *size* of the gap also depends on how well each method uses the hardware.

# %% [markdown]
# ## Summary
#
# - Cross-correlation slides the kernel as written; convolution flips it first.
#   In symbols, $x * k = x \star \mathrm{flip}(k)$, and in 2D the flip is along both axes (a 180° rotation, not a transpose).
# - Output lengths: `full` $n + m - 1$, `same` $n$, `valid` $n - m + 1$.
# - Convolution is commutative and associative; correlation is not commutative (swapping reverses the output), and chained correlations combine through a convolution of their kernels.
# - `torch.nn.functional.conv2d` and every mainstream deep-learning framework compute cross-correlation, under the name convolution.
# - Because kernels are learned, the flip costs a CNN nothing: a correlation layer learns the flipped kernel.
#   It matters when weights or hand-made filters cross between conventions.
# - Direct convolution costs about $n\,m$ multiplications; the FFT about $N \log N$.
#   Small CNN kernels favour the direct method.
#
# Next: [02 · 2D convolution](02_2d_convolution.ipynb) builds the multi-channel layer a CNN actually uses, and the arithmetic of its output sizes.

# %% [markdown]
# ## References
#
# - I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press 2016, section 9.1 (convolution vs cross-correlation in ML libraries). https://www.deeplearningbook.org/contents/convnets.html
# - V. Dumoulin, F. Visin, *A guide to convolution arithmetic for deep learning*, 2016. https://arxiv.org/abs/1603.07285
# - K. Bai, *A Comprehensive Introduction to Different Types of Convolutions in Deep Learning*, 2019 (the article this collection grew from; its second half is this project's seed).
# - J. W. Cooley, J. W. Tukey, *An algorithm for the machine calculation of complex Fourier series*, Mathematics of Computation 19, 1965.
# - M. Mathieu, M. Henaff, Y. LeCun, *Fast Training of Convolutional Networks through FFTs*, 2013. https://arxiv.org/abs/1312.5851
# - N. Vasilache et al., *Fast Convolutional Nets With fbfft: A GPU Performance Evaluation*, 2014. https://arxiv.org/abs/1412.7580
# - A. Lavin, S. Gray, *Fast Algorithms for Convolutional Neural Networks* (Winograd), 2015. https://arxiv.org/abs/1509.09308
# - S. Chetlur et al., *cuDNN: Efficient Primitives for Deep Learning*, 2014. https://arxiv.org/abs/1410.0759
# - PyTorch documentation, `torch.nn.Conv2d`. https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html

# %% [markdown]
# ## Glossary
#
# | English | 中文 |
# |---|---|
# | convolution | 卷积 |
# | cross-correlation | 互相关 |
# | kernel (filter) | 卷积核(滤波器) |
# | flip | 翻转 |
# | sliding window | 滑动窗口 |
# | impulse / impulse response | 冲激 / 冲激响应 |
# | padding | 填充 |
# | full / same / valid mode | 完整 / 相同 / 有效 模式 |
# | commutative / associative | 交换律 / 结合律 |
# | template matching | 模板匹配 |
# | gradient descent | 梯度下降 |
# | fast Fourier transform (FFT) | 快速傅里叶变换 |
# | convolution theorem | 卷积定理 |
# | multiplication count | 乘法次数 |
