"""A world of one process: what ``init_process_group`` gives a process that no launcher started.

Every collective of a single rank is a copy at most (``all_reduce`` leaves the tensor as it is,
``all_gather`` copies it into the one output), so a script written for ``mpiexec -n 4`` also runs
as ``python script.py``, with no MPI library at all.

>>> import numpy as np
>>> from minitorch_conv.distributed.local_engine import LocalEngine
>>> recv = np.zeros(3)
>>> LocalEngine().allgather(np.arange(3.0), recv).wait()
True
>>> recv
array([0., 1., 2.])
"""

from __future__ import annotations

from .engine import Engine
from .work import Work

__all__ = ["LocalEngine"]


class LocalEngine(Engine):
    """The engine of a world of one: rank 0 of 1; every operation completes at once.

    >>> from minitorch_conv.distributed.local_engine import LocalEngine
    >>> LocalEngine().size
    1
    """

    name = "local"
    rank = 0
    size = 1

    def allreduce(self, buf, op):
        return Work.completed()

    def broadcast(self, buf, root):
        return Work.completed()

    def allgather(self, send, recv):
        recv[...] = send
        return Work.completed()

    def reduce_scatter(self, send, recv, op):
        recv[...] = send
        return Work.completed()

    def reduce(self, buf, op, root):
        return Work.completed()

    def gather(self, send, recv, root):
        recv[...] = send
        return Work.completed()

    def scatter(self, send, recv, root):
        recv[...] = send
        return Work.completed()

    def barrier(self):
        return Work.completed()

    def send(self, buf, dst, tag):
        raise RuntimeError("send: a world of one process has no other rank to send to")

    def recv(self, buf, src, tag):
        raise RuntimeError("recv: a world of one process has no other rank to receive from")

    def duplicate(self):
        return LocalEngine()

    def split(self, members):
        return LocalEngine() if 0 in members else None
