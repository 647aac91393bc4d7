"""Matrix functions and factorizations (``mt.linalg``'s inv, det, solve, cholesky, qr, eigh, svd),
batched over leading dimensions, forward through the backend's ``xp.linalg``.

Notation: ``A`` is ``(*, n, n)`` (``(*, m, n)`` for qr and svd), ``G`` the upstream gradient of an
output, ``X^T`` the transpose of the last two dimensions (``X.mT``), ``k = min(m, n)``.

Each backward is PyTorch's formula written with differentiable ops, so gradients of gradients work.
The factors a backward needs are kept from the forward (detached); when the backward itself is
being recorded (``create_graph=True``) they are recomputed differentiably from the saved input.
"""

from __future__ import annotations

from collections import namedtuple

from ..autograd.function import Function, named_as
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._util import broadcast_shapes, scalar_type_name
from .composite import tril, triu
from .joining import diag_embed
from .shape import diagonal


class LinAlgError(RuntimeError):
    """A matrix that the requested function cannot handle: singular, or not positive-definite
    (PyTorch's ``torch.linalg.LinAlgError``, a RuntimeError)."""


LinAlgError.__module__ = "minitorch_conv.linalg"


# ---------------------------------------------------------------------------- argument checks
def _check_float(a: Tensor, name: str, what: str = "input") -> None:
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as {what}. Got "
                           + scalar_type_name(a.dtype))


def _check_matrix(a: Tensor, name: str, square: bool = True, what: str = "A") -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument '{what}' must be Tensor, not {type(a).__name__}")
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    _check_float(a, name)


def _batch_prefix(array, index: int) -> str:
    return f"(Batch element {index}): " if array.ndim > 2 else ""


def _first_bad(xp, array, is_bad) -> int:
    """The flat batch index of the first matrix of ``array`` for which ``is_bad`` holds."""
    flat = array.reshape((-1,) + array.shape[-2:])
    for i in range(flat.shape[0]):
        if is_bad(flat[i]):
            return i
    return 0


def _zero_pivot(xp, m) -> int:
    """LAPACK getrf's ``info`` for ``m``: the (1-based) index of the first exactly zero diagonal
    element of ``U`` in the LU factorization with partial pivoting, 0 where there is none."""
    u = m.copy()
    n = u.shape[-1]
    first = 0
    for k in range(n):
        p = k + int(xp.argmax(xp.abs(u[k:, k])))
        if u[p, k] == 0:
            first = first or k + 1
            continue
        if p != k:
            u[[k, p]] = u[[p, k]]
        u[k + 1:, k:] -= xp.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return first


def _singular(xp, m) -> bool:
    try:
        xp.linalg.inv(m)
    except Exception:  # noqa: BLE001 - NumPy's LinAlgError
        return True
    return False


def _raise_singular(xp, array, name: str) -> None:
    i = _first_bad(xp, array, lambda m: _singular(xp, m))
    m = array.reshape((-1,) + array.shape[-2:])[i]
    raise LinAlgError(f"{name}: {_batch_prefix(array, i)}The diagonal element {_zero_pivot(xp, m) or 1} is "
                      "zero, the inversion could not be completed because the input matrix is singular.")


def _factor(ctx, compute, cached):
    """A factor for a backward: recomputed with a graph when the backward is recorded."""
    return compute() if is_grad_enabled() else cached


# ---------------------------------------------------------------------------- inverse
InvEx = namedtuple("InvEx", ["inverse", "info"])
SlogDet = namedtuple("SlogDet", ["sign", "logabsdet"])
QR = namedtuple("QR", ["Q", "R"])
Eigh = namedtuple("Eigh", ["eigenvalues", "eigenvectors"])
SVD = namedtuple("SVD", ["U", "S", "Vh"])


def _inverse_or_nan(xp, array):
    """The inverses, NaN for a singular matrix, and the flags of the singular ones."""
    try:
        return xp.linalg.inv(array), xp.zeros(array.shape[:-2], dtype=xp.int32)
    except Exception:  # noqa: BLE001 - NumPy raises for a singular matrix (CuPy returns NaN/inf)
        flat = array.reshape((-1,) + array.shape[-2:])
        out, info = xp.full(flat.shape, xp.nan, dtype=array.dtype), xp.zeros(flat.shape[0], dtype=xp.int32)
        for i in range(flat.shape[0]):
            try:
                out[i] = xp.linalg.inv(flat[i])
            except Exception:  # noqa: BLE001
                info[i] = _zero_pivot(xp, flat[i]) or 1
        return out.reshape(array.shape), info.reshape(array.shape[:-2])


class LinalgInvEx(Function):
    """``A^-1``; ``dA = -A^-T G A^-T``."""

    @staticmethod
    def forward(ctx, a, check_errors):
        inverse, info = _inverse_or_nan(a.xp, a._array)
        if check_errors and bool(info.any()):
            _raise_singular(a.xp, a._array, "linalg.inv")
        ctx.save_for_backward(a)
        ctx.inverse = a._new(inverse)
        return inverse, info

    @staticmethod
    def backward(ctx, grad, _grad_info):
        (a,) = ctx.saved_tensors
        inv_t = _factor(ctx, lambda: inv(a), ctx.inverse).mT
        return -(inv_t @ grad @ inv_t), None


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix of ``A`` (``(*, n, n)``); LinAlgError where one is singular.

    >>> import minitorch_conv as mt
    >>> mt.linalg.inv(mt.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_matrix(A, "linalg.inv")
    return LinalgInvEx.apply(A, True)[0]


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvEx:
    """``(inverse, info)``: ``info`` (int32) is 0 where a matrix was inverted and positive where it
    is singular (its inverse is then NaN); ``check_errors=True`` raises LinAlgError instead.

    >>> import minitorch_conv as mt
    >>> mt.linalg.inv_ex(mt.eye(2)).info
    tensor(0, dtype=minitorch_conv.int32)
    """
    _check_matrix(A, "linalg.inv_ex")
    return InvEx(*LinalgInvEx.apply(A, bool(check_errors)))


# ---------------------------------------------------------------------------- determinants
class LinalgDet(Function):
    """``det(A)``; ``dA = G det(A) A^-T``, written as the cofactor matrix ``U diag(prod_{j!=i}
    s_j) Vh * det(U Vh)`` from the SVD, which also holds for singular matrices."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.xp.linalg.det(a._array)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        g = grad.unsqueeze(-1).unsqueeze(-1)
        if is_grad_enabled():  # recorded: a differentiable (nonsingular) formula
            return g * det(a).unsqueeze(-1).unsqueeze(-1) * inv(a).mT
        xp = a.xp
        u, s, vh = xp.linalg.svd(a._array)
        # prod_{j != i} s_j: the product of the values before i times the product of those after
        ones = xp.ones_like(s[..., :1])
        before = xp.concatenate([ones, xp.cumprod(s, axis=-1)[..., :-1]], axis=-1)
        after = xp.flip(xp.concatenate([ones, xp.cumprod(xp.flip(s, -1), axis=-1)[..., :-1]], axis=-1), -1)
        others = before * after
        sign = xp.linalg.det(u) * xp.linalg.det(vh)
        cofactor = xp.matmul(u * others[..., None, :], vh) * sign[..., None, None]
        return g * a._new(cofactor)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix of ``A``.

    >>> import minitorch_conv as mt
    >>> mt.linalg.det(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    _check_matrix(A, "linalg.det")
    return LinalgDet.apply(A)


class LinalgSlogdet(Function):
    """``(sign, log|det A|)``; ``dA = G_logabsdet A^-T`` (the sign is piecewise constant)."""

    @staticmethod
    def forward(ctx, a):
        sign, logabsdet = a.xp.linalg.slogdet(a._array)
        ctx.save_for_backward(a)
        return sign.astype(a._array.dtype), logabsdet.astype(a._array.dtype)

    @staticmethod
    def backward(ctx, _grad_sign, grad):
        (a,) = ctx.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


def slogdet(A: Tensor) -> SlogDet:
    """``(sign, logabsdet)`` of each square matrix: ``det = sign * exp(logabsdet)``.

    >>> import minitorch_conv as mt
    >>> mt.linalg.slogdet(mt.tensor([[2.0, 0.0], [0.0, -3.0]])).sign
    tensor(-1.)
    """
    _check_matrix(A, "linalg.slogdet")
    return SlogDet(*LinalgSlogdet.apply(A))


def logdet(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``log(det(input))``: NaN for a negative determinant, ``-inf`` for zero.

    >>> import minitorch_conv as mt
    >>> mt.logdet(mt.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    from .elementwise import where

    _check_matrix(input, "logdet")
    sign, logabsdet = LinalgSlogdet.apply(input)
    nan = logabsdet.new_full((), float("nan"))
    return named_as(where(sign < 0, nan, logabsdet), "LogdetBackward0")


# ---------------------------------------------------------------------------- solve
class LinalgSolveEx(Function):
    """``X = A^-1 B`` (B ``(*, n, k)``); ``dB = A^-T G``, ``dA = -dB X^T``."""

    @staticmethod
    def forward(ctx, a, b, check_errors=True):
        xp = a.xp
        shape = tuple(broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        aa = xp.broadcast_to(a._array, shape + a.shape[-2:])
        bb = xp.broadcast_to(b._array, shape + b.shape[-2:])
        info = xp.zeros(shape, dtype=xp.int32)
        try:
            x = xp.linalg.solve(aa, bb)
        except Exception:  # noqa: BLE001
            if check_errors:
                raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                                  "singular.") from None
            inverse, info = _inverse_or_nan(xp, aa)  # NaN where singular, as the result there
            x = xp.matmul(inverse, bb)
        ctx.save_for_backward(a, b)
        ctx.x = a._new(x)
        return x, info

    @staticmethod
    def backward(ctx, grad, _grad_info=None):
        a, b = ctx.saved_tensors
        grad_b = _solve(a.mT, grad)
        x = _factor(ctx, lambda: _solve(a, b), ctx.x)
        grad_a = -(grad_b @ x.mT) if ctx.needs_input_grad[0] else None
        return grad_a, (grad_b if ctx.needs_input_grad[1] else None), None


def _solve(a: Tensor, b: Tensor) -> Tensor:
    return LinalgSolveEx.apply(a, b)[0]


SolveEx = namedtuple("SolveEx", ["result", "info"])


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``); ``B`` is a batch of
    vectors where it is 1-D or has ``A``'s shape without the last dimension.

    >>> import minitorch_conv as mt
    >>> mt.linalg.solve(mt.tensor([[2.0, 0.0], [0.0, 4.0]]), mt.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    return _solve_checked(A, B, left, True)[0]


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> SolveEx:
    """``(result, info)``: :func:`solve` that reports a singular ``A`` in ``info`` (int32, positive;
    its result is then NaN) instead of raising, unless ``check_errors=True``.

    >>> import minitorch_conv as mt
    >>> mt.linalg.solve_ex(mt.zeros(2, 2), mt.ones(2)).info
    tensor(1, dtype=minitorch_conv.int32)
    """
    return SolveEx(*_solve_checked(A, B, left, bool(check_errors)))


def _solve_checked(A: Tensor, B: Tensor, left: bool, check_errors: bool):
    _check_matrix(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_solve(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{scalar_type_name(A.dtype)} and B of type {scalar_type_name(B.dtype)} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector:
        B = B.unsqueeze(-1)
    if B.ndim < 2:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if left:
        out, info = LinalgSolveEx.apply(A, B, check_errors)
    else:  # X A = B is A^T X^T = B^T
        out, info = LinalgSolveEx.apply(A.mT, B.mT, check_errors)
        out = out.mT
    return (out.squeeze(-1) if vector else out), info


# ---------------------------------------------------------------------------- cholesky
class LinalgCholeskyEx(Function):
    """``L`` with ``A = L L^T``; ``dA = L^-T Phi L^-1``, ``Phi`` the symmetric matrix whose lower
    triangle is ``tril(L^T G)`` with its diagonal halved (PyTorch's ``cholesky_backward``)."""

    @staticmethod
    def forward(ctx, a, upper, check_errors=True):
        xp = a.xp
        try:
            low = xp.linalg.cholesky(a._array)
            failed = bool(xp.isnan(low).any())  # (a backend that returns NaN instead of raising)
        except Exception:  # noqa: BLE001
            failed = True
        info = xp.zeros(a.shape[:-2], dtype=xp.int32)
        if failed:
            if check_errors:
                _raise_not_pd(xp, a._array)
            flat = a._array.reshape((-1,) + a.shape[-2:])
            low = xp.full(flat.shape, xp.nan, dtype=flat.dtype)
            for i in range(flat.shape[0]):  # each matrix: its factor, or the failing minor's order
                order = _leading_minor(xp, flat[i])
                if order:
                    info.reshape(-1)[i] = order
                else:
                    low[i] = xp.linalg.cholesky(flat[i])
            low = low.reshape(a.shape)
        ctx.upper = upper
        ctx.save_for_backward(a)
        ctx.low = a._new(low)
        return (xp.swapaxes(low, -1, -2).copy() if upper else low), info

    @staticmethod
    def backward(ctx, grad, _grad_info=None):
        (a,) = ctx.saved_tensors
        low = _factor(ctx, lambda: LinalgCholeskyEx.apply(a, False)[0], ctx.low)
        if ctx.upper:
            grad = grad.mT
        t = tril(low.mT @ grad)
        phi = 0.5 * (t + tril(t, -1).mT)
        low_inv = inv(low)
        return low_inv.mT @ phi @ low_inv, None, None


def _raise_not_pd(xp, array) -> None:
    i = _first_bad(xp, array, lambda m: _leading_minor(xp, m) > 0)
    m = array.reshape((-1,) + array.shape[-2:])[i]
    raise LinAlgError(f"linalg.cholesky: {_batch_prefix(array, i)}The factorization could not be "
                      f"completed because the input is not positive-definite (the leading minor of order "
                      f"{_leading_minor(xp, m)} is not positive-definite).")


def _leading_minor(xp, m) -> int:
    """The order of the first leading minor of ``m`` that is not positive-definite (0: none)."""
    for k in range(1, m.shape[-1] + 1):
        try:
            low = xp.linalg.cholesky(m[:k, :k])
        except Exception:  # noqa: BLE001
            return k
        if bool(xp.isnan(low).any()):
            return k
    return 0


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor ``L`` (lower) of each symmetric positive-definite matrix, ``A = L L^T``
    (``U`` with ``A = U^T U`` where ``upper=True``). Only the lower triangle of ``A`` is read.

    >>> import minitorch_conv as mt
    >>> mt.linalg.cholesky(mt.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    _check_matrix(A, "linalg.cholesky")
    return LinalgCholeskyEx.apply(A, bool(upper))[0]


CholeskyEx = namedtuple("CholeskyEx", ["L", "info"])


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> CholeskyEx:
    """``(L, info)``: :func:`cholesky` that reports a matrix that is not positive-definite in
    ``info`` (int32: the order of its first leading minor that is not; its ``L`` is then NaN)
    instead of raising, unless ``check_errors=True``.

    >>> import minitorch_conv as mt
    >>> mt.linalg.cholesky_ex(mt.tensor([[1.0, 0.0], [0.0, -1.0]])).info
    tensor(2, dtype=minitorch_conv.int32)
    """
    _check_matrix(A, "linalg.cholesky_ex")
    return CholeskyEx(*LinalgCholeskyEx.apply(A, bool(upper), bool(check_errors)))


# ---------------------------------------------------------------------------- qr
class LinalgQr(Function):
    """``A = Q R``; PyTorch's ``linalg_qr_backward``."""

    @staticmethod
    def forward(ctx, a, mode):
        xp = a.xp
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(a._array, mode="r")
            return a._new(xp.empty((0,), dtype=a._array.dtype))._array, r
        q, r = xp.linalg.qr(a._array, mode=mode)
        ctx.save_for_backward(a)
        ctx.factors = (a._new(q), a._new(r))
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        (a,) = ctx.saved_tensors
        q, r = _factor(ctx, lambda: tuple(LinalgQr.apply(a, ctx.mode)), ctx.factors)
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        if grad_q is None and grad_r is None:
            return None, None
        if grad_q is None:
            g = grad_r @ r.mT
        elif grad_r is None:
            g = -(q.mT @ grad_q)
        else:
            g = grad_r @ r.mT - q.mT @ grad_q
        if m >= n:
            sym = triu(g)
            sym = sym + sym.mT
            sym = sym - diag_embed(diagonal(sym, 0, -2, -1) * 0.5)
            ga = q @ sym
            if grad_q is not None:
                ga = ga + grad_q
            return ga @ inv(r).mT, None  # (ga R^-T: PyTorch's triangular solve)
        x = -g
        skew = tril(x - x.mT)
        ga = q @ skew @ inv(r[..., :m]).mT
        from .shape import cat

        ga = cat([ga, ga.new_zeros(ga.shape[:-1] + (n - m,))], -1)
        if grad_r is not None:
            ga = ga + q @ grad_r
        return ga, None


def qr(A: Tensor, mode: str = "reduced") -> QR:
    """``(Q, R)`` with ``A = Q R``: ``Q`` orthonormal columns, ``R`` upper triangular; ``mode`` is
    ``'reduced'`` (``Q`` ``(*, m, k)``), ``'complete'`` (``(*, m, m)``) or ``'r'`` (Q empty).

    >>> import minitorch_conv as mt
    >>> mt.linalg.qr(mt.tensor([[3.0, 0.0], [4.0, 5.0]])).R.abs()
    tensor([[5., 4.],
            [0., 3.]])
    """
    _check_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           "(default), 'r', or 'complete'")
    return QR(*LinalgQr.apply(A, mode))


# ---------------------------------------------------------------------------- eigh
class LinalgEigh(Function):
    """``A = V diag(L) V^T`` for symmetric ``A``; PyTorch's ``linalg_eig_backward`` (hermitian)."""

    @staticmethod
    def forward(ctx, a, uplo):
        ctx.set_materialize_grads(False)
        w, v = a.xp.linalg.eigh(a._array, UPLO=uplo)
        ctx.save_for_backward(a)
        ctx.uplo = uplo
        ctx.factors = (a._new(w), a._new(v))
        return w, v

    @staticmethod
    def backward(ctx, grad_l, grad_v):
        (a,) = ctx.saved_tensors
        if grad_l is None and grad_v is None:
            return None, None
        w, v = _factor(ctx, lambda: tuple(LinalgEigh.apply(a, ctx.uplo)), ctx.factors)
        if grad_v is None:
            return (v * grad_l.unsqueeze(-2)) @ v.mT, None
        vhgv = v.mT @ grad_v
        vhgv = (vhgv - vhgv.mT) * 0.5
        e = w.unsqueeze(-2) - w.unsqueeze(-1) + diag_embed(w.new_ones(w.shape))
        ga = vhgv / e
        if grad_l is not None:
            ga = ga - diag_embed(diagonal(ga, 0, -2, -1)) + diag_embed(grad_l)
        return v @ ga @ v.mT, None


def _check_uplo(uplo: str, name: str) -> str:
    if uplo not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return uplo.upper()


def eigh(A: Tensor, UPLO: str = "L") -> Eigh:  # noqa: N803 - PyTorch's name
    """``(eigenvalues, eigenvectors)`` of symmetric matrices, eigenvalues ascending; only the
    triangle ``UPLO`` of ``A`` is read.

    >>> import minitorch_conv as mt
    >>> mt.linalg.eigh(mt.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
    """
    _check_matrix(A, "linalg.eigh")
    return Eigh(*LinalgEigh.apply(A, _check_uplo(UPLO, "linalg.eigh")))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of symmetric matrices, ascending.

    >>> import minitorch_conv as mt
    >>> mt.linalg.eigvalsh(mt.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    _check_matrix(A, "linalg.eigvalsh")
    return named_as(LinalgEigh.apply(A, _check_uplo(UPLO, "linalg.eigvalsh"))[0], "LinalgEighBackward0")


# ---------------------------------------------------------------------------- svd
class LinalgSvd(Function):
    """``A = U diag(S) Vh``; PyTorch's ``svd_backward`` (real case)."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        ctx.set_materialize_grads(False)
        u, s, vh = a.xp.linalg.svd(a._array, full_matrices=full_matrices)
        ctx.save_for_backward(a)
        ctx.full = full_matrices
        ctx.factors = (a._new(u), a._new(s), a._new(vh))
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        (a,) = ctx.saved_tensors
        if gu is None and gs is None and gvh is None:
            return None, None
        u, s, vh = _factor(ctx, lambda: tuple(LinalgSvd.apply(a, ctx.full)), ctx.factors)
        if ctx.full:
            k = s.shape[-1]
            u, vh = u[..., :k], vh[..., :k, :]
            gu = gu[..., :k] if gu is not None else None
            gvh = gvh[..., :k, :] if gvh is not None else None
        m, n = u.shape[-2], vh.shape[-1]
        if gu is None and gvh is None:
            return (u @ (gs.unsqueeze(-1) * vh) if m >= n else (u * gs.unsqueeze(-2)) @ vh), None
        uhgu = (u.mT @ gu) if gu is not None else None
        uhgu = uhgu - uhgu.mT if uhgu is not None else None
        vhgv = (vh @ gvh.mT) if gvh is not None else None
        vhgv = vhgv - vhgv.mT if vhgv is not None else None
        s2 = s * s
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + diag_embed(s.new_ones(s.shape))
        if uhgu is not None and vhgv is not None:
            ga = (uhgu * s.unsqueeze(-2) + s.unsqueeze(-1) * vhgv) / e
        elif uhgu is not None:
            ga = (uhgu / e) * s.unsqueeze(-2)
        else:
            ga = s.unsqueeze(-1) * (vhgv / e)
        if gs is not None:
            ga = ga + diag_embed(gs)
        if m > n and gu is not None:
            ga = u @ ga
            gu_sinv = gu / s.unsqueeze(-2)
            ga = ga + gu_sinv - u @ (u.mT @ gu_sinv)
            return ga @ vh, None
        if m < n and gvh is not None:
            ga = ga @ vh
            sinv_gvh = gvh / s.unsqueeze(-1)
            ga = ga + sinv_gvh - (sinv_gvh @ vh.mT) @ vh
            return u @ ga, None
        return (u @ (ga @ vh) if m >= n else (u @ ga) @ vh), None


def svd(A: Tensor, full_matrices: bool = True) -> SVD:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, ``S`` descending; ``full_matrices=False`` gives
    the reduced factors (``U`` ``(*, m, k)``, ``Vh`` ``(*, k, n)``).

    >>> import minitorch_conv as mt
    >>> mt.linalg.svd(mt.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    _check_matrix(A, "linalg.svd", square=False)
    return SVD(*LinalgSvd.apply(A, bool(full_matrices)))


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix, descending.

    >>> import minitorch_conv as mt
    >>> mt.linalg.svdvals(mt.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    _check_matrix(A, "linalg.svdvals", square=False)
    return named_as(LinalgSvd.apply(A, False)[1], "LinalgSvdBackward0")


# ---------------------------------------------------------------------------- pseudo-inverse
def pinv_cutoff(xp, values, shape, atol, rtol):
    """``max(atol, rtol * max|value|)`` per matrix (``rtol``: ``eps * max(m, n)`` unless ``atol``
    is given and positive), as PyTorch's pinv and matrix_rank."""
    eps = float(xp.finfo(values.dtype).eps)
    if rtol is None:
        rtol = eps * max(shape[-2], shape[-1]) if atol is None or atol <= 0 else 0.0
    largest = xp.abs(values).max(axis=-1, keepdims=True) if values.shape[-1] else xp.zeros(
        values.shape[:-1] + (1,), dtype=values.dtype)
    cut = largest * xp.asarray(rtol, dtype=values.dtype)
    return cut if atol is None else xp.maximum(cut, xp.asarray(atol, dtype=values.dtype))


class LinalgPinv(Function):
    """The Moore-Penrose pseudo-inverse ``A^+``; PyTorch's ``pinv_backward`` (Golub and Pereyra's
    formula, which holds where the rank is locally constant)."""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp, arr = a.xp, a._array
        if hermitian:
            w, v = xp.linalg.eigh(arr)
            keep = xp.abs(w) > pinv_cutoff(xp, w, arr.shape, atol, rtol)
            w_inv = xp.where(keep, 1 / xp.where(keep, w, 1), 0)
            out = xp.matmul(v * w_inv[..., None, :], xp.swapaxes(v, -1, -2))
        else:
            u, s, vh = xp.linalg.svd(arr, full_matrices=False)
            keep = s > pinv_cutoff(xp, s, arr.shape, atol, rtol)
            s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
            out = xp.matmul(xp.swapaxes(vh, -1, -2) * s_inv[..., None, :], xp.swapaxes(u, -1, -2))
        ctx.save_for_backward(a)
        ctx.args = (atol, rtol, hermitian)
        ctx.pinv = a._new(out.astype(arr.dtype))
        return out.astype(arr.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        p = _factor(ctx, lambda: LinalgPinv.apply(a, *ctx.args), ctx.pinv)
        p_t, g_t = p.mT, grad.mT
        if a.shape[-2] <= a.shape[-1]:
            k = g_t @ p
            k_p_t = k @ p_t
            ga = -(p @ k).mT + k_p_t - (a @ p) @ k_p_t + (p_t @ p) @ (g_t - k @ a)
        else:
            k = p @ g_t
            p_t_k = p_t @ k
            ga = -(k @ p).mT + (g_t - a @ k) @ p @ p_t + p_t_k - p_t_k @ p @ a
        return ga, None, None, None


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse: singular values (eigenvalues with ``hermitian=True``, which
    reads the lower triangle) at most ``max(atol, rtol * largest)`` count as zero; ``rtol``
    defaults to ``eps * max(m, n)`` where ``atol`` is not given.

    >>> import minitorch_conv as mt
    >>> mt.linalg.pinv(mt.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    if not isinstance(A, Tensor) or A.ndim < 2 or not A.dtype.is_floating_point:
        shape = list(A.shape) if isinstance(A, Tensor) else "?"
        kind = scalar_type_name(A.dtype) if isinstance(A, Tensor) else type(A).__name__
        raise RuntimeError(f"linalg.pinv({kind}{{{shape}}}): expected a tensor with 2 or more dimensions of "
                           "float, double, cfloat or cdouble types")
    if hermitian:
        _check_matrix(A, "linalg.pinv")
    return LinalgPinv.apply(A, _number(atol), _number(rtol), bool(hermitian))


def _number(value):
    if isinstance(value, Tensor):  # (a 0-d tolerance)
        return value.item()
    return value


# ---------------------------------------------------------------------------- least squares
Lstsq = namedtuple("Lstsq", ["solution", "residuals", "rank", "singular_values"])

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None) -> Lstsq:
    """The least-squares solution ``X`` of ``A X = B`` (the minimum-norm one where ``A`` is rank
    deficient: ``pinv(A) @ B``, singular values at most ``rcond * largest`` dropped), with
    PyTorch's other outputs per ``driver`` (``'gelsy'`` by default, ``'gels'`` on a GPU): the
    squared residuals (drivers other than gelsy, ``m > n`` and full rank; else empty), the rank
    (not for gels) and the singular values (gelsd, gelss). ``B`` may be a batch of vectors.

    >>> import minitorch_conv as mt
    >>> mt.linalg.lstsq(mt.tensor([[2.0], [0.0]]), mt.tensor([[4.0], [1.0]])).solution
    tensor([[2.]])
    """
    _check_matrix(A, "torch.linalg.lstsq", square=False)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lstsq(): argument 'b' (position 2) must be Tensor, not {type(B).__name__}")
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {scalar_type_name(A.dtype)} and other's dtype "
                           f"{scalar_type_name(B.dtype)}")
    if driver is None:
        driver = "gels" if A.device.type == "cuda" else "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    if vector:
        B = B.unsqueeze(-1)
    if B.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    if A.shape[-2] != B.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match "
                           f"other.size(-{1 if vector else 2})")
    m, n = A.shape[-2], A.shape[-1]
    eps = float(A.xp.finfo(A._array.dtype).eps)
    rtol = eps * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    pinv_a = LinalgPinv.apply(A, None, rtol, False)
    solution = named_as(pinv_a @ B, "LinalgLstsqBackward0")
    values = A.xp.linalg.svd(A._array, compute_uv=False)
    rank_array = (values > pinv_cutoff(A.xp, values, A.shape, None, rtol)).sum(axis=-1).astype(A.xp.int64)
    empty = A.new_zeros((0,))
    residuals = named_as(A.reshape(-1)[:0] + B.reshape(-1)[:0], "LinalgLstsqBackward0")
    if driver != "gelsy" and m > n and bool((rank_array == n).all()):
        residuals = named_as(((A @ solution - B) ** 2).sum(-2), "LinalgLstsqBackward0")
    rank = A._new(rank_array) if driver != "gels" else A._new(A.xp.zeros((0,), dtype=A.xp.int64))
    singular_values = A._new(values) if driver in ("gelsd", "gelss") else empty
    return Lstsq(solution.squeeze(-1) if vector else solution, residuals, rank, singular_values)


# ---------------------------------------------------------------------------- torch.* spellings
def inverse(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.inverse``: :func:`inv` under its older name.

    >>> import minitorch_conv as mt
    >>> mt.inverse(mt.tensor([[4.0]]))
    tensor([[0.2500]])
    """
    return inv(input)


SVDLegacy = namedtuple("SVD", ["U", "S", "V"])


def legacy_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> SVDLegacy:  # noqa: A002
    """``torch.svd``: ``(U, S, V)`` with ``input = U diag(S) V^T`` (``V``, not ``Vh``); ``some``
    gives the reduced factors. With ``compute_uv=False``, ``U`` and ``V`` are zero ``(m, m)`` and
    ``(n, n)`` matrices.

    >>> import minitorch_conv as mt
    >>> mt.svd(mt.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    _check_matrix(input, "linalg.svd", square=False)
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        s = svdvals(input)
        return SVDLegacy(input.new_zeros(input.shape[:-2] + (m, m)), s,
                         input.new_zeros(input.shape[:-2] + (n, n)))
    u, s, vh = LinalgSvd.apply(input, not some)
    return SVDLegacy(u, s, vh.mT)


class Cholesky(LinalgCholeskyEx):
    """``torch.cholesky``'s node (``CholeskyBackward0``): the same factor and gradient."""


def legacy_cholesky(input: Tensor, upper: bool = False) -> Tensor:  # noqa: A002
    """``torch.cholesky`` (deprecated in PyTorch for :func:`mt.linalg.cholesky`).

    >>> import minitorch_conv as mt
    >>> mt.cholesky(mt.tensor([[4.0]]))
    tensor([[2.]])
    """
    _check_matrix(input, "cholesky")
    return Cholesky.apply(input, bool(upper))[0]


METHODS = {  # Tensor methods (bound in methods.py)
    "inverse": inverse, "det": det, "logdet": logdet, "slogdet": slogdet, "svd": legacy_svd,
    "cholesky": legacy_cholesky,
}
