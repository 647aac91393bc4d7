"""The files ``torch.save`` writes (``.pt``, ``.pth``): read with no PyTorch and without running code,
and written so that ``torch.load`` (``weights_only=True`` included) reads them.

Since PyTorch 1.6 a checkpoint is a zip archive (stored, not compressed)::

    archive/data.pkl        the object, pickled (protocol 2); each tensor is a call of
                            torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)
                            and each storage a persistent id ('storage', FloatStorage, '0', 'cpu', n)
    archive/data/0, 1, ...  the raw bytes of each storage, in the byte order of archive/byteorder
    archive/version         and a few small records

``data.pkl`` is read by :mod:`.weights_only_unpickler`, an interpreter that can only look names up
in :func:`allowed_globals` below: the tensor rebuild functions, ``OrderedDict``, ``torch.Size``,
dtypes and storage types, each implemented here over NumPy. Everything else is refused, as
``torch.load(weights_only=True)`` refuses it.

Storages become 1-D NumPy arrays; each tensor is a strided view of its storage, so tensors that
shared a storage in PyTorch share memory here (on the CPU), and a view's offset and strides are
kept. Dtypes minitorch_conv has no Tensor type for (bfloat16, complex, uint16/32/64, float8) come
back as NumPy arrays holding the exact bits; bfloat16 and float8 need the ``ml_dtypes`` package.
Quantized, sparse, nested and meta tensors are refused with a message that says so.

The pre-1.6 format (several pickles in a row, then the raw storages) is read the same way.

:func:`write` produces the same zip layout, its pickle emitted opcode by opcode (each tensor its own
contiguous storage), using only names that ``torch.load(weights_only=True)`` allows.
"""

from __future__ import annotations

import re
import struct
import sys
import zipfile
from collections import Counter, OrderedDict
from typing import IO, Any

import numpy as np

from .. import backends
from ..backends import dtypes as _dtypes
from ..tensor import Size, Tensor
from .files import CheckpointError
from .weights_only_unpickler import SafeCallable, UnpicklingError, WeightsOnlyUnpickler

__all__ = ["read", "read_legacy", "write", "allowed_globals"]

_MAX_PICKLE_BYTES = 1 << 30       # data.pkl holds the structure only: a state_dict's is kilobytes
_MAX_COMPRESSION_RATIO = 100      # torch.save stores members uncompressed; deflate is tolerated
_LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL_VERSION = 1001
_STORAGE_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


# ---------------------------------------------------------------------------- dtypes
class TorchDType:
    """A PyTorch dtype minitorch_conv has no Tensor type for (``torch.bfloat16``, ``torch.complex64``,
    ...): its tensors load as NumPy arrays of ``numpy`` (None where NumPy cannot hold it)."""

    __slots__ = ("name", "numpy", "itemsize", "missing")

    def __init__(self, name: str, itemsize: int, numpy_name: str | None, needs: str = ""):
        self.name, self.itemsize, self.numpy, self.missing = name, itemsize, None, ""
        if numpy_name is None:
            self.missing = f"NumPy has no {name} type"
        elif needs:
            try:
                import ml_dtypes

                self.numpy = np.dtype(getattr(ml_dtypes, numpy_name))
            except (ImportError, AttributeError):
                self.missing = f"{name} needs the ml_dtypes package (pip install ml_dtypes)"
        else:
            self.numpy = np.dtype(numpy_name)

    def __repr__(self) -> str:
        return f"torch.{self.name}"


def _torch_dtypes() -> dict[str, Any]:
    """``"torch.float32"`` -> our DType, or a TorchDType for the dtypes we hold only as NumPy."""
    ours = {name: getattr(_dtypes, "bool_" if name == "bool" else name)
            for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                         "uint8", "bool")}
    others = [TorchDType("bfloat16", 2, "bfloat16", needs="ml_dtypes"),
              TorchDType("complex64", 8, "complex64"), TorchDType("complex128", 16, "complex128"),
              TorchDType("complex32", 4, None),
              TorchDType("uint16", 2, "uint16"), TorchDType("uint32", 4, "uint32"),
              TorchDType("uint64", 8, "uint64")]
    for name in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
                 "float8_e8m0fnu"):
        others.append(TorchDType(name, 1, name, needs="ml_dtypes"))
    for name, size in (("qint8", 1), ("quint8", 1), ("qint32", 4), ("quint4x2", 1),
                       ("quint2x4", 1), ("bits1x8", 1), ("bits2x4", 1), ("bits4x2", 1),
                       ("bits8", 1), ("bits16", 2), ("float4_e2m1fn_x2", 1)):
        others.append(TorchDType(name, size, None))
    for bits in range(1, 8):
        others += [TorchDType(f"uint{bits}", 1, None), TorchDType(f"int{bits}", 1, None)]
    table = {f"torch.{name}": dtype for name, dtype in ours.items()}
    table.update({f"torch.{d.name}": d for d in others})
    return table


class StorageType:
    """``torch.FloatStorage`` and friends, as named in a persistent id: the dtype of the storage."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_STORAGE_DTYPES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool", "BFloat16Storage": "bfloat16",
    "ComplexDoubleStorage": "complex128", "ComplexFloatStorage": "complex64",
    "QInt8Storage": "qint8", "QInt32Storage": "qint32", "QUInt8Storage": "quint8",
    "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
}


class _Marker:
    """A global that is a value, never called: ``torch.Tensor``, a layout, a quantization scheme."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


TENSOR_TYPE = _Marker("torch.Tensor")
STRIDED = _Marker("torch.strided")


# ---------------------------------------------------------------------------- storages
class _Storage:
    """One storage: a 1-D NumPy array of its dtype (bytes, for an UntypedStorage), and where it
    was saved. Filled when read (zip format) or after the pickle (legacy format)."""

    __slots__ = ("dtype", "array", "location")

    def __init__(self, dtype, array: np.ndarray, location: str):
        self.dtype, self.array, self.location = dtype, array, location


def _check_int(value: Any, what: str, low: int = 0) -> int:
    if type(value) is not int or value < low:
        raise UnpicklingError(f"malformed checkpoint: {what} is {value!r}")
    return value


def _check_shape(values: Any, what: str) -> tuple[int, ...]:
    if not isinstance(values, tuple) or len(values) > 64:
        raise UnpicklingError(f"malformed checkpoint: a tensor's {what} is {values!r}")
    return tuple(_check_int(v, f"a tensor's {what} entry") for v in values)


# ---------------------------------------------------------------------------- the reader
class _Reader:
    """The state of one load: the storages seen so far, and where tensors go."""

    def __init__(self, map_location, read_storage):
        self.map_location = map_location
        self.read_storage = read_storage  # (key, dtype, numel, location) -> np.ndarray
        self.storages: dict[str, _Storage] = {}
        self.devices: dict[str, Any] = {}

    # ------------------------------------------------------------------ persistent ids
    def persistent_load(self, pid: tuple) -> _Storage:
        if len(pid) not in (5, 6):
            raise UnpicklingError(f"malformed checkpoint: a storage id has {len(pid)} fields")
        _, storage_type, key, location, numel = pid[:5]
        if not isinstance(storage_type, StorageType):
            raise UnpicklingError("malformed checkpoint: a storage id without a storage type")
        if not isinstance(key, str) or not _STORAGE_KEY.fullmatch(key) or ".." in key:
            raise UnpicklingError(f"malformed checkpoint: bad storage key {key!r}")
        if not isinstance(location, str) or len(location) > 64:
            raise UnpicklingError(f"malformed checkpoint: bad storage location {location!r}")
        numel = _check_int(numel, "a storage's size")
        dtype = storage_type.dtype
        if dtype.numpy is None:
            raise CheckpointError(_unsupported_dtype_message(dtype))
        storage = self.storages.get(key)
        if storage is None:
            storage = _Storage(dtype, self.read_storage(key, dtype, numel, location), location)
            self.storages[key] = storage
        elif storage.array.size != numel and storage_type.name != "UntypedStorage":
            raise UnpicklingError(f"malformed checkpoint: storage {key} is declared with two sizes")
        if len(pid) == 6 and pid[5] is not None:  # legacy: a view into another storage
            view_key, offset, size = _legacy_view(pid[5])
            view = self.storages.get(view_key)
            if view is None:
                if offset + size > storage.array.size:
                    raise UnpicklingError("malformed checkpoint: a storage view runs past its storage")
                view = _Storage(dtype, storage.array[offset:offset + size], location)
                self.storages[view_key] = view
            return view
        return storage

    # ------------------------------------------------------------------ tensors
    def tensor(self, storage: Any, offset: Any, size: Any, stride: Any, dtype=None):
        """The tensor ``storage[offset:]`` seen through ``size`` and ``stride`` (in elements), as a
        view of the storage's array; refused when it would read past the storage."""
        if not isinstance(storage, _Storage):
            raise UnpicklingError("malformed checkpoint: a tensor without a storage")
        offset = _check_int(offset, "a tensor's storage offset")
        size, stride = _check_shape(size, "size"), _check_shape(stride, "stride")
        if len(size) != len(stride):
            raise UnpicklingError(f"malformed checkpoint: size {size} and stride {stride} differ in "
                                  "length")
        base = storage.array
        if dtype is not None and dtype is not storage.dtype:  # an untyped storage seen as dtype
            if dtype.numpy is None:
                raise CheckpointError(_unsupported_dtype_message(dtype))
            if base.nbytes % dtype.itemsize:
                raise UnpicklingError(f"malformed checkpoint: a storage of {base.nbytes} bytes "
                                      f"cannot hold {dtype.name} elements")
            base = base.view(np.uint8).view(dtype.numpy)
        numel = 1
        for s in size:
            numel *= s
        if numel:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= base.size:
                raise UnpicklingError(
                    f"malformed checkpoint: a tensor of size {list(size)} (stride {list(stride)}, "
                    f"offset {offset}) reaches element {last} of a storage of {base.size}"
                )
            itemsize = base.itemsize
            # as_strided goes through __array_interface__, which ml_dtypes' types (bfloat16,
            # float8) cannot: stride an unsigned int of the same size and view the result
            plain = base.dtype.isbuiltin == 1 or itemsize not in (1, 2, 4, 8)
            source = base[offset:] if plain else base[offset:].view(f"u{itemsize}")
            array = np.lib.stride_tricks.as_strided(
                source, shape=size, strides=tuple(s * itemsize for s in stride))
            if not plain:
                array = array.view(base.dtype)
        else:
            array = np.empty(size, dtype=base.dtype)
        return self._as_tensor(array, storage.location)

    def _as_tensor(self, array: np.ndarray, location: str):
        try:
            _dtypes.to_dtype(array.dtype)
        except TypeError:
            return array  # a dtype without a Tensor type: the exact bits, as NumPy holds them
        backend = self._backend(location)
        if backend.device.type == "cpu":
            return Tensor(array, backend=backend)
        with backend.device_context():
            return Tensor(backend.xp.asarray(np.ascontiguousarray(array)), backend=backend)

    def target(self, location: str):
        """Where a storage saved on ``location`` goes: ``map_location`` decides, when given."""
        if isinstance(self.map_location, dict):
            return self.map_location.get(location, location)
        return location if self.map_location is None else self.map_location

    def _backend(self, location: str):
        target = self.target(location)
        key = str(target)
        if key not in self.devices:
            try:
                self.devices[key] = backends.get_backend(target)
            except (RuntimeError, ValueError, TypeError) as exc:
                if str(target).startswith("cuda"):
                    raise RuntimeError(
                        f"Attempting to deserialize object on a CUDA device but no CUDA GPU is "
                        f"usable here ({exc}). If you are running on a CPU-only machine, please use "
                        "mt.load with map_location='cpu' to map your storages to the CPU."
                    ) from None
                raise CheckpointError(
                    f"the checkpoint holds tensors saved on {location!r}, which minitorch_conv "
                    "cannot place; pass map_location='cpu'"
                ) from None
        return self.devices[key]

    # ------------------------------------------------------------------ rebuild functions
    def rebuild_tensor(self, storage, storage_offset, size, stride):
        return self.tensor(storage, storage_offset, size, stride)

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad,
                          backward_hooks, metadata=None):
        tensor = self.tensor(storage, storage_offset, size, stride)
        return _finish(tensor, requires_grad, backward_hooks, metadata)

    def rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad,
                          backward_hooks, dtype, metadata=None):
        if not isinstance(dtype, (_dtypes.DType, TorchDType)):
            raise UnpicklingError("malformed checkpoint: _rebuild_tensor_v3 without a dtype")
        tensor = self.tensor(storage, storage_offset, size, stride, dtype)
        return _finish(tensor, requires_grad, backward_hooks, metadata)

    def rebuild_parameter(self, data, requires_grad, backward_hooks):
        if backward_hooks:
            raise CheckpointError("a parameter with backward hooks: hooks are code, not loaded")
        if isinstance(data, np.ndarray):
            return data  # a dtype without a Tensor type stays NumPy
        if not isinstance(data, Tensor):
            raise UnpicklingError("malformed checkpoint: a Parameter of something not a tensor")
        from ..nn.module import Parameter

        return Parameter(data.detach(), requires_grad=bool(requires_grad))

    def rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        if state:
            raise CheckpointError(
                "a parameter carrying Python attributes (its __dict__ was saved); minitorch_conv "
                "loads only its data")
        return self.rebuild_parameter(data, requires_grad, backward_hooks)

    def new_parameter(self, data=None, requires_grad=True):
        """``torch.nn.Parameter(data, requires_grad)`` through NEWOBJ or REDUCE."""
        return self.rebuild_parameter(data, requires_grad, None)

    def rebuild_from_type_v2(self, function, new_type, args, state):
        """A tensor saved with Python state (a subclass, or attributes): rebuilt by ``function``;
        only plain tensors and Parameters, with no attributes, are accepted."""
        if not isinstance(function, SafeCallable) or type(args) is not tuple:
            raise UnpicklingError("malformed checkpoint: _rebuild_from_type_v2")
        if new_type is not TENSOR_TYPE and not (isinstance(new_type, SafeCallable)
                                                and new_type.name == "torch.nn.parameter.Parameter"):
            raise CheckpointError(f"a tensor subclass ({new_type!r}); only torch.Tensor and "
                                  "nn.Parameter are loaded")
        if state:
            raise CheckpointError("a tensor carrying Python attributes (its __dict__ was saved); "
                                  "minitorch_conv loads only its data")
        result = function.function(*args)
        if new_type is not TENSOR_TYPE and isinstance(result, Tensor):
            return self.new_parameter(result, result.requires_grad)
        return result


def _finish(tensor, requires_grad, backward_hooks, metadata):
    if backward_hooks:
        raise CheckpointError("a tensor with backward hooks: hooks are code, not loaded")
    if metadata:
        raise CheckpointError(f"a tensor with metadata {sorted(metadata)!r} (conjugate or negative "
                              "views), which minitorch_conv cannot represent")
    if requires_grad not in (True, False):
        raise UnpicklingError(f"malformed checkpoint: requires_grad is {requires_grad!r}")
    if requires_grad and isinstance(tensor, Tensor) and tensor.dtype.is_floating_point:
        tensor.requires_grad_(True)
    return tensor


def _legacy_view(view_metadata: Any) -> tuple[str, int, int]:
    if type(view_metadata) is not tuple or len(view_metadata) != 3:
        raise UnpicklingError("malformed checkpoint: bad storage view")
    key, offset, size = view_metadata
    if not isinstance(key, str) or not _STORAGE_KEY.fullmatch(key):
        raise UnpicklingError(f"malformed checkpoint: bad storage key {key!r}")
    return key, _check_int(offset, "a view offset"), _check_int(size, "a view size")


def _unsupported_dtype_message(dtype) -> str:
    kind = "quantized " if dtype.name.startswith(("q", "quint")) else ""
    return (f"the checkpoint holds {kind}{dtype.name} tensors, which minitorch_conv cannot load "
            f"({dtype.missing or 'no NumPy type'})")


# ---------------------------------------------------------------------------- the allow-list
def _refuse(what: str):
    def refuse(*args):
        raise CheckpointError(f"the checkpoint holds {what}, which minitorch_conv does not load")

    return refuse


def _ordered_dict(items=()):
    if not isinstance(items, (list, tuple, dict)):
        raise UnpicklingError("malformed checkpoint: OrderedDict of a non-container")
    return OrderedDict(items)


def _counter(items=()):
    if not isinstance(items, dict):
        raise UnpicklingError("malformed checkpoint: Counter of a non-dict")
    return Counter(items)


def _set(items=()):
    if not isinstance(items, (list, tuple)):
        raise UnpicklingError("malformed checkpoint: set of a non-list")
    return set(items)


def _bytearray(data=b"", encoding=None):
    if isinstance(data, bytes) and encoding is None:
        return bytearray(data)
    if isinstance(data, str) and encoding in ("latin1", "latin-1"):
        return bytearray(data, "latin-1")
    raise UnpicklingError("malformed checkpoint: bytearray of something other than bytes")


def _complex(real=0.0, imag=0.0):
    if not all(type(v) in (int, float) for v in (real, imag)):
        raise UnpicklingError("malformed checkpoint: complex of non-numbers")
    return complex(real, imag)


def _codecs_encode(text, encoding="utf-8"):
    """``_codecs.encode(text, 'latin1')``: how protocol 2 spells a bytes object."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnpicklingError("malformed checkpoint: _codecs.encode other than text to latin1")
    return text.encode("latin-1")


def _size(dims=()):
    return Size(_check_shape(tuple(dims) if isinstance(dims, list) else dims, "torch.Size"))


def _device(kind, index=None):
    if not isinstance(kind, str) or (index is not None and type(index) is not int):
        raise UnpicklingError("malformed checkpoint: torch.device of non-strings")
    try:
        return backends.Device(kind if index is None else f"{kind}:{index}")
    except (RuntimeError, ValueError, TypeError) as exc:
        raise CheckpointError(f"the checkpoint names device {kind!r}: {exc}") from None


def _get_layout(name):
    if name != "torch.strided":
        raise CheckpointError(f"the checkpoint holds tensors of layout {name!r}; only dense "
                              "(strided) tensors are loaded")
    return STRIDED


def allowed_globals(reader: _Reader) -> dict[str, Any]:
    """Every name a checkpoint's pickle may use, and what it becomes here. The whole allow-list:
    what is not in this table cannot be reached from a file."""
    def call(name, function):
        return SafeCallable(name, function)

    table: dict[str, Any] = {
        "collections.OrderedDict": call("collections.OrderedDict", _ordered_dict),
        "collections.Counter": call("collections.Counter", _counter),
        "builtins.set": call("builtins.set", _set),
        "builtins.bytearray": call("builtins.bytearray", _bytearray),
        "builtins.complex": call("builtins.complex", _complex),
        "_codecs.encode": call("_codecs.encode", _codecs_encode),
        "torch.Size": call("torch.Size", _size),
        "torch.device": call("torch.device", _device),
        "torch.Tensor": TENSOR_TYPE,
        "torch.nn.parameter.Parameter": call("torch.nn.parameter.Parameter", reader.new_parameter),
        "torch.serialization._get_layout": call("torch.serialization._get_layout", _get_layout),
        "torch._utils._rebuild_tensor": call("torch._utils._rebuild_tensor", reader.rebuild_tensor),
        "torch._utils._rebuild_tensor_v2": call("torch._utils._rebuild_tensor_v2",
                                                reader.rebuild_tensor_v2),
        "torch._utils._rebuild_tensor_v3": call("torch._utils._rebuild_tensor_v3",
                                                reader.rebuild_tensor_v3),
        "torch._utils._rebuild_parameter": call("torch._utils._rebuild_parameter",
                                                reader.rebuild_parameter),
        "torch._utils._rebuild_parameter_with_state": call(
            "torch._utils._rebuild_parameter_with_state", reader.rebuild_parameter_with_state),
        "torch._tensor._rebuild_from_type_v2": call("torch._tensor._rebuild_from_type_v2",
                                                    reader.rebuild_from_type_v2),
    }
    # names PyTorch allows that we know but do not load: refused with a reason when called
    for name, what in (("_rebuild_qtensor", "quantized tensors"),
                       ("_rebuild_sparse_tensor", "sparse tensors"),
                       ("_rebuild_nested_tensor", "nested tensors"),
                       ("_rebuild_meta_tensor_no_storage", "meta tensors (no data)"),
                       ("_rebuild_wrapper_subclass", "tensor subclasses"),
                       ("_rebuild_device_tensor_from_numpy", "tensors of a non-CPU/CUDA device"),
                       ("_rebuild_device_tensor_from_cpu_tensor", "tensors of a non-CPU/CUDA device")):
        table[f"torch._utils.{name}"] = call(f"torch._utils.{name}", _refuse(what))
    for scheme in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
                   "per_channel_symmetric", "per_channel_affine_float_qparams"):
        table[f"torch.{scheme}"] = _Marker(f"torch.{scheme}")
    dtypes = _torch_dtypes()
    table.update(dtypes)
    for storage, dtype_name in _STORAGE_DTYPES.items():
        table[f"torch.{storage}"] = StorageType(storage, dtypes[f"torch.{dtype_name}"])
    table["torch.storage.UntypedStorage"] = StorageType("UntypedStorage", _dtypes.uint8)
    return table


# ---------------------------------------------------------------------------- the zip format
def _check_member_names(infos: list[zipfile.ZipInfo]) -> None:
    seen = set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in parts[0]:
            raise CheckpointError(f"refusing a checkpoint whose zip member {name!r} points outside "
                                  "the archive (path traversal)")
        if name in seen:
            raise CheckpointError(f"refusing a checkpoint with two zip members named {name!r}")
        seen.add(name)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected: int | None,
                 limit: int) -> bytes:
    """The member's bytes; at most ``limit`` are ever inflated, and a compressed member must not
    claim more than 100 times its compressed size (no zip bombs)."""
    size = info.file_size
    if expected is not None and size != expected:
        raise CheckpointError(f"corrupted checkpoint: {info.filename} holds {size} bytes, but the "
                              f"checkpoint declares {expected}")
    if info.compress_type != zipfile.ZIP_STORED and \
            size > _MAX_COMPRESSION_RATIO * info.compress_size + 4096:
        raise CheckpointError(
            f"refusing {info.filename}: {info.compress_size} compressed bytes claim to inflate to "
            f"{size} (a zip bomb?); torch.save stores its members uncompressed")
    if size > limit:
        raise CheckpointError(f"refusing {info.filename}: it declares {size} bytes, more than "
                              f"the archive can hold (limit {limit})")
    with archive.open(info) as member:
        data = member.read(size + 1)
    if len(data) != size:
        raise CheckpointError(f"truncated or corrupted checkpoint: {info.filename} is cut short")
    return data


def read(f: IO[bytes], map_location=None, *, refusal_hint: str = "") -> Any:
    """Load the object of a PyTorch zip checkpoint from the seekable binary file ``f``."""
    start = f.tell()
    length = f.seek(0, 2) - start
    f.seek(start)
    try:
        with zipfile.ZipFile(f) as archive:
            infos = archive.infolist()
            _check_member_names(infos)
            by_name = {info.filename: info for info in infos}
            pickles = [n for n in by_name if n == "data.pkl" or n.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise CheckpointError(f"not a PyTorch checkpoint: {len(pickles)} data.pkl records")
            prefix = pickles[0][:-len("data.pkl")]
            byteorder = "little"
            if prefix + "byteorder" in by_name:
                byteorder = _read_member(archive, by_name[prefix + "byteorder"], None, 16).decode(
                    "ascii", "replace")
                if byteorder not in ("little", "big"):
                    raise CheckpointError(f"corrupted checkpoint: byte order {byteorder!r}")

            def read_storage(key, dtype, numel, location):
                info = by_name.get(f"{prefix}data/{key}")
                if info is None:
                    raise CheckpointError(f"corrupted checkpoint: storage {key} is missing")
                nbytes = numel * dtype.itemsize
                data = _read_member(archive, info, nbytes, length * _MAX_COMPRESSION_RATIO + 4096)
                return _native(np.frombuffer(bytearray(data), dtype=dtype.numpy),
                               little_endian=byteorder == "little")

            reader = _Reader(map_location, read_storage)
            data = _read_member(archive, by_name[pickles[0]], None, _MAX_PICKLE_BYTES)
            unpickler = WeightsOnlyUnpickler(data, allowed_globals(reader), reader.persistent_load,
                                             refusal_hint=refusal_hint)
            result = unpickler.load()
            if unpickler.position != len(data):
                raise CheckpointError("corrupted checkpoint: data.pkl goes on after its end")
            return result
    except (CheckpointError, RuntimeError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, struct.error) as exc:
        raise CheckpointError(f"truncated or corrupted checkpoint: {exc}") from None


# ---------------------------------------------------------------------------- writing
_STORAGE_NAMES = {dtype: storage for storage, dtype in _STORAGE_DTYPES.items()}


class _PickleWriter:
    """Write ``obj`` as the protocol-2 pickle ``torch.save`` would write: tensors as calls of
    ``torch._utils._rebuild_tensor_v2`` on persistent storages, and nothing else that needs a
    global beyond ``OrderedDict``, the dtypes and ``_codecs.encode`` (so that
    ``torch.load(weights_only=True)`` reads it)."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.storages: list[np.ndarray] = []
        self._storage_of: dict[int, int] = {}
        self._keep_alive: list = []

    def _op(self, code: int, payload: bytes = b"") -> None:
        self.out += bytes([code]) + payload

    def _global(self, module: str, name: str) -> None:
        self.out += b"c" + f"{module}\n{name}\n".encode()

    def _call(self, module: str, name: str, *args) -> None:
        self._global(module, name)
        self._tuple(args)
        self._op(ord("R"))

    def _tuple(self, items) -> None:
        self._op(ord("("))
        for item in items:
            self.write(item)
        self._op(ord("t"))

    def write(self, obj: Any) -> None:
        from ..nn.module import Parameter

        if obj is None:
            self._op(ord("N"))
        elif isinstance(obj, _Global):
            self._global(obj.module, obj.name)
        elif obj is True or obj is False:
            self._op(0x88 if obj else 0x89)
        elif isinstance(obj, int) and not isinstance(obj, np.integer):
            if 0 <= obj < 256:
                self._op(ord("K"), bytes([obj]))
            elif -(2**31) <= obj < 2**31:
                self._op(ord("J"), struct.pack("<i", obj))
            else:
                raw = obj.to_bytes((obj.bit_length() + 8) // 8, "little", signed=True)
                if len(raw) > 255:
                    raise TypeError(f"cannot save an int of {obj.bit_length()} bits")
                self._op(0x8A, bytes([len(raw)]) + raw)
        elif isinstance(obj, float):
            self._op(ord("G"), struct.pack(">d", obj))
        elif isinstance(obj, str):
            raw = obj.encode("utf-8", "surrogatepass")
            self._op(ord("X"), struct.pack("<I", len(raw)) + raw)
        elif isinstance(obj, bytes):  # protocol 2 spells bytes as _codecs.encode(text, 'latin1')
            self._call("_codecs", "encode", obj.decode("latin-1"), "latin1")
        elif isinstance(obj, _dtypes.DType):
            self._global("torch", obj.name)
        elif isinstance(obj, Parameter):
            self._call("torch._utils", "_rebuild_parameter", _TensorOf(obj),
                       bool(obj.requires_grad), _EmptyOrderedDict())
        elif isinstance(obj, (Tensor, np.ndarray)):
            self._tensor(obj)
        elif isinstance(obj, _TensorOf):
            self._tensor(obj.tensor)
        elif isinstance(obj, _EmptyOrderedDict):
            self._call("collections", "OrderedDict")
        elif isinstance(obj, tuple):
            self._tuple(obj)
        elif isinstance(obj, list):
            self._op(ord("]"))
            if obj:
                self._op(ord("("))
                for item in obj:
                    self.write(item)
                self._op(ord("e"))  # APPENDS
        elif isinstance(obj, dict):
            if isinstance(obj, OrderedDict):
                self._call("collections", "OrderedDict")
            else:
                self._op(ord("}"))
            if obj:
                self._op(ord("("))
                for key, value in obj.items():
                    if not isinstance(key, (str, int, float, bool, tuple, type(None))):
                        raise TypeError(f"cannot save a dict key of type {type(key).__name__}")
                    self.write(key)
                    self.write(value)
                self._op(ord("u"))  # SETITEMS
        else:
            raise TypeError(
                f"cannot save an object of type {type(obj).__name__} in PyTorch's format: it "
                "holds tensors, numbers, strings, bytes, None and dicts/lists/tuples of them")

    def _tensor(self, tensor) -> None:
        if isinstance(tensor, Tensor):
            requires_grad = bool(tensor.requires_grad)
            array = tensor.backend.to_numpy(tensor.detach()._array)
        else:
            requires_grad, array = False, tensor
        dtype_name = "bool" if array.dtype == np.bool_ else array.dtype.name
        storage_type = _STORAGE_NAMES.get(dtype_name)
        if storage_type is None or storage_type.startswith("Q"):
            raise TypeError(f"cannot save a tensor of dtype {array.dtype} in PyTorch's format")
        key = self._storage_of.get(id(tensor))
        if key is None:
            key = len(self.storages)
            self.storages.append(np.ascontiguousarray(array).reshape(-1))
            self._storage_of[id(tensor)] = key
            self._keep_alive.append(tensor)
        size = tuple(array.shape)
        stride = tuple(int(np.prod(size[i + 1:])) for i in range(len(size)))
        self._global("torch._utils", "_rebuild_tensor_v2")
        self._op(ord("("))
        self._tuple(("storage", _Global("torch", storage_type), str(key), "cpu", array.size))
        self._op(ord("Q"))  # BINPERSID
        for item in (0, size, stride, requires_grad, _EmptyOrderedDict()):
            self.write(item)
        self._op(ord("t"))
        self._op(ord("R"))

    def getvalue(self) -> bytes:
        return bytes(self.out + b".")  # STOP


class _TensorOf:
    """The data of a Parameter, written as a plain tensor inside ``_rebuild_parameter``."""

    def __init__(self, tensor):
        self.tensor = tensor


class _EmptyOrderedDict:
    """``OrderedDict()``: a tensor's (empty) backward hooks."""


class _Global:
    def __init__(self, module: str, name: str):
        self.module, self.name = module, name


def write(obj: Any, f: IO[bytes]) -> None:
    """Write ``obj`` in the zip format of ``torch.save`` to the binary file ``f``: PyTorch reads
    it with ``torch.load`` (``weights_only=True`` included), and :func:`read` reads it back.

    >>> import io, minitorch_conv as mt
    >>> buffer = io.BytesIO()
    >>> write({"w": mt.arange(3.0), "step": 7}, buffer)
    >>> _ = buffer.seek(0); read(buffer)
    {'w': tensor([0., 1., 2.]), 'step': 7}
    """
    writer = _PickleWriter()
    writer.write(obj)
    pickled = writer.getvalue()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/byteorder", sys.byteorder)
        for key, array in enumerate(writer.storages):
            archive.writestr(f"archive/data/{key}", array.tobytes())
        archive.writestr("archive/version", "3\n")


# ---------------------------------------------------------------------------- the legacy format
def read_legacy(f: IO[bytes], map_location=None, *, refusal_hint: str = "") -> Any:
    """Load a checkpoint of PyTorch's pre-1.6 format: five pickles (magic number, protocol version,
    system info, the object, the storage keys) followed by each storage's size and bytes."""
    data = f.read()
    storages: list[tuple[str, np.ndarray]] = []
    little_endian = True

    def read_storage(key, dtype, numel, location):
        if numel * dtype.itemsize > len(data):  # no buffer larger than the file can fill
            raise CheckpointError(f"corrupted checkpoint: storage {key} declares {numel} elements, "
                                  "more than the file holds")
        if str(reader.target(location)) != "cpu":
            raise CheckpointError(f"a legacy-format checkpoint with tensors saved on {location!r} "
                                  "loads on the CPU only: pass map_location='cpu'")
        array = np.zeros(numel, dtype=dtype.numpy)
        storages.append((key, array))
        return array

    reader = _Reader(map_location, read_storage)
    table = allowed_globals(reader)

    def next_pickle(position: int) -> tuple[Any, int]:
        unpickler = WeightsOnlyUnpickler(data, table, _no_storages, position=position,
                                         refusal_hint=refusal_hint)
        return unpickler.load(), unpickler.position

    magic, position = next_pickle(0)
    if magic != _LEGACY_MAGIC_NUMBER:
        raise CheckpointError("not a PyTorch checkpoint: wrong magic number")
    protocol, position = next_pickle(position)
    if protocol != _LEGACY_PROTOCOL_VERSION:
        raise CheckpointError(f"unsupported legacy checkpoint protocol {protocol!r}")
    sys_info, position = next_pickle(position)
    if isinstance(sys_info, dict):
        little_endian = sys_info.get("little_endian", True) is not False
    unpickler = WeightsOnlyUnpickler(data, table, reader.persistent_load, position=position,
                                     refusal_hint=refusal_hint)
    result = unpickler.load()
    keys, position = next_pickle(unpickler.position)
    if not isinstance(keys, list) or any(not isinstance(k, str) for k in keys):
        raise CheckpointError("corrupted checkpoint: the storage key list is malformed")
    arrays = dict(storages)
    order = "<" if little_endian else ">"
    for key in keys:
        if key not in arrays:
            raise CheckpointError(f"corrupted checkpoint: data for unknown storage {key!r}")
        array = arrays[key]
        if position + 8 > len(data):
            raise CheckpointError("truncated checkpoint: a storage is missing")
        (numel,) = struct.unpack(order + "q", data[position:position + 8])
        nbytes = numel * array.itemsize
        if numel != array.size or position + 8 + nbytes > len(data):
            raise CheckpointError(f"truncated or corrupted checkpoint: storage {key}")
        raw = np.frombuffer(data, dtype=array.dtype, count=numel, offset=position + 8)
        array[...] = _native(raw, little_endian)
        position += 8 + nbytes
    if position != len(data):
        raise CheckpointError("corrupted checkpoint: extra bytes after the last storage")
    return result


def _native(array: np.ndarray, little_endian: bool) -> np.ndarray:
    """``array`` (read in the machine's byte order) as the values the file meant."""
    if array.itemsize > 1 and little_endian != (sys.byteorder == "little"):
        return array.byteswap()
    return array


def _no_storages(pid: tuple) -> Any:
    raise UnpicklingError("malformed checkpoint: a storage outside the main object")

