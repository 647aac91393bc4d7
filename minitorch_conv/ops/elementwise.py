"""Element-wise operations and their derivatives; NumPy broadcasting.

Every forward works on arrays; every backward is written with tensor operations, so it is
differentiable again (``create_graph=True``). Gradients of broadcast operands are reduced to the
operand's shape in one place, the engine.
"""

from __future__ import annotations

import math
import numbers
import warnings

from .._arguments import parse_args
from ..amp.autocast_mode import cast_inputs
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backends import CPP_NAMES, bool_, get_default_dtype, int64, quiet
from ..backends.dtypes import check_scalar_fits
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes, check_same_device, on_one_device, scalar_type_name


def _mask(tensor: Tensor, array) -> Tensor:
    """``array`` (a boolean mask, or numbers: signs, tie shares, quotients) as a constant
    (non-differentiable) tensor in ``tensor``'s dtype and on its device, to scale a gradient by."""
    return tensor._new(array.astype(tensor._array.dtype, copy=False))


def _floating(a: Tensor) -> Tensor:
    if a.dtype.is_floating_point:
        return a
    return a.to(get_default_dtype())


def _check_integer_divisor(a, b):
    if not a.dtype.is_floating_point and a.dtype.name != "bool" and bool((b._array == 0).any()):
        raise RuntimeError("ZeroDivisionError")


# ---------------------------------------------------------------------------- arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a._array + b._array

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


@parse_args("Tensor input, Tensor|Number other, *, Number alpha")
def add(a, b, *, alpha=1):
    """``a + alpha * b`` with broadcasting."""
    a, b = binary_operands(a, b)
    return Add.apply(a, b if alpha == 1 else b * alpha)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a._array - b._array

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None


def _is_bool(value) -> bool:
    return type(value) is bool or isinstance(value, Tensor) and value.dtype.name == "bool"


def check_bool_subtraction(a, b) -> None:
    """PyTorch refuses ``-`` with a bool operand (a bool tensor or a Python bool)."""
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                           "`^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


@parse_args("Tensor input, Tensor|Number other, *, Number alpha")
def sub(a, b, *, alpha=1):
    check_bool_subtraction(a, b)
    a, b = binary_operands(a, b)
    return Sub.apply(a, b if alpha == 1 else b * alpha)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._array * b._array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor|Number other")
def mul(a, b):
    a, b = binary_operands(a, b)
    return Mul.apply(a, b)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._array / b._array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class RoundedDiv(Function):
    """``a / b`` rounded towards zero (``'trunc'``) or down (``'floor'``). Piecewise constant, so its
    gradient is zero for both operands, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        xp, x, y = a.xp, a._array, b._array
        with quiet(xp):
            if rounding_mode == "floor":
                return xp.floor_divide(x, y)
            if a.dtype.is_floating_point:
                return xp.trunc(x / y)
            quotient = xp.floor_divide(x, y)  # integers: floor, plus one where it went below trunc
            return quotient + ((quotient < 0) & (quotient * y != x))

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, grad * 0 if ctx.needs_input_grad[1] else None, None


@parse_args("Tensor input, Tensor|Number other, *, str? rounding_mode")
def div(input, other, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """``input / other`` with broadcasting: true division (integers give the default float), or
    rounded towards zero (``rounding_mode='trunc'``) or down (``'floor'``) in the operands' dtype.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([7, -7])
    >>> x / 2, mt.div(x, 2, rounding_mode="trunc"), mt.div(x, 2, rounding_mode="floor")
    (tensor([ 3.5000, -3.5000]), tensor([ 3, -3]), tensor([ 3, -4]))
    """
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b = binary_operands(input, other)
    if rounding_mode is not None:
        _check_integer_divisor(a, b)
        return RoundedDiv.apply(a, b, rounding_mode)
    if not a.dtype.is_floating_point:  # true division of integers gives the default float
        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return Div.apply(a, b)


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a._array

    @staticmethod
    def backward(ctx, grad):
        return -grad


@parse_args("Tensor input")
def neg(a):
    if a.dtype.name == "bool":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
            "a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(a)


class PowScalar(Function):
    """``a ** exponent`` for a Python number ``exponent``."""

    node_name = "PowBackward0"  # PyTorch's: tensor ** number

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        x = a._array
        if x.dtype.kind in "iu":  # integer powers wrap around, as in PyTorch
            return (x.astype(a.xp.int64) ** a.xp.asarray(exponent, dtype=a.xp.int64)).astype(x.dtype)
        with quiet(a.xp):  # overflow to inf, 0 ** -1 = inf: PyTorch's values, without NumPy's warnings
            return x ** a.xp.asarray(exponent, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0, None
        return grad * e * a ** (e - 1), None


class Pow(Function):
    """``a ** b`` for two tensors."""

    node_name = "PowBackward1"  # PyTorch's: tensor ** tensor

    @staticmethod
    def forward(ctx, a, b):
        out = a._array ** b._array
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        grad_b = None
        if ctx.needs_input_grad[1]:
            # d/db a**b = a**b * log(a), taken as 0 where a == 0 (PyTorch's convention)
            safe = where(a == 0, a.new_ones(()), a)
            grad_b = where(a == 0, a.new_zeros(()), grad * a**b * safe.log())
        return grad_a, grad_b


def _is_bool_tensor(value) -> bool:
    return isinstance(value, Tensor) and value.dtype.name == "bool"


def _check_scalar_range(value) -> None:
    """PyTorch reads a Python int as an int64 or a uint64: one past both is an OverflowError."""
    if type(value) is int and value >= 2**64:
        raise OverflowError("int too big to convert")
    if type(value) is int and value < -2**63:
        raise OverflowError("can't convert negative int to unsigned")


@parse_args("Tensor|Number input, Tensor|Number exponent")
def pow(a, exponent):  # noqa: A001 - PyTorch's name
    a, exponent = cast_inputs("fp32_gpu", a, exponent)  # float32 under GPU autocast
    _check_scalar_range(a)
    _check_scalar_range(exponent)
    if isinstance(a, Tensor) and not isinstance(exponent, Tensor):
        if isinstance(exponent, float) and not a.dtype.is_floating_point:
            from ..backends import get_default_dtype

            a = a.to(get_default_dtype())
        if not a.dtype.is_floating_point:  # an integer or bool tensor, an int or bool exponent
            if exponent >= 2**63:
                raise RuntimeError("value cannot be converted to type int64_t without overflow")
            if exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if a.dtype.name == "bool":  # bool ** bool stays bool; bool ** int is int64
                if type(exponent) is bool:
                    return a.clone() if exponent else a.new_ones(a.shape)
                a = a.to(int64)
        return PowScalar.apply(a, exponent)
    if _is_bool_tensor(a) and _is_bool_tensor(exponent):
        raise NotImplementedError('"pow" not implemented for \'Bool\'')
    a, b = binary_operands(a, exponent)
    return Pow.apply(a, b)


# ---------------------------------------------------------------------------- unary math
class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = a.xp.exp(a._array)
        result = a._new(out)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


@parse_args("Tensor input")
def exp(a):
    (a,) = cast_inputs("fp32_gpu", a)  # float32 under GPU autocast
    return Exp.apply(_floating(a))


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.log(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


@parse_args("Tensor input")
def log(a):
    (a,) = cast_inputs("fp32_gpu", a)  # float32 under GPU autocast
    return Log.apply(_floating(a))


class Log1p(Function):
    """``log(1 + a)``, accurate for small ``a``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.log1p(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a + 1)


@parse_args("Tensor input")
def log1p(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``log(1 + input)`` element-wise, accurate where ``input`` is tiny (integers give floats).

    >>> import minitorch_conv as mt
    >>> mt.log1p(mt.tensor([0.0, 1e-10], dtype=mt.float64)).tolist()
    [0.0, 9.999999999500001e-11]
    """
    return Log1p.apply(_floating(input))


class Expm1(Function):
    """``exp(a) - 1``, accurate for small ``a``."""

    @staticmethod
    def forward(ctx, a):
        result = a._new(a.xp.expm1(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


@parse_args("Tensor input")
def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """``exp(input) - 1`` element-wise, accurate where ``input`` is tiny.

    >>> import minitorch_conv as mt
    >>> mt.expm1(mt.tensor([0.0, 1e-10], dtype=mt.float64)).tolist()
    [0.0, 1.00000000005e-10]
    """
    return Expm1.apply(_floating(input))


class LogBase(Function):
    """``log2`` or ``log10``: ``log(a) / log(base)``."""

    @staticmethod
    def forward(ctx, a, base):
        ctx.save_for_backward(a)
        ctx.log_base = math.log(base)
        return (a.xp.log2 if base == 2 else a.xp.log10)(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (a * ctx.log_base), None


@parse_args("Tensor input")
def log2(input: Tensor) -> Tensor:  # noqa: A002
    """The base-2 logarithm, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.log2(mt.tensor([1, 8]))
    tensor([0., 3.])
    """
    return LogBase.apply(_floating(input), 2)


@parse_args("Tensor input")
def log10(input: Tensor) -> Tensor:  # noqa: A002
    """The base-10 logarithm, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.log10(mt.tensor([1.0, 10.0, 1000.0], dtype=mt.float64)).tolist()
    [0.0, 1.0, 3.0]
    """
    return LogBase.apply(_floating(input), 10)


class Exp2(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(a.xp.exp2(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * math.log(2.0)


@parse_args("Tensor input")
def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """``2 ** input``, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.exp2(mt.tensor([1, 3]))
    tensor([2., 8.])
    """
    return Exp2.apply(_floating(input))


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(a.xp.sqrt(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


@parse_args("Tensor input")
def sqrt(a):
    return Sqrt.apply(_floating(a))


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.abs(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _mask(a, a.xp.sign(a._array))


@parse_args("Tensor input")
def abs(a):  # noqa: A001
    if a.dtype.name == "bool":
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
    return Abs.apply(a)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(a.xp.tanh(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


@parse_args("Tensor input")
def tanh(a):
    return Tanh.apply(_floating(a))


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        xp, x = a.xp, a._array
        # stable for large |x|: exp of a non-positive number only
        e = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        result = a._new(out)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


@parse_args("Tensor input")
def sigmoid(a):
    return Sigmoid.apply(_floating(a))


class Relu(Function):
    """``max(a, 0)``. Backward keeps the output, as PyTorch's does (so that writing it in place
    before backward raises PyTorch's error, which names it; the output is there anyway, so ReLU
    costs no memory of its own), and passes the gradient where ``output > 0``
    (``backend.relu_grad``: one pass in Numba on the CPU, a multiplication by the mask elsewhere)."""

    @staticmethod
    def forward(ctx, a):
        result = a._new(a.backend.relu(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: a node, differentiable in grad
            return Mul.apply(grad, out._new(out._array > 0))
        return grad._new(grad.backend.relu_grad(grad._array, out._array))


@parse_args("Tensor input")
def relu(a):
    return Relu.apply(a)


class Clamp(Function):
    node_name = "ClampBackward1"  # PyTorch's, for number bounds (ClampBackward0 takes tensors)

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.bounds = (lo, hi)
        return a.xp.clip(a._array, lo, hi).astype(a._array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        keep = a.xp.ones(a.shape, dtype=bool)
        if lo is not None:
            keep &= a._array >= lo
        if hi is not None:
            keep &= a._array <= hi
        return grad * _mask(a, keep), None, None


class ClampTensor(Function):
    """``min(max(a, lo), hi)`` with tensor bounds (either may be None).

    PyTorch's subgradients: ``a`` gets the gradient where ``lo <= a <= hi``; ``lo`` where ``a < lo``
    (and ``lo < hi``); ``hi`` where ``a > hi`` or the bounds cross (``hi < lo``: the result is ``hi``).
    """

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a, lo, hi)
        out = a._array
        if lo is not None:
            out = a.xp.maximum(out, lo._array)
        if hi is not None:
            out = a.xp.minimum(out, hi._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, lo, hi = ctx.saved_tensors
        zero = grad.new_zeros(())
        if lo is not None and hi is not None:
            keep_a = logical_and(a >= lo, a <= hi)
            to_lo = logical_and(a < lo, lo < hi)
            to_hi = logical_or(a > hi, hi < lo)
        elif lo is not None:
            keep_a, to_lo, to_hi = a >= lo, a < lo, None
        else:
            keep_a, to_lo, to_hi = a <= hi, None, a > hi
        return (where(keep_a, grad, zero) if ctx.needs_input_grad[0] else None,
                where(to_lo, grad, zero) if ctx.needs_input_grad[1] else None,
                where(to_hi, grad, zero) if ctx.needs_input_grad[2] else None)


_CLAMP_OVERLOADS = ("Tensor input, Tensor? min=None, Tensor? max=None, *, Tensor? out=None",
                    "Tensor input, Number? min=None, Number? max=None, *, Tensor? out=None")


@parse_args("Tensor input, Tensor|Number? min, Tensor|Number? max", overloads=_CLAMP_OVERLOADS)
def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Limit ``input`` to ``[min, max]``; each bound a number, a tensor (broadcast) or None.

    Where ``min > max`` the result is ``max``, as in PyTorch. The gradient goes to ``input`` inside
    the bounds and to a tensor bound where it applies.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([-2.0, 0.5, 3.0])
    >>> x.clamp(-1, 1), x.clamp(min=mt.tensor([0.0, 1.0, 0.0]))
    (tensor([-1.0000,  0.5000,  1.0000]), tensor([0., 1., 3.]))
    """
    a = input
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = hi = None
        if min is not None:
            a, lo = binary_operands(a, min)
        if max is not None:
            a, hi = binary_operands(a, max)
            if lo is not None and lo.dtype is not a.dtype:
                lo = lo.to(a.dtype)
        return ClampTensor.apply(a, lo, hi)
    _check_scalar_range(min)
    _check_scalar_range(max)
    if not a.dtype.is_floating_point and any(isinstance(v, float) for v in (min, max)):
        a = a.to(get_default_dtype())  # an integer tensor clamped to 2.5 gives floats, as in PyTorch
    if not a.dtype.is_floating_point:  # an int bound must fit the integer dtype (-1 wraps into uint8)
        min, max = (None if v is None else check_scalar_fits(v, a.dtype) for v in (min, max))
    return Clamp.apply(a, min, max)


@parse_args("Tensor input, Tensor|Number min")
def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``.

    >>> import minitorch_conv as mt
    >>> mt.clamp_min(mt.tensor([-1.0, 2.0]), 0.0)
    tensor([0., 2.])
    """
    return clamp(input, min=min)


@parse_args("Tensor input, Tensor|Number max")
def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``.

    >>> import minitorch_conv as mt
    >>> mt.clamp_max(mt.tensor([-1.0, 2.0]), 0.0)
    tensor([-1.,  0.])
    """
    return clamp(input, max=max)


class Lerp(Function):
    """``start + weight * (end - start)``; PyTorch's second form ``end - (end - start) * (1 - weight)``
    where ``|weight| >= 0.5``, which is exact at ``weight == 1``."""

    @staticmethod
    def forward(ctx, start, end, weight):
        ctx.save_for_backward(start, end, weight)
        x, y, w = start._array, end._array, weight._array
        xp = start.xp
        return xp.where(xp.abs(w) < 0.5, x + w * (y - x), y - (y - x) * (1 - w))

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (grad * (1 - weight) if need[0] else None,
                grad * weight if need[1] else None,
                grad * (end - start) if need[2] else None)


@parse_args("Tensor input, Tensor end, Tensor|Number weight")
def lerp(input: Tensor, end: Tensor, weight) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``, broadcasting; ``weight`` is a number or a tensor.

    All tensors must share one floating dtype, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> mt.lerp(mt.tensor([0.0, 10.0]), mt.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {scalar_type_name(input.dtype).lower()} for `{name}` but got "
                               f"dtype {scalar_type_name(other.dtype).lower()}")
    kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(input.dtype)}\'')
    if not isinstance(weight, Tensor):
        weight = input.new_tensor(weight)
    input, end, weight = on_one_device(input, end, weight)
    broadcast_shapes(input.shape, end.shape, weight.shape)
    return Lerp.apply(input, end, weight)


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.maximum(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xa, xb = a._array, b._array
        share_a = _mask(a, (xa > xb) + 0.5 * (xa == xb))  # ties split the gradient, as PyTorch does
        return grad * share_a, grad * (1 - share_a)


@parse_args("Tensor input, Tensor other")
def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The element-wise maximum of two tensors (NaN wins; ties share the gradient).

    >>> import minitorch_conv as mt
    >>> mt.maximum(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    a, b = binary_operands(input, other)
    return Maximum.apply(a, b)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.minimum(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xa, xb = a._array, b._array
        share_a = _mask(a, (xa < xb) + 0.5 * (xa == xb))
        return grad * share_a, grad * (1 - share_a)


@parse_args("Tensor input, Tensor other")
def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The element-wise minimum of two tensors (NaN wins; ties share the gradient).

    >>> import minitorch_conv as mt
    >>> mt.minimum(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    a, b = binary_operands(input, other)
    return Minimum.apply(a, b)


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        return a.xp.where(condition._array, a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        cond = ctx.condition
        zero = grad.new_zeros(())
        return (None,
                where(cond, grad, zero) if ctx.needs_input_grad[1] else None,
                where(cond, zero, grad) if ctx.needs_input_grad[2] else None)


def _scalar_pair_dtype(a, b):
    """The dtype of ``where(c, a, b)`` for two Python numbers: bool, else int64, else default float."""
    if isinstance(a, bool) and isinstance(b, bool):
        return bool_
    if any(isinstance(v, float) or (isinstance(v, numbers.Number) and not isinstance(v, numbers.Integral))
           for v in (a, b)):
        return get_default_dtype()
    return int64


@parse_args("Tensor condition, Tensor|Number? input, Tensor|Number? other", overloads=(
    "Tensor condition", "Tensor condition, Tensor input, Tensor other, *, Tensor? out=None",
    "Tensor condition, Number self, Tensor other", "Tensor condition, Tensor input, Number other",
    "Tensor condition, Number self, Number other"))
def where(condition: Tensor, input=None, other=None):  # noqa: A002 - PyTorch's names
    """Pick from ``input`` where ``condition`` holds and from ``other`` elsewhere (broadcasting).

    Either value may be a Python number. ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``.

    >>> import minitorch_conv as mt
    >>> c = mt.tensor([True, False, True])
    >>> mt.where(c, mt.tensor([1.0, 2.0, 3.0]), 0.0), mt.where(c, 1, 0)
    (tensor([1., 0., 3.]), tensor([1, 0, 1]))
    >>> mt.where(c)
    (tensor([0, 2]),)
    """
    if input is None and other is None:
        xp = condition.xp
        return tuple(condition._new(i.astype(xp.int64)) for i in xp.nonzero(xp.atleast_1d(condition._array)))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dtype = _scalar_pair_dtype(input, other)
        input, other = condition.new_tensor(input, dtype=dtype), condition.new_tensor(other, dtype=dtype)
    a, b = binary_operands(input, other)
    if condition.dtype.name == "uint8":
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be "
                      "removed in a future version of PyTorch. Use a boolean condition instead.",
                      UserWarning, stacklevel=2)
        condition = condition.to(bool_)
    elif condition.dtype.name != "bool":
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{scalar_type_name(condition.dtype)}")
    condition, a, b = on_one_device(condition, a, b)
    broadcast_shapes(condition.shape, a.shape, b.shape)
    return Where.apply(condition, a, b)


@parse_args("Tensor input, Tensor mask, Tensor|Number value",
            overloads=("Tensor input, Tensor mask, Tensor value", "Tensor input, Tensor mask, Number value"))
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``input`` with ``value`` wherever the boolean ``mask`` (broadcast with ``input``) is True.

    >>> import minitorch_conv as mt
    >>> mt.tensor([1.0, 2.0, 3.0]).masked_fill(mt.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    a = input
    if mask.dtype.name != "bool":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{CPP_NAMES.get(mask.dtype.name, mask.dtype.name)}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        if value.dtype.is_floating_point and not a.dtype.is_floating_point:
            check_scalar_fits(value.item(), a.dtype)
        value = value.to(a.dtype)
    else:
        if isinstance(value, complex):
            raise RuntimeError(f"value cannot be converted to type {scalar_type_name(a.dtype).lower()} "
                               "without overflow")
        value = a.new_tensor(check_scalar_fits(value, a.dtype))
    check_same_device(a, mask)
    a, value = on_one_device(a, value)  # a 0-d value on the CPU joins the input's device
    broadcast_shapes(mask.shape, a.shape)
    return Where.apply(mask, value, a) if a.ndim >= mask.ndim else where(mask, value, a)


class Sin(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.sin(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.cos()


@parse_args("Tensor input")
def sin(a):
    """Element-wise sine.

    >>> import minitorch_conv as mt
    >>> mt.sin(mt.tensor([0.0, 1.5707964]))
    tensor([0., 1.])
    """
    return Sin.apply(_floating(a))


class Cos(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.cos(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * a.sin()


@parse_args("Tensor input")
def cos(a):
    """Element-wise cosine.

    >>> import minitorch_conv as mt
    >>> mt.cos(mt.tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(_floating(a))


class Reciprocal(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(1 / a._array)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * out * out


@parse_args("Tensor input")
def reciprocal(a):
    """``1 / a`` element-wise (integers give the default float dtype).

    >>> import minitorch_conv as mt
    >>> mt.reciprocal(mt.tensor([2.0, 4.0]))
    tensor([0.5000, 0.2500])
    """
    return Reciprocal.apply(_floating(a))


class Rsqrt(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(1 / a.xp.sqrt(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * out * out * -0.5


@parse_args("Tensor input")
def rsqrt(a):
    """``1 / sqrt(a)`` element-wise.

    >>> import minitorch_conv as mt
    >>> mt.rsqrt(mt.tensor([4.0, 16.0]))
    tensor([0.5000, 0.2500])
    """
    return Rsqrt.apply(_floating(a))


class Erf(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.backend.erf(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-(a * a)).exp()


@parse_args("Tensor input")
def erf(a):
    """The Gauss error function, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.erf(mt.tensor([0.0, 10.0]))
    tensor([0., 1.])
    """
    return Erf.apply(_floating(a))


class Softplus(Function):
    """``log(1 + exp(a))``, computed without overflow; its derivative is ``sigmoid(a)``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.logaddexp(a._array.dtype.type(0), a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sigmoid()


def softplus(a):
    """``log(1 + exp(a))`` element-wise, stable for large ``|a|``; ``nn.functional.softplus``
    adds PyTorch's ``beta`` and ``threshold``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.ops.elementwise import softplus
    >>> softplus(mt.tensor([0.0, 100.0]))
    tensor([  0.6931, 100.0000])
    """
    return Softplus.apply(_floating(a))


class Sign(Function):
    """-1, 0 or 1 by the sign of ``a``: piecewise constant, so the gradient is zero."""

    @staticmethod
    def forward(ctx, a):
        x = a._array
        if x.dtype.kind != "f":
            return a.xp.sign(x)
        # PyTorch's (0 < x) - (x < 0): NaN gives 0 (NumPy's sign gives NaN)
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.new_zeros(grad.shape)  # zeros, whatever grad holds (inf * 0 would be NaN)


@parse_args("Tensor input")
def sign(input: Tensor) -> Tensor:  # noqa: A002
    """-1, 0 or 1 by the sign of each element (bools stay bools); the gradient is zero.

    >>> import minitorch_conv as mt
    >>> mt.sign(mt.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    if input.dtype.name == "bool":
        return input._new(input._array.copy())
    return Sign.apply(input)


class Rounding(Function):
    """``floor``, ``ceil``, ``round`` or ``trunc``: piecewise constant, so the gradient is zero."""

    @staticmethod
    def forward(ctx, a, name):
        return getattr(a.xp, name)(a._array)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


def _rounding(name, doc):
    @parse_args("Tensor input", name=name)
    def rounding(a):
        if not a.dtype.is_floating_point:
            return a * 1  # integers are already whole: a copy, as PyTorch returns
        return Rounding.apply(a, name)

    rounding.__name__ = name
    rounding.__doc__ = doc
    return rounding


floor = _rounding("floor", """Round down element-wise; the gradient is zero, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> mt.floor(mt.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """)
ceil = _rounding("ceil", """Round up element-wise; the gradient is zero.

    >>> import minitorch_conv as mt
    >>> mt.ceil(mt.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """)
trunc = _rounding("trunc", """Round towards zero element-wise; the gradient is zero.

    >>> import minitorch_conv as mt
    >>> mt.trunc(mt.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """)
_round_half_even = _rounding("round", None)


@parse_args("Tensor input, *, int decimals")
def round(a, *, decimals: int = 0):  # noqa: A001 - PyTorch's name
    """Round to the nearest integer, halves to even (as PyTorch); the gradient is zero.

    >>> import minitorch_conv as mt
    >>> mt.round(mt.tensor([0.5, 1.5, 2.7]))
    tensor([0., 2., 3.])
    >>> mt.round(mt.tensor([1.2345]), decimals=2)
    tensor([1.2300])
    """
    if decimals == 0:
        return _round_half_even(a)
    scale = 10.0 ** decimals
    return _round_half_even(a * scale) / scale


class FloorDivide(Function):
    """``floor(a / b)``. PyTorch defines no derivative for it; backward raises as PyTorch does."""

    @staticmethod
    def forward(ctx, a, b):
        return a.xp.floor_divide(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


@parse_args("Tensor input, Tensor|Number other")
def floor_divide(a, b):
    """``floor(a / b)`` element-wise, Python's ``//`` (``torch.floor_divide``); not differentiable.

    >>> import minitorch_conv as mt
    >>> mt.tensor([7, -7]) // 2
    tensor([ 3, -4])
    """
    a, b = binary_operands(a, b)
    _check_integer_divisor(a, b)
    return FloorDivide.apply(a, b)


class Remainder(Function):
    """``a - floor(a / b) * b`` (Python's ``%``: the result takes the sign of ``b``)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.remainder(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = -grad * _mask(a, a.xp.floor_divide(a._array, b._array))
        return grad, grad_b


@parse_args("Tensor input, Tensor|Number other")
def remainder(a, b):
    """Python's ``%``: ``a - floor(a / b) * b``, with the sign of ``b`` (``torch.remainder``).

    The gradient is 1 with respect to ``a`` and ``-floor(a / b)`` with respect to ``b``.

    >>> import minitorch_conv as mt
    >>> mt.tensor([5, -5]) % 3
    tensor([2, 1])
    """
    a, b = binary_operands(a, b)
    _check_integer_divisor(a, b)
    return Remainder.apply(a, b)


@parse_args("Tensor input, Tensor tensor1, Tensor tensor2, *, Number value")
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2``, broadcasting (its gradient is that of the products).

    >>> import minitorch_conv as mt
    >>> mt.addcmul(mt.tensor([1.0, 1.0]), mt.tensor([2.0, 3.0]), mt.tensor([4.0, 5.0]), value=0.5)
    tensor([5.0000, 8.5000])
    """
    product = mul(tensor1, tensor2)
    return add(input, product if value == 1 else product * value)


@parse_args("Tensor input, Tensor tensor1, Tensor tensor2, *, Number value")
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2``, broadcasting; integer ``tensor1 / tensor2`` is refused,
    as in PyTorch.

    >>> import minitorch_conv as mt
    >>> mt.addcdiv(mt.tensor([1.0, 1.0]), mt.tensor([2.0, 3.0]), mt.tensor([4.0, 5.0]), value=2)
    tensor([2.0000, 2.2000])
    """
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
            "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
            "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer "
            "inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
            "behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all "
            "dtypes."
        )
    quotient = div(tensor1, tensor2)
    return add(input, quotient if value == 1 else quotient * value)


@parse_args("Tensor input, Tensor other, float rtol, float atol, bool equal_nan")
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """Element-wise ``|input - other| <= atol + rtol * |other|`` (equal infinities are close; NaN is
    close to NaN only with ``equal_nan``). Both tensors must have one dtype, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> mt.isclose(mt.tensor([1.0, 2.0, float("nan")]), mt.tensor([1.0 + 1e-9, 2.1, float("nan")]))
    tensor([ True, False, False])
    """
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{scalar_type_name(input.dtype)} did not match {scalar_type_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    input, other = on_one_device(input, other)
    broadcast_shapes(input.shape, other.shape)
    xp, x, y = input.xp, input._array, other._array
    close = x == y
    if equal_nan and input.dtype.is_floating_point:
        close = close | (xp.isnan(x) & xp.isnan(y))
    if (rtol or atol) and input.dtype.name != "bool":
        if not input.dtype.is_floating_point:
            x, y = x.astype(get_default_dtype().numpy), y.astype(get_default_dtype().numpy)
        with quiet(xp):
            actual = xp.abs(x - y)
            close = close | (xp.isfinite(actual) & (actual <= atol + xp.abs(rtol * y)))
    return input._new(close)


@parse_args("Tensor input, Tensor other, float rtol, float atol, bool equal_nan")
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """True when :func:`isclose` holds everywhere (a Python bool).

    >>> import minitorch_conv as mt
    >>> mt.allclose(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.000001]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


# ---------------------------------------------------------------------------- comparisons
_COMPARE_OVERLOADS = ("Tensor input, Tensor other, *, Tensor? out=None",
                      "Tensor input, Number other, *, Tensor? out=None")


def _compare(name, torch_name, example):
    def compare(input, other):  # noqa: A002
        a, b = input, other
        if not isinstance(b, Tensor):
            a, b = binary_operands(a, b)
        else:  # two tensors: NumPy compares mixed dtypes itself
            a, b = on_one_device(a, b)
            if a.ndim and b.ndim and a.shape != b.shape:
                broadcast_shapes(a.shape, b.shape)
        return a._new(getattr(a.xp, name)(a._array, b._array))

    compare.__name__ = compare.__qualname__ = torch_name
    compare.__doc__ = (f"Element-wise ``{name}`` of a tensor and a tensor or number: a bool tensor.\n\n"
                       "    >>> import minitorch_conv as mt\n"
                       f"    >>> mt.{torch_name}(mt.tensor([1, 2, 3]), 2)\n"
                       f"    {example}\n")
    return parse_args("Tensor input, Tensor|Number other", overloads=_COMPARE_OVERLOADS)(compare)


eq = _compare("equal", "eq", "tensor([False,  True, False])")
ne = _compare("not_equal", "ne", "tensor([ True, False,  True])")
lt = _compare("less", "lt", "tensor([ True, False, False])")
le = _compare("less_equal", "le", "tensor([ True,  True, False])")
gt = _compare("greater", "gt", "tensor([False, False,  True])")
ge = _compare("greater_equal", "ge", "tensor([False,  True,  True])")


def _logical(name, example):
    def logical(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
        input, other = on_one_device(input, other)  # noqa: A001
        broadcast_shapes(input.shape, other.shape)
        return input._new(getattr(input.xp, name)(input._array, other._array))

    logical = parse_args("Tensor input, Tensor other", name=name)(logical)
    logical.__name__ = logical.__qualname__ = name
    logical.__doc__ = (f"Element-wise ``{name}`` of two tensors (non-zero is True): a bool tensor.\n\n"
                       "    >>> import minitorch_conv as mt\n"
                       f"    >>> mt.{name}(mt.tensor([True, True, False]), mt.tensor([True, False, False]))\n"
                       f"    {example}\n")
    return logical


logical_and = _logical("logical_and", "tensor([ True, False, False])")
logical_or = _logical("logical_or", "tensor([ True,  True, False])")
logical_xor = _logical("logical_xor", "tensor([False,  True, False])")


def _bitwise(name, operator, example):
    def bitwise(input: Tensor, other) -> Tensor:  # noqa: A002
        a, b = binary_operands(input, other)
        if a.dtype.is_floating_point:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{scalar_type_name(a.dtype)}\'')
        return a._new(getattr(a.xp, name)(a._array, b._array))

    bitwise = parse_args("Tensor input, Tensor|Number other", name=name)(bitwise)
    bitwise.__name__ = bitwise.__qualname__ = name
    bitwise.__doc__ = (f"Element-wise ``{name}`` (the ``{operator}`` operator) of integer or bool tensors; "
                       "floats are refused, as in PyTorch.\n\n"
                       f"    >>> import minitorch_conv as mt\n"
                       f"    >>> mt.{name}(mt.tensor([12, 10]), mt.tensor([10, 6]))\n    {example}\n")
    return bitwise


bitwise_and = _bitwise("bitwise_and", "&", "tensor([8, 2])")
bitwise_or = _bitwise("bitwise_or", "|", "tensor([14, 14])")
bitwise_xor = _bitwise("bitwise_xor", "^", "tensor([ 6, 12])")


@parse_args("Tensor input")
def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """``~input``: bit inversion of integers, logical not of bools.

    >>> import minitorch_conv as mt
    >>> mt.bitwise_not(mt.tensor([5, -1])), ~mt.tensor([True, False])
    (tensor([-6,  0]), tensor([False,  True]))
    """
    if input.dtype.is_floating_point:
        name = scalar_type_name(input.dtype)
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{name}\'')
    return input._new(input.xp.invert(input._array))


def invert(input: Tensor) -> Tensor:  # noqa: A002
    """The ``~`` operator: :func:`bitwise_not`, with PyTorch's TypeError for floating tensors."""
    if input.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(input)


@parse_args("Tensor input")
def logical_not(a: Tensor) -> Tensor:
    return a._new(a.xp.logical_not(a._array))


@parse_args("Tensor input")
def isfinite(a: Tensor) -> Tensor:
    return a._new(a.xp.isfinite(a._array))


@parse_args("Tensor input")
def isnan(a: Tensor) -> Tensor:
    return a._new(a.xp.isnan(a._array))
