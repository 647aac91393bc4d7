"""1-D pooling (``avg_pool1d``, ``max_pool1d``, ``adaptive_avg_pool1d``) and the power-average
pools (``lp_pool1d``, ``lp_pool2d``), as the 2-D pools of ``ops/pool.py`` over a height of 1.

A signal x (N, C, L) is an image (N, C, 1, L); a window of k taps is a (1, k) one with height
stride, dilation 1 and no height padding. PyTorch does the same: it checks the 1-D arguments, then
runs its 2-D kernels on the view, so its messages come from both levels, and this file raises
them in the same order and words (``_check_dim_range``, ``_check_1d``, then
``_check_2d_view``, PyTorch's ``pooling_output_shape`` and ``pool2d_shape_check``). Gradients come
from the 2-D Functions and the view.

Notation: N batch, C channels, L length, k window taps, s stride, p padding, d dilation, Lo output
length; the views are (N, C, 1, L) or, unbatched, (C, 1, L).

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.max_pool1d(mt.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
tensor([[[3., 5.]]])
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._util import scalar_type_name
from .pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = ["adaptive_avg_pool1d", "avg_pool1d", "lp_pool1d", "lp_pool2d", "max_pool1d",
           "max_pool1d_with_indices"]


def _one(value) -> tuple:
    """An ``int[1]`` argument as the parser left it (an int, or a tuple of ints) as a tuple."""
    return (value,) if value.__class__ is int else tuple(value)


def _check_dim_range(input: Tensor, fn: str) -> None:  # noqa: A002
    """PyTorch's ``checkDimRange(fn, self, 2, 4)``: a (C, L) or (N, C, L) input."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for "
                           f"argument #1 'self' (while checking arguments for {fn})")


def _check_1d(fn: str, name: str, value: tuple) -> None:
    """PyTorch's ``check1d``: one int."""
    if len(value) != 1:
        raise RuntimeError(f"{fn}() argument '{name}' should contain one int (got {len(value)})")


def _c_half(value: int) -> int:
    """``value / 2`` in C++ (rounded toward zero)."""
    return -(-value // 2) if value < 0 else value // 2


def _output_length(size: int, k: int, p: int, s: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's ``pooling_output_shape``: its checks, then the window count (``window.py``'s
    formula, rounded toward minus infinity)."""
    if s == 0:
        raise RuntimeError("stride should not be zero")
    if p < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    if p > _c_half((k - 1) * d + 1):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k} and dilation={d}")
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _check_2d_view(view_shape: tuple, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """The 2-D pool's checks on the (N, C, 1, L) view of a 1-D input, with a (1, k) window; Lo."""
    length = view_shape[-1]
    out = _output_length(length, k, p, s, d, ceil_mode)
    if k <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: 1 kW: {k}")
    if s <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: 1 dW: {s}")
    if d <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: 1 dilationW: {d}")
    batched = len(view_shape) == 4
    if 0 in view_shape[1 if batched else 0:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(view_shape)}")
    if p > k // 2:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{p}, padH = 0, kW = {k}, kH = 1")
    if out < 1:
        channels = view_shape[-3]
        raise RuntimeError(f"Given input size: ({channels}x1x{length}). Calculated output size: "
                           f"({channels}x1x{out}). Output size is too small")
    return out


@parse_args("Tensor input, int[1] kernel_size, int[1]? stride, int[1] padding, bool ceil_mode, "
            "bool count_include_pad")
def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True) -> Tensor:
    """The mean over each ``kernel_size`` window, PyTorch's ``F.avg_pool1d``.

    input (N, C, L) or (C, L) -> (N, C, Lo), ``Lo = (L + 2*padding - kernel_size) // stride + 1``
    (rounded up with ``ceil_mode``); ``stride`` defaults to ``kernel_size``; padding counts as zeros,
    and in the divisor unless ``count_include_pad=False``. An integer input gives the integer mean
    rounded toward zero, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.avg_pool1d(mt.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    tensor([[[1.5000, 3.5000]]])
    >>> F.avg_pool1d(mt.tensor([[[1.0, 2.0, 3.0]]]), 3, padding=1, count_include_pad=False)
    tensor([[[1.5000]]])
    """
    kernel_size = _one(kernel_size)
    stride = kernel_size if stride is None or stride == () else _one(stride)
    padding = _one(padding)
    _check_dim_range(input, "avg_pool1d")
    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)):
        _check_1d("avg_pool1d", name, value)
    view = input.unsqueeze(-2)
    _check_2d_view(tuple(view.shape), kernel_size[0], stride[0], padding[0], 1, ceil_mode)
    out = avg_pool2d(view, (1, kernel_size[0]), (1, stride[0]), (0, padding[0]), ceil_mode,
                     count_include_pad)
    return out.squeeze(-2)


@parse_args("Tensor input, int[1] kernel_size, int[1]? stride, int[1] padding, int[1] dilation, "
            "bool ceil_mode, object return_indices")
def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
                            ceil_mode: bool = False, return_indices: bool = False):
    """``(max, indices)`` of each window, PyTorch's ``F.max_pool1d_with_indices``.

    The indices (int64) point into the input's last dimension. ``return_indices`` is ignored (both
    are always returned), as in PyTorch.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.max_pool1d_with_indices(mt.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
    (tensor([[[3., 5.]]]), tensor([[[1, 3]]]))
    """
    kernel_size = _one(kernel_size)
    stride = kernel_size if stride is None or stride == () else _one(stride)
    padding, dilation = _one(padding), _one(dilation)
    _check_dim_range(input, "max_pool1d")
    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding),
                        ("dilation", dilation)):
        _check_1d("max_pool1d", name, value)
    return _max_pool_view(input, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)


def _max_pool_view(input: Tensor, k: int, s: int, p: int, d: int, ceil_mode: bool):  # noqa: A002
    """max_pool2d with indices on the (.., 1, L) view, squeezed back: ``(values, indices)``."""
    view = input.unsqueeze(-2)
    _check_2d_view(tuple(view.shape), k, s, p, d, ceil_mode)
    out, indices = max_pool2d(view, (1, k), (1, s), (0, p), (1, d), ceil_mode, True)
    return out.squeeze(-2), indices.squeeze(-2)


def _check_max_pool1d(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:  # noqa: A002
    """PyTorch's ``max_pool1d`` (without indices) checks, in its order; (k, s, p, d)."""
    shape, ndim = tuple(input.shape), input.dim()
    if not (ndim == 2 and shape[0] and shape[1] or ndim == 3 and shape[1] and shape[2]):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(shape)}")
    checks = (("kernel_size", kernel_size, "an int, list of ints or tuple of ints"),
              ("stride", stride, "None, an int, list of ints, or tuple of ints"),
              ("padding", padding, "an int, list of ints, or tuple of ints"),
              ("dilation", dilation, "an int, list of ints or tuple of ints"))
    for name, value, what in checks:
        if len(value) != 1 and not (name == "stride" and len(value) == 0):
            raise RuntimeError(f"max_pool1d() {name} must be {what} of size 1 but got size {len(value)}")
    (k,), (p,), (d,) = kernel_size, padding, dilation
    s = stride[0] if stride else k
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _output_length(shape[-1], k, p, s, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return k, s, p, d


@parse_args("Tensor input, int[1] kernel_size, int[1]? stride, int[1] padding, int[1] dilation, "
            "bool ceil_mode, object return_indices")  # (return_indices: any truth value, as in PyTorch)
def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum over each ``kernel_size`` window, PyTorch's ``F.max_pool1d``.

    input (N, C, L) or (C, L) -> (N, C, Lo), ``Lo = (L + 2*padding - dilation*(kernel_size-1) - 1)
    // stride + 1`` (rounded up with ``ceil_mode``); ``stride`` defaults to ``kernel_size``; padding
    counts as -inf. The gradient goes to each window's argmax. With ``return_indices=True`` also
    returns each maximum's index into L (int64).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
    >>> F.max_pool1d(x, 2, ceil_mode=True)
    tensor([[[3., 5., 4.]]])
    >>> F.max_pool1d(x, 3, stride=1, return_indices=True)[1]
    tensor([[[1, 3, 3]]])
    """
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    stride = () if stride is None else stride
    k, s, p, d = _check_max_pool1d(input, _one(kernel_size), _one(stride), _one(padding), _one(dilation),
                                   ceil_mode)
    if not (input.requires_grad and is_grad_enabled()) and not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"max_pool1d_impl\" not implemented for '{scalar_type_name(input.dtype)}'")
    return _max_pool_view(input, k, s, p, d, ceil_mode)[0]


@parse_args("Tensor input, int[1] output_size")
def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average pooling to a fixed length ``output_size``, PyTorch's ``F.adaptive_avg_pool1d``.

    Output position i averages ``input[..., floor(i*L/Lo) : ceil((i+1)*L/Lo)]``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.adaptive_avg_pool1d(mt.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    tensor([[[2., 4.]]])
    """
    _check_dim_range(input, "adaptive_avg_pool1d")
    output_size = _one(output_size)
    _check_1d("adaptive_avg_pool1d", "output_size", output_size)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, output_size[0])).squeeze(-2)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """The p-norm of each window, ``(sum x**p)**(1/p)``, PyTorch's ``F.lp_pool1d``.

    PyTorch's formula (no padding): ``avg_pool1d(x**p)`` times the window size, its negative values
    zeroed, to the power 1/p; ``norm_type`` inf is the max-pool of ``|x|`` (-inf: the min).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.lp_pool1d(mt.tensor([[[3.0, 4.0, 1.0, 0.0]]]), 2, 2)
    tensor([[[5., 1.]]])
    """
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool1d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """The p-norm of each 2-D window, PyTorch's ``F.lp_pool2d`` (see :func:`lp_pool1d`).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.lp_pool2d(mt.tensor([[[[3.0, 0.0], [0.0, 4.0]]]]), 2, 2)
    tensor([[[[5.]]]])
    """
    kw, kh = (kernel_size, kernel_size) if not hasattr(kernel_size, "__iter__") else tuple(kernel_size)
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool2d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kw * kh).pow(1.0 / norm_type)
