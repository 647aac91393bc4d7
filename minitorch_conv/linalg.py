"""``mt.linalg``: PyTorch's ``torch.linalg`` namespace (norms, inverses, solvers, factorizations).

The Functions live in ``ops/decompositions.py`` (factorizations) and ``ops/linalg.py`` (products);
this module gathers them under PyTorch's names and adds the norms and the composite functions.
"""

from __future__ import annotations

import math

from .autograd.function import named_as
from .ops import reduction as _reduction
from .ops.decompositions import (  # noqa: F401
    LinAlgError,
    cholesky,
    cholesky_ex,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    pinv,
    qr,
    slogdet,
    solve,
    solve_ex,
    svd,
    svdvals,
)
from .ops.linalg import cross, matmul, vecdot  # noqa: F401
from .ops.shape import diagonal as _diagonal
from .tensor import Tensor

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv",
    "inv_ex", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv",
    "qr", "slogdet", "solve", "solve_ex", "svd", "svdvals", "vecdot", "vector_norm",
]

_INF = math.inf


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The vector ``ord``-norm of ``x`` over ``dim`` (every element by default), treating the
    elements as one flat vector: ``ord`` is any number, ``inf`` or ``-inf`` (0 counts non-zeros).

    >>> import minitorch_conv as mt
    >>> mt.linalg.vector_norm(mt.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor(5.)
    """
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    if isinstance(ord, (int, float)) and not isinstance(ord, bool) and (ord < 0 or 0 < ord < 1) \
            and ord != -_INF and isinstance(x, Tensor):
        from .ops.vector_norm import small_order_norm

        if dtype is not None:
            x = x.to(dtype)
        if x.dtype.is_floating_point and x.numel() and x.ndim:  # (checks, empty and 0-d: below)
            dims = (dim,) if isinstance(dim, int) else None if dim is None or not len(dim) else dim
            return small_order_norm(x, ord, dims, keepdim)
    return named_as(_reduction.norm(x, ord, dim, keepdim, dtype=dtype), "LinalgVectorNormBackward0")


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The matrix norm of each matrix over ``dim``: ``'fro'``, ``'nuc'``, ``inf``/``-inf`` (max/min
    row sum of ``|A|``), ``1``/``-1`` (max/min column sum), ``2``/``-2`` (largest/smallest
    singular value).

    >>> import minitorch_conv as mt
    >>> mt.linalg.matrix_norm(mt.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           + _reduction.scalar_type_name(A.dtype))
    dims = tuple(dim)
    if len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(map(str, dims)))
    d0, d1 = (d % A.ndim for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, {dims[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord not in ("nuc", 1, -1, 2, -2, _INF, -_INF):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in ("nuc", 2, -2):  # from the singular values, as PyTorch (so double backward works)
        from .ops.shape import movedim

        s = svdvals(movedim(A, (d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    # 1: max over columns of the column sums (sum over rows d0); inf: the row sums
    sum_dim, ext_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = A.abs().sum(sum_dim, keepdim=True)
    out = sums.amax(ext_dim, keepdim=True) if ord > 0 else sums.amin(ext_dim, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """PyTorch's ``torch.linalg.norm``: a matrix norm where ``dim`` is a 2-tuple, or where ``dim``
    is None, ``ord`` is given and ``A`` is 2-D; otherwise a vector norm (``ord=None``: 2-norm of
    the flattened input).

    >>> import minitorch_conv as mt
    >>> mt.linalg.norm(mt.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=float("inf"))
    tensor(7.)
    """
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    if isinstance(ord, str):  # a matrix norm over one dimension: matrix_norm's error
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values (absolute eigenvalues with ``hermitian=True``) above
    ``max(atol, rtol * largest)``, as int64.

    >>> import minitorch_conv as mt
    >>> mt.linalg.matrix_rank(mt.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    from .ops.decompositions import _check_matrix, _number, pinv_cutoff

    _check_matrix(A, "linalg.matrix_rank", square=bool(hermitian))
    xp = A.xp
    values = xp.abs(xp.linalg.eigvalsh(A._array)) if hermitian else xp.linalg.svd(A._array, compute_uv=False)
    cut = pinv_cutoff(xp, values, A.shape, _number(atol), _number(rtol))
    return A._new((values > cut).sum(axis=-1).astype(xp.int64))


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse; 0: the identity).

    >>> import minitorch_conv as mt
    >>> mt.linalg.matrix_power(mt.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1]} matrices")
    if n == 0:
        from .creation import eye
        from .ops.elementwise import where

        # the identity, written over a copy of A as PyTorch does (A gets a zero gradient)
        identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
        return named_as(where(A.new_ones((), dtype=bool), identity, A), "CopyBackwards")
    base = inv(A) if n < 0 else A
    result, power, n = None, base, abs(n)
    while n:  # square and multiply
        if n & 1:
            result = power if result is None else result @ power
        n >>= 1
        if n:
            power = power @ power
    return result


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices (the first may be 1-D, as may the last).

    >>> import minitorch_conv as mt
    >>> mt.linalg.multi_dot([mt.ones(2), mt.ones(2, 3), mt.ones(3)])
    tensor(6.)
    """
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        if t.ndim != 2 and not (t.ndim == 1 and i in (0, len(tensors) - 1)):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices over ``dim1, dim2`` (a view).

    >>> import minitorch_conv as mt
    >>> mt.linalg.diagonal(mt.eye(2))
    tensor([1., 1.])
    """
    return _diagonal(A, offset, dim1, dim2)
