"""1-D convolution and pooling, adaptive max pooling, and the smaller layers (channel shuffle, pdist,
bilinear, rrelu): values, gradients and errors against PyTorch, float64 gradchecks, reprs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import same_error_as_torch

import minitorch_conv as mt
import minitorch_conv.nn as nn
import minitorch_conv.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(*shapes, seed=0, requires_grad=True):
    """The same float64 values as (minitorch_conv tensors, torch tensors)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [mt.tensor(a, requires_grad=requires_grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    return ours, theirs


def _compare(our_fn, their_fn, shapes, seed=0, grad=True):
    """Forward values and the gradients of a random upstream agree with PyTorch's."""
    ours, theirs = _pair(*shapes, seed=seed)
    y, t = our_fn(*ours), their_fn(*theirs)
    if isinstance(t, tuple):
        for a, b in zip(y, t):
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        y, t = y[0], t[0]
    assert tuple(y.shape) == tuple(t.shape)
    np.testing.assert_allclose(y.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not grad:
        return
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(t.shape))
    got = mt.autograd.grad([y], ours, [mt.tensor(upstream)], allow_unused=True)
    want = torch.autograd.grad([t], theirs, [torch.tensor(upstream)], allow_unused=True)
    for g, w in zip(got, want):
        g = 0 if g is None else g.numpy()
        w = 0 if w is None else w.numpy()
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-10)


# ---------------------------------------------------------------------------- conv1d
CONV1D_CASES = [
    # x shape, weight shape, bias, kwargs
    ((2, 4, 9), (6, 4, 3), True, {}),
    ((2, 4, 9), (6, 2, 3), True, {"groups": 2, "stride": 2, "padding": 1, "dilation": 2}),
    ((4, 9), (3, 4, 2), False, {"padding": "same"}),
    ((1, 4, 8), (4, 1, 4), True, {"groups": 4, "padding": "same", "dilation": 3}),
    ((3, 2, 7), (5, 2, 7), True, {"padding": "valid"}),
    ((1, 2, 5), (3, 2, 1), True, {"stride": (3,), "padding": [2]}),
]


@pytest.mark.parametrize("xs, ws, bias, kwargs", CONV1D_CASES)
def test_conv1d_values_and_gradients_match_pytorch(xs, ws, bias, kwargs):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    _compare(lambda x, w, *b: F.conv1d(x, w, *b, **kwargs),
             lambda x, w, *b: TF.conv1d(x, w, *b, **kwargs), shapes)


CONV_T1D_CASES = [
    ((2, 4, 5), (4, 3, 3), True, {}),
    ((2, 4, 5), (4, 2, 3), True, {"groups": 2, "stride": 3, "padding": 1, "output_padding": 2,
                                  "dilation": 2}),
    ((4, 6), (4, 2, 2), False, {"stride": 2, "output_padding": 1}),
]


@pytest.mark.parametrize("xs, ws, bias, kwargs", CONV_T1D_CASES)
def test_conv_transpose1d_values_and_gradients_match_pytorch(xs, ws, bias, kwargs):
    out_channels = ws[1] * kwargs.get("groups", 1)
    shapes = [xs, ws] + ([(out_channels,)] if bias else [])
    _compare(lambda x, w, *b: F.conv_transpose1d(x, w, *b, **kwargs),
             lambda x, w, *b: TF.conv_transpose1d(x, w, *b, **kwargs), shapes)


def test_conv1d_gradcheck_and_gradgradcheck():
    ours, _ = _pair((2, 4, 7), (4, 2, 3), (4,))
    fn = lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2)  # noqa: E731
    assert mt.autograd.gradcheck(fn, ours)
    assert mt.autograd.gradgradcheck(fn, ours)
    ours, _ = _pair((2, 4, 4), (4, 3, 3), (3,), seed=1)
    fn = lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, output_padding=1)  # noqa: E731
    assert mt.autograd.gradcheck(fn, ours)


def test_conv1d_node_names_are_pytorchs():
    x = mt.randn(2, 3, 6, requires_grad=True)
    assert F.conv1d(x, mt.randn(4, 3, 2)).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv1d(x[0], mt.randn(4, 3, 2)).grad_fn.name() == "SqueezeBackward1"
    assert F.conv_transpose1d(x, mt.randn(3, 4, 2)).grad_fn.name() == "ConvolutionBackward0"


CONV1D_ERRORS = [
    ("conv1d", (1, 2, 3, 4), (3, 2, 2), {}),
    ("conv1d", (4,), (3, 2, 2), {}),
    ("conv1d", (1, 2, 5), (3, 2), {}),
    ("conv1d", (1, 2, 5), (3, 2, 2, 2), {}),
    ("conv1d", (1, 3, 5), (3, 2, 2), {}),
    ("conv1d", (1, 2, 2), (3, 2, 4), {}),
    ("conv1d", (1, 2, 4), (3, 2, 2), {"dilation": 4}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"groups": 2}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"groups": 0}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"stride": 0}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"padding": -1}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"stride": (1, 2)}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"stride": 2, "padding": "same"}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"padding": "full"}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"stride": 1.5}),
    ("conv1d", (1, 2, 5), (3, 2, 0), {}),
    ("conv1d", (1, 2, 5), (3, 2, 2), {"dilation": 0}),
    ("conv1d", (1, 2, 0), (3, 2, 2), {}),
    ("conv_transpose1d", (1, 2, 3, 4), (2, 3, 2), {}),
    ("conv_transpose1d", (1, 3, 5), (2, 3, 2), {}),
    ("conv_transpose1d", (1, 2, 1), (2, 3, 1), {"padding": 2}),
    ("conv_transpose1d", (1, 2, 5), (2, 3, 2), {"output_padding": 2}),
    ("conv_transpose1d", (1, 2, 5), (2, 3, 0), {}),
    ("conv_transpose1d", (1, 2, 5), (2, 3, 2), {"dilation": 0}),
    ("conv_transpose1d", (1, 2, 5), (2, 3, 2), {"padding": "same"}),
    ("conv_transpose1d", (1, 2, 0), (2, 3, 2), {}),
]


@pytest.mark.parametrize("fn, xs, ws, kwargs", CONV1D_ERRORS)
def test_conv1d_errors_match_pytorch(fn, xs, ws, kwargs):
    same_error_as_torch(lambda: getattr(F, fn)(mt.ones(*xs), mt.ones(*ws), **kwargs),
                lambda: getattr(TF, fn)(torch.ones(*xs), torch.ones(*ws), **kwargs))


def test_conv1d_bias_of_wrong_size_and_dtype():
    same_error_as_torch(lambda: F.conv1d(mt.ones(1, 2, 5), mt.ones(3, 2, 2), mt.ones(4)),
                lambda: TF.conv1d(torch.ones(1, 2, 5), torch.ones(3, 2, 2), torch.ones(4)))
    same_error_as_torch(lambda: F.conv1d(mt.ones(1, 2, 5), mt.ones(3, 2, 2, dtype=mt.float64)),
                lambda: TF.conv1d(torch.ones(1, 2, 5), torch.ones(3, 2, 2, dtype=torch.float64)))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [0, 2, "same", "valid"])
def test_conv1d_module_matches_pytorch_with_its_weights(mode, padding):
    theirs = torch.nn.Conv1d(4, 6, 4, padding=padding, padding_mode=mode, groups=2).double()
    ours = nn.Conv1d(4, 6, 4, padding=padding, padding_mode=mode, groups=2, dtype=mt.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 9))
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_conv_transpose1d_module_output_size_and_weights():
    theirs = torch.nn.ConvTranspose1d(4, 6, 3, stride=2, groups=2).double()
    ours = nn.ConvTranspose1d(4, 6, 3, stride=2, groups=2, dtype=mt.float64)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (4, 3, 3)
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((1, 4, 5))
    for size in (None, [12], [1, 6, 12]):
        np.testing.assert_allclose(ours(mt.tensor(x), output_size=size).detach().numpy(),
                                   theirs(torch.tensor(x), output_size=size).detach().numpy(), rtol=1e-10)
    same_error_as_torch(lambda: ours(mt.tensor(x), output_size=[20]),
                lambda: theirs(torch.tensor(x), output_size=[20]))
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose1d(4, 6, 3, padding_mode="reflect")


def test_conv1d_module_reprs_and_constructor_errors():
    for args, kwargs in [((16, 33, 3), {"stride": 2}),
                         ((4, 6, 3), {"padding": 1, "dilation": 2, "groups": 2, "bias": False,
                                      "padding_mode": "reflect"}),
                         ((4, 6, 2), {"padding": "same"})]:
        assert repr(nn.Conv1d(*args, **kwargs)) == repr(torch.nn.Conv1d(*args, **kwargs))
    assert repr(nn.ConvTranspose1d(4, 6, 3, stride=2, output_padding=1, groups=2)) == \
        repr(torch.nn.ConvTranspose1d(4, 6, 3, stride=2, output_padding=1, groups=2))
    for kwargs in ({"groups": 4}, {"padding": "full"}, {"padding": "same", "stride": 2},
                   {"padding_mode": "wrap"}):
        same_error_as_torch(lambda kw=kwargs: nn.Conv1d(6, 6, 3, **kw),
                    lambda kw=kwargs: torch.nn.Conv1d(6, 6, 3, **kw))
    assert not isinstance(nn.ConvTranspose1d(2, 2, 2), nn.ConvTranspose2d)


def test_conv1d_initialisation_follows_pytorchs_bound():
    mt.manual_seed(0)
    m = nn.Conv1d(8, 16, 5, groups=2)
    bound = 1 / math.sqrt(8 // 2 * 5)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # spread over the whole interval, not a narrower one
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound


# ---------------------------------------------------------------------------- 1-D pooling
POOL_CASES = [
    ("avg_pool1d", (2, 3, 9), {"kernel_size": 3}),
    ("avg_pool1d", (3, 10), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True}),
    ("avg_pool1d", (2, 3, 8), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ("max_pool1d", (2, 3, 9), {"kernel_size": 3}),
    ("max_pool1d", (3, 10), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}),
    ("max_pool1d", (2, 3, 9), {"kernel_size": 2, "stride": 1, "return_indices": True}),
    ("adaptive_avg_pool1d", (2, 3, 10), {"output_size": 4}),
    ("adaptive_avg_pool1d", (3, 5), {"output_size": 7}),
    ("adaptive_max_pool1d", (2, 3, 10), {"output_size": 4, "return_indices": True}),
    ("adaptive_max_pool1d", (3, 5), {"output_size": 7}),
    ("adaptive_max_pool2d", (2, 3, 7, 9), {"output_size": (3, 4), "return_indices": True}),
    ("adaptive_max_pool2d", (3, 5, 4), {"output_size": (7, None)}),
    ("adaptive_max_pool2d", (3, 6, 6), {"output_size": 1}),
    ("lp_pool1d", (2, 3, 9), {"norm_type": 2, "kernel_size": 3}),
    ("lp_pool1d", (2, 3, 9), {"norm_type": 3.0, "kernel_size": 2, "stride": 1, "ceil_mode": True}),
    ("lp_pool2d", (2, 3, 6, 7), {"norm_type": 2, "kernel_size": (2, 3), "stride": 2}),
    ("lp_pool2d", (2, 3, 6, 7), {"norm_type": float("inf"), "kernel_size": 2}),
]


@pytest.mark.parametrize("fn, shape, kwargs", POOL_CASES)
def test_pooling_values_indices_and_gradients_match_pytorch(fn, shape, kwargs):
    positive = fn.startswith("lp_pool") and kwargs["norm_type"] == 3.0  # x**3 of a negative: NaN roots
    wrap = (lambda x: x.abs() + 0.1) if positive else (lambda x: x)
    _compare(lambda x: getattr(F, fn)(wrap(x), **kwargs), lambda x: getattr(TF, fn)(wrap(x), **kwargs),
             [shape])


def test_pooling_gradcheck():
    ours, _ = _pair((2, 2, 7))
    x = ours[0]
    assert mt.autograd.gradcheck(lambda t: F.avg_pool1d(t, 3, 2, 1, True, False), (x,))
    assert mt.autograd.gradcheck(lambda t: F.max_pool1d(t, 3, 2, 1, 2), (x,))
    assert mt.autograd.gradcheck(lambda t: F.adaptive_avg_pool1d(t, 4), (x,))
    assert mt.autograd.gradcheck(lambda t: F.adaptive_max_pool1d(t, 9), (x,))  # overlapping windows
    ours, _ = _pair((2, 5, 6), seed=2)
    assert mt.autograd.gradcheck(lambda t: F.adaptive_max_pool2d(t, (3, 4)), ours)
    assert mt.autograd.gradgradcheck(lambda t: F.adaptive_max_pool2d(t, (3, 4)), ours)


def test_adaptive_max_pool_picks_pytorchs_index_for_ties_nan_and_inf():
    nan, inf = float("nan"), float("inf")
    for rows in ([[nan, 1.0], [3.0, nan]], [[1.0, 3.0], [3.0, 1.0]], [[-inf, -inf], [-inf, -inf]],
                 [[2.0, nan, 5.0, nan, 1.0]]):
        for size in (1, (1, 2)):
            ours = F.adaptive_max_pool2d(mt.tensor([rows]), size, return_indices=True)
            theirs = TF.adaptive_max_pool2d(torch.tensor([rows]), size, return_indices=True)
            np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
            np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
            assert ours[1].dtype == mt.int64


def test_integer_average_pooling_rounds_toward_zero_like_pytorch():
    x = [[[1, 2, -1, -2, 5, -7, 3]]]
    for kwargs in ({"kernel_size": 2}, {"kernel_size": 3, "padding": 1, "ceil_mode": True}):
        ours, theirs = F.avg_pool1d(mt.tensor(x), **kwargs), TF.avg_pool1d(torch.tensor(x), **kwargs)
        assert ours.dtype == mt.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


POOL_ERRORS = [
    ("avg_pool1d", (1, 2, 3, 4), (2,), {}),
    ("avg_pool1d", (4,), (2,), {}),
    ("avg_pool1d", (1, 2, 5), ((2, 2),), {}),
    ("avg_pool1d", (1, 2, 5), (0,), {}),
    ("avg_pool1d", (1, 2, 5), (2, 0), {}),
    ("avg_pool1d", (1, 2, 5), (2, 1, 2), {}),
    ("avg_pool1d", (1, 2, 5), (2, 1, -1), {}),
    ("avg_pool1d", (1, 2, 5), (-2, 1), {}),
    ("avg_pool1d", (1, 2, 1), (3,), {}),
    ("avg_pool1d", (1, 2, 0), (1,), {}),
    ("avg_pool1d", (1, 2, 5), (2.0,), {}),
    ("max_pool1d", (1, 2, 3, 4), (2,), {}),
    ("max_pool1d", (1, 2, 3, 4), (2,), {"return_indices": True}),
    ("max_pool1d", (1, 2, 5), ((2, 2),), {}),
    ("max_pool1d", (1, 2, 5), ((2, 2),), {"return_indices": True}),
    ("max_pool1d", (1, 2, 5), (0,), {}),
    ("max_pool1d", (1, 2, 5), (0,), {"return_indices": True}),
    ("max_pool1d", (1, 2, 5), (2, 0), {}),
    ("max_pool1d", (1, 2, 5), (2, 1, 2), {}),
    ("max_pool1d", (1, 2, 5), (2, 1, 2), {"return_indices": True}),
    ("max_pool1d", (1, 2, 5), (2, 1, 0, 0), {}),
    ("max_pool1d", (1, 2, 5), (2, 1, 0, 0), {"return_indices": True}),
    ("max_pool1d", (1, 2, 1), (3,), {}),
    ("max_pool1d", (1, 2, 1), (3,), {"return_indices": True}),
    ("max_pool1d", (1, 2, 0), (1,), {}),
    ("max_pool1d", (1, 2, 5), ((2,), (1, 1)), {}),
    ("adaptive_avg_pool1d", (1, 2, 3, 4), (2,), {}),
    ("adaptive_avg_pool1d", (1, 2, 3), ((2, 2),), {}),
    ("adaptive_avg_pool1d", (1, 2, 3), (-1,), {}),
    ("adaptive_avg_pool1d", (1, 2, 0), (2,), {}),
    ("adaptive_max_pool1d", (1, 2, 3, 4), (2,), {}),
    ("adaptive_max_pool1d", (1, 2, 3), ((2, 2),), {}),
    ("adaptive_max_pool1d", (1, 2, 3), (-1,), {}),
    ("adaptive_max_pool1d", (1, 2, 0), (2,), {}),
    ("adaptive_max_pool2d", (2, 3), (2,), {}),
    ("adaptive_max_pool2d", (1, 1, 2, 3, 3), (2,), {}),
    ("adaptive_max_pool2d", (1, 2, 3, 3), ((2, 2, 2),), {}),
    ("adaptive_max_pool2d", (1, 2, 3, 3), ((-1, 2),), {}),
    ("adaptive_max_pool2d", (1, 2, 0, 3), (2,), {}),
    ("adaptive_max_pool2d", (1, 0, 3, 3), (2,), {}),
    ("adaptive_max_pool2d", (1, 2, 3, 3), (2.0,), {}),
]


@pytest.mark.parametrize("fn, shape, args, kwargs", POOL_ERRORS)
def test_pooling_errors_match_pytorch(fn, shape, args, kwargs):
    same_error_as_torch(lambda: getattr(F, fn)(mt.ones(*shape), *args, **kwargs),
                lambda: getattr(TF, fn)(torch.ones(*shape), *args, **kwargs))


def test_pooling_dtype_errors_match_pytorch():
    for fn, args in (("max_pool1d", (2,)), ("adaptive_avg_pool1d", (2,)), ("adaptive_max_pool1d", (2,)),
                     ("adaptive_max_pool2d", (2,))):
        shape = (1, 2, 3, 3) if fn.endswith("2d") else (1, 2, 4)
        same_error_as_torch(lambda f=fn, s=shape, a=args: getattr(F, f)(mt.ones(*s, dtype=mt.int64), *a),
                    lambda f=fn, s=shape, a=args: getattr(TF, f)(torch.ones(*s, dtype=torch.int64), *a))


def test_empty_batches_and_zero_output_sizes_match_pytorch():
    for fn, shape, args in (("adaptive_max_pool2d", (0, 2, 3, 3), (2,)),
                            ("adaptive_max_pool2d", (0, 3, 3), (2,)),
                            ("adaptive_max_pool2d", (1, 2, 3, 3), (0,)),
                            ("adaptive_max_pool1d", (1, 2, 3), (0,)),
                            ("max_pool1d", (0, 2, 5), (2,)), ("avg_pool1d", (0, 2, 5), (2,))):
        ours, theirs = getattr(F, fn)(mt.ones(*shape), *args), getattr(TF, fn)(torch.ones(*shape), *args)
        assert tuple(ours.shape) == tuple(theirs.shape)


POOL_MODULES = [
    ("MaxPool1d", (3,), {}), ("MaxPool1d", ((3,), 2, 1, 2, True, True), {}),
    ("AvgPool1d", (3,), {}), ("AvgPool1d", (3, 1, 1, True, False), {}),
    ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveMaxPool1d", (3, True), {}),
    ("AdaptiveMaxPool2d", ((3, None),), {}), ("AdaptiveMaxPool2d", (2,), {"return_indices": True}),
    ("LPPool1d", (2, 3), {}), ("LPPool2d", (2.0, (3, 2), 1, True), {}),
]


@pytest.mark.parametrize("name, args, kwargs", POOL_MODULES)
def test_pooling_modules_match_pytorch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == []
    shape = (2, 3, 8, 9) if name.endswith("2d") else (2, 3, 9)
    x = np.random.default_rng(5).standard_normal(shape)
    if name.startswith("LPPool"):
        x = np.abs(x)
    got, want = ours(mt.tensor(x)), theirs(torch.tensor(x))
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10)
    assert not isinstance(nn.MaxPool1d(2), nn.MaxPool2d)
    assert not isinstance(nn.AdaptiveAvgPool1d(2), nn.AdaptiveAvgPool2d)


# ---------------------------------------------------------------------------- the smaller layers
def test_channel_shuffle_matches_pytorch():
    _compare(lambda x: F.channel_shuffle(x, 3), lambda x: TF.channel_shuffle(x, 3), [(2, 6, 2, 3)])
    _compare(lambda x: F.channel_shuffle(x, 2), lambda x: TF.channel_shuffle(x, 2), [(2, 4, 5)])
    x = mt.arange(12).reshape(1, 6, 2)
    np.testing.assert_array_equal(F.channel_shuffle(x, 2).numpy(),
                                  TF.channel_shuffle(torch.arange(12).reshape(1, 6, 2), 2).numpy())
    for shape, groups in (((6, 3), 2), ((2, 6, 3), 0), ((2, 6, 3), -2), ((2, 6, 3), 4)):
        same_error_as_torch(lambda s=shape, g=groups: F.channel_shuffle(mt.ones(*s), g),
                    lambda s=shape, g=groups: TF.channel_shuffle(torch.ones(*s), g))
    assert repr(nn.ChannelShuffle(2)) == repr(torch.nn.ChannelShuffle(2))
    out = F.channel_shuffle(mt.randn(2, 4, 3, requires_grad=True), 2)
    assert out.grad_fn.name() == "ChannelShuffleBackward0"


@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, float("inf")])
def test_pdist_values_and_gradients_match_pytorch(p):
    _compare(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), [(5, 3)], seed=7)
    # rows that coincide (zero distances) and a tie for the largest difference (inf)
    rows = [[0.0, 1.0], [0.0, 1.0], [1.0, -1.0], [3.0, 0.0]]
    ours = mt.tensor(rows, dtype=mt.float64, requires_grad=True)
    theirs = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    F.pdist(ours, p).sum().backward()
    TF.pdist(theirs, p).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_pdist_gradcheck_small_cases_and_errors():
    ours, _ = _pair((4, 3), seed=8)
    for p in (1, 2, 3.5):
        assert mt.autograd.gradcheck(lambda x, p=p: F.pdist(x, p), ours)
    for n in (0, 1):
        assert tuple(F.pdist(mt.ones(n, 3)).shape) == tuple(TF.pdist(torch.ones(n, 3)).shape) == (0,)
    for call in (lambda lib, TFx: TFx.pdist(lib.ones(2, 4, 3)),
                 lambda lib, TFx: TFx.pdist(lib.ones(4, 3, dtype=lib.int64)),
                 lambda lib, TFx: TFx.pdist(lib.ones(4, 3), -1)):
        same_error_as_torch(lambda c=call: c(mt, F), lambda c=call: c(torch, TF))


def test_bilinear_matches_pytorch():
    _compare(F.bilinear, TF.bilinear, [(5, 2), (5, 3), (4, 2, 3), (4,)])
    _compare(F.bilinear, TF.bilinear, [(2, 5, 2), (2, 5, 3), (4, 2, 3)])
    _compare(F.bilinear, TF.bilinear, [(2,), (3,), (4, 2, 3), (4,)])
    ours, _ = _pair((3, 2), (3, 3), (2, 2, 3), (2,), seed=9)
    assert mt.autograd.gradcheck(F.bilinear, ours)
    for shapes in [((5, 2), (3,), (4, 2, 3), (4,)), ((5, 2), (6, 3), (4, 2, 3), (4,)),
                   ((5, 3), (5, 3), (4, 2, 3), (4,)), ((5, 2), (5, 2), (4, 2, 3), (4,)),
                   ((5, 2), (5, 3), (4, 2, 3), (5,)), ((5, 2), (5, 3), (4, 2), (4,))]:
        same_error_as_torch(lambda ss=shapes: F.bilinear(*[mt.ones(*s) for s in ss]),
                    lambda ss=shapes: TF.bilinear(*[torch.ones(*s) for s in ss]))
    same_error_as_torch(lambda: F.bilinear(mt.ones(5, 2), mt.ones(5, 3, dtype=mt.float64), mt.ones(4, 2, 3)),
                lambda: TF.bilinear(torch.ones(5, 2), torch.ones(5, 3, dtype=torch.float64),
                                    torch.ones(4, 2, 3)))


def test_bilinear_module():
    theirs = torch.nn.Bilinear(2, 3, 4).double()
    ours = nn.Bilinear(2, 3, 4, dtype=mt.float64)
    assert repr(ours) == repr(theirs)
    assert repr(nn.Bilinear(2, 3, 4, bias=False)) == repr(torch.nn.Bilinear(2, 3, 4, bias=False))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    bound = 1 / math.sqrt(2)
    assert np.abs(ours.weight.detach().numpy()).max() <= bound
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    a, b = np.random.default_rng(1).standard_normal((6, 2)), np.random.default_rng(2).standard_normal((6, 3))
    np.testing.assert_allclose(ours(mt.tensor(a), mt.tensor(b)).detach().numpy(),
                               theirs(torch.tensor(a), torch.tensor(b)).detach().numpy(), rtol=1e-10)


def test_rrelu_evaluation_matches_pytorch():
    x = [-3.0, -0.5, 0.0, 0.5, 2.0]
    for lower, upper in ((1 / 8, 1 / 3), (0.1, 0.3)):
        ours = mt.tensor(x, dtype=mt.float64, requires_grad=True)
        theirs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y, t = F.rrelu(ours, lower, upper), TF.rrelu(theirs, lower, upper)
        np.testing.assert_allclose(y.detach().numpy(), t.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        t.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)  # slope at 0 too
    assert F.rrelu(mt.ones(2, requires_grad=True)).grad_fn.name() == "RreluWithNoiseBackward0"


def test_rrelu_training_draws_slopes_from_the_generator():
    x = mt.full((20000,), -1.0, dtype=mt.float64, requires_grad=True)
    mt.manual_seed(3)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005 and abs(slopes.std() - 0.2 / math.sqrt(12)) < 0.005
    mt.manual_seed(3)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).detach().numpy(), -slopes)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), slopes)  # the gradient is each element's slope
    positive = mt.tensor([1.0, 2.0])
    np.testing.assert_array_equal(F.rrelu(positive, training=True).numpy(), [1.0, 2.0])


def test_rrelu_inplace_errors_and_module():
    x = mt.tensor([-2.0, 1.0])
    assert F.rrelu(x, 0.5, 0.5, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [-1.0, 1.0])
    for kwargs in ({"lower": 0.5, "upper": 0.1}, {"lower": 0.5, "upper": 0.1, "training": True}):
        same_error_as_torch(lambda kw=kwargs: F.rrelu(mt.ones(2), **kw),
                    lambda kw=kwargs: TF.rrelu(torch.ones(2), **kw))
    for training in (False, True):
        same_error_as_torch(lambda t=training: F.rrelu(mt.ones(2, dtype=mt.int64), training=t),
                    lambda t=training: TF.rrelu(torch.ones(2, dtype=torch.int64), training=t))
    for args in ((), (0.1, 0.3, True)):
        assert repr(nn.RReLU(*args)) == repr(torch.nn.RReLU(*args))
    m = nn.RReLU(0.1, 0.3)
    m.eval()
    np.testing.assert_allclose(m(mt.tensor([-1.0])).numpy(), [-0.2])
    m.train()
    assert -0.3 <= m(mt.tensor([-1.0])).item() <= -0.1
