"""Picking and placing elements by index along a dimension: gather and scatter, index_select and
index_add, masked_select, nonzero.

They come in adjoint pairs, which is what makes their backward passes short: the gradient of a
gather is a scatter-add of the upstream gradient to where the elements came from, and the gradient
of a scatter-add with respect to its source is a gather. ``index_select`` and ``index_add`` are the
same pair for whole slices. Each backward uses the other op, so gradients of gradients work.

Notation: ``a`` is the tensor indexed, ``dim`` the dimension the indices run along, ``index`` an
integer tensor. For gather and scatter ``index`` has ``a``'s number of dimensions, and
``out[i][j][k] = a[i][index[i][j][k]][k]`` (``dim == 1``); for index_select and index_add it is a
vector of positions along ``dim``.
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.function import Function
from ..backends import alert_not_deterministic
from ..tensor import Tensor
from ._util import broadcast_shapes, check_same_device, normalize_dims, scalar_type_name
from .shape import IndexAccumulate, getitem


# ---------------------------------------------------------------------------- argument checks
def _check_index_dtype(name: str, index, message: str | None = None) -> None:
    """Integer indices (int64 or int32); PyTorch lets an empty index of any dtype through."""
    if index.dtype.name not in ("int64", "int32") and index.numel() != 0:
        raise RuntimeError(message or f"{name}(): Expected dtype int32/int64 for index")


def _check_bounds(index_array, size: int, dim: int, xp) -> None:
    """PyTorch refuses negative and too-large indices (no wrap-around) in gather/scatter/index_add."""
    if index_array.size == 0:
        return
    bad = (index_array < 0) | (index_array >= size)
    if bool(bad.any()):
        value = int(index_array[bad].reshape(-1)[0])
        raise RuntimeError(f"index {value} is out of bounds for dimension {dim} with size {size}")


def _check_gather_shapes(name: str, a: Tensor, dim: int, index: Tensor, src: Tensor | None = None) -> None:
    """``index`` as many dimensions as ``a`` (and ``src``), and no larger apart from ``dim``."""
    a_ndim, index_ndim = max(a.ndim, 1), max(index.ndim, 1)
    if index_ndim != a_ndim and index.numel() != 0:
        what = "input" if name == "gather" else "self"
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {what} tensor")
    if src is not None and max(src.ndim, 1) != index_ndim and index.numel() != 0:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if index.numel() == 0:
        return
    a_shape, index_shape = _at_least_1d(a.shape), _at_least_1d(index.shape)
    larger = [d for d in range(a_ndim) if d != dim and index_shape[d] > a_shape[d]]
    if src is None:
        if larger:
            raise RuntimeError(
                f"Size does not match at dimension {larger[0]} expected index {list(index_shape)} to be no "
                f"larger than self {list(a_shape)} apart from dimension {dim}"
            )
        return
    src_shape = _at_least_1d(src.shape)
    if larger or any(index_shape[d] > src_shape[d] for d in range(a_ndim)):
        raise RuntimeError(
            f"Expected index {list(index_shape)} to be no larger than self {list(a_shape)} apart from "
            f"dimension {dim} and to be no larger size than src {list(src_shape)}"
        )


def _at_least_1d(shape) -> tuple:
    return tuple(shape) if len(shape) else (1,)


def _coordinates(xp, index_array, dim: int) -> tuple:
    """The positions ``index`` names, as one integer array per dimension (NumPy's advanced index):
    ``index`` itself along ``dim``, each element's own position along every other dimension."""
    coords = []
    for d in range(index_array.ndim):
        if d == dim:
            coords.append(index_array)
        else:
            shape = [1] * index_array.ndim
            shape[d] = index_array.shape[d]
            coords.append(xp.arange(index_array.shape[d]).reshape(shape))
    return tuple(coords)


def _leading(shape) -> tuple:
    """The basic index of the first ``shape[d]`` elements of every dimension."""
    return tuple(slice(0, n) for n in shape)


# ---------------------------------------------------------------------------- gather / scatter
class Gather(Function):
    """``out[..., j, ...] = a[..., index[..., j, ...], ...]`` along ``dim`` (shapes as ``index``)."""

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.input_shape, ctx.dim, ctx.index = a.shape, dim, index
        if index.numel() == 0:
            return a.xp.zeros(index.shape, dtype=a._array.dtype)
        arr, idx = a._array.reshape(_at_least_1d(a.shape)), index._array.reshape(_at_least_1d(index.shape))
        out = arr[_coordinates(a.xp, idx, dim)]
        return out.reshape(index.shape)

    @staticmethod
    def backward(ctx, grad):
        zeros = grad.new_zeros(ctx.input_shape)
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, grad), None, None


@parse_args("Tensor input, int dim, Tensor index, *, bool sparse_grad")
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """Pick values along ``dim`` at the positions in ``index``: the output has ``index``'s shape and
    ``out[i][j] = input[i][index[i][j]]`` for ``dim=1``. The gradient is a scatter-add.

    ``sparse_grad`` is accepted for PyTorch compatibility; the gradient is always dense.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> mt.gather(x, 1, mt.tensor([[2, 0], [1, 1]]))
    tensor([[3., 1.],
            [5., 5.]])
    """
    _check_index_dtype("gather", index)
    check_same_device(input, index)
    dim = normalize_dims(dim, input.ndim)[0]
    _check_gather_shapes("gather", input, dim, index)
    _check_bounds(index._array, _at_least_1d(input.shape)[dim], dim, input.xp)
    return Gather.apply(input, dim, index)


class ScatterAdd(Function):
    """``a`` with each ``src[..., j, ...]`` added at ``index[..., j, ...]`` along ``dim``; repeated
    indices accumulate. Only the leading ``index.shape`` block of ``src`` is used."""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = a._array.copy().reshape(_at_least_1d(a.shape))
        idx = index._array.reshape(_at_least_1d(index.shape))
        values = src._array.reshape(_at_least_1d(src.shape))[_leading(idx.shape)]
        if idx.size:
            alert_not_deterministic("scatter_add", a.device)
            a.xp.add.at(out, _coordinates(a.xp, idx, dim), values)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        grad_src = None
        if ctx.needs_input_grad[3]:
            grad_src = _pad_to(Gather.apply(grad, ctx.dim, ctx.index), ctx.src_shape)
        return grad, None, None, grad_src


@parse_args("Tensor input, int dim, Tensor index, Tensor src")
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate):
    ``out[i][index[i][j]] += src[i][j]`` for ``dim=1``. The gradient for ``src`` is a gather.

    >>> import minitorch_conv as mt
    >>> mt.zeros(4).scatter_add(0, mt.tensor([0, 1, 0, 3]), mt.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([4., 2., 0., 4.])
    """
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter_add(): Expected self.dtype to be equal to src.dtype")
    _check_index_dtype("scatter_add", index)
    check_same_device(input, index, src)
    dim = normalize_dims(dim, input.ndim)[0]
    _check_gather_shapes("scatter_add", input, dim, index, src)
    _check_bounds(index._array, _at_least_1d(input.shape)[dim], dim, input.xp)
    return ScatterAdd.apply(input, dim, index, src)


class Scatter(Function):
    """``a`` with ``src[..., j, ...]`` written at ``index[..., j, ...]`` along ``dim`` (a 0-d ``src``
    is one value written everywhere). Where an index repeats, one of the writes wins."""

    @staticmethod
    def forward(ctx, a, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = a._array.copy().reshape(_at_least_1d(a.shape))
        idx = index._array.reshape(_at_least_1d(index.shape))
        if src.ndim == 0:
            values = src._array
        else:
            values = src._array.reshape(_at_least_1d(src.shape))[_leading(idx.shape)]
        out[_coordinates(a.xp, idx, dim)] = values
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_src = None
        if ctx.needs_input_grad[0]:  # the overwritten elements pass nothing back
            grad_a = Scatter.apply(grad, ctx.dim, ctx.index, grad.new_zeros(()))
        if ctx.needs_input_grad[3]:
            picked = Gather.apply(grad, ctx.dim, ctx.index)
            grad_src = picked.sum() if len(ctx.src_shape) == 0 else _pad_to(picked, ctx.src_shape)
        return grad_a, None, None, grad_src


@parse_args("Tensor input, int dim, Tensor index, Tensor|Number? src, *, Number? value, str? reduce")
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,  # noqa: A002
            reduce: str | None = None) -> Tensor:
    """``input`` with ``src`` written at ``index`` along ``dim``: ``out[i][index[i][j]] = src[i][j]``
    for ``dim=1``. ``src`` may be a tensor (its leading ``index.shape`` block is used) or a number.

    ``reduce`` (PyTorch's deprecated ``'add'``/``'multiply'``) is not supported: use
    :func:`scatter_add`.

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3).scatter(1, mt.tensor([[2], [0]]), mt.tensor([[7.0], [8.0]]))
    tensor([[0., 0., 7.],
            [8., 0., 0.]])
    >>> mt.zeros(3).scatter(0, mt.tensor([1]), 5.0)
    tensor([0., 5., 0.])
    """
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not supported by minitorch_conv; use scatter_add")
    src = _scatter_source("scatter", input, src, value)
    _check_index_dtype("scatter", index)
    check_same_device(input, index, src)
    dim = normalize_dims(dim, input.ndim)[0]
    _check_gather_shapes("scatter", input, dim, index, src if src.ndim else None)
    _check_bounds(index._array, _at_least_1d(input.shape)[dim], dim, input.xp)
    return Scatter.apply(input, dim, index, src)


def _pad_to(tensor: Tensor, shape) -> Tensor:
    """``tensor`` in the leading corner of zeros of ``shape`` (differentiably)."""
    if tuple(tensor.shape) == tuple(shape):
        return tensor
    return IndexAccumulate.apply(tensor.reshape(_at_least_1d(tensor.shape)), _leading(tensor.shape),
                                 _at_least_1d(shape)).reshape(shape)


def _scatter_source(name: str, input: Tensor, src, value) -> Tensor:  # noqa: A002
    if src is not None and value is not None:
        raise TypeError(f"{name}() got both 'src' and 'value'")
    src = value if src is None else src
    if src is None:
        raise TypeError(f"{name}() missing required argument 'src' or 'value'")
    if not isinstance(src, Tensor):
        return input.new_tensor(src)
    if src.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    return src


@parse_args("Tensor input, Tensor indices, int? dim")
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """:func:`gather` with ``indices`` broadcast against ``input`` (NumPy's ``take_along_axis``);
    without ``dim``, both are flattened first.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> mt.take_along_dim(x, x.argmax(1, keepdim=True), 1)
    tensor([[30.],
            [60.]])
    """
    if dim is None:
        input, indices, dim = input.reshape(-1), indices.reshape(-1), 0
    dim = normalize_dims(dim, input.ndim)[0]
    size = input.shape[dim] if input.ndim else 1
    if indices.numel() and bool((indices._array < 0).any()):  # negative positions count from the end
        indices = indices._new(indices.xp.where(indices._array < 0, indices._array + size, indices._array))
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                           "dimensions for indices")
    shape_in, shape_idx = list(input.shape), list(indices.shape)
    shape_in[dim] = shape_idx[dim] = 1
    common = list(broadcast_shapes(shape_in, shape_idx))
    input = input.expand(common[:dim] + [input.shape[dim]] + common[dim + 1:])
    indices = indices.expand(common[:dim] + [indices.shape[dim]] + common[dim + 1:])
    return gather(input, dim, indices)


@parse_args("Tensor input, int dim, Tensor index, Tensor|Number? src, *, Number? value, str? reduce")
def scatter_(self: Tensor, dim: int, index: Tensor, src=None, *, value=None,
             reduce: str | None = None) -> Tensor:
    """:func:`scatter` in place: ``self`` itself, changed (see ``Tensor._inplace``)."""
    return self._inplace(lambda t: scatter(t, dim, index, src, value=value, reduce=reduce))


@parse_args("Tensor input, int dim, Tensor index, Tensor src")
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """:func:`scatter_add` in place.

    >>> import minitorch_conv as mt
    >>> counts = mt.zeros(3)
    >>> counts.scatter_add_(0, mt.tensor([0, 2, 2]), mt.ones(3))
    tensor([1., 0., 2.])
    """
    return self._inplace(lambda t: scatter_add(t, dim, index, src))


# ---------------------------------------------------------------------------- index_select / index_add
class IndexSelect(Function):
    """The slices ``index[k]`` of ``a`` along ``dim``, stacked in that order."""

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.input_shape, ctx.dim, ctx.index = a.shape, dim, index
        return a.xp.take(a._array.reshape(_at_least_1d(a.shape)), index._array.reshape(-1), axis=dim)

    @staticmethod
    def backward(ctx, grad):
        zeros = grad.new_zeros(_at_least_1d(ctx.input_shape))
        return IndexAdd.apply(zeros, ctx.dim, ctx.index, grad).reshape(ctx.input_shape), None, None


@parse_args("Tensor input, int dim, Tensor index")
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The slices of ``input`` along ``dim`` at the positions in the vector ``index`` (repeats allowed).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> mt.index_select(x, 1, mt.tensor([2, 0, 2]))
    tensor([[3., 1., 3.],
            [6., 4., 6.]])
    """
    dim = normalize_dims(dim, input.ndim)[0]
    if index.dtype.name not in ("int64", "int32"):  # (an empty index too, unlike the others)
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    check_same_device(input, index)
    _check_vector_index("index_select", index)
    if input.ndim == 0 and index.numel() != 1:
        raise RuntimeError(
            f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)"
        )
    size = _at_least_1d(input.shape)[dim]
    arr = index._array
    if arr.size and size == 0 and input.ndim > 1:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if arr.size and bool(((arr < 0) | (arr >= size)).any()):
        if dim == 1 and input.ndim > 1:  # PyTorch's CPU kernel for dim 1 reports it so
            bad = int(arr[(arr < 0) | (arr >= size)].reshape(-1)[0])
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
        raise IndexError("index out of range in self")
    out = IndexSelect.apply(input, dim, index)
    return out.reshape(()) if input.ndim == 0 else out


class IndexAdd(Function):
    """``a`` with slice ``k`` of ``source`` added to slice ``index[k]`` along ``dim`` (repeats add up)."""

    @staticmethod
    def forward(ctx, a, dim, index, source):
        ctx.dim, ctx.index = dim, index
        xp = a.xp
        out = a._array.copy().reshape(_at_least_1d(a.shape))
        values = source._array.reshape(_at_least_1d(source.shape))
        if index.numel():
            alert_not_deterministic("index_add", a.device)
            xp.add.at(xp.moveaxis(out, dim, 0), index._array.reshape(-1), xp.moveaxis(values, dim, 0))
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        grad_source = None
        if ctx.needs_input_grad[3]:
            grad_source = IndexSelect.apply(grad, ctx.dim, ctx.index)
        return grad, None, None, grad_source


@parse_args("Tensor input, int dim, Tensor index, Tensor source, *, Number alpha")
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:  # noqa: A002
    """``input`` with ``alpha * source`` added slice by slice: slice ``k`` of ``source`` along ``dim``
    goes to slice ``index[k]`` (repeated indices accumulate).

    >>> import minitorch_conv as mt
    >>> mt.zeros(3, 2).index_add(0, mt.tensor([0, 2, 0]), mt.ones(3, 2), alpha=2)
    tensor([[4., 4.],
            [0., 0.],
            [2., 2.]])
    """
    _check_index_dtype("index_add_", index,
                       message=f"index_add_(): Expected dtype int32/int64 for index but got: "
                               f"{scalar_type_name(index.dtype) if isinstance(index, Tensor) else ''}")
    check_same_device(input, index, source)
    _check_vector_index("index_add_", index)
    dim = normalize_dims(dim, input.ndim)[0]
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({scalar_type_name(input.dtype)}) and source "
                           f"({scalar_type_name(source.dtype)}) must have the same scalar type")
    in_shape, src_shape = _at_least_1d(input.shape), _at_least_1d(source.shape)
    expected = src_shape[dim] if source.ndim else 1
    if index.numel() != expected:
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({expected}), for dim: {dim}")
    if len(in_shape) != len(src_shape) or any(in_shape[d] != src_shape[d] for d in range(len(in_shape))
                                              if d != dim):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got "
            f"self.shape = {list(input.shape)} source.shape = {list(source.shape)}"
        )
    _check_bounds(index._array, in_shape[dim], dim, input.xp)
    return IndexAdd.apply(input, dim, index, source if alpha == 1 else source * alpha)


def _check_vector_index(name: str, index: Tensor) -> None:
    if index.ndim > 1:
        if name == "index_select":
            raise IndexError("index_select(): Index is supposed to be a vector")
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                         f"{scalar_type_name(index.dtype)} and size: {list(index.shape)}")


@parse_args("Tensor input, int dim, Tensor index, Tensor source, *, Number alpha")
def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """:func:`index_add` in place."""
    return self._inplace(lambda t: index_add(t, dim, index, source, alpha=alpha))


# ---------------------------------------------------------------------------- masks and positions
@parse_args("Tensor input, Tensor mask")
def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """The elements of ``input`` where the boolean ``mask`` is True (both broadcast to one shape),
    as a 1-D tensor in row-major order.

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> mt.masked_select(x, x > 1.5)
    tensor([2., 3., 4.])
    """
    if not isinstance(mask, Tensor) or mask.dtype.name != "bool":
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    check_same_device(input, mask)
    shape = broadcast_shapes(input.shape, mask.shape)
    values = input.expand(shape) if tuple(input.shape) != shape else input
    picked = mask.expand(shape)._array if tuple(mask.shape) != shape else mask._array
    return getitem(values.reshape(-1), picked.reshape(-1))


@parse_args("Tensor input, *, bool as_tuple")
def nonzero(input: Tensor, *, as_tuple: bool = False):  # noqa: A002
    """The positions of the non-zero elements: an ``(n, ndim)`` int64 tensor, or with ``as_tuple``
    one 1-D tensor per dimension (what ``x[x.nonzero(as_tuple=True)]`` indexes with).

    >>> import minitorch_conv as mt
    >>> x = mt.tensor([[0.0, 1.0], [2.0, 0.0]])
    >>> mt.nonzero(x)
    tensor([[0, 1],
            [1, 0]])
    >>> x.nonzero(as_tuple=True)
    (tensor([0, 1]), tensor([1, 0]))
    """
    xp, arr = input.xp, input._array
    if as_tuple:
        positions = xp.nonzero(xp.atleast_1d(arr))
        return tuple(input._new(p.astype(xp.int64)) for p in positions)
    return input._new(xp.argwhere(arr).astype(xp.int64))


@parse_args("Tensor input")
def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """``nonzero(input)``: the ``(n, ndim)`` positions of the non-zero elements.

    >>> import minitorch_conv as mt
    >>> mt.argwhere(mt.tensor([0, 3, 0, 5]))
    tensor([[1],
            [3]])
    """
    return nonzero(input)
