"""2-D convolution: forward by im2col and one GEMM, backward by col2im and GEMMs.

Three autograd Functions, each written on arrays for its forward and each other's users for its
backward (DeZero's design), so gradients of any order come out right:

==========================  ==============================  ==========================================
Function                    forward                         backward (with respect to each input)
==========================  ==============================  ==========================================
Conv2dFunction(x, W, b)     y = W · im2col(x) + b           dx = ConvTranspose2dFunction(dy, W)
                                                            dW = Conv2dWeightGradFunction(x, dy)
                                                            db = dy.sum((0, 2, 3))
ConvTranspose2dFunction     y = col2im(W^T · x) + b         dx = Conv2dFunction(dy, W)
(x, W, b)                   (the input gradient of conv2d)  dW = Conv2dWeightGradFunction(dy, x)
Conv2dWeightGradFunction    dW = sum over the batch of      d(x)  = ConvTranspose2dFunction(dy, ddW)
(x, dy)                     dy · im2col(x)^T                d(dy) = Conv2dFunction(x, ddW)
==========================  ==============================  ==========================================

Why col2im is the input gradient: im2col is linear, and col2im is its adjoint,
``<im2col(x), c> == <x, col2im(c)>`` for every ``x`` and ``c``. The chain rule for ``y = W · cols``
hands back ``dcols = W^T · dy``, and the adjoint carries ``dcols`` back to ``dx = col2im(dcols)``:
every copy im2col made of a pixel returns its gradient to that pixel, and the copies add up.

The file reads in that order: the reference kernels on arrays (im2col, col2im, then forward, input
gradient and weight gradient, each one GEMM per group), then each Function with its public
wrapper right below it (``conv2d``, ``conv_transpose2d``, ``im2col`` and its ``F.unfold`` front
``unfold``, ``col2im`` and ``fold``), each declaring PyTorch's argument types with
``@parse_args``. Around it:

- ``ops/window.py``: the geometry (``ConvParams``, the output-size formula), shared with pooling;
- ``ops/conv_args.py``: PyTorch's value checks and messages, one checker per public function (the
  argument types are declared here, on each public function, with ``@parse_args``);
- ``ops/conv_dispatch.py``: the faster paths (depthwise and small kernels without columns, 1x1
  kernels as a plain GEMM, strided kernels that read every s-th pixel, and your own kernels from
  ``mt.backends.override``), each computing what the reference computes. Every Function hands its
  reference kernel to the dispatcher, which runs it or a faster path; ``mt.backends.explain()``
  (or ``MINITORCH_CONV_EXPLAIN=1``) prints which one ran and why.

Memory: the im2col buffer holds N*C*kh*kw*Ho*Wo elements (kh*kw copies of the input). Above
:data:`IM2COL_BUDGET_BYTES` the batch is processed in chunks, so a large batch never allocates one
huge buffer.
"""

from __future__ import annotations

from .._arguments import parse_args
from ..amp.autocast_mode import cast_inputs
from ..autograd.function import Function
from ..tensor import Tensor
from . import conv_dispatch
from .conv_args import (
    col2im_arguments,
    conv2d_arguments,
    conv_transpose2d_arguments,
    im2col_arguments,
    transposed_bias,
)
from .window import ConvParams, conv_output_size, pair

__all__ = ["Col2imFunction", "Conv2dFunction", "Conv2dWeightGradFunction", "ConvParams",
           "ConvTranspose2dFunction", "Im2colFunction", "col2im", "conv2d", "conv2d_array",
           "convolution_checked",
           "conv2d_weight_grad_array", "conv_output_size", "conv_transpose2d", "conv_transpose2d_array",
           "fold", "fold_array", "im2col", "unfold", "unfold_array"]

IM2COL_BUDGET_BYTES = 8 * 2**20
"""Largest im2col buffer (in bytes) built at once; bigger batches are processed in chunks."""
ONE_IMAGE_BYTES = 256 * 2**10
"""Columns of at least this many bytes per image are processed one image at a time."""
KEPT_COLUMNS_BYTES = 8 * 2**20
"""Columns of at most this many bytes (the whole batch's, built in one piece) are kept from the
forward for the weight gradient."""


# ---------------------------------------------------------------------------- reference kernels
# Notation (shared by every kernel below):
#   N  batch                      C  input channels         O  output channels
#   G  groups                     Cg = C / G                Og = O / G
#   H, W    input height, width   kh, kw  kernel            sh, sw  stride     dh, dw  dilation
#   pt, pb, pl, pr  zero padding top, bottom, left, right
#   Ho, Wo  output positions: Ho = (H + pt + pb - dh*(kh-1) - 1) // sh + 1   (ops/window.py)
#   K  = Cg*kh*kw   (one column of a group)       L  = Ho*Wo   (number of columns)
#   cols    (N, C, kh, kw, Ho, Wo): cols[n, c, i, j, y, x] = xpad[n, c, y*sh + i*dh, x*sw + j*dw]
#           (PyTorch's unfold layout, for im2col/col2im)
#   cols_gemm (C, kh, kw, N, Ho, Wo): the same entries with the batch inside, so that
#           cols_gemm.reshape(G, K, N*L)[g] is one plain 2-D GEMM operand per group (the conv kernels)
#   weight  (O, Cg, kh, kw) for a convolution; (C, Og, kh, kw) for a transposed one


def unfold_array(backend, x, kernel_size, params: ConvParams, out_size):
    """im2col: cols (N, C, kh, kw, Ho, Wo) of ``x`` (N, C, H, W) zero-padded by ``params.padding``."""
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
    """col2im, the adjoint of :func:`unfold_array`: cols (N, C, kh, kw, Ho, Wo) summed into (N, C, H, W)."""
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


def _batch_chunks(batch: int, bytes_per_sample: int, backend=None):
    """Slices of the batch whose im2col buffers stay within :data:`IM2COL_BUDGET_BYTES`.

    An image whose columns fill :data:`ONE_IMAGE_BYTES` is a chunk of its own: its GEMMs are wide
    enough already, and with one image the results need no transposing copy. A backend with its
    own ``im2col_budget_bytes`` (a GPU) is chunked by that budget alone.
    """
    budget = getattr(backend, "im2col_budget_bytes", None)
    if budget is None:
        if bytes_per_sample >= ONE_IMAGE_BYTES:
            return [slice(start, start + 1) for start in range(batch)]
        budget = IM2COL_BUDGET_BYTES
    per_chunk = max(1, budget // max(bytes_per_sample, 1))
    return [slice(start, min(start + per_chunk, batch)) for start in range(0, batch, per_chunk)]


def conv2d_array(backend, x, weight, params: ConvParams, bias=None, keep_columns=None):
    """Forward: y (N, O, Ho, Wo) = weight (Og, K) @ cols_gemm (K, N*L) per group, + bias (O,).

    cols_gemm is the (C, kh, kw, N, Ho, Wo) column layout, so each group's operand is a plain 2-D
    matrix (K, N*L) and the whole batch goes through one GEMM; its (Og, N*L) result is turned back
    to (N, Og, Ho, Wo). The weight gradient dW = dy · cols^T needs the same columns: given a list
    ``keep_columns``, the columns are appended to it when the whole batch's fit one chunk of at
    most :data:`KEPT_COLUMNS_BYTES`, for backward to reuse instead of building them again.
    """
    xp = backend.xp
    N, C, H, W = x.shape
    O, Cg, kh, kw = weight.shape
    G = params.groups
    Ho, Wo = conv_output_size((H, W), (kh, kw), params)
    K, Og = Cg * kh * kw, O // G
    w = weight.reshape(G, Og, K)
    out = xp.empty((N, O, Ho, Wo), dtype=x.dtype)
    chunks = _batch_chunks(N, C * kh * kw * Ho * Wo * x.itemsize, backend)
    for rows in chunks:
        cols = backend.im2col_gemm(x[rows], (kh, kw), params.stride, params.padding, params.dilation,
                                   (Ho, Wo))
        if keep_columns is not None and len(chunks) == 1 and cols.nbytes <= KEPT_COLUMNS_BYTES:
            keep_columns.append(cols)
        n = cols.shape[3]
        cols = cols.reshape(G, K, n * Ho * Wo)
        # one image: its (O, Ho*Wo) result is already out[image]'s layout, so the GEMM writes there
        y = out[rows.start].reshape(O, Ho * Wo) if n == 1 else xp.empty((O, n * Ho * Wo), dtype=x.dtype)
        for g in range(G):
            xp.matmul(w[g], cols[g], out=y[g * Og:(g + 1) * Og])
        if n == 1:
            if bias is not None:
                y += bias.reshape(O, 1)
        elif bias is None:
            out[rows] = y.reshape(O, n, Ho, Wo).transpose(1, 0, 2, 3)
        else:  # the copy that puts the batch first adds the bias on its way (one pass, not two)
            xp.add(y.reshape(O, n, Ho, Wo).transpose(1, 0, 2, 3), bias.reshape(1, O, 1, 1), out=out[rows])
    return out


def conv_transpose2d_array(backend, x, weight, params: ConvParams, output_size):
    """Input gradient: y (N, Og*G, Hout, Wout) = col2im(weight^T (K, Cg) @ x (Cg, N*H*W)), per group.

    Here ``x`` plays the role of a convolution's output gradient dy: C = weight.shape[0] channels
    in, Og*G out, and the input positions (H, W) are the columns.
    """
    xp = backend.xp
    N, C, H, W = x.shape
    _, Og, kh, kw = weight.shape
    G = params.groups
    O, Cg, K = Og * G, C // G, Og * kh * kw
    top_left = (params.padding[0], params.padding[2])
    w_t = weight.reshape(G, Cg, K).transpose(0, 2, 1)
    chunks = _batch_chunks(N, O * kh * kw * H * W * x.itemsize, backend)
    out = xp.empty((N, O, *output_size), dtype=x.dtype) if len(chunks) != 1 else None
    for rows in chunks:
        n = len(range(*rows.indices(N)))
        x_by_channel = x[rows].transpose(1, 0, 2, 3).reshape(G, Cg, n * H * W)
        cols = xp.empty((G, K, n * H * W), dtype=x.dtype)
        for g in range(G):
            xp.matmul(w_t[g], x_by_channel[g], out=cols[g])
        image = backend.col2im_gemm(cols.reshape(O, kh, kw, n, H, W), output_size, params.stride,
                                    top_left, params.dilation)
        if out is None:  # the whole batch in one chunk: col2im's image is the result
            return image
        out[rows] = image
    return out


def conv2d_weight_grad_array(backend, x, grad_output, kernel_size, params: ConvParams, columns=None):
    """Weight gradient: dW (O, Cg, kh, kw) = grad_output (Og, N*L) @ cols_gemm (K, N*L)^T per group.

    The columns are taken at grad_output's positions (Ho, Wo), which may be fewer than the image
    allows (the transposed convolution's weight gradient uses this). ``columns``: the whole
    batch's, when the forward kept them (:func:`conv2d_array`'s ``keep_columns``).
    """
    xp = backend.xp
    N, C, _, _ = x.shape
    _, O, Ho, Wo = grad_output.shape
    kh, kw = kernel_size
    G = params.groups
    K, Og = C // G * kh * kw, O // G
    chunks = [slice(0, N)] if columns is not None else _batch_chunks(N, C * kh * kw * Ho * Wo * x.itemsize,
                                                                      backend)
    # one chunk (the usual case): its GEMMs write dW; several: their GEMMs add up
    grad_weight = (xp.empty if len(chunks) == 1 else xp.zeros)((G, Og, K), dtype=x.dtype)
    for rows in chunks:
        cols = columns if columns is not None else backend.im2col_gemm(
            x[rows], kernel_size, params.stride, params.padding, params.dilation, (Ho, Wo))
        n = cols.shape[3]
        cols = cols.reshape(G, K, n * Ho * Wo)
        grad_by_channel = grad_output[rows].transpose(1, 0, 2, 3).reshape(G, Og, n * Ho * Wo)
        for g in range(G):
            if len(chunks) == 1:
                xp.matmul(grad_by_channel[g], cols[g].T, out=grad_weight[g])
            else:
                grad_weight[g] += grad_by_channel[g] @ cols[g].T
    return grad_weight.reshape(O, C // G, kh, kw)


def bias_grad(grad_output: Tensor) -> Tensor:
    """Bias gradient: db (O,) = dy (N, O, Ho, Wo) summed over everything but the channels."""
    return grad_output.sum((0, 2, 3))


def _add_bias(out, bias):
    """out (N, O, Ho, Wo) += bias (O,) array, in place; None adds nothing."""
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


# ---------------------------------------------------------------------------- autograd Functions
def _crop_to(tensor: Tensor, size) -> Tensor:
    """``tensor`` (N, C, h, w) cut to its first ``size = (H, W)`` rows and columns (differentiable)."""
    if tuple(tensor.shape[2:]) == tuple(size):
        return tensor
    return tensor[:, :, :size[0], :size[1]]


def _array_of(tensor: Tensor | None):
    return None if tensor is None else tensor._array


class Conv2dFunction(Function):
    """y = conv2d(x, W) + b; backward from :class:`ConvTranspose2dFunction` and
    :class:`Conv2dWeightGradFunction`.

    Shapes: x (N, C, H, W), weight (O, C/G, kh, kw), bias (O,) or None -> y (N, O, Ho, Wo).
    """

    returns_new_arrays = True  # (engine.fresh_grad: a leaf may keep the result without a copy)
    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, input, weight, bias, params):  # noqa: A002 - PyTorch's name
        ctx.save_for_backward(input, weight)
        ctx.params = params
        ctx.columns = [] if ctx.needs_input_grad[1] else None  # im2col's, kept for dW if small
        return conv_dispatch.conv2d(conv2d_array, input.backend, input._array, weight._array, params,
                                    _array_of(bias), keep_columns=ctx.columns)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight = ctx.saved_tensors  # noqa: A001
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # dx = col2im(W^T · dy), cropped: a transposed convolution
            grad_input = ConvTranspose2dFunction.apply(grad_output, weight, None, ctx.params,
                                                       tuple(input.shape[2:]))
        if ctx.needs_input_grad[1]:  # dW = dy · cols^T, summed over the batch
            columns, ctx.columns = ctx.columns, None  # once: a second backward builds its own
            grad_weight = Conv2dWeightGradFunction.apply(input, grad_output, tuple(weight.shape[2:]),
                                                         ctx.params, columns or None)
        if ctx.needs_input_grad[2]:  # db = dy summed over everything but the channels
            grad_bias = conv_dispatch.conv2d_bias_grad(bias_grad, grad_output)
        return grad_input, grad_weight, grad_bias, None


# PyTorch's two conv2d signatures (padding as ints or as a string), listed in its TypeError
_CONV2D_OVERLOADS = (
    "Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] dilation=1, "
    "int groups=1",
    'Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, str padding="valid", '
    "int[2] dilation=1, int groups=1",
)


@parse_args("Tensor input, Tensor weight, Tensor? bias, int[2] stride, int[2]|str padding, int[2] dilation, "
            "int groups", overloads=_CONV2D_OVERLOADS)
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
           dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation (no kernel flip), PyTorch's ``F.conv2d``.

    Shapes: input (N, C, H, W) or unbatched (C, H, W); weight (O, C/groups, kh, kw); bias (O,) or
    None; output (N, O, Ho, Wo) with ``Ho = (H + 2*padding - dilation*(kh-1) - 1) // stride + 1``.
    ``stride``, ``padding`` and ``dilation`` take an int or a pair (a 1-element list broadcasts);
    ``padding`` may also be ``'valid'`` (none) or ``'same'`` (output as big as the input, stride 1
    only; an odd total pad puts the extra row/column at the bottom/right). Bad values raise
    PyTorch's RuntimeError; floats, bools and other non-ints PyTorch's TypeError, which lists its
    two signatures.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> F.conv2d(x, w)[0, 0, 0]
    tensor([34., 44., 54.])
    >>> F.conv2d(x, w, padding="same").shape
    minitorch_conv.Size([1, 1, 4, 4])
    """
    x, unbatched, params = conv2d_arguments(input, weight, bias, stride, padding, dilation, groups)
    out = convolution_checked(x, weight, bias, params)
    return out.squeeze(0) if unbatched else out


def convolution_checked(x: Tensor, weight: Tensor, bias: Tensor | None, params: ConvParams) -> Tensor:
    """conv2d on arguments already checked: x (N, C, H, W), weight (O, C/G, kh, kw) -> (N, O, Ho, Wo).

    (``conv1d`` calls it on its (N, C, 1, L) views.)
    """
    x, weight, bias = cast_inputs("lower", x, weight, bias)  # under autocast
    if x.shape[1] == 0:  # PyTorch's quirk: an input with no channels gives an output with none
        Ho, Wo = conv_output_size(x.shape[2:], weight.shape[2:], params)
        return x.sum((2, 3), keepdim=True).expand(x.shape[0], 0, Ho, Wo)
    out = conv_dispatch.conv2d_function(x, weight, bias, params)  # your Function, if overridden
    if out is NotImplemented:
        out = Conv2dFunction.apply(x, weight, bias, params)
    return out


class ConvTranspose2dFunction(Function):
    """y = conv_transpose2d(x, W) + b, the input gradient of :class:`Conv2dFunction` as an operation.

    Shapes: x (N, C, H, W), weight (C, O/G, kh, kw), bias (O,) or None -> y (N, O, Hout, Wout),
    with (Hout, Wout) = ``output_size`` given by the caller.
    """

    returns_new_arrays = True
    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, input, weight, bias, params, output_size):  # noqa: A002
        ctx.save_for_backward(input, weight)
        ctx.params = params
        out = conv_dispatch.conv2d_input_grad(conv_transpose2d_array, input.backend, input._array,
                                              weight._array, params, output_size)
        return _add_bias(out, _array_of(bias))

    @staticmethod
    def backward(ctx, grad_output):
        input, weight = ctx.saved_tensors  # noqa: A001
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:  # the adjoint of the adjoint: a convolution
            grad_input = _crop_to(Conv2dFunction.apply(grad_output, weight, None, ctx.params),
                                  input.shape[2:])
        if ctx.needs_input_grad[1]:  # roles swapped: dy is the "image", x the "output gradient"
            grad_weight = Conv2dWeightGradFunction.apply(grad_output, input, tuple(weight.shape[2:]),
                                                         ctx.params)
        if ctx.needs_input_grad[2]:
            grad_bias = conv_dispatch.conv2d_bias_grad(bias_grad, grad_output)
        return grad_input, grad_weight, grad_bias, None, None


@parse_args("Tensor input, Tensor weight, Tensor? bias, int[2] stride, int[2] padding, "
            "int[2] output_padding, int groups, int[2] dilation")
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
    x, unbatched, params, output_size = conv_transpose2d_arguments(
        input, weight, bias, stride, padding, output_padding, groups, dilation)
    out = ConvTranspose2dFunction.apply(x, weight, transposed_bias(x, bias), params, output_size)
    return out.squeeze(0) if unbatched else out


class Conv2dWeightGradFunction(Function):
    """dW = sum over the batch of dy · im2col(x)^T: the weight gradient of :class:`Conv2dFunction`.

    It is bilinear in (x, dy), so its own derivatives are convolutions with the incoming
    weight-shaped gradient ``ddW``: d(x) = ConvTranspose2dFunction(dy, ddW),
    d(dy) = Conv2dFunction(x, ddW). Shapes: x (N, C, H, W), grad_output (N, O, Ho, Wo) ->
    (O, C/G, kh, kw).
    """

    returns_new_arrays = True
    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, input, grad_output, kernel_size, params, columns=None):  # noqa: A002
        ctx.save_for_backward(input, grad_output)
        ctx.params = params
        return conv_dispatch.conv2d_weight_grad(conv2d_weight_grad_array, input.backend, input._array,
                                                grad_output._array, kernel_size, params,
                                                columns=columns[0] if columns else None)

    @staticmethod
    def backward(ctx, grad_grad_weight):
        input, grad_output = ctx.saved_tensors  # noqa: A001
        grad_input = grad_grad_output = None
        if ctx.needs_input_grad[0]:
            grad_input = ConvTranspose2dFunction.apply(grad_output, grad_grad_weight, None, ctx.params,
                                                       tuple(input.shape[2:]))
        if ctx.needs_input_grad[1]:
            grad_grad_output = _crop_to(Conv2dFunction.apply(input, grad_grad_weight, None, ctx.params),
                                        grad_output.shape[2:])
        return grad_input, grad_grad_output, None, None, None


class Im2colFunction(Function):
    """cols (N, C*kh*kw, L) of an image (N, C, H, W); its backward is :class:`Col2imFunction`."""

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, input, kernel_size, params):  # noqa: A002
        N, C, H, W = input.shape
        ctx.image_size, ctx.kernel_size, ctx.params = (H, W), kernel_size, params
        out_size = conv_output_size((H, W), kernel_size, params)
        cols = conv_dispatch.unfold(unfold_array, input.backend, input._array, kernel_size, params,
                                    out_size)
        return cols.reshape(N, C * kernel_size[0] * kernel_size[1], out_size[0] * out_size[1])

    @staticmethod
    def backward(ctx, grad_output):
        return Col2imFunction.apply(grad_output, ctx.image_size, ctx.kernel_size, ctx.params), None, None


@parse_args("Tensor input, int[2] kernel_size, int[2] dilation, int[2] padding, int[2] stride")
def im2col(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Every kernel-sized patch of ``input`` as a column (PyTorch's ``torch._C._nn.im2col``).

    input (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L), L = Ho*Wo patches in row-major order; the
    rows run over (c, i, j) with the kernel offset (i, j) fastest. Zero padding is applied first.
    Each geometry argument is an int or a sequence of two ints. Differentiable: its backward is
    :func:`col2im`, its adjoint. :func:`unfold` is the same with PyTorch's ``F.unfold`` front.

    >>> import minitorch_conv as mt
    >>> x = mt.arange(9.0).reshape(1, 1, 3, 3)
    >>> mt.nn.functional.im2col(x, 2, 1, 0, 1)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    x, batched, kernel_size, params = im2col_arguments(input, kernel_size, dilation, padding, stride)
    out = Im2colFunction.apply(x, kernel_size, params)
    return out if batched else out.squeeze(0)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Every kernel-sized patch of ``input`` as a column, PyTorch's ``F.unfold``.

    PyTorch's Python front of :func:`im2col`: each geometry argument goes through ``_pair`` (an
    iterable as a tuple, anything else twice) and then to ``im2col``, by position, so its errors
    are ``im2col``'s.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.unfold(x, kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    return im2col(input, pair(kernel_size), pair(dilation), pair(padding), pair(stride))


class Col2imFunction(Function):
    """The image (N, C, H, W) that sums cols (N, C*kh*kw, L) back; its backward is :class:`Im2colFunction`."""

    node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, input, image_size, kernel_size, params):  # noqa: A002
        ctx.kernel_size, ctx.params = kernel_size, params
        (kh, kw), (N, CK, _) = kernel_size, input.shape
        Ho, Wo = conv_output_size(image_size, kernel_size, params)
        cols = input._array.reshape(N, CK // (kh * kw), kh, kw, Ho, Wo)
        return conv_dispatch.fold(fold_array, input.backend, cols, image_size, params)

    @staticmethod
    def backward(ctx, grad_output):
        return Im2colFunction.apply(grad_output, ctx.kernel_size, ctx.params), None, None, None


@parse_args("Tensor input, int[2] output_size, int[2] kernel_size, int[2] dilation, int[2] padding, "
            "int[2] stride")
def col2im(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Sum columns back into an image (PyTorch's ``torch._C._nn.col2im``): the adjoint of :func:`im2col`.

    input (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W), ``(H, W) = output_size``. Where patches
    overlap, their entries add up, so ``col2im(im2col(x))`` is ``x`` times how many patches
    cover each pixel. Each size argument is an int or a sequence of two ints. Differentiable: its
    backward is :func:`im2col`. :func:`fold` is the same with PyTorch's ``F.fold`` front.

    >>> import minitorch_conv as mt
    >>> mt.nn.functional.col2im(mt.ones(1, 4, 4), 3, 2, 1, 0, 1)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    cols, batched, image_size, kernel_size, params = col2im_arguments(
        input, output_size, kernel_size, dilation, padding, stride)
    out = Col2imFunction.apply(cols, image_size, kernel_size, params)
    return out if batched else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Sum columns back into an image, PyTorch's ``F.fold``: the adjoint of :func:`unfold`.

    PyTorch's Python front of :func:`col2im`: each size argument goes through ``_pair`` and then
    to ``col2im``, by position, so its errors are ``col2im``'s.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.fold(mt.ones(1, 4, 4), output_size=(3, 3), kernel_size=2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    return col2im(input, pair(output_size), pair(kernel_size), pair(dilation), pair(padding), pair(stride))
