"""tools/gpu_check.sh cannot rot between the rare sessions with a GPU: its dry run here checks that
every step's program exists, its options are accepted and its test selections collect."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = ["tests-cuda", "tests-backends", "bench-tf32-off", "bench-tf32-on", "train-cnn",
         "gradcheck-sweep", "determinism-1", "determinism-2"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_gpu_check_dry_run_passes_every_step(tmp_path):
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "PYTHON": sys.executable,
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run(["bash", "tools/gpu_check.sh", "--dry-run", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=env)
    summary = (tmp_path / "summary.txt").read_text()
    assert result.returncode == 0, summary + result.stderr
    for name in STEPS:
        assert any(line.startswith(name) and "ok (dry run)" in line for line in summary.splitlines()), \
            f"{name} missing or failing in:\n{summary}"
    assert summary.rstrip().endswith("0 step(s) failed; logs in " + str(tmp_path) + "/")


def test_gpu_sweeps_refuse_clearly_without_a_gpu():
    import minitorch_conv as mt

    if mt.cuda.is_available():
        pytest.skip("a GPU is present: the sweeps themselves run in tools/gpu_check.sh")
    result = subprocess.run([sys.executable, "tools/gpu_sweeps.py", "gradcheck"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "no CUDA GPU usable by CuPy here" in result.stderr


def test_gradcheck_sweep_passes_on_the_cpu():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gpu_sweeps
    finally:
        sys.path.pop(0)
    assert gpu_sweeps.gradcheck_sweep("cpu") == 0
