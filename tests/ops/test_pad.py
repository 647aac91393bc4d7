"""F.pad: values against np.pad (constant, reflect, edge, wrap), crops, gradients, errors.

The gradient of a pad is its adjoint; ``<pad(x), y> == <x, pad_backward(y)>`` checks it exactly,
central differences check it again, and a gradient of a gradient checks the adjoint's own backward.
"""

from __future__ import annotations

import warnings

import conv_reference as ref
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitorch_conv as mt
import minitorch_conv.nn.functional as F

DRAWN = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def pad_cases(draw, allow_negative: bool):
    """(shape, pad, mode) within PyTorch's limits; pads listed last dimension first."""
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    if mode == "constant":
        ndim = draw(st.integers(1, 4))
        padded_dims = draw(st.integers(0, ndim))
    else:
        padded_dims = draw(st.integers(1, 3))
        ndim = padded_dims + draw(st.integers(1, 2))
    shape = [draw(st.integers(1, 3)) for _ in range(ndim - padded_dims)]
    shape += [draw(st.integers(1, 5)) for _ in range(padded_dims)]
    pad = []
    for n in reversed(shape[ndim - padded_dims:]):
        for _ in range(2):
            low = -((n - 1) // 2) if allow_negative else 0  # keep at least one row
            high = {"reflect": n - 1, "circular": n}.get(mode, 4)
            pad.append(draw(st.integers(low, high)))
        if mode == "circular":  # what is left after cropping must still cover each wrap
            kept = n + min(pad[-2], 0) + min(pad[-1], 0)
            pad[-2], pad[-1] = (min(p, kept) for p in pad[-2:])
    return tuple(shape), tuple(pad), mode


def expected_pad(x: np.ndarray, pad, mode: str, value: float = 0.0) -> np.ndarray:
    """np.pad for the positive amounts and slicing for the negative ones, in PyTorch's order:
    circular crops first and wraps what is left; the other modes pad first, then crop."""
    k = len(pad) // 2
    pairs = [(0, 0)] * (x.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    grow = [(max(b, 0), max(a, 0)) for b, a in pairs]
    crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pairs, x.shape))
    if mode == "circular":
        return np.pad(x[crop], grow, mode="wrap")
    kwargs = {"constant_values": value} if mode == "constant" else {}
    padded = np.pad(x, grow, mode=NP_MODE[mode], **kwargs)
    grown_crop = tuple(slice(max(-b, 0), padded.shape[d] - max(-a, 0)) for d, (b, a) in enumerate(pairs))
    return padded[grown_crop]


@DRAWN
@given(case=pad_cases(allow_negative=False), value=st.floats(-3, 3), seed=st.integers(0, 2**16))
def test_pad_matches_numpy_modes(case, value, seed):
    shape, pad, mode = case
    x = np.random.default_rng(seed).standard_normal(shape)
    got = F.pad(mt.tensor(x), pad, mode, value if mode == "constant" else None)
    want = np.pad(x, [(0, 0)] * (len(shape) - len(pad) // 2)
                  + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(len(pad) // 2))],
                  mode=NP_MODE[mode], **({"constant_values": value} if mode == "constant" else {}))
    np.testing.assert_array_equal(got.numpy(), want)


@DRAWN
@given(case=pad_cases(allow_negative=True), seed=st.integers(0, 2**16))
def test_negative_pads_crop_and_the_gradient_is_the_adjoint(case, seed):
    shape, pad, mode = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    xt = mt.tensor(x, requires_grad=True)
    y = F.pad(xt, pad, mode)
    want = expected_pad(x, pad, mode)
    np.testing.assert_array_equal(y.detach().numpy(), want)
    upstream = rng.standard_normal(want.shape)
    y.backward(mt.tensor(upstream))
    # <pad(x), u> == <x, pad^T(u)> for every x: the gradient is the adjoint
    np.testing.assert_allclose(np.sum(want * upstream), np.sum(x * xt.grad.numpy()), rtol=1e-10, atol=1e-10)
    other = rng.standard_normal(shape)
    np.testing.assert_allclose(np.sum(expected_pad(other, pad, mode) * upstream),
                               np.sum(other * xt.grad.numpy()), rtol=1e-10, atol=1e-10)


@DRAWN
@given(case=pad_cases(allow_negative=True), seed=st.integers(0, 2**16))
def test_pad_and_its_gradient_match_pytorch(case, seed):
    torch = pytest.importorskip("torch")
    shape, pad, mode = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = F.pad(ours, pad, mode), torch.nn.functional.pad(theirs, pad, mode)
    np.testing.assert_array_equal(y_ours.detach().numpy(), y_theirs.detach().numpy())
    upstream = rng.standard_normal(tuple(y_theirs.shape))
    y_ours.backward(mt.tensor(upstream))
    y_theirs.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode,pad", [("constant", (2, -1, 0, 3)), ("reflect", (2, 1, 1, 2)),
                                      ("replicate", (4, 0, -1, 2)), ("circular", (3, 2, 1, -1))])
def test_pad_gradient_matches_central_differences(mode, pad, rng):
    x = rng.standard_normal((2, 3, 4))
    xt = mt.tensor(x, requires_grad=True)
    y = F.pad(xt, pad, mode)
    upstream = rng.standard_normal(tuple(y.shape))
    y.backward(mt.tensor(upstream))

    def scalar(a):
        return float(np.sum(F.pad(mt.tensor(a), pad, mode).numpy() * upstream))

    np.testing.assert_allclose(xt.grad.numpy(), ref.numerical_gradient(scalar, (x,), 0), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_gradient_of_the_pad_gradient(mode, rng):
    """P(x, v) = sum(c * g**2 * x_crop) with g = d<v, pad(x)>/dx: differentiates the adjoint too."""
    pad = (2, 1, 1, 2)
    x, c = rng.standard_normal((1, 2, 4, 5)), rng.standard_normal((1, 2, 4, 5))
    v = rng.standard_normal((1, 2, 7, 8))

    def penalty(xt, vt):
        (g,) = mt.autograd.grad((F.pad(xt, pad, mode) * vt).sum(), xt, create_graph=True)
        return (g * g * xt * mt.tensor(c)).sum()

    tensors = [mt.tensor(a, requires_grad=True) for a in (x, v)]
    penalty(*tensors).backward()

    def value(*arrays):
        return penalty(*[mt.tensor(a, requires_grad=True) for a in arrays]).item()

    for i, tensor in enumerate(tensors):
        np.testing.assert_allclose(tensor.grad.numpy(), ref.numerical_gradient(value, (x, v), i),
                                   rtol=1e-6, atol=1e-7)


def test_pad_keeps_float32_and_casts_the_value():
    x = mt.ones(1, 2, 3, dtype=mt.float32)
    y = F.pad(x, (1, 1), value=np.float64(0.5))
    assert y.dtype == mt.float32
    assert y[0, 0, 0].item() == 0.5 and y[0, 0, 1].item() == 1.0


def test_pad_of_non_contiguous_input(rng):
    x = rng.standard_normal((2, 3, 6, 8))
    view = mt.from_numpy(x[:, :, ::2, ::2])
    assert not view.is_contiguous()
    for mode in ("constant", "reflect", "replicate", "circular"):
        np.testing.assert_array_equal(F.pad(view, (1, 2, 2, 1), mode).numpy(),
                                      F.pad(mt.tensor(np.ascontiguousarray(x[:, :, ::2, ::2])),
                                            (1, 2, 2, 1), mode).numpy())


def test_zero_batch_pads_in_every_mode():
    for mode in ("constant", "reflect", "replicate", "circular"):
        assert tuple(F.pad(mt.randn(0, 3, 4, 4), (1, 1, 1, 1), mode).shape) == (0, 3, 6, 6)


def test_the_documented_examples():
    x = mt.tensor([[[1.0, 2.0, 3.0]]])
    assert F.pad(x, (2, 1), mode="reflect").tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]
    assert F.pad(x, (2, 1), mode="replicate").tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]]
    assert F.pad(x, (2, 1), mode="circular").tolist() == [[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]]
    assert F.pad(x, (1, -1), value=9.0).tolist() == [[[9.0, 1.0, 2.0]]]


class Lib:
    def __init__(self, module, functional):
        self.m, self.F = module, functional

    def randn(self, *shape):
        return self.m.randn(tuple(shape))


BAD_PADS = [
    ("odd length", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 2, 3)), RuntimeError,
     r"^Padding length must be divisible by 2$"),
    ("too long", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1) * 5), RuntimeError,
     r"^Padding length should be less than or equal to two times the input dimension but got padding "
     r"length 10 and input of dimension 4$"),
    ("crop past the end", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (-3, -3)), RuntimeError,
     r"^narrow\(\): length must be non-negative\.$"),
    ("unknown mode", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1, 1, 1), mode="foo"), NotImplementedError,
     r"^Unrecognised padding mode foo$"),
    ("case of mode", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1, 1, 1), mode="Reflect"),
     NotImplementedError,
     r"^Unrecognised padding mode Reflect$"),
    ("value with reflect", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1), mode="reflect", value=1.0),
     RuntimeError, r'^Padding mode "reflect" doesn\'t take in value argument$'),
    ("2-D input, 4 pads", lambda L: L.F.pad(L.randn(5, 5), (1, 1, 1, 1), mode="reflect"), NotImplementedError,
     r"^Padding size 4 is not supported for 2D input tensor\.\nSupported combinations for non-constant "
     r"padding:\n  - 2D or 3D input: padding size = 2 \(pads last dimension\)\n"),
    ("4-D input, 2 pads", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1), mode="circular"),
     NotImplementedError,
     r"^Padding size 2 is not supported for 4D input tensor\."),
    ("reflect too wide", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (5, 1, 1, 1), mode="reflect"), RuntimeError,
     r"^Argument #4: Padding size should be less than the corresponding input dimension, but got: padding "
     r"\(5, 1\) at dimension 3 of input \[1, 3, 5, 5\]$"),
    ("reflect too high", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1, 5, 1), mode="reflect"), RuntimeError,
     r"^Argument #6: .* padding \(5, 1\) at dimension 2 of input \[1, 3, 5, 5\]$"),
    ("reflect 1-D", lambda L: L.F.pad(L.randn(3, 5), (5, 1), mode="reflect"), RuntimeError,
     r"^Argument #4: .* at dimension 1 of input \[3, 5\]$"),
    ("reflect 3-D depth", lambda L: L.F.pad(L.randn(1, 2, 3, 5, 5), (1, 1, 1, 1, 3, 1), mode="reflect"),
     RuntimeError, r"^Argument #8: .* padding \(3, 1\) at dimension 2 of input \[1, 2, 3, 5, 5\]$"),
    ("reflect empty", lambda L: L.F.pad(L.randn(1, 3, 0, 4), (1, 1, 1, 1), mode="reflect"), RuntimeError,
     r"^Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size and other non-zero dimensions "
     r"for input, but got: \[1, 3, 0, 4\]$"),
    ("replicate empty", lambda L: L.F.pad(L.randn(1, 3, 0, 0), (1, 1, 1, 1), mode="replicate"), RuntimeError,
     r"^Expected 3D or 4D \(batch mode\) tensor .* but got: \[1, 3, 0, 0\]$"),
    ("replicate no channels", lambda L: L.F.pad(L.randn(1, 0, 4, 4), (1, 1, 1, 1), mode="replicate"),
     RuntimeError, r"but got: \[1, 0, 4, 4\]$"),
    ("reflect all negative", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (-3, -3, -3, -3), mode="reflect"),
     RuntimeError, r"^input \(H: 5, W: 5\) is too small\. Calculated output H: -1 W: -1$"),
    ("replicate 1-D negative", lambda L: L.F.pad(L.randn(1, 3, 5), (-4, -4), mode="replicate"), RuntimeError,
     r"^input \(W: 5\) is too small\. Calculated output W: -3$"),
    ("replicate one negative", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1, -4, -4), mode="replicate"),
     RuntimeError, r"^Trying to create tensor with negative dimension -3: \[1, 3, -3, 7\]$"),
    ("circular wraps twice", lambda L: L.F.pad(L.randn(1, 3, 3, 3), (4, 4, 0, 0), mode="circular"),
     RuntimeError, r"^Padding value causes wrapping around more than once\.$"),
    ("circular empty", lambda L: L.F.pad(L.randn(1, 3, 0, 5), (1, 1, 1, 1), mode="circular"), RuntimeError,
     r"^Padding value causes wrapping around more than once\.$"),
    ("circular negative", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (-3, -3, 1, 1), mode="circular"),
     RuntimeError, r"^Negative padding value is resulting in an empty dimension$"),
    ("float pad", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1.5, 1)), TypeError,
     r"^pad\(\): argument 'pad' \(position 2\) must be tuple of ints, but found element of type float "
     r"at pos 0$"),
    ("int pad", lambda L: L.F.pad(L.randn(1, 3, 5, 5), 1), TypeError,
     r"^pad\(\): argument 'pad' \(position 2\) must be tuple of ints, not int$"),
    ("bool pad", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (True, 1)), TypeError,
     r"element of type bool at pos 0$"),
    ("list input", lambda L: L.F.pad([1.0], (1, 1)), TypeError,
     r"^pad\(\): argument 'input' \(position 1\) must be Tensor, not list$"),
    ("None mode", lambda L: L.F.pad(L.randn(1, 3, 5, 5), (1, 1), mode=None), TypeError,
     r"^pad\(\): argument 'mode' \(position 3\) must be str, not NoneType$"),
]


@pytest.mark.parametrize("build,error,pattern", [c[1:] for c in BAD_PADS], ids=[c[0] for c in BAD_PADS])
def test_bad_pads_raise_pytorchs_exception(build, error, pattern):
    with pytest.raises(error, match=pattern):
        build(Lib(mt, F))


@pytest.mark.parametrize("build,error,pattern", [c[1:] for c in BAD_PADS], ids=[c[0] for c in BAD_PADS])
def test_bad_pad_table_is_what_pytorch_raises(build, error, pattern):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=pattern):
            build(Lib(torch, torch.nn.functional))


def test_circular_pad_wider_than_what_cropping_leaves_is_refused():
    """PyTorch reads uninitialised memory here; refusing is the only honest answer."""
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(mt.randn(1, 3, 4, 6), (5, -6, 0, 0), mode="circular")
