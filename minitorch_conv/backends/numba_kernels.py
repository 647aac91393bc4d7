"""Direct convolution kernels for the CPU, compiled by Numba (the optional `fast` extra).

No columns: each output plane is accumulated straight from the input planes it reads. A depthwise
convolution (one input channel per output) does kh*kw multiply-adds per output element, where a
GEMM gains nothing, and NumPy could only express it as kh*kw separate passes over the whole batch
on one core (``base.py``'s pure-NumPy kernels, which stay, always available and tested against
these). A stride-1 convolution whose outputs read few inputs (C/G*kh*kw, see
``NumpyBackend.use_direct``) is faster this way than building its columns for a GEMM too. Each
task is one (image, group): its planes are small enough to stay in the core's cache while every
tap is applied:

1. each input plane of the group is copied into a zeroed *frame*, the padded image cut to the rows
   and columns the output reads, stored flat with row pitch Wp;
2. for stride 1, output position (y, x) reads frame[y*Wp + x + i*dh*Wp + j*dw] for tap (i, j), so
   each tap is one shifted, contiguous run over the flat frame: q = y*Wp + x for q < L, where the
   columns x >= Wo of each row are computed and thrown away. Long contiguous loops vectorise; a
   3x3 kernel is written out so that all nine taps are applied in one pass, in registers, and
   four output channels share every frame load;
3. the valid columns of the run are copied to the output.

Strided convolutions use plain row loops over the same frames (separate kernels: in one kernel
with both paths LLVM made the stride-1 loops a third slower). The input gradient of a stride-1
convolution is a stride-1 correlation of the output gradient with the flipped kernel, so it is
the forward kernel again; the weight gradient is kh*kw dot products of the same runs.

Max pooling's kernels live here too (``max_pool``, ``max_pool_scatter``): one task per plane, every
window in one pass with branch-free compares, the gradient added back onto each window's argmax.

col2im for the convolution's GEMM path is here too (``col2im_gemm``): one task per image plane,
each adding its kh*kw taps' columns in place, where NumPy adds kh*kw strided slices over the whole
batch. Measured before choosing (see docs/performance.md): for im2col, Numba was no faster than
NumPy's strided-slice copies (both are memory-bound, and parallel Numba threads contend with the
BLAS threads that run the GEMMs next to them), so im2col stays NumPy.

Each kernel spreads its tasks over the cores when there is enough work, and runs on one core
otherwise (waking a thread pool costs more than a tiny convolution, and far more when another
process holds the other core). The first call compiles (a few seconds per kernel and dtype); the
result is cached on disk (``cache=True``), so later processes load it in well under a second.
``warm_up()`` compiles them all up front and returns how long that took.

Notation (shared by every kernel below):
  N  batch          C  input channels     O  output channels      G  groups
  Cg = C/G, Og = O/G: output channel o reads input channels g*Cg ... g*Cg + Cg - 1, g = o // Og
  H, W  image       kh, kw  kernel        sh, sw  stride          dh, dw  dilation
  pt, pl  zero padding at the top and left (may be negative: the image starts above the frame)
  Ho, Wo  output positions
  weight  (O, Cg, kh, kw)
  frame   (Hp*Wp,) one padded plane, flat: Hp = (Ho-1)*sh + dh*(kh-1) + 1, Wp likewise
  run     (L,) one output plane at the frame's pitch: run[y*Wp + x], L = (Ho-1)*Wp + Wo
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

_FMA = {"contract"}  # let multiply-adds fuse; sums keep their order
_REDUCE = {"contract", "reassoc"}  # dot products: vector lanes may sum in any order


def _identity(function):
    return function


if AVAILABLE:
    def _inline(function):
        return njit(cache=True, inline="always", fastmath=_FMA)(function)

    def _reduce_inline(function):
        return njit(cache=True, inline="always", fastmath=_REDUCE)(function)
else:  # pragma: no cover
    _inline = _reduce_inline = _identity


# ---------------------------------------------------------------------------- one plane
@_inline
def _fill_frame(plane, frame, Wp, top, left):
    """frame (Hp*Wp, flat) = ``plane`` (H, W) placed at row ``top``, column ``left`` on zeros.

    What falls outside the frame is cut off; ``top`` and ``left`` may be negative (the plane then
    starts above or left of the frame).
    """
    frame[:] = 0
    H, W = plane.shape
    Hp = frame.size // Wp
    r0, r1 = max(0, -top), min(H, Hp - top)
    x0, x1 = max(0, -left), min(W, Wp - left)
    for r in range(r0, r1):
        base = (top + r) * Wp + left
        for x in range(x0, x1):
            frame[base + x] = plane[r, x]


@_inline
def _correlate_run(frame, Wp, taps, dh, dw, run, L):
    """run[q] += sum over (i, j) of taps[i, j] * frame[q + i*dh*Wp + j*dw], for q < L.

    Each tap reads its own slice of the frame: LLVM vectorises loops over slices, not over
    ``frame[q + offset]`` with a run-time offset.
    """
    kh, kw = taps.shape
    if kh == 3 and kw == 3:  # all nine taps in one pass: the sum stays in a register
        t0, t1, t2 = taps[0, 0], taps[0, 1], taps[0, 2]
        t3, t4, t5 = taps[1, 0], taps[1, 1], taps[1, 2]
        t6, t7, t8 = taps[2, 0], taps[2, 1], taps[2, 2]
        r1, r2 = dh * Wp, 2 * dh * Wp
        a0, a1, a2 = frame[0:L], frame[dw:dw + L], frame[2 * dw:2 * dw + L]
        b0, b1, b2 = frame[r1:r1 + L], frame[r1 + dw:r1 + dw + L], frame[r1 + 2 * dw:r1 + 2 * dw + L]
        c0, c1, c2 = frame[r2:r2 + L], frame[r2 + dw:r2 + dw + L], frame[r2 + 2 * dw:r2 + 2 * dw + L]
        for q in range(L):
            run[q] += (t0 * a0[q] + t1 * a1[q] + t2 * a2[q] + t3 * b0[q] + t4 * b1[q] + t5 * b2[q]
                       + t6 * c0[q] + t7 * c1[q] + t8 * c2[q])
        return
    for i in range(kh):
        for j in range(kw):
            tap = taps[i, j]
            src = frame[i * dh * Wp + j * dw:i * dh * Wp + j * dw + L]
            for q in range(L):
                run[q] += tap * src[q]


@_inline
def _correlate_runs4(frame, Wp, weight, o, c, dh, dw, runs, L):
    """runs[k, q] += sum over (i, j) of weight[o+k, c, i, j] * frame[q + i*dh*Wp + j*dw], k < 4.

    Four 3x3 filters over the same frame: each of the nine frame values loaded per position
    feeds four multiply-adds instead of one (measured 1.45-1.6x faster than four single runs).
    The filters are read as ``weight[o + k, c]`` (a C-contiguous array): handed a strided view
    of them instead, LLVM produced code a third slower.
    """
    r1, r2 = dh * Wp, 2 * dh * Wp
    a0, a1, a2 = frame[0:L], frame[dw:dw + L], frame[2 * dw:2 * dw + L]
    b0, b1, b2 = frame[r1:r1 + L], frame[r1 + dw:r1 + dw + L], frame[r1 + 2 * dw:r1 + 2 * dw + L]
    c0, c1, c2 = frame[r2:r2 + L], frame[r2 + dw:r2 + dw + L], frame[r2 + 2 * dw:r2 + 2 * dw + L]
    run0, run1, run2, run3 = runs[0], runs[1], runs[2], runs[3]
    t, u, v, w = weight[o, c], weight[o + 1, c], weight[o + 2, c], weight[o + 3, c]
    t0, t1, t2 = t[0, 0], t[0, 1], t[0, 2]
    t3, t4, t5 = t[1, 0], t[1, 1], t[1, 2]
    t6, t7, t8 = t[2, 0], t[2, 1], t[2, 2]
    u0, u1, u2 = u[0, 0], u[0, 1], u[0, 2]
    u3, u4, u5 = u[1, 0], u[1, 1], u[1, 2]
    u6, u7, u8 = u[2, 0], u[2, 1], u[2, 2]
    v0, v1, v2 = v[0, 0], v[0, 1], v[0, 2]
    v3, v4, v5 = v[1, 0], v[1, 1], v[1, 2]
    v6, v7, v8 = v[2, 0], v[2, 1], v[2, 2]
    w0, w1, w2 = w[0, 0], w[0, 1], w[0, 2]
    w3, w4, w5 = w[1, 0], w[1, 1], w[1, 2]
    w6, w7, w8 = w[2, 0], w[2, 1], w[2, 2]
    for q in range(L):
        f0, f1, f2, f3, f4 = a0[q], a1[q], a2[q], b0[q], b1[q]
        f5, f6, f7, f8 = b2[q], c0[q], c1[q], c2[q]
        run0[q] += t0 * f0 + t1 * f1 + t2 * f2 + t3 * f3 + t4 * f4 + t5 * f5 + t6 * f6 + t7 * f7 + t8 * f8
        run1[q] += u0 * f0 + u1 * f1 + u2 * f2 + u3 * f3 + u4 * f4 + u5 * f5 + u6 * f6 + u7 * f7 + u8 * f8
        run2[q] += v0 * f0 + v1 * f1 + v2 * f2 + v3 * f3 + v4 * f4 + v5 * f5 + v6 * f6 + v7 * f7 + v8 * f8
        run3[q] += w0 * f0 + w1 * f1 + w2 * f2 + w3 * f3 + w4 * f4 + w5 * f5 + w6 * f6 + w7 * f7 + w8 * f8


@_reduce_inline
def _tap_dots(frame, Wp, grads, dh, dw, sums, L):
    """sums[i, j] += sum over q < L of grads[q] * frame[q + i*dh*Wp + j*dw]: the weight gradient."""
    kh, kw = sums.shape
    if kh == 3 and kw == 3:  # one pass, nine accumulators
        r1, r2 = dh * Wp, 2 * dh * Wp
        a0, a1, a2 = frame[0:L], frame[dw:dw + L], frame[2 * dw:2 * dw + L]
        b0, b1, b2 = frame[r1:r1 + L], frame[r1 + dw:r1 + dw + L], frame[r1 + 2 * dw:r1 + 2 * dw + L]
        c0, c1, c2 = frame[r2:r2 + L], frame[r2 + dw:r2 + dw + L], frame[r2 + 2 * dw:r2 + 2 * dw + L]
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = grads.dtype.type(0)
        for q in range(L):
            g = grads[q]
            s0 += g * a0[q]
            s1 += g * a1[q]
            s2 += g * a2[q]
            s3 += g * b0[q]
            s4 += g * b1[q]
            s5 += g * b2[q]
            s6 += g * c0[q]
            s7 += g * c1[q]
            s8 += g * c2[q]
        sums[0, 0] += s0
        sums[0, 1] += s1
        sums[0, 2] += s2
        sums[1, 0] += s3
        sums[1, 1] += s4
        sums[1, 2] += s5
        sums[2, 0] += s6
        sums[2, 1] += s7
        sums[2, 2] += s8
        return
    for i in range(kh):
        for j in range(kw):
            src = frame[i * dh * Wp + j * dw:i * dh * Wp + j * dw + L]
            total = sums[i, j]
            for q in range(L):
                total += grads[q] * src[q]
            sums[i, j] = total


@_reduce_inline
def _tap_dots2(frame, Wp, grads, dh, dw, sums, o, c, L):
    """sums[o + k, c, i, j] += sum over q < L of grads[k, q] * frame[q + i*dh*Wp + j*dw], k < 2.

    Two outputs' gradients against one frame (3x3 kernels): every frame load feeds two
    multiply-adds, and the 18 sums still fit in vector registers.
    """
    r1, r2 = dh * Wp, 2 * dh * Wp
    a0, a1, a2 = frame[0:L], frame[dw:dw + L], frame[2 * dw:2 * dw + L]
    b0, b1, b2 = frame[r1:r1 + L], frame[r1 + dw:r1 + dw + L], frame[r1 + 2 * dw:r1 + 2 * dw + L]
    c0, c1, c2 = frame[r2:r2 + L], frame[r2 + dw:r2 + dw + L], frame[r2 + 2 * dw:r2 + 2 * dw + L]
    g0, g1 = grads[0], grads[1]
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = frame.dtype.type(0)
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = t8 = frame.dtype.type(0)
    for q in range(L):
        f0, f1, f2, f3, f4 = a0[q], a1[q], a2[q], b0[q], b1[q]
        f5, f6, f7, f8 = b2[q], c0[q], c1[q], c2[q]
        d, e = g0[q], g1[q]
        s0 += d * f0
        s1 += d * f1
        s2 += d * f2
        s3 += d * f3
        s4 += d * f4
        s5 += d * f5
        s6 += d * f6
        s7 += d * f7
        s8 += d * f8
        t0 += e * f0
        t1 += e * f1
        t2 += e * f2
        t3 += e * f3
        t4 += e * f4
        t5 += e * f5
        t6 += e * f6
        t7 += e * f7
        t8 += e * f8
    first, second = sums[o, c], sums[o + 1, c]
    first[0, 0] += s0
    first[0, 1] += s1
    first[0, 2] += s2
    first[1, 0] += s3
    first[1, 1] += s4
    first[1, 2] += s5
    first[2, 0] += s6
    first[2, 1] += s7
    first[2, 2] += s8
    second[0, 0] += t0
    second[0, 1] += t1
    second[0, 2] += t2
    second[1, 0] += t3
    second[1, 1] += t4
    second[1, 2] += t5
    second[2, 0] += t6
    second[2, 1] += t7
    second[2, 2] += t8


@_inline
def _copy_out(run, Wp, plane):
    """plane (Ho, Wo) = the valid columns of ``run`` (row pitch Wp)."""
    Ho, Wo = plane.shape
    for y in range(Ho):
        plane[y, :] = run[y * Wp:y * Wp + Wo]


# ---------------------------------------------------------------------------- the kernels
def _direct_conv(image, weight, bias, G, pt, pl, dh, dw, out):
    # stride 1: every output plane is one run over its group's frames
    N, C, H, W = image.shape
    O, Cg, kh, kw = weight.shape
    Ho, Wo = out.shape[2:]
    Og = O // G
    Hp, Wp = Ho + dh * (kh - 1), Wo + dw * (kw - 1)
    L = (Ho - 1) * Wp + Wo
    for task in prange(N * G):
        n, g = task // G, task % G
        frames = np.empty((Cg, Hp * Wp), dtype=image.dtype)
        for c in range(Cg):
            _fill_frame(image[n, g * Cg + c], frames[c], Wp, pt, pl)
        runs = np.empty((4, L), dtype=image.dtype)
        first, end = g * Og, g * Og + Og
        blocked_end = first + Og // 4 * 4 if kh == 3 and kw == 3 else first
        for o in range(first, blocked_end, 4):  # four outputs at a time share each frame load
            for k in range(4):
                runs[k, :] = bias[o + k]
            for c in range(Cg):
                _correlate_runs4(frames[c], Wp, weight, o, c, dh, dw, runs, L)
            for k in range(4):
                _copy_out(runs[k], Wp, out[n, o + k])
        run = runs[0]
        for o in range(blocked_end, end):
            run[:] = bias[o]
            for c in range(Cg):
                _correlate_run(frames[c], Wp, weight[o, c], dh, dw, run, L)
            _copy_out(run, Wp, out[n, o])


def _direct_conv_strided(image, weight, bias, G, sh, sw, pt, pl, dh, dw, out):
    N, C, H, W = image.shape
    O, Cg, kh, kw = weight.shape
    Ho, Wo = out.shape[2:]
    Og = O // G
    Hp, Wp = (Ho - 1) * sh + dh * (kh - 1) + 1, (Wo - 1) * sw + dw * (kw - 1) + 1
    for task in prange(N * G):
        n, g = task // G, task % G
        frames = np.empty((Cg, Hp * Wp), dtype=image.dtype)
        for c in range(Cg):
            _fill_frame(image[n, g * Cg + c], frames[c], Wp, pt, pl)
        for o in range(g * Og, g * Og + Og):
            for y in range(Ho):
                row = out[n, o, y]
                row[:] = bias[o]
                for c in range(Cg):
                    for i in range(kh):
                        for j in range(kw):
                            tap = weight[o, c, i, j]
                            base = (y * sh + i * dh) * Wp + j * dw
                            for x in range(Wo):
                                row[x] += tap * frames[c, base + x * sw]


def _direct_conv_transpose_strided(grad_output, weight, G, sh, sw, pt, pl, dh, dw, image):
    # stride 1 is a forward correlation instead, see direct_conv_transpose
    N, O, Ho, Wo = grad_output.shape
    _, Cg, kh, kw = weight.shape
    C, H, W = image.shape[1:]
    Og = O // G
    Hp = max((Ho - 1) * sh + dh * (kh - 1) + 1, pt + H)
    Wp = max((Wo - 1) * sw + dw * (kw - 1) + 1, pl + W)
    for task in prange(N * C):  # strided: scatter each output row back into the frame
        n, c = task // C, task % C
        g, cg = c // Cg, c % Cg
        frame = np.zeros(Hp * Wp, dtype=grad_output.dtype)
        for o in range(g * Og, g * Og + Og):
            for y in range(Ho):
                src = grad_output[n, o, y]
                for i in range(kh):
                    for j in range(kw):
                        tap = weight[o, cg, i, j]
                        base = (y * sh + i * dh) * Wp + j * dw
                        for x in range(Wo):
                            frame[base + x * sw] += tap * src[x]
        for r in range(H):
            image[n, c, r, :] = frame[(pt + r) * Wp + pl:(pt + r) * Wp + pl + W]


def _direct_weight_grad(image, grad_output, G, pt, pl, dh, dw, partials):
    # stride 1. partials (P, O, Cg, kh, kw): task (p, g) sums images p, p + P, p + 2P, ... of
    # group g, so that a single group still keeps every core busy; the caller adds the P partials
    N, C, H, W = image.shape
    _, O, Ho, Wo = grad_output.shape
    P, _, Cg, kh, kw = partials.shape
    Og = O // G
    Hp, Wp = Ho + dh * (kh - 1), Wo + dw * (kw - 1)
    L = (Ho - 1) * Wp + Wo
    for task in prange(P * G):
        p, g = task // G, task % G
        sums = partials[p]
        sums[g * Og:(g + 1) * Og] = 0
        frames = np.empty((Cg, Hp * Wp), dtype=image.dtype)
        grads = np.zeros((2, L), dtype=image.dtype)  # dy at the frames' pitch; spare columns stay 0
        first, end = g * Og, g * Og + Og
        paired_end = first + Og // 2 * 2 if kh == 3 and kw == 3 else first
        for n in range(p, N, P):
            for c in range(Cg):
                _fill_frame(image[n, g * Cg + c], frames[c], Wp, pt, pl)
            for o in range(first, paired_end, 2):  # two outputs at a time share each frame load
                for y in range(Ho):
                    grads[0, y * Wp:y * Wp + Wo] = grad_output[n, o, y]
                    grads[1, y * Wp:y * Wp + Wo] = grad_output[n, o + 1, y]
                for c in range(Cg):
                    _tap_dots2(frames[c], Wp, grads, dh, dw, sums, o, c, L)
            for o in range(paired_end, end):
                for y in range(Ho):
                    grads[0, y * Wp:y * Wp + Wo] = grad_output[n, o, y]
                for c in range(Cg):
                    _tap_dots(frames[c], Wp, grads[0], dh, dw, sums[o, c], L)


def _direct_weight_grad_strided(image, grad_output, G, sh, sw, pt, pl, dh, dw, partials):
    N, C, H, W = image.shape
    _, O, Ho, Wo = grad_output.shape
    P, _, Cg, kh, kw = partials.shape
    Og = O // G
    Hp, Wp = (Ho - 1) * sh + dh * (kh - 1) + 1, (Wo - 1) * sw + dw * (kw - 1) + 1
    for task in prange(P * G):
        p, g = task // G, task % G
        sums = partials[p]
        sums[g * Og:(g + 1) * Og] = 0
        frames = np.empty((Cg, Hp * Wp), dtype=image.dtype)
        for n in range(p, N, P):
            for c in range(Cg):
                _fill_frame(image[n, g * Cg + c], frames[c], Wp, pt, pl)
            for o in range(g * Og, g * Og + Og):
                for c in range(Cg):
                    for y in range(Ho):
                        grad_row = grad_output[n, o, y]
                        for i in range(kh):
                            for j in range(kw):
                                base = (y * sh + i * dh) * Wp + j * dw
                                total = sums[o, c, i, j]
                                for x in range(Wo):
                                    total += grad_row[x] * frames[c, base + x * sw]
                                sums[o, c, i, j] = total


# ---------------------------------------------------------------------------- ReLU
# x, out, grad, result: flat arrays of one length; one pass each, every core on a large array
def _relu(x, out):
    for k in prange(x.size):
        v = x[k]
        out[k] = 0 if v < 0 else v  # NaN stays NaN, as with maximum(x, 0)


def _relu_grad(grad, out, result):
    for k in prange(grad.size):
        result[k] = 0 if out[k] <= 0 else grad[k]  # PyTorch's threshold_backward: NaN passes


# ---------------------------------------------------------------------------- col2im
# cols (C, kh, kw, N, Ho, Wo): the GEMM layout of the columns (base.py's im2col_gemm); image
# (N, C, H, W) the sum they fold back to. Tap (i, j) of output position (y, x) came from image row
# y*sh + i*dh - pt and column x*sw + j*dw - pl; positions that fell in the padding are dropped.
@_inline
def _valid_columns(Wo, W, sw, offset):
    """The output columns x whose image column x*sw + offset lies in [0, W): range(lo, hi)."""
    lo = 0
    while lo < Wo and lo * sw + offset < 0:
        lo += 1
    hi = Wo
    while hi > lo and (hi - 1) * sw + offset >= W:
        hi -= 1
    return lo, hi


def _col2im_gemm(cols, sh, sw, pt, pl, dh, dw, image):
    C, kh, kw, N, Ho, Wo = cols.shape
    H, W = image.shape[2:]
    for task in prange(N * C):  # one image plane per task: no two tasks write the same element
        n, c = task // C, task % C
        plane = image[n, c]
        plane[:, :] = 0
        for j in range(kw):
            lo, hi = _valid_columns(Wo, W, sw, j * dw - pl)
            for i in range(kh):
                for y in range(Ho):
                    r = y * sh + i * dh - pt
                    if r < 0 or r >= H:
                        continue
                    src, dst = cols[c, i, j, n, y], plane[r]
                    q = lo * sw + j * dw - pl
                    if sw == 1:  # contiguous on both sides: a loop LLVM vectorises
                        for x in range(hi - lo):
                            dst[q + x] += src[lo + x]
                    else:
                        for x in range(lo, hi):
                            dst[q] += src[x]
                            q += sw


# ---------------------------------------------------------------------------- max pooling
# xpad (P, Hp, Wp): the P = N*C planes, padded with the lowest value; best, idx (P, Ho, Wo)
def _max_pool(xpad, kh, kw, sh, sw, dh, dw, best, idx):
    P, Ho, Wo = best.shape
    for p in prange(P):
        plane = xpad[p]
        for y in range(Ho):
            for x in range(Wo):
                top, left = y * sh, x * sw
                value, offset = plane[top, left], 0
                for i in range(kh):
                    for j in range(kw):
                        v = plane[top + i * dh, left + j * dw]
                        # the first maximum wins; a NaN beats any number and a later NaN an
                        # earlier one, as in PyTorch (v != v: v is NaN). Written without
                        # branches: random data mispredicts half of them.
                        better = (v > value) | (v != v)
                        value = v if better else value
                        offset = i * kw + j if better else offset
                best[p, y, x] = value
                idx[p, y, x] = offset


def _max_pool_scatter(grad, idx, kw, sh, sw, dh, dw, out):
    P, Ho, Wo = grad.shape
    for p in prange(P):
        out[p] = 0
        for y in range(Ho):
            for x in range(Wo):
                k = idx[p, y, x]
                out[p, y * sh + k // kw * dh, x * sw + k % kw * dw] += grad[p, y, x]


if AVAILABLE:
    _KERNELS = {name: njit(parallel=True, cache=True, fastmath=fastmath)(impl)
                for name, impl, fastmath in (
                    ("direct_conv", _direct_conv, _FMA),
                    ("direct_conv_strided", _direct_conv_strided, _FMA),
                    ("direct_conv_transpose_strided", _direct_conv_transpose_strided, _FMA),
                    ("direct_weight_grad", _direct_weight_grad, _REDUCE),
                    ("direct_weight_grad_strided", _direct_weight_grad_strided, _REDUCE),
                    ("col2im_gemm", _col2im_gemm, _FMA),
                    ("relu", _relu, _FMA),
                    ("relu_grad", _relu_grad, _FMA),
                    ("max_pool", _max_pool, _FMA),
                    ("max_pool_scatter", _max_pool_scatter, _FMA),
                )}


def _run(name: str, work: int, *args):
    """Run kernel ``name`` on every core, or on one when ``work`` is too small to share.

    The result arrays are allocated by the callers below, with NumPy, and passed in (the last
    argument): NumPy asks the kernel for huge pages on large arrays, so a 16 MB result costs a few
    hundred page faults instead of Numba's ~4,000 (measured: 3,686 per depthwise forward of
    (32,128,32,32)), and :func:`_result_array` takes them before the worker threads start.
    """
    kernel = _KERNELS[name]
    if work >= PARALLEL_MIN_WORK:
        kernel(*args)
        return args[-1]
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        kernel(*args)
    finally:
        numba.set_num_threads(threads)
    return args[-1]


def _result_array(shape, dtype):
    """An uninitialised array whose memory pages this thread has already touched.

    A fresh large array is mapped lazily: its first write to each page faults. Faults taken by the
    kernel's worker threads cost far more than the same faults taken here, by one thread
    (measured on a 2-core VM: 21 ms instead of 2.5 ms for a 16 MB result); writing one element
    per 4 KiB page first costs about 0.2 ms.
    """
    out = np.empty(shape, dtype=dtype)
    out.reshape(-1)[::4096 // out.itemsize] = 0
    return out


def direct_conv(image, weight, bias, groups, sh, sw, pt, pl, dh, dw, Ho, Wo):
    """y (N, O, Ho, Wo) = conv2d(image, weight) + bias, for C-contiguous image (N, C, H, W),
    weight (O, C/groups, kh, kw) and bias (O,)."""
    out = _result_array((image.shape[0], weight.shape[0], Ho, Wo), image.dtype)
    work = out.size * weight[0].size
    if sh == 1 and sw == 1:
        return _run("direct_conv", work, image, weight, bias, groups, pt, pl, dh, dw, out)
    return _run("direct_conv_strided", work, image, weight, bias, groups, sh, sw, pt, pl, dh, dw, out)


def direct_conv_transpose(grad_output, weight, groups, C, H, W, sh, sw, pt, pl, dh, dw):
    """dx (N, C, H, W): the adjoint of :func:`direct_conv` (without bias) applied to dy (N, O, Ho, Wo).

    For stride 1 it is itself a direct convolution: dx[r, s] = sum over (i, j) of
    w[i, j] * dy[r + pt - i*dh, s + pl - j*dw] correlates dy, framed at (kh-1)*dh - pt and
    (kw-1)*dw - pl, with the flipped kernel, each group's Og channels now the inputs.
    """
    N, O = grad_output.shape[:2]
    _, Cg, kh, kw = weight.shape
    Og = O // groups
    if sh == 1 and sw == 1:
        # flipped (C, Og, kh, kw): flipped[g*Cg + c, k] = weight[g*Og + k, c] turned by 180 degrees
        flipped = np.ascontiguousarray(
            weight[:, :, ::-1, ::-1].reshape(groups, Og, Cg, kh, kw).transpose(0, 2, 1, 3, 4)
        ).reshape(C, Og, kh, kw)
        return direct_conv(grad_output, flipped, np.zeros(C, dtype=grad_output.dtype), groups, 1, 1,
                           dh * (kh - 1) - pt, dw * (kw - 1) - pl, dh, dw, H, W)
    image = _result_array((N, C, H, W), grad_output.dtype)
    work = grad_output.size * weight[0].size
    return _run("direct_conv_transpose_strided", work, grad_output, weight, groups, sh, sw, pt, pl,
                dh, dw, image)


def direct_weight_grad(image, grad_output, groups, kh, kw, sh, sw, pt, pl, dh, dw):
    """dW (O, C/groups, kh, kw) = sum over n, y, x of dy times the image value each tap saw."""
    N, C = image.shape[:2]
    O = grad_output.shape[1]
    work = grad_output.size * C // groups * kh * kw
    # enough batch slices that the tasks fill the cores (one slice each for many groups)
    slices = 1 if work < PARALLEL_MIN_WORK else max(1, min(N, -(-2 * numba.get_num_threads() // groups)))
    partials = np.empty((slices, O, C // groups, kh, kw), dtype=image.dtype)
    if sh == 1 and sw == 1:
        _run("direct_weight_grad", work, image, grad_output, groups, pt, pl, dh, dw, partials)
    else:
        _run("direct_weight_grad_strided", work, image, grad_output, groups, sh, sw, pt, pl, dh, dw,
             partials)
    return partials.sum(axis=0) if slices > 1 else partials[0]


def relu(x):
    """max(x, 0) of a C-contiguous array, in one pass."""
    out = _result_array(x.shape, x.dtype)
    _run("relu", x.size, x.reshape(-1), out.reshape(-1))
    return out


def relu_grad(grad, out):
    """grad where out > 0, else 0, for C-contiguous arrays of one shape, in one pass."""
    result = _result_array(grad.shape, grad.dtype)
    _run("relu_grad", grad.size, grad.reshape(-1), out.reshape(-1), result.reshape(-1))
    return result


def col2im_gemm(cols, image_size, stride, padding_top_left, dilation):
    """image (N, C, H, W): the columns cols (C, kh, kw, N, Ho, Wo) summed back onto the pixels they
    were read from (the adjoint of im2col; base.py's NumPy version adds kh*kw strided slices)."""
    C, kh, kw, N = cols.shape[:4]
    (sh, sw), (pt, pl), (dh, dw) = stride, padding_top_left, dilation
    image = _result_array((N, C, *image_size), cols.dtype)
    return _run("col2im_gemm", cols.size, np.ascontiguousarray(cols), sh, sw, pt, pl, dh, dw, image)


def max_pool(xpad, kernel_size, stride, dilation, out_size):
    """(best, idx) (P, Ho, Wo): each window's maximum of xpad (P, Hp, Wp) and its offset i*kw + j."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    best = _result_array((xpad.shape[0], *out_size), xpad.dtype)
    idx = _result_array((xpad.shape[0], *out_size), np.int32)
    _run("max_pool", best.size * kh * kw, xpad, kh, kw, sh, sw, dh, dw, best, idx)
    return best, idx


def max_pool_scatter(grad, idx, kernel_size, stride, dilation, padded_size):
    """out (P, Hp, Wp): each window's gradient added onto the element its maximum came from."""
    (_, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    out = _result_array((grad.shape[0], *padded_size), grad.dtype)
    return _run("max_pool_scatter", grad.size * 4, grad, idx, kw, sh, sw, dh, dw, out)


def warm_up() -> float:
    """Compile (or load from the disk cache) every kernel for float32 and float64; return seconds."""
    if not AVAILABLE:
        return 0.0
    start = time.perf_counter()
    for dtype in (np.float32, np.float64):
        image = np.zeros((1, 2, 4, 4), dtype=dtype)
        weight = np.zeros((2, 1, 3, 3), dtype=dtype)
        bias = np.zeros(2, dtype=dtype)
        out = direct_conv(image, weight, bias, 2, 1, 1, 1, 1, 1, 1, 4, 4)
        direct_conv_transpose(out, weight, 2, 2, 4, 4, 1, 1, 1, 1, 1, 1)
        direct_weight_grad(image, out, 2, 3, 3, 1, 1, 1, 1, 1, 1)
        strided = direct_conv(image, weight, bias, 2, 2, 2, 1, 1, 1, 1, 2, 2)
        direct_conv_transpose(strided, weight, 2, 2, 4, 4, 2, 2, 1, 1, 1, 1)
        direct_weight_grad(image, strided, 2, 3, 3, 2, 2, 1, 1, 1, 1)
        col2im_gemm(np.zeros((2, 3, 3, 1, 4, 4), dtype=dtype), (4, 4), (1, 1), (1, 1), (1, 1))
        relu_grad(image, relu(image))
        best, idx = max_pool(image.reshape(2, 4, 4), (2, 2), (2, 2), (1, 1), (2, 2))
        max_pool_scatter(best, idx, (2, 2), (2, 2), (1, 1), (4, 4))
    return time.perf_counter() - start
