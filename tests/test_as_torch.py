"""``python -m minitorch_conv.as_torch``: torch resolves to minitorch_conv, and a script runs as
with ``python SCRIPT`` (argv, __main__, exit status, tracebacks). Each case runs in a fresh
interpreter, so the real PyTorch (where installed) never meets the import hook."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from minitorch_conv import as_torch  # noqa: E402


def run_script(tmp_path, source: str, *args: str):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "minitorch_conv.as_torch", str(script), *args],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


def test_torch_and_its_submodules_are_minitorch_conv(tmp_path):
    result = run_script(tmp_path, """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        import torch.backends.cudnn as cudnn
        from torch.optim.lr_scheduler import StepLR
        torch.backends.cudnn.benchmark = True
        print(torch.__name__, nn.__name__, F.__name__, cudnn.is_available(), torch.accelerator.is_available())
        print(sys.argv[1:], __name__, torch.cuda.is_available(), "torch._C" in sys.modules)
    """, "--epochs", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "minitorch_conv minitorch_conv.nn minitorch_conv.nn.functional False False"
    assert lines[1] == "['--epochs', '2'] __main__ False False"


def test_a_missing_module_names_what_minitorch_conv_lacks(tmp_path):
    result = run_script(tmp_path, "import torch.fx\n")
    assert result.returncode == 1
    assert "ModuleNotFoundError: No module named 'torch.fx': minitorch_conv has no 'minitorch_conv.fx'" \
        in result.stderr


def test_a_missing_attribute_is_an_attribute_error(tmp_path):
    result = run_script(tmp_path, "import torch\ntorch.compile_everything\n")
    assert result.returncode == 1
    assert "AttributeError" in result.stderr and "minitorch_conv" in result.stderr


def test_exit_status_and_traceback_are_the_scripts(tmp_path):
    result = run_script(tmp_path, """
        import sys
        def fail():
            raise ValueError("boom")
        if len(sys.argv) > 1:
            sys.exit(int(sys.argv[1]))
        fail()
    """)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert 'prog.py", line 4, in fail' in result.stderr and "ValueError: boom" in result.stderr
    assert "runpy" not in result.stderr and "as_torch.py" not in result.stderr
    assert run_script(tmp_path, "import sys\nsys.exit(3)\n").returncode == 3


def test_the_scripts_directory_is_on_the_path(tmp_path):
    (tmp_path / "helper_module.py").write_text("VALUE = 41\n")
    result = run_script(tmp_path, "import helper_module\nprint(helper_module.VALUE + 1)\n")
    assert result.returncode == 0 and result.stdout.strip() == "42"


def test_run_a_module_with_dash_m(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "job.py").write_text("import sys, torch\nprint(torch.__name__, sys.argv[1:])\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp_path)]))
    result = subprocess.run([sys.executable, "-m", "minitorch_conv.as_torch", "-m", "pkg.job", "x"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "minitorch_conv ['x']"


def test_install_refuses_when_the_real_torch_is_already_imported(tmp_path):
    pytest.importorskip("torch")
    code = "import torch, minitorch_conv.as_torch as a\ntry:\n    a.install()\nexcept RuntimeError as e:\n" \
           "    print(e)\n"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env=env)
    assert "the real 'torch' is already imported" in result.stdout


def test_resolve():
    assert as_torch.resolve("torch") == "minitorch_conv"
    assert as_torch.resolve("torch.utils.data") == "minitorch_conv.utils.data"
    assert as_torch.resolve("torchvision.datasets") == "minitorch_conv.vision.datasets"
    assert as_torch.resolve("torchaudio") is None and as_torch.resolve("numpy") is None
