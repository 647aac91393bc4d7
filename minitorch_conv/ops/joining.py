"""Splitting tensors into pieces, and building tensors from others: ``atleast_1d/2d/3d``,
``fliplr``/``flipud``, ``tensor_split`` and ``hsplit``/``vsplit``/``dsplit``, ``split_with_sizes``,
``unsafe_split``/``unsafe_chunk``, ``diag_embed``/``diagflat``, ``block_diag``, ``kron``,
``cartesian_prod``, ``combinations``, ``tril_indices``/``triu_indices``.

Most are movements that other operations already know how to differentiate (slices, reshapes,
flips, the diagonal scatter), so their gradients come from those pieces. Two have a Function of
their own: :class:`UnsafeSplit`, whose pieces share the input's memory without being views of it
(PyTorch's "unsafe" contract), and :class:`BlockDiag`, whose backward hands each input the block
of the gradient where it was placed.

Notation: ``a`` is the tensor split or embedded, ``dim`` the dimension cut along; in
:class:`BlockDiag` the block of input ``k`` covers rows ``r_k : r_k + m_k`` and columns
``c_k : c_k + n_k`` of the ``(sum m_k, sum n_k)`` result.
"""

from __future__ import annotations

import itertools

from .._arguments import convert, invalid_type, parse_args, wrap_dim
from ..autograd.function import Function, named_as
from ..autograd.grad_mode import no_grad
from ..backends import get_backend, get_default_dtype, int64, promote_types, to_dtype
from ..tensor import Tensor
from ._util import check_same_device, normalize_dims, scalar_type_name
from .indexing import index_select
from .shape import DiagonalScatter, cat, chunk, flip, getitem, split, stack


# ---------------------------------------------------------------------------- at least n dimensions
def _tensor_arguments(name: str, tensors: tuple):
    """``(tensors, single)``: PyTorch's ``atleast_*`` take one tensor, several, or one sequence."""
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        if not isinstance(tensors[0], (list, tuple)):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(tensors[0]).__name__}), but expected one of:\n * (Tensor input)\n"
                            " * (tuple of Tensors tensors)")
        tensors = tuple(tensors[0])
        single = False
    else:
        single = len(tensors) == 1
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors, single


def _atleast(name: str, tensors: tuple, grow):
    tensors, single = _tensor_arguments(name, tensors)
    out = tuple(grow(t) for t in tensors)
    return out[0] if single else out


def _grow_1d(t: Tensor) -> Tensor:
    return t.reshape(1) if t.ndim == 0 else t


def _grow_2d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return t.reshape(1, 1)
    return t.unsqueeze(0) if t.ndim == 1 else t


def _grow_3d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if t.ndim == 2 else t


def atleast_1d(*tensors):
    """Each tensor with at least one dimension (a 0-d tensor becomes shape ``(1,)``; the others
    are returned as they are). One tensor gives a tensor; several, or a sequence, a tuple.

    >>> import minitorch_conv as mt
    >>> mt.atleast_1d(mt.tensor(1.5))
    tensor([1.5000])
    >>> [t.shape for t in mt.atleast_1d(mt.tensor(1), mt.ones(2, 2))]
    [minitorch_conv.Size([1]), minitorch_conv.Size([2, 2])]
    """
    return _atleast("atleast_1d", tensors, _grow_1d)


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions: a vector becomes a row ``(1, n)``, a 0-d tensor
    ``(1, 1)``.

    >>> import minitorch_conv as mt
    >>> mt.atleast_2d(mt.tensor([1, 2]))
    tensor([[1, 2]])
    """
    return _atleast("atleast_2d", tensors, _grow_2d)


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions: a vector ``(n,)`` becomes ``(1, n, 1)``, a
    matrix ``(m, n)`` becomes ``(m, n, 1)`` (NumPy's rule).

    >>> import minitorch_conv as mt
    >>> mt.atleast_3d(mt.ones(2, 3)).shape
    minitorch_conv.Size([2, 3, 1])
    """
    return _atleast("atleast_3d", tensors, _grow_3d)


# ---------------------------------------------------------------------------- flips
@parse_args("Tensor input")
def fliplr(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """The columns (dimension 1) in reverse order; ``input`` needs at least two dimensions.

    >>> import minitorch_conv as mt
    >>> mt.fliplr(mt.tensor([[1, 2, 3], [4, 5, 6]]))
    tensor([[3, 2, 1],
            [6, 5, 4]])
    """
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


@parse_args("Tensor input")
def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """The rows (dimension 0) in reverse order; ``input`` needs at least one dimension.

    >>> import minitorch_conv as mt
    >>> mt.flipud(mt.tensor([[1, 2], [3, 4]]))
    tensor([[3, 4],
            [1, 2]])
    """
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


# ---------------------------------------------------------------------------- tensor_split and friends
def _slice_along(a: Tensor, dim: int, start: int, end: int) -> Tensor:
    return getitem(a, (slice(None),) * dim + (slice(start, end),))


def _split_by_sections(a: Tensor, sections: int, dim: int) -> tuple:
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    size = a.shape[dim]
    smallest, extra = divmod(size, sections)
    out, start = [], 0
    for k in range(sections):  # the first ``size % sections`` pieces are one longer
        length = smallest + (1 if k < extra else 0)
        out.append(_slice_along(a, dim, start, start + length))
        start += length
    return tuple(out)


def _split_at_indices(a: Tensor, indices, dim: int) -> tuple:
    out, start = [], 0
    for end in indices:  # Python's slice rules: negatives count from the end, all clamped
        out.append(_slice_along(a, dim, start, end))
        start = end
    out.append(_slice_along(a, dim, start, a.shape[dim]))
    return tuple(out)


def tensor_split(input: Tensor, indices_or_sections=None, dim: int = 0, *,  # noqa: A002
                 sections=None, indices=None, tensor_indices_or_sections=None) -> tuple:
    """``input`` cut along ``dim`` into views: into ``sections`` pieces as equal as can be (the
    first ``size % sections`` one longer), or at the positions ``indices`` (NumPy's
    ``array_split``). An integer tensor stands for either: 0-d for sections, 1-d for indices.

    PyTorch's keywords ``sections=``, ``indices=`` and ``tensor_indices_or_sections=`` work too.

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.tensor_split(mt.arange(7), 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> [p.tolist() for p in mt.arange(7).tensor_split([1, 5])]
    [[0], [1, 2, 3, 4], [5, 6]]
    """
    given = [v for v in (indices_or_sections, sections, indices, tensor_indices_or_sections) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() takes one of indices_or_sections, sections, indices or "
                        "tensor_indices_or_sections")
    if not isinstance(input, Tensor):
        raise invalid_type("tensor_split", "input", "Tensor", input, 1)
    dim = convert("int", dim, "tensor_split", "dim", 3)
    value = given[0]
    if isinstance(value, Tensor):
        if value.device.type != "cpu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be on cpu, but it's on "
                               f"{value.device}")
        if value.dtype is not int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but "
                               f"got {scalar_type_name(value.dtype)}")
        if value.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {value.ndim} dims")
        value = int(value.item()) if value.ndim == 0 else [int(v) for v in value.tolist()]
    elif isinstance(value, (list, tuple)) or indices is not None:
        value = list(convert("int[]", value, "tensor_split", "indices", 2))
    else:
        value = convert("int", value, "tensor_split", "sections", 2)
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 "
                           "dims")
    dim = wrap_dim(dim, input.ndim)
    if isinstance(value, int):
        return _split_by_sections(input, value, dim)
    return _split_at_indices(input, value, dim)


def _directional_split(name: str, least: int, input: Tensor, value, dim_of) -> tuple:  # noqa: A002
    if not isinstance(input, Tensor):
        raise invalid_type(name, "input", "Tensor", input, 1)
    if isinstance(value, (list, tuple)):
        value = list(convert("int[]", value, name, "indices", 2))
    else:
        value = convert("int", value, name, "sections", 2)
    if input.ndim < least:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, but got a "
                           f"tensor with {input.ndim} dimensions!")
    dim = dim_of(input.ndim)
    if isinstance(value, int):
        size = input.shape[dim]
        if value == 0 or size % value != 0:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {value}!")
        return _split_by_sections(input, value, dim)
    return _split_at_indices(input, value, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:  # noqa: A002
    """:func:`tensor_split` along the columns: dimension 1 (dimension 0 of a vector). A number of
    sections must divide that dimension.

    >>> import minitorch_conv as mt
    >>> [p.shape for p in mt.hsplit(mt.zeros(2, 4), 2)]
    [minitorch_conv.Size([2, 2]), minitorch_conv.Size([2, 2])]
    """
    return _directional_split("hsplit", 1, input, indices_or_sections, lambda ndim: 0 if ndim == 1 else 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:  # noqa: A002
    """:func:`tensor_split` along the rows (dimension 0) of a tensor of two or more dimensions.

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.vsplit(mt.arange(4).reshape(4, 1), [1])]
    [[[0]], [[1], [2], [3]]]
    """
    return _directional_split("vsplit", 2, input, indices_or_sections, lambda ndim: 0)


def dsplit(input: Tensor, indices_or_sections) -> tuple:  # noqa: A002
    """:func:`tensor_split` along the depth (dimension 2) of a tensor of three or more dimensions.

    >>> import minitorch_conv as mt
    >>> [p.shape for p in mt.dsplit(mt.zeros(1, 2, 6), 3)]
    [minitorch_conv.Size([1, 2, 2]), minitorch_conv.Size([1, 2, 2]), minitorch_conv.Size([1, 2, 2])]
    """
    return _directional_split("dsplit", 3, input, indices_or_sections, lambda ndim: 2)


@parse_args("Tensor input, int[] split_sizes, int dim")
def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:  # noqa: A002
    """``input`` cut along ``dim`` into views of the lengths ``split_sizes`` (which must add up to
    that dimension's size): :func:`split` with a list.

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.split_with_sizes(mt.arange(5), [2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    return split(input, list(split_sizes), dim)


class UnsafeSplit(Function):
    """The pieces of ``a`` along ``dim`` (lengths ``sizes``), sharing its memory without being
    views of it: writing one in place does not rewrite ``a``'s history (PyTorch's "unsafe"
    contract). The backward joins the pieces' gradients back together."""

    @staticmethod
    def forward(ctx, a, dim, sizes):
        ctx.dim = dim
        out, start = [], 0
        for size in sizes:
            out.append(a._array[(slice(None),) * dim + (slice(start, start + size),)])
            start += size
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(list(grads), ctx.dim), None, None


def _unsafe(pieces: tuple, a: Tensor, dim: int) -> tuple:
    dim = normalize_dims(dim, a.ndim)[0]
    return UnsafeSplit.apply(a, dim, tuple(p.shape[dim] for p in pieces))


@parse_args("Tensor input, int split_size, int dim")
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:  # noqa: A002
    """:func:`split` into pieces of ``split_size``, without the views' safety net: the pieces
    share ``input``'s memory but are not views of it, so an in-place change to one is neither
    refused nor seen by ``input``'s gradient (PyTorch's ``unsafe_split``).

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.unsafe_split(mt.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    with no_grad():  # (for the checks and the sizes: the same as split's)
        pieces = split(input, split_size, dim)
    return _unsafe(pieces, input, dim)


@parse_args("Tensor input, int[] split_sizes, int dim")
def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:  # noqa: A002
    """:func:`split_with_sizes` with :func:`unsafe_split`'s contract.

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.unsafe_split_with_sizes(mt.arange(4), [1, 3])]
    [[0], [1, 2, 3]]
    """
    with no_grad():
        pieces = split(input, list(split_sizes), dim)
    return _unsafe(pieces, input, dim)


@parse_args("Tensor input, int chunks, int dim")
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """:func:`chunk` with :func:`unsafe_split`'s contract.

    >>> import minitorch_conv as mt
    >>> [p.tolist() for p in mt.unsafe_chunk(mt.arange(5), 2)]
    [[0, 1, 2], [3, 4]]
    """
    with no_grad():
        pieces = chunk(input, chunks, dim)
    return _unsafe(pieces, input, dim)


# ---------------------------------------------------------------------------- diagonals and blocks
@parse_args("Tensor input, int offset, int dim1, int dim2")
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """A tensor with the last dimension of ``input`` on diagonal ``offset`` of dimensions ``dim1``
    and ``dim2`` (two new dimensions of size ``n + |offset|``), zeros elsewhere. The inverse of
    :func:`diagonal`; its gradient is the diagonal of the upstream gradient.

    >>> import minitorch_conv as mt
    >>> mt.diag_embed(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[[1., 0.],
             [0., 2.]],
    <BLANKLINE>
            [[3., 0.],
             [0., 4.]]])
    """
    rank = input.ndim + 1
    d1, d2 = wrap_dim(dim1, rank), wrap_dim(dim2, rank)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + abs(offset)
    shape = list(input.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return named_as(DiagonalScatter.apply(input, tuple(shape), int(offset), d1, d2), "DiagEmbedBackward0")


@parse_args("Tensor input, int offset")
def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """The flattened ``input`` on diagonal ``offset`` of a square matrix.

    >>> import minitorch_conv as mt
    >>> mt.diagflat(mt.tensor([[1, 2]]), 1)
    tensor([[0, 1, 0],
            [0, 0, 2],
            [0, 0, 0]])
    """
    return diag_embed(input.reshape(-1), offset, 0, 1)


class BlockDiag(Function):
    """The 2-D ``blocks`` (one dtype) placed corner to corner along the diagonal of zeros."""

    @staticmethod
    def forward(ctx, *blocks):
        xp = blocks[0].xp
        rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
        out = xp.zeros((rows, cols), dtype=blocks[0]._array.dtype)
        corners, r, c = [], 0, 0
        for b in blocks:
            m, n = b.shape
            out[r:r + m, c:c + n] = b._array
            corners.append((r, c, m, n))
            r, c = r + m, c + n
        ctx.corners = corners
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad[r:r + m, c:c + n] for r, c, m, n in ctx.corners)


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors as blocks along the diagonal of a matrix, zeros elsewhere: a 0-d tensor is a
    ``1 x 1`` block, a vector a ``1 x n`` row. The result has the promoted dtype of all of them.

    >>> import minitorch_conv as mt
    >>> mt.block_diag(mt.tensor([[1, 2], [3, 4]]), mt.tensor(5))
    tensor([[1, 2, 0],
            [3, 4, 0],
            [0, 0, 5]])
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.ndim > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                               f"{i} has {t.ndim} dimensions")
    if not tensors:
        return Tensor(get_backend().xp.zeros((1, 0), dtype=get_default_dtype().numpy))
    check_same_device(*tensors)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    blocks = [t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t for t in tensors]
    return BlockDiag.apply(*[b.to(dtype) for b in blocks])


@parse_args("Tensor input, Tensor other")
def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: every element of ``input`` times the whole of ``other``, laid out
    block by block (shapes padded with leading 1s to one number of dimensions).

    Built from a broadcast multiplication and reshapes: ``input`` as ``(a0, 1, a1, 1, ...)``
    times ``other`` as ``(1, b0, 1, b1, ...)``, then each pair of dimensions merged.

    >>> import minitorch_conv as mt
    >>> mt.kron(mt.tensor([[1, 2], [3, 4]]), mt.tensor([1, 10]))
    tensor([[ 1, 10,  2, 20],
            [ 3, 30,  4, 40]])
    """
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(x for s in a_shape for x in (s, 1)))
    b = other.reshape(tuple(x for s in b_shape for x in (1, s)))
    return (a * b).reshape(tuple(p * q for p, q in zip(a_shape, b_shape)))


# ---------------------------------------------------------------------------- products of index sets
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, one per row (``itertools.product``);
    a single tensor is returned as it is.

    >>> import minitorch_conv as mt
    >>> mt.cartesian_prod(mt.tensor([1, 2]), mt.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    check_same_device(*tensors)
    shape = tuple(t.shape[0] for t in tensors)
    columns = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[i] = shape[i]
        columns.append(t.reshape(view).expand(shape).reshape(-1))
    return stack(columns, 1)


@parse_args("Tensor input, int r, bool with_replacement")
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """Every ``r``-element combination of the elements of a 1-D tensor, one per row, in
    ``itertools.combinations`` order (``combinations_with_replacement`` with
    ``with_replacement=True``). The gradient adds up each element's uses.

    >>> import minitorch_conv as mt
    >>> mt.combinations(mt.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_zeros((0,))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    positions = [i for combination in pick(range(input.shape[0]), r) for i in combination]
    with input._backend.device_context():
        index = input._new(input.xp.asarray(positions, dtype=int64.numpy))
    return index_select(input, 0, index).reshape(len(positions) // r, r)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype, device, requires_grad,
                      lower: bool) -> Tensor:
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dtype = int64 if dtype is None else to_dtype(dtype)
    if dtype.name not in ("int64", "int32"):
        raise NotImplementedError(f"\"{name}\" not implemented for '{scalar_type_name(dtype)}'")
    if requires_grad:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    backend = get_backend(device)
    xp = backend.xp
    with backend.device_context():
        keep = (xp.tril if lower else xp.triu)(xp.ones((row, col), dtype=bool), offset)
        rows, cols = xp.nonzero(keep)  # (row-major order)
        array = xp.stack([rows, cols]).astype(dtype.numpy)
    return Tensor(array, backend=backend)


@parse_args("int row, int col, int offset, *, ScalarType? dtype, Device? device, bool requires_grad")
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    """The ``(2, N)`` coordinates of the lower triangle of a ``row x col`` matrix (on and below
    diagonal ``offset``), row by row: what ``m[tuple(tril_indices(...))]`` picks.

    >>> import minitorch_conv as mt
    >>> mt.tril_indices(3, 3)
    tensor([[0, 1, 1, 2, 2, 2],
            [0, 0, 1, 0, 1, 2]])
    """
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, requires_grad, True)


@parse_args("int row, int col, int offset, *, ScalarType? dtype, Device? device, bool requires_grad")
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    """The ``(2, N)`` coordinates of the upper triangle of a ``row x col`` matrix (on and above
    diagonal ``offset``), row by row.

    >>> import minitorch_conv as mt
    >>> mt.triu_indices(2, 3, 1)
    tensor([[0, 0, 1],
            [1, 2, 2]])
    """
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, requires_grad, False)


__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "cartesian_prod", "combinations",
           "diag_embed", "diagflat", "dsplit", "fliplr", "flipud", "hsplit", "kron", "split_with_sizes",
           "tensor_split", "tril_indices", "triu_indices", "unsafe_chunk", "unsafe_split",
           "unsafe_split_with_sizes", "vsplit"]

METHODS = {"fliplr": fliplr, "flipud": flipud, "tensor_split": tensor_split, "hsplit": hsplit,
           "vsplit": vsplit, "dsplit": dsplit, "split_with_sizes": split_with_sizes,
           "unsafe_split": unsafe_split, "unsafe_split_with_sizes": unsafe_split_with_sizes,
           "unsafe_chunk": unsafe_chunk, "diag_embed": diag_embed, "diagflat": diagflat, "kron": kron}
"""The Tensor methods of this module (bound by ``ops/methods.py``)."""
