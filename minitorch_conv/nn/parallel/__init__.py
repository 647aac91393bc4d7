"""Parallel wrappers of a module, at PyTorch's import path ``torch.nn.parallel``.

``DataParallel`` on one device (what PyTorch does without several GPUs); multi-process data
parallelism is ``DistributedDataParallel`` over ``minitorch_conv.distributed``.
"""

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
