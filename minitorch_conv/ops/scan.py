"""Scans along a dimension (running products, running extremes, running log-sum-exp) and the
differences and integrals built on them: cumprod, cummax, cummin, logcumsumexp, diff, trapezoid,
trapz, cumulative_trapezoid. (``cumsum`` lives with the sums in ``reduction.py``.)

The scans that NumPy and CuPy do not share as one function are written as a Hillis-Steele scan:
``ceil(log2(n))`` vectorised steps, each combining every position with the one ``shift`` places
before it, then ``2 * shift``. Each step is an element-wise operation, so one code path serves
both array modules.
"""

from __future__ import annotations

from .._arguments import parse_args, wrap_dim
from ..autograd.function import Function, named_as
from ..backends import int64
from ..tensor import Tensor
from .elementwise import logical_xor, quiet, where
from .indexing import gather
from .reduction import ValuesIndices, cumsum
from .shape import cat


def _part(array, dim: int, start: int, stop: int | None = None):
    """``array[..., start:stop, ...]`` with the slice on axis ``dim`` (an array or a Tensor)."""
    return array[(slice(None),) * dim + (slice(start, stop),)]


def _reverse_cumsum(t: Tensor, dim: int) -> Tensor:
    """``t``'s sums from each position to the end of ``dim`` (differentiable)."""
    return cumsum(t.flip(dim), dim).flip(dim)


def _shifted(t: Tensor, dim: int, shift: int, fill: float) -> Tensor:
    """``t`` moved ``shift`` places along ``dim``: towards the start for ``shift > 0`` (the end
    filled with ``fill``), towards the end for ``shift < 0``; differentiable."""
    n = t.shape[dim]
    k = min(abs(shift), n)
    pad_shape = list(t.shape)
    pad_shape[dim] = k
    pad = t.new_full(tuple(pad_shape), fill)
    if shift > 0:
        return cat([_part(t, dim, k), pad], dim)
    return cat([pad, _part(t, dim, 0, n - k)], dim)


# ---------------------------------------------------------------------------------------- cumprod
class Cumprod(Function):
    """Running products along ``dim``, with a gradient that is right where the input holds zeros.

    With ``y = cumprod(x)`` and upstream ``g``, ``dL/dx_i = sum_{k >= i} g_k prod_{j <= k, j != i} x_j``.
    Without zeros that is ``reverse_cumsum(g * y) / x`` (PyTorch's fast path). With zeros it is
    ``E_i * S_i``: ``E_i = prod_{j < i} x_j`` (an exclusive running product) and
    ``S_i = g_i + x_{i+1} S_{i+1}``, a linear recurrence solved by a scan of ``(A, B)`` pairs
    (``S_i = B_i + A_i S_{i+shift}``) in log2(n) steps. Both are written with differentiable
    operations, so the gradient has a gradient too.
    """

    @staticmethod
    def forward(ctx, a, dim):
        result = a._new(a.xp.cumprod(a._array, axis=dim))
        ctx.save_for_backward(a, result)
        ctx.dim = dim
        return result

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        d = ctx.dim
        if a.numel() == 0:
            return grad * 1, None
        if not bool((a._array == 0).any()):
            return _reverse_cumsum(grad * out, d) / a, None
        exclusive = Cumprod.apply(_shifted(a, d, -1, 1.0), d)  # E_i = x_0 ... x_{i-1}
        factor, total = _shifted(a, d, 1, 0.0), grad  # A_i = x_{i+1} (0 past the end), B_i = g_i
        n, shift = a.shape[d], 1
        while shift < n:
            total = total + factor * _shifted(total, d, shift, 0.0)
            factor = factor * _shifted(factor, d, shift, 0.0)
            shift *= 2
        return exclusive * total, None


@parse_args("Tensor input, dim dim, *, ScalarType? dtype")
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Running products along ``dim``. Integers and bools give int64, as in PyTorch; zeros in
    ``input`` are fine for the gradient.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    >>> y = x.cumprod(0)
    >>> y
    tensor([2., 0., 0., 0.], grad_fn=<CumprodBackward0>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 1., 32.,  0.,  0.])
    """
    a = input
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.name in ("bool", "uint8", "int8", "int16", "int32"):
        a = a.to(int64)
    if a.ndim == 0:
        return named_as(a.clone(), "CumprodBackward0")
    return Cumprod.apply(a, dim)


# ------------------------------------------------------------------------------- cummax, cummin
def _running_extreme(xp, x, dim: int, largest: bool):
    """The positions of the running maximum (``largest``) or minimum along ``dim``: PyTorch's
    rule, where a later equal value takes over (``>=``) and a NaN, once seen, stays (the index of
    the latest NaN). Scanned as pairs (value, index): a later pair replaces an earlier one when
    its value is NaN, or neither is NaN and it is at least as large."""
    n = x.shape[dim]
    shape = [1] * x.ndim
    shape[dim] = n
    values = x.copy()
    index = xp.broadcast_to(xp.arange(n, dtype=xp.int64).reshape(shape), x.shape).copy()
    floating = x.dtype.kind == "f"
    shift = 1
    while shift < n:
        later = (slice(None),) * dim + (slice(shift, None),)
        v_new, v_old = values[later], _part(values, dim, 0, n - shift)
        wins = (v_new >= v_old) if largest else (v_new <= v_old)
        if floating:
            wins = xp.isnan(v_new) | (~xp.isnan(v_old) & wins)
        new_values = xp.where(wins, v_new, v_old)
        new_index = xp.where(wins, index[later], _part(index, dim, 0, n - shift))
        values[later], index[later] = new_values, new_index
        shift *= 2
    return index


def _cumextreme(input: Tensor, dim: int, largest: bool) -> ValuesIndices:
    node = "CummaxBackward0" if largest else "CumminBackward0"
    if input.ndim == 0:
        return ValuesIndices(named_as(input.clone(), node), input.new_zeros((), dtype=int64))
    indices = input._new(_running_extreme(input.xp, input._array, dim, largest))
    return ValuesIndices(named_as(gather(input, dim, indices), node), indices)


@parse_args("Tensor input, dim dim")
def cummax(input: Tensor, dim: int) -> ValuesIndices:  # noqa: A002
    """``(values, indices)`` of the running maximum along ``dim``: a later equal value takes the
    index, and a NaN, once met, stays. The gradient goes to the element each value came from.

    >>> import minitorch_conv as mt
    >>> mt.cummax(mt.tensor([1.0, 3.0, 2.0, 3.0, 5.0]), 0)
    ValuesIndices(values=tensor([1., 3., 3., 3., 5.]), indices=tensor([0, 1, 1, 3, 4]))
    """
    return _cumextreme(input, dim, True)


@parse_args("Tensor input, dim dim")
def cummin(input: Tensor, dim: int) -> ValuesIndices:  # noqa: A002
    """``(values, indices)`` of the running minimum along ``dim`` (as :func:`cummax`).

    >>> import minitorch_conv as mt
    >>> mt.cummin(mt.tensor([3, 1, 2, 1, 0]), 0)
    ValuesIndices(values=tensor([3, 1, 1, 1, 0]), indices=tensor([0, 1, 1, 3, 4]))
    """
    return _cumextreme(input, dim, False)


# -------------------------------------------------------------------------------- logcumsumexp
def _log_scan(xp, x, dim: int):
    """``log(cumsum(exp(x)))`` along ``dim`` without overflow or underflow: a scan of
    ``logaddexp``, each step of which is exact to rounding whatever the values' range."""
    out = x.copy()
    n, shift = x.shape[dim], 1
    while shift < n:
        later = (slice(None),) * dim + (slice(shift, None),)
        out[later] = xp.logaddexp(out[later], _part(out, dim, 0, n - shift))
        shift *= 2
    return out


class Logcumsumexp(Function):
    """``log(sum_{j <= k} exp(x_j))`` along ``dim``; the gradient is PyTorch's (TensorFlow's)
    stable form, ``exp(x_i + logcumsumexp_reversed(log|g_k| - y_k))``, for the positive and the
    negative parts of ``g`` apart."""

    @staticmethod
    def forward(ctx, a, dim):
        with quiet(a.xp):  # (-inf) - (-inf) inside logaddexp: its answer, -inf, is the right one
            result = a._new(_log_scan(a.xp, a._array, dim))
        ctx.save_for_backward(a, result)
        ctx.dim = dim
        return result

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        d = ctx.dim
        lowest = grad.new_full((), float(grad.xp.finfo(grad._array.dtype).min))

        def reverse(t):
            return Logcumsumexp.apply(t.flip(d), d).flip(d)

        with quiet(grad.xp):  # log(0) where the upstream gradient is 0: masked out below
            log_abs = grad.abs().log()
            positive = where(grad > 0, log_abs, lowest)
            negative = where(grad < 0, log_abs, lowest)
            return (reverse(positive - out) + a).exp() - (reverse(negative - out) + a).exp(), None


@parse_args("Tensor input, dim dim")
def logcumsumexp(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow (floating dtypes).

    >>> import minitorch_conv as mt
    >>> mt.logcumsumexp(mt.tensor([-800.0, -800.0, 3.0]), 0)  # exp(-800) underflows to 0
    tensor([-800.0000, -799.3068,    3.0000])
    """
    if not input.dtype.is_floating_point:
        name = {"bool": "Bool", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte"}.get(input.dtype.name, input.dtype.name)
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{name}\'')
    if input.ndim == 0:
        return named_as(input.clone(), "LogcumsumexpBackward0")
    return Logcumsumexp.apply(input, dim)


# ----------------------------------------------------------------------------------------- diff
@parse_args("Tensor input, int n, int dim, Tensor? prepend, Tensor? append")
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,  # noqa: A002
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``out[i] = x[i + 1] - x[i]``, ``n`` times),
    after joining ``prepend`` and ``append`` on either side; bools give their ``xor``.

    >>> import minitorch_conv as mt
    >>> mt.diff(mt.tensor([1, 3, 2, 7]))
    tensor([ 2, -1,  5])
    >>> mt.diff(mt.tensor([1, 3, 2, 7]), n=2, prepend=mt.tensor([0]))
    tensor([ 1, -3,  6])
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    if n == 0:  # (PyTorch leaves prepend and append out then)
        return input.clone()
    result = input
    if prepend is not None or append is not None:
        result = cat([t for t in (prepend, input, append) if t is not None], dim)
    for _ in range(min(n, result.shape[dim])):
        length = result.shape[dim] - 1
        later, earlier = result.narrow(dim, 1, length), result.narrow(dim, 0, length)
        result = logical_xor(later, earlier) if result.dtype.name == "bool" else later - earlier
    return result


# ---------------------------------------------------------------------------------- trapezoids
def _spacing(name: str, y: Tensor, x: Tensor, dim: int) -> Tensor:
    """The differences of the sample points ``x`` along ``dim``, shaped to broadcast against the
    differences of ``y`` (NumPy's rule: a 1-D ``x`` lies along ``dim``, a shorter one is padded
    in front, and they broadcast only after the differences are taken)."""
    if y.dtype.name == "bool" or x.dtype.name == "bool":
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[dim] = x.shape[0]
        x = x.reshape(shape)
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    size = x.shape[dim]
    return x.narrow(dim, 1, max(size - 1, 0)) - x.narrow(dim, 0, max(size - 1, 0))


def _check_dx(name: str, y: Tensor, dx) -> float:
    if y.dtype.name == "bool":
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    if isinstance(dx, (bool, complex)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return float(dx)


def _trapezoid(name: str, y: Tensor, x, dx, dim: int) -> Tensor:
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'x' and 'dx'")
    dim = wrap_dim(dim, y.ndim) if y.ndim else wrap_dim(dim, 0)
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    n = y.shape[dim]
    if n == 0:  # NumPy's answer for no samples: 0
        return y.new_zeros(tuple(s for i, s in enumerate(y.shape) if i != dim))
    if x is not None:
        spacing = _spacing(name, y, x, dim)
        return ((y.narrow(dim, 0, n - 1) + y.narrow(dim, 1, n - 1)) * spacing).sum(dim) / 2.0
    step = _check_dx(name, y, 1 if dx is None else dx)
    return (y.sum(dim) - (y.select(dim, 0) + y.select(dim, -1)) * 0.5) * step


_TRAPEZOID_OVERLOADS = ("Tensor y, Tensor x, *, int dim=-1", "Tensor y, *, Number dx=1, int dim=-1")


@parse_args("Tensor y, Tensor? x, *, Number? dx, int dim", overloads=_TRAPEZOID_OVERLOADS)
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoidal rule's integral of ``y`` along ``dim``, at the sample points ``x`` or at
    points ``dx`` apart (1 by default).

    >>> import minitorch_conv as mt
    >>> y = mt.tensor([1.0, 3.0, 2.0])
    >>> mt.trapezoid(y), mt.trapezoid(y, mt.tensor([0, 1, 3])), mt.trapezoid(y, dx=2)
    (tensor(4.5000), tensor(7.), tensor(9.))
    """
    return _trapezoid("trapezoid", y, x, dx, dim)


@parse_args("Tensor y, Tensor? x, *, float? dx, int dim",
            overloads=("Tensor y, Tensor x, *, int dim=-1", "Tensor y, *, float dx=1, int dim=-1"))
def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """:func:`trapezoid` under its older name.

    >>> import minitorch_conv as mt
    >>> mt.trapz(mt.tensor([1.0, 3.0, 2.0]), dx=2.0)
    tensor(9.)
    """
    return _trapezoid("trapezoid", y, x, dx, dim)


@parse_args("Tensor y, Tensor? x, *, Number? dx, int dim", overloads=_TRAPEZOID_OVERLOADS)
def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim`` (one value fewer than ``y``), at
    the sample points ``x`` or at points ``dx`` apart.

    >>> import minitorch_conv as mt
    >>> mt.cumulative_trapezoid(mt.tensor([1.0, 3.0, 2.0]))
    tensor([2.0000, 4.5000])
    """
    name = "cumulative_trapezoid"
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'x' and 'dx'")
    dim = wrap_dim(dim, y.ndim)
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    n = y.shape[dim]
    sums = y.narrow(dim, 0, max(n - 1, 0)) + y.narrow(dim, 1, max(n - 1, 0))
    if x is not None:
        return cumsum(_spacing(name, y, x, dim) / 2.0 * sums, dim)
    step = _check_dx(name, y, 1 if dx is None else dx)
    return cumsum(step / 2.0 * sums, dim)



def _cumprod_(self: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``cumprod`` in place (see :meth:`Tensor._inplace`)."""
    return self._inplace(lambda t: cumprod(t, dim, dtype=dtype))


METHODS = {  # bound as Tensor methods by ops/methods.py
    "cumprod": cumprod, "cumprod_": _cumprod_, "cummax": cummax, "cummin": cummin,
    "logcumsumexp": logcumsumexp, "diff": diff,
}
