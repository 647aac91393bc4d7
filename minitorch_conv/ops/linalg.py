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


def _torch_type(t: Tensor) -> str:
    """PyTorch's C++ name of a dtype, as its error messages print it (float, double, long...)."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return names.get(t.dtype.name, t.dtype.name)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices, ``(n, m) @ (m, p)``; no broadcasting (see :func:`matmul`).

    >>> import minitorch_conv as mt
    >>> mt.mm(mt.ones(2, 3), mt.ones(3, 4)).shape
    minitorch_conv.Size([2, 4])
    """
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_torch_type(a).lower()} != "
            f"{_torch_type(b).lower()}"
        )
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product, ``(B, n, m) @ (B, m, p)``; no broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.bmm(mt.ones(5, 2, 3), mt.ones(5, 3, 4)).shape
    minitorch_conv.Size([5, 2, 4])
    """
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_torch_type(a)} but found {_torch_type(b)}")
    return matmul(a, b)
