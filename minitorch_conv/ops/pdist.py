"""``F.pdist``: the p-norm distance between every pair of rows, PyTorch's ``torch.pdist``.

Notation: x (N, M), rows x_i; P = N*(N-1)/2 pairs (i, j), i < j, in row-major order of the upper
triangle; diff (P, M) = x_i - x_j; dist (P,).

==========  ==============================  ===========================================
p           dist                            d dist / d diff (0 where dist is 0)
==========  ==============================  ===========================================
0           count of diff != 0              0
1           sum |diff|                      sign(diff)
2           sqrt(sum diff^2)                diff / dist
inf         max |diff|                      sign(diff) where |diff| == dist (every tie)
other       (sum |diff|^p)^(1/p)            sign(diff) |diff|^(p-1) / dist^(p-1)
                                            (for p < 1 also 0 where diff is 0)
==========  ==============================  ===========================================

The input gradient adds each pair's row to x_i and subtracts it from x_j: the rows go into an
antisymmetric (N, N, M) table (each pair once, so plain assignment) summed over its second axis.
PyTorch has no double backward for pdist; neither does this.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.pdist(mt.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
tensor([ 5., 10.,  5.])
"""

from __future__ import annotations

import math

from .._arguments import parse_args
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import scalar_type_name
from .elementwise import quiet

__all__ = ["Pdist", "pdist"]


def _pairs(xp, n: int):
    return xp.triu_indices(n, 1) if n > 1 else (xp.zeros(0, dtype=xp.int64), xp.zeros(0, dtype=xp.int64))


class Pdist(Function):
    """dist (P,) of x (N, M), for one ``p`` (see the module's table)."""

    @staticmethod
    def forward(ctx, x, p: float):
        xp, a = x.xp, x._array
        rows, cols = _pairs(xp, a.shape[0])
        diff = a[rows] - a[cols]
        size = xp.abs(diff)
        if p == 0:
            dist = (diff != 0).sum(axis=-1).astype(a.dtype)
        elif p == 1:
            dist = size.sum(axis=-1)
        elif p == 2:
            dist = xp.sqrt((diff * diff).sum(axis=-1))
        elif math.isinf(p):
            dist = size.max(axis=-1, initial=0) if diff.shape[-1] else xp.zeros(diff.shape[0], dtype=a.dtype)
        else:
            dist = (size ** a.dtype.type(p)).sum(axis=-1) ** a.dtype.type(1 / p)
        ctx.p, ctx.n, ctx.diff, ctx.dist, ctx.pairs = p, a.shape[0], diff, dist, (rows, cols)
        return dist

    @staticmethod
    def backward(ctx, grad):
        xp, p, diff, dist = grad.xp, ctx.p, ctx.diff, ctx.dist[:, None]
        g = grad._array[:, None]
        zero = dist == 0
        with quiet(xp):
            if p == 0:
                per = xp.zeros_like(diff)
            elif p == 1:
                per = xp.sign(diff) * g
            elif p == 2:
                per = xp.where(zero, 0, diff * g / xp.where(zero, 1, dist))
            elif math.isinf(p):
                per = xp.sign(diff) * (xp.abs(diff) == dist) * g
            else:
                pt = diff.dtype.type(p - 1)
                per = xp.sign(diff) * xp.abs(diff) ** pt * g / xp.where(zero, 1, dist) ** pt
                per = xp.where(zero | ((diff == 0) & (p < 1)), 0, per)
        table = xp.zeros((ctx.n, ctx.n) + diff.shape[1:], dtype=diff.dtype)
        rows, cols = ctx.pairs
        table[rows, cols] = per
        table[cols, rows] = -per
        return grad._new(table.sum(axis=1).astype(diff.dtype)), None


@parse_args("Tensor input, float p")
def pdist(input: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The p-norm distance between each pair of rows of ``input`` (N, M): a (N*(N-1)/2,) vector,
    pairs (0, 1), (0, 2), ..., (1, 2), ... PyTorch's ``F.pdist``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.pdist(mt.tensor([[0.0, 1.0], [1.0, 1.0], [2.0, 3.0]]), p=1)
    tensor([1., 4., 3.])
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input.dtype.name == "float16":
        raise NotImplementedError(f"\"pdist\" not implemented for '{scalar_type_name(input.dtype)}'")
    return Pdist.apply(input, p)
