"""CUDA kernels for the CuPy backend: im2col and col2im as CuPy elementwise kernels.

Both index with 64-bit integers (CuPy's loop index ``i`` is ``ptrdiff_t``), so buffers past 2**31
elements are safe. They read and write the columns through six explicit strides, so the same kernel
fills whichever memory layout the caller allocated: (N, C, kh, kw, Ho, Wo) for PyTorch's unfold, or
(C, kh, kw, N, Ho, Wo), the layout whose per-group 2-D view (C/G*kh*kw, N*Ho*Wo) feeds one cuBLAS
GEMM (the layout TensorFloat32 reaches).

col2im *gathers*: one thread per image pixel sums the column entries that were copied from it, in a
fixed order. No atomics, so the input gradient is bitwise deterministic.

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
