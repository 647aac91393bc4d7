"""Operations that move or pick elements without arithmetic: reshape, permute, expand, indexing,
concatenation. Each backward is the inverse movement (or its adjoint, for indexing)."""

from __future__ import annotations

import math
import numbers

from .._arguments import convert, parse_args, wrap_dim
from ..autograd import views
from ..autograd.function import Function, named_as
from ..autograd.grad_mode import is_grad_enabled
from ..backends import alert_not_deterministic, promote_types
from ..backends.dtypes import check_storage
from ..tensor import Tensor
from ._util import check_same_device, normalize_dims, on_one_device


class Reshape(Function):
    node_name = "ViewBackward0"  # PyTorch's for view/reshape/flatten of contiguous memory

    is_view = True  # when NumPy can reshape without a copy (always, for view())

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        return a._array.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape), None


@parse_args("Tensor input, int[] shape")
def reshape(a: Tensor, *shape) -> Tensor:
    """``a`` with a new shape: a view where the strides allow one, else a copy (PyTorch's rule).

    >>> import minitorch_conv as mt
    >>> mt.arange(6).reshape(2, -1).shape
    minitorch_conv.Size([2, 3])
    """
    return Reshape.apply(a, _infer_shape(a, shape))


@parse_args("Tensor input, int[] size")
def view(a: Tensor, *shape) -> Tensor:
    """``a`` with a new shape, always a view of the same memory.

    Refused, as PyTorch does, where the strides cannot describe the new shape (a transposed tensor
    flattened, say): ``reshape`` copies there instead.

    >>> import minitorch_conv as mt
    >>> x = mt.zeros(2, 3)
    >>> x.view(3, 2)._base is x
    True
    """
    shape = _infer_shape(a, shape)
    if _strides_for_view(a.shape, a.stride(), shape) is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return Reshape.apply(a, shape)


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.xp.transpose(a._array, dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(*inverse), None


@parse_args("Tensor input, int[] dims")
def permute(a: Tensor, *dims) -> Tensor:
    """The dimensions of ``a`` in the order ``dims`` (a view).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3, 4).permute(2, 0, 1).shape
    minitorch_conv.Size([4, 2, 3])
    """
    if len(dims) != a.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {a.ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, a.ndim) for d in dims)
    if sorted(dims) != list(range(a.ndim)):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(a, dims)


@parse_args("Tensor input, dim dim0, dim dim1")
def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """``a`` with dimensions ``dim0`` and ``dim1`` swapped (a view).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3).transpose(0, 1).shape
    minitorch_conv.Size([3, 2])
    """
    if a.ndim == 0:
        return a
    dims = list(range(a.ndim))
    d0, d1 = normalize_dims(dim0, a.ndim)[0], normalize_dims(dim1, a.ndim)[0]
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return named_as(Permute.apply(a, tuple(dims)), "TransposeBackward0")


class Expand(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        if math.prod(shape) == a.numel():  # only size-1 dimensions added: a plain, writable view
            return a._array.reshape(shape)
        out = a.xp.broadcast_to(a._array, shape)
        if not getattr(out.flags, "writeable", True) and a._array.flags.writeable:
            # NumPy marks broadcasts read-only; PyTorch lets a write through where no two elements
            # share memory (``e[0]`` of an expanded ``e``), and Tensor._write refuses where they do
            out = a.xp.lib.stride_tricks.as_strided(a._array, out.shape, out.strides, writeable=True)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.input_shape), None


@parse_args("Tensor input, int[] size")
def expand(a: Tensor, *shape) -> Tensor:
    """``a`` repeated along its size-1 dimensions without copying (-1 keeps a size).

    >>> import minitorch_conv as mt
    >>> mt.zeros(3, 1).expand(-1, 4).shape
    minitorch_conv.Size([3, 4])
    """
    shape = list(shape)
    if len(shape) < a.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({a.ndim})"
        )
    lead = len(shape) - a.ndim
    given = list(shape)
    for i in reversed(range(len(shape))):  # PyTorch checks from the last dimension
        s = shape[i]
        if i < lead:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
        elif s == -1:
            shape[i] = a.shape[i - lead]
        elif a.shape[i - lead] not in (1, s):
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size "
                f"({a.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: {given}.  "
                f"Tensor sizes: {list(a.shape)}"
            )
    if any(s < 0 for s in shape):  # PyTorch's element count refuses it (a size of 0 aside)
        raise RuntimeError("numel: integer multiplication overflow")
    shape = tuple(shape)
    if math.prod(shape) >= 2**63:
        raise RuntimeError("numel: integer multiplication overflow")
    if shape == tuple(a.shape):
        return a
    return Expand.apply(a, shape)


class SumToSize(Function):
    """Sum ``a`` down to ``shape`` (the adjoint of broadcasting ``shape`` up to ``a.shape``)."""

    @staticmethod
    def forward(ctx, a, shape):
        ctx.input_shape = a.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1
        )
        out = a._array.sum(axis=axes, keepdims=True) if axes else a._array
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.input_shape), None


@parse_args("Tensor input, int[] size")
def sum_to_size(a: Tensor, *shape) -> Tensor:
    """The sum of ``a`` down to ``size`` (the reverse of :func:`expand`).

    >>> import minitorch_conv as mt
    >>> mt.ones(3, 2).sum_to_size(1, 2)
    tensor([[3., 3.]])
    """
    if shape == tuple(a.shape):
        return a
    lead = a.ndim - len(shape)
    if lead < 0 or any(s not in (1, a.shape[lead + i]) for i, s in enumerate(shape)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(a.shape)}}}.")
    return SumToSize.apply(a, shape)


class Contiguous(Function):
    node_name = "CloneBackward0"  # PyTorch's contiguous() copies by clone

    @staticmethod
    def forward(ctx, a):
        return a.xp.ascontiguousarray(a._array)

    @staticmethod
    def backward(ctx, grad):
        return grad


@parse_args("Tensor input")
def contiguous(a: Tensor) -> Tensor:
    """``a`` itself when its memory is in row-major order, else a row-major copy.

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3).t().contiguous().is_contiguous()
    True
    """
    if a.is_contiguous():
        return a
    return Contiguous.apply(a)


class GetItem(Function):
    is_view = True  # for basic indices (ints, slices, None, ...); integer arrays and masks copy

    @staticmethod
    def forward(ctx, a, index):
        ctx.input_shape = a.shape
        ctx.index = index
        try:
            out = a._array[index]
        except IndexError as error:  # NumPy says "axis" where PyTorch says "dimension"
            raise IndexError(str(error).replace("for axis", "for dimension")) from None
        if not isinstance(out, a.xp.ndarray):  # a NumPy scalar: ask for the 0-d view PyTorch returns
            out = a._array[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, grad):
        return IndexAccumulate.apply(grad, ctx.index, ctx.input_shape), None


class IndexAccumulate(Function):
    """Zeros of ``shape`` with ``grad`` added at ``index`` (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, grad, index, shape):
        ctx.index = index
        out = grad.xp.zeros(shape, dtype=grad._array.dtype)
        if _is_basic_index(index):
            out[index] = grad._array  # slices and ints never repeat an element
        else:
            alert_not_deterministic("index backward with repeated indices (scatter-add)", grad.device)
            grad.xp.add.at(out, index, grad._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index), None, None


def getitem(a: Tensor, index) -> Tensor:
    """``a[index]``, with PyTorch's rules for integers, slices, ``None``, ``...``, integer and
    boolean tensors, and lists.

    >>> import minitorch_conv as mt
    >>> x = mt.arange(6).reshape(2, 3)
    >>> x[..., 1], x[..., ...].shape
    (tensor([1, 4]), minitorch_conv.Size([2, 3]))
    """
    if isinstance(index, tuple) and sum(1 for i in index if i is Ellipsis) > 1:
        index = _collapse_ellipses(index, a.ndim)
    index = _convert_index(index)
    if isinstance(index, list) or (isinstance(index, tuple) and any(isinstance(i, list) for i in index)):
        index = _lists_to_arrays(a, index)
    steps = _integers_first(index)
    if steps is not None:
        return named_as(GetItem.apply(GetItem.apply(a, steps[0]), steps[1]), "IndexBackward0")
    return named_as(GetItem.apply(a, index), _indexing_node_name(index))


def _indexing_node_name(index) -> str:
    """PyTorch's node for ``a[index]``: the last basic step's (an integer selects, a slice
    slices), or ``IndexBackward0`` where a tensor or list indexes."""
    steps = index if isinstance(index, tuple) else (index,)
    if any(not isinstance(i, (int, slice)) and i is not None and i is not Ellipsis for i in steps):
        return "IndexBackward0"
    last = next((i for i in reversed(steps) if isinstance(i, (int, slice))), None)
    if last is None:
        return "AliasBackward0" if steps and all(i is Ellipsis for i in steps) else "UnsqueezeBackward0"
    return "SelectBackward0" if isinstance(last, int) else "SliceBackward0"


class IndexPut(Function):
    """``a`` with ``value`` written at ``index`` (the out-of-place form of ``a[index] = value``)."""

    @staticmethod
    def forward(ctx, a, index, value):
        ctx.index = index
        out = a._array.copy()
        try:
            out[index] = value._array
        except ValueError:  # NumPy's broadcast error, in PyTorch's words and class
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
                f"indexing result of shape {list(out[index].shape)}"
            ) from None
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = None
        if ctx.needs_input_grad[0]:
            mask = grad.new_ones(grad.shape)
            mask._array[ctx.index] = 0
            grad_a = grad * mask
        grad_value = grad[ctx.index] if ctx.needs_input_grad[2] else None
        return grad_a, None, grad_value


def setitem(a: Tensor, index, value) -> None:
    """``a[index] = value``: an in-place update that keeps the graph right."""
    if isinstance(index, tuple) and sum(1 for i in index if i is Ellipsis) > 1:
        index = _collapse_ellipses(index, a.ndim)
    index = _convert_index(index)
    if isinstance(index, list) or (isinstance(index, tuple) and any(isinstance(i, list) for i in index)):
        index = _lists_to_arrays(a, index)
    if _is_basic_index(index):  # PyTorch's a[index] = value: a view, written with copy_
        getitem(a, index).copy_(value)  # copy_ moves a tensor from another device, as PyTorch's does
        return
    steps = _integers_first(index)
    if steps is not None:  # the same elements as a[index] in PyTorch's order, as coordinates
        positions = a.xp.arange(a.numel()).reshape(a.shape)[steps[0]][steps[1]]
        index = a.xp.unravel_index(positions, a.shape)
    if not isinstance(value, Tensor):
        value = a.new_tensor(value)
    else:
        a, value = on_one_device(a, value)
    value = value.to(a.dtype)
    a._inplace(lambda t: IndexPut.apply(t, index, value))


class Cat(Function):
    """Join tensors along ``dim``. 1-D empty tensors among others of more dimensions are skipped
    (PyTorch's legacy rule) and get an empty gradient."""

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ndim = max(t.ndim for t in tensors)
        ctx.sizes = [None if t.ndim < ndim else t.shape[dim] for t in tensors]  # None: skipped
        return tensors[0].xp.concatenate([t._array for t in tensors if t.ndim == ndim], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            if size is None:
                grads.append(grad.new_zeros((0,)))
                continue
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad[index])
            start += size
        return (None, *grads)


@parse_args("Tensor[] tensors, int dim")
def cat(tensors, dim: int = 0) -> Tensor:
    """Join ``tensors`` along ``dim``; all other sizes must match.

    As in PyTorch, 1-D empty tensors (shape ``(0,)``) are skipped whatever the others' shapes (a
    legacy rule), though their dtype still takes part in the result's.

    >>> import minitorch_conv as mt
    >>> mt.cat([mt.ones(2, 1), mt.zeros(2, 2)], dim=1)
    tensor([[1., 0., 0.],
            [1., 0., 0.]])
    >>> mt.cat([mt.zeros(0), mt.ones(1, 2)]).shape
    minitorch_conv.Size([1, 2])
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    check_same_device(*tensors)
    for i, t_ in enumerate(tensors):
        if t_.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [t_ for t_ in tensors if tuple(t_.shape) != (0,)]  # PyTorch's legacy skip (Cat skips them too)
    if not kept:  # only 1-D empty tensors: joined as they are, whatever dim says
        kept, dim = tensors, 0
    skipped = [t_ for t_ in tensors if all(t_ is not k for k in kept)]
    tensors = kept
    ndim = tensors[0].ndim
    dim = normalize_dims(dim, ndim)[0]
    for t_ in tensors[1:]:
        if t_.ndim != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {t_.ndim}")
        if t_.ndim != ndim or any(t_.shape[i] != tensors[0].shape[i] for i in range(ndim) if i != dim):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {dim}. Expected size "
                f"{list(tensors[0].shape)} but got size {list(t_.shape)} for a tensor in the list."
            )
    dtype = tensors[0].dtype
    for t_ in tensors[1:] + skipped:
        if t_.dtype is not dtype:
            dtype = promote_types(dtype, t_.dtype)
    return Cat.apply(dim, *[t_.to(dtype) for t_ in tensors + skipped])


class Flip(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.xp.flip(a._array, axis=dims).copy()  # a copy, as PyTorch's flip makes

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


def flip(a: Tensor, *dims, **kwargs) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy); ``dims`` also by keyword.

    >>> import minitorch_conv as mt
    >>> mt.flip(mt.tensor([[1, 2], [3, 4]]), [1])
    tensor([[2, 1],
            [4, 3]])
    >>> mt.tensor([[1, 2], [3, 4]]).flip(dims=(0, 1))
    tensor([[4, 3],
            [2, 1]])
    """
    if kwargs:
        if set(kwargs) != {"dims"} or dims:
            raise TypeError(f"flip() got an unexpected combination of arguments: {sorted(kwargs)}")
        dims = (kwargs["dims"],)
    if not isinstance(a, Tensor):
        convert("Tensor", a, "flip", "input", 1)
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = dims[0]
    dims = convert("int[]", dims, "flip", "dims", 1)
    rank = max(a.ndim, 1)
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but "
                f"got {d})"
            )
    axes = [d % rank for d in dims]
    for d in axes:
        if axes.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if a.ndim == 0 or not axes:
        return a * 1
    return Flip.apply(a, tuple(axes))


class Diagonal(Function):
    """The diagonal of two dimensions, moved last: a strided view, no copy."""

    is_view = True

    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        ctx.input_shape = a.shape
        ctx.geometry = (offset, dim1, dim2)
        return _diagonal_view(a.xp, a._array, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return DiagonalScatter.apply(grad, ctx.input_shape, *ctx.geometry), None, None, None


class DiagonalScatter(Function):
    """Zeros of ``shape`` with ``grad`` written on the diagonal (the adjoint of :class:`Diagonal`)."""

    @staticmethod
    def forward(ctx, grad, shape, offset, dim1, dim2):
        ctx.geometry = (offset, dim1, dim2)
        out = grad.xp.zeros(shape, dtype=grad._array.dtype)
        _diagonal_view(grad.xp, out, offset, dim1, dim2)[...] = grad._array
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.geometry), None, None, None, None


@parse_args("Tensor input, int offset, dim dim1, dim dim2")
def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of dimensions ``dim1`` and ``dim2``, appended as the last dimension
    of a view.

    >>> import minitorch_conv as mt
    >>> mt.arange(9).reshape(3, 3).diagonal(1)
    tensor([1, 5])
    """
    d1, d2 = normalize_dims(dim1, a.ndim)[0], normalize_dims(dim2, a.ndim)[0]
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(a, int(offset), d1, d2)


def _diagonal_view(xp, array, offset: int, dim1: int, dim2: int):
    """The writable strided view of ``array``'s diagonal ``offset`` of dimensions ``dim1``, ``dim2``."""
    n1, n2 = array.shape[dim1], array.shape[dim2]
    start = [slice(None)] * array.ndim
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        start[dim2] = slice(min(offset, n2), None)
    else:
        length = max(0, min(n1 + offset, n2))
        start[dim1] = slice(min(-offset, n1), None)
    first = array[tuple(start)]
    rest = [d for d in range(array.ndim) if d not in (dim1, dim2)]
    shape = tuple(array.shape[d] for d in rest) + (length,)
    strides = tuple(array.strides[d] for d in rest) + (array.strides[dim1] + array.strides[dim2],)
    return _as_strided(xp, first, shape, strides)


def _as_strided(xp, array, shape, strides):
    """A view of ``array``'s memory with the given shape and byte strides (writable if it is)."""
    if hasattr(array.flags, "writeable"):  # NumPy: as_strided is read-only unless asked
        return xp.lib.stride_tricks.as_strided(array, shape, strides, writeable=array.flags.writeable)
    return xp.lib.stride_tricks.as_strided(array, shape, strides)


class Unfold(Function):
    """Every ``size``-long window along ``dim``, ``step`` apart, as a new last dimension (a view)."""

    is_view = True

    @staticmethod
    def forward(ctx, a, dim, size, step):
        ctx.input_shape, ctx.geometry = a.shape, (dim, size, step)
        arr = a._array
        count = (arr.shape[dim] - size) // step + 1 if arr.ndim else 1
        if arr.ndim == 0:
            return arr.reshape(1)
        shape = arr.shape[:dim] + (count,) + arr.shape[dim + 1:] + (size,)
        strides = arr.strides[:dim] + (arr.strides[dim] * step,) + arr.strides[dim + 1:] + (arr.strides[dim],)
        return _as_strided(a.xp, arr, shape, strides)

    @staticmethod
    def backward(ctx, grad):
        return UnfoldAccumulate.apply(grad, ctx.input_shape, *ctx.geometry), None, None, None


class UnfoldAccumulate(Function):
    """The adjoint of :class:`Unfold`: each window added back where it was taken from.

    One strided slice per window offset ``k`` (``size`` vectorised additions, no scatter-add), as
    col2im does for a convolution's windows.
    """

    @staticmethod
    def forward(ctx, grad, shape, dim, size, step):
        ctx.geometry = (dim, size, step)
        out = grad.xp.zeros(shape, dtype=grad._array.dtype)
        if len(shape) == 0:
            out[...] = grad._array.reshape(())
            return out
        count = grad._array.shape[dim]
        windows = grad.xp.moveaxis(grad._array, -1, 0)  # (size, ..., count, ...)
        for k in range(size):
            index = (slice(None),) * dim + (slice(k, k + step * (count - 1) + 1, step),)
            out[index] += windows[k]
        return out

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, *ctx.geometry), None, None, None, None


@parse_args("Tensor input, int dimension, int size, int step")
def unfold(a: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every ``size``-long window of ``dimension``, ``step`` apart, as a new last dimension (a view).

    >>> import minitorch_conv as mt
    >>> mt.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    dim = normalize_dims(dimension, a.ndim)[0]
    length = a.shape[dim] if a.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    return Unfold.apply(a, dim, int(size), int(step))


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice)) or i is None or i is Ellipsis for i in items)


def _convert_index(index):
    """Tensors inside an index become arrays (lists become arrays later, in ``_lists_to_arrays``)."""
    if isinstance(index, tuple):
        return tuple(_convert_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._array
    return index


# ---------------------------------------------------------------------------- the other public functions
def _infer_shape(a: Tensor, shape: tuple) -> tuple:
    """``shape`` with its -1 (if any) worked out; PyTorch's errors where it cannot hold ``a``."""
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        if known == 0 and a.numel() == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the unspecified "
                "dimension size -1 can be any value and is ambiguous"
            )
        if known == 0 or a.numel() % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {a.numel()}")
        shape = tuple(a.numel() // known if s == -1 else s for s in shape)
    if math.prod(shape) != a.numel():
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {a.numel()}")
    return tuple(shape)


def _strides_for_view(old_shape, old_strides, new_shape):
    """The strides that give ``new_shape`` over the same memory, or None where none exist.

    PyTorch's ``computeStride``: walk the old dimensions from the last, grouping those that are
    contiguous with each other (stride[i] == stride[i+1] * size[i+1]); each group of new dimensions
    must multiply out to exactly one such chunk.
    """
    if math.prod(old_shape) == 0:
        return tuple(1 for _ in new_shape) if new_shape else ()
    if not old_shape:
        old_shape, old_strides = (1,), (1,)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel, view_numel = 1, 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1
                             and old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel, view_numel = 1, 1
    return tuple(new_strides) if view_d == -1 else None


@parse_args("Tensor input")
def t(a: Tensor) -> Tensor:
    """The transpose of a matrix; a vector or a 0-d tensor as it is.

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3).t().shape
    minitorch_conv.Size([3, 2])
    """
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    return named_as(transpose(a, 0, 1), "TBackward0") if a.ndim == 2 else a


def T(a: Tensor) -> Tensor:  # noqa: N802 - the property .T
    return Permute.apply(a, tuple(reversed(range(a.ndim)))) if a.ndim > 1 else a


def mT(a: Tensor) -> Tensor:  # noqa: N802 - the property .mT
    return transpose(a, -2, -1)


@parse_args("Tensor input, Tensor other")
def expand_as(a: Tensor, other: Tensor) -> Tensor:
    """:func:`expand` to ``other``'s shape.

    >>> import minitorch_conv as mt
    >>> mt.zeros(3, 1).expand_as(mt.ones(3, 2)).shape
    minitorch_conv.Size([3, 2])
    """
    return expand(a, other.shape)


@parse_args("Tensor input, dim[] dim", overloads=("Tensor input", "Tensor input, int dim",
                                                  "Tensor input, int[] dim"))
def squeeze(a: Tensor, dim=None) -> Tensor:
    """``a`` without its size-1 dimensions (those of ``dim`` only, when given).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 1, 3, 1).squeeze(1).shape
    minitorch_conv.Size([2, 3, 1])
    """
    if dim is None:
        shape = tuple(s for s in a.shape if s != 1)
    else:
        dims = normalize_dims(dim, a.ndim)
        shape = tuple(s for i, s in enumerate(a.shape) if not (i in dims and s == 1))
    out = reshape(a, shape)
    return out if out is a else named_as(out, "SqueezeBackward0" if dim is None else "SqueezeBackward1")


@parse_args("Tensor input, int dim")
def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """``a`` with a new size-1 dimension at ``dim`` (in ``[-ndim - 1, ndim]``).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3).unsqueeze(-1).shape
    minitorch_conv.Size([2, 3, 1])
    """
    rank = a.ndim + 1
    if not -rank <= dim < rank:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})"
        )
    dim %= rank
    shape = tuple(a.shape[:dim]) + (1,) + tuple(a.shape[dim:])
    return named_as(Reshape.apply(a, shape), "UnsqueezeBackward0")


@parse_args("Tensor input, dim start_dim, dim end_dim")
def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim`` to ``end_dim`` of ``a`` joined into one.

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3, 4).flatten(1).shape
    minitorch_conv.Size([2, 12])
    """
    if a.ndim == 0:
        return reshape(a, (1,))
    start, end = start_dim, end_dim
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(a.shape[:start]) + (math.prod(a.shape[start:end + 1]),) + tuple(a.shape[end + 1:])
    return reshape(a, shape)


@parse_args("Tensor input, dim dim, int[] sizes")
def unflatten(a: Tensor, dim: int, sizes) -> Tensor:
    """Dimension ``dim`` of ``a`` split into ``sizes`` (one of them may be -1).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 12).unflatten(1, (3, 4)).shape
    minitorch_conv.Size([2, 3, 4])
    """
    return reshape(a, tuple(a.shape[:dim]) + tuple(sizes) + tuple(a.shape[dim + 1:]))


def _collapse_ellipses(index: tuple, ndim: int) -> tuple:
    """PyTorch's reading of an index with several ``...``: each one skips the dimensions the rest
    of the index leaves over, so only the first skips any, and nothing may follow a later one
    (``x[..., ...]`` is ``x[...]``; ``x[0, ..., ..., 0]`` of a 2-D ``x`` is ``x[0, 0]``)."""
    specified = sum(1 for i in index if i is not None and i is not Ellipsis and not isinstance(i, bool))
    skip = ndim - specified
    out, seen, dim = [], 0, 0
    for i in index:
        if i is Ellipsis:
            seen += 1
            if seen == 1 and skip > 0:
                out.append(Ellipsis)
            dim += skip
            continue
        if seen > 1 and skip > 0:  # past the end of the tensor
            if _is_int(i):
                raise IndexError(f"index {int(i)} is out of bounds for dimension {dim} with size 0")
            raise IndexError(f"too many indices for tensor of dimension {ndim}")
        out.append(i)
        if i is not None and not isinstance(i, bool):
            dim += 1
    return tuple(out)


def _integers_first(index):
    """PyTorch's order for an index that mixes integers and arrays, as two NumPy indices.

    PyTorch selects with the integers first, so ``x[0, :, [1, 2]]`` has shape (3, 2) for a
    (2, 3, 4) ``x``, where NumPy would treat 0 as an array index too and give (2, 3). Returns
    ``(select, rest)`` to apply one after the other, or None where NumPy already agrees.
    """
    if not (isinstance(index, tuple) and any(_is_int(i) for i in index)
            and any(getattr(i, "ndim", 0) > 0 for i in index)):
        return None
    select, rest = [], []
    for i in index:
        if _is_int(i):
            select.append(i)
        elif i is None or i is Ellipsis:
            select.append(i)
            rest.append(Ellipsis if i is Ellipsis else slice(None))
        else:  # a slice, an integer array, or a boolean mask over i.ndim dimensions
            is_mask = getattr(i, "dtype", None) is not None and i.dtype.kind == "b"
            select.extend([slice(None)] * (i.ndim if is_mask else 1))
            rest.append(i)
    return tuple(select), tuple(rest)


def _is_int(i) -> bool:
    """A Python or NumPy integer, or a 0-d integer array (an integer Tensor used as an index)."""
    if isinstance(i, bool):
        return False
    if isinstance(i, numbers.Integral):
        return True
    return getattr(i, "ndim", None) == 0 and i.dtype.kind in "iu"


def _lists_to_arrays(a: Tensor, index):
    if isinstance(index, tuple):
        return tuple(a.xp.asarray(i) if isinstance(i, list) else i for i in index)
    return a.xp.asarray(index)


@parse_args("Tensor[] tensors, int dim")
def stack(tensors, dim: int = 0) -> Tensor:
    """``tensors`` (all of one shape) joined along a new dimension ``dim``.

    >>> import minitorch_conv as mt
    >>> mt.stack([mt.zeros(2), mt.ones(2)], 1)
    tensor([[0., 1.],
            [0., 1.]])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t_ in enumerate(tensors[1:], 1):
        if t_.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(t_.shape)} at entry {i}"
            )
    return cat([unsqueeze(t_, dim) for t_ in tensors], dim)


@parse_args("Tensor input, object split_size_or_sections, object dim")
def split(a: Tensor, split_size_or_sections, dim: int = 0):
    """``a`` cut along ``dim`` into pieces of ``split_size_or_sections`` (an int), or of the sizes
    it lists (views).

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.arange(5).split(2)], [p.tolist() for p in mt.arange(5).split([1, 4])]
    ([[0, 1], [2, 3], [4]], [[0], [1, 2, 3, 4]])
    """
    if isinstance(split_size_or_sections, (tuple, list)):
        split_size_or_sections = convert("int[]", split_size_or_sections, "split_with_sizes",
                                         "split_sizes", 2)
    else:
        split_size_or_sections = convert("int", split_size_or_sections, "split", "split_size", 2)
    dim = convert("int", dim, "split", "dim", 3)  # (after the split size, as PyTorch reads them)
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, int) and split_size_or_sections < 0:  # before the dim
        raise RuntimeError("split expects split_size be non-negative, but got "
                           f"split_size={split_size_or_sections}")
    dim = normalize_dims(dim, a.ndim)[0]
    size = a.shape[dim]
    by_size = isinstance(split_size_or_sections, int)
    if by_size:
        step = split_size_or_sections
        if step == 0 and size != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        sections = [min(step, size - s) for s in range(0, size, step or 1)] or [0]
    else:
        sections = list(split_size_or_sections)
        if any(s < 0 for s in sections):
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, but "
                               f"got split_sizes={sections}")
        if sum(sections) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                f"dimension {dim}), but got split_sizes={sections}"
            )
    out, start = [], 0
    for s in sections:
        out.append(getitem(a, (slice(None),) * dim + (slice(start, start + s),)))
        start += s
    views.mark_multi_output(out, "Split" if by_size else "SplitWithSizes", is_grad_enabled())
    return tuple(out)


@parse_args("Tensor input, int chunks, int dim")
def chunk(a: Tensor, chunks: int, dim: int = 0):
    """``a`` cut along ``dim`` into ``chunks`` pieces of equal size (the last may be smaller).

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.arange(5).chunk(2)]
    [[0, 1, 2], [3, 4]]
    """
    if a.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = a.shape[normalize_dims(dim, a.ndim)[0]]
    if size == 0:  # PyTorch gives ``chunks`` empty pieces
        return split(a, [0] * chunks, dim)
    step = max(1, -(-size // chunks))
    return split(a, step, dim)


@parse_args("Tensor input, int[] repeats")
def repeat(a: Tensor, *repeats) -> Tensor:
    """Tile ``a`` ``sizes[i]`` times along each dimension (``numpy.tile``, PyTorch's ``repeat``).

    Extra leading ``sizes`` add dimensions. Built from reshape and expand, so its gradient sums
    the copies.

    >>> import minitorch_conv as mt
    >>> mt.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    sizes = repeats
    if len(sizes) < a.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            "tensor"
        )
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    shape = (1,) * (len(sizes) - a.ndim) + tuple(a.shape)
    check_storage(tuple(r * s for r, s in zip(sizes, shape)), a.dtype)
    interleaved_in = tuple(x for s in shape for x in (1, s))
    interleaved_out = tuple(x for r, s in zip(sizes, shape) for x in (r, s))
    out = reshape(a, interleaved_in).expand(interleaved_out)
    return reshape(out, tuple(r * s for r, s in zip(sizes, shape)))


@parse_args("Tensor input, int dim")
def unbind(a: Tensor, dim: int = 0) -> tuple:
    """The slices of ``a`` along ``dim``, that dimension removed.

    >>> import minitorch_conv as mt
    >>> mt.unbind(mt.tensor([[1, 2], [3, 4]]), 1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dims(dim, a.ndim)[0]
    out = [getitem(a, (slice(None),) * dim + (i,)) for i in range(a.shape[dim])]
    views.mark_multi_output(out, "Unbind", is_grad_enabled())
    return tuple(out)


@parse_args("Tensor input, int dim, Tensor|Number start, int length")
def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The ``length`` elements of ``dim`` from ``start`` on, as a view.

    >>> import minitorch_conv as mt
    >>> mt.arange(6).narrow(0, 2, 3)
    tensor([2, 3, 4])
    """
    if isinstance(start, Tensor):
        if start.ndim != 0 or start.dtype.is_floating_point or start.dtype.name == "bool":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    start = convert("int", start, "narrow", "start", 3)
    if a.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    dim = normalize_dims(dim, a.ndim)[0]
    size = a.shape[dim]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(a, (slice(None),) * dim + (slice(start, start + length),))


@parse_args("Tensor input, int dim, int index")
def select(a: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` of dimension ``dim``, that dimension removed, as a view.

    >>> import minitorch_conv as mt
    >>> mt.tensor([[1, 2], [3, 4]]).select(1, 0)
    tensor([1, 3])
    """
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = normalize_dims(dim, a.ndim)[0]
    size = a.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(a.shape)} at dimension {dim}"
        )
    return getitem(a, (slice(None),) * dim + (index % size,))


@parse_args("Tensor input, int[1] source, int[1] destination")
def movedim(a: Tensor, source, destination) -> Tensor:
    """Move the dimensions ``source`` to the positions ``destination`` (a view).

    >>> import minitorch_conv as mt
    >>> mt.zeros(2, 3, 4).movedim(0, -1).shape
    minitorch_conv.Size([3, 4, 2])
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
            f"the same number of dims as destination ({list(dst)} dims)"
        )
    src = [normalize_dims(d, a.ndim)[0] for d in src]
    dst = [normalize_dims(d, a.ndim)[0] for d in dst]
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    order = [d for d in range(a.ndim) if d not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return Permute.apply(a, tuple(order))
