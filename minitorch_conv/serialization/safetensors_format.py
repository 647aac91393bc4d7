"""safetensors files: a flat ``{name: tensor}`` dict and a ``{str: str}`` metadata header, the
format Hugging Face and most of the ecosystem exchange weights in.

Both directions go through the ``safetensors`` package's NumPy API (``pip install safetensors``,
or the ``interop`` extra). dtypes round-trip bit for bit: float16/32/64, int8/16/32/64,
uint8/16/32/64, bool, complex64, and bfloat16 as an ``ml_dtypes`` NumPy array (minitorch_conv has
no bfloat16 Tensor). A loaded dict carries the header's metadata as its ``metadata`` attribute, and
:func:`~minitorch_conv.save` writes that back when no other metadata is given.
"""

from __future__ import annotations

import json
import os
import struct
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from .. import backends
from ..backends import dtypes as _dtypes
from ..tensor import Tensor
from .files import CheckpointError

__all__ = ["to_arrays", "serialize", "read_path", "read_bytes", "check_metadata"]

_SAVABLE = {"float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64",
            "uint8", "uint16", "uint32", "uint64", "bool", "complex64"}
# the safetensors header's dtype names, for reading from bytes (safe_open covers paths)
_FILE_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
                "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U64": "uint64",
                "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool", "C64": "complex64"}


def _safetensors():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError("safetensors files need the safetensors package: pip install safetensors "
                          "(or pip install 'minitorch_conv[interop]')") from None
    return safetensors


def check_metadata(metadata: Any) -> dict[str, str] | None:
    """``metadata`` if it is a ``{str: str}`` dict (or None); TypeError otherwise."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("safetensors metadata must be a dict of str to str, got "
                        f"{type(metadata).__name__}")
    return dict(metadata)


def to_arrays(obj: Any) -> dict[str, np.ndarray]:
    """The contiguous CPU arrays to write for the flat ``{str: Tensor or ndarray}`` dict ``obj``;
    TypeError (before anything is written) for anything a safetensors file cannot hold.

    >>> import minitorch_conv as mt
    >>> to_arrays({"w": mt.zeros(2, 3).t()})["w"].flags.c_contiguous
    True
    """
    if not isinstance(obj, dict):
        raise TypeError(f"a safetensors file holds a flat dict of tensors (str -> Tensor), got "
                        f"{type(obj).__name__}; save nested checkpoints in the npz format")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors keys must be strings, got {name!r}")
        if isinstance(value, Tensor):
            array = value.backend.to_numpy(value.detach()._array)
        elif isinstance(value, np.ndarray):
            array = value
        elif isinstance(value, (dict, list, tuple)):
            raise TypeError(f"a safetensors file holds a flat dict of tensors (str -> Tensor); "
                            f"{name!r} is a {type(value).__name__}: save nested checkpoints in the "
                            "npz format")
        else:
            raise TypeError(
                f"cannot save {name!r} (a {type(value).__name__}) in a safetensors file: it holds "
                "tensors only; put strings in metadata=")
        if array.dtype.name not in _SAVABLE:
            raise TypeError(f"cannot save {name!r}: safetensors has no {array.dtype} type that "
                            "reads back exactly")
        arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
    return arrays


def serialize(arrays: dict[str, np.ndarray], metadata: dict[str, str] | None) -> bytes:
    """The file's bytes, made by ``safetensors.numpy.save``."""
    return _safetensors().numpy.save(arrays, metadata=metadata)


def _wrap(arrays: dict[str, np.ndarray], metadata: dict | None, map_location) -> OrderedDict:
    backend = backends.get_backend("cpu" if map_location is None else map_location)
    out: OrderedDict = OrderedDict()
    for name, array in arrays.items():
        array = np.array(array, copy=True)  # writable, and ours (not the file's memory)
        try:
            _dtypes.to_dtype(array.dtype)
        except TypeError:
            out[name] = array  # bfloat16, complex, wide unsigned: the exact bits, in NumPy
            continue
        if backend.device.type == "cpu":
            out[name] = Tensor(array, backend=backend)
        else:
            with backend.device_context():
                out[name] = Tensor(backend.xp.asarray(array), backend=backend)
    out.metadata = dict(metadata or {})
    return out


def read_path(path: str | os.PathLike, map_location=None) -> OrderedDict:
    """Load a safetensors file by path, through ``safe_open(framework='np')``."""
    safetensors = _safetensors()
    try:
        with safetensors.safe_open(os.fspath(path), framework="np") as f:
            metadata = f.metadata()
            arrays = {name: f.get_tensor(name) for name in f.keys()}
    except safetensors.SafetensorError as exc:
        raise CheckpointError(f"truncated or corrupted safetensors file: {exc}") from None
    except (AttributeError, TypeError, ValueError) as exc:  # a dtype NumPy cannot hold
        raise CheckpointError(f"the safetensors file holds a tensor NumPy cannot hold: {exc}"
                              ) from None
    return _wrap(arrays, metadata, map_location)


def read_bytes(f: IO[bytes], map_location=None) -> OrderedDict:
    """Load a safetensors file from a binary file object, through ``safetensors.deserialize``."""
    safetensors = _safetensors()
    data = f.read()
    try:
        entries = safetensors.deserialize(data)
    except safetensors.SafetensorError as exc:
        raise CheckpointError(f"truncated or corrupted safetensors file: {exc}") from None
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])  # valid: deserialize has checked it
    arrays = {}
    for name, entry in sorted(entries, key=lambda item: item[0]):  # as safe_open lists them
        dtype_name = _FILE_DTYPES.get(entry["dtype"])
        if dtype_name is None:
            raise CheckpointError(f"the safetensors file holds {name!r} of dtype {entry['dtype']}, "
                                  "which minitorch_conv cannot load")
        arrays[name] = np.frombuffer(entry["data"], dtype=_numpy_dtype(dtype_name)).reshape(
            entry["shape"])
    return _wrap(arrays, header.get("__metadata__"), map_location)


def _numpy_dtype(name: str) -> np.dtype:
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise CheckpointError("bfloat16 tensors need the ml_dtypes package to be held in NumPy "
                                  "(pip install ml_dtypes)") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)
