"""``python -m minitorch_conv.bench``: how fast is conv2d here, and how does it compare with PyTorch?

For each shape of a standard suite (or shapes given on the command line) it times conv2d forward,
backward, and both, and prints milliseconds, GFLOP/s, the fraction of this machine's GEMM peak
(np.matmul in the same dtype, measured in the same run) and, with ``--memory``, the peak memory one
forward+backward adds. ``--compare torch`` times PyTorch's convolution in the same process,
alternating runs, on the same number of threads, and prints the speed ratio (>1: we are faster).

``--distributed [RANKS]`` times data-parallel training instead: the example's training step on RANKS
ranks x 1 thread (``mpiexec``, ``DistributedDataParallel``) against 1 rank x RANKS threads, and the
gradients' all-reduce (see ``minitorch_conv.distributed.benchmark``).

A shape is written ``N,C,H,W:O,k[,s[,p[,d[,g]]]]`` (k, s, p, d a number or ``KHxKW``), e.g.
``32,64,32,32:64,3,1,1`` for a ResNet 3x3 layer.

Timings are medians of repeated runs after a warm-up; nothing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.ops.window import output_length


@dataclass
class ConvShape:
    name: str
    n: int
    c: int
    h: int
    w: int
    out: int
    kernel: tuple
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)
    dilation: tuple = (1, 1)
    groups: int = 1

    @property
    def output_hw(self) -> tuple[int, int]:
        dims = []
        for size, k, s, p, d in zip((self.h, self.w), self.kernel, self.stride, self.padding, self.dilation):
            dims.append(output_length(size, k, s, p, p, d))
        return tuple(dims)

    @property
    def forward_flops(self) -> float:
        ho, wo = self.output_hw
        kh, kw = self.kernel
        return 2.0 * self.n * self.out * ho * wo * (self.c // self.groups) * kh * kw

    def describe(self) -> str:
        def fmt(v):
            return str(v[0]) if v[0] == v[1] else f"{v[0]}x{v[1]}"

        text = f"({self.n},{self.c},{self.h},{self.w})->{self.out} k{fmt(self.kernel)}"
        if self.stride != (1, 1):
            text += f" s{fmt(self.stride)}"
        if self.padding != (0, 0):
            text += f" p{fmt(self.padding)}"
        if self.dilation != (1, 1):
            text += f" d{fmt(self.dilation)}"
        if self.groups != 1:
            text += f" g{self.groups}"
        return text


STANDARD_SUITE = [
    ConvShape("lenet-conv1", 64, 1, 28, 28, 6, (5, 5)),
    ConvShape("3x3-small", 64, 32, 16, 16, 64, (3, 3), padding=(1, 1)),
    ConvShape("resnet-3x3", 32, 64, 32, 32, 64, (3, 3), padding=(1, 1)),
    ConvShape("resnet-stem", 8, 3, 112, 112, 64, (7, 7), stride=(2, 2), padding=(3, 3)),
    ConvShape("pointwise", 32, 64, 16, 16, 256, (1, 1)),
    ConvShape("depthwise", 32, 128, 32, 32, 128, (3, 3), padding=(1, 1), groups=128),
    ConvShape("grouped", 32, 64, 16, 16, 64, (3, 3), padding=(1, 1), groups=4),
    ConvShape("strided-dilated", 16, 32, 32, 32, 64, (3, 3), stride=(2, 2), padding=(2, 2), dilation=(2, 2)),
]

MEMORY_SHAPE = ConvShape("memory-resnet", 64, 64, 56, 56, 64, (3, 3), padding=(1, 1))


def parse_shape(text: str) -> ConvShape:
    """Parse ``N,C,H,W:O,k[,s[,p[,d[,g]]]]`` into a ConvShape."""
    try:
        left, right = text.split(":")
        n, c, h, w = (int(v) for v in left.split(","))
        parts = right.split(",")
        out = int(parts[0])

        def pair(i, default):
            if len(parts) <= i:
                return (default, default)
            vals = [int(v) for v in parts[i].lower().split("x")]
            return (vals[0], vals[-1])

        groups = int(parts[5]) if len(parts) > 5 else 1
        return ConvShape(text, n, c, h, w, out, pair(1, 1), pair(2, 1), pair(3, 0), pair(4, 1), groups)
    except (ValueError, IndexError):
        raise SystemExit(f"bad shape {text!r}: expected N,C,H,W:O,k[,s[,p[,d[,g]]]]") from None


# ---------------------------------------------------------------------------- timing helpers
def _median_time(fn, repeat: int, sync=lambda: None) -> float:
    times = []
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _conv_callables(lib, conv, shape: ConvShape, device: str, dtype):
    """(forward, prepare_backward, backward, both) for ``lib`` (minitorch_conv or torch).

    The two frameworks share these names (manual_seed, randn, no_grad, backward), so the same code
    times both.
    """
    lib.manual_seed(0)
    x = lib.randn(shape.n, shape.c, shape.h, shape.w, dtype=dtype, device=device, requires_grad=True)
    weight = lib.randn(
        shape.out, shape.c // shape.groups, *shape.kernel, dtype=dtype, device=device, requires_grad=True
    )
    bias = lib.randn(shape.out, dtype=dtype, device=device, requires_grad=True)
    args = dict(stride=shape.stride, padding=shape.padding, dilation=shape.dilation, groups=shape.groups)
    grad_out = lib.randn(shape.n, shape.out, *shape.output_hw, dtype=dtype, device=device)
    state = {}

    def forward():
        with lib.no_grad():
            conv(x, weight, bias, **args)

    def prepare_backward():
        state["y"] = conv(x, weight, bias, **args)

    def backward():
        state["y"].backward(grad_out)
        x.grad = weight.grad = bias.grad = None

    def both():
        conv(x, weight, bias, **args).backward(grad_out)
        x.grad = weight.grad = bias.grad = None

    return forward, prepare_backward, backward, both


def _ours_callables(shape: ConvShape, device: str, dtype):
    return _conv_callables(mt, F.conv2d, shape, device, dtype)


def _torch_callables(shape: ConvShape, device: str, dtype_name: str):
    import torch

    dev = "cuda" if device.startswith("cuda") else "cpu"
    return _conv_callables(torch, torch.nn.functional.conv2d, shape, dev, getattr(torch, dtype_name))


def _time_phases(callables, repeat: int, sync) -> dict:
    forward, prepare_backward, backward, both = callables
    forward()
    both()  # warm-up (and JIT compile where a backend has one)

    def timed_backward():
        return backward()

    backward_times = []
    for _ in range(repeat):
        prepare_backward()
        sync()
        start = time.perf_counter()
        timed_backward()
        sync()
        backward_times.append(time.perf_counter() - start)
    return {
        "forward": _median_time(forward, repeat, sync),
        "backward": statistics.median(backward_times),
        "both": _median_time(both, repeat, sync),
    }


def gemm_peak_gflops(dtype_name: str, device: str = "cpu", size: int = 1024) -> float:
    """GFLOP/s of one square matmul in ``dtype`` (the machine's practical GEMM peak)."""
    backend = mt.backends.get_backend(device)
    xp = backend.xp
    a = xp.ones((size, size), dtype=dtype_name)
    b = xp.ones((size, size), dtype=dtype_name)
    sync = _sync_for(device)
    xp.matmul(a, b)
    seconds = _median_time(lambda: xp.matmul(a, b), 7, sync)
    return 2.0 * size**3 / seconds / 1e9


def _sync_for(device: str):
    if device.startswith("cuda"):
        return mt.cuda.synchronize
    return lambda: None


# ---------------------------------------------------------------------------- memory
_MEMORY_SNIPPET = r"""
import json, resource, sys
framework = sys.argv[1]
n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, g = map(int, sys.argv[2:])
args = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=g)
if framework == "torch":
    import torch
    lib, F = torch, torch.nn.functional
else:
    import minitorch_conv as lib
    import minitorch_conv.nn.functional as F
def step(batch):
    x = lib.randn(batch, c, h, w, requires_grad=True)
    y = F.conv2d(x, wt, b, **args)
    y.backward(lib.randn(*y.shape))
    x.grad = wt.grad = b.grad = None

wt = lib.randn(o, c // g, kh, kw, requires_grad=True)
b = lib.randn(o, requires_grad=True)
step(1)  # load libraries and compile kernels on a one-sample batch (small next to the real one)
wt.grad = b.grad = None
x = lib.randn(n, c, h, w, requires_grad=True)
ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
gy = lib.randn(n, o, ho, wo)
def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])

try:  # Linux: reset the peak-RSS mark to the current RSS, then read the new peak (VmHWM)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    before = status_kb("VmRSS")
    F.conv2d(x, wt, b, **args).backward(gy)
    after = status_kb("VmHWM")
except OSError:  # elsewhere ru_maxrss (which a child may inherit from its parent: run this alone)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    F.conv2d(x, wt, b, **args).backward(gy)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"added_mb": (after - before) / 1024.0}))
"""


def peak_memory_added_mb(shape: ConvShape, framework: str) -> float | None:
    """Peak resident memory one forward+backward adds, measured in a fresh process (MB).

    Libraries and kernels are loaded on a one-sample step first; then, with the input, weight and
    upstream gradient in memory, the rise in peak RSS over one full step is what it adds (the
    output, the three gradients and every temporary buffer).
    """
    argv = [
        sys.executable,
        "-c",
        _MEMORY_SNIPPET,
        framework,
        *map(
            str,
            (
                shape.n,
                shape.c,
                shape.h,
                shape.w,
                shape.out,
                *shape.kernel,
                *shape.stride,
                *shape.padding,
                *shape.dilation,
                shape.groups,
            ),
        ),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])["added_mb"]


# ---------------------------------------------------------------------------- the run
def run(
    shapes, *, device="cpu", dtype_name="float32", repeat=5, compare_torch=False, memory=False, threads=None
) -> dict:
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch = None
    if compare_torch:
        import torch

        torch.set_num_threads(threads)
        if device.startswith("cuda"):  # TF32 off on both sides unless asked for
            tf32 = _tf32_enabled()
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cuda.matmul.allow_tf32 = tf32
    sync = _sync_for(device)
    dtype = mt.backends.to_dtype(dtype_name)
    peak = gemm_peak_gflops(dtype_name, device)  # first: Numba's threads may spin for a while after
    # compile (first run on this machine) or load the Numba kernels before any conv is timed, and
    # say how long that took: a cost paid once, never part of the tables
    kernels_ready_s = _numba_warm_up_seconds() if device == "cpu" else None
    results = []
    for shape in shapes:
        gc.collect()
        ours_callables = _ours_callables(shape, device, dtype)
        rows = {"shape": shape.describe(), "name": shape.name, "forward_gflop": shape.forward_flops / 1e9}
        if torch is not None:
            torch_callables = _torch_callables(shape, device, dtype_name)
            torch_sync = _torch_sync(torch, device)
            ours, theirs = [], []
            for _ in range(2):  # alternate the two frameworks so drift hits both alike
                ours.append(_time_phases(ours_callables, max(1, repeat // 2 + 1), sync))
                theirs.append(_time_phases(torch_callables, max(1, repeat // 2 + 1), torch_sync))
            rows["ours"] = {k: min(r[k] for r in ours) for k in ours[0]}
            rows["torch"] = {k: min(r[k] for r in theirs) for k in theirs[0]}
            rows["ratio"] = {k: rows["torch"][k] / rows["ours"][k] for k in rows["ours"]}
        else:
            rows["ours"] = _time_phases(ours_callables, repeat, sync)
        flops = {
            "forward": shape.forward_flops,
            "backward": 2 * shape.forward_flops,
            "both": 3 * shape.forward_flops,
        }
        rows["gflops"] = {k: flops[k] / rows["ours"][k] / 1e9 for k in flops}
        rows["peak_fraction"] = {k: v / peak for k, v in rows["gflops"].items()}
        if memory:
            rows["memory_mb"] = peak_memory_added_mb(shape, "minitorch_conv")
            if compare_torch:
                rows["torch_memory_mb"] = peak_memory_added_mb(shape, "torch")
        results.append(rows)
    summary = {}
    if compare_torch and results:
        ratios = [r["ratio"]["both"] for r in results]
        summary["geomean_ratio_both"] = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        summary["min_ratio_both"] = min(ratios)
    return {
        "machine": machine_description(threads, device),
        "dtype": dtype_name,
        "gemm_peak_gflops": peak,
        "numba_warm_up_s": kernels_ready_s,
        "results": results,
        "summary": summary,
    }


def _numba_warm_up_seconds() -> float | None:
    """Seconds to compile or load the CPU's Numba kernels; None where they are not in use."""
    from minitorch_conv.backends import numba_kernels

    if not mt.backends.get_backend("cpu").use_numba:
        return None
    return numba_kernels.warm_up()


def _tf32_enabled() -> bool:
    cuda_flags = getattr(mt.backends, "cuda", None)
    return bool(cuda_flags and cuda_flags.matmul.allow_tf32)


# ---------------------------------------------------------------------------- a training step
def _small_cnn(lib, image_size, channels=(32, 64), num_classes=10):
    """examples/train_cnn.py's model, built with ``lib`` (minitorch_conv or torch)."""
    nn = lib.nn
    c1, c2 = channels
    h, w = image_size[0] // 4, image_size[1] // 4
    return nn.Sequential(
        nn.Conv2d(1, c1, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * h * w, num_classes),
    )


def train_step(lib, image_size, batch: int, device: str = "cpu"):
    """One training step (forward, loss, backward, Adam) of the example's CNN, as a callable, after
    three warm-up steps."""
    lib.manual_seed(0)
    model = _small_cnn(lib, image_size).to(device)
    optimizer = lib.optim.Adam(model.parameters(), lr=3e-3)
    criterion = lib.nn.CrossEntropyLoss(label_smoothing=0.1)
    x = lib.randn(batch, 1, *image_size, device=device)
    y = lib.randint(0, 10, (batch,), device=device)

    def step():
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    return step


def train_step_ms(lib, image_size, batch: int, repeat: int = 20, device: str = "cpu") -> float:
    """Median milliseconds of one training step of the example's CNN."""
    sync = _sync_for(device) if lib is mt else _torch_sync(lib, device)
    return 1e3 * _median_time(train_step(lib, image_size, batch, device), repeat, sync)


def _torch_sync(torch, device: str):
    return torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)


def _torch_or_none(threads: int):
    """PyTorch on ``threads`` threads, or None where it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def train_step_report(threads: int, device: str = "cpu", repeat: int = 30) -> str:
    """The example's step time here and with PyTorch (where installed), digits and MNIST sizes.

    The two frameworks alternate step by step (``repeat`` steps each, medians), so that a busy
    shared machine slows both alike."""
    lines = [f"training step of examples/train_cnn.py's CNN (forward, loss, backward, Adam), {device}, "
             f"median of {repeat} alternating steps"]
    torch = _torch_or_none(threads)
    for image_size, batch, label in (((8, 8), 32, "digits 8x8, batch 32"),
                                     ((28, 28), 64, "MNIST 28x28, batch 64")):
        contenders = [(train_step(mt, image_size, batch, device), _sync_for(device))]
        if torch is not None:
            contenders.append((train_step(torch, image_size, batch, device), _torch_sync(torch, device)))
        times = [[] for _ in contenders]
        for _ in range(repeat):
            for (step, sync), took in zip(contenders, times):
                took.append(_median_time(step, 1, sync))
        ours = 1e3 * statistics.median(times[0])
        line = f"  {label:24} minitorch_conv {ours:7.2f} ms"
        if torch is not None:
            theirs = 1e3 * statistics.median(times[1])
            line += f"   PyTorch {theirs:7.2f} ms   ratio {theirs / ours:5.2f}x"
        lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the example, end to end
class _ExampleRun:
    """examples/train_cnn.py's training on the bundled digits, written once for both frameworks:
    the same model, data, split, batch (32, shuffled by a seeded generator), Adam at 3e-3 with a
    cosine schedule, label smoothing 0.1, and a full evaluation of the test set after every epoch.
    What the example adds around it (the progress bar, the checkpoint, the plots) is left out, so
    the two time the same work."""

    def __init__(self, lib, epochs: int, device: str = "cpu", seed: int = 0):
        from .vision.datasets import load_digits

        self.lib, self.epochs, self.seed = lib, epochs, seed
        lib.manual_seed(seed)
        self.train_set, self.test_set = (self._dataset(load_digits(train), device) for train in (True, False))
        self.model = _small_cnn(lib, (8, 8)).to(device)
        self.optimizer = lib.optim.Adam(self.model.parameters(), lr=3e-3)
        self.scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=epochs)
        self.criterion = lib.nn.CrossEntropyLoss(label_smoothing=0.1)
        self.accuracy = math.nan

    def _dataset(self, digits, device: str):
        images, labels = (self.lib.tensor(t.numpy(), device=device) for t in digits.tensors)
        return self.lib.utils.data.TensorDataset(images, labels)

    def epoch(self, number: int) -> None:
        lib, model = self.lib, self.model
        generator = lib.Generator()
        generator.manual_seed(self.seed * 100003 + number)
        model.train()
        batches = lib.utils.data.DataLoader(self.train_set, batch_size=32, shuffle=True, generator=generator)
        for x, y in batches:
            loss = self.criterion(model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self.scheduler.step()
        model.eval()
        correct = 0
        with lib.no_grad():
            for x, y in lib.utils.data.DataLoader(self.test_set, batch_size=512):
                correct += int((model(x).argmax(1) == y).sum().item())
        self.accuracy = correct / len(self.test_set)


def train_example_report(threads: int, epochs: int = 20, device: str = "cpu") -> str:
    """examples/train_cnn.py's training loop, ``epochs`` epochs on the digits, here and with PyTorch
    (where installed), the two alternating epoch by epoch so that a busy machine slows both alike."""
    torch = _torch_or_none(threads)
    runs = [("minitorch_conv", _ExampleRun(mt, epochs, device), _sync_for(device))]
    if torch is not None:
        runs.append(("PyTorch", _ExampleRun(torch, epochs, device), _torch_sync(torch, device)))
    seconds = [0.0] * len(runs)
    for number in range(epochs):
        for k, (_, run, sync) in enumerate(runs):
            start = time.perf_counter()
            run.epoch(number)
            sync()
            seconds[k] += time.perf_counter() - start
    lines = [f"examples/train_cnn.py's training loop, {epochs} epochs on the digits "
             f"(1438 images, batch 32, a test pass each epoch), {device}"]
    for (name, run, _), took in zip(runs, seconds):
        lines.append(f"  {name:15} {took:7.2f} s   final test accuracy {run.accuracy:.4f}")
    if len(runs) == 2:
        lines.append(f"  ratio (PyTorch's time / ours) {seconds[1] / seconds[0]:.2f}x")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the cost of one operation
def per_op_microseconds(lib, chain: int = 200, repeat: int = 30) -> dict[str, float]:
    """Microseconds per operation of a chain of ``chain`` multiplications on a 16-element tensor
    that requires grad: the framework's own overhead, the arithmetic being negligible.

    ``forward`` is one ``y = y * 1.0001`` recorded in the graph; ``backward`` the engine running its
    node; ``no_grad`` the same multiplication under ``no_grad`` (no graph). Best of ``repeat``.
    """
    x = lib.randn(16, requires_grad=True)
    best = {"forward": math.inf, "backward": math.inf, "no_grad": math.inf}
    for _ in range(repeat):
        start = time.perf_counter()
        y = x
        for _ in range(chain):
            y = y * 1.0001
        total = y.sum()
        recorded = time.perf_counter()
        total.backward()
        done = time.perf_counter()
        with lib.no_grad():
            plain = time.perf_counter()
            y = x
            for _ in range(chain):
                y = y * 1.0001
            unrecorded = time.perf_counter()
        x.grad = None
        best["forward"] = min(best["forward"], (recorded - start) / chain * 1e6)
        best["backward"] = min(best["backward"], (done - recorded) / chain * 1e6)
        best["no_grad"] = min(best["no_grad"], (unrecorded - plain) / chain * 1e6)
    return best


def per_op_report(threads: int, rounds: int = 3) -> str:
    """Per-operation overhead here and with PyTorch (where installed), alternating the two."""
    torch = _torch_or_none(threads)
    libs = [("minitorch_conv", mt)] + ([("PyTorch", torch)] if torch is not None else [])
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in libs}
    for _ in range(rounds):
        for name, lib in libs:
            results[name].append(per_op_microseconds(lib))
    lines = ["overhead per operation (y = y * 1.0001 on 16 elements), best of "
             f"{rounds} alternating rounds, microseconds"]
    for name, runs in results.items():
        best = {key: min(run[key] for run in runs) for key in runs[0]}
        lines.append(f"  {name:15} recorded {best['forward']:6.2f}   backward {best['backward']:6.2f}   "
                     f"no_grad {best['no_grad']:6.2f}")
    return "\n".join(lines)


def machine_description(threads: int, device: str) -> dict:
    import numpy

    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "minitorch_conv": mt.__version__,
        "threads": threads,
        "device": device,
        "cpus": os.cpu_count(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    try:
        import numba

        info["numba"] = numba.__version__
    except ImportError:
        pass
    return info


def format_table(report: dict) -> str:
    lines = []
    m = report["machine"]
    lines.append(
        f"# {m['platform']} | {m['processor']} | {m['threads']} threads | device {m['device']} | "
        f"Python {m['python']} | NumPy {m['numpy']}" + (f" | PyTorch {m['torch']}" if "torch" in m else "")
    )
    lines.append(
        f"# dtype {report['dtype']}; GEMM peak (np.matmul 1024^2) {report['gemm_peak_gflops']:.1f} GFLOP/s"
    )
    if report.get("numba_warm_up_s") is not None:
        lines.append(
            f"# Numba {m.get('numba', '')} kernels compiled or loaded from the disk cache in "
            f"{report['numba_warm_up_s']:.1f} s before timing (a first run on a machine compiles)"
        )
    compare = any("ratio" in r for r in report["results"])
    header = f"{'shape':44} {'fwd ms':>8} {'bwd ms':>8} {'f+b ms':>8} {'f+b GF/s':>9} {'%peak':>6}"
    if compare:
        header += f" {'torch f+b':>10} {'ratio f':>8} {'ratio b':>8} {'ratio f+b':>9}"
    if any("memory_mb" in r for r in report["results"]):
        header += f" {'mem MB':>7}" + (f" {'torch MB':>8}" if compare else "")
    lines.append(header)
    for r in report["results"]:
        o = r["ours"]
        line = (
            f"{r['shape']:44} {o['forward'] * 1e3:8.2f} {o['backward'] * 1e3:8.2f} {o['both'] * 1e3:8.2f} "
            f"{r['gflops']['both']:9.1f} {100 * r['peak_fraction']['both']:5.0f}%"
        )
        if "ratio" in r:
            line += (
                f" {r['torch']['both'] * 1e3:10.2f} {r['ratio']['forward']:7.2f}x "
                f"{r['ratio']['backward']:7.2f}x {r['ratio']['both']:8.2f}x"
            )
        if "memory_mb" in r:
            mem = r["memory_mb"]
            line += f" {mem:7.0f}" if mem is not None else f" {'?':>7}"
            if "torch_memory_mb" in r:
                tm = r["torch_memory_mb"]
                line += f" {tm:8.0f}" if tm is not None else f" {'?':>8}"
        lines.append(line)
    if report["summary"]:
        s = report["summary"]
        lines.append(
            f"geometric mean speed ratio (forward+backward, >1 means faster than PyTorch): "
            f"{s['geomean_ratio_both']:.2f}x; lowest {s['min_ratio_both']:.2f}x"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minitorch_conv.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "shapes", nargs="*", help="shapes N,C,H,W:O,k[,s[,p[,d[,g]]]] (default: the standard suite)"
    )
    parser.add_argument("--compare", choices=["torch"], help="time PyTorch's convolution too")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per phase (median)")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads for PyTorch (default: all usable cores)"
    )
    parser.add_argument(
        "--memory", action="store_true", help="also measure the peak memory one forward+backward adds"
    )
    parser.add_argument(
        "--memory-shape",
        action="store_true",
        help="bench only the memory shape (64,64,56,56)->64 k3 p1, with --memory",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--train-example", type=int, nargs="?", const=20, default=None, metavar="EPOCHS",
                        help="time examples/train_cnn.py's training loop on the digits, EPOCHS epochs "
                             "(default 20), beside the same loop in PyTorch")
    parser.add_argument("--train-step", action="store_true",
                        help="time one training step of examples/train_cnn.py's CNN (and PyTorch's)")
    parser.add_argument("--per-op", action="store_true",
                        help="the framework's overhead per operation, recorded, in backward and under "
                             "no_grad (and PyTorch's)")
    parser.add_argument("--distributed", nargs="?", const=2, type=int, metavar="RANKS",
                        help="data-parallel training step: RANKS ranks x 1 thread (mpiexec) against 1 rank "
                             "x RANKS threads, and the all-reduce's time (default 2 ranks)")
    parser.add_argument("--tf32", action="store_true",
                        help="on a GPU, let float32 GEMMs use TF32 (ours: backends.cuda.matmul."
                             "allow_tf32; PyTorch's cuDNN and cuBLAS likewise); off by default")
    args = parser.parse_args(argv)
    if args.tf32:
        mt.backends.cuda.matmul.allow_tf32 = True
    if args.distributed:
        from .distributed import benchmark

        print(benchmark.format_report(benchmark.report(ranks=args.distributed, steps=max(args.repeat, 20))))
        return 0
    if args.per_op:
        print(per_op_report(args.threads or 1))
        return 0
    threads = args.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                               else os.cpu_count())
    if args.train_example:
        print(train_example_report(threads, args.train_example, args.device))
        return 0
    if args.train_step:
        print(train_step_report(threads, args.device, max(args.repeat, 30)))
        return 0
    if args.memory_shape:
        shapes = [MEMORY_SHAPE]
        args.memory = True
    else:
        shapes = [parse_shape(s) for s in args.shapes] or STANDARD_SUITE
    report = run(
        shapes,
        device=args.device,
        dtype_name=args.dtype,
        repeat=args.repeat,
        compare_torch=args.compare == "torch",
        memory=args.memory,
        threads=args.threads,
    )
    if args.json:
        print(
            json.dumps(
                report,
                indent=2,
                default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else str(o),
            )
        )
    else:
        print(format_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
