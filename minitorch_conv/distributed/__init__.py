"""``minitorch_conv.distributed``: PyTorch's distributed API over MPI (CPUs, clusters) and NCCL
(NVIDIA GPUs). We write the API, not a transport: MPI and NCCL move the bytes.

Start a job with MPI's launcher; each process runs the same script and is one rank::

    mpiexec -n 4 python train.py

In the script, as with PyTorch::

    import minitorch_conv.distributed as dist
    dist.init_process_group("mpi")            # or "nccl" for GPU tensors
    model = nn.parallel.DistributedDataParallel(model)
    sampler = utils.data.DistributedSampler(dataset)

A process that no launcher started is a world of one (rank 0 of 1) and needs no MPI, so the same
script also runs as ``python train.py``.

>>> import minitorch_conv as mt
>>> import minitorch_conv.distributed as dist
>>> dist.is_available(), dist.is_initialized()
(True, False)
>>> dist.init_process_group("mpi")
>>> t = mt.tensor([1.0, 2.0])
>>> dist.all_reduce(t, op=dist.ReduceOp.AVG)
>>> t, dist.get_rank(), dist.get_world_size()
(tensor([1., 2.]), 0, 1)
>>> dist.destroy_process_group()
"""

from __future__ import annotations

from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_gather_single,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
    gather,
    gather_object,
    irecv,
    isend,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_single,
    reduce_scatter_tensor,
    scatter,
    scatter_object_list,
    send,
)
from .engine import CollectiveMismatchError
from .process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_node_local_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    new_group,
)
from .reduce_op import ReduceOp
from .work import Work

__all__ = [
    "Backend", "CollectiveMismatchError", "GroupMember", "ProcessGroup", "ReduceOp", "Work",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_gather_single", "all_reduce",
    "barrier", "broadcast", "broadcast_object_list", "default_pg_timeout", "destroy_process_group",
    "gather", "gather_object", "get_backend", "get_global_rank", "get_group_rank",
    "get_node_local_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group",
    "init_process_group", "irecv", "is_available", "is_initialized", "is_mpi_available",
    "is_nccl_available", "isend", "new_group", "recv", "reduce", "reduce_scatter",
    "reduce_scatter_single", "reduce_scatter_tensor", "scatter", "scatter_object_list", "send",
]
