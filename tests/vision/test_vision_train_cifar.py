"""examples/train_cifar.py runs end to end (on FakeData: no download), with DataLoader workers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_cifar.py"


def load_example():
    spec = importlib.util.spec_from_file_location("train_cifar", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_cifar_runs_with_workers(capsys):
    accuracy = load_example().main(["--fake", "--subset", "32", "--epochs", "1", "--batch-size", "16",
                                    "--workers", "2"])
    assert 0.0 <= accuracy <= 1.0
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1] == f"test accuracy: {accuracy:.4f}"
    assert "resnet20: 269722 parameters; 32 training and 32 test images; 2 workers" in out.err


def test_train_cifar_without_files_says_how_to_get_them(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use download=True"):
        load_example().main(["--data", str(tmp_path), "--epochs", "1"])
