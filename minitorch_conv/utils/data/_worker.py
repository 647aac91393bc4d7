"""DataLoader worker processes: the loop each worker runs, how batches travel back, and what a
worker knows about itself (``get_worker_info``).

How a batch travels (worker to main process): each worker has a pipe of its own. A message is a
small pickle (protocol 5) whose arrays are *out-of-band* buffers, sent after it as raw bytes, so
an array's data is never copied into the pickle: the worker writes each array's memory into the
pipe once, and the main process reads it once, straight into the memory of the array it rebuilds.
Indices go the other way, main process to worker, on a ``multiprocessing`` queue (small messages).

How failures travel: an exception in a worker is caught with its traceback and re-raised in the
main process (``ExceptionWrapper``); a worker that dies closes its pipe, and the main process,
which waits on every pipe and every worker's exit at once, raises a RuntimeError at once.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import signal
import struct
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np  # the worker seeds NumPy's global generator, and batches hold NumPy arrays

from ... import backends
from ...tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

STATUS_CHECK_INTERVAL = 1.0
"""Seconds between a waiting worker's checks that its parent is still alive."""


@dataclass(frozen=True)
class WorkerInfo:
    """What a DataLoader worker knows about itself: its ``id`` (0 to ``num_workers - 1``),
    ``num_workers``, the ``seed`` it was seeded with, and its own copy of the ``dataset``.

    >>> from minitorch_conv.utils.data import WorkerInfo
    >>> WorkerInfo(id=0, num_workers=2, seed=7, dataset=None).num_workers
    2
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its :class:`WorkerInfo`; in the main process: ``None``.

    Use it in an ``IterableDataset.__iter__`` or a ``worker_init_fn`` to give each worker its
    own share of the data.

    >>> from minitorch_conv.utils.data import get_worker_info
    >>> get_worker_info() is None  # the main process
    True
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable-style dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Persistent workers: start a new epoch (sent to a worker, and echoed back)."""


class KeyErrorMessage(str):
    """A str whose repr is itself, so that a KeyError shows the traceback, not its repr."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to re-raise in another process."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_info = sys.exc_info() if exc_info is None else exc_info
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the exception again, its message saying where it came from, with its traceback:
        ``Caught ValueError in DataLoader worker process 1.`` then ``Original Traceback ...``."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # a class that cannot be made from one message
            raise RuntimeError(msg) from None
        raise exception


# ---------------------------------------------------------------------------- tensors across processes
def _rebuild_tensor(array, device: str, requires_grad: bool) -> Tensor:
    backend = backends.get_backend(device)
    if device != "cpu":
        with backend.device_context():
            array = backend.asarray(array)
    return Tensor(array, backend=backend).requires_grad_(requires_grad)


def _reduce_tensor(tensor: Tensor):
    if tensor.requires_grad and not tensor.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
            "not support crossing process boundaries.  If you just want to transfer the data, call "
            "detach() on the tensor before serializing (e.g., putting it on the queue)."
        )
    array = np.ascontiguousarray(tensor._backend.to_numpy(tensor._array))
    return _rebuild_tensor, (array, str(tensor.device), tensor.requires_grad)


# multiprocessing's own pickling (the dataset sent to a spawned worker) rebuilds tensors this way
ForkingPickler.register(Tensor, _reduce_tensor)


class _BatchPickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _reduce_tensor(obj)
        return NotImplemented


_HEADER = struct.Struct("<QQ")  # pickle length, number of out-of-band buffers
_LENGTH = struct.Struct("<Q")


def _write_all(fd: int, data) -> None:
    view = memoryview(data).cast("B")
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_into(fd: int, view: memoryview) -> None:
    while view:
        n = os.readv(fd, [view])
        if n == 0:
            raise EOFError
        view = view[n:]


def send_message(fd: int, message: Any) -> None:
    """Write ``message`` to the pipe ``fd``: a pickle, then its arrays' raw bytes."""
    import io

    buffers: list[pickle.PickleBuffer] = []
    stream = io.BytesIO()
    _BatchPickler(stream, protocol=5, buffer_callback=buffers.append).dump(message)
    raws = [b.raw() for b in buffers]
    head = _HEADER.pack(stream.tell(), len(raws)) + b"".join(_LENGTH.pack(r.nbytes) for r in raws)
    _write_all(fd, head + stream.getbuffer())
    for raw in raws:
        _write_all(fd, raw)


def recv_message(fd: int) -> Any:
    """Read one message from the pipe ``fd``; EOFError if the writer closed it first."""
    head = bytearray(_HEADER.size)
    _read_into(fd, memoryview(head))
    size, count = _HEADER.unpack(head)
    lengths = bytearray(_LENGTH.size * count)
    _read_into(fd, memoryview(lengths))
    body = bytearray(size)
    _read_into(fd, memoryview(body))
    buffers = []
    for (nbytes,) in _LENGTH.iter_unpack(lengths):
        buffer = np.empty(nbytes, dtype=np.uint8)  # the rebuilt array's own memory
        _read_into(fd, memoryview(buffer))
        buffers.append(buffer)
    return pickle.loads(body, buffers=buffers)


# ---------------------------------------------------------------------------- the worker's loop
def _seed_worker(base_seed: int, worker_id: int) -> int:
    """PyTorch's seeds: ``base_seed + worker_id`` for Python's ``random`` and our generators, and
    a SeedSequence hash of both for NumPy's global generator (so that no two workers augment alike)."""
    seed = base_seed + worker_id
    random.seed(seed)
    backends.manual_seed(seed)
    np.random.seed(
        np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4)
    )
    return seed


def _one_blas_thread() -> None:
    """As PyTorch's workers use one thread: workers are the parallelism."""
    try:
        import threadpoolctl

        threadpoolctl.threadpool_limits(1, user_api="blas")
    except Exception:  # noqa: BLE001 - threadpoolctl is optional, and only a speed matter
        pass


def _send_result(fd: int, message: Any, worker_id: int) -> None:
    try:
        send_message(fd, message)
    except (BrokenPipeError, OSError):
        raise
    except Exception:  # the batch (or an exception class) cannot be pickled
        idx = message[0]
        wrapper = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        try:
            send_message(fd, (idx, wrapper))
        except Exception:  # noqa: BLE001 - even the exception's class cannot be pickled
            wrapper.exc_type = RuntimeError
            send_message(fd, (idx, wrapper))


def worker_loop(
    dataset,
    index_queue,
    result_conn,
    done_event,
    auto_collation: bool,
    collate_fn,
    drop_last: bool,
    base_seed: int,
    init_fn,
    worker_id: int,
    num_workers: int,
) -> None:
    """What a worker runs: take ``(task index, indices)`` from ``index_queue``, fetch and collate
    the batch, send ``(task index, batch)`` back; ``None`` ends the loop."""
    from ._utils.fetch import create_fetcher
    from .dataset import IterableDataset

    global _worker_info
    fd = result_conn.fileno()
    parent = os.getppid()
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _one_blas_thread()
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        while True:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # the main process is gone
                    break
                continue
            if isinstance(task, _ResumeIteration):
                send_message(fd, (task, None))
                iteration_end = False
                fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
                continue
            if task is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = task
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as exc:
                    if isinstance(exc, StopIteration) and isinstance(dataset, IterableDataset):
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            _send_result(fd, (idx, data), worker_id)
            del data
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the main process handles it
        pass
    except (BrokenPipeError, OSError):  # the main process stopped listening
        pass
    finally:
        result_conn.close()
