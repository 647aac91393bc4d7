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
# # Walk-through for exercises 6 and 7: stride, padding and groups
#
# **By the end of this notebook you will understand**
#
# - the output size $H_o = \lfloor (H + 2p - k) / s \rfloor + 1$, and what padding and stride
#   do to im2col;
# - why the input gradient of a padded convolution is cropped, and why, with a stride, some
#   pixels get no gradient at all;
# - what `groups` does to the weight, and why a depthwise convolution runs without columns
#   (`mt.backends.explain()` shows it).
#
# Then: `python -m minitorch_conv.exercises start stride_padding` (and `groups`).

# %%
import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.exercises import kit

image = np.arange(1.0, 26.0).reshape(1, 5, 5)
print(image[0])

# %% [markdown]
# ## Padding, then a strided im2col
#
# Padding 1 puts a frame of zeros around the 5x5 image (7x7); stride 2 moves the 3x3 kernel two
# pixels at a time: $H_o = \lfloor (5 + 2 - 3)/2 \rfloor + 1 = 3$. The framework pads first and
# then takes every second patch: im2col's slice `i:i + Ho` becomes `i:i + s*(Ho - 1) + 1:s`.

# %%
padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))
cols = kit.im2col(padded, (3, 3), stride=(2, 2))
print(cols.shape)  # (C*kh*kw, Ho*Wo) = (9, 3*3)
print("the centre of each patch:", cols[4])

# %% [markdown]
# ## The backward: col2im onto the padded image, then crop
#
# The input gradient is col2im of $W^\top dY$ onto the *padded* frame, with the same stride;
# the frame is then cut away, since the zeros were not inputs. With a 6x6 image, a 3x3 kernel
# and stride 2 (no padding), the windows start at rows 0 and 2 and end at row 4: row 5 and
# column 5 are read by no window, and their gradient is exactly zero.

# %%
x = mt.tensor(np.ones((1, 1, 6, 6)), requires_grad=True)
F.conv2d(x, mt.ones(1, 1, 3, 3, dtype=mt.float64), stride=2).sum().backward()
print(x.grad[0, 0])

# %% [markdown]
# ## Groups
#
# With `groups=G`, channels and filters are split into G groups, and group g's filters see only
# group g's channels: the weight is (O, C/G, kh, kw). As one (O, C·kh·kw) matrix it would be
# block-diagonal; the framework runs one GEMM per group instead.

# %%
x = mt.randn(1, 4, 5, 5)
w = mt.randn(6, 2, 3, 3)  # groups=2: each filter is 2 channels deep
y = F.conv2d(x, w, groups=2)
first = F.conv2d(x[:, :2], w[:3])  # group 0: channels 0-1, filters 0-2
print(y.shape, bool(mt.allclose(y[:, :3], first, atol=1e-5)))

# %% [markdown]
# `groups = C` is a *depthwise* convolution: each filter sees one channel. Its im2col+GEMM would
# be GEMMs of one row; the framework runs it as kh·kw shifted multiply-adds instead, with no
# columns. `explain()` shows the path each convolution takes, and why.

# %%
with mt.backends.explain():
    F.conv2d(mt.randn(1, 4, 8, 8), mt.randn(4, 1, 3, 3), groups=4, padding=1)
    F.conv2d(mt.randn(1, 4, 8, 8), mt.randn(8, 4, 3, 3), stride=2)

# %% [markdown]
# Your turn:
#
# ```bash
# python -m minitorch_conv.exercises start stride_padding
# python -m minitorch_conv.exercises check stride_padding
# python -m minitorch_conv.exercises start groups
# ```
