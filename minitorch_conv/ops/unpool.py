"""Max unpooling, the partial inverse of max pooling: ``F.max_unpool1d``, ``F.max_unpool2d``, and
``F.max_pool2d_with_indices``, whose indices they take (what pooling autoencoders use).

Notation: x (N, C, Hi, Wi) the pooled values (or (C, Hi, Wi)); indices the same shape, each the flat
position ``h * Wo + w`` its maximum came from in the (Ho, Wo) plane; out (N, C, Ho, Wo) zeros except
``out.flat[plane, indices] = x``. A 1-D signal (N, C, L) is the image (N, C, L, 1), as PyTorch does.

Unpooling writes each value to its index (a scatter; where two indices repeat, the last write
wins, as in PyTorch's CPU kernel); its gradient reads each index back (a gather), and that
gather's gradient is the unpooling again, so derivatives of every order work.
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import check_same_device, scalar_type_name
from .pool import max_pool2d

__all__ = ["max_pool2d_with_indices", "max_unpool1d", "max_unpool2d"]


class MaxUnpool2D(Function):
    """out (..., Ho, Wo) zeros, ``out.flat[plane, indices] = x``: x (..., Hi, Wi); ``indices``
    its array, flat positions into Ho*Wo."""

    @staticmethod
    def forward(ctx, x, indices, size):
        xp = x.xp
        lead = x.shape[:-2]
        ctx.indices, ctx.in_shape = indices, x.shape
        out = xp.zeros(lead + (size[0] * size[1],), dtype=x._array.dtype)
        if x._array.size:
            xp.put_along_axis(out, indices.reshape(lead + (-1,)), x._array.reshape(lead + (-1,)), axis=-1)
        return out.reshape(lead + tuple(size))

    @staticmethod
    def backward(ctx, grad):
        return MaxUnpoolGather.apply(grad, ctx.indices, ctx.in_shape), None, None


class MaxUnpoolGather(Function):
    """The adjoint of :class:`MaxUnpool2D`: ``grad.flat[plane, indices]``, shaped as the input."""

    node_name = "MaxUnpool2DBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, indices, in_shape):
        lead = grad.shape[:-2]
        ctx.indices, ctx.size = indices, grad.shape[-2:]
        flat = grad._array.reshape(lead + (-1,))
        return grad.xp.take_along_axis(flat, indices.reshape(lead + (-1,)), axis=-1).reshape(in_shape)

    @staticmethod
    def backward(ctx, grad):
        return MaxUnpool2D.apply(grad, ctx.indices, ctx.size), None, None


def _unpool_output_size(input: Tensor, kernel_size, stride, padding, output_size) -> list:  # noqa: A002
    """PyTorch's ``_unpool_output_size``: the default size, or ``output_size`` (its last two or
    one entries) checked to lie within a stride of it."""
    default = [(input.shape[-len(kernel_size) + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(len(kernel_size))]
    if output_size is None:
        size = default
    else:
        output_size = list(output_size)
        if len(output_size) == len(kernel_size) + 2:
            output_size = output_size[2:]
        if len(output_size) != len(kernel_size):
            raise ValueError(f"output_size should be a sequence containing {len(kernel_size)} or "
                             f"{len(kernel_size) + 2} elements, but it has a length of '{len(output_size)}'")
        for d in range(len(kernel_size)):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(f'invalid output_size "{_shown(output_size)}" (dim {d} must be between '
                                 f"{low} and {high})")
        size = output_size
    for d in range(len(kernel_size)):
        if size[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial dimensions, "
                             f"but got output_size[{d}]={size[d]}")
    return [int(s) for s in size]


def _shown(size) -> str:
    return str(tuple(size))


def _tuple(value, n: int) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    return tuple(value)


def _unpool(input: Tensor, indices: Tensor, size) -> Tensor:  # noqa: A002
    """PyTorch's ``max_unpool2d`` (the ATen op): its checks, then :class:`MaxUnpool2D`."""
    check_same_device(input, indices)
    if indices.dtype.name != "int64":
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{scalar_type_name(indices.dtype)}")
    if len(size) != 2:
        raise RuntimeError(f"There should be exactly two elements (height, width) in output_size, but got "
                           f"{len(size)} elements.")
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.dim() not in (3, 4):
        raise RuntimeError("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
                           f"{input.dim()} dimensions.")
    for d in range(1, input.dim()):
        if input.shape[d] <= 0:
            raise RuntimeError("max_unpooling2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got {list(input.shape)} with dimension {d} being empty.")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"max_unpool2d\" not implemented for '{scalar_type_name(input.dtype)}'")
    oh, ow = size
    xp = input.xp
    index = indices._array
    bad = (index < 0) | (index >= oh * ow)
    if bool(bad.any()):
        first = int(index.reshape(-1)[int(xp.argmax(bad.reshape(-1)))])
        raise RuntimeError(f"Found an invalid max index: {first} (output volumes are of size {oh}x{ow}")
    return MaxUnpool2D.apply(input, index, (oh, ow))


@parse_args("Tensor input, Tensor indices, int[2] kernel_size, int[2]? stride, int[2] padding, "
            "int[]? output_size")
def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None) -> Tensor:
    """The partial inverse of :func:`max_pool2d`: each value put back where ``indices`` (from
    ``max_pool2d(..., return_indices=True)``) says its maximum was, zeros elsewhere.

    input and indices (N, C, Hi, Wi) or (C, Hi, Wi) -> (N, C, Ho, Wo), ``Ho = (Hi - 1) * stride -
    2 * padding + kernel_size`` unless ``output_size`` (within a stride of that) says otherwise.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    >>> F.max_unpool2d(pooled, indices, 2)
    tensor([[[[0., 0.],
              [4., 0.]]]])
    """
    kernel_size = _tuple(kernel_size, 2)
    stride = kernel_size if stride is None else _tuple(stride, 2)
    padding = _tuple(padding, 2)
    size = _unpool_output_size(input, kernel_size, stride, padding, output_size)
    return _unpool(input, indices, size)


@parse_args("Tensor input, Tensor indices, int[1] kernel_size, int[1]? stride, int[1] padding, "
            "int[]? output_size")
def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None) -> Tensor:
    """The partial inverse of :func:`max_pool1d` (see :func:`max_unpool2d`): input and indices
    (N, C, Li) or (C, Li) -> (N, C, Lo), ``Lo = (Li - 1) * stride - 2 * padding + kernel_size``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> pooled, indices = F.max_pool1d(mt.tensor([[[1.0, 3.0, 5.0, 2.0]]]), 2, return_indices=True)
    >>> F.max_unpool1d(pooled, indices, 2)
    tensor([[[0., 3., 5., 0.]]])
    """
    kernel_size = _tuple(kernel_size, 1)
    stride = kernel_size if stride is None else _tuple(stride, 1)
    padding = _tuple(padding, 1)
    size = _unpool_output_size(input, kernel_size, stride, padding, output_size) + [1]
    return _unpool(input.unsqueeze(-1), indices.unsqueeze(-1), size).squeeze(-1)


@parse_args("Tensor input, int[2] kernel_size, int[2]? stride, int[2] padding, int[2] dilation, "
            "bool ceil_mode, object return_indices")
def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
                            ceil_mode: bool = False, return_indices: bool = False):
    """``(max, indices)`` of each window: :func:`max_pool2d` with ``return_indices=True``, whatever
    ``return_indices`` says (PyTorch's ``F.max_pool2d_with_indices``).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.max_pool2d_with_indices(mt.arange(16.0).reshape(1, 1, 4, 4), 2)[1]
    tensor([[[[ 5,  7],
              [13, 15]]]])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)
