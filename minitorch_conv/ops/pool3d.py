"""3-D (volumetric) pooling: ``max_pool3d``, ``avg_pool3d``, ``adaptive_avg_pool3d`` and
``adaptive_max_pool3d`` (with their ``_with_indices`` forms), PyTorch's windows, indices and errors.

- ``avg_pool3d`` is a sum of 2-D window sums: for each depth tap t, the depth slices its windows
  read, folded into the batch, go through ``avg_pool2d`` with a divisor of 1 (``ops/pool.py``),
  and the kD sums add up; then PyTorch's divisor. Gradients of any order come from the 2-D pool.
- ``max_pool3d`` finds each window's maximum on arrays (PyTorch's rule: the first valid position
  in row-major order, then any strictly larger value or a NaN), and reads the values with a
  ``gather`` at those indices, whose backward (a scatter-add) is PyTorch's.
- ``adaptive_avg_pool3d`` averages one axis at a time (``ops/pool.py``'s AdaptiveMeanFunction);
  ``adaptive_max_pool3d`` searches one axis at a time (``ops/adaptive_max_pool.py``), then gathers.

Notation: x (N, C, D, H, W) or (C, D, H, W); window kD x kH x kW, stride (sd, sh, sw), padding
(pd, ph, pw), dilation (dd, dh, dw); output (Do, Ho, Wo); indices are flat into D*H*W.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.max_pool3d(mt.arange(8.0).reshape(1, 2, 2, 2), 2)
tensor([[[[7.]]]])
"""

from __future__ import annotations

import itertools

from .._arguments import check_size, convert, parse_args
from ..autograd.function import named_as
from ..backends.dtypes import check_storage
from ..tensor import Tensor
from ._util import scalar_type_name
from .adaptive_max_pool import _argmax_along
from .pad import pad
from .pool import AdaptiveMeanFunction, avg_pool2d
from .pool1d import _output_length

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "avg_pool3d",
           "max_pool3d", "max_pool3d_with_indices"]


def _three(value, fn: str, name: str, allowed: str) -> tuple:
    """An ``int[3]`` argument as a triple: an int (or a 1-tuple) thrice; other lengths are
    PyTorch's RuntimeError."""
    if value.__class__ is int:
        return (value,) * 3
    if len(value) == 1:
        return tuple(value) * 3
    if len(value) != 3:
        raise RuntimeError(f"{fn}: {name} must {allowed}, or a tuple of three ints")
    return tuple(value)


def _geometry(input: Tensor, fn: str, kernel_size, stride, padding, dilation, ceil_mode,  # noqa: A002
              divisor_override=None, max_pool: bool = True):
    """PyTorch's argument checks, in its order; ``(k, s, p, d, out)`` triples."""
    either = "either " if max_pool else ""
    k = _three(kernel_size, fn, "kernel_size", f"{either}be a single int")
    s = k if stride is None or stride == () else _three(stride, fn, "stride",
                                                        f"{either}be omitted, a single int")
    p = _three(padding, fn, "padding", f"{either}be a single int")
    d = _three(dilation, fn, "dilation", "be either a single int") if max_pool else (1, 1, 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    sizes = tuple(input.shape[-3:])
    out = tuple(_output_length(n, *a, ceil_mode) for n, a in zip(sizes, zip(k, p, s, d)))
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} "
                           f"kW: {k[2]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {s[0]} dH: {s[1]} dW: {s[2]}")
    if min(d) <= 0:
        raise RuntimeError("dilation should be greater than zero, but got "
                           f"dilationT: {d[0]} dilationH: {d[1]} dilationW: {d[2]}")
    kernel = "max_pool3d_with_indices_out_cpu_template" if max_pool else "avg_pool3d"
    for dim in range(input.dim() - 4, input.dim()):
        if dim >= 0 and input.shape[dim] <= 0 and (dim > 0 or input.dim() == 4):
            raise RuntimeError(f"{kernel}(): Expected input's non-batch dimensions to have positive length, "
                               f"but input has a shape of {list(input.shape)} and non-batch dimension "
                               f"{input.shape[dim]} has length zero!")
    if not max_pool and any(n < kk for n, kk in zip(sizes, k)):
        raise RuntimeError(f"input image (T: {sizes[0]} H: {sizes[1]} W: {sizes[2]}) smaller than kernel "
                           f"size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"kT: {k[0]} kW: {k[2]} kH: {k[1]} padT: {p[0]} padW: {p[2]} padH: {p[1]}")
    if min(out) < 1:
        channels = input.shape[-4]
        raise RuntimeError(f"Given input size: ({channels}x{'x'.join(map(str, sizes))}). Calculated output "
                           f"size: ({channels}x{'x'.join(map(str, out))}). Output size is too small")
    return k, s, p, d, out


# ----------------------------------------------------------------------------------------- average
def _divisor(xp, dtype, sizes, k, s, p, out, count_include_pad: bool, divisor_override):
    """Each output position's divisor (Do, Ho, Wo), as PyTorch's kernel computes it: the window
    clipped to the padded input (count_include_pad) or to the input itself."""
    if divisor_override:
        return xp.asarray(divisor_override, dtype=dtype)
    counts = []
    for n, kk, ss, pp, o in zip(sizes, k, s, p, out):
        start = xp.arange(o) * ss - pp
        end = xp.minimum(start + kk, n + pp)
        counts.append(end - start if count_include_pad else xp.minimum(end, n) - xp.maximum(start, 0))
    return (counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None, :]).astype(dtype)


@parse_args("Tensor input, int[3] kernel_size, int[3]? stride, int[3] padding, bool ceil_mode, "
            "bool count_include_pad, int? divisor_override")
def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean over each ``kernel_size`` window, PyTorch's ``F.avg_pool3d``.

    input (N, C, D, H, W) or (C, D, H, W) -> (N, C, Do, Ho, Wo), each output size
    ``(size + 2*padding - kernel_size) // stride + 1`` (rounded up with ``ceil_mode``); ``stride``
    defaults to ``kernel_size``; padding counts as zeros, and in the divisor unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor. An int64 input gives
    the integer mean rounded toward zero, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.avg_pool3d(mt.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[3.5000]]]]])
    >>> F.avg_pool3d(mt.ones(1, 2, 2, 2), 2, padding=1, count_include_pad=False)
    tensor([[[[1., 1.],
              [1., 1.]],
    <BLANKLINE>
             [[1., 1.],
              [1., 1.]]]])
    """
    k, s, p, _, out = _geometry(input, "avg_pool3d", kernel_size, stride, padding, 1, ceil_mode,
                                divisor_override, max_pool=False)
    if input.dtype.name != "int64" and not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"avg_pool3d_out_frame\" not implemented for "
                                  f"'{scalar_type_name(input.dtype)}'")
    unbatched = input.dim() == 4
    x = input.unsqueeze(0) if unbatched else input
    N, C, D, H, W = x.shape
    Do = out[0]
    reach = (Do - 1) * s[0] + k[0]  # how deep the windows reach into the padded input (ceil mode: past it)
    x = pad(x, (0, 0, 0, 0, p[0], max(reach - D - p[0], 0)))
    total = None
    for t in range(k[0]):
        slices = x[:, :, t:t + s[0] * (Do - 1) + 1:s[0]].transpose(1, 2).reshape(N * Do, C, H, W)
        sums = avg_pool2d(slices, k[1:], s[1:], p[1:], ceil_mode, True, 1)  # (N*Do, C, Ho, Wo)
        total = sums if total is None else total + sums
    total = total.reshape(N, Do, C, *out[1:]).transpose(1, 2)
    if unbatched:
        total = total.squeeze(0)
    div = _divisor(input.xp, total._array.dtype, (D, H, W), k, s, p, out, count_include_pad, divisor_override)
    if not input.dtype.is_floating_point:  # PyTorch's integer mean: the quotient rounded toward zero
        quotient = total._array // div
        inexact = (quotient * div != total._array) & ((total._array < 0) != (div < 0))
        return total._new(quotient + inexact)
    return named_as(total / total._new(div), "AvgPool3DBackward0")


# ----------------------------------------------------------------------------------------- maximum
def _max_indices(input: Tensor, k, s, p, d, out):  # noqa: A002
    """Flat indices (..., Do, Ho, Wo) into D*H*W of each window's pick (PyTorch's rule, see the
    module docstring), found with one vectorised pass per window offset."""
    xp, a = input.xp, input._array
    sizes = a.shape[-3:]
    low = -xp.inf if a.dtype.kind == "f" else xp.iinfo(a.dtype).min
    reach = [(o - 1) * ss + dd * (kk - 1) + 1 for o, ss, dd, kk in zip(out, s, d, k)]
    pads = [(0, 0)] * (a.ndim - 3) + [(pp, max(r - n - pp, 0)) for pp, r, n in zip(p, reach, sizes)]
    apad = xp.pad(a, pads, constant_values=low)
    starts = [xp.arange(o) * ss - pp for o, ss, pp in zip(out, s, p)]  # each window's first position
    best = xp.full(a.shape[:-3] + tuple(out), low, dtype=a.dtype)
    idx = xp.zeros(best.shape, dtype=xp.int64)
    have = xp.zeros(tuple(out), dtype=bool)  # whether a window has met a valid position yet
    for offset in itertools.product(*(range(kk) for kk in k)):
        positions = [st + o * dd for st, o, dd in zip(starts, offset, d)]  # input coordinates per axis
        valid = [(q >= 0) & (q < n) for q, n in zip(positions, sizes)]
        inside = valid[0][:, None, None] & valid[1][None, :, None] & valid[2][None, None, :]
        window = tuple(slice(o * dd, o * dd + ss * (n - 1) + 1, ss)
                       for o, dd, ss, n in zip(offset, d, s, out))
        values = apad[(...,) + window]
        better = values > best
        if a.dtype.kind == "f":
            better |= xp.isnan(values)
        better = inside & (better | ~have)
        flat = (positions[0][:, None, None] * sizes[1] + positions[1][None, :, None]) * sizes[2] + \
            positions[2][None, None, :]
        best = xp.where(better, values, best)
        idx = xp.where(better, flat, idx)
        have |= inside
    return idx


def _max_pool(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    k, s, p, d, out = _geometry(input, "max_pool3d", kernel_size, stride, padding, dilation, ceil_mode)
    if input.dtype.name == "bool":
        raise NotImplementedError("\"max_pool3d_cpu\" not implemented for 'Bool'")
    idx = _max_indices(input, k, s, p, d, out)
    shape = tuple(input.shape[:-3]) + tuple(out)
    flat = input._new(idx.reshape(shape[:-3] + (out[0] * out[1] * out[2],)))
    values = input.flatten(-3).gather(-1, flat).reshape(shape)
    return named_as(values, "MaxPool3DWithIndicesBackward0"), input._new(idx)


@parse_args("Tensor input, int[3] kernel_size, int[3]? stride, int[3] padding, int[3] dilation, "
            "bool ceil_mode, object return_indices")
def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
                            ceil_mode: bool = False, return_indices: bool = False):
    """``(max, indices)`` of each window, PyTorch's ``F.max_pool3d_with_indices`` (the indices are
    int64, flat into D*H*W; ``return_indices`` is ignored, as in PyTorch).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.max_pool3d_with_indices(mt.tensor([[[[1.0, 4.0], [3.0, 2.0]]]]), (1, 2, 2))[1]
    tensor([[[[1]]]])
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode)


@parse_args("Tensor input, int[3] kernel_size, int[3]? stride, int[3] padding, int[3] dilation, "
            "bool ceil_mode, object return_indices")  # (return_indices: any truth value, as in PyTorch)
def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum over each ``kernel_size`` window, PyTorch's ``F.max_pool3d``.

    input (N, C, D, H, W) or (C, D, H, W) -> (N, C, Do, Ho, Wo), each output size
    ``(size + 2*padding - dilation*(kernel_size-1) - 1) // stride + 1`` (rounded up with
    ``ceil_mode``); ``stride`` defaults to ``kernel_size``; padding is never picked. The gradient
    goes to each window's maximum; ``return_indices=True`` also returns its flat index into D*H*W.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(27.0).reshape(1, 3, 3, 3)
    >>> F.max_pool3d(x, 2, ceil_mode=True).flatten()
    tensor([13., 14., 16., 17., 22., 23., 25., 26.])
    >>> F.max_pool3d(x, 3, return_indices=True)[1]
    tensor([[[[26]]]])
    """
    out = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


# ---------------------------------------------------------------------------------------- adaptive
def _output_size_3d(input: Tensor, output_size, fn: str) -> tuple:  # noqa: A002
    """PyTorch's ``_list_with_default`` (None keeps the input's size), then ``int[3]``."""
    if not isinstance(output_size, int) and hasattr(output_size, "__len__"):
        if input.dim() <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        defaults = tuple(input.shape)[input.dim() - len(output_size):]
        output_size = [size if item is None else item for item, size in zip(output_size, defaults)]
    output_size = convert("int[3]", output_size, fn, "output_size", 2)
    return (output_size,) * 3 if output_size.__class__ is int else tuple(output_size)


def _check_adaptive(input: Tensor, fn: str, colon: str = "") -> None:  # noqa: A002
    if input.dim() not in (4, 5):
        raise RuntimeError(f"{fn}(): Expected 4D or 5D tensor, but got{colon} {list(input.shape)}")
    for dim in range(1, input.dim()):
        if input.shape[dim] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {dim} being empty")


@parse_args("Tensor input, object output_size")
def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``output_size`` (an int, or a triple whose None entries keep the
    input's size), PyTorch's ``F.adaptive_avg_pool3d``: output (i, j, l) averages the input over
    ``[floor(i*D/Do), ceil((i+1)*D/Do))`` x (likewise along H and W).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_avg_pool3d(mt.arange(8.0).reshape(1, 2, 2, 2), (1, None, 1)).flatten()
    tensor([2.5000, 4.5000])
    """
    size = _output_size_3d(input, output_size, "adaptive_avg_pool3d")
    if len(size) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if min(size) < 0:
        raise RuntimeError("adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{size[0]}, {size[1]},{size[2]}}}")
    if size == (1, 1, 1):  # PyTorch takes input.mean((-1, -2, -3), keepdim=True)
        if not input.dtype.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {scalar_type_name(input.dtype)}")
        return input.mean((-3, -2, -1), keepdim=True)
    _check_adaptive(input, "adaptive_avg_pool3d")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_avg_pool3d_cpu\" not implemented for "
                                  f"'{scalar_type_name(input.dtype)}'")
    od, oh, ow = size
    out = AdaptiveMeanFunction.apply(AdaptiveMeanFunction.apply(input, -1, ow), -2, oh)
    out = AdaptiveMeanFunction.apply(out.transpose(-3, -2), -2, od).transpose(-3, -2)  # depth as -2
    return named_as(out, "AdaptiveAvgPool3DBackward0")


@parse_args("Tensor input, object output_size, object return_indices")
def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """``(max, indices)`` of each adaptive window, PyTorch's ``F.adaptive_max_pool3d_with_indices``.

    The index is PyTorch's: the first maximum in row-major order, or the last NaN.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_max_pool3d_with_indices(mt.tensor([[[[1.0, 4.0], [3.0, 2.0]]]]), 1)[1]
    tensor([[[[1]]]])
    """
    size = _output_size_3d(input, output_size, "adaptive_max_pool3d")
    _check_adaptive(input, "adaptive_max_pool3d", ":")
    if len(size) != 3:
        raise RuntimeError("adaptive_max_pool3d(): internal error: output_size.size() must be 3")
    check_storage(check_size(tuple(input.shape[:-3]) + size), input.dtype)  # PyTorch's "negative dimension"
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_max_pool3d_cpu\" not implemented for "
                                  f"'{scalar_type_name(input.dtype)}'")
    xp, a = input.xp, input._array
    D, H, W = a.shape[-3:]
    od, oh, ow = size
    shape = tuple(input.shape[:-3]) + size
    if 0 in shape:
        indices = xp.zeros(shape, dtype=xp.int64)
    else:
        by_row, columns = _argmax_along(xp, a, -1, ow)  # (..., D, H, Wo)
        by_plane, rows = _argmax_along(xp, by_row, -2, oh)  # (..., D, Ho, Wo)
        _, planes = _argmax_along(xp, xp.swapaxes(by_plane, -3, -2), -2, od)  # (..., Ho, Do, Wo)
        planes = xp.swapaxes(planes, -3, -2)  # (..., Do, Ho, Wo)
        columns = xp.take_along_axis(columns, rows, axis=-2)  # each plane's pick: (..., D, Ho, Wo)
        rows = xp.take_along_axis(rows, planes, axis=-3)  # (..., Do, Ho, Wo)
        columns = xp.take_along_axis(columns, planes, axis=-3)
        indices = ((planes * H + rows) * W + columns).astype(xp.int64)
    flat = input._new(indices.reshape(shape[:-3] + (od * oh * ow,)))
    values = input.flatten(-3).gather(-1, flat).reshape(shape)
    return named_as(values, "AdaptiveMaxPool3DBackward0"), input._new(indices)


@parse_args("Tensor input, object output_size, object return_indices")
def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Max pooling to a fixed ``output_size`` (an int, or a triple whose None entries keep the
    input's size), PyTorch's ``F.adaptive_max_pool3d``; ``return_indices=True`` also returns each
    maximum's flat index into D*H*W (int64).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_max_pool3d(mt.arange(8.0).reshape(1, 2, 2, 2), (2, 1, 1)).flatten()
    tensor([3., 7.])
    """
    out = adaptive_max_pool3d_with_indices(input, output_size)
    return out if return_indices else out[0]
