"""The reducer behind ``DistributedDataParallel``: gradients averaged across ranks in buckets,
while backward is still running.

How it works (the design of PyTorch's reducer):

- The parameters are grouped into **buckets** of at most ``bucket_cap_mb`` MiB each, in the reverse
  of their order in the model, since backward produces the last layer's gradients first. Each bucket
  owns one flat buffer.
- Each parameter has a hook that fires when backward has **accumulated its gradient**
  (``Tensor.register_post_accumulate_grad_hook``). The hook copies the gradient, times
  ``1 / world_size``, into the bucket's buffer. When a bucket's last gradient arrives, a
  **non-blocking all-reduce** (a sum) of its buffer starts, and backward goes on computing the
  gradients of the layers below while the bucket travels.
- Buckets start in order (bucket 0, then 1, ...) on every rank, so that every rank issues the same
  all-reduces in the same order, as MPI and NCCL require.
- When the last bucket has started, the reducer waits for all of them and copies the averages back
  into each parameter's ``.grad``. ``last_hidden_fraction`` is the share of the gradient bytes whose
  all-reduce had already finished when backward got there (hidden behind backward), and
  ``last_wait_seconds`` how long that final wait took (the rest of the communication, and any
  time spent waiting for a slower rank).

The first backward uses one bucket for everything; afterwards the buckets are rebuilt in the order
the gradients actually became ready (rank 0's order, shared with all), as PyTorch does. With
``find_unused_parameters=True`` the reducer walks the autograd graph from the forward's outputs and
marks the parameters that were not used as ready, so their buckets do not wait for gradients that
will never come; a parameter unused on every rank keeps its ``.grad`` untouched.

The reducer communicates on a duplicate of the process group's communicator, so its all-reduces
never interleave with other collectives (such as ``SyncBatchNorm``'s) running during backward.
"""

from __future__ import annotations

import sys
import time
import weakref

import numpy as np  # the used-parameter map and the bucket order travel as host arrays

from ..autograd.engine import AccumulateGrad
from ..tensor import Tensor
from .engine import Engine
from .reduce_op import RedOpType

__all__ = ["Reducer", "compute_bucket_assignment_by_size", "DEFAULT_FIRST_BUCKET_BYTES"]

DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024
"""The first bucket of a rebuilt layout is at most 1 MiB: the gradients that arrive last are
then all-reduced in a small message (PyTorch's ``dist._DEFAULT_FIRST_BUCKET_BYTES``)."""


def compute_bucket_assignment_by_size(tensors: list[Tensor], size_limits: list[int],
                                      order: list[int] | None = None) -> list[list[int]]:
    """Group tensor indices into buckets of one dtype and device each, closing a bucket once it
    reaches the current size limit (``size_limits`` are used in turn, the last one repeating).

    Without ``order`` the tensors are taken in index order and the buckets are sorted by their
    smallest index; with ``order`` (indices in the order the gradients became ready) they are
    taken in that order and the buckets keep it.

    >>> from minitorch_conv.distributed.reducer import compute_bucket_assignment_by_size
    >>> import minitorch_conv as mt
    >>> params = [mt.zeros(1000), mt.zeros(10), mt.zeros(1000, dtype=mt.float64)]
    >>> compute_bucket_assignment_by_size(params, [4100])  # 4000 + 40 bytes < 4100: one float32 bucket
    [[0, 1], [2]]
    """
    sequence = range(len(tensors)) if order is None else order
    open_buckets: dict[tuple, list] = {}  # (dtype, device) -> [indices, bytes, which limit]
    buckets = []
    for i in sequence:
        t = tensors[i]
        key = (t.dtype.name, str(t.device))
        entry = open_buckets.setdefault(key, [[], 0, 0])
        entry[0].append(i)
        entry[1] += t.numel() * t.element_size()
        if entry[1] >= size_limits[min(entry[2], len(size_limits) - 1)]:
            buckets.append(entry[0])
            open_buckets[key] = [[], 0, entry[2] + 1]
    buckets.extend(entry[0] for entry in open_buckets.values() if entry[0])
    if order is None:
        buckets.sort(key=min)
    return buckets


class _Bucket:
    """One flat buffer for the gradients of ``indices`` (in that order), and its all-reduce."""

    def __init__(self, indices: list[int], params: list[Tensor], engine: Engine):
        self.indices = indices
        self.engine = engine
        first = params[indices[0]]
        xp = first._backend.xp
        sizes = [params[i].numel() for i in indices]
        self.offsets = dict(zip(indices, np.cumsum([0, *sizes[:-1]]).tolist()))
        self.sizes = dict(zip(indices, sizes))
        with first._backend.device_context():
            self.buffer = xp.zeros(sum(sizes), dtype=first._array.dtype)
        self.pending = len(indices)
        self.work = None

    def view(self, index: int):
        start = self.offsets[index]
        return self.buffer[start:start + self.sizes[index]]


class Reducer:
    """Averages the gradients of ``params`` across the ranks of ``engine`` during backward.

    ``DistributedDataParallel`` makes one; ``prepare_for_backward`` (called after each forward
    that will be followed by a synchronised backward) arms the hooks.

    >>> import minitorch_conv as mt
    >>> from minitorch_conv.distributed.local_engine import LocalEngine
    >>> from minitorch_conv.distributed.reducer import Reducer
    >>> layer = mt.nn.Linear(3, 2)
    >>> reducer = Reducer(list(layer.parameters()), ["weight", "bias"], {"cpu": LocalEngine()},
    ...                   bucket_bytes_cap=2**20, first_bucket_bytes_cap=2**20,
    ...                   find_unused_parameters=False, gradient_as_bucket_view=False)
    >>> reducer.prepare_for_backward([])
    >>> layer(mt.ones(1, 3)).sum().backward()  # the hooks fill the bucket; alone, nothing to average
    >>> reducer.bucket_indices(), reducer.iterations, layer.bias.grad
    ([[0, 1]], 1, tensor([1., 1.]))
    """

    def __init__(self, params: list[Tensor], names: list[str], engines: dict[str, Engine],
                 bucket_bytes_cap: int, first_bucket_bytes_cap: int, find_unused_parameters: bool,
                 gradient_as_bucket_view: bool, static_graph: bool = False):
        self.params = params
        self.names = names
        self.engines = engines  # "cpu" and "cuda" -> the duplicated communicators DDP reduces on
        self.bucket_bytes_cap = bucket_bytes_cap
        self.first_bucket_bytes_cap = first_bucket_bytes_cap
        self.find_unused_parameters = find_unused_parameters or static_graph
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.world_size = engines["cpu"].size
        self.expect_hooks = False  # armed by prepare_for_backward, disarmed when reduced
        self.require_finalize = False  # some gradient arrived: the reduction must finish
        self.should_rebuild = not self.find_unused_parameters
        self.ready_order: list[int] = []
        self.last_wait_seconds = 0.0  # how long the end of the last backward waited for the all-reduces
        self.last_hidden_fraction = 0.0  # of the gradient bytes: all-reduced before backward ended
        self.iterations = 0
        if self.find_unused_parameters:
            layout = compute_bucket_assignment_by_size(params, [first_bucket_bytes_cap, bucket_bytes_cap])
            layout.reverse()
        else:
            layout = compute_bucket_assignment_by_size(params, [sys.maxsize])
        self._build(layout)
        reducer = weakref.ref(self)
        self._handles = [p.register_post_accumulate_grad_hook(_make_hook(reducer, i))
                         for i, p in enumerate(params)]

    # -------------------------------------------------------------- layout
    def _build(self, layout: list[list[int]]) -> None:
        self.buckets = [_Bucket(indices, self.params, self.engines[self.params[indices[0]].device.type])
                        for indices in layout]
        self.bucket_of = {i: b for b in self.buckets for i in b.indices}

    def bucket_indices(self) -> list[list[int]]:
        """The parameter indices of each bucket, in the order the buckets are all-reduced."""
        return [list(b.indices) for b in self.buckets]

    def _rebuild_buckets(self) -> None:
        """After the first synchronised backward: buckets in the order gradients became ready
        (rank 0's order, so that every rank has the same layout)."""
        self.should_rebuild = False
        order = np.array(self.ready_order if len(self.ready_order) == len(self.params)
                         else range(len(self.params)), dtype=np.int64)
        self.engines["cpu"].broadcast(order, 0).wait()
        order = [int(i) for i in order]
        self._build(compute_bucket_assignment_by_size(
            self.params, [self.first_bucket_bytes_cap, self.bucket_bytes_cap], order=order))

    # -------------------------------------------------------------- one iteration
    def prepare_for_forward(self) -> None:
        """Before a forward that will be synchronised: a reduction that started (some gradient
        arrived) must have finished. A forward that no backward followed is forgotten."""
        if self.require_finalize:
            self._raise_unfinished()
        self.expect_hooks = False
        if self.should_rebuild and self.iterations > 0:
            self._rebuild_buckets()

    def prepare_for_backward(self, outputs: list[Tensor]) -> None:
        """Arm the hooks for the coming backward; with ``find_unused_parameters``, find the
        parameters the forward did not use (from ``outputs``' autograd graph)."""
        self.expect_hooks = True
        self.ready = [False] * len(self.params)
        self.local_used = np.zeros(len(self.params), dtype=np.int32)
        self.ready_order = []
        self.next_bucket = 0
        for bucket in self.buckets:
            bucket.pending = len(bucket.indices)
            bucket.work = None
        self.unused: list[int] = []
        if self.find_unused_parameters:
            reached = _leaves_reached(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]
        self.marked_unused = False

    def _on_gradient(self, index: int) -> None:
        """A parameter's gradient has been accumulated (the post-accumulate-grad hook)."""
        if not self.expect_hooks:
            return  # outside a synchronised iteration (no_sync, eval, a backward of its own)
        if not self.marked_unused:
            self.marked_unused = True
            for i in self.unused:
                self._mark_ready(i, used=False)
        self._mark_ready(index, used=True)

    def _mark_ready(self, index: int, used: bool) -> None:
        if self.ready[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter {self.names[index]} (index "
                f"{index}) has been marked as ready twice. This means that multiple autograd engine "
                "hooks have fired for this particular parameter during this iteration: the parameter "
                "is used outside the forward of DistributedDataParallel, or in several backward passes "
                "of one iteration, or it was found unused and then received a gradient."
            )
        self.ready[index] = True
        self.require_finalize = True
        self.ready_order.append(index)
        bucket = self.bucket_of[index]
        view = bucket.view(index)
        param = self.params[index]
        grad = param._grad
        if used and grad is not None:
            self.local_used[index] = 1
            param._backend.xp.multiply(grad._array.reshape(-1), 1.0 / self.world_size, out=view,
                                       casting="unsafe")
        else:
            view[...] = 0
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready_buckets()
        else:
            self._progress()

    def _launch_ready_buckets(self) -> None:
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.work = bucket.engine.allreduce(bucket.buffer, RedOpType.SUM)
            self.next_bucket += 1
        if self.next_bucket == len(self.buckets):
            self._finalize()
        else:
            self._progress()

    def _progress(self) -> None:
        """Let MPI advance the all-reduces in flight (it progresses only while called)."""
        for bucket in self.buckets[:self.next_bucket]:
            bucket.work.is_completed()

    def _finalize(self) -> None:
        """Every bucket has started: wait for them and write the averages into ``.grad``."""
        started = time.perf_counter()
        done = sum(b.buffer.nbytes for b in self.buckets if b.work.is_completed())
        self.last_hidden_fraction = done / max(sum(b.buffer.nbytes for b in self.buckets), 1)
        global_used = None
        if self.find_unused_parameters:
            global_used = self.local_used.copy()
            self.engines["cpu"].allreduce(global_used, RedOpType.MAX).wait()
        for bucket in self.buckets:
            bucket.work.wait()
        for bucket in self.buckets:
            for index in bucket.indices:
                if global_used is not None and not global_used[index]:
                    continue  # unused on every rank: .grad stays as it is
                self._write_grad(index, bucket.view(index))
        self.last_wait_seconds = time.perf_counter() - started
        self.expect_hooks = self.require_finalize = False
        self.iterations += 1

    def _write_grad(self, index: int, averaged) -> None:
        param = self.params[index]
        shaped = averaged.reshape(param._array.shape)
        grad = param._grad
        if self.gradient_as_bucket_view:
            if grad is None or grad._array is not shaped:
                param._grad = Tensor(shaped, backend=param._backend)
        elif grad is None:
            param._grad = Tensor(shaped.copy(), backend=param._backend)
        else:
            grad._array[...] = shaped
            grad._version_counter[0] += 1

    def _raise_unfinished(self) -> None:
        missing = [i for i, done in enumerate(self.ready) if not done]
        if self.find_unused_parameters:
            hint = ("Since `find_unused_parameters=True` is enabled, this likely  means that not all "
                    "`forward` outputs participate in computing loss. You can fix this by ")
        else:
            hint = ("You can enable unused parameter detection by passing the keyword argument "
                    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, "
                    "and by \n")
        raise RuntimeError(
            "Expected to have finished reduction in the prior iteration before starting a new one. "
            "This error indicates that your module has parameters that were not used in producing "
            f"loss. {hint}making sure all `forward` function outputs participate in calculating loss. "
            "\nIf you already have done the above, then the distributed data parallel module wasn't "
            "able to locate the output tensors in the return value of your module's `forward` "
            "function. Please include the loss function and the structure of the return value of "
            "`forward` of your module when reporting this issue (e.g. list, dict, iterable).\n"
            f"Parameter indices which did not receive grad for rank {self._rank()}: "
            f"{' '.join(map(str, missing))}\n"
            f"Parameters which did not receive grad for rank {self._rank()}: "
            f"{', '.join(self.names[i] for i in missing)}"
        )

    def _rank(self) -> int:
        return self.engines["cpu"].rank

    def remove_hooks(self) -> None:
        """Unregister the gradient hooks (the reducer does nothing afterwards)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []


def _make_hook(reducer_ref, index: int):
    def hook(param):
        reducer = reducer_ref()
        if reducer is not None:
            reducer._on_gradient(index)

    return hook


def _leaves_reached(outputs: list[Tensor]) -> set[int]:
    """``id`` of every leaf tensor the autograd graph of ``outputs`` leads to."""
    reached: set[int] = set()
    stack, seen = [], set()
    for out in outputs:
        if out.grad_fn is not None:
            stack.append(out.grad_fn)
        elif out.requires_grad:
            reached.add(id(out))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            if leaf is not None:
                reached.add(id(leaf))
            continue
        for edge in node.next_functions:
            if edge[0] is not None:
                stack.append(edge[0])
    return reached
