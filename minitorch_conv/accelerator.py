"""``mt.accelerator``: PyTorch's device-agnostic questions about the current accelerator.

The only accelerator minitorch_conv drives is an NVIDIA GPU through CuPy; without one (or without
CuPy) there is none, and programs that ask fall back to the CPU, as with PyTorch:

>>> import minitorch_conv as mt
>>> device = mt.accelerator.current_accelerator() if mt.accelerator.is_available() else mt.device("cpu")
>>> device.type in ("cpu", "cuda")
True
"""

from __future__ import annotations

from . import cuda
from .backends import Device

__all__ = ["current_accelerator", "current_device_index", "device_count", "is_available",
           "set_device_index", "synchronize"]


def is_available() -> bool:
    """True where an accelerator (a CUDA GPU that CuPy can use) is present."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> Device | None:
    """``device('cuda')`` where CuPy finds a GPU, else None (``check_available`` is PyTorch's flag:
    here the accelerator is only reported when it is available either way)."""
    return Device("cuda") if is_available() else None


def device_count() -> int:
    """How many accelerator devices there are (0 without one)."""
    return cuda.device_count() if is_available() else 0


def current_device_index() -> int:
    """The index of the current accelerator device (PyTorch's answer without one is -1)."""
    if not is_available():
        return -1
    from .backends import cupy_backend

    return int(cupy_backend.cupy.cuda.Device().id)


def set_device_index(device: int | str | Device) -> None:
    """Make ``device`` the current accelerator device."""
    index = device if isinstance(device, int) else Device(device).index or 0
    if not is_available():
        raise RuntimeError("set_device_index: there is no accelerator (no CUDA GPU usable by CuPy)")
    from .backends import cupy_backend

    cupy_backend.cupy.cuda.Device(index).use()


def synchronize(device: int | str | Device | None = None) -> None:
    """Wait for the accelerator's queued work to finish (a no-op without one)."""
    cuda.synchronize()
