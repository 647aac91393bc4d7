"""``DataLoader``: batches of a dataset, in the main process or in worker processes, with
PyTorch's semantics (``torch.utils.data.DataLoader``).

Order and randomness:

- the sampler runs in the main process; with ``num_workers > 0`` its batches of indices are dealt
  to the workers in turn, and the batches come back in the sampler's order (``in_order=False``:
  as they are ready), so they are the same batches as with ``num_workers=0``;
- each epoch's iterator first draws a ``base_seed`` from ``generator`` (else the global
  generator); worker ``i`` seeds Python's ``random`` and minitorch_conv's generators with
  ``base_seed + i``, and NumPy's global generator from a hash of both, as PyTorch does. So random
  augmentation differs between workers and is repeatable under ``mt.manual_seed``.

``pin_memory`` is accepted and does nothing: there is no pinned host memory to copy from on the
CPU (and the CuPy backend copies from ordinary memory).

>>> import minitorch_conv as mt
>>> from minitorch_conv.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(mt.arange(7))
>>> [b[0].tolist() for b in DataLoader(ds, batch_size=3)]
[[0, 1, 2], [3, 4, 5], [6]]
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterable
from multiprocessing.connection import wait
from typing import Any

from ...generator import rng_of
from . import _worker
from ._utils.collate import default_collate, default_convert
from ._utils.fetch import create_fetcher
from ._worker import ExceptionWrapper, get_worker_info
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]


class _InfiniteConstantSampler(Sampler):
    """What an iterable-style dataset is 'sampled' with: ``None`` forever."""

    def __iter__(self):
        while True:
            yield None


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class DataLoader:
    """Batches of ``dataset``, once per ``for`` loop (an epoch), PyTorch's arguments and rules.

    - ``batch_size`` (default 1; ``None``: samples one by one, NumPy arrays made tensors by
      ``default_convert``), ``shuffle`` (a new order each epoch, from ``generator`` or the global
      generator), ``drop_last``, ``sampler`` or ``batch_sampler`` (mutually exclusive with
      ``shuffle``; ``batch_sampler`` also with ``batch_size`` and ``drop_last``), ``collate_fn``
      (default :func:`default_collate`).
    - ``num_workers > 0``: that many worker processes fetch and collate batches; each keeps
      ``prefetch_factor`` (default 2) batches in flight. ``persistent_workers=True`` keeps them
      from one epoch to the next. ``timeout`` (seconds, 0: none) bounds the wait for a batch.
      ``worker_init_fn(worker_id)`` runs in each worker after seeding. ``multiprocessing_context``:
      a start method (``"fork"``, ``"spawn"``, ``"forkserver"``) or context; default: the
      platform's (fork on Linux). ``in_order=False`` yields batches as they come.
    - ``pin_memory`` / ``pin_memory_device``: accepted, no-ops (see the module's docstring).

    A worker that raises brings its exception and traceback to the main process; a worker that
    dies is a RuntimeError naming its pid and how it ended. Workers stop when the epoch ends
    (unless persistent), when the iterator is dropped, on Ctrl-C and at interpreter exit.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(mt.arange(10.0), mt.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(0))
    >>> [len(y) for _, y in loader], len(loader)
    ([4, 4, 2], 3)
    """

    __initialized = False

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set "
                "prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._iterable = True
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        else:
            self._iterable = False
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._iterator = None
        self.check_worker_number_rationality()

    # ------------------------------------------------------------------ PyTorch's attribute rules
    @property
    def multiprocessing_context(self):
        """The ``multiprocessing`` context the workers start in (None: the platform's default)."""
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method "
                        f"in {methods!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a "
                    "string specifying the start method, but got "
                    f"multiprocessing_context={context}"
                )
        self.__multiprocessing_context = context

    def __setattr__(self, attr, val) -> None:
        if self.__initialized and attr in (
            "batch_size",
            "batch_sampler",
            "sampler",
            "drop_last",
            "dataset",
            "persistent_workers",
        ):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def check_worker_number_rationality(self) -> None:
        """Warn when there are more workers than cores this process may use (PyTorch's warning)."""
        if self.num_workers > 1 and self.num_workers > _cores():
            warnings.warn(
                f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested "
                f"max number of worker in current system is {_cores()}, which is smaller than what this "
                "DataLoader is going to create. Please be aware that excessive worker creation might get "
                "DataLoader running slow or even freeze, lower the worker number to avoid potential "
                "slowness/freeze if necessary.",
                stacklevel=2,
            )

    # ------------------------------------------------------------------ iteration
    def _get_iterator(self) -> _BaseDataLoaderIter:
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self) -> _BaseDataLoaderIter:
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader):
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # drawn whether or not there are workers, so that the sampler's draws come out the same
        self._base_seed = int(rng_of(loader.generator).integers(0, 2**63))
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _next_index(self):
        return next(self._sampler_iter)

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._fetcher = create_fetcher(self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Workers, each with a queue of tasks and a pipe for results; see ``_worker.py``."""

    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise ValueError("prefetch_factor must be positive with num_workers > 0")
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._shutdown = False
        self._workers: list = []
        self._index_queues: list = []
        self._result_conns: list = []
        self._done_event = context.Event()
        self._workers_told_to_stop: set[int] = set()
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                index_queue.cancel_join_thread()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker.worker_loop,
                    args=(
                        self._dataset,
                        index_queue,
                        writer,
                        self._done_event,
                        self._auto_collation,
                        self._collate_fn,
                        self._drop_last,
                        self._base_seed,
                        loader.worker_init_fn,
                        worker_id,
                        self._num_workers,
                    ),
                    daemon=True,
                )
                process.start()
                writer.close()  # the worker holds the only writing end: its exit is our EOF
                self._index_queues.append(index_queue)
                self._result_conns.append(reader)
                self._workers.append(process)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0  # the next task's number
        self._rcvd_idx = 0  # the number of the next batch to yield
        self._task_info: dict[int, tuple] = {}  # task number -> (worker,) or (worker, data)
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers  # still has data this epoch
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:  # persistent workers: each acknowledges the new epoch
            for index_queue in self._index_queues:
                index_queue.put(_worker._ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ---------------------------------------------------------------- receiving
    def _worker_died(self, worker_id: int) -> tuple[RuntimeError, RuntimeError]:
        """The error for a worker that exited, and its cause: how it ended (PyTorch's messages)."""
        process = self._workers[worker_id]
        process.join(timeout=5.0)
        code = process.exitcode
        if code is not None and code < 0:
            detail = f"DataLoader worker (pid {process.pid}) is killed by signal: {signal.strsignal(-code)}. "
        else:
            detail = (
                f"DataLoader worker (pid {process.pid}) exited unexpectedly with exit code {code}. "
                "Details are lost due to multiprocessing. Rerunning with num_workers=0 may give "
                "better error trace."
            )
        self._shutdown_workers()
        try:
            raise RuntimeError(detail)
        except RuntimeError as cause:
            return RuntimeError(f"DataLoader worker (pid(s) {process.pid}) exited unexpectedly"), cause

    def _get_data(self):
        """The next message from any worker: (task number, data)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            waiting = [c for c in self._result_conns if not c.closed]
            if not waiting:
                raise RuntimeError("DataLoader: no worker is left to wait for")
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait(waiting, timeout=remaining)
            if not ready:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            conn = ready[0]
            worker_id = self._result_conns.index(conn)
            try:
                return _worker.recv_message(conn.fileno())
            except EOFError:
                conn.close()
                if worker_id in self._workers_told_to_stop:  # an iterable-style shard ran out
                    self._workers[worker_id].join(timeout=_worker.STATUS_CHECK_INTERVAL)
                    continue
                error, cause = self._worker_died(worker_id)
                raise error from cause

    def _next_data(self):
        if self._shutdown:
            raise StopIteration
        while True:
            # skip the tasks of workers whose iterable-style dataset ran out
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:  # already here
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker._IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                if not self._persistent_workers:
                    self._index_queues[data.worker_id].put(None)
                    self._workers_told_to_stop.add(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next worker that still has data
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id: int):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # ---------------------------------------------------------------- shutting down
    def _shutdown_workers(self) -> None:
        """Stop every worker: ask, close the pipes (a worker blocked writing then stops), wait a
        little, then terminate what is left, and reap them all."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                try:
                    index_queue.put(None)
                except (ValueError, OSError):
                    pass
            for conn in self._result_conns:
                conn.close()
            for process in self._workers:
                process.join(timeout=_worker.STATUS_CHECK_INTERVAL)
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=_worker.STATUS_CHECK_INTERVAL)
                if process.is_alive():
                    process.kill()
                    process.join()
            for index_queue in self._index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
        except Exception:  # noqa: BLE001 - during interpreter shutdown modules may be half gone
            pass

    def __del__(self):
        if hasattr(self, "_shutdown"):
            self._shutdown_workers()
