"""save/load: bit-exact round trips, and a clear CheckpointError (with nothing executed) for every
file that is not an intact checkpoint; an interrupted save leaves the previous file intact."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv import nn, serialization
from minitorch_conv.serialization import CheckpointError

EXECUTED: list[str] = []


def _mark_executed():
    EXECUTED.append("unpickled!")
    return "payload"


class Payload:
    """An object whose unpickling would run code: the loader must never get that far."""

    def __reduce__(self):
        return (_mark_executed, ())


def numpy_of(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and \
        np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def test_round_trip_is_bit_exact(tmp_path, rng):
    weird = np.array([np.nan, -0.0, np.inf, -np.inf, 1e-310, 1.0], dtype=np.float64)
    weird_nan = np.frombuffer(np.uint64(0x7FF8DEADBEEF0001).tobytes(), dtype=np.float64)
    tensors = {
        "f32": mt.tensor(rng.standard_normal((3, 4)).astype(np.float32)),
        "f64": mt.tensor(np.concatenate([weird, weird_nan])),
        "f16": mt.tensor(rng.standard_normal(5).astype(np.float16)),
        "i64": mt.tensor([-(2**62), 0, 2**62]),
        "u8": mt.tensor(np.arange(5, dtype=np.uint8)),
        "i8": mt.tensor(np.array([-128, 127], dtype=np.int8)),
        "bool": mt.tensor([True, False]),
        "scalar": mt.tensor(3.5),
        "empty": mt.zeros(0, 3),
        "transposed": mt.tensor(rng.standard_normal((3, 5))).t(),
    }
    obj = {
        "tensors": tensors,
        "odict": OrderedDict([("b", 1), ("a", 2)]),
        3: ["int key", (1, 2.5, None, True, "text")],
        "floats": [float("nan"), float("inf"), -0.0, 0.1, 1e300],
        "big": 2**100,
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "np_scalar": np.float32(0.1),
        "grad": mt.ones(2, requires_grad=True),
        "param": nn.Parameter(mt.ones(2)),
    }
    path = tmp_path / "ckpt.npz"
    mt.save(obj, path)
    out = mt.load(path)
    for name, t in tensors.items():
        got = out["tensors"][name]
        assert isinstance(got, mt.Tensor) and got.dtype == t.dtype, name
        assert same_bits(numpy_of(got), numpy_of(t)), name
    assert isinstance(out["odict"], OrderedDict) and list(out["odict"]) == ["b", "a"]
    assert out[3] == ["int key", (1, 2.5, None, True, "text")]
    assert isinstance(out[3][1], tuple)
    assert np.isnan(out["floats"][0]) and out["floats"][1:] == [float("inf"), -0.0, 0.1, 1e300]
    assert str(out["floats"][2]) == "-0.0"
    assert out["big"] == 2**100
    assert same_bits(out["array"], obj["array"])
    assert type(out["np_scalar"]) is np.float32 and out["np_scalar"] == np.float32(0.1)
    assert out["grad"].requires_grad and out["grad"].is_leaf
    assert isinstance(out["param"], nn.Parameter) and not isinstance(out["grad"], nn.Parameter)


def test_shared_tensors_stay_shared(tmp_path):
    t = mt.ones(3)
    mt.save({"a": t, "b": [t]}, tmp_path / "s.npz")
    out = mt.load(tmp_path / "s.npz")
    assert out["a"] is out["b"][0]


def test_model_and_optimizer_checkpoint(tmp_path):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = mt.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    sched = mt.optim.lr_scheduler.StepLR(opt, 2)
    x = mt.randn(8, 3)
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
        sched.step()
    path = str(tmp_path / "model.npz")
    mt.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict()},
            path)
    ckpt = mt.load(path)
    twin = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    twin.load_state_dict(ckpt["model"])
    twin_opt = mt.optim.Adam(twin.parameters())
    twin_opt.load_state_dict(ckpt["opt"])
    twin_sched = mt.optim.lr_scheduler.StepLR(twin_opt, 5)
    twin_sched.load_state_dict(ckpt["sched"])
    assert twin_opt.param_groups[0]["betas"] == (0.9, 0.999)  # tuples come back as tuples
    for name, value in model.state_dict().items():
        assert same_bits(numpy_of(value), numpy_of(twin.state_dict()[name])), name
    for a, b in ((model, opt), (twin, twin_opt)):
        b.zero_grad()
        a(x).pow(2).mean().backward()
        b.step()
    for p, q in zip(model.parameters(), twin.parameters()):
        assert same_bits(numpy_of(p), numpy_of(q))


def test_file_objects_and_map_location():
    buffer = io.BytesIO()
    mt.save([mt.arange(3)], buffer)
    buffer.seek(0)
    (t,) = mt.load(buffer, map_location="cpu")
    assert t.device == mt.device("cpu") and t.tolist() == [0, 1, 2]


def test_unsupported_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="cannot save an object of type"):
        mt.save({"f": lambda: 0}, path)
    with pytest.raises(TypeError, match="dtype"):
        mt.save(np.array(["a", "b"]), path)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------- rejections
@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "good.npz"
    mt.save({"w": mt.arange(1000.0), "meta": {"epoch": 3}}, path)
    return path.read_bytes()


def load_bytes(tmp_path, data: bytes, name="bad.npz"):
    path = tmp_path / name
    path.write_bytes(data)
    return mt.load(path)


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.3, 0.5, 0.9, 0.99])
def test_truncated_files_are_rejected(tmp_path, checkpoint, fraction):
    with pytest.raises(CheckpointError):
        load_bytes(tmp_path, checkpoint[: int(len(checkpoint) * fraction)])


def test_corrupted_payload_and_structure_are_rejected(tmp_path, checkpoint):
    payload = checkpoint.index(np.arange(1000, dtype=np.float32)[500:502].tobytes())
    structure = checkpoint.index(b'"format"')
    for position in (payload, structure):
        data = bytearray(checkpoint)
        data[position] ^= 0x01
        with pytest.raises(CheckpointError, match="corrupted"):
            load_bytes(tmp_path, bytes(data))


def write_npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def structure(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)


def test_pickle_bearing_files_are_rejected_without_executing(tmp_path):
    EXECUTED.clear()
    header = {"format": "minitorch_conv", "version": 1, "root": {"ndarray": "t0"}}
    write_npz(tmp_path / "objects.npz", __structure__=structure(header),
              t0=np.array([Payload()], dtype=object))
    with pytest.raises(CheckpointError, match="pickle"):
        mt.load(tmp_path / "objects.npz")
    (tmp_path / "plain.pkl").write_bytes(pickle.dumps({"x": Payload()}))
    with pytest.raises(CheckpointError, match="pickle"):
        mt.load(tmp_path / "plain.pkl")
    for protocol in (2, pickle.HIGHEST_PROTOCOL):  # a zip holding a pickle, as torch.save writes
        with zipfile.ZipFile(tmp_path / "torch_style.pt", "w") as z:
            z.writestr("archive/data.pkl", pickle.dumps(Payload(), protocol=protocol))
        with pytest.raises(CheckpointError, match="Unsupported"):
            mt.load(tmp_path / "torch_style.pt")
    assert EXECUTED == []


def test_torch_checkpoints_load(tmp_path):
    """PyTorch's files are read by the restricted reader (tests/serialization/test_torch_checkpoints.py)."""
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "model.pt")
    assert mt.load(tmp_path / "model.pt")["w"].tolist() == [1.0, 1.0]


def test_foreign_and_malformed_files_are_rejected(tmp_path):
    write_npz(tmp_path / "plain.npz", a=np.arange(3))
    with pytest.raises(CheckpointError, match="no __structure__"):
        mt.load(tmp_path / "plain.npz")
    np.save(tmp_path / "array.npy", np.arange(3))
    with pytest.raises(CheckpointError, match="not a minitorch_conv checkpoint"):
        mt.load(tmp_path / "array.npy")
    with pytest.raises(CheckpointError, match="empty"):
        load_bytes(tmp_path, b"")
    with pytest.raises(CheckpointError, match="not a minitorch_conv checkpoint"):
        load_bytes(tmp_path, b"just some text")
    bad_headers = {
        "not json": (np.frombuffer(b"{nope", dtype=np.uint8), "not valid JSON"),
        "wrong format": (structure({"format": "other", "version": 1, "root": 1}), "unknown"),
        "future version": (structure({"format": "minitorch_conv", "version": 99, "root": 1}),
                           "version 99"),
        "missing array": (structure({"format": "minitorch_conv", "version": 1,
                                     "root": {"tensor": "t7", "requires_grad": False,
                                              "device": "cpu"}}), "missing array"),
        "unknown node": (structure({"format": "minitorch_conv", "version": 1,
                                    "root": {"eval": "print(1)"}}), "unknown node"),
        "bytes as structure": (np.arange(3.0), "not a byte string"),
    }
    for name, (raw, message) in bad_headers.items():
        path = tmp_path / (name.replace(" ", "_") + ".npz")
        write_npz(path, __structure__=raw)
        with pytest.raises(CheckpointError, match=message):
            mt.load(path)


# ---------------------------------------------------------------------------- atomic writes
@pytest.mark.parametrize("failure", ["during_write", "at_fsync", "at_rename", "interrupt"])
def test_interrupted_save_leaves_the_old_file_intact(tmp_path, monkeypatch, failure):
    path = tmp_path / "ckpt.npz"
    mt.save({"version": 1, "w": mt.ones(100)}, path)
    old = path.read_bytes()

    def broken_write(arrays, structure_bytes, f):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt if failure == "interrupt" else OSError("disk full")

    def broken(*args, **kwargs):
        raise OSError("simulated crash")

    if failure in ("during_write", "interrupt"):
        monkeypatch.setattr(serialization, "_write", broken_write)
    elif failure == "at_fsync":
        monkeypatch.setattr(serialization.os, "fsync", broken)
    else:
        monkeypatch.setattr(serialization.os, "replace", broken)
    with pytest.raises((OSError, KeyboardInterrupt)):
        mt.save({"version": 2, "w": mt.zeros(100)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert mt.load(path)["version"] == 1
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary file left behind


def test_save_replaces_atomically_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "ckpt.npz"
    for version in range(3):
        mt.save({"version": version}, path)
    assert mt.load(path)["version"] == 2
    assert os.listdir(tmp_path) == ["ckpt.npz"]


# Two modules exchange pickles between the processes of one job, as PyTorch's do, and never read
# one from a file: the DataLoader's worker pipes (a small pickle whose arrays travel as raw bytes)
# and the distributed *_object collectives (PyTorch's contract: trusted ranks only).
PROCESS_MESSAGES_ONLY = {os.path.join("utils", "data", "_worker.py"),
                         os.path.join("distributed", "collectives.py")}


def test_no_pickle_in_the_package():
    import minitorch_conv

    root = os.path.dirname(minitorch_conv.__file__)
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                assert "allow_pickle=True" not in text, name
                if os.path.relpath(path, root) in PROCESS_MESSAGES_ONLY:
                    assert "open(" not in text and "pickle.load(" not in text, name  # never files
                    continue
                assert "import pickle" not in text, name
