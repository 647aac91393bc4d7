"""safetensors files: the suffix or format= picks the format, dtypes and metadata round-trip
exactly, bad files are refused clearly, saves are atomic, and weights cross to and from PyTorch."""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import pytest
from interop_models import randomize_batchnorm, small_cnn

import minitorch_conv as mt
from minitorch_conv import serialization
from minitorch_conv.serialization import CheckpointError

safetensors = pytest.importorskip("safetensors")


def exact(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and \
        np.ascontiguousarray(a).view(np.uint8).tobytes() == np.ascontiguousarray(b).view(np.uint8).tobytes()


def tensors(rng) -> dict:
    return {
        "f32": mt.tensor(rng.standard_normal((3, 4)).astype(np.float32)),
        "f64": mt.tensor(np.array([np.nan, -0.0, np.inf, 1e-310, 1.0])),
        "f16": mt.tensor(rng.standard_normal(5).astype(np.float16)),
        "i64": mt.tensor([-(2**62), 0, 2**62]), "i32": mt.tensor(np.arange(3, dtype=np.int32)),
        "i16": mt.tensor(np.array([-3, 7], dtype=np.int16)),
        "i8": mt.tensor(np.array([-128, 127], dtype=np.int8)),
        "u8": mt.tensor(np.arange(5, dtype=np.uint8)), "bool": mt.tensor([True, False]),
        "scalar": mt.tensor(3.5), "empty": mt.zeros(0, 3),
        "transposed": mt.tensor(rng.standard_normal((3, 5)).astype(np.float32)).t(),
    }


@pytest.mark.parametrize("through", ["path", "file object"])
def test_round_trip_is_bit_exact_with_metadata(tmp_path, rng, through):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    state = tensors(rng)
    state["bf16"] = np.array([1.5, -2.25, 3e38], dtype=ml_dtypes.bfloat16)  # NumPy holds it
    state["u16"] = np.array([0, 65535], dtype=np.uint16)
    state["c64"] = np.array([1 + 2j], dtype=np.complex64)
    metadata = {"format": "pt", "epoch": "3"}
    if through == "path":
        mt.save(state, tmp_path / "m.safetensors", metadata=metadata)
        out = mt.load(tmp_path / "m.safetensors")
    else:
        buffer = io.BytesIO()
        mt.save(state, buffer, format="safetensors", metadata=metadata)
        buffer.seek(0)
        out = mt.load(buffer)
    assert out.metadata == metadata and sorted(out) == sorted(state)
    for name, value in state.items():
        got = out[name]
        if isinstance(value, mt.Tensor):
            assert isinstance(got, mt.Tensor) and got.dtype == value.dtype, name
            assert exact(got.numpy(), value.numpy()), name
        else:  # no Tensor type for these: NumPy arrays holding the exact bits
            assert isinstance(got, np.ndarray) and exact(got, value), name
    out["f32"][0, 0] = 1.0  # a loaded tensor is writable and its own memory


def test_the_suffix_or_format_chooses(tmp_path):
    state = {"w": mt.ones(2)}
    mt.save(state, tmp_path / "a.safetensors")
    mt.save(state, tmp_path / "b.bin", format="safetensors")
    mt.save(state, tmp_path / "c.safetensors", format="npz")
    mt.save(state, tmp_path / "d.pt")  # PyTorch's format
    mt.save(state, tmp_path / "e.ckpt")  # our npz layout, for any other suffix
    kinds = {}
    for name in ("a.safetensors", "b.bin", "c.safetensors", "d.pt", "e.ckpt"):
        with open(tmp_path / name, "rb") as f:
            kinds[name] = serialization.files.sniff_format(f)
        assert mt.load(tmp_path / name)["w"].tolist() == [1.0, 1.0]  # recognised by content
    assert kinds == {"a.safetensors": "safetensors", "b.bin": "safetensors", "c.safetensors": "npz",
                     "d.pt": "torch", "e.ckpt": "npz"}
    with pytest.raises(CheckpointError, match="expected a npz file, but this is a safetensors"):
        mt.load(tmp_path / "a.safetensors", format="npz")
    with pytest.raises(ValueError, match="format must be one of"):
        mt.save(state, tmp_path / "x", format="pickle")


def test_metadata_is_kept_through_a_load_and_save(tmp_path):
    mt.save({"w": mt.ones(1)}, tmp_path / "a.safetensors", metadata={"source": "here"})
    state = mt.load(tmp_path / "a.safetensors")
    state["w"] = state["w"] * 2
    mt.save(state, tmp_path / "b.safetensors")  # the loaded dict's metadata goes back
    assert mt.load(tmp_path / "b.safetensors").metadata == {"source": "here"}
    with safetensors.safe_open(str(tmp_path / "b.safetensors"), framework="np") as f:
        assert f.metadata() == {"source": "here"}
    with pytest.raises(TypeError, match="dict of str to str"):
        mt.save({"w": mt.ones(1)}, tmp_path / "c.safetensors", metadata={"epoch": 3})
    with pytest.raises(TypeError, match="safetensors files only"):
        mt.save({"w": mt.ones(1)}, tmp_path / "c.npz", metadata={"a": "b"})


def test_what_a_safetensors_file_cannot_hold_is_refused_before_writing(tmp_path):
    path = tmp_path / "x.safetensors"
    cases = [({"model": {"w": mt.ones(1)}}, "flat dict"), ([mt.ones(1)], "flat dict"),
             ({1: mt.ones(1)}, "keys must be strings"), ({"name": "text"}, "metadata="),
             ({"epoch": 3}, "tensors only"), ({"s": np.array(["a"])}, "no <U1 type")]
    for obj, message in cases:
        with pytest.raises(TypeError, match=message):
            mt.save(obj, path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.2, 0.5, 0.9, 0.999])
def test_truncated_files_are_refused(tmp_path, fraction):
    mt.save({"w": mt.arange(1000.0), "b": mt.ones(3)}, tmp_path / "full.safetensors")
    data = (tmp_path / "full.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(CheckpointError):
        mt.load(tmp_path / "cut.safetensors")
    with pytest.raises(CheckpointError):
        mt.load(io.BytesIO(data[: int(len(data) * fraction)]))


def test_foreign_and_corrupted_files_are_refused(tmp_path):
    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    good = len(header).to_bytes(8, "little") + header + bytes(8)
    assert mt.load(io.BytesIO(good))["w"].tolist() == [0.0, 0.0]
    bad = {
        "offsets past the end": good.replace(b"[0,8]", b"[0,9]"),
        "shape and size disagree": good.replace(b"[2]", b"[3]"),
        "not JSON": len(header).to_bytes(8, "little") + b"{" + b"x" * (len(header) - 1) + bytes(8),
        "header longer than the file": (10**6).to_bytes(8, "little") + header + bytes(8),
    }
    for data in bad.values():
        (tmp_path / "bad.safetensors").write_bytes(data)
        with pytest.raises(CheckpointError, match="safetensors"):
            mt.load(tmp_path / "bad.safetensors")
        with pytest.raises(CheckpointError):
            mt.load(io.BytesIO(data))
    (tmp_path / "text.safetensors").write_bytes(b"just some text, not weights")
    with pytest.raises(CheckpointError, match="not a minitorch_conv checkpoint"):
        mt.load(tmp_path / "text.safetensors")


def test_bfloat16_without_ml_dtypes_is_a_clear_error(monkeypatch):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    buffer = io.BytesIO()
    mt.save({"w": np.ones(2, dtype=ml_dtypes.bfloat16)}, buffer, format="safetensors")
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # as if it were not installed
    with pytest.raises(CheckpointError, match="ml_dtypes"):
        mt.load(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("failure", ["during_write", "at_fsync", "at_rename", "interrupt"])
def test_interrupted_save_leaves_the_old_file_intact(tmp_path, monkeypatch, failure):
    path = tmp_path / "m.safetensors"
    mt.save({"w": mt.ones(100)}, path, metadata={"version": "1"})
    old = path.read_bytes()

    def broken(*args, **kwargs):
        raise KeyboardInterrupt if failure == "interrupt" else OSError("simulated crash")

    if failure in ("during_write", "interrupt"):
        monkeypatch.setattr(serialization.safetensors_format, "serialize", broken)
    elif failure == "at_fsync":
        monkeypatch.setattr(serialization.files.os, "fsync", broken)
    else:
        monkeypatch.setattr(serialization.files.os, "replace", broken)
    with pytest.raises((OSError, KeyboardInterrupt)):
        mt.save({"w": mt.zeros(100)}, path, metadata={"version": "2"})
    monkeypatch.undo()
    assert path.read_bytes() == old and mt.load(path).metadata == {"version": "1"}
    assert os.listdir(tmp_path) == ["m.safetensors"]  # no temporary file left behind


# ---------------------------------------------------------------------------- with PyTorch
def test_weights_saved_by_safetensors_torch_load_here(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    theirs = small_cnn(torch.nn).eval()
    randomize_batchnorm(theirs, torch)
    save_file(theirs.state_dict(), tmp_path / "cnn.safetensors", metadata={"format": "pt"})
    ours = small_cnn(mt.nn).eval()
    state = mt.load(tmp_path / "cnn.safetensors")
    assert state.metadata == {"format": "pt"}
    ours.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_weights_saved_here_load_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    mt.manual_seed(1)
    ours = small_cnn(mt.nn).eval()
    randomize_batchnorm(ours, mt)
    mt.save(ours.state_dict(), tmp_path / "cnn.safetensors")
    theirs = small_cnn(torch.nn).eval()
    theirs.load_state_dict(load_file(tmp_path / "cnn.safetensors"))
    assert theirs.features[1].num_batches_tracked.dtype == torch.int64
    x = np.random.default_rng(1).standard_normal((4, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_bfloat16_bits_match_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    from safetensors.torch import load_file, save_file

    weights = torch.randn(4, 3).to(torch.bfloat16)
    save_file({"w": weights}, tmp_path / "bf16.safetensors")
    got = mt.load(tmp_path / "bf16.safetensors")["w"]
    assert got.dtype.name == "bfloat16"
    assert got.view(np.uint16).tobytes() == weights.view(torch.int16).numpy().tobytes()
    mt.save({"w": got}, tmp_path / "back.safetensors")
    assert torch.equal(load_file(tmp_path / "back.safetensors")["w"], weights)
