"""Which kernel computes a convolution: the reference one in ``ops/conv.py``, or a faster path.

Every convolution kernel of ``ops/conv.py`` (forward, input gradient, weight gradient, bias
gradient) runs through this module. Each function here takes that reference kernel as its first
argument and either hands the work to a faster path that computes the same numbers, or calls the
reference itself. The paths, tried in this order:

==============  ==============================================================================
path            when, and what it does instead of im2col + GEMM
==============  ==============================================================================
yours           a kernel swapped in with ``mt.backends.override`` (the exercises use this)
subsampled      a strided convolution that reads only every s-th row and column (a 1x1 stride-2
                shortcut; stride 2 with dilation 2): a stride-1 convolution over those pixels,
                then the next rows of this table for it
direct          ``backend.use_direct``: depthwise convolutions, and on the CPU with Numba the
                stride-1 ones whose outputs read few inputs; kh*kw multiply-adds per input
                channel, no columns
pointwise       a 1x1 kernel, stride 1, no padding, one group: the image is its own columns, so
                a plain (batched) GEMM
im2col+GEMM     everything else: the reference kernel
==============  ==============================================================================

Each fast path is tested against the reference for values and gradients (tests/ops/test_conv.py,
tests/backends/test_cpu_kernels.py). To see which path ran and why, use ``mt.backends.explain()`` or set
the environment variable ``MINITORCH_CONV_EXPLAIN=1``:

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> with mt.backends.explain():
...     _ = F.conv2d(mt.randn(1, 4, 6, 6), mt.randn(8, 4, 1, 1))
conv2d forward: x (1, 4, 6, 6), W (8, 4, 1, 1), stride 1
  -> pointwise: 1x1, stride 1, no padding, one group: the image is its columns

Notation as in ``ops/conv.py``: x (N, C, H, W), weight (O, C/G, kh, kw), y (N, O, Ho, Wo).
"""

from __future__ import annotations

from ..autograd.grad_mode import is_grad_enabled
from ..backends import kernel_trace, overrides
from .window import ConvParams, conv_output_size


def _is_pointwise(kernel_size, params: ConvParams, backend) -> bool:
    """A 1x1 kernel, stride 1, no padding, one group: the columns are the image itself.

    The fast path is a batched matmul, so it is taken only where batched GEMMs compute as 2-D ones
    do (not on CuPy, where TF32 reaches 2-D GEMMs only).
    """
    return (tuple(kernel_size) == (1, 1) and params.stride == (1, 1) and not any(params.padding)
            and params.groups == 1 and backend.batched_gemm_is_like_2d)


def _every_sth_pixel(image_size, kernel_size, params: ConvParams, out_size):
    """A strided convolution that reads only every s-th row and column, as a stride-1 one.

    Output row y reads input rows y*s + i*d - p for taps i < k. When the stride s divides the
    dilation d (or the kernel has one row), all of them lie in one residue class a = -p mod s,
    so the convolution is a stride-1 one over rows a, a + s, a + 2s, ... with dilation d/s and
    top padding (p + a)/s. Returns ``(rows, cols, params)``: the slices of the image it reads and
    the stride-1 geometry, cut to the rows and columns the output reaches (so no padding is
    negative); None otherwise.
    """
    if params.stride == (1, 1):
        return None
    slices, dilation, padding = [], [], []
    for size, k, s, d, p, out in zip(image_size, kernel_size, params.stride, params.dilation,
                                     params.padding[::2], out_size):
        if s > 1 and k > 1 and d % s:
            return None
        start = -p % s
        new_d = 1 if k == 1 else d // s
        new_p = (p + start) // s
        reached = min(len(range(start, size, s)), out + new_d * (k - 1) - new_p)
        if reached < 1:
            return None
        slices.append(slice(start, start + s * (reached - 1) + 1, s))
        dilation.append(new_d)
        padding += [new_p, out - 1 + new_d * (k - 1) + 1 - reached - new_p]
    return (*slices, ConvParams((1, 1), tuple(padding), tuple(dilation), params.groups))


def _trace(kernel: str, path: str, backend, image_shape, weight_shape, params, dtype) -> None:
    if kernel_trace.tracing:  # mt.backends.explain(): one flag check otherwise
        kernel_trace.note(kernel, path, backend, image_shape, weight_shape, params, dtype)


def conv2d(reference, backend, x, weight, params: ConvParams, bias=None, keep_columns=None):
    """y (N, O, Ho, Wo) = conv2d(x, weight) + bias, by ``reference`` or a faster path.

    ``keep_columns`` (a list) reaches the reference, which may keep its columns there for the
    weight gradient; the other paths build none."""
    if overrides.active:  # your kernel (mt.backends.override)
        swapped = overrides.conv2d(backend, x, weight, params, bias)
        if swapped is not NotImplemented:
            return swapped
    N, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    out_size = conv_output_size((H, W), (kh, kw), params)
    subsampled = _every_sth_pixel((H, W), (kh, kw), params, out_size)
    if subsampled is not None:
        _trace("forward", "subsampled", backend, x.shape, weight.shape, params, x.dtype)
        rows, cols, stride_one = subsampled
        return conv2d(reference, backend, x[:, :, rows, cols], weight, stride_one, bias)
    if backend.use_direct(C, params.groups, (kh, kw), params.stride, x.dtype, out_size):
        _trace("forward", "direct", backend, x.shape, weight.shape, params, x.dtype)
        return backend.direct_conv(x, weight, params.groups, params.stride, params.padding,
                                   params.dilation, out_size, bias)
    if _is_pointwise((kh, kw), params, backend):  # a GEMM per image, no columns to build
        _trace("forward", "pointwise", backend, x.shape, weight.shape, params, x.dtype)
        out = backend.xp.matmul(weight.reshape(O, C), x.reshape(N, C, H * W)).reshape(N, O, H, W)
        return out if bias is None else _add_bias(out, bias)
    _trace("forward", "im2col+GEMM", backend, x.shape, weight.shape, params, x.dtype)
    return reference(backend, x, weight, params, bias, keep_columns)


def conv2d_input_grad(reference, backend, grad_output, weight, params: ConvParams, input_size):
    """dx (N, C, H, W) = col2im(W^T dy), by ``reference`` or a faster path."""
    if overrides.active:  # your kernel (mt.backends.override)
        swapped = overrides.conv2d_input_grad(backend, grad_output, weight, params, input_size)
        if swapped is not NotImplemented:
            return swapped
    N, O, Ho, Wo = grad_output.shape
    C = weight.shape[1] * params.groups
    kernel_size = weight.shape[2:]
    image_shape = (N, C, *input_size)
    subsampled = _every_sth_pixel(input_size, kernel_size, params, (Ho, Wo))
    if subsampled is not None:  # only every s-th pixel receives anything
        _trace("input grad", "subsampled", backend, image_shape, weight.shape, params, grad_output.dtype)
        rows, cols, stride_one = subsampled
        dx = backend.xp.zeros(image_shape, dtype=grad_output.dtype)
        reached = (len(range(*rows.indices(input_size[0]))), len(range(*cols.indices(input_size[1]))))
        dx[:, :, rows, cols] = conv2d_input_grad(reference, backend, grad_output, weight, stride_one,
                                                 reached)
        return dx
    if backend.use_direct(C, params.groups, kernel_size, params.stride, grad_output.dtype, (Ho, Wo)):
        _trace("input grad", "direct", backend, image_shape, weight.shape, params, grad_output.dtype)
        return backend.direct_conv_transpose(grad_output, weight, params.groups, input_size,
                                             params.stride, (params.padding[0], params.padding[2]),
                                             params.dilation)
    if _is_pointwise(kernel_size, params, backend) and tuple(input_size) == (Ho, Wo):
        _trace("input grad", "pointwise", backend, image_shape, weight.shape, params, grad_output.dtype)
        return backend.xp.matmul(weight.reshape(O, C).T, grad_output.reshape(N, O, Ho * Wo)).reshape(
            image_shape)
    _trace("input grad", "im2col+GEMM", backend, image_shape, weight.shape, params, grad_output.dtype)
    return reference(backend, grad_output, weight, params, input_size)


def conv2d_weight_grad(reference, backend, x, grad_output, kernel_size, params: ConvParams, columns=None):
    """dW (O, C/G, kh, kw) = dy cols^T summed over the batch, by ``reference`` or a faster path;
    ``columns``: the forward's (its im2col+GEMM path kept them), reused by the reference."""
    if overrides.active:  # your kernel (mt.backends.override)
        swapped = overrides.conv2d_weight_grad(backend, x, grad_output, kernel_size, params)
        if swapped is not NotImplemented:
            return swapped
    N, C, H, W = x.shape
    _, O, Ho, Wo = grad_output.shape
    weight_shape = (O, C // params.groups, *kernel_size)
    if columns is not None:
        _trace("weight grad", "forward's columns", backend, x.shape, weight_shape, params, x.dtype)
        return reference(backend, x, grad_output, kernel_size, params, columns)
    subsampled = _every_sth_pixel((H, W), kernel_size, params, (Ho, Wo))
    if subsampled is not None:
        _trace("weight grad", "subsampled", backend, x.shape, weight_shape, params, x.dtype)
        rows, cols, stride_one = subsampled
        return conv2d_weight_grad(reference, backend, x[:, :, rows, cols], grad_output, kernel_size,
                                  stride_one)
    if backend.use_direct(C, params.groups, kernel_size, params.stride, x.dtype, (Ho, Wo)):
        _trace("weight grad", "direct", backend, x.shape, weight_shape, params, x.dtype)
        return backend.direct_weight_grad(x, grad_output, params.groups, kernel_size, params.stride,
                                          params.padding, params.dilation)
    if _is_pointwise(kernel_size, params, backend) and (H, W) == (Ho, Wo):
        _trace("weight grad", "pointwise", backend, x.shape, weight_shape, params, x.dtype)
        # dW (O, C) = sum over images of dY (O, L) @ x (C, L)^T: a GEMM per image, then a sum (no
        # transposing copies of dY and x, which cost a third more than the GEMMs here)
        per_image = backend.xp.matmul(grad_output.reshape(N, O, Ho * Wo),
                                      x.reshape(N, C, H * W).transpose(0, 2, 1))
        return per_image.sum(axis=0).reshape(weight_shape)
    _trace("weight grad", "im2col+GEMM", backend, x.shape, weight_shape, params, x.dtype)
    return reference(backend, x, grad_output, kernel_size, params)


def conv2d_bias_grad(reference, grad_output):
    """db (O,) = dy summed over all but the channels, by ``reference`` or a matrix-vector product.

    dy (N*O, Ho*Wo) @ ones runs in BLAS (on every core), several times faster than NumPy's
    ``sum(axis=(0, 2, 3))``; it is built of Tensor operations, so it stays differentiable.
    """
    if overrides.active and not is_grad_enabled():  # your kernel, where no graph of it is built
        swapped = overrides.conv2d_bias_grad(grad_output.backend, grad_output._array)
        if swapped is not NotImplemented:
            return grad_output._new(swapped)
    if grad_output.ndim != 4:
        return reference(grad_output)
    N, O, Ho, Wo = grad_output.shape
    if not is_grad_enabled():  # the usual backward: on the arrays (five Tensor operations cost more
        dy = grad_output._array  # than the sums themselves on a small layer)
        ones = grad_output.xp.ones(Ho * Wo, dtype=dy.dtype)
        return grad_output._new((dy.reshape(N * O, Ho * Wo) @ ones).reshape(N, O).sum(0))
    per_image = grad_output.reshape(N * O, Ho * Wo) @ grad_output.new_ones((Ho * Wo,))
    return per_image.reshape(N, O).sum(0)


def _add_bias(out, bias):
    """out (N, O, Ho, Wo) += bias (O,) array, in place."""
    out += bias.reshape(1, -1, 1, 1)
    return out


def unfold(reference, backend, x, kernel_size, params: ConvParams, out_size):
    """``F.unfold``'s cols (N, C, kh, kw, Ho, Wo), by ``reference`` or your im2col."""
    if overrides.active:  # your im2col (mt.backends.override)
        swapped = overrides.unfold(backend, x, kernel_size, params)
        if swapped is not NotImplemented:
            return swapped
    return reference(backend, x, kernel_size, params, out_size)


def fold(reference, backend, cols, image_size, params: ConvParams):
    """``F.fold``'s image (N, C, H, W), by ``reference`` or your col2im."""
    if overrides.active:  # your col2im (mt.backends.override)
        swapped = overrides.fold(backend, cols, image_size, params)
        if swapped is not NotImplemented:
            return swapped
    return reference(backend, cols, image_size, params)


def conv2d_function(x, weight, bias, params: ConvParams):
    """``F.conv2d``'s output from your autograd Function (``mt.backends.override("conv2d_function",
    ...)``), or NotImplemented: then ``Conv2dFunction`` runs."""
    if not overrides.active:
        return NotImplemented
    return overrides.conv2d_function(x, weight, bias, params)
