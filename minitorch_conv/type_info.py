"""What a dtype can hold, and how dtypes combine: ``finfo``, ``iinfo``, ``promote_types``,
``result_type``, ``can_cast`` (PyTorch's functions of these names).

>>> import minitorch_conv as mt
>>> mt.finfo(mt.float32).eps, mt.iinfo(mt.int8).max
(1.1920928955078125e-07, 127)
>>> mt.promote_types(mt.int32, mt.float16), mt.result_type(mt.tensor([1]), 1.0)
(minitorch_conv.float16, minitorch_conv.float32)
"""

from __future__ import annotations

import numpy as np

from .backends import bool_, get_default_dtype, int64, promote_types, to_dtype
from .backends.dtypes import DType

__all__ = ["finfo", "iinfo", "promote_types", "result_type", "can_cast"]


def _dtype_name(dtype) -> str:
    return f"torch.{dtype.name}" if isinstance(dtype, DType) else str(dtype)


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating-point dtype (the default dtype when none is given): ``bits``,
    ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution``."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's name
        dtype = get_default_dtype() if type is None else type
        if not isinstance(dtype, DType) or not dtype.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(dtype.numpy)
        self.dtype = dtype.name
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)  # a Python float, as PyTorch gives it

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """The limits of an integer dtype: ``bits``, ``max``, ``min``."""

    def __init__(self, type):  # noqa: A002 - PyTorch's name
        if type is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, DType) or type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(type.numpy)
        self.dtype = type.name
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def result_type(tensor1, tensor2):
    """The dtype an arithmetic operation on ``tensor1`` and ``tensor2`` (tensors or numbers)
    gives: PyTorch's promotion, where a number or a 0-d tensor sets the kind only.

    >>> import minitorch_conv as mt
    >>> mt.result_type(mt.tensor([1], dtype=mt.int8), mt.tensor(1000)), mt.result_type(2, 3.0)
    (minitorch_conv.int8, minitorch_conv.float32)
    """
    def category(value) -> int:
        dtype = value.dtype if hasattr(value, "dtype") else None
        if dtype is not None:
            return 2 if dtype.is_floating_point else (0 if dtype is bool_ else 1)
        return 0 if isinstance(value, bool) else (1 if isinstance(value, int) else 2)

    def dtype_of(value):
        if hasattr(value, "dtype"):
            return value.dtype
        if isinstance(value, bool):
            return bool_
        return int64 if isinstance(value, int) else get_default_dtype()

    def rank(value) -> int:  # 2: a tensor with dimensions, 1: a 0-d tensor, 0: a number
        return (2 if value.ndim else 1) if hasattr(value, "ndim") else 0

    ranks = (rank(tensor1), rank(tensor2))
    top = max(ranks)
    common = None
    for value, r in zip((tensor1, tensor2), ranks):
        if r == top:
            common = dtype_of(value) if common is None else promote_types(common, dtype_of(value))
    lower = [v for v, r in zip((tensor1, tensor2), ranks) if r < top]
    if lower and category(lower[0]) > (2 if common.is_floating_point else (0 if common is bool_ else 1)):
        other = dtype_of(lower[0])
        if category(lower[0]) == 2:
            return get_default_dtype() if rank(lower[0]) == 0 else other
        return int64 if rank(lower[0]) == 0 else other
    return common


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` without losing the kind: no
    floating to integer, no non-bool to bool.

    >>> import minitorch_conv as mt
    >>> mt.can_cast(mt.float32, mt.int32), mt.can_cast(mt.int32, mt.float16)
    (False, True)
    """
    source, target = to_dtype(from_), to_dtype(to)
    if source.is_floating_point and not target.is_floating_point:
        return False
    return not (source is not bool_ and target is bool_)
