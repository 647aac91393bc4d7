"""The process group: which processes take part in the job, and the engines that connect them.

``init_process_group`` asks the launcher. In a process started by an MPI launcher (``mpiexec``,
``mpirun``, ``srun``: they set ``PMI_*``, ``PMIX_*`` or ``OMPI_*`` variables) it starts MPI, and
the rank and world size are MPI's; torchrun-style ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``,
where a scheduler sets them, must agree with MPI's (``LOCAL_RANK`` picks the GPU). A process that
no launcher started is a world of one: rank 0 of 1, with no MPI at all, so a script written for
``mpiexec -n 4 python train.py`` also runs as ``python train.py``.

Backends, as in PyTorch: ``"mpi"`` (every tensor over MPI; GPU tensors directly where the MPI is
CUDA-aware, staged through host memory elsewhere) and ``"nccl"`` (GPU tensors over NCCL; CPU
tensors, and the Python objects of ``all_gather_object`` and friends, still over MPI).
``"cpu:mpi,cuda:nccl"`` says the same as ``"nccl"``.

In a launched job, ``init_process_group`` also installs an excepthook: an exception that no
``except`` catches prints its traceback and then ends every rank (``MPI_Abort``), instead of
leaving the other ranks waiting in their next collective for ever.

>>> import minitorch_conv.distributed as dist
>>> dist.init_process_group("mpi")  # not started by mpiexec: a world of one
>>> dist.is_initialized(), dist.get_rank(), dist.get_world_size(), dist.get_backend()
(True, 0, 1, 'mpi')
>>> dist.destroy_process_group()
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from datetime import timedelta

from .engine import Engine
from .local_engine import LocalEngine

__all__ = ["Backend", "ProcessGroup", "GroupMember", "group", "init_process_group",
           "destroy_process_group", "is_available", "is_initialized", "is_mpi_available",
           "is_nccl_available", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_group_rank", "get_global_rank", "get_process_group_ranks", "get_node_local_rank"]

default_pg_timeout = timedelta(minutes=30)
"""How long a collective waits for the other ranks before it fails (PyTorch's default)."""

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")

# variables that MPI launchers set in each process they start (MPICH/Intel MPI/Slurm's PMI, PMIx,
# Open MPI, MVAPICH)
_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


class Backend(str):
    """A backend's name, lower-case, as PyTorch's ``Backend``: ``Backend.MPI == "mpi"``.

    >>> from minitorch_conv.distributed import Backend
    >>> Backend("MPI"), Backend.NCCL
    ('mpi', 'nccl')
    """

    UNDEFINED = "undefined"
    MPI = "mpi"
    NCCL = "nccl"
    GLOO = "gloo"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError("Backend constructor parameter must be string-ish")
        return str.__new__(cls, name.lower())


def _engines_of(backend: str) -> dict[str, str]:
    """``{"cpu": engine name, "cuda": engine name}`` for a backend string."""
    if ":" not in backend:
        if backend == Backend.MPI:
            return {"cpu": "mpi", "cuda": "mpi"}
        if backend == Backend.NCCL:
            return {"cpu": "mpi", "cuda": "nccl"}
        raise ValueError(
            f"Invalid backend: '{backend}'. minitorch_conv.distributed runs over MPI ('mpi') and "
            "NCCL ('nccl', for GPUs), or both ('cpu:mpi,cuda:nccl')"
        )
    engines = {"cpu": "mpi", "cuda": "mpi"}
    for part in backend.split(","):
        device, _, name = part.strip().partition(":")
        if device not in engines or name not in ("mpi", "nccl") or (device == "cpu" and name == "nccl"):
            raise ValueError(f"Invalid backend: '{backend}' ('{part.strip()}' is not cpu:mpi, "
                             "cuda:mpi or cuda:nccl)")
        engines[device] = name
    return engines


class ProcessGroup:
    """A set of ranks that run collectives together: the default group (every rank) or one made
    by :func:`new_group`. ``rank()`` is this process's rank in the group, ``size()`` its size.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> world = dist.group.WORLD
    >>> world.rank(), world.size(), world.name()
    (0, 1, 'mpi')
    >>> dist.destroy_process_group()
    """

    def __init__(self, backend: str, cpu_engine: Engine, cuda_engine: Engine | None,
                 ranks: list[int], timeout: float | None):
        self.backend = Backend(backend)
        self._cpu_engine = cpu_engine
        self._cuda_engine = cuda_engine
        self.ranks = list(ranks)  # the global rank of each rank of this group
        self.timeout = timeout
        self._duplicates: list[Engine] = []  # freed with the group

    def rank(self) -> int:
        """This process's rank in the group."""
        return self._cpu_engine.rank

    def size(self) -> int:
        """How many ranks the group has."""
        return self._cpu_engine.size

    def name(self) -> str:
        """The backend's name (``"mpi"``, ``"nccl"``, ...)."""
        return str(self.backend)

    def _engine_for(self, device_type: str) -> Engine:
        """The engine that moves tensors of this device type."""
        if device_type == "cuda" and self._cuda_engine is not None:
            return self._cuda_engine
        return self._cpu_engine

    def _duplicate_engine(self, device_type: str) -> Engine:
        """A communicator of its own over this group's ranks (DistributedDataParallel reduces on
        one, so that its all-reduces never interleave with other collectives); freed with the group."""
        engine = self._engine_for(device_type)
        duplicate = engine.duplicate()
        if duplicate is not engine:
            self._duplicates.append(duplicate)
        return duplicate

    def _free(self) -> None:
        for engine in (*reversed(self._duplicates), self._cuda_engine, self._cpu_engine):
            if engine is not None:
                engine.free()
        self._duplicates = []

    def __repr__(self) -> str:
        return f"<ProcessGroup {self.name()}: rank {self.rank()} of {self.size()}>"


class GroupMember:
    """``GroupMember.WORLD``: the default group once initialised; ``NON_GROUP_MEMBER``: what
    :func:`new_group` returns on the ranks it leaves out.

    >>> import minitorch_conv.distributed as dist
    >>> dist.GroupMember.WORLD is None, dist.GroupMember.NON_GROUP_MEMBER
    (True, -100)
    """

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


class group:  # noqa: N801 - PyTorch's name
    """``group.WORLD``: the default process group (None before ``init_process_group``).

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.group.WORLD.size()
    1
    >>> dist.destroy_process_group()
    """

    WORLD: ProcessGroup | None = None


class _State:
    groups: list[ProcessGroup] = []
    previous_excepthook = None
    abort_hook = None


def _set_world(pg: ProcessGroup | None) -> None:
    GroupMember.WORLD = pg
    group.WORLD = pg


def _default_group() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return GroupMember.WORLD


def resolve_group(pg: ProcessGroup | int | None) -> ProcessGroup | None:
    """The group a collective runs on: ``None`` and ``group.WORLD`` are the default group; None
    when this rank is not a member (``GroupMember.NON_GROUP_MEMBER``).

    >>> import minitorch_conv.distributed as dist
    >>> from minitorch_conv.distributed.process_group import resolve_group
    >>> dist.init_process_group("mpi")
    >>> resolve_group(None) is dist.group.WORLD, resolve_group(dist.GroupMember.NON_GROUP_MEMBER)
    (True, None)
    >>> dist.destroy_process_group()
    """
    if pg is None:
        return _default_group()
    if isinstance(pg, int) and pg == GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(pg, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup (or None for the default group), got {pg!r}")
    return pg


# ------------------------------------------------------------------------------------- launching
def _started_by_mpi_launcher() -> bool:
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"the environment variable {name}={value!r} is not an integer") from None


def _check_environment_agrees(rank: int, size: int) -> None:
    """torchrun-style RANK / WORLD_SIZE, where set, must be MPI's."""
    for name, value in (("WORLD_SIZE", size), ("RANK", rank)):
        env = _env_int(name)
        if env is not None and env != value:
            raise ValueError(
                f"the environment says {name}={env}, but MPI says {value} (rank {rank} of {size}); "
                f"unset {name} or launch with matching values"
            )


def _seconds(timeout) -> float | None:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout)}")


def _mpi_engine_module():
    try:
        from . import mpi_engine
    except ImportError as error:
        raise RuntimeError(
            "this process was started by an MPI launcher, and minitorch_conv.distributed needs "
            f"mpi4py to talk to the other processes ({error}): pip install 'minitorch_conv[distributed]'"
        ) from error
    return mpi_engine


def _pick_gpu(device_id, cpu_engine: Engine) -> None:
    """Make this rank's GPU current: ``device_id``, else ``LOCAL_RANK``, else the rank among the
    processes of this machine, modulo the number of GPUs."""
    import cupy

    if device_id is not None:
        index = device_id if isinstance(device_id, int) else (getattr(device_id, "index", None) or 0)
    else:
        index = _launcher_local_rank()
        if index is None:
            index = _mpi_engine_module().node_local_rank() if cpu_engine.name == "mpi" else 0
    cupy.cuda.Device(index % cupy.cuda.runtime.getDeviceCount()).use()


def _install_excepthook(rank: int, abort) -> None:
    """Uncaught exception: print the traceback, then end every rank of the job (MPI_Abort)."""
    previous = sys.excepthook

    def abort_job(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        sys.stderr.write(
            f"[rank {rank}] {exc_type.__name__} was not caught: aborting the whole job (MPI_Abort), "
            "so that no other rank waits for this one\n"
        )
        abort(1)

    _State.previous_excepthook = previous
    _State.abort_hook = abort_job
    sys.excepthook = abort_job


def _remove_excepthook() -> None:
    if _State.abort_hook is not None and sys.excepthook is _State.abort_hook:
        sys.excepthook = _State.previous_excepthook
    _State.abort_hook = _State.previous_excepthook = None


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout=None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "",
                       pg_options=None, device_id=None) -> None:
    """Join the job: connect this process to the others the launcher started.

    ``backend``: ``"mpi"``, ``"nccl"`` (GPU tensors over NCCL) or ``"cpu:mpi,cuda:nccl"``; None
    picks ``"nccl"`` where CuPy sees a GPU, ``"mpi"`` elsewhere. ``timeout`` (a ``timedelta``,
    default 30 minutes) bounds every wait for the other ranks. As in PyTorch's MPI backend, the
    rank and world size come from MPI: ``rank`` and ``world_size`` are ignored (with a warning)
    in a launched job. ``init_method`` is not needed (the MPI launcher connects the processes).

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group(backend="mpi")  # alone: a world of one, no MPI needed
    >>> dist.get_world_size()
    1
    >>> dist.destroy_process_group()
    """
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise ValueError("store: minitorch_conv.distributed needs no key-value store; the MPI launcher "
                         "connects the processes (start the job with mpiexec)")
    if backend is None:
        from .. import cuda

        backend = Backend.NCCL if cuda.is_available() and is_nccl_available() else Backend.MPI
    backend = Backend(backend)
    engines = _engines_of(backend)
    seconds = _seconds(timeout)
    if engines["cuda"] == "nccl":
        from .. import cuda

        if not cuda.is_available():
            raise RuntimeError("ProcessGroupNCCL is only supported with GPUs, no GPUs found! (NCCL needs an "
                               "NVIDIA GPU that CuPy can use; on CPUs, use backend='mpi')")
        if not is_nccl_available():
            raise RuntimeError("backend 'nccl' needs CuPy's NCCL binding (cupy.cuda.nccl), which this CuPy "
                               "does not have")

    if _started_by_mpi_launcher():
        mpi_engine = _mpi_engine_module()
        mpi_engine.initialize()
        cpu_engine = mpi_engine.world_engine(seconds)
        if world_size != -1 or rank != -1:
            warnings.warn(f"For MPI backend, world_size ({world_size}) and rank ({rank}) are ignored "
                          "since they are assigned by the MPI runtime.", stacklevel=2)
        try:
            _check_environment_agrees(cpu_engine.rank, cpu_engine.size)
        except ValueError:
            cpu_engine.free()
            raise
        _install_excepthook(cpu_engine.rank, mpi_engine.abort)
    else:
        requested = world_size if world_size != -1 else (_env_int("WORLD_SIZE") or 1)
        if requested > 1:
            raise RuntimeError(
                f"init_process_group: a world of {requested} processes was asked for (world_size or "
                "WORLD_SIZE), but this process was not started by an MPI launcher, so it is alone. "
                f"Start the job with `mpiexec -n {requested} python your_script.py`."
            )
        requested_rank = rank if rank != -1 else (_env_int("RANK") or 0)
        if requested_rank != 0:
            raise ValueError(f"Invalid rank {requested_rank}: a process not started by an MPI launcher "
                             "is rank 0 of a world of one")
        cpu_engine = LocalEngine()

    cuda_engine = None
    try:
        if engines["cuda"] == "nccl":
            from . import nccl_engine

            _pick_gpu(device_id, cpu_engine)
            cuda_engine = nccl_engine.create(cpu_engine.rank, cpu_engine.size, cpu_engine, seconds)
    except BaseException:
        cpu_engine.free()
        _remove_excepthook()
        raise
    world = ProcessGroup(backend, cpu_engine, cuda_engine, list(range(cpu_engine.size)), seconds)
    _State.groups = [world]
    _set_world(world)


def destroy_process_group(group: ProcessGroup | None = None) -> None:  # noqa: F811 - PyTorch's argument name
    """Leave the job: free the communicators (all of them, or those of ``group``).

    MPI itself stays up until the process exits, so ``init_process_group`` may be called again.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.destroy_process_group()
    >>> dist.is_initialized()
    False
    """
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise AssertionError("Process group cannot be None")
        for pg in reversed(_State.groups):
            pg._free()
        _State.groups = []
        _set_world(None)
        _remove_excepthook()
        return
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return
    if group not in _State.groups:
        raise ValueError("Invalid process group specified")
    group._free()
    _State.groups.remove(group)


def new_group(ranks: list[int] | None = None, timeout=None, backend: str | None = None, pg_options=None,
              use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id=None) -> ProcessGroup | int:
    """A group of some of the ranks (all of them when ``ranks`` is None); every rank of the job
    must call it, members or not. Ranks left out get ``GroupMember.NON_GROUP_MEMBER``, and
    collectives on it do nothing there.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> pair = dist.new_group([0])
    >>> dist.get_rank(pair), dist.get_world_size(pair), dist.get_process_group_ranks(pair)
    (0, 1, [0])
    >>> dist.destroy_process_group()
    """
    world = _default_group()
    members = sorted(set(range(world.size()) if ranks is None else ranks))
    for r in members:
        if not isinstance(r, int) or not 0 <= r < world.size():
            raise ValueError(f"new_group: rank {r} is not a rank of the job (0 to {world.size() - 1})")
    cpu_engine = world._cpu_engine.split(members)
    if cpu_engine is None:
        return GroupMember.NON_GROUP_MEMBER
    seconds = world.timeout if timeout is None else _seconds(timeout)
    cpu_engine.timeout = seconds
    name = Backend(backend) if backend is not None else world.backend
    cuda_engine = None
    if _engines_of(name)["cuda"] == "nccl":
        from . import nccl_engine

        cuda_engine = nccl_engine.create(cpu_engine.rank, cpu_engine.size, cpu_engine, seconds)
    pg = ProcessGroup(name, cpu_engine, cuda_engine, members, seconds)
    _State.groups.append(pg)
    return pg


# ------------------------------------------------------------------------------------- queries
def is_available() -> bool:
    """True: the distributed package is always there (a world of one needs no MPI).

    >>> import minitorch_conv.distributed as dist
    >>> dist.is_available()
    True
    """
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py is installed, which a job of several processes needs.

    >>> import minitorch_conv.distributed as dist
    >>> isinstance(dist.is_mpi_available(), bool)
    True
    """
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """Whether CuPy and its NCCL binding are installed (the ``"nccl"`` backend).

    >>> import minitorch_conv.distributed as dist
    >>> isinstance(dist.is_nccl_available(), bool)
    True
    """
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        from cupy.cuda import nccl
    except ImportError:
        return False
    return bool(getattr(nccl, "available", False))


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` not since).

    >>> import minitorch_conv.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return GroupMember.WORLD is not None


def get_rank(group: ProcessGroup | None = None) -> int:  # noqa: F811
    """This process's rank in ``group`` (default: the whole job); -1 where it is not a member.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_rank()
    0
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:  # noqa: F811
    """How many ranks ``group`` (default: the whole job) has; -1 where this rank is not a member.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_world_size()
    1
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> Backend:  # noqa: F811
    """The backend of ``group`` (default: the whole job).

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_backend()
    'mpi'
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg.backend


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:  # noqa: F811
    """The global rank of each member of ``group``, in group-rank order.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_process_group_ranks(dist.group.WORLD)
    [0]
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return list(pg.ranks)


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:  # noqa: F811
    """The rank in ``group`` of the process whose rank in the job is ``global_rank``.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_group_rank(dist.group.WORLD, 0)
    0
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    if pg is None or global_rank not in pg.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return pg.ranks.index(global_rank)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:  # noqa: F811
    """The rank in the job of the process whose rank in ``group`` is ``group_rank``.

    >>> import minitorch_conv.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_global_rank(dist.group.WORLD, 0)
    0
    >>> dist.destroy_process_group()
    """
    pg = resolve_group(group)
    if pg is None or not 0 <= group_rank < len(pg.ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return pg.ranks[group_rank]


def _launcher_local_rank() -> int | None:
    """The rank on this machine that the launcher set: ``LOCAL_RANK`` (torchrun's name), else the
    MPI launchers' own (MPICH/Intel MPI, Open MPI, MVAPICH, Slurm)."""
    for name in ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK",
                 "SLURM_LOCALID"):
        value = _env_int(name)
        if value is not None:
            return value
    return None


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank on its machine: ``LOCAL_RANK`` as PyTorch reads it, or else the
    variable an MPI launcher sets (``MPI_LOCALRANKID``, ``OMPI_COMM_WORLD_LOCAL_RANK``, ...).

    >>> import minitorch_conv.distributed as dist
    >>> dist.get_node_local_rank(fallback_rank=0)  # LOCAL_RANK unset here
    0
    """
    local = _launcher_local_rank()
    if local is not None:
        return local
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError(
        "LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
        "`get_node_local_rank` to work, assuming you are not running in a multi-device context "
        "and want the code to run locally instead."
    )
