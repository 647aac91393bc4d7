"""``Upsample`` (and the fixed-mode ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``): Modules
over ``F.interpolate``.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> nn.Upsample(scale_factor=2, mode="bilinear")(mt.zeros(1, 3, 8, 8)).shape
minitorch_conv.Size([1, 3, 16, 16])
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize the spatial dims of (N, C, ...) to ``size`` or by ``scale_factor``, with ``mode``
    ``'nearest'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``, ``'trilinear'``, ``'area'`` or
    ``'nearest-exact'`` (see ``F.interpolate``).

    >>> import minitorch_conv as mt
    >>> up = mt.nn.Upsample(scale_factor=2)
    >>> up(mt.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 2., 2.]]])
    >>> up
    Upsample(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """``Upsample(mode='nearest')`` for (N, C, H, W) inputs.

    >>> import minitorch_conv as mt
    >>> mt.nn.UpsamplingNearest2d(scale_factor=2)(mt.zeros(1, 1, 2, 3)).shape
    minitorch_conv.Size([1, 1, 4, 6])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(mode='bilinear', align_corners=True)`` for (N, C, H, W) inputs.

    >>> import minitorch_conv as mt
    >>> mt.nn.UpsamplingBilinear2d(size=3)(mt.tensor([[[[0.0, 2.0]]]]))
    tensor([[[[0., 1., 2.],
              [0., 1., 2.],
              [0., 1., 2.]]]])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
