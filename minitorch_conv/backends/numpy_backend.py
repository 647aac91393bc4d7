"""The CPU backend: NumPy arrays, NumPy's PCG64 generator."""

from __future__ import annotations

import numpy as np

from .base import Backend


class NumpyBackend(Backend):
    name = "numpy"
    xp = np

    def to_numpy(self, array):
        return array

    def seed(self, seed: int) -> None:
        self.rng = np.random.Generator(np.random.PCG64(seed))

    def from_dlpack(self, obj):
        return np.from_dlpack(obj)
