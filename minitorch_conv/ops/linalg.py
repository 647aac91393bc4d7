"""Matrix multiplication with NumPy's broadcasting rules, and its two adjoint products."""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes


class MatMul(Function):
    """``a @ b``. 1-D operands are promoted to matrices (and the extra dimension dropped)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.matmul(a._array, b._array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        # put back the dimensions that 1-D operands dropped (the column first: for a vector dot
        # product grad is 0-d and becomes (1, 1))
        if b.ndim == 1:
            grad = grad.unsqueeze(-1)
        if a.ndim == 1:
            grad = grad.unsqueeze(-2)
        # broadcast batch dimensions are summed away by the engine; promoted 1-D ones here
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad @ b2.mT
            if a.ndim == 1:
                grad_a = grad_a.reshape(-1, a.shape[0]).sum(0)
        if ctx.needs_input_grad[1]:
            grad_b = a2.mT @ grad
            if b.ndim == 1:
                grad_b = grad_b.reshape(-1, b.shape[0]).sum(0)
        return grad_a, grad_b


def matmul(a, b) -> Tensor:
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype != b.dtype:
        # PyTorch does not promote here either (a float64 batch into a float32 Linear is an error)
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}"
        )
    a, b = binary_operands(a, b, broadcast=False)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        rows_a = 1 if a.ndim == 1 else a.numel() // a.shape[-1]
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows_a}x{a.shape[-1]} and "
            f"{b.shape[-2] if b.ndim > 1 else b.shape[0]}x{b.shape[-1] if b.ndim > 1 else 1})"
        )
    broadcast_shapes(a.shape[:-2], b.shape[:-2])  # the batch dimensions
    return MatMul.apply(a, b)
