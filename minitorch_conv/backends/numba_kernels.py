"""Depthwise convolution kernels for the CPU, compiled by Numba (the optional `fast` extra).

A depthwise convolution does kh*kw multiply-adds per output element and no GEMM at all, so it is
bound by memory traffic; NumPy can only express it as kh*kw separate passes over the image, one
core at a time (``base.py``'s pure-NumPy kernels, which stay, always available and tested against
these). Here each (sample, channel) plane is one task of plain loops, the inner loop running over
contiguous output columns, with the zero padding handled by loop bounds (no padded copy).

Measured before choosing (see docs/performance.md): for im2col and col2im, Numba was no faster than
NumPy's strided-slice copies (both are memory-bound, and parallel Numba threads contend with the
BLAS threads that run the GEMMs next to them), so those stay NumPy.

Each kernel spreads its planes over the cores when there is enough work, and runs on one core
otherwise (waking a thread pool costs more than a tiny convolution, and far more when another
process holds the other core). The first call compiles (a few seconds
per kernel and dtype); the result is cached on disk (``cache=True``), so later processes load it in
well under a second. ``warm_up()`` compiles them all up front and returns how long that took.

Notation (shared by every kernel below):
  N  batch          C  channels        H, W  image         kh, kw  kernel
  sh, sw  stride    pt, pl  zero padding at the top and left        dh, dw  dilation
  Ho, Wo  output positions
  m       channel multiplier: output channel o = c*m + k reads input channel c only
  weight  (C*m, 1, kh, kw)
"""

from __future__ import annotations

import time

import numpy as np

try:
    import numba
    from numba import njit, prange
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None
    prange = range

AVAILABLE = numba is not None
PARALLEL_MIN_WORK = 1 << 20
"""Multiply-adds (N*O*Ho*Wo*kh*kw) from which a kernel runs on all cores instead of one."""


def _valid_range(out_len: int, in_len: int, stride: int, offset: int) -> tuple[int, int]:
    """Output positions x in [lo, hi) whose input position x*stride + offset lies in [0, in_len)."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = 0 if in_len - offset <= 0 else (in_len - offset - 1) // stride + 1
    return min(lo, out_len), max(min(hi, out_len), min(lo, out_len))


_valid = njit(cache=True, inline="always")(_valid_range) if AVAILABLE else _valid_range


def _depthwise_conv(image, weight, sh, sw, pt, pl, dh, dw, Ho, Wo):
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
                shift = j * dw - pl
                tap = weight[o, 0, i, j]
                for y in range(y0, y1):
                    src = image[n, c, y * sh - pt + i * dh]
                    dst = out[n, o, y, x0:x1]
                    if sw == 1:  # contiguous rows: the loop vectorises
                        row = src[x0 + shift:x1 + shift]
                        for x in range(x1 - x0):
                            dst[x] += tap * row[x]
                    else:
                        for x in range(x1 - x0):
                            dst[x] += tap * src[(x0 + x) * sw + shift]
    return out


def _depthwise_conv_transpose(grad_output, weight, C, H, W, sh, sw, pt, pl, dh, dw):
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
                    shift = j * dw - pl
                    tap = weight[o, 0, i, j]
                    for y in range(y0, y1):
                        src = grad_output[n, o, y, x0:x1]
                        dst = image[n, c, y * sh - pt + i * dh]
                        if sw == 1:
                            row = dst[x0 + shift:x1 + shift]
                            for x in range(x1 - x0):
                                row[x] += tap * src[x]
                        else:
                            for x in range(x1 - x0):
                                dst[(x0 + x) * sw + shift] += tap * src[x]
    return image


def _depthwise_weight_grad(image, grad_output, kh, kw, sh, sw, pt, pl, dh, dw):
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
                shift = j * dw - pl
                lanes = np.zeros(x1 - x0, dtype=image.dtype)  # one partial sum per column
                for n in range(N):
                    for y in range(y0, y1):
                        src = image[n, c, y * sh - pt + i * dh]
                        grad_row = grad_output[n, o, y, x0:x1]
                        if sw == 1:
                            row = src[x0 + shift:x1 + shift]
                            for x in range(x1 - x0):
                                lanes[x] += grad_row[x] * row[x]
                        else:
                            for x in range(x1 - x0):
                                lanes[x] += grad_row[x] * src[(x0 + x) * sw + shift]
                grad_weight[o, 0, i, j] = lanes.sum()
    return grad_weight


if AVAILABLE:
    _KERNELS = {name: njit(parallel=True, cache=True)(impl) for name, impl in (
        ("depthwise_conv", _depthwise_conv),
        ("depthwise_conv_transpose", _depthwise_conv_transpose),
        ("depthwise_weight_grad", _depthwise_weight_grad),
    )}


def _run(name: str, work: int, *args):
    """Run kernel ``name`` on every core, or on one when ``work`` is too small to share."""
    kernel = _KERNELS[name]
    if work >= PARALLEL_MIN_WORK:
        return kernel(*args)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(threads)


def depthwise_conv(image, weight, sh, sw, pt, pl, dh, dw, Ho, Wo):
    """y (N, C*m, Ho, Wo) of a depthwise convolution of a C-contiguous ``image`` (N, C, H, W)."""
    work = image.shape[0] * weight.shape[0] * Ho * Wo * weight.shape[2] * weight.shape[3]
    return _run("depthwise_conv", work, image, weight, sh, sw, pt, pl, dh, dw, Ho, Wo)


def depthwise_conv_transpose(grad_output, weight, C, H, W, sh, sw, pt, pl, dh, dw):
    """dx (N, C, H, W): the adjoint of :func:`depthwise_conv` applied to dy (N, C*m, Ho, Wo)."""
    work = grad_output.size * weight.shape[2] * weight.shape[3]
    return _run("depthwise_conv_transpose", work, grad_output, weight, C, H, W, sh, sw, pt, pl, dh, dw)


def depthwise_weight_grad(image, grad_output, kh, kw, sh, sw, pt, pl, dh, dw):
    """dW (C*m, 1, kh, kw) = sum over n, y, x of dy times the image value each tap saw."""
    work = grad_output.size * kh * kw
    return _run("depthwise_weight_grad", work, image, grad_output, kh, kw, sh, sw, pt, pl, dh, dw)


def warm_up() -> float:
    """Compile (or load from the disk cache) every kernel for float32 and float64; return seconds."""
    if not AVAILABLE:
        return 0.0
    start = time.perf_counter()
    for dtype in (np.float32, np.float64):
        image = np.zeros((1, 2, 4, 4), dtype=dtype)
        weight = np.zeros((2, 1, 3, 3), dtype=dtype)
        out = depthwise_conv(image, weight, 1, 1, 1, 1, 1, 1, 4, 4)
        depthwise_conv_transpose(out, weight, 2, 4, 4, 1, 1, 1, 1, 1, 1)
        depthwise_weight_grad(image, out, 3, 3, 1, 1, 1, 1, 1, 1)
    return time.perf_counter() - start
