"""Products of vectors and tensors beyond the matrix product: ``cross`` (and ``linalg_cross``),
``inner``, ``tensordot``, ``vdot``, and ``vecdot``.

``tensordot`` is PyTorch's algorithm in differentiable pieces: the contracted dimensions are
moved last in ``a`` and first in ``b``, both are flattened into matrices, one ``mm`` multiplies
them, and a reshape gives the free dimensions back; ``inner`` is ``tensordot`` over the last
dimensions. ``cross`` has a Function of its own, whose backward is two more cross products.

Notation: ``a`` and ``b`` are the operands; in ``tensordot`` ``dims_a[k]`` of ``a`` is
contracted with ``dims_b[k]`` of ``b``, and the result's shape is ``a``'s free dimensions
followed by ``b``'s.
"""

from __future__ import annotations

import math
import warnings

from .._arguments import convert, parse_args, wrap_dim, wrap_dims
from ..autograd.function import Function, named_as
from ..tensor import Tensor
from ._util import broadcast_shapes, check_same_device, scalar_type_name
from .linalg import dot, mm


# ---------------------------------------------------------------------------- cross
class LinalgCross(Function):
    """``a x b`` over the size-3 dimension ``dim`` (the operands broadcast):
    ``out_0 = a_1 b_2 - a_2 b_1``, ``out_1 = a_2 b_0 - a_0 b_2``, ``out_2 = a_0 b_1 - a_1 b_0``.

    Its Jacobians are cross products again: ``d<g, a x b>/da = b x g`` and ``/db = g x a``.
    """

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        xp = a.xp
        x, y = xp.broadcast_arrays(a._array, b._array)

        def part(array, k):
            return array[(slice(None),) * dim + (slice(k, k + 1),)]

        x0, x1, x2 = (part(x, k) for k in range(3))
        y0, y1, y2 = (part(y, k) for k in range(3))
        return xp.concatenate([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = LinalgCross.apply(b, grad, ctx.dim) if ctx.needs_input_grad[0] else None
        grad_b = LinalgCross.apply(grad, a, ctx.dim) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


@parse_args("Tensor input, Tensor other, *, int dim")
def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002 - PyTorch's names
    """The cross product of 3-vectors along ``dim`` (default: the last), the operands broadcast
    against each other (PyTorch's ``torch.linalg.cross``, here ``mt.linalg.cross``).

    >>> import minitorch_conv as mt
    >>> mt.linalg.cross(mt.tensor([1.0, 0.0, 0.0]), mt.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} "
                           f"and {other.shape[d]}")
    broadcast_shapes(input.shape, other.shape)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input.dtype)} but found "
                           f"{scalar_type_name(other.dtype)}")
    check_same_device(input, other)
    return LinalgCross.apply(input, other, d)


@parse_args("Tensor input, Tensor other, int? dim")
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim``. Without ``dim``, the first dimension of size 3
    of ``input`` (PyTorch's deprecated default, with its warning): prefer giving ``dim``.

    >>> import minitorch_conv as mt
    >>> a = mt.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> b = mt.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> mt.cross(a, b, dim=1)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass "
                      "the dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will "
                      "change to agree with that of linalg.cross in a future release.", UserWarning,
                      stacklevel=3)
        dim = next((d for d, size in enumerate(input.shape) if size == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return named_as(linalg_cross(input, other, dim=dim), "LinalgCrossBackward0")


# ---------------------------------------------------------------------------- tensordot, inner
def _tensordot(a: Tensor, b: Tensor, dims_a, dims_b) -> Tensor:
    """PyTorch's ``at::tensordot``: contracted dimensions of size 1 on one side are summed away
    first (they broadcast), the rest must match; then one matrix product."""
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    check_same_device(a, b)
    wrapped_a, wrapped_b = wrap_dims(tuple(dims_a), a.ndim), wrap_dims(tuple(dims_b), b.ndim)
    contracted = 1
    for da, db, given_a, given_b in zip(wrapped_a, wrapped_b, dims_a, dims_b):
        size_a, size_b = a.shape[da], b.shape[db]
        if size_b == 1:
            a = a.sum(da, keepdim=True, dtype=a.dtype)
        elif size_a == 1:
            b = b.sum(db, keepdim=True, dtype=b.dtype)
        elif size_a != size_b:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {size_a} in dim "
                               f"{given_a} and second has size {size_b} in dim {given_b}")
        else:
            contracted *= size_a
    free_a = [d for d in range(a.ndim) if d not in wrapped_a]
    free_b = [d for d in range(b.ndim) if d not in wrapped_b]
    shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    left = a.permute(*free_a, *wrapped_a).reshape(math.prod(a.shape[d] for d in free_a), contracted)
    right = b.permute(*wrapped_b, *free_b).reshape(contracted, math.prod(b.shape[d] for d in free_b))
    return mm(left, right).reshape(shape)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum the products of ``a`` and ``b`` over pairs of dimensions: the last ``dims`` of ``a``
    with the first ``dims`` of ``b`` (an int), or ``dims[0][k]`` of ``a`` with ``dims[1][k]`` of
    ``b`` (two lists). The result has ``a``'s remaining dimensions, then ``b``'s.

    >>> import minitorch_conv as mt
    >>> a, b = mt.arange(6.0).reshape(2, 3), mt.ones(3, 4)
    >>> mt.tensordot(a, b, dims=1).shape
    minitorch_conv.Size([2, 4])
    >>> mt.tensordot(a, a, dims=([0, 1], [0, 1]))
    tensor(55.)
    """
    for name, value, position in (("a", a, 1), ("b", b, 2)):
        convert("Tensor", value, "tensordot", name, position)
    if isinstance(dims, Tensor):
        if dims.numel() > 1:
            dims = (dims[0].tolist(), dims[1].tolist())
        else:
            dims = int(dims.item())
    if isinstance(dims, (tuple, list)):
        if len(dims) != 2:
            raise RuntimeError(f"tensordot expects dims to be a pair of lists, but got {len(dims)} entries")
        dims_a = convert("int[]", dims[0], "tensordot", "dims_self", 3)
        dims_b = convert("int[]", dims[1], "tensordot", "dims_other", 4)
        return _tensordot(a, b, list(dims_a), list(dims_b))
    dims = convert("int", dims, "tensordot", "dims", 3)
    if dims < 0:
        raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
    if dims > min(a.ndim, b.ndim):
        raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
    return _tensordot(a, b, list(range(-dims, 0)), list(range(dims)))


@parse_args("Tensor input, Tensor other")
def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The sum of products over the last dimension of both (for vectors, the dot product); a 0-d
    operand multiplies the other.

    >>> import minitorch_conv as mt
    >>> mt.inner(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 10.0]))
    tensor([21., 43.])
    """
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return _tensordot(input, other, [-1], [-1])


# ---------------------------------------------------------------------------- vector products
@parse_args("Tensor input, Tensor other")
def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The dot product of two vectors (the first conjugated: the same as :func:`dot` for real
    tensors).

    >>> import minitorch_conv as mt
    >>> mt.vdot(mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return named_as(dot(input, other), "VdotBackward0")


@parse_args("Tensor x, Tensor y, *, int dim")
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along ``dim``, the operands broadcast against each other
    (PyTorch's ``torch.linalg.vecdot``, here ``mt.linalg.vecdot``).

    >>> import minitorch_conv as mt
    >>> mt.linalg.vecdot(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if x.dtype is not y.dtype:
        raise RuntimeError("linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{scalar_type_name(x.dtype)} and y of type {scalar_type_name(y.dtype)} instead")
    return (x * y).sum(dim)


__all__ = ["cross", "inner", "tensordot", "vdot"]

METHODS = {"cross": cross, "inner": inner, "vdot": vdot}
"""The Tensor methods of this module (bound by ``ops/methods.py``)."""
