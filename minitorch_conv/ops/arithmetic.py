"""More element-wise arithmetic: ``copysign``, ``logaddexp``/``logaddexp2``, ``fmax``/``fmin``,
``heaviside``, ``float_power``, ``true_divide``, ``rsub``, ``ldexp``, ``nextafter``, ``gcd``/``lcm``,
the bit shifts (``<<``, ``>>``), and the sign and infinity tests ``sgn``, ``signbit``, ``positive``,
``isposinf``, ``isneginf``, ``isreal``.

Operands broadcast and promote as in PyTorch (``binary_operands``); where PyTorch has no kernel for
a dtype (``logaddexp`` of integers, ``gcd`` of floats) the error is its NotImplementedError.
"""

from __future__ import annotations

import math

from .._arguments import parse_args
from ..autograd.function import Function, named_as
from ..backends import float64, get_default_dtype, quiet
from ..tensor import Tensor, _unary_inplace
from ._util import binary_operands, broadcast_shapes, on_one_device, scalar_type_name
from .elementwise import _check_scalar_range, check_bool_subtraction, div, mul, pow, where
from .trigonometric import _binary_inplace


def _not_implemented(kernel: str, dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}_cpu" not implemented for \'{scalar_type_name(dtype)}\'')


def _floating_pair(input, other, kernel: str) -> tuple[Tensor, Tensor]:
    """Both operands promoted; PyTorch's NotImplementedError unless the result is floating."""
    a, b = binary_operands(input, other)
    if not a.dtype.is_floating_point:
        raise _not_implemented(kernel, a.dtype)
    return a, b


class _NotDifferentiable(Function):
    """A result PyTorch gives no derivative: backward raises its RuntimeError."""

    op_name = ""

    @staticmethod
    def forward(ctx, a, b, compute):
        return compute(a._array, b._array)

    @classmethod
    def backward(cls, ctx, grad):
        raise RuntimeError(f"derivative for aten::{cls.op_name} is not implemented")


# ---------------------------------------------------------------------------- signs
class Copysign(Function):
    @staticmethod
    def forward(ctx, a, b):
        result = a._new(a.xp.copysign(a._array, b._array))
        ctx.save_for_backward(a, result)
        return result

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:  # +-1 where the sign flipped or not; 0 at a == 0, as PyTorch
            with quiet(a.xp):
                grad_a = grad * where(a == 0, a.new_zeros(()), out / a)
        if ctx.needs_input_grad[1]:
            grad_b = grad * 0
        return grad_a, grad_b


class CopysignScalar(Copysign):
    node_name = "CopysignBackward1"  # PyTorch's, for a number ``other``


@parse_args("Tensor input, Tensor|Number other")
def copysign(input: Tensor, other) -> Tensor:  # noqa: A002 - PyTorch's names
    """``|input|`` with the sign of ``other`` (a tensor or a number; ``-0.0`` counts as negative),
    broadcasting; always floating (integers give the default float).

    >>> import minitorch_conv as mt
    >>> mt.copysign(mt.tensor([1.0, -2.0, 3.0]), mt.tensor([-1.0, 1.0, -0.0]))
    tensor([-1.,  2., -3.])
    """
    a, b = binary_operands(input, other)
    if not a.dtype.is_floating_point:
        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return (Copysign if isinstance(other, Tensor) else CopysignScalar).apply(a, b)


class Sgn(Function):
    """The sign, -1, 0 or 1 (0 for NaN, as in PyTorch): piecewise constant, zero gradient."""

    @staticmethod
    def forward(ctx, a):
        xp, x = a.xp, a._array
        if a.dtype.is_floating_point:
            return xp.where(xp.isnan(x), x.dtype.type(0), xp.sign(x))
        return xp.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


@parse_args("Tensor input")
def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """The sign of each element, -1, 0 or 1 (0 for NaN, as PyTorch gives); bools stay bools.

    >>> import minitorch_conv as mt
    >>> mt.sgn(mt.tensor([-3.0, 0.0, 2.0]))
    tensor([-1.,  0.,  1.])
    """
    if input.dtype.name == "bool":
        return input._new(input._array.copy())
    return Sgn.apply(input)


@parse_args("Tensor input")
def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """True where the sign bit is set: negative numbers, ``-0.0`` and negative NaNs (a bool tensor).

    >>> import minitorch_conv as mt
    >>> mt.signbit(mt.tensor([-1.0, -0.0, 0.0, 2.0]))
    tensor([ True,  True, False, False])
    """
    xp, x = input.xp, input._array
    if input.dtype.is_floating_point:
        return input._new(xp.signbit(x))
    if input.dtype.name in ("bool", "uint8"):
        return input._new(xp.zeros(x.shape, dtype=bool))
    return input._new(x < 0)


@parse_args("Tensor input")
def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``+input``: the tensor itself (bool tensors are refused, as in PyTorch).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([1.0, -2.0])
    >>> mt.positive(x) is x
    True
    """
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _infinity_test(name: str, test: str, example: str):
    @parse_args("Tensor input", name=name)
    def check(input: Tensor) -> Tensor:  # noqa: A002
        xp, x = input.xp, input._array
        if not input.dtype.is_floating_point:
            return input._new(xp.zeros(x.shape, dtype=bool))
        return input._new(getattr(xp, test)(x))

    check.__name__ = check.__qualname__ = name
    check.__doc__ = (f"True where an element is {'+' if 'pos' in name else '-'}inf (a bool tensor; "
                     "integers are never infinite).\n\n"
                     "    >>> import minitorch_conv as mt\n"
                     f"    >>> mt.{name}(mt.tensor([float('inf'), -float('inf'), 1.0]))\n"
                     f"    {example}\n    ")
    return check


isposinf = _infinity_test("isposinf", "isposinf", "tensor([ True, False, False])")
isneginf = _infinity_test("isneginf", "isneginf", "tensor([False,  True, False])")


@parse_args("Tensor input")
def isreal(input: Tensor) -> Tensor:  # noqa: A002
    """True everywhere: minitorch_conv has no complex numbers (a bool tensor of ``input``'s shape).

    >>> import minitorch_conv as mt
    >>> mt.isreal(mt.tensor([1.0, float("nan")])).tolist()
    [True, True]
    """
    return input._new(input.xp.ones(input.shape, dtype=bool))


# ---------------------------------------------------------------------------- log-sum-exp of two
class Logaddexp(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp, x, y = a.xp, a._array, b._array
        with quiet(xp):  # max + log1p(exp(-|x - y|)); equal infinities give themselves
            out = xp.maximum(x, y) + xp.log1p(xp.exp(-xp.abs(x - y)))
            return xp.where(xp.isinf(x) & (x == y), x, out)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with quiet(a.xp):  # d/da = 1 / (1 + exp(b - a)), d/db = 1 / (1 + exp(a - b))
            return (grad / ((b - a).exp() + 1) if ctx.needs_input_grad[0] else None,
                    grad / ((a - b).exp() + 1) if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor other")
def logaddexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``log(exp(input) + exp(other))`` without overflow, broadcasting (floating inputs).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([0.0, 1000.0], dtype=mt.float64)
    >>> mt.logaddexp(x, x).tolist()
    [0.6931471805599453, 1000.6931471805599]
    """
    return Logaddexp.apply(*_floating_pair(input, other, "logaddexp"))


class Logaddexp2(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp, x, y = a.xp, a._array, b._array
        with quiet(xp):
            out = xp.maximum(x, y) + xp.log1p(xp.exp2(-xp.abs(x - y))) * x.dtype.type(1 / math.log(2))
            return xp.where(xp.isinf(x) & (x == y), x, out)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with quiet(a.xp):  # d/da = 1 / (1 + 2**(b - a))
            return (grad / (pow(2.0, b - a) + 1) if ctx.needs_input_grad[0] else None,
                    grad / (pow(2.0, a - b) + 1) if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor other")
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``log2(2**input + 2**other)`` without overflow, broadcasting (floating inputs).

    >>> import minitorch_conv as mt
    >>> mt.logaddexp2(mt.tensor([1.0, 3.0]), mt.tensor([1.0, 3.0]))
    tensor([2., 4.])
    """
    return Logaddexp2.apply(*_floating_pair(input, other, "logaddexp2"))


# ---------------------------------------------------------------------------- NaN-ignoring max/min
class Fmax(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.fmax(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = a.xp
        to_a = a._new((a._array >= b._array) | xp.isnan(b._array))  # ties go to input, as PyTorch
        zero = grad.new_zeros(())
        return (where(to_a, grad, zero) if ctx.needs_input_grad[0] else None,
                where(to_a, zero, grad) if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor other")
def fmax(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The element-wise maximum, ignoring NaN (NaN only where both are NaN), broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.fmax(mt.tensor([1.0, float("nan"), 5.0]), mt.tensor([3.0, 2.0, float("nan")]))
    tensor([3., 2., 5.])
    """
    return Fmax.apply(*binary_operands(input, other))


class Fmin(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.fmin(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = a.xp
        to_a = a._new((a._array <= b._array) | xp.isnan(b._array))
        zero = grad.new_zeros(())
        return (where(to_a, grad, zero) if ctx.needs_input_grad[0] else None,
                where(to_a, zero, grad) if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor other")
def fmin(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The element-wise minimum, ignoring NaN (NaN only where both are NaN), broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.fmin(mt.tensor([1.0, float("nan"), 5.0]), mt.tensor([3.0, 2.0, float("nan")]))
    tensor([1., 2., 5.])
    """
    return Fmin.apply(*binary_operands(input, other))


class Heaviside(_NotDifferentiable):
    op_name = "heaviside"


@parse_args("Tensor input, Tensor values")
def heaviside(input: Tensor, values: Tensor) -> Tensor:  # noqa: A002
    """The step function: 0 where ``input < 0`` (and at NaN), 1 where ``input > 0``, ``values``
    where ``input == 0``; both tensors must have one dtype. Not differentiable (as in PyTorch).

    >>> import minitorch_conv as mt
    >>> mt.heaviside(mt.tensor([-1.5, 0.0, 2.0]), mt.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    input, values = on_one_device(input, values)  # noqa: A001
    broadcast_shapes(input.shape, values.shape)
    xp = input.xp
    return Heaviside.apply(input, values, lambda x, v: xp.where(x == 0, v, x > 0).astype(x.dtype))


# ---------------------------------------------------------------------------- powers, division
@parse_args("Tensor|Number input, Tensor|Number exponent", overloads=(
    "Tensor input, Tensor exponent", "Number self, Tensor exponent", "Tensor input, Number exponent"))
def float_power(input, exponent) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64 (the result is always float64), broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.float_power(mt.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=minitorch_conv.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): at least one of 'input' and 'exponent' must be a Tensor")
    _check_scalar_range(input)
    _check_scalar_range(exponent)
    base = input.to(float64) if isinstance(input, Tensor) else float(input)
    power = exponent.to(float64) if isinstance(exponent, Tensor) else float(exponent)
    with quiet((input if isinstance(input, Tensor) else exponent).xp):  # 0 ** -1 is inf, no warning
        return pow(base, power)


def _float_power_(self: Tensor, exponent) -> Tensor:
    """``float_power`` in place: the tensor must already be float64, as in PyTorch."""
    if self.dtype is not float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {scalar_type_name(self.dtype)} but "
                           "the operation's result requires dtype Double")
    return self._inplace(lambda t: float_power(t, exponent))


@parse_args("Tensor input, Tensor|Number other")
def true_divide(input: Tensor, other) -> Tensor:  # noqa: A002
    """``input / other``: true division (integers give the default float), as :func:`div`.

    >>> import minitorch_conv as mt
    >>> mt.true_divide(mt.tensor([3, 4]), 2)
    tensor([1.5000, 2.0000])
    """
    with quiet(input.xp):  # x / 0 is inf or NaN, as in PyTorch, without a warning
        return div(input, other)


@parse_args("Tensor input, Tensor|Number other, *, Number alpha", overloads=(
    "Tensor input, Tensor other, *, Number alpha=1", "Tensor input, Number other, Number alpha=1"))
def rsub(input: Tensor, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``other - alpha * input`` (subtraction with the operands swapped), broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.rsub(mt.tensor([1.0, 2.0]), 10.0, alpha=2)
    tensor([8., 6.])
    """
    check_bool_subtraction(input, other)
    a, b = binary_operands(input, other)
    if type(alpha) is bool and a.dtype.name != "bool":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if not a.dtype.is_floating_point and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    with quiet(a.xp):  # inf - inf is NaN, without a warning
        scaled = a if alpha == 1 else mul(a, alpha)
        return named_as(b - scaled, "RsubBackward0" if isinstance(other, Tensor) else "RsubBackward1")


@parse_args("Tensor input, Tensor other")
def ldexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``input * 2 ** other`` (PyTorch's definition: ``2 ** other`` is taken in ``other``'s floating
    dtype, the default float for integers), broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.ldexp(mt.tensor([1.0, 3.0]), mt.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    with quiet(input.xp):  # 0 * 2 ** inf is NaN, without a warning
        return named_as(mul(input, pow(2.0, other)), "LdexpBackward0")


class Nextafter(Function):
    """PyTorch passes the gradient to ``input`` unchanged (the step is below rounding) and none to
    ``other``."""

    @staticmethod
    def forward(ctx, a, b):
        return a.xp.nextafter(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad * 0 if ctx.needs_input_grad[1] else None


@parse_args("Tensor input, Tensor other")
def nextafter(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The next floating-point value after ``input`` towards ``other``, broadcasting (floating
    inputs); its gradient is ``input``'s, unchanged.

    >>> import minitorch_conv as mt
    >>> (mt.nextafter(mt.tensor([1.0], dtype=mt.float64), mt.tensor([2.0], dtype=mt.float64)) - 1).item()
    2.220446049250313e-16
    """
    a, b = _floating_pair(input, other, "nextafter")
    return Nextafter.apply(a, b)


# ---------------------------------------------------------------------------- integers
def _integer_pair(input, other, kernel: str) -> tuple[Tensor, Tensor]:
    a, b = binary_operands(input, other)
    if a.dtype.is_floating_point or a.dtype.name == "bool":
        raise _not_implemented(kernel, a.dtype)
    return a, b


@parse_args("Tensor input, Tensor other")
def gcd(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The greatest common divisor (non-negative; ``gcd(0, 0) == 0``) of integer tensors.

    >>> import minitorch_conv as mt
    >>> mt.gcd(mt.tensor([12, -4, 0]), mt.tensor([18, 6, 5]))
    tensor([6, 2, 5])
    """
    a, b = _integer_pair(input, other, "gcd")
    xp = a.xp  # in int64, then wrapped into the dtype: the same answer on every device
    return a._new(xp.gcd(a._array.astype(xp.int64), b._array.astype(xp.int64)).astype(a._array.dtype))


@parse_args("Tensor input, Tensor other")
def lcm(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The least common multiple (non-negative; 0 where either is 0) of integer tensors.

    >>> import minitorch_conv as mt
    >>> mt.lcm(mt.tensor([4, -4, 0]), mt.tensor([6, 6, 5]))
    tensor([12, 12,  0])
    """
    a, b = _integer_pair(input, other, "lcm")
    xp, dtype = a.xp, a._array.dtype
    x, y = a._array.astype(xp.int64), b._array.astype(xp.int64)
    g = xp.gcd(x, y)
    # PyTorch's |x / gcd * y|, in int64 and then wrapped into the dtype (CuPy's lcm wraps otherwise)
    return a._new(xp.where(g == 0, 0, xp.abs(x // xp.where(g == 0, 1, g) * y)).astype(dtype))


def _shift(a: Tensor, b: Tensor, left: bool) -> Tensor:
    """Shifts by a count outside ``[0, bits)`` are defined as PyTorch defines them (0 to the left,
    the sign to the right), the same on every device."""
    xp, x, n = a.xp, a._array, b._array
    bits = 8 * x.dtype.itemsize
    outside = (n < 0) | (n >= bits)
    count = xp.clip(n, 0, bits - 1).astype(x.dtype)
    if left:
        return a._new(xp.where(outside, x.dtype.type(0), xp.left_shift(x, count)))
    sign = xp.right_shift(x, x.dtype.type(bits - 1)) if x.dtype.kind == "i" else xp.zeros_like(x)
    return a._new(xp.where(outside, sign, xp.right_shift(x, count)))


_SHIFT_OVERLOADS = ("Tensor input, Tensor other", "Tensor input, Number other", "Number self, Tensor other")


@parse_args("Tensor|Number input, Tensor|Number other", overloads=_SHIFT_OVERLOADS)
def bitwise_left_shift(input, other) -> Tensor:  # noqa: A002
    """``input << other`` for integers (either may be a number), broadcasting; shifting by a count
    past the width, or negative, gives 0.

    >>> import minitorch_conv as mt
    >>> mt.bitwise_left_shift(mt.tensor([1, 3]), 2), mt.tensor([1, 3]) << mt.tensor([1, 64])
    (tensor([ 4, 12]), tensor([2, 0]))
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("bitwise_left_shift(): at least one of 'input' and 'other' must be a Tensor")
    return _shift(*_integer_pair(input, other, "lshift"), left=True)


@parse_args("Tensor|Number input, Tensor|Number other", overloads=_SHIFT_OVERLOADS)
def bitwise_right_shift(input, other) -> Tensor:  # noqa: A002
    """``input >> other`` for integers (arithmetic: the sign fills in), broadcasting; a count past
    the width, or negative, leaves only the sign (0 or -1).

    >>> import minitorch_conv as mt
    >>> mt.bitwise_right_shift(mt.tensor([16, -16]), 2), mt.tensor([16, -16]) >> 70
    (tensor([ 4, -4]), tensor([ 0, -1]))
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("bitwise_right_shift(): at least one of 'input' and 'other' must be a Tensor")
    return _shift(*_integer_pair(input, other, "rshift"), left=False)


# ---------------------------------------------------------------------------- Tensor methods
def _operator(fn, reflected: bool = False):
    """``tensor << other`` (or ``other << tensor``); NotImplemented for operands such as None."""
    from ._util import is_operand

    raw = getattr(fn, "__wrapped__", fn)

    def operator(self, other):
        if not is_operand(other):
            return NotImplemented
        return raw(other, self) if reflected else raw(self, other)

    return operator


_BINARY = {"copysign": copysign, "logaddexp": logaddexp, "logaddexp2": logaddexp2, "fmax": fmax,
           "fmin": fmin, "heaviside": heaviside, "true_divide": true_divide, "ldexp": ldexp,
           "nextafter": nextafter, "gcd": gcd, "lcm": lcm, "bitwise_left_shift": bitwise_left_shift,
           "bitwise_right_shift": bitwise_right_shift}
METHODS = {
    **_BINARY, **{f"{name}_": _binary_inplace(fn, name) for name, fn in _BINARY.items()
                  if name not in ("logaddexp", "logaddexp2", "fmax", "fmin")},  # PyTorch has none
    "float_power": float_power, "float_power_": _float_power_, "rsub": rsub,
    "sgn": sgn, "sgn_": _unary_inplace("sgn"), "signbit": signbit, "positive": positive,
    "isposinf": isposinf, "isneginf": isneginf, "isreal": isreal,
    "__lshift__": _operator(bitwise_left_shift), "__rlshift__": _operator(bitwise_left_shift, True),
    "__rshift__": _operator(bitwise_right_shift), "__rrshift__": _operator(bitwise_right_shift, True),
    "__ilshift__": _binary_inplace(bitwise_left_shift, "bitwise_left_shift"),
    "__irshift__": _binary_inplace(bitwise_right_shift, "bitwise_right_shift"),
}
"""The Tensor methods of this module (bound by ``ops/methods.py``)."""
