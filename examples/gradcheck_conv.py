"""Check the convolution's backward numerically, configuration by configuration.

For each conv2d / conv_transpose2d configuration (strides, paddings, padding modes, dilations,
groups, with and without bias), this script runs, in float64:
- ``gradcheck`` in slow mode (every Jacobian element),
- ``gradcheck`` in fast mode (random projections ``v^T J u``),
- ``gradgradcheck`` (fast mode), which checks the backward's own backward.
It then prints a table: pass/fail for each check, the largest ``|analytical - numerical|`` over
the input, weight and bias Jacobians, and the largest error as a fraction of the tolerance
(``atol + rtol * |numerical|``; a check passes up to 1). It exits with status 1 if a check fails.

Run it with ``python examples/gradcheck_conv.py``.
"""

from __future__ import annotations

import sys
import time

import minitorch_conv as mt
import minitorch_conv.nn as nn
import minitorch_conv.nn.functional as F
from minitorch_conv.autograd.gradcheck import GradcheckError, jacobian_errors


def rand(*shape):
    return mt.randn(*shape, dtype=mt.float64, requires_grad=True)


def functional_case(op, x_shape, w_shape, bias=True, **kwargs):
    """A function of (x, w[, b]) calling F.<op> with ``kwargs``, and its float64 inputs."""
    conv = getattr(F, op)
    inputs = (rand(*x_shape), rand(*w_shape))
    if bias:
        out_channels = w_shape[0] if op == "conv2d" else w_shape[1] * kwargs.get("groups", 1)
        inputs += (rand(out_channels),)
    return (lambda *args: conv(*args, **kwargs)), inputs


def padded_case(mode, pads, x_shape, w_shape, **kwargs):
    """F.pad in ``mode`` followed by an unpadded conv2d: how the module implements padding modes."""
    inputs = (rand(*x_shape), rand(*w_shape), rand(w_shape[0]))
    return (lambda x, w, b: F.conv2d(F.pad(x, pads, mode=mode), w, b, **kwargs)), inputs


def module_case(module, x_shape):
    """A float64 module; its weight and bias are passed as inputs so that gradcheck checks them too.

    gradcheck perturbs each input in place, so perturbing ``module.weight`` changes what the module
    computes even though the function only reads it through the module.
    """
    params = tuple(p for p in (module.weight, module.bias) if p is not None)
    return (lambda x, *_params: module(x)), (rand(*x_shape),) + params


def configurations():
    mt.manual_seed(0)
    x = (1, 2, 5, 5)
    c2 = "conv2d"
    ct = "conv_transpose2d"
    yield c2, "plain 3x3", functional_case(c2, x, (3, 2, 3, 3))
    yield c2, "no bias", functional_case(c2, x, (3, 2, 3, 3), bias=False)
    yield c2, "stride=2", functional_case(c2, x, (3, 2, 3, 3), stride=2)
    yield c2, "stride=(2, 1), padding=(1, 0)", functional_case(c2, x, (3, 2, 3, 3), stride=(2, 1),
                                                               padding=(1, 0))
    yield c2, "padding=2", functional_case(c2, x, (3, 2, 3, 3), padding=2)
    yield c2, "dilation=2", functional_case(c2, x, (3, 2, 2, 2), dilation=2)
    yield c2, "stride=2, padding=1, dilation=2", functional_case(c2, x, (3, 2, 3, 3), stride=2,
                                                                 padding=1, dilation=2)
    yield c2, "kernel (3, 2), padding='same'", functional_case(c2, x, (3, 2, 3, 2), padding="same")
    yield c2, "padding='valid'", functional_case(c2, x, (3, 2, 3, 3), padding="valid")
    yield c2, "groups=2", functional_case(c2, (1, 4, 5, 5), (4, 2, 3, 3), groups=2)
    yield c2, "groups=2, padding='same'", functional_case(c2, (1, 4, 4, 4), (4, 2, 3, 3), groups=2,
                                                          padding="same")
    yield c2, "depthwise (groups=C)", functional_case(c2, (1, 3, 5, 5), (6, 1, 3, 3), groups=3, padding=1)
    yield c2, "1x1 kernel", functional_case(c2, (2, 3, 4, 4), (2, 3, 1, 1))
    yield c2, "batch 2, kernel as large as the image", functional_case(c2, (2, 2, 5, 5), (2, 2, 5, 5))
    for mode in ("reflect", "replicate", "circular"):
        yield c2, f"F.pad mode={mode!r}, stride=2", padded_case(mode, (1, 2, 2, 1), x, (3, 2, 3, 3),
                                                                stride=2)
    for mode in ("zeros", "reflect", "replicate", "circular"):
        module = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode, dtype=mt.float64)
        yield c2, f"nn.Conv2d padding_mode={mode!r}", module_case(module, x)
    yield c2, "nn.Conv2d groups=2, stride=2", module_case(
        nn.Conv2d(4, 2, 3, stride=2, groups=2, padding=1, dtype=mt.float64), (1, 4, 5, 5))

    x = (1, 2, 4, 4)
    yield ct, "plain 3x3", functional_case(ct, x, (2, 3, 3, 3))
    yield ct, "no bias", functional_case(ct, x, (2, 3, 3, 3), bias=False)
    yield ct, "stride=2", functional_case(ct, x, (2, 3, 3, 3), stride=2)
    yield ct, "stride=2, padding=1, output_padding=1", functional_case(ct, x, (2, 3, 3, 3), stride=2,
                                                                       padding=1, output_padding=1)
    yield ct, "stride=(1, 2), padding=(0, 1)", functional_case(ct, x, (2, 3, 3, 2), stride=(1, 2),
                                                               padding=(0, 1))
    yield ct, "dilation=2", functional_case(ct, x, (2, 3, 2, 2), dilation=2)
    yield ct, "groups=2", functional_case(ct, x, (2, 2, 3, 3), groups=2)
    yield ct, "groups=2, stride=2, dilation=2", functional_case(ct, x, (2, 1, 3, 3), groups=2, stride=2,
                                                                dilation=2)
    yield ct, "nn.ConvTranspose2d stride=2", module_case(
        nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1, dtype=mt.float64), x)


def run_check(check, *args, **kwargs) -> str:
    try:
        check(*args, **kwargs)
    except GradcheckError as err:
        return "FAIL: " + str(err).splitlines()[0]
    return "pass"


def main() -> int:
    header = (f"{'op':<17}{'configuration':<40}{'slow':>6}{'fast':>6}{'gradgrad':>10}"
              f"{'max |a - n|':>13}{'max err/tol':>13}{'time':>8}")
    print(header)
    print("-" * len(header))
    failures = []
    total = time.perf_counter()
    for op, name, (func, inputs) in configurations():
        start = time.perf_counter()
        results = [
            run_check(mt.autograd.gradcheck, func, inputs),
            run_check(mt.autograd.gradcheck, func, inputs, fast_mode=True),
            run_check(mt.autograd.gradgradcheck, func, inputs, fast_mode=True),
        ]
        errors = jacobian_errors(func, inputs)
        worst_abs = max(e.max_abs_error for e in errors)
        worst_ratio = max(e.tolerance_ratio for e in errors)
        elapsed = time.perf_counter() - start
        marks = ["pass" if r == "pass" else "FAIL" for r in results]
        print(f"{op:<17}{name:<40}{marks[0]:>6}{marks[1]:>6}{marks[2]:>10}"
              f"{worst_abs:>13.2e}{worst_ratio:>13.2e}{elapsed:>7.2f}s")
        failures += [f"{op} {name}: {r}" for r in results if r != "pass"]
    print("-" * len(header))
    print(f"{len(failures)} failing checks; total time {time.perf_counter() - total:.1f} s")
    for line in failures:
        print("  " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
