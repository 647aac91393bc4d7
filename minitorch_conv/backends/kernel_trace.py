"""Which kernel ran, and why: ``mt.backends.explain()``.

A convolution can run four ways: **im2col+GEMM** (the general path), **direct** (no columns:
depthwise convolutions everywhere, and with Numba small stride-1 ones), **pointwise** (a 1x1 kernel
is a plain GEMM per image) and **subsampled** (a strided convolution that reads only every s-th
pixel, run as a stride-1 one over those pixels, then one of the others). Inside
``with mt.backends.explain():`` every convolution kernel (forward, input gradient, weight
gradient) prints the path it took and the reason, and kernels swapped in with
``mt.backends.override`` say so. Outside, the kernels pay one flag check. Setting the
environment variable ``MINITORCH_CONV_EXPLAIN=1`` before the import turns it on for the whole
program (lines to standard error), without touching the code.

>>> import minitorch_conv as mt
>>> import minitorch_conv.nn.functional as F
>>> x, w = mt.randn(2, 8, 6, 6), mt.randn(16, 8, 1, 1)
>>> with mt.backends.explain():
...     y = F.conv2d(x, w, stride=2)
conv2d forward: x (2, 8, 6, 6), W (16, 8, 1, 1), stride 2
  -> subsampled: a 1x1 kernel: only every 2nd row and column is read; stride 1 over them
  -> pointwise: 1x1, stride 1, no padding, one group: the image is its columns
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO

tracing = False
"""True inside :func:`explain`: the one thing the kernels check before describing themselves."""

_sinks: list[tuple[TextIO | None, list[str] | None]] = []
_continuing = [False]  # the next path continues a subsampled one: no new header

if os.environ.get("MINITORCH_CONV_EXPLAIN", "") not in ("", "0"):
    _sinks.append((sys.stderr, None))  # the whole program, printed, nothing collected
    tracing = True


@contextlib.contextmanager
def explain(file: TextIO | None = None):
    """Print, for each convolution kernel that runs inside the block, the path it takes and why.

    Each kernel gets a header line (which kernel, the shapes, the geometry) and a line per path:
    ``-> im2col+GEMM``, ``-> direct``, ``-> pointwise``, ``-> subsampled`` (then the path of the
    stride-1 convolution it becomes), or ``-> yours`` for a kernel swapped in with
    ``mt.backends.override``. Lines go to ``file`` (default: standard output); the context manager
    also yields them as a list of strings, one per kernel.

    >>> import minitorch_conv as mt
    >>> import minitorch_conv.nn.functional as F
    >>> with mt.backends.explain(file=False) as lines:  # file=False: collect, print nothing
    ...     _ = F.conv2d(mt.randn(1, 3, 8, 8), mt.randn(3, 1, 3, 3), groups=3)
    >>> print(lines[0])
    conv2d forward: x (1, 3, 8, 8), W (3, 1, 3, 3), stride 1, groups 3
      -> direct: depthwise (one channel per group): kh*kw shifted multiply-adds
    """
    global tracing
    collected: list[str] = []
    _sinks.append((file, collected))
    tracing = True
    try:
        yield collected
    finally:
        del _sinks[next(i for i, (_, lines) in enumerate(_sinks) if lines is collected)]
        tracing = bool(_sinks)
        _continuing[0] = False


def _emit(header: str | None, path_line: str) -> None:
    for file, collected in _sinks:
        if collected is None:
            pass
        elif header is not None:
            collected.append(header + "\n" + path_line)
        elif collected:
            collected[-1] += "\n" + path_line
        else:
            collected.append(path_line)
        if file is False:
            continue
        out = sys.stdout if file is None else file
        if header is not None:
            print(header, file=out)
        print(path_line, file=out)


_KERNELS = {"forward": ("conv2d forward", "x", "W"), "input grad": ("conv2d input grad", "dx", "W"),
            "weight grad": ("conv2d weight grad", "x", "dW")}


def _fmt_pair(value) -> str:
    a, b = value
    return str(a) if a == b else f"({a}, {b})"


def _header(kernel: str, image_shape, weight_shape, params) -> str:
    title, image_name, weight_name = _KERNELS[kernel]
    parts = [f"{title}: {image_name} {tuple(image_shape)}, {weight_name} {tuple(weight_shape)}",
             f"stride {_fmt_pair(params.stride)}"]
    pt, pb, pl, pr = params.padding
    if pt or pb or pl or pr:
        parts.append(f"padding {_fmt_pair((pt, pl))}" if (pt, pl) == (pb, pr) else
                     f"padding (top {pt}, bottom {pb}, left {pl}, right {pr})")
    if tuple(params.dilation) != (1, 1):
        parts.append(f"dilation {_fmt_pair(params.dilation)}")
    if params.groups != 1:
        parts.append(f"groups {params.groups}")
    return ", ".join(parts)


def note(kernel: str, path: str, backend, image_shape, weight_shape, params, dtype) -> None:
    """Describe the path ``kernel`` ('forward', 'input grad', 'weight grad') takes.

    ``image_shape`` is the convolution's input (N, C, H, W) and ``weight_shape`` its weight, for
    every kernel; ``path`` is 'subsampled', 'direct', 'pointwise', 'im2col+GEMM' or "forward's
    columns" (the weight gradient on the columns its forward kept); ``dtype`` the
    arrays' (NumPy) dtype.
    """
    header = None if _continuing[0] else _header(kernel, image_shape, weight_shape, params)
    _continuing[0] = path == "subsampled"
    (kh, kw), (sh, sw), C = weight_shape[2:], params.stride, image_shape[1]
    if path == "subsampled":
        shape = "a 1x1 kernel" if (kh, kw) == (1, 1) else "the stride divides the dilation"
        why = f"{shape}: only every {_ordinal(sh, sw)} row and column is read; stride 1 over them"
    elif path == "pointwise":
        why = "1x1, stride 1, no padding, one group: the image is its columns"
    elif path == "forward's columns":
        why = "dW = dy · cols^T on the columns the forward's im2col built (kept: they were small)"
    else:
        from ..ops.window import conv_output_size  # (ops import backends: imported when tracing)

        out_size = conv_output_size(image_shape[2:], (kh, kw), params)
        _, reason = backend.explain_direct(C, params.groups, (kh, kw), params.stride, dtype, out_size)
        why = reason if path == "direct" else f"not direct: {reason}"
    _emit(header, f"  -> {path}: {why}")


def _ordinal(sh: int, sw: int) -> str:
    def one(n: int) -> str:
        return f"{n}{'nd' if n % 10 == 2 and n != 12 else 'rd' if n % 10 == 3 and n != 13 else 'th'}"

    return one(sh) if sh == sw else f"{one(sh)}/{one(sw)}"


def overridden(kernel: str, name: str, image_shape, weight_shape, params) -> None:
    """Describe a kernel that ran a function swapped in with ``mt.backends.override(name, ...)``."""
    if not tracing:
        return
    header = None if _continuing[0] else _header(kernel, image_shape, weight_shape, params)
    _continuing[0] = False
    if name in ("im2col", "col2im"):
        ours = "our GEMMs" if name == "im2col" else "our W^T dy"
        why = f"your {name} (mt.backends.override), with {ours}"
        path = "im2col+GEMM" if name == "im2col" else "col2im+GEMM"
    else:
        why, path = f"your {name} (mt.backends.override)", "yours"
    _emit(header, f"  -> {path}: {why}")
