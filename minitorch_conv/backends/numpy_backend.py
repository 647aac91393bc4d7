"""The CPU backend: NumPy arrays, NumPy's PCG64 generator."""

from __future__ import annotations

import numpy as np

from .base import Backend


def format_array(arr, floating: bool) -> str:
    """The body of a tensor's repr, as PyTorch prints it: ``[[1., 2.],\n        [3., 4.]]``."""
    if arr.size == 0:
        return "[]"
    options = dict(separator=", ", prefix="tensor(", threshold=1000, edgeitems=3, max_line_width=81)
    if floating:
        # PyTorch's rule: whole numbers print as "2.", unless their range calls for scientific
        # notation; everything else prints with 4 decimals (NumPy switches to scientific itself).
        finite = np.abs(arr[np.isfinite(arr) & (arr != 0)]).astype(np.float64)
        integral = bool(np.all(finite == np.round(finite)))
        wide = finite.size > 0 and (finite.max() > 1e8 or finite.max() / finite.min() > 1000)
        if integral and not wide:
            options.update(floatmode="unique")
        else:
            options.update(precision=4, floatmode="fixed")
    # PyTorch writes an elided run of elements as " ..." (one more space than NumPy)
    return np.array2string(arr, **options).replace(", ...,", ",  ...,")


class NumpyBackend(Backend):
    name = "numpy"
    xp = np

    def to_numpy(self, array):
        return array

    def seed(self, seed: int) -> None:
        self.rng = np.random.Generator(np.random.PCG64(seed))

    def from_dlpack(self, obj):
        return np.from_dlpack(obj)
