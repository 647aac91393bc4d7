"""Sliding-window geometry, shared by convolution, pooling, the bench and the pictures.

A window of ``k`` taps spaced ``d`` apart (dilation) covers ``d*(k-1) + 1`` pixels. Sliding it by
``s`` (stride) over ``size`` pixels with ``pad_before`` and ``pad_after`` zeros added, it fits

    out = (size + pad_before + pad_after - d*(k-1) - 1) // s + 1

times. That formula lives here once: :func:`output_length`. Pooling's ``ceil_mode`` rounds up
instead, keeping a last partial window only if it starts inside the input or its left padding.

>>> output_length(5, kernel=3, stride=2, pad_before=1, pad_after=1)
3
>>> conv_output_size((28, 28), (5, 5), ConvParams((1, 1), (0, 0, 0, 0), (1, 1)))
(24, 24)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def pair(value) -> tuple:
    """PyTorch's ``_pair``: an iterable becomes a tuple as it is (length unchecked), else ``(v, v)``.

    >>> pair(3), pair((1, 2)), pair([4])
    ((3, 3), (1, 2), (4,))
    """
    if isinstance(value, Iterable):
        return tuple(value)
    return (value, value)


def output_length(size: int, kernel: int, stride: int = 1, pad_before: int = 0, pad_after: int = 0,
                  dilation: int = 1, ceil_mode: bool = False) -> int:
    """How many positions a window takes along one axis (the module docstring's formula).

    >>> output_length(4, kernel=2, stride=2), output_length(5, kernel=2, stride=2, ceil_mode=True)
    (2, 3)
    """
    span = size + pad_before + pad_after - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad_before:
        out -= 1  # the last window must start inside the input or its left padding
    return out


@dataclass(frozen=True)
class ConvParams:
    """The geometry a convolution's three kernels share.

    ``padding`` is ``(top, bottom, left, right)``: PyTorch's integer padding is symmetric, but
    ``padding='same'`` with an even (dilated) kernel puts the extra row and column at the bottom
    and right.
    """

    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int = 1


def conv_output_size(image_size, kernel_size, params: ConvParams) -> tuple[int, int]:
    """Output positions (Ho, Wo) of a convolution over an (H, W) image.

    >>> conv_output_size((5, 5), (3, 3), ConvParams((2, 2), (1, 1, 1, 1), (1, 1)))
    (3, 3)
    """
    (H, W), (kh, kw) = image_size, kernel_size
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = params.stride, params.padding, params.dilation
    return (output_length(H, kh, sh, pt, pb, dh), output_length(W, kw, sw, pl, pr, dw))
