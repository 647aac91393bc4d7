"""Reductions (sum, mean, max, var, ...) and the softmax family, with their derivatives."""

from __future__ import annotations

from collections import namedtuple

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import normalize_dims

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _kept_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _axes(dims, ndim: int):
    """NumPy's ``axis`` for ``dims``: a 0-d tensor accepts dim 0 or -1, but its array has no axes."""
    return dims if ndim else None


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.input_shape = a.shape
        ctx.kept_shape = _kept_shape(a.shape, dims)
        return a._array.sum(axis=_axes(dims, a.ndim), keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.kept_shape).expand(ctx.input_shape), None, None


class AMax(Function):
    """Largest value over ``dims``; ties share the gradient equally (PyTorch's amax rule)."""

    @staticmethod
    def forward(ctx, a, dims, keepdim, largest):
        reduce = a.xp.max if largest else a.xp.min
        out = reduce(a._array, axis=_axes(dims, a.ndim), keepdims=True)
        ctx.save_for_backward(a)
        ctx.kept = a._new(out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else out.reshape([s for i, s in enumerate(out.shape) if i not in dims])

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        hit = a._new((a._array == ctx.kept._array).astype(a._array.dtype))
        count = hit.sum(ctx.dims, keepdim=True)
        grad = grad.reshape(ctx.kept.shape)
        return grad * hit / count, None, None, None


class MaxDim(Function):
    """``max(dim)``/``min(dim)`` values; the gradient goes to the index reported."""

    @staticmethod
    def forward(ctx, a, dim, keepdim, largest):
        xp = a.xp
        arg = (xp.argmax if largest else xp.argmin)(a._array, axis=dim, keepdims=True)
        values = xp.take_along_axis(a._array, arg, axis=dim)
        ctx.input_shape = a.shape
        ctx.dim, ctx.keepdim, ctx.arg = dim, keepdim, arg
        indices = arg if keepdim else xp.squeeze(arg, axis=dim)
        values = values if keepdim else xp.squeeze(values, axis=dim)
        ctx.indices = a._new(indices.astype(xp.int64))
        return values

    @staticmethod
    def backward(ctx, grad):
        xp = grad.xp
        positions = xp.arange(ctx.input_shape[ctx.dim]).reshape(
            [-1 if i == ctx.dim else 1 for i in range(len(ctx.input_shape))]
        )
        onehot = grad._new((positions == ctx.arg).astype(grad._array.dtype))
        if not ctx.keepdim:
            grad = grad.unsqueeze(ctx.dim)
        return grad * onehot, None, None, None


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        xp, x = a.xp, a._array
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        result = a._new(e / e.sum(axis=dim, keepdims=True))
        ctx.save_for_backward(result)
        ctx.dim = dim
        return result

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        xp, x = a.xp, a._array
        shifted = x - x.max(axis=dim, keepdims=True)
        result = a._new(shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True)))
        ctx.save_for_backward(result)
        ctx.dim = dim
        return result

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True), None


# ---------------------------------------------------------------------------- public functions
def sum(a: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.name in ("bool", "uint8", "int8", "int16", "int32"):
        a = a.to("int64")
    return Sum.apply(a, normalize_dims(dim, a.ndim), keepdim)


def mean(a: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dtype is not None:
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {a.dtype.name.capitalize()}"
        )
    dims = normalize_dims(dim, a.ndim)
    count = 1
    for d in dims:
        count *= a.shape[d] if a.ndim else 1
    return sum(a, dims, keepdim) / count


def amax(a: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    dims = normalize_dims(None if dim == () else dim, a.ndim)
    _check_nonempty(a, dims, "amax")
    return AMax.apply(a, dims, keepdim, True)


def amin(a: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    dims = normalize_dims(None if dim == () else dim, a.ndim)
    _check_nonempty(a, dims, "amin")
    return AMax.apply(a, dims, keepdim, False)


def max(a: Tensor, dim=None, keepdim: bool = False, *, _largest=True):  # noqa: A001
    """``max()`` is the largest element; ``max(dim)`` gives ``(values, indices)`` as PyTorch does.

    Given a tensor as second argument it is the element-wise maximum.
    """
    if isinstance(dim, Tensor):
        from .elementwise import maximum, minimum

        return maximum(a, dim) if _largest else minimum(a, dim)
    if dim is None:
        _check_nonempty(a, normalize_dims(None, a.ndim), "max" if _largest else "min")
        return AMax.apply(a, normalize_dims(None, a.ndim), False, _largest)
    d = normalize_dims(dim, a.ndim)[0]
    _check_nonempty(a, (d,), "max" if _largest else "min")
    if a.ndim == 0:
        return ValuesIndices(a * 1, a.new_zeros((), dtype="int64"))
    values = MaxDim.apply(a, d, keepdim, _largest)
    indices = values.grad_fn.ctx.indices if values.grad_fn else _argext(a, d, keepdim, _largest)
    return ValuesIndices(values, indices)


def min(a: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    return max(a, dim, keepdim, _largest=False)


def _argext(a: Tensor, dim, keepdim, largest):
    xp = a.xp
    arr = a._array
    if dim is None:
        return a._new(xp.asarray((xp.argmax if largest else xp.argmin)(arr), dtype=xp.int64))
    out = (xp.argmax if largest else xp.argmin)(arr, axis=dim, keepdims=keepdim)
    return a._new(out.astype(xp.int64))


def argmax(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _argext(a, None if dim is None else normalize_dims(dim, a.ndim)[0], keepdim, True)


def argmin(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _argext(a, None if dim is None else normalize_dims(dim, a.ndim)[0], keepdim, False)


def var(a: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """Variance over ``dim`` with Bessel's correction by default (``correction=1``)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = normalize_dims(dim, a.ndim)
    count = 1
    for d in dims:
        count *= a.shape[d] if a.ndim else 1
    centred = a - mean(a, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim) / (count - correction)


def std(a: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    return var(a, dim, unbiased, keepdim, correction=correction).sqrt()


def logsumexp(a: Tensor, dim, keepdim: bool = False) -> Tensor:
    dims = normalize_dims(dim, a.ndim)
    shift = amax(a, dims, keepdim=True).detach()
    shift = shift.where(shift.isfinite(), shift.new_zeros(()))  # all -inf rows stay -inf
    out = ((a - shift).exp().sum(dims, keepdim=True)).log() + shift
    return out if keepdim else out.squeeze(dims)


def softmax(a: Tensor, dim: int, dtype=None) -> Tensor:
    if dtype is not None:
        a = a.to(dtype)
    return Softmax.apply(a, normalize_dims(dim, a.ndim)[0])


def log_softmax(a: Tensor, dim: int, dtype=None) -> Tensor:
    if dtype is not None:
        a = a.to(dtype)
    return LogSoftmax.apply(a, normalize_dims(dim, a.ndim)[0])


def all(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    axis = None if dim is None else _axes(normalize_dims(dim, a.ndim), a.ndim)
    return a._new(a.xp.asarray(a.xp.all(a._array, axis=axis, keepdims=keepdim)))


def any(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    axis = None if dim is None else _axes(normalize_dims(dim, a.ndim), a.ndim)
    return a._new(a.xp.asarray(a.xp.any(a._array, axis=axis, keepdims=keepdim)))


def _check_nonempty(a: Tensor, dims, name: str) -> None:
    if a.numel() == 0 and (not dims or builtins_any(a.shape[d] == 0 for d in dims)):
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument."
        )


def builtins_any(iterable) -> bool:
    for item in iterable:
        if item:
            return True
    return False
