"""``nn.DataParallel``: PyTorch's single-process, multi-GPU wrapper, as it behaves on one device."""

from __future__ import annotations

from typing import Any

from ...backends import Device
from ..module import Module


class DataParallel(Module):
    """Wrap ``module`` as PyTorch's ``nn.DataParallel`` does when it has one device to use.

    PyTorch splits each batch across the GPUs in ``device_ids`` and runs a replica on each; with no
    GPU, or one, it simply calls ``module`` (the case here: minitorch_conv runs one device per
    process; use ``DistributedDataParallel`` to train on several). The wrapped module is
    ``.module``, and ``state_dict`` keys carry the ``module.`` prefix, as in PyTorch.

    >>> import minitorch_conv as mt
    >>> model = mt.nn.DataParallel(mt.nn.Linear(3, 2))
    >>> model(mt.ones(4, 3)).shape, sorted(model.state_dict())
    (minitorch_conv.Size([4, 2]), ['module.bias', 'module.weight'])
    """

    def __init__(self, module: Module, device_ids: list | None = None, output_device: Any = None,
                 dim: int = 0):
        super().__init__()
        if device_ids is not None and len(device_ids) > 1:
            raise RuntimeError(
                "DataParallel in minitorch_conv runs on one device per process; for several, use "
                "nn.parallel.DistributedDataParallel with one process per device"
            )
        self.module = module
        self.device_ids = list(device_ids) if device_ids else []
        self.output_device = None if output_device is None else Device(output_device)
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
