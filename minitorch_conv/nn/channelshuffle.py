"""``ChannelShuffle``: interleave the channels of ``groups`` groups, a Module over
``F.channel_shuffle``.

>>> import minitorch_conv as mt
>>> mt.nn.ChannelShuffle(2)(mt.arange(4.0).reshape(1, 4, 1)).flatten()
tensor([0., 2., 1., 3.])
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """(N, g*c, *) channels reordered group-minor, PyTorch's ``nn.ChannelShuffle``.

    >>> import minitorch_conv as mt
    >>> mt.nn.ChannelShuffle(3)
    ChannelShuffle(groups=3)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: Tensor) -> Tensor:
        return F.channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
