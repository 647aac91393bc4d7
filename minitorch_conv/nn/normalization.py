"""Normalisation layers: ``BatchNorm1d/2d/3d`` (per-channel, with running statistics),
``LayerNorm``, ``GroupNorm``, ``RMSNorm`` (per-sample) and ``LocalResponseNorm``.

>>> import minitorch_conv as mt
>>> from minitorch_conv import nn
>>> x = mt.randn(4, 6, 5, 5)
>>> [tuple(m(x).shape) for m in (nn.BatchNorm2d(6), nn.GroupNorm(3, 6), nn.LayerNorm([5, 5]))]
[(4, 6, 5, 5), (4, 6, 5, 5), (4, 6, 5, 5)]
"""

from __future__ import annotations

from .. import creation
from ..autograd.grad_mode import no_grad
from ..backends import int64
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm",
           "LocalResponseNorm"]



def _make_affine(module: Module, affine: bool, bias: bool, shape, device, dtype) -> None:
    """The learnable ``weight`` (and ``bias``, unless ``bias=False``) of shape ``shape`` that a
    normalization multiplies (adds) after normalizing; registered as None without ``affine``."""
    module.register_parameter(
        "weight", Parameter(creation.empty(shape, device=device, dtype=dtype)) if affine else None)
    module.register_parameter(
        "bias", Parameter(creation.empty(shape, device=device, dtype=dtype)) if affine and bias else None)


def _reset_affine(module: Module) -> None:
    """Weight 1 and bias 0, where the module has them."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)

class _NormBase(Module):
    """What BatchNorm and InstanceNorm share: the affine parameters and the running statistics."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None,
                 *, bias: bool = True):
        super().__init__()  # the tensors made below check num_features (empty()'s errors), as in PyTorch
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _make_affine(self, affine, bias, num_features, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device,
                                                                dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device,
                                                              dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.zeros((), device=device,
                                                                       dtype=int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics reset; weight 1, bias 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def _load_from_state_dict(self, state_dict, prefix, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # checkpoints from before num_batches_tracked existed load as PyTorch loads them
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and self.num_batches_tracked is not None and key not in state_dict:
            state_dict = dict(state_dict)
            state_dict[key] = self.num_batches_tracked
        super()._load_from_state_dict(state_dict, prefix, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _expected_dims: tuple[int, ...] = ()

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() not in self._expected_dims:
            raise ValueError(
                f"expected {' or '.join(f'{d}D' for d in self._expected_dims)} input "
                f"(got {x.dim()}D input)"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, H, W) for each channel of an (N, C, H, W) input.

    In training mode it normalises by the batch's statistics and updates ``running_mean`` and
    ``running_var`` (``momentum=None`` gives a cumulative average); in eval mode it uses them.

    >>> import minitorch_conv as mt
    >>> bn = mt.nn.BatchNorm2d(3)
    >>> _ = bn(mt.randn(4, 3, 5, 5) * 2 + 1)
    >>> [name for name, _ in bn.named_buffers()]
    ['running_mean', 'running_var', 'num_batches_tracked']
    >>> bn
    BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    _expected_dims = (4,)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation for (N, C) or (N, C, L) inputs.

    >>> import minitorch_conv as mt
    >>> bn = mt.nn.BatchNorm1d(4, momentum=None)
    >>> _ = bn(mt.randn(8, 4)), bn(mt.randn(8, 4))
    >>> bn.num_batches_tracked
    tensor(2)
    """

    _expected_dims = (2, 3)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, D, H, W) for each channel of an (N, C, D, H, W) input.

    >>> import minitorch_conv as mt
    >>> mt.nn.BatchNorm3d(2)(mt.randn(2, 2, 3, 3, 3)).shape
    minitorch_conv.Size([2, 2, 3, 3, 3])
    """

    _expected_dims = (5,)


def _as_shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(normalized_shape)


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dims (mean 0, variance 1),
    then ``* weight + bias`` elementwise (both of ``normalized_shape``; ``bias=False`` drops it).

    >>> import minitorch_conv as mt
    >>> ln = mt.nn.LayerNorm(3)
    >>> ln(mt.tensor([[1.0, 2.0, 3.0]]))
    tensor([[-1.2247,  0.0000,  1.2247]], grad_fn=<AddBackward0>)
    >>> ln
    LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _make_affine(self, elementwise_affine, bias, self.normalized_shape, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Split the channels of (N, C, ...) into ``num_groups`` groups and normalise each group of
    each sample; then ``* weight + bias`` per channel (``affine``; ``bias=False`` drops the bias).

    >>> import minitorch_conv as mt
    >>> gn = mt.nn.GroupNorm(2, 4)
    >>> y = gn(mt.randn(3, 4, 5))
    >>> bool(y.reshape(3, 2, -1).mean(-1).abs().max() < 1e-5)
    True
    >>> gn
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _make_affine(self, affine, bias, num_channels, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims
    (``eps=None``: the machine epsilon of the input's dtype).

    >>> import minitorch_conv as mt
    >>> norm = mt.nn.RMSNorm(2)
    >>> norm(mt.tensor([[3.0, 4.0]]))
    tensor([[0.8485, 1.1314]], grad_fn=<MulBackward0>)
    >>> norm
    RMSNorm((2,), eps=None, elementwise_affine=True)
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Divide each value by ``(k + alpha * mean of x**2 over size neighbouring channels) ** beta``.

    >>> import minitorch_conv as mt
    >>> mt.nn.LocalResponseNorm(2)(mt.ones(1, 4, 2, 2)).shape
    minitorch_conv.Size([1, 4, 2, 2])
    >>> mt.nn.LocalResponseNorm(2)
    LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
