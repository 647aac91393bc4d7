"""``mt.cuda``: whether a GPU can be used, and how many."""

from __future__ import annotations

from .backends import cuda_device_count, cuda_is_available


def is_available() -> bool:
    """True only where CuPy imports *and* finds a usable GPU and driver.

    >>> import minitorch_conv as mt
    >>> isinstance(mt.cuda.is_available(), bool)
    True
    """
    return cuda_is_available()


def device_count() -> int:
    """The number of usable GPUs (0 without CuPy or a driver)."""
    return cuda_device_count()


def manual_seed(seed: int) -> None:
    """Seed the generators of every device (the CPU's too, as ``mt.manual_seed`` does)."""
    from .backends import manual_seed as seed_all

    seed_all(seed)


def synchronize() -> None:
    """Wait for all GPU work to finish (a no-op without a GPU)."""
    if is_available():
        from .backends import cupy_backend

        cupy_backend.cupy.cuda.Device().synchronize()
