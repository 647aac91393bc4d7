"""The layers training scripts reach for: activations, normalisation, channel dropout, resizing,
pixel shuffle, embeddings, padding, parameter containers, distances.

Each is compared with PyTorch where it is installed (forward values and gradients of a random
upstream gradient, float64), and with an independent expectation everywhere: hand-derived values,
a NumPy formula, or central differences (``check_grad``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import check_grad, check_torch, compare_module, copy_torch_state, raises_like_torch, to_numpy

import minitorch_conv as mt
import minitorch_conv.nn.functional as F
from minitorch_conv import nn


def _compare_module_float64(torch, ours, theirs, x, rng, rtol=1e-9, atol=1e-10):
    compare_module(torch, ours, theirs, x, rng, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------- activations
ACTIVATIONS = {
    "relu6": lambda L, x: L.nn.functional.relu6(x),
    "hardtanh": lambda L, x: L.nn.functional.hardtanh(x, -0.5, 1.5),
    "hardswish": lambda L, x: L.nn.functional.hardswish(x),
    "hardsigmoid": lambda L, x: L.nn.functional.hardsigmoid(x),
    "mish": lambda L, x: L.nn.functional.mish(x),
    "selu": lambda L, x: L.nn.functional.selu(x),
    "celu": lambda L, x: L.nn.functional.celu(x, 0.7),
    "threshold": lambda L, x: L.nn.functional.threshold(x, 0.3, -2.0),
    "logsigmoid": lambda L, x: L.nn.functional.logsigmoid(x),
    "softsign": lambda L, x: L.nn.functional.softsign(x),
    "tanhshrink": lambda L, x: L.nn.functional.tanhshrink(x),
    "softshrink": lambda L, x: L.nn.functional.softshrink(x, 0.7),
    "hardshrink": lambda L, x: L.nn.functional.hardshrink(x, 0.7),
    "softmin": lambda L, x: L.nn.functional.softmin(x, dim=1),
    "glu": lambda L, x: L.nn.functional.glu(x, 1),
    "softmax2d": lambda L, x: L.nn.Softmax2d()(x),
}


def _activation_input(rng):
    # values spread over every piece of the piecewise functions, none within 1e-3 of a kink
    x = rng.uniform(-5, 5, (3, 4, 2, 2))
    for kink in (-3, -1, -0.7, -0.5, 0, 0.3, 0.7, 1, 1.5, 3, 6):
        x = np.where(np.abs(x - kink) < 1e-3, x + 1e-2, x)
    return x


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    check_torch(torch, ACTIVATIONS[name], [_activation_input(rng)], rng)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradient_numerically(rng, name):
    fn = ACTIVATIONS[name]
    check_grad(lambda x: fn(mt, x), [_activation_input(rng)[:2, :2]], rng)


def test_activation_values_by_hand():
    x = mt.tensor([-4.0, -3.0, -1.0, 0.0, 1.0, 3.0, 7.0])
    assert F.relu6(x).tolist() == [0, 0, 0, 0, 1, 3, 6]
    assert F.hardtanh(x).tolist() == [-1, -1, -1, 0, 1, 1, 1]
    np.testing.assert_allclose(F.hardswish(x).tolist(), [0, 0, -1 / 3, 0, 2 / 3, 3, 7], rtol=1e-6)
    np.testing.assert_allclose(F.hardsigmoid(x).tolist(), [0, 0, 1 / 3, 0.5, 2 / 3, 1, 1],
                               rtol=1e-6)
    mish = x.numpy() * np.tanh(np.log1p(np.exp(x.numpy())))
    np.testing.assert_allclose(F.mish(x).numpy(), mish, rtol=1e-6)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    selu = scale * np.where(x.numpy() > 0, x.numpy(), alpha * np.expm1(x.numpy()))
    np.testing.assert_allclose(F.selu(x).numpy(), selu, rtol=1e-6)
    assert F.threshold(x, 0.5, 9.0).tolist() == [9, 9, 9, 9, 1, 3, 7]
    assert F.softshrink(x, 1.0).tolist() == [-3, -2, 0, 0, 0, 2, 6]
    assert F.hardshrink(x, 1.0).tolist() == [-4, -3, 0, 0, 0, 3, 7]
    np.testing.assert_allclose(F.logsigmoid(mt.tensor([-200.0, 200.0])).tolist(), [-200.0, 0.0])


def test_activation_gradients_at_kinks_are_pytorchs():
    # PyTorch's one-sided choices at the kinks, written out (and checked against it if installed)
    x = [-3.0, 3.0, 0.0, -1.0, 1.0, 6.0]
    expected = {
        "hardswish": [0, 1, 0.5, 1 / 6, 5 / 6, 1],
        "hardsigmoid": [0, 0, 1 / 6, 1 / 6, 1 / 6, 0],
        "relu6": [0, 1, 0, 0, 1, 0],
        "hardtanh": [0, 0, 1, 0, 0, 0],
        "hardshrink": [1, 1, 0, 1, 1, 1],
        "softshrink": [1, 1, 0, 1, 1, 1],
    }
    for name, want in expected.items():
        t = mt.tensor(x, requires_grad=True)
        getattr(F, name)(t).sum().backward()
        np.testing.assert_allclose(t.grad.tolist(), want, rtol=1e-6, err_msg=name)
    try:
        import torch
    except ImportError:
        return
    for name, want in expected.items():
        t = torch.tensor(x, requires_grad=True)
        getattr(torch.nn.functional, name)(t).sum().backward()
        np.testing.assert_allclose(t.grad.tolist(), want, rtol=1e-6, err_msg=name)


def test_prelu_matches_torch(rng):
    torch = pytest.importorskip("torch")
    for num, shape in ((1, (2, 3, 4)), (3, (2, 3, 4)), (3, (2, 3)), (1, (5,)), (1, ())):
        theirs = torch.nn.PReLU(num, init=0.3).double()
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.uniform(0.1, 0.5, num)))
        ours = nn.PReLU(num, init=0.3, dtype=mt.float64)
        copy_torch_state(theirs, ours)
        _compare_module_float64(torch, ours, theirs, rng.standard_normal(shape), rng)
    assert repr(nn.PReLU(3)) == repr(torch.nn.PReLU(3))


def test_prelu_gradient_numerically(rng):
    check_grad(lambda x, w: F.prelu(x, w), [rng.standard_normal((2, 3, 2)), rng.uniform(0, 1, 3)],
               rng)


@pytest.mark.parametrize("name", ["relu6", "hardtanh", "hardswish", "hardsigmoid", "mish", "selu",
                                  "celu", "threshold"])
def test_inplace_activations_write_into_the_input(name):
    args = (0.5, 2.0) if name == "threshold" else ()
    x = mt.tensor([-4.0, -1.0, 0.5, 4.0, 8.0])
    expected = getattr(F, name)(x, *args)
    y = getattr(F, name)(x, *args, inplace=True)
    assert y is x and x.tolist() == expected.tolist()


ACTIVATION_MODULES = [("ReLU6", {}), ("ReLU6", {"inplace": True}), ("Hardtanh", {}),
                      ("Hardtanh", {"min_val": -2.0, "max_val": 3.0, "inplace": True}),
                      ("Hardswish", {}), ("Hardsigmoid", {}), ("Mish", {}), ("Mish", {"inplace": True}),
                      ("PReLU", {"num_parameters": 4}), ("Softmax2d", {}), ("Softmin", {"dim": 1}),
                      ("SELU", {}), ("SELU", {"inplace": True}), ("CELU", {"alpha": 2.0}),
                      ("GLU", {}), ("Threshold", {"threshold": 0.1, "value": 20.0}),
                      ("LogSigmoid", {}), ("Softsign", {}), ("Tanhshrink", {}), ("Softshrink", {}),
                      ("Hardshrink", {"lambd": 1.0})]


def test_activation_module_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in ACTIVATION_MODULES:
        assert repr(getattr(nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs)), name


def test_activation_modules_match_their_functions(rng):
    x = mt.tensor(rng.standard_normal((2, 4, 3, 3)))
    assert np.array_equal(to_numpy(nn.Hardswish()(x)), to_numpy(F.hardswish(x)))
    assert np.array_equal(to_numpy(nn.Softmax2d()(x)), to_numpy(F.softmax(x, -3)))
    assert np.array_equal(to_numpy(nn.GLU(1)(x)), to_numpy(F.glu(x, 1)))
    assert np.array_equal(to_numpy(nn.CELU(0.5)(x)), to_numpy(F.celu(x, 0.5)))


ACTIVATION_ERRORS = [
    (lambda L: L.nn.functional.hardtanh(L.ones(2), 2.0, 1.0), ValueError, "min_val cannot be greater"),
    (lambda L: L.nn.Hardtanh(2.0, 1.0), AssertionError, "must be greater than min_val"),
    (lambda L: L.nn.functional.celu(L.ones(2), 0.0), RuntimeError, "alpha cannot be 0"),
    (lambda L: L.nn.functional.glu(L.ones(2, 3), 1), RuntimeError,
     "Halving dimension must be even, but dimension 1 is size 3"),
    (lambda L: L.nn.functional.glu(L.ones(2, 3), -1), RuntimeError, "dimension 1 is size 3"),
    (lambda L: L.nn.functional.glu(L.ones(())), RuntimeError, "does not support scalars"),
    (lambda L: L.nn.functional.glu(L.ones(2, 4), 2), IndexError, "Dimension out of range"),
    (lambda L: L.nn.functional.softshrink(L.ones(2), -1.0), RuntimeError, "lambda must be in range"),
    (lambda L: L.nn.Softmax2d()(L.ones(2)), ValueError, "expected input to be 3D or 4D, got 1D"),
    (lambda L: L.nn.functional.prelu(L.ones(2, 3), L.ones(2)), RuntimeError,
     "Found parameter numbers = 2 and channel size = 3"),
    (lambda L: L.nn.functional.prelu(L.ones(3), L.ones(3)), RuntimeError, "channel size = 1"),
    (lambda L: L.nn.functional.prelu(L.ones(2, 3), L.ones(1, 3)), RuntimeError,
     "Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"),
]


@pytest.mark.parametrize("case", range(len(ACTIVATION_ERRORS)))
def test_activation_errors_match_torch(case):
    raises_like_torch(*ACTIVATION_ERRORS[case])


# ---------------------------------------------------------------------------- normalisation
def _norm_pairs(torch):
    return [
        (lambda L, **k: L.nn.LayerNorm(5, **k), {}, (3, 4, 5)),
        (lambda L, **k: L.nn.LayerNorm([4, 5], **k), {"bias": False}, (3, 4, 5)),
        (lambda L, **k: L.nn.LayerNorm(5, **k), {"elementwise_affine": False}, (2, 5)),
        (lambda L, **k: L.nn.GroupNorm(2, 6, **k), {}, (3, 6, 4)),
        (lambda L, **k: L.nn.GroupNorm(3, 6, **k), {"bias": False}, (2, 6, 2, 3)),
        (lambda L, **k: L.nn.GroupNorm(1, 4, **k), {"affine": False}, (2, 4)),
        (lambda L, **k: L.nn.GroupNorm(4, 4, **k), {}, (2, 4, 5)),
        (lambda L, **k: L.nn.RMSNorm(5, **k), {}, (3, 4, 5)),
        (lambda L, **k: L.nn.RMSNorm([4, 5], **k), {"eps": 1e-3, "elementwise_affine": False},
         (3, 4, 5)),
        (lambda L, **k: L.nn.InstanceNorm1d(3, **k), {}, (2, 3, 6)),
        (lambda L, **k: L.nn.InstanceNorm1d(3, **k), {"affine": True}, (3, 6)),
        (lambda L, **k: L.nn.InstanceNorm2d(3, **k), {"affine": True, "bias": False}, (2, 3, 4, 4)),
        (lambda L, **k: L.nn.InstanceNorm3d(2, **k), {"affine": True}, (2, 2, 3, 2, 2)),
        (lambda L, **k: L.nn.LocalResponseNorm(3, **k), {"alpha": 0.5, "beta": 0.6, "k": 1.5},
         (2, 5, 3)),
        (lambda L, **k: L.nn.LocalResponseNorm(2, **k), {}, (2, 4, 3, 3)),
        (lambda L, **k: L.nn.BatchNorm1d(4, **k), {"bias": False}, (5, 4, 3)),
        (lambda L, **k: L.nn.BatchNorm3d(2, **k), {}, (3, 2, 2, 2, 2)),
    ]


def _randomise_parameters(torch, module, rng):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(p.shape))))


@pytest.mark.parametrize("case", range(17))
def test_normalization_layer_matches_torch(rng, case):
    torch = pytest.importorskip("torch")
    make, kwargs, shape = _norm_pairs(torch)[case]
    theirs = make(torch, **kwargs).double()
    _randomise_parameters(torch, theirs, rng)
    ours = make(mt, **kwargs, dtype=mt.float64) if "LocalResponse" not in repr(theirs) else make(
        mt, **kwargs)
    copy_torch_state(theirs, ours)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _compare_module_float64(torch, ours, theirs, rng.standard_normal(shape) * 2 + 1, rng)


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_instance_norm_running_stats_and_eval_match_torch(rng, affine, momentum):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.InstanceNorm2d(3, affine=affine, track_running_stats=True,
                                     momentum=momentum).double()
    ours = nn.InstanceNorm2d(3, affine=affine, track_running_stats=True, momentum=momentum,
                             dtype=mt.float64)
    for _ in range(3):
        _compare_module_float64(torch, ours, theirs, rng.standard_normal((4, 3, 3, 5)) * 3 + 2, rng)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(to_numpy(ours.state_dict()[name]), value.numpy(), rtol=1e-12,
                                   err_msg=name)
    ours.eval()
    theirs.eval()
    _compare_module_float64(torch, ours, theirs, rng.standard_normal((2, 3, 3, 5)), rng)
    _compare_module_float64(torch, ours, theirs, rng.standard_normal((3, 3, 5)), rng)  # unbatched


def test_batch_norm_1d_and_3d_running_stats_match_torch(rng):
    torch = pytest.importorskip("torch")
    for make, shape in ((lambda L, **k: L.nn.BatchNorm1d(3, **k), (6, 3)),
                        (lambda L, **k: L.nn.BatchNorm1d(3, **k), (4, 3, 5)),
                        (lambda L, **k: L.nn.BatchNorm3d(3, **k), (2, 3, 2, 2, 3))):
        for momentum in (0.3, None):
            theirs = make(torch, momentum=momentum).double()
            ours = make(mt, momentum=momentum, dtype=mt.float64)
            for _ in range(3):
                _compare_module_float64(torch, ours, theirs, rng.standard_normal(shape) * 2 + 1, rng)
            assert int(ours.num_batches_tracked) == 3
            for name, value in theirs.state_dict().items():
                np.testing.assert_allclose(to_numpy(ours.state_dict()[name]), value.numpy(),
                                           rtol=1e-12, err_msg=name)
            ours.eval()
            theirs.eval()
            _compare_module_float64(torch, ours, theirs, rng.standard_normal(shape), rng)


def test_batch_norm_without_bias_or_tracking():
    bn = nn.BatchNorm2d(3, bias=False)
    assert bn.bias is None and [n for n, _ in bn.named_parameters()] == ["weight"]
    assert "bias=False" in repr(bn)
    bn = nn.BatchNorm2d(3, track_running_stats=False).eval()
    y = bn(mt.randn(4, 3, 2, 2) * 3 + 5)  # no running stats: batch statistics even in eval
    assert abs(float(y.mean())) < 1e-5 and bn.num_batches_tracked is None


def test_layer_and_group_norm_against_numpy(rng):
    x = rng.standard_normal((3, 4, 5))
    w, b = rng.standard_normal(5), rng.standard_normal(5)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    want = (x - mean) / np.sqrt(var + 1e-5) * w + b
    got = F.layer_norm(mt.tensor(x), (5,), mt.tensor(w), mt.tensor(b))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10)
    grouped = x.reshape(3, 2, -1)
    want = ((grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(grouped.var(-1, keepdims=True)
                                                                    + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(to_numpy(F.group_norm(mt.tensor(x), 2)), want, rtol=1e-10)
    rms = x / np.sqrt((x * x).mean(-1, keepdims=True) + np.finfo(np.float64).eps) * w
    np.testing.assert_allclose(to_numpy(F.rms_norm(mt.tensor(x), [5], mt.tensor(w))), rms,
                               rtol=1e-10)


def test_instance_norm_running_stats_against_numpy(rng):
    x = rng.standard_normal((4, 3, 6))
    running_mean, running_var = mt.zeros(3, dtype=mt.float64), mt.ones(3, dtype=mt.float64)
    y = F.instance_norm(mt.tensor(x), running_mean, running_var, momentum=0.25)
    mean, var = x.mean(-1), x.var(-1)
    np.testing.assert_allclose(to_numpy(y), (x - mean[..., None]) / np.sqrt(var[..., None] + 1e-5),
                               rtol=1e-10)
    np.testing.assert_allclose(running_mean.tolist(), 0.25 * mean.mean(0), rtol=1e-12)
    np.testing.assert_allclose(running_var.tolist(), 0.75 + 0.25 * (var * 6 / 5).mean(0),
                               rtol=1e-12)


@pytest.mark.parametrize("name", ["layer_norm", "group_norm", "instance_norm", "rms_norm",
                                  "local_response_norm"])
def test_normalization_gradients_numerically(rng, name):
    fns = {
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (3,), w, b), [(2, 2, 3), (3,), (3,)]),
        "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
        "instance_norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [(2, 2, 4), (2,),
                                                                                (2,)]),
        "rms_norm": (lambda x, w: F.rms_norm(x, (3,), w), [(2, 3), (3,)]),
        "local_response_norm": (lambda x: F.local_response_norm(x, 3, alpha=0.3), [(2, 4, 2)]),
    }
    fn, shapes = fns[name]
    check_grad(fn, [rng.standard_normal(s) for s in shapes], rng)


def test_batch_norm_loads_a_checkpoint_without_num_batches_tracked():
    bn = nn.BatchNorm2d(2)
    state = {k: v for k, v in nn.BatchNorm2d(2).state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(state).missing_keys == []


NORM_ERRORS = [
    (lambda L: L.nn.GroupNorm(3, 4), ValueError, r"num_channels \(4\) must be divisible by num_groups \(3\)"),
    (lambda L: L.nn.functional.group_norm(L.ones(2, 4, 3), 3), RuntimeError,
     "Expected number of channels in input to be divisible by num_groups"),
    (lambda L: L.nn.functional.group_norm(L.ones(3), 1), RuntimeError,
     "Expected at least 2 dimensions for input tensor but received 1"),
    (lambda L: L.nn.functional.group_norm(L.ones(2, 4, 3), 2, L.ones(3)), RuntimeError,
     r"Expected weight to be a vector of size equal to the number of channels in input, but got "
     r"weight of shape \[3\] and input of shape \[2, 4, 3\]"),
    (lambda L: L.nn.GroupNorm(4, 4)(L.ones(1, 4)), ValueError, "more than 1 value per channel"),
    (lambda L: L.nn.functional.layer_norm(L.ones(2, 3), (4,)), RuntimeError,
     r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of "
     r"size\[2, 3\]"),
    (lambda L: L.nn.functional.layer_norm(L.ones(2, 3), 3), TypeError, "must be tuple of ints"),
    (lambda L: L.nn.functional.layer_norm(L.ones(2, 3), []), RuntimeError,
     "at least 1-dimensional"),
    (lambda L: L.nn.functional.layer_norm(L.ones(2, 3), (3,), L.ones(2)), RuntimeError,
     r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[2\]"),
    (lambda L: L.nn.functional.layer_norm(L.ones(2, 3), (3,), None, L.ones(2)), RuntimeError,
     "Expected bias to be of same shape as normalized_shape"),
    (lambda L: L.nn.functional.rms_norm(L.ones(2, 3), (2,)), RuntimeError,
     r"expected input with shape \[\*2\]"),
    (lambda L: L.nn.InstanceNorm1d(3)(L.ones(2, 3, 4, 5)), ValueError,
     r"expected 2D or 3D input \(got 4D input\)"),
    (lambda L: L.nn.InstanceNorm2d(3, affine=True)(L.ones(2, 4, 2, 2)), ValueError,
     r"expected input's size at dim=1 to match num_features \(3\), but got: 4."),
    (lambda L: L.nn.InstanceNorm2d(3)(L.ones(2, 3, 1, 1)), ValueError,
     "Expected more than 1 spatial element when training"),
    (lambda L: L.nn.functional.instance_norm(L.ones(2, 3, 4), L.zeros(3), None), ValueError,
     "running_mean and running_var must either both be None or neither be None"),
    (lambda L: L.nn.functional.instance_norm(L.ones(2, 3, 4), use_input_stats=False),
     RuntimeError, "Expected running_mean and running_var to be defined"),
    (lambda L: L.nn.BatchNorm3d(3)(L.ones(2, 3, 4, 4)), ValueError, r"expected 5D input \(got 4D"),
    (lambda L: L.nn.BatchNorm1d(3)(L.ones(2, 3, 4, 5)), ValueError, r"expected 2D or 3D input"),
    (lambda L: L.nn.functional.local_response_norm(L.ones(2, 3), 2), ValueError,
     "Expected 3D or higher dimensionality"),
]


@pytest.mark.parametrize("case", range(len(NORM_ERRORS)))
def test_normalization_errors_match_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like_torch(*NORM_ERRORS[case])


def test_instance_norm_warns_when_channels_differ_without_affine():
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(mt.randn(2, 4, 5))


# ---------------------------------------------------------------------------- channel dropout
@pytest.mark.parametrize("fn, shape, channel_dims", [
    (F.dropout1d, (6, 8, 5), 2), (F.dropout1d, (8, 5), 1), (F.dropout2d, (6, 8, 3, 3), 2),
    (F.dropout3d, (3, 8, 2, 2, 2), 2), (F.dropout3d, (8, 2, 2, 2), 1)])
def test_channel_dropout_zeroes_whole_channels(fn, shape, channel_dims):
    mt.manual_seed(0)
    y = to_numpy(fn(mt.ones(*shape), 0.5))
    per_channel = y.reshape(shape[:channel_dims] + (-1,))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # each channel all 0 or all 2
    kept = (per_channel[..., 0] > 0).mean()
    assert 0.2 < kept < 0.8


def test_channel_dropout_eval_inplace_and_gradient():
    x = mt.ones(2, 4, 3, 3)
    assert F.dropout2d(x, 0.5, training=False) is x
    assert nn.Dropout2d(0.3).eval()(x) is x
    y = mt.ones(4, 16, 2, 2)
    out = F.dropout2d(y, 0.5, inplace=True)
    assert out is y and set(np.unique(to_numpy(y))) <= {0.0, 2.0}
    w = mt.ones(4, 16, 2, 2, requires_grad=True)
    z = F.dropout2d(w, 0.25)
    z.sum().backward()
    np.testing.assert_array_equal(to_numpy(w.grad), to_numpy(z) )  # the mask times 1/(1-p)
    assert (F.dropout2d(mt.ones(2, 3, 2, 2), 1.0) == 0).all()


def test_dropout2d_warnings_like_torch():
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = F.dropout2d(mt.ones(4, 8, 5), 0.5)
    assert (to_numpy(y).min(-1) == to_numpy(y).max(-1)).all()  # (N, C, L): channels along dim 1
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(mt.ones(4, 8), 0.5)


def test_alpha_dropout_keeps_mean_and_variance():
    mt.manual_seed(1)
    x = mt.randn(200000, dtype=mt.float64)
    y = to_numpy(F.alpha_dropout(x, 0.3, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    dropped = -1.7580993408473766 * (1 / np.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7))
    dropped += 1.7580993408473766 * (1 / np.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7)) * 0.3
    assert abs((np.isclose(y, dropped)).mean() - 0.3) < 0.01
    assert F.alpha_dropout(x, 0.3) is x  # training=False by default
    z = to_numpy(F.feature_alpha_dropout(mt.ones(50, 40, 3), 0.5, training=True))
    assert (z.min(-1) == z.max(-1)).all()


DROPOUT_ERRORS = [
    (lambda L: L.nn.Dropout2d(p=1.5), ValueError, "between 0 and 1, but got 1.5"),
    (lambda L: L.nn.functional.dropout2d(L.ones(2, 3, 4, 5), p=-0.1), ValueError, "between 0 and 1"),
    (lambda L: L.nn.functional.dropout1d(L.ones(2, 3, 4, 5)), RuntimeError,
     "dropout1d: Expected 2D or 3D input, but received a 4D input"),
    (lambda L: L.nn.functional.alpha_dropout(L.ones(2), p=2.0), ValueError, "between 0 and 1"),
]


@pytest.mark.parametrize("case", range(len(DROPOUT_ERRORS)))
def test_dropout_errors_match_torch(case):
    raises_like_torch(*DROPOUT_ERRORS[case])


def test_dropout_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert repr(getattr(nn, name)(0.2, True)) == repr(getattr(torch.nn, name)(0.2, True))


# ---------------------------------------------------------------------------- interpolate
INTERPOLATE_CASES = [
    ((2, 3, 5), dict(size=9)), ((2, 3, 7), dict(size=3)), ((2, 3, 5), dict(scale_factor=2)),
    ((2, 3, 5), dict(scale_factor=1.7)), ((2, 3, 5), dict(size=9, mode="nearest-exact")),
    ((2, 3, 7), dict(scale_factor=0.6, mode="nearest-exact")),
    ((1, 2, 4, 5), dict(size=(7, 3))), ((1, 2, 4, 5), dict(scale_factor=2)),
    ((1, 2, 4, 5), dict(scale_factor=(1.5, 0.5))), ((1, 2, 3, 2, 4), dict(scale_factor=2)),
    ((1, 2, 3, 2, 4), dict(size=(2, 5, 3))),
    ((2, 3, 5), dict(size=8, mode="linear")), ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    ((2, 3, 8), dict(size=3, mode="linear")), ((2, 3, 5), dict(scale_factor=2.5, mode="linear")),
    ((1, 2, 4, 5), dict(size=(7, 9), mode="bilinear")),
    ((1, 2, 4, 5), dict(size=(7, 9), mode="bilinear", align_corners=True)),
    ((1, 2, 6, 7), dict(size=(3, 2), mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=2, mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=(1.5, 2.5), mode="bilinear", align_corners=True)),
    ((1, 2, 4, 5), dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
    ((1, 2, 4, 5), dict(size=(8, 9), mode="bicubic")),
    ((1, 2, 4, 5), dict(size=(8, 9), mode="bicubic", align_corners=True)),
    ((1, 2, 7, 6), dict(size=(3, 4), mode="bicubic")),
    ((1, 2, 4, 5), dict(scale_factor=2.5, mode="bicubic")),
    ((1, 1, 3, 2, 4), dict(size=(5, 3, 6), mode="trilinear")),
    ((1, 1, 3, 2, 4), dict(scale_factor=2, mode="trilinear", align_corners=True)),
    ((2, 3, 7), dict(size=3, mode="area")), ((1, 2, 7, 5), dict(size=(3, 2), mode="area")),
    ((1, 2, 6, 5), dict(scale_factor=0.5, mode="area")), ((1, 1, 4, 5, 3), dict(size=2, mode="area")),
    ((1, 2, 9, 8), dict(size=(4, 3), mode="bilinear", antialias=True)),
    ((1, 2, 9, 8), dict(size=(4, 3), mode="bicubic", antialias=True)),
    ((1, 2, 9, 8), dict(size=(5, 3), mode="bilinear", antialias=True, align_corners=True)),
    ((1, 2, 4, 5), dict(size=(8, 9), mode="bilinear", antialias=True)),
]


@pytest.mark.parametrize("case", range(len(INTERPOLATE_CASES)))
def test_interpolate_matches_torch(rng, case):
    torch = pytest.importorskip("torch")
    shape, kwargs = INTERPOLATE_CASES[case]
    check_torch(torch, lambda L, x: L.nn.functional.interpolate(x, **kwargs),
                [rng.standard_normal(shape)], rng, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("case", [0, 3, 5, 9, 12, 17, 20, 23, 25, 28, 32])
def test_interpolate_gradient_numerically(rng, case):
    shape, kwargs = INTERPOLATE_CASES[case]
    check_grad(lambda x: F.interpolate(x, **kwargs), [rng.standard_normal(shape)], rng)


def test_interpolate_area_keeps_inf_in_its_own_windows():
    """An 'area' window shorter than the widest reads no padding tap (0 * inf would be NaN)."""
    torch = pytest.importorskip("torch")
    x = np.arange(30.0).reshape(1, 1, 5, 6)
    x[0, 0, 1, 2], x[0, 0, 4, 5] = np.inf, -np.inf
    for size in [(2, 4), (3, 3), (4, 5)]:
        ours = F.interpolate(mt.tensor(x), size=size, mode="area").numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode="area").numpy()
        np.testing.assert_array_equal(ours, theirs)
    t = mt.tensor(x[..., :3, :4], requires_grad=True)  # a gradient of inf stays in its window too
    F.interpolate(t, size=(2, 3), mode="area").backward(mt.tensor([[[[np.inf, 1.0, 1.0], [1.0, 1.0, 1.0]]]]))
    assert np.isfinite(t.grad.numpy()[0, 0, 2:, :]).all() and np.isinf(t.grad.numpy()[0, 0, 0, 0])


def test_interpolate_gradient_is_the_adjoint_where_sizes_do_not_change(rng):
    # PyTorch 2.13's backward of these copies the gradient (its forward does not): its own
    # gradcheck fails there. Ours is the adjoint of the forward, checked by central differences.
    for shape, kwargs in [((1, 1, 2, 2, 5), dict(scale_factor=1.1)),
                          ((1, 1, 2, 5), dict(scale_factor=1.1, mode="bicubic"))]:
        check_grad(lambda x, kwargs=kwargs: F.interpolate(x, **kwargs), [rng.standard_normal(shape)],
                   rng)


def test_interpolate_values_by_hand():
    x = mt.tensor([[[1.0, 2.0, 4.0]]])
    assert F.interpolate(x, scale_factor=2).tolist() == [[[1, 1, 2, 2, 4, 4]]]
    assert F.interpolate(x, size=5, mode="linear", align_corners=True).tolist() == [
        [[1.0, 1.5, 2.0, 3.0, 4.0]]]
    # pixel centres: output o samples input position (o + 0.5) * 3 / 4 - 0.5, clamped at 0
    want = [1.0, 1.0 + 0.625 * 1, 2.0 + 0.375 * 2, 4.0]
    np.testing.assert_allclose(F.interpolate(x, size=4, mode="linear").tolist()[0][0], want)
    assert F.interpolate(x, size=1, mode="area").item() == pytest.approx(7 / 3)
    img = mt.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    np.testing.assert_allclose(
        F.interpolate(img, size=3, mode="bilinear", align_corners=True).tolist()[0][0],
        [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])


def test_interpolate_nearest_picks_pytorchs_pixels_for_awkward_sizes():
    # PyTorch computes the source index in float32: floor(o * float32(in / out))
    x = mt.arange(7.0).reshape(1, 1, 7)
    for out in (3, 5, 9, 11, 13):
        scale = np.float32(7) / np.float32(out)
        want = np.minimum(np.floor(np.arange(out, dtype=np.float32) * scale), 6)
        assert F.interpolate(x, size=out).flatten().tolist() == want.tolist()


def test_interpolate_keeps_dtype_and_handles_an_empty_batch():
    x = mt.randn(0, 2, 3, 3)
    assert F.interpolate(x, scale_factor=2).shape == (0, 2, 6, 6)
    y = F.interpolate(mt.randn(1, 1, 3, 3), scale_factor=2, mode="bilinear")
    assert y.dtype == mt.float32
    assert F.interpolate(mt.tensor([[[1, 2]]], dtype=mt.uint8), scale_factor=2).tolist() == [[[1, 1, 2, 2]]]
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):  # PyTorch's CPU kernels
        F.interpolate(mt.tensor([[[1, 2]]]), scale_factor=2)


def test_interpolate_double_backward(rng):
    x = mt.tensor(rng.standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: F.interpolate(t, size=(5, 3), mode="bicubic") ** 2,
                                     (x,))


INTERPOLATE_ERRORS = [
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2)), ValueError,
     "either size or scale_factor should be defined"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=2, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=4, align_corners=True),
     ValueError, "align_corners option can only be set with the interpolating modes"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=(3,)), ValueError,
     "Input and output must have the same number of spatial dimensions"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), scale_factor=(2, 2, 2)), ValueError,
     "Input and scale_factor must have the same number of spatial dimensions"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=(3, 2.0)), TypeError,
     "expected size to be one of int"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=4, mode="linear"),
     NotImplementedError, "Got 4D input, but linear mode needs 3D input"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2), size=4, mode="bilinear"),
     NotImplementedError, "Got 3D input, but bilinear mode needs 4D input"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 2), size=4), NotImplementedError,
     "Only 3D, 4D and 5D input Tensors supported"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=4, mode="cubic"),
     NotImplementedError, r"\(got cubic\)"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4, 4), scale_factor=0.1), RuntimeError,
     r"Input and output sizes should be greater than 0, but got input \(H: 4, W: 4\) output "
     r"\(H: 0, W: 0\)"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), scale_factor=0.1), RuntimeError,
     r"but got input \(W: 4\) and output \(W: 0\)"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 2), size=4, recompute_scale_factor=True),
     ValueError, "recompute_scale_factor is not meaningful with an explicit size"),
    (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2), size=4, mode="linear", antialias=True),
     ValueError, "Anti-alias option is restricted to bilinear, bicubic"),
    (lambda L: L.nn.functional.interpolate(L.ones(2, 0, 4, 4), scale_factor=2), RuntimeError,
     r"Non-empty 4D data tensor expected but got a tensor with sizes \[2, 0, 4, 4\]"),
]


@pytest.mark.parametrize("case", range(len(INTERPOLATE_ERRORS)))
def test_interpolate_errors_match_torch(case):
    raises_like_torch(*INTERPOLATE_ERRORS[case])


def test_upsample_modules_match_torch(rng):
    torch = pytest.importorskip("torch")
    cases = [("Upsample", dict(scale_factor=2)), ("Upsample", dict(size=(5, 7), mode="bilinear")),
             ("Upsample", dict(scale_factor=(2, 3), mode="bicubic", align_corners=True)),
             ("Upsample", dict(scale_factor=1.5, mode="nearest-exact")),
             ("UpsamplingNearest2d", dict(scale_factor=3)),
             ("UpsamplingBilinear2d", dict(size=(6, 4)))]
    x = rng.standard_normal((2, 3, 4, 5))
    for name, kwargs in cases:
        ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
        assert repr(ours) == repr(theirs)
        assert (ours.scale_factor, ours.align_corners) == (theirs.scale_factor, theirs.align_corners)
        _compare_module_float64(torch, ours, theirs, x, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn_kwargs in (("upsample", dict(scale_factor=2, mode="bilinear")),
                                ("upsample_nearest", dict(size=7)),
                                ("upsample_bilinear", dict(scale_factor=2))):
            np.testing.assert_allclose(
                to_numpy(getattr(F, name)(mt.tensor(x), **fn_kwargs)),
                getattr(torch.nn.functional, name)(torch.tensor(x), **fn_kwargs).numpy(),
                rtol=1e-10, atol=1e-12)


def test_upsample_functions_warn_deprecated():
    with pytest.warns(UserWarning, match="deprecated"):
        F.upsample_bilinear(mt.ones(1, 1, 2, 2), scale_factor=2)


# ---------------------------------------------------------------------------- pixel shuffle
def test_pixel_shuffle_matches_torch_and_numpy(rng):
    x = rng.standard_normal((2, 3, 8, 2, 3))
    want = x.reshape(2, 3, 2, 2, 2, 2, 3).transpose(0, 1, 2, 5, 3, 6, 4).reshape(2, 3, 2, 4, 6)
    np.testing.assert_array_equal(to_numpy(F.pixel_shuffle(mt.tensor(x), 2)), want)
    np.testing.assert_array_equal(to_numpy(F.pixel_unshuffle(mt.tensor(want), 2)), x)
    check_grad(lambda t: F.pixel_shuffle(t, 2), [x[:1, :1]], rng)
    check_grad(lambda t: F.pixel_unshuffle(t, 3), [rng.standard_normal((1, 2, 3, 6))], rng)
    torch = pytest.importorskip("torch")
    check_torch(torch, lambda L, t: L.nn.functional.pixel_shuffle(t, 3),
                [rng.standard_normal((2, 18, 2, 3))], rng)
    check_torch(torch, lambda L, t: L.nn.PixelUnshuffle(2)(t), [rng.standard_normal((4, 6, 4))], rng)
    assert repr(nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(nn.PixelUnshuffle(3)) == repr(torch.nn.PixelUnshuffle(3))


PIXEL_ERRORS = [
    (lambda L: L.nn.functional.pixel_shuffle(L.ones(1, 3, 2, 2), 2), RuntimeError,
     r"input.size\(-3\)=3 is not divisible by 4"),
    (lambda L: L.nn.functional.pixel_shuffle(L.ones(3, 2), 2), RuntimeError,
     "expects input to have at least 3 dimensions, but got input with 2 dimension"),
    (lambda L: L.nn.functional.pixel_shuffle(L.ones(1, 4, 2, 2), 0), RuntimeError,
     "expects a positive upscale_factor, but got 0"),
    (lambda L: L.nn.functional.pixel_shuffle(L.ones(1, 4, 2, 2), 2.0), TypeError, "must be int"),
    (lambda L: L.nn.functional.pixel_unshuffle(L.ones(1, 4, 3, 2), 2), RuntimeError,
     r"expects height to be divisible by downscale_factor, but input.size\(-2\)=3"),
    (lambda L: L.nn.functional.pixel_unshuffle(L.ones(1, 4, 2, 3), 2), RuntimeError,
     r"expects width to be divisible by downscale_factor, but input.size\(-1\)=3"),
]


@pytest.mark.parametrize("case", range(len(PIXEL_ERRORS)))
def test_pixel_shuffle_errors_match_torch(case):
    raises_like_torch(*PIXEL_ERRORS[case])


# ---------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2), dict(padding_idx=-1),
                                    dict(scale_grad_by_freq=True),
                                    dict(padding_idx=0, scale_grad_by_freq=True)])
def test_embedding_matches_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    weight = rng.standard_normal((6, 3))
    idx = np.array([[0, 2, 2, 5], [4, 2, 1, 0]])
    check_torch(torch, lambda L, w: L.nn.functional.embedding(L.tensor(idx), w, **kwargs), [weight],
                rng)


def test_embedding_gradient_by_hand():
    weight = mt.zeros(4, 2, dtype=mt.float64, requires_grad=True)
    out = F.embedding(mt.tensor([[1, 3, 1]]), weight, padding_idx=3, scale_grad_by_freq=True)
    out.backward(mt.tensor([[[1.0, 2.0], [5.0, 5.0], [3.0, 4.0]]], dtype=mt.float64))
    assert weight.grad.tolist() == [[0, 0], [2, 3], [0, 0], [0, 0]]  # (1+3)/2, (2+4)/2; pad: none


def test_embedding_max_norm_renormalises_looked_up_rows_in_place(rng):
    w = rng.standard_normal((5, 3)) * 3
    weight = mt.tensor(w)
    F.embedding(mt.tensor([0, 2, 2]), weight, max_norm=1.0, norm_type=2.0)
    norms = np.linalg.norm(to_numpy(weight), axis=1)
    for row in range(5):
        original = np.linalg.norm(w[row])
        if row in (0, 2) and original > 1:
            assert abs(norms[row] - 1.0 / (1 + 1e-7 / original)) < 1e-9
        else:
            assert norms[row] == pytest.approx(original)
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(w)
    torch.nn.functional.embedding(torch.tensor([0, 2, 2]), theirs, max_norm=1.0)
    np.testing.assert_allclose(to_numpy(weight), theirs.numpy(), rtol=1e-12)
    ours1, theirs1 = mt.tensor(w), torch.tensor(w)
    F.embedding(mt.tensor([1, 4]), ours1, max_norm=0.5, norm_type=1.0)
    torch.nn.functional.embedding(torch.tensor([1, 4]), theirs1, max_norm=0.5, norm_type=1.0)
    np.testing.assert_allclose(to_numpy(ours1), theirs1.numpy(), rtol=1e-12)


def test_embedding_module_matches_torch(rng):
    torch = pytest.importorskip("torch")
    for kwargs in (dict(), dict(padding_idx=1), dict(max_norm=1.0, norm_type=1.0),
                   dict(scale_grad_by_freq=True), dict(sparse=True)):
        theirs = torch.nn.Embedding(7, 4, **kwargs).double()
        ours = nn.Embedding(7, 4, dtype=mt.float64, **kwargs)
        assert repr(ours) == repr(theirs)
        copy_torch_state(theirs, ours)
        idx = rng.integers(0, 7, (3, 5))
        out_m, out_t = ours(mt.tensor(idx)), theirs(torch.tensor(idx))
        np.testing.assert_allclose(to_numpy(out_m), out_t.detach().numpy(), rtol=1e-12)
        g = rng.standard_normal(tuple(out_t.shape))
        out_m.backward(mt.tensor(g))
        out_t.backward(torch.tensor(g))
        grad_t = theirs.weight.grad.to_dense() if theirs.weight.grad.is_sparse else theirs.weight.grad
        np.testing.assert_allclose(to_numpy(ours.weight.grad), grad_t.numpy(), rtol=1e-12)
    emb = nn.Embedding(5, 2, padding_idx=3)
    assert emb.weight[3].tolist() == [0.0, 0.0]
    pretrained = nn.Embedding.from_pretrained(mt.ones(3, 2), freeze=False, padding_idx=0)
    assert pretrained.weight.requires_grad and pretrained.weight[0].tolist() == [1.0, 1.0]
    assert not nn.Embedding.from_pretrained(mt.ones(3, 2)).weight.requires_grad


def test_embedding_double_backward(rng):
    w = mt.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    idx = mt.tensor([[0, 3, 3], [1, 0, 2]])
    assert mt.autograd.gradgradcheck(lambda t: F.embedding(idx, t, padding_idx=2) ** 2, (w,))
    torch = pytest.importorskip("torch")  # with scale_grad_by_freq: PyTorch's second derivative
    for lib, weight in ((mt, mt.tensor(to_numpy(w), requires_grad=True)),
                        (torch, torch.tensor(to_numpy(w), requires_grad=True))):
        out = lib.nn.functional.embedding(lib.tensor(to_numpy(idx)), weight, padding_idx=2,
                                          scale_grad_by_freq=True) ** 3
        (grad,) = lib.autograd.grad(out.sum(), weight, create_graph=True)
        (grad * grad).sum().backward()
        if lib is mt:
            ours = to_numpy(weight.grad)
    np.testing.assert_allclose(ours, weight.grad.numpy(), rtol=1e-12)


EMBEDDING_ERRORS = [
    (lambda L: L.nn.Embedding(10, 3, padding_idx=10), AssertionError,
     "Padding_idx must be within num_embeddings"),
    (lambda L: L.nn.Embedding(10, 3)(L.tensor([1.0])), RuntimeError,
     "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
     "Int; but got torch.FloatTensor instead"),
    (lambda L: L.nn.Embedding(10, 3)(L.tensor([10])), IndexError, "index out of range in self"),
    (lambda L: L.nn.Embedding(10, 3)(L.tensor([-1])), IndexError, "index out of range in self"),
    (lambda L: L.nn.functional.embedding(L.tensor([1]), L.ones(3)), RuntimeError, "'weight' must be 2-D"),
    (lambda L: L.nn.functional.embedding(L.tensor([1.0]), L.zeros((), requires_grad=True)), IndexError,
     "Dimension specified as 0 but tensor has no dimensions"),
    (lambda L: L.nn.functional.embedding(L.tensor([1]), L.zeros(())), RuntimeError, "'weight' must be 2-D"),
    (lambda L: L.nn.Embedding.from_pretrained(L.ones(3)), AssertionError,
     "Embeddings parameter is expected to be 2-dimensional"),
    (lambda L: L.nn.Embedding(10, 3, _weight=L.ones(9, 3)), AssertionError,
     "Shape of weight does not match"),
]


@pytest.mark.parametrize("case", range(len(EMBEDDING_ERRORS)))
def test_embedding_errors_match_torch(case):
    raises_like_torch(*EMBEDDING_ERRORS[case])


def test_embedding_accepts_int32_indices():
    emb = nn.Embedding(4, 2)
    assert emb(mt.tensor([1, 3], dtype=mt.int32)).shape == (2, 2)


# ---------------------------------------------------------------------------- padding layers
PADDING_CASES = [("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, 0),), (3, 4)),
                 ("ZeroPad2d", (2,), (1, 2, 3, 3)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 3)),
                 ("ZeroPad3d", (1,), (1, 1, 2, 2, 2)), ("ConstantPad1d", (2, 3.5), (2, 2, 3)),
                 ("ConstantPad2d", ((1, 0, 2, 1), -1.0), (1, 1, 3, 2)),
                 ("ConstantPad3d", (1, 2.0), (1, 2, 2, 2)),
                 ("ReflectionPad1d", ((2, 1),), (2, 3, 4)), ("ReflectionPad2d", (2,), (1, 2, 3, 4)),
                 ("ReflectionPad2d", ((1, 0, 2, 1),), (2, 3, 4)),
                 ("ReflectionPad3d", (1,), (1, 1, 2, 3, 3)),
                 ("ReplicationPad1d", ((3, 1),), (2, 2, 3)), ("ReplicationPad2d", (2,), (1, 1, 3, 3)),
                 ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), (1, 2, 2, 2)),
                 ("CircularPad1d", (1,), (1, 2, 3)), ("CircularPad2d", ((1, 2, 0, 1),), (1, 1, 3, 3)),
                 ("CircularPad3d", (1,), (1, 1, 2, 2, 2))]


@pytest.mark.parametrize("case", range(len(PADDING_CASES)))
def test_padding_layers_match_torch(rng, case):
    torch = pytest.importorskip("torch")
    name, args, shape = PADDING_CASES[case]
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    assert getattr(nn, name)(*args).padding == getattr(torch.nn, name)(*args).padding
    check_torch(torch, lambda L, x: getattr(L.nn, name)(*args)(x), [rng.standard_normal(shape)], rng)


def test_padding_layers_by_hand():
    x = mt.tensor([[[1.0, 2.0, 3.0]]])
    assert nn.ZeroPad1d((1, 2))(x).tolist() == [[[0, 1, 2, 3, 0, 0]]]
    assert nn.ConstantPad1d(1, 7.0)(x).tolist() == [[[7, 1, 2, 3, 7]]]
    assert nn.ReflectionPad1d(2)(x).tolist() == [[[3, 2, 1, 2, 3, 2, 1]]]
    assert nn.ReplicationPad1d((2, 1))(x).tolist() == [[[1, 1, 1, 2, 3, 3]]]
    assert nn.CircularPad1d((1, 2))(x).tolist() == [[[3, 1, 2, 3, 1, 2]]]
    img = mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    out = nn.ReplicationPad2d(1)(img)
    out.sum().backward()
    assert img.grad.tolist() == [[[[4, 4], [4, 4]]]]  # each corner value is copied 4 times


PADDING_ERRORS = [
    (lambda L: L.nn.ZeroPad2d((1, 2, 3))(L.ones(1, 1, 4, 4)), RuntimeError,
     "Padding length must be divisible by 2"),
    (lambda L: L.nn.ReflectionPad2d(3)(L.ones(1, 1, 3, 3)), RuntimeError,
     "Padding size should be less than the corresponding input dimension"),
    (lambda L: L.nn.ReflectionPad2d(1)(L.ones(3, 3)), NotImplementedError,
     "Padding size 4 is not supported for 2D input tensor"),
    (lambda L: L.nn.ZeroPad2d(1)(L.ones(3)), RuntimeError,
     "Padding length should be less than or equal to two times the input dimension"),
]


@pytest.mark.parametrize("case", range(len(PADDING_ERRORS)))
def test_padding_layer_errors_match_torch(case):
    raises_like_torch(*PADDING_ERRORS[case])


# ---------------------------------------------------------------------------- identity, unflatten
def test_identity_and_unflatten_match_torch(rng):
    x = mt.randn(2, 12)
    assert nn.Identity(54, unused="x")(x) is x
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert nn.Unflatten(-1, [2, -1])(x).shape == (2, 2, 6)
    torch = pytest.importorskip("torch")
    assert repr(nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))
    assert repr(nn.Unflatten(1, [3, 4])) == repr(torch.nn.Unflatten(1, [3, 4]))
    for bad in (lambda L: L.nn.Unflatten(1, 12), lambda L: L.nn.Unflatten(1, (3, 4.0))):
        raises_like_torch(bad, TypeError, "unflattened_size must be")
    assert repr(nn.Identity()) == repr(torch.nn.Identity())
    check_torch(torch, lambda L, t: L.nn.Unflatten(1, (2, 2, 3))(t), [rng.standard_normal((2, 12))],
                rng)


# ---------------------------------------------------------------------------- containers
def test_parameter_list_behaves_like_torch():
    params = nn.ParameterList([nn.Parameter(mt.ones(2)), mt.zeros(3)])
    assert all(isinstance(p, nn.Parameter) for p in params) and len(params) == 2
    params.append(mt.ones(1))
    params.extend([mt.ones(4)])
    params += [mt.ones(5)]
    assert [n for n, _ in params.named_parameters()] == ["0", "1", "2", "3", "4"]
    assert params[-1].shape == (5,) and params[1].shape == (3,)
    assert isinstance(params[1:3], nn.ParameterList) and len(params[1:3]) == 2
    params[0] = mt.full((2,), 7.0)
    assert params[0].tolist() == [7.0, 7.0] and isinstance(params[0], nn.Parameter)
    with pytest.raises(IndexError, match="index 9 is out of range"):
        params[9]
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        params()
    holder = nn.Module()
    holder.stack = nn.ParameterList([nn.Parameter(mt.ones(2)) for _ in range(2)])
    assert list(holder.state_dict()) == ["stack.0", "stack.1"]
    assert len(list(holder.parameters())) == 2
    mixed = nn.ParameterList([mt.ones(2), "label"])
    assert mixed[1] == "label" and len(list(mixed.parameters())) == 1


def test_parameter_dict_behaves_like_torch():
    params = nn.ParameterDict({"b": mt.ones(2), "a": nn.Parameter(mt.zeros(3))})
    assert list(params.keys()) == ["a", "b"]  # a plain dict: sorted, as in PyTorch
    ordered = nn.ParameterDict([("y", mt.ones(1)), ("x", mt.ones(1))])
    assert list(ordered) == ["y", "x"] and list(reversed(ordered)) == ["x", "y"]
    params["c"] = mt.ones(4)
    assert isinstance(params["c"], nn.Parameter) and "c" in params and len(params) == 3
    assert [n for n, _ in params.named_parameters()] == ["a", "b", "c"]
    assert params.pop("a").shape == (3,) and list(params) == ["b", "c"]
    assert params.get("missing", 5) == 5 and params.setdefault("d", mt.ones(1)).shape == (1,)
    assert params.popitem()[0] == "d"
    del params["b"]
    assert list(params.keys()) == ["c"]
    copy = params.copy()
    assert copy["c"] is params["c"]
    merged = params | nn.ParameterDict({"z": mt.ones(1)})
    assert list(merged) == ["c", "z"]
    params.update({"e": mt.ones(1)})
    assert [k for k, _ in params.items()] == ["c", "e"] and len(list(params.values())) == 2
    params.clear()
    assert len(params) == 0 and list(params.parameters()) == []
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        params(mt.ones(1))
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        nn.ParameterDict([("a", mt.ones(1), 3)])


def test_parameter_container_reprs_have_torchs_shape():
    torch = pytest.importorskip("torch")
    ours = repr(nn.ParameterList([nn.Parameter(mt.ones(3, 4)), 5]))
    theirs = repr(torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3, 4)), 5]))
    assert ours.replace("minitorch_conv.", "torch.") == theirs
    ours = repr(nn.ParameterDict({"w": mt.ones(2)}))
    theirs = repr(torch.nn.ParameterDict({"w": torch.ones(2)}))
    assert ours == theirs


def test_module_list_and_dict_exist_with_torchs_api():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear)
    blocks = nn.ModuleDict({"act": nn.ReLU(), "fc": nn.Linear(1, 1)})
    assert list(blocks.keys()) == ["act", "fc"] and "fc" in blocks


# ---------------------------------------------------------------------------- distances
DISTANCES = [
    lambda L, a, b: L.nn.functional.pairwise_distance(a, b),
    lambda L, a, b: L.nn.functional.pairwise_distance(a, b, p=1.0, keepdim=True),
    lambda L, a, b: L.nn.functional.pairwise_distance(a, b, p=3.0, eps=1e-3),
    lambda L, a, b: L.nn.functional.cosine_similarity(a, b),
    lambda L, a, b: L.nn.functional.cosine_similarity(a, b, dim=0),
    lambda L, a, b: L.nn.functional.normalize(a),
    lambda L, a, b: L.nn.functional.normalize(a, p=1.0, dim=0),
    lambda L, a, b: L.nn.CosineSimilarity(dim=1)(a, b),
    lambda L, a, b: L.nn.PairwiseDistance(p=2.0)(a, b),
]


@pytest.mark.parametrize("case", range(len(DISTANCES)))
def test_distances_match_torch(rng, case):
    torch = pytest.importorskip("torch")
    check_torch(torch, DISTANCES[case], [rng.standard_normal((4, 5)), rng.standard_normal((4, 5))],
                rng)


def test_distances_by_hand(rng):
    a, b = mt.tensor([[3.0, 4.0], [1.0, 0.0]]), mt.tensor([[0.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(F.pairwise_distance(a, b, eps=0.0).tolist(), [5.0, 2 ** 0.5])
    np.testing.assert_allclose(F.cosine_similarity(a, b).tolist(), [0.0, 0.0])
    np.testing.assert_allclose(F.normalize(a).tolist(), [[0.6, 0.8], [1.0, 0.0]])
    assert F.normalize(mt.zeros(1, 2)).tolist() == [[0.0, 0.0]]  # eps keeps 0 / 0 away
    check_grad(lambda x, y: F.cosine_similarity(x, y), [rng.standard_normal((2, 3)),
                                                        rng.standard_normal((2, 3))], rng)


def test_module_containers_have_torchs_list_and_dict_api():
    torch = pytest.importorskip("torch")
    results = {}  # the same operations on both libraries, their results compared
    for lib in (mt, torch):
        L = lib.nn
        seq = L.Sequential(L.Linear(2, 2), L.ReLU())
        seq.insert(-1, L.Tanh())
        seq.insert(3, L.Sigmoid())
        popped = seq.pop(0)
        seq.extend([L.ReLU()])
        seq += L.Sequential(L.Identity())
        doubled = seq * 2
        seq *= 2
        blocks = L.ModuleList([L.Linear(2, 2) for _ in range(3)] + [L.ReLU(), L.ReLU()])
        blocks.pop(1)
        joined = blocks + L.ModuleList([L.Tanh()])
        del joined[0:1]
        heads = L.ModuleDict({"b": L.ReLU(), "a": L.Tanh()})
        heads.pop("b")
        results[lib.__name__] = (
            [type(m).__name__ for m in seq], type(popped).__name__, len(doubled), repr(blocks),
            [type(m).__name__ for m in joined], type(joined).__name__, list(heads.keys()),
            [type(m).__name__ for m in seq[1:3]], type(seq[1:3]).__name__)
        heads.clear()
        assert len(heads) == 0
    assert results["minitorch_conv"] == results["torch"]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        nn.Sequential() + nn.ModuleList()
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        nn.Sequential(nn.ReLU()) * 0
    with pytest.raises(IndexError, match="Index out of range: 5"):
        nn.Sequential(nn.ReLU()).insert(5, nn.ReLU())
