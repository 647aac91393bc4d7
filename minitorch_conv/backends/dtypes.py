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
                "int32": "Int", "int16": "Short", "int8": "Char", "bool": "Bool", "uint8": "Byte"}

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


_INT64_MAX = 2**63 - 1


def check_storage(shape: tuple, dtype: DType) -> int:
    """The byte count of a contiguous tensor of ``shape`` and ``dtype``, or PyTorch's RuntimeError
    where it cannot be counted in 64 bits (its sizes multiplied in order, then the itemsize), or where
    a contiguous stride would pass int64.

    >>> check_storage((2, 3), DType("float32"))
    24
    >>> check_storage((2**62,), DType("float32"))
    Traceback (most recent call last):
    ...
    RuntimeError: Storage size calculation overflowed with sizes=[4611686018427387904]
    """
    total, overflowed = 1, False
    for size in shape:
        total *= size
        overflowed |= total >= 2**64
    nbytes = total * dtype.itemsize
    if overflowed or nbytes > _INT64_MAX:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    stride = 1
    for size in reversed(shape[1:]):
        stride *= max(size, 1)
        if stride > _INT64_MAX:
            raise RuntimeError("Stride calculation overflowed")
    return nbytes


def allocation_error(nbytes: int) -> RuntimeError:
    """PyTorch's RuntimeError for an allocation of ``nbytes`` that the machine refuses."""
    return RuntimeError(f"[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
                        f"memory: you tried to allocate {nbytes} bytes. Error code 12 "
                        "(Cannot allocate memory)")


_CONVERSION_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "int64_t",
                     "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t"}


def check_scalar_fits(value: Any, dtype: DType) -> Any:
    """``value`` as ``dtype`` stores it, or PyTorch's RuntimeError where the Python number cannot be
    stored in ``dtype``
    (``full``, ``masked_fill``): a float out of an integer dtype's range (NaN and infinities
    included), an int past the range (a negative int wraps into an unsigned dtype within its width),
    a finite float past float32's largest. Bool takes anything.

    >>> check_scalar_fits(-1.5, DType("int64")), check_scalar_fits(-1, DType("uint8"))
    (-1.5, 255)
    >>> check_scalar_fits(float("nan"), DType("int64"))
    Traceback (most recent call last):
    ...
    RuntimeError: value cannot be converted to type int64_t without overflow
    """
    name = dtype.name
    if name == "bool":
        return value if isinstance(value, complex) else bool(value)
    if isinstance(value, (bool, np.bool_)) or isinstance(value, complex):
        return value
    if name in ("float64", "float16"):  # float16's rounding to inf is not modelled
        return value
    if isinstance(value, (int, np.integer)):
        if name == "float32":
            return value
        info = np.iinfo(dtype.numpy)
        if info.min == 0 and value < 0 and -int(value) <= info.max:  # wraps, as a C cast does
            return int(value) % (int(info.max) + 1)
        fits = info.min <= int(value) <= info.max
    else:
        value = float(value)
        if name == "float32":
            fits = not np.isfinite(value) or abs(value) <= float(np.finfo(np.float32).max)
        else:
            info = np.iinfo(dtype.numpy)
            fits = float(info.min) <= value <= float(info.max)  # False for NaN
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_CONVERSION_NAMES[name]} without overflow")
    return value
