"""Inverse and hyperbolic trigonometry, angle conversions, ``atan2``, ``hypot`` and ``sinc``.

Integer and bool inputs give the default floating dtype, as in PyTorch. Every backward is written
with tensor operations (differentiable again) and runs with NumPy's warnings off: outside an op's
domain its derivative is NaN or inf, as PyTorch's is, without a warning.
"""

from __future__ import annotations

import math

from .._arguments import parse_args
from ..autograd.function import Function
from ..backends import get_default_dtype, quiet
from ..tensor import Tensor, _unary_inplace
from ._util import binary_operands, scalar_type_name
from .elementwise import _floating, where


def _unary(function: type[Function], name: str, doc: str):
    """The public wrapper of a one-input Function: integers and bools become the default float."""

    @parse_args("Tensor input", name=name)
    def op(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return function.apply(_floating(input))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


# ---------------------------------------------------------------------------- inverse trigonometry
class Acos(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with quiet(a.xp):
            return a.xp.arccos(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # d/da acos(a) = -1 / sqrt(1 - a**2)
            return -grad * (1 - a * a).rsqrt()


acos = _unary(Acos, "acos", """The inverse cosine, element-wise (NaN outside ``[-1, 1]``).

    >>> import minitorch_conv as mt
    >>> mt.acos(mt.tensor([1.0, 0.0, -1.0], dtype=mt.float64)).tolist()
    [0.0, 1.5707963267948966, 3.141592653589793]
    """)


class Asin(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with quiet(a.xp):
            return a.xp.arcsin(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # 1 / sqrt(1 - a**2)
            return grad * (1 - a * a).rsqrt()


asin = _unary(Asin, "asin", """The inverse sine, element-wise (NaN outside ``[-1, 1]``).

    >>> import minitorch_conv as mt
    >>> mt.asin(mt.tensor([0.0, 1.0], dtype=mt.float64)).tolist()
    [0.0, 1.5707963267948966]
    """)


class Atan(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.arctan(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # 1 / (1 + a**2)
            return grad / (a * a + 1)


atan = _unary(Atan, "atan", """The inverse tangent, element-wise, in ``[-pi/2, pi/2]``.

    >>> import minitorch_conv as mt
    >>> mt.atan(mt.tensor([0.0, 1.0, float("inf")], dtype=mt.float64)).tolist()
    [0.0, 0.7853981633974483, 1.5707963267948966]
    """)


class Atan2(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.arctan2(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with quiet(a.xp):  # d/da = b / (a**2 + b**2), d/db = -a / (a**2 + b**2); 0 at (0, 0)
            recip = (a * a + b * b).reciprocal()
            scale = grad * where(recip.isinf(), recip.new_zeros(()), recip)
            return (scale * b if ctx.needs_input_grad[0] else None,
                    scale * -a if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor other")
def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """The angle of the point ``(other, input)`` (``atan(input / other)`` in the right quadrant), in
    ``[-pi, pi]``, broadcasting; integers give the default float.

    >>> import minitorch_conv as mt
    >>> mt.atan2(mt.tensor([1.0, 1.0, -1.0]), mt.tensor([1.0, -1.0, 0.0]))
    tensor([ 0.7854,  2.3562, -1.5708])
    """
    a, b = binary_operands(input, other)
    if not a.dtype.is_floating_point:
        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return Atan2.apply(a, b)


# ---------------------------------------------------------------------------- hyperbolic
class Sinh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with quiet(a.xp):
            return a.xp.sinh(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):
            return grad * cosh(a)


sinh = _unary(Sinh, "sinh", """The hyperbolic sine, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.sinh(mt.tensor([0.0, 1.0], dtype=mt.float64)).tolist()
    [0.0, 1.1752011936438014]
    """)


class Cosh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with quiet(a.xp):
            return a.xp.cosh(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):
            return grad * sinh(a)


cosh = _unary(Cosh, "cosh", """The hyperbolic cosine, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.cosh(mt.tensor([0.0, 1.0], dtype=mt.float64)).tolist()
    [1.0, 1.5430806348152437]
    """)


class Asinh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.arcsinh(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # 1 / sqrt(a**2 + 1)
            return grad * (a * a + 1).rsqrt()


asinh = _unary(Asinh, "asinh", """The inverse hyperbolic sine, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.asinh(mt.tensor([0.0, 1.0], dtype=mt.float64)).tolist()
    [0.0, 0.881373587019543]
    """)


class Acosh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with quiet(a.xp):
            return a.xp.arccosh(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # 1 / sqrt(a**2 - 1)
            return grad * (a * a - 1).rsqrt()


acosh = _unary(Acosh, "acosh", """The inverse hyperbolic cosine, element-wise (NaN below 1).

    >>> import minitorch_conv as mt
    >>> mt.acosh(mt.tensor([1.0, 2.0], dtype=mt.float64)).tolist()
    [0.0, 1.3169578969248168]
    """)


class Atanh(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with quiet(a.xp):
            return a.xp.arctanh(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # 1 / (1 - a**2)
            return grad / (1 - a * a)


atanh = _unary(Atanh, "atanh", """The inverse hyperbolic tangent, element-wise (+-inf at +-1, NaN outside).

    >>> import minitorch_conv as mt
    >>> mt.atanh(mt.tensor([0.0, 0.5, 1.0], dtype=mt.float64)).tolist()
    [0.0, 0.5493061443340549, inf]
    """)


# ---------------------------------------------------------------------------- angles, hypot, sinc
class Deg2Rad(Function):
    @staticmethod
    def forward(ctx, a):
        return a._array * a._array.dtype.type(math.pi / 180)

    @staticmethod
    def backward(ctx, grad):
        return grad * (math.pi / 180)


deg2rad = _unary(Deg2Rad, "deg2rad", """Degrees to radians, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.deg2rad(mt.tensor([180.0, 90.0], dtype=mt.float64)).tolist()
    [3.141592653589793, 1.5707963267948966]
    """)


class Rad2Deg(Function):
    @staticmethod
    def forward(ctx, a):
        return a._array * a._array.dtype.type(180 / math.pi)

    @staticmethod
    def backward(ctx, grad):
        return grad * (180 / math.pi)


rad2deg = _unary(Rad2Deg, "rad2deg", """Radians to degrees, element-wise.

    >>> import minitorch_conv as mt
    >>> mt.rad2deg(mt.tensor([1.5707963267948966], dtype=mt.float64)).tolist()
    [90.0]
    """)


class Hypot(Function):
    @staticmethod
    def forward(ctx, a, b):
        result = a._new(a.xp.hypot(a._array, b._array))
        ctx.save_for_backward(a, b, result)
        return result

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        with quiet(a.xp):  # d/da = a / hypot(a, b), d/db = b / hypot(a, b)
            return (grad * a / out if ctx.needs_input_grad[0] else None,
                    grad * b / out if ctx.needs_input_grad[1] else None)


@parse_args("Tensor input, Tensor other")
def hypot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``sqrt(input**2 + other**2)`` element-wise, without overflow, broadcasting (floating inputs:
    two integer tensors are refused, as in PyTorch).

    >>> import minitorch_conv as mt
    >>> mt.hypot(mt.tensor([3.0, 1e200], dtype=mt.float64), mt.tensor([4.0, 1e200], dtype=mt.float64))
    tensor([5.0000e+000, 1.4142e+200], dtype=minitorch_conv.float64)
    """
    a, b = binary_operands(input, other)
    if not a.dtype.is_floating_point:
        raise NotImplementedError(f'"hypot_cpu" not implemented for \'{scalar_type_name(a.dtype)}\'')
    return Hypot.apply(a, b)


class Sinc(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        xp, x = a.xp, a._array
        with quiet(xp):
            px = x * x.dtype.type(math.pi)
            return xp.where(x == 0, x.dtype.type(1), xp.sin(px) / px)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # (pi a cos(pi a) - sin(pi a)) / (pi a**2), 0 at a == 0
            pa = a * math.pi
            slope = (pa * pa.cos() - pa.sin()) / (pa * a)
            return grad * where(a == 0, a.new_zeros(()), slope)


sinc = _unary(Sinc, "sinc", """The normalised sinc, ``sin(pi x) / (pi x)`` (1 at 0), element-wise.

    >>> import minitorch_conv as mt
    >>> mt.sinc(mt.tensor([0.0, 0.5], dtype=mt.float64)).tolist()
    [1.0, 0.6366197723675814]
    """)


# ---------------------------------------------------------------------------- aliases, methods
arccos, arcsin, arctan, arctan2 = acos, asin, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def _binary_inplace(fn, name: str):
    """``tensor.<name>_(other)``: ``fn(tensor, other)`` written back into the tensor."""
    method = getattr(fn, "tensor_method", fn)

    def inplace(self: Tensor, *args, **kwargs) -> Tensor:
        return self._inplace(lambda t: method(t, *args, **kwargs))

    inplace.__name__ = inplace.__qualname__ = f"{name}_"
    inplace.__doc__ = f"``{name}`` in place."
    return inplace


_UNARY = {"acos": acos, "asin": asin, "atan": atan, "sinh": sinh, "cosh": cosh, "asinh": asinh,
          "acosh": acosh, "atanh": atanh, "arccos": acos, "arcsin": asin, "arctan": atan,
          "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh, "deg2rad": deg2rad,
          "rad2deg": rad2deg, "sinc": sinc}
METHODS = {**_UNARY, **{f"{name}_": _unary_inplace(name) for name in _UNARY},
           "atan2": atan2, "arctan2": atan2, "hypot": hypot,
           "atan2_": _binary_inplace(atan2, "atan2"), "arctan2_": _binary_inplace(atan2, "arctan2"),
           "hypot_": _binary_inplace(hypot, "hypot")}
"""The Tensor methods of this module (bound by ``ops/methods.py``)."""
