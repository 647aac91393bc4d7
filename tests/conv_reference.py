"""Reference convolutions written as plain loops over output pixels, for the tests to compare with.

Nothing here uses im2col, col2im or a GEMM: each output value is the sum of one window times the
kernel, read straight from the definition, and each gradient is accumulated window by window.
Padding uses ``np.pad``. Slow, obvious, and independent of the code under test.

Shapes: x (N, C, H, W), w (O, C/groups, kh, kw), padding as (top, bottom, left, right).
"""

from __future__ import annotations

import numpy as np


def _windows(shape_out, stride, dilation, kernel):
    """Yield (y, x, rows, cols): each output position and the slices of its input window."""
    (Ho, Wo), (sh, sw), (dh, dw), (kh, kw) = shape_out, stride, dilation, kernel
    for y in range(Ho):
        for x in range(Wo):
            rows = slice(y * sh, y * sh + dh * (kh - 1) + 1, dh)
            cols = slice(x * sw, x * sw + dw * (kw - 1) + 1, dw)
            yield y, x, rows, cols


def output_size(size, kernel, stride, padding, dilation):
    (H, W), (kh, kw), (sh, sw), (pt, pb, pl, pr), (dh, dw) = size, kernel, stride, padding, dilation
    return (H + pt + pb - dh * (kh - 1) - 1) // sh + 1, (W + pl + pr - dw * (kw - 1) - 1) // sw + 1


def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """y[n, o, y, x] = b[o] + sum over the window of w[o] * x (cross-correlation, no flip)."""
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    pt, pb, pl, pr = padding
    xpad = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    Ho, Wo = output_size((H, W), (kh, kw), stride, padding, dilation)
    out = np.zeros((N, O, Ho, Wo), dtype=np.float64)
    Og = O // groups
    for n in range(N):
        for o in range(O):
            channels = slice(o // Og * Cg, (o // Og + 1) * Cg)
            for y, x_, rows, cols in _windows((Ho, Wo), stride, dilation, (kh, kw)):
                out[n, o, y, x_] = np.sum(xpad[n, channels, rows, cols] * w[o])
            if b is not None:
                out[n, o] += b[o]
    return out


def conv2d_grads(x, w, grad_out, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """(grad_x, grad_w, grad_b) of ``<grad_out, conv2d(x, w, b)>``, accumulated window by window."""
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    pt, pb, pl, pr = padding
    xpad = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    grad_xpad = np.zeros(xpad.shape)
    grad_w = np.zeros(w.shape)
    Ho, Wo = grad_out.shape[2:]
    Og = O // groups
    for n in range(N):
        for o in range(O):
            channels = slice(o // Og * Cg, (o // Og + 1) * Cg)
            for y, x_, rows, cols in _windows((Ho, Wo), stride, dilation, (kh, kw)):
                g = grad_out[n, o, y, x_]
                grad_xpad[n, channels, rows, cols] += g * w[o]
                grad_w[o] += g * xpad[n, channels, rows, cols]
    grad_x = grad_xpad[:, :, pt:pt + H, pl:pl + W]
    return grad_x, grad_w, grad_out.sum(axis=(0, 2, 3))


def conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                     dilation=(1, 1), groups=1):
    """Scatter each input pixel times its kernel into the output (x (N, C, H, W), w (C, O/G, kh, kw))."""
    N, C, H, W = x.shape
    _, Og, kh, kw = w.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    full_h, full_w = (H - 1) * sh + dh * (kh - 1) + 1, (W - 1) * sw + dw * (kw - 1) + 1
    out_h, out_w = full_h - 2 * ph + oph, full_w - 2 * pw + opw
    full = np.zeros((N, Og * groups, full_h + oph, full_w + opw))
    Cg = C // groups
    for n in range(N):
        for c in range(C):
            group = c // Cg
            for y, x_, rows, cols in _windows((H, W), stride, dilation, (kh, kw)):
                full[n, group * Og:(group + 1) * Og, rows, cols] += x[n, c, y, x_] * w[c]
    out = full[:, :, ph:ph + out_h, pw:pw + out_w]
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out


def unfold(x, kernel, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """(N, C*kh*kw, L): column l holds the window at output position l, channel-major."""
    N, C = x.shape[:2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    Ho, Wo = output_size(x.shape[2:], kernel, stride, (padding[0],) * 2 + (padding[1],) * 2, dilation)
    out = np.zeros((N, C * kernel[0] * kernel[1], Ho * Wo))
    for y, x_, rows, cols in _windows((Ho, Wo), stride, dilation, kernel):
        out[:, :, y * Wo + x_] = xpad[:, :, rows, cols].reshape(N, C * kernel[0] * kernel[1])
    return out


def same_padding(kernel, dilation):
    """PyTorch's 'same' split, as (top, bottom, left, right): the smaller half first."""
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out += [total // 2, total - total // 2]
    return tuple(out)


def numerical_gradient(scalar_fn, arrays, index, eps=1e-6):
    """d scalar_fn(*arrays) / d arrays[index], by central differences, one element at a time."""
    base = [np.array(a, dtype=np.float64) for a in arrays]
    grad = np.zeros(base[index].shape)
    for pos in np.ndindex(grad.shape):
        original = base[index][pos]
        base[index][pos] = original + eps
        plus = scalar_fn(*base)
        base[index][pos] = original - eps
        minus = scalar_fn(*base)
        base[index][pos] = original
        grad[pos] = (plus - minus) / (2 * eps)
    return grad
