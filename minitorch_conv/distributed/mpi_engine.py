"""The MPI engine: every collective is one non-blocking MPI call of mpi4py, on NumPy buffers.

NumPy arrays go to MPI as they are (mpi4py reads their buffer: no copy, no pickling). CuPy
arrays go straight to MPI where the MPI library is CUDA-aware (``MPIX_Query_cuda_support``);
elsewhere they are staged through host memory.

Importing this module imports mpi4py but does not start MPI: ``init_process_group`` starts it
(:func:`initialize`), only in a process that an MPI launcher (``mpiexec``, ``srun``) started, and
MPI is finalised when that process exits.

>>> from minitorch_conv.distributed.mpi_engine import MPI, mpi_op
>>> from minitorch_conv.distributed import ReduceOp
>>> import numpy as np
>>> mpi_op(ReduceOp.SUM, np.dtype(bool)) == MPI.LOR  # a sum of booleans is a logical or, as in PyTorch
True
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import sys
import time

import mpi4py
import numpy as np  # MPI's buffers on the host are NumPy arrays

if "mpi4py.MPI" not in sys.modules:  # start MPI in init_process_group, not on import
    mpi4py.rc.initialize = False
    mpi4py.rc.finalize = False
from mpi4py import MPI  # noqa: E402

from .engine import Engine
from .reduce_op import RedOpType
from .work import Work

__all__ = ["MPIEngine", "initialize", "mpi_op"]

_OPS = {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
        RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
        RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}
_BOOL_OPS = {RedOpType.SUM: MPI.LOR, RedOpType.MAX: MPI.LOR, RedOpType.BOR: MPI.LOR,
             RedOpType.PRODUCT: MPI.LAND, RedOpType.MIN: MPI.LAND, RedOpType.BAND: MPI.LAND,
             RedOpType.BXOR: MPI.LXOR}


def initialize() -> None:
    """Start MPI (once per process; it cannot restart) and finalise it when the process exits."""
    if not MPI.Is_initialized():
        MPI.Init_thread(MPI.THREAD_MULTIPLE)  # what MPICH_ASYNC_PROGRESS=1 (a progress thread) needs
        atexit.register(_finalize)


def _finalize() -> None:
    if MPI.Is_initialized() and not MPI.Is_finalized():
        MPI.Finalize()


def mpi_op(op: RedOpType, dtype: np.dtype) -> MPI.Op:
    """The MPI operation for ``op`` on ``dtype`` (booleans: logical or / and / xor).

    >>> import numpy as np
    >>> from minitorch_conv.distributed import ReduceOp
    >>> from minitorch_conv.distributed.mpi_engine import MPI, mpi_op
    >>> mpi_op(ReduceOp.MAX, np.dtype(np.float32)) == MPI.MAX
    True
    """
    table = _BOOL_OPS if dtype == np.bool_ else _OPS
    if op not in table:
        raise ValueError(f"ReduceOp.{op.name} is not defined for {dtype} tensors")
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and dtype.kind == "f":
        raise ValueError(f"ReduceOp.{op.name} is a bitwise operation: it needs integer or bool "
                         f"tensors, not {dtype}")
    return table[op]


@functools.cache
def cuda_aware() -> bool:
    """Whether the MPI library takes GPU buffers (``MPIX_Query_cuda_support``, where it has one)."""
    try:
        with open("/proc/self/maps") as maps:
            libraries = sorted({line.split()[-1] for line in maps if "libmpi" in line.split()[-1]})
        for library in libraries:
            query = getattr(ctypes.CDLL(library), "MPIX_Query_cuda_support", None)
            if query is not None:
                query.restype = ctypes.c_int
                return bool(query())
    except OSError:
        pass
    return False


def _divide_by(buf, n: int) -> None:
    """The AVG step after a SUM: floats are divided; integers truncated towards zero (as NCCL)."""
    if buf.dtype.kind in "fc":
        buf /= n
    else:
        buf[...] = np.sign(buf) * (np.abs(buf) // n)


class MPIEngine(Engine):
    """Collectives over an MPI communicator (``MPI.COMM_WORLD``'s duplicate, or a part of it)."""

    name = "mpi"

    def __init__(self, comm, timeout: float | None):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.timeout = timeout

    def _work(self, requests, what: str, keep: tuple) -> Work:
        requests = requests if isinstance(requests, list) else [requests]
        return Work(lambda: MPI.Request.Testall(requests), description=f"[rank {self.rank}] {what}",
                    timeout=self.timeout, keep=(requests, *keep))

    def _staged(self, arrays, what: str, start) -> Work:
        """Run ``start(*host_arrays)`` on host copies of GPU arrays (copied back when done), or on
        the arrays themselves where they are NumPy's or the MPI is CUDA-aware."""
        if all(a is None or isinstance(a, np.ndarray) for a in arrays):
            return self._work(start(*arrays), what, tuple(arrays))
        if cuda_aware():
            import cupy

            cupy.cuda.get_current_stream().synchronize()  # MPI reads the memory now
            return self._work(start(*arrays), what, tuple(arrays))
        host = [None if a is None else a.get() for a in arrays]
        work = self._work(start(*host), what, tuple(host))
        for device_array, host_array in zip(arrays, host):
            if device_array is not None:
                work._then(functools.partial(device_array.set, host_array))
        return work

    # -------------------------------------------------------------- the collectives
    def allreduce(self, buf, op):
        operation = mpi_op(op, np.dtype(buf.dtype))
        work = self._staged([buf], "all_reduce", lambda b: self.comm.Iallreduce(MPI.IN_PLACE, b, operation))
        if op is RedOpType.AVG:
            work._then(lambda: _divide_by(buf, self.size))
        return work

    def broadcast(self, buf, root):
        return self._staged([buf], "broadcast", lambda b: self.comm.Ibcast(b, root=root))

    def allgather(self, send, recv):
        return self._staged([send, recv], "all_gather", lambda s, r: self.comm.Iallgather(s, r))

    def reduce_scatter(self, send, recv, op):
        operation = mpi_op(op, np.dtype(send.dtype))
        work = self._staged([send, recv], "reduce_scatter",
                            lambda s, r: self.comm.Ireduce_scatter_block(s, r, operation))
        if op is RedOpType.AVG:
            work._then(lambda: _divide_by(recv, self.size))
        return work

    def reduce(self, buf, op, root):
        operation = mpi_op(op, np.dtype(buf.dtype))
        if self.rank == root:
            work = self._staged([buf], "reduce",
                                lambda b: self.comm.Ireduce(MPI.IN_PLACE, b, operation, root=root))
            if op is RedOpType.AVG:
                work._then(lambda: _divide_by(buf, self.size))
            return work
        return self._staged([buf], "reduce", lambda b: self.comm.Ireduce(b, None, operation, root=root))

    def gather(self, send, recv, root):
        return self._staged([send, recv], "gather", lambda s, r: self.comm.Igather(s, r, root=root))

    def scatter(self, send, recv, root):
        return self._staged([send, recv], "scatter", lambda s, r: self.comm.Iscatter(s, r, root=root))

    def barrier(self):
        return self._work(self.comm.Ibarrier(), "barrier", ())

    def send(self, buf, dst, tag):
        return self._staged([buf], f"send to rank {dst}", lambda b: self.comm.Isend(b, dest=dst, tag=tag))

    def recv(self, buf, src, tag):
        source = MPI.ANY_SOURCE if src is None else src
        return self._staged([buf], f"recv from rank {src}",
                            lambda b: self.comm.Irecv(b, source=source, tag=tag))

    # -------------------------------------------------------------- communicators
    def duplicate(self):
        return MPIEngine(self.comm.Dup(), self.timeout)

    def split(self, members):
        color = 0 if self.rank in members else MPI.UNDEFINED
        key = members.index(self.rank) if self.rank in members else 0
        comm = self.comm.Split(color, key)
        return None if comm == MPI.COMM_NULL else MPIEngine(comm, self.timeout)

    def free(self):
        if self.comm not in (MPI.COMM_WORLD, MPI.COMM_SELF, MPI.COMM_NULL):
            self.comm.Free()


def world_engine(timeout: float | None) -> MPIEngine:
    """An engine over a duplicate of ``MPI.COMM_WORLD`` (freed by ``destroy_process_group``)."""
    return MPIEngine(MPI.COMM_WORLD.Dup(), timeout)


def node_local_rank() -> int:
    """This process's rank among the processes of its machine (for picking a GPU)."""
    node = MPI.COMM_WORLD.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return node.Get_rank()
    finally:
        node.Free()


def abort(code: int = 1) -> None:
    """End every process of the job now (``MPI_Abort``), after flushing this one's output."""
    sys.stdout.flush()
    sys.stderr.flush()
    # the launcher forwards each rank's output through a pipe; MPI_Abort tears the job down at once
    # and what is still in the pipe is lost (a traceback cut after its first line, on a busy
    # machine): give the launcher a moment to forward it
    time.sleep(0.5)
    MPI.COMM_WORLD.Abort(code)
