"""``mt.amp`` (PyTorch's ``torch.amp``): automatic mixed precision, ``autocast`` and ``GradScaler``.

``mt.autocast``, ``mt.amp.autocast`` and ``mt.cuda.amp.autocast`` / ``mt.cpu.amp.autocast`` are the
same context manager (the last two with their device type filled in), as in PyTorch.
"""

from __future__ import annotations

import types

from .autocast_mode import (
    autocast,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "get_autocast_dtype", "is_autocast_available", "is_autocast_enabled",
           "set_autocast_dtype", "set_autocast_enabled", "device_namespace"]


def device_namespace(device_type: str) -> types.SimpleNamespace:
    """``torch.cuda.amp`` / ``torch.cpu.amp``: autocast and GradScaler with the device filled in."""

    class DeviceAutocast(autocast):
        def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool | None = None):
            super().__init__(device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    class DeviceGradScaler(GradScaler):
        def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                     backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
            super().__init__(device_type, init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    DeviceAutocast.__name__ = DeviceAutocast.__qualname__ = "autocast"
    DeviceGradScaler.__name__ = DeviceGradScaler.__qualname__ = "GradScaler"
    return types.SimpleNamespace(autocast=DeviceAutocast, GradScaler=DeviceGradScaler)
