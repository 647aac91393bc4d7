# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Walk-through for exercises 1 and 2: im2col and col2im
#
# **By the end of this notebook you will understand**
#
# - what im2col returns for one image, and in which order its rows and columns run;
# - why col2im is not im2col's inverse but its *adjoint*, and what that has to do with
#   gradients;
# - how the framework runs *your* im2col: the seam `mt.backends.override("im2col", fn)`, and
#   `mt.backends.explain()` showing which kernel ran.
#
# Then you write both yourself: `python -m minitorch_conv.exercises start im2col`.

# %%
import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.exercises import kit

image = np.arange(12.0).reshape(1, 3, 4)  # (C, H, W): each pixel's value is its index
print(image[0])

# %% [markdown]
# ## im2col: every patch a column
#
# With a 2x2 kernel there are Ho x Wo = 2 x 3 patches. `kit.im2col` is the framework's kernel
# for one image (exercises 3 and later may use it); `F.unfold` is the same thing on a batch of
# Tensors, PyTorch's name for it.

# %%
cols = kit.im2col(image, (2, 2))
print(cols)
print(np.array_equal(cols, F.unfold(mt.tensor(image[None]), 2)[0].numpy()))

# %% [markdown]
# Read a column top to bottom: column `y*Wo + x` is the patch whose top-left pixel is (y, x).
# Read a row left to right: row `(c*kh + i)*kw + j` is what kernel offset (i, j) of channel c
# sees as the kernel slides. Row 1 is offset (0, 1): the pixels one to the right of each
# patch's corner.

# %%
Ho, Wo = 2, 3
for y in range(Ho):
    for x in range(Wo):
        assert np.array_equal(cols[:, y * Wo + x], image[:, y:y + 2, x:x + 2].ravel())
print("row 1:", cols[1], "= image[0, 0:2, 1:4].ravel():", image[0, 0:2, 1:4].ravel())

# %% [markdown]
# ## col2im: the adjoint
#
# Pixel (1, 1) sits in four patches, so im2col copies it four times. col2im goes the other way
# and *adds*: every column entry lands on the pixel it came from. Columns of ones show how many
# patches cover each pixel.

# %%
print(kit.col2im(np.ones_like(cols), (3, 4), (2, 2)))

# %% [markdown]
# So `col2im(im2col(x))` is not `x`. What does hold, for every image $x$ and columns $c$, is
# $\langle \mathrm{im2col}(x), c\rangle = \langle x, \mathrm{col2im}(c)\rangle$: col2im is the
# adjoint (the transpose) of the linear map im2col. That is exactly what the chain rule asks
# for: if the loss changes with the columns by $d\mathrm{cols}$, it changes with the image by
# $\mathrm{col2im}(d\mathrm{cols})$.

# %%
rng = np.random.default_rng(0)
x, c = rng.standard_normal((1, 3, 4)), rng.standard_normal(cols.shape)
print(float((kit.im2col(x, (2, 2)) * c).sum()), float((x * kit.col2im(c, (3, 4), (2, 2))).sum()))

# %% [markdown]
# ## How your im2col gets into the framework
#
# The check does not monkeypatch anything. It registers your function under a kernel name with
# `mt.backends.override`; the convolution asks for that name where it would build its columns,
# and while an override is in force it takes the plain im2col+GEMM path, so that yours is the
# one that runs. Here a stand-in "learner's" function wraps `kit.im2col` and says when it is
# called; `explain()` shows the path each kernel took.

# %%
def my_im2col(image, kernel_size, stride, dilation):  # the seam's contract: one padded image
    if stride != (1, 1) or dilation != (1, 1):
        return NotImplemented  # exercise 1 is stride 1: hand the rest back to ours
    return kit.im2col(image, kernel_size)


xb, w = mt.randn(2, 1, 5, 5), mt.randn(4, 1, 3, 3)
with mt.backends.override("im2col", my_im2col) as mine, mt.backends.explain():
    y = F.conv2d(xb, w, padding=1)
print("my_im2col ran", mine.calls, "times (once per image)")

with mt.backends.explain():
    y_ours = F.conv2d(xb, w, padding=1)
print(bool(mt.allclose(y, y_ours, atol=1e-6)))

# %% [markdown]
# Without the override, this small convolution takes a faster path (with Numba installed, a
# direct kernel that builds no columns at all); `explain()` says which and why.
#
# Your turn:
#
# ```bash
# python -m minitorch_conv.exercises start im2col
# python -m minitorch_conv.exercises check im2col
# python -m minitorch_conv.exercises start col2im
# python -m minitorch_conv.exercises check col2im
# ```
