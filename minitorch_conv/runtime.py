"""Process-wide settings with PyTorch's names: threads and how tensors print."""

from __future__ import annotations

import os

from .backends import numpy_backend

__all__ = ["get_num_threads", "set_num_threads", "set_printoptions"]

_threads = {"count": None}


def get_num_threads() -> int:
    """The number of threads the CPU kernels use (what ``set_num_threads`` set, else the cores).

    >>> import minitorch_conv as mt
    >>> mt.get_num_threads() >= 1
    True
    """
    if _threads["count"]:
        return _threads["count"]
    if hasattr(os, "sched_getaffinity"):  # the cores this process may use
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def set_num_threads(count: int) -> None:
    """Use ``count`` threads on the CPU: for BLAS (through threadpoolctl, where installed) and the
    Numba kernels (where Numba is installed). Raises RuntimeError for a count below 1, as PyTorch."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"set_num_threads(): argument 'int' must be int, not {type(count).__name__}")
    if count < 1:
        raise RuntimeError("Number of threads must be positive")
    _threads["count"] = count
    try:
        import threadpoolctl

        threadpoolctl.threadpool_limits(count)
    except ImportError:
        pass
    try:
        import numba

        numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass


def set_printoptions(precision: int | None = None, threshold: int | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """How tensors print, with PyTorch's options and profiles ("default", "short", "full").

    >>> import minitorch_conv as mt
    >>> mt.set_printoptions(precision=2)
    >>> mt.tensor([1.2345, 2.0])
    tensor([1.23, 2.00])
    >>> mt.set_printoptions(profile="default")
    """
    options = numpy_backend.PRINT_OPTIONS
    if profile is not None:
        profiles = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, float("inf"), 3, 80)}
        if profile not in profiles:
            raise ValueError(f"Unknown profile: {profile}")
        precision_, threshold_, edgeitems_, linewidth_ = profiles[profile]
        options.update(precision=precision_, threshold=threshold_, edgeitems=edgeitems_,
                       linewidth=linewidth_, sci_mode=None)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            options[name] = value
    options["sci_mode"] = sci_mode if sci_mode is not None else options["sci_mode"]
    if profile is not None and sci_mode is None:
        options["sci_mode"] = None
