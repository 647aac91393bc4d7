"""``mt.backends.mps``: Apple's Metal backend, which minitorch_conv does not have.

>>> import minitorch_conv as mt
>>> mt.backends.mps.is_available(), mt.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations


def is_available() -> bool:
    """False: minitorch_conv runs on the CPU (NumPy) and NVIDIA GPUs (CuPy) only."""
    return False


def is_built() -> bool:
    """False: there is no MPS support to build."""
    return False
