"""Operations written with other differentiable operations (no Function of their own): their
gradients come from the pieces, and so do gradients of gradients.

``tril``/``triu``, ``diag``, ``trace``, ``roll``, ``rot90``, ``tile``, ``repeat_interleave``,
``meshgrid``, ``broadcast_tensors``, the ``*stack`` family, ``tan``, ``frac``, ``fmod``,
``nan_to_num``, ``isinf``, ``dist``, ``cdist``, ``logspace``.
"""

from __future__ import annotations

import math

from .._arguments import parse_args
from ..backends import float64
from ..tensor import Tensor
from ._util import check_same_device, normalize_dims
from .elementwise import where
from .shape import cat, flip, reshape


def _triangle_mask(a: Tensor, diagonal: int, lower: bool) -> Tensor:
    if a.ndim < 2:
        name = "tril" if lower else "triu"
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    rows, cols = a.shape[-2:]
    xp = a.xp
    keep = (xp.tril if lower else xp.triu)(xp.ones((rows, cols), dtype=bool), diagonal)
    return a._new(keep)


@parse_args("Tensor input, int diagonal")
def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002 - PyTorch's names
    """The lower triangle (on and below ``diagonal``) of the last two dimensions; zeros elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.tril(mt.ones(3, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.],
            [1., 1., 1.]])
    """
    return where(_triangle_mask(input, diagonal, True), input, input.new_zeros(()))


@parse_args("Tensor input, int diagonal")
def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle (on and above ``diagonal``) of the last two dimensions; zeros elsewhere.

    >>> import minitorch_conv as mt
    >>> mt.triu(mt.ones(2, 3), 1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]])
    """
    return where(_triangle_mask(input, diagonal, False), input, input.new_zeros(()))


@parse_args("Tensor input, int diagonal")
def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A 1-D ``input`` becomes a square matrix with it on ``diagonal``; a 2-D ``input`` gives its
    ``diagonal`` as 1-D.

    >>> import minitorch_conv as mt
    >>> mt.diag(mt.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    >>> mt.diag(mt.arange(9.0).reshape(3, 3), 1)
    tensor([1., 5.])
    """
    if input.ndim == 2:
        return input.diagonal(diagonal)
    if input.ndim != 1:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")
    n, k = input.shape[0] + abs(diagonal), abs(diagonal)
    # the result's entry (r, r + diagonal) is input[r] (above the main diagonal) or input[c] at
    # (c + k, c) (below): spread input down the rows, or along the columns, and keep that diagonal
    if diagonal >= 0:
        spread = cat([input.reshape(-1, 1), input.new_zeros(k, 1)], 0).expand(n, n)
    else:
        spread = cat([input.reshape(1, -1), input.new_zeros(1, k)], 1).expand(n, n)
    return where(input._new(input.xp.eye(n, k=diagonal, dtype=bool)), spread, input.new_zeros(()))


@parse_args("Tensor input")
def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the main diagonal of a 2-D tensor.

    >>> import minitorch_conv as mt
    >>> mt.trace(mt.arange(9.0).reshape(3, 3))
    tensor(12.)
    """
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return input.diagonal().sum()


@parse_args("Tensor input, int[1] shifts, int[1]? dims")
def roll(input: Tensor, shifts, dims=None) -> Tensor:  # noqa: A002
    """Shift elements along ``dims`` by ``shifts``, wrapping around (over the flattened tensor when
    ``dims`` is None).

    >>> import minitorch_conv as mt
    >>> mt.roll(mt.arange(5), 2)
    tensor([3, 4, 0, 1, 2])
    """
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return roll(input.reshape(-1), shifts[0], 0).reshape(input.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = input
    for shift, dim in zip(shifts, dims):
        d = normalize_dims(dim, input.ndim)[0]
        size = out.shape[d]
        if size == 0 or shift % size == 0:
            continue
        k = shift % size
        head = out.narrow(d, size - k, k)
        tail = out.narrow(d, 0, size - k)
        out = cat([head, tail], d)
    return out if out is not input else input * 1


@parse_args("Tensor input, int k, int[] dims")
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:  # noqa: A002
    """Rotate by 90 degrees ``k`` times, from the first of ``dims`` towards the second.

    >>> import minitorch_conv as mt
    >>> mt.rot90(mt.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (normalize_dims(d, input.ndim)[0] for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, d1).transpose(d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return flip(input, d0).transpose(d0, d1)
    return input * 1


@parse_args("Tensor input, int[] dims")
def tile(input: Tensor, dims) -> Tensor:  # noqa: A002
    """``repeat``, with missing leading repeat counts taken as 1 (``numpy.tile``).

    >>> import minitorch_conv as mt
    >>> mt.tile(mt.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    """
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(*dims)


@parse_args("Tensor input, Tensor|Number repeats, int? dim, *, int? output_size")
def repeat_interleave(input: Tensor, repeats: int, dim: int | None = None, *,  # noqa: A002
                      output_size: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times in place (along ``dim``, or over the flattened tensor).

    >>> import minitorch_conv as mt
    >>> mt.repeat_interleave(mt.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    """
    if isinstance(repeats, Tensor) and repeats.numel() != 1:  # a count per element: pick by index
        if dim is None:
            input, dim = input.reshape(-1), 0
        d = normalize_dims(dim, input.ndim)[0]
        counts = repeats.xp.asarray(repeats._array).reshape(-1)
        if counts.shape[0] != input.shape[d]:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.shape[0]} and input.size({d}) = {input.shape[d]}")
        if bool((counts < 0).any()):
            raise RuntimeError("repeats can not be negative")
        index = repeats._new(input.xp.repeat(input.xp.arange(input.shape[d]), counts))
        return input.index_select(d, index)
    if isinstance(repeats, Tensor):
        repeats = int(repeats.item())
    if repeats < 0:
        raise RuntimeError("repeats can not be negative")
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = normalize_dims(dim, input.ndim)[0]
    shape = tuple(input.shape)
    expanded = input.unsqueeze(d + 1).expand(*shape[:d + 1], repeats, *shape[d + 1:])
    return reshape(expanded, shape[:d] + (shape[d] * repeats,) + shape[d + 1:])


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views).

    >>> import minitorch_conv as mt
    >>> [t.shape for t in mt.broadcast_tensors(mt.ones(3, 1), mt.ones(4))]
    [minitorch_conv.Size([3, 4]), minitorch_conv.Size([3, 4])]
    """
    from ._util import broadcast_shapes

    check_same_device(*tensors)
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


@parse_args("Tensor input, int[] size")
def broadcast_to(input: Tensor, size) -> Tensor:  # noqa: A002
    """``input.expand(size)``."""
    return input.expand(tuple(size))


def meshgrid(*tensors: Tensor, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors (``indexing='ij'``: matrix order; ``'xy'``: Cartesian).

    >>> import minitorch_conv as mt
    >>> ys, xs = mt.meshgrid(mt.arange(2), mt.arange(3), indexing="ij")
    >>> xs
    tensor([[0, 1, 2],
            [0, 1, 2]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t.shape[0] for t in flat)
    grids = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)
        view[i] = shape[i]
        grids.append(t.reshape(*view).expand(*shape))
    if swap:  # Cartesian order: the grids of (y, x) computed in matrix order, handed back as (x, y)
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _non_empty(tensors, name: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


@parse_args("Tensor[] tensors")
def hstack(tensors) -> Tensor:
    """Concatenate along the second dimension (the first for 1-D tensors).

    >>> import minitorch_conv as mt
    >>> mt.hstack([mt.tensor([1, 2]), mt.tensor([3])])
    tensor([1, 2, 3])
    """
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in _non_empty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@parse_args("Tensor[] tensors")
def vstack(tensors) -> Tensor:
    """Stack as rows: 1-D tensors become rows, then concatenate along the first dimension.

    >>> import minitorch_conv as mt
    >>> mt.vstack([mt.tensor([1, 2]), mt.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in _non_empty(tensors, "vstack")], 0)


@parse_args("Tensor[] tensors")
def dstack(tensors) -> Tensor:
    """Stack along a third dimension (1-D become (1, N, 1), 2-D become (M, N, 1)).

    >>> import minitorch_conv as mt
    >>> mt.dstack([mt.tensor([1, 2]), mt.tensor([3, 4])]).shape
    minitorch_conv.Size([1, 2, 2])
    """
    shaped = []
    for t in _non_empty(tensors, "dstack"):
        if t.ndim == 0:
            t = t.reshape(1, 1, 1)
        elif t.ndim == 1:
            t = t.reshape(1, -1, 1)
        elif t.ndim == 2:
            t = t.unsqueeze(-1)
        shaped.append(t)
    return cat(shaped, 2)


@parse_args("Tensor[] tensors")
def column_stack(tensors) -> Tensor:
    """1-D tensors as columns, side by side with 2-D ones.

    >>> import minitorch_conv as mt
    >>> mt.column_stack([mt.tensor([1, 2]), mt.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in _non_empty(tensors, "column_stack")], 1)


@parse_args("Tensor input")
def tan(input: Tensor) -> Tensor:  # noqa: A002
    """``sin / cos``, elementwise."""
    return input.sin() / input.cos()


@parse_args("Tensor input")
def frac(input: Tensor) -> Tensor:  # noqa: A002
    """The fractional part, ``x - trunc(x)`` (sign of ``x``)."""
    return input - input.trunc()


@parse_args("Tensor input, Tensor|Number other")
def fmod(input: Tensor, other) -> Tensor:  # noqa: A002
    """The remainder of division rounded toward zero (C's ``fmod``: the sign of ``input``).

    >>> import minitorch_conv as mt
    >>> mt.fmod(mt.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    if not input.dtype.is_floating_point:  # integers: C's % truncates, and 0 is refused
        divisor = other if isinstance(other, Tensor) else input.new_tensor(other)
        if not divisor.dtype.is_floating_point:
            if bool((divisor == 0).any()):
                raise RuntimeError("ZeroDivisionError")
            quotient = input.xp.trunc(input._array / divisor._array).astype(input._array.dtype)
            return input._new(input._array - quotient * divisor._array)
    return input - (input / other).trunc() * other


@parse_args("Tensor input")
def isinf(input: Tensor) -> Tensor:  # noqa: A002
    """True where ``input`` is +inf or -inf."""
    return input._new(input.xp.isinf(input._array))


@parse_args("Tensor input, float? nan, float? posinf, float? neginf")
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced (by 0, the dtype's largest and its lowest finite values).

    >>> import minitorch_conv as mt
    >>> mt.nan_to_num(mt.tensor([float("nan"), 1.0]))
    tensor([0., 1.])
    """
    if not input.dtype.is_floating_point:
        return input * 1
    info = input.xp.finfo(input._array.dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    arr = input._array
    out = where(input._new(input.xp.isnan(arr)), input.new_full((), nan), input)
    out = where(input._new(input.xp.isposinf(arr)), input.new_full((), posinf), out)
    return where(input._new(input.xp.isneginf(arr)), input.new_full((), neginf), out)


@parse_args("Tensor input, Tensor other, Number p")
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The ``p``-norm of ``input - other``.

    >>> import minitorch_conv as mt
    >>> mt.dist(mt.tensor([3.0, 0.0]), mt.tensor([0.0, 4.0]))
    tensor(5.)
    """
    return (input - other).norm(p)


@parse_args("Tensor x1, Tensor x2, float p, str compute_mode")
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"
          ) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (…, P, M) and each of ``x2`` (…, R, M).

    >>> import minitorch_conv as mt
    >>> mt.cdist(mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5., 1.]])
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError("cdist only supports at least 2D tensors, X1 got: " + f"{x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    difference = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return difference.norm(p, dim=-1)


@parse_args("Tensor|Number start, Tensor|Number end, int steps, float base, *, ScalarType? dtype, "
            "Device? device, bool requires_grad")
def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype=None,
             device=None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    >>> import minitorch_conv as mt
    >>> mt.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    from ..creation import linspace

    exponents = linspace(start, end, steps, dtype=float64, device=device)
    out = (exponents * math.log(base)).exp()
    out = out if dtype is None else out.to(dtype)
    if dtype is None:
        from ..backends import get_default_dtype

        out = out.to(get_default_dtype())
    return out.requires_grad_(requires_grad)


__all__ = ["broadcast_tensors", "broadcast_to", "cdist", "column_stack", "diag", "dist", "dstack",
           "fmod", "frac", "hstack", "isinf", "logspace", "meshgrid", "nan_to_num", "repeat_interleave",
           "roll", "rot90", "tan", "tile", "trace", "tril", "triu", "vstack"]
