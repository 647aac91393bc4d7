"""Padding layers: ``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ``ReplicationPad2d``,
``CircularPad2d`` and their 1-D and 3-D siblings, each a Module over ``F.pad``.

``padding`` is an int (the same on every side) or a tuple listing the amounts last dimension first,
``(left, right[, top, bottom[, front, back]])``, as in ``F.pad``. The 1d / 2d / 3d layers pad the
last 1 / 2 / 3 dimensions of an input that has one batch dimension or none.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> x = mt.arange(4.0).reshape(1, 1, 2, 2)
>>> nn.ReflectionPad2d((1, 1, 0, 0))(x)
tensor([[[[1., 0., 1., 0.],
          [3., 2., 3., 2.]]]])
>>> nn.ZeroPad2d((1, 0, 0, 1))(x)
tensor([[[[0., 0., 1.],
          [0., 2., 3.],
          [0., 0., 0.]]]])
"""

from __future__ import annotations

from ..ops.pad import pad
from ..tensor import Tensor
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _amounts(padding, n_dims: int) -> tuple:
    """An int becomes ``2 * n_dims`` copies of itself; a sequence becomes a tuple, unchecked (as in
    PyTorch, a wrong length is reported when the layer runs)."""
    if isinstance(padding, int):
        return (padding,) * (2 * n_dims)
    return tuple(padding)


class _PadNd(Module):
    mode = "constant"
    n_dims = 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _amounts(padding, self.n_dims)

    def forward(self, x: Tensor) -> Tensor:
        return pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``.

    >>> import minitorch_conv as mt
    >>> mt.nn.ConstantPad1d((1, 2), 9.0)(mt.tensor([[1.0, 2.0]]))
    tensor([[9., 1., 2., 9., 9.]])
    """

    n_dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``.

    >>> import minitorch_conv as mt
    >>> mt.nn.ConstantPad2d(1, 3.5)(mt.zeros(1, 2, 2)).shape
    minitorch_conv.Size([1, 4, 4])
    """

    n_dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``.

    >>> import minitorch_conv as mt
    >>> mt.nn.ConstantPad3d(1, 0.0)(mt.zeros(1, 2, 2, 2)).shape
    minitorch_conv.Size([1, 4, 4, 4])
    """

    n_dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros.

    >>> import minitorch_conv as mt
    >>> mt.nn.ZeroPad1d(1)(mt.tensor([[1.0, 2.0]]))
    tensor([[0., 1., 2., 0.]])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros.

    >>> import minitorch_conv as mt
    >>> mt.nn.ZeroPad2d((1, 1, 2, 0))(mt.ones(1, 1, 3, 3)).shape
    minitorch_conv.Size([1, 1, 5, 5])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros.

    >>> import minitorch_conv as mt
    >>> mt.nn.ZeroPad3d(1)(mt.ones(1, 1, 1, 1)).shape
    minitorch_conv.Size([1, 3, 3, 3])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror the last dimension at its edges (the edge itself not repeated).

    >>> import minitorch_conv as mt
    >>> mt.nn.ReflectionPad1d(2)(mt.tensor([[0.0, 1.0, 2.0]]))
    tensor([[2., 1., 0., 1., 2., 1., 0.]])
    """

    mode, n_dims = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirror the last two dimensions at their edges.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReflectionPad2d(1)(mt.zeros(1, 1, 3, 3)).shape
    minitorch_conv.Size([1, 1, 5, 5])
    """

    mode, n_dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirror the last three dimensions at their edges.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReflectionPad3d(1)(mt.zeros(1, 1, 2, 2, 2)).shape
    minitorch_conv.Size([1, 1, 4, 4, 4])
    """

    mode, n_dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dimension.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReplicationPad1d((2, 1))(mt.tensor([[0.0, 1.0]]))
    tensor([[0., 0., 0., 1., 1.]])
    """

    mode, n_dims = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dimensions.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReplicationPad2d(1)(mt.ones(1, 1, 2, 2)).sum().item()
    16.0
    """

    mode, n_dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dimensions.

    >>> import minitorch_conv as mt
    >>> mt.nn.ReplicationPad3d(1)(mt.ones(1, 1, 1, 1, 1)).shape
    minitorch_conv.Size([1, 1, 3, 3, 3])
    """

    mode, n_dims = "replicate", 3


class CircularPad1d(_PadNd):
    """Wrap the last dimension around (periodic padding).

    >>> import minitorch_conv as mt
    >>> mt.nn.CircularPad1d(1)(mt.tensor([[0.0, 1.0, 2.0]]))
    tensor([[2., 0., 1., 2., 0.]])
    """

    mode, n_dims = "circular", 1


class CircularPad2d(_PadNd):
    """Wrap the last two dimensions around.

    >>> import minitorch_conv as mt
    >>> mt.nn.CircularPad2d(1)(mt.zeros(1, 1, 2, 2)).shape
    minitorch_conv.Size([1, 1, 4, 4])
    """

    mode, n_dims = "circular", 2


class CircularPad3d(_PadNd):
    """Wrap the last three dimensions around.

    >>> import minitorch_conv as mt
    >>> mt.nn.CircularPad3d(1)(mt.zeros(1, 1, 2, 2, 2)).shape
    minitorch_conv.Size([1, 1, 4, 4, 4])
    """

    mode, n_dims = "circular", 3
