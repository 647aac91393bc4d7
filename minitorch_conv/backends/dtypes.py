"""Data types: a small named wrapper over NumPy's dtypes, printed the way PyTorch prints them."""

from __future__ import annotations

from typing import Any

import numpy as np


class DType:
    """A tensor element type such as ``minitorch_conv.float32``.

    >>> import minitorch_conv as mt
    >>> mt.tensor([1.0]).dtype
    minitorch_conv.float32
    """

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name: str):
        self.name = name
        self.numpy = np.dtype(name)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"minitorch_conv.{self.name}"

    def __reduce__(self):  # copy/deepcopy return the same singleton
        return (to_dtype, (self.name,))


float16 = DType("float16")
float32 = DType("float32")
float64 = DType("float64")
int8 = DType("int8")
int16 = DType("int16")
int32 = DType("int32")
int64 = DType("int64")
uint8 = DType("uint8")
bool_ = DType("bool")

_BY_NAME = {d.name: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)}
_ALIASES = {"half": float16, "float": float32, "double": float64, "long": int64, "int": int32}
_BY_NUMPY = {d.numpy: d for d in _BY_NAME.values()}  # the fast path: Tensor.dtype of an array

# PyTorch's C++ names, used in error messages that mirror PyTorch's ("expected scalar type Double").
CPP_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
             "int32": "int", "bool": "bool", "uint8": "unsigned char"}
SCALAR_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long",
                "int32": "Int", "bool": "Bool", "uint8": "Byte"}

_default_dtype = float32


def to_dtype(value: Any) -> DType:
    """Normalise a DType, a NumPy dtype or type, or a name such as ``'float64'`` to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, np.dtype) and value in _BY_NUMPY:
        return _BY_NUMPY[value]
    if isinstance(value, str) and value in _ALIASES:
        return _ALIASES[value]
    try:
        name = np.dtype(value).name
    except TypeError:
        raise TypeError(f"dtype must be a minitorch_conv dtype, got {value!r}") from None
    if name not in _BY_NAME:
        raise TypeError(f"unsupported dtype {name}")
    return _BY_NAME[name]


def get_default_dtype() -> DType:
    """The dtype that Python floats and float factory functions get (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the default floating dtype (float32 or float64), like ``torch.set_default_dtype``."""
    global _default_dtype
    dtype = to_dtype(dtype)
    if not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_dtype = dtype


def promote_types(a: DType, b: DType) -> DType:
    """The dtype an operation on tensors of dtypes ``a`` and ``b`` computes in.

    As in PyTorch, an integer or bool meeting a floating type gives that floating type
    (int64 + float32 is float32, where NumPy would say float64).
    """
    if a.is_floating_point != b.is_floating_point:
        return a if a.is_floating_point else b
    return to_dtype(np.promote_types(a.numpy, b.numpy))
