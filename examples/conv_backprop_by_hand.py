"""Backpropagation through a 2-D convolution, by hand, three ways, checked against autograd.

    python examples/conv_backprop_by_hand.py                     # the docs' worked example + 2 more
    python examples/conv_backprop_by_hand.py --stride 2 --padding 1 --dilation 2 --seed 3

For a convolution ``y = conv2d(x, W) + b`` and an upstream gradient ``dY = dL/dy``, it computes
the three gradients ``dX = dL/dx``, ``dW = dL/dW`` and ``db = dL/db``

1. with explicit loops over every index: each gradient is the chain rule written out term by term;
2. with im2col and matrix products, in NumPy only:
   ``dX = col2im(W^T @ dY)``, ``dW = dY @ cols^T``, ``db = dY.sum((0, 2, 3))``;
3. with minitorch_conv's autograd: ``y.backward(dY)``.

It prints the largest absolute difference between each pair, and exits with status 1 when any
is above 1e-9 (everything is float64). Nothing here depends on minitorch_conv except step 3.

Shapes (the names used everywhere in the docs):
  x   (N, C, H, W)        W  (O, C, kh, kw)      b  (O,)
  y   (N, O, Ho, Wo)      Ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1 (likewise Wo)
  cols (N, C*kh*kw, Ho*Wo): column l = y*Wo + x holds the patch that output position (y, x) reads
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

TOLERANCE = 1e-9


def output_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# ------------------------------------------------------------------------------------ 1. loops
def conv2d_loops(x, w, b, stride, padding, dilation):
    """y[n, o, y, x] = b[o] + sum over c, i, j of W[o, c, i, j] * x[n, c, y*s - p + i*d, x*s - p + j*d]."""
    N, C, H, W_ = x.shape
    O, _, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    Ho, Wo = output_size(H, kh, sh, ph, dh), output_size(W_, kw, sw, pw, dw)
    y = np.zeros((N, O, Ho, Wo))
    for n in range(N):
        for o in range(O):
            for oy in range(Ho):
                for ox in range(Wo):
                    total = b[o]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                r, q = oy * sh - ph + i * dh, ox * sw - pw + j * dw
                                if 0 <= r < H and 0 <= q < W_:  # outside: a zero of the padding
                                    total += w[o, c, i, j] * x[n, c, r, q]
                    y[n, o, oy, ox] = total
    return y


def conv2d_backward_loops(x, w, dy, stride, padding, dilation):
    """The chain rule, term by term: every product ``W[o,c,i,j] * x[n,c,r,q]`` in the forward sends
    ``dy[n,o,oy,ox] * x[n,c,r,q]`` to dW[o,c,i,j] and ``dy[n,o,oy,ox] * W[o,c,i,j]`` to dx[n,c,r,q]."""
    N, C, H, W_ = x.shape
    O, _, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    _, _, Ho, Wo = dy.shape
    dx, dw_, db = np.zeros_like(x), np.zeros_like(w), np.zeros(O)
    for n in range(N):
        for o in range(O):
            for oy in range(Ho):
                for ox in range(Wo):
                    g = dy[n, o, oy, ox]
                    db[o] += g  # b[o] is added to every output position of channel o
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                r, q = oy * sh - ph + i * dh, ox * sw - pw + j * dw
                                if 0 <= r < H and 0 <= q < W_:
                                    dx[n, c, r, q] += g * w[o, c, i, j]
                                    dw_[o, c, i, j] += g * x[n, c, r, q]
    return dx, dw_, db


# ------------------------------------------------------------------------------------ 2. im2col
def im2col(x, kernel_size, stride, padding, dilation):
    """cols (N, C*kh*kw, Ho*Wo): one strided slice of the padded image per kernel offset (i, j)."""
    N, C, H, W_ = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    Ho, Wo = output_size(H, kh, sh, ph, dh), output_size(W_, kw, sw, pw, dw)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((N, C, kh, kw, Ho, Wo))
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xpad[:, :, i * dh: i * dh + sh * (Ho - 1) + 1: sh,
                                    j * dw: j * dw + sw * (Wo - 1) + 1: sw]
    return cols.reshape(N, C * kh * kw, Ho * Wo)


def col2im(cols, image_size, kernel_size, stride, padding, dilation):
    """The adjoint of im2col: add every column entry back onto the pixel it was copied from."""
    (H, W_), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = image_size, kernel_size, stride, padding, dilation
    Ho, Wo = output_size(H, kh, sh, ph, dh), output_size(W_, kw, sw, pw, dw)
    N = cols.shape[0]
    cols = cols.reshape(N, -1, kh, kw, Ho, Wo)
    xpad = np.zeros((N, cols.shape[1], H + 2 * ph, W_ + 2 * pw))
    for i in range(kh):
        for j in range(kw):
            xpad[:, :, i * dh: i * dh + sh * (Ho - 1) + 1: sh,
                 j * dw: j * dw + sw * (Wo - 1) + 1: sw] += cols[:, :, i, j]
    return xpad[:, :, ph: ph + H, pw: pw + W_]  # what landed in the padding is dropped


def conv2d_im2col(x, w, b, stride, padding, dilation):
    """y = W (O, K) @ cols (N, K, L) + b, with K = C*kh*kw and L = Ho*Wo."""
    N, _, H, W_ = x.shape
    O, _, kh, kw = w.shape
    Ho = output_size(H, kh, stride[0], padding[0], dilation[0])
    Wo = output_size(W_, kw, stride[1], padding[1], dilation[1])
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    return (w.reshape(O, -1) @ cols + b[:, None]).reshape(N, O, Ho, Wo)


def conv2d_backward_im2col(x, w, dy, stride, padding, dilation):
    """dX = col2im(W^T @ dY), dW = sum over n of dY @ cols^T, db = dY summed over (N, Ho, Wo)."""
    N, C, H, W_ = x.shape
    O, _, kh, kw = w.shape
    dy_mat = dy.reshape(N, O, -1)                              # (N, O, L)
    cols = im2col(x, (kh, kw), stride, padding, dilation)      # (N, K, L)
    dcols = w.reshape(O, -1).T @ dy_mat                        # (K, O) @ (N, O, L) -> (N, K, L)
    dx = col2im(dcols, (H, W_), (kh, kw), stride, padding, dilation)
    dw_ = (dy_mat @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(O, C, kh, kw)
    db = dy.sum(axis=(0, 2, 3))
    return dx, dw_, db


# ------------------------------------------------------------------------------------ 3. autograd
def conv2d_autograd(x, w, b, dy, stride, padding, dilation):
    xt = mt.tensor(x, requires_grad=True)  # float64 arrays stay float64
    wt = mt.tensor(w, requires_grad=True)
    bt = mt.tensor(b, requires_grad=True)
    y = F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation)
    y.backward(mt.tensor(dy))
    return y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


# ------------------------------------------------------------------------------------ comparison
def check(name, x, w, b, dy, stride=(1, 1), padding=(0, 0), dilation=(1, 1), verbose=False) -> bool:
    """Run the three ways on one case, print the table of differences; True when all agree."""
    print(f"{name}: x {x.shape}, W {w.shape}, stride {stride}, padding {padding}, dilation {dilation}")
    y_loops = conv2d_loops(x, w, b, stride, padding, dilation)
    y_cols = conv2d_im2col(x, w, b, stride, padding, dilation)
    y_auto, *grads_auto = conv2d_autograd(x, w, b, dy, stride, padding, dilation)
    grads_loops = conv2d_backward_loops(x, w, dy, stride, padding, dilation)
    grads_cols = conv2d_backward_im2col(x, w, dy, stride, padding, dilation)
    if verbose:
        for label, value in (("y", y_loops), ("dX", grads_loops[0]), ("dW", grads_loops[1]),
                             ("db", grads_loops[2])):
            lines = np.array2string(value[0, 0] if value.ndim == 4 else value).splitlines()
            print(f"  {label + ' =':5} " + "\n        ".join(lines))
    print(f"  {'':4}{'loops vs im2col':>18}{'loops vs autograd':>20}{'im2col vs autograd':>21}")
    ok = True
    for label, a, c, t in zip(("y", "dX", "dW", "db"), (y_loops, *grads_loops), (y_cols, *grads_cols),
                              (y_auto, *grads_auto)):
        diffs = [float(np.max(np.abs(p - q))) for p, q in ((a, c), (a, t), (c, t))]
        bad = any(d > TOLERANCE for d in diffs)
        ok &= not bad
        print(f"  {label:4}" + "".join(f"{d:>{width}.1e}" for d, width in zip(diffs, (18, 20, 21)))
              + ("   MISMATCH" if bad else ""))
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stride", type=int, default=None, help="run one random case with this stride")
    parser.add_argument("--padding", type=int, default=0)
    parser.add_argument("--dilation", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    def random_case(shape_x, shape_w, stride, padding, dilation):
        x, w, b = rng.standard_normal(shape_x), rng.standard_normal(shape_w), rng.standard_normal(shape_w[0])
        Ho = output_size(shape_x[2], shape_w[2], stride[0], padding[0], dilation[0])
        Wo = output_size(shape_x[3], shape_w[3], stride[1], padding[1], dilation[1])
        dy = rng.standard_normal((shape_x[0], shape_w[0], Ho, Wo))
        return x, w, b, dy

    ok = True
    if args.stride is None and (args.padding, args.dilation) == (0, 1):
        # the worked example of docs/conv-backward.md: a 4x4 image, a 2x2 kernel, a 3x3 output
        x = np.arange(16.0).reshape(1, 1, 4, 4)
        w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
        dy = np.array([[[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -1.0, 1.0]]]])
        ok &= check("worked example", x, w, np.array([1.0]), dy, verbose=True)
        print()
        ok &= check("random", *random_case((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), (1, 0), (1, 1)),
                    stride=(2, 1), padding=(1, 0))
        print()
        ok &= check("random, dilated", *random_case((2, 2, 8, 8), (3, 2, 3, 3), (1, 2), (2, 1), (2, 2)),
                    stride=(1, 2), padding=(2, 1), dilation=(2, 2))
    else:
        s, p, d = args.stride or 1, args.padding, args.dilation
        ok &= check("random", *random_case((2, 3, 9, 8), (4, 3, 3, 3), (s, s), (p, p), (d, d)),
                    stride=(s, s), padding=(p, p), dilation=(d, d))
    print()
    print("all three agree" if ok else f"MISMATCH: a difference above {TOLERANCE}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
