"""The CPU's hot convolution kernels, compiled by Numba (optional: ``pip install minitorch_conv[fast]``).

NumPy runs element-wise work on one core and cannot fuse loops, so the memory-bound steps of a
convolution (im2col, col2im, and the whole of a depthwise convolution) are where it falls short.
These kernels do the same work as the pure-NumPy ones in ``base.py`` (which stay, always available
and tested against these), as plain loops over channels spread over the cores, with the inner
loop over contiguous output columns and the zero padding handled in place (no padded copy).

The first call of each kernel compiles it (a few seconds); the result is cached on disk
(``cache=True``), so later processes load it in well under a second. ``warm_up()`` compiles them
all up front and returns how long that took.

Notation (shared by every kernel below):
  N  batch          C  channels        H, W  image         kh, kw  kernel
  sh, sw  stride    pt, pl  zero padding at the top and left        dh, dw  dilation
  Ho, Wo  output positions
  cols    (C, kh, kw, N, Ho, Wo), the GEMM layout: cols[c, i, j, n, y, x] = image[n, c, y*sh - pt + i*dh,
          x*sw - pl + j*dw], zero where that falls in the padding; per group its 2-D view
          (C/G*kh*kw, N*Ho*Wo) is one GEMM operand
  m       depthwise channel multiplier: output channel o = c*m + k reads input channel c
"""

from __future__ import annotations

import time

import numpy as np

try:
    import numba
    from numba import njit, prange
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

AVAILABLE = numba is not None


def _valid_range(out_len: int, in_len: int, stride: int, offset: int) -> tuple[int, int]:
    """Output positions x in [lo, hi) whose input position x*stride + offset lies in [0, in_len)."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = 0 if in_len - offset <= 0 else (in_len - offset - 1) // stride + 1
    return min(lo, out_len), max(min(hi, out_len), min(lo, out_len))


if AVAILABLE:
    _valid = njit(cache=True, inline="always")(_valid_range)

    @njit(parallel=True, cache=True)
    def im2col_gemm(image, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo):  # pragma: no cover - compiled
        N, C, H, W = image.shape
        cols = np.empty((C, kh, kw, N, Ho, Wo), dtype=image.dtype)
        for c in prange(C):
            for i in range(kh):
                y0, y1 = _valid(Ho, H, sh, i * dh - pt)
                for j in range(kw):
                    x0, x1 = _valid(Wo, W, sw, j * dw - pl)
                    for n in range(N):
                        for y in range(Ho):
                            dst = cols[c, i, j, n, y]
                            if y < y0 or y >= y1:
                                dst[:] = 0
                                continue
                            src = image[n, c, y * sh - pt + i * dh]
                            dst[:x0] = 0
                            for x in range(x0, x1):
                                dst[x] = src[x * sw - pl + j * dw]
                            dst[x1:] = 0
        return cols

    @njit(parallel=True, cache=True)
    def col2im_gemm(cols, H, W, sh, sw, pt, pl, dh, dw):  # pragma: no cover - compiled
        C, kh, kw, N, Ho, Wo = cols.shape
        image = np.zeros((N, C, H, W), dtype=cols.dtype)
        for c in prange(C):
            for i in range(kh):
                y0, y1 = _valid(Ho, H, sh, i * dh - pt)
                for j in range(kw):
                    x0, x1 = _valid(Wo, W, sw, j * dw - pl)
                    for n in range(N):
                        for y in range(y0, y1):
                            src = cols[c, i, j, n, y]
                            dst = image[n, c, y * sh - pt + i * dh]
                            for x in range(x0, x1):
                                dst[x * sw - pl + j * dw] += src[x]
        return image

    @njit(parallel=True, cache=True)
    def depthwise_conv(image, weight, sh, sw, pt, pl, dh, dw, Ho, Wo):  # pragma: no cover
        N, C, H, W = image.shape
        O, _, kh, kw = weight.shape
        m = O // C
        out = np.zeros((N, O, Ho, Wo), dtype=image.dtype)
        for task in prange(N * O):
            n, o = task // O, task % O
            c = o // m
            for i in range(kh):
                y0, y1 = _valid(Ho, H, sh, i * dh - pt)
                for j in range(kw):
                    x0, x1 = _valid(Wo, W, sw, j * dw - pl)
                    w = weight[o, 0, i, j]
                    for y in range(y0, y1):
                        src = image[n, c, y * sh - pt + i * dh]
                        dst = out[n, o, y]
                        for x in range(x0, x1):
                            dst[x] += w * src[x * sw - pl + j * dw]
        return out

    @njit(parallel=True, cache=True)
    def depthwise_conv_transpose(grad_output, weight, C, H, W, sh, sw, pt, pl, dh, dw):  # pragma: no cover
        N, O, Ho, Wo = grad_output.shape
        _, _, kh, kw = weight.shape
        m = O // C
        image = np.zeros((N, C, H, W), dtype=grad_output.dtype)
        for task in prange(N * C):
            n, c = task // C, task % C
            for k in range(m):
                o = c * m + k
                for i in range(kh):
                    y0, y1 = _valid(Ho, H, sh, i * dh - pt)
                    for j in range(kw):
                        x0, x1 = _valid(Wo, W, sw, j * dw - pl)
                        w = weight[o, 0, i, j]
                        for y in range(y0, y1):
                            src = grad_output[n, o, y]
                            dst = image[n, c, y * sh - pt + i * dh]
                            for x in range(x0, x1):
                                dst[x * sw - pl + j * dw] += w * src[x]
        return image

    @njit(parallel=True, cache=True)
    def depthwise_weight_grad(image, grad_output, kh, kw, sh, sw, pt, pl, dh, dw):  # pragma: no cover
        N, C, H, W = image.shape
        _, O, Ho, Wo = grad_output.shape
        m = O // C
        grad_weight = np.zeros((O, 1, kh, kw), dtype=image.dtype)
        for o in prange(O):
            c = o // m
            for i in range(kh):
                y0, y1 = _valid(Ho, H, sh, i * dh - pt)
                for j in range(kw):
                    x0, x1 = _valid(Wo, W, sw, j * dw - pl)
                    total = 0.0
                    for n in range(N):
                        for y in range(y0, y1):
                            src = image[n, c, y * sh - pt + i * dh]
                            g = grad_output[n, o, y]
                            for x in range(x0, x1):
                                total += g[x] * src[x * sw - pl + j * dw]
                    grad_weight[o, 0, i, j] = total
        return grad_weight


def warm_up() -> float:
    """Compile (or load from the disk cache) every kernel for float32 and float64; return seconds."""
    if not AVAILABLE:
        return 0.0
    start = time.perf_counter()
    for dtype in (np.float32, np.float64):
        image = np.zeros((1, 2, 4, 4), dtype=dtype)
        weight = np.zeros((2, 1, 3, 3), dtype=dtype)
        cols = im2col_gemm(image, 3, 3, 1, 1, 1, 1, 1, 1, 4, 4)
        col2im_gemm(cols, 4, 4, 1, 1, 1, 1, 1, 1)
        out = depthwise_conv(image, weight, 1, 1, 1, 1, 1, 1, 4, 4)
        depthwise_conv_transpose(out, weight, 2, 4, 4, 1, 1, 1, 1, 1, 1)
        depthwise_weight_grad(image, out, 3, 3, 1, 1, 1, 1, 1, 1)
    return time.perf_counter() - start
