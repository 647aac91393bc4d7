"""DataLoader worker processes: the same batches as in one process, PyTorch's seeding, sharding of
iterable datasets, persistent workers, failures that come back as errors (never hangs), and no
process left behind (after an epoch, a break, a crash, Ctrl-C or interpreter exit).

Every test runs under an alarm (``hang_guard``), and loaders that could wait use ``timeout``."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import minitorch_conv as mt
from minitorch_conv.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
    _worker,
    get_worker_info,
)

TEST_TIMEOUT_S = 60


@pytest.fixture(autouse=True)
def hang_guard():
    """Fail, rather than hang, a test that runs past TEST_TIMEOUT_S."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"test ran past {TEST_TIMEOUT_S} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, finished but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def wait_gone(pids, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


def as_lists(batches):
    return [[t.tolist() if isinstance(t, mt.Tensor) else t for t in b] for b in batches]


class Squares(Dataset):
    """Index -> (index, index**2, the pid that fetched it); item ``slow`` sleeps first."""

    def __init__(self, n: int = 23, slow: int | None = None):
        self.n, self.slow = n, slow

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.slow:
            time.sleep(0.3)
        return i, np.float32(i * i), os.getpid()


class WhoAmI(Dataset):
    """What the worker that fetches an item knows and draws."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "same_dataset": info.dataset is self,
            "random": random.random(),
            "numpy": float(np.random.rand()),
            "mt": float(mt.rand(1).item()),
            "init": os.environ.get("WORKER_INIT_ID", "none"),
        }


def mark_worker(worker_id: int) -> None:
    os.environ["WORKER_INIT_ID"] = str(worker_id)


# ---------------------------------------------------------------------------- order and contents
@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (5, True), (1, False)])
def test_workers_give_the_same_batches_as_one_process(batch_size, drop_last):
    ds = Squares(23)

    def run(workers):
        loader = DataLoader(
            ds,
            batch_size=batch_size,
            shuffle=True,
            drop_last=drop_last,
            num_workers=workers,
            generator=mt.Generator().manual_seed(7),
            timeout=20 if workers else 0,
        )
        return [(b[0].tolist(), b[1].tolist()) for b in loader], {p for b in loader for p in b[2].tolist()}

    single, single_pids = run(0)
    multi, multi_pids = run(2)
    assert multi == single
    assert len(single) == (23 // batch_size if drop_last else -(-23 // batch_size))
    assert single_pids == {os.getpid()} and len(multi_pids) == 2 and os.getpid() not in multi_pids


def test_in_order_waits_for_a_slow_worker_and_in_order_false_does_not():
    ds = Squares(8, slow=0)  # worker 0's first batch is slow, worker 1's is ready first
    ordered = [b[0].tolist() for b in DataLoader(ds, batch_size=2, num_workers=2, timeout=20)]
    assert ordered == [[0, 1], [2, 3], [4, 5], [6, 7]]
    loose = [b[0].tolist() for b in DataLoader(ds, batch_size=2, num_workers=2, timeout=20, in_order=False)]
    assert sorted(loose) == ordered and loose[0] != [0, 1]


def test_batch_size_none_and_custom_collate_and_batch_sampler_in_workers():
    ds = Squares(6)
    singles = list(DataLoader(ds, batch_size=None, num_workers=2, timeout=20))
    assert [s[0] for s in singles] == list(range(6)) and isinstance(singles[0][1], mt.Tensor)
    firsts = list(
        DataLoader(ds, batch_size=3, num_workers=2, timeout=20, collate_fn=lambda b: [s[0] for s in b])
    )
    assert firsts == [[0, 1, 2], [3, 4, 5]]
    by_sampler = DataLoader(ds, batch_sampler=[[5, 0], [2], [1, 3, 4]], num_workers=2, timeout=20)
    assert [b[0].tolist() for b in by_sampler] == [[5, 0], [2], [1, 3, 4]]


def test_tensors_and_dicts_cross_processes_intact():
    x = mt.randn(10, 3, 4, dtype=mt.float64)
    y = mt.arange(10).to(mt.int32)
    ds = TensorDataset(x, y, mt.arange(10.0).reshape(10, 1) > 4)
    for workers in (0, 2):
        out = list(DataLoader(ds, batch_size=4, num_workers=workers, timeout=20 if workers else 0))
        got = [mt.cat([b[i] for b in out]) for i in range(3)]
        assert got[0].dtype == mt.float64 and got[1].dtype == mt.int32 and got[2].dtype == mt.bool
        np.testing.assert_array_equal(got[0].numpy(), x.numpy())
        np.testing.assert_array_equal(got[1].numpy(), y.numpy())
        assert got[2].numpy()[:, 0].tolist() == [i > 4 for i in range(10)]
    rows = list(DataLoader(WhoAmI(), batch_size=4, num_workers=2, timeout=20))
    assert set(rows[0]) >= {"id", "seed", "numpy"} and rows[0]["init"] == ["none"] * 4


def test_arrays_travel_as_raw_buffers_outside_the_pickle():
    import io
    import threading

    big = np.arange(1 << 18, dtype=np.float32)  # 1 MiB: more than a pipe holds
    message = (3, {"x": mt.tensor(big).reshape(512, 512), "leaf": mt.ones(2, requires_grad=True)})
    buffers, stream = [], io.BytesIO()
    _worker._BatchPickler(stream, protocol=5, buffer_callback=buffers.append).dump(message)
    assert stream.tell() < 2048  # the array's 1 MiB is not in the pickle ...
    assert sum(b.raw().nbytes for b in buffers) >= big.nbytes  # ... but beside it, as raw bytes
    read_fd, write_fd = os.pipe()
    sender = threading.Thread(target=_worker.send_message, args=(write_fd, message))
    sender.start()
    idx, payload = _worker.recv_message(read_fd)
    sender.join()
    assert idx == 3 and payload["x"].shape == mt.Size([512, 512]) and payload["x"].dtype == mt.float32
    np.testing.assert_array_equal(payload["x"].numpy().ravel(), big)
    assert payload["x"].numpy().flags.writeable
    assert payload["leaf"].requires_grad and payload["leaf"].is_leaf
    os.close(write_fd)
    with pytest.raises(EOFError):
        _worker.recv_message(read_fd)  # the writer is gone
    os.close(read_fd)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        _worker.send_message(-1, mt.ones(2, requires_grad=True) * 2)


# ---------------------------------------------------------------------------- seeds
def test_each_worker_is_seeded_base_seed_plus_its_id():
    generator = mt.Generator().manual_seed(11)
    expected_base = int(mt.Generator().manual_seed(11).rng.integers(0, 2**63))
    loader = DataLoader(
        WhoAmI(), batch_size=2, num_workers=2, generator=generator, timeout=20, worker_init_fn=mark_worker
    )
    rows = list(loader)
    for batch_number, batch in enumerate(rows):
        worker = batch_number % 2  # batches are dealt to the workers in turn
        assert batch["id"].tolist() == [worker, worker] and batch["num_workers"].tolist() == [2, 2]
        assert batch["seed"].tolist() == [expected_base + worker] * 2
        assert batch["same_dataset"].tolist() == [True, True] and batch["init"] == [str(worker)] * 2
    # what each worker drew is what its seeds give: Python's random, ours, and NumPy's (hashed)
    for worker in (0, 1):
        seed = expected_base + worker
        first = rows[worker]
        assert first["random"][0].item() == random.Random(seed).random()
        mt.manual_seed(seed)
        assert first["mt"][0].item() == pytest.approx(mt.rand(1).item())
        state = np.random.SeedSequence(
            [worker, expected_base & 0xFFFFFFFF, expected_base >> 32, 0]
        ).generate_state(4)
        assert first["numpy"][0].item() == np.random.RandomState(state).rand()
    assert rows[0]["numpy"].tolist() != rows[1]["numpy"].tolist()  # no two workers augment alike
    again = list(
        DataLoader(
            WhoAmI(), batch_size=2, num_workers=2, timeout=20, generator=mt.Generator().manual_seed(11)
        )
    )
    assert [b["numpy"].tolist() for b in again] == [b["numpy"].tolist() for b in rows]


def test_the_same_global_seed_gives_the_same_augmented_batches():
    from minitorch_conv.vision import transforms as T

    class Augmented(Dataset):
        def __init__(self):
            self.images = np.random.default_rng(0).integers(0, 256, (12, 8, 8, 3), dtype=np.uint8)
            self.augment = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.ToTensor()])

        def __len__(self):
            return len(self.images)

        def __getitem__(self, i):
            return self.augment(self.images[i])

    def epoch(workers):
        mt.manual_seed(5)
        loader = DataLoader(
            Augmented(), batch_size=4, shuffle=True, num_workers=workers, timeout=20 if workers else 0
        )
        return [b.numpy() for b in loader]

    a, b = epoch(2), epoch(2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c, d = epoch(0), epoch(0)
    assert all(np.array_equal(x, y) for x, y in zip(c, d))


# ---------------------------------------------------------------------------- iterable datasets
class Stream(IterableDataset):
    def __init__(self, n: int, shard: bool):
        self.n, self.shard = n, shard

    def __len__(self):
        return self.n

    def __iter__(self):
        info = get_worker_info()
        if not self.shard or info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def test_iterable_dataset_sharded_by_worker():
    batches = [
        b.tolist() for b in DataLoader(Stream(10, shard=True), batch_size=2, num_workers=2, timeout=20)
    ]
    # worker 0 has 0, 2, 4, 6, 8 and worker 1 has 1, 3, 5, 7, 9: their batches alternate
    assert batches == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]
    unsharded = [
        x
        for b in DataLoader(Stream(5, shard=False), batch_size=2, num_workers=2, timeout=20)
        for x in b.tolist()
    ]
    assert sorted(unsharded) == sorted(list(range(5)) * 2)  # each worker has the whole stream
    dropped = [
        b.tolist()
        for b in DataLoader(Stream(10, shard=True), batch_size=2, drop_last=True, num_workers=2, timeout=20)
    ]
    assert dropped == [[0, 2], [1, 3], [4, 6], [5, 7]]
    single = [b.tolist() for b in DataLoader(Stream(5, shard=True), batch_size=2)]
    assert single == [[0, 1], [2, 3], [4]] and len(DataLoader(Stream(5, shard=True), batch_size=2)) == 3
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(5, shard=True), shuffle=True)


# ---------------------------------------------------------------------------- persistent workers
def test_persistent_workers_live_across_epochs_and_stop_with_the_loader():
    loader = DataLoader(Squares(9), batch_size=2, num_workers=2, persistent_workers=True, timeout=20)
    epochs = []
    for _ in range(3):
        epochs.append([(b[0].tolist(), tuple(sorted(set(b[2].tolist())))) for b in loader])
    assert [e == epochs[0] for e in epochs] == [True, True, True]  # same workers, same batches
    pids = {p for _, ps in epochs[0] for p in ps}
    assert len(pids) == 2 and all(alive(p) for p in pids)
    half = iter(loader)
    next(half)  # an epoch cut short: the next one still starts from the first batch
    assert [b[0].tolist() for b in loader][0] == [0, 1]
    stream = DataLoader(
        Stream(6, shard=True), batch_size=2, num_workers=2, persistent_workers=True, timeout=20
    )
    assert [b.tolist() for b in stream] == [b.tolist() for b in stream] == [[0, 2], [1, 3], [4], [5]]
    del loader, half
    import gc

    gc.collect()
    assert wait_gone(pids) == []


# ---------------------------------------------------------------------------- failures
class Failing(Dataset):
    def __init__(self, how: str, at: int = 3):
        self.how, self.at = how, at

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.at:
            if self.how == "value":
                raise ValueError(f"bad sample {i}")
            if self.how == "key":
                return {}["missing-key"]
            if self.how == "two-args":
                raise TwoArgError("a", "b")
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.how == "segfault":
                import ctypes
                import faulthandler

                faulthandler.disable()  # pytest's handler would print a "Fatal Python error" dump
                ctypes.string_at(0)
            if self.how == "exit":
                os._exit(3)
            if self.how == "hang":
                time.sleep(30)
        return i


class TwoArgError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def test_a_worker_exception_comes_back_with_its_traceback():
    loader = DataLoader(Failing("value"), batch_size=2, num_workers=2, timeout=20)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError) as info:
        next(it)
    message = str(info.value)
    assert message.startswith("Caught ValueError in DataLoader worker process 1.")
    assert "Original Traceback (most recent call last):" in message and "bad sample 3" in message
    assert "test_dataloader_workers.py" in message and "__getitem__" in message
    assert next(it).tolist() == [4, 5]  # the loader goes on, as PyTorch's does
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(DataLoader(Failing("key"), batch_size=2, num_workers=2, timeout=20))
    with pytest.raises(RuntimeError, match="Caught TwoArgError in DataLoader worker process"):
        list(DataLoader(Failing("two-args"), batch_size=2, num_workers=2, timeout=20))
    with pytest.raises(ZeroDivisionError, match="in DataLoader worker process 0"):
        list(DataLoader(Squares(4), num_workers=1, timeout=20, worker_init_fn=lambda worker_id: 1 / 0))


@pytest.mark.parametrize(
    "how,signal_name", [("kill", "Killed"), ("segfault", "Segmentation fault"), ("exit", "exit code 3")]
)
def test_a_dead_worker_is_a_clear_error_not_a_hang(how, signal_name):
    import gc

    gc.collect()  # the workers of earlier tests' loaders, still referenced by tracebacks, stop now
    loader = DataLoader(Failing(how), batch_size=2, num_workers=2)
    pids = []
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly") as info:
        for batch in loader:
            pids.append(batch)
    assert signal_name in str(info.value.__cause__)
    assert mt.utils.data.dataloader.multiprocessing.active_children() == []  # the others were stopped


def test_timeout_is_a_runtime_error():
    loader = DataLoader(Failing("hang", at=0), batch_size=1, num_workers=1, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(iter(loader))
    assert time.monotonic() - start < 20


def test_breaking_out_early_stops_the_workers():
    loader = DataLoader(Squares(40), batch_size=2, num_workers=2, timeout=20)
    it = iter(loader)
    pids = set(next(it)[2].tolist()) | set(next(it)[2].tolist())
    assert len(pids) == 2 and all(alive(p) for p in pids)
    del it
    assert wait_gone(pids) == []


SCRIPT = textwrap.dedent("""
    import os, sys, time
    import minitorch_conv as mt
    from minitorch_conv.utils.data import DataLoader, Dataset

    class Slow(Dataset):
        def __len__(self):
            return 10_000
        def __getitem__(self, i):
            time.sleep(0.01)
            return os.getpid()

    loader = DataLoader(Slow(), batch_size=2, num_workers=2, persistent_workers=True)
    pids = set()
    for batch in loader:
        pids.update(batch.tolist())
        if len(pids) == 2:
            break
    print(" ".join(map(str, sorted(pids))), flush=True)
    if sys.argv[1] == "exit":
        sys.exit(0)  # the persistent workers are still there
    for batch in loader:  # wait here for Ctrl-C
        pass
""")


@pytest.mark.parametrize("how", ["exit", "ctrl-c"])
def test_interpreter_exit_and_ctrl_c_leave_no_process_behind(tmp_path, how):
    script = tmp_path / "loader.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), *sys.path]))
    proc = subprocess.Popen(
        [sys.executable, str(script), how],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    line = proc.stdout.readline()
    pids = [int(p) for p in line.split()]
    assert len(pids) == 2, (line, proc.stderr.read() if proc.poll() is not None else "")
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    proc.wait(timeout=30)
    stderr = proc.stderr.read()
    if how == "ctrl-c":
        assert "KeyboardInterrupt" in stderr and proc.returncode != 0
        assert "DataLoader worker" not in stderr  # the workers went quietly
    else:
        assert proc.returncode == 0, stderr
    assert wait_gone(pids) == []


def test_spawn_start_method_works():
    ds = TensorDataset(mt.arange(10.0), mt.arange(10))
    loader = DataLoader(
        ds,
        batch_size=3,
        shuffle=True,
        num_workers=2,
        multiprocessing_context="spawn",
        generator=mt.Generator().manual_seed(2),
        timeout=60,
    )
    expected = [
        b[1].tolist()
        for b in DataLoader(ds, batch_size=3, shuffle=True, generator=mt.Generator().manual_seed(2))
    ]
    assert [b[1].tolist() for b in loader] == expected


# ---------------------------------------------------------------------------- arguments
def test_arguments_are_checked_as_pytorch_does():
    ds = Squares(4)
    cases = [
        (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
        (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
        (
            dict(prefetch_factor=2),
            ValueError,
            "prefetch_factor option could only be specified in multiprocessing",
        ),
        (
            dict(num_workers=1, prefetch_factor=-1),
            ValueError,
            "prefetch_factor option should be non-negative",
        ),
        (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers > 0"),
        (dict(sampler=[0, 1], shuffle=True), ValueError, "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching"),
        (dict(multiprocessing_context="spawn"), ValueError, "multiprocessing_context can only be used"),
        (
            dict(num_workers=1, multiprocessing_context="nope"),
            ValueError,
            "should specify a valid start method",
        ),
        (dict(num_workers=1, multiprocessing_context=3), TypeError, "should be a valid context object"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            DataLoader(ds, **kwargs)
    loader = DataLoader(ds, batch_size=2, pin_memory=True, pin_memory_device="cuda")  # accepted, a no-op
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3]] and loader.prefetch_factor is None
    assert DataLoader(ds, num_workers=2).prefetch_factor == 2
    with pytest.raises(
        ValueError, match="batch_size attribute should not be set after DataLoader is initialized"
    ):
        loader.batch_size = 3
    with pytest.warns(UserWarning, match="This DataLoader will create 64 worker processes in total"):
        DataLoader(ds, num_workers=64)


def test_messages_match_pytorch():
    torch = pytest.importorskip("torch")
    ds = Squares(4)
    for kwargs in [
        dict(num_workers=-1),
        dict(timeout=-1),
        dict(prefetch_factor=2),
        dict(persistent_workers=True),
        dict(sampler=[0, 1], shuffle=True),
        dict(batch_sampler=[[0]], batch_size=2),
        dict(batch_size=None, drop_last=True),
        dict(multiprocessing_context="spawn"),
    ]:
        with pytest.raises(Exception) as ours:
            DataLoader(ds, **kwargs)
        with pytest.raises(Exception) as theirs:
            torch.utils.data.DataLoader(ds, **kwargs)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
