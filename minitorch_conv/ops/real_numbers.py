"""What PyTorch's complex-number functions do to real tensors (minitorch_conv has only real ones).

``real(x)``, ``conj(x)``, ``resolve_conj(x)``, ``resolve_neg(x)`` return ``x`` itself, as
PyTorch does for a real tensor; ``conj_physical(x)`` is a copy; ``imag(x)`` is PyTorch's
RuntimeError; ``angle(x)`` is pi for negative numbers and 0 otherwise (NaN stays NaN), with a zero
gradient; ``x.mH`` and ``x.H`` are the (conjugate) transposes, ``x.mT`` and ``x.T`` here.

>>> import minitorch_conv as mt
>>> x = mt.tensor([-1.0, 0.0, 2.0])
>>> mt.real(x) is x, mt.angle(x)
(True, tensor([3.1416, 0.0000, 0.0000]))
"""

from __future__ import annotations

import math

from ..tensor import Tensor

__all__ = ["real", "conj", "conj_physical", "resolve_conj", "resolve_neg", "imag", "angle", "is_conj",
           "is_neg", "METHODS"]


def _tensor(input, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def real(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """A real tensor itself."""
    return _tensor(input, "real")


def conj(input: Tensor) -> Tensor:  # noqa: A002
    """A real tensor itself (its conjugate)."""
    return _tensor(input, "conj")


def resolve_conj(input: Tensor) -> Tensor:  # noqa: A002
    return _tensor(input, "resolve_conj")


def resolve_neg(input: Tensor) -> Tensor:  # noqa: A002
    return _tensor(input, "resolve_neg")


def conj_physical(input: Tensor) -> Tensor:  # noqa: A002
    """A copy of a real tensor (PyTorch's conjugate in memory of its own)."""
    return _tensor(input, "conj_physical").clone()


def imag(input: Tensor) -> Tensor:  # noqa: A002
    _tensor(input, "imag")
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def is_conj(input: Tensor) -> bool:  # noqa: A002
    """False: a real tensor never carries a lazy conjugation."""
    _tensor(input, "is_conj")
    return False


def is_neg(input: Tensor) -> bool:  # noqa: A002
    """False: a real tensor never carries a lazy negation."""
    _tensor(input, "is_neg")
    return False


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """pi where ``input`` is negative, 0 elsewhere, NaN where it is NaN; integers give floats."""
    x = _tensor(input, "angle")
    if not x.dtype.is_floating_point:
        x = x.float()
    negative = (x < 0).to(x.dtype) * math.pi  # no graph: the gradient is zero
    return x.where(x.isnan(), negative)  # NaN stays NaN


METHODS = {"conj": conj, "conj_physical": conj_physical, "resolve_conj": resolve_conj,
           "resolve_neg": resolve_neg, "angle": angle, "is_conj": is_conj, "is_neg": is_neg}
