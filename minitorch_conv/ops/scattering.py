"""Writing into a copy of a tensor by index: ``take``, ``index_fill``, ``index_copy``,
``select_scatter``/``slice_scatter``/``diagonal_scatter``, ``masked_scatter``, ``scatter_reduce``
and ``index_put`` (each with its in-place ``name_`` method where PyTorch has one).

Every write has the same backward shape: the upstream gradient passes to the input except where
the write landed (those elements were overwritten), and the written values receive the gradient
read back from where they went (a gather, a select, a slice, a diagonal). ``scatter_reduce``
combines instead of overwriting, so its gradient follows each reduction (PyTorch's formulas).

Notation: ``a`` is the tensor written into (the result has its shape and dtype), ``dim`` the
dimension indexed, ``index`` an integer tensor, ``src``/``source``/``values`` what is written.
"""

from __future__ import annotations

from .._arguments import parse_args, wrap_dim
from ..autograd.function import Function, named_as
from ..backends import alert_not_deterministic, int64
from ..tensor import Tensor
from ._util import broadcast_shapes, check_same_device, scalar_type_name
from .elementwise import where
from .indexing import (
    Gather,
    IndexSelect,
    Scatter,
    ScatterAdd,
    _at_least_1d,
    _check_bounds,
    _check_gather_shapes,
    _check_index_dtype,
    _coordinates,
    _leading,
    _pad_to,
)
from .shape import _diagonal_view, diagonal, getitem, select


def _on_device_of(a: Tensor, t: Tensor) -> Tensor:
    """``t`` (an index, a 0-d value) moved to ``a``'s device, as PyTorch accepts CPU ones there."""
    return t if t.device == a.device else t.to(a.device)


# ---------------------------------------------------------------------------- take
@parse_args("Tensor input, Tensor index")
def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """The elements of ``input``, read as if flattened, at the positions in ``index`` (any shape;
    negative positions count from the end). The result has ``index``'s shape.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[4.0, 3.0, 5.0], [6.0, 7.0, 8.0]])
    >>> mt.take(x, mt.tensor([[0, 2], [-1, 4]]))
    tensor([[4., 5.],
            [8., 7.]])
    """
    if index.dtype is not int64:
        raise RuntimeError("take(): Expected a long tensor for index, but got "
                           f"{scalar_type_name(index.dtype)}")
    check_same_device(input, index)
    numel, positions = input.numel(), index._array
    if positions.size:
        if numel == 0:
            raise IndexError("take(): tried to take from an empty tensor")
        bad = (positions < -numel) | (positions >= numel)
        if bool(bad.any()):
            value = int(positions[bad].reshape(-1)[0])
            raise IndexError(f"out of range: tried to access index {value} on a tensor of {numel} elements.")
        positions = input.xp.where(positions < 0, positions + numel, positions)
    flat = IndexSelect.apply(input.reshape(-1), 0, index._new(positions.reshape(-1)))
    return named_as(flat.reshape(index.shape), "TakeBackward0")


# ---------------------------------------------------------------------------- index_fill / index_copy
def _slice_mask(a: Tensor, dim: int, positions) -> Tensor:
    """A boolean tensor, broadcastable to ``a``, True on the slices ``positions`` of ``dim``."""
    xp = a.xp
    size = _at_least_1d(a.shape)[dim]
    with a._backend.device_context():
        mask = xp.zeros(size, dtype=bool)
        mask[positions] = True
    shape = [1] * a.ndim
    if a.ndim:
        shape[dim] = size
    return a._new(mask.reshape(shape))


@parse_args("Tensor input, int dim, Tensor index, Tensor|Number value")
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:  # noqa: A002
    """``input`` with the slices ``index`` of ``dim`` filled with ``value`` (a number or a 0-d
    tensor, cast to ``input``'s dtype; negative positions count from the end).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3).index_fill(1, mt.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    if index.dtype is not int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    dim = wrap_dim(dim, input.ndim)
    index = _on_device_of(input, index)
    size = _at_least_1d(input.shape)[dim]
    positions = index._array.reshape(-1)
    if positions.size:
        bad = (positions < -size) | (positions >= size)
        if bool(bad.any()):
            raise IndexError(f"index {int(positions[bad][0])} is out of bounds for dimension {dim} with size "
                             f"{size}")
    mask = _slice_mask(input, dim, positions)
    if isinstance(value, Tensor):
        filled = _on_device_of(input, value).to(input.dtype)
        name = "IndexFillBackward1"
    else:
        filled = input.new_tensor(value)
        name = "IndexFillBackward0"
    return named_as(where(mask, filled, input), name)


@parse_args("Tensor input, int dim, Tensor index, Tensor|Number value")
def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """:func:`index_fill` in place.

    >>> import minitorch_conv as mt
    >>> mt.ones(3).index_fill_(0, mt.tensor([1]), 0.0)
    tensor([1., 0., 1.])
    """
    return self._inplace(lambda t: index_fill(t, dim, index, value))


class IndexCopy(Function):
    """``a`` with slice ``k`` of ``source`` along ``dim`` written over slice ``index[k]`` (where an
    index repeats, the last write wins, as on PyTorch's CPU)."""

    @staticmethod
    def forward(ctx, a, dim, index, source):
        ctx.dim, ctx.index, ctx.source_shape = dim, index, source.shape
        xp = a.xp
        out = a._array.copy().reshape(_at_least_1d(a.shape))
        values = source._array.reshape(_at_least_1d(source.shape))
        xp.moveaxis(out, dim, 0)[index._array.reshape(-1)] = xp.moveaxis(values, dim, 0)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_source = None
        if ctx.needs_input_grad[0]:
            grad_a = index_fill(grad, ctx.dim, ctx.index, 0)
        if ctx.needs_input_grad[3]:
            picked = IndexSelect.apply(grad.reshape(_at_least_1d(grad.shape)), ctx.dim, ctx.index.reshape(-1))
            grad_source = picked.reshape(ctx.source_shape)
        return grad_a, None, None, grad_source


@parse_args("Tensor input, int dim, Tensor index, Tensor source")
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` with its slices ``index[k]`` along ``dim`` replaced by the slices ``k`` of
    ``source`` (same dtype; the same shape apart from ``dim``).

    >>> import minitorch_conv as mt
    >>> mt.zeros(3, 2).index_copy(0, mt.tensor([2, 0]), mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[3., 4.],
            [0., 0.],
            [1., 2.]])
    """
    dim = wrap_dim(dim, input.ndim)
    if index.ndim >= 2:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    count = index.numel()
    if source.ndim == 0 and count != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got {count})")
    if source.ndim != input.ndim and source.ndim != 0 and input.ndim != 0:
        raise IndexError("index_copy_(): When source and destination are not scalars, their dimensionality "
                         f"must match. Source dimensionality ({source.ndim}), destination dimensionality "
                         f"({input.ndim})")
    if index.dtype is not int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{scalar_type_name(index.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{scalar_type_name(input.dtype)} and (source) {scalar_type_name(source.dtype)}")
    check_same_device(input, index, source)
    sliced_in = [s for d, s in enumerate(input.shape) if d != dim]
    sliced_src = [s for d, s in enumerate(source.shape) if d != dim]
    if sliced_in != sliced_src:
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. "
                           f"Destination slice shape: {' '.join(map(str, sliced_in))} at dimension {dim} and "
                           f"source slice shape: {' '.join(map(str, sliced_src))} at dimension 0.")
    if source.ndim and count != source.shape[dim]:
        raise IndexError(f"index_copy_(): Number of indices ({count}) should be equal to source.size(dim) "
                         f"({source.shape[dim]})")
    size = _at_least_1d(input.shape)[dim]
    positions = index._array.reshape(-1)
    if positions.size:
        bad = (positions < 0) | (positions >= size)
        if bool(bad.any()):
            raise IndexError(f"index_copy_(): index {int(positions[bad][0])} is out of bounds for dimension "
                             f"{dim} with size {size}")
    return IndexCopy.apply(input, dim, index, source)


@parse_args("Tensor input, int dim, Tensor index, Tensor source")
def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """:func:`index_copy` in place.

    >>> import minitorch_conv as mt
    >>> mt.zeros(3).index_copy_(0, mt.tensor([1]), mt.tensor([5.0]))
    tensor([0., 5., 0.])
    """
    return self._inplace(lambda t: index_copy(t, dim, index, source))


# ---------------------------------------------------------------------------- select/slice/diagonal_scatter
class _RegionScatter(Function):
    """``a`` with ``src`` written over one strided region of it (a select, a slice, a diagonal).

    A subclass names the region: ``region(xp, array, *geometry)`` is a writable view of ``array``,
    and ``view(tensor, *geometry)`` the same region as a differentiable view of a tensor. The
    backward sends ``grad`` outside the region to ``a`` and the region itself to ``src``.
    """

    @staticmethod
    def region(xp, array, *geometry):
        raise NotImplementedError

    @staticmethod
    def view(tensor, *geometry):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, a, src, *geometry):
        ctx.geometry, ctx.src_dtype = geometry, src.dtype
        out = a._array.copy()
        cls.region(a.xp, out, *geometry)[...] = src._array
        return out

    @classmethod
    def backward(cls, ctx, grad):
        grad_a = grad_src = None
        if ctx.needs_input_grad[0]:
            zeros = grad.new_zeros(cls.view(grad, *ctx.geometry).shape)
            grad_a = cls.apply(grad, zeros, *ctx.geometry)
        if ctx.needs_input_grad[1]:
            grad_src = cls.view(grad, *ctx.geometry)
        return (grad_a, grad_src) + (None,) * len(ctx.geometry)


def _check_region(src: Tensor, region: Tensor) -> None:
    if tuple(src.shape) != tuple(region.shape):
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(region.shape)}")


class SelectScatter(_RegionScatter):
    @staticmethod
    def region(xp, array, dim, index):
        return array[(slice(None),) * dim + (index, Ellipsis)]  # (a 0-d view, not a scalar, from a vector)

    @staticmethod
    def view(tensor, dim, index):
        return select(tensor, dim, index)


@parse_args("Tensor input, Tensor src, int dim, int index")
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input`` with ``src`` written over ``input.select(dim, index)`` (a copy: ``input`` stays as
    it was). ``src`` has that slice's shape and is cast to ``input``'s dtype.

    >>> import minitorch_conv as mt
    >>> mt.select_scatter(mt.zeros(2, 2), mt.ones(2), 0, 0)
    tensor([[1., 1.],
            [0., 0.]])
    """
    region = select(input.detach(), dim, index)  # PyTorch's checks of dim and index
    _check_region(src, region)
    dim = wrap_dim(dim, input.ndim)
    check_same_device(input, src)
    return SelectScatter.apply(input, src.to(input.dtype), dim, index % input.shape[dim])


class SliceScatter(_RegionScatter):
    @staticmethod
    def region(xp, array, dim, start, end, step):
        return array[(slice(None),) * dim + (slice(start, end, step),)]

    @staticmethod
    def view(tensor, dim, start, end, step):
        return getitem(tensor, (slice(None),) * dim + (slice(start, end, step),))


@parse_args("Tensor input, Tensor src, int dim, int? start, int? end, int step")
def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,  # noqa: A002
                  end: int | None = None, step: int = 1) -> Tensor:
    """``input`` with ``src`` written over the slice ``start:end:step`` of ``dim`` (a copy).

    >>> import minitorch_conv as mt
    >>> mt.slice_scatter(mt.zeros(2, 4), mt.ones(2, 2), 1, start=0, step=2)
    tensor([[1., 0., 1., 0.],
            [1., 0., 1., 0.]])
    """
    dim = wrap_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    check_same_device(input, src)
    size = _at_least_1d(input.shape)[dim]
    start, end, _ = slice(start, end, step).indices(size)
    end = max(end, start)
    if input.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    region = SliceScatter.view(input.detach(), dim, start, end, step)
    _check_region(src, region)
    return SliceScatter.apply(input, src.to(input.dtype), dim, start, end, step)


class DiagonalScatter(_RegionScatter):
    @staticmethod
    def region(xp, array, offset, dim1, dim2):
        return _diagonal_view(xp, array, offset, dim1, dim2)

    @staticmethod
    def view(tensor, offset, dim1, dim2):
        return diagonal(tensor, offset, dim1, dim2)


@parse_args("Tensor input, Tensor src, int offset, int dim1, int dim2")
def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,  # noqa: A002
                     dim2: int = 1) -> Tensor:
    """``input`` with ``src`` written over ``input.diagonal(offset, dim1, dim2)`` (a copy).

    >>> import minitorch_conv as mt
    >>> mt.diagonal_scatter(mt.zeros(2, 3), mt.tensor([1.0, 2.0]), 1)
    tensor([[0., 1., 0.],
            [0., 0., 2.]])
    """
    region = diagonal(input.detach(), offset, dim1, dim2)
    _check_region(src, region)
    check_same_device(input, src)
    d1, d2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    return DiagonalScatter.apply(input, src.to(input.dtype), int(offset), d1, d2)


# ---------------------------------------------------------------------------- masked_scatter
class MaskedScatter(Function):
    """``a`` with the first ``mask.sum()`` elements of ``source`` (read row-major) written where
    ``mask`` (``a``'s shape) is True, in row-major order."""

    @staticmethod
    def forward(ctx, a, mask, source):
        ctx.mask, ctx.source_shape = mask, source.shape
        out = a._array.copy()
        count = int(mask._array.sum())
        ctx.count = count
        out[mask._array] = source._array.reshape(-1)[:count]
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_source = None
        if ctx.needs_input_grad[0]:
            grad_a = grad.masked_fill(ctx.mask, 0)
        if ctx.needs_input_grad[2]:
            picked = getitem(grad, ctx.mask._array)
            numel = 1
            for s in ctx.source_shape:
                numel *= s
            if numel > ctx.count:
                from .shape import cat

                picked = cat([picked, picked.new_zeros(numel - ctx.count)])
            grad_source = picked.reshape(ctx.source_shape)
        return grad_a, None, grad_source


@parse_args("Tensor input, Tensor mask, Tensor source")
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``input`` (broadcast with the boolean ``mask``) with the elements of ``source`` written, in
    order, where ``mask`` is True; ``source`` needs at least as many elements as ``mask`` has True.

    >>> import minitorch_conv as mt
    >>> mask = mt.tensor([[True, False], [False, True]])
    >>> mt.zeros(2, 2).masked_scatter(mask, mt.tensor([7.0, 8.0, 9.0]))
    tensor([[7., 0.],
            [0., 8.]])
    """
    if mask.dtype.name != "bool":
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{scalar_type_name(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{scalar_type_name(input.dtype)} and {scalar_type_name(source.dtype)}")
    check_same_device(input, mask, source)
    shape = broadcast_shapes(input.shape, mask.shape)
    if tuple(input.shape) != shape:
        input = input.expand(shape)
    if tuple(mask.shape) != shape:
        mask = mask.expand(shape)
    if int(mask._array.sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask, source)


@parse_args("Tensor input, Tensor mask, Tensor source")
def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """:func:`masked_scatter` in place (``mask`` broadcasts to this tensor's shape).

    >>> import minitorch_conv as mt
    >>> mt.zeros(3).masked_scatter_(mt.tensor([True, False, True]), mt.tensor([1.0, 2.0]))
    tensor([1., 0., 2.])
    """
    if isinstance(mask, Tensor) and mask.ndim > self.ndim:
        raise RuntimeError(f"expand(torch.BoolTensor{{{list(mask.shape)}}}, size={list(self.shape)}): the "
                           f"number of sizes provided ({self.ndim}) must be greater or equal to the number "
                           f"of dimensions in the tensor ({mask.ndim})")
    return self._inplace(lambda t: masked_scatter(t, mask, source))


# ---------------------------------------------------------------------------- scatter_reduce
_REDUCTIONS = {"sum": "sum", "prod": "prod", "mean": "mean", "amax": "amax", "amin": "amin",
               "max": "amax", "min": "amin"}  # (PyTorch takes max and min for amax and amin too)


def _segment_reduce(xp, positions, values, combine):
    """Reduce ``values`` that share a position with ``combine`` (deterministic, no atomics).

    Sort by position, then a segmented inclusive scan by doubling (Hillis-Steele): after the
    step of width ``w`` each element holds the reduction of the (up to) ``2w`` elements of its
    segment that end at it, so ``log2(n)`` vectorised steps leave each segment's total at its last
    element. Returns ``(targets, totals, counts)``, one entry per distinct position.
    """
    order = xp.argsort(positions, kind="stable")
    positions, values = positions[order], values[order]
    n, width = positions.size, 1
    while width < n:
        same = positions[width:] == positions[:-width]
        combined = combine(values[width:], values[:-width])
        values = xp.concatenate([values[:width], xp.where(same, combined, values[width:])])
        width *= 2
    boundary = positions[1:] != positions[:-1]
    last = xp.concatenate([boundary, xp.ones(1, dtype=bool)])
    first = xp.concatenate([xp.ones(1, dtype=bool), boundary])
    ends, starts = xp.nonzero(last)[0], xp.nonzero(first)[0]
    return positions[last], values[last], ends - starts + 1


class ScatterReduce(Function):
    """``a`` with the leading ``index.shape`` block of ``src`` reduced into it along ``dim``:
    ``out[..., index[i], ...] = reduce(a[...] (if include_self), src[..., i, ...] for each i``
    with that index). The backward is PyTorch's ``scatter_reduce_backward``."""

    @staticmethod
    def forward(ctx, a, dim, index, src, reduce, include_self):
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.src_shape = src.shape
        xp = a.xp
        out = a._array.copy().reshape(_at_least_1d(a.shape))
        idx = index._array.reshape(_at_least_1d(index.shape))
        if idx.size:
            coords = _coordinates(xp, idx, dim)
            strides, step = [], 1
            for size in reversed(out.shape):  # row-major strides, in elements
                strides.insert(0, step)
                step *= size
            positions = sum(c * s for c, s in zip(coords, strides))
            positions = xp.broadcast_to(positions, idx.shape).reshape(-1)
            values = src._array.reshape(_at_least_1d(src.shape))[_leading(idx.shape)].reshape(-1)
            combine = {"sum": xp.add, "mean": xp.add, "prod": xp.multiply, "amax": xp.maximum,
                       "amin": xp.minimum}[reduce]
            targets, totals, counts = _segment_reduce(xp, positions, values, combine)
            flat = out.reshape(-1)  # (a fresh copy: a view of it)
            if include_self:
                totals = combine(flat[targets], totals)
                counts = counts + 1
            if reduce == "mean":
                if out.dtype.kind == "f":
                    totals = totals / counts
                else:
                    totals = xp.floor_divide(totals, counts)
            flat[targets] = totals
        result = a._new(out.reshape(a.shape))
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(a, src, result)
        return result

    @staticmethod
    def backward(ctx, grad):
        dim, index, reduce, include_self = ctx.dim, ctx.index, ctx.reduce, ctx.include_self
        if reduce == "sum":
            grad_a, grad_src = grad, Gather.apply(grad, dim, index)
        elif reduce == "mean":
            counts = grad.new_ones(grad.shape) if include_self else grad.new_zeros(grad.shape)
            counts = ScatterAdd.apply(counts, dim, index, grad.new_ones(index.shape))
            counts = where(counts == 0, counts.new_ones(()), counts)
            grad_a = grad / counts
            grad_src = Gather.apply(grad, dim, index) / Gather.apply(counts, dim, index)
        elif reduce == "prod":
            a, src, result = ctx.saved_tensors
            src = getitem(src, _leading(_at_least_1d(index.shape))) if src.shape != index.shape else src
            masked_a = a.masked_fill(a == 0, 1)
            masked_a_result = ScatterReduce.apply(masked_a, dim, index, src, reduce, include_self)
            grad_a = grad * masked_a_result / masked_a
            src_zero = src == 0
            zeros_per_target = ScatterAdd.apply(a.new_zeros(a.shape), dim, index, src_zero.to(a.dtype))
            single_zero = src_zero & (Gather.apply(zeros_per_target, dim, index) == 1)
            masked_src = src.masked_fill(single_zero, 1)
            masked_src_result = ScatterReduce.apply(a, dim, index, masked_src, reduce, include_self)
            grad_src = where(single_zero, Gather.apply(grad * masked_src_result, dim, index),
                             Gather.apply(grad * result, dim, index) / src.masked_fill(src_zero, 1))
        else:  # amax, amin: the gradient is shared evenly between the elements equal to the result
            a, src, result = ctx.saved_tensors
            src = getitem(src, _leading(_at_least_1d(index.shape))) if src.shape != index.shape else src
            value = Gather.apply(result, dim, index)
            a_is_result, src_is_result = a == result, src == value
            shared = ScatterAdd.apply(a_is_result.to(a.dtype), dim, index, src_is_result.to(a.dtype))
            grad_shared = grad / shared
            grad_a = a_is_result * grad_shared
            grad_src = src_is_result * Gather.apply(grad_shared, dim, index)
        if not include_self:  # the positions written to did not read ``a``
            grad_a = Scatter.apply(grad_a, dim, index, grad_a.new_zeros(()))
        return grad_a, None, None, _pad_to(grad_src, ctx.src_shape), None, None


@parse_args("Tensor input, int dim, Tensor index, Tensor src, str reduce, *, bool include_self")
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str,  # noqa: A002
                   *, include_self: bool = True) -> Tensor:
    """``input`` with ``src`` reduced into it along ``dim`` at the positions ``index``:
    ``out[i][index[i][j]] = reduce(..., src[i][j])`` for ``dim=1``, where ``reduce`` is ``'sum'``,
    ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``. With ``include_self=False`` the values of
    ``input`` at the positions written to take no part. Integer means round down.

    The reduction is deterministic (a sort and a segmented scan, no atomics). Gradients follow
    PyTorch's: ``amax``/``amin`` share the gradient evenly between tied elements.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([1.0, 2.0, 3.0])
    >>> x.scatter_reduce(0, mt.tensor([0, 0, 2]), mt.tensor([5.0, 7.0, 1.0]), "amax")
    tensor([7., 2., 3.])
    >>> x.scatter_reduce(0, mt.tensor([0, 0, 2]), mt.tensor([5.0, 7.0, 1.0]), "mean", include_self=False)
    tensor([6., 2., 1.])
    """
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    reduce = _REDUCTIONS[reduce]
    _check_index_dtype("scatter", index)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    check_same_device(input, index, src)
    dim = wrap_dim(dim, input.ndim)
    _check_gather_shapes("scatter_reduce", input, dim, index, src)
    _check_bounds(index._array, _at_least_1d(input.shape)[dim], dim, input.xp)
    if reduce == "mean" and input.dtype.name == "bool":
        raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    return ScatterReduce.apply(input, dim, index, src, reduce, include_self)


@parse_args("Tensor input, int dim, Tensor index, Tensor src, str reduce, *, bool include_self")
def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """:func:`scatter_reduce` in place.

    >>> import minitorch_conv as mt
    >>> mt.ones(2).scatter_reduce_(0, mt.tensor([1, 1]), mt.tensor([2.0, 3.0]), "prod")
    tensor([1., 6.])
    """
    return self._inplace(lambda t: scatter_reduce(t, dim, index, src, reduce, include_self=include_self))


# ---------------------------------------------------------------------------- index_put
class IndexPutAccumulate(Function):
    """``a`` with ``values`` (broadcast to ``a[index]``) added at ``index``; repeats add up."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, a, index, values):
        ctx.index = index
        out = a._array.copy()
        target_shape = out[index].shape
        try:
            addend = a.xp.broadcast_to(values._array, target_shape)
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be "
                               f"broadcast to indexing result of shape {list(target_shape)}") from None
        alert_not_deterministic("index_put_ with accumulate=True", a.device)
        a.xp.add.at(out, index, addend)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, None, (grad[ctx.index] if ctx.needs_input_grad[2] else None)


def _index_arrays(input: Tensor, indices) -> tuple:  # noqa: A002
    """The NumPy index that ``indices`` (a sequence of integer or boolean tensors) stand for."""
    if not indices:
        raise RuntimeError("index_put(): expected at least one index tensor")
    arrays, dim = [], 0
    for t in indices:
        if t.dtype.name not in ("int64", "int32", "uint8", "bool"):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        array = _on_device_of(input, t)._array
        if t.dtype.name in ("uint8", "bool"):
            array = array.astype(bool)
            for k, size in enumerate(array.shape):
                if dim + k >= input.ndim or size != input.shape[dim + k]:
                    bound = input.shape[dim + k] if dim + k < input.ndim else 0
                    raise IndexError(f"The shape of the mask {list(t.shape)} at index {k} does not match the "
                                     f"shape of the indexed tensor {[bound]} at index {dim + k}")
            dim += array.ndim
        else:
            dim += 1
        arrays.append(array)
    if dim > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got {dim})")
    return tuple(arrays)


@parse_args("Tensor input, Tensor[] indices, Tensor values, bool accumulate")
def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """``input`` with ``values`` written at ``input[indices]`` (a copy): ``indices`` is a tuple of
    integer or boolean tensors, one per leading dimension, as in ``x[i, j]``. With
    ``accumulate=True`` the values are added instead, repeated positions adding up.

    >>> import minitorch_conv as mt
    >>> x = mt.zeros(3)
    >>> mt.index_put(x, (mt.tensor([0, 0, 2]),), mt.tensor([1.0, 2.0, 3.0]), accumulate=True)
    tensor([3., 0., 3.])
    """
    if values.dtype is not input.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{scalar_type_name(input.dtype)} for the destination and "
                           f"{scalar_type_name(values.dtype)} for the source.")
    index = _index_arrays(input, tuple(indices))
    values = _on_device_of(input, values) if values.ndim == 0 else values
    check_same_device(input, values)
    try:
        if accumulate:
            return IndexPutAccumulate.apply(input, index, values)
        from .shape import IndexPut

        return named_as(IndexPut.apply(input, index, values), "IndexPutBackward0")
    except IndexError as error:  # NumPy says "axis" where PyTorch says "dimension"
        raise IndexError(str(error).replace("for axis", "for dimension")) from None


@parse_args("Tensor input, Tensor[] indices, Tensor values, bool accumulate")
def index_put_(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """:func:`index_put` in place.

    >>> import minitorch_conv as mt
    >>> mt.zeros(3).index_put_((mt.tensor([1]),), mt.tensor(4.0))
    tensor([0., 4., 0.])
    """
    return self._inplace(lambda t: index_put(t, indices, values, accumulate))


__all__ = ["diagonal_scatter", "index_copy", "index_copy_", "index_fill", "index_fill_", "index_put",
           "index_put_", "masked_scatter", "masked_scatter_", "scatter_reduce", "scatter_reduce_",
           "select_scatter", "slice_scatter", "take"]

METHODS = {"take": take, "index_fill": index_fill, "index_fill_": index_fill_, "index_copy": index_copy,
           "index_copy_": index_copy_, "select_scatter": select_scatter, "slice_scatter": slice_scatter,
           "diagonal_scatter": diagonal_scatter, "masked_scatter": masked_scatter,
           "masked_scatter_": masked_scatter_, "scatter_reduce": scatter_reduce,
           "scatter_reduce_": scatter_reduce_, "index_put": index_put, "index_put_": index_put_}
"""The Tensor methods of this module (bound by ``ops/methods.py``)."""
