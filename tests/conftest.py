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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """``mkdocs build --strict`` of the documentation, once per session: ``(result, site folder)``.

    Shared by the tests that read the built site (tests/docs/test_docs.py, tests/docs/test_offline_math.py);
    skipped where mkdocs is not installed.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    site = tmp_path_factory.mktemp("site") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, env=env, timeout=600,
    )
    return result, site
