"""``mt.cpu`` (PyTorch's ``torch.cpu``): the CPU as a device module, and ``mt.cpu.amp``.

>>> import minitorch_conv as mt
>>> mt.cpu.is_available(), mt.cpu.device_count(), mt.cpu.current_device()
(True, 1, 'cpu')
"""

from __future__ import annotations


def is_available() -> bool:
    """Always True."""
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def synchronize(device=None) -> None:
    """Nothing to wait for: CPU work is done when its call returns."""


def __getattr__(name: str):
    """``mt.cpu.amp``: autocast and GradScaler for the CPU."""
    if name == "amp":
        from .amp import device_namespace

        namespace = globals()["amp"] = device_namespace("cpu")
        return namespace
    raise AttributeError(f"module 'minitorch_conv.cpu' has no attribute '{name}'")
