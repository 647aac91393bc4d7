"""Our own checkpoint layout: a NumPy ``.npz`` archive, read and written without pickle.

A checkpoint is a zip archive (NumPy's ``.npz``) holding one ``.npy`` entry per tensor and one entry,
``__structure__``, with the nested containers as JSON::

    {"format": "minitorch_conv", "version": 1,
     "root": {"dict": [["weight", {"tensor": "t0", "requires_grad": false, "device": "cpu"}],
                       ["step", 3]]}}

Nodes are JSON scalars (None, bools, ints, floats, strings) or a one-key object tagging a container
or an array: ``dict`` / ``odict`` (a list of ``[key, value]`` pairs, so int keys stay ints),
``list``, ``tuple``, ``tensor``, ``parameter``, ``ndarray``, ``scalar`` (a NumPy scalar).

Loading never unpickles (``allow_pickle=False``) and executes nothing; a truncated, corrupted,
foreign or pickle-bearing file raises :class:`~minitorch_conv.serialization.CheckpointError`. The
round trip is bit-exact (the arrays are stored raw).
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from .. import backends
from ..tensor import Tensor
from .files import CheckpointError

__all__ = ["encode", "write_archive", "read"]

FORMAT = "minitorch_conv"
VERSION = 1
_STRUCTURE = "__structure__"
_ALLOWED_KINDS = set("biuf")  # bool, signed/unsigned ints, floats: nothing that needs pickle


# ---------------------------------------------------------------------------- save
class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.memo: dict[int, str] = {}
        self.keep_alive: list[Any] = []

    def _store(self, obj, array) -> str:
        key = self.memo.get(id(obj))
        if key is None:
            key = f"t{len(self.arrays)}"
            if array.dtype.kind not in _ALLOWED_KINDS:
                raise TypeError(f"cannot save arrays of dtype {array.dtype} (only bool, int, float)")
            self.arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
            self.memo[id(obj)] = key
            self.keep_alive.append(obj)  # ids stay unique while encoding
        return key

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, Tensor):
            from ..nn.module import Parameter

            array = obj.backend.to_numpy(obj.detach()._array)
            tag = "parameter" if isinstance(obj, Parameter) else "tensor"
            return {tag: self._store(obj, array), "requires_grad": bool(obj.requires_grad),
                    "device": str(obj.device)}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self._store(obj, obj)}
        if isinstance(obj, np.generic):
            return {"scalar": self._store(obj, np.asarray(obj))}
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {tag: [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, list):
            return {"list": [self.encode(v) for v in obj]}
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v) for v in obj]}
        raise TypeError(
            f"cannot save an object of type {type(obj).__name__}: checkpoints hold tensors, arrays, "
            "numbers, strings, None and dicts/lists/tuples of them"
        )


def encode(obj: Any) -> tuple[dict[str, np.ndarray], bytes]:
    """``(arrays, structure)``: the arrays to store and the JSON structure that refers to them.
    Raises TypeError for an object the layout cannot hold (before anything is written)."""
    encoder = _Encoder()
    root = encoder.encode(obj)
    structure = json.dumps({"format": FORMAT, "version": VERSION, "root": root},
                           allow_nan=False).encode("utf-8")
    return encoder.arrays, structure


def write_archive(arrays: dict[str, np.ndarray], structure: bytes, f: IO[bytes]) -> None:
    """Write the ``.npz`` archive to the binary file ``f``."""
    np.savez(f, **{_STRUCTURE: np.frombuffer(structure, dtype=np.uint8)}, **arrays)


# ---------------------------------------------------------------------------- load
class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], map_location):
        self.arrays = arrays
        self.map_location = map_location
        self.cache: dict[str, Any] = {}

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise CheckpointError(f"corrupted checkpoint: it refers to a missing array {key!r}")
        return self.arrays[key]

    def device(self, saved: Any):
        if self.map_location is not None:
            return self.map_location
        if not isinstance(saved, str):
            raise CheckpointError(f"corrupted checkpoint: bad device {saved!r}")
        return saved

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) == 1:
            (tag, value), = node.items()
            if tag in ("dict", "odict"):
                if not isinstance(value, list) or not all(
                        isinstance(p, list) and len(p) == 2 for p in value):
                    raise CheckpointError("corrupted checkpoint: a dict node is malformed")
                out = OrderedDict() if tag == "odict" else {}
                for k, v in value:
                    key = self.decode(k)
                    if isinstance(key, (dict, list)):
                        raise CheckpointError("corrupted checkpoint: unhashable dict key")
                    out[key] = self.decode(v)
                return out
            if tag in ("list", "tuple"):
                if not isinstance(value, list):
                    raise CheckpointError(f"corrupted checkpoint: a {tag} node is malformed")
                items = [self.decode(v) for v in value]
                return items if tag == "list" else tuple(items)
            if tag == "ndarray":
                return self.array(value).copy()
            if tag == "scalar":
                array = self.array(value)
                if array.ndim != 0:
                    raise CheckpointError("corrupted checkpoint: a scalar node is not 0-d")
                return array[()]
            if tag == "float":
                if value not in ("nan", "inf", "-inf"):
                    raise CheckpointError(f"corrupted checkpoint: bad float {value!r}")
                return float(value)
        if isinstance(node, dict) and ("tensor" in node or "parameter" in node):
            return self.tensor(node)
        raise CheckpointError(f"corrupted checkpoint: unknown node {str(node)[:80]}")

    def tensor(self, node: dict) -> Tensor:
        tag = "parameter" if "parameter" in node else "tensor"
        if set(node) != {tag, "requires_grad", "device"} or not isinstance(node["requires_grad"], bool):
            raise CheckpointError(f"corrupted checkpoint: bad tensor node {str(node)[:80]}")
        key = node[tag]
        if key in self.cache:
            return self.cache[key]
        array = self.array(key)
        try:
            backend = backends.get_backend(self.device(node["device"]))
        except RuntimeError as exc:
            raise RuntimeError(
                f"{exc} The checkpoint holds tensors saved on {node['device']}; pass "
                "map_location='cpu' to load them on the CPU."
            ) from None
        with backend.device_context():
            data = backend.asarray(array.copy()) if backend.device.type == "cpu" else \
                backend.xp.asarray(array)
        tensor = Tensor(data, backend=backend)
        if tag == "parameter":
            from ..nn.module import Parameter

            tensor = Parameter(tensor, requires_grad=node["requires_grad"])
        elif node["requires_grad"]:
            tensor.requires_grad_(True)
        self.cache[key] = tensor
        return tensor


def _read_archive(f: IO[bytes]) -> dict[str, np.ndarray]:
    try:
        with np.load(f, allow_pickle=False) as archive:
            names = list(archive.files)
            if _STRUCTURE not in names:
                raise CheckpointError(
                    "not a minitorch_conv checkpoint: the archive has no __structure__ entry "
                    f"(it holds {names[:5]}{'...' if len(names) > 5 else ''})"
                )
            return {name: archive[name] for name in names}
    except CheckpointError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise CheckpointError(
                "the checkpoint holds pickled objects; refusing to load them (allow_pickle=False)"
            ) from None
        raise CheckpointError(f"corrupted checkpoint: {exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError,
            NotImplementedError, UnicodeDecodeError, struct.error) as exc:
        raise CheckpointError(f"truncated or corrupted checkpoint: {exc}") from None


def read(f: IO[bytes], map_location=None) -> Any:
    """Read a checkpoint in this layout from the seekable binary file ``f``."""
    arrays = _read_archive(f)
    raw = arrays.pop(_STRUCTURE)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError("corrupted checkpoint: __structure__ is not a byte string")
    for name, array in arrays.items():
        if array.dtype.kind not in _ALLOWED_KINDS:
            raise CheckpointError(f"corrupted checkpoint: array {name!r} has dtype {array.dtype}")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"corrupted checkpoint: the structure is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or "root" not in header:
        raise CheckpointError("not a minitorch_conv checkpoint: unknown structure header")
    if header.get("version") != VERSION:
        raise CheckpointError(
            f"unsupported checkpoint version {header.get('version')!r} (this reader knows {VERSION})"
        )
    return _Decoder(arrays, map_location).decode(header["root"])
