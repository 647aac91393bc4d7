"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d``, ``LPPool1d/2d`` (see ``functional``)."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d",
           "AvgPool2d", "LPPool1d", "LPPool2d", "MaxPool1d", "MaxPool2d", "MaxUnpool1d", "MaxUnpool2d",
           "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d"]


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share: their arguments and repr."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """The maximum of each ``kernel_size`` window (``stride`` defaults to ``kernel_size``).

    >>> import minitorch_conv as mt
    >>> pool = mt.nn.MaxPool2d(2)
    >>> pool(mt.randn(1, 3, 8, 8)).shape
    minitorch_conv.Size([1, 3, 4, 4])
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, x: Tensor):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool2d(Module):
    """The mean of each ``kernel_size`` window (``stride`` defaults to ``kernel_size``).

    >>> import minitorch_conv as mt
    >>> mt.nn.AvgPool2d(2)(mt.ones(1, 1, 4, 4))
    tensor([[[[1., 1.],
              [1., 1.]]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    """What AdaptiveAvgPool1d and AdaptiveAvgPool2d share."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed output size, whatever the input size.

    >>> import minitorch_conv as mt
    >>> mt.nn.AdaptiveAvgPool2d((1, 1))(mt.randn(2, 8, 5, 5)).shape
    minitorch_conv.Size([2, 8, 1, 1])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)


def _single(value) -> tuple:
    """PyTorch's ``_single``: an iterable as a tuple, anything else ``(value,)``."""
    return tuple(value) if hasattr(value, "__iter__") else (value,)


class MaxPool1d(_MaxPoolNd):
    """The maximum of each ``kernel_size`` window of a (N, C, L) or (C, L) input, PyTorch's
    ``nn.MaxPool1d`` (``stride`` defaults to ``kernel_size``).

    >>> import minitorch_conv as mt
    >>> pool = mt.nn.MaxPool1d(2)
    >>> pool(mt.tensor([[[1.0, 3.0, 2.0, 5.0]]]))
    tensor([[[3., 5.]]])
    >>> pool
    MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, x: Tensor):
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """The mean of each ``kernel_size`` window of a (N, C, L) or (C, L) input, PyTorch's
    ``nn.AvgPool1d`` (``stride`` defaults to ``kernel_size``).

    >>> import minitorch_conv as mt
    >>> pool = mt.nn.AvgPool1d(3, stride=2)
    >>> pool
    AvgPool1d(kernel_size=(3,), stride=(2,), padding=(0,))
    >>> pool(mt.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]))
    tensor([[[2., 4.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of a (N, C, L) or (C, L) input to a fixed length, PyTorch's
    ``nn.AdaptiveAvgPool1d``.

    >>> import minitorch_conv as mt
    >>> mt.nn.AdaptiveAvgPool1d(2)(mt.tensor([[1.0, 2.0, 3.0, 4.0]]))
    tensor([[1.5000, 3.5000]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    """What AdaptiveMaxPool1d and AdaptiveMaxPool2d share."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output size, whatever the input size, PyTorch's
    ``nn.AdaptiveMaxPool2d``; ``return_indices=True`` also returns each maximum's flat index.

    >>> import minitorch_conv as mt
    >>> mt.nn.AdaptiveMaxPool2d((1, None))(mt.arange(6.0).reshape(1, 2, 3))
    tensor([[[3., 4., 5.]]])
    """

    def forward(self, x: Tensor):
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of a (N, C, L) or (C, L) input to a fixed length, PyTorch's
    ``nn.AdaptiveMaxPool1d``.

    >>> import minitorch_conv as mt
    >>> mt.nn.AdaptiveMaxPool1d(2, return_indices=True)(mt.tensor([[1.0, 4.0, 2.0, 3.0]]))
    (tensor([[4., 3.]]), tensor([[1, 3]]))
    """

    def forward(self, x: Tensor):
        return F.adaptive_max_pool1d(x, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    """What LPPool1d and LPPool2d share."""

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool2d(_LPPoolNd):
    """The p-norm of each window, ``(sum x**p)**(1/p)``, PyTorch's ``nn.LPPool2d``.

    >>> import minitorch_conv as mt
    >>> mt.nn.LPPool2d(2, 2)(mt.tensor([[[[3.0, 0.0], [0.0, 4.0]]]]))
    tensor([[[[5.]]]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool2d(x, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """The p-norm of each window of a (N, C, L) or (C, L) input, PyTorch's ``nn.LPPool1d``.

    >>> import minitorch_conv as mt
    >>> mt.nn.LPPool1d(1, 2)(mt.tensor([[[1.0, 2.0, 3.0, 4.0]]]))
    tensor([[[3., 7.]]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool1d(x, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class _MaxUnpoolNd(Module):
    """What MaxUnpool1d and MaxUnpool2d share: their arguments (as tuples, as PyTorch) and repr."""

    def __init__(self, kernel_size, stride=None, padding=0, n: int = 2) -> None:
        super().__init__()

        def expand(value):
            return tuple(value) if hasattr(value, "__iter__") else (value,) * n

        self.kernel_size = expand(kernel_size)
        self.stride = expand(stride if stride is not None else kernel_size)
        self.padding = expand(padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool2d`: ``forward(input, indices, output_size=None)``
    puts each value back where its maximum was, zeros elsewhere (PyTorch's ``nn.MaxUnpool2d``).

    >>> import minitorch_conv as mt
    >>> pool, unpool = mt.nn.MaxPool2d(2, return_indices=True), mt.nn.MaxUnpool2d(2)
    >>> unpool
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    >>> unpool(*pool(mt.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])))
    tensor([[[[0., 0.],
              [4., 0.]]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__(kernel_size, stride, padding, 2)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:  # noqa: A002
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool1d` (PyTorch's ``nn.MaxUnpool1d``).

    >>> import minitorch_conv as mt
    >>> pool, unpool = mt.nn.MaxPool1d(2, return_indices=True), mt.nn.MaxUnpool1d(2)
    >>> unpool
    MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    >>> unpool(*pool(mt.tensor([[[1.0, 3.0, 5.0, 2.0]]])))
    tensor([[[0., 3., 5., 0.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__(kernel_size, stride, padding, 1)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:  # noqa: A002
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxPool3d(_MaxPoolNd):
    """The maximum of each ``kernel_size`` window of a (N, C, D, H, W) or (C, D, H, W) input,
    PyTorch's ``nn.MaxPool3d`` (``stride`` defaults to ``kernel_size``).

    >>> import minitorch_conv as mt
    >>> pool = mt.nn.MaxPool3d(2)
    >>> pool(mt.randn(1, 3, 4, 4, 4)).shape
    minitorch_conv.Size([1, 3, 2, 2, 2])
    >>> pool
    MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, x: Tensor):
        return F.max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """The mean of each ``kernel_size`` window of a (N, C, D, H, W) or (C, D, H, W) input,
    PyTorch's ``nn.AvgPool3d`` (``stride`` defaults to ``kernel_size``).

    >>> import minitorch_conv as mt
    >>> pool = mt.nn.AvgPool3d(2)
    >>> pool
    AvgPool3d(kernel_size=2, stride=2, padding=0)
    >>> pool(mt.ones(1, 1, 2, 2, 2))
    tensor([[[[[1.]]]]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of a (N, C, D, H, W) or (C, D, H, W) input to a fixed output size,
    PyTorch's ``nn.AdaptiveAvgPool3d``.

    >>> import minitorch_conv as mt
    >>> mt.nn.AdaptiveAvgPool3d((1, None, 2))(mt.randn(2, 3, 4, 5, 6)).shape
    minitorch_conv.Size([2, 3, 1, 5, 2])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(x, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of a (N, C, D, H, W) or (C, D, H, W) input to a fixed output size, PyTorch's
    ``nn.AdaptiveMaxPool3d``; ``return_indices=True`` also returns each maximum's flat index.

    >>> import minitorch_conv as mt
    >>> mt.nn.AdaptiveMaxPool3d(1)(mt.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[7.]]]])
    """

    def forward(self, x: Tensor):
        return F.adaptive_max_pool3d(x, self.output_size, self.return_indices)
