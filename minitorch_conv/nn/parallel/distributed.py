"""``nn.parallel.DistributedDataParallel``: data parallelism across processes, as in PyTorch.

Each process (rank) holds a replica of the model and runs it on its own share of each batch; during
backward the gradients are averaged across the ranks (a bucketed, overlapped all-reduce, see
``minitorch_conv.distributed.reducer``), so after ``loss.backward()`` every rank holds the gradient
of the whole batch, and identical optimizer steps keep the replicas identical.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor
from ..module import Module

__all__ = ["DistributedDataParallel"]

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the ranks of ``process_group`` (default:
    every rank of the job).

    At construction every rank must hold a model with the same parameter shapes (a RuntimeError
    names the first difference), and the parameters and buffers of rank 0 are copied to every rank.
    Each ``forward`` in training runs ``module`` on this rank's inputs; the ``backward`` that
    follows averages the gradients across ranks, in buckets of at most ``bucket_cap_mb`` MiB that
    start their all-reduce while backward is still computing the gradients of earlier layers.
    Buffers (BatchNorm's running statistics) are copied from rank 0 at the start of each forward
    (``broadcast_buffers``, PyTorch's older name of ``forward_sync_buffers``).

    - ``no_sync()``: a context in which backward accumulates gradients locally, without
      communication (gradient accumulation); the first synchronised backward after it averages
      everything accumulated.
    - ``find_unused_parameters=True``: for models whose forward may skip some parameters.
    - ``gradient_as_bucket_view=True``: ``.grad`` becomes a view of the bucket (saves a copy).
    - ``state_dict()`` keys carry the ``module.`` prefix, as PyTorch's; ``ddp.module`` is the model.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.distributed as dist
    >>> from minitorch_conv.nn.parallel import DistributedDataParallel as DDP
    >>> dist.init_process_group("mpi")  # alone here; under `mpiexec -n 4` each rank runs this
    >>> model = DDP(mt.nn.Linear(3, 2))
    >>> model(mt.randn(8, 3)).sum().backward()  # gradients averaged over the ranks
    >>> sorted(model.state_dict()), model.module.weight.grad.shape
    (['module.bias', 'module.weight'], minitorch_conv.Size([2, 3]))
    >>> dist.destroy_process_group()
    """

    def __init__(self, module: Module, device_ids: list | None = None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool | None = None, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, forward_sync_buffers: bool | None = None):
        super().__init__()
        from ...distributed.process_group import resolve_group
        from ...distributed.reducer import DEFAULT_FIRST_BUCKET_BYTES, Reducer

        self.process_group = resolve_group(process_group)
        if self.process_group is None:
            raise ValueError("DistributedDataParallel: this rank is not a member of process_group")
        names_and_params = _parameters_for_reducer(module)
        if not names_and_params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        device_types = {p.device.type for _, p in module.named_parameters()}
        if len(device_types) != 1:
            raise ValueError("DistributedDataParallel's input module must be on the same type of devices, "
                             f"but input module parameters locate in {device_types}.")
        self.device_type = device_types.pop()
        if self.device_type == "cpu" and (device_ids or output_device is not None):
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters "
                f"{ {str(p.device) for _, p in module.named_parameters()} }."
            )
        self.device_ids = None if not device_ids else list(device_ids)
        self.output_device = None if self.device_ids is None else (
            output_device if output_device is not None else self.device_ids[0])
        self.dim = dim
        self.module = module
        self.device = next(iter(module.parameters())).device
        if broadcast_buffers is not None and forward_sync_buffers is not None:
            warnings.warn(
                "Both `broadcast_buffers` and `forward_sync_buffers` were specified. `broadcast_buffers` "
                "is deprecated and its value is ignored when `forward_sync_buffers` is provided.",
                FutureWarning, stacklevel=2)
        elif broadcast_buffers is not None:
            warnings.warn(
                "`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. IMPORTANT: unlike "
                "`broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers at init. If "
                "you rely on buffers NOT being synced at init (e.g. rank-local buffers), keep using "
                "`broadcast_buffers=False` until `init_sync_buffers` is available.",
                FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
            init_sync_buffers = True
        else:
            self.forward_sync_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
            init_sync_buffers = self.forward_sync_buffers
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is "
                          "deprecated. Please avoid using it.", FutureWarning, stacklevel=2)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        is_default_cap = bucket_cap_mb is None
        self.bucket_bytes_cap = int((_DEFAULT_BUCKET_CAP_MB if is_default_cap else bucket_cap_mb) * _MB)
        first_bucket_bytes = DEFAULT_FIRST_BUCKET_BYTES if is_default_cap else self.bucket_bytes_cap

        pg = self.process_group
        cpu_engine = pg._duplicate_engine("cpu")  # DDP's own communicator (see Reducer)
        same_engine = pg._engine_for(self.device_type) is pg._engine_for("cpu")
        device_engine = cpu_engine if same_engine else pg._duplicate_engine(self.device_type)
        self._engines = {"cpu": cpu_engine, self.device_type: device_engine}
        names = [name for name, _ in names_and_params]
        params = [p for _, p in names_and_params]
        if init_sync:
            _verify_param_shapes_across_processes(cpu_engine, names, params)
            states = [p for _, p in module.named_parameters()]
            if init_sync_buffers:
                states += [b for _, b in module.named_buffers()]
            _broadcast_coalesced(device_engine, states, 0)
        self.reducer = Reducer(params, names, self._engines, self.bucket_bytes_cap, first_bucket_bytes,
                               find_unused_parameters, gradient_as_bucket_view, static_graph)

    # ------------------------------------------------------------------ options
    @property
    def broadcast_buffers(self) -> bool:
        """Whether buffers are copied from rank 0 at each forward (``forward_sync_buffers``)."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value: bool) -> None:
        self.forward_sync_buffers = value

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """A context in which backward does not synchronise gradients: they accumulate on each
        rank, and the first synchronised backward after the context averages them all. The forward
        must run inside the context too.

        >>> import minitorch_conv as mt
        >>> import minitorch_conv.distributed as dist
        >>> from minitorch_conv.nn.parallel import DistributedDataParallel as DDP
        >>> dist.init_process_group("mpi")
        >>> model = DDP(mt.nn.Linear(2, 1))
        >>> with model.no_sync():
        ...     model(mt.ones(4, 2)).sum().backward()  # local only
        >>> model(mt.ones(4, 2)).sum().backward()  # averages both backward passes' gradients
        >>> model.module.bias.grad
        tensor([8.])
        >>> dist.destroy_process_group()
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs, **kwargs):
        synchronised = is_grad_enabled() and self.require_backward_grad_sync
        if synchronised:
            self.reducer.prepare_for_forward()
        if self.require_forward_param_sync and self.forward_sync_buffers and self.process_group.size() > 1:
            buffers = [b for _, b in self.module.named_buffers()]
            if buffers:
                _broadcast_coalesced(self._engines[self.device_type], buffers, 0)
        output = self.module(*inputs, **kwargs)
        if synchronised:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(list(_find_tensors(output))
                                              if self.reducer.find_unused_parameters else [])
        else:
            self.require_forward_param_sync = False
        return output

    def train(self, mode: bool = True) -> DistributedDataParallel:
        super().train(mode)
        return self


# ------------------------------------------------------------------------------------- helpers
def _parameters_for_reducer(module: Module) -> list[tuple[str, Tensor]]:
    """The parameters that require grad, each once (a shared parameter under its first name)."""
    seen, result = set(), []
    for name, param in module.named_parameters():
        if param.requires_grad and id(param) not in seen:
            seen.add(id(param))
            result.append((name, param))
    return result


def _find_tensors(obj: Any) -> Iterator[Tensor]:
    """Every Tensor in a forward's output (Tensors, lists, tuples, dicts, nested)."""
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _find_tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _find_tensors(item)


def _verify_param_shapes_across_processes(engine, names: list[str], params: list[Tensor]) -> None:
    """Every rank has the same parameter shapes and dtypes, in the same order."""
    mine = ";".join(f"{list(p.shape)} {p.dtype.name}" for p in params).encode()
    every = [e.decode().split(";") if e else [] for e in engine.allgather_bytes(mine)]
    rank = engine.rank
    for other, theirs in enumerate(every):
        if len(theirs) != len(params):
            raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has {len(params)} "
                               f"params, while rank {other} has inconsistent {len(theirs)} params.")
    for i, param in enumerate(params):
        if every[rank][i] != every[0][i]:
            raise RuntimeError(
                f"[{rank}]: params[{i}] ({names[i]}) in this process with sizes {list(param.shape)} "
                f"({param.dtype.name}) appears not to match sizes of the same param in process 0 "
                f"({every[0][i]})."
            )
        for other, theirs in enumerate(every):
            if theirs[i] != every[0][i]:
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but params[{i}] ({names[i]}) has sizes "
                    f"{theirs[i]} on rank {other} and {every[0][i]} on rank 0."
                )


def _broadcast_coalesced(engine, tensors: list[Tensor], root: int) -> None:
    """Copy ``root``'s ``tensors`` into every rank's, one broadcast per dtype (not per tensor)."""
    if engine.size == 1 or not tensors:
        return
    by_dtype: dict[str, list[Tensor]] = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype.name, []).append(t)
    for group in by_dtype.values():
        xp = group[0]._backend.xp
        with group[0]._backend.device_context():
            flat = xp.concatenate([t._array.reshape(-1) for t in group])
        engine.broadcast(flat, root).wait()
        offset = 0
        for t in group:
            n = t.numel()
            t._array[...] = flat[offset:offset + n].reshape(t._array.shape)
            offset += n
