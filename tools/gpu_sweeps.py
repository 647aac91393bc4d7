"""GPU checks that are not pytest tests, for tools/gpu_check.sh.

    python tools/gpu_sweeps.py gradcheck   [--device cuda]   # float64 gradcheck sweep, table + exit status
    python tools/gpu_sweeps.py determinism [--device cuda]   # prints one digest of a training run
    python tools/gpu_sweeps.py amp         [--device cuda]   # autocast dtypes + GradScaler vs PyTorch

``gradcheck`` runs ``mt.autograd.gradcheck`` (and ``gradgradcheck`` on a few) on convolution
geometries that exercise every GPU path: padding modes, stride, dilation, groups, depthwise,
transposed convolution, max-pool. Where PyTorch with CUDA is present, the outputs and gradients
are also compared with PyTorch's on the same device.

``determinism`` trains the example CNN for a few steps with deterministic algorithms on, and
prints a SHA-256 of every parameter's bytes: two runs must print the same digest.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

import numpy as np

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

# (name, input shape, weight shape, keyword arguments of conv2d)
CONV_CASES = [
    ("3x3 p1", (2, 3, 7, 6), (4, 3, 3, 3), {"padding": 1}),
    ("stride 2, dilation 2", (2, 3, 9, 8), (4, 3, 3, 3), {"stride": 2, "dilation": 2, "padding": 2}),
    ("groups 2", (2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ("depthwise", (2, 4, 6, 5), (4, 1, 3, 3), {"groups": 4, "padding": 1}),
    ("1x1", (2, 5, 4, 4), (3, 5, 1, 1), {}),
    ("padding same, 2x4", (1, 2, 6, 7), (3, 2, 2, 4), {"padding": "same"}),
    ("asymmetric kernel, stride (2, 1)", (2, 2, 7, 6), (3, 2, 3, 2), {"stride": (2, 1), "padding": (1, 0)}),
]


def _tensor(shape, device, seed):
    rng = np.random.default_rng(seed)
    return mt.tensor(rng.standard_normal(shape), dtype=mt.float64, device=device, requires_grad=True)


def gradcheck_sweep(device: str) -> int:
    try:
        import torch

        torch_ok = device.startswith("cuda") and torch.cuda.is_available()
    except ImportError:
        torch, torch_ok = None, False
    failures = 0
    print(f"{'case':40} gradcheck  gradgradcheck  max |ours - PyTorch|")
    for i, (name, xs, ws, kwargs) in enumerate(CONV_CASES):
        x, w, b = _tensor(xs, device, i), _tensor(ws, device, 100 + i), _tensor(ws[:1], device, 200 + i)

        def conv(x, w, b, kwargs=kwargs):
            return F.conv2d(x, w, b, **kwargs)

        first = bool(mt.autograd.gradcheck(conv, (x, w, b), raise_exception=False))
        second = bool(mt.autograd.gradgradcheck(conv, (x, w, b), raise_exception=False)) if i < 3 else None
        difference = "-"
        if torch_ok:
            ours = conv(x, w, b)
            upstream = mt.tensor(np.random.default_rng(300 + i).standard_normal(tuple(ours.shape)),
                                 dtype=mt.float64, device=device)
            grads = mt.autograd.grad(ours, (x, w, b), upstream)
            tx, tw, tb = (torch.tensor(t.detach().cpu().numpy(), device="cuda", requires_grad=True)
                          for t in (x, w, b))
            theirs = torch.nn.functional.conv2d(tx, tw, tb, **kwargs)
            their_grads = torch.autograd.grad(theirs, (tx, tw, tb),
                                              torch.tensor(upstream.cpu().numpy(), device="cuda"))
            pairs = [(ours, theirs), *zip(grads, their_grads)]
            largest = max(float(np.abs(a.detach().cpu().numpy() - t.detach().cpu().numpy()).max())
                          for a, t in pairs)
            difference = f"{largest:.2e}"
        ok = first and second is not False and (difference == "-" or float(difference) < 1e-9)
        failures += not ok
        print(f"{name:40} {str(first):10} {str(second):14} {difference}")
    x = _tensor((2, 3, 7, 7), device, 7)
    for name, fn in (
        ("conv_transpose2d stride 2", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1)),
        ("max_pool2d 3x3 s2 p1", lambda x, w: F.max_pool2d(x, 3, 2, 1) * w.sum()),
    ):
        w = _tensor((3, 2, 3, 3), device, 8)
        ok = bool(mt.autograd.gradcheck(fn, (x, w), raise_exception=False))
        failures += not ok
        print(f"{name:40} {str(ok):10}")
    print("FAILED" if failures else "all passed", f"({failures} failing)")
    return 1 if failures else 0


def determinism_digest(device: str) -> int:
    mt.use_deterministic_algorithms(True)
    mt.manual_seed(0)
    nn = mt.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, groups=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(16, 10),
    ).to(device)
    optimizer = mt.optim.Adam(model.parameters(), lr=1e-2)
    x = mt.randn(32, 1, 16, 16, device=device)
    y = mt.randint(0, 10, (32,), device=device)
    for _ in range(3):
        optimizer.zero_grad()
        mt.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    digest = hashlib.sha256()
    for name, p in model.state_dict().items():
        digest.update(name.encode())
        digest.update(p.cpu().numpy().tobytes())
    print(digest.hexdigest())
    return 0


def amp_check(device: str) -> int:
    """Autocast's dtypes and a GradScaler training loop on ``device``, against PyTorch's there."""
    try:
        import torch
    except ImportError:
        torch = None
    kind = device.split(":")[0]

    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(),
                                  lib.nn.Linear(4 * 6 * 6, 3)).to(device)
        optimizer = lib.optim.SGD(model.parameters(), lr=0.05)
        scaler = lib.amp.GradScaler(kind, init_scale=1024.0, growth_interval=2)
        x = lib.ones(4, 1, 8, 8, device=device)
        y = lib.tensor([0, 1, 2, 0], device=device)
        dtypes, scales = None, []
        for step in range(4):
            optimizer.zero_grad()
            with lib.autocast(kind, dtype=lib.float16):
                hidden = model[0](x)
                logits = model(x)
                loss = lib.nn.functional.cross_entropy(logits, y) * (float("inf") if step == 1 else 1.0)
                dtypes = [str(t.dtype).split(".")[-1] for t in (hidden, logits, logits.softmax(1), loss,
                                                                logits.sum(), logits.exp())]
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scales.append(scaler.get_scale())
        return dtypes, scales, model[3].weight.grad.dtype

    ours = run(mt)
    print("minitorch_conv:", ours)
    if torch is None or not torch.cuda.is_available():
        return 0
    theirs = run(torch)
    print("PyTorch:       ", theirs)
    same = ours[0] == theirs[0] and ours[1] == theirs[1]
    print("autocast dtypes and scaler scales agree" if same else "MISMATCH")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=["gradcheck", "determinism", "amp"])
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not mt.cuda.is_available():
        print("no CUDA GPU usable by CuPy here", file=sys.stderr)
        return 2
    checks = {"gradcheck": gradcheck_sweep, "determinism": determinism_digest, "amp": amp_check}
    return checks[args.check](args.device)


if __name__ == "__main__":
    sys.exit(main())
