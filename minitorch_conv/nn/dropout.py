"""Dropout layers: random zeroing during training, the identity in evaluation mode. ``Dropout``
zeroes elements; ``Dropout1d/2d/3d`` whole channels; ``AlphaDropout`` and ``FeatureAlphaDropout``
keep a SELU network's mean and variance."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    >>> import minitorch_conv as mt
    >>> drop = mt.nn.Dropout(0.25)
    >>> x = mt.ones(4, 4)
    >>> drop.eval()(x) is x
    True
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:  # PyTorch's test: NaN passes (the functional refuses it)
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:  # PyTorch's test: NaN passes (the functional refuses it)
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p`` (training mode).

    >>> import minitorch_conv as mt
    >>> y = mt.nn.Dropout1d(0.5)(mt.ones(4, 6, 3))
    >>> bool(((y == 0).all(-1) | (y == 2).all(-1)).all())
    True
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout1d(x, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) with probability ``p``, scaling the rest by
    ``1 / (1 - p)`` (training mode; the identity in evaluation mode).

    >>> import minitorch_conv as mt
    >>> drop = mt.nn.Dropout2d(0.5)
    >>> y = drop(mt.ones(2, 8, 3, 3))
    >>> bool(((y == 0).all((2, 3)) | (y == 2).all((2, 3))).all())
    True
    >>> drop
    Dropout2d(p=0.5, inplace=False)
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p``.

    >>> import minitorch_conv as mt
    >>> mt.nn.Dropout3d().eval()(mt.ones(1, 2, 2, 2, 2)).sum().item()
    16.0
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout3d(x, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps zero mean and unit variance, for SELU networks (training mode).

    >>> import minitorch_conv as mt
    >>> mt.nn.AlphaDropout(0.2).eval()(mt.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.alpha_dropout(x, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """:class:`AlphaDropout` of whole channels (dim 1).

    >>> import minitorch_conv as mt
    >>> mt.nn.FeatureAlphaDropout(0.2)(mt.ones(2, 3, 4)).shape
    minitorch_conv.Size([2, 3, 4])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.feature_alpha_dropout(x, self.p, self.training)
