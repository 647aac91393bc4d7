"""Matrix multiplication with NumPy's broadcasting rules, and its two adjoint products."""

from __future__ import annotations

from .._arguments import parse_args
from ..amp.autocast_mode import cast_inputs
from ..autograd.function import Function, named_as
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes
from .elementwise import where


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


@parse_args("Tensor input, Tensor other")
def matmul(a, b) -> Tensor:
    a, b = cast_inputs("lower", a, b)
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
        rows_a = 1
        for size in a.shape[:-1]:  # (not numel // shape[-1]: that may be 0)
            rows_a *= size
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows_a}x{a.shape[-1]} and "
            f"{b.shape[-2] if b.ndim > 1 else b.shape[0]}x{b.shape[-1] if b.ndim > 1 else 1})"
        )
    broadcast_shapes(a.shape[:-2], b.shape[:-2])  # the batch dimensions
    out = MatMul.apply(a, b)
    name = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0"}.get((a.ndim, b.ndim))
    return named_as(out, name) if name else out


def _torch_type(t: Tensor) -> str:
    """PyTorch's C++ name of a dtype, as its error messages print it (float, double, long...)."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return names.get(t.dtype.name, t.dtype.name)


@parse_args("Tensor input, Tensor mat2")
def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices, ``(n, m) @ (m, p)``; no broadcasting (see :func:`matmul`).

    >>> import minitorch_conv as mt
    >>> mt.mm(mt.ones(2, 3), mt.ones(3, 4)).shape
    minitorch_conv.Size([2, 4])
    """
    a, b = cast_inputs("lower", a, b)
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


@parse_args("Tensor input, Tensor mat2")
def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product, ``(B, n, m) @ (B, m, p)``; no broadcasting.

    >>> import minitorch_conv as mt
    >>> mt.bmm(mt.ones(5, 2, 3), mt.ones(5, 3, 4)).shape
    minitorch_conv.Size([5, 2, 4])
    """
    a, b = cast_inputs("lower", a, b)
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


# ---------------------------------------------------------------------------- products with a sum
def _scaled_sum(input: Tensor, product: Tensor, beta, alpha) -> Tensor:  # noqa: A002
    """``beta * input + alpha * product``, ``input`` broadcast to ``product``'s shape; with
    ``beta == 0`` ``input`` is ignored (its NaN and inf do not reach the result), as in PyTorch."""
    input.expand(product.shape)  # PyTorch's error where input cannot take the result's shape
    out = product if alpha == 1 else product * alpha
    if beta == 0:  # ``out`` everywhere: ``input`` is still an input, with a zero gradient
        return where(out._new(out.xp.ones((), dtype=bool)), out, input)
    return out + (input if beta == 1 else input * beta)


def _same_dtype_as_input(input: Tensor, other: Tensor) -> None:  # noqa: A002
    if input.dtype is not other.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_torch_type(input)} and "
                           f"{_torch_type(other)}")


@parse_args("Tensor input, Tensor mat1, Tensor mat2, *, Number beta, Number alpha")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices, ``input`` broadcast to the product.

    >>> import minitorch_conv as mt
    >>> mt.addmm(mt.tensor([10.0, 20.0]), mt.ones(3, 2), mt.ones(2, 2), alpha=0.5)
    tensor([[11., 21.],
            [11., 21.],
            [11., 21.]])
    """
    input, mat1, mat2 = cast_inputs("lower", input, mat1, mat2)
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} "
                           f"and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype_as_input(input, mat1)
    _same_dtype_as_input(mat1, mat2)
    return _scaled_sum(input, matmul(mat1, mat2), beta, alpha)


def _check_mv(input: Tensor | None, mat: Tensor, vec: Tensor) -> None:  # noqa: A002
    if mat.ndim != 2 or vec.ndim != 1 or (input is not None and input.ndim > 1):
        got = input.ndim if input is not None else 1
        raise RuntimeError(f"vector + matrix @ vector expected, got {got}, {mat.ndim}, {vec.ndim}")
    if mat.shape[1] != vec.shape[0] or (input is not None and input.ndim == 1
                                        and input.shape[0] not in (1, mat.shape[0])):
        size = input.shape[0] if input is not None and input.ndim else 1
        raise RuntimeError(f"size mismatch, got input ({size}), mat ({mat.shape[0]}x{mat.shape[1]}), "
                           f"vec ({vec.shape[0]})")
    first = vec if input is None else input  # (mv runs as addmv into a result of vec's dtype)
    if len({first.dtype, mat.dtype, vec.dtype}) > 1:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_torch_type(first)}, "
                           f"{_torch_type(mat)}, and {_torch_type(vec)}")


@parse_args("Tensor input, Tensor vec")
def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """The matrix-vector product ``input @ vec``: ``(n, m) @ (m,) -> (n,)``.

    >>> import minitorch_conv as mt
    >>> mt.mv(mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    input, vec = cast_inputs("lower", input, vec)
    _check_mv(None, input, vec)
    return matmul(input, vec)


@parse_args("Tensor input, Tensor mat, Tensor vec, *, Number beta, Number alpha")
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat @ vec)``, ``input`` broadcast to ``(n,)``.

    >>> import minitorch_conv as mt
    >>> mt.addmv(mt.tensor(1.0), mt.tensor([[1.0, 2.0], [3.0, 4.0]]), mt.tensor([1.0, 1.0]), beta=2)
    tensor([5., 9.])
    """
    input, mat, vec = cast_inputs("lower", input, mat, vec)
    _check_mv(input, mat, vec)
    return _scaled_sum(input, matmul(mat, vec), beta, alpha)


def _check_batches(batch1: Tensor, batch2: Tensor) -> None:
    for name, b in (("batch1", batch1), ("batch2", batch2)):
        if b.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if batch2.shape[0] != batch1.shape[0] or batch2.shape[1] != batch1.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}]."
        )
    if batch1.dtype is not batch2.dtype:
        raise RuntimeError(f"expected scalar type {_torch_type(batch1)} but found {_torch_type(batch2)}")


@parse_args("Tensor input, Tensor batch1, Tensor batch2, *, Number beta, Number alpha")
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * bmm(batch1, batch2)``, ``input`` broadcast to ``(B, n, p)``.

    >>> import minitorch_conv as mt
    >>> mt.baddbmm(mt.zeros(1), mt.ones(2, 1, 3), mt.ones(2, 3, 1)).shape
    minitorch_conv.Size([2, 1, 1])
    """
    input, batch1, batch2 = cast_inputs("lower", input, batch1, batch2)
    _check_batches(batch1, batch2)
    _same_dtype_as_input(input, batch1)
    return _scaled_sum(input, matmul(batch1, batch2), beta, alpha)


@parse_args("Tensor input, Tensor batch1, Tensor batch2, *, Number beta, Number alpha")
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``: the batch of products summed.

    >>> import minitorch_conv as mt
    >>> mt.addbmm(mt.zeros(1, 1), mt.ones(4, 1, 3), mt.ones(4, 3, 1))
    tensor([[12.]])
    """
    input, batch1, batch2 = cast_inputs("lower", input, batch1, batch2)
    _check_batches(batch1, batch2)
    _same_dtype_as_input(input, batch1)
    return _scaled_sum(input, matmul(batch1, batch2).sum(0), beta, alpha)


@parse_args("Tensor input, Tensor tensor")
def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """The inner product of two vectors of one length and dtype.

    >>> import minitorch_conv as mt
    >>> mt.dot(mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_torch_type(input)} "
                           f"and {_torch_type(tensor)}")
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{tensor.shape[0]}] to "
            f"have the same number of elements, but got {input.shape[0]} and {tensor.shape[0]} elements "
            "respectively"
        )
    return matmul(input, tensor)


@parse_args("Tensor input, Tensor vec2")
def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """The outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``.

    >>> import minitorch_conv as mt
    >>> mt.outer(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer

# ``mt.linalg`` is this module: torch.linalg's vector products, written in products.py (which
# uses dot and mm from here, so it is imported last)
from .products import linalg_cross as cross  # noqa: E402,F401
from .products import vecdot  # noqa: E402,F401
