"""The vector ``p``-norm for orders below 1 (``0 < p < 1`` and negative ``p``), with PyTorch's
subgradient at zero elements (``linalg.vector_norm``'s other orders are in reduction.py).

Notation: ``x`` the input, ``N = (sum |x|^p)^(1/p)`` over ``dims``, ``G`` the upstream gradient.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._util import normalize_dims


class LinalgVectorNorm(Function):
    """``N``; ``dx = sgn(x) |x|^(p-1) G N^(1-p)``, zero where ``x == 0`` (PyTorch's rule for
    ``p < 1``; ``N = 0`` then gives zero too, since ``1 - p > 0``)."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp = x.xp
        with xp.errstate(divide="ignore") if hasattr(xp, "errstate") else _nothing():
            powered = (xp.abs(x._array) ** p).sum(axis=dims, keepdims=True)
            norm = powered ** (1.0 / p)
        ctx.save_for_backward(x)
        ctx.p, ctx.dims, ctx.norm = p, dims, x._new(norm.astype(x._array.dtype))
        out = norm if keepdim else norm.squeeze(axis=dims)
        return out.astype(x._array.dtype)

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import where

        (x,) = ctx.saved_tensors
        p = ctx.p
        # (recorded when the backward is: the norm depends on x for the second derivative)
        norm = LinalgVectorNorm.apply(x, p, ctx.dims, True) if is_grad_enabled() else ctx.norm
        grad = grad.reshape(norm.shape)  # (keepdim's shape)
        zero = x == 0
        safe = where(zero, x.new_ones(()), x.abs())
        scaled = where(zero, x.new_zeros(()), x.sign() * safe ** (p - 1))
        return scaled * grad * norm ** (1 - p), None, None, None


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def small_order_norm(x: Tensor, p: float, dim, keepdim: bool) -> Tensor:
    """``(sum |x|^p)^(1/p)`` over ``dim`` (every dimension where None) for ``p < 1``, ``p != 0``."""
    dims = normalize_dims(dim, x.ndim)
    return LinalgVectorNorm.apply(x, float(p), dims if dims else tuple(range(x.ndim)), bool(keepdim))
