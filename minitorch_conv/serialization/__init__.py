"""``save`` and ``load``: checkpoints in three formats, none of them unpickled.

- ``npz`` (the default), our own layout: any nesting of dicts, lists, tuples, tensors, arrays,
  numbers and strings (:mod:`.npz`);
- ``safetensors`` (``mt.save(state_dict, "model.safetensors")``): a flat dict of tensors that the
  whole ecosystem reads (:mod:`.safetensors_format`);
- ``torch``: the ``.pt`` / ``.pth`` files of ``torch.save``, read by a restricted reader that never
  runs code, and written so that ``torch.load(weights_only=True)`` reads them (:mod:`.torch_format`).

:func:`save` picks the format from the file name's suffix (``.safetensors``; ``.pt`` and ``.pth``;
anything else is ``npz``) or from ``format=``. :func:`load` recognises the format from the file's
first bytes, so a ``.pt`` or ``.pth`` file written by ``torch.save`` loads with no PyTorch
installed. Saving to a path is atomic: a crash leaves the previous file intact. A truncated,
corrupted or foreign file, or one that asks to run code, raises :class:`CheckpointError`.

>>> import os, tempfile
>>> import minitorch_conv as mt
>>> model = mt.nn.Linear(3, 2)
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
>>> mt.save({"model": model.state_dict(), "epoch": 3}, path)
>>> ckpt = mt.load(path)
>>> ckpt["epoch"], bool((ckpt["model"]["weight"] == model.weight).all())
(3, True)
"""

from __future__ import annotations

import io
import os
from typing import IO, Any

from .. import backends
from . import npz, safetensors_format, torch_format
from .files import FORMATS, CheckpointError, seekable, sniff_format, write_atomically
from .npz import write_archive as _write

__all__ = ["save", "load", "CheckpointError", "FORMATS"]

_SUFFIXES = {".safetensors": "safetensors", ".pt": "torch", ".pth": "torch"}


def _format_for(f: Any, format: str | None) -> str:  # noqa: A002 - the keyword users pass
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
        return format
    name = getattr(f, "name", f) if hasattr(f, "write") else f
    if isinstance(name, (str, os.PathLike)):
        return _SUFFIXES.get(os.path.splitext(os.fspath(name))[1].lower(), "npz")
    return "npz"


def save(obj: Any, f: str | os.PathLike | IO[bytes], *, format: str | None = None,  # noqa: A002
         metadata: dict[str, str] | None = None) -> None:
    """Write ``obj`` to ``f`` (a path or a binary file object).

    - ``npz`` (the default): nested dicts/lists/tuples of tensors, arrays, numbers and strings.
    - ``safetensors`` (a ``.safetensors`` suffix, or ``format="safetensors"``): a flat
      ``{str: Tensor}`` dict such as a ``state_dict()``, with optional ``metadata`` (a
      ``{str: str}`` dict; by default the ``metadata`` attribute of a dict :func:`load` returned).
    - ``torch`` (a ``.pt`` or ``.pth`` suffix, or ``format="torch"``): PyTorch's zip format, for
      ``torch.load``: dicts, lists and tuples of tensors, numbers, strings, bytes and None.

    A path is written atomically: a temporary file in the same directory, flushed with ``fsync``,
    then ``os.replace``-d over the target. Unsupported objects raise TypeError before anything is
    written.

    >>> import io, minitorch_conv as mt
    >>> buffer = io.BytesIO()
    >>> mt.save({"x": mt.arange(3)}, buffer)
    >>> _ = buffer.seek(0); mt.load(buffer)["x"]
    tensor([0, 1, 2])
    """
    kind = _format_for(f, format)
    if kind == "npz":
        if metadata is not None:
            raise TypeError("metadata= is written to safetensors files only")
        arrays, structure = npz.encode(obj)

        def write(handle):
            _write(arrays, structure, handle)
    elif kind == "safetensors":
        arrays = safetensors_format.to_arrays(obj)
        header = safetensors_format.check_metadata(
            metadata if metadata is not None else _metadata_of(obj))
        data = safetensors_format.serialize(arrays, header)

        def write(handle):
            handle.write(data)
    else:
        buffer = io.BytesIO()  # built whole first: an unsupported object leaves no file behind
        torch_format.write(obj, buffer)

        def write(handle):
            handle.write(buffer.getbuffer())
    if hasattr(f, "write"):
        write(f)
    else:
        write_atomically(f, write)


def _metadata_of(obj: Any) -> dict | None:
    metadata = getattr(obj, "metadata", None) if isinstance(obj, dict) else None
    return metadata if isinstance(metadata, dict) and metadata else None


def load(f: str | os.PathLike | IO[bytes], map_location=None, pickle_module=None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         format: str | None = None) -> Any:  # noqa: A002
    """Read a checkpoint written by :func:`save`, a safetensors file, or a PyTorch ``.pt``/``.pth``
    file written by ``torch.save`` (zip or legacy format); the format is recognised from the
    file's content (``format=`` insists on one).

    Tensors return to the device they were saved from, or to ``map_location`` (``"cpu"``,
    ``mt.device("cuda:0")``; for PyTorch files also a dict such as ``{"cuda:0": "cpu"}``).

    Nothing in a file is ever run. PyTorch files are read by a restricted interpreter of their
    pickle that knows only tensors, containers and plain values: what ``torch.load`` reads with
    ``weights_only=True``. ``weights_only=False`` is accepted for PyTorch scripts, and reads the
    same safe way (a file that needs more is refused, with a message saying so). A
    ``pickle_module`` is refused, since there is no unpickling to hand it; ``mmap`` is accepted and
    has no effect (files are read into memory).

    Raises :class:`CheckpointError` for anything that is not an intact checkpoint.

    >>> import io, minitorch_conv as mt
    >>> buffer = io.BytesIO()
    >>> mt.save({"w": mt.ones(2)}, buffer, format="safetensors", metadata={"epoch": "3"})
    >>> _ = buffer.seek(0); state = mt.load(buffer)
    >>> state["w"], state.metadata
    (tensor([1., 1.]), {'epoch': '3'})
    """
    if pickle_module is not None:
        raise RuntimeError("minitorch_conv never unpickles, so it cannot use a pickle_module: "
                           "leave it out (the file is read by a restricted reader)")
    if weights_only not in (None, True, False):
        raise TypeError(f"weights_only must be a bool or None, got {weights_only!r}")
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if map_location is not None and not isinstance(map_location, (str, backends.Device, dict)):
        raise TypeError("map_location must be a device string such as 'cpu' or 'cuda:0', a "
                        "minitorch_conv.device, or a dict from saved to wanted devices")
    hint = ("(weights_only=False does not change this: minitorch_conv has no loader that runs "
            "code.)" if weights_only is False else "")
    if hasattr(f, "read"):
        return _load_from(seekable(f), None, map_location, format, hint)
    with open(os.fspath(f), "rb") as handle:
        return _load_from(handle, os.fspath(f), map_location, format, hint)


def _load_from(handle: IO[bytes], path: str | None, map_location, format: str | None,  # noqa: A002
               hint: str) -> Any:
    kind = sniff_format(handle)
    family = "torch" if kind.startswith("torch") else kind
    if format is not None and format != family:
        raise CheckpointError(f"expected a {format} file, but this is a {family} file")
    if isinstance(map_location, dict) and family != "torch":
        raise TypeError("a dict map_location is for PyTorch checkpoints; pass a device here")
    if kind == "npz":
        return npz.read(handle, map_location)
    if kind == "safetensors":
        if path is not None:
            return safetensors_format.read_path(path, map_location)
        return safetensors_format.read_bytes(handle, map_location)
    if kind == "torch":
        return torch_format.read(handle, map_location, refusal_hint=hint)
    return torch_format.read_legacy(handle, map_location, refusal_hint=hint)

