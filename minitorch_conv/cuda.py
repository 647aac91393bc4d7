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


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator (and the CPU's, as :func:`manual_seed` does)."""
    manual_seed(seed)


def empty_cache() -> None:
    """Give CuPy's cached, unused GPU memory back to the driver (a no-op without a GPU)."""
    if is_available():
        from .backends import cupy_backend

        cupy_backend.cupy.get_default_memory_pool().free_all_blocks()


def get_device_name(device=None) -> str:
    """The GPU's name, as the driver reports it."""
    if not is_available():
        raise RuntimeError("Found no NVIDIA driver on your system (no CUDA GPU usable by CuPy)")
    from .backends import cupy_backend

    index = 0 if device is None else (device if isinstance(device, int) else (device.index or 0))
    name = cupy_backend.cupy.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)



def __getattr__(name: str):
    """``mt.cuda.amp`` (PyTorch's ``torch.cuda.amp``): autocast and GradScaler for the GPU."""
    if name == "amp":
        from .amp import device_namespace

        namespace = globals()["amp"] = device_namespace("cuda")
        return namespace
    raise AttributeError(f"module 'minitorch_conv.cuda' has no attribute '{name}'")
