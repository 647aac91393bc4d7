"""The collectives, with PyTorch's names and signatures: every rank calls the same ones, in the
same order, and each call combines or moves the ranks' tensors.

Tensors are used in place: a contiguous CPU tensor's memory goes to MPI as it is (a non-contiguous
one through a contiguous copy, written back). Before moving any data, the ranks compare what they
were asked to do (the collective, the shapes, the dtypes, the root): one tiny all-reduce, so that a
rank that passes a tensor of another shape gets a clear error, on every rank, instead of garbage
or a hang. ``async_op=True`` returns a :class:`~minitorch_conv.distributed.work.Work`; without it
the call returns None once the result is there.

The ``*_object`` variants move small Python values (pickled, as in PyTorch: only exchange objects
with ranks you trust).

>>> import minitorch_conv as mt
>>> import minitorch_conv.distributed as dist
>>> dist.init_process_group("mpi")  # a world of one here; mpiexec -n 4 makes four
>>> t = mt.tensor([1.0, 2.0]) * (dist.get_rank() + 1)
>>> dist.all_reduce(t)  # the sum over ranks: tensor([10., 20.]) on each of four ranks
>>> t
tensor([1., 2.])
>>> dist.destroy_process_group()
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from .engine import Engine
from .process_group import ProcessGroup, get_group_rank, resolve_group
from .reduce_op import RedOpType, ReduceOp, as_red_op_type
from .work import Work

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_single",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_single", "reduce_scatter_tensor",
           "gather", "scatter", "barrier", "send", "recv", "isend", "irecv", "all_gather_object",
           "broadcast_object_list", "gather_object", "scatter_object_list"]

_NO_COMPLEX = (RedOpType.MAX, RedOpType.MIN, RedOpType.PRODUCT, RedOpType.BAND, RedOpType.BOR,
               RedOpType.BXOR)


# ------------------------------------------------------------------------------------- helpers
def _check_single_tensor(param, name: str) -> None:
    if not isinstance(param, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type Tensor but got "
                        f"{type(param)} instead.")


def _check_tensor_list(param, name: str) -> None:
    if not isinstance(param, list) or not all(isinstance(p, Tensor) for p in param):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type List[Tensor] but "
                        f"got {type(param)}" + (f" with elements of type {[type(p) for p in param]}."
                                                if isinstance(param, list) else " instead."))


def _describe(t: Tensor) -> str:
    return f"{t.dtype.name} tensor of shape {list(t.shape)} on {t.device.type}"


def _flat(t: Tensor) -> tuple[Any, Callable[[], None] | None]:
    """A flat, contiguous array over ``t``'s memory, and what copies it back (None: it is ``t``'s)."""
    array = t._array
    if array.flags.c_contiguous:
        return array.reshape(-1), None
    flat = array.reshape(-1)  # a contiguous copy

    def write_back():
        t._array[...] = flat.reshape(array.shape)

    return flat, write_back


def _same_device(tensors: list[Tensor], what: str) -> str:
    devices = {str(t.device) for t in tensors}
    if len(devices) > 1:
        raise RuntimeError(f"{what}: every tensor must be on the same device, got {sorted(devices)}")
    return tensors[0].device.type


def _same_dtype(tensors: list[Tensor], what: str) -> None:
    dtypes = {t.dtype.name for t in tensors}
    if len(dtypes) > 1:
        raise ValueError(f"Invalid usage of tensors with different dtypes: {what} got {sorted(dtypes)}")


def _group_and_engine(pg, tensors: list[Tensor], what: str) -> tuple[ProcessGroup | None, Engine | None]:
    resolved = resolve_group(pg)
    if resolved is None:  # this rank is not a member: nothing to do, as in PyTorch
        warnings.warn(f"Running {what} on global rank {_global_rank()} which does not belong to the "
                      "given group.", stacklevel=3)
        return None, None
    return resolved, resolved._engine_for(_same_device(tensors, what))


def _global_rank() -> int:
    from .process_group import GroupMember

    return GroupMember.WORLD.rank() if GroupMember.WORLD is not None else -1


def _root(pg: ProcessGroup, global_rank: int | None, group_rank: int | None, what: str, default=None) -> int:
    """The root's rank in ``pg``, from a global rank or a group rank (one of them)."""
    if global_rank is None and group_rank is None:
        global_rank = default
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
        return group_rank
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    return get_group_rank(pg, global_rank)


def _op(op, tensors: list[Tensor], what: str) -> RedOpType:
    op = as_red_op_type(op)
    if op in _NO_COMPLEX and any(t.dtype.is_complex for t in tensors if hasattr(t.dtype, "is_complex")):
        raise ValueError(f"{what} does not support {op} on complex tensors")
    return op


def _finish(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def _then_all(work: Work, callbacks) -> Work:
    for callback in callbacks:
        if callback is not None:
            work._then(callback)
    return work


# ------------------------------------------------------------------------------------- reductions
def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over every rank, in place: afterwards each rank holds the same result.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = mt.tensor([3, 1, 2])
    >>> dist.all_reduce(t, op=dist.ReduceOp.MAX)  # the elementwise maximum over ranks
    >>> t
    tensor([3, 1, 2])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(tensor, "tensor")
    op = _op(op, [tensor], "all_reduce")
    pg, engine = _group_and_engine(group, [tensor], "all_reduce")
    if pg is None:
        return None
    engine.check_same_call("all_reduce", f"all_reduce(op={op.name}) of a {_describe(tensor)}")
    buf, write_back = _flat(tensor)
    return _finish(_then_all(engine.allreduce(buf, op), [write_back]), async_op)


def reduce(tensor: Tensor, dst: int | None = None, op=ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` over every rank into ``dst``'s ``tensor`` (the others' stay as they are).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = mt.tensor([1.0, 2.0])
    >>> dist.reduce(t, dst=0)
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(tensor, "tensor")
    op = _op(op, [tensor], "reduce")
    pg, engine = _group_and_engine(group, [tensor], "reduce")
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "reduce")
    engine.check_same_call("reduce", f"reduce(op={op.name}, dst={root}) of a {_describe(tensor)}")
    buf, write_back = _flat(tensor)
    work = engine.reduce(buf, op, root)
    return _finish(_then_all(work, [write_back if pg.rank() == root else None]), async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Copy ``src``'s ``tensor`` into every rank's ``tensor``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = mt.arange(3)
    >>> dist.broadcast(t, src=0)
    >>> t
    tensor([0, 1, 2])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(tensor, "tensor")
    pg, engine = _group_and_engine(group, [tensor], "broadcast")
    if pg is None:
        return None
    root = _root(pg, src, group_src, "broadcast")
    engine.check_same_call("broadcast", f"broadcast(src={root}) of a {_describe(tensor)}")
    buf, write_back = _flat(tensor)
    return _finish(_then_all(engine.broadcast(buf, root), [write_back]), async_op)


# ------------------------------------------------------------------------------------- gathers
def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor``, on every rank (same shapes everywhere).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = [mt.zeros(2) for _ in range(dist.get_world_size())]
    >>> dist.all_gather(out, mt.tensor([1.0, 2.0]))
    >>> out
    [tensor([1., 2.])]
    >>> dist.destroy_process_group()
    """
    _check_tensor_list(tensor_list, "tensor_list")
    _check_single_tensor(tensor, "tensor")
    _same_dtype([tensor, *tensor_list], "all_gather")
    pg, engine = _group_and_engine(group, [tensor, *tensor_list], "all_gather")
    if pg is None:
        return None
    if len(tensor_list) != pg.size():
        raise RuntimeError(f"all_gather: invalid output tensor list (expected length {pg.size()}, the "
                           f"world size, got {len(tensor_list)})")
    for i, out in enumerate(tensor_list):
        if tuple(out.shape) != tuple(tensor.shape):
            raise RuntimeError(f"all_gather: invalid tensor size at index {i} (expected "
                               f"{list(tensor.shape)}, got {list(out.shape)})")
    engine.check_same_call("all_gather", f"all_gather of a {_describe(tensor)}")
    send, _ = _flat(tensor)
    with tensor._backend.device_context():
        recv = tensor._backend.xp.empty(pg.size() * send.size, dtype=send.dtype)

    def unpack():
        for r, out in enumerate(tensor_list):
            out._array[...] = recv[r * send.size:(r + 1) * send.size].reshape(out._array.shape)

    return _finish(engine.allgather(send, recv)._then(unpack), async_op)


def all_gather_single(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """Gather every rank's ``input_tensor`` into one ``output_tensor``: their concatenation along
    dim 0 (shape ``(world_size * n, ...)``) or their stack (shape ``(world_size, n, ...)``).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = mt.zeros(dist.get_world_size() * 2)
    >>> dist.all_gather_single(out, mt.tensor([1.0, 2.0]))
    >>> out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(output_tensor, "output_tensor")
    _check_single_tensor(input_tensor, "input_tensor")
    _same_dtype([output_tensor, input_tensor], "all_gather_into_tensor")
    pg, engine = _group_and_engine(group, [output_tensor, input_tensor], "all_gather_into_tensor")
    if pg is None:
        return None
    _check_world_multiple(output_tensor, input_tensor, pg.size(), "all_gather_into_tensor",
                          "output_tensor", "input_tensor")
    engine.check_same_call("all_gather_into_tensor",
                           f"all_gather_into_tensor of a {_describe(input_tensor)}")
    send, _ = _flat(input_tensor)
    recv, write_back = _flat(output_tensor)
    return _finish(_then_all(engine.allgather(send, recv), [write_back]), async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """PyTorch's older name of :func:`all_gather_single` (deprecated there, with the same warning).

    >>> import warnings
    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = mt.zeros(dist.get_world_size(), 2)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     dist.all_gather_into_tensor(out, mt.tensor([1.0, 2.0]))
    >>> out
    tensor([[1., 2.]])
    >>> dist.destroy_process_group()
    """
    warnings.warn("`torch.distributed.all_gather_into_tensor` is deprecated. Please use "
                  "`torch.distributed.all_gather_single` instead.", FutureWarning, stacklevel=2)
    return all_gather_single(output_tensor, input_tensor, group, async_op)


def _check_world_multiple(big: Tensor, small: Tensor, size: int, what: str, big_name: str,
                          small_name: str) -> None:
    """``big`` holds ``size`` times ``small``: ``(size * n0, ...)`` or ``(size, n0, ...)``."""
    shape, small_shape = tuple(big.shape), tuple(small.shape)
    concatenated = len(small_shape) > 0 and shape == (size * small_shape[0], *small_shape[1:])
    stacked = shape == (size, *small_shape)
    if not (concatenated or stacked):
        cat = [size * small_shape[0], *small_shape[1:]] if small_shape else None
        raise RuntimeError(
            f"{what}: {big_name} of shape {list(shape)} must hold world_size ({size}) times "
            f"{small_name} of shape {list(small_shape)}: shape {[size, *small_shape]}"
            + (f" or {cat}" if cat else "")
        )


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Collect every rank's ``tensor`` into ``gather_list`` on ``dst`` (default rank 0).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = [mt.zeros(2)] if dist.get_rank() == 0 else None
    >>> dist.gather(mt.tensor([5.0, 6.0]), out, dst=0)
    >>> out
    [tensor([5., 6.])]
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(tensor, "tensor")
    if gather_list:
        _check_tensor_list(gather_list, "gather_list")
    else:
        gather_list = []
    _same_dtype([tensor, *gather_list], "gather")
    pg, engine = _group_and_engine(group, [tensor, *gather_list], "gather")
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "gather", default=0)
    if pg.rank() == root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        if len(gather_list) != pg.size() or any(tuple(t.shape) != tuple(tensor.shape) for t in gather_list):
            raise RuntimeError(f"gather: gather_list must hold {pg.size()} tensors of shape "
                               f"{list(tensor.shape)}, got {[list(t.shape) for t in gather_list]}")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    engine.check_same_call("gather", f"gather(dst={root}) of a {_describe(tensor)}")
    send, _ = _flat(tensor)
    recv = None
    if pg.rank() == root:
        with tensor._backend.device_context():
            recv = tensor._backend.xp.empty(pg.size() * send.size, dtype=send.dtype)
    work = engine.gather(send, recv, root)
    if recv is not None:
        def unpack():
            for r, out in enumerate(gather_list):
                out._array[...] = recv[r * send.size:(r + 1) * send.size].reshape(out._array.shape)

        work._then(unpack)
    return _finish(work, async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False,
            group_src: int | None = None) -> Work | None:
    """Send ``scatter_list[r]`` of ``src`` (default rank 0) into rank ``r``'s ``tensor``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = mt.zeros(2)
    >>> pieces = [mt.full((2,), float(r)) for r in range(dist.get_world_size())]
    >>> dist.scatter(t, pieces if dist.get_rank() == 0 else None, src=0)
    >>> t
    tensor([0., 0.])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(tensor, "tensor")
    if scatter_list:
        _check_tensor_list(scatter_list, "scatter_list")
    else:
        scatter_list = []
    _same_dtype([tensor, *scatter_list], "scatter")
    pg, engine = _group_and_engine(group, [tensor, *scatter_list], "scatter")
    if pg is None:
        return None
    root = _root(pg, src, group_src, "scatter", default=0)
    send = None
    if pg.rank() == root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        if len(scatter_list) != pg.size() or any(tuple(t.shape) != tuple(tensor.shape) for t in scatter_list):
            raise RuntimeError(f"scatter: scatter_list must hold {pg.size()} tensors of shape "
                               f"{list(tensor.shape)}, got {[list(t.shape) for t in scatter_list]}")
        with tensor._backend.device_context():
            send = tensor._backend.xp.concatenate([t._array.reshape(-1) for t in scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    engine.check_same_call("scatter", f"scatter(src={root}) into a {_describe(tensor)}")
    recv, write_back = _flat(tensor)
    return _finish(_then_all(engine.scatter(send, recv, root), [write_back]), async_op)


def reduce_scatter_single(output: Tensor, input: Tensor, op=ReduceOp.SUM,  # noqa: A002 - PyTorch's name
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``input`` over every rank and give rank ``r`` block ``r`` of the result (``input``
    holds ``world_size`` blocks of ``output``'s shape, concatenated along dim 0 or stacked).

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = mt.zeros(2)
    >>> dist.reduce_scatter_single(out, mt.tensor([1.0, 2.0]) * dist.get_world_size())
    >>> out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(output, "output")
    _check_single_tensor(input, "input")
    _same_dtype([output, input], "reduce_scatter_tensor")
    op = _op(op, [input], "reduce_scatter_tensor")
    pg, engine = _group_and_engine(group, [output, input], "reduce_scatter_tensor")
    if pg is None:
        return None
    _check_world_multiple(input, output, pg.size(), "reduce_scatter_tensor", "input", "output")
    engine.check_same_call("reduce_scatter_tensor",
                           f"reduce_scatter_tensor(op={op.name}) of a {_describe(input)}")
    send, _ = _flat(input)
    recv, write_back = _flat(output)
    return _finish(_then_all(engine.reduce_scatter(send, recv, op), [write_back]), async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM,  # noqa: A002
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """PyTorch's older name of :func:`reduce_scatter_single` (deprecated there, with the same warning).

    >>> import warnings
    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = mt.zeros(2)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     dist.reduce_scatter_tensor(out, mt.tensor([3.0, 4.0]))
    >>> out
    tensor([3., 4.])
    >>> dist.destroy_process_group()
    """
    warnings.warn("`torch.distributed.reduce_scatter_tensor` is deprecated. Please use "
                  "`torch.distributed.reduce_scatter_single` instead.", FutureWarning, stacklevel=2)
    return reduce_scatter_single(output, input, op, group, async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op=ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``input_list[r]`` over every rank into rank ``r``'s ``output``.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = mt.zeros(2)
    >>> dist.reduce_scatter(out, [mt.tensor([7.0, 8.0])] * dist.get_world_size())
    >>> out
    tensor([7., 8.])
    >>> dist.destroy_process_group()
    """
    _check_single_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    _same_dtype([output, *input_list], "reduce_scatter")
    op = _op(op, input_list, "reduce_scatter")
    pg, engine = _group_and_engine(group, [output, *input_list], "reduce_scatter")
    if pg is None:
        return None
    if len(input_list) != pg.size() or any(tuple(t.shape) != tuple(output.shape) for t in input_list):
        raise RuntimeError(f"reduce_scatter: input_list must hold {pg.size()} tensors of shape "
                           f"{list(output.shape)}, got {[list(t.shape) for t in input_list]}")
    engine.check_same_call("reduce_scatter", f"reduce_scatter(op={op.name}) into a {_describe(output)}")
    with output._backend.device_context():
        send = output._backend.xp.concatenate([t._array.reshape(-1) for t in input_list])
    recv, write_back = _flat(output)
    return _finish(_then_all(engine.reduce_scatter(send, recv, op), [write_back]), async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None,
            timeout=None) -> Work | None:
    """Wait until every rank has called ``barrier``.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.barrier()
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    if pg is None:
        return None
    engine = pg._engine_for("cpu")
    engine.check_same_call("barrier", "barrier")
    work = engine.barrier()
    if async_op:
        return work
    work.wait(timeout)
    return None


# ------------------------------------------------------------------------------------- point to point
def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to rank ``dst``; ``wait()`` on the handle before changing it.

    >>> import minitorch_conv.distributed as dist
    >>> dist.isend.__name__  # a world of one has nobody to send to: see docs/distributed.md
    'isend'
    """
    _check_single_tensor(tensor, "tensor")
    pg, engine = _group_and_engine(group, [tensor], "isend")
    if pg is None:
        return None
    peer = _root(pg, dst, group_dst, "isend")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: destination rank should not be the same as the rank "
                         "of the current process.")
    buf, _ = _flat(tensor)
    return engine.send(buf if tensor._array.flags.c_contiguous else buf.copy(), peer, tag)


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None, over MPI).

    >>> import minitorch_conv.distributed as dist
    >>> dist.irecv.__name__
    'irecv'
    """
    _check_single_tensor(tensor, "tensor")
    pg, engine = _group_and_engine(group, [tensor], "irecv")
    if pg is None:
        return None
    peer = None if src is None and group_src is None else _root(pg, src, group_src, "irecv")
    if peer == pg.rank():
        raise ValueError("Invalid source rank: source rank should not be the same as the rank of the "
                         "current process.")
    buf, write_back = _flat(tensor)
    return _then_all(engine.recv(buf, peer, tag), [write_back])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` (blocks until it is sent).

    >>> import minitorch_conv.distributed as dist
    >>> dist.send.__name__
    'send'
    """
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (blocks until it has arrived); returns ``src``.

    >>> import minitorch_conv.distributed as dist
    >>> dist.recv.__name__
    'recv'
    """
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return src if src is not None else -1


# ------------------------------------------------------------------------------------- Python objects
def _object_engine(pg) -> tuple[ProcessGroup | None, Engine | None]:
    resolved = resolve_group(pg)
    return (None, None) if resolved is None else (resolved, resolved._engine_for("cpu"))


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list[r]`` with rank ``r``'s ``obj`` (pickled: small values, trusted ranks).

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> gathered = [None] * dist.get_world_size()
    >>> dist.all_gather_object(gathered, {"rank": dist.get_rank()})
    >>> gathered
    [{'rank': 0}]
    >>> dist.destroy_process_group()
    """
    pg, engine = _object_engine(group)
    if pg is None:
        return
    for r, payload in enumerate(engine.allgather_bytes(pickle.dumps(obj))):
        object_list[r] = pickle.loads(payload)  # noqa: S301 - PyTorch's contract: trusted ranks


def broadcast_object_list(object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None,
                          device=None, group_src: int | None = None) -> None:
    """Replace the entries of every rank's ``object_list`` with those of ``src``'s.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> config = [{"lr": 0.1}, "run-7"] if dist.get_rank() == 0 else [None, None]
    >>> dist.broadcast_object_list(config, src=0)
    >>> config
    [{'lr': 0.1}, 'run-7']
    >>> dist.destroy_process_group()
    """
    pg, engine = _object_engine(group)
    if pg is None:
        return
    root = _root(pg, src, group_src, "broadcast_object_list")
    payload = pickle.dumps(list(object_list)) if pg.rank() == root else None
    received = pickle.loads(engine.broadcast_bytes(payload, root))  # noqa: S301
    object_list[:len(received)] = received


def gather_object(obj: Any, object_gather_list: list[Any] | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """Collect every rank's ``obj`` into ``object_gather_list`` on ``dst`` (default rank 0).

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> out = [None] * dist.get_world_size() if dist.get_rank() == 0 else None
    >>> dist.gather_object(("done", dist.get_rank()), out, dst=0)
    >>> out
    [('done', 0)]
    >>> dist.destroy_process_group()
    """
    pg, engine = _object_engine(group)
    if pg is None:
        return
    root = _root(pg, dst, group_dst, "gather_object", default=0)
    if pg.rank() == root and not object_gather_list:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if pg.rank() != root and object_gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    payloads = engine.allgather_bytes(pickle.dumps(obj))
    if pg.rank() == root:
        for r, payload in enumerate(payloads):
            object_gather_list[r] = pickle.loads(payload)  # noqa: S301


def scatter_object_list(scatter_object_output_list: list[Any],
                        scatter_object_input_list: list[Any] | None = None, src: int | None = None,
                        group: ProcessGroup | None = None, group_src: int | None = None) -> None:
    """Rank ``r`` receives ``scatter_object_input_list[r]`` of ``src`` (default rank 0) into
    ``scatter_object_output_list[0]``.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> mine = [None]
    >>> dist.scatter_object_list(mine, [f"shard {r}" for r in range(dist.get_world_size())], src=0)
    >>> mine
    ['shard 0']
    >>> dist.destroy_process_group()
    """
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    pg, engine = _object_engine(group)
    if pg is None:
        return
    root = _root(pg, src, group_src, "scatter_object_list", default=0)
    payload = None
    if pg.rank() == root:
        if scatter_object_input_list is None or len(scatter_object_input_list) != pg.size():
            raise ValueError(f"scatter_object_list: the source rank needs scatter_object_input_list with "
                             f"{pg.size()} objects (one per rank)")
        payload = pickle.dumps(list(scatter_object_input_list))
    objects = pickle.loads(engine.broadcast_bytes(payload, root))  # noqa: S301
    scatter_object_output_list[0] = objects[pg.rank()]
