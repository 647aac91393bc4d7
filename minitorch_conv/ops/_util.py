"""Helpers shared by the op modules: turning operands into tensors of one dtype and device."""

from __future__ import annotations

import numbers

from ..backends import get_default_dtype, int64, promote_types
from ..backends.base import NO_CONTEXT
from ..tensor import Tensor
from .conversion import ToCopy

_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                      "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def scalar_type_name(dtype) -> str:
    """PyTorch's C++ name of a dtype (``Float``, ``Double``, ``Long``...), as its messages print it."""
    return _SCALAR_TYPE_NAMES.get(dtype.name, dtype.name)


def check_same_device(*tensors: Tensor) -> None:
    """PyTorch's RuntimeError unless every tensor in ``tensors`` is on one device."""
    devices = [t.device for t in tensors if isinstance(t, Tensor)]
    for d in devices[1:]:
        if d != devices[0]:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{devices[0]} and {d}!"
            )


def on_one_device(*tensors):
    """``tensors`` on one device, as PyTorch's element-wise operations take them: a 0-d tensor on
    the CPU (a number in tensor form) joins the others' device; any other mix of devices is
    PyTorch's RuntimeError. Entries that are not tensors pass through unchanged."""
    placed = [t for t in tensors if isinstance(t, Tensor) and not (t.ndim == 0 and t.device.type == "cpu")]
    if not placed:
        return tensors
    check_same_device(*placed)
    device, backend = placed[0].device, placed[0].backend
    return tuple(ToCopy.apply(t, t.dtype, backend) if isinstance(t, Tensor) and t.device != device else t
                 for t in tensors)


def _scalar_dtype(value, like: Tensor):
    """The dtype a Python/NumPy scalar takes next to ``like`` (PyTorch's promotion for scalars)."""
    if isinstance(value, bool):
        return like.dtype
    if isinstance(value, int) or getattr(value, "dtype", None) is not None and value.dtype.kind in "iu":
        return int64 if like.dtype.name == "bool" else like.dtype  # an int raises a bool tensor to int64
    if like.dtype.is_floating_point:
        return like.dtype  # float scalars never widen a float tensor (no float64 up-cast)
    return get_default_dtype()


def _scalar_as(value, like: Tensor):
    """A Python int as PyTorch casts it into ``like``'s integer dtype: within int64/uint64 it wraps
    around the dtype's width (C's cast: ``uint8 tensor == -1`` compares with 255); past both it is
    an OverflowError."""
    if type(value) is not int:
        return value
    if value >= 2**64:
        raise OverflowError("int too big to convert")
    if value < -2**63:
        raise OverflowError("can't convert negative int to unsigned")
    dtype = _scalar_dtype(value, like)
    if dtype.is_floating_point or dtype.name == "bool":
        return value
    bits = 8 * dtype.itemsize
    low = 0 if dtype.name == "uint8" else -(2 ** (bits - 1))
    return (value - low) % 2**bits + low


def _category(dtype) -> int:
    """PyTorch's dtype categories, lowest first: bool, integers, floating point."""
    return 0 if dtype.name == "bool" else 2 if dtype.is_floating_point else 1


def result_dtype(a: Tensor, b: Tensor):
    """PyTorch's promotion: a 0-d tensor gives way to a dimensioned one, unless its category is
    higher (an int64 0-d tensor next to a bool tensor, a float one next to integers): then its dtype
    is the result's (a Python number has become a 0-d tensor of its category's default dtype)."""
    if a.dtype is b.dtype:
        return a.dtype
    if (a.ndim == 0) != (b.ndim == 0):
        dimmed, scalar = (b, a) if a.ndim == 0 else (a, b)
        return scalar.dtype if _category(scalar.dtype) > _category(dimmed.dtype) else dimmed.dtype
    return promote_types(a.dtype, b.dtype)


def is_operand(value) -> bool:
    """Tensors, numbers and arrays; not lists, strings or None (PyTorch refuses those too)."""
    return isinstance(value, (Tensor, numbers.Number)) or hasattr(value, "dtype")


def broadcast_shapes(*shapes) -> tuple:
    """NumPy's broadcast of ``shapes``, with PyTorch's RuntimeError where they do not broadcast."""
    result = ()
    for shape in shapes:
        shape = tuple(shape)
        ndim = max(len(result), len(shape))
        a, b = (1,) * (ndim - len(result)) + result, (1,) * (ndim - len(shape)) + shape
        for dim in reversed(range(ndim)):  # PyTorch reports the last mismatching dimension
            x, y = a[dim], b[dim]
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                    f"non-singleton dimension {dim}"
                )
        result = tuple(y if x == 1 else x for x, y in zip(a, b))
    return result


def _scalar_tensor(value, like: Tensor, dtype) -> Tensor:
    """A Python number as a 0-d tensor of ``dtype`` on ``like``'s device (``like.new_tensor``
    without its argument handling: this runs for every ``tensor * 2``)."""
    backend = like._backend
    context = backend.device_context()
    if context is NO_CONTEXT:
        return Tensor(backend.xp.array(value, dtype=dtype.numpy), backend=backend)
    with context:
        return Tensor(backend.xp.array(value, dtype=dtype.numpy), backend=backend)


def binary_operands(a, b, *, broadcast: bool = True) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype on one device; Python scalars become 0-d tensors.

    With ``broadcast`` (element-wise operations) their shapes must broadcast together.
    """
    for value in (a, b):
        if not is_operand(value):
            raise TypeError(
                f"unsupported operand type(s): '{type(a).__name__}' and '{type(b).__name__}'; "
                "expected Tensors or numbers"
            )
    if not isinstance(a, Tensor):
        a = _scalar_tensor(_scalar_as(a, b), b, _scalar_dtype(a, b))
    elif not isinstance(b, Tensor):
        b = _scalar_tensor(_scalar_as(b, a), a, _scalar_dtype(b, a))
    elif a.device != b.device:
        a, b = on_one_device(a, b)
    if broadcast and a.ndim and b.ndim and a.shape != b.shape:  # (0-d operands always broadcast)
        broadcast_shapes(a.shape, b.shape)
    dtype = result_dtype(a, b)
    if a.dtype is not dtype:
        a = a.to(dtype)
    if b.dtype is not dtype:
        b = b.to(dtype)
    return a, b


def normalize_dims(dim, ndim: int) -> tuple[int, ...]:
    """``dim`` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        rank = max(ndim, 1)
        if not -rank <= d < rank:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {d})"
            )
        d = d % rank if ndim else 0
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out))
