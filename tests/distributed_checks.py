"""Checks that run inside an MPI job, one process per rank: ``mpiexec -n N python THIS OUTDIR [NAMES]``.

Started by tests/distributed/test_distributed.py. Each rank runs every check (or those named) and writes one
JSON line per check to OUTDIR/rank<r>.jsonl: ``{"check": name, "ok": bool, "detail": text}``. A
check that raises is reported as failed with its traceback, and the job goes on (the process
group's timeout is short, so a rank left waiting ends the job instead of hanging it).

Each rank draws every rank's inputs from seeds (rank r's from ``seed + r``), so the expected
results are computed with NumPy from all the inputs without trusting any collective.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from datetime import timedelta

import numpy as np

import minitorch_conv as mt
import minitorch_conv.distributed as dist
from minitorch_conv import nn
from minitorch_conv.nn.parallel import DistributedDataParallel as DDP

CHECKS = {}


def check(fn):
    CHECKS[fn.__name__] = fn
    return fn


def inputs(seed: int, rank: int, shape, dtype=np.float64) -> np.ndarray:
    rng = np.random.default_rng(1000 * seed + rank)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if np.dtype(dtype) == np.bool_:
        return rng.random(shape) < 0.5
    return rng.integers(-5, 6, size=shape).astype(dtype)


def same(actual, expected, what: str, exact: bool = True) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if exact:
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    else:
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0, err_msg=what)


# ------------------------------------------------------------------------------------- collectives
@check
def all_reduce_matches_numpy(rank, world):
    ops = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod, dist.ReduceOp.MIN: np.min,
           dist.ReduceOp.MAX: np.max}
    for dtype in (np.float64, np.float32, np.int64, np.int32):
        for op, reduce in ops.items():
            every = [inputs(1, r, (3, 4), dtype) for r in range(world)]
            t = mt.tensor(every[rank].copy())
            dist.all_reduce(t, op=op)
            expected = reduce(np.stack(every), axis=0)
            same(t.numpy(), expected, f"{op} {np.dtype(dtype)}", exact=np.dtype(dtype).kind != "f")
    every = [inputs(2, r, (5,)) for r in range(world)]
    t = mt.tensor(every[rank].copy())
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    same(t.numpy(), np.sum(np.stack(every), axis=0) / world, "AVG float64", exact=False)
    every = [inputs(3, r, (6,), np.int64) for r in range(world)]
    t = mt.tensor(every[rank].copy())
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    total = np.sum(np.stack(every), axis=0)
    same(t.numpy(), np.sign(total) * (np.abs(total) // world), "AVG int64 (truncated)")
    for op, reduce in ((dist.ReduceOp.BAND, np.bitwise_and.reduce), (dist.ReduceOp.BOR, np.bitwise_or.reduce),
                       (dist.ReduceOp.BXOR, np.bitwise_xor.reduce)):
        every = [inputs(4, r, (7,), np.int64) for r in range(world)]
        t = mt.tensor(every[rank].copy())
        dist.all_reduce(t, op=op)
        same(t.numpy(), reduce(np.stack(every), axis=0), str(op))
    every = [inputs(5, r, (9,), np.bool_) for r in range(world)]
    for op, reduce in ((dist.ReduceOp.SUM, np.any), (dist.ReduceOp.PRODUCT, np.all)):
        t = mt.tensor(every[rank].copy())
        dist.all_reduce(t, op=op)
        same(t.numpy(), reduce(np.stack(every), axis=0), f"bool {op}")
    # a non-contiguous tensor is reduced in place too
    base = mt.tensor(inputs(6, rank, (4, 3)).copy())
    view = base.t()
    dist.all_reduce(view)
    same(base.numpy(), np.sum([inputs(6, r, (4, 3)) for r in range(world)], axis=0), "non-contiguous",
         exact=False)


@check
def every_rank_gets_bitwise_the_same_sum(rank, world):
    t = mt.tensor(inputs(7, rank, (1000,)))
    dist.all_reduce(t)
    gathered = [None] * world
    dist.all_gather_object(gathered, t.numpy().tobytes())
    assert all(g == gathered[0] for g in gathered), "all_reduce results differ between ranks"


@check
def broadcast_reduce_gather_scatter_match_numpy(rank, world):
    every = [inputs(8, r, (2, 3)) for r in range(world)]
    for src in range(world):
        t = mt.tensor(every[rank].copy())
        dist.broadcast(t, src=src)
        same(t.numpy(), every[src], f"broadcast from {src}")
        t = mt.tensor(every[rank].copy())
        dist.reduce(t, dst=src)
        if rank == src:
            same(t.numpy(), np.sum(np.stack(every), axis=0), f"reduce to {src}", exact=False)
        else:
            same(t.numpy(), every[rank], "reduce leaves the others' tensors as they were")
        out = [mt.zeros(2, 3, dtype=mt.float64) for _ in range(world)] if rank == src else None
        dist.gather(mt.tensor(every[rank]), out, dst=src)
        if rank == src:
            for r in range(world):
                same(out[r].numpy(), every[r], f"gather to {src}: piece {r}")
        pieces = [mt.tensor(inputs(9, src, (4,)) + r) for r in range(world)] if rank == src else None
        mine = mt.zeros(4, dtype=mt.float64)
        dist.scatter(mine, pieces, src=src)
        same(mine.numpy(), inputs(9, src, (4,)) + rank, f"scatter from {src}")


@check
def all_gathers_and_reduce_scatters_match_numpy(rank, world):
    every = [inputs(10, r, (2, 3)) for r in range(world)]
    out = [mt.zeros(2, 3, dtype=mt.float64) for _ in range(world)]
    dist.all_gather(out, mt.tensor(every[rank]))
    for r in range(world):
        same(out[r].numpy(), every[r], f"all_gather piece {r}")
    cat = mt.zeros(2 * world, 3, dtype=mt.float64)
    dist.all_gather_single(cat, mt.tensor(every[rank]))
    same(cat.numpy(), np.concatenate(every), "all_gather_single (concatenated)")
    stacked = mt.zeros(world, 2, 3, dtype=mt.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        dist.all_gather_into_tensor(stacked, mt.tensor(every[rank]))
    same(stacked.numpy(), np.stack(every), "all_gather_into_tensor (stacked)")
    big = [inputs(11, r, (world * 2, 3)) for r in range(world)]
    total = np.sum(np.stack(big), axis=0)
    out = mt.zeros(2, 3, dtype=mt.float64)
    dist.reduce_scatter_single(out, mt.tensor(big[rank]))
    same(out.numpy(), total[2 * rank:2 * rank + 2], "reduce_scatter_single", exact=False)
    out = mt.zeros(2, 3, dtype=mt.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        dist.reduce_scatter_tensor(out, mt.tensor(big[rank]), op=dist.ReduceOp.MAX)
    same(out.numpy(), np.max(np.stack(big), axis=0)[2 * rank:2 * rank + 2], "reduce_scatter_tensor MAX")
    out = mt.zeros(2, 3, dtype=mt.float64)
    dist.reduce_scatter(out, [mt.tensor(big[rank][2 * r:2 * r + 2]) for r in range(world)])
    same(out.numpy(), total[2 * rank:2 * rank + 2], "reduce_scatter (list)", exact=False)


@check
def async_ops_barrier_point_to_point_and_objects(rank, world):
    t = mt.tensor(inputs(12, rank, (50,)))
    work = dist.all_reduce(t, async_op=True)
    assert isinstance(work, dist.Work) and work.wait() is True and work.is_completed()
    same(t.numpy(), np.sum([inputs(12, r, (50,)) for r in range(world)], axis=0), "async all_reduce",
         exact=False)
    dist.barrier()
    # a ring: send to the next rank, receive from the previous one
    out = mt.zeros(3, dtype=mt.float64)
    send = dist.isend(mt.tensor(inputs(13, rank, (3,))), dst=(rank + 1) % world)
    dist.recv(out, src=(rank - 1) % world)
    send.wait()
    same(out.numpy(), inputs(13, (rank - 1) % world, (3,)), "ring send/recv")
    gathered = [None] * world
    dist.all_gather_object(gathered, {"rank": rank, "name": f"r{rank}"})
    assert gathered == [{"rank": r, "name": f"r{r}"} for r in range(world)], gathered
    config = [{"lr": 0.5}, "run"] if rank == world - 1 else [None, None]
    dist.broadcast_object_list(config, src=world - 1)
    assert config == [{"lr": 0.5}, "run"], config
    collected = [None] * world if rank == 0 else None
    dist.gather_object(rank * 10, collected, dst=0)
    assert rank != 0 or collected == [r * 10 for r in range(world)], collected
    mine = [None]
    dist.scatter_object_list(mine, [f"shard {r}" for r in range(world)] if rank == 0 else None, src=0)
    assert mine == [f"shard {rank}"], mine


@check
def new_group_runs_collectives_on_its_members_only(rank, world):
    members = [0, world - 1]
    pair = dist.new_group(members)
    if rank in members:
        assert dist.get_world_size(pair) == 2 and dist.get_rank(pair) == members.index(rank)
        t = mt.tensor([float(rank)])
        dist.all_reduce(t, group=pair)
        same(t.numpy(), [float(sum(members))], "all_reduce on a group")
    else:
        assert pair == dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(pair) == -1
    dist.barrier()


@check
def mismatched_shapes_raise_a_clear_error_on_every_rank(rank, world):
    try:
        dist.all_reduce(mt.zeros(3 + rank))
    except RuntimeError as error:
        text = str(error)
        assert isinstance(error, dist.CollectiveMismatchError), type(error)
        assert "all_reduce" in text and "shape [3]" in text and f"shape [{3 + world - 1}]" in text, text
        assert all(f"rank {r}:" in text for r in range(world)), text
    else:
        raise AssertionError("no error for mismatched shapes")
    try:  # a different dtype, or another collective, is caught the same way
        if rank == 0:
            dist.broadcast(mt.zeros(2, dtype=mt.float64), src=0)
        else:
            dist.all_reduce(mt.zeros(2))
    except RuntimeError as error:
        assert "broadcast" in str(error) and "all_reduce" in str(error), str(error)
    else:
        raise AssertionError("no error for different collectives")
    t = mt.ones(2)  # the group still works
    dist.all_reduce(t)
    same(t.numpy(), np.full(2, float(world), dtype=np.float32), "all_reduce after an error")


# ------------------------------------------------------------------------------------- DDP
def small_cnn(dtype=mt.float64):
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, dtype=dtype), nn.ReLU(), nn.Flatten(),
                         nn.Linear(6 * 2 * 2, 5, dtype=dtype))


def batch(seed: int, n: int):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2, 8, 8)), rng.integers(0, 5, n)


def forward_loss(model, x, y):
    return nn.functional.cross_entropy(model(mt.tensor(x)), mt.tensor(y))


def max_relative_error(params, reference_params) -> float:
    worst = 0.0
    for p, q in zip(params, reference_params):
        g, h = p.grad.numpy(), q.grad.numpy()
        worst = max(worst, float(np.abs(g - h).max() / max(np.abs(h).max(), 1e-300)))
    return worst


@check
def ddp_gradients_equal_one_process_on_the_whole_batch(rank, world):
    per_rank = 3
    x, y = batch(21, per_rank * world)
    mt.manual_seed(0)
    reference = small_cnn()
    forward_loss(reference, x, y).backward()
    for options in ({}, {"bucket_cap_mb": 0.001}, {"gradient_as_bucket_view": True},
                    {"find_unused_parameters": True}):
        mt.manual_seed(0 if rank == 0 else 100 + rank)  # other ranks start elsewhere: DDP copies rank 0's
        model = small_cnn()
        ddp = DDP(model, **options)
        for step in range(3):  # the second and later use the rebuilt buckets
            ddp.zero_grad()
            shard = slice(rank * per_rank, (rank + 1) * per_rank)
            forward_loss(ddp, x[shard], y[shard]).backward()
            error = max_relative_error(model.parameters(), reference.parameters())
            assert error <= 1e-12, f"{options} step {step}: relative error {error:.3g}"
    assert len(ddp.reducer.bucket_indices()) >= 1


@check
def ddp_no_sync_accumulates_then_averages(rank, world):
    x, y = batch(22, 4 * world)
    mt.manual_seed(0)
    reference = small_cnn()
    for half in (0, 1):  # two micro-batches of the whole batch, gradients summed
        lo = half * 2 * world
        forward_loss(reference, x[lo:lo + 2 * world], y[lo:lo + 2 * world]).backward()
    mt.manual_seed(0)
    model = small_cnn()
    ddp = DDP(model)
    ddp(mt.tensor(x[:2]))  # a forward that no backward follows (with grad enabled) is forgotten
    for half in (0, 1):
        lo = half * 2 * world + 2 * rank
        if half == 0:
            with ddp.no_sync():
                forward_loss(ddp, x[lo:lo + 2], y[lo:lo + 2]).backward()
        else:
            forward_loss(ddp, x[lo:lo + 2], y[lo:lo + 2]).backward()
    error = max_relative_error(model.parameters(), reference.parameters())
    assert error <= 1e-12, f"relative error {error:.3g}"


class WithExtra(nn.Module):
    """small_cnn() and a Linear layer that forward uses only when told to."""

    def __init__(self):
        super().__init__()
        mt.manual_seed(0)
        self.body = small_cnn()
        self.extra = nn.Linear(3, 1, dtype=mt.float64)

    def forward(self, inp, use_extra=False):
        out = self.body(inp)
        if use_extra:
            out = out * self.extra(mt.ones(1, 3, dtype=mt.float64))  # a scale of the logits
        return out


@check
def ddp_unused_parameters(rank, world):
    x, y = batch(23, 2 * world)
    shard = slice(2 * rank, 2 * rank + 2)
    reference = WithExtra()
    forward_loss(reference.body, x, y).backward()
    # unused on every rank: its .grad stays None, and the others are right
    net = WithExtra()
    ddp = DDP(net, find_unused_parameters=True)
    for _ in range(2):
        ddp.zero_grad()
        nn.functional.cross_entropy(ddp(mt.tensor(x[shard])), mt.tensor(y[shard])).backward()
        assert net.extra.weight.grad is None, "a parameter unused on every rank keeps .grad None"
        error = max_relative_error(net.body.parameters(), reference.body.parameters())
        assert error <= 1e-12, f"relative error {error:.3g}"
    # used on rank 0 only: every rank gets rank 0's gradient divided by the world size
    net = WithExtra()
    ddp = DDP(net, find_unused_parameters=True)
    nn.functional.cross_entropy(ddp(mt.tensor(x[shard]), use_extra=rank == 0), mt.tensor(y[shard])).backward()
    grads = [None] * world
    dist.all_gather_object(grads, net.extra.weight.grad.numpy().tobytes())
    assert all(g == grads[0] for g in grads) and np.abs(net.extra.weight.grad.numpy()).sum() > 0
    # without find_unused_parameters the reduction cannot finish: PyTorch's error at the next forward
    ddp = DDP(WithExtra())
    nn.functional.cross_entropy(ddp(mt.tensor(x[shard])), mt.tensor(y[shard])).backward()
    try:
        ddp(mt.tensor(x[shard]))
    except RuntimeError as error:
        assert "Expected to have finished reduction in the prior iteration" in str(error), str(error)
        assert "find_unused_parameters=True" in str(error) and "extra.weight" in str(error), str(error)
    else:
        raise AssertionError("no error for a parameter that never received a gradient")


@check
def parameters_stay_bitwise_identical_across_ranks(rank, world):
    x, y = batch(24, 4 * world)
    for make_optimizer in (lambda p: mt.optim.SGD(p, lr=0.1, momentum=0.9),
                           lambda p: mt.optim.Adam(p, lr=1e-2)):
        mt.manual_seed(rank)  # different starting points: DDP copies rank 0's
        model = small_cnn(dtype=mt.float32)
        ddp = DDP(model, bucket_cap_mb=0.001)
        optimizer = make_optimizer(model.parameters())
        for step in range(4):
            shard = slice(4 * rank + step, 4 * rank + step + 4)
            inputs_ = mt.tensor(x[shard], dtype=mt.float32)
            loss = nn.functional.cross_entropy(ddp(inputs_), mt.tensor(y[shard]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        mine = b"".join(p.detach().numpy().tobytes() for p in model.parameters())
        every = [None] * world
        dist.all_gather_object(every, mine)
        assert all(e == every[0] for e in every), f"{type(optimizer).__name__}: parameters differ"


@check
def ddp_refuses_different_models(rank, world):
    model = nn.Linear(3 + (rank == world - 1), 2)
    try:
        DDP(model)
    except RuntimeError as error:
        text = str(error)
        assert "DDP expects same model across all ranks" in text or "appears not to match" in text, text
    else:
        raise AssertionError("no error for different parameter shapes")
    model = nn.Sequential(*[nn.Linear(2, 2) for _ in range(1 + (rank == 0))])
    try:
        DDP(model)
    except RuntimeError as error:
        assert "params, while rank" in str(error), str(error)
    else:
        raise AssertionError("no error for a different number of parameters")


@check
def ddp_broadcasts_buffers_and_prefixes_state_dict(rank, world):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    with mt.no_grad():
        model[1].running_mean.fill_(float(rank))
    ddp = DDP(model)
    assert model[1].running_mean.numpy().tolist() == [0.0] * 4  # rank 0's, copied at construction
    with mt.no_grad():
        model[1].running_mean.fill_(float(rank + 5))
    ddp.eval()
    with mt.no_grad():
        ddp(mt.ones(2, 3))
    assert model[1].running_mean.numpy().tolist() == [5.0] * 4  # rank 0's again, at forward
    assert list(ddp.state_dict())[0] == "module.0.weight"


@check
def resumed_training_equals_uninterrupted_training(rank, world):
    """What examples/train_cnn.py's --resume does, on every rank: the model and optimizer state of
    a checkpoint, the sampler's epoch; two epochs equal one, a save and load, and one more."""
    x, y = batch(25, 24)
    dataset = mt.utils.data.TensorDataset(mt.tensor(x, dtype=mt.float32), mt.tensor(y))

    def run(epochs, state=None):
        mt.manual_seed(0)
        model = small_cnn(dtype=mt.float32)
        optimizer = mt.optim.Adam(model.parameters(), lr=1e-2)
        start = 0
        if state is not None:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            start = state["epoch"]
        ddp = DDP(model)
        sampler = mt.utils.data.DistributedSampler(dataset, seed=4)
        for epoch in range(start, epochs):
            sampler.set_epoch(epoch)
            for xb, yb in mt.utils.data.DataLoader(dataset, batch_size=4, sampler=sampler):
                optimizer.zero_grad()
                nn.functional.cross_entropy(ddp(xb), yb).backward()
                optimizer.step()
        return model, optimizer

    straight, _ = run(2)
    model, optimizer = run(1)
    path = os.path.join(os.environ["CHECK_OUT"], f"ckpt{rank}.npz")
    mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 1}, path)
    resumed, _ = run(2, mt.load(path))
    for (name, p), q in zip(straight.named_parameters(), resumed.parameters()):
        same(q.detach().numpy(), p.detach().numpy(), name)


# ------------------------------------------------------------------------------------- SyncBatchNorm
@check
def sync_batchnorm_equals_batchnorm_on_the_whole_batch(rank, world):
    per_rank = 3
    rng = np.random.default_rng(31)
    x = rng.standard_normal((per_rank * world, 2, 5, 5)) * 3 + 1
    upstream = rng.standard_normal((per_rank * world, 4, 5, 5))

    def net():
        mt.manual_seed(0)
        return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, dtype=mt.float64),
                             nn.BatchNorm2d(4, dtype=mt.float64))

    reference = net()
    xr = mt.tensor(x, requires_grad=True)
    out_ref = reference(xr)
    (out_ref * mt.tensor(upstream)).sum().backward()  # the loss of the whole batch

    model = nn.SyncBatchNorm.convert_sync_batchnorm(net())
    assert type(model[1]).__name__ == "SyncBatchNorm"
    ddp = DDP(model)
    shard = slice(rank * per_rank, (rank + 1) * per_rank)
    xs = mt.tensor(x[shard], requires_grad=True)
    out = ddp(xs)
    # each rank's loss is its part of the whole batch's; DDP averages parameter gradients, so the
    # sum over ranks needs the factor world (SyncBatchNorm's input gradient is of the summed loss)
    (out * mt.tensor(upstream[shard]) * world).sum().backward()
    same(out.detach().numpy(), out_ref.detach().numpy()[shard], "forward", exact=False)
    for name in ("running_mean", "running_var"):
        same(getattr(model[1], name).numpy(), getattr(reference[1], name).numpy(), name, exact=False)
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xs.grad.numpy(), world * xr.grad.numpy()[shard], rtol=1e-10, atol=1e-12)


@check
def distributed_sampler_takes_its_share_from_the_group(rank, world):
    sampler = mt.utils.data.DistributedSampler(range(11), seed=3)
    assert sampler.num_replicas == world and sampler.rank == rank
    sampler.set_epoch(2)
    mine = list(sampler)
    every = [None] * world
    dist.all_gather_object(every, mine)
    assert sorted(set(i for part in every for i in part)) == list(range(11))
    assert all(len(part) == len(mine) for part in every)


@check
def bench_worker_measures_the_all_reduce(rank, world):
    from minitorch_conv.bench import _small_cnn
    from minitorch_conv.distributed import benchmark

    result = benchmark.run_worker(image=8, batch=2 * world, steps=2)
    if rank != 0:
        assert result is None
        return
    grad_mb = 4 * sum(p.numel() for p in _small_cnn(mt, (8, 8)).parameters()) / 2**20
    for run in (result, result["small_buckets"]):
        assert run["step_ms"] > 0 and run["allreduce_ms"] > 0 and run["exposed_ms"] >= 0
        assert 0 <= run["hidden"] <= 1 and abs(run["gradient_mb"] - grad_mb) < 1e-9
    assert result["buckets"] == 1 and result["small_buckets"]["buckets"] >= 2


def main() -> int:
    out_dir = sys.argv[1]
    os.environ["CHECK_OUT"] = out_dir
    names = sys.argv[2:] or list(CHECKS)
    dist.init_process_group("mpi", timeout=timedelta(seconds=float(os.environ.get("CHECK_TIMEOUT", "30"))))
    rank, world = dist.get_rank(), dist.get_world_size()
    path = os.path.join(out_dir, f"rank{rank}.jsonl")
    with open(path, "w") as results:
        for name in names:
            try:
                CHECKS[name](rank, world)
                record = {"check": name, "ok": True, "detail": ""}
            except Exception:  # reported, and the next check runs
                record = {"check": name, "ok": False, "detail": traceback.format_exc()}
            results.write(json.dumps(record) + "\n")
            results.flush()
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
