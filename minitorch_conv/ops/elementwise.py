"""Element-wise operations and their derivatives; NumPy broadcasting.

Every forward works on arrays; every backward is written with tensor operations, so it is
differentiable again (``create_graph=True``). Gradients of broadcast operands are reduced to the
operand's shape in one place, the engine.
"""

from __future__ import annotations

import math

from ..autograd.function import Function
from ..backends import get_default_dtype
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes, check_same_device


def _mask(tensor: Tensor, array) -> Tensor:
    """A constant (non-differentiable) tensor in ``tensor``'s dtype, from a boolean array."""
    return tensor._new(array.astype(tensor._array.dtype, copy=False))


# ---------------------------------------------------------------------------- arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a._array + b._array

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a._array - b._array

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None


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


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a._array

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowScalar(Function):
    """``a ** exponent`` for a Python number ``exponent``."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return a._array ** a.xp.asarray(exponent, dtype=a._array.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0, None
        return grad * e * a ** (e - 1), None


class Pow(Function):
    """``a ** b`` for two tensors."""

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


def add(a, b, *, alpha=1):
    """``a + alpha * b`` with broadcasting."""
    a, b = binary_operands(a, b)
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a, b, *, alpha=1):
    a, b = binary_operands(a, b)
    return Sub.apply(a, b if alpha == 1 else b * alpha)


def mul(a, b):
    a, b = binary_operands(a, b)
    return Mul.apply(a, b)


def div(a, b):
    a, b = binary_operands(a, b)
    if not a.dtype.is_floating_point:  # true division of integers gives the default float
        from ..backends import get_default_dtype

        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return Div.apply(a, b)


def neg(a):
    return Neg.apply(a)


def pow(a, exponent):  # noqa: A001 - PyTorch's name
    if isinstance(a, Tensor) and not isinstance(exponent, Tensor):
        if isinstance(exponent, float) and not a.dtype.is_floating_point:
            from ..backends import get_default_dtype

            a = a.to(get_default_dtype())
        return PowScalar.apply(a, exponent)
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


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.log(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


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


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.abs(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _mask(a, a.xp.sign(a._array))


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


class Relu(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(a.xp.maximum(a._array, 0))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # Mul straight on a boolean mask: NumPy casts it inside the multiply (float * bool stays
        # float), where ``grad * mask`` would first copy the mask to a float tensor of its own
        return Mul.apply(grad, out._new(out._array > 0))


class Clamp(Function):
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


class Sin(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.sin(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.cos()


class Cos(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.cos(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * a.sin()


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


class Erf(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.backend.erf(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-(a * a)).exp()


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


class Rounding(Function):
    """``floor``, ``ceil``, ``round`` or ``trunc``: piecewise constant, so the gradient is zero."""

    @staticmethod
    def forward(ctx, a, name):
        return getattr(a.xp, name)(a._array)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class FloorDivide(Function):
    """``floor(a / b)``. PyTorch defines no derivative for it; backward raises as PyTorch does."""

    @staticmethod
    def forward(ctx, a, b):
        return a.xp.floor_divide(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


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


def exp(a):
    return Exp.apply(_floating(a))


def log(a):
    return Log.apply(_floating(a))


def sqrt(a):
    return Sqrt.apply(_floating(a))


def sin(a):
    """Element-wise sine.

    >>> import minitorch_conv as mt
    >>> mt.sin(mt.tensor([0.0, 1.5707964]))
    tensor([0., 1.])
    """
    return Sin.apply(_floating(a))


def cos(a):
    """Element-wise cosine.

    >>> import minitorch_conv as mt
    >>> mt.cos(mt.tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(_floating(a))


def reciprocal(a):
    """``1 / a`` element-wise (integers give the default float dtype).

    >>> import minitorch_conv as mt
    >>> mt.reciprocal(mt.tensor([2.0, 4.0]))
    tensor([0.5000, 0.2500])
    """
    return Reciprocal.apply(_floating(a))


def rsqrt(a):
    """``1 / sqrt(a)`` element-wise.

    >>> import minitorch_conv as mt
    >>> mt.rsqrt(mt.tensor([4.0, 16.0]))
    tensor([0.5000, 0.2500])
    """
    return Rsqrt.apply(_floating(a))


def erf(a):
    """The Gauss error function, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.erf(mt.tensor([0.0, 10.0]))
    tensor([0., 1.])
    """
    return Erf.apply(_floating(a))


def softplus(a):
    """``log(1 + exp(a))`` element-wise, stable for large ``|a|``; ``nn.functional.softplus``
    adds PyTorch's ``beta`` and ``threshold``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.ops.elementwise import softplus
    >>> softplus(mt.tensor([0.0, 100.0]))
    tensor([  0.6931, 100.0000])
    """
    return Softplus.apply(_floating(a))


def _rounding(name, doc):
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


def _check_integer_divisor(a, b):
    if not a.dtype.is_floating_point and a.dtype.name != "bool" and bool((b._array == 0).any()):
        raise RuntimeError("ZeroDivisionError")


def floor_divide(a, b):
    """``floor(a / b)`` element-wise, Python's ``//`` (``torch.floor_divide``); not differentiable.

    >>> import minitorch_conv as mt
    >>> mt.tensor([7, -7]) // 2
    tensor([ 3, -4])
    """
    a, b = binary_operands(a, b)
    _check_integer_divisor(a, b)
    return FloorDivide.apply(a, b)


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


def abs(a):  # noqa: A001
    return Abs.apply(a)


def tanh(a):
    return Tanh.apply(_floating(a))


def sigmoid(a):
    return Sigmoid.apply(_floating(a))


def relu(a):
    return Relu.apply(a)


def clamp(a, min=None, max=None):  # noqa: A002 - PyTorch's names
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if not a.dtype.is_floating_point and any(isinstance(v, float) for v in (min, max)):
        a = a.to(get_default_dtype())  # an integer tensor clamped to 2.5 gives floats, as in PyTorch
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp.apply(a, min, max)


def maximum(a, b):
    a, b = binary_operands(a, b)
    return Maximum.apply(a, b)


def minimum(a, b):
    a, b = binary_operands(a, b)
    return Minimum.apply(a, b)


def where(condition, a, b):
    """Pick from ``a`` where ``condition`` holds and from ``b`` elsewhere (broadcasting)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("where() expects at least one of the values to be a Tensor")
    a, b = binary_operands(a, b)
    if not isinstance(condition, Tensor):
        condition = a.new_tensor(condition, dtype="bool")
    check_same_device(condition, a)
    broadcast_shapes(condition.shape, a.shape, b.shape)
    return Where.apply(condition, a, b)


def masked_fill(a: Tensor, mask: Tensor, value) -> Tensor:
    """``a`` with ``value`` wherever the boolean ``mask`` (broadcast with ``a``) is True.

    >>> import minitorch_conv as mt
    >>> mt.tensor([1.0, 2.0, 3.0]).masked_fill(mt.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    if not isinstance(mask, Tensor) or mask.dtype.name != "bool":
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        value = value.to(a.dtype)
    else:
        value = a.new_tensor(value)
    check_same_device(a, mask)
    broadcast_shapes(mask.shape, a.shape)
    return Where.apply(mask, value, a) if a.ndim >= mask.ndim else where(mask, value, a)


def _floating(a: Tensor) -> Tensor:
    if a.dtype.is_floating_point:
        return a
    from ..backends import get_default_dtype

    return a.to(get_default_dtype())


# ---------------------------------------------------------------------------- comparisons
def _compare(name):
    def compare(a, b):
        if not isinstance(a, Tensor) or not isinstance(b, Tensor):
            a, b = binary_operands(a, b)
        else:  # two tensors: NumPy compares mixed dtypes itself
            check_same_device(a, b)
            if a.ndim and b.ndim and a.shape != b.shape:
                broadcast_shapes(a.shape, b.shape)
        return a._new(getattr(a.xp, name)(a._array, b._array))

    compare.__name__ = name
    compare.__doc__ = f"Element-wise ``{name}``: a bool tensor, outside the graph."
    return compare


eq = _compare("equal")
ne = _compare("not_equal")
lt = _compare("less")
le = _compare("less_equal")
gt = _compare("greater")
ge = _compare("greater_equal")
logical_and = _compare("logical_and")
logical_or = _compare("logical_or")
logical_xor = _compare("logical_xor")


def logical_not(a: Tensor) -> Tensor:
    return a._new(a.xp.logical_not(a._array))


def sign(a: Tensor) -> Tensor:
    return a._new(a.xp.sign(a._array))


def isfinite(a: Tensor) -> Tensor:
    return a._new(a.xp.isfinite(a._array))


def isnan(a: Tensor) -> Tensor:
    return a._new(a.xp.isnan(a._array))
