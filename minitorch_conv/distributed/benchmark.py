"""Data-parallel training, measured: ``python -m minitorch_conv.bench --distributed [RANKS]``.

The training step of examples/train_cnn.py's CNN (forward, loss, backward, Adam) on the same global
batch, with this machine's cores used two ways:

- ``RANKS`` ranks x 1 thread each: ``mpiexec -n RANKS``, each rank on ``batch / RANKS`` images,
  the model wrapped in ``DistributedDataParallel``;
- 1 rank x ``RANKS`` threads: one process on the whole batch, BLAS and Numba with ``RANKS`` threads.

For the data-parallel run it also reports the all-reduce of the gradients: its time per step when
run alone (blocking, bucket after bucket, after a barrier), and how long backward was left waiting
for it at its end (``Reducer.last_wait_seconds``): the rest was hidden behind backward. Timings
are medians; nothing here is asserted anywhere.

>>> from minitorch_conv.distributed.benchmark import format_report
>>> run = {"step_ms": 12.5, "allreduce_ms": 1.0, "exposed_ms": 0.25, "hidden": 0.5, "gradient_mb": 0.3,
...        "buckets": 2}
>>> print(format_report({"image": 28, "batch": 64, "steps": 30, "ranks": 2, "threads_run": {"step_ms": 20.0},
...                      "ranks_run": run}))  # doctest: +NORMALIZE_WHITESPACE
training step of examples/train_cnn.py's CNN, 28x28 images, global batch 64, median of 30 steps
  1 rank  x 2 threads:   50.0 steps/s  (20.00 ms/step)
  2 ranks x 1 thread :   80.0 steps/s  (12.50 ms/step)  1.60x  [default buckets]
    all-reduce of the gradients (0.30 MB, 2 buckets): 1.00 ms/step alone; 50% of it done behind backward;
    end of backward waited 0.25 ms
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

__all__ = ["report", "format_report", "run_worker"]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
SMALL_BUCKET_MB = 0.025
"""The bucket size of the second data-parallel run: several buckets, so that some overlap backward."""


def run_worker(image: int, batch: int, steps: int) -> dict | None:
    """Time ``steps`` training steps in this process, one rank of the job (alone: a world of one);
    it joins the job itself unless the process group is already initialised.

    With several ranks, DDP runs twice: with PyTorch's default buckets (this small model's
    gradients all fit in the first one, so nothing can overlap backward) and with buckets of
    ``SMALL_BUCKET_MB``. Returns the measurements on rank 0 (None on the others).

    >>> from minitorch_conv.distributed.benchmark import run_worker
    >>> sorted(run_worker(image=8, batch=4, steps=1))  # alone: plain training, no all-reduce
    ['step_ms']
    """
    import minitorch_conv as mt
    import minitorch_conv.distributed as dist
    from minitorch_conv.bench import _small_cnn
    from minitorch_conv.nn.parallel import DistributedDataParallel

    joined = not dist.is_initialized()
    if joined:
        dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    mt.manual_seed(rank)
    model = _small_cnn(mt, (image, image))
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-3)
    criterion = mt.nn.CrossEntropyLoss()
    x = mt.randn(batch // world, 1, image, image)
    y = mt.randint(0, 10, (batch // world,))

    def timed(net) -> dict:
        step_times, waits, hidden = [], [], []
        for i in range(steps + 3):  # three warm-up steps (the buckets are rebuilt after the first)
            dist.barrier()
            started = time.perf_counter()
            optimizer.zero_grad()
            criterion(net(x), y).backward()
            optimizer.step()
            if i >= 3:
                step_times.append(time.perf_counter() - started)
                if net is not model:
                    waits.append(net.reducer.last_wait_seconds)
                    hidden.append(net.reducer.last_hidden_fraction)
        result = {"step_ms": 1e3 * statistics.median(step_times)}
        if net is model:
            return result
        alone = []  # the same all-reduces, after a barrier, with nothing to overlap
        for _ in range(steps):
            dist.barrier()
            started = time.perf_counter()
            for bucket in net.reducer.buckets:
                bucket.engine.allreduce(bucket.buffer, dist.ReduceOp.SUM).wait()
            alone.append(time.perf_counter() - started)
        result.update(allreduce_ms=1e3 * statistics.median(alone), exposed_ms=1e3 * statistics.median(waits),
                      hidden=statistics.mean(hidden), buckets=len(net.reducer.buckets),
                      gradient_mb=sum(b.buffer.nbytes for b in net.reducer.buckets) / 2**20)
        return result

    if world == 1:
        result = timed(model)
    else:
        result = timed(DistributedDataParallel(model))
        result["small_buckets"] = timed(DistributedDataParallel(model, bucket_cap_mb=SMALL_BUCKET_MB))
    if joined:
        dist.destroy_process_group()
    return result if rank == 0 else None


def _run(command: list[str], threads: int) -> dict:
    from .launch import child_environment

    env = child_environment(**{name: str(threads) for name in _THREAD_VARIABLES})
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(ranks: int = 2, image: int = 28, batch: int = 64, steps: int = 30) -> dict:
    """Run both layouts (each in fresh processes, so that the thread settings apply) and return
    their measurements: ``{"threads_run": {...}, "ranks_run": {...}, ...}`` as :func:`format_report`
    reads them (an example there)."""
    from .launch import mpiexec_command

    worker = ["-m", "minitorch_conv.distributed.benchmark", "--worker", "--image", str(image),
              "--batch", str(batch), "--steps", str(steps)]
    command = mpiexec_command(ranks, worker)
    if command is None:
        raise RuntimeError("no mpiexec found: pip install -e '.[distributed]' (the mpich wheel has one)")
    return {"image": image, "batch": batch, "steps": steps, "ranks": ranks,
            "threads_run": _run([sys.executable, *worker], threads=ranks),
            "ranks_run": _run(command, threads=1)}


def format_report(result: dict) -> str:
    """The measurements as the lines ``python -m minitorch_conv.bench --distributed`` prints."""
    n = result["ranks"]
    one, many = result["threads_run"], result["ranks_run"]
    lines = [
        f"training step of examples/train_cnn.py's CNN, {result['image']}x{result['image']} images, "
        f"global batch {result['batch']}, median of {result['steps']} steps",
        f"  1 rank  x {n} threads: {1e3 / one['step_ms']:6.1f} steps/s  ({one['step_ms']:.2f} ms/step)",
    ]
    small = many.get("small_buckets")
    for name, run in (("default buckets", many), (f"{SMALL_BUCKET_MB} MB buckets", small)):
        if run is None:
            continue
        lines += [
            f"  {n} ranks x 1 thread : {1e3 / run['step_ms']:6.1f} steps/s  "
            f"({run['step_ms']:.2f} ms/step)  {one['step_ms'] / run['step_ms']:.2f}x  [{name}]",
            f"    all-reduce of the gradients ({run['gradient_mb']:.2f} MB, {run['buckets']} buckets): "
            f"{run['allreduce_ms']:.2f} ms/step alone; {100 * run['hidden']:.0f}% of it done behind "
            f"backward; end of backward waited {run['exposed_ms']:.2f} ms",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minitorch_conv.distributed.benchmark")
    parser.add_argument("--worker", action="store_true", help="time this process (one rank)")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--image", type=int, default=28)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args(argv)
    if args.worker:
        result = run_worker(args.image, args.batch, args.steps)
        if result is not None:
            print(json.dumps(result), flush=True)
        return 0
    print(format_report(report(args.ranks, args.image, args.batch, args.steps)))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
