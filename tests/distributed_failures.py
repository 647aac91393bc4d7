"""Jobs that fail on purpose: ``mpiexec -n 2 python THIS MODE``; rank 1 misbehaves while rank 0
waits in an all-reduce. Started by tests/distributed/test_distributed.py, which checks that the whole job ends
(non-zero status) well within its time limit, and what it printed.

- ``raise``: rank 1 raises; its traceback is printed and the job is aborted (the excepthook).
- ``kill``: rank 1 is killed by SIGKILL; the MPI launcher ends the job.
- ``exit``: rank 1 exits (status 3) without joining; rank 0's all-reduce times out and aborts.
- ``mismatch``: the ranks pass tensors of different shapes and nobody catches the error.
- ``none``: nothing goes wrong (the test sets a WORLD_SIZE that MPI contradicts).
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta

import minitorch_conv as mt
import minitorch_conv.distributed as dist


def main(mode: str) -> None:
    # a short timeout only where it is the point: elsewhere rank 0 must not give up first
    dist.init_process_group("mpi", timeout=timedelta(seconds=2 if mode == "exit" else 60))
    rank = dist.get_rank()
    t = mt.ones(4)
    dist.all_reduce(t)  # everyone is up
    if rank == 1:
        if mode == "raise":
            raise ValueError("boom on rank 1")
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "exit":
            sys.exit(3)
    if mode == "mismatch":
        dist.all_reduce(mt.ones(4 + rank))
    dist.all_reduce(t)
    print(f"rank {rank} finished", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
