"""2-D convolution: forward by im2col and one GEMM, backward by col2im and GEMMs.

Three autograd Functions, each written on arrays for its forward and each other's users for its
backward (DeZero's design), so gradients of any order come out right:

==================  ======================================  ==========================================
Function            forward                                 backward (with respect to each input)
==================  ======================================  ==========================================
Conv2d(x, W, b)     y = W · im2col(x) + b                   dx = ConvTranspose2d(dy, W)
                                                            dW = Conv2dWeightGrad(x, dy)
                                                            db = dy.sum((0, 2, 3))
ConvTranspose2d     y = col2im(W^T · x) + b                 dx = Conv2d(dy, W)
(x, W, b)           (the input gradient of Conv2d)          dW = Conv2dWeightGrad(dy, x)
Conv2dWeightGrad    dW = sum over the batch of              d(x)  = ConvTranspose2d(dy, ddW)
(x, dy)             dy · im2col(x)^T                        d(dy) = Conv2d(x, ddW)
==================  ======================================  ==========================================

Why col2im is the input gradient: im2col is linear, and col2im is its adjoint,
``<im2col(x), c> == <x, col2im(c)>`` for every ``x`` and ``c``. The chain rule for ``y = W · cols``
hands back ``dcols = W^T · dy``, and the adjoint carries ``dcols`` back to ``dx = col2im(dcols)``:
every copy im2col made of a pixel returns its gradient to that pixel, and the copies add up.

The public functions (``conv2d``, ``conv_transpose2d``, ``im2col``/``unfold``,
``col2im``/``fold``) check their arguments exactly as PyTorch does, with PyTorch's exception
classes and messages, then call the Functions.

Memory: the im2col buffer holds N*C*kh*kw*Ho*Wo elements (kh*kw copies of the input). Above
:data:`IM2COL_BUDGET_BYTES` the batch is processed in chunks, so a large batch never allocates one
huge buffer.

Fast paths, each tested against the general path: depthwise convolutions (one input channel per
group), and on the CPU with Numba every stride-1 convolution whose outputs read few inputs, skip the
columns (``backend.use_direct``: kh*kw multiply-adds per input channel, in Numba kernels where
installed); 1x1 stride-1 convolutions are a plain GEMM per image. docs/performance.md has the
measurements.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backends import CPP_NAMES, SCALAR_NAMES, kernel_trace, overrides
from ..tensor import Tensor

IM2COL_BUDGET_BYTES = 8 * 2**20
"""Largest im2col buffer (in bytes) built at once; bigger batches are processed in chunks."""
ONE_IMAGE_BYTES = 256 * 2**10
"""Columns of at least this many bytes per image are processed one image at a time."""


@dataclass(frozen=True)
class ConvParams:
    """The geometry shared by the three Functions.

    ``padding`` is ``(top, bottom, left, right)``: PyTorch's integer padding is symmetric, but
    ``padding='same'`` with an even (dilated) kernel puts the extra row and column at the bottom
    and right.
    """

    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int = 1


def conv_output_size(image_size, kernel_size, params: ConvParams) -> tuple[int, int]:
    """Output positions (Ho, Wo) of a convolution over an (H, W) image.

    >>> conv_output_size((5, 5), (3, 3), ConvParams((2, 2), (1, 1, 1, 1), (1, 1)))
    (3, 3)
    """
    (H, W), (kh, kw) = image_size, kernel_size
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = params.stride, params.padding, params.dilation
    return ((H + pt + pb - dh * (kh - 1) - 1) // sh + 1,
            (W + pl + pr - dw * (kw - 1) - 1) // sw + 1)


def _batch_chunks(batch: int, bytes_per_sample: int):
    """Slices of the batch whose im2col buffers stay within :data:`IM2COL_BUDGET_BYTES`.

    An image whose columns fill :data:`ONE_IMAGE_BYTES` is a chunk of its own: its GEMMs are wide
    enough already, and with one image the results need no transposing copy.
    """
    if bytes_per_sample >= ONE_IMAGE_BYTES:
        return [slice(start, start + 1) for start in range(batch)]
    per_chunk = max(1, IM2COL_BUDGET_BYTES // max(bytes_per_sample, 1))
    return [slice(start, min(start + per_chunk, batch)) for start in range(0, batch, per_chunk)]


# ---------------------------------------------------------------------------- array kernels
# Notation (shared by every kernel below):
#   N  batch                      C  input channels         O  output channels
#   G  groups                     Cg = C / G                Og = O / G
#   H, W    input height, width   kh, kw  kernel            sh, sw  stride     dh, dw  dilation
#   pt, pb, pl, pr  zero padding top, bottom, left, right
#   Ho, Wo  output positions: Ho = (H + pt + pb - dh*(kh-1) - 1) // sh + 1
#   K  = Cg*kh*kw   (one column of a group)       L  = Ho*Wo   (number of columns)
#   cols    (N, C, kh, kw, Ho, Wo): cols[n, c, i, j, y, x] = xpad[n, c, y*sh + i*dh, x*sw + j*dw]
#           (PyTorch's unfold layout, for im2col/col2im)
#   cols_gemm (C, kh, kw, N, Ho, Wo): the same entries with the batch inside, so that
#           cols_gemm.reshape(G, K, N*L)[g] is one plain 2-D GEMM operand per group (the conv kernels)
#   weight  (O, Cg, kh, kw) for a convolution; (C, Og, kh, kw) for a transposed one


def unfold_array(backend, x, kernel_size, params: ConvParams, out_size):
    """cols (N, C, kh, kw, Ho, Wo) of ``x`` (N, C, H, W) zero-padded by ``params.padding``."""
    if overrides.active:  # your im2col (mt.backends.override): one check when there is none
        swapped = overrides.unfold(backend, x, kernel_size, params)
        if swapped is not NotImplemented:
            return swapped
    xp = backend.xp
    N, C, H, W = x.shape
    pt, pb, pl, pr = params.padding
    if pt or pb or pl or pr:
        xpad = xp.zeros((N, C, H + pt + pb, W + pl + pr), dtype=x.dtype)
        xpad[:, :, pt:pt + H, pl:pl + W] = x
    else:
        xpad = x
    return backend.im2col(xpad, kernel_size, params.stride, params.dilation, out_size)


def fold_array(backend, cols, image_size, params: ConvParams):
    """The adjoint of :func:`unfold_array`: sum cols (N, C, kh, kw, Ho, Wo) into an (N, C, H, W) image."""
    if overrides.active:  # your col2im (mt.backends.override)
        swapped = overrides.fold(backend, cols, image_size, params)
        if swapped is not NotImplemented:
            return swapped
    N, C, kh, kw, Ho, Wo = cols.shape
    (H, W), (sh, sw), (dh, dw) = image_size, params.stride, params.dilation
    pt, _pb, pl, _pr = params.padding
    # the padded frame must hold every patch and the whole image; what falls outside the image
    # (the padding) is cropped away
    Hp = max((Ho - 1) * sh + dh * (kh - 1) + 1, pt + H)
    Wp = max((Wo - 1) * sw + dw * (kw - 1) + 1, pl + W)
    xpad = backend.col2im(cols, (Hp, Wp), params.stride, params.dilation)
    if (Hp, Wp) == (H, W):
        return xpad
    return backend.xp.ascontiguousarray(xpad[:, :, pt:pt + H, pl:pl + W])


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
    top padding (p + a)/s (a 1x1 stride-2 shortcut, or stride 2 with dilation 2). Returns
    ``(rows, cols, params)``: the slices of the image it reads and the stride-1 geometry, cut to
    the rows and columns the output reaches (so no padding is negative); None otherwise.
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


def conv2d_array(backend, x, weight, params: ConvParams, bias=None):
    """y (N, O, Ho, Wo) + bias (O,): per group one GEMM, weight (Og, K) @ cols_gemm (K, N*L).

    cols_gemm is the (C, kh, kw, N, Ho, Wo) column layout, so each group's operand is a plain 2-D
    matrix (K, N*L) and the whole batch goes through one GEMM; its (Og, N*L) result is turned back
    to (N, Og, Ho, Wo). Before that: a strided convolution that reads only every s-th pixel becomes
    a stride-1 one over those pixels, and one the backend runs directly (``use_direct``: depthwise,
    or with Numba small stride-1 ones) skips the columns, its multiply-adds starting from the bias.
    """
    if overrides.active:  # your kernel (mt.backends.override): one check when there is none
        swapped = overrides.conv2d(backend, x, weight, params, bias)
        if swapped is not NotImplemented:
            return swapped
    xp = backend.xp
    N, C, H, W = x.shape
    O, Cg, kh, kw = weight.shape
    G = params.groups
    Ho, Wo = conv_output_size((H, W), (kh, kw), params)
    subsampled = _every_sth_pixel((H, W), (kh, kw), params, (Ho, Wo))
    if subsampled is not None:
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("forward", "subsampled", backend, x.shape, weight.shape, params, x.dtype)
        rows, cols, stride_one = subsampled
        return conv2d_array(backend, x[:, :, rows, cols], weight, stride_one, bias)
    if backend.use_direct(C, G, (kh, kw), params.stride, x.dtype):
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("forward", "direct", backend, x.shape, weight.shape, params, x.dtype)
        return backend.direct_conv(x, weight, G, params.stride, params.padding, params.dilation,
                                   (Ho, Wo), bias)
    if _is_pointwise((kh, kw), params, backend):  # a plain GEMM per image, no columns to build
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("forward", "pointwise", backend, x.shape, weight.shape, params, x.dtype)
        out = xp.matmul(weight.reshape(O, C), x.reshape(N, C, H * W)).reshape(N, O, H, W)
        return _add_bias(out, bias)
    if kernel_trace.tracing:  # mt.backends.explain()
        kernel_trace.note("forward", "im2col+GEMM", backend, x.shape, weight.shape, params, x.dtype)
    K, Og = Cg * kh * kw, O // G
    w = weight.reshape(G, Og, K)
    out = xp.empty((N, O, Ho, Wo), dtype=x.dtype)
    for rows in _batch_chunks(N, C * kh * kw * Ho * Wo * x.itemsize):
        cols = backend.im2col_gemm(x[rows], (kh, kw), params.stride, params.padding, params.dilation,
                                   (Ho, Wo))
        n = cols.shape[3]
        cols = cols.reshape(G, K, n * Ho * Wo)
        # one image: its (O, Ho*Wo) result is already out[image]'s layout, so the GEMM writes there
        y = out[rows.start].reshape(O, Ho * Wo) if n == 1 else xp.empty((O, n * Ho * Wo), dtype=x.dtype)
        for g in range(G):
            xp.matmul(w[g], cols[g], out=y[g * Og:(g + 1) * Og])
        if n > 1:
            out[rows] = y.reshape(O, n, Ho, Wo).transpose(1, 0, 2, 3)
    return _add_bias(out, bias)


def conv_transpose2d_array(backend, x, weight, params: ConvParams, output_size):
    """y (N, Og*G, Hout, Wout) = col2im(weight^T (K, Cg) @ x (Cg, N*H*W)), per group.

    Here ``x`` plays the role of a convolution's output gradient: C = weight.shape[0] channels
    in, Og*G out, and the input positions (H, W) are the columns.
    """
    if overrides.active:  # your kernel (mt.backends.override): one check when there is none
        swapped = overrides.conv2d_input_grad(backend, x, weight, params, output_size)
        if swapped is not NotImplemented:
            return swapped
    xp = backend.xp
    N, C, H, W = x.shape
    _, Og, kh, kw = weight.shape
    G = params.groups
    O, Cg, K = Og * G, C // G, Og * kh * kw
    top_left = (params.padding[0], params.padding[2])
    subsampled = _every_sth_pixel(output_size, (kh, kw), params, (H, W))
    if subsampled is not None:  # only every s-th pixel received anything
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("input grad", "subsampled", backend, (N, O, *output_size), weight.shape,
                              params, x.dtype)
        rows, cols, stride_one = subsampled
        out = xp.zeros((N, O, *output_size), dtype=x.dtype)
        reached = (len(range(*rows.indices(output_size[0]))), len(range(*cols.indices(output_size[1]))))
        out[:, :, rows, cols] = conv_transpose2d_array(backend, x, weight, stride_one, reached)
        return out
    if backend.use_direct(O, G, (kh, kw), params.stride, x.dtype):  # the input gradient of that convolution
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("input grad", "direct", backend, (N, O, *output_size), weight.shape,
                              params, x.dtype)
        return backend.direct_conv_transpose(x, weight, G, output_size, params.stride, top_left,
                                             params.dilation)
    if _is_pointwise((kh, kw), params, backend) and tuple(output_size) == (H, W):
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("input grad", "pointwise", backend, (N, O, *output_size), weight.shape,
                              params, x.dtype)
        return xp.matmul(weight.reshape(C, O).T, x.reshape(N, C, H * W)).reshape(N, O, H, W)
    if kernel_trace.tracing:  # mt.backends.explain()
        kernel_trace.note("input grad", "im2col+GEMM", backend, (N, O, *output_size), weight.shape,
                          params, x.dtype)
    w_t = weight.reshape(G, Cg, K).transpose(0, 2, 1)
    out = xp.empty((N, O, *output_size), dtype=x.dtype)
    for rows in _batch_chunks(N, O * kh * kw * H * W * x.itemsize):
        n = len(range(*rows.indices(N)))
        x_by_channel = x[rows].transpose(1, 0, 2, 3).reshape(G, Cg, n * H * W)
        cols = xp.empty((G, K, n * H * W), dtype=x.dtype)
        for g in range(G):
            xp.matmul(w_t[g], x_by_channel[g], out=cols[g])
        out[rows] = backend.col2im_gemm(cols.reshape(O, kh, kw, n, H, W), output_size, params.stride,
                                        top_left, params.dilation)
    return out


def conv2d_weight_grad_array(backend, x, grad_output, kernel_size, params: ConvParams):
    """dW (O, Cg, kh, kw): per group one GEMM, grad_output (Og, N*L) @ cols_gemm (K, N*L)^T.

    The columns are taken at grad_output's positions (Ho, Wo), which may be fewer than the image
    allows (the transposed convolution's weight gradient uses this).
    """
    if overrides.active:  # your kernel (mt.backends.override): one check when there is none
        swapped = overrides.conv2d_weight_grad(backend, x, grad_output, kernel_size, params)
        if swapped is not NotImplemented:
            return swapped
    xp = backend.xp
    N, C, _, _ = x.shape
    _, O, Ho, Wo = grad_output.shape
    kh, kw = kernel_size
    G = params.groups
    subsampled = _every_sth_pixel(x.shape[2:], kernel_size, params, (Ho, Wo))
    if subsampled is not None:
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("weight grad", "subsampled", backend, x.shape, (O, C // G, kh, kw),
                              params, x.dtype)
        rows, cols, stride_one = subsampled
        return conv2d_weight_grad_array(backend, x[:, :, rows, cols], grad_output, kernel_size,
                                        stride_one)
    if backend.use_direct(C, G, kernel_size, params.stride, x.dtype):
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("weight grad", "direct", backend, x.shape, (O, C // G, kh, kw), params, x.dtype)
        return backend.direct_weight_grad(x, grad_output, G, kernel_size, params.stride, params.padding,
                                          params.dilation)
    if _is_pointwise(kernel_size, params, backend) and x.shape[2:] == (Ho, Wo):
        if kernel_trace.tracing:  # mt.backends.explain()
            kernel_trace.note("weight grad", "pointwise", backend, x.shape, (O, C // G, kh, kw),
                              params, x.dtype)
        # dW (O, C) = sum over images of dY (O, L) @ x (C, L)^T: a GEMM per image, then a sum (no
        # transposing copies of dY and x, which cost a third more than the GEMMs here)
        per_image = xp.matmul(grad_output.reshape(N, O, Ho * Wo), x.reshape(N, C, Ho * Wo).transpose(0, 2, 1))
        return per_image.sum(axis=0).reshape(O, C, 1, 1)
    if kernel_trace.tracing:  # mt.backends.explain()
        kernel_trace.note("weight grad", "im2col+GEMM", backend, x.shape, (O, C // G, kh, kw),
                          params, x.dtype)
    K, Og = C // G * kh * kw, O // G
    grad_weight = xp.zeros((G, Og, K), dtype=x.dtype)
    for rows in _batch_chunks(N, C * kh * kw * Ho * Wo * x.itemsize):
        cols = backend.im2col_gemm(x[rows], kernel_size, params.stride, params.padding,
                                   params.dilation, (Ho, Wo))
        n = cols.shape[3]
        cols = cols.reshape(G, K, n * Ho * Wo)
        grad_by_channel = grad_output[rows].transpose(1, 0, 2, 3).reshape(G, Og, n * Ho * Wo)
        for g in range(G):
            grad_weight[g] += grad_by_channel[g] @ cols[g].T
    return grad_weight.reshape(O, C // G, kh, kw)


# ---------------------------------------------------------------------------- autograd Functions
def _crop_to(tensor: Tensor, size) -> Tensor:
    """``tensor`` (N, C, h, w) cut to its first ``size = (H, W)`` rows and columns (differentiable)."""
    if tuple(tensor.shape[2:]) == tuple(size):
        return tensor
    return tensor[:, :, :size[0], :size[1]]


def _add_bias(out, bias):
    """out (N, O, Ho, Wo) += bias (O,) array, in place; None adds nothing."""
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


def _array_of(tensor: Tensor | None):
    return None if tensor is None else tensor._array


def _bias_grad(grad_output: Tensor) -> Tensor:
    """db (O,) = dy (N, O, Ho, Wo) summed over all but the channels, as a matrix-vector product.

    dy (N*O, Ho*Wo) @ ones runs in BLAS (on every core), several times faster than NumPy's
    ``sum(axis=(0, 2, 3))``; it is built of Tensor operations, so it stays differentiable.
    """
    if overrides.active and not is_grad_enabled():  # your kernel, where no graph of it is built
        swapped = overrides.conv2d_bias_grad(grad_output.backend, grad_output._array)
        if swapped is not NotImplemented:
            return grad_output._new(swapped)
    N, O, Ho, Wo = grad_output.shape
    per_image = grad_output.reshape(N * O, Ho * Wo) @ grad_output.new_ones((Ho * Wo,))
    return per_image.reshape(N, O).sum(0)


class Conv2d(Function):
    """y = conv2d(x, W) + b on arrays; backward from :class:`ConvTranspose2d` and :class:`Conv2dWeightGrad`.

    Shapes: x (N, C, H, W), weight (O, C/G, kh, kw), bias (O,) or None -> y (N, O, Ho, Wo).
    """

    returns_new_arrays = True

    @staticmethod
    def forward(ctx, input, weight, bias, params):  # noqa: A002 - PyTorch's name
        ctx.save_for_backward(input, weight)
        ctx.params = params
        return conv2d_array(input.backend, input._array, weight._array, params, _array_of(bias))

    @staticmethod
    def backward(ctx, grad_output):
        input, weight = ctx.saved_tensors  # noqa: A001
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # dx = col2im(W^T · dy), cropped: a transposed convolution
            grad_input = ConvTranspose2d.apply(grad_output, weight, None, ctx.params,
                                               tuple(input.shape[2:]))
        if ctx.needs_input_grad[1]:  # dW = dy · cols^T, summed over the batch
            grad_weight = Conv2dWeightGrad.apply(input, grad_output, tuple(weight.shape[2:]), ctx.params)
        if ctx.needs_input_grad[2]:  # db = dy summed over everything but the channels
            grad_bias = _bias_grad(grad_output)
        return grad_input, grad_weight, grad_bias, None


class ConvTranspose2d(Function):
    """y = conv_transpose2d(x, W) + b, the input gradient of :class:`Conv2d` as an operation.

    Shapes: x (N, C, H, W), weight (C, O/G, kh, kw), bias (O,) or None -> y (N, O, Hout, Wout),
    with (Hout, Wout) = ``output_size`` given by the caller.
    """

    returns_new_arrays = True

    @staticmethod
    def forward(ctx, input, weight, bias, params, output_size):  # noqa: A002
        ctx.save_for_backward(input, weight)
        ctx.params = params
        out = conv_transpose2d_array(input.backend, input._array, weight._array, params, output_size)
        return _add_bias(out, _array_of(bias))

    @staticmethod
    def backward(ctx, grad_output):
        input, weight = ctx.saved_tensors  # noqa: A001
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # the adjoint of the adjoint: a convolution
            grad_input = _crop_to(Conv2d.apply(grad_output, weight, None, ctx.params), input.shape[2:])
        if ctx.needs_input_grad[1]:  # roles swapped: dy is the "image", x the "output gradient"
            grad_weight = Conv2dWeightGrad.apply(grad_output, input, tuple(weight.shape[2:]), ctx.params)
        if ctx.needs_input_grad[2]:
            grad_bias = _bias_grad(grad_output)
        return grad_input, grad_weight, grad_bias, None, None


class Conv2dWeightGrad(Function):
    """dW = sum over the batch of dy · im2col(x)^T: the weight gradient of :class:`Conv2d`.

    It is bilinear in (x, dy), so its own derivatives are convolutions with the incoming
    weight-shaped gradient ``ddW``: d(x) = ConvTranspose2d(dy, ddW), d(dy) = Conv2d(x, ddW).
    Shapes: x (N, C, H, W), grad_output (N, O, Ho, Wo) -> (O, C/G, kh, kw).
    """

    returns_new_arrays = True

    @staticmethod
    def forward(ctx, input, grad_output, kernel_size, params):  # noqa: A002
        ctx.save_for_backward(input, grad_output)
        ctx.params = params
        return conv2d_weight_grad_array(input.backend, input._array, grad_output._array, kernel_size,
                                        params)

    @staticmethod
    def backward(ctx, grad_grad_weight):
        input, grad_output = ctx.saved_tensors  # noqa: A001
        grad_input = grad_grad_output = None
        if ctx.needs_input_grad[0]:
            grad_input = ConvTranspose2d.apply(grad_output, grad_grad_weight, None, ctx.params,
                                               tuple(input.shape[2:]))
        if ctx.needs_input_grad[1]:
            grad_grad_output = _crop_to(Conv2d.apply(input, grad_grad_weight, None, ctx.params),
                                        grad_output.shape[2:])
        return grad_input, grad_grad_output, None, None


class Im2col(Function):
    """cols (N, C*kh*kw, L) of an image (N, C, H, W); its backward is :class:`Col2im`."""

    @staticmethod
    def forward(ctx, input, kernel_size, params):  # noqa: A002
        N, C, H, W = input.shape
        ctx.image_size, ctx.kernel_size, ctx.params = (H, W), kernel_size, params
        out_size = conv_output_size((H, W), kernel_size, params)
        cols = unfold_array(input.backend, input._array, kernel_size, params, out_size)
        return cols.reshape(N, C * kernel_size[0] * kernel_size[1], out_size[0] * out_size[1])

    @staticmethod
    def backward(ctx, grad_output):
        return Col2im.apply(grad_output, ctx.image_size, ctx.kernel_size, ctx.params), None, None


class Col2im(Function):
    """The image (N, C, H, W) that sums cols (N, C*kh*kw, L) back; its backward is :class:`Im2col`."""

    @staticmethod
    def forward(ctx, input, image_size, kernel_size, params):  # noqa: A002
        ctx.kernel_size, ctx.params = kernel_size, params
        (kh, kw), (N, CK, _) = kernel_size, input.shape
        Ho, Wo = conv_output_size(image_size, kernel_size, params)
        cols = input._array.reshape(N, CK // (kh * kw), kh, kw, Ho, Wo)
        return fold_array(input.backend, cols, image_size, params)

    @staticmethod
    def backward(ctx, grad_output):
        return Im2col.apply(grad_output, ctx.kernel_size, ctx.params), None, None, None


# ---------------------------------------------------------------------------- argument parsing
_CONV2D_SIGNATURES = (
    " * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of ints "
    "padding = 0, tuple of ints dilation = 1, int groups = 1)\n"
    " * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str padding = "
    '"valid", tuple of ints dilation = 1, int groups = 1)\n'
)


def _type_name(value) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def _as_int(value):
    """``value`` as an int if PyTorch's parser would take it as one (not a bool, not a float), else None."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _as_int_tuple(value, size: int = 2):
    """An int becomes ``(value,) * size``; a sequence of ints is kept as given; else None."""
    single = _as_int(value)
    if single is not None:
        return (single,) * size
    if isinstance(value, (tuple, list)):
        items = [_as_int(v) for v in value]
        if all(i is not None for i in items):
            return tuple(items)
    return None


def _int_tuple_or_raise(value, fn: str, name: str, position: int | None = None):
    """Like :func:`_as_int_tuple`, raising PyTorch's TypeError for anything else."""
    parsed = _as_int_tuple(value)
    if parsed is not None:
        return parsed
    where = f"argument '{name}'" + (f" (position {position})" if position else "")
    if isinstance(value, (tuple, list)):
        bad = next(i for i, v in enumerate(value) if _as_int(v) is None)
        raise TypeError(f"{fn}(): {where} must be tuple of ints, but found element of type "
                        f"{type(value[bad]).__name__} at pos {bad}")
    raise TypeError(f"{fn}(): {where} must be tuple of ints, not {type(value).__name__}")


def _expand_param(value: tuple, name: str, spatial_dims: int) -> tuple:
    """A 1-element list broadcasts; otherwise it must have one value per spatial dimension."""
    if len(value) == 1:
        return value * spatial_dims
    if len(value) != spatial_dims:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {spatial_dims} values to "
            f"match the convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _batchify(input: Tensor, fn: str):  # noqa: A002
    """A 3-D (C, H, W) input as a batch of one; other ranks are refused."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to {fn}, but got input of size: "
            f"{list(input.shape)}"
        )
    return (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)


def _check_same_type(input: Tensor, other: Tensor, what: str) -> None:  # noqa: A002
    """Device, then dtype, of ``other`` (weight or bias) against the input's."""
    if other.device != input.device:
        raise RuntimeError(
            f"Input type ({input.type_name()}) and {what} type ({other.type_name()}) should be the "
            f"same (input on {input.device}, {what} on {other.device})"
        )
    if other.dtype is not input.dtype:
        raise RuntimeError(
            f"expected scalar type {SCALAR_NAMES.get(input.dtype.name, input.dtype.name)} but found "
            f"{SCALAR_NAMES.get(other.dtype.name, other.dtype.name)}"
        )


def _check_bias_dtype(input: Tensor, bias: Tensor | None) -> None:  # noqa: A002
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({CPP_NAMES.get(input.dtype.name, input.dtype.name)}) and bias type "
            f"({CPP_NAMES.get(bias.dtype.name, bias.dtype.name)}) should be the same"
        )


def _check_shape_forward(x: Tensor, weight: Tensor, bias, stride, padding, dilation, groups,
                         output_padding=None) -> None:
    """PyTorch's ``_convolution`` and ``check_shape_forward`` checks, in PyTorch's order.

    ``padding`` is (top, bottom, left, right); ``output_padding`` is None for a convolution.
    """
    transposed = output_padding is not None
    weight_shape = list(weight.shape)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if transposed and any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if weight.ndim != x.ndim:
        raise RuntimeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{weight_shape}, but got {x.ndim}-dimensional input of size {list(x.shape)} instead"
        )
    if weight.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
            f"weight of size {weight_shape} instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [{weight_shape}] instead"
        )
    if not transposed:
        channels, bias_size, prefix = weight.shape[1] * groups, weight.shape[0], f"Given groups={groups}, "
    else:
        channels, bias_size, prefix = weight.shape[0], weight.shape[1] * groups, "Given transposed=1, "
    if x.shape[1] != channels:
        raise RuntimeError(
            f"{prefix}weight of size {weight_shape}, expected input{list(x.shape)} to have {channels} "
            f"channels, but got {x.shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != bias_size):
        prefix = "Given transposed=1, " if transposed else "Given "
        raise RuntimeError(
            f"{prefix}weight of size {weight_shape}, expected bias to be 1-dimensional with "
            f"{bias_size} elements, but got bias of size {list(bias.shape)} instead"
        )
    (kh, kw), (H, W), (dh, dw) = weight.shape[2:], x.shape[2:], dilation
    if not transposed:
        padded = (H + padding[0] + padding[1], W + padding[2] + padding[3])
        dilated = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
        if padded[0] < dilated[0] or padded[1] < dilated[1]:
            raise RuntimeError(
                f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
                f"({dilated[0]} x {dilated[1]}). Kernel size can't be greater than actual input size"
            )
        if 0 in dilation:
            if 0 in (kh, kw):
                raise RuntimeError(f"kernel size should be greater than zero, but got {[kh, kw]}")
            raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if kh <= 0 or kw <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: {kw}"
        )
    empty_input = x.shape[0] == 0 or x.shape[1] == 0
    if x.numel() == 0 and not empty_input:
        raise RuntimeError(
            "Only zero batch or zero channel inputs are supported, but got input shape: "
            f"{list(x.shape)}"
        )
    if transposed:
        if dh <= 0 or dw <= 0:
            raise RuntimeError(
                f"dilation should be greater than zero, but got dilation_height: {dh}, "
                f"dilation_width: {dw}"
            )
        (oph, opw), (sh, sw) = output_padding, stride
        if not ((opw < sw or opw < dw) and (oph < sh or oph < dh)):
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding_height: {oph} output_padding_width: {opw} stride_height: {sh} "
                f"stride_width: {sw} dilation_height: {dh} dilation_width: {dw}"
            )
        if weight.numel() == 0:
            raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {weight_shape}")


# ---------------------------------------------------------------------------- public functions
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
           dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation (no kernel flip), PyTorch's ``F.conv2d``.

    Shapes: input (N, C, H, W) or unbatched (C, H, W); weight (O, C/groups, kh, kw); bias (O,) or
    None; output (N, O, Ho, Wo) with ``Ho = (H + 2*padding - dilation*(kh-1) - 1) // stride + 1``.
    ``stride``, ``padding`` and ``dilation`` take an int or a pair (a 1-element list broadcasts);
    ``padding`` may also be ``'valid'`` (none) or ``'same'`` (output as big as the input, stride 1
    only; an odd total pad puts the extra row/column at the bottom/right). Bad arguments raise
    PyTorch's RuntimeError (TypeError for floats, bools and other non-int arguments).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> F.conv2d(x, w)[0, 0, 0]
    tensor([34., 44., 54.])
    >>> F.conv2d(x, w, padding="same").shape
    minitorch_conv.Size([1, 1, 4, 4])
    """
    string_padding = isinstance(padding, str)
    parsed = [_as_int_tuple(v) for v in (stride, dilation)]
    parsed_padding = None if string_padding else _as_int_tuple(padding)
    if (not isinstance(input, Tensor) or not isinstance(weight, Tensor)
            or not (bias is None or isinstance(bias, Tensor)) or None in parsed
            or (not string_padding and parsed_padding is None) or _as_int(groups) is None):
        got = ", ".join(_type_name(v) for v in (input, weight, bias, stride, padding, dilation, groups))
        raise TypeError(
            f"conv2d() received an invalid combination of arguments - got ({got}), but expected one "
            f"of:\n{_CONV2D_SIGNATURES}"
        )
    (stride, dilation), groups = parsed, _as_int(groups)
    if not string_padding:
        _check_bias_dtype(input, bias)
    x, unbatched = _batchify(input, "conv2d")
    if string_padding and padding not in ("same", "valid"):
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    if weight.ndim <= 2:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    spatial_dims = weight.ndim - 2
    if padding == "same":
        if weight.ndim != x.ndim:
            raise RuntimeError(
                f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight"
                f"{list(weight.shape)}, but got {x.ndim}-dimensional input of size {list(x.shape)} "
                "instead"
            )
        for name, value in (("stride", stride), ("dilation", dilation)):
            if len(value) not in (1, spatial_dims):
                raise RuntimeError(f"{name} cannot broadcast to {spatial_dims} dimensions")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        stride, dilation = _expand_param(stride, "stride", 2), _expand_param(dilation, "dilation", 2)
        pads = []
        for d, k in zip(dilation, weight.shape[2:]):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]  # the smaller half first (top, left)
        padding4 = tuple(pads)
    else:
        stride = _expand_param(stride, "stride", spatial_dims)
        pair = _expand_param((0, 0) if string_padding else parsed_padding, "padding", spatial_dims)
        dilation = _expand_param(dilation, "dilation", spatial_dims)
        padding4 = tuple(p for p in pair for _ in range(2))  # (ph, ph, pw, pw)
    _check_shape_forward(x, weight, bias, stride, padding4, dilation, groups)
    if x.shape[0] and x.shape[1]:
        _check_same_type(x, weight, "weight")
        if bias is not None:
            _check_bias_dtype(x, bias)
    params = ConvParams(tuple(stride), padding4, tuple(dilation), groups)
    if x.shape[1] == 0:  # PyTorch's quirk: an input with no channels gives an output with none
        Ho, Wo = conv_output_size(x.shape[2:], weight.shape[2:], params)
        out = x.sum((2, 3), keepdim=True).expand(x.shape[0], 0, Ho, Wo)
    else:
        out = NotImplemented
        if overrides.active:  # your autograd Function (mt.backends.override("conv2d_function", ...))
            out = overrides.conv2d_function(x, weight, bias, params)
        if out is NotImplemented:
            out = Conv2d.apply(x, weight, bias, params)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution, PyTorch's ``F.conv_transpose2d``: the input gradient of conv2d.

    Shapes: input (N, C, H, W) or (C, H, W); weight (C, O/groups, kh, kw); bias (O,) or None;
    output (N, O, Hout, Wout) with
    ``Hout = (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1``.
    ``output_padding`` (smaller than the stride or the dilation) adds rows/columns at the bottom
    and right, to pick one of the input sizes a strided convolution maps to the same output size.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x, w = mt.ones(1, 1, 2, 2), mt.ones(1, 1, 2, 2)
    >>> F.conv_transpose2d(x, w)[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    >>> F.conv_transpose2d(x, w, stride=2, output_padding=1).shape
    minitorch_conv.Size([1, 1, 5, 5])
    """
    fn = "conv_transpose2d"
    for position, (name, value) in enumerate((("input", input), ("weight", weight)), start=1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not "
                            f"{_type_name(value)}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{fn}(): argument 'bias' (position 3) must be Tensor, not {_type_name(bias)}")
    stride = _int_tuple_or_raise(stride, fn, "stride")
    padding = _int_tuple_or_raise(padding, fn, "padding")
    output_padding = _int_tuple_or_raise(output_padding, fn, "output_padding")
    if _as_int(groups) is None:
        raise TypeError(f"{fn}(): argument 'groups' must be int, not {_type_name(groups)}")
    groups = _as_int(groups)
    dilation = _int_tuple_or_raise(dilation, fn, "dilation")
    x, unbatched = _batchify(input, fn)
    if weight.ndim <= 2:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    spatial_dims = weight.ndim - 2
    stride = _expand_param(stride, "stride", spatial_dims)
    padding = _expand_param(padding, "padding", spatial_dims)
    dilation = _expand_param(dilation, "dilation", spatial_dims)
    output_padding = _expand_param(output_padding, "output_padding", spatial_dims)
    padding4 = tuple(p for p in padding for _ in range(2))
    _check_shape_forward(x, weight, bias, stride, padding4, dilation, groups, output_padding)
    (H, W), (kh, kw) = x.shape[2:], weight.shape[2:]
    output_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
                        zip((H, W), stride, padding, dilation, (kh, kw), output_padding))
    if output_size[0] < 1 or output_size[1] < 1:
        raise RuntimeError(
            f"Given input size per channel: ({H} x {W}). Calculated output size per channel: "
            f"({output_size[0]} x {output_size[1]}). Output size is too small"
        )
    if x.shape[0] and x.shape[1]:
        _check_same_type(x, weight, "weight")
        if bias is not None:
            _check_same_type(x, bias, "bias")
    params = ConvParams(tuple(stride), padding4, tuple(dilation), groups)
    out = ConvTranspose2d.apply(x, weight, bias, params, output_size)
    return out.squeeze(0) if unbatched else out


def _fold_args(fn: str, names_values, first_position: int):
    """kernel_size, dilation, ... each as a pair (PyTorch's ``_pair`` then a length check)."""
    pairs = []
    for offset, (name, value) in enumerate(names_values):
        value = value if isinstance(value, (tuple, list)) else (value, value)
        parsed = _int_tuple_or_raise(value, fn, name, first_position + offset)
        if len(parsed) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(parsed)}")
        pairs.append(parsed)
    return pairs


def _check_positive(kind: str, pair) -> None:
    first, second = {"kernel size": ("kernel_height", "kernel_width"),
                     "dilation": ("dilation_height", "dilation_width"),
                     "stride": ("stride_height", "stride_width"),
                     "padding": ("pad_height", "pad_width")}[kind]
    bad = pair[0] < 0 or pair[1] < 0 if kind == "padding" else pair[0] <= 0 or pair[1] <= 0
    if bad:
        need = "be non-negative" if kind == "padding" else "be greater than zero"
        raise RuntimeError(f"{kind} should {need}, but got {first}: {pair[0]} {second}: {pair[1]}")


def im2col(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Every kernel-sized patch of ``input`` as a column, PyTorch's ``F.unfold``.

    input (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L), L = Ho*Wo patches in row-major order; the
    rows run over (c, i, j) with the kernel offset (i, j) fastest. Zero padding is applied first.
    Differentiable: its backward is :func:`col2im`, its adjoint.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.unfold(x, kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    fn = "im2col"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
    kernel_size, dilation, padding, stride = _fold_args(
        fn, (("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
             ("stride", stride)), 2)
    _check_positive("kernel size", kernel_size)
    _check_positive("dilation", dilation)
    _check_positive("padding", padding)
    _check_positive("stride", stride)
    if input.ndim < 3:
        rank = max(input.ndim, 1)  # PyTorch reads input.size(rank) before checking the rank
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         f"but got {rank})")
    batched = input.ndim == 4
    if input.ndim not in (3, 4) or 0 in input.shape[1 if batched else 0:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {list(input.shape)}"
        )
    x = input if batched else input.unsqueeze(0)
    params = ConvParams(tuple(stride), tuple(p for p in padding for _ in range(2)), tuple(dilation))
    Ho, Wo = conv_output_size(x.shape[2:], kernel_size, params)
    if Ho < 1 or Wo < 1:
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size="
            f"({kernel_size[0]}, {kernel_size[1]}), dilation=({dilation[0]}, {dilation[1]}), padding="
            f"({padding[0]}, {padding[1]}), calculated shape of the array of sliding blocks as "
            f"({Ho}, {Wo}), but its components must be at least one."
        )
    out = Im2col.apply(x, tuple(kernel_size), params)
    return out if batched else out.squeeze(0)


def col2im(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Sum columns back into an image, PyTorch's ``F.fold``: the adjoint of :func:`im2col`.

    input (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W), ``(H, W) = output_size``. Where patches
    overlap, their entries add up, so ``col2im(im2col(x))`` is ``x`` times how many patches
    cover each pixel. Differentiable: its backward is :func:`im2col`.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.fold(mt.ones(1, 4, 4), output_size=(3, 3), kernel_size=2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    fn = "col2im"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {_type_name(input)}")
    output_size, kernel_size, dilation, padding, stride = _fold_args(
        fn, (("output_size", output_size), ("kernel_size", kernel_size), ("dilation", dilation),
             ("padding", padding), ("stride", stride)), 2)
    _check_positive("kernel size", kernel_size)
    _check_positive("stride", stride)
    _check_positive("dilation", dilation)
    _check_positive("padding", padding)
    batched = input.ndim == 3
    if input.ndim not in (2, 3) or 0 in input.shape[1 if batched else 0:]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
            f"dimensions for input, but got: {list(input.shape)}"
        )
    cols = input if batched else input.unsqueeze(0)
    (kh, kw), (H, W) = kernel_size, output_size
    if cols.shape[1] % (kh * kw):
        dim = 1 if batched else 0
        raise RuntimeError(
            f"Expected size of input's dimension {dim} to be divisible by the product of kernel_size, "
            f"but got input.size({dim})={cols.shape[1]} and kernel_size=({kh}, {kw})."
        )
    params = ConvParams(tuple(stride), tuple(p for p in padding for _ in range(2)), tuple(dilation))
    Ho, Wo = conv_output_size((H, W), (kh, kw), params)
    if cols.shape[2] != Ho * Wo:
        dim = 2 if batched else 1
        raise RuntimeError(
            f"Given output_size=({H}, {W}), kernel_size=({kh}, {kw}), dilation=({dilation[0]}, "
            f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), "
            f"expected size of input's dimension {dim} to match the calculated number of sliding "
            f"blocks {Ho} * {Wo} = {Ho * Wo}, but got input.size({dim})={cols.shape[2]}."
        )
    if Ho < 1 or Wo < 1:
        raise RuntimeError(
            f"Given output_size=({H}, {W}), kernel_size=({kh}, {kw}), dilation=({dilation[0]}, "
            f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), "
            f"calculated shape of the array of sliding blocks as ({Ho}, {Wo}), which is invalid."
        )
    out = Col2im.apply(cols, (H, W), (kh, kw), params)
    return out if batched else out.squeeze(0)


unfold = im2col
fold = col2im
