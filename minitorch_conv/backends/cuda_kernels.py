"""CUDA kernels for the CuPy backend: im2col and col2im, and the depthwise convolution, as CuPy
elementwise kernels.

Both index with 64-bit integers (CuPy's loop index ``i`` is ``ptrdiff_t``), so buffers past 2**31
elements are safe. They read and write the columns through six explicit strides, so the same kernel
fills whichever memory layout the caller allocated: (N, C, kh, kw, Ho, Wo) for PyTorch's unfold, or
(C, kh, kw, N, Ho, Wo), the layout whose per-group 2-D view (C/G*kh*kw, N*Ho*Wo) feeds one cuBLAS
GEMM (the layout TensorFloat32 reaches).

col2im *gathers*: one thread per image pixel sums the column entries that were copied from it, in a
fixed order. No atomics, so the input gradient is bitwise deterministic.

The depthwise kernels (weight (C*m, 1, kh, kw): output channel o = c*m + k sees input channel c
only) replace kh*kw launches of shifted multiply-adds, and for the weight gradient kh*kw einsums,
with one launch each (two for the weight gradient: partial sums, then their sum). They gather too.

Notation:
  N  batch     C  channels     H, W  image      kh, kw  kernel     sh, sw  stride
  dh, dw  dilation            pt, pl  zero padding at the top and left
  Ho, Wo  output positions    cols[n, c, i, j, y, x] = image[n, c, y*sh - pt + i*dh, x*sw - pl + j*dw]
          (zero where that pixel falls in the padding)
"""

from __future__ import annotations

import functools

_IM2COL_SOURCE = r"""
    long long rest = i;
    const long long x = rest % Wo; rest /= Wo;
    const long long y = rest % Ho; rest /= Ho;
    const long long kj = rest % kw; rest /= kw;
    const long long ki = rest % kh; rest /= kh;
    const long long c = rest % C;
    const long long n = rest / C;
    const long long row = y * sh - pt + ki * dh;
    const long long col = x * sw - pl + kj * dw;
    T value = 0;
    if (row >= 0 && row < H && col >= 0 && col < W) {
        value = image[((n * C + c) * H + row) * W + col];
    }
    cols[n * s_n + c * s_c + ki * s_i + kj * s_j + y * s_y + x * s_x] = value;
"""

_COL2IM_SOURCE = r"""
    long long rest = i;
    const long long col = rest % W; rest /= W;
    const long long row = rest % H; rest /= H;
    const long long c = rest % C;
    const long long n = rest / C;
    T total = 0;
    for (long long ki = 0; ki < kh; ++ki) {
        const long long ty = row + pt - ki * dh;
        if (ty < 0 || ty % sh != 0) continue;
        const long long y = ty / sh;
        if (y >= Ho) continue;
        for (long long kj = 0; kj < kw; ++kj) {
            const long long tx = col + pl - kj * dw;
            if (tx < 0 || tx % sw != 0) continue;
            const long long x = tx / sw;
            if (x >= Wo) continue;
            total += cols[n * s_n + c * s_c + ki * s_i + kj * s_j + y * s_y + x * s_x];
        }
    }
    image[i] = total;
"""

_DEPTHWISE_FORWARD_SOURCE = r"""
    long long rest = i;
    const long long x = rest % Wo; rest /= Wo;
    const long long y = rest % Ho; rest /= Ho;
    const long long o = rest % O;
    const long long n = rest / O;
    const long long c = o / m;
    T total = 0;
    for (long long ki = 0; ki < kh; ++ki) {
        const long long row = y * sh - pt + ki * dh;
        if (row < 0 || row >= H) continue;
        for (long long kj = 0; kj < kw; ++kj) {
            const long long col = x * sw - pl + kj * dw;
            if (col < 0 || col >= W) continue;
            total += image[((n * C + c) * H + row) * W + col] * weight[(o * kh + ki) * kw + kj];
        }
    }
    out[i] = total;
"""

_DEPTHWISE_INPUT_GRAD_SOURCE = r"""
    long long rest = i;
    const long long col = rest % W; rest /= W;
    const long long row = rest % H; rest /= H;
    const long long c = rest % C;
    const long long n = rest / C;
    T total = 0;
    for (long long k = 0; k < m; ++k) {
        const long long o = c * m + k;
        for (long long ki = 0; ki < kh; ++ki) {
            const long long ty = row + pt - ki * dh;
            if (ty < 0 || ty % sh != 0) continue;
            const long long y = ty / sh;
            if (y >= Ho) continue;
            for (long long kj = 0; kj < kw; ++kj) {
                const long long tx = col + pl - kj * dw;
                if (tx < 0 || tx % sw != 0) continue;
                const long long x = tx / sw;
                if (x >= Wo) continue;
                total += grad[((n * O + o) * Ho + y) * Wo + x] * weight[(o * kh + ki) * kw + kj];
            }
        }
    }
    dx[i] = total;
"""

# partial[tap, s] = the sum over positions t = s, s + S, s + 2S, ... of the N*Ho*Wo products
# (adjacent threads read adjacent positions); the weight gradient is partial.sum(axis=1)
_DEPTHWISE_WEIGHT_GRAD_SOURCE = r"""
    const long long s = i % S;
    long long rest = i / S;
    const long long kj = rest % kw; rest /= kw;
    const long long ki = rest % kh;
    const long long o = rest / kh;
    const long long c = o / m;
    const long long L = Ho * Wo;
    T total = 0;
    for (long long t = s; t < N * L; t += S) {
        const long long n = t / L;
        const long long p = t % L;
        const long long row = (p / Wo) * sh - pt + ki * dh;
        const long long col = (p % Wo) * sw - pl + kj * dw;
        if (row < 0 || row >= H || col < 0 || col >= W) continue;
        total += grad[(n * O + o) * L + p] * image[((n * C + c) * H + row) * W + col];
    }
    partial[i] = total;
"""

_DEPTHWISE_GEOMETRY = ("int64 N, int64 C, int64 H, int64 W, int64 O, int64 m, int64 kh, int64 kw, "
                       "int64 sh, int64 sw, int64 pt, int64 pl, int64 dh, int64 dw, int64 Ho, int64 Wo")

_GEOMETRY = ("int64 N, int64 C, int64 H, int64 W, int64 kh, int64 kw, int64 sh, int64 sw, "
             "int64 pt, int64 pl, int64 dh, int64 dw, int64 Ho, int64 Wo, "
             "int64 s_n, int64 s_c, int64 s_i, int64 s_j, int64 s_y, int64 s_x")


@functools.cache
def _kernels():
    import cupy

    im2col = cupy.ElementwiseKernel(
        "raw T image, " + _GEOMETRY, "raw T cols", _IM2COL_SOURCE, "minitorch_conv_im2col")
    col2im = cupy.ElementwiseKernel(
        "raw T cols, " + _GEOMETRY, "raw T image", _COL2IM_SOURCE, "minitorch_conv_col2im")
    return im2col, col2im


@functools.cache
def _depthwise_kernels():
    import cupy

    forward = cupy.ElementwiseKernel(
        "raw T image, raw T weight, " + _DEPTHWISE_GEOMETRY, "raw T out", _DEPTHWISE_FORWARD_SOURCE,
        "minitorch_conv_depthwise_forward")
    input_grad = cupy.ElementwiseKernel(
        "raw T grad, raw T weight, " + _DEPTHWISE_GEOMETRY, "raw T dx", _DEPTHWISE_INPUT_GRAD_SOURCE,
        "minitorch_conv_depthwise_input_grad")
    weight_grad = cupy.ElementwiseKernel(
        "raw T image, raw T grad, int64 S, " + _DEPTHWISE_GEOMETRY, "raw T partial",
        _DEPTHWISE_WEIGHT_GRAD_SOURCE, "minitorch_conv_depthwise_weight_grad")
    return forward, input_grad, weight_grad


def _as_buffer(cols, writable: bool):
    """``cols`` (a 6-D view) as (a C-contiguous array over the same memory, the view's strides).

    A raw CuPy argument indexed with one integer reads element ``i`` of a C-contiguous array, so
    the kernels get the memory-ordered buffer and address it through the view's own strides.
    """
    import cupy

    order = sorted(range(cols.ndim), key=lambda axis: -cols.strides[axis])
    buffer = cols.transpose(order)
    if not buffer.flags.c_contiguous:
        if writable:
            raise ValueError("the column buffer must be an axis permutation of a contiguous array")
        cols = cupy.ascontiguousarray(cols)
        buffer = cols
    strides = tuple(s // cols.itemsize for s in cols.strides)
    return buffer, strides


def im2col_into(image, cols, kernel_size, stride, padding_top_left, dilation) -> None:
    """Fill ``cols``, a 6-D (N, C, kh, kw, Ho, Wo) view of a buffer in any axis order, from ``image``."""
    import cupy

    image = cupy.ascontiguousarray(image)
    N, C, H, W = image.shape
    _, _, kh, kw, Ho, Wo = cols.shape
    buffer, strides = _as_buffer(cols, writable=True)
    im2col, _ = _kernels()
    im2col(image, N, C, H, W, kh, kw, *stride, *padding_top_left, *dilation, Ho, Wo, *strides,
           buffer, size=cols.size)


def col2im(cols, image_size, stride, padding_top_left, dilation):
    """The adjoint of :func:`im2col_into`: an (N, C, H, W) image from a 6-D column view, by gathering."""
    import cupy

    N, C, kh, kw, Ho, Wo = cols.shape
    H, W = image_size
    buffer, strides = _as_buffer(cols, writable=False)
    image = cupy.empty((N, C, H, W), dtype=cols.dtype)
    _, gather = _kernels()
    gather(buffer, N, C, H, W, kh, kw, *stride, *padding_top_left, *dilation, Ho, Wo, *strides,
           image, size=image.size)
    return image


# ---------------------------------------------------------------------------- depthwise
# Shapes: image (N, C, H, W); weight (O, 1, kh, kw) with O = C*m; out / grad (N, O, Ho, Wo).
# pt, pl: the zero padding at the top and left (the bottom and right follow from Ho, Wo).


def depthwise_conv(image, weight, stride, padding_top_left, dilation, out_size):
    """out (N, O, Ho, Wo)[n, c*m + k] = sum over taps of weight[c*m + k] * image[n, c] (shifted)."""
    import cupy

    image, weight = cupy.ascontiguousarray(image), cupy.ascontiguousarray(weight)
    N, C, H, W = image.shape
    O, _, kh, kw = weight.shape
    out = cupy.empty((N, O, *out_size), dtype=image.dtype)
    forward, _, _ = _depthwise_kernels()
    forward(image, weight, N, C, H, W, O, O // C, kh, kw, *stride, *padding_top_left, *dilation,
            *out_size, out, size=out.size)
    return out


def depthwise_input_grad(grad_output, weight, channels, image_size, stride, padding_top_left, dilation):
    """dx (N, C, H, W), C = ``channels``: each pixel gathers grad_output * weight over the outputs
    that read it."""
    import cupy

    grad_output, weight = cupy.ascontiguousarray(grad_output), cupy.ascontiguousarray(weight)
    N, O, Ho, Wo = grad_output.shape
    _, _, kh, kw = weight.shape
    dx = cupy.empty((N, channels, *image_size), dtype=grad_output.dtype)
    _, input_grad, _ = _depthwise_kernels()
    input_grad(grad_output, weight, N, channels, *image_size, O, O // channels, kh, kw, *stride,
               *padding_top_left, *dilation, Ho, Wo, dx, size=dx.size)
    return dx


def depthwise_weight_grad(image, grad_output, kernel_size, stride, padding_top_left, dilation):
    """dW (O, 1, kh, kw) = sum over n, y, x of grad_output * the image pixel each tap read."""
    import cupy

    image, grad_output = cupy.ascontiguousarray(image), cupy.ascontiguousarray(grad_output)
    N, C, H, W = image.shape
    _, O, Ho, Wo = grad_output.shape
    kh, kw = kernel_size
    # enough partial sums per tap to fill the GPU, each over at least 64 positions
    S = max(1, min(256, N * Ho * Wo // 64))
    partial = cupy.empty((O * kh * kw, S), dtype=image.dtype)
    _, _, weight_grad = _depthwise_kernels()
    weight_grad(image, grad_output, S, N, C, H, W, O, O // C, kh, kw, *stride, *padding_top_left,
                *dilation, Ho, Wo, partial, size=partial.size)
    return partial.sum(axis=1).reshape(O, 1, kh, kw)
