"""Reductions (sum, mean, max, var, ...) and the softmax family, with their derivatives."""

from __future__ import annotations

import warnings
from collections import namedtuple

from .._arguments import convert, parse_args, wrap_dim, wrap_dims
from ..amp.autocast_mode import cast_inputs
from ..autograd.function import Function, named_as
from ..autograd.grad_mode import is_grad_enabled
from ..backends import float64, int64, to_dtype
from ..tensor import Tensor
from ._util import check_same_device, normalize_dims, scalar_type_name
from .elementwise import quiet

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
        x = a._array  # integers keep their dtype (NumPy would widen an int32 sum to int64)
        keep = x.dtype if x.dtype.kind in "biu" else None
        return x.sum(axis=_axes(dims, a.ndim), keepdims=keepdim, dtype=keep)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.kept_shape).expand(ctx.input_shape), None, None


class SumDim(Sum):
    node_name = "SumBackward1"  # PyTorch's node for a sum over given dims


class Mean(Function):
    """The mean over ``dims``: the sum divided by the count (NaN where the count is 0); backward
    spreads ``grad / count`` over the elements. One node, as PyTorch's (``MeanBackward0`` for the
    whole tensor, ``MeanBackward1`` with ``dim``)."""

    @staticmethod
    def forward(ctx, a, dims, keepdim, count):
        ctx.input_shape, ctx.count = a.shape, count
        ctx.kept_shape = _kept_shape(a.shape, dims)
        total = a._array.sum(axis=_axes(dims, a.ndim), keepdims=keepdim)
        if count == 0:
            return a.xp.full_like(total, float("nan"))
        return a.xp.true_divide(total, count)

    @staticmethod
    def backward(ctx, grad):
        return (grad.reshape(ctx.kept_shape) / ctx.count).expand(ctx.input_shape), None, None, None


class MeanDim(Mean):
    node_name = "MeanBackward1"


_DTYPE_OVERLOADS = ("Tensor input, *, ScalarType? dtype=None",
                    "Tensor input, dim[] dim, bool keepdim=False, *, ScalarType? dtype=None")


@parse_args("Tensor input, dim[]? dim, bool keepdim, *, ScalarType? dtype", overloads=_DTYPE_OVERLOADS)
def sum(a: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """The sum over ``dim`` (all elements by default); integers and bools give int64 unless
    ``dtype`` says otherwise.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1, 2], [3, 4]])
    >>> x.sum(), x.sum(1), x.sum(dtype=mt.int32).dtype
    (tensor(10), tensor([3, 7]), minitorch_conv.int32)
    """
    (a,) = cast_inputs("fp32_gpu", a)  # float32 under GPU autocast
    if dtype is not None:
        target = to_dtype(dtype)
        if not target.is_floating_point and a.requires_grad and is_grad_enabled():
            raise RuntimeError(f"Autograd not support dtype: {scalar_type_name(target)}")
        a = a.to(target)
    elif a.dtype.name in ("bool", "uint8", "int8", "int16", "int32"):
        a = a.to(int64)
    summed_over = Sum if dim is None else SumDim
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None  # dim=(): every dimension, as in PyTorch
    return summed_over.apply(a, normalize_dims(dim, a.ndim), keepdim)


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


@parse_args("Tensor input, dim[] dim, bool keepdim")
def amax(a: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest value over ``dim`` (all elements by default); ties share the gradient.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 5], [3, 4]]).amax(0)
    tensor([3, 5])
    """
    dims = normalize_dims(None if dim == () else dim, a.ndim)
    _check_nonempty(a, dims, "amax", dim != ())
    return named_as(AMax.apply(a, dims, keepdim, True), "AmaxBackward0")


@parse_args("Tensor input, dim[] dim, bool keepdim")
def amin(a: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest value over ``dim`` (all elements by default); ties share the gradient.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 5], [3, 4]]).amin(1)
    tensor([1, 3])
    """
    dims = normalize_dims(None if dim == () else dim, a.ndim)
    _check_nonempty(a, dims, "amin", dim != ())
    return named_as(AMax.apply(a, dims, keepdim, False), "AminBackward0")


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


_MAX_OVERLOADS = ("Tensor input", "Tensor input, Tensor other", "Tensor input, int dim, bool keepdim=False")


@parse_args("Tensor input, Tensor|int dim, bool keepdim, *, bool _largest", overloads=_MAX_OVERLOADS)
def max(a: Tensor, dim=None, keepdim: bool = False, *, _largest=True):  # noqa: A001
    """``max()`` is the largest element; ``max(dim)`` gives ``(values, indices)`` as PyTorch does.

    Given a tensor as second argument it is the element-wise maximum.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 5], [3, 4]]).max(1)
    ValuesIndices(values=tensor([5, 4]), indices=tensor([1, 1]))
    """
    if dim is not None and not isinstance(dim, Tensor):
        dim = wrap_dim(convert("int", dim, "max" if _largest else "min", "dim", 2), a.ndim)
    if isinstance(dim, Tensor):
        from .elementwise import maximum, minimum

        return maximum(a, dim) if _largest else minimum(a, dim)
    if dim is None:
        _check_nonempty(a, normalize_dims(None, a.ndim), "max" if _largest else "min", False)
        return named_as(AMax.apply(a, normalize_dims(None, a.ndim), False, _largest),
                        "MaxBackward1" if _largest else "MinBackward1")
    d = normalize_dims(dim, a.ndim)[0]
    _check_nonempty(a, (d,), "max" if _largest else "min", True)
    if a.ndim == 0:
        return ValuesIndices(a * 1, a.new_zeros((), dtype=int64))
    values = named_as(MaxDim.apply(a, d, keepdim, _largest), "MaxBackward0" if _largest else "MinBackward0")
    indices = values.grad_fn.ctx.indices if values.grad_fn else _argext(a, d, keepdim, _largest)
    return ValuesIndices(values, indices)


@parse_args("Tensor input, Tensor|int dim, bool keepdim", overloads=_MAX_OVERLOADS)
def min(a: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """``min()`` is the smallest element; ``min(dim)`` gives ``(values, indices)``; given a tensor,
    the element-wise minimum.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 5], [3, 4]]).min()
    tensor(1)
    """
    if dim is None:
        return max(a, keepdim=keepdim, _largest=False)
    return max(a, dim, keepdim, _largest=False)


def _check_softmax_dtype(name: str, a: Tensor, dim: int) -> None:
    """PyTorch's softmax kernels exist for floating dtypes only."""
    if not a.dtype.is_floating_point and a.numel():  # (an empty tensor runs no kernel)
        kernel = f"{name}_lastdim_kernel_impl" if dim == a.ndim - 1 or a.ndim == 0 else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(a.dtype)}\'')


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        xp, x = a.xp, a._array
        if x.size == 0:  # nothing to normalise (and no maximum to subtract)
            result = a._new(x.copy())
            ctx.save_for_backward(result)
            ctx.dim = dim
            return result
        with quiet(xp):  # a row of -inf gives NaN, as in PyTorch (which does not warn)
            e = xp.exp(x - x.max(axis=dim, keepdims=True))
            result = a._new(e / e.sum(axis=dim, keepdims=True))
        ctx.save_for_backward(result)
        ctx.dim = dim
        return result

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


@parse_args("Tensor input, dim dim, ScalarType? dtype")
def softmax(a: Tensor, dim: int, dtype=None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``, computed without overflow.

    >>> import minitorch_conv as mt
    >>> mt.tensor([0.0, 0.0]).softmax(0)
    tensor([0.5000, 0.5000])
    """
    (a,) = cast_inputs("fp32_gpu", a)  # float32 under GPU autocast
    if dtype is not None:
        a = a.to(dtype)
    dim = normalize_dims(dim, a.ndim)[0]
    _check_softmax_dtype("softmax", a, dim)
    return Softmax.apply(a, dim)


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        xp, x = a.xp, a._array
        if x.size == 0:
            result = a._new(x.copy())
            ctx.save_for_backward(result)
            ctx.dim = dim
            return result
        with quiet(xp):  # a row of -inf gives NaN, as in PyTorch (which does not warn)
            shifted = x - x.max(axis=dim, keepdims=True)
            result = a._new(shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True)))
        ctx.save_for_backward(result)
        ctx.dim = dim
        return result

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True), None


@parse_args("Tensor input, dim dim, ScalarType? dtype")
def log_softmax(a: Tensor, dim: int, dtype=None) -> Tensor:
    """The logarithm of :func:`softmax`, computed without overflow.

    >>> import minitorch_conv as mt
    >>> mt.tensor([0.0, 0.0]).log_softmax(0)
    tensor([-0.6931, -0.6931])
    """
    (a,) = cast_inputs("fp32_gpu", a)  # float32 under GPU autocast
    if dtype is not None:
        a = a.to(dtype)
    dim = normalize_dims(dim, a.ndim)[0]
    _check_softmax_dtype("log_softmax", a, dim)
    return LogSoftmax.apply(a, dim)


class Prod(Function):
    """The product over ``dims``. Its gradient is the product of the *other* elements, computed
    without dividing by zero (PyTorch's rule): where a slice holds one zero, only that element
    gets a gradient; where it holds more, none does.
    """

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        out = a._array.prod(axis=_axes(dims, a.ndim), keepdims=keepdim)
        result = a._new(out)
        ctx.save_for_backward(a, result)  # the output itself, so that backward's graph reaches it
        ctx.dims, ctx.kept_shape = dims, _kept_shape(a.shape, dims)
        return result

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        dims = ctx.dims
        grad, out = grad.reshape(ctx.kept_shape), out.reshape(ctx.kept_shape)
        is_zero = a._array == 0
        if not bool(is_zero.any()):
            return grad * out / a, None, None
        from .elementwise import where

        zeros = a._new(is_zero)
        n_zeros = a._new(is_zero.sum(axis=_axes(dims, a.ndim), keepdims=True))
        safe = where(zeros, a.new_ones(()), a)
        others = Prod.apply(safe, dims, True)  # product of the non-zero elements of each slice
        # one zero in a slice: that element gets the product of the others; the rest get
        # (that zero) * others / themselves, which is 0 but keeps the second derivative
        the_zero = where(zeros, a, a.new_zeros(())).sum(dims, keepdim=True)
        one = where(zeros, others, the_zero * others / safe)
        local = where(n_zeros == 0, out / safe, where(n_zeros == 1, one, a.new_zeros(())))
        return grad * local, None, None


@parse_args("Tensor input, dim? dim, bool keepdim, *, ScalarType? dtype",
            overloads=("Tensor input, *, ScalarType? dtype=None",
                       "Tensor input, int dim, bool keepdim=False, *, ScalarType? dtype=None"))
def prod(a: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product of all elements, or over one dimension ``dim``; zeros in ``a`` are fine for
    the gradient. Integers and bools give int64, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, 2.0], [0.0, 4.0]], requires_grad=True)
    >>> x.prod(1)
    tensor([2., 0.], grad_fn=<ProdBackward0>)
    >>> x.prod().backward()
    >>> x.grad
    tensor([[0., 0.],
            [8., 0.]])
    """
    (a,) = cast_inputs("fp32", a)  # float32 under autocast
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.name in ("bool", "uint8", "int8", "int16", "int32"):
        a = a.to(int64)
    return Prod.apply(a, normalize_dims(dim, a.ndim), keepdim if dim is not None else False)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return a.xp.cumsum(a._array, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        d = ctx.dim  # each input element reaches every later output: a reversed running sum
        return Cumsum.apply(grad.flip(d), d).flip(d), None


@parse_args("Tensor input, dim dim, *, ScalarType? dtype")
def cumsum(a: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along ``dim``. Integers and bools give int64, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> mt.tensor([1, 2, 3, 4]).cumsum(0)
    tensor([ 1,  3,  6, 10])
    """
    (a,) = cast_inputs("fp32_gpu", a)  # float32 under GPU autocast
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.name in ("bool", "uint8", "int8", "int16", "int32"):
        a = a.to(int64)
    if a.ndim == 0:
        normalize_dims(dim, 0)
        return a * 1
    return Cumsum.apply(a, normalize_dims(dim, a.ndim)[0])


class Norm2(Function):
    """The Euclidean norm over ``dims``; the gradient at a zero vector is zero (PyTorch's choice)."""

    node_name = "LinalgVectorNormBackward0"  # PyTorch's node for norm()

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        x = a._array
        result = a._new(a.xp.sqrt((x * x).sum(axis=_axes(dims, a.ndim), keepdims=keepdim)))
        ctx.save_for_backward(a, result)
        ctx.kept_shape = _kept_shape(a.shape, dims)
        return result

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import where

        a, out = ctx.saved_tensors
        grad, out = grad.reshape(ctx.kept_shape), out.reshape(ctx.kept_shape)
        is_zero = out == 0
        safe = where(is_zero, out.new_ones(()), out)
        return where(is_zero, out.new_zeros(()), grad / safe) * a, None, None


class NonzeroCount(Function):
    """How many elements over ``dims`` are not zero, in ``a``'s dtype (``norm(p=0)``): piecewise
    constant, so the gradient is zero, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.input_shape, ctx.kept_shape = a.shape, _kept_shape(a.shape, dims)
        count = (a._array != 0).sum(axis=_axes(dims, a.ndim), keepdims=keepdim)
        return a.xp.asarray(count, dtype=a._array.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.kept_shape).expand(ctx.input_shape) * 0, None, None


class NuclearNorm(Function):
    """The sum of the singular values of the matrices over the last two dimensions; its gradient is
    ``U @ Vh`` (the reduced SVD's factors)."""

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        u, s, vh = xp.linalg.svd(a._array, full_matrices=False)
        ctx.factors = a._new(xp.matmul(u, vh))
        return a._new(s.sum(axis=-1).astype(a._array.dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad.unsqueeze(-1).unsqueeze(-1) * ctx.factors


def _nuclear_norm(a: Tensor, dims: tuple, keepdim: bool) -> Tensor:
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(map(str, dims)))
    from .shape import movedim

    out = NuclearNorm.apply(movedim(a, dims, (-2, -1)))
    if keepdim:
        for d in dims:  # (sorted: each lands where it was)
            out = out.unsqueeze(d)
    return out


def _check_empty_extremum_norm(a: Tensor, p, dim, dims) -> None:
    """PyTorch's inf and -inf norms have no value over an empty reduction (no identity)."""
    if p not in (float("inf"), float("-inf")) or a.numel() != 0:
        return
    order = "inf" if p > 0 else "-inf"
    if dim is None:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on an empty tensor because "
                           "the operation does not have an identity")
    for d in dims:
        if a.shape[d] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on the dimension {d}"
                               "because this dimension is empty and the operation does not have an identity")


@parse_args("Tensor input, object p, object dim, bool keepdim, ScalarType? dtype")
def norm(a: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The vector ``p``-norm over ``dim`` (all elements by default): ``p`` is 2, ``'fro'`` or None
    (Euclidean), 1, ``inf``, ``-inf``, 0 (the count of non-zeros) or any other number; ``'nuc'``
    is the nuclear norm of a matrix (over two dimensions). ``dim=()`` reduces every dimension.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[3.0, -4.0], [0.0, 1.0]])
    >>> x.norm(), x.norm(1), x.norm(float("inf"))
    (tensor(5.0990), tensor(8.), tensor(4.))
    >>> x.norm(dim=1)
    tensor([5., 1.])
    """
    # PyTorch's order of checks: p, then the dtype, then the dimensions
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    else:
        p = convert("Number", p, "linalg_vector_norm", "ord", 2)
    if dim.__class__ is int:  # PyTorch's norm passes an int dim on as a list
        dim = [dim]
    dim = convert("int[]?", dim, "linalg_vector_norm", "dim", 3)
    if dtype is not None:
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        kind = "linalg.matrix_norm" if p == "nuc" else "linalg.vector_norm"
        raise RuntimeError(f"{kind}: Expected a floating point or complex tensor as input. Got "
                           + scalar_type_name(a.dtype))
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None  # dim=(): every dimension, as in PyTorch
    dims = normalize_dims(dim, a.ndim)
    if p == "nuc":
        return _nuclear_norm(a, dims, keepdim)
    _check_empty_extremum_norm(a, p, dim, dims)
    if p == "fro" or p == 2:
        return Norm2.apply(a, dims, keepdim)
    if p == 1:
        return sum(a.abs(), dims, keepdim)
    if p == float("inf"):
        return amax(a.abs(), dims, keepdim)
    if p == float("-inf"):
        return amin(a.abs(), dims, keepdim)
    if p == 0:
        return NonzeroCount.apply(a, dims, keepdim)
    # any other p: (sum |a|^p)^(1/p), with the gradient of a zero vector set to zero
    from .elementwise import where

    reduced = 1
    for d in dims:
        reduced *= a.shape[d] if a.ndim else 1
    # one element per norm: PyTorch gives |a| itself (not (|a|^p)^(1/p), which p NaN or huge spoils)
    if reduced == 1 and (a.ndim or dim is None):
        out = a.abs()
        return out if keepdim or not a.ndim else out.squeeze(dims)

    powered = sum(a.abs() ** p, dims, keepdim=True)
    is_zero = powered == 0
    safe = where(is_zero, powered.new_ones(()), powered)
    out = where(is_zero, powered.new_zeros(()), safe ** (1.0 / p))
    return out if keepdim else out.squeeze(dims)


# ---------------------------------------------------------------------------- the other public functions
@parse_args("Tensor input, int[1]? dim, bool keepdim, *, ScalarType? dtype", overloads=_DTYPE_OVERLOADS)
def mean(a: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean over ``dim`` (all elements by default), of a floating-point tensor.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(0)
    tensor([2., 3.])
    """
    if dtype is not None:
        if not to_dtype(dtype).is_floating_point:
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating point or "
                f"complex dtype. Got: {scalar_type_name(to_dtype(dtype))}"
            )
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(a.dtype)}"
        )
    dims = normalize_dims(None if isinstance(dim, (tuple, list)) and not dim else dim, a.ndim)  # (): all
    count = 1
    for d in dims:
        count *= a.shape[d] if a.ndim else 1
    return (Mean if dim is None else MeanDim).apply(a, dims, keepdim, count)


def _argext(a: Tensor, dim, keepdim, largest):
    xp = a.xp
    arr = a._array
    if dim is None:
        return a._new(xp.asarray((xp.argmax if largest else xp.argmin)(arr), dtype=xp.int64))
    out = (xp.argmax if largest else xp.argmin)(arr, axis=dim, keepdims=keepdim)
    return a._new(out.astype(xp.int64))


@parse_args("Tensor input, int? dim, bool keepdim")
def argmax(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the largest value (of the flattened tensor, or along ``dim``).

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 5], [3, 4]]).argmax(), mt.tensor([[1, 5], [3, 4]]).argmax(0)
    (tensor(1), tensor([1, 0]))
    """
    if a.dtype.name == "bool":
        raise RuntimeError("argmax(): does not support bool input")
    d = None if dim is None else normalize_dims(dim, a.ndim)[0]
    _check_nonempty(a, () if d is None else (d,), "argmax", d is not None)
    return _argext(a, d, keepdim, True)


@parse_args("Tensor input, int? dim, bool keepdim")
def argmin(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the smallest value (of the flattened tensor, or along ``dim``).

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 5], [3, 4]]).argmin(1)
    tensor([0, 0])
    """
    if a.dtype.name == "bool":
        raise RuntimeError("argmin(): does not support bool input")
    d = None if dim is None else normalize_dims(dim, a.ndim)[0]
    _check_nonempty(a, () if d is None else (d,), "argmin", d is not None)
    return _argext(a, d, keepdim, False)


def _correction(name: str, dim, unbiased, correction, keepdim=None):
    """``(dim, correction)`` from PyTorch's overloads: ``var(x, unbiased)``,
    ``var(x, dim, unbiased, keepdim)`` and ``var(x, dim, *, correction, keepdim)``. ``dim=()``
    reduces every dimension, as PyTorch does."""
    if isinstance(dim, bool):  # var(x, False): the flag, not a dimension
        if correction is not None or keepdim is not None:  # only var(x, unbiased) takes a bool
            raise TypeError(f"{name}() received an invalid combination of arguments - got a bool as 'dim' "
                            "together with 'correction' or 'keepdim'")
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments - got a bool as 'dim' "
                            "and 'unbiased' both")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'unbiased' and "
                        "'correction'; give one of them")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dim = convert("int[1]?", dim, name, "dim", 2)
    return (None if isinstance(dim, (tuple, list)) and not dim else dim), correction


def _check_var_dtype(a: Tensor) -> None:
    if not a.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")


_VAR_DECLARATION = "Tensor input, object dim, bool? unbiased, bool keepdim, *, Number? correction"


@parse_args(_VAR_DECLARATION)
def var(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,  # noqa: A002
        correction=None) -> Tensor:
    """The variance over ``dim`` (all elements by default), divided by ``N - correction``.

    ``correction=1`` (Bessel's, the default) or ``unbiased=False`` (``correction=0``), also given
    positionally as ``var(x, False)``, as PyTorch accepts. Where ``N - correction <= 0`` the result
    is inf or NaN with PyTorch's warning.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 6.0, 8.0]])
    >>> x.var(), x.var(False), x.var(1, correction=0)
    (tensor(6.8000), tensor(5.6667), tensor([0.6667, 2.6667]))
    """
    dim, correction = _correction("var", dim, unbiased, correction, keepdim)
    _check_var_dtype(input)  # after the arguments, before the dimensions' range
    variance = _variance(input, dim, correction, bool(keepdim))
    with quiet(input.xp):  # a float64 variance past float32's range is inf there, as in PyTorch
        return variance.to(input.dtype)


def _variance(a: Tensor, dim, correction, keepdim: bool) -> Tensor:
    """The variance, summed in float64 for the narrower float dtypes as PyTorch's CPU kernel does (the
    squares of 1e30 overflow float32, its standard deviation does not)."""
    dims = normalize_dims(None if dim is None else wrap_dims(dim, a.ndim), a.ndim)
    count = 1
    for d in dims:
        count *= a.shape[d] if a.ndim else 1
    if a.dtype.name in ("float32", "float16"):
        a = a.to(float64)
    centred = a - mean(a, dims, keepdim=True)
    squares = sum(centred * centred, dims, keepdim)
    divisor = count - correction
    if not divisor > 0:  # (a NaN correction too: PyTorch takes max(0, N - correction) as 0)
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
        with quiet(a.xp):
            return squares / a.new_tensor(0)
    return squares / divisor


@parse_args(_VAR_DECLARATION)
def std(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,  # noqa: A002
        correction=None) -> Tensor:
    """The square root of :func:`var`, with the same arguments.

    >>> import minitorch_conv as mt
    >>> mt.tensor([1.0, 2.0, 3.0, 4.0]).std(False)
    tensor(1.1180)
    """
    dim, correction = _correction("std", dim, unbiased, correction, keepdim)
    _check_var_dtype(input)  # after the arguments, before the dimensions' range
    return _variance(input, dim, correction, bool(keepdim)).sqrt().to(input.dtype)


@parse_args("Tensor input, dim[] dim, bool keepdim")
def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow (the maximum is taken out
    first). Rows of ``-inf``, and empty rows, give ``-inf``, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> mt.logsumexp(mt.tensor([[0.0, 0.0], [1.0, 1.0]]), 1)
    tensor([0.6931, 1.6931])
    >>> mt.logsumexp(mt.tensor([1000.0, 1000.0]), 0)  # exp(1000) would overflow
    tensor(1000.6932)
    """
    a = input
    dims = normalize_dims(dim, a.ndim)
    with quiet(a.xp):  # log(0) = -inf is the answer for rows of -inf
        if a.numel() == 0:  # the log of an empty sum: -inf, still an output of ``input``
            total = a.sum(dims, keepdim=True)
            out = total * 0 + total.new_full(total.shape, float("-inf"))
        else:
            shift = amax(a, dims, keepdim=True).detach()
            shift = shift.where(shift.isfinite(), shift.new_zeros(()))  # all -inf rows stay -inf
            out = ((a - shift).exp().sum(dims, keepdim=True)).log() + shift
    return out if keepdim else out.squeeze(dims)



@parse_args("Tensor input, Tensor other")
def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002 - PyTorch's name
    """True when both tensors have the same shape and the same elements (NaN is never equal).

    >>> import minitorch_conv as mt
    >>> mt.equal(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.0])), mt.equal(mt.ones(2), mt.ones(3))
    (True, False)
    """
    check_same_device(input, other)
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(input.xp.array_equal(input._array, other._array))


@parse_args("Tensor input, dim[]? dim, bool keepdim")
def all(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``dim`` (all by default) is non-zero.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[True, False], [True, True]]).all(1)
    tensor([False,  True])
    """
    axis = None if dim is None else _axes(normalize_dims(dim, a.ndim), a.ndim)
    return a._new(a.xp.asarray(a.xp.all(a._array, axis=axis, keepdims=keepdim)))


@parse_args("Tensor input, dim[]? dim, bool keepdim")
def any(a: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element over ``dim`` (all by default) is non-zero.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[True, False], [False, False]]).any(1)
    tensor([ True, False])
    """
    axis = None if dim is None else _axes(normalize_dims(dim, a.ndim), a.ndim)
    return a._new(a.xp.asarray(a.xp.any(a._array, axis=axis, keepdims=keepdim)))


def _check_nonempty(a: Tensor, dims, name: str, dim_given: bool) -> None:
    """PyTorch's errors for a max-like reduction of nothing: RuntimeError for an empty tensor
    reduced whole, IndexError for a given dimension of size 0."""
    if a.numel() != 0:
        return
    if not dim_given:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument."
        )
    for d in dims:
        if a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")

