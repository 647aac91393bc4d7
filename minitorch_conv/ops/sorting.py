"""Sorting along a dimension: sort, argsort, msort, topk.

The order is found on the arrays, outside the graph; the values are then a :func:`gather` of the
input at those indices, so their gradient is the gather's (each upstream value goes back to the
element it came from) and needs nothing of its own.

PyTorch's order: ascending puts NaN last, descending puts it first; ties keep their input order
(stable). ``topk`` returns the first ``k`` of that order; PyTorch leaves the order of tied values
in ``topk`` unspecified, so tied indices may differ from PyTorch's.
"""

from __future__ import annotations

from .._arguments import parse_args
from ..tensor import Tensor
from ._util import normalize_dims
from .indexing import gather
from .reduction import ValuesIndices


def _stable_argsort(xp, array, axis: int):
    """NumPy's ``argsort(kind='stable')``; CuPy's argsort is always stable and takes no ``kind``."""
    if xp.__name__ == "numpy":
        return xp.argsort(array, axis=axis, kind="stable")
    return xp.argsort(array, axis=axis)


def _order(a: Tensor, dim: int, descending: bool):
    """The int64 array of positions that sorts ``a`` along ``dim`` (stable, NaN as the largest)."""
    xp, arr = a.xp, a._array
    if arr.ndim == 0:
        return xp.zeros((), dtype=xp.int64)
    if not descending:
        return _stable_argsort(xp, arr, dim).astype(xp.int64)
    # descending and stable: sort the reversed array ascending, read that order backwards, and map
    # positions in the reversed array back (n - 1 - p); ties then keep their input order
    n = arr.shape[dim]
    reversed_order = _stable_argsort(xp, xp.flip(arr, axis=dim), dim)
    return (n - 1 - xp.flip(reversed_order, axis=dim)).astype(xp.int64)


@parse_args("Tensor input, dim dim, bool descending, *, bool? stable")
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):  # noqa: A002
    """``(values, indices)`` of ``input`` sorted along ``dim``; ``values == input.gather(dim, indices)``.

    The sort is always stable (``stable`` is accepted for PyTorch's signature).

    >>> import minitorch_conv as mt
    >>> values, indices = mt.sort(mt.tensor([3.0, 1.0, 2.0]), descending=True)
    >>> values, indices
    (tensor([3., 2., 1.]), tensor([0, 2, 1]))
    """
    dim = normalize_dims(dim, input.ndim)[0]
    indices = input._new(_order(input, dim, descending))
    values = gather(input, dim, indices) if input.ndim else input * 1
    return ValuesIndices(values, indices)


@parse_args("Tensor input, dim dim, bool descending, *, bool? stable")
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:  # noqa: A002
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``).

    >>> import minitorch_conv as mt
    >>> mt.argsort(mt.tensor([[3, 1, 2], [0, 5, 4]]), dim=1)
    tensor([[1, 2, 0],
            [0, 2, 1]])
    """
    dim = normalize_dims(dim, input.ndim)[0]
    return input._new(_order(input, dim, descending))


@parse_args("Tensor input")
def msort(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` sorted along its first dimension (``sort(input, dim=0).values``).

    >>> import minitorch_conv as mt
    >>> mt.msort(mt.tensor([[3.0, 1.0], [1.0, 2.0]]))
    tensor([[1., 1.],
            [3., 2.]])
    """
    return sort(input, dim=0).values


@parse_args("Tensor input, int k, dim dim, bool largest, bool sorted")
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along ``dim``,
    largest first. The gradient goes to the elements picked.

    >>> import minitorch_conv as mt
    >>> values, indices = mt.topk(mt.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    >>> values, indices
    (tensor([5., 4.]), tensor([1, 3]))
    """
    dim = normalize_dims(dim, input.ndim)[0]
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    order = _order(input, dim, descending=largest)
    index = (slice(None),) * dim + (slice(0, k),)
    indices = input._new(order[index] if input.ndim else order)
    values = gather(input, dim, indices) if input.ndim else input * 1
    return ValuesIndices(values, indices)
