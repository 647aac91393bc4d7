"""Convolution: conv2d, conv_transpose2d, unfold/fold and the Conv2d / ConvTranspose2d layers.

Values and all three gradients are checked against the plain loops of ``conv_reference.py``
(hypothesis draws the configurations), gradients and gradients of gradients against central
differences, and everything against PyTorch where it is installed. The bad-input tables are run
on PyTorch too, so the expected classes and messages are PyTorch's own.
"""

from __future__ import annotations

import math
import types
import warnings

import conv_reference as ref
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitorch_conv as mt
import minitorch_conv.nn as nn
import minitorch_conv.nn.functional as F
from minitorch_conv.ops import conv as conv_ops

DRAWN = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NP_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def tolerance(dtype: str) -> dict:
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}


def values(tensor) -> np.ndarray:
    return tensor.detach().numpy().astype(np.float64)


def set_parameters(module, weight: np.ndarray, bias: np.ndarray | None) -> None:
    with mt.no_grad():
        module.weight.copy_(mt.tensor(weight))
        if bias is not None:
            module.bias.copy_(mt.tensor(bias))


def layout(array: np.ndarray, kind: str) -> np.ndarray:
    """The same values in a contiguous, channels-last, or every-other-element (strided) array."""
    if kind == "channels_last":
        return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    if kind == "strided":
        N, C, H, W = array.shape
        big = np.zeros((N, C, 2 * H, 2 * W), dtype=array.dtype)
        big[:, :, ::2, ::2] = array
        return big[:, :, ::2, ::2]
    return np.ascontiguousarray(array)


def pad_adjoint_reference(grad_padded: np.ndarray, shape, pads, np_mode: str) -> np.ndarray:
    """Fold the gradient of ``np.pad(x, pads, np_mode)`` back onto x, using np.pad on indices."""
    N, C, H, W = shape
    index = np.pad(np.arange(H * W).reshape(H, W), pads[2:], mode=np_mode)
    out = np.zeros((N, C, H * W))
    for n in range(N):
        for c in range(C):
            out[n, c] = np.bincount(index.ravel(), weights=grad_padded[n, c].ravel(), minlength=H * W)
    return out.reshape(shape)


# ---------------------------------------------------------------------------- drawn configurations
@st.composite
def conv_configs(draw):
    """A Conv2d configuration and an input big enough for it (and for reflect/circular pads)."""
    groups = draw(st.sampled_from([1, 2]))
    in_per_group, out_per_group = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kind = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    stride = (1, 1) if kind == "same" else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    if kind == "int":
        padding = draw(st.integers(0, 2))
        pads = (padding,) * 4
    elif kind == "tuple":
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        pads = (padding[0], padding[0], padding[1], padding[1])
    elif kind == "same":
        padding, pads = "same", ref.same_padding(kernel, dilation)
    else:
        padding, pads = "valid", (0, 0, 0, 0)
    sizes = []
    for axis in (0, 1):
        before, after = pads[2 * axis], pads[2 * axis + 1]
        smallest = max(1, dilation[axis] * (kernel[axis] - 1) + 1 - before - after, max(before, after) + 1)
        sizes.append(draw(st.integers(smallest, smallest + 3)))
    batch = draw(st.sampled_from([0, 1, 2]))
    return types.SimpleNamespace(
        in_channels=groups * in_per_group, out_channels=groups * out_per_group, kernel=kernel,
        stride=stride, padding=padding, pads=pads, dilation=dilation, groups=groups,
        mode=draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"])),
        bias=draw(st.booleans()), batch=batch, size=tuple(sizes),
        unbatched=batch == 1 and draw(st.booleans()),
        layout=draw(st.sampled_from(["contiguous", "channels_last", "strided"])),
        dtype=draw(st.sampled_from(["float32", "float64"])),
    )


def module_for(cfg, dtype=None):
    return nn.Conv2d(cfg.in_channels, cfg.out_channels, cfg.kernel, cfg.stride, cfg.padding,
                     cfg.dilation, cfg.groups, cfg.bias, cfg.mode, dtype=dtype or getattr(mt, cfg.dtype))


def reference_forward_and_grads(cfg, x, w, b, grad_out):
    """The loops' output and (grad_x, grad_w, grad_b), padding by np.pad for the non-zero modes."""
    common = dict(stride=cfg.stride, dilation=cfg.dilation, groups=cfg.groups)
    if cfg.mode == "zeros":
        out = ref.conv2d(x, w, b, padding=cfg.pads, **common)
        if grad_out is None:
            return out, None
        return out, ref.conv2d_grads(x, w, grad_out, padding=cfg.pads, **common)
    np_pads = ((0, 0), (0, 0), cfg.pads[:2], cfg.pads[2:])
    padded = np.pad(x, np_pads, mode=NP_PAD_MODE[cfg.mode])
    out = ref.conv2d(padded, w, b, padding=(0, 0, 0, 0), **common)
    if grad_out is None:
        return out, None
    grad_padded, grad_w, grad_b = ref.conv2d_grads(padded, w, grad_out, padding=(0, 0, 0, 0), **common)
    return out, (pad_adjoint_reference(grad_padded, x.shape, np_pads, NP_PAD_MODE[cfg.mode]), grad_w, grad_b)


@DRAWN
@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_conv2d_layer_matches_naive_loops_forward_and_all_gradients(cfg, seed):
    rng = np.random.default_rng(seed)
    m = module_for(cfg)
    w = rng.standard_normal(tuple(m.weight.shape)).astype(cfg.dtype)
    b = rng.standard_normal(cfg.out_channels).astype(cfg.dtype) if cfg.bias else None
    set_parameters(m, w, b)
    x = rng.standard_normal((cfg.batch, cfg.in_channels, *cfg.size)).astype(cfg.dtype)
    x_array = layout(x, cfg.layout)
    x_in = mt.from_numpy(x_array[0] if cfg.unbatched else x_array).requires_grad_()

    y = m(x_in)
    want, _ = reference_forward_and_grads(cfg, x.astype(np.float64), w.astype(np.float64),
                                          None if b is None else b.astype(np.float64), None)
    assert y.dtype == getattr(mt, cfg.dtype)
    assert tuple(y.shape) == (want.shape[1:] if cfg.unbatched else want.shape)
    np.testing.assert_allclose(values(y), want[0] if cfg.unbatched else want, **tolerance(cfg.dtype))

    grad_out = rng.standard_normal(want.shape)
    y.backward(mt.tensor((grad_out[0] if cfg.unbatched else grad_out).astype(cfg.dtype)))
    _, (grad_x, grad_w, grad_b) = reference_forward_and_grads(
        cfg, x.astype(np.float64), w.astype(np.float64), None, grad_out)
    assert x_in.grad.shape == x_in.shape and x_in.grad.dtype == x_in.dtype
    assert m.weight.grad.dtype == m.weight.dtype
    np.testing.assert_allclose(values(x_in.grad), grad_x[0] if cfg.unbatched else grad_x,
                               **tolerance(cfg.dtype))
    np.testing.assert_allclose(values(m.weight.grad), grad_w, **tolerance(cfg.dtype))
    if cfg.bias:
        np.testing.assert_allclose(values(m.bias.grad), grad_b, **tolerance(cfg.dtype))


# ---------------------------------------------------------------------------- numerical gradients
NUMERIC_CASES = [
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
    dict(kernel_size=4, padding="same", groups=2),
    dict(kernel_size=(2, 3), padding="same", dilation=(3, 1), padding_mode="circular"),
    dict(kernel_size=3, padding=1, stride=2, padding_mode="reflect"),
    dict(kernel_size=(3, 2), padding=(2, 1), padding_mode="replicate", groups=2),
]


def _scalar(module, upstream):
    """``<upstream, module(x; w, b)>`` as a float, from arrays (for central differences)."""

    def evaluate(x, w, b):
        with mt.no_grad():
            y = module._conv_forward(mt.tensor(x), mt.tensor(w), mt.tensor(b))
        return float(np.sum(values(y) * upstream))

    return evaluate


@pytest.mark.parametrize("kwargs", NUMERIC_CASES, ids=lambda k: ",".join(f"{a}={v}" for a, v in k.items()))
def test_conv2d_gradients_match_central_differences(kwargs, rng):
    m = nn.Conv2d(2, 4, dtype=mt.float64, **kwargs)
    x = rng.standard_normal((2, 2, 5, 6))
    w, b = rng.standard_normal(tuple(m.weight.shape)), rng.standard_normal(4)
    tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = m._conv_forward(*tensors)
    upstream = rng.standard_normal(tuple(y.shape))
    y.backward(mt.tensor(upstream))
    scalar = _scalar(m, upstream)
    for i, tensor in enumerate(tensors):
        np.testing.assert_allclose(tensor.grad.numpy(), ref.numerical_gradient(scalar, (x, w, b), i),
                                   rtol=1e-6, atol=1e-7, err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("kwargs", [NUMERIC_CASES[1], NUMERIC_CASES[2], NUMERIC_CASES[4]],
                         ids=["strided-dilated-groups", "same-even", "reflect"])
def test_second_derivatives_of_conv2d_gradient_penalty(kwargs, rng):
    """A gradient penalty on both first derivatives, differentiated again, against differences."""
    m = nn.Conv2d(2, 4, dtype=mt.float64, **kwargs)
    x = rng.standard_normal((1, 2, 5, 6))
    w = rng.standard_normal(tuple(m.weight.shape))
    out_shape = tuple(m._conv_forward(mt.tensor(x), mt.tensor(w), None).shape)
    v = rng.standard_normal(out_shape)  # the upstream gradient, itself differentiated
    cx, cw = rng.standard_normal(x.shape), rng.standard_normal(w.shape)

    def penalty(xt, wt, vt):
        y = m._conv_forward(xt, wt, None)
        grad_x, grad_w = mt.autograd.grad((y * vt).sum(), (xt, wt), create_graph=True)
        return (grad_x * grad_x * mt.tensor(cx)).sum() + (grad_w * grad_w * mt.tensor(cw)).sum()

    def penalty_value(*arrays):
        return penalty(*[mt.tensor(a, requires_grad=True) for a in arrays]).item()

    tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, v)]
    penalty(*tensors).backward()
    for i, tensor in enumerate(tensors):
        np.testing.assert_allclose(tensor.grad.numpy(), ref.numerical_gradient(penalty_value, (x, w, v), i),
                                   rtol=1e-5, atol=1e-6, err_msg=f"second derivative, input {i}")


def test_second_derivatives_of_conv_transpose2d(rng):
    x, w = rng.standard_normal((1, 4, 3, 4)), rng.standard_normal((4, 1, 2, 3))
    kwargs = dict(stride=2, padding=(1, 0), output_padding=1, groups=2, dilation=(1, 2))
    v = rng.standard_normal(tuple(F.conv_transpose2d(mt.tensor(x), mt.tensor(w), **kwargs).shape))

    def penalty(xt, wt):
        y = F.conv_transpose2d(xt, wt, **kwargs)
        grad_x, grad_w = mt.autograd.grad((y * mt.tensor(v)).sum(), (xt, wt), create_graph=True)
        return (grad_x * grad_x).sum() + (grad_w * grad_w * grad_w).sum()

    tensors = [mt.tensor(a, requires_grad=True) for a in (x, w)]
    penalty(*tensors).backward()
    for i, tensor in enumerate(tensors):
        numeric = ref.numerical_gradient(
            lambda *a: penalty(*[mt.tensor(t, requires_grad=True) for t in a]).item(), (x, w), i)
        np.testing.assert_allclose(tensor.grad.numpy(), numeric, rtol=1e-5, atol=1e-6)


def _double(*shape):
    return mt.randn(*shape, dtype=mt.float64, requires_grad=True)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_and_gradgradcheck_pass_for_conv2d(fast_mode):
    inputs = (_double(1, 2, 5, 5), _double(3, 2, 3, 3), _double(3))
    assert mt.autograd.gradcheck(F.conv2d, inputs, fast_mode=fast_mode) is True
    assert mt.autograd.gradgradcheck(F.conv2d, inputs, fast_mode=fast_mode) is True


def test_gradcheck_for_strided_grouped_and_padded_variants():
    x = _double(1, 2, 5, 5)
    w, w_grouped = _double(3, 2, 3, 3), _double(4, 1, 3, 3)
    assert mt.autograd.gradcheck(lambda a, b: F.conv2d(a, b, stride=2, padding=1, dilation=2), (x, w))
    assert mt.autograd.gradgradcheck(lambda a, b: F.conv2d(a, b, padding="same", groups=2), (x, w_grouped))
    for mode in ("reflect", "replicate", "circular"):
        m = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode, dtype=mt.float64)
        assert mt.autograd.gradcheck(m, (x,)) and mt.autograd.gradgradcheck(m, (x,))
    # the transposed convolution and unfold/fold, with their second derivatives
    xt, wt = _double(1, 4, 3, 3), _double(4, 1, 2, 3)
    transposed = lambda a, b: F.conv_transpose2d(a, b, stride=2, output_padding=1, groups=2)  # noqa: E731
    assert mt.autograd.gradcheck(transposed, (xt, wt)) and mt.autograd.gradgradcheck(transposed, (xt, wt))
    assert mt.autograd.gradgradcheck(lambda a: F.unfold(a * a, 2, padding=1, stride=2), (x,))


def test_non_tensor_arguments_pass_through_gradcheck():
    w = mt.randn(3, 2, 3, 3, dtype=mt.float64)
    assert mt.autograd.gradcheck(lambda a, s: F.conv2d(a, w, stride=s), (_double(1, 2, 5, 5), 2))


# ---------------------------------------------------------------------------- transposed convolution
@st.composite
def transpose_configs(draw):
    groups = draw(st.sampled_from([1, 2]))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = tuple(draw(st.integers(0, max(0, ((n - 1) * s + d * (k - 1) + op) // 2)))
                    for n, s, d, k, op in zip(size, stride, dilation, kernel, output_padding))
    return types.SimpleNamespace(
        groups=groups, in_channels=groups * draw(st.integers(1, 2)), out_per_group=draw(st.integers(1, 2)),
        kernel=kernel, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation,
        size=size, batch=draw(st.sampled_from([0, 1, 2])), bias=draw(st.booleans()),
        dtype=draw(st.sampled_from(["float32", "float64"])))


@DRAWN
@given(cfg=transpose_configs(), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_naive_scatter_and_its_gradients(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg.batch, cfg.in_channels, *cfg.size)).astype(cfg.dtype)
    w = rng.standard_normal((cfg.in_channels, cfg.out_per_group, *cfg.kernel)).astype(cfg.dtype)
    b = rng.standard_normal(cfg.out_per_group * cfg.groups).astype(cfg.dtype) if cfg.bias else None
    kwargs = dict(stride=cfg.stride, padding=cfg.padding, output_padding=cfg.output_padding,
                  groups=cfg.groups, dilation=cfg.dilation)
    tensors = [None if a is None else mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv_transpose2d(*tensors, **kwargs)
    want = ref.conv_transpose2d(x.astype(np.float64), w.astype(np.float64),
                                None if b is None else b.astype(np.float64), **kwargs)
    assert y.dtype == getattr(mt, cfg.dtype) and tuple(y.shape) == want.shape
    np.testing.assert_allclose(values(y), want, **tolerance(cfg.dtype))
    # <y, g> is bilinear in (x, w): grad_x is a convolution of g, grad_w the convolution weight
    # gradient with g as the image and x as the output gradient (both by the loops)
    grad_out = rng.standard_normal(want.shape)
    y.backward(mt.tensor(grad_out.astype(cfg.dtype)))
    padding4 = (cfg.padding[0],) * 2 + (cfg.padding[1],) * 2
    w64 = w.astype(np.float64)
    expect_x = ref.conv2d(grad_out, w64, None, cfg.stride, padding4, cfg.dilation, cfg.groups)
    np.testing.assert_allclose(values(tensors[0].grad), expect_x[:, :, :cfg.size[0], :cfg.size[1]],
                               **tolerance(cfg.dtype))
    Ho, Wo = expect_x.shape[2:]
    x_as_grad = np.zeros(x.shape[:2] + (Ho, Wo))
    x_as_grad[:, :, :cfg.size[0], :cfg.size[1]] = x
    _, expect_w, _ = ref.conv2d_grads(grad_out, w64, x_as_grad, cfg.stride, padding4, cfg.dilation,
                                      cfg.groups)
    np.testing.assert_allclose(values(tensors[1].grad), expect_w, **tolerance(cfg.dtype))
    if cfg.bias:
        np.testing.assert_allclose(values(tensors[2].grad), grad_out.sum(axis=(0, 2, 3)),
                                   **tolerance(cfg.dtype))


@FEW
@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(cfg, seed):
    rng = np.random.default_rng(seed)
    if cfg.padding == "same" or cfg.batch == 0:
        return
    C, H, W = cfg.in_channels, *cfg.size
    x = mt.tensor(rng.standard_normal((cfg.batch, C, H, W)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((cfg.out_channels, C // cfg.groups, *cfg.kernel)))
    y = F.conv2d(x, w, None, cfg.stride, cfg.padding, cfg.dilation, cfg.groups)
    grad_out = mt.tensor(rng.standard_normal(tuple(y.shape)))
    y.backward(grad_out)
    output_padding = tuple(n - ((o - 1) * s - 2 * p + d * (k - 1) + 1) for n, o, s, p, d, k in
                           zip((H, W), y.shape[2:], cfg.stride, cfg.pads[::2], cfg.dilation, cfg.kernel))
    transposed = F.conv_transpose2d(grad_out, w, None, cfg.stride, cfg.pads[::2], output_padding,
                                    cfg.groups, cfg.dilation)
    np.testing.assert_allclose(transposed.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv_transpose2d_gradients_match_central_differences(rng):
    x, w, b = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    kwargs = dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2, dilation=(1, 2))
    tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv_transpose2d(*tensors, **kwargs)
    upstream = rng.standard_normal(tuple(y.shape))
    y.backward(mt.tensor(upstream))

    def scalar(*arrays):
        with mt.no_grad():
            y = F.conv_transpose2d(*[mt.tensor(a) for a in arrays], **kwargs)
        return float(np.sum(y.numpy() * upstream))

    for i, tensor in enumerate(tensors):
        np.testing.assert_allclose(tensor.grad.numpy(), ref.numerical_gradient(scalar, (x, w, b), i),
                                   rtol=1e-6, atol=1e-7)


def test_conv_transpose2d_layer_output_size_picks_output_padding():
    up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, dtype=mt.float64)
    x = mt.randn(1, 4, 5, 5, dtype=mt.float64)
    assert tuple(up(x).shape) == (1, 6, 9, 9)
    assert tuple(up(x, output_size=(10, 9)).shape) == (1, 6, 10, 9)
    assert tuple(up(x, output_size=[1, 6, 10, 10]).shape) == (1, 6, 10, 10)
    assert tuple(up(x[0], output_size=(10, 10)).shape) == (6, 10, 10)
    with pytest.raises(ValueError, match=r"requested an output size of \(11, 9\), but valid sizes range "
                                         r"from \[9, 9\] to \[10, 10\]"):
        up(x, output_size=(11, 9))
    with pytest.raises(ValueError, match=r"ConvTranspose2D: for 4D input, output_size must have 2 or 4 "
                                         r"elements \(got 1\)"):
        up(x, output_size=(10,))


# ---------------------------------------------------------------------------- im2col / col2im
@st.composite
def unfold_configs(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 3))
                 for k, d, p in zip(kernel, dilation, padding))
    return kernel, dilation, padding, stride, size


@DRAWN
@given(cfg=unfold_configs(), batch=st.integers(0, 2), channels=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_im2col_and_col2im_are_adjoint_and_match_loops(cfg, batch, channels, seed):
    """<im2col(x), c> == <x, col2im(c)>: why col2im is the input gradient of im2col."""
    rng = np.random.default_rng(seed)
    kernel, dilation, padding, stride, size = cfg
    x = rng.standard_normal((batch, channels, *size))
    cols = F.unfold(mt.tensor(x), kernel, dilation, padding, stride)
    want = ref.unfold(x, kernel, stride, padding, dilation)
    assert tuple(cols.shape) == want.shape
    np.testing.assert_array_equal(cols.numpy(), want)
    c = rng.standard_normal(want.shape)
    image = F.fold(mt.tensor(c), size, kernel, dilation, padding, stride)
    assert tuple(image.shape) == x.shape
    np.testing.assert_allclose(np.sum(want * c), np.sum(x * image.numpy()), rtol=1e-10, atol=1e-10)
    # the gradient of each is the other
    xt, ct = mt.tensor(x, requires_grad=True), mt.tensor(c, requires_grad=True)
    F.unfold(xt, kernel, dilation, padding, stride).backward(mt.tensor(c))
    np.testing.assert_allclose(xt.grad.numpy(), image.numpy(), rtol=1e-12, atol=1e-12)
    F.fold(ct, size, kernel, dilation, padding, stride).backward(mt.tensor(x))
    np.testing.assert_allclose(ct.grad.numpy(), want, rtol=1e-12, atol=1e-12)


def test_unfold_and_fold_accept_unbatched_input_and_are_exported_under_both_names(rng):
    x = mt.tensor(rng.standard_normal((3, 5, 6)))
    cols = F.unfold(x, (2, 3))
    np.testing.assert_array_equal(F.im2col(x, (2, 3)).numpy(), cols.numpy())  # (unfold is im2col's front)
    np.testing.assert_array_equal(F.col2im(cols, (5, 6), (2, 3)).numpy(),
                                  F.fold(cols, (5, 6), (2, 3)).numpy())
    np.testing.assert_array_equal(cols.numpy(), F.unfold(x.unsqueeze(0), (2, 3))[0].numpy())
    assert tuple(F.fold(cols, (5, 6), (2, 3)).shape) == (3, 5, 6)


def test_fold_of_unfold_counts_the_patches_covering_each_pixel():
    ones = mt.ones(1, 1, 3, 3)
    counts = F.fold(F.unfold(ones, 2), (3, 3), 2)
    np.testing.assert_array_equal(counts.numpy()[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


# ---------------------------------------------------------------------------- forward semantics
def test_output_shape_and_values_with_stride_padding_dilation(rng):
    m = nn.Conv2d(3, 8, (3, 5), stride=(2, 3), padding=(1, 2), dilation=(2, 1), dtype=mt.float64)
    x = rng.standard_normal((2, 3, 17, 19))
    y = m(mt.tensor(x))
    assert tuple(y.shape) == (2, 8, 8, 7)
    want = ref.conv2d(x, m.weight.detach().numpy(), m.bias.detach().numpy(), (2, 3), (1, 1, 2, 2), (2, 1))
    np.testing.assert_allclose(values(y), want, rtol=1e-12, atol=1e-12)


def test_unbatched_input_is_bitwise_the_batch_of_one(rng):
    m = nn.Conv2d(3, 8, 3, groups=1, padding_mode="reflect", padding=1)
    x = mt.tensor(rng.standard_normal((3, 8, 8)).astype(np.float32))
    y = m(x)
    assert tuple(y.shape) == (8, 8, 8)
    np.testing.assert_array_equal(y.detach().numpy(), m(x.unsqueeze(0))[0].detach().numpy())


@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), ((2, 4), 1), (3, 2), (4, 2), (4, 3),
                                             ((4, 2), (3, 1)), ((5, 4), (1, 3))])
def test_same_padding_keeps_the_size_with_the_extra_pad_bottom_right(kernel, dilation, rng):
    m = nn.Conv2d(2, 3, kernel, padding="same", dilation=dilation, dtype=mt.float64)
    x = rng.standard_normal((1, 2, 9, 10))
    y = m(mt.tensor(x))
    assert tuple(y.shape) == (1, 3, 9, 10)
    kernel, dilation = nn.conv._pair(kernel), nn.conv._pair(dilation)
    pads = ref.same_padding(kernel, dilation)
    want = ref.conv2d(x, m.weight.detach().numpy(), m.bias.detach().numpy(), (1, 1), pads, dilation)
    np.testing.assert_allclose(values(y), want, rtol=1e-12, atol=1e-12)


def test_groups_equal_split_convolutions_concatenated(rng):
    x, w = mt.tensor(rng.standard_normal((1, 4, 5, 5))), mt.tensor(rng.standard_normal((6, 2, 3, 3)))
    grouped = F.conv2d(x, w, groups=2)
    split = mt.cat([F.conv2d(x[:, :2], w[:3]), F.conv2d(x[:, 2:], w[3:])], 1)
    np.testing.assert_allclose(grouped.numpy(), split.numpy(), rtol=1e-12, atol=1e-12)


def test_depthwise_with_channel_multiplier(rng):
    m = nn.Conv2d(4, 8, 3, groups=4, dtype=mt.float64)
    assert tuple(m.weight.shape) == (8, 1, 3, 3)
    x = rng.standard_normal((2, 4, 6, 6))
    y = m(mt.tensor(x))
    assert tuple(y.shape) == (2, 8, 4, 4)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    for o in range(8):  # output channel o sees only input channel o // 2
        want = ref.conv2d(x[:, o // 2:o // 2 + 1], w[o:o + 1], b[o:o + 1])
        np.testing.assert_allclose(values(y)[:, o:o + 1], want, rtol=1e-12, atol=1e-12)


def test_zero_batch_gives_empty_output_and_zero_parameter_gradients():
    m = nn.Conv2d(3, 8, 3)
    x = mt.randn(0, 3, 8, 8, requires_grad=True)
    y = m(x)
    assert tuple(y.shape) == (0, 8, 6, 6)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 8, 8)
    np.testing.assert_array_equal(m.weight.grad.numpy(), np.zeros((8, 3, 3, 3), np.float32))
    np.testing.assert_array_equal(m.bias.grad.numpy(), np.zeros(8, np.float32))


@pytest.mark.parametrize("kind", ["channels_last", "strided"])
def test_non_contiguous_input_gives_the_contiguous_result(kind, rng):
    m = nn.Conv2d(3, 4, 3, padding=1, dtype=mt.float64)
    x = rng.standard_normal((2, 3, 7, 6))
    view = mt.from_numpy(layout(x, kind))
    assert not view.is_contiguous()
    np.testing.assert_allclose(values(m(view)), values(m(mt.tensor(x))), rtol=1e-13, atol=1e-13)


def test_cross_correlation_does_not_flip_the_kernel():
    x = mt.arange(16.0).reshape(1, 1, 4, 4)
    y = F.conv2d(x, mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))
    assert y[0, 0, 0, 0].item() == 0 * 1 + 1 * 2 + 4 * 3 + 5 * 4


def test_bias_is_added_per_output_channel(rng):
    x, w, b = (mt.tensor(rng.standard_normal(s)) for s in ((2, 3, 5, 5), (4, 3, 3, 3), (4,)))
    np.testing.assert_allclose(F.conv2d(x, w, b).numpy(),
                               (F.conv2d(x, w) + b.reshape(1, 4, 1, 1)).numpy(), rtol=1e-13, atol=1e-13)


def test_edge_shapes():
    assert tuple(nn.Conv2d(3, 8, 3, dilation=2)(mt.randn(1, 3, 5, 5)).shape) == (1, 8, 1, 1)
    assert tuple(nn.Conv2d(3, 8, 5, padding="same")(mt.randn(1, 3, 1, 1)).shape) == (1, 8, 1, 1)
    small = mt.randn(1, 3, 3, 3)
    assert tuple(nn.Conv2d(3, 4, 1, padding=2, padding_mode="reflect")(small).shape) == (1, 4, 7, 7)
    assert tuple(nn.Conv2d(3, 4, 1, padding=3, padding_mode="circular")(small).shape) == (1, 4, 9, 9)
    assert tuple(nn.Conv2d(3, 4, 3, padding=(1,))(mt.randn(1, 3, 8, 8)).shape) == (1, 4, 8, 8)
    assert tuple(nn.Conv2d(3, 4, 3, stride=(2,))(mt.randn(1, 3, 8, 8)).shape) == (1, 4, 3, 3)


def test_zero_input_channels_give_zero_output_channels_like_pytorch():
    y = F.conv2d(mt.randn(2, 0, 5, 5), mt.randn(4, 0, 3, 3))
    assert tuple(y.shape) == (2, 0, 3, 3)


def test_negative_padding_with_a_border_mode_crops_first():
    m = nn.Conv2d(3, 4, 3, padding=-1, padding_mode="reflect")
    assert tuple(m(mt.randn(1, 3, 8, 8)).shape) == (1, 4, 4, 4)


def test_conv_pad_and_their_gradients_on_every_device(device, rng):
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 2)), rng.standard_normal(6)
    tensors = [mt.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
    padded = F.pad(tensors[0], (1, 0, 2, 1), mode="reflect")
    y = F.conv2d(padded, tensors[1], tensors[2], stride=(2, 1), dilation=(1, 2), groups=2)
    assert y.device == mt.device(device)
    xpad = np.pad(x, ((0, 0), (0, 0), (2, 1), (1, 0)), mode="reflect")
    want = ref.conv2d(xpad, w, b, stride=(2, 1), dilation=(1, 2), groups=2)
    np.testing.assert_allclose(y.detach().cpu().numpy(), want, rtol=1e-10, atol=1e-10)
    upstream = rng.standard_normal(want.shape)
    y.backward(mt.tensor(upstream, device=device))
    grad_xpad, grad_w, grad_b = ref.conv2d_grads(xpad, w, upstream, stride=(2, 1), dilation=(1, 2), groups=2)
    grad_x = pad_adjoint_reference(grad_xpad, x.shape, ((0, 0), (0, 0), (2, 1), (1, 0)), "reflect")
    for tensor, expected in zip(tensors, (grad_x, grad_w, grad_b)):
        assert tensor.grad.device == mt.device(device)
        np.testing.assert_allclose(tensor.grad.cpu().numpy(), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_depthwise_convolution_and_its_gradients_on_every_device(device, dtype, rng):
    """The depthwise path (the GPU's own kernels), channel multiplier 2, strided, dilated, padded;
    enough output positions that the weight gradient sums several partial sums per tap."""
    kwargs = dict(stride=(2, 1), dilation=(1, 2), groups=3)
    x, w, b = rng.standard_normal((4, 3, 16, 20)), rng.standard_normal((6, 1, 3, 2)), rng.standard_normal(6)
    tensors = [mt.tensor(a.astype(dtype), device=device, requires_grad=True) for a in (x, w, b)]
    y = F.conv2d(tensors[0], tensors[1], tensors[2], padding=(1, 2), **kwargs)
    padding = (1, 1, 2, 2)
    want = ref.conv2d(x, w, b, padding=padding, **kwargs)
    tolerance = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y.detach().cpu().numpy(), want, **tolerance)
    upstream = rng.standard_normal(want.shape)
    y.backward(mt.tensor(upstream.astype(dtype), device=device))
    expected = ref.conv2d_grads(x, w, upstream, padding=padding, **kwargs)
    for tensor, grad in zip(tensors, expected):
        assert tensor.grad.dtype == getattr(mt, dtype)
        np.testing.assert_allclose(tensor.grad.cpu().numpy(), grad, **tolerance)


# ---------------------------------------------------------------------------- the doc page's examples
def test_doc_page_examples_shapes_and_spot_values(rng):
    x = rng.standard_normal((20, 16, 50, 100)).astype(np.float32)
    square = nn.Conv2d(16, 33, 3, stride=2)
    dilated = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
    y_square, y_dilated = square(mt.tensor(x)), dilated(mt.tensor(x))
    assert tuple(y_square.shape) == (20, 33, 24, 49)
    assert tuple(y_dilated.shape) == (20, 33, 26, 100)
    # a few output values from the definition, in float64
    xpad = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (4, 4), (2, 2)))
    w, b = dilated.weight.detach().numpy().astype(np.float64), dilated.bias.detach().numpy()
    for n, o, i, j in [(0, 0, 0, 0), (7, 32, 25, 99), (19, 5, 13, 50)]:
        window = xpad[n, :, i * 2:i * 2 + 7:3, j:j + 5]
        assert y_dilated[n, o, i, j].item() == pytest.approx(float(np.sum(window * w[o]) + b[o]), abs=1e-4)


def test_doc_page_examples_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((20, 16, 50, 100)).astype(np.float32)
    for args, kwargs in [((16, 33, 3), dict(stride=2)),
                         ((16, 33, (3, 5)), dict(stride=(2, 1), padding=(4, 2), dilation=(3, 1)))]:
        ours, theirs = nn.Conv2d(*args, **kwargs), torch.nn.Conv2d(*args, **kwargs)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.detach().numpy()))
            theirs.bias.copy_(torch.from_numpy(ours.bias.detach().numpy()))
        want = theirs(torch.from_numpy(x)).detach().numpy()
        got = ours(mt.tensor(x)).detach().numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------- parity with PyTorch
def _torch_module(torch, cfg, ours, dtype):
    theirs = torch.nn.Conv2d(cfg.in_channels, cfg.out_channels, cfg.kernel, cfg.stride, cfg.padding,
                             cfg.dilation, cfg.groups, cfg.bias, cfg.mode, dtype=dtype)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.detach().numpy()))
        if cfg.bias:
            theirs.bias.copy_(torch.from_numpy(ours.bias.detach().numpy()))
    return theirs


@DRAWN
@given(cfg=conv_configs(), seed=st.integers(0, 2**16))
def test_layer_outputs_and_gradients_match_pytorch(cfg, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    ours = module_for(cfg)
    theirs = _torch_module(torch, cfg, ours, getattr(torch, cfg.dtype))
    shape = (cfg.in_channels, *cfg.size) if cfg.unbatched else (cfg.batch, cfg.in_channels, *cfg.size)
    x = rng.standard_normal(shape).astype(cfg.dtype)
    x_ours, x_theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert tuple(y_ours.shape) == tuple(y_theirs.shape)
    tol = tolerance(cfg.dtype) if cfg.dtype == "float32" else {"rtol": 1e-7, "atol": 1e-10}
    np.testing.assert_allclose(values(y_ours), y_theirs.detach().numpy(), **tol)
    grad_out = rng.standard_normal(tuple(y_theirs.shape)).astype(cfg.dtype)
    y_ours.backward(mt.tensor(grad_out))
    y_theirs.backward(torch.from_numpy(grad_out))
    np.testing.assert_allclose(values(x_ours.grad), x_theirs.grad.numpy(), **tol)
    np.testing.assert_allclose(values(ours.weight.grad), theirs.weight.grad.numpy(), **tol)
    if cfg.bias:
        np.testing.assert_allclose(values(ours.bias.grad), theirs.bias.grad.numpy(), **tol)


@FEW
@given(cfg=transpose_configs(), seed=st.integers(0, 2**16))
def test_conv_transpose2d_layer_matches_pytorch(cfg, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    out_channels = cfg.out_per_group * cfg.groups
    args = (cfg.in_channels, out_channels, cfg.kernel, cfg.stride, cfg.padding, cfg.output_padding,
            cfg.groups, cfg.bias, cfg.dilation)
    ours = nn.ConvTranspose2d(*args, dtype=mt.float64)
    theirs = torch.nn.ConvTranspose2d(*args, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.detach().numpy()))
        if cfg.bias:
            theirs.bias.copy_(torch.from_numpy(ours.bias.detach().numpy()))
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((cfg.batch, cfg.in_channels, *cfg.size))
    x_ours, x_theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-7, atol=1e-10)
    grad_out = rng.standard_normal(tuple(y_theirs.shape))
    y_ours.backward(mt.tensor(grad_out))
    y_theirs.backward(torch.from_numpy(grad_out))
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-7, atol=1e-10)


def test_unfold_fold_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 7, 6))
    kwargs = dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 0), stride=(2, 1))
    np.testing.assert_array_equal(F.unfold(mt.tensor(x), **kwargs).numpy(),
                                  torch.nn.functional.unfold(torch.from_numpy(x), **kwargs).numpy())
    c = rng.standard_normal((2, 18, 16))
    np.testing.assert_allclose(F.fold(mt.tensor(c), (7, 6), **kwargs).numpy(),
                               torch.nn.functional.fold(torch.from_numpy(c), (7, 6), **kwargs).numpy(),
                               rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------------------- the layer
def test_attributes_shapes_and_repr():
    m = nn.Conv2d(3, 8, 3)
    assert tuple(m.weight.shape) == (8, 3, 3, 3) and tuple(m.bias.shape) == (8,)
    assert (m.kernel_size, m.stride, m.padding, m.dilation) == ((3, 3), (1, 1), (0, 0), (1, 1))
    assert (m.transposed, m.output_padding, m.groups, m.padding_mode) == (False, (0, 0), 1, "zeros")
    assert m._reversed_padding_repeated_twice == (0, 0, 0, 0)
    assert repr(m) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert m.extra_repr() == "3, 8, kernel_size=(3, 3), stride=(1, 1)"
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad and m.weight.is_leaf
    assert [name for name, _ in m.named_parameters()] == ["weight", "bias"]
    listed = nn.Conv2d(3, 8, [3, 5], stride=[2, 1])
    assert listed.kernel_size == (3, 5) and listed.stride == (2, 1)


@pytest.mark.parametrize("args,kwargs,text", [
    ((3, 8, (3, 5)), dict(stride=(2, 1), padding=(4, 2), dilation=(3, 1)),
     "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))"),
    ((4, 8, (3, 5)), dict(stride=2, padding=(1, 2), dilation=2, groups=2, bias=False, padding_mode="reflect"),
     "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), groups=2, "
     "bias=False, padding_mode=reflect)"),
    ((4, 8, 3), dict(padding="same"), "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)"),
    ((4, 8, 3), dict(padding="valid"), "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=valid)"),
    ((3, 4, 3), dict(padding="same", dilation=2),
     "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2))"),
    ((4, 8, 3), dict(padding_mode="circular"),
     "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding_mode=circular)"),
    ((3, 4, (3,)), dict(stride=(1,), padding=(1, 2, 3)),
     "Conv2d(3, 4, kernel_size=(3,), stride=(1,), padding=(1, 2, 3))"),
])
def test_reprs_are_pytorchs(args, kwargs, text):
    assert repr(nn.Conv2d(*args, **kwargs)) == text


def test_string_padding_is_kept_as_a_string():
    assert nn.Conv2d(3, 8, 3, padding="same").padding == "same"
    assert nn.Conv2d(3, 8, 3, padding="valid", stride=2).padding == "valid"


@pytest.mark.parametrize("kwargs,expected", [
    (dict(kernel_size=3), [1, 1, 1, 1]), (dict(kernel_size=4), [1, 2, 1, 2]),
    (dict(kernel_size=(2, 4)), [1, 2, 0, 1]), (dict(kernel_size=3, dilation=2), [2, 2, 2, 2]),
    (dict(kernel_size=4, dilation=2), [3, 3, 3, 3]), (dict(kernel_size=4, dilation=3), [4, 5, 4, 5]),
    (dict(kernel_size=(4, 2), dilation=(3, 1)), [0, 1, 4, 5]),
    (dict(kernel_size=(5, 4), dilation=(1, 3)), [4, 5, 2, 2]),
])
def test_same_padding_split_puts_the_smaller_half_first(kwargs, expected):
    assert nn.Conv2d(3, 4, padding="same", **kwargs)._reversed_padding_repeated_twice == expected


def test_bad_stride_padding_dilation_are_accepted_at_construction():
    for kwargs in (dict(stride=0), dict(padding=-1), dict(dilation=0)):
        nn.Conv2d(3, 8, 3, **kwargs)


def test_initial_values_fill_plus_minus_one_over_sqrt_fan_in():
    m = nn.Conv2d(16, 64, (3, 5), groups=4)
    bound = 1 / math.sqrt(60)
    w, b = np.abs(m.weight.detach().numpy()), np.abs(m.bias.detach().numpy())
    assert w.max() <= bound and b.max() <= bound
    assert w.max() > 0.9 * bound and w.mean() == pytest.approx(bound / 2, rel=0.1)


def test_init_draws_weight_then_bias_from_the_global_generator():
    mt.manual_seed(123)
    m = nn.Conv2d(3, 4, 3)
    mt.manual_seed(123)
    bound = 1 / math.sqrt(27)
    w = mt.empty(4, 3, 3, 3).uniform_(-bound, bound)
    b = mt.empty(4).uniform_(-bound, bound)
    np.testing.assert_allclose(m.weight.detach().numpy(), w.numpy(), rtol=1e-6, atol=0)
    np.testing.assert_allclose(m.bias.detach().numpy(), b.numpy(), rtol=1e-6, atol=0)
    before = m.weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(before, m.weight.detach().numpy())


def test_zero_element_weight_warns_and_zero_fan_in_gives_a_zero_bias():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        m = nn.Conv2d(0, 4, 3)
    np.testing.assert_array_equal(m.bias.detach().numpy(), np.zeros(4, np.float32))


def test_no_bias():
    m = nn.Conv2d(3, 8, 3, bias=False)
    assert m.bias is None and list(m.state_dict()) == ["weight"]
    assert repr(m).endswith(", bias=False)")
    assert list(nn.Conv2d(3, 8, 3).state_dict()) == ["weight", "bias"]


def test_float64_layer():
    m = nn.Conv2d(3, 8, 3, dtype=mt.float64)
    assert m.weight.dtype == mt.float64 and m.bias.dtype == mt.float64
    assert m(mt.randn(1, 3, 8, 8, dtype=mt.float64)).dtype == mt.float64
    with pytest.raises(RuntimeError, match="should be the same|expected scalar type"):
        m(mt.randn(1, 3, 8, 8))


# ---------------------------------------------------------------------------- implementation duties
def test_only_the_gradients_asked_for_are_computed(monkeypatch):
    calls = []
    monkeypatch.setattr(conv_ops.Conv2dWeightGradFunction, "apply",
                        classmethod(lambda cls, *a: calls.append("weight") or None))
    x, w = mt.randn(1, 2, 5, 5, requires_grad=True), mt.randn(3, 2, 3, 3)
    F.conv2d(x, w).sum().backward()
    assert calls == [] and x.grad is not None and w.grad is None


@pytest.mark.parametrize("direct", [False, True])
def test_float32_stays_float32_inside(monkeypatch, direct):
    """No kernel up-casts: the columns (or the direct kernels' results) stay float32."""
    seen = []
    backend = mt.randn(1).backend
    monkeypatch.setattr(type(backend), "use_direct", lambda self, *geometry: direct)
    spied = ["direct_conv", "direct_conv_transpose", "direct_weight_grad"] if direct else ["im2col_gemm"]
    for name in spied:
        original = getattr(type(backend), name)

        def spy(self, image, *args, _original=original, _name=name):
            result = _original(self, image, *args)
            seen.append((_name, image.dtype, result.dtype))
            return result

        monkeypatch.setattr(type(backend), name, spy)
    x = mt.randn(2, 3, 6, 6, requires_grad=True)
    m = nn.Conv2d(3, 3, 3, padding=1, groups=3)
    y = m(x) * np.float64(2.0)
    y.backward(mt.ones_like(y))
    assert y.dtype == mt.float32 and x.grad.dtype == mt.float32 and m.weight.grad.dtype == mt.float32
    assert {name for name, _, _ in seen} == set(spied)
    assert all(image == result == np.float32 for _, image, result in seen)


def test_large_batches_are_processed_in_chunks_with_the_same_result(monkeypatch, rng):
    x = rng.standard_normal((5, 3, 6, 7))
    w, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    upstream = rng.standard_normal((5, 4, 3, 3))

    def run():
        tensors = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*tensors, stride=2, padding=(1, 0), dilation=(1, 2))
        y.backward(mt.tensor(upstream))
        return [y.detach().numpy()] + [t.grad.numpy() for t in tensors]

    whole = run()
    sizes = []
    backend = mt.randn(1).backend
    original = type(backend).im2col_gemm

    def spy(self, image, *args):
        sizes.append(image.shape[0])
        return original(self, image, *args)

    monkeypatch.setattr(type(backend), "im2col_gemm", spy)
    per_sample = 3 * 3 * 2 * 3 * 3 * 8  # C*kh*kw*Ho*Wo float64 elements of one sample's columns
    monkeypatch.setattr(conv_ops, "IM2COL_BUDGET_BYTES", 2 * per_sample)
    chunked = run()
    assert sizes and max(sizes) == 2  # never more than two samples' columns at once
    for a, b_ in zip(whole, chunked):
        np.testing.assert_allclose(a, b_, rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------------------- bad input
class Lib:
    """One namespace per library, so a single lambda builds the same call in both."""

    def __init__(self, module, nn_module, functional):
        self.m, self.nn, self.F = module, nn_module, functional

    def randn(self, *shape, dtype=None):
        return self.m.randn(tuple(shape), dtype=dtype or self.m.float32)

    def __getattr__(self, name):
        return getattr(self.m, name)


MT = Lib(mt, nn, F)

BAD_INPUTS = [
    # construction (ValueError, RuntimeError, TypeError from the layer)
    ("A5", lambda L: L.nn.Conv2d(3, 8, 3, padding="SAME"), ValueError,
     r"^Invalid padding string 'SAME', should be one of \{"),
    ("A5 full", lambda L: L.nn.Conv2d(3, 8, 3, padding="full"), ValueError,
     r"^Invalid padding string 'full'"),
    ("A6", lambda L: L.nn.Conv2d(3, 8, 3, padding="same", stride=2), ValueError,
     r"^padding='same' is not supported for strided convolutions$"),
    ("A6 tuple", lambda L: L.nn.Conv2d(3, 8, 3, padding="same", stride=(1, 2)), ValueError,
     r"^padding='same' is not supported for strided convolutions$"),
    ("A8", lambda L: L.nn.Conv2d(3, 8, 3, padding_mode="constant"), ValueError,
     r"^padding_mode must be one of \{.*\}, but got padding_mode='constant'$"),
    ("A8 case", lambda L: L.nn.Conv2d(3, 8, 3, padding_mode="Zeros"), ValueError,
     r"but got padding_mode='Zeros'$"),
    ("A9", lambda L: L.nn.Conv2d(3, 8, 3, groups=0), ValueError, r"^groups must be a positive integer$"),
    ("A9 negative", lambda L: L.nn.Conv2d(3, 8, 3, groups=-1), ValueError,
     r"^groups must be a positive integer$"),
    ("A10", lambda L: L.nn.Conv2d(4, 6, 3, groups=3), ValueError,
     r"^in_channels must be divisible by groups$"),
    ("A11", lambda L: L.nn.Conv2d(4, 3, 3, groups=2), ValueError,
     r"^out_channels must be divisible by groups$"),
    ("A12 in", lambda L: L.nn.Conv2d(-1, 8, 3), RuntimeError,
     r"^Trying to create tensor with negative dimension -1: \[8, -1, 3, 3\]$"),
    ("A12 out", lambda L: L.nn.Conv2d(3, -1, 3), RuntimeError, r"negative dimension -1: \[-1, 3, 3, 3\]$"),
    ("A12 kernel", lambda L: L.nn.Conv2d(3, 8, -1), RuntimeError,
     r"negative dimension -1: \[8, 3, -1, -1\]$"),
    ("float kernel", lambda L: L.nn.Conv2d(3, 8, 3.0), TypeError,
     r"""^empty\(\): argument 'size' failed to unpack the object at pos 3 with error "type must be tuple """
     r"""of ints,but got float"$"""),
    ("float channels", lambda L: L.nn.Conv2d(3.0, 8, 3), TypeError, r"at pos 2 with error"),
    ("integer dtype", lambda L: L.nn.Conv2d(3, 8, 3, dtype=L.int64), RuntimeError,
     r"^Only Tensors of floating point and complex dtype can require gradients$"),
    ("transposed mode", lambda L: L.nn.ConvTranspose2d(3, 8, 3, padding_mode="reflect"), ValueError,
     r'^Only "zeros" padding mode is supported for ConvTranspose2d$'),
    # forward (RuntimeError from the functional, TypeError for wrong types)
    ("C1", lambda L: L.nn.Conv2d(3, 8, 3)(L.randn(8, 8)), RuntimeError,
     r"^Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[8, 8\]$"),
    ("C1 5D", lambda L: L.nn.Conv2d(3, 8, 3)(L.randn(1, 1, 3, 8, 8)), RuntimeError,
     r"input to conv2d, but got input of size: \[1, 1, 3, 8, 8\]$"),
    ("C1 1D", lambda L: L.F.conv2d(L.randn(8), L.randn(8, 3, 3, 3)), RuntimeError, r"input of size: \[8\]$"),
    ("C1 0-d", lambda L: L.F.conv2d(L.randn(), L.randn(8, 3, 3, 3)), RuntimeError, r"input of size: \[\]$"),
    ("C2", lambda L: L.nn.Conv2d(3, 8, 3)(L.randn(2, 4, 8, 8)), RuntimeError,
     r"^Given groups=1, weight of size \[8, 3, 3, 3\], expected input\[2, 4, 8, 8\] to have 3 channels, "
     r"but got 4 channels instead$"),
    ("C3", lambda L: L.nn.Conv2d(3, 8, 3)(L.randn(4, 8, 8)), RuntimeError,
     r"expected input\[1, 4, 8, 8\] to have 3"),
    ("C4", lambda L: L.nn.Conv2d(3, 8, 3)(L.randn(1, 3, 2, 2)), RuntimeError,
     r"^Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(3 x 3\)\. Kernel size can't be "
     r"greater than actual input size$"),
    ("C5", lambda L: L.nn.Conv2d(3, 8, 3, dilation=2)(L.randn(1, 3, 4, 4)), RuntimeError,
     r"\(4 x 4\)\. Kernel size: \(5 x 5\)"),
    ("C6", lambda L: L.nn.Conv2d(3, 8, 3, stride=0)(L.randn(1, 3, 8, 8)), RuntimeError,
     r"^non-positive stride is not supported$"),
    ("C6 negative", lambda L: L.nn.Conv2d(3, 8, 3, stride=-1)(L.randn(1, 3, 8, 8)), RuntimeError,
     r"^non-positive stride is not supported$"),
    ("C7", lambda L: L.nn.Conv2d(3, 8, 3, padding=-1)(L.randn(1, 3, 8, 8)), RuntimeError,
     r"^negative padding is not supported$"),
    ("C8", lambda L: L.nn.Conv2d(3, 8, 3, dilation=0)(L.randn(1, 3, 8, 8)), RuntimeError,
     r"^dilation should be greater than zero, but got \[0, 0\]$"),
    ("C8 pair", lambda L: L.nn.Conv2d(3, 8, 3, dilation=(1, 0))(L.randn(1, 3, 8, 8)), RuntimeError,
     r"^dilation should be greater than zero, but got \[1, 0\]$"),
    ("C8 negative", lambda L: L.nn.Conv2d(3, 8, 3, dilation=-1)(L.randn(1, 3, 8, 8)), RuntimeError,
     r"^dilation should be greater than zero$"),
    ("C9", lambda L: L.nn.Conv2d(3, 8, 3)(L.randn(1, 3, 8, 8, dtype=L.float64)), RuntimeError,
     r"^Input type \(double\) and bias type \(float\) should be the same$"),
    ("C9 no bias", lambda L: L.nn.Conv2d(3, 8, 3, bias=False)(L.randn(1, 3, 8, 8, dtype=L.float64)),
     RuntimeError, r"^expected scalar type Double but found Float$"),
    ("C10", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8, dtype=L.float64), L.randn(8, 3, 3, 3)), RuntimeError,
     r"^expected scalar type Double but found Float$"),
    ("C11", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), groups=0), RuntimeError,
     r"^non-positive groups is not supported$"),
    ("C12", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), groups=3), RuntimeError,
     r"^Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size "
     r"\[\[8, 3, 3, 3\]\] instead$"),
    ("C13", lambda L: L.F.conv2d(L.randn(1, 16, 8, 8), L.randn(8, 1, 3, 3), groups=16), RuntimeError,
     r"^Given groups=16, expected weight to be at least 16 at dimension 0, but got weight of size "
     r"\[8, 1, 3, 3\] instead$"),
    ("C14", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), L.randn(7)), RuntimeError,
     r"^Given weight of size \[8, 3, 3, 3\], expected bias to be 1-dimensional with 8 elements, but got "
     r"bias of size \[7\] instead$"),
    ("C14 2-D", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), L.randn(8, 1)), RuntimeError,
     r"but got bias of size \[8, 1\] instead$"),
    ("C15", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), stride=(1, 1, 1)), RuntimeError,
     r"^expected stride to be a single integer value or a list of 2 values to match the convolution "
     r"dimensions, but got stride=\[1, 1, 1\]$"),
    ("C15 padding", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), padding=(1, 2, 3)),
     RuntimeError, r"but got padding=\[1, 2, 3\]$"),
    ("C16", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), padding="full"), RuntimeError,
     r"^Invalid padding string: 'full'$"),
    ("C17", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), padding="same", stride=2),
     RuntimeError, r"^padding='same' is not supported for strided convolutions$"),
    ("C17 broadcast", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), padding="same",
                                           stride=(1, 1, 1)), RuntimeError,
     r"^stride cannot broadcast to 2 dimensions$"),
    ("C18", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), padding_mode="reflect"),
     TypeError, ""),
    ("C19", lambda L: L.nn.Conv2d(3, 4, 1, padding=3, padding_mode="reflect")(L.randn(1, 3, 3, 3)),
     RuntimeError,
     r"^Argument #4: Padding size should be less than the corresponding input dimension, but got: padding "
     r"\(3, 3\) at dimension 3 of input \[1, 3, 3, 3\]$"),
    ("C20", lambda L: L.nn.Conv2d(3, 4, 1, padding=4, padding_mode="circular")(L.randn(1, 3, 3, 3)),
     RuntimeError,
     r"^Padding value causes wrapping around more than once\.$"),
    ("C21", lambda L: L.nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")(L.randn(5, 5)),
     NotImplementedError, r"^Padding size 4 is not supported for 2D input tensor\.\nSupported combinations"),
    ("C22 stride", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), stride=2.0), TypeError,
     r"^conv2d\(\) received an invalid combination of arguments - got \("),
    ("C22 bool", lambda L: L.nn.Conv2d(3, 8, 3, padding=True)(L.randn(1, 3, 8, 8)), TypeError,
     r"^conv2d\(\) received an invalid combination of arguments - got \(Tensor, Parameter, Parameter, tuple, "
     r"tuple, tuple, int\), but expected one of:\n \* \(Tensor input, Tensor weight, Tensor bias = None, "
     r"tuple of ints stride = 1, tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1\)\n"),
    ("C22 keyword", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), stride=2.0), TypeError,
     r"^conv2d\(\) received an invalid combination of arguments - got \(Tensor, Tensor, stride=float\), "),
    ("C22 no bias", lambda L: L.nn.Conv2d(3, 8, 3, stride=2.0, bias=False)(L.randn(1, 3, 8, 8)), TypeError,
     r"^conv2d\(\) received an invalid combination of arguments - got \(Tensor, Parameter, NoneType, tuple, "
     r"tuple, tuple, int\), "),
    ("C22 first element", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), stride=(1.0, 1)),
     TypeError, r"^conv2d\(\) received an invalid combination of arguments"),
    ("C22 later element", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), stride=[1, 2.0]),
     TypeError, r"""^conv2d\(\): argument 'stride' failed to unpack the object at pos 2 with error "type """
                r"""must be tuple of ints,but got float"$"""),
    ("C22 overflow", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3), stride=2 ** 63),
     ValueError, r"^Overflow when unpacking long long$"),
    ("C22 groups overflow", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3, 3),
                                                 groups=-2 ** 63 - 1),
     ValueError, r"^Overflow when unpacking long long$"),
    ("None padding", lambda L: L.nn.Conv2d(3, 8, 3, padding=None)(L.randn(1, 3, 8, 8)), TypeError,
     r"invalid combination of arguments"),
    ("float groups", lambda L: L.F.conv2d(L.randn(1, 4, 8, 8), L.randn(8, 2, 3, 3), groups=2.0), TypeError,
     r"invalid combination of arguments"),
    ("list input", lambda L: L.F.conv2d([[1.0]], L.randn(8, 3, 3, 3)), TypeError,
     r"invalid combination of arguments"),
    ("2-D weight", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3)), RuntimeError,
     r"^weight should have at least three dimensions$"),
    ("3-D weight", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(8, 3, 3)), RuntimeError,
     r"^expected stride to be a single integer value or a list of 1 values to match the convolution "
     r"dimensions, but got stride=\[1, 1\]$"),
    ("no output channels", lambda L: L.F.conv2d(L.randn(1, 3, 8, 8), L.randn(0, 3, 3, 3)), RuntimeError,
     r"^Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size "
     r"\[0, 3, 3, 3\]"),
    ("zero kernel", lambda L: L.F.conv2d(L.randn(1, 3, 5, 5, dtype=L.float64),
                                         L.randn(4, 3, 0, 3, dtype=L.float64)), RuntimeError,
     r"^kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 3$"),
    ("empty image", lambda L: L.F.conv2d(L.randn(2, 3, 0, 5), L.randn(4, 3, 3, 3), padding=2), RuntimeError,
     r"^Only zero batch or zero channel inputs are supported, but got input shape: \[2, 3, 0, 5\]$"),
    ("zero batch too small", lambda L: L.F.conv2d(L.randn(0, 3, 2, 2), L.randn(4, 3, 3, 3)), RuntimeError,
     r"Calculated padded input size per channel: \(2 x 2\)"),
    # transposed convolution
    ("T output_padding", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), stride=2,
                                                        output_padding=2), RuntimeError,
     r"^output padding must be smaller than either stride or dilation, but got output_padding_height: 2 "
     r"output_padding_width: 2 stride_height: 2 stride_width: 2 dilation_height: 1 dilation_width: 1$"),
    ("T negative output_padding", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3),
                                                                 output_padding=-1), RuntimeError,
     r"^negative output_padding is not supported$"),
    ("T too small", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), padding=4),
     RuntimeError, r"^Given input size per channel: \(5 x 5\)\. Calculated output size per channel: "
                   r"\(-1 x -1\)\. Output size is too small$"),
    ("T channels", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(4, 4, 3, 3)), RuntimeError,
     r"^Given transposed=1, weight of size \[4, 4, 3, 3\], expected input\[1, 3, 5, 5\] to have 4 channels, "
     r"but got 3 channels instead$"),
    ("T bias", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), L.randn(3)),
     RuntimeError, r"^Given transposed=1, weight of size \[3, 4, 3, 3\], expected bias to be 1-dimensional "
                   r"with 4 elements, but got bias of size \[3\] instead$"),
    ("T groups", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), groups=2),
     RuntimeError, r"expected weight to be divisible by 2 at dimension 0"),
    ("T rank", lambda L: L.F.conv_transpose2d(L.randn(5, 5), L.randn(3, 4, 3, 3)), RuntimeError,
     r"^Expected 3D \(unbatched\) or 4D \(batched\) input to conv_transpose2d, but got input of size: "
     r"\[5, 5\]$"),
    ("T dtype", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5, dtype=L.float64), L.randn(3, 4, 3, 3)),
     RuntimeError, r"^expected scalar type Double but found Float$"),
    ("T string padding", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3),
                                                        padding="same"), TypeError,
     r"^conv_transpose2d\(\): argument 'padding' must be tuple of ints, not str$"),
    ("T float stride", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), stride=2.0),
     TypeError, r"^conv_transpose2d\(\): argument 'stride' must be tuple of ints, not float$"),
    ("T bool groups", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), groups=True),
     TypeError, r"^conv_transpose2d\(\): argument 'groups' must be int, not bool$"),
    ("T positional stride", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), None,
                                                           2.0),
     TypeError, r"^conv_transpose2d\(\): argument 'stride' \(position 4\) must be tuple of ints, not float$"),
    ("T module stride", lambda L: L.nn.ConvTranspose2d(3, 4, 3, stride=2.0, bias=False)(L.randn(1, 3, 5, 5)),
     TypeError, r"^conv_transpose2d\(\): argument 'stride' \(position 4\) must be tuple of ints, but found "
                r"element of type float at pos 0$"),
    ("T stride overflow", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3),
                                                         stride=2 ** 63),
     ValueError, r"^Overflow when unpacking long long$"),
    ("T list weight", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), [1.0]), TypeError,
     r"^conv_transpose2d\(\): argument 'weight' \(position 2\) must be Tensor, not list$"),
    ("T output_padding length", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3),
                                                               output_padding=(1, 1, 1)), RuntimeError,
     r"but got output_padding=\[1, 1, 1\]$"),
    ("T dilation", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 5, 5), L.randn(3, 4, 3, 3), dilation=0),
     RuntimeError, r"^dilation should be greater than zero, but got dilation_height: 0, dilation_width: 0$"),
    ("T empty image", lambda L: L.F.conv_transpose2d(L.randn(1, 3, 0, 5), L.randn(3, 4, 3, 3)), RuntimeError,
     r"^Only zero batch or zero channel inputs are supported, but got input shape: \[1, 3, 0, 5\]$"),
    # unfold / fold
    ("unfold too big", lambda L: L.F.unfold(L.randn(1, 3, 4, 9), (6, 2)), RuntimeError,
     r"^Given input with spatial size \(4, 9\), kernel_size=\(6, 2\), dilation=\(1, 1\), padding=\(0, 0\), "
     r"calculated shape of the array of sliding blocks as \(-1, 8\), but its components must be at least "
     r"one\.$"),
    ("unfold kernel 0", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), 0), RuntimeError,
     r"^kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0$"),
    ("unfold stride", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), 3, stride=0), RuntimeError,
     r"^stride should be greater than zero, but got stride_height: 0 stride_width: 0$"),
    ("unfold padding", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), 3, padding=-1), RuntimeError,
     r"^padding should be non-negative, but got pad_height: -1 pad_width: -1$"),
    ("unfold dilation", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), 3, dilation=0), RuntimeError,
     r"^dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0$"),
    ("unfold length", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), (3, 3, 3)), RuntimeError,
     r"^It is expected kernel_size equals to 2, but got size 3$"),
    ("unfold float", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), 3.0), TypeError,
     r"^im2col\(\): argument 'kernel_size' \(position 2\) must be tuple of ints, but found element of type "
     r"float at pos 0$"),
    ("unfold stride float", lambda L: L.F.unfold(L.randn(1, 3, 5, 5), 3, stride=1.5), TypeError,
     r"^im2col\(\): argument 'stride' \(position 5\) must be tuple of ints, but found element of type "
     r"float at pos 0$"),
    ("unfold list input", lambda L: L.F.unfold([1.0], 3), TypeError,
     r"^im2col\(\): argument 'input' \(position 1\) must be Tensor, not list$"),
    ("fold later element", lambda L: L.F.fold(L.randn(1, 27, 9), (5, None), 3), TypeError,
     r"""^col2im\(\): argument 'output_size' failed to unpack the object at pos 2 with error "type must be """
     r"""tuple of ints,but got NoneType"$"""),
    ("unfold channels", lambda L: L.F.unfold(L.randn(1, 0, 5, 5), 3), RuntimeError,
     r"^Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size and other non-zero dimensions for "
     r"input, but got: \[1, 0, 5, 5\]$"),
    ("unfold 2-D", lambda L: L.F.unfold(L.randn(5, 5), 3), IndexError, r"^Dimension out of range"),
    ("fold divisible", lambda L: L.F.fold(L.randn(1, 26, 9), (5, 5), 3), RuntimeError,
     r"^Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
     r"input\.size\(1\)=26 and kernel_size=\(3, 3\)\.$"),
    ("fold blocks", lambda L: L.F.fold(L.randn(1, 27, 8), (5, 5), 3), RuntimeError,
     r"^Given output_size=\(5, 5\), kernel_size=\(3, 3\), dilation=\(1, 1\), padding=\(0, 0\), "
     r"stride=\(1, 1\), "
     r"expected size of input's dimension 2 to match the calculated number of sliding blocks 3 \* 3 = 9, but "
     r"got input\.size\(2\)=8\.$"),
    ("fold rank", lambda L: L.F.fold(L.randn(1, 1, 27, 9), (5, 5), 3), RuntimeError,
     r"^Expected 2D or 3D \(batch mode\) tensor for input with possibly 0 batch size and non-zero dimensions "
     r"for input, but got: \[1, 1, 27, 9\]$"),
    ("fold output_size", lambda L: L.F.fold(L.randn(1, 27, 9), (5, 5, 5), 3), RuntimeError,
     r"^It is expected output_size equals to 2, but got size 3$"),
]


@pytest.mark.parametrize("build,error,pattern", [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_pytorchs_exception(build, error, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=pattern):
            build(MT)


@pytest.mark.parametrize("build,error,pattern", [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_table_is_what_pytorch_raises(build, error, pattern):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=pattern):
            build(Lib(torch, torch.nn, torch.nn.functional))


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_float16_convolution_runs_and_stays_float16(groups):
    """float16 (which the Numba kernels do not take) goes through the NumPy paths."""
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((4, 4 // groups, 3, 3))
    results = {}
    for dtype in (mt.float16, mt.float32):
        xt = mt.tensor(x, dtype=dtype, requires_grad=True)
        wt = mt.tensor(w, dtype=dtype, requires_grad=True)
        y = F.conv2d(xt, wt, padding=1, groups=groups)
        y.backward(mt.ones_like(y))
        assert y.dtype == xt.grad.dtype == wt.grad.dtype == dtype
        results[dtype] = [t.numpy().astype(np.float32) for t in (y.detach(), xt.grad, wt.grad)]
    for half, single in zip(results[mt.float16], results[mt.float32]):
        np.testing.assert_allclose(half, single, rtol=2e-2, atol=5e-2)


# ---------------------------------------------------------------------------- the dispatcher
DISPATCH_CASES = {  # one geometry per fast path of ops/conv_dispatch.py
    "pointwise": dict(kernel=(1, 1), stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1),
    "subsampled 1x1": dict(kernel=(1, 1), stride=(2, 2), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1),
    "subsampled dilated": dict(kernel=(3, 3), stride=(2, 2), padding=(2, 2, 1, 1), dilation=(2, 2),
                               groups=2),
    "depthwise": dict(kernel=(3, 3), stride=(1, 1), padding=(1, 1, 1, 1), dilation=(1, 1), groups=4),
    "general": dict(kernel=(3, 2), stride=(2, 1), padding=(1, 1, 0, 0), dilation=(1, 2), groups=2),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(DISPATCH_CASES))
def test_every_dispatched_path_computes_what_the_reference_kernel_computes(case, dtype):
    """Forward, input gradient, weight gradient: the dispatcher's choice against the plain
    im2col/GEMM/col2im kernels of ops/conv.py called directly."""
    from minitorch_conv.backends import get_backend
    from minitorch_conv.ops import conv_dispatch

    g = DISPATCH_CASES[case]
    rng = np.random.default_rng(11)
    backend = get_backend("cpu")
    params = conv_ops.ConvParams(g["stride"], g["padding"], g["dilation"], g["groups"])
    x = rng.standard_normal((3, 4, 9, 8)).astype(dtype)
    w = rng.standard_normal((8, 4 // g["groups"], *g["kernel"])).astype(dtype)
    b = rng.standard_normal(8).astype(dtype)
    Ho, Wo = conv_ops.conv_output_size((9, 8), g["kernel"], params)
    dy = rng.standard_normal((3, 8, Ho, Wo)).astype(dtype)
    pairs = [
        (conv_dispatch.conv2d(conv_ops.conv2d_array, backend, x, w, params, b),
         conv_ops.conv2d_array(backend, x, w, params, b)),
        (conv_dispatch.conv2d_input_grad(conv_ops.conv_transpose2d_array, backend, dy, w, params, (9, 8)),
         conv_ops.conv_transpose2d_array(backend, dy, w, params, (9, 8))),
        (conv_dispatch.conv2d_weight_grad(conv_ops.conv2d_weight_grad_array, backend, x, dy, g["kernel"],
                                          params),
         conv_ops.conv2d_weight_grad_array(backend, x, dy, g["kernel"], params)),
    ]
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    for dispatched, reference in pairs:
        assert dispatched.shape == reference.shape and dispatched.dtype == reference.dtype
        np.testing.assert_allclose(dispatched, reference, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride, dilation, groups", [(1, 1, 1), (1, 2, 2), (2, 1, 1)])
def test_weight_gradient_from_the_forwards_columns_is_the_reference(dtype, stride, dilation, groups):
    """On the im2col+GEMM path (4x4 planes) the forward keeps its columns and the weight gradient
    reuses them: the numbers of a window-by-window NumPy reference, once per backward (a second
    backward of a retained graph builds them again), and none kept under no_grad."""
    rng = np.random.default_rng(12)
    x_np = rng.standard_normal((3, 4, 4, 4)).astype(dtype)
    w_np = rng.standard_normal((6, 4 // groups, 3, 3)).astype(dtype)
    x = mt.tensor(x_np, requires_grad=True)
    w = mt.tensor(w_np, requires_grad=True)
    with mt.backends.explain(file=False) as lines:
        y = F.conv2d(x, w, stride=stride, padding=1, dilation=dilation, groups=groups)
    assert "-> im2col+GEMM" in lines[0]
    dy = rng.standard_normal(tuple(y.shape)).astype(dtype)
    with mt.backends.explain(file=False) as lines:
        y.backward(mt.tensor(dy), retain_graph=True)
    assert any("conv2d weight grad" in line and "-> forward's columns" in line for line in lines)
    _, expected, _ = ref.conv2d_grads(x_np.astype(np.float64), w_np.astype(np.float64), dy.astype(np.float64),
                                      (stride, stride), (1, 1, 1, 1), (dilation, dilation), groups)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), expected, **tol)
    assert y.grad_fn.ctx.columns is None  # used once, then let go
    y.backward(mt.tensor(dy))
    np.testing.assert_allclose(w.grad.numpy(), 2 * expected, **tol)
    with mt.no_grad():
        assert F.conv2d(x, w, padding=1, groups=groups).grad_fn is None


def test_explain_environment_variable_traces_a_whole_program():
    import os
    import subprocess
    import sys

    code = ("import minitorch_conv as mt, minitorch_conv.nn.functional as F; "
            "F.conv2d(mt.ones(1, 2, 5, 5), mt.ones(3, 2, 3, 3))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "MINITORCH_CONV_EXPLAIN": "1"})
    assert "conv2d forward: x (1, 2, 5, 5), W (3, 2, 3, 3)" in done.stderr
    assert "-> im2col+GEMM" in done.stderr or "-> direct" in done.stderr
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={k: v for k, v in os.environ.items() if k != "MINITORCH_CONV_EXPLAIN"})
    assert "conv2d forward" not in quiet.stderr


def test_a_gpu_backend_chunks_the_columns_by_its_budget_alone():
    """The CPU builds columns in cache-sized chunks, an image at a time past ONE_IMAGE_BYTES; a
    backend with its own budget (the CuPy one) takes the whole batch when it fits, so the GPU does
    not loop over the images (the H200 run: (64,32,16,16) 3x3 took twice (32,64,32,32)'s time)."""
    from minitorch_conv.backends import get_backend

    per_image = 288 * 256 * 4  # (64,32,16,16) 3x3: 295 KB of columns per image
    assert len(conv_ops._batch_chunks(64, per_image, get_backend("cpu"))) == 64
    gpu_like = types.SimpleNamespace(im2col_budget_bytes=256 * 2**20)
    assert conv_ops._batch_chunks(64, per_image, gpu_like) == [slice(0, 64)]
    small = types.SimpleNamespace(im2col_budget_bytes=10 * per_image)
    chunks = conv_ops._batch_chunks(64, per_image, small)
    assert [c.stop - c.start for c in chunks] == [10] * 6 + [4]


@pytest.mark.parametrize("fn,x_shape,w_shape", [("conv_transpose2d", (1, 1, 3, 3), (1, 2, 2, 2)),
                                                ("conv_transpose1d", (1, 1, 3), (1, 2, 2)),
                                                ("conv_transpose3d", (1, 1, 2, 2, 2), (1, 2, 2, 2, 2))])
@pytest.mark.parametrize("bias_dtype", ["float64", "float16", "int64"])
def test_transposed_convolution_bias_of_another_dtype_as_pytorch(fn, x_shape, w_shape, bias_dtype):
    """PyTorch adds a bias of any dtype to a 1-D or 2-D transposed convolution (cast to the
    output's dtype; its gradient comes back in its own), and refuses one in 3-D."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        bias = lib.ones(2, dtype=getattr(lib, bias_dtype)) * 2
        if bias_dtype == "float64":
            bias.requires_grad_()
        try:
            y = getattr(lib.nn.functional, fn)(lib.ones(*x_shape), lib.ones(*w_shape), bias)
        except RuntimeError as error:
            results.append(str(error))
            continue
        y.sum().backward() if bias.requires_grad else None
        grad = None if bias.grad is None else (bias.grad.tolist(), str(bias.grad.dtype).split(".")[-1])
        results.append((str(y.dtype).split(".")[-1], y.detach().numpy().tolist(), grad))
    assert results[0] == results[1]
