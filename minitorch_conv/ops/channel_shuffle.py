"""``F.channel_shuffle``: interleave the channels of ``groups`` groups (ShuffleNet's shuffle).

Notation: x (N, C, *) with C = g * Cg (g groups of Cg channels); the output's channel
``k * g + i`` is the input's channel ``i * Cg + k``. It is a reshape to (N, g, Cg, *), a swap of
those two axes and a reshape back, so its gradient is the inverse shuffle.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> F.channel_shuffle(mt.arange(6.0).reshape(1, 6, 1), 2).flatten()
tensor([0., 3., 1., 4., 2., 5.])
"""

from __future__ import annotations

from .._arguments import parse_args
from ..autograd.function import named_as
from ..tensor import Tensor

__all__ = ["channel_shuffle"]


@parse_args("Tensor input, int groups")
def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Channels ``(g0c0, g0c1, ..., g1c0, ...)`` reordered ``(g0c0, g1c0, ..., g0c1, ...)``,
    PyTorch's ``F.channel_shuffle``; input (N, C, *) with at least 3 dimensions.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> F.channel_shuffle(mt.arange(4).reshape(1, 4, 1), 2).flatten()
    tensor([0, 2, 1, 3])
    """
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} channels and "
                           f"{groups} groups.")
    n, rest = input.shape[0], tuple(input.shape[2:])
    out = input.reshape(n, groups, channels // groups, *rest).transpose(1, 2).reshape(input.shape)
    return named_as(out, "ChannelShuffleBackward0") if out is not input else out.clone()
