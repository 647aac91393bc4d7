"""``nn.SyncBatchNorm``: batch normalisation whose batch statistics span every rank's batch.

With ``DistributedDataParallel`` each rank sees only its share of the batch; plain BatchNorm would
normalise each share by its own mean and variance. SyncBatchNorm computes them over the whole
batch: forward all-reduces the per-channel sums (count, sum, then the sum of squared deviations
from the global mean: two passes, as the single-process layer computes them), and backward
all-reduces the two per-channel sums its input gradient needs. In eval mode, or alone, it is
BatchNorm.

The input gradient it returns on each rank is that of the sum of every rank's loss, which is
what ``DistributedDataParallel``'s averaging of parameter gradients expects (PyTorch's convention).

>>> import minitorch_conv as mt
>>> bn = mt.nn.SyncBatchNorm(3)
>>> bn(mt.randn(4, 3, 5)).shape  # no process group: plain batch normalisation
minitorch_conv.Size([4, 3, 5])
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNormFunction(Function):
    """Batch normalisation in training mode with statistics all-reduced over ``process_group``
    (what :func:`sync_batch_norm` applies).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> from minitorch_conv.nn.sync_batchnorm import SyncBatchNormFunction
    >>> dist.init_process_group("mpi")
    >>> x = mt.tensor([[0.0], [2.0]], requires_grad=True)
    >>> y = SyncBatchNormFunction.apply(x, None, None, None, None, 0.0, 0.1, dist.group.WORLD, 1)
    >>> (y * mt.tensor([[1.0], [3.0]])).sum().backward()
    >>> y.detach(), x.grad
    (tensor([[-1.],
            [ 1.]]), tensor([[0.],
            [0.]]))
    >>> dist.destroy_process_group()
    """

    node_name = "SyncBatchNormBackward"  # PyTorch's Python Function SyncBatchNorm

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, eps,  # noqa: A002 - PyTorch's name
                momentum, process_group, world_size):
        from ..distributed import ReduceOp, all_reduce

        x = input._array
        xp = input.xp
        channels = x.shape[1]
        axes = (0, *range(2, x.ndim))
        shape = (1, channels) + (1,) * (x.ndim - 2)
        dtype = xp.float32 if x.dtype == xp.float16 else x.dtype  # half inputs: statistics in float32
        # pass 1: the global count and mean
        count_and_sum = xp.concatenate([xp.asarray([x.size // channels], dtype=dtype),
                                        x.sum(axis=axes, dtype=dtype)])
        combined = Tensor(count_and_sum, backend=input._backend)
        all_reduce(combined, ReduceOp.SUM, process_group)
        count = float(combined._array[0])
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{int(count)}")
        mean = combined._array[1:] / count
        # pass 2: the global (biased) variance, from the deviations from the global mean
        centred = x.astype(dtype, copy=False) - mean.reshape(shape)
        squares = Tensor((centred * centred).sum(axis=axes), backend=input._backend)
        all_reduce(squares, ReduceOp.SUM, process_group)
        var = squares._array / count
        invstd = 1 / xp.sqrt(var + eps)
        if running_mean is not None and running_var is not None:
            with no_grad():  # the unbiased variance, as in BatchNorm
                unbiased = var * (count / (count - 1))
                for running, batch_value in ((running_mean, mean), (running_var, unbiased)):
                    update = Tensor(batch_value.astype(running._array.dtype), backend=input._backend)
                    running.mul_(1 - momentum).add_(update * momentum)
        xhat = centred * invstd.reshape(shape)
        out = xhat
        if weight is not None:
            out = out * weight._array.reshape(shape)
        if bias is not None:
            out = out + bias._array.reshape(shape)
        ctx.save_for_backward(input, weight)
        ctx.stats = (mean, invstd, count, shape, axes)
        ctx.process_group = process_group
        return Tensor(out.astype(x.dtype, copy=False), backend=input._backend)

    @staticmethod
    def backward(ctx, grad_output):
        from ..distributed import ReduceOp, all_reduce

        input, weight = ctx.saved_tensors  # noqa: A001
        mean, invstd, count, shape, axes = ctx.stats
        x, dy = input._array, grad_output._array.astype(mean.dtype, copy=False)
        xp = input.xp
        xhat = (x.astype(mean.dtype, copy=False) - mean.reshape(shape)) * invstd.reshape(shape)
        sum_dy = dy.sum(axis=axes)
        sum_dy_xhat = (dy * xhat).sum(axis=axes)
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            # the global sums: this rank's inputs moved every rank's statistics
            both = Tensor(xp.concatenate([sum_dy, sum_dy_xhat]), backend=input._backend)
            all_reduce(both, ReduceOp.SUM, ctx.process_group)
            channels = sum_dy.shape[0]
            mean_dy = both._array[:channels] / count
            mean_dy_xhat = both._array[channels:] / count
            scale = invstd if weight is None else invstd * weight._array.astype(mean.dtype, copy=False)
            dx = scale.reshape(shape) * (dy - mean_dy.reshape(shape) - xhat * mean_dy_xhat.reshape(shape))
            grad_input = Tensor(dx.astype(x.dtype, copy=False), backend=input._backend)
        if weight is not None and ctx.needs_input_grad[1]:
            grad_weight = Tensor(sum_dy_xhat.astype(weight._array.dtype, copy=False), backend=input._backend)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            grad_bias = Tensor(sum_dy.astype(x.dtype, copy=False), backend=input._backend)
        return grad_input, grad_weight, grad_bias, None, None, None, None, None, None


def sync_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,  # noqa: A002
                    running_mean: Tensor | None, running_var: Tensor | None, eps: float, momentum: float,
                    process_group: Any, world_size: int) -> Tensor:
    """Batch normalisation with the statistics of every rank's batch (training mode).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> from minitorch_conv.nn.sync_batchnorm import sync_batch_norm
    >>> dist.init_process_group("mpi")
    >>> y = sync_batch_norm(mt.tensor([[1.0], [3.0]]), None, None, None, None, 0.0, 0.1, None, 1)
    >>> y
    tensor([[-1.],
            [ 1.]])
    >>> dist.destroy_process_group()
    """
    return SyncBatchNormFunction.apply(input, weight, bias, running_mean, running_var, eps, momentum,
                                       process_group, world_size)


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over ``(N, C, *)`` inputs whose training statistics are those of the
    batches of every rank of ``process_group`` (default: the whole job) together.

    Use :meth:`convert_sync_batchnorm` to turn a model's BatchNorm layers into SyncBatchNorm before
    wrapping it in ``DistributedDataParallel``. Unlike PyTorch's, which needs GPU tensors, this one
    also runs on the CPU (over MPI).

    >>> import minitorch_conv as mt
    >>> mt.nn.SyncBatchNorm(8, momentum=0.01)
    SyncBatchNorm(8, eps=1e-05, momentum=0.01, affine=True, bias=True, track_running_stats=True)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group: Any = None,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device,
                         dtype=dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input: Tensor) -> None:  # noqa: A002
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        from .. import distributed as dist

        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked.item()) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        running_mean = self.running_mean if not self.training or self.track_running_stats else None
        running_var = self.running_var if not self.training or self.track_running_stats else None
        need_sync = bn_training and self.training and dist.is_initialized()
        if need_sync:
            process_group = self.process_group if self.process_group is not None else dist.group.WORLD
            world_size = dist.get_world_size(process_group)
            need_sync = world_size > 1
        if not need_sync:
            return F.batch_norm(input, running_mean, running_var, self.weight, self.bias, bn_training,
                                factor, self.eps)
        return sync_batch_norm(input, self.weight, self.bias, running_mean, running_var, self.eps, factor,
                               process_group, world_size)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm layer replaced by a SyncBatchNorm that shares its
        parameters and buffers (a BatchNorm layer itself comes back as a new SyncBatchNorm).

        >>> import minitorch_conv as mt
        >>> net = mt.nn.Sequential(mt.nn.Conv2d(1, 4, 3), mt.nn.BatchNorm2d(4), mt.nn.ReLU())
        >>> net = mt.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        >>> type(net[1]).__name__
        'SyncBatchNorm'
        """
        output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            output = cls(module.num_features, module.eps, module.momentum, module.affine,
                         module.track_running_stats, process_group,
                         bias=getattr(module, "bias", None) is not None)
            if module.affine:
                with no_grad():
                    output.weight = module.weight
                    output.bias = module.bias
            output.running_mean = module.running_mean
            output.running_var = module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
            if hasattr(module, "qconfig"):
                output.qconfig = module.qconfig
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output
