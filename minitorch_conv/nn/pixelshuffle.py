"""``PixelShuffle`` and ``PixelUnshuffle``: trade channels for resolution (sub-pixel convolution),
Modules over ``F.pixel_shuffle`` and ``F.pixel_unshuffle``.

>>> import minitorch_conv as mt
>>> up = mt.nn.PixelShuffle(2)
>>> up(mt.zeros(8, 12, 5, 5)).shape
minitorch_conv.Size([8, 3, 10, 10])
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r), ``r = upscale_factor``.

    >>> import minitorch_conv as mt
    >>> mt.nn.PixelShuffle(3)(mt.zeros(1, 9, 4, 4)).shape
    minitorch_conv.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), ``r = downscale_factor``.

    >>> import minitorch_conv as mt
    >>> mt.nn.PixelUnshuffle(3)(mt.zeros(1, 1, 12, 12)).shape
    minitorch_conv.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
