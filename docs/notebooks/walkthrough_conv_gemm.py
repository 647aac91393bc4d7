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
# # Walk-through for exercises 3 to 5: the convolution as GEMMs, forward and backward
#
# **By the end of this notebook you will understand**
#
# - why, once the patches are columns, a convolution is one matrix product per image;
# - where its three gradients come from: $d\mathrm{cols} = W^\top dY$ then col2im for the
#   input, $dW = \sum_n dY_n\,\mathrm{cols}_n^\top$ for the weight, a sum for the bias;
# - how gradcheck tells a right backward from a wrong one, and how to read its report.
#
# Then: `python -m minitorch_conv.exercises start conv2d_forward` (and `input_grad`,
# `weight_bias_grad`).

# %%
import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.exercises import kit

rng = np.random.default_rng(0)
x = rng.standard_normal((2, 3, 5, 4))  # (N, C, H, W)
w = rng.standard_normal((6, 3, 3, 2))  # (O, C, kh, kw)
b = rng.standard_normal(6)

# %% [markdown]
# ## The forward: one GEMM per image
#
# The weight, reshaped to (O, C·kh·kw), lists each filter's numbers in the order (c, i, j),
# the same order as im2col's rows. So each output value is a row of W times a column of cols.

# %%
cols = kit.im2col(x[0], (3, 2))  # (C*kh*kw, Ho*Wo) = (18, 3*3)
W = w.reshape(6, -1)  # (O, C*kh*kw) = (6, 18)
y0 = (W @ cols + b[:, None]).reshape(6, 3, 3)
print(cols.shape, W.shape, "->", y0.shape)
print(np.allclose(y0, F.conv2d(mt.tensor(x), mt.tensor(w), mt.tensor(b))[0].numpy()))

# %% [markdown]
# ## The backward
#
# For $Y = W\,\mathrm{cols}$, a small change $\delta W$ changes the loss by
# $\langle dY, \delta W\,\mathrm{cols}\rangle = \langle dY\,\mathrm{cols}^\top, \delta W\rangle$,
# so $dW = dY\,\mathrm{cols}^\top$ (summed over the images, which all used the same W).
# Likewise $d\mathrm{cols} = W^\top dY$, and col2im carries that back to the pixels.

# %%
dy = rng.standard_normal((2, 6, 3, 3))
dW = sum(dy[n].reshape(6, -1) @ kit.im2col(x[n], (3, 2)).T for n in range(2)).reshape(w.shape)
dx = np.stack([kit.col2im(W.T @ dy[n].reshape(6, -1), (5, 4), (3, 2)) for n in range(2)])
db = dy.sum(axis=(0, 2, 3))

xt, wt, bt = (mt.tensor(a, requires_grad=True) for a in (x, w, b))
F.conv2d(xt, wt, bt).backward(mt.tensor(dy))
print(np.allclose(dW, wt.grad.numpy()), np.allclose(dx, xt.grad.numpy()), np.allclose(db, bt.grad.numpy()))

# %% [markdown]
# ## gradcheck, and its explained report
#
# gradcheck compares a backward with finite differences. Below, an input gradient that is
# twice too large is swapped in through the same seam the check uses
# (`mt.backends.override("conv2d_input_grad", ...)`), and gradcheck says what it sees: the
# Jacobians side by side, the worst elements, and a likely cause.

# %%
def twice_too_large(grad_output, weight, input_size, stride, padding, dilation, groups):
    if stride != (1, 1) or any(padding) or dilation != (1, 1) or groups != 1:
        return NotImplemented
    return 2 * kit.conv2d_input_grad(grad_output, weight, input_size)


small = mt.tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
kernel = mt.tensor(rng.standard_normal((1, 1, 2, 2)))
with mt.backends.override("conv2d_input_grad", twice_too_large):
    try:
        mt.autograd.gradcheck(lambda image: F.conv2d(image, kernel), (small,))
    except mt.autograd.GradcheckError as error:
        report = str(error)
print("\n".join(report.splitlines()[-3:]))

# %% [markdown]
# Your turn:
#
# ```bash
# python -m minitorch_conv.exercises start conv2d_forward
# python -m minitorch_conv.exercises check conv2d_forward
# python -m minitorch_conv.exercises start input_grad
# python -m minitorch_conv.exercises start weight_bias_grad
# ```
