"""Statistics of a tensor: medians, order statistics, quantiles, modes, moments with their mean,
NaN-ignoring sums, covariance, counts, histograms, unique values and searches in sorted sequences.

The order statistics (median, kthvalue, mode, quantile) find their positions on the arrays,
outside the graph (a stable sort, NaN as the largest value); their values are then a
:func:`gather` of the input at those positions, so the gradient goes to the element picked, as
PyTorch's ``value_selecting_reduction_backward`` sends it. Where PyTorch leaves the position of
tied values unspecified (it uses a selection algorithm), ours is the one the stable sort gives.

The counting operations (count_nonzero, histc, bincount, unique, searchsorted, isin) return
integers or counts: they have no gradient, as in PyTorch.
"""

from __future__ import annotations

import math
import warnings
from collections import namedtuple

from .._arguments import parse_args, wrap_dim
from ..autograd.function import Function, named_as
from ..backends import float64, int64, promote_types, to_dtype
from ..tensor import Tensor
from ._util import _scalar_dtype, check_same_device, normalize_dims, result_dtype, scalar_type_name
from .elementwise import isnan, lerp, quiet, where
from .indexing import gather
from .reduction import ValuesIndices, _check_nonempty, _correction, _variance, amax, amin, mean
from .reduction import sum as _sum
from .shape import movedim
from .sorting import _order, _stable_argsort

MinMax = namedtuple("MinMax", ["min", "max"])
"""What :func:`aminmax` returns (PyTorch's ``torch.return_types.aminmax``)."""


def _refuse_bool(a: Tensor, kernel: str) -> None:
    """PyTorch's NotImplementedError for a kernel that has no bool version."""
    if a.dtype.name == "bool":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _along(xp, array, dim: int, start: int, stop: int | None = None):
    """``array[..., start:stop, ...]`` with the slice on axis ``dim``."""
    return array[(slice(None),) * dim + (slice(start, stop),)]


def _select(a: Tensor, dim: int, index, keepdim: bool, node: str) -> ValuesIndices:
    """``(values, indices)`` of ``a`` at ``index`` (an int64 array with ``dim`` kept, size 1):
    the values are a gather, whose gradient goes back to the positions picked."""
    indices = a._new(index)
    values = gather(a, dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(named_as(values, node), indices)


def _zero_d(a: Tensor, node: str) -> ValuesIndices:
    """A 0-d tensor's order statistic along its one "dimension": itself, at index 0."""
    return ValuesIndices(named_as(a.clone(), node), a.new_zeros((), dtype=int64))


# ---------------------------------------------------------------------------------------- median
class Median(Function):
    """The median of all elements (NaN where one is NaN); the gradient is shared equally by the
    elements equal to it, as PyTorch's ``evenly_distribute_backward`` shares it."""

    ignore_nan = False

    @classmethod
    def forward(cls, ctx, a):
        # Notation: x, the n elements flattened; s, x sorted (NaN last); m, the elements not NaN
        xp, x = a.xp, a._array.reshape(-1)
        if x.size == 0:  # PyTorch: NaN, or the lowest integer of the dtype
            empty = float("nan") if a.dtype.is_floating_point else xp.iinfo(x.dtype).min
            value = xp.asarray(empty, dtype=x.dtype)
        else:
            s = xp.sort(x)
            if not a.dtype.is_floating_point:
                value = s[(x.size - 1) // 2]
            elif cls.ignore_nan:
                m = x.size - xp.isnan(x).sum()
                value = xp.take(s, xp.maximum(m - 1, 0) // 2)  # (all NaN: s[0], NaN)
            else:
                value = xp.where(xp.isnan(s[-1]), s[-1], s[(x.size - 1) // 2])
        ctx.save_for_backward(a)
        ctx.value = value
        return xp.asarray(value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        xp, x, value = a.xp, a._array, ctx.value
        hit = (x == value) | (xp.isnan(x) & xp.isnan(value))
        mask = a._new(hit.astype(x.dtype))
        return grad * mask / a._new(hit.sum().astype(x.dtype))


class Nanmedian(Median):
    """The median of the elements that are not NaN (NaN where all are)."""

    ignore_nan = True


def _median_dim(a: Tensor, dim: int, keepdim: bool, ignore_nan: bool) -> ValuesIndices:
    name = "nanmedian" if ignore_nan else "median"
    node = "NanmedianBackward1" if ignore_nan else "MedianBackward1"
    _refuse_bool(a, f"{name}_out")
    _check_nonempty(a, (dim,), name, True)
    if a.ndim == 0:
        return _zero_d(a, node)
    xp, x = a.xp, a._array
    n = x.shape[dim]
    order = _order(a, dim, False)
    if not a.dtype.is_floating_point:
        index = _along(xp, order, dim, (n - 1) // 2, (n - 1) // 2 + 1)
    elif ignore_nan:  # the lower middle of the m elements that are not NaN
        m = n - xp.isnan(x).sum(axis=dim, keepdims=True)
        index = xp.take_along_axis(order, xp.maximum(m - 1, 0) // 2, axis=dim)
    else:  # the lower middle, or the first NaN of a slice that holds one
        nans = xp.isnan(x)
        middle = _along(xp, order, dim, (n - 1) // 2, (n - 1) // 2 + 1)
        first_nan = xp.argmax(nans, axis=dim, keepdims=True)
        index = xp.where(nans.any(axis=dim, keepdims=True), first_nan, middle)
    if x.size == 0:
        index = xp.zeros(index.shape, dtype=xp.int64)
    return _select(a, dim, index.astype(xp.int64), keepdim, node)


_MEDIAN_OVERLOADS = ("Tensor input", "Tensor input, int dim, bool keepdim=False")


@parse_args("Tensor input, int dim, bool keepdim", overloads=_MEDIAN_OVERLOADS)
def median(input: Tensor, dim: int = None, keepdim: bool = False):  # noqa: A002 - PyTorch's names
    """The median of all elements; with ``dim``, ``(values, indices)`` of the medians along it.

    For an even count it is the lower of the two middle values, as in PyTorch; a NaN makes the
    median NaN (:func:`nanmedian` ignores them). The gradient of the whole-tensor median is shared
    by the elements equal to it; along ``dim`` it goes to the index reported.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[4.0, 1.0, 3.0, 2.0], [0.0, 5.0, 9.0, 7.0]])
    >>> x.median()
    tensor(3.)
    >>> x.median(1)
    ValuesIndices(values=tensor([2., 5.]), indices=tensor([3, 1]))
    """
    if dim is None:
        _refuse_bool(input, "median_cpu")
        return Median.apply(input)
    return _median_dim(input, wrap_dim(dim, input.ndim), keepdim, False)


@parse_args("Tensor input, int dim, bool keepdim", overloads=_MEDIAN_OVERLOADS)
def nanmedian(input: Tensor, dim: int = None, keepdim: bool = False):  # noqa: A002
    """:func:`median` of the elements that are not NaN (NaN where all of them are).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, float("nan"), 3.0, 4.0], [2.0, 1.0, 2.0, 2.0]])
    >>> x.nanmedian()
    tensor(2.)
    >>> x.nanmedian(1)
    ValuesIndices(values=tensor([3., 2.]), indices=tensor([2, 0]))
    """
    if dim is None:
        _refuse_bool(input, "nanmedian_cpu")
        return Nanmedian.apply(input)
    return _median_dim(input, wrap_dim(dim, input.ndim), keepdim, True)


# ------------------------------------------------------------------------------- kthvalue, mode
@parse_args("Tensor input, int k, dim dim, bool keepdim")
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """``(values, indices)`` of the ``k``-th smallest element along ``dim`` (``k`` from 1; NaN is
    the largest value). The gradient goes to the element picked.

    >>> import minitorch_conv as mt
    >>> mt.kthvalue(mt.tensor([[3.0, 1.0, 2.0], [6.0, 5.0, 4.0]]), 2)
    ValuesIndices(values=tensor([2., 5.]), indices=tensor([2, 1]))
    """
    _refuse_bool(input, "kthvalue_cpu")
    size = input.shape[dim] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if input.ndim == 0:
        return _zero_d(input, "KthvalueBackward0")
    index = _along(input.xp, _order(input, dim, False), dim, k - 1, k)
    return _select(input, dim, index, keepdim, "KthvalueBackward0")


def _running_max(xp, array, dim: int):
    """The running maximum of an integer array along ``dim`` (a scan in log2(n) vectorised steps,
    written with element-wise operations that NumPy and CuPy share)."""
    out = array.copy()
    n, shift = array.shape[dim], 1
    while shift < n:  # Hillis-Steele: each step folds in the result ``shift`` places back
        later = (slice(None),) * dim + (slice(shift, None),)
        out[later] = xp.maximum(out[later], _along(xp, out, dim, 0, n - shift))
        shift *= 2
    return out


@parse_args("Tensor input, dim dim, bool keepdim")
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """``(values, indices)`` of the most frequent value along ``dim``: the smallest of those tied,
    at the last index where it occurs (PyTorch's choices). NaN never equals NaN, so each counts
    once. The gradient goes to the element picked.

    >>> import minitorch_conv as mt
    >>> mt.mode(mt.tensor([[3, 1, 3, 1, 2], [5, 5, 4, 4, 4]]))
    ValuesIndices(values=tensor([1, 4]), indices=tensor([3, 4]))
    """
    _check_nonempty(input, (dim,), "mode", True)
    if input.ndim == 0:
        return _zero_d(input, "ModeBackward0")
    # Notation: s, the slice sorted (stable, so equal values keep their input order); a run, a
    # stretch of equal values in s; its length is counted at its last position p, where order[p]
    # is the last index of that value in the input
    xp = input.xp
    order = _order(input, dim, False)
    s = xp.take_along_axis(input._array, order, axis=dim)
    n = s.shape[dim]
    shape = [1] * s.ndim
    shape[dim] = n
    position = xp.arange(n).reshape(shape)
    differs = _along(xp, s, dim, 1) != _along(xp, s, dim, 0, n - 1)  # NaN != NaN: runs of one
    edge = xp.ones(tuple(1 if i == dim else d for i, d in enumerate(s.shape)), dtype=bool)
    starts = xp.concatenate([edge, differs], axis=dim)
    ends = xp.concatenate([differs, edge], axis=dim)
    run_start = _running_max(xp, xp.where(starts, position, 0), dim)
    length = xp.where(ends, position - run_start + 1, 0)
    best = xp.argmax(length, axis=dim, keepdims=True)  # the first longest run: the smallest value
    index = xp.take_along_axis(order, best, axis=dim) if s.size else xp.zeros(best.shape, dtype=xp.int64)
    return _select(input, dim, index.astype(xp.int64), keepdim, "ModeBackward0")


# ------------------------------------------------------------------------------------ quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name: str, a: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    """PyTorch's quantile: sort, find each fractional rank ``q * (n - 1)`` (of the values that are
    not NaN for nanquantile), and blend the two values around it. The values are gathered from
    the sorted input (its gradient goes back through the sort), the blend is :func:`lerp`."""
    scalar_q = not isinstance(q, Tensor)
    if scalar_q and not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest, but got {interpolation}")
    if a.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if not scalar_q and q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if a.dtype.name not in ("float32", "float64"):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if scalar_q:
        q = a.new_tensor(q)
    elif q.dtype != a.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    check_same_device(a, q)
    if not scalar_q and not bool(((q._array >= 0) & (q._array <= 1)).all()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is not None:
        dim = wrap_dim(dim, a.ndim)

    from .sorting import sort

    # Notation: rows, the slices reduced (n values each, last); m, the number of q values
    rows = a.reshape(-1) if dim is None or a.ndim == 0 else movedim(a, dim, -1)
    s = sort(rows, dim=-1).values
    xp, n = a.xp, s.shape[-1]
    qs = q.reshape(-1)  # (m,)
    if ignore_nan:  # ranks among the values that are not NaN; none at all: rank 0, a NaN
        valid = s.new_tensor((~xp.isnan(s._array)).sum(axis=-1, keepdims=True) - 1)
        ranks = qs * valid
        ranks = where(ranks < 0, ranks.new_zeros(()), ranks)
    else:  # a row holding NaN takes its last value, NaN
        ranks = (qs * (n - 1)).expand(*s.shape[:-1], qs.shape[0])
        has_nan = s.new_tensor(xp.isnan(s._array).any(axis=-1, keepdims=True), dtype=bool)
        ranks = where(has_nan, ranks.new_full((), n - 1), ranks)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()  # halves to even, as PyTorch's round_
    below = ranks.detach().to(int64)
    out = gather(s, -1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        out = lerp(out, gather(s, -1, ranks.detach().ceil().to(int64)), weights)
    out = movedim(out, -1, 0)  # (m, the dimensions kept...)
    if keepdim:
        if dim is None:
            out = out.reshape(out.shape[0], *([1] * a.ndim))
        elif a.ndim:
            out = out.unsqueeze(dim + 1)
    return out.squeeze(0) if scalar_q else out


_QUANTILE_OVERLOADS = (
    "Tensor input, Tensor q, int? dim=None, bool keepdim=False, *, str interpolation='linear'",
    "Tensor input, float q, int? dim=None, bool keepdim=False, *, str interpolation='linear'",
)


@parse_args("Tensor input, Tensor|float q, int? dim, bool keepdim, *, str interpolation",
            overloads=_QUANTILE_OVERLOADS)
def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles of ``input`` (flattened, or along ``dim``); ``q`` is a number or a
    1-D tensor of numbers in [0, 1], whose values become the result's first dimension.

    Between two values, ``interpolation`` picks ``linear`` (the default), ``lower``, ``higher``,
    ``midpoint`` or ``nearest``. A row holding NaN gives NaN (:func:`nanquantile` ignores them).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[0.0, 1.0, 2.0, 3.0], [4.0, 6.0, 8.0, 10.0]])
    >>> mt.quantile(x, 0.5, dim=1)
    tensor([1.5000, 7.0000])
    >>> mt.quantile(x, mt.tensor([0.25, 0.5]), dim=1, interpolation="lower")
    tensor([[0., 4.],
            [1., 6.]])
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


@parse_args("Tensor input, Tensor|float q, int? dim, bool keepdim, *, str interpolation",
            overloads=_QUANTILE_OVERLOADS)
def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear") -> Tensor:
    """:func:`quantile` of the values that are not NaN (NaN where all of a row is).

    >>> import minitorch_conv as mt
    >>> mt.nanquantile(mt.tensor([1.0, float("nan"), 3.0]), 0.25)
    tensor(1.5000)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


# --------------------------------------------------------------------------- aminmax, counting
@parse_args("Tensor input, *, int? dim, bool keepdim")
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:  # noqa: A002
    """``(min, max)`` of all elements, or along ``dim``, in one call; tied extremes share the
    gradient, as with :func:`amin` and :func:`amax`.

    >>> import minitorch_conv as mt
    >>> mt.aminmax(mt.tensor([[1, 5], [3, 4]]), dim=0)
    MinMax(min=tensor([1, 4]), max=tensor([3, 5]))
    """
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                               "has no identity.")
        dims = tuple(range(input.ndim))
    else:
        dims = (wrap_dim(dim, input.ndim),) if input.ndim else ()
        if input.numel() == 0 and input.shape[dims[0]] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    if not dims:  # a 0-d tensor: itself, twice
        return MinMax(*(named_as(input.clone(), "AminmaxBackward0") for _ in range(2)))
    keep = keepdim if dim is not None else False
    return MinMax(named_as(amin(input, dims, keep), "AminmaxBackward0"),
                  named_as(amax(input, dims, keep), "AminmaxBackward0"))


@parse_args("Tensor input, dim[]? dim", overloads=("Tensor input, int[] dim", "Tensor input, int? dim=None"))
def count_nonzero(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """How many elements are not zero, in all of ``input`` or along ``dim`` (an int or a sequence);
    int64, as in PyTorch (NaN counts: it is not zero).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[0, 1, 7], [0, 0, 5]])
    >>> mt.count_nonzero(x), mt.count_nonzero(x, dim=0), x.count_nonzero((0, 1))
    (tensor(3), tensor([0, 1, 2]), tensor(3))
    """
    dims = normalize_dims(dim, input.ndim) if input.ndim else None
    xp = input.xp
    return input._new(xp.asarray((input._array != 0).sum(axis=dims), dtype=xp.int64))


# ------------------------------------------------------------------------ moments with the mean
_VAR_MEAN_DECLARATION = "Tensor input, object dim, bool? unbiased, bool keepdim, *, Number? correction"


def _moments(name: str, input: Tensor, dim, unbiased, keepdim, correction, root: bool) -> tuple:
    dim, correction = _correction(name, dim, unbiased, correction, keepdim)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    keepdim = bool(keepdim)
    variance = _variance(input, dim, correction, keepdim)
    with quiet(input.xp):  # past float32's range is inf there, as in PyTorch
        spread = (variance.sqrt() if root else variance).to(input.dtype)
    dims = normalize_dims(dim, input.ndim)
    node = "StdMeanBackward0" if root else "VarMeanBackward0"
    return named_as(spread, node), named_as(mean(input, dims, keepdim), node)


@parse_args(_VAR_MEAN_DECLARATION)
def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,  # noqa: A002
             correction=None) -> tuple:
    """``(var, mean)`` over ``dim`` (all elements by default), with :func:`var`'s arguments.

    >>> import minitorch_conv as mt
    >>> mt.var_mean(mt.tensor([[1.0, 2.0, 3.0], [4.0, 6.0, 8.0]]), 1)
    (tensor([1., 4.]), tensor([2., 6.]))
    """
    return _moments("var_mean", input, dim, unbiased, keepdim, correction, False)


@parse_args(_VAR_MEAN_DECLARATION)
def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool | None = None, *,  # noqa: A002
             correction=None) -> tuple:
    """``(std, mean)`` over ``dim`` (all elements by default), with :func:`std`'s arguments.

    >>> import minitorch_conv as mt
    >>> mt.std_mean(mt.tensor([1.0, 2.0, 3.0, 4.0]), correction=0)
    (tensor(1.1180), tensor(2.5000))
    """
    return _moments("std_mean", input, dim, unbiased, keepdim, correction, True)


# ---------------------------------------------------------------------------- NaN-ignoring sums
_NAN_DTYPE_OVERLOADS = ("Tensor input, *, ScalarType? dtype=None",
                        "Tensor input, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None")


@parse_args("Tensor input, int[1]? dim, bool keepdim, *, ScalarType? dtype", overloads=_NAN_DTYPE_OVERLOADS)
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """:func:`sum` with NaN counted as zero (its gradient there is zero). Integers and bools give
    int64 unless ``dtype`` says otherwise.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, float("nan")], [3.0, 4.0]])
    >>> x.nansum(), x.nansum(1)
    (tensor(8.), tensor([1., 7.]))
    """
    a = input
    if a.dtype.is_floating_point:  # (before any cast: a NaN cast to an integer is not a zero)
        a = where(isnan(a), a.new_zeros(()), a)
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.name in ("bool", "uint8", "int8", "int16", "int32"):
        a = a.to(int64)
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None  # dim=(): every dimension, as in PyTorch
    return named_as(_sum(a, normalize_dims(dim, a.ndim), keepdim), "NansumBackward0")


@parse_args("Tensor input, int[1]? dim, bool keepdim, *, ScalarType? dtype", overloads=_NAN_DTYPE_OVERLOADS)
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The mean of the elements that are not NaN (NaN where none is), of a floating-point tensor.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1.0, float("nan")], [3.0, 4.0]]).nanmean(1)
    tensor([1.0000, 3.5000])
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           + scalar_type_name(input.dtype))
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    dims = normalize_dims(dim, input.ndim)
    xp = input.xp
    axes = dims if input.ndim else None
    counted = (~xp.isnan(input._array)).sum(axis=axes, keepdims=keepdim)
    factor = input._new(xp.asarray(counted, dtype=xp.int64))
    return nansum(input, dim, keepdim, dtype=dtype) / factor


# ------------------------------------------------------------------------- covariance, corrcoef
@parse_args("Tensor input, *, int correction, Tensor? fweights, Tensor? aweights")
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,  # noqa: A002
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in columns;
    a 1-D input is one variable), weighted by the integer frequencies ``fweights`` and the
    floating-point ``aweights``; ``correction=1`` is Bessel's (PyTorch's formula).

    >>> import minitorch_conv as mt
    >>> mt.cov(mt.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    if input.dtype.name == "bool":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    observations = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
        if w.ndim > 1:
            raise RuntimeError("cov(): expected fweights to have one or fewer dimensions but got fweights "
                               f"with {w.ndim} dimensions")
        if w.dtype.is_floating_point or w.dtype.name == "bool":
            raise RuntimeError("cov(): expected fweights to have integral dtype but got fweights with "
                               f"{scalar_type_name(w.dtype)} dtype")
        if w.numel() != observations:
            raise RuntimeError("cov(): expected fweights to have the same numel as there are observations in "
                               f"the input but got {w.numel()} != {observations}")
        if observations and not bool((w._array >= 0).all()):
            raise RuntimeError("cov(): fweights cannot be negative")
    if aweights is not None:
        aw = aweights
        if aw.ndim > 1:
            raise RuntimeError("cov(): expected aweights to have one or fewer dimensions but got aweights "
                               f"with {aw.ndim} dimensions")
        if not aw.dtype.is_floating_point:
            raise RuntimeError("cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{scalar_type_name(aw.dtype)} dtype")
        if aw.numel() != observations:
            raise RuntimeError("cov(): expected aweights to have the same numel as there are observations in "
                               f"the input but got {aw.numel()} != {observations}")
        if observations and not bool((aw._array >= 0).all()):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aw if w is None else w * aw
    if w is not None:
        w = w.reshape(-1)
    w_sum = x.new_tensor(observations, dtype=int64) if w is None else w.sum()
    if w is not None and not bool(w_sum._array != 0):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    with quiet(x.xp):  # no observations: 0 / 0, NaN, as in PyTorch
        avg = (x if w is None else x * w).sum(1) / w_sum
        if w is not None and correction != 0 and aweights is not None:
            norm_factor = w_sum - correction * (w * aweights.reshape(-1)).sum() / w_sum
        else:
            norm_factor = w_sum - correction
        if bool(norm_factor._array <= 0):
            warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
                          "number of observations.", UserWarning, stacklevel=3)
            norm_factor = norm_factor * 0
        centred = x - avg.unsqueeze(1)
        c = centred.mm((centred if w is None else centred * w).t())
        return (c / norm_factor).squeeze()


@parse_args("Tensor input")
def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson's correlation coefficients of the variables in the rows of ``input``
    (``cov / (std_i * std_j)``, clipped to [-1, 1]).

    >>> import minitorch_conv as mt
    >>> mt.corrcoef(mt.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))
    tensor([[ 1.0000, -0.9820],
            [-0.9820,  1.0000]])
    """
    if input.ndim > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    with quiet(input.xp):
        if c.ndim == 0:  # one variable: 1, or NaN where its variance is 0, inf or NaN
            return c / c
        stddev = c.diagonal().sqrt()
        c = c / stddev.reshape(-1, 1)
        c = c / stddev.reshape(1, -1)
    return c.clamp(-1, 1)


# -------------------------------------------------------------------------- histc and bincount
@parse_args("Tensor input, int bins, Number min, Number max")
def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:  # noqa: A001, A002
    """A histogram of ``input``'s elements in ``bins`` equal bins between ``min`` and ``max``
    (the data's own range when they are equal); elements outside are left out, ``max`` falls in
    the last bin. The counts have ``input``'s floating dtype.

    >>> import minitorch_conv as mt
    >>> mt.histc(mt.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{scalar_type_name(input.dtype)}\'')
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    xp, x = input.xp, input._array.reshape(-1)
    low, high = float(min), float(max)
    if low == high and x.size:
        low, high = float(x.min()), float(x.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low:g}, {high:g}] is not finite")
    if not low < high:
        raise RuntimeError("torch.histc: max must be larger than min")
    # PyTorch's bin of x, in the input's dtype: int((x - low) * bins / (high - low)), the last bin
    # closed on the right
    dtype = x.dtype.type
    left, right = dtype(low), dtype(high)
    inside = (x >= left) & (x <= right)
    with quiet(xp):
        position = ((x[inside] - left) * dtype(bins) / (right - left)).astype(xp.int64)
    position = xp.minimum(position, bins - 1)
    return input._new(xp.bincount(position, minlength=bins).astype(x.dtype))


@parse_args("Tensor input, Tensor? weights, int minlength")
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How many times each value ``0, 1, ..., max(input)`` occurs in the 1-D non-negative integer
    ``input`` (at least ``minlength`` counts); with ``weights``, their sums instead (float32 for
    float32 weights, else float64).

    >>> import minitorch_conv as mt
    >>> mt.bincount(mt.tensor([1, 3, 3])), mt.bincount(mt.tensor([1, 3]), mt.tensor([0.5, 2.0]))
    (tensor([0, 1, 0, 2]), tensor([0.0000, 0.5000, 0.0000, 2.0000]))
    """
    if input.dtype.is_floating_point or input.dtype.name == "bool":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{scalar_type_name(input.dtype)}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    xp, x = input.xp, input._array
    if input.ndim == 1 and x.size == 0:
        return input._new(xp.zeros(minlength, dtype=xp.int64))
    if input.ndim != 1 or bool(x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return input._new(xp.bincount(x, minlength=minlength).astype(xp.int64))
    if weights.ndim != 1 or weights.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    check_same_device(input, weights)
    out = float64 if weights.dtype.name != "float32" else weights.dtype
    counts = xp.bincount(x, weights=weights._array.astype(xp.float64), minlength=minlength)
    return input._new(counts.astype(out.numpy))


# ------------------------------------------------------------------------------ unique values
def _group_starts(xp, rows):
    """Where each run of equal rows (of a 2-D array) starts: True for the first row and for every
    row that differs from the one before (NaN never equals NaN)."""
    first = xp.ones(min(rows.shape[0], 1), dtype=bool)
    return xp.concatenate([first, (rows[1:] != rows[:-1]).any(axis=1)])


def _unique(input: Tensor, dim, sort: bool, return_inverse: bool, return_counts: bool):
    """Unique values (``dim=None``) or slices along ``dim``: sorted first when ``sort``."""
    xp, x = input.xp, input._array
    if dim is None:
        rows, shape = x.reshape(-1, 1), None
    else:
        dim = wrap_dim(dim, input.ndim)
        if input.ndim == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
        if x.size == 0 and x.shape[dim] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                               "applied")
        moved = xp.moveaxis(x, dim, 0)
        shape = moved.shape
        rows = moved.reshape(shape[0], math.prod(shape[1:]))
    n = rows.shape[0]
    if sort and n:
        if rows.shape[1] == 1:
            order = _stable_argsort(xp, rows[:, 0], 0)
        else:  # lexicographic, first column first (lexsort's last key is its primary one)
            order = xp.lexsort(rows.T[::-1])
        rows = rows[order]
    else:
        order = None
    starts = _group_starts(xp, rows)
    group = xp.cumsum(starts) - 1  # each (sorted) row's group
    values = rows[starts]
    if dim is None:
        out = input._new(values.reshape(-1))
    else:
        out = input._new(xp.moveaxis(values.reshape((values.shape[0],) + shape[1:]), 0, dim))
    results = [out]
    if return_inverse:
        inverse = xp.empty(n, dtype=xp.int64)
        if order is None:
            inverse[...] = group
        else:
            inverse[order] = group
        results.append(input._new(inverse.reshape(x.shape) if dim is None else inverse))
    if return_counts:
        positions = xp.flatnonzero(starts)
        counts = xp.diff(xp.concatenate([positions, xp.asarray([n])])).astype(xp.int64)
        results.append(input._new(counts))
    return results[0] if len(results) == 1 else tuple(results)


@parse_args("Tensor input, bool sorted, bool return_inverse, bool return_counts, int? dim")
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The unique elements of ``input`` (or its unique slices along ``dim``), sorted; with
    ``return_inverse`` also where each element went, with ``return_counts`` how many of each.

    The result is sorted whatever ``sorted`` says (as PyTorch's CPU kernel does). NaN never equals
    NaN, so each NaN is its own value. Not differentiable.

    >>> import minitorch_conv as mt
    >>> mt.unique(mt.tensor([3, 1, 3, 2]))
    tensor([1, 2, 3])
    >>> mt.unique(mt.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    """
    return _unique(input, dim, True, return_inverse, return_counts)


@parse_args("Tensor input, bool return_inverse, bool return_counts, int? dim")
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
                       dim: int | None = None):
    """Each run of equal consecutive elements (or slices along ``dim``) kept once; with
    ``return_inverse``, each element's run, with ``return_counts`` the runs' lengths.

    >>> import minitorch_conv as mt
    >>> mt.unique_consecutive(mt.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    return _unique(input, dim, False, return_inverse, return_counts)


# ------------------------------------------------------------------------ searches and membership
def _as_tensor(value, like: Tensor) -> Tensor:
    """A Python number as PyTorch's ``scalar_to_tensor``: a 0-d tensor of its own kind's widest
    dtype (float64, int64, bool) on ``like``'s device."""
    if isinstance(value, Tensor):
        return value
    kind = bool if isinstance(value, bool) else int if isinstance(value, int) else float
    return like.new_tensor(value, dtype=to_dtype(kind))


def _binary_search(xp, boundaries, values, right: bool):
    """PyTorch's binary search for each of ``values`` (..., m) in ``boundaries`` (..., n), or in a
    1-D ``boundaries`` for all of them: the first position whose boundary is ``>= v`` (``> v``
    for ``right``), probed as its kernel probes (so NaN lands where PyTorch's lands), all values
    at once in ``n.bit_length()`` vectorised steps."""
    n = boundaries.shape[-1]
    if n == 0 or values.size == 0:
        return xp.zeros(values.shape, dtype=xp.int64)
    rows = boundaries.reshape(math.prod(boundaries.shape[:-1]), n)
    flat = values.reshape(rows.shape[0], values.shape[-1] if boundaries.ndim > 1 else values.size)
    start = xp.zeros(flat.shape, dtype=xp.int64)
    end = xp.full(flat.shape, n, dtype=xp.int64)
    for _ in range(n.bit_length()):
        active = start < end
        mid = start + ((end - start) >> 1)
        probe = xp.take_along_axis(rows, xp.minimum(mid, n - 1), axis=-1)
        before = ~(probe > flat) if right else ~(probe >= flat)
        start = xp.where(active & before, mid + 1, start)
        end = xp.where(active & ~before, mid, end)
    return start.reshape(values.shape)


def _searchsorted(boundaries: Tensor, input, out_int32: bool, right: bool, side, sorter) -> Tensor:
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side != "right":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of "
                               f"{side} while right was True")
        right = side == "right"
    values = _as_tensor(input, boundaries)
    check_same_device(boundaries, values)
    if sorter is not None:
        check_same_device(boundaries, sorter)
        if tuple(sorter.shape) != tuple(boundaries.shape):
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(boundaries.shape)}and got sorter tensor "
                               f"{list(sorter.shape)}")
        if sorter.dtype != int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               + scalar_type_name(sorter.dtype))
        if sorter.numel() and not bool(((sorter._array >= 0) & (sorter._array < sorter.shape[-1])).all()):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if values.ndim == 0 and boundaries.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                           f"dimension is 1, but we got boundaries tensor dim({boundaries.ndim}) and input "
                           f"value's dim({values.ndim}) numel({values.numel()})")
    if boundaries.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got "
                           "0 dimension")
    if boundaries.ndim != 1 and (boundaries.ndim != values.ndim
                                 or tuple(boundaries.shape[:-1]) != tuple(values.shape[:-1])):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(boundaries.shape)} and input value tensor "
                           f"{list(values.shape)}")
    for t in (boundaries, values):
        _refuse_bool(t, "searchsorted_out_cpu")
    xp = boundaries.xp
    common = promote_types(boundaries.dtype, values.dtype).numpy
    seq = boundaries._array.astype(common, copy=False)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._array, axis=-1)
    found = _binary_search(xp, seq, values._array.astype(common, copy=False), right)
    return boundaries._new(xp.asarray(found, dtype=xp.int32 if out_int32 else xp.int64))


@parse_args("Tensor sorted_sequence, Tensor|Number input, *, bool out_int32, bool right, str? side, "
            "Tensor? sorter")
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,  # noqa: A002
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each of ``input`` would go in ``sorted_sequence`` (along its last dimension) to keep
    it sorted: before equal values, or after them with ``right=True`` / ``side="right"``.
    ``sorter`` gives the order of an unsorted sequence. int64, or int32 with ``out_int32``.

    >>> import minitorch_conv as mt
    >>> mt.searchsorted(mt.tensor([1, 3, 5, 7]), mt.tensor([3, 6, 9]))
    tensor([1, 3, 4])
    >>> mt.searchsorted(mt.tensor([1, 3, 5, 7]), mt.tensor([3, 6, 9]), right=True)
    tensor([2, 3, 4])
    """
    return _searchsorted(sorted_sequence, input, out_int32, right, side, sorter)


@parse_args("Tensor|Number input, Tensor boundaries, *, bool out_int32, bool right")
def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """The index of the bucket of each element of ``input`` between the sorted 1-D
    ``boundaries`` (:func:`searchsorted` with the arguments the other way round).

    >>> import minitorch_conv as mt
    >>> mt.bucketize(mt.tensor([[1, 5], [3, 9]]), mt.tensor([1, 3, 5, 7, 9]))
    tensor([[0, 2],
            [1, 4]])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _searchsorted(boundaries, input, out_int32, right, None, None)


_ISIN_OVERLOADS = (
    "Tensor elements, Tensor test_elements, *, bool assume_unique=False, bool invert=False",
    "Tensor elements, Number test_element, *, bool assume_unique=False, bool invert=False",
    "Number element, Tensor test_elements, *, bool assume_unique=False, bool invert=False",
)


@parse_args("Tensor|Number elements, Tensor|Number test_elements, *, bool assume_unique, bool invert",
            overloads=_ISIN_OVERLOADS)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of ``elements`` is one of ``test_elements`` (False with ``invert``);
    the values are compared in their common dtype, and NaN is in nothing.

    >>> import minitorch_conv as mt
    >>> mt.isin(mt.tensor([[1, 2], [3, 4]]), mt.tensor([2, 3]))
    tensor([[False,  True],
            [ True, False]])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got (Number, Number), but "
                        "expected one of its arguments to be a Tensor")
    for value in (elements, test_elements):
        if isinstance(value, bool) or isinstance(value, Tensor) and value.dtype.name == "bool":
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    like = elements if isinstance(elements, Tensor) else test_elements
    if isinstance(elements, Tensor) and isinstance(test_elements, Tensor):
        check_same_device(elements, test_elements)
        common = result_dtype(elements, test_elements)
    else:  # a number takes the tensor's dtype where its kind fits (PyTorch's wrapped numbers)
        common = _scalar_dtype(test_elements if like is elements else elements, like)
    xp = like.xp
    a = elements._array if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements._array if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return like._new(xp.asarray(xp.isin(a.astype(common.numpy), b.astype(common.numpy), invert=invert)))


METHODS = {  # bound as Tensor methods by ops/methods.py
    "median": median, "nanmedian": nanmedian, "kthvalue": kthvalue, "mode": mode, "quantile": quantile,
    "nanquantile": nanquantile, "aminmax": aminmax, "count_nonzero": count_nonzero, "nansum": nansum,
    "nanmean": nanmean, "cov": cov, "corrcoef": corrcoef, "histc": histc, "bincount": bincount,
    "unique": unique, "unique_consecutive": unique_consecutive, "isin": isin,
}
