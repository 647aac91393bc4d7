"""PyTorch's .pt files read without PyTorch and without running code: what torch.save writes loads
here (views, shared storages, every dtype, the legacy format), and hostile files are refused with
nothing executed.

The hostile files are made in the tests with the ``pickle`` module's writer, or assembled opcode by
opcode (:class:`Pickle` below); they are only ever *read* by ``mt.load``.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from interop_models import randomize_batchnorm, resnet18, small_cnn

import minitorch_conv as mt
from minitorch_conv.serialization import CheckpointError

ROOT = Path(__file__).resolve().parents[2]
RAN: list[str] = []


def _record_run(*args):
    RAN.append(repr(args))
    return "ran"


_SYSTEM = os.system  # the real one, pickled by reference even where a test replaces os.system


class Evil:
    """Unpickling this runs ``os.system("touch MARKER")``: the classic malicious checkpoint."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (_SYSTEM, (f"touch {self.marker}",))


class Pickle:
    """A tiny assembler of protocol-2 pickles, to write files ``pickle.dumps`` would not."""

    def __init__(self):
        self.data = bytearray(b"\x80\x02")

    def op(self, code: bytes, payload: bytes = b"") -> Pickle:
        self.data += code + payload
        return self

    def global_(self, module: str, name: str) -> Pickle:
        return self.op(b"c", f"{module}\n{name}\n".encode())

    def str_(self, text: str) -> Pickle:
        raw = text.encode()
        return self.op(b"X", struct.pack("<I", len(raw)) + raw)

    def int_(self, value: int) -> Pickle:
        if 0 <= value < 256:
            return self.op(b"K", bytes([value]))
        raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
        return self.op(b"\x8a", bytes([len(raw)]) + raw)

    def tuple_(self, *items) -> Pickle:
        self.op(b"(")
        for item in items:
            self.value(item)
        return self.op(b"t")

    def value(self, item) -> Pickle:
        if callable(item):
            item(self)
        elif isinstance(item, str):
            self.str_(item)
        elif isinstance(item, bool):
            self.op(b"\x88" if item else b"\x89")
        elif isinstance(item, int):
            self.int_(item)
        elif item is None:
            self.op(b"N")
        elif isinstance(item, tuple):
            self.tuple_(*item)
        else:
            raise TypeError(item)
        return self

    def storage(self, key="0", numel=4, location="cpu", kind="FloatStorage") -> Pickle:
        return self.tuple_("storage", lambda p: p.global_("torch", kind), key, location,
                           numel).op(b"Q")

    def tensor(self, size=(4,), stride=(1,), offset=0, **storage) -> Pickle:
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(").storage(**storage).value(offset).tuple_(*size).tuple_(*stride)
        self.value(False).global_("collections", "OrderedDict").op(b")").op(b"R").op(b"t")
        return self.op(b"R")

    def bytes(self) -> bytes:
        return bytes(self.data + b".")


def torch_zip(path, pickled: bytes, storages: dict[str, bytes] | None = None, prefix="archive",
              **extra) -> None:
    """A zip laid out as torch.save lays it out, around the given data.pkl and storages."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{prefix}/data.pkl", pickled)
        z.writestr(f"{prefix}/byteorder", "little")
        for key, raw in (storages or {}).items():
            z.writestr(f"{prefix}/data/{key}", raw)
        z.writestr(f"{prefix}/version", "3\n")
        for name, raw in extra.items():
            z.writestr(name, raw)


FOUR_FLOATS = np.arange(4, dtype=np.float32).tobytes()


def test_the_assembler_writes_what_pytorch_reads(tmp_path):
    """The hand-made files below are real checkpoints: PyTorch and mt.load read this one alike."""
    torch_zip(tmp_path / "ok.pt", Pickle().tensor().bytes(), {"0": FOUR_FLOATS})
    assert mt.load(tmp_path / "ok.pt").tolist() == [0.0, 1.0, 2.0, 3.0]
    torch = pytest.importorskip("torch")
    assert torch.load(tmp_path / "ok.pt", weights_only=True).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_no_pytorch_is_needed(tmp_path):
    """In a process where ``import torch`` fails, a PyTorch checkpoint still loads."""
    torch_zip(tmp_path / "w.pt", Pickle().tensor().bytes(), {"0": FOUR_FLOATS})
    code = ("import sys; sys.modules['torch'] = None\n"
            "import minitorch_conv as mt\n"
            f"print(mt.load({str(tmp_path / 'w.pt')!r}).tolist())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0.0, 1.0, 2.0, 3.0]"


# ---------------------------------------------------------------------------- what torch.save writes
def test_state_dict_loads_into_the_same_architecture(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = small_cnn(torch.nn).eval()
    randomize_batchnorm(theirs, torch)
    torch.save(theirs.state_dict(), tmp_path / "cnn.pt")
    state = mt.load(tmp_path / "cnn.pt")
    assert isinstance(state, OrderedDict) and list(state) == list(theirs.state_dict())
    assert state._metadata[""] == {"version": 1}  # the OrderedDict's attributes come along
    ours = small_cnn(mt.nn).eval()
    ours.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert state["features.1.num_batches_tracked"].dtype == mt.int64


def test_resnet18_state_dict_gives_the_same_outputs(tmp_path):
    """torchvision's ResNet-18 layout, all 11.7M parameters, saved by PyTorch and run here."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = resnet18(torch.nn).eval()
    randomize_batchnorm(theirs, torch)
    torch.save(theirs.state_dict(), tmp_path / "resnet18.pth")
    ours = resnet18(mt.nn).eval()
    result = ours.load_state_dict(mt.load(tmp_path / "resnet18.pth"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(1).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        got = ours(mt.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    assert got.argmax() == expected.argmax()


def test_nested_containers_and_plain_values(tmp_path):
    torch = pytest.importorskip("torch")
    obj = {
        "epoch": 7, "lr": 0.5, "name": "run", "flag": True, "none": None, "big": 2**70,
        "negative": -(2**40), "bytes": b"\x00\xff", "set": {1, 2}, "size": torch.Size([2, 3]),
        "dtype": torch.float64, "device": torch.device("cpu"),
        "list": [torch.ones(2), (torch.zeros(1), [3, "x"])],
        "odict": OrderedDict([("b", 1), ("a", torch.arange(3))]),
        3: "int key", "counter": __import__("collections").Counter(a=2),
    }
    torch.save(obj, tmp_path / "nested.pt")
    out = mt.load(tmp_path / "nested.pt")
    for key in ("epoch", "lr", "name", "flag", "none", "big", "negative", "bytes", "set", 3):
        assert out[key] == obj[key] and type(out[key]) is type(obj[key]), key
    assert tuple(out["size"]) == (2, 3) and isinstance(out["size"], mt.Size)
    assert out["dtype"] is mt.float64 and out["device"] == mt.device("cpu")
    assert out["list"][0].tolist() == [1.0, 1.0]
    assert isinstance(out["list"][1], tuple) and out["list"][1][1] == [3, "x"]
    assert isinstance(out["odict"], OrderedDict) and list(out["odict"]) == ["b", "a"]
    assert out["odict"]["a"].tolist() == [0, 1, 2] and out["counter"] == {"a": 2}


def test_views_and_shared_storages(tmp_path):
    torch = pytest.importorskip("torch")
    base = torch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "cols": base[:, 1:5:2],
           "expanded": base[0, :3].unsqueeze(0).expand(5, 3), "other": torch.ones(3)}
    torch.save(obj, tmp_path / "views.pt")
    out = mt.load(tmp_path / "views.pt")
    for name, tensor in obj.items():
        got = out[name].numpy()
        np.testing.assert_array_equal(got, tensor.numpy(), err_msg=name)
        itemsize = got.itemsize
        assert got.strides == tuple(s * itemsize for s in tensor.stride()), name
    for name in ("t", "row", "cols", "expanded"):  # one storage: the views overlap the base
        assert np.shares_memory(out["base"].numpy(), out[name].numpy()), name
    assert not np.shares_memory(out["base"].numpy(), out["other"].numpy())
    out["base"].numpy()[2, 0] = -1.0  # one storage: a write shows through every view
    assert out["row"][0].item() == -1.0 and out["t"][0, 2].item() == -1.0


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64",
                                   "uint8", "bool", "bfloat16", "complex64", "complex128", "uint16",
                                   "uint32", "uint64", "float8_e4m3fn", "float8_e5m2"])
def test_every_dtype_round_trips_bit_for_bit(tmp_path, dtype):
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    source = torch.linspace(-3, 3, 7) * 37.25
    if dtype == "bool":
        tensor = source > 0
    elif dtype.startswith(("complex",)):
        tensor = torch.complex(source, -source).to(getattr(torch, dtype))
    elif dtype.startswith("uint") and dtype != "uint8":
        tensor = torch.arange(7, dtype=torch.int64).mul(9973).to(getattr(torch, dtype))
    else:
        tensor = source.to(getattr(torch, dtype))
    torch.save({"x": tensor}, tmp_path / "x.pt")
    got = mt.load(tmp_path / "x.pt")["x"]
    raw = tensor.view(torch.uint8) if tensor.dtype != torch.bool else tensor.to(torch.uint8)
    if dtype in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"):
        assert isinstance(got, mt.Tensor) and got.dtype.name == dtype
        array = got.numpy()
    else:  # no Tensor type here: the exact bits, as a NumPy array
        assert isinstance(got, np.ndarray)
        array = got
    assert array.dtype.name == dtype
    assert np.ascontiguousarray(array).view(np.uint8).tobytes() == raw.numpy().tobytes()


def test_parameters_and_requires_grad(tmp_path):
    torch = pytest.importorskip("torch")
    obj = {"p": torch.nn.Parameter(torch.ones(2)), "frozen": torch.nn.Parameter(torch.ones(2),
                                                                                 requires_grad=False),
           "g": torch.ones(2, requires_grad=True), "plain": torch.ones(2)}
    torch.save(obj, tmp_path / "p.pt")
    out = mt.load(tmp_path / "p.pt")
    assert isinstance(out["p"], mt.nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["frozen"], mt.nn.Parameter) and not out["frozen"].requires_grad
    assert not isinstance(out["g"], mt.nn.Parameter) and out["g"].requires_grad
    assert not out["plain"].requires_grad


def test_legacy_format_reads_the_same_way(tmp_path):
    torch = pytest.importorskip("torch")
    base = torch.arange(12.0).reshape(3, 4)
    obj = {"base": base, "t": base.t(), "row": base[1], "i": torch.arange(3),
           "p": torch.nn.Parameter(torch.ones(2)), "meta": [1, "a"]}
    torch.save(obj, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(tmp_path / "legacy.pt")
    out = mt.load(tmp_path / "legacy.pt")
    for name in ("base", "t", "row", "i"):
        np.testing.assert_array_equal(out[name].numpy(), obj[name].numpy())
    assert np.shares_memory(out["base"].numpy(), out["t"].numpy())
    assert isinstance(out["p"], mt.nn.Parameter) and out["meta"] == [1, "a"]
    data = (tmp_path / "legacy.pt").read_bytes()
    for cut in (len(data) // 3, len(data) - 5):
        with pytest.raises(CheckpointError):
            mt.load(io.BytesIO(data[:cut]))


def test_big_endian_storages_are_byteswapped(tmp_path):
    pickled = Pickle().tensor().bytes()
    with zipfile.ZipFile(tmp_path / "big.pt", "w") as z:
        z.writestr("archive/data.pkl", pickled)
        z.writestr("archive/byteorder", "big")
        z.writestr("archive/data/0", np.arange(4, dtype=">f4").tobytes())
    assert mt.load(tmp_path / "big.pt").tolist() == [0.0, 1.0, 2.0, 3.0]


def test_weights_only_and_map_location(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pt")
    for weights_only in (None, True, False):  # False reads the same safe way
        assert mt.load(tmp_path / "w.pt", weights_only=weights_only)["w"].tolist() == [1.0, 1.0]
    assert mt.load(tmp_path / "w.pt", map_location="cpu")["w"].device == mt.device("cpu")
    assert mt.load(tmp_path / "w.pt", map_location={"cpu": "cpu"})["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="weights_only"):
        mt.load(tmp_path / "w.pt", weights_only="yes")
    with pytest.raises(RuntimeError, match="pickle_module"):
        mt.load(tmp_path / "w.pt", pickle_module=pickle)
    assert mt.load(tmp_path / "w.pt", mmap=True)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(CheckpointError, match="expected a safetensors file"):
        mt.load(tmp_path / "w.pt", format="safetensors")
    with open(tmp_path / "w.pt", "rb") as f:  # a file object works as well as a path
        assert mt.load(f, format="torch")["w"].tolist() == [1.0, 1.0]


@pytest.mark.skipif(mt.cuda.is_available(), reason="checks the message shown without a GPU")
def test_cuda_storages_need_map_location_without_a_gpu(tmp_path):
    torch_zip(tmp_path / "cuda.pt", Pickle().tensor(location="cuda:0").bytes(), {"0": FOUR_FLOATS})
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        mt.load(tmp_path / "cuda.pt")
    assert mt.load(tmp_path / "cuda.pt", map_location="cpu").tolist() == [0.0, 1.0, 2.0, 3.0]
    assert mt.load(tmp_path / "cuda.pt", map_location={"cuda:0": "cpu"}).tolist() == [0, 1, 2, 3]


@pytest.mark.filterwarnings("ignore:.*quantized tensor creation:UserWarning")
def test_unsupported_tensors_are_refused_clearly(tmp_path):
    torch = pytest.importorskip("torch")
    quantized = torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.quint8)
    cases = {"quantized": quantized, "sparse": torch.ones(2, 2).to_sparse(),
             "meta": torch.empty(3, device="meta")}
    for what, tensor in cases.items():
        torch.save({"x": tensor}, tmp_path / f"{what}.pt")
        with pytest.raises(CheckpointError, match=what):
            mt.load(tmp_path / f"{what}.pt")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torchscript_archives_are_refused(tmp_path):
    torch = pytest.importorskip("torch")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "scripted.pt")
    with pytest.raises(CheckpointError, match="TorchScript"):
        mt.load(tmp_path / "scripted.pt")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated_files_are_refused(tmp_path, fraction):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.arange(1000.0)}, tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(CheckpointError):
        mt.load(tmp_path / "cut.pt")


# ---------------------------------------------------------------------------- written here
def test_files_written_here_load_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    mt.manual_seed(0)
    ours = small_cnn(mt.nn).eval()
    randomize_batchnorm(ours, mt)
    mt.save(ours.state_dict(), tmp_path / "cnn.pt")  # the suffix picks PyTorch's format
    theirs = small_cnn(torch.nn).eval()
    theirs.load_state_dict(torch.load(tmp_path / "cnn.pt", weights_only=True))
    x = np.random.default_rng(2).standard_normal((3, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_writing_round_trips_through_both_readers(tmp_path):
    torch = pytest.importorskip("torch")
    tensors = {name: mt.tensor(np.arange(6).reshape(2, 3).astype(name))
               for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                            "uint8", "bool")}
    obj = {"tensors": tensors, "t": mt.arange(6.0).reshape(2, 3).t(), "scalar": mt.tensor(2.5),
           "p": mt.nn.Parameter(mt.ones(2)), "g": mt.ones(2, requires_grad=True),
           "plain": [1, -7, 2**40, -(2**70), 0.25, "text", b"\x00\xff", None, True, (1, "a")],
           "odict": OrderedDict([("b", 1), ("a", 2)]), 3: "int key", "dtype": mt.float64}
    buffer = io.BytesIO()
    mt.save(obj, buffer, format="torch")
    theirs = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    buffer.seek(0)
    ours = mt.load(buffer)
    for name, tensor in tensors.items():
        assert theirs["tensors"][name].numpy().tobytes() == tensor.numpy().tobytes(), name
        assert ours["tensors"][name].dtype is tensor.dtype and \
            ours["tensors"][name].numpy().tobytes() == tensor.numpy().tobytes(), name
    for loaded in (theirs, ours):
        assert loaded["t"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
        assert loaded["scalar"].shape == () and loaded["scalar"].item() == 2.5
        assert loaded["plain"] == obj["plain"] and loaded[3] == "int key"
        assert list(loaded["odict"]) == ["b", "a"] and isinstance(loaded["odict"], OrderedDict)
        assert loaded["p"].requires_grad and loaded["g"].requires_grad
    assert isinstance(theirs["p"], torch.nn.Parameter) and theirs["dtype"] is torch.float64
    assert isinstance(ours["p"], mt.nn.Parameter) and ours["dtype"] is mt.float64


def test_what_pytorchs_format_cannot_hold_is_refused_before_writing(tmp_path):
    for obj in ({"f": lambda: 0}, {"x": np.float32(1.0)}, {"s": {1, 2}}):
        with pytest.raises(TypeError, match="cannot save"):
            mt.save(obj, tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []


def test_an_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    mt.save({"version": 1}, path)
    old = path.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(OSError("crash")))
    with pytest.raises(OSError, match="crash"):
        mt.save({"version": 2}, path)
    monkeypatch.undo()
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["m.pt"]


# ---------------------------------------------------------------------------- hostile files
@pytest.fixture
def nothing_runs(monkeypatch, tmp_path):
    """The payloads create a marker file; the ways to run a shell command are also replaced by
    a recorder. After the test, the marker must not exist and the recorder must be empty."""
    RAN.clear()
    for module, name in ((os, "system"), (os, "popen"), (subprocess, "Popen")):
        monkeypatch.setattr(module, name, _record_run)
    marker = tmp_path / "MARKER"
    yield marker
    monkeypatch.undo()
    assert RAN == [] and not marker.exists()


def hostile(tmp_path, pickled: bytes, storages=None) -> None:
    torch_zip(tmp_path / "hostile.pt", pickled, storages)
    mt.load(tmp_path / "hostile.pt")


def test_os_system_through_reduce_is_refused(tmp_path, nothing_runs):
    for protocol in (2, 4):
        data = pickle.dumps({"weights": Evil(str(nothing_runs))}, protocol=protocol)
        with pytest.raises(CheckpointError, match="Unsupported"):
            hostile(tmp_path, data)
    with pytest.raises(CheckpointError, match="Unsupported global: GLOBAL (posix|os|nt).system"):
        hostile(tmp_path, pickle.dumps(Evil(str(nothing_runs)), protocol=2))
    # the legacy format and a bare pickle are refused the same way
    legacy = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2) + \
        pickle.dumps({}, protocol=2) + pickle.dumps(Evil(str(nothing_runs)), protocol=2)
    with pytest.raises(CheckpointError, match="Unsupported global"):
        mt.load(io.BytesIO(legacy))
    with pytest.raises(CheckpointError, match="never unpickles"):
        mt.load(io.BytesIO(pickle.dumps(Evil(str(nothing_runs)))))


@pytest.mark.parametrize("module,name", [("builtins", "eval"), ("builtins", "exec"),
                                         ("builtins", "getattr"), ("__builtin__", "eval"),
                                         ("builtins", "__import__"), ("torch", "load"),
                                         ("numpy", "load"), ("subprocess", "Popen")])
def test_global_of_a_dangerous_callable_is_refused(tmp_path, nothing_runs, module, name):
    payload = f"open({str(nothing_runs)!r}, 'w').close()"  # what exec or eval would run
    data = Pickle().global_(module, name).tuple_(payload).op(b"R").bytes()
    with pytest.raises(CheckpointError, match=f"Unsupported global: GLOBAL .*{name}"):
        hostile(tmp_path, data)
    # getattr(builtins-like object, "system")(...): refused at the first GLOBAL already
    chained = (Pickle().global_(module, name).tuple_(lambda p: p.global_("os", "path"), "system")
               .op(b"R").tuple_(f"touch {nothing_runs}").op(b"R").bytes())
    with pytest.raises(CheckpointError, match="Unsupported global"):
        hostile(tmp_path, chained)


def test_weights_only_false_does_not_open_the_door(tmp_path, nothing_runs):
    torch_zip(tmp_path / "evil.pt", pickle.dumps(Evil(str(nothing_runs)), protocol=2))
    with pytest.raises(CheckpointError, match="weights_only=False does not change this"):
        mt.load(tmp_path / "evil.pt", weights_only=False)


def test_nested_reduce_cannot_call_what_a_reduce_returned(tmp_path, nothing_runs):
    # OrderedDict() is allowed; calling the OrderedDict it returned is not
    data = Pickle().global_("collections", "OrderedDict").op(b")").op(b"R")
    data = data.tuple_("x").op(b"R").bytes()
    with pytest.raises(CheckpointError, match="unrecognized function"):
        hostile(tmp_path, data)
    # _rebuild_from_type_v2 may call only the rebuild functions, not objects the pickle made
    data = (Pickle().global_("torch._tensor", "_rebuild_from_type_v2")
            .op(b"(").global_("collections", "OrderedDict").op(b")").op(b"R")
            .global_("torch", "Tensor").tuple_("os.system").op(b"}").op(b"t").op(b"R").bytes())
    with pytest.raises(CheckpointError, match="malformed"):
        hostile(tmp_path, data)


def test_build_on_anything_but_an_ordered_dict_is_refused(tmp_path, nothing_runs):
    data = Pickle().op(b"]").op(b"}").str_("append").value(1).op(b"s").op(b"b").bytes()
    with pytest.raises(CheckpointError, match="Can only build OrderedDict"):
        hostile(tmp_path, data)
    tensor_then_build = Pickle().tensor().op(b"}").str_("_array").value(1).op(b"s").op(b"b").bytes()
    with pytest.raises(CheckpointError, match="Can only build OrderedDict"):
        hostile(tmp_path, tensor_then_build, {"0": FOUR_FLOATS})
    dunder = (Pickle().global_("collections", "OrderedDict").op(b")").op(b"R")
              .op(b"}").str_("__class__").value(1).op(b"s").op(b"b").bytes())
    with pytest.raises(CheckpointError, match="refusing to set attribute"):
        hostile(tmp_path, dunder)


def test_huge_declared_sizes_are_refused_before_allocating(tmp_path, nothing_runs):
    with pytest.raises(CheckpointError, match="declares"):  # a storage of 10^15 floats
        hostile(tmp_path, Pickle().tensor(size=(10**15,), numel=10**15).bytes(), {"0": FOUR_FLOATS})
    with pytest.raises(CheckpointError, match="reaches element"):  # a view past its storage
        hostile(tmp_path, Pickle().tensor(size=(10**9, 10**9), stride=(10**9, 1)).bytes(),
                {"0": FOUR_FLOATS})
    with pytest.raises(CheckpointError, match="reaches element"):
        hostile(tmp_path, Pickle().tensor(offset=3, size=(2,)).bytes(), {"0": FOUR_FLOATS})
    with pytest.raises(CheckpointError, match="truncated pickle"):  # a 2 GiB string
        hostile(tmp_path, Pickle().op(b"X", struct.pack("<I", 2**31)).bytes())
    legacy = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2) + \
        pickle.dumps({}, protocol=2) + Pickle().tensor(numel=10**15, size=(2,)).bytes()
    with pytest.raises(CheckpointError, match="more than the file holds"):
        mt.load(io.BytesIO(legacy))


def test_zip_bombs_are_refused(tmp_path, nothing_runs):
    zeros = bytes(32 * 2**20)  # 32 MiB of zeros deflate to about 32 KiB
    numel = len(zeros) // 4
    with zipfile.ZipFile(tmp_path / "bomb.pt", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", Pickle().tensor(size=(numel,), numel=numel).bytes())
        z.writestr("archive/data/0", zeros)
    assert (tmp_path / "bomb.pt").stat().st_size < 2**20
    with pytest.raises(CheckpointError, match="zip bomb"):
        mt.load(tmp_path / "bomb.pt")


@pytest.mark.parametrize("name", ["../evil", "/tmp/evil", "archive/../../evil", "archive\\..\\evil",
                                  "C:/evil"])
def test_path_traversal_in_zip_members_is_refused(tmp_path, nothing_runs, name):
    torch_zip(tmp_path / "traversal.pt", Pickle().tensor().bytes(), {"0": FOUR_FLOATS},
              **{name: b"payload"})
    with pytest.raises(CheckpointError, match="path traversal"):
        mt.load(tmp_path / "traversal.pt")
    assert not (tmp_path.parent / "evil").exists()


def test_malformed_pickles_are_refused(tmp_path, nothing_runs):
    cases = {
        "STACK_GLOBAL (protocol 4)": (Pickle().str_("os").str_("system").op(b"\x93").bytes(),
                                      "Unsupported operand"),
        "persistent id of a non-storage": (Pickle().tuple_("module", "os").op(b"Q").bytes(),
                                           "Only persistent_load of storage"),
        "storage key with a path": (Pickle().tensor(key="../../etc/passwd").bytes(),
                                    "bad storage key"),
        "missing storage": (Pickle().tensor(key="7").bytes(), "storage 7 is missing"),
        "append to a dict": (Pickle().op(b"}").value(1).op(b"a").bytes(), "Can only append"),
        "no STOP": (Pickle().value(1).bytes()[:-1], "truncated pickle"),
        "memo never stored": (Pickle().op(b"h", b"\x05").bytes(), "never stored"),
        "quantized storage": (Pickle().tensor(kind="QInt8Storage").bytes(), "quantized"),
    }
    for data, message in cases.values():
        with pytest.raises(CheckpointError, match=message):
            hostile(tmp_path, data, {"0": FOUR_FLOATS})


def test_the_reader_has_no_pickle_loader_to_misuse():
    import minitorch_conv.serialization as serialization

    folder = os.path.dirname(serialization.__file__)
    for name in os.listdir(folder):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                code = f.read()
            for forbidden in (r"import pickle", r"from pickle", r"\bUnpickler\(", r"pickle\.load",
                              r"^\s*(import|from) torch", r"__import__", r"importlib", r"\beval\(",
                              r"\bexec\("):
                assert not re.search(forbidden, code, re.MULTILINE), (name, forbidden)
