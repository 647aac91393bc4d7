"""``Work``: the handle a collective returns with ``async_op=True`` (``wait()``, ``is_completed()``).

A collective is always started as a non-blocking operation of the engine underneath (MPI's
``MPI_Iallreduce`` and friends, or an NCCL call queued on a CUDA stream); the synchronous form is
the same call followed by ``wait()``. Waiting polls the engine (MPI only makes progress while it
is called), first in a tight loop, then with short sleeps that leave the core to other ranks
sharing it, and gives up with a RuntimeError after the process group's ``timeout``: a rank that
never joins a collective ends the job instead of hanging it (the error reaches the excepthook that
``init_process_group`` installs, which aborts every rank).

>>> import minitorch_conv.distributed as dist
>>> work = dist.Work.completed()
>>> work.is_completed(), work.wait()
(True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Work"]

_SPINS = 200  # tests in a tight loop before sleeping (a few tens of microseconds)
_MAX_SLEEP = 1e-3  # seconds between tests, at most, once sleeping


class Work:
    """A started collective: ``wait()`` blocks until it is done (and returns True),
    ``is_completed()`` asks without blocking, as PyTorch's ``Work`` does.

    After ``wait()`` (or once ``is_completed()`` returned True) the tensors hold the result.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")  # a process alone (not started by mpiexec): a world of one
    >>> t = mt.tensor([1.0, 2.0])
    >>> work = dist.all_reduce(t, async_op=True)
    >>> work.wait(), t
    (True, tensor([1., 2.]))
    >>> dist.destroy_process_group()
    """

    def __init__(self, test: Callable[[], bool] | None = None, *, description: str = "collective",
                 timeout: float | None = None, keep: tuple = ()):
        self._test = test
        self._callbacks: list[Callable[[], None]] = []
        self._keep = keep  # buffers the engine reads or writes until the operation completes
        self._description = description
        self._timeout = timeout
        self._completed = test is None
        self._exception: BaseException | None = None

    @classmethod
    def completed(cls) -> Work:
        """A handle of something already done (what a world of one process returns).

        >>> from minitorch_conv.distributed import Work
        >>> Work.completed().is_success()
        True
        """
        return cls()

    def _then(self, callback: Callable[[], None]) -> Work:
        """Run ``callback`` once the operation has completed (at once if it already has)."""
        if self._completed and self._exception is None and not self._callbacks:
            callback()
        else:
            self._callbacks.append(callback)
        return self

    def _finish(self) -> None:
        self._completed = True
        callbacks, self._callbacks, self._keep = self._callbacks, [], ()
        for callback in callbacks:
            callback()

    def is_completed(self) -> bool:
        """True once the operation has finished (the engine is asked, without waiting)."""
        if not self._completed and self._test():
            self._finish()
        elif self._completed and self._callbacks:
            self._finish()
        return self._completed

    def is_success(self) -> bool:
        """True once the operation has finished without an error."""
        return self.is_completed() and self._exception is None

    def exception(self) -> BaseException | None:
        """The error that ended the wait (a timeout), or None."""
        return self._exception

    def wait(self, timeout=None) -> bool:
        """Block until the operation completes; returns True.

        ``timeout`` (seconds or a ``timedelta``; default: the process group's) bounds the wait: past
        it, a RuntimeError says which collective was waiting (another rank never joined it).
        """
        if self.is_completed():
            return True
        limit = self._timeout if timeout is None else _seconds(timeout)
        deadline = None if limit is None else time.monotonic() + limit
        spins, sleep = 0, 1e-5
        while not self._test():
            if deadline is not None and time.monotonic() > deadline:
                self._exception = RuntimeError(
                    f"{self._description} timed out after {limit:g} s: another rank did not take part "
                    "in this collective (it failed, exited or called different collectives). Every "
                    "rank must call the same collectives in the same order; the timeout is "
                    "init_process_group(timeout=...)."
                )
                raise self._exception
            spins += 1
            if spins > _SPINS:  # leave the core to the ranks that share it
                time.sleep(sleep)
                sleep = min(2 * sleep, _MAX_SLEEP)
        self._finish()
        return True

    def __repr__(self) -> str:
        state = "completed" if self._completed else "pending"
        return f"<Work {self._description} ({state})>"


def _seconds(timeout) -> float:
    """A ``timedelta`` or a number of seconds, as seconds."""
    return timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
