"""Shared fixtures: the devices every device-independent test runs on, and a seeded generator.

``device`` gives ``'cpu'`` always and ``'cuda'`` where a GPU is usable; without one the CUDA cases
are skipped, not failed.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_conv as mt

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not mt.cuda.is_available(), reason="no CUDA GPU available"),
    ),
]


@pytest.fixture(params=DEVICES)
def device(request):
    """Each device in turn: 'cpu', and 'cuda' where a GPU is usable (skipped otherwise)."""
    return request.param


@pytest.fixture
def rng(request):
    """A NumPy generator seeded from the test's name, so every test is reproducible on its own."""
    seed = sum(map(ord, request.node.nodeid)) % (2**32)
    return np.random.default_rng(seed)
