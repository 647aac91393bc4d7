"""``mt.backends.cudnn``: PyTorch's cuDNN switches, answered honestly.

minitorch_conv's GPU convolutions are its own kernels plus cuBLAS (CuPy 14 has no cuDNN), so
``is_available()`` is False everywhere. The flags exist so that programs which set them run
unchanged:

- ``benchmark``: PyTorch's autotuner; here there is nothing to tune (one algorithm per shape).
- ``deterministic``: every convolution here is deterministic on both devices already (col2im
  gathers; no atomics), so True changes nothing; for PyTorch's global switch, whose refusals
  of nondeterministic operations do apply here, see ``mt.use_deterministic_algorithms``.
- ``enabled``, ``allow_tf32``: kept; TF32 GEMMs on the GPU follow ``mt.backends.cuda.matmul.allow_tf32``.

>>> import minitorch_conv as mt
>>> mt.backends.cudnn.is_available(), mt.backends.cudnn.version()
(False, None)
>>> mt.backends.cudnn.benchmark = True   # accepted, as in a PyTorch script
"""

from __future__ import annotations

import contextlib

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: minitorch_conv does not use cuDNN."""
    return False


def version() -> int | None:
    """None: no cuDNN library is loaded."""
    return None


def is_acceptable(tensor) -> bool:
    """Whether cuDNN would take ``tensor`` (never, here)."""
    return False


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, deterministic: bool = False,
          allow_tf32: bool = True):
    """Set the flags for a ``with`` block, as ``torch.backends.cudnn.flags`` does."""
    module = globals()
    saved = {name: module[name] for name in ("enabled", "benchmark", "deterministic", "allow_tf32")}
    module.update(enabled=enabled, benchmark=benchmark, deterministic=deterministic, allow_tf32=allow_tf32)
    try:
        yield
    finally:
        module.update(saved)
