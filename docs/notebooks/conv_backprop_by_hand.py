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
# # Backpropagation through a convolution, by hand
#
# **By the end of this notebook you will understand** where the three gradients of a
# convolution come from, and why the framework computes them the way it does:
#
# 1. the forward pass `y = conv2d(x, W) + b` as plain loops;
# 2. the backward pass as the chain rule written out term by term: every product
#    `W[o, c, i, j] * x[n, c, y + i, x + j]` of the forward sends a gradient to both factors;
# 3. the same three gradients as matrix products over the im2col columns:
#    $dX = \mathrm{col2im}(W^\top dY)$, $dW = dY\,\mathrm{cols}^\top$, $db = \sum dY$;
# 4. that minitorch_conv's autograd gives the same numbers.
#
# It is `examples/conv_backprop_by_hand.py` as a notebook, on the worked example of the docs
# (a 4x4 image, a 2x2 kernel); the script also runs strided, padded and dilated cases.

# %%
import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

x = np.arange(16.0).reshape(1, 1, 4, 4)  # (N, C, H, W)
w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])  # (O, C, kh, kw)
b = np.array([1.0])  # (O,)
dy = np.array([[[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -1.0, 1.0]]]])  # dL/dy, y's shape
print(x[0, 0])

# %% [markdown]
# ## 1. The forward pass, as loops
#
# Output position (y, x) of channel o adds the bias and, for every input channel c and kernel
# offset (i, j), one product: $y[n, o, y, x] = b[o] + \sum_{c, i, j} W[o, c, i, j]\, x[n, c, y + i, x + j]$.
# No kernel flip: PyTorch's conv2d is a cross-correlation.

# %%
def conv2d_loops(x, w, b):
    N, C, H, W_ = x.shape
    O, _, kh, kw = w.shape
    Ho, Wo = H - kh + 1, W_ - kw + 1
    y = np.zeros((N, O, Ho, Wo))
    for n in range(N):
        for o in range(O):
            for oy in range(Ho):
                for ox in range(Wo):
                    total = b[o]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += w[o, c, i, j] * x[n, c, oy + i, ox + j]
                    y[n, o, oy, ox] = total
    return y


y_loops = conv2d_loops(x, w, b)
print(y_loops[0, 0])

# %% [markdown]
# ## 2. The backward pass, term by term
#
# The loss changes with each output by $dY[n, o, y, x]$. Each product
# `w[o, c, i, j] * x[n, c, y + i, x + j]` in the sum above is a term of that output, so by the
# chain rule it sends `dy * x[...]` to `dW[o, c, i, j]` and `dy * w[...]` to `dX[n, c, y + i, x + j]`;
# the bias, added to every output of channel o, collects every `dy` of that channel.

# %%
def conv2d_backward_loops(x, w, dy):
    N, C, H, W_ = x.shape
    O, _, kh, kw = w.shape
    _, _, Ho, Wo = dy.shape
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(O)
    for n in range(N):
        for o in range(O):
            for oy in range(Ho):
                for ox in range(Wo):
                    g = dy[n, o, oy, ox]
                    db[o] += g
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                dx[n, c, oy + i, ox + j] += g * w[o, c, i, j]
                                dw[o, c, i, j] += g * x[n, c, oy + i, ox + j]
    return dx, dw, db


dx_loops, dw_loops, db_loops = conv2d_backward_loops(x, w, dy)
print("dX =\n", dx_loops[0, 0])
print("dW =\n", dw_loops[0, 0])
print("db =", db_loops)

# %% [markdown]
# ## 3. The same, as matrix products over the columns
#
# im2col copies every 2x2 patch into a column: `cols` is (C·kh·kw, Ho·Wo) = (4, 9). The forward
# is then one matrix product, $Y = W\,\mathrm{cols} + b$, with W reshaped to (O, C·kh·kw). The
# chain rule for a matrix product gives the two factors' gradients, $dW = dY\,\mathrm{cols}^\top$
# and $d\mathrm{cols} = W^\top dY$, and col2im (im2col's adjoint) adds each column entry's
# gradient back onto its pixel.

# %%
def im2col(image, kh, kw):
    C, H, W_ = image.shape
    Ho, Wo = H - kh + 1, W_ - kw + 1
    cols = np.empty((C, kh, kw, Ho, Wo))
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = image[:, i:i + Ho, j:j + Wo]
    return cols.reshape(C * kh * kw, Ho * Wo)


def col2im(cols, C, H, W_, kh, kw):
    Ho, Wo = H - kh + 1, W_ - kw + 1
    blocks = cols.reshape(C, kh, kw, Ho, Wo)
    image = np.zeros((C, H, W_))
    for i in range(kh):
        for j in range(kw):
            image[:, i:i + Ho, j:j + Wo] += blocks[:, i, j]
    return image


cols = im2col(x[0], 2, 2)
W_mat = w.reshape(1, -1)  # (O, C*kh*kw)
dY_mat = dy[0].reshape(1, -1)  # (O, Ho*Wo)
y_gemm = (W_mat @ cols + b[:, None]).reshape(1, 1, 3, 3)
dx_gemm = col2im(W_mat.T @ dY_mat, 1, 4, 4, 2, 2)[None]
dw_gemm = (dY_mat @ cols.T).reshape(w.shape)
db_gemm = dy.sum(axis=(0, 2, 3))
print("cols =\n", cols)
print("dX =\n", dx_gemm[0, 0])

# %% [markdown]
# ## 4. What autograd says
#
# `y.backward(dy)` backpropagates `dy` as if the loss were $L = \sum y \odot dy$.

# %%
xt, wt, bt = (mt.tensor(a, requires_grad=True) for a in (x, w, b))  # float64 stays float64
yt = F.conv2d(xt, wt, bt)
yt.backward(mt.tensor(dy))
for name, loops, gemm, auto in (("y", y_loops, y_gemm, yt.detach().numpy()),
                                ("dX", dx_loops, dx_gemm, xt.grad.numpy()),
                                ("dW", dw_loops, dw_gemm, wt.grad.numpy()),
                                ("db", db_loops, db_gemm, bt.grad.numpy())):
    print(f"{name:3} loops vs GEMMs {np.abs(loops - gemm).max():.1e}   loops vs autograd "
          f"{np.abs(loops - auto).max():.1e}")
assert np.allclose(dx_loops, xt.grad.numpy()) and np.allclose(dw_loops, wt.grad.numpy())

# %% [markdown]
# The three ways agree to the last bit. The exercises (`python -m minitorch_conv.exercises`)
# ask you to write im2col, col2im and these GEMMs yourself, and then run the framework on them.
