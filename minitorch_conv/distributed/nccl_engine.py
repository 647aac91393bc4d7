"""The NCCL engine: collectives between GPUs, one GPU per process, through CuPy's NCCL binding.

NCCL runs on CUDA streams, as in PyTorch: each operation is queued on a stream of its own that
first waits for the work already queued on the current stream (so it reads finished values), and
its handle's ``wait()`` makes the current stream wait for it; the host does not block. ``ReduceOp``
maps to NCCL's ``ncclSum``/``ncclProd``/``ncclMin``/``ncclMax`` (``AVG`` is a sum divided
afterwards; the bitwise operations have no NCCL counterpart, as in PyTorch). A ``gather`` or
``scatter`` is a group of point-to-point calls.

The ranks agree on NCCL's unique id through MPI (rank 0 makes it, a broadcast hands it out), so an
NCCL job is launched like any other: ``mpiexec -n 4 python train.py`` with ``backend="nccl"``.
A world of one needs no MPI at all.

Importing this module imports CuPy (``pip install 'minitorch_conv[cuda]'``).

>>> from minitorch_conv.distributed.nccl_engine import nccl_dtype
>>> import numpy as np
>>> nccl_dtype(np.dtype(np.float32)) == nccl_dtype(np.dtype("float32"))
True
"""

from __future__ import annotations

import cupy
import numpy as np  # dtypes of the arrays (CuPy uses NumPy's), and the unique id's bytes
from cupy.cuda import nccl

from .engine import Engine
from .reduce_op import RedOpType
from .work import Work

__all__ = ["NCCLEngine", "nccl_dtype"]

_DTYPES = {np.dtype(np.float16): nccl.NCCL_FLOAT16, np.dtype(np.float32): nccl.NCCL_FLOAT32,
           np.dtype(np.float64): nccl.NCCL_FLOAT64, np.dtype(np.int8): nccl.NCCL_INT8,
           np.dtype(np.uint8): nccl.NCCL_UINT8, np.dtype(np.int32): nccl.NCCL_INT32,
           np.dtype(np.int64): nccl.NCCL_INT64, np.dtype(np.bool_): nccl.NCCL_UINT8}
_OPS = {RedOpType.SUM: nccl.NCCL_SUM, RedOpType.AVG: nccl.NCCL_SUM, RedOpType.PRODUCT: nccl.NCCL_PROD,
        RedOpType.MIN: nccl.NCCL_MIN, RedOpType.MAX: nccl.NCCL_MAX}
_BOOL_OPS = {RedOpType.SUM: nccl.NCCL_MAX, RedOpType.MAX: nccl.NCCL_MAX,  # or / and on 0-1 bytes
             RedOpType.PRODUCT: nccl.NCCL_MIN, RedOpType.MIN: nccl.NCCL_MIN}


def nccl_dtype(dtype: np.dtype) -> int:
    """NCCL's data type for ``dtype`` (bool travels as bytes)."""
    if dtype not in _DTYPES:
        raise ValueError(f"NCCL does not move {dtype} tensors")
    return _DTYPES[dtype]


def _nccl_op(op: RedOpType, dtype: np.dtype) -> int:
    table = _BOOL_OPS if dtype == np.bool_ else _OPS
    if op not in table:
        raise ValueError(f"Cannot use ReduceOp.{op.name} with NCCL" +
                         (" on bool tensors" if dtype == np.bool_ else ""))
    return table[op]


class _StreamWork(Work):
    """A handle whose completion is a CUDA event: ``wait()`` orders the current stream after it."""

    def __init__(self, event, description: str, keep: tuple):
        super().__init__(lambda: event.done, description=description, keep=keep)
        self._event = event

    def wait(self, timeout=None) -> bool:
        cupy.cuda.get_current_stream().wait_event(self._event)
        self._finish()  # what follows (AVG's division) is queued after the collective
        return True


class NCCLEngine(Engine):
    """Collectives between the GPUs of ``size`` processes; this process's GPU is the current one."""

    name = "nccl"

    def __init__(self, rank: int, size: int, unique_id: bytes, timeout: float | None):
        self.rank, self.size, self.timeout = rank, size, timeout
        self.device = cupy.cuda.Device()
        try:  # CuPy 14 takes NCCL's unique id as 128 bytes
            self.comm = nccl.NcclCommunicator(size, unique_id, rank)
        except TypeError:  # earlier CuPy, as a tuple of 128 signed chars
            signed_chars = tuple(np.frombuffer(unique_id, dtype=np.int8).tolist())
            self.comm = nccl.NcclCommunicator(size, signed_chars, rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)

    def _launch(self, what: str, arrays: tuple, call) -> _StreamWork:
        """Queue ``call(stream_pointer)`` on the NCCL stream after the current stream's work."""
        self.stream.wait_event(cupy.cuda.get_current_stream().record())
        call(self.stream.ptr)
        return _StreamWork(self.stream.record(), f"[rank {self.rank}] {what}", arrays)

    def allreduce(self, buf, op):
        kind, operation = nccl_dtype(buf.dtype), _nccl_op(op, buf.dtype)
        work = self._launch("all_reduce", (buf,), lambda s: self.comm.allReduce(
            buf.data.ptr, buf.data.ptr, buf.size, kind, operation, s))
        if op is RedOpType.AVG:
            work._then(lambda: _divide_by(buf, self.size))
        return work

    def broadcast(self, buf, root):
        kind = nccl_dtype(buf.dtype)
        return self._launch("broadcast", (buf,), lambda s: self.comm.broadcast(
            buf.data.ptr, buf.data.ptr, buf.size, kind, root, s))

    def allgather(self, send, recv):
        kind = nccl_dtype(send.dtype)
        return self._launch("all_gather", (send, recv), lambda s: self.comm.allGather(
            send.data.ptr, recv.data.ptr, send.size, kind, s))

    def reduce_scatter(self, send, recv, op):
        kind, operation = nccl_dtype(send.dtype), _nccl_op(op, send.dtype)
        work = self._launch("reduce_scatter", (send, recv), lambda s: self.comm.reduceScatter(
            send.data.ptr, recv.data.ptr, recv.size, kind, operation, s))
        if op is RedOpType.AVG:
            work._then(lambda: _divide_by(recv, self.size))
        return work

    def reduce(self, buf, op, root):
        kind, operation = nccl_dtype(buf.dtype), _nccl_op(op, buf.dtype)
        work = self._launch("reduce", (buf,), lambda s: self.comm.reduce(
            buf.data.ptr, buf.data.ptr, buf.size, kind, operation, root, s))
        if op is RedOpType.AVG and self.rank == root:
            work._then(lambda: _divide_by(buf, self.size))
        return work

    def gather(self, send, recv, root):
        kind, n = nccl_dtype(send.dtype), send.size

        def call(stream):
            nccl.groupStart()
            if self.rank == root:
                for peer in range(self.size):
                    self.comm.recv(recv[peer * n:(peer + 1) * n].data.ptr, n, kind, peer, stream)
            self.comm.send(send.data.ptr, n, kind, root, stream)
            nccl.groupEnd()

        return self._launch("gather", (send, recv), call)

    def scatter(self, send, recv, root):
        kind, n = nccl_dtype(recv.dtype), recv.size

        def call(stream):
            nccl.groupStart()
            if self.rank == root:
                for peer in range(self.size):
                    self.comm.send(send[peer * n:(peer + 1) * n].data.ptr, n, kind, peer, stream)
            self.comm.recv(recv.data.ptr, n, kind, root, stream)
            nccl.groupEnd()

        return self._launch("scatter", (send, recv), call)

    def barrier(self):
        flag = cupy.zeros(1, dtype=np.float32)
        return self.allreduce(flag, RedOpType.SUM)

    def send(self, buf, dst, tag):
        kind = nccl_dtype(buf.dtype)
        return self._launch(f"send to rank {dst}", (buf,),
                            lambda s: self.comm.send(buf.data.ptr, buf.size, kind, dst, s))

    def recv(self, buf, src, tag):
        if src is None:
            raise ValueError("recv: NCCL needs the source rank (src=None is MPI's any source)")
        kind = nccl_dtype(buf.dtype)
        return self._launch(f"recv from rank {src}", (buf,),
                            lambda s: self.comm.recv(buf.data.ptr, buf.size, kind, src, s))

    def duplicate(self):
        return self  # one stream orders every NCCL call of this process

    def split(self, members):
        raise NotImplementedError("new_group with the NCCL backend: use backend='mpi' for sub-groups")

    def free(self):
        self.stream.synchronize()
        self.comm.destroy()


def _divide_by(buf, n: int) -> None:
    if buf.dtype.kind in "fc":
        buf /= n
    else:
        buf[...] = cupy.sign(buf) * (cupy.abs(buf) // n)


def create(rank: int, size: int, cpu_engine: Engine, timeout: float | None) -> NCCLEngine:
    """The NCCL communicator of ``size`` ranks; the unique id travels over ``cpu_engine`` (MPI)."""
    unique_id = _id_bytes(nccl.get_unique_id()) if rank == 0 else None
    if size > 1:
        unique_id = bytes(cpu_engine.broadcast_bytes(unique_id, 0))
    return NCCLEngine(rank, size, unique_id, timeout)


def _id_bytes(unique_id) -> bytes:
    """NCCL's unique id as 128 bytes, whichever form this CuPy gives it in (bytes from CuPy 14,
    a tuple of signed chars before)."""
    if isinstance(unique_id, (bytes, bytearray)):
        return bytes(unique_id)
    return np.array(unique_id, dtype=np.int8).tobytes()
