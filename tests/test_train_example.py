"""examples/train_cnn.py on a small subset of the digits: output format, files, determinism and
--resume. (The full default run, >= 98% test accuracy, is what the README's first command does.)"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import minitorch_conv as mt

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "examples", "train_cnn.py")
QUICK = ["--subset", "160", "--batch-size", "32"]


def load_example():
    spec = importlib.util.spec_from_file_location("train_cnn_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_line_run_prints_accuracy_last_and_writes_outputs(tmp_path):
    out = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, SCRIPT, "--epochs", "1", "--out", str(out), *QUICK],
                            capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"test accuracy: [01]\.\d{4}", lines[-1]), lines
    assert re.search(r"epoch +1/1: .*loss=.*acc=", result.stderr)  # the progress bar
    for name in ("checkpoint.npz", "curves.png", "filters.png"):
        data = (out / name).read_bytes()
        assert len(data) > 1000, name
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ckpt = mt.load(out / "checkpoint.npz")
    assert ckpt["epoch"] == 1 and len(ckpt["history"]["test_acc"]) == 1
    assert set(ckpt) >= {"model", "optimizer", "scheduler", "history", "args"}


def test_same_seed_same_numbers_and_training_helps(tmp_path, capsys):
    example = load_example()
    args = ["--epochs", "2", *QUICK]
    first = example.main([*args, "--out", str(tmp_path / "a"), "--seed", "3"])
    out_a = capsys.readouterr().out
    second = example.main([*args, "--out", str(tmp_path / "b"), "--seed", "3"])
    out_b = capsys.readouterr().out
    assert first == second and out_a == out_b
    a = mt.load(tmp_path / "a" / "checkpoint.npz")
    b = mt.load(tmp_path / "b" / "checkpoint.npz")
    assert a["history"] == b["history"]
    for name, value in a["model"].items():
        np.testing.assert_array_equal(value.numpy(), b["model"][name].numpy(), err_msg=name)
    losses = a["history"]["test_loss"]
    assert losses[-1] < losses[0] or a["history"]["test_acc"][-1] > 0.5


def test_resume_continues_where_an_interrupted_run_stopped(tmp_path, capsys, monkeypatch):
    example = load_example()
    args = ["--epochs", "3", *QUICK]
    full = example.main([*args, "--out", str(tmp_path / "full")])
    capsys.readouterr()

    real_epoch = example.train_one_epoch
    calls = []

    def crash_on_third_epoch(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_epoch(*a, **k)

    monkeypatch.setattr(example, "train_one_epoch", crash_on_third_epoch)
    with pytest.raises(KeyboardInterrupt):
        example.main([*args, "--out", str(tmp_path / "cut")])
    assert mt.load(tmp_path / "cut" / "checkpoint.npz")["epoch"] == 2
    monkeypatch.undo()
    resumed = example.main([*args, "--out", str(tmp_path / "cut"), "--resume"])
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"test accuracy: {full:.4f}"
    assert resumed == full
    a = mt.load(tmp_path / "full" / "checkpoint.npz")
    b = mt.load(tmp_path / "cut" / "checkpoint.npz")
    assert a["history"] == b["history"] and b["epoch"] == 3
    for name, value in a["model"].items():
        np.testing.assert_array_equal(value.numpy(), b["model"][name].numpy(), err_msg=name)


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    example = load_example()
    with pytest.raises(SystemExit, match="no checkpoint"):
        example.main(["--out", str(tmp_path), "--resume", *QUICK])


def test_dataset_option_trains_on_mnist_files_placed_by_hand(tmp_path, capsys):
    """--dataset mnist reads the official gzipped IDX files from --root/MNIST/raw (no network)."""
    import gzip
    import struct

    rng = np.random.default_rng(0)
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", 64), ("t10k", 32)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        images[np.arange(n), 2 + 2 * labels, 4:24] = 255  # a stripe per class: learnable
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
            (raw / f"{prefix}-{kind}-ubyte.gz").write_bytes(gzip.compress(header + array.tobytes()))
    example = load_example()
    accuracy = example.main(["--dataset", "mnist", "--root", str(tmp_path / "data"), "--epochs", "3",
                             "--batch-size", "16", "--out", str(tmp_path / "runs")])
    assert "test accuracy:" in capsys.readouterr().out
    assert accuracy > 0.3  # chance is 0.1
