"""``Conv2dNormActivation``: convolution, normalisation, activation, as one Sequential whose
children are numbered 0, 1, 2 (so that state_dict keys read ``...0.weight``, ``...1.running_mean``
as in torchvision)."""

from __future__ import annotations

from collections.abc import Callable

from ... import nn

__all__ = ["Conv2dNormActivation"]


class Conv2dNormActivation(nn.Sequential):
    """``Conv2d`` (no bias when a norm layer follows), then ``norm_layer`` (default
    ``BatchNorm2d``), then ``activation_layer`` (default ``ReLU``); ``padding`` defaults to
    "same"-sized for odd kernels, ``(kernel_size - 1) // 2 * dilation``.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.vision.ops import Conv2dNormActivation
    >>> block = Conv2dNormActivation(3, 8, kernel_size=3, stride=2)
    >>> tuple(block(mt.randn(1, 3, 8, 8)).shape), list(block.state_dict())[:2]
    ((1, 8, 4, 4), ['0.weight', '1.weight'])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int | None = None,
        groups: int = 1,
        norm_layer: Callable[..., nn.Module] | None = nn.BatchNorm2d,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        dilation: int = 1,
        inplace: bool | None = True,
        bias: bool | None = None,
    ):
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[nn.Module] = [
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                dilation=dilation,
                groups=groups,
                bias=bias,
            )
        ]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            try:
                layers.append(
                    activation_layer(inplace=inplace) if inplace is not None else activation_layer()
                )
            except TypeError:  # an activation without an inplace argument
                layers.append(activation_layer())
        super().__init__(*layers)
        self.out_channels = out_channels
