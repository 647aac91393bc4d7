"""Adaptive max pooling: ``adaptive_max_pool2d`` and ``adaptive_max_pool1d`` (and their
``_with_indices`` forms), PyTorch's windows and its choice of index.

Output position (i, j) takes the maximum over rows ``[floor(i*H/Ho), ceil((i+1)*H/Ho))`` and columns
``[floor(j*W/Wo), ceil((j+1)*W/Wo))`` (windows of different sizes, which may overlap). The index is
PyTorch's: scanning the window in row-major order, the first maximum, or, where the window holds
a NaN, the last NaN (its kernel keeps ``val > max || isnan(val)``).

The search is separable, on arrays: along the width every row's window maximum and its column
(first maximum, last NaN), then along the height the row among those (the same rule), which is
the row-major answer. The values are then a ``gather`` of the input at the indices, whose backward
(a scatter-add into zeros, where windows overlap the gradients add) is PyTorch's.

Notation: x (..., H, W) with ... = (N, C) or (C,); out positions (Ho, Wo); along one axis of
``size`` positions and ``out`` windows, window o covers ``[start_o, end_o)``, at most ``longest``
positions; taps (out, longest) = start_o + t, masked past end_o.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.adaptive_max_pool2d(mt.arange(16.0).reshape(1, 4, 4), 2, return_indices=True)
(tensor([[[ 5.,  7.],
         [13., 15.]]]), tensor([[[ 5,  7],
         [13, 15]]]))
"""

from __future__ import annotations

from .._arguments import check_size, convert, parse_args
from ..autograd.function import named_as
from ..backends.dtypes import check_storage
from ..tensor import Tensor
from ._util import scalar_type_name
from .pool1d import _check_1d, _check_dim_range, _one

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d",
           "adaptive_max_pool2d_with_indices"]


def _argmax_along(xp, a, axis: int, out: int):
    """(values, positions) of PyTorch's pick in each adaptive window of ``a`` along ``axis`` (-1 or
    -2): ``values`` (the picked entries) and ``positions`` (their index along ``axis``) have ``out``
    along ``axis``."""
    size = a.shape[axis]
    position = xp.arange(out)
    starts, ends = (position * size) // out, -((-(position + 1) * size) // out)
    longest = int((ends - starts).max()) if out else 0
    taps = starts[:, None] + xp.arange(longest)[None, :]  # (out, longest)
    inside = taps < ends[:, None]
    picked = xp.take(a, xp.minimum(taps, size - 1), axis=axis)  # (..., out, longest[, W])
    tap_axis = -1 if axis == -1 else -2  # where the ``longest`` taps sit in ``picked``
    mask = inside if axis == -1 else inside[:, :, None]
    nan = xp.isnan(picked) & mask
    low = xp.asarray(-xp.inf, dtype=a.dtype)
    numbers = xp.where(mask & ~nan, picked, low)
    first_max = xp.argmax(numbers, axis=tap_axis)
    last_nan = longest - 1 - xp.argmax(xp.flip(nan, axis=tap_axis), axis=tap_axis)
    k = xp.where(nan.any(axis=tap_axis), last_nan, first_max)  # (..., out[, W])
    start = starts if axis == -1 else starts[:, None]
    chosen = start + k
    values = xp.take_along_axis(picked, xp.expand_dims(k, tap_axis), axis=tap_axis)
    return xp.squeeze(values, axis=tap_axis), chosen


def _indices_2d(xp, a, oh: int, ow: int):
    """Flat indices (..., Ho, Wo) into H*W of PyTorch's pick in each window of ``a`` (..., H, W)."""
    H, W = a.shape[-2:]
    row_max, columns = _argmax_along(xp, a, -1, ow)  # (..., H, Wo) each
    _, rows = _argmax_along(xp, row_max, -2, oh)  # (..., Ho, Wo)
    return rows * W + xp.take_along_axis(columns, rows, axis=-2)


def _check_adaptive_max_pool2d(input: Tensor, output_size: tuple, fn: str = "adaptive_max_pool2d"):  # noqa: A002
    ndim = input.dim()
    if ndim not in (3, 4):
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    for i in range(1, ndim):
        if input.shape[i] <= 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {list(input.shape)} with dimension {i} being empty")
    if len(output_size) != 2:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be 2")
    shape = tuple(input.shape[:-2]) + tuple(output_size)
    check_storage(check_size(shape), input.dtype)  # PyTorch's "negative dimension" error
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_max_pool2d\" not implemented for "
                                  f"'{scalar_type_name(input.dtype)}'")
    return shape


def _pool(input: Tensor, output_size: tuple):  # noqa: A002
    """(values, indices) of a checked input (..., H, W) pooled to ``output_size``."""
    shape = _check_adaptive_max_pool2d(input, output_size)
    xp, (oh, ow) = input.xp, output_size
    if input.numel() == 0 or oh * ow == 0:
        indices = xp.zeros(shape, dtype=xp.int64)
    else:
        indices = _indices_2d(xp, input._array, oh, ow).astype(xp.int64)
    flat = indices.reshape(shape[:-2] + (oh * ow,))
    values = input.flatten(-2).gather(-1, input._new(flat)).reshape(shape)
    return named_as(values, "AdaptiveMaxPool2DBackward0"), input._new(indices)


def _output_size_2d(input: Tensor, output_size):  # noqa: A002
    """PyTorch's ``_list_with_default``: None keeps the input's size; then ``int[2]``."""
    if not isinstance(output_size, int):
        if input.dim() <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        defaults = tuple(input.shape)[-len(output_size):]
        output_size = [d if v is None else v for v, d in zip(output_size, defaults)]
    output_size = convert("int[2]", output_size, "adaptive_max_pool2d", "output_size", 2)
    return (output_size, output_size) if output_size.__class__ is int else tuple(output_size)


@parse_args("Tensor input, object output_size, object return_indices")
def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """``(max, indices)`` of each adaptive window, PyTorch's ``F.adaptive_max_pool2d_with_indices``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_max_pool2d_with_indices(mt.tensor([[[1.0, 4.0, 2.0]]]), (1, 2))[1]
    tensor([[[1, 1]]])
    """
    return _pool(input, _output_size_2d(input, output_size))


@parse_args("Tensor input, object output_size, object return_indices")
def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Max pooling to a fixed ``output_size`` (an int, or a pair whose None entries keep the
    input's size), PyTorch's ``F.adaptive_max_pool2d``.

    input (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo); with ``return_indices=True`` also each
    maximum's flat index into H*W (int64). The gradient goes to those elements.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_max_pool2d(mt.arange(12.0).reshape(1, 3, 4), (2, None))
    tensor([[[ 4.,  5.,  6.,  7.],
             [ 8.,  9., 10., 11.]]])
    """
    out = _pool(input, _output_size_2d(input, output_size))
    return out if return_indices else out[0]


@parse_args("Tensor input, int[1] output_size, object return_indices")
def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """``(max, indices)`` of each adaptive window, PyTorch's ``F.adaptive_max_pool1d_with_indices``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_max_pool1d_with_indices(mt.tensor([[[1.0, 4.0, 2.0, 3.0, 0.0]]]), 2)
    (tensor([[[4., 3.]]]), tensor([[[1, 3]]]))
    """
    _check_dim_range(input, "adaptive_max_pool1d")
    output_size = _one(output_size)
    _check_1d("adaptive_max_pool1d", "output_size", output_size)
    for i in range(1, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError("adaptive_max_pool1d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {i} "
                               "being empty")
    values, indices = _pool(input.unsqueeze(-2), (1, output_size[0]))
    return values.squeeze(-2), indices.squeeze(-2)


@parse_args("Tensor input, int[1] output_size, object return_indices")
def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Max pooling to a fixed length ``output_size``, PyTorch's ``F.adaptive_max_pool1d``.

    input (N, C, L) or (C, L) -> (N, C, Lo); output i is the maximum of
    ``input[..., floor(i*L/Lo) : ceil((i+1)*L/Lo)]``; ``return_indices=True`` adds its index into L.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_max_pool1d(mt.tensor([[1.0, 4.0, 2.0, 3.0, 0.0]]), 3)
    tensor([[4., 4., 3.]])
    """
    out = adaptive_max_pool1d_with_indices(input, output_size)
    return out if return_indices else out[0]
