"""PyTorch programs run unmodified through ``python -m minitorch_conv.as_torch`` (tests/programs).

Each script imports ``torch`` only. It must finish, and its loss must fall. Where PyTorch is
installed, the same script runs on PyTorch too, as a control that the script itself is right.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = sorted((Path(__file__).parent / "programs").glob("*.py"))
ROOT = Path(__file__).resolve().parent.parent


def run(args, timeout=120):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


def losses(output: str) -> tuple[float, float]:
    match = re.search(r"LOSS first=(\S+) last=(\S+)", output)
    assert match, f"the program did not report its loss:\n{output}"
    return float(match.group(1)), float(match.group(2))


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_runs_unmodified_and_learns(program):
    result = run(["-m", "minitorch_conv.as_torch", str(program)])
    assert result.returncode == 0, f"{program.name} failed:\n{result.stdout}\n{result.stderr}"
    first, last = losses(result.stdout)
    assert last < first, f"{program.name}: loss did not fall ({first} -> {last})"


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_runs_on_pytorch_too(program):
    pytest.importorskip("torch")
    result = run([str(program)])
    assert result.returncode == 0, f"{program.name} fails on PyTorch itself:\n{result.stderr}"
    first, last = losses(result.stdout)
    assert last < first
