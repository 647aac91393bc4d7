"""2-D pooling: max, average and adaptive average, as sliding windows over the image.

A pooling window slides as a convolution's kernel does (``ops/window.py`` holds the geometry both
use), but instead of a weighted sum each window gives its maximum or its mean:

===========================  =====================================  ==============================
Function                     forward                                backward
===========================  =====================================  ==============================
MaxPool2dFunction(x)         y = max over each window, and the      dx = ArgScatterFunction(dy):
                             offset of each maximum (argmax)        dy sent to each window's argmax
WindowSumFunction(x)         y = sum over each window               dx = WindowScatterFunction(dy)
(``avg_pool2d`` divides)                                            (its adjoint)
===========================  =====================================  ==============================

The max-pool backward reuses the argmax its forward recorded: no second pass over the windows.
Each backward is itself a Function whose backward is the forward's gather or sum again, so
gradients of any order work. ``adaptive_avg_pool2d`` averages one axis, then the other.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> x = mt.arange(16.0).reshape(1, 1, 4, 4).requires_grad_()
>>> F.max_pool2d(x, 2).sum().backward()
>>> x.grad[0, 0]
tensor([[0., 0., 0., 0.],
        [0., 1., 0., 1.],
        [0., 0., 0., 0.],
        [0., 1., 0., 1.]])
"""

from __future__ import annotations

from .. import backends
from .._arguments import convert, parse_args
from ..autograd.function import Function, named_as
from ..autograd.grad_mode import is_grad_enabled
from ..backends.dtypes import allocation_error, check_storage
from ..tensor import Tensor
from ._util import scalar_type_name
from .elementwise import quiet
from .window import output_length

__all__ = ["adaptive_avg_pool2d", "avg_pool2d", "max_pool2d"]


# Notation (shared by the pooling kernels below):
#   N  batch     C  channels     H, W  input height, width      kh, kw  window
#   sh, sw  stride   ph, pw  padding   dh, dw  dilation   Ho, Wo  output height, width
#   xpad  (N, C, Hp, Wp): the input with ph/pw on each side (and, in ceil mode, enough extra on
#         the bottom/right for the last window); window offset (i, j) of every output position is
#         the strided slice  xpad[:, :, i*dh : i*dh + sh*(Ho-1) + 1 : sh, j*dw : ... : sw]
# A pooling pass is kh*kw vectorised slice operations, never a Python loop over pixels.


def _two(value, fn: str, name: str, allowed: str = "either be a single int") -> tuple[int, int]:
    """An ``int[2]`` argument as the parser left it (an int, or a tuple of ints) as a pair; a tuple
    of one int counts twice, and a length other than one or two is PyTorch's RuntimeError."""
    if value.__class__ is int:
        return value, value
    if len(value) == 1:
        return value[0], value[0]
    if len(value) != 2:
        raise RuntimeError(f"{fn}: {name} must {allowed}, or a tuple of two ints")
    return value


class PoolGeometry:
    """Where every pooling window sits; see the notation block above."""

    def __init__(self, shape, kernel_size, stride, padding, dilation, ceil_mode, name):
        self.kh, self.kw = _two(kernel_size, name, "kernel_size")
        self.sh, self.sw = (self.kh, self.kw) if stride is None or stride == () else _two(
            stride, name, "stride", "either be omitted, a single int")
        self.ph, self.pw = _two(padding, name, "padding")
        self.dh, self.dw = _two(dilation, name, "dilation", "be either a single int")
        if len(shape) not in (3, 4):
            raise RuntimeError(
                f"{name}: Expected 3D or 4D (batch mode) tensor for input, but got input of size "
                f"{list(shape)}"
            )
        if min(self.kh, self.kw) <= 0:
            raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                               f"{(self.kh, self.kw)}")
        if min(self.sh, self.sw) <= 0:
            raise RuntimeError(f"{name}: stride must be greater than zero, but got "
                               f"{(self.sh, self.sw)}")
        if min(self.dh, self.dw) <= 0:
            raise RuntimeError(f"{name}: dilation must be greater than zero, but got "
                               f"{(self.dh, self.dw)}")
        if min(self.ph, self.pw) < 0 or self.ph > self.kh // 2 or self.pw > self.kw // 2:
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got "
                f"pad={(self.ph, self.pw)}, kernel_size={(self.kh, self.kw)}"
            )
        if 0 in shape[1:] or len(shape) == 3 and shape[0] == 0:  # only the batch may be empty
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(shape)}")
        self.H, self.W = shape[-2:]
        self.Ho = output_length(self.H, self.kh, self.sh, self.ph, self.ph, self.dh, ceil_mode)
        self.Wo = output_length(self.W, self.kw, self.sw, self.pw, self.pw, self.dw, ceil_mode)
        if self.Ho <= 0 or self.Wo <= 0:
            raise RuntimeError(
                f"{name}: Given input size: ({', '.join(map(str, shape[-3:]))}). Calculated output "
                f"size: ({shape[-3]}x{self.Ho}x{self.Wo}). Output size is too small"
            )
        # the padded extent the windows reach (ceil mode may reach past the right padding)
        self.Hp = max(self.H + 2 * self.ph, (self.Ho - 1) * self.sh + self.dh * (self.kh - 1) + 1)
        self.Wp = max(self.W + 2 * self.pw, (self.Wo - 1) * self.sw + self.dw * (self.kw - 1) + 1)

    def windows(self):
        """``(k, index)`` for each window offset k = i*kw + j: the slice of xpad it reads."""
        for i in range(self.kh):
            for j in range(self.kw):
                hs, ws = i * self.dh, j * self.dw
                yield i * self.kw + j, (..., slice(hs, hs + self.sh * (self.Ho - 1) + 1, self.sh),
                                        slice(ws, ws + self.sw * (self.Wo - 1) + 1, self.sw))

    def pad(self, x, value):
        xp = _array_module(x)
        if (self.Hp, self.Wp) == (self.H, self.W):
            return x
        out = xp.full(x.shape[:-2] + (self.Hp, self.Wp), value, dtype=x.dtype)
        out[..., self.ph:self.ph + self.H, self.pw:self.pw + self.W] = x
        return out

    def crop(self, xpad):
        return xpad[..., self.ph:self.ph + self.H, self.pw:self.pw + self.W]

    def output_shape(self, shape):
        return tuple(shape[:-2]) + (self.Ho, self.Wo)

    def divisor(self, xp, dtype, count_include_pad: bool, divisor_override):
        """Each output position's averaging divisor (Ho, Wo), as PyTorch computes it."""
        if divisor_override:
            return xp.asarray(divisor_override, dtype=dtype)

        def counts(n_out, size, k, s, p):
            start = xp.arange(n_out) * s - p
            end = xp.minimum(start + k, size + p)
            full = end - start
            clipped = xp.minimum(end, size) - xp.maximum(start, 0)
            return full if count_include_pad else clipped

        ch = counts(self.Ho, self.H, self.kh, self.sh, self.ph)
        cw = counts(self.Wo, self.W, self.kw, self.sw, self.pw)
        return (ch[:, None] * cw[None, :]).astype(dtype)


def _array_module(array):
    return backends.backend_of_array(array).xp


class WindowSumFunction(Function):
    """out[..., y, x] = sum of the window at (y, x). Linear; its adjoint is WindowScatterFunction."""

    @staticmethod
    def forward(ctx, x, geom):
        ctx.geom = geom
        xpad = geom.pad(x._array, 0)
        out = x.xp.zeros(geom.output_shape(x.shape), dtype=x._array.dtype)
        for _, window in geom.windows():
            out += xpad[window]
        return out

    @staticmethod
    def backward(ctx, grad):
        return WindowScatterFunction.apply(grad, ctx.geom), None


class WindowScatterFunction(Function):
    """Add each output-position value back onto every input element of its window."""

    @staticmethod
    def forward(ctx, grad, geom):
        ctx.geom = geom
        shape = tuple(grad.shape[:-2]) + (geom.Hp, geom.Wp)
        out = grad.xp.zeros(shape, dtype=grad._array.dtype)
        for _, window in geom.windows():
            out[window] += grad._array
        return grad.xp.ascontiguousarray(geom.crop(out))

    @staticmethod
    def backward(ctx, grad):
        return WindowSumFunction.apply(grad, ctx.geom), None


@parse_args("Tensor input, int[2] kernel_size, int[2]? stride, int[2] padding, bool ceil_mode, "
            "bool count_include_pad, int? divisor_override")
def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean over each ``kernel_size`` window (zero padding; PyTorch's divisor rules).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.avg_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    if input.dim() < 3:  # PyTorch reads input.size(-3) once the arguments' lengths are checked
        _two(kernel_size, "avg_pool2d", "kernel_size")
        if stride is not None and stride != ():
            _two(stride, "avg_pool2d", "stride", "either be omitted, a single int")
        _two(padding, "avg_pool2d", "padding")
        if divisor_override is not None and divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        if input.dim() == 0:
            raise IndexError("Dimension specified as -3 but tensor has no dimensions")
        rank = input.dim()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                         "but got -3)")
    geom = PoolGeometry(tuple(input.shape), kernel_size, stride, padding, 1, ceil_mode,
                         "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:  # (a negative divisor is accepted)
        raise RuntimeError("divisor must be not zero")
    div = geom.divisor(input.xp, input._array.dtype, count_include_pad, divisor_override)
    total = WindowSumFunction.apply(input, geom)
    if not input.dtype.is_floating_point:  # PyTorch's integer mean: the quotient rounded toward zero
        quotient = total._array // div
        inexact = (quotient * div != total._array) & ((total._array < 0) != (div < 0))
        return total._new(quotient + inexact)
    return named_as(total / input._new(div), "AvgPool2DBackward0")


def _max_windows(arr, geom: PoolGeometry, backend):
    """(max of each window, offset k of the first maximum); NaN wins, the last NaN where there are
    several, as in PyTorch.

    The backend's kernel where it has one (Numba on the CPU: one pass, 5x faster); else:

    One pass over the windows, each a strided view: compare, keep the larger in place, and record
    where it came from. NaN handling costs extra passes, so it runs only when a NaN is present.
    Masked writes (``copyto(..., where=)``, ``idx[mask] = k``) cost 5x an arithmetic pass here, so
    the maximum is ``maximum(out=)`` (which lets NaN win) and the offset ``idx += better*(k - idx)``.
    """
    xp = _array_module(arr)
    low = -xp.inf if arr.dtype.kind == "f" else xp.iinfo(arr.dtype).min
    xpad = geom.pad(arr, low)
    fast = backend.max_pool_windows(xpad, (geom.kh, geom.kw), (geom.sh, geom.sw), (geom.dh, geom.dw),
                                    (geom.Ho, geom.Wo))
    if fast is not None:
        return fast
    nan_present = arr.dtype.kind == "f" and bool(xp.isnan(arr).any())
    best = idx = None
    for k, window in geom.windows():
        values = xpad[window]
        if best is None:
            best, idx = values.copy(), xp.zeros(values.shape, dtype=xp.int32)
            continue
        better = values > best
        if nan_present:
            better |= xp.isnan(values)  # a later NaN replaces an earlier one: the last NaN wins
        xp.maximum(best, values, out=best)  # where values == best the stored value is the same
        idx += better * (k - idx)
    return best, idx


class MaxPool2dFunction(Function):
    """The largest element of each window; the gradient goes to the window's (first) argmax."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, geom):
        best, idx = _max_windows(x._array, geom, x.backend)
        ctx.geom, ctx.idx = geom, idx
        ctx.input = x._array if backends.overrides.active else None  # for a max-pool backward of yours
        return best

    @staticmethod
    def backward(ctx, grad):
        if ctx.input is not None and backends.overrides.active and not is_grad_enabled():
            swapped = backends.overrides.max_pool2d_backward(grad.backend, ctx.input, grad._array, ctx.geom)
            if swapped is not NotImplemented:  # your max-pool backward (mt.backends.override)
                return grad._new(swapped), None
        return ArgScatterFunction.apply(grad, ctx.geom, ctx.idx), None


@parse_args("Tensor input, int[2] kernel_size, int[2]? stride, int[2] padding, int[2] dilation, "
            "bool ceil_mode, object return_indices")  # (return_indices: any truth value, as in PyTorch)
def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum over each ``kernel_size`` window; the gradient goes to each window's argmax.

    ``input`` is (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``; padding counts
    as -inf. With ``return_indices=True`` also returns each maximum's flat index into H*W.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    geom = PoolGeometry(tuple(input.shape), kernel_size, stride, padding, dilation, ceil_mode,
                         "max_pool2d")
    out = MaxPool2dFunction.apply(input, geom)
    if not return_indices:
        return out
    if out.grad_fn is not None:
        idx = out.grad_fn.ctx.idx
    else:
        idx = _max_windows(input._array, geom, input.backend)[1]
    xp = input.xp
    i, j = idx // geom.kw, idx % geom.kw
    rows = xp.arange(geom.Ho)[:, None] * geom.sh - geom.ph + i * geom.dh
    cols = xp.arange(geom.Wo)[None, :] * geom.sw - geom.pw + j * geom.dw
    return out, input._new((rows * geom.W + cols).astype(xp.int64))


class ArgScatterFunction(Function):
    """Send each output position's value to the input element its window picked (idx)."""

    @staticmethod
    def forward(ctx, grad, geom, idx):
        ctx.geom, ctx.idx = geom, idx
        xp, g = grad.xp, grad._array
        out = grad.backend.max_pool_scatter(g, idx, (geom.kh, geom.kw), (geom.sh, geom.sw),
                                            (geom.dh, geom.dw), (geom.Hp, geom.Wp))
        if out is not None:
            return xp.ascontiguousarray(geom.crop(out))
        out = xp.zeros(tuple(grad.shape[:-2]) + (geom.Hp, geom.Wp), dtype=g.dtype)
        picked = xp.empty(g.shape, dtype=g.dtype)
        for k, window in geom.windows():
            xp.multiply(g, idx == k, out=picked)
            out[window] += picked
        return xp.ascontiguousarray(geom.crop(out))

    @staticmethod
    def backward(ctx, grad):
        return ArgGatherFunction.apply(grad, ctx.geom, ctx.idx), None, None


class ArgGatherFunction(Function):
    """Read, for each output position, the input element its window picked (idx)."""

    @staticmethod
    def forward(ctx, x, geom, idx):
        ctx.geom, ctx.idx = geom, idx
        xp = x.xp
        xpad = geom.pad(x._array, 0)
        out = xp.zeros(idx.shape, dtype=x._array.dtype)
        for k, window in geom.windows():
            out = xp.where(idx == k, xpad[window], out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return ArgScatterFunction.apply(grad, ctx.geom, ctx.idx), None, None


def _adaptive_windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows of an axis: output i averages ``[floor(i*size/out),
    ceil((i+1)*size/out))``."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


class AdaptiveMeanFunction(Function):
    """y[..., i] = mean of x[..., s_i:e_i] along ``axis`` (-2 or -1): one window per output position
    (:func:`_adaptive_windows`); an empty window gives NaN. Linear; its adjoint is
    :class:`AdaptiveSpreadFunction`. Each window is summed on its own, so an inf stays in its
    windows (a product with a matrix of zero weights would turn it into NaN elsewhere).

    Notation: x (..., size) along ``axis``; y (..., out); a loop over the ``out`` output positions
    (small), each one vectorised slice."""

    @staticmethod
    def forward(ctx, x, axis: int, out: int):
        xp, a = x.xp, x._array
        size = a.shape[axis]
        shape = list(a.shape)
        shape[axis] = out
        nbytes = check_storage(tuple(shape), x.dtype)  # PyTorch's errors for a size past int64
        try:
            y = xp.empty(tuple(shape), dtype=a.dtype)
        except MemoryError:  # as PyTorch's allocator says it
            raise allocation_error(nbytes) from None
        ctx.axis, ctx.size, ctx.out = axis, size, out
        # every window at once: window i reads positions start_i + k for k < its length; the
        # positions past a shorter window's end are masked out (not multiplied by 0: inf stays)
        position = xp.arange(out)
        starts, ends = (position * size) // out, -((-(position + 1) * size) // out)
        longest = int((ends - starts).max()) if out else 0
        taps = starts[:, None] + xp.arange(longest)[None, :]  # (out, longest)
        inside = taps < ends[:, None]
        picked = xp.take(a, xp.minimum(taps, max(size - 1, 0)), axis=axis) if size else \
            xp.zeros(a.shape[:a.ndim + axis] + (out, longest) + a.shape[a.ndim + axis + 1:], dtype=a.dtype)
        mask = inside if axis == -1 else inside[:, :, None]
        with quiet(xp):  # an empty window is 0/0 = NaN, as in PyTorch, without NumPy's warning
            y[...] = xp.where(mask, picked, 0).sum(axis=axis) / (ends - starts).reshape(
                (out,) if axis == -1 else (out, 1)).astype(a.dtype)
        return y

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveSpreadFunction.apply(grad, ctx.axis, ctx.size, _adaptive_windows(ctx.size, ctx.out)), \
            None, None


class AdaptiveSpreadFunction(Function):
    """The adjoint of :class:`AdaptiveMeanFunction`: dx[..., s_i:e_i] += dy[..., i] / (e_i - s_i)
    along ``axis``, for every window i."""

    @staticmethod
    def forward(ctx, grad, axis: int, size: int, windows):
        xp, g = grad.xp, grad._array
        ctx.axis, ctx.out = axis, g.shape[axis]
        shape = list(g.shape)
        shape[axis] = size
        dx = xp.zeros(tuple(shape), dtype=g.dtype)
        for i, (start, end) in enumerate(windows):
            if end > start:
                share = xp.expand_dims(g[_index(axis, i)], axis) / (end - start)
                dx[_index(axis, slice(start, end))] += share
        return dx

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveMeanFunction.apply(grad, ctx.axis, ctx.out), None, None, None


def _index(axis: int, position) -> tuple:
    """The index that picks ``position`` (an int or a slice) along a negative ``axis``."""
    return (..., position) + (slice(None),) * (-axis - 1)


def _mean_dtype_check(input: Tensor) -> None:  # noqa: A002
    if not input.dtype.is_floating_point:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {scalar_type_name(input.dtype)}")


@parse_args("Tensor input, object output_size")
def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average pooling to a fixed ``output_size`` (PyTorch's windows), one axis at a time.

    An ``output_size`` of 1 is PyTorch's mean over the last two dimensions, so it takes any input
    of 2 or more dimensions; other sizes take (C, H, W) or (N, C, H, W).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_avg_pool2d(mt.ones(2, 3, 5, 7), 1).shape
    minitorch_conv.Size([2, 3, 1, 1])
    >>> F.adaptive_avg_pool2d(mt.arange(6.0).reshape(1, 2, 3), (1, 2))
    tensor([[[2., 3.]]])
    """
    if not isinstance(output_size, int) and hasattr(output_size, "__len__"):
        # PyTorch's Python wrapper makes a list of any sized value, None keeping the input's size
        if input.dim() <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        defaults = tuple(input.shape)[input.dim() - len(output_size):]
        output_size = tuple(size if item is None else item for item, size in zip(output_size, defaults))
    output_size = convert("int[2]", output_size, "adaptive_avg_pool2d", "output_size", 2)
    if output_size.__class__ is int:
        output_size = (output_size, output_size)
    if len(output_size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    oh, ow = output_size
    if oh < 0 or ow < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or "
                           f"equal to 0 but received {{{oh}, {ow}}}")
    if (oh, ow) == (1, 1):  # PyTorch takes input.mean((-1, -2), keepdim=True) then
        _mean_dtype_check(input)
        if input.dim() < 2:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    else:
        if input.dim() != 4 and input.dim() != 3:
            raise RuntimeError(
                "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got " + str(list(input.shape))
            )
        for dim in (input.dim() - 2, input.dim() - 1):
            if input.shape[dim] == 0:
                raise RuntimeError(
                    "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                    f"but input has sizes {list(input.shape)} with dimension {dim} being empty"
                )
        if not input.dtype.is_floating_point and input.numel() and oh * ow:
            raise NotImplementedError(
                f"\"adaptive_avg_pool2d\" not implemented for '{scalar_type_name(input.dtype)}'")
    out = AdaptiveMeanFunction.apply(AdaptiveMeanFunction.apply(input, -2, oh), -1, ow)
    return named_as(out, "MeanBackward1" if (oh, ow) == (1, 1) else "AdaptiveAvgPool2DBackward0")  # PyTorch's
