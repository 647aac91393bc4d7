"""What every checkpoint format shares: the error it raises, the atomic write, and telling the
formats apart by their first bytes.

A save to a path writes a temporary file in the same directory, flushes it to disk and renames it
over the target, so a crash or an exception leaves the previous file as it was. A load looks at the
file's content, not its name: a ``.pt`` file that is really our ``.npz`` layout still loads.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zipfile
from collections.abc import Callable
from typing import IO

__all__ = ["CheckpointError", "write_atomically", "sniff_format", "FORMATS"]

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# torch.save's legacy (pre-1.6) files start with a pickled magic number (protocol 2, LONG1)
TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."

FORMATS = ("npz", "safetensors", "torch")
"""The formats :func:`minitorch_conv.save` writes and :func:`minitorch_conv.load` reads."""


class CheckpointError(RuntimeError):
    """A file that is not a readable checkpoint: truncated, corrupted, foreign, or asking to run code
    (a pickled object other than tensors, containers and plain values).

    >>> import io, minitorch_conv as mt
    >>> try:
    ...     mt.load(io.BytesIO(b"not a checkpoint"))
    ... except mt.serialization.CheckpointError as error:
    ...     print(str(error)[:34])
    not a minitorch_conv checkpoint (e
    """


def write_atomically(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(handle)`` on a temporary file next to ``path``, then put it in place.

    The temporary file is flushed and ``fsync``-ed before ``os.replace`` renames it over ``path``;
    on any exception (or KeyboardInterrupt) it is removed and ``path`` is left untouched.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> write_atomically(path, lambda handle: handle.write(b"saved"))
    >>> open(path, "rb").read()
    b'saved'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sniff_format(f: IO[bytes]) -> str:
    """Which format the seekable binary file ``f`` holds, from its first bytes (and, for a zip
    archive, its member names): ``'npz'``, ``'safetensors'``, ``'torch'`` (PyTorch's zip format),
    ``'torch-legacy'`` (PyTorch's pre-1.6 format). The position of ``f`` is restored.

    Raises :class:`CheckpointError` for anything else, saying what the file seems to be.

    >>> import io, minitorch_conv as mt
    >>> buffer = io.BytesIO()
    >>> mt.save({"w": mt.ones(1)}, buffer, format="torch")
    >>> _ = buffer.seek(0); sniff_format(buffer)
    'torch'
    """
    start = f.tell()
    head = f.read(16)
    f.seek(start)
    if not head:
        raise CheckpointError("the file is empty (an interrupted write?)")
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _zip_kind(f, start)
    if len(head) >= 4 and TORCH_LEGACY_MAGIC.startswith(head[:len(TORCH_LEGACY_MAGIC)]):
        return "torch-legacy"  # (a prefix of it: a legacy file cut short, refused when read)
    if head[:1] == b"\x80":
        raise CheckpointError("this file is a Python pickle; minitorch_conv never unpickles "
                              "(and it is not a PyTorch checkpoint either)")
    if len(head) >= 9:
        (header_size,) = struct.unpack("<Q", head[:8])
        if head[8:9] == b"{" and header_size >= 2:
            return "safetensors"
    raise CheckpointError(
        f"not a minitorch_conv checkpoint (expected a .npz zip archive, a .safetensors file or a "
        f"PyTorch .pt file; the file starts with {head[:4]!r})"
    )


def _zip_kind(f: IO[bytes], start: int) -> str:
    try:
        with zipfile.ZipFile(f) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            struct.error) as exc:
        raise CheckpointError(f"truncated or corrupted checkpoint: {exc}") from None
    finally:
        f.seek(start)
    if "__structure__.npy" in names:
        return "npz"
    if any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
        if any(n.endswith("constants.pkl") or "/code/" in n for n in names):
            raise CheckpointError(
                "this is a TorchScript archive (torch.jit.save), which holds code; load it in "
                "PyTorch and save its state_dict() with torch.save instead"
            )
        return "torch"
    if names and all(n.endswith(".npy") for n in names):
        raise CheckpointError(
            "not a minitorch_conv checkpoint: the archive has no __structure__ entry "
            f"(it holds {names[:5]}{'...' if len(names) > 5 else ''})"
        )
    raise CheckpointError(
        "not a minitorch_conv checkpoint: a zip archive that is neither our .npz layout nor a "
        f"PyTorch checkpoint (it holds {names[:5]}{'...' if len(names) > 5 else ''})"
    )


def seekable(f: IO[bytes]) -> IO[bytes]:
    """``f`` itself when it can seek, else its remaining bytes in a BytesIO.

    >>> import io
    >>> buffer = io.BytesIO(b"x")
    >>> seekable(buffer) is buffer
    True
    """
    try:
        if f.seekable():
            return f
    except (AttributeError, ValueError):
        pass
    return io.BytesIO(f.read())
