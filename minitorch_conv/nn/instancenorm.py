"""``InstanceNorm1d/2d/3d``: normalise every channel of every sample over its spatial dims
(style transfer's normalisation), over ``F.instance_norm``.

By default (``affine=False``, ``track_running_stats=False``) there is nothing to learn and the
layer behaves the same in training and evaluation. With ``track_running_stats=True`` it keeps
running averages of the statistics in training and uses them in evaluation mode.

>>> import minitorch_conv as mt
>>> y = mt.nn.InstanceNorm2d(3)(mt.randn(2, 3, 8, 8) * 5 + 2)
>>> bool(y.mean((2, 3)).abs().max() < 1e-4)  # float32 rounding of a mean of 64 values
True
"""

from __future__ import annotations

import warnings

from ..tensor import Tensor
from . import functional as F
from .normalization import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _spatial_dims = 2  # the dims of one unbatched input (C, ...)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None, dtype=None,
                 *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def _apply_instance_norm(self, x: Tensor) -> Tensor:
        return F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, x: Tensor) -> Tensor:
        unbatched = self._spatial_dims
        if x.dim() not in (unbatched, unbatched + 1):
            raise ValueError(f"expected {unbatched}D or {unbatched + 1}D input (got {x.dim()}D input)")
        feature_dim = x.dim() - unbatched
        if x.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {x.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence "
                "this warning by not passing in num_features, which is not used because "
                "affine=False", UserWarning, stacklevel=2)
        if x.dim() == unbatched:
            return self._apply_instance_norm(x.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(x)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs.

    >>> import minitorch_conv as mt
    >>> mt.nn.InstanceNorm1d(4, affine=True)
    InstanceNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=False)
    """

    _spatial_dims = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs.

    >>> import minitorch_conv as mt
    >>> norm = mt.nn.InstanceNorm2d(3, track_running_stats=True)
    >>> _ = norm(mt.randn(2, 3, 4, 4) + 5)   # the running mean moves 10% of the way to about 5
    >>> bool((norm.running_mean > 0.3).all())
    True
    """

    _spatial_dims = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) inputs.

    >>> import minitorch_conv as mt
    >>> mt.nn.InstanceNorm3d(2)(mt.randn(1, 2, 3, 3, 3)).shape
    minitorch_conv.Size([1, 2, 3, 3, 3])
    """

    _spatial_dims = 4
