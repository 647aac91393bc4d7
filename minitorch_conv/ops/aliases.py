"""PyTorch's other names for operations this package already has, and their in-place forms.

``torch.absolute`` is ``torch.abs``, ``torch.multiply`` is ``torch.mul``, ``x.greater(y)`` is
``x > y``, ``torch.concat`` is ``torch.cat``: programs use both spellings, so both exist here,
each the very same operation (the same node in the graph, the same errors). The in-place forms
(``x.clip_(0, 1)``, ``x.cumsum_(0)``, ``x.tril_()``, ``x.eq_(y)``) write the out-of-place result
back into the tensor's memory through ``Tensor._inplace``, so views and version counters behave as
with every other in-place operation.

>>> import minitorch_conv as mt
>>> x = mt.tensor([[-1.0, 2.0], [3.0, -4.0]])
>>> mt.absolute(x).equal(x.abs()), x.multiply(2).equal(x * 2), mt.concat([x, x]).shape
(True, True, minitorch_conv.Size([4, 2]))
>>> x.clip_(-1, 1)
tensor([[-1.,  1.],
        [ 1., -1.]])
"""

from __future__ import annotations

from ..tensor import Tensor
from . import elementwise, shape

__all__ = ["absolute", "multiply", "subtract", "negative", "greater", "greater_equal", "less",
           "less_equal", "not_equal", "concat", "concatenate", "moveaxis", "swapaxes", "swapdims",
           "square", "t", "ravel", "fix", "is_floating_point", "is_nonzero", "METHODS",
           "IN_PLACE_FORMS", "bind_in_place_forms"]


absolute = elementwise.abs
multiply = elementwise.mul
subtract = elementwise.sub
negative = elementwise.neg
greater = elementwise.gt
greater_equal = elementwise.ge
less = elementwise.lt
less_equal = elementwise.le
not_equal = elementwise.ne
concat = concatenate = shape.cat
moveaxis = shape.movedim
swapaxes = swapdims = shape.transpose
fix = elementwise.trunc
t = shape.t


def square(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input * input``, element-wise (a ``PowBackward0`` node, as PyTorch records it).

    >>> import minitorch_conv as mt
    >>> mt.square(mt.tensor([-2.0, 3.0]))
    tensor([4., 9.])
    """
    return input.square()


def ravel(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """The elements in a 1-D tensor: a view where the memory allows, else a copy (``reshape(-1)``).

    >>> import minitorch_conv as mt
    >>> mt.ravel(mt.tensor([[1, 2], [3, 4]]))
    tensor([1, 2, 3, 4])
    """
    return input.reshape(-1)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002 - PyTorch's name
    """Whether ``input``'s dtype is a floating-point one.

    >>> import minitorch_conv as mt
    >>> mt.is_floating_point(mt.ones(1)), mt.is_floating_point(mt.ones(1, dtype=mt.int64))
    (True, False)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return input.dtype.is_floating_point


def is_nonzero(input: Tensor) -> bool:  # noqa: A002 - PyTorch's name
    """Whether a one-element tensor is not zero; PyTorch's errors for empty or larger tensors.

    >>> import minitorch_conv as mt
    >>> mt.is_nonzero(mt.tensor([0.5])), mt.is_nonzero(mt.tensor(0))
    (True, False)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"is_nonzero(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


def _in_place(name: str):
    """``tensor.<name>_(...)``: ``tensor.<name>(...)`` written back into the tensor."""

    def method(self: Tensor, *args, **kwargs) -> Tensor:
        return self._inplace(lambda t: getattr(t, name)(*args, **kwargs))

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}`` in place: the result written into this tensor's memory."
    return method


def _get_device(self: Tensor) -> int:
    """The GPU index of a CUDA tensor, -1 for a CPU one (PyTorch's ``Tensor.get_device``)."""
    return self.device.index if self.device.type == "cuda" else -1


# Tensor methods bound by ops/methods.py: name -> function
METHODS = {
    "absolute": absolute, "multiply": multiply, "subtract": subtract, "negative": negative,
    "greater": greater, "greater_equal": greater_equal, "less": less, "less_equal": less_equal,
    "not_equal": not_equal, "ravel": ravel, "fix": fix, "ndimension": lambda self: self.ndim,
    "is_nonzero": is_nonzero, "get_device": _get_device,
}

# in-place forms PyTorch has; bound (by bind_in_place_forms) where the out-of-place method exists
# and no in-place one of its own does
IN_PLACE_FORMS = (
    "clip", "cumsum", "cumprod", "tril", "triu", "nan_to_num", "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "greater_equal", "less", "less_equal", "not_equal", "fmod", "frac", "fix", "lerp",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "remainder", "exp2", "tan", "multiply", "subtract", "divide",
    "true_divide", "copysign", "hypot", "atan2", "arctan2", "float_power", "xlogy", "logit",
    "digamma", "lgamma", "erfinv", "erfc", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh",
    "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg",
    "sgn", "sinc", "heaviside", "fmax", "fmin", "ldexp", "logaddexp", "index_fill", "index_copy",
    "masked_scatter", "scatter_reduce", "index_put", "renorm",
)


def bind_in_place_forms() -> None:
    """Give Tensor ``<name>_`` for each of :data:`IN_PLACE_FORMS` it lacks (ops/methods.py calls
    this once every out-of-place method is bound)."""
    for name in IN_PLACE_FORMS:
        if hasattr(Tensor, name) and not hasattr(Tensor, f"{name}_"):
            setattr(Tensor, f"{name}_", _in_place(name))
