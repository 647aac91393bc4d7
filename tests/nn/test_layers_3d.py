"""3-D (volumetric) convolution and pooling: values, gradients and errors against PyTorch, float64
gradchecks, module reprs, state_dict keys and initialisation."""

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


def _pair(*shapes, seed=0):
    """The same float64 values as (minitorch_conv tensors, torch tensors), requiring gradients."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([mt.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _compare(our_fn, their_fn, shapes, seed=0):
    """Forward values (and indices) and the gradients of a random upstream agree with PyTorch's."""
    ours, theirs = _pair(*shapes, seed=seed)
    y, t = our_fn(*ours), their_fn(*theirs)
    if isinstance(t, tuple):
        assert y[1].dtype == mt.int64
        np.testing.assert_array_equal(y[1].numpy(), t[1].numpy())
        y, t = y[0], t[0]
    assert tuple(y.shape) == tuple(t.shape)
    np.testing.assert_allclose(y.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert y.grad_fn.name() == t.grad_fn.name()
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(t.shape))
    got = mt.autograd.grad([y], ours, [mt.tensor(upstream)], allow_unused=True)
    want = torch.autograd.grad([t], theirs, [torch.tensor(upstream)], allow_unused=True)
    for g, w in zip(got, want):
        np.testing.assert_allclose(0 if g is None else g.numpy(), 0 if w is None else w.numpy(),
                                   rtol=1e-9, atol=1e-10)


# ------------------------------------------------------------------------------------ convolution
CONV_CASES = [
    ((2, 4, 4, 5, 6), (6, 4, 2, 3, 2), {}),
    ((2, 4, 5, 5, 6), (6, 4, 3, 2, 2), {"stride": 2, "padding": 1}),
    ((1, 4, 6, 5, 7), (6, 2, 2, 3, 2), {"stride": (2, 1, 3), "padding": (2, 1, 0), "dilation": (2, 1, 2),
                                        "groups": 2}),
    ((2, 3, 4, 4, 5), (2, 3, 2, 3, 4), {"padding": "same", "dilation": (2, 1, 1)}),
    ((3, 4, 4, 5), (2, 3, 1, 2, 2), {"padding": "valid"}),  # unbatched (C, D, H, W)
    ((2, 4, 3, 4, 4), (4, 1, 3, 1, 2), {"groups": 4, "padding": (1, 0, 1)}),  # depthwise
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kwargs", CONV_CASES)
def test_conv3d_values_and_gradients_match_pytorch(xs, ws, kwargs, bias):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    _compare(lambda *a: F.conv3d(*a, **kwargs), lambda *a: TF.conv3d(*a, **kwargs), shapes)


TRANSPOSE_CASES = [
    ((2, 4, 3, 4, 3), (4, 3, 2, 3, 2), {}),
    ((1, 4, 3, 3, 4), (4, 2, 3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 2, 3, 3), (4, 3, 2, 2, 3), {"stride": (3, 1, 2), "padding": (1, 0, 1), "dilation": (2, 1, 2),
                                        "output_padding": (2, 0, 1), "groups": 2}),
    ((4, 2, 3, 3), (4, 2, 2, 2, 2), {"stride": (1, 2, 1)}),  # unbatched
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kwargs", TRANSPOSE_CASES)
def test_conv_transpose3d_values_and_gradients_match_pytorch(xs, ws, kwargs, bias):
    out_channels = ws[1] * kwargs.get("groups", 1)
    shapes = [xs, ws] + ([(out_channels,)] if bias else [])
    _compare(lambda *a: F.conv_transpose3d(*a, **kwargs), lambda *a: TF.conv_transpose3d(*a, **kwargs),
             shapes)


def test_conv3d_gradcheck_and_gradgradcheck():
    (x, w, b), _ = _pair((1, 2, 3, 3, 4), (2, 1, 2, 2, 2), (2,), seed=5)
    for kwargs in ({"stride": (2, 1, 2), "padding": 1, "groups": 2},
                   {"dilation": (2, 1, 1), "padding": "same", "groups": 2}):
        fn = (lambda kw: lambda *a: F.conv3d(*a, **kw))(kwargs)
        assert mt.autograd.gradcheck(fn, (x, w, b))
        assert mt.autograd.gradgradcheck(fn, (x, w, b))
    (x, w, b), _ = _pair((1, 2, 2, 3, 2), (2, 1, 2, 2, 2), (2,), seed=6)
    fn = lambda *a: F.conv_transpose3d(*a, stride=2, padding=(1, 0, 0), output_padding=(1, 0, 1),  # noqa: E731
                                        groups=2)
    assert mt.autograd.gradcheck(fn, (x, w, b))
    assert mt.autograd.gradgradcheck(fn, (x, w, b))


def test_conv3d_empty_batch_and_zero_channels_match_pytorch():
    for xs, ws in [((0, 2, 3, 3, 3), (4, 2, 2, 2, 2)), ((1, 0, 3, 3, 3), (4, 0, 2, 2, 2))]:
        ours = F.conv3d(mt.zeros(*xs, dtype=mt.float64), mt.ones(*ws, dtype=mt.float64))
        theirs = TF.conv3d(torch.zeros(*xs, dtype=torch.float64), torch.ones(*ws, dtype=torch.float64))
        assert tuple(ours.shape) == tuple(theirs.shape)
    ours = F.conv_transpose3d(mt.zeros(0, 2, 3, 3, 3), mt.ones(2, 3, 2, 2, 2))
    assert tuple(ours.shape) == (0, 3, 4, 4, 4)


CONV_ERRORS = [
    ((1, 2, 3, 3, 3), (2, 2, 0, 1, 1), {}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"dilation": 0}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"dilation": (1, 0, 1)}),
    ((1, 2, 3, 3, 3), (2, 2, 4, 1, 1), {}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"stride": 0}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"stride": (1, 1)}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"padding": -1}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"padding": (1, 1)}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"padding": "same", "stride": 2}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"padding": "full"}),
    ((1, 2, 0, 3, 3), (2, 2, 1, 1, 1), {"padding": 1}),
    ((1, 2, 3, 3), (2, 2, 1, 1, 1), {}),
    ((2, 3, 3), (2, 2, 1, 1, 1), {}),
    ((1, 3, 3, 3, 3), (2, 2, 1, 1, 1), {}),
    ((1, 4, 3, 3, 3), (3, 2, 1, 1, 1), {"groups": 2}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1), {}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"groups": 0}),
]


@pytest.mark.parametrize("xs, ws, kwargs", CONV_ERRORS)
def test_conv3d_errors_match_pytorch(xs, ws, kwargs):
    same_error_as_torch(lambda: F.conv3d(mt.ones(*xs), mt.ones(*ws), **kwargs),
                lambda: TF.conv3d(torch.ones(*xs), torch.ones(*ws), **kwargs))


TRANSPOSE_ERRORS = [
    ((1, 2, 3, 3, 3), (2, 2, 0, 1, 1), {}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"dilation": 0}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"output_padding": 1}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"output_padding": (0, 2, 0), "stride": 2}),
    ((1, 2, 1, 1, 1), (2, 2, 1, 1, 1), {"padding": 1}),
    ((1, 2, 0, 3, 3), (2, 2, 1, 1, 1), {}),
    ((1, 2, 3, 3), (2, 2, 1, 1, 1), {}),
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), {"stride": (1, 2)}),
]


@pytest.mark.parametrize("xs, ws, kwargs", TRANSPOSE_ERRORS)
def test_conv_transpose3d_errors_match_pytorch(xs, ws, kwargs):
    same_error_as_torch(lambda: F.conv_transpose3d(mt.ones(*xs), mt.ones(*ws), **kwargs),
                lambda: TF.conv_transpose3d(torch.ones(*xs), torch.ones(*ws), **kwargs))


def test_conv3d_bias_and_dtype_errors_match_pytorch():
    same_error_as_torch(lambda: F.conv3d(mt.ones(1, 2, 3, 3, 3), mt.ones(3, 2, 2, 2, 2), mt.ones(4)),
                lambda: TF.conv3d(torch.ones(1, 2, 3, 3, 3), torch.ones(3, 2, 2, 2, 2), torch.ones(4)))
    same_error_as_torch(lambda: F.conv3d(mt.ones(1, 2, 3, 3, 3), mt.ones(3, 2, 2, 2, 2, dtype=mt.float64)),
                lambda: TF.conv3d(torch.ones(1, 2, 3, 3, 3), torch.ones(3, 2, 2, 2, 2, dtype=torch.float64)))
    same_error_as_torch(lambda: F.conv3d(mt.ones(1, 2, 3, 3, 3), mt.ones(3, 2, 2, 2, 2), padding=1.5),
                lambda: TF.conv3d(torch.ones(1, 2, 3, 3, 3), torch.ones(3, 2, 2, 2, 2), padding=1.5))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [0, (1, 2, 1), "same", "valid"])
def test_conv3d_module_matches_pytorch_with_its_weights(mode, padding):
    theirs = torch.nn.Conv3d(4, 6, (2, 3, 3), padding=padding, padding_mode=mode, groups=2).double()
    ours = nn.Conv3d(4, 6, (2, 3, 3), padding=padding, padding_mode=mode, groups=2, dtype=mt.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 4, 5, 5))
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_conv_transpose3d_module_output_size_and_weights():
    theirs = torch.nn.ConvTranspose3d(4, 6, 3, stride=2, groups=2).double()
    ours = nn.ConvTranspose3d(4, 6, 3, stride=2, groups=2, dtype=mt.float64)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (4, 3, 3, 3, 3)
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((1, 4, 2, 3, 2))
    for size in (None, [6, 8, 5], [1, 6, 6, 7, 6]):
        np.testing.assert_allclose(ours(mt.tensor(x), output_size=size).detach().numpy(),
                                   theirs(torch.tensor(x), output_size=size).detach().numpy(), rtol=1e-10)
    same_error_as_torch(lambda: ours(mt.tensor(x), output_size=[20, 7, 5]),
                lambda: theirs(torch.tensor(x), output_size=[20, 7, 5]))
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose3d(4, 6, 3, padding_mode="reflect")


def test_conv3d_module_reprs_and_constructor_errors():
    for args, kwargs in [((16, 33, 3), {"stride": 2}),
                         ((4, 6, (3, 5, 2)), {"stride": (2, 1, 1), "padding": (4, 2, 0)}),
                         ((4, 6, 3), {"padding": 1, "dilation": 2, "groups": 2, "bias": False,
                                      "padding_mode": "reflect"}),
                         ((4, 6, 2), {"padding": "same"})]:
        assert repr(nn.Conv3d(*args, **kwargs)) == repr(torch.nn.Conv3d(*args, **kwargs))
    assert repr(nn.ConvTranspose3d(4, 6, 3, stride=2, output_padding=1, groups=2, dilation=2)) == \
        repr(torch.nn.ConvTranspose3d(4, 6, 3, stride=2, output_padding=1, groups=2, dilation=2))
    for kwargs in ({"groups": 4}, {"padding": "full"}, {"padding": "same", "stride": 2},
                   {"padding_mode": "wrap"}):
        same_error_as_torch(lambda kw=kwargs: nn.Conv3d(6, 6, 3, **kw),
                    lambda kw=kwargs: torch.nn.Conv3d(6, 6, 3, **kw))


def test_conv3d_initialisation_follows_pytorchs_bound():
    mt.manual_seed(0)
    m = nn.Conv3d(8, 16, (3, 2, 2), groups=2)
    bound = 1 / math.sqrt(8 // 2 * 3 * 2 * 2)
    for p in (m.weight, m.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.8 * bound
    assert np.std(m.weight.detach().numpy()) > 0.4 * bound
    t = nn.ConvTranspose3d(4, 6, 2)
    assert np.abs(t.bias.detach().numpy()).max() <= 1 / math.sqrt(6 * 8)  # fan_in of (4, 6, 2, 2, 2): 6*8


# ---------------------------------------------------------------------------------------- pooling
POOL_CASES = [
    (F.max_pool3d, TF.max_pool3d, (2, 3, 5, 6, 7), {"kernel_size": 2, "return_indices": True}),
    (F.max_pool3d, TF.max_pool3d, (2, 3, 5, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (F.max_pool3d, TF.max_pool3d, (3, 5, 6, 7),
     {"kernel_size": (2, 3, 2), "stride": (1, 2, 3), "padding": (1, 1, 0), "dilation": (2, 1, 2),
      "ceil_mode": True, "return_indices": True}),
    (F.avg_pool3d, TF.avg_pool3d, (2, 3, 5, 6, 7), {"kernel_size": 2}),
    (F.avg_pool3d, TF.avg_pool3d, (2, 3, 5, 6, 7),
     {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}),
    (F.avg_pool3d, TF.avg_pool3d, (3, 5, 6, 7),
     {"kernel_size": (2, 3, 2), "stride": (1, 2, 3), "padding": (1, 1, 0), "ceil_mode": True}),
    (F.avg_pool3d, TF.avg_pool3d, (1, 2, 4, 5, 5), {"kernel_size": 3, "padding": 1, "divisor_override": 5}),
    (F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d, (2, 3, 5, 6, 7), {"output_size": (3, None, 2)}),
    (F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d, (3, 5, 4, 3), {"output_size": (2, 7, 9)}),
    (F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d, (2, 3, 5, 4, 3), {"output_size": 1}),
    (F.adaptive_max_pool3d, TF.adaptive_max_pool3d, (2, 3, 5, 6, 7),
     {"output_size": (3, None, 2), "return_indices": True}),
    (F.adaptive_max_pool3d, TF.adaptive_max_pool3d, (3, 5, 4, 3), {"output_size": (2, 7, 9)}),
]


@pytest.mark.parametrize("fn, their_fn, shape, kwargs", POOL_CASES)
def test_pooling_values_indices_and_gradients_match_pytorch(fn, their_fn, shape, kwargs):
    _compare(lambda x: fn(x, **kwargs), lambda x: their_fn(x, **kwargs), [shape])


def test_pooling_gradcheck_and_gradgradcheck():
    (x,), _ = _pair((1, 2, 3, 4, 3), seed=7)
    for fn in (lambda a: F.avg_pool3d(a, 2, stride=1, padding=1, count_include_pad=False, ceil_mode=True),
               lambda a: F.max_pool3d(a, (2, 2, 1), stride=1, padding=(1, 0, 0), dilation=(1, 2, 1)),
               lambda a: F.adaptive_avg_pool3d(a, (2, 3, 2)),
               lambda a: F.adaptive_max_pool3d(a, (2, 3, 2))):
        assert mt.autograd.gradcheck(fn, (x,))
        assert mt.autograd.gradgradcheck(fn, (x,))


def test_max_pools_pick_pytorchs_index_for_ties_nan_and_minus_inf():
    values = np.array([[1.0, 5.0, 5.0, 2.0], [np.nan, 0.0, np.nan, 3.0], [-np.inf] * 4, [5.0, 4.0, 5.0, 0.0]])
    x = values.reshape(1, 4, 2, 2)
    for ours, theirs in [(F.max_pool3d(mt.tensor(x), (1, 2, 2), return_indices=True),
                          TF.max_pool3d(torch.tensor(x), (1, 2, 2), return_indices=True)),
                         (F.max_pool3d(mt.tensor(x), (2, 2, 1), stride=1, padding=(1, 0, 0),
                                       return_indices=True),
                          TF.max_pool3d(torch.tensor(x), (2, 2, 1), stride=1, padding=(1, 0, 0),
                                        return_indices=True)),
                         (F.adaptive_max_pool3d(mt.tensor(x), (3, 1, 1), return_indices=True),
                          TF.adaptive_max_pool3d(torch.tensor(x), (3, 1, 1), return_indices=True))]:
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())


def test_integer_pooling_matches_pytorch():
    x = np.random.default_rng(2).integers(-20, 20, (2, 3, 5, 6, 7))
    for fn, their_fn, kwargs in [
            (F.avg_pool3d, TF.avg_pool3d, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
            (F.avg_pool3d, TF.avg_pool3d, {"kernel_size": 2, "divisor_override": -3}),
            (F.max_pool3d, TF.max_pool3d, {"kernel_size": 2, "return_indices": True})]:
        ours, theirs = fn(mt.tensor(x), **kwargs), their_fn(torch.tensor(x), **kwargs)
        if isinstance(theirs, tuple):
            np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
            ours, theirs = ours[0], theirs[0]
        assert ours.dtype == mt.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


POOL_ERRORS = [
    ("max_pool3d", (1, 2, 3, 3, 3), ((2, 2),), {}),
    ("max_pool3d", (1, 2, 3, 3, 3), (2,), {"stride": (2, 2)}),
    ("max_pool3d", (1, 2, 3, 3, 3), (2,), {"padding": (1, 1)}),
    ("max_pool3d", (1, 2, 3, 3, 3), (2,), {"dilation": (1, 1)}),
    ("max_pool3d", (1, 2, 3, 3, 3), (0,), {}),
    ("max_pool3d", (1, 2, 3, 3, 3), (0, 1), {}),
    ("max_pool3d", (1, 2, 3, 3, 3), (2,), {"padding": 2}),
    ("max_pool3d", (1, 2, 3, 3, 3), (2,), {"padding": -1}),
    ("max_pool3d", (1, 2, 3, 3, 3), (2,), {"dilation": 0}),
    ("max_pool3d", (1, 2, 3, 3, 3), (4,), {}),
    ("max_pool3d", (2, 3, 3), (2,), {}),
    ("max_pool3d", (1, 0, 3, 3, 3), (2,), {}),
    ("max_pool3d", (2, 0, 3, 3), (2,), {}),
    ("avg_pool3d", (1, 2, 3, 3, 3), ((2, 2),), {}),
    ("avg_pool3d", (1, 2, 3, 3, 3), (2,), {"stride": (2, 2)}),
    ("avg_pool3d", (1, 2, 3, 3, 3), (2,), {"padding": (1, 1)}),
    ("avg_pool3d", (1, 2, 3, 3, 3), (0,), {}),
    ("avg_pool3d", (1, 2, 3, 3, 3), (2,), {"padding": 2}),
    ("avg_pool3d", (1, 2, 3, 3, 3), (4,), {}),
    ("avg_pool3d", (1, 2, 3, 3, 3), (2,), {"divisor_override": 0}),
    ("avg_pool3d", (2, 3, 3), (2,), {}),
    ("avg_pool3d", (1, 0, 3, 3, 3), (2,), {}),
    ("adaptive_avg_pool3d", (2, 3, 3), (2,), {}),
    ("adaptive_avg_pool3d", (2, 0, 3, 3), (2,), {}),
    ("adaptive_avg_pool3d", (2, 3, 3, 3), ((2, 2),), {}),
    ("adaptive_avg_pool3d", (2, 3, 3, 3), (-1,), {}),
    ("adaptive_max_pool3d", (2, 3, 3), (2,), {}),
    ("adaptive_max_pool3d", (2, 0, 3, 3), (2,), {}),
    ("adaptive_max_pool3d", (2, 3, 3, 3), ((2, 2),), {}),
]


@pytest.mark.parametrize("name, shape, args, kwargs", POOL_ERRORS)
def test_pooling_errors_match_pytorch(name, shape, args, kwargs):
    same_error_as_torch(lambda: getattr(F, name)(mt.ones(*shape, dtype=mt.float64), *args, **kwargs),
                lambda: getattr(TF, name)(torch.ones(*shape, dtype=torch.float64), *args, **kwargs))


def test_pooling_dtype_errors_match_pytorch():
    for name in ("avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"):
        same_error_as_torch(lambda n=name: getattr(F, n)(mt.ones(1, 2, 3, 3, dtype=mt.int32), 2),
                    lambda n=name: getattr(TF, n)(torch.ones(1, 2, 3, 3, dtype=torch.int32), 2))
    same_error_as_torch(lambda: F.adaptive_avg_pool3d(mt.ones(1, 2, 3, 3, dtype=mt.int64), 1),
                lambda: TF.adaptive_avg_pool3d(torch.ones(1, 2, 3, 3, dtype=torch.int64), 1))


def test_empty_batch_pools_like_pytorch():
    for fn, their_fn in [(F.max_pool3d, TF.max_pool3d), (F.avg_pool3d, TF.avg_pool3d),
                         (F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d),
                         (F.adaptive_max_pool3d, TF.adaptive_max_pool3d)]:
        ours, theirs = fn(mt.zeros(0, 2, 3, 3, 3), 2), their_fn(torch.zeros(0, 2, 3, 3, 3), 2)
        assert tuple(ours.shape) == tuple(theirs.shape)


POOL_MODULES = [
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", ((2, 1, 2),), {"stride": 1, "padding": (1, 0, 1), "dilation": 2, "ceil_mode": True}),
    ("MaxPool3d", (3,), {"stride": 2, "return_indices": True}),
    ("AvgPool3d", (2,), {}),
    ("AvgPool3d", ((3, 2, 2),), {"stride": (1, 2, 1), "padding": 1, "count_include_pad": False,
                                  "divisor_override": 3}),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
    ("AdaptiveMaxPool3d", (2,), {"return_indices": True}),
]


@pytest.mark.parametrize("name, args, kwargs", POOL_MODULES)
def test_pooling_modules_match_pytorch(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 6, 5))
    got, want = ours(mt.tensor(x)), theirs(torch.tensor(x))
    if isinstance(want, tuple):
        np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
        got, want = got[0], want[0]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_batch_and_instance_norm_3d_match_pytorch():
    x = np.random.default_rng(8).standard_normal((2, 3, 3, 4, 2))
    for name, kwargs in [("BatchNorm3d", {}), ("InstanceNorm3d", {"affine": True})]:
        ours = getattr(nn, name)(3, dtype=mt.float64, **kwargs)
        theirs = getattr(torch.nn, name)(3, **kwargs).double()
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
