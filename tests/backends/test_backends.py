"""Devices, dtypes and backends: parsing, GPU detection, the generator, and the convolution
kernels every backend shares (im2col and its adjoint col2im)."""

from __future__ import annotations

import copy
import pathlib
import re
import types

import numpy as np
import pytest
from helpers import FAST
from hypothesis import given
from hypothesis import strategies as st

import minitorch_conv as mt
from minitorch_conv import backends
from minitorch_conv.backends import cupy_backend


# ---------------------------------------------------------------------------- devices
@pytest.mark.parametrize("spec, kind, index, text", [
    ("cpu", "cpu", None, "cpu"),
    ("cuda", "cuda", None, "cuda"),
    ("cuda:1", "cuda", 1, "cuda:1"),
    (2, "cuda", 2, "cuda:2"),
])
def test_device_parsing(spec, kind, index, text):
    d = mt.device(spec)
    assert d.type == kind and d.index == index and str(d) == text
    assert mt.device(d) == d and hash(mt.device(d)) == hash(d)


def test_device_equality_and_repr_match_torch():
    assert mt.device("cuda") == mt.device("cuda:0") == "cuda:0"
    assert mt.device("cpu") == "cpu" and mt.device("cpu") != mt.device("cuda")
    assert mt.device("cuda", 1) == mt.device("cuda:1")
    torch = pytest.importorskip("torch")
    for spec in ("cpu", "cuda", "cuda:1"):
        assert repr(mt.device(spec)) == repr(torch.device(spec))


def test_bad_devices():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        mt.device("tpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        mt.device("cuda:x")
    with pytest.raises(TypeError, match="device must be a string"):
        mt.device(1.5)


def test_cpu_backend():
    b = backends.get_backend("cpu")
    assert b is backends.get_backend() is backends.get_backend(mt.device("cpu"))
    assert b.xp is np and b.device == mt.device("cpu")
    assert backends.backend_of_array(np.zeros(2)) is b
    assert backends.is_array(np.zeros(2)) and not backends.is_array([1.0])
    assert mt.ones(2).backend is b and mt.ones(2).xp is np


def test_cuda_detection_agrees_with_itself():
    available = mt.cuda.is_available()
    assert isinstance(available, bool)
    assert available == (mt.cuda.device_count() > 0)
    if not available:
        with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
            backends.get_backend("cuda")
    mt.cuda.synchronize()  # a no-op without a GPU


def test_cuda_is_available_needs_a_usable_gpu_not_just_an_import(monkeypatch):
    """CuPy imports on machines without a driver: only cupy.is_available() counts."""
    without_driver = types.SimpleNamespace(is_available=lambda: False)
    monkeypatch.setattr(cupy_backend, "cupy", without_driver)
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0

    def broken():
        raise RuntimeError("CUDA driver version is insufficient")

    monkeypatch.setattr(cupy_backend, "cupy", types.SimpleNamespace(is_available=broken))
    assert mt.cuda.is_available() is False
    monkeypatch.setattr(cupy_backend, "cupy", None)
    assert mt.cuda.is_available() is False


def test_only_backends_import_numpy_or_cupy():
    """The core modules reach NumPy and CuPy through a backend, never by importing them."""
    root = pathlib.Path(mt.__file__).parent
    core = [root / "tensor.py", root / "creation.py", root / "cuda.py", root / "__init__.py",
            *sorted((root / "autograd").glob("*.py")),
            *[root / "ops" / f"{name}.py" for name in
              ("__init__", "_util", "elementwise", "reduction", "shape", "linalg", "conversion", "methods",
               "conv", "conv_args", "conv_dispatch", "window", "pool", "loss", "embedding")]]
    pattern = re.compile(r"^\s*(import|from)\s+(numpy|cupy)\b", re.MULTILINE)
    offenders = [p.name for p in core if pattern.search(p.read_text())]
    assert offenders == []


# ---------------------------------------------------------------------------- dtypes
def test_dtypes():
    assert mt.float32 is mt.float and mt.float64 is mt.double and mt.int64 is mt.long
    assert mt.float16 is mt.half and repr(mt.bool) == "minitorch_conv.bool"
    assert mt.float32.is_floating_point and not mt.int64.is_floating_point
    assert mt.float64.itemsize == 8 and mt.bool.itemsize == 1
    to_dtype = backends.to_dtype
    for value in ("float64", "double", np.float64, np.dtype("float64"), mt.float64, np.dtype(">f8")):
        assert to_dtype(value) is mt.float64
    assert to_dtype("float") is mt.float32 and to_dtype(bool) is mt.bool
    with pytest.raises(TypeError, match="unsupported dtype"):
        to_dtype(np.complex128)
    with pytest.raises(TypeError, match="dtype must be"):
        to_dtype("not a dtype")
    assert copy.deepcopy(mt.float32) is mt.float32
    assert backends.promote_types(mt.int32, mt.int64) is mt.int64
    assert backends.promote_types(mt.float32, mt.float64) is mt.float64


def test_dtype_names_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"):
        assert repr(getattr(mt, name)).split(".")[1] == repr(getattr(torch, name)).split(".")[1]


# ---------------------------------------------------------------------------- generator
def test_manual_seed_reseeds_every_backend(device):
    b = backends.get_backend(device)
    mt.manual_seed(7)
    first = b.to_numpy(b.rng.random(4))
    mt.manual_seed(7)
    np.testing.assert_array_equal(b.to_numpy(b.rng.random(4)), first)
    mt.cuda.manual_seed(7)
    np.testing.assert_array_equal(b.to_numpy(b.rng.random(4)), first)


# ---------------------------------------------------------------------------- conv kernels
def _out_size(size, k, s, d):
    return (size - d * (k - 1) - 1) // s + 1


def _naive_im2col(x, k, s, d, out):
    N, C = x.shape[:2]
    cols = np.zeros((N, C, k[0], k[1], out[0], out[1]), dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            for y in range(out[0]):
                for z in range(out[1]):
                    cols[:, :, i, j, y, z] = x[:, :, y * s[0] + i * d[0], z * s[1] + j * d[1]]
    return cols


@FAST
@given(k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       extra=st.tuples(st.integers(0, 4), st.integers(0, 4)),
       seed=st.integers(0, 2**16))
def test_im2col_gathers_patches_and_col2im_is_its_adjoint(k, s, d, extra, seed):
    """<im2col(x), c> == <x, col2im(c)>: the reason col2im is the input gradient of a conv."""
    rng = np.random.default_rng(seed)
    size = tuple(d_ * (k_ - 1) + 1 + e for k_, d_, e in zip(k, d, extra))
    out = tuple(_out_size(n, k_, s_, d_) for n, k_, s_, d_ in zip(size, k, s, d))
    x = rng.standard_normal((2, 3, *size))
    backend = backends.get_backend("cpu")
    cols = backend.im2col(x, k, s, d, out)
    np.testing.assert_array_equal(cols, _naive_im2col(x, k, s, d, out))
    c = rng.standard_normal(cols.shape)
    back = backend.col2im(c, size, s, d)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-10)


def test_conv_kernels_agree_across_devices(device, rng):
    backend = backends.get_backend(device)
    x = rng.standard_normal((2, 2, 7, 6))
    k, s, d, out = (3, 2), (2, 1), (1, 2), (3, 4)
    cols = backend.im2col(backend.asarray(x), k, s, d, out)
    np.testing.assert_allclose(backend.to_numpy(cols), _naive_im2col(x, k, s, d, out))
    c = rng.standard_normal(cols.shape)
    back = backend.to_numpy(backend.col2im(backend.asarray(c), (7, 6), s, d))
    np.testing.assert_allclose(np.sum(_naive_im2col(x, k, s, d, out) * c), np.sum(x * back), rtol=1e-10)


def test_tf32_flag_defaults_off_and_round_trips():
    flags = mt.backends.cuda.matmul
    assert flags.allow_tf32 is False
    flags.allow_tf32 = True
    try:
        assert flags.allow_tf32 is True
    finally:
        flags.allow_tf32 = False


def test_deterministic_mode_allows_every_cpu_path_and_refuses_gpu_scatter_add(monkeypatch):
    from minitorch_conv.backends import alert_not_deterministic

    mt.use_deterministic_algorithms(True)
    try:
        assert mt.are_deterministic_algorithms_enabled()
        x = mt.randn(2, 3, 6, 6, dtype=mt.float64, requires_grad=True)
        w = mt.randn(4, 3, 3, 3, dtype=mt.float64, requires_grad=True)
        mt.nn.functional.conv2d(x, w, padding=1)[:, :, [0, 0, 1]].sum().backward()
        first = (x.grad.numpy().copy(), w.grad.numpy().copy())
        x.grad = w.grad = None
        mt.nn.functional.conv2d(x, w, padding=1)[:, :, [0, 0, 1]].sum().backward()
        assert (x.grad.numpy() == first[0]).all() and (w.grad.numpy() == first[1]).all()
        with pytest.raises(RuntimeError, match="does not have a deterministic implementation"):
            alert_not_deterministic("scatter-add", "cuda:0")
        mt.use_deterministic_algorithms(True, warn_only=True)
        with pytest.warns(UserWarning, match="deterministic"):
            alert_not_deterministic("scatter-add", "cuda:0")
    finally:
        mt.use_deterministic_algorithms(False)
    alert_not_deterministic("scatter-add", "cuda:0")  # off again: no error


# ---------------------------------------------------------------------------- GPU-path contracts
_TWO_GPUS = pytest.mark.skipif(mt.cuda.device_count() < 2, reason="needs two CUDA GPUs")


@pytest.mark.parametrize("padding, k, s, d", [((1, 2, 0, 1), (3, 1), (2, 1), (1, 1)),
                                              ((0, 0, 0, 0), (1, 1), (1, 1), (1, 1)),
                                              ((2, 0, 1, 1), (2, 3), (1, 2), (2, 1))])
def test_gemm_layout_kernels_match_the_padded_naive_columns(device, rng, padding, k, s, d):
    """im2col_gemm (C, kh, kw, N, Ho, Wo) with asymmetric padding, and col2im_gemm its adjoint:
    what the GPU's raw kernels (strided views, size-1 axes) must reproduce."""
    backend = backends.get_backend(device)
    x = rng.standard_normal((2, 3, 5, 4))
    pt, pb, pl, pr = padding
    xpad = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    out = tuple(_out_size(n, k_, s_, d_) for n, k_, s_, d_ in zip(xpad.shape[2:], k, s, d))
    expected = _naive_im2col(xpad, k, s, d, out).transpose(1, 2, 3, 0, 4, 5)
    cols = backend.im2col_gemm(backend.asarray(x), k, s, padding, d, out)
    assert cols.shape == expected.shape
    np.testing.assert_allclose(backend.to_numpy(cols), expected)
    c = rng.standard_normal(expected.shape)
    back = backend.to_numpy(backend.col2im_gemm(backend.asarray(c), (5, 4), s, (pt, pl), d))
    np.testing.assert_allclose(np.sum(expected * c), np.sum(x * back), rtol=1e-10)


def test_randperm_is_a_seeded_permutation_on_every_device(device):
    mt.manual_seed(3)
    first = mt.randperm(50, device=device)
    assert first.dtype is mt.int64 and first.device == mt.device(device)
    assert sorted(first.tolist()) == list(range(50))
    mt.manual_seed(3)
    assert mt.randperm(50, device=device).tolist() == first.tolist()
    if device == "cpu":  # the CPU draws exactly NumPy's permutation from the seeded PCG64
        assert first.tolist() == np.random.Generator(np.random.PCG64(3)).permutation(50).tolist()


def test_functions_run_forward_and_backward_with_their_device_current(monkeypatch):
    """CuPy allocates on the *current* GPU, so each op must make its tensors' device current."""
    import contextlib

    entered = []

    @contextlib.contextmanager
    def recording_context(self):
        entered.append(self.device)
        yield

    class Twice(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(("forward", len(entered)))
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            seen.append(("backward", len(entered)))
            return grad * 2

    seen = []
    x = mt.ones(3, requires_grad=True)
    monkeypatch.setattr(backends.NumpyBackend, "device_context", recording_context)
    Twice.apply(x).sum().backward()
    assert [kind for kind, depth in seen if depth > 0] == ["forward", "backward"]
    assert set(entered) == {mt.device("cpu")}


def test_tf32_switch_touches_no_cupy_without_a_usable_gpu(monkeypatch):
    import warnings

    monkeypatch.setattr(cupy_backend, "cupy", types.SimpleNamespace())  # imported, but no GPU
    monkeypatch.setattr(cupy_backend, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.backends.cuda.matmul.allow_tf32 = True
        mt.backends.cuda.matmul.allow_tf32 = False


@pytest.mark.skipif(not mt.cuda.is_available(), reason="no CUDA GPU available")
def test_tf32_flag_reaches_cupys_float32_compute_type():
    from cupy._core import _routines_linalg as linalg

    flags = mt.backends.cuda.matmul
    try:
        flags.allow_tf32 = True  # before Ampere CuPy warns and keeps the default
        assert linalg.get_compute_type(np.float32) in (linalg.COMPUTE_TYPE_TF32,
                                                       linalg.COMPUTE_TYPE_DEFAULT)
    finally:
        flags.allow_tf32 = False
    assert linalg.get_compute_type(np.float32) == linalg.COMPUTE_TYPE_DEFAULT


@_TWO_GPUS
def test_work_on_the_second_gpu_stays_there():
    def on_gpu_1(t):
        return t.device == mt.device("cuda:1") and t.array.device.id == 1

    x = mt.randn(2, 3, 8, 8, device="cuda:1", requires_grad=True)
    w = mt.randn(4, 3, 3, 3, device="cuda:1", requires_grad=True)
    y = mt.nn.functional.dropout(mt.nn.functional.conv2d(x, w, padding=1), 0.5)
    y.sum().backward()
    assert all(on_gpu_1(t) for t in (x, w, y, x.grad, w.grad))
    moved = mt.randn(3, device="cuda:0").to("cuda:1")
    assert on_gpu_1(moved) and on_gpu_1(moved.to(mt.float64)) and on_gpu_1(copy.deepcopy(moved))
    assert on_gpu_1(mt.randperm(5, device="cuda:1")) and on_gpu_1(x.new_zeros(2))
    assert on_gpu_1(mt.ones(3).to("cuda:1", mt.float64))


@pytest.mark.parametrize("preset", [None, "7"])
def test_importing_first_shortens_openblas_spinning_unless_the_user_chose(preset):
    """OPENBLAS_THREAD_TIMEOUT is set before NumPy loads OpenBLAS; a value already set wins."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if preset is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = preset
    code = "import minitorch_conv, os; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == (preset or "20")
