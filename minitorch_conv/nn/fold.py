"""``nn.Unfold`` and ``nn.Fold``: the sliding-window extraction ``F.unfold`` and its adjoint
``F.fold`` (im2col and col2im) as modules."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """Every ``kernel_size`` patch of a (N, C, H, W) input as a column: (N, C*kh*kw, L), PyTorch's
    ``nn.Unfold``.

    >>> import minitorch_conv as mt
    >>> unfold = mt.nn.Unfold(kernel_size=(2, 3))
    >>> unfold
    Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
    >>> unfold(mt.randn(2, 5, 3, 4)).shape
    minitorch_conv.Size([2, 30, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Columns (N, C*kh*kw, L) summed back into an ``output_size`` image (N, C, H, W), PyTorch's
    ``nn.Fold`` (the adjoint of :class:`Unfold`).

    >>> import minitorch_conv as mt
    >>> fold = mt.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
    >>> fold
    Fold(output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1)
    >>> fold(mt.ones(1, 3 * 2 * 2, 12)).shape
    minitorch_conv.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
