"""Moving a tensor to another dtype or device, differentiably (the gradient moves back)."""

from __future__ import annotations

from .._arguments import convert, parse_args
from ..autograd.function import Function, named_as
from ..backends import Device, get_backend, to_dtype
from ..tensor import Tensor


def transfer_array(array, source, target):
    """``array`` from backend ``source`` as an array of backend ``target``."""
    if source is target:
        return array
    if target.device.type == "cpu":
        return source.to_numpy(array)
    return target.asarray(array)


class ToCopy(Function):
    @staticmethod
    def forward(ctx, a, dtype, backend):
        ctx.source = (a.dtype, a.backend)
        with backend.device_context():  # the copy is made on the target GPU, not the current one
            array = transfer_array(a._array, a.backend, backend)
            if array.dtype != dtype.numpy:
                array = array.astype(dtype.numpy)
            elif array is a._array:
                array = array.copy()
        return Tensor(array, backend=backend)

    @staticmethod
    def backward(ctx, grad):
        dtype, backend = ctx.source
        return ToCopy.apply(grad, dtype, backend), None, None


def to(tensor: Tensor, *args, **kwargs) -> Tensor:
    """``tensor.to(device)``, ``.to(dtype)``, ``.to(device, dtype)`` or ``.to(other_tensor)``.

    Returns ``tensor`` itself when nothing changes (unless ``copy=True``), as PyTorch does.
    """
    device, dtype, copy = _parse_to_args(tensor, args, dict(kwargs))
    backend = tensor.backend if device is None else get_backend(device)
    dtype = tensor.dtype if dtype is None else to_dtype(dtype)
    if backend is tensor.backend and dtype is tensor.dtype and not copy:
        return tensor
    return ToCopy.apply(tensor, dtype, backend)


def _parse_to_args(tensor, args, kwargs):
    device = convert("Device?", kwargs.pop("device", None), "to", "device")
    dtype = convert("ScalarType?", kwargs.pop("dtype", None), "to", "dtype")
    convert("bool", kwargs.pop("non_blocking", False), "to", "non_blocking")
    copy = convert("bool", kwargs.pop("copy", False), "to", "copy")
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    keyword_dtype = dtype
    for position, arg in enumerate(args):
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, (str, Device)):  # a string is always a device: to("float32") is refused
            device = Device(arg)
        elif isinstance(arg, bool):
            if position == 0:  # PyTorch reads a leading Python bool as its type: dtype bool
                dtype = bool
            # later ones are the non_blocking / copy flags given positionally
        elif isinstance(arg, int):
            if not -2**63 <= arg < 2**63:
                raise ValueError("Overflow when unpacking long long")
            if arg < 0:
                raise RuntimeError("Device index must not be negative")
            device = Device("cuda", arg)
        elif isinstance(arg, float):
            dtype = float  # PyTorch reads a Python float as its type: float64
        elif arg is not None:
            dtype = arg
    given_tensor = any(isinstance(a, Tensor) for a in args)
    if keyword_dtype is not None and dtype is not keyword_dtype and not given_tensor:
        raise TypeError("to() received an invalid combination of arguments - got a dtype both positionally "
                        "and as the keyword 'dtype'")
    return device, dtype, copy


@parse_args("Tensor input, *, object memory_format")
def clone(tensor: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``tensor`` in new memory, in the graph (its gradient flows back unchanged).

    >>> import minitorch_conv as mt
    >>> x = mt.ones(2, requires_grad=True)
    >>> y = mt.clone(x)
    >>> y.data_ptr() != x.data_ptr(), y.grad_fn
    (True, <CloneBackward0 object>)
    """
    return named_as(to(tensor, copy=True), "CloneBackward0")


def cpu(tensor: Tensor) -> Tensor:
    return to(tensor, "cpu")


def cuda(tensor: Tensor, device=None) -> Tensor:
    """``tensor.cuda()``, ``.cuda(1)`` or ``.cuda('cuda:1')``."""
    if not isinstance(device, (str, Device)):
        device = Device("cuda", device)
    return to(tensor, device)


@parse_args("Tensor input, Tensor other")
def type_as(tensor: Tensor, other: Tensor) -> Tensor:
    return to(tensor, other.dtype)


def _caster(name):
    def cast(tensor: Tensor) -> Tensor:
        return to(tensor, to_dtype(name))

    cast.__name__ = name
    cast.__doc__ = f"This tensor as {name} (itself if it already is)."
    return cast


CASTS = {"float": _caster("float32"), "double": _caster("float64"), "half": _caster("float16"),
         "long": _caster("int64"), "int": _caster("int32"), "bool": _caster("bool"),
         "short": _caster("int16"), "char": _caster("int8"), "byte": _caster("uint8")}


_TYPE_STRINGS = {"Float": "float32", "Double": "float64", "Half": "float16", "Long": "int64", "Int": "int32",
                 "Short": "int16", "Char": "int8", "Byte": "uint8", "Bool": "bool"}


def tensor_type(tensor: Tensor, dtype=None, non_blocking: bool = False, **kwargs):
    """``Tensor.type``: ``tensor.type()`` is PyTorch's type string (``'torch.FloatTensor'``);
    ``tensor.type(dtype)`` or ``tensor.type('torch.cuda.DoubleTensor')`` is this tensor cast (and
    moved) to that type, or itself when it already is.

    >>> import minitorch_conv as mt
    >>> x = mt.ones(2)
    >>> x.type()
    'torch.FloatTensor'
    >>> x.type(mt.float64).dtype, x.type("torch.LongTensor")
    (minitorch_conv.float64, tensor([1, 1]))
    """
    dtype = kwargs.pop("dst_type", dtype)
    if kwargs:
        raise TypeError(f"type() got unexpected keyword arguments {sorted(kwargs)}")
    if dtype is None:
        return tensor.type_name()
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        parts = dtype.split(".")
        name = _TYPE_STRINGS.get(parts[-1].removesuffix("Tensor"))
        if parts[0] != "torch" or name is None or (len(parts) == 3 and parts[1] != "cuda") or len(parts) > 3:
            raise ValueError(f"invalid type: '{dtype}'")
        device = "cuda" if len(parts) == 3 else "cpu"
        dtype = to_dtype(name)
        return to(tensor, dtype) if tensor.device.type == device else to(tensor, device, dtype)
    if isinstance(dtype, str):
        raise ValueError(f"invalid type: '{dtype}'")
    if isinstance(dtype, (bool, int, float, complex)):
        raise TypeError("dtype must be a type, str, or dtype object")
    if dtype in (bool, int, float, complex):  # Python's types are no tensor types here
        raise ValueError(f"invalid type: '{dtype.__name__}'")
    return to(tensor, dtype)
