"""minitorch_conv.distributed, DistributedDataParallel, SyncBatchNorm and DistributedSampler.

Most tests run real MPI jobs: pytest starts ``mpiexec -n 2`` and ``mpiexec -n 3`` (more ranks than
this machine's cores) as subprocesses, each with a wall-clock limit, so that a hang is a failure.
The ranks run tests/distributed_checks.py (collectives against NumPy, DDP against one process on
the whole batch, ...) and tests/distributed_failures.py (jobs that must end when a rank fails).
Those tests skip, saying why, where mpi4py or mpiexec is missing (``pip install -e ".[test]"``
installs both). The rest run in this process, in a world of one.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import minitorch_conv as mt
import minitorch_conv.distributed as dist
from minitorch_conv import nn
from minitorch_conv.distributed.launch import child_environment, mpiexec_command
from minitorch_conv.nn.parallel import DistributedDataParallel as DDP
from minitorch_conv.utils.data import DistributedSampler
from minitorch_conv.utils.data.distributed import torch_randperm

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
JOB_LIMIT = 120  # seconds: a job still running then has hung

_NO_MPI = None
if importlib.util.find_spec("mpi4py") is None:
    _NO_MPI = "mpi4py is not installed (pip install -e '.[test]' or '.[distributed]')"
elif mpiexec_command(2, []) is None:
    _NO_MPI = "no mpiexec next to this Python or on PATH (the mpich wheel installs one)"
needs_mpi = pytest.mark.skipif(_NO_MPI is not None, reason=str(_NO_MPI))


def run_job(n: int, arguments: list[str], cwd: Path, limit: float = JOB_LIMIT,
            **variables: str) -> subprocess.CompletedProcess:
    """``mpiexec -n N python ARGUMENTS``; the whole job is killed, and the test fails, past ``limit``."""
    env = child_environment(PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                            OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                            NUMBA_NUM_THREADS="1", PYTHONUNBUFFERED="1", **variables)
    command = mpiexec_command(n, arguments)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # mpiexec and every rank it started
        stdout, stderr = process.communicate()
        pytest.fail(f"the job `{' '.join(command)}` hung: still running after {limit} s\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _check_names() -> list[str]:
    spec = importlib.util.spec_from_file_location("distributed_checks", TESTS / "distributed_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CHECKS)


CHECK_NAMES = _check_names()


@pytest.fixture(scope="module", params=[2, 3], ids=lambda n: f"{n}ranks")
def check_results(request, tmp_path_factory):
    """Every check of tests/distributed_checks.py, run once per job size: {name: [record per rank]}."""
    if _NO_MPI is not None:
        pytest.skip(_NO_MPI)
    n = request.param
    out = tmp_path_factory.mktemp(f"checks{n}")
    result = run_job(n, [str(TESTS / "distributed_checks.py"), str(out)], cwd=out)
    results: dict[str, list] = {}
    for rank in range(n):
        path = out / f"rank{rank}.jsonl"
        assert path.exists(), (f"rank {rank} wrote no results:\n"
                               f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        for line in path.read_text().splitlines():
            record = json.loads(line)
            results.setdefault(record["check"], []).append(record)
    assert result.returncode == 0, result.stderr[-3000:]
    return n, results


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_check_in_an_mpi_job(check_results, name):
    n, results = check_results
    records = results.get(name, [])
    assert len(records) == n, f"{name}: {len(records)} of {n} ranks reported"
    failures = [r["detail"] for r in records if not r["ok"]]
    assert not failures, f"{name} failed on {len(failures)} of {n} ranks:\n{failures[0]}"


# ------------------------------------------------------------------------------------- failures
@needs_mpi
@pytest.mark.parametrize("mode, expected", [
    ("raise", ["ValueError: boom on rank 1", "Traceback", "aborting the whole job"]),
    ("kill", []),
    # rank 0 times out and aborts, unless the launcher, seeing rank 1 exit with status 3, ends the
    # job first (a race on a loaded machine): either way the job ends and says why
    ("exit", [("timed out after 2 s", "EXIT CODE: 3")]),
    ("mismatch", ["CollectiveMismatchError", "rank 0: all_reduce(op=SUM) of a float32 tensor of shape [4]",
                  "rank 1: all_reduce(op=SUM) of a float32 tensor of shape [5]"]),
])
def test_a_failing_rank_ends_the_whole_job(mode, expected, tmp_path):
    started = time.monotonic()
    result = run_job(2, [str(TESTS / "distributed_failures.py"), mode], cwd=tmp_path, limit=60)
    assert result.returncode != 0, f"{mode}: the job ended with status 0\n{result.stderr[-2000:]}"
    assert "finished" not in result.stdout  # nobody went past the failure
    for text in expected:
        alternatives = text if isinstance(text, tuple) else (text,)
        assert any(t in result.stderr for t in alternatives), \
            f"{mode}: {text!r} not in stderr:\n{result.stderr[-3000:]}"
    assert time.monotonic() - started < 60


@needs_mpi
def test_torchrun_variables_must_agree_with_mpi(tmp_path):
    script = str(TESTS / "distributed_failures.py")
    result = run_job(2, [script, "none"], cwd=tmp_path, limit=60, WORLD_SIZE="7")
    assert result.returncode != 0
    assert "the environment says WORLD_SIZE=7, but MPI says 2" in result.stderr, result.stderr[-2000:]


# ------------------------------------------------------------------------------------- the example
@needs_mpi
def test_train_example_runs_data_parallel_and_resumes(tmp_path):
    """`mpiexec -n 2 python examples/train_cnn.py` with no other flag, then --resume on 2 ranks.
    (That a resumed run equals an uninterrupted one is checked, more cheaply, by the job's
    ``resumed_training_equals_uninterrupted_training`` check.)"""
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    script = str(ROOT / "examples" / "train_cnn.py")
    quick = ["--subset", "96", "--batch-size", "32"]
    first = run_job(2, [script, "--epochs", "1", "--out", str(tmp_path / "run"), *quick], cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("test accuracy: "), first.stdout  # rank 0 alone prints
    assert first.stderr.count("epoch  1: train loss") == 1 and first.stderr.count("wrote ") == 1
    assert first.stderr.count("epoch  1/1:") >= 1 and "epoch  1/1" not in first.stdout  # one progress bar
    after_one = mt.load(tmp_path / "run" / "checkpoint.npz")
    assert after_one["epoch"] == 1 and not any(k.startswith("module.") for k in after_one["model"])

    resumed = run_job(2, [script, "--epochs", "2", "--resume", "--out", str(tmp_path / "run"), *quick],
                      cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stderr.count("resumed from") == 1 and resumed.stderr.count("epoch  2: train loss") == 1
    assert "epoch  1: train loss" not in resumed.stderr
    after_two = mt.load(tmp_path / "run" / "checkpoint.npz")
    assert after_two["epoch"] == 2 and len(after_two["history"]["test_acc"]) == 2
    assert all(after_two["history"][k][0] == after_one["history"][k][0] for k in after_one["history"])
    assert resumed.stdout.strip() == f"test accuracy: {after_two['history']['test_acc'][-1]:.4f}"
    assert any(not np.array_equal(after_two["model"][k].numpy(), v.numpy())
               for k, v in after_one["model"].items())  # training went on


# ------------------------------------------------------------------------------------- NCCL
def _nccl_skip_reason() -> str | None:
    if not mt.cuda.is_available():
        return "NCCL needs an NVIDIA GPU, and CuPy sees none here"
    if not dist.is_nccl_available():
        return "CuPy has no NCCL binding here (cupy.cuda.nccl)"
    return None


@pytest.mark.skipif(_nccl_skip_reason() is not None, reason=str(_nccl_skip_reason()))
def test_one_rank_nccl_job_reduces_on_the_gpu():
    dist.init_process_group("nccl")
    try:
        t = mt.tensor([1.0, 2.0], device="cuda")
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        dist.broadcast(t, src=0)
        out = [mt.zeros(2, device="cuda")]
        dist.all_gather(out, t)
        assert out[0].cpu().tolist() == [1.0, 2.0]
        model = DDP(nn.Linear(3, 2).to("cuda"))
        model(mt.randn(4, 3, device="cuda")).sum().backward()
        assert model.module.weight.grad.device.type == "cuda"
    finally:
        dist.destroy_process_group()


# ------------------------------------------------------------------------------------- in this process
@pytest.fixture
def world_of_one():
    dist.init_process_group("mpi")
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_process_group_life_cycle_and_errors(monkeypatch):
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()
    with pytest.raises(ValueError, match="Invalid backend: 'gloo'"):
        dist.init_process_group("gloo")
    if not mt.cuda.is_available():
        with pytest.raises(RuntimeError, match="ProcessGroupNCCL is only supported with GPUs"):
            dist.init_process_group("nccl")
        assert not dist.is_initialized()
    monkeypatch.setenv("WORLD_SIZE", "4")
    with pytest.raises(RuntimeError, match="mpiexec -n 4"):
        dist.init_process_group("mpi")
    monkeypatch.delenv("WORLD_SIZE")
    dist.init_process_group("mpi")
    try:
        assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
        assert dist.group.WORLD is dist.GroupMember.WORLD and dist.group.WORLD.size() == 1
        with pytest.raises(ValueError, match="initialize the default process group twice"):
            dist.init_process_group("mpi")
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized() and dist.group.WORLD is None


def test_argument_errors_match_pytorch(world_of_one):
    with pytest.raises(TypeError, match="Expected parameter `tensor` of type Tensor"):
        dist.all_reduce([1.0, 2.0])
    with pytest.raises(TypeError, match="op must be a ReduceOp"):
        dist.all_reduce(mt.ones(2), op="sum")
    with pytest.raises(ValueError, match="Must specify global_rank or group_rank"):
        dist.broadcast(mt.ones(2))
    with pytest.raises(ValueError, match="Global rank 3 is not part of group"):
        dist.broadcast(mt.ones(2), src=3)
    with pytest.raises(RuntimeError, match=r"expected length 1, the world size, got 2"):
        dist.all_gather([mt.zeros(2), mt.zeros(2)], mt.ones(2))
    with pytest.raises(RuntimeError, match=r"must hold world_size \(1\) times"):
        dist.all_gather_single(mt.zeros(3), mt.ones(2))
    with pytest.raises(ValueError, match="``gather_list`` must be specified on destination rank"):
        dist.gather(mt.ones(2), None, dst=0)
    with pytest.raises(ValueError, match="``scatter_list`` must be specified on source rank"):
        dist.scatter(mt.ones(2), None, src=0)
    with pytest.raises(ValueError, match="Invalid usage of tensors with different dtypes"):
        dist.all_gather([mt.zeros(2, dtype=mt.float64)], mt.ones(2))
    with pytest.warns(FutureWarning, match="all_gather_single"):
        dist.all_gather_into_tensor(mt.zeros(2), mt.ones(2))


def test_ddp_needs_a_group_and_trainable_parameters():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DDP(nn.Linear(2, 2))
    dist.init_process_group("mpi")
    try:
        frozen = nn.Linear(2, 2).requires_grad_(False)
        with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
            DDP(frozen)
        with pytest.warns(FutureWarning, match="`broadcast_buffers` is deprecated"):
            model = DDP(nn.Linear(2, 2), broadcast_buffers=False)
        assert model.broadcast_buffers is False and model.forward_sync_buffers is False
        assert model.bucket_bytes_cap == 25 * 1024 * 1024
    finally:
        dist.destroy_process_group()


def test_ddp_alone_gives_the_plain_gradients(world_of_one):
    mt.manual_seed(0)
    reference = nn.Linear(4, 3, dtype=mt.float64)
    mt.manual_seed(0)
    model = DDP(nn.Linear(4, 3, dtype=mt.float64), bucket_cap_mb=1e-4)
    x = mt.randn(5, 4, dtype=mt.float64)
    model(x)  # a forward with no backward after it does not block the next iteration
    for _ in range(2):
        reference.zero_grad()
        model.zero_grad()
        reference(x).square().sum().backward()
        model(x).square().sum().backward()
        for p, q in zip(model.module.parameters(), reference.parameters()):
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert sorted(model.state_dict()) == ["module.bias", "module.weight"]


def test_sync_batchnorm_alone_is_batchnorm_and_conversion_shares_state():
    torch = pytest.importorskip("torch")
    mt.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=None),
                        nn.Sequential(nn.BatchNorm2d(3)))
    weight = net[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert [type(m).__name__ for m in converted.modules()].count("SyncBatchNorm") == 2
    assert converted[1].weight is weight and converted[1].momentum is None
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5))
    layer = nn.SyncBatchNorm(3, dtype=mt.float64)
    ours = layer(mt.tensor(x))
    theirs = torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        layer(mt.ones(3))
    assert repr(nn.SyncBatchNorm(4, bias=False)) == \
        "SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=True)"


def test_sync_batchnorm_function_gradients_alone(world_of_one):
    from minitorch_conv.nn.sync_batchnorm import sync_batch_norm

    rng = np.random.default_rng(2)
    x = mt.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    w = mt.tensor(rng.standard_normal(2), requires_grad=True)
    b = mt.tensor(rng.standard_normal(2), requires_grad=True)
    group = dist.group.WORLD
    assert mt.autograd.gradcheck(lambda x, w, b: sync_batch_norm(x, w, b, None, None, 1e-5, 0.1, group, 1),
                                 (x, w, b))


@pytest.mark.parametrize("n, replicas, shuffle, drop_last",
                         list(itertools.product([0, 1, 7, 10, 101], [1, 2, 3, 4], [True, False],
                                                [True, False])))
def test_distributed_sampler_matches_pytorch(n, replicas, shuffle, drop_last):
    pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler

    for rank, (seed, epoch) in itertools.product(range(replicas), [(0, 0), (5, 3)]):
        theirs = TorchSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                              drop_last=drop_last)
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                  drop_last=drop_last)
        theirs.set_epoch(epoch)
        ours.set_epoch(epoch)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match=r"Invalid rank 4, rank should be in the interval \[0, 3\]"):
        DistributedSampler(range(3), num_replicas=4, rank=4)


def test_distributed_sampler_partitions_without_pytorch():
    parts = [list(DistributedSampler(range(10), num_replicas=3, rank=r, seed=1)) for r in range(3)]
    assert all(len(p) == 4 for p in parts)
    # padded to 12 with the first two indices of the permutation, which ranks 0 and 1 got first
    assert sorted(i for p in parts for i in p) == sorted([*range(10), parts[0][0], parts[1][0]])
    dropped = [list(DistributedSampler(range(10), num_replicas=3, rank=r, drop_last=True)) for r in range(3)]
    assert sorted(i for p in dropped for i in p) == sorted(set(i for p in dropped for i in p))  # no repeats
    assert all(len(p) == 3 for p in dropped)


def test_randperm_is_pytorchs():
    torch = pytest.importorskip("torch")
    for n, seed in itertools.product([2, 5, 64, 1000], [0, 1, 2**32 + 7, -3, 2**63 - 1]):
        generator = torch.Generator()
        generator.manual_seed(seed)
        assert torch_randperm(n, seed) == torch.randperm(n, generator=generator).tolist(), (n, seed)


# ------------------------------------------------------------------------------------- bench and viz
def test_bench_worker_alone_times_plain_training():
    from minitorch_conv.distributed import benchmark

    assert set(benchmark.run_worker(image=8, batch=4, steps=2)) == {"step_ms"}
    assert not dist.is_initialized()


def test_bench_command_line_option_runs_the_distributed_report(monkeypatch, capsys):
    from minitorch_conv import bench
    from minitorch_conv.distributed import benchmark

    run = {"step_ms": 10.0, "allreduce_ms": 1.0, "exposed_ms": 0.5, "hidden": 0.5, "gradient_mb": 0.2,
           "buckets": 2}
    asked = {}

    def fake_report(ranks, steps):
        asked.update(ranks=ranks, steps=steps)
        return {"image": 28, "batch": 64, "steps": steps, "ranks": ranks, "threads_run": {"step_ms": 20.0},
                "ranks_run": run}

    monkeypatch.setattr(benchmark, "report", fake_report)
    assert bench.main(["--distributed", "3"]) == 0
    assert asked == {"ranks": 3, "steps": 20}
    assert "3 ranks x 1 thread :  100.0 steps/s" in capsys.readouterr().out


def test_viz_data_parallel_averages_the_ranks_gradients():
    pytest.importorskip("matplotlib")
    from minitorch_conv import viz

    rng = np.random.default_rng(3)
    model = nn.Linear(2, 2, dtype=mt.float64)
    x, y = mt.tensor(rng.standard_normal((4, 2))), mt.tensor([0, 1, 1, 0])
    fig = viz.data_parallel(model, x, y, world_size=2, entries=3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "rank 0: samples 0, 2" in texts and "rank 1: samples 1, 3" in texts
    grads = []
    for share in ([0, 2], [1, 3]):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[mt.tensor(share)]), y[mt.tensor(share)]).backward()
        grads.append(model.weight.grad.numpy().ravel()[:3].copy())
    from minitorch_conv.viz import _fmt

    shown = [t for t in texts if t in {_fmt(v) for v in np.concatenate(grads)}]
    assert len(shown) >= 3
    assert "all-reduce: every rank receives (g0 + g1) / 2" in texts
    with pytest.raises(ValueError, match="do not divide into 3 equal shares"):
        viz.data_parallel(model, x, y, world_size=3)
