"""Devices and the backend that serves each one.

``get_backend(device)`` is the one door to an array library: NumPy for ``'cpu'``, CuPy for
``'cuda'`` / ``'cuda:N'``. Nothing outside this package imports numpy or cupy.
"""

from __future__ import annotations

import contextlib
from typing import Any

from . import cupy_backend, kernel_trace, overrides  # noqa: F401  (overrides: mt.backends.override's)
from .dtypes import (  # noqa: F401  (re-exported)
    CPP_NAMES,
    SCALAR_NAMES,
    DType,
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    to_dtype,
    uint8,
)
from .kernel_trace import explain  # noqa: F401  (mt.backends.explain)
from .numpy_backend import NumpyBackend, format_array  # noqa: F401  (format_array: re-exported)
from .overrides import override  # noqa: F401  (mt.backends.override: the kernels' one seam)


class Device:
    """A device such as ``device('cpu')`` or ``device('cuda:0')``.

    >>> import minitorch_conv as mt
    >>> mt.device("cuda:1")
    device(type='cuda', index=1)
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: Any = "cpu", index: int | None = None):
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if isinstance(spec, int) and not isinstance(spec, bool):
            spec, index = "cuda", spec
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string or a device, got {type(spec).__name__}")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec}")
        if idx:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{spec}'")
            index = int(idx)
        self.type = kind
        self.index = index if kind == "cuda" else None

    def __eq__(self, other):
        if isinstance(other, str):
            other = Device(other)
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = Device("cpu")
_seed = 0x5EED
_backends: dict[Device, Any] = {}


def quiet(xp):
    """NumPy's floating-point warnings off, where inf and NaN are the answer (``1 / 0``), as in
    PyTorch, which never warns there. CuPy never warns.

    >>> import numpy as np
    >>> with quiet(np):
    ...     float(np.float64(1.0) / 0.0)
    inf
    """
    errstate = getattr(xp, "errstate", None)
    return errstate(all="ignore") if errstate is not None else contextlib.nullcontext()


def get_backend(device: Any = None):
    """The backend for ``device`` (default CPU); a RuntimeError where CUDA is asked for but absent."""
    device = CPU if device is None else Device(device)
    if device.type == "cuda" and device.index is None:
        device = Device("cuda", 0)
    backend = _backends.get(device)
    if backend is None:
        if device.type == "cpu":
            backend = NumpyBackend(device)
        else:
            if not cupy_backend.is_available():
                raise RuntimeError(
                    f"Cannot use device '{device}': no CUDA GPU is available "
                    "(CuPy is not installed, or it finds no usable GPU and driver)."
                )
            if device.index >= cupy_backend.device_count():
                raise RuntimeError(f"CUDA error: invalid device ordinal {device.index}")
            backend = cupy_backend.CupyBackend(device)
        backend.seed(_seed)
        _backends[device] = backend
    return backend


def backend_of_array(array):
    """The backend whose array module made ``array``."""
    if cupy_backend.cupy is not None and isinstance(array, cupy_backend.cupy.ndarray):
        return get_backend(Device("cuda", array.device.id))
    return get_backend(CPU)


def manual_seed(seed: int) -> None:
    """Seed the generator of every device in use (and of devices used later)."""
    global _seed
    _seed = int(seed)
    for backend in list(_backends.values()):
        backend.seed(_seed)


def cuda_is_available() -> bool:
    return cupy_backend.is_available()


def cuda_device_count() -> int:
    return cupy_backend.device_count()


def is_array(obj) -> bool:
    """True for a NumPy or CuPy ndarray."""
    import numpy

    if isinstance(obj, numpy.ndarray):
        return True
    return cupy_backend.cupy is not None and isinstance(obj, cupy_backend.cupy.ndarray)


# ---------------------------------------------------------------------------- global flags
class _MatmulFlags:
    """``mt.backends.cuda.matmul``: PyTorch's switch for TensorFloat32 GEMMs on the GPU."""

    def __init__(self):
        self._allow_tf32 = False

    @property
    def allow_tf32(self) -> bool:
        """Let float32 GEMMs on the GPU (conv, linear, matmul) use TF32 tensor cores (default False).

        TF32 keeps float32's range with a 10-bit mantissa: about 1e-3 relative error, several times
        the speed on Ampere and later GPUs. It has no effect on the CPU.
        """
        return self._allow_tf32

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        self._allow_tf32 = bool(value)
        cupy_backend.set_tf32(self._allow_tf32)


class _CudaFlags:
    def __init__(self):
        self.matmul = _MatmulFlags()


cuda = _CudaFlags()
_deterministic = {"enabled": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Refuse (RuntimeError) every operation whose result could differ from run to run.

    Every convolution path here is deterministic on both devices (col2im gathers; no atomics);
    what is not (index backward with repeated indices on the GPU, which adds with atomics) raises
    in this mode, or warns with ``warn_only=True``.
    """
    _deterministic["enabled"] = bool(mode)
    _deterministic["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["enabled"]


def alert_not_deterministic(operation: str, device) -> None:
    """Raise (or warn) if deterministic mode is on and ``operation`` is not deterministic on ``device``."""
    if not _deterministic["enabled"] or Device(device).type == "cpu":
        return
    message = (f"{operation} does not have a deterministic implementation on {device}, but you set "
               "'use_deterministic_algorithms(True)'.")
    if _deterministic["warn_only"]:
        import warnings

        warnings.warn(message, UserWarning, stacklevel=3)
    else:
        raise RuntimeError(message)
