"""Special functions: ``erfc``, ``erfinv``, ``lgamma``, ``digamma``, ``polygamma``, ``logit``,
``xlogy``, and the pieces of ``minitorch_conv.special`` that are not plain aliases (``xlog1py``,
``entr``, ``ndtr``, ``multigammaln``).

``erfc``, ``erfinv`` and ``lgamma`` come from the backend (SciPy or CuPy's ``cupyx.scipy.special``).
``digamma`` and ``polygamma`` are PyTorch's own algorithms, written once against the array module
``xp`` below (so they run unchanged on every backend, and agree with PyTorch to the last digits):
a recurrence up to 10 and an asymptotic series for ``digamma``, the same with a reflection for
``trigamma``, and Cephes' Euler-Maclaurin Hurwitz zeta for the higher orders.
"""

from __future__ import annotations

import math

from .._arguments import parse_args
from ..autograd.function import Function
from ..backends import get_default_dtype, quiet
from ..tensor import Tensor, _unary_inplace
from ._util import binary_operands
from .elementwise import _floating, erf, where
from .trigonometric import _binary_inplace

# ---------------------------------------------------------------------------- array kernels
# Notation: x the input array (any shape, float32 or float64); every kernel returns x's shape and
# dtype, computing in float64 (PyTorch's CPU accumulation type for these functions).

_PSI_10 = 2.25175258906672110764  # digamma(10)
_DIGAMMA_SERIES = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                   -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                   8.33333333333333333333E-2)  # highest power first (Cephes' polevl order)


def digamma_kernel(xp, x):
    """``psi(x) = d/dx log Gamma(x)``: reflection below 0, recurrence up to 10, asymptotic series.
    ``+-0`` give ``-+inf``, negative integers NaN (PyTorch's and SciPy's conventions)."""
    dtype = x.dtype
    x = x.astype(xp.float64)
    with quiet(xp):
        negative = x < 0
        integer = x == xp.trunc(x)
        # psi(x) = psi(1 - x) - pi / tan(pi * frac(x)) for x < 0
        reflection = xp.where(negative, -math.pi / xp.tan(math.pi * xp.fmod(x, 1.0)), 0.0)
        y = xp.where(negative, 1 - x, x)
        result = xp.zeros_like(y)
        for _ in range(10):  # push y to >= 10: psi(y) = psi(y + 1) - 1 / y
            low = y < 10
            result = xp.where(low, result - 1 / y, result)
            y = xp.where(low, y + 1, y)
        z = 1.0 / (y * y)
        poly = xp.zeros_like(z)
        for coefficient in _DIGAMMA_SERIES:
            poly = poly * z + coefficient
        series = xp.where(y < 1.0e17, z * poly, 0.0)
        out = xp.where(y == 10, result + _PSI_10, result + xp.log(y) - 0.5 / y - series)
        out = out + reflection
        out = xp.where(negative & integer, xp.nan, out)
        out = xp.where(x == 0, xp.copysign(xp.inf, -x), out)
    return out.astype(dtype)


def trigamma_kernel(xp, x):
    """``psi'(x)``: reflection below 1/2, six recurrence steps, asymptotic series (PyTorch's)."""
    dtype = x.dtype
    x = x.astype(xp.float64)
    with quiet(xp):
        reflect = x < 0.5
        sin_pi_x = xp.sin(math.pi * x)
        result = xp.where(reflect, -(math.pi * math.pi) / (sin_pi_x * sin_pi_x), 0.0)
        y = xp.where(reflect, 1 - x, x)
        for _ in range(6):
            result = result + 1 / (y * y)
            y = y + 1
        ixx = 1 / (y * y)
        result = result + (1 + 1 / (2 * y) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / y
        out = xp.where(reflect, -result, result)
    return out.astype(dtype)


_MACHEP = 1.11022302462515654042E-16
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)
ZETA_MAX_TERMS = 100_000
"""The Hurwitz zeta sums at most this many terms before its Euler-Maclaurin tail: inputs below
``-ZETA_MAX_TERMS`` (where PyTorch would sum as many) give NaN."""


def zeta_kernel(xp, s: float, q):
    """The Hurwitz zeta function ``sum_k (q + k) ** -s`` for a number ``s > 1`` (Cephes' algorithm,
    as PyTorch has it): direct terms until ``q + k > 9`` (at least 9 of them, fewer if the sum has
    converged), then the Euler-Maclaurin tail."""
    with quiet(xp):
        total = q ** -s
        a, b = q, xp.zeros_like(q)
        pole = (q <= 0) & (q == xp.floor(q))
        done = pole | xp.isnan(q)  # finished: no tail to add
        i = 0
        while True:
            active = ~done & ((i < 9) | (a <= 9.0))
            if not bool(active.any()):
                break
            if i >= ZETA_MAX_TERMS:
                total = xp.where(active, xp.nan, total)
                done = done | active
                break
            i += 1
            a = xp.where(active, a + 1, a)
            b = xp.where(active, a ** -s, b)
            total = xp.where(active, total + b, total)
            done = done | (active & (-_MACHEP * total < b) & (b < _MACHEP * total))
        tail = ~done
        w = a
        total = xp.where(tail, total + b * w / (s - 1) - 0.5 * b, total)
        factor, k = 1.0, 0.0
        for coefficient in _ZETA_A:
            factor *= s + k
            b = b / w
            t = factor * b / coefficient
            total = xp.where(tail, total + t, total)
            tail = tail & ~(xp.abs(t / total) < _MACHEP)
            k += 1.0
            factor *= s + k
            b = b / w
            k += 1.0
        return xp.where(pole, xp.inf, total)


def polygamma_kernel(xp, n: int, x):
    """The ``n``-th derivative of ``digamma``: ``(-1)**(n + 1) n! zeta(n + 1, x)`` for ``n >= 2``."""
    if n == 0:
        return digamma_kernel(xp, x)
    if n == 1:
        return trigamma_kernel(xp, x)
    sign = 1.0 if n % 2 else -1.0
    scale = sign * math.exp(math.lgamma(n + 1.0))
    with quiet(xp):
        return (scale * zeta_kernel(xp, float(n + 1), x.astype(xp.float64))).astype(x.dtype)


# ---------------------------------------------------------------------------- error functions
class Erfc(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.backend.erfc(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (-2 / math.sqrt(math.pi)) * (-(a * a)).exp()


@parse_args("Tensor input")
def erfc(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The complementary error function ``1 - erf(input)``, accurate where it is tiny.

    >>> import minitorch_conv as mt
    >>> mt.erfc(mt.tensor([0.0, 10.0], dtype=mt.float64)).tolist()
    [1.0, 2.0884875837625446e-45]
    """
    return Erfc.apply(_floating(input))


class Erfinv(Function):
    @staticmethod
    def forward(ctx, a):
        result = a._new(a.backend.erfinv(a._array))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with quiet(out.xp):  # d/dy erfinv(y) = sqrt(pi)/2 * exp(erfinv(y)**2)
            return grad * (math.sqrt(math.pi) / 2) * (out * out).exp()


@parse_args("Tensor input")
def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse error function on ``[-1, 1]`` (+-inf at +-1, NaN outside).

    >>> import minitorch_conv as mt
    >>> mt.erfinv(mt.tensor([0.0, 0.5, 1.0], dtype=mt.float64)).tolist()
    [0.0, 0.4769362762044699, inf]
    """
    return Erfinv.apply(_floating(input))


# ---------------------------------------------------------------------------- gamma family
class Lgamma(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.backend.lgamma(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * digamma(a)


@parse_args("Tensor input")
def lgamma(input: Tensor) -> Tensor:  # noqa: A002
    """``log|Gamma(input)|`` element-wise (``inf`` at 0 and the negative integers).

    >>> import minitorch_conv as mt
    >>> mt.lgamma(mt.tensor([1.0, 0.5, 0.0], dtype=mt.float64)).tolist()
    [0.0, 0.5723649429247, inf]
    """
    return Lgamma.apply(_floating(input))


class Digamma(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return digamma_kernel(a.xp, a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * polygamma(1, a)


@parse_args("Tensor input")
def digamma(input: Tensor) -> Tensor:  # noqa: A002
    """The logarithmic derivative of the gamma function, element-wise (``-inf`` at ``0``, ``inf``
    at ``-0``, NaN at the negative integers, as in PyTorch).

    >>> import minitorch_conv as mt
    >>> mt.digamma(mt.tensor([1.0, 0.0], dtype=mt.float64)).tolist()
    [-0.5772156649015328, -inf]
    """
    return Digamma.apply(_floating(input))


class Polygamma(Function):
    @staticmethod
    def forward(ctx, n, a):
        ctx.save_for_backward(a)
        ctx.n = n
        return polygamma_kernel(a.xp, n, a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return None, grad * polygamma(ctx.n + 1, a)


@parse_args("int n, Tensor input")
def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """The ``n``-th derivative of :func:`digamma` (``polygamma(0, x)`` is ``digamma(x)``).

    >>> import minitorch_conv as mt
    >>> mt.polygamma(1, mt.tensor([1.0], dtype=mt.float64)).tolist()  # pi**2 / 6, to 5e-10 (as PyTorch)
    [1.6449340676383375]
    """
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    input = _floating(input)  # noqa: A001
    return Digamma.apply(input) if n == 0 else Polygamma.apply(n, input)


@parse_args("Tensor input, int p")
def multigammaln(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """The log of the multivariate gamma function of dimension ``p``:
    ``p (p - 1) / 4 log(pi) + sum_j lgamma(input - j / 2)`` over ``j < p`` (``torch.mvlgamma``).

    >>> import minitorch_conv as mt
    >>> mt.special.multigammaln(mt.tensor([2.5], dtype=mt.float64), 2).tolist()
    [0.8570478133976193]
    """
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    input = _floating(input)  # noqa: A001
    total = lgamma(input)
    for j in range(1, p):
        total = total + lgamma(input - j / 2)
    return total + p * (p - 1) * math.log(math.pi) / 4


# ---------------------------------------------------------------------------- logit, xlogy
class Logit(Function):
    @staticmethod
    def forward(ctx, a, eps):
        ctx.save_for_backward(a)
        ctx.eps = eps
        x = a._array
        with quiet(a.xp):
            if eps is not None:  # PyTorch's clamp: below eps first (so eps > 1/2 gives eps there)
                lo, hi = x.dtype.type(eps), x.dtype.type(1 - eps)
                x = a.xp.where(x < lo, lo, a.xp.where(x > hi, hi, x))
            return a.xp.log(x / (1 - x))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        eps = ctx.eps
        with quiet(a.xp):  # grad / (a (1 - a)), over +0 at 0 and 1 (-0.0 gives grad * inf too)
            edge = (a == 0) | (a == 1)
            slope = grad / where(edge, a.new_zeros(()), a * (1 - a))
            if eps is None:  # outside [0, 1] the derivative is NaN
                outside = (a < 0) | (a > 1)
                return where(outside, a.new_tensor(math.nan), slope), None
            outside = (a < eps) | (a > 1 - eps)  # clamped: no gradient
            return where(outside, a.new_zeros(()), slope), None


@parse_args("Tensor input, float? eps")
def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``, the inverse of :func:`sigmoid`; with ``eps``, ``p`` is first clamped
    to ``[eps, 1 - eps]`` (and the gradient is zero where it was clamped).

    >>> import minitorch_conv as mt
    >>> mt.logit(mt.tensor([0.5, 0.0, 1.0]), eps=0.25)
    tensor([ 0.0000, -1.0986,  1.0986])
    """
    if eps is not None and eps < 0:
        eps = None  # PyTorch: a negative eps clamps nothing
    return Logit.apply(_floating(input), eps)


def _float_operands(input, other) -> tuple[Tensor, Tensor]:
    a, b = binary_operands(input, other)
    if not a.dtype.is_floating_point:
        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return a, b


class Xlogy(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp, x, y = a.xp, a._array, b._array
        with quiet(xp):
            return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), x * xp.log(y))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with quiet(a.xp):  # d/da = log(b) (0 where a == 0), d/db = a / b
            return (grad * xlogy((a != 0).to(a.dtype), b) if ctx.needs_input_grad[0] else None,
                    grad * a / b if ctx.needs_input_grad[1] else None)


@parse_args("Tensor|Number input, Tensor|Number other", overloads=(
    "Tensor input, Tensor other", "Number self, Tensor other", "Tensor input, Number other"))
def xlogy(input, other) -> Tensor:  # noqa: A002
    """``input * log(other)``, and 0 where ``input == 0`` (unless ``other`` is NaN), broadcasting;
    either operand may be a number.

    >>> import minitorch_conv as mt
    >>> mt.xlogy(mt.tensor([0.0, 2.0]), mt.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): at least one of 'input' and 'other' must be a Tensor")
    return Xlogy.apply(*_float_operands(input, other))


class SpecialXlog1Py(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp, x, y = a.xp, a._array, b._array
        with quiet(xp):
            return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), x * xp.log1p(y))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with quiet(a.xp):  # d/da = log1p(b) (0 where a == 0), d/db = a / (1 + b)
            return (grad * xlog1py((a != 0).to(a.dtype), b) if ctx.needs_input_grad[0] else None,
                    grad * a / (b + 1) if ctx.needs_input_grad[1] else None)


@parse_args("Tensor|Number input, Tensor|Number other", name="special_xlog1py", overloads=(
    "Tensor input, Tensor other", "Number self, Tensor other", "Tensor input, Number other"))
def xlog1py(input, other) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, and 0 where ``input == 0`` (unless ``other`` is NaN).

    >>> import minitorch_conv as mt
    >>> mt.special.xlog1py(mt.tensor([0.0, 2.0]), mt.tensor([-1.0, 0.0]))
    tensor([0., 0.])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("special_xlog1py(): at least one of 'input' and 'other' must be a Tensor")
    return SpecialXlog1Py.apply(*_float_operands(input, other))


class SpecialEntr(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        xp, x = a.xp, a._array
        with quiet(xp):
            out = xp.where(x > 0, -x * xp.log(x), x.dtype.type(0))
            return xp.where(x < 0, -xp.inf, xp.where(xp.isnan(x), x, out)).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        with quiet(a.xp):  # -(1 + log(a))
            return grad * -(a.log() + 1)


@parse_args("Tensor input", name="special_entr")
def entr(input: Tensor) -> Tensor:  # noqa: A002
    """The entropy term ``-x log(x)`` element-wise: 0 at 0, ``-inf`` for negative ``x``.

    >>> import minitorch_conv as mt
    >>> mt.special.entr(mt.tensor([-1.0, 0.0, 0.5]))
    tensor([  -inf, 0.0000, 0.3466])
    """
    return SpecialEntr.apply(_floating(input))


@parse_args("Tensor input", name="special_ndtr")
def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal distribution function, ``(1 + erf(x / sqrt(2))) / 2``.

    >>> import minitorch_conv as mt
    >>> mt.special.ndtr(mt.tensor([0.0, 1.0], dtype=mt.float64)).tolist()
    [0.5, 0.8413447460685429]
    """
    return (1 + erf(input * math.sqrt(0.5))) * 0.5


# ---------------------------------------------------------------------------- Tensor methods
_UNARY = ("erfc", "erfinv", "lgamma", "digamma")
METHODS = {"erfc": erfc, "erfinv": erfinv, "lgamma": lgamma, "digamma": digamma,
           **{f"{name}_": _unary_inplace(name) for name in _UNARY},
           "polygamma": lambda self, n: polygamma(n, self),
           "polygamma_": lambda self, n: self._inplace(lambda t: polygamma(n, t)),
           "mvlgamma": lambda self, p: multigammaln(self, p),
           "mvlgamma_": lambda self, p: self._inplace(lambda t: multigammaln(t, p)),
           "logit": logit, "logit_": lambda self, eps=None: self._inplace(lambda t: logit(t, eps)),
           "xlogy": xlogy, "xlogy_": _binary_inplace(xlogy, "xlogy")}
"""The Tensor methods of this module (bound by ``ops/methods.py``)."""
