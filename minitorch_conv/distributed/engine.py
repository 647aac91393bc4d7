"""The interface every communication engine implements: MPI, NCCL, and a world of one process.

An engine moves flat, contiguous arrays (NumPy for MPI, CuPy for NCCL): the public functions of
``minitorch_conv.distributed`` check the arguments, flatten the tensors (without a copy when they
are contiguous) and call one method here. Each method starts the operation and returns a
:class:`~minitorch_conv.distributed.work.Work`.

Built on those methods, and so shared by every engine: exchanging bytes (the object collectives
pickle into them) and the check that every rank called the same collective with the same shapes,
which turns a mismatch into a clear error on every rank instead of corrupted results or a hang.

>>> import numpy as np
>>> from minitorch_conv.distributed.local_engine import LocalEngine
>>> engine = LocalEngine()
>>> engine.allgather_bytes(b"hello")
[b'hello']
"""

from __future__ import annotations

import hashlib

import numpy as np  # the metadata and byte buffers of the engines are host arrays

from .reduce_op import RedOpType

__all__ = ["Engine", "CollectiveMismatchError"]


class CollectiveMismatchError(RuntimeError):
    """The ranks called a collective with different arguments (shapes, dtypes, roots, or a
    different collective altogether). Every rank raises it, naming each rank's call.

    >>> from minitorch_conv.distributed import CollectiveMismatchError
    >>> issubclass(CollectiveMismatchError, RuntimeError)
    True
    """


class Engine:
    """One communicator: ``rank`` and ``size``, and the collectives on flat arrays.

    ``op`` is a :class:`~minitorch_conv.distributed.reduce_op.RedOpType`; ``root`` a rank of this
    communicator. Results are written in place (``allreduce``, ``broadcast``, ``reduce`` on the
    root) or into ``recv``.

    >>> import numpy as np
    >>> from minitorch_conv.distributed import ReduceOp
    >>> from minitorch_conv.distributed.local_engine import LocalEngine
    >>> buf = np.array([1.0, 2.0])
    >>> LocalEngine().allreduce(buf, ReduceOp.SUM).wait(), buf
    (True, array([1., 2.]))
    """

    name = "engine"
    rank = 0
    size = 1
    timeout: float | None = None

    # -------------------------------------------------------------- what each engine implements
    def allreduce(self, buf, op):
        raise NotImplementedError

    def broadcast(self, buf, root: int):
        raise NotImplementedError

    def allgather(self, send, recv):
        """``recv`` (``size * send.size`` elements) receives every rank's ``send``, in rank order."""
        raise NotImplementedError

    def reduce_scatter(self, send, recv, op):
        """Rank ``r``'s ``recv`` receives the reduction of block ``r`` of every rank's ``send``."""
        raise NotImplementedError

    def reduce(self, buf, op, root: int):
        raise NotImplementedError

    def gather(self, send, recv, root: int):
        """On the root, ``recv`` receives every rank's ``send``; elsewhere ``recv`` is None."""
        raise NotImplementedError

    def scatter(self, send, recv, root: int):
        """Rank ``r``'s ``recv`` receives block ``r`` of the root's ``send`` (None elsewhere)."""
        raise NotImplementedError

    def barrier(self):
        raise NotImplementedError

    def send(self, buf, dst: int, tag: int):
        raise NotImplementedError

    def recv(self, buf, src: int, tag: int):
        raise NotImplementedError

    def duplicate(self) -> Engine:
        """An engine over the same ranks whose operations never interleave with this one's."""
        raise NotImplementedError

    def split(self, members: list[int]) -> Engine | None:
        """An engine over ``members`` (ranks of this one, in that order); None on the others.
        Every rank of this engine must call it."""
        raise NotImplementedError

    def free(self) -> None:
        """Release the communicator (the engine is not used afterwards)."""

    # -------------------------------------------------------------- built on them
    def allgather_bytes(self, payload: bytes) -> list[bytes]:
        """Every rank's ``payload``, in rank order (payloads may differ in length)."""
        if self.size == 1:
            return [bytes(payload)]
        length = np.array([len(payload)], dtype=np.int64)
        lengths = np.empty(self.size, dtype=np.int64)
        self.allgather(length, lengths).wait()
        longest = max(int(lengths.max()), 1)
        padded = np.zeros(longest, dtype=np.uint8)
        padded[:len(payload)] = np.frombuffer(payload, dtype=np.uint8)
        every = np.empty(self.size * longest, dtype=np.uint8)
        self.allgather(padded, every).wait()
        return [every[r * longest:r * longest + int(n)].tobytes() for r, n in enumerate(lengths)]

    def broadcast_bytes(self, payload: bytes | None, root: int) -> bytes:
        """The root's ``payload`` on every rank."""
        if self.size == 1:
            return bytes(payload)
        length = np.array([len(payload) if self.rank == root else 0], dtype=np.int64)
        self.broadcast(length, root).wait()
        buf = np.zeros(int(length[0]), dtype=np.uint8)
        if self.rank == root:
            buf[:] = np.frombuffer(payload, dtype=np.uint8)
        if buf.size:
            self.broadcast(buf, root).wait()
        return buf.tobytes()

    def check_same_call(self, what: str, signature: str) -> None:
        """Raise :class:`CollectiveMismatchError` on every rank unless every rank passed the same
        ``signature`` (a description of the call: collective, shapes, dtypes, root).

        One all-reduce of two integers (the maximum and minimum of a hash of the signature);
        only when they differ are the signatures themselves exchanged, to name each rank's call.
        """
        if self.size == 1:
            return
        digest = hashlib.blake2b(signature.encode(), digest_size=8).digest()
        mine = int.from_bytes(digest, "little", signed=True) >> 1  # room for the negation
        extremes = np.array([mine, -mine], dtype=np.int64)
        self.allreduce(extremes, RedOpType.MAX).wait()
        if extremes[0] == mine and -extremes[1] == mine:
            return
        calls = [s.decode() for s in self.allgather_bytes(signature.encode())]
        lines = "\n".join(f"  rank {r}: {call}" for r, call in enumerate(calls))
        raise CollectiveMismatchError(
            f"{what}: the ranks called it with different arguments, which would corrupt the results "
            f"or hang the job:\n{lines}\nEvery rank must call the same collectives, in the same "
            "order, with tensors of the same shape and dtype."
        )

