"""The functional forms of the layers: ``F.linear``, ``F.relu``, ``F.cross_entropy``, ...

Everything here is built from differentiable tensor operations (or a Function whose backward is
itself written with tensor operations), so gradients of gradients work.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> logits = mt.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, mt.tensor([0]))
>>> loss.backward()
>>> round(loss.item(), 4)
0.2413
"""

from __future__ import annotations

import math

import numpy as np

from .._arguments import convert, parse_args
from ..amp.autocast_mode import cast_inputs, refuse_unsafe
from ..autograd.function import named_as
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..backends import int64
from ..backends.dtypes import check_storage
from ..ops import elementwise as _ew
from ..ops import embedding as _embedding
from ..ops import interpolate as _interp
from ..ops import loss as _loss
from ..ops import reduction as _rd
from ..ops._util import broadcast_shapes, result_dtype
from ..ops.adaptive_max_pool import (  # noqa: F401
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
)
from ..ops.bilinear import bilinear  # noqa: F401
from ..ops.channel_shuffle import channel_shuffle  # noqa: F401
from ..ops.conv import col2im, conv2d, conv_transpose2d, fold, im2col, unfold  # noqa: F401
from ..ops.conv1d import conv1d, conv_transpose1d  # noqa: F401
from ..ops.conv3d import conv3d, conv_transpose3d  # noqa: F401
from ..ops.grid_sample import affine_grid, grid_sample  # noqa: F401
from ..ops.pad import pad  # noqa: F401
from ..ops.pdist import pdist  # noqa: F401
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from ..ops.pool1d import (  # noqa: F401
    adaptive_avg_pool1d,
    avg_pool1d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool1d_with_indices,
)
from ..ops.pool3d import (  # noqa: F401
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool3d,
    max_pool3d,
    max_pool3d_with_indices,
)
from ..ops.rrelu import rrelu, rrelu_  # noqa: F401
from ..ops.unpool import max_pool2d_with_indices, max_unpool1d, max_unpool2d  # noqa: F401
from ..tensor import Tensor


@parse_args("Tensor input, Tensor weight, Tensor? bias")
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.linear(mt.ones(2, 3), mt.ones(4, 3), mt.zeros(4))[0]
    tensor([3., 3., 3., 3.])
    """
    input, weight, bias = cast_inputs("lower", input, weight, bias)  # under autocast
    if input.ndim > 2:  # one 2-D GEMM over all leading dimensions (the GEMM TF32 reaches on GPUs)
        flat = linear(input.reshape(-1, input.shape[-1]), weight, bias)
        return flat.reshape(*input.shape[:-1], weight.shape[0])  # ViewBackward0, as PyTorch's
    out = input.matmul(weight.t())
    if input.ndim == 2:  # PyTorch's nodes: one for x W^T + b, or the product alone
        return named_as(out, "MmBackward0") if bias is None else named_as(out + bias, "AddmmBackward0")
    return out if bias is None else out + bias


def _maybe_inplace(input: Tensor, inplace: bool, compute) -> Tensor:  # noqa: A002
    """``compute(input)``, written back into ``input`` when ``inplace`` (PyTorch's ``inplace=True``:
    the same tensor returned, its history rewritten, its version counter moved)."""
    return input._inplace(compute) if inplace else compute(input)


def _type_name(t: Tensor) -> str:
    """PyTorch's name of a tensor's dtype in messages: 'Float', 'Long', 'Bool'."""
    return _TYPE_NAMES.get(t.dtype.name, t.dtype.name)


def _require_floating(input: Tensor, kernel: str) -> None:  # noqa: A002
    """PyTorch's NotImplementedError where its kernel has no integer or bool version
    ('"elu_cpu" not implemented for 'Long''): nothing is silently made a float."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input)}\'')


@parse_args("Tensor input, object inplace")
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)``; with ``inplace=True`` written into ``input`` itself.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.relu(mt.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if input.dtype.name == "bool":
        raise RuntimeError("Boolean inputs not supported for relu")
    return _maybe_inplace(input, inplace, _ew.relu)


@parse_args("Tensor input")
def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """``relu(input, inplace=True)``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.tensor([-1.0, 2.0])
    >>> F.relu_(x) is x, x
    (True, tensor([0., 2.]))
    """
    return relu(input, inplace=True)


@parse_args("Tensor input, Number negative_slope, object inplace")
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.leaky_relu(mt.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    _require_floating(input, "leaky_relu_cpu")
    out = _maybe_inplace(input, inplace, lambda t: _ew.where(t > 0, t, t * negative_slope))
    return out if inplace else named_as(out, "LeakyReluBackward0")


@parse_args("Tensor input")
def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """``tanh(input)``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.tanh(mt.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """
    return _ew.tanh(input)


@parse_args("Tensor input")
def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``1 / (1 + exp(-input))``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.sigmoid(mt.tensor([0.0]))
    tensor([0.5000])
    """
    return _ew.sigmoid(input)


@parse_args("Tensor input, str approximate")
def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """``x * Phi(x)``, Phi the standard normal CDF; ``approximate='tanh'`` uses the tanh formula.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.gelu(mt.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _require_floating(input, "GeluKernelImpl")
    if approximate == "none":
        return named_as(input * 0.5 * (1 + _ew.erf(input * (1 / math.sqrt(2)))), "GeluBackward0")
    inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
    return named_as(input * 0.5 * (1 + inner.tanh()), "GeluBackward0")


@parse_args("Tensor input, object inplace")
def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)`` (also called swish).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.silu(mt.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    _require_floating(input, "silu_cpu")
    out = _maybe_inplace(input, inplace, lambda t: t * _ew.sigmoid(t))
    return out if inplace else named_as(out, "SiluBackward0")


@parse_args("Tensor input, Number alpha, object inplace")
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.elu(mt.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    _require_floating(input, "elu_cpu")

    def compute(t: Tensor) -> Tensor:
        # exp of the non-positive part only: no overflow, and no inf times a zero gradient
        negative = (_ew.clamp(t, max=0.0).exp() - 1) * alpha
        return _ew.where(t > 0, t, negative)

    return _maybe_inplace(input, inplace, compute)


@parse_args("Tensor input, Number beta, Number threshold")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.softplus(mt.tensor([-1.0, 0.0, 30.0]))
    tensor([ 0.3133,  0.6931, 30.0000])
    """
    _require_floating(input, "softplus_cpu")
    scaled = input * beta
    smooth = _ew.softplus(scaled) if beta == 1 else _ew.softplus(scaled) / beta
    return _ew.where(scaled > threshold, input, smooth)


@parse_args("Tensor input, object inplace")
def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(input, 0), 6)``: ``hardtanh(input, 0, 6)``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.relu6(mt.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


@parse_args("Tensor input, Number min_val, Number max_val, object inplace")
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``; the gradient flows strictly inside only.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.hardtanh(mt.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype.name == "bool":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input.dtype.name == "uint8" and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")

    def compute(t: Tensor) -> Tensor:  # NaN stays NaN: both comparisons are False
        if not t.dtype.is_floating_point:  # integers stay integers, as PyTorch's clamp keeps them
            return _ew.clamp(t, min_val, max_val).to(t.dtype)
        if min_val != min_val or max_val != max_val:  # a NaN bound: NaN everywhere, as PyTorch
            return t * math.nan
        return _ew.where(t <= min_val, min_val, _ew.where(t >= max_val, max_val, t))

    return _maybe_inplace(input, inplace, compute)


@parse_args("Tensor input, object inplace")
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * relu6(x + 3) / 6``: 0 below -3, ``x`` above 3.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.hardswish(mt.tensor([-4.0, 1.0, 4.0]))
    tensor([0.0000, 0.6667, 4.0000])
    """
    _require_floating(input, "hardswish_cpu")

    def compute(t: Tensor) -> Tensor:
        return _ew.where(t <= -3, 0.0, _ew.where(t >= 3, t, t * (t + 3) / 6))

    return _maybe_inplace(input, inplace, compute)


@parse_args("Tensor input, object inplace")
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.hardsigmoid(mt.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    _require_floating(input, "hardsigmoid_cpu")

    def compute(t: Tensor) -> Tensor:
        return _ew.where(t <= -3, 0.0, _ew.where(t >= 3, 1.0, t / 6 + 0.5))

    return _maybe_inplace(input, inplace, compute)


@parse_args("Tensor input, object inplace")
def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * tanh(softplus(x))``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.mish(mt.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.3034,  0.0000,  0.8651])
    """
    _require_floating(input, "mish_cpu")
    return _maybe_inplace(input, inplace, lambda t: t * _ew.softplus(t).tanh())


@parse_args("Tensor input, Tensor weight")
def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``input`` where positive, ``weight * input`` elsewhere; ``weight`` holds one slope, or one
    per channel (dim 1 of ``input``).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.prelu(mt.tensor([[-1.0, -1.0], [2.0, 2.0]]), mt.tensor([0.1, 0.5]))
    tensor([[-0.1000, -0.5000],
            [ 2.0000,  2.0000]])
    """
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight.dim()}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {channels}."
        )
    if weight.numel() != 1:
        weight = weight.reshape((channels,) + (1,) * (input.dim() - 2))
    elif weight.dim() == 1 and input.dim() == 0:
        weight = weight.reshape(())
    return _ew.where(input > 0, input, weight * input)


def _scaled_elu(t: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """``scale * x`` where positive, ``scale * alpha * (exp(input_scale * x) - 1)`` elsewhere."""
    negative = (_ew.clamp(t * input_scale, max=0.0).exp() - 1) * (alpha * scale)
    return _ew.where(t > 0, t * scale if scale != 1 else t, negative)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@parse_args("Tensor input, object inplace")
def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``scale * elu(x, alpha)`` with the self-normalising constants alpha = 1.6733 and
    scale = 1.0507.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.selu(mt.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """
    _require_floating(input, "elu_cpu")
    return _maybe_inplace(input, inplace,
                          lambda t: _scaled_elu(t, _SELU_ALPHA, _SELU_SCALE, 1.0))


@parse_args("Tensor input, Number alpha, object inplace")
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``alpha * (exp(x / alpha) - 1)`` elsewhere.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.celu(mt.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.0000])
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _require_floating(input, "elu_cpu")
    return _maybe_inplace(input, inplace, lambda t: _scaled_elu(t, alpha, 1.0, 1.0 / alpha))


@parse_args("Tensor input, Number threshold, Number value, object inplace")
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where it is greater than ``threshold``, ``value`` elsewhere.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.threshold(mt.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    return _maybe_inplace(input, inplace, lambda t: _ew.where(t <= threshold, value, t))


@parse_args("Tensor input")
def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.logsigmoid(mt.tensor([-100.0, 0.0]))
    tensor([-100.0000,   -0.6931])
    """
    _require_floating(input, "log_sigmoid_cpu")
    return -_ew.softplus(-input)


@parse_args("Tensor input")
def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.softsign(mt.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    return input / (input.abs() + 1)


@parse_args("Tensor input")
def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.tanhshrink(mt.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    return input - _ew.tanh(input)


def _check_lambda(lambd: float, input: Tensor) -> None:  # noqa: A002
    if lambd < 0:
        raise RuntimeError(
            f"lambda must be in range [0, {input.xp.finfo(input._array.dtype).max:g}] for input "
            f"dtype {input.dtype.name.capitalize()}, but found {lambd:g}"
        )


@parse_args("Tensor input, Number lambd")
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.softshrink(mt.tensor([-2.0, 0.2, 2.0]))
    tensor([-1.5000,  0.0000,  1.5000])
    """
    _require_floating(input, "softshrink_check")
    _check_lambda(lambd, input)
    return _ew.where(input > lambd, input - lambd,
                     _ew.where(input < -lambd, input + lambd, input * 0))


@parse_args("Tensor input, Number lambd")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x`` where ``|x| > lambd``, 0 elsewhere.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.hardshrink(mt.tensor([-2.0, 0.2, 2.0]))
    tensor([-2.,  0.,  2.])
    """
    _require_floating(input, "hardshrink_cpu")
    return _ew.where((input >= -lambd) & (input <= lambd), 0.0, input)


@parse_args("Tensor input, int dim")
def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """The gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of ``input``
    along ``dim``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.glu(mt.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _normalize_dim(dim, input.dim())
    if input.shape[axis] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size "
                           f"{input.shape[axis]}")
    first, second = input.chunk(2, axis)
    return first * _ew.sigmoid(second)


def _normalize_dim(dim: int, ndim: int) -> int:
    """``dim`` as a non-negative index, or PyTorch's IndexError."""
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], but "
                         f"got {dim})")
    return dim % max(ndim, 1)


@parse_args("Tensor input, int num_classes")
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor with a trailing dimension of ``num_classes``: 1 at each index, 0 elsewhere.

    ``num_classes=-1`` takes one more than the largest index.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.one_hot(mt.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp, t = tensor.xp, tensor._array
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size:
        if int(t.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(t.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
        check_storage((*tensor.shape, num_classes), int64)
    out = xp.expand_dims(t, -1) == xp.arange(num_classes)
    return tensor._new(out.astype(xp.int64))


def _softmax_dim(ndim: int) -> int:
    return 0 if ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``exp(x) / exp(x).sum(dim)``, computed stably.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.softmax(mt.tensor([0.0, 0.0, 1.0]), dim=0)
    tensor([0.2119, 0.2119, 0.5761])
    """
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _rd.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """``x - logsumexp(x, dim)``, computed stably.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.log_softmax(mt.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _rd.log_softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:  # noqa: A002
    """``softmax(-input, dim)``: the smallest entries get the largest weights.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.softmin(mt.tensor([0.0, 1.0]), dim=0)
    tensor([0.7311, 0.2689])
    """
    if dim is None:
        dim = _softmax_dim(input.dim())
    return _rd.softmax(-input, dim, dtype=dtype)


# ---------------------------------------------------------------------------- losses
_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _class_targets(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,  # noqa: A002
                   name: str = "nll_loss"):
    """Check class-index ``target`` against ``input`` (N, C, d1, ...) or (C,), PyTorch's way, and
    return ``(safe, valid, w)`` arrays: the targets with ignored ones replaced by class 0, the
    mask of the counted ones, and each one's weight (``weight[target]``, 0 where ignored)."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() != 1:
        target_batch = target.shape[0] if target.dim() else 0
        if input.shape[0] != target_batch:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({target_batch}).")
    if input.dim() <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() == 4 and target.dim() != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                           f"dimension: {target.dim()}")
    expected = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.dim() >= 2 else ()
    if input.dim() == 4 and tuple(target.shape) != expected:
        raise RuntimeError(f"size mismatch (got input: {_shape_list(input.shape)} , target: "
                           f"{_shape_list(target.shape)}")
    if input.dim() >= 3 and tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {_shape_list(target.shape)}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_TYPE_NAMES.get(target.dtype.name, target.dtype.name)}")
    if input.dim() == 1 and target.dim() == 1 and target.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    n_classes = input.shape[1] if input.dim() >= 2 else input.shape[0]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"{name + ': ' if name == 'cross_entropy' else ''}weight tensor should be defined either "
            f"for all {n_classes} classes or no classes but got weight tensor of shape: "
            f"{_shape_list(weight.shape)}"
        )
    if not input.dtype.is_floating_point:
        kernel = "nll_loss_out_frame" if input.dim() <= 2 else "nll_loss2d_forward_out_frame"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input)}\'')
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(weight)}")
    xp = input.xp
    t = target._array.astype(xp.int64)
    if input.dim() == 1:  # a (1,) target of a (C,) input counts as a 0-d one, as in PyTorch
        t = t.reshape(())
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bool(bad.any()):
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    safe = xp.where(valid, t, 0)
    dtype = input._array.dtype
    w = valid.astype(dtype) if weight is None else xp.where(valid, weight._array[safe], 0).astype(dtype)
    return safe, valid, w


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The ``reduction`` string that PyTorch's deprecated ``size_average`` / ``reduce`` mean."""
    import warnings

    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                  "instead.", UserWarning, stacklevel=4)
    return reduction


def _resolve_reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _check_reduction(reduction)
    return reduction


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes, given log-probabilities ``input``.

    ``input`` (N, C) or (N, C, d1, ...) or (C,); ``target`` the class indices (int64 or uint8),
    (N,) or (N, d1, ...) or (). With ``weight``, each element counts ``weight[target]``, and
    ``'mean'`` divides by the sum of those weights; targets equal to ``ignore_index`` count for
    nothing (all ignored: ``'mean'`` is NaN). ``size_average`` / ``reduce`` are PyTorch's deprecated
    spelling of ``reduction``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.nll_loss(mt.tensor([[-0.5, -1.0], [-2.0, -0.1]]), mt.tensor([0, 1]))
    tensor(0.3000)
    """
    input, target, weight = cast_inputs("fp32", input, target, weight)  # under autocast
    reduction = _resolve_reduction(size_average, reduce, reduction)
    return _nll_loss_nd(input, target, weight, reduction, ignore_index)


@parse_args("Tensor input, Tensor target, Tensor? weight, str reduction, int ignore_index",
            name="nll_loss_nd")
def _nll_loss_nd(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,  # noqa: A002
                 ignore_index: int) -> Tensor:
    """PyTorch's ``nll_loss_nd``, which ``nll_loss`` calls with every argument by position: its
    argument checks (TypeError naming the argument, ValueError past int64) and then the loss."""
    safe, valid, w = _class_targets(input, target, weight, ignore_index)
    return _loss.NllLossFunction.apply(input, safe, valid, w, reduction)


def _fuses_cross_entropy(input: Tensor, weight: Tensor | None) -> bool:  # noqa: A002
    """Whether :class:`~minitorch_conv.ops.loss.CrossEntropyFunction` computes this ``cross_entropy``
    (class-index targets): floating logits with elements, and class weights (if any) that are a
    constant of their dtype and device. Other cases take the composite path, whose operations give
    PyTorch's errors."""
    return (input.dtype.is_floating_point and input.numel() > 0
            and (weight is None or (weight.dtype == input.dtype and weight.device == input.device
                                    and not weight.requires_grad)))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)``, with PyTorch's options.

    ``input`` (N, C), (N, C, d1, ...) or (C,). ``target`` holds class indices (see
    :func:`nll_loss` for ``weight`` and ``ignore_index``), or class probabilities of ``input``'s
    shape (then ``'mean'`` divides by the number of elements N*d1*...). ``label_smoothing`` mixes
    the target with the uniform distribution over the C classes. With class indices the whole loss
    is one graph node, whose backward is ``softmax(input) - target`` (scaled), see
    :class:`~minitorch_conv.ops.loss.CrossEntropyFunction`.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.cross_entropy(mt.tensor([[1.0, 2.0, 3.0]]), mt.tensor([2]))
    tensor(0.4076)
    >>> F.cross_entropy(mt.tensor([[1.0, 2.0, 3.0]]), mt.tensor([[0.0, 0.5, 0.5]]))
    tensor(0.9076)
    """
    input, target, weight = cast_inputs("fp32", input, target, weight)  # under autocast
    reduction = _resolve_reduction(size_average, reduce, reduction)
    return _cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)


@parse_args("Tensor input, Tensor target, Tensor? weight, str reduction, int ignore_index, "
            "float label_smoothing", name="cross_entropy_loss")
def _cross_entropy_loss(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,  # noqa: A002
                        ignore_index: int, label_smoothing: float) -> Tensor:
    """PyTorch's ``cross_entropy_loss``, which ``cross_entropy`` calls with every argument by
    position. A ``label_smoothing`` that is not above 0 (NaN too) smooths nothing, as there."""
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    if not label_smoothing > 0.0:
        label_smoothing = 0.0
    probabilities = tuple(target.shape) == tuple(input.shape)
    if probabilities and not target.dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {_TYPE_NAMES.get(target.dtype.name, target.dtype.name)}")
    if probabilities and ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if input.dim() < 1:  # PyTorch's log_softmax over dim 1 refuses it
        if probabilities:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    class_dim = 1 if input.dim() >= 2 else 0
    if not input.dtype.is_floating_point:  # PyTorch's log_softmax refuses it; nll_loss, if empty
        if input.numel() == 0:
            return nll_loss(input, target, weight, None, ignore_index, None, reduction)
        kernel = "log_softmax_lastdim_kernel_impl" if class_dim == input.dim() - 1 else \
            "log_softmax_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input)}\'')
    if label_smoothing and input.dim() == 1 and target.dim() == 1 and target.shape[0] == 1:
        raise RuntimeError("output with shape [] doesn't match the broadcast shape [1]")
    if not probabilities and _fuses_cross_entropy(input, weight):
        safe, valid, w = _class_targets(input, target, weight, ignore_index)
        return _loss.CrossEntropyFunction.apply(input, safe, valid, w,
                                                None if weight is None else weight._array,
                                                reduction, label_smoothing)
    logp = log_softmax(input, class_dim)
    n_classes = input.shape[class_dim]
    weight_shape = (n_classes,) + (1,) * (input.dim() - class_dim - 1)
    if probabilities:
        if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {n_classes} classes "
                f"or no classes but got weight tensor of shape: {_shape_list(weight.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            logp = logp * weight.reshape(weight_shape)
        loss = -(logp * target)
        if reduction == "none":
            return loss.sum(class_dim)
        if reduction == "sum":
            return loss.sum()
        return _loss.DivideByTotalFunction.apply(loss.sum(), input.numel() // max(n_classes, 1))
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0:
        return nll
    _, valid, w = _class_targets(input, target, weight, ignore_index)
    weighted = logp if weight is None else logp * weight.reshape(weight_shape)
    smooth = _ew.where(input._new(valid), -weighted.sum(class_dim), 0.0)
    if reduction == "mean":
        smooth = _loss.DivideByTotalFunction.apply(smooth.sum(), w.sum())
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _warn_size_mismatch(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if tuple(target.shape) != tuple(input.shape):
        import warnings

        warnings.warn(
            f"Using a target size ({_size_repr(target.shape)}) that is different to the input size "
            f"({_size_repr(input.shape)}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def _weighted_reduce(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str,  # noqa: A002
                     mean_over_weights: bool) -> Tensor:
    """PyTorch's optional elementwise ``weight`` of the regression losses (same size as input)."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _elementwise_loss_inputs(input: Tensor, target: Tensor, size_average, reduce,  # noqa: A002
                             reduction, weight: Tensor | None) -> str:
    """The steps PyTorch's regression losses take before their kernel, in its order: the warning
    for a target of another size, the legacy ``size_average``/``reduce``, the broadcast of input
    and target (RuntimeError where they do not broadcast), and, without ``weight``, the check of
    ``reduction`` (with ``weight`` it is checked after the loss, as PyTorch does)."""
    _warn_size_mismatch(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    broadcast_shapes(tuple(input.shape), tuple(target.shape))
    if weight is None:
        _check_reduction(reduction)
    return reduction


def _promoted_floating(input: Tensor, target: Tensor, kernel: str):  # noqa: A002
    """The dtype input and target meet in, which PyTorch's ``kernel`` needs to be floating."""
    dtype = result_dtype(input, target)
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_TYPE_NAMES.get(dtype.name, dtype.name)}'")
    return dtype


def _cannot_cast(result: str, to: Tensor) -> RuntimeError:
    """PyTorch's error where a kernel writes a floating result into an integer tensor's dtype."""
    return RuntimeError(f"result type {result} can't be cast to the desired output type {_type_name(to)}")


@parse_args("Tensor input, Tensor target, object size_average, object reduce, object reduction, "
            "Tensor? weight")
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean (or sum) of the squared differences ``(input - target) ** 2``.

    A ``target`` of another shape is broadcast, with PyTorch's warning (usually a bug: an (N, 1)
    output against an (N,) target gives N*N differences). With ``weight`` (input's shape), each
    squared error is weighted and ``'mean'`` divides by the sum of the weights.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.mse_loss(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 4.0]))
    tensor(2.)
    """
    input, target = cast_inputs("fp32", input, target)  # float32 under autocast
    reduction = _elementwise_loss_inputs(input, target, size_average, reduce, reduction, weight)
    if weight is None:
        _promoted_floating(input, target, "mse_cpu")
        common = result_dtype(input, target)  # PyTorch's kernel promotes first: a bool operand is fine
        input, target = input.to(common), target.to(common)  # noqa: A001
    diff = input - target
    return named_as(_weighted_reduce(diff * diff, weight, input, reduction, mean_over_weights=True),
                    "MseLossBackward0")


@parse_args("Tensor input, Tensor target, object size_average, object reduce, object reduction, "
            "Tensor? weight")
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean (or sum) of the absolute differences ``|input - target|`` (``weight`` as in
    :func:`mse_loss`).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.l1_loss(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 4.0]))
    tensor(1.)
    """
    input, target = cast_inputs("fp32", input, target)  # float32 under autocast
    reduction = _elementwise_loss_inputs(input, target, size_average, reduce, reduction, weight)
    return _weighted_reduce((input - target).abs(), weight, input, reduction, mean_over_weights=True)


def _check_same_size(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"Using a target size ({_size_repr(target.shape)}) that is different to the input size "
            f"({_size_repr(input.shape)}) is deprecated. Please ensure they have the same size."
        )


def _loss_tensors(function: str, input, target) -> tuple:  # noqa: A002
    """``input`` and ``target`` as Tensors, or PyTorch's TypeError: for the losses whose Python
    layer checks ``reduction`` before it touches the tensors."""
    return convert("Tensor", input, function, "input", 1), convert("Tensor", target, function, "target", 2)


def _check_in_place_broadcast(shape: tuple, other: Tensor) -> None:
    """PyTorch's error where an in-place product with ``other`` would need a larger output."""
    wanted = broadcast_shapes(shape, tuple(other.shape))
    if tuple(wanted) != tuple(shape):
        raise RuntimeError(f"output with shape {_shape_list(shape)} doesn't match the broadcast shape "
                           f"{_shape_list(wanted)}")


def _check_unit_interval(t: Tensor, name: str) -> None:
    """Every element of ``t`` in [0, 1] (NaN is not), as PyTorch's BCE kernel requires."""
    values = t._array
    if values.size and not bool(((values >= 0) & (values <= 1)).all()):
        raise RuntimeError(f"all elements of {name} should be between 0 and 1")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target`` (same shape).

    Each log is clamped at -100, as in PyTorch, so a confident wrong answer costs 100, not inf.
    ``weight`` multiplies each element's loss (broadcasting). For logits, prefer
    :func:`binary_cross_entropy_with_logits`, which is numerically stable.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.binary_cross_entropy(mt.tensor([0.8, 0.4]), mt.tensor([1.0, 0.0]))
    tensor(0.3670)
    """
    refuse_unsafe("binary_cross_entropy")  # PyTorch refuses it under autocast
    reduction = _resolve_reduction(size_average, reduce, reduction)  # PyTorch checks it first
    input, target = _loss_tensors("binary_cross_entropy", input, target)
    _check_same_size(input, target)
    weight = convert("Tensor?", weight, "binary_cross_entropy", "weight", 3)
    if weight is not None:
        broadcast_shapes(tuple(target.shape), tuple(weight.shape))
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_type_name(target)} but expected {_type_name(input)}")
    _require_floating(input, "binary_cross_entropy")
    if weight is not None:
        _check_in_place_broadcast(tuple(input.shape), weight)
    _check_unit_interval(input, "input")
    _check_unit_interval(target, "target")
    loss = _loss.BinaryCrossEntropyFunction.apply(input, target)
    if weight is not None:
        loss = loss * weight.to(loss.dtype)
    return named_as(_reduce(loss, reduction), "BinaryCrossEntropyBackward0")  # PyTorch's one node


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably from the logits.

    ``loss = (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``; ``pos_weight`` (broadcast along
    the last dimension, one per class) weighs the positive examples, ``weight`` every element.
    The loss has ``target``'s dtype (PyTorch computes it in place in ``1 - target``).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(mt.tensor([100.0, -2.0]), mt.tensor([1.0, 0.0]))
    tensor(0.0635)
    """
    input, target = cast_inputs("fp32", input, target)  # under autocast
    reduction = _resolve_reduction(size_average, reduce, reduction)  # PyTorch checks it first
    input, target = _loss_tensors("binary_cross_entropy_with_logits", input, target)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"Target size ({_size_repr(target.shape)}) must be the same as input size "
                         f"({_size_repr(input.shape)})")
    weight = convert("Tensor?", weight, "binary_cross_entropy_with_logits", "weight", 3)
    pos_weight = convert("Tensor?", pos_weight, "binary_cross_entropy_with_logits", "pos_weight", 4)
    _require_floating(input, "log_sigmoid_cpu")
    shape = tuple(input.shape)
    if pos_weight is not None:
        _check_in_place_broadcast(shape, pos_weight)
    if target.dtype.name == "bool":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use "
                           "the `^` or `logical_xor()` operator instead.")
    if not target.dtype.is_floating_point:
        raise _cannot_cast(_type_name(input), target)
    if weight is not None:
        _check_in_place_broadcast(shape, weight)
    log_one_plus = _ew.softplus(-input)  # -log(sigmoid(x)), without overflow
    if pos_weight is None:
        loss = (1 - target) * input + log_one_plus
    else:
        loss = (1 - target) * input + (1 + (pos_weight.to(input.dtype) - 1) * target) * log_one_plus
    if weight is not None:
        loss = loss * weight.to(loss.dtype)
    return _reduce(loss.to(target.dtype), reduction)



@parse_args("Tensor input, Tensor target, object size_average, object reduce, object reduction, "
            "object beta")
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 * beta`` elsewhere, ``d = input -
    target`` (``beta=0``: the L1 loss).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.smooth_l1_loss(mt.tensor([0.5, 3.0]), mt.tensor([0.0, 0.0]), reduction="none")
    tensor([0.1250, 2.5000])
    """
    input, target = cast_inputs("fp32", input, target)  # float32 under autocast
    reduction = _elementwise_loss_inputs(input, target, size_average, reduce, reduction, None)
    beta = convert("float", beta, "smooth_l1_loss", "beta", 4)
    if not beta >= 0:  # NaN too
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta != 0.0:
        _promoted_floating(input, target, "smooth_l1_cpu")
    diff = input - target
    if beta == 0.0:
        return _reduce(diff.abs(), reduction)
    size = diff.abs()
    return _reduce(_ew.where(size < beta, diff * diff * (0.5 / beta), size - 0.5 * beta), reduction)


@parse_args("Tensor input, Tensor target, object reduction, object delta, Tensor? weight")
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """``0.5 * d**2`` where ``|d| < delta``, ``delta * (|d| - 0.5 * delta)`` elsewhere (``delta``
    times :func:`smooth_l1_loss` with ``beta=delta``); ``weight`` (input's shape) weighs each
    element. The loss has ``input``'s dtype, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.huber_loss(mt.tensor([0.5, 3.0]), mt.tensor([0.0, 0.0]), reduction="none", delta=2.0)
    tensor([0.1250, 4.0000])
    """
    input, target = cast_inputs("fp32", input, target)  # float32 under autocast
    reduction = _elementwise_loss_inputs(input, target, None, None, reduction, weight)
    delta = convert("float", delta, "huber_loss", "delta", 4)
    if not delta > 0:  # NaN too
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    dtype = _promoted_floating(input, target, "huber_cpu")
    if not input.dtype.is_floating_point:
        raise _cannot_cast(_TYPE_NAMES.get(dtype.name, dtype.name), input)
    diff = input - target
    size = diff.abs()
    loss = _ew.where(size < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta).to(input.dtype)
    return _weighted_reduce(loss, weight, input, reduction, mean_over_weights=False)


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    """``x * log(y)``, 0 where ``x == 0`` (also where ``y == 0``)."""
    zero = x == 0
    safe = _ew.where(zero, 1.0, y)
    return _ew.where(zero, 0.0, x * safe.log())


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """The Kullback-Leibler divergence ``target * (log(target) - input)`` of log-probabilities
    ``input`` from ``target`` (probabilities, or log-probabilities with ``log_target``).

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL divergence);
    ``'mean'`` (the default) divides by the number of elements, with PyTorch's warning.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> p = mt.tensor([[0.5, 0.5]])
    >>> F.kl_div(mt.tensor([[0.25, 0.75]]).log(), p, reduction="batchmean")
    tensor(0.1438)
    """
    input, target = cast_inputs("fp32", input, target)  # float32 under autocast
    import warnings

    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning, stacklevel=2)
    if reduction != "batchmean":
        _check_reduction(reduction)
    input, target = _loss_tensors("kl_div", input, target)
    log_target = convert("bool", log_target, "kl_div", "log_target")
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


@parse_args("Tensor input, Tensor target, object log_input, object full, object size_average, "
            "object eps, object reduce, object reduction")
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` counts under a Poisson distribution of rate
    ``exp(input)`` (``log_input``) or ``input``: ``exp(x) - t * x``, or ``x - t * log(x + eps)``;
    ``full`` adds Stirling's approximation of ``log(t!)`` where ``t > 1``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.poisson_nll_loss(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 2.0]), reduction="none")
    tensor([1.0000, 0.7183])
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        small = target <= 1
        safe = _ew.where(small, 2.0, target)
        stirling = safe * safe.log() - safe + (safe * (2 * math.pi)).log() * 0.5
        loss = loss + _ew.where(small, 0.0, stirling)
    return _reduce(loss, reduction)


@parse_args("Tensor input, Tensor target, object var, object full, object eps, object reduction")
def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` under N(``input``, ``var``):
    ``0.5 * (log(var) + (input - target)**2 / var)`` (+ ``0.5 * log(2 pi)`` with ``full``), the
    variance clamped at ``eps`` (without stopping its gradient). ``var`` may have one dim fewer,
    or one dim of size 1 (one variance shared).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.gaussian_nll_loss(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 1.0]), mt.ones(2))
    tensor(0.2500)
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full(tuple(input.shape), float(var))
    elif bool((var._array < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim() and sum(
                y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    # clamp the values only: the gradient flows to var as if unclamped (PyTorch's no_grad clamp_)
    var = var + (_ew.clamp(var.detach(), min=eps) - var.detach())
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it is
    -1; the cosine along dim 1 of (N, D) inputs (or dim 0 of (D,) inputs with a 0-d target).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x1, x2 = mt.tensor([[1.0, 0.0], [1.0, 0.0]]), mt.tensor([[1.0, 1.0], [1.0, 1.0]])
    >>> F.cosine_embedding_loss(x1, x2, mt.tensor([1, -1]), reduction="none")
    tensor([0.2929, 0.7071])
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if target.dim() not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.dim() == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{_shape_list(input1.shape)} and {_shape_list(input2.shape)}.")
    if target.dim() == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{_shape_list(input1.shape)} and {_shape_list(input2.shape)}.")
    dim = target.dim()
    epsilon = 1e-12
    dot = (input1 * input2).sum(dim)
    cos = dot / ((((input1 * input1).sum(dim) + epsilon) * ((input2 * input2).sum(dim) + epsilon))
                 .sqrt())
    positive = _ew.where(target == 1, 1 - cos, 0.0)
    negative = _ew.where(target == -1, _ew.clamp(cos - margin, min=0.0), 0.0)
    return _reduce(positive + negative, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 says input1 should rank
    higher, -1 lower.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.margin_ranking_loss(mt.tensor([1.0, 1.0]), mt.tensor([2.0, 2.0]), mt.tensor([1.0, -1.0]),
    ...                       reduction="none")
    tensor([1., 0.])
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {_size_repr(input1.shape)}, input2: {_size_repr(input2.shape)}, "
            f"target: {_size_repr(target.shape)} "
        )
    return _reduce(_ew.clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the :func:`pairwise_distance` (``p``,
    ``eps``); with ``swap``, ``d(a, n)`` is replaced by ``d(p, n)`` where that is smaller.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> a, pos, neg = mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0]]), mt.tensor([[0.0, 1.0]])
    >>> F.triplet_margin_loss(a, pos, neg, eps=0.0)
    tensor(5.)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = _ew.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(_ew.clamp(dist_pos - dist_neg + margin, min=0.0), reduction)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.dim() == positive.dim() == negative.dim():
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and negative "
            f"{negative.dim()}D inputs"
        )


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """:func:`triplet_margin_loss` with any ``distance_function(x1, x2)`` (default
    :func:`pairwise_distance`).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> a, pos, neg = mt.tensor([[1.0, 0.0]]), mt.tensor([[0.0, 1.0]]), mt.tensor([[1.0, 0.1]])
    >>> cosine_distance = lambda x, y: 1 - F.cosine_similarity(x, y)
    >>> F.triplet_margin_with_distance_loss(a, pos, neg, distance_function=cosine_distance)
    tensor(1.9950)
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = _ew.minimum(dist_neg, distance(positive, negative))
    return _reduce(_ew.clamp(dist_pos - dist_neg + margin, min=0.0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1 (``input``
    usually a distance).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.hinge_embedding_loss(mt.tensor([0.3, 0.3]), mt.tensor([1.0, -1.0]), reduction="none")
    tensor([0.3000, 0.7000])
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    input, target = _loss_tensors("hinge_embedding_loss", input, target)
    margin = convert("float", margin, "hinge_embedding_loss", "margin", 3)
    if input.dtype.name == "bool":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use "
                           "the `^` or `logical_xor()` operator instead.")
    margin_gap = margin - input
    if not input.dtype.is_floating_point:  # PyTorch keeps an integer input's dtype
        margin_gap = margin_gap.to(input.dtype)
    zero = input.new_zeros(())
    margin_part = _ew.where(target != 1, _ew.clamp(margin_gap, min=0), zero)
    self_part = _ew.where(target != -1, input, zero)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``, the logistic loss of ±1 targets (computed without
    overflow).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.soft_margin_loss(mt.tensor([0.0, 2.0]), mt.tensor([1.0, -1.0]), reduction="none")
    tensor([0.6931, 2.1269])
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    input, target = _loss_tensors("soft_margin_loss", input, target)
    if input.dtype.name == "bool":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    _check_in_place_broadcast(tuple(input.shape), target)  # PyTorch writes it into input's shape
    if not input.dtype.is_floating_point:
        dtype = result_dtype(input, target)
        raise _cannot_cast(_TYPE_NAMES[dtype.name] if dtype.is_floating_point else "Float", input)
    return _reduce(_ew.softplus(-(input * target)).to(input.dtype), reduction)


@parse_args("Tensor input, Tensor target, Tensor? weight, object size_average, object reduce, "
            "object reduction")
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of each class's logit against its 0/1 ``target``, averaged over the
    classes (the last dim); ``weight`` weighs the classes.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.multilabel_soft_margin_loss(mt.tensor([[0.0, 2.0]]), mt.tensor([[1.0, 0.0]]))
    tensor(1.4100)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _check_margin_input(input: Tensor) -> None:  # noqa: A002
    """(C,) or (N, C) with C > 0 (N may be 0), or a 0-d input: what the margin losses take."""
    if not (input.dim() == 0 or (input.dim() == 1 and input.shape[0] > 0)
            or (input.dim() == 2 and input.shape[1] > 0)):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but "
                           f"got: {_shape_list(input.shape)}")


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss: ``sum over j != y of max(0, margin - x[y] + x[j]) ** p / C``
    for each row of (N, C) or (C,) ``input``, ``y`` its target class; ``weight[y]`` weighs it.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.multi_margin_loss(mt.tensor([[0.1, 0.2, 0.4, 0.8]]), mt.tensor([3]))
    tensor(0.3250)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _check_margin_input(input)
    rows = input if input.dim() == 2 else input.reshape(1, -1)
    n, c = rows.shape
    flat_target = target.reshape(-1)
    if target.dim() > 1 or flat_target.numel() != n:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
            f"samples (batch size). Expected target size [{n}], but got {_shape_list(target.shape)}. "
            f"Input has shape {_shape_list(input.shape)}.")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {_shape_list(weight.shape)}")
    t = flat_target._array.astype(input.xp.int64)
    if t.size and (int(t.min()) < 0 or int(t.max()) >= c):
        raise RuntimeError("target out of range")
    xp = input.xp
    onehot = rows._new(xp.arange(c)[None, :] == t[:, None])
    picked = (rows * onehot).sum(1, keepdim=True)
    hinge = _ew.clamp(rows - picked + margin, min=0.0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[rows._new(t)].reshape(n, 1)
    loss = _ew.where(onehot.to(bool), 0.0, hinge).sum(1) / c
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss: for each row, ``sum over target classes j and non-target classes
    k of max(0, 1 - (x[j] - x[k])) / C``. ``target`` lists a row's classes, ended by the first -1.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.multilabel_margin_loss(mt.tensor([[0.1, 0.2, 0.4, 0.8]]), mt.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = _resolve_reduction(size_average, reduce, reduction)
    _check_margin_input(input)
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {_shape_list(target.shape)} for input of size: "
                           f"{_shape_list(input.shape)}")
    rows = input if input.dim() == 2 else input.reshape(1, -1)
    xp = input.xp
    t = target._array.reshape(rows.shape).astype(xp.int64)
    n, c = rows.shape
    listed = xp.cumprod(t >= 0, axis=1).astype(bool)  # the entries before the first -1
    if bool((listed & (t >= c)).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    is_target = xp.zeros((n, c), dtype=bool)
    row_index = xp.broadcast_to(xp.arange(n)[:, None], (n, c))
    is_target[row_index[listed], t[listed]] = True
    # every listed entry (a repeated class counts again, as in PyTorch) against every class k that
    # is not a target: (n, listed position, k)
    picked = rows[rows._new(row_index), rows._new(xp.where(listed, t, 0))]
    pairs = listed[:, :, None] & ~is_target[:, None, :]
    hinge = _ew.clamp(1 - picked.unsqueeze(2) + rows.unsqueeze(1), min=0.0)
    loss = _ew.where(rows._new(pairs), hinge, 0.0).sum((1, 2)) / c
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- regularisation
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training
    only). The mask is drawn from the global generator of ``input``'s device.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.ones(1000)
    >>> y = F.dropout(x, 0.5)
    >>> sorted(set(y.tolist())), F.dropout(x, 0.5, training=False) is x
    ([0.0, 2.0], True)
    """
    if p < 0.0 or p > 1.0:  # PyTorch's Python check (NaN passes it) ...
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    input = convert("Tensor", input, "dropout", "input", 1)  # noqa: A001 - then the kernel's parser
    p = convert("float", p, "dropout", "p", 2)
    training = convert("bool", training, "dropout", "train", 3)
    if not 0.0 <= p <= 1.0:  # ... and its kernel's (NaN does not)
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p != 1.0 and not input.dtype.is_floating_point:
        raise _cannot_cast("Float", input)
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda t: t * 0)
    rng = input.backend.rng
    draw_dtype = "float64" if input.dtype.name == "float64" else "float32"
    with input.backend.device_context():  # a GPU generator's state lives on its own device
        keep = rng.random(tuple(input.shape), dtype=draw_dtype) >= p
        mask = keep.astype(input._array.dtype) * input._array.dtype.type(1.0 / (1.0 - p))
    return _maybe_inplace(input, inplace, lambda t: t * input._new(mask))


def _verify_batch_size(counted: list, shape) -> None:
    """PyTorch's refusal to normalise one value per channel: ``counted`` are the sizes whose
    product is the number of values each channel (or group) has."""
    if math.prod(counted) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{shape if isinstance(shape, list) else _size_repr(shape)}")


def _check_parameter_dtypes(input: Tensor, parameters: tuple) -> None:  # noqa: A002
    """PyTorch's CPU normalisation kernels take parameters of ``input``'s dtype (float32 ones
    also with a float16 input), and refuse others rather than cast them."""
    allowed = {input.dtype.name} | ({"float32"} if input.dtype.name == "float16" else set())
    for t in parameters:
        if t is not None and t.dtype.name not in allowed:
            if input.dtype.name == "float32":
                raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


@parse_args("Tensor input, object running_mean, object running_var, object weight, object bias, "
            "object training, object momentum, object eps")
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by its batch statistics (training) or running ones.

    In training, ``running_mean`` / ``running_var`` (if given) are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased batch variance.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.batch_norm(mt.randn(8, 3, 4, 4), None, None, training=True)
    >>> bool(y.mean((0, 2, 3)).abs().max() < 1e-5)
    True
    """
    if training:
        _verify_batch_size(_shape_list(input.shape[:1]) + _shape_list(input.shape[2:]), input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    running_mean, running_var, weight, bias = (
        convert("Tensor?", t, "batch_norm", name, pos) for t, name, pos in (
            (running_mean, "running_mean", 4), (running_var, "running_var", 5), (weight, "weight", 2),
            (bias, "bias", 3)))
    training = convert("bool", training, "batch_norm", "training", 6)
    momentum = convert("float", momentum, "batch_norm", "momentum", 7)
    eps = convert("float", eps, "batch_norm", "eps", 8)
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if input.numel() == 0:  # nothing to normalise: PyTorch returns a copy, kept in the graph
        out = input * 1
        if weight is not None and weight.numel():
            out = out * weight.reshape(-1)[0]
        if bias is not None and bias.numel():
            out = out + bias.reshape(-1)[0]
        return out
    C = input.shape[1] if input.dim() >= 2 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is None and name.startswith("running") and not training:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
        if t is not None and t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
    if input.dim() < 2:
        _normalize_dim(1, input.dim())  # PyTorch's IndexError for the missing channel dim
    _require_floating(input, "batch_norm")
    _check_parameter_dtypes(input, (weight, bias, running_mean, running_var))
    for t in (running_mean, running_var):
        if t is not None and t.dim() != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {t.dim()}")
    if training and is_grad_enabled():
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is not None and t.requires_grad:
                raise RuntimeError(f"The function 'native_batch_norm' is not differentiable with respect "
                                   f"to argument '{name}'. This input cannot have requires_grad True.")
    dims = (0,) + tuple(range(2, input.dim()))
    shape = (1, C) + (1,) * (input.dim() - 2)
    if training:
        count = input.numel() // C
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                batch_mean = mean.detach().reshape(C)
                batch_var = var.detach().reshape(C) * (count / (count - 1))
                running_mean.mul_(1 - momentum).add_(batch_mean * momentum)
                running_var.mul_(1 - momentum).add_(batch_var * momentum)
        out = centred / (var + eps).sqrt()
    else:
        out = (input - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    out = out.to(input.dtype)  # a float16 input keeps its dtype with float32 statistics
    return named_as(out, "NativeBatchNormBackward0") if out is not input else out


# ---------------------------------------------------------------------------- normalization
def _shape_list(shape) -> list:
    return [int(s) for s in shape]


def _check_normalized_shape(input: Tensor, normalized_shape, name: str, sep: str = ", ",  # noqa: A002
                            affine: tuple = ()) -> tuple:
    """``normalized_shape`` (a tuple of ints, parsed) checked as PyTorch does: not empty, then the
    ``affine`` (name, tensor) pairs of its shape, then the trailing dims of ``input``."""
    shape = tuple(normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing "
                           f"at least one element, but got normalized_shape = {list(shape)}")
    for affine_name, t in affine:
        _check_affine_shape(t, affine_name, shape)
    if tuple(input.shape[input.dim() - len(shape):]) != shape or input.dim() < len(shape):
        expected = sep.join(["*"] + [str(s) for s in shape]) if sep else "*" + ", ".join(
            str(s) for s in shape)
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[{expected}], but got input of size{_shape_list(input.shape)}")
    return shape


def _check_affine_shape(t: Tensor | None, name: str, shape: tuple) -> None:
    if t is not None and tuple(t.shape) != shape:
        raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} "
                           f"of shape {_shape_list(t.shape)} and normalized_shape = {list(shape)}")


def _normalize(x: Tensor, dims: tuple, eps: float) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` over ``dims``, the variance biased (divided by the count)."""
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred * _ew.rsqrt(var + eps)


@parse_args("Tensor input, int[] normalized_shape, Tensor? weight, Tensor? bias, float eps")
def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims of each sample, then
    ``* weight + bias`` (each of ``normalized_shape``).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.layer_norm(mt.tensor([[1.0, 2.0, 3.0]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]])
    """
    input, weight, bias = cast_inputs("fp32_gpu", input, weight, bias)  # under GPU autocast
    shape = _check_normalized_shape(input, normalized_shape, "layer_norm",
                                    affine=(("weight", weight), ("bias", bias)))
    _check_parameter_dtypes(input, (weight, bias))
    _require_floating(input, "LayerNormKernelImpl")
    out = _normalize(input, tuple(range(input.dim() - len(shape), input.dim())), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


@parse_args("Tensor input, int[] normalized_shape, Tensor? weight, float? eps")
def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims;
    ``eps=None`` takes the machine epsilon of ``input``'s dtype.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.rms_norm(mt.tensor([[3.0, 4.0]]), (2,))
    tensor([[0.8485, 1.1314]])
    """
    shape = _check_normalized_shape(input, normalized_shape, "rms_norm", sep="",
                                    affine=(("weight", weight),))
    _require_floating(input, "rms_norm")
    if eps is None:
        eps = float(input.xp.finfo(input._array.dtype).eps)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    out = input * _ew.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return out if weight is None else out * weight


def _check_channel_vector(t: Tensor | None, name: str, channels: int, input: Tensor) -> None:  # noqa: A002
    if t is not None and (t.dim() != 1 or t.numel() != channels):
        raise RuntimeError(
            f"Expected {name} to be a vector of size equal to the number of channels in input, but "
            f"got {name} of shape {_shape_list(t.shape)} and input of shape {_shape_list(input.shape)}"
        )


def _channel_shape(input: Tensor) -> tuple:  # noqa: A002
    """Where a per-channel vector broadcasts against (N, C, ...): (C, 1, ..., 1)."""
    return (input.shape[1],) + (1,) * (input.dim() - 2)


@parse_args("Tensor input, object num_groups, Tensor? weight, Tensor? bias, float eps")
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of (N, C, ...) into ``num_groups`` groups and normalise each group of
    each sample; then ``* weight + bias`` per channel.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.group_norm(mt.randn(2, 6, 4, 4), 3)
    >>> bool(y.reshape(2, 3, -1).mean(-1).abs().max() < 1e-5)
    True
    """
    input, weight, bias = cast_inputs("fp32_gpu", input, weight, bias)  # under GPU autocast
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    # PyTorch's Python layer divides by num_groups first (0 is a ZeroDivisionError there)
    counted = [n * c // num_groups, num_groups] + _shape_list(input.shape[2:])
    _verify_batch_size(counted[:1] + counted[2:], counted)
    num_groups = convert("int", num_groups, "group_norm", "num_groups", 2)
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {_shape_list(input.shape)} and num_groups={num_groups}"
        )
    _check_channel_vector(weight, "weight", c, input)
    _check_channel_vector(bias, "bias", c, input)
    _check_parameter_dtypes(input, (weight, bias))
    _require_floating(input, "GroupNormKernelImpl")
    grouped = input.reshape(n, num_groups, (c // num_groups) * math.prod(input.shape[2:]))
    out = _normalize(grouped, (2,), eps).reshape(input.shape)
    if weight is not None:
        out = out * weight.reshape(_channel_shape(input))
    if bias is not None:
        out = out + bias.reshape(_channel_shape(input))
    return out


@parse_args("Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight, Tensor? bias, "
            "bool use_input_stats, float momentum, float eps")
def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Normalise every channel of every sample over its spatial dims, (N, C, ...).

    With ``use_input_stats`` the statistics are the sample's own, and ``running_mean`` /
    ``running_var`` (if given) move towards their batch averages by ``momentum`` (the variance
    unbiased); without it the running statistics are used.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.instance_norm(mt.randn(2, 3, 8))
    >>> bool(y.mean(-1).abs().max() < 1e-5)
    True
    """
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{_size_repr(input.shape)}")
    if not use_input_stats and running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats "
                           "is false")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    _require_floating(input, "batch_norm")
    shape = _channel_shape(input)
    spatial = tuple(range(2, input.dim()))
    if use_input_stats:
        mean = input.mean(spatial, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(spatial, keepdim=True)
        out = centred * _ew.rsqrt(var + eps)
        if running_mean is not None:
            count = math.prod(input.shape[2:])
            with no_grad():
                batch_mean = mean.detach().reshape(input.shape[0], c).mean(0)
                batch_var = var.detach().reshape(input.shape[0], c).mean(0) * (count / (count - 1))
                running_mean.mul_(1 - momentum).add_(batch_mean.to(running_mean.dtype) * momentum)
                running_var.mul_(1 - momentum).add_(batch_var.to(running_var.dtype) * momentum)
    else:
        out = (input - running_mean.reshape(shape)) * _ew.rsqrt(running_var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _size_repr(shape) -> str:
    return f"torch.Size({_shape_list(shape)})"


@parse_args("Tensor input, object size, object alpha, object beta, object k")
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0) -> Tensor:
    """``x / (k + alpha * mean of x**2 over a window of `size` neighbouring channels) ** beta``
    (AlexNet's normalisation; the window is zero-padded at the ends of the channel dim).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.local_response_norm(mt.ones(1, 3, 1, 1), 2, alpha=1.0, beta=1.0).flatten()
    tensor([0.6667, 0.5000, 0.5000])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    if input.dtype.name not in ("float16", "float32", "float64", "int64"):  # PyTorch's average pool's
        pool = "avg_pool2d" if input.dim() == 3 else "avg_pool3d"
        raise NotImplementedError(f'"{pool}" not implemented for \'{_type_name(input)}\'')
    if size <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {size} kW: 1")
    channels = input.shape[1]
    squares = (input * input).movedim(1, -1)
    padded = pad(squares, (size // 2, (size - 1) // 2))
    window = padded.narrow(-1, 0, channels)
    for offset in range(1, size):
        window = window + padded.narrow(-1, offset, channels)
    scale = (window * (alpha / size) + k).movedim(-1, 1)
    return input / scale ** beta


# ---------------------------------------------------------------------------- channel dropout
def _feature_mask_shape(input: Tensor) -> tuple:  # noqa: A002
    """A mask that zeroes whole channels: (N, C, 1, ..., 1)."""
    return tuple(input.shape[:2]) + (1,) * (input.dim() - 2)


def _draw_keep(input: Tensor, p: float, shape: tuple):  # noqa: A002
    """A boolean array of ``shape``: True with probability ``1 - p``, from ``input``'s device RNG."""
    draw_dtype = "float64" if input.dtype.name == "float64" else "float32"
    with input.backend.device_context():
        return input.backend.rng.random(shape, dtype=draw_dtype) >= p


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:  # noqa: A002
    """Zero whole channels (dim 1) of (N, C, ...) with probability ``p``; scale the rest."""
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda t: t * 0)
    keep = _draw_keep(input, p, _feature_mask_shape(input))
    mask = input._new(keep.astype(input._array.dtype) * input._array.dtype.type(1.0 / (1.0 - p)))
    return _maybe_inplace(input, inplace, lambda t: t * mask)


def _unbatched_feature_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                               batched: bool) -> Tensor:
    if batched:
        return _feature_dropout(input, p, training, inplace)
    if inplace:  # the mask is drawn for the (1, C, ...) view and written through it
        _feature_dropout(input.unsqueeze(0), p, training, True)
        return input
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p``, scaling the rest by
    ``1 / (1 - p)`` (training only).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.dropout1d(mt.ones(4, 8, 5))
    >>> bool(((y == 0).all(-1) | (y == 2).all(-1)).all())
    True
    """
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
            "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _unbatched_feature_dropout(input, p, training, inplace, input.dim() == 3)


def _warn_feature_dims(name: str, ndim: int, allowed: tuple, spatial: int) -> None:
    import warnings

    if ndim not in allowed:
        warnings.warn(
            f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use "
            f"dropout instead. Note that {name} exists to provide channel-wise dropout on inputs with "
            f"{spatial} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
            f"{allowed[0]}D or {allowed[1]}D inputs).", UserWarning, stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of (N, C, H, W) with probability ``p``, scaling the rest by
    ``1 / (1 - p)`` (training only). A 3-D input is taken as (N, C, L), as PyTorch does (with its
    warning).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> y = F.dropout2d(mt.ones(4, 8, 3, 3))
    >>> sorted(set(y.flatten().tolist()))
    [0.0, 2.0]
    """
    import warnings

    _check_p(p)
    _warn_feature_dims("dropout2d", input.dim(), (3, 4), 2)
    if input.dim() == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p``, scaling the
    rest by ``1 / (1 - p)`` (training only).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.dropout3d(mt.ones(2, 4, 2, 2, 2), training=False).sum().item()
    64.0
    """
    _check_p(p)
    _warn_feature_dims("dropout3d", input.dim(), (4, 5), 3)
    return _unbatched_feature_dropout(input, p, training, inplace, input.dim() == 5)


_ALPHA_DROPOUT_ALPHA = 1.7580993408473766  # -scale * alpha of SELU: where SELU saturates


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, shape: tuple) -> Tensor:  # noqa: A002
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, inplace, lambda t: t * 0)
    keep = _draw_keep(input, p, shape).astype(input._array.dtype)
    a = 1.0 / math.sqrt((_ALPHA_DROPOUT_ALPHA ** 2 * p + 1) * (1 - p))
    shift = input._new((keep - 1) * (_ALPHA_DROPOUT_ALPHA * a) + _ALPHA_DROPOUT_ALPHA * a * p)
    scale = input._new(keep * a)
    return _maybe_inplace(input, inplace, lambda t: t * scale + shift)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:  # noqa: A002
    """Dropout for SELU networks: dropped elements become SELU's saturation value, and an affine
    map keeps the mean and variance (training only; note ``training=False`` by default).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.randn(100000, dtype=mt.float64)
    >>> y = F.alpha_dropout(x, 0.2, training=True)
    >>> abs(y.mean().item()) < 0.02 and abs(y.std().item() - 1) < 0.02
    True
    """
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels (dim 1).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.feature_alpha_dropout(mt.ones(2, 3, 4), 0.5, training=True).shape
    minitorch_conv.Size([2, 3, 4])
    """
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _alpha_dropout(input, p, training, inplace, _feature_mask_shape(input))


# ---------------------------------------------------------------------------- embedding
def _embedding_renorm_(weight: Tensor, indices, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, each looked-up row whose ``norm_type``-norm exceeds ``max_norm``."""
    rows = weight._new(weight.xp.unique(indices.reshape(-1)))
    with no_grad():
        picked = weight[rows]
        norms = picked.norm(norm_type, dim=1, keepdim=True)
        weight[rows] = _ew.where(norms > max_norm, picked * (max_norm / (norms + 1e-7)), picked)


@parse_args("object input, Tensor weight, object padding_idx, float? max_norm, object norm_type, "
            "bool scale_grad_by_freq, bool sparse")
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) by the integer ``input``: the
    output has shape ``input.shape + (embedding_dim,)``.

    ``padding_idx``'s row gets no gradient. ``max_norm`` rescales, in place, each looked-up row
    whose ``norm_type``-norm is larger. ``scale_grad_by_freq`` divides each row's gradient by how
    often its index occurs in ``input``. ``sparse=True`` is accepted; the gradient is dense.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> weight = mt.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    >>> F.embedding(mt.tensor([[2, 1], [1, 0]]), weight)
    tensor([[[3., 4.],
             [1., 2.]],
    <BLANKLINE>
            [[1., 2.],
             [0., 0.]]])
    """
    if padding_idx is not None:  # PyTorch's Python checks, then its parser's (no float, no bool)
        if weight.dim() == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        num_rows = weight.shape[0]
        if padding_idx > 0 and padding_idx >= num_rows or padding_idx < 0 and padding_idx < -num_rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx = num_rows + padding_idx
        padding_idx = convert("int", padding_idx, "embedding", "padding_idx", 3)
    input = convert("Tensor", input, "embedding", "indices", 2)  # noqa: A001 - then the kernel's checks
    if weight.dim() == 0 and weight.requires_grad and is_grad_enabled() and max_norm is None:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")  # its autograd path's
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got torch.{_type_name(input)}Tensor instead (while checking arguments for "
            "embedding)"
        )
    num_rows = weight.shape[0]
    indices = input._array
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= num_rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        norm_type = convert("float", norm_type, "embedding_renorm_", "norm_type", 4)
        if weight.shape[1]:  # rows of no elements have nothing to rescale
            _embedding_renorm_(weight, indices, max_norm, norm_type)
    return _embedding.EmbeddingFunction.apply(weight, indices, padding_idx, scale_grad_by_freq)


# ---------------------------------------------------------------------------- resizing
_INTERPOLATE_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_MODE_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _output_sizes(input: Tensor, size, scale_factor, dims: int):  # noqa: A002
    """PyTorch's rules: exactly one of ``size`` / ``scale_factor``, an int or one per spatial dim."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dims:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {_shape_list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            if not all(_is_integer(s) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}"
                )
            return list(size), None
        return [size] * dims, None  # checked where the kernel takes it, as in PyTorch
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dims:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {_shape_list(input.shape[2:])} and scale_factor "
                f"of shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                "format and scale_factor in (s1, s2, ...,sK) format."
            )
        return None, list(scale_factor)
    return None, [scale_factor] * dims


def _size_ints(sizes: list) -> list:
    """The output sizes as ints, as PyTorch's kernels parse them: a "tuple of ints" refuses
    values past int64, and a bool as its first element (it tells a list by its first element)."""
    return [_size_int(s, first=i == 0) for i, s in enumerate(sizes)]


def _size_int(value, first: bool = False) -> int:
    if not _is_integer(value) or first and (value is True or value is False or isinstance(value, np.bool_)):
        raise TypeError("interpolate(): argument 'output_size' must be tuple of ints, but found element "
                        f"of type {type(value).__name__}")
    out = int(value.item() if isinstance(value, Tensor) else value)
    if not -2**63 <= out < 2**63:
        raise TypeError("interpolate(): argument 'output_size' failed to unpack the object with error "
                        '"Overflow when unpacking long long"')
    return out


def _scale_float(value) -> float:
    """One scale factor as a float: a real number (a bool counts as one, as in PyTorch)."""
    if isinstance(value, Tensor) and value.numel() == 1:
        return float(value.item())
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise TypeError(f"interpolate(): argument 'scale_factor' must be tuple of floats, not "
                    f"{type(value).__name__}")


def _scaled_size(n: int, factor: float) -> int:
    """``floor(n * factor)`` as PyTorch's kernels compute it: past int64 is a RuntimeError."""
    size = n * factor
    if not -2.0**63 <= size < 2.0**63:  # NaN too
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    return int(size)


def _check_adaptive_sizes(input: Tensor, output_size: list) -> None:  # noqa: A002
    """The checks of PyTorch's adaptive average pooling, which its 'area' mode calls: sizes of at
    least 0 (0 gives an empty output), and no empty spatial dimension in the input."""
    pool = "adaptive_avg_pool3d" if len(output_size) == 3 else "adaptive_avg_pool2d"
    if min(output_size) < 0:
        raise RuntimeError(f"{pool}: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{', '.join(str(s) for s in output_size)}}}")
    for dim in range(2, input.dim()):
        if input.shape[dim] == 0:
            raise RuntimeError(f"{pool}(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {_shape_list(input.shape)} with dimension {dim} being "
                               "empty")


def _check_interpolate_dtype(input: Tensor, mode: str, output_size: list) -> None:  # noqa: A002
    """PyTorch's CPU kernels resample floating tensors, and uint8 ones in the nearest modes (and
    bilinear/bicubic, which minitorch_conv does not); the rest is its kernel's NotImplementedError
    (a 1x1 'area' output is its mean(), a RuntimeError)."""
    if input.dtype.is_floating_point or input.dtype.name == "uint8" and mode in ("nearest", "nearest-exact"):
        return
    if mode == "area" and all(s == 1 for s in output_size):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {_type_name(input)}")
    if mode == "area":
        kernel = "adaptive_avg_pool3d_cpu" if input.dim() == 5 else "adaptive_avg_pool2d"
    elif mode in ("nearest", "nearest-exact"):
        kernel = "upsample_nearest2d_channels_last" if input.dim() == 4 else "compute_indices_weights_nearest"
    elif mode == "bilinear":
        kernel = "upsample_bilinear2d_channels_last"
    else:
        kernel = "compute_indices_weights_cubic" if mode == "bicubic" else "compute_indices_weights_linear"
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input)}\'')


def _is_integer(value) -> bool:
    if isinstance(value, Tensor):
        return not value.dtype.is_floating_point and value.numel() == 1
    return isinstance(value, int) or (hasattr(value, "__index__") and not isinstance(value, float))


@parse_args("Tensor input, object size, object scale_factor, object mode, object align_corners, "
            "object recompute_scale_factor, object antialias")
def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, ...) to ``size``, or by ``scale_factor``.

    ``mode``: ``'nearest'`` / ``'nearest-exact'`` / ``'area'`` (3-D to 5-D input), ``'linear'``
    (3-D), ``'bilinear'`` / ``'bicubic'`` (4-D), ``'trilinear'`` (5-D). ``align_corners=True``
    maps the corner pixels onto each other (interpolating modes only). With a ``scale_factor`` the
    output size is ``floor(input size * scale_factor)`` and the kernel uses the factor itself
    unless ``recompute_scale_factor=True``. ``antialias=True`` (bilinear, bicubic) low-pass filters
    when shrinking. See ``minitorch_conv.ops.interpolate`` for the formulas.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.tensor([[[1.0, 2.0]]])
    >>> F.interpolate(x, scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    >>> F.interpolate(x, size=4, mode="linear")
    tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    >>> F.interpolate(x, size=3, mode="linear", align_corners=True)
    tensor([[[1.0000, 1.5000, 2.0000]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dims = input.dim() - 2
    output_size, factors = _output_sizes(input, size, scale_factor, max(dims, 0))
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor and factors is not None:  # in Python, as PyTorch: NaN is a ValueError
        output_size = [int(n * f) for n, f in zip(input.shape[2:], factors)]
        factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
                         "requires a 4-D tensor as input")
    interpolating = isinstance(mode, str) and mode in _MODE_DIMS  # (a mode of any other type: unknown)
    known = mode in ("nearest", "nearest-exact", "area") or interpolating
    if not known or input.dim() not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the "
            f"modes: {_INTERPOLATE_MODES} (got {mode})"
        )
    if interpolating and input.dim() != _MODE_DIMS[mode]:
        if mode == "bicubic":
            raise NotImplementedError(
                f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                f"the modes: {_INTERPOLATE_MODES} (got {mode})"
            )
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_MODE_DIMS[mode]}D input")
    in_sizes = _shape_list(input.shape[2:])
    # the kernel's parser: sizes as ints, scale factors as floats, align_corners a bool
    output_size = None if output_size is None else _size_ints(output_size)
    factors = None if factors is None else [_scale_float(f) for f in factors]
    if interpolating:
        align_corners = convert("bool", align_corners, f"upsample_{mode}", "align_corners", 3)
    if mode == "area":  # PyTorch's 'area' is adaptive average pooling, with its checks
        if dims <= 2 and all(s == 1 for s in output_size):  # its 1x1 case is a mean (NaN when empty)
            _check_interpolate_dtype(input, mode, output_size)
            return input.mean(tuple(range(2, input.dim())), keepdim=True)
        _check_adaptive_sizes(input, output_size)
        out_shape = _shape_list(input.shape[:2]) + output_size
        check_storage(tuple(out_shape), input.dtype)
        if math.prod(out_shape) == 0:  # an empty output (still in the graph), for any dtype
            return input.new_zeros(tuple(out_shape)) + input.sum() * 0
        _check_interpolate_dtype(input, mode, output_size)
        plans = [_interp.plan_axis(mode, n_in, n_out, None, False, False, dims)
                 for n_in, n_out in zip(in_sizes, output_size)]
        return _interp.resample(input, plans)
    if output_size is None:
        output_size = [_scaled_size(n, f) for n, f in zip(in_sizes, factors)]
    if min(in_sizes) <= 0 or min(output_size) <= 0:
        letters = ["D", "H", "W"][3 - dims:]
        sizes_in = ", ".join(f"{a}: {n}" for a, n in zip(letters, in_sizes))
        sizes_out = ", ".join(f"{a}: {n}" for a, n in zip(letters, output_size))
        joiner = " and output" if dims == 1 else " output"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({sizes_in}){joiner} ({sizes_out})")
    if input.shape[1] == 0:
        raise RuntimeError(f"Non-empty {input.dim()}D data tensor expected but got a tensor with "
                           f"sizes {_shape_list(input.shape)}")
    _check_interpolate_dtype(input, mode, output_size)
    check_storage((*input.shape[:2], *output_size), input.dtype)
    plans = [_interp.plan_axis(mode, n_in, n_out, None if factors is None else factors[i],
                               bool(align_corners), antialias, dims)
             for i, (n_in, n_out) in enumerate(zip(in_sizes, output_size))]
    return _interp.resample(input, plans)


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (warns, as PyTorch does).

    >>> import warnings
    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample(mt.ones(1, 1, 2, 2), scale_factor=2).shape
    minitorch_conv.Size([1, 1, 4, 4])
    """
    import warnings

    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``.

    >>> import warnings
    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample_nearest(mt.ones(1, 1, 2, 2), 3).shape
    minitorch_conv.Size([1, 1, 3, 3])
    """
    import warnings

    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)``.

    >>> import warnings
    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample_bilinear(mt.ones(1, 1, 2, 2), scale_factor=2).shape
    minitorch_conv.Size([1, 1, 4, 4])
    """
    import warnings

    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------------- distances
@parse_args("Tensor x1, Tensor x2, float p, float eps, bool keepdim")
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim (``eps`` keeps the gradient finite at 0).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.pairwise_distance(mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    ndim = max(x1.dim(), x2.dim())
    return _rd.norm(x1 - x2 + eps, p, dim=-1 if ndim else None, keepdim=keepdim)


@parse_args("Tensor x1, Tensor x2, int dim, float eps")
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``<x1, x2> / max(||x1|| * ||x2||, eps)`` along ``dim`` (inputs broadcast together).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.cosine_similarity(mt.tensor([[1.0, 0.0]]), mt.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    # as PyTorch: integers (and bools) in the common floating dtype, broadcast, normalise each input
    # (each norm at least eps), then take the dot
    common = result_dtype(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{_TYPE_NAMES.get(common.name, common.name)}")
    x1 = x1 if x1.dtype.is_floating_point else x1.to(common)
    x2 = x2 if x2.dtype.is_floating_point else x2.to(common)
    if tuple(x1.shape) != tuple(x2.shape):
        shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
        x1, x2 = x1.expand(*shape), x2.expand(*shape)
    norm1 = _ew.clamp(_rd.norm(x1, 2, dim=dim, keepdim=True), min=eps)
    norm2 = _ew.clamp(_rd.norm(x2, 2, dim=dim, keepdim=True), min=eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


@parse_args("Tensor input, object p, object dim, object eps, Tensor? out")
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.normalize(mt.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    denom = _ew.clamp(_rd.norm(input, 2 if p is None else p, dim=dim, keepdim=True),
                      min=eps).expand_as(input)
    result = input / denom
    if out is not None:
        out.copy_(result)
        return out
    return result


def _check_factor(name: str, argument: str, factor) -> None:
    if isinstance(factor, bool) or not isinstance(factor, int):
        raise TypeError(f"{name}(): argument '{argument}' (position 2) must be int, not "
                        f"{type(factor).__name__}")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {argument}, but got {factor}")


def _check_dims(name: str, input: Tensor) -> None:  # noqa: A002
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): each group of r*r channels becomes an r x r block.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.pixel_shuffle(mt.arange(8.0).reshape(1, 4, 1, 2), 2)
    tensor([[[[0., 2., 1., 3.],
              [4., 6., 5., 7.]]]])
    """
    _check_factor("pixel_shuffle", "upscale_factor", upscale_factor)
    _check_dims("pixel_shuffle", input)
    r = upscale_factor
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(batch)
    blocks = input.reshape(*batch, c // (r * r), r, r, h, w)          # (*, C, r_h, r_w, H, W)
    moved = blocks.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r_h, W, r_w)
    return moved.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of :func:`pixel_shuffle`.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> x = mt.randn(2, 3, 4, 6)
    >>> bool((F.pixel_shuffle(F.pixel_unshuffle(x, 2), 2) == x).all())
    True
    """
    _check_factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    _check_dims("pixel_unshuffle", input)
    r = downscale_factor
    *batch, c, h, w = input.shape
    for side, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {side} to be divisible by downscale_factor, but "
                f"input.size({dim})={size} is not divisible by {r}"
            )
    n = len(batch)
    blocks = input.reshape(*batch, c, h // r, r, w // r, r)           # (*, C, H, r_h, W, r_w)
    moved = blocks.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r_h, r_w, H, W)
    return moved.reshape(*batch, c * r * r, h // r, w // r)


# Attention is written with the functions above (linear, softmax, dropout, pad), so it is imported
# last: nn/attention.py reads this module's names while it is still being initialised.
from .attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402, F401, I001
