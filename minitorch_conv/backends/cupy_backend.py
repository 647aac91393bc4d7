"""The GPU backend: CuPy arrays on one CUDA device.

CuPy imports on machines without a driver, so availability is decided by ``cupy.is_available()``,
never by a successful import.
"""

from __future__ import annotations

from .base import Backend

try:  # pragma: no cover - exercised only where CuPy is installed
    import cupy
except Exception:  # ImportError, or a broken CUDA installation
    cupy = None


def is_available() -> bool:
    if cupy is None:
        return False
    try:
        return bool(cupy.is_available())
    except Exception:  # pragma: no cover
        return False


def device_count() -> int:
    if not is_available():
        return 0
    return cupy.cuda.runtime.getDeviceCount()


class CupyBackend(Backend):  # pragma: no cover - needs a GPU
    name = "cupy"
    xp = cupy

    def __init__(self, device):
        self.index = device.index or 0
        super().__init__(device)

    def device_context(self):
        return cupy.cuda.Device(self.index)

    def asarray(self, data, dtype=None):
        with self.device_context():
            return cupy.asarray(data, dtype=None if dtype is None else dtype.numpy)

    def to_numpy(self, array):
        return cupy.asnumpy(array)

    def seed(self, seed: int) -> None:
        with self.device_context():
            self.rng = cupy.random.Generator(cupy.random.XORWOW(seed))

    def from_dlpack(self, obj):
        return cupy.from_dlpack(obj)
