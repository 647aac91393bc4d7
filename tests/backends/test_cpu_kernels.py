"""The CPU kernels: the GEMM column layout, Numba's depthwise kernels against the pure-NumPy ones,
and each fast conv path against the general one.

Both kernel sets must agree on every geometry: stride, asymmetric padding, dilation, a kernel
larger than the padding, output positions fewer than the image allows, channel multipliers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv.backends import numba_kernels
from minitorch_conv.backends.base import Backend
from minitorch_conv.ops import conv as conv_ops
from minitorch_conv.ops import conv_dispatch

needs_numba = pytest.mark.skipif(not numba_kernels.AVAILABLE, reason="numba is not installed")


@pytest.fixture
def cpu():
    backend = mt.backends.get_backend("cpu")
    previous = backend.use_numba
    yield backend
    backend.use_numba = previous


def both_kernel_sets(backend, method, *args):
    """The result of ``method`` with the Numba kernels and with the NumPy ones (base class)."""
    backend.use_numba = True
    fast = getattr(backend, method)(*args)
    pure = getattr(Backend, method)(backend, *args)
    return fast, pure


geometry = st.fixed_dictionaries({
    "n": st.integers(1, 3), "c": st.integers(1, 4), "h": st.integers(1, 7), "w": st.integers(1, 7),
    "kh": st.integers(1, 3), "kw": st.integers(1, 3), "sh": st.integers(1, 3), "sw": st.integers(1, 3),
    "dh": st.integers(1, 2), "dw": st.integers(1, 2),
    "pad": st.tuples(*[st.integers(0, 2)] * 4), "dtype": st.sampled_from([np.float32, np.float64]),
})


def _out_size(g):
    pt, pb, pl, pr = g["pad"]
    ho = (g["h"] + pt + pb - g["dh"] * (g["kh"] - 1) - 1) // g["sh"] + 1
    wo = (g["w"] + pl + pr - g["dw"] * (g["kw"] - 1) - 1) // g["sw"] + 1
    return ho, wo


@settings(max_examples=60, deadline=None)
@given(geometry)
def test_gemm_layout_columns_are_the_unfold_columns_and_col2im_is_their_adjoint(g):
    """cols_gemm (C, kh, kw, N, Ho, Wo) holds exactly the (N, C, kh, kw, Ho, Wo) im2col entries."""
    ho, wo = _out_size(g)
    if ho < 1 or wo < 1:
        return
    backend = mt.backends.get_backend("cpu")
    rng = np.random.default_rng(0)
    image = rng.standard_normal((g["n"], g["c"], g["h"], g["w"])).astype(g["dtype"])
    pt, pb, pl, pr = g["pad"]
    padded = np.pad(image, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    kernel, stride, dilation = (g["kh"], g["kw"]), (g["sh"], g["sw"]), (g["dh"], g["dw"])
    cols = backend.im2col_gemm(image, kernel, stride, g["pad"], dilation, (ho, wo))
    assert cols.dtype == g["dtype"] and cols.shape == (g["c"], *kernel, g["n"], ho, wo)
    reference = backend.im2col(padded, kernel, stride, dilation, (ho, wo))
    np.testing.assert_array_equal(cols, reference.transpose(1, 2, 3, 0, 4, 5))

    upstream = rng.standard_normal(cols.shape)
    back = backend.col2im_gemm(upstream, (g["h"], g["w"]), stride, (pt, pl), dilation)
    assert back.shape == image.shape and back.flags.c_contiguous
    lhs = float((cols.astype(np.float64) * upstream).sum())
    rhs = float((image.astype(np.float64) * back).sum())
    assert lhs == pytest.approx(rhs, rel=1e-5, abs=1e-5)


@needs_numba
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(geometry)
def test_numba_col2im_sums_what_the_numpy_one_sums(cpu, g):
    """The Numba col2im (one pass per image plane) against base.py's kh*kw strided adds, every
    stride, dilation and padding, float32 and float64."""
    ho, wo = _out_size(g)
    if ho < 1 or wo < 1:
        return
    pt, _, pl, _ = g["pad"]
    cols = np.random.default_rng(2).standard_normal((g["c"], g["kh"], g["kw"], g["n"], ho, wo))
    fast, pure = both_kernel_sets(cpu, "col2im_gemm", cols.astype(g["dtype"]), (g["h"], g["w"]),
                                  (g["sh"], g["sw"]), (pt, pl), (g["dh"], g["dw"]))
    assert fast.dtype == pure.dtype == g["dtype"] and fast.flags.c_contiguous
    tol = dict(rtol=1e-5, atol=1e-5) if g["dtype"] == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast, pure, **tol)


def _dispatched_kernels(backend, image, weight, grad_output, kernel, params, image_size):
    """Forward, input gradient and weight gradient as the Functions run them (ops/conv_dispatch.py)."""
    return (conv_dispatch.conv2d(conv_ops.conv2d_array, backend, image, weight, params),
            conv_dispatch.conv2d_input_grad(conv_ops.conv_transpose2d_array, backend, grad_output, weight,
                                            params, image_size),
            conv_dispatch.conv2d_weight_grad(conv_ops.conv2d_weight_grad_array, backend, image, grad_output,
                                             kernel, params))


@needs_numba
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(geometry, st.integers(1, 3))
def test_depthwise_kernels_agree(cpu, g, multiplier):
    ho, wo = _out_size(g)
    if ho < 1 or wo < 1:
        return
    rng = np.random.default_rng(1)
    c = g["c"]
    image = rng.standard_normal((g["n"], c, g["h"], g["w"])).astype(g["dtype"])
    weight = rng.standard_normal((c * multiplier, 1, g["kh"], g["kw"])).astype(g["dtype"])
    geo = ((g["sh"], g["sw"]), g["pad"], (g["dh"], g["dw"]))
    tol = dict(rtol=1e-5, atol=1e-4)
    bias = rng.standard_normal(c * multiplier).astype(g["dtype"])
    fast, pure = both_kernel_sets(cpu, "direct_conv", image, weight, c, *geo, (ho, wo), bias)
    np.testing.assert_allclose(fast, pure, **tol)
    np.testing.assert_allclose(fast - bias.reshape(1, -1, 1, 1),
                               both_kernel_sets(cpu, "direct_conv", image, weight, c, *geo, (ho, wo))[1],
                               **tol)
    grad_output = rng.standard_normal(pure.shape).astype(g["dtype"])
    top_left = (g["pad"][0], g["pad"][2])
    fast, pure = both_kernel_sets(cpu, "direct_conv_transpose", grad_output, weight, c,
                                  (g["h"], g["w"]), (g["sh"], g["sw"]), top_left, (g["dh"], g["dw"]))
    np.testing.assert_allclose(fast, pure, **tol)
    fast, pure = both_kernel_sets(cpu, "direct_weight_grad", image, grad_output, c, (g["kh"], g["kw"]),
                                  *geo)
    np.testing.assert_allclose(fast, pure, rtol=1e-4, atol=1e-3)


@needs_numba
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(geometry, st.integers(1, 3), st.integers(1, 6))
def test_direct_kernels_agree_with_columns_for_any_groups(cpu, monkeypatch, g, groups, out_per_group):
    """Numba's direct kernels (forward, input and weight gradients) against im2col and GEMMs."""
    ho, wo = _out_size(g)
    if ho < 1 or wo < 1:
        return
    rng = np.random.default_rng(5)
    c, o = g["c"] * groups, out_per_group * groups
    image = rng.standard_normal((g["n"], c, g["h"], g["w"])).astype(g["dtype"])
    weight = rng.standard_normal((o, g["c"], g["kh"], g["kw"])).astype(g["dtype"])
    grad_output = rng.standard_normal((g["n"], o, ho, wo)).astype(g["dtype"])
    params = conv_ops.ConvParams((g["sh"], g["sw"]), g["pad"], (g["dh"], g["dw"]), groups)
    kernel = (g["kh"], g["kw"])

    def all_three(direct: bool):
        monkeypatch.setattr(type(cpu), "use_direct", lambda self, *geometry: direct)
        return _dispatched_kernels(cpu, image, weight, grad_output, kernel, params, (g["h"], g["w"]))

    cpu.use_numba = True
    for fast, general in zip(all_three(True), all_three(False)):
        assert fast.shape == general.shape and fast.dtype == general.dtype
        np.testing.assert_allclose(fast, general, rtol=1e-4, atol=1e-4)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dilation", [1, 2])
def test_blocked_3x3_kernels_with_remainders_agree_with_columns(cpu, monkeypatch, dtype, dilation):
    """3x3 filters run four (forward, input gradient) or two (weight gradient) at a time; 6 outputs
    and 5 inputs per group leave a remainder in every blocked loop."""
    rng = np.random.default_rng(6)
    image = rng.standard_normal((3, 10, 9, 8)).astype(dtype)
    weight = rng.standard_normal((12, 5, 3, 3)).astype(dtype)
    params = conv_ops.ConvParams((1, 1), (2, 1, 0, 2), (dilation, dilation), 2)
    ho, wo = conv_ops.conv_output_size((9, 8), (3, 3), params)
    grad_output = rng.standard_normal((3, 12, ho, wo)).astype(dtype)
    cpu.use_numba = True
    results = []
    for direct in (True, False):
        monkeypatch.setattr(type(cpu), "use_direct",
                            lambda self, *geometry, _direct=direct: _direct)
        results.append(_dispatched_kernels(cpu, image, weight, grad_output, (3, 3), params, (9, 8)))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    for fast, general in zip(*results):
        np.testing.assert_allclose(fast, general, **tol)


@pytest.mark.parametrize("kernel, stride, padding, dilation, groups", [
    ((3, 3), 2, 2, 2, 1),  # every tap on even rows and columns
    ((3, 3), 2, 1, 2, 2),  # ... on odd ones
    ((1, 1), 2, 0, 1, 1),  # a ResNet shortcut
    ((1, 1), (3, 2), (1, 0), 1, 1),
    ((3, 1), (3, 2), (3, 1), (3, 5), 1),
    ((2, 3), 2, (0, 2), (4, 2), 2),
])
def test_strided_convs_that_skip_pixels_equal_the_general_path(monkeypatch, kernel, stride, padding,
                                                               dilation, groups):
    """Forward, all three gradients and the transposed convolution, against the plain path."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 11, 10))
    w = rng.standard_normal((6, 4 // groups, *kernel))
    b = rng.standard_normal(6)
    args = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)

    def run():
        tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*tensors, **args)
        y.backward(mt.tensor(rng.standard_normal(y.shape)))
        transposed = F.conv_transpose2d(y.detach(), tensors[1].detach(), output_padding=1, **args)
        return [y.detach().numpy(), transposed.numpy()] + [t.grad.numpy() for t in tensors]

    taken = []
    original = conv_dispatch._every_sth_pixel

    def spy(*geometry):
        result = original(*geometry)
        if geometry[2].stride != (1, 1):  # not the stride-1 call it leads to
            taken.append(result is not None)
        return result

    monkeypatch.setattr(conv_dispatch, "_every_sth_pixel", spy)
    rng = np.random.default_rng(8)
    fast = run()
    assert taken and all(taken)  # forward, both gradients and the transposed conv: stride one
    monkeypatch.setattr(conv_dispatch, "_every_sth_pixel", lambda *args: None)
    rng = np.random.default_rng(8)
    general = run()
    for a, b_ in zip(fast, general):
        assert a.shape == b_.shape
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("multiplier", [1, 2])
def test_depthwise_path_equals_the_general_grouped_path(cpu, monkeypatch, use_numba, multiplier):
    """The depthwise fast path, values and all three gradients, against the im2col/GEMM path."""
    if use_numba and not numba_kernels.AVAILABLE:
        pytest.skip("numba is not installed")
    cpu.use_numba = use_numba
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((3 * multiplier, 1, 3, 2))
    b = rng.standard_normal(3 * multiplier)
    upstream = rng.standard_normal((2, 3 * multiplier, 4, 4))

    def run():
        tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*tensors, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=3)
        y.backward(mt.tensor(upstream))
        transposed = F.conv_transpose2d(tensors[0].detach(), mt.tensor(w.reshape(3, multiplier, 3, 2)),
                                        groups=3, stride=2, padding=1)
        return [y.detach().numpy(), transposed.numpy()] + [t.grad.numpy() for t in tensors]

    fast = run()
    monkeypatch.setattr(type(cpu), "use_direct", lambda self, *geometry: False)
    general = run()
    for a, b_ in zip(fast, general):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-10)


@needs_numba
def test_numba_and_numpy_conv_agree_end_to_end(cpu):
    """A whole float32 depthwise forward and backward with each kernel set."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 9, 8)).astype(np.float32)
    w = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)
    results = []
    for use_numba in (True, False):
        cpu.use_numba = use_numba
        xt, wt = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
        y = F.conv2d(xt, wt, stride=2, padding=(2, 1), groups=4)
        y.backward(mt.ones_like(y))
        results.append([y.numpy(force=True), xt.grad.numpy(), wt.grad.numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@needs_numba
def test_warm_up_compiles_every_kernel():
    assert numba_kernels.warm_up() >= 0.0
    for kernel in numba_kernels._KERNELS.values():
        assert len(kernel.signatures) >= 2  # float32 and float64


@needs_numba
@pytest.mark.parametrize("threshold", [0, 1 << 62])
def test_all_cores_and_one_core_agree(cpu, monkeypatch, threshold):
    monkeypatch.setattr(numba_kernels, "PARALLEL_MIN_WORK", threshold)
    rng = np.random.default_rng(4)
    image = rng.standard_normal((2, 3, 6, 5))
    weight = rng.standard_normal((6, 1, 3, 3))
    bias = rng.standard_normal(6)
    out = numba_kernels.direct_conv(image, weight, bias, 3, 1, 2, 1, 0, 1, 1, 6, 2)
    np.testing.assert_allclose(out, Backend.direct_conv(cpu, image, weight, 3, (1, 2), (1, 1, 0, 0),
                                                           (1, 1), (6, 2), bias), rtol=1e-12, atol=1e-12)


def test_pointwise_path_equals_the_general_path(monkeypatch):
    """1x1, stride 1, no padding: the plain-GEMM path against im2col/GEMM/col2im, every gradient."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 5, 4, 6))
    w = rng.standard_normal((7, 5, 1, 1))
    b = rng.standard_normal(7)
    upstream = rng.standard_normal((3, 7, 4, 6))

    def run():
        tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*tensors)
        (grad_x,) = mt.autograd.grad(y, tensors[0], mt.tensor(upstream), create_graph=True)
        # a gradient penalty reaches the transposed and weight-gradient paths' own backwards
        ((grad_x * grad_x).sum() + (y * mt.tensor(upstream)).sum()).backward()
        transposed = F.conv_transpose2d(tensors[0].detach(), mt.tensor(w.reshape(5, 7, 1, 1)))
        return [y.detach().numpy(), grad_x.detach().numpy(), transposed.numpy()] + [
            t.grad.numpy() for t in tensors]

    fast = run()
    monkeypatch.setattr(conv_dispatch, "_is_pointwise", lambda kernel_size, params, backend: False)
    general = run()
    for a, b_ in zip(fast, general):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("groups", [1, 2])
def test_one_image_at_a_time_equals_whole_batch(monkeypatch, groups):
    """The per-image chunks (GEMM straight into the output) against one chunk for the whole batch."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4, 7, 6))
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    upstream = rng.standard_normal((3, 6, 4, 6))

    def run():
        xt, wt = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
        y = F.conv2d(xt, wt, stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=groups)
        y.backward(mt.tensor(upstream))
        return [y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()]

    monkeypatch.setattr(conv_ops, "ONE_IMAGE_BYTES", 2**62)
    monkeypatch.setattr(conv_ops, "IM2COL_BUDGET_BYTES", 2**62)
    whole = run()
    monkeypatch.setattr(conv_ops, "ONE_IMAGE_BYTES", 0)
    per_image = run()
    for a, b in zip(whole, per_image):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@needs_numba
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({
    "kernel": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "stride": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "dilation": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "ceil_mode": st.booleans(), "pad": st.booleans(), "nan": st.booleans(),
    "dtype": st.sampled_from([np.float32, np.float64]),
}))
def test_max_pool_kernels_agree_with_numpy(cpu, p):
    """Values, indices (first maximum; NaN wins) and gradient, with ties, NaNs and padding."""
    padding = (p["kernel"][0] // 2, p["kernel"][1] // 2) if p["pad"] else (0, 0)
    rng = np.random.default_rng(10)
    x = rng.integers(-2, 3, size=(2, 3, 7, 6)).astype(p["dtype"])  # small integers: many ties
    if p["nan"]:
        x[0, 1, 2, 3] = x[1, 2, 0, 0] = np.nan
    results = []
    for use_numba in (True, False):
        cpu.use_numba = use_numba
        xt = mt.tensor(x, requires_grad=True)
        try:
            out, indices = F.max_pool2d(xt, p["kernel"], p["stride"], padding, p["dilation"],
                                        ceil_mode=p["ceil_mode"], return_indices=True)
        except RuntimeError:  # an output too small for this geometry: both paths raise
            results.append(None)
            continue
        upstream = np.random.default_rng(11).standard_normal(out.shape).astype(p["dtype"])
        out.backward(mt.tensor(upstream))
        results.append([out.detach().numpy(), indices.numpy(), xt.grad.numpy()])
    fast, pure = results
    assert (fast is None) == (pure is None)
    if fast is not None:
        np.testing.assert_array_equal(fast[0], pure[0])
        np.testing.assert_array_equal(fast[1], pure[1])
        # overlapping windows add their gradients onto one element in another order
        np.testing.assert_allclose(fast[2], pure[2], rtol=1e-6, atol=1e-6)


@needs_numba
@pytest.mark.parametrize("size, path", [(4, "im2col+GEMM"), (5, "direct"), (14, "direct")])
def test_small_planes_go_to_the_gemm_and_larger_ones_to_the_direct_kernels(cpu, size, path):
    """With Numba, a stride-1 3x3 convolution over 32 channels runs direct from 5x5 output planes
    up; on 4x4 and smaller (the digits' second layer) im2col and one GEMM are faster."""
    cpu.use_numba = True
    x = mt.randn(2, 32, size, size, requires_grad=True)
    conv = mt.nn.Conv2d(32, 8, 3, padding=1)
    with mt.backends.explain(file=False) as lines:
        conv(x).sum().backward()
    assert len(lines) == 3, lines
    if path == "direct":
        assert all("-> direct:" in line for line in lines), lines
    else:  # forward and input gradient build columns; the weight gradient reuses the forward's
        assert all("-> im2col+GEMM: not direct: 16 positions per output plane < 17" in line
                   for line in lines[:2]), lines
        assert "-> forward's columns:" in lines[2], lines


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_relu_kernels_agree_with_numpy_and_pass_gradients_as_pytorch(cpu, dtype):
    """ReLU forward and backward in one Numba pass against base.py's NumPy on finite values; at
    the corners the kernel is PyTorch's threshold_backward (a NaN output passes the gradient, an
    infinite gradient at a zero output gives 0)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 8, 48, 48)).astype(dtype)  # above NUMBA_ELEMENTWISE_MIN
    grad = rng.standard_normal(x.shape).astype(dtype)
    out, pure_out = both_kernel_sets(cpu, "relu", x)
    np.testing.assert_array_equal(out, pure_out)
    fast, pure = both_kernel_sets(cpu, "relu_grad", grad, out)
    np.testing.assert_array_equal(fast, pure)
    x.flat[:3] = [np.nan, 0.0, -1.0]
    grad.flat[:3] = [5.0, np.inf, np.inf]
    corners = cpu.relu_grad(grad, cpu.relu(x)).flat[:3]
    assert np.isnan(cpu.relu(x).flat[0]) and corners.tolist() == [5.0, 0.0, 0.0]
